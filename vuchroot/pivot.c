// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pivot — makes the view the root of the command's mount namespace (M2)
 * and detaches the old root, so neither `..`, nor /proc/PID/root of
 * anything in M2, nor a later chroot can reach the host tree. Called only
 * in M2: pivot_root moves the root of every process of the namespace, and
 * the daemon must keep its own (DESIGN: the pivot_root pitfall).
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

int pivot_enter(const char *root)
{
	int r;

	if (chdir(root) < 0) {
		r = -errno;
		goto fail;
	}
	/* pivot_root(".", "."): the old root ends up stacked on the new
	 * one, where a lazy unmount of "." takes it away whole. */
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	vu_err("cannot pivot_root into the view: %s", strerror(-r));
	return r;
}
