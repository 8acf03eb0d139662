#!/bin/sh
# A conversion in parts (--prepare, --part K/N, --finish) and a resumed one
# (--resume after kill -9 at random points) give a store whose every
# object is byte for byte the one of an uninterrupted single run.
# Oracles: cmp and sha256sum of every file of the stores (find), and
# python3-netCDF4 writing the inputs.
. "$srcdir/tests/lib/tap.sh"
cd "$TMP" || exit 1

# 24 files of 4 hourly records: a float variable and a packed one with
# holes (fill values), on a small grid
$PY "$srcdir/tests/interop/mk_nc_series.py" 24 4 24 36 13 ||
    { not_ok "inputs written"; done_testing; exit; }
ls f*.nc > files
# small units, so that parts and resumed runs have many pieces to get
# wrong
ZSTORE_CONVERT_UNIT=4K
export ZSTORE_CONVERT_UNIT
OPTS="-q -c time=3 --compressor zlib:1"

# files DIR: every file under DIR but the lock of a partial store (its
# name holds a control character)
LOCKNAME="*$(printf '\001')*"
files() {
    (cd "$1" && find . -type f ! -name "$LOCKNAME" | LC_ALL=C sort)
}
# same_store NAME A B: both hold the same files, byte for byte
same_store() {
    files "$2" > "$TMP/.la"
    files "$3" > "$TMP/.lb"
    if ! cmp -s "$TMP/.la" "$TMP/.lb"; then
        not_ok "$1" "different files:" "$(diff "$TMP/.la" "$TMP/.lb" | head)"
        return
    fi
    while IFS= read -r f; do
        if ! cmp -s "$2/$f" "$3/$f"; then
            not_ok "$1" "$f differs"
            return
        fi
    done < "$TMP/.la"
    ok "$1"
}
# tree_sum DIR: a digest of every file under DIR (names and contents)
tree_sum() {
    files "$1" | (cd "$1" && xargs sha256sum) | sha256sum
}

nc2zarr $OPTS f*.nc -o ref.zarr || not_ok "the single run converts"
nobj=$(cd ref.zarr && find . -type f | wc -l)
check "the reference has many objects ($nobj)" test "$nobj" -gt 100
check "no records left in a finished store" sh -c \
    '! ls -A ref.zarr | grep -q "^.zstore"'
nc2zarr -n $OPTS --part 3/7 f*.nc -o x.zarr > plan
check "a dry run of a part tells its units and bytes" \
    grep -Eq "^part 3 of 7: units [0-9]+ to [0-9]+ of [0-9]+; objects: [0-9]+; raw bytes" plan
check "... and the time it should take, from a sample unit" \
    grep -Eq "^time: about [0-9.]+ s for the part with [0-9]+ workers? \(one unit of [ap], [0-9.]+ [KM]?i?B, read and encoded in [0-9.]+ s\)$" plan
check "... writing nothing" test ! -e x.zarr -a ! -e x.zarr.partial
nc2zarr -n $OPTS f*.nc -o x.zarr > plan
check "a dry run of the whole: its time" \
    grep -Eq "^time: about [0-9.]+ s with [0-9]+ workers? \(one unit of" plan

# ---- parts ------------------------------------------------------------
for n in 1 2 7; do
    rm -rf p.zarr p.zarr.partial
    nc2zarr $OPTS --prepare f*.nc -o p.zarr || not_ok "N=$n: prepare"
    check "N=$n: prepared, nothing looks complete" \
        test ! -e p.zarr -a ! -e p.zarr.partial/.zmetadata
    # the parts from last to first
    k=$n
    while [ $k -ge 1 ]; do
        nc2zarr $OPTS --part $k/$n f*.nc -o p.zarr ||
            not_ok "N=$n: part $k"
        k=$((k - 1))
    done
    check "N=$n: no store before the finish" test ! -e p.zarr
    nc2zarr $OPTS --finish f*.nc -o p.zarr || not_ok "N=$n: finish"
    same_store "N=$n parts in reverse order: byte-identical to one run" \
        ref.zarr p.zarr
done

