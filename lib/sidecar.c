// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sidecar — the public face of a layer's virtual metadata (see sidecar.h).
 * Holds the lock, keeps the in-memory index (sidecar_index.c) and the file
 * (sidecar_db.c) in step. Invariants:
 *  1. Every row of the file is in the index after open; sidecar_get and the
 *     xattr readers use the index only, under the read lock, and never wait
 *     for SQLite. A read-only sidecar closes the file right after loading.
 *  2. A change is applied to the index and written into the open
 *     transaction under the write lock, so readers see it at once and the
 *     file receives changes in the order the index did.
 *  3. The open transaction commits on sidecar_flush, sidecar_close, or
 *     (unless SIDECAR_MANUAL) once SIDECAR_BATCH_MAX changes (API calls)
 *     are pending. WAL with synchronous=NORMAL: every commit is atomic; flush,
 *     close and repair then fsync the WAL, so a flushed change is durable
 *     when the call returns. A crash (even a power loss) keeps every
 *     flushed change and none of an unfinished batch; an auto-commit that
 *     no flush followed may be lost whole on power loss, never in part. A
 *     batch never commits halfway through one API call.
 *  4. A path has at most one row; hard links are several paths sharing a
 *     node; a node without paths is deleted with its last path. The row
 *     belongs to the inode: a name without a row of its own whose host
 *     file has other links gets (and on a change, joins) the node filed
 *     under its host inode, so no name of a file ever shows another
 *     owner (nodes about a lower layer's file, VMETA_F_BELOW, are not
 *     filed: their inode is another file system's).
 *  5. A row applies to a file only while the host inode and type agree
 *     (sc_fresh) and, where the file system keeps one, the birth time
 *     it recorded is the file's (born_then: an inode number reused at
 *     the same path outside vuovl); a layer found copied elsewhere is
 *     re-keyed by path.
 *  6. A tree moves in the file with one statement (scdb_path_move); an
 *     exchange parks one tree at EXCHANGE_TMP, a key no layer path can
 *     take (no leading '/'), and moves it back within the same call.
 *  7. After a failed SQLite write the index may be ahead of the file; the
 *     error is returned and the next commit decides (nothing is hidden).
 * Lock order: sc->lock is the only lock here; SQLite's own mutexes are off
 * (SQLITE_OPEN_NOMUTEX) because the write lock already serializes it.
 */
#include "config.h"
#include "sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "idmap.h"
#include "sidecar_db.h"
#include "sidecar_file.h"
#include "sidecar_index.h"

struct sidecar {
	pthread_rwlock_t lock;	/* lock order: only lock of its own */
	struct sc_index idx;	/* protected by lock */
	struct scdb db;		/* protected by lock (write side) */
	int rdonly;
	int manual;	/* SIDECAR_MANUAL */
	/* layer.root_owner: the host ids standing for root (set once),
	 * and the same ids as this process's user namespace sees them
	 * (read without the lock: written before any reader, or once) */
	int has_root_owner;
	uint32_t root_uid, root_gid;
	int here_ok;
	uint32_t here_uid, here_gid;
	struct sc_place place;	/* the file; its directory pinned while open */
	char warning[256];	/* rows skipped at load, in words, or "" */
	int layer_fd;		/* the layer's root, for birth times; -1 */
};

static __thread char open_err[1024];

const char *sidecar_warning(const struct sidecar *sc)
{
	return sc && sc->warning[0] ? sc->warning : NULL;
}

const char *sidecar_open_error(void)
{
	return open_err[0] ? open_err : NULL;
}

const char *sidecar_strerror(const struct sidecar *sc, int err)
{
	(void)err;
	return sc && sc->db.err[0] ? sc->db.err : NULL;
}

int vmeta_xattr_is_virtual(const char *name)
{
	/* user.* names that steer overlays: fuse-overlayfs, containers'
	 * storage and kernel overlayfs (userxattr) would obey them on the
	 * host file; in a layer they are data like any privileged xattr */
	static const char *const steering[] = {
		"user.overlay.", "user.fuseoverlayfs.", "user.containers.", NULL,
	};

	for (int i = 0; steering[i]; i++)
		if (!strncmp(name, steering[i], strlen(steering[i])))
			return 1;
	return strncmp(name, "security.", 9) == 0 ||
	       strncmp(name, "trusted.", 8) == 0 ||
	       strncmp(name, "system.posix_acl_", 17) == 0;
}

