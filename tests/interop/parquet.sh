#!/bin/sh
# zsel --parquet (issue 14): every file written is read by two
# independent readers, DuckDB (npm @duckdb/node-api) and the pure
# JavaScript hyparquet (with hyparquet-compressors for zstd), and must
# hold the rows of `zsel --csv` of the same selection
# (tests/interop/parquet_rows.mjs compares them cell by cell): packed
# int16 ERA5, packed SST with land missing, float32 chlorophyll with
# fill values, int8 sea ice, 360_day and noleap calendars (ISO strings),
# auxiliary coordinates, a partitioned export (folders as dask's
# partition_on names them, read back by DuckDB's hive partitioning),
# --dropna, and several row groups.  Then bad input.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
NPM=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}
ROWS=$srcdir/tests/interop/parquet_rows.mjs
cd "$TMP" || exit 1

have_npm=1
if ! command -v node >/dev/null 2>&1 || [ ! -d "$NPM/@duckdb/node-api" ] ||
   [ ! -d "$NPM/hyparquet" ] || [ ! -d "$NPM/hyparquet-compressors" ]; then
    have_npm=0
fi

nc2zarr -q "$S"/era5/*.nc -o era5.zarr
nc2zarr -q "$S"/sst/*.nc -o sst.zarr
nc2zarr -q "$S"/chl/*.nc -o chl.zarr
nc2zarr -q "$S"/seaice/*.nc -o ice.zarr
nc2zarr -q "$S"/calendars/360_day/*.nc -o 360_day.zarr
nc2zarr -q "$S"/calendars/noleap/*.nc -o noleap.zarr

# same NAME DIR [PARTITION]: both readers give the rows of NAME.csv
same() {
    for r in duckdb hyparquet; do
        if [ $have_npm = 0 ]; then
            skip "$r: not in $NPM (set ZS_NPM_DIR)"
            continue
        fi
        node "$ROWS" "$NPM" $r "$1.csv" "$2" $3 > "$1.$r" 2>&1
        if grep -q '^PASS' "$1.$r"; then
            ok "$1: $r reads the rows of --csv: $(cat "$1.$r")"
        else
            not_ok "$1: $r reads the rows of --csv" "$(head -c 3000 "$1.$r")"
        fi
    done
}

# case NAME ZSEL-ARGS...: --csv and --parquet NAME.pq of one selection
case_() {
    name=$1; shift
    if ! zsel "$@" --csv > "$name.csv" 2> "$name.err" ||
       ! zsel "$@" --parquet "$name.pq" 2>> "$name.err"; then
        not_ok "$name: zsel runs" "$(cat "$name.err")"
        return
    fi
    same "$name" "$name.pq"
}

case_ era5-packed era5.zarr -s latitude=30:60 -s longitude=0:40 \
    -i time=0:12
case_ sst-missing sst.zarr -s lat=-20:20 -s lon=0:60
case_ chl-fill chl.zarr -s lat=-30:30 -s lon=100:160
case_ ice-int8 ice.zarr -i lat=0:20 -i lon=0:20
case_ 360_day 360_day.zarr -s time=2000-02-28:2000-03-01 -s lat=0:30
case_ noleap noleap.zarr -s time=2000-02-27:2000-03-01 -s lat=-30:0

# the files say what the readers were shown: times as TIMESTAMP in the
# gregorian calendar, as strings in the others
for n in era5-packed 360_day; do
    [ -f $n.duckdb ] && diag "$n: $(cat $n.duckdb)"
done
if [ $have_npm = 1 ]; then
    check_eq "gregorian times are timestamps, packed values doubles" \
        "TIMESTAMP FLOAT FLOAT DOUBLE DOUBLE DOUBLE DOUBLE" \
        "$(sed -n 's/.*columns (\(.*\))$/\1/p' era5-packed.duckdb)"
    check_eq "360_day: times as ISO strings (February 30 exists)" \
        "STRING" "$(sed -n 's/.*columns (\([A-Z]*\) .*/\1/p' 360_day.duckdb)"
    check "360_day: 2000-02-30 is a row" grep -q '^2000-02-30T12:00:00,' \
        360_day.csv
    check "sst: land points are nulls (empty in --csv)" \
        grep -q ',$' sst-missing.csv
fi

# statistics: each column chunk's min, max and null count as DuckDB
# computes them from the values (SST: one row group, land as nulls; a
# zero minimum is -0, as the format asks)
if [ $have_npm = 1 ] && [ -d sst-missing.pq ]; then
    cat > stats.mjs <<EOF
