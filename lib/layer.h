/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layer — one host directory of an overlay stack, held by an O_PATH fd
 * opened before anything else (so a later pivot_root or a rename of the
 * host path does not matter), plus its sidecar when it has one.
 * Owns the fd and the sidecar handle; knows nothing of FUSE.
 */
#ifndef VU_LAYER_H
#define VU_LAYER_H

#include <stdbool.h>
#include <sys/types.h>

struct sidecar;

struct layer {
	int fd;			/* O_PATH|O_DIRECTORY, beneath which all names resolve */
	char *path;		/* as given, for messages and SQLite only */
	dev_t dev;
	ino_t ino;
	bool upper;
	struct sidecar *sc;	/* NULL: no virtual metadata in this layer */
	/* Set by vuovl for the layers its view rules add: */
	size_t vstrip;		/* view path chars before its paths ("dir/") */
	char *fname;		/* a bound file: fd is its parent dir, this its name */
	bool inplace;		/* a bound file written in place */
	bool mincow;		/* writes in place when the host allows them */
	int workfd;		/* O_PATH of .vuovl/work when written to, else -1 */
	int lockfd;		/* holds its lock (lock.h), else -1 */
};

/* Opens path as a layer directory. Returns 0, -ENOTDIR, other -errno. */
int layer_open(struct layer *l, const char *path, bool upper);
void layer_release(struct layer *l);
/* True when directory b lies beneath (or is) directory a, walking b's
 * ".." chain by fd. Both must be open layers. */
bool layer_is_beneath(const struct layer *a, const struct layer *b);

#endif
