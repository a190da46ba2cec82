// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_list — vutar -t and -tv, in GNU tar's listing format so scripts
 * and eyes used to `tar -tv` read it unchanged.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char type_char(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return 'h';
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR: return 'd';
	case AE_IFLNK: return 'l';
	case AE_IFCHR: return 'c';
	case AE_IFBLK: return 'b';
	case AE_IFIFO: return 'p';
	case AE_IFSOCK: return 's';
	default: return '-';
	}
}

/* "drwxr-sr-t": type, then rwx triplets with s/S/t/T for the high bits. */
void vuar_mode_string(struct archive_entry *e, char out[11])
{
	mode_t m = archive_entry_perm(e);
	const char *rwx = "rwxrwxrwx";
	int i;

	out[0] = type_char(e);
	for (i = 0; i < 9; i++)
		out[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

static void list_long(FILE *out, struct archive_entry *e, int numeric, int *ugswidth)
{
	char mode[11], ug[160], size[48], date[32], q[VUAR_QUOTE_MAX];
	const char *un = numeric ? NULL : archive_entry_uname(e);
	const char *gn = numeric ? NULL : archive_entry_gname(e);
	char ubuf[24], gbuf[24];
	time_t t = archive_entry_mtime(e);
	struct tm tm;
	int pad;

	vuar_mode_string(e, mode);
	if (!un || !*un) {
		snprintf(ubuf, sizeof(ubuf), "%" PRId64, (int64_t)archive_entry_uid(e));
		un = ubuf;
	}
	if (!gn || !*gn) {
		snprintf(gbuf, sizeof(gbuf), "%" PRId64, (int64_t)archive_entry_gid(e));
		gn = gbuf;
	}
	snprintf(ug, sizeof(ug), "%s/%s", un, gn);
	if (!archive_entry_hardlink(e) &&
	    (archive_entry_filetype(e) == AE_IFCHR ||
	     archive_entry_filetype(e) == AE_IFBLK))
		snprintf(size, sizeof(size), "%lu,%lu",
			 (unsigned long)archive_entry_rdevmajor(e),
			 (unsigned long)archive_entry_rdevminor(e));
	else
		snprintf(size, sizeof(size), "%" PRId64,
			 (int64_t)archive_entry_size(e));
	/* GNU tar's column: user/group and size fill a width that only grows. */
	pad = *ugswidth - (int)strlen(ug) - (int)strlen(size);
	if (pad < 1) {
		*ugswidth += 1 - pad;
		pad = 1;
	}
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	fprintf(out, "%s %s%*s%s %s %s", mode, ug, pad, "", size, date,
		vuar_quote(archive_entry_pathname(e), q, sizeof(q)));
	if (archive_entry_hardlink(e))
		fprintf(out, " link to %s", vuar_quote(archive_entry_hardlink(e), q, sizeof(q)));
	else if (archive_entry_filetype(e) == AE_IFLNK)
		fprintf(out, " -> %s", vuar_quote(archive_entry_symlink(e), q, sizeof(q)));
	fputc('\n', out);
}

int vuar_list(const char *archive, FILE *out, const struct vuar_opts *o,
	      const char **msg)
{
	struct vuar_reader rd;
	struct archive_entry *e;
	int ugswidth = 19, r;
	char q[VUAR_QUOTE_MAX];

	r = vuar_reader_open(&rd, archive, o, msg);
	if (r < 0)
		return r;
	while (vuar_reader_next(&rd, &e) > 0) {
		if (o->verbose)
			list_long(out, e, o->numeric_owner, &ugswidth);
		else
			fprintf(out, "%s\n", vuar_quote(archive_entry_pathname(e), q, sizeof(q)));
	}
	return vuar_reader_close(&rd);
}
