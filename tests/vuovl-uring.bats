#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl over FUSE io_uring (vuovl/uring.c): one queue per CPU, served by
# two threads pinned to it. The kernel offers it only while the
# fuse module's enable_uring is Y, which only root can set: as root each
# test sets it and puts it back; as a user the suite needs it already Y.
load helpers
load vuovl-helpers

PARAM=/sys/module/fuse/parameters/enable_uring

setup() {
	vu_setup
	need_fuse
	[ -e "$PARAM" ] || skip "this kernel has no FUSE over io_uring (Linux 6.14+)"
	OLD_PARAM=$(cat "$PARAM")
	if is_root; then
		echo Y >"$PARAM"
	elif [ "$OLD_PARAM" != Y ]; then
		skip "enable_uring is $OLD_PARAM and only root sets it (the root run covers this)"
	fi
	vo_stack
}

teardown() {
	vu_teardown
	if is_root && [ -n "${OLD_PARAM:-}" ]; then echo "$OLD_PARAM" >"$PARAM"; fi
}

# ring_threads PID: the daemon's io_uring threads, one TID a line
ring_threads() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm")" = vuovl-ring ] && echo "${t##*/}"
	done
	return 0
}

possible_cpus() {
	local p
	p=$(cat /sys/devices/system/cpu/possible)
	echo $((${p##*[-,]} + 1))
}

@test "with enable_uring the view is served through one queue per CPU" {
	VUOVL_DEBUG=general vo_mount_fg "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" 2>"$T/daemon.log"
	ls "$T/m" >/dev/null
	n=$(possible_cpus)
	grep -q "uring: $n queues, 2 threads each" "$T/daemon.log"
	[ "$(ring_threads "$VO_PID" | wc -l)" = $((2 * n)) ]
	# each queue's threads are pinned to its CPU, two to each (a CPU
	# that is possible but offline cannot be had)
	[ "$(nproc --all)" = "$n" ] || skip "queues checked; pins not: $((n - $(nproc --all))) possible CPUs are offline"
	for t in $(ring_threads "$VO_PID"); do
		taskset -pc "$t" | awk '{ print $NF }'
	done | sort | uniq -c >"$T/pins"
	[ "$(wc -l <"$T/pins")" = "$n" ]
	! grep -v '^ *2 [0-9]*$' "$T/pins"
}

@test "through the rings: reads, writes, renames, links, xattrs and virtual owners hold" {
	vo_mount_fg "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u"
	[ "$(cat "$T/m/d/a")" = l1a ]
	[ "$(cat "$T/m/d/b")" = l2b ]
	# more than one READ and WRITE (1 MiB each at most), read back whole
	head -c 5000000 /dev/urandom >"$T/big"
	cp "$T/big" "$T/m/big"
	cmp "$T/big" "$T/m/big"
	cmp "$T/big" "$T/u/big"
	echo more >>"$T/m/d/b"	# a copy-up
	[ "$(cat "$T/m/d/b")" = "$(printf 'l2b\nmore')" ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
	mv "$T/m/d/a" "$T/m/d/renamed"
	[ ! -e "$T/m/d/a" ]
	[ "$(cat "$T/m/d/renamed")" = l1a ]
	ln "$T/m/big" "$T/m/hard"
	[ "$(stat -c %i "$T/m/big")" = "$(stat -c %i "$T/m/hard")" ]
	mkdir "$T/m/new"
	for i in $(seq 200); do echo "$i" >"$T/m/new/f$i"; done
	[ "$(ls "$T/m/new" | wc -l)" = 200 ]
	[ "$(cat "$T/m/new/f137")" = 137 ]
	setfattr -n user.k -v v "$T/m/new/f1"
	[ "$(getfattr --only-values -n user.k "$T/m/new/f1")" = v ]
	rm -r "$T/m/tree"
	[ ! -e "$T/m/tree" ]
	if is_root; then
		chown 1234:4321 "$T/m/new/f2"
		[ "$(stat -c %u:%g "$T/m/new/f2")" = 1234:4321 ]
		[ "$(stat -c %u "$T/u/new/f2")" = 0 ]	# virtual: the host file stays root's
	fi
	vo_umount "$T/m"
	vo_mount_stack
	cmp "$T/big" "$T/m/big"
	[ "$(cat "$T/m/new/f200")" = 200 ]
}

@test "FORGETs of an rm -rf come gathered, and the names removed can be made and read again" {
	mkdir -p "$T/l2/many"
	for i in $(seq 3000); do echo "$i" >"$T/l2/many/f$i"; done
	# -d: libfuse logs each request's opcode
	vo_mount_fg "$T/m" -d -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" 2>"$T/daemon.log"
	ls -l "$T/m/many" >/dev/null	# 3000 inodes the kernel knows
	rm -rf "$T/m/many"
	[ ! -e "$T/m/many" ]
	mkdir "$T/m/many"
	for i in $(seq 0 10 3000); do echo "new $i" >"$T/m/many/f$i"; done
	[ "$(ls "$T/m/many" | wc -l)" = 301 ]
	[ "$(cat "$T/m/many/f2990")" = "new 2990" ]
	[ ! -e "$T/m/many/f2991" ]
	# the unlinked inodes' FORGETs: more than one to a BATCH_FORGET
	batches=$(grep -ac "opcode: BATCH_FORGET" "$T/daemon.log" || true)
	singles=$(grep -ac "opcode: FORGET " "$T/daemon.log" || true)
	[ "$batches" -ge 1 ]
	[ "$singles" -lt 2000 ]
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(ls "$T/m/many" | wc -l)" = 301 ]
	[ "$(cat "$T/m/many/f10")" = "new 10" ]
}

@test "programs on every CPU at once, and CPU-bound programs beside them, all get answers" {
	vo_mount_fg "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u"
	n=$(nproc)
	hogs=()
	# four CPU-bound loops per CPU, in the daemon's own session
	for ((c = 0; c < 4 * n; c++)); do
		sh -c 'while :; do :; done' &
		hogs+=($!)
		VU_PIDS+=($!)
	done
	# a starved queue would show as writers past their minute
	for ((c = 0; c < 2 * n; c++)); do
		timeout 60 bash -c 'mkdir "$1" && for i in $(seq 300); do
			echo "$2.$i" >"$1/f$i" && [ "$(cat "$1/f$i")" = "$2.$i" ] || exit 1
		done' writer "$T/m/w$c" "$c" &
		writers+=($!)
	done
	for p in "${writers[@]}"; do wait "$p"; done
	kill "${hogs[@]}"
	for ((c = 0; c < 2 * n; c++)); do
		[ "$(ls "$T/m/w$c" | wc -l)" = 300 ]
	done
}

@test "SIGTERM ends a daemon serving rings: unmounted, threads gone, writes kept" {
	vo_mount_fg "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u"
	pid=$VO_PID
	exec 7>"$T/m/open"
	printf 'written, not closed' >&7
	kill -TERM "$pid"
	wait "$pid"
	exec 7>&-
	not_mounted "$T/m"
	[ "$(cat "$T/u/open")" = "written, not closed" ]
}

@test "-o nouring keeps /dev/fuse; -o uring without enable_uring says so and serves /dev/fuse" {
	VUOVL_DEBUG=general vo_mount_fg "$T/m" -o "nouring,lowerdir=$T/l1:$T/l2,upperdir=$T/u" 2>"$T/daemon.log"
	[ "$(cat "$T/m/d/a")" = l1a ]
	! grep -q "uring: .* queues" "$T/daemon.log"
	[ -z "$(ring_threads "$VO_PID")" ]
	vo_umount "$T/m"
	is_root || skip "only root can turn enable_uring off"
	echo N >"$PARAM"
	vo_mount_fg "$T/m" -o "uring,lowerdir=$T/l1:$T/l2,upperdir=$T/u" 2>"$T/daemon.log"
	[ "$(cat "$T/m/d/a")" = l1a ]
	grep -q "vuovl: uring: $PARAM is not Y (root can set it); serving /dev/fuse" "$T/daemon.log"
}
