// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * whiteout — making and reading the upper layer's markers (see the
 * header for the format). Only *at() calls beneath the given dir fd.
 */
#include "config.h"
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

bool whiteout_is_reserved(const char *name)
{
	return strncmp(name, WHITEOUT_PREFIX, WHITEOUT_PREFIX_LEN) == 0;
}

bool whiteout_is_kernel(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_long(const char *name)
{
	return strlen(name) > WHITEOUT_NAME_MAX;
}

/* A long name's whiteout: the 0/0 device at name. */
static bool kernel_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && whiteout_is_kernel(&st);
}

static int wh_name(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, WHITEOUT_PREFIX "%s", name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool whiteout_hides(int dirfd, const char *name, const struct stat *st)
{
	char wh[NAME_MAX + WHITEOUT_PREFIX_LEN + 1];
	struct stat wst;

	if (st && whiteout_is_kernel(st))
		return true;
	if (is_long(name))
		return !st && kernel_at(dirfd, name);
	if (wh_name(wh, sizeof(wh), name) < 0)
		return false;
	return fstatat(dirfd, wh, &wst, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(wst.st_mode);
}

static int create_plain(int dirfd, const char *wh)
{
	int fd = openat(dirfd, wh, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

#define WHITEOUT_SHARED "whiteout"

/* A fresh SHAREDIR/whiteout, in place of a full one (EMLINK). */
static int new_shared(int sharedir)
{
	char tmp[64];
	int err;

	snprintf(tmp, sizeof(tmp), "wh.%ld", (long)getpid());
	err = create_plain(sharedir, tmp);
	if (!err && renameat(sharedir, tmp, sharedir, WHITEOUT_SHARED) < 0) {
		err = -errno;
		unlinkat(sharedir, tmp, 0);
	}
	return err;
}

int whiteout_create(int dirfd, const char *name, int sharedir)
{
	char wh[NAME_MAX + WHITEOUT_PREFIX_LEN + 1];
	int err, tries;

	if (is_long(name)) {
		if (mknodat(dirfd, name, S_IFCHR | 0600, makedev(0, 0)) == 0 ||
		    (errno == EEXIST && kernel_at(dirfd, name)))
			return 0;
		return -errno;
	}
	err = wh_name(wh, sizeof(wh), name);
	if (err)
		return err;
	for (tries = 0; sharedir >= 0 && tries < 3; tries++) {
		if (linkat(sharedir, WHITEOUT_SHARED, dirfd, wh, 0) == 0 || errno == EEXIST)
			return 0;
		if (errno == ENOENT || errno == EMLINK) {
			if (new_shared(sharedir) < 0)
				break;
			continue;
		}
		break;	/* EXDEV, EPERM...: a file of its own */
	}
	return create_plain(dirfd, wh);
}

int whiteout_free_place(int dirfd, const char *name)
{
	if (!is_long(name) || !kernel_at(dirfd, name))
		return 0;
	if (unlinkat(dirfd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

int whiteout_remove(int dirfd, const char *name)
{
	char wh[NAME_MAX + WHITEOUT_PREFIX_LEN + 1];
	int err;

	if (is_long(name))
		return (err = whiteout_free_place(dirfd, name)) < 0 ? err : 0;
	err = wh_name(wh, sizeof(wh), name);

	if (err)
		return err;
	if (unlinkat(dirfd, wh, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static bool xattr_says_opaque(int dirfd, const char *attr)
{
	char v[2];
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = fgetxattr(fd, attr, v, sizeof(v));
	close(fd);
	return n == 1 && v[0] == 'y';
}

bool whiteout_is_opaque(int dirfd, bool xattrs)
{
	struct stat st;

	if (fstatat(dirfd, WHITEOUT_OPAQUE, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	return xattrs && (xattr_says_opaque(dirfd, "user.overlay.opaque") ||
			   xattr_says_opaque(dirfd, "trusted.overlay.opaque"));
}

int whiteout_set_opaque(int dirfd)
{
	return create_plain(dirfd, WHITEOUT_OPAQUE);
}
