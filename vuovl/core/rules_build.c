// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rules_build — the view rules over the stack (bind, merge, hide, ro;
 * see lib/view.h for their text), made ready at start: each bind or
 * merge rule's host path becomes one more layer (so its inodes and
 * sidecar are its own), and the rules' view paths become a trie whose
 * nodes carry the rules at that path, in order, and the scope beneath.
 * Also the questions asked of the trie alone (is this an except path, a
 * rule point, in which scope), and --check's printout. Applying the
 * rules at lookup is rules_apply.c. Never replies to FUSE.
 */
#include "config.h"
#include "rules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rules rules = { .root = { .name = (char *)"", .except_of = -1 } };

static struct scope *new_scope(const struct scope *from)
{
	struct scope *s = malloc(sizeof(*s));

	if (s) {
		*s = *from;
		s->id = ++rules.scope_count;
	}
	return s;
}

/* True when an ro rule given after rule idx covers node n (at n or
 * above it): later over earlier, what idx shows is read-only too. */
static bool ro_after(const struct rnode *n, int idx)
{
	for (; n; n = n->parent)
		for (size_t k = 0; k < n->nrules; k++)
			if (n->rules[k] > idx && rules.view->rules[n->rules[k]].kind == VIEW_RO)
				return true;
	return false;
}

