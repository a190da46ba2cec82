// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops — the FUSE low-level operations table, and the session's start
 * (what vuovl asks of the kernel at INIT) and end. Locks (flock, POSIX)
 * are left to the kernel: one view, one host.
 */
#include "config.h"
#include "ops.h"

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
	/* -o noopen (iofd.c): OPEN answered ENOSYS once, after which the
	 * kernel opens and closes files without a round trip. Not with
	 * passthrough (its opens name a backing file), nor where a part of
	 * the view refuses writes (only an OPEN refuses them at open(2)).
	 * O_TRUNC then comes as a SETATTR, not inside the OPEN we never see. */
	if (!vo.opens && !vo.passthrough && !rules_refuse_writes() &&
	    (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT)) {
		vo.noopen = true;
		conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
		iofd_init();
	}
	conn->max_write = 1u << 20;
	conn->max_readahead = 1u << 20;
	core_start();
}

void vo_destroy(void *userdata)
{
	(void)userdata;
	core_stop();
}

const struct fuse_lowlevel_ops vo_ops = {
	.init = vo_init,
	.destroy = vo_destroy,
	.lookup = vo_lookup,
	.forget = vo_forget,
	.forget_multi = vo_forget_multi,
	.getattr = vo_getattr,
	.setattr = vo_setattr,
	.readlink = vo_readlink,
	.mknod = vo_mknod,
	.mkdir = vo_mkdir,
	.symlink = vo_symlink,
	.link = vo_link,
	.unlink = vo_unlink,
	.rmdir = vo_rmdir,
	.rename = vo_rename,
	.open = vo_open,
	.create = vo_create,
	.read = vo_read,
	.write_buf = vo_write_buf,
	/* no flush: it has nothing to do (ENOSYS once, then the kernel
	 * stops asking, also under the writeback cache) */
	.release = vo_release,
	.fsync = vo_fsync,
	.opendir = vo_opendir,
	.readdir = vo_readdir,
	.readdirplus = vo_readdirplus,
	.releasedir = vo_releasedir,
	.fsyncdir = vo_fsyncdir,
	.statfs = vo_statfs,
	.setxattr = vo_setxattr,
	.getxattr = vo_getxattr,
	.listxattr = vo_listxattr,
	.removexattr = vo_removexattr,
	.fallocate = vo_fallocate,
	.lseek = vo_lseek,
	.copy_file_range = vo_copy_file_range,
	.ioctl = vo_ioctl,	/* control requests (ops_ctl.c) */
};
