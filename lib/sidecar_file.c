// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sidecar_file — where a layer's sidecar lives and whether it may be
 * believed. A sidecar tells every program who owns what: one that
 * another local user could plant or change would make a victim's view
 * or tarball hold a setuid root shell. So:
 *  1. LAYER/.vuovl is opened beneath the layer's fd with O_NOFOLLOW (a
 *     symlink there is refused, never followed out of the layer), and
 *     SQLite reaches meta.db, -wal and -shm through that pinned fd
 *     (/proc/self/fd/N/..., kept unresolved by the vuovl-fd VFS of
 *     sidecar_db.c), so no rename of a path redirects it;
 *  2. the directory and the file are owned by the caller, root, or the
 *     layer directory's own owner, and neither group- nor world-
 *     writable; meta.db is a regular file, never a symlink;
 *  3. a file vuovl creates is made 0600 whatever the umask.
 * Without /proc (a process that has none mounted), the path is used as
 * it was checked.
 */
#include "config.h"
#include "sidecar_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sidecar.h"

static int fail(struct sc_place *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct sc_place *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Rule 2 for st (the sidecar's directory or file, named what). */
static int check_trust(struct sc_place *p, const struct stat *st, uid_t layer_owner,
		       const char *what)
{
	if (st->st_uid != geteuid() && st->st_uid != 0 && st->st_uid != layer_owner)
		return fail(p, -EPERM, "%s is owned by uid %u, neither you, root nor the "
			    "layer's owner: not believed", what, (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return fail(p, -EPERM, "%s is writable by %s: not believed (chmod go-w it)",
			    what, st->st_mode & S_IWOTH ? "everyone" : "its group");
	return 0;
}

/* meta.db in dirfd: absent (-ENOENT), or a regular file to believe. */
static int check_file(struct sc_place *p, uid_t layer_owner)
{
	struct stat st;

	if (fstatat(p->dirfd, p->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -ENOENT
		       : fail(p, -errno, "%s: %s", p->shown, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return fail(p, -ELOOP, "%s is a symbolic link: refused", p->shown);
	if (!S_ISREG(st.st_mode))
		return fail(p, -EBADMSG, "%s is not a regular file", p->shown);
	return check_trust(p, &st, layer_owner, p->shown);
}

/* The name SQLite gets: through the pinned directory when /proc has it. */
static int sql_name(struct sc_place *p, const char *checked)
{
	char proc[64];
	int n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->dirfd);
	if (access(proc, X_OK) == 0)
		n = asprintf(&p->sqlpath, "%s/%s", proc, p->base);
	else
		n = asprintf(&p->sqlpath, "%s", checked);
	return n < 0 ? fail(p, -ENOMEM, "out of memory") : 0;
}

int scf_place(int layer_fd, const char *layer_path, const char *dbpath, int create,
	      struct sc_place *p)
{
	struct stat lst, st;
	int r;

	memset(p, 0, sizeof(*p));
	p->dirfd = -1;
	if (layer_fd >= 0 && fstat(layer_fd, &lst) < 0)
		return fail(p, -errno, "%s: %s", layer_path, strerror(errno));
	if (layer_fd < 0)
		lst.st_uid = geteuid();
	if (dbpath) {
		/* a file the user named: its directory as given, the file
		 * itself never through a symlink */
		char *d = strdup(dbpath), *b = strdup(dbpath);

		if (!d || !b) {
			free(d);
			free(b);
			return fail(p, -ENOMEM, "out of memory");
		}
		p->dirfd = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC);
		r = p->dirfd < 0 ? -errno : 0;
		snprintf(p->base, sizeof(p->base), "%s", basename(b));
		free(d);
		free(b);
		if (asprintf(&p->shown, "%s", dbpath) < 0)
			return fail(p, -ENOMEM, "out of memory");
		if (r)
			return fail(p, r, "%s: %s", dbpath, strerror(-r));
		lst.st_uid = geteuid();	/* the user chose it: theirs to trust */
	} else {
		if (asprintf(&p->shown, "%s/%s/%s", layer_path, SIDECAR_DIR, SIDECAR_FILE) < 0)
			return fail(p, -ENOMEM, "out of memory");
		snprintf(p->base, sizeof(p->base), "%s", SIDECAR_FILE);
		if (create && mkdirat(layer_fd, SIDECAR_DIR, 0700) < 0 && errno != EEXIST)
			return fail(p, -errno, "cannot create %s/%s: %s", layer_path, SIDECAR_DIR,
				    strerror(errno));
		p->dirfd = openat(layer_fd, SIDECAR_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW |
				  O_CLOEXEC);
		if (p->dirfd < 0) {
			r = -errno;
			if (r == -ENOENT)
				return r;	/* no sidecar: not an error to report */
			return fail(p, r, "%s/%s %s", layer_path, SIDECAR_DIR,
				    r == -ELOOP || r == -ENOTDIR
				    ? "is not a directory (a symbolic link?): refused" : strerror(-r));
		}
		if (fstat(p->dirfd, &st) < 0)
			return fail(p, -errno, "%s/%s: %s", layer_path, SIDECAR_DIR, strerror(errno));
		r = check_trust(p, &st, lst.st_uid, SIDECAR_DIR);
		if (r)
			return r;
	}
	r = check_file(p, lst.st_uid);
	if (r && !(r == -ENOENT && create))
		return r;
	p->created = r == -ENOENT;
	return sql_name(p, p->shown);
}

int scf_settle(struct sc_place *p)
{
	/* rule 3: SQLite made it as the umask allows */
	if (p->created && fchmodat(p->dirfd, p->base, 0600, 0) < 0 && errno != ENOENT)
		return fail(p, -errno, "%s: %s", p->shown, strerror(errno));
	p->created = 0;
	return 0;
}

void scf_release(struct sc_place *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	free(p->sqlpath);
	free(p->shown);
	memset(p, 0, sizeof(*p));
	p->dirfd = -1;
}
