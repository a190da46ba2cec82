#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: what real programs do (apt's temporary files, sqlite, git, cp,
# rsync, python's tempfile), through a view, each compared with the same
# steps on a plain directory. Runs under every option set of the matrix
# (VUOVL_OPTIONS, see scripts/test).
load helpers
load vuovl-helpers

IDIOMS="$VU_BUILDDIR/tests/vuovl-idioms"

setup() {
	vo_setup
	mkdir "$T/plain"
}

# Every idiom passes on a plain directory (so the test itself is sound)
# and prints the same through the view: in a new directory and in one
# merged from the lower layers.
@test "the file idioms of real programs behave in a view as on a plain directory" {
	run "$IDIOMS" "$T/plain"
	[ "$status" = 0 ]
	want=$output
	vo_mount_stack
	mkdir "$T/m/new"
	for d in "$T/m/new" "$T/m/d"; do
		run "$IDIOMS" "$d"
		echo "in $d: $output"
		[ "$status" = 0 ]
		[ "$output" = "$want" ]
	done
}

@test "a file unlinked while open keeps its data until the last close, writeback cache on and off" {
	for wb in writeback nowriteback; do
		vo_mount_stack -o "$wb"
		run "$IDIOMS" "$T/m" unlinked-open mmap-write-unlink
		echo "$wb: $output"
		[ "$status" = 0 ]
		[ "$(ls -A "$T/m")" = "$(printf 'd\nfifo\nt\ntree')" ]
		vo_umount "$T/m"
	done
}

@test "apt's idiom: a lower file opened, unlinked, then written through its fd" {
	vo_mount_stack
	exec 7<>"$T/m/d/b"
	rm "$T/m/d/b"
	echo written >&7
	exec 7>&-
	[ ! -e "$T/m/d/b" ]
	[ "$(cat "$T/l2/d/b")" = l2b ]
	vo_umount "$T/m"
	vo_mount_stack
	[ ! -e "$T/m/d/b" ]
}

@test "O_DIRECT reads and writes work through the view" {
	vo_mount_stack
	run "$IDIOMS" "$T/m" direct-io
	[ "$status" = 0 ]
	dd if=/dev/zero of="$T/m/dd" bs=4096 count=4 oflag=direct status=none
	[ "$(stat -c %s "$T/m/dd")" = 16384 ]
}

@test "hard links keep their virtual owner and mode across a remount, whichever name is looked up first" {
	need_fakeroot
	run vo_fakeroot '
		mnt; cd "$T/m"; touch s; ln s h; chown 777:778 s; chmod 4755 s; cd /; umnt
		mnt; stat -c "%n %u:%g %a %h" "$T/m/h" "$T/m/s"; umnt
		mnt; stat -c "%n %u:%g %a %h" "$T/m/s" "$T/m/h"'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "$T/m/h 777:778 4755 2" ]
	[ "${lines[1]}" = "$T/m/s 777:778 4755 2" ]
	[ "${lines[2]}" = "$T/m/s 777:778 4755 2" ]
	[ "${lines[3]}" = "$T/m/h 777:778 4755 2" ]
}

@test "removing the name that carries a hard link's owner keeps it on the other name" {
	need_fakeroot
	# a device node from below (mknod inside a namespace is the kernel's
	# to refuse): its link is a copy whose type is virtual
	python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("null"); ti.type = tarfile.CHRTYPE
    ti.devmajor, ti.devminor, ti.mode = 1, 3, 0o666
    t.addfile(ti)' "$T/dev.tar"
	"$VUTAR" -xf "$T/dev.tar" -C "$T/l1"
	run vo_fakeroot '
		mnt; cd "$T/m"; touch s; ln s h; chown 777:777 s; chmod 4755 s; rm s
		stat -c "%n %u:%g %a %h" h; chown 5:6 h; chmod 0710 h
		stat -c "%n %u:%g %a %h" h; cd /; umnt
		mnt; stat -c "%n %u:%g %a %h" "$T/m/h"
		ln "$T/m/null" "$T/m/null2"; rm "$T/m/null"
		chown 9:9 "$T/m/null2"; stat -c "%n %F %u:%g %t,%T" "$T/m/null2"; umnt
		mnt; stat -c "%n %F %u:%g %t,%T" "$T/m/null2"'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "h 777:777 4755 1" ]
	[ "${lines[1]}" = "h 5:6 710 1" ]
	[ "${lines[2]}" = "$T/m/h 5:6 710 1" ]
	[ "${lines[3]}" = "$T/m/null2 character special file 9:9 1,3" ]
	[ "${lines[4]}" = "$T/m/null2 character special file 9:9 1,3" ]
}

