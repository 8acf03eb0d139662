"""Stores opened with xarray and decoded in float64, for the zbatch and
zskill comparisons: missing values (_FillValue, missing_value) NaN,
_Unsigned and packing applied in double precision.  (xarray decodes
masked int16 in float32 arithmetic, one float32 ulp away from the
correctly rounded value that zstore computes.)"""
import os

import numpy as np
import xarray as xr


def open_raw(path):
    if os.path.isfile(path):
        return xr.open_dataset(path, mask_and_scale=False)
    return xr.open_zarr(path, mask_and_scale=False)


def decode64(ds):
    out = ds.copy()
    for k, v in ds.data_vars.items():
        if v.dtype.kind not in "iuf":
            continue
        a = v.attrs
        fill = v.encoding.get("_FillValue", a.get("_FillValue"))
        miss = a.get("missing_value")
        x = v.astype("float64")
        for m in (fill, miss):
            if m is not None:
                m = np.asarray(m).ravel()[0]
                x = x.where(~(v == m) & ~(np.isnan(m) & np.isnan(x)))
        if a.get("_Unsigned") == "true" and v.dtype.kind == "i":
            x = x % (2.0 ** (8 * v.dtype.itemsize))
        if "scale_factor" in a or "add_offset" in a:
            x = x * a.get("scale_factor", 1.0) + a.get("add_offset", 0.0)
        x.attrs = {n: val for n, val in a.items()
                   if n not in ("scale_factor", "add_offset",
                                "missing_value", "_FillValue")}
        out[k] = x
    return out


def open64(path):
    return decode64(open_raw(path))
