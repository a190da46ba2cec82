// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/json: documents read into trees, the strict
 * refusals (each malformed input refused, none crashes), the limits, and
 * the writer reading back to the same tree.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "check.h"

static int parse(const char *s, struct json **out)
{
	return json_parse(s, strlen(s), out, NULL);
}

static void test_document(void)
{
	const char *doc = " {\"schemaVersion\": 2, \"manifests\": [ {\"size\": 527,"
		" \"annotations\": {\"org.opencontainers.image.ref.name\": \"latest\"}},"
		" true, false, null, -1.5e3, \"\"] }\n";
	const struct json *m, *e;
	struct json *j;
	int64_t v;

	CHECK(parse(doc, &j) == 0);
	if (!j)
		return;
	CHECK(j->type == JSON_OBJECT && j->n == 2);
	CHECK(json_int(json_get(j, "schemaVersion"), &v) == 0 && v == 2);
	m = json_get(j, "manifests");
	CHECK(m && m->type == JSON_ARRAY && m->n == 6);
	e = m->child;
	CHECK(json_int(json_get(e, "size"), &v) == 0 && v == 527);
	CHECK(!strcmp(json_str(json_get(json_get(e, "annotations"),
					 "org.opencontainers.image.ref.name")), "latest"));
	CHECK(json_get(e, "nothing") == NULL && json_get(m, "size") == NULL);
	e = e->next;
	CHECK(e->type == JSON_BOOL && e->boolean);
	e = e->next;
	CHECK(e->type == JSON_BOOL && !e->boolean);
	e = e->next;
	CHECK(e->type == JSON_NULL && json_str(e) == NULL);
	e = e->next;
	CHECK(e->type == JSON_NUMBER && json_int(e, &v) == -EINVAL);
	e = e->next;
	CHECK(json_str(e) && !*json_str(e));
	json_free(j);
}

static void test_escapes(void)
{
	struct json *j;
	int64_t v;

	CHECK(parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"", &j) == 0);
	CHECK(j && !strcmp(j->text, "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	json_free(j);
	CHECK(parse("\"\xc3\xa9\xf0\x9f\x98\x80\"", &j) == 0);	/* raw UTF-8 */
	json_free(j);
	CHECK(parse("9223372036854775807", &j) == 0);
	CHECK(json_int(j, &v) == 0 && v == INT64_MAX);
	json_free(j);
	CHECK(parse("9223372036854775808", &j) == 0);
	CHECK(json_int(j, &v) == -ERANGE);
	json_free(j);
}

/* each must be refused with a reason, and leave no tree */
static void test_malformed(void)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":}", "{\"a\" 1}", "{a:1}",
		"{\"a\":1,}", "{\"a\":1 \"b\":2}", "[1 2]", "nul", "nulll", "True", "tru",
		"01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity",
		"\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\u0000\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
		"\"\t\"", "\"\x01\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\xef\xbb\xbf{}", "{} {}", "1 2",
		"{\"a\":1,\"a\":2}", "[\"\\", "'a'", "[1]\x0c", "\"\\",
	};
	struct json_error err;
	struct json *j;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = (struct json *)1;
		err.why = NULL;
		CHECK(json_parse(bad[i], strlen(bad[i]), &j, &err) == -EINVAL);
		CHECK(j == NULL && err.why != NULL);
		if (err.why == NULL)
			fprintf(stderr, "  input %zu accepted: %s\n", i, bad[i]);
	}
	/* a NUL byte inside the text */
	CHECK(json_parse("\"a\0b\"", 5, &j, &err) == -EINVAL && j == NULL);
	CHECK(json_parse("1\0", 2, &j, &err) == -EINVAL);
}

static void test_limits(void)
{
	char deep[2 * JSON_MAX_DEPTH + 8];
	struct json_error err;
	struct json *j;
	size_t n;

	n = JSON_MAX_DEPTH;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	CHECK(json_parse(deep, 2 * n, &j, &err) == 0);
	json_free(j);
	memset(deep, '[', n + 1);
	memset(deep + n + 1, ']', n + 1);
	CHECK(json_parse(deep, 2 * n + 2, &j, &err) == -E2BIG && j == NULL);
	/* deep and unclosed: refused, not a crash */
	memset(deep, '{', sizeof(deep));
	CHECK(json_parse(deep, sizeof(deep), &j, &err) == -EINVAL);
	memset(deep, '[', sizeof(deep));
	CHECK(json_parse(deep, sizeof(deep), &j, &err) == -E2BIG);
	CHECK(json_parse("1", (size_t)JSON_MAX_SIZE + 1, &j, &err) == -E2BIG);
}

/* every prefix of a document: refused or read, never a crash (run under
 * the sanitizers by scripts/build --enable-sanitizers) */
static void test_prefixes(void)
{
	const char *doc = "{\"a\":[1,-2.5e-3,\"x\\u00e9\\ud83d\\ude00\",{\"b\":null}],\"c\":true}";
	size_t i, len = strlen(doc);
	struct json *j;
	char *copy;

	for (i = 0; i < len; i++) {
		copy = malloc(i ? i : 1);	/* exactly i bytes: ASan sees an overread */
		memcpy(copy, doc, i);
		CHECK(json_parse(copy, i, &j, NULL) == -EINVAL);
		free(copy);
	}
	CHECK(json_parse(doc, len, &j, NULL) == 0);
	json_free(j);
}

static void test_writer(void)
{
	const char *doc = "{\"k\\\"ey\":[1,-2.5e-3,\"a\\\\b\\n\\u0001\xc3\xa9\",true,false,null,{}],\"e\":[]}";
	char *buf = NULL;
	size_t size = 0;
	struct json *j;
	FILE *f;

	CHECK(parse(doc, &j) == 0);
	f = open_memstream(&buf, &size);
	json_write(f, j);
	fclose(f);
	CHECK(!strcmp(buf, doc));
	json_free(j);
	free(buf);

	f = open_memstream(&buf, &size);
	CHECK(json_write_string(f, "\xff") == -EILSEQ);
	CHECK(json_write_string(f, "a\"\x1f") == 0);
	fclose(f);
	CHECK(!strcmp(buf, "\"a\\\"\\u001f\""));
	free(buf);
}

int main(void)
{
	test_document();
	test_escapes();
	test_malformed();
	test_limits();
	test_prefixes();
	test_writer();
	return check_failures != 0;
}
