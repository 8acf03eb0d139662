"""Compare a store written by zsel with xarray doing the same selection.

Usage: compare_sel.py OURS SOURCE EXPRESSION
SOURCE is opened with xarray (open_zarr for stores, open_dataset for
NetCDF); EXPRESSION is Python evaluated with `ds` bound to it, giving the
expected Dataset.  Helpers available: relabel(ds, lo) puts longitudes in
[lo, lo + 360) by rolling the axis (what zsel does across the seam).
The history attribute (zsel adds a line) is not compared.  Prints PASS
or FAIL lines.
"""
import sys
import warnings

import numpy as np
import xarray as xr

warnings.simplefilter("ignore")
ours, src, expr = sys.argv[1:4]


def open_any(p):
    if p.endswith(".nc"):
        return xr.open_dataset(p)
    return xr.open_zarr(p, consolidated=True)


def relabel(d, lo, name="longitude"):
    lon = d[name]
    new = lo + np.mod(lon.values.astype("float64") - lo, 360.0)
    order = np.argsort(new, kind="stable")
    d = d.isel({name: order})
    return d.assign_coords({name: (name, new[order].astype(lon.dtype),
                                   lon.attrs)})


ds = open_any(src)
want = eval(expr).load()
got = open_any(ours).load()
want.attrs.pop("history", None)
got.attrs.pop("history", None)
try:
    xr.testing.assert_identical(want, got)
    print("PASS %s" % expr)
except AssertionError as e:
    print("FAIL %s: %s" % (expr, str(e).replace("\n", " | ")[:1200]))
