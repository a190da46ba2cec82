// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sidecar_index — hash tables behind sidecar_get: path -> node, and
 * directory prefix -> number of rows beneath. Owns the entry and node
 * memory; knows nothing of SQLite or of locks.
 */
#include "config.h"
#include "sidecar_index.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static uint32_t hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct sc_entry *table_find(const struct sc_table *t, const char *key,
				   size_t len)
{
	uint32_t h;
	struct sc_entry *e;

	if (!t->nbuckets)
		return NULL;
	h = hash_str(key, len);
	for (e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && strncmp(e->path, key, len) == 0 &&
		    e->path[len] == '\0')
			return e;
	return NULL;
}

static int table_grow(struct sc_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : 1024;
	struct sc_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct sc_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return 0;
}

/* Adds a new entry for key (which must be absent); NULL on ENOMEM. */
static struct sc_entry *table_add(struct sc_table *t, const char *key,
				  size_t len)
{
	struct sc_entry *e;

	/* load factor up to 1: short chains, and 8 bytes a row at most */
	if (t->count + 1 > t->nbuckets && table_grow(t) < 0)
		return NULL;
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->path, key, len);
	e->path[len] = '\0';
	e->hash = hash_str(key, len);
	e->below = 0;
	e->next = t->buckets[e->hash & (t->nbuckets - 1)];
	t->buckets[e->hash & (t->nbuckets - 1)] = e;
	t->count++;
	return e;
}

static void table_unlink(struct sc_table *t, struct sc_entry *e)
{
	struct sc_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	t->count--;
}

/* Adds delta to the count of every proper prefix of path ("a", "a/b"
 * for "a/b/c"). Returns 0 or -ENOMEM (counts already changed stay). */
static int prefixes_adjust(struct sc_table *t, const char *path, int delta)
{
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		size_t len = (size_t)(p - path);
		struct sc_entry *e = table_find(t, path, len);

		if (!e) {
			if (delta < 0)
				continue;	/* never counted: nothing to undo */
			e = table_add(t, path, len);
			if (!e)
				return -ENOMEM;
		}
		e->below += (size_t)delta;
		if (e->below == 0) {
			table_unlink(t, e);
			free(e);
		}
	}
	return 0;
}

