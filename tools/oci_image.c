// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci_image — the image an index names: the descriptor a TAG chooses,
 * nested indexes followed to this host's platform, then the manifest,
 * the config and every layer, each blob checked before it is believed.
 * Docker's media types (what skopeo and old registries copy) are taken
 * as their OCI equivalents.
 */
#include "config.h"
#include "oci_int.h"
#include "vuar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define NESTING_MAX 4	/* an index within an index... */

const char *oci_host_arch(void)
{
	static const struct { const char *uname, *go; } arch[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i386", "386" },
		{ "i486", "386" }, { "i586", "386" }, { "i686", "386" }, { "armv7l", "arm" },
		{ "armv6l", "arm" }, { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" }, { "mips64", "mips64" }, { "loongarch64", "loong64" },
	};
	static struct utsname u;
	size_t i;

	if (uname(&u) < 0)
		return "amd64";	/* uname does not fail on Linux */
	for (i = 0; i < sizeof(arch) / sizeof(arch[0]); i++)
		if (!strcmp(u.machine, arch[i].uname))
			return arch[i].go;
	return u.machine;
}

bool oci_is_layer_type(const char *media)
{
	static const char *const types[] = {
		OCI_MT_LAYER, OCI_MT_LAYER "+gzip", OCI_MT_LAYER "+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(media, types[i]))
			return true;
	return false;
}

static bool is_index_type(const char *m)
{
	return !strcmp(m, OCI_MT_INDEX) || !strcmp(m, DOCKER_LIST);
}

static bool is_manifest_type(const char *m)
{
	return !strcmp(m, OCI_MT_MANIFEST) || !strcmp(m, DOCKER_MANIFEST);
}

static const char *ref_name(const struct json *desc)
{
	return json_str(json_get(json_get(desc, "annotations"), OCI_REF_NAME));
}

/* How well ref (a ref.name) answers tag: 2 the same, 1 the same image
 * named another way ("latest" or "localhost/x" for "localhost/x:latest"),
 * else 0. */
static int tag_match(const char *ref, const char *tag)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	size_t n = strlen(tag);

	if (!strcmp(ref, tag))
		return 2;
	if (colon && (!slash || colon > slash) && !strcmp(colon + 1, tag))
		return 1;
	if (!strncmp(ref, tag, n) && !strcmp(ref + n, ":latest"))
		return 1;
	return 0;
}

/* The tags of index, for a message (its own buffers: a message quotes
 * the tag with oci_q beside it). */
static const char *tag_list(const struct json *index)
{
	static char buf[512], q[256];
	const struct json *d;
	size_t k = 0;

	buf[0] = '\0';
	for (d = json_get(index, "manifests")->child; d && k < sizeof(buf); d = d->next)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", k ? ", " : "",
				      ref_name(d) ? vuar_quote(ref_name(d), q, sizeof(q))
				      : "(no name)");
	return buf;
}

/* The descriptor in index that tag names (the only one without a tag). */
static int choose_tag(const struct oci_layout *l, const struct json *index, const char *tag,
		      const struct json **out, const char **msg)
{
	const struct json *m = json_get(index, "manifests"), *d, *exact = NULL, *near = NULL;
	int nnear = 0, k;

	if (!tag) {
		if (m->n == 1) {
			*out = m->child;
			return 0;
		}
		return oci_fail(msg, -EINVAL, "%s: %zu images; name one as %s:TAG (%s)",
				l->name, m->n, l->name, m->n ? tag_list(index) : "none");
	}
	for (d = m->child; d; d = d->next) {
		k = ref_name(d) ? tag_match(ref_name(d), tag) : 0;
		if (k == 2 && !exact)
			exact = d;
		if (k == 1 && nnear++ == 0)
			near = d;
	}
	if (exact || nnear == 1) {
		*out = exact ? exact : near;
		return 0;
	}
	return oci_fail(msg, -ENOENT, "%s: %s: %s (%s)", l->name, oci_q(tag),
			nnear ? "names several images" : "no such image", tag_list(index));
}

