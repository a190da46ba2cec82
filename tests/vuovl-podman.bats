#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vuovl as rootless podman's and buildah's mount_program, step by step
# against fuse-overlayfs in the same run: each step runs with both, and
# both must give what is expected, so any difference fails. Offline: a
# busybox rootfs imported, runc, no network.

load helpers
load vuovl-helpers

# pod PROG CMD...: CMD with the storage and configuration of PROG (vuovl
# or fuse-overlayfs): own HOME, runtime dir, graph root.
pod() {
	local p=$1
	shift
	env HOME="$PODT/$p/home" XDG_RUNTIME_DIR="$PODT/$p/run" \
		XDG_CONFIG_HOME="$PODT/$p/home/.config" "$@"
}

setup_file() {
	export PODT="$BATS_FILE_TMPDIR"
	local p prog
	for prog in podman buildah runc fuse-overlayfs newuidmap; do
		command -v "$prog" >/dev/null || return 0	# each test says what is missing
	done
	is_root && return 0
	grep -q "^$(id -un):" /etc/subuid || return 0
	"$VU_SRCDIR/scripts/mkrootfs" "$PODT/rootfs.tar" >/dev/null
	for p in vuovl fuse-overlayfs; do
		mkdir -p "$PODT/$p/home/.config/containers" "$PODT/$p/run" "$PODT/$p/work"
		chmod 700 "$PODT/$p/run"
		if [ "$p" = vuovl ]; then prog=$VUOVL_BIN; else prog=$(command -v fuse-overlayfs); fi
		cat >"$PODT/$p/home/.config/containers/storage.conf" <<-EOT
		[storage]
		driver = "overlay"
		graphroot = "$PODT/$p/storage"
		runroot = "$PODT/$p/run/storage"
		[storage.options.overlay]
		mount_program = "$prog"
		EOT
		cat >"$PODT/$p/home/.config/containers/containers.conf" <<-EOT
		[containers]
		netns = "none"
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		EOT
		echo data >"$PODT/$p/work/f"
		pod "$p" podman import -q "$PODT/rootfs.tar" localhost/bb >/dev/null
	done
	touch "$PODT/ready"
}

teardown_file() {
	local p pid
	for p in vuovl fuse-overlayfs; do
		[ -d "$PODT/$p/home" ] || continue
		pod "$p" podman rm -af -t 0 >/dev/null 2>&1 || true
		pod "$p" buildah rm -a >/dev/null 2>&1 || true
		# the storage holds files of subordinate ids: removed from inside
		pod "$p" podman unshare rm -rf "$PODT/$p/storage" "$PODT/$p/run/storage" 2>/dev/null || true
		# podman's pause process, which it started for this run only
		pid=$(cat "$PODT/$p/run/libpod/tmp/pause.pid" 2>/dev/null) &&
			kill "$pid" 2>/dev/null || true
	done
}

setup() {
	vu_setup
	local prog
	for prog in podman buildah runc fuse-overlayfs newuidmap; do
		command -v "$prog" >/dev/null || skip "$prog is not installed (scripts/install-deps installs it)"
	done
	is_root && skip "rootless podman is the case of mount_program; the test user's run covers it"
	grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has no /etc/subuid range"
	# setup_file got this far or failed: never a skip hiding a broken storage
	[ -e "$PODT/ready" ]
}

# both STEP: runs the function STEP with each program; the outputs
# must be equal; $output is vuovl's.
both() {
	local fo
	run "$1" fuse-overlayfs
	[ "$status" = 0 ] || { echo "fuse-overlayfs: $output"; return 1; }
	fo=$output
	run "$1" vuovl
	[ "$status" = 0 ] || { echo "vuovl: $output"; return 1; }
	if [ "$output" != "$fo" ]; then
		echo "fuse-overlayfs gave:"; echo "$fo"; echo "vuovl gave:"; echo "$output"
		return 1
	fi
}

# podman's own warnings (a non-shared /) are not results
quiet() { grep -v 'level=warning' || true; }

run_commit_export() {
	pod "$1" podman rm -f c1 >/dev/null 2>&1
	pod "$1" podman run --name c1 localhost/bb /bin/sh -c \
		'mkdir /d; echo x >/d/a; chown 12:34 /d/a; chmod 4711 /d/a; rm /bin/true
		 ln -s /d/a /d/l; mknod /d/p p; stat -c "%u:%g %a %n" /d/a /etc/passwd' 2>&1 | quiet
	pod "$1" podman commit -q c1 localhost/bb2 >/dev/null 2>&1 || return 1
	pod "$1" podman export c1 | tar -tv --numeric-owner -f - | awk '{print $1, $2, $6}' |
		grep -E ' (d/|bin/true)' | LC_ALL=C sort
	pod "$1" podman run --rm localhost/bb2 /bin/sh -c 'stat -c "%u:%g %a %n" /d/a; ls /bin/true' 2>&1 | quiet
}

