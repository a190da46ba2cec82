#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: virtual ownership — chown, chmod, mknod and privileged xattrs
# land in the upper sidecar; the host files stay the user's.
load helpers
load vuovl-helpers

setup() {
	vo_setup
	me=$(id -u)
	mygid=$(id -g)
}

host_owner() { stat -c %u:%g "$1"; }
host_perm() { printf '%o' $((0$(stat -c %a "$1") & 06777)); }

# set_cap FILE...: gives each view file a (virtual) security.capability.
# The kernel wants CAP_SETFCAP first: root, or the root of a namespace
# (then the view is mounted again in one, and remounted here after).
CAP=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=
set_cap() {
	local f cmd=
	if is_root; then
		for f; do setfattr -n security.capability -v "$CAP" "$f" || return; done
		return
	fi
	need_userns
	vo_umount "$T/m"
	for f; do cmd+="setfattr -n security.capability -v $CAP '$f' && "; done
	unshare -Ur -m sh -c "'$VUOVL_BIN' -o 'lowerdir=$T/l1:$T/l2,upperdir=$T/u' '$T/m' &&
		$cmd umount '$T/m'" || return
	no_daemon_for "$T/m"	# it writes the sidecar as it ends
	vo_mount_stack
}

@test "chown in a cow view leaves the host file the user's" {
	vo_mount_stack
	chown 123:456 "$T/m/d/b" "$T/m/d" 2>/dev/null || unshare_note=1
	if [ -n "${unshare_note:-}" ]; then skip "chown to a foreign id needs root (see the namespace tests)"; fi
	[ "$(stat -c %u:%g "$T/m/d/b")" = 123:456 ]
	[ "$(stat -c %u:%g "$T/m/d")" = 123:456 ]
	# nothing copied up: a row about the lower objects, lowers untouched
	[ ! -e "$T/u/d/b" ]
	[ "$(host_owner "$T/l2/d/b")" = "$me:$mygid" ]
	[ "$(cat "$T/m/d/b")" = l2b ]
	# a data change copies it up; the file stays the user's on the host
	echo more >>"$T/m/d/b"
	[ "$(stat -c %u:%g "$T/m/d/b")" = 123:456 ]
	[ "$(host_owner "$T/u/d/b")" = "$me:$mygid" ]
}

@test "chmod keeps setuid bits virtual and the host file the owner's to read and write" {
	vo_mount_stack
	chmod 4755 "$T/m/d/b"
	[ "$(stat -c %a "$T/m/d/b")" = 4755 ]
	[ ! -e "$T/u/d/b" ]	# the mode of a lower file: a sidecar row only
	chmod 0000 "$T/m/d/b"
	[ "$(stat -c %a "$T/m/d/b")" = 0 ]
	chmod 0711 "$T/m/d/b"	# (a write by a user would drop a setuid bit)
	echo x >>"$T/m/d/b"	# the data come up: the mark goes once durable
	[ "$(stat -c %a "$T/m/d/b")" = 711 ]
	for i in $(seq 50); do
		[ "$(stat -c %a "$T/u/d/b")" = 711 ] && break
		sleep 0.1
	done
	# (the host sticky bit, 01000, marks a placeholder until then)
	[ "$(stat -c %a "$T/u/d/b")" = 711 ]
	chmod 0000 "$T/m/d/b"
	[ "$(host_perm "$T/u/d/b")" = 600 ]	# still the owner's to read and write
	[ "$(stat -c %a "$T/m/d/b")" = 0 ]
}

@test "a metadata-only change does not copy the data" {
	head -c 1048576 /dev/urandom >"$T/l2/d/big"
	vo_mount_stack
	chmod 0600 "$T/m/d/big"
	[ ! -e "$T/u/d/big" ]
	# times are real: a placeholder, the size of the file, no blocks
	touch -h -d @1000000000 "$T/m/d/big"	# -h: utimensat, no open
	[ "$(stat -c %b "$T/u/d/big")" = 0 ]
	[ "$(stat -c %s:%Y "$T/m/d/big")" = 1048576:1000000000 ]
	cmp "$T/l2/d/big" "$T/m/d/big"
	vo_umount "$T/m"
	vo_mount_stack
	cmp "$T/l2/d/big" "$T/m/d/big"
	[ "$(stat -c %a "$T/m/d/big")" = 600 ]
	echo x >>"$T/m/d/big"
	[ "$(stat -c %a "$T/m/d/big")" = 600 ]
	[ "$(stat -c %s "$T/m/d/big")" = 1048578 ]
	cmp -n 1048576 "$T/l2/d/big" "$T/m/d/big"
}

