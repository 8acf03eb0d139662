#!/bin/sh
# Issue 13's resume acceptance on real-sized inputs: nc2zarr killed with
# SIGKILL at KILLS random moments, then continued with --resume, gives a
# store byte-identical (diff -r) to an uninterrupted run, and no killed
# run ever leaves a store under the final name that is not complete.
# Two sets: the first FILES files of the bench set (0.25 degree, hourly,
# packed int16) and MANY small files (tests/interop/mk_nc_series.py).
# Each round kills the first run and, at another random moment, the
# first resumed run too, so resumes of resumes are covered.
#
# Usage: bench/resume-kill.sh BUILD_DIR [WORK_DIR]   (WORK_DIR:
# /tmp/zstore-bench, whose data/ bench/nc2zarr.sh makes).  KILLS=50,
# FILES=4, MANY=2000.  Not a timing: it may run beside other work.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
KILLS=${KILLS:-50}
FILES=${FILES:-4}
MANY=${MANY:-2000}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
need_bench_data
K=$W/kill
rm -rf "$K"
mkdir -p "$K/many"
(cd "$K/many" && $PY "$here/../tests/interop/mk_nc_series.py" "$MANY" 2 \
     16 24 7)
bench_files=$(ls "$W"/data/*.nc | head -n "$FILES")
many_files=$(ls "$K"/many/f*.nc)
# records of completed work every 200 ms, so that killed runs leave some
ZSTORE_CONVERT_RECORD_MS=200
export ZSTORE_CONVERT_RECORD_MS

# resume SET: nc2zarr --resume, again while the workers of a killed run
# still hold the partial store (they die with their parent, soon)
resume() {
    n=0
    while :; do
        # shellcheck disable=SC2086
        "$T/nc2zarr" -q --resume $opts $files -o "$K/k.zarr" \
            2>"$K/err" && return 0
        grep -q "another conversion is writing it" "$K/err" &&
            [ $n -lt 100 ] || { cat "$K/err" >&2; return 1; }
        sleep 0.1
        n=$((n + 1))
    done
}

fail=0
for set in bench many; do
    if [ $set = bench ]; then
        files=$bench_files opts="-j 2"
    else
        files=$many_files opts="-j 2 -c time=8"
    fi
    rm -rf "$K/ref.zarr"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    "$T/nc2zarr" -q $opts $files -o "$K/ref.zarr"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    echo "== $set: $(echo $files | wc -w) files, one run $ms ms," \
         "$(du -sh "$K/ref.zarr" | cut -f1)"
    same=0 late=0 recorded=0
    i=0
    while [ $i -lt "$KILLS" ]; do
        i=$((i + 1))
        rm -rf "$K/k.zarr" "$K/k.zarr.partial"
        for round in 1 2; do
            seed=$(( i * 10 + round + ${#set} * 1000 ))
            delay=$(awk -v s=$seed -v m=$ms \
                'BEGIN{srand(s); printf "%.3f", rand() * m * 0.95 / 1000}')
            if [ $round = 1 ]; then
                # shellcheck disable=SC2086
                "$T/nc2zarr" -q $opts $files -o "$K/k.zarr" 2>/dev/null &
            else
                # shellcheck disable=SC2086
                "$T/nc2zarr" -q --resume $opts $files -o "$K/k.zarr" \
                    2>/dev/null &
            fi
            pid=$!
            sleep "$delay"
            kill -9 $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            [ -e "$K/k.zarr" ] && break
        done
        if [ -e "$K/k.zarr" ]; then
            # killed after the rename: it must be the whole store
            late=$((late + 1))
        else
            ls "$K"/k.zarr.partial/.zstore.done.* >/dev/null 2>&1 &&
                recorded=$((recorded + 1))
            resume || { echo "$set kill $i: resume failed"; fail=$((fail + 1)); }
        fi
        if diff -r "$K/ref.zarr" "$K/k.zarr" >/dev/null 2>&1; then
            same=$((same + 1))
        else
            echo "$set kill $i: the store DIFFERS from the uninterrupted run"
            fail=$((fail + 1))
        fi
    done
    echo "$set: $same of $KILLS byte-identical; killed with work recorded:" \
         "$recorded; killed after the end: $late"
done
rm -rf "$K"
echo "failures: $fail"
[ $fail = 0 ]
