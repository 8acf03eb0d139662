#!/bin/sh
# zmean against xarray computing the same reductions on values decoded in
# float64 (compare_reduce.py): every op over time and over space, coslat
# weights, groupby month/dayofyear/season/hour, resample, anomalies,
# keepdims, tiles; real CMIP and sea-ice files; bad input; and memory that
# does not grow with the length of the reduced dimension.
. "$srcdir/tests/lib/tap.sh"
py_serve
command -v skip_env >/dev/null 2>&1 || skip_env() { skip "$@"; }
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
# newer ERA5 files name their time valid_time: a copy of era5.zarr with the
# dimension renamed (by python3-zarr), grouped and binned without --dim
$PY - era5.zarr vt.zarr <<'EOF2'
import shutil, sys, zarr
shutil.copytree(sys.argv[1], sys.argv[2])
g = zarr.open_group(sys.argv[2], mode="r+")
for name, a in list(g.arrays()):
    dims = a.attrs.get("_ARRAY_DIMENSIONS", [])
    a.attrs["_ARRAY_DIMENSIONS"] = ["valid_time" if d == "time" else d
                                    for d in dims]
g.store.rename("time", "valid_time")
zarr.consolidate_metadata(sys.argv[2])
EOF2
red vt-hour vt.zarr -g valid_time.hour -- \
    "ds.groupby('valid_time.hour').mean()" --dims=valid_time
red vt-daily vt.zarr -r valid_time=1D -- \
    "ds.resample(valid_time='1D').mean()" --dims=valid_time
red vt-anom vt.zarr -g valid_time.hour --anomaly -- \
    "ds.groupby('valid_time.hour') - ds.groupby('valid_time.hour').mean()" \
    --dims=valid_time
check_fail "valid_time.hour with --dim latitude" 1 \
    "reduce the time dimension only \(valid_time\)" \
    zmean vt.zarr -g valid_time.hour --dim latitude -o e.zarr
check_fail "time.hour where the time is valid_time" 1 "no dimension 'time'" \
    zmean vt.zarr -g time.hour -o e.zarr
red six-hourly-max era5.zarr -r time=6h --op max -- \
    "ds.resample(time='6h').max()" --exact
red vars era5.zarr --vars t2m,msl -- "ds[['t2m', 'msl']].mean('time')"
red vars-std era5.zarr --vars u10 --op std -- "ds[['u10']].std('time')"
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
    # ERA5 as grib_to_netcdf writes it: packed int16, latitude descending,
    # a scalar time (so over space only)
    nc2zarr -q "$SHARED"/nc/geocat__era5_1995-07-14T12.nc -o real-era5.zarr
    sp="--dim latitude,longitude"
    for op in mean std; do
        red real-era5-$op real-era5.zarr --op $op $sp -- \
            "ds.$op(('latitude', 'longitude'))" --dims=latitude,longitude
    done
    for op in min max count; do
        red real-era5-$op real-era5.zarr --op $op $sp -- \
            "ds.$op(('latitude', 'longitude'))" --exact \
            --dims=latitude,longitude
    done
    w="np.cos(np.deg2rad(ds.latitude.astype('float64')))"
    red real-era5-coslat real-era5.zarr $sp --weights coslat -- \
        "ds.weighted($w).mean(('latitude', 'longitude'))" --dims=latitude
    red real-era5-zonal real-era5.zarr --dim longitude -- \
        "ds.mean('longitude')" --dims=longitude
    # SST (FERRET): dimensions TIME DEPTH LAT LON, land masked with a
    # _FillValue of -9.99e33; one time step only
    nc2zarr -q "$SHARED"/nc/geocat__sst.nc -o real-sst.zarr
    for op in mean std; do
        red real-sst-$op real-sst.zarr --dim TIME --op $op -- \
            "ds.$op('TIME')" --dims=TIME
    done
    red real-sst-count real-sst.zarr --dim TIME --op count -- \
        "ds.count('TIME')" --exact --dims=TIME
    red real-sst-coslat real-sst.zarr --dim LAT,LON --weights coslat -- \
        "ds.weighted(np.cos(np.deg2rad(ds.LAT))).mean(('LAT', 'LON'))" \
        --dims=LAT
    # sea ice (CCSM): 120 months, time in bare "days" (not CF: no climatology)
    nc2zarr -q "$SHARED"/nc/geocat__fice.nc -o real-fice.zarr
    for op in mean std var; do
        red real-fice-$op real-fice.zarr --op $op -- "ds.$op('time')"
    done
    for op in min max count; do
        red real-fice-$op real-fice.zarr --op $op -- "ds.$op('time')" --exact
    done
    w="np.cos(np.deg2rad(ds.hlat.astype('float64')))"
    red real-fice-coslat real-fice.zarr --dim hlat,hlon --weights coslat -- \
        "ds.weighted($w).mean(('hlat', 'hlon'))" --dims=hlat
    check_fail "fice: --groupby on time in bare days" 1 \
        'time units "days" are not of the form "UNIT since DATE"' \
        zmean real-fice.zarr -g time.month -o e.zarr
