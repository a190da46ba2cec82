// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opts — the command line: libfuse's options, vuovl's own (-o lowerdir=,
 * rules, view files...) into struct vo_opts, every value checked and
 * every default settled here. Opens nothing (stack.c does). Prints one
 * line per mistake.
 */
#include "config.h"
#include "opts.h"
#include "core/core.h"
#include "transport/transport.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KEY_RO, KEY_HELP, KEY_VERSION, KEY_RULE, KEY_VIEW, KEY_CHECK };

#define OPT(t, f, v) { t, offsetof(struct vo_opts, f), v }
static const struct fuse_opt opt_spec[] = {
	OPT("lowerdir=%s", lowerdir, 0),
	OPT("upperdir=%s", upperdir, 0),
	OPT("metadb=%s", metadb, 0),
	OPT("kernel_markers", kernel_markers, 1),
	OPT("timeout=%lf", timeout, 0),
	OPT("nopermcheck", nopermcheck, 1),
	OPT("volatile", volatile_, 1),
	OPT("writeback", writeback, 1),
	OPT("nowriteback", writeback, 0),
	OPT("passthrough", passthrough, 1),
	OPT("open", opens, 1),
	OPT("noopen", opens, 0),
	OPT("spin=%s", spin_arg, 0),
	OPT("uring", uring, 1),
	OPT("nouring", uring, 0),
	OPT("nodirahead", nodirahead, 1),
	OPT("stats", stats, 1),
	OPT("stats=%s", stats_file, 0),
	OPT("rootowner=%s", rootowner, 0),
	/* fuse-overlayfs's and the kernel overlay's (opts_compat.c) */
	OPT("workdir=%s", compat.workdir, 0),
	OPT("uidmapping=%s", compat.uidmapping, 0),
	OPT("gidmapping=%s", compat.gidmapping, 0),
	OPT("squash_to_root", compat.squash_to_root, 1),
	OPT("squash_to_uid=%s", compat.squash_uid, 0),
	OPT("squash_to_gid=%s", compat.squash_gid, 0),
	OPT("static_nlink", compat.static_nlink, 1),
	OPT("noacl", compat.noacl, 1),
	OPT("xattr_permissions=%s", compat.xattr_permissions, 0),
	OPT("fsync=%s", compat.fsync, 0),
	OPT("threaded=%s", compat.threaded, 0),
	OPT("context=%s", compat.context, 0),
	OPT("userxattr", kernel_markers, 1),
	OPT("index=%s", compat.index, 0),
	OPT("metacopy=%s", compat.metacopy, 0),
	OPT("xino=%s", compat.xino, 0),
	OPT("redirect_dir=%s", compat.redirect_dir, 0),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_KEY("bind=", KEY_RULE),
	FUSE_OPT_KEY("robind=", KEY_RULE),
	FUSE_OPT_KEY("cowbind=", KEY_RULE),
	FUSE_OPT_KEY("mincowbind=", KEY_RULE),
	FUSE_OPT_KEY("merge=", KEY_RULE),
	FUSE_OPT_KEY("romerge=", KEY_RULE),
	FUSE_OPT_KEY("mincowmerge=", KEY_RULE),
	FUSE_OPT_KEY("hide=", KEY_RULE),
	FUSE_OPT_KEY("ro=", KEY_RULE),
	FUSE_OPT_KEY("view=", KEY_VIEW),
	FUSE_OPT_KEY("--check", KEY_CHECK),
	FUSE_OPT_KEY("--dry-run", KEY_CHECK),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_END
};

/*
 * The kernel's writeback cache gathers small writes (one WRITE per file
 * at close instead of one per write(2)), but then the kernel keeps a
 * file's size and times itself and no longer takes them from vuovl:
 * right only where vuovl is the layers' only writer. So it is on unless
 * the view shows host paths (rules), or short timeouts say others write
 * the layers (vuchroot on a live NEWROOT), or passthrough is asked.
 */
static int writeback_default(const struct vo_opts *o)
{
	if (o->view.n || o->passthrough)
		return 0;
	return isnan(o->timeout) || o->timeout >= VO_LONG_TIMEOUT;
}

