#!/bin/sh
# examples/ocean-pipeline.sh on the chlorophyll, SST and sea-ice samples,
# against the same steps in xarray and pandas (ocean_xarray.py): the
# features, row by row and cell by cell (zsel --csv), the Parquet table
# read by DuckDB (parquet_rows.mjs) against those rows, partitioned by
# day as dask's partition_on writes it; the sea-ice map pixel by pixel
# against matplotlib's colours of xarray's regridded ice
# (compare_plot.py); the other two pictures are PNG files of the size
# asked.  The pictures are copied to tests/interop/ocean-images in the
# build tree for people to look at.
. "$srcdir/tests/lib/tap.sh"
py_serve
S=$top_builddir/data-samples/out
IMG=$top_builddir/tests/interop/ocean-images
NPM=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}
cd "$TMP" || exit 1

if ! $PY -c 'import matplotlib, numpy, xarray, zarr, PIL' 2>/dev/null; then
    skip "python3-matplotlib, numpy, xarray, zarr and PIL are needed"
    done_testing
    exit
fi
if sh "$srcdir/examples/ocean-pipeline.sh" "$S" w > run.out 2> run.err; then
    ok "ocean-pipeline.sh runs"
else
    not_ok "ocean-pipeline.sh runs" "$(cat run.err)"
    done_testing
    exit
fi
rm -rf "$IMG"
mkdir -p "$IMG"
cp w/*.png "$IMG/"
diag "the pictures: $IMG"

zsel w/features.zarr --csv > w/features.csv
out=$($PY "$srcdir/tests/interop/ocean_xarray.py" "$S" w \
      "$srcdir/examples/ocean-region.geojson" 2>&1)
case $out in
PASS*) ok "the features equal xarray's and pandas' (${out#PASS })" ;;
*) not_ok "the features equal xarray's and pandas'" "$out" ;;
esac

check "the table is partitioned by day, as dask's partition_on" sh -c \
    'ls w/table | sort | tr "\n" " " | grep -qx "time=2020-01-01 12:00:00 time=2020-01-02 12:00:00 time=2020-01-03 12:00:00 time=2020-01-04 12:00:00 " &&
     for d in w/table/*; do test -f "$d/part.0.parquet" || exit 1; done'
if [ -d "$NPM/@duckdb/node-api" ] && command -v node >/dev/null 2>&1; then
    out=$(node "$srcdir/tests/interop/parquet_rows.mjs" "$NPM" duckdb \
          w/features-dropna.csv w/table time 2>&1)
    case $out in
    PASS*) ok "DuckDB reads the table: the rows with values, as pandas' dropna(how=\"all\") (${out#PASS })" ;;
    *) not_ok "DuckDB reads the table: the rows with values" "$out" ;;
    esac
else
    skip "DuckDB (npm @duckdb/node-api) is not in $NPM"
fi

check_diag "the sea-ice map: matplotlib's viridis of xarray's regridded ice" \
    $PY "$srcdir/tests/interop/compare_plot.py" w/ice.png w/xr-ice.zarr \
    seaice_conc --sel time=2020-01-02T12:00:00 --scale 8
check "the other pictures are PNG files" $PY - w <<'PYEOF'
import sys
from PIL import Image
w = sys.argv[1]
a = Image.open(w + "/chl-before-after.png")
b = Image.open(w + "/chl-vs-sst.png")
assert a.format == b.format == "PNG", (a.format, b.format)
# two panels of 40 x 30 cells, 8 pixels a cell, side by side
assert a.size[0] > 2 * 40 * 8 and a.size[1] > 30 * 8, a.size
PYEOF
check "a usage error exits 2" sh -c \
    "sh '$srcdir/examples/ocean-pipeline.sh' only-one 2>/dev/null; [ \$? = 2 ]"
done_testing
