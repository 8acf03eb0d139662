#!/bin/sh
# tests/fuzz/run-fuzz.sh itself, without libFuzzer: stand-in programs
# record where and how they are run.  The build directory may be given
# relative to the current directory, as in tests/fuzz/README.md's own
# example ("../tests/fuzz/run-fuzz.sh . 120"): the script once ran each
# target from its work directory by that relative path, and failed.
. "$srcdir/tests/lib/tap.sh"
RUN=$srcdir/tests/fuzz/run-fuzz.sh
mkdir -p "$TMP/b/tests/fuzz"
for t in fuzz_meta fuzz_nc; do
    cat > "$TMP/b/tests/fuzz/${t}_lf" <<'STUB'
#!/bin/sh
# a libFuzzer program's stand-in: its arguments, directory and
# environment, and the final statistics libFuzzer prints
{ pwd; echo "$*"; echo "$LSAN_OPTIONS"; ls corpus | wc -l; } > called
echo "stat::number_of_executed_units: 1234"
STUB
    chmod +x "$TMP/b/tests/fuzz/${t}_lf"
done
cd "$TMP/b" || exit 1
check "run-fuzz.sh . 1 (a relative build directory) runs the targets" \
    sh "$RUN" . 1 fuzz_meta fuzz_nc
w=$TMP/b/fuzz-work/fuzz_meta
check_eq "... each from its work directory" "$(cd "$w" && pwd)" \
    "$(sed -n 1p "$w/called" 2>/dev/null)"
check "... for the time asked, as one process" \
    grep -q -- "-jobs=1 -workers=1 -max_total_time=1 .* corpus\$" "$w/called"
check "... from a copy of the committed corpus" \
    test "$(sed -n 4p "$w/called")" -gt 10
check "... with the LeakSanitizer suppressions of netCDF-C and HDF5" \
    grep -q "suppressions=.*tests/fuzz/lsan.supp" "$w/called"
out=$(sh "$RUN" ./ 1 fuzz_meta 2>&1)
check_eq "the summary line gives the executions" \
    "run-fuzz: fuzz_meta: 1234 executions in 1s, 0 finding(s), exit status 0" \
    "$(echo "$out" | tail -1)"
cd "$TMP" || exit 1
check_fail "a build directory that does not exist: exit 2" 2 "no directory" \
    sh "$RUN" nonexistent 1
check_fail "a target not built: exit 2" 2 "not built" sh "$RUN" b 1 fuzz_codec
check "the suppression file names libnetcdf and HDF5" \
    sh -c 'grep -q "^leak:libnetcdf" "$1" && grep -q "^leak:libhdf5" "$1"' \
    sh "$srcdir/tests/fuzz/lsan.supp"
done_testing