import { DuckDBInstance } from "$NPM/@duckdb/node-api/lib/index.js";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const f = "sst-missing.pq/part.0.parquet";
const q = async s => (await c.runAndReadAll(s)).getRowObjects();
let bad = 0;
for (const m of await q("SELECT path_in_schema AS p, stats_min_value AS lo, " +
        "stats_max_value AS hi, stats_null_count AS n " +
        "FROM parquet_metadata('" + f + "')")) {
    const [v] = await q('SELECT min("' + m.p + '")::VARCHAR AS lo, max("' +
        m.p + '")::VARCHAR AS hi, count(*) - count("' + m.p + '") AS n ' +
        "FROM read_parquet('" + f + "')");
    const lo = m.lo === "-0.0" ? "0.0" : m.lo;
    const a = [lo, m.hi, String(m.n)].join(" "), b = [v.lo, v.hi, String(v.n)].join(" ");
    console.log(m.p + ": " + a + (a === b ? "" : " but the values give " + b));
    bad += a !== b;
}
process.exit(bad ? 1 : 0);
EOF
    check "statistics: min, max and null count of every column" node stats.mjs
    diag "$(node stats.mjs 2>&1)"
fi

# auxiliary coordinates: 2-D latitudes and longitudes, a scalar member
cat > aux.cdl <<'EOF'
netcdf aux {
dimensions:
  time = 3 ; y = 2 ; x = 2 ;
variables:
  double time(time) ; time:units = "hours since 2000-01-01" ;
  int y(y) ; int x(x) ;
  float lat(y, x) ; lat:units = "degrees_north" ;
  float lon(y, x) ; lon:units = "degrees_east" ;
  int number ;
  float t2m(time, y, x) ; t2m:coordinates = "lat lon number" ;
  t2m:_FillValue = -999.f ;
  string name(time) ;
data:
  time = 0, 1, 2 ; y = 0, 1 ; x = 0, 1 ;
  lat = 60.5, 60.25, 61, 61.5 ; lon = 10, 11.5, 10.25, 12 ; number = 7 ;
  t2m = 1, 2, 3, 4, 5, -999, 7, 8, 9, 10, 11, 12 ;
  name = "a", "b,c", "d\"e and a string longer than the 64 bytes kept as a column's minimum or maximum" ;
}
EOF
if ncgen -4 -o aux.nc aux.cdl && nc2zarr -q aux.nc -o aux.zarr; then
    case_ aux aux.zarr --vars t2m
    case_ aux-x1 aux.zarr -i x=1
    check "aux: the coordinates are columns" \
        grep -q '^time,y,x,lat,lon,number,t2m$' aux.csv
    case_ strings aux.zarr --vars name
else
    not_ok "aux: ncgen and nc2zarr"
fi

# sixteen variables: lists of 15 or more in the footer (the schema, the
# columns of a row group) take Thrift's long list header
{
    echo 'netcdf wide { dimensions: x = 3 ; variables: int x(x) ;'
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
        echo "short v$i(x) ; v$i:_FillValue = -1s ;"
    done
    echo 'data: x = 10, 20, 30 ;'
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
        echo "v$i = $i, -1, $((i * 100)) ;"
    done
    echo '}'
} > wide.cdl
if ncgen -4 -o wide.nc wide.cdl && nc2zarr -q wide.nc -o wide.zarr; then
    case_ wide wide.zarr
else
    not_ok "wide: ncgen and nc2zarr"
fi

# long lines: rows go line by line along the last dimension, a column
# that depends on it alone copied from the line before, real values
# decoded 4096 at a time (a line of 5000 is two pieces); a text
# coordinate on that dimension, float32 and float64 values with missing
# ones in the first, the last and the second piece, and --dropna
{
    echo 'netcdf lines { dimensions: time = 3 ; x = 5000 ;'
    echo 'variables: int time(time) ; time:units = "days since 2000-01-01" ;'
    echo 'int x(x) ; string tag(x) ;'
    echo 'float f(time, x) ; f:_FillValue = -1.f ; f:coordinates = "tag" ;'
    echo 'double d(time, x) ; d:_FillValue = -1. ;'
    echo 'data: time = 0, 1, 2 ;'
    awk 'BEGIN { printf "x ="; for (i = 0; i < 5000; i++)
                     printf "%s %d", i ? "," : "", i; print " ;"
                 printf "tag ="; for (i = 0; i < 5000; i++)
                     printf "%s \"t%d\"", i ? "," : "", i % 7; print " ;"
                 for (v = 0; v < 2; v++) {
                     printf "%s =", v ? "d" : "f"
                     for (t = 0; t < 3; t++) for (i = 0; i < 5000; i++) {
                         miss = i == 0 || i == 4999 || i == 4500 + t ||
                                (t == 1 && v == 1 && i < 4096)
                         printf "%s %s", t || i ? "," : "",
                             miss ? "-1" : sprintf("%.3f", t * 0.5 + i / 7)
                     }
                     print " ;"
                 } }'
    echo '}'
} > lines.cdl
if ncgen -4 -o lines.nc lines.cdl && nc2zarr -q lines.nc -o lines.zarr; then
    case_ lines lines.zarr
    check "lines: the text coordinate is a column" \
        grep -q '^time,x,tag,d,f$' lines.csv
    zsel lines.zarr --csv | awk -F, 'NR == 1 || $4 != "" || $5 != ""' \
        > lines-dropna.csv
    if zsel lines.zarr --parquet lines-dropna.pq --dropna 2> lines.err; then
        same lines-dropna lines-dropna.pq
    else
        not_ok "lines: zsel --dropna runs" "$(cat lines.err)"
    fi
