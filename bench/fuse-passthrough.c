// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuse-passthrough — the thinnest FUSE file system that real workloads
 * run on, for scripts/bench-chroot: one host directory passed through,
 * each op one or two syscalls on an O_PATH fd the daemon keeps per
 * inode, everything cached by the kernel for a day (entries, negative
 * entries, attributes, symlinks, listings, pages: the daemon alone
 * changes the tree), writeback cache on, no GETXATTR before each write
 * (FUSE_HANDLE_KILLPRIV_V2), no FLUSH at each close. What dpkg,
 * debootstrap, a build, python and git cost through FUSE on this machine
 * when the daemon adds nothing of its own: the floor under any FUSE
 * overlay, vuovl's too.
 * Usage: fuse-passthrough [-s] [-f] [-o spin=USEC] [-o opts] SOURCE
 * MOUNTPOINT (libfuse's usual options; SOURCE may be MOUNTPOINT itself).
 * A reference, run as root, not a tool: no permission is checked (no
 * default_permissions, no ACCESS), every caller acts as root but that
 * files are made with its fsuid and fsgid; nothing is kept across a
 * restart. Where RLIMIT_NOFILE cannot be raised (no CAP_SYS_RESOURCE:
 * 20000 here), files past the fd budget are held by a file handle
 * instead (open_by_handle_at, CAP_DAC_READ_SEARCH), which costs a
 * syscall or two more on them; directories always keep their fd (half
 * the limit is theirs and open files').
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <linux/fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400.0

/*
 * An inode the kernel knows: its fuse_ino_t is the struct's address (the
 * root's is FUSE_ROOT_ID). It lives while the kernel's lookup count is
 * above zero; the host file is held by an O_PATH fd, or past the budget
 * (never a directory's: every *at() call starts at one) by a file handle,
 * never by a path. fd and fh do not change while it lives.
 */
struct inode {
	struct inode *next;	/* protected by tab.lock */
	dev_t dev;
	ino_t ino;
	int fd;			/* or -1: then fh */
	struct file_handle *fh;
	uint64_t nlookup;	/* protected by tab.lock */
	int hashed;		/* protected by tab.lock */
	int file;		/* its fd counts against fd_budget */
};

/*
 * (st_dev, st_ino) -> inode, chained, doubled when fuller than one a
 * bucket. A key is unique while its inode holds an fd, which keeps the
 * host inode; one held by a handle may be freed on the host and its
 * number given to a new file while the kernel still knows the old one:
 * a lookup that finds a key with another handle unhashes the old inode
 * (it lives on until forgotten) and makes a new one.
 */
static struct {
	pthread_mutex_t lock;	/* the only lock */
	struct inode **b;	/* protected by lock */
	size_t nb, n;		/* protected by lock */
} tab = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct inode root = { .nlookup = 1 };
static int writeback;
static int root_mnt = -1, mnt_fd;	/* SOURCE's mount, where handles open (no O_PATH) */
static atomic_int nfds, fd_budget;	/* the fds of files (not dirs); one more below the budget */
static atomic_int past_budget;		/* handles have been made: lookups compare them */

static struct inode *in_of(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? &root : (struct inode *)(uintptr_t)ino;
}

/* the path that reopens fd's file (a magic link: no name is walked again) */
static void proc_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static struct inode **bucket(dev_t dev, ino_t ino, struct inode **b, size_t nb)
{
	return &b[(size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (nb - 1)];
}

/* caller holds tab.lock */
static void tab_grow(void)
{
	size_t nb = tab.nb ? tab.nb * 2 : 4096, i;
	struct inode **b = calloc(nb, sizeof(*b)), *in, *next, **h;

	if (!b)
		return;	/* tolerated: longer chains, still correct */
	for (i = 0; i < tab.nb; i++)
		for (in = tab.b[i]; in; in = next) {
			next = in->next;
			h = bucket(in->dev, in->ino, b, nb);
			in->next = *h;
			*h = in;
		}
	free(tab.b);
	tab.b = b;
	tab.nb = nb;
}

/* caller holds tab.lock */
static void tab_unhash(struct inode *in)
{
	struct inode **p = bucket(in->dev, in->ino, tab.b, tab.nb);

	while (*p != in)
		p = &(*p)->next;
	*p = in->next;
	in->hashed = 0;
	tab.n--;
}

static int same_handle(const struct file_handle *a, const struct file_handle *b)
{
	return a->handle_bytes == b->handle_bytes && a->handle_type == b->handle_type &&
	       !memcmp(a->f_handle, b->f_handle, a->handle_bytes);
}

/*
 * The inode of *st with one more lookup; if new, made with fd while the
 * budget lasts or without fh, else with fh. fd is the table's or closed,
 * fh the table's or freed. NULL for lack of memory.
 */
static struct inode *tab_get(const struct stat *st, int fd, struct file_handle *fh)
{
	struct inode *in, **h;

	pthread_mutex_lock(&tab.lock);
	if (tab.n >= tab.nb)
		tab_grow();
	h = tab.nb ? bucket(st->st_dev, st->st_ino, tab.b, tab.nb) : NULL;
	for (in = h ? *h : NULL; in; in = in->next)
		if (in->ino == st->st_ino && in->dev == st->st_dev)
			break;
	if (in && in->fd < 0 && (!fh || !same_handle(in->fh, fh))) {
		tab_unhash(in);	/* the number's earlier file, gone from the host */
		in = NULL;
	}
	if (in) {
		in->nlookup++;
	} else if (h && (in = calloc(1, sizeof(*in)))) {
		if (!fh || nfds < fd_budget) {
			*in = (struct inode){ .fd = fd, .nlookup = 1, .file = !S_ISDIR(st->st_mode) };
			fd = -1;
			nfds += in->file;
		} else {
			*in = (struct inode){ .fd = -1, .fh = fh, .nlookup = 1 };
			fh = NULL;
		}
		in->dev = st->st_dev;
		in->ino = st->st_ino;
		in->hashed = 1;
		in->next = *h;
		*h = in;
		tab.n++;
	}
	pthread_mutex_unlock(&tab.lock);
	if (fd >= 0)
		close(fd);
	free(fh);
	return in;
}

/* n lookups fewer: the last one takes the inode out and closes its fd */
static void tab_put(struct inode *in, uint64_t n)
{
	uint64_t left;

	if (in == &root)
		return;
	pthread_mutex_lock(&tab.lock);
	left = in->nlookup -= n;
	if (!left && in->hashed)
		tab_unhash(in);
	pthread_mutex_unlock(&tab.lock);
	if (left)
		return;
	if (in->fd >= 0) {
		close(in->fd);
		nfds -= in->file;
	}
	free(in->fh);
	free(in);
}

/* fd's file handle if it is beneath SOURCE's mount, else NULL */
static struct file_handle *handle_of(int fd)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt;

	if (!fh)
		return NULL;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", fh, &mnt, AT_EMPTY_PATH) < 0 || mnt != root_mnt) {
		free(fh);
		return NULL;
	}
	return fh;
}

/*
 * The handle to give tab_get for a new file's fd: none for a directory
 * (it always keeps its fd), nor while the budget was never reached
 * (every inode holds an fd: no number can be reused under one)
 */
static struct file_handle *handle_for(const struct stat *st, int fd)
{
	if (S_ISDIR(st->st_mode))
		return NULL;
	if (nfds < fd_budget && !past_budget)
		return NULL;
	past_budget = 1;
	return handle_of(fd);
}

/*
 * An fd on in's file opened with flags (O_PATH for the *at() calls): its
 * own if it keeps one and flags is O_PATH, else a new one the caller
 * closes with put_fd. -1 and errno set on failure.
 */
static int get_fd(struct inode *in, int flags)
{
	char p[32];

	if (in->fd < 0)
		return open_by_handle_at(mnt_fd, in->fh, flags | O_CLOEXEC);
	if (flags == O_PATH)
		return in->fd;
	proc_path(p, in->fd);
	return open(p, flags | O_CLOEXEC);
}

static void put_fd(struct inode *in, int fd)
{
	if (fd != in->fd)
		close(fd);
}

/*
 * The entry of parent's name, its lookup counted: open first, then fstat
 * the fd, so the attributes are those of the file kept (a rename between
 * a stat and an open cannot pair one file's key with another's fd).
 * 0 or -errno.
 */
static int do_lookup(fuse_ino_t parent, const char *name, struct fuse_entry_param *e)
{
	int fd, err;
	struct inode *in;

	memset(e, 0, sizeof(*e));
	e->attr_timeout = e->entry_timeout = DAY;
	fd = openat(in_of(parent)->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	in = tab_get(&e->attr, fd, handle_for(&e->attr, fd));
	if (!in)
		return -ENOMEM;
	e->ino = (uintptr_t)in;
	return 0;
}

static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = do_lookup(parent, name, &e);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

/*
 * The creating ops run as the caller, so the host file gets its owner
 * (and the host checks its rights): fsuid and fsgid are the thread's own.
 * Root callers, the usual ones, cost nothing.
 */
static int as_caller(fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);

	if (c->uid == 0 && c->gid == 0)
		return 0;
	syscall(SYS_setfsgid, c->gid);
	syscall(SYS_setfsuid, c->uid);
	return 1;
}

static void as_daemon(int switched)
{
	if (!switched)
		return;
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, 0);
}

