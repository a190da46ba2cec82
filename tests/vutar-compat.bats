#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar against GNU tar and bsdtar doing the same thing: the same
# listing (tar -tv --numeric-owner), the same bytes where the format
# allows, and archives each of them reads without a word.

load helpers
load vutar-helpers

setup() {
	vu_setup
	mkdir -p "$T/src/a/b" "$T/src/c" "$T/out"
	echo one >"$T/src/a/f"
	echo two >"$T/src/a/b/g"
	echo three >"$T/src/c/h"
	echo four >"$T/src/top"
	ln "$T/src/a/f" "$T/src/a/hl"
	ln -s a/f "$T/src/sl"
	find "$T/src" -exec touch -h -d '2024-02-03 04:05:06' {} +
}

# tar -tv --numeric-owner of an archive (any compression tar guesses)
tv() {
	tar -tv --numeric-owner -f "$@"
}

@test "compressed output to a pipe is the stream bsdtar writes to a file, no zeros after it" {
	command -v bsdtar >/dev/null || skip "bsdtar is missing (libarchive-tools)"
	for z in zstd xz gzip bzip2; do
		"$VUTAR" -c --$z -C "$T/src" top >"$T/v.$z"
		(cd "$T/src" && bsdtar -c --$z -f "$T/b.$z" top)
		cmp "$T/v.$z" "$T/b.$z"
		tar --$z -tf "$T/v.$z"
	done
	"$VUTAR" -c --zstd -C "$T/src" . | tar --zstd -tf - >/dev/null
}

@test "GNU tar reads vutar's xattrs without a warning and extracts them the same" {
	touch "$T/probe"
	setfattr -n user.probe -v 1 "$T/probe" 2>/dev/null ||
		skip "the test directory's filesystem takes no user xattrs"
	setfattr -n user.q -v hi "$T/src/a/f"
	setfattr -n user.b -v 2 "$T/src/a"
	"$VUTAR" -cf "$T/v.tar" -C "$T/src" .
	run tar --xattrs -tvf "$T/v.tar"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Ignoring"* ]]
	[[ "$output" == *"-rw-r--r--* "* ]]
	tar --xattrs -xpf "$T/v.tar" -C "$T/out"
	[ "$(getfattr --only-values -n user.q "$T/out/a/f")" = hi ]
	tar --xattrs --sort=name -cf "$T/g.tar" -C "$T/out" .
	diff <(tv "$T/g.tar" --xattrs -v) <(tv "$T/v.tar" --xattrs -v)
}
