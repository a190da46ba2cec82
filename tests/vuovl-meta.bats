#!/usr/bin/env bats
# vuovl-meta: dump, check and repair a layer's sidecar. The sidecar is
# written here with the sqlite3 shell from db/schema.sql, which also shows
# the format is the plain, documented one.

load helpers

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
