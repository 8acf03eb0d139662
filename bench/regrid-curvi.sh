#!/bin/sh
# Benchmark zregrid from a curvilinear source against CDO, in one run:
# CMIP6 sea ice on CanESM5's ocean grid (../shared/data/nc, 12 monthly
# steps of 291 x 360 points with cell corners) to 0.5 degree (r720x360)
# by linear, nearest and conservative, against cdo -P CORES remapbil,
# remapnn and remapcon (REMAP_EXTRAPOLATE=off) on the same file.  Each
# writes every step; the weights are made in the run (no weight file).
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's process tree (bench/peakrss.py).
#
# Usage: bench/regrid-curvi.sh BUILD_DIR [WORK_DIR [FILE]]
#   WORK_DIR: /tmp/zstore-bench; FILE: the CanESM5 file of ../shared/data
# Writes WORK_DIR/results-regrid-curvi.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
here=$(cd "$(dirname "$0")" && pwd)
F=${3:-$here/../../shared/data/nc/xclim__sic_SImon_CCCma-CanESM5_ssp245_r13i1p2f1_2020.nc}
REPEAT=${REPEAT:-3}
PY=/usr/bin/python3
. "$here/tools.sh"
cores=$(nproc)
REMAP_EXTRAPOLATE=off
export REMAP_EXTRAPOLATE
[ -f "$F" ] || { echo "regrid-curvi.sh: no $F" >&2; exit 1; }
o=$W/out
mkdir -p "$o"
cat "$F" > /dev/null
G=r720x360

for m in linear:remapbil nearest:remapnn conservative:remapcon; do
    zm=${m%%:*} cm=${m#*:}
    eval "z_$zm=\$(best zregrid-$zm \"\$T/zregrid\" -q --overwrite \"\$F\" \
        --vars siconc --grid $G --method $zm --skipna \
        -o \"\$o/curvi-$zm.zarr\")"
    eval "c_$zm=\$(best cdo-$cm cdo -s -O -P $cores $cm,$G \
        -selname,siconc \"\$F\" \"\$o/curvi-$cm.nc\")"
    eval "echo \"\$z_$zm\"; echo \"\$c_$zm\""
done

{
    echo "data: $F (12 steps, 291 x 360, curvilinear with corners)"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$z_linear" "$c_linear" "$z_nearest" "$c_nearest" \
             "$z_conservative" "$c_conservative"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "cdo remapbil / zregrid linear:   $(ratio "$(wall "$c_linear")" "$(wall "$z_linear")")x"
    echo "cdo remapnn / zregrid nearest:   $(ratio "$(wall "$c_nearest")" "$(wall "$z_nearest")")x"
    echo "cdo remapcon / zregrid con:      $(ratio "$(wall "$c_conservative")" "$(wall "$z_conservative")")x"
} | tee "$W/results-regrid-curvi.txt"
