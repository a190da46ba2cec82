#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Trust boundaries of the sidecar: only a sidecar at a layer's root, not
# a symlink, owned by the user, root or the layer's owner and writable by
# no one else, is believed, by vuovl, vutar and vuovl-meta alike; crafted
# rows are named and skipped, never followed, never a crash.
load helpers
load vuovl-helpers

setup() { vo_setup; }

# plant_row DIR PATH: a sidecar in DIR whose row says PATH is root's,
# setuid, with every capability (what a second user would plant).
plant_row() {
	mkdir -p "$1/.vuovl"
	sqlite3 "$1/.vuovl/meta.db" "
		CREATE TABLE node(id INTEGER PRIMARY KEY, host_ino INTEGER, uid INTEGER, gid INTEGER,
			mode INTEGER, rdev INTEGER, ino INTEGER, flags INTEGER NOT NULL DEFAULT 0,
			uname TEXT, gname TEXT);
		CREATE TABLE path(path TEXT PRIMARY KEY, node INTEGER NOT NULL) WITHOUT ROWID;
		CREATE TABLE xattr(node INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
			PRIMARY KEY(node, name)) WITHOUT ROWID;
		CREATE TABLE layer(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
		PRAGMA user_version = 2;
		INSERT INTO node(id, uid, gid, mode) VALUES (1, 0, 0, $((0100000 | 04755)));
		INSERT INTO path VALUES ('$2', 1);
		INSERT INTO xattr VALUES (1, 'security.capability', x'0100000200000000000000000000000000000000');"
}

# give_away PATH...: owned by another user (uid 1234: real root chowns,
# a user does it as root of a namespace, where it is a subordinate id)
give_away() {
	if is_root; then
		chown -R 1234:1234 "$@"
	else
		need_fakeroot
		unshare -r --map-auto chown -R 1234:1234 "$@"
	fi
}

take_back() {
	if is_root; then chown -R 0:0 "$@"; else unshare -r --map-auto chown -R 0:0 "$@"; fi
}

@test "vutar -c believes no sidecar another user planted in an ancestor of DIR" {
	need_fakeroot
	mkdir -p "$T/pub/tree"
	chmod 1777 "$T/pub"
	echo '#!/bin/sh' >"$T/pub/tree/sh"
	plant_row "$T/pub" tree/sh
	give_away "$T/pub/.vuovl"
	run "$VUTAR" -cf "$T/out.tar" -C "$T/pub/tree"
	take_back "$T/pub/.vuovl"
	echo "$output"
	run tar -tvf "$T/out.tar" --numeric-owner ./sh
	[[ "$output" == "-rw-r--r-- $(id -u)/$(id -g) "* ]]
	python3 -c 'import sys, tarfile
h = tarfile.open(sys.argv[1]).getmember("./sh").pax_headers
assert not any("capability" in k for k in h), h' "$T/out.tar"
}

@test "a sidecar writable by others, or not the user's, is refused by vuovl and vuovl-meta" {
	vutar_layer() {
		python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("x"); ti.mode = 0o4755; t.addfile(ti)' "$T/x.tar"
		"$VUTAR" -xf "$T/x.tar" -C "$1"
	}
	mkdir "$T/lay"
	vutar_layer "$T/lay"
	chmod 0666 "$T/lay/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 3 ]
	[[ "$output" == "vuovl: sidecar of $T/lay: $T/lay/.vuovl/meta.db is writable by everyone: not believed (chmod go-w it)" ]]
	not_mounted "$T/m"
	run "$VUMETA" dump "$T/lay"
	[ "$status" = 3 ]
	[[ "$output" == *"writable by everyone"* ]]
	chmod 0600 "$T/lay/.vuovl/meta.db"
	chmod 0770 "$T/lay/.vuovl"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 3 ]
	[[ "$output" == *".vuovl is writable by its group: not believed"* ]]
	chmod 0700 "$T/lay/.vuovl"
	need_fakeroot
	give_away "$T/lay/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	take_back "$T/lay/.vuovl/meta.db"
	[ "$status" = 3 ]
	[[ "$output" == *"meta.db is owned by uid "*", neither you, root nor the layer's owner: not believed"* ]]
	not_mounted "$T/m"
}

