#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: a SIGKILL of the daemon in the middle of a write storm loses
# nothing that was fsync'ed and leaves no partial copy-up visible.
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	mkdir -p "$T/l" "$T/u" "$T/m"
	for i in $(seq 1 12); do
		head -c $((512 * 1024)) /dev/urandom >"$T/l/big$i"
	done
}

# Starts the daemon in the foreground (so its pid is known).
start_fg() {
	vo_mount_fg "$T/m" -o "lowerdir=$T/l,upperdir=$T/u" && DPID=$VO_PID
}

@test "after kill -9 during a write storm, fsync'ed files and whole copy-ups remain" {
	start_fg
	# fsync'ed before the storm: must survive
	python3 - "$T/m" <<'PY'
import os, sys
m = sys.argv[1]
for i in range(20):
    fd = os.open(f"{m}/synced{i}", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"S%d\n" % i * 1000)
    os.fsync(fd)
    os.close(fd)
os.chmod(f"{m}/synced0", 0o4711)
os.chmod(f"{m}/big12", 0o600)	# metadata only: a placeholder
fd = os.open(f"{m}/synced0", os.O_RDONLY)
os.fsync(fd)	# flushes the sidecar too
os.close(fd)
fd = os.open(f"{m}/big1", os.O_WRONLY | os.O_APPEND)
os.write(fd, b"tail-synced")
os.fsync(fd)
os.close(fd)
PY
	(
		for round in $(seq 1 200); do
			for i in $(seq 2 12); do
				echo "r$round" >>"$T/m/big$i" 2>/dev/null
			done
			echo "$round" >"$T/m/f$round" 2>/dev/null
			chmod 0750 "$T/m/f$round" 2>/dev/null
			mkdir -p "$T/m/dir$round/sub" 2>/dev/null
			rm -f "$T/m/f$((round - 1))" 2>/dev/null
		done
	) &
	storm=$!
	sleep 0.3
	kill -9 "$DPID"
	wait "$storm" || true
	fusermount3 -u -z "$T/m" 2>/dev/null || umount -l "$T/m"
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	for i in $(seq 0 19); do
		[ "$(head -c 3 "$T/m/synced$i")" = "S$i" ]
		[ "$(stat -c %s "$T/m/synced$i")" = "$(stat -c %s "$T/u/synced$i")" ]
	done
	[ "$(tail -c 11 "$T/m/big1")" = tail-synced ]
	[ "$(stat -c %a "$T/m/synced0")" = 4711 ]
	[ "$(stat -c %a "$T/m/big12")" = 600 ]
	# the sidecar opens fine; rows of files whose removal was not yet
	# committed are stale (ignored) and repair drops them
	vo_umount "$T/m"
	run "$VU_BUILDDIR/bin/vuovl-meta" repair "$T/u"
	[ "$status" -eq 0 ]
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	[ "$(stat -c %a "$T/m/synced0")" = 4711 ]
	# every big file is the lower data, whole, maybe plus appended lines
	for i in $(seq 1 12); do
		cmp -n $((512 * 1024)) "$T/l/big$i" "$T/m/big$i"
	done
	# no leftover of an unfinished copy-up anywhere
	[ -z "$(ls -A "$T/u/.vuovl/work")" ]
	run ls -A "$T/m"
	[[ "$output" != *cu.* ]]
	[[ "$output" != *.wh.* ]]
}

@test "placeholders of metadata-only changes never show zeros after kill -9" {
	start_fg
	# (times are real: a placeholder; owner and mode alone make none)
	for i in $(seq 1 12); do touch -h -d @1000000000 "$T/m/big$i"; done
	kill -9 "$DPID"
	fusermount3 -u -z "$T/m" 2>/dev/null || umount -l "$T/m"
	# the placeholders are there, empty, whatever the sidecar kept
	[ "$(stat -c %s "$T/u/big1")" = $((512 * 1024)) ]
	[ "$(stat -c %b "$T/u/big1")" = 0 ]
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	for i in $(seq 1 12); do cmp "$T/l/big$i" "$T/m/big$i"; done
	echo tail >>"$T/m/big3"
	cmp -n $((512 * 1024)) "$T/l/big3" "$T/m/big3"
	[ "$(tail -c 5 "$T/m/big3")" = tail ]
}

@test "a copy-up is marked until its data are durable: fsync or the next batch clears the mark" {
	start_fg
	echo new >>"$T/m/big1"
	echo new >>"$T/m/big2"
	# published at once, still marked a placeholder on disk
	[ "$(tail -c 4 "$T/m/big1")" = new ]
	[ -e "$T/u/big1" ]
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$T/m/big1"
	[ "$(( 0$(stat -c %a "$T/u/big1") & 01000 ))" = 0 ]
	# the other one: within the batch interval (1 s), without fsync
	for _ in $(seq 50); do
		[ "$(( 0$(stat -c %a "$T/u/big2") & 01000 ))" = 0 ] && break
		sleep 0.1
	done
	[ "$(( 0$(stat -c %a "$T/u/big2") & 01000 ))" = 0 ]
	# the view never shows the mark
	[ "$(stat -c %a "$T/m/big2")" = 644 ]
}

@test "after kill -9 right after copy-ups, each file is whole: the lower data or the new" {
	start_fg
	for i in $(seq 1 12); do echo "new$i" >>"$T/m/big$i"; done
	kill -9 "$DPID"
	fusermount3 -u -z "$T/m" 2>/dev/null || umount -l "$T/m"
	vo_mount "$T/m" -o "lowerdir=$T/l,upperdir=$T/u"
	for i in $(seq 1 12); do
		cmp -n $((512 * 1024)) "$T/l/big$i" "$T/m/big$i"
		size=$(stat -c %s "$T/m/big$i")
		want="new$i"
		[ "$size" = $((512 * 1024)) ] ||
			[ "$(tail -c $(( ${#want} + 1 )) "$T/m/big$i")" = "$want" ]
	done
}
