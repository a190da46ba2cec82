#!/usr/bin/env bats
# vuchroot: the command shares the caller's terminal — job control works
# in an interactive shell, Ctrl-C reaches the command and not vuchroot.
# Driven through script(1), which gives the session a pty.

load helpers
load vuchroot-helpers

setup() {
	vu_setup
	vc_need
	command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
	R=$T/root
	vc_rootfs "$R"
}

teardown() { vu_teardown; }

# Feeds lines (with pauses, so each reaches a waiting reader) to a pty
# running vuchroot ARGS...; prints what the terminal showed.
on_pty() {
	local input=$1
	shift
	{ sleep 2; printf "$input" | while IFS= read -r l; do
		if [ "$l" = '^C' ]; then printf '\003'; else printf '%s\n' "$l"; fi
		sleep 0.7
	done; sleep 2; } |
		timeout 60 script -qfec "$(printf '%q ' "$VUCHROOT" "${VC_ARGS[@]}" "$@"); echo status=\$?" /dev/null |
		tr -d '\r'
}

@test "job control works in an interactive shell inside" {
	run on_pty 'sleep 60 &\njobs\nkill %%1\nwait\necho jobs-done\nexit 4\n' "$R" /bin/sh -i
	[[ "$output" == *"Running"*"sleep 60"* ]]
	[[ "$output" == *jobs-done* ]]
	[[ "$output" == *status=4* ]]
}

@test "Ctrl-C reaches the command, and the shell inside goes on" {
	run on_pty 'sleep 60\n^C\necho still-here\nexit 0\n' "$R" /bin/sh -i
	[[ "$output" == *still-here* ]]
	[[ "$output" == *status=0* ]]
	# vuchroot itself shares the foreground group: it must outlive ^C
	# and hand back the command's own status
	run on_pty '^C\n' "$R" /bin/sh -c 'trap "exit 3" INT; while :; do sleep 0.2; done'
	[[ "$output" == *status=3* ]]
}
