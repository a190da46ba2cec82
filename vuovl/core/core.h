/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core — the overlay itself, with no FUSE in it: the mounted view
 * (struct vo), the vnode table, name resolution across the layers, the
 * rules, listings, copy-up, creation, virtual metadata and when copies
 * become durable. The ops (../ops) call it to serve requests; it never
 * replies to the kernel and never includes fuse_lowlevel.h.
 *
 * Lock order (a thread takes them top to bottom, never the other way;
 * locks on one line are never held together):
 *
 *   a directory's listing: listing_lock(dir) (listing.c) | a dir
 *     handle's lock (ops_readdir.c)
 *   parent vnode lock  (dir->lock)
 *   child vnode lock   (v->lock; copy-up: the parent's is released first)
 *   durable's list lock (durable.c: durable_add under v->lock)
 *   vo.tab.lock        (names, refcounts, the hash and inode index)
 *   iofd's io_lock     (iofd.c: a leaf, under v->lock at most)
 *   a sidecar's lock   (lib/sidecar.c: takes no other lock)
 *
 * dirahead's queue lock (dirahead.c) is taken alone: refs it drops are
 * dropped after it. The transport's locks (../transport) are its own:
 * it never calls into the core. Nothing is freed or closed under
 * tab.lock: vnodes whose counts reach zero are collected under it and
 * freed after (vnode.c).
 *
 * vnode.lock protects the vnode's layer fields (they change on copy-up);
 * tab.lock protects the hash, every vnode's parent/name and refcounts.
 * Fields read without their lock on purpose are C11 atomics or say why
 * a stale value is harmless.
 */
#ifndef VUOVL_CORE_H
#define VUOVL_CORE_H

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "idmap.h"
#include "layer.h"
#include "view.h"
#include "log.h"
#include "sidecar.h"

/* The exit statuses of vuovl(1), EXIT STATUS. */
enum vo_exit {
	VO_EXIT_OK = 0,
	VO_EXIT_USAGE = 1,	/* bad option, rule or view file; no mount point */
	VO_EXIT_LAYER = 2,	/* a layer or a rule's host path */
	VO_EXIT_SIDECAR = 3,	/* a sidecar cannot be opened or believed */
	VO_EXIT_MOUNT = 4,	/* the mount failed */
	VO_EXIT_SESSION = 5,	/* the session ended with an error */
	VO_EXIT_RESOURCE = 6,	/* out of memory, descriptors or processes */
};

/* View inode: (layer index + 1) << 56 | host inode (host inodes are
 * assumed below 2^56, true of every Linux filesystem in practice). */
#define VO_INO_SHIFT 56
#define VO_INO(layer, hino) ((((uint64_t)(layer) + 1) << VO_INO_SHIFT) | \
			     ((uint64_t)(hino) & ((1ull << VO_INO_SHIFT) - 1)))

/* The root's id towards the kernel (FUSE_ROOT_ID); every other vnode's
 * is its address. */
#define VO_ROOT_ID 1

/*
 * A scope: the part of the view between rule boundaries (bind and merge
 * rules are boundaries, like mount points). Slot 0 of a directory's
 * dirfds is always the scope's write directory: the upper layer, or the
 * host directory of a bind written in place.
 */
struct scope {
	int id;			/* rename/link across scopes: EXDEV */
	int wlayer;		/* layer in slot 0: its sidecar, work dir, inodes */
	size_t strip;		/* view path chars before wlayer's own paths */
	bool writable;
};

struct rnode;
struct vo_dir;

struct vnode {
	struct vnode *parent;	/* protected by tab.lock; holds a ref */
	char *name;		/* protected by tab.lock; "" for the root */
	struct vnode *hnext;	/* hash chain, protected by tab.lock */
	uint64_t nlookup;	/* kernel references, protected by tab.lock */
	unsigned refs;		/* children + open handles + 1 while hashed */
	bool hashed;
	struct vnode *inext;	/* inode index chain, protected by tab.lock */
	bool iindexed;		/* in the inode index (hard-linked file) */
	int ilayer;		/* inode index key: layer, host inode */
	ino_t hino;

