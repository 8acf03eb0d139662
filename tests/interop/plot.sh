#!/bin/sh
# zplot against matplotlib: every pixel of the map equals matplotlib's
# colour map applied to Normalize (or LogNorm) of the same decoded values
# (compare_plot.py), with explicit, data, robust (numpy's percentiles)
# and centred limits, the three colour maps, packing and missing values,
# latitude stored either way, a land mask, two panels; the 2-D histogram
# against numpy.histogram2d; -o - and --ascii; bad input refused with a
# message and no file.  The images are copied to tests/interop/plot-images
# in the build tree for people to look at.
. "$srcdir/tests/lib/tap.sh"
py_serve
S=$top_builddir/data-samples/out
IMG=$top_builddir/tests/interop/plot-images
CMP="$PY $srcdir/tests/interop/compare_plot.py"
cd "$TMP" || exit 1

if ! $PY -c 'import matplotlib, numpy, xarray, zarr, PIL' 2>/dev/null; then
    skip "python3-matplotlib, numpy, xarray, zarr and PIL are needed"
    done_testing
    exit
fi
rm -rf "$IMG"
mkdir -p "$IMG"

# a small field: latitudes stored north to south, both signs, missing
# points; a positive one with zeros and negatives (log); a packed int16
# one over three days; a land mask on the same grid
$PY - <<'PYEOF'
import numpy as np, xarray as xr, pandas as pd
lat = np.arange(45.0, -46.0, -10.0)
lon = np.arange(0.0, 360.0, 24.0)
y, x = np.meshgrid(lat, lon, indexing="ij")
rng = np.random.default_rng(4)
t = np.sin(np.radians(x)) * 3 + y / 20 + rng.normal(0, .3, y.shape)
t[2, 3] = t[5, 7] = t[9, 14] = np.nan
p = np.exp(rng.normal(0, 1.5, y.shape))
p[0, 0] = 0.0
p[1, 1] = -2.0
p[4, 4] = np.nan
time = pd.date_range("2020-01-01", periods=3)
raw = np.stack([(t * 100 + k * 50) for k in range(3)])
raw = np.where(np.isnan(raw), -999, raw).astype("i2")
ds = xr.Dataset({"t": (("lat", "lon"), t),
                 "p": (("lat", "lon"), p.astype("f4")),
                 "s": (("time", "lat", "lon"), raw,
                       {"scale_factor": np.float32(0.01),
                        "_FillValue": np.int16(-999),
                        "long_name": "packed field", "units": "K"})},
                coords={"lat": ("lat", lat, {"units": "degrees_north"}),
                        "lon": ("lon", lon, {"units": "degrees_east"}),
                        "time": time})
ds["t"].attrs = {"long_name": "anomaly", "units": "K"}
ds.to_zarr("f.zarr", mode="w")
m = xr.Dataset({"lsm": (("lat", "lon"), (np.abs(x - 180) < 40) * 1.0)},
               coords={"lat": lat, "lon": lon})
m.to_zarr("mask.zarr", mode="w")
# the same field with latitudes south to north (another store, another
# variable name: a second panel)
ds[["t"]].rename({"t": "t2"}).sortby("lat").to_zarr("g.zarr", mode="w")
# another variable on the same points in another store (a histogram)
xr.Dataset({"q": (("lat", "lon"), t * 2 + rng.normal(0, 1, y.shape))},
           coords={"lat": lat, "lon": lon}).to_zarr("h.zarr", mode="w")
PYEOF
[ -d f.zarr ] || { not_ok "the test stores are written"; done_testing; exit; }

keep() {    # keep NAME.png: copy it where people look
    cp "$1" "$IMG/$1" && diag "image: $IMG/$1"
}

# case NAME "ZPLOT ARGS" "COMPARE ARGS": draw, then compare every pixel
case_() {
    n=$1 zargs=$2 cargs=$3
    # shellcheck disable=SC2086
    if ! zplot f.zarr $zargs -o "$n.png" 2>"$n.err"; then
        not_ok "$n: zplot runs" "$(cat "$n.err")"
        return
    fi
    keep "$n.png"
    # shellcheck disable=SC2086
    if out=$($CMP "$n.png" f.zarr $cargs 2>&1); then ok "$n: $out"
    else not_ok "$n: every pixel equals matplotlib's" "$out"; fi
}

case_ raw "--var t --raw --scale 3" "t --raw --scale 3"
case_ decorated "--var t --scale 6" "t --scale 6"
case_ rdbu "--var t --cmap RdBu_r --scale 6" "t --cmap RdBu_r --scale 6"
case_ cividis-clipped "--var t --cmap cividis --vmin -1 --vmax 1.5 --raw --scale 1" \
    "t --cmap cividis --vmin -1 --vmax 1.5 --raw"
