// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uring — FUSE over io_uring (Linux 6.14 and later, where the fuse
 * module's enable_uring parameter is on).
 *
 * The kernel keeps one request queue per CPU and puts each request on
 * the queue of the CPU its caller runs on. Each queue here has threads
 * pinned to that CPU, each with its own io_uring and one registered
 * entry (a header block and a payload buffer). A caller's request is
 * then served on the CPU where the caller sleeps, and the reply wakes it
 * there: no wakeup crosses CPUs, which on a virtual machine costs as
 * much as the request itself. Fetching the next request and committing
 * the reply are one system call.
 *
 * /dev/fuse still carries INIT, FORGET, INTERRUPT and every
 * notification; libfuse's loop keeps reading it. A ring request is put
 * back together as /dev/fuse would have delivered it (header, op header,
 * payload: copied aside when small, else contiguous in front of the
 * payload, which is not copied)
 * and handed to libfuse; its reply, through devio's writev, lands in the
 * entry (uring_take_reply) and goes back with the next fetch.
 *
 * After each reply a thread polls its ring for -o spin= microseconds
 * (yielding the CPU between polls) before it sleeps. A caller that asks
 * again at once is served without a wakeup; and the scheduler puts a
 * task woken by a reply on an idle CPU rather than the busy one it
 * waits on, so while the other CPUs' threads poll, no CPU is idle and
 * the caller stays where its queue's thread runs. Measured on a 2-CPU
 * VM, a getxattr round trip: 16 us polling, 36-54 us without (the
 * caller moved at every reply), 26 us through /dev/fuse with its spin.
 * (SCHED_IDLE threads gave the same 16 us without polling, but starved
 * behind CPU-bound programs of the daemon's own session.)
 *
 * Two threads per queue: a request stuck in a slow layer holds one, the
 * other serves the rest of its CPU's callers.
 */
#include "config.h"
#include "transport_int.h"
#include "wire.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <liburing.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS_PER_QUEUE 2
#define WAIT_MS 250		/* how soon a thread sees uring_stop() */
#define IN_HEADER_SIZE sizeof(struct wire_in_header)
#define OUT_HEADER_SIZE sizeof(struct wire_out_header)
#define OP_ROOM WIRE_URING_OP_ROOM
#define PAYLOAD_MAX (1u << 20)	/* max_write and max_pages (ops/ops.c) */
#define SIDE_MAX 8192		/* requests this small are copied aside */
#define ENABLE_PARAM "/sys/module/fuse/parameters/enable_uring"
#define FORGET_GATHER_NS 1000000	/* uring_dev_pause() */

struct ent {
	struct io_uring ring;
	struct wire_uring_req_header hdr;
	char *buf;		/* OP_ROOM + IN_HEADER_SIZE, then the payload */
	char *payload;
	char *side;		/* a small request, whole (serve_one) */
	unsigned qid;
	pthread_t thread;
	bool ring_ok, started;
	bool away;		/* moved off its CPU for big READs (place) */
	uint64_t unique;	/* the request being served, 0 if none */
	bool replied;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int nready, nfailed;	/* threads that made their ring, or not */
	_Atomic int go;		/* 0 wait, 1 register, -1 end; set under
				   lock, read without it by uring_note_dev_op */
	_Atomic bool stop;
	struct fuse_session *se;
	int devfd;
	long spin_ns;		/* 0 on one CPU: the caller needs it */
	int ncpu;		/* online */
	struct ent *ents;
	unsigned nents;
} u = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static __thread struct ent *self;

bool uring_offered(bool asked)
{
	char c = 'N';
	int fd = open(ENABLE_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 'N';
		close(fd);
	}
	if (c == 'Y' || c == '1')
		return true;
	if (asked)
		vu_warn("uring: %s is not Y (root can set it); serving /dev/fuse",
			ENABLE_PARAM);
	return false;
}

static void pin(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* a CPU that is possible but offline cannot be had: its queue is
	 * served from wherever the thread runs */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* A big READ is readahead: its caller goes on reading what came before
 * it, and serving it on the caller's CPU made a sequential read 1.7
 * times slower than through /dev/fuse. The thread moves to another CPU
 * for such reads, and comes home for the next request of another kind. */
#define FAR_READ (64u << 10)

static void place(struct ent *e, const char *req)
{
	uint32_t op, size;
	bool far;

	memcpy(&op, req + 4, sizeof(op));
	memcpy(&size, req + IN_HEADER_SIZE + WIRE_READ_IN_SIZE, sizeof(size));
	far = op == WIRE_OP_READ && size >= FAR_READ && u.ncpu > 1;
	if (far && !e->away) {
		cpu_set_t set;
		int cpu = sched_getcpu(), i;

		CPU_ZERO(&set);
		for (i = 0; i < u.ncpu; i++)
			if (i != cpu)
				CPU_SET(i, &set);
		e->away = pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
	} else if (!far && e->away) {
		pin(e->qid);
		e->away = false;
	}
}

static void set_cmd(struct io_uring_sqe *sqe, struct ent *e, uint32_t op,
		    uint64_t commit_id)
{
	static __thread struct iovec iov[2];
	struct wire_uring_cmd_req c = { .commit_id = commit_id, .qid = (uint16_t)e->qid };

	memset(sqe, 0, 128);	/* an SQE128 ring: the command area too */
	iov[0] = (struct iovec){ &e->hdr, sizeof(e->hdr) };
	iov[1] = (struct iovec){ e->payload, PAYLOAD_MAX };
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = u.devfd;
	sqe->addr = (uintptr_t)iov;
	sqe->len = 2;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &c, sizeof(c));
}

/* Rebuilds the request in front of the payload and has libfuse serve
 * it; returns false if the ring handed over something malformed. */
static bool serve_one(struct ent *e)
{
	uint32_t len, arg;
	struct fuse_buf fb = { 0 };
	char *start;

	memcpy(&len, e->hdr.in_out, sizeof(len));
	if (len < IN_HEADER_SIZE + e->hdr.ent.payload_sz)
		return false;
	arg = len - IN_HEADER_SIZE - e->hdr.ent.payload_sz;
	if (arg > OP_ROOM || e->hdr.ent.payload_sz > PAYLOAD_MAX)
		return false;
	if (e->hdr.ent.payload_sz <= SIDE_MAX) {
		/* the reply is built in the payload buffer: a handler may
		 * still read its names after it replied */
		start = e->side;
		memcpy(start + IN_HEADER_SIZE + arg, e->payload, e->hdr.ent.payload_sz);
	} else {	/* WRITE data: used before the reply, left in place */
		start = e->payload - arg - IN_HEADER_SIZE;
	}
	memcpy(start, e->hdr.in_out, IN_HEADER_SIZE);
	memcpy(start + IN_HEADER_SIZE, e->hdr.op_in, arg);
	memcpy(&e->unique, start + 8, sizeof(e->unique));
	e->replied = false;
	place(e, start);
	fb.mem = start;
	fb.size = len;
	devio_note_request(start, len);
	fuse_session_process_buf(u.se, &fb);
	return true;
}

/* An error reply, for a request that got none. */
static void reply_error(struct ent *e, int err)
{
	struct { uint32_t len; int32_t error; uint64_t unique; } h = {
		OUT_HEADER_SIZE, -err, e->unique };

	memcpy(e->hdr.in_out, &h, sizeof(h));
	e->hdr.ent.payload_sz = 0;
}

/* Sends the pending commit and polls for the next request, for
 * u.spin_ns at most; NULL if none came. */
static struct io_uring_cqe *spin_for_cqe(struct ent *e)
{
	struct io_uring_cqe *cqe = NULL;
	int64_t until;

	if (io_uring_submit(&e->ring) < 0)
		return NULL;	/* the wait that follows submits and says why */
	until = transport_now_ns() + u.spin_ns;
	do {
		if (io_uring_peek_cqe(&e->ring, &cqe) == 0 && cqe)
			return cqe;
		sched_yield();
	} while (transport_now_ns() < until);
	return NULL;
}

static void *ent_thread(void *arg)
{
	struct ent *e = arg;
	/* TASKRUN_FLAG: a poll sees a request the kernel has yet to copy */
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 |
					      IORING_SETUP_COOP_TASKRUN |
					      IORING_SETUP_TASKRUN_FLAG };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int err, go;

	self = e;
	pin(e->qid);
	err = io_uring_queue_init_params(4, &e->ring, &p);
	if (err == -EINVAL) {	/* before Linux 5.19: no COOP_TASKRUN */
		p.flags = IORING_SETUP_SQE128;
		err = io_uring_queue_init_params(4, &e->ring, &p);
	}
	pthread_mutex_lock(&u.lock);
	e->ring_ok = err == 0;
	if (err) {
		u.nfailed++;
		vu_debug(VU_CAT_GENERAL, "uring: queue %u: io_uring: %s",
			 e->qid, strerror(-err));
	} else {
		u.nready++;
	}
	pthread_cond_broadcast(&u.cond);
	while (!u.go)
		pthread_cond_wait(&u.cond, &u.lock);
	go = u.go;
	pthread_mutex_unlock(&u.lock);
	if (err || go < 0)
		goto out;

	sqe = io_uring_get_sqe(&e->ring);
	set_cmd(sqe, e, WIRE_URING_REGISTER, 0);
	for (;;) {
		struct __kernel_timespec ts = { 0, WAIT_MS * 1000000L };

		cqe = u.spin_ns ? spin_for_cqe(e) : NULL;
		err = cqe ? 0 : io_uring_submit_and_wait_timeout(&e->ring, &cqe, 1, &ts, NULL);
		/* liburing 2.3 can report a timeout as the count submitted,
		 * with no completion */
		if (err == -ETIME || err == -EINTR || (err >= 0 && !cqe)) {
			if (atomic_load_explicit(&u.stop, memory_order_relaxed))
				break;
			continue;
		}
		if (err < 0) {
			vu_warn("uring: queue %u: waiting: %s", e->qid, strerror(-err));
			break;
		}
		err = cqe->res;
		io_uring_cqe_seen(&e->ring, cqe);
		if (err < 0) {	/* unmounted (ENOTCONN), or refused */
			if (err != -ENOTCONN && err != -ECANCELED)
				vu_warn("uring: queue %u: %s", e->qid, strerror(-err));
			break;
		}
		if (!serve_one(e)) {
			vu_warn("uring: queue %u: a malformed request; answered EIO", e->qid);
			reply_error(e, EIO);
		} else if (!e->replied) {
			reply_error(e, EIO);
		}
		sqe = io_uring_get_sqe(&e->ring);
		set_cmd(sqe, e, WIRE_URING_COMMIT_AND_FETCH, e->unique);
		e->unique = 0;
	}
out:
	if (e->ring_ok)
		io_uring_queue_exit(&e->ring);
	return NULL;
}

