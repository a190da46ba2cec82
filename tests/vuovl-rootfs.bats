#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: a busybox root file system whose ownership and device nodes are
# virtual (a sidecar, as vutar -x makes it), seen through a view.
load helpers
load vuovl-helpers

MKLAYER="$VU_BUILDDIR/tests/vuovl-mklayer"

setup() {
	vu_setup
	need_fuse
	need_userns
	command -v busybox >/dev/null || skip "no busybox on this host"
	file -L "$(command -v busybox)" | grep -q 'statically linked' || skip "busybox is not static"
	R=$T/rootfs
	mkdir -p "$R/bin" "$R/dev" "$R/etc" "$R/root" "$R/tmp" "$T/u" "$T/m"
	cp "$(command -v busybox)" "$R/bin/busybox"
	for a in sh ls cat id stat; do ln -s busybox "$R/bin/$a"; done
	: >"$R/dev/null"
	: >"$R/dev/console"
	: >"$R/dev/sda"
	echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
	echo "root:x:0:" >"$R/etc/group"
	echo "root:*:19000:0:99999:7:::" >"$R/etc/shadow"
	"$MKLAYER" "$R" <<-ROWS
		bin d 0755 0 0
		bin/busybox f 4755 0 0
		dev d 0755 0 0
		dev/null c 0666 0 0 1 3
		dev/console c 0600 0 5 5 1
		dev/sda b 0660 0 6 8 0
		etc d 0755 0 0
		etc/passwd f 0644 0 0
		etc/shadow f 0640 0 42
		root d 0700 0 0
		tmp d 1777 0 0
	ROWS
}

# The widest user namespace this user can make (as vuchroot picks it):
# none for real root (host ids are the ids), the subuid range otherwise,
# else root alone — where group ids 5, 6 and 42 have no mapping and
# show as the overflow id.
userns_args() {
	if is_root; then
		echo
	elif unshare --map-auto --map-root-user true 2>/dev/null; then
		echo --map-auto --map-root-user
	else
		echo -Ur
	fi
}

gid_seen() {
	case "$(userns_args)" in
	-Ur) echo 65534 ;;
	*) echo "$1" ;;
	esac
}

# True when a line of $output matches the extended regex.
has() {
	grep -Eq "$1" <<<"$output"
}

# Mounts the view inside a user namespace (as vuchroot does) and runs
# the busybox in it.
in_view() {
	local r=0
	unshare $(userns_args) -m sh -c "
		'$VUOVL_BIN' -o 'lowerdir=$R,upperdir=$T/u' '$T/m' || exit 9
		$1
		umount '$T/m'" || r=$?
	no_daemon_for "$T/m"	# it writes the sidecar as it ends
	return $r
}

@test "ls -l inside unshare -Ur shows root ownership and device nodes" {
	run in_view "ls -ln '$T/m/dev' '$T/m/bin/busybox' '$T/m/etc/shadow'; stat -c '%a %n' '$T/m/tmp' '$T/m/root'"
	[ "$status" -eq 0 ]
	has "^crw-rw-rw- +1 +0 +0 +1, +3 .* null$"
	has "^crw------- +1 +0 +$(gid_seen 5) +5, +1 .* console$"
	has "^brw-rw---- +1 +0 +$(gid_seen 6) +8, +0 .* sda$"
	has "^-rwsr-xr-x +1 +0 +0 .*/bin/busybox$"
	has "^-rw-r----- +1 +0 +$(gid_seen 42) .*/etc/shadow$"
	[[ "$output" == *"1777 $T/m/tmp"* ]]
	[[ "$output" == *"700 $T/m/root"* ]]
	# the host files stay plain and the user's
	[ -f "$R/dev/null" ] && [ ! -c "$R/dev/null" ]
	[ "$(stat -c %u "$R/bin/busybox")" = "$(id -u)" ]
}

@test "the busybox of the view runs chrooted and sees its own root" {
	run in_view "chroot '$T/m' /bin/busybox sh -c 'id -u; ls -ln /dev/null; echo made >/tmp/new; stat -c %u:%g /tmp/new'"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	has "^crw-rw-rw- +1 +0 +0 +1, +3 .*/dev/null$"
	[ "${lines[2]}" = 0:0 ]
	[ "$(cat "$T/u/tmp/new")" = made ]
}

@test "changes in the view keep the lower layer's virtual metadata" {
	run in_view "echo x >>'$T/m/etc/shadow'; chmod 0600 '$T/m/dev/console'; ls -ln '$T/m/etc/shadow' '$T/m/dev/console'"
	[ "$status" -eq 0 ]
	has "^-rw-r----- +1 +0 +$(gid_seen 42) .*/etc/shadow$"
	has "^crw------- +1 +0 +$(gid_seen 5) +5, +1 .*/dev/console$"
	[ "$(tail -1 "$T/u/etc/shadow")" = x ]
}
