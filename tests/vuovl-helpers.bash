# vuovl suites' own helpers (sourced after tests/helpers.bash).
VUOVL_BIN="$VU_BUILDDIR/vuovl/vuovl"

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

# The daemon exits shortly after the unmount: allow it 5 s.
no_daemon_for() {
	local i
	for i in $(seq 50); do
		pgrep -f "vuovl.*$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}