else
    skip "../shared/data is absent"
fi

# the results' type is the precision of the values as xarray decodes them
# (the rules of xarray 2024 and later, _choose_float_dtype; Debian's
# xarray predates them), numpy's mean of those; --dtype overrides; the
# values equal xarray's means in float64
$PY - dt.nc <<'PYEOF' || not_ok "dtype inputs"
import sys, numpy as np, netCDF4
d = netCDF4.Dataset(sys.argv[1], "w")
d.createDimension("time", 5)
d.createDimension("x", 3)
r = np.arange(15).reshape(5, 3)
for name, t, scale, offset, fill in (
        ("f8", "f8", None, None, None), ("f4", "f4", None, None, None),
        ("p32", "i2", np.float32, np.float32, None),
        ("p64", "i2", np.float64, np.float64, None),
        ("pi4", "i4", np.float32, np.float32, None),
        ("sc32", "i2", np.float32, None, None),
        ("off", "i2", None, np.float32, None),
        ("i4", "i4", None, None, None), ("u1", "u1", None, None, None),
        ("u1m", "u1", None, None, 255), ("i4m", "i4", None, None, -1)):
    v = d.createVariable(name, t, ("time", "x"), fill_value=fill)
    v.set_auto_maskandscale(False)
    if scale:
        v.scale_factor = scale(0.1)
    if offset:
        v.add_offset = offset(250)
    v[:] = (r * 7 + 1).astype(t)
d.close()
PYEOF
zmean -q dt.nc -o dt-mean.zarr && nc2zarr -q dt.nc -o dt.zarr &&
    zmean -q dt.zarr -o dt-zmean.zarr &&
    zmean -q dt.zarr --dtype float32 -o dt-mean32.zarr ||
    not_ok "zmean of every input type"
check "result types follow the decoded values (packing, masks, floats)" \
    $PY -c '
import json, sys
def t(store, v):
    return json.load(open(store + "/" + v + "/.zarray"))["dtype"]
want = {"f8": "<f8", "f4": "<f4", "p32": "<f4", "p64": "<f8", "pi4": "<f8",
        "sc32": "<f4", "off": "<f8", "i4": "<f8", "u1": "<f8", "u1m": "<f4",
        "i4m": "<f8"}
for v, w in want.items():
    assert t(sys.argv[1], v) == w, (v, t(sys.argv[1], v), w)
    assert t(sys.argv[3], v) == "<f4", (v, t(sys.argv[3], v))
