#!/bin/sh
# A _FillValue of another type than its integer variable (invalid per the
# NUG, but written by tools that bypass netCDF-C, e.g. h5py or h5netcdf):
# the store must decode in xarray exactly as the file does, dtype and
# values.  xarray masks with a fill that casts exactly (-9999.0 on int16:
# float32 with NaN), ignores NaN (int16 stays int16), and applies others
# as an attribute (300.0 on uint8: float32, nothing masked).
# The files are written with h5py (an independent HDF5 writer).
. "$srcdir/tests/lib/tap.sh"

if ! $PY -c 'import h5py, xarray' 2>/dev/null; then
    skip "python3-h5py or python3-xarray is absent"; done_testing; exit
fi
$PY - "$TMP" <<'PYEOF' || { not_ok "h5py writes the inputs"; done_testing; exit; }
import sys, h5py, numpy as np
d = sys.argv[1]
cases = {"nan": (np.arange(6, dtype="i2"), np.float32(np.nan)),
         "exact": (np.array([1, -9999, 3, 4], dtype="i2"), np.float64(-9999)),
         "range": (np.array([1, 2], dtype="u1"), np.float64(300.0)),
         "frac": (np.array([5, 6], dtype="i4"), np.float64(0.5))}
for name, (data, fill) in cases.items():
    with h5py.File(f"{d}/{name}.nc", "w") as f:
        f.create_dataset("x", data=data)
        f["x"].attrs["_FillValue"] = fill
PYEOF
for c in nan exact range frac; do
    nc2zarr "$TMP/$c.nc" -o "$TMP/$c.zarr" 2>"$TMP/$c.err"
    check "$c: converts" test -d "$TMP/$c.zarr"
    check "$c: xarray decodes the store as the file (dtype, values, mask)" \
        $PY -W ignore -c '
import sys, xarray as xr
a = xr.open_dataset(sys.argv[1]).x.load()
b = xr.open_zarr(sys.argv[2]).x.load()
assert a.dtype == b.dtype, (a.dtype, b.dtype)
assert a.equals(b), (a.values, b.values)
' "$TMP/$c.nc" "$TMP/$c.zarr"
done
check "nan: the ignored fill is named in a warning" \
    grep -q "x: _FillValue NaN cannot be int16: ignored" "$TMP/nan.err"
check "exact: no warning" test ! -s "$TMP/exact.err"
check "exact: the fill becomes the array's fill_value, in its type" \
    grep -q '"fill_value": -9999,' "$TMP/exact.zarr/x/.zarray"
check "nan: no fill_value and no _FillValue attribute left" $PY -c '
import json, sys
z = json.load(open(sys.argv[1] + "/x/.zarray"))
a = json.load(open(sys.argv[1] + "/x/.zattrs"))
assert z["fill_value"] is None and "_FillValue" not in a, (z, a)
' "$TMP/nan.zarr"
done_testing
