// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_cat — vutar -xO: the data of the selected regular members, one
 * after the other, to a file descriptor (GNU tar's --to-stdout). Nothing
 * is made: no directory, no sidecar, no lock is touched.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_SIZE (256 * 1024)

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The member's data to fd, holes as zeros (archive_read_data fills
 * them). 0, -EIO for the archive's error, or -errno of the write. */
static int cat_data(struct vuar_reader *rd, int fd, char *buf)
{
	for (;;) {
		la_ssize_t n = archive_read_data(rd->a, buf, BUF_SIZE);
		int r;

		if (n == 0)
			return 0;
		if (n < 0)
			return -EIO;
		r = write_all(fd, buf, (size_t)n);
		if (r < 0)
			return r;
		vuar_reader_tick(rd);
	}
}

int vuar_cat(const char *archive, int fd, const struct vuar_opts *o, const char **msg)
{
	struct vuar_reader rd;
	struct archive_entry *e;
	char *buf = malloc(BUF_SIZE);
	int r = buf ? vuar_reader_open(&rd, archive, o, msg) : -ENOMEM;

	if (r < 0) {
		free(buf);
		return r;
	}
	while (vuar_reader_next(&rd, &e) > 0) {
		const char *entry = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";

		if (!vuar_strip(entry, o->strip))
			continue;	/* as -x passes it over */
		if (o->verbose_name)
			o->verbose_name(o->arg, entry);
		/* GNU tar: file data only; a tar's hard link has none */
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) <= 0)
			continue;
		r = cat_data(&rd, fd, buf);
		if (r == -EIO) {
			rd.failed = 1;
			if (o->report)
				o->report(o->arg, entry, archive_error_string(rd.a), 0);
		} else if (r < 0) {
			vuar_reader_free(&rd);
			free(buf);
			return vuar_fail(msg, r, "cannot write the data: %s", strerror(-r));
		}
	}
	free(buf);
	return vuar_reader_close(&rd);
}
