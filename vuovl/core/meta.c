// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meta — a view object's metadata: its virtual fields read from the
 * sidecars of the layers it comes from (the write layer's row, else the
 * row of the layer holding it, else a lower part's), laid over the host
 * stat, and the rows the daemon writes for view objects: on chown and
 * chmod (also of an object still below), link, unlink, rename, and the
 * xattrs the host refuses a user. The one other writer of rows is
 * copy-up (copyup.c), which records a copy's row before it publishes
 * the copy.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* Slot i's sidecar and v's path there: slot 0 is the scope's write
 * layer; rule layers see paths from their own root. */
static struct sidecar *slot_sc(const struct vnode *v, int i, const char *vpath,
			       const char **rel)
{
	int l = i == 0 ? v->scope->wlayer : i;
	size_t strip = i == 0 ? v->scope->strip : vo.layers[l].vstrip;

	*rel = strlen(vpath) >= strip ? vpath + strip : "";
	return vo.layers[l].sc;
}

const char *layer_rel(int l, const char *vpath)
{
	size_t strip = vo.layers[l].vstrip;

	return strlen(vpath) >= strip ? vpath + strip : "";
}

void meta_load(struct vnode *v, const char *path, const struct stat *host)
{
	struct sidecar *sc;
	const char *rel;
	int i;

	v->meta.mask = 0;
	if (v->virt)
		return;
	/* an object from below whose owner or mode changed in the view: a
	 * row of the write layer about it, no file there (VMETA_F_BELOW) */
	if (v->layer != 0 && (sc = slot_sc(v, 0, path, &rel)) &&
	    sidecar_get(sc, rel, host, &v->meta) == 0) {
		if ((v->meta.mask & VMETA_FLAGS) && (v->meta.flags & VMETA_F_BELOW))
			goto found;
		v->meta.mask = 0;
	}
	sc = slot_sc(v, v->layer, path, &rel);
	if (sc && sidecar_get(sc, rel, host, &v->meta) == 0)
		goto found;
	/* "upper row, else the lower layer's row": the data layer of a
	 * placeholder, or a lower part of a merged directory */
	for (i = v->layer + 1; i < vo.nlayers; i++) {
		bool part = v->dirfds ? v->dirfds[i] >= 0 : i == v->dlayer;

		if (part && (sc = slot_sc(v, i, path, &rel)) &&
		    sidecar_get(sc, rel, NULL, &v->meta) == 0)
			goto found;
	}
	return;
found:
	if (v->meta.mask & VMETA_INO)
		v->ino = v->meta.ino;
	if (v->meta.mask & VMETA_MODE)
		v->type = v->meta.mode & S_IFMT;
}

struct sidecar *vnode_layer_sc(const struct vnode *v, int layer)
{
	return vo.layers[layer == 0 && v->scope ? v->scope->wlayer : layer].sc;
}

void meta_host_owner(struct sidecar *sc, struct stat *st)
{
	if (sc)
		sidecar_owner_of(sc, st);
}

static uint32_t map_id(int gid, uint32_t id, int to_inside)
{
	const struct idmap_ext *e = gid ? vo.gidmap : vo.uidmap;
	size_t n = gid ? vo.ngidmap : vo.nuidmap;
	uint32_t out;

	if (!n)
		return id;
	return idmap_map(e, n, id, to_inside, &out) ? 65534 : out;
}

uint32_t meta_id_out(int gid, uint32_t id)
{
	return map_id(gid, id, 0);
}

uint32_t meta_id_in(int gid, uint32_t id)
{
	return map_id(gid, id, 1);
}

int vnode_stat(struct vnode *v, struct stat *st)
{
	int err = 0;

	pthread_mutex_lock(&v->lock);
	if (!lookup_stashed(v, st))
		err = vnode_hstat(v, v->layer, st);
	/* where others may write the layers (short timeouts: a live
	 * NEWROOT), a file replaced under its name must not be read
	 * through the old one's cached fd; the stack's layers change only
	 * through us, and GETATTR need not take io_lock for them */
	if (!err && vo.noopen && !v->dirfds && v->layer == v->dlayer &&
	    vnode_timeout(v) < VO_LONG_TIMEOUT)
		iofd_check(v, st->st_ino);
	if (!err) {
		/* the owner of a file without a row (vuovl-sidecar(5)) */
		if (!v->virt)
			meta_host_owner(vnode_layer_sc(v, v->layer), st);
		st->st_ino = v->ino;
		if (v->meta.mask & VMETA_UID)
			st->st_uid = v->meta.uid;
		if (v->meta.mask & VMETA_GID)
			st->st_gid = v->meta.gid;
		if (v->layer != v->dlayer || v->unsynced)
			st->st_mode &= ~S_ISVTX;
		if (v->layer != v->dlayer) {
			/* a placeholder shows the data it reads: a copy whose
			 * mark a crash left may have grown past them */
			struct stat dst;

			if (vnode_hstat(v, v->dlayer, &dst) == 0) {
				st->st_size = dst.st_size;
				st->st_blocks = dst.st_blocks;
			}
		}	/* the placeholder mark */
		if (v->meta.mask & VMETA_MODE)
			st->st_mode = v->meta.mode;
		if (v->meta.mask & VMETA_RDEV)
			st->st_rdev = v->meta.rdev;
		st->st_uid = meta_id_out(0, st->st_uid);
		st->st_gid = meta_id_out(1, st->st_gid);
		if (vo.squash_uid >= 0)
			st->st_uid = (uid_t)vo.squash_uid;
		if (vo.squash_gid >= 0)
			st->st_gid = (gid_t)vo.squash_gid;
		if (vo.static_nlink && S_ISDIR(st->st_mode))
			st->st_nlink = 1;
	}
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* v's name is gone: its row, if it has other names, is reached by its
 * host inode; else the change lives in memory as long as v does. */
static int meta_set_unlinked(struct vnode *v, struct sidecar *sc, const struct stat *st,
			     const struct vmeta *m)
{
	struct vmeta cur;
	int err = v->layer == 0 && st->st_nlink > 0 ? sidecar_set(sc, NULL, st, m) : -ENOENT;

	if (err == -ENOENT) {
		vmeta_merge(&v->meta, m);
		return 0;
	}
	if (!err && sidecar_get(sc, NULL, st, &cur) == 0)
		v->meta = cur;
	return err;
}

int meta_set(struct vnode *v, const struct vmeta *m)
{
	struct sidecar *sc = vnode_wsc(v);
	struct stat st;
	char *path;
	int err;

	if (!sc)
		return 0;
	err = vnode_hstat(v, v->layer, &st);
	if (err)
		return err;
	if (vnode_is_unlinked(v))
		return meta_set_unlinked(v, sc, &st, m);
	path = vnode_wpath(v, NULL);
	if (!path)
		return -ENOMEM;
	err = sidecar_set(sc, path, &st, m);
	if (!err) {
		/* keep the in-memory copy in step with the row */
		struct vmeta cur;

		if (sidecar_get(sc, path, &st, &cur) == 0)
			v->meta = cur;
	}
	free(path);
	return err;
}

/* A chown or chmod of an object still below: the write layer's row
 * about it (VMETA_F_BELOW) takes the fields of change, nothing copied
 * up. -EAGAIN when it was copied up meanwhile. */
int meta_set_below(struct vnode *v, const struct vmeta *change)
{
	struct sidecar *sc = vnode_wsc(v);
	struct vmeta m, cur;
	struct stat st;
	char *path;
	int err;

	pthread_mutex_lock(&v->lock);
	if (v->layer == 0) {
		pthread_mutex_unlock(&v->lock);
		return -EAGAIN;
	}
	err = vnode_hstat(v, v->layer, &st);
	path = err ? NULL : vnode_wpath(v, NULL);
	if (!err && !path)
		err = -ENOMEM;
	if (!err) {
		m = v->meta;
		m.flags = (m.mask & VMETA_FLAGS ? m.flags : 0) | VMETA_F_BELOW;
		m.mask |= VMETA_FLAGS;
		vmeta_merge(&m, change);
		err = sidecar_set(sc, path, &st, &m);
		if (!err && sidecar_get(sc, path, &st, &cur) == 0)
			v->meta = cur;
	}
	pthread_mutex_unlock(&v->lock);
	free(path);
	return err;
}

int meta_link(struct vnode *v, struct vnode *p, const char *name, struct vnode *dir,
	      const char *newname)
{
	char *oldpath, *newpath;
	struct stat st;
	int err = 0;

	if (!vnode_wsc(v))
		return 0;
	oldpath = vnode_wpath(p, name);
	newpath = vnode_wpath(dir, newname);
	if (!oldpath || !newpath)
		err = -ENOMEM;
	if (!err && fstatat(p->dirfds[0], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!err)
		err = sidecar_link(vnode_wsc(v), oldpath, newpath, &st);
	free(oldpath);
	free(newpath);
	return err;
}

int meta_forget(struct vnode *dir, const char *name)
{
	char *path;
	int err;

	if (!vnode_wsc(dir))
		return 0;
	path = vnode_wpath(dir, name);
	if (!path)
		return -ENOMEM;
	err = sidecar_unlink(vnode_wsc(dir), path);
	free(path);
	return err == -ENOENT ? 0 : err;
}

int meta_rename(struct vnode *s, struct vnode *od, const char *on, struct vnode *nd,
		const char *nn, bool exchange)
{
	char *a = vnode_wpath(od, on), *b = vnode_wpath(nd, nn);
	struct sidecar *sc = vnode_wsc(s);
	int err = -ENOMEM;

	if (a && b)
		err = exchange ? sidecar_exchange(sc, a, b) : sidecar_rename(sc, a, b);
	free(a);
	free(b);
	return err == -ENOENT ? 0 : err;
}

/* The sidecar of the layer holding v, and v's path there (malloc'd). */
static struct sidecar *holder_sc(struct vnode *v, char **path)
{
	int l = v->layer == 0 ? v->scope->wlayer : v->layer;
	char *p = v->spath ? strdup(v->spath) : vnode_child_spath(v, NULL);

	*path = p;
	if (p && l != 0 && v->layer != 0)
		memmove(p, layer_rel(l, p), strlen(layer_rel(l, p)) + 1);
	else if (p && v->layer == 0 && v->scope->strip) {
		free(p);
		*path = vnode_wpath(v, NULL);
	}
	return vo.layers[l].sc;
}

ssize_t meta_xattr_get(struct vnode *v, const char *name, void *buf, size_t size)
{
	struct sidecar *sc;
	char *path;
	ssize_t n;

	if (vnode_is_unlinked(v))
		return -ENODATA;	/* its old name's row may be another file's */
	sc = holder_sc(v, &path);
	n = !path ? -ENOMEM : !sc ? -ENODATA : sidecar_xattr_get(sc, path, name, buf, size);
	free(path);
	return n;
}

ssize_t meta_xattr_list(struct vnode *v, char *buf, size_t size)
{
	struct sidecar *sc;
	char *path;
	ssize_t n;

	if (vnode_is_unlinked(v))
		return 0;
	sc = holder_sc(v, &path);
	n = !path ? -ENOMEM : !sc ? 0 : sidecar_xattr_list(sc, path, buf, size);
	free(path);
	return n == -ENOENT || n == -ENODATA ? 0 : n;
}

int meta_xattr_change(struct vnode *v, const char *name, const void *value, size_t size,
		      int flags, bool remove)
{
	struct stat st;
	char *path;
	int err;

	if (!vnode_wsc(v) || vnode_mlayer(v)->inplace)
		return -EPERM;	/* no sidecar to keep it in */
	path = vnode_wpath(v, NULL);
	if (!path)
		return -ENOMEM;
	pthread_mutex_lock(&v->lock);
	err = vnode_hstat(v, 0, &st);
	if (!err && remove)
		err = sidecar_xattr_remove(vnode_wsc(v), path, name);
	else if (!err)
		err = sidecar_xattr_set(vnode_wsc(v), path, &st, name, value, size, flags);
	pthread_mutex_unlock(&v->lock);
	free(path);
	return err;
}
