#!/bin/sh
# Benchmark zsel --parquet against its peers on a box of the bench store
# (WORK_DIR/out/hourly.zarr: ERA5-like t2m and u10, packed int16, 0.25
# degree; bench/nc2zarr.sh or mksamples bench + nc2zarr make one):
#   - zsel --parquet of the box (latitudes 40..60, longitudes 0..40, the
#     first HOURS hours, default 96: 1.25 million rows);
#   - xarray: open_zarr, the same .sel/.isel, to_dataframe().to_csv();
#   - DuckDB (npm @duckdb/node-api in ZS_NPM_DIR) turning that CSV into
#     Parquet: COPY (FROM read_csv(...)) TO ... (FORMAT parquet).
# Wall times are the best of REPEAT runs with a warm page cache; peak RSS
# is the summed RSS of each process tree (peakrss.py).  DuckDB counts the
# rows of both Parquet outputs, which must agree.
#
# Usage: bench/parquet.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench)
# Writes WORK_DIR/results-parquet.txt and prints it.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-3}
HOURS=${HOURS:-96}
PY=/usr/bin/python3
NPM=${ZS_NPM_DIR:-$B/../npm/node_modules}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
S=$W/out/hourly.zarr
[ -f "$S/.zmetadata" ] || { echo "parquet.sh: no $S" >&2; exit 1; }
[ -d "$NPM/@duckdb/node-api" ] ||
    { echo "parquet.sh: no @duckdb/node-api in $NPM (set ZS_NPM_DIR)" >&2; exit 1; }
o=$W/out/parquet
mkdir -p "$o"
find "$S" -type f -exec cat {} + > /dev/null

cat > "$o/xr_csv.py" <<'EOF'
import sys
import xarray as xr
ds = xr.open_zarr(sys.argv[1]).sel(latitude=slice(60, 40),
                                   longitude=slice(0, 40))
ds.isel(time=slice(0, int(sys.argv[2]))).to_dataframe().to_csv(sys.argv[3])
EOF
cat > "$o/duck.mjs" <<EOF
import { DuckDBInstance } from "$NPM/@duckdb/node-api/lib/index.js";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const [op, a, b] = process.argv.slice(2);
if (op === "copy")
    await c.run("COPY (FROM read_csv('" + a + "')) TO '" + b +
                "' (FORMAT parquet)");
else
    console.log(String((await c.runAndReadAll("SELECT count(*) AS n FROM " +
        "read_parquet('" + a + "')")).getRowObjects()[0].n));
EOF

echo "== a box of $HOURS hours (best of $REPEAT)"
z=$(best zsel-parquet "$T/zsel" -q --overwrite "$S" -s latitude=40:60 \
    -s longitude=0:40 -i time=0:"$HOURS" --parquet "$o/box.pq")
echo "$z"
x=$(best xarray-to_csv $PY "$o/xr_csv.py" "$S" "$HOURS" "$o/box.csv")
echo "$x"
d=$(best duckdb-csv-to-parquet node "$o/duck.mjs" copy "$o/box.csv" \
    "$o/duck.parquet")
echo "$d"
nz=$(node "$o/duck.mjs" count "$o/box.pq/part.0.parquet")
nd=$(node "$o/duck.mjs" count "$o/duck.parquet")

wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
size() { du -sb "$1" | cut -f1; }
{
    echo "data: $S, box latitude=40:60 longitude=0:40 time=0:$HOURS: $nz rows (DuckDB's file: $nd)"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-24s %9s %12s\n' tool "wall (s)" "peak RSS MB"
    for r in "$z" "$x" "$d"; do
        printf '%-24s %9s %12s\n' $(echo "$r" | awk '{print $1}') \
            "$(wall "$r")" "$(rss "$r")"
    done
    echo "xarray to_csv / zsel --parquet:  $(ratio "$(wall "$x")" "$(wall "$z")")x (target >= 3)"
    echo "DuckDB CSV->Parquet / zsel:      $(ratio "$(wall "$d")" "$(wall "$z")")x (target >= 3)"
    echo "file sizes: zsel $(size "$o/box.pq") B, DuckDB $(size "$o/duck.parquet") B, CSV $(size "$o/box.csv") B (target: zsel <= DuckDB)"
} | tee "$W/results-parquet.txt"
