/*
 * rules — the view rules over the stack (bind, merge, hide, ro; see
 * lib/view.h for their text). At start: each bind or merge rule's host
 * path becomes one more layer (so its inodes and sidecar are its own),
 * and the rules' view paths become a trie whose nodes carry the rules
 * at that path, in order, and the scope beneath. At lookup, a name
 * whose trie node has rules gets them applied to what the stack shows
 * there, later over earlier. Paths no rule touches cost one NULL check.
 * Owns the trie and the scopes; never replies to FUSE.
 */
#include "config.h"
#include "vuovl.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Virtual directories' inodes: a layer number no real layer gets. */
#define VIRT_LAYER 250

struct rnode {
	char *name;
	struct rnode *parent;
	struct rnode **kids;
	size_t nkids;
	int *rules;		/* indexes into the view's rules, in order */
	size_t nrules;
	int except_of;		/* the rule this path is an exception to, -1 */
	const struct scope *scope;	/* beneath this path */
	bool except_below;	/* an except path at or below: keep shadows */
	bool makes;		/* a bind or merge at or below: exists anyway */
	bool listed;		/* ...and not all of them `unlisted` */
	unsigned id;
};

static const struct view *rv;	/* the rules (opts owns them) */
static int *rule_layer;		/* layer of each bind/merge rule, else -1 */
static const struct scope **before;	/* scope above each rule */
static struct rnode root_node = { .name = "", .except_of = -1 };
static struct scope root_scope;
static unsigned node_count, scope_count;
static struct timespec started;

static struct rnode *kid(const struct rnode *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i]->name, name))
			return n->kids[i];
	return NULL;
}

/* The node of a normalized view path, made on the way. */
static struct rnode *node_of(const char *vpath)
{
	struct rnode *n = &root_node;
	char *copy = strdup(vpath), *save = NULL, *c;

	if (!copy)
		return NULL;
	for (c = strtok_r(copy, "/", &save); c && n; c = strtok_r(NULL, "/", &save)) {
		struct rnode *k = kid(n, c), **nk;

		if (k) {
			n = k;
			continue;
		}
		k = calloc(1, sizeof(*k));
		nk = realloc(n->kids, (n->nkids + 1) * sizeof(*nk));
		if (!k || !nk || !(k->name = strdup(c))) {
			free(k);
			if (nk)
				n->kids = nk;
			n = NULL;
			break;
		}
		k->parent = n;
		k->except_of = -1;
		k->id = ++node_count;
		n->kids = nk;
		n->kids[n->nkids++] = k;
		n = k;
	}
	free(copy);
	return n;
}

static int add_rule_at(struct rnode *n, int i)
{
	int *nr = realloc(n->rules, (n->nrules + 1) * sizeof(int));

	if (!nr)
		return -ENOMEM;
	n->rules = nr;
	n->rules[n->nrules++] = i;
	return 0;
}

static struct scope *new_scope(const struct scope *from)
{
	struct scope *s = malloc(sizeof(*s));

	if (s) {
		*s = *from;
		s->id = ++scope_count;
	}
	return s;
}