void scx_init(struct sc_index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

static void table_release(struct sc_table *t, int free_nodes)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct sc_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			if (free_nodes && --e->node->nlinks == 0)
				scx_node_free(e->node);
			free(e);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

void scx_release(struct sc_index *idx)
{
	free(idx->inodes.buckets);
	table_release(&idx->paths, 1);
	table_release(&idx->prefixes, 0);
	table_release(&idx->names, 0);
}

struct sc_entry *scx_find(const struct sc_index *idx, const char *path)
{
	return table_find(&idx->paths, path, strlen(path));
}

int scx_insert(struct sc_index *idx, const char *path, struct sc_node *node)
{
	struct sc_entry *e = table_add(&idx->paths, path, strlen(path));

	if (!e)
		return -ENOMEM;
	if (prefixes_adjust(&idx->prefixes, path, 1) < 0) {
		prefixes_adjust(&idx->prefixes, path, -1);
		table_unlink(&idx->paths, e);
		free(e);
		return -ENOMEM;
	}
	e->node = node;
	node->nlinks++;
	return 0;
}

struct sc_node *scx_remove(struct sc_index *idx, struct sc_entry *e)
{
	struct sc_node *n = e->node;

	table_unlink(&idx->paths, e);
	prefixes_adjust(&idx->prefixes, e->path, -1);
	free(e);
	n->nlinks--;
	return n;
}

int scx_has_below(const struct sc_index *idx, const char *path)
{
	if (path[0] == '\0')
		return idx->paths.count > (scx_find(idx, "") ? 1u : 0u);
	return table_find(&idx->prefixes, path, strlen(path)) != NULL;
}

static int is_below(const char *path, const char *dir, size_t dlen)
{
	if (dlen == 0)
		return path[0] != '\0';
	return strncmp(path, dir, dlen) == 0 && path[dlen] == '/';
}

ssize_t scx_collect_below(const struct sc_index *idx, const char *path,
			  struct sc_entry ***out)
{
	const struct sc_table *t = &idx->paths;
	size_t dlen = strlen(path), n = 0, cap = 16;
	struct sc_entry **v;

	*out = NULL;
	if (!scx_has_below(idx, path))
		return 0;
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct sc_entry *e = t->buckets[i]; e; e = e->next) {
			if (!is_below(e->path, path, dlen))
				continue;
			if (n == cap) {
				struct sc_entry **nv = realloc(v, 2 * cap * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap *= 2;
			}
			v[n++] = e;
		}
	*out = v;
	return (ssize_t)n;
}

ssize_t scx_collect_all(const struct sc_index *idx, struct sc_entry ***out)
{
	const struct sc_table *t = &idx->paths;
	struct sc_entry **v = malloc((t->count + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct sc_entry *e = t->buckets[i]; e; e = e->next)
			v[n++] = e;
	*out = v;
	return (ssize_t)n;
}

struct sc_node *scx_node_new(void)
{
	return calloc(1, sizeof(struct sc_node));
}

void scx_node_free(struct sc_node *n)
{
	struct sc_xattr *x, *next;

	if (!n)
		return;
	for (x = n->xattrs; x; x = next) {
		next = x->next;
		free(x->name);
		free(x);
	}
	free(n);
}

struct sc_xattr **scx_xattr_find(struct sc_node *n, const char *name)
{
	struct sc_xattr **pp;

	for (pp = &n->xattrs; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			return pp;
	return pp;	/* points at the NULL tail: not found */
}

void scx_node_get(const struct sc_node *n, struct vmeta *out)
{
	memset(out, 0, sizeof(*out));
	out->mask = n->mask;
	out->uid = n->uid;
	out->gid = n->gid;
	out->mode = n->mode;
	out->rdev = (dev_t)n->rdev;
	out->ino = n->ino;
	out->flags = n->flags;
	if (n->uname)
		snprintf(out->uname, sizeof(out->uname), "%s", n->uname);
	if (n->gname)
		snprintf(out->gname, sizeof(out->gname), "%s", n->gname);
}

/* The one copy of name; few distinct names exist, so they live until the
 * index is released. NULL on ENOMEM. */
static const char *intern(struct sc_table *names, const char *name)
{
	size_t len = strnlen(name, VMETA_NAME_MAX - 1);
	struct sc_entry *e = table_find(names, name, len);

	if (!e)
		e = table_add(names, name, len);
	return e ? e->path : NULL;
}

int scx_node_merge(struct sc_index *idx, struct sc_node *n, const struct vmeta *m)
{
	const char *uname = n->uname, *gname = n->gname;

	if ((m->mask & VMETA_UNAME) && !(uname = intern(&idx->names, m->uname)))
		return -ENOMEM;
	if ((m->mask & VMETA_GNAME) && !(gname = intern(&idx->names, m->gname)))
		return -ENOMEM;
	n->uname = uname;
	n->gname = gname;
	if (m->mask & VMETA_UID) n->uid = m->uid;
	if (m->mask & VMETA_GID) n->gid = m->gid;
	if (m->mask & VMETA_MODE) n->mode = m->mode;
	if (m->mask & VMETA_RDEV) n->rdev = m->rdev;
	if (m->mask & VMETA_INO) n->ino = m->ino;
	if (m->mask & VMETA_FLAGS) n->flags = (uint16_t)m->flags;
	n->mask |= (uint16_t)m->mask;
	return 0;
}

void scx_node_forget(struct sc_node *n, unsigned mask)
{
	n->mask &= (uint16_t)~mask;
	if (mask & VMETA_UNAME)
		n->uname = NULL;
	if (mask & VMETA_GNAME)
		n->gname = NULL;
	if (mask & VMETA_FLAGS)
		n->flags = 0;
}

static size_t inode_slot(uint64_t ino, size_t nbuckets)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 20) & (nbuckets - 1);
}

static int inodes_grow(struct sc_index *idx)
{
	size_t n = idx->inodes.nbuckets ? idx->inodes.nbuckets * 2 : 1024;
	struct sc_node **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < idx->inodes.nbuckets; i++) {
		struct sc_node *x = idx->inodes.buckets[i], *next;

		for (; x; x = next) {
			next = x->inext;
			x->inext = b[inode_slot(x->inode_key, n)];
			b[inode_slot(x->inode_key, n)] = x;
		}
	}
	free(idx->inodes.buckets);
	idx->inodes.buckets = b;
	idx->inodes.nbuckets = n;
	return 0;
}

void scx_inode_drop(struct sc_index *idx, struct sc_node *n)
{
	struct sc_node **pp;

	if (!n->in_inodes)
		return;
	pp = &idx->inodes.buckets[inode_slot(n->inode_key, idx->inodes.nbuckets)];
	while (*pp && *pp != n)
		pp = &(*pp)->inext;
	if (*pp)
		*pp = n->inext;
	n->inext = NULL;
	n->in_inodes = 0;
	idx->inodes.count--;
}

int scx_inode_update(struct sc_index *idx, struct sc_node *n)
{
	bool belongs = n->host_ino && !(n->flags & VMETA_F_BELOW);
	size_t h;

	if (n->in_inodes && belongs && n->inode_key == n->host_ino)
		return 0;	/* the common case: filed where it belongs */
	scx_inode_drop(idx, n);
	if (!belongs)
		return 0;
	if (idx->inodes.count + 1 > idx->inodes.nbuckets && inodes_grow(idx) < 0)
		return -ENOMEM;
	h = inode_slot(n->host_ino, idx->inodes.nbuckets);
	n->inode_key = n->host_ino;
	n->inext = idx->inodes.buckets[h];
	idx->inodes.buckets[h] = n;
	n->in_inodes = 1;
	idx->inodes.count++;
	return 0;
}

struct sc_node *scx_inode_find(const struct sc_index *idx, uint64_t ino)
{
	struct sc_node *n;

	if (!idx->inodes.nbuckets || !ino)
		return NULL;
	for (n = idx->inodes.buckets[inode_slot(ino, idx->inodes.nbuckets)]; n; n = n->inext)
		if (n->inode_key == ino)
			return n;
	return NULL;
}
