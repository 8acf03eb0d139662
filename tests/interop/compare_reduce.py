"""Compare a store written by zmean with xarray doing the same reduction.

Usage: compare_reduce.py OURS SOURCE EXPRESSION [--exact] [--dims=D1,D2]
SOURCE is a Zarr store (or NetCDF file) opened with xarray; packed and
masked variables are decoded in float64 (xarray itself decodes masked
int16 in float32 arithmetic, which loses precision near zero), then
EXPRESSION is evaluated with `ds` bound to that dataset, and `np` to
numpy, giving the expected Dataset.  Every data variable of the result
must match ours: within 1e-6 relative (or exactly with --exact: min, max,
count), same dims, same coordinates.  Variables of SOURCE that have none
of the reduced dimensions (--dims=, default time) are left out: zmean
carries them unchanged where xarray broadcasts or counts them.  There
must be at least one data variable to compare, and ours must have no
variable that is neither in the expected result nor such a carried one.
Variable attributes are compared too: EXPRESSION runs with keep_attrs,
so the expected ones are the input's less its packing attributes, except
cell_methods and history (tested on their own); for counts (an
expression with .count(), the CF number_of_observations form: units "1",
standard_name "S number_of_observations", a comment); for anomalies (an
expression with " - ") a comment.  Prints PASS/FAIL lines.
"""
import sys
import warnings

import numpy as np
import xarray as xr

warnings.simplefilter("ignore")
args = [a for a in sys.argv[1:] if not a.startswith("--")]
exact = "--exact" in sys.argv
dims = ["time"]
for a in sys.argv:
    if a.startswith("--dims="):
        dims = a[7:].split(",")
ours, src, expr = args[:3]


def open_raw(p):
    if p.endswith(".nc"):
        return xr.open_dataset(p, mask_and_scale=False)
    return xr.open_zarr(p, consolidated=True, mask_and_scale=False)


def decode64(ds):
    """CF decoding in float64: masked values NaN, packing applied."""
    out = ds.copy()
    for k, v in ds.data_vars.items():
        if v.dtype.kind not in "iuf":
            continue
        a = v.attrs
        enc = v.encoding
        fill = enc.get("_FillValue", a.get("_FillValue"))
        miss = a.get("missing_value")
        x = v.astype("float64")
        for m in (fill, miss):
            if m is not None:
                x = x.where(v != np.asarray(m).ravel()[0])
        if a.get("_Unsigned") == "true" and v.dtype.kind == "i":
            x = x % (2.0 ** (8 * v.dtype.itemsize))
        if "scale_factor" in a or "add_offset" in a:
            x = x * a.get("scale_factor", 1.0) + a.get("add_offset", 0.0)
        x.attrs = {n: val for n, val in a.items()
                   if n not in ("scale_factor", "add_offset",
                                "missing_value", "_FillValue")}
        out[k] = x
    return out


ds = decode64(open_raw(src))
with xr.set_options(keep_attrs=True):
    want = eval(expr)
count = ".count(" in expr
anomaly = " - " in expr
# zmean drops the bounds of coordinates it reduces (time_bnds of time):
# they would not describe the new coordinate; an anomaly keeps the time
# coordinate and its bounds, unchanged (xarray subtracts their means)
kept_bounds = set()
for c in ds.coords:
    b = ds[c].attrs.get("bounds", ds[c].encoding.get("bounds"))
    if b in want.data_vars:
        want = want.drop_vars(b)
    if b and anomaly:
        kept_bounds.add(b)
got = xr.open_zarr(ours, consolidated=True)
bad = []
carried = set(k for k in ds.variables if not set(dims) & set(ds[k].dims))
extra = (set(got.variables) - set(want.variables) - carried -
         kept_bounds)
if extra:
    bad.append("unexpected variables %s" % sorted(extra))


def same_value(x, y):
    try:
        return bool(np.array_equal(np.asarray(x), np.asarray(y)))
    except (TypeError, ValueError):
        return False


def check_attrs(k, w, g):
    ignore = {"cell_methods", "history", "_Unsigned", "valid_min",
              "valid_max", "valid_range"}
    e = {n: v for n, v in w.attrs.items() if n not in ignore}
    o = {n: v for n, v in g.attrs.items() if n not in ignore}
    if count:
        e["units"] = "1"
        if "standard_name" in e:
            e["standard_name"] += " number_of_observations"
        e["comment"] = o.get("comment", "")
        if not e["comment"].startswith("number of non-missing values"):
            bad.append("%s: count comment %r" % (k, e["comment"]))
    elif anomaly:
        e["comment"] = o.get("comment", "")
        if not e["comment"].startswith("anomaly from the mean of each"):
            bad.append("%s: anomaly comment %r" % (k, e["comment"]))
    if set(e) != set(o) or not all(same_value(e[n], o[n]) for n in e):
        diff = sorted(n for n in set(e) | set(o)
                      if n not in e or n not in o or
                      not same_value(e[n], o[n]))
        bad.append("%s: attributes differ: %s" % (k, "; ".join(
            "%s: %r vs %r" % (n, e.get(n), o.get(n)) for n in diff)))


compared = 0
for k, w in want.data_vars.items():
    if k in ds and not set(dims) & set(ds[k].dims):
        continue
    if k not in got:
        bad.append("%s missing" % k)
        continue
    g = got[k]
    compared += 1
    check_attrs(k, w, g)
    if tuple(g.dims) != tuple(w.dims):
        bad.append("%s dims %s != %s" % (k, g.dims, w.dims))
        continue
    for c in w.coords:
        if c in w.dims and not np.array_equal(np.asarray(w[c].values),
                                              np.asarray(g[c].values)):
            bad.append("%s: coordinate %s differs: %s vs %s" % (
                k, c, w[c].values[:5], g[c].values[:5]))
    a = np.asarray(w.values, dtype="float64")
    b = np.asarray(g.values, dtype="float64")
    if a.shape != b.shape:
        bad.append("%s shape %s != %s" % (k, b.shape, a.shape))
    elif exact:
        if not np.array_equal(a.astype(g.dtype), b.astype(g.dtype),
                              equal_nan=True):
            bad.append("%s not exact (max diff %g)" % (
                k, np.nanmax(np.abs(a - b))))
    else:
        scale = np.where(np.isfinite(a), np.abs(a), 0)
        # relative to each value, and to the variable's magnitude for
        # values near zero (a spread of identical values is 0 here, 1e-11
        # in numpy's two-pass computation)
        floor = 1e-9 * (np.nanmax(scale) if scale.size else 0)
        err = np.abs(a - b) > 1e-6 * scale + floor + 1e-30
        nan_mismatch = np.isnan(a) != np.isnan(b)
        if (err & ~np.isnan(a)).any() or nan_mismatch.any():
            i = np.nanargmax(np.where(np.isnan(a), 0, np.abs(a - b) /
                                      np.maximum(scale, 1e-300)))
            bad.append("%s: relative error %g at %d (%r vs %r), NaN "
                       "mismatches %d" % (k, np.abs(a - b).ravel()[i] /
                                          max(scale.ravel()[i], 1e-300), i,
                                          a.ravel()[i], b.ravel()[i],
                                          int(nan_mismatch.sum())))
if not compared:
    bad.append("no data variable to compare")
print(("FAIL %s: %s" % (expr, "; ".join(bad)[:1500])) if bad else
      "PASS %s" % expr)
