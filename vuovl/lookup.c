/*
 * lookup — resolving a name in a view directory across the layers,
 * overlayfs rules: topmost first; a whiteout (".wh.NAME" or a 0/0 char
 * device) hides every layer below; a directory merges with the
 * directories of the same name below until an opaque one or a
 * non-directory; a non-directory hides everything below it. An upper
 * placeholder flagged metacopy takes its data from the layer below.
 * Builds vnodes; does not hash them (vnode.c) nor reply (ops_lookup.c).
 */
#include "config.h"
#include "vuovl.h"
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool is_reserved(struct vnode *dir, const char *name)
{
	/* "." and ".." are the kernel's business: resolved here, ".." of a
	 * layer root would name a host directory outside the layers */
	if (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
		return true;
	return whiteout_is_reserved(name) ||
	       (dir->layer_root && strcmp(name, SIDECAR_DIR) == 0);
}

/* Last layer index contributing to dir (whiteouts there hide nothing). */
static int last_layer(struct vnode *dir)
{
	int i;

	for (i = vo.nlayers - 1; i > 0; i--)
		if (dir->dirfds[i] >= 0)
			break;
	return i;
}

/* Slot i's sidecar and v's path there: slot 0 is the scope's write
 * layer; rule layers see paths from their own root. */
static struct sidecar *slot_sc(const struct vnode *v, int i, const char *vpath,
			       const char **rel)
{
	int l = i == 0 ? v->scope->wlayer : i;
	size_t strip = i == 0 ? v->scope->strip : vo.layers[l].vstrip;

	*rel = strlen(vpath) >= strip ? vpath + strip : "";
	return vo.layers[l].sc;
}

const char *layer_rel(int l, const char *vpath)
{
	size_t strip = vo.layers[l].vstrip;

	return strlen(vpath) >= strip ? vpath + strip : "";
}

void lookup_load_meta(struct vnode *v, const char *path, const struct stat *host)
{
	struct sidecar *sc;
	const char *rel;
	int i;

	v->meta.mask = 0;
	if (v->virt)
		return;
	/* an object from below whose owner or mode changed in the view: a
	 * row of the write layer about it, no file there (VMETA_F_BELOW) */
	if (v->layer != 0 && (sc = slot_sc(v, 0, path, &rel)) &&
	    sidecar_get(sc, rel, host, &v->meta) == 0) {
		if ((v->meta.mask & VMETA_FLAGS) && (v->meta.flags & VMETA_F_BELOW))
			goto found;
		v->meta.mask = 0;
	}
	sc = slot_sc(v, v->layer, path, &rel);
	if (sc && sidecar_get(sc, rel, host, &v->meta) == 0)
		goto found;
	/* "upper row, else the lower layer's row": the data layer of a
	 * placeholder, or a lower part of a merged directory */
	for (i = v->layer + 1; i < vo.nlayers; i++) {
		bool part = v->dirfds ? v->dirfds[i] >= 0 : i == v->dlayer;

		if (part && (sc = slot_sc(v, i, path, &rel)) &&
		    sidecar_get(sc, rel, NULL, &v->meta) == 0)
			goto found;
	}
	return;
found:
	if (v->meta.mask & VMETA_INO)
		v->ino = v->meta.ino;
	if (v->meta.mask & VMETA_MODE)
		v->type = v->meta.mode & S_IFMT;
}

/* Caller holds dir->lock. Fills v from what layer i holds at name. */
static int take(struct vnode *dir, struct vnode *v, int i, const char *name,
		const struct stat *st)
{
	/* Only directories hold an fd (their dirfds): a file is reached
	 * as parent dir fd + name, so a big tree does not exhaust fds. */
	int fd = S_ISDIR(st->st_mode)
		? openat(dir->dirfds[i], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		: -1;

	if (fd < 0 && S_ISDIR(st->st_mode))
		return -errno;
	v->fd = fd;
	v->layer = v->dlayer = i;
	v->type = st->st_mode & S_IFMT;
	v->ino = VO_INO(i == 0 ? dir->scope->wlayer : i, st->st_ino);
	v->hino = st->st_ino;
	/* hard links of any non-directory (symlinks, fifos, device
	 * stand-ins too): one vnode, one kernel inode, one row */
	v->ilayer = !S_ISDIR(st->st_mode) && st->st_nlink > 1 ? (i == 0 ? dir->scope->wlayer : i) : -1;
	return 0;
}

static int merge_below(struct vnode *dir, struct vnode *v, int from,
		       const char *name)
{
	struct stat st;
	int i;

	v->dirfds = malloc(vo.nlayers * sizeof(int));
	if (!v->dirfds)
		return -ENOMEM;
	for (i = 0; i < vo.nlayers; i++)
		v->dirfds[i] = -1;
	v->dirfds[from] = v->fd;
	if (whiteout_is_opaque(v->fd, vo.kernel_markers))
		return 0;
	for (i = from + 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (whiteout_hides(dir->dirfds[i], name, NULL))
				break;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			break;	/* overlayfs: a non-dir below a dir is hidden */
		v->dirfds[i] = openat(dir->dirfds[i], name,
				      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (v->dirfds[i] < 0)
			return -errno;
		if (whiteout_is_opaque(v->dirfds[i], vo.kernel_markers))
			break;
	}
	return 0;
}

/* A metacopy placeholder: find the regular file below holding the data. */
static int find_data(struct vnode *dir, struct vnode *v, const char *name)
{
	struct stat st;
	int i;

	for (i = v->layer + 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (!S_ISREG(st.st_mode))
				break;
			v->dlayer = i;
			return 0;
		}
	}
	/* Tolerated: the lower file was removed outside vuovl. The placeholder
	 * (right size, no data) is what is left to show; a write copies it up
	 * as it is. */
	return 0;
}

/*
 * A metacopy placeholder: in the upper layer, a regular file whose host
 * mode has the sticky bit (meaningless on Linux files, never set by
 * vuovl otherwise: view modes are virtual), so it is recognised even
 * when a crash lost its sidecar row; in a lower layer (an old upper),
 * the row's metacopy flag.
 */
static bool is_placeholder(struct vnode *v, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return false;
	if (v->layer == 0)	/* placeholders are made in the upper only */
		return v->scope->wlayer == 0 && (st->st_mode & S_ISVTX) != 0;
	return (v->meta.mask & VMETA_FLAGS) && (v->meta.flags & VMETA_F_METACOPY);
}

int lookup_resolve_at(struct vnode *dir, const char *name, struct vnode *v,
		      struct stat *st)
{
	int i, last = last_layer(dir), err;

	for (i = 0; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return -errno;
			if (i < last && whiteout_hides(dir->dirfds[i], name, NULL))
				return -ENOENT;
			continue;
		}
		if (whiteout_is_kernel(st))
			return -ENOENT;
		break;
	}
	if (i == vo.nlayers)
		return -ENOENT;
	err = take(dir, v, i, name, st);
	if (!err && S_ISDIR(st->st_mode))
		err = merge_below(dir, v, i, name);
	return err;
}

/*
 * With inview binds one directory can have two vnodes: a copy-up made
 * through one leaves the other's write slot empty. Caller holds
 * dir->lock. Looks for the write dir by its path, never through a
 * symlink, and keeps it (set once, like copyup_dir).
 */
static void refresh_wdir(struct vnode *dir)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const struct scope *s = dir->scope;
	char *path;
	long fd;

	if (dir->virt || dir == &vo.root || s->wlayer != 0 || vo.layers[0].fd < 0)
		return;
	path = vnode_child_spath(dir, NULL);
	if (!path)
		return;
	fd = syscall(SYS_openat2, vo.layers[0].fd, path, &how, sizeof(how));
	free(path);
	if (fd >= 0)
		dir->dirfds[0] = (int)fd;
}