# seven parts at once (two processes each), one of them run twice
rm -rf p.zarr p.zarr.partial
nc2zarr $OPTS --prepare f*.nc -o p.zarr
pids=
for k in 4 1 7 3 6 2 5; do
    nc2zarr $OPTS -j 2 --part $k/7 f*.nc -o p.zarr 2>err.$k &
    pids="$pids $!"
done
failed=0
for p in $pids; do wait $p || failed=$((failed + 1)); done
check_eq "N=7 at once: every part succeeds" 0 "$failed"
nc2zarr $OPTS --part 3/7 ./f*.nc -o p.zarr 2>/dev/null &&
    not_ok "a part with other input names is refused"
nc2zarr $OPTS --part 3/7 f*.nc -o p.zarr || not_ok "N=7: part 3 rerun"
nc2zarr $OPTS --finish f*.nc -o p.zarr || not_ok "N=7 at once: finish"
same_store "N=7 concurrent, one part rerun: byte-identical" ref.zarr p.zarr

# 64 parts, most of them small, in a shuffled order
rm -rf p.zarr p.zarr.partial
nc2zarr $OPTS --prepare f*.nc -o p.zarr
for k in $(seq 64 | awk 'BEGIN{srand(64)} {print rand() "\t" $0}' |
           sort | cut -f2); do
    nc2zarr $OPTS -j 1 --part $k/64 f*.nc -o p.zarr || not_ok "part $k/64"
done
nc2zarr $OPTS --finish f*.nc -o p.zarr || not_ok "N=64: finish"
same_store "N=64 shuffled: byte-identical" ref.zarr p.zarr

