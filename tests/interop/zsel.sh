#!/bin/sh
# zsel against xarray (.sel/.isel on the same store), CDO (sellonlatbox
# across the seam), cftime calendars, CSV values, bad selections, and a
# check that only the chunks intersecting the selection are read.
. "$srcdir/tests/lib/tap.sh"
py_serve
command -v skip_env >/dev/null 2>&1 || skip_env() { skip "$@"; }
S=$top_builddir/data-samples/out
cd "$TMP" || exit 1

nc2zarr -q -c time=24,latitude=8,longitude=16 "$S"/era5/*.nc -o era5.zarr
nc2zarr -q "$S"/era5-single/*.nc -o single.zarr

# case NAME ZSEL-ARGS... -- EXPRESSION (xarray on the input store)
case_() {
    name=$1; shift
    args=""
    while [ "$1" != "--" ]; do args="$args $1"; shift; done
    shift
    # shellcheck disable=SC2086
    if ! zsel $args -o "$name.zarr" 2>"$name.err"; then
        not_ok "$name: zsel runs" "$(cat "$name.err")"
        return
    fi
    $PY "$srcdir/tests/interop/compare_sel.py" "$name.zarr" "$SRC" "$1" \
        > "$name.cmp" 2>&1
    if grep -q '^PASS' "$name.cmp"; then ok "$name: same as xarray $1"
    else not_ok "$name: same as xarray $1" "$(cat "$name.cmp")"; fi
}

SRC=era5.zarr
case_ box era5.zarr -s latitude=20:60 -s longitude=230:300 -- \
    'ds.sel(latitude=slice(60, 20), longitude=slice(230, 300))'
# (for longitudes A > B crosses the seam, as in CDO: only latitude turns)
case_ box-reversed era5.zarr -s latitude=60:20 -s longitude=230:300 -- \
    'ds.sel(latitude=slice(60, 20), longitude=slice(230, 300))'
case_ open-ends era5.zarr -s latitude=:0 -s longitude=340: -- \
    'ds.sel(latitude=slice(0, None), longitude=slice(340, None))'
case_ negative-box era5.zarr -s latitude=20:60 -s longitude=-130:-60 -- \
    'relabel(ds, -130).sel(latitude=slice(60, 20), longitude=slice(-130, -60))'
case_ seam-box era5.zarr -s longitude=350:10 -s latitude=-12:12 -- \
    'relabel(ds, -10).sel(latitude=slice(12, -12), longitude=slice(-10, 10))'
case_ lon180 era5.zarr --lon180 -- 'relabel(ds, -180)'
case_ nearest era5.zarr -s latitude=47.3 -s longitude=8.5 -- \
    'ds.sel(latitude=47.3, longitude=8.5, method="nearest")'
case_ nearest-tie era5.zarr -s latitude=3 -s longitude=3 -- \
    'ds.sel(latitude=3, longitude=3, method="nearest")'
case_ nearest-seam era5.zarr -s longitude=358 -- \
    'ds.sel(longitude=0, method="nearest")'
case_ times era5.zarr -s time=2019-07-01T06:2019-07-02 -- \
    'ds.sel(time=slice("2019-07-01T06", "2019-07-02"))'
case_ time-hour-end era5.zarr -s time=2019-07-02:2019-07-02T05 -- \
    'ds.sel(time=slice("2019-07-02", "2019-07-02T05"))'
case_ time-nearest era5.zarr -s time=2019-07-02T06:20 -- \
    'ds.sel(time="2019-07-02T06:20", method="nearest")'
case_ isel-step era5.zarr -i time=3:48:5 -- 'ds.isel(time=slice(3, 48, 5))'
case_ isel-negative era5.zarr -i longitude=-10: -i latitude=4 -- \
    'ds.isel(longitude=slice(-10, None), latitude=4)'
case_ vars era5.zarr --vars t2m -s latitude=0:30 -- \
    'ds[["t2m"]].sel(latitude=slice(30, 0))'
# (the nearest labels are 0.7 and 2.5 away)
case_ tolerance era5.zarr -s latitude=47.3 -s longitude=8.5 --tolerance 3 -- \
    'ds.sel(latitude=47.3, longitude=8.5, method="nearest", tolerance=3)'
case_ time-tolerance era5.zarr -s time=2019-07-01T00:20 --tolerance 30min -- \
    'ds.sel(time="2019-07-01T00:20", method="nearest", tolerance="30min")'
case_ chunks era5.zarr -s latitude=20:60 -c time=10,latitude=-1,longitude=7 \
    -- 'ds.sel(latitude=slice(60, 20))'
check "--chunks: the chunks asked for (-1: the whole selection)" $PY -c '
import json, sys
for v, c in (("t2m", [10, 7, 7]), ("latitude", [7]), ("longitude", [7]),
             ("time", [10])):
    z = json.load(open("%s/%s/.zarray" % (sys.argv[1], v)))
    assert z["chunks"] == c, (v, z["chunks"], c)
' chunks.zarr
# --lon360 undoes --lon180 (bit for bit, as xarray sees it)
SRC=era5.zarr
case_ lon360-back lon180.zarr --lon360 -- 'ds'
SRC=single.zarr
case_ months single.zarr -s time=2019-01:2019-02 -s latitude=30 -- \
    'ds.sel(time=slice("2019-01", "2019-02")).sel(latitude=30, method="nearest")'

for cal in noleap 360_day; do
    nc2zarr -q "$S"/calendars/$cal/*.nc -o $cal.zarr
    SRC=$cal.zarr
    case_ $cal-feb $cal.zarr -s time=2000-02-25:2000-03-02 -- \
        'ds.sel(time=slice("2000-02-25", "2000-03-02"))'
    case_ $cal-year $cal.zarr -s time=2001:2001 -s lat=0:90 -- \
        'ds.sel(time=slice("2001", "2001"), lat=slice(0, 90))'
done
zsel 360_day.zarr -s time=2000-02-30 --csv > feb30.csv
check "360_day: February 30 exists, values as xarray/cftime" $PY - feb30.csv \
    360_day.zarr <<'PYEOF'
import sys, csv, numpy as np, xarray as xr
rows = list(csv.DictReader(open(sys.argv[1])))
ds = xr.open_zarr(sys.argv[2]).sel(time="2000-02-30")
assert ds.sizes["time"] == 1, ds.sizes
t = ds.time.values[0]
assert (t.year, t.month, t.day) == (2000, 2, 30), t
want = ds.tas.isel(time=0)
assert len(rows) == want.size, (len(rows), want.size)
for r in rows:
    assert r["time"] == t.isoformat(), (r["time"], t.isoformat())
    e = float(want.sel(lat=float(r["lat"]), lon=float(r["lon"])))
    assert abs(float(r["tas"]) - e) <= 1e-6 * abs(e), (r, e)
PYEOF
check_fail "noleap: February 29 does not" 1 "not a date of the noleap calendar" \
    zsel noleap.zarr -s time=2000-02-29 --csv

# CDO sellonlatbox on the NetCDF source, across the seam and not (CDO
# keeps the data's longitude labels where zsel uses the requested ones:
# labels are compared modulo 360)
if command -v cdo >/dev/null; then
    for box in "-130,-60,20,60" "350,10,-30,30" "-10,10,-90,90"; do
        set -- $(echo "$box" | tr ',' ' ')
        rm -rf cdo.nc cdo-ours.zarr
        if ! cdo -s sellonlatbox,$box "$S"/era5-single/*.nc cdo.nc 2>cdo.err
        then
            not_ok "CDO sellonlatbox,$box runs" "$(cat cdo.err)"
            continue
        fi
        if ! zsel single.zarr -s longitude=$1:$2 -s latitude=$3:$4 \
                -o cdo-ours.zarr 2>err; then
            not_ok "zsel box $box runs" "$(cat err)"
            continue
        fi
        r=$($PY - cdo.nc cdo-ours.zarr <<'PYEOF'
import sys, numpy as np, xarray as xr
a = xr.open_dataset(sys.argv[1]).load()
b = xr.open_zarr(sys.argv[2]).load()
# CDO sorts latitudes south to north; zsel keeps the store's order
a = a.sortby("latitude", ascending=False)
ok = (np.array_equal(np.mod(a.longitude.values, 360),
                     np.mod(b.longitude.values, 360)) and
      np.array_equal(a.latitude.values, b.latitude.values) and
      all(np.allclose(a[v].values, b[v].values, rtol=1e-6, equal_nan=True)
          for v in ("t2m", "msl")))
print("same" if ok else "differ: cdo lon %s..%s ours %s..%s" % (
    a.longitude.values[0], a.longitude.values[-1],
    b.longitude.values[0], b.longitude.values[-1]))
PYEOF
)
        check_eq "CDO sellonlatbox,$box: same labels and values" same "$r"
    done
else
    skip "cdo missing"
fi

# the real files of ../shared/data/nc: ERA5 from grib_to_netcdf (packed
# int16, latitude descending, a regional grid -125..-66, scalar time),
# FERRET's SST (0..360 with the seam point twice: -0.5 and 359.5, land
# masked, upper-case names) and CCSM's sea ice (a global 3.6-degree grid)
if [ -n "$SHARED" ]; then
    N=$SHARED/nc
    nc2zarr -q "$N"/geocat__era5_1995-07-14T12.nc -o real-era5.zarr
    nc2zarr -q "$N"/geocat__sst.nc -o real-sst.zarr
    nc2zarr -q "$N"/geocat__fice.nc -o real-fice.zarr
    SRC=real-era5.zarr
    case_ real-era5-box real-era5.zarr -s latitude=30:45 \
        -s longitude=-110:-80 -- \
        'ds.sel(latitude=slice(45, 30), longitude=slice(-110, -80))'
    case_ real-era5-box360 real-era5.zarr -s latitude=45:30 \
        -s longitude=235:280 -- \
        'relabel(ds, 0).sel(latitude=slice(45, 30), longitude=slice(235, 280))'
    case_ real-era5-nearest real-era5.zarr -s latitude=40.1 \
        -s longitude=-100.13 -- \
        'ds.sel(latitude=40.1, longitude=-100.13, method="nearest")'
    case_ real-era5-lon360 real-era5.zarr --lon360 -- 'relabel(ds, 0)'
    case_ real-era5-vars real-era5.zarr --vars sp,t2m_C -s latitude=25:26 -- \
        'ds[["sp", "t2m_C"]].sel(latitude=slice(26, 25))'
    SRC=real-sst.zarr
    case_ real-sst-seam real-sst.zarr -s LON=350:10 -s LAT=-30:30 -- \
        'relabel(ds, -10, "LON").sel(LAT=slice(-30, 30), LON=slice(-10, 10))'
    case_ real-sst-nearest real-sst.zarr -s LAT=-41 -s LON=181 \
        -s TIME=1948-01-14T10:33:36.046143 -- \
        'ds.sel(LAT=-41, LON=181, TIME="1948-01-14T10:33:36.046143",
                method="nearest")'
    SRC=real-fice.zarr
    case_ real-fice-seam real-fice.zarr -s hlon=350:10 -s hlat=-60:60 -- \
        'relabel(ds, -10, "hlon").sel(hlat=slice(-60, 60),
                                      hlon=slice(-10, 10))'
    case_ real-fice-west real-fice.zarr -s hlon=-130:-60 -s hlat=20:60 -- \
        'relabel(ds, -130, "hlon").sel(hlat=slice(20, 60),
                                       hlon=slice(-130, -60))'
    case_ real-fice-nearest real-fice.zarr -s hlat=-70 -s hlon=180 -- \
        'ds.sel(hlat=-70, hlon=180, method="nearest")'
    case_ real-fice-januaries real-fice.zarr -i time=0:120:12 -- \
        'ds.isel(time=slice(0, 120, 12))'
    # CDO sellonlatbox on the NetCDF files (labels modulo 360; CDO sorts
    # latitudes south to north).  FILE STORE LON LAT VARS W E S N
    if command -v cdo >/dev/null; then
        e5="era5_1995-07-14T12 real-era5 longitude latitude"
        for c in "$e5 t2m,sp,u10 -110 -80 30 45" "$e5 t2m_C 235 280 24 50" \
                 "sst real-sst LON LAT TEMP 350 10 -30 30" \
                 "sst real-sst LON LAT TEMP -60 20 -45 -10" \
                 "fice real-fice hlon hlat fice 350 10 -60 60" \
                 "fice real-fice hlon hlat fice -130 -60 20 90"; do
            set -- $c
            box=$6,$7,$8,$9
            rm -rf cdo.nc cdo-ours.zarr
            if ! cdo -s sellonlatbox,$box "$N/geocat__$1.nc" cdo.nc 2>cdo.err
            then
                not_ok "CDO sellonlatbox,$box on $1 runs" "$(cat cdo.err)"
                continue
            fi
            if ! zsel "$2.zarr" -s "$3=$6:$7" -s "$4=$8:$9" \
                    -o cdo-ours.zarr 2>err; then
                not_ok "zsel $3=$6:$7 $4=$8:$9 on $1 runs" "$(cat err)"
                continue
            fi
            r=$($PY - cdo.nc cdo-ours.zarr "$3" "$4" "$5" <<'PYEOF'
import sys, numpy as np, xarray as xr
a = xr.open_dataset(sys.argv[1], decode_times=False).load()
b = xr.open_zarr(sys.argv[2], decode_times=False).load()
lon, lat, vs = sys.argv[3], sys.argv[4], sys.argv[5].split(",")
a = a.sortby(lat)
b = b.sortby(lat)
ok = (b.sizes[lon] > 0 and b.sizes[lat] > 0 and
      np.array_equal(np.mod(a[lon].values, 360), np.mod(b[lon].values, 360))
      and np.array_equal(a[lat].values, b[lat].values) and
      all(np.allclose(a[v].values, b[v].values, rtol=1e-6, atol=0,
                      equal_nan=True) for v in vs))
print("same" if ok else "differ: cdo lon %s..%s ours %s..%s, %s vs %s" % (
    a[lon].values[0], a[lon].values[-1], b[lon].values[0],
    b[lon].values[-1], dict(a.sizes), dict(b.sizes)))
PYEOF
)
            check_eq "real $1: CDO sellonlatbox,$box: same labels and values" \
                same "$r"
        done
    else
        skip "cdo missing"
    fi
    # --csv and --print against xarray's decoded values
    zsel real-era5.zarr -s latitude=40:41 -s longitude=-100:-98 --csv \
        > real-era5.csv
    zsel real-era5.zarr -s latitude=40:41 -s longitude=-100:-98 --print \
        > real-era5.txt
    zsel real-sst.zarr -s LAT=30:40 -s LON=0:20 --csv > real-sst.csv
    zsel real-fice.zarr -s hlat=70:80 -s hlon=180 -i time=0:3 --csv \
        > real-fice.csv
    check "real ERA5, SST, sea ice: --csv and --print values as xarray" \
        $PY - <<'PYEOF'
import csv, numpy as np, xarray as xr
def open64(p):
    """CF decoding in float64 (xarray decodes int16 in float32)"""
    ds = xr.open_zarr(p, mask_and_scale=False, decode_times=False)
    for k, v in ds.data_vars.items():
        a, x = v.attrs, v.astype("float64")
        for m in (v.encoding.get("_FillValue", a.get("_FillValue")),
                  a.get("missing_value")):
            if m is not None:
                x = x.where(v != m)
        x = x * a.get("scale_factor", 1.0) + a.get("add_offset", 0.0)
        ds[k] = x
    return ds
def rows_csv(p):
    return list(csv.DictReader(open(p)))
def rows_print(p):
    lines = open(p).read().splitlines()
    head = lines[0].split()
    return [dict(zip(head, l.split())) for l in lines[1:]]
def same(rows, ds, dims, names):
    df = ds[names].to_dataframe().reset_index()
    assert len(rows) == len(df) > 0, (len(rows), len(df))
    # labels printed as the shortest text of their dtype: float32 keys
    key = lambda xs: tuple(float(np.float32(float(x))) for x in xs)
    want = {key(k): e for k, e in
            zip(zip(*(df[d] for d in dims)), df.to_dict("records"))}
    for r in rows:
        e = want[key(r[d] for d in dims)]
        for v in names:
            if np.isnan(e[v]):
                assert r[v] == "", (v, r)
            else:
                assert abs(float(r[v]) - e[v]) <= 1e-6 * abs(e[v]), (v, r, e)
    return True
era5 = open64("real-era5.zarr").sel(latitude=slice(41, 40),
                                         longitude=slice(-100, -98))
names = list(era5.data_vars)
assert same(rows_csv("real-era5.csv"), era5, ("latitude", "longitude"), names)
assert same(rows_print("real-era5.txt"), era5, ("latitude", "longitude"),
            names)
sst = open64("real-sst.zarr").sel(LAT=slice(30, 40), LON=slice(0, 20))
r = rows_csv("real-sst.csv")
assert same(r, sst, ("DEPTH", "LAT", "LON"), ["TEMP"])
assert any(x["TEMP"] == "" for x in r) and any(x["TEMP"] for x in r)
assert all(x["TIME"] == "1948-01-14T10:33:36.046143" for x in r), r[0]
fice = open64("real-fice.zarr").sel(hlat=slice(70, 80))
fice = fice.sel(hlon=180, method="nearest").isel(time=slice(0, 3))
assert same(rows_csv("real-fice.csv"), fice, ("time", "hlat"), ["fice"])
PYEOF
else
    skip "../shared/data is absent"
fi

# --csv against xarray's values (decoded; 1e-6 relative)
zsel era5.zarr -s latitude=40:50 -s longitude=0:12 -s time=2019-07-01T00:2019-07-01T05 \
    --csv > box.csv
check "--csv rows and values match xarray" $PY - box.csv era5.zarr <<'PYEOF'
import sys, csv, numpy as np, xarray as xr
rows = list(csv.DictReader(open(sys.argv[1])))
ds = xr.open_zarr(sys.argv[2]).sel(latitude=slice(50, 40),
                                   longitude=slice(0, 12),
                                   time=slice("2019-07-01T00", "2019-07-01T05"))
df = ds.to_dataframe().reset_index()
assert len(rows) == len(df), (len(rows), len(df))
# xarray orders rows by dimension name, zsel by the variables' dimensions
df["key"] = [(str(t).replace(" ", "T"), la, lo) for t, la, lo in
             zip(df["time"], df["latitude"], df["longitude"])]
df = df.set_index("key")
rows.sort(key=lambda r: (r["time"], float(r["latitude"]), float(r["longitude"])))
df = df.loc[[(r["time"], float(r["latitude"]), float(r["longitude"])) for r in rows]]
for r, (_, e) in zip(rows, df.iterrows()):
    assert r["time"] == str(e["time"]).replace(" ", "T"), (r["time"], e["time"])
    assert float(r["latitude"]) == e["latitude"] and float(r["longitude"]) == e["longitude"]
    for v in ("t2m", "u10", "v10", "msl"):
        if np.isnan(e[v]):
            assert r[v] == "", (v, r[v])
        else:
            assert abs(float(r[v]) - e[v]) <= 1e-6 * abs(e[v]) + 1e-6, (v, r[v], e[v])
PYEOF
# --csv and --print: auxiliary coordinates (a scalar ensemble member,
# 2-D latitudes and longitudes of a curvilinear grid) are columns, as in
# xarray's to_dataframe(), also after a dimension is dropped
cat > aux.cdl <<'EOF'
netcdf aux {
dimensions:
  time = 3 ; y = 2 ; x = 2 ;
variables:
  double time(time) ; time:units = "hours since 2000-01-01" ;
  int y(y) ; int x(x) ;
  float lat(y, x) ; lat:units = "degrees_north" ;
  float lon(y, x) ; lon:units = "degrees_east" ;
  int number ;
  float t2m(time, y, x) ; t2m:coordinates = "lat lon number" ;
data:
  time = 0, 1, 2 ; y = 0, 1 ; x = 0, 1 ;
  lat = 60.5, 60.25, 61, 61.5 ; lon = 10, 11.5, 10.25, 12 ; number = 7 ;
  t2m = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 ;
}
EOF
if ncgen -4 -o aux.nc aux.cdl && nc2zarr -q aux.nc -o aux.zarr; then
    zsel aux.zarr -i time=0:3 --csv > aux-all.csv
    zsel aux.zarr -i x=1 --csv > aux-x1.csv
    zsel aux.zarr -i x=1 --print > aux-x1.txt
    check "--csv: auxiliary coordinates as xarray's to_dataframe()" \
        $PY - aux.zarr aux-all.csv aux-x1.csv aux-x1.txt <<'PYEOF'
import sys, csv, xarray as xr
ds = xr.open_zarr(sys.argv[1])
def rows(p):
    return list(csv.DictReader(open(p)))
def key(r, dims):
    return tuple(float(r[d]) if d != "time" else r[d] for d in dims)
for sel, path in (({}, sys.argv[2]), ({"x": 1}, sys.argv[3])):
    df = ds.isel(**sel).to_dataframe().reset_index()
    got = rows(path)
    cols = sorted(df.columns)
    assert sorted(got[0].keys()) == cols, (sorted(got[0].keys()), cols)
    dims = [d for d in ("time", "y", "x") if d in df.columns]
    want = {}
    for _, e in df.iterrows():
        e = {c: (str(e[c]).replace(" ", "T") if c == "time" else e[c])
             for c in df.columns}
        want[key(e, dims)] = e
    assert len(got) == len(want), (len(got), len(want))
    for r in got:
        e = want[key(r, dims)]
        for c in cols:
            if c != "time":
                assert float(r[c]) == float(e[c]), (path, c, r[c], e[c])
# the table has the same columns, in the order of the CSV
head = open(sys.argv[4]).readline().split()
assert head == list(rows(sys.argv[3])[0].keys()), head
PYEOF
else
    not_ok "ncgen and nc2zarr write aux.zarr"
fi

# --csv: text cells are written whole (they were cut at 127 bytes), with
# CSV quoting: variable-length strings from NetCDF-4, and fixed-width
# byte strings as python3-zarr writes them
if $PY - long.nc fixed.zarr <<'PYEOF' && nc2zarr -q long.nc -o long.zarr
import sys, netCDF4, numpy as np, zarr
with netCDF4.Dataset(sys.argv[1], "w") as nc:
    nc.createDimension("station", 3)
    v = nc.createVariable("name", str, ("station",))
    for i, n in enumerate((200, 1000, 5)):
        v[i] = ("st%d, \"q\" " % i) * (n // 10)
    h = nc.createVariable("height", "f4", ("station",))
    h[:] = [1.5, 2.5, 3.5]
g = zarr.open_group(sys.argv[2], mode="w")
a = g.create_dataset("code", shape=(2,), dtype="S300", chunks=(2,))
a[:] = np.array([b"a" * 300, b"b,\"" * 50], dtype="S300")
a.attrs["_ARRAY_DIMENSIONS"] = ["station"]
zarr.consolidate_metadata(sys.argv[2])
PYEOF
then
    zsel long.zarr --csv > long.csv
    zsel fixed.zarr --csv > fixed.csv
    check "--csv: long text cells whole, as netCDF4 and zarr read them" \
        $PY - long.nc long.csv fixed.zarr fixed.csv <<'PYEOF'
import sys, csv, netCDF4, zarr
nc = netCDF4.Dataset(sys.argv[1])
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
assert len(rows) == 3, len(rows)
for i, r in enumerate(rows):
    assert r["name"] == nc["name"][i], (i, len(r["name"]), len(nc["name"][i]))
    assert float(r["height"]) == float(nc["height"][i])
assert max(len(r["name"]) for r in rows) >= 900
z = zarr.open_group(sys.argv[3], mode="r")["code"][:]
rows = list(csv.DictReader(open(sys.argv[4], newline="")))
assert [r["code"] for r in rows] == [b.decode() for b in z], \
    [len(r["code"]) for r in rows]
PYEOF
else
    not_ok "netCDF4 and python3-zarr write long.nc and fixed.zarr"
fi

nc2zarr -q "$S"/sst/*.nc -o sst.zarr
zsel sst.zarr -s lat=30:40 -s lon=0:20 -s time=2020-01-02 --csv > missing.csv
check "--csv: missing values (land) are empty fields" grep -Eq ',(,|$)' missing.csv
check "--csv: SST values decoded from packed int16" $PY - missing.csv sst.zarr <<'PYEOF'
import sys, csv, numpy as np, xarray as xr
rows = list(csv.DictReader(open(sys.argv[1])))
ds = xr.open_zarr(sys.argv[2]).sel(lat=slice(30, 40), lon=slice(0, 20))
ds = ds.sel(time="2020-01-02", method="nearest")
want = ds.sst.values.ravel()
got = np.array([float(r["sst"]) if r["sst"] else np.nan for r in rows])
assert len(got) == len(want), (len(got), len(want))
assert np.allclose(got, want, rtol=1e-6, equal_nan=True)
assert np.isnan(want).any() and not np.isnan(want).all()
PYEOF

# only the chunks that intersect the selection are read: spoil the others
cp -r era5.zarr spoiled.zarr
for f in spoiled.zarr/t2m/*; do
    # latitudes 60..24 are chunks 0 and 1, longitudes 0..18 chunk 0
    case $(basename "$f") in [012].[01].0) ;; *)
        printf 'not blosc' > "$f" ;; esac
done
check "only intersecting chunks are read" zsel spoiled.zarr --vars t2m \
    -s latitude=20:60 -s longitude=0:20 -o spoiled-box.zarr
check_fail "a spoiled chunk inside the selection is an error" 1 "t2m/0\.0\.[0-9]: blosc" \
    zsel spoiled.zarr --vars t2m -s latitude=70:80 -o spoiled-box2.zarr
check "no output left after the spoiled chunk" \
    test ! -e spoiled-box2.zarr -a ! -e spoiled-box2.zarr.partial
# and along time: 2019-07-02 is time chunk 1 (24 hours a chunk); spoil
# every other chunk of t2m
cp -r era5.zarr spoiled-t.zarr
for f in spoiled-t.zarr/t2m/*; do
    case $(basename "$f") in 1.[01].0) ;; *)
        printf 'not blosc' > "$f" ;; esac
done
SRC=era5.zarr
case_ spoiled-time spoiled-t.zarr --vars t2m -s time=2019-07-02:2019-07-02 \
    -s latitude=20:60 -s longitude=0:20 -- \
    'ds[["t2m"]].sel(time=slice("2019-07-02", "2019-07-02"),
                    latitude=slice(60, 20), longitude=slice(0, 20))'
check_fail "a spoiled chunk inside the time range is an error" 1 \
    "t2m/0\.[01]\.0: blosc" \
    zsel spoiled-t.zarr --vars t2m -s time=2019-07-01T23:2019-07-02 \
    -s latitude=20:60 -s longitude=0:20 -o spoiled-t2.zarr
check "no output left after the spoiled chunk in time" \
    test ! -e spoiled-t2.zarr -a ! -e spoiled-t2.zarr.partial

# errors
check_fail "empty selection" 1 "selection latitude=91:95 is empty" \
    zsel era5.zarr -s latitude=91:95 -o e.zarr
check_fail "unknown dimension" 1 "no dimension 'depth'" \
    zsel era5.zarr -s depth=0:10 -o e.zarr
check_fail "unknown variable" 1 "no variable 'sst'" \
    zsel era5.zarr --vars sst -o e.zarr
check_fail "time outside the data" 1 "outside the data \(2019-07-01T00:00:00 .. 2019-07-03T23:00:00\)" \
    zsel era5.zarr -s time=2020-01-01:2020-02-01 -o e.zarr
check_fail "nearest time far outside" 1 "outside the data" \
    zsel era5.zarr -s time=2018-01-01 -o e.zarr
check_fail "tolerance exceeded" 1 "farther than the tolerance 10min \(--tolerance\)" \
    zsel era5.zarr -s time=2019-07-01T00:40 --tolerance 10min --csv
check_fail "label tolerance exceeded" 1 "more than the tolerance 1 \(--tolerance\)" \
    zsel era5.zarr -s latitude=3 --tolerance 1 --csv
for t in abc 1x -1 nan 1MS ""; do
    check_fail "usage: malformed --tolerance '$t'" 2 "invalid --tolerance" \
        zsel era5.zarr -s latitude=3 --tolerance "$t" -o e.zarr
done
check_fail "not a date" 1 "'yesterday' is not an ISO 8601 date" \
    zsel era5.zarr -s time=yesterday -o e.zarr
check_fail "not a number" 1 "'north' is not a number" \
    zsel era5.zarr -s latitude=north -o e.zarr
check_fail "index out of range" 1 "index out of range" \
    zsel era5.zarr -i time=100 -o e.zarr
check_fail "usage: no output" 2 "exactly one of" zsel era5.zarr -s latitude=0:1
check_fail "usage: two selections of one dimension" 2 "invalid --sel" \
    zsel era5.zarr -s latitude=0:1 -s latitude=2:3 -o e.zarr
check "no output after errors" test ! -e e.zarr -a ! -e e.zarr.partial
$PY - era5.zarr shuffled.zarr <<'PYEOF'
import sys, shutil, json
shutil.copytree(sys.argv[1], sys.argv[2])
import zarr
z = zarr.open_consolidated(sys.argv[2], mode="r+")
lat = z["latitude"][:]
lat[3], lat[4] = lat[4], lat[3]
z["latitude"][:] = lat
PYEOF
check_fail "non-monotonic coordinate" 1 "coordinate 'latitude' is not monotonic" \
    zsel shuffled.zarr -s latitude=0:10 -o e.zarr
check "no output after the non-monotonic coordinate" \
    test ! -e e.zarr -a ! -e e.zarr.partial
zsel era5.zarr -s latitude=0:10 -o hist.zarr
check "history records the command" $PY -c '
import sys, xarray as xr
h = xr.open_zarr(sys.argv[1]).attrs["history"].splitlines()
assert h[0].endswith(": zsel era5.zarr -s latitude=0:10 -o hist.zarr"), h[0]
assert "mksamples" in h[1]
' hist.zarr
check "packing, codecs and fill are kept" $PY -c '
import json, sys
a = json.load(open(sys.argv[1] + "/t2m/.zarray"))
b = json.load(open(sys.argv[2] + "/t2m/.zarray"))
t = json.load(open(sys.argv[1] + "/t2m/.zattrs"))
u = json.load(open(sys.argv[2] + "/t2m/.zattrs"))
for k in ("dtype", "fill_value", "compressor", "filters"):
    assert a[k] == b[k], k
for k in ("scale_factor", "add_offset", "missing_value", "units"):
    assert t[k] == u[k], k
assert b["chunks"] == [24, 2, 16], b["chunks"]   # clipped to 2 latitudes
' era5.zarr hist.zarr
done_testing
