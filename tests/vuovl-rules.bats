#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl view rules: bind, merge, hide, ro, their modes and except paths,
# how they compose, and the view file. Real mounts, as root and as an
# unprivileged user.

load helpers
load vuovl-helpers

setup() {
	vo_setup
	mkdir -p "$T/l1/etc" "$T/l1/opt/keep" "$T/h/sub" "$T/hf" "$T/m2"
	echo stack-resolv >"$T/l1/etc/resolv.conf"
	echo stack-passwd >"$T/l1/etc/passwd"
	echo kept >"$T/l1/opt/keep/k"
	echo stack-opt >"$T/l1/opt/o"
	echo host-resolv >"$T/hf/resolv.conf"
	echo hostfile >"$T/h/f"
	echo hostsub >"$T/h/sub/s"
}

# Unmounts $T/m for the next mount there, once its daemon has ended
# (it writes the sidecar as it ends).
vo_again() {
	vo_umount "$T/m"
	VU_MOUNTS=()
	no_daemon_for "$T/m"
}

# errno name of rename(2) A B, as perl reports it ("" when it worked)
rename_err() {
	perl -e 'rename($ARGV[0], $ARGV[1]) or print "$!"' "$1" "$2"
}

@test "a file bound over a file replaces it, and writes reach the host file" {
	vo_mount_stack -o "bind=/etc/resolv.conf:$T/hf/resolv.conf"
	[ "$(cat "$T/m/etc/resolv.conf")" = host-resolv ]
	[ "$(cat "$T/m/etc/passwd")" = stack-passwd ]
	echo nameserver 10.0.0.1 >>"$T/m/etc/resolv.conf"
	[ "$(tail -1 "$T/hf/resolv.conf")" = "nameserver 10.0.0.1" ]
	[ "$(cat "$T/l1/etc/resolv.conf")" = stack-resolv ]
	[ ! -e "$T/u/etc/resolv.conf" ]
	# listed once, as a regular file
	[ "$(ls "$T/m/etc" | grep -c '^resolv.conf$')" = 1 ]
	# its mode and times are the host file's own, changed in place
	chmod 0640 "$T/m/etc/resolv.conf"
	touch -d @1000000000 "$T/m/etc/resolv.conf"
	[ "$(stat -c %a:%Y "$T/hf/resolv.conf")" = 640:1000000000 ]
	[ "$(stat -c %a:%Y "$T/m/etc/resolv.conf")" = 640:1000000000 ]
	# it is a mount point of its own
	run rm "$T/m/etc/resolv.conf"
	[[ "$output" == *"busy"* ]]
	[ -e "$T/hf/resolv.conf" ]
}

@test "a bound directory shows at a path absent below, listed once with its type" {
	vo_mount_stack -o "bind=/data:$T/h"
	[ "$(cat "$T/m/data/f")" = hostfile ]
	[ "$(cat "$T/m/data/sub/s")" = hostsub ]
	[ "$(ls "$T/m" | grep -c '^data$')" = 1 ]
	[ "$(find "$T/m" -maxdepth 1 -name data -printf '%y')" = d ]
	# stat of the bind point is the target's
	[ "$(stat -c %Y "$T/m/data")" = "$(stat -c %Y "$T/h")" ]
	# writes go to the host directory
	echo new >"$T/m/data/new"
	mkdir "$T/m/data/newdir"
	[ "$(cat "$T/h/new")" = new ]
	[ -d "$T/h/newdir" ]
	rm "$T/m/data/f"
	[ ! -e "$T/h/f" ]
	[ ! -e "$T/u/data" ]
	# a bind over an existing directory replaces what the stack had there
	vo_again
	vo_mount_stack -o "bind=/d:$T/h"
	[ ! -e "$T/m/d/a" ]
	[ "$(cat "$T/m/d/sub/s")" = hostsub ]
}

