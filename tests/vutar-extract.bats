#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar -x of a busybox rootfs as any user: the host files are the user's,
# the owners, modes, devices and capabilities live in the sidecar and come
# back out with vutar -c.

load helpers
load vutar-helpers

setup() {
	vu_setup
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar.gz"
	mkdir "$T/root"
}

# "mode uid/gid size-or-dev path" lines of DIR as vutar -c packs it.
repacked() {
	"$VUTAR" -c -f - -C "$T/root" . | tar -tv --numeric-owner -f - |
		awk '{ print $1, $2, $3, $6 }'
}

@test "a busybox rootfs extracts with exit status 0" {
	run "$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -x "$T/root/bin/busybox" ]
	[ "$("$T/root/bin/busybox" echo hi)" = hi ]
	[ "$(readlink "$T/root/bin/sh")" = busybox ]
	[ -f "$T/root/.vuovl/meta.db" ]
}

@test "every host file belongs to the user who extracted" {
	"$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	[ -z "$(find "$T/root" -not -user "$(id -u)")" ]
	# and the user can manage every file and directory
	[ -z "$(find "$T/root" -not -type l -not -perm -u+rw)" ]
}

@test "virtual owners, modes and devices come back out with vutar -c" {
	"$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	out=$(repacked)
	grep -v -- '-> busybox' <<<"$out" || true
	grep -qx 'drwxr-xr-x 0/0 0 ./' <<<"$out"
	grep -qx 'crw-rw-rw- 0/0 1,3 ./dev/null' <<<"$out"
	grep -qx 'crw------- 0/0 5,1 ./dev/console' <<<"$out"
	grep -qE '^-rwsr-xr-x 0/0 [0-9]+ ./bin/su$' <<<"$out"
	grep -qx 'drwxr-xr-x 1000/1000 0 ./home/user/' <<<"$out"
	grep -qx 'drwxrwxrwt 0/0 0 ./tmp/' <<<"$out"
	grep -qx 'drwx------ 0/0 0 ./root/' <<<"$out"
	grep -qx -- '-rw-r--r-- 1000/1000 16 ./home/user/.profile' <<<"$out"
	# host stand-in of a device is an empty regular file
	[ -f "$T/root/dev/null" ] && [ ! -s "$T/root/dev/null" ]
	# nothing is packed from the sidecar dir
	! grep -q '\.vuovl' <<<"$out"
}

@test "hard links are real links on the host and in the repacked archive" {
	"$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	[ "$(stat -c %i "$T/root/bin/busybox")" = "$(stat -c %i "$T/root/usr/bin/busybox")" ]
	"$VUTAR" -c -f - -C "$T/root" . | tar -tv -f - | grep -q 'usr/bin/busybox link to ./bin/busybox'
}

@test "user and security.capability xattrs round-trip" {
	python3 - "$T/x.tar" <<'PY'
import io, sys, tarfile
cap = b"\x01\x00\x00\x02\x00\x20\x00\x00" + b"\x00" * 12   # cap_net_bind_service
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("ping")
    ti.size = 4
    ti.mode = 0o755
    ti.pax_headers = {"SCHILY.xattr.security.capability": cap.decode("latin-1"),
                      "SCHILY.xattr.user.x": "hello"}
    t.addfile(ti, io.BytesIO(b"ELF!"))
PY
	run "$VUTAR" -xf "$T/x.tar" -C "$T/root"
	echo "$output"
	[ "$status" -eq 0 ]
	# user.* is on the host file (when the host filesystem takes it)
	if setfattr -n user.probe -v 1 "$T/root/ping" 2>/dev/null; then
		[ "$(getfattr --only-values -n user.x "$T/root/ping")" = hello ]
	fi
	# the capability is virtual: not on the host, but packed again
	! getfattr -n security.capability "$T/root/ping" 2>/dev/null | grep -q capability
	"$VUTAR" -c -f "$T/y.tar" -C "$T/root" ping
	python3 - "$T/y.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    h = t.getmember("ping").pax_headers
    assert h["SCHILY.xattr.user.x"] == "hello", h
    cap = h["SCHILY.xattr.security.capability"].encode("utf-8", "surrogateescape")
    assert cap[:4] == b"\x01\x00\x00\x02", cap
PY
}

@test "extracting twice replaces files and keeps the metadata" {
	"$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	run "$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	echo "$output"
	[ "$status" -eq 0 ]
	out=$(repacked)
	grep -qx 'crw-rw-rw- 0/0 1,3 ./dev/null' <<<"$out"
	grep -qE '^-rwsr-xr-x 0/0 [0-9]+ ./bin/su$' <<<"$out"
}