# from a store, whose attributes are JSON (float64), as xarray reads it
assert t(sys.argv[2], "p32") == "<f8" and t(sys.argv[2], "f4") == "<f4"
' dt-mean.zarr dt-zmean.zarr dt-mean32.zarr
check "every type: the means equal xarray's (float64 arithmetic)" $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_dataset(sys.argv[1]).mean("time")
b = xr.open_zarr(sys.argv[2])
for v in a.data_vars:
    x, y = a[v].values.astype("f8"), b[v].values.astype("f8")
    assert np.allclose(x, y, rtol=1e-6, atol=0), (v, x, y)
' dt.nc dt-mean.zarr

# attributes and coordinates carried, cell_methods appended
check "cell_methods appended, packing attributes gone" $PY -c '
import json, sys
a = json.load(open(sys.argv[1] + "/t2m/.zattrs"))
assert a["cell_methods"] == "time: mean", a
assert "scale_factor" not in a and "add_offset" not in a, a
assert a["units"] == "K" and a["_ARRAY_DIMENSIONS"] == ["latitude", "longitude"]
z = json.load(open(sys.argv[1] + "/t2m/.zarray"))
assert z["dtype"] == "<f8" and z["fill_value"] == "NaN", z
' time-mean.zarr
check "coslat cell_methods" grep -q \
    '"cell_methods": "latitude: longitude: mean (weights: cos(latitude))"' \
    coslat.zarr/t2m/.zattrs
# CF 7.3 method names; a count is no statistic of the values (CF has no
# method for it): units 1 and the number_of_observations modifier instead;
# groups and bins as free text in parentheses, not CF's "interval:"
check "cell_methods of every op, group and bin (CF 7.3)" $PY - <<'PYEOF'
import json
def attrs(store, v="t2m"):
    return json.load(open("%s.zarr/%s/.zattrs" % (store, v)))
want = {"time-mean": "time: mean", "time-sum": "time: sum",
        "time-min": "time: minimum", "time-max": "time: maximum",
        "time-std": "time: standard_deviation",
        "time-var": "time: variance",
        "space-mean": "latitude: longitude: mean",
        "space-max": "latitude: longitude: maximum",
        "lon-mean": "longitude: mean",
        "hour-clim": "time: mean (each hour of the day, over all days)",
        "hour-std": "time: standard_deviation (each hour of the day, "
                    "over all days)",
        "daily": "time: mean (bins of 1D)",
        "six-hourly-max": "time: maximum (bins of 6h)"}
for store, cm in want.items():
    got = attrs(store).get("cell_methods")
    assert got == cm, (store, got, cm)
# the input's own entries come first (tas: "area: time: mean")
for store, cm in {
        "month-clim": "each month of the year, over all years",
        "noleap-doy": "each day of the year, over all years",
        "noleap-season": "each season (DJF, MAM, JJA, SON), over all years",
        "noleap-monthly": "bins of 1MS"}.items():
    got = attrs(store, "tas").get("cell_methods")
    assert got == "area: time: mean time: mean (%s)" % cm, (store, got)
for store in ("time-count", "space-count"):
    a = attrs(store)
    assert "cell_methods" not in a, (store, a)
    assert a["units"] == "1", (store, a)
    assert a["standard_name"] == "air_temperature number_of_observations", a
    assert a["comment"].startswith("number of non-missing values along "), a
a = attrs("space-count")
assert a["comment"].endswith("along latitude, longitude"), a
# an anomaly is no statistic of a cell: cell_methods as in the input
a = attrs("month-anomaly", "tas")
assert a["cell_methods"] == "area: time: mean", a
assert a["comment"] == "anomaly from the mean of each month", a
assert "cell_methods" not in attrs("noleap-anomaly", "tas") or \
    attrs("noleap-anomaly", "tas")["cell_methods"] == "area: time: mean"
PYEOF
if [ -n "$SHARED" ]; then
    check "count of siconc: number_of_observations, no cell_methods" $PY -c '
import json, sys
a = json.load(open(sys.argv[1] + "/siconc/.zattrs"))
assert "cell_methods" not in a, a
assert a["standard_name"] == "sea_ice_area_fraction number_of_observations", a
assert a["units"] == "1", a
' sic-count.zarr
else
    skip "../shared/data is absent"
