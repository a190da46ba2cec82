// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vutar_view — vutar -c --stack and -c --layer over lowers: the layers
 * opened as vuovl opens them (stack.c, in reader mode) and read through
 * vuovl's core, so what is packed is what a mount of them shows —
 * whiteouts, opaque directories, placeholders, rows about lower files,
 * rules — without mounting anything.
 */
#include "config.h"
#include "vutar_view.h"
#include "stack.h"
#include "vuar_int.h"
#include "whiteout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The view the core works on (vuovl's main.c has its own). */
struct vo vo;

struct pctx {
	const struct vuar_opts *o;
	struct vuar_writer w;
	bool cpio;	/* directory names without a trailing '/' */
};

void vutar_stack_init(struct vutar_stack *s)
{
	memset(s, 0, sizeof(*s));
	view_init(&s->view);
}

void vutar_stack_release(struct vutar_stack *s)
{
	free(s->lowerdir);
	free(s->upperdir);
	view_release(&s->view);
}

static int set_dir(char **slot, const char *value)
{
	char *d = strdup(value);

	if (!d)
		return -ENOMEM;
	free(*slot);
	*slot = d;
	return 0;
}

static int one_option(struct vutar_stack *s, char *kv, char *err, size_t errsize)
{
	char *eq = strchr(kv, '=');
	int r;

	if (!eq || eq == kv || !eq[1]) {
		snprintf(err, errsize, "-o %s: KEY=VALUE expected", kv);
		return -EINVAL;
	}
	*eq = '\0';
	if (!strcmp(kv, "lowerdir"))
		r = set_dir(&s->lowerdir, eq + 1);
	else if (!strcmp(kv, "upperdir"))
		r = set_dir(&s->upperdir, eq + 1);
	else if (!strcmp(kv, "view")) {
		r = view_add_file(&s->view, eq + 1, err, errsize);
		if (r && r != -EINVAL)
			snprintf(err, errsize, "view=%s: %s", eq + 1, strerror(-r));
		/* the file's stack lines, unless -o named them */
		if (!r && !s->lowerdir && s->view.stack.lowerdir)
			r = set_dir(&s->lowerdir, s->view.stack.lowerdir);
		if (!r && !s->upperdir && s->view.stack.upperdir)
			r = set_dir(&s->upperdir, s->view.stack.upperdir);
		if (r)
			return -EINVAL;
	} else {
		r = view_add_option(&s->view, kv, eq + 1, err, errsize);
		if (r)
			return -EINVAL;
	}
	if (r) {
		snprintf(err, errsize, "%s", strerror(-r));
		return -EINVAL;
	}
	s->given = 1;
	return 0;
}

int vutar_stack_option(struct vutar_stack *s, const char *arg, char *err, size_t errsize)
{
	char *copy = strdup(arg), *p, *q, *start;
	int r = 0;

	if (!copy) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -EINVAL;
	}
	/* commas split, "\," is one: unescape in place as we go */
	for (start = q = p = copy; r == 0; p++) {
		if (*p == '\\' && p[1] == ',') {
			*q++ = ',';
			p++;
		} else if (*p == ',' || *p == '\0') {
			bool end = *p == '\0';

			*q = '\0';
			if (*start)
				r = one_option(s, start, err, errsize);
			if (end)
				break;
			start = q = p + 1;
		} else {
			*q++ = *p;
		}
	}
	free(copy);
	return r;
}

static ssize_t view_value(void *arg, const char *name, void *buf, size_t size)
{
	return meta_xattr_get(arg, name, buf, size);
}

/* The view's user.* xattrs of v (from the host copy holding its
 * metadata) and its virtual ones (sidecars: capabilities, ACLs,
 * trusted.*), each list in byte order. */
static void add_xattrs(struct vnode *v, struct archive_entry *e, int xfd)
{
	char names[VUAR_XATTR_NAMES], val[65536], *sorted[VUAR_XATTR_NAMES / 2];
	size_t n, i;
	ssize_t len;

	if (xfd >= 0) {
		len = flistxattr(xfd, names, sizeof(names));
		n = vuar_sorted_names(names, len, sorted);
		for (i = 0; i < n; i++) {
			if (strncmp(sorted[i], "user.", 5) || !strncmp(sorted[i], "user.overlay.", 13))
				continue;
			len = fgetxattr(xfd, sorted[i], val, sizeof(val));
			if (len >= 0)
				archive_entry_xattr_add_entry(e, sorted[i], val, (size_t)len);
		}
	}
	vuar_add_xattrs(e, names, meta_xattr_list(v, names, sizeof(names)), view_value, v);
}

