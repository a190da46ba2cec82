#!/usr/bin/env bats
# vuovl: merged directory listings.
load helpers
load vuovl-helpers

setup() {
	vu_setup
	need_fuse
	vo_stack
	vo_mount_stack
}

teardown() { vu_teardown; }

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
