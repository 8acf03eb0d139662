# tests/interop: the core library and tools against other implementations
TESTS += tests/interop/zarr-fixtures.sh
EXTRA_DIST += tests/interop/zarr-fixtures.sh tests/interop/expected_digest.py
TESTS += tests/interop/nc-convert.sh
EXTRA_DIST += tests/interop/nc-convert.sh tests/interop/compare_nc_zarr.py
TESTS += tests/interop/multifile.sh
EXTRA_DIST += tests/interop/multifile.sh
TESTS += tests/interop/ncdump.sh
EXTRA_DIST += tests/interop/ncdump.sh tests/interop/ncdump_blocks.awk
TESTS += tests/interop/zsel.sh
EXTRA_DIST += tests/interop/zsel.sh tests/interop/compare_sel.py
TESTS += tests/interop/zmean.sh
EXTRA_DIST += tests/interop/zmean.sh tests/interop/compare_reduce.py
TESTS += tests/interop/nc-direct.sh
EXTRA_DIST += tests/interop/nc-direct.sh
