#!/bin/sh
# zregrid against CDO (remapbil, remapnn, remapcon with both
# normalisations, REMAP_EXTRAPOLATE=off) and xarray (interp) on synthetic
# grids that cross the longitude seam in every direction, on the sample
# sets and on real files of ../shared/data; the area mean preserved;
# weights made by cdo genbil and gencon applied (--weights), ours
# applied by cdo remap (--save-weights);
# --mask-invalid on NSIDC-like flags; the time axis of another store
# against xarray's reindex; attributes, types and pass-through variables;
# every kind of store; memory flat in the number of time steps; bad input
# refused with a message and no output (compare_regrid.py).
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
CMP="$PY $srcdir/tests/interop/compare_regrid.py"
REMAP_EXTRAPOLATE=off
export REMAP_EXTRAPOLATE
cd "$TMP" || exit 1

if ! command -v cdo >/dev/null 2>&1; then
    skip "cdo is not installed"
    done_testing
    exit
fi

# cmp DESCRIPTION compare_regrid.py-ARGS...
# shellcheck disable=SC2086
cmp() { d=$1; shift; check_diag "$d" $CMP "$@"; }

# rg NAME ZREGRID-ARGS...: run zregrid -q ... -o NAME.zarr
rg() {
    n=$1; shift
    if ! zregrid -q "$@" -o "$n.zarr" 2>"$n.err"; then
        not_ok "$n: zregrid runs" "$(cat "$n.err")"
        return 1
    fi
}

# griddes FILE YFIRST YINC NY XFIRST XINC NX: a CDO grid description
griddes() {
    printf 'gridtype = lonlat\nxsize = %s\nysize = %s\nxfirst = %s\n'\
'xinc = %s\nyfirst = %s\nyinc = %s\n' "$7" "$4" "$5" "$6" "$2" "$3" >"$1"
}

# ---- synthetic global grids ------------------------------------------------
# a 2 degree field with descending latitudes and longitudes in -180..180
# (periodic), a smooth field with four missing points; the same field with
# longitudes 0..360; a regional 0.5 degree field
$PY - <<'EOF'
import numpy as np, netCDF4
def write(name, lat, lon, f, dtype="f4", fill=-999.0):
    d = netCDF4.Dataset(name, "w")
    d.createDimension("time", 2)
    d.createDimension("latitude", len(lat))
    d.createDimension("longitude", len(lon))
    t = d.createVariable("time", "f8", ("time",))
    t.units = "days since 2020-01-01"
    t[:] = [0, 1]
    y = d.createVariable("latitude", "f8", ("latitude",))
    y.units = "degrees_north"
    y[:] = lat
    x = d.createVariable("longitude", "f8", ("longitude",))
    x.units = "degrees_east"
    x[:] = lon
    v = d.createVariable("v", dtype, ("time", "latitude", "longitude"),
                         fill_value=np.array(fill, dtype))
    v.units = "K"
    v.long_name = "a smooth field"
    v[:] = f
    d.close()
def field(lat, lon, holes):
    la, lo = np.meshgrid(np.radians(lat), np.radians(lon), indexing="ij")
    f = 280 + 20 * np.cos(la) ** 2 + 5 * np.sin(2 * lo) * np.cos(la) \
        + 3 * np.cos(3 * lo + la)
    f = np.stack([f, f + 1.5 * np.sin(lo)])
    f = np.ma.masked_array(f, mask=np.zeros(f.shape, bool))
    for (j, i) in holes:
        f.mask[:, j, i] = True
    return f
lat = np.arange(89.0, -90, -2)                  # descending
lon = np.arange(-179.0, 180, 2)                 # -180..180, periodic
holes = [(10, 5), (44, 89), (44, 0), (60, 130)]
write("g180.nc", lat, lon, field(lat, lon, holes))
lon360 = (lon + 360) % 360
order = np.argsort(lon360)
f = field(lat, lon, holes)[:, :, order]
write("g360.nc", lat, lon360[order], f)
rlat = np.arange(20.25, 50, 0.5)
rlon = np.arange(-30.25, 10, 0.5)
write("reg.nc", rlat, rlon, field(rlat, rlon, [(3, 4)]), "f8", -1e20)
EOF