/* A stack value from a view file fills what -o did not give. */
static int take_stack(char **slot, char **from)
{
	if (!*slot) {
		*slot = *from;
		*from = NULL;
	}
	return 0;
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct vo_opts *o = data;
	char err[4400], *eq;
	int r;

	(void)out;
	switch (key) {
	case KEY_RO:
		o->ro = 1;
		return 1;	/* the kernel mount is read-only too */
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	case KEY_CHECK:
		o->check = 1;
		return 0;
	case KEY_RULE:
		eq = strchr(arg, '=');
		*eq = '\0';
		r = view_add_option(&o->view, arg, eq + 1, err, sizeof(err));
		*eq = '=';
		break;
	case KEY_VIEW:
		r = view_add_file(&o->view, arg + 5, err, sizeof(err));
		if (r && r != -EINVAL)
			snprintf(err, sizeof(err), "view=%s: %s", arg + 5, strerror(-r));
		if (!r) {
			take_stack(&o->lowerdir, &o->view.stack.lowerdir);
			take_stack(&o->upperdir, &o->view.stack.upperdir);
			take_stack(&o->metadb, &o->view.stack.metadb);
		}
		break;
	case FUSE_OPT_KEY_NONOPT:
		/* mount(8) through mount.fuse3 passes SOURCE MOUNTPOINT */
		if (o->nnonopt < 2)
			o->nonopt[o->nnonopt] = strdup(arg);
		o->nnonopt++;
		return 0;
	default:
		return 1;
	}
	if (r) {
		fprintf(stderr, "%s: %s\n", vu_progname, err);
		return -1;
	}
	return 0;
}

void opts_usage(const char *prog)
{
	printf("usage: %s [-f] [-d] [-o OPTION[,OPTION...]] [SOURCE] MOUNTPOINT\n"
	       "       %s --check -o OPTION[,OPTION...]\n"
	       "\n"
	       "vuovl options:\n"
	       "    -o lowerdir=DIR[:DIR...]  read-only layers, topmost first\n"
	       "    -o upperdir=DIR           writable layer (absent: read-only view)\n"
	       "    -o metadb=PATH            upper sidecar (default UPPER/.vuovl/meta.db)\n"
	       "    -o ro                     refuse every change\n"
	       "    -o bind=VIEWPATH:HOSTPATH[:FLAG...]\n"
	       "                              show a host file or directory at VIEWPATH;\n"
	       "                              writes go to it (robind=, cowbind=,\n"
	       "                              mincowbind=: read-only, copied up, in place\n"
	       "                              when the host allows)\n"
	       "    -o merge=VIEWPATH:HOSTDIR[:FLAG...]\n"
	       "                              one more read-only layer for that subtree\n"
	       "    -o hide=VIEWPATH          the path does not exist in the view\n"
	       "    -o ro=VIEWPATH            changes beneath it fail with EROFS\n"
	       "                              FLAGs: ro, cow, mincow, unlisted,\n"
	       "                              except=SUBPATH (see vuovl(1))\n"
	       "    -o view=FILE              rules (and the stack) from a file\n"
	       "    --check, --dry-run        print the resolved view; do not mount\n"
	       "    -o timeout=SECONDS        kernel name/attribute cache (default: a day\n"
	       "                              for the stack's layers, 1 for rules' host paths)\n"
	       "    -o nopermcheck            no default_permissions: the kernel does not\n"
	       "                              check the virtual owners and modes\n"
	       "    -o kernel_markers         also read kernel overlayfs opaque xattrs\n"
	       "    -o writeback, nowriteback the kernel's writeback cache (default: on\n"
	       "                              without rules, passthrough or timeout<60)\n"
	       "    -o passthrough            open files' reads and writes go from the\n"
	       "                              kernel to the host copy (root; see vuovl(1))\n"
	       "    -o open, noopen           every open(2) of a file asks the daemon, or\n"
	       "                              none does (default: noopen, where the kernel\n"
	       "                              and the view allow it; see vuovl(1))\n"
	       "    -o spin=USEC              one thread polls for the next request that\n"
	       "                              long before it sleeps (default 50; 0: off)\n"
	       "    -o uring, nouring         FUSE over io_uring, one queue per CPU (default:\n"
	       "                              on where the kernel offers it; see vuovl(1))\n"
	       "    -o nodirahead             no resolving of the directories a listing\n"
	       "                              shows ahead of the walk that reads them next\n"
	       "    -o stats[=FILE]           at unmount, write the requests the kernel\n"
	       "                              sent, by opcode, with their errors, to FILE\n"
	       "                              (default: stderr; see vuovl(1))\n"
	       "    -o rootowner=UID:GID      who stands for root in a new upper layer\n"
	       "                              whose lowers say nothing (see vuovl-sidecar(5))\n"
	       "    -o volatile               no fsync of copied-up data (faster; a\n"
	       "                              crash may leave copies empty)\n"
	       "    -o uidmapping=, gidmapping=, squash_to_root, squash_to_uid=,\n"
	       "       squash_to_gid=, static_nlink, noacl, workdir=, fsync=0, ...\n"
	       "                              fuse-overlayfs's and overlayfs's options,\n"
	       "                              for podman and buildah (see vuovl(1))\n"
	       "    -f                        stay in the foreground\n"
	       "    -d                        debug output (implies -f)\n"
	       "    -h, --help                this help\n"
	       "    -V, --version             the version\n"
	       "\n", prog, prog);
}

