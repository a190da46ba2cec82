// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_file — open files. A file handle is a host fd opened with openat
 * beneath the parent's layer directory (never re-opened through /proc,
 * which a pivot_root would break). Opening for writing copies the file
 * up first; reads of a placeholder go to the layer holding the data.
 */
#include "config.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* With the writeback cache the kernel reads around partial writes and
 * appends itself: a write-only open must read, O_APPEND must go.
 * O_DIRECT is the kernel's business towards the view (it bypasses its
 * cache): the requests reach us in unaligned buffers the host's
 * O_DIRECT would refuse. */
static int host_flags(int flags)
{
	flags &= ~O_DIRECT;
	if (!vo.writeback)
		return flags;
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags & ~O_APPEND;
}

void vo_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vnode *v = vnode_get(ino);
	int flags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY), fd, err = 0;
	bool kill = devio_take_kill(req);	/* O_TRUNC without CAP_FSETID */
	int layer = v->dlayer;

	if (wants_write(fi->flags)) {
		if (vnode_ro(v))
			err = -EROFS;
		else if (vo.layers[layer].mincow && layer != 0 &&
			 (fd = vnode_open_host(v, layer, host_flags(flags), 0)) >= 0)
			goto opened;	/* mincow: the host allows it in place */
		else
			err = copyup_data(v);
		if (err) {
			fuse_reply_err(req, -err);
			return;
		}
		layer = v->dlayer;
	}
	fd = vnode_open_host(v, layer, host_flags(flags), 0);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
opened:
	fi->fh = fd;
	/* the daemon is the only writer: the kernel's pages stay valid */
	fi->keep_cache = 1;
	/* there is no flush op (ops.c): spare close(2) even the one
	 * round trip that finds that out */
	fi->noflush = 1;
	/* an O_TRUNC open: the kernel refetches the attributes after it */
	err = kill ? attr_kill_priv(v, false) : 0;
	if (err >= 0)
		err = pt_open(v, layer, fi);
	if (err < 0) {
		close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	fuse_reply_open(req, fi);
}

void vo_create(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, struct fuse_file_info *fi)
{
	struct vnode *dir = vnode_get(parent), *v = NULL;
	struct fuse_entry_param e;
	int err = create_prepare(dir, name), fd = -1, freed = 0;

	if (!err && (freed = create_free_place(dir, name)) < 0)
		err = freed;
	if (err)
		goto fail;
	fd = openat(dir->dirfds[0], name,
		    host_flags(fi->flags & ~O_NOCTTY) | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    (mode & 0777) | S_IRUSR | S_IWUSR);
	if (fd < 0) {
		err = -errno;
		create_keep_hidden(dir, name, freed);
		goto fail;
	}
	err = create_finish(dir, name, S_IFREG | (mode & 07777), 0, caller_uid(req), caller_gid(req), &v);
	if (!err) {
		err = ops_entry(v, &e);
		if (err)
			vnode_forget(v, 1);
	}
	if (err)
		goto fail;
	fi->fh = fd;
	fi->keep_cache = 1;
	fi->noflush = 1;
	err = pt_open(v, 0, fi);	/* a new file: never busy */
	if (err) {
		vnode_forget(v, 1);
		goto fail;
	}
	fuse_reply_create(req, &e, fi);
	return;
fail:
	if (fd >= 0)
		close(fd);
	fuse_reply_err(req, -err);
}

void vo_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	void *ring = uring_payload(size);

	/* a ring's reply cannot splice: read into the ring's buffer */
	if (ring) {
		ssize_t n = pread(vo_fh_fd(fi), ring, size, off);

		if (n < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_buf(req, ring, n);
		return;
	}
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = vo_fh_fd(fi);
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void vo_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in,
		  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	ssize_t n;

	/* a writer without CAP_FSETID (devio.c) */
	if (devio_take_kill(req) && (n = attr_kill_priv(vnode_get(ino), false)) != 0) {
		if (n < 0) {
			fuse_reply_err(req, -n);
			return;
		}
		devio_attr_changed(ino);
	}
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = vo_fh_fd(fi);
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, in, 0);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

void vo_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	pt_release(vnode_get(ino), fi->fh);
	close(vo_fh_fd(fi));
	fuse_reply_err(req, 0);
}

void vo_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	int fd = vo_fh_fd(fi), err = (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0;
	struct vnode *v = vnode_get(ino);

	/* a copy still marked a placeholder becomes durable now */
	if (!err)
		err = -durable_sync(v);
	/* the file's virtual metadata is part of what fsync promises */
	if (!err && vnode_wsc(v))
		err = -sidecar_flush(vnode_wsc(v));
	fuse_reply_err(req, err);
}

void vo_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi)
{
	fuse_reply_err(req, fallocate(vo_fh_fd(fi), mode, offset, length) < 0 ? errno : 0);
}

void vo_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags)
{
	/* both ends are host files: the host copies (reflink or in-kernel) */
	ssize_t n = copy_file_range(vo_fh_fd(fi_in), &off_in, vo_fh_fd(fi_out), &off_out,
				    len, flags);

	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, n);
}

void vo_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi)
{
	off_t r = lseek(vo_fh_fd(fi), off, whence);

	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}