# targets: off the source points and their midpoints by at least 0.05
# degrees (nearest is then unambiguous for CDO and xarray alike)
G1=lat=-79.55:80:3.7,lon=0.45:359:3.1
griddes g1.txt -79.55 3.7 44 0.45 3.1 116
G2=lat=60.35:-60:-2.9,lon=-170.15:175:4.3
griddes g2.txt 60.35 -2.9 42 -170.15 4.3 81

for src in g180 g360; do
    nc2zarr -q "$src.nc" -o "$src.zarr"
    for m in linear nearest; do
        case $m in linear) c=remapbil ;; *) c=remapnn ;; esac
        for g in 1 2; do
            eval grid=\$G$g
            n=$src-$m-$g
            rg "$n" --method $m --grid "$grid" "$src.zarr" || continue
            cdo -s -b F32 -f nc $c,g$g.txt "$src.nc" "$n.nc" 2>/dev/null
            cmp "$n: as CDO $c" cdo "$n.zarr" v "$n.nc"
            if [ $src = g180 ]; then
                cmp "$n: as xarray interp off the seam" xarray "$n.zarr" \
                    v "$src.nc" $m --lon180
            else
                cmp "$n: as xarray interp off the seam" xarray "$n.zarr" \
                    v "$src.nc" $m
            fi
        done
    done
done
check_eq "-180..180 and 0..360 sources give the same values" \
    "$(zinfo --checksum g180-linear-1.zarr | grep ' v$')" \
    "$(zinfo --checksum g360-linear-1.zarr | grep ' v$')"
check "no NaN seam: across 180 degrees missing only beside the hole at "\
"latitude 1, longitude -179" $PY -c '
import sys, numpy as np, xarray as xr
d = xr.open_zarr(sys.argv[1])
o, lat, lon = d.v.values, d.latitude.values, d.longitude.values
# four holes, each touching at most 2 x 2 targets per step
assert np.isnan(o).sum() <= 2 * 4 * 4, np.isnan(o).sum()
seam = (lon > 178) & (lon < 182)
bad = np.isnan(o[..., seam]).any(axis=(0, 2))
assert seam.any() and (~np.isnan(o[..., seam])).sum() > 80
assert (np.abs(lat[bad] - 1) < 4).all(), lat[bad]
' g180-linear-1.zarr

# nearest on the sphere: targets 0.003 degrees from the middle of two rows
# and 0.9 degrees from the nearest column, where the nearest point on the
# sphere is often in the other row than the nearest latitude's
griddes g3.txt -79.997 2 80 0.1 2 180
rg nn-sphere g180.zarr --method nearest --grid lat=-79.997:80:2,lon=0.1:359:2
cdo -s -b F32 -f nc remapnn,g3.txt g180.nc nn-sphere.nc 2>/dev/null
cmp "nearest on the sphere beside the middle of rows: as CDO remapnn" cdo \
    nn-sphere.zarr v nn-sphere.nc
check "... where xarray's nearest along each axis differs" $PY -c '
import sys, numpy as np, xarray as xr
o = xr.open_zarr(sys.argv[1]).v
s = xr.open_dataset(sys.argv[2]).v
tx = (o.longitude.values + 180) % 360 - 180
e = s.interp(latitude=o.latitude.values, longitude=tx, method="nearest")
a, e = o.values, e.values
both = ~np.isnan(a) & ~np.isnan(e)
assert (a[both] != e[both]).sum() > 1000, (a[both] != e[both]).sum()
' nn-sphere.zarr g180.nc

# coordinates that say nothing of what they are: named with --dims
$PY - <<'EOF'
import netCDF4, numpy as np
s = netCDF4.Dataset("g180.nc")
d = netCDF4.Dataset("bare.nc", "w")
d.createDimension("y", 90)
d.createDimension("x", 180)
y = d.createVariable("y", "f8", ("y",))
x = d.createVariable("x", "f8", ("x",))
y[:] = s["latitude"][:]
x[:] = s["longitude"][:]
v = d.createVariable("v", "f4", ("y", "x"), fill_value=np.float32(-999))
v[:] = s["v"][0]
d.close()
EOF
check_fail "coordinates without units: the message names --dims" 1 \
    "no latitude coordinate .*\(--dims\)" \
    zregrid bare.nc --grid "$G1" -o e.zarr
