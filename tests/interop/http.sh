#!/bin/sh
# http:// and https:// stores.
#  - Bad names: malformed URLs and unknown schemes give a clear message
#    and exit status 1, never a crash.
#  - A loopback nginx serving the fixture stores of ../shared/data/zarr
#    (tests/interop/zarr-fixtures.sh) and a store written by nc2zarr:
#    zinfo --checksum over HTTP prints what it prints for the folder
#    (stores without consolidated metadata array by array: HTTP cannot
#    list); xarray reads the same values over HTTP; one request per chunk
#    plus one for .zmetadata, GETs only; a missing chunk (404) reads as
#    the fill value, exactly as in the folder; https verifies the
#    certificate unless --insecure.
#  - tests/interop/faultserver.py misbehaving: every case ends with the
#    folder's exact checksums (after retries) or with a clear error naming
#    the URL and exit status 1, within a bounded time; never fill values
#    or partial data.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"

# zinfo with a bound on its run time (a hang fails the test, not make)
zi() { timeout 60 zinfo "$@"; }

# ---- bad names ---------------------------------------------------------
for n in "http://" "http:///x" "http://:80/x" "https://?q" \
         "http://host/a b" "http://[::1/x" "http://127.0.0.1:99999/x" \
         "ftp://host/x" "foo://bar" "s3://" "s3:///x" "s3://bad bucket/x" \
         "s3://b/../x" "zip://"; do
    check_fail "zinfo '$n': clear error, exit 1" 1 \
        "^zinfo: .*(malformed|unknown store scheme|empty path)" \
        zi --retries 0 "$n"
done

# ---- a store written by nc2zarr, and fixtures ---------------------------
S=$top_builddir/data-samples/out
W=$TMP/www
mkdir -p "$W"
if ! nc2zarr -q "$S"/era5/*.nc -o "$W/era5.zarr" 2>"$TMP/nc.err"; then
    not_ok "nc2zarr writes the store served" "$(cat "$TMP/nc.err")"
    done_testing; exit
fi
# the same with one chunk missing (read as the fill value)
cp -r "$W/era5.zarr" "$W/hole.zarr"
hole=$(cd "$W/hole.zarr" && find t2m -type f ! -name '.z*' | sort | head -1)
rm "$W/hole.zarr/$hole"
[ -n "$SHARED" ] && ln -s "$SHARED/zarr" "$W/fixtures"

url=$(zs_nginx_start "$W") || {
    skip "loopback nginx: $(zs_why)"; done_testing; exit; }

# same_sums NAME DIR URL [ARRAY...]: zinfo --checksum of DIR and of URL
# (of DIR/ARRAY... and URL/ARRAY... if given) print the same, with the
# same exit status and the same messages.
same_sums() {
    name=$1 d=$2 u=$3; shift 3
    if [ $# -eq 0 ]; then set -- ""; fi
    a="" b=""
    for x in "$@"; do
        a="$a $d${x:+/$x}" b="$b $u${x:+/$x}"
    done
    # shellcheck disable=SC2086
    zi --checksum $a > "$TMP/s1" 2> "$TMP/e1"; r1=$?
    # shellcheck disable=SC2086
    zi --checksum $b > "$TMP/s2" 2> "$TMP/e2"; r2=$?
    sed "s|$d|STORE|g" "$TMP/s1" "$TMP/e1" > "$TMP/n1"
    sed "s|$u|STORE|g" "$TMP/s2" "$TMP/e2" > "$TMP/n2"
    if [ $r1 = $r2 ] && [ -s "$TMP/s1" ] && cmp -s "$TMP/n1" "$TMP/n2"; then
        ok "$name: zinfo --checksum over HTTP = from the folder" \
           "($(grep -c '^[0-9a-f]' "$TMP/s1") arrays)"
    else
        not_ok "$name: zinfo --checksum over HTTP = from the folder" \
            "status $r1 / $r2" "$(diff "$TMP/n1" "$TMP/n2" | head -20)"
    fi
}

# arrays of a store (paths of its array metadata)
arrays() {
    (cd "$1" && { find . -name .zarray; grep -rl --include=zarr.json \
        '"node_type": *"array"' . ; } | sed 's|^\./||; s|/*\.zarray$||;
        s|/*zarr.json$||' | sort -u)
}

same_sums "nc2zarr store" "$W/era5.zarr" "$url/era5.zarr"
if [ -n "$SHARED" ]; then
    for root in zarr-python-v2-fixture/fixture \
                zarrita.js-fixtures/fixtures/v2/data.zarr \
                zarrita.js-fixtures/fixtures/v3/data.zarr \
                python3-zarr-written/blosc.zarr \
                python3-zarr-written/era5_xr.zarr \
                python3-zarr-written/gzip.zarr python3-zarr-written/raw.zarr \
                python3-zarr-written/zlib.zarr python3-zarr-written/zstd.zarr
    do
        d=$W/fixtures/$root
        if [ -f "$d/.zmetadata" ]; then
            same_sums "$root" "$d" "$url/fixtures/$root"
        else
            # shellcheck disable=SC2046
            same_sums "$root (array by array)" "$d" "$url/fixtures/$root" \
                $(arrays "$d")
        fi
    done
else
    skip "fixtures: ../shared/data is absent"
fi

# ---- requests: one per chunk and one for .zmetadata, GETs only ---------
log=$(zs_nginx_log "$url")
: > "$log"
zi --stats --checksum "$url/era5.zarr" > /dev/null 2> "$TMP/stats"
chunks=$(cd "$W/era5.zarr" && find . -type f ! -name '.z*' | wc -l)
want=$((chunks + 1))
got=$(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/stats")
check_eq "zinfo --stats: $want requests ($chunks chunks + .zmetadata)" \
    "$want" "$got"
sleep 0.2   # nginx writes its log after the answer
check_eq "the server saw GETs only, no HEAD" "$want GET" \
    "$(awk '{ print substr($6, 2) }' "$log" | sort | uniq -c |
       awk '{ print $1, $2 }')"
check_eq "no listing (no request for a path ending in /)" 0 \
    "$(grep -c ' /[^ ]*/ HTTP' "$log")"

