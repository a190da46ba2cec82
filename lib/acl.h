/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include <stdint.h>
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

/* One entry, as the xattr form holds it (host order here). */
enum {
	ACL_TAG_USER_OBJ = 0x01, ACL_TAG_USER = 0x02, ACL_TAG_GROUP_OBJ = 0x04,
	ACL_TAG_GROUP = 0x08, ACL_TAG_MASK = 0x10, ACL_TAG_OTHER = 0x20,
};
#define ACL_ID_NONE 0xffffffffu
struct acl_ent {
	uint16_t tag;
	uint16_t perm;		/* 4 read, 2 write, 1 execute */
	uint32_t id;		/* users and groups; ACL_ID_NONE for the others */
};

/* The xattr form of n entries (put in the order the kernel wants: by
 * tag, then id), into buf. Returns its size, -ENOSPC when buf is too
 * small, -EINVAL for an entry that is none of the tags above. */
ssize_t acl_pack(struct acl_ent *ents, size_t n, void *buf, size_t size);
/* The entries of an xattr value, up to max. Returns their count, or
 * -EINVAL for a value that is not an ACL. */
ssize_t acl_unpack(const void *value, size_t size, struct acl_ent *out, size_t max);

#endif
