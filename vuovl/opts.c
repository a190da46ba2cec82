/*
 * opts — the command line and the layer stack it names. Parsing builds
 * struct vo_opts; opts_open_layers opens every layer directory (before
 * any mount, so the mount point may be a lower dir itself), checks that
 * no layer lies inside another one, prepares UPPER/.vuovl/work and opens
 * the sidecars. Prints one line per failure (the edge), returns the
 * exit status documented in vuovl(1).
 */
#include "config.h"
#include "vuovl.h"
#include "whiteout.h"
#include "lock.h"
#include "idmap.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	OPT("spin=%s", spin_arg, 0),
	OPT("uring", uring, 1),
	OPT("nouring", uring, 0),
	OPT("nodirahead", nodirahead, 1),
	OPT("rootowner=%s", rootowner, 0),
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
	       "    -o spin=USEC              one thread polls for the next request that\n"
	       "                              long before it sleeps (default 50; 0: off)\n"
	       "    -o uring, nouring         FUSE over io_uring, one queue per CPU (default:\n"
	       "                              on where the kernel offers it; see vuovl(1))\n"
	       "    -o nodirahead             no resolving of the directories a listing\n"
	       "                              shows ahead of the walk that reads them next\n"
	       "    -o rootowner=UID:GID      who stands for root in a new upper layer\n"
	       "                              whose lowers say nothing (see vuovl-sidecar(5))\n"
	       "    -o volatile               no fsync of copied-up data (faster; a\n"
	       "                              crash may leave copies empty)\n"
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
	return 0;
}

/* One owner per layer (lock.h): the upper exclusive, lowers shared.
 * --check mounts nothing and takes no lock. */
static int lock_one(struct layer *l, const char *opt, const char *path, bool upper)
{
	pid_t holder;
	int wait = lock_wait_ms(), fd = lock_layer(l->fd, upper, wait, &holder);
	char why[160];

	if (fd == -EACCES && !upper)
		return 0;	/* tolerated: a lower we may search but not list */
	if (fd < 0) {
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path,
			lock_strerror(fd, holder, upper, wait, why, sizeof(why)));
		return fd;
	}
	l->lockfd = fd;
	return 0;
}

static int open_one(struct layer *l, const char *opt, const char *path, bool upper,
		    bool lock)
{
	char *real = realpath(path, NULL);
	int err;

	if (!real) {
		err = errno;
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path, strerror(err));
		return -err;
	}
	/* the path is only for SQLite and messages: make it absolute */
	err = layer_open(l, real, upper);
	if (err)
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path, strerror(-err));
	else if (lock)
		err = lock_one(l, opt, path, upper);
	free(real);
	return err;
}

/* Removes what a crash left in the work dir: only unpublished copies. */
static void clean_work(int workfd)
{
	int fd = openat(workfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "cu.", 3) == 0 || strncmp(de->d_name, "wh.", 3) == 0)
			(void)unlinkat(fd, de->d_name, 0);	/* tolerated: retried next mount */
	closedir(d);
}

/* clean: remove what a crash left in the work dir (only the lock's
 * holder may: --check would remove a live daemon's copies). */
