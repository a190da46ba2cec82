#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: what the command finds inside — /proc /dev /sys, binds, tmpfs,
# and the uts/pid/net/ipc namespaces asked for.

load helpers
load vuchroot-helpers

setup() { vc_setup; }

@test "inside there is /proc, a small /dev and a read-only /sys" {
	run vc "$R" /bin/sh -c 'ls /dev; test -r /proc/self/status && echo proc-ok;
		echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c;
		touch /sys/x 2>/dev/null || echo sys-ro; mount | grep -c " /dev/pts type devpts"'
	[ "$status" = 0 ]
	for n in null zero full random urandom tty ptmx pts shm; do
		[[ " ${lines[*]} " == *" $n "* ]]
	done
	[[ "$output" == *proc-ok* ]]
	[[ "$output" == *null-ok* ]]
	[[ "$output" == *sys-ro* ]]
	[ "${lines[-1]}" = 1 ]
}

@test "the host's resolv.conf is seen unless the network is private" {
	[ -r /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
	run vc "$R" /bin/cat /etc/resolv.conf
	[ "$output" = "$(cat /etc/resolv.conf)" ]
	run vc --unshare-net "$R" /bin/cat /etc/resolv.conf
	[ "$output" = "nameserver 127.0.0.53" ]
}

@test "--bind shows a host directory inside, both ways" {
	mkdir "$T/host"
	echo from-host >"$T/host/a"
	run vc --bind "$T/host:/mnt/h" "$R" /bin/sh -c 'cat /mnt/h/a; echo from-inside > /mnt/h/b'
	[ "$status" = 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$T/host/b")" = from-inside ]
	run vc --bind "$T/host/a" "$R" /bin/cat "$T/host/a"
	[ "$output" = from-host ]
}

@test "--ro-bind refuses writes" {
	mkdir "$T/host"
	echo keep >"$T/host/a"
	run vc --ro-bind "$T/host:/data" "$R" /bin/sh -c 'cat /data/a; echo x > /data/a'
	[ "$status" != 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(cat "$T/host/a")" = keep ]
}

@test "--bind keeps the owners set inside virtual: the host files stay the user's" {
	[ "$VC_VIEW" = vuovl ] || skip "virtual owners are the vuovl view's"
	mkdir "$T/host"
	echo from-host >"$T/host/a"
	run vc --cow --bind "$T/host:/mnt/h" "$R" /bin/sh -c \
		'touch /mnt/h/f; chown 1000:100 /mnt/h/f; mkdir /mnt/h/d; chown 5:6 /mnt/h/d
		 stat -c "%u:%g %n" /mnt/h/f /mnt/h/d'
	[ "$status" = 0 ]
	[ "${lines[0]}" = "1000:100 /mnt/h/f" ]
	[ "${lines[1]}" = "5:6 /mnt/h/d" ]
	# on the host: the user's own, whatever the map gave ids inside
	[ "$(stat -c %u:%g "$T/host/f")" = "$(id -u):$(id -g)" ]
	[ "$(stat -c %u:%g "$T/host/d")" = "$(id -u):$(id -g)" ]
	# the owners were kept (in the bound directory's sidecar) for the next session
	run vc --bind "$T/host:/mnt/h" "$R" /bin/stat -c "%u:%g" /mnt/h/f
	[ "$output" = "1000:100" ]
	# and NEWROOT got no mount point for it
	[ ! -e "$R/mnt/h" ]
}

@test "a bound file is not given an owner the host would not give the user" {
	[ "$VC_VIEW" = vuovl ] || skip "the vuovl view decides"
	is_root && skip "real root maps every id as itself and may give host files any owner"
	echo f >"$T/hostfile"
	run vc --cow --bind "$T/hostfile:/etc/hostfile" "$R" /bin/sh -c \
		'chown 9:9 /etc/hostfile || echo refused; chmod 640 /etc/hostfile; stat -c "%a %u" /etc/hostfile'
	[ "$status" = 0 ]
	[[ "$output" == *"Operation not permitted"*refused* ]]
	[ "${lines[-1]}" = "640 0" ]
	[ "$(stat -c %u:%g "$T/hostfile")" = "$(id -u):$(id -g)" ]
}

@test "--ro keeps NEWROOT read-only and a --bind writable; --vuovl-opt adds a rule" {
	[ "$VC_VIEW" = vuovl ] || skip "rules are the vuovl view's"
	mkdir "$T/host"
	run vc --ro --bind "$T/host:/data" --vuovl-opt hide=/etc/passwd "$R" /bin/sh -c \
		'echo x > /data/x && echo wrote; touch /new 2>&1; cat /etc/passwd 2>&1'
	[ "$status" != 0 ]
	[ "${lines[0]}" = wrote ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[[ "${lines[2]}" == *"No such file or directory"* ]]
	[ "$(cat "$T/host/x")" = x ]
}

@test "--bind-real is a kernel bind mount, as bwrap's" {
	mkdir "$T/host"
	run vc --bind-real "$T/host:/mnt/h" "$R" /bin/sh -c 'echo in > /mnt/h/b; grep -c " /mnt/h " /proc/self/mountinfo'
	[ "$status" = 0 ]
	[ "$output" = 1 ]
	[ "$(cat "$T/host/b")" = in ]
}

@test "--tmpfs gives an empty writable directory that vanishes at exit" {
	run vc --tmpfs /tmp "$R" /bin/sh -c 'ls -A /tmp | wc -l; echo x > /tmp/t && cat /tmp/t'
	[ "$status" = 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = x ]
	[ ! -e "$R/tmp/t" ]
}

@test "--hostname sets the host name in a private UTS namespace" {
	run vc --hostname vubox "$R" /bin/hostname
	[ "$output" = vubox ]
	[ "$(hostname)" != vubox ]
}

@test "--unshare-pid gives a fresh /proc where the command's parent is pid 1" {
	run vc --unshare-pid "$R" /bin/sh -c 'echo $$; echo $PPID; ls -d /proc/[0-9]* | wc -l'
	[ "$status" = 0 ]
	[ "${lines[1]}" = 1 ]
	# the reaper, the daemon (vuovl view), the shell, ls and wc
	[ "${lines[2]}" -le 6 ]
}

@test "--unshare-net leaves only the loopback, up" {
	run vc --unshare-net "$R" /bin/sh -c 'ls /sys/class/net; ip link show lo'
	[ "$status" = 0 ]
	[ "${lines[0]}" = lo ]
	[[ "$output" == *"UP"* ]]
}

@test "--unshare-ipc gives a private IPC namespace" {
	host=$(readlink /proc/self/ns/ipc)
	run vc --unshare-ipc "$R" /bin/readlink /proc/self/ns/ipc
	[ "$status" = 0 ]
	[[ "$output" == ipc:* ]]
	[ "$output" != "$host" ]
	run vc "$R" /bin/readlink /proc/self/ns/ipc
	[ "$output" = "$host" ]
}

@test "--allow-mounts lets the command mount in its own namespace; without it, mount is refused" {
	run vc --unshare-pid --allow-mounts "$R" /bin/sh -c \
		'mkdir -p /tmp/p /tmp/t /tmp/b
		 mount -t proc proc /tmp/p && ls /tmp/p/1/ >/dev/null && echo proc-ok
		 mount -t tmpfs tmpfs /tmp/t && echo tmpfs-ok
		 mount --bind /bin /tmp/b && ls /tmp/b/sh >/dev/null && echo bind-ok
		 umount /tmp/b && echo umount-ok'
	[ "$status" = 0 ]
	[ "$output" = "$(printf 'proc-ok\ntmpfs-ok\nbind-ok\numount-ok')" ]
	run vc --unshare-pid "$R" /bin/sh -c 'mkdir -p /tmp/t; mount -t tmpfs tmpfs /tmp/t'
	[ "$status" != 0 ]
}

@test "with --allow-mounts a session runs inside a session" {
	[ "$VC_VIEW" = vuovl ] || skip "the outer session is a --cow / view"
	mkdir "$T/up"
	run timeout 120 "$VUCHROOT" --allow-mounts --cow="$T/up" / "$VUCHROOT" --cow "$R" /bin/sh -c \
		'id -u; touch /x; chown 5:6 /x; stat -c "%u:%g" /x'
	[ "$status" = 0 ]
	[ "${lines[-2]}" = 0 ]
	[ "${lines[-1]}" = 5:6 ]
}
