// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_path — turns a member name into a safe relative path. The rule
 * set is the whole of vutar's "nothing outside DIR" contract on names; the
 * walk itself (archive_extract.c) adds O_NOFOLLOW on every component.
 */
#include "config.h"
#include "vuar.h"
#include "sidecar.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int vuar_clean_path(const char *name, char *out)
{
	size_t len = 0;
	int stripped = 0;
	const char *p = name;

	if (strlen(name) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (*p == '/') {
		stripped = 1;
		while (*p == '/')
			p++;
	}
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." component: nothing to add */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			return -EPERM;
		} else if (n > NAME_MAX) {
			return -ENAMETOOLONG;
		} else if (n == strlen(SIDECAR_DIR) &&
			   memcmp(p, SIDECAR_DIR, n) == 0) {
			return -EACCES;
		} else {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[len] = '\0';
	return stripped;
}

const char *vuar_quote(const char *name, char *buf, size_t size)
{
	static const char letters[] = "\a\b\t\n\v\f\r";
	static const char names[] = "abtnvfr";
	const unsigned char *p = (const unsigned char *)(name ? name : "");
	size_t o = 0;

	if (!size)
		return buf;
	for (; *p && o + 5 < size; p++) {
		const char *l = *p ? strchr(letters, *p) : NULL;

		if (*p == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (l) {
			buf[o++] = '\\';
			buf[o++] = names[l - letters];
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			if (o + 9 >= size)
				break;
			o += (size_t)snprintf(buf + o, size - o, "\\%03o\\%03o", p[0], p[1]);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			o += (size_t)snprintf(buf + o, size - o, "\\%03o", *p);
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o] = '\0';
	return buf;
}
