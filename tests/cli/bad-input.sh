#!/bin/sh
# Bad input: a clear "tool: path: what is wrong", a non-zero exit, no
# crash, and never an output that looks complete.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
cd "$TMP" || exit 1

# no output store may exist after a failed conversion
no_output() {
    if [ -e "$1" ] || [ -e "$1.partial" ]; then
        not_ok "$2: nothing left behind" "$(ls -d "$1"*)"
    else
        ok "$2: nothing left behind"
    fi
}

check_fail "missing file" 1 "^nc2zarr: missing.nc: No such file or directory" \
    nc2zarr missing.nc -o a.zarr
no_output a.zarr "missing file"
echo "not netcdf" > text.nc
check_fail "not a NetCDF file" 1 "^nc2zarr: text.nc: not a NetCDF file" \
    nc2zarr text.nc -o a.zarr
no_output a.zarr "not a NetCDF file"
mkdir cdf5
nccopy -k cdf5 "$S/era5/era5_sfc_2019-07-01.nc" cdf5/era5_sfc_2019-07-01.nc
for f in era5-nc3/era5_sfc_2019-07-01.nc era5/era5_sfc_2019-07-01.nc \
         cdf5/era5_sfc_2019-07-01.nc; do
    src=$S/$f
    [ -e "$src" ] || src=$f
    for n in 100 3000 100000; do
        head -c $n "$src" > trunc.nc
        check_fail "truncated $(dirname $f) file at $n bytes" 1 \
            "^nc2zarr: trunc.nc: .*(truncated|not a valid NetCDF)" \
            nc2zarr trunc.nc -o a.zarr
        no_output a.zarr "truncated at $n bytes"
    done
done
check_fail "zinfo on a truncated file" 1 "^zinfo: trunc.nc: " zinfo trunc.nc

