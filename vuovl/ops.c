/*
 * ops — the FUSE low-level operations table, nothing else. Locks
 * (flock, POSIX) are left to the kernel: one view, one host.
 */
#include "config.h"
#include "vuovl.h"

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
