#!/bin/sh
# NetCDF-4 variables are read chunk by chunk through HDF5 and decoded by
# our codecs (libdeflate): the values must be those netCDF4-python reads,
# whatever the filters (deflate, shuffle), byte order, chunk edges, and
# chunks never written (fill values); variables with other filters
# (fletcher32) go through netCDF-C and must agree too.
. "$srcdir/tests/lib/tap.sh"
cd "$TMP" || exit 1
$PY - <<'PYEOF' || { not_ok "test file written"; done_testing; exit; }
import numpy as np, netCDF4
rng = np.random.default_rng(7)
d = netCDF4.Dataset("direct.nc", "w")
d.createDimension("t", None)
d.createDimension("y", 37)
d.createDimension("x", 53)
shape = (11, 37, 53)
cases = {
    "deflate_i2": dict(datatype="i2", zlib=True, complevel=1, chunksizes=(1, 37, 53)),
    "shuffle_f4": dict(datatype="f4", zlib=True, shuffle=True, complevel=4, chunksizes=(3, 10, 16)),
    "big_f8": dict(datatype="f8", zlib=True, shuffle=True, endian="big", chunksizes=(4, 8, 53)),
    "big_i4": dict(datatype="i4", zlib=True, endian="big", chunksizes=(2, 37, 7)),
    "raw_u2": dict(datatype="u2", chunksizes=(5, 5, 5)),
    "sparse_f4": dict(datatype="f4", zlib=True, chunksizes=(2, 10, 10), fill_value=-7.5),
    "default_fill_i8": dict(datatype="i8", zlib=True, chunksizes=(3, 20, 20)),
    "fletcher_f4": dict(datatype="f4", zlib=True, fletcher32=True, chunksizes=(2, 37, 53)),
}
for name, kw in cases.items():
    dt = kw.pop("datatype")
    v = d.createVariable(name, dt, ("t", "y", "x"), **kw)
    if np.dtype(dt).kind == "f":
        a = rng.normal(280, 15, shape).astype(dt)
    else:
        a = rng.integers(0, 30000, shape).astype(dt)
    if name.startswith("sparse") or name.startswith("default_fill"):
        v[2:5, 3:17, 11:29] = a[2:5, 3:17, 11:29]   # most chunks unwritten
        v[10, :, :] = a[10]
    else:
        v[:] = a
d.close()
PYEOF
zinfo --checksum direct.nc > ours 2>err || not_ok "zinfo --checksum runs" "$(cat err)"
$PY - direct.nc > theirs <<'PYEOF'
import sys, hashlib, numpy as np, netCDF4
d = netCDF4.Dataset(sys.argv[1])
for name in sorted(d.variables):
    v = d[name]
    v.set_auto_maskandscale(False)
    a = np.ascontiguousarray(v[...])
    a = a.astype(a.dtype.newbyteorder("<"))
    print("%s  %s" % (hashlib.sha256(a.tobytes()).hexdigest(), name))
PYEOF
while read -r sum name; do
    got=$(awk -v n="$name" '$2 == n { print $1 }' ours)
    check_eq "$name: same values as netCDF4-python" "$sum" "$got"
done < theirs
# a box that cuts chunks everywhere, through the converter
nc2zarr -q -c t=4,y=9,x=20 direct.nc -o direct.zarr
check_eq "converted with other chunks: same arrays" \
    "$(cat ours)" "$(zinfo --checksum direct.zarr)"
zsel direct.nc -i t=3:9:2 -i y=5:30 -i x=-20: -o box.zarr
check "a strided box read from the NetCDF file matches netCDF4-python" $PY - box.zarr direct.nc <<'PYEOF'
import sys, numpy as np, netCDF4, zarr
z = zarr.open_consolidated(sys.argv[1], mode="r")
d = netCDF4.Dataset(sys.argv[2])
for name in d.variables:
    if name in ("t", "y", "x"):
        continue
    v = d[name]
    v.set_auto_maskandscale(False)
    want = v[3:9:2, 5:30, -20:]
    assert np.array_equal(np.asarray(z[name][...]), np.asarray(want)), name
PYEOF
done_testing
