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
