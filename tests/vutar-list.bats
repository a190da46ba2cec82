#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar -t and -tv read like tar -t and tar -tv, for every format libarchive
# reads (tar, tar.xz, tar.zst, cpio, zip), and those formats extract too.

load helpers
load vutar-helpers

setup() {
	vu_setup
	mkdir -p "$T/src/dir/sub" "$T/out"
	echo hello >"$T/src/dir/file"
	printf 'x%.0s' $(seq 3000) >"$T/src/dir/sub/big"
	ln -s file "$T/src/dir/link"
	ln "$T/src/dir/file" "$T/src/dir/hard"
	chmod 4755 "$T/src/dir/sub/big"
	chmod 1777 "$T/src/dir/sub"
	touch -d '2024-02-03 04:05' "$T/src/dir/file"
}

@test "-t lists the same names as tar -t" {
	tar -cf "$T/a.tar" -C "$T/src" dir
	diff <(tar -tf "$T/a.tar") <("$VUTAR" -tf "$T/a.tar")
}

@test "-tv lists like tar -tv, modes, links and dates included" {
	tar -cf "$T/a.tar" -C "$T/src" dir
	diff <(tar -tvf "$T/a.tar") <("$VUTAR" -tvf "$T/a.tar")
	"$VUTAR" -tvf "$T/a.tar" | grep -q '^-rwsr-xr-x .* dir/sub/big$'
	"$VUTAR" -tvf "$T/a.tar" | grep -q '^drwxrwxrwt .* dir/sub/$'
	"$VUTAR" -tvf "$T/a.tar" | grep -q ' 2024-02-03 04:05 dir/file$'
	"$VUTAR" -tvf "$T/a.tar" | grep -q ' dir/link -> file$'
	"$VUTAR" -tvf "$T/a.tar" | grep -q ' dir/hard link to dir/file$'
}

@test "-tv shows devices as major,minor and numbers without names" {
	python3 - "$T/d.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for name, typ, mode in (("null", tarfile.CHRTYPE, 0o666), ("sda", tarfile.BLKTYPE, 0o660),
                            ("fifo", tarfile.FIFOTYPE, 0o644)):
        ti = tarfile.TarInfo(name); ti.type = typ; ti.mode = mode
        ti.devmajor, ti.devminor = (1, 3) if name == "null" else (8, 0)
        ti.uid, ti.gid, ti.uname, ti.gname = 7, 8, "", ""
        t.addfile(ti)
PY
	diff <(tar -tvf "$T/d.tar") <("$VUTAR" -tvf "$T/d.tar")
	"$VUTAR" -tvf "$T/d.tar" | grep -q '^crw-rw-rw- 7/8 .*1,3 .* null$'
	"$VUTAR" -tvf "$T/d.tar" | grep -q '^brw-rw---- 7/8 .*8,0 .* sda$'
	"$VUTAR" -tvf "$T/d.tar" | grep -q '^prw-r--r-- '
}

@test "tar.xz and tar.zst list and extract" {
	for c in xz zstd; do
		tar -c --$c -f "$T/a.$c" -C "$T/src" dir
		diff <(tar -tf "$T/a.$c") <("$VUTAR" -tf "$T/a.$c")
		rm -rf "$T/out" && mkdir "$T/out"
		"$VUTAR" -xf "$T/a.$c" -C "$T/out"
		[ "$(cat "$T/out/dir/file")" = hello ]
		[ "$(readlink "$T/out/dir/link")" = file ]
	done
}

@test "cpio and zip archives list and extract" {
	command -v bsdtar >/dev/null || skip "bsdtar is missing (libarchive-tools)"
	for fmt in newc zip; do
		(cd "$T/src" && bsdtar -c --format=$fmt -f "$T/a.$fmt" dir)
		"$VUTAR" -tf "$T/a.$fmt" | grep -qx 'dir/sub/big'
		rm -rf "$T/out" && mkdir "$T/out"
		run "$VUTAR" -xf "$T/a.$fmt" -C "$T/out"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(cat "$T/out/dir/file")" = hello ]
		[ "$(stat -c %s "$T/out/dir/sub/big")" -eq 3000 ]
	done
}

@test "listing a truncated or garbage archive fails with exit 2 or 1" {
	head -c 300000 /dev/urandom >"$T/src/zrandom"
	tar -czf "$T/a.tgz" -C "$T/src" dir zrandom
	head -c 200000 "$T/a.tgz" >"$T/t.tgz"
	run "$VUTAR" -tf "$T/t.tgz"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"dir/file"* ]]
	[[ "$output" == *"vutar: "* ]]
	head -c 4096 /dev/urandom >"$T/junk"
	run "$VUTAR" -tf "$T/junk"
	[ "$status" -eq 1 ]
}