@test "usage errors exit 1 and --help documents the exit statuses" {
	run "$VUTAR"
	[ "$status" -eq 1 ]
	run "$VUTAR" -x -f "$T/rootfs.tar.gz" -C "$T/nonexistent"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/nonexistent"* ]]
	run "$VUTAR" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Exit status"* ]]
	run "$VUTAR" --version
	[[ "$output" == "vutar "* ]]
}

@test "a progress line shows on a terminal and not otherwise" {
	command -v script >/dev/null || skip "script(1) is missing (util-linux)"
	run "$VUTAR" -xf "$T/rootfs.tar.gz" -C "$T/root"
	[[ "$output" != *entries* ]]
	rm -rf "$T/root" && mkdir "$T/root"
	out=$(script -qec "'$VUTAR' -xf '$T/rootfs.tar.gz' -C '$T/root'" /dev/null)
	# as pv: data, rate, and of a file's known size how much and how long
	[[ "$out" =~ vutar:\ [0-9]+\ entries,\ [0-9.]+[KMG]?i?B,\ [0-9.]+[KMG]?i?B/s,\ [0-9]+%\ of\ [0-9.]+[KMG]?i?B,\ [0-9]+:[0-9][0-9]\ left ]]
	[ -x "$T/root/bin/busybox" ]
}

@test "-xv names each member" {
	run "$VUTAR" -xvf "$T/rootfs.tar.gz" -C "$T/root"
	[ "$status" -eq 0 ]
	grep -qx 'dev/null' <<<"$output"
	grep -qx 'bin/su' <<<"$output"
}

@test "the parent directories an archive does not list are root's, as root's tar would make them" {
	mkdir -p "$T/src/a/b"
	echo x >"$T/src/a/b/f"
	tar -C "$T/src" --owner=0 --group=0 -cf "$T/sparse.tar" a/b/f
	"$VUTAR" -xf "$T/sparse.tar" -C "$T/root"
	[ "$(stat -c %u "$T/root/a/b")" = "$(id -u)" ]	# the host's are the user's
	run sh -c "'$VUTAR' -cf - -C '$T/root' . | tar -tv --numeric-owner -f -"
	[[ "$output" == *" 0/0 "*" ./a/"* ]]
	[[ "$output" == *" 0/0 "*" ./a/b/"* ]]
	[[ "$output" != *" $(id -u)/"* ]] || is_root
	# the sidecar says who stands for root
	run "$VUMETA" dump "$T/root"
	[[ "$output" == *"root owner: $(id -u):$(id -g)"* ]] || is_root
}

@test "POSIX ACLs are kept in the sidecar, shown by a view, and packed back as ACLs" {
	mkdir -p "$T/src"
	touch "$T/src/f"
	mkdir "$T/src/d"
	python3 - "$T/acl.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("f"); ti.mode = 0o664
    ti.pax_headers = {"SCHILY.acl.access": "user::rw-,user:1234:rw-,group::r--,mask::rw-,other::r--"}
    t.addfile(ti, io.BytesIO(b""))
    ti = tarfile.TarInfo("d"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    ti.pax_headers = {"SCHILY.acl.default": "user::rwx,user:1234:r-x,group::r-x,mask::r-x,other::r-x"}
    t.addfile(ti)
PY
	run "$VUTAR" -xf "$T/acl.tar" -C "$T/root"
	[ "$status" = 0 ]
	run "$VUMETA" dump "$T/root"
	[[ "$output" == *"xattr system.posix_acl_access"* ]]
	[[ "$output" == *"xattr system.posix_acl_default"* ]]
	run sh -c "'$VUTAR' -cf - -C '$T/root' f d | tar --acls -tvvf -"
	echo "$output"
	[[ "$output" == *"user:1234:rw-"* ]]
	[[ "$output" == *"default:user:1234:r-x"* ]]
	if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
		mkdir "$T/u" "$T/m"
		"$VU_BUILDDIR/bin/vuovl" -o "lowerdir=$T/root,upperdir=$T/u" "$T/m"
		VU_MOUNTS+=("$T/m")
		run getfacl -cn "$T/m/f"
		fusermount3 -u "$T/m"
		[[ "$output" == *"user:1234:rw-"* ]]
		[[ "$output" == *"mask::rw-"* ]]
	fi
}
