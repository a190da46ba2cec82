#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl -o passthrough: the kernel does open files' reads and writes on
# the host copy (root only; otherwise vuovl says so and serves them).
load helpers
load vuovl-helpers

setup() {
	vo_setup
	head -c 3000000 /dev/urandom >"$T/l2/blob"
}

# vo_debug_mount OPTS...: a foreground daemon with libfuse's request
# log in $T/log; vo_debug_stop unmounts it and waits for it.
vo_debug_mount() {
	vo_mount_fg "$T/m" -d -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" "$@" 2>"$T/log"
}

vo_debug_stop() {
	vo_umount "$T/m"
	wait "$VO_PID" || true
}

# bats ignores `! cmd`; a function's status counts
no_match() { ! grep "$@"; }

@test "with -o passthrough reads, writes, appends, mmap and copy-up keep the data" {
	vo_mount_stack -o passthrough
	cmp "$T/l2/blob" "$T/m/blob"
	[ "$(cat "$T/m/d/a")" = l1a ]
	echo more >>"$T/m/d/b"
	[ "$(cat "$T/m/d/b")" = "$(printf 'l2b\nmore')" ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
	printf new >"$T/m/n"
	[ "$(cat "$T/m/n")" = new ]
	[ "$(cat "$T/u/n")" = new ]
	dd if=/dev/zero of="$T/m/blob" bs=1 count=3 seek=10 conv=notrunc status=none
	[ "$(stat -c %s "$T/m/blob")" = 3000000 ]
	run cmp -s "$T/l2/blob" "$T/m/blob"
	[ "$status" = 1 ]
	cmp "$T/u/blob" "$T/m/blob"
	python3 - "$T/m/n" <<'PY'
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    assert m[:3] == b"new"
    m[0:3] = b"NEW"
    m.flush()
PY
	[ "$(cat "$T/m/n")" = NEW ]
	vo_umount "$T/m"
	[ "$(cat "$T/u/n")" = NEW ]
}

@test "with -o passthrough as root the daemon gets no READ or WRITE" {
	is_root || skip "passthrough needs CAP_SYS_ADMIN (real root); the user run checks the fallback"
	vo_debug_mount -o passthrough
	cat "$T/m/blob" >/dev/null
	echo x >>"$T/m/d/a"
	printf y >"$T/m/new"
	cat "$T/m/d/a" "$T/m/new" >/dev/null
	vo_debug_stop
	grep -q 'opcode: OPEN' "$T/log"
	grep -q 'opcode: CREATE' "$T/log"
	no_match -Eq 'opcode: (READ|WRITE) ' "$T/log"
	no_match -q 'passthrough:' "$T/log"
	[ "$(cat "$T/u/d/a")" = "$(printf 'l1a\nx')" ]
}

@test "without -o passthrough the same reads and writes reach the daemon" {
	VUOVL_OPTIONS= vo_debug_mount	# (not the matrix's passthrough run)
	cat "$T/m/blob" >/dev/null
	echo x >>"$T/m/d/a"
	vo_debug_stop
	grep -q 'opcode: READ ' "$T/log"
	grep -q 'opcode: WRITE ' "$T/log"
}

@test "a lower file held open under passthrough is copied up only once it is closed" {
	is_root || skip "passthrough needs CAP_SYS_ADMIN (real root)"
	vo_mount_stack -o passthrough
	exec 7<"$T/m/d/b"
	run sh -c "echo x >>'$T/m/d/b'"
	[ "$status" != 0 ]
	[[ "$output" == *"Text file busy"* ]]
	[ "$(cat "$T/m/d/b")" = l2b ]
	[ ! -e "$T/u/d/b" ]
	exec 7<&-
	echo x >>"$T/m/d/b"
	[ "$(cat "$T/m/d/b")" = "$(printf 'l2b\nx')" ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
}

@test "an upper file can be opened for reading and writing at once under passthrough" {
	vo_mount_stack -o passthrough
	echo one >"$T/m/f"
	exec 7<"$T/m/f"
	echo two >>"$T/m/f"
	read -r first <&7
	exec 7<&-
	[ "$first" = one ]
	[ "$(cat "$T/m/f")" = "$(printf 'one\ntwo')" ]
}

@test "without CAP_SYS_ADMIN -o passthrough says so once and serves I/O itself" {
	is_root && skip "root may pass through (tested above)"
	vo_debug_mount -o passthrough
	cat "$T/m/blob" "$T/m/d/a" >/dev/null
	echo x >>"$T/m/d/a"
	vo_debug_stop
	[ "$(grep -c 'passthrough: needs CAP_SYS_ADMIN' "$T/log")" = 1 ]
	grep -q 'opcode: READ ' "$T/log"
	[ "$(cat "$T/u/d/a")" = "$(printf 'l1a\nx')" ]
}

@test "-o passthrough with -o writeback keeps the writeback cache and says so" {
	vo_debug_mount -o passthrough,writeback
	echo x >>"$T/m/d/a"
	vo_debug_stop
	grep -q 'passthrough: not with writeback' "$T/log"
	[ "$(cat "$T/u/d/a")" = "$(printf 'l1a\nx')" ]
}
