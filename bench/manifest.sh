#!/bin/sh
# The cost of nc2zarr --manifest (issue 13: under 5% of the conversion):
# the bench set converted with and without it, best of REPEAT runs each,
# and the manifest checked against the files (zinfo --verify).
#
# Usage: bench/manifest.sh BUILD_DIR [WORK_DIR]   (WORK_DIR:
# /tmp/zstore-bench, whose data/ bench/nc2zarr.sh makes).  FILES=N takes
# the first N files.  Run it on an otherwise idle machine.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-3}
FILES=${FILES:-16}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
need_bench_data
files=$(ls "$W"/data/*.nc | head -n "$FILES")
mkdir -p "$W/out"
cat $files > /dev/null
echo "== $(echo $files | wc -w) files, -j $cores"
# shellcheck disable=SC2086
plain=$(best plain sh -c "rm -rf '$W/out/plain.zarr'; '$T/nc2zarr' -q -j $cores $(echo $files) -o '$W/out/plain.zarr'")
echo "$plain"
# shellcheck disable=SC2086
man=$(best manifest sh -c "rm -rf '$W/out/man.zarr'; '$T/nc2zarr' -q -j $cores --manifest $(echo $files) -o '$W/out/man.zarr'")
echo "$man"
echo "$plain $man" | awk '{printf "manifest overhead: %.1f%% (target < 5%%)\n", ($5 / $2 - 1) * 100}'
t0=$(date +%s%N)
# shellcheck disable=SC2086
"$T/zinfo" --verify "$W/out/man.zarr" $files | tail -1
echo "zinfo --verify: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
