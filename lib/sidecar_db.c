// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sidecar_db — SQLite persistence of a sidecar. The only file besides
 * sidecar.c that includes sqlite3.h. Owns the connection, the prepared
 * statements and the open transaction; never touches the index except
 * to fill it in scdb_load.
 */
#include "config.h"
#include "sidecar_db.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema-sql.h"
#include "sidecar.h"

static const char *const stmt_sql[SQL_NSTMT] = {
	[SQL_NODE_INSERT] = "INSERT INTO node(host_ino, uid, gid, mode, rdev, ino, flags, uname, gname,"
			    " host_btime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11)",
	[SQL_NODE_UPDATE] = "UPDATE node SET host_ino = ?1, uid = ?2, gid = ?3, mode = ?4, rdev = ?5,"
			    " ino = ?6, flags = ?7, uname = ?8, gname = ?9, host_btime = ?11 WHERE id = ?10",
	[SQL_NODE_DELETE] = "DELETE FROM node WHERE id = ?1",
	[SQL_PATH_PUT] = "INSERT OR REPLACE INTO path(path, node) VALUES (?1, ?2)",
	[SQL_PATH_DELETE] = "DELETE FROM path WHERE path = ?1",
	[SQL_PATH_DELETE_BELOW] = "DELETE FROM path WHERE path >= ?1 AND path < ?2",
	[SQL_PATH_MOVE] = "UPDATE path SET path = ?2 WHERE path = ?1",
	/* Bytes, not characters: a path need not be valid UTF-8. */
	[SQL_PATH_MOVE_BELOW] = "UPDATE path SET path = CAST(?3 || substr(CAST(path AS BLOB), ?4) AS TEXT)"
				" WHERE path >= ?1 AND path < ?2",
	[SQL_XATTR_PUT] = "INSERT OR REPLACE INTO xattr(node, name, value) VALUES (?1, ?2, ?3)",
	[SQL_XATTR_DELETE] = "DELETE FROM xattr WHERE node = ?1 AND name = ?2",
	[SQL_XATTR_DELETE_NODE] = "DELETE FROM xattr WHERE node = ?1",
};

