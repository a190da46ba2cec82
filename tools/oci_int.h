/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci_int — what tools/oci_*.c share: the layout directory, descriptors,
 * blobs checked against them, the image an index names. Not for vutar.c.
 */
#ifndef VU_OCI_INT_H
#define VU_OCI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "sha256.h"

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define OCI_REF_NAME "org.opencontainers.image.ref.name"
#define OCI_JSON_MAX (4u << 20)		/* an index or manifest: as registries cap them */
#define OCI_CONFIG_MAX (16u << 20)
#define OCI_LAYERS_MAX 500

/* An image layout directory, opened. */
struct oci_layout {
	const char *name;	/* DIR as given, for messages */
	int fd;			/* DIR */
	int blobs;		/* DIR/blobs/sha256, or -1 */
};

/* What a descriptor names; points into the JSON it was read from. */
struct oci_desc {
	const char *media;	/* "" when it gives none */
	char hex[SHA256_HEX_SIZE];
	int64_t size;
	const struct json *json;
};

/* The image an index names, its blobs checked. */
struct oci_image {
	struct json *manifest;
	struct json *config;
	char *config_text;	/* the config blob's bytes, as stored */
	size_t config_len;
	struct oci_desc layers[OCI_LAYERS_MAX];
	int layer_fd[OCI_LAYERS_MAX];	/* each checked, at offset 0 */
	int nlayers;
};

/* *msg = the formatted text (a static buffer); returns err. */
int oci_fail(const char **msg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s from an image, safe to show (vuar_quote); one of two static buffers. */
const char *oci_q(const char *s);

/* "DIR[:TAG]" split at its first ':', as skopeo's oci: transport does.
 * *dir is the caller's to free; *tag points into s (NULL without one). */
int oci_split(const char *s, char **dir, const char **tag);
/* Opens DIR (create: made if missing, with oci-layout and blobs/sha256)
 * and checks its oci-layout. 0 or -errno with *msg. */
int oci_layout_open(const char *dir, bool create, struct oci_layout *l, const char **msg);
void oci_layout_close(struct oci_layout *l);

/* j as a descriptor: digest sha256:<64 lowercase hex> (nothing else
 * ever becomes a file name), a size of 0 or more. 0 or -EINVAL. */
int oci_desc_parse(const struct oci_layout *l, const struct json *j, struct oci_desc *d,
		   const char **msg);
/* The blob d names, opened beneath blobs/sha256 without following a
 * symlink, its size and digest checked: the fd (at offset 0) in *fd. */
int oci_blob_open(const struct oci_layout *l, const struct oci_desc *d, int *fd,
		  const char **msg);
/* The blob d names, checked, no larger than max, read and parsed. Its
 * bytes in *text when text is not NULL (the caller frees). */
int oci_blob_json(const struct oci_layout *l, const struct oci_desc *d, size_t max,
		  struct json **out, char **text, size_t *len, const char **msg);
/* A new file in blobs/sha256 for a blob to come: fd in *fd, its name in
 * tmp (32 bytes). */
int oci_blob_tmp(const struct oci_layout *l, int *fd, char tmp[32], const char **msg);
/* The digest of fd's bytes (all of them), fd left at offset 0. */
int oci_blob_hash(int fd, char hex[SHA256_HEX_SIZE]);
/* The temporary blob tmp (fd, written) hashed, synced and renamed to its
 * digest, never over a different file; its digest and size in d. */
int oci_blob_commit(const struct oci_layout *l, int fd, const char *tmp,
		    struct oci_desc *d, const char **msg);
/* buf stored as a blob; its digest and size in d. */
int oci_blob_put(const struct oci_layout *l, const char *buf, size_t len,
		 struct oci_desc *d, const char **msg);
/* A file at name beneath dfd (no symlink followed), at most max bytes,
 * read whole in *buf ('\0' after it; the caller frees). */
int oci_read_file(int dfd, const char *name, size_t max, char **buf, size_t *len);

/* index.json read (an empty index when absent and missing_ok). */
int oci_index_read(const struct oci_layout *l, bool missing_ok, struct json **out,
		   const char **msg);
/* The image TAG names in DIR's index (the only one without a TAG),
 * through nested indexes to this host's platform; manifest, config and
 * every layer's blob checked, the layers left open. 0 or -errno with *msg
 * (img released then). */
int oci_image_load(const struct oci_layout *l, const char *tag, struct oci_image *img,
		   const char **msg);
void oci_image_release(struct oci_image *img);
/* The host's architecture as Go names it (amd64, arm64...). */
const char *oci_host_arch(void);
/* True for the layer media types vutar can apply. */
bool oci_is_layer_type(const char *media);

#endif