case_ robust "--var t --robust --raw --scale 2" "t --robust --raw --scale 2"
case_ rdbu-robust "--var t --cmap RdBu_r --robust --raw --scale 2" \
    "t --cmap RdBu_r --robust --raw --scale 2"
case_ log "--var p --log --scale 6" "p --log --scale 6"
case_ log-limits "--var p --log --vmin 0.1 --vmax 10 --raw --scale 1" \
    "p --log --vmin 0.1 --vmax 10 --raw"
case_ packed "--var s -s time=2020-01-02 --scale 5" \
    "s --sel time=2020-01-02 --scale 5"
case_ mask "--var t --mask mask.zarr:lsm --raw --scale 2" \
    "t --mask mask.zarr:lsm --raw --scale 2"

# the limits --plan prints are numpy's percentiles, exactly
lim=$(zplot f.zarr --var t --robust --plan | sed -n 's/^colours: .*, linear, \(.*\) \.\. \([^ ]*\).*/\1 \2/p')
# shellcheck disable=SC2086
if [ -n "$lim" ] && out=$($CMP decorated.png f.zarr t --robust --raw \
        --limits $lim 2>&1 | grep -v pixels); [ -z "$out" ]; then
    ok "--robust limits equal numpy.percentile 2 and 98 ($lim)"
else
    not_ok "--robust limits equal numpy.percentile 2 and 98" "$lim" "$out"
fi

# two panels: the same field stored north to south and south to north,
# common limits; the second map PLOT_GAP (90) pixels right of the first
if zplot f.zarr --var t --panel g.zarr:t2 --scale 4 --vmin -3 --vmax 3 \
        -o panel.png 2>panel.err; then
    keep panel.png
    x2=$((80 + 15 * 4 + 90))
    if o1=$($CMP panel.png f.zarr t --scale 4 --vmin -3 --vmax 3 2>&1) &&
       o2=$($CMP panel.png g.zarr t2 --scale 4 --vmin -3 --vmax 3 \
            --at $x2 40 2>&1); then
        ok "--panel: both maps equal matplotlib's ($o1; $o2)"
    else
        not_ok "--panel: both maps equal matplotlib's" "$o1" "$o2"
    fi
else
    not_ok "--panel runs" "$(cat panel.err)"
fi

# panels share their colours: limits from both fields
lim=$(zplot f.zarr --var t --panel h.zarr:q --plan |
      sed -n 's/^colours: viridis, linear, \(.*\) \.\. \(.*\)$/\1 \2/p')