/* The kernel's queue count: its possible CPUs ("0-1"), numbered from 0. */
static int possible_cpus(void)
{
	char s[64] = "";
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, s, sizeof(s) - 1) : -1;
	char *last;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	s[n] = 0;
	last = s + strcspn(s, "\n");
	*last = 0;
	while (last > s && last[-1] >= '0' && last[-1] <= '9')
		last--;
	return *last ? atoi(last) + 1 : -1;
}

bool uring_prepare(struct fuse_session *se, int devfd, unsigned spin_us)
{
	int ncpu = possible_cpus();
	unsigned i, n;

	if (u.ents || ncpu <= 0 || ncpu > 4096)
		return false;
	n = (unsigned)ncpu * THREADS_PER_QUEUE;
	u.ents = calloc(n, sizeof(*u.ents));
	if (!u.ents)
		return false;
	u.se = se;
	u.devfd = devfd;
	u.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	u.spin_ns = u.ncpu > 1 ? (long)spin_us * 1000 : 0;
	for (i = 0; i < n; i++) {
		struct ent *e = &u.ents[i];

		e->qid = i / THREADS_PER_QUEUE;
		/* pages are touched only as payloads need them */
		e->buf = malloc(OP_ROOM + IN_HEADER_SIZE + PAYLOAD_MAX);
		e->side = malloc(IN_HEADER_SIZE + OP_ROOM + SIDE_MAX);
		if (!e->buf || !e->side) {
			free(e->buf);
			free(e->side);
			break;
		}
		e->payload = e->buf + OP_ROOM + IN_HEADER_SIZE;
		if (pthread_create(&e->thread, NULL, ent_thread, e)) {
			free(e->buf);
			free(e->side);
			e->buf = e->side = NULL;
			break;
		}
		pthread_setname_np(e->thread, "vuovl-ring");
		e->started = true;
		u.nents++;
	}
	pthread_mutex_lock(&u.lock);
	while (u.nready + u.nfailed < (int)u.nents)
		pthread_cond_wait(&u.cond, &u.lock);
	pthread_mutex_unlock(&u.lock);
	if (u.nents == n && u.nfailed == 0)
		return true;
	vu_warn("uring: cannot set up %u io_uring queues; serving /dev/fuse", n);
	uring_start(false);
	uring_stop();
	return false;
}

