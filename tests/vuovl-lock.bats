#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# One owner per layer: a daemon holds its upper layer until its last
# sync is done and it has exited; another vuovl, vutar or vuovl-meta
# waits for it, or refuses naming it.
load helpers
load vuovl-helpers

setup() { vo_setup; }

@test "unmount and mount again at once shows the new data, 100 times out of 100" {
	for i in $(seq 100); do echo "lower $i" >"$T/l2/d/f$i"; done
	for i in $(seq 100); do
		vo_mount_stack
		if [ "$i" -gt 1 ]; then
			[ "$(cat "$T/m/d/f$((i - 1))")" = "new $((i - 1))" ]
		fi
		echo "new $i" >"$T/m/d/f$i"	# a copy-up for a write
		fusermount3 -u "$T/m"		# its daemon is still syncing
	done
	no_daemon_for "$T/m"
	vo_mount_stack
	for i in $(seq 100); do [ "$(cat "$T/m/d/f$i")" = "new $i" ]; done
}

@test "a second vuovl on an upper layer in use waits, then refuses naming the holder" {
	vo_mount_stack
	pid=$(pgrep -f "vuovl.*$T/m" | head -1)
	mkdir "$T/m2"
	VU_MOUNTS+=("$T/m2")	# (should a mount happen after all)
	run env VUOVL_LOCK_WAIT=0.3 "$VUOVL_BIN" -o "lowerdir=$T/l1,upperdir=$T/u" "$T/m2"
	[ "$status" = 2 ]
	[ "$output" = "vuovl: upperdir $T/u: in use by pid $pid (a vuovl, vutar or vuovl-meta uses it; waited 0.3 s)" ]
	not_mounted "$T/m2"
	# nor read as a lower; and its lowers may not be written meanwhile
	mkdir "$T/u3"
	run env VUOVL_LOCK_WAIT=0.2 "$VUOVL_BIN" -o "lowerdir=$T/u,upperdir=$T/u3" "$T/m2"
	[ "$status" = 2 ]
	[[ "$output" == *"lowerdir $T/u: in use by pid $pid (a vuovl, vutar or vuovl-meta writes it;"* ]]
	run env VUOVL_LOCK_WAIT=0.2 "$VUOVL_BIN" -o "lowerdir=$T/l2,upperdir=$T/l1" "$T/m2"
	[ "$status" = 2 ]
	[[ "$output" == *"upperdir $T/l1: in use by pid $pid"* ]]
	not_mounted "$T/m2"
}

@test "vutar and vuovl-meta wait for a layer in use, then refuse" {
	vo_mount_stack
	echo x >"$T/m/new"
	pid=$(pgrep -f "vuovl.*$T/m" | head -1)
	tar -C "$T/l1" -cf "$T/a.tar" .
	export VUOVL_LOCK_WAIT=0.2
	run "$VUTAR" -xf "$T/a.tar" -C "$T/u"
	[ "$status" != 0 ]
	[[ "$output" == "vutar: $T/u: in use by pid $pid "* ]]
	[ ! -e "$T/u/t" ]
	run "$VUTAR" -cf "$T/u.tar" -C "$T/u"
	[ "$status" != 0 ]
	[[ "$output" == *"in use by pid $pid"* ]]
	run "$VUMETA" repair "$T/u"
	[ "$status" = 3 ]
	[[ "$output" == "vuovl-meta: $T/u: in use by pid $pid "* ]]
	# reading a lower layer beside the daemon is fine
	run "$VUTAR" -cf "$T/l1.tar" -C "$T/l1"
	[ "$status" = 0 ]
	run "$VUMETA" check "$T/u"
	[ "$status" = 3 ]
}

@test "vutar -c and vuovl-meta right after an unmount wait for the daemon and see the last data" {
	for i in $(seq 20); do echo "lower $i" >"$T/l2/d/f$i"; done
	vo_mount_stack
	for i in $(seq 20); do echo "new $i" >"$T/m/d/f$i"; chmod 4711 "$T/m/d/f$i"; done
	fusermount3 -u "$T/m"
	run "$VUMETA" check "$T/u"
	[ "$status" = 0 ]
	"$VUTAR" -cf "$T/u.tar" -C "$T/u"
	run tar -xOf "$T/u.tar" ./d/f20
	[ "$output" = "new 20" ]
	[[ "$(tar -tvf "$T/u.tar" ./d/f7)" == "-rws--x--x "* ]]
}

@test "two views may share a lower layer" {
	mkdir "$T/u2" "$T/m2"
	vo_mount_stack
	vo_mount "$T/m2" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u2"
	echo one >"$T/m/d/a"
	echo two >"$T/m2/d/a"
	[ "$(cat "$T/m/d/a")" = one ]
	[ "$(cat "$T/m2/d/a")" = two ]
}

@test "--check beside a running view works and leaves its work directory alone" {
	vo_mount_stack
	touch "$T/u/.vuovl/work/cu.1.1"
	run "$VUOVL_BIN" --check -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u"
	[ "$status" = 0 ]
	[ -e "$T/u/.vuovl/work/cu.1.1" ]
}