/* In an image index, the manifest for linux on this host's architecture. */
static int choose_platform(const struct oci_layout *l, const struct json *index,
			   const struct json **out, const char **msg)
{
	const struct json *m = json_get(index, "manifests"), *d, *p;
	const char *arch = oci_host_arch();

	if (!m || m->type != JSON_ARRAY)
		return oci_fail(msg, -EINVAL, "%s: an image index without manifests", l->name);
	for (d = m->child; d; d = d->next) {
		p = json_get(d, "platform");
		if (json_str(json_get(p, "os")) && !strcmp(json_str(json_get(p, "os")), "linux") &&
		    json_str(json_get(p, "architecture")) &&
		    !strcmp(json_str(json_get(p, "architecture")), arch)) {
			*out = d;
			return 0;
		}
	}
	return oci_fail(msg, -ENOENT, "%s: no image for linux/%s in its index", l->name, arch);
}

/* From desc (in index), through indexes, to an image manifest, read and
 * checked, in img->manifest. */
static int find_manifest(const struct oci_layout *l, const struct json *desc,
			 struct oci_image *img, const char **msg)
{
	struct json *index = NULL;
	struct oci_desc d;
	int depth, r;
	const char *mt;

	for (depth = 0; depth <= NESTING_MAX; depth++) {
		r = oci_desc_parse(l, desc, &d, msg);
		if (r < 0)
			break;
		if (is_manifest_type(d.media)) {
			r = oci_blob_json(l, &d, OCI_JSON_MAX, &img->manifest, NULL, NULL, msg);
			break;
		}
		if (!is_index_type(d.media)) {
			r = oci_fail(msg, -EINVAL, "%s: blob sha256:%s: mediaType %s: not an image "
				     "manifest or index", l->name, d.hex, oci_q(d.media));
			break;
		}
		json_free(index);
		index = NULL;
		r = oci_blob_json(l, &d, OCI_JSON_MAX, &index, NULL, NULL, msg);
		if (r == 0)
			r = choose_platform(l, index, &desc, msg);
		if (r < 0)
			break;
	}
	if (depth > NESTING_MAX)
		r = oci_fail(msg, -ELOOP, "%s: indexes nested too deep", l->name);
	mt = json_str(json_get(img->manifest, "mediaType"));
	if (r == 0 && mt && strcmp(mt, d.media))
		r = oci_fail(msg, -EINVAL, "%s: manifest sha256:%s: mediaType %s, its descriptor "
			     "says %s", l->name, d.hex, oci_q(mt), oci_q(d.media));
	json_free(index);
	return r;
}

static bool is_uncompressed(const char *media)
{
	return !strcmp(media, OCI_MT_LAYER) ||
	       !strcmp(media, "application/vnd.oci.image.layer.nondistributable.v1.tar") ||
	       !strcmp(media, "application/vnd.docker.image.rootfs.diff.tar");
}

/* An uncompressed layer's diff_id is its digest, checked already: one
 * that differs is a lie. A compressed layer's is checked once its blob
 * is (check_inflated). */
static int check_diff_ids(const struct oci_layout *l, const struct oci_image *img,
			  const struct json *id, const char **msg)
{
	const char *s;
	int i;

	for (i = 0; i < img->nlayers; i++, id = id->next) {
		s = json_str(id);
		if (!s)
			return oci_fail(msg, -EINVAL, "%s: config: diff_id %d is not a string",
					l->name, i + 1);
		if (is_uncompressed(img->layers[i].media) &&
		    (strncmp(s, "sha256:", 7) || strcmp(s + 7, img->layers[i].hex)))
			return oci_fail(msg, -EINVAL, "%s: config: diff_id %d, %s, is not the digest "
					"of its uncompressed layer", l->name, i + 1, oci_q(s));
	}
	return 0;
}

/* The manifest's config, read and checked; its diff_ids one a layer. */
static int load_config(const struct oci_layout *l, struct oci_image *img, const char **msg)
{
	const struct json *diff;
	struct oci_desc d;
	int r = oci_desc_parse(l, json_get(img->manifest, "config"), &d, msg);

	if (r < 0)
		return r;
	if (strcmp(d.media, OCI_MT_CONFIG) && strcmp(d.media, DOCKER_CONFIG))
		return oci_fail(msg, -EINVAL, "%s: config sha256:%s: mediaType %s: not an image "
				"config", l->name, d.hex, oci_q(d.media));
	r = oci_blob_json(l, &d, OCI_CONFIG_MAX, &img->config, &img->config_text,
			  &img->config_len, msg);
	if (r < 0)
		return r;
	diff = json_get(json_get(img->config, "rootfs"), "diff_ids");
	if (!diff || diff->type != JSON_ARRAY || diff->n != (size_t)img->nlayers)
		return oci_fail(msg, -EINVAL, "%s: config sha256:%s: its rootfs.diff_ids do not "
				"name the manifest's %d layers", l->name, d.hex, img->nlayers);
	return check_diff_ids(l, img, diff->child, msg);
}

