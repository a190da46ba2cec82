#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vutar --oci: OCI image layouts read into a tree or a stack of layers,
# and trees packed into images podman loads. Images are made here by
# python (any shape, hostile ones too) or by podman from a busybox
# rootfs (offline: podman import, never a registry). podman only reads
# what vutar wrote (pull from oci:, create, export): nothing is run.

load helpers
load vutar-helpers

# oci_mk DIR TAG TAR...: an image of the tars (bottom first) added to
# the layout DIR under TAG. GZ=1: gzip layers; DOCKER=1: Docker's media
# types. Its config says Env X=1 and Cmd /bin/sh.
oci_mk() {
	python3 - "$@" <<'PY'
import gzip, hashlib, json, os, platform, sys
d, tag, *tars = sys.argv[1:]
os.makedirs(d + "/blobs/sha256", exist_ok=True)
open(d + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
def put(b):
    h = hashlib.sha256(b).hexdigest()
    open("%s/blobs/sha256/%s" % (d, h), "wb").write(b)
    return {"digest": "sha256:" + h, "size": len(b)}
docker = os.environ.get("DOCKER")
layers, diffs = [], []
for t in tars:
    raw = open(t, "rb").read()
    diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
    if os.environ.get("GZ"):
        mt = ("application/vnd.docker.image.rootfs.diff.tar.gzip" if docker
              else "application/vnd.oci.image.layer.v1.tar+gzip")
        layers.append(dict(mediaType=mt, **put(gzip.compress(raw, mtime=0))))
    else:
        layers.append(dict(mediaType="application/vnd.oci.image.layer.v1.tar", **put(raw)))
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
cfg = {"architecture": arch, "os": "linux",
       "config": {"Env": ["PATH=/bin", "X=1"], "Cmd": ["/bin/sh"]},
       "rootfs": {"type": "layers", "diff_ids": diffs}}
cmt = "application/vnd.docker.container.image.v1+json" if docker else "application/vnd.oci.image.config.v1+json"
mmt = ("application/vnd.docker.distribution.manifest.v2+json" if docker
       else "application/vnd.oci.image.manifest.v1+json")
man = {"schemaVersion": 2, "mediaType": mmt,
       "config": dict(mediaType=cmt, **put(json.dumps(cfg).encode())), "layers": layers}
desc = dict(mediaType=mmt, **put(json.dumps(man).encode()))
desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
try:
    index = json.load(open(d + "/index.json"))
except FileNotFoundError:
    index = {"schemaVersion": 2, "manifests": []}
index["manifests"].append(desc)
json.dump(index, open(d + "/index.json", "w"))
PY
}

# oci_edit DIR PYTHON: runs PYTHON with `index` loaded from DIR's
# index.json, `d` its first descriptor; index.json is written back.
oci_edit() {
	python3 - "$1" "$2" <<'PY'
import json, sys
p = sys.argv[1] + "/index.json"
index = json.load(open(p))
d = index["manifests"][0]
exec(sys.argv[2])
json.dump(index, open(p, "w"))
PY
}

# The blob a descriptor names: oci_blob DIR EXPR, EXPR over the first
# image's manifest `m` (e.g. m["layers"][1]) or its index entry `i`.
oci_blob() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = sys.argv[1]
def blob(desc):
    return "%s/blobs/sha256/%s" % (d, desc["digest"].split(":")[1])
i = json.load(open(d + "/index.json"))["manifests"][0]
m = json.load(open(blob(i)))
print(blob(eval(sys.argv[2])))
PY
}

# A tree as a listing: type, mode, owner, size, name (owners as vutar
# packs them: the virtual ones).
tree_listing() {
	"$VUTAR" -c -C "$1" . | tar -tv --numeric-owner -f - |
		awk '$6 != "./" { sub(/^\.\//, "", $6); print $1, $2, $3, $6 }' | LC_ALL=C sort
}

# The names in a tree but the sidecar's, on one line.
names() {
	(cd "$1" && find . -path ./.vuovl -prune -o -print | LC_ALL=C sort | tr '\n' ' ')
}

