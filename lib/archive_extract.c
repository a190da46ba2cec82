// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_extract — vutar -x. Creates every entry with *at() calls beneath
 * an O_DIRECTORY fd of DIR, opening each parent component with O_NOFOLLOW
 * (so a symlink, even one the archive planted, is never walked through),
 * and records what the host cannot hold (owners, full modes, devices,
 * privileged xattrs) in DIR's sidecar. Host files stay owned by the user
 * and at least u+rw (dirs u+rwx), so the user can always manage them.
 */
#include "config.h"
#include "vuar_int.h"
#include "sidecar.h"
#include "lock.h"
#include "idmap.h"
#include "acl.h"

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define FLUSH_EVERY 10000

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct xctx {
	const struct vuar_opts *o;
	struct archive *a;
	struct vuar_reader *rd;	/* a's, for progress within data */
	struct sidecar *sc;
	int root;		/* DIR */
	mode_t umask;		/* the user's: host modes never more open (host_mode) */
	int failed;
	int warned_abs;
	char cache_path[PATH_MAX];	/* parent dir of the last entry */
	int cache_fd;			/* -1 when none */
	struct dir_time *dirs;
	size_t ndirs, capdirs;
	char *buf;
	size_t bufsize;
	struct vuar_seen *seen;	/* --layer: what this archive wrote */
};

static void report(struct xctx *x, const char *entry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct xctx *x, const char *entry, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	x->failed = 1;
	if (x->o->report)
		x->o->report(x->o->arg, entry, why, 0);
}

static void cache_drop(struct xctx *x)
{
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_fd = -1;
	x->cache_path[0] = '\0';
}

/*
 * Opens the directory rel (a cleaned path, "" for DIR) one component at a
 * time, never following a symlink. With create, missing components are
 * made (mode 0755). Returns an fd the caller closes, or -errno (-ELOOP or
 * -ENOTDIR when a component is a symlink or not a directory).
 */
static int open_dir_beneath(int root, const char *rel, int create)
{
	char comp[NAME_MAX + 1];
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	const char *p = rel;

	if (fd < 0)
		return -errno;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int nfd;

		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int err = -errno;

				close(fd);
				return err;
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		close(fd);
		fd = nfd;
		p += n;
		if (*p == '/')
			p++;
	}
	return fd;
}

/* The parent fd of rel (owned by the cache) and its last component. */
static int parent_of(struct xctx *x, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	char parent[PATH_MAX];
	size_t n = slash ? (size_t)(slash - rel) : 0;
	int fd;

	memcpy(parent, rel, n);
	parent[n] = '\0';
	*name = slash ? slash + 1 : rel;
	if (x->cache_fd >= 0 && strcmp(parent, x->cache_path) == 0)
		return x->cache_fd;
	cache_drop(x);
	fd = open_dir_beneath(x->root, parent, 1);
	if (fd < 0)
		return fd;
	x->cache_fd = fd;
	memcpy(x->cache_path, parent, n + 1);
	return fd;
}

static const char *walk_error(int err)
{
	if (err == -ELOOP || err == -ENOTDIR)
		return "refusing to write through a symlink or non-directory";
	return strerror(-err);
}

/* Removes what is at name so a new entry can take its place. */
static int make_room(struct xctx *x, int pfd, const char *name,
		     const char *rel)
{
	if (x->o->layer) {
		/* a layer's file replaces a lower layer's whole tree */
		int r = vuar_remove_tree(pfd, name);

		if (r < 0 && r != -ENOENT)
			return r;
	} else if (unlinkat(pfd, name, 0) < 0) {
		if (errno != EISDIR && errno != EPERM)
			return errno == ENOENT ? 0 : -errno;
		if (unlinkat(pfd, name, AT_REMOVEDIR) < 0)
			return -errno;
	}
	if (x->sc)
		sidecar_unlink(x->sc, rel);
	return 0;
}

/* Writes the entry's data at its offsets (holes stay holes); *end is
 * where the last block ended. */
