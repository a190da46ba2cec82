// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spinread — reading requests from /dev/fuse without a wakeup for each.
 *
 * A program that makes one small request after another (tar -x, rm -r,
 * chown -R, a package manager) waits for each reply, and its next
 * request follows a few microseconds after it. A daemon thread asleep in
 * read(2) must then be woken for it, and a wakeup on another CPU costs
 * about as much as the request itself (more on a VM: an IPI is a VM
 * exit). So one thread, the reader, reads the device: after each
 * request it has handled it polls for the next without blocking,
 * yielding the CPU between tries, for up to -o spin=USEC, and only then
 * sleeps in poll(2).
 *
 * The reader is the device's only sleeper: the kernel wakes a sleeper
 * on each request, and a second one would be woken for nothing, at the
 * expense of the program that sent the request. The other threads wait
 * here, in user space. When the reader finds a request already queued
 * (several programs at once), it wakes one of them to help: a helper
 * takes requests while there are some, without blocking, and then waits
 * again. One waiting thread, the watcher, looks every
 * TAKEOVER_NS while requests come: if the reader has been handling one
 * request that long (a copy-up, an fsync, a cold disk), the watcher
 * becomes the reader, so that a slow request does not hold up the
 * others. The watcher sleeps for good once no request has come for
 * IDLE_NS; the first request after that wakes it again.
 *
 * Programs that keep several requests in flight (parallel readers, a
 * make -j) are better served by every thread sleeping on the device,
 * as libfuse has it: each request then wakes a thread at once. So every
 * WINDOW requests the mode is chosen again from how many of them came
 * while another was in progress: more than half, and the device is made
 * blocking and all threads read it; under an eighth, and it is back to
 * one reader.
 *
 * With -o clone_fd every thread reads its own fd, and nothing spins.
 */
#include "config.h"
#include "transport_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#define TAKEOVER_NS 200000	/* 0.2 ms */
#define WINDOW 256		/* requests between choices of the mode */
#define IDLE_NS 20000000	/* 20 ms */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn;	/* on CLOCK_MONOTONIC */
static pthread_key_t exit_key;	/* gives the reader's place back at thread exit */
static const void *reader;	/* the thread that reads, or NULL */
static const void *watcher;
static bool help_wanted;	/* requests are queued: a waiter is to help */
static bool blocking;		/* all threads sleep on the device */
static unsigned nbusy;		/* threads handling a request */
static unsigned win_n, win_hits; /* requests, and those with another in progress */
static __thread bool busy;	/* this thread handles a request */
static bool handling;		/* the reader is handling a request... */
static int64_t handling_since;	/* ...since then */
static int64_t last_request;
static struct fuse_session *session;
static int spin_fd = -1;
static int64_t spin_ns;
static __thread char self;	/* its address names the thread */

/* libfuse ends surplus workers after a request: the reader may be one */
static void thread_exit(void *me)
{
	pthread_mutex_lock(&lock);
	if (busy) {
		busy = false;
		nbusy--;
	}
	if (reader == me) {
		reader = NULL;
		pthread_cond_signal(&turn);
	}
	pthread_mutex_unlock(&lock);
}