@test "a hard link's owner changed through an open fd after its first name went survives a remount" {
	need_fakeroot
	run vo_fakeroot '
		mnt; cd "$T/m"; echo x >s; ln s h; exec 7<s; rm s
		python3 -c "import os; os.fchown(7, 42, 43)"
		exec 7<&-; cd /; umnt
		mnt; stat -c "%n %u:%g %h" "$T/m/h"'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "$T/m/h 42:43 1" ]
}

@test "sqlite3 with WAL and a temporary table that spills to disk" {
	vo_mount_stack
	sql="PRAGMA journal_mode=WAL; PRAGMA cache_size=8; CREATE TABLE t(x);
	     CREATE TEMP TABLE tt(y);
	     WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<50000)
	       INSERT INTO tt SELECT i FROM c;
	     INSERT INTO t SELECT y*2 FROM tt ORDER BY random();
	     CREATE INDEX ti ON t(x); DELETE FROM t WHERE x % 3 = 0;
	     SELECT count(*), sum(x) FROM t; PRAGMA integrity_check;"
	want=$(cd "$T/plain" && SQLITE_TMPDIR=$T/plain sqlite3 db "$sql")
	run env -C "$T/m" SQLITE_TMPDIR="$T/m" sqlite3 db "$sql"
	[ "$status" = 0 ]
	[ "$output" = "$want" ]
	[[ "$output" == *ok ]]
	vo_umount "$T/m"
	vo_mount_stack
	run sqlite3 "$T/m/db" "SELECT count(*) FROM t; PRAGMA integrity_check;"
	[ "$output" = "$(printf '33334\nok')" ]
}

@test "python's tempfile: TemporaryFile, NamedTemporaryFile and mkdtemp" {
	vo_mount_stack
	code='
import os, tempfile
with tempfile.TemporaryFile() as f:
    f.write(b"x" * 300000); f.seek(0); assert len(f.read()) == 300000
with tempfile.NamedTemporaryFile(delete=True) as f:
    f.write(b"named"); f.flush(); assert open(f.name, "rb").read() == b"named"
d = tempfile.mkdtemp()
assert oct(os.stat(d).st_mode & 0o777) == "0o700"
os.rmdir(d)
with tempfile.SpooledTemporaryFile(max_size=10) as f:
    f.write(b"y" * 1000); f.seek(0); assert f.read() == b"y" * 1000
print("ok")'
	run env TMPDIR="$T/plain" python3 -c "$code"
	[ "$output" = ok ]
	run env TMPDIR="$T/m" python3 -c "$code"
	echo "$output"
	[ "$output" = ok ]
	[ -z "$(ls -A "$T/u" | grep -v '^\.vuovl$')" ]
}

@test "git init, add, commit, gc and fsck" {
	vo_mount_stack
	cd "$T/m"
	git init -q repo
	cd repo
	git config user.email t@example.org
	git config user.name test
	for i in $(seq 40); do echo "line $i" >"f$i"; done
	git add .
	git commit -qm first
	sed -i 's/line/LINE/' f1 f2
	git commit -qam second
	git gc -q
	git fsck --strict
	[ "$(git rev-list --count HEAD)" = 2 ]
	[ -z "$(git status --porcelain)" ]
	cd /
	vo_umount "$T/m"
	vo_mount_stack
	git -C "$T/m/repo" fsck --strict
	[ -z "$(git -C "$T/m/repo" status --porcelain)" ]
}