static int write_data(struct xctx *x, int fd, int64_t *end)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	*end = 0;
	for (;;) {
		r = archive_read_data_block(x->a, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		*end = off + (int64_t)size;
		if (r < ARCHIVE_WARN)
			return -EIO;
		while (size > 0) {
			ssize_t w = pwrite(fd, buf, size, off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			buf = (const char *)buf + w;
			size -= (size_t)w;
			off += w;
		}
		vuar_reader_tick(x->rd);
	}
}

/* numeric: GNU tar's --numeric-owner, the names are not kept */
static void vmeta_from_entry(struct archive_entry *e, int numeric, struct vmeta *m)
{
	const char *un = numeric ? NULL : archive_entry_uname(e);
	const char *gn = numeric ? NULL : archive_entry_gname(e);

	memset(m, 0, sizeof(*m));
	m->mask = VMETA_UID | VMETA_GID | VMETA_MODE;
	m->uid = (uid_t)archive_entry_uid(e);
	m->gid = (gid_t)archive_entry_gid(e);
	m->mode = archive_entry_filetype(e) | (archive_entry_perm(e) & 07777);
	if (un && *un && strlen(un) < VMETA_NAME_MAX) {
		strcpy(m->uname, un);
		m->mask |= VMETA_UNAME;
	}
	if (gn && *gn && strlen(gn) < VMETA_NAME_MAX) {
		strcpy(m->gname, gn);
		m->mask |= VMETA_GNAME;
	}
	if (S_ISCHR(m->mode) || S_ISBLK(m->mode)) {
		m->rdev = makedev(archive_entry_rdevmajor(e),
				  archive_entry_rdevminor(e));
		m->mask |= VMETA_RDEV;
	}
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* user.* go on the host file (fd, or -1 when it cannot hold them);
 * privileged names go to the sidecar. */
static void apply_xattrs(struct xctx *x, struct archive_entry *e, int fd,
			 const char *rel, const struct stat *st,
			 const char *entry)
{
	const char *name;
	const void *val;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return;
	while (archive_entry_xattr_next(e, &name, &val, &size) == ARCHIVE_OK) {
		if (vmeta_xattr_is_virtual(name)) {
			int r = x->sc ? sidecar_xattr_set(x->sc, rel, st, name,
							  val, size, 0) : -ENOTSUP;

			if (r < 0)
				report(x, entry, "cannot record xattr %s: %s",
				       name, strerror(-r));
		} else if (fd >= 0) {
			if (fsetxattr(fd, name, val, size, 0) < 0)
				report(x, entry, "cannot set xattr %s: %s",
				       name, strerror(errno));
		}
	}
}

struct acl_dest {
	struct xctx *x;
	const char *rel;
	const struct stat *st;
};

static int record_acl(void *arg, const char *name, const void *value, size_t size)
{
	struct acl_dest *d = arg;
	struct vmeta m;
	mode_t perm;
	bool minimal;
	int r = sidecar_xattr_set(d->x->sc, d->rel, d->st, name, value, size, 0);

	/* the mode's group bits are the mask's (libarchive gives the owning
	 * group's): as the kernel keeps an access ACL and its mode in step */
	if (r == 0 && !strcmp(name, ACL_XATTR_ACCESS) &&
	    acl_to_mode(value, size, &perm, &minimal) == 0 &&
	    sidecar_get(d->x->sc, d->rel, d->st, &m) == 0 && (m.mask & VMETA_MODE)) {
		m.mode = (m.mode & ~0777u) | perm;
		m.mask = VMETA_MODE;
		r = sidecar_set(d->x->sc, d->rel, d->st, &m);
	}
	return r;
}

/* True when a row would say nothing the file does not show without one
 * (vuovl-sidecar(5)): the layer's root owner stands for the owner, the
 * host mode is the archive's, the names are those vutar -c writes for
 * these ids, and there is no device number or ACL. A root file system's
 * sidecar then holds only its exceptions: fewer rows to write here, and
 * to load at every mount of the layer. Not when the name has a row
 * already (it is updated), nor for a file with other links (a row of
 * its inode may stand for them all). */
static bool row_adds_nothing(struct xctx *x, const char *rel, const struct stat *st,
			     const struct vmeta *m, struct archive_entry *e)
{
	struct stat shown = *st;
	struct vmeta old;

	if ((!S_ISDIR(st->st_mode) && st->st_nlink != 1) ||
	    sidecar_get(x->sc, rel, NULL, &old) == 0)
		return false;
	if ((m->mask & VMETA_RDEV) ||
	    archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS |
				       ARCHIVE_ENTRY_ACL_TYPE_DEFAULT) > 0)
		return false;
	sidecar_owner_of(x->sc, &shown);
	if (shown.st_uid != m->uid || shown.st_gid != m->gid || shown.st_mode != m->mode)
		return false;
	return (!(m->mask & VMETA_UNAME) || !strcmp(m->uname, vuar_user_name(m->uid))) &&
	       (!(m->mask & VMETA_GNAME) || !strcmp(m->gname, vuar_group_name(m->gid)));
}

static void record(struct xctx *x, const char *rel, const struct stat *st,
		   struct archive_entry *e, const char *entry)
{
	struct acl_dest d = { x, rel, st };
	struct vmeta m;
	int r;

	vmeta_from_entry(e, x->o->numeric_owner, &m);
	if (row_adds_nothing(x, rel, st, &m, e))
		return;
	r = sidecar_set(x->sc, rel, st, &m);
	if (r < 0)
		report(x, entry, "cannot record metadata: %s", strerror(-r));
	/* POSIX ACLs: the host refuses them to a user, the sidecar keeps
	 * them (as system.posix_acl_* xattrs, the form a view shows) */
	r = r < 0 ? 0 : vuar_acl_to_xattrs(e, record_acl, &d);
	if (r < 0)
		report(x, entry, "cannot record its ACL: %s", strerror(-r));
}

static int defer_dir_time(struct xctx *x, const char *rel,
			  struct archive_entry *e)
{
	if (x->ndirs == x->capdirs) {
		size_t cap = x->capdirs ? 2 * x->capdirs : 256;
		struct dir_time *d = realloc(x->dirs, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		x->dirs = d;
		x->capdirs = cap;
	}
	x->dirs[x->ndirs].path = strdup(rel);
	if (!x->dirs[x->ndirs].path)
		return -ENOMEM;
	entry_times(e, x->dirs[x->ndirs].ts);
	x->ndirs++;
	return 0;
}

/*
 * The host mode of what vutar makes: the archive's permission bits with
 * the user's umask applied, and the user's own access kept (u+rw, u+x
 * for directories). Never more open than the umask allows: an archive's
 * 1777 tmp must not become a directory every local user writes into
 * (the full mode lives in the sidecar).
 */
static mode_t host_mode(const struct xctx *x, struct archive_entry *e, mode_t keep)
{
	return ((archive_entry_perm(e) & 0777) | keep) & ~x->umask;
}

static void do_dir(struct xctx *x, struct archive_entry *e, const char *rel,
		   const char *entry)
{
	mode_t hmode = host_mode(x, e, 0700);
	const char *name;
	struct stat st;
	int pfd, fd;

	if (*rel == '\0') {
		fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0);
	} else {
		pfd = parent_of(x, rel, &name);
		if (pfd < 0) {
			report(x, entry, "%s", walk_error(pfd));
			return;
		}
		if (mkdirat(pfd, name, hmode) < 0 && errno == EEXIST) {
			if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    !S_ISDIR(st.st_mode)) {
				int r = make_room(x, pfd, name, rel);

				if (r < 0 || mkdirat(pfd, name, hmode) < 0) {
					report(x, entry, "cannot replace: %s",
					       strerror(r < 0 ? -r : errno));
					return;
				}
			}
		}
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		report(x, entry, "%s", walk_error(-errno));
		return;
	}
	/* DIR itself ("." in the archive) keeps the host mode the user gave
	 * it: an archive does not open a 0700 directory to others */
	if (fstat(fd, &st) < 0 || (*rel && fchmod(fd, hmode) < 0)) {
		report(x, entry, "%s", strerror(errno));
		close(fd);
		return;
	}
	record(x, rel, &st, e, entry);
	apply_xattrs(x, e, fd, rel, &st, entry);
	close(fd);
	if (defer_dir_time(x, rel, e) < 0)
		report(x, entry, "%s", strerror(ENOMEM));
}

