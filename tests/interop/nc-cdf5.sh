#!/bin/sh
# CDF5 (netCDF-3 64-bit data) import: a CDL with the CDF5-only types
# (ubyte, ushort, uint, int64, uint64) built by ncgen, and CDF5 copies of
# the ERA5-like samples made by nccopy, converted and compared with
# xarray and netCDF4 (compare_nc_zarr.py) and with zinfo --checksum of
# the source.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
[ -d "$S/era5" ] || { not_ok "samples exist (make samples)"; done_testing; exit; }
for p in ncgen nccopy; do
    command -v $p >/dev/null 2>&1 ||
        { skip "$p is absent"; done_testing; exit; }
done

report() {  # report NAME < compare_nc_zarr.py output
    while IFS= read -r line; do
        case $line in
        "PASS "*) ok "$1: ${line#PASS }" ;;
        *) not_ok "$1: ${line#FAIL }" ;;
        esac
    done
}

# convert_and_compare NAME STORE NC...
convert_and_compare() {
    name=$1 out=$2; shift 2
    if nc2zarr -q "$@" -o "$out" 2>"$TMP/err"; then
        ok "$name: converts"
    else
        not_ok "$name: converts" "$(cat "$TMP/err")"; return
    fi
    $PY "$srcdir/tests/interop/compare_nc_zarr.py" "$out" "$@" \
        > "$TMP/cmp" 2>"$TMP/pyerr" ||
        not_ok "$name: comparison ran" "$(tail -5 "$TMP/pyerr")"
    report "$name" < "$TMP/cmp"
}

ncgen -k cdf5 -o "$TMP/types.nc" "$srcdir/tests/interop/nc-cdf5.cdl" ||
    not_ok "ncgen builds the CDF5 file"
check_eq "ncdump -k says cdf5" cdf5 "$(ncdump -k "$TMP/types.nc")"
check "zinfo names the format" sh -c \
    "zinfo '$TMP/types.nc' | grep -q '(netCDF-3 CDF5)'"
convert_and_compare "CDF5 types" "$TMP/types.zarr" "$TMP/types.nc"
zinfo --checksum "$TMP/types.nc" > "$TMP/src"
zinfo --checksum "$TMP/types.zarr" > "$TMP/dst"
check "CDF5 types: zinfo --checksum of source and output agree" \
    diff -u "$TMP/src" "$TMP/dst"
check_eq "CDF5 types: every variable has a digest" 11 \
    "$(wc -l < "$TMP/src")"

# the ERA5-like hourly files as CDF5: the same store as from NetCDF-4
mkdir "$TMP/c5"
for f in "$S"/era5/*.nc; do
    nccopy -k cdf5 "$f" "$TMP/c5/$(basename "$f")" ||
        not_ok "nccopy -k cdf5 $(basename "$f")"
done
convert_and_compare "ERA5 CDF5" "$TMP/era5c5.zarr" "$TMP"/c5/*.nc
nc2zarr -q "$S"/era5/*.nc -o "$TMP/era5.zarr"
zinfo --checksum "$TMP/era5c5.zarr" > "$TMP/a"
zinfo --checksum "$TMP/era5.zarr" > "$TMP/b"
check "ERA5 CDF5: the same digests as from the NetCDF-4 files" \
    diff -u "$TMP/b" "$TMP/a"
for f in "$TMP"/c5/*.nc; do
    zinfo --checksum "$f"
done | grep -v '^#' | sort -k2 | awk '{print $2}' | uniq > "$TMP/names"
check "ERA5 CDF5: every source array is in the store" sh -c \
    "awk '{print \$2}' '$TMP/a' | diff -u '$TMP/names' -"
done_testing
