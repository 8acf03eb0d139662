#!/bin/sh
# Benchmark zregrid against its peers, in one run, on the bench store of
# bench/rechunk.sh (WORK_DIR/out/hourly.zarr: 0.25 degree, 721 x 1440,
# hourly, chunks of one step) and its NetCDF files (WORK_DIR/data):
#   - linear to 1 degree: zregrid vs xarray interp + to_zarr on the same
#     store (bench/xarray_ops.py interp) and cdo -P CORES remapbil on the
#     NetCDF files;
#   - conservative to 1 degree: zregrid vs cdo -P CORES remapcon;
#   - peak memory of zregrid on the whole store and on its first tenth
#     (flat in the number of time steps).
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's process tree (bench/peakrss.py).
#
# Usage: bench/regrid.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-regrid.txt and prints it.
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
[ -f "$h/.zmetadata" ] || { echo "regrid.sh: run bench/rechunk.sh first" >&2; exit 1; }
nc=$(ls "$W"/data/*.nc)
find "$h" -type f -exec cat {} + > /dev/null
G=r360x180
nt=$("$T/zinfo" --json "$h" | $PY -c \
     'import json,sys; print(json.load(sys.stdin)["root"]["dims"]["time"])')
first=$((nt / 10))

echo "== linear to 1 degree (best of $REPEAT)"
l_z=$(best zregrid-linear "$T/zregrid" -q --overwrite "$h" --grid $G \
      -o "$o/zrg-bil.zarr")
echo "$l_z"
l_x=$(best xarray-interp $PY "$here/xarray_ops.py" interp "$h" \
      "$o/xrg-bil.zarr")
echo "$l_x"
# shellcheck disable=SC2086
l_c=$(best cdo-remapbil cdo -s -O -P "$cores" remapbil,$G -mergetime $nc \
      "$o/cdo-bil.nc")
echo "$l_c"
echo "== conservative to 1 degree (best of $REPEAT)"
c_z=$(best zregrid-con "$T/zregrid" -q --overwrite "$h" --grid $G \
      --method conservative -o "$o/zrg-con.zarr")
echo "$c_z"
# shellcheck disable=SC2086
c_c=$(best cdo-remapcon cdo -s -O -P "$cores" remapcon,$G -mergetime $nc \
      "$o/cdo-con.nc")
echo "$c_c"
echo "== memory against the number of steps"
"$T/zsel" -q --overwrite "$h" -i time=0:$first -o "$o/tenth.zarr"
m_t=$(best zregrid-tenth "$T/zregrid" -q --overwrite "$o/tenth.zarr" \
      --grid $G -o "$o/zrg-tenth.zarr")
echo "$m_t"

{
    echo "data: $h ($(du -sh "$h" | cut -f1) stored, $nt steps), and its NetCDF files"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$l_z" "$l_x" "$l_c" "$c_z" "$c_c" "$m_t"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "xarray interp / zregrid linear:  $(ratio "$(wall "$l_x")" "$(wall "$l_z")")x (target >= 5)"
    echo "cdo remapbil / zregrid linear:   $(ratio "$(wall "$l_c")" "$(wall "$l_z")")x (target >= 5)"
    echo "cdo remapcon / zregrid con:      $(ratio "$(wall "$c_c")" "$(wall "$c_z")")x (target >= 3)"
    echo "zregrid RSS, all steps / a tenth: $(ratio "$(rss "$l_z")" "$(rss "$m_t")") (flat: about 1; target < 300 MB)"
} | tee "$W/results-regrid.txt"