	pthread_mutex_t lock;
	/* Below: protected by lock (read without it only when stale values
	 * are harmless). */
	/* The layers holding it: written under lock (copy-up moves them to
	 * 0), also read without it (vnode_timeout, replies), so atomic. */
	_Atomic int layer;	/* topmost layer holding it (metadata) */
	_Atomic int dlayer;	/* layer holding the data (!= layer: metacopy) */
	int fd;			/* O_PATH fd of the object in `layer` */
	mode_t type;		/* S_IFMT of the view object */
	uint64_t ino;		/* view inode number */
	int *dirfds;		/* dirs: O_PATH fd per layer, -1 when not
				   part of the merge; NULL for non-dirs */
	struct vmeta meta;	/* virtual metadata (meta.mask 0: none) */
	bool unlinked;
	bool unsynced;		/* a copy whose placeholder mark waits for
				   its data to be durable (durable.c) */
	uint64_t gen;		/* FUSE generation: nodeids (addresses) get reused */
	_Atomic unsigned version;	/* dirs: bumped on every change of the
				   listing; read without the lock by readers
				   that only compare it */
	struct vo_dir *rd;	/* dirs without an open handle (zero-message
				   opendir): the listing being read, by
				   cookie; protected by listing_lock(v) */
	unsigned rd_version;	/* the version rd was built at */
	unsigned rd_served;	/* 1 + the version the kernel last read to
				   its end (it keeps that listing), or 0 */
	/* View rules (set at lookup, never changed): */
	const struct scope *scope;
	const struct rnode *rn;	/* rule trie node of this path, or NULL */
	int *shadow;		/* dirs on the way to an except path: the
				   dirfds as if the excepting rule were not */
	int floor;		/* rules before this one are covered by a bind
				   above: they no longer apply beneath */
	int vlimit;		/* rules from this one on do not apply (the
				   view an inview rule's source sees) */
	const struct rnode *srn;	/* beneath an inview bind: the trie node of
				   the source path, whose rules in
				   [sfloor, slimit) apply too */
	int sfloor, slimit;
	unsigned ctx;		/* inview binds above: mixed into st_ino */
	char *spath;		/* an inview bind point: its path in the
				   layers (NULL: the view path) */
	bool virt;		/* a directory only rules make (no host dir) */
	bool layer_root;	/* some layer's root: ".vuovl" is not shown */
	/* Opens the kernel passes through (ops_passthrough.c), protected by
	 * lock: a copy-up of the data waits while pt_opens. */
	unsigned pt_opens;	/* opens the kernel serves from the backing */
	unsigned npt_opens;	/* opens the daemon serves */
	int32_t pt_id;		/* the backing id while pt_opens */
	struct iofd *io;	/* -o noopen: its cached host fd (iofd.c),
				   protected by iofd's io_lock */
	int pt_layer;		/* the layer of the backing file */
};

/* A directory entry the view never shows, named by its parent directory
 * (device, inode) and its name: the view's own mount point and upper
 * layer, when a lower layer contains them (lowerdir=/). Through them the
 * daemon would walk into its own mount, or show its copies twice. */
struct vo_self {
	dev_t dev;
	ino_t ino;
	char name[256];
};
#define VO_SELF_MAX 4

struct vo_tab {
	pthread_mutex_t lock;
	struct vnode **buckets;
	size_t nbuckets, count;
	/* hard-linked files by (layer, host inode): one vnode, one kernel
	 * inode, whichever name the kernel looked up */
	struct vnode **ibuckets;
	size_t nibuckets;
};

struct vo {
	struct layer *layers;	/* [0] the upper (fd -1 without one), then
				   the lowers, then the rules' layers */
	int nlayers;
	int nstack;		/* layers of the stack: upper slot + lowers */
	bool has_upper;
	bool ro;
	bool kernel_markers;	/* read kernel overlayfs opaque xattrs */
	bool any_sidecar;	/* some layer has virtual metadata */
	bool volatile_;		/* -o volatile: no fsync of copied-up data */
	bool writeback;		/* -o writeback: the kernel's writeback cache */
	bool passthrough;	/* -o passthrough: the kernel does file I/O */
	bool opens;		/* -o open: every open(2) reaches the daemon */
	bool noopen;		/* at INIT: the kernel opens files itself (iofd.c) */
	bool aliased;		/* inview binds: one directory, two vnodes */
	double timeout;		/* entry/attr cache seconds (-o timeout=) */
	bool timeout_given;	/* ...else per source: vnode_timeout() */
	bool zero_opendir;	/* the kernel opens directories itself */
	bool dirahead;		/* resolve subdirectories ahead of a walk (dirahead.c) */
	struct vo_self self[VO_SELF_MAX];	/* stack.c */
	int nself;
	/* fuse-overlayfs's ownership options (vuovl/opts_compat.c): the
	 * view ids of the host owners of files without a row, the owner
	 * every file shows, directories' link count */
	struct idmap_ext uidmap[16], gidmap[16];
	size_t nuidmap, ngidmap;
	int64_t squash_uid, squash_gid;	/* -1: none */
	bool static_nlink;	/* directories show one link (find -noleaf) */
	bool noacl;		/* POSIX ACLs refused (EOPNOTSUPP) */
	struct vnode root;
	struct vo_tab tab;
	_Atomic uint64_t generation;
	_Atomic unsigned long cu_seq;	/* copy-up temporary names */
};

