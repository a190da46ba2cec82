// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * view — parsing view rules (see view.h for the grammar). Every rule is
 * checked here as far as text allows (kinds, flags, paths, duplicates of
 * except); host paths are only checked for being absolute: opening them
 * is the daemon's job, at mount time.
 */
#include "config.h"
#include "view.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void view_init(struct view *v)
{
	memset(v, 0, sizeof(*v));
}

static void rule_release(struct view_rule *r)
{
	free(r->vpath);
	free(r->host);
	for (size_t i = 0; i < r->nexcept; i++)
		free(r->except[i]);
	free(r->except);
	free(r->origin);
}

void view_release(struct view *v)
{
	for (size_t i = 0; i < v->n; i++)
		rule_release(&v->rules[i]);
	free(v->rules);
	free(v->stack.lowerdir);
	free(v->stack.upperdir);
	free(v->stack.metadb);
	view_init(v);
}

const char *view_kind_name(enum view_kind k)
{
	static const char *const names[] = { "bind", "merge", "hide", "ro" };

	return names[k];
}

const char *view_mode_name(enum view_mode m)
{
	static const char *const names[] = { "rw", "ro", "cow", "mincow" };

	return names[m];
}

char *view_normalize(const char *path)
{
	size_t len = strlen(path), o = 0;
	const char *p = path;
	char *out;

	if (*path != '/') {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return out;
}

/* Splits s at unescaped `sep` (a backslash escapes any character) into
 * malloc'd fields; returns the count or -ENOMEM. */
static int split(const char *s, int (*is_sep)(int), char ***out)
{
	size_t len = strlen(s);
	char *buf = malloc(len + 1), **f = NULL;
	int n = 0;
	size_t o = 0;
	bool in_field = false;

	if (!buf)
		return -ENOMEM;
	for (const char *p = s;; p++) {
		bool end = *p == '\0' || is_sep((unsigned char)*p);

		if (end && in_field) {
			char **nf = realloc(f, (n + 1) * sizeof(*f));

			buf[o] = '\0';
			if (!nf || !(nf[n] = strdup(buf))) {
				free(nf ? nf : f);
				free(buf);
				return -ENOMEM;
			}
			f = nf;
			n++;
			o = 0;
			in_field = false;
		}
		if (*p == '\0')
			break;
		if (end)
			continue;
		if (*p == '\\' && p[1])
			p++;
		buf[o++] = *p;
		in_field = true;
	}
	free(buf);
	*out = f;
	return n;
}

static int is_colon(int c)
{
	return c == ':';
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void free_fields(char **f, int n)
{
	for (int i = 0; i < n; i++)
		free(f[i]);
	free(f);
}

static int fail(char *err, size_t size, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t size, const char *origin, const char *fmt, ...)
{
	va_list ap;
	int o = snprintf(err, size, "%s: ", origin);

	va_start(ap, fmt);
	if (o >= 0 && (size_t)o < size)
		vsnprintf(err + o, size - o, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* kind and default mode from an option key or a file keyword */
static int parse_kind(const char *key, enum view_kind *k, enum view_mode *m)
{
	static const struct {
		const char *key;
		enum view_kind kind;
		enum view_mode mode;
	} keys[] = {
		{ "bind", VIEW_BIND, VIEW_RW },
		{ "robind", VIEW_BIND, VIEW_RO_MODE },
		{ "cowbind", VIEW_BIND, VIEW_COW },
		{ "mincowbind", VIEW_BIND, VIEW_MINCOW },
		{ "merge", VIEW_MERGE, VIEW_COW },
		{ "romerge", VIEW_MERGE, VIEW_RO_MODE },
		{ "mincowmerge", VIEW_MERGE, VIEW_MINCOW },
		{ "hide", VIEW_HIDE, VIEW_RW },
		{ "ro", VIEW_RO, VIEW_RO_MODE },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key)) {
			*k = keys[i].kind;
			*m = keys[i].mode;
			return 0;
		}
	return -EINVAL;
}

static int add_except(struct view_rule *r, const char *sub)
{
	char *abs, *norm, **ne;
	int err;

	if (asprintf(&abs, "/%s", sub) < 0)
		return -ENOMEM;
	norm = view_normalize(abs);
	err = norm ? 0 : -errno;	/* before free */
	free(abs);
	if (err)
		return err;
	if (!*norm) {
		free(norm);
		return -EINVAL;
	}
	ne = realloc(r->except, (r->nexcept + 1) * sizeof(*ne));
	if (!ne) {
		free(norm);
		return -ENOMEM;
	}
	r->except = ne;
	r->except[r->nexcept++] = norm;
	return 0;
}

/* f[0] view path, then host path (bind, merge), then flags. */
static int build_rule(struct view *v, const char *key, char **f, int n,
		      const char *origin, char *err, size_t size)
{
	struct view_rule r = { 0 }, *nr;
	int i = 1, e;

	if (parse_kind(key, &r.kind, &r.mode))
		return fail(err, size, origin, "unknown rule '%s' (bind, robind, cowbind, "
			    "mincowbind, merge, mincowmerge, hide, ro)", key);
	if (n < 1)
		return fail(err, size, origin, "%s: a view path is missing", key);
	if (!(r.vpath = view_normalize(f[0]))) {
		e = errno == ENOMEM ? -ENOMEM
			: fail(err, size, origin, "%s: '%s': the view path must be absolute, "
			       "without '..'", key, f[0]);
		goto out;
	}
	if (!(r.origin = strdup(origin))) {
		e = -ENOMEM;
		goto out;
	}
	if (r.kind == VIEW_BIND || r.kind == VIEW_MERGE) {
		if (n < 2 || f[1][0] != '/') {
			e = fail(err, size, origin, "%s=%s: needs an absolute host path "
				 "(%s=VIEWPATH:HOSTPATH)", key, f[0], key);
			goto out;
		}
		if (!(r.host = strdup(f[1]))) {
			e = -ENOMEM;
			goto out;
		}
		i = 2;
	}
	for (; i < n; i++) {
		const char *fl = f[i];
		bool modal = r.kind == VIEW_BIND || r.kind == VIEW_MERGE;

		if (modal && !strcmp(fl, "ro"))
			r.mode = VIEW_RO_MODE;
		else if (modal && !strcmp(fl, "cow"))
			r.mode = VIEW_COW;
		else if (modal && !strcmp(fl, "mincow"))
			r.mode = VIEW_MINCOW;
		else if (modal && !strcmp(fl, "rw") && r.kind == VIEW_BIND)
			r.mode = VIEW_RW;
		else if (modal && !strcmp(fl, "unlisted"))
			r.unlisted = true;
		else if (r.kind == VIEW_BIND && !strcmp(fl, "inview"))
			r.inview = true;
		else if (modal && !strncmp(fl, "except=", 7)) {
			e = add_except(&r, fl + 7);
			if (e == -EINVAL)
				e = fail(err, size, origin, "%s: except=%s: a sub-path of %s without "
					 "'..' is expected", key, fl + 7, f[0]);
			if (e)
				goto out;
		} else {
			e = fail(err, size, origin, "%s: unknown flag '%s'%s", key, fl,
				 modal ? " (ro, rw, cow, mincow, unlisted, inview, except=SUBPATH)"
				       : " (this rule takes none)");
			goto out;
		}
	}
	if (r.inview) {
		char *norm = view_normalize(r.host);

		if (!norm) {
			e = fail(err, size, origin, "%s: inview: '%s' is not a view path", key, r.host);
			goto out;
		}
		free(r.host);
		r.host = norm;
	}
	if (r.kind == VIEW_HIDE && !*r.vpath) {
		e = fail(err, size, origin, "hide: the root of the view cannot be hidden");
		goto out;
	}
	nr = realloc(v->rules, (v->n + 1) * sizeof(*nr));
	if (!nr) {
		e = -ENOMEM;
		goto out;
	}
	v->rules = nr;
	v->rules[v->n++] = r;
	return 0;
out:
	rule_release(&r);
	return e;
}

int view_add_option(struct view *v, const char *key, const char *value,
		    char *err, size_t errsize)
{
	char **f, origin[64];
	int n, r;

	snprintf(origin, sizeof(origin), "-o %s", key);
	n = split(value, is_colon, &f);
	if (n < 0)
		return n;
	r = build_rule(v, key, f, n, origin, err, errsize);
	free_fields(f, n);
	return r;
}

static int set_stack(char **slot, char **f, int n, const char *origin,
		     char *err, size_t size)
{
	if (n != 2)
		return fail(err, size, origin, "%s takes one value", f[0]);
	if (*slot)
		return fail(err, size, origin, "%s given twice", f[0]);
	*slot = strdup(f[1]);
	return *slot ? 0 : -ENOMEM;
}

static int file_line(struct view *v, char *line, const char *origin,
		     char *err, size_t size)
{
	char **f;
	int n, r;

	line[strcspn(line, "\n")] = '\0';
	/* a '#' starts a comment where a field may start */
	for (char *p = line; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '#' && (p == line || is_blank((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	n = split(line, is_blank, &f);
	if (n <= 0)
		return n;
	if (!strcmp(f[0], "lowerdir"))
		r = set_stack(&v->stack.lowerdir, f, n, origin, err, size);
	else if (!strcmp(f[0], "upperdir"))
		r = set_stack(&v->stack.upperdir, f, n, origin, err, size);
	else if (!strcmp(f[0], "metadb"))
		r = set_stack(&v->stack.metadb, f, n, origin, err, size);
	else
		r = build_rule(v, f[0], f + 1, n - 1, origin, err, size);
	free_fields(f, n);
	return r;
}

int view_add_file(struct view *v, const char *file, char *err, size_t size)
{
	FILE *fp = fopen(file, "re");
	char *line = NULL, origin[4200];
	size_t cap = 0;
	unsigned lineno = 0;
	int r = 0;

	if (!fp)
		return -errno;
	while (!r && getline(&line, &cap, fp) >= 0) {
		lineno++;
		snprintf(origin, sizeof(origin), "%s:%u", file, lineno);
		r = file_line(v, line, origin, err, size);
	}
	if (!r && ferror(fp))
		r = -EIO;
	free(line);
	fclose(fp);
	return r;
}