static int set_err(struct scdb *db, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_err(struct scdb *db, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Maps an SQLite result to -errno, recording its message. */
static int sql_err(struct scdb *db, int rc)
{
	int err;

	switch (rc & 0xff) {
	case SQLITE_NOMEM: err = -ENOMEM; break;
	case SQLITE_READONLY: err = -EROFS; break;
	case SQLITE_PERM: case SQLITE_AUTH: err = -EACCES; break;
	case SQLITE_FULL: err = -ENOSPC; break;
	case SQLITE_CANTOPEN: err = -ENOENT; break;
	case SQLITE_NOTADB: case SQLITE_CORRUPT: err = -EBADMSG; break;
	case SQLITE_BUSY: case SQLITE_LOCKED: err = -EBUSY; break;
	default: err = -EIO; break;
	}
	return set_err(db, err, "%s", db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
}

static int exec(struct scdb *db, const char *sql)
{
	int rc = sqlite3_exec(db->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_err(db, rc);
}

static int pragma_int(struct scdb *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_err(db, rc);
}

/* "file:" URI for path, escaping what a URI gives meaning to. */
static char *uri_for(const char *path, const char *query)
{
	size_t n = strlen(path);
	char *u = malloc(3 * n + strlen(query) + 8), *p;

	if (!u)
		return NULL;
	p = u + sprintf(u, "file:");
	for (; *path; path++) {
		if (*path == '%' || *path == '?' || *path == '#')
			p += sprintf(p, "%%%02X", (unsigned char)*path);
		else
			*p++ = *path;
	}
	sprintf(p, "?%s", query);
	return u;
}

/* How to read a file without writing beside it. Without a WAL holding
 * commits (no writer has it open, none crashed), the file says it all:
 * immutable reads it without creating -wal and -shm files in a lower
 * layer. Otherwise mode=ro, which reads the WAL (and needs its -shm). */
static const char *ro_query(const char *file)
{
	char wal[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", file) >= sizeof(wal))
		return "mode=ro";
	if (stat(wal, &st) == 0 && st.st_size > 0)
		return "mode=ro";
	return "immutable=1";
}

/*
 * The vuovl-fd VFS: the unix one, except that a name beneath
 * /proc/self/fd/N/ stays as it is. The unix VFS resolves symbolic links
 * to a full path first, which would turn the pinned directory of a
 * sidecar (sidecar_file.c) back into a path anyone renaming a directory
 * could redirect; -wal and -shm follow the same name.
 */
#define FD_PREFIX "/proc/self/fd/"
static sqlite3_vfs fd_vfs;
static int (*unix_full_pathname)(sqlite3_vfs *, const char *, int, char *);

static int fd_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out)
{
	if (strncmp(name, FD_PREFIX, strlen(FD_PREFIX)))
		return unix_full_pathname(vfs, name, size, out);
	if ((int)strlen(name) >= size)
		return SQLITE_CANTOPEN;
	strcpy(out, name);
	return SQLITE_OK;
}

static void register_fd_vfs(void)
{
	sqlite3_vfs *unix_vfs = sqlite3_vfs_find(NULL);

	if (!unix_vfs)
		return;
	fd_vfs = *unix_vfs;
	fd_vfs.zName = "vuovl-fd";
	fd_vfs.pNext = NULL;
	unix_full_pathname = unix_vfs->xFullPathname;
	fd_vfs.xFullPathname = fd_full_pathname;
	sqlite3_vfs_register(&fd_vfs, 0);
}

/* The file as it stands: absent (ENOENT, a sidecar to create), or one
 * that can be read; an empty one opened only to read is no sidecar. */
static int check_readable(struct scdb *db, const char *file, int create, int rdonly)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return create && !rdonly ? 0 : set_err(db, -ENOENT, "no sidecar");
	if (fd < 0)
		return set_err(db, -errno, "cannot read it: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;	/* before close, which may change errno */

		close(fd);
		return set_err(db, -e, "cannot stat it: %s", strerror(e));
	}
	if (rdonly && st.st_size == 0) {
		close(fd);
		return set_err(db, -EBADMSG, "an empty file, not a sidecar");
	}
	close(fd);
	return 0;
}

static int open_conn(struct scdb *db, const char *file, int create, int rdonly)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, r;
	const char *vfs;
	char *uri;
	int rc;

	pthread_once(&once, register_fd_vfs);
	vfs = sqlite3_vfs_find("vuovl-fd") ? "vuovl-fd" : NULL;
	if ((r = check_readable(db, file, create, rdonly)) < 0)
		return r;
	flags |= rdonly ? SQLITE_OPEN_READONLY
			: SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	uri = uri_for(file, rdonly ? ro_query(file) : create ? "mode=rwc" : "mode=rw");
	if (!uri)
		return -ENOMEM;
	rc = sqlite3_open_v2(uri, &db->db, flags, vfs);
	free(uri);
	if (rc == SQLITE_OK && rdonly) {
		int64_t v;

		/* A read-only directory cannot hold the -shm file WAL wants:
		 * fall back to reading the file as it stands. */
		if (pragma_int(db, "PRAGMA user_version", &v) < 0) {
			sqlite3_close(db->db);
			db->db = NULL;
			uri = uri_for(file, "immutable=1");
			if (!uri)
				return -ENOMEM;
			rc = sqlite3_open_v2(uri, &db->db, flags, vfs);
			free(uri);
		}
	}
	if (rc != SQLITE_OK) {
		int err = sql_err(db, rc);

		sqlite3_close(db->db);
		db->db = NULL;
		return err;
	}
	sqlite3_busy_timeout(db->db, 5000);
	return 0;
}

/* Creates the schema in an empty file, or migrates an older one. */
static int bring_schema(struct scdb *db, int rdonly)
{
	int64_t version, tables;
	int r;

	if ((r = pragma_int(db, "PRAGMA user_version", &version)) < 0)
		return r == -EIO ? set_err(db, -EBADMSG, "not a vuovl sidecar: %s", db->err) : r;
	if ((r = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables)) < 0)
		return r;
	if (version > SCDB_VERSION)
		return set_err(db, -EPROTO, "schema version %" PRId64 " is newer than this vuovl (%d)",
			       version, SCDB_VERSION);
	if (version == 0 && tables > 0)
		return set_err(db, -EBADMSG, "not a vuovl sidecar (an SQLite file with other tables)");
	db->version = version ? version : SCDB_VERSION;
	if (version == SCDB_VERSION)
		return 0;
	/* version 2 lacks only host_btime: read as it is (no identity by
	 * birth time), so a lower layer an older vutar made needs nothing */
	if (rdonly && version == 2)
		return 0;
	if (rdonly)
		return set_err(db, -EROFS, "schema version %" PRId64 " needs migrating, and the file is read-only", version);
	db->version = SCDB_VERSION;
	if ((r = exec(db, "BEGIN IMMEDIATE")) < 0)
		return r;
	if (version == 0) {
		r = exec(db, sidecar_schema_sql);
	} else {
		for (size_t i = 0; r == 0 && sidecar_migrations[i].sql; i++) {
			char pragma[64];

			if (sidecar_migrations[i].version <= version)
				continue;
			snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
				 sidecar_migrations[i].version);
			r = exec(db, sidecar_migrations[i].sql);
			if (r == 0)
				r = exec(db, pragma);
		}
	}
	if (r == 0)
		return exec(db, "COMMIT");
	exec(db, "ROLLBACK");	/* keeps r: the migration's own failure */
	return r;
}

