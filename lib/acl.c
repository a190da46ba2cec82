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
#include <string.h>

#define ACL_XATTR_VERSION 2
enum {
	TAG_USER_OBJ = 0x01,
	TAG_USER = 0x02,
	TAG_GROUP_OBJ = 0x04,
	TAG_GROUP = 0x08,
	TAG_MASK = 0x10,
	TAG_OTHER = 0x20,
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