/* Names: the sidecar's when it has a row (none: ids only), else the
 * host's names of the ids, as -c of a mounted view packs them. */
static void add_names(struct vnode *v, struct archive_entry *e, const struct stat *st)
{
	const struct vmeta *m = &v->meta;

	if (m->mask & VMETA_UNAME)
		archive_entry_copy_uname(e, m->uname);
	else
		archive_entry_copy_uname(e, (m->mask & VMETA_UID) ? "" : vuar_user_name(st->st_uid));
	if (m->mask & VMETA_GNAME)
		archive_entry_copy_gname(e, m->gname);
	else
		archive_entry_copy_gname(e, (m->mask & VMETA_GID) ? "" : vuar_group_name(st->st_gid));
}

/* One object of the view as the member aname. -errno only to end the
 * run. */
static int pack_one(struct pctx *c, struct vnode *v, const char *aname)
{
	struct archive_entry *e;
	char target[PATH_MAX], dname[PATH_MAX + 2];
	int dlayer = v->dlayer, layer = v->layer, xfd = -1, fd = -1, r;
	struct stat st;
	ssize_t n;

	r = vnode_stat(v, &st);
	if (r < 0) {
		vuar_writer_report(&c->w, aname, strerror(-r));
		return 0;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		xfd = vnode_open_host(v, layer, O_RDONLY | O_NONBLOCK, 0);
		fd = !S_ISREG(st.st_mode) ? -1 : dlayer == layer ? xfd
			: vnode_open_host(v, dlayer, O_RDONLY, 0);
		if (S_ISREG(st.st_mode) && fd < 0) {
			vuar_writer_report(&c->w, aname, strerror(-fd));
			if (xfd >= 0)
				close(xfd);
			return 0;
		}
	}
	e = archive_entry_new();
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	archive_entry_copy_stat(e, &st);
	if (S_ISDIR(st.st_mode) && !c->cpio && aname[strlen(aname) - 1] != '/') {
		snprintf(dname, sizeof(dname), "%s/", aname);
		archive_entry_copy_pathname(e, dname);
	} else {
		archive_entry_copy_pathname(e, aname);
	}
	add_names(v, e, &st);
	if (S_ISLNK(st.st_mode)) {
		n = vnode_readlink(v, target, sizeof(target) - 1);
		if (n < 0) {
			vuar_writer_report(&c->w, aname, strerror((int)-n));
			goto out;
		}
		target[n] = '\0';
		archive_entry_copy_symlink(e, target);
	}
	add_xattrs(v, e, xfd);
	r = vuar_writer_add(&c->w, e, fd, aname);
out:
	archive_entry_free(e);
	if (fd >= 0 && fd != xfd)
		close(fd);
	if (xfd >= 0)
		close(xfd);
	return r;
}

struct name_ino {
	const char *name;
	uint64_t ino;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ino *)a)->name, ((const struct name_ino *)b)->name);
}

static int by_ino(const void *a, const void *b)
{
	uint64_t x = ((const struct name_ino *)a)->ino, y = ((const struct name_ino *)b)->ino;

	return x < y ? -1 : x > y;
}

/* dir's entries beneath the member aname (dir's own name, "" at the
 * top of a layer diff), depth first, each directory's in --sort's
 * order. -errno only to end the run. */
static int pack_dir(struct pctx *c, struct vnode *dir, char *aname)
{
	size_t alen = strlen(aname), i, k = 0;
	struct name_ino *ents;
	struct vo_dir d = { 0 };
	int r = listing_build(dir, &d);

	if (r < 0) {
		vuar_writer_report(&c->w, aname, strerror(-r));
		return 0;
	}
	ents = calloc(d.n ? d.n : 1, sizeof(*ents));
	if (!ents) {
		listing_free(&d);
		return -ENOMEM;
	}
	for (i = 0; i < d.n; i++)
		if (strcmp(d.ents[i].name, ".") && strcmp(d.ents[i].name, ".."))
			ents[k++] = (struct name_ino){ d.ents[i].name, d.ents[i].ino };
	if (c->o->sort == VUAR_SORT_NAME)
		qsort(ents, k, sizeof(*ents), by_name);
	else if (c->o->sort == VUAR_SORT_INODE)
		qsort(ents, k, sizeof(*ents), by_ino);
	for (i = 0; i < k && r == 0; i++) {
		struct vnode *v;

		if (alen + strlen(ents[i].name) + 2 >= PATH_MAX) {
			vuar_writer_report(&c->w, ents[i].name, "name too long");
			continue;
		}
		snprintf(aname + alen, PATH_MAX - alen, "%s%s",
			 (alen && aname[alen - 1] != '/') ? "/" : "", ents[i].name);
		if (!vuar_excluded(c->o, aname)) {
			r = lookup_child(dir, ents[i].name, &v);
			if (r < 0) {
				vuar_writer_report(&c->w, aname, strerror(-r));
				r = 0;
			} else {
				r = pack_one(c, v, aname);
				if (r == 0 && v->dirfds)
					r = pack_dir(c, v, aname);
				vnode_forget(v, 1);
			}
		}
		aname[alen] = '\0';
	}
	free(ents);
	listing_free(&d);
	return r;
}