rg bare bare.nc --dims y,x --grid "$G1"
check "--dims y,x: the values of the same field with units" $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1]).v.values
b = xr.open_zarr(sys.argv[2]).v.values[0]
assert np.array_equal(a, b, equal_nan=True)
' bare.zarr g180-linear-1.zarr

# ---- skipna, min-frac, extrapolation ------------------------------------
rg skip g180.zarr --grid "$G1" --skipna
check "--skipna: fewer missing points, and none where a valid neighbour "\
"exists" $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1]).v.values
b = xr.open_zarr(sys.argv[2]).v.values
assert np.isnan(a).sum() == 0 and np.isnan(b).sum() > 0, (
    np.isnan(a).sum(), np.isnan(b).sum())
ok = ~np.isnan(b)
assert np.allclose(a[ok], b[ok], rtol=1e-6)
' skip.zarr g180-linear-1.zarr
rg reg-in g180.zarr --grid lat=21:48:1,lon=-29:8:1
rg reg-out reg.nc --grid lat=10:60:1,lon=-40:20:1 --method linear
cdo -s -b F32 -f nc remapbil,"$(griddes r.txt 10 1 51 -40 1 61; echo r.txt)" \
    reg.nc reg-out.nc 2>/dev/null
cmp "a regional source: outside its domain missing, as CDO" cdo \
    reg-out.zarr v reg-out.nc
check "... and float64 in gives float64 out" $CMP attrs reg-out.zarr v \
    dtype=float64
rg reg-ex reg.nc --grid lat=10:60:1,lon=-40:20:1 --extrapolate nearest
check "--extrapolate nearest: the edge's values outside, as inside" \
    $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1]).v
b = xr.open_zarr(sys.argv[3]).v.values
s = xr.open_dataset(sys.argv[2]).v
y, x = a.latitude.values, a.longitude.values
out = ((y < 20.25) | (y > 49.75))[:, None] | ((x < -30.25) | (x > 9.75))
inside = ~np.isnan(b)
assert out.any() and not np.isnan(a.values[:, out]).any()
assert np.array_equal(a.values[inside], b[inside])
# far south-west: the source corner value
assert np.isclose(a.values[0, 0, 0], s.values[0, 0, 0]), (
    a.values[0, 0, 0], s.values[0, 0, 0])
' reg-ex.zarr reg.nc reg-out.zarr

# ---- conservative, against CDO remapcon ----------------------------------
for norm in fracarea destarea; do
    m=conservative
    [ $norm = destarea ] && m=conservative-destarea
    for g in 1 2; do
        eval grid=\$G$g
        n=con-$norm-$g
        rg "$n" --method $m --grid "$grid" --skipna g180.zarr || continue
        CDO_REMAP_NORM=$norm cdo -s -b F32 -f nc remapcon,g$g.txt g180.nc "$n.nc" \
            2>/dev/null
        cmp "$n: as CDO remapcon ($norm), missing values skipped" cdo \
            "$n.zarr" v "$n.nc" 1e-6
    done
done
rg con-r36 g180.zarr --method conservative --grid r36x18
check "conservative: cell_methods area: mean" $CMP attrs con-r36.zarr v \
    "cell_methods=area: mean" dtype=float32
