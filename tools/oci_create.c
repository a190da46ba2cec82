// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci_create — vutar -c --oci DIR:TAG -C SRC [--oci-base=TAG0]. In order:
 * the layer (SRC packed by vuar_create: pax, names sorted; its diff_id is
 * the digest of that tar, then compressed with -z or --zstd into the
 * blob), the config, the manifest, each stored as
 * a blob (oci_blob.c), and last index.json replaced whole by a rename:
 * until then no image is named, and a failure leaves DIR's index as it
 * was. The layout is locked (flock on DIR) from index read to index
 * written, so two runs do not lose each other's tag.
 */
#include "config.h"
#include "oci_int.h"
#include "vutar_oci.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* What one run builds. */
struct build {
	struct oci_layout l;
	const char *tag;
	const struct oci_image *base;	/* NULL without --oci-base */
	struct oci_desc layer, config, manifest;
	char diff_id[SHA256_HEX_SIZE];	/* the layer's before compression */
	const char *layer_media;
	char created[32];		/* RFC 3339 */
	char **names;			/* SRC's entries */
	int nnames;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SRC's entries but the sidecar, sorted: a layer's names are relative,
 * with no "./" before them (vuar_create writes "./x" for "."). */
static int list_src(struct build *b, const char *src, const char **msg)
{
	DIR *d = opendir(src);
	struct dirent *e;
	char **v;

	if (!d)
		return oci_fail(msg, -errno, "cannot open directory %s: %s", src, strerror(errno));
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".vuovl"))
			continue;
		v = realloc(b->names, (size_t)(b->nnames + 1) * sizeof(*v));
		if (!v || !(v[b->nnames] = strdup(e->d_name))) {
			b->names = v ? v : b->names;
			closedir(d);
			return -ENOMEM;
		}
		b->names = v;
		b->nnames++;
	}
	closedir(d);
	if (b->nnames)
		qsort(b->names, (size_t)b->nnames, sizeof(*b->names), cmp_names);
	return 0;
}

/* The tar in *fd (blob tmp) hashed for its diff_id, then compressed into
 * a new temporary blob that takes its place in *fd and tmp. */
static int compress_layer(struct build *b, int *fd, char tmp[32], enum vuar_filter f,
			  const char **msg)
{
	char ztmp[32];
	int zfd, r = oci_blob_hash(*fd, b->diff_id);

	if (r < 0) {
		unlinkat(b->l.blobs, tmp, 0);	/* nothing names it */
		return oci_fail(msg, r, "%s: cannot read the layer back: %s", b->l.name,
				strerror(-r));
	}
	r = oci_blob_tmp(&b->l, &zfd, ztmp, msg);
	if (r == 0 && (r = vuar_compress_fd(*fd, zfd, f, msg)) < 0) {
		unlinkat(b->l.blobs, ztmp, 0);
		close(zfd);
		r = oci_fail(msg, r, "%s: the layer: %s", b->l.name, *msg);
	}
	unlinkat(b->l.blobs, tmp, 0);	/* the tar: only its digest is kept */
	close(*fd);
	*fd = -1;
	if (r < 0)
		return r;
	*fd = zfd;
	memcpy(tmp, ztmp, 32);
	b->layer_media = f == VUAR_FILTER_GZIP ? OCI_MT_LAYER "+gzip" : OCI_MT_LAYER "+zstd";
	return 0;
}

static int make_layer(struct build *b, const char *src, const struct oci_opts *oo,
		      const struct vuar_opts *o, const char **msg)
{
	struct vuar_opts o2 = *o;
	char tmp[32], path[64];
	int fd, r = list_src(b, src, msg);

	if (r < 0)
		return r;
	o2.format = VUAR_PAX;
	o2.filter = VUAR_FILTER_NONE;
	o2.sort = VUAR_SORT_NAME;
	o2.layer = oo->layer;
	r = oci_blob_tmp(&b->l, &fd, tmp, msg);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = oo->pack ? oo->pack(oo->pack_arg, path, src, &o2, msg)
		     : vuar_create(path, src, b->names, b->nnames, &o2, msg);
	if (r != 0) {
		unlinkat(b->l.blobs, tmp, 0);	/* nothing names it */
		close(fd);
		return r < 0 ? r : oci_fail(msg, -EIO, "%s: some files could not be packed: "
					    "no image made", src);
	}
	if (o->filter == VUAR_FILTER_GZIP || o->filter == VUAR_FILTER_ZSTD)
		r = compress_layer(b, &fd, tmp, o->filter, msg);
	else
		b->layer_media = OCI_MT_LAYER;
	if (r == 0)
		r = oci_blob_commit(&b->l, fd, tmp, &b->layer, msg);
	if (fd >= 0)
		close(fd);
	b->layer.media = b->layer_media;
	if (r == 0 && !b->layer_media[strlen(OCI_MT_LAYER)])
		memcpy(b->diff_id, b->layer.hex, sizeof(b->diff_id));
	return r;
}

