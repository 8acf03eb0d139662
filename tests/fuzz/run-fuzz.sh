#!/bin/sh
# run-fuzz.sh - run the libFuzzer programs one after the other.
#
#   tests/fuzz/run-fuzz.sh BUILDDIR [SECONDS] [TARGET...]
#
# BUILDDIR was configured with
#   CC=clang CFLAGS='-g -O1 -fsanitize=fuzzer-no-link' \
#   .../configure --enable-fuzz --enable-sanitizers
# and built (make; make tests/fuzz/fuzz_meta_lf ...).  Each target starts
# from its committed corpus (copied, so that the new inputs libFuzzer
# finds stay in BUILDDIR/fuzz-work/TARGET) and runs SECONDS (default 120)
# on one core.  Crashing inputs are left in BUILDDIR/fuzz-work as
# crash-*, leak-*, timeout-*: turn each into a regression test by adding
# it to tests/fuzz/corpus/TARGET/regress-WHAT when the bug is fixed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-fuzz.sh BUILDDIR [SECONDS] [TARGET...]}
secs=${2:-120}
shift; [ $# -gt 0 ] && shift
targets=${*:-fuzz_meta fuzz_codec fuzz_store_keys fuzz_archive}
status=0
for t in $targets; do
    prog="$build/tests/fuzz/${t}_lf"
    work="$build/fuzz-work/$t"
    [ -x "$prog" ] || { echo "run-fuzz: $prog not built" >&2; exit 2; }
    mkdir -p "$work/corpus"
    cp -r "$here/corpus/$t/." "$work/corpus/"
    echo "run-fuzz: $t for ${secs}s"
    (cd "$work" &&
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$prog" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
             -timeout=20 -print_final_stats=1 corpus) || status=1
done
exit $status