static int resolve_locked(struct vnode *dir, const char *name, struct vnode *v)
{
	struct stat st;
	bool present;
	char *path;
	int err;

	if (vo.aliased && dir->dirfds[0] < 0)
		refresh_wdir(dir);
	err = lookup_resolve_at(dir, name, v, &st);
	if (err && err != -ENOENT)
		return err;
	present = !err;
	err = rules_apply(dir, name, v, &present, &st);
	if (err)
		return err;
	if (!present)
		return -ENOENT;
	v->ino ^= vnode_ctx_bits(v);	/* one object, seen through an inview bind */
	if (!vo.any_sidecar || v->virt)
		return 0;
	path = v->spath ? strdup(v->spath) : vnode_child_spath(dir, name);
	if (!path)
		return -ENOMEM;
	lookup_load_meta(v, path, &st);
	if (v->meta.mask & VMETA_INO)
		v->ino ^= vnode_ctx_bits(v);
	if (is_placeholder(v, &st))
		err = find_data(dir, v, name);
	free(path);
	return err;
}

int lookup_resolve(struct vnode *dir, const char *name, struct vnode **out)
{
	struct vnode *v;
	int err;

	if (!dir->dirfds)
		return -ENOTDIR;
	if (is_reserved(dir, name))
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	v = vnode_alloc();
	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&dir->lock);
	err = resolve_locked(dir, name, v);
	pthread_mutex_unlock(&dir->lock);
	if (err) {
		vnode_free(v);
		return err;
	}
	*out = v;
	return 0;
}

