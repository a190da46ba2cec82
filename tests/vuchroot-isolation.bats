#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: a process inside cannot reach the host's files or terminal,
# and holds a bounded set of capabilities.

load helpers
load vuchroot-helpers

setup() {
	vc_setup
	# A file only the host tree has, readable by everyone.
	M=$T/host-marker
	echo HOST-ONLY >"$M"
	chmod 0644 "$M"
}

# The shell snippet that tries every way out to $M; prints LEAK on success.
escape_tries() {
	cat <<EOS
for p in /proc/[0-9]* /proc/self /proc/1; do
	cat \$p/root$M 2>/dev/null && echo "LEAK via \$p/root"
	cat \$p/cwd$M 2>/dev/null && echo "LEAK via \$p/cwd"
done
cd /; cd ../../../..; cat .$M 2>/dev/null && echo "LEAK via .."
mkdir -p /jail/bin; cp /bin/busybox /jail/bin/; ln -sf busybox /jail/bin/sh; ln -sf busybox /jail/bin/cat
chroot /jail /bin/sh -c "cd ../../../..; cat .$M 2>/dev/null && echo LEAK via a second chroot"
for fd in /proc/self/fd/*; do cat \$fd/..$M 2>/dev/null && echo "LEAK via \$fd"; done
echo tried
EOS
}

@test "a process inside cannot reach host files through /proc, .. or a second chroot" {
	run vc "$R" /bin/sh -c "$(escape_tries)"
	[ "$status" = 0 ]
	[ "${lines[-1]}" = tried ]
	[[ "$output" != *LEAK* ]]
	[[ "$output" != *HOST-ONLY* ]]
}

@test "with --unshare-pid the reaper's and the daemon's roots stay out of reach" {
	run vc --unshare-pid "$R" /bin/sh -c "$(escape_tries)"
	[ "$status" = 0 ]
	[ "${lines[-1]}" = tried ]
	[[ "$output" != *LEAK* ]]
}

@test "a process inside cannot mount proc again or make new mounts" {
	run vc --unshare-pid "$R" /bin/sh -c 'mkdir -p /p2; mount -t proc proc /p2 && ls /p2/1/root'
	[ "$status" != 0 ]
	run vc "$R" /bin/sh -c 'mkdir -p /t2; mount -t tmpfs tmpfs /t2'
	[ "$status" != 0 ]
}

@test "directory fds of the caller do not follow the command in" {
	run vc "$R" /bin/sh -c "ls /proc/self/fd/; cat /proc/self/fd/0/..$M 2>/dev/null; cat /proc/self/fd/3$M 2>/dev/null; echo done" 3</ </
	[ "$status" = 0 ]
	[[ "$output" != *HOST-ONLY* ]]
	[ "${lines[-1]}" = done ]
}

@test "the command holds a bounded capability set and no_new_privs" {
	run vc "$R" /bin/sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status'
	[ "$status" = 0 ]
	bnd=$(awk '/^CapBnd/ { print $2 }' <<<"$output")
	# kept: chown(0) dac_override(1) fowner(3) setgid(6) setuid(7) mknod(27)
	for bit in 0 1 3 6 7 27; do (( (0x$bnd >> bit) & 1 )); done
	# dropped: sys_ptrace(19) sys_admin(21) sys_module(16)
	for bit in 16 19 21; do (( !((0x$bnd >> bit) & 1) )); done
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "nothing inside can push input into the caller's terminal (TIOCSTI)" {
	command -v cc >/dev/null || skip "no C compiler to build the probe"
	cc -static -O -o "$R/bin/probe" "$VU_SRCDIR/tests/vuchroot-probe.c" 2>/dev/null ||
		skip "cannot link a static probe (no libc.a)"
	run vc "$R" /bin/probe tiocsti
	[ "$status" = 0 ]
	[ "$output" = EPERM ]
	# the same call outside is not refused by a filter
	run "$R/bin/probe" tiocsti </dev/null
	[ "$output" != EPERM ]
}

@test "the command gets a fresh session keyring" {
	command -v cc >/dev/null || skip "no C compiler to build the probe"
	cc -static -O -o "$R/bin/probe" "$VU_SRCDIR/tests/vuchroot-probe.c" 2>/dev/null ||
		skip "cannot link a static probe (no libc.a)"
	outside=$("$R/bin/probe" keyring)
	run vc "$R" /bin/probe keyring
	[ "$status" = 0 ]
	[ "$output" -gt 0 ]
	[ "$output" != "$outside" ]
}
