#!/bin/sh
# zregrid from curvilinear sources (2-D latitude and longitude) against
# CDO remapbil and remapnn (REMAP_EXTRAPOLATE=off) onto the same 0.5
# degree grid (r720x360): the polar stereographic sea-ice sample
# (seaice-ps/, --mask-invalid), the CMIP6 CanESM5 sea-ice file of
# ../shared/data (an ORCA-like tripolar ocean grid) and geocat's fice.nc
# (whose hlat/hlon are 1-D: the rectilinear path, by the same names);
# SCRIP weights both ways; --extrapolate; attributes; bad input.  And
# the 1/12 degree chlorophyll sample (chl-12/): --time within on its
# time_bnds, conservative to 0.25 degree as CDO remapcon.
#
# Where CDO differs, on purpose and only there:
# - nearest, ties: a target as near to two centres (to 1e-6; common where
#   the source is regular and the target lies midway) takes the lower
#   address in zregrid; CDO's k-d tree (single precision) takes either.
#   compare_regrid.py cdo-nn checks that each such target holds the value
#   of one of its tied centres in both outputs.
# - the column seam of a grid whose first and last columns are
#   neighbours (CanESM5: 72.5 and 73.5 E): CDO builds no cells across it
#   and leaves the targets there missing (lon 73.0; on its edge, lon
#   73.5, four points differ); zregrid closes it.  Those target
#   longitudes are left out of the comparison, and the test checks that
#   zregrid has values there.
# - cells that surround the pole (the unmasked field on the polar
#   stereographic grid, targets from 88.75 N): CDO's iteration fails and
#   it falls back to an inverse-distance mean of four points; zregrid
#   keeps the bilinear cell where Newton's method converges and leaves
#   the rest missing.  Compared south of 88.5 N.  (In the sample the pole
#   hole's flag masks those cells, and the outputs are equal.)
. "$srcdir/tests/interop/regrid-common.sh"

# cdo_out NAME CDO-ARGS...: CDO's float32 output into NAME.nc
cdo_out() {
    n=$1; shift
    cdo -s -b F32 -f nc "$@" "$n.nc" 2>"$n.cdoerr" ||
        not_ok "$n: cdo runs" "$(cat "$n.cdoerr")"
}

# ---- the polar stereographic sample ----------------------------------------
# CDO cannot write the ubyte flag_values on a float result, so it reads a
# copy without them; it takes values outside valid_range (the flags) as
# missing, as --mask-invalid does.
ps=$S/seaice-ps/seaice_conc_daily_nh_20200102_f17_v04r00.nc
$PY - "$ps" <<'EOF'
import shutil, sys, netCDF4
shutil.copy(sys.argv[1], "ps.nc")
with netCDF4.Dataset("ps.nc", "a") as d:
    d["cdr_seaice_conc"].delncattr("flag_values")
EOF
for m in linear nearest; do
    rg "ps-$m" "$ps" --grid r720x360 --method $m --mask-invalid || continue
done
cdo_out ps-bil remapbil,r720x360 ps.nc
cdo_out ps-nn remapnn,r720x360 ps.nc
cmp "polar stereographic sample, linear: as CDO remapbil" cdo \
    ps-linear.zarr cdr_seaice_conc ps-bil.nc
cmp "polar stereographic sample, nearest: as CDO remapnn" cdo-nn \
    ps-nearest.zarr cdr_seaice_conc ps-nn.nc ps.nc latitude longitude
check "the projection, x, y and 2-D coordinates are gone; lat/lon 1-D" \
    $PY -c '
import sys, xarray as xr
d = xr.open_zarr(sys.argv[1])
assert set(d.data_vars) == {"cdr_seaice_conc"}, list(d.variables)
v = d.cdr_seaice_conc
assert v.dims == ("time", "latitude", "longitude"), v.dims
assert "grid_mapping" not in v.attrs and "x" not in d and "crs" not in d
assert d.latitude.attrs["units"] == "degrees_north"
assert v.encoding.get("coordinates", "time") == "time", v.encoding
' ps-linear.zarr
zregrid -n "$ps" --grid r720x360 >plan.txt 2>&1
check "-n names the curvilinear grid" grep -q \
    "curvilinear latitude, longitude (y 112 x x 76)" plan.txt

