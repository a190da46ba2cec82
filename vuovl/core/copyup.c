// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copyup — bringing a lower object into the upper layer, overlayfs
 * style: parents first; data copied into UPPER/.vuovl/work and renamed
 * into place, so a crash never shows a partial file; reflink, then
 * copy_file_range, then read/write; a metadata-only change makes an
 * empty placeholder (metacopy) and leaves the data below. Virtual
 * metadata and the view inode number follow the object into the upper
 * sidecar. Owns nothing but the work directory's temporary names.
 */
#include "config.h"
#include "core.h"
#include "whiteout.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/*
 * What the host could not give the copy becomes virtual: the owner and
 * group of a lower object the user does not own (a podman layer, a tree
 * unpacked by real root), and mode bits the copy lacks (set-id bits, a
 * mode without u+rw). Fields the row already has win. up: the copy's
 * host stat; placeholder marks (the host sticky bit) are not its mode.
 */
static void keep_lower_meta(struct vnode *v, int lower, struct vmeta *m, struct stat *low,
			    struct stat *up, bool marked)
{
	mode_t upmode = up->st_mode & 07777;

	/* each layer's owner of a file without a row (vuovl-sidecar(5)) */
	meta_host_owner(vnode_layer_sc(v, lower), low);
	meta_host_owner(vnode_wsc(v), up);
	if (marked)
		upmode &= ~S_ISVTX;
	if (!(m->mask & VMETA_UID) && low->st_uid != up->st_uid) {
		m->mask |= VMETA_UID;
		m->uid = low->st_uid;
	}
	if (!(m->mask & VMETA_GID) && low->st_gid != up->st_gid) {
		m->mask |= VMETA_GID;
		m->gid = low->st_gid;
	}
	if (!(m->mask & VMETA_MODE) && !S_ISLNK(low->st_mode) &&
	    (low->st_mode & 07777) != upmode) {
		m->mask |= VMETA_MODE;
		m->mode = low->st_mode;
	}
}

/* Copies user.* xattrs; the host refuses the others to a user (they
 * live in the sidecar, copied with the row). Failures are tolerated:
 * the upper fs may not support user xattrs (overlayfs does the same
 * with ENOTSUP). */
static void copy_xattrs(int src, int dst)
{
	char list[4096], val[4096], *n;
	ssize_t len = flistxattr(src, list, sizeof(list)), vl;

	for (n = list; len > 0 && n < list + len; n += strlen(n) + 1) {
		if (strncmp(n, "user.", 5))
			continue;
		vl = fgetxattr(src, n, val, sizeof(val));
		if (vl >= 0)
			(void)fsetxattr(dst, n, val, vl, 0);	/* tolerated, see above */
	}
}

static void tmp_name(char *buf, size_t size)
{
	unsigned long seq = atomic_fetch_add_explicit(&vo.cu_seq, 1, memory_order_relaxed) + 1;

	snprintf(buf, size, "cu.%ld.%lu", (long)getpid(), seq);
}

