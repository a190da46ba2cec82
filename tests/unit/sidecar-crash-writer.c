// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sidecar-crash-writer — helper of test-sidecar-crash.
 *   write LAYER N: forever, batch b sets uid=b on paths f0..f(N-1) in one
 *                  SIDECAR_MANUAL batch, flushes, prints "b" (the caller
 *                  SIGKILLs it somewhere in the middle);
 *   check LAYER N MIN: reopens; every row must carry the same uid (one
 *                  whole batch), at least MIN, or there must be no row at
 *                  all when MIN is -1; PRAGMA integrity_check must say ok.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sidecar.h"

static int do_write(int fd, const char *layer, int n)
{
	struct sidecar *sc;
	char path[32];

	if (sidecar_open(fd, layer, NULL, SIDECAR_CREATE | SIDECAR_MANUAL, &sc) < 0)
		return 2;
	for (int b = 0;; b++) {
		struct vmeta m = { .mask = VMETA_UID | VMETA_GID, .uid = (uid_t)b, .gid = (gid_t)b };

		for (int i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "f%d", i);
			if (sidecar_set(sc, path, NULL, &m) < 0)
				return 2;
		}
		if (sidecar_flush(sc) < 0)
			return 2;
		printf("%d\n", b);
		fflush(stdout);
	}
}

static int integrity_ok(const char *layer)
{
	char file[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	int ok;

	snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	if (sqlite3_open(file, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return 0;
	ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static int do_check(int fd, const char *layer, int n, int min)
{
	struct sidecar *sc;
	struct vmeta m;
	char path[32];
	int rows = 0, r;
	long uid = -1;

	if ((r = sidecar_open(fd, layer, NULL, 0, &sc)) < 0) {
		fprintf(stderr, "check: open: %s\n", sidecar_open_error());
		return 1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "f%d", i);
		if (sidecar_get(sc, path, NULL, &m) < 0)
			continue;
		if (rows++ && (long)m.uid != uid) {
			fprintf(stderr, "check: %s has uid %u, others %ld: half a batch\n", path, m.uid, uid);
			return 1;
		}
		uid = m.uid;
	}
	sidecar_close(sc);
	if (rows != 0 && rows != n) {
		fprintf(stderr, "check: %d of %d rows: half a batch\n", rows, n);
		return 1;
	}
	if (uid < min) {
		fprintf(stderr, "check: batch %ld found, but %d was flushed\n", uid, min);
		return 1;
	}
	if (!integrity_ok(layer)) {
		fprintf(stderr, "check: integrity_check failed\n");
		return 1;
	}
	printf("batch %ld intact (%d rows)\n", uid, rows);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: %s write|check LAYER N [MIN]\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 2;
	}
	if (strcmp(argv[1], "write") == 0)
		return do_write(fd, argv[2], atoi(argv[3]));
	return do_check(fd, argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : -1);
}