# Two layers: the second deletes gone, empties d of what the first put
# there, and deletes e/x.
two_layers() {
	vutar_mktar "$T/l1.tar" "f keep one" "f gone two" "d d" "f d/a three" "f d/b four" \
		"d e" "f e/x five" "f e/y six"
	vutar_mktar "$T/l2.tar" "f .wh.gone" "d d" "f d/.wh..wh..opq" "f d/c seven" \
		"d e" "f e/.wh.x"
}

setup() {
	vu_setup
	mkdir -p "$T/root"
}

@test "a two-layer image applies in order: a whiteout removes, an opaque dir hides the layer below" {
	two_layers
	oci_mk "$T/img" v1 "$T/l1.tar" "$T/l2.tar"
	run "$VUTAR" -x --oci "$T/img:v1" -C "$T/root"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(names "$T/root")" = ". ./d ./d/c ./e ./e/y ./keep " ]
}

@test "gzip layers and Docker's media types are read too, the only image needs no tag" {
	two_layers
	GZ=1 DOCKER=1 oci_mk "$T/img" whatever "$T/l1.tar" "$T/l2.tar"
	"$VUTAR" -x --oci "$T/img" -C "$T/root"
	[ "$(names "$T/root")" = ". ./d ./d/c ./e ./e/y ./keep " ]
}

@test "a tag chooses among images; a wrong or missing tag lists the tags" {
	vutar_mktar "$T/a.tar" "f a"
	vutar_mktar "$T/b.tar" "f b"
	oci_mk "$T/img" localhost/x:latest "$T/a.tar"
	oci_mk "$T/img" other "$T/b.tar"
	run "$VUTAR" -x --oci "$T/img" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/img: 2 images; name one as $T/img:TAG (localhost/x:latest, other)" ]
	run "$VUTAR" -x --oci "$T/img:nope" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/img: nope: no such image (localhost/x:latest, other)" ]
	"$VUTAR" -x --oci "$T/img:other" -C "$T/root"
	[ -e "$T/root/b" ] && [ ! -e "$T/root/a" ]
	# podman writes the full name; its tag or its name alone choose it too
	for t in localhost/x:latest latest localhost/x; do
		rm -rf "$T/root" && mkdir "$T/root"
		"$VUTAR" -x --oci "$T/img:$t" -C "$T/root"
		[ -e "$T/root/a" ] && [ ! -e "$T/root/b" ]
	done
}

@test "a nested image index is followed to this host's linux platform" {
	vutar_mktar "$T/a.tar" "f a"
	oci_mk "$T/img" t "$T/a.tar"
	oci_edit "$T/img" '
import hashlib, platform
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
d["platform"] = {"os": "linux", "architecture": arch}
other = dict(d, platform={"os": "linux", "architecture": "s390x-not"})
del d["annotations"], other["annotations"]
nested = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
	"manifests": [other, d]}).encode()
h = hashlib.sha256(nested).hexdigest()
open(sys.argv[1] + "/blobs/sha256/" + h, "wb").write(nested)
index["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json",
	"digest": "sha256:" + h, "size": len(nested),
	"annotations": {"org.opencontainers.image.ref.name": "t"}}]'
	"$VUTAR" -x --oci "$T/img:t" -C "$T/root"
	[ -e "$T/root/a" ]
}

