// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_writer — the writing end of vutar -c, shared by what packs a
 * directory (archive_create.c) and what packs a view of layers
 * (tools/vutar_view.c): an archive open for writing, its hard-link
 * resolver, the last changes to an entry (--owner, --mtime...), data
 * copied from an fd, counts and progress, and the problems reported.
 */
#include "config.h"
#include "vuar_int.h"
#include "sidecar.h"
#include "whiteout.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_BUF (256 * 1024)

void vuar_writer_report(struct vuar_writer *w, const char *entry, const char *why)
{
	size_t n = strlen(entry);

	/* libarchive's messages may name the entry again */
	if (why && n && !strncmp(why, entry, n) && !strncmp(why + n, ": ", 2))
		why += n + 2;
	w->failed = 1;
	if (w->o->report)
		w->o->report(w->o->arg, entry, why, 0);
}

/*
 * The archive's size before compression, with the padding of its last
 * block that libarchive adds outside its count: GNU tar's "Total bytes
 * written". A compressed stream's tar is never padded.
 */
static uint64_t archive_size(struct archive *a)
{
	uint64_t n = (uint64_t)archive_filter_bytes(a, 0);
	int last = archive_write_get_bytes_in_last_block(a);
	uint64_t unit = (uint64_t)(last > 0 ? last : archive_write_get_bytes_per_block(a));

	if (archive_filter_count(a) > 1 || unit <= 1)
		return n;
	return (n + unit - 1) / unit * unit;
}

static void progress(struct vuar_writer *w, int done)
{
	struct vuar_progress p = {
		.entries = w->n,
		.bytes = w->bytes,
		.archive_bytes = done ? archive_size(w->a)
			: (uint64_t)archive_filter_bytes(w->a, 0),
		.done = done,
	};

	if (w->o->progress)
		w->o->progress(w->o->arg, &p);
}

const char *vuar_user_name(uid_t uid)
{
	static uid_t last = (uid_t)-1;
	static char name[VMETA_NAME_MAX];
	struct passwd *pw;

	if (uid != last) {
		pw = getpwuid(uid);
		snprintf(name, sizeof(name), "%s", pw ? pw->pw_name : "");
		last = uid;
	}
	return name;
}

const char *vuar_group_name(gid_t gid)
{
	static gid_t last = (gid_t)-1;
	static char name[VMETA_NAME_MAX];
	struct group *gr;

	if (gid != last) {
		gr = getgrgid(gid);
		snprintf(name, sizeof(name), "%s", gr ? gr->gr_name : "");
		last = gid;
	}
	return name;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t vuar_sorted_names(char *names, ssize_t len, char **out)
{
	size_t n = 0;
	ssize_t i;

	for (i = 0; i < len; i += (ssize_t)strlen(names + i) + 1)
		out[n++] = names + i;
	qsort(out, n, sizeof(*out), by_string);
	return n;
}

void vuar_add_xattrs(struct archive_entry *e, char *names, ssize_t len,
		     vuar_xattr_get_fn get, void *arg)
{
	char val[65536], *sorted[VUAR_XATTR_NAMES / 2];
	size_t n, i;
	ssize_t v;

	n = vuar_sorted_names(names, len, sorted);
	for (i = 0; i < n; i++) {
		v = get(arg, sorted[i], val, sizeof(val));
		if (v < 0)
			continue;
		/* ACLs go as ACLs (SCHILY.acl.*), as tar --acls reads them */
		if (!strncmp(sorted[i], "system.posix_acl_", 17) &&
		    vuar_acl_add(e, sorted[i], val, (size_t)v) == 0)
			continue;
		archive_entry_xattr_add_entry(e, sorted[i], val, (size_t)v);
	}
}

static int copy_data(struct vuar_writer *w, int fd, const char *entry)
{
	ssize_t n;

	for (;;) {
		n = read(fd, w->buf, COPY_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		if (archive_write_data(w->a, w->buf, (size_t)n) < 0) {
			vuar_writer_report(w, entry, archive_error_string(w->a));
			return -EIO;
		}
		w->bytes += (uint64_t)n;
		progress(w, 0);
	}
}

static int write_entry(struct vuar_writer *w, struct archive_entry *e, int fd,
		       const char *entry)
{
	struct archive_entry *spare = NULL;
	int r, with_data;
	const char *p = archive_entry_pathname(e), *b = p ? strrchr(p, '/') : NULL;

	/* vuovl's whiteouts share one inode: each is its own entry */
	b = b ? b + 1 : p;
	if (b && whiteout_is_reserved(b) && archive_entry_filetype(e) == AE_IFREG)
		archive_entry_set_nlink(e, 1);
	archive_entry_linkify(w->lr, &e, &spare);
	if (!e)
		return 0;
	if (archive_entry_hardlink(e)) {
		/* a link's xattrs and ACLs are its target's, written once:
		 * GNU tar writes none on a link, and extracts them from it */
		archive_entry_xattr_clear(e);
		archive_entry_acl_clear(e);
	}
	with_data = fd >= 0 && !archive_entry_hardlink(e) &&
		archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0;
	r = archive_write_header(w->a, e);
	if (r < ARCHIVE_WARN) {
		vuar_writer_report(w, entry, archive_error_string(w->a));
		return r == ARCHIVE_FATAL ? -EIO : 0;
	}
	if (with_data && copy_data(w, fd, entry) < 0)
		return -EIO;
	return 0;
}

int vuar_writer_add(struct vuar_writer *w, struct archive_entry *e, int fd,
		    const char *entry)
{
	int r;

	vuar_override(w->o, e);
	if (w->o->verbose_name)
		w->o->verbose_name(w->o->arg, archive_entry_pathname(e));
	r = write_entry(w, e, fd, entry);
	w->n++;
	progress(w, 0);
	return r;
}

int vuar_writer_marker(struct vuar_writer *w, const char *name, const struct timespec *mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return -ENOMEM;
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	archive_entry_set_nlink(e, 1);
	archive_entry_set_mtime(e, mtime->tv_sec, mtime->tv_nsec);
	r = vuar_writer_add(w, e, -1, name);
	archive_entry_free(e);
	return r;
}

int vuar_writer_open(struct vuar_writer *w, const char *archive,
		     const struct vuar_opts *o, const char **msg)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->o = o;
	w->buf = malloc(COPY_BUF);
	if (!w->buf)
		return vuar_fail(msg, -ENOMEM, "%s", strerror(ENOMEM));
	r = vuar_open_write(archive, o, &w->a, msg);
	if (r < 0) {
		free(w->buf);
		return r;
	}
	w->lr = archive_entry_linkresolver_new();
	if (!w->lr) {
		archive_write_free(w->a);
		free(w->buf);
		return vuar_fail(msg, -ENOMEM, "%s", strerror(ENOMEM));
	}
	archive_entry_linkresolver_set_strategy(w->lr, archive_format(w->a));
	return 0;
}

int vuar_writer_close(struct vuar_writer *w)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		vuar_writer_report(w, "", archive_error_string(w->a));
	else
		progress(w, 1);
	archive_write_free(w->a);
	archive_entry_linkresolver_free(w->lr);
	free(w->buf);
	return w->failed;
}
