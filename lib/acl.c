// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acl — reading and rewriting the xattr form of a POSIX ACL (acl.h):
 * the rules of the kernel's posix_acl_equiv_mode and posix_acl_chmod,
 * so a view keeps a file's mode and its access ACL in step as a local
 * file system does.
 */
#include "config.h"
#include "acl.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ACL_XATTR_VERSION 2
enum {
	TAG_USER_OBJ = ACL_TAG_USER_OBJ,
	TAG_USER = ACL_TAG_USER,
	TAG_GROUP_OBJ = ACL_TAG_GROUP_OBJ,
	TAG_GROUP = ACL_TAG_GROUP,
	TAG_MASK = ACL_TAG_MASK,
	TAG_OTHER = ACL_TAG_OTHER,
};

struct acl_entry {	/* as stored: little-endian */
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

/* The entries of value, or NULL when it is not an ACL of this form. */
static unsigned char *entries(const void *value, size_t size, size_t *n)
{
	uint32_t version;

	if (size < 4 || (size - 4) % sizeof(struct acl_entry))
		return NULL;
	memcpy(&version, value, 4);
	if (le32toh(version) != ACL_XATTR_VERSION)
		return NULL;
	*n = (size - 4) / sizeof(struct acl_entry);
	return (unsigned char *)value + 4;
}

static struct acl_entry get(const unsigned char *p, size_t i)
{
	struct acl_entry e;

	memcpy(&e, p + i * sizeof(e), sizeof(e));
	e.tag = le16toh(e.tag);
	e.perm = le16toh(e.perm);
	return e;
}

int acl_to_mode(const void *value, size_t size, mode_t *mode, bool *minimal)
{
	const unsigned char *p;
	unsigned seen = 0;
	mode_t m = 0, group = 0;
	size_t n, i;

	if (!(p = entries(value, size, &n)))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct acl_entry e = get(p, i);

		if (e.perm & ~7u)
			return -EINVAL;
		switch (e.tag) {
		case TAG_USER_OBJ: m |= (mode_t)e.perm << 6; break;
		case TAG_GROUP_OBJ: group = e.perm; break;
		case TAG_MASK: m |= (mode_t)e.perm << 3; break;
		case TAG_OTHER: m |= e.perm; break;
		case TAG_USER: case TAG_GROUP: break;
		default: return -EINVAL;
		}
		seen |= e.tag;
	}
	/* every ACL has these three; a mask is required with named entries */
	if ((seen & (TAG_USER_OBJ | TAG_GROUP_OBJ | TAG_OTHER)) !=
	    (TAG_USER_OBJ | TAG_GROUP_OBJ | TAG_OTHER) ||
	    ((seen & (TAG_USER | TAG_GROUP)) && !(seen & TAG_MASK)))
		return -EINVAL;
	if (!(seen & TAG_MASK))
		m |= group << 3;
	*mode = m;
	*minimal = !(seen & (TAG_USER | TAG_GROUP | TAG_MASK));
	return 0;
}

int acl_chmod(void *value, size_t size, mode_t mode)
{
	unsigned char *p;
	bool has_mask = false;
	size_t n, i;

	if (!(p = entries(value, size, &n)))
		return -EINVAL;
	for (i = 0; i < n; i++)
		has_mask |= get(p, i).tag == TAG_MASK;
	for (i = 0; i < n; i++) {
		struct acl_entry e = get(p, i);
		uint16_t perm;

		if (e.tag == TAG_USER_OBJ)
			perm = (mode >> 6) & 7;
		else if (e.tag == TAG_MASK || (e.tag == TAG_GROUP_OBJ && !has_mask))
			perm = (mode >> 3) & 7;
		else if (e.tag == TAG_OTHER)
			perm = mode & 7;
		else
			continue;
		perm = htole16(perm);
		memcpy(p + i * sizeof(e) + offsetof(struct acl_entry, perm), &perm, sizeof(perm));
	}
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct acl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

ssize_t acl_pack(struct acl_ent *ents, size_t n, void *buf, size_t size)
{
	unsigned char *p = buf;
	uint32_t v = htole32(ACL_XATTR_VERSION);

	if (size < 4 + n * sizeof(struct acl_entry))
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		switch (ents[i].tag) {
		case TAG_USER_OBJ: case TAG_GROUP_OBJ: case TAG_MASK: case TAG_OTHER:
			ents[i].id = ACL_ID_NONE;
			break;
		case TAG_USER: case TAG_GROUP:
			break;
		default:
			return -EINVAL;
		}
	qsort(ents, n, sizeof(*ents), cmp_ent);
	memcpy(p, &v, 4);
	for (size_t i = 0; i < n; i++) {
		struct acl_entry e = {
			.tag = htole16(ents[i].tag), .perm = htole16(ents[i].perm & 7),
			.id = htole32(ents[i].id),
		};

		memcpy(p + 4 + i * sizeof(e), &e, sizeof(e));
	}
	return (ssize_t)(4 + n * sizeof(struct acl_entry));
}

ssize_t acl_unpack(const void *value, size_t size, struct acl_ent *out, size_t max)
{
	const unsigned char *p;
	size_t n, i;

	if (!(p = entries(value, size, &n)))
		return -EINVAL;
	for (i = 0; i < n && i < max; i++) {
		struct acl_entry e = get(p, i);

		out[i].tag = e.tag;
		out[i].perm = e.perm;
		memcpy(&out[i].id, p + i * sizeof(e) + offsetof(struct acl_entry, id), 4);
		out[i].id = le32toh(out[i].id);
	}
	return (ssize_t)i;
}