# A tree with the things copies get wrong: hard links, symlinks, a fifo,
# set-id and sticky modes, a sparse file, old times.
make_src() {
	local s=$1
	mkdir -p "$s/dir/sub" "$s/sticky"
	echo data >"$s/dir/f"
	ln "$s/dir/f" "$s/dir/sub/hard"
	ln -s ../f "$s/dir/sub/sym"
	mkfifo "$s/dir/fifo"
	printf '#!/bin/sh\n' >"$s/suid"
	chmod 4755 "$s/suid"
	chmod 1777 "$s/sticky"
	truncate -s 1M "$s/sparse"
	echo tail >>"$s/sparse"
	touch -h -d 2001-02-03T04:05:06 "$s/dir/f" "$s/dir/sub/sym" "$s/dir"
}

# (times of regular files and symlinks only: rsync leaves a directory
# or fifo it made with the time it made it)
listing() {
	(cd "$1" && find . -printf '%P %y %m %s %n %l\n' | sort &&
		find . \( -type f -o -type l \) -printf '%P %T@\n' | sort &&
		find . -type f -exec md5sum {} + | sort -k2)
}

@test "cp -a and rsync -aH copy a tree into the view as onto a plain directory" {
	make_src "$T/src"
	vo_mount_stack
	cp -a "$T/src" "$T/plain/cp"
	cp -a "$T/src" "$T/m/cp"
	rsync -aH "$T/src/" "$T/plain/rs/"
	rsync -aH "$T/src/" "$T/m/rs/"
	for c in cp rs; do
		diff <(listing "$T/plain/$c") <(listing "$T/m/$c")
	done
	vo_umount "$T/m"
	vo_mount_stack
	for c in cp rs; do
		diff <(listing "$T/plain/$c") <(listing "$T/m/$c")
	done
}

@test "tar x as root keeps owners, modes and links in the view" {
	need_fakeroot
	make_src "$T/src"
	tar -C "$T/src" --owner=123 --group=456 -cf "$T/src.tar" .
	run vo_fakeroot '
		mnt; mkdir "$T/m/x"; tar -C "$T/m/x" -xpf "$T/src.tar"
		cd "$T/m/x"; find . -printf "%P %y %m %U:%G %n %l\n" | sort; cd /; umnt
		mnt; cd "$T/m/x"; find . -printf "%P %y %m %U:%G %n %l\n" | sort'
	echo "$output"
	[ "$status" = 0 ]
	n=$((${#lines[@]} / 2))
	[ "$n" -gt 8 ]
	[ "${lines[*]:0:n}" = "${lines[*]:n}" ]
	[[ "${lines[*]}" == *"suid f 4755 123:456 1 "* ]]
	[[ "${lines[*]}" == *"dir/f f 644 123:456 2 "* ]]
	[[ "${lines[*]}" == *"sticky d 1777 123:456 2 "* ]]
}

@test "hard links of symlinks, fifos and device nodes show one owner through every name at once" {
	need_fakeroot
	run vo_fakeroot '
		mnt; cd "$T/m"
		ln -s target sl; ln -P sl sl2; mkfifo ff; ln ff ff2
		chown -h 5:6 sl; chown 7:8 ff
		stat -c "%n %u:%g %h" sl2 ff2
		cd /; umnt; mnt; cd "$T/m"
		chown -h 9:9 sl2
		stat -c "%n %u:%g %h" sl sl2'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "sl2 5:6 2" ]
	[ "${lines[1]}" = "ff2 7:8 2" ]
	[ "${lines[2]}" = "sl 9:9 2" ]
	[ "${lines[3]}" = "sl2 9:9 2" ]
}
