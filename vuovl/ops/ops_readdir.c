// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_readdir — opendir/readdir/readdirplus/releasedir over the merged
 * listing (readdir.c). readdirplus hands out looked-up entries: the
 * kernel needs no separate lookup per name. Two ways to read:
 *
 * - Zero-message opendir (vo.zero_opendir, with long timeouts): opendir
 *   answers ENOSYS once and the kernel opens directories itself and
 *   keeps their listings; a readdir then has no handle, so the listing
 *   lives in the vnode (v->rd) and offsets are cookies made from the
 *   names, which stay valid across rebuilds: a reader resumes after the
 *   last name it got even when the directory changed meanwhile.
 * - Otherwise a handle per open holds the listing (offsets: index + 1),
 *   rebuilt when a reader starts over (offset 0) after the directory
 *   changed, so `rm -rf`'s rewinddir sees what is left.
 */
#include "config.h"
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dir_handle {
	struct vo_dir list;
	unsigned version;
	pthread_mutex_t lock;
};

void vo_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vnode *v = vnode_get(ino);
	struct dir_handle *h;
	int err;

	if (!v->dirfds) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (vo.zero_opendir) {
		/* FUSE_CAP_NO_OPENDIR_SUPPORT: ENOSYS means "open it
		 * yourself, keep its listing"; no releasedir follows */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->version = v->version;
	err = listing_build(v, &h->list);
	if (err) {
		free(h);
		fuse_reply_err(req, -err);
		return;
	}
	pthread_mutex_init(&h->lock, NULL);
	fi->fh = (uintptr_t)h;
	/* With long entry timeouts (the daemon is the only writer) the
	 * kernel keeps the listing too; with short ones a cached listing
	 * would make it revalidate every expired name with its own LOOKUP,
	 * where a new readdirplus refreshes them all in a few requests. */
	if (vnode_timeout(v) >= VO_LONG_TIMEOUT) {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	}
	fuse_reply_open(req, fi);
}

static int refresh(struct vnode *v, struct dir_handle *h)
{
	struct vo_dir fresh;
	int err;

	if (h->version == v->version)
		return 0;
	h->version = v->version;
	err = listing_build(v, &fresh);
	if (err)
		return err;
	listing_free(&h->list);
	h->list = fresh;
	return 0;
}

static size_t add_plain(fuse_req_t req, struct vnode *dir, char *buf,
			size_t rem, struct vo_dirent *e, off_t next)
{
	struct stat st = { .st_ino = e->ino ? e->ino : 1, .st_mode = (mode_t)e->type << 12 };

	/* d_ino agrees with st_ino for what the kernel has looked up */
	if (e->name[0] != '.' || (strcmp(e->name, ".") && strcmp(e->name, "..")))
		st.st_ino = vnode_peek_ino(dir, e->name, st.st_ino);

	return fuse_add_direntry(req, buf, rem, e->name, &st, next);
}

/* More than rem when the entry did not fit (nothing taken), else its
 * size; *subdir: the entry's vnode when it is a directory that fit. */
static size_t add_plus(fuse_req_t req, struct vnode *dir, char *buf, size_t rem,
		       struct vo_dirent *e, off_t next, struct vnode **subdir)
{
	struct fuse_entry_param ep;
	struct vnode *v;
	size_t n;

	*subdir = NULL;
	if (!strcmp(e->name, ".") || !strcmp(e->name, "..")) {
		memset(&ep, 0, sizeof(ep));
		/* readdir(3) drops entries with inode 0 */
		ep.attr.st_ino = e->ino ? e->ino : 1;
		ep.attr.st_mode = S_IFDIR;
		return fuse_add_direntry_plus(req, buf, rem, e->name, &ep, next);
	}
	v = NULL;
	if (lookup_child(dir, e->name, &v) || ops_entry(v, &ep)) {
		/* vanished meanwhile: list it without attributes */
		if (v)
			vnode_forget(v, 1);
		memset(&ep, 0, sizeof(ep));
		ep.attr.st_ino = e->ino;
		ep.attr.st_mode = (mode_t)e->type << 12;
		v = NULL;
	}
	n = fuse_add_direntry_plus(req, buf, rem, e->name, &ep, next);
	if (v && n > rem)
		vnode_forget(v, 1);
	else if (v && v->dirfds)
		*subdir = v;
	return n;
}

static void readdir_by_cookie(fuse_req_t req, struct vnode *v, char *buf,
			      size_t size, off_t off, bool plus)
{
	pthread_mutex_t *lock = listing_lock(v);
	size_t rem = size, n, i, nsub = 0;
	struct vnode *sub[DIRAHEAD_BATCH], *s = NULL;
	char *p = buf;
	int err;

	pthread_mutex_lock(lock);
	err = listing_fresh(v);
	for (i = err ? 0 : listing_seek(v->rd, off); !err && i < v->rd->n; i++) {
		struct vo_dirent *e = &v->rd->ents[i];

		n = plus ? add_plus(req, v, p, rem, e, (off_t)e->cookie, &s)
			 : add_plain(req, v, p, rem, e, (off_t)e->cookie);
		if (n > rem)
			break;
		if (plus && s && vo.dirahead && nsub < DIRAHEAD_BATCH) {
			vnode_ref(s);
			sub[nsub++] = s;
		}
		p += n;
		rem -= n;
	}
	/* an empty answer ends a reader's walk: the kernel has the
	 * listing now (and keeps it: zero-message opendir), the next
	 * reader builds a fresh one */
	if (!err && rem == size) {
		v->rd_served = v->rd_version + 1;
		listing_drop(v);
	}
	pthread_mutex_unlock(lock);
	if (nsub)
		dirahead_push(sub, nsub);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, size - rem);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
	struct vnode *v = vnode_get(ino), *s;
	char *buf = malloc(size), *p = buf;
	size_t rem = size, n;
	int err = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (!h) {
		readdir_by_cookie(req, v, buf, size, off, plus);
		free(buf);
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (off == 0)
		err = refresh(v, h);
	for (; !err && (size_t)off < h->list.n; off++) {
		struct vo_dirent *e = &h->list.ents[off];

		n = plus ? add_plus(req, v, p, rem, e, off + 1, &s)
			 : add_plain(req, v, p, rem, e, off + 1);
		if (n > rem)
			break;
		p += n;
		rem -= n;
	}
	pthread_mutex_unlock(&h->lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

void vo_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void vo_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

void vo_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;

	if (!h) {	/* zero-message opendir: there was no handle */
		fuse_reply_err(req, 0);
		return;
	}

	listing_free(&h->list);
	pthread_mutex_destroy(&h->lock);
	free(h);
	fuse_reply_err(req, 0);
}

void vo_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	struct vnode *dir = vnode_get(ino);
	int err = vnode_wsc(dir) ? sidecar_flush(vnode_wsc(dir)) : 0;

	fuse_reply_err(req, -err);
}
