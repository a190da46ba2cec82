// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/sidecar: the C API on a scratch layer, no mounts and
 * no privileges. Each check prints what failed; exit 1 on any failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <pthread.h>
#include <sqlite3.h>

#include "sidecar.h"
#include "check.h"
#include "idmap.h"


static char layer[256];
static int layer_fd = -1;

static void mklayer(void)
{
	char cmd[300];

	if (layer_fd >= 0) {
		close(layer_fd);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", layer);
		if (system(cmd) != 0)
			exit(2);
	}
	snprintf(layer, sizeof(layer), "%s/test-sidecar.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(layer) || (layer_fd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("layer");
		exit(2);
	}
}

static void touch(const char *path, struct stat *st)
{
	int fd = openat(layer_fd, path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0 || fstat(fd, st) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static struct sidecar *reopen(struct sidecar *sc)
{
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &sc) == 0);
	return sc;
}

static struct vmeta owner(uid_t uid, gid_t gid, mode_t mode)
{
	struct vmeta m = { .mask = VMETA_UID | VMETA_GID | VMETA_MODE,
			   .uid = uid, .gid = gid, .mode = mode };
	return m;
}

/* One integer from an SQL query on the layer's sidecar file, read by a
 * second connection, as a person with sqlite3 would see it. */
static long sql_long_in(const char *file, const char *query)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long v = -1;

	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, query, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	} else {
		fprintf(stderr, "sql_long: %s: %s\n", query, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return v;
}

static long sql_long(const char *query)
{
	char file[400];

	snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	return sql_long_in(file, query);
}

static int integrity_ok(void)
{
	char file[400];
	sqlite3 *db;
	sqlite3_stmt *st;
	int ok = 0;

	snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		     strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return ok;
}

static void sql(const char *file, const char *text)
{
	sqlite3 *db;

	if (sqlite3_open(file, &db) != SQLITE_OK || sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "sql: %s\n", sqlite3_errmsg(db));
		exit(2);
	}
	sqlite3_close(db);
}

static void test_set_get_persist(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(0, 0, S_IFCHR | 0666), got;
	struct stat st;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &sc) == -ENOENT);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("null", &st);
	m.mask |= VMETA_RDEV | VMETA_UNAME;
	m.rdev = makedev(1, 3);
	strcpy(m.uname, "root");
	CHECK(sidecar_set(sc, "null", &st, &m) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0);
	CHECK(got.uid == 0 && got.mode == (S_IFCHR | 0666) && got.rdev == makedev(1, 3));
	CHECK(sidecar_get(sc, "other", NULL, &got) == -ENOENT);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0);
	CHECK(got.mask == (VMETA_UID | VMETA_GID | VMETA_MODE | VMETA_RDEV | VMETA_UNAME));
	CHECK(strcmp(got.uname, "root") == 0 && got.rdev == makedev(1, 3));
	/* set merges: other fields keep their value */
	m = (struct vmeta){ .mask = VMETA_UID, .uid = 42 };
	CHECK(sidecar_set(sc, "null", &st, &m) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0 && got.uid == 42 && got.mode == (S_IFCHR | 0666));
	CHECK(sidecar_clear(sc, "null", VMETA_UID) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0 && !(got.mask & VMETA_UID));
	CHECK(sidecar_clear(sc, "null", ~0u) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
}

