#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: mounting, unmounting, and refusing bad input.
load helpers
load vuovl-helpers

setup() { vo_setup; }

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

@test "neither lowerdir nor upperdir is a usage error" {
	# (a rule in VUOVL_OPTIONS would make a view of its own)
	VU_MOUNTS+=("$T/m")	# (should it mount after all)
	run env -u VUOVL_OPTIONS "$VUOVL_BIN" -o "ro" "$T/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lowerdir"* ]]
	not_mounted "$T/m"
}

@test "an upper layer inside a lower one is hidden from the view; the same directory is refused" {
	mkdir "$T/l1/up"
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/l1/up"
	[[ "$(ls "$T/m")" != *up* ]]
	[ -d "$T/m/d" ]
	echo x >"$T/m/new"
	[ "$(cat "$T/l1/up/new")" = x ]
	[ ! -e "$T/m/up" ]
	vo_umount "$T/m"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,upperdir=$T/l1" "$T/m"
	[ "$status" -eq 2 ]
	[[ "$output" == *"lowerdir $T/l1 is the upperdir itself"* ]]
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

@test "an upper layer alone is a writable view with virtual ownership" {
	echo old >"$T/u/f"
	vo_mount "$T/m" -o "upperdir=$T/u"
	[ "$(cat "$T/m/f")" = old ]
	chmod 4711 "$T/m/f"
	rm "$T/m/f"
	[ ! -e "$T/u/f" ] && [ ! -e "$T/u/.wh.f" ]
	echo new >"$T/m/g"
	[ "$(cat "$T/u/g")" = new ]
}

@test "the daemon keeps working after pivot_root into its own view" {
	need_userns
	# bash builtins only after the pivot: no binaries in the new root
	run unshare -Ur -m --propagation private bash -c "
		'$VUOVL_BIN' -o 'lowerdir=$T/l1:$T/l2,upperdir=$T/u' '$T/m' || exit 9
		mkdir -p '$T/m/old' && cd '$T/m' && pivot_root . old || exit 8
		cd /
		read -r a </d/a && echo \"\$a\"
		echo written >/newfile || exit 7
		echo more >>/d/b || exit 6
		read -r b </newfile && echo \"\$b\"
		echo /d/*"
	# the view lives on in the namespace only its daemon holds: stop it
	VU_PIDS+=($(pgrep -f "vuovl.*$T/m"))
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = l1a ]
	[ "${lines[1]}" = written ]
	[ "${lines[2]}" = "/d/a /d/b /d/link /d/sub" ]
	[ "$(cat "$T/u/newfile")" = written ]
	[ "$(tail -1 "$T/u/d/b")" = more ]
}

@test "a corrupt upper sidecar is refused with one line and nothing mounted" {
	mkdir -p "$T/u/.vuovl"
	head -c 8192 /dev/urandom >"$T/u/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" "$T/m"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "vuovl: sidecar of $T/u: "* ]]
	not_mounted "$T/m"
}

@test "a corrupt lower sidecar is refused too" {
	mkdir -p "$T/l2/.vuovl"
	echo "not a database" >"$T/l2/.vuovl/meta.db"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2" "$T/m"
	[ "$status" -eq 3 ]
	[[ "$output" == "vuovl: sidecar of $T/l2: "* ]]
	not_mounted "$T/m"
}

@test "without /dev/fuse the mount fails with a clear message" {
	need_userns
	# a private /dev without fuse, in a namespace of our own
	run unshare -Ur -m sh -c "mount -t tmpfs none /dev &&
		'$VUOVL_BIN' -o 'lowerdir=$T/l1' '$T/m'; echo status=\$?"
	[[ "$output" == *"vuovl: cannot mount $T/m"* ]]
	[[ "$output" == *"status=4"* ]]
	not_mounted "$T/m"
}

@test "the sidecar is flushed at unmount" {
	vo_mount_stack
	chmod 4711 "$T/m/d/b"
	vo_umount "$T/m"
	no_daemon_for "$T/m"
	run "$VU_BUILDDIR/bin/vuovl-meta" dump "$T/u"
	[ "$status" -eq 0 ]
	[[ "$output" == *"d/b"* ]]
}

@test "SIGTERM unmounts the view and flushes the sidecar" {
	vo_mount_fg "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u"
	pid=$VO_PID
	chmod 2700 "$T/m/d"
	kill -TERM "$pid"
	wait "$pid"
	not_mounted "$T/m"
	run "$VU_BUILDDIR/bin/vuovl-meta" dump "$T/u"
	[[ "$output" == *"d"* ]]
	vo_mount_stack
	[ "$(stat -c %a "$T/m/d")" = 2700 ]
}

@test "SIGTERM under the writeback cache keeps what a program wrote and has not closed" {
	for opt in writeback nowriteback; do
		vo_mount_fg "$T/m" -s -o "$opt,lowerdir=$T/l1:$T/l2,upperdir=$T/u"
		pid=$VO_PID
		exec 7>"$T/m/open-$opt"
		printf 'written, not closed' >&7
		kill -TERM "$pid"
		wait "$pid"
		exec 7>&-
		not_mounted "$T/m"
		[ "$(cat "$T/u/open-$opt")" = "written, not closed" ]
	done
}

@test "a mount point the user neither owns nor may write is named as the reason" {
	is_root && skip "root may mount anywhere (the user's run checks this)"
	run "$VUOVL_BIN" -o "lowerdir=$T/l1" /usr
	[ "$status" = 4 ]
	[[ "$output" == *"vuovl: cannot mount /usr: it is not yours and you cannot write to it (fusermount3 wants one of the two)"* ]]
	not_mounted /usr
}

@test "lowerdir=/ : the host's own root, its mount point and upper hidden, changes only in the upper" {
	mkdir -p "$T/root-u" "$T/root-m"
	vo_mount "$T/root-m" -o "lowerdir=/,upperdir=$T/root-u"
	[ -d "$T/root-m/usr/bin" ]
	# the view does not show itself, nor its upper: no walk into its own mount
	run timeout 30 ls -A "$T/root-m$T"
	[ "$status" = 0 ]
	[[ "$output" != *root-m* ]]
	[[ "$output" != *root-u* ]]
	run timeout 30 stat "$T/root-m$T/root-m"
	[ "$status" != 0 ]
	# a change lands in the upper only
	echo changed >"$T/root-m$T/new"
	[ "$(cat "$T/root-u$T/new")" = changed ]
	[ ! -e "$T/new" ]
	# and the view unmounts at once (no descriptor into itself)
	run timeout 20 fusermount3 -u "$T/root-m"
	[ "$status" = 0 ]
	no_daemon_for "$T/root-m"
}