/*
 * FUSE_HANDLE_KILLPRIV_V2, which libfuse 3.14 does not know, is added to
 * the INIT reply here: without it the kernel asks GETXATTR
 * security.capability before every write(2), a round trip each (FUSE
 * clears SB_NOSEC otherwise). The daemon then clears set-id bits itself
 * where the kernel says the writer lacks CAP_FSETID (the request's kill
 * flag, which libfuse drops, read here; the host removes capabilities on
 * the daemon's own writes, and chown clears set-id bits there anyway).
 * libfuse handles a request on the thread that read it, which sends its
 * reply too: the flag can be the thread's.
 */
static struct fuse_session *session;
static __thread int kill_pending;
static uint64_t init_unique;
static uint32_t kernel_flags;

static uint32_t req_u32(const char *buf, ssize_t n, size_t off)
{
	uint32_t v = 0;

	if (n >= (ssize_t)(sizeof(struct fuse_in_header) + off + sizeof(v)))
		memcpy(&v, buf + sizeof(struct fuse_in_header) + off, sizeof(v));
	return v;
}

/*
 * -o spin=USEC (with -s): after each request the one thread polls the
 * device, non-blocking, for up to USEC before it sleeps. A program's
 * next request mostly follows within microseconds, and waking a sleeping
 * daemon on another CPU costs about as much as the request (an IPI, a VM
 * exit here). vuovl does the same.
 */
