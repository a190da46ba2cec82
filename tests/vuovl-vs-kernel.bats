#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl against kernel overlayfs: the same operations on copies of the
# same layers give the same view (names, types, sizes, contents, modes).
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	is_root || skip "kernel overlayfs needs root here"
	mkdir -p "$T/base/l1/d" "$T/base/l2/d/sub" "$T/base/l2/tree/a/b" "$T/base/l2/gone"
	echo l1a >"$T/base/l1/d/a"
	echo l2a >"$T/base/l2/d/a"
	echo l2b >"$T/base/l2/d/b"
	echo deep >"$T/base/l2/tree/a/b/f"
	echo s >"$T/base/l2/d/sub/s"
	echo g >"$T/base/l2/gone/g"
	ln -s d/a "$T/base/l1/sl"
	for k in kern fuse; do
		mkdir -p "$T/$k/u" "$T/$k/w" "$T/$k/m"
		cp -a "$T/base/l1" "$T/base/l2" "$T/$k/"
	done
	mount -t overlay overlay -o "lowerdir=$T/kern/l1:$T/kern/l2,upperdir=$T/kern/u,workdir=$T/kern/w" "$T/kern/m" ||
		skip "kernel overlayfs is not available"
	VU_MOUNTS+=("$T/kern/m")
	vo_mount "$T/fuse/m" -o "lowerdir=$T/fuse/l1:$T/fuse/l2,upperdir=$T/fuse/u"
}

teardown() {
	for m in "$T/kern/m"; do umount "$m" 2>/dev/null || true; done
	vu_teardown
}

# The same script run in both views.
ops() {
	cd "$1"
	echo more >>d/b
	rm d/a
	rm -rf gone
	mkdir gone && echo new >gone/n
	mv tree tree2
	mv d/sub d/sub2 2>/dev/null || true
	ln -s tree2 t3
	chmod 0600 d/b
	mkdir -p x/y && echo z >x/y/z
	mv x/y/z x/zz
	ln x/zz x/hard
	truncate -s 100 sl 2>/dev/null || true
	rm -f d/missing
}

view() {
	cd "$1"
	# .vuovl: vuovl's own area in the upper, which the kernel shows
	find . -path ./.vuovl -prune -o -printf '%y %m %s %p %l\n' | sort
	find . -path ./.vuovl -prune -o -type f -exec md5sum {} + | sort -k2
}

@test "the same operations give the same view as kernel overlayfs" {
	(ops "$T/kern/m")
	(ops "$T/fuse/m")
	diff <(view "$T/kern/m") <(view "$T/fuse/m")
	# and after a remount of both
	umount "$T/kern/m"
	mount -t overlay overlay -o "lowerdir=$T/kern/l1:$T/kern/l2,upperdir=$T/kern/u,workdir=$T/kern/w" "$T/kern/m"
	vo_umount "$T/fuse/m"
	vo_mount "$T/fuse/m" -o "lowerdir=$T/fuse/l1:$T/fuse/l2,upperdir=$T/fuse/u"
	diff <(view "$T/kern/m") <(view "$T/fuse/m")
}

@test "an upper layer written by kernel overlayfs reads the same through vuovl" {
	(ops "$T/kern/m")
	umount "$T/kern/m"
	mkdir -p "$T/vk"
	vo_mount "$T/vk" -o "lowerdir=$T/kern/l1:$T/kern/l2,upperdir=$T/kern/u,kernel_markers"
	mount -t overlay overlay -o "lowerdir=$T/kern/l1:$T/kern/l2,upperdir=$T/kern/u,workdir=$T/kern/w" "$T/kern/m"
	diff <(view "$T/kern/m") <(view "$T/vk")
}
