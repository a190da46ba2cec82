/* archive_int — what the archive_*.c files share; not for programs. */
#ifndef VU_VUAR_INT_H
#define VU_VUAR_INT_H

#include <archive.h>
#include <archive_entry.h>

#include "vuar.h"

int vuar_fail(const char **msg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vuar_open_read(const char *archive, struct archive **out, const char **msg);
enum vuar_filter vuar_filter_for_name(const char *archive);
int vuar_add_filter(struct archive *a, enum vuar_filter f);
int vuar_is_stdio(const char *archive);
void vuar_mode_string(struct archive_entry *e, char out[11]);

#endif