static void test_links_and_rename(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(7, 8, S_IFREG | 04755), got;
	struct stat st;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	CHECK(mkdirat(layer_fd, "d", 0755) == 0 && mkdirat(layer_fd, "d/e", 0755) == 0);
	touch("d/e/f", &st);
	CHECK(sidecar_set(sc, "d/e/f", &st, &m) == 0);
	CHECK(sidecar_set(sc, "d", NULL, &m) == 0);
	CHECK(linkat(layer_fd, "d/e/f", layer_fd, "g", 0) == 0);
	CHECK(sidecar_link(sc, "d/e/f", "g", NULL) == 0);
	CHECK(sidecar_link(sc, "nothing", "h", NULL) == -ENOENT);
	/* hard links share one node: a change through one shows on the other */
	m = (struct vmeta){ .mask = VMETA_UID, .uid = 9 };
	CHECK(sidecar_set(sc, "g", &st, &m) == 0);
	CHECK(sidecar_get(sc, "d/e/f", &st, &got) == 0 && got.uid == 9);
	/* rename of a whole directory moves its subtree */
	CHECK(renameat(layer_fd, "d", layer_fd, "D") == 0);
	CHECK(sidecar_rename(sc, "d", "D") == 0);
	CHECK(sidecar_get(sc, "d/e/f", NULL, &got) == -ENOENT);
	CHECK(sidecar_get(sc, "D/e/f", &st, &got) == 0 && got.uid == 9);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "D/e/f", &st, &got) == 0 && got.uid == 9 && got.mode == (S_IFREG | 04755));
	CHECK(sidecar_get(sc, "D", NULL, &got) == 0);
	/* unlink of one link keeps the other */
	CHECK(sidecar_unlink(sc, "g") == 0);
	CHECK(sidecar_get(sc, "D/e/f", &st, &got) == 0);
	/* unlink of a directory removes what is beneath */
	CHECK(sidecar_unlink(sc, "D") == 0);
	CHECK(sidecar_get(sc, "D/e/f", NULL, &got) == -ENOENT);
	CHECK(sidecar_unlink(sc, "D") == -ENOENT);
	/* rename over an existing row replaces it; exchange swaps */
	m = owner(1, 1, S_IFREG | 0600);
	CHECK(sidecar_set(sc, "a", NULL, &m) == 0);
	m = owner(2, 2, S_IFREG | 0600);
	CHECK(sidecar_set(sc, "b", NULL, &m) == 0);
	CHECK(sidecar_exchange(sc, "a", "b") == 0);
	CHECK(sidecar_get(sc, "a", NULL, &got) == 0 && got.uid == 2);
	CHECK(sidecar_rename(sc, "a", "b") == 0);
	CHECK(sidecar_get(sc, "b", NULL, &got) == 0 && got.uid == 2);
	CHECK(sidecar_get(sc, "a", NULL, &got) == -ENOENT);
	/* a prefix that is not a directory prefix is not moved along */
	CHECK(sidecar_set(sc, "ab", NULL, &m) == 0);
	CHECK(sidecar_rename(sc, "b", "c") == 0);
	CHECK(sidecar_get(sc, "ab", NULL, &got) == 0);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "c", NULL, &got) == 0 && sidecar_get(sc, "b", NULL, &got) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
}

/* The row belongs to the inode: a hard link without a row of its own
 * shows (and changes) the row of another name, across a reopen; a link
 * made before any row shares a node from the start; a name that is gone
 * reaches its node by inode. */
static void test_link_by_inode(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(777, 777, S_IFREG | 04755), got;
	struct stat st, st2;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("s", &st);
	CHECK(linkat(layer_fd, "s", layer_fd, "h", 0) == 0);
	CHECK(fstatat(layer_fd, "h", &st, 0) == 0 && st.st_nlink == 2);
	CHECK(sidecar_set(sc, "s", &st, &m) == 0);
	CHECK(sidecar_get(sc, "h", &st, &got) == 0 && got.uid == 777);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "h", &st, &got) == 0 && got.mode == (S_IFREG | 04755));
	/* a change through the name without a row joins the node */
	m = (struct vmeta){ .mask = VMETA_UID, .uid = 5 };
	CHECK(sidecar_set(sc, "h", &st, &m) == 0);
	CHECK(sidecar_get(sc, "s", &st, &got) == 0 && got.uid == 5);
	CHECK(sidecar_flush(sc) == 0);
	CHECK(sql_long("SELECT count(*) FROM node") == 1);
	CHECK(sql_long("SELECT count(*) FROM path") == 2);
	/* a single-link file never takes another file's node by inode */
	CHECK(unlinkat(layer_fd, "h", 0) == 0 && fstatat(layer_fd, "s", &st, 0) == 0);
	CHECK(sidecar_unlink(sc, "h") == 0);
	CHECK(sidecar_get(sc, "x", &st, &got) == -ENOENT);
	/* linked before any row: an empty shared node, so the row set
	 * through one name outlives that name */
	touch("c", &st2);
	CHECK(linkat(layer_fd, "c", layer_fd, "d", 0) == 0);
	CHECK(sidecar_link(sc, "c", "d", &st2) == 0);
	CHECK(fstatat(layer_fd, "d", &st2, 0) == 0);
	m = owner(3, 3, S_IFREG | 0700);
	CHECK(sidecar_set(sc, "c", &st2, &m) == 0);
	CHECK(unlinkat(layer_fd, "c", 0) == 0 && sidecar_unlink(sc, "c") == 0);
	CHECK(fstatat(layer_fd, "d", &st2, 0) == 0);
	CHECK(sidecar_get(sc, "d", &st2, &got) == 0 && got.uid == 3);
	/* by inode: the name is gone, the node is changed all the same */
	m = (struct vmeta){ .mask = VMETA_UID, .uid = 4 };
	CHECK(sidecar_set(sc, NULL, &st2, &m) == 0);
	CHECK(sidecar_get(sc, "d", &st2, &got) == 0 && got.uid == 4);
	CHECK(sidecar_get(sc, NULL, &st2, &got) == 0 && got.uid == 4);
	touch("lone", &st2);
	CHECK(sidecar_set(sc, NULL, &st2, &m) == -ENOENT);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "d", &st2, &got) == -ENOENT);	/* st2 is "lone" now */
	CHECK(fstatat(layer_fd, "d", &st2, 0) == 0);
	CHECK(sidecar_get(sc, "d", &st2, &got) == 0 && got.uid == 4 && got.mode == (S_IFREG | 0700));
	CHECK(sidecar_close(sc) == 0);
	CHECK(integrity_ok());
}

