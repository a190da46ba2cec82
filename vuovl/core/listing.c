// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listing — the merged listing of a view directory: each layer's
 * directory read once, topmost first; a name is listed once (the top
 * one wins); ".wh.NAME" hides NAME in the layers below and is never
 * listed; ".vuovl" at the root is never listed; the names rules make
 * are added. Built whole, then kept in a dir handle (ops_readdir.c) or
 * in the vnode, by cookie (here: listing_fresh, listing_seek), so that
 * a reader without a handle resumes after the last name it got even
 * when the directory changed meanwhile.
 */
#include "config.h"
#include "core.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A set of names (open addressing), only for building one listing. */
struct nameset {
	char **slot;
	size_t cap, n;
};

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static char **ns_find(struct nameset *ns, const char *name)
{
	size_t i = name_hash(name) & (ns->cap - 1);

	while (ns->slot[i] && strcmp(ns->slot[i], name))
		i = (i + 1) & (ns->cap - 1);
	return &ns->slot[i];
}

static int ns_grow(struct nameset *ns)
{
	struct nameset big = { calloc(ns->cap * 2, sizeof(char *)), ns->cap * 2, ns->n };
	size_t i;

	if (!big.slot)
		return -ENOMEM;
	for (i = 0; i < ns->cap; i++)
		if (ns->slot[i])
			*ns_find(&big, ns->slot[i]) = ns->slot[i];
	free(ns->slot);
	*ns = big;
	return 0;
}

/* Returns 1 when added (the set does not own name), 0 when present. */
static int ns_add(struct nameset *ns, char *name)
{
	char **s;

	if (ns->n * 2 >= ns->cap && ns_grow(ns))
		return -ENOMEM;
	s = ns_find(ns, name);
	if (*s)
		return 0;
	*s = name;
	ns->n++;
	return 1;
}

static int add_ent(struct vo_dir *d, const char *name, uint64_t ino,
		   unsigned char type, char **stored)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct vo_dirent *e = realloc(d->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		d->ents = e;
		d->cap = cap;
	}
	d->ents[d->n].name = strdup(name);
	if (!d->ents[d->n].name)
		return -ENOMEM;
	d->ents[d->n].ino = ino;
	d->ents[d->n].type = type;
	if (stored)
		*stored = d->ents[d->n].name;
	d->n++;
	return 0;
}

struct list_ctx {
	struct vnode *dir;
	struct vo_dir *out;
	struct nameset seen;
	char **hidden;	/* whiteout targets, owned here */
	size_t nhidden;
};

static int hide(struct list_ctx *c, const char *name)
{
	char *dup = strdup(name), **h;
	int r;

	if (!dup)
		return -ENOMEM;
	h = realloc(c->hidden, (c->nhidden + 1) * sizeof(*h));
	if (!h) {
		free(dup);
		return -ENOMEM;
	}
	c->hidden = h;
	c->hidden[c->nhidden++] = dup;
	r = ns_add(&c->seen, dup);
	return r < 0 ? r : 0;
}

static int one_entry(struct list_ctx *c, int layer, int dfd, struct dirent *de,
		     bool last)
{
	const char *n = de->d_name;
	struct stat st;
	char *stored;
	int r;

	if (!strcmp(n, ".") || !strcmp(n, ".."))
		return 0;
	if (c->dir->layer_root && !strcmp(n, SIDECAR_DIR))
		return 0;
	if (vo.nself && lookup_is_self(dfd, n))
		return 0;	/* the view's own mount point or upper */
	if (whiteout_is_reserved(n)) {
		if (last || !strcmp(n, WHITEOUT_OPAQUE))
			return 0;
		return hide(c, n + WHITEOUT_PREFIX_LEN);
	}
	if (*ns_find(&c->seen, n))
		return 0;
	if (de->d_type == DT_CHR && fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    whiteout_is_kernel(&st))
		return hide(c, n);
	r = add_ent(c->out, n, VO_INO(layer == 0 ? c->dir->scope->wlayer : layer, de->d_ino) ^
		    vnode_ctx_bits(c->dir), de->d_type, &stored);
	if (!r)
		r = ns_add(&c->seen, stored);
	return r < 0 ? r : 0;
}

