/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * archive — vutar's engine: extract, list and create archives through
 * libarchive, keeping ownership, full modes, devices and privileged xattrs
 * in the target directory's sidecar. Everything is done with *at() calls
 * beneath one directory fd; nothing here prints or exits: problems with
 * single entries go to the caller's report callback, fatal ones come back
 * as -errno.
 */
#ifndef VU_VUAR_H
#define VU_VUAR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* What -c writes. Without one, the archive name's suffix chooses as
 * bsdtar -a does (.zip, .cpio; .7z, .iso, .a are refused: they keep no
 * owners), else pax. cpio and zip keep owners and modes but no xattrs
 * or ACLs; zip no devices either, cpio no user or group names. */
enum vuar_format {
	VUAR_FORMAT_AUTO = 0,
	VUAR_PAX,	/* restricted pax, as bsdtar writes */
	VUAR_GNU,
	VUAR_USTAR,
	VUAR_CPIO,	/* POSIX odc, bsdtar's "cpio" */
	VUAR_NEWC,	/* SVR4 */
	VUAR_ZIP,
};
enum vuar_filter {
	VUAR_FILTER_AUTO = -1,	/* from the archive name's suffix */
	VUAR_FILTER_NONE = 0,
	VUAR_FILTER_GZIP,
	VUAR_FILTER_XZ,
	VUAR_FILTER_ZSTD,
	VUAR_FILTER_BZIP2,
	VUAR_FILTER_LZ4,
};

enum vuar_sort {
	VUAR_SORT_NAME = 0,	/* byte order of the names (C locale) */
	VUAR_SORT_NONE,		/* the order the directory gives */
	VUAR_SORT_INODE,
};

/* A chmod-style change of modes (--mode): vuar_mode_parse. */
struct vuar_mode;

#define VUAR_NAME_MAX 256
enum { VUAR_FORCE_UID = 1, VUAR_FORCE_GID = 2, VUAR_FORCE_MTIME = 4, VUAR_FORCE_CLAMP = 8 };

/* What -c gives every entry in place of its own, GNU tar's --owner,
 * --group, --mode, --mtime and --clamp-mtime. */
struct vuar_force {
	unsigned mask;		/* VUAR_FORCE_* */
	uint32_t uid, gid;
	char uname[VUAR_NAME_MAX], gname[VUAR_NAME_MAX];	/* "": none */
	const struct vuar_mode *mode;	/* NULL: the file's */
	int64_t mtime;		/* with CLAMP: only for the newer files */
};

struct vuar_progress {
	uint64_t entries;	/* members handled */
	uint64_t bytes;		/* their data */
	uint64_t archive_bytes;	/* the archive's, before compression */
	uint64_t input_bytes;	/* -x, -t: the archive's as stored (compressed),
				   read so far; 0 for -c */
	int done;		/* the last call: the archive is whole */
};

/* Zero is the default of every field. */
struct vuar_opts {
	int verbose;
	enum vuar_format format;	/* -c only */
	enum vuar_filter filter;	/* -c only */
	/* -x, -t: only these members and what is beneath them (GNU tar:
	 * literal names, trailing '/' aside); each that matches nothing is
	 * reported as "Not found in archive" */
	char *const *names;
	int nnames;
	/* members (-x, -t) or files (-c) left out: fnmatch patterns matched
	 * as GNU tar's --exclude (any component on, directories take what is
	 * beneath them) */
	char *const *excludes;
	int nexcludes;
	int strip;		/* -x: leading name components dropped */
	/* GNU tar's --numeric-owner: -t shows ids, -c stores no user and
	 * group names, -x records none */
	int numeric_owner;
	enum vuar_sort sort;		/* -c: a directory's entries */
	/* --layer: the archive is an OCI/Docker layer diff. -x applies it:
	 * a ".wh.NAME" member removes NAME, a ".wh..wh..opq" member removes
	 * what the directory held before this archive; neither is made. -c
	 * packs DIR as an upper layer: its whiteouts and opaque markers (the
	 * kernel's too) as those members. */
	int layer;
	struct vuar_force force;	/* -c */
	/* A problem with one entry (entry may be "" for the archive itself);
	 * warn != 0 for a note that does not fail the run. */
	void (*report)(void *arg, const char *entry, const char *why, int warn);
	/* Called often (each entry, blocks of data) and once with done set
	 * at the end; the caller rate-limits. May be NULL. */
	void (*progress)(void *arg, const struct vuar_progress *p);
	/* -xv/-cv: the name of each entry handled. May be NULL. */
	void (*verbose_name)(void *arg, const char *name);
	void *arg;
};