int opts_parse(struct fuse_args *args, struct vo_opts *o)
{
	struct fuse_cmdline_opts c;

	memset(o, 0, sizeof(*o));
	o->timeout = NAN;	/* not given: per source (vnode_timeout) */
	o->writeback = -1;	/* not given: writeback_default() */
	o->uring = -1;		/* not given: where the kernel offers it */
	view_init(&o->view);

	if (fuse_opt_parse(args, o, opt_spec, opt_proc) < 0)
		return -EINVAL;
	if (o->show_version)
		return 0;
	if (o->nnonopt > 2) {
		fprintf(stderr, "%s: too many arguments (SOURCE MOUNTPOINT at most)\n", vu_progname);
		return -EINVAL;
	}
	if (o->nnonopt == 2) {
		o->source = o->nonopt[0];
		o->nonopt[0] = NULL;
	}
	if (o->nnonopt && fuse_opt_add_arg(args, o->nonopt[o->nnonopt - 1]) < 0)
		return -ENOMEM;
	if (fuse_parse_cmdline(args, &c) < 0)
		return -EINVAL;
	o->foreground = c.foreground;
	o->debug = c.debug;
	o->show_help = c.show_help;
	o->mountpoint = c.mountpoint;
	o->singlethread = c.singlethread;
	o->clone_fd = c.clone_fd;
	o->max_idle = c.max_idle_threads;
	o->max_threads = c.max_threads;
	if (o->timeout < 0) {
		fprintf(stderr, "%s: timeout=%g: must not be negative\n", vu_progname, o->timeout);
		return -EINVAL;
	}
	if (o->rootowner) {
		char *end;
		unsigned long long u, g = 0;

		errno = 0;
		u = strtoull(o->rootowner, &end, 10);
		if (*end == ':' && end != o->rootowner)
			g = strtoull(end + 1, &end, 10);
		if (errno || *end || end == o->rootowner || !strchr(o->rootowner, ':') ||
		    u > UINT32_MAX - 1 || g > UINT32_MAX - 1) {
			fprintf(stderr, "%s: rootowner=%s: must be UID:GID\n", vu_progname,
				o->rootowner);
			return -EINVAL;
		}
		o->root_uid = (uid_t)u;
		o->root_gid = (gid_t)g;
	}
	if (o->stats_file && !*o->stats_file) {
		fprintf(stderr, "%s: stats=: no file given\n", vu_progname);
		return -EINVAL;
	}
	if (o->stats_file)
		o->stats = 1;
	o->spin = VO_SPIN_DEFAULT_US;
	if (o->spin_arg) {
		char *end;
		long v;

		errno = 0;
		v = strtol(o->spin_arg, &end, 10);
		if (errno || end == o->spin_arg || *end || v < 0 || v > 100000) {
			fprintf(stderr, "%s: spin=%s: must be 0 to 100000 (microseconds)\n",
				vu_progname, o->spin_arg);
			return -EINVAL;
		}
		o->spin = (int)v;
	}
	if (opts_compat_settle(o))
		return -EINVAL;
	if (o->writeback < 0)
		o->writeback = writeback_default(o);
	if (o->passthrough && o->writeback) {
		vu_warn("passthrough: not with writeback (the kernel does "
			"not combine them); using writeback");
		o->passthrough = 0;
	}
	return 0;
}
