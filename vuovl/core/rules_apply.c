// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rules_apply — the view rules at lookup: a name whose trie node
 * (rules_build.c) has rules gets them applied to what the stack shows
 * there, later over earlier; a bind's source seen through the view
 * (inview) is walked with the rules before it; a listing gains the
 * names rules make. Paths no rule touches cost one NULL check. Never
 * replies to FUSE.
 */
#include "config.h"
#include "rules.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void clear(struct vnode *v)
{
	if (v->dirfds) {
		for (int i = 0; i < vo.nlayers; i++)
			if (v->dirfds[i] >= 0)
				close(v->dirfds[i]);
		free(v->dirfds);
		v->dirfds = NULL;
	} else if (v->fd >= 0) {
		close(v->fd);
	}
	v->fd = -1;
	v->virt = false;
	v->ilayer = -1;
}

static int *new_dirfds(void)
{
	int *d = malloc(vo.nlayers * sizeof(int));

	if (d)
		for (int i = 0; i < vo.nlayers; i++)
			d[i] = -1;
	return d;
}

static int dup_fd(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return d < 0 ? -errno : d;
}

/* v as the directory of dirfds d (its topmost part). */
static int as_dir(struct vnode *v, int *d, struct stat *st)
{
	int i;

	for (i = 0; i < vo.nlayers && d[i] < 0; i++)
		;
	v->dirfds = d;
	if (i == vo.nlayers)
		return -ENOENT;
	if (fstat(d[i], st) < 0)
		return -errno;
	v->fd = d[i];
	v->layer = v->dlayer = i;
	v->type = S_IFDIR;
	v->ino = VO_INO(i == 0 ? v->scope->wlayer : i, st->st_ino);
	v->hino = st->st_ino;
	return 0;
}

