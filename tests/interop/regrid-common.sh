# regrid-common.sh - what the zregrid tests share (sourced by
# tests/interop/zregrid.sh and zregrid-curvi.sh): TAP, the samples,
# compare_regrid.py, CDO without extrapolation (skipping the whole test
# when CDO is absent), and helpers.
. "$srcdir/tests/lib/tap.sh"
py_serve
S=$top_builddir/data-samples/out
CMP="$PY $srcdir/tests/interop/compare_regrid.py"
REMAP_EXTRAPOLATE=off
export REMAP_EXTRAPOLATE
cd "$TMP" || exit 1

if ! command -v cdo >/dev/null 2>&1; then
    skip "cdo is not installed"
    done_testing
    exit
fi

# cmp DESCRIPTION compare_regrid.py-ARGS...
# shellcheck disable=SC2086
cmp() { d=$1; shift; check_diag "$d" $CMP "$@"; }

# rg NAME ZREGRID-ARGS...: run zregrid -q ... -o NAME.zarr
rg() {
    n=$1; shift
    if ! zregrid -q "$@" -o "$n.zarr" 2>"$n.err"; then
        not_ok "$n: zregrid runs" "$(cat "$n.err")"
        return 1
    fi
}

# griddes FILE YFIRST YINC NY XFIRST XINC NX: a CDO grid description
griddes() {
    printf 'gridtype = lonlat\nxsize = %s\nysize = %s\nxfirst = %s\n'\
'xinc = %s\nyfirst = %s\nyinc = %s\n' "$7" "$4" "$5" "$6" "$2" "$3" >"$1"
}
