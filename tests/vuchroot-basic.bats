#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
bats_require_minimum_version 1.5.0
# vuchroot: chroot(8)'s contract — root inside, exit statuses, default
# shell, --userspec/--groups, working directory, environment.

load helpers
load vuchroot-helpers

setup() { vc_setup; }

@test "the command runs as root inside" {
	run vc "$R" /bin/sh -c 'id -u; id -g'
	[ "$status" = 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
}

@test "files of NEWROOT look owned by root inside" {
	run vc "$R" /bin/sh -c 'stat -c "%u:%g %n" /bin /etc/passwd /root/secret'
	[ "$status" = 0 ]
	[ "${lines[0]}" = "0:0 /bin" ]
	[ "${lines[1]}" = "0:0 /etc/passwd" ]
	[ "${lines[2]}" = "0:0 /root/secret" ]
}

@test "the root directory is NEWROOT" {
	touch "$R/marker-$$"
	run vc "$R" /bin/ls /
	[ "$status" = 0 ]
	[[ "$output" == *"marker-$$"* ]]
}

@test "vuchroot exits with the command's status" {
	run vc "$R" /bin/sh -c 'exit 7'
	[ "$status" = 7 ]
	run vc "$R" /bin/false
	[ "$status" = 1 ]
}

@test "a command killed by signal N gives 128+N" {
	run vc "$R" /bin/sh -c 'kill -9 $$'
	[ "$status" = 137 ]
	run vc "$R" /bin/sh -c 'kill -TERM $$'
	[ "$status" = 143 ]
}

@test "a command that is not there gives 127" {
	run -127 vc "$R" /no/such/command
	[ "$status" = 127 ]
	[[ "$output" == *"failed to run command '/no/such/command': No such file or directory"* ]]
	run -127 vc "$R" no-such-command-in-path
	[ "$status" = 127 ]
}

@test "a command that cannot run gives 126" {
	run vc "$R" /etc/passwd
	[ "$status" = 126 ]
	[[ "$output" == *"Permission denied"* ]]
}

@test "vuchroot's own failure gives 125 with the reason" {
	run vc "$T/missing" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"cannot use NEWROOT '$T/missing': No such file or directory"* ]]
	run vc "$R/etc/passwd" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"Not a directory"* ]]
	run vc --no-such-option "$R" /bin/true
	[ "$status" = 125 ]
}

@test "without a command the shell runs, falling back to /bin/sh" {
	run env SHELL=/no/such/shell "$VUCHROOT" "${VC_ARGS[@]}" "$R" <<<'echo shell-ran-as-$(id -u)'
	[ "$status" = 0 ]
	[[ "$output" == *"shell-ran-as-0"* ]]
}

@test "without /bin/sh inside the default command fails clearly" {
	rm "$R/bin/sh"
	run -127 env SHELL=/bin/sh "$VUCHROOT" "${VC_ARGS[@]}" "$R" </dev/null
	[ "$status" = 127 ]
	[[ "$output" == *"no /bin/sh inside the new root"* ]]
}

@test "--userspec=nobody cannot read a 0600 root file" {
	run vc --userspec=nobody "$R" /bin/sh -c 'id -u; cat /root/secret'
	[ "$status" = 1 ]
	[ "${lines[0]}" = 65534 ]
	[[ "$output" == *"Permission denied"* ]]
	run vc "$R" /bin/cat /root/secret
	[ "$status" = 0 ]
	[ "$output" = secret ]
}

@test "--userspec and --groups take names from NEWROOT's /etc" {
	run vc --userspec=user:users "$R" /bin/sh -c 'id -u; id -g'
	[ "$status" = 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 100 ]
	run vc --userspec=1000:1000 --groups=users,nogroup "$R" /bin/id -G
	[ "$status" = 0 ]
	[ "$output" = "1000 100 65534" ] || [ "$output" = "1000 65534 100" ]
	run vc --userspec=nosuchuser "$R" /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"invalid user 'nosuchuser'"* ]]
}

@test "the command starts in / unless --chdir or --skip-chdir says otherwise" {
	run vc "$R" /bin/pwd
	[ "$output" = / ]
	run vc --chdir /etc "$R" /bin/pwd
	[ "$output" = /etc ]
	mkdir -p "$R$T"
	cd "$T"
	run vc --skip-chdir "$R" /bin/pwd
	[ "$output" = "$T" ]
}

@test "--setenv and --clearenv shape the command's environment" {
	run env FROM_HOST=yes "$VUCHROOT" "${VC_ARGS[@]}" --setenv A 'b c' "$R" /bin/sh -c 'echo "$A/$FROM_HOST"'
	[ "$output" = "b c/yes" ]
	run env FROM_HOST=yes "$VUCHROOT" "${VC_ARGS[@]}" --clearenv --setenv A 1 "$R" /bin/env
	[ "$output" = "A=1" ]
}

@test "root's PATH inside has the sbin directories, as su - gives them" {
	run vc "$R" /bin/sh -c 'echo "$PATH"'
	[[ ":$output:" == *:/usr/sbin:* ]] && [[ ":$output:" == *:/sbin:* ]]
	run env PATH=/sbin:/usr/local/sbin:/usr/sbin:/usr/bin:/bin "$VUCHROOT" "${VC_ARGS[@]}" "$R" /bin/sh -c 'echo "$PATH"'
	[ "$output" = /sbin:/usr/local/sbin:/usr/sbin:/usr/bin:/bin ]	# left alone
	is_root || grep -qE "^$(id -un):" /etc/subuid || skip "another user inside needs a subordinate range"
	run env PATH=/usr/bin:/bin "$VUCHROOT" "${VC_ARGS[@]}" --userspec=1000:1000 "$R" /bin/sh -c 'echo "$PATH"'
	[ "$output" = /usr/bin:/bin ]
}

@test "--cow / is a root shell over the host's own system that changes nothing on it" {
	[ "$VC_VIEW" = vuovl ] || skip "NEWROOT=/ needs the vuovl view"
	mkdir "$T/up" "$T/tmp"
	run env TMPDIR="$T/tmp" "$VUCHROOT" --cow="$T/up" / /bin/sh -c \
		"id -u; echo changed > '$T/made-inside'; cat '$T/made-inside'; ls -A '$T'"
	[ "$status" = 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = changed ]
	# the session's own upper is not part of the root it shows
	[[ "${lines[2]}" != *up* ]]
	[ ! -e "$T/made-inside" ]
	[ "$(cat "$T/up$T/made-inside")" = changed ]
	# a temporary upper too, and it goes at exit
	run env TMPDIR="$T/tmp" "$VUCHROOT" --cow / /bin/sh -c "ls -A '$T/tmp'; echo x > /tmp/vu-cow-root-$$"
	[ "$status" = 0 ]
	[ -z "$output" ]
	[ ! -e "/tmp/vu-cow-root-$$" ]
	[ -z "$(ls -A "$T/tmp")" ]
	# in place, the host's root is refused, saying why
	run "$VUCHROOT" / /bin/true
	[ "$status" = 125 ]
	[[ "$output" == *"NEWROOT / needs --cow or --ro"* ]]
}
