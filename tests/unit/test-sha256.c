// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/sha256: the FIPS 180-2 appendix B examples, lengths
 * around the padding's edges (checked against coreutils' sha256sum), and
 * the same digest whatever the pieces the message is fed in.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "check.h"

static const char *digest_of(const void *data, size_t len, size_t piece)
{
	static char hex[SHA256_HEX_SIZE];
	const unsigned char *p = data;
	uint8_t d[SHA256_SIZE];
	struct sha256 s;
	size_t n;

	sha256_init(&s);
	for (; len; p += n, len -= n) {
		n = piece && piece < len ? piece : len;
		sha256_update(&s, p, n);
	}
	sha256_final(&s, d);
	return sha256_hex(d, hex);
}

static bool is(const char *data, const char *hex)
{
	return !strcmp(digest_of(data, strlen(data), 0), hex);
}

static void test_fips_vectors(void)
{
	char *million = malloc(1000000);

	CHECK(is("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CHECK(is("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK(is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	CHECK(is("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
		 "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
	CHECK(million != NULL);
	if (!million)
		return;
	memset(million, 'a', 1000000);
	CHECK(!strcmp(digest_of(million, 1000000, 0),
		      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	/* streamed in odd pieces: every block boundary falls mid-piece */
	CHECK(!strcmp(digest_of(million, 1000000, 997),
		      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	free(million);
}

/* 55 bytes leave room for the length in the block, 56 do not */
static void test_padding_edges(void)
{
	static const struct { size_t n; const char *hex; } v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128];
	size_t i;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(!strcmp(digest_of(a, v[i].n, 0), v[i].hex));
}

/* any split gives the one-shot digest */
static void test_pieces(void)
{
	unsigned char data[300];
	char whole[SHA256_HEX_SIZE];
	size_t len, piece;

	for (len = 0; len < sizeof(data); len++)
		data[len] = (unsigned char)(len * 7 + 3);
	for (len = 0; len <= sizeof(data); len += 13) {
		strcpy(whole, digest_of(data, len, 0));
		for (piece = 1; piece <= 70; piece += 3)
			CHECK(!strcmp(digest_of(data, len, piece), whole));
	}
}

int main(void)
{
	test_fips_vectors();
	test_padding_edges();
	test_pieces();
	return check_failures != 0;
}
