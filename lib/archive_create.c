// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_create — vutar -c. Walks DIR (or the given paths beneath it) in
 * sorted order with openat/fstatat beneath the directory fd, and writes each
 * entry with the sidecar's virtual owner, mode, type and rdev when it has
 * them, so an unprivileged user packs root-owned trees and device nodes.
 * The sidecar's own directory (.vuovl) is never packed.
 */
#include "config.h"
#include "vuar_int.h"
#include "sidecar.h"
#include "lock.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct cctx {
	const struct vuar_opts *o;
	struct vuar_writer w;
	struct sidecar *sc;
	char *prefix;	/* DIR's path inside the layer whose sidecar sc is;
			   NULL when DIR is the layer root */
	bool upper;	/* DIR is a vuovl upper layer (it has .vuovl/work) */
};

/* The sidecar key of rel (a path beneath DIR): rel itself, or rel
 * under the prefix when the sidecar belongs to an enclosing layer. */
static const char *sc_key(const struct cctx *c, const char *rel, char *buf, size_t size)
{
	if (!c->prefix)
		return rel;
	snprintf(buf, size, "%s%s%s", c->prefix, rel[0] ? "/" : "", rel);
	return buf;
}

/* sidecar_get for rel, in its own frame: walk() recurses. */
static int sc_get(const struct cctx *c, const char *rel, const struct stat *st,
		  struct vmeta *m)
{
	char kbuf[PATH_MAX * 2];

	if (!c->sc)
		return -ENOENT;
	return sidecar_get(c->sc, sc_key(c, rel, kbuf, sizeof(kbuf)), st, m);
}

/* The xattrs taken from the file itself: user.*, and where no sidecar
 * keeps them (a mounted view shows its virtual ones, a tree root made)
 * file capabilities, ACLs and trusted.* too; never a security module's
 * labels, which are the host's. */
static bool host_xattr_packed(const struct cctx *c, const char *name)
{
	/* the kernel overlay's own markers: a layer diff says them as
	 * members (--layer), a tree never had them */
	if (!strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13))
		return false;
	if (!strncmp(name, "user.", 5))
		return true;
	if (c->sc)
		return false;
	return !strcmp(name, "security.capability") || !strncmp(name, "trusted.", 8) ||
	       !strncmp(name, "system.posix_acl_", 17);
}

static void add_host_xattrs(struct cctx *c, struct archive_entry *e, int fd)
{
	char names[VUAR_XATTR_NAMES], val[65536], *sorted[VUAR_XATTR_NAMES / 2];
	size_t n, i;
	ssize_t v;

	n = vuar_sorted_names(names, flistxattr(fd, names, sizeof(names)), sorted);
	for (i = 0; i < n; i++) {
		if (!host_xattr_packed(c, sorted[i]))
			continue;
		v = fgetxattr(fd, sorted[i], val, sizeof(val));
		if (v >= 0)
			archive_entry_xattr_add_entry(e, sorted[i], val, (size_t)v);
	}
}

struct sc_key {
	struct sidecar *sc;
	const char *key;
};

static ssize_t sidecar_value(void *arg, const char *name, void *buf, size_t size)
{
	const struct sc_key *k = arg;

	return sidecar_xattr_get(k->sc, k->key, name, buf, size);
}

static void add_sidecar_xattrs(struct cctx *c, struct archive_entry *e, const char *rel)
{
	char names[VUAR_XATTR_NAMES], kbuf[PATH_MAX * 2];
	struct sc_key k = { c->sc, sc_key(c, rel, kbuf, sizeof(kbuf)) };

	vuar_add_xattrs(e, names, sidecar_xattr_list(c->sc, k.key, names, sizeof(names)),
			sidecar_value, &k);
}

static void add_xattrs(struct cctx *c, struct archive_entry *e, int fd,
		       const char *rel)
{
	if (fd >= 0)
		add_host_xattrs(c, e, fd);
	if (c->sc)
		add_sidecar_xattrs(c, e, rel);
}

static int walk(struct cctx *c, int pfd, const char *name, char *aname,
		const char *rel);

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct dirent *const *)a)->d_name, (*(struct dirent *const *)b)->d_name);
}

static int by_inode(const void *a, const void *b)
{
	ino_t x = (*(struct dirent *const *)a)->d_ino, y = (*(struct dirent *const *)b)->d_ino;

	return x < y ? -1 : x > y;
}

/* --sort: byte order of names (GNU tar's --sort=name, not the locale's:
 * the same bytes on every host), inode order, or the directory's own */
static void sort_entries(struct dirent **ents, size_t n, enum vuar_sort sort)
{
	if (sort == VUAR_SORT_NAME)
		qsort(ents, n, sizeof(*ents), by_name);
	else if (sort == VUAR_SORT_INODE)
		qsort(ents, n, sizeof(*ents), by_inode);
}

