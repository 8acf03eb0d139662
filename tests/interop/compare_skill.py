"""zskill's scores against xskillscore (the peers' code in
../shared/oracles/python) on the same stores.

Usage: compare_skill.py OURS FORECAST REFERENCE --metric M[,M...]
       [--dim D,...] [--weights coslat|STORE:VAR] [--skipna]
       [--member-dim DIM] [--fair] [--clim STORE --groupby time.KEY]
       [--uncentred] [--vars A,B] [--csv FILE]

OURS is the store zskill wrote (or, with --csv, the CSV it printed).
The stores are decoded in float64 (decode64.py); forecast and reference
are aligned by label on the kept dimensions (inner join); each metric is
xskillscore's function (crps: crps_ensemble; me: mean of forecast minus
reference; acc: pearson_r of the anomalies from the climatology, as
xarray's groupby arithmetic makes them; --uncentred and --fair: the
published formulas in numpy), and must equal ours within 1e-6 relative,
NaN where NaN.  Prints PASS or FAIL with the largest differences.
"""
import argparse
import csv
import os
import sys
import warnings

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("ZS_ORACLES") or
                os.path.join(HERE, "../../../shared/oracles/python"))
sys.path.insert(0, HERE)
import xskillscore as xs  # noqa: E402
from decode64 import open64  # noqa: E402

warnings.simplefilter("ignore")


def weights_for(a, dims, spec):
    """Weights over exactly the reduced dims, as xskillscore wants."""
    if not spec:
        return None
    template = a.isel({d: 0 for d in a.dims if d not in dims}, drop=True)
    if spec == "coslat":
        lat = "latitude" if "latitude" in a.dims else "lat"
        w = np.cos(np.deg2rad(a[lat].astype("float64")))
    else:
        store, var = spec.rsplit(":", 1)
        w = open64(store)[var].load()
    return w.broadcast_like(template).transpose(*template.dims)


def fair_crps(obs, ens, member, dims, skipna):
    """Ferro (2014): mean |x_i - y| - sum |x_i - x_j| / (2 M (M - 1))."""
    x = ens.transpose(member, ...).values
    y = obs.transpose(*ens.transpose(member, ...).dims[1:]).values
    m = np.sum(~np.isnan(x), axis=0).astype(float)
    e = np.nansum(np.abs(x - y[None]), axis=0) / m
    d = np.nansum(np.abs(x[:, None] - x[None, :]), axis=(0, 1))
    c = e - d / (2 * m * (m - 1))
    c[np.isnan(y) | (m < 2)] = np.nan
    if not skipna:
        c[np.isnan(x).any(axis=0)] = np.nan
    da = xr.DataArray(c, dims=ens.transpose(member, ...).dims[1:],
                      coords={k: v for k, v in obs.coords.items()
                              if k in obs.dims})
    return da.mean(dims, skipna=skipna)


def uncentred(fa, ra, dims, w, skipna):
    w = 1.0 if w is None else w
    ok = ~(np.isnan(fa) | np.isnan(ra))
    if skipna:
        fa, ra = fa.where(ok), ra.where(ok)
    num = (w * fa * ra).sum(dims, skipna=skipna)
    den = np.sqrt((w * fa * fa).sum(dims, skipna=skipna) *
                  (w * ra * ra).sum(dims, skipna=skipna))
    return num / den


def expected(m, f, r, a):
    dims = a.dim.split(",") if a.dim else list(r.dims)
    w = weights_for(r, dims, a.weights)
    if m == "crps":
        if a.fair:
            return fair_crps(r, f, a.member_dim, dims, a.skipna)
        c = xs.crps_ensemble(r, f, member_dim=a.member_dim, dim=dims,
                             weights=w)
        if not a.skipna:
            # properscoring always skips missing members and xarray's
            # mean missing points; without --skipna zskill's result is
            # NaN there, as xskillscore's _keep_nans_masked would make it
            bad = f.isnull().any([a.member_dim] + dims) | \
                r.isnull().any(dims)
            c = c.where(~bad)
        return c
    if m == "acc":
        c = open64(a.clim)[r.name].load()
        key = a.groupby
        fa = (f.groupby(key) - c).drop_vars(key.split(".")[1],
                                             errors="ignore")
        ra = (r.groupby(key) - c).drop_vars(key.split(".")[1],
                                             errors="ignore")
        if a.uncentred:
            return uncentred(fa, ra, dims, w, a.skipna)
        return xs.pearson_r(fa, ra, dim=dims, weights=w, skipna=a.skipna)
    fn = getattr(xs, m)
    return fn(f, r, dim=dims, weights=w, skipna=a.skipna)


def read_csv(path, names):
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    return {n: np.array([float(x[n]) if x[n] != "" else np.nan
                         for x in rows]) for n in names}, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("forecast")
    ap.add_argument("reference")
    ap.add_argument("-M", "--metric", default="rmse")
    ap.add_argument("-d", "--dim")
    ap.add_argument("--weights")
    ap.add_argument("--skipna", action="store_true")
    ap.add_argument("--member-dim", default="member")
    ap.add_argument("--fair", action="store_true")
    ap.add_argument("--clim")
    ap.add_argument("-g", "--groupby")
    ap.add_argument("--uncentred", action="store_true")
    ap.add_argument("--vars")
    ap.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    F, R = open64(a.forecast).load(), open64(a.reference).load()
    metrics = a.metric.split(",")
    names = a.vars.split(",") if a.vars else \
        [v for v in R.data_vars if v in F.data_vars]
    problems, n = [], 0
    ours = None if a.csv else xr.open_zarr(a.ours)
    for v in names:
        f, r = F[v], R[v]
        kept = [d for d in r.dims if a.dim and d not in a.dim.split(",")]
        if kept:
            f, r = xr.align(f, r, join="inner", exclude=[
                d for d in r.dims if d not in kept] + [a.member_dim])
        for m in metrics:
            name = v if len(metrics) == 1 else "%s_%s" % (v, m)
            want = expected(m, f, r, a)
            if a.csv:
                vals, rows = read_csv(a.ours, [name])
                got = vals[name].reshape(want.shape)
            else:
                g = ours[name]
                want = want.sel({d: g[d].values for d in g.dims})
                got = g.transpose(*want.dims).values
            want = np.asarray(want.values, dtype="float64")
            n += want.size
            nan_g, nan_w = np.isnan(got), np.isnan(want)
            if got.shape != want.shape:
                problems.append("%s: shape %s, xskillscore %s"
                                % (name, got.shape, want.shape))
                continue
            if not np.array_equal(nan_g, nan_w):
                problems.append("%s: NaN at %d points, xskillscore %d"
                                % (name, nan_g.sum(), nan_w.sum()))
                continue
            ok = ~nan_w
            scale = np.abs(want[ok]) if ok.any() else np.zeros(1)
            diff = np.abs(got[ok] - want[ok])
            rel = diff / np.maximum(scale, 1e-12)
            # a result near zero (a bias) is compared to its inputs' size
            bad = (rel > 1e-6) & (diff > 1e-9 * max(1.0, scale.max()))
            if bad.any():
                problems.append("%s: %d of %d differ, largest relative %g"
                                % (name, bad.sum(), ok.sum(), rel.max()))
    if problems:
        print("FAIL")
        print("\n".join(problems))
        return 1
    print("PASS %d values of %s" % (n, ",".join(metrics)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
