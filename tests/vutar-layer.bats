#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar --layer: an upper layer packed as an OCI layer diff, and a diff
# applied as podman and umoci unpack one. The measure: a lower with the
# diff applied is what the vuovl view of the lower and the upper shows,
# owners and modes included.

load helpers
load vutar-helpers
load vuovl-helpers

setup() {
	vu_setup
}

# A tree as vutar -c packs it, one line per member, times left out.
tree_listing() {
	"$VUTAR" -c -C "$1" -f "$T/listing.tar" . && tar_listing "$T/listing.tar"
}

# A lower root file system with virtual owners (a root-made tarball
# extracted by the user): L, and a copy of it in L2.
make_lower() {
	vutar_mktar "$T/base.tar" "d etc" "f etc/passwd root:x:0:0" "f etc/group g" \
		"d usr" "d usr/lib" "f usr/lib/a aa" "f usr/lib/b bb" "d usr/share" \
		"d usr/share/doc" "f usr/share/doc/x xx" "d var" "f var/v vv" \
		"l usr/lib/ln a" "f owned o"
	python3 - "$T/base.tar" <<'PY'
import sys, tarfile
src = sys.argv[1]
members = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        if m.name == "owned":
            m.uid, m.gid, m.mode = 1234, 2345, 0o4755
        members.append((m, data))
import io
with tarfile.open(src, "w", format=tarfile.PAX_FORMAT) as t:
    for m, data in members:
        t.addfile(m, io.BytesIO(data) if data is not None else None)
PY
	mkdir -p "$T/L" "$T/L2"
	"$VUTAR" -x -f "$T/base.tar" -C "$T/L"
	"$VUTAR" -x -f "$T/base.tar" -C "$T/L2"
}

@test "-x --layer: whiteouts remove files and trees, opaque directories lose what was below" {
	make_lower
	vutar_mktar "$T/diff.tar" "f .wh.var" "d usr" "d usr/lib" "f usr/lib/.wh.a" \
		"d usr/share" "f usr/share/new n" "f usr/share/.wh..wh..opq" "f etc/hosts h" \
		"f .wh.absent"
	"$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/L"
	[ ! -e "$T/L/var" ]
	[ ! -e "$T/L/usr/lib/a" ]
	[ -e "$T/L/usr/lib/b" ]
	# the marker came after usr/share/new: what the diff wrote stays
	[ "$(ls -A "$T/L/usr/share")" = new ]
	[ "$(cat "$T/L/etc/hosts")" = h ]
	# no marker is made
	run find "$T/L" -name '.wh.*'
	[ -z "$output" ]
	# the rows of what went are gone: a name made again has no old owner
	run "$VUMETA" check "$T/L"
	[ "$status" -eq 0 ]
	tree_listing "$T/L" >"$T/l.txt"
	! grep -q 'var' "$T/l.txt"
	grep -q '^-rwsr-xr-x 1234/2345 1 .*\./owned$' "$T/l.txt"
}

@test "-x --layer: a file replaces a lower directory tree, a directory a lower file" {
	make_lower
	vutar_mktar "$T/diff.tar" "f usr/share x" "d etc/passwd" "f etc/passwd/inside i"
	"$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/L"
	[ -f "$T/L/usr/share" ]
	[ "$(cat "$T/L/etc/passwd/inside")" = i ]
	# without --layer, as GNU tar: a non-empty directory is not removed
	run "$VUTAR" -x -f "$T/diff.tar" -C "$T/L2"
	[ "$status" -eq 2 ]
	[ -d "$T/L2/usr/share/doc" ]
}

