/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * whiteout — the upper layer's on-disk markers (OCI image-layer style, so
 * an unprivileged user can make them):
 *   - a whiteout hiding NAME is an empty regular file ".wh.NAME";
 *   - an opaque directory holds an empty regular file ".wh..wh..opq".
 * A name too long for the prefix (over WHITEOUT_NAME_MAX bytes) is
 * hidden the kernel overlayfs way instead: a 0/0 character device at
 * the name itself (which Linux 5.8 and later let any user make).
 * Kernel overlayfs markers are honoured when read: a 0/0 character
 * device is a whiteout; trusted.overlay.opaque or user.overlay.opaque
 * = "y" makes a directory opaque. Names starting with ".wh." are
 * reserved: never shown in a view, never created through it.
 * Everything works on a directory fd; nothing here follows symlinks.
 */
#ifndef VU_WHITEOUT_H
#define VU_WHITEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_PREFIX_LEN 4
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* the longest name a ".wh." whiteout can hide */
#define WHITEOUT_NAME_MAX (255 - WHITEOUT_PREFIX_LEN)

/* True for ".wh.*": reserved names. */
bool whiteout_is_reserved(const char *name);
/* True for a kernel-overlayfs whiteout (char device 0/0). */
bool whiteout_is_kernel(const struct stat *st);
/* True when dirfd holds a whiteout for name (either kind: the caller
 * passes the stat of name when it has one, else NULL). */
bool whiteout_hides(int dirfd, const char *name, const struct stat *st);
/* Creates ".wh.NAME" in dirfd (existing is fine). With sharedir >= 0 (a
 * directory of the same file system), it is a hard link to the one
 * SHAREDIR/whiteout, made when missing, as kernel overlayfs shares one
 * whiteout inode: no inode to allocate per whiteout. Returns 0 or -errno. */
int whiteout_create(int dirfd, const char *name, int sharedir);
/* Removes ".wh.NAME" if present (for a long name: a 0/0 device at NAME,
 * never anything else). Returns 0 or -errno (-ENOENT tolerated). */
int whiteout_remove(int dirfd, const char *name);
/* A long name's whiteout takes the name's own place: it must go before
 * name can be made. 1 if there was one (removed), 0 if not, -errno. */
int whiteout_free_place(int dirfd, const char *name);
/* True when the directory is opaque. dirfd may be O_PATH. xattrs: also
 * read the kernel's *.overlay.opaque xattrs (an open and two syscalls
 * more, so only for layers made by the kernel). */
bool whiteout_is_opaque(int dirfd, bool xattrs);
/* Marks the directory opaque. Returns 0 or -errno. */
int whiteout_set_opaque(int dirfd);

#endif
