#!/usr/bin/env bats
# vuovl: mounting, unmounting, and refusing bad input.
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	vo_stack
}

teardown() { vu_teardown; }

@test "a read-only view shows the lower layers merged, topmost first" {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2"
	[ "$(cat "$T/m/d/a")" = l1a ]
	[ "$(cat "$T/m/d/b")" = l2b ]
	[ "$(cat "$T/m/d/link")" = top ]
	[ -p "$T/m/fifo" ]
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "a b link sub " ]
}

@test "vuovl returns only once the view is mounted" {
	vo_mount_stack
	is_mounted "$T/m"
	[ -e "$T/m/t" ]
}

@test "a read-only view refuses writes" {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2"
	run sh -c "echo x >'$T/m/new'"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run rm "$T/m/t"
	[ "$status" -ne 0 ]
	[ -e "$T/l1/t" ]
}

@test "the ro option refuses writes even with an upper layer" {
	vo_mount_stack -o ro
	run touch "$T/m/new"
	[ "$status" -ne 0 ]
	[ ! -e "$T/u/new" ]
}

@test "the mount point may be the lower directory itself" {
	vo_mount "$T/l1" -o "lowerdir=$T/l1,upperdir=$T/u"
	[ "$(cat "$T/l1/t")" = top ]
	echo changed >"$T/l1/t"
	vo_umount "$T/l1"
	[ "$(cat "$T/l1/t")" = top ]
	[ "$(cat "$T/u/t")" = changed ]
}

@test "fusermount3 -u unmounts cleanly and the daemon goes away" {
	vo_mount_stack
	echo data >"$T/m/new"
	vo_umount "$T/m"
	not_mounted "$T/m"
	[ "$(cat "$T/u/new")" = data ]
	no_daemon_for "$T/m"
}

@test "a missing lower directory is refused with one line and nothing mounted" {
	run "$VUOVL_BIN" -o "lowerdir=$T/nope,upperdir=$T/u" "$T/m"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "vuovl: lowerdir $T/nope: No such file or directory" ]]
	not_mounted "$T/m"
}

@test "no lowerdir at all is a usage error" {
	run "$VUOVL_BIN" -o "upperdir=$T/u" "$T/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lowerdir"* ]]
	not_mounted "$T/m"
}

@test "an upper layer inside a lower one is refused" {
	mkdir "$T/l1/up"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/l1/up" "$T/m"
	[ "$status" -eq 2 ]
	[[ "$output" == *"lies inside"* ]]
	not_mounted "$T/m"
}

@test "a lower layer inside the upper one is refused" {
	mkdir "$T/u/low"
	run "$VUOVL_BIN" -o "lowerdir=$T/u/low,upperdir=$T/u" "$T/m"
	[ "$status" -eq 2 ]
	[[ "$output" == *"lies inside"* ]]
}

@test "a missing mount point is refused and leaves no daemon" {
	run "$VUOVL_BIN" -o "lowerdir=$T/l1" "$T/nowhere"
	[ "$status" -ne 0 ]
	no_daemon_for "$T/nowhere"
}

@test "no mount point given is a usage error" {
	run "$VUOVL_BIN" -o "lowerdir=$T/l1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no mount point"* ]]
}

@test "help and version are printed on request" {
	run "$VUOVL_BIN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"lowerdir="* ]]
	run "$VUOVL_BIN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == vuovl\ * ]]
}

@test "an unprivileged user mounts inside unshare -Ur -m" {
	need_userns
	run unshare -Ur -m sh -c "'$VUOVL_BIN' -o 'lowerdir=$T/l1:$T/l2,upperdir=$T/u' '$T/m' && cat '$T/m/d/a' && echo w >'$T/m/w' && umount '$T/m'"
	[ "$status" -eq 0 ]
	[ "$output" = l1a ]
	[ "$(cat "$T/u/w")" = w ]
}
