"""Check a zplot PNG against matplotlib: every pixel of the map area.

compare_plot.py PNG STORE VAR [--sel DIM=VALUE] [--vmin X] [--vmax X]
    [--robust] [--log] [--cmap NAME] [--scale K] [--raw] [--limits LO HI]

The expected colours are matplotlib's: Normalize (or LogNorm) of the
decoded values (float64) with the limits zplot should choose (explicit,
numpy.nanpercentile 2 and 98 with --robust, else the data's extremes;
RdBu_r without limits centred at 0), then cmap(..., bytes=True); missing
values (and values <= 0 with --log) grey (153, 153, 153).  The map is
at (0, 0) with --raw, else at (80, 40), scale x scale pixels a cell,
latitude growing upward, longitude to the right.
"""
import argparse
import sys

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import xarray as xr
from PIL import Image

GREY = (153, 153, 153)
LAND = (210, 180, 140)


def decoded(da, invalid=False):
    """CF decoding in float64 as zplot does it: raw * scale + offset,
    _FillValue and missing_value missing, _Unsigned bytes as unsigned
    (xarray would keep float32 for a float32 scale, and then the values
    are not the same).  invalid: values outside the valid range and the
    flag values missing too, and the flag meaning "land" as 2."""
    raw = da.values
    v = raw.astype(np.float64)
    bad = np.isnan(v)
    for key in ("_FillValue", "missing_value"):
        if key in da.attrs:
            bad |= raw == np.asarray(da.attrs[key]).astype(raw.dtype)
    unsigned = str(da.attrs.get("_Unsigned", "")).lower() == "true"
    scale = np.float64(da.attrs.get("scale_factor", 1.0))
    offset = np.float64(da.attrs.get("add_offset", 0.0))
    packed = "scale_factor" in da.attrs or "add_offset" in da.attrs

    def dec(x):
        x = np.asarray(x, dtype=np.float64)
        if unsigned:
            x = np.where(x < 0, x + 2.0 ** (8 * raw.dtype.itemsize), x)
        return x * scale + offset if packed else x
    v = dec(v)
    land = np.zeros(v.shape, bool)
    if invalid:
        lo, hi = -np.inf, np.inf
        if "valid_range" in da.attrs:
            lo, hi = sorted(dec(da.attrs["valid_range"]))
        lo = dec(da.attrs["valid_min"]) if "valid_min" in da.attrs else lo
        hi = dec(da.attrs["valid_max"]) if "valid_max" in da.attrs else hi
        flags = dec(np.atleast_1d(da.attrs.get("flag_values", [])))
        words = str(da.attrs.get("flag_meanings", "")).split()
        if "land" in words:
            land = (v == flags[words.index("land")]) & ~bad
        bad |= (v < lo) | (v > hi) | np.isin(v, flags)
    v[bad] = np.nan
    v[land] = 2       # not a value: drawn as land
    return da.copy(data=v), land


def pick(text):
    """A label of --sel: a number, else text (a time)."""
    try:
        return float(text)
    except ValueError:
        return text


def field(args, store=None, var=None):
    store = store or args.store
    ds = xr.open_dataset(store, mask_and_scale=False,
                         engine=None if store.endswith(".nc") else "zarr")
    da, land = decoded(ds[var or args.var], args.mask_invalid)
    da = da.copy(data=np.where(land, np.inf, da.values))
    for s in args.sel:
        dim, val = s.split("=")
        if dim in da.dims:
            da = da.sel({dim: pick(val)}, method="nearest")
    da = da.squeeze()
    y = [d for d in da.dims if d.startswith("lat")][0]
    x = [d for d in da.dims if d.startswith("lon")][0]
    da = da.transpose(y, x).sortby(y, ascending=False).sortby(x)
    return da.values.astype(np.float64)


