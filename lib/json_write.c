// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json_write — JSON out: strings escaped as RFC 8259 section 7 asks (the
 * quote, the backslash and the controls; other characters as they are,
 * UTF-8), trees compactly, with no space, in their order: the same tree
 * gives the same bytes, which content-addressed blobs need.
 */
#include "json.h"

#include <errno.h>
#include <string.h>

int json_write_string(FILE *f, const char *s)
{
	const unsigned char *c;

	if (!json_is_utf8(s, strlen(s)))
		return -EILSEQ;
	fputc('"', f);
	for (c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fprintf(f, "\\u%04x", *c);
			else
				fputc(*c, f);
		}
	}
	fputc('"', f);
	return 0;
}

void json_write(FILE *f, const struct json *j)
{
	const struct json *e;

	switch (j->type) {
	case JSON_NULL: fputs("null", f); return;
	case JSON_BOOL: fputs(j->boolean ? "true" : "false", f); return;
	case JSON_NUMBER: fputs(j->text, f); return;
	/* a parsed string is UTF-8 (json_parse checked it) */
	case JSON_STRING: json_write_string(f, j->text); return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}
	fputc(j->type == JSON_OBJECT ? '{' : '[', f);
	for (e = j->child; e; e = e->next) {
		if (e != j->child)
			fputc(',', f);
		if (j->type == JSON_OBJECT) {
			json_write_string(f, e->key);
			fputc(':', f);
		}
		json_write(f, e);
	}
	fputc(j->type == JSON_OBJECT ? '}' : ']', f);
}
