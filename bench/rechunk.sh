#!/bin/sh
# Benchmark zrechunk and sharded output against their peers, in one run,
# on the bench data of bench/nc2zarr.sh (run that first: it makes
# WORK_DIR/data):
#   - hourly maps, chunks (1, 721, 1440), to time series (-1, 32, 32):
#     zrechunk -m 512M vs xarray + dask
#     (open_zarr(...).chunk(...).to_zarr(), bench/xarray_ops.py rechunk);
#     the peak RSS of both, the bound, and the values compared;
#   - nc2zarr to Zarr v3 sharded (shards of 24 chunks of one hour) vs
#     nc2zarr to Zarr v2, the same chunks: the target is within 10%.
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's process tree (bench/peakrss.py).
#
# Usage: bench/rechunk.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-rechunk.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-2}
BOUND=${BOUND:-512M}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
need_bench_data
files=$(ls "$W"/data/*.nc)
o=$W/out
mkdir -p "$o"

# the hourly store, chunks (1, 721, 1440) as CDS serves them
h=$o/hourly.zarr
if [ ! -f "$h/.zmetadata" ]; then
    # shellcheck disable=SC2086
    "$T/nc2zarr" -q --overwrite -c time=1,latitude=-1,longitude=-1 $files -o "$h"
fi
find "$h" -type f -exec cat {} + > /dev/null

echo "== hourly maps to time series (best of $REPEAT)"
"$T/zrechunk" -n -m "$BOUND" "$h" -c time=-1,latitude=32,longitude=32 \
    > "$W/rechunk-plan.txt"
tail -1 "$W/rechunk-plan.txt"
r_z=$(best zrechunk "$T/zrechunk" -q --overwrite -m "$BOUND" "$h" \
      -c time=-1,latitude=32,longitude=32 -o "$o/zr.zarr")
echo "$r_z"
r_x=$(best xarray-dask $PY "$here/xarray_ops.py" rechunk "$h" "$o/xr.zarr")
echo "$r_x"

echo "== nc2zarr: Zarr v2 and v3 sharded, chunks of an hour (best of $REPEAT)"
# shellcheck disable=SC2086
c_2=$(best nc2zarr-v2 "$T/nc2zarr" -q --overwrite -c time=1 $files \
      -o "$o/v2.zarr")
echo "$c_2"
# shellcheck disable=SC2086
c_3=$(best nc2zarr-v3-sharded "$T/nc2zarr" -q --overwrite -c time=1 \
      --zarr-format 3 --shards time=24 $files -o "$o/v3s.zarr")
echo "$c_3"

echo "== correctness"
same_z=$("$T/zinfo" --checksum "$h" > "$W/sum-h" &&
         "$T/zinfo" --checksum "$o/zr.zarr" > "$W/sum-zr" &&
         cmp -s "$W/sum-h" "$W/sum-zr" && echo yes || echo NO)
same_x=$($PY "$here/xarray_ops.py" same "$h" "$o/xr.zarr")
same_zx=$($PY "$here/xarray_ops.py" same "$h" "$o/zr.zarr")
same_v=$("$T/zinfo" --checksum "$o/v2.zarr" > "$W/sum-v2" &&
         "$T/zinfo" --checksum "$o/v3s.zarr" > "$W/sum-v3" &&
         cmp -s "$W/sum-v2" "$W/sum-v3" && echo yes || echo NO)
echo "zrechunk output = input (zinfo --checksum): $same_z; (xarray): $same_zx"
echo "xarray output = input (decoded values): $same_x"
echo "v3 sharded = v2 (zinfo --checksum): $same_v"

wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
bound_mb=$(echo "$BOUND" | awk '/G$/{print $0 * 1024; next} {print $0 + 0}')
{
    echo "data: $h ($(du -sh "$h" | cut -f1) stored, $(grep -o 'read: [0-9]* chunks, [0-9]* bytes ([^)]*)' "$W/rechunk-plan.txt"))"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$r_z" "$r_x" "$c_2" "$c_3"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "zrechunk plan: $(tail -1 "$W/rechunk-plan.txt")"
    echo "xarray/zrechunk wall: $(ratio "$(wall "$r_x")" "$(wall "$r_z")") (target >= 3)"
    echo "zrechunk peak RSS $(rss "$r_z") MB, bound $BOUND ($bound_mb MB): $(awk "BEGIN{print ($(rss "$r_z") <= $bound_mb) ? \"within\" : \"OVER\"}")"
    echo "xarray peak RSS $(rss "$r_x") MB"
    echo "v3 sharded / v2 wall: $(ratio "$(wall "$c_3")" "$(wall "$c_2")") (target <= 1.10)"
    echo "zrechunk output = input: $same_z (xarray: $same_zx); xarray output = input: $same_x; v3 sharded = v2: $same_v"
} > "$W/results-rechunk.txt"
cat "$W/results-rechunk.txt"