def counts(a):
    """Counts per bin as an image: x to the right, y upward."""
    def values(spec):
        store, var = spec.split(":") if ":" in spec else (a.store, spec)
        ds = xr.open_dataset(store, mask_and_scale=False, engine="zarr")
        ds = ds.sel({d: pick(v) for d, v in (s.split("=") for s in a.sel)
                     if d in ds.dims}, method="nearest")
        return decoded(ds[var], a.mask_invalid)[0].values.ravel()
    x = values(a.hist2d[0])
    y = values(a.hist2d[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        if a.logx:
            x = np.where(x > 0, np.log10(x), np.nan)
        if a.logy:
            y = np.where(y > 0, np.log10(y), np.nan)
    k = ~np.isnan(x) & ~np.isnan(y)
    h, _, _ = np.histogram2d(x[k], y[k], bins=int(a.hist2d[2]))
    h = h.T[::-1].copy()
    h[h == 0] = np.nan
    return h


def limits(a, v):
    ok = np.isfinite(v) & ((v > 0) if a.log else True)
    vals = v[ok]
    if a.robust:
        lo, hi = np.percentile(vals, [2.0, 98.0])
    else:
        lo, hi = vals.min(), vals.max()
    if a.cmap == "RdBu_r" and a.vmin is None and a.vmax is None \
            and not a.log:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    lo = a.vmin if a.vmin is not None else lo
    hi = a.vmax if a.vmax is not None else hi
    return float(lo), float(hi)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("png")
    p.add_argument("store")
    p.add_argument("var")
    p.add_argument("--sel", action="append", default=[])
    p.add_argument("--vmin", type=float)
    p.add_argument("--vmax", type=float)
    p.add_argument("--robust", action="store_true")
    p.add_argument("--log", action="store_true")
    p.add_argument("--cmap", default="viridis")
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--raw", action="store_true")
    p.add_argument("--at", nargs=2, type=int, help="map corner (x, y)")
    p.add_argument("--mask", help="STORE:VAR, land (> 0.5) drawn tan")
    p.add_argument("--mask-invalid", action="store_true",
                   help="valid range and flags missing, land flags tan")
    p.add_argument("--logx", action="store_true", help="hist2d: log10 x")
    p.add_argument("--logy", action="store_true", help="hist2d: log10 y")
    p.add_argument("--hist2d", nargs=3, metavar=("X", "Y", "BINS"),
                   help="numpy.histogram2d counts of X and Y ([STORE:]VAR; "
                   "VAR is ignored), log scale, empty bins white")
    p.add_argument("--limits", nargs=2, type=float,
                   help="check that zplot --plan printed these")
    a = p.parse_args()
    v = counts(a) if a.hist2d else field(a)
    flagged = np.isposinf(v)          # land flags (--mask-invalid)
    v[flagged] = np.nan
    if a.hist2d:
        a.log = True
    lo, hi = limits(a, v)
    if a.limits and (a.limits[0] != lo or a.limits[1] != hi):
        sys.exit("limits %r %r, numpy says %r %r" % (a.limits[0],
                                                      a.limits[1], lo, hi))
    norm = mcolors.LogNorm(lo, hi) if a.log else mcolors.Normalize(lo, hi)
    n = norm(v)
    want = matplotlib.colormaps[a.cmap](n, bytes=True)[..., :3].copy()
    bad = ~np.isfinite(np.ma.filled(n, np.nan))
    want[bad] = (255, 255, 255) if a.hist2d else GREY
    want[flagged] = LAND
    if a.mask:
        land = field(a, *a.mask.split(":")) > 0.5
        want[land] = LAND
    want = np.repeat(np.repeat(want, a.scale, axis=0), a.scale, axis=1)
    img = np.asarray(Image.open(a.png).convert("RGB"))
    x0, y0 = a.at if a.at else (0, 0) if a.raw else (80, 40)
    h, w = want.shape[:2]
    got = img[y0:y0 + h, x0:x0 + w]
    if got.shape != want.shape:
        sys.exit("map area %r, wanted %r (image %r)" % (got.shape,
                                                        want.shape,
                                                        img.shape))
    diff = np.any(got != want, axis=2)
    if diff.any():
        ys, xs = np.nonzero(diff)
        sys.exit("%d of %d pixels differ; first at row %d col %d: %r, "
                 "matplotlib %r (value %r)" % (
                     diff.sum(), diff.size, ys[0], xs[0],
                     got[ys[0], xs[0]].tolist(),
                     want[ys[0], xs[0]].tolist(),
                     v[ys[0] // a.scale, xs[0] // a.scale]))
    if a.raw and img.shape[:2] != want.shape[:2]:
        sys.exit("raw image %r, map %r" % (img.shape, want.shape))
    print("%d pixels equal matplotlib's (%s, %s %r .. %r, %d missing)" % (
        diff.size, a.cmap, "log" if a.log else "linear", lo, hi,
        int(bad.sum())))


main()