static unsigned int spin_us;

static long since_ns(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + t.tv_nsec - t0->tv_nsec;
}

/* read(2) of the next request, spinning first if asked (the fd is then non-blocking) */
static ssize_t next_request(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec t0;
	ssize_t n;

	if (!spin_us)
		return read(fd, buf, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = read(fd, buf, len)) < 0 && errno == EAGAIN) {
		if (since_ns(&t0) < spin_us * 1000L)
			sched_yield();
		else if (poll(&p, 1, -1) < 0)
			return -1;	/* EINTR: libfuse looks whether to exit */
	}
	return n;
}

static ssize_t dev_read(int fd, void *buf, size_t len, void *userdata)
{
	struct fuse_in_header h;
	ssize_t n = next_request(fd, buf, len);

	(void)userdata;
	kill_pending = 0;
	if (n < (ssize_t)sizeof(h))
		return n;
	memcpy(&h, buf, sizeof(h));
	switch (h.opcode) {
	case FUSE_INIT:
		init_unique = h.unique;
		kernel_flags = req_u32(buf, n, offsetof(struct fuse_init_in, flags));
		break;
	case FUSE_WRITE:
		kill_pending = req_u32(buf, n, offsetof(struct fuse_write_in, write_flags)) &
			       FUSE_WRITE_KILL_SUIDGID;
		break;
	case FUSE_SETATTR:
		kill_pending = req_u32(buf, n, offsetof(struct fuse_setattr_in, valid)) &
			       FATTR_KILL_SUIDGID;
		break;
	case FUSE_OPEN:
		kill_pending = req_u32(buf, n, offsetof(struct fuse_open_in, open_flags)) &
			       FUSE_OPEN_KILL_SUIDGID;
		break;
	}
	return n;
}

