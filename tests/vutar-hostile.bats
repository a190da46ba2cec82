#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar -x against archives built to escape the target directory: each bad
# entry is named on stderr, the good ones are extracted, the exit status is
# 2, and nothing appears outside DIR.

load helpers
load vutar-helpers

setup() {
	vu_setup
	# DIR sits inside a sentinel dir whose listing must not change.
	mkdir -p "$T/sentinel/dir"
	echo secret >"$T/sentinel/keep"
	before=$(vutar_snapshot "$T/sentinel" | grep -v '^./dir')
}

# Extracts $T/a.tar into $T/sentinel/dir and checks the common promises.
extract_hostile() {
	run "$VUTAR" -xf "$T/a.tar" -C "$T/sentinel/dir"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(vutar_snapshot "$T/sentinel" | grep -v '^./dir')" = "$before" ]
	[ "$(cat "$T/sentinel/keep")" = secret ]
	[ "$(cat "$T/sentinel/dir/good")" = "data" ]
}

@test "an entry with .. is refused and nothing escapes" {
	vutar_mktar "$T/a.tar" "f ../escape" "f a/../../escape2" "f good"
	extract_hostile
	[[ "$output" == *"vutar: ../escape: refusing a name with '..'"* ]]
	[[ "$output" == *"a/../../escape2"* ]]
	[ ! -e "$T/sentinel/escape" ] && [ ! -e "$T/escape2" ]
}

@test "an absolute path is extracted beneath DIR with one warning" {
	vutar_mktar "$T/a.tar" "f /abs/path" "f /abs/other" "f good"
	run "$VUTAR" -xf "$T/a.tar" -C "$T/sentinel/dir"
	[ "$status" -eq 0 ]
	[ "$(grep -c "removing leading '/'" <<<"$output")" -eq 1 ]
	[ -f "$T/sentinel/dir/abs/path" ]
	[ ! -e /abs/path ]
}

@test "a file written through a symlink to / is refused" {
	vutar_mktar "$T/a.tar" "l l /" "f l/tmp/vutar-pwned-$$" "l up .." "f up/pwned" "f good"
	extract_hostile
	[[ "$output" == *"vutar: l/tmp/vutar-pwned-$$: refusing to write through a symlink"* ]]
	[[ "$output" == *"vutar: up/pwned: refusing to write through a symlink"* ]]
	[ ! -e "/tmp/vutar-pwned-$$" ]
	[ ! -e "$T/sentinel/pwned" ]
	[ -L "$T/sentinel/dir/l" ]
}

@test "a symlink replacing a directory does not let later files through" {
	mkdir -p "$T/outside"
	vutar_mktar "$T/a.tar" "d sub" "l sub $T/outside" "f sub/x" "f good"
	extract_hostile
	[[ "$output" == *"vutar: sub/x:"* ]]
	[ -z "$(ls -A "$T/outside")" ]
}

@test "hard links to files outside DIR are refused" {
	vutar_mktar "$T/a.tar" "h hl1 /etc/passwd" "h hl2 ../keep" "h hl3 missing" "l sl good" "h hl4 sl" "f good"
	extract_hostile
	[[ "$output" == *"vutar: hl1: refusing hard link"* ]]
	[[ "$output" == *"vutar: hl2: refusing hard link"* ]]
	[[ "$output" == *"vutar: hl3: refusing hard link"* ]]
	[[ "$output" == *"vutar: hl4: refusing hard link"* ]]
	[ ! -e "$T/sentinel/dir/hl1" ] && [ ! -e "$T/sentinel/dir/hl2" ]
	[ "$(stat -c %h "$T/sentinel/keep")" -eq 1 ]
}

@test "a 5000-character name is refused" {
	long=$(printf 'x%.0s' $(seq 5000))
	vutar_mktar "$T/a.tar" "f $long" "f good"
	extract_hostile
	[[ "$output" == *"name too long"* ]]
}

