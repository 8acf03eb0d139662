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
#    zinfo -v reports the requests and bytes the server logged; https
#    with a certificate of a test CA verifies with ZSTORE_CA_BUNDLE, and
#    fails without it or for another host name.
#  - tests/interop/faultserver.py misbehaving: every case ends with the
#    folder's exact checksums (after retries the server counted) or with
#    a clear error naming the URL (of the chunk, for a chunk that fails)
#    and exit status 1, within a bounded time and number of requests;
#    never fill values or partial data.
#  - Credentials: a bearer token, .netrc from NETRC or ~/.netrc.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"
. "$srcdir/tests/lib/fixtures.sh"
# nothing of the user's: no ~/.netrc but the test's own
HOME=$TMP/home; export HOME
mkdir -p "$HOME"
unset NETRC ZSTORE_TOKEN ZSTORE_CA_BUNDLE

# zinfo with a bound on its run time (a hang fails the test, not make)
zi() { timeout 60 zinfo "$@"; }
# the requests zinfo --stats reported (in file $1)
stats_requests() { sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$1"; }

# ---- bad names ---------------------------------------------------------
for n in "http://" "http:///x" "http://:80/x" "https://?q" \
         "http://host/a b" "http://[::1/x" "http://127.0.0.1:99999/x" \
         "ftp://host/x" "foo://bar" "s3://" "s3:///x" "s3://bad bucket/x" \
         "s3://b/../x" "zip://"; do
    check_fail "zinfo '$n': clear error, exit 1" 1 \
        "^zinfo: .*(malformed|unknown store scheme|empty path)" \
        zi --retries 0 "$n"
done
# ... the same in every tool, as input and as output, creating nothing
S=$(cd "$top_builddir/data-samples/out" && pwd)
mkdir "$TMP/cwd"
for n in "http://:80/x" "foo://bar"; do
    case $n in foo*) msg="unknown store scheme 'foo'" ;; *) msg="malformed" ;;
    esac
    check_fail "nc2zarr -o '$n': clear error, exit 1" 1 "^nc2zarr: $n: $msg" \
        sh -c 'cd "$1" && shift && exec timeout 60 "$@"' sh "$TMP/cwd" \
        nc2zarr -q "$S"/era5/era5_sfc_2019-07-01.nc -o "$n"
    for t in zsel zmean; do
        check_fail "$t '$n': clear error, exit 1" 1 "^$t: $n: $msg" \
            timeout 60 "$t" --retries 0 "$n" -o "$TMP/cwd/out.zarr"
    done
done