@test "a layer whose digest does not match is refused before any layer is applied" {
	two_layers
	oci_mk "$T/img" v1 "$T/l1.tar" "$T/l2.tar"
	blob=$(oci_blob "$T/img" 'm["layers"][1]')
	# the same size, one byte changed (deep in the data, not the header)
	printf 'X' | dd of="$blob" bs=1 seek=1000 conv=notrunc status=none
	run "$VUTAR" -x --oci "$T/img:v1" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/img: blob sha256:${blob##*/}: digest mismatch" ]
	[ -z "$(ls -A "$T/root")" ]
}

@test "a hostile index is refused with its reason, and nothing is applied" {
	vutar_mktar "$T/a.tar" "f a"
	oci_mk "$T/img" t "$T/a.tar"
	cp "$T/img/index.json" "$T/good.json"
	ln -s /etc/passwd "$T/img/blobs/sha256/$(printf '%064d' 7)"
	cases=(
		'd["digest"] = "sha256:../../x"'
		'd["digest"] = "sha256:" + "../" * 21 + "x"'
		'd["digest"] = "sha512:" + "0" * 128'
		'd["digest"] = d["digest"].upper().replace("SHA256", "sha256")'
		'd["size"] += 1'
		'd["size"] = -1'
		'd["size"] = "12"'
		'd["digest"] = "sha256:" + "0" * 64'
		'd["digest"] = "sha256:" + "0" * 63 + "7"'
		'd["mediaType"] = "application/vnd.oci.image.layer.v1.tar"'
		'index["schemaVersion"] = 1'
	)
	why=(
		'digest sha256:../../x: not sha256 and 64 lowercase hex digits'
		'digest sha256:'
		'digest sha512:0000000000000000000000000000000000000000000000000000000000000000'
		'not sha256 and 64 lowercase hex digits'
		'bytes, its descriptor says'
		'no size, or not a count of bytes'
		'no size, or not a count of bytes'
		"blob sha256:$(printf '%064d' 0): missing"
		"blob sha256:$(printf '%064d' 7): a symlink, not a blob"
		'not an image manifest or index'
		'index.json: schemaVersion is not 2'
	)
	for i in "${!cases[@]}"; do
		cp "$T/good.json" "$T/img/index.json"
		oci_edit "$T/img" "${cases[i]}"
		run "$VUTAR" -x --oci "$T/img:t" -C "$T/root"
		echo "case $i: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "vutar: $T/img: "*"${why[i]}"* ]]
		[ "${#lines[@]}" -eq 1 ]
		[ -z "$(ls -A "$T/root")" ]
	done
	[ ! -e "$T/x" ]
	# not even JSON; and an oci-layout of another version
	printf '{"schemaVersion":2,"manifests":[' >"$T/img/index.json"
	run "$VUTAR" -x --oci "$T/img" -C "$T/root"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: $T/img: index.json: not JSON: "* ]]
	cp "$T/good.json" "$T/img/index.json"
	echo '{"imageLayoutVersion": "2.0.0"}' >"$T/img/oci-layout"
	run "$VUTAR" -x --oci "$T/img" -C "$T/root"
	[ "$output" = "vutar: $T/img: oci-layout: imageLayoutVersion 2.0.0: not 1.x" ]
}

# oci_edit_image DIR PYTHON: runs PYTHON over the first image's manifest
# `m` and config `c`, then stores both anew, the index naming them: an
# image whose blobs are whole but whose contents lie.
oci_edit_image() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
path = lambda desc: "%s/blobs/sha256/%s" % (d, desc["digest"][7:])
def put(obj, desc):
    b = json.dumps(obj).encode()
    h = hashlib.sha256(b).hexdigest()
    open("%s/blobs/sha256/%s" % (d, h), "wb").write(b)
    desc["digest"], desc["size"] = "sha256:" + h, len(b)
index = json.load(open(d + "/index.json"))
i = index["manifests"][0]
m = json.load(open(path(i)))
c = json.load(open(path(m["config"])))
exec(sys.argv[2])
put(c, m["config"])
put(m, i)
json.dump(index, open(d + "/index.json", "w"))
PY
}