/* A descriptor: {"mediaType":...,"digest":...,"size":...}. */
static void put_desc(FILE *f, const char *media, const struct oci_desc *d)
{
	fprintf(f, "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%lld", media, d->hex,
		(long long)d->size);
}

/* The history entry and the diff_id of the new layer, after the base's. */
static void put_rootfs(FILE *f, const struct build *b)
{
	const struct json *ids = b->base ? json_get(json_get(b->base->config, "rootfs"),
						    "diff_ids") : NULL, *e;

	fputs("{\"type\":\"layers\",\"diff_ids\":[", f);
	for (e = ids ? ids->child : NULL; e; e = e->next) {
		json_write(f, e);
		fputc(',', f);
	}
	fprintf(f, "\"sha256:%s\"]}", b->diff_id);
}

static void put_history(FILE *f, const struct build *b, const struct json *old)
{
	const struct json *e;

	fputc('[', f);
	for (e = old && old->type == JSON_ARRAY ? old->child : NULL; e; e = e->next) {
		json_write(f, e);
		fputc(',', f);
	}
	fprintf(f, "{\"created\":\"%s\",\"created_by\":\"vutar -c --oci\"}]", b->created);
}

/* The config: the base's (Env, Cmd, Entrypoint... kept) with created,
 * rootfs and history brought up to date; or a new one for this host. */
static void put_config(FILE *f, const struct build *b)
{
	const struct json *m;

	if (!b->base) {
		fprintf(f, "{\"created\":\"%s\",\"architecture\":\"%s\",\"os\":\"linux\","
			"\"config\":{},\"rootfs\":", b->created, oci_host_arch());
		put_rootfs(f, b);
		fputs(",\"history\":", f);
		put_history(f, b, NULL);
		fputc('}', f);
		return;
	}
	fputc('{', f);
	for (m = b->base->config->child; m; m = m->next) {
		if (m != b->base->config->child)
			fputc(',', f);
		json_write_string(f, m->key);
		fputc(':', f);
		if (!strcmp(m->key, "created"))
			fprintf(f, "\"%s\"", b->created);
		else if (!strcmp(m->key, "rootfs"))
			put_rootfs(f, b);
		else if (!strcmp(m->key, "history"))
			put_history(f, b, m);
		else
			json_write(f, m);
	}
	fputc('}', f);
}

