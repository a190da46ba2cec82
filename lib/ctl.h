/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl — control requests a program sends a mounted view as ioctls on one
 * of its directories (restricted FUSE ioctls: fixed-size arguments the
 * kernel copies in). Shared by the daemon (vuovl/ops_ctl.c) and
 * vuchroot's mknod supervisor (vuchroot/supervise.c).
 */
#ifndef VU_CTL_H
#define VU_CTL_H

#include <stdint.h>
#include <sys/ioctl.h>

/*
 * Make a virtual device node NAME in the directory the ioctl is made on:
 * an empty host file whose type (S_IFCHR or S_IFBLK), permissions, rdev
 * and owner live in the sidecar, as if mknod(2) had made it. Only the
 * root of the daemon's user namespace may ask (vuchroot's supervisor,
 * which has checked the caller's CAP_MKNOD and passes its fsuid/fsgid).
 * Replies 0 or the errno mknod(2) would give (EEXIST, EROFS...).
 */
struct vuovl_ctl_mknod {
	uint32_t mode;		/* S_IFCHR or S_IFBLK | 07777 */
	uint32_t uid, gid;	/* the owner, ids of the daemon's namespace */
	uint32_t reserved;	/* 0 */
	uint64_t rdev;		/* as makedev(3) builds it */
	char name[256];		/* one component, NUL-terminated */
};

#define VUOVL_CTL_MKNOD _IOW('V', 0x01, struct vuovl_ctl_mknod)

#endif