/* Regular files, and the empty host stand-ins of devices, fifos, sockets. */
static void do_file(struct xctx *x, struct archive_entry *e, const char *rel,
		    const char *entry, int with_data)
{
	mode_t hmode = host_mode(x, e, 0600);
	struct timespec ts[2];
	const char *name;
	struct stat st;
	int64_t end = 0;
	int pfd, fd, r;

	pfd = parent_of(x, rel, &name);
	if (pfd < 0) {
		report(x, entry, "%s", walk_error(pfd));
		return;
	}
	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, hmode);
	if (fd < 0 && errno == EEXIST) {
		r = make_room(x, pfd, name, rel);
		if (r < 0) {
			report(x, entry, "cannot replace: %s", strerror(-r));
			return;
		}
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, hmode);
	}
	if (fd < 0) {
		report(x, entry, "%s", strerror(errno));
		return;
	}
	if (with_data) {
		r = write_data(x, fd, &end);
		if (r == -EIO) {
			report(x, entry, "%s", archive_error_string(x->a) ?
			       archive_error_string(x->a) : "read error");
			close(fd);
			return;
		}
		if (r < 0)
			report(x, entry, "cannot write: %s", strerror(-r));
		/* a sparse file may end in a hole */
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
		    ftruncate(fd, archive_entry_size(e)) < 0)
			report(x, entry, "cannot set size: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		report(x, entry, "%s", strerror(errno));
		close(fd);
		return;
	}
	record(x, rel, &st, e, entry);
	apply_xattrs(x, e, fd, rel, &st, entry);
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		report(x, entry, "cannot set times: %s", strerror(errno));
	close(fd);
}

