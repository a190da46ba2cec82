// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * durable — when copied-up data reach the disk. A copy-up made for a
 * write is published at once (renamed into place) but keeps the
 * placeholder mark (the host sticky bit: "the data are below", see
 * lookup.c) until a batch sync of its layer made its data durable; then
 * the mark goes. A crash before that shows the lower file as it was,
 * never a half-written copy; fsync through the view makes one file
 * durable at once. One fsync per copy-up cost more than the copy itself
 * for small files: a batch costs one syncfs a second (the last batch, if
 * small, an fsync per copy).
 * Owns the list of unsynced copies (each holds a vnode ref) and the
 * thread that syncs them.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DURABLE_BATCH 4096	/* a sync sooner than the second */
/* A syncfs waits for every writer of the file system. At the end of a
 * view, which its user waits for, a few copies left are synced one by
 * one instead: on a disk busy with others' data (another build) that
 * takes milliseconds, not seconds. */
#define DURABLE_FSYNC_MAX 32

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vnode **v;
	size_t n, cap;
	bool stop, running;
	pthread_t thread;
} d = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

int durable_add(struct vnode *v)
{
	pthread_mutex_lock(&d.lock);
	if (d.n == d.cap) {
		size_t cap = d.cap ? d.cap * 2 : 256;
		struct vnode **nv = realloc(d.v, cap * sizeof(*nv));

		if (!nv) {
			pthread_mutex_unlock(&d.lock);
			return -ENOMEM;
		}
		d.v = nv;
		d.cap = cap;
	}
	vnode_ref(v);
	d.v[d.n++] = v;
	if (d.n >= DURABLE_BATCH)
		pthread_cond_signal(&d.cond);
	pthread_mutex_unlock(&d.lock);
	return 0;
}

/* Caller holds v->lock; v's data are durable: the mark goes. */
static int clear_mark(struct vnode *v)
{
	struct stat st;
	int fd, err = 0;

	if (!v->unsynced)
		return 0;
	v->unsynced = false;
	if (v->layer != 0 || v->dlayer != 0)
		return 0;
	fd = vnode_open_host(v, 0, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)	/* removed meanwhile: nothing left to mark */
		return fd == -ESTALE || fd == -ENOENT ? 0 : fd;
	if (fstat(fd, &st) < 0 ||
	    ((st.st_mode & S_ISVTX) && fchmod(fd, st.st_mode & 07777 & ~S_ISVTX) < 0))
		err = -errno;
	close(fd);
	return err;
}

/* syncfs wants a real descriptor: the layer's is O_PATH. 0 or -errno
 * (saved before the close, which may change errno). */
static int sync_layer(int l)
{
	int fd = openat(vo.layers[l].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syncfs(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Caller holds v->lock: v's data durable by an fsync of its own, then
 * the mark goes. */
static int sync_one(struct vnode *v)
{
	int fd, err = 0;

	if (!v->unsynced || v->layer != 0 || v->dlayer != 0)
		return clear_mark(v);
	fd = vnode_open_host(v, 0, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)	/* removed meanwhile: no name a crash could show */
		return fd == -ESTALE || fd == -ENOENT ? (v->unsynced = false, 0) : fd;
	if (fdatasync(fd) < 0)
		err = -errno;
	close(fd);
	return err ? err : clear_mark(v);
}

/* One syncfs per write layer of the batch v: false if one failed. */
static bool sync_layers(struct vnode **v, size_t n)
{
	bool *synced = calloc(vo.nlayers, sizeof(*synced)), ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		int l = v[i]->scope->wlayer, err;

		if (synced && synced[l])
			continue;
		err = sync_layer(l);
		if (err < 0) {
			vu_err("cannot sync the layer %s: %s (its copies keep their "
			       "placeholder mark)", vo.layers[l].path, strerror(-err));
			ok = false;
		}
		if (synced)
			synced[l] = true;
	}
	free(synced);
	return ok;
}

static void flush_batch(bool last)
{
	struct vnode **v;
	size_t n, i;
	bool each, synced;

	pthread_mutex_lock(&d.lock);
	v = d.v;
	n = d.n;
	d.v = NULL;
	d.n = d.cap = 0;
	pthread_mutex_unlock(&d.lock);
	if (!n)
		return;
	/* the last batch, when small: each copy synced on its own */
	each = last && n <= DURABLE_FSYNC_MAX;
	synced = !each && sync_layers(v, n);
	for (i = 0; i < n; i++) {
		int err = 0;

		pthread_mutex_lock(&v[i]->lock);
		if (each)
			err = sync_one(v[i]);
		else if (synced)
			err = clear_mark(v[i]);
		pthread_mutex_unlock(&v[i]->lock);
		if (err)
			vu_warn("cannot make a copy durable or clear its placeholder mark: %s",
				strerror(-err));
		vnode_unref(v[i]);
	}
	free(v);
}

static void *loop(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&d.lock);
	while (!d.stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&d.cond, &d.lock, &ts);
		if (d.stop)
			break;	/* the last batch is durable_stop's */
		pthread_mutex_unlock(&d.lock);
		flush_batch(false);
		pthread_mutex_lock(&d.lock);
	}
	pthread_mutex_unlock(&d.lock);
	return NULL;
}

int durable_start(void)
{
	int err;

	if (d.running)
		return 0;
	err = pthread_create(&d.thread, NULL, loop, NULL);
	if (err)
		return -err;
	d.running = true;
	return 0;
}

void durable_stop(void)
{
	if (d.running) {
		pthread_mutex_lock(&d.lock);
		d.stop = true;
		pthread_cond_signal(&d.cond);
		pthread_mutex_unlock(&d.lock);
		pthread_join(d.thread, NULL);
		d.running = false;
	}
	flush_batch(true);
}

int durable_sync(struct vnode *v)
{
	size_t i;
	bool found = false, still;
	int fd, err = 0;

	pthread_mutex_lock(&v->lock);
	if (v->unsynced) {
		fd = vnode_open_host(v, 0, O_RDONLY | O_NONBLOCK, 0);
		if (fd == -ESTALE) {
			/* unlinked while open: no name a crash could show (a
			 * copy made for a write is linked only once synced) */
			v->unsynced = false;
			err = 0;
		} else if (fd < 0) {
			err = fd;
		} else {
			if (fsync(fd) < 0)
				err = -errno;
			close(fd);
		}
		if (!err)
			err = clear_mark(v);
		/* the cleared mark is metadata the fsync promised too */
		if (!err && (fd = vnode_open_host(v, 0, O_RDONLY | O_NONBLOCK, 0)) >= 0) {
			if (fsync(fd) < 0)
				err = -errno;
			close(fd);
		}
	}
	still = v->unsynced;
	pthread_mutex_unlock(&v->lock);
	if (still)
		return err;	/* the batch retries it */
	pthread_mutex_lock(&d.lock);
	for (i = 0; i < d.n; i++)
		if (d.v[i] == v) {
			d.v[i] = d.v[--d.n];
			found = true;
			break;
		}
	pthread_mutex_unlock(&d.lock);
	if (found)
		vnode_unref(v);
	return err;
}
