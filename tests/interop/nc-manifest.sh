#!/bin/sh
# nc2zarr --manifest and zinfo --verify: 100 files, one value changed in
# one of them after the conversion, and verify names that file alone.
# Oracles: python3-zarr, python3-xxhash and hashlib compute each manifest
# digest from the store independently; python3-netCDF4 writes and
# changes the inputs.
. "$srcdir/tests/lib/tap.sh"
cd "$TMP" || exit 1
$PY "$srcdir/tests/interop/mk_nc_series.py" 100 2 5 7 100 ||
    { not_ok "inputs written"; done_testing; exit; }
nc2zarr -q -c time=3 --manifest f*.nc -o m.zarr || not_ok "converts with --manifest"
check_eq "a manifest line per input" 100 "$(grep -c '^input ' m.zarr/.zmanifest)"
# the digests, from the store, by python3-zarr, python3-xxhash and
# hashlib: SHA-256 over the XXH3-128 of each record of each variable
# (version 2), or over the records' bytes (version 1)
cat > oracle.py <<'PYEOF'
import sys, hashlib, xxhash, zarr, numpy as np
def digests(store, version):
    g = zarr.open_consolidated(store, mode="r")
    lines = open(store + "/.zmanifest").read().splitlines()
    names = [l for l in lines if l.startswith("variables")][0].split()[1:]
    out = []
    for l in lines:
        if not l.startswith("input "):
            continue
        _, r0, start, n, hexd, path = l.split(" ", 5)
        r0, n = int(r0), int(n)
        h = hashlib.sha256()
        for v in names:
            a = g[v][r0:r0 + n]
            a = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"))
            if version == 1:
                h.update(a.tobytes())
            else:
                for rec in a:
                    h.update(xxhash.xxh3_128(rec.tobytes()).digest())
        out.append((l, h.hexdigest() == hexd, h.hexdigest()))
    return names, out
if __name__ == "__main__":
    names, out = digests(sys.argv[1], 2)
    assert open(sys.argv[1] + "/.zmanifest").readline() == "zstore manifest 2\n"
    print(sum(not ok for _, ok, _ in out), len(names))
PYEOF
check_eq "every digest is SHA-256 of the store's records of a and p" "0 2" \
    "$($PY oracle.py m.zarr)"
zinfo --verify m.zarr f*.nc > ok.out 2>ok.err; rc=$?
check_eq "every file verifies: exit 0" 0 "$rc"
check_eq "... a line OK each" 100 "$(grep -c ': OK (records ' ok.out)"
check "... f042.nc filled records 84 to 85" grep -qx "f042.nc: OK (records 84 to 85)" ok.out

# the digests come from the workers (units of whole records), from the
# store read back (a zip has no records of completed work; units of part
# of a record), or from both: the same manifest
nc2zarr -q -c time=3 --manifest f*.nc -o m.zip ||
    not_ok "--manifest into a zip"
unzip -p m.zip .zmanifest > zip.manifest
check "a zip (digests read back): the same manifest" \
    cmp m.zarr/.zmanifest zip.manifest
ZSTORE_CONVERT_UNIT=100 nc2zarr -q -c time=3,y=2 --manifest f*.nc \
    -o cols.zarr || not_ok "--manifest with units of part of a record"
check_eq "units of part of a record: digests as python3-zarr's" "0 2" \
    "$($PY oracle.py cols.zarr)"
grep '^input ' m.zarr/.zmanifest > m.in
grep '^input ' cols.zarr/.zmanifest > cols.in
check "... the same digests as whole records'" cmp m.in cols.in
# a run killed after some units were recorded, resumed: the workers of
# the first run left digests the manifest uses (killed once a record
# and a digest exist: the first record may cover only units that have
# no digests, coordinates, when the machine is busy)
ZSTORE_CONVERT_RECORD_MS=50 ZSTORE_CONVERT_UNIT=4K \
    nc2zarr -q -j 2 -c time=3 --manifest f*.nc -o res.zarr 2>/dev/null &
pid=$!
n=0
while ! { ls res.zarr.partial/.zstore.done.* &&
          ls res.zarr.partial/.zstore.digest.*; } >/dev/null 2>&1 &&
      [ $n -lt 1000 ]; do
    sleep 0.01; n=$((n + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e res.zarr ]; then
    skip_env "the run ended before it could be killed"
elif [ -e res.zarr.partial/.zmetadata ]; then
    # the metadata is written last, then the records are removed
    skip_env "the run was finishing when it was killed"
else
    check "killed with digests left" sh -c \
        "ls res.zarr.partial/.zstore.digest.* >/dev/null 2>&1"
    n=0
    until ZSTORE_CONVERT_UNIT=4K nc2zarr -q --resume -c time=3 --manifest \
            f*.nc -o res.zarr 2>res.err ||
          ! grep -q "another conversion" res.err || [ $n -gt 100 ]; do
        sleep 0.1; n=$((n + 1))
    done
    check "resumed: the same manifest" cmp m.zarr/.zmanifest res.zarr/.zmanifest
    check "... and no digests left behind" sh -c \
        "! ls -a res.zarr | grep -q zstore"
fi
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

# a manifest of version 1 (written by older zstore) still verifies
cp -r m.zarr v1.zarr
$PY - v1.zarr <<'PYEOF'
import sys
sys.path.insert(0, ".")
from oracle import digests
names, out = digests(sys.argv[1], 1)
text = open(sys.argv[1] + "/.zmanifest").read()
text = text.replace("zstore manifest 2\n", "zstore manifest 1\n")
for l, _, hexd in out:
    f = l.split(" ", 5)
    f[4] = hexd
    text = text.replace(l, " ".join(f))
open(sys.argv[1] + "/.zmanifest", "w").write(text)
PYEOF
check "a version 1 manifest verifies" zinfo --verify v1.zarr f00*.nc
check_fail "... and a changed one does not" 1 "1 of 1 files differ" \
    zinfo --verify v1.zarr f057.nc

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
