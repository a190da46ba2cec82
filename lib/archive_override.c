// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_override — what vutar -c puts in an entry in place of the
 * file's own, with GNU tar's meaning: --owner, --group, --mode (chmod's
 * language, as gnulib's modechange reads it), --mtime and --clamp-mtime,
 * --numeric-owner. Applied last, over the host's and the sidecar's
 * metadata. Also the parsers of those options' values: pure, but for
 * the user database and a reference file's mtime.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* One change of a --mode: [ugoa]* then an operator and its bits. */
struct mode_change {
	char op;		/* '=', '+' or '-' */
	bool x_if_any;		/* X: x bits for a directory or a file with one */
	mode_t copy;		/* g=u: the class copied (S_IRWXU...), or 0 */
	mode_t who;		/* the bits [ugoa] names; 0: none, the umask rules */
	mode_t value;
	mode_t mentioned;	/* the bits the change names: chmod keeps a
				   directory's set-id bits unless named */
};

struct vuar_mode {
	mode_t umask;
	size_t n;
	struct mode_change c[];
};

#define ALL_BITS 07777

/* An octal mode: "0644" sets the permission bits and clears setuid, setgid
 * and sticky on files; a directory keeps the set-id bits but with five
 * digits ("00644") or when the value names them (gnulib). */
static int parse_octal(const char *s, struct mode_change *c)
{
	char *end;
	unsigned long v = strtoul(s, &end, 8);

	if (*end || v > ALL_BITS)
		return -EINVAL;
	*c = (struct mode_change){
		.op = '=', .who = ALL_BITS, .value = (mode_t)v,
		.mentioned = strlen(s) >= 5 ? ALL_BITS : ((mode_t)v & 07000) | 0777,
	};
	return 0;
}

static mode_t who_bits(char w)
{
	switch (w) {
	case 'u': return S_ISUID | S_IRWXU;
	case 'g': return S_ISGID | S_IRWXG;
	case 'o': return S_ISVTX | S_IRWXO;
	default: return ALL_BITS;	/* 'a' */
	}
}

/* The bits after an operator, up to the next operator or ','. */
static const char *parse_bits(const char *p, struct mode_change *c)
{
	static const char copies[] = "ugo";
	static const mode_t classes[] = { S_IRWXU, S_IRWXG, S_IRWXO };

	if (*p && strchr(copies, *p)) {
		c->copy = classes[strchr(copies, *p) - copies];
		c->mentioned = (c->who ? c->who : ALL_BITS) & 0777;
		return p + 1;
	}
	for (;; p++) {
		switch (*p) {
		case 'r': c->value |= 0444; break;
		case 'w': c->value |= 0222; break;
		case 'x': c->value |= 0111; break;
		case 'X': c->x_if_any = true; break;
		case 's': c->value |= S_ISUID | S_ISGID; break;
		case 't': c->value |= S_ISVTX; break;
		default:
			c->mentioned = (c->who ? c->who : ALL_BITS) &
				(c->value | (c->x_if_any ? 0111 : 0));
			return p;
		}
	}
}

/* One clause ("go-w", "u=rwx,", "a+rX-w"): its changes appended to m.
 * Returns the end of the clause, NULL when it is no clause. */
static const char *parse_clause(const char *p, struct vuar_mode *m, size_t cap)
{
	mode_t who = 0;

	for (; *p && strchr("ugoa", *p); p++)
		who |= who_bits(*p);
	if (!*p || !strchr("=+-", *p))
		return NULL;
	while (*p && strchr("=+-", *p)) {
		struct mode_change *c = &m->c[m->n];

		if (m->n == cap)
			return NULL;
		*c = (struct mode_change){ .op = *p, .who = who };
		p = parse_bits(p + 1, c);
		m->n++;
	}
	return p;
}

int vuar_mode_parse(const char *s, mode_t umask_now, struct vuar_mode **out)
{
	size_t cap = strlen(s) + 1;	/* at most a change per character */
	struct vuar_mode *m = calloc(1, sizeof(*m) + cap * sizeof(m->c[0]));
	const char *p = s;

	if (!m)
		return -ENOMEM;
	m->umask = umask_now;
	if (*s >= '0' && *s <= '7') {
		if (parse_octal(s, &m->c[0]) < 0)
			goto bad;
		m->n = 1;
		*out = m;
		return 0;
	}
	for (;;) {
		p = parse_clause(p, m, cap);
		if (!p)
			goto bad;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	*out = m;
	return 0;
bad:
	free(m);
	return -EINVAL;
}

void vuar_mode_free(struct vuar_mode *m)
{
	free(m);
}

/* A copied class ("g=u"): its r, w, x spread over u, g and o. */
static mode_t spread(mode_t bits)
{
	return (bits & 0444 ? 0444 : 0) | (bits & 0222 ? 0222 : 0) | (bits & 0111 ? 0111 : 0);
}

mode_t vuar_mode_apply(const struct vuar_mode *m, mode_t mode, bool isdir)
{
	mode_t perm = mode & ALL_BITS;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct mode_change *c = &m->c[i];
		/* chmod: a directory's set-id bits stay unless named */
		mode_t omit = isdir ? (S_ISUID | S_ISGID) & ~c->mentioned : 0;
		mode_t value = c->copy ? spread(perm & c->copy) : c->value;

		if (c->x_if_any && (isdir || (perm & 0111)))
			value |= 0111;
		value &= (c->who ? c->who : ~m->umask) & ~omit;
		if (c->op == '=')
			perm = (perm & ((c->who ? ~c->who : 0) | omit)) | value;
		else if (c->op == '+')
			perm |= value;
		else
			perm &= ~value;
	}
	return (mode & ~(mode_t)ALL_BITS) | (perm & ALL_BITS);
}

/* A decimal id, else -1. */
static long long parse_id(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || end == s || *end || v < 0 || v > UINT32_MAX - 1 ? -1 : v;
}

/* The user's (group's) name of id in the host database, or "". */
static void name_of(uint32_t id, bool group, char *name, size_t size)
{
	struct passwd *pw = group ? NULL : getpwuid(id);
	struct group *gr = group ? getgrgid(id) : NULL;

	snprintf(name, size, "%s", pw ? pw->pw_name : gr ? gr->gr_name : "");
}

int vuar_owner_parse(const char *arg, bool group, uint32_t *id, char *name, size_t size)
{
	const char *colon = strchr(arg, ':');
	struct passwd *pw;
	struct group *gr;
	long long v;

	if (colon) {
		/* NAME:ID, both as given */
		v = parse_id(colon + 1);
		if (v < 0 || (size_t)(colon - arg) >= size)
			return -EINVAL;
		memcpy(name, arg, (size_t)(colon - arg));
		name[colon - arg] = '\0';
		*id = (uint32_t)v;
		return 0;
	}
	pw = group ? NULL : getpwnam(arg);
	gr = group ? getgrnam(arg) : NULL;
	if (pw || gr) {
		*id = pw ? pw->pw_uid : gr->gr_gid;
		snprintf(name, size, "%s", arg);
		return 0;
	}
	/* a number: the host's name for it, if any (GNU tar) */
	v = parse_id(arg);
	if (v < 0)
		return -ENOENT;
	*id = (uint32_t)v;
	name_of(*id, group, name, size);
	return 0;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]][Z| UTC]", in UTC. */