@test "robind refuses writes; cowbind copies them up and leaves the host alone" {
	vo_mount_stack -o "robind=/ro:$T/h,cowbind=/cow:$T/h"
	run sh -c "echo x >'$T/m/ro/f'"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run mkdir "$T/m/ro/d"
	[[ "$output" == *"Read-only file system"* ]]
	echo changed >"$T/m/cow/f"
	echo made >"$T/m/cow/sub/made"
	rm "$T/m/cow/sub/s"
	[ "$(cat "$T/m/cow/f")" = changed ]
	[ ! -e "$T/m/cow/sub/s" ]
	[ "$(cat "$T/h/f")" = hostfile ]
	[ "$(cat "$T/h/sub/s")" = hostsub ]
	[ ! -e "$T/h/sub/made" ]
	[ "$(cat "$T/u/cow/f")" = changed ]
	[ "$(cat "$T/u/cow/sub/made")" = made ]
	# the copies outlive a remount
	vo_again
	vo_mount_stack -o "cowbind=/cow:$T/h"
	[ "$(cat "$T/m/cow/f")" = changed ]
	[ ! -e "$T/m/cow/sub/s" ]
}

@test "mincow writes in place where the host allows it and copies up where it refuses" {
	echo ro-host >"$T/h/locked"
	chmod 0444 "$T/h/locked"
	vo_mount_stack -o "mincowbind=/mc:$T/h"
	echo in-place >>"$T/m/mc/f"
	[ "$(tail -1 "$T/h/f")" = in-place ]
	[ ! -e "$T/u/mc/f" ]
	vo_again
	mkdir "$T/mg"
	echo merged >"$T/mg/m"
	vo_mount_stack -o "mincowmerge=/opt:$T/mg,mincowbind=/mc:$T/h"
	echo in-place >>"$T/m/opt/m"
	[ "$(tail -1 "$T/mg/m")" = in-place ]
	[ "$(cat "$T/m/opt/o")" = stack-opt ]
	if [ "$(id -u)" = 0 ]; then
		return 0	# root: the host refuses nothing (the other half runs as a user)
	fi
	# the host refuses (EACCES): the change lands in the upper instead
	chmod u+w "$T/m/mc/locked" 2>/dev/null || true
	echo copied >>"$T/m/mc/locked"
	[ "$(cat "$T/h/locked")" = ro-host ]
	[ "$(tail -1 "$T/u/mc/locked")" = copied ]
}

@test "merge adds a read-only layer under a subtree, and a tree where there was none" {
	mkdir -p "$T/extra/opt/more" "$T/extra2"
	echo merged >"$T/extra/opt/o"
	echo merged-new >"$T/extra/new"
	echo more >"$T/extra/opt/more/x"
	echo only >"$T/extra2/only"
	vo_mount_stack -o "merge=/opt:$T/extra/opt,merge=/newtree:$T/extra2"
	# the stack's file wins over the merged one; the merged ones add
	[ "$(cat "$T/m/opt/o")" = stack-opt ]
	[ "$(cat "$T/m/opt/more/x")" = more ]
	[ "$(cat "$T/m/opt/keep/k")" = kept ]
	[ "$(ls "$T/m/opt" | sort | tr '\n' ' ')" = "keep more o " ]
	# a merged tree at a path absent below is listed in its parent
	[ "$(ls "$T/m" | grep -c '^newtree$')" = 1 ]
	[ "$(cat "$T/m/newtree/only")" = only ]
	# writes copy up into the view's upper, never into the merged tree
	echo w >>"$T/m/opt/more/x"
	[ "$(cat "$T/extra/opt/more/x")" = more ]
	[ "$(tail -1 "$T/u/opt/more/x")" = w ]
	rm "$T/m/newtree/only"
	[ -e "$T/extra2/only" ]
	[ ! -e "$T/m/newtree/only" ]
}

