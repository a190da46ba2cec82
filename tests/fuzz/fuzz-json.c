// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-json — lib/json under libFuzzer: the bytes as a document (what an
 * OCI layout's index.json, manifests and configs are), and what parses
 * written back and read again to the same bytes. Bad input must come
 * back as an error with a reason, never a crash.
 */
#include "config.h"
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* j written compactly; the caller frees */
static char *written(const struct json *j, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	json_write(f, j);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error err;
	struct json *j, *again;
	char *a, *b;
	size_t na, nb;

	if (json_parse((const char *)data, size, &j, &err) < 0)
		return 0;
	a = written(j, &na);
	if (a && json_parse(a, na, &again, &err) == 0) {
		b = written(again, &nb);
		if (b && (na != nb || memcmp(a, b, na)))
			abort();	/* the writer's output reads back to itself */
		free(b);
		json_free(again);
	} else if (a) {
		abort();	/* what the writer wrote must parse */
	}
	free(a);
	json_free(j);
	return 0;
}