extern struct vo vo;

/* Entry/attribute timeouts from which the kernel also caches listings. */
#define VO_LONG_TIMEOUT 60.0
/* Default timeouts: the stack's layers change only through the daemon
 * (overlayfs: changing them under a mount is undefined); a host path a
 * rule shows is written by others too (resolv.conf). */
#define VO_STACK_TIMEOUT 86400.0
#define VO_HOST_TIMEOUT 1.0

/* core.c: the core's threads and the end of a view */
/* Starts the sync and read-ahead threads (each says why it cannot). */
void core_start(void);
/* Stops the threads, flushes and closes every sidecar. Runs once:
 * later calls do nothing. */
void core_stop(void);

/* vnode.c: the table */
void vnode_table_init(void);
/* The root vnode: every layer root, merged (no opaque check). */
int vnode_root_init(void);
/* The vnode of a kernel node id, and back (no lock: ids are addresses). */
struct vnode *vnode_get(uint64_t id);
uint64_t vnode_id(struct vnode *v);
/* Returns the hashed child of parent named name, with nlookup and refs
 * taken by the caller's choice (see vnode.c), or NULL. */
struct vnode *vnode_find(struct vnode *parent, const char *name);
/* The view inode of a known child (st_ino of a copied-up file is the
 * kept one, not the upper host inode), else dflt. */
uint64_t vnode_peek_ino(struct vnode *parent, const char *name, uint64_t dflt);
/* Inserts a fresh vnode (from lookup) unless one already exists for
 * (parent, name); returns the hashed one, nlookup incremented. */
struct vnode *vnode_insert(struct vnode *parent, const char *name,
			   struct vnode *fresh);
void vnode_forget(struct vnode *v, uint64_t n);
/* One more kernel reference (an entry reply naming an existing vnode). */
void vnode_hold(struct vnode *v);
void vnode_ref(struct vnode *v);
void vnode_unref(struct vnode *v);
/* lookup_child's insert of a fresh vnode of a file with several links
 * (fresh->ilayer >= 0): the vnode already standing for its inode (it
 * takes this name when its own went), else fresh, hashed and indexed
 * under one lock: two names looked up at once never make two vnodes.
 * nlookup taken; fresh is freed when not used; NULL on ENOMEM. */
struct vnode *vnode_insert_linked(struct vnode *dir, const char *name, struct vnode *fresh);
/* v's name was unlinked (or replaced by a rename): it is reached only
 * through open files and the kernel's inode. */
bool vnode_is_unlinked(struct vnode *v);
/* Enters v in the inode index under its current layer and host inode. */
void vnode_index_inode(struct vnode *v, int layer, ino_t hino);
void vnode_unindex_inode(struct vnode *v);
/* Unhash (unlink, rmdir, rename over). */
void vnode_drop_name(struct vnode *parent, const char *name);
/* Swaps two hashed names (RENAME_EXCHANGE). */
void vnode_exchange(struct vnode *p1, const char *n1, struct vnode *p2,
		    const char *n2);
/* Moves the hashed child (rename). */
void vnode_move(struct vnode *oldp, const char *oldname, struct vnode *newp,
		const char *newname);
struct vnode *vnode_alloc(void);
/* Frees an unhashed vnode nobody else knows (a lookup's own, unused). */
void vnode_free(struct vnode *v);
/* Path of name in dir as the layers know it (differs from the view
 * path beneath an inview bind), malloc'd; name NULL: dir's own. */
char *vnode_child_spath(struct vnode *v, const char *name);
/* vnode_child_spath relative to the scope's write layer (malloc'd). */
char *vnode_wpath(struct vnode *dir, const char *name);

