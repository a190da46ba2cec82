// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_layer — vutar -x --layer: an OCI/Docker layer diff applied to a
 * tree, as podman and umoci unpack images. A ".wh.NAME" member removes
 * NAME; a ".wh..wh..opq" member removes what its directory held before
 * this archive. Neither marker is made. What the archive itself wrote is
 * never removed by its own markers, whatever their order in it (the spec
 * asks writers to put markers first, not every writer does). Removal
 * walks with *at() calls beneath the directory fd, never through a
 * symlink.
 */
#include "config.h"
#include "vuar_int.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The paths a run wrote, and every directory above them: a set of
 * strings, open addressing. */
struct vuar_seen {
	char **slot;
	size_t cap, n;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static char **find(const struct vuar_seen *s, const char *path)
{
	size_t i = hash(path) & (s->cap - 1);

	while (s->slot[i] && strcmp(s->slot[i], path))
		i = (i + 1) & (s->cap - 1);
	return &s->slot[i];
}

static int grow(struct vuar_seen *s)
{
	struct vuar_seen bigger = { .cap = s->cap ? s->cap * 2 : 1024 };
	size_t i;

	bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->slot[i])
			*find(&bigger, s->slot[i]) = s->slot[i];
	bigger.n = s->n;
	free(s->slot);
	*s = bigger;
	return 0;
}

struct vuar_seen *vuar_seen_new(void)
{
	struct vuar_seen *s = calloc(1, sizeof(*s));

	if (s && grow(s) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void vuar_seen_free(struct vuar_seen *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s);
}

bool vuar_seen_has(const struct vuar_seen *s, const char *path)
{
	return *find(s, path) != NULL;
}

/* path and each directory above it ("a/b/c": also "a/b", "a"). */
int vuar_seen_add(struct vuar_seen *s, const char *path)
{
	char buf[PATH_MAX], *slash;
	char **p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (;;) {
		if (2 * (s->n + 1) > s->cap && grow(s) < 0)
			return -ENOMEM;
		p = find(s, buf);
		if (*p)
			return 0;	/* its parents are in too */
		*p = strdup(buf);
		if (!*p)
			return -ENOMEM;
		s->n++;
		slash = strrchr(buf, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
}

/* Removes name in pfd and, for a directory, everything beneath it. 0 or
 * -errno (-ENOENT when there is nothing). */
int vuar_remove_tree(int pfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (unlinkat(pfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (unlinkat(pfd, name, AT_REMOVEDIR) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -errno;
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = vuar_remove_tree(fd, de->d_name);
		if (r == -ENOENT)
			r = 0;
	}
	closedir(d);
	if (r == 0 && unlinkat(pfd, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

enum vuar_marker vuar_layer_marker(const char *rel, const char **target)
{
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;

	*target = NULL;
	if (!whiteout_is_reserved(base))
		return VUAR_MARK_NONE;
	if (!strcmp(base, WHITEOUT_OPAQUE))
		return VUAR_MARK_OPAQUE;
	if (!strncmp(base + WHITEOUT_PREFIX_LEN, WHITEOUT_PREFIX, WHITEOUT_PREFIX_LEN) ||
	    !base[WHITEOUT_PREFIX_LEN] || !strcmp(base + WHITEOUT_PREFIX_LEN, ".") ||
	    !strcmp(base + WHITEOUT_PREFIX_LEN, ".."))
		return VUAR_MARK_OTHER;	/* ".wh..wh.*" (aufs's own), ".wh.", ".wh.." */
	*target = base + WHITEOUT_PREFIX_LEN;
	return VUAR_MARK_WHITEOUT;
}
