// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devio — vuovl's own reading and writing of /dev/fuse, through
 * libfuse's custom I/O hooks, for the protocol parts libfuse 3.14 does
 * not know:
 *
 * - FUSE_HANDLE_KILLPRIV_V2: the daemon clears set-id bits and file
 *   capabilities on write, truncate and chown. Without it the kernel
 *   asks GETXATTR security.capability before every write(2) (it caches
 *   "nothing to strip" only on a file system it marks SB_NOSEC, which
 *   FUSE does under this flag alone): one round trip per write. The
 *   requests' kill flags, which libfuse drops, are read here and handed
 *   to the handler that runs next on this thread (devio_take_kill).
 * - FUSE_PASSTHROUGH (-o passthrough): a stack depth in the INIT reply,
 *   and the backing id in OPEN and CREATE replies (passthrough.c).
 *
 * libfuse handles each request on the thread that read it, and sends
 * the reply from that thread too: per-thread state is enough.
 * Requests are read, not spliced (the kill flags are in the header).
 */
#include "config.h"
#include "transport_int.h"
#include "wire.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Backing files may sit on a plain file system only (stack depth 0):
 * the view then counts as one level, and an overlay still fits on it. */
#define STACK_DEPTH 1

static struct fuse_session *session;
static struct transport_conf conf;
static int dev_fd = -1;
static uint32_t kernel_flags, kernel_flags2;	/* what the kernel offers */
static uint64_t init_unique;
static bool killpriv, passthrough;		/* negotiated */
static __thread bool kill_pending;
static __thread int32_t backing_pending;
static __thread uint64_t serving;	/* the request this thread read last */
static __thread uint32_t serving_op;	/* ...and its opcode (-o stats) */

/* The little-endian u32 at off in the request body, or 0. */
static uint32_t body_u32(const void *buf, ssize_t n, size_t off)
{
	uint32_t v;

	if (n < (ssize_t)(sizeof(struct wire_in_header) + off + sizeof(v)))
		return 0;
	memcpy(&v, (const char *)buf + sizeof(struct wire_in_header) + off, sizeof(v));
	return v;
}

uint32_t devio_note_request(const void *buf, size_t len)
{
	ssize_t n = (ssize_t)len;
	struct wire_in_header h;

	kill_pending = false;
	if (n < (ssize_t)sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	serving = h.unique;
	serving_op = h.opcode;
	if (stats_on)
		stats_count_request(h.opcode);
	switch (h.opcode) {
	case WIRE_OP_WRITE:
		kill_pending = body_u32(buf, n, WIRE_WRITE_IN_FLAGS) & WIRE_WRITE_KILL_SUIDGID;
		break;
	case WIRE_OP_SETATTR:
		kill_pending = body_u32(buf, n, WIRE_SETATTR_IN_VALID) & WIRE_FATTR_KILL_SUIDGID;
		break;
	case WIRE_OP_OPEN:
		kill_pending = body_u32(buf, n, WIRE_OPEN_IN_FLAGS) & WIRE_OPEN_KILL_SUIDGID;
		break;
	case WIRE_OP_INIT:
		init_unique = h.unique;
		kernel_flags = body_u32(buf, n, offsetof(struct wire_init_in, flags));
		kernel_flags2 = kernel_flags & WIRE_INIT_EXT
			? body_u32(buf, n, offsetof(struct wire_init_in, flags2)) : 0;
		break;
	}
	return h.opcode;
}

static ssize_t dev_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n;
	uint32_t opcode;

	(void)userdata;
	uring_dev_pause();
	n = spinread(fd, buf, len);
	opcode = devio_note_request(buf, n > 0 ? (size_t)n : 0);
	if (opcode)
		uring_note_dev_op(opcode);
	return n;
}

/* Gathers the reply body (after the header) into buf if it is exactly
 * want bytes; returns its size or -1. */
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

/* A reply to a request that came from a ring goes back through it. */
static ssize_t out_writev(int fd, const struct iovec *iov, int count)
{
	ssize_t n = uring_take_reply(iov, count);

	return n >= 0 ? n : writev(fd, iov, count);
}

static ssize_t send_body(int fd, struct iovec *iov, void *body, size_t len)
{
	struct iovec out[2] = { iov[0], { body, len } };

	return out_writev(fd, out, 2);
}

static ssize_t init_reply(int fd, struct iovec *iov, int count)
{
	struct wire_init_out o;
	bool offered;

	if (gather(iov, count, &o, sizeof(o)) < 0)
		return out_writev(fd, iov, count);
	if (kernel_flags & WIRE_INIT_HANDLE_KILLPRIV_V2) {
		o.flags |= WIRE_INIT_HANDLE_KILLPRIV_V2;
		killpriv = true;
	}
	if (conf.passthrough && (kernel_flags2 & WIRE_INIT2_PASSTHROUGH) &&
	    !(o.flags & WIRE_INIT_WRITEBACK_CACHE)) {
		o.flags |= WIRE_INIT_EXT;
		o.flags2 |= WIRE_INIT2_PASSTHROUGH;
		o.max_stack_depth = STACK_DEPTH;
		passthrough = true;
	}
	offered = (kernel_flags & WIRE_INIT_EXT) && (kernel_flags2 & WIRE_INIT2_OVER_IO_URING);
	if (conf.uring && !offered)
		vu_warn("uring: the kernel does not offer FUSE over io_uring; "
			"serving /dev/fuse");
	/* uring_prepare says why itself when it fails */
	if (conf.uring && offered && uring_prepare(session, fd, conf.spin_us)) {
		ssize_t n;

		o.flags |= WIRE_INIT_EXT;
		o.flags2 |= WIRE_INIT2_OVER_IO_URING;
		n = send_body(fd, iov, &o, sizeof(o));
		/* the kernel holds every request until each CPU's queue has
		 * an entry: the threads register now, or are told to end */
		uring_start(n >= 0);
		return n;
	}
	return send_body(fd, iov, &o, sizeof(o));
}

