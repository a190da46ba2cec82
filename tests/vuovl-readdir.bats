#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: merged directory listings.
load helpers
load vuovl-helpers

setup() {
	vo_setup
	vo_mount_stack
}

listing() { ls -A "$1" | tr '\n' ' '; }

@test "each name is listed once even when several layers hold it" {
	[ "$(listing "$T/m/d")" = "a b link sub " ]
	[ "$(ls -A "$T/m/d" | sort | uniq -d)" = "" ]
}

@test "a listing shows upper, lower and new entries together" {
	echo n >"$T/m/d/new"
	echo x >>"$T/m/d/b"
	[ "$(listing "$T/m/d")" = "a b link new sub " ]
}

@test "whited-out names disappear from listings, also after remount" {
	rm "$T/m/d/b"
	rm -r "$T/m/d/sub"
	[ "$(listing "$T/m/d")" = "a link " ]
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(listing "$T/m/d")" = "a link " ]
}

@test "rm -rf of a lower tree empties it from the view" {
	rm -rf "$T/m/tree" "$T/m/d"
	[ "$(listing "$T/m")" = "fifo t " ]
	[ -f "$T/l2/tree/a/b/f" ]
}

@test "a listing of many entries across layers is complete" {
	for i in $(seq 1 300); do echo "$i" >"$T/l2/d/f$i"; done
	for i in $(seq 250 400); do echo "$i" >"$T/l1/d/f$i"; done
	vo_umount "$T/m"
	vo_mount_stack
	for i in $(seq 1 50); do rm "$T/m/d/f$i"; done
	[ "$(ls "$T/m/d" | grep -c '^f')" = 350 ]
	[ "$(ls "$T/m/d" | sort | uniq -d)" = "" ]
}

@test "a re-read directory shows what was removed meanwhile" {
	python3 - "$T/m/d" <<'PY'
import os, sys
d = sys.argv[1]
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
first = sorted(os.listdir(fd))
os.unlink(os.path.join(d, "b"))
os.lseek(fd, 0, os.SEEK_SET)
second = sorted(os.listdir(fd))
assert "b" in first and "b" not in second, (first, second)
PY
}

@test "ls -l shows types, sizes and modes of merged entries" {
	run ls -l "$T/m/d"
	[[ "$output" == *"lrwxrwxrwx"*"link -> ../t"* ]]
	[[ "$output" == *"drwx"*"sub"* ]]
}

@test "with a long timeout the kernel's cached listings follow every change made through the view" {
	vo_umount "$T/m"
	vo_mount_stack -o timeout=86400
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "a b link sub " ]
	touch "$T/m/d/new"
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "a b link new sub " ]
	rm "$T/m/d/b"
	mv "$T/m/d/a" "$T/m/d/z"
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "link new sub z " ]
	rm -r "$T/m/d/sub"
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "link new z " ]
	[ "$(find "$T/m/d" | wc -l)" = 4 ]
}

# Removes half of the names a reader has not reached yet, halfway
# through its listing: each name left comes exactly once, none twice.
listing_survives_removals() {
	python3 - "$T/m/big" <<'PY'
import os, sys
d = sys.argv[1]
every = {"name-of-some-length-%04d" % i for i in range(3000)}
it = os.scandir(d)
seen = [next(it).name for _ in range(100)]
removed = set(sorted(every - set(seen))[::2])
for n in removed:
    os.unlink(os.path.join(d, n))
seen += [e.name for e in it]
assert len(seen) == len(set(seen)), "a name came twice"
assert set(seen) <= every, set(seen) - every
missing = (every - removed) - set(seen)
assert not missing, sorted(missing)[:5]
PY
}

@test "a listing read in pieces stays whole while names go behind the reader" {
	vo_umount "$T/m"
	mkdir "$T/l2/big"
	for i in $(seq -f %04g 0 2999); do : >"$T/l2/big/name-of-some-length-$i"; done
	# default: the kernel opens directories itself, offsets are cookies
	vo_mount_stack
	listing_survives_removals
	vo_umount "$T/m"
	# a short timeout: one handle per open, offsets index its snapshot
	rm -rf "$T/u"; mkdir "$T/u"
	vo_mount_stack -o timeout=1
	listing_survives_removals
}

# A tree of subdirectories for the read-ahead (vuovl/dirahead.c).
ahead_tree() {
	python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
for s in range(1, 5):
    for n in range(1, 41):
        os.makedirs(os.path.join(root, "s%d" % s, "deep%d" % (n % 4)), exist_ok=True)
        open(os.path.join(root, "s%d" % s, "f%d" % n), "w").write("%d\n" % n)
PY
}

# The changes, in the view or in a copy of the host tree.
ahead_changes() {
	rm "$1/s1/f1"
	mv "$1/s1/f2" "$1/s2/moved"
	rm "$1/s1/f3" && mkdir "$1/s1/f3"
	echo new >"$1/s3/new"
	rm -r "$1/s4/deep1"
	mv "$1/s4/deep2" "$1/s1/deep2moved"
}

tree_of() { (cd "$1" && find . -printf '%P %y %s\n' | sort); }

@test "directories resolved ahead of a walk show the changes made before it reads them" {
	vo_umount "$T/m"
	ahead_tree "$T/l2/p"
	cp -a "$T/l2/p" "$T/expect"
	ahead_changes "$T/expect"
	for opts in "" "-o nodirahead"; do
		rm -rf "$T/u"; mkdir "$T/u"
		# shellcheck disable=SC2086 # $opts: words on purpose
		vo_mount_stack $opts
		ls "$T/m/p" >/dev/null	# s1..s4 are queued and resolved
		ls "$T/m/p/s4" >/dev/null
		sleep 0.2
		ahead_changes "$T/m/p"
		[ "$(tree_of "$T/m/p")" = "$(tree_of "$T/expect")" ]
		vo_umount "$T/m"
		vo_mount_stack $opts
		[ "$(tree_of "$T/m/p")" = "$(tree_of "$T/expect")" ]
		rm -rf "$T/m/p"
		[ ! -e "$T/m/p" ]
		vo_umount "$T/m"
	done
	[ -f "$T/l2/p/s1/f1" ]	# the lower untouched
}

@test "an unmount while directories are resolved ahead ends at once and loses nothing" {
	vo_umount "$T/m"
	python3 - "$T/l2/wide" <<'PY'
import os, sys
for d in range(300):
    p = os.path.join(sys.argv[1], "d%03d" % d)
    os.makedirs(p)
    for f in range(30):
        open(os.path.join(p, "f%02d" % f), "w").close()
PY
	vo_mount_stack
	ls "$T/m/wide" >/dev/null	# 300 subdirectories queued
	chmod 700 "$T/m/wide/d000"
	vo_umount "$T/m"
	not_mounted "$T/m"
	vo_mount_stack
	[ "$(find "$T/m/wide" -type f | wc -l)" = 9000 ]
	[ "$(stat -c %a "$T/m/wide/d000")" = 700 ]
	vo_umount "$T/m"
}

@test "vuovl --help lists -o nodirahead" {
	run "$VUOVL_BIN" --help
	[[ "$output" == *"-o nodirahead"* ]]
}
