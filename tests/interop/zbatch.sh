#!/bin/sh
# zbatch against xbatcher's BatchGenerator (the peers' code, imported from
# ../shared/oracles/python): for a grid of input, overlap and batch
# dimensions, with and without --concat, 1 to 4 dimensions, ragged edges,
# one and several variables and a target, every sample equals xbatcher's
# batch at the same position (values, shapes, index labels) and the count
# equals len(BatchGenerator) (compare_batch.py).  Then the shuffle against
# a Python reimplementation of the documented generator, PyTorch
# DataLoaders over X.npy and the tar stream against xarray's isel, the
# npz and tar formats, missing values, padding, --assemble of the identity
# prediction, every kind of input store, and bad input.
. "$srcdir/tests/lib/tap.sh"
py_serve
S=$top_builddir/data-samples/out
ORA=${ZS_ORACLES:-$srcdir/../shared/oracles/python}
CMP=$srcdir/tests/interop/compare_batch.py
CHK=$srcdir/tests/interop/batch_checks.py
cd "$TMP" || exit 1

if [ ! -d "$ORA/xbatcher" ]; then
    skip "xbatcher (../shared/oracles/python) is absent"
    done_testing
    exit
fi
ZS_ORACLES=$ORA
export ZS_ORACLES
if ! $PY -c 'import xarray, zarr, dask' 2>/dev/null; then
    skip "python3-xarray, python3-zarr or python3-dask is missing"
    done_testing
    exit
fi

# bcase NAME STORE VARS INPUT OVERLAP BATCH [concat] [TARGET]: zbatch and
# xbatcher on the same cut
bcase() {
    name=$1 store=$2 vars=$3 in=$4 ov=$5 bd=$6 cc=${7:-} tg=${8:-}
    set -- -I "$in"
    [ -n "$ov" ] && set -- "$@" -O "$ov"
    [ -n "$bd" ] && set -- "$@" -B "$bd"
    [ -n "$cc" ] && set -- "$@" --concat
    [ -n "$tg" ] && set -- "$@" --target "$tg"
    if ! zbatch -q "$@" --vars "$vars" --index "$name.csv" "$store" \
         -o "$name.out" 2>"$name.err"; then
        not_ok "$name: zbatch runs" "$(cat "$name.err")"
        return
    fi
    set -- --input "$in" --vars "$vars"
    [ -n "$ov" ] && set -- "$@" --overlap "$ov"
    [ -n "$bd" ] && set -- "$@" --batch "$bd"
    [ -n "$cc" ] && set -- "$@" --concat
    [ -n "$tg" ] && set -- "$@" --target "$tg"
    $PY "$CMP" "$store" "$name.out" "$name.csv" "$@" >"$name.cmp" 2>&1
    if grep -q '^PASS' "$name.cmp"; then
        ok "$name: as xbatcher ($(sed -n 's/^PASS //p' "$name.cmp"))"
    else
        not_ok "$name: as xbatcher" "$(cat "$name.cmp")"
    fi
}

