// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_filter — opening archives: a reader that takes every format and
 * filter libarchive knows; a writer whose format and compression the
 * options or the archive name's suffix choose (bsdtar -a), refusing the
 * formats that cannot hold the owners vutar is there to keep.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The one sentence a fatal error leaves for the program to print. */
int vuar_fail(const char **msg, int err, const char *fmt, ...)
{
	static char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*msg = buf;
	return err;
}

static int is_stdio(const char *name)
{
	return name == NULL || strcmp(name, "-") == 0;
}

int vuar_open_read(const char *archive, struct archive **out, const char **msg)
{
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return -ENOMEM;
	/* every archive format libarchive reads, but not mtree: a spec, not
	 * an archive (any text passes for one, and its contents= keyword
	 * copies host files into the tree), nor raw */
	archive_read_support_format_7zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_empty(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_warc(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip(a);
	archive_read_support_filter_all(a);
	if (is_stdio(archive))
		r = archive_read_open_fd(a, 0, 64 * 1024);
	else
		r = archive_read_open_filename(a, archive, 64 * 1024);
	if (r != ARCHIVE_OK) {
		int err = archive_errno(a) > 0 ? archive_errno(a) : EINVAL;

		vuar_fail(msg, -err, "cannot read %s: %s",
			  is_stdio(archive) ? "-" : archive,
			  archive_error_string(a) ? archive_error_string(a)
			  : strerror(err));
		archive_read_free(a);
		return -err;
	}
	*out = a;
	return 0;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

enum vuar_filter vuar_filter_for_name(const char *archive)
{
	if (is_stdio(archive))
		return VUAR_FILTER_NONE;
	if (ends_with(archive, ".gz") || ends_with(archive, ".tgz"))
		return VUAR_FILTER_GZIP;
	if (ends_with(archive, ".xz") || ends_with(archive, ".txz"))
		return VUAR_FILTER_XZ;
	if (ends_with(archive, ".zst") || ends_with(archive, ".tzst"))
		return VUAR_FILTER_ZSTD;
	if (ends_with(archive, ".bz2") || ends_with(archive, ".tbz2"))
		return VUAR_FILTER_BZIP2;
	if (ends_with(archive, ".lz4"))
		return VUAR_FILTER_LZ4;
	return VUAR_FILTER_NONE;
}

static int add_filter(struct archive *a, enum vuar_filter f)
{
	switch (f) {
	case VUAR_FILTER_GZIP: return archive_write_add_filter_gzip(a);
	case VUAR_FILTER_XZ: return archive_write_add_filter_xz(a);
	case VUAR_FILTER_ZSTD: return archive_write_add_filter_zstd(a);
	case VUAR_FILTER_BZIP2: return archive_write_add_filter_bzip2(a);
	case VUAR_FILTER_LZ4: return archive_write_add_filter_lz4(a);
	default: return archive_write_add_filter_none(a);
	}
}

int vuar_is_stdio(const char *archive)
{
	return is_stdio(archive);
}

/* The libarchive format code libarchive's own table gives name, or 0;
 * its name in what (what_size bytes). */
static int format_code_by_ext(const char *name, char *what, size_t what_size)
{
	struct archive *scratch = archive_write_new();
	int code = 0;

	/* a failed lookup leaves an archive fatal: ask a throwaway one */
	if (scratch && archive_write_set_format_filter_by_ext(scratch, name) == ARCHIVE_OK) {
		code = archive_format(scratch);
		snprintf(what, what_size, "%s", archive_format_name(scratch));
	}
	archive_write_free(scratch);
	return code;
}

/* The format a name's suffix asks for: "x.cpio.gz" is a cpio as
 * "x.cpio" is. 0 when the suffix names no format. */
static int format_code_for_name(const char *archive, char *what, size_t what_size)
{
	char base[PATH_MAX];
	const char *dot;
	int code = format_code_by_ext(archive, what, what_size);

	if (code || vuar_filter_for_name(archive) == VUAR_FILTER_NONE)
		return code;
	dot = strrchr(archive, '.');
	if (!dot || (size_t)(dot - archive) >= sizeof(base))
		return 0;
	memcpy(base, archive, (size_t)(dot - archive));
	base[dot - archive] = '\0';
	return format_code_by_ext(base, what, what_size);
}

/*
 * The format -c writes: the one asked for, else the one the name's
 * suffix names (bsdtar -a), else pax. 0, or -EINVAL (said in msg) for a
 * suffix naming a format that keeps no owners (7-Zip, ISO 9660, ar).
 */
static int pick_format(const char *archive, enum vuar_format asked,
		       enum vuar_format *out, const char **msg)
{
	char what[64] = "";
	int code;

	*out = asked;
	if (asked != VUAR_FORMAT_AUTO)
		return 0;
	*out = VUAR_PAX;
	code = is_stdio(archive) ? 0 : format_code_for_name(archive, what, sizeof(what));
	switch (code & ARCHIVE_FORMAT_BASE_MASK) {
	case 0:
	case ARCHIVE_FORMAT_TAR:
		return 0;
	case ARCHIVE_FORMAT_ZIP:
		*out = VUAR_ZIP;
		return 0;
	case ARCHIVE_FORMAT_CPIO:
		*out = code == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC ? VUAR_NEWC : VUAR_CPIO;
		return 0;
	}
	return vuar_fail(msg, -EINVAL, "cannot create %s: a %s archive cannot keep a tree's "
			 "owners, modes and devices (name it .tar, .cpio or .zip, or give "
			 "--format)", archive, what);
}

static int set_format(struct archive *a, enum vuar_format f)
{
	int r;

	switch (f) {
	case VUAR_GNU: return archive_write_set_format_gnutar(a);
	case VUAR_USTAR: return archive_write_set_format_ustar(a);
	case VUAR_CPIO: return archive_write_set_format_cpio_odc(a);
	case VUAR_NEWC: return archive_write_set_format_cpio_newc(a);
	case VUAR_ZIP: return archive_write_set_format_zip(a);
	default:
		r = archive_write_set_format_pax_restricted(a);
		/* SCHILY.xattr.* alone, the form GNU tar reads: it warns
		 * about each LIBARCHIVE.xattr.* libarchive adds by default */
		return r == ARCHIVE_OK ? archive_write_set_format_option(a, "pax",
				"xattrheader", "SCHILY") : r;
	}
}

int vuar_open_write(const char *archive, const struct vuar_opts *o,
		    struct archive **out, const char **msg)
{
	enum vuar_filter f = o->filter == VUAR_FILTER_AUTO
		? vuar_filter_for_name(archive) : o->filter;
	enum vuar_format fmt;
	struct archive *a;
	int r = pick_format(archive, o->format, &fmt, msg);

	if (r < 0)
		return r;
	a = archive_write_new();
	if (!a)
		return -ENOMEM;
	r = set_format(a, fmt);
	if (r == ARCHIVE_OK)
		r = add_filter(a, f);
	/* --mtime asks for the same bytes at any time: gzip's header then
	 * holds no time either (a libarchive without the option writes one) */
	if (r == ARCHIVE_OK && f == VUAR_FILTER_GZIP && (o->force.mask & VUAR_FORCE_MTIME))
		archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	/* a compressed stream ends where it ends: zeros padded after it are
	 * trailing garbage to zstd and xz (tar --zstd -t fails), and a zip
	 * ends with its directory */
	if (r == ARCHIVE_OK && (f != VUAR_FILTER_NONE || fmt == VUAR_ZIP))
		r = archive_write_set_bytes_in_last_block(a, 1);
	if (r == ARCHIVE_OK)
		r = is_stdio(archive) ? archive_write_open_fd(a, 1)
			: archive_write_open_filename(a, archive);
	if (r != ARCHIVE_OK) {
		r = archive_errno(a) > 0 ? -archive_errno(a) : -EINVAL;
		vuar_fail(msg, r, "cannot create %s: %s", is_stdio(archive) ? "-" : archive,
			  archive_error_string(a) ? archive_error_string(a) : strerror(-r));
		archive_write_free(a);
		return r;
	}
	*out = a;
	return 0;
}

/* libarchive's raw format: one entry, its data the whole stream */
int vuar_compress_fd(int in, int out, enum vuar_filter f, const char **msg)
{
	static char buf[1 << 16];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	ssize_t n = 0;
	int r;

	if (!a || !e) {
		archive_write_free(a);
		archive_entry_free(e);
		return vuar_fail(msg, -ENOMEM, "cannot compress: %s", strerror(ENOMEM));
	}
	r = archive_write_set_format_raw(a);
	if (r == ARCHIVE_OK)
		r = add_filter(a, f);
	if (r == ARCHIVE_OK && f == VUAR_FILTER_GZIP)
		r = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_in_last_block(a, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open_fd(a, out);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "data");
	if (r == ARCHIVE_OK)
		r = archive_write_header(a, e);
	while (r == ARCHIVE_OK && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (archive_write_data(a, buf, (size_t)n) != n)
			r = ARCHIVE_FATAL;
	}
	if (n < 0) {
		r = -errno;
		vuar_fail(msg, r, "cannot read what to compress: %s", strerror(-r));
	} else if (r != ARCHIVE_OK || (r = archive_write_close(a)) != ARCHIVE_OK) {
		r = archive_errno(a) > 0 ? -archive_errno(a) : -EIO;
		vuar_fail(msg, r, "cannot compress: %s",
			  archive_error_string(a) ? archive_error_string(a) : strerror(-r));
	}
	archive_entry_free(e);
	archive_write_free(a);
	return r;
}

int vuar_decompress_fd(int in, int (*sink)(void *arg, const void *buf, size_t len),
		       void *arg, const char **msg)
{
	static char buf[1 << 16];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	la_ssize_t n;
	int r;

	if (!a)
		return vuar_fail(msg, -ENOMEM, "cannot decompress: %s", strerror(ENOMEM));
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	r = archive_read_open_fd(a, in, sizeof(buf));
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &e);
	if (r != ARCHIVE_OK)
		goto fail;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if ((r = sink(arg, buf, (size_t)n)) < 0) {
			archive_read_free(a);
			return r;
		}
	if (n == 0) {
		archive_read_free(a);
		return 0;
	}
fail:
	r = archive_errno(a) > 0 ? -archive_errno(a) : -EIO;
	vuar_fail(msg, r, "cannot decompress: %s",
		  archive_error_string(a) ? archive_error_string(a) : strerror(-r));
	archive_read_free(a);
	return r;
}