static ssize_t dev_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fuse_out_header h;
	struct fuse_init_out o;
	struct iovec out[2];

	(void)userdata;
	if (!init_unique || count != 2 || iov[0].iov_len != sizeof(h) || iov[1].iov_len != sizeof(o))
		return writev(fd, iov, count);
	memcpy(&h, iov[0].iov_base, sizeof(h));
	if (h.unique != init_unique || h.error)
		return writev(fd, iov, count);
	init_unique = 0;
	memcpy(&o, iov[1].iov_base, sizeof(o));
	if (kernel_flags & FUSE_HANDLE_KILLPRIV_V2)
		o.flags |= FUSE_HANDLE_KILLPRIV_V2;
	out[0] = iov[0];
	out[1] = (struct iovec){ &o, sizeof(o) };
	return writev(fd, out, 2);
}

/*
 * Clears the set-id bits (setgid: if group-executable) of ino's file
 * through fd, an O_PATH fd too, if the request being served said to; the
 * kernel's attributes then go (safe before the reply: no page is touched)
 */
static void kill_suidgid(fuse_ino_t ino, int fd)
{
	struct stat st;
	char p[32];
	mode_t m;

	if (!kill_pending || fstat(fd, &st) < 0)
		return;
	m = st.st_mode & ~(S_ISUID | ((st.st_mode & S_IXGRP) ? S_ISGID : 0));
	proc_path(p, fd);
	if (m != st.st_mode && chmod(p, m & 07777) == 0)
		fuse_lowlevel_notify_inval_inode(session, ino, -1, 0);
	/* tolerated: a failure leaves the bits, the change itself went through */
}

static void fp_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	if (conn->capable & FUSE_CAP_WRITEBACK_CACHE) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		writeback = 1;
	}
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* a request read by splice costs a syscall more than by read */
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_EXPORT_SUPPORT);
}

static void fp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = do_lookup(parent, name, &e);

	if (err == -ENOENT) {
		/* a negative entry, cached as long as a positive one */
		e.ino = 0;
		e.entry_timeout = DAY;
		fuse_reply_entry(req, &e);
	} else if (err) {
		fuse_reply_err(req, -err);
	} else {
		fuse_reply_entry(req, &e);
	}
}

static void fp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	tab_put(in_of(ino), nlookup);
	fuse_reply_none(req);
}

static void fp_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++)
		tab_put(in_of(f[i].ino), f[i].nlookup);
	fuse_reply_none(req);
}

/* fi: a regular file's open file (the kernel sends no other), else NULL */
static void fp_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct inode *in = in_of(ino);
	struct stat st;
	int fd = fi ? (int)fi->fh : get_fd(in, O_PATH), err = 0;

	if (fd < 0 || fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = errno;
	if (!fi && fd >= 0)
		put_fd(in, fd);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, DAY);
}

/*
 * 0 or -errno. fd: O_PATH, which has no fchmod, ftruncate or futimens;
 * fi only for the size (a directory's fi->fh is no fd)
 */
