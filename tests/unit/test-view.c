// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/view: rule options, view files, path normalizing
 * and the error messages a user sees (with FILE:LINE).
 */
#include "config.h"
#include "view.h"
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



static void test_normalize(void)
{
	char *p;

	CHECK((p = view_normalize("/")) && !strcmp(p, ""));
	free(p);
	CHECK((p = view_normalize("//etc/./resolv.conf/")) && !strcmp(p, "etc/resolv.conf"));
	free(p);
	CHECK(!view_normalize("etc") && errno == EINVAL);
	CHECK(!view_normalize("/a/../b") && errno == EINVAL);
}

static void test_options(void)
{
	struct view v;
	char err[512] = "";

	view_init(&v);
	CHECK(view_add_option(&v, "bind", "/etc/resolv.conf:/tmp/r\\:x", err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "merge", "/opt:/srv/opt:mincow:except=a/b:except=/c",
			      err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "hide", "/root/.ssh", err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "ro", "/etc", err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "robind", "/mnt:/", err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "bind", "/x:/y:cow:unlisted", err, sizeof(err)) == 0);
	CHECK(view_add_option(&v, "bind", "/mnt:/./:inview", err, sizeof(err)) == 0);
	CHECK(v.n == 7 && v.rules[6].inview && !strcmp(v.rules[6].host, ""));
	CHECK(v.rules[0].kind == VIEW_BIND && v.rules[0].mode == VIEW_RW);
	CHECK(!strcmp(v.rules[0].vpath, "etc/resolv.conf"));
	CHECK(!strcmp(v.rules[0].host, "/tmp/r:x"));
	CHECK(v.rules[1].kind == VIEW_MERGE && v.rules[1].mode == VIEW_MINCOW);
	CHECK(v.rules[1].nexcept == 2 && !strcmp(v.rules[1].except[0], "a/b") &&
	      !strcmp(v.rules[1].except[1], "c"));
	CHECK(v.rules[2].kind == VIEW_HIDE && !strcmp(v.rules[2].vpath, "root/.ssh"));
	CHECK(v.rules[3].kind == VIEW_RO);
	CHECK(v.rules[4].mode == VIEW_RO_MODE && !strcmp(v.rules[4].vpath, "mnt"));
	CHECK(v.rules[5].mode == VIEW_COW && v.rules[5].unlisted);

	CHECK(view_add_option(&v, "bind", "/x", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "needs an absolute host path") != NULL);
	CHECK(view_add_option(&v, "bind", "x:/y", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "must be absolute") != NULL);
	CHECK(view_add_option(&v, "hide", "/a:cow", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "unknown flag 'cow'") != NULL);
	CHECK(view_add_option(&v, "bind", "/a:/b:except=../c", err, sizeof(err)) == -EINVAL);
	CHECK(view_add_option(&v, "hide", "/", err, sizeof(err)) == -EINVAL);
	CHECK(view_add_option(&v, "bindd", "/a:/b", err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "unknown rule 'bindd'") != NULL);
	CHECK(view_add_option(&v, "merge", "/a:/b:inview", err, sizeof(err)) == -EINVAL);
	CHECK(v.n == 7);
	view_release(&v);
}

static void test_file(void)
{
	char path[] = "/tmp/test-view.XXXXXX", err[512] = "";
	int fd = mkstemp(path);
	struct view v;
	FILE *f;

	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# a view\n"
	      "lowerdir /srv/a:/srv/b\n"
	      "upperdir /srv/up   # trailing comment\n"
	      "\n"
	      "bind /etc/resolv.conf /tmp/resolv.conf ro\n"
	      "  merge\t/opt /srv/my\\ opt except=keep\n"
	      "hide /secret#not-a-comment\n", f);
	fclose(f);
	view_init(&v);
	CHECK(view_add_file(&v, path, err, sizeof(err)) == 0);
	CHECK(v.n == 3);
	CHECK(v.stack.lowerdir && !strcmp(v.stack.lowerdir, "/srv/a:/srv/b"));
	CHECK(v.stack.upperdir && !strcmp(v.stack.upperdir, "/srv/up"));
	CHECK(v.rules[0].mode == VIEW_RO_MODE);
	CHECK(!strcmp(v.rules[1].host, "/srv/my opt") && v.rules[1].nexcept == 1);
	CHECK(!strcmp(v.rules[2].vpath, "secret#not-a-comment"));
	view_release(&v);

	f = fopen(path, "w");
	fputs("bind /a /b\nmerge /c\n", f);
	fclose(f);
	view_init(&v);
	CHECK(view_add_file(&v, path, err, sizeof(err)) == -EINVAL);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:2: merge=/c: needs", path);
		CHECK(strncmp(err, want, strlen(want)) == 0);
	}
	view_release(&v);
	unlink(path);
	CHECK(view_add_file(&v, "/nonexistent/view", err, sizeof(err)) == -ENOENT);
}

int main(void)
{
	test_normalize();
	test_options();
	test_file();
	return check_failures;
}
