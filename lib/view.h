/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * view — the rules of a vuovl view as text: parsing `-o bind=...` style
 * option values and view files (`-o view=FILE`) into an ordered list of
 * rules, normalizing view paths. Knows nothing of FUSE or layers; opens
 * no host path but the view file itself. Never prints: a parse error is
 * returned as a message in the caller's buffer.
 *
 * Option form:  KIND=VIEWPATH[:HOSTPATH][:FLAG]...   (`\:` is a colon)
 * File form:    KIND VIEWPATH [HOSTPATH] [FLAG]...    (one rule a line,
 *               `#` comments, blank lines; `\ ` is a space)
 * KIND: bind, merge, hide, ro. FLAG: ro, cow, mincow (bind and merge),
 * unlisted (bind, merge: the parent does not list the path unless it
 * exists below), except=SUBPATH (repeatable; relative to VIEWPATH),
 * inview (bind: HOSTPATH names a path of the view made by the earlier
 * rules, as a VUOS mount made from inside the view sees it).
 * A view file may also hold the stack: `lowerdir DIR[:DIR...]`,
 * `upperdir DIR`, `metadb PATH`.
 */
#ifndef VU_VIEW_H
#define VU_VIEW_H

#include <stdbool.h>
#include <stddef.h>

enum view_kind { VIEW_BIND, VIEW_MERGE, VIEW_HIDE, VIEW_RO };

/* How writes beneath a bind or merge rule are served. */
enum view_mode {
	VIEW_RW,	/* bind: in place on the host path; merge: as below */
	VIEW_RO_MODE,	/* refused: EROFS */
	VIEW_COW,	/* copied up into the view's write layer */
	VIEW_MINCOW,	/* in place when the host allows it, else copied up */
};

struct view_rule {
	enum view_kind kind;
	enum view_mode mode;
	bool unlisted;
	bool inview;		/* bind: host is a path of the view as the
				   earlier rules make it (VUOS semantics) */
	char *vpath;		/* normalized: no leading '/', "" for the root */
	char *host;		/* bind, merge: as given */
	char **except;		/* normalized, relative to vpath */
	size_t nexcept;
	char *origin;		/* "-o" or "FILE:LINE", for messages */
};

/* The stack lines a view file may carry (NULL when absent). */
struct view_stack {
	char *lowerdir, *upperdir, *metadb;
};

struct view {
	struct view_rule *rules;
	size_t n;
	struct view_stack stack;
};

void view_init(struct view *v);
void view_release(struct view *v);
/* Appends the rule an option value names (kind from the key: "bind",
 * "robind", "cowbind", "mincowbind", "merge", "mincowmerge", "hide",
 * "ro"). 0 or -EINVAL with a message in err. */
int view_add_option(struct view *v, const char *key, const char *value,
		    char *err, size_t errsize);
/* Appends the rules of a view file. 0, -EINVAL (err: "FILE:LINE: why")
 * or another -errno for an unreadable file. */
int view_add_file(struct view *v, const char *file, char *err, size_t errsize);
/* Normalizes a view path into a malloc'd string without leading or
 * trailing '/', no "//", no "." components; NULL (errno EINVAL) for
 * ".." components or a relative path. */
char *view_normalize(const char *path);
const char *view_kind_name(enum view_kind k);
const char *view_mode_name(enum view_mode m);

#endif
