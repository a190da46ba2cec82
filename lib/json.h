/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json — a strict RFC 8259 reader into a tree, and a writer of trees and
 * strings. Strict: UTF-8 only, no NUL (raw or \u0000: values become C
 * strings), no lone surrogate, no duplicate member name (two parsers
 * would pick different ones), nothing after the value. Hostile input is
 * refused with a reason and an offset, never a crash: depth and size are
 * bounded. Nothing here prints but the writers, to the FILE given.
 */
#ifndef VU_JSON_H
#define VU_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64		/* arrays and objects within each other */
#define JSON_MAX_SIZE (64u << 20)	/* bytes of a document */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* A value. Arrays and objects hold their elements as a list, in order. */
struct json {
	enum json_type type;
	bool boolean;		/* JSON_BOOL */
	char *key;		/* a member of an object: its name; else NULL */
	char *text;		/* a string's value, a number as written */
	size_t n;		/* elements or members */
	struct json *child;	/* the first of them */
	struct json *next;	/* the next in the parent */
};

/* Where and why a document was refused. */
struct json_error {
	size_t offset;
	const char *why;	/* static text */
};

/* The tree of text[0..len) in *out (json_free frees). 0, -EINVAL (not
 * strict JSON), -E2BIG (over a limit above), -ENOMEM; err says where and
 * why unless -ENOMEM. */
int json_parse(const char *text, size_t len, struct json **out, struct json_error *err);
void json_free(struct json *j);

/* obj's member named key, or NULL (none, or obj is not an object). */
const struct json *json_get(const struct json *obj, const char *key);
/* j's string, or NULL when j is not a string (or is NULL). */
const char *json_str(const struct json *j);
/* j's value as an integer: 0, or -EINVAL when j is not a number
 * written as an integer, -ERANGE when it does not fit. */
int json_int(const struct json *j, int64_t *out);

/* True when s[0..len) is well-formed UTF-8 (no surrogate, no overlong
 * form, nothing over U+10FFFF). */
bool json_is_utf8(const char *s, size_t len);
/* s as a JSON string, quotes and escapes included. 0, or -EILSEQ (s is
 * not UTF-8: nothing written). */
int json_write_string(FILE *f, const char *s);
/* j compactly, as json_parse would read it back (members in order). */
void json_write(FILE *f, const struct json *j);

#endif
