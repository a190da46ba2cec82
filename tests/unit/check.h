/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check — the one assertion of the C unit tests: CHECK(cond) prints
 * FILE:LINE and the condition when it is false, and counts it; a test's
 * main returns check_failures != 0.
 */
#ifndef VU_CHECK_H
#define VU_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#endif
