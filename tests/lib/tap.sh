# tap.sh - helpers for shell tests printing Test Anything Protocol.
# Source it from a test script:   . "$srcdir/tests/lib/tap.sh"
#
# Environment: srcdir and top_builddir are set by the test harness
# (tests/local.mk); tools are run from $top_builddir/tools.

: "${srcdir:=.}"
: "${top_builddir:=.}"
TAP_N=0
TAP_FAILED=0
PY=/usr/bin/python3
export LC_ALL=C
PATH="$top_builddir/tools:$PATH"
export PATH

# Shared data written by other people (may be absent: tests then skip).
SHARED="${ZS_SHARED_DATA:-$srcdir/../shared/data}"
[ -d "$SHARED" ] || SHARED=""

# A private scratch directory, removed on exit.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zstest.XXXXXX")
ZS_PY_PID=
tap_cleanup() {
    [ -z "$ZS_PY_PID" ] || kill "$ZS_PY_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap tap_cleanup EXIT

# py_serve: from now on $PY runs its scripts in one Python process
# (tests/lib/pyserve.py), so that numpy and xarray are imported once per
# test, not once per call.  Call it before $PY is copied into other
# variables.  Not for a test that pipes data into $PY other than as the
# program ("$PY -"), quotes "$PY" or hands it to another program: the
# client forwards standard input only for "-" (waiting on an input that
# never closes would hang) and is "sh pyclient.sh".  The process ends
# with the test (tap_cleanup), or by itself when the test is gone.
py_serve() {
    ZS_PY_DIR=$TMP/py
    export ZS_PY_DIR
    mkdir "$ZS_PY_DIR" && mkfifo "$ZS_PY_DIR/in" "$ZS_PY_DIR/out" || return 1
    $PY "$srcdir/tests/lib/pyserve.py" "$ZS_PY_DIR" </dev/null >&2 &
    ZS_PY_PID=$!
    PY="sh $srcdir/tests/lib/pyclient.sh"
}

ok() {      # ok DESCRIPTION  (always passes)
    TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"
}
not_ok() {  # not_ok DESCRIPTION [details...]
    TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $1"; shift
    for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
# Two kinds of skip.  skip: something the test needs is absent (an oracle,
# ../shared/data, a server); under ZS_REQUIRE_ALL=1 (set by CI) that is a
# failure, so a green run never hides a test that did not run.
# skip_env: the test means nothing in this build or environment (memory
# figures under ASan, a case the data excludes); always a skip.
skip() {    # skip REASON
    if [ "${ZS_REQUIRE_ALL:-0}" = 1 ]; then
        not_ok "required, but would skip: $*" \
            "ZS_REQUIRE_ALL=1: every oracle and data set must be present"
        return
    fi
    TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"
}
skip_env() {    # skip_env REASON
    TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# check DESCRIPTION COMMAND...: passes if the command exits 0.
check() {
    d=$1; shift
    if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi
}

# check_diag DESCRIPTION COMMAND...: as check, and the command's output
# (an oracle's summary) shown as a diagnostic when it passes.
check_diag() {
    d=$1; shift
    if out=$("$@" 2>&1); then ok "$d"; diag "$out"; else not_ok "$d" "$out"; fi
}

# check_fail DESCRIPTION EXPECTED_STATUS STDERR_REGEX COMMAND...:
# passes if the command exits with that status (or any non-zero status
# for "!") and its stderr matches the extended regex.
check_fail() {
    d=$1 want=$2 re=$3; shift 3
    "$@" >"$TMP/.out" 2>"$TMP/.err"; rc=$?
    # a sanitizer report is a crash, never a clean refusal (tests/local.mk
    # sets their exit code to 86)
    if [ $rc -eq 86 ] ||
       grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/.err"
    then
        not_ok "$d" "sanitizer report (exit status $rc):" \
            "$(head -c 3000 "$TMP/.err")"
        return
    fi
    if [ "$want" = "!" ] && [ $rc -ne 0 ] && [ $rc -lt 128 ] ||
       [ "$want" = "$rc" ]; then
        if grep -Eq -- "$re" "$TMP/.err"; then ok "$d"; return; fi
        not_ok "$d" "stderr does not match /$re/:" "$(head -c 2000 "$TMP/.err")"
        return
    fi
    not_ok "$d" "exit status $rc, wanted $want" "$(head -c 2000 "$TMP/.err")"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else
        not_ok "$1" "expected: $2" "actual:   $3"; fi
}

done_testing() {
    echo "1..$TAP_N"
    [ $TAP_FAILED -eq 0 ]
}