@test "-x --layer: a whiteout never reaches through a symlink, an absolute or .. name" {
	make_lower
	mkdir -p "$T/outside"
	echo keep >"$T/outside/victim"
	ln -s "$T/outside" "$T/L/esc"
	vutar_mktar "$T/diff.tar" "f esc/.wh.victim" "f ../outside/.wh.victim" \
		"f /esc/.wh.victim"
	run "$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/L"
	[ "$status" -eq 2 ]
	[[ "$output" == *"esc/.wh.victim: refusing to write through a symlink"* ]]
	[[ "$output" == *"refusing a name with '..'"* ]]
	[ "$(cat "$T/outside/victim")" = keep ]
	# an opaque marker below the symlink neither
	vutar_mktar "$T/diff2.tar" "f esc/.wh..wh..opq"
	run "$VUTAR" -x --layer -f "$T/diff2.tar" -C "$T/L"
	[ "$status" -eq 2 ]
	[ "$(cat "$T/outside/victim")" = keep ]
}

@test "-x --layer: aufs's other .wh..wh. names are passed over with a warning" {
	make_lower
	vutar_mktar "$T/diff.tar" "d .wh..wh..plnk" "f .wh..wh..plnk/1.2 x" "f .wh..wh.aufs"
	run "$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/L"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reserved whiteout name, passed over"* ]]
	[ ! -e "$T/L/.wh..wh.aufs" ]
}

@test "-c --layer of a vuovl upper, applied to its lower, is the view" {
	need_fuse
	need_fakeroot
	make_lower
	mkdir -p "$T/U" "$T/m"
	# as root of the view, as in vuchroot --cow: what apt or a Dockerfile does
	vo_fakeroot "
		\"\$V\" -o lowerdir=\$T/L,upperdir=\$T/U \$T/m
		rm \$T/m/usr/lib/a
		rm -r \$T/m/var
		rm -r \$T/m/usr/share
		mkdir \$T/m/usr/share		# opaque: nothing of the lower's shows
		echo fresh >\$T/m/usr/share/f
		echo more >>\$T/m/etc/passwd	# a copy-up
		mkdir -p \$T/m/opt/deep/er
		echo e >\$T/m/opt/deep/er/f
		ln \$T/m/opt/deep/er/f \$T/m/opt/hard
		mkfifo \$T/m/opt/fifo
		chown 77:88 \$T/m/opt/deep
		chmod 4711 \$T/m/opt/deep/er/f
		'$VUTAR' -c -C \$T/m -f \$T/view.tar .
		umnt"
	tar_listing "$T/view.tar" >"$T/view.txt"
	grep -q '^drwxr-xr-x 77/88 .*opt/deep/$' "$T/view.txt"
	"$VUTAR" -c --layer -C "$T/U" -f "$T/diff.tar"
	tar -tf "$T/diff.tar" >"$T/names.txt"
	grep -qx 'usr/lib/.wh.a' "$T/names.txt"
	grep -qx '.wh.var' "$T/names.txt"
	grep -qx 'usr/share/.wh..wh..opq' "$T/names.txt"
	! grep -q '^\./\|\.vuovl' "$T/names.txt"
	"$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/L2"
	tree_listing "$T/L2" >"$T/applied.txt"
	diff "$T/view.txt" "$T/applied.txt"
}

@test "-c --layer: the kernel's whiteouts and opaque xattrs become .wh. members" {
	mkdir -p "$T/U/d" "$T/U/o"
	mknod "$T/U/gone" c 0 0 2>/dev/null || skip "this user cannot make a 0/0 device (Linux < 5.8)"
	setfattr -n user.overlay.opaque -v y "$T/U/o" 2>/dev/null ||
		skip "the test directory's filesystem takes no user xattrs"
	echo in >"$T/U/o/f"
	"$VUTAR" -c --layer -C "$T/U" -f "$T/diff.tar"
	run tar -tvf "$T/diff.tar" --numeric-owner
	[[ "$output" == *"---------- 0/0"*" .wh.gone"* ]]
	[[ "$output" == *" o/.wh..wh..opq"* ]]
	[[ "$output" != *"gone"*"c---"* ]]
	# the kernel's own xattr is not packed
	! tar --xattrs -tvvf "$T/diff.tar" 2>&1 | grep -q overlay
}

@test "--layer: with -t is a usage error; --help names it" {
	run "$VUTAR" -t --layer -f /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: --layer goes with -x or -c" ]]
	run "$VUTAR" --help
	[[ "$output" == *"--layer, --diff"* ]]
}
