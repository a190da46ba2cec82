#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl -o spin=: one thread polls /dev/fuse between requests
# (vuovl/spinread.c). It must stop when the view is idle, and a request
# stuck in a layer must not hold up requests that do not touch it.
load helpers
load vuovl-helpers

setup() { vo_setup; }

# cpu_ticks PID: user + system clock ticks the process has used
cpu_ticks() {
	local st
	st=$(cat "/proc/$1/stat") || return
	st=${st##*) }
	awk '{ print $12 + $13 }' <<<"$st"
}

@test "spin= outside 0 to 100000 is a usage error" {
	VU_MOUNTS+=("$T/m")	# if it mounted after all
	for v in -1 100001 many; do
		run "$VUOVL_BIN" -o "spin=$v,lowerdir=$T/l1,upperdir=$T/u" "$T/m"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -ge 1 ]
		[[ "${lines[0]}" == "vuovl: "*spin* ]]
		not_mounted "$T/m"
	done
}

@test "a spinning daemon uses no CPU once the view is idle" {
	for spin in 50 100000; do
		vo_mount_fg "$T/m" -o "nouring,spin=$spin,lowerdir=$T/l1:$T/l2,upperdir=$T/u"
		for i in $(seq 300); do : >"$T/m/f$i"; done
		ls -lR "$T/m" >/dev/null
		sleep 0.5	# longer than any spin and the watcher's 20 ms
		before=$(cpu_ticks "$VO_PID")
		sleep 2
		after=$(cpu_ticks "$VO_PID")
		echo "spin=$spin: $((after - before)) ticks in 2 s idle"
		[ $((after - before)) -le 2 ]
		vo_umount "$T/m"
		rm -f "$T"/u/f*
	done
}

@test "a request stuck in a lower layer does not hold up the rest of the view" {
	# the lower is itself a view, whose daemon is then stopped
	mkdir -p "$T/inner" "$T/iu" "$T/il"
	for i in 1 2 3; do echo "$i" >"$T/il/f$i"; done
	vo_mount_fg "$T/inner" -o "lowerdir=$T/il,upperdir=$T/iu"
	inner=$VO_PID
	vo_mount_fg "$T/m" -o "lowerdir=$T/inner,upperdir=$T/u"
	mkdir "$T/m/own"	# new in the upper: nothing of it is in the lower
	kill -STOP "$inner"
	stat "$T/m/f1" >/dev/null 2>&1 &	# a LOOKUP that waits on the inner view
	stuck=$!
	VU_PIDS+=("$stuck")
	sleep 0.3
	run timeout 10 sh -c "echo new >'$T/m/own/x' && cat '$T/m/own/x' && ls '$T/m/own'"
	kill -CONT "$inner"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = new ]
	[ "${lines[1]}" = x ]
	wait "$stuck"
	[ "$(cat "$T/m/f2")" = 2 ]
}

@test "several programs at once get all threads reading, one program one reader again" {
	mkdir -p "$T/many/d"
	for i in $(seq 800); do echo "file $i" >"$T/many/d/f$i"; done
	# -o open: each cat's OPEN and RELEASE keep the daemon busy from
	# eight programs at once (under noopen the page cache serves most)
	# (VUOVL_SPIN_CPUS: a suite's load beside this one would keep all
	# threads reading, as it should, but this test is about overlap)
	VUOVL_SPIN_CPUS=100000 VUOVL_DEBUG=general \
		vo_mount_fg "$T/m" -o "nouring,open,lowerdir=$T/many,upperdir=$T/u" 2>"$T/daemon.log"
	# eight readers at once, each over every file: the contents must hold
	readers=()
	for j in $(seq 8); do
		(for i in $(seq 800); do
			[ "$(cat "$T/m/d/f$i")" = "file $i" ] || echo "bad f$i"
		done >"$T/reader$j.out") &
		readers+=($!)
	done
	wait "${readers[@]}"	# not the daemon: it is a job of this shell too
	[ -z "$(cat "$T"/reader*.out)" ]
	grep -q "spin: all threads read" "$T/daemon.log"
	# then one program alone: new names, one LOOKUP after another; one
	# reader again, unless it already was (the load of a suite run
	# beside this one may switch it back and forth again later)
	last=$(grep "spin:" "$T/daemon.log" | tail -n1)
	n=$(wc -l <"$T/daemon.log")
	for i in $(seq 3000); do [ ! -e "$T/m/d/none$i" ]; done
	[[ "$last" == *"one reader"* ]] || tail -n +$((n + 1)) "$T/daemon.log" | grep -q "spin: one reader"
}

@test "programs that compute between requests on every CPU get all threads reading" {
	mkdir -p "$T/l1/d"
	VUOVL_DEBUG=general vo_mount_fg "$T/m" -o "nouring,lowerdir=$T/l1,upperdir=$T/u" 2>"$T/daemon.log"
	# as make -j: one compiler per CPU, each looking a new name up, then
	# working 1 ms on the CPU (far longer than the default 50 us spin,
	# and so seldom at the same time as another's request)
	cat >"$T/cc.py" <<'PY'
import os, sys, time
for i in range(600):
    os.path.exists(os.path.join(sys.argv[1], "gap%s-%d" % (sys.argv[2], i)))
    end = time.perf_counter() + 0.001
    while time.perf_counter() < end:
        pass
PY
	cc=()
	for j in $(seq "$(nproc)"); do
		python3 "$T/cc.py" "$T/m/d" "$j" &
		cc+=($!)
	done
	wait "${cc[@]}"
	grep "spin:" "$T/daemon.log" || true
	# for the spin's misses (more than a quarter of a window's 256), not
	# for requests that came together
	grep "spin: all threads read" "$T/daemon.log" |
		sed -n 's/.* \([0-9]*\) after a spin with every CPU wanted.*/\1/p' |
		awk '$1 > 64 { ok = 1 } END { exit !ok }'
}

