#!/bin/sh
# An uncompressed store (--compressor none) read by netCDF-C's NCZarr
# (ncdump 'file:///ABS#mode=zarr,file') shows the same data as ncdump of
# the source.  NCZarr does not present the Zarr fill_value as _FillValue,
# so the source is dumped from a copy without _FillValue attributes (made
# by NCO's ncatted): ncdump then prints the stored values on both sides
# instead of "_".  Files with scalar variables are left out: NCZarr 4.9.0
# crashes on 0-d Zarr arrays, whoever wrote them (python3-zarr too).
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
command -v ncdump >/dev/null || { skip "ncdump missing"; done_testing; exit; }
command -v ncatted >/dev/null || { skip "ncatted (nco) missing"; done_testing; exit; }

files="$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc
$S/sst/oisst-like_20200101.nc
$S/seaice/nsidc-like_nh_20200101.nc
$S/chl/viirs-like_2020-01-01_2020-01-08.L3m_8D_CHL_chlor_a_1deg.nc"
if [ -n "$SHARED" ]; then
    for b in geocat__T2m_1x1 geocat__fice geocat__hgt geocat__landsea \
             geocat__uvt geocat__sst netcdf-c-cdl__fills netcdf4-python__ubyte \
             xclim__o3_Amon_GFDL-ESM4_historical_r1i1p1f1_gr1_185001-194912; do
        files="$files
$SHARED/nc/$b.nc"
    done
fi

blocks() { awk -f "$srcdir/tests/interop/ncdump_blocks.awk" | tr -s ' ' | sort; }

echo "$files" | while IFS= read -r f; do
    b=$(basename "$f" .nc)
    out=$TMP/$b.zarr
    nc2zarr -q --compressor none "$f" -o "$out" || { echo "FAIL $b: convert"; continue; }
    ncatted -O -h -a _FillValue,,d,, "$f" "$TMP/nofill.nc" 2>/dev/null ||
        { echo "FAIL $b: ncatted"; continue; }
    ncdump "$TMP/nofill.nc" | blocks > "$TMP/src"
    ncdump "file://$out#mode=zarr,file" > "$TMP/dump" 2>"$TMP/err" ||
        { echo "FAIL $b: ncdump of the store: $(cat "$TMP/err")"; continue; }
    blocks < "$TMP/dump" > "$TMP/dst"
    n=$(wc -l < "$TMP/src")
    if [ "$n" -gt 0 ] && cmp -s "$TMP/src" "$TMP/dst"; then
        echo "PASS $b: $n variables"
    else
        echo "FAIL $b: $(diff "$TMP/src" "$TMP/dst" | head -4 | cut -c1-200)"
    fi
done > "$TMP/results"
while IFS= read -r line; do
    case $line in
    "PASS "*) ok "ncdump of the store shows the source's data: ${line#PASS }" ;;
    *) not_ok "ncdump of the store shows the source's data: ${line#FAIL }" ;;
    esac
done < "$TMP/results"
done_testing
