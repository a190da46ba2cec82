// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_dir — FUSE entry points that change the namespace: mknod, mkdir,
 * symlink, link, unlink, rmdir, rename. A lower entry removed from the
 * view leaves a whiteout; the whiteout is written before the upper
 * entry goes, so a crash in between still shows the entry (never a
 * lower one it was hiding).
 */
#include "config.h"
#include "ops.h"
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void reply_new(fuse_req_t req, int err, struct vnode *v)
{
	struct fuse_entry_param e;

	if (!err) {
		err = ops_entry(v, &e);
		if (err)
			vnode_forget(v, 1);
	}
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void bump(struct vnode *dir)
{
	pthread_mutex_lock(&dir->lock);
	dir->version++;
	pthread_mutex_unlock(&dir->lock);
}

void vo_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	      dev_t rdev)
{
	struct vnode *dir = vnode_get(parent), *v = NULL;
	int err = create_prepare(dir, name), fd, freed = 0;
	mode_t host = (mode & 0777) | S_IRUSR | S_IWUSR;

	if (!err && (freed = create_free_place(dir, name)) < 0)
		err = freed;
	if (err)
		goto out;
	if (S_ISFIFO(mode) || S_ISSOCK(mode))
		err = mknodat(dir->dirfds[0], name, (mode & S_IFMT) | host, 0) < 0 ? -errno : 0;
	else if (S_ISREG(mode) || S_ISCHR(mode) || S_ISBLK(mode)) {
		/* a device node is an empty host file; its type is virtual */
		fd = openat(dir->dirfds[0], name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, host);
		err = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
	} else
		err = -EINVAL;
	if (err)
		create_keep_hidden(dir, name, freed);
	else
		err = create_finish(dir, name, mode, rdev, caller_uid(req), caller_gid(req), &v);
out:
	reply_new(req, err, v);
}

void vo_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct vnode *dir = vnode_get(parent), *v = NULL;
	int err = create_prepare(dir, name), freed = 0;

	if (!err && (freed = create_free_place(dir, name)) < 0)
		err = freed;
	if (!err && mkdirat(dir->dirfds[0], name, (mode & 0777) | S_IRWXU) < 0) {
		err = -errno;
		create_keep_hidden(dir, name, freed);
	}
	if (!err)
		err = create_finish(dir, name, S_IFDIR | (mode & 07777), 0, caller_uid(req), caller_gid(req), &v);
	reply_new(req, err, v);
}

void vo_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	struct vnode *dir = vnode_get(parent), *v = NULL;
	int err = create_prepare(dir, name), freed = 0;

	if (!err && (freed = create_free_place(dir, name)) < 0)
		err = freed;
	if (!err && symlinkat(link, dir->dirfds[0], name) < 0) {
		err = -errno;
		create_keep_hidden(dir, name, freed);
	}
	if (!err)
		err = create_finish(dir, name, S_IFLNK | 0777, 0, caller_uid(req), caller_gid(req), &v);
	reply_new(req, err, v);
}

