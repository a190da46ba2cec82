// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuse-floor — the cheapest FUSE file system there is, for
 * scripts/bench-floor: every LOOKUP is answered at once with a made-up
 * entry (a name starting with 'f' is a file, any other a directory), no
 * disk touched, cached by the kernel for a day. What a cold lstat(2)
 * through FUSE costs on this machine when the daemon does nothing: the
 * round trip itself, the floor under any FUSE overlay's cold lookups.
 * Usage: fuse-floor [-s] MOUNTPOINT (libfuse's usual options; it stays
 * in the background until unmounted).
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <stdatomic.h>
#include <string.h>

static atomic_ulong next_ino = 2;

static void fill(struct stat *st, fuse_ino_t ino, int dir)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = dir ? S_IFDIR | 0755 : S_IFREG | 0644;
	st->st_nlink = dir ? 2 : 1;
}

static void ff_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	(void)parent;
	memset(&e, 0, sizeof(e));
	e.ino = atomic_fetch_add(&next_ino, 1);
	fill(&e.attr, e.ino, name[0] != 'f');
	e.attr_timeout = e.entry_timeout = 86400;
	fuse_reply_entry(req, &e);
}

static void ff_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fill(&st, ino, 1);
	fuse_reply_attr(req, &st, 86400);
}

static const struct fuse_lowlevel_ops ops = { .lookup = ff_lookup, .getattr = ff_getattr };

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts o;
	struct fuse_session *se;
	int r;

	if (fuse_parse_cmdline(&args, &o) || !o.mountpoint)
		return 2;
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se || fuse_session_mount(se, o.mountpoint))
		return 1;
	fuse_daemonize(o.foreground);
	if (o.singlethread) {
		r = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *c = fuse_loop_cfg_create();

		r = fuse_session_loop_mt(se, c);
		fuse_loop_cfg_destroy(c);
	}
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	return r ? 1 : 0;
}