nc2zarr -q "$S"/era5/*.nc -o exists.zarr
check_fail "output exists" 1 "exists.zarr: output exists \(use --overwrite" \
    nc2zarr "$S"/era5/*.nc -o exists.zarr
check "--overwrite replaces it" nc2zarr -q --overwrite "$S"/era5/*.nc -o exists.zarr
check "the replaced store is complete" zinfo --check exists.zarr

mkdir ro && chmod 555 ro
if [ "$(id -u)" = 0 ] && command -v su >/dev/null; then
    chmod 755 "$TMP"
    check_fail "unwritable output directory" 1 "ro/a.zarr.partial: .*Permission denied" \
        su nobody -s /bin/sh -c "PATH='$PATH' nc2zarr '$S/era5/era5_sfc_2019-07-01.nc' -o ro/a.zarr"
else
    check_fail "unwritable output directory" 1 "Permission denied" \
        nc2zarr "$S/era5/era5_sfc_2019-07-01.nc" -o ro/a.zarr
fi
check_fail "output under a file" 1 "text.nc/a.zarr.partial: cannot create" \
    nc2zarr "$S/era5/era5_sfc_2019-07-01.nc" -o text.nc/a.zarr

# full disk: a file size limit, and (as root) a tiny tmpfs
( ulimit -f 50; nc2zarr --compressor none "$S"/era5-single/*.nc -o big.zarr ) \
    2>err; rc=$?
if [ $rc = 1 ] && grep -q "big.zarr: .*File too large" err; then
    ok "file size limit: clear error"
else
    not_ok "file size limit: clear error" "rc=$rc" "$(cat err)"
fi
no_output big.zarr "file size limit"
# A really full disk: a 200 KiB tmpfs, mounted as root, or else in a
# user and mount namespace (unshare -rm) where the kernel allows it.
# The run and the look at what it left happen where the tmpfs is seen.
mkdir tiny
cat > tiny.sh <<'SHEOF'
mount -t tmpfs -o size=200k tmpfs tiny 2>/dev/null || exit 99
nc2zarr --compressor none "$@" -o tiny/f.zarr 2>tiny.err
rc=$?
ls -A tiny > tiny.ls
umount tiny 2>/dev/null
exit $rc
SHEOF
rc=99
[ "$(id -u)" = 0 ] && { sh tiny.sh "$S"/era5-single/*.nc; rc=$?; }
if [ $rc = 99 ] && command -v unshare >/dev/null 2>&1; then
    unshare -rm sh tiny.sh "$S"/era5-single/*.nc; rc=$?
fi
if [ $rc = 99 ]; then
    skip "disk full: cannot mount a tmpfs (not root, no user namespaces)"
else
    if [ $rc = 1 ] &&
        grep -Eq "tiny/f.zarr(.partial)?: .*No space left on device" tiny.err
    then ok "disk full: clear error, exit 1"
    else not_ok "disk full: clear error, exit 1" "rc=$rc" "$(cat tiny.err)"
    fi
    check_eq "disk full: nothing left behind" "" "$(cat tiny.ls)"
fi

# interrupted conversions: SIGINT cleans up; SIGKILL leaves only .partial
"$top_builddir/data-samples/mksamples" bench big --hours 24 2>/dev/null
for j in 1 2; do
    nc2zarr -j $j --compressor zlib:9 big/*.nc -o int.zarr 2>err &
    pid=$!
    sleep 1
    kill -INT $pid
    wait $pid; rc=$?
    if [ $rc = 130 ] && grep -q "int.zarr: interrupted" err; then
        ok "SIGINT with -j $j: exit 130, message"
    else
        not_ok "SIGINT with -j $j: exit 130, message" "rc=$rc" "$(cat err)"
    fi
    no_output int.zarr "SIGINT with -j $j"
done

# wait_for FILE: until it exists (up to 20 s)
wait_for() {
    n=0
    while [ ! -e "$1" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    [ -e "$1" ]
}
nc2zarr -j 2 --compressor zlib:9 big/*.nc -o kill.zarr 2>/dev/null &
pid=$!
check "SIGKILL: the run had started (kill.zarr.partial exists)" \
    wait_for kill.zarr.partial
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null; rc=$?
check_eq "SIGKILL: killed while running" 137 "$rc"
sleep 1
check "SIGKILL: no store without .partial" test ! -e kill.zarr
check "SIGKILL: the partial store is not complete" \
    test ! -e kill.zarr.partial/.zmetadata
check "SIGKILL: workers stop with the parent" sh -c \
    "! pgrep -f 'nc2zar[r] -j 2 --compressor zlib:9 big' >/dev/null"
# a rerun replaces what the killed run left
check "rerun after a crash: converts over the leftover .partial" \
    nc2zarr -q -j 2 big/*.nc -o kill.zarr
check "rerun after a crash: complete store" zinfo --check kill.zarr
check "rerun after a crash: no .partial left" test ! -e kill.zarr.partial

# a run in progress holds STORE.partial: a second run must not delete it
nc2zarr -j 1 --compressor zlib:9 big/*.nc -o busy.zarr 2>busy.err &
pid=$!
wait_for busy.zarr.partial
sleep 0.5
check_fail "a second run refuses a STORE.partial in use" 1 \
    "busy.zarr.partial: another conversion is writing it \(process $pid\)" \
    nc2zarr -q big/*.nc -o busy.zarr
wait $pid; rc=$?
check_eq "the first run was not disturbed" 0 "$rc"
check "the first run's store is complete" zinfo --check busy.zarr
check "no lock file is left in the store" \
    sh -c '! ls -A busy.zarr | grep -q zstmp'
rm -rf big kill.zarr kill.zarr.partial busy.zarr

# damaged stores: zinfo --check and --checksum
nc2zarr -q -c time=24 "$S"/era5/*.nc -o bad.zarr
printf 'garbage' > bad.zarr/t2m/1.0.0
head -c 100 bad.zarr/u10/0.0.0 > x && mv x bad.zarr/u10/0.0.0
zinfo --check bad.zarr > out 2>err; rc=$?
check_eq "--check: exit 1 on corrupt chunks" 1 "$rc"
check "--check: lists the corrupt chunks" sh -c \
    "grep -q '^t2m/1.0.0: blosc: ' out && grep -q '^u10/0.0.0: blosc: ' out"
check "--check: summary on stderr" grep -q "bad.zarr: 2 missing or corrupt chunks" err
check_fail "--checksum of a corrupt array fails" 1 "t2m/1.0.0: blosc" \
    zinfo --checksum bad.zarr
rm bad.zarr/time/0
$PY - bad.zarr <<'PYEOF'
import json, sys
p = sys.argv[1] + "/.zmetadata"
d = json.load(open(p))
d["metadata"]["time/.zarray"]["fill_value"] = None
json.dump(d, open(p, "w"))
PYEOF
zinfo --check bad.zarr > out 2>&1
check "--check: a missing chunk with a null fill_value" \
    grep -q "^time/0: missing chunk and fill_value is null" out

# malformed metadata
mk() {  # mk NAME PYTHON-EXPRESSION-ON-d: a copy of good.zarr edited
    rm -rf "$1"; cp -r good.zarr "$1"
    $PY - "$1/.zmetadata" "$2" <<'PYEOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
m = d["metadata"]
exec(sys.argv[2])
open(p, "w").write(json.dumps(d))
PYEOF
}
nc2zarr -q "$S"/era5/*.nc -o good.zarr
mk neg.zarr 'm["t2m/.zarray"]["shape"][0] = -72'
check_fail "negative shape" 1 "neg.zarr: t2m/.zarray: shape\[0\] must be non-negative" \
    zinfo neg.zarr
mk over.zarr 'm["t2m/.zarray"]["shape"] = [2**62, 2**62, 60]'
check_fail "overflowing shape" 1 "over.zarr: t2m/.zarray: shape is too large" \
    zinfo over.zarr
mk huge.zarr 'm["t2m/.zarray"]["shape"][0] = 2**70'
check_fail "shape beyond 64 bits" 1 "huge.zarr: t2m/.zarray: shape\[0\] is too large" \
    zinfo huge.zarr
mk zero.zarr 'm["t2m/.zarray"]["chunks"][0] = 0'
check_fail "zero chunk length" 1 "chunks\[0\] must be positive" zinfo zero.zarr
mk bigchunk.zarr 'm["t2m/.zarray"]["chunks"] = [2**20, 2**20, 60]'
check_fail "chunks over the size limit" 1 "t2m/.zarray: chunks of more than .* bytes are not supported" \
    zinfo --checksum bigchunk.zarr
zinfo bigchunk.zarr > out 2>&1
check "an unreadable array stays listed, with the reason" \
    grep -q "t2m .*unsupported: .*chunks of more than" out
mk dots.zarr 'm["../../evil/.zarray"] = m["t2m/.zarray"]'
check_fail ".zmetadata entry with .." 1 "dots.zarr: .zmetadata: invalid key '../../evil/.zarray'" \
    zinfo dots.zarr
mk abs.zarr 'm["/etc/evil/.zarray"] = m["t2m/.zarray"]'
check_fail ".zmetadata entry with an absolute path" 1 "invalid key '/etc/evil/.zarray'" \
    zinfo abs.zarr
mk dtype.zarr 'm["t2m/.zarray"]["dtype"] = "<i3"'
check_fail "unknown dtype" 1 "t2m/.zarray: unsupported dtype '<i3'" \
    zinfo --checksum dtype.zarr
# types the library does not know are named as written, and the array
# stays listed with the reason (exit 0) while reading it fails (exit 1)
mk dt64.zarr 'm["t2m/.zarray"]["dtype"] = "<M8[ns]"'
check_fail "datetime64 dtype is named" 1 \
    "^zinfo: dt64.zarr: t2m/.zarray: unsupported dtype '<M8\\[ns\\]'$" \
    zinfo --checksum dt64.zarr
zinfo dt64.zarr > out 2>&1; rc=$?
check_eq "an array of an unknown dtype: zinfo exits 0" 0 "$rc"
check "... and lists it with the reason" grep -q \
    "^    t2m .*unsupported: t2m/.zarray: unsupported dtype '<M8\[ns\]'$" out
mk rec.zarr 'm["t2m/.zarray"]["dtype"] = [["a", "<i4"], ["b", "<f8", [2]]]'
check_fail "structured dtype is shown as written" 1 \
    'rec.zarr: t2m/.zarray: unsupported dtype \[\["a","<i4"\],\["b","<f8",\[2\]\]\] \(structured\)$' \
    zinfo --checksum rec.zarr
mkdir -p v3.zarr/ok v3.zarr/t2m v3.zarr/when
printf '{"zarr_format": 3, "node_type": "group", "attributes": {}}' \
    > v3.zarr/zarr.json
v3array() {  # v3array NAME DATA_TYPE
    printf '{"zarr_format": 3, "node_type": "array", "shape": [4],
 "data_type": %s, "chunk_grid": {"name": "regular", "configuration":
 {"chunk_shape": [2]}}, "chunk_key_encoding": {"name": "default"},
 "fill_value": 0, "codecs": [{"name": "bytes", "configuration":
 {"endian": "little"}}]}' "$2" > "v3.zarr/$1/zarr.json"
}
v3array ok '"float32"'
v3array t2m '"complex64"'
v3array when '{"name": "numpy.datetime64", "configuration": {"unit": "s", "scale_factor": 1}}'
check_fail "v3: complex64 is named" 1 \
    "^zinfo: v3.zarr: t2m: unsupported data_type 'complex64'$" \
    zinfo --checksum v3.zarr
check_fail "v3: an extension data type is shown as written" 1 \
    '^zinfo: v3.zarr: when: unsupported data_type \{"name":"numpy.datetime64","configuration":\{"unit":"s","scale_factor":1\}\}$' \
    zinfo --checksum v3.zarr
zinfo v3.zarr > out 2>&1; rc=$?
check_eq "v3: arrays of unknown types: zinfo exits 0" 0 "$rc"
check "... lists them with the reason, and the readable one" sh -c \
    "grep -q \"^    t2m .*unsupported: t2m: unsupported data_type 'complex64'\" out &&
     grep -q '^    when .*unsupported: when: unsupported data_type {\"name\"' out &&
     grep -q '^    ok .*float32' out"
mk order.zarr 'm["t2m/.zarray"]["order"] = "X"'
check_fail "bad order" 1 'order must be "C" or "F"' zinfo order.zarr
printf '{"metadata": {' > good.zarr/.zmetadata.new
mv good.zarr/.zmetadata.new trunc.zarr 2>/dev/null
rm -rf trunc.zarr; cp -r good.zarr trunc.zarr
head -c 200 good.zarr/.zmetadata > trunc.zarr/.zmetadata
check_fail "truncated .zmetadata" 1 "trunc.zarr: .zmetadata: invalid JSON" \
    zinfo trunc.zarr
rm -rf nozm.zarr; cp -r good.zarr nozm.zarr; rm nozm.zarr/.zmetadata
printf '{"zarr_format": 2, "shape": [3], "chunks": [1], "dtype": "<f8"' \
    > nozm.zarr/time/.zarray
check_fail "malformed .zarray without .zmetadata" 1 "time/.zarray: invalid JSON" \
    zinfo --check nozm.zarr
mkdir empty.zarr
check_fail "a directory that is not a store" 1 "empty.zarr: not a Zarr store" \
    zinfo empty.zarr
done_testing
