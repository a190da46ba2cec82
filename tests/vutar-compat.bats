#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar against GNU tar and bsdtar doing the same thing: the same
# listing (tar -tv --numeric-owner), the same bytes where the format
# allows, and archives each of them reads without a word.

load helpers
load vutar-helpers

setup() {
	vu_setup
	mkdir -p "$T/src/a/b" "$T/src/c" "$T/out"
	echo one >"$T/src/a/f"
	echo two >"$T/src/a/b/g"
	echo three >"$T/src/c/h"
	echo four >"$T/src/top"
	ln "$T/src/a/f" "$T/src/a/hl"
	ln -s a/f "$T/src/sl"
	find "$T/src" -exec touch -h -d '2024-02-03 04:05:06' {} +
}

# tar -tv --numeric-owner of an archive (any compression tar guesses)
tv() {
	tar -tv --numeric-owner -f "$@"
}

@test "compressed output to a pipe is the stream bsdtar writes to a file, no zeros after it" {
	command -v bsdtar >/dev/null || skip "bsdtar is missing (libarchive-tools)"
	for z in zstd xz gzip bzip2; do
		"$VUTAR" -c --$z -C "$T/src" top >"$T/v.$z"
		(cd "$T/src" && bsdtar -c --$z -f "$T/b.$z" top)
		# past gzip's header time (bytes 5 to 8): the two ran at other times
		cmp $([ $z != gzip ] || echo -i 8) "$T/v.$z" "$T/b.$z"
		tar --$z -tf "$T/v.$z"
	done
	"$VUTAR" -c --zstd -C "$T/src" . | tar --zstd -tf - >/dev/null
}

@test "GNU tar reads vutar's xattrs without a warning and extracts them the same" {
	touch "$T/probe"
	setfattr -n user.probe -v 1 "$T/probe" 2>/dev/null ||
		skip "the test directory's filesystem takes no user xattrs"
	setfattr -n user.q -v hi "$T/src/a/f"
	setfattr -n user.b -v 2 "$T/src/a"
	"$VUTAR" -cf "$T/v.tar" -C "$T/src" .
	run tar --xattrs -tvf "$T/v.tar"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Ignoring"* ]]
	[[ "$output" == *"-rw-r--r--* "* ]]
	tar --xattrs -xpf "$T/v.tar" -C "$T/out"
	[ "$(getfattr --only-values -n user.q "$T/out/a/f")" = hi ]
	tar --xattrs --sort=name -cf "$T/g.tar" -C "$T/out" .
	diff <(tv "$T/g.tar" --xattrs -v) <(tv "$T/v.tar" --xattrs -v)
}

@test "the archive name's suffix picks zip or cpio as bsdtar -a does, and --format wins" {
	command -v bsdtar >/dev/null || skip "bsdtar is missing (libarchive-tools)"
	rm "$T/src/a/hl"	# which name of a link carries the data follows the order
	for name in x.zip x.cpio x.cpio.gz; do
		"$VUTAR" -cf "$T/v-$name" -C "$T/src" .
		(cd "$T/src" && bsdtar -acf "$T/b-$name" .)
		# (a gzip header's time is the second it was written in)
		[ "$(file -b "$T/v-$name" | sed 's/, last modified: [^,]*//')" = \
		  "$(file -b "$T/b-$name" | sed 's/, last modified: [^,]*//')" ]
		diff <(bsdtar -tvf "$T/b-$name" --numeric-owner | LC_ALL=C sort) \
			<(bsdtar -tvf "$T/v-$name" --numeric-owner | LC_ALL=C sort)
	done
	"$VUTAR" -cf "$T/g.zip" --format=gnu -C "$T/src" .
	file -b "$T/g.zip" | grep -q 'GNU'
}

@test "a suffix whose format cannot keep owners is refused, and nothing is written" {
	for name in x.7z x.iso x.a; do
		run "$VUTAR" -cf "$T/$name" -C "$T/src" .
		[ "$status" -eq 1 ]
		[[ "$output" == "vutar: cannot create $T/$name: a "*" archive cannot keep a tree's owners"* ]]
		[ ! -e "$T/$name" ]
	done
}

