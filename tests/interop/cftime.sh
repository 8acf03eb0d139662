#!/bin/sh
# cftime.sh - CF time units and calendars against cftime, the reference:
# tens of thousands of pseudo-random values (fixed seed) per calendar,
# decoded, encoded and converted by zs-cftime-cli and by cftime, must
# agree exactly.  See cftime_oracle.py.  Skips if cftime is missing.
. "$srcdir/tests/lib/tap.sh"

CLI="$top_builddir/tests/unit/zs-cftime-cli"
ORACLE="$srcdir/tests/interop/cftime_oracle.py"
TAB=$(printf '\t')

if ! "$PY" -c 'import cftime, numpy' 2>/dev/null; then
    skip "cftime for $PY is not installed"
    done_testing
    exit
fi
diag "cftime $("$PY" -c 'import cftime; print(cftime.__version__)')"

# A few answers spelled out, so that a broken CLI fails loudly here.
D="days since 2000-01-01" H="hours since 2000-01-01"
out=$(printf '%s\n' "d${TAB}days since 1582-10-15${TAB}standard${TAB}-1" \
    "p${TAB}2023-11" "i${TAB}$D${TAB}-${TAB}$H${TAB}-${TAB}1.5" | "$CLI")
check_eq "CLI answers" "1582-10-04T00:00:00
2023-11-01T00:00:00
36" "$out"

if "$PY" "$ORACLE" "$CLI" >"$TMP/results" 2>"$TMP/err"; then
    n=0
    while IFS="$TAB" read -r status what detail; do
        n=$((n + 1))
        if [ "$status" = PASS ]; then ok "$what"
        else not_ok "$what" "$detail"; fi
    done <"$TMP/results"
    if [ "$n" -ge 100 ]; then ok "$n groups compared"
    else not_ok "only $n groups compared"; fi
else
    not_ok "cftime_oracle.py ran" "$(head -c 2000 "$TMP/err")"
fi
done_testing
