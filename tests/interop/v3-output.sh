#!/bin/sh
# Zarr v3 output, plain and sharded, from every tool that writes, to a
# folder, a zip and a tar stream: the values equal the v2 output's and
# the source's (zinfo --checksum), and zarrita (an independent reader of
# v2 and v3, sharding included) reads the same values from every one
# (tests/interop/zarrita_digest.mjs prints digests in zinfo's form).
# The metadata is checked against what zarr-python 3 writes.
. "$srcdir/tests/lib/tap.sh"
py_serve

NPM=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}
S=$top_builddir/data-samples/out
cd "$TMP" || exit 1

if command -v node >/dev/null 2>&1 && [ -d "$NPM/zarrita" ] &&
   [ -d "$NPM/@zarrita/storage" ]; then
    zarrita=yes
else
    zarrita=
fi

# sums STORE: zinfo's digests of a store (a .tar through a pipe)
sums() {
    case $1 in
    *.tar) zinfo --checksum - <"$1" ;;
    *) zinfo --checksum "$1" ;;
    esac
}

# zarrita_sums STORE: zarrita's digests (a .tar is extracted first)
zarrita_sums() {
    case $1 in
    *.tar) rm -rf "$1.d" && mkdir "$1.d" && tar -xf "$1" -C "$1.d" &&
           node "$srcdir/tests/interop/zarrita_digest.mjs" "$NPM" "$1.d" ;;
    *) node "$srcdir/tests/interop/zarrita_digest.mjs" "$NPM" "$1" ;;
    esac
}

# same NAME REFERENCE STORE...: every store has the reference's digests,
# by zinfo and by zarrita
same() {
    name=$1 ref=$2
    shift 2
    sums "$ref" >ref.sums 2>&1
    for s in "$@"; do
        sums "$s" >got.sums 2>&1
        check_eq "$name: $s: zinfo --checksum as $ref" \
            "$(cat ref.sums)" "$(cat got.sums)"
        if [ -z "$zarrita" ]; then
            skip "zarrita: not in $NPM (set ZS_NPM_DIR)"
            continue
        fi
        zarrita_sums "$s" >z.sums 2>z.err
        check_eq "$name: $s: zarrita reads the same values" \
            "$(cat ref.sums)" "$(cat z.sums z.err)"
    done
}

# write NAME TOOL ARGS...: the tool's output as v2, v3, v3 sharded (to a
# folder, a zip and a tar stream), each checked to have been written
write() {
    name=$1
    shift
    shards=$SHARDS
    "$@" -o "$name-v2.zarr" &&
        "$@" --zarr-format 3 -o "$name-v3.zarr" &&
        "$@" --zarr-format 3 $shards -o "$name-v3s.zarr" &&
        "$@" --zarr-format 3 $shards -o "$name-v3s.zip" &&
        "$@" --zarr-format 3 $shards -o - >"$name-v3s.tar"
}

