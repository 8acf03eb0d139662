#!/bin/sh
# zcalc against numpy and xarray (compare_calc.py): every operator and
# function on float32 and packed int16 inputs with missing values, the
# broadcast by dimension name, temporaries, the default type; --join
# exact refusing a 20-step and a 3-step store (naming the dimension and
# the first label) and --join inner giving xarray's 3 steps; month,
# dayofyear and hour in a noleap calendar against cftime; lat, lon,
# coslat, gridarea against numpy and cdo gridarea; --dtype int8 and bool;
# every kind of store in and out; a small memory bound; bad input refused
# with a message and no output.
. "$srcdir/tests/lib/tap.sh"
py_serve
. "$srcdir/tests/lib/servers.sh"
CMP="$PY $srcdir/tests/interop/compare_calc.py"
cd "$TMP" || exit 1

# cmp DESCRIPTION compare_calc.py-ARGS...
# shellcheck disable=SC2086
cmp() { d=$1; shift; check_diag "$d" $CMP "$@"; }

# zc NAME ZCALC-ARGS...: run zcalc -q ... -o NAME.zarr
zc() {
    n=$1; shift
    if ! zcalc -q "$@" -o "$n.zarr" 2>"$n.err"; then
        not_ok "$n: zcalc runs" "$(cat "$n.err")"
        return 1
    fi
}

if ! $CMP make . 2>make.err; then
    not_ok "synthetic inputs" "$(cat make.err)"
    done_testing
    exit
fi

# ---- operators and functions ----------------------------------------------
set -- -e 'add = sst + ice' -e 'sub = sst - ice' -e 'mul = sst * ice' \
    -e 'div = sst / ice' -e 'pw = sst ^ 2' -e 'negpw = -sst^2' \
    -e 'anom = sst - clim' -e 'lt = sst < 10' -e 'le = sst <= 10' \
    -e 'gt = sst > 10' -e 'ge = sst >= 10' \
    -e 'eq = _r == 10' -e 'ne = _r != 10' \
    -e 'and = sst > 5 && ice > 0.2' -e 'or = sst > 25 || ice > 0.9' \
    -e 'not = !(sst > 5)' -e 'cond = sst > 10 ? sst : ice' \
    -e 'ab = abs(sst - 15)' -e 'sq = sqrt(sst)' -e 'ex = exp(sst / 10)' \
    -e 'lg = log(sst)' -e 'lg10 = log10(sst)' -e 'mn = min(sst, ice*30)' \
    -e 'mx = max(sst, ice * 30)' -e 'pw2 = pow(sst, 0.5)' \
    -e 'cl = clip(sst, 5, 20)' -e 'isn = isnan(sst)' \
    -e 'wh = where(sst > 10, sst, 0)' -e 'mask = ice > 0.5 ? nan : sst' \
    -e 'prec = 2^3^2 + sst*0' -e 'ar = 1 + 2*3 - 4/2 + sst*0' \
    -e 'nt = sst > 20 ? 2 : sst > 10 ? 1 : 0' \
    -e 'lo = sst > 25 || sst > 5 && ice > 0.5' -e 'un = - -sst + +1' \
    -e '_t = sst * 2' -e 'u = _t + 1' \
    -e 'lc = 10 < sst' -e 'sl = 20 - sst' -e 'dl = 100 / sst' \
    -e 'ml = min(10, sst)' -e 'al = sst > 10 && 1' -e 'nadd = sst + nan' \
    -e 'ncmp = sst < nan' -e 'nmx = max(nan, sst)' \
    -e 'nc = ice > 0.5 ? 3 : -1' -e 'kc = 1 ? sst * 0 + 4 : sst' \
    -e 'kw = where(sst > 10, 1, ice)' -e 'neg = -abs(-3) + sst * 0'
# _r (round) is not a function of ours: numpy's round is the oracle's
zc ops -e '_r = sst - (sst - 10) * (abs(sst - 10) < 0.5)' "$@" a.nc &&
    cmp "operators and functions equal numpy's" ops ops.zarr a.nc

# the same against cdo expr, whose missing values behave as ours (m takes
# the missing value of ice, its first variable: missval(ice) is missing)
if command -v cdo >/dev/null 2>&1; then
    if cdo -s -expr,'c = sst > 10 ? sst : ice; lt = sst < 10;