/* Scopes and flags, top-down then bottom-up. */
static int finish(struct rnode *n, const struct scope *above)
{
	const struct scope *s = above;

	if (n->except_of >= 0)
		s = before[n->except_of];
	for (size_t k = 0; k < n->nrules; k++) {
		const struct view_rule *r = &rv->rules[n->rules[k]];
		int l = rule_layer[n->rules[k]];
		struct scope *ns = NULL;

		before[n->rules[k]] = s;
		if (r->kind == VIEW_HIDE)
			continue;
		if (r->kind == VIEW_RO && !s->writable)
			continue;
		if (!(ns = new_scope(s)))
			return -ENOMEM;
		if (r->kind == VIEW_BIND && r->inview) {
			/* the source's own files: written where they are */
			ns->wlayer = root_scope.wlayer;
			ns->strip = 0;
			ns->writable = root_scope.writable && r->mode != VIEW_RO_MODE;
		} else if (r->kind == VIEW_RO) {
			ns->id = s->id;	/* not a boundary: still the same files */
			ns->writable = false;
		} else if (r->mode == VIEW_RO_MODE) {
			ns->writable = false;
		} else if (r->kind == VIEW_BIND && r->mode == VIEW_RW && !vo.layers[l].fname) {
			ns->wlayer = l;
			ns->strip = vo.layers[l].vstrip;
			ns->writable = !vo.ro;
		} else if (r->kind == VIEW_BIND && r->mode == VIEW_RW) {
			ns->writable = !vo.ro;	/* the file itself, in place */
		}
		s = ns;
	}
	n->scope = s;
	for (size_t k = 0; k < n->nkids; k++) {
		struct rnode *c = n->kids[k];
		int err = finish(c, s);

		if (err)
			return err;
		n->except_below |= c->except_below;
		n->makes |= c->makes;
		n->listed |= c->listed;
	}
	if (n->except_of >= 0)
		n->except_below = true;
	for (size_t k = 0; k < n->nrules; k++) {
		const struct view_rule *r = &rv->rules[n->rules[k]];

		if (r->kind == VIEW_BIND || r->kind == VIEW_MERGE) {
			n->makes = true;
			n->listed |= !r->unlisted;
		}
	}
	return 0;
}

/* Opens a bind or merge rule's host path as layer l. */
static int open_rule_layer(const struct view_rule *r, struct layer *l)
{
	char *real = realpath(r->host, NULL), *slash;
	struct stat st;
	int err;

	if (!real || stat(real, &st) < 0) {
		err = errno;
		free(real);
		fprintf(stderr, "%s: %s %s=%s: %s\n", vu_progname, r->origin,
			view_kind_name(r->kind), r->host, strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode) && r->kind == VIEW_MERGE) {
		fprintf(stderr, "%s: %s merge=%s: not a directory\n", vu_progname,
			r->origin, r->host);
		free(real);
		return -ENOTDIR;
	}
	if (S_ISDIR(st.st_mode)) {
		err = layer_open(l, real, false);
	} else {
		/* a file: its parent directory, and its name there */
		slash = strrchr(real, '/');
		*slash = '\0';
		err = layer_open(l, *real ? real : "/", false);
		if (!err && !(l->fname = strdup(slash + 1)))
			err = -ENOMEM;
		*slash = '/';
		l->inplace = r->mode == VIEW_RW;
	}
	if (err)
		fprintf(stderr, "%s: %s %s=%s: %s\n", vu_progname, r->origin,
			view_kind_name(r->kind), r->host, strerror(-err));
	free(l->path);
	l->path = real;
	l->vstrip = *r->vpath ? strlen(r->vpath) + 1 : 0;
	l->mincow = r->mode == VIEW_MINCOW;
	return err;
}

/* A bind written in place keeps its virtual ownership in its own
 * sidecar (made when the user may write there) and copies through its
 * own work dir; the other rule layers only read a sidecar they have. */
static int open_rule_sidecar(const struct view_rule *r, struct layer *l)
{
	bool in_place = r->kind == VIEW_BIND && r->mode == VIEW_RW && !l->fname && !vo.ro;
	bool may_write = in_place && faccessat(l->fd, ".", W_OK, AT_EACCESS) == 0;
	int err, vfd;

	if (l->fname)
		return 0;
	err = sidecar_open(l->fd, l->path, NULL, may_write ? SIDECAR_CREATE : SIDECAR_RDONLY, &l->sc);
	if (err == -ENOENT && !may_write)
		return 0;
	if (err) {
		const char *why = sidecar_open_error();

		fprintf(stderr, "%s: sidecar of %s: %s\n", vu_progname, l->path,
			why ? why : strerror(-err));
		return err;
	}
	vo.any_sidecar = true;
	if (!may_write)
		return 0;
	vfd = openat(l->fd, SIDECAR_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfd >= 0 && (mkdirat(vfd, "work", 0700) == 0 || errno == EEXIST))
		l->workfd = openat(vfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfd >= 0)
		close(vfd);
	return 0;
}

