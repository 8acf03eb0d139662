"""The peers' side of bench/batch.sh.

  xskill_ops.py rmse FORECAST REFERENCE OUT   xskillscore.rmse over time
      with dask (stores opened with open_zarr, rechunked to whole time
      series as xskillscore's apply_ufunc needs), result to_zarr
  xskill_ops.py rmse64 FORECAST REFERENCE OUT the same on values decoded
      in float64 (tests/interop/decode64.py), for the correctness check
  xskill_ops.py batches STORE OUTDIR [HOURS]  iterate xbatcher's
      BatchGenerator over open_zarr (32x32 patches, overlap 4, one time
      step per batch, both variables) and np.save each batch
  xskill_ops.py compare-rmse OURS THEIRS      largest relative difference
  xskill_ops.py compare-batches X.npy OUTDIR N  the first N batches equal

The oracles come from ../shared/oracles/python (ZS_ORACLES overrides).
"""
import os
import sys
import warnings

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("ZS_ORACLES") or
                os.path.join(HERE, "../../shared/oracles/python"))
warnings.simplefilter("ignore")


def rmse(fc, ref, out):
    import dask
    import xskillscore as xs
    chunks = {"time": -1, "latitude": 64, "longitude": 1440}
    f = xr.open_zarr(fc).chunk(chunks)
    r = xr.open_zarr(ref).chunk(chunks)
    with dask.config.set(scheduler="threads"):
        xs.rmse(f, r, dim="time").to_zarr(out, mode="w")


def rmse64(fc, ref, out):
    import dask
    import xskillscore as xs
    sys.path.insert(0, os.path.join(HERE, "../tests/interop"))
    from decode64 import open64
    chunks = {"time": -1, "latitude": 32, "longitude": 1440}
    f = open64(fc).chunk(chunks)
    r = open64(ref).chunk(chunks)
    with dask.config.set(scheduler="threads"):
        xs.rmse(f[["t2m", "u10"]], r[["t2m", "u10"]],
                dim="time").to_zarr(out, mode="w")


def batches(store, outdir, hours=None):
    import xbatcher
    ds = xr.open_zarr(store)
    if hours:
        ds = ds.isel(time=slice(0, int(hours)))
    gen = xbatcher.BatchGenerator(ds[["t2m", "u10"]],
                                  input_dims={"latitude": 32,
                                              "longitude": 32},
                                  input_overlap={"latitude": 4,
                                                 "longitude": 4},
                                  batch_dims={"time": 1})
    os.makedirs(outdir, exist_ok=True)
    for i, b in enumerate(gen):
        x = np.stack([b["t2m"].values, b["u10"].values], axis=1)
        np.save(os.path.join(outdir, "%06d.npy" % i), x)
    print(len(gen))


def compare_rmse(ours, theirs):
    a, b = xr.open_zarr(ours), xr.open_zarr(theirs)
    worst = 0.0
    for v in b.data_vars:
        x, y = a[v].values, b[v].values
        ok = ~np.isnan(y)
        worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]) /
                                        np.abs(y[ok]))))
    print("%.3g" % worst)


def compare_batches(x, outdir, n):
    X = np.load(x, mmap_mode="r")
    for i in range(int(n)):
        b = np.load(os.path.join(outdir, "%06d.npy" % i))
        # xbatcher's batch is (time 1, variable, latitude, longitude);
        # zbatch's sample (variable, time 1, latitude, longitude);
        # xarray decodes int16 in float32 arithmetic: a few float32 ulps
        # of the offset off
        a, c = X[i][:, 0], b[0]
        tol = 4 * np.finfo("f4").eps * np.nanmax(np.abs(c), axis=(1, 2))
        if not np.all((np.abs(a - c) <= tol[:, None, None]) |
                      (np.isnan(a) & np.isnan(c))):
            print("batch %d differs" % i)
            return 1
    print("same")
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1].replace("-", "_")
    sys.exit(globals()[cmd](*sys.argv[2:]))
