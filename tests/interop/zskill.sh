#!/bin/sh
# zskill against xskillscore (the peers' code, imported from
# ../shared/oracles/python) on the same stores decoded in float64
# (compare_skill.py): every metric, with and without --skipna, weights
# (coslat and a store's variable) and --dim, within 1e-6 relative; crps
# against crps_ensemble, --fair against Ferro's (2014) formula in numpy,
# acc against pearson_r of xarray's groupby anomalies, the uncentred acc
# against its formula; pearson_r and spearman_r against scipy; alignment by
# label; tiles, threads, --csv; bad input.
. "$srcdir/tests/lib/tap.sh"
py_serve
S=$top_builddir/data-samples/out
ORA=${ZS_ORACLES:-$srcdir/../shared/oracles/python}
CMP=$srcdir/tests/interop/compare_skill.py
cd "$TMP" || exit 1

if [ ! -d "$ORA/xskillscore" ]; then
    skip "xskillscore (../shared/oracles/python) is absent"
    done_testing
    exit
fi
ZS_ORACLES=$ORA
export ZS_ORACLES
if ! $PY -c 'import xarray, scipy, bottleneck, numba, xhistogram' \
     2>/dev/null && ! $PY -c 'import xarray, scipy, bottleneck, numba' \
     2>/dev/null; then
    skip "python3-xarray, -scipy, -bottleneck or -numba is missing"
    done_testing
    exit
fi

# scase NAME FORECAST REFERENCE ARGS...: zskill -o and xskillscore
scase() {
    name=$1 fc=$2 ref=$3; shift 3
    if ! zskill -q -f "$fc" -r "$ref" "$@" -o "$name.zarr" \
         2>"$name.err"; then
        not_ok "$name: zskill runs" "$(cat "$name.err")"
        return
    fi
    $PY "$CMP" "$name.zarr" "$fc" "$ref" "$@" >"$name.cmp" 2>&1
    if grep -q '^PASS' "$name.cmp"; then
        ok "$name: as xskillscore ($(sed -n 's/^PASS //p' "$name.cmp"))"
    else
        not_ok "$name: as xskillscore" "$(cat "$name.cmp")"
    fi
}

