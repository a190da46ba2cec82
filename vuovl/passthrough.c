/*
 * passthrough — -o passthrough: the kernel reads and writes an open
 * file's host copy itself (FUSE passthrough, Linux 6.9+), so READ and
 * WRITE never reach the daemon. devio.c negotiates it and marks the
 * open replies; here each open gets its backing file.
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
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct pt_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define PT_IOC_BACKING_OPEN _IOW(229, 1, struct pt_backing_map)
#define PT_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

static atomic_bool pt_failed;	/* registering does not work here */

/* Caller holds v->lock. The first open of v: registers fd. */
static int32_t backing_open(int fd)
{
	struct pt_backing_map map = { .fd = fd };
	int id = ioctl(devio_fd(), PT_IOC_BACKING_OPEN, &map);

	if (id > 0)
		return id;
	if (errno == EPERM || errno == ENOTTY) {
		/* not root, or a kernel without it: say it once */
		if (!atomic_exchange(&pt_failed, true))
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
		if (devio_passthrough() && !atomic_load(&pt_failed) && v->dlayer == layer)
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
		devio_reply_backing(id);
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
	if (id > 0 && ioctl(devio_fd(), PT_IOC_BACKING_CLOSE, &id) < 0)
		vu_debug(VU_CAT_FILE, "passthrough: closing backing %u: %s", id,
			 strerror(errno));
}

/* A close sends RELEASE in the background: the open that follows it
 * can reach the daemon first, on another thread or another CPU's ring.
 * Only a copy-up that finds passthrough opens waits, a few ms at most. */
#define SETTLE_TRIES 50
#define SETTLE_NS 1000000L

void pt_settle(struct vnode *v)
{
	int i;

	for (i = 0; i < SETTLE_TRIES; i++) {
		bool busy;

		pthread_mutex_lock(&v->lock);
		busy = pt_busy(v);
		pthread_mutex_unlock(&v->lock);
		if (!busy)
			return;
		nanosleep(&(struct timespec){ 0, SETTLE_NS }, NULL);
	}
}
