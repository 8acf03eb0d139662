#!/bin/sh
# zmean against xarray computing the same reductions on values decoded in
# float64 (compare_reduce.py): every op over time and over space, coslat
# weights, groupby month/dayofyear/season/hour, resample, anomalies,
# keepdims, tiles; real CMIP and sea-ice files; bad input; and memory that
# does not grow with the length of the reduced dimension.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
cd "$TMP" || exit 1

# red NAME INPUT ZMEAN-ARGS... -- EXPRESSION [--exact]
red() {
    name=$1 in=$2; shift 2
    args=""
    while [ "$1" != "--" ]; do args="$args $1"; shift; done
    shift
    # shellcheck disable=SC2086
    if ! zmean -q $args "$in" -o "$name.zarr" 2>"$name.err"; then
        not_ok "$name: zmean runs" "$(cat "$name.err")"
        return
    fi
    $PY "$srcdir/tests/interop/compare_reduce.py" "$name.zarr" "$in" "$@" \
        > "$name.cmp" 2>&1
    if grep -q '^PASS' "$name.cmp"; then ok "$name: as xarray $1"
    else not_ok "$name: as xarray $1" "$(cat "$name.cmp")"; fi
}

nc2zarr -q -c time=24,latitude=16,longitude=-1 "$S"/era5/*.nc -o era5.zarr
for op in mean sum std var; do
    red time-$op era5.zarr --op $op -- "ds.$op('time')"
    red space-$op era5.zarr --op $op --dim latitude,longitude -- \
        "ds.$op(('latitude', 'longitude'))" --dims=latitude,longitude
done
for op in min max count; do
    red time-$op era5.zarr --op $op -- "ds.$op('time')" --exact
    red space-$op era5.zarr --op $op --dim latitude,longitude -- \
        "ds.$op(('latitude', 'longitude'))" --exact --dims=latitude,longitude
done
red lon-mean era5.zarr --dim longitude -- "ds.mean('longitude')" \
    --dims=longitude
red all-dims era5.zarr --dim time,latitude,longitude -- "ds.mean()" \
    --dims=time
# xarray's weights from a float32 latitude are float32 and summed in float32
# (1e-5 off): give it float64 latitudes
red coslat era5.zarr --dim latitude,longitude --weights coslat -- \
    "ds.weighted(np.cos(np.deg2rad(ds.latitude.astype('float64')))).mean(('latitude', 'longitude'))" \
    --dims=latitude
red coslat-sum era5.zarr --dim latitude,longitude --weights coslat --op sum -- \
    "ds.weighted(np.cos(np.deg2rad(ds.latitude.astype('float64')))).sum(('latitude', 'longitude'))" \
    --dims=latitude
red keepdims era5.zarr --keepdims -- "ds.mean('time', keepdims=True)"
red float64 era5.zarr --dtype float64 -- "ds.mean('time')"
red hour-clim era5.zarr -g time.hour -- "ds.groupby('time.hour').mean()"
red hour-std era5.zarr -g time.hour --op std -- "ds.groupby('time.hour').std()"
red daily era5.zarr -r time=1D -- "ds.resample(time='1D').mean()"
red six-hourly-max era5.zarr -r time=6h --op max -- \
    "ds.resample(time='6h').max()" --exact
red tiles era5.zarr --memory 1M -- "ds.mean('time')"
zmean -q era5.zarr -o untiled.zarr
check_eq "tiles give the same bits as one pass" \
    "$(zinfo --checksum untiled.zarr)" "$(zinfo --checksum tiles.zarr)"

nc2zarr -q "$S"/calendars/monthly/*.nc -o mon.zarr
red month-clim mon.zarr -g time.month -- "ds.groupby('time.month').mean()"
red month-anomaly mon.zarr -g time.month --anomaly -- \
    "ds.groupby('time.month') - ds.groupby('time.month').mean()"
for cal in noleap 360_day; do
    nc2zarr -q "$S"/calendars/$cal/*.nc -o $cal.zarr
    red $cal-doy $cal.zarr -g time.dayofyear -- \
        "ds.groupby('time.dayofyear').mean()"
    red $cal-season $cal.zarr -g time.season -- \
        "ds.groupby('time.season').mean()"
    red $cal-monthly $cal.zarr -r time=1MS -- "ds.resample(time='1MS').mean()"
    red $cal-anomaly $cal.zarr -g time.dayofyear --anomaly -- \
        "ds.groupby('time.dayofyear') - ds.groupby('time.dayofyear').mean()"
done
nc2zarr -q "$S"/sst/*.nc -o sst.zarr
red sst-mean sst.zarr -- "ds.mean('time')"
red sst-anomaly sst.zarr -g time.dayofyear --anomaly -- \
    "ds.groupby('time.dayofyear') - ds.groupby('time.dayofyear').mean()"
nc2zarr -q "$S"/seaice/*.nc -o seaice.zarr
red seaice-max seaice.zarr --op max -- "ds.max('time')" --exact

# every integer type through the integer-sum kernels (vector lanes, the
# tail after them, pieces of 1024, rows folded), with and without fill
# values, a missing_value other than the fill, _Unsigned, packing; written
# by python3-zarr, not by us
$PY - kinds.zarr <<'PYEOF'
import sys
import numpy as np
import zarr
rng = np.random.default_rng(7)
g = zarr.open_group(sys.argv[1], mode="w")
shape, chunks = (37, 20, 1031), (5, 20, 1031)
t = g.create_dataset("time", data=np.arange(37, dtype="i4"), chunks=(37,),
                     fill_value=None)
t.attrs.update({"_ARRAY_DIMENSIONS": ["time"], "units": "days since 2000-01-01"})
def var(name, dt, fill, attrs=None, lo=None, hi=None):
    info = np.iinfo(dt)
    x = rng.integers(info.min if lo is None else lo,
                     (info.max if hi is None else hi), size=shape,
                     endpoint=True).astype(dt)
    if fill is not None:
        x[rng.random(shape) < 0.2] = fill
        x[:, 3, :] = fill          # a row always missing
    a = g.create_dataset(name, data=x, chunks=chunks, fill_value=fill)
    a.attrs["_ARRAY_DIMENSIONS"] = ["time", "y", "x"]
    a.attrs.update(attrs or {})
var("i8", "i1", -128)
var("u8", "u1", 255)
var("i16", "i2", -32767, {"scale_factor": 0.01, "add_offset": 273.15})
var("u16", "u2", 65535, {"scale_factor": 0.5})
var("i32", "i4", -2147483647)
var("u32", "u4", 0)
var("nofill16", "i2", None)
var("miss16", "i2", -1, {"missing_value": np.int16(-2)}, lo=-2, hi=5)
var("unsigned8", "i1", -1, {"_Unsigned": "true"})
zarr.consolidate_metadata(sys.argv[1])
PYEOF
for op in mean sum; do
    red kinds-$op kinds.zarr --op $op -- "ds.$op('time')"
    red kinds-space-$op kinds.zarr --op $op --dim y,x -- "ds.$op(('y', 'x'))" \
        --dims=y,x
done
red kinds-month kinds.zarr -r time=7D -- "ds.resample(time='7D').mean()"

if [ -n "$SHARED" ]; then
    o3=$SHARED/nc/xclim__o3_Amon_GFDL-ESM4_historical_r1i1p1f1_gr1_185001-194912.nc
    nc2zarr -q "$o3" -o o3.zarr
    red o3-clim o3.zarr -g time.month -- "ds.groupby('time.month').mean()"
    red o3-zonal o3.zarr --dim lon --op std -- "ds.std('lon')" --dims=lon
    red o3-yearly o3.zarr -r time=1YS -- "ds.resample(time='1YS').mean()"
    nc2zarr -q "$SHARED"/nc/xclim__sic_*.nc -o sic.zarr
    red sic-season sic.zarr -g time.season -- "ds.groupby('time.season').mean()"
    red sic-count sic.zarr --op count -- "ds.count('time')" --exact
else
    skip "../shared/data is absent"
fi

# attributes and coordinates carried, cell_methods appended
check "cell_methods appended, packing attributes gone" $PY -c '
import json, sys
a = json.load(open(sys.argv[1] + "/t2m/.zattrs"))
assert a["cell_methods"] == "time: mean", a
assert "scale_factor" not in a and "add_offset" not in a, a
assert a["units"] == "K" and a["_ARRAY_DIMENSIONS"] == ["latitude", "longitude"]
z = json.load(open(sys.argv[1] + "/t2m/.zarray"))
assert z["dtype"] == "<f4" and z["fill_value"] == "NaN", z
' time-mean.zarr
check "coslat cell_methods" grep -q \
    '"cell_methods": "latitude: longitude: mean (weights: cos(latitude))"' \
    coslat.zarr/t2m/.zattrs

# bad input
check_fail "unknown dimension" 1 "no dimension 'depth'" \
    zmean era5.zarr --dim depth -o e.zarr
check_fail "unknown variable" 1 "no variable 'sst'" \
    zmean era5.zarr --vars sst -o e.zarr
check_fail "--anomaly without --groupby" 1 "--anomaly needs --groupby" \
    zmean era5.zarr --anomaly -o e.zarr
check_fail "--groupby over space" 1 "reduce the time dimension only" \
    zmean era5.zarr --dim latitude -g time.month -o e.zarr
check_fail "coslat without latitude" 1 "no latitude among the reduced" \
    zmean era5.zarr --weights coslat -o e.zarr
check_fail "bad --op: exit 2" 2 "--op must be" zmean era5.zarr --op median -o e.zarr
check_fail "bad --groupby: exit 2" 2 "--groupby must be" \
    zmean era5.zarr -g time.week -o e.zarr
check_fail "bad --resample: exit 2" 2 "invalid --resample" \
    zmean era5.zarr -r time=fortnight -o e.zarr
check_fail "bad --memory: exit 2" 2 "invalid --memory" \
    zmean era5.zarr -m 12 -o e.zarr
check_fail "corrupt chunk" 1 "t2m/1.0.0: blosc" sh -c \
    'cp -r era5.zarr bad.zarr && printf x > bad.zarr/t2m/1.0.0 && zmean bad.zarr -o e.zarr'
check "nothing left after errors" test ! -e e.zarr -a ! -e e.zarr.partial

# memory independent of the length of the reduced dimension: the same grid
# one day long and four days long (not under ASan, which keeps freed
# memory in quarantine)
if [ "$ZS_SANITIZED" = yes ]; then
    skip "peak RSS 1 day vs 4 days: sanitizer build"
else
"$top_builddir/data-samples/mksamples" bench short --hours 24 2>/dev/null
"$top_builddir/data-samples/mksamples" bench long --hours 96 2>/dev/null
nc2zarr -q short -o short.zarr && nc2zarr -q long -o long.zarr
rm -rf short long
rss() { /usr/bin/time -f %M zmean -q "$1" -o "$1.mean" 2>&1 >/dev/null | tail -1; }
a=$(rss short.zarr) b=$(rss long.zarr)
if [ -n "$a" ] && [ -n "$b" ] &&
   awk "BEGIN { r = $b / $a; exit !(r < 1.10 && r > 0.90) }"; then
    ok "peak RSS 1 day vs 4 days: $a KB vs $b KB (< 10% apart)"
else
    not_ok "peak RSS 1 day vs 4 days: $a KB vs $b KB (< 10% apart)"
fi
rm -rf short.zarr long.zarr short.zarr.mean long.zarr.mean
fi
done_testing