int spinread_init(struct fuse_session *se, int fd, unsigned usec)
{
	pthread_condattr_t ca;
	int fl, err;

	/* on one CPU the spinning would only delay the program it waits for */
	if (!usec || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return 0;
	if ((err = pthread_condattr_init(&ca)) ||
	    (err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) ||
	    (err = pthread_cond_init(&turn, &ca)) ||
	    (err = pthread_key_create(&exit_key, thread_exit)))
		return -err;
	pthread_condattr_destroy(&ca);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	session = se;
	spin_fd = fd;
	spin_ns = (int64_t)usec * 1000;
	return 0;
}

/* The reader's read: non-blocking tries for spin_ns, then poll(2). A
 * signal (libfuse's SIGTERM handler ends the session) during the spin
 * is seen before the poll, one during the poll interrupts it: either way
 * EINTR makes libfuse look whether the session has ended. */
static ssize_t spin_then_sleep(int fd, void *buf, size_t len, bool *queued)
{
	int64_t until = transport_now_ns() + spin_ns;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (*queued = true;; *queued = false) {
		n = read(fd, buf, len);
		if (n >= 0 || errno != EAGAIN)
			return n;
		if (transport_now_ns() < until) {
			sched_yield();
			continue;
		}
		if (fuse_session_exited(session)) {
			errno = EINTR;
			return -1;
		}
		/* unmount wakes it too (POLLERR): the read says ENODEV */
		if (poll(&p, 1, -1) < 0)
			return -1;
	}
}

static void stop_waiting(void *me)
{
	if (watcher == me)
		watcher = NULL;
	pthread_mutex_unlock(&lock);
}

/* Under the lock: wait until this thread may read: as the reader, or
 * (false) as a helper. libfuse cancels its workers at exit in here;
 * stop_waiting then leaves the lock free. */
static bool wait_turn(const void *me)
{
	volatile bool as_reader = true;	/* across the cleanup handler's setjmp */

	pthread_cleanup_push(stop_waiting, (void *)me);
	while (reader) {
		int64_t t = transport_now_ns();
		struct timespec ts;

		if (help_wanted || blocking) {
			help_wanted = false;
			as_reader = false;
			break;
		}
		if (handling && t - handling_since >= TAKEOVER_NS)
			break;	/* the reader is stuck in a slow request */
		if (t - last_request >= IDLE_NS && watcher == me)
			watcher = NULL;	/* idle: the next request wakes one */
		if (watcher != me && (watcher || t - last_request >= IDLE_NS)) {
			pthread_cond_wait(&turn, &lock);
			continue;
		}
		watcher = me;
		t = (handling ? handling_since : t) + TAKEOVER_NS;
		ts.tv_sec = t / 1000000000;
		ts.tv_nsec = t % 1000000000;
		pthread_cond_timedwait(&turn, &lock, &ts);
	}
	if (watcher == me)
		watcher = NULL;
	if (as_reader)
		reader = me;
	pthread_cleanup_pop(0);
	return as_reader;
}

/* Under the lock: the device blocks (all threads read it), or not */
static void set_blocking(bool on)
{
	int fl = fcntl(spin_fd, F_GETFL);

	if (fl < 0 || fcntl(spin_fd, F_SETFL, on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) < 0)
		return;	/* stays as it was: only slower */
	blocking = on;
	if (on)
		pthread_cond_broadcast(&turn);
}

/* Under the lock: this thread took a request; hit: it came while another
 * was in progress. Every WINDOW requests the mode is chosen again. */
static void took_request(bool hit)
{
	bool want;

	busy = true;
	nbusy++;
	win_hits += hit;
	if (++win_n < WINDOW)
		return;
	want = blocking ? win_hits >= WINDOW / 8 : win_hits > WINDOW / 2;
	if (want != blocking) {
		vu_debug(VU_CAT_GENERAL, "spin: %s (%u of %u requests came with another in progress)",
			 want ? "all threads read" : "one reader", win_hits, win_n);
		set_blocking(want);
	}
	win_n = win_hits = 0;
}

/* Under the lock: more requests may be queued than this thread takes */
static void ask_help(void)
{
	if (!help_wanted) {
		help_wanted = true;
		pthread_cond_signal(&turn);
	}
}

ssize_t spinread(int fd, void *buf, size_t len)
{
	const void *me = &self;
	bool queued;
	ssize_t n;
	int err;

	if (fd != spin_fd)
		return read(fd, buf, len);
	pthread_mutex_lock(&lock);
	if (busy) {
		busy = false;
		nbusy--;
	}
	pthread_setspecific(exit_key, me);
	while (reader != me || blocking) {
		/* a helper, a reader that was taken over, or any thread
		 * when the device blocks: take what is queued, else wait
		 * (in the read itself when it blocks) */
		bool others = nbusy > 0, was_blocking = blocking;

		pthread_mutex_unlock(&lock);
		n = read(fd, buf, len);
		if (n >= 0 || errno != EAGAIN) {
			err = errno;
			if (n > 0) {
				pthread_mutex_lock(&lock);
				took_request(others || !was_blocking);
				if (!blocking)
					ask_help();
				pthread_mutex_unlock(&lock);
			}
			errno = err;
			return n;
		}
		pthread_mutex_lock(&lock);
		if (!blocking && wait_turn(me))
			break;
	}
	handling = false;
	pthread_mutex_unlock(&lock);

	n = spin_then_sleep(fd, buf, len, &queued);
	err = errno;

	pthread_mutex_lock(&lock);
	if (n > 0 && reader == me) {
		int64_t t = transport_now_ns();

		/* a new burst: a waiter is to watch again */
		if (t - last_request >= IDLE_NS && !watcher)
			pthread_cond_signal(&turn);
		took_request(queued || nbusy > 0);
		if (queued)
			ask_help();
		handling = true;
		handling_since = last_request = t;
	}
	pthread_mutex_unlock(&lock);
	errno = err;
	return n;
}
