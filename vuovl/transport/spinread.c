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
 * Two kinds of load are better served by every thread sleeping on the
 * device, as libfuse has it. Programs that keep several requests in
 * flight (parallel readers): each request then wakes a thread at once.
 * And programs that compute between requests on every CPU (make -j):
 * their next request comes after the spin has ended, and the spin took
 * its CPU time from them. A single program that computes between
 * requests (python's imports, dpkg) loses nothing to the spin, as a CPU
 * is free for it. So every WINDOW requests the mode is chosen again
 * from how many of them came while another was in progress, and how
 * many came more than the spin after the daemon fell idle while at
 * least as many tasks ran as there are CPUs (/proc/loadavg, this thread
 * and the one the reply wakes included): more than half of the first or
 * a quarter of the second, and the device is made blocking and all
 * threads read it; under an eighth of each, and it is back to one
 * reader.
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
#include <stdlib.h>
#include <string.h>
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
static unsigned win_late;	/* requests a spin missed, with every CPU wanted */
static int64_t idle_since;	/* when the last busy thread was done */
static __thread bool busy;	/* this thread handles a request */
static bool handling;		/* the reader is handling a request... */
static int64_t handling_since;	/* ...since then */
static int64_t last_request;
static struct fuse_session *session;
static int spin_fd = -1;
static int loadavg_fd = -1;	/* /proc/loadavg, if it can be read */
static long wanted_at;		/* tasks running that want every CPU */
static int64_t spin_ns;
static __thread char self;	/* its address names the thread */

/* Under the lock: this thread is done with its request, if it had one */
static void done_request(void)
{
	if (busy) {
		busy = false;
		if (!--nbusy)
			idle_since = transport_now_ns();
	}
}

/* libfuse ends surplus workers after a request: the reader may be one */
static void thread_exit(void *me)
{
	pthread_mutex_lock(&lock);
	done_request();
	if (reader == me) {
		reader = NULL;
		pthread_cond_signal(&turn);
	}
	pthread_mutex_unlock(&lock);
}

int spinread_init(struct fuse_session *se, int fd, unsigned usec)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_condattr_t ca;
	const char *env;
	char *end;
	int fl, err;

	/* on one CPU the spinning would only delay the program it waits for */
	if (!usec || ncpu < 2)
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
	/* without it, a spin is never thought to take CPU time from others */
	loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	wanted_at = ncpu;
	if ((env = getenv("VUOVL_SPIN_CPUS")) && *env) {
		long v = strtol(env, &end, 10);

		if (!*end && v > 0)
			wanted_at = v;
	}
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

/* Whether at least as many tasks run now as there are CPUs (or as
 * VUOVL_SPIN_CPUS says), this thread included: then the caller this
 * request woke will want a CPU too, and a spin after the reply would
 * take one from somebody (0.8 us a read). The fourth field of
 * /proc/loadavg is "running/total". */
static bool cpus_wanted(void)
{
	char buf[128], *p = buf;
	ssize_t n;
	int i;

	if (loadavg_fd < 0 || (n = pread(loadavg_fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return false;
	buf[n] = '\0';
	for (i = 0; i < 3 && p; i++)
		if ((p = strchr(p, ' ')))
			p++;
	return p && strtol(p, NULL, 10) >= wanted_at;
}

/* Under the lock: this thread took a request at t; hit: it came while
 * another was in progress. Every WINDOW requests the mode is chosen
 * again. */
static void took_request(bool hit, int64_t t)
{
	unsigned crowd, late;

	if (!hit && !nbusy && t - idle_since > spin_ns && cpus_wanted())
		win_late++;
	busy = true;
	nbusy++;
	win_hits += hit;
	if (++win_n < WINDOW)
		return;
	crowd = blocking ? WINDOW / 8 : WINDOW / 2;
	late = blocking ? WINDOW / 8 : WINDOW / 4;
	if ((win_hits > crowd || win_late > late) != blocking) {
		vu_debug(VU_CAT_GENERAL, "spin: %s (of %u requests %u came with another in progress, %u after a spin with every CPU wanted)",
			 blocking ? "one reader" : "all threads read", win_n, win_hits, win_late);
		set_blocking(!blocking);
	}
	win_n = win_hits = win_late = 0;
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
	done_request();
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
				took_request(others || !was_blocking, transport_now_ns());
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
		took_request(queued || nbusy > 0, t);
		if (queued)
			ask_help();
		handling = true;
		handling_since = last_request = t;
	}
	pthread_mutex_unlock(&lock);
	errno = err;
	return n;
}