static int parse_utc(const char *s, int64_t *out)
{
	struct tm tm = { 0 }, back;
	int n = 0, len = (int)strlen(s);
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3)
		return -EINVAL;
	if (n < len && (s[n] == ' ' || s[n] == 'T')) {
		int m = 0;

		if (sscanf(s + n + 1, "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &m,
			   &tm.tm_sec, &m) < 2)
			return -EINVAL;
		n += 1 + m;
	}
	if (!strcmp(s + n, "Z") || !strcmp(s + n, " UTC") || !strcmp(s + n, "UTC"))
		n = len;
	if (n != len)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	t = timegm(&tm);
	/* timegm normalizes: a 31st of February comes back as March */
	if (tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}

int vuar_date_parse(const char *s, int64_t *out)
{
	struct stat st;
	char *end;
	long long v;

	if (*s == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end)
			return -EINVAL;
		*out = v;
		return 0;
	}
	/* GNU tar: a date starting with / or . is a file, its mtime */
	if (*s == '/' || *s == '.') {
		if (stat(s, &st) < 0)
			return -errno;
		*out = (int64_t)st.st_mtime;
		return 0;
	}
	return parse_utc(s, out);
}

void vuar_override(const struct vuar_opts *o, struct archive_entry *e)
{
	const struct vuar_force *f = &o->force;

	if (f->mask & VUAR_FORCE_UID) {
		archive_entry_set_uid(e, f->uid);
		archive_entry_copy_uname(e, f->uname[0] ? f->uname : NULL);
	}
	if (f->mask & VUAR_FORCE_GID) {
		archive_entry_set_gid(e, f->gid);
		archive_entry_copy_gname(e, f->gname[0] ? f->gname : NULL);
	}
	if (f->mode)
		archive_entry_set_mode(e, vuar_mode_apply(f->mode, archive_entry_mode(e),
				       archive_entry_filetype(e) == AE_IFDIR));
	if (f->mask & VUAR_FORCE_MTIME) {
		time_t t = archive_entry_mtime(e);

		if (!(f->mask & VUAR_FORCE_CLAMP) || t > f->mtime ||
		    (t == f->mtime && archive_entry_mtime_nsec(e) > 0))
			archive_entry_set_mtime(e, (time_t)f->mtime, 0);
		/* the other times would still differ between two runs (zip
		 * stores them) */
		archive_entry_unset_atime(e);
		archive_entry_unset_ctime(e);
		archive_entry_unset_birthtime(e);
	}
	if (o->numeric_owner) {
		archive_entry_copy_uname(e, NULL);
		archive_entry_copy_gname(e, NULL);
	}
}