@test "a layer of an unknown media type, or a config that lies about its layers, is refused, compressed layers too" {
	vutar_mktar "$T/a.tar" "f a"
	oci_mk "$T/img" t "$T/a.tar"
	cp -r "$T/img" "$T/img2"
	cp -r "$T/img" "$T/img3"
	oci_edit_image "$T/img" 'm["layers"][0]["mediaType"] += "+encrypted"'
	run "$VUTAR" -x --oci "$T/img" -C "$T/root"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: $T/img: layer sha256:"*": mediaType application/vnd.oci.image.layer.v1.tar+encrypted: not a tar layer vutar can apply" ]]
	oci_edit_image "$T/img2" 'c["rootfs"]["diff_ids"].append(c["rootfs"]["diff_ids"][0])'
	run "$VUTAR" -x --oci "$T/img2" -C "$T/root"
	[ "$status" -eq 1 ]
	[[ "$output" == *": its rootfs.diff_ids do not name the manifest's 1 layers" ]]
	# an uncompressed layer's diff_id is its digest
	oci_edit_image "$T/img3" 'c["rootfs"]["diff_ids"][0] = "sha256:" + "1" * 64'
	run "$VUTAR" -x --oci "$T/img3" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/img3: config: diff_id 1, sha256:$(printf '1%.0s' {1..64}), is not the digest of its uncompressed layer" ]
	# a compressed one's is the digest of what it inflates to, checked
	# before anything is applied
	GZ=1 oci_mk "$T/img4" t "$T/a.tar" "$T/a.tar"
	oci_edit_image "$T/img4" 'c["rootfs"]["diff_ids"][1] = "sha256:" + "2" * 64'
	run "$VUTAR" -x --oci "$T/img4" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/img4: config: diff_id 2, sha256:$(printf '2%.0s' {1..64}), is not the digest of its uncompressed layer" ]
	[ -z "$(ls -A "$T/root")" ]
}

@test "--stack extracts each layer as a lower layer that vuovl mounts to the same tree" {
	need_fuse
	two_layers
	oci_mk "$T/img" v1 "$T/l1.tar" "$T/l2.tar"
	mkdir "$T/flat"
	"$VUTAR" -x --oci "$T/img" -C "$T/flat"
	run "$VUTAR" -x --oci "$T/img" --stack -C "$T/st"
	[ "$status" -eq 0 ]
	[ "$output" = "$T/st/layers/002:$T/st/layers/001" ] ||
		[ "$output" = "$(realpath "$T")/st/layers/002:$(realpath "$T")/st/layers/001" ]
	[ "$(cat "$T/st/lowerdir")" = "$output" ]
	# the whiteouts are files in the upper layer, as vuovl's lowers keep them
	[ -f "$T/st/layers/002/.wh.gone" ] && [ -f "$T/st/layers/002/d/.wh..wh..opq" ]
	mkdir "$T/m"
	"$VUOVL" -o "lowerdir=$(cat "$T/st/lowerdir")" "$T/m"
	VU_MOUNTS+=("$T/m")
	[ "$(names "$T/flat")" = "$(names "$T/m")" ]
	diff <(tree_listing "$T/flat") <(tree_listing "$T/m")
	fusermount3 -u "$T/m"
	# a second --stack into the same ROOT would mix two images
	run "$VUTAR" -x --oci "$T/img" --stack -C "$T/st"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/st/layers: exists: --stack fills a new one" ]]
}

@test "--oci-config saves the image's config" {
	vutar_mktar "$T/a.tar" "f a"
	oci_mk "$T/img" t "$T/a.tar"
	"$VUTAR" -x --oci "$T/img" --oci-config "$T/config.json" -C "$T/root"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["config"]["Env"][1] == "X=1"' \
		"$T/config.json"
}

