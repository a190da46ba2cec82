// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vutar — a tar for unprivileged users that keeps ownership, modes, device
 * nodes and capabilities in the target directory's sidecar. This file is
 * the thin face: options, messages, the progress line, exit statuses.
 * The work is in lib/archive_*.c.
 */
#include "config.h"
#include "log.h"
#include "vuar.h"
#include "vutar_oci.h"
#include "vutar_view.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_USAGE = 1, EXIT_ENTRIES = 2 };

/* tar's record: 20 blocks of 512 bytes, what GNU tar's checkpoints count */
#define RECORD_SIZE 10240

struct progress {
	int on;			/* the line, when stderr is a terminal */
	int shown;
	struct timespec last;
	const char *verb;	/* "Read", "Write": the archive's way */
	unsigned checkpoint;	/* --checkpoint: records between messages */
	uint64_t next;		/* the record count of the next message */
	struct timespec start;	/* --totals: the speed's */
	uint64_t total;		/* the archive's bytes, once done */
	uint64_t size;		/* -x, -t: the archive file's size, 0 unknown */
	int done;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vutar -x|-c|-t [OPTION...] [-f ARCHIVE|-] [-C DIR] [NAME...]\n"
"       vutar x|c|t[LETTERS] [THEIR ARGUMENTS] [OPTION...] [NAME...]\n"
"  (GNU tar's old style: vutar czf A -C D .  is  vutar -c -z -f A -C D .)\n"
"NAMEs are what -c packs beneath DIR (default .), or the members -x and -t\n"
"take, with what is beneath them.\n"
"  -x, --extract        extract into DIR, recording owners, modes, devices\n"
"                       and privileged xattrs in DIR/.vuovl (the sidecar)\n"
"  -c, --create         pack DIR (or NAMEs beneath it) with its virtual owners\n"
"  -t, --list           list the archive (-tv: like tar -tv)\n"
"  -v, --verbose        name each entry (-t: long listing)\n"
"  -f, --file=ARCHIVE   the archive; - or none is stdin/stdout\n"
"  -C, --directory=DIR  the directory to extract into or pack (default .)\n"
"  -O, --to-stdout      -x: the files' data to stdout, nothing made\n"
"  -T, --files-from=FILE  NAMEs from FILE too, one a line (- is stdin)\n"
"      --exclude=PATTERN  leave out what matches, as GNU tar (fnmatch)\n"
"  -X, --exclude-from=FILE  PATTERNs from FILE, one a line\n"
"      --strip-components=N  -x: drop the first N components of names\n"
"      --numeric-owner  ids only: -t shows no names, -c stores none, -x keeps none\n"
"      --xattrs, --acls, -p  accepted: vutar always keeps xattrs, ACLs, modes\n"
"      --totals         the archive's bytes at the end, as GNU tar (stderr)\n"
"      --checkpoint[=N] a message every N records of 10240 bytes (default 10)\n"
"What -c stores in place of the files' own, as GNU tar:\n"
"      --owner=NAME[:UID], --group=NAME[:GID]  (or a number: UID, GID)\n"
"      --mode=CHANGES   chmod's: go-w, u=rwX, 0644...\n"
"      --mtime=DATE     @SECONDS, YYYY-MM-DD[ HH:MM[:SS]] (UTC), or a file's\n"
"                       mtime (a DATE starting with / or .)\n"
"      --clamp-mtime    with --mtime: only for the files newer than DATE\n"
"      --sort=ORDER     name (default: byte order), none (directory order), inode\n"
"Layers (OCI/Docker image layer diffs):\n"
"      --layer, --diff  -c: pack DIR, an upper layer, as a layer diff (whiteouts\n"
"                       as .wh.NAME, opaque directories as .wh..wh..opq);\n"
"                       with -o lowerdir=, data and metadata from the view\n"
"                       -x: apply the archive as one (.wh. members remove)\n"
"      --stack          -c: pack the view of the layers -o names, no mount\n"
"  -o, --options=OPTS   vuovl's: lowerdir=DIR[:DIR...],upperdir=DIR,view=FILE,\n"
"                       and its rules (bind=, hide=...)\n"
"OCI image layouts (vutar(1), OCI IMAGE LAYOUTS), in place of -f:\n"
"      --oci=DIR[:TAG]  -x: the image's layers applied into DIR of -C; -c: DIR of\n"
"                       -C packed as a one-layer image named TAG in the layout\n"
"      --oci-base=TAG0  -c: the new layer over image TAG0 of the same layout\n"
"      --stack          -x --oci: each layer in DIR/layers/NNN, lowerdir= printed\n"
"      --oci-config=FILE  -x: the image's config (Env, Cmd...) saved in FILE\n"
"  -z, -J, --zstd, -j   compress (-c) with gzip, xz, zstd, bzip2; otherwise the\n"
"                       archive name's suffix decides (.gz .xz .zst .bz2 .lz4)\n"
"      --format=FMT     pax, gnu, ustar, cpio, newc or zip (-c); without it\n"
"                       the suffix decides (.zip, .cpio; else pax)\n"
"  -h, --help           this help\n"
"  -V, --version        the version\n"
"Reading accepts every format and compression libarchive knows.\n"
"Exit status: 0 all went well, 1 usage error or the archive/directory could\n"
"not be opened, 2 some entry was refused or failed, or a NAME was not found\n"
"(each is named on stderr).\n");
}