static int walk_dir(struct cctx *c, int fd, char *aname, const char *rel)
{
	DIR *d = fdopendir(fd);
	struct dirent *de, **ents = NULL;
	size_t n = 0, cap = 0, i, alen = strlen(aname);
	char crel[PATH_MAX];
	int r = 0;

	if (!d) {
		r = -errno;	/* before close, which may change errno */
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*rel == '\0' && !strcmp(de->d_name, SIDECAR_DIR))
			continue;
		if (n == cap) {
			struct dirent **p;

			cap = cap ? cap * 2 : 64;
			p = realloc(ents, cap * sizeof(*p));
			if (!p) { r = -ENOMEM; goto out; }
			ents = p;
		}
		ents[n] = malloc(sizeof(*de));
		if (!ents[n]) { r = -ENOMEM; goto out; }
		memcpy(ents[n++], de, sizeof(*de));
	}
	sort_entries(ents, n, c->o->sort);
	for (i = 0; i < n && r == 0; i++) {
		if (alen + strlen(ents[i]->d_name) + 2 >= PATH_MAX) {
			vuar_writer_report(&c->w, ents[i]->d_name, "name too long");
			continue;
		}
		snprintf(aname + alen, PATH_MAX - alen, "%s%s",
			 (alen && aname[alen - 1] != '/') ? "/" : "",
			 ents[i]->d_name);
		snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "",
			 ents[i]->d_name);
		r = walk(c, dirfd(d), ents[i]->d_name, aname, crel);
		aname[alen] = '\0';
	}
out:
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	closedir(d);
	return r;
}

/* --layer: the marker member name in the archive directory dir
 * (aname less its last component, "" at the top): a kernel whiteout's
 * ".wh.NAME", or the ".wh..wh..opq" of a directory the kernel's xattr
 * makes opaque. -errno only to end the run. */
static int write_marker(struct cctx *c, const char *dir, const char *name,
			const struct stat *st)
{
	char mname[PATH_MAX + 1];

	if (snprintf(mname, sizeof(mname), "%s%s%s", dir,
		     *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name) >= (int)sizeof(mname)) {
		vuar_writer_report(&c->w, name, "name too long");
		return 0;
	}
	if (vuar_excluded(c->o, mname))
		return 0;
	return vuar_writer_marker(&c->w, mname, &st->st_mtim);
}

/* aname's directory part, for write_marker. */
static void dir_of(const char *aname, char *out, size_t size)
{
	const char *slash = strrchr(aname, '/');

	snprintf(out, size, "%.*s", slash ? (int)(slash - aname) : 0, aname);
}

/* One entry: pfd/name on the host, aname in the archive, rel in the
 * sidecar. Returns -errno only for errors that end the whole run. */
