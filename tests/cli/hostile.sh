#!/bin/sh
# Hostile and inconsistent stores (issue 15): every case is an error
# naming what is wrong, exit status 1, never data from elsewhere, never
# the fill value in place of something that is not a chunk, never a hang
# (every command runs under a time limit), and never a sanitizer report
# (check_fail fails on exit status 86).
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
cd "$TMP" || exit 1

# run a tool with a bound on its time: a hang fails the test, not make
t() { timeout 60 "$@"; }

# ---- empty metadata documents ----------------------------------------------
# An empty value reached memchr(NULL, 0, 0) in the JSON reader: undefined
# behaviour that UBSan reports (the normal build printed the right error).
mkdir -p empty-zmeta.zarr empty-zarray.zarr
: > empty-zmeta.zarr/.zmetadata
: > empty-zarray.zarr/.zarray
check_fail "an empty .zmetadata: invalid JSON, no undefined behaviour" 1 \
    "empty-zmeta.zarr: .zmetadata: invalid JSON" t zinfo empty-zmeta.zarr
check_fail "an empty .zarray: invalid JSON, no undefined behaviour" 1 \
    "empty-zarray.zarr: .zarray: invalid JSON" t zinfo empty-zarray.zarr

done_testing
