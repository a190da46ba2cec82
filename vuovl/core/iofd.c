// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iofd — the host fds reads and writes go through when the kernel opens
 * files without asking the daemon (-o noopen, the default: OPEN answered
 * ENOSYS once, so no OPEN and no RELEASE round trip per open(2); every
 * READ and WRITE then carries no file handle).
 *
 * A vnode keeps at most one cached fd, on its data layer: read-only
 * until a write needs it read-write (the write copies the file up
 * first, as an open for writing did). A copy-up moves the data layer,
 * and the next request opens the new copy. Files of a rule's host path,
 * which others change too, are opened for each request. A stat that
 * finds another host file under the name (a live upper changed from
 * outside) drops the old one's fd (iofd_check). The cache holds at most
 * `cap` fds (from RLIMIT_NOFILE), oldest out first, except pins: an fd
 * taken before the file's name goes (unlink, rename over), which open
 * files keep reading and writing until the kernel forgets the inode.
 *
 * Users hold a reference while they use an fd: eviction and forget only
 * detach an entry, and its last user closes it.
 *
 * Lock: io_lock protects every vnode's io pointer and every entry. It
 * is a leaf: nothing else is taken, and no system call made, under it.
 */
#include "config.h"
#include "core.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

struct iofd {
	int fd;
	int layer;		/* the layer of the host copy it is open on */
	bool rw;
	ino_t hino;		/* the host file's inode when opened */
	bool pinned;		/* taken before the name went: never evicted */
	bool dead;		/* detached: the last put closes it */
	unsigned refs;		/* users */
	struct vnode *v;	/* NULL once detached */
	struct iofd *prev, *next;	/* the eviction list, oldest first */
};

/* The layer holding v's data (moves on copy-up, under v->lock). */
static int data_layer(struct vnode *v)
{
	return atomic_load_explicit(&v->dlayer, memory_order_acquire);
}

static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iofd *head, *tail;
static size_t count, cap = 4096;

void iofd_init(void)
{
	struct rlimit rl;

	/* a quarter of what the process may open, for the cache; the rest
	 * for directories' fds, sidecars and per-request opens */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < cap)
		cap = rl.rlim_cur / 4 > 16 ? rl.rlim_cur / 4 : 16;
}

static void list_del(struct iofd *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else if (head == h)
		head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	else if (tail == h)
		tail = h->prev;
	h->prev = h->next = NULL;
}

static void list_add(struct iofd *h)
{
	h->prev = tail;
	h->next = NULL;
	if (tail)
		tail->next = h;
	else
		head = h;
	tail = h;
}

/* Under io_lock: h leaves its vnode and the list; returns it when it is
 * to be closed now (no user), else NULL (its last put closes it). */
static struct iofd *detach(struct iofd *h)
{
	if (h->v) {
		h->v->io = NULL;
		h->v = NULL;
	}
	if (!h->pinned)
		count--;
	list_del(h);
	h->dead = true;
	return h->refs ? NULL : h;
}

static void destroy(struct iofd *h)
{
	if (h) {
		close(h->fd);
		free(h);
	}
}

/* Under io_lock: v's entry, when it serves this request. */
static struct iofd *usable(struct vnode *v, bool write)
{
	struct iofd *h = v->io;

	if (!h || (write && !h->rw))
		return NULL;
	/* a pin outlives the name: it is the file, whatever layer */
	if (!h->pinned && h->layer != data_layer(v))
		return NULL;
	return h;
}

/* A write to a lower file whose name went while it was open (read-only
 * pin): its data is copied into an unnamed file of the write layer, which
 * the open files then share, as a copy-up at open would have given them. */
static int copy_unlinked(struct vnode *v, int *layer)
{
	int wl = v->scope->wlayer, workfd = vo.layers[wl].workfd, fd, err = 0;
	struct iofd *src;
	struct stat st;
	off_t off = 0;

	pthread_mutex_lock(&io_lock);
	src = v->io;
	if (src)
		src->refs++;
	pthread_mutex_unlock(&io_lock);
	if (!src)
		return -ESTALE;	/* unlinked and never pinned: nothing to read */
	fd = workfd < 0 ? -EROFS : openat(workfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1)
		err = -errno;
	else if (fd < 0)
		err = fd;
	else if (fstat(src->fd, &st) < 0)
		err = -errno;
	while (!err && off < st.st_size) {
		ssize_t n = copy_file_range(src->fd, &off, fd, NULL, st.st_size - off, 0);

		if (n < 0)
			err = -errno;
		else if (n == 0)
			break;
	}
	iofd_put(src);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	*layer = wl;
	return fd;
}

/* Opens v's data for a request: for writing, a lower file is copied up
 * first (or, with mincow, written in place where the host allows). */
