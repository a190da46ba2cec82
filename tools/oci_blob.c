// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci_blob — the layout directory and its content-addressed blobs. A
 * digest from an image is hostile input until checked: only
 * "sha256:" and 64 lowercase hex digits ever become a file name, and that
 * name is opened beneath blobs/sha256's fd, never through a symlink. A
 * blob is believed only once its size and digest match its descriptor.
 * New blobs are written to a temporary name beside them and renamed to
 * their digest, never over a different file.
 */
#include "config.h"
#include "oci_int.h"
#include "vuar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 16)

int oci_fail(const char **msg, int err, const char *fmt, ...)
{
	static char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*msg = buf;
	return err;
}

const char *oci_q(const char *s)
{
	static char buf[2][512];
	static int i;

	i ^= 1;
	return vuar_quote(s, buf[i], sizeof(buf[i]));
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

int oci_desc_parse(const struct oci_layout *l, const struct json *j, struct oci_desc *d,
		   const char **msg)
{
	const char *digest = json_str(json_get(j, "digest"));
	const char *media = json_str(json_get(j, "mediaType"));

	if (!j || j->type != JSON_OBJECT)
		return oci_fail(msg, -EINVAL, "%s: a descriptor that is not an object", l->name);
	if (!digest)
		return oci_fail(msg, -EINVAL, "%s: a descriptor without a digest", l->name);
	if (strncmp(digest, "sha256:", 7))
		return oci_fail(msg, -EINVAL, "%s: digest %s: only sha256 digests are supported",
				l->name, oci_q(digest));
	if (!is_hex64(digest + 7))
		return oci_fail(msg, -EINVAL,
				"%s: digest %s: not sha256 and 64 lowercase hex digits",
				l->name, oci_q(digest));
	if (json_int(json_get(j, "size"), &d->size) < 0 || d->size < 0)
		return oci_fail(msg, -EINVAL, "%s: blob %s: no size, or not a count of bytes",
				l->name, digest);
	memcpy(d->hex, digest + 7, SHA256_HEX_SIZE);
	d->media = media ? media : "";
	d->json = j;
	return 0;
}

/* The blob's bytes from fd hashed (and kept in *text when asked, size
 * bytes at most). 0, or -EIO when it ends early or grows. */
static int hash_fd(int fd, int64_t size, char hex[SHA256_HEX_SIZE], char *text)
{
	static char buf[CHUNK];
	uint8_t d[SHA256_SIZE];
	struct sha256 s;
	int64_t got = 0;
	ssize_t n;

	sha256_init(&s);
	for (;;) {
		n = read(fd, text ? text + got : buf,
			 text ? (size_t)(size - got) + 1 : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		sha256_update(&s, text ? text + got : buf, (size_t)n);
		got += n;
		if (got > size)
			return -EIO;
	}
	if (got != size)
		return -EIO;
	sha256_final(&s, d);
	sha256_hex(d, hex);
	return 0;
}

/* Opens and checks; text: a buffer of d->size + 1 bytes to keep the
 * bytes in, or NULL. */
static int blob_open(const struct oci_layout *l, const struct oci_desc *d, char *text,
		     int *out, const char **msg)
{
	char hex[SHA256_HEX_SIZE];
	struct stat st;
	int fd, r;

	if (l->blobs < 0)
		return oci_fail(msg, -ENOENT, "%s: no blobs/sha256 directory", l->name);
	fd = openat(l->blobs, d->hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		return oci_fail(msg, r, "%s: blob sha256:%s: %s", l->name, d->hex,
				r == -ENOENT ? "missing" : r == -ELOOP
				? "a symlink, not a blob" : strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return oci_fail(msg, -EINVAL, "%s: blob sha256:%s: not a regular file",
				l->name, d->hex);
	}
	if ((int64_t)st.st_size != d->size) {
		close(fd);
		return oci_fail(msg, -EINVAL, "%s: blob sha256:%s: %lld bytes, its descriptor "
				"says %lld", l->name, d->hex, (long long)st.st_size,
				(long long)d->size);
	}
	r = hash_fd(fd, d->size, hex, text);
	if (r == 0 && strcmp(hex, d->hex))
		r = -EBADMSG;
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return oci_fail(msg, r, "%s: blob sha256:%s: %s", l->name, d->hex,
				r == -EBADMSG ? "digest mismatch" : r == -EIO
				? "changed while read" : strerror(-r));
	}
	*out = fd;
	return 0;
}

int oci_blob_open(const struct oci_layout *l, const struct oci_desc *d, int *fd,
		  const char **msg)
{
	return blob_open(l, d, NULL, fd, msg);
}

int oci_blob_json(const struct oci_layout *l, const struct oci_desc *d, size_t max,
		  struct json **out, char **text, size_t *len, const char **msg)
{
	struct json_error err;
	char *buf;
	int fd, r;

	if (d->size > (int64_t)max)
		return oci_fail(msg, -E2BIG, "%s: blob sha256:%s: %lld bytes, more than a %s "
				"may have", l->name, d->hex, (long long)d->size,
				max == OCI_CONFIG_MAX ? "config" : "manifest");
	buf = malloc((size_t)d->size + 1);
	if (!buf)
		return -ENOMEM;
	r = blob_open(l, d, buf, &fd, msg);
	if (r < 0)
		goto out;
	close(fd);
	buf[d->size] = '\0';
	r = json_parse(buf, (size_t)d->size, out, &err);
	if (r < 0 && r != -ENOMEM)
		r = oci_fail(msg, r, "%s: blob sha256:%s: not JSON: %s at byte %zu", l->name,
			     d->hex, err.why, err.offset);
	if (r == 0 && text) {
		*text = buf;
		*len = (size_t)d->size;
		buf = NULL;
	}
out:
	free(buf);
	return r;
}

int oci_blob_tmp(const struct oci_layout *l, int *fd, char tmp[32], const char **msg)
{
	static unsigned seq;
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(tmp, 32, ".vutar-%d-%u", (int)getpid(), seq++);
		*fd = openat(l->blobs, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0644);
		if (*fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	return oci_fail(msg, -errno, "%s: cannot create a blob in blobs/sha256: %s", l->name,
			strerror(errno));
}

/* The blob already there under d's name: the same bytes, or refused. */
static int same_blob(const struct oci_layout *l, const struct oci_desc *d, const char **msg)
{
	int fd, r = oci_blob_open(l, d, &fd, msg);

	if (r < 0)
		return oci_fail(msg, -EEXIST, "%s: blob sha256:%s exists and differs: not "
				"replaced", l->name, d->hex);
	close(fd);
	return 0;
}

int oci_blob_hash(int fd, char hex[SHA256_HEX_SIZE])
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	r = hash_fd(fd, st.st_size, hex, NULL);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	return r;
}

int oci_blob_commit(const struct oci_layout *l, int fd, const char *tmp,
		    struct oci_desc *d, const char **msg)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		goto fail;
	}
	d->size = st.st_size;
	d->media = "";
	d->json = NULL;
	r = hash_fd(fd, d->size, d->hex, NULL);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	if (renameat2(l->blobs, tmp, l->blobs, d->hex, RENAME_NOREPLACE) == 0)
		return 0;
	r = -errno;
	if (r == -EEXIST) {
		unlinkat(l->blobs, tmp, 0);	/* content-addressed: the one there is ours */
		return same_blob(l, d, msg);
	}
fail:
	unlinkat(l->blobs, tmp, 0);	/* nothing names it */
	return oci_fail(msg, r, "%s: cannot store a blob: %s", l->name, strerror(-r));
}

int oci_blob_put(const struct oci_layout *l, const char *buf, size_t len,
		 struct oci_desc *d, const char **msg)
{
	char tmp[32];
	size_t done = 0;
	ssize_t n;
	int fd, r = oci_blob_tmp(l, &fd, tmp, msg);

	if (r < 0)
		return r;
	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			unlinkat(l->blobs, tmp, 0);	/* nothing names it */
			close(fd);
			return oci_fail(msg, r, "%s: cannot write a blob: %s", l->name,
					strerror(-r));
		}
		done += (size_t)n;
	}
	r = oci_blob_commit(l, fd, tmp, d, msg);
	close(fd);
	return r;
}

int oci_read_file(int dfd, const char *name, size_t max, char **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	char *b;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((size_t)st.st_size > max)
		r = -EFBIG;
	if (r < 0) {
		close(fd);
		return r;
	}
	b = malloc(max + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, b + got, max + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		r = -errno;
	else if (got > max)
		r = -EFBIG;
	close(fd);
	if (r < 0) {
		free(b);
		return r;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}
