/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts — vuovl's command line (opts.c).
 */
#ifndef VUOVL_OPTS_H
#define VUOVL_OPTS_H

#include <stdint.h>
#include <sys/types.h>

#include "view.h"
#include "log.h"
#include "idmap.h"

#define VO_IDMAP_MAX 16	/* extents of -o uidmapping= / gidmapping= */

struct vo_opts {
	char *lowerdir, *upperdir, *metadb;
	struct view view;	/* rules, in order (view.h) */
	int check;		/* --check: print the view, do not mount */
	/* vutar -c --stack, --layer: the layers are read, never written
	 * (each locked shared, the upper too; no work dir, no root owner
	 * recorded, the sidecars read-only) */
	int reader;
	char *source;		/* mount(8)'s first argument: ignored */
	char *nonopt[2];
	int nnonopt;
	int ro, kernel_markers, nopermcheck, volatile_, passthrough;
	int writeback;		/* -o (no)writeback, else its default */
	int nodirahead;		/* -o nodirahead */
	int opens;		/* -o open / noopen (the default) */
	int stats;		/* -o stats[=FILE]: requests by opcode at the end */
	char *stats_file;	/* ...to FILE, as given (else stderr) */
	char *rootowner;	/* -o rootowner=UID:GID, as given */
	uid_t root_uid;		/* ...its ids, in our user namespace */
	gid_t root_gid;
	int uring;		/* -o uring / nouring; -1: not given */
	char *spin_arg;		/* -o spin=USEC, as given */
	int spin;		/* its value, else VO_SPIN_DEFAULT_US */
	double timeout;
	int foreground, debug, show_help, show_version;
	int singlethread, clone_fd, max_idle, max_threads;
	char *mountpoint;
	/* What fuse-overlayfs and the kernel's overlay take, as podman and
	 * buildah pass them (opts_compat.c). */
	struct vo_compat {
		char *workdir, *uidmapping, *gidmapping, *squash_uid, *squash_gid;
		char *xattr_permissions, *threaded, *context, *fsync;
		char *index, *metacopy, *xino, *redirect_dir;
		int squash_to_root, static_nlink, noacl;
		struct idmap_ext uidmap[VO_IDMAP_MAX], gidmap[VO_IDMAP_MAX];
		size_t nuidmap, ngidmap;
		int64_t squash_to_uid, squash_to_gid;	/* -1: none */
	} compat;
};
/* libfuse's (opts.c includes it): the struct above is all vutar, which
 * opens a stack with no FUSE, needs of this header (stack.h) */
struct fuse_args;
int opts_parse(struct fuse_args *args, struct vo_opts *o);
/* opts_compat.c: checks the fuse-overlayfs and overlay options and
 * turns them into vuovl's (volatile, kernel markers...). 0 or -EINVAL
 * (said). */
int opts_compat_settle(struct vo_opts *o);
void opts_usage(const char *prog);

#endif