/* A base layer's type in an OCI manifest: Docker's named as OCI's. */
static const char *oci_layer_type(const char *media)
{
	if (!strcmp(media, "application/vnd.docker.image.rootfs.diff.tar.gzip"))
		return OCI_MT_LAYER "+gzip";
	if (!strcmp(media, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
		return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
	if (!strcmp(media, "application/vnd.docker.image.rootfs.diff.tar"))
		return OCI_MT_LAYER;
	return media;
}

/* A base layer's descriptor as it was (annotations, urls kept). */
static void put_base_layer(FILE *f, const struct oci_desc *d)
{
	const struct json *m;

	fputc('{', f);
	for (m = d->json->child; m; m = m->next) {
		if (m != d->json->child)
			fputc(',', f);
		json_write_string(f, m->key);
		fputc(':', f);
		if (!strcmp(m->key, "mediaType"))
			json_write_string(f, oci_layer_type(d->media));
		else
			json_write(f, m);
	}
	fputc('}', f);
}

static void put_manifest(FILE *f, const struct build *b)
{
	int i;

	fputs("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":", f);
	put_desc(f, OCI_MT_CONFIG, &b->config);
	fputs("},\"layers\":[", f);
	for (i = 0; b->base && i < b->base->nlayers; i++) {
		put_base_layer(f, &b->base->layers[i]);
		fputc(',', f);
	}
	put_desc(f, b->layer_media, &b->layer);
	fputs("}]}", f);
}

/* One blob made by put(f, b), stored; its descriptor in d. */
static int put_blob(struct build *b, void (*put)(FILE *, const struct build *),
		    struct oci_desc *d, const char **msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	put(f, b);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	r = oci_blob_put(&b->l, buf, len, d, msg);
	free(buf);
	return r;
}

/* The new index: the old one's descriptors but the one named TAG, then
 * the new image's; its other members kept. */
static int put_index(FILE *f, const struct build *b, const struct json *old)
{
	const struct json *m, *d;
	const char *ref;

	fputs("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\"", f);
	for (m = old->child; m; m = m->next) {
		if (!strcmp(m->key, "schemaVersion") || !strcmp(m->key, "mediaType") ||
		    !strcmp(m->key, "manifests"))
			continue;
		fputc(',', f);
		json_write_string(f, m->key);
		fputc(':', f);
		json_write(f, m);
	}
	fputs(",\"manifests\":[", f);
	for (d = json_get(old, "manifests")->child; d; d = d->next) {
		ref = json_str(json_get(json_get(d, "annotations"), OCI_REF_NAME));
		if (ref && !strcmp(ref, b->tag))
			continue;
		json_write(f, d);
		fputc(',', f);
	}
	put_desc(f, OCI_MT_MANIFEST, &b->manifest);
	fputs(",\"annotations\":{\"" OCI_REF_NAME "\":", f);
	json_write_string(f, b->tag);
	fputs("}}]}", f);
	return 0;
}

/* index.json replaced whole: written beside it, synced, renamed. */
static int write_index(struct build *b, const char **msg)
{
	static const char tmp[] = ".index.json.vutar";
	struct json *old;
	FILE *f;
	int fd, r = oci_index_read(&b->l, true, &old, msg);

	if (r < 0)
		return r;
	fd = openat(b->l.fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		json_free(old);
		return oci_fail(msg, r, "%s: cannot write %s: %s", b->l.name, tmp, strerror(-r));
	}
	put_index(f, b, old);
	json_free(old);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -EIO;
	if (fclose(f) != 0)
		r = -EIO;
	if (r == 0 && renameat(b->l.fd, tmp, b->l.fd, "index.json") < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(b->l.fd, tmp, 0);	/* the old index stays */
		return oci_fail(msg, r, "%s: cannot write index.json: %s", b->l.name,
				strerror(-r));
	}
	return 0;
}

/* created: --mtime's time when given (the same bytes each run), else now. */
static void set_created(struct build *b, const struct vuar_opts *o)
{
	time_t t = (o->force.mask & VUAR_FORCE_MTIME) ? (time_t)o->force.mtime : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(b->created, sizeof(b->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int check_tag(const char *dirtag, const char *tag, const char **msg)
{
	if (!tag || !*tag)
		return oci_fail(msg, -EINVAL, "--oci %s: -c needs a tag: DIR:TAG", dirtag);
	if (!json_is_utf8(tag, strlen(tag)) || strpbrk(tag, "\n\r\t"))
		return oci_fail(msg, -EINVAL, "--oci %s: a tag is a line of UTF-8 text",
				oci_q(dirtag));
	return 0;
}

/* DIR's absolute name, or its parent's when DIR is still to be made. */
static char *where(const char *dir)
{
	char *d = realpath(dir, NULL), *parent, *slash;

	if (d || !(parent = strdup(dir)))
		return d;
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	d = realpath(slash ? (*parent ? parent : "/") : ".", NULL);
	free(parent);
	return d;
}

/* DIR within SRC: the layer would pack the blobs being written. */
static int check_inside(const char *dir, const char *src, const char **msg)
{
	char *d = where(dir), *s = realpath(src, NULL);
	size_t n = s ? strlen(s) : 0;
	int r = 0;

	if (d && s && !strncmp(d, s, n) && (d[n] == '/' || d[n] == '\0' || n == 1))
		r = oci_fail(msg, -EINVAL, "%s: within %s, the directory packed: the layer "
			     "would hold its own image", dir, src);
	free(d);
	free(s);
	return r;
}

static int build(struct build *b, const char *src, const struct oci_opts *oo,
		 const struct vuar_opts *o, const char **msg)
{
	struct oci_image base;
	int r = 0;

	if (flock(b->l.fd, LOCK_EX) < 0)
		return oci_fail(msg, -errno, "%s: cannot lock: %s", b->l.name, strerror(errno));
	if (oo->base) {
		r = oci_image_load(&b->l, oo->base, &base, msg);
		if (r < 0)
			return r;
		b->base = &base;
	}
	set_created(b, o);
	r = make_layer(b, src, oo, o, msg);
	if (r == 0)
		r = put_blob(b, put_config, &b->config, msg);
	if (r == 0)
		r = put_blob(b, put_manifest, &b->manifest, msg);
	if (r == 0)
		r = write_index(b, msg);
	if (b->base)
		oci_image_release(&base);
	b->base = NULL;
	return r;
}

int oci_create(const char *dirtag, const char *src, const struct oci_opts *oo,
	       const struct vuar_opts *o, const char **msg)
{
	struct build b = { .l = { .fd = -1, .blobs = -1 } };
	char *dir;
	int r = oci_split(dirtag, &dir, &b.tag);

	if (r < 0)
		return r;
	r = check_tag(dirtag, b.tag, msg);
	if (r == 0)
		r = check_inside(dir, src, msg);
	if (r == 0)
		r = oci_layout_open(dir, true, &b.l, msg);
	if (r == 0)
		r = build(&b, src, oo, o, msg);
	oci_layout_close(&b.l);
	while (b.nnames > 0)
		free(b.names[--b.nnames]);
	free(b.names);
	free(dir);
	return r;
}