if [ -n "$SHARED" ]; then
    t2m=$SHARED/nc/geocat__T2m_1x1.nc
    for g in r144x72 r100x50; do
        rg "t2m-$g" "$t2m" --method conservative --grid $g || continue
        cdo -s -b F32 -f nc remapcon,$g "$t2m" "t2m-$g.nc" 2>/dev/null
        cmp "T2m_1x1 to $g: as CDO remapcon" cdo "t2m-$g.zarr" T \
            "t2m-$g.nc" 1e-6
        cmp "T2m_1x1 to $g: the area mean is preserved" mean \
            "t2m-$g.zarr" T "$t2m"
        rg "t2m-d-$g" "$t2m" --method conservative-destarea --grid $g
        CDO_REMAP_NORM=destarea cdo -s -b F32 -f nc remapcon,$g "$t2m" \
            "t2m-d-$g.nc" 2>/dev/null
        cmp "T2m_1x1 to $g: as CDO remapcon (destarea)" cdo \
            "t2m-d-$g.zarr" T "t2m-d-$g.nc" 1e-6
    done
    rg t2m-bil "$t2m" --grid "$G1"
    cdo -s -b F32 -f nc remapbil,g1.txt "$t2m" t2m-bil.nc 2>/dev/null
    cmp "T2m_1x1 bilinear: as CDO remapbil" cdo t2m-bil.zarr T t2m-bil.nc
    cmp "T2m_1x1 bilinear: as xarray interp" xarray t2m-bil.zarr T "$t2m" \
        linear
    sst=$SHARED/nc/geocat__sst.nc
    rg sst-bil "$sst" --grid lat=-60:55:1.5,lon=0.3:359:2.5
    cdo -s -b F32 -f nc remapbil,"$(griddes s.txt -60 1.5 77 0.3 2.5 144;
                             echo s.txt)" "$sst" sst-bil.nc 2>/dev/null
    cmp "geocat sst (uneven latitudes, land missing): as CDO remapbil" \
        cdo sst-bil.zarr TEMP sst-bil.nc
    # weights made by CDO, applied by zregrid
    for g in bil con; do
        cdo -s gen$g,r144x72 "$t2m" "w-$g.nc" 2>/dev/null
        rg "t2m-w$g" "$t2m" --weights "w-$g.nc" || continue
        cdo -s -b F32 -f nc remap$g,r144x72 "$t2m" "t2m-w$g.nc" 2>/dev/null
        cmp "--weights from cdo gen$g: as CDO remap$g" cdo "t2m-w$g.zarr" T \
            "t2m-w$g.nc" 1e-6
    done
    # weights made by zregrid, applied by CDO and by zregrid
    for m in linear nearest conservative conservative-destarea; do
        rg "t2m-s$m" "$t2m" --grid "$G1" --method $m \
            --save-weights "s-$m.nc" || continue
        cdo -s -b F32 -f nc remap,g1.txt,"s-$m.nc" "$t2m" "t2m-s$m.nc" \
            2>/dev/null
        cmp "--save-weights ($m): cdo remap with them gives ours" cdo \
            "t2m-s$m.zarr" T "t2m-s$m.nc" 1e-6
        rg "t2m-r$m" "$t2m" --weights "s-$m.nc"
        check_eq "--save-weights ($m): --weights with them gives ours" \
            "$(zinfo --checksum "t2m-s$m.zarr" | grep ' T$')" \
            "$(zinfo --checksum "t2m-r$m.zarr" | grep ' T$')"
    done
    check_fail "--weights for another source grid: exit 1, nothing read" 1 \
        "sst.nc: the weights are for a source grid of 360 x 181 points, not 181 x 64" \
        zregrid "$sst" --weights w-bil.nc -o e.zarr
    check "geocat sst: its DEPTH and TIME pass through" $PY -c '
import sys, xarray as xr
a, b = xr.open_zarr(sys.argv[1]), xr.open_dataset(sys.argv[2])
assert (a.DEPTH.values == b.DEPTH.values).all()
assert "LATedges" not in a.variables      # the old grid is left out
assert a.TEMP.dims == ("TIME", "DEPTH", "LAT", "LON"), a.TEMP.dims
' sst-bil.zarr "$sst"
else
    skip "../shared/data is absent"
fi

