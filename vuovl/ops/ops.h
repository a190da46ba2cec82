/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ops — the FUSE entry points (libfuse's low-level API): each turns a
 * request into calls of the core (../core) and replies. Nothing below
 * them knows FUSE; the transport (../transport) carries what libfuse
 * 3.14 cannot say (kill flags, backing ids, io_uring).
 */
#ifndef VUOVL_OPS_H
#define VUOVL_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "core/core.h"
#include "transport/transport.h"

/* A file handle is the host fd; this bit marks an open the kernel
 * passes through (ops_passthrough.c). */
#define VO_FH_PT (1ull << 62)
static inline int vo_fh_fd(const struct fuse_file_info *fi)
{
	return (int)(fi->fh & ~VO_FH_PT);
}

/* The host fd a request on an open file goes through: its handle's, or
 * under -o noopen the vnode's (iofd.c: give *h back with iofd_put, NULL
 * here otherwise). fd or -errno. */
static inline int req_fd(struct vnode *v, const struct fuse_file_info *fi, bool write,
			 struct iofd **h)
{
	*h = NULL;
	if (!vo.noopen)
		return vo_fh_fd(fi);
	return iofd_get(v, write, h);
}

/* The ids of the caller of req, which own what it makes, as the layers
 * store them (meta_id_in). */
static inline uid_t caller_uid(fuse_req_t req)
{
	return meta_id_in(0, fuse_req_ctx(req)->uid);
}

static inline gid_t caller_gid(fuse_req_t req)
{
	return meta_id_in(1, fuse_req_ctx(req)->gid);
}

/* ops_lookup.c: fills an entry reply from v (attributes, timeouts). */
int ops_entry(struct vnode *v, struct fuse_entry_param *e);

/* ops_attr.c: drops set-id bits and the file capability, as the kernel
 * does on write and truncate (regular files) and chown (every
 * non-directory): 1 if it dropped any, 0, -errno. */
int attr_kill_priv(struct vnode *v, bool chown);
/* ops_attr.c: the permission bits (0777) of v's mode become perm, the
 * rest of the mode kept (a POSIX access ACL was set). 0 or -errno. */
int attr_set_perm(struct vnode *v, mode_t perm);
/* ops_xattr.c */
int xattr_drop_capability(struct vnode *v);	/* 1 dropped, 0 none, -errno */
/* After a chmod of v: its access ACL, if any, takes the new bits. */
int xattr_acl_chmod(struct vnode *v, mode_t mode);

/* ops_passthrough.c */
/* Just before replying to an open of v whose fi->fh was opened from
 * layer: passes it through when it can; -ETXTBSY when the kernel still
 * holds another backing file for v. */
int pt_open(struct vnode *v, int layer, struct fuse_file_info *fi);
void pt_release(struct vnode *v, uint64_t fh);

/* ops_*.c entry points */
void vo_init(void *userdata, struct fuse_conn_info *conn);
void vo_destroy(void *userdata);
void vo_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void vo_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void vo_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi);
void vo_readlink(fuse_req_t req, fuse_ino_t ino);
void vo_statfs(fuse_req_t req, fuse_ino_t ino);
void vo_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void vo_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void vo_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void vo_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void vo_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags);
void vo_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void vo_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void vo_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vo_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi);
void vo_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi);
void vo_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi);
void vo_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vo_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi);
void vo_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags);
void vo_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi);
void vo_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	      struct fuse_file_info *fi, unsigned flags, const void *in_buf,
	      size_t in_bufsz, size_t out_bufsz);
void vo_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
void vo_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void vo_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void vo_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

extern const struct fuse_lowlevel_ops vo_ops;

#endif
