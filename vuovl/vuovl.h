/*
 * vuovl — shared declarations of the overlay daemon: the mounted view
 * (struct vo), the vnode table, copy-up and the helpers the ops share.
 *
 * Lock order (never take them the other way round):
 *   parent vnode lock  →  child vnode lock  →  vo.tab.lock
 * vnode.lock protects the vnode's layer fields (they change on copy-up);
 * tab.lock protects the hash, every vnode's parent/name and refcounts.
 */
#ifndef VUOVL_H
#define VUOVL_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "layer.h"
#include "view.h"
#include "log.h"
#include "sidecar.h"

/* View inode: (layer index + 1) << 56 | host inode (host inodes are
 * assumed below 2^56, true of every Linux filesystem in practice). */
#define VO_INO_SHIFT 56
#define VO_INO(layer, hino) ((((uint64_t)(layer) + 1) << VO_INO_SHIFT) | \
			     ((uint64_t)(hino) & ((1ull << VO_INO_SHIFT) - 1)))

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
	int layer;		/* topmost layer holding it (metadata) */
	int dlayer;		/* layer holding the data (!= layer: metacopy) */
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
	unsigned version;	/* dirs: bumped on every change of the listing */
	struct vo_dir *rd;	/* dirs without an open handle (zero-message
				   opendir): the listing being read, by
				   cookie; protected by ops_readdir's locks */
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
	/* -o passthrough (passthrough.c), protected by lock: */
	unsigned pt_opens;	/* opens the kernel serves from the backing */
	unsigned npt_opens;	/* opens the daemon serves */
	int32_t pt_id;		/* the backing id while pt_opens */
	int pt_layer;		/* the layer of the backing file */
};

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
	bool aliased;		/* inview binds: one directory, two vnodes */
	unsigned spin_us;	/* -o spin=: the reader polls that long (spinread.c) */
	bool uring;		/* FUSE over io_uring is tried at INIT (uring.c) */
	int workfd;		/* UPPER/.vuovl/work, O_PATH */
	double timeout;		/* entry/attr cache seconds (-o timeout=) */
	bool timeout_given;	/* ...else per source: vnode_timeout() */
	bool zero_opendir;	/* the kernel opens directories itself */
	bool dirahead;		/* resolve subdirectories ahead of a walk (dirahead.c) */
	struct vnode root;
	struct vo_tab tab;
	uint64_t generation;
	pthread_mutex_t cu_lock; /* serializes copy-up names in the work dir */
	unsigned long cu_seq;
};

extern struct vo vo;

/* Entry/attribute timeouts from which the kernel also caches listings. */
#define VO_LONG_TIMEOUT 60.0
/* Default timeouts: the stack's layers change only through the daemon
 * (overlayfs: changing them under a mount is undefined); a host path a
 * rule shows is written by others too (resolv.conf). */
#define VO_STACK_TIMEOUT 86400.0
#define VO_HOST_TIMEOUT 1.0

/* A file handle is the host fd; this bit marks an open the kernel
 * passes through (passthrough.c). */
#define VO_FH_PT (1ull << 62)
static inline int vo_fh_fd(const struct fuse_file_info *fi)
{
	return (int)(fi->fh & ~VO_FH_PT);
}

/* spinread.c: one thread polls /dev/fuse for usec before it sleeps */
#define VO_SPIN_DEFAULT_US 50
int spinread_init(struct fuse_session *se, int fd, unsigned usec);
ssize_t spinread(int fd, void *buf, size_t len);

/* uring.c: FUSE over io_uring, one queue per CPU */
/* Whether the kernel lets FUSE servers use io_uring; asked says so on
 * stderr when not. */
bool uring_offered(bool asked);
/* At the INIT reply: starts the queues' threads; false (nothing started)
 * if they cannot run, and the reply then does not offer io_uring. */
bool uring_prepare(struct fuse_session *se, int devfd);
/* After the INIT reply went out: the threads register their entries. */
void uring_start(bool init_ok);
/* Takes a reply for the request this thread is serving from a ring:
 * returns its size, or -1 when the reply is not for a ring. */
