"""zcalc's results against numpy and xarray computing the same thing.

    compare_calc.py make DIR            write the synthetic inputs
    compare_calc.py ops OUT A.nc        every operator and function
    compare_calc.py join OUT A.nc B.nc  the inner join, as xarray's
    compare_calc.py time OUT C.nc       month, dayofyear, hour (cftime)
    compare_calc.py coords OUT A.nc     lat, lon, coslat, gridarea
    compare_calc.py dtype OUT A.nc      --dtype int8 and bool
    compare_calc.py same OUT1 OUT2      two outputs hold the same values

Missing values: numpy compares NaN as false; zcalc's comparisons and
logic give missing, so the oracle masks them explicitly.
"""
import sys

import numpy as np
import xarray as xr


def fail(msg):
    print(msg)
    sys.exit(1)


def make(d):
    import netCDF4
    rng = np.random.default_rng(14)
    nt, ny, nx = 20, 6, 8

    def axes(ds, n, start=0, cal=None, units="days since 2020-01-01"):
        ds.createDimension("time", n)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = units
        if cal:
            t.calendar = cal
        t[:] = np.arange(start, start + n, dtype="f8")
        y = ds.createVariable("lat", "f4", ("lat",))
        y.units = "degrees_north"
        y[:] = np.linspace(-75, 75, ny)
        x = ds.createVariable("lon", "f4", ("lon",))
        x.units = "degrees_east"
        x[:] = np.arange(nx) * 45.0

    a = netCDF4.Dataset(f"{d}/a.nc", "w")
    axes(a, nt)
    sst = a.createVariable("sst", "f4", ("time", "lat", "lon"),
                           fill_value=np.float32(-999))
    sst.units = "degC"
    sst.long_name = "sea surface temperature"
    v = rng.uniform(-2, 30, (nt, ny, nx)).astype("f4")
    m = rng.uniform(size=v.shape) < 0.1
    sst[:] = np.ma.masked_array(v, m)
    ice = a.createVariable("ice", "i2", ("time", "lat", "lon"),
                           fill_value=np.int16(-1))
    ice.scale_factor = np.float32(0.01)
    ice.add_offset = np.float32(0)
    ice.units = "1"
    raw = rng.integers(0, 101, (nt, ny, nx)).astype("i2")
    raw[rng.uniform(size=raw.shape) < 0.1] = -1
    ice.set_auto_maskandscale(False)
    ice[:] = raw
    clim = a.createVariable("clim", "f4", ("lat", "lon"))
    clim[:] = rng.uniform(0, 25, (ny, nx)).astype("f4")
    a.close()

    # three of a's days, in other units
    b = netCDF4.Dataset(f"{d}/b.nc", "w")
    axes(b, 3, start=24 * 5, units="hours since 2020-01-01")
    b["time"][:] = [24 * 5, 24 * 6, 24 * 7]
    conc = b.createVariable("conc", "i2", ("time", "lat", "lon"),
                            fill_value=np.int16(-1))
    conc.scale_factor = np.float32(0.01)
    conc.add_offset = np.float32(0)
    conc.set_auto_maskandscale(False)
    conc[:] = rng.integers(0, 101, (3, ny, nx)).astype("i2")
    b.close()

    # a noleap calendar, six-hourly over a year end and February
    c = netCDF4.Dataset(f"{d}/c.nc", "w")
    axes(c, 40, cal="noleap", units="hours since 2019-12-20 03:00")
    c["time"][:] = np.arange(40) * 6.0 * 7
    f = c.createVariable("f", "f4", ("time", "lat", "lon"))
    f[:] = rng.uniform(size=(40, ny, nx)).astype("f4")
    c.close()

    import json
    with open(f"{d}/regions.geojson", "w") as f:
        json.dump(REGIONS, f)


REGIONS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"name": "ring with a hole"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[-60.3, -50.2], [30.7, -50.2], [30.7, 50.1], [-60.3, 50.1],
              [-60.3, -50.2]],
             [[-20.4, -10.6], [10.2, -10.6], [10.2, 20.3], [-20.4, 20.3],
              [-20.4, -10.6]]]}},
        {"type": "Feature", "properties": {"name": "two triangles"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[100.1, 10.3], [170.6, 10.3], [135.2, 70.7], [100.1, 10.3]]],
             [[[-170.2, -80.4], [-100.6, -80.4], [-135.1, -20.2],
               [-170.2, -80.4]]]]}},
    ]}