an = (sst > 5) && (ice > 0.2); y = clat(sst); mx = max(sst, ice*30);
ab = abs(sst - 15); m = ice > 0.5 ? missval(ice) : sst - clim;' \
        a.nc cdo-expr.nc 2>cdo-expr.err; then
        zc cdoexpr -e 'c = sst > 10 ? sst : ice' -e 'lt = sst < 10' \
            -e 'an = sst > 5 && ice > 0.2' -e 'y = lat' \
            -e 'mx = max(sst, ice*30)' -e 'ab = abs(sst - 15)' \
            -e 'm = ice > 0.5 ? nan : sst - clim' a.nc &&
            cmp "ternary, missing values, clat: cdo expr" cdoexpr \
                cdoexpr.zarr cdo-expr.nc
    else
        not_ok "cdo expr runs" "$(cat cdo-expr.err)"
    fi
else
    skip "cdo is not installed"
fi

# ---- alignment ---------------------------------------------------------------
check_fail "--join exact refuses a 20-step and a 3-step store" 1 \
    "zcalc: .*dimension 'time': .*differ first at index 0: 2020-01-01T00:00:00 and 2020-01-06T00:00:00" \
    zcalc -q -e 'p = a.sst * b.conc' a=a.nc b=b.nc -o exact.zarr
check_eq "... and leaves no output" "" "$(ls -d exact.zarr* 2>/dev/null)"
zc inner --join inner -e 'p = a.sst * b.conc' a=a.nc b=b.nc &&
    cmp "--join inner: 3 steps equal to xarray's arithmetic" join \
        inner.zarr a.nc b.nc

# ---- coordinates -------------------------------------------------------------
zc time -e 'mo = month(time)' -e 'doy = dayofyear(time)' \
    -e 'hr = hour(time)' c.nc &&
    cmp "month, dayofyear, hour in a noleap calendar" time time.zarr c.nc
zc coords --dtype float64 -e 'cl = coslat' -e 'yx = lat + lon / 1000' \
    -e 'ga = gridarea' a.nc &&
    cmp "coslat, lat and lon broadcast, gridarea" coords coords.zarr a.nc
SST=$top_builddir/data-samples/out/sst/oisst-like_20200101.nc
if command -v cdo >/dev/null 2>&1; then
    cdo -s gridarea "$SST" area.nc 2>cdo.err &&
    zc area -e 'ga = gridarea' "$SST" &&
    cmp "gridarea on a 1 degree grid: cdo gridarea" cdoarea area.zarr area.nc
else
    skip "cdo is not installed"
fi

# a Polygon with a hole and a MultiPolygon, longitudes -180..180 on a
# 0..360 grid
zc inside -e 'm = inside(regions.geojson)' \
    -e "sm = inside('regions.geojson') ? sst : nan" "$SST" &&
    cmp "inside(): cells in polygons as matplotlib says" inside inside.zarr \
        "$SST"

# ---- types -------------------------------------------------------------------
zc b --dtype bool -e 'b = sst > 10' a.nc &&
zc i8 --dtype int8 -e 'i8 = sst' a.nc && {
    zcalc -q --dtype bool -e 'b = sst > 10' a.nc -o ty.zarr 2>/dev/null &&
    zcalc -q --dtype int8 -e 'i8 = sst' ty.zarr -o ty8.zarr 2>/dev/null
    $PY - <<'PYEOF' || not_ok "merge types"
import xarray as xr
xr.merge([xr.open_zarr("b.zarr"), xr.open_zarr("i8.zarr", mask_and_scale=False)]).to_zarr("types.zarr", mode="w")
PYEOF
    cmp "--dtype bool and int8" dtype types.zarr a.nc
}

# ---- stores and memory ---------------------------------------------------------
E='m = ice > 0.5 ? nan : sst - clim'
zc ref -e "$E" --keep a.nc
check "--keep copies the inputs' variables" $PY -c "
import xarray as xr; o = xr.open_zarr('ref.zarr')
assert set(o.data_vars) == {'m', 'sst', 'ice', 'clim'}, o.data_vars"
nc2zarr -q a.nc -o a.zarr 2>/dev/null
zc refz -e "$E" --keep a.zarr
if nc2zarr -q a.nc -o - 2>/dev/null |
   zcalc -q -e "$E" --keep - -o - >stream.tar 2>stream.err; then
    mkdir st && (cd st && tar xf ../stream.tar) &&
    cmp "a tar stream in and out" same refz.zarr st
else
    not_ok "a tar stream in and out" "$(cat stream.err)"
fi
if zcalc -q -e "$E" --keep a.zarr -o z.zip 2>zip.err &&
   $PY -c "import zarr, xarray as xr
xr.open_zarr(zarr.storage.ZipStore('z.zip', mode='r')).to_zarr('unz.zarr')" \
    2>>zip.err; then
    cmp "a zip store" same refz.zarr unz.zarr
else
    not_ok "a zip store" "$(cat zip.err)"
