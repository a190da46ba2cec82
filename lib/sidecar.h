/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sidecar — the virtual metadata of one layer, kept in an SQLite file
 * (default LAYER/.vuovl/meta.db). Only lib/sidecar*.c include sqlite3.h.
 *
 * Model. A *node* holds what an unprivileged user cannot put on the host
 * disk: owner, group (numbers and, optionally, names), the full mode
 * (S_IFMT type + 07777), rdev, a kept view inode number, flags, and
 * privileged xattrs. One or more *paths* (hard links) point at a node.
 * Paths are relative to the layer root, without a leading slash; the layer
 * root itself is "". Every field is optional: a field not in vmeta.mask is
 * taken from the host file.
 *
 * Identity. A node records the host inode number of its file. A lookup
 * passes the host stat of the file it found; a row whose recorded host
 * inode or file type disagrees is stale (the file was replaced outside
 * vuovl) and is ignored. When the layer directory was copied elsewhere
 * (its root identity changed), open re-keys host inodes by path.
 *
 * Memory and batching. Open loads every row into memory; sidecar_get never
 * touches SQLite. Changes apply to memory at once and are written into an
 * open transaction that commits on sidecar_flush(), on close, or when
 * SIDECAR_BATCH_MAX changes are pending. Each commit is atomic (WAL): a
 * crash loses at most the changes since the last flush, never half of one.
 *
 * Threads. All functions may be called from many threads; the sidecar
 * serializes writers internally and readers never block on SQLite I/O.
 */
#ifndef VU_SIDECAR_H
#define VU_SIDECAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SIDECAR_DIR ".vuovl"		/* reserved name, never shown in a view */
#define SIDECAR_FILE "meta.db"
#define SIDECAR_BATCH_MAX 4096

struct sidecar;

enum vmeta_mask {
	VMETA_UID = 1u << 0,
	VMETA_GID = 1u << 1,
	VMETA_MODE = 1u << 2,	/* whole st_mode, type bits included */
	VMETA_RDEV = 1u << 3,
	VMETA_INO = 1u << 4,	/* view inode number kept across copy-up */
	VMETA_UNAME = 1u << 5,
	VMETA_GNAME = 1u << 6,
	VMETA_FLAGS = 1u << 7,
};

enum vmeta_flags {
	/* The upper file is a placeholder: its data still lives below. */
	VMETA_F_METACOPY = 1u << 0,
	/* No file here: the row is about the object a lower layer shows at
	 * this path (its host inode recorded), changed only in metadata. */
	VMETA_F_BELOW = 1u << 1,
};

#define VMETA_NAME_MAX 32	/* tar's uname/gname field size */

struct vmeta {
	unsigned mask;		/* enum vmeta_mask: which fields are set */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	dev_t rdev;
	uint64_t ino;
	unsigned flags;
	char uname[VMETA_NAME_MAX];
	char gname[VMETA_NAME_MAX];
};

enum sidecar_open_flags {
	SIDECAR_CREATE = 1u << 0,	/* create the file (and .vuovl/) if missing */
	SIDECAR_RDONLY = 1u << 1,	/* load into memory, then close the file */
	/* Commit only on sidecar_flush/close, never after SIDECAR_BATCH_MAX:
	 * everything between two flushes is one all-or-nothing batch. */
	SIDECAR_MANUAL = 1u << 2,
};

/*
 * Opens the sidecar of the layer whose directory is layer_fd. dbpath NULL
 * means LAYER/.vuovl/meta.db, where layer_path names the same directory
 * (SQLite needs a path). Returns 0; -ENOENT when there is none and
 * SIDECAR_CREATE is not given; -EPROTO for a file from a newer vuovl
 * (see sidecar_open_error); -EBADMSG for a file that is not a valid
 * sidecar; -EROFS for an older file opened SIDECAR_RDONLY (it needs a
 * read-write open to migrate); other -errno. One writer at a time: a
 * second read-write open of the same file waits for the first one's
 * transaction and its writes may fail with -EBUSY.
 */
int sidecar_open(int layer_fd, const char *layer_path, const char *dbpath,
		 unsigned flags, struct sidecar **out);
/* Flushes and closes; returns the flush result. NULL is allowed. */
int sidecar_close(struct sidecar *sc);
/* A sentence describing the last open/flush failure ("schema version 7 is newer than this vuovl (2)"), or NULL. */
const char *sidecar_strerror(const struct sidecar *sc, int err);
/* The same for a failed sidecar_open, which has no object to ask. */
const char *sidecar_open_error(void);
/* Rows open found malformed (a path with "..", absolute or empty
 * components, a NULL path, an xattr row without a virtual name): they
 * are skipped, never believed. A sentence saying how many and which
 * first, or NULL when there were none. */
const char *sidecar_warning(const struct sidecar *sc);