def miss(*a):
    m = np.zeros(np.broadcast(*a).shape, bool)
    for x in a:
        m |= np.isnan(x)
    return m


def cmpop(f, *a):
    a = np.broadcast_arrays(*a)
    return np.where(miss(*a), np.nan, f(*a).astype("f8"))


def check(out, name, want, rtol=1e-6, atol=1e-6):
    got = out[name].values.astype("f8")
    want = np.asarray(want, "f8")
    if got.shape != want.shape:
        fail(f"{name}: shape {got.shape}, want {want.shape}")
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        k = np.argwhere(np.isnan(got) != np.isnan(want))[0]
        fail(f"{name}: missing differs at {tuple(k)}: {got[tuple(k)]} "
             f"vs {want[tuple(k)]}")
    ok = ~np.isnan(want)
    if not np.allclose(got[ok], want[ok], rtol=rtol, atol=atol):
        k = np.argmax(np.where(ok, np.abs(got - want), 0))
        fail(f"{name}: differs, e.g. {got.flat[k]} vs {want.flat[k]}")


def ops(out, a):
    o = xr.open_zarr(out)
    d = xr.open_dataset(a)
    s = d.sst.values.astype("f8")
    i = d.ice.values.astype("f8")
    cl = d.clim.values.astype("f8")
    with np.errstate(all="ignore"):
        want = {
            "add": s + i, "sub": s - i, "mul": s * i, "div": s / i,
            "pw": s ** 2, "negpw": -(s ** 2), "anom": s - cl,
            "lt": cmpop(np.less, s, 10), "le": cmpop(np.less_equal, s, 10),
            "gt": cmpop(np.greater, s, 10),
            "ge": cmpop(np.greater_equal, s, 10),
            "eq": cmpop(np.equal, np.round(s), 10),
            "ne": cmpop(np.not_equal, np.round(s), 10),
            "and": cmpop(lambda x, y: (x > 5) & (y > 0.2), s, i),
            "or": cmpop(lambda x, y: (x > 25) | (y > 0.9), s, i),
            "not": cmpop(lambda x: ~(x > 5), s),
            "cond": np.where(np.isnan(s), np.nan, np.where(s > 10, s, i)),
            "ab": np.abs(s - 15), "sq": np.sqrt(s), "ex": np.exp(s / 10),
            "lg": np.log(s), "lg10": np.log10(s),
            "mn": np.minimum(s, i * 30), "mx": np.maximum(s, i * 30),
            "pw2": np.power(s, 0.5), "cl": np.clip(s, 5, 20),
            "isn": np.isnan(s).astype("f8"),
            "wh": np.where(np.nan_to_num(s, nan=0) > 10, s, 0),
            # a missing condition makes ?: missing (xr.where says false)
            "mask": np.where(np.isnan(i), np.nan,
                             np.where(i > 0.5, np.nan, s)),
            "prec": 2.0 ** 3 ** 2 + s * 0, "ar": 1 + 2 * 3 - 4 / 2 + s * 0,
            "u": s * 2 + 1,
            # ?: to the right, && before ||
            "nt": np.where(np.isnan(s), np.nan,
                           np.where(s > 20, 2, np.where(s > 10, 1, 0))),
            "lo": cmpop(lambda x, y: (x > 25) | ((x > 5) & (y > 0.5)), s, i),
            "un": s + 1,
            # a constant on the left, a missing constant, constants in ?:
            "lc": cmpop(lambda x: 10 < x, s), "sl": 20 - s, "dl": 100 / s,
            "ml": np.minimum(10, s), "al": cmpop(lambda x: (x > 10) & 1, s),
            "nadd": s + np.nan, "ncmp": cmpop(np.less, s, np.nan),
            "nmx": np.maximum(np.nan, s), "nc": np.where(np.isnan(i), np.nan,
                                                         np.where(i > 0.5, 3, -1)),
            "kc": s * 0 + 4, "kw": np.where(np.nan_to_num(s, nan=0) > 10, 1, i),
            "neg": s * 0 + -3,
        }
    for k, v in want.items():
        check(o, k, v)
    if "_t" in o:
        fail("_t: a temporary was written")
    for k in ("anom", "add", "u"):
        if o[k].dtype != np.float32:
            fail(f"{k}: {o[k].dtype}, want float32 (float32 and packed "
                 "float32 inputs)")
    if o.anom.dims != ("time", "lat", "lon"):
        fail(f"anom: dims {o.anom.dims}")
    if o.attrs.get("history", "").find("zcalc") < 0:
        fail("no history")
    if o.anom.attrs.get("long_name") != "sst - clim":
        fail(f"anom long_name {o.anom.attrs}")
    print(f"{len(want)} results equal numpy's")