/* hostio.c: the host copy of v in one layer, beneath a layer fd */
/* Opens it (its data layer normally) with openat beneath the parent's
 * layer dir: never through /proc. */
int vnode_open_host(struct vnode *v, int layer, int flags, mode_t mode);
/* Its host stat, by parent fd + name (no fd per file). 0 or -errno;
 * -ESTALE for a vnode whose name is gone. */
int vnode_hstat(struct vnode *v, int layer, struct stat *st);
ssize_t vnode_readlink(struct vnode *v, char *buf, size_t size);
int vnode_utimens(struct vnode *v, int layer, const struct timespec ts[2]);
/* The host copy's ctime moves to now (a chown to -1:-1 of the user's own
 * file): for virtual changes. v is in the upper layer; v->lock held. */
int vnode_touch_ctime(struct vnode *v);
/* Keeps an O_PATH fd on v's object before its name goes (unlink,
 * rename over): an open file is still stat-able. */
int vnode_pin(struct vnode *v);

/* iofd.c: host fds for requests without a file handle (-o noopen) */
struct iofd;
/* Sizes the cache from RLIMIT_NOFILE. */
void iofd_init(void);
/* An fd on v's data, read-write when write (a lower file is copied up
 * first), for one request: give *h back with iofd_put. fd or -errno. */
int iofd_get(struct vnode *v, bool write, struct iofd **h);
void iofd_put(struct iofd *h);
/* A new file's fd from CREATE, kept for the requests that follow. */
void iofd_offer(struct vnode *v, int fd, bool rw);
/* Before v's name goes (unlink, rename over; vnode_pin, v->lock held):
 * fd, an I/O fd on its copy in layer (read-write when rw), is kept for
 * the open files that go on reading and writing it; iofd owns fd. */
int iofd_pin(struct vnode *v, int fd, int layer, bool rw);
/* A stat of v found host inode hino under its name: a cached fd on
 * another file (replaced from outside) goes. */
void iofd_check(struct vnode *v, ino_t hino);
/* v is freed: its fd goes (when its last user is done). */
void iofd_forget(struct vnode *v);

/* lookup.c: the host stat of v the lookup that made it took on this
 * thread, once (the entry reply's vnode_stat). */
bool lookup_stashed(const struct vnode *v, struct stat *st);

/* meta.c: virtual metadata */
/* Reads the sidecars for v at path into v->meta. */
void meta_load(struct vnode *v, const char *path, const struct stat *host);
/* Host stat of v overlaid with its virtual metadata. */
int vnode_stat(struct vnode *v, struct stat *st);
/* The owner of a host stat for a file without a row: sc's (the layer's
 * sidecar, or NULL) root owner rule (vuovl-sidecar(5)). */
void meta_host_owner(struct sidecar *sc, struct stat *st);
/* -o uidmapping=/gidmapping= (fuse-overlayfs's): the ids stored in the
 * layers and rows are the map's INSIDE ids (a container's), the kernel
 * speaks its OUTSIDE ids (the daemon's namespace): out for replies, in
 * for chown and new objects' owners. Without a map, the same id; an id
 * the map leaves out, 65534 (the kernel's overflow id). */
uint32_t meta_id_out(int gid, uint32_t id);
uint32_t meta_id_in(int gid, uint32_t id);
/* Sets fields of v's row in its scope's write layer (v there already);
 * v->meta follows. Caller holds v->lock. */
int meta_set(struct vnode *v, const struct vmeta *m);
/* A chown or chmod of v still below: the write layer's row about it
 * takes change's fields, nothing copied up. -EAGAIN when v was copied
 * up meanwhile. */
int meta_set_below(struct vnode *v, const struct vmeta *change);
/* A hard link p/name -> dir/newname was made in the write layer: both
 * names share one row. Caller holds a ref on p. */
int meta_link(struct vnode *v, struct vnode *p, const char *name, struct vnode *dir,
	      const char *newname);
/* dir/name was removed: its row goes (the node stays while other
 * names have it). */
int meta_forget(struct vnode *dir, const char *name);
/* od/on was renamed to (or, exchange, swapped with) nd/nn in s's
 * write layer: the rows follow. */
int meta_rename(struct vnode *s, struct vnode *od, const char *on, struct vnode *nd,
		const char *nn, bool exchange);
