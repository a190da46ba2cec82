// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ops_passthrough — which opens the kernel passes through (-o
 * passthrough; transport/passthrough.c registers the backing files).
 *
 * The kernel keeps one backing file per inode while any passthrough open
 * of it lasts, and refuses to mix passthrough and ordinary opens of one
 * inode. So per vnode every open is of one kind, and a copy-up (whose
 * new data would need another backing) waits for the old opens to
 * close: until then it fails with ETXTBSY (copyup.c).
 */
#include "config.h"
#include "ops.h"

#include <errno.h>

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
		if (transport_backing_usable() && v->dlayer == layer)
			id = transport_backing_open(fd);
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
	if (id > 0)
		transport_backing_close(id);
}
