#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: copy-on-write into the upper layer, whiteouts, file operations.
load helpers
load vuovl-helpers

setup() {
	vo_setup
	vo_mount_stack
}

@test "writing a lower file copies it up and leaves the lower one untouched" {
	echo more >>"$T/m/d/b"
	[ "$(cat "$T/m/d/b")" = "$(printf 'l2b\nmore')" ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
	[ "$(cat "$T/u/d/b")" = "$(printf 'l2b\nmore')" ]
	[ -z "$(ls -A "$T/u/.vuovl/work")" ]
}

@test "a new file lands in the upper layer only" {
	echo new >"$T/m/d/new"
	[ "$(cat "$T/u/d/new")" = new ]
	[ ! -e "$T/l1/d/new" ] && [ ! -e "$T/l2/d/new" ]
}

@test "deleting a lower file leaves a whiteout that hides it" {
	rm "$T/m/d/b"
	[ ! -e "$T/m/d/b" ]
	[ -f "$T/u/d/.wh.b" ] && [ ! -s "$T/u/d/.wh.b" ]
	[ -e "$T/l2/d/b" ]
	run ls -A "$T/m/d"
	[ "$(echo "$output" | tr '\n' ' ')" = "a link sub " ]
}

@test "whiteouts share one inode, and vutar -c packs each as its own entry" {
	rm "$T/m/d/b" "$T/m/t" "$T/m/fifo"
	rm -r "$T/m/tree"
	[ "$(stat -c %i "$T/u/d/.wh.b")" = "$(stat -c %i "$T/u/.wh.t")" ]
	[ "$(stat -c %h "$T/u/.wh.tree")" -ge 4 ]
	[ ! -e "$T/m/d/b" ] && [ ! -e "$T/m/t" ] && [ ! -e "$T/m/tree" ]
	vo_umount "$T/m"	# (a layer in use is not packed: vuovl-lock.bats)
	"$VUTAR" -cf "$T/diff.tar" -C "$T/u" .
	run sh -c "tar -tvf '$T/diff.tar' | grep '\.wh\.'"
	[ "$(echo "$output" | wc -l)" = 4 ]
	[[ "$output" != *" link to "* ]]
	[[ "$output" == *"-rw-------"*".wh.b"* ]]
}

@test "deleting a file present in two layers hides both" {
	rm "$T/m/d/a"
	[ ! -e "$T/m/d/a" ]
	vo_umount "$T/m"
	vo_mount_stack
	[ ! -e "$T/m/d/a" ]
}

@test "a directory removed and re-created is opaque" {
	rm -rf "$T/m/d"
	[ ! -e "$T/m/d" ]
	mkdir "$T/m/d"
	[ -z "$(ls -A "$T/m/d")" ]
	[ -f "$T/u/d/.wh..wh..opq" ]
	vo_umount "$T/m"
	vo_mount_stack
	[ -z "$(ls -A "$T/m/d")" ]
}

@test "rmdir of a non-empty merged directory fails with ENOTEMPTY" {
	run rmdir "$T/m/d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not empty"* ]]
}

@test "names starting with .wh. cannot be created through the view" {
	run touch "$T/m/.wh.x"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid argument"* ]]
	run mkdir "$T/m/d/.wh..wh..opq"
	[ "$status" -ne 0 ]
}

@test "the .vuovl directory is neither listed nor reachable" {
	[ -d "$T/u/.vuovl" ]
	run ls -A "$T/m"
	[[ "$output" != *.vuovl* ]]
	[ ! -e "$T/m/.vuovl" ]
	run mkdir "$T/m/.vuovl"
	[ "$status" -ne 0 ]
}

@test "symlinks, fifos and sockets can be made and are seen as such" {
	ln -s target "$T/m/sl"
	[ "$(readlink "$T/m/sl")" = target ]
	mkfifo "$T/m/ff"
	[ -p "$T/m/ff" ]
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$T/m/sock"
	[ -S "$T/m/sock" ]
}

@test "hard links share the inode number and the link count" {
	echo x >"$T/m/h1"
	ln "$T/m/h1" "$T/m/h2"
	[ "$(stat -c %i "$T/m/h1")" = "$(stat -c %i "$T/m/h2")" ]
	[ "$(stat -c %h "$T/m/h1")" = 2 ]
	echo y >>"$T/m/h2"
	[ "$(cat "$T/m/h1")" = "$(printf 'x\ny')" ]
}

@test "a hard link to a lower file copies it up first" {
	ln "$T/m/d/b" "$T/m/d/b2"
	[ "$(stat -c %i "$T/m/d/b")" = "$(stat -c %i "$T/m/d/b2")" ]
	[ "$(cat "$T/m/d/b2")" = l2b ]
}

