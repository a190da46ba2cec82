#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# -o noopen (the default): the kernel opens and closes files without a
# round trip; reads and writes go through one host fd per file (iofd.c).
# What a program sees must not change: copy-up on the first write,
# O_TRUNC, files unlinked or replaced while open, more files than the
# fd cache holds.
load helpers
load vuovl-helpers

setup() { vo_setup; }

# count OP FILE: how many OP requests the stats FILE counted (0: none)
count() {
	awk -v op="$1" '$1 == op { print $2; f = 1 } END { if (!f) print 0 }' "$2"
}

# mount_plain ARGS...: the stack of vo_stack, without the matrix's
# options (a count asserted here is the default's, or the one asked)
mount_plain() {
	env -u VUOVL_OPTIONS "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" "$@" "$T/m"
	VU_MOUNTS+=("$T/m")
}

@test "opens and closes of files make no round trip, and -o open brings them back" {
	for i in $(seq 40); do echo "f$i" >"$T/l2/d/f$i"; done
	mount_plain -o "stats=$T/noopen"
	for i in $(seq 40); do [ "$(cat "$T/m/d/f$i")" = "f$i" ]; done
	for i in $(seq 40); do [ "$(cat "$T/m/d/f$i")" = "f$i" ]; done
	vo_umount "$T/m"
	mount_plain -o "open,stats=$T/open"
	for i in $(seq 40); do [ "$(cat "$T/m/d/f$i")" = "f$i" ]; done
	vo_umount "$T/m"
	cat "$T/noopen" "$T/open"
	# the first OPEN learns ENOSYS, and no RELEASE follows any close
	[ "$(count OPEN "$T/noopen")" -eq 1 ]
	[ "$(count RELEASE "$T/noopen")" -eq 0 ]
	[ "$(count OPEN "$T/open")" -eq 40 ]
	[ "$(count RELEASE "$T/open")" -eq 40 ]
}

@test "a write copies a lower file up, O_TRUNC empties it, the lower stays" {
	mount_plain
	exec 7<>"$T/m/d/b"	# opened for writing: nothing copied yet
	[ ! -e "$T/u/d/b" ]
	echo changed >&7
	exec 7>&-
	[ "$(cat "$T/m/d/b")" = changed ]
	echo truncated >"$T/m/t"	# O_TRUNC of a lower file
	[ "$(cat "$T/m/t")" = truncated ]
	: >"$T/m/d/a"
	[ ! -s "$T/m/d/a" ]
	printf more >>"$T/m/tree/a/b/f"
	vo_umount "$T/m"
	[ "$(cat "$T/l2/d/b")" = l2b ]
	[ "$(cat "$T/l1/t")" = top ]
	[ "$(cat "$T/l1/d/a")" = l1a ]
	mount_plain
	[ "$(cat "$T/m/d/b")" = changed ]
	[ "$(cat "$T/m/t")" = truncated ]
	[ ! -s "$T/m/d/a" ]
	[ "$(cat "$T/m/tree/a/b/f")" = "$(printf 'deep\nmore')" ]
}

@test "more files than the fd cache holds read and write right, and its fds stay bounded" {
	mkdir "$T/l2/many"
	for i in $(seq 300); do echo "lower $i" >"$T/l2/many/f$i"; done
	# a limit of 256 fds: a cache of 64
	(ulimit -n 256 && env -u VUOVL_OPTIONS "$VUOVL_BIN" -o "lowerdir=$T/l1:$T/l2,upperdir=$T/u" "$T/m")
	VU_MOUNTS+=("$T/m")
	for i in $(seq 300); do echo "upper $i" >>"$T/m/many/f$i"; done
	for i in $(seq 300); do echo "new $i" >"$T/m/many/n$i"; done
	for i in $(seq 300); do
		[ "$(cat "$T/m/many/f$i")" = "$(printf 'lower %s\nupper %s' "$i" "$i")" ]
		[ "$(cat "$T/m/many/n$i")" = "new $i" ]
	done
	pid=$(pgrep -f "vuovl.*$T/m" | head -1)
	n=$(ls "/proc/$pid/fd" | wc -l)
	echo "daemon fds: $n"
	[ "$n" -lt 200 ]
	[ "$(cat "$T/l2/many/f7")" = "lower 7" ]
	# its last sync of 600 new files may take long on a busy disk: 30 s
	fusermount3 -u "$T/m"
	for i in $(seq 300); do pgrep -f "vuovl.*$T/m" >/dev/null || break; sleep 0.1; done
	run pgrep -f "vuovl.*$T/m"
	[ "$status" -ne 0 ]
}

@test "a file replaced on the host under a live upper shows its new data" {
	mkdir "$T/live"
	echo old >"$T/live/conf"
	vo_mount "$T/m" -o "upperdir=$T/live,timeout=1"
	[ "$(cat "$T/m/conf")" = old ]
	echo "new and longer" >"$T/live/conf.new"
	mv "$T/live/conf.new" "$T/live/conf"
	sleep 1.2
	[ "$(cat "$T/m/conf")" = "new and longer" ]
}

@test "a file renamed over and unlinked while open is still read and written" {
	mount_plain
	echo first >"$T/m/new"
	exec 7<>"$T/m/new"
	echo second >"$T/m/other"
	mv "$T/m/other" "$T/m/new"	# the open one loses its name
	[ "$(cat <&7)" = first ]
	echo appended >&7
	exec 7>&-
	[ "$(cat "$T/m/new")" = second ]
	exec 7<"$T/m/d/b"	# a lower file, never read before its unlink
	rm "$T/m/d/b"
	[ "$(cat <&7)" = l2b ]
	exec 7<&-
	[ ! -e "$T/m/d/b" ]
}

@test "where a rule refuses writes, opens reach the daemon and refuse them" {
	mount_plain -o "ro=/d,stats=$T/stats"
	run sh -c "echo x >'$T/m/d/a'"
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ "$(cat "$T/m/d/a")" = l1a ]
	vo_umount "$T/m"
	cat "$T/stats"
	[ "$(count OPEN "$T/stats")" -ge 2 ]
}

@test "a file created O_APPEND is written at the offset another opener asks, writeback cache on and off" {
	for wb in writeback nowriteback; do
		mount_plain -o "$wb"
		run python3 -c 'import os, sys
a = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR | os.O_APPEND, 0o644)
os.write(a, b"0123456789")
b = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(b, b"AB", 2)
os.close(b)
os.write(a, b"!")
os.close(a)
print(open(sys.argv[1], "rb").read().decode())' "$T/m/app-$wb"
		echo "$wb: $output"
		[ "$output" = "01AB456789!" ]
		vo_umount "$T/m"
	done
}
