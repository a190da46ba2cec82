#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: how ids map — subordinate ranges, a single id, real root —
# and that host files never get a foreign owner.

load helpers
load vuchroot-helpers

setup() { vc_setup; }

has_subids() {
	local me
	me=$(id -un)
	grep -qE "^($me|$(id -u)):" /etc/subuid 2>/dev/null &&
		grep -qE "^($me|$(id -u)):" /etc/subgid 2>/dev/null &&
		command -v newuidmap >/dev/null
}

@test "with a subordinate range ids 0-65535 exist inside and chown works" {
	is_root && skip "real root gets the identity map (tested below)"
	has_subids || skip "$(id -un) has no /etc/subuid and /etc/subgid range"
	run vc "$R" /bin/sh -c 'cat /proc/self/uid_map; touch /tmp/f; chown 100:101 /tmp/f && stat -c %u:%g /tmp/f'
	[ "$status" = 0 ]
	[ "$(echo ${lines[0]})" = "0 $(id -u) 1" ]
	[[ "$(echo ${lines[1]})" == "1 "*" 65535" ]]
	[ "${lines[-1]}" = 100:101 ]
}

@test "run by real root the map is the identity" {
	is_root || skip "needs real root"
	run vc "$R" /bin/cat /proc/self/uid_map
	[ "$status" = 0 ]
	[ "$(echo $output)" = "0 0 4294967295" ]
}

@test "--map=single maps only the caller, says so, and chown to others fails" {
	run vc --map=single "$R" /bin/sh -c 'cat /proc/self/uid_map; touch /tmp/f; chown 100:101 /tmp/f || echo chown-failed'
	[ "$status" = 0 ]
	[[ "$output" == *"single-id map"*"chown to other ids will fail"* ]]
	[[ "$(echo $output)" == *"0 $(id -u) 1"* ]]
	[[ "$output" == *chown-failed* ]]
}

@test "--map=subid without a range names the missing /etc/subuid line" {
	if has_subids; then
		run vc --map=subid "$R" /bin/true
		[ "$status" = 0 ]
	else
		run vc --map=subid "$R" /bin/true
		[ "$status" = 125 ]
		[[ "$output" == *"no line for $(id -un) (uid $(id -u)) in /etc/sub"* ]]
	fi
}

@test "--map=full is refused to a normal user" {
	is_root && skip "root may ask for it"
	run vc --map=full "$R" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"--map=full needs real root"* ]]
}