/* Parent and name of v under the table lock; a ref on *pp. */
static int where(struct vnode *v, struct vnode **pp, char *name)
{
	pthread_mutex_lock(&vo.tab.lock);
	if (!v->parent || v->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	*pp = v->parent;
	(*pp)->refs++;
	strcpy(name, v->name);
	pthread_mutex_unlock(&vo.tab.lock);
	return 0;
}

void vo_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname)
{
	struct vnode *v = vnode_get(ino), *dir = vnode_get(newparent), *p, *nv = NULL;
	char name[NAME_MAX + 1];
	int err = create_prepare(dir, newname), freed = 0;
	struct stat st;

	if (!err && v->dirfds)
		err = -EPERM;
	if (!err && v->scope->id != rules_child_scope(dir, newname)->id)
		err = -EXDEV;
	if (!err && vnode_dlayer(v)->fname)
		err = -EXDEV;	/* a bound file lives outside every layer dir */
	if (!err)	/* a placeholder's data is found by name: copy it */
		err = copyup_data_sync(v);
	if (err)
		goto out;
	err = where(v, &p, name);
	if (err)
		goto out;
	if ((freed = create_free_place(dir, newname)) < 0)
		err = freed;
	else if (linkat(p->dirfds[0], name, dir->dirfds[0], newname, 0) < 0) {
		err = -errno;
		create_keep_hidden(dir, newname, freed);
	}
	/* both names share one node, a row set later through either
	 * shows through the other and outlives its name */
	if (!err)
		err = meta_link(v, p, name, dir, newname);
	vnode_unref(p);
	if (!err)
		err = whiteout_remove(dir->dirfds[0], newname);
	if (!err) {
		bump(dir);
		/* the kernel must see one inode under both names */
		pthread_mutex_lock(&v->lock);
		if (vnode_hstat(v, 0, &st) == 0)
			vnode_index_inode(v, v->scope->wlayer, st.st_ino);
		pthread_mutex_unlock(&v->lock);
		vnode_hold(v);
		nv = v;
	}
out:
	reply_new(req, err, nv);
}

static int do_remove(struct vnode *dir, const char *name, bool isdir)
{
	struct vnode *v;
	struct vo_dir list;
	bool lower, in_place;
	int err;

	if (vnode_ro(dir))
		return -EROFS;
	err = rules_check_name(dir, name);
	if (err)
		return err == -EACCES ? -ENOENT : err;
	err = lookup_child(dir, name, &v);
	if (err)
		return err;
	if (isdir && !v->dirfds)
		err = -ENOTDIR;
	else if (!isdir && v->dirfds)
		err = -EISDIR;
	else if (isdir) {
		err = listing_build(v, &list);
		if (!err && list.n > 2)	/* "." and ".." */
			err = -ENOTEMPTY;
		if (!err || err == -ENOTEMPTY)
			listing_free(&list);
	}
	if (err)
		goto out;
	/* an object shown from below needs a whiteout; an upper one only
	 * when it hides something */
	lower = v->layer != 0 || lookup_in_lower(dir, name);
	/* a long name's whiteout takes the name's own place (whiteout.h):
	 * it follows the removal (a crash between shows the lower entry) */
	in_place = strlen(name) > WHITEOUT_NAME_MAX;
	err = copyup_dir(dir);
	if (!err && lower && !in_place)
		err = whiteout_create(dir->dirfds[0], name,
				      vo.layers[dir->scope->wlayer].workfd);
	if (!err && !isdir) {
		pthread_mutex_lock(&v->lock);
		err = vnode_pin(v);
		pthread_mutex_unlock(&v->lock);
	}
	if (!err && v->layer != 0 && (v->meta.mask & VMETA_FLAGS) &&
	    (v->meta.flags & VMETA_F_BELOW))
		err = meta_forget(dir, name);	/* its owner change goes too */
	if (!err && v->layer == 0) {
		if (isdir)
			err = create_clean_upper_dir(v->fd);
		if (!err && unlinkat(dir->dirfds[0], name, isdir ? AT_REMOVEDIR : 0) < 0)
			err = -errno;
		if (!err)
			err = meta_forget(dir, name);
	}
	if (!err && lower && in_place)
		err = whiteout_create(dir->dirfds[0], name,
				      vo.layers[dir->scope->wlayer].workfd);
	if (!err) {
		vnode_drop_name(dir, name);
		bump(dir);
	}
out:
	vnode_forget(v, 1);
	return err;
}

void vo_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, -do_remove(vnode_get(parent), name, false));
}

void vo_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, -do_remove(vnode_get(parent), name, true));
}

/* A directory still merged with lower ones cannot move as is: its
 * lower parts are found by name. It is copied up whole first. */