static int walk(struct cctx *c, int pfd, const char *name, char *aname,
		const char *rel)
{
	struct archive_entry *e;
	struct vmeta m;
	struct stat st;
	int fd = -1, r = 0, isdir;
	char target[PATH_MAX];

	if (vuar_excluded(c->o, aname))
		return 0;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		vuar_writer_report(&c->w, aname, strerror(errno));
		return 0;
	}
	isdir = S_ISDIR(st.st_mode);
	if (c->o->layer && S_ISREG(st.st_mode) && whiteout_is_reserved(name)) {
		char dir[PATH_MAX];

		/* the upper's own markers, as every layer writes them */
		dir_of(aname, dir, sizeof(dir));
		return write_marker(c, dir, name, &st);
	}
	if (c->o->layer && whiteout_is_kernel(&st)) {
		char dir[PATH_MAX], wname[NAME_MAX + WHITEOUT_PREFIX_LEN + 1];

		if (strlen(name) > WHITEOUT_NAME_MAX) {
			vuar_writer_report(&c->w, aname, "a whiteout whose name is too long for a layer's .wh. form");
			return 0;
		}
		dir_of(aname, dir, sizeof(dir));
		snprintf(wname, sizeof(wname), WHITEOUT_PREFIX "%s", name);
		return write_marker(c, dir, wname, &st);
	}
	/* vuovl's placeholder mark (vuovl(1), UPPER LAYER FORMAT): its
	 * bytes are zeros, its data live below; never pack those */
	if (c->upper && S_ISREG(st.st_mode) && (st.st_mode & S_ISVTX)) {
		vuar_writer_report(&c->w, aname, "a placeholder whose data are in a lower layer "
			"(pack the mounted view instead)");
		return 0;
	}
	if (S_ISREG(st.st_mode) || isdir) {
		fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			    (isdir ? O_DIRECTORY : 0));
		if (fd < 0) {
			vuar_writer_report(&c->w, aname, strerror(errno));
			return 0;
		}
	}
	e = archive_entry_new();
	if (!e) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	/* the owner of a file without a row (vuovl-sidecar(5)) */
	if (c->sc)
		sidecar_owner_of(c->sc, &st);
	archive_entry_copy_stat(e, &st);
	/* a directory's name ends in '/' in a tar, as tar writes it; cpio
	 * names have none (bsdtar, GNU cpio) */
	if (isdir && aname[strlen(aname) - 1] != '/' &&
	    (archive_format(c->w.a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_CPIO) {
		char dname[PATH_MAX + 1];

		snprintf(dname, sizeof(dname), "%s/", aname);
		archive_entry_copy_pathname(e, dname);
	} else {
		archive_entry_copy_pathname(e, aname);
	}
	archive_entry_copy_uname(e, vuar_user_name(st.st_uid));
	archive_entry_copy_gname(e, vuar_group_name(st.st_gid));
	if (sc_get(c, rel, &st, &m) == 0) {
		if (m.mask & VMETA_UID) {
			archive_entry_set_uid(e, m.uid);
			archive_entry_copy_uname(e, (m.mask & VMETA_UNAME) ? m.uname : "");
		}
		if (m.mask & VMETA_GID) {
			archive_entry_set_gid(e, m.gid);
			archive_entry_copy_gname(e, (m.mask & VMETA_GNAME) ? m.gname : "");
		}
		if (m.mask & VMETA_UNAME)
			archive_entry_copy_uname(e, m.uname);
		if (m.mask & VMETA_GNAME)
			archive_entry_copy_gname(e, m.gname);
		if (m.mask & VMETA_MODE) {
			if ((m.mode & S_IFMT) != (st.st_mode & S_IFMT) &&
			    S_ISREG(st.st_mode)) {
				/* a device, fifo or socket stood in for by an empty file */
				archive_entry_set_size(e, 0);
				close(fd);
				fd = -1;
			}
			archive_entry_set_mode(e, m.mode);
		}
		if (m.mask & VMETA_RDEV)
			archive_entry_set_rdev(e, m.rdev);
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);

		if (n < 0) {
			vuar_writer_report(&c->w, aname, strerror(errno));
			archive_entry_free(e);
			return 0;
		}
		target[n] = '\0';
		archive_entry_copy_symlink(e, target);
	}
	add_xattrs(c, e, fd, rel);
	r = vuar_writer_add(&c->w, e, fd, aname);
	archive_entry_free(e);
	if (r == 0 && isdir && c->o->layer && whiteout_is_opaque(fd, true) &&
	    faccessat(fd, WHITEOUT_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		r = write_marker(c, aname, WHITEOUT_OPAQUE, &st);
	if (r == 0 && isdir)
		return walk_dir(c, fd, aname, rel);
	if (fd >= 0)
		close(fd);
	return r;
}

static int count_below(const char *path, const struct vmeta *m, void *arg)
{
	(void)path;
	if ((m->mask & VMETA_FLAGS) && (m->flags & (VMETA_F_BELOW | VMETA_F_METACOPY)))
		++*(unsigned *)arg;
	return 0;
}

/*
 * An upper layer alone is not a tree: rows about the lower layers' files
 * (a chown of a lower file, a placeholder's data) would be lost, and a
 * placeholder packed as zeros. Returns 0, or -EXDEV (said in msg) for
 * such a layer.
 */
static int refuse_bare_upper(struct cctx *c, int root, const char *dir, const char **msg)
{
	struct stat st;
	unsigned n = 0;

	c->upper = fstatat(root, SIDECAR_DIR "/work", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		   S_ISDIR(st.st_mode);
	if (!c->upper || !c->sc || c->prefix)
		return 0;
	sidecar_foreach(c->sc, count_below, &n);
	if (!n)
		return 0;
	return vuar_fail(msg, -EXDEV, "%s is a vuovl upper layer with %u change%s to the "
			 "layers below it (chown, chmod, placeholders) that it cannot pack "
			 "alone: name its lowers (-o lowerdir=...) or pack the mounted view", dir, n,
			 n == 1 ? "" : "s");
}

/*
 * DIR has no sidecar of its own: it may lie inside a layer that has one
 * (vutar -c -C rootfs/usr). Looks up DIR's ancestors for the nearest
 * .vuovl/meta.db and keys lookups by DIR's path inside that layer.
 * Returns 0 (c->sc NULL when there is none) or -errno.
 */
static int open_enclosing_sidecar(struct cctx *c, const char *dir)
{
	char *real = realpath(dir, NULL), *up, *cut, db[PATH_MAX + 32];
	int r = 0, lfd;

	c->sc = NULL;
	if (!real)
		return 0;	/* no ancestors to ask: plain host metadata */
	up = strdup(real);
	for (cut = up ? strrchr(up, '/') : NULL; cut && cut > up; cut = strrchr(up, '/')) {
		*cut = '\0';
		snprintf(db, sizeof(db), "%s/%s/%s", up, SIDECAR_DIR, SIDECAR_FILE);
		if (access(db, F_OK) < 0)
			continue;
		lfd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lfd < 0)
			break;	/* an unreadable layer: plain host metadata */
		r = sidecar_open(lfd, up, NULL, SIDECAR_RDONLY, &c->sc);
		close(lfd);
		if ((r == -EPERM || r == -ELOOP) && c->o->report) {
			/* not DIR's own, and not to be believed (planted by
			 * another user in a shared directory): said, and
			 * the host's owners are packed */
			c->o->report(c->o->arg, up, sidecar_open_error(), 1);
			r = 0;
			break;
		}
		if (r == 0 && !(c->prefix = strdup(real + (cut - up) + 1)))
			r = -ENOMEM;
		break;
	}
	free(up);
	free(real);
	return r;
}

int vuar_create(const char *archive, const char *dir, char *const *paths,
		int npaths, const struct vuar_opts *o, const char **msg)
{
	struct cctx c = { .o = o };
	char aname[PATH_MAX + 1], rel[PATH_MAX];
	int root, r = 0, i, wait = lock_wait_ms(), lockfd;
	pid_t holder;
	char why[160];

	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return vuar_fail(msg, -errno, "cannot open directory %s: %s",
				 dir, strerror(errno));
	/* one owner per layer (lock.h): nobody writes DIR while we read it */
	lockfd = lock_layer(root, false, wait, &holder);
	if (lockfd < 0) {
		r = vuar_fail(msg, lockfd, "%s: %s", dir,
			      lock_strerror(lockfd, holder, false, wait, why, sizeof(why)));
		close(root);
		return r;
	}
	r = sidecar_open(root, dir, NULL, SIDECAR_RDONLY, &c.sc);
	if (r == -ENOENT)
		r = open_enclosing_sidecar(&c, dir);
	if (r < 0) {
		vuar_fail(msg, r, "cannot open the sidecar of %s: %s", dir,
			  sidecar_open_error() ? sidecar_open_error() : strerror(-r));
		close(lockfd);
		close(root);
		return r;
	}
	if (c.sc && sidecar_warning(c.sc) && o->report)
		o->report(o->arg, dir, sidecar_warning(c.sc), 1);
	r = refuse_bare_upper(&c, root, dir, msg);
	if (r < 0) {
		sidecar_close(c.sc);
		free(c.prefix);
		close(lockfd);
		close(root);
		return r;
	}
	r = vuar_writer_open(&c.w, archive, o, msg);
	if (r < 0) {
		sidecar_close(c.sc);
		free(c.prefix);
		close(lockfd);
		close(root);
		return r;
	}
	for (i = 0; i < npaths && r == 0; i++) {
		const char *slash, *name;
		int pfd, cr = vuar_clean_path(paths[i], rel);

		if (cr != 0) {
			vuar_writer_report(&c.w, paths[i], cr == 1 ? "refusing an absolute path"
				: cr == -EPERM ? "refusing a name with '..'"
				: cr == -EACCES ? "refusing the reserved name " SIDECAR_DIR
				: "name too long");
			continue;
		}
		snprintf(aname, sizeof(aname), "%s", paths[i]);
		if (*rel == '\0' && o->layer) {
			/* a layer diff: the top's names, without "./" (as
			 * image layers are made); the top itself is no member */
			int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			aname[0] = '\0';
			r = fd < 0 ? -errno : walk_dir(&c, fd, aname, "");
			continue;
		}
		if (*rel == '\0') {
			/* the directory itself: "." packs as "./" */
			r = walk(&c, root, ".", aname, "");
			continue;
		}
		slash = strrchr(rel, '/');
		name = slash ? slash + 1 : rel;
		if (slash) {
			char parent[PATH_MAX];
			int fd = root, nfd;
			const char *p = rel;

			memcpy(parent, rel, (size_t)(slash - rel));
			parent[slash - rel] = '\0';
			/* open the parent one component at a time, no symlinks */
			nfd = fcntl(root, F_DUPFD_CLOEXEC, 0);
			for (p = strtok(parent, "/"); p && nfd >= 0; p = strtok(NULL, "/")) {
				fd = nfd;
				nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				close(fd);
			}
			if (nfd < 0) {
				vuar_writer_report(&c.w, paths[i], strerror(errno));
				continue;
			}
			pfd = nfd;
		} else {
			pfd = fcntl(root, F_DUPFD_CLOEXEC, 0);
		}
		r = walk(&c, pfd, name, aname, rel);
		close(pfd);
	}
	if (r < 0 && r != -EIO)
		vuar_writer_report(&c.w, "", strerror(-r));
	r = vuar_writer_close(&c.w);
	sidecar_close(c.sc);
	free(c.prefix);
	close(lockfd);
	close(root);
	return r;
}
