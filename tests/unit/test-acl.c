// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/acl: the mode an access ACL gives, which ACLs the
 * mode alone stands for, chmod of an ACL, and malformed values.
 */
#include "config.h"
#include "acl.h"
#include "check.h"

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Builds an ACL xattr from (tag, perm, id) triples; returns its size. */
static size_t build(unsigned char *buf, const uint32_t (*e)[3], size_t n)
{
	uint32_t v = htole32(2);

	memcpy(buf, &v, 4);
	for (size_t i = 0; i < n; i++) {
		uint16_t tag = htole16((uint16_t)e[i][0]), perm = htole16((uint16_t)e[i][1]);
		uint32_t id = htole32(e[i][2]);

		memcpy(buf + 4 + 8 * i, &tag, 2);
		memcpy(buf + 6 + 8 * i, &perm, 2);
		memcpy(buf + 8 + 8 * i, &id, 4);
	}
	return 4 + 8 * n;
}

static void test_mode(void)
{
	/* what setfacl -m u::rwx,g::rx,o::r and cp -a write */
	static const uint32_t minimal[][3] = { { 1, 7, ~0u }, { 4, 5, ~0u }, { 0x20, 4, ~0u } };
	/* a named user and a mask: the mask is the group bits */
	static const uint32_t full[][3] = {
		{ 1, 6, ~0u }, { 2, 7, 1000 }, { 4, 4, ~0u }, { 0x10, 5, ~0u }, { 0x20, 0, ~0u },
	};
	static const uint32_t no_mask[][3] = { { 1, 6, ~0u }, { 2, 7, 1000 }, { 4, 4, ~0u }, { 0x20, 0, ~0u } };
	static const uint32_t no_other[][3] = { { 1, 6, ~0u }, { 4, 4, ~0u } };
	static const uint32_t bad_perm[][3] = { { 1, 8, ~0u }, { 4, 4, ~0u }, { 0x20, 0, ~0u } };
	unsigned char buf[128];
	size_t n;
	mode_t mode;
	bool min;

	n = build(buf, minimal, 3);
	CHECK(acl_to_mode(buf, n, &mode, &min) == 0 && mode == 0754 && min);
	n = build(buf, full, 5);
	CHECK(acl_to_mode(buf, n, &mode, &min) == 0 && mode == 0650 && !min);
	CHECK(acl_chmod(buf, n, 0741) == 0);
	CHECK(acl_to_mode(buf, n, &mode, &min) == 0 && mode == 0741);
	n = build(buf, minimal, 3);
	CHECK(acl_chmod(buf, n, 0600) == 0);
	CHECK(acl_to_mode(buf, n, &mode, &min) == 0 && mode == 0600 && min);
	n = build(buf, no_mask, 4);
	CHECK(acl_to_mode(buf, n, &mode, &min) == -EINVAL);
	n = build(buf, no_other, 2);
	CHECK(acl_to_mode(buf, n, &mode, &min) == -EINVAL);
	n = build(buf, bad_perm, 3);
	CHECK(acl_to_mode(buf, n, &mode, &min) == -EINVAL);
	CHECK(acl_to_mode(buf, 5, &mode, &min) == -EINVAL);
	buf[0] = 1;	/* version 1 */
	CHECK(acl_to_mode(buf, 4, &mode, &min) == -EINVAL);
}

int main(void)
{
	test_mode();
	return check_failures != 0;
}
