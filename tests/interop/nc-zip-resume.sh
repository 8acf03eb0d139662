#!/bin/sh
# nc2zarr into a zip file: a conversion in parts (--prepare, --part K/N
# in any order, one rerun, --finish), one resumed after kill -9, and one
# appended month by month hold the entries of an uninterrupted single
# run, byte for byte; a finish with a part missing names it and writes
# no zip; a refused append leaves the zip as it was (cmp).  Continued
# work goes through the folder STORE.zip.partial/, packed into the zip at
# the end; an append writes a new zip and renames it over the old.
# With SOURCE_DATE_EPOCH (the entries' time), the zips packed from the
# folder are moreover the bytes of an uninterrupted resumable run (cmp).
# Oracle: tests/interop/objects.py (python's zipfile and hashlib), cmp.
. "$srcdir/tests/lib/tap.sh"
cd "$TMP" || exit 1

# same_objects NAME A B: the same entries or files, byte for byte
same_objects() { check "$1" $PY "$srcdir/tests/interop/objects.py" "$2" "$3"; }
valid_zip() {
    $PY -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sys.exit(z.testzip() is not None or len(z.namelist()) != len(set(z.namelist())))' "$1"
}

$PY "$srcdir/tests/interop/mk_nc_series.py" 24 4 24 36 13 ||
    { not_ok "inputs written"; done_testing; exit; }
ZSTORE_CONVERT_UNIT=4K
export ZSTORE_CONVERT_UNIT
OPTS="-q -c time=3 --compressor zlib:1"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

nc2zarr $OPTS f*.nc -o ref.zarr || not_ok "the folder reference converts"
check "a single run into a zip" nc2zarr $OPTS -j 2 f*.nc -o ref.zip
same_objects "... holds the objects of the folder" ref.zarr ref.zip
check "an uninterrupted resumable run into a zip (packed)" \
    nc2zarr $OPTS -j 2 --resume f*.nc -o packed.zip
same_objects "... holds the entries of the single run" ref.zip packed.zip
check "... and packing again gives the same bytes" sh -c \
    "nc2zarr $OPTS -j 1 --resume f*.nc -o packed2.zip && cmp packed.zip packed2.zip"

# ---- parts ---------------------------------------------------------------
for n in 1 2 7; do
    rm -rf p.zip p.zip.partial
    nc2zarr $OPTS --prepare f*.nc -o p.zip || not_ok "N=$n: prepare"
    check "N=$n: prepared in the folder p.zip.partial, no zip" \
        test -d p.zip.partial -a ! -e p.zip
    for k in $(seq $n | awk -v s=$n 'BEGIN{srand(s)} {print rand() "\t" $0}' |
               sort | cut -f2); do
        nc2zarr $OPTS -j 2 --part $k/$n f*.nc -o p.zip ||
            not_ok "N=$n: part $k"
    done
    nc2zarr $OPTS --part $(( (n + 1) / 2 ))/$n f*.nc -o p.zip ||
        not_ok "N=$n: a part rerun"
    nc2zarr $OPTS --finish f*.nc -o p.zip || not_ok "N=$n: finish"
    same_objects "N=$n parts, shuffled, one rerun: the entries of one run" \
        ref.zip p.zip
    check "N=$n: the bytes of the uninterrupted packed zip" cmp packed.zip p.zip
    check "N=$n: a valid zip, no folder or packing file left" sh -c \
        "$(command -v $PY) -c 'import zipfile; assert zipfile.ZipFile(\"p.zip\").testzip() is None' &&
         ! ls -d p.zip.* 2>/dev/null | grep -q ."
done

# seven parts at once, as machines sharing a file system would run them
rm -rf p.zip p.zip.partial
nc2zarr $OPTS --prepare f*.nc -o p.zip
pids=
for k in 4 1 7 3 6 2 5; do
    nc2zarr $OPTS -j 2 --part $k/7 f*.nc -o p.zip 2>err.$k &
    pids="$pids $!"
done
failed=0
for p in $pids; do wait $p || failed=$((failed + 1)); done
check_eq "N=7 at once: every part succeeds" 0 "$failed"
nc2zarr $OPTS --finish f*.nc -o p.zip || not_ok "N=7 at once: finish"
same_objects "N=7 at once: the entries of one run" ref.zip p.zip

rm -rf p.zip p.zip.partial
nc2zarr $OPTS --prepare f*.nc -o p.zip
for k in 1 2 3 4 6 7; do nc2zarr $OPTS --part $k/7 f*.nc -o p.zip; done
check_fail "a finish with part 5 missing names it" 1 \
    "^nc2zarr: p.zip.partial: part 5 of 7 has not completed \([0-9]+ of [0-9]+ units missing\)" \
    nc2zarr $OPTS --finish f*.nc -o p.zip
check "... and writes no zip" test ! -e p.zip -a ! -e p.zip.packing
nc2zarr $OPTS --part 5/7 f*.nc -o p.zip
nc2zarr $OPTS --finish f*.nc -o p.zip || not_ok "finish after the last part"
same_objects "... then the entries of one run" ref.zip p.zip
check_fail "a part of a finished zip: it exists" 1 "p.zip: output exists" \
    nc2zarr $OPTS --part 5/7 f*.nc -o p.zip
check_fail "a part of nothing prepared" 1 \
    "none.zip.partial: no prepared conversion to write a part of" \
    nc2zarr $OPTS --part 1/3 f*.nc -o none.zip

