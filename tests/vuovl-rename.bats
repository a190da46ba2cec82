#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl: rename of files and directories across layers.
load helpers
load vuovl-helpers

setup() {
	vo_setup
	vo_mount_stack
}

@test "renaming a lower file moves it in the view and hides the old name" {
	mv "$T/m/d/b" "$T/m/d/b2"
	[ ! -e "$T/m/d/b" ]
	[ "$(cat "$T/m/d/b2")" = l2b ]
	[ -e "$T/l2/d/b" ]
	vo_umount "$T/m"
	vo_mount_stack
	[ ! -e "$T/m/d/b" ]
	[ "$(cat "$T/m/d/b2")" = l2b ]
}

@test "renaming over an existing lower file replaces it" {
	mv "$T/m/d/b" "$T/m/d/a"
	[ "$(cat "$T/m/d/a")" = l2b ]
	[ ! -e "$T/m/d/b" ]
	[ "$(ls "$T/m/d" | tr '\n' ' ')" = "a link sub " ]
}

@test "renaming a new file over a whited-out name works" {
	rm "$T/m/d/b"
	echo fresh >"$T/m/new"
	mv "$T/m/new" "$T/m/d/b"
	[ "$(cat "$T/m/d/b")" = fresh ]
	[ ! -e "$T/u/d/.wh.b" ]
}

@test "renaming a lower directory moves its whole tree" {
	mv "$T/m/tree" "$T/m/moved"
	[ ! -e "$T/m/tree" ]
	[ "$(cat "$T/m/moved/a/b/f")" = deep ]
	[ -f "$T/l2/tree/a/b/f" ]
	vo_umount "$T/m"
	vo_mount_stack
	[ ! -e "$T/m/tree" ]
	[ "$(cat "$T/m/moved/a/b/f")" = deep ]
}

@test "renaming a merged directory keeps every layer's entries" {
	mv "$T/m/d" "$T/m/d2"
	[ "$(ls "$T/m/d2" | tr '\n' ' ')" = "a b link sub " ]
	[ "$(cat "$T/m/d2/a")" = l1a ]
	[ "$(cat "$T/m/d2/sub/s")" = l2sub ]
	[ ! -e "$T/m/d" ]
}

@test "a directory moved over a whited-out lower directory shows only its own entries" {
	rm -rf "$T/m/d"
	mkdir "$T/m/x"
	echo only >"$T/m/x/only"
	mv "$T/m/x" "$T/m/d"
	[ "$(ls "$T/m/d")" = only ]
}

@test "rename with RENAME_NOREPLACE refuses an existing target" {
	run python3 - "$T/m/d" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
d = sys.argv[1].encode()
r = libc.renameat2(-100, d + b"/a", -100, d + b"/b", 1)
sys.exit(ctypes.get_errno() if r else 0)
PY
	[ "$status" -eq 17 ]	# EEXIST
	[ "$(cat "$T/m/d/b")" = l2b ]
}

@test "rename with RENAME_EXCHANGE swaps two entries" {
	python3 - "$T/m/d" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
d = sys.argv[1].encode()
r = libc.renameat2(-100, d + b"/a", -100, d + b"/b", 2)
assert r == 0, os.strerror(ctypes.get_errno())
PY
	[ "$(cat "$T/m/d/a")" = l2b ]
	[ "$(cat "$T/m/d/b")" = l1a ]
}

@test "renaming a directory onto a non-empty one fails" {
	mkdir "$T/m/e"
	run mv -T "$T/m/e" "$T/m/d"
	[ "$status" -ne 0 ]
	[ -e "$T/m/d/a" ]
}

@test "RENAME_WHITEOUT leaves a 0/0 character device at the old name, as overlayfs stacked on the view wants" {
	rw() {
		python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 4) != 0:
    e = ctypes.get_errno(); sys.exit("renameat2: " + os.strerror(e))' "$@"
	}
	echo a >"$T/m/new"
	rw "$T/m/new" "$T/m/moved"
	rw "$T/m/d/a" "$T/m/d/a2"	# a lower file: copied up, hidden, then the device
	for f in new d/a; do
		[ "$(stat -c '%F %t,%T' "$T/m/$f")" = "character special file 0,0" ]
	done
	[ "$(cat "$T/m/moved")" = a ]
	[ "$(cat "$T/m/d/a2")" = l1a ]
	[ ! -c "$T/u/new" ]	# on the host an empty file: the type is virtual
	vo_umount "$T/m"
	vo_mount_stack
	[ "$(stat -c '%F %t,%T' "$T/m/d/a")" = "character special file 0,0" ]
	run python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 4 | 2)
print(os.strerror(ctypes.get_errno()) if r else "ok")' "$T/m/moved" "$T/m/d/a2"
	[ "$output" = "Invalid argument" ]	# with RENAME_EXCHANGE
}
