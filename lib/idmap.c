// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idmap — parsing of subordinate id files and formatting of namespace id
 * maps. Pure functions over streams and buffers: no namespaces touched.
 */
#include "config.h"
#include "idmap.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Parses a decimal uint32 covering the whole of s; 0 or -EINVAL. */
static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* True when the owner field names this user, by name or by number. */
static int is_owner(const char *field, const char *name, uint32_t id)
{
	uint32_t n;

	if (name && strcmp(field, name) == 0)
		return 1;
	return parse_u32(field, &n) == 0 && n == id;
}

/* Splits "owner:start:count" in place; 0 or -EINVAL when malformed. */
static int parse_line(char *line, char **owner, struct idmap_range *r)
{
	char *start, *count;

	line[strcspn(line, "\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return -EINVAL;
	start = strchr(line, ':');
	if (!start)
		return -EINVAL;
	*start++ = '\0';
	count = strchr(start, ':');
	if (!count)
		return -EINVAL;
	*count++ = '\0';
	if (parse_u32(start, &r->start) || parse_u32(count, &r->count))
		return -EINVAL;
	/* An empty or wrapping range could never be mapped. */
	if (r->count == 0 || (uint64_t)r->start + r->count > (uint64_t)UINT32_MAX + 1)
		return -EINVAL;
	*owner = line;
	return 0;
}

int idmap_find_range(FILE *f, const char *name, uint32_t id,
		     struct idmap_range *out)
{
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		struct idmap_range r;
		char *owner;

		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			/* An overlong line is malformed: skip its rest. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (parse_line(line, &owner, &r) == 0 && is_owner(owner, name, id)) {
			*out = r;
			return 0;
		}
	}
	return -ENOENT;
}

int idmap_find_range_path(const char *path, const char *name, uint32_t id,
			  struct idmap_range *out)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -errno;
	r = idmap_find_range(f, name, id, out);
	fclose(f);
	return r;
}

int idmap_format(const struct idmap_ext *ext, size_t n, char *buf,
		 size_t size)
{
	size_t len = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;

		if (ext[i].count == 0 ||
		    (uint64_t)ext[i].inside + ext[i].count > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)ext[i].outside + ext[i].count > (uint64_t)UINT32_MAX + 1)
			return -EINVAL;
		w = snprintf(buf + len, size - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
			     ext[i].inside, ext[i].outside, ext[i].count);
		if (w < 0 || (size_t)w >= size - len)
			return -ENOSPC;
		len += (size_t)w;
	}
	return (int)len;
}

int idmap_parse_list(const char *s, struct idmap_ext *ext, size_t max, size_t *n)
{
	const char *p = *s == ':' ? s + 1 : s;
	size_t k = 0;

	while (*p) {
		unsigned long long v[3];
		char *end;

		for (int i = 0; i < 3; i++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			v[i] = strtoull(p, &end, 10);
			if (errno || v[i] > UINT32_MAX || (*end && *end != ':'))
				return -EINVAL;
			p = *end ? end + 1 : end;
			if ((i < 2 && !*end) || (*end == ':' && !end[1]))
				return -EINVAL;	/* cut short, or a trailing ':' */
		}
		if (k == max || v[2] == 0 || v[0] + v[2] - 1 > UINT32_MAX ||
		    v[1] + v[2] - 1 > UINT32_MAX)
			return -EINVAL;
		ext[k].inside = (uint32_t)v[0];
		ext[k].outside = (uint32_t)v[1];
		ext[k].count = (uint32_t)v[2];
		k++;
	}
	if (!k)
		return -EINVAL;
	*n = k;
	return 0;
}

int idmap_map(const struct idmap_ext *ext, size_t n, uint32_t id, int to_inside,
	      uint32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t from = to_inside ? ext[i].outside : ext[i].inside;
		uint32_t to = to_inside ? ext[i].inside : ext[i].outside;

		if (id >= from && id - from < ext[i].count) {
			*out = to + (id - from);
			return 0;
		}
	}
	return -ENOENT;
}

int idmap_translate(FILE *f, uint32_t id, int to_inside, uint32_t *out)
{
	unsigned long long in, outer, count;

	while (fscanf(f, "%llu %llu %llu", &in, &outer, &count) == 3) {
		unsigned long long from = to_inside ? outer : in, to = to_inside ? in : outer;

		if (id >= from && id - from < count) {
			*out = (uint32_t)(to + (id - from));
			return 0;
		}
	}
	return -ENOENT;
}

int idmap_self_same_host(int gid, uint32_t id, uint32_t own)
{
	uint32_t a, b;

	return idmap_self(gid, id, 0, &a) == 0 && idmap_self(gid, own, 0, &b) == 0 && a == b;
}

int idmap_self_is_initial(void)
{
	FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long in, out, count;
	int n, r;

	if (!f)
		return 1;	/* no /proc: taken as the initial namespace */
	n = fscanf(f, "%lu %lu %lu", &in, &out, &count);
	r = n == 3 && in == 0 && out == 0 && count == 4294967295ul && fgetc(f) == '\n' &&
	    fgetc(f) == EOF;
	fclose(f);
	return r;
}

int idmap_self(int gid, uint32_t id, int to_inside, uint32_t *out)
{
	FILE *f = fopen(gid ? "/proc/self/gid_map" : "/proc/self/uid_map", "re");
	int r;

	if (!f) {
		*out = id;
		return 0;
	}
	r = idmap_translate(f, id, to_inside, out);
	fclose(f);
	return r;
}