ssize_t uring_take_reply(const struct iovec *iov, int count);
/* The ring's payload buffer of this thread's request, if it is a ring's
 * and len fits (READ replies are read straight into it), else NULL. */
void *uring_payload(size_t len);
/* Ends the threads (after the unmount); idempotent. */
void uring_stop(void);
/* The opcode of each request read from /dev/fuse; and, before each
 * read, a pause that lets FORGETs gather after one while the rings serve
 * every request. */
void uring_note_dev_op(uint32_t opcode);
void uring_dev_pause(void);

/* The FUSE opcodes devio.c and uring.c look at (linux/fuse.h, 7.42;
 * the build machine's header may predate it). */
enum {
	VO_OP_FORGET = 2,
	VO_OP_SETATTR = 4,
	VO_OP_OPEN = 14,
	VO_OP_READ = 15,
	VO_OP_WRITE = 16,
	VO_OP_INIT = 26,
	VO_OP_INTERRUPT = 36,
	VO_OP_BATCH_FORGET = 42,
};

/* CLOCK_MONOTONIC in nanoseconds */
static inline int64_t vo_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* devio.c: the session's /dev/fuse traffic (before the loop) */
int devio_init(struct fuse_session *se);
/* A request's kill flags (FUSE_HANDLE_KILLPRIV_V2), noted for the
 * handler that runs next on this thread; returns its opcode (0: short). */
uint32_t devio_note_request(const void *buf, size_t n);
int devio_fd(void);
/* The session, for notifications to the kernel (ops_ctl.c). */
struct fuse_session *devio_session(void);
bool devio_passthrough(void);		/* negotiated with the kernel */
bool devio_killpriv(void);		/* FUSE_HANDLE_KILLPRIV_V2 */
/* The request this thread handles asks to kill set-id bits (once). */
bool devio_take_kill(fuse_req_t req);
#define DEVIO_FATTR_KILL_SUIDGID (1 << 11)
/* The reply this thread sends next passes the open through to id. */
void devio_reply_backing(int32_t id);

/* ops_attr.c: drops set-id bits and the file capability, as the kernel
 * does on write and truncate (regular files) and chown (every
 * non-directory): 1 if it dropped any, 0, -errno. */
int attr_kill_priv(struct vnode *v, bool chown);
/* ops_attr.c: the permission bits (0777) of v's mode become perm, the
 * rest of the mode kept (a POSIX access ACL was set). 0 or -errno. */
int attr_set_perm(struct vnode *v, mode_t perm);
/* ops_xattr.c */
int xattr_drop_capability(struct vnode *v);	/* 1 dropped, 0 none, -errno */
/* After a chmod of v: its access ACL, if any, takes the new bits. */
int xattr_acl_chmod(struct vnode *v, mode_t mode);
/* devio.c: the kernel's cached attributes of ino are stale (a write
 * dropped set-id bits: WRITE replies carry no attributes). */
void devio_attr_changed(fuse_ino_t ino);

/* passthrough.c */
/* Just before replying to an open of v whose fi->fh was opened from
 * layer: passes it through when it can; -ETXTBSY when the kernel still
 * holds another backing file for v. */
int pt_open(struct vnode *v, int layer, struct fuse_file_info *fi);
void pt_release(struct vnode *v, uint64_t fh);
/* Caller holds v->lock: a copy-up of v's data must wait (-ETXTBSY). */
static inline bool pt_busy(const struct vnode *v)
{
	return v->pt_opens != 0;
}
/* Gives the RELEASEs of passthrough opens already closed a moment to
 * arrive (they are background requests, and may come after the next
 * open); call without v's lock. */
void pt_settle(struct vnode *v);

/* opts.c */
struct vo_opts {
	char *lowerdir, *upperdir, *metadb;
	struct view view;	/* rules, in order (view.h) */
	int check;		/* --check: print the view, do not mount */
	char *source;		/* mount(8)'s first argument: ignored */
	char *nonopt[2];
	int nnonopt;
	int ro, kernel_markers, nopermcheck, volatile_, writeback, passthrough;
	int nodirahead;		/* -o nodirahead */
	char *rootowner;	/* -o rootowner=UID:GID, as given */
	uid_t root_uid;		/* ...its ids, in our user namespace */
	gid_t root_gid;
	int uring;		/* -o uring / nouring; -1: not given */
	char *spin_arg;		/* -o spin=USEC, as given */
	int spin;		/* its value, else VO_SPIN_DEFAULT_US */
	double timeout;
	int foreground, debug, show_help, show_version;
	int singlethread, clone_fd, max_idle, max_threads;
	char *mountpoint;
};
int opts_parse(struct fuse_args *args, struct vo_opts *o);
void opts_usage(const char *prog);
/* Opens the layers named by o into vo; prints one line and returns an
 * exit status (non-zero) on failure. */
