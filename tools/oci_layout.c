// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci_layout — an image layout directory as the OCI image spec's
 * image-layout.md has it: oci-layout (imageLayoutVersion 1.x), index.json,
 * blobs/ALG/HEX. Opening one, making one, reading its index.
 */
#include "config.h"
#include "oci_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int oci_split(const char *s, char **dir, const char **tag)
{
	const char *colon = strchr(s, ':');

	*tag = colon ? colon + 1 : NULL;
	*dir = strndup(s, colon ? (size_t)(colon - s) : strlen(s));
	if (!*dir)
		return -ENOMEM;
	return 0;
}

/* oci-layout's version: 1.x is what this reader knows. */
static int check_version(struct oci_layout *l, const char **msg)
{
	struct json_error err;
	const char *v;
	struct json *j;
	size_t len;
	char *buf;
	int r = oci_read_file(l->fd, "oci-layout", 4096, &buf, &len);

	if (r < 0)
		return oci_fail(msg, r, "%s: oci-layout: %s", l->name,
				r == -ENOENT ? "missing: not an OCI image layout" : strerror(-r));
	r = json_parse(buf, len, &j, &err);
	free(buf);
	if (r < 0)
		return oci_fail(msg, r, "%s: oci-layout: not JSON: %s", l->name,
				r == -ENOMEM ? strerror(ENOMEM) : err.why);
	v = json_str(json_get(j, "imageLayoutVersion"));
	if (!v || strncmp(v, "1.", 2))
		r = oci_fail(msg, -EINVAL, "%s: oci-layout: imageLayoutVersion %s: not 1.x",
			     l->name, v ? oci_q(v) : "missing");
	json_free(j);
	return r;
}

/* What a new layout needs: oci-layout, blobs/sha256. */
static int make_layout(struct oci_layout *l, const char **msg)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int fd;

	if (mkdirat(l->fd, "blobs", 0755) < 0 && errno != EEXIST)
		goto fail;
	fd = openat(l->fd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (mkdirat(fd, "sha256", 0755) < 0 && errno != EEXIST) {
		close(fd);
		goto fail;
	}
	close(fd);
	fd = openat(l->fd, "oci-layout", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : oci_fail(msg, -errno, "%s: cannot create oci-layout: %s",
						      l->name, strerror(errno));
	if (write(fd, layout, sizeof(layout) - 1) != (ssize_t)sizeof(layout) - 1) {
		close(fd);
		return oci_fail(msg, -EIO, "%s: cannot write oci-layout", l->name);
	}
	close(fd);
	return 0;
fail:
	return oci_fail(msg, -errno, "%s: cannot make blobs/sha256: %s", l->name, strerror(errno));
}

/* blobs/sha256, neither a symlink: -1 and errno when it cannot be. */
static int open_blobs(int dfd)
{
	int fd = openat(dfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), sub;

	if (fd < 0)
		return -1;
	sub = openat(fd, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(fd);	/* keeps errno: close of a dir fd does not fail */
	return sub;
}

int oci_layout_open(const char *dir, bool create, struct oci_layout *l, const char **msg)
{
	int r;

	l->name = dir;
	l->blobs = -1;
	if (create && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return oci_fail(msg, -errno, "%s: cannot create: %s", dir, strerror(errno));
	l->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0)
		return oci_fail(msg, -errno, "%s: %s", dir, strerror(errno));
	r = create ? make_layout(l, msg) : 0;
	if (r == 0)
		r = check_version(l, msg);
	if (r < 0) {
		oci_layout_close(l);
		return r;
	}
	/* a layout without blobs is one with no image to read: said when one
	 * is needed */
	l->blobs = open_blobs(l->fd);
	if (l->blobs < 0 && create) {
		r = -errno;
		oci_layout_close(l);
		return oci_fail(msg, r, "%s: blobs/sha256: %s", dir, strerror(-r));
	}
	return 0;
}

void oci_layout_close(struct oci_layout *l)
{
	if (l->blobs >= 0)
		close(l->blobs);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = l->blobs = -1;
}

int oci_index_read(const struct oci_layout *l, bool missing_ok, struct json **out,
		   const char **msg)
{
	static const char empty[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	const struct json *m;
	struct json_error err;
	int64_t version;
	size_t len;
	char *buf;
	int r = oci_read_file(l->fd, "index.json", OCI_JSON_MAX, &buf, &len);

	if (r == -ENOENT && missing_ok)
		return json_parse(empty, sizeof(empty) - 1, out, NULL);
	if (r < 0)
		return oci_fail(msg, r, "%s: index.json: %s", l->name,
				r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
	r = json_parse(buf, len, out, &err);
	free(buf);
	if (r < 0)
		return r == -ENOMEM ? r : oci_fail(msg, r, "%s: index.json: not JSON: %s at "
						   "byte %zu", l->name, err.why, err.offset);
	m = json_get(*out, "manifests");
	if (json_int(json_get(*out, "schemaVersion"), &version) < 0 || version != 2)
		r = oci_fail(msg, -EINVAL, "%s: index.json: schemaVersion is not 2", l->name);
	else if (!m || m->type != JSON_ARRAY)
		r = oci_fail(msg, -EINVAL, "%s: index.json: no manifests array", l->name);
	if (r < 0) {
		json_free(*out);
		*out = NULL;
	}
	return r;
}
