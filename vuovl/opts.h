/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts — vuovl's command line (opts.c).
 */
#ifndef VUOVL_OPTS_H
#define VUOVL_OPTS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#include "view.h"
#include "log.h"

struct vo_opts {
	char *lowerdir, *upperdir, *metadb;
	struct view view;	/* rules, in order (view.h) */
	int check;		/* --check: print the view, do not mount */
	char *source;		/* mount(8)'s first argument: ignored */
	char *nonopt[2];
	int nnonopt;
	int ro, kernel_markers, nopermcheck, volatile_, passthrough;
	int writeback;		/* -o (no)writeback, else its default */
	int nodirahead;		/* -o nodirahead */
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
};
int opts_parse(struct fuse_args *args, struct vo_opts *o);
void opts_usage(const char *prog);

#endif