fi
# Zarr v3 with shards (zarr-python 2 reads no v3: read back by zcalc)
zc v3 -e "$E" a.zarr --zarr-format 3 --shards time=10 -c time=5 &&
zc v3back -e 'm = m' v3.zarr &&
    cmp "Zarr v3 with shards" same v3back.zarr refz.zarr
# 44640 values in boxes of about 12000 under -m 1M
ERA=$top_builddir/data-samples/out/era5/era5_sfc_2019-07-01.nc
F='m = u10 > 2 ? nan : t2m - 273.15 + v10 * coslat'
zc big -e "$F" "$ERA" && zc small -m 1M -e "$F" "$ERA" &&
    cmp "-m 1M: the same values box by box" same big.zarr small.zarr
# (the progress counts boxes: at least two)
check "... in several boxes" sh -c \
    "zcalc -m 1M --progress -e '$F' '$ERA' -o p.zarr 2>&1 |
     tr '\\r' '\\n' | grep -Eq '100% [2-9]\\.0 B/'"
# over HTTP (nginx), with the next box's chunks fetched ahead
mkdir www && nc2zarr -q "$ERA" -o www/era.zarr 2>/dev/null
if url=$(zs_nginx_start www); then
    zc http -m 1M -e "$F" "$url/era.zarr" &&
        cmp "an HTTP store, box by box" same big.zarr http.zarr
else
    skip "$(zs_why)"
fi

# ---- units ----------------------------------------------------------------------
if command -v udunits2 >/dev/null 2>&1; then
    zc units --dtype float64 --units sst=K --units ice=% --units f=degF \
        -e 'k = sst' -e 'pct = ice' -e 'sum = sst + ice' -e 'f = sst' a.nc &&
        cmp "--units: the udunits2 program's conversions" units units.zarr a.nc
else
    skip "the udunits2 program (udunits-bin) is not installed"
fi
check_fail "units that do not convert" 1 \
    "^zcalc: a.nc: units: 'degC' does not convert to 'm' \(--units\)" \
    zcalc -q --units sst=m -e 'x = sst' a.nc -o badu1.zarr
check_fail "units of a result that are not known" 1 \
    "units of the result 'x' are not known" \
    zcalc -q --units x=K -e 'x = sst * 2' a.nc -o badu2.zarr
check_fail "a unit udunits2 does not know" 1 "'furlongz' is not a unit" \
    zcalc -q --units sst=furlongz -e 'x = sst' a.nc -o badu3.zarr
check_fail "--units without =" 2 "invalid --units: units: 'sst' is not" \
    zcalc -q --units sst -e 'x = sst' a.nc -o badu4.zarr

# ---- bad input -----------------------------------------------------------------
check_fail "a syntax error names the expression and column" 2 \
    "^zcalc: invalid -e: expression 2, column 10: unexpected '\*'" \
    zcalc -e 'a = sst' -e 'x = sst +* 2' a.nc -o bad1.zarr
check_fail "an unknown variable" 1 \
    "^zcalc: a.nc: expression 1, column 9: unknown variable 'sts'" \
    zcalc -q -e 'x = 1 + sts' a.nc -o bad2.zarr
check_fail "an unknown store name" 1 \
    "^zcalc: a.nc: expression 1, column 5: unknown store 'ice'" \
    zcalc -q -e 'x = ice.conc' a.nc -o bad3.zarr
check_fail "a variable a named store lacks" 1 \
    "no variable 'sst' in store 'b'" \
    zcalc -q -e 'x = b.sst' a=a.nc b=b.nc -o bad4.zarr
check_fail "an unknown function" 2 "column 5: unknown function 'foo'" \
    zcalc -e 'x = foo(sst)' a.nc -o bad5.zarr
check_fail "a missing argument" 2 "too few arguments to 'clip'" \
    zcalc -e 'x = clip(sst, 1)' a.nc -o bad6.zarr
check_fail "an unclosed parenthesis" 2 "column 13: expected '\)'" \
    zcalc -e 'x = (sst + 1' a.nc -o bad7.zarr
check_fail "no NAME =" 2 "expected '=' after the name 'sst'" \
    zcalc -e 'sst + 1' a.nc -o bad8.zarr
echo '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}' >short.json
check_fail "a polygon ring of two points" 1 \
    "short.json: GeoJSON: a ring needs at least four positions" \
    zcalc -q -e 'x = inside(short.json)' a.nc -o bad9.zarr
check_fail "a GeoJSON file that is absent" 1 "column 5: nothere.json" \
    zcalc -q -e 'x = inside(nothere.json)' a.nc -o bad10.zarr
check_eq "no output left by bad input" "" "$(ls -d bad*.zarr* 2>/dev/null)"

done_testing