@test "-c --oci writes a layout vutar reads back, blobs named by their digests, reproducibly" {
	vutar_mktar "$T/a.tar" "d d" "f d/f hello" "l d/l f"
	"$VUTAR" -x -f "$T/a.tar" -C "$T/root"
	mkdir "$T/root/.vuovl" 2>/dev/null || true
	"$VUTAR" -c --oci "$T/out:t1" --mtime @1700000000 -C "$T/root"
	"$VUTAR" -c --oci "$T/out2:t1" --mtime @1700000000 -C "$T/root"
	cmp "$T/out/index.json" "$T/out2/index.json"
	(cd "$T/out/blobs/sha256" && for f in *; do [ "$(sha256sum <"$f" | cut -c1-64)" = "$f" ]; done)
	[ -z "$(find "$T/out" -name '.*vutar*')" ]
	layer=$(oci_blob "$T/out" 'm["layers"][0]')
	# relative names, no "./", no sidecar
	[ "$(tar -tf "$layer" | tr '\n' ' ')" = "d/ d/f d/l " ]
	python3 - "$T/out" <<'PY'
import json, sys
d = sys.argv[1]
b = lambda desc: json.load(open(d + "/blobs/sha256/" + desc["digest"][7:]))
idx = json.load(open(d + "/index.json"))
m = b(idx["manifests"][0])
c = b(m["config"])
assert m["schemaVersion"] == 2 and m["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar"
assert c["rootfs"]["diff_ids"] == [m["layers"][0]["digest"]], c
assert c["created"] == "2023-11-14T22:13:20Z" and c["os"] == "linux"
PY
	mkdir "$T/back"
	"$VUTAR" -x --oci "$T/out:t1" -C "$T/back"
	diff <(tree_listing "$T/root") <(tree_listing "$T/back")
}

@test "-c -z and --zstd --oci write compressed layers: the diff_id is the tar's digest" {
	vutar_mktar "$T/a.tar" "d d" "f d/f hello" "l d/l f"
	"$VUTAR" -x -f "$T/a.tar" -C "$T/root"
	"$VUTAR" -c --oci "$T/plain:t" --mtime @1700000000 -C "$T/root"
	for z in -z --zstd; do
		rm -rf "$T/out" "$T/out2" "$T/back"
		"$VUTAR" -c $z --oci "$T/out:t" --mtime @1700000000 -C "$T/root"
		"$VUTAR" -c $z --oci "$T/out2:t" --mtime @1700000000 -C "$T/root"
		cmp "$T/out/index.json" "$T/out2/index.json"
		(cd "$T/out/blobs/sha256" && for f in *; do [ "$(sha256sum <"$f" | cut -c1-64)" = "$f" ]; done)
		[ -z "$(find "$T/out" -name '.*vutar*')" ]
		python3 - "$T/out" "$T/plain" "$z" <<'PY'
import gzip, hashlib, json, subprocess, sys
d, plain, z = sys.argv[1:]
b = lambda d, desc: json.load(open(d + "/blobs/sha256/" + desc["digest"][7:]))
m = b(d, json.load(open(d + "/index.json"))["manifests"][0])
c = b(d, m["config"])
layer = m["layers"][0]
raw = open(d + "/blobs/sha256/" + layer["digest"][7:], "rb").read()
if z == "-z":
    assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip", layer
    tar = gzip.decompress(raw)
else:
    assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd", layer
    tar = subprocess.run(["zstd", "-dc"], input=raw, capture_output=True, check=True).stdout
assert len(tar) > len(raw), (len(tar), len(raw))
# the diff_id is the uncompressed tar's, the very tar -c --oci writes without -z
assert c["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(tar).hexdigest()], c
mp = b(plain, json.load(open(plain + "/index.json"))["manifests"][0])
assert c["rootfs"]["diff_ids"] == [mp["layers"][0]["digest"]]
PY
		mkdir "$T/back"
		"$VUTAR" -x --oci "$T/out:t" -C "$T/back"
		diff <(tree_listing "$T/root") <(tree_listing "$T/back")
	done
	run "$VUTAR" -c -J --oci "$T/out3:t" -C "$T/root"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: an image's layer is gzip (-z), zstd (--zstd) or not compressed" ]
	[ ! -e "$T/out3" ]
}

@test "-c --oci replaces its tag's image in the index and keeps the others" {
	mkdir -p "$T/src"
	echo 1 >"$T/src/f"
	"$VUTAR" -c --oci "$T/out:t1" -C "$T/src"
	"$VUTAR" -c --oci "$T/out:t2" -C "$T/src"
	echo 2 >"$T/src/f"
	"$VUTAR" -c --oci "$T/out:t1" -C "$T/src"
	python3 - "$T/out" <<'PY'
import json, sys
idx = json.load(open(sys.argv[1] + "/index.json"))
tags = [m["annotations"]["org.opencontainers.image.ref.name"] for m in idx["manifests"]]
assert tags == ["t2", "t1"], tags
PY
	"$VUTAR" -x --oci "$T/out:t1" -C "$T/root"
	[ "$(cat "$T/root/f")" = 2 ]
	run "$VUTAR" -c --oci "$T/out" -C "$T/src"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: --oci $T/out: -c needs a tag: DIR:TAG" ]
	# the layout inside the tree packed: refused before anything is made
	run "$VUTAR" -c --oci "$T/src/img:t" -C "$T/src"
	[ "$status" -eq 1 ]
	[ "$output" = "vutar: $T/src/img: within $T/src, the directory packed: the layer would hold its own image" ]
	[ ! -e "$T/src/img" ]
}

@test "--oci-base puts the new layer over the base image, its config kept" {
	two_layers
	oci_mk "$T/img" base "$T/l1.tar" "$T/l2.tar"
	mkdir -p "$T/up"
	echo new >"$T/up/added"
	"$VUTAR" -c --oci "$T/img:next" --oci-base=base -C "$T/up"
	python3 - "$T/img" <<'PY'
import json, sys
d = sys.argv[1]
b = lambda desc: json.load(open(d + "/blobs/sha256/" + desc["digest"][7:]))
idx = json.load(open(d + "/index.json"))
base, nxt = (b(m) for m in idx["manifests"])
assert nxt["layers"][:2] == base["layers"] and len(nxt["layers"]) == 3
c = b(nxt["config"])
assert c["config"]["Env"] == ["PATH=/bin", "X=1"] and c["config"]["Cmd"] == ["/bin/sh"]
assert len(c["rootfs"]["diff_ids"]) == 3
PY
	"$VUTAR" -x --oci "$T/img:next" -C "$T/root"
	[ "$(names "$T/root")" = ". ./added ./d ./d/c ./e ./e/y ./keep " ]
	run "$VUTAR" -c --oci "$T/img:x" --oci-base=nope -C "$T/up"
	[ "$status" -eq 1 ]
	[[ "$output" == "vutar: $T/img: nope: no such image"* ]]
}

# --- podman reads what vutar writes -------------------------------------

# pm ARGS: podman with this suite's own storage (vfs), configuration and
# runtime dirs: nothing of the user's is touched.
pm() {
	env HOME="$PODT/home" XDG_RUNTIME_DIR="$PODT/run" XDG_CONFIG_HOME="$PODT/home/.config" \
		podman --root "$PODT/storage" --runroot "$PODT/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

setup_file() {
	export PODT="$BATS_FILE_TMPDIR"
	mkdir -p "$PODT/home" "$PODT/run"
	chmod 700 "$PODT/run"
}

teardown_file() {
	local pid
	command -v podman >/dev/null || return 0
	[ -d "$PODT/storage" ] || return 0
	pm rm -af >/dev/null 2>&1 || true
	# rootless storage holds files of subordinate ids: removed from inside
	if is_root; then rm -rf "$PODT/storage" "$PODT/runroot"
	else pm unshare rm -rf "$PODT/storage" "$PODT/runroot" 2>/dev/null || true
	fi
	# podman's pause process, which it started for this suite only
	pid=$(cat "$PODT/run/libpod/tmp/pause.pid" 2>/dev/null) && kill "$pid" 2>/dev/null || true
}

# pm_pull DIR:TAG: the image in $T/DIR pulled into podman; its id.
# (A relative path: podman names the image after the path, and refuses
# the capitals of mktemp's names.)
pm_pull() {
	(cd "$T" && pm pull -q "oci:$1")
}

need_podman() {
	command -v podman >/dev/null || skip "podman is not installed (scripts/install-deps installs it)"
	[ -x /bin/busybox ] || skip "/bin/busybox is missing (busybox-static)"
	is_root || grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has no /etc/subuid range"
}

# podman's view of an image: the listing of a container made from it,
# exported (nothing is run): "mode owner name", for the names given.
pm_listing() {
	local c
	c=$(pm create -q "$1" /bin/true 2>/dev/null | tail -1) || return
	pm export "$c" | tar -tv --numeric-owner -f - | awk '{ print $1, $2, $6 }' | LC_ALL=C sort
	pm rm -f "$c" >/dev/null 2>&1
}

@test "podman reads vutar's image: the files with their virtual owners" {
	need_podman
	python3 - "$T/a.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, uid in (("data", 0), ("data/f", 1234), ("data/g", 0)):
        ti = tarfile.TarInfo(name)
        ti.uid, ti.gid = uid, uid + 1
        if name == "data":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        else:
            ti.size, ti.mode = 2, 0o4755 if name == "data/g" else 0o640
        t.addfile(ti, io.BytesIO(b"x\n") if ti.size else None)
PY
	"$VUTAR" -x -f "$T/a.tar" -C "$T/root"
	# podman checks a compressed layer's diff_id against what it unpacks
	for z in "" -z --zstd; do
		rm -rf "$T/out"
		"$VUTAR" -c $z --oci "$T/out:t1" -C "$T/root"
		run pm_listing "$(pm_pull out:t1)"
		echo "$z: $output"
		[[ "$output" == *"drwxr-xr-x 0/1 data/"* ]]
		[[ "$output" == *"-rw-r----- 1234/1235 data/f"* ]]
		[[ "$output" == *"-rwsr-xr-x 0/1 data/g"* ]]
		pm rmi -f localhost/out:t1 >/dev/null 2>&1 || true
	done
}

@test "podman's saved image extracts to the tree podman exports" {
	need_podman
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar" >/dev/null
	pm import -q "$T/rootfs.tar" localhost/bb >/dev/null
	pm save -q --format oci-dir -o "$T/img" localhost/bb
	"$VUTAR" -x --oci "$T/img" -C "$T/root"
	# not dev/: rootless podman's storage cannot hold device nodes (it
	# leaves them out), vutar's sidecar keeps them
	diff <(pm_listing localhost/bb | grep -E ' (bin|etc|home|root)/' ) \
		<(tree_listing "$T/root" | awk '{ print $1, $2, $4 }' | LC_ALL=C sort |
			grep -E ' (bin|etc|home|root)/')
	tree_listing "$T/root" | grep -q '^crw-rw-rw- 0/0 1,3 dev/null$'
}

@test "round trip: podman image, vuchroot --cow change, -c --layer --oci-base, podman sees it" {
	need_podman
	need_userns
	need_fuse
	"$VU_SRCDIR/scripts/mkrootfs" "$T/rootfs.tar" >/dev/null
	pm import -q "$T/rootfs.tar" localhost/bb >/dev/null
	pm save -q --format oci-dir -o "$T/img" localhost/bb
	"$VUTAR" -x --oci "$T/img" -C "$T/root"
	"$VUCHROOT" --cow="$T/up" "$T/root" /bin/sh -c \
		'rm /bin/true && echo hi >/hello && chown 1234:4321 /hello && mkdir /nd && chmod 1777 /nd'
	"$VUTAR" -c --layer --oci "$T/img:changed" --oci-base=localhost/bb:latest -C "$T/up"
	run pm_listing "$(pm_pull img:changed)"
	echo "$output" | grep -E ' (hello|nd/|bin/true|bin/busybox)$' >&2 || true
	[[ "$output" == *"-rw-r--r-- 1234/4321 hello"* ]]
	[[ "$output" == *"drwxrwxrwt 0/0 nd/"* ]]
	[[ "$output" == *" 0/0 bin/busybox"* ]]
	[[ "$output" != *" bin/true"* ]]
	[[ "$output" != *".wh."* ]]
}
