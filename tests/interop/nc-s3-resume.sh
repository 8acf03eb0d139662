#!/bin/sh
# nc2zarr into s3://BUCKET/PREFIX, against a loopback s3rver: a
# conversion in parts (--prepare, --part K/N in any order, one rerun,
# --finish), one resumed after kill -9, and one appended month by month
# give the objects of an uninterrupted single run (every object, byte
# for byte); a finish with a part missing names it; a refused append
# changes no object; a store never looks complete (.zmetadata) before
# it is, and one killed between its consolidated metadata and the
# deletion of its records (made with curl) is finished by --resume.
# Oracle: tests/interop/objects.py, hashlib over the files s3rver keeps
# on its disk, against the same conversion into a folder.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"

ep=$(zs_s3rver_start zstest) || {
    skip "s3rver: $(zs_why)"; done_testing; exit; }
zs_s3rver_env "$ep"
DATA=$(ls -d "$ZS_SRV"/s3rver.*/data/zstest)
cd "$TMP" || exit 1

# objects STORE [OTHER]: objects.py, s3://zstest/P read from s3rver's disk
objects() {
    for a in "$@"; do
        case $a in
        s3://zstest/*) echo "s3rver:$DATA/${a#s3://zstest/}" ;;
        *) echo "$a" ;;
        esac
    done | xargs $PY "$srcdir/tests/interop/objects.py"
}
same_objects() { check "$1" objects "$2" "$3"; }
has() { [ -e "$DATA/${1#s3://zstest/}._S3rver_object" ]; }

$PY "$srcdir/tests/interop/mk_nc_series.py" 24 4 24 36 13 ||
    { not_ok "inputs written"; done_testing; exit; }
ZSTORE_CONVERT_UNIT=4K
export ZSTORE_CONVERT_UNIT
OPTS="-q -c time=3 --compressor zlib:1"
t() { timeout 120 "$@"; }

t nc2zarr $OPTS f*.nc -o ref.zarr || not_ok "the folder reference converts"
check "a single run into S3" t nc2zarr $OPTS -j 2 f*.nc -o s3://zstest/one
same_objects "... holds the objects of the folder, and no record" \
    ref.zarr s3://zstest/one

# ---- parts ---------------------------------------------------------------
for n in 1 2 7; do
    B=s3://zstest/parts$n
    t nc2zarr $OPTS --prepare f*.nc -o $B || not_ok "N=$n: prepare"
    check "N=$n: prepared, nothing looks complete" sh -c \
        "! test -e '$DATA/parts$n/.zmetadata._S3rver_object'"
    for k in $(seq $n | awk -v s=$n 'BEGIN{srand(s)} {print rand() "\t" $0}' |
               sort | cut -f2); do
        t nc2zarr $OPTS -j 2 --part $k/$n f*.nc -o $B ||
            not_ok "N=$n: part $k"
    done
    t nc2zarr $OPTS --part $(( (n + 1) / 2 ))/$n f*.nc -o $B ||
        not_ok "N=$n: a part rerun"
    has $B/.zmetadata && not_ok "N=$n: no .zmetadata before the finish"
    t nc2zarr $OPTS --finish f*.nc -o $B || not_ok "N=$n: finish"
    same_objects "N=$n parts, shuffled, one rerun: the objects of one run" \
        ref.zarr $B
done

B=s3://zstest/miss
t nc2zarr $OPTS --prepare f*.nc -o $B
for k in 1 2 3 4 6 7; do t nc2zarr $OPTS --part $k/7 f*.nc -o $B; done
objects $B > before
check_fail "a finish with part 5 missing names it" 1 \
    "^nc2zarr: $B: part 5 of 7 has not completed \([0-9]+ of [0-9]+ units missing\)" \
    t nc2zarr $OPTS --finish f*.nc -o $B
objects $B > after
check "... changes no object and writes no .zmetadata" sh -c \
    "cmp -s before after && ! grep -q '^.zmetadata ' after"
check_fail "a part with other options is refused" 1 \
    "$B: holds a conversion of other inputs or options" \
    t nc2zarr -q -c time=4 --compressor zlib:1 --part 5/7 f*.nc -o $B
t nc2zarr $OPTS --part 5/7 f*.nc -o $B
t nc2zarr $OPTS --finish f*.nc -o $B || not_ok "finish after the last part"
same_objects "... then the objects of one run" ref.zarr $B
check_fail "a part of nothing prepared" 1 \
    "s3://zstest/none: no prepared conversion to write a part of" \
    t nc2zarr $OPTS --part 1/3 f*.nc -o s3://zstest/none
check_fail "a part of a finished store: nothing prepared" 1 \
    "s3://zstest/one: no prepared conversion to write a part of" \
    t nc2zarr $OPTS --part 1/3 f*.nc -o s3://zstest/one
check_fail "parts of a zip on S3: refused, saying why" 1 \
    "s3://zstest/p.zip: cannot be continued by a later run: a zip file on S3 is read-only" \
    t nc2zarr $OPTS --prepare f*.nc -o s3://zstest/p.zip

