"""The xarray workflows zmean and zsel replace, on a Zarr store:
  xarray_ops.py mean STORE OUT   open_zarr(STORE).mean('time').to_zarr(OUT)
  xarray_ops.py box STORE OUT    .sel(latitude 20..60, longitude 230..300)
                                 .to_zarr(OUT), keeping the encoding
  xarray_ops.py compare A B      largest difference between the data
                                 variables of two stores, relative to the
                                 variable's largest magnitude (prints it)
  xarray_ops.py rechunk STORE OUT  open_zarr(STORE).chunk(time -1,
                                 latitude 32, longitude 32).to_zarr(OUT)
                                 with dask, as users rechunk with xarray
  xarray_ops.py interp STORE OUT  open_zarr(STORE).interp(latitude,
                                 longitude of a 1 degree grid).to_zarr(OUT)
  xarray_ops.py same A B         "yes" if the decoded values of every
                                 data variable are equal, else "NO"
  xarray_ops.py calc A B OUT     two stores, with dask: m = t2m - 273.15
                                 of A where u10 of B is at most 5 (NaN
                                 elsewhere), float32, to_zarr(OUT)
"""
import sys

import numpy as np
import xarray as xr

what, a, b = sys.argv[1:4]
if what == "calc":
    x = xr.open_zarr(a, consolidated=True)
    y = xr.open_zarr(b, consolidated=True)
    m = xr.where(y.u10 > 5, np.nan, x.t2m - 273.15).astype("float32")
    m.to_dataset(name="m").to_zarr(sys.argv[4], mode="w", consolidated=True)
elif what == "mean":
    ds = xr.open_zarr(a, consolidated=True)
    ds.mean("time").to_zarr(b, mode="w", consolidated=True)
elif what == "box":
    ds = xr.open_zarr(a, consolidated=True)
    lat = ds["latitude"].values
    sl = slice(60, 20) if lat[0] > lat[-1] else slice(20, 60)
    ds.sel(latitude=sl, longitude=slice(230, 300)).to_zarr(
        b, mode="w", consolidated=True)
elif what == "compare":
    x = xr.open_zarr(a, consolidated=True)
    y = xr.open_zarr(b, consolidated=True)
    worst = 0.0
    for v in x.data_vars:
        p = x[v].values.astype("f8")
        q = y[v].values.astype("f8")
        if p.shape != q.shape:
            print("shape differs for %s: %s %s" % (v, p.shape, q.shape))
            sys.exit(1)
        if not np.array_equal(np.isnan(p), np.isnan(q)):
            print("missing values differ for %s" % v)
            sys.exit(1)
        scale = np.nanmax(np.abs(q))
        d = np.nanmax(np.abs(p - q)) / (scale if scale > 0 else 1.0)
        worst = max(worst, float(d))
    print("%.3g" % worst)
elif what == "interp":
    ds = xr.open_zarr(a, consolidated=True)
    ds = ds.interp(latitude=np.arange(-89.5, 90, 1.0),
                   longitude=np.arange(0.0, 360, 1.0))
    for v in ds.variables.values():
        v.encoding.pop("chunks", None)
    ds.to_zarr(b, mode="w", consolidated=True)
elif what == "rechunk":
    ds = xr.open_zarr(a, consolidated=True)
    ds = ds.chunk({"time": -1, "latitude": 32, "longitude": 32})
    for v in ds.variables.values():
        v.encoding.pop("chunks", None)   # the new chunks, not the old
    ds.to_zarr(b, mode="w", consolidated=True)
elif what == "same":
    x = xr.open_zarr(a, consolidated=True)
    y = xr.open_zarr(b, consolidated=True)
    # variable by variable in numpy: dask's equals() across different
    # chunkings takes minutes and gigabytes
    ok = set(x.data_vars) == set(y.data_vars) and all(
        np.array_equal(x[v].values, y[v].values, equal_nan=True)
        for v in x.data_vars)
    print("yes" if ok else "NO")
else:
    sys.exit("unknown operation " + what)