nc2zarr -q -c time=5,latitude=7,longitude=25 "$S"/era5/*.nc -o fc.zarr
# the reference: the forecast plus noise, with missing values elsewhere;
# an ensemble of 7 members with a few missing; weights over latitude and
# longitude
$PY - "$srcdir/tests/interop" <<'EOF' || not_ok "generated stores"
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, xarray as xr
from decode64 import open64
f = open64("fc.zarr")
rng = np.random.default_rng(5)
ref = f[["t2m", "msl", "u10"]].copy()
for v in ref.data_vars:
    s = float(np.nanstd(ref[v].values))
    x = ref[v].values + rng.normal(scale=0.3 * s, size=ref[v].shape)
    x[rng.random(x.shape) < 0.01] = np.nan
    ref[v] = (ref[v].dims, x.astype("float32"), f[v].attrs)
ref.chunk({"time": 12}).to_zarr("ref.zarr", mode="w")
ref.isel(time=slice(0, 48)).to_zarr("ref48.zarr", mode="w")
clean = ref.fillna(0.0)
clean.to_zarr("clean.zarr", mode="w")
ens = xr.Dataset(coords={d: f[d] for d in ("time", "latitude",
                                            "longitude")})
for v in ("t2m", "msl"):
    b = f[v].values
    s = float(np.nanstd(b))
    m = np.stack([b + rng.normal(scale=0.2 * s, size=b.shape)
                  for i in range(7)])
    m[rng.random(m.shape) < 0.005] = np.nan
    ens[v] = (("member",) + f[v].dims, m, f[v].attrs)
ens.chunk({"time": 24}).to_zarr("ens.zarr", mode="w")
ens.fillna(260.0).to_zarr("ens-clean.zarr", mode="w")
w = np.cos(np.deg2rad(f.latitude.values.astype("f8")))[:, None] * \
    (1 + 0.5 * np.sin(np.deg2rad(f.longitude.values)))[None, :]
xr.Dataset({"area": (("latitude", "longitude"), np.clip(w, 0, None))},
           coords={"latitude": f.latitude, "longitude": f.longitude}
           ).to_zarr("w.zarr", mode="w")
EOF

# ---- deterministic metrics ------------------------------------------------
for m in rmse mae mse me pearson_r spearman_r; do
    scase "$m-time-skipna" fc.zarr ref.zarr -M $m -d time --skipna
    scase "$m-time" fc.zarr ref.zarr -M $m -d time
    scase "$m-space-coslat" fc.zarr ref.zarr -M $m -d latitude,longitude \
        --weights coslat --skipna
    scase "$m-all-weights" fc.zarr ref.zarr -M $m --weights w.zarr:area \
        --skipna
done
scase several fc.zarr ref.zarr -M rmse,me,pearson_r -d time,longitude \
    --skipna --vars t2m,msl
scase clean-all fc.zarr clean.zarr -M rmse,mae,pearson_r,spearman_r \
    -d time,latitude --vars msl
# scipy: pearson_r and spearman_r of a few points' series
zskill -q -f fc.zarr -r clean.zarr -M pearson_r,spearman_r -d time \
    --vars msl -o sci.zarr || not_ok "zskill for scipy"
check "pearson_r and spearman_r equal scipy.stats' at every point" \
    $PY - "$srcdir/tests/interop" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, scipy.stats, xarray as xr
from decode64 import open64
f, r = open64("fc.zarr")["msl"].values, open64("clean.zarr")["msl"].values
z = xr.open_zarr("sci.zarr")
for i in range(f.shape[1]):
    for j in range(f.shape[2]):
        p = scipy.stats.pearsonr(f[:, i, j], r[:, i, j])[0]
        s = scipy.stats.spearmanr(f[:, i, j], r[:, i, j])[0]
        assert abs(z.msl_pearson_r.values[i, j] - p) <= 1e-6 * abs(p), (i, j)
        assert abs(z.msl_spearman_r.values[i, j] - s) <= 1e-6 * abs(s), (i, j)
EOF

# ---- crps -----------------------------------------------------------------
scase crps-skipna ens.zarr ref.zarr -M crps -d time --skipna --vars t2m,msl
scase crps-clean ens-clean.zarr clean.zarr -M crps -d time,latitude \
    --vars t2m,msl
scase crps-coslat ens-clean.zarr clean.zarr -M crps \
    -d latitude,longitude --weights coslat --vars t2m
scase crps-all ens.zarr ref.zarr -M crps --skipna --vars msl
scase crps-fair ens.zarr ref.zarr -M crps --fair -d time --skipna \
    --vars t2m,msl
scase crps-fair-nan ens.zarr ref.zarr -M crps --fair -d time --vars t2m
scase crps-nan ens.zarr ref.zarr -M crps -d time --vars msl
zskill -f ens.zarr -r ref.zarr -M crps -d time --skipna --vars msl \
    -o crps-count.zarr 2>crps-count.err || not_ok "crps with skipna"
check "crps --skipna: the missing members are counted" \
    grep -Eq '^zskill: warning: crps: [1-9][0-9]* missing members skipped' \
    crps-count.err

# ---- acc ------------------------------------------------------------------
zmean -q -g time.hour ref.zarr -o clim.zarr || not_ok "climatology"
scase acc-centred fc.zarr ref.zarr -M acc --clim clim.zarr -g time.hour \
    -d time --skipna
scase acc-space fc.zarr ref.zarr -M acc --clim clim.zarr -g time.hour \
    -d latitude,longitude --weights coslat --skipna
scase acc-uncentred fc.zarr ref.zarr -M acc --clim clim.zarr -g time.hour \
    -d time --uncentred --skipna
scase acc-uncentred-nan fc.zarr ref.zarr -M acc --clim clim.zarr \
    -g time.hour -d latitude --uncentred --vars t2m

# ---- alignment, inputs, tiles, threads, printing -------------------------
zsel -q --sel longitude=60:240 --sel latitude=40:-40 fc.zarr -o part.zarr
scase aligned part.zarr ref.zarr -M rmse,pearson_r -d time --skipna
zskill -f part.zarr -r ref.zarr -M rmse -d time --skipna -o warned.zarr \
    2>aligned.err || not_ok "aligned run"
check "the inner join of kept dimensions is said, per dimension" sh -c '
    grep -Eq "^zskill: warning: latitude: scored where both stores have a label: [0-9]+ of the forecast.s [0-9]+, of the reference.s [0-9]+$" aligned.err &&
    grep -q "^zskill: warning: longitude: scored where" aligned.err'
zskill -f fc.zarr -r ref.zarr -M rmse -d time --skipna -o same.zarr \
    2>same.err || not_ok "same labels"
check "no such warning when the labels are the same" \
    sh -c '! grep -q "scored where" same.err'
scase netcdf-forecast "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" \
    "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" -M rmse,me -d time
zskill -q -f fc.zarr -r ref.zarr -M rmse,spearman_r -d time --skipna \
    -m 2M -o tiles.zarr && zskill -q -f fc.zarr -r ref.zarr \
    -M rmse,spearman_r -d time --skipna -o one.zarr ||
    not_ok "tiled run"
check "a tight memory bound (tiles): the same scores" sh -c '
    zinfo --checksum tiles.zarr > a && zinfo --checksum one.zarr > b &&
    cmp a b && zskill -n -f fc.zarr -r ref.zarr -M spearman_r -d time -m 2M |
    grep -Eq "^tiles: ([2-9]|[1-9][0-9]+) "'
zskill -q -j 1 -f ens.zarr -r ref.zarr -M crps -d time --skipna \
    -o j1.zarr && zskill -q -j 2 -f ens.zarr -r ref.zarr -M crps -d time \
    --skipna -o j2.zarr || not_ok "threads"
check "-j 1 and -j 2: the same bytes" sh -c '
    zinfo --checksum j1.zarr > a && zinfo --checksum j2.zarr > b && cmp a b'
zskill -q -f fc.zarr -r ref.zarr -M rmse,me --skipna --csv > all.csv ||
    not_ok "--csv"
check "--csv of scalar scores: one row, as xskillscore" \
    $PY "$CMP" all.csv fc.zarr ref.zarr --metric rmse,me --skipna --csv
check_eq "--csv header" "msl_rmse,msl_me,t2m_rmse,t2m_me,u10_rmse,u10_me" \
    "$(head -1 all.csv)"
check "--print: a table with the labels" sh -c '
    zskill -f fc.zarr -r ref.zarr -M rmse -d time,longitude --skipna \
        --vars t2m --print > p.txt && test "$(wc -l < p.txt)" = 32 &&
    head -2 p.txt | tail -1 | grep -Eq "^ +90.0 +[0-9.]+$"'
check "the output: CF attributes and coordinates" $PY -c '
import xarray as xr
z = xr.open_zarr("rmse-time-skipna.zarr")
a = z.t2m.attrs
assert a["units"] == "K" and "root mean square error" in a["long_name"], a
assert z.t2m.dims == ("latitude", "longitude")
assert z.latitude.attrs.get("units") == "degrees_north"
'

# ---- bad input --------------------------------------------------------------
check_fail "reduced coordinates that differ" 1 \
    "time: the forecast has 72 labels, the reference 48" \
    zskill -f fc.zarr -r ref48.zarr -d time -o bad1.zarr
nc2zarr -q "$S"/era5/era5_sfc_2019-07-0[12].nc -o d12.zarr
nc2zarr -q "$S"/era5/era5_sfc_2019-07-0[23].nc -o d23.zarr
check_fail "reduced coordinates that differ: the first label named" 1 \
    "time: the forecast and the reference differ at index 0 \(2019-07-01T00:00:00 and 2019-07-02T00:00:00\)" \
    zskill -f d12.zarr -r d23.zarr -d time -o bad2.zarr
check_fail "a metric that does not exist" 2 \
    "invalid --metric: metrics: no metric 'rsme'" \
    zskill -f fc.zarr -r ref.zarr -M rsme -o bad3.zarr
check_fail "a dimension that does not exist" 1 \
    "dimensions to reduce: no dimension 'lat'" \
    zskill -f fc.zarr -r ref.zarr -d lat -o bad4.zarr
check_fail "crps without members" 1 "no member dimension 'member'" \
    zskill -f fc.zarr -r ref.zarr -M crps -o bad5.zarr
check_fail "an ensemble for rmse" 1 "dimension 'member' that the reference lacks" \
    zskill -f ens.zarr -r ref.zarr -M rmse -o bad6.zarr
check_fail "acc without a climatology" 1 "anomalies need a climatology" \
    zskill -f fc.zarr -r ref.zarr -M acc -o bad7.zarr
check_fail "coslat without latitude reduced" 1 \
    "no latitude among the reduced dimensions" \
    zskill -f fc.zarr -r ref.zarr --weights coslat -d time -o bad8.zarr
check_fail "spearman_r beyond the memory bound" 1 \
    "spearman_r keeps every value reduced" \
    zskill -f fc.zarr -r ref.zarr -M spearman_r -m 1M -o bad9.zarr
check_fail "a store that does not exist" 1 "nothere.zarr" \
    zskill -f nothere.zarr -r ref.zarr -o bad10.zarr
check "no output from the failures" \
    sh -c '! ls -d bad* 2>/dev/null | grep -q .'

done_testing