/* Who stands for root: recorded once, kept across a reopen, and a file
 * of theirs without a row is root's. */
static void test_root_owner(void)
{
	struct sidecar *sc;
	struct stat st;
	uid_t u;
	gid_t g;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	CHECK(sidecar_root_owner(sc, &u, &g) == -ENOENT);
	st.st_uid = 4321;
	st.st_gid = 4322;
	sidecar_owner_of(sc, &st);
	CHECK(st.st_uid == 4321 && st.st_gid == 4322);	/* nobody stands for root */
	CHECK(sidecar_set_root_owner(sc, 4321, 4322) == 0);
	CHECK(sidecar_set_root_owner(sc, 4321, 4322) == 0);
	CHECK(sidecar_set_root_owner(sc, 1, 1) == -EEXIST);
	sc = reopen(sc);
	CHECK(sidecar_root_owner(sc, &u, &g) == 0 && u == 4321 && g == 4322);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_root_owner(sc, &u, &g) == 0 && u == 4321);
	/* host ids as this process sees them (make check runs in the
	 * initial namespace, where they are themselves) */
	{
		uint32_t hu, hg;

		if (idmap_self(0, 4321, 1, &hu) == 0 && idmap_self(1, 4322, 1, &hg) == 0) {
			st.st_uid = hu;
			st.st_gid = hg;
			sidecar_owner_of(sc, &st);
			CHECK(st.st_uid == 0 && st.st_gid == 0);
			st.st_uid = hu + 1;
			st.st_gid = hg;
			sidecar_owner_of(sc, &st);
			CHECK(st.st_uid == hu + 1 && st.st_gid == 0);
		}
	}
	CHECK(sidecar_close(sc) == 0);
	/* a malformed record counts as none */
	{
		char file[400];

		snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
		sql(file, "UPDATE layer SET value = '12:x' WHERE key = 'root_owner'");
	}
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &sc) == 0);
	CHECK(sidecar_root_owner(sc, &u, &g) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
}

/* A row recorded its file's birth time: a file born later at the same
 * path with the same inode number (reused while nobody watched) is
 * another file, and the row is stale for it. A version-2 sidecar (no
 * birth times) is read as it is, read-only. */
static void test_birth_time(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(0, 0, S_IFCHR | 0666), got;
	struct stat st;
	unsigned removed;
	char file[400];

	mklayer();
	snprintf(file, sizeof(file), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("null", &st);
	CHECK(sidecar_set(sc, "null", &st, &m) == 0);
	CHECK(sidecar_close(sc) == 0);
	if (sql_long_in(file, "SELECT count(*) FROM node WHERE host_btime IS NOT NULL") == 0)
		return;	/* this file system keeps no birth times: nothing to tell by */
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0 && got.mode == (S_IFCHR | 0666));
	CHECK(sidecar_close(sc) == 0);
	/* as if the file had been replaced by one that reused its inode */
	sql(file, "UPDATE node SET host_btime = host_btime - 1000000000");
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == -ENOENT);
	CHECK(sidecar_get(sc, "null", NULL, &got) == 0);	/* no host: no test */
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &sc) == 0);
	CHECK(sidecar_repair(sc, layer_fd, &removed) == 0 && removed == 1);
	CHECK(sidecar_close(sc) == 0);
	/* version 2: read without migrating, owners as they were */
	sql(file, "INSERT INTO node(id, uid) VALUES (7, 42); INSERT INTO path VALUES ('null', 7);"
		  "PRAGMA user_version = 2;");
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "null", &st, &got) == 0 && got.uid == 42);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sql_long_in(file, "PRAGMA user_version") == 2);
}

static int count_rows(const char *path, const struct vmeta *m, void *arg);