# ---- nc2zarr ---------------------------------------------------------
SHARDS="--shards time=24"
if write era5 nc2zarr -q -c time=6 "$S"/era5/*.nc; then
    ok "nc2zarr writes v2, v3 and v3 sharded stores, zips and streams"
    same nc2zarr era5-v2.zarr era5-v3.zarr era5-v3s.zarr era5-v3s.zip \
        era5-v3s.tar
else
    not_ok "nc2zarr writes v2, v3 and v3 sharded stores"
fi
one=$S/era5/era5_sfc_2019-07-01.nc
nc2zarr -q --zarr-format 3 -c time=4 --shards time=-1 "$one" -o one.zarr
check_eq "nc2zarr: v3 sharded store equals its NetCDF source" \
    "$(zinfo --checksum "$one")" "$(zinfo --checksum one.zarr)"

# ---- the metadata, as zarr-python 3 writes it ------------------------
check "v3: no v2 keys; a zarr.json per node; consolidated inline" $PY -c '
import json, os, sys
d = sys.argv[1]
for r, _, files in os.walk(d):
    assert not [f for f in files if f.startswith(".z")], (r, files)
root = json.load(open(d + "/zarr.json"))
assert root["node_type"] == "group" and root["zarr_format"] == 3
cm = root["consolidated_metadata"]
assert cm["kind"] == "inline" and cm["must_understand"] is False, cm
for k, m in cm["metadata"].items():
    assert m == json.load(open(d + "/" + k + "/zarr.json")), k
t = cm["metadata"]["t2m"]
assert t["dimension_names"] == ["time", "latitude", "longitude"], t
assert t["data_type"] == "int16" and t["fill_value"] == -32767, t
assert t["attributes"]["_FillValue"] == -32767, t["attributes"]
assert "_ARRAY_DIMENSIONS" not in t["attributes"]
assert t["chunk_key_encoding"] == {"name": "default",
                                   "configuration": {"separator": "/"}}
assert [c["name"] for c in t["codecs"]] == ["bytes", "blosc"], t["codecs"]
assert t["codecs"][0]["configuration"] == {"endian": "little"}
b = t["codecs"][1]["configuration"]
assert b["shuffle"] == "shuffle" and b["typesize"] == 2, b
' era5-v3.zarr
check "v3 sharded: sharding_indexed, index bytes + crc32c at the end" \
    $PY -c '
import json, sys
t = json.load(open(sys.argv[1] + "/t2m/zarr.json"))
assert t["chunk_grid"]["configuration"]["chunk_shape"] == [24, 31, 60]
(s,) = t["codecs"]
assert s["name"] == "sharding_indexed", s
c = s["configuration"]
assert c["chunk_shape"] == [6, 31, 60] and c["index_location"] == "end"
assert [x["name"] for x in c["index_codecs"]] == ["bytes", "crc32c"]
assert [x["name"] for x in c["codecs"]] == ["bytes", "blosc"]
' era5-v3s.zarr
check "v3 sharded: one object per shard" test "$(ls era5-v3s.zarr/t2m/c)" = \
    "$(printf '0\n1\n2')"

# an inner chunk of fill values is an empty index entry, not a chunk:
# the shard index read with numpy and checked with its crc32c
$PY - gap.nc <<'PYEOF' || not_ok "gap input"
import sys, numpy as np, netCDF4
d = netCDF4.Dataset(sys.argv[1], "w")
d.createDimension("time", 8)
d.createDimension("x", 4)
v = d.createVariable("v", "f4", ("time", "x"), fill_value=np.float32(-1))
a = np.arange(32, dtype="f4").reshape(8, 4)
a[2:4] = -1            # the second inner chunk of the first shard
v[:] = a
d.close()
PYEOF
nc2zarr -q --zarr-format 3 -c time=2 --shards time=8 gap.nc -o gap.zarr
check "an inner chunk of fill values is an empty index entry" $PY -c '
import sys, struct, numpy as np
b = open(sys.argv[1] + "/v/c/0/0", "rb").read()
idx = np.frombuffer(b[-(4 * 16 + 4):-4], dtype="<u8").reshape(4, 2)
assert (idx[1] == 2**64 - 1).all(), idx
assert (idx[[0, 2, 3]] != 2**64 - 1).all(), idx
' gap.zarr
check_eq "the empty entry reads as the fill value" \
    "$(zinfo --checksum gap.nc)" "$(zinfo --checksum gap.zarr)"
if [ -n "$zarrita" ]; then
    check_eq "zarrita reads the empty entry as the fill value" \
        "$(zinfo --checksum gap.nc)" "$(zarrita_sums gap.zarr 2>&1)"
else
    skip "zarrita: not in $NPM (set ZS_NPM_DIR)"
fi

# ---- zsel, zmean, zrechunk ------------------------------------------
SHARDS="--shards latitude=-1,longitude=-1"
if write sel zsel -q era5-v2.zarr -s latitude=20:60 -s longitude=-20:40 \
        -c latitude=4,longitude=8; then
    ok "zsel writes v2, v3 and v3 sharded"
    same zsel sel-v2.zarr sel-v3.zarr sel-v3s.zarr sel-v3s.zip sel-v3s.tar
else
    not_ok "zsel writes v2, v3 and v3 sharded"
fi
if write mean zmean -q era5-v2.zarr -c latitude=8,longitude=8; then
    ok "zmean writes v2, v3 and v3 sharded"
    same zmean mean-v2.zarr mean-v3.zarr mean-v3s.zarr mean-v3s.zip \
        mean-v3s.tar
else
    not_ok "zmean writes v2, v3 and v3 sharded"
fi
# anomalies are written block by block, climatologies tile by tile:
# both aligned to the shards
SHARDS="--shards time=-1,latitude=-1"
if write anom zmean -q era5-v2.zarr -g time.hour --anomaly \
        -c time=6,latitude=8; then
    ok "zmean --anomaly writes v2, v3 and v3 sharded"
    same "zmean --anomaly" anom-v2.zarr anom-v3.zarr anom-v3s.zarr \
        anom-v3s.zip anom-v3s.tar
else
    not_ok "zmean --anomaly writes v2, v3 and v3 sharded"
fi
SHARDS="--shards hour=-1,latitude=-1"
if write clim zmean -q -m 1M era5-v2.zarr -g time.hour -c hour=1,latitude=4
then
    ok "zmean -g time.hour in tiles writes v2, v3 and v3 sharded"
    same "zmean -g time.hour" clim-v2.zarr clim-v3.zarr clim-v3s.zarr \
        clim-v3s.zip clim-v3s.tar
else
    not_ok "zmean -g time.hour in tiles writes v2, v3 and v3 sharded"
fi
SHARDS="--shards latitude=-1,longitude=-1"
if write re zrechunk -q era5-v3s.zarr -c time=-1,latitude=8,longitude=8; then
    ok "zrechunk writes v2, v3 and v3 sharded from a sharded store"
    same zrechunk era5-v2.zarr re-v2.zarr re-v3.zarr re-v3s.zarr \
        re-v3s.zip re-v3s.tar
else
    not_ok "zrechunk writes v2, v3 and v3 sharded from a sharded store"
fi

# ---- --checksums: a flipped bit is found ------------------------------
# flip FILE OFFSET: one bit of the byte at OFFSET inverted
flip() {
    $PY -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))' "$1" "$2"
}
nc2zarr -q --checksums --compressor none -c time=6 "$one" -o ck2.zarr &&
nc2zarr -q --checksums --compressor none --zarr-format 3 -c time=6 "$one" \
    -o ck3.zarr &&
nc2zarr -q --checksums --zarr-format 3 -c time=6 --shards time=24 "$one" \
    -o ck3s.zarr &&
nc2zarr -q --compressor none --zarr-format 3 -c time=6 "$one" -o plain.zarr &&
nc2zarr -q --checksums -c time=6 "$one" -o ckb2.zarr &&
nc2zarr -q -c time=6 "$one" -o b2.zarr
check "--checksums: crc32 in v2 (numcodecs), crc32c last in v3 and inside shards" \
    $PY -c '
import json, sys
v2 = json.load(open("ck2.zarr/t2m/.zarray"))
assert v2["compressor"] == {"id": "crc32"} and v2["filters"] is None, v2
b = json.load(open("ckb2.zarr/t2m/.zarray"))
assert b["compressor"] == {"id": "crc32"}, b
assert [f["id"] for f in b["filters"]] == ["blosc"], b
v3 = json.load(open("ck3.zarr/t2m/zarr.json"))["codecs"]
assert [c["name"] for c in v3] == ["bytes", "crc32c"], v3
s = json.load(open("ck3s.zarr/t2m/zarr.json"))["codecs"][0]["configuration"]
assert [c["name"] for c in s["codecs"]] == ["bytes", "blosc", "crc32c"], s
'
same checksums one.zarr ck3.zarr ck3s.zarr
check_eq "--checksums v2: zinfo reads the values of the source" \
    "$(zinfo --checksum "$one")" "$(zinfo --checksum ck2.zarr)"
check_eq "--checksums v2 with blosc: the same values" \
    "$(zinfo --checksum "$one")" "$(zinfo --checksum ckb2.zarr)"
check "--checksums v2: each chunk is the unchecked one and its crc32" $PY -c '
import os, zlib, struct
n = 0
for k in os.listdir("b2.zarr/t2m"):
    if k.startswith("."):
        continue
    a = open("b2.zarr/t2m/" + k, "rb").read()
    c = open("ckb2.zarr/t2m/" + k, "rb").read()
    assert c == struct.pack("<I", zlib.crc32(a)) + a, k
    n += 1
assert n == 4, n
'
check "--checksums v2: python3-zarr checks and reads every chunk" $PY -c '
import sys, zarr, netCDF4, numpy as np
n = netCDF4.Dataset(sys.argv[1]); n.set_auto_maskandscale(False)
for s in "ck2.zarr", "ckb2.zarr":
    z = zarr.open_group(s, mode="r")
    for k in n.variables:
        assert np.array_equal(z[k][...], n[k][...]), (s, k)
' "$one"
flip ck2.zarr/t2m/1.0.0 1000
flip ck3.zarr/t2m/c/1/0/0 1000
flip ck3s.zarr/t2m/c/0/0/0 100
flip plain.zarr/t2m/c/1/0/0 1000
# checked: STORE: zinfo --check's list and exit status
checked() {
    zinfo --check "$1" >checked.out 2>/dev/null
    rc=$?
    sed 's/ (stored.*//' checked.out
    echo "exit $rc"
}
check_eq "v2: zinfo --check names the chunk with a flipped bit, exit 1" \
    "t2m/1.0.0: crc32: checksum mismatch
