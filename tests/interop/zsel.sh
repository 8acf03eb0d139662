#!/bin/sh
# zsel against xarray (.sel/.isel on the same store), CDO (sellonlatbox
# across the seam), cftime calendars, CSV values, bad selections, and a
# check that only the chunks intersecting the selection are read.
. "$srcdir/tests/lib/tap.sh"
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
check "360_day: February 30 exists" zsel 360_day.zarr -s time=2000-02-30 --csv
check_fail "noleap: February 29 does not" 1 "not a date of the noleap calendar" \
    zsel noleap.zarr -s time=2000-02-29 --csv

# CDO sellonlatbox on the NetCDF source, across the seam and not (CDO
# keeps the data's longitude labels where zsel uses the requested ones:
# labels are compared modulo 360)
if command -v cdo >/dev/null; then
    for box in "-130,-60,20,60" "350,10,-30,30" "-10,10,-90,90"; do
        set -- $(echo "$box" | tr ',' ' ')
        cdo -s sellonlatbox,$box "$S"/era5-single/*.nc cdo.nc 2>cdo.err
        zsel single.zarr -s longitude=$1:$2 -s latitude=$3:$4 -o cdo-ours.zarr \
            --overwrite 2>err
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
check_fail "tolerance exceeded" 1 "farther than --tolerance 10min" \
    zsel era5.zarr -s time=2019-07-01T00:40 --tolerance 10min --csv
check_fail "label tolerance exceeded" 1 "more than --tolerance 1" \
    zsel era5.zarr -s latitude=3 --tolerance 1 --csv
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