fi
check "history records the command, then the input's history" $PY -c '
import re, sys, xarray as xr
h = xr.open_zarr(sys.argv[1]).attrs["history"].splitlines()
old = xr.open_zarr(sys.argv[2]).attrs["history"].splitlines()
assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: ", h[0]), h[0]
assert h[0].endswith(": zmean -q --op std era5.zarr -o time-std.zarr"), h[0]
assert h[1:] == old and "mksamples" in old[-1], (h, old)
' time-std.zarr era5.zarr

# bad input
check_fail "unknown dimension" 1 "no dimension 'depth'" \
    zmean era5.zarr --dim depth -o e.zarr
check_fail "unknown variable" 1 "no variable 'sst'" \
    zmean era5.zarr --vars sst -o e.zarr
check_fail "--anomaly without --groupby" 1 "anomalies need groups of the time dimension \(--anomaly\) \(--groupby\)" \
    zmean era5.zarr --anomaly -o e.zarr
check_fail "--groupby over space" 1 "reduce the time dimension only" \
    zmean era5.zarr --dim latitude -g time.month -o e.zarr
check_fail "coslat without latitude" 1 "no latitude among the reduced" \
    zmean era5.zarr --weights coslat -o e.zarr
check_fail "bad --op: exit 2" 2 "invalid --op: operation .median.: want mean" zmean era5.zarr --op median -o e.zarr
check_fail "bad --groupby: exit 2" 2 "invalid --groupby: groups .time.week.: want DIM.month" \
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
# memory in quarantine).  Every step must have run: a failed zmean also
# has a peak RSS, a small one.
rss_name="peak RSS 1 day vs 4 days"
if [ "$ZS_SANITIZED" = yes ]; then
    skip_env "$rss_name: sanitizer build"
elif [ ! -x /usr/bin/time ]; then
    not_ok "$rss_name: /usr/bin/time is missing (Debian package time)"
elif ! { "$top_builddir/data-samples/mksamples" bench short --hours 24 &&
         "$top_builddir/data-samples/mksamples" bench long --hours 96 &&
         nc2zarr -q short -o short.zarr && nc2zarr -q long -o long.zarr
       } >mk.log 2>&1; then
    not_ok "$rss_name: making the inputs" "$(tail -20 mk.log)"
else
    rm -rf short long
    # rss STORE: the peak RSS in KB of a zmean that succeeded and wrote
    # its output, or nothing
    rss() {
        /usr/bin/time -f %M -o "$1.rss" zmean -q "$1" -o "$1.mean" \
            >/dev/null 2>"$1.err" &&
            test -f "$1.mean/.zmetadata" -a -f "$1.mean/t2m/.zarray" &&
            tail -1 "$1.rss"
    }
    a=$(rss short.zarr) b=$(rss long.zarr)
    # the accumulators of one 0.25-degree grid alone are above 8 MB
    if [ -z "$a" ] || [ -z "$b" ]; then
        not_ok "$rss_name: zmean failed" "$(cat short.zarr.err long.zarr.err)"
    elif awk "BEGIN { exit !($a > 20000 && $b > 20000) }"; then
        # apart by at most 10% and 16 MB: the decoders in flight vary
        # with the machine's load (88 and 98 MB for one day, seen), and
        # keeping the steps would add 4 MB an hour, 288 MB here
        if awk "BEGIN { exit !($b < $a * 1.10 + 16384 &&
                              $a < $b * 1.10 + 16384) }"; then
            ok "$rss_name: $a KB vs $b KB (< 10% + 16 MB apart)"
        else
            not_ok "$rss_name: $a KB vs $b KB (< 10% + 16 MB apart)"
        fi
    else
        not_ok "$rss_name: $a KB and $b KB: too small to have run"
    fi
fi
rm -rf short short.zarr* long long.zarr*
done_testing
