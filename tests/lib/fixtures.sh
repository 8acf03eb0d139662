# fixtures.sh - the fixture stores of ../shared/data/zarr, written by other
# implementations, that the store tests read through every kind of store
# (folder, zip, HTTP, tar stream).  Source it after tap.sh:
#
#   . "$srcdir/tests/lib/fixtures.sh"
#   for root in $ZS_FIXTURE_ROOTS; do d=$SHARED/zarr/$root; ...; done
#
#   ZS_FIXTURE_ROOTS     the roots (paths below $SHARED/zarr, no spaces),
#                        one list for tests/interop/zarr-fixtures.sh,
#                        http.sh, zip.sh and tar.sh
#   zs_fixture_found     the roots actually in $SHARED/zarr: the highest
#                        folders holding .zgroup, .zarray or zarr.json
#                        (zarr-fixtures.sh checks that they are the list)

ZS_FIXTURE_ROOTS="zarr-python-v2-fixture/fixture
zarrita.js-fixtures/fixtures/v2/data.zarr
zarrita.js-fixtures/fixtures/v3/data.zarr
python3-zarr-written/blosc.zarr
python3-zarr-written/era5_xr.zarr
python3-zarr-written/gzip.zarr
python3-zarr-written/raw.zarr
python3-zarr-written/zlib.zarr
python3-zarr-written/zstd.zarr"

zs_fixture_found() {
    (cd "$SHARED/zarr" &&
     find . \( -name .zgroup -o -name .zarray -o -name zarr.json \) |
     sed 's|^\./||; s|/[^/]*$||' | sort -u |
     awk '{ for (i = 1; i <= n; i++) if (index($0, r[i] "/") == 1) next
            r[++n] = $0; print }')
}