@test "hide makes a path absent: ENOENT, not listed, and it cannot be made again" {
	vo_mount_stack -o "hide=/etc/passwd,hide=/newthing"
	run cat "$T/m/etc/passwd"
	[[ "$output" == *"No such file or directory"* ]]
	! ls "$T/m/etc" | grep -q '^passwd$'
	run sh -c "echo x >'$T/m/etc/passwd'"
	[ "$status" -ne 0 ]
	run mkdir "$T/m/newthing"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	echo x >"$T/m/etc/tmp"
	[ "$(rename_err "$T/m/etc/tmp" "$T/m/etc/passwd")" = "Permission denied" ]
	[ -e "$T/m/etc/tmp" ]
	[ "$(cat "$T/l1/etc/passwd")" = stack-passwd ]
}

@test "ro protects a subtree: EROFS beneath, writes elsewhere go on" {
	vo_mount_stack -o "ro=/etc"
	[ "$(cat "$T/m/etc/passwd")" = stack-passwd ]
	for op in "echo x >>'$T/m/etc/passwd'" "touch '$T/m/etc/new'" "rm '$T/m/etc/passwd'" \
		"chmod 600 '$T/m/etc/passwd'" "mkdir '$T/m/etc/d'" "mv '$T/m/etc/passwd' '$T/m/etc/p2'"; do
		run sh -c "$op"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Read-only file system"* ]]
	done
	echo fine >"$T/m/t"
	[ "$(cat "$T/u/t")" = fine ]
	# the protected path itself cannot be moved away from its rule
	[ "$(rename_err "$T/m/etc" "$T/m/etc2")" = "Device or resource busy" ]
}

@test "except paths keep showing what lies below the rule" {
	mkdir -p "$T/optb/keep"
	echo bound >"$T/optb/b"
	echo hidden-by-except >"$T/optb/keep/k"
	vo_mount_stack -o "bind=/opt:$T/optb:except=keep"
	[ "$(cat "$T/m/opt/b")" = bound ]
	[ ! -e "$T/m/opt/o" ]
	[ "$(cat "$T/m/opt/keep/k")" = kept ]
	[ "$(ls "$T/m/opt" | sort | tr '\n' ' ')" = "b keep " ]
	# the except path is the stack's: writes follow the stack's rules
	echo more >>"$T/m/opt/keep/k"
	[ "$(cat "$T/optb/keep/k")" = hidden-by-except ]
	[ "$(tail -1 "$T/u/opt/keep/k")" = more ]
}

@test "an except file shows the stack's file, takes writes there, and is not removed from the bound tree" {
	mkdir -p "$T/optb" "$T/l1/opt"
	echo stack-f >"$T/l1/opt/f"
	echo bound-f >"$T/optb/f"
	echo bound-g >"$T/optb/g"
	vo_mount_stack -o "bind=/opt:$T/optb:except=f:except=new"
	[ "$(cat "$T/m/opt/f")" = stack-f ]
	[ "$(stat -c %s "$T/m/opt/f")" = 8 ]
	echo more >>"$T/m/opt/f"
	[ "$(tail -1 "$T/u/opt/f")" = more ]
	[ "$(cat "$T/optb/f")" = bound-f ]
	# its place is fixed, like a rule point's: never the bound tree's name
	run rm "$T/m/opt/f"
	[ "$status" != 0 ]
	[[ "$output" == *"busy"* ]]
	run mv "$T/m/opt/f" "$T/m/opt/h"
	[ "$status" != 0 ]
	run touch "$T/m/opt/new"
	[ "$status" != 0 ]
	[ "$(cat "$T/optb/f")" = bound-f ]
	[ ! -e "$T/optb/new" ]
	vo_umount "$T/m"
	vo_mount_stack -o "bind=/opt:$T/optb:except=f"
	[ "$(tail -1 "$T/m/opt/f")" = more ]
	[ "$(cat "$T/m/opt/g")" = bound-g ]
}