/* Fills *out for path. host may be NULL (no staleness check). A hard
 * link (host: a non-directory with st_nlink > 1) without a row of its own
 * gets the row of another name of its host inode. path NULL: by host
 * inode only. Returns 0, -ENOENT when there is no (fresh) row. Never
 * touches SQLite. */
int sidecar_get(struct sidecar *sc, const char *path, const struct stat *host,
		struct vmeta *out);
/* Sets the fields in m->mask (others keep their value), creating the row
 * if needed; host (may be NULL) records the host inode for identity. A
 * hard link without a row joins its inode's node. path NULL: changes the
 * node of host's inode (a file whose name is gone but which has other
 * links), -ENOENT when there is none. */
int sidecar_set(struct sidecar *sc, const char *path, const struct stat *host,
		const struct vmeta *m);
/* Forgets the fields in mask; a node left with nothing is deleted. */
int sidecar_clear(struct sidecar *sc, const char *path, unsigned mask);
/* Makes newpath share existing's node (hard link). When existing has no
 * row and host (its stat) is given, an empty node is made for both, so
 * what is set later through one name shows through the other; without
 * host, -ENOENT (nothing to share: not an error to report). */
int sidecar_link(struct sidecar *sc, const char *existing, const char *newpath,
		 const struct stat *host);
/* Removes one path; the node goes with its last path. Also removes every
 * path beneath it (rmdir of a tree). -ENOENT if it had no row. */
int sidecar_unlink(struct sidecar *sc, const char *path);
/* Moves a path and everything beneath it; a row already at newpath (and
 * beneath it) is replaced, as rename(2) replaces. */
int sidecar_rename(struct sidecar *sc, const char *oldpath, const char *newpath);
/* Swaps two paths and their subtrees (renameat2 RENAME_EXCHANGE). */
int sidecar_exchange(struct sidecar *sc, const char *a, const char *b);

/* Sets the fields of m->mask in dst (the in-memory merge sidecar_set
 * makes; names included). */
void vmeta_merge(struct vmeta *dst, const struct vmeta *m);

/* Privileged xattrs (see vmeta_xattr_is_virtual). get returns the value
 * size (copying it when size allows), -ENODATA, or -ERANGE. */
ssize_t sidecar_xattr_get(struct sidecar *sc, const char *path,
			  const char *name, void *buf, size_t size);
/* flags: 0, XATTR_CREATE or XATTR_REPLACE (-EEXIST / -ENODATA). */
int sidecar_xattr_set(struct sidecar *sc, const char *path,
		      const struct stat *host, const char *name,
		      const void *value, size_t size, int flags);
int sidecar_xattr_remove(struct sidecar *sc, const char *path,
			 const char *name);
/* NUL-separated names; returns total length, or -ERANGE when size is
 * too small (size 0 asks for the length). */
ssize_t sidecar_xattr_list(struct sidecar *sc, const char *path, char *buf,
			   size_t size);
/* True for names the host refuses an unprivileged user (security.*,
 * trusted.*, system.posix_acl_*) and for the user.* names that steer
 * overlays (user.overlay.*, user.fuseoverlayfs.*, user.containers.*):
 * kept in the sidecar. Other user.* stay on the host file. */
int vmeta_xattr_is_virtual(const char *name);

/*
 * The owner of a file without a row (vuovl-sidecar(5)): a layer may
 * record the host user and group (ids of the initial user namespace)
 * that stand for root in it; such a file owned by them on the host is
 * owned by 0 (resp. 0) in the layer, any other host owner stays as it
 * is. get: 0, or -ENOENT when the layer records none. set: a layer
 * records them once (-EEXIST for others).
 */
int sidecar_root_owner(struct sidecar *sc, uid_t *uid, gid_t *gid);
int sidecar_set_root_owner(struct sidecar *sc, uid_t uid, gid_t gid);
/* The rule applied to st (a host stat taken in this process's user
 * namespace, of a file of this layer): owner and group the layer's root
 * owner has become 0. Call it before a row's fields override st. */
void sidecar_owner_of(struct sidecar *sc, struct stat *st);

/* Commits pending changes (one transaction) and makes them durable. */
int sidecar_flush(struct sidecar *sc);

/* Calls fn for every path with a row (path order); stops on non-zero. */
typedef int (*sidecar_walk_fn)(const char *path, const struct vmeta *m,
			       void *arg);
int sidecar_foreach(struct sidecar *sc, sidecar_walk_fn fn, void *arg);

/* Deletes rows whose file is missing beneath layer_fd or stale (see
 * Identity); *removed counts them. Rows flagged VMETA_F_BELOW are kept:
 * their files are in other layers. */
int sidecar_repair(struct sidecar *sc, int layer_fd, unsigned *removed);

#endif
