"""Checks of zregrid outputs against CDO and xarray (tests/interop/zregrid.sh).

Usage:
  compare_regrid.py cdo OURS VAR CDO_OUT [RTOL] [--skip-lon=L]
                    [--below-lat=L]
      our VAR equals CDO's (read with netCDF4, missing values masked):
      missing in the same places, values within RTOL (default 1e-5)
      relative, at least one value compared; --skip-lon: not at target
      longitude L (repeatable); --below-lat: only south of latitude L.
  compare_regrid.py cdo-nn OURS VAR CDO_OUT SOURCE LAT LON [--skip-lon=L]
      nearest from a source whose centres are LAT, LON (1-D or 2-D) in
      the NetCDF file SOURCE: our VAR equals CDO's remapnn except at
      ties, targets with two centres equally near (1e-6 relative), where
      each of ours and CDO's (value or missing) must be one of the tied
      centres' values (SOURCE's VAR read with netCDF4: _FillValue and
      valid_range masked).  Prints how many ties differ.
  compare_regrid.py xarray OURS VAR SOURCE METHOD [--lon180]
      our VAR equals xarray's interp of SOURCE onto our coordinates
      (method linear or nearest) wherever xarray gives a value (1e-5
      relative); --lon180: the source's longitudes are -180..180, so the
      target's are moved there first (xarray does not wrap).  Prints how
      many points xarray left NaN (beyond its last longitude: the seam)
      and how many of them are NaN in ours (zregrid.sh checks the seam).
  compare_regrid.py mean OURS VAR SOURCE
      the area-weighted mean (exact cell areas, sin(lat) differences)
      of our VAR equals the source's within 1e-6 relative.
  compare_regrid.py attrs OURS VAR KEY=VALUE...
      attributes of VAR (KEY dtype: the array's dtype); "KEY=" absent.
Exits 1 with a message on a mismatch.
"""
import sys
import warnings

import numpy as np
import xarray as xr

warnings.simplefilter("ignore")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ours(path):
    return xr.open_zarr(path, consolidated=True)


def source(path):
    if path.endswith(".nc") or "/nc/" in path:
        return xr.open_dataset(path)
    return xr.open_zarr(path, consolidated=True)


def horiz(da):
    """The last two dimensions: latitude, longitude."""
    return da.dims[-2], da.dims[-1]


def close(a, b, rtol, what):
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    if a.shape != b.shape:
        fail("%s: shapes %s and %s" % (what, a.shape, b.shape))
    na, nb = np.isnan(a), np.isnan(b)
    if (na != nb).any():
        i = np.argwhere(na != nb)[0]
        fail("%s: missing differs first at %s: ours %r, theirs %r (%d "
             "places)" % (what, tuple(i), a[tuple(i)], b[tuple(i)],
                          (na != nb).sum()))
    ok = ~na
    if not ok.any():
        fail("%s: nothing to compare" % what)
    err = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-30)
    if err.max() > rtol:
        i = np.argmax(err)
        fail("%s: relative difference %.3g at %r vs %r" %
             (what, err.max(), a[ok][i], b[ok][i]))
    print("ok %s: %d values, %d missing, max rel diff %.2g" %
          (what, ok.sum(), na.sum(), err.max()))


def cmd_cdo(path, var, cdo, *rest):
    import netCDF4
    skip = [float(a[11:]) for a in rest if a.startswith("--skip-lon=")]
    below = [float(a[12:]) for a in rest if a.startswith("--below-lat=")]
    rest = [a for a in rest if not a.startswith("--")]
    rtol = rest[0] if rest else "1e-5"
    o = ours(path)[var]
    with netCDF4.Dataset(cdo) as d:
        v = d.variables[var]
        v.set_auto_maskandscale(True)
        c = np.ma.filled(v[:].astype("float64"), np.nan)
        lat = d.variables[v.dimensions[-2]][:]
    a = o.values
    oy = o[horiz(o)[0]].values
    if len(lat) > 1 and (lat[1] - lat[0]) * (oy[1] - oy[0]) < 0:
        c = c[..., ::-1, :]
    a = a.reshape(c.shape) if a.size == c.size else a
    keep = ~np.isin(o[horiz(o)[1]].values, skip)
    if below:
        south = oy < below[0]
        a, c = a[..., south, :], c[..., south, :]
    close(a[..., keep], c[..., keep], float(rtol), "%s vs CDO" % var)


def unit(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo),
                     np.sin(la)], -1)


def nearest8(pts, q):
    """Distances and indices of the 8 nearest of pts to each of q."""
    try:
        from scipy.spatial import cKDTree
        return cKDTree(pts).query(q, k=8)
    except ImportError:   # all pairs, a few targets at a time
        d, n = np.empty((len(q), 8)), np.empty((len(q), 8), int)
        for a in range(0, len(q), 64):
            e = np.sqrt(((q[a:a + 64, None, :] - pts[None]) ** 2).sum(-1))
            k = np.argsort(e, axis=1, kind="stable")[:, :8]
            n[a:a + 64] = k
            d[a:a + 64] = np.take_along_axis(e, k, axis=1)
        return d, n


