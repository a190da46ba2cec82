// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_attr — getattr and setattr. Ownership and the full mode are
 * virtual: chown never reaches the host, chmod keeps the host file the
 * user's own (u+rw, u+x for dirs) and records the real mode in the
 * upper sidecar. Sizes and times are real, on the upper copy.
 */
#include "config.h"
#include "ops.h"
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vo_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vnode *v = vnode_get(ino);
	struct stat st;
	int err = vnode_stat(v, &st);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, vnode_timeout(v));
}

static int set_size(struct vnode *v, off_t size, struct fuse_file_info *fi)
{
	int fd, err = 0;
	struct iofd *h;

	if (fi) {
		/* an open file, perhaps unlinked: its handle's fd, or under
		 * -o noopen the vnode's (iofd.c) */
		fd = req_fd(v, fi, true, &h);
		if (fd < 0)
			return fd;
		err = ftruncate(fd, size) < 0 ? -errno : 0;
		iofd_put(h);
		return err;
	}
	if (v->dirfds)
		return -EISDIR;
	err = copyup_data(v);
	if (err)
		return err;
	fd = vnode_open_host(v, v->dlayer, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, size) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Host mode for a view mode: the owner keeps access to their file. */
static mode_t host_mode(struct vnode *v, mode_t mode)
{
	mode_t keep = S_IRUSR | S_IWUSR | (v->dirfds ? S_IXUSR : 0);

	/* a placeholder keeps its on-disk mark (see lookup.c) */
	if (v->layer != v->dlayer || v->unsynced)
		keep |= S_ISVTX;
	return (mode & 0777) | keep;
}

/* An owner for a host file that is not the daemon's own host id, from
 * inside a user namespace: it would give the host disk a subordinate id
 * no one there owns (the mapped root may chown, the host user may not
 * undo it). */
static bool foreign_owner(uid_t uid, gid_t gid)
{
	if (idmap_self_is_initial())
		return false;	/* real ids: the kernel's rules decide */
	return (uid != (uid_t)-1 && !idmap_self_same_host(0, uid, geteuid())) ||
	       (gid != (gid_t)-1 && !idmap_self_same_host(1, gid, getegid()));
}

/* A file bound in place: its host file is the one to change, as the
 * host allows (no sidecar holds its virtual metadata); never to an
 * owner foreign to the host. */
static int set_host_meta(struct vnode *v, struct stat *attr, int to_set)
{
	uid_t uid = to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
	gid_t gid = to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;
	int fd, err = 0;

	if (foreign_owner(uid, gid))
		return -EPERM;
	fd = vnode_open_host(v, v->layer, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if ((to_set & FUSE_SET_ATTR_MODE) && fchmod(fd, attr->st_mode & 07777) < 0)
		err = -errno;
	if (!err && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The owner, group and mode fields setattr asks for, into m. */
static void owner_mode(const struct vnode *v, const struct stat *attr, int to_set,
		       struct vmeta *m)
{
	if (to_set & FUSE_SET_ATTR_MODE) {
		m->mask |= VMETA_MODE;
		m->mode = v->type | (attr->st_mode & 07777);
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		m->mask |= VMETA_UID;
		m->uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		m->mask |= VMETA_GID;
		m->gid = attr->st_gid;
	}
}

/*
 * chown or chmod of an object shown from below: a row of the write
 * layer's sidecar about that object (VMETA_F_BELOW), nothing copied up,
 * no inode made. -EAGAIN when it was copied up meanwhile.
 */
static int set_below(struct vnode *v, struct stat *attr, int to_set)
{
	struct vmeta m = { 0 };

	owner_mode(v, attr, to_set, &m);
	return meta_set_below(v, &m);
}

/* Only owner, group or mode, of an object still below, with a sidecar
 * to keep them in: no copy-up needed. */
static bool is_below_only(struct vnode *v, int to_set)
{
	/* (under the writeback cache the kernel sends its own ctime too;
	 * a row about a lower object keeps none) */
	return !(to_set & ~(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
			    FUSE_SET_ATTR_CTIME)) &&
	       v->layer != 0 && !v->virt && vnode_wsc(v) && !vnode_mlayer(v)->inplace &&
	       v->type != S_IFLNK;
}

/* The times of a file whose name is gone: its own copy's (pinned), a
 * lower file's are not ours to change. */
static void times_of(const struct stat *attr, int to_set, struct timespec ts[2])
{
	ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
	if (to_set & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	if (to_set & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
}

/*
 * setattr of a file unlinked while open (fchmod, futimens, and the times
 * the writeback cache sends at close): nothing is copied up and no row
 * is written at its old name, which may be another file's now. The
 * upper copy's times change on the host; owner and mode by host inode
 * when other names remain, else in memory (meta_set).
 */
static int set_unlinked(struct vnode *v, struct stat *attr, int to_set)
{
	struct timespec ts[2];
	struct vmeta m = { .mask = 0 };
	int err = 0;

	pthread_mutex_lock(&v->lock);
	times_of(attr, to_set, ts);
	if (v->layer == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)))
		err = vnode_utimens(v, 0, ts);
	owner_mode(v, attr, to_set, &m);
	if (!err && m.mask)
		err = vnode_wsc(v) ? meta_set(v, &m) : -EPERM;
	pthread_mutex_unlock(&v->lock);
	return err;
}

static int set_meta(struct vnode *v, struct stat *attr, int to_set)
{
	struct vmeta m;
	int err, fd;

	if (!v->dirfds && vnode_is_unlinked(v))
		return set_unlinked(v, attr, to_set);
	if (is_below_only(v, to_set) && (err = set_below(v, attr, to_set)) != -EAGAIN)
		return err;

	err = copyup_meta(v);
	if (err)
		return err;
	if (vnode_mlayer(v)->inplace && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
						      FUSE_SET_ATTR_GID))) {
		err = set_host_meta(v, attr, to_set);
		if (err)
			return err;
		to_set &= ~(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID);
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec ts[2];

		times_of(attr, to_set, ts);
		pthread_mutex_lock(&v->lock);
		err = vnode_utimens(v, v->layer, ts);
		pthread_mutex_unlock(&v->lock);
		if (err)
			return err;
	}
	if (!(to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		return 0;
	memset(&m, 0, sizeof(m));
	pthread_mutex_lock(&v->lock);
	owner_mode(v, attr, to_set, &m);
	if (to_set & FUSE_SET_ATTR_MODE) {
		/* O_PATH fds refuse fchmod: open the object (a socket
		 * cannot be opened; its host mode does not matter) */
		fd = v->type == S_IFLNK ? -1 : vnode_open_host(v, 0, O_RDONLY | O_NONBLOCK, 0);
		if (fd >= 0) {
			(void)fchmod(fd, host_mode(v, attr->st_mode));	/* the sidecar's mode rules */
			close(fd);
		}
	}
	if (vnode_wsc(v))
		err = meta_set(v, &m);
	else
		err = -EPERM;	/* no sidecar: ownership cannot be kept */
	/* a virtual change is a change: ctime moves on the host copy, as
	 * the host's own chown and chmod would move it */
	if (!err && v->layer == 0)
		err = vnode_touch_ctime(v);
	pthread_mutex_unlock(&v->lock);
	/* the access ACL follows the mode, as on a local file system */
	if (!err && (to_set & FUSE_SET_ATTR_MODE))
		err = xattr_acl_chmod(v, attr->st_mode);
	return err;
}

int attr_set_perm(struct vnode *v, mode_t perm)
{
	struct stat st, a;
	int err = vnode_stat(v, &st);

	if (err)
		return err;
	memset(&a, 0, sizeof(a));
	a.st_mode = (st.st_mode & ~0777) | (perm & 0777);
	return a.st_mode == st.st_mode ? 0 : set_meta(v, &a, FUSE_SET_ATTR_MODE);
}

int attr_kill_priv(struct vnode *v, bool chown)
{
	struct stat st, a;
	mode_t kill;
	int err = vnode_stat(v, &st);

	/* a write or truncate: regular files; a chown: every non-directory
	 * (the kernel's chown_common) */
	if (err || S_ISDIR(st.st_mode) || (!chown && !S_ISREG(st.st_mode)))
		return err;
	/* the common case: one stat, nothing to drop */
	kill = st.st_mode & S_ISUID;
	if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	if (kill) {
		memset(&a, 0, sizeof(a));
		a.st_mode = st.st_mode & ~kill;
		err = set_meta(v, &a, FUSE_SET_ATTR_MODE);
		if (err)
			return err;
	}
	err = xattr_drop_capability(v);
	return err < 0 ? err : kill || err;
}

void vo_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi)
{
	struct vnode *v = vnode_get(ino);
	/* the kernel leaves the kill of a truncate by a caller without
	 * CAP_FSETID, and of every chown, to the daemon (devio.c) */
	bool chown = (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
		     !(to_set & FUSE_SET_ATTR_MODE);
	bool kill = devio_take_kill(req) || (devio_killpriv() && chown);
	struct stat st;
	int err = 0;

	/* libfuse 3.14 passes the kill flag (FATTR_KILL_SUIDGID) on as a
	 * bit of to_set: it is not an attribute */
	to_set &= ~DEVIO_FATTR_KILL_SUIDGID;
	/* a chown's ids as the layers store them (-o uidmapping=) */
	if (to_set & FUSE_SET_ATTR_UID)
		attr->st_uid = meta_id_in(0, attr->st_uid);
	if (to_set & FUSE_SET_ATTR_GID)
		attr->st_gid = meta_id_in(1, attr->st_gid);

	if (vnode_ro(v)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE)
		err = set_size(v, attr->st_size, fi);
	if (!err && (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_CTIME)))
		err = set_meta(v, attr, to_set);
	if (!err && kill && (err = attr_kill_priv(v, chown)) > 0)
		err = 0;	/* the reply carries the new mode */
	if (!err)
		err = vnode_stat(v, &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, vnode_timeout(v));
}
