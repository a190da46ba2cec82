// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_filter — opening archives: a reader that takes every format and
 * filter libarchive knows, and the compression a name's suffix asks for.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int vuar_add_filter(struct archive *a, enum vuar_filter f)
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
