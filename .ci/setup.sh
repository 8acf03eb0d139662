#!/bin/sh
# Set up zstore on a fresh Debian 12 machine and run it.
#
#   sh .ci/setup.sh demo    install what is missing, build, convert the
#                           bundled ERA5-like samples and describe them
#   sh .ci/setup.sh check   install what is missing, build, run the whole
#                           test suite (normal and sanitizer builds); the
#                           last line is "N passed, N failed, N skipped";
#                           a test that lacks an oracle or ../shared/data
#                           fails (ZS_REQUIRE_ALL=0 lets it skip)
#
# As root, missing Debian packages are installed with apt-get; otherwise
# the exact apt-get command is printed and the script stops.
set -u
mode=${1:-demo}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

# build tools and libraries
pkgs="build-essential autoconf automake libtool pkg-config
libnetcdf-dev libhdf5-dev libblosc-dev libzstd-dev liblz4-dev libcjson-dev
libcurl4-openssl-dev libarchive-dev zlib1g-dev libssl-dev libdeflate-dev
libbz2-dev netcdf-bin libcairo2-dev libpng-dev fonts-dejavu-core
libudunits2-dev libxxhash-dev"
# independent programs the tests check against
test_pkgs="python3 python3-numpy python3-xarray python3-zarr python3-netcdf4
python3-dask python3-numcodecs python3-cftime python3-fsspec python3-aiohttp
python3-h5py
nco cdo mandoc procps util-linux nginx-light tar zip unzip time openssl
ca-certificates parallel openmpi-bin
python3-scipy python3-torch python3-statsmodels python3-bottleneck
python3-numba python3-matplotlib python3-pil udunits-bin python3-xxhash"
[ "$mode" = check ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "zstore needs these Debian packages; as root run:"
        echo "  apt-get install -y$missing"
        exit 1
    fi
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq$missing >/dev/null ||
        { echo "apt-get failed"; exit 1; }
fi

build() {  # build DIR [configure options...]
    dir=$1; shift
    mkdir -p "$dir" && cd "$dir" || exit 1
    { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
        make -s -j"$jobs" >/dev/null || { echo "build failed in $dir"; exit 1; }
    cd "$top" || exit 1
}

[ -x configure ] || ./bootstrap || exit 1

# JavaScript oracles from the npm registry: zarrita (reads our zips),
# s3rver (an S3 server that checks signatures), DuckDB and hyparquet (read
# our Parquet files).  Tests skip without them.
npm_oracles() {
    export ZS_NPM_DIR="$top/build/npm/node_modules"
    [ -d "$ZS_NPM_DIR/@20minutes/s3rver" ] && [ -d "$ZS_NPM_DIR/zarrita" ] &&
        [ -d "$ZS_NPM_DIR/@duckdb/node-api" ] &&
        [ -d "$ZS_NPM_DIR/hyparquet-compressors" ] && return 0
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm \
            >/dev/null 2>&1
    fi
    command -v npm >/dev/null 2>&1 || { echo "npm missing: the zarrita and S3 tests will skip"; return 0; }
    mkdir -p build/npm
    npm install --prefix build/npm --no-audit --no-fund --loglevel=error \
        zarrita@0.7.5 @zarrita/storage@0.2.0 @20minutes/s3rver@4.0.4 \
        @duckdb/node-api@1.5.6-r.1 hyparquet@1.33.0 \
        hyparquet-compressors@1.1.2 \
        >build/npm.log 2>&1 ||
        echo "npm install failed (see build/npm.log): the zarrita and S3 tests will skip"
}

case $mode in
demo)
    build build/release
    make -s -C build/release samples >/dev/null || exit 1
    out=build/demo/era5.zarr
    rm -rf "$out"
    mkdir -p build/demo
    build/release/tools/nc2zarr --overwrite build/release/data-samples/out/era5/*.nc \
        -o "$out" || exit 1
    build/release/tools/zinfo "$out"
    ;;
check)
    npm_oracles
    # every oracle and data set must be there: a test that would skip for
    # want of one fails instead (tests/lib/tap.sh)
    ZS_REQUIRE_ALL=${ZS_REQUIRE_ALL:-1}
    export ZS_REQUIRE_ALL
    passed=0 failed=0 skipped=0
    for cfg in release:--enable-werror sanitize:--enable-werror,--enable-sanitizers; do
        name=${cfg%%:*}
        opts=$(echo "${cfg#*:}" | tr ',' ' ')
        # shellcheck disable=SC2086
        build "build/$name" $opts
        echo "== make check ($name build)"
        make -s -C "build/$name" -j"$jobs" check >"build/$name-check.log" 2>&1
        grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR|XPASS)' \
            "build/$name/test-suite.log" | sed "s/^/$name /"
        grep -E '^(FAIL|ERROR|XPASS):' "build/$name-check.log" | head -50
        p=$(sed -n 's/^# PASS: *//p' "build/$name/test-suite.log")
        f1=$(sed -n 's/^# FAIL: *//p' "build/$name/test-suite.log")
        f2=$(sed -n 's/^# ERROR: *//p' "build/$name/test-suite.log")
        f3=$(sed -n 's/^# XPASS: *//p' "build/$name/test-suite.log")
        s=$(sed -n 's/^# SKIP: *//p' "build/$name/test-suite.log")
        skipped=$((skipped + ${s:-0}))
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f1:-0} + ${f2:-0} + ${f3:-0}))
        [ -n "$p" ] || failed=$((failed + 1))
    done
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ]
    ;;
*)
    echo "usage: sh .ci/setup.sh demo|check"; exit 2 ;;
esac
