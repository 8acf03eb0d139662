#!/bin/sh
# run-fuzz.sh - run the libFuzzer programs one after the other.
#
#   tests/fuzz/run-fuzz.sh BUILDDIR [SECONDS] [TARGET...]
#
# BUILDDIR (absolute or relative to the current directory) was
# configured with
#   CC=clang CFLAGS='-g -O1 -fsanitize=fuzzer-no-link' \
#   .../configure --enable-fuzz --enable-sanitizers
# and built (make; make fuzz-programs).  Each target starts from its
# committed corpus (copied, so that the new inputs libFuzzer finds stay
# in BUILDDIR/fuzz-work/TARGET) and runs SECONDS (default 120) as one
# process (-jobs=1 -workers=1) at nice level FUZZ_NICE (default 10), so
# that it shares a machine politely.  Leaks inside libnetcdf and HDF5 are
# suppressed (tests/fuzz/lsan.supp says why).  Crashing inputs are left
# in BUILDDIR/fuzz-work/TARGET as crash-*, leak-*, timeout-*: turn each
# into a regression test by adding it to
# tests/fuzz/corpus/TARGET/regress-WHAT when the bug is fixed (the
# summary counts those of this run only).  Each
# target's last lines (executions, new coverage) go to
# BUILDDIR/fuzz-work/TARGET/fuzz.log, and a summary line per target to
# standard output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-fuzz.sh BUILDDIR [SECONDS] [TARGET...]}
# absolute, since each target runs from its own work directory
build=$(cd "$build" && pwd) || { echo "run-fuzz: no directory $1" >&2; exit 2; }
secs=${2:-120}
shift; [ $# -gt 0 ] && shift
targets=${*:-fuzz_meta fuzz_codec fuzz_store_keys fuzz_archive fuzz_select \
fuzz_time fuzz_duration fuzz_nc fuzz_npy fuzz_spec}
status=0
for t in $targets; do
    prog="$build/tests/fuzz/${t}_lf"
    work="$build/fuzz-work/$t"
    [ -x "$prog" ] || { echo "run-fuzz: $prog not built" >&2; exit 2; }
    mkdir -p "$work/corpus"
    rm -f "$work"/fuzz-*.log
    touch "$work/.start"
    cp -r "$here/corpus/$t/." "$work/corpus/"
    echo "run-fuzz: $t for ${secs}s"
    (cd "$work" &&
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     LSAN_OPTIONS=suppressions="$here/lsan.supp":print_suppressions=0 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     nice -n "${FUZZ_NICE:-10}" "$prog" -jobs=1 -workers=1 \
         -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
         -timeout=20 -print_final_stats=1 corpus > fuzz.out 2>&1)
    rc=$?
    # with -jobs, libFuzzer writes the run's output to fuzz-0.log
    cat "$work/fuzz.out" "$work"/fuzz-*.log > "$work/fuzz.log" 2>/dev/null
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
        "$work/fuzz.log" | tail -1)
    crashes=$(find "$work" -maxdepth 1 -newer "$work/.start" \( \
        -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o \
        -name 'oom-*' \) | wc -l)
    echo "run-fuzz: $t: ${execs:-?} executions in ${secs}s," \
        "$crashes finding(s), exit status $rc"
    [ $rc -eq 0 ] && [ "$crashes" -eq 0 ] || status=1
done
exit $status