def join(out, a, b):
    o = xr.open_zarr(out)
    da = xr.open_dataset(a)
    db = xr.open_dataset(b)
    want = da.sst * db.conc          # xarray's silent inner join
    if o.time.size != 3 or want.time.size != 3:
        fail(f"time: {o.time.size} steps, xarray {want.time.size}")
    if not (o.time.values == want.time.values).all():
        fail("time labels differ from xarray's")
    check(o, "p", want.transpose(*o.p.dims).values)
    print("inner join: 3 steps, equal to xarray's")


def time(out, c):
    o = xr.open_zarr(out, use_cftime=True)
    t = xr.open_dataset(c, use_cftime=True).time
    check(o, "mo", t.dt.month.values, 0, 0)
    check(o, "doy", t.dt.dayofyear.values, 0, 0)
    check(o, "hr", t.dt.hour.values, 0, 0)
    print(f"month, dayofyear, hour equal cftime's ({t.size} noleap times)")


def coords(out, a):
    o = xr.open_zarr(out)
    d = xr.open_dataset(a)
    lat = d.lat.values.astype("f8")
    lon = d.lon.values.astype("f8")
    check(o, "cl", np.cos(np.deg2rad(lat)))
    check(o, "yx", lat[:, None] + 0 * lon[None, :] + lon[None, :] / 1000)
    # cells halfway between centres, a half step out at the ends, clipped
    e = np.concatenate([[lat[0] - (lat[1] - lat[0]) / 2],
                        (lat[1:] + lat[:-1]) / 2,
                        [lat[-1] + (lat[-1] - lat[-2]) / 2]]).clip(-90, 90)
    dl = np.deg2rad(np.full(lon.size, 45.0))
    r = 6371000.0
    area = r * r * np.abs(np.diff(np.sin(np.deg2rad(e))))[:, None] * dl
    check(o, "ga", area, rtol=1e-9)
    if (o.ga.attrs.get("units"), o.ga.attrs.get("standard_name")) != \
            ("m2", "cell_area"):
        fail(f"gridarea attributes {o.ga.attrs}")
    if o.yx.attrs.get("long_name") != "lat + lon / 1000":
        fail(f"yx attributes {o.yx.attrs}")
    print("coslat, lat+lon, gridarea equal numpy's; attributes")


def cdoarea(out, cdofile):
    """CDO's cells have great-circle edges, ours parallels: on a 1 degree
    grid they agree to 1e-4; both cover the sphere exactly."""
    o = xr.open_zarr(out)
    if o.ga.dtype != np.float64:
        fail(f"gridarea alone is {o.ga.dtype}, want float64 by default")
    want = xr.open_dataset(cdofile).cell_area
    check(o, "ga", want.values, rtol=1e-4)
    sphere = 4 * np.pi * 6371000.0 ** 2
    if abs(float(o.ga.sum()) / sphere - 1) > 1e-12:
        fail(f"gridarea sums to {float(o.ga.sum())}, not 4 pi R^2")
    print("gridarea equals cdo gridarea to 1e-4, sums to 4 pi R^2")


def dtype(out, a):
    o = xr.open_zarr(out, mask_and_scale=False)
    d = xr.open_dataset(a)
    s = d.sst.values
    if o.b.dtype != np.bool_ or o.i8.dtype != np.int8:
        fail(f"types {o.b.dtype} {o.i8.dtype}")
    want_b = np.nan_to_num(s, nan=0) > 10
    if not (o.b.values == want_b).all():
        fail("bool differs")
    want_i = np.where(np.isnan(s), -128, np.rint(s)).astype("i1")
    if not (o.i8.values == want_i).all():
        fail("int8 differs")
    if o.i8.attrs.get("_FillValue") != -128:
        fail(f"int8 fill {o.i8.attrs}")
    print("bool and int8 results as numpy casts them")


