// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostio — reaching a view object's host copy in one layer: a
 * directory by its own O_PATH fd, anything else by its parent's
 * directory fd and its name (openat, fstatat, readlinkat, utimensat,
 * fchownat: never a path, never /proc, never following a symlink), or
 * by the O_PATH fd pinned when its name went away while it was in use.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* Where a non-directory lives: its parent (a ref taken: the parent
 * cannot go away under a concurrent rename) and its name. */
struct vloc {
	struct vnode *p;
	char name[NAME_MAX + 1];
	int dfd;
};

static int locate(struct vnode *v, int layer, struct vloc *l)
{
	/* a bound file: its host parent and name, whatever the view's */
	const char *fname = vo.layers[layer].fname;
	int *dirs;

	pthread_mutex_lock(&vo.tab.lock);
	l->p = v->parent;
	if (!l->p || v->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	l->p->refs++;
	snprintf(l->name, sizeof(l->name), "%s", fname ? fname : v->name);
	pthread_mutex_unlock(&vo.tab.lock);
	/* an except path lies in what is below the parent's rule: the
	 * parent's shadow, not its dirfds */
	dirs = rules_is_except(v) && l->p->shadow ? l->p->shadow : l->p->dirfds;
	l->dfd = fname ? vo.layers[layer].fd : dirs ? dirs[layer] : -1;
	if (l->dfd < 0) {
		vnode_unref(l->p);
		return -ENOENT;
	}
	return 0;
}

int vnode_hstat(struct vnode *v, int layer, struct stat *st)
{
	struct vloc l;
	int err;

	if (v->virt && v->dirfds[layer] < 0) {
		rules_virt_stat(v, st);
		return 0;
	}
	if (v->dirfds)
		return v->dirfds[layer] < 0 ? -ENOENT
		       : fstat(v->dirfds[layer], st) < 0 ? -errno : 0;
	if (v->fd >= 0)	/* pinned: unlinked or replaced while in use */
		return fstatat(v->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	err = locate(v, layer, &l);
	if (err)
		return err;
	err = fstatat(l.dfd, l.name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

ssize_t vnode_readlink(struct vnode *v, char *buf, size_t size)
{
	struct vloc l;
	ssize_t n;
	int err;

	if (v->fd >= 0 && !v->dirfds) {
		n = readlinkat(v->fd, "", buf, size);
		return n < 0 ? -errno : n;
	}
	err = locate(v, v->layer, &l);
	if (err)
		return err;
	n = readlinkat(l.dfd, l.name, buf, size);
	if (n < 0)
		n = -errno;
	vnode_unref(l.p);
	return n;
}

int vnode_utimens(struct vnode *v, int layer, const struct timespec ts[2])
{
	struct vloc l;
	int err, fd;

	/* pinned (unlinked or replaced while in use): the object itself */
	if (!v->dirfds && v->fd >= 0 && layer == v->layer)
		return utimensat(v->fd, "", ts, AT_EMPTY_PATH) < 0 ? -errno : 0;
	if (v->dirfds) {
		fd = vnode_open_host(v, layer, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		err = futimens(fd, ts) < 0 ? -errno : 0;
		close(fd);
		return err;
	}
	err = locate(v, layer, &l);
	if (err)
		return err;
	/* by name, never following: symlinks, fifos and sockets too */
	err = utimensat(l.dfd, l.name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

int vnode_touch_ctime(struct vnode *v)
{
	struct vloc l;
	int err;

	if (v->dirfds)
		return v->dirfds[0] < 0 ? 0 : fchownat(v->dirfds[0], "", -1, -1, AT_EMPTY_PATH) < 0
		       ? -errno : 0;
	if (v->fd >= 0)	/* pinned */
		return fchownat(v->fd, "", -1, -1, AT_EMPTY_PATH) < 0 ? -errno : 0;
	err = locate(v, 0, &l);
	if (err)
		return err;
	err = fchownat(l.dfd, l.name, -1, -1, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

int vnode_pin(struct vnode *v)
{
	struct vloc l;
	int err, fd = -1, io;
	bool rw = false;

	if (v->dirfds || v->fd >= 0)
		return 0;
	err = locate(v, v->layer, &l);
	if (err)
		return err;
	/* -o noopen: the daemon does not know which files are open, and
	 * after the name goes it cannot open the file again; an I/O fd
	 * taken now serves the open ones (iofd.c) */
	if (vo.noopen && S_ISREG(v->type) && v->layer == v->dlayer) {
		rw = v->layer == v->scope->wlayer;
		fd = openat(l.dfd, l.name, (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && rw) {
			rw = false;
			fd = openat(l.dfd, l.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd >= 0 && (io = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0)
			iofd_pin(v, io, v->layer, rw);	/* ENOMEM: no pin, still a stat */
	}
	if (fd < 0)
		fd = openat(l.dfd, l.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	vnode_unref(l.p);
	if (!err)
		v->fd = fd;
	return err;
}

int vnode_open_host(struct vnode *v, int layer, int flags, mode_t mode)
{
	struct vloc l;
	int fd, err;

	if (v->dirfds) {
		fd = v->dirfds[layer] < 0 ? -ENOENT
			: openat(v->dirfds[layer], ".", flags | O_CLOEXEC);
		return fd < 0 && v->dirfds[layer] >= 0 ? -errno : fd;
	}
	err = locate(v, layer, &l);
	if (err)
		return err;
	fd = openat(l.dfd, l.name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
	vnode_unref(l.p);
	return fd;
}