# ---- conservative on the polar stereographic grid --------------------------
# NSIDC's files have no cell corners: a copy gets them from the x/y cell
# edges through the sample's inverse projection (EPSG:3411).  The sample
# (flags masked) and an unmasked field, whose cell around the pole is
# clipped like any other, as CDO remapcon (fracarea).
$PY - ps.nc psfc.nc <<'EOF'
import sys, shutil, numpy as np, netCDF4
A, E, LATTS, LON0 = 6378273.0, 0.081816153, 70.0, -45.0
def t_of(phi):
    es = E * np.sin(phi)
    return np.tan(np.pi / 4 - phi / 2) / ((1 - es) / (1 + es)) ** (E / 2)
def inverse(x, y):
    phic = np.radians(LATTS)
    mc = np.cos(phic) / np.sqrt(1 - E * E * np.sin(phic) ** 2)
    t = np.hypot(x, y) * t_of(phic) / (A * mc)
    phi = np.pi / 2 - 2 * np.arctan(t)
    for _ in range(20):
        es = E * np.sin(phi)
        phi = np.pi / 2 - 2 * np.arctan(t * ((1 - es) / (1 + es)) ** (E / 2))
    lon = LON0 + np.degrees(np.arctan2(x, -y))
    return np.degrees(phi), np.where(lon < -180, lon + 360, lon)
src, out = sys.argv[1:3]
shutil.copy(src, out)
with netCDF4.Dataset(out, "a") as d:
    x, y = d["x"][:], d["y"][:]
    X, Y = np.meshgrid(x, y)
    la, lo = inverse(X, Y)
    assert np.abs(la - d["latitude"][:]).max() < 1e-9, "the projection"
    h = (x[1] - x[0]) / 2
    d.createDimension("nv", 4)
    vla, vlo = inverse(X[..., None] + np.array([-h, h, h, -h]),
                       Y[..., None] + np.array([h, h, -h, -h]))
    for n, v in (("latitude", vla), ("longitude", vlo)):
        b = d.createVariable(n + "_bnds", "f8", ("y", "x", "nv"))
        b[:] = v
        d[n].bounds = n + "_bnds"
    f = d.createVariable("f", "f4", ("time", "y", "x"))
    f.coordinates = "latitude longitude"
    f[:] = (la + 10 * np.cos(np.radians(lo)))[None]
EOF
rg psc psfc.nc --grid r720x360 --method conservative --skipna --mask-invalid
cdo_out psc-cdo remapcon,r720x360 psfc.nc
cmp "polar stereographic sample, conservative: as CDO remapcon" cdo \
    psc.zarr cdr_seaice_conc psc-cdo.nc 1e-6
cmp "... and an unmasked field, the cell around the pole too" cdo \
    psc.zarr f psc-cdo.nc 1e-6

# ---- CMIP6 sea ice on CanESM5's ocean grid --------------------------------
sicname=xclim__sic_SImon_CCCma-CanESM5_ssp245_r13i1p2f1_2020.nc
sic=${SHARED:+$SHARED/nc/$sicname}
if [ -n "$sic" ] && [ -f "$sic" ]; then
    rg sic-linear "$sic" --grid r720x360 --vars siconc
    rg sic-nearest "$sic" --grid r720x360 --vars siconc --method nearest
    cdo_out sic-bil remapbil,r720x360 -selname,siconc "$sic"
    cdo_out sic-nn remapnn,r720x360 -selname,siconc "$sic"
    cmp "CanESM5 siconc, linear: as CDO remapbil (but the seam)" cdo \
        sic-linear.zarr siconc sic-bil.nc --skip-lon=73 --skip-lon=73.5
    cmp "CanESM5 siconc, nearest: as CDO remapnn (but the seam)" cdo-nn \
        sic-nearest.zarr siconc sic-nn.nc "$sic" latitude longitude \
        --skip-lon=73
    check "no seam: values at 73 E where CDO has none" $PY -c '
