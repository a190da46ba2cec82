# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl suites' own helpers (sourced after tests/helpers.bash).
VUOVL_BIN="$VU_BUILDDIR/bin/vuovl"

# The setup of a vuovl suite: scratch dir, /dev/fuse, the two-layer
# stack of vo_stack (not mounted: vo_mount_stack does that).
vo_setup() {
	vu_setup
	need_fuse
	vo_stack
}

# vo_mount MNT ARGS...: mounts a view (vuovl returns once it is there)
# and registers it for vu_teardown.
vo_mount() {
	local m=$1
	shift
	"$VUOVL_BIN" "$@" "$m" || return
	VU_MOUNTS+=("$m")
}

# vo_mount_fg MNT ARGS...: a foreground daemon, a job of this shell (so
# a bare `wait` waits for it too); sets $VO_PID once MNT is mounted (5 s
# at most) and registers both for vu_teardown.
vo_mount_fg() {
	local m=$1 i
	shift
	"$VUOVL_BIN" -f "$@" "$m" &
	VO_PID=$!
	VU_PIDS+=("$VO_PID")
	VU_MOUNTS+=("$m")
	for i in $(seq 100); do is_mounted "$m" && return 0; sleep 0.05; done
	return 1
}

# Unmounts, then waits for the daemon to end: it writes its sidecar as
# it ends, and a mount that follows must read what it wrote.
vo_umount() {
	fusermount3 -u "$1" 2>/dev/null || umount "$1" || return
	no_daemon_for "$1"
}

# A small two-layer stack under $T: l1 over l2, empty upper u, mount m.
vo_stack() {
	mkdir -p "$T/l1/d" "$T/l2/d/sub" "$T/l2/tree/a/b" "$T/u" "$T/m"
	echo l1a >"$T/l1/d/a"
	echo l2a >"$T/l2/d/a"
	echo l2b >"$T/l2/d/b"
	echo top >"$T/l1/t"
	echo deep >"$T/l2/tree/a/b/f"
	echo l2sub >"$T/l2/d/sub/s"
	ln -s ../t "$T/l1/d/link"
	mkfifo "$T/l2/fifo"
}

vo_mount_stack() {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" "$@"
}

is_mounted() {
	awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# bats ignores `! cmd`; a function's status counts.
not_mounted() {
	! is_mounted "$1"
}

# The daemon exits once its last sync is done, which a disk busy with
# other writers can stretch past 10 s (syncfs waits for theirs too):
# allow it 30 s, the time a new mount waits for its lock (lock.h).
no_daemon_for() {
	local i
	for i in $(seq 300); do
		pgrep -f "vuovl.*$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# Skips unless this user can be root of a namespace with ids 0-65535
# (real root can anyway), as vo_fakeroot needs.
need_fakeroot() {
	is_root && return 0
	need_userns
	grep -q "^$(id -un):" /etc/subuid ||
		skip "no subordinate id range for $(id -un) in /etc/subuid"
	unshare -r --map-auto true 2>/dev/null ||
		skip "unshare --map-auto (newuidmap) does not work here"
}

# vo_fakeroot SCRIPT: runs bash SCRIPT as root of a user and mount
# namespace with ids 0-65535 mapped (as real root: directly), where any
# owner can be set. In SCRIPT, `mnt` mounts the vo_stack view on $T/m,
# `umnt` unmounts it and waits for its daemon; an exit unmounts it and
# gives every file under $T back to the user (so teardown can remove
# what SCRIPT chowned).
vo_fakeroot() {
	local pre
	pre="set -e; V='$VUOVL_BIN'; T='$T'
mnt() { \"\$V\" -o \"lowerdir=\$T/l1:\$T/l2,upperdir=\$T/u\" \"\$@\" \"\$T/m\"; }
umnt() {
	fusermount3 -u \"\$T/m\"
	for i in \$(seq 300); do pgrep -f \"vuovl.*\$T/m\" >/dev/null || return 0; sleep 0.1; done
	return 1
}
trap 'fusermount3 -u -z \"\$T/m\" 2>/dev/null || true; chown -R 0:0 \"\$T\" 2>/dev/null || true' EXIT
"
	if is_root; then
		bash -c "$pre$1"
	else
		unshare -r --map-auto -m bash -c "$pre$1"
	fi
}