int scdb_open(struct scdb *db, const char *file, int create, int rdonly)
{
	int r;

	memset(db, 0, sizeof(*db));
	if ((r = open_conn(db, file, create, rdonly)) < 0)
		return r;
	if (!rdonly && (r = exec(db, "PRAGMA journal_mode = WAL")) < 0)
		goto fail;
	/* A batch of random paths dirties pages all over the path index:
	 * a cache that holds them, and checkpoints every 32 MiB of WAL rather
	 * than 4, keep a 100k-row batch from re-reading and re-writing them
	 * (3.5x fewer writes). The cache is given back after each flush; the
	 * WAL shrinks back to 4 MiB after a checkpoint. */
	if ((r = exec(db, "PRAGMA cache_size = -16384")) < 0 ||
	    (r = exec(db, "PRAGMA wal_autocheckpoint = 8192")) < 0 ||
	    (r = exec(db, "PRAGMA journal_size_limit = 4194304")) < 0)
		goto fail;
	/* NORMAL: a commit is atomic at once and durable at the next
	 * scdb_commit(db, 1), which fsyncs the WAL (sync_wal). */
	if ((r = exec(db, "PRAGMA synchronous = NORMAL")) < 0)
		goto fail;
	if ((r = bring_schema(db, rdonly)) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_close(db->db);
	db->db = NULL;
	return r;
}

void scdb_close(struct scdb *db)
{
	for (int i = 0; i < SQL_NSTMT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->db);
	memset(db->stmt, 0, sizeof(db->stmt));
	db->db = NULL;
}

/* The prepared statement, reset and ready for binding; NULL on failure. */
static sqlite3_stmt *stmt(struct scdb *db, enum scdb_stmt which)
{
	sqlite3_stmt *st = db->stmt[which];

	if (!st && sqlite3_prepare_v3(db->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
				      &db->stmt[which], NULL) != SQLITE_OK) {
		sql_err(db, sqlite3_errcode(db->db));
		return NULL;
	}
	st = db->stmt[which];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a bound write statement inside the open transaction. */
static int step(struct scdb *db, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sql_err(db, rc);
	return 0;
}

static int begin(struct scdb *db)
{
	int r;

	if (db->in_txn)
		return 0;
	if ((r = exec(db, "BEGIN IMMEDIATE")) < 0)
		return r;
	db->in_txn = 1;
	db->pending = 0;
	return 0;
}

/* fsyncs the WAL, making every commit so far durable. SQLite runs
 * synchronous=NORMAL (commits reach the OS, not the disk) and offers the
 * WAL's file through SQLITE_FCNTL_JOURNAL_POINTER; one fsync here does what
 * synchronous=FULL would do at every auto-commit of a long batch. */
static int sync_wal(struct scdb *db)
{
	sqlite3_file *wal = NULL;
	int rc;

	if (!db->unsynced)
		return 0;
	rc = sqlite3_file_control(db->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
	if (rc == SQLITE_OK && wal && wal->pMethods) {
		rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
		if (rc != SQLITE_OK)
			return set_err(db, -EIO, "cannot sync the sidecar's WAL: %s", sqlite3_errstr(rc));
	} else if ((rc = exec(db, "PRAGMA wal_checkpoint(FULL)")) < 0) {
		return rc;	/* no WAL file open: a checkpoint syncs what there is */
	}
	db->unsynced = 0;
	return 0;
}

int scdb_commit(struct scdb *db, int durable)
{
	int r = 0;

	if (db->in_txn) {
		r = exec(db, "COMMIT");
		if (r < 0)
			exec(db, "ROLLBACK");	/* keeps r: the commit's failure */
		else
			db->unsynced = 1;
		db->in_txn = 0;
		db->pending = 0;
	}
	if (r == 0 && durable) {
		r = sync_wal(db);
		sqlite3_db_release_memory(db->db);	/* the index has it all */
	}
	return r;
}

static void bind_opt_int(sqlite3_stmt *st, int col, int set, int64_t v)
{
	if (set)
		sqlite3_bind_int64(st, col, v);
}

static void bind_node(sqlite3_stmt *st, const struct sc_node *n)
{
	bind_opt_int(st, 1, n->host_ino != 0, (int64_t)n->host_ino);
	bind_opt_int(st, 2, n->mask & VMETA_UID, n->uid);
	bind_opt_int(st, 3, n->mask & VMETA_GID, n->gid);
	bind_opt_int(st, 4, n->mask & VMETA_MODE, n->mode);
	bind_opt_int(st, 5, n->mask & VMETA_RDEV, (int64_t)n->rdev);
	bind_opt_int(st, 6, n->mask & VMETA_INO, (int64_t)n->ino);
	sqlite3_bind_int64(st, 7, n->mask & VMETA_FLAGS ? n->flags : 0);
	if ((n->mask & VMETA_UNAME) && n->uname)
		sqlite3_bind_text(st, 8, n->uname, -1, SQLITE_STATIC);
	if ((n->mask & VMETA_GNAME) && n->gname)
		sqlite3_bind_text(st, 9, n->gname, -1, SQLITE_STATIC);
	bind_opt_int(st, 11, n->host_btime != 0, n->host_btime);
}

int scdb_node_write(struct scdb *db, struct sc_node *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, n->id ? SQL_NODE_UPDATE : SQL_NODE_INSERT);
	if (!st)
		return -EIO;
	bind_node(st, n);
	if (n->id)
		sqlite3_bind_int64(st, 10, n->id);
	if ((r = step(db, st)) < 0)
		return r;
	if (!n->id)
		n->id = sqlite3_last_insert_rowid(db->db);
	return 0;
}

int scdb_node_delete(struct scdb *db, struct sc_node *n)
{
	sqlite3_stmt *st;
	int r;

	if (!n->id)
		return 0;
	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_XATTR_DELETE_NODE);
	if (st)
		sqlite3_bind_int64(st, 1, n->id);
	if ((r = step(db, st)) < 0)
		return r;
	st = stmt(db, SQL_NODE_DELETE);
	if (st)
		sqlite3_bind_int64(st, 1, n->id);
	return step(db, st);
}

int scdb_path_put(struct scdb *db, const char *path, const struct sc_node *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_PATH_PUT);
	if (st) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, n->id);
	}
	return step(db, st);
}