nc2zarr -q -c time=5,latitude=7,longitude=25 "$S"/era5/*.nc -o era5.zarr
# generated stores: 1-D, and 4-D float32 with missing values and a
# descending coordinate
$PY - <<'EOF' || not_ok "generated stores"
import numpy as np, xarray as xr
x = np.sin(np.arange(100) / 7.0)
xr.Dataset({"s": ("x", x)}, coords={"x": np.arange(100) * 0.5}).to_zarr(
    "gen1.zarr", mode="w")
rng = np.random.default_rng(3)
a = rng.normal(size=(6, 3, 10, 12)).astype("float32")
a[a > 1.2] = np.nan
b = rng.normal(size=(6, 3, 10, 12))
xr.Dataset({"a": (("t", "z", "y", "x"), a), "b": (("t", "z", "y", "x"), b)},
           coords={"t": np.arange(6), "z": [1000.0, 850.0, 500.0],
                   "y": np.linspace(45, 0, 10), "x": np.arange(12) * 2.5}
           ).chunk({"t": 2, "y": 4}).to_zarr("gen4.zarr", mode="w")
EOF

# ---- the grid of cases -------------------------------------------------
bcase lat-lon era5.zarr t2m,msl latitude=8,longitude=16 latitude=2 time=4
bcase lat-lon-concat era5.zarr t2m,msl latitude=8,longitude=16 latitude=2 \
    time=4 concat
bcase lon-lat-order era5.zarr msl longitude=16,latitude=8 longitude=3 ""
bcase time-input era5.zarr t2m,u10,v10 time=6,latitude=10 time=2 ""
bcase dup-concat era5.zarr t2m time=2,latitude=8 time=1 time=4 concat
bcase dup-plain era5.zarr t2m time=2,latitude=8 time=1 time=4
bcase concat-one-batch era5.zarr t2m,msl latitude=8,longitude=16 "" "" \
    concat
bcase target era5.zarr t2m latitude=8,longitude=16 longitude=4 time=4 "" msl
bcase one-dim gen1.zarr s x=10 x=3 ""
bcase one-dim-concat gen1.zarr s x=10 x=3 "" concat
bcase four-dims gen4.zarr a,b y=4,x=5 x=2 t=2
bcase four-dims-concat gen4.zarr a,b y=4,x=5 x=2 t=2 concat
bcase four-dims-two-batch gen4.zarr b x=6 "" t=3,z=2
bcase four-dims-concat-two-batch gen4.zarr a x=6 x=1 t=3,z=1 concat
bcase netcdf-input "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" \
    t2m,msl latitude=16,longitude=16 longitude=8 time=10
if [ -n "$SHARED" ]; then
    bcase real-era5-nc "$SHARED/nc/geocat__era5_1995-07-14T12.nc" t2m,u10 \
        latitude=32,longitude=32 latitude=4,longitude=4 ""
    bcase real-era5-nan "$SHARED/nc/geocat__era5_1995-07-14T12.nc" t2m_C \
        latitude=20,longitude=50 longitude=7 "" concat
    Z=$SHARED/zarr/python3-zarr-written
    bcase real-era5-zarr "$Z/era5_xr.zarr" d2m,sp latitude=32,longitude=32 \
        latitude=4,longitude=4 ""
    # the same store as a zip, and as a tar stream on standard input
    zbatch -q -I latitude=32,longitude=32 -O latitude=4,longitude=4 \
        --vars d2m,sp "$Z/era5_xr_stored.zarr.zip" -o zip.out &&
        check "a zip store as input: the same X.npy" \
            cmp zip.out/X.npy real-era5-zarr.out/X.npy ||
        not_ok "a zip store as input"
    nc2zarr -q "$SHARED/nc/geocat__era5_1995-07-14T12.nc" -o - |
        zbatch -q -I latitude=32,longitude=32 -O latitude=4,longitude=4 \
            --vars t2m,u10 - -o stdin.out &&
        check "a tar stream on standard input: the same X.npy" \
            cmp stdin.out/X.npy real-era5-nc.out/X.npy ||
        not_ok "a tar stream on standard input"
else
    skip "../shared/data is absent"
fi

# ---- formats ----------------------------------------------------------------
ARGS="-I latitude=8,longitude=16 -O latitude=2 -B time=4 --vars t2m,msl"
# shellcheck disable=SC2086
zbatch -q $ARGS --target u10 --format npz --batch-size 7 era5.zarr \
    -o npz.out && zbatch -q $ARGS era5.zarr -o plain.out ||
    not_ok "npz output"
check "npz: batches of 7, together X.npy" $PY "$CHK" npz npz.out \
    plain.out/X.npy 7 1
# shellcheck disable=SC2086
zbatch -q $ARGS --batch-size 5 --index tar.csv era5.zarr -o - > s.tar ||
    not_ok "tar stream output"
# shellcheck disable=SC2086
zbatch -q $ARGS --index inside.out/index.csv era5.zarr -o inside.out ||
    not_ok "an index inside the output"
check "an index inside the output folder comes with it" \
    sh -c 'cmp inside.out/index.csv lat-lon.csv && ! test -e inside.out.partial'
check "torch DataLoader over X.npy equals xarray's isel" \
    $PY "$CHK" loader era5.zarr lat-lon.out lat-lon.csv t2m,msl
check "torch DataLoader over the tar stream equals xarray's isel" \
    $PY "$CHK" tar_loader era5.zarr s.tar tar.csv t2m,msl 5
check "torch DataLoader over X.npy with --concat" \
    $PY "$CHK" loader era5.zarr lat-lon-concat.out lat-lon-concat.csv t2m,msl
check "tar members are ustar with the WebDataset names" \
    sh -c 'tar tf s.tar | head -2 | tr "\n" " " | grep -qx "000000.x.npy 000001.x.npy "'
# shellcheck disable=SC2086
zbatch -q $ARGS --dtype float64 era5.zarr -o f64.out ||
    not_ok "float64 samples"
check "float64 samples: the same values, wider" $PY -c '
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert b.dtype == np.float64
assert np.array_equal(a, b.astype("f4"), equal_nan=True)
' plain.out/X.npy f64.out/X.npy

# ---- shuffle -----------------------------------------------------------------
for s in 7 7b 8; do
    # shellcheck disable=SC2086
    zbatch -q $ARGS --shuffle --seed "${s%b}" --index "sh$s.csv" era5.zarr \
        -o "sh$s.out" || not_ok "shuffle seed $s"
done
check "--shuffle --seed 7 twice: identical output" \
    sh -c 'cmp sh7.out/X.npy sh7b.out/X.npy && cmp sh7.csv sh7b.csv'
check "another seed: another order" \
    sh -c '! cmp -s sh7.out/X.npy sh8.out/X.npy'
check "seed 7: the documented generator's order, every patch once" \
    $PY "$CHK" shuffle lat-lon.csv lat-lon.out/X.npy sh7.csv sh7.out/X.npy 7
# shellcheck disable=SC2086
zbatch -q $ARGS --shuffle --seed 11 --window 2 --index shw.csv era5.zarr \
    -o shw.out || not_ok "shuffle window"
check "--window 2 (time chunks of 5): the documented windowed order" \
    $PY "$CHK" shuffle lat-lon.csv lat-lon.out/X.npy shw.csv shw.out/X.npy \
    11 2 5 time 72
zbatch -q -I latitude=8,longitude=16 -O latitude=2 -B time=4 --concat \
    --vars t2m,msl --shuffle --seed 3 --index shc.csv era5.zarr -o shc.out ||
    not_ok "shuffle with concat"
check "--concat --shuffle: whole batches in the documented order" \
    $PY "$CHK" shuffle lat-lon-concat.csv lat-lon-concat.out/X.npy shc.csv \
    shc.out/X.npy 3 0 0 "" 0 1

# ---- missing values, padding, remainder ------------------------------------
G="-I y=4,x=5 -O x=2 -B t=2 --vars a"
# shellcheck disable=SC2086
zbatch -q $G gen4.zarr --index g.csv -o g.out &&
    zbatch $G --max-nan 0.05 gen4.zarr --index gn.csv -o gn.out 2>gn.err ||
    not_ok "--max-nan"
check "--max-nan 0.05: the samples with more missing values dropped" \
    $PY "$CHK" nan g.out/X.npy g.csv gn.out/X.npy gn.csv 0.05 1
check "--max-nan: the count of dropped samples is printed" \
    grep -Eq '^zbatch: [1-9][0-9]* samples dropped' gn.err
# shellcheck disable=SC2086
zbatch -q $G --fill-nan -9 --mask gen4.zarr -o gf.out ||
    not_ok "--fill-nan --mask"
check "--fill-nan -9 --mask: filled, one mask channel per variable" \
    $PY "$CHK" fill g.out/X.npy gf.out/X.npy -9 1
zbatch -I latitude=8 -O latitude=2 --vars t2m era5.zarr -o rem.out \
    2>rem.err || not_ok "remainder run"
# latitude 31 with windows of 8 every 6 (0, 6, 12, 18): the last 5 in no
# window, on 72 x 60 points
check_eq "the values in no patch are counted and printed" \
    "zbatch: 21600 values in no patch, dropped (--partial pad keeps them)" \
    "$(grep 'no patch' rem.err)"
zbatch -q -I latitude=8 -O latitude=2 --vars t2m --partial pad \
    --index pad.csv era5.zarr -o pad.out || not_ok "--partial pad"
check "--partial pad: a window past the end, padded with NaN" \
    $PY "$CHK" pad pad.out/X.npy pad.csv latitude 31
check_fail "--partial error: the remainder is an error" 1 \
    "windows of 8 every 6 leave the last 5 of 31 out" \
    zbatch -I latitude=8 -O latitude=2 --partial error era5.zarr -o perr.out

# ---- assembling -------------------------------------------------------------
ZA="--index lat-lon.csv --like era5.zarr --names t2m,msl"
# shellcheck disable=SC2086
zbatch -q --assemble lat-lon.out/X.npy $ZA -o asm.zarr ||
    not_ok "--assemble"
check "--assemble of the patches: the input wherever a patch covered it" \
    $PY "$CHK" assemble era5.zarr asm.zarr t2m,msl
zbatch -q --assemble lat-lon-concat.out/X.npy --index lat-lon-concat.csv \
    --like era5.zarr --names t2m,msl -o asmc.zarr || not_ok "--assemble concat"
check "--assemble of --concat samples" \
    $PY "$CHK" assemble era5.zarr asmc.zarr t2m,msl
zbatch -q -I latitude=8,longitude=16 -O latitude=3,longitude=5 \
    --partial pad --vars t2m --index padall.csv era5.zarr -o padall.out &&
    zbatch -q --assemble padall.out/X.npy --index padall.csv \
        --like era5.zarr --names t2m -o asmp.zarr ||
    not_ok "--assemble padded"
check "--assemble of padded overlapping windows: the whole input back" \
    $PY "$CHK" assemble era5.zarr asmp.zarr t2m 0

# ---- bad input -----------------------------------------------------------------
check_fail "a window longer than its dimension" 1 \
    "input dimension 'latitude': the window of 40 is longer than the dimension \(31\)" \
    zbatch -I latitude=40 era5.zarr -o bad1.out
check_fail "an overlap not less than its window" 1 \
    "overlap of 'latitude': 8 is not less than the window \(8\)" \
    zbatch -I latitude=8 -O latitude=8 era5.zarr -o bad2.out
check_fail "a dimension that does not exist" 1 \
    "input dimensions: no dimension 'lat' \(the store has .*latitude" \
    zbatch -I lat=8 era5.zarr -o bad3.out
check_fail "a variable that does not exist" 1 "no data variable 'sst'" \
    zbatch -I latitude=8 --vars sst era5.zarr -o bad4.out
check_fail "malformed input dimensions" 2 \
    "invalid --input-dims: input dimensions 'latitude': want DIM=N" \
    zbatch -I latitude era5.zarr -o bad5.out
check_fail "a partial policy that does not exist" 2 "partial must be" \
    zbatch -I latitude=8 --partial keep era5.zarr -o bad6.out
check_fail "--batch-size with --concat" 1 "batches are xbatcher's" \
    zbatch -I latitude=8 --concat --batch-size 4 era5.zarr -o bad7.out
check_fail "predictions of another shape" 1 "shape unlike the index" \
    zbatch --assemble plain.out/X.npy --index one-dim.csv --like era5.zarr \
    -o bad8.zarr
nc2zarr -q "$S"/era5/era5_sfc_2019-07-0[12].nc -o days12.zarr
nc2zarr -q "$S"/era5/era5_sfc_2019-07-0[23].nc -o days23.zarr
check_fail "a target store of another shape" 1 \
    "target msl: dimensions or shape unlike those of t2m" \
    zbatch -I latitude=8 --vars t2m -y days12.zarr:msl era5.zarr -o bad9.out
check_fail "a target store with other coordinates" 1 \
    "time: the input and the target's store differ at index 0 \(2019-07-01T00:00:00 and 2019-07-02T00:00:00\)" \
    zbatch -I latitude=8 --vars t2m -y days23.zarr:msl days12.zarr \
    -o bad10.out
check "no output from the failures" \
    sh -c '! ls -d bad* 2>/dev/null | grep -q .'

done_testing
