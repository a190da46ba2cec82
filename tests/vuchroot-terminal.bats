#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: the command shares the caller's terminal — job control works
# in an interactive shell, Ctrl-C reaches the command and not vuchroot.
# Driven through script(1), which gives the session a pty.

load helpers
load vuchroot-helpers

setup() {
	vc_setup
	command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
}

# Feeds lines (with pauses, so each reaches a waiting reader) to a pty
# running vuchroot ARGS...; prints what the terminal showed. A ^C line is
# sent only once the command inside has made /ready (NEWROOT/ready here):
# a loaded machine may take longer than any fixed delay to get there.
on_pty() {
	local input=$1
	shift
	rm -f "$R/ready"
	{ sleep 1; printf "$input" | while IFS= read -r l; do
		if [ "$l" = '^C' ]; then
			for _ in $(seq 300); do [ -e "$R/ready" ] && break; sleep 0.1; done
			sleep 0.5
			printf '\003'
		else
			printf '%s\n' "$l"
		fi
		sleep 0.7
	done; sleep 2; } |
		{
			# exec: no shell of script's ($SHELL) stays in the foreground
			# group, where a ^C would kill a dash before it says the status
			timeout 60 script -qfec "exec $(printf '%q ' "$VUCHROOT" "${VC_ARGS[@]}" "$@")" /dev/null
			echo status=$?
		} | tr -d '\r'
}

@test "job control works in an interactive shell inside" {
	run on_pty 'sleep 60 &\njobs\nkill %%1\nwait\necho jobs-done\nexit 4\n' "$R" /bin/sh -i
	[[ "$output" == *"Running"*"sleep 60"* ]]
	[[ "$output" == *jobs-done* ]]
	[[ "$output" == *status=4* ]]
}

@test "Ctrl-C reaches the command, and the shell inside goes on" {
	run on_pty 'touch /ready; sleep 60\n^C\necho still-here\nexit 0\n' "$R" /bin/sh -i
	[[ "$output" == *still-here* ]]
	[[ "$output" == *status=0* ]]
	# vuchroot itself shares the foreground group: it must outlive ^C
	# and hand back the command's own status
	run on_pty '^C\n' "$R" /bin/sh -c 'trap "exit 3" INT; touch /ready; while :; do sleep 0.2; done'
	[[ "$output" == *status=3* ]]
}
