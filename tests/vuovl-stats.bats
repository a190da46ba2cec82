#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl -o stats: the requests of a session counted by opcode, written at
# unmount.
load helpers
load vuovl-helpers

setup() { vo_setup; }

# count OP FIELD FILE: the field of OP's line ("requests", "errors",
# "negative"), 0 when OP never came
count() {
	awk -v op="$1" -v f="$2" '$1 == op {
		if (f == "requests") { print $2; exit }
		for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { print kv[2]; exit } }
	}' "$3" | grep . || echo 0
}

# a known set of operations on the view of vo_stack
workload() {
	run stat "$T/m/missing"
	[ "$status" -ne 0 ]
	run stat "$T/m/missing"
	[ "$status" -ne 0 ]
	echo new >"$T/m/new"
	[ "$(cat "$T/m/t")" = top ]
}

@test "stats=FILE counts missing names, creates and opens at unmount" {
	vo_mount_stack -o "stats=$T/stats"
	workload
	vo_umount "$T/m"
	cat "$T/stats"
	[ "$(count LOOKUP negative "$T/stats")" -ge 1 ]
	[ "$(count LOOKUP errors "$T/stats")" -eq 0 ]
	[ "$(count CREATE requests "$T/stats")" -eq 1 ]
	[ "$(count CREATE errors "$T/stats")" -eq 0 ]
	# READs are not asserted: under -o passthrough the kernel reads itself
	[ "$(count OPEN requests "$T/stats")" -ge 1 ]
	[ "$(count INIT requests "$T/stats")" -eq 1 ]
	# every line: an opcode, a nonzero count, its errors
	! grep -Ev '^[A-Z_0-9]+ [1-9][0-9]* errors=[0-9]+( negative=[0-9]+)?$' "$T/stats"
}

@test "a request the view refuses counts as an error of its opcode" {
	vo_mount_stack -o "stats=$T/stats"
	run rmdir "$T/m/d"	# not empty
	[ "$status" -ne 0 ]
	vo_umount "$T/m"
	cat "$T/stats"
	[ "$(count RMDIR errors "$T/stats")" -eq 1 ]
}

@test "stats without a file goes to the stderr vuovl started with" {
	"$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,stats" "$T/m" 2>"$T/err"
	VU_MOUNTS+=("$T/m")
	ls "$T/m/d" >/dev/null
	vo_umount "$T/m"
	cat "$T/err"
	[ "$(count OPENDIR requests "$T/err")" -ge 1 ]
	[ "$(count INIT requests "$T/err")" -eq 1 ]
}

@test "no stats file is written without the option" {
	vo_mount_stack
	workload
	vo_umount "$T/m"
	[ ! -e "$T/stats" ]
}

@test "a stats file that cannot be made is refused with one line and nothing mounted" {
	run "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,stats=$T/nodir/stats" "$T/m"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "vuovl: stats=$T/nodir/stats: No such file or directory" ]]
	not_mounted "$T/m"
}
