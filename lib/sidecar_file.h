/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sidecar_file — finding a layer's sidecar file and deciding whether to
 * believe it (the rules are atop sidecar_file.c). Private to
 * lib/sidecar*.c; no SQLite here.
 */
#ifndef VU_SIDECAR_FILE_H
#define VU_SIDECAR_FILE_H

#include <limits.h>

struct sc_place {
	int dirfd;		/* the sidecar's directory, pinned */
	char base[NAME_MAX + 1];	/* the file's name in it */
	char *sqlpath;		/* what SQLite opens */
	char *shown;		/* what messages name: LAYER/.vuovl/meta.db */
	int created;		/* not there yet: SQLite makes it */
	char err[512];		/* the reason of a failure, in words */
};

/*
 * Finds the sidecar of the layer layer_fd (layer_path names it in
 * messages), or the file dbpath when given. create: make LAYER/.vuovl
 * when missing, and allow meta.db to be. Returns 0; -ENOENT when there
 * is none (and create is not given); -EPERM for one not to believe,
 * -ELOOP for a symlink, other -errno; p->err says why.
 */
int scf_place(int layer_fd, const char *layer_path, const char *dbpath, int create,
	      struct sc_place *p);
/* After SQLite made the file: its mode is 0600. 0 or -errno. */
int scf_settle(struct sc_place *p);
void scf_release(struct sc_place *p);

#endif