exit 1" "$(checked ck2.zarr)"
check_eq "v3: zinfo --check names the chunk with a flipped bit, exit 1" \
    "t2m/c/1/0/0: crc32c: checksum mismatch
exit 1" "$(checked ck3.zarr)"
check_eq "v3 sharded: the shard holding the flipped chunk, exit 1" \
    "t2m/c/0/0/0: crc32c: checksum mismatch
exit 1" "$(checked ck3s.zarr)"
check_fail "a tool reading it fails naming the input, writes nothing" 1 \
    "zsel: ck3.zarr: t2m/c/1/0/0: crc32c: checksum mismatch" \
    zsel -q ck3.zarr -o out.zarr
check "no output after the failure" test ! -e out.zarr -a ! -e out.zarr.partial
check "python3-zarr finds the flipped bit in v2 too" $PY -c '
import zarr
try:
    zarr.open_group("ck2.zarr", mode="r")["t2m"][...]
except RuntimeError as e:
    assert "checksum" in str(e).lower(), e
else:
    raise SystemExit("read a corrupt chunk")
'
# without checksums, the same flip is a silent change of value
check "without --checksums the flip goes unseen (why the option exists)" \
    zinfo --check plain.zarr
check "... and reads a different value" test \
    "$(zinfo --checksum one.zarr | grep t2m)" != \
    "$(zinfo --checksum plain.zarr | grep t2m)"

