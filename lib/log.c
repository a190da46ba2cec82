// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log — formats "prog: message" to stderr (or syslog for a detached
 * daemon). Owns the process-wide log settings; touches nothing else.
 */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

const char *vu_progname = "vuovl";
unsigned vu_log_cats;
enum vu_level vu_log_level = VU_WARN;
static int use_syslog;

static const struct {
	const char *name;
	unsigned bit;
} cat_names[] = {
	{ "general", VU_CAT_GENERAL }, { "lookup", VU_CAT_LOOKUP },
	{ "copyup", VU_CAT_COPYUP },   { "sidecar", VU_CAT_SIDECAR },
	{ "dir", VU_CAT_DIR },	       { "file", VU_CAT_FILE },
	{ "xattr", VU_CAT_XATTR },     { "rules", VU_CAT_RULES },
	{ "ns", VU_CAT_NS },	       { "archive", VU_CAT_ARCHIVE },
	{ "all", VU_CAT_ALL },
};

int vu_log_parse_cats(const char *spec, unsigned *out)
{
	unsigned cats = 0;
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(cat_names) / sizeof(cat_names[0]); i++)
			if (strlen(cat_names[i].name) == len &&
			    strncmp(cat_names[i].name, p, len) == 0)
				break;
		if (i == sizeof(cat_names) / sizeof(cat_names[0]))
			return -EINVAL;
		cats |= cat_names[i].bit;
		p += len;
		if (*p == ',')
			p++;
	}
	*out = cats;
	return 0;
}

void vu_log_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	const char *spec = getenv("VUOVL_DEBUG");
	int saved = errno;

	vu_progname = slash ? slash + 1 : argv0;
	/* An unknown category in the environment is ignored, not fatal. */
	if (spec && vu_log_parse_cats(spec, &vu_log_cats) == 0 && vu_log_cats)
		vu_log_level = VU_DEBUG;
	errno = saved;
}

void vu_log_to_syslog(void)
{
	openlog(vu_progname, LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void vu_log_emit(enum vu_level level, unsigned cat, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	int saved = errno;
	va_list ap;

	(void)cat;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio[level], fmt, ap);
	} else {
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "%s: %s\n", vu_progname, line);
	}
	va_end(ap);
	errno = saved;
}

void vu_bug(const char *file, int line, const char *func)
{
	fprintf(stderr, "%s: internal error at %s:%d (%s)\n", vu_progname, file,
		line, func);
	abort();
}
