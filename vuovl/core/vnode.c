// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnode — the inode table: one vnode per visible view object, named by
 * (parent vnode, name) in a hash, identified towards the kernel by its
 * address (FUSE nodeid), so getting a vnode from a request is O(1) and
 * takes no lock. Owns vnode lifetime: nlookup (kernel references) and
 * refs (children and open handles); a vnode is freed when both are 0.
 * Does not resolve names in layers (lookup.c) nor touch sidecars.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAB_MIN 1024

static void collect_locked(struct vnode *v, struct vnode **dead);
static void free_dead(struct vnode *dead);

static size_t hash_key(const struct vnode *parent, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ (uintptr_t)parent;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

void vnode_table_init(void)
{
	pthread_mutex_init(&vo.tab.lock, NULL);
	vo.tab.nbuckets = TAB_MIN;
	vo.tab.buckets = calloc(TAB_MIN, sizeof(*vo.tab.buckets));
	vo.tab.nibuckets = TAB_MIN;
	vo.tab.ibuckets = calloc(TAB_MIN, sizeof(*vo.tab.ibuckets));
	if (!vo.tab.buckets || !vo.tab.ibuckets)
		BUG();
}

struct vnode *vnode_get(uint64_t id)
{
	return id == VO_ROOT_ID ? &vo.root : (struct vnode *)(uintptr_t)id;
}

uint64_t vnode_id(struct vnode *v)
{
	return v == &vo.root ? VO_ROOT_ID : (uint64_t)(uintptr_t)v;
}

struct vnode *vnode_alloc(void)
{
	struct vnode *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	pthread_mutex_init(&v->lock, NULL);
	v->fd = -1;
	v->gen = atomic_fetch_add_explicit(&vo.generation, 1, memory_order_relaxed) + 1;
	return v;
}

void vnode_free(struct vnode *v)
{
	int i;

	/* v->rd holds no counts here: entries resolved ahead keep a ref
	 * on v (d->held), and v is freed only without refs */
	if (v->rd) {
		listing_free(v->rd);
		free(v->rd);
	}
	iofd_forget(v);
	if (v->fd >= 0)
		close(v->fd);
	if (v->dirfds) {
		for (i = 0; i < vo.nlayers; i++)
			if (v->dirfds[i] >= 0 && v->dirfds[i] != v->fd)
				close(v->dirfds[i]);
		free(v->dirfds);
	}
	if (v->shadow) {
		for (i = 0; i < vo.nlayers; i++)
			if (v->shadow[i] >= 0)
				close(v->shadow[i]);
		free(v->shadow);
	}
	free(v->name);
	free(v->spath);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* Caller holds tab.lock. */
static struct vnode **slot_of(struct vnode *parent, const char *name)
{
	struct vnode **pp = &vo.tab.buckets[hash_key(parent, name) & (vo.tab.nbuckets - 1)];

	while (*pp && ((*pp)->parent != parent || strcmp((*pp)->name, name)))
		pp = &(*pp)->hnext;
	return pp;
}

/* Caller holds tab.lock. */
static void unhash(struct vnode *v)
{
	struct vnode **pp;

	if (!v->hashed)
		return;
	pp = slot_of(v->parent, v->name);
	if (*pp == v)
		*pp = v->hnext;
	v->hnext = NULL;
	v->hashed = false;
	vo.tab.count--;
}

/* Caller holds tab.lock. Doubling keeps chains short: O(1) lookups. */
static void grow(void)
{
	size_t n = vo.tab.nbuckets * 2, i;
	struct vnode **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;	/* tolerated: longer chains, still correct */
	for (i = 0; i < vo.tab.nbuckets; i++) {
		struct vnode *v = vo.tab.buckets[i], *next;

		for (; v; v = next) {
			size_t h = hash_key(v->parent, v->name) & (n - 1);

			next = v->hnext;
			v->hnext = nb[h];
			nb[h] = v;
		}
	}
	free(vo.tab.buckets);
	vo.tab.buckets = nb;
	vo.tab.nbuckets = n;
}

static void hash_in(struct vnode *v)
{
	struct vnode **pp = slot_of(v->parent, v->name);

	v->hnext = *pp;
	*pp = v;
	v->hashed = true;
	if (++vo.tab.count > vo.tab.nbuckets)
		grow();
}

struct vnode *vnode_find(struct vnode *parent, const char *name)
{
	struct vnode *v;

	pthread_mutex_lock(&vo.tab.lock);
	v = *slot_of(parent, name);
	if (v)
		v->nlookup++;
	pthread_mutex_unlock(&vo.tab.lock);
	return v;
}

uint64_t vnode_peek_ino(struct vnode *parent, const char *name, uint64_t dflt)
{
	struct vnode *v;
	uint64_t ino = dflt;

	pthread_mutex_lock(&vo.tab.lock);
	v = *slot_of(parent, name);
	if (v)
		ino = v->ino;
	pthread_mutex_unlock(&vo.tab.lock);
	return ino;
}

struct vnode *vnode_insert(struct vnode *parent, const char *name,
			   struct vnode *fresh)
{
	struct vnode *v;
	char *dup = strdup(name);

	pthread_mutex_lock(&vo.tab.lock);
	v = *slot_of(parent, name);
	if (v || !dup) {
		if (v)
			v->nlookup++;
		pthread_mutex_unlock(&vo.tab.lock);
		free(dup);
		vnode_free(fresh);
		return v;
	}
	fresh->parent = parent;
	parent->refs++;
	fresh->name = dup;
	fresh->nlookup = 1;
	hash_in(fresh);
	pthread_mutex_unlock(&vo.tab.lock);
	return fresh;
}

static struct vnode **islot(int layer, ino_t hino)
{
	uint64_t h = ((uint64_t)hino * 0x9e3779b97f4a7c15ull) ^ (unsigned)layer;

	return &vo.tab.ibuckets[(h >> 17) & (vo.tab.nibuckets - 1)];
}

/* Caller holds tab.lock. */
static void iunlink(struct vnode *v)
{
	struct vnode **pp;

	if (!v->iindexed)
		return;
	for (pp = islot(v->ilayer, v->hino); *pp; pp = &(*pp)->inext)
		if (*pp == v) {
			*pp = v->inext;
			break;
		}
	v->iindexed = false;
}

/* Caller holds tab.lock. A vnode whose name went while another name of
 * its file stays: its pin (taken before the unlink) still has links. */
static bool has_other_name(struct vnode *v)
{
	struct stat st;

	return v->fd >= 0 && fstat(v->fd, &st) == 0 && st.st_nlink > 0 &&
	       st.st_ino == v->hino;
}

struct vnode *vnode_insert_linked(struct vnode *dir, const char *name, struct vnode *fresh)
{
	struct vnode *v, *named, *dead = NULL;
	char *dup = strdup(name);

	pthread_mutex_lock(&vo.tab.lock);
	named = *slot_of(dir, name);
	for (v = *islot(fresh->ilayer, fresh->hino); v; v = v->inext)
		if (v->ilayer == fresh->ilayer && v->hino == fresh->hino &&
		    (!v->unlinked || has_other_name(v)))
			break;
	if (named || !dup) {
		/* (dir, name) came in meanwhile: that one */
		v = named;
	} else if (v && v->unlinked) {
		/* its name went, another stays: it takes this one */
		struct vnode *oldp = v->parent;

		free(v->name);
		v->name = dup;
		dup = NULL;
		dir->refs++;
		v->parent = dir;
		v->unlinked = false;
		hash_in(v);
		oldp->refs--;
		collect_locked(oldp, &dead);
	} else if (!v) {
		/* the first name seen of this file: hashed and indexed at once,
		 * so a lookup of another name cannot make a second vnode */
		fresh->parent = dir;
		dir->refs++;
		fresh->name = dup;
		dup = NULL;
		fresh->nlookup = 0;
		hash_in(fresh);
		fresh->inext = *islot(fresh->ilayer, fresh->hino);
		*islot(fresh->ilayer, fresh->hino) = fresh;
		fresh->iindexed = true;
		v = fresh;
		fresh = NULL;
	}
	if (v)
		v->nlookup++;
	pthread_mutex_unlock(&vo.tab.lock);
	free(dup);
	free_dead(dead);
	if (fresh)
		vnode_free(fresh);
	return v;
}

bool vnode_is_unlinked(struct vnode *v)
{
	bool gone;

	pthread_mutex_lock(&vo.tab.lock);
	gone = v->unlinked;
	pthread_mutex_unlock(&vo.tab.lock);
	return gone;
}

void vnode_index_inode(struct vnode *v, int layer, ino_t hino)
{
	struct vnode **pp;

	pthread_mutex_lock(&vo.tab.lock);
	iunlink(v);
	v->ilayer = layer;
	v->hino = hino;
	pp = islot(layer, hino);
	v->inext = *pp;
	*pp = v;
	v->iindexed = true;
	pthread_mutex_unlock(&vo.tab.lock);
}

void vnode_unindex_inode(struct vnode *v)
{
	pthread_mutex_lock(&vo.tab.lock);
	iunlink(v);
	pthread_mutex_unlock(&vo.tab.lock);
}

/* Caller holds tab.lock. Unhashes v, and the parents it kept alive,
 * when nothing holds them any more, and adds them to the list *dead
 * (chained by hnext): free_dead frees them once the lock is dropped, so
 * no close(2) or free(3) runs under it. */
static void collect_locked(struct vnode *v, struct vnode **dead)
{
	while (v && v != &vo.root && v->nlookup == 0 && v->refs == 0) {
		struct vnode *p = v->parent;

		unhash(v);
		iunlink(v);
		v->hnext = *dead;
		*dead = v;
		v = p;
		if (v)
			v->refs--;
	}
}

/* Caller does not hold tab.lock. */
static void free_dead(struct vnode *dead)
{
	while (dead) {
		struct vnode *next = dead->hnext;

		vnode_free(dead);
		dead = next;
	}
}

void vnode_forget(struct vnode *v, uint64_t n)
{
	struct vnode *dead = NULL;

	pthread_mutex_lock(&vo.tab.lock);
	v->nlookup = n > v->nlookup ? 0 : v->nlookup - n;
	collect_locked(v, &dead);
	pthread_mutex_unlock(&vo.tab.lock);
	free_dead(dead);
}

void vnode_ref(struct vnode *v)
{
	pthread_mutex_lock(&vo.tab.lock);
	v->refs++;
	pthread_mutex_unlock(&vo.tab.lock);
}

void vnode_unref(struct vnode *v)
{
	struct vnode *dead = NULL;

	pthread_mutex_lock(&vo.tab.lock);
	v->refs--;
	collect_locked(v, &dead);
	pthread_mutex_unlock(&vo.tab.lock);
	free_dead(dead);
}

void vnode_drop_name(struct vnode *parent, const char *name)
{
	struct vnode *v;

	pthread_mutex_lock(&vo.tab.lock);
	v = *slot_of(parent, name);
	if (v) {
		unhash(v);
		v->unlinked = true;
	}
	pthread_mutex_unlock(&vo.tab.lock);
}

void vnode_move(struct vnode *oldp, const char *oldname, struct vnode *newp,
		const char *newname)
{
	struct vnode *v, *victim;
	char *dup = strdup(newname);

	pthread_mutex_lock(&vo.tab.lock);
	victim = *slot_of(newp, newname);
	if (victim) {
		unhash(victim);
		victim->unlinked = true;
	}
	v = *slot_of(oldp, oldname);
	if (v && dup) {
		unhash(v);
		free(v->name);
		v->name = dup;
		dup = NULL;
		if (v->parent != newp) {
			newp->refs++;
			v->parent->refs--;
			/* oldp stays alive: the caller holds it */
			v->parent = newp;
		}
		hash_in(v);
	} else if (v) {
		unhash(v);	/* no memory for the name: forget it */
		v->unlinked = true;
	}
	pthread_mutex_unlock(&vo.tab.lock);
	free(dup);
}

/* The layers' path of name in v: it stops at an inview bind point and
 * starts from its spath. */
char *vnode_child_spath(struct vnode *v, const char *name)
{
	size_t len = name ? strlen(name) : 0, n = name ? 1 : 0, pos, l, plen = 0;
	struct vnode *p, *top = NULL;
	bool first = true;
	char *buf;

	pthread_mutex_lock(&vo.tab.lock);
	for (p = v; p && p != &vo.root; p = p->parent, n++) {
		if (p->spath) {
			top = p;
			break;
		}
		len += strlen(p->name);
	}
	if (top && (plen = strlen(top->spath)))
		len += plen, n++;
	len += n ? n - 1 : 0;
	buf = malloc(len + 1);
	if (buf) {
		pos = len;
		buf[pos] = '\0';
		if (name) {
			l = strlen(name);
			pos -= l;
			memcpy(buf + pos, name, l);
			first = false;
		}
		for (p = v; p && p != &vo.root && p != top; p = p->parent) {
			if (!first)
				buf[--pos] = '/';
			first = false;
			l = strlen(p->name);
			pos -= l;
			memcpy(buf + pos, p->name, l);
		}
		if (plen) {
			if (!first)
				buf[--pos] = '/';
			memcpy(buf, top->spath, plen);
		}
	}
	pthread_mutex_unlock(&vo.tab.lock);
	return buf;
}

void vnode_exchange(struct vnode *p1, const char *n1, struct vnode *p2,
		    const char *n2)
{
	struct vnode *a, *b;
	char *an, *bn;

	pthread_mutex_lock(&vo.tab.lock);
	a = *slot_of(p1, n1);
	b = *slot_of(p2, n2);
	if (a)
		unhash(a);
	if (b)
		unhash(b);
	an = strdup(n2);
	bn = strdup(n1);
	if (a && an) {
		free(a->name);
		a->name = an;
		an = NULL;
		p2->refs++;
		a->parent->refs--;	/* p1 stays alive: the caller holds it */
		a->parent = p2;
		hash_in(a);
	} else if (a)
		a->unlinked = true;
	if (b && bn) {
		free(b->name);
		b->name = bn;
		bn = NULL;
		p1->refs++;
		b->parent->refs--;
		b->parent = p1;
		hash_in(b);
	} else if (b)
		b->unlinked = true;
	pthread_mutex_unlock(&vo.tab.lock);
	free(an);
	free(bn);
}

int vnode_root_init(void)
{
	struct vnode *r = &vo.root;
	struct stat st;
	int i;

	pthread_mutex_init(&r->lock, NULL);
	r->name = strdup("");
	r->dirfds = malloc(vo.nlayers * sizeof(int));
	if (!r->name || !r->dirfds)
		return -ENOMEM;
	rules_root(r);
	r->vlimit = INT_MAX;
	/* the stack's roots; rule layers join below their own paths */
	for (i = 0; i < vo.nlayers; i++)
		r->dirfds[i] = i < vo.nstack ? vo.layers[i].fd : -1;
	for (i = 0; i < vo.nstack && r->dirfds[i] < 0; i++)
		;
	r->type = S_IFDIR;
	r->nlookup = 1;
	r->hashed = false;
	r->ilayer = -1;
	if (i == vo.nstack) {
		/* no stack at all: an empty root that only rules fill */
		r->virt = true;
		r->fd = -1;
		r->layer = r->dlayer = 0;
		r->ino = VO_INO(0, 1);
		return 0;
	}
	r->fd = r->dirfds[i];
	r->layer = r->dlayer = i;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	r->ino = VO_INO(i, st.st_ino);
	if (vo.any_sidecar)
		meta_load(r, "", &st);
	return 0;
}

char *vnode_wpath(struct vnode *dir, const char *name)
{
	char *p = vnode_child_spath(dir, name);
	const struct scope *s = name ? rules_child_scope(dir, name) : dir->scope;
	size_t len;

	if (!p || !s->strip)
		return p;
	len = strlen(p);
	if (len < s->strip)
		p[0] = '\0';
	else
		memmove(p, p + s->strip, len - s->strip + 1);
	return p;
}

void vnode_hold(struct vnode *v)
{
	pthread_mutex_lock(&vo.tab.lock);
	v->nlookup++;
	pthread_mutex_unlock(&vo.tab.lock);
}