want=$($PY -c '
import numpy as np, xarray as xr
a = np.concatenate([xr.open_zarr("f.zarr").t.values.ravel(),
                    xr.open_zarr("h.zarr").q.values.ravel()])
print(repr(float(np.nanmin(a))), repr(float(np.nanmax(a))))')
check_eq "--panel: one pair of limits over both maps" "$want" "$lim"

# the 2-D histogram: numpy.histogram2d's counts, coloured by LogNorm
case_ hist "--hist2d t p --bins 8 --scale 20" "x --hist2d t p 8 --scale 20"
case_ hist-stores "--hist2d t h.zarr:q --bins 12 --scale 10" \
    "x --hist2d t h.zarr:q 12 --scale 10"
case_ hist-logy "--hist2d t p --logy --bins 10 --scale 10" \
    "x --hist2d t p 10 --logy --scale 10"

# the same on the sample SST and sea ice of one day, 50 bins
if nc2zarr -q "$S/sst" -o sst.zarr 2>sstz.err &&
   zplot sst.zarr --hist2d sst ice -s time=2020-01-02 --bins 50 --scale 4 \
       -o sst-ice.png 2>sst-ice.err &&
   out=$($CMP sst-ice.png sst.zarr x --hist2d sst ice 50 --scale 4 \
       --sel time=2020-01-02 2>&1); then
    keep sst-ice.png
    ok "sample sst against ice: $out"
else
    not_ok "sample sst against ice: numpy.histogram2d's counts" "$out" \
        "$(cat sstz.err sst-ice.err 2>/dev/null)"
fi

# the seed's scatter: chlorophyll (on the SST grid and days) against SST,
# log10 bins of chlorophyll
if nc2zarr -q "$S/chl" -o chl.zarr 2>chl.err &&
   zregrid -q chl.zarr --like sst.zarr --time within -o chl-daily.zarr \
       2>>chl.err &&
   zplot sst.zarr --hist2d chl-daily.zarr:chlor_a sst --logx -o chl-sst.png \
       2>>chl.err &&
   out=$($CMP chl-sst.png sst.zarr x --hist2d chl-daily.zarr:chlor_a sst \
       100 --logx --scale 4 2>&1); then
    keep chl-sst.png
    ok "chlorophyll against SST, --logx: $out"
else
    not_ok "chlorophyll against SST, --logx: every pixel" "$out" \
        "$(cat chl.err)"
fi

# every kind of store: a zip file and a tar stream on a pipe give the
# same image as the folder
if nc2zarr -q -o sst.zip "$S/sst" 2>zip.err &&
   zplot sst.zarr --var sst -s time=2020-01-03 --raw -o dir.png &&
   zplot sst.zip --var sst -s time=2020-01-03 --raw -o zip.png &&
   nc2zarr -q -o - "$S/sst" | zplot - --var sst -s time=2020-01-03 --raw \
       -o pipe.png && cmp -s dir.png zip.png && cmp -s dir.png pipe.png; then
    ok "a zip store and a tar stream on a pipe draw the folder's image"
else
    not_ok "a zip store and a tar stream on a pipe draw the folder's image" \
        "$(cat zip.err)"
fi

# the sample sea ice (NetCDF-3, unsigned bytes, flags): valid range and
# flags missing, the land flag tan
ice=$S/seaice/nsidc-like_nh_20200101.nc
if zplot "$ice" --var seaice_conc --mask-invalid --scale 2 -o seaice.png \
        2>seaice.err &&
   out=$($CMP seaice.png "$ice" seaice_conc --mask-invalid --scale 2 2>&1)
then
    keep seaice.png
    ok "sample sea ice, --mask-invalid: $out"
else
    not_ok "sample sea ice, --mask-invalid: every pixel" "$out" \
        "$(cat seaice.err 2>/dev/null)"
fi

# -o - writes the same PNG to standard output
if zplot f.zarr --var t --raw --scale 3 -o - >stdout.png 2>stdout.err &&
   cmp -s stdout.png raw.png; then
    ok "-o - writes the PNG to standard output"
else
    not_ok "-o - writes the PNG to standard output" "$(cat stdout.err)"
fi

# the sample SST (NetCDF, packed, one day): decorated, every pixel
if zplot "$S/sst/oisst-like_20200101.nc" --var sst -o sst.png 2>sst.err &&
   out=$($CMP sst.png "$S/sst/oisst-like_20200101.nc" sst 2>&1); then
    keep sst.png
    ok "sample sst: $out"
else
    not_ok "sample sst: every pixel equals matplotlib's" "$out" \
        "$(cat sst.err 2>/dev/null)"
fi

# --ascii: a line per two rows of cells (10 rows: 5), each cell the
# xterm colour nearest matplotlib's, and the legend
zplot f.zarr --var t --ascii >ascii.txt 2>ascii.err
lines=$(wc -l <ascii.txt)
check_eq "--ascii: 5 lines of half blocks and a legend" "6" "$lines"
if out=$($PY "$srcdir/tests/interop/compare_ascii.py" ascii.txt f.zarr t \
        2>&1); then ok "--ascii: $out"
else not_ok "--ascii: the cells' colours" "$out" "$(cat ascii.err)"; fi

# bad input: a message naming the problem, exit 1 or 2, no file
for c in "not-2d|not 2-D: 3 dimensions left: time \(3\), lat \(10\), lon \(15\)|--var s" \
         "unknown-var|no variable 'nope'|--var nope" \
         "unknown-dim|nodim|--var t -s nodim=3" \
         "unknown-label|time|--var s -s time=1990-01-01" \
         "bad-cmap|unknown colour map 'jet'|--var t --cmap jet" \
         "log-vmin|vmin > 0|--var p --log --vmin -1 --vmax 3" \
         "mask-var|which variable\? name it as STORE:VAR|--var t --mask f.zarr" \
         "hist-points|t and t2 are not on the same points: lat 45.0 and -45.0|--hist2d t g.zarr:t2"; do
    n=${c%%|*} rest=${c#*|}
    re=${rest%%|*} args=${rest#*|}
    # shellcheck disable=SC2086
    zplot f.zarr $args -o "bad-$n.png" >/dev/null 2>"bad-$n.err"
    rc=$?
    if { [ $rc -eq 1 ] || [ $rc -eq 2 ]; } &&
       grep -Eq "^zplot: .*$re" "bad-$n.err" &&
       ! [ -e "bad-$n.png" ] && ! [ -e "bad-$n.png.partial" ]; then
        ok "bad input $n: exit $rc, $(head -1 "bad-$n.err")"
    else
        not_ok "bad input $n: exit 1 or 2, /$re/, no file" "exit $rc" \
            "$(cat "bad-$n.err")"
    fi
done

# an image too large to hold: refused before drawing
check_fail "bad input too-large: exit 1, --scale named" 1 \
    "^zplot: big.png: an image of 23240 x 11616 pixels is too large.*\(--scale\)" \
    zplot "$S/sst/oisst-like_20200101.nc" --var sst --scale 64 -o big.png
check "bad input too-large: no file" test ! -e big.png -a ! -e big.png.partial

done_testing