@test "the reserved .vuovl name is refused" {
	vutar_mktar "$T/a.tar" "f .vuovl/meta.db" "f good"
	extract_hostile
	[[ "$output" == *"vutar: .vuovl/meta.db: refusing the reserved name .vuovl"* ]]
}

@test "a truncated tar.gz keeps what was extracted and fails" {
	mkdir -p "$T/src"
	echo data >"$T/src/good"
	head -c 300000 /dev/urandom >"$T/src/zbig"
	tar -czf "$T/full.tar.gz" -C "$T/src" good zbig
	head -c $(( $(stat -c %s "$T/full.tar.gz") / 2 )) "$T/full.tar.gz" >"$T/a.tar"
	extract_hostile
	[[ "$output" == *"vutar: "* ]]
}

@test "a garbage header ends the run with an error" {
	vutar_mktar "$T/a.tar" "f good"
	# replace the end-of-archive blocks after the first member with junk
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
blocks = 3 if d[156:157] == b"x" else 2
off = 512 * (blocks)
d[off:off+512] = b"\x7fgarbage" * 64
open(sys.argv[1], "wb").write(d)' "$T/a.tar"
	extract_hostile
	[[ "$output" == *"vutar: archive:"* ]]
}

@test "a missing archive is a usage-class error (exit 1)" {
	run "$VUTAR" -xf "$T/nope.tar" -C "$T/sentinel/dir"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nope.tar"* ]]
}

@test "xattrs that steer overlays stay in the sidecar, never on the host files" {
	python3 - "$T/steer.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("usr"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    ti.pax_headers = {"SCHILY.xattr.user.overlay.opaque": "y",
                      "SCHILY.xattr.user.fuseoverlayfs.override_stat": "0:0:0755",
                      "SCHILY.xattr.user.containers.override_stat": "0:0:0755",
                      "SCHILY.xattr.user.plain": "kept"}
    t.addfile(ti)
PY
	mkdir "$T/d"
	run "$VUTAR" -xf "$T/steer.tar" -C "$T/d"
	[ "$status" = 0 ]
	run getfattr -d -m - "$T/d/usr"
	[[ "$output" != *overlay* ]]
	[[ "$output" != *override_stat* ]]
	"$VUTAR" -cf "$T/again.tar" -C "$T/d" usr
	python3 - "$T/again.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    h = t.getmember("usr").pax_headers
    assert h["SCHILY.xattr.user.overlay.opaque"] == "y", h
    assert h["SCHILY.xattr.user.containers.override_stat"] == "0:0:0755", h
PY
}

@test "host modes follow the umask: an archive's 1777 tmp or 0777 file opens nothing to other users" {
	python3 - "$T/modes.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, typ, mode in ((".", tarfile.DIRTYPE, 0o777), ("tmp", tarfile.DIRTYPE, 0o1777),
                            ("open", tarfile.REGTYPE, 0o777), ("ro", tarfile.REGTYPE, 0o400)):
        ti = tarfile.TarInfo(name); ti.type = typ; ti.mode = mode
        t.addfile(ti, io.BytesIO(b"") if typ == tarfile.REGTYPE else None)
PY
	mkdir -m 0700 "$T/d"
	(umask 022 && "$VUTAR" -xf "$T/modes.tar" -C "$T/d")
	[ "$(stat -c %a "$T/d")" = 700 ]	# DIR itself is not opened up
	[ "$(stat -c %a "$T/d/tmp")" = 755 ]	# no sticky, no world-write on the host
	[ "$(stat -c %a "$T/d/open")" = 755 ]
	[ "$(stat -c %a "$T/d/ro")" = 600 ]	# the user keeps rw
	rm -rf "$T/d" && mkdir -m 0700 "$T/d"
	(umask 077 && "$VUTAR" -xf "$T/modes.tar" -C "$T/d")
	[ "$(stat -c %a "$T/d/tmp")" = 700 ]
	[ "$(stat -c %a "$T/d/open")" = 700 ]
	# the archive's modes live on, virtually
	run sh -c "'$VUTAR' -cf - -C '$T/d' . | tar -tvf -"
	[[ "$output" == *"drwxrwxrwt"*"./tmp/"* ]]
	[[ "$output" == *"-rwxrwxrwx"*"./open"* ]]
}

