/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sha256 — SHA-256 as FIPS 180-4 defines it, fed in pieces of any size.
 * Pure computation: no I/O, no allocation. vutar's OCI layouts name and
 * check blobs by it.
 */
#ifndef VU_SHA256_H
#define VU_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_SIZE + 1)	/* with its '\0' */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* fed so far */
	uint8_t block[64];	/* the part of a block not hashed yet */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest of everything fed; s must be initialised again for reuse. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_SIZE]);
/* digest as 64 lowercase hex digits and a '\0'; returns hex. */
char *sha256_hex(const uint8_t digest[SHA256_SIZE], char hex[SHA256_HEX_SIZE]);

#endif