# parts take the inputs' headers from the preparation: an input whose
# header changes after it (here an attribute that a new scan would find
# at odds with the first file) does not stop them
mkdir chg && cp f*.nc chg/
nc2zarr $OPTS --prepare chg/*.nc -o c.zarr
$PY -c 'import netCDF4; d = netCDF4.Dataset("chg/f05.nc", "a"); d["a"].units = "degC"; d.close()'
check_fail "a new scan sees the changed header" 1 "chg/f05.nc: differs from" \
    nc2zarr $OPTS chg/*.nc -o c2.zarr
for k in 2 3 1; do
    nc2zarr $OPTS --part $k/3 chg/*.nc -o c.zarr || not_ok "chg: part $k/3"
done
nc2zarr $OPTS --finish chg/*.nc -o c.zarr || not_ok "chg: finish"
same_store "parts and finish read the headers the preparation recorded" \
    ref.zarr c.zarr

# ---- what is refused ----------------------------------------------------
check_fail "--part 0/3: usage error" 2 "invalid --part: part 0 of 3: parts are numbered from 1 to 3" \
    nc2zarr --part 0/3 f*.nc -o bad.zarr
check_fail "--part 3/2: usage error" 2 "part 3 of 2: parts are numbered from 1 to 2" \
    nc2zarr --part 3/2 f*.nc -o bad.zarr
check_fail "--part x: usage error" 2 "--part must be K/N" \
    nc2zarr --part 3 f*.nc -o bad.zarr
check_fail "--prepare with --finish: usage error" 2 "exclude each other" \
    nc2zarr --prepare --finish f*.nc -o bad.zarr
check_fail "a part of nothing prepared" 1 \
    "^nc2zarr: bad.zarr.partial: no prepared conversion to write a part of \(prepare it first\) \(--prepare\)" \
    nc2zarr --part 1/3 f*.nc -o bad.zarr
check_fail "a finish of nothing prepared" 1 "no prepared conversion to finish" \
    nc2zarr --finish f*.nc -o bad.zarr
check_fail "parts of a tar file: refused, saying why" 1 \
    "bad.tar: cannot be continued by a later run: a tar file is written once, in order" \
    nc2zarr --prepare f*.nc -o bad.tar
check "nothing written by the refusals" sh -c \
    '! ls -d bad.* 2>/dev/null | grep -q .'

# a finish with parts missing names them, and changes nothing
rm -rf p.zarr p.zarr.partial
nc2zarr $OPTS --prepare f*.nc -o p.zarr
for k in 1 3 4 6 7; do nc2zarr $OPTS --part $k/7 f*.nc -o p.zarr; done
before=$(tree_sum p.zarr.partial)
check_fail "a finish with parts 2 and 5 missing names them" 1 \
    "^nc2zarr: p.zarr.partial: parts 2, 5 of 7 have not completed \([0-9]+ of [0-9]+ units missing\)" \
    nc2zarr $OPTS --finish f*.nc -o p.zarr
check_eq "... and leaves the partial store as it was" "$before" \
    "$(tree_sum p.zarr.partial)"
check "... and writes no store" test ! -e p.zarr
check_fail "a part with other options is refused" 1 \
    "p.zarr.partial: holds a conversion of other inputs or options" \
    nc2zarr -q -c time=4 --compressor zlib:1 --part 2/7 f*.nc -o p.zarr
check_fail "a part with other inputs is refused" 1 \
    "^nc2zarr: p.zarr.partial: prepared for other inputs \(24, not 10\)" \
    nc2zarr $OPTS --part 2/7 f0*.nc -o p.zarr
check_fail "a part with the inputs in another order is refused" 1 \
    "prepared for other inputs \(input 1 differs\)" \
    nc2zarr $OPTS --part 2/7 $(ls f*.nc | sort -r) -o p.zarr
check_eq "... and they change nothing" "$before" "$(tree_sum p.zarr.partial)"
nc2zarr $OPTS --part 5/7 f*.nc -o p.zarr
check_fail "with part 5 done, the finish names part 2 alone" 1 \
    "part 2 of 7 has not completed" nc2zarr $OPTS --finish f*.nc -o p.zarr
nc2zarr $OPTS --part 2/7 f*.nc -o p.zarr
nc2zarr $OPTS --finish f*.nc -o p.zarr || not_ok "finish after the rest"
same_store "the parts run late: byte-identical" ref.zarr p.zarr
check "no partial store left after the finish" test ! -e p.zarr.partial

# ---- the job scripts of examples/ ----------------------------------------
nc2zarr -q f*.nc -o plain.zarr
nc2zarr -q --prepare f*.nc -o slurm.zarr
for k in 3 1 4 2; do
    SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=4 \
        sh "$srcdir/examples/slurm-part.sh" slurm.zarr f*.nc ||
        not_ok "examples/slurm-part.sh: task $k of 4"
done
nc2zarr -q --finish f*.nc -o slurm.zarr
same_store "examples/slurm-part.sh as a job array of 4: byte-identical" \
    plain.zarr slurm.zarr
check_fail "examples/slurm-part.sh outside a job array" "!" \
    "not in a job array" sh "$srcdir/examples/slurm-part.sh" x.zarr f*.nc
if command -v parallel >/dev/null 2>&1 &&
   parallel --version 2>/dev/null | grep -q GNU; then
    mkdir in && cp f*.nc in/
    nc2zarr -q in -o inref.zarr
    JOBS=3 sh "$srcdir/examples/parallel.sh" 5 in par.zarr ||
        not_ok "examples/parallel.sh runs"
    same_store "examples/parallel.sh with 5 parts: byte-identical" \
        inref.zarr par.zarr
else
    skip "examples/parallel.sh: no GNU parallel"
fi

if command -v mpirun >/dev/null 2>&1; then
    nc2zarr -q --prepare f*.nc -o mpi.zarr
    # (as root, Open MPI wants to be told; the ranks share nothing)
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        mpirun --oversubscribe -n 3 sh "$srcdir/examples/mpi-part.sh" \
        mpi.zarr f*.nc > mpi.out 2>&1 ||
        not_ok "examples/mpi-part.sh under mpirun -n 3" "$(cat mpi.out)"
    nc2zarr -q --finish f*.nc -o mpi.zarr || not_ok "mpi: finish"
    same_store "examples/mpi-part.sh under mpirun -n 3: byte-identical" \
        plain.zarr mpi.zarr
    check_fail "examples/mpi-part.sh outside mpirun" 2 "not an MPI rank" \
        env -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u PMIX_RANK \
        sh "$srcdir/examples/mpi-part.sh" x.zarr f*.nc
else
    skip "examples/mpi-part.sh: no mpirun (Debian openmpi-bin)"
fi

# ---- resume after kill -9 ------------------------------------------------
# records every 50 ms (each costs a syncfs), so that killed runs have some
ZSTORE_CONVERT_RECORD_MS=50
export ZSTORE_CONVERT_RECORD_MS
# resume ARGS...: nc2zarr --resume, again while the workers of a killed
# run still hold the partial store (they die with their parent, soon)
resume() {
    n=0
    while :; do
        nc2zarr --resume "$@" 2>"$TMP/.rerr" && return 0
        grep -q "another conversion is writing it" "$TMP/.rerr" &&
            [ $n -lt 100 ] || { cat "$TMP/.rerr" >&2; return 1; }
        sleep 0.1
        n=$((n + 1))
    done
}
t0=$(date +%s%N)
nc2zarr $OPTS -j 2 f*.nc -o timed.zarr
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
diag "one run takes $ms ms"
nc2zarr $OPTS -j 1 f*.nc -o o.zarr 2>/dev/null &
pid=$!
n=0
while [ ! -e o.zarr.partial/.zstore.plan ] && [ $n -lt 500 ]; do
    sleep 0.01; n=$((n + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
before=$(tree_sum o.zarr.partial)
check_fail "--resume with other options is refused" 1 \
    "^nc2zarr: o.zarr.partial: holds a conversion of other inputs or options" \
    nc2zarr -q --compressor zlib:1 --resume f*.nc -o o.zarr
check_eq "... and leaves the partial store as it was" "$before" \
    "$(tree_sum o.zarr.partial)"
check "... which then resumes with the same options" \
    resume $OPTS f*.nc -o o.zarr
same_store "... byte-identical" ref.zarr o.zarr

kept=0 recorded=0 complete=0
i=0
while [ $i -lt 30 ]; do
    i=$((i + 1))
    rm -rf k.zarr k.zarr.partial
    # kill at a random moment of a run, twice: the first run and the
    # first resumed run
    for round in 1 2; do
        delay=$(awk -v s=$i$round -v m=$ms 'BEGIN{srand(s); printf "%.3f", rand() * m * 0.9 / 1000}')
        if [ $round = 1 ]; then
            nc2zarr $OPTS -j 2 f*.nc -o k.zarr 2>/dev/null &
        else
            nc2zarr $OPTS -j 2 --resume f*.nc -o k.zarr 2>/dev/null &
        fi
        pid=$!
        sleep "$delay"
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
        [ -e k.zarr ] && break
    done
    if [ -e k.zarr ]; then
        # killed too late: the run was complete, and so is its store
        complete=$((complete + 1))
        same_store "kill -9 after the end ($i): the store is complete" \
            ref.zarr k.zarr
        continue
    fi
    ls k.zarr.partial/.zstore.done.* >/dev/null 2>&1 &&
        recorded=$((recorded + 1))
    : > inodes.before
    [ -d k.zarr.partial ] && (cd k.zarr.partial &&
        find . -type f -name '*.*.*' ! -name '.zstore.*' \
            -exec stat -c '%i %n' {} + | sort) > inodes.before
    resume $OPTS -j 2 f*.nc -o k.zarr 2>err ||
        not_ok "kill $i: resume" "$(cat err)"
    (cd k.zarr && find . -type f -name '*.*.*' -exec stat -c '%i %n' {} + |
        sort) > inodes.after
    n=$(comm -12 inodes.before inodes.after | wc -l)
    [ "$n" -gt 0 ] && kept=$((kept + 1))
    same_store "kill -9 at random points ($i): the resumed store is byte-identical" \
        ref.zarr k.zarr
done
diag "runs killed with units recorded: $recorded of 30; resumed runs that kept chunks: $kept; killed after the rename: $complete"
check "some killed runs had recorded units" test "$recorded" -gt 0
check "resumed runs keep recorded chunks (not written again)" test "$kept" -gt 0
check "--resume with nothing to resume converts" sh -c \
    "nc2zarr $OPTS --resume f*.nc -o fresh.zarr"
same_store "... byte-identical" ref.zarr fresh.zarr
check_fail "--resume of a finished store: it exists" 1 "fresh.zarr: output exists" \
    nc2zarr $OPTS --resume f*.nc -o fresh.zarr
done_testing
