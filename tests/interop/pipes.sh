#!/bin/sh
# Pipelines of tools through tar streams give the same stores as the same
# steps through folders (checked with zinfo --checksum and with xarray);
# a failing stage makes the next one fail without output; stores that are
# not process-safe (zip, tar) are written from worker processes through
# the parent.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
# check_same DESC WANT GOT: check_eq, but an empty WANT (the reference
# step failed) is a failure, never a vacuous match of two empty outputs
check_same() {
    if [ -z "$2" ]; then not_ok "$1" "the reference output is empty"
    else check_eq "$@"; fi
}
cd "$TMP" || exit 1

# (dash has no pipefail: each stage writes its status to a file)
for layout in default time=6,latitude=8,longitude=16 time=1; do
    rm -rf f1.zarr f2.zarr f3.zarr pipe.zarr
    if [ "$layout" = default ]; then c=""; else c="-c $layout"; fi
    # shellcheck disable=SC2086
    nc2zarr -q $c "$S"/era5/*.nc -o f1.zarr &&
        zsel f1.zarr --sel latitude=20:60 -o f2.zarr &&
        zmean f2.zarr -o f3.zarr || { not_ok "$layout: folder steps"; continue; }
    # shellcheck disable=SC2086
    { nc2zarr -q $c "$S"/era5/*.nc -o - 2>p1.err; echo $? > rc1; } |
        { zsel - --sel latitude=20:60 -o - 2>p2.err; echo $? > rc2; } |
        { zmean - -o pipe.zarr 2>p3.err; echo $? > rc3; }
    check_same "$layout: nc2zarr -o - | zsel - -o - | zmean - exit 0, 0, 0" \
        "0 0 0" "$(cat rc1) $(cat rc2) $(cat rc3)"
    want=$(zinfo --checksum f3.zarr)
    [ -n "$want" ] || want="(no checksums)"
    check_same "$layout: the pipe gives the checksums of the folder steps" \
        "$want" "$(zinfo --checksum pipe.zarr 2>&1)"
done

$PY - f3.zarr pipe.zarr > xr.out 2>&1 <<'EOF'
import sys, xarray as xr
a = xr.open_zarr(sys.argv[1], decode_times=False).load()
b = xr.open_zarr(sys.argv[2], decode_times=False).load()
# the history lines differ in their commands and times only
assert a.attrs.pop("history").count("\n") == b.attrs.pop("history").count("\n")
xr.testing.assert_identical(a, b)
print("PASS")
EOF
if grep -q '^PASS' xr.out; then ok "xarray: the piped store is identical"
else not_ok "xarray: the piped store is identical" "$(cat xr.out)"; fi

# every tool reads and writes streams; -j 2 workers forward to the parent
rm -rf f1.zarr
nc2zarr -q -c time=6,latitude=8,longitude=16 "$S"/era5/*.nc -o f1.zarr
for j in 1 2; do
    rm -f w$j.zip
    nc2zarr -q -j $j -c time=6,latitude=8,longitude=16 "$S"/era5/*.nc \
        -o w$j.zip 2> zip.err
    check_same "nc2zarr -j $j to a zip: checksums of the folder" \
        "$(zinfo --checksum f1.zarr)" "$(zinfo --checksum w$j.zip 2>&1)"
    check_same "nc2zarr -j $j | zinfo --checksum -" \
        "$(zinfo --checksum f1.zarr)" \
        "$(nc2zarr -q -j $j -c time=6,latitude=8,longitude=16 \
            "$S"/era5/*.nc -o - | zinfo --checksum - 2>&1)"
done
nc2zarr -q -j 1 -c time=6,latitude=8,longitude=16 "$S"/era5/*.nc -o w1.tar
for args in "--groupby time.hour" "--dim latitude" "--resample time=1D" \
            "--groupby time.hour --anomaly"; do
    # shellcheck disable=SC2086
    zmean $args f1.zarr -o ref.zarr --overwrite 2>/dev/null
    # shellcheck disable=SC2086
    check_same "zmean $args: stream in = folder in" \
        "$(zinfo --checksum ref.zarr)" \
        "$(zmean $args - -o - < w1.tar 2>&1 | zinfo --checksum - 2>&1)"
done
for args in "--isel time=3:50:7 --sel longitude=350:20" \
            "--sel latitude=30 --vars t2m" "--isel time=5:9"; do
    # shellcheck disable=SC2086
    check_same "zsel $args: stream in, stream out = folder" \
        "$(zsel f1.zarr $args -o - | zinfo --checksum - 2>&1)" \
        "$(zsel - $args -o - < w1.tar 2>&1 | zinfo --checksum - 2>&1)"
done

# one pass: with 64 KiB of memory and no TMPDIR to spill to, a stream in
# our order is still read whole by the consumers that read each chunk
# once (zinfo --checksum, zmean, zsel of whole variables): nothing kept
onepass() { TMPDIR=/nonexistent ZSTORE_STREAM_MEMORY=64k "$@"; }
check_same "one pass, no spill: zinfo --checksum -" \
    "$(zinfo --checksum f1.zarr)" \
    "$(onepass zinfo --checksum - < w1.tar 2>&1)"
zmean f1.zarr -o ref.zarr --overwrite
check_same "one pass, no spill: zmean -" "$(zinfo --checksum ref.zarr)" \
    "$(onepass zmean - -o - < w1.tar 2>&1 | zinfo --checksum - 2>&1)"
zsel f1.zarr --vars t2m,u10 -o - | zmean - -o ref2.zarr
check_same "one pass, no spill: zsel --vars t2m,u10 - | zmean -" \
    "$(zinfo --checksum ref2.zarr)" \
    "$(onepass zsel - --vars t2m,u10 -o - < w1.tar 2>&1 |
       onepass zmean - -o - 2>&1 | zinfo --checksum - 2>&1)"
# ... while a stream out of order needs the spill file, and says so
$PY - w1.tar rev.tar <<'EOF'
import sys, tarfile
src = tarfile.open(sys.argv[1])
ms = src.getmembers()
meta = [m for m in ms if m.name.split("/")[-1].startswith(".z")]
rest = [m for m in ms if m not in meta]
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as out:
    for m in meta + rest[::-1]:
        out.addfile(m, src.extractfile(m))
EOF
check_fail "out of order with nowhere to spill: a clear error" 1 \
    "cannot create a spill file in /nonexistent" \
    sh -c 'TMPDIR=/nonexistent ZSTORE_STREAM_MEMORY=64k zinfo --checksum - < rev.tar'

# a stage that fails: the next fails too and writes nothing
{ nc2zarr -q "$S"/era5/*.nc -o - | head -c 20000; } |
    { zmean - -o broken.zarr 2> broken.err; echo $? > broken.rc; }
check_same "a cut stream: zmean exits 1" "1" "$(cat broken.rc)"
check "... with a message naming the stream" grep -Eq \
    "zmean: -: .*(truncated|damaged)" broken.err
check "... and no output store" sh -c \
    '! test -e broken.zarr && ! test -e broken.zarr.partial'
{ zsel - --sel nosuchdim=3 -o - < w1.tar 2> bad.err; echo $? > bad.rc; } |
    { zinfo - > /dev/null 2> bad2.err; echo $? > bad2.rc; }
check_same "zsel fails before writing: the reader fails too" "1 1" \
    "$(cat bad.rc) $(cat bad2.rc)"
check_fail "writing a stream to a terminal is refused" "!" "terminal" \
    sh -c 'command -v script >/dev/null || exit 1
           script -qec "nc2zarr -q '"$S"'/era5/era5_sfc_2019-07-01.nc -o -" \
               /dev/null 2>&1 | tr -d "\r" >&2; exit 1'

done_testing
