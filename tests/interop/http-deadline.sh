#!/bin/sh
# An overall deadline for a remote store's requests (the context option
# http.deadline), besides the per-request timeout (http.timeout).
# Timeouts apply per request and are retried, so a server that stalls on
# every chunk made a run take retries x timeout x chunks; with a deadline
# it ends when the deadline passes, with an error naming a URL and the
# deadline, exit status 1.  Against tests/interop/faultserver.py:
#  - "slowall" (3 s of silence before every answer) with --timeout 30:
#    the first request is cut at the deadline;
#  - "slowall" on the chunks only, with --timeout 1 and --retries 100:
#    the retries stop at the deadline;
#  - a server that answers at once: a deadline changes nothing;
#  - the option takes a whole number of seconds.
# The library is driven by tests/unit/zs-open-cli, which prints what
# zinfo --checksum prints; then the tools' --deadline, whose message
# names the flag.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"
S=$top_builddir/data-samples/out
HOME=$TMP/home; export HOME
mkdir -p "$HOME" "$TMP/www"
unset NETRC ZSTORE_TOKEN ZSTORE_CA_BUNDLE
cd "$TMP" || exit 1

# milliseconds since the epoch
ms() { $PY -c 'import time; print(int(time.time() * 1000))'; }
CLI=$top_builddir/tests/unit/zs-open-cli
[ -x "$CLI" ] || { not_ok "zs-open-cli is built" "missing: $CLI"
                   done_testing; exit 1; }

nc2zarr -q -c time=6 "$S/era5/era5_sfc_2019-07-01.nc" -o www/s.zarr ||
    { not_ok "nc2zarr writes the store served"; done_testing; exit 1; }
zinfo --checksum www/s.zarr > want
f=$(zs_fault_start "$TMP/www") || {
    skip "faultserver.py: $(zs_why)"; done_testing; exit; }

# within MAX_MS NAME MAX_MS COMMAND...: exit 1, the deadline's message,
# within MAX_MS milliseconds
within() {
    wn=$1 wmax=$2; shift 2
    t0=$(ms)
    timeout 120 "$@" > got 2> err; rc=$?
    t=$(( $(ms) - t0 ))
    if [ $rc = 1 ] && [ $t -le "$wmax" ] &&
       grep -Eq "^zs-open-cli: ($f/[^ ]+: )?$f/[^ ]+: no answer before the \
deadline of [0-9]+ s for the store's requests \(http.deadline\)" \
       err; then
        ok "$wn ($t ms)"
    else
        not_ok "$wn" "status $rc after $t ms (at most $wmax)" "$(cat err)"
    fi
}

within "slowall, timeout 30 s: the first request is cut at a deadline of \
2 s" 4500 "$CLI" -o http.deadline=2 -o http.timeout=30 "$f/slowall/s.zarr"
check "... naming .zmetadata" grep -q "slowall/s.zarr/.zmetadata: " err
within "slowall on the chunks, timeout 1 s, 100 retries: the retries stop \
at a deadline of 4 s" 6500 "$CLI" -o http.deadline=4 -o http.timeout=1 \
    -o http.retries=100 "$f/slowall/s.zarr?only=t2m/"
check "... naming a chunk of t2m" grep -q "slowall/s.zarr/t2m/[0-9.]*: " err
check "... and no checksum of t2m printed (the others are right)" \
    sh -c '! grep -q " t2m$" got && ! grep -vxFf want got'
"$CLI" -o http.deadline=30 "$f/ok/s.zarr" > got 2> err
check_eq "a server that answers at once: a deadline of 30 s changes nothing" \
    "$(cat want)" "$(cat got err)"
for bad in -1 x 1.5; do
    check_fail "http.deadline=$bad is refused" 2 \
        "option http.deadline: invalid value" "$CLI" -o "http.deadline=$bad" \
        "$f/ok/s.zarr"
done

# the tools: --deadline sets it, and the message names the flag (after
# the last attempt's failure, when one was cut by the deadline: a race)
for tool in "zinfo --checksum" "zsel -q --csv --vars t2m" \
            "zrechunk -q -c time=-1 -o out.zarr"; do
    t0=$(ms)
    timeout 120 $tool --deadline 2 --timeout 30 "$f/slowall/s.zarr" \
        > got 2> err
    rc=$? t=$(( $(ms) - t0 ))
    name=${tool%% *}
    if [ $rc = 1 ] && [ $t -le 4500 ] && grep -Eq "^$name: .*no answer \
before the deadline of 2 s for the store's requests \(http.deadline\)\
(; last attempt: [^()]*)? \(--deadline\)$" err; then
        ok "$name --deadline 2: cut at the deadline, the flag named ($t ms)"
    else
        not_ok "$name --deadline 2" "status $rc after $t ms" "$(cat err)"
    fi
done
check_fail "--deadline 0 is refused" 2 "invalid value '0' for --deadline" \
    zinfo --deadline 0 "$f/ok/s.zarr"

done_testing