/* Hard links share one node row; the node goes with its last path. */
static void test_link_nodes(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(7, 8, S_IFREG | 0600), got;
	struct stat st;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("a", &st);
	CHECK(linkat(layer_fd, "a", layer_fd, "b", 0) == 0 && linkat(layer_fd, "a", layer_fd, "c", 0) == 0);
	CHECK(sidecar_set(sc, "a", &st, &m) == 0);
	CHECK(sidecar_link(sc, "a", "b", NULL) == 0 && sidecar_link(sc, "b", "c", NULL) == 0);
	CHECK(sidecar_xattr_set(sc, "c", &st, "security.capability", "cap", 3, 0) == 0);
	CHECK(sidecar_xattr_get(sc, "a", "security.capability", NULL, 0) == 3);
	CHECK(sidecar_flush(sc) == 0);
	CHECK(sql_long("SELECT count(*) FROM node") == 1);
	CHECK(sql_long("SELECT count(*) FROM path") == 3);
	CHECK(sql_long("SELECT count(DISTINCT node) FROM path") == 1);
	sc = reopen(sc);
	m.uid = 70;
	CHECK(sidecar_set(sc, "b", &st, &m) == 0);
	CHECK(sidecar_get(sc, "c", &st, &got) == 0 && got.uid == 70);
	CHECK(sidecar_unlink(sc, "a") == 0 && sidecar_unlink(sc, "b") == 0);
	CHECK(sidecar_flush(sc) == 0);
	CHECK(sql_long("SELECT count(*) FROM node") == 1);
	CHECK(sidecar_get(sc, "c", &st, &got) == 0 && got.uid == 70);
	CHECK(sidecar_unlink(sc, "c") == 0);
	CHECK(sidecar_flush(sc) == 0);
	CHECK(sql_long("SELECT count(*) FROM node") == 0);
	CHECK(sql_long("SELECT count(*) FROM path") == 0);
	CHECK(sql_long("SELECT count(*) FROM xattr") == 0);
	/* XATTR_REPLACE of a missing name leaves no empty row behind */
	CHECK(sidecar_xattr_set(sc, "c", &st, "trusted.x", "v", 1, XATTR_REPLACE) == -ENODATA);
	CHECK(sidecar_get(sc, "c", NULL, &got) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
	CHECK(integrity_ok());
}

/* rename(2) replaces the target's tree; RENAME_EXCHANGE swaps trees; both
 * survive a reopen. */
static void test_trees(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(0, 0, S_IFREG | 0644), got;
	int n = 0;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	m.uid = 1;
	CHECK(sidecar_set(sc, "x/1", NULL, &m) == 0 && sidecar_set(sc, "x/sub/2", NULL, &m) == 0);
	m.uid = 2;
	CHECK(sidecar_set(sc, "y", NULL, &m) == 0 && sidecar_set(sc, "y/3", NULL, &m) == 0);
	CHECK(sidecar_set(sc, "y.keep", NULL, &m) == 0);
	CHECK(sidecar_rename(sc, "x", "y") == 0);
	CHECK(sidecar_get(sc, "y/1", NULL, &got) == 0 && got.uid == 1);
	CHECK(sidecar_get(sc, "y/sub/2", NULL, &got) == 0 && got.uid == 1);
	CHECK(sidecar_get(sc, "y/3", NULL, &got) == -ENOENT);
	CHECK(sidecar_get(sc, "y", NULL, &got) == -ENOENT);	/* x had no row of its own */
	CHECK(sidecar_get(sc, "y.keep", NULL, &got) == 0);	/* a sibling, not beneath */
	CHECK(sidecar_get(sc, "x/1", NULL, &got) == -ENOENT);
	m.uid = 3;
	CHECK(sidecar_set(sc, "p/q/r", NULL, &m) == 0 && sidecar_set(sc, "p", NULL, &m) == 0);
	CHECK(sidecar_exchange(sc, "p", "y") == 0);
	sc = reopen(sc);
	CHECK(sidecar_get(sc, "y/q/r", NULL, &got) == 0 && got.uid == 3);
	CHECK(sidecar_get(sc, "y", NULL, &got) == 0 && got.uid == 3);
	CHECK(sidecar_get(sc, "p/1", NULL, &got) == 0 && got.uid == 1);
	CHECK(sidecar_get(sc, "p/sub/2", NULL, &got) == 0 && got.uid == 1);
	CHECK(sidecar_get(sc, "p", NULL, &got) == -ENOENT);
	CHECK(sidecar_get(sc, "p/q/r", NULL, &got) == -ENOENT);
	CHECK(sidecar_get(sc, "y/1", NULL, &got) == -ENOENT);
	CHECK(sidecar_rename(sc, "y", "y/in") == -EINVAL);	/* as rename(2) */
	CHECK(sidecar_exchange(sc, "y/q", "y") == -EINVAL);
	/* the layer root "" is a path like any other */
	CHECK(sidecar_set(sc, "", NULL, &m) == 0 && sidecar_get(sc, "", NULL, &got) == 0);
	CHECK(sidecar_foreach(sc, count_rows, &n) == 0 && n == 6);
	CHECK(sidecar_close(sc) == 0);
	CHECK(integrity_ok());
	CHECK(sql_long("SELECT count(*) FROM path") == 6);
}

/* Without SIDECAR_MANUAL a long batch commits every SIDECAR_BATCH_MAX
 * statements; with it, nothing reaches the file before the flush. */
static void test_batches(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(1, 1, S_IFREG | 0644);
	char path[32];

	for (int manual = 0; manual < 2; manual++) {
		mklayer();
		CHECK(sidecar_open(layer_fd, layer, NULL,
				   SIDECAR_CREATE | (manual ? SIDECAR_MANUAL : 0), &sc) == 0);
		for (int i = 0; i < SIDECAR_BATCH_MAX * 2; i++) {
			snprintf(path, sizeof(path), "f%d", i);
			CHECK(sidecar_set(sc, path, NULL, &m) == 0);
		}
		if (manual)
			CHECK(sql_long("SELECT count(*) FROM path") == 0);
		else
			CHECK(sql_long("SELECT count(*) FROM path") >= SIDECAR_BATCH_MAX / 2);
		CHECK(sidecar_flush(sc) == 0);
		CHECK(sql_long("SELECT count(*) FROM path") == SIDECAR_BATCH_MAX * 2);
		CHECK(sidecar_close(sc) == 0);
	}
}

/* A read-only open loads everything and leaves the file alone, so a lower
 * layer in a read-only directory works. */
static void test_rdonly(void)
{
	struct sidecar *sc, *w;
	struct vmeta m = owner(5, 5, S_IFREG | 0644), got;
	char dir[400], wal[450];

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == -ENOENT);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	CHECK(sidecar_set(sc, "f", NULL, &m) == 0);
	CHECK(sidecar_close(sc) == 0);
	snprintf(dir, sizeof(dir), "%s/%s", layer, SIDECAR_DIR);
	CHECK(chmod(dir, 0555) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "f", NULL, &got) == 0 && got.uid == 5);
	CHECK(sidecar_set(sc, "f", NULL, &m) == -EROFS);
	CHECK(sidecar_close(sc) == 0);
	CHECK(chmod(dir, 0700) == 0);
	/* a writable directory gets no -wal or -shm from a reader either */
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "f", NULL, &got) == 0 && got.uid == 5);
	CHECK(sidecar_close(sc) == 0);
	snprintf(wal, sizeof(wal), "%s/%s-wal", dir, SIDECAR_FILE);
	CHECK(access(wal, F_OK) < 0);
	snprintf(wal, sizeof(wal), "%s/%s-shm", dir, SIDECAR_FILE);
	CHECK(access(wal, F_OK) < 0);
	/* beside a writer, a reader sees what the writer committed */
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &w) == 0);
	m.uid = 6;
	CHECK(sidecar_set(w, "g", NULL, &m) == 0 && sidecar_flush(w) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "g", NULL, &got) == 0 && got.uid == 6);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_close(w) == 0);
}

