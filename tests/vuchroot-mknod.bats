#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: mknod of device nodes inside, as root of the session. The
# kernel refuses it before FUSE sees it; vuchroot's supervisor (seccomp
# user notification) has the view make a virtual device node instead,
# and binds the session's own null, zero, full, random, urandom or tty
# over such a node so that it opens (debootstrap writes to one).

load helpers
load vuchroot-helpers

setup() {
	vc_setup
	[ "$VC_VIEW" = vuovl ] || skip "device nodes are the view's to make"
	mkdir "$T/tmp"
	export TMPDIR=$T/tmp
}

@test "mknod of character and block devices works inside: absolute, relative, by directory fd" {
	command -v cc >/dev/null || skip "no C compiler to build the probe"
	cc -static -O -o "$R/bin/probe" "$VU_SRCDIR/tests/vuchroot-probe.c" 2>/dev/null ||
		skip "cannot link a static probe (no libc.a)"
	run vc --cow="$T/up" "$R" /bin/sh -c '
		mknod /root/zero c 1 5 && stat -c "%F %t,%T" /root/zero
		cd /root && umask 077 && mknod sda b 8 0 && stat -c "%F %t,%T %a" sda
		/bin/probe mknodat /root null && stat -c "%F %t,%T %a" /root/null'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "character special file 1,5" ]
	[ "${lines[1]}" = "block special file 8,0 600" ]
	[ "${lines[2]}" = made ]
	[ "${lines[3]}" = "character special file 1,3 666" ]	# the session's null, bound
	# kept for the next session, empty files on the host, never devices
	run vc --cow="$T/up" "$R" /bin/stat -c "%F %t,%T" /root/zero
	[ "$output" = "character special file 1,5" ]
	[ -f "$T/up/root/zero" ] && [ ! -s "$T/up/root/zero" ]
	# vutar -c of the view packs a device
	mkdir "$T/m"
	"$VU_BUILDDIR/bin/vuovl" -o "lowerdir=$R,upperdir=$T/up,nopermcheck" "$T/m"
	VU_MOUNTS+=("$T/m")
	run sh -c "'$VUTAR' -cf - -C '$T/m' root | tar -tvf - --numeric-owner"
	fusermount3 -u "$T/m"
	[[ "$output" == *"crw-r--r-- 0/0"*"1,5"*"root/zero"* ]]
	# what the view keeps is what mknod made: mode 600 (umask 077), root's
	run sh -c "'$VUTAR' -c --stack -o 'lowerdir=$R,upperdir=$T/up' -f - root | tar -tvf - --numeric-owner"
	[[ "$output" == *"crw------- 0/0"*"1,3"*"root/null"* ]]
}

@test "debootstrap's check: a null made inside takes a write; rm removes it; other devices never open" {
	run vc --cow="$T/up" "$R" /bin/sh -c '
		mkdir -p /target && mknod /target/test-dev-null c 1 3 &&
		echo test >/target/test-dev-null && echo wrote
		rm -f /target/test-dev-null && echo removed; ls /target
		mknod /target/z c 1 5 && head -c 2 /target/z | od -An -c
		mv /target/z /target/z2 2>&1; echo "mv=$?"
		mknod /target/mem c 1 1 && head -c 1 /target/mem 2>&1; echo "mem=$?"
		mknod /target/sda b 8 0 && head -c 1 /target/sda 2>&1; echo "sda=$?"
		cd /target && rm -f z z2 mem sda && echo cleaned'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = wrote ]
	[ "${lines[1]}" = removed ]
	[[ "${lines[2]}" == *"\0  \0"* ]]
	# a bound node is a mount point: it cannot move
	[[ "$output" == *"mv=1"* ]]
	[[ "$output" == *"Permission denied"*"mem=1"* ]]	# the view is nodev
	[[ "$output" == *"Permission denied"*"sda=1"* ]]
	[ "${lines[-1]}" = cleaned ]
	# nothing of it is left in the upper: the unlinks reached the view
	[ -z "$(ls -A "$T/up/target")" ]
}

@test "mknod fails as the kernel says: existing name, outside the view, a caller without CAP_MKNOD" {
	run vc "$R" /bin/sh -c '
		mknod /root/d c 1 3; mknod /root/d c 1 3 2>&1; echo "exists=$?"
		mknod /dev/x c 1 3 2>&1; echo "dev=$?"
		mknod /nodir/x c 1 3 2>&1; echo "nodir=$?"
		head -c 1 /root/d 2>&1; echo "open=$?"
		mkfifo /root/fifo && stat -c %F /root/fifo'
	echo "$output"
	[[ "$output" == *"File exists"*"exists=1"* ]]
	[[ "$output" == *"/dev/x: Operation not permitted"*"dev=1"* ]]
	[[ "$output" == *"No such file or directory"*"nodir=1"* ]]
	[[ "$output" == *"open=0"* ]]	# the session's null, bound over it
	[[ "$output" == *fifo ]]
	is_root || grep -qE "^$(id -un):" /etc/subuid || skip "a second user inside needs a subordinate range"
	run vc --userspec=1000:1000 "$R" /bin/mknod /tmp/x c 1 3
	[ "$status" != 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "tar xp of a root file system with device nodes, as root inside, keeps them" {
	python3 - "$R/dev.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("target"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
    for name, typ, mj, mn, mode in (("target/null", tarfile.CHRTYPE, 1, 3, 0o666),
                                    ("target/sda", tarfile.BLKTYPE, 8, 0, 0o660)):
        ti = tarfile.TarInfo(name); ti.type = typ
        ti.devmajor, ti.devminor, ti.mode = mj, mn, mode
        t.addfile(ti)
PY
	run vc "$R" /bin/sh -c 'cd / && tar xpf /dev.tar && stat -c "%n %F %t,%T %a" /target/null /target/sda'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "/target/null character special file 1,3 666" ]
	[ "${lines[1]}" = "/target/sda block special file 8,0 660" ]
}

@test "a bound node takes chmod, chown and touch as the view's node, with the kernel's rules for who may" {
	run vc --cow="$T/up" "$R" /bin/sh -c '
		mknod /root/n c 1 3 && chown 5:6 /root/n && chmod 604 /root/n &&
		touch -d "2020-01-02 03:04:05" /root/n && echo done
		mknod /tmp/u c 1 5 && chmod 666 /tmp/u
		su user -c "chmod 600 /tmp/u" 2>&1; echo "chmod=$?"
		su user -c "chown user /tmp/u" 2>&1; echo "chown=$?"
		su user -c "head -c 1 /tmp/u | od -An -c"'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = done ]
	[[ "$output" == *"Operation not permitted"*"chmod=1"* ]]
	[[ "$output" == *"Operation not permitted"*"chown=1"* ]]
	[[ "${lines[-1]}" == *'\0'* ]]
	run sh -c "'$VUTAR' -c --stack -o 'lowerdir=$R,upperdir=$T/up' -f - root/n tmp/u | tar -tvf - --numeric-owner"
	echo "$output"
	[[ "${lines[0]}" == "crw----r-- 5/6 "*"1,3 2020-01-02 03:04 root/n" ]]
	[[ "${lines[1]}" == "crw-rw-rw- 0/0 "*"1,5 "*"tmp/u" ]]
}