/* --mode's value, chmod's language as GNU tar reads it ("go-w",
 * "u=rwX,g=u", "0644"); umask_now is what a change naming no class
 * ("+w") leaves alone. 0, -EINVAL, -ENOMEM; vuar_mode_free frees. */
int vuar_mode_parse(const char *s, mode_t umask_now, struct vuar_mode **out);
mode_t vuar_mode_apply(const struct vuar_mode *m, mode_t mode, bool isdir);
void vuar_mode_free(struct vuar_mode *m);
/* --owner, --group: NAME:ID, a NAME of the host database, or an ID
 * (named as the host names it, "" if not). 0, -EINVAL, -ENOENT (no such
 * name). */
int vuar_owner_parse(const char *arg, bool group, uint32_t *id, char *name, size_t size);
/* --mtime: @SECONDS, YYYY-MM-DD[ HH:MM[:SS]] in UTC, or a file (a value
 * starting with / or .) whose mtime it is. 0, -EINVAL, or stat's -errno. */
int vuar_date_parse(const char *s, int64_t *out);

/* Path of a member, cleaned for extraction: leading '/' and "./" and empty
 * components removed. Returns 0, 1 if a leading '/' was removed, -EPERM
 * for a ".." component, -EACCES for the reserved ".vuovl" component,
 * -ENAMETOOLONG for a name over PATH_MAX or a component over NAME_MAX.
 * out must hold PATH_MAX bytes; "" is the root of the directory. */
int vuar_clean_path(const char *name, char *out);

/* name as a terminal may show it, GNU tar's escape style: backslash,
 * control characters (and the UTF-8 forms of C1 controls) as \n, \t,
 * \ooo..., so an archive cannot forge a listing line or erase a
 * message. Returns buf (truncated to size). */
const char *vuar_quote(const char *name, char *buf, size_t size);
#define VUAR_QUOTE_MAX (4 * 4096 + 1)

/* Each returns 0 when every entry went well, 1 when some entry was
 * reported (refused or failed, or the archive ended early), or -errno when
 * the archive or directory could not be opened (*msg says why). archive
 * NULL or "-" is stdin/stdout. */
int vuar_extract(const char *archive, const char *dir,
		 const struct vuar_opts *o, const char **msg);
int vuar_list(const char *archive, FILE *out, const struct vuar_opts *o,
	      const char **msg);
/* -xO: the selected regular members' data written to fd, one after the
 * other; nothing is made. -errno also when fd cannot be written. */
int vuar_cat(const char *archive, int fd, const struct vuar_opts *o,
	     const char **msg);
/* paths: what to pack, beneath dir ("." for dir itself); none makes an
 * empty archive. */
int vuar_create(const char *archive, const char *dir, char *const *paths,
		int npaths, const struct vuar_opts *o, const char **msg);
/* The bytes of fd in (from its offset to its end) compressed with f
 * into fd out, the same bytes each time (gzip's header holds no time):
 * an image layer's blob. 0, or -errno with *msg. Not thread-safe. */
int vuar_compress_fd(int in, int out, enum vuar_filter f, const char **msg);
/* The bytes of fd in (from its offset), decompressed with whatever
 * compression libarchive finds (none too), handed to sink piece by
 * piece; a sink's negative return stops it and is returned as is (no
 * *msg). 0, or -errno with *msg. Not thread-safe (one static buffer). */
int vuar_decompress_fd(int in, int (*sink)(void *arg, const void *buf, size_t len),
		       void *arg, const char **msg);

#endif