/* The view object at rel (cleaned, "" the root), nlookup taken unless
 * it is the root (release with put()). 0 or -errno. */
static int resolve(const char *rel, struct vnode **out)
{
	struct vnode *dir = &vo.root, *v;
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int r;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		r = dir->dirfds ? lookup_child(dir, comp, &v) : -ENOTDIR;
		if (dir != &vo.root)
			vnode_forget(dir, 1);
		if (r < 0)
			return r;
		dir = v;
		p += n;
		if (*p == '/')
			p++;
	}
	*out = dir;
	return 0;
}

static void put(struct vnode *v)
{
	if (v != &vo.root)
		vnode_forget(v, 1);
}

/* Opens s as vuovl would, read-only. 0, or -EINVAL (said on stderr). */
/* The core keeps pointers into the options it opened the stack with. */
static struct vo_opts vo_o;

static int open_stack(struct vutar_stack *s, const char *upper)
{
	int err;

	vo_o.lowerdir = s->lowerdir;
	vo_o.upperdir = upper ? (char *)upper : s->upperdir;
	vo_o.view = s->view;	/* shared: s outlives the core's use of it */
	vo_o.reader = 1;
	vo_o.timeout = NAN;
	vo_o.compat.squash_to_uid = vo_o.compat.squash_to_gid = -1;
	if (stack_open(&vo_o))
		return -EINVAL;
	vnode_table_init();
	err = vnode_root_init();
	if (err) {
		fprintf(stderr, "%s: the root of the view: %s\n", vu_progname, strerror(-err));
		return -EINVAL;
	}
	return 0;
}