void uring_start(bool init_ok)
{
	pthread_mutex_lock(&u.lock);
	u.go = init_ok ? 1 : -1;
	pthread_cond_broadcast(&u.cond);
	pthread_mutex_unlock(&u.lock);
	if (init_ok)
		vu_debug(VU_CAT_GENERAL, "uring: %u queues, %d threads each",
			 u.nents / THREADS_PER_QUEUE, THREADS_PER_QUEUE);
}

ssize_t uring_take_reply(const struct iovec *iov, int count)
{
	struct ent *e = self;
	uint64_t unique;
	size_t total = 0, body = 0;
	int i;

	if (!e || !e->unique || count < 1 || iov[0].iov_len != OUT_HEADER_SIZE)
		return -1;
	memcpy(&unique, (const char *)iov[0].iov_base + 8, sizeof(unique));
	if (unique != e->unique || e->replied)
		return -1;
	for (i = 1; i < count; i++)
		body += iov[i].iov_len;
	if (body > PAYLOAD_MAX)
		return -1;
	memcpy(e->hdr.in_out, iov[0].iov_base, OUT_HEADER_SIZE);
	for (i = 1; i < count; i++) {
		/* a READ reply read straight into the payload stays put */
		if (iov[i].iov_base != e->payload + total)
			memmove(e->payload + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	e->hdr.ent.payload_sz = (uint32_t)total;
	e->replied = true;
	return (ssize_t)(total + OUT_HEADER_SIZE);
}

/*
 * With the rings serving, /dev/fuse carries little but FORGETs, one per
 * inode the kernel drops: `rm -rf` sends one per file, and each woke a
 * reader thread on its own, another CPU's wakeup in the caller's time.
 * After a FORGET the readers pause FORGET_GATHER_NS before they read
 * again; the kernel hands over what queued meanwhile as one
 * BATCH_FORGET. Nothing waits for a FORGET; an INTERRUPT waits at most
 * the pause. Measured: rm -rf of 10 238 lower entries, 1.03 s -> 0.86 s.
 * Any other request on /dev/fuse (a queue that never registered, say,
 * leaves the kernel there) ends the pauses for good.
 */
static _Atomic int64_t forget_pause_until;	/* CLOCK_MONOTONIC ns */
static _Atomic bool dev_serves;		/* requests came through /dev/fuse */

void uring_note_dev_op(uint32_t opcode)
{
	switch (opcode) {
	case WIRE_OP_FORGET:
	case WIRE_OP_BATCH_FORGET:
		if (atomic_load_explicit(&u.go, memory_order_relaxed) == 1 &&
		    !atomic_load_explicit(&u.stop, memory_order_relaxed) &&
		    !atomic_load_explicit(&dev_serves, memory_order_relaxed))
			atomic_store_explicit(&forget_pause_until,
					      transport_now_ns() + FORGET_GATHER_NS,
					      memory_order_relaxed);
		break;
	case WIRE_OP_INIT:
	case WIRE_OP_INTERRUPT:
		break;
	default:
		atomic_store_explicit(&dev_serves, true, memory_order_relaxed);
		atomic_store_explicit(&forget_pause_until, 0, memory_order_relaxed);
	}
}

void uring_dev_pause(void)
{
	int64_t left = atomic_load_explicit(&forget_pause_until, memory_order_relaxed);

	if (!left || (left -= transport_now_ns()) <= 0)
		return;
	if (left > FORGET_GATHER_NS)
		left = FORGET_GATHER_NS;
	nanosleep(&(struct timespec){ 0, (long)left }, NULL);
}

void *uring_payload(size_t len)
{
	struct ent *e = self;

	return e && e->unique && len <= PAYLOAD_MAX ? e->payload : NULL;
}

void uring_stop(void)
{
	unsigned i;

	atomic_store_explicit(&u.stop, true, memory_order_relaxed);
	pthread_mutex_lock(&u.lock);
	if (!u.go)
		u.go = -1;
	pthread_cond_broadcast(&u.cond);
	pthread_mutex_unlock(&u.lock);
	for (i = 0; i < u.nents; i++) {
		if (u.ents[i].started)
			pthread_join(u.ents[i].thread, NULL);
		free(u.ents[i].buf);
		free(u.ents[i].side);
	}
	free(u.ents);
	u.ents = NULL;
	u.nents = 0;
}
