/*
 * ops_lookup — FUSE entry points that name and forget vnodes: lookup,
 * forget, readlink, statfs, and the session's init and destroy.
 */
#include "config.h"
#include "vuovl.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

void vo_init(void *userdata, struct fuse_conn_info *conn)
{
	/* the daemon is the only writer of its upper: caches stay valid */
	/* no EXPORT_SUPPORT: it would ask us to look up "..", and a layer
	 * root's ".." is a host directory outside the view */
	conn->want &= ~FUSE_CAP_EXPORT_SUPPORT;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	if (conn->capable & FUSE_CAP_SPLICE_MOVE)
		conn->want |= FUSE_CAP_SPLICE_MOVE;
	if (conn->capable & FUSE_CAP_SPLICE_READ)
		conn->want |= FUSE_CAP_SPLICE_READ;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO)
		conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* flock and POSIX locks stay local to the kernel: one view, one host */
	conn->want &= ~(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
	if (vo.writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	/* with long timeouts the kernel may open directories itself and
	 * keep their listings (kernel 5.1+); with short ones a kept listing
	 * would cost a LOOKUP per expired name at every later walk */
	if ((conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) &&
	    (!vo.timeout_given || vo.timeout >= VO_LONG_TIMEOUT))
		vo.zero_opendir = true;
	conn->max_write = 1u << 20;
	conn->max_readahead = 1u << 20;
	if (durable_start() < 0)
		vu_err("cannot start the copy-up sync thread: copies wait for the unmount");
	if (dirahead_start() < 0)
		vu_err("cannot start the directory read-ahead thread: walks go without it");
}

void vo_destroy(void *userdata)
{
	int i;

	(void)userdata;
	dirahead_stop();	/* it resolves names: before the sidecars go */
	/* the rows first (a mount that follows reads them), then the data
	 * of the last copies (a syncfs may take a while), then close */
	for (i = 0; i < vo.nlayers; i++)
		if (vo.layers[i].sc)
			(void)sidecar_flush(vo.layers[i].sc);	/* close retries and logs */
	durable_stop();
	for (i = 0; i < vo.nlayers; i++) {
		/* tolerated: nothing left to report it to; close logs it */
		(void)sidecar_close(vo.layers[i].sc);
		vo.layers[i].sc = NULL;
	}
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
	err = lookup_entry(v, &e);
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
