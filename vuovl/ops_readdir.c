/*
 * ops_readdir — opendir/readdir/readdirplus/releasedir over the merged
 * listing (readdir.c). The listing is rebuilt when a reader starts over
 * (offset 0) after the directory changed, so `rm -rf`'s rewinddir sees
 * what is left. readdirplus hands out looked-up entries: the kernel
 * needs no separate lookup per name.
 */
#include "config.h"
#include "vuovl.h"

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
	struct dir_handle *h = calloc(1, sizeof(*h));
	int err;

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (!v->dirfds) {
		free(h);
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	h->version = v->version;
	err = dir_list(v, &h->list);
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
	if (vo.timeout >= VO_LONG_TIMEOUT) {
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
	err = dir_list(v, &fresh);
	if (err)
		return err;
	dir_release(&h->list);
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

/* 0 when the entry did not fit (nothing taken), else its size. */
static size_t add_plus(fuse_req_t req, struct vnode *dir, char *buf, size_t rem,
		       struct vo_dirent *e, off_t next)
{
	struct fuse_entry_param ep;
	struct vnode *v;
	size_t n;

	if (!strcmp(e->name, ".") || !strcmp(e->name, "..")) {
		memset(&ep, 0, sizeof(ep));
		/* readdir(3) drops entries with inode 0 */
		ep.attr.st_ino = e->ino ? e->ino : 1;
		ep.attr.st_mode = S_IFDIR;
		return fuse_add_direntry_plus(req, buf, rem, e->name, &ep, next);
	}
	if (lookup_child(dir, e->name, &v) || lookup_entry(v, &ep)) {
		/* vanished meanwhile: list it without attributes */
		memset(&ep, 0, sizeof(ep));
		ep.attr.st_ino = e->ino;
		ep.attr.st_mode = (mode_t)e->type << 12;
		v = NULL;
	}
	n = fuse_add_direntry_plus(req, buf, rem, e->name, &ep, next);
	if (v && n > rem)
		vnode_forget(v, 1);
	return n;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
	struct vnode *v = vnode_get(ino);
	char *buf = malloc(size), *p = buf;
	size_t rem = size, n;
	int err = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (off == 0)
		err = refresh(v, h);
	for (; !err && (size_t)off < h->list.n; off++) {
		struct vo_dirent *e = &h->list.ents[off];

		n = plus ? add_plus(req, v, p, rem, e, off + 1)
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

	dir_release(&h->list);
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