def cmd_cdo_nn(path, var, cdo, src, latname, lonname, *rest):
    import netCDF4
    skip = [float(a[11:]) for a in rest if a.startswith("--skip-lon=")]
    o = ours(path)[var]
    with netCDF4.Dataset(cdo) as d:
        c = np.ma.filled(d.variables[var][:].astype("float64"), np.nan)
    with netCDF4.Dataset(src) as d:
        la = np.asarray(d.variables[latname][:], "float64")
        lo = np.asarray(d.variables[lonname][:], "float64")
        v = np.ma.filled(d.variables[var][:].astype("float64"), np.nan)
    if la.ndim == 1:
        la, lo = np.meshgrid(la, lo, indexing="ij")
    pts = unit(la.ravel(), lo.ravel())
    v = v.reshape(-1, pts.shape[0])
    a = o.values.astype("float64").reshape(c.shape)
    ty, tx = o[horiz(o)[0]].values, o[horiz(o)[1]].values
    na, nb = np.isnan(a), np.isnan(c)
    bad = (na != nb) | (~na & ~nb & (np.abs(a - c) > 1e-5 * np.abs(c)))
    bad = bad.reshape(-1, len(ty), len(tx))
    bad[..., np.isin(tx, skip)] = False
    where = np.argwhere(bad.any(axis=0))
    dist, near = nearest8(pts, unit(ty[where[:, 0]], tx[where[:, 1]]))
    a3, c3 = a.reshape(bad.shape), c.reshape(bad.shape)
    for n, (j, i) in enumerate(where):
        tied = near[n][dist[n] <= dist[n][0] * (1 + 1e-6) + 1e-12]
        if len(tied) < 2:
            fail("%s vs CDO: (%g, %g) differs and is no tie" %
                 (var, ty[j], tx[i]))
        for t in range(bad.shape[0]):
            cand = v[t % v.shape[0], tied]
            for x in (a3[t, j, i], c3[t, j, i]):
                if not (np.isnan(cand) if np.isnan(x) else
                        np.abs(cand - x) <= 1e-5 * np.abs(x)).any():
                    fail("%s vs CDO: (%g, %g) is a tie, but %r is none of "
                         "its centres' %r" % (var, ty[j], tx[i], x, cand))
    keep = ~bad.any(axis=0) & ~np.isin(tx, skip)[None, :]
    close(a.reshape(bad.shape)[:, keep], c.reshape(bad.shape)[:, keep],
          1e-5, "%s vs CDO (but ties)" % var)
    print("ok %d targets are ties that CDO resolves otherwise" % len(where))


def cmd_xarray(path, var, src, method, *flags):
    o = ours(path)[var]
    s = source(src)[var]
    y, x = horiz(o)
    sy, sx = horiz(s)
    ty, tx = o[y].values, o[x].values
    if "--lon180" in flags:
        tx = (tx + 180.0) % 360.0 - 180.0
    e = s.astype("float64").interp({sy: ty, sx: tx}, method=method)
    e = e.values.reshape(o.shape)
    a = o.values.astype("float64")
    seen = ~np.isnan(e)
    close(np.where(seen, a, np.nan), e, 1e-5, "%s vs xarray %s" %
          (var, method))
    print("ok xarray NaN at %d points, ours NaN at %d of them" %
          ((~seen).sum(), np.isnan(a[~seen]).sum()))


def areas(lat, lon):
    """Exact cell areas of a rectilinear grid (edges halfway, clipped)."""
    def edges(c, clip):
        m = (c[1:] + c[:-1]) / 2
        e = np.concatenate([[2 * c[0] - m[0]], m, [2 * c[-1] - m[-1]]])
        return np.clip(e, -90, 90) if clip else e
    ey, ex = edges(lat, True), edges(lon, False)
    wy = np.abs(np.diff(np.sin(np.radians(ey))))
    wx = np.abs(np.diff(ex))
    return wy[:, None] * wx[None, :]


def cmd_mean(path, var, src):
    o = ours(path)[var]
    s = source(src)[var]
    y, x = horiz(o)
    sy, sx = horiz(s)
    a = o.values.astype("float64").reshape(o.shape[-2:])
    b = s.values.astype("float64").reshape(s.shape[-2:])
    wa = areas(o[y].values.astype("float64"), o[x].values.astype("float64"))
    wb = areas(s[sy].values.astype("float64"),
               s[sx].values.astype("float64"))
    ma = np.nansum(a * wa) / np.sum(wa * ~np.isnan(a))
    mb = np.nansum(b * wb) / np.sum(wb * ~np.isnan(b))
    if abs(ma - mb) > 1e-6 * abs(mb):
        fail("area mean %r, source's %r" % (ma, mb))
    print("ok area mean %r, source's %r" % (ma, mb))


def cmd_attrs(path, var, *pairs):
    v = ours(path)[var]
    for p in pairs:
        k, want = p.split("=", 1)
        got = str(v.dtype) if k == "dtype" else v.attrs.get(k)
        if want == "" and got is not None:
            fail("%s: %s=%r, wanted none" % (var, k, got))
        if want != "" and str(got) != want:
            fail("%s: %s=%r, wanted %r" % (var, k, got, want))
    print("ok attributes of %s" % var)


cmds = {"cdo": cmd_cdo, "cdo-nn": cmd_cdo_nn, "xarray": cmd_xarray,
        "mean": cmd_mean, "attrs": cmd_attrs}
if len(sys.argv) < 2 or sys.argv[1] not in cmds:
    fail(__doc__)
cmds[sys.argv[1]](*sys.argv[2:])