@test "names with control characters are shown escaped, as GNU tar shows them" {
	python3 - "$T/ctl.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name in ("evil\nvutar: all fine", "bell\a\x1b[2K", "c1\u009bx"):
        ti = tarfile.TarInfo(name); ti.size = 0
        t.addfile(ti, io.BytesIO(b""))
    ti = tarfile.TarInfo("../up\rpwned"); ti.size = 0
    t.addfile(ti, io.BytesIO(b""))
PY
	run "$VUTAR" -tf "$T/ctl.tar"
	[ "${lines[0]}" = 'evil\nvutar: all fine' ]
	[ "${lines[1]}" = 'bell\a\033[2K' ]
	[ "${lines[2]}" = 'c1\302\233x' ]
	[ "${#lines[@]}" = 4 ]
	run "$VUTAR" -tvf "$T/ctl.tar"
	[[ "${lines[0]}" == *' evil\nvutar: all fine' ]]
	mkdir "$T/d"
	run "$VUTAR" -xvf "$T/ctl.tar" -C "$T/d"
	[ "$status" = 2 ]
	[[ "$output" == *"vutar: ../up\\rpwned: refusing"* ]]
	[[ "$output" != *$'\r'* ]] && [[ "$output" != *$'\e'* ]]
}

@test "a symbolic link without a target is refused, and listed with an empty one" {
	python3 - "$T/empty.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("nolink"); ti.type = tarfile.SYMTYPE; ti.linkname = ""
    t.addfile(ti)
PY
	run "$VUTAR" -tvf "$T/empty.tar"
	[[ "$output" == *" nolink -> " ]]
	mkdir "$T/d"
	run "$VUTAR" -xf "$T/empty.tar" -C "$T/d"
	[ "$status" = 2 ]
	[ "$output" = "vutar: nolink: refusing a symbolic link without a target" ]
	[ ! -e "$T/d/nolink" ] && [ ! -L "$T/d/nolink" ]
}

@test "a text file is no archive: vutar -x -f /etc/passwd makes nothing and fails" {
	mkdir "$T/d"
	run "$VUTAR" -xf /etc/passwd -C "$T/d"
	[ "$status" = 1 ]
	[ "$output" = "vutar: cannot read /etc/passwd: Unrecognized archive format" ]
	[ -z "$(ls -A "$T/d" | grep -v '^\.vuovl$')" ]
}

# usr1 ARGS...: vutar ARGS writing its data to a fifo read slowly, sent
# SIGUSR1 after the first MiB; its stderr in $T/err.
usr1() {
	local pid
	[ -p "$T/fifo" ] || mkfifo "$T/fifo"
	"$VUTAR" "$@" >"$T/fifo" 2>"$T/err" &
	pid=$!
	exec 7<"$T/fifo"
	head -c 1M <&7 >/dev/null
	kill -USR1 "$pid"
	cat <&7 >/dev/null
	exec 7<&-
	wait "$pid"
}

@test "SIGUSR1 asks for a progress line; it does not kill vutar" {
	head -c 50M /dev/zero >"$T/big"
	usr1 -cf - -C "$T" big
	grep -q '^vutar: [0-9]* entr[a-z]*, [0-9.]*[KMG]*i*B, [0-9.]*[KMG]*i*B/s$' "$T/err"
	# reading a file, its size is known: how far, and how long is left, as pv
	"$VUTAR" -cf "$T/big.tar" -C "$T" big
	usr1 -xOf "$T/big.tar"
	grep -q '^vutar: 1 entry, [0-9.]*[KMG]*i*B, [0-9.]*[KMG]*i*B/s, [0-9]*% of 51MiB, [0-9]*:[0-9][0-9] left$' "$T/err"
}
