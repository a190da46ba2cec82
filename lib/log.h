/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log — leveled, categorized diagnostics for the programs (not for lib/
 * return paths: lib/ returns -errno and never prints on its own behalf).
 * A disabled debug category costs one branch and builds no string.
 */
#ifndef VU_LOG_H
#define VU_LOG_H

#include <stdarg.h>

enum vu_level { VU_ERR, VU_WARN, VU_INFO, VU_DEBUG };

/* Debug categories, switched on by VUOVL_DEBUG=lookup,copyup,... or -d. */
enum vu_cat {
	VU_CAT_GENERAL = 1u << 0,
	VU_CAT_LOOKUP = 1u << 1,
	VU_CAT_COPYUP = 1u << 2,
	VU_CAT_SIDECAR = 1u << 3,
	VU_CAT_DIR = 1u << 4,
	VU_CAT_FILE = 1u << 5,
	VU_CAT_XATTR = 1u << 6,
	VU_CAT_RULES = 1u << 7,
	VU_CAT_NS = 1u << 8,
	VU_CAT_ARCHIVE = 1u << 9,
	VU_CAT_ALL = ~0u,
};

extern const char *vu_progname;
extern unsigned vu_log_cats;	/* enabled debug categories */
extern enum vu_level vu_log_level;

/* Sets the program name and reads VUOVL_DEBUG. */
void vu_log_init(const char *argv0);
/* Parses "lookup,copyup" (or "all"); returns 0 or -EINVAL. */
int vu_log_parse_cats(const char *spec, unsigned *out);
/* Sends messages to syslog instead of stderr (a daemon with no terminal). */
void vu_log_to_syslog(void);

void vu_log_emit(enum vu_level level, unsigned cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define vu_log(level, cat, ...)                                              \
	do {                                                                 \
		if ((level) <= VU_INFO ? (level) <= vu_log_level             \
				       : (vu_log_cats & (cat)) != 0)         \
			vu_log_emit((level), (cat), __VA_ARGS__);            \
	} while (0)

#define vu_err(...) vu_log(VU_ERR, VU_CAT_GENERAL, __VA_ARGS__)
#define vu_warn(...) vu_log(VU_WARN, VU_CAT_GENERAL, __VA_ARGS__)
#define vu_debug(cat, ...) vu_log(VU_DEBUG, (cat), __VA_ARGS__)

/* Aborts on a state the code itself made impossible. */
#define BUG() vu_bug(__FILE__, __LINE__, __func__)
_Noreturn void vu_bug(const char *file, int line, const char *func);

#endif