# ---- real files: groups, strings, many types -------------------------
if [ -n "$SHARED" ]; then
    for f in netcdf-c-cdl__ref_tst_group_data netcdf-c-cdl__ref_tst_string_data \
             netcdf-c__ncdump_ref_nc_test_netcdf4_4_0 netcdf4-python__ubyte \
             netcdf-c-cdl__ref_tst_charfill geocat__era5_1995-07-14T12; do
        nc2zarr -q --zarr-format 3 "$SHARED/nc/$f.nc" -o "$f.zarr" 2>"$f.err"
        check_eq "$f: v3 store equals the file" \
            "$(zinfo --checksum "$SHARED/nc/$f.nc" 2>&1)" \
            "$(zinfo --checksum "$f.zarr" 2>&1)"
    done
    if [ -n "$zarrita" ]; then
        # zarrita 0.7.5 knows no fixed-width string type of v3: the
        # others it reads
        for f in netcdf-c-cdl__ref_tst_string_data netcdf4-python__ubyte \
                 geocat__era5_1995-07-14T12; do
            check_eq "$f: zarrita reads the v3 store" \
                "$(zinfo --checksum "$f.zarr" 2>&1)" \
                "$(zarrita_sums "$f.zarr" 2>&1)"
        done
    else
        skip "zarrita: not in $NPM (set ZS_NPM_DIR)"
    fi
    check "fixed-width strings: null_terminated_bytes, as zarr-python 3" \
        grep -q '"name": "null_terminated_bytes"' \
        netcdf-c-cdl__ref_tst_charfill.zarr/*/zarr.json
else
    skip "../shared/data is absent"
fi

# ---- refusals ----------------------------------------------------------
check_fail "--shards with Zarr v2: exit 1, no output" 1 \
    "sharding needs Zarr format 3" \
    nc2zarr -q "$one" --shards time=24 -o e.zarr
check "no output after the refusal" test ! -e e.zarr -a ! -e e.zarr.partial
check_fail "a shard that is not a multiple of the chunk: exit 1" 1 \
    "shard length 10 of time is not a multiple of the chunk length 4" \
    nc2zarr -q --zarr-format 3 -c time=4 --shards time=10 "$one" -o e.zarr
check_fail "--shards naming no dimension of the output" 1 \
    "shards: no dimension 'depth' in the output" \
    nc2zarr -q --zarr-format 3 --shards depth=4 "$one" -o e.zarr
check_fail "--zarr-format 4: exit 2" 2 "invalid value '4' for --zarr-format" \
    nc2zarr -q --zarr-format 4 "$one" -o e.zarr
check "no output after the refusals" test ! -e e.zarr -a ! -e e.zarr.partial
done_testing