static int do_setattr(fuse_ino_t ino, int fd, const struct stat *a, int set,
		      struct fuse_file_info *fi)
{
	char p[32];
	struct timespec tv[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

	proc_path(p, fd);
	if ((set & FUSE_SET_ATTR_MODE) && chmod(p, a->st_mode) < 0)
		return -errno;
	if ((set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(fd, "", set & FUSE_SET_ATTR_UID ? a->st_uid : (uid_t)-1,
		     set & FUSE_SET_ATTR_GID ? a->st_gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((set & FUSE_SET_ATTR_SIZE) && (fi ? ftruncate(fi->fh, a->st_size) : truncate(p, a->st_size)) < 0)
		return -errno;
	if (set & FUSE_SET_ATTR_SIZE)
		kill_suidgid(ino, fd);
	if (set & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (set & FUSE_SET_ATTR_ATIME)
		tv[0] = a->st_atim;
	if (set & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (set & FUSE_SET_ATTR_MTIME)
		tv[1] = a->st_mtim;
	if ((set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
		    FUSE_SET_ATTR_MTIME_NOW)) &&
	    utimensat(fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static void fp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct inode *in = in_of(ino);
	int fd = get_fd(in, O_PATH), err = fd < 0 ? -errno : do_setattr(ino, fd, attr, to_set, fi);

	if (fd >= 0)
		put_fd(in, fd);
	if (err)
		fuse_reply_err(req, -err);
	else
		fp_getattr(req, ino, NULL);
}

static void fp_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct inode *in = in_of(ino);
	char buf[PATH_MAX + 1];
	int fd = get_fd(in, O_PATH);
	ssize_t n = fd < 0 ? -1 : readlinkat(fd, "", buf, sizeof(buf));
	int err = n < 0 ? errno : n == sizeof(buf) ? ENAMETOOLONG : 0;

	if (fd >= 0)
		put_fd(in, fd);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* the end of every creating op but create: the new entry, or err */
static void made(fuse_req_t req, int switched, int err, fuse_ino_t parent, const char *name)
{
	as_daemon(switched);
	if (err)
		fuse_reply_err(req, err);
	else
		reply_entry(req, parent, name);
}

static void fp_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	int sw = as_caller(req);

	made(req, sw, mknodat(in_of(parent)->fd, name, mode, rdev) < 0 ? errno : 0, parent, name);
}

static void fp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	int sw = as_caller(req);

	made(req, sw, mkdirat(in_of(parent)->fd, name, mode) < 0 ? errno : 0, parent, name);
}

static void fp_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	int sw = as_caller(req);

	made(req, sw, symlinkat(link, in_of(parent)->fd, name) < 0 ? errno : 0, parent, name);
}

/* AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH: the daemon runs as root */
static void fp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct inode *in = in_of(ino);
	int fd = get_fd(in, O_PATH), err = 0;

	if (fd < 0 || linkat(fd, "", in_of(newparent)->fd, newname, AT_EMPTY_PATH) < 0)
		err = errno;
	if (fd >= 0)
		put_fd(in, fd);
	made(req, 0, err, newparent, newname);
}

static void fp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, unlinkat(in_of(parent)->fd, name, 0) < 0 ? errno : 0);
}

static void fp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, unlinkat(in_of(parent)->fd, name, AT_REMOVEDIR) < 0 ? errno : 0);
}

static void fp_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	int r = renameat2(in_of(parent)->fd, name, in_of(newparent)->fd, newname, flags);

	fuse_reply_err(req, r < 0 ? errno : 0);
}

/*
 * open(2)'s flags for the host: with the writeback cache the kernel reads
 * pages of files opened for writing only, and appends itself
 */
static int host_flags(int flags)
{
	flags &= ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY);
	if (writeback) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags | O_CLOEXEC;
}

static void fp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = get_fd(in_of(ino), host_flags(fi->flags));

	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	kill_suidgid(ino, fd);	/* O_TRUNC */
	fi->fh = fd;
	fi->keep_cache = 1;	/* the daemon alone writes: the pages stay true */
	fuse_reply_open(req, fi);
}

static void fp_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int sw = as_caller(req), err;
	int fd = openat(in_of(parent)->fd, name, host_flags(fi->flags) | O_CREAT, mode);

	err = fd < 0 ? -errno : 0;
	as_daemon(sw);
	if (!err)
		err = do_lookup(parent, name, &e);
	if (err) {
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = fd;
	fi->keep_cache = 1;
	fuse_reply_create(req, &e, fi);
}

static void fp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec b = FUSE_BUFVEC_INIT(size);

	(void)ino;
	b.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	b.buf[0].fd = fi->fh;
	b.buf[0].pos = off;
	fuse_reply_data(req, &b, FUSE_BUF_SPLICE_MOVE);
}

static void fp_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	ssize_t n;

	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = fi->fh;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, in, 0);
	if (n > 0)
		kill_suidgid(ino, fi->fh);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

/* no flush: its ENOSYS tells the kernel not to send one at every close */

static void fp_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	close(fi->fh);
	fuse_reply_err(req, 0);
}

static void fp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, (datasync ? fdatasync(fi->fh) : fsync(fi->fh)) < 0 ? errno : 0);
}

static void fp_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, fallocate(fi->fh, mode, off, len) < 0 ? errno : 0);
}

/* an open directory: its stream, and where the stream stands */
struct dir {
	DIR *dp;
	off_t off;
};

