"""Write N NetCDF-4 files of NREC hourly records each, in time order,
on a NY x NX grid: a float variable "a" and a packed int16 "p" (scale
0.01, offset 100) with a few fill values.  Files are fK.nc, K zero-padded
to the width of N.  Usage: mk_nc_series.py N NREC NY NX SEED"""
import sys

import netCDF4
import numpy as np

n, nrec, ny, nx, seed = (int(a) for a in sys.argv[1:6])
rng = np.random.default_rng(seed)
width = len(str(n))
for f in range(n):
    d = netCDF4.Dataset("f%0*d.nc" % (width, f), "w")
    d.createDimension("time", None)
    d.createDimension("y", ny)
    d.createDimension("x", nx)
    t = d.createVariable("time", "f8", ("time",))
    t.units = "hours since 2000-01-01 00:00:00"
    t[:] = np.arange(nrec) + nrec * f
    y = d.createVariable("y", "f4", ("y",))
    y[:] = np.arange(ny)
    x = d.createVariable("x", "f4", ("x",))
    x[:] = np.arange(nx) * 0.5
    a = d.createVariable("a", "f4", ("time", "y", "x"))
    a.units = "K"
    a[:] = rng.standard_normal((nrec, ny, nx)).astype("f4")
    p = d.createVariable("p", "i2", ("time", "y", "x"), fill_value=-32767)
    p.scale_factor = 0.01
    p.add_offset = 100.0
    p.set_auto_maskandscale(False)
    v = rng.integers(-30000, 30000, (nrec, ny, nx)).astype("i2")
    v[:, 1:2, 1:3] = -32767
    p[:] = v
    d.close()
