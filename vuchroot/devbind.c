// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devbind — device nodes made inside that can be opened. A view mounted
 * in a user namespace can never have its device nodes opened (the kernel
 * marks such a file system nodev), yet debootstrap checks its target by
 * writing to a /dev/null it made, and chrooted maintainer scripts write
 * to theirs. So after the view makes a virtual node for one of the
 * devices the session's /dev already holds (null, zero, full, random,
 * urandom, tty), the supervisor binds the session's node over it, in
 * the caller's mount namespace: opens reach the host device, stat shows
 * a character device, and the view keeps its own node (what vutar -c
 * packs). An unlink of such a node is handed to the supervisor too: the
 * bind goes first, then the caller's own unlink runs. Only binds made
 * here are ever taken away.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

/* The devices a session's /dev holds (mounts.c), by number. */
static const struct { unsigned maj, min; const char *name; } passed[] = {
	{ 1, 3, "null" }, { 1, 5, "zero" }, { 1, 7, "full" },
	{ 1, 8, "random" }, { 1, 9, "urandom" }, { 5, 0, "tty" },
};

#define DEVBIND_MAX 256

/* The mount ids of the binds made (the supervisor's one thread uses
 * them; the count is read by it alone too). */
static uint64_t bound[DEVBIND_MAX];
static unsigned nbound;

static const char *passed_name(dev_t rdev)
{
	for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		if (major(rdev) == passed[i].maj && minor(rdev) == passed[i].min)
			return passed[i].name;
	return NULL;
}

static int mount_id(int dfd, const char *name, uint64_t *id, bool *root, mode_t *mode)
{
	struct statx stx;

	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID | STATX_TYPE, &stx) < 0)
		return -errno;
	*id = stx.stx_mnt_id;
	*root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	*mode = stx.stx_mode;
	return 0;
}

int devbind_after_mknod(int nsroot, int pfd, const char *name, mode_t mode, dev_t rdev)
{
	const char *dev = S_ISCHR(mode) ? passed_name(rdev) : NULL;
	char src[32];
	uint64_t id;
	bool root;
	mode_t m;
	int tree, r;

	if (!dev || nbound == DEVBIND_MAX)
		return 0;	/* a node the view keeps, not opened */
	snprintf(src, sizeof(src), "dev/%s", dev);
	/* the session's node, from its mount namespace's root (the
	 * caller's root may be a chroot holding the very node made) */
	tree = (int)syscall(SYS_open_tree, nsroot, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			    AT_SYMLINK_NOFOLLOW);
	if (tree < 0)
		return -errno;
	r = (int)syscall(SYS_move_mount, tree, "", pfd, name, MOVE_MOUNT_F_EMPTY_PATH);
	r = r < 0 ? -errno : 0;
	close(tree);
	if (r == 0 && mount_id(pfd, name, &id, &root, &m) == 0)
		bound[nbound++] = id;
	vu_debug(VU_CAT_NS, "bind of /dev/%s over %s: %s", dev, name, r ? strerror(-r) : "done");
	return r;
}

bool devbind_any(void)
{
	return nbound != 0;
}

int devbind_before_unlink(int base, const char *path)
{
	uint64_t id;
	bool root;
	mode_t m;
	unsigned i;

	if (mount_id(base, path, &id, &root, &m) < 0 || !root || !S_ISCHR(m))
		return 0;	/* the caller's unlink says what it says */
	for (i = 0; i < nbound && bound[i] != id; i++)
		;
	if (i == nbound)
		return 0;	/* not ours: a mount point, EBUSY as ever */
	if (fchdir(base) < 0 || umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	bound[i] = bound[--nbound];
	return 0;
}