@test "chown -R of a lower tree copies nothing up; its rows go with the files" {
	vo_mount_stack
	mkdir -p "$T/l2/tree/a/b2"
	echo f >"$T/l2/tree/a/b2/g"
	if is_root; then
		chown -R 321:654 "$T/m/tree"
		want=321:654
	else
		chmod -R g-w,o-w "$T/m/tree"	# a user's own change of mode
		want="$me:$mygid"
	fi
	[ "$(stat -c %u:%g "$T/m/tree/a/b/f")" = "$want" ]
	[ "$(stat -c %u:%g "$T/m/tree/a")" = "$want" ]
	[ -z "$(find "$T/u" -path "$T/u/.vuovl" -prune -o -newer "$T/u/.vuovl" -print | grep tree)" ]
	[ ! -e "$T/u/tree" ]
	vo_umount "$T/m"
	no_daemon_for "$T/m"
	run "$VUMETA" check "$T/u"
	[ "$status" = 0 ]
	run "$VUMETA" repair "$T/u"
	[ "$status" = 0 ]
	[[ "$output" != *removed* ]] || [[ "$output" == *"removed 0"* ]]
	vo_mount_stack
	[ "$(stat -c %u:%g "$T/m/tree/a/b/f")" = "$want" ]
	# removed, then made again: the new file is its maker's
	rm "$T/m/tree/a/b/f"
	echo new >"$T/m/tree/a/b/f"
	[ "$(stat -c %u:%g "$T/m/tree/a/b/f")" = "$me:$mygid" ]
}

@test "virtual ownership and modes survive a remount" {
	vo_mount_stack
	chmod 2751 "$T/m/d/b"
	mkdir "$T/m/newdir"
	chmod 1777 "$T/m/newdir"
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(stat -c %a "$T/m/d/b")" = 2751 ]
	[ "$(stat -c %a "$T/m/newdir")" = 1777 ]
	[ "$(cat "$T/m/d/b")" = l2b ]
}

@test "inode numbers stay the same across copy-up and remount" {
	vo_mount_stack
	before=$(stat -c %i "$T/m/d/b")
	dbefore=$(stat -c %i "$T/m/d")
	echo x >>"$T/m/d/b"
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(stat -c %i "$T/m/d/b")" = "$before" ]
	[ "$(stat -c %i "$T/m/d")" = "$dbefore" ]
}

@test "security.capability is kept virtual, user xattrs on the host" {
	vo_mount_stack
	set_cap "$T/m/d/b"
	[ "$(getfattr --only-values -n security.capability "$T/m/d/b" | od -An -tx1 | head -c 12)" = " 01 00 00 02" ]
	run getfattr -n security.capability "$T/u/d/b"
	[[ "$output" != *security.capability=* ]]
	run getfattr -d -m - "$T/m/d/b"
	[[ "$output" == *security.capability* ]]
}

# Runs a script as root of a user namespace (the caller mapped to 0).
in_userns() {
	local r=0
	unshare -Ur -m sh -c "$1" || r=$?
	no_daemon_for "$T/m"	# it writes the sidecar as it ends
	return $r
}

@test "inside unshare -Ur, root's chown and chmod show while the host files stay the user's" {
	need_userns
	run in_userns "
		'$VUOVL_BIN' -o 'lowerdir=$T/l1:$T/l2,upperdir=$T/u' '$T/m' || exit 9
		mkdir '$T/m/root' && chmod 0700 '$T/m/root' && chown 0:0 '$T/m/root' || exit 7
		touch '$T/m/f' && chown 0:0 '$T/m/f' && chmod 4755 '$T/m/f' || exit 6
		mkfifo '$T/m/p' || exit 5
		ls -ln '$T/m' >'$T/listing'
		umount '$T/m'"
	[ "$status" -eq 0 ]
	grep -q '^-rwsr-xr-x 1 0 0 .* f$' "$T/listing"
	grep -q '^drwx------ 2 0 0 .* root$' "$T/listing"
	grep -q '^prw-r--r-- 1 0 0 .* p$' "$T/listing"
	[ "$(host_owner "$T/u/f")" = "$me:$mygid" ]
	[ "$(stat -c %a "$T/u/f")" = 755 ]
}