@test "truncate, fallocate and utimensat with nanoseconds work" {
	truncate -s 3 "$T/m/d/b"
	[ "$(stat -c %s "$T/m/d/b")" = 3 ]
	fallocate -l 8192 "$T/m/d/b"
	[ "$(stat -c %s "$T/m/d/b")" = 8192 ]
	touch -d "2001-02-03 04:05:06.123456789" "$T/m/d/a"
	[ "$(stat -c %y "$T/m/d/a")" = "2001-02-03 04:05:06.123456789 +0000" ] ||
		[[ "$(stat -c %y "$T/m/d/a")" == "2001-02-03 04:05:06.123456789 "* ]]
	[ "$(cat "$T/l1/d/a")" = l1a ]
}

@test "shared and private mmap see the file's data" {
	python3 - "$T/m/d/b" <<'PY'
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    assert m[:3] == b"l2b"
    m[0:3] = b"XYZ"
    m.flush()
    p = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE)
    assert p[:3] == b"XYZ"
PY
	[ "$(cat "$T/m/d/b")" = XYZ ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
}

@test "flock and POSIX locks work on view files" {
	flock "$T/m/d/a" true
	python3 -c "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX)" "$T/m/t"
}

@test "chmod of a lower file keeps the lower file and shows the new mode" {
	chmod 0640 "$T/m/d/b"
	[ "$(stat -c %a "$T/m/d/b")" = 640 ]
	[ "$(stat -c %a "$T/l2/d/b")" = 644 ]
	[ "$(cat "$T/m/d/b")" = l2b ]
}

@test "find sees every inode number once" {
	echo x >>"$T/m/d/b"
	mkdir "$T/m/d/new"
	dups=$(find "$T/m" -xdev -printf '%i\n' | sort | uniq -d)
	[ -z "$dups" ]
}

@test "inode numbers stay the same across copy-up" {
	before=$(stat -c %i "$T/m/d/b")
	echo x >>"$T/m/d/b"
	[ "$(stat -c %i "$T/m/d/b")" = "$before" ]
}

@test "statfs reports the upper file system" {
	run stat -f -c %b "$T/m"
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
}

@test "fsync and fdatasync succeed through the view" {
	python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY|os.O_CREAT); os.write(fd, b'z'); os.fsync(fd); os.fdatasync(fd)" "$T/m/s"
	[ "$(cat "$T/u/s")" = z ]
}

@test "user xattrs are kept on the host file and copied up" {
	setfattr -n user.k -v v1 "$T/l2/d/b" 2>/dev/null || skip "the host fs has no user xattrs"
	[ "$(getfattr --only-values -n user.k "$T/m/d/b")" = v1 ]
	echo x >>"$T/m/d/b"
	[ "$(getfattr --only-values -n user.k "$T/m/d/b")" = v1 ]
	setfattr -n user.n -v v2 "$T/m/d/b"
	[ "$(getfattr --only-values -n user.n "$T/u/d/b")" = v2 ]
}

@test "copy-up with -o volatile gives the same result, without fsync" {
	vo_umount "$T/m"
	vo_mount_stack -o volatile
	echo more >>"$T/m/d/b"
	chmod 0600 "$T/m/d/a"
	echo x >>"$T/m/d/a"
	[ "$(cat "$T/u/d/b")" = "$(printf 'l2b\nmore')" ]
	[ "$(cat "$T/m/d/a")" = "$(printf 'l1a\nx')" ]
	[ "$(stat -c %a "$T/m/d/a")" = 600 ]
}

@test "times of a symlink can be set without following it" {
	touch -h -d "2002-03-04 05:06:07" "$T/m/d/link"
	[[ "$(stat -c %y "$T/m/d/link")" == "2002-03-04 05:06:07"* ]]
	[[ "$(stat -c %y "$T/m/t")" != "2002-03-04"* ]]
	[ -L "$T/u/d/link" ]
}

@test "copy_file_range between view files copies the data" {
	head -c 300000 /dev/urandom >"$T/l2/d/src"
	python3 - "$T/m/d/src" "$T/m/d/dst" <<'PY'
import os, sys
i = os.open(sys.argv[1], os.O_RDONLY)
o = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o644)
left = os.fstat(i).st_size
while left:
    n = os.copy_file_range(i, o, left)
    assert n > 0
    left -= n
PY
	cmp "$T/m/d/src" "$T/m/d/dst"
	cmp "$T/l2/d/src" "$T/u/d/dst"
}

