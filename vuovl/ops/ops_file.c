// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_file — open files. A file handle is a host fd opened with openat
 * beneath the parent's layer directory (never re-opened through /proc,
 * which a pivot_root would break). Opening for writing copies the file
 * up first; reads of a placeholder go to the layer holding the data.
 * Under -o noopen (the default) the kernel opens files without us: no
 * handle, and each request goes through the vnode's fd (iofd.c), the
 * first write copying up.
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

	/* ENOSYS once: the kernel stops sending OPEN and RELEASE (iofd.c) */
	if (vo.noopen) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
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
	if (vo.noopen) {
		/* no RELEASE will come for a handle: the vnode keeps the fd
		 * for the requests that follow, when it can read and write
		 * at any offset for any opener (no O_APPEND, no O_SYNC) */
		int hf = host_flags(fi->flags);

		if ((hf & O_ACCMODE) == O_RDWR && !(hf & (O_APPEND | O_SYNC | O_DSYNC)))
			iofd_offer(v, fd, true);
		else
			close(fd);
		fd = -1;
		fi->fh = 0;
	} else {
		fi->fh = fd;
	}
	fi->keep_cache = 1;
	fi->noflush = 1;
	err = vo.noopen ? 0 : pt_open(v, 0, fi);	/* a new file: never busy */
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
	struct iofd *h;
	int fd = req_fd(vnode_get(ino), fi, false, &h);

	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	/* a ring's reply cannot splice: read into the ring's buffer */
	if (ring) {
		ssize_t n = pread(fd, ring, size, off);

		if (n < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_buf(req, ring, n);
		iofd_put(h);
		return;
	}
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
	iofd_put(h);
}

void vo_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in,
		  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	bool kill = devio_take_kill(req);
	struct iofd *h;
	ssize_t n;
	int fd = req_fd(vnode_get(ino), fi, true, &h);	/* may copy up: before the kill */

	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	/* a writer without CAP_FSETID (devio.c) */
	if (kill && (n = attr_kill_priv(vnode_get(ino), false)) != 0) {
		if (n < 0) {
			iofd_put(h);
			fuse_reply_err(req, -n);
			return;
		}
		devio_attr_changed(ino);
	}
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = fd;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, in, 0);
	iofd_put(h);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

void vo_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* -o noopen: a CREATE's before the kernel learnt it (fh 0, no fd) */
	if (!vo.noopen) {
		pt_release(vnode_get(ino), fi->fh);
		close(vo_fh_fd(fi));
	}
	fuse_reply_err(req, 0);
}

void vo_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	struct vnode *v = vnode_get(ino);
	struct iofd *h;
	int fd = req_fd(v, fi, false, &h), err;

	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	err = (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0;
	iofd_put(h);

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
	struct iofd *h;
	int fd = req_fd(vnode_get(ino), fi, true, &h), err;

	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	err = fallocate(fd, mode, offset, length) < 0 ? errno : 0;
	iofd_put(h);
	fuse_reply_err(req, err);
}

void vo_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags)
{
	struct iofd *hin = NULL, *hout = NULL;
	int in = req_fd(vnode_get(ino_in), fi_in, false, &hin), out = -1;
	ssize_t n = in;

	if (in >= 0 && (out = req_fd(vnode_get(ino_out), fi_out, true, &hout)) < 0)
		n = out;
	/* both ends are host files: the host copies (reflink or in-kernel) */
	if (n >= 0 && (n = copy_file_range(in, &off_in, out, &off_out, len, flags)) < 0)
		n = -errno;
	iofd_put(hin);
	iofd_put(hout);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

void vo_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi)
{
	struct iofd *h;
	int fd = req_fd(vnode_get(ino), fi, false, &h);
	off_t r = fd < 0 ? fd : lseek(fd, off, whence);

	if (fd >= 0 && r < 0)
		r = -errno;
	iofd_put(h);
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_lseek(req, r);
}
