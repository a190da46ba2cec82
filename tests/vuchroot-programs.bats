#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuchroot: what real programs do inside a session, as root of it: the
# file idioms (apt's unlinked temporary files and the like) on both write
# modes, and on a Debian root file system dpkg -i of a local package,
# ldconfig, useradd and passwd. The Debian parts need the minbase tarball
# and the hello package that scripts/test fetches from the mirror
# (VU_MINBASE_TAR, VU_HELLO_DEB).

load helpers
load vuchroot-helpers

IDIOMS="$VU_BUILDDIR/tests/vuovl-idioms"

setup() {
	vc_setup
	[ "$VC_VIEW" = vuovl ] || skip "the idioms are the view's to keep"
	mkdir "$T/tmp" "$T/plain"
	export TMPDIR=$T/tmp
}

@test "the file idioms behave inside vuchroot, --cow and in place, as on a plain directory" {
	run "$IDIOMS" "$T/plain"
	[ "$status" = 0 ]
	want=$output
	cp "$IDIOMS" "$R/bin/idioms"
	for mode in --cow=$T/up --chdir=/; do
		run vc "$mode" "$R" /bin/sh -c 'mkdir -p /work && /bin/idioms /work && /bin/idioms /tmp'
		echo "$mode: $output"
		[ "$status" = 0 ]
		[ "$output" = "$want"$'\n'"$want" ]
	done
}

# A Debian minbase extracted by the user, or a skip naming what is missing.
debian_root() {
	[ -n "${VU_MINBASE_TAR:-}" ] && [ -r "$VU_MINBASE_TAR" ] ||
		skip "no Debian minbase tarball (VU_MINBASE_TAR; scripts/test makes one when the mirror is reachable)"
	[ -n "${VU_HELLO_DEB:-}" ] && [ -r "$VU_HELLO_DEB" ] ||
		skip "no hello package (VU_HELLO_DEB; scripts/test fetches one when the mirror is reachable)"
	mkdir "$T/deb"
	"$VUTAR" -xf "$VU_MINBASE_TAR" -C "$T/deb"
	cp "$VU_HELLO_DEB" "$T/hello.deb"
}

@test "dpkg -i of a local package, ldconfig, useradd and passwd work inside vuchroot --cow" {
	debian_root
	run "$VUCHROOT" --cow="$T/up" --bind "$T/hello.deb:/tmp/hello.deb" "$T/deb" /bin/sh -euc '
		export PATH=/usr/sbin:/usr/bin:/sbin:/bin
		dpkg -i /tmp/hello.deb >/dev/null
		hello
		dpkg-query -W -f "\${Status}\n" hello
		ldconfig && ldconfig -p | grep -c "libc.so.6"
		useradd -m -s /bin/sh bob
		echo bob:secret | chpasswd
		passwd -S bob | cut -d" " -f1,2
		stat -c "%U:%G %a" /home/bob /etc/shadow
		su -s /bin/sh -c "id -un; touch ~/made" bob
		stat -c "%U %a" /home/bob/made'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = "Hello, world!" ]
	[ "${lines[1]}" = "install ok installed" ]
	[ "${lines[2]}" -ge 1 ]
	[ "${lines[3]}" = "bob P" ]
	[ "${lines[4]}" = "bob:bob 755" ]
	[ "${lines[5]}" = "root:shadow 640" ]
	[ "${lines[6]}" = bob ]
	[ "${lines[7]}" = "bob 644" ]
	# the next session sees it all, NEWROOT untouched
	run "$VUCHROOT" --cow="$T/up" "$T/deb" /usr/bin/hello
	[ "$output" = "Hello, world!" ]
	[ ! -e "$T/deb/usr/bin/hello" ]
}
