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

# ---- folder stores: a key is a regular file inside the store ---------------
# an uncompressed store with 4 chunks per array (t2m/0.0.0 .. t2m/3.0.0)
nc2zarr -q --compressor none -c time=6 "$S/era5/era5_sfc_2019-07-01.nc" \
    -o base.zarr || { not_ok "nc2zarr writes the base store"; done_testing
                      exit 1; }
zinfo --checksum base.zarr > base.sum
# a "secret" outside every store, as large as a chunk
head -c "$(wc -c < base.zarr/t2m/1.0.0)" /dev/urandom > secret
variant() {  # variant NAME: a fresh copy of the base store
    rm -rf "$1.zarr" && cp -r base.zarr "$1.zarr"
}
# refused NAME WHAT REGEX: zinfo --checksum, zinfo --check and zsel fail,
# naming the key, within the time limit; zsel writes nothing
refused() {
    rn=$1 rw=$2 rr=$3    # (check_fail sets d, want and re)
    check_fail "$rw: zinfo --checksum refuses it" 1 \
        "^zinfo: $rn.zarr/t2m/1\.0\.0: $rr" \
        timeout 20 zinfo --checksum "$rn.zarr"
    check_fail "$rw: zsel --csv refuses it" 1 \
        "^zsel: $rn.zarr/t2m/1\.0\.0: $rr" \
        timeout 20 zsel "$rn.zarr" --vars t2m --isel latitude=0 \
        --isel longitude=0 --csv
    check_fail "$rw: zsel -o refuses it" 1 "t2m/1\.0\.0: $rr" \
        timeout 20 zsel -q "$rn.zarr" -o "$rn-out.zarr"
    check "$rw: ... and writes no output" \
        sh -c '! test -e "$1" && ! test -e "$1.partial"' sh "$rn-out.zarr"
    timeout 20 zinfo --check "$rn.zarr" > check.out 2> check.err; rc=$?
    if [ $rc = 1 ] && grep -Eq "^t2m/1\.0\.0: .*$rr" check.out &&
       [ "$(wc -l < check.out)" = 1 ]; then
        ok "$rw: zinfo --check lists the key (and only it)"
    else
        not_ok "$rw: zinfo --check lists the key (and only it)" \
            "status $rc" "$(cat check.out check.err)"
    fi
}

variant link-out
ln -sf "$TMP/secret" link-out.zarr/t2m/1.0.0
refused link-out "a chunk that is a link to a file outside the store" \
    "a symbolic link leading outside the store"
variant link-rel-out
ln -sf ../../secret link-rel-out.zarr/t2m/1.0.0
refused link-rel-out "a chunk that is a relative link leaving the store" \
    "a symbolic link leading outside the store"
variant link-dangling
ln -sf "$TMP/no-such-file" link-dangling.zarr/t2m/1.0.0
refused link-dangling "a chunk that is a link to nothing outside the store" \
    "a symbolic link leading outside the store"
variant link-zero
ln -sf /dev/zero link-zero.zarr/t2m/1.0.0
refused link-zero "a chunk that is a link to /dev/zero" \
    "a symbolic link leading outside the store"
variant fifo
rm fifo.zarr/t2m/1.0.0 && mkfifo fifo.zarr/t2m/1.0.0
refused fifo "a FIFO in a chunk's place" "a FIFO \(named pipe\) where a value"
variant dir
rm dir.zarr/t2m/1.0.0 && mkdir dir.zarr/t2m/1.0.0
refused dir "a directory in a chunk's place" "a directory where a value"
variant dev
rm dev.zarr/t2m/1.0.0
if mknod dev.zarr/t2m/1.0.0 c 1 5 2>/dev/null; then
    refused dev "a character device (as /dev/zero) in a chunk's place" \
        "a character device where a value"
else
    skip_env "a device in a chunk's place: mknod needs root (and CAP_MKNOD)"