static void test_xattrs(void)
{
	struct sidecar *sc;
	struct stat st;
	char buf[64];

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("f", &st);
	CHECK(vmeta_xattr_is_virtual("security.capability") && vmeta_xattr_is_virtual("trusted.x"));
	CHECK(vmeta_xattr_is_virtual("system.posix_acl_access") && !vmeta_xattr_is_virtual("user.x"));
	CHECK(sidecar_xattr_set(sc, "f", &st, "security.capability", "\1\2\3", 3, XATTR_REPLACE) == -ENODATA);
	CHECK(sidecar_xattr_set(sc, "f", &st, "security.capability", "\1\2\3", 3, XATTR_CREATE) == 0);
	CHECK(sidecar_xattr_set(sc, "f", &st, "security.capability", "\1\2\3", 3, XATTR_CREATE) == -EEXIST);
	CHECK(sidecar_xattr_set(sc, "f", &st, "trusted.t", "v", 1, 0) == 0);
	CHECK(sidecar_xattr_get(sc, "f", "security.capability", buf, 2) == -ERANGE);
	CHECK(sidecar_xattr_get(sc, "f", "security.capability", NULL, 0) == 3);
	sc = reopen(sc);
	CHECK(sidecar_xattr_get(sc, "f", "security.capability", buf, sizeof(buf)) == 3 && memcmp(buf, "\1\2\3", 3) == 0);
	CHECK(sidecar_xattr_list(sc, "f", NULL, 0) == (ssize_t)(strlen("security.capability") + strlen("trusted.t") + 2));
	CHECK(sidecar_xattr_list(sc, "f", buf, 3) == -ERANGE);
	CHECK(sidecar_xattr_remove(sc, "f", "trusted.t") == 0);
	CHECK(sidecar_xattr_remove(sc, "f", "trusted.t") == -ENODATA);
	CHECK(sidecar_xattr_get(sc, "f", "trusted.t", buf, sizeof(buf)) == -ENODATA);
	CHECK(sidecar_close(sc) == 0);
}