@test "ro given after a bind beneath it makes the bound tree read-only; given before, it does not" {
	mkdir -p "$T/h"
	vo_mount_stack -o "bind=/srv/tree:$T/h,ro=/srv"
	run sh -c "echo x > '$T/m/srv/tree/x'"
	[ "$status" != 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$T/h/x" ]
	vo_umount "$T/m"
	vo_mount_stack -o "ro=/srv,bind=/srv/tree:$T/h"
	echo y >"$T/m/srv/tree/y"
	[ "$(cat "$T/h/y")" = y ]
	run touch "$T/m/srv/z"
	[ "$status" != 0 ]
}

@test "rules compose: a bind inside a bound tree, a hide inside a merge, the same tree twice" {
	mkdir -p "$T/inner" "$T/mg"
	echo inner >"$T/inner/i"
	echo a >"$T/mg/a"
	echo secret >"$T/mg/secret"
	vo_mount_stack -o "bind=/data:$T/h,bind=/data/sub/in:$T/inner,merge=/opt:$T/mg,hide=/opt/secret,robind=/twice:$T/h,robind=/twice2:$T/h"
	[ "$(cat "$T/m/data/sub/in/i")" = inner ]
	[ "$(cat "$T/m/data/sub/s")" = hostsub ]
	[ "$(cat "$T/m/opt/a")" = a ]
	[ ! -e "$T/m/opt/secret" ]
	! ls "$T/m/opt" | grep -q secret
	[ "$(cat "$T/m/twice/f")" = hostfile ]
	[ "$(cat "$T/m/twice2/f")" = hostfile ]
	# later over earlier at the same path
	vo_again
	vo_mount_stack -o "hide=/d,bind=/d:$T/h,bind=/e:$T/h,hide=/e"
	[ "$(cat "$T/m/d/f")" = hostfile ]
	[ ! -e "$T/m/e" ]
}

@test "inode numbers are unique across every source of the view" {
	mkdir -p "$T/mg"
	echo a >"$T/mg/a"
	vo_mount_stack -o "robind=/b1:$T/h,robind=/b2:$T/h,merge=/opt:$T/mg,bind=/hf:$T/hf/resolv.conf"
	[ "$(stat -c %i "$T/m/b1/f")" != "$(stat -c %i "$T/m/b2/f")" ]
	run sh -c "find '$T/m' -printf '%i\n' | sort | uniq -d"
	[ "$status" = 0 ]
	[ -z "$output" ]
	# and stable: the same numbers after a remount
	before=$(find "$T/m" -printf '%p %i\n' | sort)
	vo_again
	vo_mount_stack -o "robind=/b1:$T/h,robind=/b2:$T/h,merge=/opt:$T/mg,bind=/hf:$T/hf/resolv.conf"
	[ "$(find "$T/m" -printf '%p %i\n' | sort)" = "$before" ]
}

@test "rename and link across a rule boundary give EXDEV; a bind point cannot go" {
	vo_mount_stack -o "bind=/data:$T/h"
	[ "$(rename_err "$T/m/data/f" "$T/m/f")" = "Invalid cross-device link" ]
	[ "$(rename_err "$T/m/t" "$T/m/data/t")" = "Invalid cross-device link" ]
	run ln "$T/m/data/f" "$T/m/hl"
	[[ "$output" == *"Invalid cross-device link"* ]]
	# inside one scope both work
	mv "$T/m/data/f" "$T/m/data/g"
	[ -e "$T/h/g" ]
	ln "$T/m/data/g" "$T/m/data/g2"
	[ "$(stat -c %i "$T/m/data/g")" = "$(stat -c %i "$T/m/data/g2")" ]
	# the bind point is a mount point
	run rmdir "$T/m/data"
	[[ "$output" == *"busy"* ]]
	[ "$(rename_err "$T/m/data" "$T/m/data2")" = "Device or resource busy" ]
	# mv falls back to copy + remove, as across mounts
	mv "$T/m/data/g2" "$T/m/moved"
	[ "$(cat "$T/m/moved")" = hostfile ]
	[ ! -e "$T/h/g2" ]
}

@test ".. at the top of a bound tree is the view's parent, never the host's" {
	mkdir -p "$T/deep/x/y"
	vo_mount_stack -o "bind=/d/bound:$T/deep/x"
	[ "$(cd "$T/m/d/bound/.." && ls | sort | tr '\n' ' ')" = "a b bound link sub " ]
	[ "$(stat -c %i "$T/m/d/bound/..")" = "$(stat -c %i "$T/m/d")" ]
	[ "$(cd "$T/m/d/bound/y/../.." && pwd -P)" = "$T/m/d" ]
}

@test "a bound tree with its own sidecar shows its virtual owners" {
	mkdir -p "$T/tree"
	printf 'x\n' >"$T/tree/f"
	(cd "$T/tree" && tar -cf "$T/t.tar" --owner=123 --group=45 --numeric-owner f)
	mkdir "$T/vt"
	"$VUTAR" -xf "$T/t.tar" -C "$T/vt"
	vo_mount_stack -o "robind=/v:$T/vt,merge=/mv:$T/vt"
	[ "$(stat -c %u:%g "$T/m/v/f")" = 123:45 ]
	[ "$(stat -c %u:%g "$T/m/mv/f")" = 123:45 ]
	[ "$(stat -c %u "$T/vt/f")" = "$(id -u)" ]
	! ls -a "$T/m/v" | grep -q '^.vuovl$'
	# chown in a plain bind keeps the owner in that directory's sidecar
	# (a user chowns as root of a user namespace that mounts the view)
	vo_again
	if [ "$(id -u)" = 0 ]; then
		vo_mount_stack -o "bind=/w:$T/vt"
		chown 0:7 "$T/m/w/f"
		[ "$(stat -c %u:%g "$T/m/w/f")" = 0:7 ]
		vo_again
	else
		need_userns
		unshare -Ur -m sh -euc '"$1" -o "lowerdir=$2/l1,bind=/w:$2/vt" "$2/m"
			chown 0:0 "$2/m/w/f"; stat -c %u:%g "$2/m/w/f" >"$2/inside"
			fusermount3 -u "$2/m"' sh "$VUOVL_BIN" "$T"
		no_daemon_for "$T/m"
		[ "$(cat "$T/inside")" = 0:0 ]
	fi
	[ "$(stat -c %u "$T/vt/f")" = "$(id -u)" ]
	vo_mount_stack -o "robind=/w:$T/vt"
	[ "$(stat -c %u "$T/m/w/f")" = 0 ]
}

@test "a view of rules only, over an empty root, with nested virtual directories" {
	vo_mount "$T/m" -o "robind=/mnt/a/b:$T/h,bind=/r:$T/hf/resolv.conf"
	[ "$(ls "$T/m" | sort | tr '\n' ' ')" = "mnt r " ]
	[ "$(ls "$T/m/mnt")" = a ]
	[ "$(cat "$T/m/mnt/a/b/f")" = hostfile ]
	[ "$(cat "$T/m/r")" = host-resolv ]
	run mkdir "$T/m/x"
	[[ "$output" == *"Read-only file system"* ]]
}

@test "the VUOS example: / bound at /mnt twice (inview) shows /mnt/mnt/etc and an empty /mnt/mnt/mnt" {
	mkdir -p "$T/r/etc" "$T/r/mnt" "$T/r/bin"
	echo root:x:0:0 >"$T/r/etc/passwd"
	vo_mount "$T/m" -o "lowerdir=$T/r,upperdir=$T/u,bind=/mnt:/:inview,bind=/mnt:/:inview"
	[ "$(ls "$T/m/mnt" | tr '\n' ' ')" = "bin etc mnt " ]
	[ "$(cat "$T/m/mnt/mnt/etc/passwd")" = root:x:0:0 ]
	[ -z "$(ls -A "$T/m/mnt/mnt/mnt")" ]
	# every path its own inode number, though some are one object
	run sh -c "find '$T/m' -printf '%i\n' | sort | uniq -d"
	[ -z "$output" ]
	# a write through the bind lands where its source is
	echo new >"$T/m/mnt/etc/added"
	[ "$(cat "$T/m/etc/added")" = new ]
	[ "$(cat "$T/u/etc/added")" = new ]
	[ "$(rename_err "$T/m/mnt/etc/added" "$T/m/etc/moved")" = "Invalid cross-device link" ]
	# one bind only: a plain view of the root at /mnt, /mnt/mnt the empty dir
	vo_again
	vo_mount "$T/m" -o "lowerdir=$T/r,bind=/mnt:/:inview,hide=/mnt/bin"
	[ -z "$(ls -A "$T/m/mnt/mnt")" ]
	[ ! -e "$T/m/mnt/bin" ]
	[ -d "$T/m/bin" ]
	# a source sees the earlier rules only
	vo_again
	vo_mount "$T/m" -o "lowerdir=$T/r,hide=/etc/passwd,bind=/mnt:/:inview,bind=/etc/passwd:$T/hf/resolv.conf"
	[ ! -e "$T/m/mnt/etc/passwd" ]
	[ "$(cat "$T/m/etc/passwd")" = host-resolv ]
}

@test "unlisted bind points are reachable but not listed when absent below" {
	vo_mount_stack -o "robind=/secret:$T/h:unlisted,robind=/d:$T/h:unlisted"
	! ls "$T/m" | grep -q '^secret$'
	[ "$(cat "$T/m/secret/f")" = hostfile ]
	# present below: still listed
	[ "$(ls "$T/m" | grep -c '^d$')" = 1 ]
}

@test "a view file gives the stack and the rules; errors name FILE:LINE" {
	cat >"$T/view" <<EOF
# a test view
lowerdir $T/l1:$T/l2
upperdir $T/u
bind /etc/resolv.conf $T/hf/resolv.conf ro   # the host's resolver
hide /etc/passwd
merge /newtree $T/h except=sub
EOF
	vo_mount "$T/m" -o "view=$T/view"
	[ "$(cat "$T/m/etc/resolv.conf")" = host-resolv ]
	[ ! -e "$T/m/etc/passwd" ]
	[ "$(cat "$T/m/newtree/f")" = hostfile ]
	[ ! -e "$T/m/newtree/sub" ]
	run sh -c "echo x >>'$T/m/etc/resolv.conf'"
	[[ "$output" == *"Read-only file system"* ]]
	printf 'bind /a %s\nhide relative/path\n' "$T/h" >"$T/bad"
	run "$VUOVL_BIN" -o "view=$T/bad" "$T/m2"
	[ "$status" = 1 ]
	[[ "$output" == *"$T/bad:2: hide: 'relative/path': the view path must be absolute"* ]]
	[ "$(echo "$output" | wc -l)" = 1 ]
	not_mounted "$T/m2"
	run "$VUOVL_BIN" -o "view=$T/nonexistent" "$T/m2"
	[ "$status" = 1 ]
	[[ "$output" == *"view=$T/nonexistent: No such file or directory"* ]]
}

@test "bad rules are refused with one line and nothing mounted" {
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,bind=/x:$T/nonexistent" "$T/m2"
	[ "$status" = 2 ]
	[[ "$output" == *"bind=$T/nonexistent: No such file or directory"* ]]
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,merge=/x:$T/hf/resolv.conf" "$T/m2"
	[ "$status" = 2 ]
	[[ "$output" == *"not a directory"* ]]
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,bind=/x:$T/h:sideways" "$T/m2"
	[ "$status" = 1 ]
	[[ "$output" == *"unknown flag 'sideways'"* ]]
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,bind=/:$T/h" "$T/m2"
	[ "$status" = 1 ]
	not_mounted "$T/m2"
}

@test "--check validates the options and prints the view without mounting" {
	run "$VUOVL_BIN" --check -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,bind=/data:$T/h:cow:except=sub,hide=/etc/passwd,ro=/etc" "$T/m2"
	[ "$status" = 0 ]
	[[ "$output" == *"upperdir $T/u"* ]]
	[[ "$output" == *"lowerdir $T/l2"* ]]
	[[ "$output" == *"bind  /data <- $T/h (cow"*"except=sub"* ]]
	[[ "$output" == *"hide  /etc/passwd"* ]]
	[[ "$output" == *"ro    /etc"* ]]
	not_mounted "$T/m2"
	run "$VUOVL_BIN" --dry-run -o "lowerdir=$T/nonexistent"
	[ "$status" = 2 ]
	[[ "$output" == *"lowerdir $T/nonexistent: No such file or directory"* ]]
	# an option the mount would refuse (libfuse's, or a typo) is refused here too
	run "$VUOVL_BIN" --check -o "lowerdir=$T/l1,upperdir=$T/u,cow"
	[ "$status" = 1 ]
	[[ "$output" == *"bad FUSE options"* ]]
	run "$VUOVL_BIN" --check -o "lowerdir=$T/l1,upperdir=$T/u,max_threads=4,allow_other"
	[ "$status" = 0 ]
}

@test "mount.fuse3 mounts a view given as SOURCE MOUNTPOINT -o OPTIONS" {
	command -v mount.fuse3 >/dev/null || skip "mount.fuse3 (package fuse3) is not installed"
	PATH="$VU_BUILDDIR/bin:$PATH" mount.fuse3 "vuovl#none" "$T/m" \
		-o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,bind=/etc/resolv.conf:$T/hf/resolv.conf"
	VU_MOUNTS+=("$T/m")
	[ "$(cat "$T/m/etc/resolv.conf")" = host-resolv ]
	[ "$(cat "$T/m/d/a")" = l1a ]
	grep -q " $T/m fuse.vuovl " /proc/self/mounts
}

@test "mount -t fuse.vuovl and an fstab line work as root" {
	[ "$(id -u)" = 0 ] || skip "mount(8) with -t or an fstab of its own needs root"
	command -v mount.fuse3 >/dev/null || skip "mount.fuse3 (package fuse3) is not installed"
	# mount(8) runs its helpers with no PATH, so /bin/sh's default one
	# finds `vuovl`: give it one in /usr/local/sbin, in a private mount
	# namespace that takes every mount made here with it when it ends
	printf 'none %s fuse.vuovl lowerdir=%s,hide=/t,nofail 0 0\n' "$T/m2" "$T/l1" >"$T/fstab"
	run unshare -m --propagation private sh -euc '
		mount -t tmpfs vuovl-test /usr/local/sbin
		ln -s "$1" /usr/local/sbin/vuovl
		mount -t fuse.vuovl none "$2/m" -o "lowerdir=$2/l1:$2/l2,upperdir=$2/u"
		cat "$2/m/d/a"
		mount -T "$2/fstab" "$2/m2"
		test -d "$2/m2/etc" && echo etc-there
		test -e "$2/m2/t" || echo t-hidden
		# only these two: the namespace also has copies of the views of other suites
		grep -c -e " $2/m fuse.vuovl " -e " $2/m2 fuse.vuovl " /proc/self/mounts
		umount "$2/m" "$2/m2"' sh "$VUOVL_BIN" "$T"
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = l1a ]
	[ "${lines[1]}" = etc-there ]
	[ "${lines[2]}" = t-hidden ]
	[ "${lines[3]}" = 2 ]
	not_mounted "$T/m"
}

@test "changes the host makes to a bound file and a bound tree show in the view" {
	vo_mount_stack -o "bind=/etc/resolv.conf:$T/hf/resolv.conf,bind=/data:$T/h"
	[ "$(cat "$T/m/etc/resolv.conf")" = host-resolv ]
	[ "$(ls "$T/m/data" | tr '\n' ' ')" = "f sub " ]
	[ ! -e "$T/m/data/new" ]	# the kernel now holds a negative entry
	# as NetworkManager would: a new file renamed over the old one
	echo "nameserver 192.0.2.53 (a longer file)" >"$T/hf/resolv.new"
	mv "$T/hf/resolv.new" "$T/hf/resolv.conf"
	echo later >"$T/h/new"
	# rule sources are host paths: the kernel keeps their names one
	# second (the stack's layers: a day)
	sleep 1.2
	[ "$(cat "$T/m/etc/resolv.conf")" = "nameserver 192.0.2.53 (a longer file)" ]
	[ "$(cat "$T/m/data/new")" = later ]
	[ "$(ls "$T/m/data" | tr '\n' ' ')" = "f new sub " ]
}