# ---- a store written by nc2zarr, and fixtures ---------------------------
W=$TMP/www
mkdir -p "$W"
if ! nc2zarr -q "$S"/era5/*.nc -o "$W/era5.zarr" 2>"$TMP/nc.err"; then
    not_ok "nc2zarr writes the store served" "$(cat "$TMP/nc.err")"
    done_testing; exit
fi
# bad output names of zsel and zmean (with a good input)
for n in "http://:80/x" "foo://bar"; do
    case $n in foo*) msg="unknown store scheme 'foo'" ;; *) msg="malformed" ;;
    esac
    for t in zsel zmean; do
        check_fail "$t -o '$n': clear error, exit 1" 1 "^$t: $n: $msg" \
            sh -c 'cd "$1" && shift && exec timeout 60 "$@"' sh "$TMP/cwd" \
            "$t" -q "$W/era5.zarr" -o "$n"
    done
done
check_eq "bad store names created nothing" "" "$(ls -A "$TMP/cwd")"
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

# shard_requests DIR URL NAME: each sharded array of the v3 store DIR,
# read over HTTP at URL, asks for each shard's size, its index and its
# inner chunks once (tasks wanting the same index wait for it); the count
# expected is read off the shard files by the specification
shard_requests() {
    cat > "$TMP/shard.py" <<'PYEOF'
import json, math, os, struct, sys
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    try:
        m = json.load(open(os.path.join(root, name, "zarr.json")))
    except (OSError, ValueError):
        continue
    codecs = m.get("codecs", [])
    if m.get("node_type") != "array" or not codecs or \
            codecs[0]["name"] != "sharding_indexed":
        continue
    cfg = codecs[0]["configuration"]
    outer = m["chunk_grid"]["configuration"]["chunk_shape"]
    n_inner = math.prod(o // i for o, i in zip(outer, cfg["chunk_shape"]))
    crc = sum(c["name"] == "crc32c" for c in cfg["index_codecs"])
    isize = 16 * n_inner + 4 * crc
    grid = [math.ceil(s / c) for s, c in zip(m["shape"], outer)]
    sep = m.get("chunk_key_encoding", {}).get("configuration", {}) \
        .get("separator", "/")
    n = 2   # .zmetadata (absent), zarr.json
    for k in range(math.prod(grid)):
        idx, r = [], k
        for g in reversed(grid):
            idx.insert(0, r % g)
            r //= g
        f = os.path.join(root, name, "c" + sep + sep.join(map(str, idx)))
        n += 1   # its size
        if not os.path.exists(f):
            continue
        data = open(f, "rb").read()
        at = 0 if cfg.get("index_location", "end") == "start" \
            else len(data) - isize
        pairs = struct.unpack("<%dQ" % (2 * n_inner), data[at:at + 16 * n_inner])
        n += 1 + sum(1 for i in range(n_inner)
                     if (pairs[2 * i], pairs[2 * i + 1]) != (2**64 - 1,) * 2)
    print(name, n)
PYEOF
    $PY "$TMP/shard.py" "$1" > "$TMP/shard.want"
    : > "$TMP/shard.got"
    while read -r a want; do
        zi --stats --checksum "$2/$a" > /dev/null 2> "$TMP/shard.err"
        echo "$a $(stats_requests "$TMP/shard.err")" >> "$TMP/shard.got"
    done < "$TMP/shard.want"
    check "$3 over HTTP: $(wc -l < "$TMP/shard.want") arrays" \
        test -s "$TMP/shard.want"
    check_eq "$3 over HTTP: each size, index and inner chunk asked for \
once" "$(cat "$TMP/shard.want")" "$(cat "$TMP/shard.got")"
}

same_sums "nc2zarr store" "$W/era5.zarr" "$url/era5.zarr"
# our own sharded v3 output, read by range over HTTP; and by zarrita
nc2zarr -q --zarr-format 3 -c time=6 --shards time=24 "$S"/era5/*.nc \
    -o "$W/ours-v3s.zarr"
same_sums "nc2zarr v3 sharded store" "$W/ours-v3s.zarr" "$url/ours-v3s.zarr"
shard_requests "$W/ours-v3s.zarr" "$url/ours-v3s.zarr" \
    "our sharded v3 arrays"
NPM=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}
if command -v node >/dev/null 2>&1 && [ -d "$NPM/@zarrita/storage" ]; then
    check_eq "zarrita reads our sharded v3 store over HTTP (Range requests)" \
        "$(zi --checksum "$W/ours-v3s.zarr" 2>&1)" \
        "$(node "$srcdir/tests/interop/zarrita_digest.mjs" "$NPM" \
           "$url/ours-v3s.zarr" 2>&1)"
else
    skip "zarrita: not in $NPM (set ZS_NPM_DIR)"
fi
if [ -n "$SHARED" ]; then
    for root in $ZS_FIXTURE_ROOTS; do
        d=$W/fixtures/$root
        if [ -f "$d/.zmetadata" ]; then
            same_sums "$root" "$d" "$url/fixtures/$root"
        else
            # shellcheck disable=SC2046
            same_sums "$root (array by array)" "$d" "$url/fixtures/$root" \
                $(arrays "$d")
        fi
    done
    # sharded arrays: each shard's size, its index and its inner chunks
    # are asked for once (tasks wanting the same index wait for it);
    # the count expected is read off the shard files by the spec
    v3=fixtures/zarrita.js-fixtures/fixtures/v3/data.zarr
    shard_requests "$W/$v3" "$url/$v3" "sharded fixture arrays"
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
# bytes: what nginx sent, and the sizes of the files (.zmetadata and the
# chunks, read whole)
sizes() { awk '{ print $7 }' "$1" | while read -r p; do wc -c < "$W$p"
          done | awk '{ s += $1 } END { print s + 0 }'; }
sent() { awk '{ s += $10 } END { print s + 0 }' "$1"; }
check_eq "zinfo --stats: the bytes read are the bytes nginx sent" \
    "$(sent "$log")" \
    "$(sed -n 's/.* requests, \([0-9]*\) bytes read$/\1/p' "$TMP/stats")"
check_eq "... which are the sizes of the files" "$(sizes "$log")" \
    "$(sent "$log")"

# ---- zinfo -v: a Transfers line with what the server saw ---------------
: > "$log"
zi -v "$url/era5.zarr" > "$TMP/v" 2> "$TMP/v.err"
sleep 0.2
n=$(wc -l < "$log")
if [ "$n" -ge 2 ]; then
    check_eq "zinfo -v: Transfers: the $n requests and bytes nginx logged" \
        "Transfers: $n requests, $(sent "$log") bytes read" \
        "$(grep '^Transfers:' "$TMP/v")"
    check_eq "zinfo -v: ... bytes = the sizes of the files served" \
        "$(sizes "$log")" "$(sent "$log")"
else
    not_ok "zinfo -v: requests logged by nginx (.zmetadata, coordinates)" \
        "$n requests" "$(cat "$TMP/v.err")"
fi

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

# a test CA made here, and two certificates it signs: one for 127.0.0.1,
# one for another host name
mkca() {
    c=$TMP/ca
    mkdir -p "$c"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj "/CN=zstore test CA" -keyout "$c/ca.key" -out "$c/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign || return 1
    for h in good:IP:127.0.0.1 other:DNS:other.example; do
        name=${h%%:*} san=${h#*:}
        printf '%s\n' "subjectAltName=$san" basicConstraints=CA:FALSE \
            extendedKeyUsage=serverAuth > "$c/$name.ext"
        openssl req -new -newkey rsa:2048 -nodes -subj "/CN=${san#*:}" \
            -keyout "$c/$name.key" -out "$c/$name.csr" &&
        openssl x509 -req -in "$c/$name.csr" -CA "$c/ca.pem" \
            -CAkey "$c/ca.key" -CAcreateserial -days 2 \
            -extfile "$c/$name.ext" -out "$c/$name.pem" || return 1
    done
}
if ! command -v openssl > /dev/null 2>&1; then
    skip "https with a test CA: openssl is not installed"
elif ! mkca > "$TMP/ca.log" 2>&1; then
    not_ok "openssl makes a test CA and certificates" "$(cat "$TMP/ca.log")"
elif ! gurl=$(zs_nginx_start "$W" tls "$TMP/ca/good.pem" \
                                     "$TMP/ca/good.key") ||
     ! ourl=$(zs_nginx_start "$W" tls "$TMP/ca/other.pem" \
                                     "$TMP/ca/other.key"); then
    skip "https with a test CA: $(zs_why)"
else
    ca="env ZSTORE_CA_BUNDLE=$TMP/ca/ca.pem"
    $ca timeout 60 zinfo --checksum "$gurl/era5.zarr" > "$TMP/got" \
        2>&1
    check "https, ZSTORE_CA_BUNDLE names the test CA: the folder's sums" \
        cmp "$TMP/ref" "$TMP/got"
    check_fail "https, the test CA, no ZSTORE_CA_BUNDLE: refused" 1 \
        "^zinfo: $gurl/era5.zarr/.zmetadata: .*certificate.*--insecure" \
        zi --retries 0 --checksum "$gurl/era5.zarr"
    check_fail "https, the CA known, a certificate for another host: refused" \
        1 "^zinfo: $ourl/era5.zarr/.zmetadata: .*(subject name|\
host name|hostname|does not match).*--insecure" \
        $ca timeout 60 zinfo --retries 0 --checksum "$ourl/era5.zarr"
    check_fail "https, ZSTORE_CA_BUNDLE names a missing file: an error" \
        1 "^zinfo: $gurl/era5.zarr/.zmetadata: .*(certificate|CA)" \
        env ZSTORE_CA_BUNDLE=$TMP/nothere.pem timeout 60 zinfo \
        --retries 0 --checksum "$gurl/era5.zarr"
fi

# ---- faults ----------------------------------------------------------------
f=$(zs_fault_start "$W") || {
    skip "faultserver.py: $(zs_why)"; done_testing; exit; }
zi --checksum "$W/era5.zarr" > "$TMP/ref"

# fsrv PATH: GET $f/PATH (_count: the requests the server answered since
# the last _reset), by Python's urllib
fsrv() {
    $PY -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
        "$f/$1"
}

# recovers MODE QUERY [OPTIONS...]: the exact checksums after retries
# (of $W/$STORE, era5.zarr unless set); zinfo --stats counts the requests
# the server counted; for the modes that misbehave once, the server saw
# more requests than the same reads without a fault (the retries
# happened: a fault that never fired proves nothing)
recovers() {
    m=$1 q=$2; shift 2
    s=${STORE:-era5.zarr}
    d="$m$q${WHY:-}: ${STORE:+$STORE: }the folder's checksums"
    zi --checksum "$W/$s" > "$TMP/want"
    base=""
    case $m in flaky|drop|trunc|slow|stall|badrange)
        fsrv _reset > /dev/null
        zi "$@" --checksum "$f/ok/$s$q" > /dev/null 2>&1
        base=$(fsrv _count) ;;
    esac
    fsrv _reset > /dev/null
    t0=$(date +%s)
    zi --retries 3 "$@" --stats --checksum "$f/$m/$s$q" \
        > "$TMP/got" 2> "$TMP/err"; rc=$?
    t=$(($(date +%s) - t0))
    n=$(fsrv _count)
    ours=$(stats_requests "$TMP/err")
    if [ $rc != 0 ] || [ ! -s "$TMP/want" ] ||
       ! cmp -s "$TMP/want" "$TMP/got"; then
        not_ok "$d" "status $rc" "$(cat "$TMP/err")" \
            "$(diff "$TMP/want" "$TMP/got")"
    elif [ -n "$base" ] && [ "$n" -le "$base" ]; then
        not_ok "$d after retries" "the server saw $n requests, as many" \
            "as without a fault ($base): nothing was retried"
    elif [ "$ours" != "$n" ]; then
        not_ok "$d: zinfo --stats counts what the server saw" \
            "zinfo --stats: $ours requests, the server: $n"
    else
        ok "$d${base:+ after $((n - base)) retries} ($t s, $n requests)"
    fi
}

# fails MODE QUERY REGEX MAX_SECONDS MAX_REQUESTS [OPTIONS...]: exit 1
# within MAX_SECONDS and MAX_REQUESTS (counted by the server), stderr
# matching REGEX, and no checksum that differs from the folder's
# (whatever was printed is right: no fill values); of $W/$STORE,
# era5.zarr unless set
fails() {
    m=$1 q=$2 re=$3 max=$4 maxreq=$5; shift 5
    s=${STORE:-era5.zarr}
    zi --checksum "$W/$s" > "$TMP/want"
    fsrv _reset > /dev/null
    t0=$(date +%s)
    zi "$@" --checksum "$f/$m/$s$q" > "$TMP/got" 2> "$TMP/err"
    rc=$?
    t=$(($(date +%s) - t0))
    n=$(fsrv _count)
    wrong=$(grep -vxFf "$TMP/want" "$TMP/got")
    if [ $rc = 1 ] && grep -Eq -- "$re" "$TMP/err" && [ -z "$wrong" ] &&
       [ $t -le "$max" ] && [ "$n" -le "$maxreq" ]; then
        ok "$m$q${WHY:-}: error naming the URL, exit 1, in $t s (<= $max)" \
           "and $n requests (<= $maxreq)"
    else
        not_ok "$m$q${WHY:-}: error naming the URL, exit 1, in <= $max s and" \
            "<= $maxreq requests" "status $rc after $t s, $n requests" \
            "$(cat "$TMP/err")" "wrong: $wrong"
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
# (401 and 403 are not retried: one request)
fails 403 "" \
    "^zinfo: $f/403/era5.zarr/.zmetadata: HTTP 403 Forbidden $refused" 10 1
# a chunk refused (where python3-zarr reads the fill value): an error
# naming the chunk's URL, the other arrays right, t2m not printed
fails 403 "?only=t2m/" \
    "zinfo: .*$f/403/era5.zarr/t2m/[^ ]*: HTTP 403 Forbidden $refused" 10 8
check "403 on a chunk: no checksum printed for t2m" \
    sh -c '! grep -q " t2m$" "$1"' sh "$TMP/got"
gave3="gave up after 3 attempts"
fails 500 "" "^zinfo: $f/500/era5.zarr/.zmetadata: HTTP 500 .*$gave3" 20 3 \
    --retries 2
fails 500 "?only=t2m/" \
    "zinfo: .*$f/500/era5.zarr/t2m/[^ ]*: HTTP 500 .*$gave3" 20 10 \
    --retries 2
fails slowall "" "^zinfo: $f/slowall/era5.zarr/.zmetadata: \
.*(too slow|[Tt]imed? ?out).*gave up after 2 attempts" 20 2 \
    --retries 1 --timeout 1
# connections dropped or bodies cut short on every answer: the retries
# run out, then a clear error
fails dropall "" "^zinfo: $f/dropall/era5.zarr/.zmetadata: \
.*(reset|Recv failure).*$gave3" 20 3 --retries 2
fails dropall "?only=t2m/" "zinfo: .*$f/dropall/era5.zarr/t2m/[^ ]*: \
.*(reset|Recv failure).*$gave3" 20 10 --retries 2
fails truncall "" "^zinfo: $f/truncall/era5.zarr/.zmetadata: \
.*(transfer closed|remaining|[Pp]artial).*$gave3" 20 3 --retries 2
fails truncall "?only=t2m/" "zinfo: .*$f/truncall/era5.zarr/t2m/[^ ]*: \
.*(transfer closed|remaining|[Pp]artial).*$gave3" 20 10 --retries 2

# ---- read-ahead ------------------------------------------------------------
# zinfo --checksum reads an array in blocks of 32 MiB and, from a remote
# store, fetches the next block's chunks while it hashes the current one.
# big.zarr (written by python3-zarr) has arrays of several blocks: v
# (blocks of chunks 0-3, 4-7, 8-9; chunk 6 missing: the fill value), w
# (a short last chunk) and x (blocks along its second dimension, across
# the first); see tests/interop/blocks_store.py.  Its digests are
# numpy's.
if $PY "$srcdir/tests/interop/blocks_store.py" "$W/big.zarr" \
    > "$TMP/big.want" 2> "$TMP/big.err"
then
    zi --checksum "$W/big.zarr" > "$TMP/big.folder"
    check_eq "read-ahead: big.zarr from the folder = numpy's digests" \
        "$(cat "$TMP/big.want")" "$(cat "$TMP/big.folder")"
    STORE=big.zarr recovers ok ""
    # 10 + 9 + 12 chunk keys (the missing one asked once), .zmetadata
    check_eq "read-ahead: one request per chunk key and .zmetadata" \
        32 "$(stats_requests "$TMP/err")"
    same_sums "read-ahead: big.zarr from nginx" "$W/big.zarr" \
        "$url/big.zarr"
    # a fault on a chunk of the second block, which travels ahead
    for m in flaky drop trunc; do STORE=big.zarr recovers $m "?only=v/5."; done
    # refused: the error names the chunk, v is not printed, w and x are;
    # the refused chunk is not asked again (1 + 8 + 9 + 12 requests)
    STORE=big.zarr fails 403 "?only=v/5." \
        "zinfo: .*$f/403/big.zarr/v/5\.0\.0: HTTP 403 Forbidden" 10 30
    check_eq "read-ahead: 403 in the block ahead: w and x printed, v not" \
        "w x" "$(awk '{ printf "%s%s", n++ ? " " : "", $2 }' "$TMP/got")"
    STORE=big.zarr fails 500 "?only=v/5." \
        "zinfo: .*$f/500/big.zarr/v/5\.0\.0: HTTP 500 .*$gave3" 20 32 \
        --retries 2
    # a failure in the first block: nothing fetched ahead (1 + 4 + 9 + 12)
    STORE=big.zarr fails 403 "?only=v/1." \
        "zinfo: .*$f/403/big.zarr/v/1\.0\.0: HTTP 403 Forbidden" 10 26
    # a corrupt chunk in the first block while a chunk of the block
    # fetched ahead is refused: the error is the corrupt chunk's (the
    # transfer's own error does not overwrite it)
    cp -r "$W/big.zarr" "$W/bigbad.zarr"
    head -c "$(wc -c < "$W/big.zarr/v/1.0.0")" /dev/urandom \
        > "$W/bigbad.zarr/v/1.0.0"
    zi --checksum "$f/403/bigbad.zarr?only=v/5." > /dev/null 2> "$TMP/bad.err"
    rc=$?
    if [ $rc = 1 ] && grep -q "v/1\.0\.0: blosc" "$TMP/bad.err" &&
       ! grep -q "HTTP 403" "$TMP/bad.err"; then
        ok "read-ahead: a corrupt chunk's error is not overwritten by the" \
           "transfer ahead"
    else
        not_ok "read-ahead: a corrupt chunk's error is not overwritten by" \
            "the transfer ahead" "status $rc" "$(cat "$TMP/bad.err")"
    fi
    # zsel fetches its next slab while it writes one: the values of
    # xarray's isel of the folder; a chunk refused on the way is an error
    # naming it, and no output
    sel="--isel t=3:17 --isel b=5:37 --isel t2=2:23"
    # shellcheck disable=SC2086
    if timeout 60 zsel -q $sel "$url/big.zarr" -o "$TMP/sel.zarr" \
        2> "$TMP/sel.err"; then
        check "read-ahead: zsel over HTTP = xarray's isel of the folder" \
            $PY -c 'import sys, numpy as np, xarray as xr
a = xr.open_zarr(sys.argv[1], mask_and_scale=False)
b = xr.open_zarr(sys.argv[2], mask_and_scale=False)
a = a.isel(t=slice(3, 17), b=slice(5, 37), t2=slice(2, 23))
for n in ("v", "w", "x"):
    if a[n].dims != b[n].dims or not np.array_equal(a[n].values,
                                                     b[n].values):
        sys.exit("%s differs" % n)' "$W/big.zarr" "$TMP/sel.zarr"
    else
        not_ok "read-ahead: zsel over HTTP" "$(cat "$TMP/sel.err")"
    fi
    # shellcheck disable=SC2086
    check_fail "read-ahead: zsel, 403 on a chunk ahead: an error naming it" \
        1 "^zsel: .*$f/403/big.zarr/v/5\.0\.0: HTTP 403 Forbidden" \
        timeout 60 zsel -q $sel "$f/403/big.zarr?only=v/5." \
        -o "$TMP/sel403.zarr"
    check "read-ahead: zsel, 403: no output" test ! -e "$TMP/sel403.zarr"
else
    not_ok "python3-zarr writes big.zarr" "$(cat "$TMP/big.err")"
fi

dead=$(zs_dead_url)
t0=$(date +%s)
check_fail "connection refused: an error naming the URL, not missing data" \
    1 "^zinfo: $dead/era5.zarr/.zmetadata: \
.*(Couldn't connect|onnection refused).*$gave3" \
    zi --retries 2 --checksum "$dead/era5.zarr"
check "connection refused: bounded time" test $(($(date +%s) - t0)) -le 20

# ---- authentication ------------------------------------------------------
fails bearer "" "HTTP 401 .*authentication or permission refused" 10 1
ZSTORE_TOKEN=sekrit; export ZSTORE_TOKEN
recovers bearer ""
# a redirect to another host does not take the token along (the server
# answers 400 to a request that carries it there)
recovers redirect ""
unset ZSTORE_TOKEN
# a login by redirects and a cookie, made once and then kept: 3 requests
# for the first key, 1 for each of the others
recovers cookie ""
case $(stats_requests "$TMP/err") in
10) ok "the login cookie was kept (10 requests for 8 keys)" ;;
*) not_ok "the login cookie was kept" "$(cat "$TMP/err")" ;;
esac
# .netrc: from NETRC, else ~/.netrc (HOME a scratch folder); NETRC wins
printf 'machine 127.0.0.1 login zs password pw\n' > "$TMP/netrc"
WHY=" (no .netrc)" fails basic "" \
    "HTTP 401 .*authentication or permission refused" 10 1
NETRC=$TMP/netrc; export NETRC
WHY=" (NETRC)" recovers basic ""
unset NETRC
cp "$TMP/netrc" "$HOME/.netrc"
WHY=" (~/.netrc, HOME=\$TMP/home)" recovers basic ""
printf 'machine 127.0.0.1 login zs password wrong\n' > "$TMP/netrc.bad"
NETRC=$TMP/netrc.bad; export NETRC
WHY=" (NETRC wins over ~/.netrc)" fails basic "" \
    "HTTP 401 .*authentication or permission refused" 10 1
unset NETRC
done_testing
