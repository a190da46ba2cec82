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
		"l usr/lib/ln a" "f owned o" "d dev"
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
null = tarfile.TarInfo("dev/null")
null.type, null.devmajor, null.devminor, null.mode = tarfile.CHRTYPE, 1, 3, 0o666
members.append((null, None))
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

# Two lowers and an upper changed by root in a view: whiteouts, an
# opaque directory, rows about lower files (chmod, chown: no copy-up),
# a copy-up, new files, a hard link, a device node.
make_stack() {
	make_lower
	mkdir -p "$T/src0/usr/lib" "$T/src0/srv" "$T/L0" "$T/U" "$T/m"
	echo over >"$T/src0/usr/lib/b"
	echo srv >"$T/src0/srv/s"
	# a layer as an image's: root's files, extracted by the user
	"$VUTAR" -c --owner=0 --group=0 -C "$T/src0" -f "$T/l0.tar" .
	"$VUTAR" -x -f "$T/l0.tar" -C "$T/L0"
	vo_fakeroot "
		\"\$V\" -o lowerdir=\$T/L0:\$T/L,upperdir=\$T/U \$T/m
		rm \$T/m/usr/lib/a
		rm -r \$T/m/var
		rm -r \$T/m/usr/share && mkdir \$T/m/usr/share && echo f >\$T/m/usr/share/f
		chmod 0600 \$T/m/etc/group
		chown 4321:765 \$T/m/srv/s
		echo more >>\$T/m/etc/passwd
		mkdir \$T/m/opt && echo e >\$T/m/opt/e && ln \$T/m/opt/e \$T/m/opt/hard
		'$VUTAR' -c -C \$T/m -f \$T/view.tar .
		umnt"
}

# The members' listing and data of an archive, as files to diff.
unpack_plain() {
	mkdir -p "$2"
	tar_listing "$1" >"$2.list"
	tar -x --no-same-owner -f "$1" -C "$2" --exclude 'dev/null'
}

@test "-c --stack packs, without a mount, what a mount of the same layers packs" {
	need_fuse
	need_fakeroot
	make_stack
	"$VUTAR" -c --stack -o "lowerdir=$T/L0:$T/L,upperdir=$T/U" -f "$T/stack.tar"
	diff <(tar_listing "$T/view.tar") <(tar_listing "$T/stack.tar")
	unpack_plain "$T/view.tar" "$T/a"
	unpack_plain "$T/stack.tar" "$T/b"
	diff -r --no-dereference "$T/a" "$T/b"
	# root-owned as the view shows it; the device is a device
	tar_listing "$T/stack.tar" | grep -q '^crw-rw-rw- 0/0 .*dev/null$'
	tar_listing "$T/stack.tar" | grep -q '^-rw-r--r-- 4321/765 .*srv/s$'
	# names beneath the view, and a view file's rules
	"$VUTAR" -c --stack -o "lowerdir=$T/L0:$T/L,upperdir=$T/U" -f "$T/part.tar" etc srv
	[ "$(tar -tf "$T/part.tar" | LC_ALL=C sort | tr '\n' ' ')" = "etc/ etc/group etc/passwd srv/ srv/s " ]
	printf 'lowerdir %s:%s\nupperdir %s\nhide /srv\n' "$T/L0" "$T/L" "$T/U" >"$T/view"
	"$VUTAR" -c --stack -o "view=$T/view" -f "$T/ruled.tar"
	! tar -tf "$T/ruled.tar" | grep -q srv
	tar -tf "$T/ruled.tar" | grep -qx './opt/e'
	# the layers were only read
	[ ! -e "$T/L/.vuovl/work" ]
}

@test "-c --layer over lowers: changes to lower files carry their data; applied, it is the view" {
	need_fuse
	need_fakeroot
	make_stack
	# alone, the upper is refused: it holds rows about lower files
	run "$VUTAR" -c --layer -C "$T/U" -f "$T/bare.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"name its lowers (-o lowerdir=...)"* ]]
	"$VUTAR" -c --layer -C "$T/U" -o "lowerdir=$T/L0:$T/L" -f "$T/diff.tar"
	tar_listing "$T/diff.tar" >"$T/diff.txt"
	grep -q '^-rw------- 0/0 1 .*etc/group$' "$T/diff.txt"
	grep -q '^-rw-r--r-- 4321/765 4 .*srv/s$' "$T/diff.txt"
	grep -q '^---------- 0/0 0 .*usr/lib/.wh.a$' "$T/diff.txt"
	! grep -q 'usr/lib/b\|doc' "$T/diff.txt"
	# the base is the two lowers flattened, as an image's earlier layers
	"$VUTAR" -c --stack -o "lowerdir=$T/L0:$T/L" -f "$T/base2.tar"
	mkdir "$T/R"
	"$VUTAR" -x -f "$T/base2.tar" -C "$T/R"
	"$VUTAR" -x --layer -f "$T/diff.tar" -C "$T/R"
	diff <(tar_listing "$T/view.tar") <(tree_listing "$T/R")
	# byte-reproducible: the same layers, the same diff
	"$VUTAR" -c --layer -C "$T/U" -o "lowerdir=$T/L0:$T/L" -f "$T/diff2.tar"
	cmp "$T/diff.tar" "$T/diff2.tar"
}

@test "--stack, -o: usage errors and a stack that cannot be opened say one line" {
	run "$VUTAR" -c --stack -f "$T/x.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: --stack needs -o lowerdir=... (or upperdir=, view=)" ]
	run "$VUTAR" -x -o "lowerdir=$T" -f "$T/x.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: -o names layers for -c --stack or -c --layer" ]
	run "$VUTAR" -c --stack -C "$T" -o "lowerdir=$T" -f "$T/x.tar"
	[ "$output" = "vutar: --stack packs the view -o names: no -C" ]
	run "$VUTAR" -c --stack -o "lowerdir=$T/nowhere" -f "$T/x.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: lowerdir $T/nowhere: No such file or directory" ]
	run "$VUTAR" -c --stack -o "frob=1" -f "$T/x.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: "*frob* ]]
}

@test "-c --stack waits for a layer's writer, then names it" {
	need_fuse
	mkdir -p "$T/L" "$T/U" "$T/m"
	echo a >"$T/L/a"
	vo_mount_fg "$T/m" -o "lowerdir=$T/L,upperdir=$T/U"
	run env VUOVL_LOCK_WAIT=0.2 "$VUTAR" -c --stack -o "lowerdir=$T/L,upperdir=$T/U" -f "$T/x.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: upperdir $T/U: "*"$VO_PID"* ]]
	vo_umount "$T/m"
	"$VUTAR" -c --stack -o "lowerdir=$T/L,upperdir=$T/U" -f "$T/x.tar"
	tar -tf "$T/x.tar" | grep -qx './a'
}
