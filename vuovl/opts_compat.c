// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opts_compat — the options fuse-overlayfs and the kernel's overlay
 * take, which podman and buildah pass to their mount_program: each is
 * given its meaning here, or accepted where it cannot change anything in
 * vuovl (vuovl(1), "Options of fuse-overlayfs and overlayfs" says which).
 * Refused only when the value is malformed.
 */
#include "config.h"
#include "opts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "%s: %s=%s: %s\n", vu_progname, opt, val, why);
	return -EINVAL;
}

/* An id: a decimal number below 2^32 - 1. */
static int parse_id(const char *opt, const char *val, int64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || !*val || *end || v >= UINT32_MAX)
		return bad(opt, val, "must be a numeric id");
	*out = (int64_t)v;
	return 0;
}

/* One of the words a kernel overlay option takes. */
static int one_of(const char *opt, const char *val, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(val, *words))
			return 0;
	return bad(opt, val, "not a value the kernel's overlay takes");
}

int opts_compat_settle(struct vo_opts *o)
{
	static const char *const onoff[] = { "on", "off", NULL };
	static const char *const xino[] = { "on", "off", "auto", NULL };
	static const char *const redirect[] = { "on", "off", "follow", "nofollow", NULL };
	struct vo_compat *c = &o->compat;
	int r = 0;

	c->squash_to_uid = c->squash_to_gid = -1;
	if (c->uidmapping &&
	    idmap_parse_list(c->uidmapping, c->uidmap, VO_IDMAP_MAX, &c->nuidmap) < 0)
		return bad("uidmapping", c->uidmapping, "must be INSIDE:OUTSIDE:COUNT[:...]");
	if (c->gidmapping &&
	    idmap_parse_list(c->gidmapping, c->gidmap, VO_IDMAP_MAX, &c->ngidmap) < 0)
		return bad("gidmapping", c->gidmapping, "must be INSIDE:OUTSIDE:COUNT[:...]");
	if (c->squash_to_root)
		c->squash_to_uid = c->squash_to_gid = 0;
	if (c->squash_uid && (r = parse_id("squash_to_uid", c->squash_uid, &c->squash_to_uid)))
		return r;
	if (c->squash_gid && (r = parse_id("squash_to_gid", c->squash_gid, &c->squash_to_gid)))
		return r;
	/* fsync=0: no fsync of copied-up data, vuovl's volatile */
	if (c->fsync) {
		if (strcmp(c->fsync, "0") && strcmp(c->fsync, "1"))
			return bad("fsync", c->fsync, "must be 0 or 1");
		if (!strcmp(c->fsync, "0"))
			o->volatile_ = 1;
	}
	if (c->threaded && strcmp(c->threaded, "0") && strcmp(c->threaded, "1"))
		return bad("threaded", c->threaded, "must be 0 or 1");
	if (c->xattr_permissions && strcmp(c->xattr_permissions, "0") &&
	    strcmp(c->xattr_permissions, "1") && strcmp(c->xattr_permissions, "2"))
		return bad("xattr_permissions", c->xattr_permissions, "must be 0, 1 or 2");
	if ((c->index && (r = one_of("index", c->index, onoff))) ||
	    (c->metacopy && (r = one_of("metacopy", c->metacopy, onoff))) ||
	    (c->xino && (r = one_of("xino", c->xino, xino))) ||
	    (c->redirect_dir && (r = one_of("redirect_dir", c->redirect_dir, redirect))))
		return r;
	return 0;
}