@test "device nodes made through the view show as devices and are empty host files" {
	# mknod(2) of a device needs CAP_MKNOD in the initial namespace: the
	# kernel refuses it inside a user namespace before asking vuovl
	is_root || skip "mknod of a device node needs real root (kernel check)"
	vo_mount_stack
	mknod "$T/m/null" c 1 3
	mknod "$T/m/sda" b 8 0
	[ -c "$T/m/null" ] && [ -b "$T/m/sda" ]
	[ "$(stat -c '%t,%T' "$T/m/null")" = 1,3 ]
	[ -f "$T/u/null" ] && [ ! -s "$T/u/null" ]
	run cat "$T/m/null"	# the view is nodev
	[ "$status" -ne 0 ]
}

@test "a lower layer's own sidecar shows its virtual owners and modes" {
	need_userns
	# make a layer with a sidecar by writing through a view, then use it below
	mkdir -p "$T/base" "$T/empty"
	in_userns "
		'$VUOVL_BIN' -o 'lowerdir=$T/empty,upperdir=$T/base' '$T/m' || exit 9
		mkdir '$T/m/bin' && echo x >'$T/m/bin/su' &&
		chown 0:0 '$T/m/bin/su' && chmod 4750 '$T/m/bin/su'
		umount '$T/m'"
	[ -f "$T/base/.vuovl/meta.db" ]
	[ "$(stat -c %a "$T/base/bin/su")" = 750 ]
	mkdir -p "$T/u2"
	run in_userns "
		'$VUOVL_BIN' -o 'lowerdir=$T/base,upperdir=$T/u2' '$T/m' || exit 9
		stat -c '%A %u %g' '$T/m/bin/su'
		umount '$T/m'"
	[ "$status" -eq 0 ]
	[ "$output" = "-rwsr-x--- 0 0" ]
}

@test "in a subuid-mapped namespace, uid 1000 cannot read a 0600 root file" {
	need_userns
	is_root && skip "root has no subuid range here; the unprivileged run covers it"
	unshare --map-auto --map-root-user true 2>/dev/null || skip "no subuid range for $(id -un)"
	chmod 0755 "$T"	# uid 1000 of the namespace must reach the mount point
	# allow_other: uid 1000 is not the namespace root that mounted
	run unshare --map-auto --map-root-user -m sh -c "
		'$VUOVL_BIN' -o 'lowerdir=$T/l1:$T/l2,upperdir=$T/u,allow_other' '$T/m' || exit 9
		echo secret >'$T/m/secret' && chmod 0600 '$T/m/secret'
		echo open >'$T/m/open' && chmod 0644 '$T/m/open'
		setpriv --reuid=1000 --regid=1000 --clear-groups cat '$T/m/open' || exit 5
		setpriv --reuid=1000 --regid=1000 --clear-groups cat '$T/m/secret' && exit 4
		umount '$T/m'"
	[ "$status" -eq 0 ]
	[[ "$output" == *open* ]]
	[[ "$output" == *"Permission denied"* ]]
}

@test "as root with allow_other, uid 1000 cannot read a 0600 root file" {
	is_root || skip "allow_other for another uid needs root here"
	vo_mount_stack -o allow_other
	echo secret >"$T/m/secret"
	chmod 0600 "$T/m/secret"
	chmod 0755 "$T" "$T/m"
	run setpriv --reuid=1000 --regid=1000 --clear-groups cat "$T/m/secret"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
}

@test "files created by another user in the view record that user" {
	is_root || skip "a second user needs allow_other, which needs root here"
	vo_mount_stack -o allow_other
	chmod 0755 "$T" "$T/m"
	chmod 0777 "$T/m/d"
	setpriv --reuid=1000 --regid=1000 --clear-groups touch "$T/m/d/byuser"
	[ "$(stat -c %u:%g "$T/m/d/byuser")" = 1000:1000 ]
	[ "$(host_owner "$T/u/d/byuser")" = 0:0 ]
}