import sys, numpy as np, xarray as xr
for p in sys.argv[1:]:
    v = xr.open_zarr(p).siconc.sel(longitude=73.0)
    assert (~np.isnan(v.values)).sum() > 12 * 150, (p, int(v.count()))
' sic-linear.zarr sic-nearest.zarr
    # conservative, from the cells' corners (vertices_latitude/longitude),
    # skipping land as CDO's remapcon does (its missing values are NaN);
    # to 1 degree (CDO's remapcon took 17 s a norm to half a degree)
    for norm in fracarea destarea; do
        m=conservative
        [ $norm = destarea ] && m=conservative-destarea
        rg "sic-$norm" "$sic" --grid r360x180 --vars siconc --method $m \
            --skipna
        CDO_REMAP_NORM=$norm cdo_out "sic-cdo-$norm" remapcon,r360x180 \
            -selname,siconc "$sic"
        cmp "CanESM5 siconc, $m: as CDO remapcon ($norm)" cdo \
            "sic-$norm.zarr" siconc "sic-cdo-$norm.nc" 1e-6
    done
    check "conservative: cell_methods area: mean" $CMP attrs \
        sic-fracarea.zarr siconc \
        "cell_methods=area: mean where sea time: mean area: mean"
    # weights both ways on a field without missing values (g on the
    # ocean grid's centres); CanESM5's first row has broken corners (one
    # in the Arctic): zregrid leaves those cells out, CDO smears them, so
    # this field is not compared with CDO's remapcon
    $PY - "$sic" <<'EOF'
import sys, numpy as np, netCDF4
with netCDF4.Dataset(sys.argv[1]) as s, netCDF4.Dataset("sicg.nc", "w") as d:
    for n in ("j", "i", "vertices"):
        d.createDimension(n, len(s.dimensions[n]))
    d.createDimension("time", 1)
    for n in ("latitude", "longitude", "vertices_latitude",
              "vertices_longitude"):
        v = s[n]
        w = d.createVariable(n, v.dtype, v.dimensions)
        w.setncatts({k: v.getncattr(k) for k in v.ncattrs()
                     if k not in ("_FillValue", "missing_value",
                                  "_ChunkSizes", "coordinates")})
        w[:] = v[:]
    t = d.createVariable("time", "f8", ("time",))
    t.units = "days since 2020-01-01"
    t[:] = 0
    g = d.createVariable("g", "f4", ("time", "j", "i"))
    g.coordinates = "latitude longitude"
    la, lo = np.radians(s["latitude"][:]), np.radians(s["longitude"][:])
    g[:] = (10 * np.cos(la) + np.sin(lo))[None]
EOF
    rg sicg sicg.nc --grid r360x180 --method conservative \
        --save-weights sicg-w.nc
    cdo -s -f nc remap,r360x180,sicg-w.nc sicg.nc sicg-cdo-w.nc 2>/dev/null
    cmp "conservative --save-weights: cdo remap with ours gives ours" cdo \
        sicg.zarr g sicg-cdo-w.nc 1e-6
    check "conservative: within 0.1 of the field (but by the poles)" $PY -c '
import sys, numpy as np, xarray as xr
g = xr.open_zarr(sys.argv[1]).g[0]
la, lo = np.meshgrid(np.radians(g.latitude), np.radians(g.longitude),
                     indexing="ij")
e = 10 * np.cos(la) + np.sin(lo)
ok = ~np.isnan(g.values) & (np.abs(la) < np.radians(85))
assert ok.sum() > 30000, ok.sum()
d = np.abs(g.values[ok] - e[ok])
assert d.max() < 0.1, d.max()
' sicg.zarr
else
    skip "../shared/data/nc/$sicname is absent"