static void fp_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir *d = malloc(sizeof(*d));
	int fd = openat(in_of(ino)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (!d || fd < 0 || !(d->dp = fdopendir(fd))) {
		err = d && fd < 0 ? errno : ENOMEM;
		if (fd >= 0)
			close(fd);
		free(d);
		fuse_reply_err(req, err);
		return;
	}
	d->off = 0;
	fi->fh = (uintptr_t)d;
	fi->cache_readdir = 1;	/* the kernel drops it when it changes the dir */
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/*
 * Fills buf with the entries from off; with plus, each but . and .. is
 * looked up (counted once it fits). The length filled, or -errno if none.
 */
static ssize_t fill_dir(fuse_req_t req, fuse_ino_t ino, struct dir *d, char *buf, size_t size,
			off_t off, int plus)
{
	struct fuse_entry_param e;
	struct dirent *de;
	size_t len = 0, n;
	int err;

	if (off != d->off)
		seekdir(d->dp, off);
	for (;;) {
		errno = 0;
		de = readdir(d->dp);
		if (!de)
			return errno && !len ? -errno : (ssize_t)len;
		d->off = de->d_off;
		if (!plus) {
			struct stat st = { .st_ino = de->d_ino, .st_mode = de->d_type << 12 };

			n = fuse_add_direntry(req, buf + len, size - len, de->d_name, &st, de->d_off);
			if (n > size - len)
				return len;
			len += n;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			memset(&e, 0, sizeof(e));	/* ino 0: the kernel links nothing */
			e.attr.st_ino = de->d_ino;
			e.attr.st_mode = de->d_type << 12;
		} else if ((err = do_lookup(ino, de->d_name, &e)) == -ENOENT) {
			continue;	/* gone since the listing was read */
		} else if (err) {
			return len ? (ssize_t)len : err;
		}
		n = fuse_add_direntry_plus(req, buf + len, size - len, de->d_name, &e, de->d_off);
		if (n > size - len) {
			if (e.ino)
				tab_put(in_of(e.ino), 1);
			return len;
		}
		len += n;
	}
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, int plus)
{
	char *buf = malloc(size);
	ssize_t n;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = fill_dir(req, ino, (struct dir *)(uintptr_t)fi->fh, buf, size, off, plus);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void fp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 0);
}

static void fp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 1);
}

static void fp_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir *d = (struct dir *)(uintptr_t)fi->fh;

	(void)ino;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void fp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = dirfd(((struct dir *)(uintptr_t)fi->fh)->dp);

	(void)ino;
	fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0);
}

static void fp_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct inode *in = in_of(ino);
	struct statvfs sv;
	int fd = get_fd(in, O_PATH), err = 0;

	if (fd < 0 || fstatvfs(fd, &sv) < 0)
		err = errno;
	if (fd >= 0)
		put_fd(in, fd);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_statfs(req, &sv);
}

enum xop { XSET, XGET, XLIST, XREMOVE };

/*
 * The xattr ops go through /proc/self/fd: the magic link lands on the
 * file itself, a symlink included, and is not followed further. The
 * syscall's length (0 for set and remove) or -errno.
 */
static ssize_t do_xattr(struct inode *in, enum xop op, const char *name, void *buf, size_t size,
			int flags)
{
	char p[32];
	int fd = get_fd(in, O_PATH);
	ssize_t n;

	if (fd < 0)
		return -errno;
	proc_path(p, fd);
	switch (op) {
	case XSET: n = setxattr(p, name, buf, size, flags); break;
	case XGET: n = getxattr(p, name, buf, size); break;
	case XLIST: n = listxattr(p, buf, size); break;
	default: n = removexattr(p, name); break;
	}
	n = n < 0 ? -errno : n;
	put_fd(in, fd);
	return n;
}

static void fp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	ssize_t n = do_xattr(in_of(ino), XSET, name, (void *)value, size, flags);

	fuse_reply_err(req, n < 0 ? -n : 0);
}

static void fp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	ssize_t n = do_xattr(in_of(ino), XREMOVE, name, NULL, 0, 0);

	fuse_reply_err(req, n < 0 ? -n : 0);
}

/* get and list: size 0 asks for the length, else the value */
static void reply_xattr(fuse_req_t req, fuse_ino_t ino, enum xop op, const char *name, size_t size)
{
	char *buf = size ? malloc(size) : NULL;
	ssize_t n = size && !buf ? -ENOMEM : do_xattr(in_of(ino), op, name, buf, size, 0);

	if (n < 0)
		fuse_reply_err(req, -n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void fp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	reply_xattr(req, ino, XGET, name, size);
}

static void fp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	reply_xattr(req, ino, XLIST, NULL, size);
}