int scdb_path_delete(struct scdb *db, const char *path, int with_below)
{
	sqlite3_stmt *st;
	size_t len = strlen(path);
	char *lo, *hi;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_PATH_DELETE);
	if (st)
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if ((r = step(db, st)) < 0 || !with_below)
		return r;
	/* Everything beneath "a" sorts in ["a/", "a0"): '0' follows '/'. */
	lo = malloc(2 * (len + 2));
	if (!lo)
		return -ENOMEM;
	hi = lo + len + 2;
	sprintf(lo, "%s/", path);
	sprintf(hi, "%s0", path);
	st = stmt(db, SQL_PATH_DELETE_BELOW);
	if (st) {
		sqlite3_bind_text(st, 1, len ? lo : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, len ? hi : "\xff", -1, SQLITE_STATIC);
	}
	r = step(db, st);
	free(lo);
	return r;
}

int scdb_path_move(struct scdb *db, const char *from, const char *to)
{
	sqlite3_stmt *st;
	size_t len = strlen(from);
	char *lo, *hi;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_PATH_MOVE);
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	}
	if ((r = step(db, st)) < 0)
		return r;
	/* As in scdb_path_delete: beneath "a" is ["a/", "a0"). */
	lo = malloc(2 * (len + 2));
	if (!lo)
		return -ENOMEM;
	hi = lo + len + 2;
	sprintf(lo, "%s/", from);
	sprintf(hi, "%s0", from);
	st = stmt(db, SQL_PATH_MOVE_BELOW);
	if (st) {
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)len + 1);	/* substr is 1-based: from the '/' */
	}
	r = step(db, st);
	free(lo);
	return r;
}