/* Scopes and flags, top-down then bottom-up. */
static int finish(struct rnode *n, const struct scope *above)
{
	const struct scope *s = above;

	if (n->except_of >= 0)
		s = rules.before[n->except_of];
	for (size_t k = 0; k < n->nrules; k++) {
		const struct view_rule *r = &rules.view->rules[n->rules[k]];
		int l = rules.layer[n->rules[k]];
		struct scope *ns = NULL;

		rules.before[n->rules[k]] = s;
		if (r->kind == VIEW_HIDE)
			continue;
		if (r->kind == VIEW_RO && !s->writable)
			continue;
		if (!(ns = new_scope(s)))
			return -ENOMEM;
		if (r->kind == VIEW_BIND && r->inview) {
			/* the source's own files: written where they are */
			ns->wlayer = rules.root_scope.wlayer;
			ns->strip = 0;
			ns->writable = rules.root_scope.writable && r->mode != VIEW_RO_MODE;
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
		if (ns->writable && ro_after(n, n->rules[k]))
			ns->writable = false;
		rules.some_ro |= !ns->writable;
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
		const struct view_rule *r = &rules.view->rules[n->rules[k]];

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

enum vo_exit rules_open(const struct view *view)
{
	size_t i, nrl = 0;
	int l;

	rules.view = view;
	clock_gettime(CLOCK_REALTIME, &rules.started);
	rules.root_scope.id = 0;
	rules.root_scope.wlayer = 0;
	rules.root_scope.writable = vo.has_upper && !vo.ro;
	rules.some_ro = !rules.root_scope.writable;
	for (i = 0; i < view->n; i++)
		if ((view->rules[i].kind == VIEW_BIND && !view->rules[i].inview) ||
		    view->rules[i].kind == VIEW_MERGE)
			nrl++;
	if (vo.nstack + nrl >= VIRT_LAYER) {
		fprintf(stderr, "%s: too many layers and rules (at most %d)\n", vu_progname,
			VIRT_LAYER - 1);
		return VO_EXIT_USAGE;
	}
	rules.layer = malloc((view->n + 1) * sizeof(int));
	rules.before = calloc(view->n + 1, sizeof(*rules.before));
	if (!rules.layer || !rules.before)
		goto nomem;
	if (nrl) {
		struct layer *nl = realloc(vo.layers, (vo.nstack + nrl) * sizeof(*nl));

		if (!nl)
			goto nomem;
		vo.layers = nl;
	}
	l = vo.nstack;
	for (i = 0; i < view->n; i++) {
		const struct view_rule *r = &view->rules[i];
		struct rnode *n;

		rules.layer[i] = -1;
		if (!*r->vpath && r->kind != VIEW_RO) {
			fprintf(stderr, "%s: %s %s=/: rules at the root of the view: give the "
				"directory as lowerdir= or upperdir=\n", vu_progname, r->origin,
				view_kind_name(r->kind));
			return VO_EXIT_USAGE;
		}
		vo.aliased |= r->inview;
		if ((r->kind == VIEW_BIND && !r->inview) || r->kind == VIEW_MERGE) {
			memset(&vo.layers[l], 0, sizeof(vo.layers[l]));
			vo.layers[l].fd = vo.layers[l].workfd = -1;
			vo.nlayers = l + 1;
			if (open_rule_layer(r, &vo.layers[l]))
				return VO_EXIT_LAYER;
			if (open_rule_sidecar(r, &vo.layers[l]))
				return VO_EXIT_SIDECAR;
			rules.layer[i] = l++;
		}
		n = rtrie_node_of(&rules.root, r->vpath, &rules.node_count);
		if (!n || rtrie_add_rule(n, (int)i))
			goto nomem;
		for (size_t e = 0; e < r->nexcept; e++) {
			char *p;
			struct rnode *x;

			if (asprintf(&p, "%s%s%s", r->vpath, *r->vpath ? "/" : "", r->except[e]) < 0)
				goto nomem;
			x = rtrie_node_of(&rules.root, p, &rules.node_count);
			free(p);
			if (!x)
				goto nomem;
			x->except_of = (int)i;
		}
	}
	if (finish(&rules.root, &rules.root_scope) == 0)
		return VO_EXIT_OK;
nomem:
	fprintf(stderr, "%s: rules: %s\n", vu_progname, strerror(ENOMEM));
	return VO_EXIT_RESOURCE;
}

void rules_root(struct vnode *root)
{
	root->vlimit = INT_MAX;
	root->rn = rules.view && rules.view->n ? &rules.root : NULL;
	root->scope = rules.root.scope ? rules.root.scope : &rules.root_scope;
	root->layer_root = true;
}

bool rules_is_except(const struct vnode *v)
{
	return v->rn && v->rn->except_of >= 0;
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
	st->st_atim = st->st_mtim = st->st_ctim = rules.started;
}

int rules_check_name(struct vnode *dir, const char *name)
{
	const struct rnode *n = dir->rn ? rtrie_kid(dir->rn, name) : NULL;
	bool hidden = false, point = false;

	if (!n)
		return 0;
	for (size_t k = 0; k < n->nrules; k++) {
		enum view_kind kind = rules.view->rules[n->rules[k]].kind;

		if (n->rules[k] < dir->floor)
			continue;
		if (kind == VIEW_HIDE)
			hidden = true;
		else
			hidden = false, point = true;	/* like a mount point */
	}
	if (hidden)
		return -EACCES;
	/* an except path, like a rule point, is where it is: it shows what
	 * lies below the rule, and the rule's own directory must not be
	 * touched in its name (a removal would hit the bound tree's file) */
	if (point || n->makes || n->except_of >= 0)
		return -EBUSY;
	return 0;
}

bool rules_is_except_name(struct vnode *dir, const char *name)
{
	const struct rnode *n = dir->rn ? rtrie_kid(dir->rn, name) : NULL;

	return n && n->except_of >= 0;
}

const struct scope *rules_child_scope(struct vnode *dir, const char *name)
{
	const struct rnode *n = dir->rn ? rtrie_kid(dir->rn, name) : NULL;

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
	if (!rules.view || !rules.view->n) {
		fprintf(f, "rules: none\n");
		return;
	}
	fprintf(f, "rules (in order, later over earlier):\n");
	for (size_t k = 0; k < rules.view->n; k++) {
		const struct view_rule *r = &rules.view->rules[k];
		int l = rules.layer[k];

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

bool rules_refuse_writes(void)
{
	/* -o ro mounts read-only: the kernel refuses every write itself */
	return rules.some_ro && !vo.ro;
}
