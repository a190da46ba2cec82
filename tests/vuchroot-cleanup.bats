#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
bats_require_minimum_version 1.5.0
# vuchroot: nothing outlives the session — no mount in the caller's
# namespace, no daemon, no temporary upper — even when vuchroot is
# killed with SIGKILL; signals sent to vuchroot reach the command.

load helpers
load vuchroot-helpers

setup() {
	vc_setup
	mkdir "$T/tmp"
	export TMPDIR=$T/tmp
}

# Waits up to 10 s for a condition (a shell command) to hold.
wait_for() {
	for _ in $(seq 100); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

cow_opt() { [ "$VC_VIEW" = vuovl ] && echo --cow; return 0; }

# Mounts on the staging candidates (vuchroot's own mount points); other
# suites may mount elsewhere meanwhile, so the whole table is no measure.
stage_mounts() {
	awk '$5 ~ "^/(mnt|media|srv|opt|run|var/tmp|tmp|home)(/root|/empty)?$"' /proc/self/mountinfo | sort
}

@test "nothing stays mounted or running after the command exits" {
	before=$(stage_mounts)
	run vc $(cow_opt) "$R" /bin/sh -c 'grep -c . /proc/self/mountinfo'
	[ "$status" = 0 ]
	[ "${lines[-1]}" -gt 3 ]
	# the daemon stopped cleanly: no warning on the way out
	[[ "$output" != *vuchroot:* ]]
	[ "$(stage_mounts)" = "$before" ]
	! grep -q "$R" /proc/self/mountinfo
	[ -z "$(vc_running "$R")" ]
	[ -z "$(ls -A "$T/tmp")" ]
}

# The command's own process: exactly "/bin/sleep N", not vuchroot's args.
sleeping() { ps -u "$(id -u)" -o stat=,args= | awk -v n="$1" '$1 !~ /^Z/ && NF == 3 && $2 == "/bin/sleep" && $3 == n'; }

@test "kill -9 of vuchroot ends the command and the daemon and removes the temporary upper" {
	n=$((100000 + RANDOM))	# a sleep no other run has
	(exec "$VUCHROOT" "${VC_ARGS[@]}" $(cow_opt) "$R" /bin/sleep $n 3>&-) &
	pid=$!
	VU_PIDS+=("$pid")
	wait_for '[ -n "$(sleeping $n)" ]'
	kill -9 "$pid"
	wait_for '[ -z "$(vc_running "$R")" ] && [ -z "$(sleeping $n)" ]'
	wait_for '[ -z "$(ls -A "$T/tmp")" ]'
	! grep -q "$R" /proc/self/mountinfo
}

@test "kill -9 of vuchroot while it is still setting up leaves nothing either" {
	# the session may be anywhere between clone and exec when its parent dies
	n=$((200000 + RANDOM))
	for delay in 0.001 0.005 0.01 0.02; do
		(exec "$VUCHROOT" "${VC_ARGS[@]}" $(cow_opt) "$R" /bin/sleep $n 3>&-) &
		pid=$!
		VU_PIDS+=("$pid")
		sleep "$delay"
		kill -9 "$pid"
	done
	wait_for '[ -z "$(vc_running "$R")" ] && [ -z "$(sleeping $n)" ]'
	wait_for '[ -z "$(ls -A "$T/tmp")" ]'
	! grep -q "$R" /proc/self/mountinfo
}

@test "SIGTERM sent to vuchroot reaches the command, with or without a pid namespace" {
	# as pid 1 of a pid namespace the session must relay, not die
	for opt in --chdir=/ --unshare-pid; do
		rm -f "$T/out"
		(exec "$VUCHROOT" "${VC_ARGS[@]}" $opt "$R" /bin/sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$T/out" 3>&-) &
		pid=$!
		VU_PIDS+=("$pid")
		wait_for 'grep -q ready "$T/out"'
		kill -TERM "$pid"
		status=0
		wait "$pid" || status=$?
		[ "$status" = 3 ]
		grep -q got-term "$T/out"
	done
}

@test "a temporary upper left by a session killed with its process group goes at the next --cow run, or with --gc" {
	[ "$VC_VIEW" = vuovl ] || skip "a temporary upper is a --cow view's"
	# a live session's upper is left alone
	(exec "$VUCHROOT" --cow "$R" /bin/sleep 300 3>&-) &
	pid=$!
	VU_PIDS+=("$pid")
	wait_for '[ -n "$(sleeping 300)" ]'
	live=$(ls "$T/tmp")
	[[ "$live" == vuchroot-cow.* ]]
	run timeout -s KILL 1 "$VUCHROOT" --cow "$R" /bin/sleep 30
	[ "$status" = 137 ]
	wait_for '[ -z "$(sleeping 30)" ]'
	left=$(ls "$T/tmp" | grep -vx "$live")
	[[ "$left" == vuchroot-cow.* ]]
	run "$VUCHROOT" --gc
	[ "$status" = 0 ]
	[ "$output" = "removed $T/tmp/$left (left by a killed session)" ]
	[ "$(ls "$T/tmp")" = "$live" ]
	kill "$pid"
	wait "$pid" || true
	wait_for '[ -z "$(ls -A "$T/tmp")" ]'
	# the next --cow run sweeps too
	run timeout -s KILL 1 "$VUCHROOT" --cow "$R" /bin/sleep 30
	[ -n "$(ls -A "$T/tmp")" ]
	wait_for '[ -z "$(sleeping 30)" ]'
	run "$VUCHROOT" --cow "$R" /bin/true
	[ "$status" = 0 ]
	[ -z "$(ls -A "$T/tmp")" ]
	run "$VUCHROOT" --gc "$R"
	[ "$status" = 125 ]
	[ "$output" = "vuchroot: --gc takes no NEWROOT nor COMMAND" ]
}

@test "a run that fails before its command leaves an empty NEWROOT empty" {
	[ "$VC_VIEW" = vuovl ] || skip "the bind view makes nothing in NEWROOT"
	mkdir "$T/empty"
	run -127 "$VUCHROOT" "$T/empty" /bin/true
	[ -z "$(ls -A "$T/empty")" ]
	run -127 "$VUCHROOT" "$T/empty"
	[ -z "$(ls -A "$T/empty")" ]
}

@test "mount points made for --bind and --tmpfs are gone after the session; those that were there stay" {
	[ "$VC_VIEW" = vuovl ] || skip "the bind view makes nothing in NEWROOT"
	mkdir -p "$T/hd" "$R/srv"
	echo host >"$T/hf"
	run vc --cow="$T/up" --bind "$T/hd:/mnt/data/deep" --bind "$T/hf:/etc/hostfile" \
		--tmpfs /srv --tmpfs /scratch/t "$R" /bin/sh -c 'cat /etc/hostfile; ls -d /mnt/data/deep /scratch/t'
	[ "$status" = 0 ]
	[ "${lines[0]}" = host ]
	[ ! -e "$T/up/mnt" ] && [ ! -e "$T/up/etc/hostfile" ] && [ ! -e "$T/up/scratch" ]
	[ -d "$R/srv" ]
	# in place too, and /proc /dev /sys a root file system has stay
	rmdir "$R/proc"
	run vc --bind "$T/hf:/etc/hostfile" "$R" /bin/true
	[ "$status" = 0 ]
	[ ! -e "$R/etc/hostfile" ]
	[ -d "$R/proc" ]
}
