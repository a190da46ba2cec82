// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_lookup — FUSE entry points that name and forget vnodes: lookup,
 * forget, readlink, statfs; and the entry replies all of them share.
 */
#include "config.h"
#include "ops.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

int ops_entry(struct vnode *v, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = vnode_id(v);
	e->generation = v->gen;
	e->attr_timeout = vnode_timeout(v);
	e->entry_timeout = e->attr_timeout;
	return vnode_stat(v, &e->attr);
}

void vo_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct vnode *v;
	struct vnode *dir = vnode_get(parent);
	int err = lookup_child(dir, name, &v);

	if (err == -ENOENT) {
		/* a negative entry the kernel may cache as long as the
		 * directory's own name */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = vnode_timeout(dir);
		fuse_reply_entry(req, &e);
		return;
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = ops_entry(v, &e);
	if (err) {
		vnode_forget(v, 1);
		fuse_reply_err(req, -err);
		return;
	}
	fuse_reply_entry(req, &e);
}

void vo_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	vnode_forget(vnode_get(ino), nlookup);
	fuse_reply_none(req);
}

void vo_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++)
		vnode_forget(vnode_get(f[i].ino), f[i].nlookup);
	fuse_reply_none(req);
}

void vo_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct vnode *v = vnode_get(ino);
	char buf[PATH_MAX + 1];
	ssize_t n;

	pthread_mutex_lock(&v->lock);
	n = vnode_readlink(v, buf, sizeof(buf) - 1);
	pthread_mutex_unlock(&v->lock);
	if (n < 0) {
		fuse_reply_err(req, -n);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

void vo_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	int i;

	/* the upper is where writes land; else the top lower (or rule) */
	for (i = 0; i < vo.nlayers && vo.layers[i].fd < 0; i++)
		;
	memset(&sv, 0, sizeof(sv));
	sv.f_namemax = 255;
	sv.f_bsize = 4096;
	if (i < vo.nlayers && fstatvfs(vo.layers[i].fd, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_statfs(req, &sv);
}