# ---- resume after kill -9 ------------------------------------------------
ZSTORE_CONVERT_RECORD_MS=50
export ZSTORE_CONVERT_RECORD_MS
t0=$(date +%s%N)
t nc2zarr $OPTS -j 2 f*.nc -o s3://zstest/timed
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "one run into S3 takes $ms ms"
recorded=0 early=0
for i in 1 2 3 4 5 6; do
    B=s3://zstest/kill$i
    delay=$(awk -v s=$i -v m=$ms 'BEGIN{srand(s); printf "%.3f", rand() * 0.8 * m / 1000}')
    nc2zarr $OPTS -j 2 f*.nc -o $B 2>/dev/null &
    pid=$!
    # from the plan on (the run's first object)
    n=0
    while ! has $B/.zstore.plan && [ $n -lt 500 ]; do
        sleep 0.01; n=$((n + 1))
    done
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    # the workers die with their parent
    sleep 0.3
    if has $B/.zmetadata; then
        # killed after the consolidated metadata: complete, though its
        # records may still be there, which --resume then deletes
        objects ref.zarr > want
        objects $B | grep -v '^\.zstore\.' > got
        check "killed after .zmetadata ($i): the store is complete" \
            cmp want got
        if ls "$DATA/kill$i"/.zstore.* >/dev/null 2>&1; then
            t nc2zarr $OPTS --resume f*.nc -o $B 2>err ||
                not_ok "kill $i: resume" "$(cat err)"
        fi
        same_objects "... and then holds the objects of one run ($i)" \
            ref.zarr $B
        continue
    fi
    early=$((early + 1))
    ls "$DATA/kill$i"/.zstore.done.* >/dev/null 2>&1 &&
        recorded=$((recorded + 1))
    check_fail "killed ($i): a new run without --resume refuses the store" \
        1 "$B: output exists" t nc2zarr $OPTS f*.nc -o $B
    t nc2zarr $OPTS -j 2 --resume f*.nc -o $B 2>err ||
        not_ok "kill $i: resume" "$(cat err)"
    same_objects "kill -9 at $delay s ($i), then --resume: the objects of one run" \
        ref.zarr $B
done
diag "runs killed before their end: $early, with units recorded: $recorded"

# the window between the consolidated metadata and the deletion of the
# records, made with curl (an independent S3 client): every part
# written, then the metadata of the folder reference put by hand
B=s3://zstest/window
t nc2zarr $OPTS --prepare f*.nc -o $B
t nc2zarr $OPTS --part 1/1 f*.nc -o $B
put_ok=true
for k in $(cd ref.zarr && find . -name '.z*' -type f | sed 's|^\./||'); do
    sum=$(sha256sum < "ref.zarr/$k" | cut -d' ' -f1)
    curl -sf -H "x-amz-content-sha256: $sum" \
        --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
        -T "ref.zarr/$k" "$ep/zstest/window/$k" >/dev/null || put_ok=false
done
if $put_ok && has $B/.zmetadata && has $B/.zstore.plan; then
    check_fail "complete, records left: a run without --resume refuses it" \
        1 "$B: output exists" t nc2zarr $OPTS f*.nc -o $B
    check "... --resume finishes it again" \
        t nc2zarr $OPTS --resume f*.nc -o $B
    same_objects "... deleting the records: the objects of one run" \
        ref.zarr $B
else
    not_ok "curl puts the metadata into $B"
fi
check "some killed runs had recorded units" test "$recorded" -gt 0
check_fail "--resume of a finished store: it exists" 1 \
    "s3://zstest/one: output exists" \
    t nc2zarr $OPTS --resume f*.nc -o s3://zstest/one
t nc2zarr -q f01.nc -o s3://zstest/other
check_fail "--resume where another store is: refused" 1 \
    "s3://zstest/other: output exists" \
    t nc2zarr $OPTS --resume f*.nc -o s3://zstest/other

# ---- append --------------------------------------------------------------
S=$top_builddir/data-samples/out
if [ -d "$S/era5-monthly-split" ]; then
    set -- $(ls "$S"/era5-monthly-split/*.nc)
    for fmt in "" "--zarr-format 3 --shards time=48"; do
        B=s3://zstest/app${fmt:+3}
        rm -rf all.zarr
        t nc2zarr -q $fmt -c time=24 "$1" "$2" "$3" "$4" -o all.zarr
        t nc2zarr -q $fmt -c time=24 "$1" -o $B
        for f in "$2" "$3" "$4"; do
            t nc2zarr -q -j 2 $fmt -c time=24 --append "$f" -o $B ||
                not_ok "append ${fmt:-v2}: $f"
        done
        same_objects "month by month into S3 ${fmt:-(Zarr v2)}: the objects of all at once" \
            all.zarr $B
    done
    B=s3://zstest/refused
    t nc2zarr -q -c time=24 "$1" "$2" -o $B
    objects $B > before
    check_fail "appending other chunks: refused, naming them" 1 \
        "^nc2zarr: $B: .*: chunks: 24 in the store, 12 in the new inputs" \
        t nc2zarr -q -c time=12 --append "$3" -o $B
    check_fail "appending another variable set: refused, naming it" 1 \
        "$B: the new inputs have no variable 'msl'" \
        t nc2zarr -q -c time=24 --vars t2m --append "$3" -o $B
    check_fail "appending a month already there: refused" 1 \
        "starts at or before the store's last time" \
        t nc2zarr -q -c time=24 --append "$2" -o $B
    objects $B > after
    check "... and every object is as it was" cmp before after
    B=s3://zstest/app
    check "the appended store reads in python3-zarr through a folder copy" \
        sh -c "cp -r '$DATA/app' app.copy &&
               find app.copy -name '*._S3rver_metadata.json' -delete &&
               find app.copy -name '*.md5' -delete &&
               for f in \$(find app.copy -name '*._S3rver_object'); do
                   mv \"\$f\" \"\${f%._S3rver_object}\"; done &&
               $PY -c 'import zarr,sys; g = zarr.open_consolidated(sys.argv[1], mode=\"r\"); assert g[\"t2m\"].shape[0] == 121, g[\"t2m\"].shape' app.copy"
else
    skip "append into S3: no data-samples (make samples)"
fi
done_testing
