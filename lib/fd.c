// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fd — opening a path beneath a directory fd (see fd.h).
 */
#include "config.h"
#include "fd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

int fd_open_beneath(int dirfd, const char *path, int flags, unsigned how)
{
	struct open_how oh = {
		.flags = (unsigned)flags | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS |
			   (how & FD_IN_ROOT ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) |
			   (how & FD_NO_SYMLINKS ? RESOLVE_NO_SYMLINKS : 0),
	};
	long fd = syscall(SYS_openat2, dirfd, path, &oh, sizeof(oh));

	return fd < 0 ? -errno : (int)fd;
}
