// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * create — what every creation through the view shares: refusing
 * reserved names, making the parent exist in the upper layer, replacing
 * a whiteout (a directory made over one is opaque: overlayfs), and
 * recording the caller's ownership and the full mode in the upper
 * sidecar when the host cannot hold them.
 */
#include "config.h"
#include "core.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int create_prepare(struct vnode *dir, const char *name)
{
	int err;

	if (vnode_ro(dir) || !rules_child_scope(dir, name)->writable)
		return -EROFS;
	if (strlen(name) > 255)
		return -ENAMETOOLONG;
	/* reserved for the upper's format (documented in vuovl(1)) */
	if (whiteout_is_reserved(name) ||
	    (dir->layer_root && strcmp(name, SIDECAR_DIR) == 0))
		return -EINVAL;
	err = rules_check_name(dir, name);
	if (err == -EACCES)
		return err;	/* hidden: it cannot be made either */
	if (err == -EBUSY && rules_is_except_name(dir, name))
		return err;	/* only what lies below the rule may be there */
	return copyup_dir(dir);
}

/* On failure the host object the caller made is removed again. */
int create_finish(struct vnode *dir, const char *name, mode_t mode, dev_t rdev,
		  uid_t uid, gid_t gid, struct vnode **out)
{
	struct vnode *v;
	struct stat st;
	struct stat pst;
	struct vmeta m;
	int err;

	/* BSD/SysV: in a set-group-id directory the new entry takes its
	 * group, and a new directory the bit too */
	if (vnode_stat(dir, &pst) == 0 && (pst.st_mode & S_ISGID)) {
		gid = meta_id_in(1, pst.st_gid);	/* the stat speaks kernel ids */
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	}
	/* (a long name's whiteout went before the name was made: then what
	 * it hid is still there below) */
	if (S_ISDIR(mode) && (whiteout_hides(dir->dirfds[0], name, NULL) ||
			      (strlen(name) > WHITEOUT_NAME_MAX && lookup_in_lower(dir, name)))) {
		int fd = openat(dir->dirfds[0], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		/* overlayfs: a directory re-created over a whiteout is opaque */
		err = fd < 0 ? -errno : whiteout_set_opaque(fd);
		if (fd >= 0)
			close(fd);
		if (err)
			goto undo;
	}
	err = whiteout_remove(dir->dirfds[0], name);
	if (err)
		goto undo;
	pthread_mutex_lock(&dir->lock);
	dir->version++;
	pthread_mutex_unlock(&dir->lock);
	err = lookup_child(dir, name, &v);
	if (err)
		goto undo;
	err = vnode_hstat(v, 0, &st);
	if (err)
		goto fail;
	/* whose the new host object is in the layer: a row only when the
	 * caller is someone else (vuovl-sidecar(5)) */
	meta_host_owner(vnode_wsc(v), &st);
	memset(&m, 0, sizeof(m));
	if (uid != st.st_uid) {
		m.mask |= VMETA_UID;
		m.uid = uid;
	}
	if (gid != st.st_gid) {
		m.mask |= VMETA_GID;
		m.gid = gid;
	}
	if (!S_ISLNK(mode) && mode != st.st_mode) {
		m.mask |= VMETA_MODE;
		m.mode = mode;
	}
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		m.mask |= VMETA_RDEV;
		m.rdev = rdev;
	}
	if (m.mask) {
		pthread_mutex_lock(&v->lock);
		/* Creation needs an upper, and an upper always has a sidecar. */
		err = vnode_wsc(v) ? meta_set(v, &m) : 0;
		if (m.mask & VMETA_MODE)
			v->type = mode & S_IFMT;
		pthread_mutex_unlock(&v->lock);
		if (err)
			goto fail;
	}
	*out = v;
	return 0;
fail:
	vnode_drop_name(dir, name);
	vnode_forget(v, 1);
undo:
	/* a failed create leaves nothing behind (tolerated: the error that
	 * got us here is the one to report) */
	if (S_ISDIR(mode)) {
		int fd = openat(dir->dirfds[0], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			(void)create_clean_upper_dir(fd);
			close(fd);
		}
	}
	(void)unlinkat(dir->dirfds[0], name, S_ISDIR(mode) ? AT_REMOVEDIR : 0);
	return err;
}

int create_free_place(struct vnode *dir, const char *name)
{
	return whiteout_free_place(dir->dirfds[0], name);
}

void create_keep_hidden(struct vnode *dir, const char *name, int freed)
{
	if (freed > 0)	/* tolerated: the create failed already, said so */
		(void)whiteout_create(dir->dirfds[0], name,
				      vo.layers[dir->scope->wlayer].workfd);
}

/* Removes the upper copy's own markers so rmdir/rename can replace it. */
int create_clean_upper_dir(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((de = readdir(d)))
		if (whiteout_is_reserved(de->d_name) &&
		    unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			err = -errno;
	closedir(d);
	return err;
}
