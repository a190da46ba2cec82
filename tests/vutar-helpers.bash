# SPDX-License-Identifier: GPL-2.0-or-later
# vutar suites: shared bits (sourced after tests/helpers.bash).

# A tar made by python3 tarfile from a small description, one entry a line:
#   f NAME [DATA]   d NAME   l NAME TARGET   h NAME TARGET
vutar_mktar() {
	local out=$1
	shift
	python3 - "$out" "$@" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        kind, name, *rest = spec.split(" ", 2)
        ti = tarfile.TarInfo(name)
        data = b""
        if kind == "f":
            data = (rest[0] if rest else "data\n").encode()
            ti.size = len(data)
        elif kind == "d":
            ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        elif kind == "l":
            ti.type = tarfile.SYMTYPE; ti.linkname = rest[0]
        elif kind == "h":
            ti.type = tarfile.LNKTYPE; ti.linkname = rest[0]
        t.addfile(ti, io.BytesIO(data) if data else None)
PY
}

# Everything under a dir, to compare before/after an extraction.
vutar_snapshot() {
	(cd "$1" && find . | LC_ALL=C sort)
}
