#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGKILLs a sidecar writer in the middle of 50k-row batches, several times
# with different delays, and checks the reopened file holds whole batches
# only, no flushed batch is lost, and PRAGMA integrity_check is ok.
set -eu
w=${VU_BUILDDIR:-.}/tests/unit/sidecar-crash-writer
n=50000
fails=0
for delay in 0.1 0.25 0.6 1.1 1.7 2.4; do
	layer=$(mktemp -d "${TMPDIR:-/tmp}/sc-crash.XXXXXX")
	"$w" write "$layer" $n >"$layer.out" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	last=$(tail -n 1 "$layer.out")
	[ -n "$last" ] || last=-1
	if [ -e "$layer/.vuovl/meta.db" ]; then
		echo "# killed after ${delay}s, last flushed batch $last"
		"$w" check "$layer" $n "$last" || fails=$((fails + 1))
	elif [ "$last" != -1 ]; then
		echo "batch $last was flushed but there is no file"; fails=$((fails + 1))
	fi
	rm -rf "$layer" "$layer.out"
done
[ "$fails" = 0 ]