@test "zip keeps the virtual owners, and refuses a device by name" {
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar"
	mkdir "$T/root"
	"$VUTAR" -xf "$T/rootfs.tar" -C "$T/root"
	"$VUTAR" -cf "$T/h.zip" -C "$T/root" home
	bsdtar -tvf "$T/h.zip" --numeric-owner | grep -q '^-rw-r--r-- .* 1000 *1000 .* home/user/.profile$'
	run "$VUTAR" -cf "$T/d.zip" -C "$T/root" dev
	[ "$status" -eq 2 ]
	[[ "$output" == *"vutar: dev/null: zip format cannot archive character devices"* ]]
}

@test "old-style bundled flags read as GNU tar reads them" {
	(cd "$T" && "$VUTAR" czf v.tgz -C src .)
	(cd "$T" && tar czf g.tgz -C src .)
	diff <(tar tzf "$T/g.tgz" | LC_ALL=C sort) <(cd "$T" && "$VUTAR" tf v.tgz | LC_ALL=C sort)
	diff <(cd "$T" && tar tvf v.tgz) <(cd "$T" && "$VUTAR" tvf v.tgz)
	# each letter that takes an argument takes the next word, in order
	(cd "$T" && "$VUTAR" cCf src v.tar a top)
	(cd "$T" && tar cCf src g.tar --sort=name a top)
	diff <(tv "$T/g.tar") <(tv "$T/v.tar")
	(cd "$T/out" && "$VUTAR" xvf ../v.tar) >"$T/names"
	diff <(tar tf "$T/v.tar") "$T/names"
	[ "$(cat "$T/out/a/b/g")" = two ]
	run "$VUTAR" tfq "$T/v.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: invalid option -- 'q'"* ]]
}

# Everything under a dir but the sidecar: type, name and link target
tree() {
	(cd "$1" && find . -path ./.vuovl -prune -o -printf '%y %p %l\n' | LC_ALL=C sort)
}

