// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/idmap: subid file parsing and map formatting. No
 * namespaces, no privileges: streams come from fmemopen().
 */
#include "config.h"
#include "idmap.h"
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>



static int find(const char *text, const char *name, uint32_t id,
		struct idmap_range *r)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = idmap_find_range(f, name, id, r);
	fclose(f);
	return ret;
}

static void test_find_by_name_and_number(void)
{
	const char *text = "alice:100000:65536\n"
			   "1001:200000:1000\n"
			   "bob:300000:65536\n";
	struct idmap_range r = { 0, 0 };

	CHECK(find(text, "bob", 1002, &r) == 0);
	CHECK(r.start == 300000 && r.count == 65536);
	CHECK(find(text, "carol", 1001, &r) == 0);
	CHECK(r.start == 200000 && r.count == 1000);
	CHECK(find(text, "dave", 1003, &r) == -ENOENT);
	/* a NULL name (uid without passwd entry) matches by number only */
	CHECK(find(text, NULL, 1001, &r) == 0 && r.start == 200000);
}

static void test_skips_bad_lines(void)
{
	const char *text = "# comment\n"
			   "\n"
			   "alice:abc:10\n"	/* not a number */
			   "alice:10\n"		/* too few fields */
			   "alice:5:0\n"	/* empty range */
			   "alice:4294967295:2\n" /* wraps */
			   "  alice:7:8\n";	/* leading blanks are fine */
	struct idmap_range r = { 0, 0 };

	CHECK(find(text, "alice", 1, &r) == 0);
	CHECK(r.start == 7 && r.count == 8);
}

static void test_first_line_wins_and_no_prefix_match(void)
{
	const char *text = "al:1:1\nalice:10:20\nalice:30:40\n";
	struct idmap_range r = { 0, 0 };

	CHECK(find(text, "alice", 5, &r) == 0);
	CHECK(r.start == 10 && r.count == 20);
	CHECK(find(text, "a", 5, &r) == -ENOENT);
}

static void test_long_line_is_skipped(void)
{
	char text[2048];
	struct idmap_range r = { 0, 0 };

	memset(text, 'x', 1000);
	strcpy(text + 1000, ":1:1\nalice:9:9\n");
	CHECK(find(text, "alice", 5, &r) == 0 && r.start == 9);
}

static void test_format(void)
{
	struct idmap_ext sub[] = { { 0, 1001, 1 }, { 1, 100000, 65535 } };
	struct idmap_ext full[] = { { 0, 0, 4294967295u } };
	struct idmap_ext bad[] = { { 0, 4294967295u, 2 } };
	char buf[128];

	CHECK(idmap_format(sub, 2, buf, sizeof(buf)) == (int)strlen(buf));
	CHECK(strcmp(buf, "0 1001 1\n1 100000 65535\n") == 0);
	CHECK(idmap_format(full, 1, buf, sizeof(buf)) > 0);
	CHECK(strcmp(buf, "0 0 4294967295\n") == 0);
	CHECK(idmap_format(bad, 1, buf, sizeof(buf)) == -EINVAL);
	CHECK(idmap_format(sub, 2, buf, 10) == -ENOSPC);
}

static void test_translate(void)
{
	const char *map = "         0       1001          1\n         1     100000      65535\n";
	uint32_t id;
	FILE *f;

#define T(x, in, want, r) do { f = fmemopen((void *)map, strlen(map), "r"); \
		CHECK(idmap_translate(f, x, in, &id) == (r) && ((r) || id == (want))); \
		fclose(f); } while (0)
	T(1001, 1, 0, 0);		/* the caller is root inside */
	T(100000, 1, 1, 0);
	T(165534, 1, 65535, 0);
	T(165535, 1, 0, -ENOENT);	/* past the range */
	T(0, 1, 0, -ENOENT);		/* host root is not mapped */
	T(0, 0, 1001, 0);		/* and back out */
	T(1000, 0, 100999, 0);
	T(65536, 0, 0, -ENOENT);
#undef T
	/* this process: its own ids are always mapped, out and back */
	CHECK(idmap_self(0, geteuid(), 0, &id) == 0);
	CHECK(idmap_self(0, id, 1, &id) == 0 && id == geteuid());
	CHECK(idmap_self(1, getegid(), 0, &id) == 0);
	CHECK(idmap_self(1, id, 1, &id) == 0 && id == getegid());
}

static void test_mapping_list(void)
{
	struct idmap_ext e[4];
	uint32_t id;
	size_t n;

	CHECK(idmap_parse_list("0:1000:1:1:100000:65536", e, 4, &n) == 0 && n == 2);
	CHECK(e[1].inside == 1 && e[1].outside == 100000 && e[1].count == 65536);
	/* podman writes a leading colon */
	CHECK(idmap_parse_list(":0:1:5000", e, 4, &n) == 0 && n == 1 && e[0].outside == 1);
	CHECK(idmap_map(e, n, 1, 1, &id) == 0 && id == 0);
	CHECK(idmap_map(e, n, 5000, 1, &id) == 0 && id == 4999);
	CHECK(idmap_map(e, n, 5001, 1, &id) == -ENOENT);
	CHECK(idmap_map(e, n, 0, 1, &id) == -ENOENT);
	CHECK(idmap_map(e, n, 0, 0, &id) == 0 && id == 1);
	CHECK(idmap_parse_list("", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("0:1", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("0:1:0", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("0:1:2:", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("a:1:2", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("0:4294967295:2", e, 4, &n) == -EINVAL);
	CHECK(idmap_parse_list("0:1:1:1:2:1:2:3:1", e, 2, &n) == -EINVAL);
}

int main(void)
{
	test_find_by_name_and_number();
	test_skips_bad_lines();
	test_first_line_wins_and_no_prefix_match();
	test_long_line_is_skipped();
	test_format();
	test_translate();
	test_mapping_list();
	return check_failures;
}
