#!/bin/sh
# examples/era5-pipeline.sh (the ERA5 workshop as a shell pipeline) on
# the sample archive, every output against the xarray, xbatcher and
# xskillscore line it replaces: the store against open_mfdataset, the
# slice against .sel, the mean against .mean("time"), the time series
# against the store, the patches against xbatcher's BatchGenerator
# (compare_batch.py), the assembled predictions against the mean of the
# covering patches in numpy, the scores against xskillscore.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
ORA=${ZS_ORACLES:-$srcdir/../shared/oracles/python}
cd "$TMP" || exit 1

if [ ! -d "$ORA/xskillscore" ] || [ ! -d "$ORA/xbatcher" ]; then
    skip "xbatcher and xskillscore (../shared/oracles/python) are absent"
    done_testing
    exit
fi
ZS_ORACLES=$ORA
export ZS_ORACLES

if PYTHON=$PY sh "$srcdir/examples/era5-pipeline.sh" "$S/era5" work \
        > run.out 2> run.err; then
    ok "era5-pipeline.sh runs"
else
    not_ok "era5-pipeline.sh runs" "$(cat run.err)"
    done_testing
    exit
fi
check "the last step prints the scores as CSV" \
    grep -Eq '^u10_rmse,u10_me,u10_pearson_r$' run.out

check "the store, slice, mean and time series equal xarray's" \
    $PY - "$S/era5" work "$srcdir/tests/interop" <<'PYEOF'
import glob, sys, numpy as np, xarray as xr
src, w = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from decode64 import open64
nc = xr.open_mfdataset(sorted(glob.glob(src + "/*.nc")), combine="by_coords")
st = xr.open_zarr(w + "/era5.zarr")
for v in ("t2m", "u10", "v10", "msl"):
    assert st[v].encoding["chunks"] == (24, 31, 60), st[v].encoding["chunks"]
    np.testing.assert_array_equal(st[v].values, nc[v].values)
np.testing.assert_array_equal(st.time.values, nc.time.values)
box = xr.open_zarr(w + "/box.zarr")
want = nc.sel(latitude=slice(60, 30), longitude=slice(0, 40),
              time="2019-07-02")
assert box.t2m.shape == want.t2m.shape == (24, 6, 7), box.t2m.shape
for v in ("t2m", "msl"):
    np.testing.assert_array_equal(box[v].values, want[v].values)
mean = xr.open_zarr(w + "/mean.zarr")
# the files decoded in float64 (as zmean decodes them)
want = xr.concat([open64(p) for p in sorted(glob.glob(src + "/*.nc"))],
                 "time").mean("time")
for v in ("t2m", "u10", "v10", "msl"):
    np.testing.assert_allclose(mean[v].values, want[v].values, rtol=1e-6)
ser = xr.open_zarr(w + "/series.zarr")
for v in ("t2m", "msl"):
    assert ser[v].encoding["chunks"] == (72, 8, 8), ser[v].encoding["chunks"]
    np.testing.assert_array_equal(ser[v].values, st[v].values)
PYEOF

out=$($PY "$srcdir/tests/interop/compare_batch.py" work/era5.zarr \
      work/batches work/index.csv --input latitude=16,longitude=16 \
      --overlap latitude=4,longitude=4 --batch time=1 --vars t2m,msl \
      --target u10 2>&1)
case $out in
PASS*) ok "the patches equal xbatcher's BatchGenerator" ;;
*) not_ok "the patches equal xbatcher's BatchGenerator" "$out" ;;
esac

check "the predictions on the grid: the mean of the patches covering each point" \
    $PY - work <<'PYEOF'
import csv, sys, numpy as np, xarray as xr
w = sys.argv[1]
pred = np.load(w + "/pred.npy")
st = xr.open_zarr(w + "/era5.zarr")
times = [str(t)[:19] for t in st.time.values]
tot = np.zeros(st.u10.shape)
cnt = np.zeros(st.u10.shape)
for r in csv.DictReader(open(w + "/index.csv")):
    i = int(r["row"])
    t0, t1 = int(r["time_start"]), int(r["time_stop"])
    y0, y1 = int(r["latitude_start"]), int(r["latitude_stop"])
    x0, x1 = int(r["longitude_start"]), int(r["longitude_stop"])
    assert r["time"] == times[t0], (r["time"], times[t0])
    tot[t0:t1, y0:y1, x0:x1] += pred[i, 0]
    cnt[t0:t1, y0:y1, x0:x1] += 1
want = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
got = xr.open_zarr(w + "/pred.zarr").u10.values
assert np.array_equal(np.isnan(got), np.isnan(want))
assert np.isnan(got).sum() > 0 and (cnt > 1).sum() > 0
np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
PYEOF

# (the stores decoded in float64, as zskill decodes them: xarray decodes
# packed int16 in float32)
check "the scores equal xskillscore's" $PY - work "$srcdir/tests/interop" \
        <<'PYEOF'
import csv, os, sys, warnings, numpy as np, xarray as xr
sys.path.insert(0, os.environ["ZS_ORACLES"])
sys.path.insert(0, sys.argv[2])
warnings.simplefilter("ignore")
import xskillscore as xs
from decode64 import open64
w = sys.argv[1]
f = open64(w + "/pred.zarr").u10.load()
r = open64(w + "/era5.zarr").u10.load()
assert f.dtype == r.dtype == np.float64
sk = xr.open_zarr(w + "/skill.zarr")
np.testing.assert_allclose(sk.u10_rmse.values,
                           xs.rmse(f, r, dim="time", skipna=True).values,
                           rtol=1e-6, equal_nan=True)
np.testing.assert_allclose(sk.u10_pearson_r.values,
                           xs.pearson_r(f, r, dim="time", skipna=True).values,
                           rtol=1e-6, atol=1e-9, equal_nan=True)
row = next(csv.DictReader(open(w + "/skill.csv")))
for k, fn in (("rmse", xs.rmse), ("me", xs.me), ("pearson_r", xs.pearson_r)):
    want = float(fn(f, r, dim=None, skipna=True))
    got = float(row["u10_" + k])
    assert abs(got - want) <= 1e-6 * abs(want) + 1e-12, (k, got, want)
PYEOF

check "a usage error exits 2" sh -c \
    "! sh '$srcdir/examples/era5-pipeline.sh' only-one 2>/dev/null; \
     sh '$srcdir/examples/era5-pipeline.sh' only-one 2>/dev/null; [ \$? = 2 ]"
done_testing
