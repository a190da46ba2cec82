// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-sidecar — the sidecar's own costs on a 100k-row layer: the sets
 * and their flush, a reopen (the whole file loaded), a rename of the
 * whole tree, and the heap the loaded rows take. Prints; asserts
 * nothing (tests/unit/test-sidecar.c checks the same steps' results).
 *
 *   bench/bench-sidecar [ROWS]     (built by make; scratch in $TMPDIR)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sidecar.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Heap bytes in use: RSS would hide what a previous close freed. */
static long heap_kib(void)
{
	return (long)(mallinfo2().uordblks / 1024);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "bench-sidecar: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct vmeta m = { .mask = VMETA_UID | VMETA_GID | VMETA_MODE, .mode = S_IFREG | 0644 };
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	double t0, t1, t2, t3, t4, c0, c1;
	char layer[256], path[64], cmd[300];
	int n = argc > 1 ? atoi(argv[1]) : 100000, fd, err, status = 0;
	struct sidecar *sc;
	long heap0, heap1;

	if (n <= 0) {
		fprintf(stderr, "usage: bench-sidecar [ROWS]\n");
		return 2;
	}
	snprintf(layer, sizeof(layer), "%s/bench-sidecar.XXXXXX", tmp);
	if (!mkdtemp(layer) || (fd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("bench-sidecar: scratch layer");
		return 1;
	}
	if ((err = sidecar_open(fd, layer, NULL, SIDECAR_CREATE, &sc)))
		return fail("open", err);
	t0 = now();
	c0 = cpu();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "top/usr/d%d/f%d", i % 100, i);
		m.uid = (uid_t)i;
		if ((err = sidecar_set(sc, path, NULL, &m)))
			return fail("set", err);
	}
	if ((err = sidecar_flush(sc)))
		return fail("flush", err);
	t1 = now();
	c1 = cpu();
	if ((err = sidecar_close(sc)))
		return fail("close", err);
	heap0 = heap_kib();
	t2 = now();
	if ((err = sidecar_open(fd, layer, NULL, 0, &sc)))
		return fail("reopen", err);
	t3 = now();
	heap1 = heap_kib();
	if ((err = sidecar_rename(sc, "top", "TOP")) || (err = sidecar_flush(sc)))
		status = fail("rename", err);
	t4 = now();
	(void)sidecar_close(sc);
	printf("%d sets + flush: %.3f s (%.3f s of CPU)\n", n, t1 - t0, c1 - c0);
	printf("reopen (the whole file loaded): %.3f s\n", t3 - t2);
	printf("rename of a %d-row tree + flush: %.3f s\n", n, t4 - t3);
	printf("heap of the loaded rows: %ld KiB (%ld bytes a row)\n", heap1 - heap0,
	       (heap1 - heap0) * 1024 / n);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", layer);
	if (system(cmd) != 0)
		status = 1;
	return status;
}
