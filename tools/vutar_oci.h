/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vutar_oci — vutar's --oci: an OCI image layout (a directory with
 * oci-layout, index.json and blobs/sha256/) read into a root file system
 * or a stack of layers, and a directory packed into one as an image.
 * What the options mean is in vutar(1), "OCI IMAGE LAYOUTS".
 */
#ifndef VU_VUTAR_OCI_H
#define VU_VUTAR_OCI_H

#include <stdbool.h>

#include "vuar.h"

struct oci_opts {
	bool stack;		/* -x --stack: each layer in ROOT/layers/NNN */
	const char *config;	/* -x --oci-config=FILE: the image config saved */
	const char *base;	/* -c --oci-base=TAG0: the image built upon */
	bool layer;		/* -c --layer: SRC is an upper layer */
	/* -c: what packs the layer in place of vuar_create(archive, src,
	 * SRC's entries...) when set (vutar -c --layer -o lowerdir=: the
	 * diff read through the view, vutar_view.h); arg is pack_arg */
	int (*pack)(void *arg, const char *archive, const char *src,
		    const struct vuar_opts *o, const char **msg);
	void *pack_arg;
};

/* -x --oci DIR[:TAG] -C ROOT. Every blob the image needs is checked
 * (digest, size) before anything is applied. 0 when every entry went
 * well, 1 when some entry was reported (o->report), -errno with *msg
 * when the image or ROOT cannot be used. */
int oci_extract(const char *dirtag, const char *root, const struct oci_opts *oo,
		const struct vuar_opts *o, const char **msg);
/* -c --oci DIR:TAG -C SRC: SRC packed as one layer (over TAG0's with
 * --oci-base), and DIR's index naming the image TAG. 0, or -errno with
 * *msg (no image named then; blobs written stay, unreferenced). */
int oci_create(const char *dirtag, const char *src, const struct oci_opts *oo,
	       const struct vuar_opts *o, const char **msg);

#endif