# ---- resume after kill -9 ------------------------------------------------
ZSTORE_CONVERT_RECORD_MS=50
export ZSTORE_CONVERT_RECORD_MS
t0=$(date +%s%N)
nc2zarr $OPTS -j 2 --resume f*.nc -o timed.zip
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "one resumable run into a zip takes $ms ms"
recorded=0
for i in 1 2 3 4 5 6 7 8; do
    Z=k$i.zip
    delay=$(awk -v s=$i -v m=$ms 'BEGIN{srand(s); printf "%.3f", rand() * 0.8 * m / 1000}')
    nc2zarr $OPTS -j 2 --resume f*.nc -o $Z 2>/dev/null &
    pid=$!
    n=0
    while [ ! -e $Z.partial/.zstore.plan ] && [ $n -lt 500 ]; do
        sleep 0.01; n=$((n + 1))
    done
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    sleep 0.3           # the workers die with their parent
    if [ -e $Z ]; then
        same_objects "killed after the end ($i): complete" ref.zip $Z
        continue
    fi
    ls $Z.partial/.zstore.done.* >/dev/null 2>&1 &&
        recorded=$((recorded + 1))
    nc2zarr $OPTS -j 2 --resume f*.nc -o $Z 2>err ||
        not_ok "kill $i: resume" "$(cat err)"
    same_objects "kill -9 at $delay s ($i), then --resume: the entries of one run" \
        ref.zip $Z
    check "... and the bytes of the uninterrupted packed zip ($i)" \
        cmp packed.zip $Z
done
diag "killed runs with units recorded: $recorded"
check "some killed runs had recorded units" test "$recorded" -gt 0
# a run without --resume writes the zip directly; killed, it leaves a
# zip without a directory, which --resume replaces
nc2zarr $OPTS -j 1 f*.nc -o plain.zip 2>/dev/null &
pid=$!
n=0
while [ ! -s plain.zip.partial ] && [ $n -lt 500 ]; do
    sleep 0.01; n=$((n + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e plain.zip ]; then
    skip "a killed plain run into a zip: it ended before the kill"
else
    check "a killed plain run into a zip, then --resume" \
        nc2zarr $OPTS --resume f*.nc -o plain.zip
fi
same_objects "... the entries of one run" ref.zip plain.zip
check_fail "--resume of a finished zip: it exists" 1 "timed.zip: output exists" \
    nc2zarr $OPTS --resume f*.nc -o timed.zip
nc2zarr $OPTS --prepare f*.nc -o stale.zip
check "a run without --resume replaces the folder of a prepared one" \
    nc2zarr $OPTS f*.nc -o stale.zip
check "... leaving the zip alone" sh -c '! ls -d stale.zip.* 2>/dev/null | grep -q .'
same_objects "... the entries of one run" ref.zip stale.zip

# ---- append --------------------------------------------------------------
S=$top_builddir/data-samples/out
if [ -d "$S/era5-monthly-split" ]; then
    set -- $(ls "$S"/era5-monthly-split/*.nc)
    for fmt in "" "--zarr-format 3 --shards time=48"; do
        rm -f all.zip app.zip
        nc2zarr -q $fmt -c time=24 "$1" "$2" "$3" "$4" -o all.zip
        nc2zarr -q $fmt -c time=24 "$1" -o app.zip
        for f in "$2" "$3" "$4"; do
            nc2zarr -q -j 2 $fmt -c time=24 --append "$f" -o app.zip ||
                not_ok "append ${fmt:-v2}: $f"
        done
        same_objects "month by month into a zip ${fmt:-(Zarr v2)}: the entries of all at once" \
            all.zip app.zip
        check "... a valid zip, each entry once, no partial file left" sh -c \
            "$(command -v $PY) -c 'import zipfile; z = zipfile.ZipFile(\"app.zip\"); n = z.namelist(); assert z.testzip() is None and len(n) == len(set(n))' &&
             test ! -e app.zip.partial"
        [ -n "$fmt" ] ||
        check "the appended zip (v2) reads in python3-zarr, 121 days" sh -c "
            $PY -c 'import zarr,sys; g = zarr.open_consolidated(zarr.storage.ZipStore(sys.argv[1], mode=\"r\"), mode=\"r\"); assert g[\"t2m\"].shape[0] == 121' app.zip"
    done
    rm -f s.zip
    nc2zarr -q -c time=24 "$1" "$2" -o s.zip
    cp s.zip s0.zip
    check_fail "appending other chunks: refused, naming them" 1 \
        "^nc2zarr: s.zip: .*: chunks: 24 in the store, 12 in the new inputs" \
        nc2zarr -q -c time=12 --append "$3" -o s.zip
    check_fail "appending another variable set: refused, naming it" 1 \
        "s.zip: the new inputs have no variable 'msl'" \
        nc2zarr -q -c time=24 --vars t2m --append "$3" -o s.zip
    check_fail "appending a month already there: refused" 1 \
        "starts at or before the store's last time" \
        nc2zarr -q -c time=24 --append "$2" -o s.zip
    check "... and the zip is as it was, byte for byte, nothing beside it" \
        sh -c "cmp s.zip s0.zip && test ! -e s.zip.partial"
    nc2zarr -q -c time=24 --append "$3" -o s.zip ||
        not_ok "a fitting month is then appended"
    check "... into a valid zip" valid_zip s.zip
else
    skip "append into a zip: no data-samples (make samples)"
fi
done_testing