/* The manifest's layers: descriptors of known types (not opened yet). */
static int load_layers(const struct oci_layout *l, struct oci_image *img, const char **msg)
{
	const struct json *ls = json_get(img->manifest, "layers"), *e;
	int64_t version;
	int r;

	if (json_int(json_get(img->manifest, "schemaVersion"), &version) < 0 || version != 2 ||
	    !ls || ls->type != JSON_ARRAY)
		return oci_fail(msg, -EINVAL, "%s: a manifest without schemaVersion 2 and layers",
				l->name);
	if (ls->n > OCI_LAYERS_MAX)
		return oci_fail(msg, -E2BIG, "%s: %zu layers, more than %d", l->name, ls->n,
				OCI_LAYERS_MAX);
	for (e = ls->child; e; e = e->next) {
		struct oci_desc *d = &img->layers[img->nlayers];

		r = oci_desc_parse(l, e, d, msg);
		if (r < 0)
			return r;
		if (!oci_is_layer_type(d->media))
			return oci_fail(msg, -EINVAL, "%s: layer sha256:%s: mediaType %s: not a "
					"tar layer vutar can apply", l->name, d->hex, oci_q(d->media));
		img->layer_fd[img->nlayers++] = -1;
	}
	return 0;
}

static int hash_sink(void *arg, const void *buf, size_t len)
{
	sha256_update(arg, buf, len);
	return 0;
}

/* A compressed layer's diff_id (id), checked against what it inflates
 * to: one more pass over it, as podman makes when it pulls. fd is left
 * at offset 0. */
static int check_inflated(const struct oci_layout *l, int i, int fd, const char *id,
			  const char **msg)
{
	char hex[SHA256_HEX_SIZE];
	uint8_t d[SHA256_SIZE];
	struct sha256 s;
	int r;

	sha256_init(&s);
	r = vuar_decompress_fd(fd, hash_sink, &s, msg);
	if (r < 0)
		return oci_fail(msg, r, "%s: layer %d: %s", l->name, i + 1, *msg);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return oci_fail(msg, -errno, "%s: layer %d: %s", l->name, i + 1, strerror(errno));
	sha256_final(&s, d);
	sha256_hex(d, hex);
	if (strncmp(id, "sha256:", 7) || strcmp(id + 7, hex))
		return oci_fail(msg, -EINVAL, "%s: config: diff_id %d, %s, is not the digest "
				"of its uncompressed layer", l->name, i + 1, oci_q(id));
	return 0;
}

/* Each layer's blob checked and left open: nothing is applied until all
 * are good. */
static int open_layers(const struct oci_layout *l, struct oci_image *img, const char **msg)
{
	const struct json *id = json_get(json_get(img->config, "rootfs"), "diff_ids")->child;
	int i, r;

	for (i = 0; i < img->nlayers; i++, id = id->next) {
		r = oci_blob_open(l, &img->layers[i], &img->layer_fd[i], msg);
		if (r == 0 && !is_uncompressed(img->layers[i].media))
			r = check_inflated(l, i, img->layer_fd[i], json_str(id), msg);
		if (r < 0)
			return r;
	}
	return 0;
}

int oci_image_load(const struct oci_layout *l, const char *tag, struct oci_image *img,
		   const char **msg)
{
	const struct json *desc = NULL;
	struct json *index;
	int r;

	memset(img, 0, sizeof(*img));
	r = oci_index_read(l, false, &index, msg);
	if (r < 0)
		return r;
	r = choose_tag(l, index, tag, &desc, msg);
	if (r == 0)
		r = find_manifest(l, desc, img, msg);
	if (r == 0)
		r = load_layers(l, img, msg);
	if (r == 0)
		r = load_config(l, img, msg);
	if (r == 0)
		r = open_layers(l, img, msg);
	json_free(index);
	if (r < 0)
		oci_image_release(img);
	return r;
}

void oci_image_release(struct oci_image *img)
{
	int i;

	for (i = 0; i < img->nlayers; i++)
		if (img->layer_fd[i] >= 0)
			close(img->layer_fd[i]);
	json_free(img->manifest);
	json_free(img->config);
	free(img->config_text);
	memset(img, 0, sizeof(*img));
}