/* The write directory's own entry at name, when it is a directory. */
static int write_dir_entry(struct vnode *dir, const char *name)
{
	struct stat st;

	if (dir->dirfds[0] < 0 || fstatat(dir->dirfds[0], name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		return -1;
	return openat(dir->dirfds[0], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int apply_bind(struct vnode *dir, const char *name, struct vnode *v,
		      const struct view_rule *r, int l, struct stat *st)
{
	struct layer *L = &vo.layers[l];
	bool cow = r->mode == VIEW_COW || r->mode == VIEW_MINCOW;
	int *d, fd;

	clear(v);
	if (L->fname) {
		/* a file: a copy made earlier (cow) hides it; else by name */
		if (cow && dir->dirfds[0] >= 0 &&
		    fstatat(dir->dirfds[0], name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st->st_mode) && !whiteout_is_kernel(st)) {
			v->layer = v->dlayer = 0;
			v->ino = VO_INO(v->scope->wlayer, st->st_ino);
		} else {
			if (fstatat(L->fd, L->fname, st, AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
			v->layer = v->dlayer = l;
			v->ino = VO_INO(l, st->st_ino);
		}
		v->type = st->st_mode & S_IFMT;
		v->hino = st->st_ino;
		return 0;
	}
	d = new_dirfds();
	if (!d)
		return -ENOMEM;
	fd = dup_fd(L->fd);
	if (fd < 0) {
		free(d);
		return fd;
	}
	if (r->mode == VIEW_RW && v->scope->wlayer == l) {
		d[0] = fd;	/* the bound directory is this scope's write dir */
	} else {
		d[l] = fd;
		if (cow)
			d[0] = write_dir_entry(dir, name);
	}
	v->layer_root = true;
	return as_dir(v, d, st);
}

static int apply_merge(struct vnode *v, bool *present, int l, struct stat *st)
{
	int fd;

	if (*present && !v->dirfds)
		return 0;	/* overlayfs: a non-directory hides what is below */
	fd = dup_fd(vo.layers[l].fd);
	if (fd < 0)
		return fd;
	v->layer_root = true;
	if (*present) {
		v->dirfds[l] = fd;
		return 0;
	}
	clear(v);
	v->dirfds = new_dirfds();
	if (!v->dirfds) {
		close(fd);
		return -ENOMEM;
	}
	v->dirfds[l] = fd;
	*present = true;
	return as_dir(v, v->dirfds, st);
}

/* What dir's shadow (the view without the excepting rule) shows at name,
 * into v. */
static int resolve_shadow(struct vnode *dir, const char *name, struct vnode *v,
			  bool *present, struct stat *st)
{
	struct vnode fake = *dir;
	int err;

	clear(v);
	fake.dirfds = dir->shadow;
	fake.rn = NULL;
	err = lookup_resolve_at(&fake, name, v, st);
	*present = err == 0;
	return err == -ENOENT ? 0 : err;
}

static int keep_shadow(struct vnode *dir, const char *name, struct vnode *v,
		       bool present)
{
	struct vnode tmp;
	struct stat st;
	int err;

	if (dir->shadow) {
		/* on the way down to an except path: follow the shadow */
		memset(&tmp, 0, sizeof(tmp));
		tmp.fd = -1;
		tmp.scope = v->scope;
		err = resolve_shadow(dir, name, &tmp, &present, &st);
		if (!err && present && tmp.dirfds) {
			int tl = tmp.layer;	/* a local: see vnode_mlayer */

			v->shadow = tmp.dirfds;
			tmp.dirfds = NULL;
			if (tmp.fd >= 0 && tmp.fd != v->shadow[tl])
				close(tmp.fd);
		} else {
			clear(&tmp);
		}
		return err;
	}
	v->shadow = new_dirfds();
	if (!v->shadow)
		return -ENOMEM;
	if (!present || !v->dirfds)
		return 0;	/* nothing below: except paths show nothing */
	for (int i = 0; i < vo.nlayers; i++)
		if (v->dirfds[i] >= 0 && (v->shadow[i] = dup_fd(v->dirfds[i])) < 0)
			return v->shadow[i];
	return 0;
}

static int apply_inview(struct vnode *v, int idx, struct stat *st);

/* The rules of node n with index in [lo, hi), in order. */
static int apply_node(struct vnode *dir, const char *name, struct vnode *v,
		      const struct rnode *n, int lo, int hi, bool source,
		      bool *present, bool *hidden, struct stat *st)
{
	int err = 0;

	for (size_t k = 0; !err && k < n->nrules; k++) {
		int idx = n->rules[k], l = rules.layer[idx];
		const struct view_rule *r = &rules.view->rules[idx];

		if (idx < lo || idx >= hi)
			continue;	/* covered by a bind above, or too late */
		switch (r->kind) {
		case VIEW_HIDE:
			clear(v);
			*present = false;
			*hidden = true;
			break;
		case VIEW_RO:
			break;	/* the scope says it */
		case VIEW_BIND:
			err = r->inview ? apply_inview(v, idx, st)
					: apply_bind(dir, name, v, r, l, st);
			*present = !err;
			*hidden = false;
			if (source)
				v->sfloor = idx + 1;
			else
				v->floor = idx + 1;
			break;
		case VIEW_MERGE:
			err = apply_merge(v, present, l, st);
			*hidden = false;
			break;
		}
	}
	return err;
}

int rules_apply(struct vnode *dir, const char *name, struct vnode *v, bool *present,
		struct stat *st)
{
	const struct rnode *n = dir->rn ? rtrie_kid(dir->rn, name) : NULL;
	const struct rnode *sn = dir->srn ? rtrie_kid(dir->srn, name) : NULL;
	bool hidden = false;
	int err = 0;

	v->scope = dir->scope;
	v->rn = n;
	v->srn = sn;
	v->floor = dir->floor;
	v->vlimit = dir->vlimit;
	v->sfloor = dir->sfloor;
	v->slimit = dir->slimit;
	v->ctx = dir->ctx;
	if (!n && !sn)
		return 0;
	if (n)
		v->scope = n->scope;
	if (n && n->except_of >= 0 && dir->shadow) {
		err = resolve_shadow(dir, name, v, present, st);
		if (err)
			return err;
	}
	if (n && n->except_below) {
		err = keep_shadow(dir, name, v, *present);
		if (err)
			return err;
	}
	/* the source's own rules (all earlier) first, then the view's */
	if (sn)
		err = apply_node(dir, name, v, sn, dir->sfloor, dir->slimit, true,
				 present, &hidden, st);
	if (!err && n)
		err = apply_node(dir, name, v, n, dir->floor, dir->vlimit, false,
				 present, &hidden, st);
	if (err)
		return err;
	if (!*present && !hidden && ((n && n->makes) || (sn && sn->makes))) {
		/* a directory only rules beneath make: empty, read-only */
		clear(v);
		v->dirfds = new_dirfds();
		if (!v->dirfds)
			return -ENOMEM;
		v->virt = true;
		v->type = S_IFDIR;
		v->layer = v->dlayer = 0;
		v->ino = VO_INO(VIRT_LAYER, (n ? n : sn)->id);
		rules_virt_stat(v, st);
		*present = true;
	}
	return 0;
}

/*
 * An inview bind's source: the path resolved from the view's root with
 * only the rules before idx (a temporary chain of vnodes, never
 * hashed). Returns the last one, and its path in the layers.
 */
static int walk_source(const char *spath, int idx, struct vnode **out, char **lpath,
		       struct stat *st)
{
	struct vnode *cur = vnode_alloc(), *child;
	char *copy = strdup(spath), *save = NULL, *c, *sp = strdup(""), *np;
	int err = 0, rl;

	if (!cur || !copy || !sp || !(cur->dirfds = new_dirfds())) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < vo.nstack; i++)
		if (vo.root.dirfds[i] >= 0 && (cur->dirfds[i] = dup_fd(vo.root.dirfds[i])) < 0) {
			err = cur->dirfds[i];
			goto out;
		}
	cur->virt = vo.root.virt;
	rl = vo.root.layer;	/* a local: see vnode_mlayer */
	cur->layer = cur->dlayer = rl;
	cur->fd = cur->virt ? -1 : cur->dirfds[rl];
	cur->type = S_IFDIR;
	cur->ino = vo.root.ino;
	cur->scope = &rules.root_scope;
	cur->rn = &rules.root;
	cur->vlimit = idx;
	cur->layer_root = true;
	if (cur->virt)
		rules_virt_stat(cur, st);
	else if (fstat(cur->fd, st) < 0)
		err = -errno;
	for (c = strtok_r(copy, "/", &save); !err && c; c = strtok_r(NULL, "/", &save)) {
		bool present;

		if (!cur->dirfds) {
			err = -ENOTDIR;
			break;
		}
		child = vnode_alloc();
		if (!child) {
			err = -ENOMEM;
			break;
		}
		err = lookup_resolve_at(cur, c, child, st);
		present = !err;
		if (err == -ENOENT)
			err = 0;
		if (!err)
			err = rules_apply(cur, c, child, &present, st);
		if (!err && !present)
			err = -ENOENT;
		if (!err && asprintf(&np, "%s%s%s", child->spath ? child->spath : sp,
				     child->spath || !*sp ? "" : "/", child->spath ? "" : c) < 0)
			err = -ENOMEM;
		if (err) {
			vnode_free(child);
			break;
		}
		free(sp);
		sp = np;
		vnode_free(cur);
		cur = child;
	}
	if (!err && !cur->dirfds)
		err = -ENOTDIR;	/* a file is reached by its parent: not kept */
out:
	free(copy);
	if (err) {
		if (cur)
			vnode_free(cur);
		free(sp);
		return err;
	}
	*out = cur;
	*lpath = sp;
	return 0;
}

static int apply_inview(struct vnode *v, int idx, struct stat *st)
{
	struct vnode *src;
	char *lpath;
	int err = walk_source(rules.view->rules[idx].host, idx, &src, &lpath, st);

	if (err)
		return err;
	clear(v);
	v->dirfds = src->dirfds;
	v->fd = src->fd;
	v->layer = src->layer;
	v->dlayer = src->dlayer;
	v->type = src->type;
	v->ino = src->ino;
	v->hino = src->hino;
	v->virt = src->virt;
	v->layer_root = src->layer_root;
	src->dirfds = NULL;
	src->fd = -1;
	/* beneath: the source's rules (before idx), in its own paths */
	v->srn = src->rn;
	v->sfloor = src->floor;
	v->slimit = idx;
	v->ctx = (v->ctx * 31 + src->ctx) * 31 + (unsigned)idx + 1;
	free(v->spath);
	v->spath = lpath;
	vnode_free(src);
	return 0;
}

static ssize_t find_ent(struct vo_dir *out, const char *name)
{
	for (size_t i = 2; i < out->n; i++)
		if (!strcmp(out->ents[i].name, name))
			return (ssize_t)i;
	return -1;
}

static int list_node(struct vnode *dir, const struct rnode *n, struct vo_dir *out)
{
	for (size_t k = 0; k < n->nkids; k++) {
		const struct rnode *c = n->kids[k];
		ssize_t at = find_ent(out, c->name);
		struct vnode *v;
		int err = lookup_resolve(dir, c->name, &v);

		if (err == -ENOENT) {
			if (at >= 0) {
				free(out->ents[at].name);
				out->ents[at] = out->ents[--out->n];
			}
			continue;
		}
		if (err)
			return err;
		if (at < 0 && (c->listed || c->except_of >= 0 || !c->makes)) {
			struct vo_dirent *e = out->ents;

			if (out->n == out->cap) {
				e = realloc(out->ents, (out->cap * 2 + 4) * sizeof(*e));
				if (!e) {
					vnode_free(v);
					return -ENOMEM;
				}
				out->ents = e;
				out->cap = out->cap * 2 + 4;
			}
			e[out->n].name = strdup(c->name);
			if (!e[out->n].name) {
				vnode_free(v);
				return -ENOMEM;
			}
			at = (ssize_t)out->n++;
		}
		if (at >= 0) {
			out->ents[at].ino = v->ino;
			out->ents[at].type = IFTODT(v->type);
		}
		vnode_free(v);
	}
	return 0;
}

int rules_list(struct vnode *dir, struct vo_dir *out)
{
	int err = dir->srn ? list_node(dir, dir->srn, out) : 0;

	return !err && dir->rn ? list_node(dir, dir->rn, out) : err;
}