# ---- missing chunk: 404 means the fill value ---------------------------
same_sums "a chunk missing ($hole), read as the fill value" \
    "$W/hole.zarr" "$url/hole.zarr"

# ---- read-only -------------------------------------------------------------
check_fail "nc2zarr into an http:// URL: refused, read-only" 1 \
    "^nc2zarr: $url/new.zarr: HTTP stores are read-only" \
    nc2zarr -q "$S"/era5/*.nc -o "$url/new.zarr"

# ---- missing store -------------------------------------------------------
check_fail "a missing store: not found, naming the URL" 1 \
    "^zinfo: $url/nothere.zarr: not found" zi "$url/nothere.zarr"

# ---- xarray reads the same values over HTTP ------------------------------
if $PY -c 'import xarray, fsspec, aiohttp' 2>/dev/null; then
    d="xarray.open_zarr over HTTP = from the folder (exact, decoded, raw)"
    check "$d" $PY -c '
import sys, xarray as xr
for kw in ({}, {"mask_and_scale": False, "decode_times": False}):
    a = xr.open_zarr(sys.argv[1], **kw).load()
    b = xr.open_zarr(sys.argv[2], **kw).load()
    xr.testing.assert_identical(a, b)
' "$W/era5.zarr" "$url/era5.zarr"
else
    skip "xarray over HTTP needs python3-xarray, -fsspec and -aiohttp"
fi

# ---- https: certificates verified unless --insecure ---------------------
if surl=$(zs_nginx_start "$W" tls); then
    check_fail "https, self-signed: refused, naming the URL" 1 \
        "^zinfo: $surl/era5.zarr/.zmetadata: .*certificate.*--insecure" \
        zi --retries 0 --checksum "$surl/era5.zarr"
    zi --checksum "$W/era5.zarr" > "$TMP/ref"
    zi --insecure --checksum "$surl/era5.zarr" > "$TMP/got" 2>&1
    check "https --insecure: the folder's checksums" cmp "$TMP/ref" "$TMP/got"
else
    skip "https: $(zs_why)"
fi

# ---- faults ----------------------------------------------------------------
f=$(zs_fault_start "$W") || {
    skip "faultserver.py: $(zs_why)"; done_testing; exit; }
zi --checksum "$W/era5.zarr" > "$TMP/ref"

# recovers MODE QUERY [OPTIONS...]: the exact checksums after retries
# (of $W/$STORE, era5.zarr unless set)
recovers() {
    m=$1 q=$2; shift 2
    s=${STORE:-era5.zarr}
    zi --checksum "$W/$s" > "$TMP/want"
    t0=$(date +%s)
    zi --retries 3 "$@" --stats --checksum "$f/$m/$s$q" \
        > "$TMP/got" 2> "$TMP/err"; rc=$?
    t=$(($(date +%s) - t0))
    if [ $rc = 0 ] && [ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/got"
    then
        ok "$m$q: ${STORE:+$STORE: }the folder's checksums after retries" \
           "($t s, $(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/err")" \
           "requests)"
    else
        not_ok "$m$q: ${STORE:+$STORE: }the folder's checksums after retries" \
            "status $rc" "$(cat "$TMP/err")" "$(diff "$TMP/want" "$TMP/got")"
    fi
}

# fails MODE [QUERY] REGEX MAX_SECONDS [OPTIONS...]: exit 1 within
# MAX_SECONDS, stderr matching REGEX, and no checksum that differs from
# the folder's (whatever was printed is right)
fails() {
    m=$1 q=$2 re=$3 max=$4; shift 4
    t0=$(date +%s)
    zi "$@" --checksum "$f/$m/era5.zarr$q" > "$TMP/got" 2> "$TMP/err"
    rc=$?
    t=$(($(date +%s) - t0))
    wrong=$(grep -vxFf "$TMP/ref" "$TMP/got")
    if [ $rc = 1 ] && grep -Eq -- "$re" "$TMP/err" && [ -z "$wrong" ] &&
       [ $t -le "$max" ]; then
        ok "$m$q: error naming the URL, exit 1, in $t s (<= $max)"
    else
        not_ok "$m$q: error naming the URL, exit 1, in <= $max s" \
            "status $rc after $t s" "$(cat "$TMP/err")" "wrong: $wrong"
    fi
}

recovers ok ""
recovers flaky ""
recovers drop ""
recovers trunc ""
# ranges: sharded arrays read their index and inner chunks with Range
sh=fixtures/zarrita.js-fixtures/fixtures/v3/data.zarr
sh=$sh/1d.chunked.compressed.sharded.i2
if [ -n "$SHARED" ] && [ -d "$W/$sh" ]; then
    for m in ok badrange norange drop; do STORE=$sh recovers $m ""; done
else
    skip "ranges: the sharded fixture array is absent"
fi
recovers slow "?only=t2m" --timeout 1
recovers stall "?only=t2m" --timeout 1
refused="\(authentication or permission refused\)"
fails 403 "" \
    "^zinfo: $f/403/era5.zarr/.zmetadata: HTTP 403 Forbidden $refused" 10
gave3="gave up after 3 attempts"
fails 500 "" "^zinfo: $f/500/era5.zarr/.zmetadata: HTTP 500 .*$gave3" 20 \
    --retries 2
fails 500 "?only=t2m/" \
    "zinfo: .*$f/500/era5.zarr/t2m/[^ ]*: HTTP 500 .*$gave3" 20 --retries 2
fails slowall "" "^zinfo: $f/slowall/era5.zarr/.zmetadata: \
.*(too slow|[Tt]imed? ?out).*gave up after 2 attempts" 20 \
    --retries 1 --timeout 1
dead=$(zs_dead_url)
t0=$(date +%s)
check_fail "connection refused: an error naming the URL, not missing data" \
    1 "^zinfo: $dead/era5.zarr/.zmetadata: \
.*(Couldn't connect|onnection refused).*$gave3" \
    zi --retries 2 --checksum "$dead/era5.zarr"
check "connection refused: bounded time" test $(($(date +%s) - t0)) -le 20

# ---- authentication ------------------------------------------------------
fails bearer "" "HTTP 401 .*authentication or permission refused" 10
ZSTORE_TOKEN=sekrit; export ZSTORE_TOKEN
recovers bearer ""
# a redirect to another host does not take the token along (the server
# answers 400 to a request that carries it there)
recovers redirect ""
unset ZSTORE_TOKEN
# a login by redirects and a cookie, made once and then kept: 3 requests
# for the first key, 1 for each of the others
recovers cookie ""
case $(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/err") in
10) ok "the login cookie was kept (10 requests for 8 keys)" ;;
*) not_ok "the login cookie was kept" "$(cat "$TMP/err")" ;;
esac
printf 'machine 127.0.0.1 login zs password pw\n' > "$TMP/netrc"
fails basic "" "HTTP 401 .*authentication or permission refused" 10
NETRC=$TMP/netrc; export NETRC
recovers basic ""
unset NETRC
done_testing
