#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: concurrent writers, renamers and listers on one directory end
# in a consistent view (no deadlock, every name once, data whole).
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	mkdir -p "$T/l/d" "$T/u" "$T/m"
	for i in $(seq 100); do echo "$i" >"$T/l/d/f$i"; done
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
}

@test "four concurrent workers leave every file once with all its appends" {
	# each worker appends to and renames its own quarter of the files
	# (else the races are the workers', not the file system's), and
	# changes modes and lists everywhere
	for w in 1 2 3 4; do
		(
			for i in $(seq "$w" 4 100); do
				echo "w$w" >>"$T/m/d/f$i"
				chmod 0640 "$T/m/d/f$(((i * w) % 100 + 1))" 2>/dev/null || true
				mv "$T/m/d/f$i" "$T/m/d/g$w-$i" 2>/dev/null &&
					mv "$T/m/d/g$w-$i" "$T/m/d/f$i"
				ls "$T/m/d" >/dev/null
				mkdir -p "$T/m/d/x$w/y" && rm -rf "$T/m/d/x$w"
			done
		) 2>/dev/null &
	done
	wait
	[ "$(ls "$T/m/d" | sort | uniq -d)" = "" ]
	[ "$(ls "$T/m/d" | grep -c '^f')" = 100 ]
	[ "$(ls "$T/m/d" | grep -vc '^f')" = 0 ]
	for i in $(seq 100); do
		[ "$(cat "$T/m/d/f$i" | tr '\n' ' ')" = "$i w$(((i - 1) % 4 + 1)) " ]
	done
	vo_umount "$T/m"
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	[ "$(ls "$T/m/d" | grep -c '^f')" = 100 ]
}