int scdb_xattr_put(struct scdb *db, const struct sc_node *n, const struct sc_xattr *x)
{
	sqlite3_stmt *st;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_XATTR_PUT);
	if (st) {
		sqlite3_bind_int64(st, 1, n->id);
		sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, x->value, (int)x->size, SQLITE_STATIC);
	}
	return step(db, st);
}

int scdb_xattr_delete(struct scdb *db, const struct sc_node *n, const char *name)
{
	sqlite3_stmt *st;
	int r;

	if ((r = begin(db)) < 0)
		return r;
	st = stmt(db, SQL_XATTR_DELETE);
	if (st) {
		sqlite3_bind_int64(st, 1, n->id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	}
	return step(db, st);
}

/* SQL's view of vmeta_xattr_is_virtual: the names a sidecar may keep. */
static void sql_virtual_xattr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *name = sqlite3_value_text(argv[0]);

	(void)argc;
	sqlite3_result_int(ctx, name && *name && vmeta_xattr_is_virtual((const char *)name));
}

int scdb_purge_orphans(struct scdb *db, unsigned *removed)
{
	static const char *const sql[] = {
		/* the rows load skips as not believable (valid_path) */
		"DELETE FROM path WHERE path IS NULL OR path GLOB '/*' OR path GLOB '*/'"
		" OR path GLOB '*//*' OR path IN ('.', '..') OR path GLOB './*'"
		" OR path GLOB '../*' OR path GLOB '*/./*' OR path GLOB '*/../*'"
		" OR path GLOB '*/.' OR path GLOB '*/..' OR instr(path, char(0)) > 0",
		"DELETE FROM xattr WHERE name IS NULL OR NOT vuovl_virtual_xattr(name)",
		"DELETE FROM path WHERE node NOT IN (SELECT id FROM node)",
		"DELETE FROM node WHERE id NOT IN (SELECT node FROM path)",
		"DELETE FROM xattr WHERE node NOT IN (SELECT id FROM node)",
	};
	int r, rc;

	rc = sqlite3_create_function_v2(db->db, "vuovl_virtual_xattr", 1,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					sql_virtual_xattr, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	if ((r = begin(db)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((r = exec(db, sql[i])) < 0)
			return r;
		*removed += (unsigned)sqlite3_changes(db->db);
	}
	return 0;
}

int scdb_layer_get(struct scdb *db, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *st;
	int rc, r = -ENOENT;

	rc = sqlite3_prepare_v2(db->db, "SELECT value FROM layer WHERE key = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int scdb_layer_set(struct scdb *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc, r;

	if ((r = begin(db)) < 0)
		return r;
	rc = sqlite3_prepare_v2(db->db, "INSERT OR REPLACE INTO layer(key, value) VALUES (?1, ?2)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_err(db, rc);
}

/* ---- loading ---- */

static int cmp_node_id(const void *a, const void *b)
{
	int64_t x = (*(struct sc_node *const *)a)->id, y = (*(struct sc_node *const *)b)->id;

	return x < y ? -1 : x > y;
}

static struct sc_node *node_by_id(struct sc_node **v, size_t n, int64_t id)
{
	struct sc_node key = { .id = id }, *kp = &key, **hit;

	if (!n)		/* a path row of a file with no node row: no array to search */
		return NULL;
	hit = bsearch(&kp, v, n, sizeof(*v), cmp_node_id);
	return hit ? *hit : NULL;
}

static int node_from_row(struct sc_index *idx, struct sc_node *n, sqlite3_stmt *st)
{
	struct vmeta m = { 0 };

	n->id = sqlite3_column_int64(st, 0);
	n->host_ino = (uint64_t)sqlite3_column_int64(st, 1);
	n->host_btime = sqlite3_column_int64(st, 10);
#define COL(i, bit, field, type)                                          \
	if (sqlite3_column_type(st, i) != SQLITE_NULL) {                   \
		m.mask |= bit;                                             \
		m.field = (type)sqlite3_column_int64(st, i);               \
	}
	COL(2, VMETA_UID, uid, uid_t)
	COL(3, VMETA_GID, gid, gid_t)
	COL(4, VMETA_MODE, mode, mode_t)
	COL(5, VMETA_RDEV, rdev, dev_t)
	COL(6, VMETA_INO, ino, uint64_t)
#undef COL
	m.flags = (unsigned)sqlite3_column_int64(st, 7);
	if (m.flags)
		m.mask |= VMETA_FLAGS;
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		m.mask |= VMETA_UNAME;
		snprintf(m.uname, sizeof(m.uname), "%s", (const char *)sqlite3_column_text(st, 8));
	}
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		m.mask |= VMETA_GNAME;
		snprintf(m.gname, sizeof(m.gname), "%s", (const char *)sqlite3_column_text(st, 9));
	}
	return scx_node_merge(idx, n, &m);
}

/* A row a program may not believe: named once, counted, skipped. */
static void bad_row(struct scdb *db, const char *what, const char *value)
{
	if (!db->bad++)
		snprintf(db->first_bad, sizeof(db->first_bad), "%s %s%.80s%s", what,
			 value ? "'" : "", value ? value : "(none)", value ? "'" : "");
}

/* A layer path: relative, no empty, "." or ".." component ("" is the
 * root). A row with another could make a checker walk out of its layer. */
static bool valid_path(const char *p)
{
	const char *c = p;

	if (!*p)
		return true;
	if (*p == '/')
		return false;
	for (;;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!e)
			return true;
		c = e + 1;
	}
}

static int load_xattrs(struct scdb *db, struct sc_node **v, size_t n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db->db, "SELECT node, name, value FROM xattr", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sc_node *node = node_by_id(v, n, sqlite3_column_int64(st, 0));
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const void *value = sqlite3_column_blob(st, 2);
		size_t size = (size_t)sqlite3_column_bytes(st, 2);
		struct sc_xattr *x;

		if (!node)
			continue;	/* orphan row: repair removes it */
		if (!name || !*name || !vmeta_xattr_is_virtual(name) || strlen(name) > 255) {
			bad_row(db, "xattr name", name);
			continue;
		}
		x = malloc(sizeof(*x) + size);
		if (!x || !(x->name = strdup(name))) {
			free(x);
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		x->size = size;
		if (size)	/* a zero-length value is a NULL blob */
			memcpy(x->value, value, size);
		x->next = node->xattrs;
		node->xattrs = x;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_err(db, rc);
}

static int load_paths(struct scdb *db, struct sc_index *idx, struct sc_node **v, size_t n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db->db, "SELECT path, node FROM path", -1, &st, NULL);
	int r = 0;

	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sc_node *node = node_by_id(v, n, sqlite3_column_int64(st, 1));
		const char *path = (const char *)sqlite3_column_text(st, 0);

		if (!path || !valid_path(path) || (size_t)sqlite3_column_bytes(st, 0) != strlen(path))
			bad_row(db, "path", path);
		else if (node)	/* else a dangling path: repair removes it */
			r = scx_insert(idx, path, node);
	}
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE ? 0 : sql_err(db, rc);
}