static void do_symlink(struct xctx *x, struct archive_entry *e,
		       const char *rel, const char *entry)
{
	const char *target = archive_entry_symlink(e);
	struct timespec ts[2];
	const char *name;
	struct stat st;
	int pfd, r;

	if (!target || !*target) {
		report(x, entry, "refusing a symbolic link without a target");
		return;
	}
	pfd = parent_of(x, rel, &name);
	if (pfd < 0) {
		report(x, entry, "%s", walk_error(pfd));
		return;
	}
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST || (r = make_room(x, pfd, name, rel)) < 0 ||
		    symlinkat(target, pfd, name) < 0) {
			report(x, entry, "%s", strerror(errno));
			return;
		}
	}
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		record(x, rel, &st, e, entry);
	apply_xattrs(x, e, -1, rel, &st, entry);
	entry_times(e, ts);
	utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static void do_hardlink(struct xctx *x, struct archive_entry *e,
			const char *rel, const char *entry)
{
	const char *link = vuar_strip(archive_entry_hardlink(e), x->o->strip);
	char target[PATH_MAX];
	const char *name, *tname, *slash;
	struct stat st;
	int pfd, tfd, r;

	r = link ? vuar_clean_path(link, target) : -EINVAL;
	if (r < 0 || *target == '\0') {
		report(x, entry, "refusing hard link to %s: %s",
		       archive_entry_hardlink(e),
		       r == -EPERM ? "it leaves the directory" : "bad name");
		return;
	}
	slash = strrchr(target, '/');
	tname = slash ? slash + 1 : target;
	if (slash)
		target[slash - target] = '\0';
	tfd = open_dir_beneath(x->root, slash ? target : "", 0);
	if (slash)
		target[slash - target] = '/';
	if (tfd < 0) {
		report(x, entry, "refusing hard link to %s: %s", target,
		       tfd == -ENOENT ? "no such entry in the directory"
				      : walk_error(tfd));
		return;
	}
	if (fstatat(tfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
		report(x, entry, "refusing hard link to %s: %s", target,
		       errno == ENOENT ? "no such entry in the directory"
				       : "not a regular file");
		close(tfd);
		return;
	}
	pfd = parent_of(x, rel, &name);
	if (pfd < 0) {
		report(x, entry, "%s", walk_error(pfd));
		close(tfd);
		return;
	}
	{
		struct stat now;

		/* already this file (an entry linked to itself, or a set
		 * listed twice): making room would delete the file itself */
		if (fstatat(pfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
			close(tfd);
			return;
		}
	}
	if (linkat(tfd, tname, pfd, name, 0) < 0) {
		if (errno != EEXIST || make_room(x, pfd, name, rel) < 0 ||
		    linkat(tfd, tname, pfd, name, 0) < 0) {
			report(x, entry, "cannot link to %s: %s", target,
			       strerror(errno));
			close(tfd);
			return;
		}
	}
	close(tfd);
	/* cpio carries the data on the last link of a set */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
		int fd = openat(pfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

		int64_t end;

		if (fd < 0 || (r = write_data(x, fd, &end)) < 0)
			report(x, entry, "cannot write: %s",
			       fd < 0 ? strerror(errno) : r == -EIO
			       ? archive_error_string(x->a) : strerror(-r));
		if (fd >= 0)
			close(fd);
	}
	r = sidecar_link(x->sc, target, rel, &st);
	if (r < 0 && r != -ENOENT)
		report(x, entry, "cannot record link: %s", strerror(-r));
}

/* Removes dir/name unless this archive wrote it (--layer). */
static void remove_lower(struct xctx *x, int dfd, const char *dir, const char *name,
			 const char *entry)
{
	char rel[PATH_MAX];
	int r;

	snprintf(rel, sizeof(rel), "%s%s%s", dir, *dir ? "/" : "", name);
	if (vuar_seen_has(x->seen, rel) || !strcmp(name, SIDECAR_DIR))
		return;
	r = vuar_remove_tree(dfd, name);
	if (r < 0 && r != -ENOENT)
		report(x, entry, "cannot remove %s: %s", rel, strerror(-r));
	else if (x->sc)
		sidecar_unlink(x->sc, rel);	/* -ENOENT: it had no row */
}

/* What the archive's opaque marker in dir removes: all it held. */
static void make_opaque(struct xctx *x, int dfd, const char *dir, const char *entry)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		report(x, entry, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	/* names first: removing while reading may skip entries */
	while ((de = readdir(d))) {
		char **p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = realloc(names, (n + 1) * sizeof(*names));
		if (!p || !(p[n] = strdup(de->d_name))) {
			names = p ? p : names;
			report(x, entry, "%s", strerror(ENOMEM));
			break;
		}
		names = p;
		n++;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		remove_lower(x, dfd, dir, names[i], entry);
		free(names[i]);
	}
	free(names);
}

/*
 * --layer: a whiteout or opaque marker at rel is carried out instead of
 * made (true), else false. A marker's directory is made when missing,
 * as any member's parent is.
 */
static bool apply_marker(struct xctx *x, const char *rel, const char *entry)
{
	const char *target, *slash = strrchr(rel, '/');
	enum vuar_marker k = vuar_layer_marker(rel, &target);
	char dir[PATH_MAX];
	int dfd, r;

	if (k == VUAR_MARK_NONE)
		return false;
	if (k == VUAR_MARK_OTHER) {
		if (x->o->report)
			x->o->report(x->o->arg, entry, "a reserved whiteout name, passed over", 1);
		return true;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	if (*dir && (r = vuar_seen_add(x->seen, dir)) < 0) {
		report(x, entry, "%s", strerror(-r));
		return true;
	}
	cache_drop(x);	/* what is removed may be the cached parent */
	dfd = open_dir_beneath(x->root, dir, k == VUAR_MARK_OPAQUE);
	if (dfd == -ENOENT)
		return true;	/* nothing below to hide */
	if (dfd < 0) {
		report(x, entry, "%s", walk_error(dfd));
		return true;
	}
	if (k == VUAR_MARK_OPAQUE)
		make_opaque(x, dfd, dir, entry);
	else
		remove_lower(x, dfd, dir, target, entry);
	close(dfd);
	return true;
}

/* e, whose member name is entry, goes to name (entry less the
 * components --strip-components drops). */
static void extract_entry(struct xctx *x, struct archive_entry *e,
			  const char *entry, const char *name)
{
	char rel[PATH_MAX];
	int r;

	r = vuar_clean_path(name, rel);
	if (r == 1 && !x->warned_abs) {
		x->warned_abs = 1;
		if (x->o->report)
			x->o->report(x->o->arg, "",
				     "removing leading '/' from member names", 1);
	}
	if (r < 0) {
		report(x, entry, "%s", r == -EPERM ? "refusing a name with '..'"
		       : r == -EACCES ? "refusing the reserved name " SIDECAR_DIR
		       : "name too long");
		return;
	}
	if (x->seen && apply_marker(x, rel, entry))
		return;
	if (x->seen && (r = vuar_seen_add(x->seen, rel)) < 0) {
		report(x, entry, "%s", strerror(-r));
		return;
	}
	if (archive_entry_hardlink(e)) {
		do_hardlink(x, e, rel, entry);
		return;
	}
	if (*rel == '\0' && archive_entry_filetype(e) != AE_IFDIR) {
		report(x, entry, "refusing to replace the directory itself");
		return;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		do_dir(x, e, rel, entry);
		break;
	case AE_IFREG:
		do_file(x, e, rel, entry, 1);
		break;
	case AE_IFLNK:
		do_symlink(x, e, rel, entry);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
	case AE_IFSOCK:
		do_file(x, e, rel, entry, 0);
		break;
	default:
		report(x, entry, "unknown file type");
	}
}

/* Directory times last (deepest first), once nothing more goes in them. */
static void finish_dirs(struct xctx *x)
{
	size_t i;

	cache_drop(x);
	for (i = x->ndirs; i-- > 0;) {
		struct dir_time *d = &x->dirs[i];
		const char *name;
		int pfd;

		if (*d->path == '\0') {
			futimens(x->root, d->ts);
		} else {
			pfd = parent_of(x, d->path, &name);
			if (pfd >= 0)
				utimensat(pfd, name, d->ts, AT_SYMLINK_NOFOLLOW);
		}
		free(d->path);
	}
	free(x->dirs);
	cache_drop(x);
}

/*
 * A tree vutar extracts is a root file system: the user who extracts it
 * stands for its root (vuovl-sidecar(5)), so what the archive does not
 * list (a parent directory made on the way) and what is made in it later
 * without an owner of its own belong to root, as under real root.
 * Recorded once per layer; real root needs no one to stand for it.
 */
static void note_root_owner(struct xctx *x)
{
	uint32_t hu, hg;
	uid_t u;
	gid_t g;
	int r;

	if (idmap_self(0, geteuid(), 0, &hu) < 0 || idmap_self(1, getegid(), 0, &hg) < 0 ||
	    hu == 0 || sidecar_root_owner(x->sc, &u, &g) == 0)
		return;
	r = sidecar_set_root_owner(x->sc, hu, hg);
	if (r < 0)
		report(x, "", "cannot record who stands for root: %s", strerror(-r));
}

/* Each member the options select, extracted. */
static void extract_all(struct xctx *x, struct vuar_reader *rd)
{
	struct archive_entry *e;
	uint64_t n = 0;

	while (vuar_reader_next(rd, &e) > 0) {
		const char *entry = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
		const char *name = vuar_strip(entry, x->o->strip);

		/* GNU tar: a member --strip-components leaves nothing of, or
		 * whose link target it leaves nothing of, is passed over */
		if (!name || (archive_entry_hardlink(e) &&
			      !vuar_strip(archive_entry_hardlink(e), x->o->strip)))
			continue;
		if (x->o->verbose_name)
			x->o->verbose_name(x->o->arg, entry);
		extract_entry(x, e, entry, name);
		if (++n % FLUSH_EVERY == 0)
			sidecar_flush(x->sc);
	}
}

int vuar_extract(const char *archive, const char *dir,
		 const struct vuar_opts *o, const char **msg)
{
	struct xctx x = { .o = o, .cache_fd = -1 };
	struct vuar_reader rd;
	int wait = lock_wait_ms(), lockfd;
	pid_t holder;
	char why[160];
	int r;

	/* read the umask without a race: vutar is single-threaded here */
	x.umask = umask(022);
	umask(x.umask);
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0)
		return vuar_fail(msg, -errno, "cannot open directory %s: %s",
				 dir, strerror(errno));
	/* one owner per layer (lock.h): DIR and its sidecar are ours */
	lockfd = lock_layer(x.root, true, wait, &holder);
	if (lockfd < 0) {
		r = vuar_fail(msg, lockfd, "%s: %s", dir,
			      lock_strerror(lockfd, holder, true, wait, why, sizeof(why)));
		close(x.root);
		return r;
	}
	r = vuar_reader_open(&rd, archive, o, msg);
	if (r < 0) {
		close(lockfd);
		close(x.root);
		return r;
	}
	x.a = rd.a;
	x.rd = &rd;
	if (o->layer && !(x.seen = vuar_seen_new())) {
		vuar_reader_free(&rd);
		close(lockfd);
		close(x.root);
		return vuar_fail(msg, -ENOMEM, "%s", strerror(ENOMEM));
	}
	r = sidecar_open(x.root, dir, NULL, SIDECAR_CREATE | SIDECAR_MANUAL, &x.sc);
	if (r < 0) {
		vuar_fail(msg, r, "cannot open the sidecar of %s: %s", dir,
			  sidecar_open_error() ? sidecar_open_error() : strerror(-r));
		vuar_seen_free(x.seen);
		vuar_reader_free(&rd);
		close(lockfd);
		close(x.root);
		return r;
	}
	if (sidecar_warning(x.sc) && o->report)
		o->report(o->arg, dir, sidecar_warning(x.sc), 1);
	note_root_owner(&x);
	extract_all(&x, &rd);
	finish_dirs(&x);
	r = sidecar_close(x.sc);
	if (r < 0)
		report(&x, "", "cannot save metadata: %s", strerror(-r));
	if (vuar_reader_close(&rd))
		x.failed = 1;
	vuar_seen_free(x.seen);
	close(lockfd);	/* after the sidecar is saved: the next owner sees it */
	close(x.root);
	return x.failed;
}
