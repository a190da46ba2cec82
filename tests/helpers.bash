# SPDX-License-Identifier: GPL-2.0-or-later
# Shared setup for every bats suite. Suites run from `make check` (which
# exports VU_BUILDDIR/VU_SRCDIR) or by hand from the source tree.
: "${VU_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${VU_BUILDDIR:=$VU_SRCDIR}"
export PATH="$VU_BUILDDIR/bin:$PATH"
VUTAR="$VU_BUILDDIR/bin/vutar"
VUOVL="$VU_BUILDDIR/bin/vuovl"
VUCHROOT="$VU_BUILDDIR/bin/vuchroot"
VUMETA="$VU_BUILDDIR/bin/vuovl-meta"

# A private scratch dir per test, removed by vu_teardown.
vu_setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/vu.XXXXXX")
	VU_MOUNTS=()
	VU_PIDS=()
}

# Unmounts what the test mounted and ends what it started, even on failure.
vu_teardown() {
	local m p i
	for ((i = ${#VU_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${VU_MOUNTS[i]}
		fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	for p in "${VU_PIDS[@]}"; do
		daemon_ends "$p"
		kill -9 "$p" 2>/dev/null || true
	done
	[ -n "${T:-}" ] && { chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"; }
	return 0
}

# daemon_ends PID: a vuovl unmounted ends by itself once it has written
# its sidecar: it is given 10 s for that before the SIGKILL that follows
# (at once for any other process, or a stopped or ended one).
daemon_ends() {
	local i st
	for i in $(seq 200); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = vuovl ] || return 0
		st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		[[ "$st" == [RSD] ]] || return 0
		sleep 0.05
	done
}

# Every suite's teardown unless it needs more (then it calls vu_teardown).
teardown() { vu_teardown; }

is_root() { [ "$(id -u)" = 0 ]; }

# Skips (saying which limit) when user namespaces are not available.
need_userns() {
	unshare -Ur true 2>/dev/null || skip "user namespaces are not available here"
}

# Skips when /dev/fuse cannot be opened by this user.
need_fuse() {
	[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable by $(id -un)"
}

# Numeric-owner listing of an archive: "mode uid/gid size path [-> target]".
tar_listing() {
	tar -tvf "$1" --numeric-owner | awk '{ $4 = ""; $5 = ""; print }'
}
