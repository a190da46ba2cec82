// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_ctl — control requests on the view (lib/ctl.h), as ioctls on a
 * directory of it. Today one: make a virtual device node, for vuchroot's
 * mknod supervisor (the kernel refuses mknod(2) of a device to anyone
 * without CAP_MKNOD in the initial namespace before FUSE sees it). Every
 * other ioctl gets ENOTTY, as on a file system without any.
 */
#include "config.h"
#include "ops.h"
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The request's name: one component, not reserved (create_prepare
 * refuses .wh. names and .vuovl at a layer root). */
static int check_name(const struct vuovl_ctl_mknod *c)
{
	size_t n = strnlen(c->name, sizeof(c->name));

	if (n == 0 || n == sizeof(c->name) || memchr(c->name, '/', n) ||
	    !strcmp(c->name, ".") || !strcmp(c->name, ".."))
		return -EINVAL;
	if (!S_ISCHR(c->mode) && !S_ISBLK(c->mode))
		return -EINVAL;
	if (c->mode & ~(S_IFMT | 07777) || c->reserved)
		return -EINVAL;
	return 0;
}

static int ctl_mknod(fuse_req_t req, struct vnode *dir, const struct vuovl_ctl_mknod *c)
{
	struct vnode *v = NULL;
	int err, fd, freed;

	/* only root of the daemon's namespace speaks for another caller:
	 * the supervisor checked that caller's CAP_MKNOD */
	if (fuse_req_ctx(req)->uid != 0)
		return -EPERM;
	err = check_name(c);
	if (!err && !dir->dirfds)
		err = -ENOTDIR;
	if (!err)
		err = create_prepare(dir, c->name);
	if (err)
		return err;
	freed = create_free_place(dir, c->name);
	if (freed < 0)
		return freed;
	/* a device node is an empty host file; its type is virtual */
	fd = openat(dir->dirfds[0], c->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    (c->mode & 0777) | S_IRUSR | S_IWUSR);
	if (fd < 0) {
		err = -errno;
		create_keep_hidden(dir, c->name, freed);
		/* a name the view shows from below exists all the same */
		return err;
	}
	close(fd);
	/* -1: the caller's own (the supervisor's: root) */
	err = create_finish(dir, c->name, c->mode, (dev_t)c->rdev,
			    c->uid == (uint32_t)-1 ? caller_uid(req) : c->uid,
			    c->gid == (uint32_t)-1 ? caller_gid(req) : c->gid, &v);
	if (!err)
		vnode_forget(v, 1);	/* the kernel looks it up when it wants it */
	return err;
}

void vo_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	      struct fuse_file_info *fi, unsigned flags, const void *in_buf,
	      size_t in_bufsz, size_t out_bufsz)
{
	struct vnode *dir = vnode_get(ino);
	struct vuovl_ctl_mknod c;
	int err;

	(void)arg;
	(void)fi;
	(void)out_bufsz;
	if (cmd != VUOVL_CTL_MKNOD || !(flags & FUSE_IOCTL_DIR) || in_bufsz != sizeof(c)) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	memcpy(&c, in_buf, sizeof(c));
	err = ctl_mknod(req, dir, &c);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	/* the kernel may hold a negative entry for the name (a lookup
	 * before the mknod it never saw): drop it, before the reply, so it
	 * never lands on what the caller mounts there next (an invalidated
	 * dentry loses its mounts). No lock of dir is held by this request.
	 * Tolerated failure: the node shows once the entry expires. */
	(void)fuse_lowlevel_notify_inval_entry(devio_session(), vnode_id(dir), c.name,
					       strlen(c.name));
	fuse_reply_ioctl(req, 0, NULL, 0);
}