def udunits(frm, to):
    """The affine map the udunits2 program gives for two values."""
    import re
    import subprocess
    ys = []
    for x in (0, 1):
        r = subprocess.run(["udunits2", "-H", f"{x} {frm}", "-W", to],
                           capture_output=True, text=True, check=True)
        m = re.search(r"=\s*(\S+)\s", r.stdout)
        if not m:
            fail(f"udunits2 said: {r.stdout} {r.stderr}")
        ys.append(float(m.group(1)))
    return ys[1] - ys[0], ys[0]


def units(out, a):
    o = xr.open_zarr(out)
    d = xr.open_dataset(a)
    s = d.sst.values.astype("f8")
    i = d.ice.values.astype("f8")
    ak, bk = udunits("degC", "K")
    ap, bp = udunits("1", "%")
    af, bf = udunits("K", "degF")
    check(o, "k", ak * s + bk, rtol=1e-9)
    # xarray decodes the packed ice in float32
    check(o, "pct", ap * i + bp, rtol=1e-6)
    check(o, "sum", (ak * s + bk) + (ap * i + bp), rtol=1e-6)
    check(o, "f", af * (ak * s + bk) + bf, rtol=1e-6)
    for k, u in (("k", "K"), ("f", "degF")):
        if o[k].attrs.get("units") != u:
            fail(f"{k}: units {o[k].attrs.get('units')}, want {u}")
    if "units" in o["sum"].attrs:
        fail("sum: units of a sum of two quantities claimed")
    print("sst in K, ice in %, a result in degF: as the udunits2 program")


def inside(out, src):
    """matplotlib's point-in-polygon, holes taken out, longitudes in
    -180..180."""
    from matplotlib.path import Path
    o = xr.open_zarr(out)
    d = xr.open_dataset(src)
    lon = (d.lon.values.astype("f8") + 180) % 360 - 180
    lat = d.lat.values.astype("f8")
    X, Y = np.meshgrid(lon, lat)
    pts = np.column_stack([X.ravel(), Y.ravel()])
    want = np.zeros(pts.shape[0], bool)
    for f in REGIONS["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" \
            else g["coordinates"]
        for rings in polys:
            inp = Path(rings[0]).contains_points(pts)
            for hole in rings[1:]:
                inp &= ~Path(hole).contains_points(pts)
            want |= inp
    want = want.reshape(X.shape)
    check(o, "m", want, 0, 0)
    # dimensions in order of appearance: (lat, lon) first, as xarray's
    if o.sm.dims != ("lat", "lon", "time", "zlev"):
        fail(f"sm: dims {o.sm.dims}")
    check(o.isel(time=0, zlev=0), "sm",
          np.where(want, d.sst.values[0, 0], np.nan), 1e-6)
    print(f"inside(): {int(want.sum())} of {want.size} cells, as "
          "matplotlib's contains_points")


def cdoexpr(out, cdofile):
    """cdo expr: ternaries, comparisons and logic with missing values
    (missing in CDO too), max, abs, a masked anomaly, clat."""
    o = xr.open_zarr(out)
    c = xr.open_dataset(cdofile)
    for k in ("c", "lt", "an", "mx", "ab", "m"):
        check(o, k, c[k].transpose(*o[k].dims).values, rtol=1e-6)
    y = c.y.values
    check(o, "y", y.reshape(-1, y.shape[-1])[:, 0] if y.ndim > 1 else y)
    print("ternary, comparisons, logic, max, abs, masking, clat equal "
          "cdo expr's (missing values included)")


def same(x, y):
    a = xr.open_zarr(x)
    b = xr.open_zarr(y)
    for k in a.data_vars:
        if a[k].dtype != b[k].dtype:
            fail(f"{k}: {a[k].dtype} and {b[k].dtype}")
        check(b, k, a[k].values, 0, 0)
    print(f"{len(a.data_vars)} variables identical")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"make": make, "ops": ops, "join": join, "time": time,
     "coords": coords, "cdoarea": cdoarea, "dtype": dtype,
     "same": same, "units": units, "inside": inside,
     "cdoexpr": cdoexpr}[cmd](*args)