int opts_open_layers(const struct vo_opts *o);

/* vnode.c */
void vnode_table_init(void);
/* The root vnode: every layer root, merged (no opaque check). */
int vnode_root_init(void);
struct vnode *vnode_get(fuse_ino_t ino);
fuse_ino_t vnode_id(struct vnode *v);
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
/* Moves the hashed child (rename). */
/* Swaps two hashed names (RENAME_EXCHANGE). */
void vnode_exchange(struct vnode *p1, const char *n1, struct vnode *p2,
		    const char *n2);
void vnode_move(struct vnode *oldp, const char *oldname, struct vnode *newp,
		const char *newname);
struct vnode *vnode_alloc(void);
void vnode_free(struct vnode *v);
/* Path of name in dir as the layers know it (differs from the view
 * path beneath an inview bind), malloc'd. */
char *vnode_child_spath(struct vnode *v, const char *name);
/* Relative layer path of v (""for the root), malloc'd; NULL on ENOMEM. */
char *vnode_path(struct vnode *v);
/* Path of name inside directory v, malloc'd. */
char *vnode_child_path(struct vnode *v, const char *name);

/* lookup.c (resolution, no FUSE replies) */
/* Resolves name in directory dir across the layers into a new unhashed
 * vnode. Returns 0, -ENOENT (absent or whited out), other -errno. */
int lookup_resolve(struct vnode *dir, const char *name, struct vnode **out);
/* The stack's own resolution (no rules, no sidecar) of name in dir's
 * dirfds into the fresh v; st receives the host stat. Caller holds
 * dir->lock. 0, -ENOENT, other -errno. */
int lookup_resolve_at(struct vnode *dir, const char *name, struct vnode *v,
		      struct stat *st);
/* Host stat of v overlaid with its virtual metadata. */
int vnode_stat(struct vnode *v, struct stat *st);
/* The sidecar of v's objects in layer (slot 0: its scope's write
 * layer), whose rules say whose a file without a row is; or NULL. */
struct sidecar *vnode_layer_sc(const struct vnode *v, int layer);
/* True when name is visible in a lower layer of dir (so deleting it in
 * the view needs a whiteout). */
bool lookup_in_lower(struct vnode *dir, const char *name);
/* Reads the sidecars for v at path into v->meta. */
void lookup_load_meta(struct vnode *v, const char *path, const struct stat *host);
/* Find-or-resolve: the hashed child, nlookup taken (drop it with
 * vnode_forget(v, 1)). 0, -ENOENT, other -errno. */
int lookup_child(struct vnode *dir, const char *name, struct vnode **out);
/* Opens the host object of v in layer (its data layer normally) with
 * openat beneath the parent's layer dir: never through /proc. */
int vnode_open_host(struct vnode *v, int layer, int flags, mode_t mode);
/* Host stat of v's object in layer, by parent fd + name (no fd per
 * file). 0 or -errno; -ESTALE for a vnode whose name is gone. */
int vnode_hstat(struct vnode *v, int layer, struct stat *st);
ssize_t vnode_readlink(struct vnode *v, char *buf, size_t size);
int vnode_utimens(struct vnode *v, int layer, const struct timespec ts[2]);
/* The host copy's ctime moves to now (a chown to -1:-1 of the user's own
 * file): for virtual changes. v is in the upper layer; v->lock held. */
int vnode_touch_ctime(struct vnode *v);
/* Keeps an O_PATH fd on v's object before its name goes (unlink,
 * rename over): an open file is still stat-able. */
