#!/bin/sh
# Benchmark zcalc against xarray with dask, in one run, on the bench store
# of bench/rechunk.sh (WORK_DIR/out/hourly.zarr: 0.25 degree, 721 x 1440,
# hourly, chunks of one step) and a second store holding its u10 alone
# (made once with zsel: WORK_DIR/out/calc-wind.zarr):
#   - a two-store mask expression, m = t2m - 273.15 where u10 <= 5, else
#     missing: zcalc vs xarray.where over open_zarr (dask) + to_zarr
#     (bench/xarray_ops.py calc), both writing float32;
#   - peak memory of zcalc on the whole store and on its first tenth
#     (flat in the number of time steps);
#   - the two outputs compared.
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's process tree (bench/peakrss.py); CPU
# seconds (user + system, one run each) are steadier on a shared machine.
#
# Usage: bench/calc.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-calc.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-3}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
o=$W/out
h=$o/hourly.zarr
wind=$o/calc-wind.zarr
[ -f "$h/.zmetadata" ] || { echo "calc.sh: run bench/rechunk.sh first" >&2; exit 1; }
[ -f "$wind/.zmetadata" ] ||
    "$T/zsel" -q --overwrite "$h" --vars u10 -o "$wind"
find "$h" "$wind" -type f -exec cat {} + > /dev/null
E='m = w.u10 > 5 ? nan : e.t2m - 273.15'
nt=$("$T/zinfo" --json "$h" | $PY -c \
     'import json,sys; print(json.load(sys.stdin)["root"]["dims"]["time"])')
first=$((nt / 10))

echo "== two-store mask (best of $REPEAT)"
z=$(best zcalc "$T/zcalc" -q --overwrite --dtype float32 -e "$E" \
    e="$h" w="$wind" -o "$o/calc-z.zarr")
echo "$z"
x=$(best xarray-dask $PY "$here/xarray_ops.py" calc "$h" "$wind" \
    "$o/calc-x.zarr")
echo "$x"
echo "== memory against the number of steps"
"$T/zsel" -q --overwrite "$h" -i time=0:$first -o "$o/calc-tenth.zarr"
"$T/zsel" -q --overwrite "$wind" -i time=0:$first -o "$o/calc-wtenth.zarr"
t=$(best zcalc-tenth "$T/zcalc" -q --overwrite --dtype float32 -e "$E" \
    e="$o/calc-tenth.zarr" w="$o/calc-wtenth.zarr" -o "$o/calc-zt.zarr")
echo "$t"
diff=$($PY "$here/xarray_ops.py" compare "$o/calc-z.zarr" "$o/calc-x.zarr")

echo "== CPU seconds of one run each"
zc=$(cpu "$T/zcalc" -q --overwrite --dtype float32 -e "$E" e="$h" w="$wind" \
     -o "$o/calc-z.zarr")
xc=$(cpu $PY "$here/xarray_ops.py" calc "$h" "$wind" "$o/calc-x.zarr")
echo "zcalc $zc, xarray-dask $xc"
{
    echo "data: $h ($(du -sh "$h" | cut -f1) stored, $nt steps) and $wind"
    echo "expression: $E (float32 out)"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$z" "$x" "$t"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "xarray+dask / zcalc:          $(ratio "$(wall "$x")" "$(wall "$z")")x (target >= 5)"
    echo "CPU seconds: zcalc $zc, xarray+dask $xc: $(ratio "$xc" "$zc")x"
    echo "zcalc RSS, all steps / a tenth: $(ratio "$(rss "$z")" "$(rss "$t")") (flat: about 1)"
    echo "largest difference, relative: $diff"
} | tee "$W/results-calc.txt"
