"""Compare NetCDF input(s) with a Zarr store written by nc2zarr, using only
independent readers: xarray (decoded), netCDF4 and python3-zarr (raw).

Usage: compare_nc_zarr.py STORE NC [NC...] [--unpack]
With several NC files they are opened with xarray.open_mfdataset (by
coordinates).  Prints one line per check: "PASS what", "FAIL what: why" or
"SKIP what: why".

Known, documented difference (zstore(5)): attribute values that are NaN or
infinite are written as the strings "NaN", "Infinity", "-Infinity", since
JSON has no literal for them; they are turned back into floats here
before comparing.
"""
import math
import sys
import warnings

import numpy as np
import xarray as xr

warnings.simplefilter("ignore")
args = [a for a in sys.argv[1:] if not a.startswith("--")]
unpack = "--unpack" in sys.argv
store, ncs = args[0], args[1:]
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def say(status, what, why=""):
    print("%s %s%s" % (status, what, ": " + why if why else ""))
    sys.stdout.flush()


def unspecial(v):
    if isinstance(v, str) and v in SPECIAL:
        return SPECIAL[v]
    if isinstance(v, list):
        return [unspecial(x) for x in v]
    return v


def fix_attrs(ds):
    for var in [ds] + [ds[k] for k in ds.variables]:
        var.attrs = {k: unspecial(v) for k, v in var.attrs.items()}
    return ds


def groups(path):
    import netCDF4
    out = []

    def walk(g, prefix):
        out.append(prefix)
        for name, sub in g.groups.items():
            walk(sub, (prefix + "/" if prefix else "") + name)
    with netCDF4.Dataset(path) as d:
        walk(d, "")
    return out


def decoded(group):
    what = "decoded values, dims, coords and attrs%s" % (
        " of group " + group if group else "")
    kw = {"group": group} if group else {}
    try:
        if len(ncs) == 1:
            a = xr.open_dataset(ncs[0], **kw).load()
        else:
            a = xr.open_mfdataset(ncs, combine="by_coords", **kw).load()
    except Exception as e:
        say("SKIP", what, "xarray cannot open the NetCDF input (%s)"
            % str(e).splitlines()[0][:80])
        return
    b = fix_attrs(xr.open_zarr(store, consolidated=True, **kw).load())
    # xarray hides group attributes named _NC* when reading Zarr (they are
    # NCZarr's); compare those through python3-zarr instead
    hidden = {k: v for k, v in a.attrs.items() if k.startswith("_NC")}
    for k in hidden:
        del a.attrs[k]
    if hidden:
        import zarr
        za = zarr.open_consolidated(store, mode="r")
        za = za[group] if group else za
        got = {k: za.attrs.get(k) for k in hidden}
        same = all(np.array_equal(np.asarray(hidden[k]), np.asarray(got[k]))
                   for k in hidden)
        say("PASS" if same else "FAIL", "_NC* group attributes kept%s" %
            (" in " + group if group else ""), "" if same else str(got))
    if unpack:
        unpacked(a, b, what)
        return
    try:
        xr.testing.assert_identical(a, b)
        say("PASS", what)
    except AssertionError as e:
        say("FAIL", what, str(e).replace("\n", " | ")[:1500])


def exact_decode(name):
    """float32 of the exactly decoded values: raw * scale + offset in
    float64 with fill and missing values as NaN, file by file (numpy)."""
    parts = []
    for path in ncs:
        r = xr.open_dataset(path, decode_cf=False)[name]
        x = r.values.astype("float64")
        miss = np.zeros(x.shape, bool)
        for k in ("_FillValue", "missing_value"):
            if k in r.attrs:
                miss |= r.values == np.asarray(r.attrs[k]).ravel()[0]
        y = x * r.attrs.get("scale_factor", 1.0) + r.attrs.get("add_offset",
                                                               0.0)
        y[miss] = np.nan
        t = xr.open_dataset(path)["time"].values
        parts.append((t[0], y.astype("float32")))
    parts.sort(key=lambda p: p[0])
    return np.concatenate([p[1] for p in parts])


def unpacked(a, b, what):
    """nc2zarr --unpack: float32 of the exact decoding.  xarray decodes
    masked int16 in float32 arithmetic, so its values may differ from
    ours by an ulp of the packing's range (cancellation near zero): they
    must agree to 1e-6 relative to that range."""
    for k, v in a.data_vars.items():
        if v.encoding.get("scale_factor") is None:
            continue
        mine = b[k].values
        exact = exact_decode(k)
        same = mine.dtype == np.float32 and np.array_equal(
            mine, exact, equal_nan=True)
        say("PASS" if same else "FAIL",
            "%s: --unpack values are float32 of the exact decoding" % k)
        try:
            scale = 1e-6 * float(np.nanmax(np.abs(v.values)))
            np.testing.assert_allclose(mine, v.values, rtol=1e-6,
                                       atol=scale)
            say("PASS", "%s: --unpack values within 1e-6 of xarray's" % k)
        except AssertionError as e:
            say("FAIL", "%s: --unpack values within 1e-6 of xarray's" % k,
                str(e).replace("\n", " | ")[:500])
        b[k] = b[k].astype(v.dtype)
        b[k].values = v.values
    try:
        xr.testing.assert_identical(a, b)
        say("PASS", what + " (values aside)")
    except AssertionError as e:
        say("FAIL", what + " (values aside)",
            str(e).replace("\n", " | ")[:1500])


def raw_values(group):
    import netCDF4
    import zarr
    z = zarr.open_consolidated(store, mode="r")
    if group:
        z = z[group]
    with netCDF4.Dataset(ncs[0]) as d:
        g = d[group] if group else d
        for name, v in g.variables.items():
            what = "raw values of %s%s" % (group + "/" if group else "", name)
            if name not in z:
                say("SKIP", what, "not in the store (unsupported type)")
                continue
            v.set_auto_maskandscale(False)
            try:
                a = v[...]
            except Exception as e:
                say("SKIP", what, "netCDF4 cannot read it (%s)" % e)
                continue
            if np.ma.isMaskedArray(a):
                a = a.filled()
            b = z[name][...]
            a = np.asarray(a)
            if a.dtype.kind == "O" or b.dtype.kind == "O":
                same = a.shape == b.shape and all(
                    (x or "") == (y or "") for x, y in
                    zip(a.ravel().tolist(), b.ravel().tolist()))
            elif a.dtype.kind == "S":
                same = a.shape == b.shape and a.tobytes() == b.tobytes()
            else:
                same = (a.shape == b.shape and a.dtype == b.dtype and
                        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
            if same:
                say("PASS", what)
            else:
                say("FAIL", what, "netCDF4 %s %s vs zarr %s %s" %
                    (a.dtype, a.shape, b.dtype, b.shape))


for g in groups(ncs[0]):
    decoded(g)
    if len(ncs) == 1 and not unpack:
        raw_values(g)
