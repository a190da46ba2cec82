#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The options fuse-overlayfs and the kernel's overlay take, as podman and
# buildah pass them to their mount_program: each has its meaning or is
# accepted, and the view mounts.

load helpers
load vuovl-helpers

setup() { vo_setup; }

@test "podman's option string mounts: workdir, context, the mapping with a leading colon, empty options" {
	mkdir -p "$T/w"
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,workdir=$T/w,uidmapping=:$(id -u):$(id -u):1,gidmapping=:$(id -g):$(id -g):1,,context=\"system_u:object_r:container_file_t:s0\",fsync=0,threaded=1,xattr_permissions=2"
	[ "$(cat "$T/m/d/a")" = l1a ]
	echo x >"$T/m/d/new"
	[ "$(cat "$T/u/d/new")" = x ]
	# vuovl's work area stays in the upper; workdir is left alone
	[ -z "$(ls -A "$T/w")" ]
}

@test "uidmapping and gidmapping: the ids the layers store are INSIDE ids, the view shows OUTSIDE ones" {
	# as fuse-overlayfs: a rootless container's layers hold its own ids,
	# the daemon's namespace sees them shifted (podman --uidmap, keep-id)
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,uidmapping=$(id -u):0:1,gidmapping=$(id -g):5:1"
	[ "$(stat -c %u:%g "$T/m/d/a")" = 0:5 ]
	[ "$(stat -c %u:%g "$T/m/d")" = 0:5 ]
}

@test "a stored id no extent maps shows as 65534" {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,uidmapping=$(($(id -u) + 1)):0:1"
	[ "$(stat -c %u "$T/m/d/a")" = 65534 ]
}

@test "under uidmapping, chown and new files are stored as INSIDE ids" {
	is_root || skip "chown to another id needs root (the vutest run covers the mapping itself)"
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,uidmapping=0:1000:100,gidmapping=0:1000:100"
	# root (outside 0) is left out of the map: what it makes is nobody's
	touch "$T/m/made"
	[ "$(stat -c %u "$T/m/made")" = 65534 ]
	chown 1005:1006 "$T/m/d/a"
	[ "$(stat -c %u:%g "$T/m/d/a")" = 1005:1006 ]
	vo_umount "$T/m"
	run "$VUMETA" dump "$T/u"
	[[ "$output" == *" 5/6 d/a"* ]]
}

@test "squash_to_root, squash_to_uid and squash_to_gid give every file one owner" {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,squash_to_root"
	[ "$(stat -c %u:%g "$T/m/d/a")" = 0:0 ]
	vo_umount "$T/m"
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,squash_to_uid=7,squash_to_gid=8"
	[ "$(stat -c %u:%g "$T/m/d/a")" = 7:8 ]
}

@test "static_nlink gives directories one link; noacl refuses ACLs" {
	command -v setfacl >/dev/null || skip "setfacl (acl) is not installed"
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,static_nlink,noacl"
	[ "$(stat -c %h "$T/m/d")" = 1 ]
	run setfacl -m u:5:r "$T/m/d/a"
	[ "$status" != 0 ]
	[[ "$output" == *"Operation not supported"* ]]
}

@test "the kernel overlay's own options are taken: userxattr, index, metacopy, xino, redirect_dir, volatile" {
	vo_mount "$T/m" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u,userxattr,index=off,metacopy=on,xino=auto,redirect_dir=follow,volatile"
	[ "$(cat "$T/m/d/b")" = l2b ]
}

@test "malformed values of those options are refused, saying which" {
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,uidmapping=0:1" "$T/m"
	[ "$status" = 1 ]
	[[ "$output" == *"uidmapping=0:1: must be INSIDE:OUTSIDE:COUNT"* ]]
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,squash_to_uid=x" "$T/m"
	[ "$status" = 1 ]
	[[ "$output" == *"squash_to_uid=x: must be a numeric id"* ]]
	run "$VUOVL_BIN" -o "lowerdir=$T/l1,metacopy=maybe" "$T/m"
	[ "$status" = 1 ]
	[[ "$output" == *"metacopy=maybe"* ]]
	not_mounted "$T/m"
}

@test "findmnt shows SOURCE as the view's source" {
	command -v findmnt >/dev/null || skip "findmnt (util-linux) is not installed"
	"$VUOVL_BIN" -o "lowerdir=$T/l1" overlay "$T/m"
	VU_MOUNTS+=("$T/m")
	[ "$(findmnt -no SOURCE "$T/m")" = overlay ]
	vo_umount "$T/m"
	vo_mount "$T/m" -o "lowerdir=$T/l1"
	[ "$(findmnt -no SOURCE "$T/m")" = vuovl ]
}

@test "root of a user namespace mounts with allow_other, as fuse-overlayfs does" {
	need_userns
	run unshare -Urm sh -c "'$VUOVL_BIN' -o 'lowerdir=$T/l1' '$T/m' && grep ' $T/m ' /proc/self/mounts; umount '$T/m'"
	[ "$status" = 0 ]
	[[ "$output" == *allow_other* ]]
}