static const struct fuse_lowlevel_ops ops = {
	.init = fp_init,
	.lookup = fp_lookup,
	.forget = fp_forget,
	.forget_multi = fp_forget_multi,
	.getattr = fp_getattr,
	.setattr = fp_setattr,
	.readlink = fp_readlink,
	.mknod = fp_mknod,
	.mkdir = fp_mkdir,
	.symlink = fp_symlink,
	.link = fp_link,
	.unlink = fp_unlink,
	.rmdir = fp_rmdir,
	.rename = fp_rename,
	.open = fp_open,
	.create = fp_create,
	.read = fp_read,
	.write_buf = fp_write_buf,
	.release = fp_release,
	.fsync = fp_fsync,
	.fallocate = fp_fallocate,
	.opendir = fp_opendir,
	.readdir = fp_readdir,
	.readdirplus = fp_readdirplus,
	.releasedir = fp_releasedir,
	.fsyncdir = fp_fsyncdir,
	.statfs = fp_statfs,
	.setxattr = fp_setxattr,
	.getxattr = fp_getxattr,
	.listxattr = fp_listxattr,
	.removexattr = fp_removexattr,
};

/*
 * Every inode the kernel caches holds an fd: as many as the system allows.
 * Files get half of them, directories and open files the rest
 */
static void raise_nofile(void)
{
	struct rlimit rl;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	unsigned long max = 0;

	if (f && fscanf(f, "%lu", &max) != 1)
		max = 0;
	if (f)
		fclose(f);
	rl.rlim_cur = rl.rlim_max = max;
	if (!max || setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);	/* tolerated: the soft limit stays */
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	fd_budget = rl.rlim_cur / 2;
}

static int run(struct fuse_session *se, struct fuse_cmdline_opts *o)
{
	struct fuse_loop_config *c;
	int r;

	if (o->singlethread)
		return fuse_session_loop(se);
	c = fuse_loop_cfg_create();
	if (!c)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(c, o->clone_fd);
	fuse_loop_cfg_set_max_threads(c, o->max_threads);
	r = fuse_session_loop_mt(se, c);
	fuse_loop_cfg_destroy(c);
	return r;
}

int main(int argc, char **argv)
{
	static const struct fuse_custom_io io = { .writev = dev_writev, .read = dev_read };
	static const struct fuse_opt spin_opt[] = { { "spin=%u", 0, 0 }, FUSE_OPT_END };
	struct fuse_args args;
	struct fuse_cmdline_opts o;
	struct fuse_session *se;
	struct statx stx;
	int i, r = 1;

	/* SOURCE: the first argument that is not an option or an option's value */
	for (i = 1; i < argc && argv[i][0] == '-'; i += !strcmp(argv[i], "-o") ? 2 : 1)
		;
	if (i >= argc) {
		fprintf(stderr, "usage: fuse-passthrough [-s] [-f] [-o opts] SOURCE MOUNTPOINT\n");
		return 2;
	}
	root.fd = open(argv[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root.fd < 0) {
		fprintf(stderr, "fuse-passthrough: cannot open %s: %s\n", argv[i], strerror(errno));
		return 1;
	}
	mnt_fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt_fd >= 0 && statx(root.fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0)
		root_mnt = stx.stx_mnt_id;	/* else no handles: every file keeps its fd */
	memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));	/* argv[argc] too */
	args = (struct fuse_args)FUSE_ARGS_INIT(argc - 1, argv);
	if (fuse_opt_parse(&args, &spin_us, spin_opt, NULL) || fuse_parse_cmdline(&args, &o) ||
	    !o.mountpoint)
		return 2;
	if (!o.singlethread)
		spin_us = 0;	/* threads spinning side by side would only fight */
	umask(0);	/* the kernel applied the caller's */
	raise_nofile();
	se = session = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) == 0 && fuse_session_mount(se, o.mountpoint) == 0 &&
	    fuse_session_custom_io(se, &io, fuse_session_fd(se)) == 0 &&
	    (!spin_us || fcntl(fuse_session_fd(se), F_SETFL, O_NONBLOCK) == 0)) {
		fuse_daemonize(o.foreground);
		r = run(se, &o) ? 1 : 0;
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return r;
}
