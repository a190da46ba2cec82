// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * meta — a view object's metadata: its virtual fields read from the
 * sidecars of the layers it comes from (the write layer's row, else the
 * row of the layer holding it, else a lower part's), written to its
 * scope's write layer, and laid over the host stat. The only file of
 * the daemon that reads or writes sidecar rows of a view object.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
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

int vnode_stat(struct vnode *v, struct stat *st)
{
	struct sidecar *sc;
	int err = 0;

	pthread_mutex_lock(&v->lock);
	err = vnode_hstat(v, v->layer, st);
	if (!err) {
		/* the owner of a file without a row (vuovl-sidecar(5)) */
		if (!v->virt && (sc = vnode_layer_sc(v, v->layer)))
			sidecar_owner_of(sc, st);
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