static int open_data(struct vnode *v, bool write, int *layer)
{
	int l = data_layer(v), fd, err;

	if (!write) {
		*layer = l;
		return vnode_open_host(v, l, O_RDONLY, 0);
	}
	if (vnode_ro(v))
		return -EROFS;
	if (vnode_is_unlinked(v))
		return copy_unlinked(v, layer);
	if (vo.layers[l].mincow && l != 0 &&
	    (fd = vnode_open_host(v, l, O_RDWR, 0)) >= 0) {
		*layer = l;
		return fd;
	}
	err = copyup_data(v);
	if (err)
		return err;
	*layer = data_layer(v);
	return vnode_open_host(v, *layer, O_RDWR, 0);
}

/* Installs fd as v's entry (pinned or cached) with one user when
 * `use`; returns the entry serving the caller, or NULL on ENOMEM (fd
 * closed). Evicts the oldest entries beyond the cap. */
static struct iofd *install(struct vnode *v, int fd, int layer, bool rw, bool pin, bool use)
{
	struct iofd *h = calloc(1, sizeof(*h)), *old, *dead[4] = { NULL };
	int ndead = 0;
	struct stat st;

	if (!h) {
		close(fd);
		return NULL;
	}
	h->hino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	h->fd = fd;
	h->layer = layer;
	h->rw = rw;
	h->pinned = pin;
	h->refs = use;
	pthread_mutex_lock(&io_lock);
	old = v->io;
	if (old && !pin && usable(v, rw) == old) {
		/* another request opened it meanwhile: that one */
		old->refs += use;
		pthread_mutex_unlock(&io_lock);
		destroy(h);
		return old;
	}
	if (old) {
		/* a pin stays a pin: the new fd is on the same file */
		h->pinned |= old->pinned;
		dead[ndead++] = detach(old);
	}
	h->v = v;
	v->io = h;
	list_add(h);
	if (!h->pinned)
		count++;
	for (struct iofd *e = head; e && count > cap && ndead < 4;) {
		struct iofd *next = e->next;

		if (!e->pinned && e != h)
			dead[ndead++] = detach(e);
		e = next;
	}
	pthread_mutex_unlock(&io_lock);
	for (int i = 0; i < ndead; i++)
		destroy(dead[i]);
	return h;
}

/* An entry of no vnode, for one user: closed by its put. */
static struct iofd *transient(int fd)
{
	struct iofd *h = calloc(1, sizeof(*h));

	if (!h) {
		close(fd);
		return NULL;
	}
	h->fd = fd;
	h->dead = true;
	h->refs = 1;
	return h;
}

int iofd_get(struct vnode *v, bool write, struct iofd **out)
{
	struct iofd *h;
	int fd, layer = 0;

	pthread_mutex_lock(&io_lock);
	h = usable(v, write);
	if (h)
		h->refs++;
	pthread_mutex_unlock(&io_lock);
	if (!h) {
		fd = open_data(v, write, &layer);
		if (fd < 0)
			return fd;
		if (layer >= vo.nstack)
			/* a rule's host path, which others change too: opened
			 * for this request alone, as an OPEN would each time */
			h = transient(fd);
		else
			/* an unnamed copy (copy_unlinked) is a pin: nothing
			 * else reaches it */
			h = install(v, fd, layer, write, write && vnode_is_unlinked(v), true);
		if (!h)
			return -ENOMEM;
	}
	*out = h;
	return h->fd;
}

void iofd_put(struct iofd *h)
{
	bool last;

	if (!h)
		return;
	pthread_mutex_lock(&io_lock);
	last = --h->refs == 0 && h->dead;
	pthread_mutex_unlock(&io_lock);
	if (last)
		destroy(h);
}

void iofd_offer(struct vnode *v, int fd, bool rw)
{
	if (data_layer(v) >= vo.nstack)
		close(fd);	/* a rule's host path: never cached */
	else
		/* on ENOMEM install closes fd: the next request opens one */
		install(v, fd, data_layer(v), rw, false, false);
}

int iofd_pin(struct vnode *v, int fd, int layer, bool rw)
{
	struct iofd *h;

	pthread_mutex_lock(&io_lock);
	h = v->io;
	if (h && h->layer == layer && (h->rw || !rw)) {
		/* the cached one serves: it stays, as a pin */
		if (!h->pinned)
			count--;
		h->pinned = true;
		pthread_mutex_unlock(&io_lock);
		close(fd);
		return 0;
	}
	pthread_mutex_unlock(&io_lock);
	return install(v, fd, layer, rw, true, false) ? 0 : -ENOMEM;
}

void iofd_check(struct vnode *v, ino_t hino)
{
	struct iofd *h = NULL;

	pthread_mutex_lock(&io_lock);
	if (v->io && !v->io->pinned && v->io->hino != hino)
		h = detach(v->io);
	pthread_mutex_unlock(&io_lock);
	destroy(h);
}

void iofd_forget(struct vnode *v)
{
	struct iofd *h = NULL;

	pthread_mutex_lock(&io_lock);
	if (v->io)
		h = detach(v->io);
	pthread_mutex_unlock(&io_lock);
	destroy(h);
}