int rules_open(const struct view *view)
{
	size_t i, nrl = 0;
	int l, err;

	rv = view;
	clock_gettime(CLOCK_REALTIME, &started);
	root_scope.id = 0;
	root_scope.wlayer = 0;
	root_scope.writable = vo.has_upper && !vo.ro;
	for (i = 0; i < view->n; i++)
		if ((view->rules[i].kind == VIEW_BIND && !view->rules[i].inview) ||
		    view->rules[i].kind == VIEW_MERGE)
			nrl++;
	if (vo.nstack + nrl >= VIRT_LAYER) {
		fprintf(stderr, "%s: too many layers and rules (at most %d)\n", vu_progname,
			VIRT_LAYER - 1);
		return 1;
	}
	rule_layer = malloc((view->n + 1) * sizeof(int));
	before = calloc(view->n + 1, sizeof(*before));
	if (!rule_layer || !before)
		return 1;
	if (nrl) {
		struct layer *nl = realloc(vo.layers, (vo.nstack + nrl) * sizeof(*nl));

		if (!nl)
			return 1;
		vo.layers = nl;
	}
	l = vo.nstack;
	for (i = 0; i < view->n; i++) {
		const struct view_rule *r = &view->rules[i];
		struct rnode *n;

		rule_layer[i] = -1;
		if (!*r->vpath && r->kind != VIEW_RO) {
			fprintf(stderr, "%s: %s %s=/: rules at the root of the view: give the "
				"directory as lowerdir= or upperdir=\n", vu_progname, r->origin,
				view_kind_name(r->kind));
			return 1;
		}
		vo.aliased |= r->inview;
		if ((r->kind == VIEW_BIND && !r->inview) || r->kind == VIEW_MERGE) {
			memset(&vo.layers[l], 0, sizeof(vo.layers[l]));
			vo.layers[l].fd = vo.layers[l].workfd = -1;
			vo.nlayers = l + 1;
			if (open_rule_layer(r, &vo.layers[l]))
				return 2;
			if (open_rule_sidecar(r, &vo.layers[l]))
				return 3;
			rule_layer[i] = l++;
		}
		n = node_of(r->vpath);
		if (!n || add_rule_at(n, (int)i))
			return 1;
		for (size_t e = 0; e < r->nexcept; e++) {
			char *p;
			struct rnode *x;

			if (asprintf(&p, "%s%s%s", r->vpath, *r->vpath ? "/" : "", r->except[e]) < 0)
				return 1;
			x = node_of(p);
			free(p);
			if (!x)
				return 1;
			x->except_of = (int)i;
		}
	}
	err = finish(&root_node, &root_scope);
	return err ? 1 : 0;
}

void rules_root(struct vnode *root)
{
	root->vlimit = INT_MAX;
	root->rn = rv && rv->n ? &root_node : NULL;
	root->scope = root_node.scope ? root_node.scope : &root_scope;
	root->layer_root = true;
}

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
			v->shadow = tmp.dirfds;
			tmp.dirfds = NULL;
			if (tmp.fd >= 0 && tmp.fd != v->shadow[tmp.layer])
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
		int idx = n->rules[k], l = rule_layer[idx];
		const struct view_rule *r = &rv->rules[idx];

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
	const struct rnode *n = dir->rn ? kid(dir->rn, name) : NULL;
	const struct rnode *sn = dir->srn ? kid(dir->srn, name) : NULL;
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
	int err = 0;

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
	cur->layer = cur->dlayer = vo.root.layer;
	cur->fd = cur->virt ? -1 : cur->dirfds[cur->layer];
	cur->type = S_IFDIR;
	cur->ino = vo.root.ino;
	cur->scope = &root_scope;
	cur->rn = &root_node;
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
	int err = walk_source(rv->rules[idx].host, idx, &src, &lpath, st);

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

