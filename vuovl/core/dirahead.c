// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dirahead — directories resolved ahead of the walk. A walker (find,
 * tar, rm -rf, chown -R) reads a directory, then each subdirectory in
 * turn; each READDIRPLUS waits while the daemon lists the host
 * directories and resolves every entry (stats in each layer, the
 * sidecar), and meanwhile the walker's CPU idles. So the subdirectories
 * a READDIRPLUS hands out are queued, newest first (a depth-first walk
 * reads those next), and one thread builds their listings (v->rd) and
 * resolves their entries into the vnode table before the walker asks:
 * the READDIRPLUS that follows finds them in the table.
 *
 * An entry resolved ahead keeps one lookup count (vo_dirent.pre) until
 * its listing goes: at the reader's end of the listing, or when the
 * directory changed (its version) and a reader rebuilds it. The listing
 * then keeps a ref on its directory (vo_dir.held), so that a directory
 * the kernel forgot stays, with its listing, until then. A directory
 * the kernel keeps the listing of (read to its end at this version)
 * is skipped: no READDIRPLUS would come for it.
 * Owns the queue and the thread.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define DIRAHEAD_QUEUE 1024	/* a power of two */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vnode *q[DIRAHEAD_QUEUE];	/* a deque: head is next */
	size_t head, n;
	_Atomic bool stop;
	bool running;
	pthread_t thread;
} da = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

void dirahead_push(struct vnode **dirs, size_t n)
{
	struct vnode *drop[DIRAHEAD_BATCH];
	size_t i, ndrop = 0;

	pthread_mutex_lock(&da.lock);
	if (!da.running || da.stop) {
		pthread_mutex_unlock(&da.lock);
		for (i = 0; i < n; i++)
			vnode_unref(dirs[i]);
		return;
	}
	/* in front, first child first; a full queue loses its oldest */
	for (i = n; i-- > 0;) {
		if (da.n == DIRAHEAD_QUEUE) {
			drop[ndrop++] = da.q[(da.head + da.n - 1) % DIRAHEAD_QUEUE];
			da.n--;
		}
		da.head = (da.head + DIRAHEAD_QUEUE - 1) % DIRAHEAD_QUEUE;
		da.q[da.head] = dirs[i];
		da.n++;
	}
	pthread_cond_signal(&da.cond);
	pthread_mutex_unlock(&da.lock);
	for (i = 0; i < ndrop; i++)
		vnode_unref(drop[i]);
}

/* Caller holds listing_lock(v). True when the kernel keeps v's
 * listing as it is now. */
static bool kernel_has_listing(struct vnode *v)
{
	unsigned version;

	pthread_mutex_lock(&v->lock);
	version = v->version;
	pthread_mutex_unlock(&v->lock);
	return v->rd_served == version + 1;
}

/* Caller holds a ref on v. */
static void resolve_ahead(struct vnode *v)
{
	pthread_mutex_t *lock = listing_lock(v);
	struct vo_dir *d;
	size_t i;

	pthread_mutex_lock(lock);
	if (kernel_has_listing(v) || listing_fresh(v)) {
		pthread_mutex_unlock(lock);
		return;	/* a reader lists it and reports what fails */
	}
	d = v->rd;
	for (i = 0; i < d->n && !atomic_load_explicit(&da.stop, memory_order_relaxed); i++) {
		struct vo_dirent *e = &d->ents[i];
		struct vnode *c;

		if (e->pre || !strcmp(e->name, ".") || !strcmp(e->name, "..") ||
		    vnode_peek_ino(v, e->name, 0))
			continue;	/* done, or the table has it */
		if (lookup_child(v, e->name, &c))
			continue;	/* the reader tries again */
		e->pre = c;
		if (!d->held) {
			vnode_ref(v);
			d->held = v;
		}
	}
	pthread_mutex_unlock(lock);
}

static void *loop(void *arg)
{
	struct vnode *v;

	(void)arg;
	pthread_mutex_lock(&da.lock);
	for (;;) {
		while (!da.n && !da.stop)
			pthread_cond_wait(&da.cond, &da.lock);
		if (da.stop)
			break;
		v = da.q[da.head];
		da.head = (da.head + 1) % DIRAHEAD_QUEUE;
		da.n--;
		pthread_mutex_unlock(&da.lock);
		resolve_ahead(v);
		vnode_unref(v);
		pthread_mutex_lock(&da.lock);
	}
	pthread_mutex_unlock(&da.lock);
	return NULL;
}

int dirahead_start(void)
{
	int err;

	if (!vo.dirahead || !vo.zero_opendir)
		return 0;	/* only handle-less listings (v->rd) are shared */
	pthread_mutex_lock(&da.lock);
	da.stop = false;
	err = pthread_create(&da.thread, NULL, loop, NULL);
	da.running = !err;
	pthread_mutex_unlock(&da.lock);
	return -err;
}

/* Ends the thread and drops what is queued (unmount). */
void dirahead_stop(void)
{
	size_t i;

	if (!da.running)
		return;
	pthread_mutex_lock(&da.lock);
	atomic_store_explicit(&da.stop, true, memory_order_relaxed);
	pthread_cond_signal(&da.cond);
	pthread_mutex_unlock(&da.lock);
	pthread_join(da.thread, NULL);
	for (i = 0; i < da.n; i++)
		vnode_unref(da.q[(da.head + i) % DIRAHEAD_QUEUE]);
	da.n = 0;
	da.running = false;
}