else
    not_ok "lines: ncgen and nc2zarr"
fi

# partitioned as dask's partition_on: DIR/time=2019-07-01 00:00:00/...
zsel era5.zarr -s latitude=40:50 -s longitude=0:20 -i time=0:5 --csv \
    > part.csv
if zsel era5.zarr -s latitude=40:50 -s longitude=0:20 -i time=0:5 \
        --parquet part.pq --partition-on time 2> part.err; then
    check_eq "partitions: one folder per time, named as dask does" \
        "time=2019-07-01 00:00:00/part.0.parquet
time=2019-07-01 01:00:00/part.0.parquet
time=2019-07-01 02:00:00/part.0.parquet
time=2019-07-01 03:00:00/part.0.parquet
time=2019-07-01 04:00:00/part.0.parquet" \
        "$(cd part.pq && find . -type f | sed 's|^\./||' | sort)"
    same part part.pq time
else
    not_ok "zsel --partition-on time runs" "$(cat part.err)"
fi
zsel era5.zarr -s latitude=40:50 -s longitude=0:20 -i time=0:2 --csv \
    > plat.csv
if zsel era5.zarr -s latitude=40:50 -s longitude=0:20 -i time=0:2 \
        --parquet plat.pq --partition-on latitude 2> plat.err; then
    check_eq "partitions on float32 latitudes: labels as Python prints them" \
        "latitude=42.0 latitude=48.0" "$(ls plat.pq | tr '\n' ' ' | sed 's/ $//')"
    same plat plat.pq latitude
else
    not_ok "zsel --partition-on latitude runs" "$(cat plat.err)"
fi

# --dropna: rows whose data variables are all missing are left out (sea
# ice is missing over land, SST over land, chlorophyll where it is fill)
zsel sst.zarr -s lat=-20:20 -s lon=0:60 --csv |
    awk -F, 'NR == 1 || $5 != "" || $6 != ""' > dropna.csv
if zsel sst.zarr -s lat=-20:20 -s lon=0:60 --parquet dropna.pq --dropna \
        2> dropna.err; then
    check "--dropna leaves rows out" test "$(wc -l < dropna.csv)" -lt \
        "$(wc -l < sst-missing.csv)"
    same dropna dropna.pq
else
    not_ok "zsel --dropna runs" "$(cat dropna.err)"
fi

# several row groups (--row-group N: at most N rows each, cut along the
# rows' dimensions: 72 hours of 11 x 60 points make 72 groups of 660);
# chunks with few distinct values (times, coordinates, packed int16) in
# dictionary encoding, the others PLAIN
zsel era5.zarr -s latitude=0:60 --csv > groups.csv
if zsel era5.zarr -s latitude=0:60 --parquet groups.pq --row-group 1000 \
        2> groups.err; then
    same groups groups.pq
    if [ $have_npm = 1 ]; then
        cat > groups.mjs <<EOF
import { DuckDBInstance } from "$NPM/@duckdb/node-api/lib/index.js";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const r = await c.runAndReadAll("SELECT count(DISTINCT row_group_id) AS g, " +
    "max(row_group_num_rows) AS m, min(row_group_num_rows) AS n " +
    "FROM parquet_metadata('groups.pq/part.0.parquet')");
const o = r.getRowObjects()[0];
console.log(String(o.g), String(o.m), String(o.n));
EOF
        check_eq "row groups of at most 1000 rows" "72 660 660" \
            "$(node groups.mjs 2>&1)"
        cat > enc.mjs <<EOF
import { DuckDBInstance } from "$NPM/@duckdb/node-api/lib/index.js";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const r = await c.runAndReadAll("SELECT encodings AS e, count(*) AS n " +
    "FROM parquet_metadata('groups.pq/part.0.parquet') GROUP BY e ORDER BY e");
console.log(r.getRowObjects().map(o => o.e + ": " + o.n).join("; "));
EOF
        enc=$(node enc.mjs 2>&1)
        diag "chunk encodings: $enc"
        check "both PLAIN and dictionary chunks were read" \
            sh -c "echo '$enc' | grep -q 'RLE_DICTIONARY: ' &&
                   echo '$enc' | grep -q 'PLAIN, RLE: '"
    fi