bool rules_is_except(const struct vnode *v)
{
	return v->rn && v->rn->except_of >= 0;
}

int rules_shadow_wdir(struct vnode *p)
{
	char name[NAME_MAX + 1];
	struct vnode *pp;
	int fd, pfd, err;

	if (!p->shadow) {
		/* above the rule: what p is, is what lies below it */
		err = copyup_dir(p);
		return err ? err : p->dirfds[0];
	}
	pthread_mutex_lock(&p->lock);
	fd = p->shadow[0];
	pthread_mutex_unlock(&p->lock);
	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&vo.tab.lock);
	pp = p->parent;
	if (!pp || p->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	pp->refs++;
	snprintf(name, sizeof(name), "%s", p->name);
	pthread_mutex_unlock(&vo.tab.lock);
	pfd = rules_shadow_wdir(pp);
	fd = pfd < 0 ? pfd : mkdirat(pfd, name, 0755 | S_IRWXU) < 0 && errno != EEXIST ? -errno
		: openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		fd = -errno;
	vnode_unref(pp);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&p->lock);
	if (p->shadow[0] < 0)
		p->shadow[0] = fd;
	else
		close(fd);
	fd = p->shadow[0];
	pthread_mutex_unlock(&p->lock);
	return fd;
}

void rules_virt_stat(const struct vnode *v, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_uid = geteuid();
	st->st_gid = getegid();
	st->st_ino = v->ino;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = started;
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

int rules_check_name(struct vnode *dir, const char *name)
{
	const struct rnode *n = dir->rn ? kid(dir->rn, name) : NULL;
	bool hidden = false, point = false;

	if (!n)
		return 0;
	for (size_t k = 0; k < n->nrules; k++) {
		enum view_kind kind = rv->rules[n->rules[k]].kind;

		if (n->rules[k] < dir->floor)
			continue;
		if (kind == VIEW_HIDE)
			hidden = true;
		else
			hidden = false, point = true;	/* like a mount point */
	}
	if (hidden)
		return -EACCES;
	if (point || (n->makes && n->except_of < 0))
		return -EBUSY;
	return 0;
}

const struct scope *rules_child_scope(struct vnode *dir, const char *name)
{
	const struct rnode *n = dir->rn ? kid(dir->rn, name) : NULL;

	return n ? n->scope : dir->scope;
}

void rules_print(FILE *f)
{
	int i;

	fprintf(f, "stack (topmost first):\n");
	if (vo.has_upper)
		fprintf(f, "  upperdir %s%s\n", vo.layers[0].path, vo.ro ? " (view read-only)" : "");
	for (i = 1; i < vo.nstack; i++)
		fprintf(f, "  lowerdir %s\n", vo.layers[i].path);
	if (vo.nstack == 1)
		fprintf(f, "  (none: an empty root)\n");
	if (!rv || !rv->n) {
		fprintf(f, "rules: none\n");
		return;
	}
	fprintf(f, "rules (in order, later over earlier):\n");
	for (size_t k = 0; k < rv->n; k++) {
		const struct view_rule *r = &rv->rules[k];
		int l = rule_layer[k];

		fprintf(f, "  %2zu %-5s /%s", k + 1, view_kind_name(r->kind), r->vpath);
		if (r->inview)
			fprintf(f, " <- /%s in the view (%s, inview)", r->host,
				view_mode_name(r->mode));
		if (l >= 0)
			fprintf(f, " <- %s%s (%s%s%s)", vo.layers[l].path,
				vo.layers[l].fname ? " [file]" : "", view_mode_name(r->mode),
				r->unlisted ? ", unlisted" : "",
				vo.layers[l].sc ? ", sidecar" : "");
		for (size_t e = 0; e < r->nexcept; e++)
			fprintf(f, " except=%s", r->except[e]);
		fprintf(f, "   [%s]\n", r->origin);
	}
}