static int copy_data(int src, int dst, off_t size)
{
	char buf[1 << 16];
	ssize_t n, w;
	off_t done = 0;

	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	while (done < size) {
		n = copy_file_range(src, NULL, dst, NULL, size - done, 0);
		if (n <= 0)
			break;
		done += n;
	}
	if (done >= size)
		return 0;
	/* copy_file_range refused (EXDEV on old kernels, EINVAL...) */
	if (lseek(src, done, SEEK_SET) < 0 || lseek(dst, done, SEEK_SET) < 0)
		return -errno;
	while ((n = read(src, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (n > 0) {
			w = write(dst, p, n);
			if (w < 0)
				return -errno;
			p += w;
			n -= w;
		}
	}
	return n < 0 ? -errno : 0;
}

/* The parent's upper dir fd, parent copied up first. Takes a ref on
 * *pp the caller drops. */
static int upper_parent(struct vnode *v, struct vnode **pp, char *name)
{
	struct vnode *p;
	int err;

	pthread_mutex_lock(&vo.tab.lock);
	p = v->parent;
	if (!p || v->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	p->refs++;
	strcpy(name, v->name);
	pthread_mutex_unlock(&vo.tab.lock);
	/* an except path goes where what lies below the rule goes */
	err = rules_is_except(v) ? 0 : copyup_dir(p);
	if (err) {
		vnode_unref(p);
		return err;
	}
	*pp = p;
	return 0;
}

/* The write directory of what lies below the rule at p (p's shadow),
 * made when missing: where an except child of p is copied up. */
static int shadow_wdir(struct vnode *p)
{
	char name[NAME_MAX + 1];
	struct vnode *pp;
	int fd, pfd, err;

	if (!p->shadow) {
		/* above the rule: what p is, is what lies below it */
		err = copyup_dir(p);
		return err ? err : p->dirfds[0];
	}
	pthread_mutex_lock(&p->lock);
	fd = p->shadow[0];
	pthread_mutex_unlock(&p->lock);
	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&vo.tab.lock);
	pp = p->parent;
	if (!pp || p->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	pp->refs++;
	snprintf(name, sizeof(name), "%s", p->name);
	pthread_mutex_unlock(&vo.tab.lock);
	pfd = shadow_wdir(pp);
	fd = pfd < 0 ? pfd : mkdirat(pfd, name, 0755 | S_IRWXU) < 0 && errno != EEXIST ? -errno
		: openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		fd = -errno;
	vnode_unref(pp);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&p->lock);
	if (p->shadow[0] < 0)
		p->shadow[0] = fd;
	else
		close(fd);
	fd = p->shadow[0];
	pthread_mutex_unlock(&p->lock);
	return fd;
}

/* The directory v's copy goes into: its parent's write dir. */
static int parent_wdir(struct vnode *v, struct vnode *p)
{
	return rules_is_except(v) ? shadow_wdir(p) : p->dirfds[0];
}

int copyup_dir(struct vnode *dir)
{
	char name[NAME_MAX + 1];
	struct vnode *p = NULL;
	struct vmeta m;
	struct stat st, ust;
	int err = 0, fd, pfd, lower;

	if (dir->dirfds[0] >= 0)	/* set once, never unset: no lock */
		return 0;
	if (!dir->scope->writable || vo.layers[dir->scope->wlayer].fd < 0)
		return -EROFS;
	err = upper_parent(dir, &p, name);
	if (err)
		return err;
	pfd = parent_wdir(dir, p);	/* before our lock: it may lock p */
	pthread_mutex_lock(&dir->lock);
	if (dir->dirfds[0] >= 0)
		goto out;
	if (dir->virt) {
		rules_virt_stat(dir, &st);
	} else if (fstatat(dir->fd, "", &st, AT_EMPTY_PATH) < 0) {
		err = -errno;
		goto out;
	}
	if (pfd < 0) {
		err = pfd;
		goto out;
	}
	if (mkdirat(pfd, name, (st.st_mode & 07777) | S_IRWXU) < 0 && errno != EEXIST) {
		err = -errno;
		goto out;
	}
	fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		int rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int sfd = dir->virt ? -1 : openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (rfd >= 0 && sfd >= 0)
			copy_xattrs(sfd, rfd);
		if (rfd >= 0) {
			(void)futimens(rfd, ts);	/* cosmetic: times only */
			close(rfd);
		}
		if (sfd >= 0)
			close(sfd);
	}
	lower = dir->layer;
	dir->dirfds[0] = fd;
	dir->fd = fd;
	dir->layer = dir->dlayer = 0;
	m = dir->meta;
	if (!dir->virt && fstat(fd, &ust) == 0)
		keep_lower_meta(dir, lower, &m, &st, &ust, false);
	dir->virt = false;
	m.flags &= ~VMETA_F_BELOW;	/* the row is about this copy now */
	m.mask |= VMETA_INO;
	m.ino = dir->ino ^ vnode_ctx_bits(dir);
	err = meta_set(dir, &m);
	vu_debug(VU_CAT_COPYUP, "copy-up dir %s: %d", name, err);
out:
	pthread_mutex_unlock(&dir->lock);
	vnode_unref(p);
	return err;
}

/* Caller holds v->lock. Makes the temporary copy in the work dir. */
static int make_copy(struct vnode *v, const char *tmp, bool meta_only, bool *defer,
		     struct stat *out, struct stat *lower)
{
	struct stat st;
	int src = -1, dst = -1, err = 0;
	char target[PATH_MAX];
	ssize_t n;
	int workfd = vo.layers[v->scope->wlayer].workfd;

	err = vnode_hstat(v, v->layer, &st);
	if (err)
		return err;
	*lower = st;
	if (S_ISLNK(st.st_mode)) {
		n = vnode_readlink(v, target, sizeof(target) - 1);
		if (n < 0)
			return n;
		target[n] = '\0';
		if (symlinkat(target, workfd, tmp) < 0)
			return -errno;
		*defer = false;
		goto done;
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		if (mknodat(workfd, tmp, (st.st_mode & ~07000) | S_IRUSR | S_IWUSR, 0) < 0)
			return -errno;
		*defer = false;
		goto done;
	}
	/* regular files, and device nodes (an empty file, type virtual);
	 * the host mode follows the view's, the owner keeping rw (as chmod
	 * in the view does: ops_attr.c) */
	if (v->meta.mask & VMETA_MODE)
		st.st_mode = (st.st_mode & ~07777) | (v->meta.mode & 0777);
	dst = openat(workfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     (st.st_mode & 0777) | S_IRUSR | S_IWUSR);
	if (dst < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		src = vnode_open_host(v, v->dlayer, O_RDONLY, 0);
		if (src < 0) {
			err = src;
			goto fail;
		}
		/* a placeholder: the right size, no data, and the host sticky
		 * bit that marks it on disk (see lookup.c) */
		if (meta_only && (ftruncate(dst, st.st_size) < 0 ||
				  fchmod(dst, (st.st_mode & 0777) | S_IRUSR | S_IWUSR | S_ISVTX) < 0))
			err = -errno;
		else if (!meta_only)
			err = copy_data(src, dst, st.st_size);
		if (!err)
			copy_xattrs(src, dst);
		close(src);
		if (err)
			goto fail;
	}
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		(void)futimens(dst, ts);	/* cosmetic: times only */
	}
	/* durable before it becomes visible (rename publishes it), or
	 * marked a placeholder until a batch sync made it so (durable.c) */
	*defer = *defer && !meta_only && !vo.volatile_ && S_ISREG(st.st_mode);
	if (*defer && fchmod(dst, (st.st_mode & 0777) | S_IRUSR | S_IWUSR | S_ISVTX) < 0) {
		err = -errno;
		goto fail;
	}
	if (!*defer && !meta_only && !vo.volatile_ && fsync(dst) < 0) {
		err = -errno;
		goto fail;
	}
	close(dst);
done:
	if (fstatat(workfd, tmp, out, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		/* the host refuses mknod: keep type and rdev virtual */
		if (!(v->meta.mask & VMETA_MODE)) {
			v->meta.mask |= VMETA_MODE;
			v->meta.mode = st.st_mode;
		}
		if (!(v->meta.mask & VMETA_RDEV)) {
			v->meta.mask |= VMETA_RDEV;
			v->meta.rdev = st.st_rdev;
		}
	}
	return 0;
fail:
	close(dst);
	unlinkat(workfd, tmp, 0);
	return err;
}

/*
 * The data of a metacopy placeholder, copied into the placeholder itself
 * (same inode: its sidecar row stays valid, xattrs included). Crash-safe
 * by order: while the host sticky bit marks it a placeholder, reads go
 * below and its bytes do not matter; the bit goes only after the data
 * are durable. Caller holds v->lock.
 */
static int fill_placeholder(struct vnode *v, bool defer)
{
	struct sidecar *sc = vnode_wsc(v);
	struct stat lst, ust;
	struct vmeta m;
	char *path = NULL;
	int src = -1, dst = -1, err;

	err = vnode_hstat(v, v->dlayer, &lst);
	if (!err && (src = vnode_open_host(v, v->dlayer, O_RDONLY, 0)) < 0)
		err = src;
	if (!err && (dst = vnode_open_host(v, 0, O_WRONLY, 0)) < 0)
		err = dst;
	if (!err && ftruncate(dst, 0) < 0)
		err = -errno;
	if (!err)
		err = copy_data(src, dst, lst.st_size);
	defer = defer && !vo.volatile_;
	if (!err && !defer && !vo.volatile_ && fsync(dst) < 0)
		err = -errno;
	/* the data are here: no longer a placeholder on disk (at once, or
	 * once a batch sync made them durable) */
	if (!err && (fstat(dst, &ust) < 0 ||
		     (!defer && fchmod(dst, ust.st_mode & 0777) < 0) || fstat(dst, &ust) < 0))
		err = -errno;
	if (!err && !(path = vnode_wpath(v, NULL)))
		err = -ENOMEM;
	if (!err && sc) {
		m = v->meta;
		m.mask |= VMETA_FLAGS;
		m.flags &= ~(VMETA_F_METACOPY | VMETA_F_BELOW);
		err = sidecar_set(sc, path, &ust, &m);
		if (!err)
			v->meta = m;
	}
	if (!err)
		v->dlayer = 0;
	if (!err && defer) {
		v->unsynced = true;
		err = durable_add(v);
	}
	vu_debug(VU_CAT_COPYUP, "fill placeholder %s: %d", path ? path : "?", err);
	free(path);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return err;
}

/* A close sends RELEASE in the background: the open that follows it
 * can reach the daemon first, on another thread or another CPU's ring.
 * Only a copy-up that finds passthrough opens waits, a few ms at most. */
#define SETTLE_TRIES 50
#define SETTLE_NS 1000000L

static void pt_settle(struct vnode *v)
{
	int i;

	for (i = 0; i < SETTLE_TRIES; i++) {
		bool busy;

		pthread_mutex_lock(&v->lock);
		busy = pt_busy(v);
		pthread_mutex_unlock(&v->lock);
		if (!busy)
			return;
		nanosleep(&(struct timespec){ 0, SETTLE_NS }, NULL);
	}
}

/* The one path for both kinds of copy-up. */
static int do_copyup(struct vnode *v, bool meta_only, bool sync)
{
	char name[NAME_MAX + 1], tmp[64];
	struct vnode *p = NULL;
	struct sidecar *sc = vnode_wsc(v);
	struct stat st, lst;
	struct vmeta m;
	char *path = NULL;
	int err, pfd, workfd = vo.layers[v->scope->wlayer].workfd;
	bool defer;

	if (v->dirfds)
		return copyup_dir(v);
	if (vnode_dlayer(v)->inplace || v->dlayer == 0)
		return 0;	/* in place: a file bound as it is, or copied */
	if (!v->scope->writable || workfd < 0)
		return -EROFS;
	err = upper_parent(v, &p, name);
	if (err)
		return err;
	pfd = parent_wdir(v, p);	/* before v's lock: it may lock p */
	if (pfd < 0) {
		vnode_unref(p);
		return pfd;
	}
	if (vo.passthrough)
		pt_settle(v);
	pthread_mutex_lock(&v->lock);
	if (v->dlayer == 0 || (meta_only && v->layer == 0))
		goto out;
	/* -o passthrough: the kernel reads the old data for files still
	 * open and takes no other backing file for v until they close */
	if (v->layer == 0) {
		err = pt_busy(v) ? -ETXTBSY : fill_placeholder(v, !sync);
		goto out;
	}
	/* placeholders only in the upper: a bound host dir's own files
	 * could carry the sticky bit that marks them */
	meta_only = meta_only && sc && v->type == S_IFREG && v->layer == v->dlayer &&
		    v->scope->wlayer == 0;
	if (!meta_only && pt_busy(v)) {
		err = -ETXTBSY;
		goto out;
	}
	tmp_name(tmp, sizeof(tmp));
	defer = !sync;
	err = make_copy(v, tmp, meta_only, &defer, &st, &lst);
	if (err)
		goto out;
	path = vnode_wpath(v, NULL);
	if (!path) {
		err = -ENOMEM;
		goto unlink;
	}
	m = v->meta;
	keep_lower_meta(v, v->layer, &m, &lst, &st, meta_only || defer);
	m.mask |= VMETA_INO | VMETA_FLAGS;
	m.ino = v->ino ^ vnode_ctx_bits(v);
	m.flags &= ~VMETA_F_BELOW;	/* the row is about this copy now */
	m.flags = meta_only ? (m.flags | VMETA_F_METACOPY) : (m.flags & ~VMETA_F_METACOPY);
	/* no flush needed: the placeholder is marked on disk itself */
	if (sc && (err = sidecar_set(sc, path, &st, &m)))
		goto unlink;
	if (renameat(workfd, tmp, pfd, name) < 0) {
		err = -errno;
		goto unlink;
	}
	if (v->fd >= 0)
		close(v->fd);	/* a pin on the lower object: no longer it */
	v->fd = -1;
	v->meta = m;
	/* overlayfs without an index: lower hard links part at copy-up */
	vnode_unindex_inode(v);
	v->layer = 0;
	if (!meta_only)
		v->dlayer = 0;
	if (defer) {
		v->unsynced = true;
		err = durable_add(v);
	}
	vu_debug(VU_CAT_COPYUP, "copy-up %s (%s)", path, meta_only ? "meta" : "data");
	goto out;
unlink:
	unlinkat(workfd, tmp, 0);
out:
	pthread_mutex_unlock(&v->lock);
	free(path);
	vnode_unref(p);
	return err;
}

int copyup_data(struct vnode *v)
{
	return do_copyup(v, false, false);
}

int copyup_data_sync(struct vnode *v)
{
	int err = do_copyup(v, false, true);

	/* copied earlier for a write, still marked: durable now */
	return err ? err : durable_sync(v);
}

int copyup_meta(struct vnode *v)
{
	return do_copyup(v, true, true);
}

/* Caller holds dir->lock: the directory is whole in the upper layer
 * and opaque; its lower parts no longer take part. */
static void drop_lower(struct vnode *dir)
{
	int i;

	for (i = 1; i < vo.nlayers; i++)
		if (dir->dirfds[i] >= 0) {
			close(dir->dirfds[i]);
			dir->dirfds[i] = -1;
		}
}

int copyup_tree(struct vnode *dir)
{
	struct vo_dir list;
	struct vnode *c;
	size_t k;
	int err = copyup_dir(dir);

	if (!err)
		err = listing_build(dir, &list);
	if (err)
		return err;
	for (k = 2; !err && k < list.n; k++) {	/* after "." and ".." */
		c = NULL;
		err = lookup_child(dir, list.ents[k].name, &c);
		if (err == -ENOENT) {
			err = 0;	/* gone meanwhile */
			continue;
		}
		if (!err)
			err = c->dirfds ? copyup_tree(c) : copyup_data_sync(c);
		if (c)
			vnode_forget(c, 1);
		c = NULL;
	}
	listing_free(&list);
	if (err)
		return err;
	pthread_mutex_lock(&dir->lock);
	err = whiteout_set_opaque(dir->dirfds[0]);
	if (!err) {
		/* its own whiteouts hide nothing now: opaque says it all */
		err = create_clean_upper_dir(dir->dirfds[0]);
		if (!err)
			err = whiteout_set_opaque(dir->dirfds[0]);
		drop_lower(dir);
		dir->version++;
	}
	pthread_mutex_unlock(&dir->lock);
	return err;
}