int scdb_load(struct scdb *db, struct sc_index *idx)
{
	sqlite3_stmt *st;
	struct sc_node **v = NULL;
	size_t n = 0, cap = 0;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db->db, db->version >= 3
				? "SELECT id, host_ino, uid, gid, mode, rdev, ino, flags, uname, gname,"
				  " host_btime FROM node ORDER BY id"
				: "SELECT id, host_ino, uid, gid, mode, rdev, ino, flags, uname, gname,"
				  " NULL FROM node ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct sc_node **nv = realloc(v, (cap = cap ? 2 * cap : 1024) * sizeof(*v));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[n] = scx_node_new())) {
			r = -ENOMEM;
			break;
		}
		if ((r = node_from_row(idx, v[n++], st)) < 0)
			break;
	}
	sqlite3_finalize(st);
	if (r == 0 && rc != SQLITE_DONE)
		r = sql_err(db, rc);
	if (r == 0)
		r = load_xattrs(db, v, n);
	if (r == 0)
		r = load_paths(db, idx, v, n);
	sqlite3_db_release_memory(db->db);	/* every row is in the index now */
	/* Nodes no path reached are not kept in memory; the others are
	 * found by host inode too. */
	for (size_t i = 0; i < n; i++)
		if (v[i]->nlinks == 0)
			scx_node_free(v[i]);
		else if (r == 0)
			r = scx_inode_update(idx, v[i]);
	free(v);
	return r;
}