static ssize_t open_reply(int fd, struct iovec *iov, int count, int32_t id)
{
	char body[WIRE_ENTRY_OUT_SIZE + sizeof(struct wire_open_out)];
	struct wire_open_out oo;
	ssize_t n = gather(iov, count, body, sizeof(oo));
	size_t at;

	if (n < 0)
		n = gather(iov, count, body, sizeof(body));
	if (n < 0)
		return out_writev(fd, iov, count);
	at = n - sizeof(oo);	/* fuse_open_out ends either reply */
	memcpy(&oo, body + at, sizeof(oo));
	oo.open_flags = (oo.open_flags & ~WIRE_FOPEN_KEEP_CACHE) | WIRE_FOPEN_PASSTHROUGH;
	oo.backing_id = id;
	memcpy(body + at, &oo, sizeof(oo));
	return send_body(fd, iov, body, n);
}

/* -o stats: an error, or a LOOKUP's entry of node 0 (fuse_entry_out
 * starts with the node id). Notifications (unique 0) are no replies. */
static void count_reply(const struct iovec *iov, int count)
{
	struct wire_out_header h;
	uint64_t node = 1;

	if (iov[0].iov_len != sizeof(h))
		return;
	memcpy(&h, iov[0].iov_base, sizeof(h));
	if (!h.unique || h.unique != serving)
		return;
	if (!h.error && serving_op == WIRE_OP_LOOKUP && count > 1 &&
	    iov[1].iov_len >= sizeof(node))
		memcpy(&node, iov[1].iov_base, sizeof(node));
	stats_count_reply(serving_op, h.error, node == 0);
}

static ssize_t dev_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct wire_out_header h;
	int32_t id = backing_pending;

	(void)userdata;
	backing_pending = 0;
	if (stats_on && count > 0)
		count_reply(iov, count);
	if (count < 2 || iov[0].iov_len != sizeof(h))
		return out_writev(fd, iov, count);
	memcpy(&h, iov[0].iov_base, sizeof(h));
	/* the transport's rule (transport.h): a reply leaves on the thread
	 * that read its request, whose state (backing_pending) it carries;
	 * unique 0 is a notification, sent from any thread */
	assert(h.unique == 0 || h.unique == serving);
	if (h.error)
		return out_writev(fd, iov, count);
	if (init_unique && h.unique == init_unique) {
		init_unique = 0;
		return init_reply(fd, iov, count);
	}
	if (id > 0)
		return open_reply(fd, iov, count, id);
	return out_writev(fd, iov, count);
}

static ssize_t dev_splice(int fdin, off_t *offin, int fdout, off_t *offout,
			  size_t len, unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

struct fuse_session *devio_session(void)
{
	return session;
}

int devio_init(struct fuse_session *se, const struct transport_conf *c)
{
	/* replies may splice (READ data); requests are read whole */
	static const struct fuse_custom_io io = {
		.writev = dev_writev,
		.read = dev_read,
		.splice_send = dev_splice,
	};
	int err;

	conf = *c;
	session = se;
	dev_fd = fuse_session_fd(se);
	/* with rings the device carries forgets only: no spin there */
	err = spinread_init(se, dev_fd, conf.uring ? 0 : conf.spin_us);
	if (err)	/* only slower without it */
		vu_warn("spin: %s; not spinning", strerror(-err));
	return fuse_session_custom_io(se, &io, dev_fd);
}

int devio_fd(void)
{
	return dev_fd;
}

bool devio_passthrough(void)
{
	return passthrough;
}

bool devio_take_kill(fuse_req_t req)
{
	bool k = killpriv && kill_pending;

	kill_pending = false;
	/* The kernel asks whenever the writer lacks CAP_FSETID in the
	 * initial namespace; the root of the view's own namespace (where
	 * vuchroot runs the command) holds it there, and keeps the bits
	 * as it would on a file system of that namespace. */
	return k && fuse_req_ctx(req)->uid != 0;
}

bool devio_killpriv(void)
{
	return killpriv;
}

void devio_attr_changed(fuse_ino_t ino)
{
	/* attributes only (a negative offset): no page is touched, so it
	 * is safe while the kernel waits for this thread's reply */
	int err = fuse_lowlevel_notify_inval_inode(session, ino, -1, 0);

	if (err && err != -ENOENT)
		vu_debug(VU_CAT_FILE, "invalidating attributes: %s", strerror(-err));
}

void devio_reply_backing(int32_t id)
{
	backing_pending = id;
}
