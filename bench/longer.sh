#!/bin/sh
# Memory of zmean against the length of the reduced dimension (issue 3):
# peak RSS of a time mean over the bench store, over a copy four times
# longer, and over a copy larger than this machine's memory.  The copies
# repeat the bench store's chunk files along time (bench/repeat_store.py,
# python3-zarr rewrites the metadata), so their time mean must equal the
# bench store's: the script checks that too, with xarray.  The page cache
# is dropped before each run when root (a store larger than memory is
# read from disk whatever we do).
#
# Usage: bench/longer.sh BUILD_DIR [WORK_DIR [FACTORS]]
#   WORK_DIR: /tmp/zstore-bench (its out/nc2zarr.zarr is the bench store,
#   made by bench/nc2zarr.sh); FACTORS: "4 26" (26 copies of the 1.2 GB
#   bench store make a store of about 31 GB).  Copies are removed after
#   use unless KEEP=1.  Writes WORK_DIR/results-longer.txt.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
FACTORS=${3:-4 26}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
S=$W/out/nc2zarr.zarr
o=$W/out
[ -f "$S/.zmetadata" ] || {
    echo "longer.sh: $S is no Zarr store (run bench/nc2zarr.sh first)" >&2
    exit 1
}
cold() { [ "$(id -u)" = 0 ] && sync && echo 3 > /proc/sys/vm/drop_caches || :; }
run() {  # run STORE OUT: "wall peak" of zmean's time mean
    rm -rf "$2"
    cold
    r=$($PY "$here/peakrss.py" "$T/zmean" -q "$1" -o "$2" | tail -1)
    echo "$r" | awk '$6 != 0 { exit 1 } { print $2, $4 }'
}
same() {  # same A B: largest relative difference of two means (xarray)
    $PY - "$1" "$2" <<'PYEOF'
import sys
import numpy as np
import xarray as xr
a = xr.open_zarr(sys.argv[1], consolidated=True)
b = xr.open_zarr(sys.argv[2], consolidated=True)
worst = 0.0
for v in a.data_vars:
    x, y = a[v].values.astype("f8"), b[v].values.astype("f8")
    if not np.array_equal(np.isnan(x), np.isnan(y)):
        print("missing values differ in", v); sys.exit(1)
    d = np.abs(x - y) / np.maximum(np.abs(x), 1e-30)
    worst = max(worst, float(np.nanmax(d)))
print("%.1e" % worst)
PYEOF
}
steps() { $PY -c "import json,sys; m=json.load(open(sys.argv[1]+'/.zmetadata'))['metadata']; print(m['time/.zarray']['shape'][0])" "$1"; }

base=$(run "$S" "$o/longer-mean-1.zarr")
{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-8s %7s %9s %9s %9s %9s %12s\n' copies steps "store" "wall (s)" "peak MB" "peak/1x" "vs 1x mean"
    printf '%-8s %7s %9s %9s %9s %9s %12s\n' 1 "$(steps "$S")" "$(du -sh "$S" | cut -f1)" $base 1.000 -
} > "$W/results-longer.txt"
for f in $FACTORS; do
    L=$o/longer-x$f.zarr
    rm -rf "$L"
    $PY "$here/repeat_store.py" "$S" "$L" "$f"
    r=$(run "$L" "$o/longer-mean-$f.zarr")
    d=$(same "$o/longer-mean-1.zarr" "$o/longer-mean-$f.zarr")
    rel=$(echo "$base $r" | awk '{ printf "%.3f", $4 / $2 }')
    printf '%-8s %7s %9s %9s %9s %9s %12s\n' "$f" "$(steps "$L")" "$(du -sh "$L" | cut -f1)" $r "$rel" "$d" >> "$W/results-longer.txt"
    [ "${KEEP:-0}" = 1 ] || rm -rf "$L"
    rm -rf "$o/longer-mean-$f.zarr"
done
rm -rf "$o/longer-mean-1.zarr"
cat "$W/results-longer.txt"
