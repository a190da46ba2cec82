// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci_extract — vutar -x --oci DIR[:TAG] -C ROOT. The image is loaded
 * and every blob checked first (oci_image.c); only then is anything
 * written. Plain: the layers applied into ROOT in order, as the OCI
 * spec's layer changesets ask (vuar's --layer: whiteouts remove, opaque
 * markers empty). --stack: each layer extracted as it is into
 * ROOT/layers/NNN, its whiteouts kept as .wh.NAME files (vuovl's lower
 * layer format), and the lowerdir= value printed and kept in
 * ROOT/lowerdir.
 */
#include "config.h"
#include "oci_int.h"
#include "vutar_oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Layer i's tar into dir: the checked blob's fd, by its /proc name, so
 * the file read is the one hashed, whatever DIR holds by now. */
static int apply(const struct oci_layout *l, const struct oci_image *img, int i,
		 const char *dir, const struct vuar_opts *o, const char **msg)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", img->layer_fd[i]);
	r = vuar_extract(path, dir, o, msg);
	if (r < 0)
		return oci_fail(msg, r, "%s: layer %d (sha256:%.12s): %s", l->name, i + 1,
				img->layers[i].hex, *msg ? *msg : strerror(-r));
	return r;
}

/* --oci-config=FILE: the config blob as stored. */
static int save_config(const struct oci_image *img, const char *file, const char **msg)
{
	FILE *f = fopen(file, "we");

	if (!f)
		return oci_fail(msg, -errno, "--oci-config=%s: %s", file, strerror(errno));
	fwrite(img->config_text, 1, img->config_len, f);
	if (fclose(f) != 0)
		return oci_fail(msg, -EIO, "--oci-config=%s: cannot write it", file);
	return 0;
}

/* ROOT's absolute name, fit for a lowerdir= list. */
static int stack_root(const char *root, char abs[PATH_MAX], const char **msg)
{
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return oci_fail(msg, -errno, "%s: cannot create: %s", root, strerror(errno));
	if (!realpath(root, abs))
		return oci_fail(msg, -errno, "%s: %s", root, strerror(errno));
	if (strpbrk(abs, ":,\\"))
		return oci_fail(msg, -EINVAL, "%s: a ':', ',' or '\\' in its path cannot be in "
				"a lowerdir= list", abs);
	if (mkdir(strcat(abs, "/layers"), 0755) < 0)
		return oci_fail(msg, -errno, "%s: %s", abs, errno == EEXIST
				? "exists: --stack fills a new one" : strerror(errno));
	return 0;
}

/* The lowerdir= value, topmost first, to stdout and ROOT/lowerdir. */
static int print_lowerdir(const char *layers, int n, const char **msg)
{
	char *value = NULL, file[PATH_MAX + 16];
	size_t size = 0;
	FILE *m = open_memstream(&value, &size), *f;
	int i;

	if (!m)
		return -ENOMEM;
	for (i = n; i >= 1; i--)
		fprintf(m, "%s%s/%03d", i == n ? "" : ":", layers, i);
	fclose(m);
	snprintf(file, sizeof(file), "%.*s/lowerdir", (int)(strlen(layers) - 7), layers);
	f = fopen(file, "we");
	if (!f || fprintf(f, "%s\n", value) < 0 || fclose(f) != 0) {
		free(value);
		return oci_fail(msg, -EIO, "%s: cannot write it", file);
	}
	printf("%s\n", value);
	free(value);
	return 0;
}

static int stack(const struct oci_layout *l, const struct oci_image *img, const char *root,
		 const struct vuar_opts *o, const char **msg)
{
	char layers[PATH_MAX], dir[PATH_MAX + 8];
	struct vuar_opts o2 = *o;
	int i, r, failed = 0;

	o2.layer = 0;	/* whiteouts stay files: the lower layer's format */
	r = stack_root(root, layers, msg);
	for (i = 0; r >= 0 && i < img->nlayers; i++) {
		snprintf(dir, sizeof(dir), "%s/%03d", layers, i + 1);
		if (mkdir(dir, 0755) < 0)
			return oci_fail(msg, -errno, "%s: %s", dir, strerror(errno));
		r = apply(l, img, i, dir, &o2, msg);
		failed |= r > 0;
	}
	if (r >= 0)
		r = print_lowerdir(layers, img->nlayers, msg);
	return r < 0 ? r : failed;
}

static int flatten(const struct oci_layout *l, const struct oci_image *img, const char *root,
		   const struct vuar_opts *o, const char **msg)
{
	struct vuar_opts o2 = *o;
	int i, r = 0, failed = 0;

	o2.layer = 1;	/* each a changeset over the ones below */
	for (i = 0; r >= 0 && i < img->nlayers; i++) {
		r = apply(l, img, i, root, &o2, msg);
		failed |= r > 0;
	}
	return r < 0 ? r : failed;
}

int oci_extract(const char *dirtag, const char *root, const struct oci_opts *oo,
		const struct vuar_opts *o, const char **msg)
{
	struct oci_layout l;
	struct oci_image img;
	const char *tag;
	char *dir;
	int r = oci_split(dirtag, &dir, &tag);

	if (r < 0)
		return r;
	r = oci_layout_open(dir, false, &l, msg);
	if (r < 0)
		goto out;
	r = oci_image_load(&l, tag, &img, msg);
	if (r < 0)
		goto close;
	if (oo->config)
		r = save_config(&img, oo->config, msg);
	if (r == 0)
		r = oo->stack ? stack(&l, &img, root, o, msg) : flatten(&l, &img, root, o, msg);
	oci_image_release(&img);
close:
	oci_layout_close(&l);
out:
	free(dir);
	return r;
}