/* The xattrs a user cannot set on the host (vmeta_xattr_is_virtual),
 * kept in the sidecar of the layer holding v: getxattr, listxattr
 * (names appended to buf; 0 when none), and a set or remove in the
 * write layer (v copied up first by the caller). */
ssize_t meta_xattr_get(struct vnode *v, const char *name, void *buf, size_t size);
ssize_t meta_xattr_list(struct vnode *v, char *buf, size_t size);
int meta_xattr_change(struct vnode *v, const char *name, const void *value, size_t size,
		      int flags, bool remove);
/* The sidecar of v's objects in layer (slot 0: its scope's write
 * layer), whose rules say whose a file without a row is; or NULL. */
struct sidecar *vnode_layer_sc(const struct vnode *v, int layer);
/* A view path relative to layer l's own root. */
const char *layer_rel(int l, const char *vpath);

/* lookup.c: resolution across the layers */
/* Resolves name in directory dir across the layers into a new unhashed
 * vnode. Returns 0, -ENOENT (absent or whited out), other -errno. */
int lookup_resolve(struct vnode *dir, const char *name, struct vnode **out);
/* The stack's own resolution (no rules, no sidecar) of name in dir's
 * dirfds into the fresh v; st receives the host stat. Caller holds
 * dir->lock. 0, -ENOENT, other -errno. */
int lookup_resolve_at(struct vnode *dir, const char *name, struct vnode *v,
		      struct stat *st);
/* Find-or-resolve: the hashed child, nlookup taken (drop it with
 * vnode_forget(v, 1)). 0, -ENOENT, other -errno. */
int lookup_child(struct vnode *dir, const char *name, struct vnode **out);
/* True when name is visible in a lower layer of dir (so deleting it in
 * the view needs a whiteout). */
bool lookup_in_lower(struct vnode *dir, const char *name);
/* How long the kernel may keep v's name and attributes. */
double vnode_timeout(const struct vnode *v);
/* True when name in the layer directory dirfd is one of vo.self: never
 * shown, never walked into. */
bool lookup_is_self(int dirfd, const char *name);

/* copyup.c */
/* Makes dir (a directory vnode) exist in the upper layer. */
int copyup_dir(struct vnode *dir);
/* Copies v's data up (full copy). Caller holds no locks. The copy is
 * durable later (durable.c), unless sync: a rename or a link moves it
 * away from the lower file a crash would fall back to. */
int copyup_data(struct vnode *v);
int copyup_data_sync(struct vnode *v);
/* Metadata-only copy-up: an upper placeholder whose data stays below. */
int copyup_meta(struct vnode *v);
/* Copies a whole directory tree up (data included) and makes it
 * opaque, so it no longer depends on lower names: rename of a lower
 * directory. */
int copyup_tree(struct vnode *dir);

/* durable.c: copied-up data made durable in batches */
/* Caller holds v->lock and set v->unsynced: the mark goes once synced. */
int durable_add(struct vnode *v);
/* fsync through the view: v's copy durable now. Caller holds no lock. */
int durable_sync(struct vnode *v);
int durable_start(void);
/* Syncs what waits and ends the thread (unmount). */
void durable_stop(void);

/* create.c */
/* -EROFS, -EINVAL for reserved names, else makes dir exist upper. */
int create_prepare(struct vnode *dir, const char *name);
/* After the host object exists upper: whiteout replaced, the new vnode
 * (nlookup taken) owned by uid, and by gid unless dir is set-group-id,
 * recorded in the sidecar. On failure the host object is removed. */
int create_finish(struct vnode *dir, const char *name, mode_t mode, dev_t rdev,
		  uid_t uid, gid_t gid, struct vnode **out);
/* Removes an upper directory's own markers so rmdir/rename can replace it. */
int create_clean_upper_dir(int dirfd);
/* Just before the host object dir/name is made: a long name's whiteout
 * sits at the name itself (whiteout.h) and goes first. 1 if it was
 * there, 0 if not, -errno. */
int create_free_place(struct vnode *dir, const char *name);
/* The host create failed: put back what create_free_place removed. */
void create_keep_hidden(struct vnode *dir, const char *name, int freed);

