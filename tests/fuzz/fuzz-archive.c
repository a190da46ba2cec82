// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-archive — vutar's reading side under libFuzzer: the bytes as an
 * archive, listed (vutar -tv), extracted (vutar -x) into a scratch
 * directory, then applied over that as a layer diff (vutar -x --layer:
 * its whiteouts remove, through whatever the first pass planted), the
 * directory removed after each input. What must hold: no crash, no
 * sanitizer report, nothing written outside the scratch directory (its
 * parent is checked to hold nothing else) and nothing removed outside
 * it (a file beside it must stay).
 */
#include "config.h"
#include "vuar.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[64];	/* holds only the scratch dir, between inputs */

static void quiet(void *arg, const char *entry, const char *why, int warn)
{
	(void)arg;
	(void)entry;
	(void)why;
	(void)warn;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0700);
	return remove(path) < 0 ? 0 : 0;	/* best effort: the next check says */
}

static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/fuzz-archive.XXXXXX");
	if (!mkdtemp(top))
		abort();
	setenv("VUOVL_LOCK_WAIT", "0", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vuar_opts o = { .report = quiet };
	char path[64], dir[128], keep[128];
	const char *msg;
	FILE *null;
	int fd;

	if (!top[0])
		setup();
	fd = memfd_create("archive", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	null = fopen("/dev/null", "w");
	o.verbose = 1;
	vuar_list(path, null, &o, &msg);
	fclose(null);
	o.verbose = 0;
	snprintf(dir, sizeof(dir), "%s/x", top);
	if (mkdir(dir, 0700) < 0)
		abort();
	snprintf(keep, sizeof(keep), "%s/keep", top);
	if (mknod(keep, S_IFREG | 0600, 0) < 0)
		abort();
	vuar_extract(path, dir, &o, &msg);
	o.layer = 1;
	vuar_extract(path, dir, &o, &msg);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	close(fd);
	/* nothing removed beside the scratch directory, nothing landed */
	if (unlink(keep) < 0 || rmdir(top) < 0)
		abort();
	if (mkdir(top, 0700) < 0)
		abort();
	return 0;
}
