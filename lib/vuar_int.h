/* SPDX-License-Identifier: GPL-2.0-or-later */
/* archive_int — what the archive_*.c files share; not for programs. */
#ifndef VU_VUAR_INT_H
#define VU_VUAR_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vuar.h"

int vuar_fail(const char **msg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vuar_open_read(const char *archive, struct archive **out, const char **msg);
enum vuar_filter vuar_filter_for_name(const char *archive);
/* A writer with the format and compression o and the archive's name
 * ask for (vuar.h), open on archive; 0, or -errno said in msg. */
int vuar_open_write(const char *archive, const struct vuar_opts *o,
		    struct archive **out, const char **msg);
int vuar_is_stdio(const char *archive);
void vuar_mode_string(struct archive_entry *e, char out[11]);

/* archive_select.c: which members a run takes (GNU tar's rules). */
/* True when name (a member name given by the user) is member or a
 * directory above it; trailing slashes aside, nothing else is cleaned. */
bool vuar_name_selects(const char *name, const char *member);
/* True when one of o's exclude patterns matches member. */
bool vuar_excluded(const struct vuar_opts *o, const char *member);
/* name less its n leading components (a pointer into name), or NULL
 * when nothing is left. */
const char *vuar_strip(const char *name, int n);

/* archive_override.c: -c's options that replace an entry's metadata,
 * applied to e last. */
void vuar_override(const struct vuar_opts *o, struct archive_entry *e);

/* archive_read.c: the reading loop of -x, -xO, -t. */
struct vuar_reader {
	struct archive *a;
	const struct vuar_opts *o;
	bool *hit;		/* o->names[i] matched a member */
	int failed;		/* something was reported */
	unsigned retries;
	uint64_t entries, bytes;
};
/* 0, or -errno said in msg (the archive cannot be opened). */
int vuar_reader_open(struct vuar_reader *r, const char *archive,
		     const struct vuar_opts *o, const char **msg);
/* 1 with the next member the options select in *e, 0 at the end (or
 * where the archive cannot be read on: reported). */
int vuar_reader_next(struct vuar_reader *r, struct archive_entry **e);
/* Progress within a member's data. */
void vuar_reader_tick(struct vuar_reader *r);
/* Reports the names that matched nothing, frees. 1 when anything was
 * reported, else 0. */
int vuar_reader_close(struct vuar_reader *r);
/* Frees, saying nothing (a run that ends before reading). */
void vuar_reader_free(struct vuar_reader *r);

/* archive_acl.c: POSIX ACLs between entries and their xattr form. */
typedef int (*vuar_xattr_fn)(void *arg, const char *name, const void *value, size_t size);
/* Calls fn with each of e's ACLs (access, default) in xattr form; an
 * access ACL the mode says all of is skipped. 0, or fn's or -EINVAL. */
int vuar_acl_to_xattrs(struct archive_entry *e, vuar_xattr_fn fn, void *arg);
/* Adds the ACL in xattr form (name: system.posix_acl_*) to e. */
int vuar_acl_add(struct archive_entry *e, const char *name, const void *value, size_t size);

/* archive_writer.c: the writing end of -c (a directory, or a view) */
struct vuar_writer {
	const struct vuar_opts *o;
	struct archive *a;
	struct archive_entry_linkresolver *lr;
	int failed;		/* something was reported */
	uint64_t n, bytes;	/* entries, data */
	char *buf;
};
/* The archive with o's format and compression, for writing. 0, or
 * -errno said in msg. */
int vuar_writer_open(struct vuar_writer *w, const char *archive,
		     const struct vuar_opts *o, const char **msg);
/* e (named entry in messages) with its data read from fd (-1: none),
 * after o's overrides (--owner, --mtime...); linked to an earlier entry
 * of its inode. -errno only when the archive cannot go on. */
int vuar_writer_add(struct vuar_writer *w, struct archive_entry *e, int fd,
		    const char *entry);
/* A layer diff's marker member (".wh.NAME", ".wh..wh..opq"): an empty
 * file, root's, mode 0, as image builders write them. */
int vuar_writer_marker(struct vuar_writer *w, const char *name, const struct timespec *mtime);
/* A problem with one entry: said, and the run fails. */
void vuar_writer_report(struct vuar_writer *w, const char *entry, const char *why);
/* Ends the archive, frees; 1 when something was reported, else 0. */
int vuar_writer_close(struct vuar_writer *w);
/* The host's names of ids ("" for none), for entries' uname, gname. */
const char *vuar_user_name(uid_t uid);
const char *vuar_group_name(gid_t gid);
/* The names of a listxattr-style list (len bytes), in byte order in
 * out: the order a file's or a sidecar's list has follows its history,
 * and two copies of a tree must pack the same bytes. Returns how many. */
size_t vuar_sorted_names(char *names, ssize_t len, char **out);
#define VUAR_XATTR_NAMES 4096	/* the longest list packed */
/* A virtual xattr's value (a sidecar's, a view's): size or -errno. */
typedef ssize_t (*vuar_xattr_get_fn)(void *arg, const char *name, void *buf, size_t size);
/* The xattrs named in names (a listxattr-style list of len bytes, len
 * < 0: none) added to e in byte order, their values from get; POSIX
 * ACLs as ACLs. */
void vuar_add_xattrs(struct archive_entry *e, char *names, ssize_t len,
		     vuar_xattr_get_fn get, void *arg);

/* archive_layer.c: -x --layer, a layer diff applied (vuar.h) */
struct vuar_seen;	/* the paths a run wrote, and their parents */
struct vuar_seen *vuar_seen_new(void);
void vuar_seen_free(struct vuar_seen *s);
bool vuar_seen_has(const struct vuar_seen *s, const char *path);
/* 0, -ENOMEM, -ENAMETOOLONG */
int vuar_seen_add(struct vuar_seen *s, const char *path);
/* name in pfd and all beneath it, never through a symlink. 0 or -errno. */
int vuar_remove_tree(int pfd, const char *name);
enum vuar_marker {
	VUAR_MARK_NONE,		/* an ordinary member */
	VUAR_MARK_WHITEOUT,	/* ".wh.NAME": *target is NAME */
	VUAR_MARK_OPAQUE,	/* ".wh..wh..opq" */
	VUAR_MARK_OTHER,	/* another reserved ".wh." name: passed over */
};
/* What the member at the cleaned path rel marks. */
enum vuar_marker vuar_layer_marker(const char *rel, const char **target);

#endif
