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

@test "the archive name's suffix picks zip or cpio as bsdtar -a does, and --format wins" {
	command -v bsdtar >/dev/null || skip "bsdtar is missing (libarchive-tools)"
	rm "$T/src/a/hl"	# which name of a link carries the data follows the order
	for name in x.zip x.cpio x.cpio.gz; do
		"$VUTAR" -cf "$T/v-$name" -C "$T/src" .
		(cd "$T/src" && bsdtar -acf "$T/b-$name" .)
		[ "$(file -b "$T/v-$name")" = "$(file -b "$T/b-$name")" ]
		diff <(bsdtar -tvf "$T/b-$name" --numeric-owner | LC_ALL=C sort) \
			<(bsdtar -tvf "$T/v-$name" --numeric-owner | LC_ALL=C sort)
	done
	"$VUTAR" -cf "$T/g.zip" --format=gnu -C "$T/src" .
	file -b "$T/g.zip" | grep -q 'GNU'
}

@test "a suffix whose format cannot keep owners is refused, and nothing is written" {
	for name in x.7z x.iso x.a; do
		run "$VUTAR" -cf "$T/$name" -C "$T/src" .
		[ "$status" -eq 1 ]
		[[ "$output" == "vutar: cannot create $T/$name: a "*" archive cannot keep a tree's owners"* ]]
		[ ! -e "$T/$name" ]
	done
}

@test "zip keeps the virtual owners, and refuses a device by name" {
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar"
	mkdir "$T/root"
	"$VUTAR" -xf "$T/rootfs.tar" -C "$T/root"
	"$VUTAR" -cf "$T/h.zip" -C "$T/root" home
	bsdtar -tvf "$T/h.zip" --numeric-owner | grep -q '^-rw-r--r-- .* 1000 *1000 .* home/user/.profile$'
	run "$VUTAR" -cf "$T/d.zip" -C "$T/root" dev
	[ "$status" -eq 2 ]
	[[ "$output" == *"vutar: dev/null: zip format cannot archive character devices"* ]]
}

@test "old-style bundled flags read as GNU tar reads them" {
	(cd "$T" && "$VUTAR" czf v.tgz -C src .)
	(cd "$T" && tar czf g.tgz -C src .)
	diff <(tar tzf "$T/g.tgz" | LC_ALL=C sort) <(cd "$T" && "$VUTAR" tf v.tgz | LC_ALL=C sort)
	diff <(cd "$T" && tar tvf v.tgz) <(cd "$T" && "$VUTAR" tvf v.tgz)
	# each letter that takes an argument takes the next word, in order
	(cd "$T" && "$VUTAR" cCf src v.tar a top)
	(cd "$T" && tar cCf src g.tar --sort=name a top)
	diff <(tv "$T/g.tar") <(tv "$T/v.tar")
	(cd "$T/out" && "$VUTAR" xvf ../v.tar) >"$T/names"
	diff <(tar tf "$T/v.tar") "$T/names"
	[ "$(cat "$T/out/a/b/g")" = two ]
	run "$VUTAR" tfq "$T/v.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: invalid option -- 'q'"* ]]
}
