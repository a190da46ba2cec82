/*
 * passthrough — -o passthrough: the kernel reads and writes an open
 * file's host copy itself (FUSE passthrough, Linux 6.9+), so READ and
 * WRITE never reach the daemon.
 *
 * libfuse 3.14 has no API for it, so vuovl speaks the three protocol
 * additions itself through libfuse's custom I/O hooks: it adds
 * FUSE_PASSTHROUGH and a stack depth to the INIT reply, registers the
 * host fd with the FUSE_DEV_IOC_BACKING_OPEN ioctl, and marks the OPEN
 * or CREATE reply with FOPEN_PASSTHROUGH and the backing id.
 *
 * The kernel keeps one backing file per inode while any passthrough open
 * of it lasts, and refuses to mix passthrough and ordinary opens of one
 * inode. So per vnode every open is of one kind, and a copy-up (whose
 * new data would need another backing) waits for the old opens to
 * close: until then it fails with ETXTBSY (copyup.c).
 *
 * Registering needs CAP_SYS_ADMIN in the initial user namespace; without
 * it vuovl says so once and serves reads and writes itself.
 */
#include "config.h"
#include "vuovl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

/* The protocol's passthrough parts (FUSE 7.40), which the build
 * machine's linux/fuse.h may predate. */
#define PT_FUSE_INIT 26
#define PT_INIT_EXT (1u << 30)
#define PT_WRITEBACK_CACHE (1u << 16)
#define PT_FLAGS2_PASSTHROUGH (1u << (37 - 32))
#define PT_FOPEN_KEEP_CACHE (1u << 1)
#define PT_FOPEN_PASSTHROUGH (1u << 7)
/* Backing files may sit on a plain file system only (stack depth 0):
 * the view itself then counts as one level, and an overlay can still
 * be stacked on it. */
#define PT_STACK_DEPTH 1

struct pt_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct pt_init_in {
	uint32_t major, minor, max_readahead, flags, flags2;
};

struct pt_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct pt_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, max_stack_depth;
	uint16_t request_timeout, unused[11];
};

struct pt_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};

struct pt_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define PT_IOC_BACKING_OPEN _IOW(229, 1, struct pt_backing_map)
#define PT_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* struct fuse_entry_out, which precedes fuse_open_out in a CREATE reply */
#define PT_ENTRY_OUT_SIZE 128

static int dev_fd = -1;
static atomic_bool pt_on;		/* registering works (so far) */
static bool kernel_offers;		/* the INIT request had the flag */
static uint64_t init_unique;
static atomic_bool init_seen;
/* The backing id the reply this thread sends next must carry: the open
 * handler sets it just before fuse_reply_open/create, which write the
 * reply from the same thread. */
static __thread int32_t pending_id;

static ssize_t pt_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);
	const struct pt_in_header *h = buf;
	const struct pt_init_in *in = (const void *)(h + 1);

	(void)userdata;
	if (!atomic_load(&init_seen) && n >= (ssize_t)(sizeof(*h) + sizeof(*in)) &&
	    h->opcode == PT_FUSE_INIT) {
		init_unique = h->unique;
		kernel_offers = (in->flags & PT_INIT_EXT) && (in->flags2 & PT_FLAGS2_PASSTHROUGH);
		atomic_store(&init_seen, true);
	}
	return n;
}

/* Gathers the reply body after the header into buf; its size, or -1
 * when it is not `want` bytes. */