# vuovl takes over the kernel's set-id clearing (FUSE_HANDLE_KILLPRIV_V2,
# so that a write is not preceded by a capability probe): the same rules.
@test "a write, truncate or O_TRUNC open by a non-root user drops set-id bits, as does any chown" {
	vo_mount_stack
	f=$T/m/d/b
	chmod 4755 "$f"
	echo x >>"$f"
	if is_root; then
		[ "$(stat -c %a "$f")" = 4755 ]	# CAP_FSETID keeps them
	else
		[ "$(stat -c %a "$f")" = 755 ]
		chmod 2775 "$f"
		truncate -s 1 "$f"
		[ "$(stat -c %a "$f")" = 775 ]
		chmod 2745 "$f"		# set-group-ID without group exec: a lock mark
		echo y >>"$f"
		[ "$(stat -c %a "$f")" = 2745 ]
		chmod 6755 "$f"
		echo z >"$f"
		[ "$(stat -c %a "$f")" = 755 ]
	fi
	chmod 6755 "$f"
	chown "$(id -u):$(id -g)" "$f"
	[ "$(stat -c %a "$f")" = 755 ]
	chmod 2755 "$T/m/d"
	chown "$(id -u)" "$T/m/d"	# directories keep theirs
	[ "$(stat -c %a "$T/m/d")" = 2755 ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
}

@test "a write or a chown drops a virtual file capability" {
	vo_mount_stack
	set_cap "$T/m/d/b" "$T/m/d/a"
	getfattr -n security.capability "$T/m/d/b" >/dev/null
	echo x >>"$T/m/d/b"
	run getfattr -n security.capability "$T/m/d/b"
	[ "$status" != 0 ]
	getfattr -n security.capability "$T/m/d/a" >/dev/null
	chown "$(id -u)" "$T/m/d/a"
	run getfattr -n security.capability "$T/m/d/a"
	[ "$status" != 0 ]
}

@test "copy-up keeps the owner, group and mode of lower objects the user does not own" {
	need_fakeroot
	# real host owners and no sidecar row: a podman layer, a tree
	# unpacked by real root
	run vo_fakeroot '
		chown 1234:1235 "$T/l2/tree/a" "$T/l2/d/b" "$T/l2/tree/a/b/f"
		chmod 2775 "$T/l2/tree/a"; chmod 4755 "$T/l2/d/b"; chmod 0444 "$T/l1/t"
		mnt; touch "$T/m/tree/a/new"; echo x >>"$T/m/d/b"; echo y >>"$T/m/t"
		touch -d 2001-01-01 "$T/m/tree/a/b/f"
		stat -c "%n %u:%g %a" "$T/m/tree/a" "$T/m/d/b" "$T/m/t" "$T/m/tree/a/b/f"; umnt
		mnt; stat -c "%n %u:%g %a" "$T/m/tree/a" "$T/m/d/b" "$T/m/t" "$T/m/tree/a/b/f"
		stat -c "%u:%g" "$T/u/tree/a" "$T/u/d/b"'
	echo "$output"
	[ "$status" = 0 ]
	for i in 0 4; do
		[ "${lines[i]}" = "$T/m/tree/a 1234:1235 2775" ]
		[ "${lines[i + 1]}" = "$T/m/d/b 1234:1235 4755" ]
		[ "${lines[i + 2]}" = "$T/m/t 0:0 444" ]
		[ "${lines[i + 3]}" = "$T/m/tree/a/b/f 1234:1235 644" ]
	done
	# the host copies are the user's (root of the namespace)
	[ "${lines[8]}" = 0:0 ]
	[ "${lines[9]}" = 0:0 ]
}

@test "chown by the owner drops set-id bits of every non-directory; chown and chmod move ctime of every kind" {
	vo_mount_stack
	cd "$T/m"
	mkdir dir && mkfifo ff && touch fl && ln -s fl link
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('sock')"
	chmod 6755 ff fl sock
	chmod 2775 dir
	# a device node from below, the user's and set-id
	cd /
	vo_umount "$T/m"
	python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("dev"); ti.type = tarfile.CHRTYPE
    ti.devmajor, ti.devminor, ti.mode = 1, 3, 0o6755
    ti.uid, ti.gid = int(sys.argv[2]), int(sys.argv[3])
    t.addfile(ti)' "$T/dev.tar" "$me" "$mygid"
	"$VUTAR" -xf "$T/dev.tar" -C "$T/l1"
	vo_mount_stack
	cd "$T/m"
	ln dev dev2	# (a link copies it up: a lower object's ctime is not ours)
	before=$(stat -c '%n %Z' dir ff fl sock dev link)
	sleep 1.1
	chown "$me:$mygid" dir ff fl sock dev
	chown -h "$me:$mygid" link
	[ "$(stat -c %a dir)" = 2775 ]
	for f in ff fl sock dev; do
		[ "$(stat -c %a "$f")" = 755 ] || { echo "$f: $(stat -c %a "$f")"; false; }
	done
	after=$(stat -c '%n %Z' dir ff fl sock dev link)
	paste <(echo "$before") <(echo "$after") | while read -r n b _ a; do
		[ "$a" -gt "$b" ] || { echo "ctime of $n did not move"; false; }
	done
	before=$(stat -c %Z sock)
	sleep 1.1
	chmod 0700 sock
	[ "$(stat -c %Z sock)" -gt "$before" ]
	cd /
}