@test "podman run, commit and export keep owners, modes, removals, links and fifos" {
	both run_commit_export
	[[ "$output" == *"12:34 4711 /d/a"* ]]
	[[ "$output" == *"-rws--x--x 12/34 d/a"* ]]
	[[ "$output" == *"prw-r--r-- 0/0 d/p"* ]]
	[[ "$output" != *" bin/true"* ]]
	[[ "$output" == *"/bin/true: No such file or directory"* ]]
}

save_load() {
	pod "$1" podman run --rm localhost/bb /bin/sh -c 'true' >/dev/null 2>&1
	pod "$1" podman rm -f c2 >/dev/null 2>&1
	pod "$1" podman run --name c2 localhost/bb /bin/sh -c 'touch /s; chown 3:4 /s' 2>&1 | quiet
	pod "$1" podman commit -q c2 localhost/sl >/dev/null 2>&1 &&
		pod "$1" podman save -q -o "$PODT/$1/sl.tar" localhost/sl 2>/dev/null &&
		pod "$1" podman rmi -f localhost/sl >/dev/null 2>&1 &&
		pod "$1" podman load -q -i "$PODT/$1/sl.tar" >/dev/null 2>&1 || return 1
	pod "$1" podman run --rm localhost/sl stat -c "%u:%g %n" /s 2>&1 | quiet
}

@test "podman save and load carry the owners a container set" {
	both save_load
	[ "$output" = "3:4 /s" ]
}

build() {
	cat >"$PODT/$1/work/Containerfile" <<-EOT
	FROM localhost/bb
	RUN mkdir /b && touch /b/f && chown 5:6 /b/f && rm -rf /home
	COPY f /c
	COPY --chown=1234:1234 f /c2
	EOT
	pod "$1" podman build --network=none -q -t localhost/built "$PODT/$1/work" >/dev/null 2>&1 ||
		return 1
	pod "$1" podman run --rm localhost/built /bin/sh -c 'stat -c "%u:%g %n" /b/f /c /c2; ls /home' 2>&1 | quiet
}

@test "podman build with RUN, COPY and COPY --chown" {
	both build
	[[ "$output" == *"5:6 /b/f"* ]]
	[[ "$output" == *"0:0 /c"* ]]
	[[ "$output" == *"1234:1234 /c2"* ]]
	[[ "$output" == *"/home: No such file or directory"* ]]
}

uidmap() {
	pod "$1" podman run --rm --uidmap 0:1:5000 --gidmap 0:1:5000 localhost/bb /bin/sh -c \
		'id -u; stat -c "%u:%g %n" /etc/passwd; touch /tmp/t; stat -c "%u:%g %n" /tmp/t' 2>&1 | quiet
}

@test "podman run --uidmap shows the image's owners and makes files as the container's root" {
	both uidmap
	[ "$output" = "$(printf '0\n0:0 /etc/passwd\n0:0 /tmp/t')" ]
}

keepid() {
	pod "$1" podman run --rm --userns=keep-id localhost/bb /bin/sh -c \
		'id -u; stat -c "%u:%g %n" /etc/passwd; touch /tmp/k; stat -c "%u:%g %n" /tmp/k' 2>&1 | quiet
}

@test "podman run --userns=keep-id: the user is itself, the image's files stay root's" {
	both keepid
	[ "$output" = "$(printf '%s\n0:0 /etc/passwd\n%s:%s /tmp/k' "$(id -u)" "$(id -u)" "$(id -g)")" ]
}

podmount() {
	pod "$1" podman rm -f c3 >/dev/null 2>&1
	pod "$1" podman create --name c3 localhost/bb /bin/cat /mounted >/dev/null 2>&1 || return 1
	pod "$1" podman unshare sh -c 'm=$(podman mount c3) && touch "$m/mounted" &&
		stat -c "%u:%g %a %n" "$m/bin/busybox" "$m/mounted" | sed "s|$m||"; podman umount c3 >/dev/null' 2>&1 | quiet
	# what was put in through the mount is the container's
	echo "start: $(pod "$1" podman start -a c3 2>&1 | quiet)"
}

@test "podman mount shows the container's tree to podman unshare" {
	both podmount
	[[ "$output" == *"/bin/busybox"* ]]
	[[ "$output" == *"0:0 644 /mounted"* ]]
	[[ "$output" == *"start: "* ]]
}

buildah_steps() {
	local ctr
	ctr=$(pod "$1" buildah from -q localhost/bb 2>/dev/null) || return 1
	pod "$1" buildah run --network=none "$ctr" -- /bin/sh -c 'touch /bf; chown 7:8 /bf' 2>&1 | quiet
	pod "$1" buildah commit -q "$ctr" localhost/bh >/dev/null 2>&1 || return 1
	pod "$1" buildah rm "$ctr" >/dev/null 2>&1
	pod "$1" podman run --rm localhost/bh stat -c "%u:%g %n" /bf 2>&1 | quiet
}

@test "buildah from, run and commit" {
	both buildah_steps
	[ "$output" = "7:8 /bf" ]
}
