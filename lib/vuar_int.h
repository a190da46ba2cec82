/* SPDX-License-Identifier: GPL-2.0-or-later */
/* archive_int — what the archive_*.c files share; not for programs. */
#ifndef VU_VUAR_INT_H
#define VU_VUAR_INT_H

#include <archive.h>
#include <archive_entry.h>

#include "vuar.h"

int vuar_fail(const char **msg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vuar_open_read(const char *archive, struct archive **out, const char **msg);
enum vuar_filter vuar_filter_for_name(const char *archive);
/* A writer with the format and compression o and the archive's name
 * ask for (vuar.h), open on archive; 0, or -errno said in msg. */
int vuar_open_write(const char *archive, const struct vuar_opts *o,
		    struct archive **out, const char **msg);
int vuar_is_stdio(const char *archive);
void vuar_mode_string(struct archive_entry *e, char out[11]);

/* archive_acl.c: POSIX ACLs between entries and their xattr form. */
typedef int (*vuar_xattr_fn)(void *arg, const char *name, const void *value, size_t size);
/* Calls fn with each of e's ACLs (access, default) in xattr form; an
 * access ACL the mode says all of is skipped. 0, or fn's or -EINVAL. */
int vuar_acl_to_xattrs(struct archive_entry *e, vuar_xattr_fn fn, void *arg);
/* Adds the ACL in xattr form (name: system.posix_acl_*) to e. */
int vuar_acl_add(struct archive_entry *e, const char *name, const void *value, size_t size);

#endif