static ssize_t gather(const struct iovec *iov, int count, void *buf, size_t want)
{
	size_t n = 0;
	int i;

	for (i = 1; i < count; i++) {
		if (n + iov[i].iov_len > want)
			return -1;
		memcpy((char *)buf + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	return n == want ? (ssize_t)n : -1;
}

static ssize_t send_patched(int fd, struct iovec *iov, void *body, size_t len)
{
	struct iovec out[2] = { iov[0], { body, len } };

	return writev(fd, out, 2);
}

static ssize_t pt_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	const struct pt_out_header *h = iov[0].iov_base;
	int32_t id = pending_id;

	(void)userdata;
	pending_id = 0;
	if (count < 2 || iov[0].iov_len != sizeof(*h) || h->error)
		return writev(fd, iov, count);
	if (kernel_offers && init_unique && h->unique == init_unique) {
		struct pt_init_out o;

		init_unique = 0;
		if (gather(iov, count, &o, sizeof(o)) < 0 || (o.flags & PT_WRITEBACK_CACHE))
			return writev(fd, iov, count);
		o.flags |= PT_INIT_EXT;
		o.flags2 |= PT_FLAGS2_PASSTHROUGH;
		o.max_stack_depth = PT_STACK_DEPTH;
		return send_patched(fd, iov, &o, sizeof(o));
	}
	if (id > 0) {
		char body[PT_ENTRY_OUT_SIZE + sizeof(struct pt_open_out)];
		struct pt_open_out oo;
		size_t at;
		ssize_t n = gather(iov, count, body, sizeof(oo));

		if (n < 0)
			n = gather(iov, count, body, sizeof(body));
		if (n < 0)
			return writev(fd, iov, count);
		at = n - sizeof(oo);	/* fuse_open_out ends either reply */
		memcpy(&oo, body + at, sizeof(oo));
		oo.open_flags = (oo.open_flags & ~PT_FOPEN_KEEP_CACHE) | PT_FOPEN_PASSTHROUGH;
		oo.backing_id = id;
		memcpy(body + at, &oo, sizeof(oo));
		return send_patched(fd, iov, body, n);
	}
	return writev(fd, iov, count);
}

static ssize_t pt_splice(int fdin, off_t *offin, int fdout, off_t *offout,
			 size_t len, unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

int pt_init(struct fuse_session *se)
{
	static const struct fuse_custom_io io = {
		.writev = pt_writev,
		.read = pt_read,
		.splice_receive = pt_splice,
		.splice_send = pt_splice,
	};
	int err;

	if (!vo.passthrough)
		return 0;
	if (vo.writeback) {
		vu_warn("passthrough: not with writeback (the kernel does "
			"not combine them); using writeback");
		vo.passthrough = false;
		return 0;
	}
	dev_fd = fuse_session_fd(se);
	err = fuse_session_custom_io(se, &io, dev_fd);
	if (err)
		return err;
	atomic_store(&pt_on, true);
	return 0;
}

/* Caller holds v->lock. The first open of v: registers fd. */
static int32_t backing_open(int fd)
{
	struct pt_backing_map map = { .fd = fd };
	int id = ioctl(dev_fd, PT_IOC_BACKING_OPEN, &map);

	if (id > 0)
		return id;
	if (errno == EPERM || errno == ENOTTY) {
		/* not root, or a kernel without it: say it once */
		if (atomic_exchange(&pt_on, false))
			vu_warn("passthrough: %s; vuovl serves reads and "
				"writes itself",
				errno == EPERM ? "needs CAP_SYS_ADMIN (root)"
					       : "not in this kernel");
	}
	/* else (a backing file on a stacked fs: ELOOP...): this file only */
	return 0;
}

int pt_open(struct vnode *v, int layer, struct fuse_file_info *fi)
{
	int fd = (int)fi->fh, err = 0;
	int32_t id = 0;

	if (!vo.passthrough)
		return 0;
	pthread_mutex_lock(&v->lock);
	if (v->npt_opens) {
		v->npt_opens++;		/* ordinary opens: this one too */
	} else if (v->pt_opens) {
		/* the kernel holds v's backing file: only that one */
		if (v->pt_layer == layer && v->dlayer == layer) {
			v->pt_opens++;
			id = v->pt_id;
		} else {
			err = -ETXTBSY;
		}
	} else {
		if (atomic_load(&pt_on) && v->dlayer == layer)
			id = backing_open(fd);
		if (id > 0) {
			v->pt_id = id;
			v->pt_layer = layer;
			v->pt_opens = 1;
		} else {
			v->npt_opens = 1;
		}
	}
	pthread_mutex_unlock(&v->lock);
	if (err)
		return err;
	if (id > 0) {
		fi->fh |= VO_FH_PT;
		fi->keep_cache = 0;
		pending_id = id;
	}
	return 0;
}

void pt_release(struct vnode *v, uint64_t fh)
{
	uint32_t id = 0;

	if (!vo.passthrough)
		return;
	pthread_mutex_lock(&v->lock);
	if (fh & VO_FH_PT) {
		if (v->pt_opens && --v->pt_opens == 0) {
			id = v->pt_id;
			v->pt_id = 0;
		}
	} else if (v->npt_opens) {
		v->npt_opens--;
	}
	pthread_mutex_unlock(&v->lock);
	/* the kernel keeps its own reference for files still open */
	if (id > 0 && ioctl(dev_fd, PT_IOC_BACKING_CLOSE, &id) < 0)
		vu_debug(VU_CAT_FILE, "passthrough: closing backing %u: %s", id,
			 strerror(errno));
}