static int count_rows(const char *path, const struct vmeta *m, void *arg)
{
	(void)path;
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static void test_stale_repair_and_move(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(0, 0, S_IFREG | 0644), got;
	struct stat st, st2;
	unsigned removed;
	char cmd[1200], copy[300];
	int n = 0, copy_fd;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("keep", &st);
	CHECK(sidecar_set(sc, "keep", &st, &m) == 0);
	touch("gone", &st);
	CHECK(sidecar_set(sc, "gone", &st, &m) == 0);
	touch("replaced", &st);
	CHECK(sidecar_set(sc, "replaced", &st, &m) == 0);
	m = owner(0, 0, S_IFDIR | 0755);
	touch("wasdir", &st);
	CHECK(sidecar_set(sc, "wasdir", NULL, &m) == 0);
	/* changed outside vuovl: removed, replaced by another inode */
	CHECK(unlinkat(layer_fd, "gone", 0) == 0);
	touch("new", &st2);	/* another inode while "replaced" still lives */
	CHECK(renameat(layer_fd, "new", layer_fd, "replaced") == 0);
	CHECK(sidecar_get(sc, "replaced", &st2, &got) == -ENOENT);	/* stale: ignored */
	CHECK(sidecar_get(sc, "wasdir", &st2, &got) == -ENOENT);	/* a dir row on a file */
	CHECK(sidecar_flush(sc) == 0);
	/* rows no path reaches, and a path to no node (made by other tools) */
	snprintf(cmd, sizeof(cmd), "%s/%s/%s", layer, SIDECAR_DIR, SIDECAR_FILE);
	sql(cmd, "INSERT INTO node(id, uid) VALUES (900, 1); INSERT INTO path VALUES ('dangling', 901);"
		 "INSERT INTO xattr VALUES (902, 'trusted.x', x'00');");
	CHECK(sidecar_repair(sc, layer_fd, &removed) == 0);
	CHECK(removed == 6);
	CHECK(sql_long("SELECT count(*) FROM node") == 1 && sql_long("SELECT count(*) FROM xattr") == 0);
	CHECK(sql_long("SELECT count(*) FROM path") == 1);
	CHECK(sidecar_foreach(sc, count_rows, &n) == 0 && n == 1);
	CHECK(sidecar_close(sc) == 0);
	/* copied elsewhere (cp -a): inodes change, paths are re-keyed */
	snprintf(copy, sizeof(copy), "%s.copy", layer);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s %s", copy, layer, copy);
	CHECK(system(cmd) == 0);
	copy_fd = open(copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fstatat(copy_fd, "keep", &st, 0) == 0);
	CHECK(sidecar_open(copy_fd, copy, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "keep", &st, &got) == 0);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_open(copy_fd, copy, NULL, 0, &sc) == 0);
	CHECK(sidecar_get(sc, "keep", &st, &got) == 0);
	CHECK(sidecar_close(sc) == 0);
	close(copy_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", copy);
	CHECK(system(cmd) == 0);
}

/* cp -r of a layer makes each hard link a file of its own: every name
 * keeps the node's fields (and xattrs), and repair drops none. */
static void test_links_split_by_copy(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(7, 8, S_IFREG | 04755), got;
	struct stat st, sa, sb;
	unsigned removed;
	char cmd[1200], copy[300];
	int copy_fd;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	touch("a", &st);
	CHECK(linkat(layer_fd, "a", layer_fd, "b", 0) == 0);
	CHECK(sidecar_set(sc, "a", &st, &m) == 0 && sidecar_link(sc, "a", "b", NULL) == 0);
	CHECK(sidecar_xattr_set(sc, "b", &st, "security.capability", "cap", 3, 0) == 0);
	CHECK(sidecar_close(sc) == 0);
	snprintf(copy, sizeof(copy), "%s.copy", layer);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r %s %s", copy, layer, copy);
	CHECK(system(cmd) == 0);
	copy_fd = open(copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fstatat(copy_fd, "a", &sa, 0) == 0 && fstatat(copy_fd, "b", &sb, 0) == 0);
	CHECK(sa.st_ino != sb.st_ino);
	for (int rdonly = 1; rdonly >= 0; rdonly--) {
		CHECK(sidecar_open(copy_fd, copy, NULL, rdonly ? SIDECAR_RDONLY : 0, &sc) == 0);
		CHECK(sidecar_get(sc, "a", &sa, &got) == 0 && got.uid == 7 && got.mode == (S_IFREG | 04755));
		CHECK(sidecar_get(sc, "b", &sb, &got) == 0 && got.uid == 7 && got.mode == (S_IFREG | 04755));
		CHECK(sidecar_xattr_get(sc, "a", "security.capability", NULL, 0) == 3);
		CHECK(sidecar_xattr_get(sc, "b", "security.capability", NULL, 0) == 3);
		if (!rdonly) {
			CHECK(sidecar_repair(sc, copy_fd, &removed) == 0 && removed == 0);
			/* one name's change no longer shows on the other file */
			m = (struct vmeta){ .mask = VMETA_UID, .uid = 9 };
			CHECK(sidecar_set(sc, "a", &sa, &m) == 0);
			CHECK(sidecar_get(sc, "b", &sb, &got) == 0 && got.uid == 7);
		}
		CHECK(sidecar_close(sc) == 0);
	}
	CHECK(sidecar_open(copy_fd, copy, NULL, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "a", &sa, &got) == 0 && got.uid == 9);
	CHECK(sidecar_get(sc, "b", &sb, &got) == 0 && got.uid == 7);
	CHECK(sidecar_close(sc) == 0);
	close(copy_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", copy);
	CHECK(system(cmd) == 0);
}

static void test_versions(void)
{
	struct sidecar *sc;
	struct vmeta got;
	char file[400];

	mklayer();
	snprintf(file, sizeof(file), "%s/v1.db", layer);
	/* a version-1 file: no names, no layer table */
	sql(file, "CREATE TABLE node(id INTEGER PRIMARY KEY, host_ino INTEGER, uid INTEGER, gid INTEGER,"
		  " mode INTEGER, rdev INTEGER, ino INTEGER, flags INTEGER NOT NULL DEFAULT 0);"
		  "CREATE TABLE path(path TEXT PRIMARY KEY, node INTEGER NOT NULL) WITHOUT ROWID;"
		  "CREATE TABLE xattr(node INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,"
		  " PRIMARY KEY(node, name)) WITHOUT ROWID;"
		  "INSERT INTO node(id, uid, gid) VALUES (1, 5, 6); INSERT INTO path VALUES ('x', 1);"
		  "PRAGMA user_version = 1;");
	CHECK(sidecar_open(layer_fd, layer, file, SIDECAR_RDONLY, &sc) == -EROFS);	/* cannot migrate */
	CHECK(sidecar_open_error() && strstr(sidecar_open_error(), "needs migrating"));
	CHECK(sidecar_open(layer_fd, layer, file, 0, &sc) == 0);
	CHECK(sidecar_get(sc, "x", NULL, &got) == 0 && got.uid == 5 && !(got.mask & VMETA_UNAME));
	got.mask = VMETA_UNAME;
	strcpy(got.uname, "daemon");
	CHECK(sidecar_set(sc, "x", NULL, &got) == 0);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sql_long_in(file, "PRAGMA user_version") == 3);
	CHECK(sql_long_in(file, "SELECT count(*) FROM node WHERE uname = 'daemon' AND uid = 5") == 1);
	CHECK(sql_long_in(file, "SELECT count(*) FROM layer") == 1);
	CHECK(sidecar_open(layer_fd, layer, file, SIDECAR_RDONLY, &sc) == 0);
	CHECK(sidecar_get(sc, "x", NULL, &got) == 0 && strcmp(got.uname, "daemon") == 0);
	CHECK(sidecar_close(sc) == 0);
	snprintf(file, sizeof(file), "%s/v99.db", layer);
	sql(file, "PRAGMA user_version = 99;");
	CHECK(sidecar_open(layer_fd, layer, file, 0, &sc) == -EPROTO);
	CHECK(sidecar_open_error() && strstr(sidecar_open_error(), "newer"));
	snprintf(file, sizeof(file), "%s/junk.db", layer);
	sql(file, "CREATE TABLE t(x);");
	CHECK(sidecar_open(layer_fd, layer, file, 0, &sc) == -EBADMSG);
	snprintf(file, sizeof(file), "%s/text.db", layer);
	FILE *f = fopen(file, "w");
	fputs("this is not a database, not even close to one; it is text\n", f);
	for (int i = 0; i < 100; i++)
		fputs("padding padding padding padding padding padding\n", f);
	fclose(f);
	CHECK(sidecar_open(layer_fd, layer, file, 0, &sc) == -EBADMSG);
	/* orphan rows only (a path and an xattr naming no node, no node at
	 * all): loaded as nothing, no crash (the fuzzer found this one) */
	snprintf(file, sizeof(file), "%s/orphans.db", layer);
	sql(file, "CREATE TABLE node(id INTEGER PRIMARY KEY, host_ino INTEGER, uid INTEGER, gid INTEGER,"
		  " mode INTEGER, rdev INTEGER, ino INTEGER, flags INTEGER NOT NULL DEFAULT 0);"
		  "CREATE TABLE path(path TEXT PRIMARY KEY, node INTEGER NOT NULL) WITHOUT ROWID;"
		  "CREATE TABLE xattr(node INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,"
		  " PRIMARY KEY(node, name)) WITHOUT ROWID;"
		  "INSERT INTO path VALUES ('x', 7); INSERT INTO xattr VALUES (7, 'trusted.a', 'v');"
		  "PRAGMA user_version = 1;");
	CHECK(sidecar_open(layer_fd, layer, file, 0, &sc) == 0);
	CHECK(sidecar_get(sc, "x", NULL, &got) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
}

struct reader {
	struct sidecar *sc;
	volatile int *stop;
	long hits, bad;
};

/* Reads while the main thread writes: a row is either absent or whole. */
static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct vmeta got;
	char path[64];

	for (unsigned i = 0; !*rd->stop; i++) {
		unsigned k = i % 2000;

		snprintf(path, sizeof(path), "%s/f%u", (i / 2000) % 2 ? "B" : "A", k);
		if (sidecar_get(rd->sc, path, NULL, &got) == 0) {
			rd->hits++;
			if (got.uid != k || got.gid != k + 1)
				rd->bad++;
		}
	}
	return NULL;
}

/* Many FUSE threads read while one writes: readers run under the read
 * lock, and never see half a row or a dangling one. */
static void test_threads(void)
{
	struct sidecar *sc;
	struct reader rd[4];
	pthread_t tid[4];
	volatile int stop = 0;
	long hits = 0, bad = 0;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	for (int t = 0; t < 4; t++) {
		rd[t] = (struct reader){ .sc = sc, .stop = &stop };
		CHECK(pthread_create(&tid[t], NULL, reader_main, &rd[t]) == 0);
	}
	for (int round = 0; round < 10; round++) {
		char path[64];

		for (unsigned k = 0; k < 2000; k++) {
			struct vmeta m = { .mask = VMETA_UID | VMETA_GID, .uid = k, .gid = k + 1 };

			snprintf(path, sizeof(path), "A/f%u", k);
			CHECK(sidecar_set(sc, path, NULL, &m) == 0);
		}
		CHECK(sidecar_rename(sc, "A", "B") == 0);
		CHECK(sidecar_flush(sc) == 0);
		CHECK(sidecar_unlink(sc, "B") == 0);
	}
	stop = 1;
	for (int t = 0; t < 4; t++) {
		pthread_join(tid[t], NULL);
		hits += rd[t].hits;
		bad += rd[t].bad;
	}
	printf("# 4 readers beside a writer: %ld hits, %ld bad\n", hits, bad);
	CHECK(bad == 0);
	CHECK(sidecar_close(sc) == 0);
	CHECK(integrity_ok());
}

/* A 100k-row layer: loaded again whole, a rename of the whole tree
 * moves every row (bench/bench-sidecar.c times the same steps). */
static void test_big_tree(void)
{
	struct sidecar *sc;
	struct vmeta m = owner(0, 0, S_IFREG | 0644), got;
	char path[64];
	int n = 100000;

	mklayer();
	CHECK(sidecar_open(layer_fd, layer, NULL, SIDECAR_CREATE, &sc) == 0);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "top/usr/d%d/f%d", i % 100, i);
		m.uid = (uid_t)i;
		CHECK(sidecar_set(sc, path, NULL, &m) == 0);
	}
	CHECK(sidecar_close(sc) == 0);
	CHECK(sidecar_open(layer_fd, layer, NULL, 0, &sc) == 0);
	CHECK(sidecar_get(sc, "top/usr/d7/f99907", NULL, &got) == 0 && got.uid == 99907);
	CHECK(sidecar_rename(sc, "top", "TOP") == 0);
	CHECK(sidecar_flush(sc) == 0);
	CHECK(sidecar_get(sc, "TOP/usr/d7/f99907", NULL, &got) == 0 && got.uid == 99907);
	CHECK(sidecar_get(sc, "top/usr/d7/f99907", NULL, &got) == -ENOENT);
	CHECK(sidecar_close(sc) == 0);
	CHECK(sql_long("SELECT count(*) FROM path") == n);
	CHECK(integrity_ok());
}

int main(void)
{
	char cmd[300];

	test_set_get_persist();
	test_links_and_rename();
	test_link_nodes();
	test_link_by_inode();
	test_links_split_by_copy();
	test_root_owner();
	test_birth_time();
	test_trees();
	test_rdonly();
	test_batches();
	test_threads();
	test_xattrs();
	test_stale_repair_and_move();
	test_versions();
	test_big_tree();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", layer);
	if (system(cmd) != 0)
		check_failures++;
	printf("%s: %d failure(s)\n", check_failures ? "FAIL" : "ok", check_failures);
	return check_failures ? 1 : 0;
}
