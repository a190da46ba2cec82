// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_acl — POSIX ACLs between libarchive's entries (SCHILY.acl.* of
 * pax, GNU tar --acls, bsdtar) and the xattr form a sidecar keeps them
 * in (system.posix_acl_access / _default, lib/acl.h). An unprivileged
 * user cannot set them on the host, and a view shows them from the
 * sidecar, so vutar -x records them there and vutar -c packs them back
 * as ACLs, never dropped without a word.
 */
#include "config.h"
#include "vuar_int.h"
#include "acl.h"

#include <archive_entry.h>
#include <errno.h>
#include <string.h>

#define ACL_MAX_ENTRIES 1024

static const struct { int archive; uint16_t xattr; } tags[] = {
	{ ARCHIVE_ENTRY_ACL_USER_OBJ, ACL_TAG_USER_OBJ },
	{ ARCHIVE_ENTRY_ACL_USER, ACL_TAG_USER },
	{ ARCHIVE_ENTRY_ACL_GROUP_OBJ, ACL_TAG_GROUP_OBJ },
	{ ARCHIVE_ENTRY_ACL_GROUP, ACL_TAG_GROUP },
	{ ARCHIVE_ENTRY_ACL_MASK, ACL_TAG_MASK },
	{ ARCHIVE_ENTRY_ACL_OTHER, ACL_TAG_OTHER },
};

static const struct { int type; const char *name; } kinds[] = {
	{ ARCHIVE_ENTRY_ACL_TYPE_ACCESS, ACL_XATTR_ACCESS },
	{ ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, ACL_XATTR_DEFAULT },
};

int vuar_acl_to_xattrs(struct archive_entry *e, vuar_xattr_fn fn, void *arg)
{
	static struct acl_ent ents[ACL_MAX_ENTRIES];
	static unsigned char buf[4 + 8 * ACL_MAX_ENTRIES];
	int r = 0;

	for (size_t k = 0; r == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int type, perm, tag, id;
		const char *name;
		size_t n = 0;
		ssize_t len;

		if (archive_entry_acl_reset(e, kinds[k].type) <= 0)
			continue;
		while (n < ACL_MAX_ENTRIES &&
		       archive_entry_acl_next(e, kinds[k].type, &type, &perm, &tag, &id,
					      &name) == ARCHIVE_OK) {
			size_t t;

			for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
				if (tags[t].archive == tag)
					break;
			if (t == sizeof(tags) / sizeof(tags[0]))
				return -EINVAL;	/* an NFSv4 entry in a POSIX ACL */
			ents[n].tag = tags[t].xattr;
			ents[n].perm = (uint16_t)(perm & (ARCHIVE_ENTRY_ACL_READ | ARCHIVE_ENTRY_ACL_WRITE |
							  ARCHIVE_ENTRY_ACL_EXECUTE));
			ents[n].id = (uint32_t)id;
			n++;
		}
		/* an access ACL of the three entries the mode holds says
		 * nothing more: not kept (as the kernel keeps none) */
		if (kinds[k].type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS && n <= 3)
			continue;
		len = acl_pack(ents, n, buf, sizeof(buf));
		r = len < 0 ? (int)len : fn(arg, kinds[k].name, buf, (size_t)len);
	}
	return r;
}

int vuar_acl_add(struct archive_entry *e, const char *name, const void *value, size_t size)
{
	static struct acl_ent ents[ACL_MAX_ENTRIES];
	int type = !strcmp(name, ACL_XATTR_ACCESS) ? ARCHIVE_ENTRY_ACL_TYPE_ACCESS
		 : !strcmp(name, ACL_XATTR_DEFAULT) ? ARCHIVE_ENTRY_ACL_TYPE_DEFAULT : 0;
	ssize_t n;

	if (!type)
		return -EINVAL;
	n = acl_unpack(value, size, ents, ACL_MAX_ENTRIES);
	for (ssize_t i = 0; i < n; i++) {
		size_t t;

		for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
			if (tags[t].xattr == ents[i].tag)
				break;
		if (t == sizeof(tags) / sizeof(tags[0]))
			return -EINVAL;
		if (archive_entry_acl_add_entry(e, type, ents[i].perm, tags[t].archive,
						ents[i].tag == ACL_TAG_USER || ents[i].tag == ACL_TAG_GROUP
						? (int)ents[i].id : -1, NULL) != ARCHIVE_OK)
			return -EINVAL;
	}
	return n < 0 ? (int)n : 0;
}