@test "with -o writeback, appends, partial writes and copy-up keep the data right" {
	vo_umount "$T/m"
	vo_mount_stack -o writeback
	echo more >>"$T/m/d/b"
	printf 'XY' | dd of="$T/m/d/a" bs=1 seek=1 conv=notrunc status=none
	python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY|os.O_CREAT|os.O_APPEND); os.write(fd,b'1'); os.write(fd,b'2'); os.close(fd)" "$T/m/new"
	[ "$(cat "$T/m/d/b")" = "$(printf 'l2b\nmore')" ]
	[ "$(cat "$T/m/d/a")" = lXY ]
	[ "$(cat "$T/m/new")" = 12 ]
	vo_umount "$T/m"
	[ "$(cat "$T/u/d/a")" = lXY ]
	[ "$(cat "$T/u/new")" = 12 ]
}

@test "vutar -c of a bare upper layer refuses what only the view has: changes to lower files, placeholders" {
	chmod 0700 "$T/m/d/b"			# a row about a lower file
	vo_umount "$T/m"
	run "$VUTAR" -cf "$T/u.tar" -C "$T/u"
	[ "$status" = 1 ]
	[[ "$output" == "vutar: $T/u is a vuovl upper layer with 1 change to the layers below it"*"name its lowers (-o lowerdir=...) or pack the mounted view" ]]
	[ ! -e "$T/u.tar" ]
	# a placeholder (a times-only change of a lower file) is never zeros
	vo_mount_stack
	chmod 0644 "$T/m/d/b"
	rm "$T/m/d/b"
	touch -h -d 2001-01-01 "$T/m/d/a"
	vo_umount "$T/m"
	[ -k "$T/u/d/a" ]
	run "$VUTAR" -cf "$T/u.tar" -C "$T/u"
	[ "$status" = 1 ]
	[[ "$output" == "vutar: $T/u is a vuovl upper layer with 1 change to the layers below it"* ]]
	# a mark a crash left without its row: that entry is refused
	rm "$T/u/.vuovl/meta.db"*
	run "$VUTAR" -cf "$T/u.tar" -C "$T/u"
	[ "$status" = 2 ]
	[[ "$output" == *"d/a: a placeholder whose data are in a lower layer"* ]]
	run tar -tf "$T/u.tar"
	[[ "$output" != *"d/a"* ]]
	# the view packs the data
	vo_mount_stack
	"$VUTAR" -cf "$T/m.tar" -C "$T/m"
	[ "$(tar -xOf "$T/m.tar" ./d/a)" = l1a ]
}

name_of() { printf "$2%.0s" $(seq "$1"); }

@test "names of 252 to 255 bytes are made, hidden and made again as on a native file system" {
	f=$(name_of 255 f); d=$(name_of 254 d); n=$(name_of 252 n); r=$(name_of 253 r)
	vo_umount "$T/m"
	echo lower >"$T/l2/$f"
	mkdir "$T/l2/$d"
	echo inside >"$T/l2/$d/x"
	vo_mount_stack
	echo new >"$T/m/$n"
	[ "$(cat "$T/m/$n")" = new ]
	rm "$T/m/$f"
	[ ! -e "$T/m/$f" ]
	[[ "$(ls "$T/m")" != *"$f"* ]]
	echo again >"$T/m/$f"
	[ "$(cat "$T/m/$f")" = again ]
	rm -r "$T/m/$d"
	[ ! -e "$T/m/$d" ]
	mkdir "$T/m/$d"
	[ -z "$(ls -A "$T/m/$d")" ]	# made again over a whiteout: opaque
	mv "$T/m/$n" "$T/m/$r"
	ln -s "$r" "$T/m/$(name_of 254 s)"
	mkfifo "$T/m/$(name_of 253 p)"
	ln "$T/m/$r" "$T/m/$(name_of 255 h)"
	listing=$(ls "$T/m" | sort)
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(ls "$T/m" | sort)" = "$listing" ]
	[ "$(cat "$T/m/$f")" = again ]
	[ -z "$(ls -A "$T/m/$d")" ]
	[ "$(cat "$T/m/$(name_of 254 s)")" = new ]
	[ "$(stat -c %h "$T/m/$(name_of 255 h)")" = 2 ]
	# one byte more is refused, and leaves nothing behind
	run touch "$T/m/$(name_of 256 z)"
	[ "$status" != 0 ]
	[[ "$output" == *"File name too long"* ]]
	[ "$(ls "$T/m" | sort)" = "$listing" ]
	rm "$T/m/$f" "$T/m/$r"
	rmdir "$T/m/$d"
	[ ! -e "$T/m/$f" ] && [ ! -e "$T/m/$d" ]
	vo_umount "$T/m"
	vo_mount_stack
	[ ! -e "$T/m/$f" ] && [ ! -e "$T/m/$d" ] && [ ! -e "$T/m/$r" ]
}
