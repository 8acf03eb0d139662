#!/bin/sh
# Benchmark zbatch and zskill against their peers, on the bench store of
# bench/nc2zarr.sh (WORK_DIR/out/nc2zarr.zarr: ERA5-like t2m and u10,
# 0.25 degree, 384 hours; run that first):
#   - zbatch of 32x32 patches with overlap 4, one time step each, both
#     variables, to one X.npy, side by side with iterating xbatcher's
#     BatchGenerator over xarray.open_zarr and np.save-ing each batch, on
#     the first XB_HOURS hours (xbatcher needs about 20 ms a batch: the
#     whole store would take hours); zbatch's peak memory on 24, 96 and
#     384 hours (flat in the store's length);
#   - zskill rmse over time of the store against a perturbed copy (same
#     size, bench/perturb_store.py) side by side with xskillscore.rmse
#     with dask (bench/xskill_ops.py).
# Wall times are the best of REPEAT runs (xbatcher: one) with a warm page
# cache; peak RSS is the summed RSS of each process tree (peakrss.py).
#
# Usage: bench/batch.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-batch.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-3}
XB_HOURS=${XB_HOURS:-4}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
S=$W/out/nc2zarr.zarr
[ -f "$S/.zmetadata" ] || { echo "batch.sh: run bench/nc2zarr.sh first" >&2; exit 1; }
o=$W/out/batch
mkdir -p "$o"

best() {  # best NAME COMMAND...: best wall time and its peak RSS
    name=$1; shift
    bw=""; br=""
    i=0
    while [ $i -lt "$REPEAT" ]; do
        r=$($PY "$here/peakrss.py" "$@" | tail -1)
        w=$(echo "$r" | awk '{print $2}')
        m=$(echo "$r" | awk '{print $4}')
        if [ -z "$bw" ] || awk "BEGIN{exit !($w < $bw)}"; then bw=$w; br=$m; fi
        i=$((i + 1))
    done
    echo "$name $bw $br"
}
once() { REPEAT=1 best "$@"; }

# the inputs: the first hours, and the reference of the scores
for h in "$XB_HOURS" 24 96; do
    [ -d "$o/h$h.zarr" ] ||
        "$T/zsel" -q --isel time=0:"$h" "$S" -o "$o/h$h.zarr"
done
[ -f "$o/ref.zarr/.zmetadata" ] ||
    $PY "$here/perturb_store.py" "$S" "$o/ref.zarr"
find "$S" "$o/ref.zarr" -type f -exec cat {} + > /dev/null

Z="-q --overwrite -I latitude=32,longitude=32 -O latitude=4,longitude=4 -B time=1 --vars t2m,u10"
echo "== zbatch and xbatcher, first $XB_HOURS hours (best of $REPEAT; xbatcher once)"
# shellcheck disable=SC2086
b_z=$(best zbatch-${XB_HOURS}h "$T/zbatch" $Z "$o/h$XB_HOURS.zarr" \
      -o "$o/zb$XB_HOURS")
echo "$b_z"
rm -rf "$o/xb"
b_x=$(once xbatcher-${XB_HOURS}h $PY "$here/xskill_ops.py" batches \
      "$o/h$XB_HOURS.zarr" "$o/xb")
echo "$b_x"
same=$($PY "$here/xskill_ops.py" compare-batches "$o/zb$XB_HOURS/X.npy" \
       "$o/xb" 200 || true)
echo "== zbatch memory against the store's length"
# shellcheck disable=SC2086
m24=$(best zbatch-24h "$T/zbatch" $Z "$o/h24.zarr" -o "$o/zb24")
# shellcheck disable=SC2086
m96=$(best zbatch-96h "$T/zbatch" $Z "$o/h96.zarr" -o "$o/zb96")
# shellcheck disable=SC2086
mall=$(once zbatch-384h "$T/zbatch" $Z "$S" -o "$o/zball")
echo "$m24"; echo "$m96"; echo "$mall"
npatch=$($PY -c "import numpy as np,sys; print(np.load(sys.argv[1], mmap_mode='r').shape[0])" "$o/zball/X.npy")
rm -rf "$o/zball" "$o/zb96"

echo "== zskill rmse over time and xskillscore with dask (best of $REPEAT)"
s_z=$(best zskill-rmse "$T/zskill" -q --overwrite -f "$S" -r "$o/ref.zarr" \
      -M rmse -d time -o "$o/zskill.zarr")
echo "$s_z"
s_x=$(best xskillscore-rmse $PY "$here/xskill_ops.py" rmse "$S" \
      "$o/ref.zarr" "$o/xskill.zarr")
echo "$s_x"
diff=$($PY "$here/xskill_ops.py" compare-rmse "$o/zskill.zarr" \
       "$o/xskill.zarr")
$PY "$here/xskill_ops.py" rmse64 "$S" "$o/ref.zarr" "$o/xskill64.zarr"
diff64=$($PY "$here/xskill_ops.py" compare-rmse "$o/zskill.zarr" \
         "$o/xskill64.zarr")

wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
{
    echo "data: $S ($(du -sh "$S" | cut -f1) stored), reference $o/ref.zarr"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$b_z" "$b_x" "$m24" "$m96" "$mall" "$s_z" "$s_x"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "xbatcher / zbatch ($XB_HOURS h):   $(ratio "$(wall "$b_x")" "$(wall "$b_z")")x (target >= 10)"
    echo "zbatch RSS 24 h / 96 h / 384 h: $(rss "$m24") / $(rss "$m96") / $(rss "$mall") MB (target: flat); $npatch patches in 384 h"
    echo "xskillscore / zskill:       $(ratio "$(wall "$s_x")" "$(wall "$s_z")")x (target >= 5)"
    echo "zskill RSS / xskillscore:   $(ratio "$(rss "$s_z")" "$(rss "$s_x")") (target < 0.25)"
    echo "zbatch vs xbatcher, first 200 batches: $same"
    echo "zskill vs xskillscore: max relative difference $diff (xarray decodes int16 in float32), $diff64 (decoded in float64)"
} | tee "$W/results-batch.txt"