static int start(struct pctx *c, const char *archive, const struct vuar_opts *o,
		 const char **msg)
{
	int r;

	c->o = o;
	r = vuar_writer_open(&c->w, archive, o, msg);
	if (r == 0)
		c->cpio = (archive_format(c->w.a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_CPIO;
	return r;
}

int vutar_pack_stack(const char *archive, struct vutar_stack *s, char *const *paths,
		     int npaths, const struct vuar_opts *o, const char **msg)
{
	char aname[PATH_MAX + 1], rel[PATH_MAX];
	struct pctx c = { 0 };
	int r, i;

	if (open_stack(s, NULL) < 0) {
		*msg = "";
		core_stop();
		return -EINVAL;
	}
	r = start(&c, archive, o, msg);
	if (r < 0) {
		core_stop();
		return r;
	}
	for (i = 0; i < npaths && r == 0; i++) {
		struct vnode *v;
		int cr = vuar_clean_path(paths[i], rel);

		if (cr != 0) {
			vuar_writer_report(&c.w, paths[i], cr == 1 ? "refusing an absolute path"
					   : cr == -EPERM ? "refusing a name with '..'"
					   : cr == -EACCES ? "refusing the reserved name .vuovl"
					   : "name too long");
			continue;
		}
		snprintf(aname, sizeof(aname), "%s", paths[i]);
		if (vuar_excluded(o, aname))
			continue;
		cr = resolve(rel, &v);
		if (cr < 0) {
			vuar_writer_report(&c.w, paths[i], strerror(-cr));
			continue;
		}
		r = pack_one(&c, v, aname);
		if (r == 0 && v->dirfds)
			r = pack_dir(&c, v, aname);
		put(v);
	}
	if (r < 0 && r != -EIO)
		vuar_writer_report(&c.w, "", strerror(-r));
	r = vuar_writer_close(&c.w);
	core_stop();
	return r;
}

/* --layer over lowers: what the diff holds, found in the upper. */
struct item {
	char *path;	/* member name, no "./" */
	bool marker;	/* a whiteout or opaque marker; else the view's */
	struct timespec mtime;	/* a marker's: its file's, or its directory's */
};

struct items {
	struct item *v;
	size_t n, cap;
};

static int add_item(struct items *it, const char *path, const struct stat *marker)
{
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct item *p = realloc(it->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		it->v = p;
		it->cap = cap;
	}
	it->v[it->n].path = strdup(path);
	if (!it->v[it->n].path)
		return -ENOMEM;
	it->v[it->n].marker = marker != NULL;
	if (marker)
		it->v[it->n].mtime = marker->st_mtim;
	it->n++;
	return 0;
}

/* Depth-first order: a directory, then what is beneath it, before its
 * next sibling ('/' below every other byte). */
static int by_path(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)((const struct item *)a)->path;
	const unsigned char *y = (const unsigned char *)((const struct item *)b)->path;

	for (; *x && *x == *y; x++, y++)
		;
	return (*x == '/' ? 1 : *x) - (*y == '/' ? 1 : *y);
}

static int join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", dir, *dir ? "/" : "", name);

	return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The upper's entries beneath its directory fd (at rel): markers as
 * markers, everything else as the view's objects. */
static int scan_upper(struct items *it, int fd, const char *rel)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char path[PATH_MAX], mark[PATH_MAX], wname[NAME_MAX + WHITEOUT_PREFIX_LEN + 1];
	struct stat st;
	int r = 0;

	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!*rel && !strcmp(de->d_name, SIDECAR_DIR)))
			continue;
		if (join(path, rel, de->d_name) < 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* said when the view is packed: not there */
		if (whiteout_is_reserved(de->d_name)) {
			r = add_item(it, path, &st);
		} else if (whiteout_is_kernel(&st)) {
			snprintf(wname, sizeof(wname), WHITEOUT_PREFIX "%s", de->d_name);
			r = join(mark, rel, wname) < 0 ? 0 : add_item(it, mark, &st);
		} else {
			r = add_item(it, path, NULL);
			if (r == 0 && S_ISDIR(st.st_mode)) {
				int cfd = openat(dirfd(d), de->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

				if (cfd < 0)
					continue;
				if (whiteout_is_opaque(cfd, true) &&
				    faccessat(cfd, WHITEOUT_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
				    join(mark, path, WHITEOUT_OPAQUE) == 0)
					r = add_item(it, mark, &st);
				if (r == 0)
					r = scan_upper(it, cfd, path);
				else
					close(cfd);
			}
		}
	}
	closedir(d);
	return r;
}

/* Rows about lower files (a chmod, a chown of something not copied
 * up): their objects and the directories above them are in the diff. */
static int add_below(const char *path, const struct vmeta *m, void *arg)
{
	char p[PATH_MAX], *slash;
	int r = 0;

	if (!(m->mask & VMETA_FLAGS) || !(m->flags & VMETA_F_BELOW) || strlen(path) >= sizeof(p))
		return 0;
	strcpy(p, path);
	do {
		r = add_item(arg, p, NULL);
		slash = strrchr(p, '/');
		if (slash)
			*slash = '\0';
	} while (r == 0 && slash);
	return r;
}

int vutar_pack_layer(const char *archive, const char *upper, struct vutar_stack *s,
		     const struct vuar_opts *o, const char **msg)
{
	struct items it = { 0 };
	struct pctx c = { 0 };
	size_t i;
	int r, fd;

	if (open_stack(s, upper) < 0) {
		*msg = "";
		core_stop();
		return -EINVAL;
	}
	fd = openat(vo.layers[0].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno : scan_upper(&it, fd, "");
	if (r == 0 && vo.layers[0].sc)
		r = sidecar_foreach(vo.layers[0].sc, add_below, &it);
	if (r < 0) {
		vuar_fail(msg, r, "%s: %s", upper, strerror(-r));
		goto out;
	}
	qsort(it.v, it.n, sizeof(*it.v), by_path);
	r = start(&c, archive, o, msg);
	if (r < 0)
		goto out;
	for (i = 0; i < it.n && r == 0; i++) {
		struct vnode *v;
		int lr;

		if ((i && !strcmp(it.v[i].path, it.v[i - 1].path)) || vuar_excluded(o, it.v[i].path))
			continue;
		if (it.v[i].marker) {
			r = vuar_writer_marker(&c.w, it.v[i].path, &it.v[i].mtime);
			continue;
		}
		lr = resolve(it.v[i].path, &v);
		if (lr == -ENOENT)
			continue;	/* hidden by a rule, or a row left about a file gone */
		if (lr < 0) {
			vuar_writer_report(&c.w, it.v[i].path, strerror(-lr));
			continue;
		}
		r = pack_one(&c, v, it.v[i].path);
		put(v);
	}
	if (r < 0 && r != -EIO)
		vuar_writer_report(&c.w, "", strerror(-r));
	r = vuar_writer_close(&c.w);
out:
	for (i = 0; i < it.n; i++)
		free(it.v[i].path);
	free(it.v);
	core_stop();
	return r;
}
