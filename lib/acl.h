/*
 * acl — POSIX ACLs in their extended attribute form
 * (system.posix_acl_access / _default: a version word, then entries of
 * tag, permissions and id, little-endian), as the kernel's file systems
 * read them when they keep the mode and the access ACL in step. Pure
 * functions: no I/O, no sidecar.
 */
#ifndef VU_ACL_H
#define VU_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ACL_XATTR_ACCESS "system.posix_acl_access"
#define ACL_XATTR_DEFAULT "system.posix_acl_default"

/* The permission bits (0777) an access ACL gives the mode: the owner
 * entry, the mask entry (else the owning group's), the others'. *minimal
 * says whether the ACL says no more than those bits (no named user or
 * group, no mask): the mode alone then stands for it. 0, or -EINVAL for
 * a value that is not a well-formed ACL. */
int acl_to_mode(const void *value, size_t size, mode_t *mode, bool *minimal);

/* chmod of a file with an access ACL: the owner, mask (else owning
 * group) and others' entries take the permission bits of mode. 0 or
 * -EINVAL. */
int acl_chmod(void *value, size_t size, mode_t mode);

#endif
