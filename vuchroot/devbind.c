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
 * bind goes first, then the caller's own unlink runs. A chmod, chown or
 * utimensat of it (mknod -m, tar xp) would reach the host's device,
 * which nobody inside owns: they are applied to the view's node instead,
 * with the caller's rights checked as the kernel checks them. Only binds
 * made here are ever taken away or stood in for.
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

/* Linux 6.6's chmod of an fd's own file (AT_EMPTY_PATH); one number on
 * every architecture, as every syscall added since 5.1 */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* The devices a session's /dev holds (mounts.c), by number. */
static const struct { unsigned maj, min; const char *name; } passed[] = {
	{ 1, 3, "null" }, { 1, 5, "zero" }, { 1, 7, "full" },
	{ 1, 8, "random" }, { 1, 9, "urandom" }, { 5, 0, "tty" },
};

#define DEVBIND_MAX 256

/* The mount ids of the binds made (the supervisor's one thread uses
 * them; the count is read by it alone too). */
static struct bind {
	uint64_t mnt_id;
	int view_fd;	/* O_PATH of the view's node, beneath the bind */
} bound[DEVBIND_MAX];
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

	int view_fd;

	if (!dev || nbound == DEVBIND_MAX)
		return 0;	/* a node the view keeps, not opened */
	view_fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (view_fd < 0)
		return -errno;
	snprintf(src, sizeof(src), "dev/%s", dev);
	/* the session's node, from its mount namespace's root (the
	 * caller's root may be a chroot holding the very node made) */
	tree = (int)syscall(SYS_open_tree, nsroot, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			    AT_SYMLINK_NOFOLLOW);
	if (tree < 0) {
		r = -errno;
		close(view_fd);
		return r;
	}
	r = (int)syscall(SYS_move_mount, tree, "", pfd, name, MOVE_MOUNT_F_EMPTY_PATH);
	r = r < 0 ? -errno : 0;
	close(tree);
	if (r == 0 && mount_id(pfd, name, &id, &root, &m) == 0) {
		bound[nbound++] = (struct bind){ id, view_fd };
	} else {
		/* a bind we could not note could never be taken off for an
		 * unlink: none, the node stays as made */
		if (r == 0 && (fchdir(pfd) < 0 || umount2(name, MNT_DETACH | UMOUNT_NOFOLLOW) < 0))
			r = -errno;
		else if (r == 0)
			r = -EIO;
		close(view_fd);
	}
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
	for (i = 0; i < nbound && bound[i].mnt_id != id; i++)
		;
	if (i == nbound)
		return 0;	/* not ours: a mount point, EBUSY as ever */
	if (fchdir(base) < 0 || umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	close(bound[i].view_fd);
	bound[i] = bound[--nbound];
	return 0;
}

int devbind_lookup(int dfd, const char *path, bool follow)
{
	struct statx stx;
	unsigned i;

	if (statx(dfd, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_MNT_ID | STATX_TYPE,
		  &stx) < 0 || !S_ISCHR(stx.stx_mode) ||
	    !(stx.stx_attributes & stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return -1;
	for (i = 0; i < nbound; i++)
		if (bound[i].mnt_id == stx.stx_mnt_id)
			return bound[i].view_fd;
	return -1;
}

int devbind_metadata(int vfd, const struct devbind_change *c)
{
	struct stat st;
	int r;

	if (fstat(vfd, &st) < 0)
		return -errno;
	/* the kernel's rules (chmod(2), chown(2), utimensat(2)) */
	switch (c->kind) {
	case DEVBIND_CHMOD:
		if (c->fsuid != st.st_uid && !c->fowner)
			return -EPERM;
		r = (int)syscall(SYS_fchmodat2, vfd, "", c->mode, AT_EMPTY_PATH);
		break;
	case DEVBIND_CHOWN:
		if (!c->chown && ((c->uid != (uid_t)-1 && c->uid != st.st_uid) ||
				  c->fsuid != st.st_uid))
			return -EPERM;
		r = fchownat(vfd, "", c->uid, c->gid, AT_EMPTY_PATH);
		break;
	default:
		if (c->fsuid != st.st_uid && !c->fowner)
			return -EPERM;
		r = utimensat(vfd, "", c->now ? NULL : c->times, AT_EMPTY_PATH);
		/* a kernel without AT_EMPTY_PATH here: the times stay */
		if (r < 0 && errno == EINVAL)
			r = 0;
	}
	return r < 0 ? -errno : 0;
}
