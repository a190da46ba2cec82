// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lstat-tree — lstat(2)s ROOT/src/mXX/pYY/fNNNNN.c for N files in the
 * order git status does (index order: every file before any listing),
 * and prints the microseconds per lstat, for scripts/bench-floor.
 * Usage: lstat-tree ROOT N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct stat st;
	char p[4096];
	int n, bad = 0;
	double us;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: lstat-tree ROOT N\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/src/m%02d/p%02d/f%05d.c", argv[1], i / 1000, i / 100 % 10, i);
		if (lstat(p, &st))
			bad++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	if (bad) {
		fprintf(stderr, "lstat-tree: %d of %d names missing\n", bad, n);
		return 1;
	}
	printf("%.2f\n", us / n);
	return 0;
}
