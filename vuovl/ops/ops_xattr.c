// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_xattr — extended attributes. user.* live on the host file (copied
 * up with it); the names a user cannot set on the host (security.*,
 * trusted.*, system.posix_acl_*: vmeta_xattr_is_virtual) live in the
 * sidecar of the layer holding the object (core/meta.c), so file
 * capabilities and ACLs made by a fake root survive.
 */
#include "config.h"
#include "ops.h"
#include "acl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A readable fd on the host object; -ELOOP for symlinks (no user.*
 * xattrs on them in Linux), -ENXIO for sockets. */
static int host_fd(struct vnode *v, int layer)
{
	return vnode_open_host(v, layer, O_RDONLY | O_NONBLOCK, 0);
}

/* -o noacl (fuse-overlayfs): no POSIX ACL is kept or shown. */
static bool acl_refused(const char *name)
{
	return vo.noacl && !strncmp(name, "system.posix_acl_", 17);
}

void vo_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct vnode *v = vnode_get(ino);
	char *buf = size ? malloc(size) : NULL;
	ssize_t n;
	int fd;

	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (acl_refused(name)) {
		n = -EOPNOTSUPP;
	} else if (vmeta_xattr_is_virtual(name)) {
		n = meta_xattr_get(v, name, buf, size);
	} else {
		fd = host_fd(v, v->layer);
		if (fd < 0)
			n = fd == -ELOOP || fd == -ENXIO ? -ENODATA : fd;
		else {
			n = fgetxattr(fd, name, buf, size);
			n = n < 0 ? -errno : n;
			close(fd);
		}
	}
	if (n < 0)
		fuse_reply_err(req, -n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

void vo_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct vnode *v = vnode_get(ino);
	char *buf = malloc(size ? size : 1);
	ssize_t n = 0, m = 0;
	int fd;

	if (!buf) {
		n = -ENOMEM;
		goto out;
	}
	fd = host_fd(v, v->layer);
	if (fd >= 0) {
		n = flistxattr(fd, size ? buf : NULL, size);
		n = n < 0 ? (errno == ENOTSUP ? 0 : -errno) : n;
		close(fd);
	}
	if (n >= 0) {
		m = meta_xattr_list(v, size ? buf + n : NULL, size ? size - n : 0);
		n = m < 0 ? m : n + m;
	}
out:
	if (n < 0)
		fuse_reply_err(req, -n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static int change(struct vnode *v, const char *name, const char *value,
		  size_t size, int flags, bool remove)
{
	int err, fd;

	if (vnode_ro(v))
		return -EROFS;
	/* unlinked while open: nothing to copy up, no name to keep a row at */
	if (vnode_is_unlinked(v))
		return vmeta_xattr_is_virtual(name) ? -EPERM : -ESTALE;
	err = copyup_meta(v);
	if (err)
		return err;
	if (!vmeta_xattr_is_virtual(name)) {
		fd = host_fd(v, v->layer);
		if (fd < 0)
			return fd == -ELOOP ? -EPERM : fd;
		err = remove ? fremovexattr(fd, name) : fsetxattr(fd, name, value, size, flags);
		err = err < 0 ? -errno : 0;
		close(fd);
		return err;
	}
	return meta_xattr_change(v, name, value, size, flags, remove);
}

int xattr_drop_capability(struct vnode *v)
{
	ssize_t n;
	int err;

	if (vnode_is_unlinked(v))
		return 0;	/* its row went with its name */
	n = meta_xattr_get(v, "security.capability", NULL, 0);
	if (n == -ENODATA || n == -ENOENT)
		return 0;	/* the common case: nothing to drop */
	if (n < 0)
		return (int)n;
	err = change(v, "security.capability", NULL, 0, 0, true);
	return err == -ENODATA ? 0 : err < 0 ? err : 1;
}

/*
 * setxattr of an access ACL: the kernel leaves keeping the mode in step
 * to the FUSE server (fs/fuse/acl.c). Its permission bits become the
 * mode's, and an ACL that says no more than the mode is not kept (as
 * posix_acl_update_mode does): cp -a and tar --acls set modes this way.
 */
static int set_access_acl(struct vnode *v, const char *value, size_t size, int flags)
{
	mode_t perm;
	bool minimal;
	int err = acl_to_mode(value, size, &perm, &minimal);

	if (err)
		return err;
	if (vnode_ro(v))
		return -EROFS;
	err = attr_set_perm(v, perm);
	if (err || !minimal)
		return err ? err : change(v, ACL_XATTR_ACCESS, value, size, flags, false);
	err = change(v, ACL_XATTR_ACCESS, NULL, 0, 0, true);
	return err == -ENODATA ? 0 : err;
}

int xattr_acl_chmod(struct vnode *v, mode_t mode)
{
	char buf[4096];
	ssize_t n;

	if (vnode_is_unlinked(v))
		return 0;
	n = meta_xattr_get(v, ACL_XATTR_ACCESS, buf, sizeof(buf));
	if (n == -ENODATA || n == -ENOENT)
		return 0;	/* the common case: no ACL */
	if (n < 0)
		return (int)n;
	if (acl_chmod(buf, (size_t)n, mode) < 0)
		return 0;	/* not an ACL we can read: it stays as set */
	return change(v, ACL_XATTR_ACCESS, buf, (size_t)n, 0, false);
}

void vo_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct vnode *v = vnode_get(ino);

	if (acl_refused(name))
		fuse_reply_err(req, EOPNOTSUPP);
	else if (!strcmp(name, ACL_XATTR_ACCESS))
		fuse_reply_err(req, -set_access_acl(v, value, size, flags));
	else
		fuse_reply_err(req, -change(v, name, value, size, flags, false));
}

void vo_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (acl_refused(name))
		fuse_reply_err(req, EOPNOTSUPP);
	else
		fuse_reply_err(req, -change(vnode_get(ino), name, NULL, 0, 0, true));
}
