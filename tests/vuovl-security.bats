#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: nothing in a layer makes the daemon touch a host path outside
# its layers (hostile symlinks, `..` chains, a planted .vuovl).
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	mkdir -p "$T/l/d" "$T/u" "$T/m" "$T/outside"
	echo secret >"$T/outside/file"
	ln -s / "$T/l/root"
	ln -s ../../../../../../.. "$T/l/up"
	ln -s "$T/outside" "$T/l/d/out"
	ln -s "$T/outside/file" "$T/l/d/outfile"
	echo data >"$T/l/d/plain"
	touch -d 2000-01-01 "$T/outside" "$T/outside/file"
	before=$(snapshot)
}

snapshot() {
	stat -c '%n %a %u %s %Y %Z' "$T/outside" "$T/outside"/* /
	cat "$T/outside/file"
}

@test "symlinks in a lower layer stay symlinks in the view" {
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	[ "$(readlink "$T/m/root")" = / ]
	[ "$(readlink "$T/m/up")" = ../../../../../../.. ]
	[ -L "$T/m/d/out" ]
	[ "$(find "$T/m" | wc -l)" = 7 ]
}

@test "changing hostile symlinks through the view touches nothing outside the layers" {
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	chown -h "$(id -u):$(id -g)" "$T/m/d/out" "$T/m/up" 2>/dev/null || true
	touch -h "$T/m/d/outfile" 2>/dev/null || true
	setfattr -h -n user.x -v 1 "$T/m/d/out" 2>/dev/null || true
	mv "$T/m/d/out" "$T/m/d/out2"
	rm "$T/m/up"
	mv "$T/m/d" "$T/m/d2"	# copies the tree up, symlinks included
	rm -rf "$T/m/d2"
	[ "$before" = "$(snapshot)" ]
	[ "$(ls "$T/outside")" = file ]
	[ ! -e "$T/u/outside" ]
}

@test "a copied-up symlink keeps its target and is not followed" {
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	mv "$T/m/d/outfile" "$T/m/d/of2"
	[ -L "$T/u/d/of2" ]
	[ "$(readlink "$T/u/d/of2")" = "$T/outside/file" ]
	[ "$before" = "$(snapshot)" ]
}

@test "an upper layer whose .vuovl is a symlink is refused" {
	ln -s "$T/outside" "$T/u/.vuovl"
	run "$VUOVL_BIN" -o "lowerdir=$T/l,upperdir=$T/u" "$T/m"
	[ "$status" -eq 2 ]
	[[ "$output" == "vuovl: upperdir $T/u: "* ]]
	not_mounted "$T/m"
	[ "$(ls "$T/outside")" = file ]
}

@test "a symlink planted in the upper where a directory is expected is not followed" {
	ln -s "$T/outside" "$T/u/d"
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	[ -L "$T/m/d" ]
	run mkdir "$T/m/d/new"	# the kernel follows the symlink: host semantics
	rm "$T/m/d"
	[ ! -e "$T/m/d" ]
	[ -e "$T/outside/file" ]
}

@test "the view's .. at its root is the mount point's parent, not a layer's" {
	vo_mount "$T/m" -o "lowerdir=$T/l/d,upperdir=$T/u"
	[ "$(cd "$T/m/.." && pwd -P)" = "$T" ]
	[ ! -e "$T/m/../l/d/plain/x" ]
	run ls "$T/m/.."
	[[ "$output" != *plain* ]]
}

@test "mounted by root with dev,suid, the view stays nosuid,nodev: a virtual setuid-root file gives nothing" {
	[ "$(id -u)" = 0 ] || skip "mount(8) with -t and another user to run as need root"
	command -v mount.fuse3 >/dev/null || skip "mount.fuse3 (package fuse3) is not installed"
	# a user's layer whose sidecar says bin/id is root's and setuid
	chmod 0755 "$T"
	mkdir -p "$T/ul/bin" "$T/ul/dev"
	cp /usr/bin/id "$T/ul/bin/id"
	python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("bin/id"); ti.mode = 0o4755; ti.uid = ti.gid = 0
    ti.size = len(open(sys.argv[2], "rb").read())
    t.addfile(ti, open(sys.argv[2], "rb"))
    ti = tarfile.TarInfo("dev/zero"); ti.type = tarfile.CHRTYPE
    ti.devmajor, ti.devminor, ti.mode = 1, 5, 0o666
    t.addfile(ti)' "$T/ul.tar" /usr/bin/id
	"$VUTAR" -xf "$T/ul.tar" -C "$T/ul"
	run unshare -m --propagation private sh -euc '
		mount -t tmpfs vuovl-test /usr/local/sbin
		ln -s "$1" /usr/local/sbin/vuovl
		mount -t fuse.vuovl none "$2/m" -o "lowerdir=$2/ul,dev,suid,allow_other"
		grep " $2/m fuse.vuovl " /proc/self/mounts | cut -d" " -f4
		stat -c "%a %u" "$2/m/bin/id"
		runuser -u nobody -- "$2/m/bin/id" -u
		head -c 1 "$2/m/dev/zero" 2>&1 | tr -d "\\0" || true
		umount "$2/m"' sh "$VUOVL_BIN" "$T"
	echo "$output"
	[ "$status" = 0 ]
	[[ ",${lines[0]}," == *,nosuid,* ]]
	[[ ",${lines[0]}," == *,nodev,* ]]
	[ "${lines[1]}" = "4755 0" ]		# shown, never honoured
	[ "${lines[2]}" = "$(id -u nobody)" ]
	[[ "${lines[3]}" == *"Permission denied"* ]]	# not the device
	not_mounted "$T/m"
}
