#!/bin/sh
# NetCDF-4 user-defined types (compound, vlen, enum, opaque) have no Zarr
# v2 equivalent: nc2zarr skips such variables and attributes with one
# warning each naming it, and converts everything else exactly.  The
# oracle is the same CDL without the unsupported lines, built by ncgen
# and read with xarray and netCDF4.
. "$srcdir/tests/lib/tap.sh"

cdl=$srcdir/tests/interop/nc-usertypes.cdl
if ! command -v ncgen >/dev/null 2>&1; then
    skip "ncgen is absent"; done_testing; exit
fi
ncgen -4 -o "$TMP/full.nc" "$cdl" &&
grep -v '// unsupported' "$cdl" | ncgen -4 -o "$TMP/plain.nc" ||
    { not_ok "ncgen builds the inputs"; done_testing; exit; }

report() {
    while IFS= read -r line; do
        case $line in
        "PASS "*) ok "$1: ${line#PASS }" ;;
        *) not_ok "$1: ${line#FAIL }" ;;
        esac
    done
}

if nc2zarr "$TMP/full.nc" -o "$TMP/u.zarr" 2>"$TMP/err"; then
    ok "a file with user-defined types converts"
else
    not_ok "a file with user-defined types converts" "$(cat "$TMP/err")"
fi
for w in "variable 'obs': compound" "variable 'rag': vlen" \
         "variable 'cloud': enum" "variable 'blob': opaque" \
         "variable 'sub/gaps': vlen" \
         "attribute 'cal' of variable 'temp': compound" \
         "attribute 'hist' of variable 'temp': vlen" \
         "attribute 'kind' of variable 'temp': enum" \
         "attribute 'key' of variable 'temp': opaque" \
         "attribute 'gcal' of group '/': compound" \
         "attribute 'gkind' of group '/': enum" \
         "attribute 'gkey' of group '/': opaque" \
         "attribute 'ghist' of group 'sub': vlen" \
         "attribute 'cal' of variable 'sub/level': compound"; do
    n=$(grep -cF "nc2zarr: warning: $TMP/full.nc: skipped $w type has no" \
        "$TMP/err")
    check_eq "one warning: skipped $w" 1 "$n"
done
check_eq "no other messages" 14 "$(wc -l < "$TMP/err")"

# the store equals the file without the unsupported types, decoded and
# raw, attributes included (nothing of the skipped ones is left)
$PY "$srcdir/tests/interop/compare_nc_zarr.py" "$TMP/u.zarr" \
    "$TMP/plain.nc" > "$TMP/cmp" 2>"$TMP/pyerr" ||
    not_ok "comparison with the plain file ran" "$(tail -5 "$TMP/pyerr")"
report "plain" < "$TMP/cmp"
# and netCDF4's raw values of the full file (a missing variable passes
# only for an unsupported type)
$PY "$srcdir/tests/interop/compare_nc_zarr.py" "$TMP/u.zarr" \
    "$TMP/full.nc" --raw > "$TMP/cmp2" 2>"$TMP/pyerr" ||
    not_ok "comparison with the full file ran" "$(tail -5 "$TMP/pyerr")"
report "full" < "$TMP/cmp2"
check_eq "every normal variable was compared" 5 \
    "$(grep -c '^PASS raw values of [^:]*$' "$TMP/cmp2")"

zinfo --checksum "$TMP/plain.nc" > "$TMP/src" &&
zinfo --checksum "$TMP/u.zarr" > "$TMP/dst"
check "zinfo --checksum: the same arrays and digests as the plain file" \
    diff -u "$TMP/src" "$TMP/dst"
done_testing
