#!/bin/sh
# Every NetCDF file in ../shared/data/nc converts; for each output, xarray
# sees the same decoded dataset as from the NetCDF file, python3-zarr reads
# the same raw values as netCDF4, and zinfo --checksum agrees between
# source and output for every converted variable.
. "$srcdir/tests/lib/tap.sh"

if [ -z "$SHARED" ]; then skip "../shared/data is absent"; done_testing; exit; fi

# results of compare_nc_zarr.py as TAP
report() {
    while IFS= read -r line; do
        case $line in
        "PASS "*) ok "$1: ${line#PASS }" ;;
        "SKIP "*) skip "$1: ${line#SKIP }" ;;
        *) not_ok "$1: ${line#FAIL }" ;;
        esac
    done
}

for nc in "$SHARED"/nc/*.nc; do
    b=$(basename "$nc" .nc)
    out=$TMP/$b.zarr
    if nc2zarr -q "$nc" -o "$out" 2>"$TMP/$b.err"; then
        ok "$b: converts"
    else
        not_ok "$b: converts" "$(cat "$TMP/$b.err")"; continue
    fi
    $PY "$srcdir/tests/interop/compare_nc_zarr.py" "$out" "$nc" \
        2>"$TMP/$b.pyerr" > "$TMP/$b.cmp" ||
        not_ok "$b: comparison ran" "$(tail -5 "$TMP/$b.pyerr")"
    report "$b" < "$TMP/$b.cmp"
    zinfo --checksum "$nc" > "$TMP/$b.src" 2>"$TMP/$b.err1" ||
        not_ok "$b: zinfo --checksum of the source" "$(cat "$TMP/$b.err1")"
    zinfo --checksum "$out" > "$TMP/$b.dst" 2>"$TMP/$b.err2" ||
        not_ok "$b: zinfo --checksum of the output" "$(cat "$TMP/$b.err2")"
    # both directions: every array of the source (as our NetCDF reader
    # lists it: unsupported types are skipped there too) is in the output
    # with the same digest, and the output holds nothing else
    if diff "$TMP/$b.src" "$TMP/$b.dst" > "$TMP/$b.diff"; then
        ok "$b: zinfo --checksum of source and output agree"
    else
        not_ok "$b: zinfo --checksum of source and output agree" \
            "$(cat "$TMP/$b.diff")"
    fi
done
done_testing
