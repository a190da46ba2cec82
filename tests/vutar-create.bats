#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar -c: packs a tree with its virtual ownership; extract → create →
# extract gives the same listing; compression and format options.

load helpers
load vutar-helpers

setup() {
	vu_setup
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar"
	mkdir "$T/a" "$T/b"
	"$VUTAR" -xf "$T/rootfs.tar" -C "$T/a"
}

# tar -tv --numeric-owner, names without a leading ./
listing() {
	tar -tv --numeric-owner -f "$1" | sed 's| \./| |; s|link to \./|link to |' |
		grep -v ' \.\?/\?$' | LC_ALL=C sort
}

@test "extract, create, extract again gives the same listing" {
	"$VUTAR" -cf "$T/one.tar" -C "$T/a" .
	"$VUTAR" -xf "$T/one.tar" -C "$T/b"
	"$VUTAR" -cf "$T/two.tar" -C "$T/b" .
	diff <(listing "$T/one.tar") <(listing "$T/two.tar")
	# and it matches the original rootfs, hard links and devices included
	diff <(listing "$T/rootfs.tar" | awk '{$4=$5=""; print}') \
		<(listing "$T/two.tar" | awk '{$4=$5=""; print}')
}

@test "the archive name's suffix picks the compression" {
	for suf in gz xz zst bz2; do
		"$VUTAR" -cf "$T/r.tar.$suf" -C "$T/a" etc
		case $suf in
		gz) file "$T/r.tar.$suf" | grep -q gzip ;;
		xz) file "$T/r.tar.$suf" | grep -q XZ ;;
		zst) file "$T/r.tar.$suf" | grep -q Zstandard ;;
		bz2) file "$T/r.tar.$suf" | grep -q bzip2 ;;
		esac
		[ "$(tar -tf "$T/r.tar.$suf" | LC_ALL=C sort | tr '\n' ' ')" = "etc/ etc/group etc/hostname etc/passwd " ]
	done
	"$VUTAR" -czf - -C "$T/a" etc | gzip -t
}

@test "--format picks pax, gnu or ustar" {
	"$VUTAR" -cf "$T/g.tar" --format=gnu -C "$T/a" etc
	"$VUTAR" -cf "$T/u.tar" --format=ustar -C "$T/a" etc
	"$VUTAR" -cf "$T/p.tar" -C "$T/a" dev
	python3 - "$T" <<'PY'
import sys, tarfile
d = sys.argv[1]
assert tarfile.open(d + "/g.tar").getmembers()[0].name == "etc"
for m in tarfile.open(d + "/p.tar").getmembers():
    if m.name == "dev/null":
        assert m.ischr() and (m.devmajor, m.devminor) == (1, 3) and m.uid == 0
PY
	head -c 263 "$T/u.tar" | tail -c 6 | grep -q ustar
	run "$VUTAR" -cf "$T/x.tar" --format=7zip -C "$T/a" etc
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown format 7zip"* ]]
}

@test "the sidecar directory is never packed" {
	run "$VUTAR" -tf <("$VUTAR" -cf - -C "$T/a" .)
	[ "$status" -eq 0 ]
	! grep -q vuovl <<<"$output"
}

@test "a tree with no sidecar packs with the host owners" {
	mkdir -p "$T/plain/d"
	echo x >"$T/plain/d/f"
	"$VUTAR" -cf "$T/p.tar" -C "$T/plain" d
	tar -tv --numeric-owner -f "$T/p.tar" | grep -q " $(id -u)/$(id -g) .* d/f$"
}

@test "packing a path with .. or a missing path fails with exit 2" {
	run "$VUTAR" -cf "$T/p.tar" -C "$T/a" ../b etc nope
	[ "$status" -eq 2 ]
	[[ "$output" == *"vutar: ../b: refusing a name with '..'"* ]]
	[[ "$output" == *"vutar: nope:"* ]]
	tar -tf "$T/p.tar" | grep -qx etc/passwd
}

@test "packing a subdirectory of an extracted tree uses the tree's sidecar" {
	"$VUTAR" -cf "$T/dev.tar" -C "$T/a/dev" .
	run tar -tvf "$T/dev.tar" --numeric-owner
	[[ "$output" == *"crw-rw-rw- 0/0"*"1,3"*"./null"* ]]
	"$VUTAR" -cf "$T/home.tar" -C "$T/a/home" user
	run tar -tvf "$T/home.tar" --numeric-owner
	[[ "${lines[0]}" == "drwxr-xr-x 1000/1000"*"user/" ]]
}