int lookup_child(struct vnode *dir, const char *name, struct vnode **out)
{
	struct vnode *v = vnode_find(dir, name);
	int err;

	if (!v) {
		err = lookup_resolve(dir, name, &v);
		if (err)
			return err;
		if (v->ilayer >= 0) {
			/* another name of a hard-linked file: the same vnode */
			v = vnode_insert_linked(dir, name, v);
			if (!v)
				return -ENOMEM;
			*out = v;
			return 0;
		}
		v = vnode_insert(dir, name, v);
		if (!v)
			return -ENOMEM;
	}
	*out = v;
	return 0;
}

bool lookup_in_lower(struct vnode *dir, const char *name)
{
	struct stat st;
	bool hit = false;
	int i;

	pthread_mutex_lock(&dir->lock);
	for (i = 1; i < vo.nlayers; i++) {
		if (dir->dirfds[i] < 0)
			continue;
		if (fstatat(dir->dirfds[i], name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			hit = !whiteout_is_kernel(&st);
			break;
		}
		if (whiteout_hides(dir->dirfds[i], name, NULL))
			break;
	}
	pthread_mutex_unlock(&dir->lock);
	return hit;
}

struct sidecar *vnode_layer_sc(const struct vnode *v, int layer)
{
	return vo.layers[layer == 0 && v->scope ? v->scope->wlayer : layer].sc;
}

int vnode_stat(struct vnode *v, struct stat *st)
{
	struct sidecar *sc;
	int err = 0;

	pthread_mutex_lock(&v->lock);
	err = vnode_hstat(v, v->layer, st);
	if (!err) {
		/* the owner of a file without a row (vuovl-sidecar(5)) */
		if (!v->virt && (sc = vnode_layer_sc(v, v->layer)))
			sidecar_owner_of(sc, st);
		st->st_ino = v->ino;
		if (v->meta.mask & VMETA_UID)
			st->st_uid = v->meta.uid;
		if (v->meta.mask & VMETA_GID)
			st->st_gid = v->meta.gid;
		if (v->layer != v->dlayer || v->unsynced)
			st->st_mode &= ~S_ISVTX;
		if (v->layer != v->dlayer) {
			/* a placeholder shows the data it reads: a copy whose
			 * mark a crash left may have grown past them */
			struct stat dst;

			if (vnode_hstat(v, v->dlayer, &dst) == 0) {
				st->st_size = dst.st_size;
				st->st_blocks = dst.st_blocks;
			}
		}	/* the placeholder mark */
		if (v->meta.mask & VMETA_MODE)
			st->st_mode = v->meta.mode;
		if (v->meta.mask & VMETA_RDEV)
			st->st_rdev = v->meta.rdev;
	}
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* True when everything v shows comes from the stack's layers (slot 0
 * is the scope's write layer: a bind rule's host path in its scope).
 * Reads layer fields without v->lock: copy-up moves them within the
 * scope only. */
static bool from_stack(const struct vnode *v)
{
	int i;

	if (v->virt || (v->scope && v->scope->wlayer >= vo.nstack) ||
	    v->layer >= vo.nstack || v->dlayer >= vo.nstack)
		return false;
	if (v->dirfds)
		for (i = vo.nstack; i < vo.nlayers; i++)
			if (v->dirfds[i] >= 0)
				return false;
	return true;
}

double vnode_timeout(const struct vnode *v)
{
	if (vo.timeout_given)
		return vo.timeout;
	return from_stack(v) ? VO_STACK_TIMEOUT : VO_HOST_TIMEOUT;
}

int lookup_entry(struct vnode *v, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = vnode_id(v);
	e->generation = v->gen;
	e->attr_timeout = vnode_timeout(v);
	e->entry_timeout = e->attr_timeout;
	return vnode_stat(v, &e->attr);
}

/* Where a non-directory lives: its parent (a ref taken: the parent
 * cannot go away under a concurrent rename) and its name. */
struct vloc {
	struct vnode *p;
	char name[NAME_MAX + 1];
	int dfd;
};

static int locate(struct vnode *v, int layer, struct vloc *l)
{
	/* a bound file: its host parent and name, whatever the view's */
	const char *fname = vo.layers[layer].fname;

	pthread_mutex_lock(&vo.tab.lock);
	l->p = v->parent;
	if (!l->p || v->unlinked) {
		pthread_mutex_unlock(&vo.tab.lock);
		return -ESTALE;
	}
	l->p->refs++;
	snprintf(l->name, sizeof(l->name), "%s", fname ? fname : v->name);
	pthread_mutex_unlock(&vo.tab.lock);
	l->dfd = fname ? vo.layers[layer].fd : l->p->dirfds ? l->p->dirfds[layer] : -1;
	if (l->dfd < 0) {
		vnode_unref(l->p);
		return -ENOENT;
	}
	return 0;
}

int vnode_hstat(struct vnode *v, int layer, struct stat *st)
{
	struct vloc l;
	int err;

	if (v->virt && v->dirfds[layer] < 0) {
		rules_virt_stat(v, st);
		return 0;
	}
	if (v->dirfds)
		return v->dirfds[layer] < 0 ? -ENOENT
		       : fstat(v->dirfds[layer], st) < 0 ? -errno : 0;
	if (v->fd >= 0)	/* pinned: unlinked or replaced while in use */
		return fstatat(v->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	err = locate(v, layer, &l);
	if (err)
		return err;
	err = fstatat(l.dfd, l.name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

ssize_t vnode_readlink(struct vnode *v, char *buf, size_t size)
{
	struct vloc l;
	ssize_t n;
	int err;

	if (v->fd >= 0 && !v->dirfds) {
		n = readlinkat(v->fd, "", buf, size);
		return n < 0 ? -errno : n;
	}
	err = locate(v, v->layer, &l);
	if (err)
		return err;
	n = readlinkat(l.dfd, l.name, buf, size);
	if (n < 0)
		n = -errno;
	vnode_unref(l.p);
	return n;
}

int vnode_utimens(struct vnode *v, int layer, const struct timespec ts[2])
{
	struct vloc l;
	int err, fd;

	/* pinned (unlinked or replaced while in use): the object itself */
	if (!v->dirfds && v->fd >= 0 && layer == v->layer)
		return utimensat(v->fd, "", ts, AT_EMPTY_PATH) < 0 ? -errno : 0;
	if (v->dirfds) {
		fd = vnode_open_host(v, layer, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		err = futimens(fd, ts) < 0 ? -errno : 0;
		close(fd);
		return err;
	}
	err = locate(v, layer, &l);
	if (err)
		return err;
	/* by name, never following: symlinks, fifos and sockets too */
	err = utimensat(l.dfd, l.name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

int vnode_touch_ctime(struct vnode *v)
{
	struct vloc l;
	int err;

	if (v->dirfds)
		return v->dirfds[0] < 0 ? 0 : fchownat(v->dirfds[0], "", -1, -1, AT_EMPTY_PATH) < 0
		       ? -errno : 0;
	if (v->fd >= 0)	/* pinned */
		return fchownat(v->fd, "", -1, -1, AT_EMPTY_PATH) < 0 ? -errno : 0;
	err = locate(v, 0, &l);
	if (err)
		return err;
	err = fchownat(l.dfd, l.name, -1, -1, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	vnode_unref(l.p);
	return err;
}

int vnode_pin(struct vnode *v)
{
	struct vloc l;
	int err, fd;

	if (v->dirfds || v->fd >= 0)
		return 0;
	err = locate(v, v->layer, &l);
	if (err)
		return err;
	fd = openat(l.dfd, l.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	vnode_unref(l.p);
	if (!err)
		v->fd = fd;
	return err;
}

int vnode_open_host(struct vnode *v, int layer, int flags, mode_t mode)
{
	struct vloc l;
	int fd, err;

	if (v->dirfds) {
		fd = v->dirfds[layer] < 0 ? -ENOENT
			: openat(v->dirfds[layer], ".", flags | O_CLOEXEC);
		return fd < 0 && v->dirfds[layer] >= 0 ? -errno : fd;
	}
	err = locate(v, layer, &l);
	if (err)
		return err;
	fd = openat(l.dfd, l.name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
	vnode_unref(l.p);
	return fd;
}
