# SPDX-License-Identifier: GPL-2.0-or-later
# Shared setup of the vuchroot suites (sourced after helpers.bash).
#
# VC_VIEW picks the view every suite runs on: "vuovl" (default, the
# product) or "bind" (vuchroot --view=bind: a plain bind of NEWROOT, for
# testing the namespace machinery without the daemon).

VUCHROOT="$VU_BUILDDIR/bin/vuchroot"
: "${VC_VIEW:=vuovl}"
export VUCHROOT

# The busybox applets the suites use.
VC_APPLETS="sh ls id cat echo mount umount chown chmod stat hostname ps true
false sleep chroot mkdir touch ln rm grep readlink ip head wc kill env pwd
mknod test find sha256sum tar printf uname dd cp mv sort"

# Skips unless vuchroot can run here as this user on the chosen view.
vc_need() {
	[ -x "$VUCHROOT" ] || skip "vuchroot is not built"
	need_userns
	if [ "$VC_VIEW" = vuovl ]; then
		need_fuse
		[ -x "${VUCHROOT_VUOVL:-/nonexistent}" ] || [ -x "$VU_BUILDDIR/bin/vuovl" ] ||
			command -v vuovl >/dev/null || skip "vuovl is not built"
	fi
	command -v busybox >/dev/null || skip "busybox is not installed"
}

# The setup of a vuchroot suite: scratch dir, the checks of vc_need, a
# busybox NEWROOT in $R.
vc_setup() {
	vu_setup
	vc_need
	R=$T/root
	vc_rootfs "$R"
}

# Makes a busybox rootfs in $1: a static busybox, applet links, /etc with
# root and nobody, a 0600 root-only file, /proc /dev /sys /tmp.
vc_rootfs() {
	local d=$1 a bb
	bb=$(command -v busybox)
	mkdir -p "$d"/{bin,etc,proc,dev,sys,tmp,root,home}
	cp "$bb" "$d/bin/busybox"
	for a in $VC_APPLETS; do ln -sf busybox "$d/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\nuser:x:1000:1000::/home:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nusers:x:100:user\nnogroup:x:65534:\n' >"$d/etc/group"
	echo nameserver 127.0.0.53 >"$d/etc/resolv.conf"
	echo secret >"$d/root/secret"
	chmod 0600 "$d/root/secret"
	chmod 1777 "$d/tmp"
}

# The options that select the chosen view, for direct "$VUCHROOT" calls
# (a background job must be vuchroot itself, not a shell function).
VC_ARGS=()
[ "$VC_VIEW" = bind ] && VC_ARGS=(--view=bind)

# Runs vuchroot on the chosen view: vc [OPTION]... NEWROOT [COMMAND...]
vc() {
	"$VUCHROOT" "${VC_ARGS[@]}" "$@"
}

# A manifest of a tree: path, type, mode, owner, size, mtime, link target
# and content hash, so any change to NEWROOT shows as a diff.
vc_manifest() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %s %T@ %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}

# Processes of this user other than the test's own shell tree, that are
# not zombies, whose command line mentions $1.
vc_running() {
	ps -u "$(id -u)" -o stat=,args= | awk -v pat="$1" '$1 !~ /^Z/ && index($0, pat) && !/awk/'
}
