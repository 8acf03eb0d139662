#!/bin/sh
# Benchmark zmean and zsel against their peers, in one run, on the bench
# data of bench/nc2zarr.sh (run that first: it makes WORK_DIR/data and
# the store WORK_DIR/out/nc2zarr.zarr):
#   - zmean time mean vs xarray.open_zarr(store).mean('time').to_zarr()
#     on the same store, and cdo -P CORES timmean on the NetCDF-3 copy;
#   - zsel box latitude 20..60, longitude 230..300 vs xarray .sel() +
#     to_zarr() on the same store, and cdo sellonlatbox on the NetCDF-3
#     copy.
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's process tree (bench/peakrss.py).
#
# Usage: bench/reduce.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-reduce.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-3}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
S=$W/out/nc2zarr.zarr
[ -f "$S/.zmetadata" ] || { echo "reduce.sh: run bench/nc2zarr.sh first" >&2; exit 1; }
nc3=$(ls "$W"/data/nc3/*.nc)
cat $nc3 > /dev/null
find "$S" -type f -exec cat {} + > /dev/null

o=$W/out
echo "== time mean (best of $REPEAT)"
m_z=$(best zmean "$T/zmean" -q --overwrite "$S" -o "$o/zmean.zarr")
echo "$m_z"
m_x=$(best xarray-mean $PY "$here/xarray_ops.py" mean "$S" "$o/xmean.zarr")
echo "$m_x"
# shellcheck disable=SC2086
m_c=$(best cdo-timmean cdo -s -O -P "$cores" timmean -mergetime $nc3 \
      "$o/cdo-timmean.nc")
echo "$m_c"
echo "== box latitude 20..60, longitude 230..300 (best of $REPEAT)"
s_z=$(best zsel "$T/zsel" -q --overwrite "$S" --sel latitude=20:60 \
      --sel longitude=230:300 -o "$o/zsel.zarr")
echo "$s_z"
s_x=$(best xarray-sel $PY "$here/xarray_ops.py" box "$S" "$o/xsel.zarr")
echo "$s_x"
# shellcheck disable=SC2086
s_c=$(best cdo-sellonlatbox cdo -s -O -P "$cores" sellonlatbox,230,300,20,60 \
      -mergetime $nc3 "$o/cdo-box.nc")
echo "$s_c"

echo "== correctness"
mean_diff=$($PY "$here/xarray_ops.py" compare "$o/zmean.zarr" "$o/xmean.zarr")
"$T/zinfo" --checksum "$o/zsel.zarr" | grep -v ' time$' > "$W/sum-zsel"
"$T/zinfo" --checksum "$o/xsel.zarr" | grep -v ' time$' > "$W/sum-xsel"
same_box=$(cmp -s "$W/sum-zsel" "$W/sum-xsel" && echo yes || echo NO)
echo "zmean vs xarray mean: largest relative difference $mean_diff"
echo "zsel vs xarray box: same arrays (zinfo --checksum): $same_box"

wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "data: $S ($(du -sh "$S" | cut -f1) stored), and its NetCDF-3 copy"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$m_z" "$m_x" "$m_c" "$s_z" "$s_x" "$s_c"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "xarray mean / zmean:        $(ratio "$(wall "$m_x")" "$(wall "$m_z")")x (target >= 5)"
    echo "cdo timmean / zmean:        $(ratio "$(wall "$m_c")" "$(wall "$m_z")")x (target >= 2)"
    echo "zmean RSS / xarray RSS:     $(ratio "$(rss "$m_z")" "$(rss "$m_x")") (target < 0.25)"
    echo "xarray sel / zsel:          $(ratio "$(wall "$s_x")" "$(wall "$s_z")")x (target >= 3)"
    echo "cdo sellonlatbox / zsel:    $(ratio "$(wall "$s_c")" "$(wall "$s_z")")x"
    echo "zmean vs xarray: max relative difference $mean_diff; zsel box same arrays as xarray's: $same_box"
} | tee "$W/results-reduce.txt"
