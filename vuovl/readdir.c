/*
 * readdir — the merged listing of a view directory: each layer's
 * directory read once, topmost first; a name is listed once (the top
 * one wins); ".wh.NAME" hides NAME in the layers below and is never
 * listed; ".vuovl" at the root is never listed. Built whole, then kept
 * in a dir handle or in the vnode (ops_readdir.c says which, and how
 * offsets stay stable).
 */
#include "config.h"
#include "vuovl.h"
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

int dir_list(struct vnode *dir, struct vo_dir *out)
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
		dir_release(out);
	return err;
}

void dir_release(struct vo_dir *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->ents[i].name);
	free(d->ents);
	memset(d, 0, sizeof(*d));
}
