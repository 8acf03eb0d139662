#!/bin/sh
# nc2zarr over many small files (issue 13: tens of thousands of inputs,
# planned without opening every file twice, memory independent of the
# file count): for each count N, the plan (-n) and the conversion of N
# files of 2 hourly records on a 16 x 24 grid named in a --files-from
# list; wall time and peak memory of the whole process tree.
#
# Usage: bench/many-files.sh BUILD_DIR [WORK_DIR]   (WORK_DIR:
# /tmp/zstore-bench; the files are made once in WORK_DIR/many-N).
# COUNTS="2000 20000".  Run it on an otherwise idle machine.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
COUNTS=${COUNTS:-"2000 20000"}
REPEAT=${REPEAT:-1}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
mkdir -p "$W/out"
for n in $COUNTS; do
    d=$W/many-$n
    if [ ! -f "$d/.done" ]; then
        rm -rf "$d" && mkdir -p "$d"
        (cd "$d" && $PY "$here/../tests/interop/mk_nc_series.py" "$n" 2 16 24 5)
        : > "$d/.done"
    fi
    ls "$d"/f*.nc > "$W/out/list-$n"
    echo "== $n files"
    best "plan-$n" "$T/nc2zarr" -n --files-from "$W/out/list-$n" \
        -o "$W/out/many-$n.zarr"
    best "convert-$n" sh -c "rm -rf '$W/out/many-$n.zarr'; '$T/nc2zarr' -q -c time=256 --files-from '$W/out/list-$n' -o '$W/out/many-$n.zarr'"
done
