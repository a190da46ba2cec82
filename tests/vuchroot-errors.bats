#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: when the system cannot give what it needs, one clear line
# names the cause, and the status is 125. The limits are made inside a
# throwaway user namespace (unshare -Urm), so the host is not touched.

load helpers
load vuchroot-helpers

setup() { vc_setup; }

@test "disabled user namespaces are named with their sysctl" {
	run unshare -Urm sh -c 'echo 0 > /proc/sys/user/max_user_namespaces || exit 99
		exec "$@"' sh "$VUCHROOT" "${VC_ARGS[@]}" "$R" /bin/true
	[ "$status" != 99 ] || skip "cannot lower user.max_user_namespaces in a user namespace"
	[ "$status" = 125 ]
	[[ "$output" == *"cannot create a user namespace: user namespaces are disabled (sysctl user.max_user_namespaces is 0)"* ]]
}

@test "a missing /dev/fuse is named" {
	[ "$VC_VIEW" = vuovl ] || skip "only the vuovl view needs /dev/fuse"
	run unshare -Urm sh -c 'mount -t tmpfs none /dev || exit 99
		exec "$@"' sh "$VUCHROOT" "$R" /bin/true
	[ "$status" != 99 ] || skip "cannot hide /dev in a user namespace"
	[ "$status" = 125 ]
	[[ "$output" == *"/dev/fuse is missing"* ]]
}

@test "a NEWROOT path that vuovl options cannot carry is refused" {
	[ "$VC_VIEW" = vuovl ] || skip "only vuovl options have separators"
	mkdir "$T/a,b"
	cp -a "$R/." "$T/a,b/"
	run vc "$T/a,b" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"contains ',' ':' or '\\'"* ]]
}

@test "--cow is refused for the bind view, UPPER inside NEWROOT too" {
	run "$VUCHROOT" --view=bind --cow "$R" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"--cow needs the vuovl view"* ]]
	run "$VUCHROOT" --cow="$R/up" "$R" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"must not contain each other"* ]]
	[ ! -e "$R/up" ]
}

@test "--cow with --ro is refused, whichever comes first; -h is --help" {
	run "$VUCHROOT" --ro --cow "$R" /bin/true
	[ "$status" = 125 ]
	[ "$output" = "vuchroot: --cow and --ro exclude each other" ]
	run "$VUCHROOT" --cow="$T/up" --ro "$R" /bin/true
	[ "$status" = 125 ]
	[ "$output" = "vuchroot: --cow and --ro exclude each other" ]
	run "$VUCHROOT" -h
	[ "$status" = 0 ]
	[[ "${lines[0]}" == "Usage: vuchroot "* ]]
}
