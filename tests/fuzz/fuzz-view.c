// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-view — the rule parsers under libFuzzer: the bytes as a -o rule
 * (KEY NUL VALUE, the way vuovl's option parser hands them over) and as
 * a view file. Bad input must come back as an error with words, never a
 * crash.
 */
#include "config.h"
#include "view.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2), err[4400], path[64];
	const char *value;
	struct view v;
	int fd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	value = text + strlen(text) + (strlen(text) < size);
	view_init(&v);
	view_add_option(&v, text, value, err, sizeof(err));
	view_release(&v);
	snprintf(path, sizeof(path), "/tmp/fuzz-view.XXXXXX");
	fd = mkstemp(path);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			view_init(&v);
			view_add_file(&v, path, err, sizeof(err));
			view_release(&v);
		}
		close(fd);
		unlink(path);
	}
	free(text);
	return 0;
}
