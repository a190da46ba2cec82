// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/whiteout: the upper layer's markers on a scratch
 * directory (no mount, no privilege).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "whiteout.h"
#include "check.h"

static char dir[256];
static int dfd = -1;

static bool exists(const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_reserved(void)
{
	CHECK(whiteout_is_reserved(".wh.x"));
	CHECK(whiteout_is_reserved(".wh..wh..opq"));
	CHECK(!whiteout_is_reserved(".wh"));
	CHECK(!whiteout_is_reserved("x.wh.y"));
	CHECK(!whiteout_is_reserved(".whx"));
}

static void test_create_remove(void)
{
	int share;

	CHECK(!whiteout_hides(dfd, "gone", NULL));
	CHECK(whiteout_create(dfd, "gone", -1) == 0);
	CHECK(exists(".wh.gone") && whiteout_hides(dfd, "gone", NULL));
	CHECK(whiteout_create(dfd, "gone", -1) == 0);	/* existing is fine */
	CHECK(whiteout_remove(dfd, "gone") == 0 && !exists(".wh.gone"));
	CHECK(whiteout_remove(dfd, "gone") == 0);	/* absent is fine */
	/* shared: every whiteout a link of one file in the share dir */
	CHECK(mkdirat(dfd, "work", 0700) == 0);
	share = openat(dfd, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(share >= 0);
	CHECK(whiteout_create(dfd, "a", share) == 0 && whiteout_create(dfd, "b", share) == 0);
	{
		struct stat a, b;

		CHECK(fstatat(dfd, ".wh.a", &a, 0) == 0 && fstatat(dfd, ".wh.b", &b, 0) == 0);
		CHECK(a.st_ino == b.st_ino && a.st_nlink >= 3);
	}
	CHECK(whiteout_remove(dfd, "a") == 0 && whiteout_remove(dfd, "b") == 0);
	close(share);
}

static void test_long_names(void)
{
	char name[256];
	struct stat st;

	memset(name, 'n', 253);
	name[253] = '\0';	/* over WHITEOUT_NAME_MAX: no room for ".wh." */
	CHECK(strlen(name) > WHITEOUT_NAME_MAX);
	CHECK(whiteout_create(dfd, name, -1) == 0);
	/* the kernel's way: a 0/0 character device at the name itself */
	CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && whiteout_is_kernel(&st));
	CHECK(whiteout_hides(dfd, name, &st));
	CHECK(whiteout_free_place(dfd, name) == 1 && !exists(name));
	CHECK(whiteout_free_place(dfd, name) == 0);
	/* a real file at a long name is never taken for a whiteout */
	CHECK(mknodat(dfd, name, S_IFREG | 0600, 0) == 0);
	CHECK(whiteout_remove(dfd, name) == 0 && exists(name));
	CHECK(unlinkat(dfd, name, 0) == 0);
}

static void test_opaque(void)
{
	int sub;

	CHECK(mkdirat(dfd, "d", 0755) == 0);
	sub = openat(dfd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(sub >= 0 && !whiteout_is_opaque(sub, false));
	CHECK(whiteout_set_opaque(sub) == 0);
	CHECK(whiteout_is_opaque(sub, false) && whiteout_is_opaque(sub, true));
	close(sub);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char cmd[300];

	snprintf(dir, sizeof(dir), "%s/test-whiteout.XXXXXX", tmp);
	if (!mkdtemp(dir) || (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("scratch dir");
		return 2;
	}
	test_reserved();
	test_create_remove();
	test_long_names();
	test_opaque();
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		check_failures++;
	printf("%s: %d failure(s)\n", check_failures ? "FAIL" : "ok", check_failures);
	return check_failures ? 1 : 0;
}