fi

# ---- geocat fice.nc: hlat, hlon ---------------------------------------------
fice=${SHARED:+$SHARED/nc/geocat__fice.nc}
if [ -n "$fice" ] && [ -f "$fice" ]; then
    rg fice-linear "$fice" --grid r720x360
    rg fice-nearest "$fice" --grid r720x360 --method nearest
    cdo_out fice-bil remapbil,r720x360 "$fice"
    cdo_out fice-nn remapnn,r720x360 "$fice"
    cmp "geocat fice (hlat, hlon), linear: as CDO remapbil" cdo \
        fice-linear.zarr fice fice-bil.nc
    cmp "geocat fice (hlat, hlon), nearest: as CDO remapnn" cdo-nn \
        fice-nearest.zarr fice fice-nn.nc "$fice" hlat hlon
else
    skip "../shared/data/nc/geocat__fice.nc is absent"
fi

# ---- weights, extrapolation: a field without missing values -----------------
$PY - <<'EOF'
import numpy as np, netCDF4
with netCDF4.Dataset("ps.nc") as s, netCDF4.Dataset("psf.nc", "w") as d:
    for n, dim in s.dimensions.items():
        d.createDimension(n, len(dim))
    for n in ("time", "y", "x", "latitude", "longitude"):
        v = s[n]
        w = d.createVariable(n, v.dtype, v.dimensions)
        w.setncatts({k: v.getncattr(k) for k in v.ncattrs()})
        w[:] = v[:]
    f = d.createVariable("f", "f4", ("time", "y", "x"))
    f.coordinates = "latitude longitude"
    lat, lon = s["latitude"][:], np.radians(s["longitude"][:])
    f[:] = (lat + 10 * np.cos(lon))[None]
EOF
rg psf "psf.nc" --grid r720x360 --save-weights psf-w.nc
cdo -s -f nc remap,r720x360,psf-w.nc psf.nc psf-cdo-w.nc 2>psf.cdoerr
check "--save-weights: CDO takes them (no 'not used' warning)" \
    test ! -s psf.cdoerr
cmp "--save-weights: cdo remap with ours gives ours" cdo psf.zarr f \
    psf-cdo-w.nc 1e-6
cdo -s genbil,r720x360 psf.nc psf-genbil.nc 2>/dev/null
cdo_out psf-bil remapbil,r720x360 psf.nc
rg psf-their psf.nc --weights psf-genbil.nc
cmp "--weights from cdo genbil: CDO's remapbil" cdo psf-their.zarr f \
    psf-bil.nc 1e-6
cmp "an unmasked field: as CDO remapbil south of the pole's cells" cdo \
    psf.zarr f psf-bil.nc --below-lat=88.5
rg psf-ext psf.nc --grid r72x36 --method linear --extrapolate nearest
check "--extrapolate nearest: every target has a value" $PY -c '
import sys, numpy as np, xarray as xr
assert not np.isnan(xr.open_zarr(sys.argv[1]).f.values).any()
' psf-ext.zarr

# ---- 1/12 degree chlorophyll, 8-day composites with time_bnds -------------
# onto a daily 0.25 degree axis: area means skipping the cloud gaps, and
# each day the composite whose time_bnds hold it
nc2zarr -q "$S"/chl-12 -o chl12.zarr
$PY - <<'EOF'
import numpy as np, netCDF4
with netCDF4.Dataset("days12.nc", "w") as d:
    for n, c in (("time", np.arange(34.0)),
                 ("lat", np.arange(30.125, 40, 0.25)),
                 ("lon", np.arange(-129.875, -120, 0.25))):
        d.createDimension(n, len(c))
        v = d.createVariable(n, "f8", (n,))
        v.units = {"time": "days since 2020-01-01", "lat": "degrees_north",
                   "lon": "degrees_east"}[n]
        v[:] = c
EOF
rg chl12-days chl12.zarr --like days12.nc --time within \
    --method conservative --skipna