else
    not_ok "zsel --row-group runs" "$(cat groups.err)"
fi

# 10 million rows in bounded memory: a 0.25-degree grid 10 hours long
# (10.4 million rows) and 2 hours long, the same peak RSS under -m 32M
# (not under ASan, which keeps freed memory in quarantine); DuckDB counts
# the rows
rss_name="10 million rows: peak RSS as for 2 million"
if [ "$ZS_SANITIZED" = yes ]; then
    skip_env "$rss_name: sanitizer build"
elif [ ! -x /usr/bin/time ]; then
    not_ok "$rss_name: /usr/bin/time is missing (Debian package time)"
elif ! { "$top_builddir/data-samples/mksamples" bench big --hours 10 &&
         nc2zarr -q big -o big.zarr; } > mk.log 2>&1; then
    not_ok "$rss_name: making the input" "$(tail -20 mk.log)"
else
    rm -rf big
    # rss NAME HOURS JOBS: the peak RSS in KB of a zsel that wrote its
    # file.  One thread makes the peak the same from run to run; with
    # all threads it varies by up to a tenth with how far the readers
    # run ahead, within the same budget
    rss() {
        /usr/bin/time -f %M -o "$1.rss" zsel -q -m 32M -j "$3" big.zarr \
            -i time=0:$2 --parquet "$1.pq" --overwrite > /dev/null \
            2> "$1.err" &&
            test -s "$1.pq/part.0.parquet" && tail -1 "$1.rss"
    }
    a=$(rss two 2 1) b=$(rss ten 10 1) c=$(rss ten 10 "$(nproc)")
    if [ -z "$a" ] || [ -z "$b" ] || [ -z "$c" ]; then
        not_ok "$rss_name: zsel failed" "$(cat two.err ten.err)"
    else
        check "$rss_name, one thread: $b KB vs $a KB" \
            awk "BEGIN { r = $b / $a; exit !(r < 1.10 && $a > 5000) }"
        check "  ... all threads: $c KB" \
            awk "BEGIN { exit !($c / $a < 1.25) }"
    fi
    if [ $have_npm = 1 ]; then
        cat > count.mjs <<EOF
import { DuckDBInstance } from "$NPM/@duckdb/node-api/lib/index.js";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const r = await c.runAndReadAll("SELECT count(*) AS n, " +
    "count(DISTINCT time) AS t FROM 'ten.pq/part.0.parquet'");
const o = r.getRowObjects()[0];
console.log(String(o.n), String(o.t));
EOF
        check_eq "  ... DuckDB counts 10 x 721 x 1440 rows in 10 hours" \
            "10382400 10" "$(node count.mjs 2>&1)"
    fi
fi
rm -rf big.zarr two.pq ten.pq

# bad input: a clear message, a non-zero exit, no output
mkdir exists.pq
check_fail "an existing output without --overwrite" 1 \
    "^zsel: exists.pq: output exists \(use --overwrite" \
    zsel era5.zarr -i time=0 --parquet exists.pq
check_eq "  ... is left as it was" "" "$(ls exists.pq)"
check "  ... and replaced with --overwrite" \
    zsel era5.zarr -i time=0 --parquet exists.pq --overwrite
check "  ... holding the file" test -s exists.pq/part.0.parquet
check_fail "--partition-on an unknown dimension" 1 \
    "^zsel: era5.zarr: partition dimension 'level': not a dimension.*--partition-on" \
    zsel era5.zarr -i time=0 --parquet nodim.pq --partition-on level
check "  ... writes nothing" test ! -e nodim.pq
check_fail "--parquet to standard output" 1 \
    "^zsel: -: Parquet output goes to a local folder" \
    zsel era5.zarr -i time=0 --parquet -
check_fail "--parquet to a URL" 1 \
    "^zsel: s3://b/x: Parquet output goes to a local folder" \
    zsel era5.zarr -i time=0 --parquet s3://b/x
check "  ... writes nothing" test ! -e s3: -a ! -e ./-
check_fail "--parquet with -o" 2 "give exactly one of" \
    zsel era5.zarr -i time=0 --parquet both.pq -o both.zarr
check_fail "--parquet with --csv" 2 "give exactly one of" \
    zsel era5.zarr -i time=0 --parquet both.pq --csv
check_fail "--dropna without --parquet" 2 "go with --parquet" \
    zsel era5.zarr -i time=0 --csv --dropna
check "  ... writes nothing" test ! -e both.pq -a ! -e both.zarr
check_eq "no temporary folder is left" "" "$(ls -d ./*.partial.* 2>/dev/null)"

done_testing