# ---- the sample sets: packed input, --like, attributes ------------------
nc2zarr -q "$S"/era5/*.nc -o era5.zarr
rg era5-bil era5.zarr --grid r72x36
cdo -s -b F32 -f nc remapbil,r72x36 -mergetime "$S"/era5/*.nc era5-bil.nc \
    2>/dev/null
cmp "ERA5-like packed int16, 72 hours: as CDO remapbil" cdo era5-bil.zarr \
    t2m era5-bil.nc
check "packed in, float32 out, packing attributes gone" $CMP attrs \
    era5-bil.zarr t2m dtype=float32 scale_factor= add_offset= \
    missing_value= units=K
check "the history starts with the command" $PY -c '
import json, sys
h = json.load(open(sys.argv[1] + "/.zattrs"))["history"].splitlines()
assert h[0].endswith(": zregrid -q era5.zarr --grid r72x36 -o "
                     "era5-bil.zarr"), h[0]
' era5-bil.zarr
check "the target coordinates are CF" $PY -c '
import sys, numpy as np, xarray as xr
d = xr.open_zarr(sys.argv[1])
a = d.latitude.attrs
assert a["units"] == "degrees_north" and a["standard_name"] == "latitude"
assert d.longitude.attrs["units"] == "degrees_east"
assert np.allclose(d.latitude.values, np.arange(-87.5, 90, 5))
assert np.allclose(d.longitude.values, np.arange(0, 360, 5))
' era5-bil.zarr
nc2zarr -q "$S"/sst -o sst.zarr
nc2zarr -q "$S"/chl -o chl.zarr
rg chl-like chl.zarr --like sst.zarr
# The targets fall on source points, and a target on a point takes the
# interval before it, as CDO does.  CDO works in radians and moves
# targets by 2 pi, so that its choice for a longitude moved across the
# seam is left to rounding: give it the source turned to 0..360 degrees
# (cdo sellonlatbox), whose first point (0.5) then has no interval
# before it for CDO; ours is periodic (359.5 to 360.5): not compared.
cdo -s sellonlatbox,0,360,-90,90 -mergetime "$S"/chl/*.nc chl360.nc \
    2>/dev/null
cdo -s -b F32 -f nc remapbil,"$S/sst/oisst-like_20200101.nc" chl360.nc \
    chl-like.nc 2>/dev/null
cmp "--like: chlorophyll (-180..180, descending) onto the SST grid (0..360,"\
" ascending), as CDO" cdo chl-like.zarr chlor_a chl-like.nc --skip-lon=0.5
check "--like: the target's coordinates and their attributes" $PY -c '
import sys, numpy as np, xarray as xr
a, b = xr.open_zarr(sys.argv[1]), xr.open_zarr(sys.argv[2])
assert (a.lat.values == b.lat.values).all()
assert (a.lon.values == b.lon.values).all()
assert a.lat.attrs == b.lat.attrs, (a.lat.attrs, b.lat.attrs)
assert a.time.values.tolist() == xr.open_zarr(sys.argv[3]).time.values.tolist()
' chl-like.zarr sst.zarr chl.zarr
rg sst-con sst.zarr --grid r90x45 --method conservative --skipna
cdo -s -b F32 -f nc remapcon,r90x45 -mergetime "$S"/sst/*.nc sst-con.nc 2>/dev/null
cmp "OISST-like land missing, conservative skipping it: as CDO remapcon" \
    cdo sst-con.zarr sst sst-con.nc 1e-6

# sea ice: unsigned bytes, flags 251..255 over land, coast, lakes and the
# pole hole, valid_range 0..100; CDO reads values outside the valid range
# as missing, xarray as values
si=$S/seaice/nsidc-like_nh_20200103.nc
rg si-mask "$si" --grid r360x180 --mask-invalid
cdo -s -b F32 -f nc remapbil,r360x180 "$si" si.nc 2>/dev/null
cmp "--mask-invalid: NSIDC-like flags and valid_range, as CDO" cdo \
    si-mask.zarr seaice_conc si.nc
check "--mask-invalid: the flag attributes are gone" $CMP attrs \
    si-mask.zarr seaice_conc flag_values= flag_meanings= valid_range=
rg si-flags "$si" --grid r360x180
cmp "without --mask-invalid flags are values, as xarray" xarray \
    si-flags.zarr seaice_conc "$si" linear

# ---- the time axis ---------------------------------------------------------
# a source of six steps at uneven times (hours since 2020-01-01) and a
# target of 3-hourly times in other units (days since 2019-12-31) on the
# same grid: nearest in space is the identity, so the result is the
# source reindexed in time, which xarray does
$PY - <<'EOF'
import numpy as np, netCDF4
def write(name, times, units, dtype, lat, lon, field=True):
    d = netCDF4.Dataset(name, "w")
    d.createDimension("time", len(times))
    d.createDimension("lat", len(lat))
    d.createDimension("lon", len(lon))
    t = d.createVariable("time", dtype, ("time",))
    t.units = units
    t.calendar = "standard"
    t[:] = times
    y = d.createVariable("lat", "f4", ("lat",))
    y.units = "degrees_north"
    y[:] = lat
    x = d.createVariable("lon", "f4", ("lon",))
    x.units = "degrees_east"
    x[:] = lon
    if field:
        v = d.createVariable("v", "f4", ("time", "lat", "lon"),
                             fill_value=np.float32(-1))
        rng = np.random.default_rng(3)
        v[:] = rng.uniform(0, 10, (len(times), len(lat), len(lon)))
    d.close()
lat, lon = np.arange(-50.0, 51, 10), np.arange(0.0, 360, 30)
write("tsrc.nc", [12, 36, 72, 108, 180, 204], "hours since 2020-01-01",
      "i4", lat, lon)
write("ttgt.nc", np.arange(0, 30) * 0.125 + 0.875,
      "days since 2019-12-31", "f8", lat, lon, field=False)
# days from 2020-01-01 to 2020-02-03 on the chlorophyll samples' grid
write("days.nc", np.arange(34), "days since 2020-01-01", "f8",
      np.arange(89.5, -90, -1), np.arange(-179.5, 180, 1), field=False)
d = netCDF4.Dataset("gridonly.nc", "w")
for n, u, c in (("lat", "degrees_north", lat), ("lon", "degrees_east", lon)):
    d.createDimension(n, len(c))
    v = d.createVariable(n, "f8", (n,))
    v.units = u
    v[:] = c
d.close()
EOF
for tm in nearest ffill bfill; do
    for tol in "" 12h; do
        n=time-$tm${tol:+-$tol}
        rg "$n" tsrc.nc --like ttgt.nc --method nearest --time $tm \
            ${tol:+--tolerance $tol} || continue
        check "--time $tm${tol:+ --tolerance $tol}: as xarray reindex" \
            $PY -c '
import sys, numpy as np, pandas as pd, xarray as xr
o = xr.open_zarr(sys.argv[1])
s = xr.open_dataset(sys.argv[2]).v
t = xr.open_dataset(sys.argv[3]).time
kw = {"tolerance": pd.Timedelta(sys.argv[5])} if sys.argv[5] else {}
e = s.reindex(time=t.values, method=sys.argv[4], **kw)
assert (o.time.values == t.values).all()
a, b = o.v.values, e.values
assert np.isnan(a).sum() == np.isnan(b).sum(), (np.isnan(a).sum(),
                                                np.isnan(b).sum())
assert np.array_equal(a, b, equal_nan=True)
if sys.argv[5]:
    assert np.isnan(b).all(axis=(1, 2)).any()   # the tolerance bites
' "$n.zarr" tsrc.nc ttgt.nc $tm "$tol"
    done
done
rg time-linear tsrc.nc --like ttgt.nc --method nearest --time linear
check "--time linear: as xarray interp in time, missing before the first" \
    $PY -c '
import sys, numpy as np, xarray as xr
o = xr.open_zarr(sys.argv[1]).v.values.astype("f8")
s = xr.open_dataset(sys.argv[2]).v.astype("f8")
t = xr.open_dataset(sys.argv[3]).time
e = s.interp(time=t.values).values
assert np.array_equal(np.isnan(o), np.isnan(e)) and np.isnan(e).any()
ok = ~np.isnan(e)
d = np.abs(o[ok] - e[ok]) / np.abs(e[ok])
assert d.max() < 1e-6, d.max()
# not a copy of one step: some targets lie between two
assert len(set(np.round(o[ok], 3)) - set(np.round(s.values.ravel(), 3)))
' time-linear.zarr tsrc.nc ttgt.nc
for ts in "nearest 6h" "ffill 1D"; do
    set -- $ts
    rg "time-step-$1" tsrc.nc --grid lat=-50:50:10,lon=0:330:30 \
        --method nearest --time $1 --time-step $2 || continue
    check "--time $1 --time-step $2: as xarray reindex onto a date_range" \
        $PY -c '
import sys, numpy as np, pandas as pd, xarray as xr
o = xr.open_zarr(sys.argv[1])
s = xr.open_dataset(sys.argv[2]).v
t = pd.date_range(s.time.values[0], s.time.values[-1], freq=sys.argv[4])
e = s.reindex(time=t, method=sys.argv[3])
assert len(t) > 6 and (o.time.values == t.values).all(), o.time.values
assert np.array_equal(o.v.values, e.values, equal_nan=True)
' "time-step-$1.zarr" tsrc.nc $1 $2
done
rg chl-days chl.zarr --like days.nc --time within --method nearest
check "--time within: each day its 8-day composite, none after the last" \
    $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1]).chlor_a.values
b = xr.open_zarr(sys.argv[2]).chlor_a.values
assert a.shape[0] == 34, a.shape
for d in range(32):
    assert np.array_equal(a[d], b[d // 8], equal_nan=True), d
assert np.isnan(a[32:]).all()
' chl-days.zarr chl.zarr
zregrid -n chl.zarr --like days.nc --time within >tplan.txt
check "-n: the time line" grep -q \
    "^time: within time (4 steps) onto 34 target times, 2 of them without a step$" \
    tplan.txt

# ---- every kind of store ------------------------------------------------
rg z-zip era5.zarr --grid r72x36 --zarr-format 3 --shards time=24 -c time=6 \
    --checksums
zregrid -q era5.zarr --grid r72x36 -o out.zip
zrechunk -q era5.zarr -o - | zregrid -q - --grid r72x36 -o - >out.tar
want=$(zinfo --checksum era5-bil.zarr)
for o in z-zip.zarr out.zip; do
    check_eq "$o: the same values" "$want" "$(zinfo --checksum $o)"
done
check_eq "a stream in, a stream out: the same values" "$want" \
    "$(zinfo --checksum - <out.tar)"
check "v3, sharded, with checksums: read by zinfo --check" \
    zinfo --check z-zip.zarr

# ---- memory: flat in the number of time steps ----------------------------
if ! "$top_builddir/data-samples/mksamples" bench big --hours 48 --res 0.5 \
        >mk.log 2>&1 || ! nc2zarr -q -c time=1 big -o big.zarr; then
    not_ok "making the 0.5 degree store of 48 hours" "$(tail -5 mk.log)"
else
    rm -rf big
    zsel -q big.zarr -i time=0:24 -o small.zarr
    if [ "${ZS_SANITIZED:-no}" = yes ]; then
        skip_env "memory figures mean nothing under the sanitizers"
    else
        /usr/bin/time -f %M -o rss48 zregrid -q -m 16M big.zarr \
            --grid r360x180 -o b48.zarr
        /usr/bin/time -f %M -o rss24 zregrid -q -m 16M small.zarr \
            --grid r360x180 -o b24.zarr
        a=$(tail -1 rss24) b=$(tail -1 rss48)
        check "peak memory within the bound + 64 MiB: $b KB" \
            awk "BEGIN { exit !($b > 0 && $b < (16 + 64) * 1024) }"
        check "peak memory flat: 48 steps $b KB, 24 steps $a KB" \
            awk "BEGIN { exit !($b < 1.1 * $a + 4096) }"
        zsel -q b48.zarr -i time=0:24 -o b48-24.zarr
        check_eq "the first 24 steps are those of a run on them alone" \
            "$(zinfo --checksum b24.zarr)" "$(zinfo --checksum b48-24.zarr)"
    fi
    rm -rf big.zarr small.zarr b48.zarr b24.zarr b48-24.zarr
fi

# ---- the plan ------------------------------------------------------------
zregrid -n era5.zarr --grid r72x36 --method conservative >plan.txt
check "-n names the grids, the method and each variable" grep -q \
    "^t2m: int16 (time 72, latitude 31, longitude 60) -> float32 (72, 36, 72)" \
    plan.txt
check "-n: conservative" grep -q "; conservative$" plan.txt
check "-n writes nothing" test ! -e plan.zarr

# ---- bad input -----------------------------------------------------------
$PY - <<'EOF'
import netCDF4
d = netCDF4.Dataset("nogrid.nc", "w")
d.createDimension("x", 3)
v = d.createVariable("x", "f4", ("x",))
v.units = "m"
v[:] = [1, 2, 3]
d.close()
EOF
check_fail "--like a target without latitude and longitude: exit 1" 1 \
    "zregrid: nogrid.nc: no latitude and longitude coordinates" \
    zregrid era5.zarr --like nogrid.nc -o e.zarr
check_fail "--like a store that cannot be opened: exit 1" 1 \
    "zregrid: nosuch.zarr: " zregrid era5.zarr --like nosuch.zarr -o e.zarr
check_fail "a zero step: exit 2" 2 "invalid --grid: .*latitude step is zero" \
    zregrid era5.zarr --grid lat=-10:10:0,lon=0:10:1 -o e.zarr
check_fail "a stop before the start: exit 2" 2 \
    "invalid --grid: .*longitude stop 0 is before the start 10" \
    zregrid era5.zarr --grid lat=-10:10:1,lon=10:0:1 -o e.zarr
check_fail "latitudes beyond 90: exit 2" 2 "latitudes beyond" \
    zregrid era5.zarr --grid lat=-100:10:1,lon=0:10:1 -o e.zarr
check_fail "a grid that is not one: exit 2" 2 "invalid --grid" \
    zregrid era5.zarr --grid r360 -o e.zarr
check_fail "a file that is not SCRIP weights: exit 1" 1 \
    "g180.nc: no numeric variable src_grid_dims" \
    zregrid g180.zarr --weights g180.nc -o e.zarr
check_fail "--weights and --method: exit 2" 2 "weights are the method" \
    zregrid g180.zarr --weights g180.nc --method nearest -o e.zarr
check_fail "no target grid: exit 2" 2 "give one target grid" \
    zregrid era5.zarr -o e.zarr
check_fail "an unknown method: exit 2" 2 "invalid --method: method 'cubic'" \
    zregrid era5.zarr --grid r72x36 --method cubic -o e.zarr
check_fail "a source without horizontal coordinates: exit 1" 1 \
    "zregrid: nogrid.nc: no latitude coordinate .*\(--dims\)" \
    zregrid nogrid.nc --grid r72x36 -o e.zarr
check_fail "--dims naming no coordinate: exit 1" 1 "no 1-D coordinate 'y'" \
    zregrid era5.zarr --dims y,longitude --grid r72x36 -o e.zarr
check_fail "--min-frac without --skipna: exit 2" 2 "goes with --skipna" \
    zregrid era5.zarr --grid r72x36 --min-frac 0.5 -o e.zarr
check_fail "--time without --like: exit 2" 2 "takes the time axis of --like" \
    zregrid era5.zarr --grid r72x36 --time nearest -o e.zarr
check_fail "--time onto a target without time: exit 1" 1 \
    "no time axis to put the source on \(--time\)" \
    zregrid tsrc.nc --like gridonly.nc --time nearest -o e.zarr
check_fail "--time-step without --time: exit 2" 2 "goes with --time" \
    zregrid tsrc.nc --grid r72x36 --time-step 1D -o e.zarr
check_fail "a time step of zero days: exit 2" 2 \
    "invalid --time-step: time step '0D'" \
    zregrid tsrc.nc --grid r72x36 --time nearest --time-step 0D -o e.zarr
check_fail "a tolerance that is not a duration: exit 2" 2 \
    "invalid --tolerance: tolerance '1M'" \
    zregrid tsrc.nc --like ttgt.nc --time nearest --tolerance 1M -o e.zarr
check "no output after any refusal" test ! -e e.zarr -a ! -e e.zarr.partial
done_testing
