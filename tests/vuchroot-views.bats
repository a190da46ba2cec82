#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: where writes go — into NEWROOT with virtual ownership
# (default), to an upper layer (--cow), nowhere (--ro). These are vuovl
# view features: with VC_VIEW=bind they skip.

load helpers
load vuchroot-helpers

setup() {
	vc_setup
	[ "$VC_VIEW" = vuovl ] || skip "write modes are features of the vuovl view"
	mkdir "$T/tmp"
	export TMPDIR=$T/tmp
}

# Changes of every kind a package manager makes.
CHANGES='echo new > /etc/new; rm /etc/group; echo more >> /etc/passwd;
	mkdir -p /var/lib/x; chmod 4755 /bin/busybox; chown 100:101 /etc/passwd 2>/dev/null;
	ln -s /etc/new /etc/link; mv /root/secret /root/moved; touch /bin'

@test "--cow leaves NEWROOT byte-identical and removes its temporary upper" {
	before=$(vc_manifest "$R")
	run vc --cow "$R" /bin/sh -c "$CHANGES; cat /etc/new; ls /root"
	[ "$status" = 0 ]
	[ "${lines[0]}" = new ]
	[ "${lines[1]}" = moved ]
	[ "$(vc_manifest "$R")" = "$before" ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "--cow=UPPER keeps the changes for the next session" {
	run vc --cow="$T/up" "$R" /bin/sh -c 'echo v1 > /etc/v; rm /etc/group'
	[ "$status" = 0 ]
	run vc --cow="$T/up" "$R" /bin/sh -c 'cat /etc/v; ls /etc/group'
	[ "${lines[0]}" = v1 ]
	[[ "$output" == *"No such file"* ]]
	[ ! -e "$R/etc/v" ]
	[ -e "$R/etc/group" ]
}

@test "--cow=UPPER: a daemon slow to write its last changes is waited for, and they are kept" {
	[ "$VC_VIEW" = vuovl ] || skip "the bind view has no daemon"
	# a lower file changed (copied up, its copy not yet marked durable),
	# then the daemon held up as it ends, as a disk busy with other
	# writers holds its last sync up: vuchroot must wait, not kill it
	echo orig >"$R/home/f"
	mkfifo "$T/fifo"
	exec 5<>"$T/fifo"
	"$VUCHROOT" --cow="$T/up" "$R" /bin/sh -c \
		'echo changed > /home/f; echo > /ready; read x' <"$T/fifo" >"$T/out" 2>&1 &
	pid=$!
	VU_PIDS+=("$pid")
	for _ in $(seq 200); do [ -e "$T/up/ready" ] && break; sleep 0.05; done
	# the daemon by its name: CI's build path holds "vuovl" too
	d=
	for p in $(pgrep -u "$(id -u)" -x vuovl); do
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF "upperdir=$T/up" && d=$p
	done
	[ -n "$d" ]
	kill -STOP "$d"
	VU_PIDS+=("$d")	# teardown: SIGKILL ends it stopped too
	echo go >&5	# the command ends; vuchroot asks the daemon to stop
	sleep 7
	kill -CONT "$d" 2>/dev/null || true	# killed already: the checks below say so
	exec 5>&-
	s=0
	wait "$pid" || s=$?
	cat "$T/out"
	[ "$s" = 0 ]
	grep -q "^vuchroot: waiting for vuovl (pid $d) to write its last changes to $T/up\$" "$T/out"
	[[ "$(cat "$T/out")" != *killed* ]]
	run vc --cow="$T/up" "$R" /bin/cat /home/f
	[ "$output" = changed ]
	[ "$(cat "$R/home/f")" = orig ]
}

@test "--ro refuses writes" {
	before=$(vc_manifest "$R")
	run vc --ro "$R" /bin/sh -c 'touch /etc/x'
	[ "$status" != 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(vc_manifest "$R")" = "$before" ]
}

@test "by default writes land in NEWROOT, owned by the caller on the host" {
	is_root || grep -qE "^$(id -un):" /etc/subuid || skip "chown to 100 needs a subordinate range"
	run vc "$R" /bin/sh -c 'echo hi > /root/new; chown 100:101 /root/new; stat -c %u:%g /root/new'
	[ "$status" = 0 ]
	[ "$output" = 100:101 ]
	[ "$(cat "$R/root/new")" = hi ]
	[ "$(stat -c %u "$R/root/new")" = "$(id -u)" ]
	[ -f "$R/.vuovl/meta.db" ]
	run vc "$R" /bin/stat -c %u:%g /root/new
	[ "$output" = 100:101 ]
	# the sidecar is never shown inside
	run vc "$R" /bin/ls -A /
	[[ "$output" != *.vuovl* ]]
}

@test "by default a file made in NEWROOT from outside shows inside, as under chroot" {
	# inside: say it started, then wait up to 5 s for /late
	vc "$R" /bin/sh -c 'test ! -e /late || exit 3; : > /started; i=0
		while [ ! -e /late ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		cat /late' >"$T/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -e "$R/started" ] && break; sleep 0.05; done
	echo from-outside >"$R/late"
	wait "$pid"
	[ "$(cat "$T/out")" = from-outside ]
}

@test "setuid bits set inside show in the next session" {
	run vc "$R" /bin/sh -c 'cp /bin/busybox /bin/su; chmod 4755 /bin/su'
	[ "$status" = 0 ]
	run vc "$R" /bin/stat -c '%a %u' /bin/su
	[ "$output" = "4755 0" ]
}

# An archive with several owners (and, with "dev", a device node).
owners_tar() {
	python3 - "$1" "${2:-}" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, uid, gid in [("x/a", 100, 101), ("x/b", 1000, 100), ("x/c", 0, 0)]:
        ti = tarfile.TarInfo(name); ti.uid, ti.gid, ti.mode, ti.size = uid, gid, 0o640, 2
        t.addfile(ti, io.BytesIO(b"hi"))
    if sys.argv[2] == "dev":
        ti = tarfile.TarInfo("x/null"); ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 3
        ti.mode = 0o666; t.addfile(ti)
PY
}

@test "tar x inside keeps the archive's owners" {
	is_root || grep -qE "^$(id -un):" /etc/subuid || skip "owners 100 and 1000 need a subordinate range"
	command -v python3 >/dev/null || skip "python3 makes the test archive"
	owners_tar "$R/owners.tar"
	run vc "$R" /bin/sh -c 'mkdir /y && tar -xf /owners.tar -C /y && stat -c "%u:%g %a" /y/x/a /y/x/b /y/x/c'
	[ "$status" = 0 ]
	[ "${lines[0]}" = "100:101 640" ]
	[ "${lines[1]}" = "1000:100 640" ]
	[ "${lines[2]}" = "0:0 640" ]
	# on the host every file stays the caller's
	[ "$(stat -c %u "$R/y/x/a")" = "$(id -u)" ]
	[ "$(stat -c %u "$R/y/x/b")" = "$(id -u)" ]
}

@test "device nodes and owners extracted by vutar show right; vutar -c packs what tar x made inside" {
	[ -x "$VUTAR" ] || skip "vutar is not built"
	is_root || grep -qE "^$(id -un):" /etc/subuid || skip "owners 100 and 1000 need a subordinate range"
	command -v python3 >/dev/null || skip "python3 makes the test archive"
	owners_tar "$T/owners.tar" dev
	"$VUTAR" -x -f "$T/owners.tar" -C "$R"
	run vc "$R" /bin/sh -c 'stat -c "%n %u:%g %F %t,%T" /x/a /x/b /x/null'
	[ "$status" = 0 ]
	[ "${lines[0]}" = "/x/a 100:101 regular file 0,0" ]
	[ "${lines[1]}" = "/x/b 1000:100 regular file 0,0" ]
	[ "${lines[2]}" = "/x/null 0:0 character special file 1,3" ]
	owners_tar "$R/plain.tar"
	run vc "$R" /bin/sh -c 'mkdir /y && tar -xf /plain.tar -C /y'
	[ "$status" = 0 ]
	run bash -c "'$VUTAR' -c -f - -C '$R/y' . | tar -tvf - --numeric-owner"
	[[ "$output" == *"100/101"*"x/a"* ]]
	[[ "$output" == *"1000/100"*"x/b"* ]]
}

@test "setuid files, device nodes and owners an extractor recorded show right inside" {
	mklayer=$VU_BUILDDIR/tests/vuovl-mklayer	# writes sidecar rows as vutar -x does
	[ -x "$mklayer" ] || skip "tests/vuovl-mklayer is not built (make check builds it)"
	cp "$R/bin/busybox" "$R/bin/su"
	mkdir -p "$R/lib/devs"
	: >"$R/lib/devs/null"
	: >"$R/lib/devs/sda"
	echo 'x' >"$R/etc/shadow"
	"$mklayer" "$R" <<-ROWS
		bin/su f 4755 0 0
		lib/devs/null c 0666 0 0 1 3
		lib/devs/sda b 0660 0 6 8 0
		etc/shadow f 0640 0 42
	ROWS
	# the same view in place and over a copy-on-write upper
	for opt in --chdir=/ --cow; do
		run vc $opt "$R" /bin/stat -c '%n %A %u:%g %t,%T' /bin/su /lib/devs/null /lib/devs/sda /etc/shadow
		[ "$status" = 0 ]
		[ "${lines[0]}" = "/bin/su -rwsr-xr-x 0:0 0,0" ]
		[ "${lines[1]}" = "/lib/devs/null crw-rw-rw- 0:0 1,3" ]
		[ "${lines[2]}" = "/lib/devs/sda brw-rw---- 0:6 8,0" ]
		[ "${lines[3]}" = "/etc/shadow -rw-r----- 0:42 0,0" ]
	done
}

# "mode uid:gid name" of what vutar -c packs of DIR.
packed() {
	"$VUTAR" -cf - -C "$1" . | tar -tv --numeric-owner -f - | awk '{ print $1, $2, $6 }'
}

@test "what root makes inside without a chown is packed as root's outside, in both write modes" {
	[ "$VC_VIEW" = vuovl ] || skip "ownership is real with --view=bind"
	run vc --cow="$T/up" "$R" /bin/sh -c 'echo x > /etc/made; mkdir /srv2; chmod 4755 /etc/made'
	[ "$status" = 0 ]
	# the upper as a view over NEWROOT, packed by the user outside
	mkdir "$T/m"
	"$VU_BUILDDIR/bin/vuovl" -o "lowerdir=$R,upperdir=$T/up" "$T/m"
	VU_MOUNTS+=("$T/m")
	run packed "$T/m"
	fusermount3 -u "$T/m"
	[[ "$output" == *"-rwsr-xr-x 0/0 ./etc/made"* ]]
	[[ "$output" == *"drwxr-xr-x 0/0 ./srv2/"* ]]
	# NEWROOT itself (the default): it records who stands for root
	run vc "$R" /bin/sh -c 'echo y > /etc/made2; mkdir -p /opt/a/b'
	[ "$status" = 0 ]
	[ "$(stat -c %u "$R/etc/made2")" = "$(id -u)" ]	# the host file is the user's
	run packed "$R"
	[[ "$output" == *"-rw-r--r-- 0/0 ./etc/made2"* ]]
	[[ "$output" == *"drwxr-xr-x 0/0 ./opt/a/b/"* ]]
	# the files NEWROOT had, the user's on the host, are root's too
	[[ "$output" == *"-rw-r--r-- 0/0 ./etc/passwd"* ]]
}