void vmeta_merge(struct vmeta *dst, const struct vmeta *m)
{
	if (m->mask & VMETA_UID) dst->uid = m->uid;
	if (m->mask & VMETA_GID) dst->gid = m->gid;
	if (m->mask & VMETA_MODE) dst->mode = m->mode;
	if (m->mask & VMETA_RDEV) dst->rdev = m->rdev;
	if (m->mask & VMETA_INO) dst->ino = m->ino;
	if (m->mask & VMETA_FLAGS) dst->flags = m->flags;
	if (m->mask & VMETA_UNAME) memcpy(dst->uname, m->uname, sizeof(dst->uname));
	if (m->mask & VMETA_GNAME) memcpy(dst->gname, m->gname, sizeof(dst->gname));
	dst->mask |= m->mask;
}

/* May a row whose type is vt describe a host file of type ht? Device
 * nodes, fifos and sockets are stored as regular files (or real fifos). */
static int type_fits(mode_t vt, mode_t ht)
{
	if (vt == ht)
		return 1;
	if (vt == S_IFDIR || vt == S_IFLNK || ht == S_IFDIR || ht == S_IFLNK)
		return 0;
	return 1;
}

/* The birth time in ns of path beneath the layer; 0 when the file
 * system keeps none (or there is no layer to ask). */
static int64_t birth_time(const struct sidecar *sc, const char *path)
{
	struct statx stx;

	if (sc->layer_fd < 0 || !path ||
	    statx(sc->layer_fd, path[0] ? path : ".", AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		  STATX_BTIME, &stx) < 0 || !(stx.stx_mask & STATX_BTIME))
		return 0;
	return (int64_t)stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec;
}

/*
 * Invariant 5's second test: a node that recorded its file's birth time
 * applies only to a file born then. The inode number alone is reused by
 * a file made at the same path while no vuovl watched (a 19-byte file
 * would show as the device node that was there). Checked once per node
 * and open (then the inode number is enough); a node about a lower
 * layer's file (VMETA_F_BELOW) is not this layer's to check. Caller holds
 * the lock (a read lock will do: the mark is set atomically, the same
 * by every reader).
 */
static bool born_then(const struct sidecar *sc, struct sc_node *n, const char *path)
{
	uint8_t seen = __atomic_load_n(&n->btime_seen, __ATOMIC_RELAXED);
	int64_t now;

	if (seen || !n->host_btime || (n->flags & VMETA_F_BELOW) || !path)
		return seen != 2;
	now = birth_time(sc, path);
	seen = !now || now == n->host_btime ? 1 : 2;
	__atomic_store_n(&n->btime_seen, seen, __ATOMIC_RELAXED);
	return seen == 1;
}

static int sc_fresh(const struct sc_node *n, const struct stat *host)
{
	if (!host)
		return 1;
	if (n->host_ino && n->host_ino != (uint64_t)host->st_ino)
		return 0;
	if ((n->mask & VMETA_MODE) &&
	    !type_fits(n->mode & S_IFMT, host->st_mode & S_IFMT))
		return 0;
	return 1;
}

/* Ends one change (one API call, however many statements it took) and
 * commits when SIDECAR_BATCH_MAX changes are pending. Counting calls, not
 * statements, keeps commits few: each one rewrites every page the batch
 * dirtied. Caller holds the write lock. */
static int maybe_commit(struct sidecar *sc, int r)
{
	if (sc->db.in_txn)
		sc->db.pending++;
	if (r == 0 && !sc->manual && sc->db.pending >= SIDECAR_BATCH_MAX)
		r = scdb_commit(&sc->db, 0);
	return r;
}

/* Drops one path (entry e) from index and file; the node goes with its
 * last path. Caller holds the write lock. */
static int drop_entry(struct sidecar *sc, struct sc_entry *e, int in_file)
{
	struct sc_node *n;
	int r = 0;

	if (in_file)
		r = scdb_path_delete(&sc->db, e->path, 0);
	n = scx_remove(&sc->idx, e);
	if (n->nlinks == 0) {
		int r2 = scdb_node_delete(&sc->db, n);

		if (r == 0)
			r = r2;
		scx_inode_drop(&sc->idx, n);
		scx_node_free(n);
	}
	return r;
}

/* Drops path and everything beneath it. Returns the count dropped, or
 * -errno. Caller holds the write lock. */
static int drop_tree(struct sidecar *sc, const char *path)
{
	struct sc_entry **below = NULL, *e = scx_find(&sc->idx, path);
	ssize_t n = scx_collect_below(&sc->idx, path, &below);
	int r = 0, count = 0;

	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++, count++)
		if (drop_entry(sc, below[i], 0) < 0 && r == 0)
			r = -EIO;
	free(below);
	if (e) {
		if (drop_entry(sc, e, 0) < 0 && r == 0)
			r = -EIO;
		count++;
	}
	if (count) {
		int r2 = scdb_path_delete(&sc->db, path, n > 0);

		if (r == 0)
			r = r2;
	}
	return r < 0 ? r : count;
}

/* "fsid:ino" of the layer root. The filesystem id (from its UUID on
 * ext4, xfs, btrfs) stays across reboots where st_dev may not, and tells
 * two filesystems apart where the root inode alone would not (the root of
 * every ext4 is inode 2). */