fi
# a linked folder leading outside: what lies below it is refused too
variant dir-link
mkdir outside && cp dir-link.zarr/t2m/* outside/ && rm -r dir-link.zarr/t2m &&
    cp base.zarr/t2m/.z* outside/ && ln -s "$TMP/outside" dir-link.zarr/t2m
check_fail "an array folder that links outside the store is refused" 1 \
    "t2m/.*a symbolic link leading outside the store" \
    timeout 20 zinfo --checksum dir-link.zarr

# links that stay inside the store are followed; so is a linked root
variant link-in
mv link-in.zarr/t2m/1.0.0 link-in.zarr/t2m/chunk-1
ln -s chunk-1 link-in.zarr/t2m/1.0.0
ln -s "$TMP/link-in.zarr/t2m/chunk-1" link-in.zarr/t2m/abs-link
mv link-in.zarr/t2m/2.0.0 link-in.zarr/t2m/chunk-2
ln -s abs-link link-in.zarr/t2m/tmp-link && rm link-in.zarr/t2m/tmp-link
ln -s "$TMP/link-in.zarr/t2m/chunk-2" link-in.zarr/t2m/2.0.0
check_eq "chunks that are links inside the store (relative, absolute) read" \
    "$(cat base.sum)" "$(t zinfo --checksum link-in.zarr 2>&1)"
ln -s base.zarr linked-root.zarr
check_eq "a store whose root is a symbolic link reads" \
    "$(cat base.sum)" "$(t zinfo --checksum linked-root.zarr 2>&1)"
mkdir sub && ln -s ../base.zarr sub/rel-root.zarr
check_eq "... and through a relative link" \
    "$(cat base.sum)" "$(t zinfo --checksum sub/rel-root.zarr 2>&1)"
check "zinfo --check of a linked root: OK" t zinfo --check linked-root.zarr

# a FIFO given as an input file: refused, not waited on
mkfifo in-fifo.nc in-fifo.zip
check_fail "a FIFO named as a NetCDF input is refused at once" 1 \
    "in-fifo.nc: not a NetCDF file" timeout 20 zinfo in-fifo.nc
check_fail "a FIFO named as a zip store is refused at once" 1 \
    "in-fifo.zip: not a zip file \(not a regular file\)" \
    timeout 20 zinfo in-fifo.zip

# ---- duplicate entries in zips and tars ------------------------------------
# A second .zmetadata holding {} made a zip open as an empty dataset with
# exit status 0 (the last one won); in a tar file the first one won.
# Either way the archive is ambiguous.
$PY - base.zarr <<'EOF' 2> py.err
import io, os, sys, tarfile, warnings, zipfile
warnings.simplefilter("ignore")     # zipfile warns of duplicate names
root = sys.argv[1]
files = []
for d, _, fs in os.walk(root):
    for f in sorted(fs):
        p = os.path.join(d, f)
        files.append((os.path.relpath(p, root), open(p, "rb").read()))
files.sort(key=lambda kv: (kv[0] != ".zmetadata", kv[0]))
def zip_of(name, extra, prefix=""):
    with zipfile.ZipFile(name, "w") as z:
        for k, v in files + extra:
            z.writestr(prefix + k, v)
def tar_of(name, extra, after=None):
    order = files + extra
    if after:   # the extra entries right after that key
        at = [k for k, _ in files].index(after) + 1
        order = files[:at] + extra + files[at:]
    with tarfile.open(name, "w", format=tarfile.PAX_FORMAT) as t:
        for k, v in order:
            i = tarfile.TarInfo(k)
            i.size = len(v)
            t.addfile(i, io.BytesIO(v))
zip_of("dup-meta.zip", [(".zmetadata", b"{}")])
zip_of("dup-dot.zip", [("./t2m/1.0.0", b"\0" * 16)])
zip_of("dup-chunk.zip", [("t2m/1.0.0", b"\0" * 16)])
zip_of("dup-folder.zip", [("t2m/1.0.0", b"\0" * 16)], "store/")
zip_of("nodup.zip", [])
tar_of("dup-meta.tar", [(".zmetadata", b"{}")])
tar_of("dup-dot.tar", [("./t2m/1.0.0", b"\0" * 16)])
tar_of("dup-mid.tar", [("./t2m/1.0.0", b"\0" * 16)], after="t2m/1.0.0")
tar_of("nodup.tar", [])
EOF
check "python writes zips and tars with duplicate entries" test ! -s py.err
check_fail "a zip with a second .zmetadata ({}) is refused" 1 \
    "dup-meta.zip: zip entry '.zmetadata' appears twice" \
    t zinfo --checksum dup-meta.zip
check_fail "a zip with 't2m/1.0.0' and './t2m/1.0.0' is refused" 1 \
    "dup-dot.zip: zip entries 't2m/1.0.0' and './t2m/1.0.0' are both key" \
    t zinfo --checksum dup-dot.zip
check_fail "a zip with a chunk twice is refused" 1 \
    "dup-chunk.zip: zip entry 't2m/1.0.0' appears twice" t zinfo dup-chunk.zip
check_fail "a zip of the store's folder with a chunk twice is refused" 1 \
    "zip entry 'store/t2m/1.0.0' appears twice" t zinfo dup-folder.zip
check_eq "the same zip without the duplicate reads" "$(cat base.sum)" \
    "$(t zinfo --checksum nodup.zip 2>&1 | sed 's/nodup.zip/base.zarr/')"
check_fail "a tar file with a second .zmetadata at the end is refused" 1 \
    "dup-meta.tar: tar entry '.zmetadata' appears twice" \
    t zinfo --checksum dup-meta.tar
check_fail "a tar file with 't2m/1.0.0' and './t2m/1.0.0' is refused" 1 \
    "dup-dot.tar: tar entry 't2m/1.0.0' appears twice" \
    t zinfo --checksum dup-dot.tar
check_eq "the same tar without the duplicate reads" "$(cat base.sum)" \
    "$(t zinfo --checksum nodup.tar 2>&1 | sed 's/nodup.tar/base.zarr/')"
check_fail "a tar stream with a chunk twice is refused where it is read" 1 \
    "-: tar entry 't2m/1.0.0' appears twice" \
    sh -c 'timeout 60 zinfo --checksum - < dup-mid.tar'
# (a stream is checked as far as it is read: a duplicate after the last
# entry a reader needs goes unseen, as does a missing end-of-archive)

# ---- arrays that disagree on a dimension's length ------------------------
# t2m's shape made to lie, [24, 31, 2^31] where every other array has 60
# longitudes: a warning once, then zinfo --checksum walked missing chunks
# for ever.  xarray refuses such a store; so do we, naming both arrays.
variant conflict
$PY - conflict.zarr <<'EOF'
import json, sys
root = sys.argv[1]
shape = [24, 31, 2**31]
m = json.load(open(root + "/.zmetadata"))
m["metadata"]["t2m/.zarray"]["shape"] = shape
json.dump(m, open(root + "/.zmetadata", "w"))
z = json.load(open(root + "/t2m/.zarray"))
z["shape"] = shape
json.dump(z, open(root + "/t2m/.zarray", "w"))
EOF
conflict="conflict.zarr: dimension 'longitude' has length 60 in '[a-z0-9]+' \
and 2147483648 in 't2m' \(arrays that share a dimension must agree"
check_fail "arrays that disagree on a dimension's length: zinfo refuses" 1 \
    "^zinfo: $conflict" timeout 20 zinfo conflict.zarr
check_fail "... zinfo --checksum refuses at once" 1 "^zinfo: $conflict" \
    timeout 20 zinfo --checksum conflict.zarr
check_fail "... zsel refuses" 1 "^zsel: $conflict" \
    timeout 20 zsel -q conflict.zarr --isel time=0 -o conflict-out.zarr
rm -f conflict.zarr/.zmetadata
check_fail "... also without consolidated metadata" 1 "^zinfo: $conflict" \
    timeout 20 zinfo --checksum conflict.zarr

# ---- a bound on chunk reads that find nothing ----------------------------
# One array whose shape (2^31 x 2^31 one-byte chunks, 2^62 of them) no
# data back: once 2^24 chunk reads found nothing, with none ever present,
# the read stops with an error that says what was bounded (zstore(5)).
# (A zip, whose missing keys cost no system call: about 5 s.)
mkdir -p lying/x
echo '{"zarr_format": 2}' > lying/.zgroup
echo '{"zarr_format": 2, "shape": [2147483648, 2147483648],
 "chunks": [1, 1], "dtype": "|i1", "compressor": null, "fill_value": 0,
 "filters": null, "order": "C"}' > lying/x/.zarray
echo '{"_ARRAY_DIMENSIONS": ["a", "b"]}' > lying/x/.zattrs
(cd lying && $PY -c 'import zipfile, sys
with zipfile.ZipFile("../lying.zip", "w") as z:
    for f in (".zgroup", "x/.zarray", "x/.zattrs"):
        z.write(f)')
bound="lying.zip: x: no chunk present in the first 16777216 chunks read: \
stopped \(the bound on reads that find only missing chunks"
check_fail "2^62 missing chunks: zinfo --checksum stops at the bound" 1 \
    "^zinfo: $bound" timeout 300 zinfo --checksum lying.zip
check_fail "... zinfo --check stops at the bound" 1 "^zinfo: $bound" \
    timeout 300 zinfo --check lying.zip

# ---- integrity: corruption the format can catch is caught ----------------
# zstd frames are written with the content checksum: a flipped byte in a
# chunk (here a raw block of random doubles, which decodes without the
# checksum) is reported by zinfo --check naming the chunk, instead of
# decoding to other numbers with exit status 0.
$PY - rnd.cdl <<'EOF'
import random, sys
random.seed(15)
v = ", ".join(repr(random.uniform(-1e300, 1e300)) for _ in range(4000))
open(sys.argv[1], "w").write("netcdf rnd {\ndimensions:\n x = 4000 ;\n"
    "variables:\n double r(x) ;\ndata:\n r = %s ;\n}\n" % v)
EOF
ncgen -k nc3 -o rnd.nc rnd.cdl
nc2zarr -q --compressor zstd:3 -c x=2000 rnd.nc -o zstd.zarr
check "the zstd frames we write carry a content checksum" $PY -c '
import sys
b = open(sys.argv[1], "rb").read()
assert b[:4] == b"\x28\xb5\x2f\xfd" and b[4] & 0x04, b[:8]' zstd.zarr/r/1
check "... while .zarray has no \"checksum\" key (numcodecs 0.11 refuses one)" \
    sh -c '! grep -q checksum zstd.zarr/r/.zarray'
if (cd "$TMP" && $PY -c 'import zarr, numcodecs') 2>/dev/null; then
    check_eq "python3-zarr (numcodecs) reads the checksummed frames" \
        "$(zinfo --checksum zstd.zarr)" "$($PY -c '
import hashlib, sys, zarr
a = zarr.open(sys.argv[1], mode="r")["r"][:]
print(hashlib.sha256(a.astype("<f8").tobytes()).hexdigest() + "  r")' \
        zstd.zarr 2>&1)"
else
    skip "python3-zarr is not importable"
fi
cp -r zstd.zarr flipped.zarr
$PY -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x10
open(p, "wb").write(bytes(b))' flipped.zarr/r/1
timeout 60 zinfo --check flipped.zarr > check.out 2> check.err; rc=$?
if [ $rc = 1 ] && grep -Eq "^r/1: .*zstd: .*checksum" check.out &&
   [ "$(wc -l < check.out)" = 1 ]; then
    ok "a flipped byte in a zstd chunk: zinfo --check names the chunk"
else
    not_ok "a flipped byte in a zstd chunk: zinfo --check names the chunk" \
        "status $rc" "$(cat check.out check.err)"
fi
check_fail "... and zinfo --checksum fails, naming it" 1 \
    "r/1: zstd: .*checksum" t zinfo --checksum flipped.zarr

# A Zarr v3 array with the crc32c codec (written by hand): a flipped byte
# in a chunk is reported, naming it.
mkdir -p v3crc.zarr/a/c
$PY - v3crc.zarr <<'EOF'
import json, struct, sys
def crc32c(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
    return c ^ 0xffffffff
root = sys.argv[1]
json.dump({"zarr_format": 3, "node_type": "group", "attributes": {}},
          open(root + "/zarr.json", "w"))
json.dump({"zarr_format": 3, "node_type": "array", "shape": [100],
           "data_type": "uint16",
           "chunk_grid": {"name": "regular",
                          "configuration": {"chunk_shape": [50]}},
           "chunk_key_encoding": {"name": "default",
                                  "configuration": {"separator": "/"}},
           "fill_value": 0,
           "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                      {"name": "crc32c"}],
           "attributes": {}, "dimension_names": ["i"]},
          open(root + "/a/zarr.json", "w"))
for k in range(2):
    data = struct.pack("<50H", *range(50 * k, 50 * k + 50))
    open("%s/a/c/%d" % (root, k), "wb").write(
        data + struct.pack("<I", crc32c(data)))
EOF
check "a hand-written v3 array with crc32c reads" t zinfo --check v3crc.zarr
$PY -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[7] ^= 1
open(p, "wb").write(bytes(b))' v3crc.zarr/a/c/1
timeout 60 zinfo --check v3crc.zarr > check.out 2> check.err; rc=$?
if [ $rc = 1 ] && grep -Eq "^a/c/1: .*crc32c: checksum mismatch" check.out
then
    ok "a flipped byte in a crc32c-protected v3 chunk: zinfo --check names it"
else
    not_ok "a flipped byte in a crc32c-protected v3 chunk: zinfo --check" \
        "status $rc" "$(cat check.out check.err)"
fi
# ... and in a shard's crc32c-protected index (zarrita.js's fixture)
fx=$SHARED/zarr/zarrita.js-fixtures/fixtures/v3/data.zarr
if [ -n "$SHARED" ] && [ -d "$fx/1d.contiguous.compressed.sharded.i2" ]; then
    mkdir -p shard.zarr
    cp -r "$fx/1d.contiguous.compressed.sharded.i2" shard.zarr/s
    chmod -R u+w shard.zarr
    printf '{"zarr_format": 3, "node_type": "group", "attributes": {}}' \
        > shard.zarr/zarr.json
    check "the sharded fixture reads" t zinfo --check shard.zarr
    $PY -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-10] ^= 1
open(p, "wb").write(bytes(b))' shard.zarr/s/c/0
    check_fail "a flipped byte in a shard's crc32c-protected index: an \
error naming the shard" 1 "s/c/0: .*crc32c: checksum mismatch" \
        t zinfo --checksum shard.zarr
else
    skip "the sharded fixture (../shared/data) is absent"
fi

done_testing