check "1/12 degree chl, --time within: each day its composite (time_bnds)" \
    $PY -c '
import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1]).chlor_a
s = xr.open_zarr(sys.argv[2])
assert a.shape == (34, 40, 40), a.shape
assert "time_bnds" in s and (s.time_bnds[:, 1] - s.time_bnds[:, 0] ==
                             np.timedelta64(8, "D")).all()
v = a.values
for d in range(32):
    assert np.array_equal(v[d], v[d // 8 * 8], equal_nan=True), d
    assert not np.array_equal(v[d], v[(d // 8 + 1) % 4 * 8],
                              equal_nan=True), d
assert np.isnan(v[32:]).all()
assert 0 < np.isnan(v[0]).sum() < v[0].size
' chl12-days.zarr chl12.zarr
griddes q12.grid 30.125 0.25 40 -129.875 0.25 40
cdo_out chl12-con-cdo remapcon,q12.grid -mergetime "$S"/chl-12/*.nc
rg chl12-con chl12.zarr --like days12.nc --method conservative --skipna
cmp "1/12 degree chl to 0.25 degree, conservative skipping clouds: as "\
"CDO remapcon" cdo chl12-con.zarr chlor_a chl12-con-cdo.nc 1e-6

# ---- which coordinates ------------------------------------------------------
# --dims may name the 2-D coordinates; a rectilinear grid that also
# carries 2-D latitude and longitude keeps its 1-D axes (separable
# weights, conservative allowed)
zregrid -n "$ps" --grid r72x36 --dims latitude,longitude >dims.txt 2>&1
check "--dims latitude,longitude: the 2-D coordinates" grep -q \
    "curvilinear latitude, longitude (y 112 x x 76)" dims.txt
$PY - <<'EOF'
import numpy as np, netCDF4
with netCDF4.Dataset("both.nc", "w") as d:
    d.createDimension("lat", 3)
    d.createDimension("lon", 4)
    for n, u, c in (("lat", "degrees_north", [0, 1, 2]),
                    ("lon", "degrees_east", [0, 1, 2, 3])):
        v = d.createVariable(n, "f8", (n,))
        v.units = u
        v[:] = c
    for n, u in (("lat2d", "degrees_north"), ("lon2d", "degrees_east")):
        v = d.createVariable(n, "f8", ("lat", "lon"))
        v.units = u
        v[:] = 0
    d.createVariable("v", "f4", ("lat", "lon"))[:] = 1
# for bad input: latitude and longitude on different dimensions
with netCDF4.Dataset("shapes.nc", "w") as d:
    d.createDimension("y", 3)
    d.createDimension("x", 4)
    d.createDimension("y2", 5)
    la = d.createVariable("lat", "f8", ("y", "x"))
    la.units = "degrees_north"
    lo = d.createVariable("lon", "f8", ("y2", "x"))
    lo.units = "degrees_east"
    v = d.createVariable("v", "f4", ("y", "x"))
    la[:] = 0
    lo[:] = 0
    v[:] = 1
EOF
zregrid -n both.nc --grid lat=0:2:0.5,lon=0:3:0.5 --method conservative \
    >both.txt 2>&1
check "1-D and 2-D coordinates: the 1-D ones" grep -q \
    "^grid: both.nc lat 3 (0 .. 2) x lon 4 (0 .. 3) -> " both.txt

# ---- bad input -----------------------------------------------------------
check_fail "conservative, a curvilinear source without corners: exit 1" 1 \
    "conservative regridding of a curvilinear source needs cell corners" \
    zregrid "$ps" --grid r72x36 --method conservative -o e.zarr
check_fail "2-D latitude and longitude of different shapes: exit 1" 1 \
    "shapes.nc: the 2-D latitude lat \(y, x\) and longitude lon \(y2, x\)"\
" are not on the same dimensions" \
    zregrid shapes.nc --grid r72x36 -o e.zarr
check "no output after a refusal" test ! -e e.zarr -a ! -e e.zarr.partial
done_testing