static int layer_identity(int layer_fd, char *buf, size_t size)
{
	struct statfs sfs;
	struct stat st;
	uint32_t id[2];

	if (fstat(layer_fd, &st) < 0 || fstatfs(layer_fd, &sfs) < 0)
		return -errno;
	memcpy(id, &sfs.f_fsid, sizeof(id));
	if (!id[0] && !id[1]) {	/* no fsid (some virtual fs): the device it is */
		id[0] = major(st.st_dev);
		id[1] = minor(st.st_dev);
	}
	snprintf(buf, size, "%08" PRIx32 "%08" PRIx32 ":%" PRIu64, id[0], id[1],
		 (uint64_t)st.st_ino);
	return 0;
}

static int stat_beneath(int layer_fd, const char *path, struct stat *st)
{
	if (fstatat(layer_fd, path[0] ? path : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* A copy of n's fields and xattrs for path, which leaves n (a hard link
 * that a copy of the layer split into its own file). Caller holds the
 * write lock. */
static int split_node(struct sidecar *sc, struct sc_entry *e, uint64_t ino)
{
	struct sc_node *n = e->node, *c = scx_node_new();
	struct sc_xattr **tail;
	struct vmeta m;
	char *path = strdup(e->path);
	int r = 0;

	if (!c || !path) {
		scx_node_free(c);
		free(path);
		return -ENOMEM;
	}
	scx_node_get(n, &m);
	tail = &c->xattrs;
	for (struct sc_xattr *x = n->xattrs; x && r == 0; x = x->next) {
		struct sc_xattr *y = malloc(sizeof(*y) + x->size);

		if (!y || !(y->name = strdup(x->name))) {
			free(y);
			r = -ENOMEM;
			break;
		}
		y->size = x->size;
		memcpy(y->value, x->value, x->size);
		y->next = NULL;
		*tail = y;
		tail = &y->next;
	}
	if (r == 0)
		r = scx_node_merge(&sc->idx, c, &m);
	c->host_ino = ino;
	if (r < 0) {
		scx_node_free(c);
		free(path);
		return r;
	}
	scx_remove(&sc->idx, e);	/* n keeps its other paths */
	r = scx_insert(&sc->idx, path, c);
	if (r == 0)
		r = scx_inode_update(&sc->idx, c);
	if (r == 0 && !sc->rdonly) {
		r = scdb_node_write(&sc->db, c);
		for (struct sc_xattr *x = c->xattrs; x && r == 0; x = x->next)
			r = scdb_xattr_put(&sc->db, c, x);
		if (r == 0)
			r = maybe_commit(sc, scdb_path_put(&sc->db, path, c));
	}
	free(path);
	return r;
}

static int cmp_entry_node(const void *a, const void *b)
{
	const struct sc_node *x = (*(struct sc_entry *const *)a)->node;
	const struct sc_node *y = (*(struct sc_entry *const *)b)->node;

	return x < y ? -1 : x > y;
}

/* The layer was copied elsewhere: its host inodes changed, its paths did
 * not. Records each file's new inode (in memory only when read-only). A
 * hard link the copy made into a file of its own (cp -r) gets a node of
 * its own with the same fields: both names keep their metadata. */
static int rekey(struct sidecar *sc, int layer_fd)
{
	struct sc_entry **v;
	ssize_t n = scx_collect_all(&sc->idx, &v);
	int r = 0;

	if (n < 0)
		return (int)n;
	/* the names of one node side by side: the first one's file keeps it */
	qsort(v, (size_t)n, sizeof(*v), cmp_entry_node);
	for (ssize_t i = 0; i < n && r == 0; i++) {
		struct sc_node *node = v[i]->node;
		bool first = i == 0 || v[i - 1]->node != node;
		struct stat st;

		if (!node->host_ino || stat_beneath(layer_fd, v[i]->path, &st) < 0)
			continue;	/* a vanished file: ignored, repair drops it */
		if (node->host_ino == (uint64_t)st.st_ino)
			continue;
		if (!first && node->nlinks > 1 && S_ISREG(st.st_mode)) {
			/* an earlier name re-keyed this node to another file */
			r = split_node(sc, v[i], (uint64_t)st.st_ino);
			continue;
		}
		node->host_ino = (uint64_t)st.st_ino;
		node->host_btime = birth_time(sc, v[i]->path);	/* a copy is born anew */
		node->btime_seen = 1;
		if ((r = scx_inode_update(&sc->idx, node)) < 0)
			break;
		if (!sc->rdonly)
			r = maybe_commit(sc, scdb_node_write(&sc->db, node));
	}
	free(v);
	return r;
}

static int check_identity(struct sidecar *sc, int layer_fd)
{
	char now[64], was[64];
	int r;

	if (layer_fd < 0)
		return 0;
	if ((r = layer_identity(layer_fd, now, sizeof(now))) < 0)
		return r;
	r = scdb_layer_get(&sc->db, "root", was, sizeof(was));
	if (r == 0 && strcmp(was, now) == 0)
		return 0;
	/* Moved, copied, or never recorded (a file made by other tools):
	 * the paths are what we trust. */
	if ((r = rekey(sc, layer_fd)) < 0)
		return r;
	if (sc->rdonly)
		return 0;
	if ((r = scdb_layer_set(&sc->db, "root", now)) < 0)
		return r;
	return scdb_commit(&sc->db, 0);
}

/* Writers first: a stream of FUSE getattr readers must not starve a
 * chown waiting for the write lock (glibc prefers readers by default). */
static void lock_init(pthread_rwlock_t *lock)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

/* The root owner as this process's user namespace sees it; a namespace
 * that does not map them sees no file of theirs. */
static void translate_root_owner(struct sidecar *sc)
{
	sc->here_ok = idmap_self(0, sc->root_uid, 1, &sc->here_uid) == 0 &&
		      idmap_self(1, sc->root_gid, 1, &sc->here_gid) == 0;
}

void sidecar_owner_of(struct sidecar *sc, struct stat *st)
{
	if (!sc->here_ok)
		return;
	if ((uint32_t)st->st_uid == sc->here_uid)
		st->st_uid = 0;
	if ((uint32_t)st->st_gid == sc->here_gid)
		st->st_gid = 0;
}

/* "UID:GID" of the layer table; a malformed value counts as none. */
static void load_root_owner(struct sidecar *sc)
{
	char buf[64], *end;
	unsigned long long u, g;

	if (scdb_layer_get(&sc->db, "root_owner", buf, sizeof(buf)) < 0)
		return;
	errno = 0;
	u = strtoull(buf, &end, 10);
	if (errno || *end != ':' || u > UINT32_MAX || end == buf)
		return;
	g = strtoull(end + 1, &end, 10);
	if (errno || *end || g > UINT32_MAX)
		return;
	sc->root_uid = (uint32_t)u;
	sc->root_gid = (uint32_t)g;
	sc->has_root_owner = 1;
	translate_root_owner(sc);
}

int sidecar_root_owner(struct sidecar *sc, uid_t *uid, gid_t *gid)
{
	int r = -ENOENT;

	pthread_rwlock_rdlock(&sc->lock);
	if (sc->has_root_owner) {
		*uid = sc->root_uid;
		*gid = sc->root_gid;
		r = 0;
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_set_root_owner(struct sidecar *sc, uid_t uid, gid_t gid)
{
	char buf[64];
	int r;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	if (sc->has_root_owner) {
		r = sc->root_uid == uid && sc->root_gid == gid ? 0 : -EEXIST;
		goto out;
	}
	snprintf(buf, sizeof(buf), "%u:%u", (unsigned)uid, (unsigned)gid);
	r = scdb_layer_set(&sc->db, "root_owner", buf);
	if (r == 0) {
		sc->root_uid = uid;
		sc->root_gid = gid;
		sc->has_root_owner = 1;
		translate_root_owner(sc);
		r = maybe_commit(sc, 0);
	}
out:
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_open(int layer_fd, const char *layer_path, const char *dbpath,
		 unsigned flags, struct sidecar **out)
{
	int create = (flags & SIDECAR_CREATE) && !(flags & SIDECAR_RDONLY);
	struct sidecar *sc = calloc(1, sizeof(*sc));
	int r;

	open_err[0] = '\0';
	*out = NULL;
	if (!sc)
		return -ENOMEM;
	lock_init(&sc->lock);
	scx_init(&sc->idx);
	sc->rdonly = !!(flags & SIDECAR_RDONLY);
	sc->manual = !!(flags & SIDECAR_MANUAL);
	sc->layer_fd = layer_fd >= 0 ? fcntl(layer_fd, F_DUPFD_CLOEXEC, 0) : -1;
	/* where it is, and whether to believe it (sidecar_file.c) */
	r = scf_place(layer_fd, layer_path, dbpath, create, &sc->place);
	if (r) {
		if (sc->place.err[0])
			snprintf(open_err, sizeof(open_err), "%s", sc->place.err);
		goto fail;
	}
	if ((r = scdb_open(&sc->db, sc->place.sqlpath, create, sc->rdonly)) < 0)
		goto fail_db;
	if ((r = scf_settle(&sc->place)) < 0) {
		snprintf(open_err, sizeof(open_err), "%s", sc->place.err);
		scdb_close(&sc->db);
		goto fail;
	}
	if ((r = scdb_load(&sc->db, &sc->idx)) < 0 || (r = check_identity(sc, layer_fd)) < 0)
		goto fail_db;
	load_root_owner(sc);
	if (sc->db.bad)
		snprintf(sc->warning, sizeof(sc->warning), "%u row%s not believed and skipped "
			 "(the first: %s); vuovl-meta repair removes them", sc->db.bad,
			 sc->db.bad == 1 ? "" : "s", sc->db.first_bad);
	if (sc->rdonly) {
		scdb_close(&sc->db);	/* all in memory: the file is not needed */
		scf_release(&sc->place);
	}
	*out = sc;
	return 0;
fail_db:
	snprintf(open_err, sizeof(open_err), "%s: %s", sc->place.shown,
		 sc->db.err[0] ? sc->db.err : strerror(-r));
	scdb_close(&sc->db);
fail:
	scf_release(&sc->place);
	scx_release(&sc->idx);
	if (sc->layer_fd >= 0)
		close(sc->layer_fd);
	pthread_rwlock_destroy(&sc->lock);
	free(sc);
	return r;
}

int sidecar_close(struct sidecar *sc)
{
	int r = 0;

	if (!sc)
		return 0;
	if (!sc->rdonly) {
		r = scdb_commit(&sc->db, 1);
		scdb_close(&sc->db);
		scf_release(&sc->place);
	}
	scx_release(&sc->idx);
	if (sc->layer_fd >= 0)
		close(sc->layer_fd);
	pthread_rwlock_destroy(&sc->lock);
	free(sc);
	return r;
}

int sidecar_flush(struct sidecar *sc)
{
	int r;

	if (sc->rdonly)
		return 0;
	pthread_rwlock_wrlock(&sc->lock);
	r = scdb_commit(&sc->db, 1);
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

/* Is n the node of host, found by inode (a name without a row of its
 * own)? Only a non-directory with other names can share a node. Caller
 * holds the lock. */
static struct sc_node *node_by_inode(struct sidecar *sc, const struct stat *host)
{
	struct sc_node *n;

	if (!host || S_ISDIR(host->st_mode) || host->st_nlink < 1)
		return NULL;
	n = scx_inode_find(&sc->idx, (uint64_t)host->st_ino);
	return n && sc_fresh(n, host) ? n : NULL;
}

/* Fresh by inode and type, and born when its file was. */
static bool believable(struct sidecar *sc, struct sc_node *n, const char *path,
		       const struct stat *host)
{
	return sc_fresh(n, host) && (!host || born_then(sc, n, path));
}

/* The node describing path (and host): its own row, else, for a hard
 * link whose other name holds the row, the node of its host inode
 * (invariant 4: the row belongs to the inode). path NULL: by inode
 * only. Caller holds the lock. */
static struct sc_node *node_of(struct sidecar *sc, const char *path, const struct stat *host)
{
	struct sc_entry *e = path ? scx_find(&sc->idx, path) : NULL;
	struct sc_node *n;

	if (e && believable(sc, e->node, path, host))
		return e->node;
	if (!path || (host && host->st_nlink > 1)) {
		n = node_by_inode(sc, host);
		return n && (!path || born_then(sc, n, path)) ? n : NULL;
	}
	return NULL;
}

int sidecar_get(struct sidecar *sc, const char *path, const struct stat *host,
		struct vmeta *out)
{
	struct sc_node *n;
	int r = -ENOENT;

	pthread_rwlock_rdlock(&sc->lock);
	n = node_of(sc, path, host);
	if (n) {
		scx_node_get(n, out);
		r = 0;
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

/* The node of path, created when missing with the fields of m (NULL: none)
 * and host's inode; a stale row is dropped first (it described a file that
 * is gone). A hard link without a row of its own joins the node of its
 * host inode. path NULL: the node of host's inode only, -ENOENT when none
 * (nothing is created). *created says whether the node is new, its fields
 * already written. Caller holds the write lock. */
static int node_for_write(struct sidecar *sc, const char *path,
			  const struct stat *host, const struct vmeta *m,
			  struct sc_node **out, int *created)
{
	struct sc_entry *e = path ? scx_find(&sc->idx, path) : NULL;
	struct sc_node *n;
	int r;

	*created = 0;
	if (e && believable(sc, e->node, path, host)) {
		*out = e->node;
		return 0;
	}
	if (e && (r = drop_entry(sc, e, 1)) < 0)
		return r;
	/* another name of the same inode holds the row: share it */
	n = !path || (host && host->st_nlink > 1) ? node_of(sc, NULL, host) : NULL;
	if (n && path) {
		if ((r = scx_insert(&sc->idx, path, n)) < 0)
			return r;
		*out = n;
		return scdb_path_put(&sc->db, path, n);
	}
	if (n || !path) {
		*out = n;
		return n ? 0 : -ENOENT;	/* by inode only: never a new node */
	}
	if (!(n = scx_node_new()))
		return -ENOMEM;
	if (m && scx_node_merge(&sc->idx, n, m) < 0) {
		scx_node_free(n);
		return -ENOMEM;
	}
	if (host) {
		n->host_ino = (uint64_t)host->st_ino;
		n->host_btime = birth_time(sc, path);
		n->btime_seen = 1;
	}
	/* One INSERT with every field: a new row costs two statements. */
	if ((r = scdb_node_write(&sc->db, n)) < 0 || (r = scx_insert(&sc->idx, path, n)) < 0) {
		scx_node_free(n);
		return r;
	}
	*out = n;
	*created = 1;
	if ((r = scx_inode_update(&sc->idx, n)) < 0)
		return r;
	return scdb_path_put(&sc->db, path, n);
}

int sidecar_set(struct sidecar *sc, const char *path, const struct stat *host,
		const struct vmeta *m)
{
	struct sc_node *n;
	int r, created;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	r = node_for_write(sc, path, host, m, &n, &created);
	if (r == 0 && !created && (r = scx_node_merge(&sc->idx, n, m)) == 0) {
		if (host && n->host_ino != (uint64_t)host->st_ino) {
			n->host_ino = (uint64_t)host->st_ino;
			n->host_btime = birth_time(sc, path);
			n->btime_seen = 1;
		}
		r = scx_inode_update(&sc->idx, n);
		if (r == 0)
			r = scdb_node_write(&sc->db, n);
	}
	r = maybe_commit(sc, r);
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_clear(struct sidecar *sc, const char *path, unsigned mask)
{
	struct sc_entry *e;
	int r = -ENOENT;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	e = scx_find(&sc->idx, path);
	if (e) {
		struct sc_node *n = e->node;

		scx_node_forget(n, mask);
		if (!n->mask && !n->xattrs && n->nlinks == 1)
			r = drop_entry(sc, e, 1);	/* nothing left to say */
		else if ((r = scx_inode_update(&sc->idx, n)) == 0)
			r = scdb_node_write(&sc->db, n);
		r = maybe_commit(sc, r);
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_link(struct sidecar *sc, const char *existing, const char *newpath,
		 const struct stat *host)
{
	struct sc_entry *e, *old;
	struct sc_node *n;
	int r, created;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	e = scx_find(&sc->idx, existing);
	if (!e && !host) {
		r = -ENOENT;
		goto out;
	}
	if (e) {
		n = e->node;
	} else {
		/* a node with no field yet: both names share whatever is
		 * set later through either (invariant 4) */
		struct vmeta none = { .mask = 0 };

		if ((r = node_for_write(sc, existing, host, &none, &n, &created)) < 0)
			goto out;
	}
	old = scx_find(&sc->idx, newpath);
	if (old && old->node == n) {
		r = maybe_commit(sc, 0);
		goto out;
	}
	if (old && (r = drop_entry(sc, old, 1)) < 0)
		goto out;
	if ((r = scx_insert(&sc->idx, newpath, n)) == 0)
		r = scdb_path_put(&sc->db, newpath, n);
	r = maybe_commit(sc, r);
out:
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_unlink(struct sidecar *sc, const char *path)
{
	int r;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	r = drop_tree(sc, path);
	if (r == 0)
		r = -ENOENT;
	else if (r > 0)
		r = maybe_commit(sc, 0);
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

/* One moved row: where it was, the node, where it goes. */
struct move {
	char *from, *to;
	struct sc_node *node;
};

static void moves_free(struct move *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].from);
		free(v[i].to);
	}
	free(v);
}

/* Lists the rows at and beneath `from`, each with its destination under
 * `to`. Returns the count or -ENOMEM. Caller holds the lock. */
static ssize_t plan_moves(struct sidecar *sc, const char *from, const char *to,
			  struct move **out)
{
	struct sc_entry **below = NULL, *top = scx_find(&sc->idx, from);
	ssize_t n = scx_collect_below(&sc->idx, from, &below), k = 0;
	size_t flen = strlen(from);
	struct move *v;

	*out = NULL;
	if (n < 0)
		return n;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		free(below);
		return -ENOMEM;
	}
	for (ssize_t i = -1; i < n; i++) {
		struct sc_entry *e = i < 0 ? top : below[i];

		if (!e)
			continue;
		v[k].node = e->node;
		v[k].from = strdup(e->path);
		if (asprintf(&v[k].to, "%s%s", to, e->path + flen) < 0)
			v[k].to = NULL;
		if (!v[k].from || !v[k++].to) {
			moves_free(v, (size_t)k);
			free(below);
			return -ENOMEM;
		}
	}
	free(below);
	*out = v;
	return k;
}

/* Takes the planned rows out of the index, keeping their nodes. The file
 * is changed by one tree move (scdb_path_move), not row by row. */
static void moves_detach(struct sidecar *sc, struct move *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].node->nlinks++;	/* hold it while it has no path */
		scx_remove(&sc->idx, scx_find(&sc->idx, v[i].from));
	}
}

static int moves_attach(struct sidecar *sc, struct move *v, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		int r2 = scx_insert(&sc->idx, v[i].to, v[i].node);

		v[i].node->nlinks--;
		if (r2 < 0) {	/* out of memory: the row is lost from memory only */
			if (v[i].node->nlinks == 0) {
				scx_inode_drop(&sc->idx, v[i].node);
				scx_node_free(v[i].node);
			}
			if (r == 0)
				r = r2;
		}
	}
	return r;
}

/* Is b a or beneath a? rename(2) refuses to move a directory into itself. */
static int is_within(const char *a, const char *b)
{
	size_t len = strlen(a);

	return strncmp(a, b, len) == 0 && (b[len] == '\0' || b[len] == '/');
}

int sidecar_rename(struct sidecar *sc, const char *oldpath, const char *newpath)
{
	struct move *v;
	ssize_t n;
	int r;

	if (sc->rdonly)
		return -EROFS;
	if (strcmp(oldpath, newpath) == 0)
		return 0;
	if (!oldpath[0] || !newpath[0] || is_within(oldpath, newpath))
		return -EINVAL;	/* the layer root does not move, nor into itself */
	pthread_rwlock_wrlock(&sc->lock);
	n = plan_moves(sc, oldpath, newpath, &v);
	r = n < 0 ? (int)n : 0;
	if (r == 0) {
		moves_detach(sc, v, (size_t)n);
		if ((r = drop_tree(sc, newpath)) > 0)
			r = 0;	/* rename(2) replaced what was there */
		if (r == 0 && n > 0)
			r = scdb_path_move(&sc->db, oldpath, newpath);
		if (moves_attach(sc, v, (size_t)n) < 0 && r == 0)
			r = -ENOMEM;
	}
	moves_free(v, n > 0 ? (size_t)n : 0);
	r = maybe_commit(sc, r);
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

/* Not a path of any layer (paths have no leading '/'): where the file
 * parks a tree during an exchange. */
#define EXCHANGE_TMP "/exchange"

int sidecar_exchange(struct sidecar *sc, const char *a, const char *b)
{
	struct move *va = NULL, *vb = NULL;
	ssize_t na, nb = -1;
	int r;

	if (sc->rdonly)
		return -EROFS;
	if (strcmp(a, b) == 0)
		return 0;
	if (!a[0] || !b[0] || is_within(a, b) || is_within(b, a))
		return -EINVAL;
	pthread_rwlock_wrlock(&sc->lock);
	na = plan_moves(sc, a, b, &va);
	if (na >= 0)
		nb = plan_moves(sc, b, a, &vb);
	r = na < 0 ? (int)na : nb < 0 ? (int)nb : 0;
	if (r == 0) {
		moves_detach(sc, va, (size_t)na);
		moves_detach(sc, vb, (size_t)nb);
		r = scdb_path_move(&sc->db, a, EXCHANGE_TMP);
		if (r == 0)
			r = scdb_path_move(&sc->db, b, a);
		if (r == 0)
			r = scdb_path_move(&sc->db, EXCHANGE_TMP, b);
		if (moves_attach(sc, va, (size_t)na) < 0 && r == 0)
			r = -ENOMEM;
		if (moves_attach(sc, vb, (size_t)nb) < 0 && r == 0)
			r = -ENOMEM;
	}
	moves_free(va, na > 0 ? (size_t)na : 0);
	moves_free(vb, nb > 0 ? (size_t)nb : 0);
	r = maybe_commit(sc, r);
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

ssize_t sidecar_xattr_get(struct sidecar *sc, const char *path,
			  const char *name, void *buf, size_t size)
{
	struct sc_entry *e;
	ssize_t r = -ENODATA;

	pthread_rwlock_rdlock(&sc->lock);
	e = scx_find(&sc->idx, path);
	if (e) {
		struct sc_xattr *x = *scx_xattr_find(e->node, name);

		if (x && size && size < x->size)
			r = -ERANGE;
		else if (x) {
			if (size)
				memcpy(buf, x->value, x->size);
			r = (ssize_t)x->size;
		}
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_xattr_set(struct sidecar *sc, const char *path,
		      const struct stat *host, const char *name,
		      const void *value, size_t size, int flags)
{
	struct sc_node *n;
	struct sc_xattr **pp, *x;
	int r, created;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	if (flags & XATTR_REPLACE) {	/* refuse before making a node for nothing */
		struct sc_entry *e = scx_find(&sc->idx, path);

		if (!e || !believable(sc, e->node, path, host) || !*scx_xattr_find(e->node, name)) {
			r = -ENODATA;
			goto out;
		}
	}
	if ((r = node_for_write(sc, path, host, NULL, &n, &created)) < 0)
		goto out;
	pp = scx_xattr_find(n, name);
	if ((flags & XATTR_CREATE) && *pp) {
		r = -EEXIST;
		goto out;
	}
	if ((flags & XATTR_REPLACE) && !*pp) {
		r = -ENODATA;
		goto out;
	}
	x = malloc(sizeof(*x) + size);
	if (!x || !(x->name = strdup(name))) {
		free(x);
		r = -ENOMEM;
		goto out;
	}
	x->size = size;
	memcpy(x->value, value, size);
	if (*pp) {	/* replace in place, keeping list order */
		x->next = (*pp)->next;
		free((*pp)->name);
		free(*pp);
	} else {
		x->next = NULL;
	}
	*pp = x;
	r = maybe_commit(sc, scdb_xattr_put(&sc->db, n, x));
out:
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

int sidecar_xattr_remove(struct sidecar *sc, const char *path, const char *name)
{
	struct sc_entry *e;
	int r = -ENODATA;

	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	e = scx_find(&sc->idx, path);
	if (e) {
		struct sc_xattr **pp = scx_xattr_find(e->node, name), *x = *pp;

		if (x) {
			*pp = x->next;
			r = maybe_commit(sc, scdb_xattr_delete(&sc->db, e->node, name));
			free(x->name);
			free(x);
		}
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

ssize_t sidecar_xattr_list(struct sidecar *sc, const char *path, char *buf,
			   size_t size)
{
	struct sc_entry *e;
	size_t total = 0;
	ssize_t r;

	pthread_rwlock_rdlock(&sc->lock);
	e = scx_find(&sc->idx, path);
	for (struct sc_xattr *x = e ? e->node->xattrs : NULL; x; x = x->next)
		total += strlen(x->name) + 1;
	r = (ssize_t)total;
	if (size && size < total) {
		r = -ERANGE;
	} else if (size) {
		char *p = buf;

		for (struct sc_xattr *x = e ? e->node->xattrs : NULL; x; x = x->next)
			p = stpcpy(p, x->name) + 1;
	}
	pthread_rwlock_unlock(&sc->lock);
	return r;
}

/* A snapshot of one row, taken under the lock for walking without it. */
struct snap {
	char *path;
	struct vmeta m;
};

static int cmp_snap(const void *a, const void *b)
{
	return strcmp(((const struct snap *)a)->path, ((const struct snap *)b)->path);
}

int sidecar_foreach(struct sidecar *sc, sidecar_walk_fn fn, void *arg)
{
	struct sc_entry **v;
	struct snap *s = NULL;
	ssize_t n;
	int r = 0;

	pthread_rwlock_rdlock(&sc->lock);
	n = scx_collect_all(&sc->idx, &v);
	if (n >= 0 && !(s = calloc((size_t)n + 1, sizeof(*s))))
		r = -ENOMEM;
	for (ssize_t i = 0; r == 0 && i < n; i++) {
		scx_node_get(v[i]->node, &s[i].m);
		if (!(s[i].path = strdup(v[i]->path)))
			r = -ENOMEM;
	}
	pthread_rwlock_unlock(&sc->lock);
	if (n < 0)
		return (int)n;
	free(v);
	if (r == 0)
		qsort(s, (size_t)n, sizeof(*s), cmp_snap);
	for (ssize_t i = 0; r == 0 && i < n; i++)
		r = fn(s[i].path, &s[i].m, arg);
	for (ssize_t i = 0; i < n; i++)
		free(s[i].path);
	free(s);
	return r;
}

int sidecar_repair(struct sidecar *sc, int layer_fd, unsigned *removed)
{
	struct sc_entry **v;
	ssize_t n;
	int r = 0;

	*removed = 0;
	if (sc->rdonly)
		return -EROFS;
	pthread_rwlock_wrlock(&sc->lock);
	n = scx_collect_all(&sc->idx, &v);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	/* Parents before children, so a dropped tree is not visited twice. */
	for (ssize_t i = 0; i < n && r == 0; i++) {
		struct stat st;

		if ((v[i]->node->flags & VMETA_F_BELOW) ||
		    (stat_beneath(layer_fd, v[i]->path, &st) == 0 &&
		     believable(sc, v[i]->node, v[i]->path, &st)))
			continue;
		r = drop_entry(sc, v[i], 1);
		(*removed)++;
	}
	free(v);
	if (r == 0)
		r = scdb_purge_orphans(&sc->db, removed);
	if (r == 0)
		r = scdb_commit(&sc->db, 1);
out:
	pthread_rwlock_unlock(&sc->lock);
	return r;
}
