#!/bin/sh
# Several NetCDF files concatenated along time: order by time values, not
# names; overlaps, schema and packing mismatches; time units converted
# exactly; --unpack with per-file packing.  Oracles: xarray
# (open_mfdataset, by coordinates), netCDF4, zinfo --checksum of the same
# data converted as one file.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
[ -d "$S/era5" ] || { not_ok "samples exist (make samples)"; done_testing; exit; }

# compare NAME STORE NC... [--unpack]: compare_nc_zarr.py results as TAP
# (read from a file: a pipe would count the tests in a subshell)
compare() {
    name=$1; shift
    $PY "$srcdir/tests/interop/compare_nc_zarr.py" "$@" > "$TMP/cmp" \
        2>"$TMP/cmp.err" ||
        not_ok "$name: comparison ran" "$(tail -5 "$TMP/cmp.err")"
    while IFS= read -r line; do
        case $line in
        "PASS "*) ok "$name: ${line#PASS }" ;;
        "SKIP "*) skip "$name: ${line#SKIP }" ;;
        *) not_ok "$name: ${line#FAIL }" ;;
        esac
    done < "$TMP/cmp"
}

# monthly pieces given in reverse order == the single file
nc2zarr -q $(ls "$S"/era5-monthly-split/*.nc | sort -r) -o "$TMP/split.zarr" &&
nc2zarr -q "$S"/era5-single/*.nc -o "$TMP/single.zarr"
check "monthly pieces and the single file convert" test -d "$TMP/split.zarr"
zinfo --checksum "$TMP/split.zarr" > "$TMP/a"
zinfo --checksum "$TMP/single.zarr" > "$TMP/b"
check_eq "pieces in shuffled order give the same store as the single file" \
    "$(cat "$TMP/b")" "$(cat "$TMP/a")"
compare "split vs single (xarray)" "$TMP/split.zarr" \
    "$S"/era5-single/*.nc

# three hourly files (NetCDF-4 and NetCDF-3) against xarray.open_mfdataset
for set in era5 era5-nc3; do
    nc2zarr -q "$S/$set"/*.nc -o "$TMP/$set.zarr" ||
        not_ok "$set: converts"
    compare "$set (open_mfdataset)" "$TMP/$set.zarr" \
        "$S/$set"/*.nc
done
check_eq "NetCDF-3 and NetCDF-4 copies give the same arrays" \
    "$(zinfo --checksum "$TMP/era5.zarr")" \
    "$(zinfo --checksum "$TMP/era5-nc3.zarr")"

# overlaps
check_fail "overlapping files are refused, naming both" 1 \
    "bad-overlap.*overlaps .*era5_sfc_2019-07-02.nc.*on-overlap" \
    nc2zarr "$S"/era5/*.nc "$S"/era5-bad/bad-overlap*.nc -o "$TMP/ov.zarr"
check "no output after a refused overlap" test ! -e "$TMP/ov.zarr" -a \
    ! -e "$TMP/ov.zarr.partial"
for p in first last; do
    nc2zarr -q --on-overlap $p "$S"/era5/*.nc "$S"/era5-bad/bad-overlap*.nc \
        -o "$TMP/ov-$p.zarr"
    check_eq "--on-overlap $p keeps each time once" \
        "$(zinfo --checksum "$TMP/era5.zarr")" \
        "$(zinfo --checksum "$TMP/ov-$p.zarr")"
done

# a file lying inside another one's span: "last" splices it in and keeps
# the records on both sides (same values here, so the store is day 1's)
$PY - "$S/era5/era5_sfc_2019-07-01.nc" "$TMP/inside.nc" <<'PYEOF'
import sys, netCDF4
src = netCDF4.Dataset(sys.argv[1])
out = netCDF4.Dataset(sys.argv[2], "w")
for n, d in src.dimensions.items():
    out.createDimension(n, None if d.isunlimited() or n == "time" else len(d))
for n, v in src.variables.items():
    v.set_auto_maskandscale(False)
    x = out.createVariable(n, v.dtype, v.dimensions,
                           fill_value=getattr(v, "_FillValue", None))
    x.setncatts({k: v.getncattr(k) for k in v.ncattrs() if k != "_FillValue"})
    x.set_auto_maskandscale(False)
    x[...] = v[5:11] if "time" in v.dimensions else v[...]
out.close()
PYEOF
nc2zarr -q "$S/era5/era5_sfc_2019-07-01.nc" -o "$TMP/day1.zarr"
nc2zarr -q --on-overlap last "$S/era5/era5_sfc_2019-07-01.nc" "$TMP/inside.nc" \
    -o "$TMP/spliced.zarr"
check_eq "--on-overlap last keeps the records around a file inside another" \
    "$(zinfo --checksum "$TMP/day1.zarr")" "$(zinfo --checksum "$TMP/spliced.zarr")"
nc2zarr -q --on-overlap first "$S/era5/era5_sfc_2019-07-01.nc" "$TMP/inside.nc" \
    -o "$TMP/first.zarr"
check_eq "--on-overlap first ignores a file inside another" \
    "$(zinfo --checksum "$TMP/day1.zarr")" "$(zinfo --checksum "$TMP/first.zarr")"

# schema mismatches name the file and the attribute or shape
check_fail "different packing is refused, naming file and attribute" 1 \
    "bad-packing.*differs from .*t2m: scale_factor" \
    nc2zarr "$S"/era5/*.nc "$S"/era5-bad/bad-packing*.nc -o "$TMP/pk.zarr"
check_fail "a different shape is refused, naming the variable" 1 \
    "bad-shape-area.*differs from .*latitude" \
    nc2zarr "$S"/era5/*.nc "$S"/era5-bad/bad-shape-area*.nc -o "$TMP/sh.zarr"
check_fail "an extra dimension is refused" 1 "bad-shape-expver.*differs" \
    nc2zarr "$S"/era5/*.nc "$S"/era5-bad/bad-shape-expver*.nc -o "$TMP/ex.zarr"

# variables in another order, another dtype, missing or extra: small
# files from CDL (ncgen).  mkcdl NAME T0 VARS...: VARS are "type name"
mkcdl() {
    name=$1 t0=$2; shift 2
    {
        echo "netcdf $name { dimensions: time = UNLIMITED ; x = 3 ;"
        echo "variables: double time(time) ;"
        echo "  time:units = \"hours since 2000-01-01\" ; float x(x) ;"
        for v in "$@"; do echo "  $v(time, x) ; ${v#* }:units = \"1\" ;"; done
        echo "data: time = $t0, $((t0 + 1)) ; x = 1, 2, 3 ;"
        for v in "$@"; do echo "  ${v#* } = $t0, 1, 2, 3, 4, 5 ;"; done
        echo "}"
    } | ncgen -4 -o "$TMP/$name.nc"
}
mkcdl s0 0 "float a" "short b" "int c"
mkcdl s1 2 "int c" "float a" "short b"       # the same, reordered
mkcdl s2 4 "short b" "int c" "float a"
mkcdl sdtype 2 "float a" "int b" "int c"     # b: int instead of short
mkcdl smiss 2 "float a" "int c"              # no b
mkcdl sextra 2 "float a" "short b" "int c" "double d"
if nc2zarr -q "$TMP/s2.nc" "$TMP/s0.nc" "$TMP/s1.nc" -o "$TMP/order.zarr" \
        2>"$TMP/order.err"; then
    ok "files with the same variables in another order are accepted"
    compare "variables in another order" "$TMP/order.zarr" \
        "$TMP/s0.nc" "$TMP/s1.nc" "$TMP/s2.nc"
else
    not_ok "files with the same variables in another order are accepted" \
        "$(cat "$TMP/order.err")"
fi
check_fail "another dtype is refused, naming file and variable" 1 \
    "sdtype.nc: differs from .*s0.nc: var b: int \(.*s0.nc has: var b: short" \
    nc2zarr "$TMP/s0.nc" "$TMP/sdtype.nc" -o "$TMP/bad.zarr"
check_fail "a missing variable is refused, naming file and variable" 1 \
    "smiss.nc: differs from .*s0.nc: no variable 'b'" \
    nc2zarr "$TMP/s0.nc" "$TMP/smiss.nc" -o "$TMP/bad.zarr"
check_fail "an extra variable is refused, naming file and variable" 1 \
    "sextra.nc: differs from .*s0.nc: extra variable 'd'" \
    nc2zarr "$TMP/s0.nc" "$TMP/sextra.nc" -o "$TMP/bad.zarr"
check_fail "a missing variable in the first file is an extra one later" 1 \
    "s0.nc: differs from .*smiss.nc: extra variable 'b'" \
    nc2zarr "$TMP/smiss.nc" "$TMP/s0.nc" -o "$TMP/bad.zarr"

# --unpack: each file decoded with its own packing
nc2zarr -q --unpack "$S"/era5/*.nc "$S"/era5-bad/bad-packing*.nc \
    -o "$TMP/unpacked.zarr" || not_ok "--unpack accepts different packing"
compare "--unpack with mixed packing" "$TMP/unpacked.zarr" \
    "$S"/era5/*.nc "$S"/era5-bad/bad-packing*.nc --unpack

# gaps are reported
nc2zarr "$S"/era5/era5_sfc_2019-07-01.nc "$S"/era5/era5_sfc_2019-07-03.nc \
    -o "$TMP/gap.zarr" 2>"$TMP/gap.err"
check "a gap in time is reported" grep -q "gap in time: about 24 missing" \
    "$TMP/gap.err"

nc2zarr "$S"/sst/oisst-like_20200101.nc "$S"/sst/oisst-like_20200102.nc \
    "$S"/sst/oisst-like_20200104.nc -o "$TMP/sstgap.zarr" 2>"$TMP/gap2.err"
check "a gap between one-record files is reported" \
    grep -q "gap in time: about 1 missing steps between 2020-01-02" "$TMP/gap2.err"

# the same instants in other units are converted exactly
cp "$S"/era5/era5_sfc_2019-07-02.nc "$TMP/minutes.nc"
cp "$S"/era5/era5_sfc_2019-07-02.nc "$TMP/halfhour.nc"
$PY - "$TMP/minutes.nc" "$TMP/halfhour.nc" <<'PYEOF'
import sys, netCDF4
for path, shift in zip(sys.argv[1:], (0, 30)):
    with netCDF4.Dataset(path, "a") as d:
        t = d["time"]
        hours = t[:].astype("int64") - 1043136   # hours since 2019-01-01
        t.units = "minutes since 2019-01-01 00:00:00"
        t[:] = hours * 60 + shift
PYEOF
nc2zarr -q "$S"/era5/era5_sfc_2019-07-01.nc "$TMP/minutes.nc" \
    "$S"/era5/era5_sfc_2019-07-03.nc -o "$TMP/units.zarr"
check_eq "times in minutes are converted exactly to the first file's hours" \
    "$(zinfo --checksum "$TMP/era5.zarr")" \
    "$(zinfo --checksum "$TMP/units.zarr")"
check_fail "times that are not whole hours are refused" 1 \
    "halfhour.nc: time .*not" \
    nc2zarr "$S"/era5/era5_sfc_2019-07-01.nc "$TMP/halfhour.nc" \
        -o "$TMP/half.zarr"

# noleap and 360_day calendars across files
for cal in noleap 360_day; do
    nc2zarr -q "$S"/calendars/$cal/*.nc -o "$TMP/$cal.zarr" ||
        not_ok "$cal: converts"
    compare "$cal (open_mfdataset)" "$TMP/$cal.zarr" \
        "$S"/calendars/$cal/*.nc
done
done_testing
