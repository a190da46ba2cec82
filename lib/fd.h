/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fd — opening a path beneath a directory fd and never outside it: the
 * idiom of every program here that takes a path it does not trust (a
 * view's rule path, a NEWROOT the command may have changed). One
 * openat2(2) call: the kernel resolves the whole path, with no race
 * between components.
 */
#ifndef VU_FD_H
#define VU_FD_H

enum {
	/* "/" and ".." stop at dirfd, as in a chroot (else: refused) */
	FD_IN_ROOT = 1 << 0,
	/* no symbolic link anywhere on the way, the last one included */
	FD_NO_SYMLINKS = 1 << 1,
};

/* Opens path beneath dirfd with open flags (O_CLOEXEC is added);
 * how: FD_* bits. /proc's magic links are never followed. Returns the
 * fd or -errno (-EXDEV: the path would leave dirfd). */
int fd_open_beneath(int dirfd, const char *path, int flags, unsigned how);

#endif
