#!/bin/sh
# nc2zarr --manifest and zinfo --verify: 100 files, one value changed in
# one of them after the conversion, and verify names that file alone.
# Oracles: python3-zarr and hashlib compute each manifest digest from the
# store independently; python3-netCDF4 writes and changes the inputs.
. "$srcdir/tests/lib/tap.sh"
cd "$TMP" || exit 1
$PY "$srcdir/tests/interop/mk_nc_series.py" 100 2 5 7 100 ||
    { not_ok "inputs written"; done_testing; exit; }
nc2zarr -q -c time=3 --manifest f*.nc -o m.zarr || not_ok "converts with --manifest"
check_eq "a manifest line per input" 100 "$(grep -c '^input ' m.zarr/.zmanifest)"
# the digests, from the store, by python3-zarr and hashlib
$PY - m.zarr > oracle <<'PYEOF'
import sys, hashlib, zarr, numpy as np
g = zarr.open_consolidated(sys.argv[1], mode="r")
lines = open(sys.argv[1] + "/.zmanifest").read().splitlines()
names = [l for l in lines if l.startswith("variables")][0].split()[1:]
bad = 0
for l in lines:
    if not l.startswith("input "):
        continue
    _, r0, start, n, hexd, path = l.split(" ", 5)
    r0, n = int(r0), int(n)
    h = hashlib.sha256()
    for v in names:
        h.update(np.ascontiguousarray(g[v][r0:r0 + n]).astype(g[v].dtype.newbyteorder("<")).tobytes())
    bad += h.hexdigest() != hexd
print(bad, len(names))
PYEOF
check_eq "every digest is SHA-256 of the store's records of a and p" "0 2" \
    "$(cat oracle)"
zinfo --verify m.zarr f*.nc > ok.out 2>ok.err; rc=$?
check_eq "every file verifies: exit 0" 0 "$rc"
check_eq "... a line OK each" 100 "$(grep -c ': OK (records ' ok.out)"
check "... f042.nc filled records 84 to 85" grep -qx "f042.nc: OK (records 84 to 85)" ok.out

# one value of one file changed after the conversion
$PY -c 'import netCDF4; d = netCDF4.Dataset("f057.nc", "a"); d["p"].set_auto_maskandscale(False); d["p"][1, 2, 3] = d["p"][1, 2, 3] + 1; d.close()'
zinfo --verify m.zarr f*.nc > v.out 2>v.err; rc=$?
check_eq "a changed value: exit 1" 1 "$rc"
check_eq "... names that file alone" \
    "f057.nc: DIFFERS (records 114 to 115); the file is not what was converted" \
    "$(grep -v ': OK ' v.out)"
check "... and counts it" grep -q "m.zarr: 1 of 100 files differ" v.err

# a conversion in parts leaves the same manifest
nc2zarr -q -c time=3 --manifest f*.nc -o whole.zarr
nc2zarr -q -c time=3 --prepare f*.nc -o parts.zarr
for k in 3 1 2; do nc2zarr -q -c time=3 --part $k/3 f*.nc -o parts.zarr; done
nc2zarr -q -c time=3 --manifest --finish f*.nc -o parts.zarr ||
    not_ok "the finish writes the manifest"
check "parts and a finish: the same manifest as one run" \
    cmp whole.zarr/.zmanifest parts.zarr/.zmanifest
check "... and the same store" diff -r whole.zarr parts.zarr

# unpacked values are checked as float32
nc2zarr -q --unpack --manifest f00*.nc -o u.zarr
check "--unpack: the files verify" zinfo --verify u.zarr f00*.nc

check_fail "a file not in the manifest" 1 "x.nc: not in the manifest" \
    sh -c 'cp f001.nc x.nc && zinfo --verify m.zarr x.nc >&2'
nc2zarr -q f00*.nc -o none.zarr
check_fail "a store without a manifest" 1 "none.zarr: no manifest" \
    zinfo --verify none.zarr f001.nc
check_fail "--verify without files: usage error" 2 "needs a store and files" \
    zinfo --verify m.zarr
check_fail "--manifest with --part: usage error" 2 "written by a whole conversion" \
    nc2zarr --manifest --part 1/2 f001.nc -o m2.zarr
check_fail "--manifest with --append: usage error" 2 "written by a whole conversion" \
    nc2zarr --manifest --append f001.nc -o m.zarr
done_testing