static bool is_merged_lower(struct vnode *v)
{
	int i;

	if (!v->dirfds)
		return false;
	for (i = 1; i < vo.nlayers; i++)
		if (v->dirfds[i] >= 0)
			return true;
	return false;
}

struct rename_ctx {
	struct vnode *od, *nd, *s, *d;
	const char *on, *nn;
	unsigned flags;
};

static int rename_check(struct rename_ctx *c)
{
	struct vo_dir list;
	int err = 0;

	if ((c->flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
	    ((c->flags & RENAME_WHITEOUT) && (c->flags & RENAME_EXCHANGE)))
		return -EINVAL;
	/* rule points are mount points; scopes are file systems */
	if ((err = rules_check_name(c->od, c->on)) || (err = rules_check_name(c->nd, c->nn)))
		return err;
	if (c->s->scope->id != rules_child_scope(c->nd, c->nn)->id ||
	    (c->d && c->d->scope->id != rules_child_scope(c->od, c->on)->id))
		return -EXDEV;
	if ((c->flags & RENAME_EXCHANGE) && !c->d)
		return -ENOENT;
	if ((c->flags & RENAME_NOREPLACE) && c->d)
		return -EEXIST;
	if (!c->d || (c->flags & RENAME_EXCHANGE))
		return 0;
	if (c->s->dirfds && !c->d->dirfds)
		return -ENOTDIR;
	if (!c->s->dirfds && c->d->dirfds)
		return -EISDIR;
	if (c->d->dirfds) {
		err = listing_build(c->d, &list);
		if (err)
			return err;
		err = list.n > 2 ? -ENOTEMPTY : 0;
		listing_free(&list);
	}
	return err;
}

/* Two vnode locks, in address order (neither is the other's parent:
 * rename(2) refuses a move into oneself before we get here). */
static void lock_pair(struct vnode *a, struct vnode *b)
{
	if (b && b != a && b < a) {
		struct vnode *t = a;

		a = b;
		b = t;
	}
	pthread_mutex_lock(&a->lock);
	if (b && b != a)
		pthread_mutex_lock(&b->lock);
}

static void unlock_pair(struct vnode *a, struct vnode *b)
{
	if (b && b != a)
		pthread_mutex_unlock(&b->lock);
	pthread_mutex_unlock(&a->lock);
}

static int do_rename(struct rename_ctx *c)
{
	bool old_lower, new_hidden, old_in_place;
	int err, fd, freed = 0;

	err = copyup_dir(c->od);
	if (!err)
		err = copyup_dir(c->nd);
	if (!err && !c->s->dirfds)
		err = copyup_data_sync(c->s);
	if (!err && c->d && (c->flags & RENAME_EXCHANGE) && !c->d->dirfds)
		err = copyup_data_sync(c->d);
	if (!err && c->s->dirfds)
		err = is_merged_lower(c->s) ? copyup_tree(c->s) : copyup_dir(c->s);
	if (!err && c->d && (c->flags & RENAME_EXCHANGE) && is_merged_lower(c->d))
		err = copyup_tree(c->d);
	if (err)
		return err;
	old_lower = lookup_in_lower(c->od, c->on);
	new_hidden = lookup_in_lower(c->nd, c->nn) ||
		     whiteout_hides(c->nd->dirfds[0], c->nn, NULL);
	if (c->d && !(c->flags & RENAME_EXCHANGE) && c->d->dirfds &&
	    c->d->dirfds[0] >= 0)
		err = create_clean_upper_dir(c->d->dirfds[0]);
	if (!err && c->s->dirfds && new_hidden) {
		/* what lay below the new name must stay hidden */
		fd = c->s->dirfds[0];
		err = whiteout_set_opaque(fd);
	}
	old_in_place = strlen(c->on) > WHITEOUT_NAME_MAX;
	if (!err && old_lower && !old_in_place && !(c->flags & RENAME_EXCHANGE))
		err = whiteout_create(c->od->dirfds[0], c->on,
				      vo.layers[c->od->scope->wlayer].workfd);
	if (!err && c->d && !c->d->dirfds && !(c->flags & RENAME_EXCHANGE)) {
		pthread_mutex_lock(&c->d->lock);
		err = vnode_pin(c->d);
		pthread_mutex_unlock(&c->d->lock);
	}
	if (err)
		return err;
	/* a directory cannot replace a long name's whiteout (a device) */
	if (!c->d && (freed = create_free_place(c->nd, c->nn)) < 0)
		return freed;
	/* the moved vnodes' locks: a concurrent chmod of one finds it by
	 * name, so the host rename and the table move are one step for it */
	lock_pair(c->s, c->d);
	if (renameat2(c->od->dirfds[0], c->on, c->nd->dirfds[0], c->nn,
		      c->flags) < 0) {
		err = -errno;
		unlock_pair(c->s, c->d);
		create_keep_hidden(c->nd, c->nn, freed);
		return err;
	}
	if (!(c->flags & RENAME_EXCHANGE))
		/* tolerated: a stale whiteout under an entry hides nothing */
		(void)whiteout_remove(c->nd->dirfds[0], c->nn);
	/* a long old name: its whiteout could only come once it was free */
	if (old_lower && old_in_place && !(c->flags & RENAME_EXCHANGE))
		err = whiteout_create(c->od->dirfds[0], c->on,
				      vo.layers[c->od->scope->wlayer].workfd);
	if (!err && vnode_wsc(c->s))
		err = meta_rename(c->s, c->od, c->on, c->nd, c->nn, c->flags & RENAME_EXCHANGE);
	if (c->flags & RENAME_EXCHANGE)
		vnode_exchange(c->od, c->on, c->nd, c->nn);
	else
		vnode_move(c->od, c->on, c->nd, c->nn);
	unlock_pair(c->s, c->d);
	bump(c->od);
	bump(c->nd);
	return err;
}

/*
 * RENAME_WHITEOUT (what kernel overlayfs stacked on a view asks for):
 * the old name shows a 0/0 character device once the rename is done,
 * a virtual one like every device node of the view (an empty host file,
 * its type in the sidecar). The rename is already done: this can only
 * add the whiteout, or fail to.
 */
static int leave_whiteout(fuse_req_t req, struct vnode *dir, const char *name)
{
	struct vnode *v = NULL;
	int fd, err = create_prepare(dir, name);

	if (err)
		return err;
	fd = openat(dir->dirfds[0], name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    S_IRUSR | S_IWUSR);
	if (fd < 0)
		return -errno;
	close(fd);
	err = create_finish(dir, name, S_IFCHR, makedev(0, 0), caller_uid(req), caller_gid(req), &v);
	if (!err)
		vnode_forget(v, 1);	/* nobody looked it up yet */
	return err;
}

void vo_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct rename_ctx c = {
		.od = vnode_get(parent), .nd = vnode_get(newparent),
		.on = name, .nn = newname, .flags = flags,
	};
	int err = create_prepare(c.nd, newname);

	if (!err)
		err = lookup_child(c.od, name, &c.s);
	if (err)
		goto out;
	err = lookup_child(c.nd, newname, &c.d);
	if (err == -ENOENT) {
		c.d = NULL;
		err = 0;
	}
	if (!err && c.d == c.s)
		goto out;	/* rename(2): same file, nothing to do */
	if (!err)
		err = rename_check(&c);
	/* RENAME_WHITEOUT is the view's: a host one would be our own
	 * whiteout, hiding the name instead of showing the device */
	c.flags &= ~RENAME_WHITEOUT;
	if (!err)
		err = do_rename(&c);
	if (!err && (flags & RENAME_WHITEOUT))
		err = leave_whiteout(req, c.od, name);
out:
	if (c.s)
		vnode_forget(c.s, 1);
	if (c.d)
		vnode_forget(c.d, 1);
	fuse_reply_err(req, -err);
}