/* listing.c: merged listings */
struct vo_dirent {
	char *name;
	uint64_t ino;
	unsigned char type;
	uint64_t cookie;	/* its offset when read without a handle */
	struct vnode *pre;	/* resolved ahead (dirahead.c): one lookup
				   count of it, or NULL */
};
struct vo_dir {
	struct vo_dirent *ents;
	size_t n, cap;
	struct vnode *held;	/* the dir, a ref taken while pre counts
				   exist: it outlives them (dirahead.c) */
};
/* dir's listing: ".", "..", then the merged names. 0 or -errno. */
int listing_build(struct vnode *dir, struct vo_dir *out);
void listing_free(struct vo_dir *d);
/* The lock of v->rd (a stripe shared by some vnodes). */
pthread_mutex_t *listing_lock(const struct vnode *v);
/* v->rd, rebuilt when the directory changed since, sorted by cookie.
 * Caller holds listing_lock(v). */
int listing_fresh(struct vnode *v);
/* Index of the first entry of d after cookie off. */
size_t listing_seek(const struct vo_dir *d, off_t off);
/* Frees v->rd, if any, and the counts its entries resolved ahead hold.
 * Caller holds listing_lock(v) and not tab.lock. */
void listing_drop(struct vnode *v);

/* dirahead.c: the subdirectories a READDIRPLUS hands out, resolved
 * ahead of the walker that will read them next */
#define DIRAHEAD_BATCH 64	/* subdirectories taken from one reply */
/* Takes over the refs held on dirs[0..n), n <= DIRAHEAD_BATCH: one
 * dir's children, in order. */
void dirahead_push(struct vnode **dirs, size_t n);
int dirahead_start(void);
void dirahead_stop(void);

/* rules_build.c, rules_apply.c: view rules over the stack */
/* Opens the rules' host paths as layers, builds the rule trie and the
 * scopes. Prints one line and returns an exit status on failure. */
enum vo_exit rules_open(const struct view *view);
/* The root scope and trie node. */
void rules_root(struct vnode *root);
/* Caller holds dir->lock; v holds the stack's resolution of name (when
 * *present). Applies the rules at dir/name, in order. 0 or -errno. */
int rules_apply(struct vnode *dir, const char *name, struct vnode *v, bool *present,
		struct stat *st);
/* The scope a new entry dir/name would be in. */
const struct scope *rules_child_scope(struct vnode *dir, const char *name);
/* Adds, retypes or drops the names rules put in dir's listing. */
int rules_list(struct vnode *dir, struct vo_dir *out);
/* -EBUSY for a rule point (it cannot be removed or moved), -EACCES for
 * a hidden path (it cannot be created), else 0. */
int rules_check_name(struct vnode *dir, const char *name);
/* Prints the resolved view (--check). */
void rules_print(FILE *f);
/* True for an except path: its write directory is not its parent's. */
bool rules_is_except(const struct vnode *v);
/* True when dir/name is an except path. */
bool rules_is_except_name(struct vnode *dir, const char *name);
/* True when some part of the view refuses writes a writable mount lets
 * through (no upper, ro rules, read-only binds): only an OPEN can say so
 * at open(2), so -o noopen is off. */
bool rules_refuse_writes(void);
/* Stat of a directory only rules make. */
void rules_virt_stat(const struct vnode *v, struct stat *st);

/* The sidecar changes to v go to: its scope's write layer's. */
static inline struct sidecar *vnode_wsc(const struct vnode *v)
{
	return vo.layers[v->scope->wlayer].sc;
}

/* The layer of v's metadata (v->layer) and of its data (v->dlayer).
 * Index vo.layers through these, or through a local copy: GCC 12 reads
 * an _Atomic used directly as an array subscript without an atomic
 * load (ThreadSanitizer showed it). */
static inline struct layer *vnode_mlayer(const struct vnode *v)
{
	int l = v->layer;

	return &vo.layers[l];
}

static inline struct layer *vnode_dlayer(const struct vnode *v)
{
	int l = v->dlayer;

	return &vo.layers[l];
}

/* What an inview bind above mixes into st_ino (not into stored rows). */
static inline uint64_t vnode_ctx_bits(const struct vnode *v)
{
	return (uint64_t)(v->ctx & 0xffff) << 40;
}

static inline bool vnode_ro(const struct vnode *v)
{
	return !v->scope->writable;
}

/* Caller holds v->lock: a copy-up of v's data must wait (-ETXTBSY)
 * while the kernel reads and writes the old copy itself. */
static inline bool pt_busy(const struct vnode *v)
{
	return v->pt_opens != 0;
}

#endif
