/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sidecar_db — the SQLite side of a sidecar: open/create/migrate the file,
 * load it into a sidecar_index, and write single changes into the open
 * transaction. Private to lib/sidecar*.c; the caller holds the lock.
 */
#ifndef VU_SIDECAR_DB_H
#define VU_SIDECAR_DB_H

#include <sqlite3.h>

#include "sidecar_index.h"

enum scdb_stmt {
	SQL_NODE_INSERT,
	SQL_NODE_UPDATE,
	SQL_NODE_DELETE,
	SQL_PATH_PUT,
	SQL_PATH_DELETE,
	SQL_PATH_DELETE_BELOW,
	SQL_PATH_MOVE,
	SQL_PATH_MOVE_BELOW,
	SQL_XATTR_PUT,
	SQL_XATTR_DELETE,
	SQL_XATTR_DELETE_NODE,
	SQL_NSTMT
};

struct scdb {
	sqlite3 *db;
	sqlite3_stmt *stmt[SQL_NSTMT];
	int in_txn;
	int unsynced;	/* commits since the last WAL fsync */
	unsigned pending;	/* changes in the open transaction (sidecar.c counts) */
	char err[256];	/* the last failure in words */
	unsigned bad;		/* rows skipped at load: not believable */
	int64_t version;	/* of the file (read-only: may be older) */
	char first_bad[128];	/* the first of them, in words */
};

#define SCDB_VERSION 3

/* Opens (creating when create) and brings the schema to SCDB_VERSION.
 * Returns 0, -ENOENT, -EPROTO (newer file), -EBADMSG (not a sidecar),
 * other -errno; db->err says why. */
int scdb_open(struct scdb *db, const char *file, int create, int rdonly);
void scdb_close(struct scdb *db);
/* Loads every row into idx. */
int scdb_load(struct scdb *db, struct sc_index *idx);

/* Each write starts the transaction when none is open. */
int scdb_node_write(struct scdb *db, struct sc_node *n);
int scdb_node_delete(struct scdb *db, struct sc_node *n);
int scdb_path_put(struct scdb *db, const char *path, const struct sc_node *n);
int scdb_path_delete(struct scdb *db, const char *path, int with_below);
/* Moves the row at from and every row beneath it to to: two statements
 * whatever the size of the tree. Rows at and beneath to must be gone. */
int scdb_path_move(struct scdb *db, const char *from, const char *to);
int scdb_xattr_put(struct scdb *db, const struct sc_node *n, const struct sc_xattr *x);
int scdb_xattr_delete(struct scdb *db, const struct sc_node *n, const char *name);
/* Deletes nodes without paths, and paths and xattrs without nodes;
 * adds the count to *removed. */
int scdb_purge_orphans(struct scdb *db, unsigned *removed);
/* Commits the open transaction (atomic); durable also fsyncs the WAL so
 * that every commit so far survives a power loss. */
int scdb_commit(struct scdb *db, int durable);
/* Layer facts (root identity). */
int scdb_layer_get(struct scdb *db, const char *key, char *buf, size_t size);
int scdb_layer_set(struct scdb *db, const char *key, const char *value);

#endif
