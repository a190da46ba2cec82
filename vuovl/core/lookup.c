// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lookup — resolving a name in a view directory across the layers,
 * overlayfs rules: topmost first; a whiteout (".wh.NAME" or a 0/0 char
 * device) hides every layer below; a directory merges with the
 * directories of the same name below until an opaque one or a
 * non-directory; a non-directory hides everything below it. An upper
 * placeholder flagged metacopy takes its data from the layer below.
 * Builds vnodes; does not hash them (vnode.c) nor reply (ops_lookup.c).
 */
#include "config.h"
#include "fd.h"
#include "core.h"
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool is_reserved(struct vnode *dir, const char *name)
{
	/* "." and ".." are the kernel's business: resolved here, ".." of a
	 * layer root would name a host directory outside the layers */
	if (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
		return true;
	return whiteout_is_reserved(name) ||
	       (dir->layer_root && strcmp(name, SIDECAR_DIR) == 0);
}

/* Last layer index contributing to dir (whiteouts there hide nothing). */
static int last_layer(struct vnode *dir)
{
	int i;

	for (i = vo.nlayers - 1; i > 0; i--)
		if (dir->dirfds[i] >= 0)
			break;
	return i;
}


/* Caller holds dir->lock. Fills v from what layer i holds at name. */
static int take(struct vnode *dir, struct vnode *v, int i, const char *name,
		const struct stat *st)
{
	/* Only directories hold an fd (their dirfds): a file is reached
	 * as parent dir fd + name, so a big tree does not exhaust fds. */
	int fd = S_ISDIR(st->st_mode)
		? openat(dir->dirfds[i], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		: -1;

	if (fd < 0 && S_ISDIR(st->st_mode))
		return -errno;
	v->fd = fd;
	v->layer = v->dlayer = i;
	v->type = st->st_mode & S_IFMT;
	v->ino = VO_INO(i == 0 ? dir->scope->wlayer : i, st->st_ino);
	v->hino = st->st_ino;
	/* hard links of any non-directory (symlinks, fifos, device
	 * stand-ins too): one vnode, one kernel inode, one row */
	v->ilayer = !S_ISDIR(st->st_mode) && st->st_nlink > 1 ? (i == 0 ? dir->scope->wlayer : i) : -1;
	return 0;
}

static int merge_below(struct vnode *dir, struct vnode *v, int from,
		       const char *name)
{
	struct stat st;
	int i;

	v->dirfds = malloc(vo.nlayers * sizeof(int));
	if (!v->dirfds)
		return -ENOMEM;
	for (i = 0; i < vo.nlayers; i++)
		v->dirfds[i] = -1;
	v->dirfds[from] = v->fd;
	if (whiteout_is_opaque(v->fd, vo.kernel_markers))
		return 0;
	for (i = from + 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (whiteout_hides(dir->dirfds[i], name, NULL))
				break;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			break;	/* overlayfs: a non-dir below a dir is hidden */
		v->dirfds[i] = openat(dir->dirfds[i], name,
				      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (v->dirfds[i] < 0)
			return -errno;
		if (whiteout_is_opaque(v->dirfds[i], vo.kernel_markers))
			break;
	}
	return 0;
}

/* A metacopy placeholder: find the regular file below holding the data. */
static int find_data(struct vnode *dir, struct vnode *v, const char *name)
{
	struct stat st;
	int i;

	for (i = v->layer + 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (!S_ISREG(st.st_mode))
				break;
			v->dlayer = i;
			return 0;
		}
	}
	/* Tolerated: the lower file was removed outside vuovl. The placeholder
	 * (right size, no data) is what is left to show; a write copies it up
	 * as it is. */
	return 0;
}

/*
 * A metacopy placeholder: in the upper layer, a regular file whose host
 * mode has the sticky bit (meaningless on Linux files, never set by
 * vuovl otherwise: view modes are virtual), so it is recognised even
 * when a crash lost its sidecar row; in a lower layer (an old upper),
 * the row's metacopy flag.
 */
static bool is_placeholder(struct vnode *v, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return false;
	if (v->layer == 0)	/* placeholders are made in the upper only */
		return v->scope->wlayer == 0 && (st->st_mode & S_ISVTX) != 0;
	return (v->meta.mask & VMETA_FLAGS) && (v->meta.flags & VMETA_F_METACOPY);
}

bool lookup_is_self(int dirfd, const char *name)
{
	struct stat st;
	int i;

	for (i = 0; i < vo.nself; i++)
		if (!strcmp(name, vo.self[i].name) && fstat(dirfd, &st) == 0 &&
		    st.st_dev == vo.self[i].dev && st.st_ino == vo.self[i].ino)
			return true;
	return false;
}

int lookup_resolve_at(struct vnode *dir, const char *name, struct vnode *v,
		      struct stat *st)
{
	int i, last = last_layer(dir), err;

	for (i = 0; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0 || (vo.nself && lookup_is_self(dir->dirfds[i], name)))
			continue;
		if (fstatat(dir->dirfds[i], name, st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return -errno;
			if (i < last && whiteout_hides(dir->dirfds[i], name, NULL))
				return -ENOENT;
			continue;
		}
		if (whiteout_is_kernel(st))
			return -ENOENT;
		break;
	}
	if (i == vo.nlayers)
		return -ENOENT;
	err = take(dir, v, i, name, st);
	if (!err && S_ISDIR(st->st_mode))
		err = merge_below(dir, v, i, name);
	return err;
}

/*
 * With inview binds one directory can have two vnodes: a copy-up made
 * through one leaves the other's write slot empty. Caller holds
 * dir->lock. Looks for the write dir by its path, never through a
 * symlink, and keeps it (set once, like copyup_dir).
 */
static void refresh_wdir(struct vnode *dir)
{
	const struct scope *s = dir->scope;
	char *path;
	int fd;

	if (dir->virt || dir == &vo.root || s->wlayer != 0 || vo.layers[0].fd < 0)
		return;
	path = vnode_child_spath(dir, NULL);
	if (!path)
		return;
	fd = fd_open_beneath(vo.layers[0].fd, path, O_PATH | O_DIRECTORY, FD_NO_SYMLINKS);
	free(path);
	if (fd >= 0)
		dir->dirfds[0] = fd;
}

/* The host stat a lookup just took, for the entry reply that follows on
 * the same thread (vnode_stat): a cold LOOKUP then stats its file once.
 * Keyed by the vnode and its generation (a freed vnode's address comes
 * back); taken once. */
static _Thread_local struct {
	const struct vnode *v;
	uint64_t gen;
	struct stat st;
} stash;

bool lookup_stashed(const struct vnode *v, struct stat *st)
{
	if (stash.v != v || stash.gen != v->gen)
		return false;
	stash.v = NULL;
	*st = stash.st;
	return true;
}

/* What vnode_stat would stat again: the object of v's own layer (a rule
 * may have put another there; the inode and type say). */
static void keep(struct vnode *v, const struct stat *st)
{
	if (!v->virt && !v->dirfds && v->layer == v->dlayer &&
	    st->st_ino == v->hino && (st->st_mode & S_IFMT) == v->type) {
		stash.v = v;
		stash.gen = v->gen;
		stash.st = *st;
	}
}

static int resolve_locked(struct vnode *dir, const char *name, struct vnode *v)
{
	struct stat st;
	bool present;
	char *path;
	int err;

	if (vo.aliased && dir->dirfds[0] < 0)
		refresh_wdir(dir);
	err = lookup_resolve_at(dir, name, v, &st);
	if (err && err != -ENOENT)
		return err;
	present = !err;
	err = rules_apply(dir, name, v, &present, &st);
	if (err)
		return err;
	if (!present)
		return -ENOENT;
	v->ino ^= vnode_ctx_bits(v);	/* one object, seen through an inview bind */
	if (!vo.any_sidecar || v->virt) {
		keep(v, &st);
		return 0;
	}
	path = v->spath ? strdup(v->spath) : vnode_child_spath(dir, name);
	if (!path)
		return -ENOMEM;
	meta_load(v, path, &st);
	if (v->meta.mask & VMETA_INO)
		v->ino ^= vnode_ctx_bits(v);
	if (is_placeholder(v, &st))
		err = find_data(dir, v, name);
	free(path);
	if (!err)
		keep(v, &st);
	return err;
}

int lookup_resolve(struct vnode *dir, const char *name, struct vnode **out)
{
	struct vnode *v;
	int err;

	if (!dir->dirfds)
		return -ENOTDIR;
	if (is_reserved(dir, name))
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	v = vnode_alloc();
	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&dir->lock);
	err = resolve_locked(dir, name, v);
	pthread_mutex_unlock(&dir->lock);
	if (err) {
		vnode_free(v);
		return err;
	}
	*out = v;
	return 0;
}

int lookup_child(struct vnode *dir, const char *name, struct vnode **out)
{
	struct vnode *v = vnode_find(dir, name);
	int err;

	if (!v) {
		err = lookup_resolve(dir, name, &v);
		if (err)
			return err;
		if (v->ilayer >= 0) {
			/* another name of a hard-linked file: the same vnode */
			v = vnode_insert_linked(dir, name, v);
			if (!v)
				return -ENOMEM;
			*out = v;
			return 0;
		}
		v = vnode_insert(dir, name, v);
		if (!v)
			return -ENOMEM;
	}
	*out = v;
	return 0;
}

bool lookup_in_lower(struct vnode *dir, const char *name)
{
	struct stat st;
	bool hit = false;
	int i;

	pthread_mutex_lock(&dir->lock);
	for (i = 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			hit = !whiteout_is_kernel(&st);
			break;
		}
		if (whiteout_hides(dir->dirfds[i], name, NULL))
			break;
	}
	pthread_mutex_unlock(&dir->lock);
	return hit;
}

/* True when everything v shows comes from the stack's layers (slot 0
 * is the scope's write layer: a bind rule's host path in its scope).
 * Reads layer fields without v->lock: copy-up moves them within the
 * scope only. */
static bool from_stack(const struct vnode *v)
{
	int i;

	if (v->virt || (v->scope && v->scope->wlayer >= vo.nstack) ||
	    v->layer >= vo.nstack || v->dlayer >= vo.nstack)
		return false;
	if (v->dirfds)
		for (i = vo.nstack; i < vo.nlayers; i++)
			if (v->dirfds[i] >= 0)
				return false;
	return true;
}

double vnode_timeout(const struct vnode *v)
{
	if (vo.timeout_given)
		return vo.timeout;
	return from_stack(v) ? VO_STACK_TIMEOUT : VO_HOST_TIMEOUT;
}
