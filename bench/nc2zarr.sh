#!/bin/sh
# Benchmark nc2zarr against its peers on the same data, in one run:
#   - nc2zarr -j 2 and -j 1
#   - xarray.open_mfdataset(chunks).to_zarr(consolidated=True) (dask)
#   - netCDF-C's nccopy -u to NCZarr (one run per input file)
#   - the CPU-bound floor: single-thread netCDF read time plus
#     single-thread blosc encode time, divided by the number of cores
# on an ERA5-like set (0.25 degree, packed int16 t2m and u10, hourly,
# NetCDF-4 zlib level 1, chunks (1, 721, 1440) like CDS; >= 1.5 GB raw).
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each tool's whole process tree (bench/peakrss.py).
#
# Usage: bench/nc2zarr.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Needs: /usr/bin/python3 with xarray and dask, nccopy.  Writes results to
# WORK_DIR/results-nc2zarr.txt and prints them.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-2}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
mkdir -p "$W/out"
if [ ! -f "$W/data/.done" ]; then
    rm -rf "$W/data"
    "$B/data-samples/mksamples" bench "$W/data" --nc3 -j "$cores"
    touch "$W/data/.done"
fi
files=$(ls "$W"/data/*.nc)
cat $files > /dev/null   # warm the page cache for everyone

echo "== CPU-bound floor (single thread read + single thread encode)"
"$B/bench/cpulimit" $files > "$W/limit.txt"
cat "$W/limit.txt"
read_s=$(awk '$1=="read"{print $2}' "$W/limit.txt")
enc_s=$(awk '$1=="encode"{print $2}' "$W/limit.txt")
raw=$(awk '$1=="raw"{print $2}' "$W/limit.txt")

echo "== timing (best of $REPEAT)"
# shellcheck disable=SC2086
r_j2=$(best nc2zarr-j$cores "$T/nc2zarr" -q --overwrite -j "$cores" \
       $files -o "$W/out/nc2zarr.zarr")
echo "$r_j2"
# shellcheck disable=SC2086
r_j1=$(best nc2zarr-j1 "$T/nc2zarr" -q --overwrite -j 1 $files \
       -o "$W/out/nc2zarr1.zarr")
echo "$r_j1"
# shellcheck disable=SC2086
r_xr=$(best xarray $PY "$here/to_zarr_xarray.py" "$W/out/xarray.zarr" $files)
echo "$r_xr"
cat > "$W/nccopy-all.sh" <<NCEOF
#!/bin/sh
i=0
for f in $(echo $files); do
    i=\$((i + 1))
    rm -rf "$W/out/nccopy-\$i.zarr"
    nccopy -u "\$f" "file://$W/out/nccopy-\$i.zarr#mode=nczarr,file" || exit 1
done
NCEOF
r_nc=$(REPEAT=1 best nccopy sh "$W/nccopy-all.sh")
echo "$r_nc"

echo "== correctness"
"$T/zinfo" --checksum "$W/out/nc2zarr.zarr" > "$W/sum-j2"
"$T/zinfo" --checksum "$W/out/nc2zarr1.zarr" > "$W/sum-j1"
"$T/zinfo" --checksum "$W/out/xarray.zarr" > "$W/sum-xr"
same_j=$(cmp -s "$W/sum-j2" "$W/sum-j1" && echo yes || echo NO)
same_x=$(cmp -s "$W/sum-j2" "$W/sum-xr" && echo yes || echo NO)
echo "nc2zarr -j$cores and -j1 outputs identical: $same_j"
echo "nc2zarr and xarray stores hold the same arrays (zinfo --checksum): $same_x"

wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
limit=$(awk "BEGIN{printf \"%.3f\", ($read_s + $enc_s) / $cores}")
{
    echo "data: $(echo "$files" | wc -l) files, $(awk "BEGIN{printf \"%.2f\", $raw/1e9}") GB raw" \
         "(ERA5-like 0.25 deg, int16 t2m u10, NetCDF-4 zlib 1, chunks 1x721x1440)"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$r_j2" "$r_j1" "$r_xr" "$r_nc"; do
        printf '%-22s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "single-thread read $read_s s + encode $enc_s s; floor on $cores cores: $limit s"
    echo "xarray / nc2zarr-j$cores:  $(awk "BEGIN{printf \"%.2f\", $(wall "$r_xr") / $(wall "$r_j2")}")x (target >= 2)"
    echo "nccopy / nc2zarr-j$cores:  $(awk "BEGIN{printf \"%.2f\", $(wall "$r_nc") / $(wall "$r_j2")}")x"
    echo "nc2zarr-j$cores / floor:   $(awk "BEGIN{printf \"%.2f\", $(wall "$r_j2") / $limit}")x (target <= 1.25)"
    echo "nc2zarr-j1 / nc2zarr-j$cores: $(awk "BEGIN{printf \"%.2f\", $(wall "$r_j1") / $(wall "$r_j2")}")x"
    echo "peak RSS nc2zarr-j$cores: $(rss "$r_j2") MB (target < 300)"
    echo "outputs identical -j$cores/-j1: $same_j; same arrays as xarray's: $same_x"
} | tee "$W/results-nc2zarr.txt"
