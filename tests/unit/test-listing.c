// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the daemon's core without FUSE (vuovl/core, linked as a
 * library): a three-layer stack on scratch directories, its merged
 * listings (whiteouts, opaque directories, a non-directory over a
 * directory, the rules' names) and its lookups, as overlayfs defines
 * them. No mount, no privilege.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "check.h"

struct vo vo;	/* the view the core works on (vuovl/main.c has its own) */

static char top[256];

static void mk(const char *rel, mode_t type)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (S_ISDIR(type)) {
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			goto fail;
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	close(fd);
	return;
fail:
	perror(p);
	exit(2);
}

/* The names of dir's listing, sorted, space-separated ("." ".." left out). */
static char *names(struct vnode *dir)
{
	static char out[1024];
	struct vo_dir d;
	const char *sorted[64];
	size_t n = 0, i, j;

	out[0] = '\0';
	if (listing_build(dir, &d) != 0)
		return strcpy(out, "(error)");
	for (i = 0; i < d.n && n < 64; i++)
		if (strcmp(d.ents[i].name, ".") && strcmp(d.ents[i].name, ".."))
			sorted[n++] = d.ents[i].name;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", sorted[i]);
	listing_free(&d);
	return out;
}

static struct vnode *child(struct vnode *dir, const char *name)
{
	struct vnode *v = NULL;

	return lookup_child(dir, name, &v) == 0 ? v : NULL;
}

static void setup(struct view *view)
{
	static const char *const dirs[] = { "u", "l1", "l2" };
	char p[512];

	/* l2 (bottom): d/a d/b gone x/ o/p opq/hidden */
	mk("u", S_IFDIR), mk("l1", S_IFDIR), mk("l2", S_IFDIR);
	mk("l2/d", S_IFDIR), mk("l2/d/a", S_IFREG), mk("l2/d/b", S_IFREG);
	mk("l2/gone", S_IFREG), mk("l2/x", S_IFDIR), mk("l2/x/in", S_IFREG);
	mk("l2/o", S_IFDIR), mk("l2/o/p", S_IFREG);
	mk("l2/opq", S_IFDIR), mk("l2/opq/hidden", S_IFREG);
	/* l1: d/a (over l2's), t, a whiteout of gone, a file x over the dir */
	mk("l1/d", S_IFDIR), mk("l1/d/a", S_IFREG), mk("l1/t", S_IFREG);
	mk("l1/.wh.gone", S_IFREG), mk("l1/x", S_IFREG);
	/* u (upper): d/c, a whiteout of d/b, an opaque opq, its sidecar dir */
	mk("u/d", S_IFDIR), mk("u/d/c", S_IFREG), mk("u/d/.wh.b", S_IFREG);
	mk("u/opq", S_IFDIR), mk("u/opq/.wh..wh..opq", S_IFREG), mk("u/opq/mine", S_IFREG);
	mk("u/.vuovl", S_IFDIR);

	vo.nlayers = vo.nstack = 3;
	vo.has_upper = true;
	vo.timeout = VO_STACK_TIMEOUT;
	vo.layers = calloc(3, sizeof(*vo.layers));
	if (!vo.layers)
		exit(2);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		if (layer_open(&vo.layers[i], p, i == 0) != 0) {
			perror(p);
			exit(2);
		}
		vo.layers[i].workfd = -1;
	}
	CHECK(rules_open(view) == VO_EXIT_OK);
	vnode_table_init();
	CHECK(vnode_root_init() == 0);
}

static void test_merge(void)
{
	struct vnode *d, *x, *opq, *o;

	/* one name once; whited out names and .wh.* and .vuovl never */
	CHECK(!strcmp(names(&vo.root), "d o opq t x"));
	d = child(&vo.root, "d");
	CHECK(d && !strcmp(names(d), "a c"));	/* b whited out in the upper */
	/* a non-directory hides the directory below it */
	x = child(&vo.root, "x");
	CHECK(x && S_ISREG(x->type) && x->dirfds == NULL && x->layer == 1);
	/* an opaque directory shows its own names only */
	opq = child(&vo.root, "opq");
	CHECK(opq && !strcmp(names(opq), "mine"));
	/* a directory of the bottom layer alone */
	o = child(&vo.root, "o");
	CHECK(o && !strcmp(names(o), "p") && o->layer == 2);
	CHECK(child(&vo.root, "gone") == NULL);
	CHECK(child(&vo.root, ".wh.gone") == NULL && child(&vo.root, ".vuovl") == NULL);
}

static void test_lookup(void)
{
	struct vnode *d = child(&vo.root, "d"), *a, *c;

	/* topmost wins: d/a from l1, d/c from the upper */
	CHECK(d && (a = child(d, "a")) && a->layer == 1);
	CHECK(d && (c = child(d, "c")) && c->layer == 0);
	CHECK(d && child(d, "b") == NULL);
	/* the same name twice: the same vnode */
	CHECK(d && child(d, "a") == child(d, "a"));
}

static void test_hide_rule(void)
{
	/* a hide rule takes t out of the listing and of lookups */
	CHECK(!strcmp(names(&vo.root), "d o opq x"));
	CHECK(child(&vo.root, "t") == NULL);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char err[256], cmd[300];
	struct view view, hide;

	vu_log_init("test-listing");
	snprintf(top, sizeof(top), "%s/test-listing.XXXXXX", tmp);
	if (!mkdtemp(top)) {
		perror("scratch dir");
		return 2;
	}
	view_init(&view);
	setup(&view);
	test_merge();
	test_lookup();
	/* the same stack again, with a rule */
	core_stop();
	memset(&vo, 0, sizeof(vo));
	view_init(&hide);
	CHECK(view_add_option(&hide, "hide", "/t", err, sizeof(err)) == 0);
	setup(&hide);
	test_hide_rule();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		check_failures++;
	printf("%s: %d failure(s)\n", check_failures ? "FAIL" : "ok", check_failures);
	return check_failures ? 1 : 0;
}