@test "a symlinked .vuovl or meta.db is never followed: vutar -x, vuovl and vuovl-meta refuse it" {
	mkdir "$T/elsewhere" "$T/dest" "$T/lay"
	ln -s "$T/elsewhere" "$T/dest/.vuovl"
	tar -C "$T/l1" -cf "$T/a.tar" .
	run "$VUTAR" -xf "$T/a.tar" -C "$T/dest"
	[ "$status" != 0 ]
	[[ "$output" == *".vuovl is not a directory (a symbolic link?): refused"* ]]
	[ -z "$(ls -A "$T/elsewhere")" ]
	# an upper whose .vuovl leads out, a lower whose meta.db does
	ln -s "$T/elsewhere" "$T/u/.vuovl"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,upperdir=$T/u" "$T/m"
	[ "$status" -ne 0 ]
	not_mounted "$T/m"
	[ -z "$(ls -A "$T/elsewhere")" ]
	mkdir "$T/lay/.vuovl"
	echo junk >"$T/elsewhere/real.db"
	ln -s "$T/elsewhere/real.db" "$T/lay/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 3 ]
	[[ "$output" == *"meta.db is a symbolic link: refused"* ]]
	not_mounted "$T/m"
	run "$VUMETA" check "$T/lay"
	[ "$status" = 3 ]
}

@test "the sidecar vuovl makes is 0600 in a 0700 directory, whatever the umask" {
	umask 000
	vo_mount_stack
	touch "$T/m/x"
	chmod 4711 "$T/m/x"
	vo_umount "$T/m"
	[ "$(stat -c %a "$T/u/.vuovl")" = 700 ]
	[ "$(stat -c %a "$T/u/.vuovl/meta.db")" = 600 ]
}

@test "crafted rows are skipped and named, never followed, never a crash" {
	mkdir "$T/lay"
	echo data >"$T/lay/f"
	plant_row "$T/lay" f
	sqlite3 "$T/lay/.vuovl/meta.db" "
		INSERT INTO node(id, uid, mode) VALUES (2, 0, $((0100000 | 04755)));
		INSERT INTO path VALUES ('../../etc/passwd', 2), ('/etc/shadow', 2), ('a//b', 2);
		INSERT INTO xattr VALUES (1, '', x''), (1, 'user.ok', x''), (1, 'trusted.empty', x'');"
	VU_MOUNTS+=("$T/m")
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 0 ]
	[[ "$output" == "vuovl: sidecar of $T/lay: 5 rows not believed and skipped (the first: "* ]]
	[ "$(stat -c %a "$T/m/f")" = 4755 ]		# the good row holds
	ls -la "$T/m" >/dev/null			# and the daemon too
	vo_umount "$T/m"
	run "$VUMETA" check "$T/lay"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == "bad: 5 rows not believed and skipped (the first: "* ]]
	run "$VUMETA" repair "$T/lay"
	[ "$status" = 0 ]
	run "$VUMETA" check "$T/lay"
	[ "$status" = 0 ]
	[ "$(sqlite3 "$T/lay/.vuovl/meta.db" 'SELECT count(*) FROM path')" = 1 ]
}

@test "an empty or unreadable sidecar is an error of its own, not host ownership" {
	mkdir -p "$T/lay/.vuovl"
	: >"$T/lay/.vuovl/meta.db"
	chmod 0600 "$T/lay/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 3 ]
	[[ "$output" == *"an empty file, not a sidecar"* ]]
	run "$VUTAR" -cf "$T/x.tar" -C "$T/lay"
	[ "$status" = 1 ]
	[[ "$output" == *"an empty file, not a sidecar"* ]]
	is_root && skip "root reads a 0000 file"
	echo x >"$T/lay/.vuovl/meta.db"
	chmod 0000 "$T/lay/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/lay" "$T/m"
	[ "$status" = 3 ]
	[[ "$output" == *"cannot read it: Permission denied"* ]]
	run "$VUMETA" dump "$T/lay"
	[ "$status" = 3 ]
	[[ "$output" != *"no sidecar"* ]]
	not_mounted "$T/m"
}