int vnode_pin(struct vnode *v);
/* Reply helper: fills e from v. */
int lookup_entry(struct vnode *v, struct fuse_entry_param *e);
/* How long the kernel may keep v's name and attributes. */
double vnode_timeout(const struct vnode *v);

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
/* Helper for sidecar updates: set fields for v (upper layer). */
int vo_meta_set(struct vnode *v, const struct vmeta *m);

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
 * (nlookup taken) with the caller's virtual ownership recorded. */
int create_finish(fuse_req_t req, struct vnode *dir, const char *name,
		  mode_t mode, dev_t rdev, struct vnode **out);
/* The same with the owner given (-1: the caller's), for an object made
 * on another's behalf (ops_ctl.c). */
int create_finish_as(fuse_req_t req, struct vnode *dir, const char *name, mode_t mode,
		     dev_t rdev, uid_t uid, gid_t gid, struct vnode **out);
int create_clean_upper_dir(int dirfd);
/* Just before the host object dir/name is made: a long name's whiteout
 * sits at the name itself (whiteout.h) and goes first. 1 if it was
 * there, 0 if not, -errno. */
int create_free_place(struct vnode *dir, const char *name);
/* The host create failed: put back what create_free_place removed. */
void create_keep_hidden(struct vnode *dir, const char *name, int freed);

/* readdir.c: merged listing */
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
int dir_list(struct vnode *dir, struct vo_dir *out);
void dir_release(struct vo_dir *d);
/* Frees v->rd (ops_readdir's handle-less listing), if any, and the
 * counts its entries resolved ahead hold. Caller holds readdir_lock(v)
 * and not tab.lock. */
void vnode_drop_listing(struct vnode *v);
/* ops_readdir.c: the handle-less listing of a directory, v->rd */
pthread_mutex_t *readdir_lock(const struct vnode *v);
/* v->rd, rebuilt when the directory changed since. Caller holds
 * readdir_lock(v). */
int readdir_fresh(struct vnode *v);

/* dirahead.c: the subdirectories a READDIRPLUS hands out, resolved
 * ahead of the walker that will read them next */
#define DIRAHEAD_BATCH 64	/* subdirectories taken from one reply */
/* Takes over the refs held on dirs[0..n), n <= DIRAHEAD_BATCH: one
 * dir's children, in order. */
void dirahead_push(struct vnode **dirs, size_t n);
int dirahead_start(void);
void dirahead_stop(void);

/* The sidecar changes to v go to: its scope's write layer's. */
static inline struct sidecar *vnode_wsc(const struct vnode *v)
{
	return vo.layers[v->scope->wlayer].sc;
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

/* vnode_child_path relative to the scope's write layer (malloc'd). */
char *vnode_wpath(struct vnode *dir, const char *name);
/* A view path (vnode_child_path) relative to layer l's own root. */
const char *layer_rel(int l, const char *vpath);

/* rules.c: view rules over the stack */
/* Opens the rules' host paths as layers, builds the rule trie and the
 * scopes. Prints one line and returns an exit status on failure. */
int rules_open(const struct view *view);
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
/* The write directory of what lies below the rule at p (p's shadow),
 * made when missing: where an except child of p is copied up. */
int rules_shadow_wdir(struct vnode *p);
/* Stat of a directory only rules make. */
void rules_virt_stat(const struct vnode *v, struct stat *st);

#define VO_ERR(x) ((x) < 0 ? -(x) : (x))

/* ops_*.c entry points */
void vo_init(void *userdata, struct fuse_conn_info *conn);
void vo_destroy(void *userdata);
void vo_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void vo_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void vo_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi);
void vo_readlink(fuse_req_t req, fuse_ino_t ino);
void vo_statfs(fuse_req_t req, fuse_ino_t ino);
void vo_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void vo_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void vo_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void vo_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void vo_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void vo_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags);
void vo_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void vo_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void vo_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vo_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi);
void vo_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi);
void vo_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi);
void vo_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vo_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void vo_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi);
void vo_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags);
void vo_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi);
void vo_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	      struct fuse_file_info *fi, unsigned flags, const void *in_buf,
	      size_t in_bufsz, size_t out_bufsz);
void vo_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
void vo_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void vo_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void vo_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

extern const struct fuse_lowlevel_ops vo_ops;

#endif
