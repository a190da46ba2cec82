/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sidecar_index — the in-memory copy of a sidecar: a hash of paths to
 * nodes, plus a count of rows beneath every directory prefix so that a
 * rename knows in O(1) whether it moves a subtree, plus a hash of host
 * inodes to nodes (a hard link's row is found from any of its names).
 * Private to lib/sidecar*.c; no locking here (sidecar.c holds the
 * lock), no SQL.
 */
#ifndef VU_SIDECAR_INDEX_H
#define VU_SIDECAR_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "sidecar.h"

struct sc_xattr {
	struct sc_xattr *next;
	char *name;
	size_t size;
	unsigned char value[];
};

/* One node, kept small (a 100k-file layer holds 100k of them): the fields
 * of struct vmeta without its inline name buffers. */
struct sc_node {
	int64_t id;		/* node.id in the file; 0 before it is written */
	uint64_t host_ino;	/* 0: not recorded */
	uint64_t ino;
	uint64_t rdev;
	struct sc_xattr *xattrs;
	const char *uname, *gname;	/* interned (sc_index.names); NULL: unset */
	uint32_t uid, gid, mode;
	struct sc_node *inext;	/* inode hash chain */
	uint64_t inode_key;	/* the host_ino it is filed under there */
	int64_t host_btime;	/* host birth time, ns; 0: not recorded */
	uint32_t nlinks;	/* paths in the index pointing here */
	uint16_t mask;		/* enum vmeta_mask */
	uint16_t flags;		/* enum vmeta_flags */
	uint8_t in_inodes;	/* in sc_index.inodes */
	uint8_t btime_seen;	/* 1: host_btime checked this open and fits,
				   2: it did not (the row is stale); atomic */
};

struct sc_entry {
	struct sc_entry *next;
	uint32_t hash;
	union {
		struct sc_node *node;	/* in the path table */
		size_t below;		/* in the prefix table */
	};
	char path[];
};

struct sc_table {
	struct sc_entry **buckets;
	size_t nbuckets;
	size_t count;
};

struct sc_index {
	struct sc_table paths;
	struct sc_table prefixes;	/* "a/b" -> rows strictly beneath it */
	struct sc_table names;		/* interned user and group names */
	/* host inode -> node, for nodes about a file of this layer (not
	 * VMETA_F_BELOW) whose host inode is recorded */
	struct {
		struct sc_node **buckets;
		size_t nbuckets, count;
	} inodes;
};

void scx_init(struct sc_index *idx);
/* Frees every entry and node (a node is freed with its last path). */
void scx_release(struct sc_index *idx);

struct sc_entry *scx_find(const struct sc_index *idx, const char *path);
/* Adds path -> node (path must be absent); takes a link on node.
 * Returns 0 or -ENOMEM. */
int scx_insert(struct sc_index *idx, const char *path, struct sc_node *node);
/* Removes the entry; returns its node with nlinks dropped (the caller
 * frees it, with scx_node_free, when nlinks reaches 0). */
struct sc_node *scx_remove(struct sc_index *idx, struct sc_entry *e);
/* True when some row lies strictly beneath path. */
int scx_has_below(const struct sc_index *idx, const char *path);
/* Collects the entries strictly beneath path into a new array (the
 * caller frees the array, not the entries). Returns the count or -ENOMEM. */
ssize_t scx_collect_below(const struct sc_index *idx, const char *path,
			  struct sc_entry ***out);
/* Collects every entry (unsorted). */
ssize_t scx_collect_all(const struct sc_index *idx, struct sc_entry ***out);

struct sc_node *scx_node_new(void);
void scx_node_free(struct sc_node *n);
struct sc_xattr **scx_xattr_find(struct sc_node *n, const char *name);
/* The node's fields as a struct vmeta. */
void scx_node_get(const struct sc_node *n, struct vmeta *out);
/* Sets the fields in m->mask. Returns 0 or -ENOMEM (nothing changed). */
int scx_node_merge(struct sc_index *idx, struct sc_node *n, const struct vmeta *m);
/* Forgets the fields in mask. */
void scx_node_forget(struct sc_node *n, unsigned mask);

/* Files n in the inode hash under its current host_ino and flags (or
 * takes it out when it no longer belongs there): call after a change of
 * either. Returns 0 or -ENOMEM (n is then not found by inode). */
int scx_inode_update(struct sc_index *idx, struct sc_node *n);
/* Takes n out of the inode hash (before it is freed). */
void scx_inode_drop(struct sc_index *idx, struct sc_node *n);
/* A node about host inode ino, or NULL. */
struct sc_node *scx_inode_find(const struct sc_index *idx, uint64_t ino);

#endif