@test "member names select what -t and -x take, as in GNU tar; one that matched nothing exits 2" {
	tar -cf "$T/a.tar" -C "$T/src" .
	for names in "./a" "./a/ ./top" "./c/h ./sl" "."; do
		diff <(tar -tf "$T/a.tar" $names) <("$VUTAR" -tf "$T/a.tar" $names)
		diff <(tar -tvf "$T/a.tar" $names) <("$VUTAR" -tvf "$T/a.tar" $names)
		rm -rf "$T/g" "$T/v" && mkdir "$T/g" "$T/v"
		tar -xf "$T/a.tar" -C "$T/g" $names
		"$VUTAR" -xf "$T/a.tar" -C "$T/v" $names
		diff <(tree "$T/g") <(tree "$T/v")
	done
	# GNU tar takes names literally: no ./ added, no wildcards
	status=0
	"$VUTAR" -tf "$T/a.tar" ./top a nope './a/*' >"$T/names" 2>"$T/err" || status=$?
	[ "$status" -eq 2 ]
	[ "$(cat "$T/names")" = ./top ]
	[ "$(cat "$T/err")" = "vutar: a: Not found in archive
vutar: nope: Not found in archive
vutar: ./a/*: Not found in archive" ]
	run "$VUTAR" -xf "$T/a.tar" -C "$T/out" ./c nope
	[ "$status" -eq 2 ]
	[ "$output" = "vutar: nope: Not found in archive" ]
	[ "$(cat "$T/out/c/h")" = three ]
}

@test "-T reads the names for -c, -x and -t, one a line, as GNU tar" {
	printf 'top\n\na/b\nsl\n' >"$T/list"
	"$VUTAR" -c -T "$T/list" -C "$T/src" -f "$T/v.tar"
	tar -c -C "$T/src" -T "$T/list" -f "$T/g.tar"
	diff <(tv "$T/g.tar") <(tv "$T/v.tar")
	printf 'a/b/g\ntop\n' >"$T/list"
	diff <(tar -tf "$T/g.tar" -T "$T/list") <("$VUTAR" -tf "$T/v.tar" --files-from="$T/list")
	"$VUTAR" -xf "$T/v.tar" -T - -C "$T/out" <"$T/list"
	[ "$(tree "$T/out")" = "$(printf 'd . \nd ./a \nd ./a/b \nf ./a/b/g \nf ./top ')" ]
	# names on the command line and in lists, in the order given
	"$VUTAR" -cf "$T/o.tar" -C "$T/src" top -T "$T/list" sl
	[ "$("$VUTAR" -tf "$T/o.tar" | tr '\n' ' ')" = "top a/b/g top sl " ]
	# an empty list packs nothing
	: >"$T/empty"
	"$VUTAR" -cf "$T/e.tar" -C "$T/src" -T "$T/empty"
	[ -z "$(tar -tf "$T/e.tar")" ]
	run "$VUTAR" -x -T - -C "$T/out" <"$T/list"
	[ "$status" -eq 1 ]
	[[ "$output" == *"standard input is the archive"* ]]
	run "$VUTAR" -tf "$T/v.tar" -T "$T/nonexistent"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: -T $T/nonexistent: No such file or directory" ]]
}

@test "--exclude and --exclude-from leave out what GNU tar leaves out, for -c, -t and -x" {
	tar -cf "$T/a.tar" -C "$T/src" .
	for p in a b a/b '*.x' f ./a 'a/*' '*/b' 'b/' . 'c*' '[ab]' 'top/' 'h*'; do
		diff <(tar -tf "$T/a.tar" --exclude="$p") <("$VUTAR" -tf "$T/a.tar" --exclude="$p")
		tar -cf "$T/g.tar" --sort=name --exclude="$p" -C "$T/src" .
		"$VUTAR" -cf "$T/v.tar" --exclude="$p" -C "$T/src" .
		diff <(tv "$T/g.tar") <(tv "$T/v.tar")
		rm -rf "$T/g" "$T/v" && mkdir "$T/g" "$T/v"
		# a link whose target is left out fails in both
		run tar -xf "$T/a.tar" -C "$T/g" --exclude="$p"
		gnu=$status
		run "$VUTAR" -xf "$T/a.tar" -C "$T/v" --exclude="$p"
		[ "$status" -eq "$gnu" ]
		diff <(tree "$T/g") <(tree "$T/v")
	done
	printf 'b\n\ntop\n' >"$T/pats"
	diff <(tar -tf "$T/a.tar" -X "$T/pats" --exclude=sl) \
		<("$VUTAR" -tf "$T/a.tar" -X "$T/pats" --exclude=sl)
	diff <(tar -tf "$T/a.tar" --exclude-from="$T/pats") \
		<("$VUTAR" -tf "$T/a.tar" --exclude-from="$T/pats")
}

@test "--strip-components extracts as GNU tar does, hard link targets too" {
	tar -cf "$T/a.tar" -C "$T/src" .
	tar -cf "$T/p.tar" -C "$T/src" a c top sl
	for arch in a.tar p.tar; do
		for n in 0 1 2 3; do
			rm -rf "$T/g" "$T/v" && mkdir "$T/g" "$T/v"
			tar -xvf "$T/$arch" -C "$T/g" --strip-components=$n >"$T/g.names"
			"$VUTAR" -xvf "$T/$arch" -C "$T/v" --strip-components=$n >"$T/v.names"
			diff <(tree "$T/g") <(tree "$T/v")
			diff "$T/g.names" "$T/v.names"
			# the link's target lost a component too
			[ "$n" != 1 ] || [ "$(stat -c %h "$T/v/$([ $arch = a.tar ] && echo a/)f")" = 2 ]
		done
	done
	run "$VUTAR" -xf "$T/a.tar" -C "$T/v" --strip-components=x
	[ "$status" -eq 1 ]
}

@test "-O writes the members' data to stdout as GNU tar does, and makes nothing" {
	truncate -s 300K "$T/src/sparse"
	echo end >>"$T/src/sparse"
	tar -cSf "$T/a.tar" -C "$T/src" .
	cd "$T/out"
	cmp <(tar -xOf "$T/a.tar") <("$VUTAR" -xOf "$T/a.tar")
	cmp <(tar -xOf "$T/a.tar" ./c ./sparse) <("$VUTAR" -xOf "$T/a.tar" ./c ./sparse)
	cmp <(tar -xOf "$T/a.tar" --exclude=sparse) <("$VUTAR" xOf "$T/a.tar" --exclude=sparse)
	# -v names go to stderr, out of the data's way
	tar -xvOf "$T/a.tar" 2>"$T/g.err" | cat >/dev/null
	"$VUTAR" --to-stdout -xvf "$T/a.tar" 2>"$T/v.err" | cat >/dev/null
	diff "$T/g.err" "$T/v.err"
	[ -z "$(ls -A "$T/out")" ]
	run "$VUTAR" -xOf "$T/a.tar" nope
	[ "$status" -eq 2 ]
	[ "$output" = "vutar: nope: Not found in archive" ]
	run "$VUTAR" -cOf "$T/b.tar" -C "$T/src" .
	[ "$status" -eq 1 ]
}

@test "--numeric-owner: -t shows ids, -c stores no names, -x keeps none, as GNU tar" {
	tar -cf "$T/n.tar" --owner=someone:1234 --group=crew:567 -C "$T/src" .
	diff <(tar -tvf "$T/n.tar" --numeric-owner) <("$VUTAR" -tvf "$T/n.tar" --numeric-owner)
	"$VUTAR" -tvf "$T/n.tar" | grep -q '^-rw-r--r-- someone/crew '
	# -c: no names, so that tar -tv shows ids without being asked
	tar -cf "$T/g.tar" --numeric-owner --sort=name -C "$T/src" .
	"$VUTAR" -cf "$T/v.tar" --numeric-owner -C "$T/src" .
	diff <(tar -tvf "$T/g.tar") <(tar -tvf "$T/v.tar")
	"$VUTAR" -cf "$T/w.tar" -C "$T/src" .
	if getent passwd "$(id -u)" >/dev/null; then
		! diff <(tar -tvf "$T/g.tar") <(tar -tvf "$T/w.tar") >/dev/null
	fi
	# -x: the names are not recorded, vutar -c packs ids alone
	"$VUTAR" -xf "$T/n.tar" --numeric-owner -C "$T/out"
	"$VUTAR" -cf "$T/o.tar" -C "$T/out" .
	tar -tvf "$T/o.tar" | grep -q '^-rw-r--r-- 1234/567 '
	rm -rf "$T/out" && mkdir "$T/out"
	"$VUTAR" -xf "$T/n.tar" -C "$T/out"
	"$VUTAR" -cf "$T/o.tar" -C "$T/out" .
	tar -tvf "$T/o.tar" | grep -q '^-rw-r--r-- someone/crew '
}

@test "--owner, --group, --mtime and --clamp-mtime store what GNU tar stores" {
	export TZ=UTC
	touch -d '2030-01-01 00:00:00' "$T/src/c/h"
	for opts in "--owner=0 --group=0" "--owner=root --group=0" "--owner=1234 --group=99" \
		"--owner=someone:77 --group=crew:88" "--mtime=@0" "--mtime=2024-02-03" \
		"--mtime=2024-02-03 04:05" "--mtime=2025-12-31 23:59:58 --clamp-mtime" \
		"--mtime=$T/src/top --owner=0:0" "--mtime=@1700000000 --numeric-owner --owner=5"; do
		# the options, split at " --"
		IFS=$'\n' read -d '' -ra o < <(sed 's/ --/\n--/g' <<<"$opts") || true
		tar -cf "$T/g.tar" --sort=name "${o[@]}" -C "$T/src" .
		"$VUTAR" -cf "$T/v.tar" "${o[@]}" -C "$T/src" .
		diff <(tar -tvf "$T/g.tar" --full-time) <(tar -tvf "$T/v.tar" --full-time)
	done
	tar -tvf "$T/v.tar" --full-time | grep -q ' 5/[0-9]* .* 2023-11-14 22:13:20 ./top$'
	for bad in --owner=no-such-user --group=no-such-group --owner=x:y --mtime=yesterday \
		--mtime=2024-02-30 --mtime=./nonexistent --clamp-mtime --sort=size --mode=u+q; do
		run "$VUTAR" -cf "$T/x.tar" "$bad" -C "$T/src" .
		[ "$status" -eq 1 ]
		[[ "$output" == "vutar: "* ]]
	done
}

@test "--mode changes modes as GNU tar's --mode, chmod's language" {
	mkdir "$T/m" "$T/m/sd" "$T/m/d"
	chmod 2755 "$T/m/sd"
	chmod 1777 "$T/m/d"
	touch "$T/m/su" "$T/m/p" "$T/m/x"
	chmod 4755 "$T/m/su"
	chmod 600 "$T/m/p"
	chmod 711 "$T/m/x"
	ln -s p "$T/m/l"
	umask 022
	for m in go-w 0644 00644 4755 2700 u+s g+s +t a=rX u=rwx,g=u,o= =r +w g-s a-x = \
		u+x,g-rw,o=u a+X ug=rwX,o-rwx; do
		tar -cf "$T/g.tar" --sort=name --mode="$m" -C "$T/m" .
		"$VUTAR" -cf "$T/v.tar" --mode="$m" -C "$T/m" .
		diff <(tv "$T/g.tar") <(tv "$T/v.tar")
	done
	# over the sidecar's modes too: a device's virtual 0666 becomes 0644
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar"
	"$VUTAR" -xf "$T/rootfs.tar" -C "$T/out"
	"$VUTAR" -cf "$T/r.tar" --mode=go-w -C "$T/out" dev
	tv "$T/r.tar" | grep -q '^crw-r--r-- 0/0 .*1,3 .* dev/null$'
}

@test "--sort: name, none and inode order as GNU tar's" {
	for i in 5 3 9 1 7; do echo $i >"$T/src/c/f$i"; done
	for s in name none inode; do
		tar -cf "$T/g.tar" --sort=$s -C "$T/src" .
		"$VUTAR" -cf "$T/v.tar" --sort=$s -C "$T/src" .
		diff <(tar -tf "$T/g.tar") <(tar -tf "$T/v.tar")
	done
}

# A copy of one tree: made in the order given (other inodes, other
# directory orders), xattrs set in that order, at the time it is made.
make_copy() {
	local d=$1 f
	shift
	mkdir -p "$d/a/b" "$d/c" "$d/e"
	chmod 2750 "$d/c"
	for f in "$@"; do
		echo "$f" >"$d/$f"
	done
	for f in "$@"; do
		setfattr -n "user.$(basename "$f")" -v "$f" "$d/a/f" 2>/dev/null || true
	done
	chmod 4711 "$d/top"
	ln "$d/a/f" "$d/a/hl"
	ln -s a/f "$d/sl"
}

@test "--sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 packs the same bytes every time" {
	umask 022
	repro=(--sort=name --mtime=@0 --numeric-owner --owner=0 --group=0)
	make_copy "$T/one" a/f a/b/g c/h top e/1 e/2 e/3 e/10
	"$VUTAR" -c "${repro[@]}" -zf "$T/1.tgz" -C "$T/one" .
	sleep 1.1
	make_copy "$T/two" e/10 e/3 e/2 e/1 top c/h a/b/g a/f
	[ "$(stat -c %i "$T/one/top")" != "$(stat -c %i "$T/two/top")" ]
	"$VUTAR" -c "${repro[@]}" -z -C "$T/two" . >"$T/2.tgz"
	cmp "$T/1.tgz" "$T/2.tgz"
	"$VUTAR" -c "${repro[@]}" -f "$T/1.tar" -C "$T/one" .
	"$VUTAR" -c "${repro[@]}" -f "$T/1b.tar" -C "$T/one" .
	"$VUTAR" -c "${repro[@]}" -C "$T/two" . >"$T/2.tar"
	cmp "$T/1.tar" "$T/1b.tar"
	cmp "$T/1.tar" <(head -c "$(stat -c %s "$T/1.tar")" "$T/2.tar")
	"$VUTAR" -c "${repro[@]}" --zstd -f "$T/1.tar.zst" -C "$T/one" .
	"$VUTAR" -c "${repro[@]}" --zstd -C "$T/two" . >"$T/2.tar.zst"
	cmp "$T/1.tar.zst" "$T/2.tar.zst"
	# trees extracted by vutar (the owners in sidecars) from archives in
	# other orders pack the same bytes too
	tar -cf "$T/o1.tar" --sort=name -C "$T/one" .
	tar -cf "$T/o2.tar" --sort=inode -C "$T/two" .
	mkdir "$T/x1" "$T/x2"
	"$VUTAR" -xf "$T/o1.tar" -C "$T/x1"
	"$VUTAR" -xf "$T/o2.tar" -C "$T/x2"
	"$VUTAR" -c "${repro[@]}" -f "$T/x1.tar" -C "$T/x1" .
	"$VUTAR" -c "${repro[@]}" -f "$T/x2.tar" -C "$T/x2" .
	cmp "$T/x1.tar" "$T/x2.tar"
	# and it lists as GNU tar's reproducible archive of the same tree
	tar -c "${repro[@]}" -f "$T/g.tar" -C "$T/one" .
	diff <(tv "$T/g.tar") <(tv "$T/1.tar")
}

@test "--xattrs, --acls and -p are accepted, and change nothing: vutar always keeps them" {
	"$VUTAR" -cf "$T/a.tar" -C "$T/src" .
	"$VUTAR" -c --xattrs --acls -f "$T/b.tar" -C "$T/src" .
	cmp "$T/a.tar" "$T/b.tar"
	(cd "$T/out" && "$VUTAR" xpf ../b.tar --xattrs --acls --same-permissions --preserve-permissions)
	diff <(tree "$T/src") <(tree "$T/out")
	diff <("$VUTAR" -tvf "$T/a.tar") <("$VUTAR" -tv --xattrs --acls -pf "$T/a.tar")
}

@test "--totals says what GNU tar says: the archive's bytes and the speed" {
	head -c 1000000 /dev/urandom >"$T/src/big"
	tar -c --totals -C "$T/src" . 2>"$T/g.err" | cat >"$T/g.tar"
	"$VUTAR" -c --totals -C "$T/src" . 2>"$T/v.err" | cat >"$T/v.tar"
	# the same size (a pipe: padded to 10240 bytes), the same line bar the speed
	[ "$(stat -c %s "$T/g.tar")" = "$(stat -c %s "$T/v.tar")" ]
	grep -Eqx 'Total bytes written: [0-9]+ \([0-9.]+KiB, [0-9.]+[KMGT]?i?B/s\)' "$T/v.err"
	[ "$(cut -d, -f1 "$T/g.err")" = "$(cut -d, -f1 "$T/v.err")" ]
	# to a file, what is in it; before compression with -z, as GNU tar
	"$VUTAR" -cf "$T/f.tar" --totals -C "$T/src" . 2>"$T/v.err"
	grep -q "^Total bytes written: $(stat -c %s "$T/f.tar") (" "$T/v.err"
	"$VUTAR" -czf "$T/f.tgz" --totals -C "$T/src" . 2>"$T/z.err"
	grep -q "^Total bytes written: $(stat -c %s "$T/f.tar") (" "$T/z.err"
	# reading: the archive's bytes read
	"$VUTAR" -xf "$T/f.tar" --totals -C "$T/out" 2>"$T/x.err"
	grep -q "^Total bytes read: $(stat -c %s "$T/f.tar") (" "$T/x.err"
	cmp "$T/src/big" "$T/out/big"
	"$VUTAR" -tf "$T/f.tar" 2>"$T/t.err" >/dev/null
	[ ! -s "$T/t.err" ]
}

@test "--checkpoint says where it is every N records, as GNU tar" {
	head -c 1000000 /dev/urandom >"$T/src/big"
	tar -c --checkpoint -C "$T/src" . 2>"$T/g.err" | cat >/dev/null
	"$VUTAR" -c --checkpoint -C "$T/src" . 2>"$T/v.err" | cat >"$T/v.tar"
	[ "$(sed -n '$p' "$T/v.err")" = "vutar: Write checkpoint 90" ]
	diff <(sed 's/^tar:/vutar:/' "$T/g.err") "$T/v.err"
	tar -x --checkpoint=40 -f "$T/v.tar" -C "$T/out" 2>"$T/g.err"
	rm -rf "$T/out" && mkdir "$T/out"
	"$VUTAR" -x --checkpoint=40 -f "$T/v.tar" -C "$T/out" 2>"$T/v.err"
	diff <(sed 's/^tar:/vutar:/' "$T/g.err") "$T/v.err"
	[ "$(cat "$T/v.err")" = "vutar: Read checkpoint 40
vutar: Read checkpoint 80" ]
	run "$VUTAR" -c --checkpoint=0 -f "$T/x.tar" -C "$T/src" .
	[ "$status" -eq 1 ]
}
