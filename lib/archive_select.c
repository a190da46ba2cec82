// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_select — which members a run handles, chosen as GNU tar
 * chooses them: member names (a name is the member itself or a directory
 * above it, taken literally), exclude patterns (fnmatch as GNU tar's
 * default: unanchored, '*' matches '/' too, and a directory's pattern
 * takes all beneath it), and --strip-components. Pure string work: no
 * archive, no file system.
 */
#include "config.h"
#include "vuar_int.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* s's length without its trailing slashes ("/" stays "/"). */
static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

bool vuar_name_selects(const char *name, const char *member)
{
	size_t n = trimmed_len(name), m = trimmed_len(member);

	return n && m >= n && memcmp(name, member, n) == 0 &&
	       (m == n || member[n] == '/');
}

/* GNU tar's --no-anchored: the pattern may match from any component on,
 * and FNM_LEADING_DIR lets it match a directory above the member. */
static bool pattern_matches(const char *pattern, const char *name)
{
	const char *p = name;

	for (;;) {
		if (fnmatch(pattern, p, FNM_LEADING_DIR) == 0)
			return true;
		p = strchr(p, '/');
		if (!p)
			return false;
		while (*p == '/')
			p++;
	}
}

bool vuar_excluded(const struct vuar_opts *o, const char *member)
{
	char buf[PATH_MAX], *name = buf;
	size_t n = trimmed_len(member);
	bool hit = false;
	int i;

	if (!o->nexcludes)
		return false;
	/* "a/" is matched as "a": a pattern for a's contents must not take
	 * the directory itself, as in GNU tar */
	if (n >= sizeof(buf) && !(name = malloc(n + 1)))
		name = (char *)member;	/* out of memory: match it untrimmed */
	if (name != member) {
		memcpy(name, member, n);
		name[n] = '\0';
	}
	for (i = 0; i < o->nexcludes && !hit; i++)
		hit = pattern_matches(o->excludes[i], name);
	if (name != buf && name != member)
		free(name);
	return hit;
}

const char *vuar_strip(const char *name, int n)
{
	const char *p = name;

	if (n <= 0)
		return name;
	while (*p == '/')
		p++;
	/* GNU tar counts every component, "." too: ./a/b less 1 is a/b */
	while (n-- > 0) {
		p = strchr(p, '/');
		if (!p)
			return NULL;
		while (*p == '/')
			p++;
	}
	return *p ? p : NULL;
}
