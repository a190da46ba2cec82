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

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_USAGE = 1, EXIT_ENTRIES = 2 };

struct progress {
	int on;
	int shown;
	struct timespec last;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: vutar -x|-c|-t [-v] [-f ARCHIVE|-] [-C DIR] [PATH...]\n"
"       vutar {x|c|t}[vzJjf...] [ARCHIVE] [DIR...] ...  (GNU tar's old style:\n"
"                       the letters' arguments follow in order: vutar czf A -C D .)\n"
"  -x, --extract        extract into DIR, recording owners, modes, devices\n"
"                       and privileged xattrs in DIR/.vuovl (the sidecar)\n"
"  -c, --create         pack DIR (or PATHs beneath it) with its virtual owners\n"
"  -t, --list           list the archive (-tv: like tar -tv)\n"
"  -v, --verbose        name each entry (-t: long listing)\n"
"  -f, --file=ARCHIVE   the archive; - or none is stdin/stdout\n"
"  -C, --directory=DIR  the directory to extract into or pack (default .)\n"
"  -z, -J, --zstd, -j   compress (-c) with gzip, xz, zstd, bzip2; otherwise the\n"
"                       archive name's suffix decides (.gz .xz .zst .bz2 .lz4)\n"
"      --format=FMT     pax, gnu, ustar, cpio, newc or zip (-c); without it\n"
"                       the suffix decides (.zip, .cpio; else pax)\n"
"  -h, --help           this help\n"
"  -V, --version        the version\n"
"Reading accepts every format and compression libarchive knows.\n"
"Exit status: 0 all went well, 1 usage error or the archive/directory could\n"
"not be opened, 2 some entry was refused or failed (each is named on stderr).\n");
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

static void on_progress(void *arg, uint64_t entries, uint64_t bytes)
{
	struct progress *p = arg;
	struct timespec now;

	if (progress_asked) {
		progress_asked = 0;
		progress_clear(p);
		fprintf(stderr, "vutar: %llu entries, %.1f MiB\n", (unsigned long long)entries,
			(double)bytes / (1024.0 * 1024.0));
		return;
	}
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* at most 4 updates a second */
	if ((now.tv_sec - p->last.tv_sec) * 1000000000L +
	    (now.tv_nsec - p->last.tv_nsec) < 250000000L)
		return;
	p->last = now;
	fprintf(stderr, "\r\033[Kvutar: %llu entries, %.1f MiB",
		(unsigned long long)entries, (double)bytes / (1024.0 * 1024.0));
	p->shown = 1;
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

/* What the command line asks for. */
struct plan {
	int mode;		/* 'x', 'c' or 't' */
	const char *archive;	/* NULL or "-": stdin, stdout */
	const char *dir;
	char **paths;		/* -c: what to pack beneath dir */
	int npaths;
	struct vuar_opts o;
};

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
		{ "gzip", no_argument, NULL, 'z' },
		{ "xz", no_argument, NULL, 'J' },
		{ "bzip2", no_argument, NULL, 'j' },
		{ "zstd", no_argument, NULL, 'Z' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "xctvf:C:zJjhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'x': case 'c': case 't':
			if (p->mode && p->mode != c) {
				fprintf(stderr, "vutar: only one of -x, -c, -t\n");
				return EXIT_USAGE;
			}
			p->mode = c;
			break;
		case 'v': p->o.verbose = 1; break;
		case 'f': p->archive = optarg; break;
		case 'C': p->dir = optarg; break;
		case 'z': p->o.filter = VUAR_FILTER_GZIP; break;
		case 'J': p->o.filter = VUAR_FILTER_XZ; break;
		case 'j': p->o.filter = VUAR_FILTER_BZIP2; break;
		case 'Z': p->o.filter = VUAR_FILTER_ZSTD; break;
		case 'F':
			p->o.format = format_named(optarg);
			if (p->o.format == VUAR_FORMAT_AUTO) {
				fprintf(stderr, "vutar: unknown format %s (pax, gnu, ustar, "
					"cpio, newc, zip)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vutar %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!p->mode) {
		fprintf(stderr, "vutar: one of -x, -c or -t is needed\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (p->mode != 'c' && optind < argc) {
		fprintf(stderr, "vutar: naming members to extract or list is not supported\n");
		return EXIT_USAGE;
	}
	p->paths = argv + optind;
	p->npaths = argc - optind;
	return -1;
}

static int run(const struct plan *p, const char **msg)
{
	static char *dot[] = { "." };

	if (p->mode == 'x')
		return vuar_extract(p->archive, p->dir, &p->o, msg);
	if (p->mode == 't')
		return vuar_list(p->archive, stdout, &p->o, msg);
	/* like tar -C DIR .: the whole directory when no path is named */
	if (p->npaths == 0)
		return vuar_create(p->archive, p->dir, dot, 1, &p->o, msg);
	return vuar_create(p->archive, p->dir, p->paths, p->npaths, &p->o, msg);
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
	signal(SIGUSR1, ask_progress);
	/* names are bytes, pax headers UTF-8: a locale that cannot hold them
	 * (C, POSIX) would make libarchive warn about every non-ASCII name,
	 * and a warning fails the run; C.UTF-8 converts nothing */
	if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	if (p.o.verbose && p.mode != 't')
		p.o.verbose_name = on_name;
	names_to_stderr = p.mode == 'c' && (!p.archive || !strcmp(p.archive, "-"));
	r = run(&p, &msg);
	progress_clear(&prog);
	if (r < 0) {
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
	return r;
}