/* --format's names (GNU tar's and bsdtar's); VUAR_FORMAT_AUTO for none */
static enum vuar_format format_named(const char *name)
{
	static const struct { const char *name; enum vuar_format f; } formats[] = {
		{ "pax", VUAR_PAX }, { "posix", VUAR_PAX }, { "gnu", VUAR_GNU },
		{ "ustar", VUAR_USTAR }, { "cpio", VUAR_CPIO }, { "odc", VUAR_CPIO },
		{ "newc", VUAR_NEWC }, { "zip", VUAR_ZIP },
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name))
			return formats[i].f;
	return VUAR_FORMAT_AUTO;
}

static void progress_clear(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

/* SIGUSR1 asks for a progress line, as dd's SIGUSR1 does (it killed
 * vutar before). */
static volatile sig_atomic_t progress_asked;

static void ask_progress(int sig)
{
	(void)sig;
	progress_asked = 1;
}

/* GNU tar's --checkpoint: "Write checkpoint 10" after the 10th record. */
static void checkpoints(struct progress *p, uint64_t archive_bytes)
{
	while (p->checkpoint && archive_bytes / RECORD_SIZE >= p->next) {
		progress_clear(p);
		fprintf(stderr, "vutar: %s checkpoint %llu\n", p->verb,
			(unsigned long long)p->next);
		p->next += p->checkpoint;
	}
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static const char *human(double n, char *buf, size_t size);

/* As pv shows it: "1234 entries, 45MiB, 12MiB/s", and when the archive's
 * size is known "..., 37% of 120MiB, 0:08 left". */
static const char *progress_line(const struct progress *p, const struct vuar_progress *v,
				 char *buf, size_t size)
{
	char data[32], rate[32], whole[32];
	double secs = seconds_since(&p->start), part;
	long left;
	int n;

	if (secs < 1e-3)
		secs = 1e-3;
	/* the rate of the archive as read, when its size is known (so the
	 * time left follows from it), else of the files' data */
	n = snprintf(buf, size, "%llu entr%s, %s, %s/s", (unsigned long long)v->entries,
		     v->entries == 1 ? "y" : "ies", human((double)v->bytes, data, sizeof(data)),
		     human((double)(p->size && v->input_bytes ? v->input_bytes : v->bytes) / secs,
			   rate, sizeof(rate)));
	if (p->size && v->input_bytes && n > 0 && (size_t)n < size) {
		part = (double)v->input_bytes / (double)p->size;
		if (part > 1)
			part = 1;
		left = (long)(secs / part - secs + 0.5);

		snprintf(buf + n, size - (size_t)n, ", %d%% of %s, %ld:%02ld left",
			 (int)(part * 100), human((double)p->size, whole, sizeof(whole)),
			 left / 60, left % 60);
	}
	return buf;
}

static void on_progress(void *arg, const struct vuar_progress *v)
{
	struct progress *p = arg;
	struct timespec now;
	char line[160];

	checkpoints(p, v->archive_bytes);
	if (v->done) {
		p->total = v->archive_bytes;
		p->done = 1;
	}

	if (progress_asked) {
		progress_asked = 0;
		progress_clear(p);
		fprintf(stderr, "vutar: %s\n", progress_line(p, v, line, sizeof(line)));
		return;
	}
	if (!p->on || v->done)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* at most 4 updates a second */
	if ((now.tv_sec - p->last.tv_sec) * 1000000000L +
	    (now.tv_nsec - p->last.tv_nsec) < 250000000L)
		return;
	p->last = now;
	fprintf(stderr, "\r\033[Kvutar: %s", progress_line(p, v, line, sizeof(line)));
	p->shown = 1;
}

/* x rounded up, for 0 <= x < 2^64 (no libm for one call) */
static double round_up(double x)
{
	double i = (double)(unsigned long long)x;

	return i < x ? i + 1 : i;
}

/* n as GNU tar's human_readable shows it: powers of 1024, rounded up,
 * one decimal below 10 ("10KiB", "1.5MiB"). */
static const char *human(double n, char *buf, size_t size)
{
	static const char *const units[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	size_t u = 0;
	double r;

	while (n >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1024;
		u++;
	}
	r = round_up(n * 10) / 10;
	if (u && r < 10) {
		snprintf(buf, size, "%.1f%sB", r, units[u]);
		return buf;
	}
	r = round_up(n);
	if (r >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		snprintf(buf, size, "1.0%sB", units[u + 1]);
		return buf;
	}
	snprintf(buf, size, "%.0f%sB", r, units[u]);
	return buf;
}

/* --totals, as GNU tar: "Total bytes written: 10240 (10KiB, 49MiB/s)". */
static void print_totals(const struct progress *p)
{
	char size[32], speed[32];
	struct timespec now;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - p->start.tv_sec) +
	       (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	fprintf(stderr, "Total bytes %s: %llu (%s, %s/s)\n",
		!strcmp(p->verb, "Write") ? "written" : "read",
		(unsigned long long)p->total, human((double)p->total, size, sizeof(size)),
		human((double)p->total / secs, speed, sizeof(speed)));
}

/* Names and reasons come from the archive: quoted (vuar_quote). */
static void on_report(void *arg, const char *entry, const char *why, int warn)
{
	static char qe[VUAR_QUOTE_MAX], qw[VUAR_QUOTE_MAX];

	progress_clear(arg);
	if (!why)
		why = "failed";
	vuar_quote(why, qw, sizeof(qw));
	if (entry && *entry)
		fprintf(stderr, "vutar: %s: %s\n", vuar_quote(entry, qe, sizeof(qe)), qw);
	else
		fprintf(stderr, "vutar: %s%s\n", warn ? "" : "archive: ", qw);
}

static int names_to_stderr;

static void on_name(void *arg, const char *name)
{
	static char q[VUAR_QUOTE_MAX];

	progress_clear(arg);
	/* like tar: the names go to stdout, or stderr when the archive does */
	fprintf(names_to_stderr ? stderr : stdout, "%s\n", vuar_quote(name, q, sizeof(q)));
}

/*
 * GNU tar's old style: a first argument without '-' is a bundle of
 * letters, each an option; those that take an argument take the words
 * after the bundle, in order ("vutar czf A -C D ." is "-c -z -f A -C D .").
 * Returns the new argv, argv itself when the first argument is no
 * bundle, NULL for lack of memory; a new array and *letters (the "-x"
 * strings) are the caller's to free.
 */
static char **expand_old_style(int argc, char **argv, int *nargc, char **letters)
{
	static const char with_arg[] = "fCTX";
	const char *bundle = argc > 1 ? argv[1] : "-";
	size_t n = strlen(bundle), i;
	int next = 2, k = 1;
	char **v;

	*nargc = argc;
	*letters = NULL;
	if (bundle[0] == '-' || n == 0)
		return argv;
	v = calloc((size_t)argc + n + 1, sizeof(*v));
	*letters = malloc(3 * n);
	if (!v || !*letters) {
		free(v);
		free(*letters);
		return NULL;
	}
	v[0] = argv[0];
	for (i = 0; i < n; i++) {
		char *opt = *letters + 3 * i;

		opt[0] = '-';
		opt[1] = bundle[i];
		opt[2] = '\0';
		v[k++] = opt;
		if (strchr(with_arg, bundle[i]) && next < argc)
			v[k++] = argv[next++];
	}
	while (next < argc)
		v[k++] = argv[next++];
	*nargc = k;
	return v;
}

/* A growing list of strings it owns. */
struct strv {
	char **v;
	int n, cap;
};

static int strv_add(struct strv *s, const char *str, size_t len)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		char **v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strndup(str, len);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static void strv_release(struct strv *s)
{
	while (s->n > 0)
		free(s->v[--s->n]);
	free(s->v);
}

/* Adds each line of path ("-": stdin) to s, as GNU tar's -T and -X read
 * them: one name a line, empty lines skipped, nothing else cleaned.
 * 0 or -errno. */
static int read_lines(const char *path, struct strv *s)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	int r = 0;

	if (!f)
		return -errno;
	while (r == 0 && (n = getline(&line, &size, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0)
			r = strv_add(s, line, (size_t)n);
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

/* What the command line asks for. */
struct plan {
	int mode;		/* 'x', 'c' or 't' */
	const char *archive;	/* NULL or "-": stdin, stdout */
	const char *dir;
	struct strv names;	/* -c: what to pack beneath dir; -x, -t: members */
	struct strv excludes;
	struct vuar_mode *modes;	/* --mode, compiled */
	int to_stdout;		/* -xO */
	int files_from;		/* -T was given */
	int stdin_list;		/* a -T or -X list is read from stdin */
	int totals;		/* --totals */
	int checkpoint;		/* --checkpoint[=N]: every N records */
	int dir_given;		/* -C was given */
	int stack;		/* --stack */
	struct vutar_stack view;	/* -o: the layers -c reads through */
	const char *oci;	/* --oci=DIR[:TAG] */
	struct oci_opts oci_o;	/* --oci-config, --oci-base */
	struct vuar_opts o;
};

enum {
	OPT_FORMAT = 256, OPT_ZSTD, OPT_EXCLUDE, OPT_STRIP, OPT_NUMERIC,
	OPT_OWNER, OPT_GROUP, OPT_MODE, OPT_MTIME, OPT_CLAMP, OPT_SORT,
	OPT_ALWAYS, OPT_TOTALS, OPT_CHECKPOINT, OPT_LAYER, OPT_STACK,
	OPT_OCI, OPT_OCI_BASE, OPT_OCI_CONFIG,
};

static int is_stdio(const char *archive)
{
	return !archive || !strcmp(archive, "-");
}

/* A count option's value, min..INT_MAX, in *out; NULL (--checkpoint
 * alone) is GNU tar's default, 10. 0 or the exit status. */
static int parse_count(const char *arg, int min, const char *opt, int *out)
{
	char *end;
	long n;

	if (!arg) {
		*out = 10;
		return 0;
	}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < min || n > INT_MAX) {
		fprintf(stderr, "vutar: %s=%s: not a count (%d or more)\n", opt, arg, min);
		return EXIT_USAGE;
	}
	*out = (int)n;
	return 0;
}

/* -T, -X: the list's lines added to s. 0, or the exit status. */
static int add_list(struct plan *p, const char *opt, const char *path, struct strv *s)
{
	int r = read_lines(path, s);

	if (r < 0) {
		fprintf(stderr, "vutar: %s %s: %s\n", opt, path, strerror(-r));
		return EXIT_USAGE;
	}
	p->stdin_list |= !strcmp(path, "-");
	return 0;
}

/* --owner, --group. 0 or the exit status. */
static int parse_owner(struct plan *p, bool group, const char *arg)
{
	struct vuar_force *f = &p->o.force;
	int r = vuar_owner_parse(arg, group, group ? &f->gid : &f->uid,
				 group ? f->gname : f->uname, VUAR_NAME_MAX);

	if (r < 0) {
		fprintf(stderr, "vutar: --%s=%s: %s\n", group ? "group" : "owner", arg,
			r == -ENOENT ? (group ? "no such group (give NAME:GID)"
					: "no such user (give NAME:UID)")
			: "not NAME, ID or NAME:ID");
		return EXIT_USAGE;
	}
	f->mask |= group ? VUAR_FORCE_GID : VUAR_FORCE_UID;
	return 0;
}

/* --mode. 0 or the exit status. */
static int parse_mode(struct plan *p, const char *arg)
{
	mode_t mask = umask(0);
	int r;

	umask(mask);	/* GNU tar: a change naming no class keeps to the umask */
	vuar_mode_free(p->modes);
	r = vuar_mode_parse(arg, mask, &p->modes);
	if (r < 0) {
		p->modes = NULL;
		fprintf(stderr, "vutar: --mode=%s: %s\n", arg,
			r == -EINVAL ? "not a chmod mode (go-w, u=rwX, 0644...)" : strerror(-r));
		return EXIT_USAGE;
	}
	p->o.force.mode = p->modes;
	return 0;
}

/* --mtime. 0 or the exit status. */
static int parse_mtime(struct plan *p, const char *arg)
{
	int r = vuar_date_parse(arg, &p->o.force.mtime);

	if (r < 0) {
		fprintf(stderr, "vutar: --mtime=%s: %s\n", arg, r == -EINVAL
			? "not @SECONDS, YYYY-MM-DD[ HH:MM[:SS]] (UTC) or a file" : strerror(-r));
		return EXIT_USAGE;
	}
	p->o.force.mask |= VUAR_FORCE_MTIME;
	return 0;
}

/* --sort. 0 or the exit status. */
static int parse_sort(struct plan *p, const char *arg)
{
	if (!strcmp(arg, "name"))
		p->o.sort = VUAR_SORT_NAME;
	else if (!strcmp(arg, "none"))
		p->o.sort = VUAR_SORT_NONE;
	else if (!strcmp(arg, "inode"))
		p->o.sort = VUAR_SORT_INODE;
	else {
		fprintf(stderr, "vutar: --sort=%s: not name, none or inode\n", arg);
		return EXIT_USAGE;
	}
	return 0;
}

/* One option of the many that only set a field. 0, -1 when c is none
 * of them, or the exit status. */
static int parse_one(struct plan *p, int c, const char *arg)
{
	switch (c) {
	case 1:	/* a name, kept in its place among -T lists */
		return strv_add(&p->names, arg, strlen(arg)) < 0 ? EXIT_USAGE : 0;
	case 'v': p->o.verbose = 1; return 0;
	case 'p': case OPT_ALWAYS: return 0;	/* what vutar always does */
	case OPT_TOTALS: p->totals = 1; return 0;
	case OPT_CHECKPOINT: return parse_count(arg, 1, "--checkpoint", &p->checkpoint);
	case 'O': p->to_stdout = 1; return 0;
	case OPT_NUMERIC: p->o.numeric_owner = 1; return 0;
	case OPT_OWNER: return parse_owner(p, false, arg);
	case OPT_GROUP: return parse_owner(p, true, arg);
	case OPT_MODE: return parse_mode(p, arg);
	case OPT_MTIME: return parse_mtime(p, arg);
	case OPT_CLAMP: p->o.force.mask |= VUAR_FORCE_CLAMP; return 0;
	case OPT_SORT: return parse_sort(p, arg);
	case OPT_LAYER: p->o.layer = 1; return 0;
	case OPT_OCI: p->oci = arg; return 0;
	case OPT_OCI_BASE: p->oci_o.base = arg; return 0;
	case OPT_OCI_CONFIG: p->oci_o.config = arg; return 0;
	case 'f': p->archive = arg; return 0;
	case 'C': p->dir = arg; p->dir_given = 1; return 0;
	case OPT_STACK: p->stack = 1; return 0;
	case 'o': {
		char err[4400];

		if (vutar_stack_option(&p->view, arg, err, sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "vutar: %s\n", err);
		return EXIT_USAGE;
	}
	case 'z': p->o.filter = VUAR_FILTER_GZIP; return 0;
	case 'J': p->o.filter = VUAR_FILTER_XZ; return 0;
	case 'j': p->o.filter = VUAR_FILTER_BZIP2; return 0;
	case OPT_ZSTD: p->o.filter = VUAR_FILTER_ZSTD; return 0;
	case 'T':
		p->files_from = 1;
		return add_list(p, "-T", arg, &p->names);
	case 'X': return add_list(p, "-X", arg, &p->excludes);
	case OPT_EXCLUDE:
		return strv_add(&p->excludes, arg, strlen(arg)) < 0 ? EXIT_USAGE : 0;
	case OPT_STRIP: return parse_count(arg, 0, "--strip-components", &p->o.strip);
	case OPT_FORMAT:
		p->o.format = format_named(arg);
		if (p->o.format != VUAR_FORMAT_AUTO)
			return 0;
		fprintf(stderr, "vutar: unknown format %s (pax, gnu, ustar, cpio, newc, zip)\n",
			arg);
		return EXIT_USAGE;
	}
	return -1;
}

/* --oci and its options (the rest of check_plan's checks done): -1 to
 * go on, or the exit status. */
static int check_oci(struct plan *p)
{
	const char *why = NULL;

	if (p->mode == 't')
		why = "--oci goes with -x or -c";
	else if (p->archive || p->to_stdout || p->names.n || p->files_from)
		why = "--oci is the archive: no -f, -O or NAMEs with it";
	else if ((p->stack || p->oci_o.config) && p->mode != 'x')
		why = "--stack and --oci-config go with -x --oci";
	else if (p->oci_o.base && p->mode != 'c')
		why = "--oci-base goes with -c --oci";
	else if (p->view.given && !(p->mode == 'c' && p->o.layer))
		why = "-o names layers for -c --layer --oci";
	else if (p->mode == 'c' && p->o.filter > VUAR_FILTER_NONE &&
		 p->o.filter != VUAR_FILTER_GZIP && p->o.filter != VUAR_FILTER_ZSTD)
		why = "an image's layer is gzip (-z), zstd (--zstd) or not compressed";
	if (why) {
		fprintf(stderr, "vutar: %s\n", why);
		return EXIT_USAGE;
	}
	p->o.excludes = p->excludes.v;
	p->o.nexcludes = p->excludes.n;
	return -1;
}

/* What the options ask, checked together. -1 to go on, or the exit status. */
static int check_plan(struct plan *p)
{
	if (!p->mode) {
		fprintf(stderr, "vutar: one of -x, -c or -t is needed\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((p->o.force.mask & VUAR_FORCE_CLAMP) && !(p->o.force.mask & VUAR_FORCE_MTIME)) {
		fprintf(stderr, "vutar: --clamp-mtime needs --mtime\n");
		return EXIT_USAGE;
	}
	if (p->o.layer && p->mode == 't') {
		fprintf(stderr, "vutar: --layer goes with -x or -c\n");
		return EXIT_USAGE;
	}
	/* -c --layer over lowers: the upper is DIR; the whole of it */
	if (p->o.layer && p->view.given && p->view.upperdir) {
		fprintf(stderr, "vutar: -c --layer: the upper layer is -C DIR, not upperdir=\n");
		return EXIT_USAGE;
	}
	if (p->o.layer && p->view.given && (p->names.n || p->files_from)) {
		fprintf(stderr, "vutar: -c --layer packs the whole upper layer: no NAMEs\n");
		return EXIT_USAGE;
	}
	if (p->oci)
		return check_oci(p);
	if (p->stack && p->mode != 'c') {
		fprintf(stderr, "vutar: --stack goes with -c, or -x --oci\n");
		return EXIT_USAGE;
	}
	if (p->oci_o.base || p->oci_o.config) {
		fprintf(stderr, "vutar: --oci-base and --oci-config go with --oci\n");
		return EXIT_USAGE;
	}
	if (p->stack && (p->o.layer || p->dir_given)) {
		fprintf(stderr, "vutar: --stack packs the view -o names: no %s\n",
			p->o.layer ? "--layer" : "-C");
		return EXIT_USAGE;
	}
	if (p->stack && !p->view.given) {
		fprintf(stderr, "vutar: --stack needs -o lowerdir=... (or upperdir=, view=)\n");
		return EXIT_USAGE;
	}
	if (p->view.given && !p->stack && !(p->mode == 'c' && p->o.layer)) {
		fprintf(stderr, "vutar: -o names layers for -c --stack or -c --layer\n");
		return EXIT_USAGE;
	}
	if (p->to_stdout && p->mode != 'x') {
		fprintf(stderr, "vutar: -O goes with -x\n");
		return EXIT_USAGE;
	}
	if (p->stdin_list && p->mode != 'c' && is_stdio(p->archive)) {
		fprintf(stderr, "vutar: -T -, -X -: standard input is the archive\n");
		return EXIT_USAGE;
	}
	p->o.excludes = p->excludes.v;
	p->o.nexcludes = p->excludes.n;
	if (p->mode != 'c') {
		p->o.names = p->names.v;
		p->o.nnames = p->names.n;
	}
	return -1;
}

/* Parses argv into p. Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct plan *p)
{
	static const struct option longopts[] = {
		{ "extract", no_argument, NULL, 'x' },
		{ "get", no_argument, NULL, 'x' },
		{ "create", no_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "file", required_argument, NULL, 'f' },
		{ "directory", required_argument, NULL, 'C' },
		{ "to-stdout", no_argument, NULL, 'O' },
		{ "files-from", required_argument, NULL, 'T' },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "exclude-from", required_argument, NULL, 'X' },
		{ "strip-components", required_argument, NULL, OPT_STRIP },
		{ "numeric-owner", no_argument, NULL, OPT_NUMERIC },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "mtime", required_argument, NULL, OPT_MTIME },
		{ "clamp-mtime", no_argument, NULL, OPT_CLAMP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "layer", no_argument, NULL, OPT_LAYER },
		{ "stack", no_argument, NULL, OPT_STACK },
		{ "oci", required_argument, NULL, OPT_OCI },
		{ "oci-base", required_argument, NULL, OPT_OCI_BASE },
		{ "oci-config", required_argument, NULL, OPT_OCI_CONFIG },
		{ "options", required_argument, NULL, 'o' },
		{ "diff", no_argument, NULL, OPT_LAYER },
		{ "totals", no_argument, NULL, OPT_TOTALS },
		{ "checkpoint", optional_argument, NULL, OPT_CHECKPOINT },
		/* tar's ways to ask for what vutar always keeps */
		{ "xattrs", no_argument, NULL, OPT_ALWAYS },
		{ "acls", no_argument, NULL, OPT_ALWAYS },
		{ "preserve-permissions", no_argument, NULL, 'p' },
		{ "same-permissions", no_argument, NULL, 'p' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "xz", no_argument, NULL, 'J' },
		{ "bzip2", no_argument, NULL, 'j' },
		{ "zstd", no_argument, NULL, OPT_ZSTD },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	/* '-' first: names come back in their place among the options,
	 * so -T lists and names keep the command line's order */
	while ((c = getopt_long(argc, argv, "-xctvpf:C:OT:X:zJjhVo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'x': case 'c': case 't':
			if (p->mode && p->mode != c) {
				fprintf(stderr, "vutar: only one of -x, -c, -t\n");
				return EXIT_USAGE;
			}
			p->mode = c;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vutar %s\n", PACKAGE_VERSION); return 0;
		default:
			r = parse_one(p, c, optarg);
			if (r < 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			if (r > 0)
				return r;
		}
	}
	for (; optind < argc; optind++)	/* the names after "--" */
		if (strv_add(&p->names, argv[optind], strlen(argv[optind])) < 0)
			return EXIT_USAGE;
	return check_plan(p);
}

/* -c --layer --oci -o lowerdir=: the image's layer read through the view */
static int pack_layer(void *arg, const char *archive, const char *src,
		      const struct vuar_opts *o, const char **msg)
{
	return vutar_pack_layer(archive, src, arg, o, msg);
}

static int run(struct plan *p, const char **msg)
{
	static char *dot[] = { "." };

	if (p->oci) {
		struct oci_opts oo = p->oci_o;

		oo.stack = p->stack;
		oo.layer = p->o.layer;
		if (p->view.given) {
			oo.pack = pack_layer;
			oo.pack_arg = &p->view;
		}
		return p->mode == 'x' ? oci_extract(p->oci, p->dir, &oo, &p->o, msg)
				      : oci_create(p->oci, p->dir, &oo, &p->o, msg);
	}
	if (p->mode == 'x' && p->to_stdout)
		return vuar_cat(p->archive, 1, &p->o, msg);
	if (p->mode == 'x')
		return vuar_extract(p->archive, p->dir, &p->o, msg);
	if (p->mode == 't')
		return vuar_list(p->archive, stdout, &p->o, msg);
	if (p->stack)
		return vutar_pack_stack(p->archive, &p->view,
					p->names.n || p->files_from ? p->names.v : dot,
					p->names.n || p->files_from ? p->names.n : 1, &p->o, msg);
	if (p->o.layer && p->view.given)
		return vutar_pack_layer(p->archive, p->dir, &p->view, &p->o, msg);
	/* the whole directory when no path is named (an empty -T list
	 * names none: an empty archive, as GNU tar makes) */
	if (p->names.n == 0 && !p->files_from)
		return vuar_create(p->archive, p->dir, dot, 1, &p->o, msg);
	return vuar_create(p->archive, p->dir, p->names.v, p->names.n, &p->o, msg);
}

int main(int argc, char **argv)
{
	struct progress prog = { 0 };
	struct plan p = {
		.dir = ".",
		.o = {
			.filter = VUAR_FILTER_AUTO,
			.report = on_report,
			.progress = on_progress,
			.arg = &prog,
		},
	};
	const char *msg = NULL;
	char *letters, **args;
	int nargs, r;

	vu_log_init(argv[0]);
	vutar_stack_init(&p.view);
	args = expand_old_style(argc, argv, &nargs, &letters);
	if (!args) {
		fprintf(stderr, "vutar: %s\n", strerror(ENOMEM));
		return EXIT_USAGE;
	}
	args[0] = "vutar";	/* getopt's messages name the program so */
	r = parse_args(nargs, args, &p);
	if (r >= 0)
		goto out;
	prog.on = isatty(2);
	/* the size a percentage is of: an archive read from a file */
	if (p.mode != 'c' && !p.oci) {
		struct stat st;

		if ((is_stdio(p.archive) ? fstat(0, &st) : stat(p.archive, &st)) == 0 &&
		    S_ISREG(st.st_mode))
			prog.size = (uint64_t)st.st_size;
	}
	prog.verb = p.mode == 'c' ? "Write" : "Read";
	prog.checkpoint = (unsigned)p.checkpoint;
	prog.next = (uint64_t)p.checkpoint;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	signal(SIGUSR1, ask_progress);
	/* names are bytes, pax headers UTF-8: a locale that cannot hold them
	 * (C, POSIX) would make libarchive warn about every non-ASCII name,
	 * and a warning fails the run; C.UTF-8 converts nothing */
	if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	if (p.o.verbose && p.mode != 't')
		p.o.verbose_name = on_name;
	/* like tar: the names go to stdout, or stderr when data do */
	names_to_stderr = (p.mode == 'c' && is_stdio(p.archive)) || p.to_stdout;
	r = run(&p, &msg);
	progress_clear(&prog);
	if (p.totals && prog.done)
		print_totals(&prog);
	if (r < 0) {
		if (!msg || *msg)	/* "": said already */
			fprintf(stderr, "vutar: %s\n", msg ? msg : strerror(-r));
		r = EXIT_USAGE;
	} else if (fflush(stdout) != 0) {
		fprintf(stderr, "vutar: cannot write the output: %s\n", strerror(errno));
		r = EXIT_ENTRIES;
	} else {
		r = r ? EXIT_ENTRIES : 0;
	}
out:
	/* the plan points into args */
	if (args != argv)
		free(args);
	free(letters);
	strv_release(&p.names);
	strv_release(&p.excludes);
	vutar_stack_release(&p.view);
	vuar_mode_free(p.modes);
	return r;
}