static int list_layer(struct list_ctx *c, int layer, bool last)
{
	int fd = openat(c->dir->dirfds[layer], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err && (de = readdir(d)))
		err = one_entry(c, layer, fd, de, last);
	closedir(d);
	return err;
}

int listing_build(struct vnode *dir, struct vo_dir *out)
{
	struct list_ctx c = { .dir = dir, .out = out };
	int i, last = -1, err = 0;
	size_t k;

	memset(out, 0, sizeof(*out));
	c.seen.cap = 64;
	c.seen.slot = calloc(c.seen.cap, sizeof(char *));
	if (!c.seen.slot)
		return -ENOMEM;
	err = add_ent(out, ".", dir->ino, DT_DIR, NULL);
	if (!err)
		err = add_ent(out, "..", 0, DT_DIR, NULL);
	pthread_mutex_lock(&dir->lock);
	for (i = 0; i < vo.nlayers; i++)
		if (dir->dirfds[i] >= 0)
			last = i;
	for (i = 0; !err && i < vo.nlayers; i++)
		if (dir->dirfds[i] >= 0)
			err = list_layer(&c, i, i == last);
	pthread_mutex_unlock(&dir->lock);
	if (!err)
		err = rules_list(dir, out);
	for (k = 0; k < c.nhidden; k++)
		free(c.hidden[k]);
	free(c.hidden);
	free(c.seen.slot);
	if (err)
		listing_free(out);
	return err;
}

void listing_free(struct vo_dir *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->ents[i].name);
	free(d->ents);
	memset(d, 0, sizeof(*d));
}

void listing_drop(struct vnode *v)
{
	struct vo_dir *d = v->rd;
	struct vnode *held;
	size_t i;

	if (!d)
		return;
	v->rd = NULL;
	for (i = 0; i < d->n; i++)
		if (d->ents[i].pre)
			vnode_forget(d->ents[i].pre, 1);
	held = d->held;
	listing_free(d);
	free(d);
	if (held)	/* v: the caller keeps it alive */
		vnode_unref(held);
}

/* Handle-less listings, one lock per stripe of vnodes (a vnode has
 * none of its own for this: listing_build takes v->lock). Lock order: a
 * stripe before v->lock and tab.lock (listing and looking up the
 * entries happen under it); never two stripes. */
#define RD_LOCKS 32
static pthread_mutex_t rd_locks[RD_LOCKS] = {
	[0 ... RD_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER
};

pthread_mutex_t *listing_lock(const struct vnode *v)
{
	return &rd_locks[((uintptr_t)v / sizeof(*v)) % RD_LOCKS];
}

/* A name's cookie: FNV-1a, above the 1 and 2 of "." and "..", below
 * the largest off_t. */
static uint64_t cookie_of(const char *name)
{
	uint64_t h = 14695981039346656037ull;

	if (!strcmp(name, "."))
		return 1;
	if (!strcmp(name, ".."))
		return 2;
	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ull;
	return 3 + h % (INT64_MAX - 4);
}

static int by_cookie(const void *a, const void *b)
{
	const struct vo_dirent *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

int listing_fresh(struct vnode *v)
{
	struct vo_dir *d;
	unsigned version;
	size_t i;
	int err;

	pthread_mutex_lock(&v->lock);
	version = v->version;
	pthread_mutex_unlock(&v->lock);
	if (v->rd && v->rd_version == version)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = listing_build(v, d);
	if (err) {
		free(d);
		return err;
	}
	for (i = 0; i < d->n; i++) {	/* listing_build zeroed d->held */
		d->ents[i].cookie = cookie_of(d->ents[i].name);
		d->ents[i].pre = NULL;
	}
	qsort(d->ents, d->n, sizeof(*d->ents), by_cookie);
	/* two names with one hash: the later one gets the next cookie
	 * (stable unless one of them goes; odds of 1 in 2^62 a pair) */
	for (i = 1; i < d->n; i++)
		if (d->ents[i].cookie <= d->ents[i - 1].cookie)
			d->ents[i].cookie = d->ents[i - 1].cookie + 1;
	listing_drop(v);
	v->rd = d;
	v->rd_version = version;
	return 0;
}

/* Index of the first entry after cookie off. */
size_t listing_seek(const struct vo_dir *d, off_t off)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ents[mid].cookie <= (uint64_t)off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