static int prepare_upper(const struct vo_opts *o, bool clean)
{
	struct layer *u = &vo.layers[0];
	int vfd, err;

	if (mkdirat(u->fd, SIDECAR_DIR, 0700) < 0 && errno != EEXIST)
		goto fail;
	vfd = openat(u->fd, SIDECAR_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfd < 0)
		goto fail;
	if (mkdirat(vfd, "work", 0700) < 0 && errno != EEXIST) {
		err = errno;
		close(vfd);
		errno = err;
		goto fail;
	}
	vo.workfd = openat(vfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	err = errno;
	close(vfd);
	if (vo.workfd < 0) {
		errno = err;
		goto fail;
	}
	if (clean)
		clean_work(vo.workfd);
	u->workfd = fcntl(vo.workfd, F_DUPFD_CLOEXEC, 0);
	return 0;
fail:
	err = errno;
	fprintf(stderr, "%s: upperdir %s: cannot make %s/work: %s\n", vu_progname,
		o->upperdir, SIDECAR_DIR, strerror(err));
	return -err;
}

static int open_sidecars(const struct vo_opts *o)
{
	int i, err;

	for (i = 0; i < vo.nlayers; i++) {
		struct layer *l = &vo.layers[i];
		unsigned fl = l->upper ? SIDECAR_CREATE : SIDECAR_RDONLY;
		const char *db = l->upper ? o->metadb : NULL;

		if (l->fd < 0)
			continue;	/* no upper */

		err = sidecar_open(l->fd, l->path, db, fl, &l->sc);
		if (err == -ENOENT && !l->upper)
			continue;	/* a lower layer without virtual metadata */
		if (err) {
			const char *why = sidecar_open_error();

			fprintf(stderr, "%s: sidecar of %s: %s\n", vu_progname,
				l->path, why ? why : strerror(-err));
			return err;
		}
		/* tolerated, said: the rows not believed are skipped */
		if (sidecar_warning(l->sc))
			fprintf(stderr, "%s: sidecar of %s: %s\n", vu_progname, l->path,
				sidecar_warning(l->sc));
		vo.any_sidecar = true;
	}
	return 0;
}

/* True when the upper layer holds nothing yet but its .vuovl. */
static bool upper_is_new(void)
{
	int fd = openat(vo.layers[0].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			!strcmp(de->d_name, SIDECAR_DIR);
	closedir(d);
	return empty;
}

/*
 * Whose a file without a row is in the upper layer (vuovl-sidecar(5)):
 * a new upper takes what its lowers say (a view over a root file system
 * is one); -o rootowner (ids of our namespace, recorded as the host's)
 * says it for any upper that says nothing. A non-empty upper never takes
 * its lowers' word: its files without a row would change owner.
 */
static int settle_root_owner(const struct vo_opts *o)
{
	struct sidecar *up = vo.layers[0].sc;
	uint32_t hu, hg;
	uid_t u;
	gid_t g;
	int i = vo.nstack, err;

	if (!vo.has_upper || !up || sidecar_root_owner(up, &u, &g) == 0)
		return 0;
	if (upper_is_new())
		for (i = 1; i < vo.nstack; i++)
			if (vo.layers[i].sc && sidecar_root_owner(vo.layers[i].sc, &u, &g) == 0)
				break;
	if (i < vo.nstack) {
		hu = u;
		hg = g;
	} else if (!o->rootowner) {
		return 0;
	} else if (idmap_self(0, o->root_uid, 0, &hu) < 0 ||
		   idmap_self(1, o->root_gid, 0, &hg) < 0) {
		fprintf(stderr, "%s: rootowner=%s: not mapped to the host's ids\n", vu_progname,
			o->rootowner);
		return -EINVAL;
	}
	err = sidecar_set_root_owner(up, hu, hg);
	if (err)
		fprintf(stderr, "%s: sidecar of %s: cannot record its root owner: %s\n",
			vu_progname, vo.layers[0].path, strerror(-err));
	return err;
}

static int check_nesting(void)
{
	int i, j;

	for (i = 0; i < vo.nlayers; i++)
		for (j = 0; j < vo.nlayers; j++) {
			if (i == j || vo.layers[i].fd < 0 || vo.layers[j].fd < 0 ||
			    (!vo.layers[i].upper && !vo.layers[j].upper))
				continue;	/* lowers may share trees: read-only */
			if (layer_is_beneath(&vo.layers[i], &vo.layers[j])) {
				fprintf(stderr, "%s: %s %s lies inside %s %s\n", vu_progname,
					vo.layers[j].upper ? "upperdir" : "lowerdir",
					vo.layers[j].path,
					vo.layers[i].upper ? "upperdir" : "lowerdir",
					vo.layers[i].path);
				return -ELOOP;
			}
		}
	return 0;
}

static int split_lowers(const struct vo_opts *o, char ***out, int *n)
{
	char *s = strdup(o->lowerdir), *p, **v = NULL;
	int k = 0;

	if (!s)
		return -ENOMEM;
	/* v[0] is s itself (the first token starts it): freeing v[0] frees s */
	for (p = strtok(s, ":"); p; p = strtok(NULL, ":")) {
		char **nv = realloc(v, (k + 1) * sizeof(*v));

		if (!nv) {
			free(s);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[k++] = p;
	}
	if (!k || v[0] != s) {
		free(s);
		free(v);
		return -EINVAL;
	}
	*out = v;
	*n = k;
	return 0;
}

int opts_open_layers(const struct vo_opts *o)
{
	char **lowers = NULL;
	int n = 0, i, base, status;

	/* an upper alone is a plain view of one directory with virtual
	 * ownership (vuchroot's in-place mode) */
	if ((!o->lowerdir && !o->upperdir && !o->view.n) ||
	    (o->lowerdir && split_lowers(o, &lowers, &n))) {
		fprintf(stderr, "%s: lowerdir= is %s\n", vu_progname,
			o->lowerdir ? "empty" : "missing (and no upperdir= nor rules)");
		return 1;
	}
	vo.has_upper = o->upperdir != NULL;
	vo.ro = o->ro;
	vo.kernel_markers = o->kernel_markers;
	vo.volatile_ = o->volatile_;
	vo.dirahead = !o->nodirahead;
	vo.writeback = o->writeback >= 0 ? o->writeback : writeback_default(o);
	vo.passthrough = o->passthrough;
	/* with clone_fd each thread reads its own fd: nothing to share */
	vo.spin_us = o->clone_fd ? 0 : (unsigned)o->spin;
	/* io_uring queues are per CPU already; clone_fd and -s keep the
	 * device's one queue as asked */
	vo.uring = o->uring != 0 && !o->clone_fd && !o->singlethread &&
		   uring_offered(o->uring > 0);
	vo.timeout_given = !isnan(o->timeout);
	vo.timeout = vo.timeout_given ? o->timeout : VO_STACK_TIMEOUT;
	vo.workfd = -1;
	/* slot 0 is the upper's even without one: it is where a scope's
	 * write directory sits (vuovl.h, struct scope) */
	vo.nlayers = vo.nstack = n + 1;
	vo.layers = calloc(vo.nlayers, sizeof(*vo.layers));
	status = 2;
	if (!vo.layers)
		goto out;
	vo.layers[0].fd = vo.layers[0].workfd = -1;
	base = 1;
	if (vo.has_upper && open_one(&vo.layers[0], "upperdir", o->upperdir, true, !o->check))
		goto out;
	for (i = 0; i < n; i++)
		if (open_one(&vo.layers[base + i], "lowerdir", lowers[i], false, !o->check))
			goto out;
	if (check_nesting())
		goto out;
	if (vo.has_upper && prepare_upper(o, !o->check))
		goto out;
	status = open_sidecars(o) || (!o->check && settle_root_owner(o)) ? 3 : 0;
	if (!status)
		status = rules_open(&o->view);
out:
	if (lowers)
		free(lowers[0]);	/* the strdup'ed string all point into */
	free(lowers);
	return status;
}
