#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl-meta: dump, check and repair a layer's sidecar. The sidecar is
# written here with the sqlite3 shell from db/schema.sql, which also shows
# the format is the plain, documented one.

load helpers
# the version db/schema.sql writes: what repair migrates an old file to
SCHEMA_VERSION=$(sed -n 's/^PRAGMA user_version = \([0-9]*\);/\1/p' "$VU_SRCDIR/db/schema.sql")

setup() {
	vu_setup
	L=$T/layer
	mkdir -p "$L/.vuovl" "$L/dir"
	echo a >"$L/a"
	echo b >"$L/dir/b"
	sqlite3 "$L/.vuovl/meta.db" <"$VU_SRCDIR/db/schema.sql"
	sqlite3 "$L/.vuovl/meta.db" <<-SQL
	INSERT INTO node(id, host_ino, uid, gid, mode) VALUES (1, $(stat -c %i "$L/a"), 0, 0, $((0104755)));
	INSERT INTO node(id, host_ino, uid, gid, mode, rdev) VALUES (2, $(stat -c %i "$L/dir/b"), 5, 6, $((0020666)), $((1 << 8 | 3)));
	INSERT INTO path VALUES ('a', 1), ('dir/b', 2);
	SQL
	# The first read-write open records the layer's identity (nothing stale yet).
	run "$VUMETA" repair "$L"
	[[ "$output" == "removed 0 stale rows" ]]
}

teardown() {
	vu_teardown
}

@test "dump shows virtual modes, owners and device numbers" {
	run "$VUMETA" dump "$L"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "-rwsr-xr-x 0/0 a" ]]
	[[ "${lines[1]}" == "crw-rw-rw- 5/6 1,3 dir/b" ]]
}

@test "dump shows owner names and privileged xattrs under their row" {
	sqlite3 "$L/.vuovl/meta.db" <<-SQL
	UPDATE node SET uname = 'root', gname = 'wheel' WHERE id = 1;
	INSERT INTO xattr VALUES (1, 'security.capability', x'0100000201000000');
	SQL
	run "$VUMETA" dump "$L"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "-rwsr-xr-x 0/0 a" ]]
	[[ "${lines[1]}" == "    owner root/wheel" ]]
	[[ "${lines[2]}" == "    xattr security.capability (8 bytes)" ]]
	[[ "${lines[3]}" == "crw-rw-rw- 5/6 1,3 dir/b" ]]
}

@test "--db reads a sidecar kept outside the layer" {
	mv "$L/.vuovl/meta.db" "$T/elsewhere.db"
	rm -f "$L/.vuovl/meta.db"*
	run "$VUMETA" --db "$T/elsewhere.db" dump "$L"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "-rwsr-xr-x 0/0 a" ]]
	run "$VUMETA" dump "$L"
	[ "$status" -eq 3 ]
}

@test "an older sidecar is migrated by repair and read by dump afterwards" {
	rm -f "$L/.vuovl/meta.db"*
	sqlite3 "$L/.vuovl/meta.db" <<-SQL
	CREATE TABLE node(id INTEGER PRIMARY KEY, host_ino INTEGER, uid INTEGER, gid INTEGER,
		mode INTEGER, rdev INTEGER, ino INTEGER, flags INTEGER NOT NULL DEFAULT 0);
	CREATE TABLE path(path TEXT PRIMARY KEY, node INTEGER NOT NULL) WITHOUT ROWID;
	CREATE TABLE xattr(node INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
		PRIMARY KEY(node, name)) WITHOUT ROWID;
	INSERT INTO node(id, uid, gid, mode) VALUES (1, 3, 4, $((0100600)));
	INSERT INTO path VALUES ('a', 1);
	PRAGMA user_version = 1;
	SQL
	run "$VUMETA" dump "$L"
	[ "$status" -eq 3 ]
	[[ "$output" == *"schema version 1 needs migrating"* ]]
	run "$VUMETA" repair "$L"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$L/.vuovl/meta.db" 'PRAGMA user_version')" = "$SCHEMA_VERSION" ]
	run "$VUMETA" dump "$L"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "-rw------- 3/4 a" ]]
}

@test "check finds a row whose file was removed outside vuovl, repair removes it" {
	run "$VUMETA" check "$L"
	[ "$status" -eq 0 ]
	rm "$L/dir/b"
	run "$VUMETA" check "$L"
	[ "$status" -eq 1 ]
	[[ "$output" == "stale: dir/b" ]]
	run "$VUMETA" repair "$L"
	[ "$status" -eq 0 ]
	[[ "$output" == "removed 1 stale row" ]]
	run "$VUMETA" check "$L"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$L/.vuovl/meta.db" 'SELECT count(*) FROM path')" = 1 ]
}

@test "a file replaced by another inode is stale too" {
	echo new >"$L/new" && mv "$L/new" "$L/a"
	run "$VUMETA" dump "$L"
	[[ "${lines[0]}" == "-rwsr-xr-x 0/0 a (stale)" ]]
	run "$VUMETA" repair "$L"
	[[ "$output" == "removed 1 stale row" ]]
}

@test "a layer copied elsewhere keeps its rows" {
	cp -a "$L" "$T/copy"
	run "$VUMETA" check "$T/copy"
	[ "$status" -eq 0 ]
	run "$VUMETA" dump "$T/copy"
	[[ "${lines[0]}" == "-rwsr-xr-x 0/0 a" ]]
}

@test "a layer without a sidecar, a newer sidecar and a foreign file get clear errors" {
	mkdir "$T/empty"
	run "$VUMETA" dump "$T/empty"
	[ "$status" -eq 3 ]
	[[ "$output" == "vuovl-meta: $T/empty: no sidecar (.vuovl/meta.db) in this layer" ]]
	sqlite3 "$L/.vuovl/meta.db" 'PRAGMA user_version = 99'
	run "$VUMETA" dump "$L"
	[ "$status" -eq 3 ]
	[[ "$output" == *"schema version 99 is newer than this vuovl"* ]]
	rm "$L/.vuovl/meta.db"*
	sqlite3 "$L/.vuovl/meta.db" 'CREATE TABLE t(x)'
	run "$VUMETA" check "$L"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not a vuovl sidecar"* ]]
}

@test "sqlite3 .dump of a sidecar reads as plain SQL" {
	run sqlite3 "$L/.vuovl/meta.db" .dump
	[ "$status" -eq 0 ]
	[[ "$output" == *"CREATE TABLE node ("* ]]
	[[ "$output" == *"INSERT INTO path VALUES('dir/b',2);"* ]]
	[ "$(sqlite3 "$L/.vuovl/meta.db" 'PRAGMA user_version')" = "$SCHEMA_VERSION" ]
	run sqlite3 "$L/.vuovl/meta.db" 'PRAGMA integrity_check'
	[ "$output" = ok ]
}

@test "usage errors exit 2 and --help, --version answer" {
	run "$VUMETA" frobnicate "$L"
	[ "$status" -eq 2 ]
	[[ "$output" == *"frobnicate: unknown command"* ]]
	run "$VUMETA" dump
	[ "$status" -eq 2 ]
	run "$VUMETA" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: vuovl-meta"* ]]
	run "$VUMETA" --version
	[[ "$output" == "vuovl-meta "* ]]
}
