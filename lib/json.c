// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json — the strict reader (json.h says what strict means). Recursive
 * descent; the depth bound keeps the stack small whatever the input.
 * Invariants:
 *   1. Every node is linked into the tree as soon as it is allocated, so
 *      one json_free of the root frees everything on any failure.
 *   2. A string's bytes are checked as UTF-8 before it is stored; an
 *      escape never yields a NUL or a lone surrogate.
 */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const unsigned char *s;
	size_t len, pos;
	unsigned depth;
	struct json_error *err;
};

static int refuse(struct parser *p, const char *why)
{
	p->err->offset = p->pos;
	p->err->why = why;
	return -EINVAL;
}

/* RFC 8259 section 2: the four whitespace bytes only */
static void skip_space(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\n\r", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static int peek(struct parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 if bad. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong, a surrogate, past Unicode */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

bool json_is_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(u + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The 4 hex digits after "\u" at p->pos, in *c. */
static int hex4(struct parser *p, uint32_t *c)
{
	int i, d;

	if (p->len - p->pos < 4)
		return refuse(p, "a \\u escape cut short");
	*c = 0;
	for (i = 0; i < 4; i++) {
		d = p->s[p->pos + i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f')
			d = (d | 0x20) - 'a' + 10;
		else
			return refuse(p, "a \\u escape with a non-hex digit");
		*c = *c << 4 | (uint32_t)d;
	}
	p->pos += 4;
	return 0;
}

/* \uXXXX at p->pos (after the backslash and 'u'), a surrogate pair
 * joined; the character in *c. */
static int unicode_escape(struct parser *p, uint32_t *c)
{
	uint32_t lo;
	int r = hex4(p, c);

	if (r < 0)
		return r;
	if (*c == 0)
		return refuse(p, "\\u0000 in a string");
	if (*c >= 0xdc00 && *c <= 0xdfff)
		return refuse(p, "a lone low surrogate");
	if (*c < 0xd800 || *c > 0xdbff)
		return 0;
	if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
		return refuse(p, "a high surrogate without its low one");
	p->pos += 2;
	r = hex4(p, &lo);
	if (r < 0)
		return r;
	if (lo < 0xdc00 || lo > 0xdfff)
		return refuse(p, "a high surrogate without its low one");
	*c = 0x10000 + ((*c - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* One escape after the backslash, appended at out; its length in *n. */
static int escape(struct parser *p, char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t c;
	int r;

	if (p->pos >= p->len)
		return refuse(p, "a string cut short");
	e = strchr(from, p->s[p->pos]);
	if (e && *e) {
		p->pos++;
		*out = to[e - from];
		*n = 1;
		return 0;
	}
	if (p->s[p->pos] != 'u')
		return refuse(p, "an unknown escape");
	p->pos++;
	r = unicode_escape(p, &c);
	if (r < 0)
		return r;
	*n = put_utf8(out, c);
	return 0;
}

/* A string at p->pos (its opening quote), decoded in *out. An escape
 * never grows (6 bytes give at most 3, 12 give 4): the input's length
 * bounds the output's. */
static int string(struct parser *p, char **out)
{
	size_t start = ++p->pos, n, k = 0;
	char *buf;
	int r;

	while (p->pos < p->len && p->s[p->pos] != '"')
		p->pos += p->s[p->pos] == '\\' && p->pos + 1 < p->len ? 2 : 1;
	if (p->pos >= p->len)
		return refuse(p, "a string without its closing quote");
	buf = malloc(p->pos - start + 1);
	if (!buf)
		return -ENOMEM;
	for (p->pos = start; p->s[p->pos] != '"'; ) {
		unsigned char c = p->s[p->pos];

		if (c < 0x20) {
			r = refuse(p, c ? "a control character in a string" : "a NUL byte");
			goto fail;
		}
		if (c == '\\') {
			p->pos++;
			r = escape(p, buf + k, &n);
			if (r < 0)
				goto fail;
			k += n;
			continue;
		}
		n = utf8_seq(p->s + p->pos, p->len - p->pos);
		if (!n) {
			r = refuse(p, "a string that is not UTF-8");
			goto fail;
		}
		memcpy(buf + k, p->s + p->pos, n);
		k += n;
		p->pos += n;
	}
	p->pos++;
	buf[k] = '\0';
	*out = buf;
	return 0;
fail:
	free(buf);
	return r;
}

static size_t digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

/* RFC 8259 section 6: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number(struct parser *p, struct json *j)
{
	size_t start = p->pos, n;

	if (peek(p) == '-')
		p->pos++;
	n = digits(p);
	if (n == 0 || (n > 1 && p->s[p->pos - n] == '0'))
		return refuse(p, "a malformed number");
	if (peek(p) == '.') {
		p->pos++;
		if (!digits(p))
			return refuse(p, "a malformed number");
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!digits(p))
			return refuse(p, "a malformed number");
	}
	j->type = JSON_NUMBER;
	j->text = strndup((const char *)p->s + start, p->pos - start);
	return j->text ? 0 : -ENOMEM;
}

static int literal(struct parser *p, struct json *j)
{
	static const struct { const char *word; enum json_type t; bool b; } words[] = {
		{ "null", JSON_NULL, false }, { "true", JSON_BOOL, true },
		{ "false", JSON_BOOL, false },
	};
	size_t i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i].word);
		if (p->len - p->pos >= n && !memcmp(p->s + p->pos, words[i].word, n)) {
			p->pos += n;
			j->type = words[i].t;
			j->boolean = words[i].b;
			return 0;
		}
	}
	return refuse(p, peek(p) < 0 ? "a value missing at the end" : "an unexpected character");
}

static int value(struct parser *p, struct json *j);

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two members of one object with the same name: refused (sorted, so an
 * object of many members costs n log n). */
static int no_duplicates(struct parser *p, const struct json *obj)
{
	const struct json *m;
	char **keys;
	size_t i = 0;
	int r = 0;

	if (obj->n < 2)
		return 0;
	keys = malloc(obj->n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (m = obj->child; m; m = m->next)
		keys[i++] = m->key;
	qsort(keys, obj->n, sizeof(*keys), cmp_keys);
	for (i = 1; i < obj->n && r == 0; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			r = refuse(p, "a member name given twice in one object");
	free(keys);
	return r;
}

/* The elements of an array or members of an object, after its opening
 * bracket, up to its closing one. */
static int container(struct parser *p, struct json *j, bool object)
{
	struct json **tail = &j->child, *e;
	int close = object ? '}' : ']', r;

	if (++p->depth > JSON_MAX_DEPTH) {
		p->err->offset = p->pos;
		p->err->why = "nested too deep";
		return -E2BIG;
	}
	j->type = object ? JSON_OBJECT : JSON_ARRAY;
	p->pos++;
	skip_space(p);
	if (peek(p) == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		*tail = e;	/* invariant 1 */
		tail = &e->next;
		j->n++;
		skip_space(p);
		if (object) {
			if (peek(p) != '"')
				return refuse(p, "a member without a quoted name");
			r = string(p, &e->key);
			if (r < 0)
				return r;
			skip_space(p);
			if (peek(p) != ':')
				return refuse(p, "a member name without ':'");
			p->pos++;
		}
		r = value(p, e);
		if (r < 0)
			return r;
		skip_space(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) != close)
			return refuse(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
		p->pos++;
		p->depth--;
		return object ? no_duplicates(p, j) : 0;
	}
}

static int value(struct parser *p, struct json *j)
{
	int c;

	skip_space(p);
	c = peek(p);
	if (c == '{' || c == '[')
		return container(p, j, c == '{');
	if (c == '"') {
		j->type = JSON_STRING;
		return string(p, &j->text);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(p, j);
	return literal(p, j);
}

int json_parse(const char *text, size_t len, struct json **out, struct json_error *err)
{
	struct json_error dummy;
	struct parser p = { (const unsigned char *)text, len, 0, 0, err ? err : &dummy };
	struct json *j;
	int r;

	*out = NULL;
	if (len > JSON_MAX_SIZE) {
		p.err->offset = 0;
		p.err->why = "the document is too large";
		return -E2BIG;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	r = value(&p, j);
	if (r == 0) {
		skip_space(&p);
		if (p.pos != len)
			r = refuse(&p, "more after the value");
	}
	if (r < 0) {
		json_free(j);
		return r;
	}
	*out = j;
	return 0;
}

void json_free(struct json *j)
{
	struct json *next;

	/* siblings in a loop, children by recursion: bounded by the depth */
	for (; j; j = next) {
		next = j->next;
		json_free(j->child);
		free(j->key);
		free(j->text);
		free(j);
	}
}

const struct json *json_get(const struct json *obj, const char *key)
{
	const struct json *m;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

const char *json_str(const struct json *j)
{
	return j && j->type == JSON_STRING ? j->text : NULL;
}

int json_int(const struct json *j, int64_t *out)
{
	char *end;
	long long v;

	if (!j || j->type != JSON_NUMBER || strpbrk(j->text, ".eE"))
		return -EINVAL;
	errno = 0;
	v = strtoll(j->text, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}
