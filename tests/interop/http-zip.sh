#!/bin/sh
# Zip stores over http(s):// and s3://, read by range like local zips
# (they were "not found": the http store looked for BASE.zip/.zmetadata).
# A loopback nginx serves zips written by nc2zarr (STORED and deflated),
# one zipped by Python from the store's parent folder, and one whose
# central directory does not fit in the last 64 KiB:
#  - zinfo --checksum over HTTP prints what it prints for the local zip;
#  - requests: the size (bytes=0-0), the last 64 KiB (end record, and
#    the central directory when it lies there), the central directory
#    when it does not, then one range per entry read (.zmetadata and each
#    chunk), each a GET answered 206: counted by zinfo --stats and in
#    nginx's access log;
#  - zsel reads a box from it as from the local zip;
#  - a query string is kept, a %-escaped name is found, a missing zip
#    is "not found", writing is refused;
#  - with s3rver: the same zip as an S3 object.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"
S=$top_builddir/data-samples/out
HOME=$TMP/home; export HOME
mkdir -p "$HOME" "$TMP/www"
unset NETRC ZSTORE_TOKEN ZSTORE_CA_BUNDLE
cd "$TMP" || exit 1
zi() { timeout 120 zinfo "$@"; }
stats_requests() { sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$1"; }

# the zips
nc2zarr -q -c time=6 "$S"/era5/*.nc -o www/e.zip &&
ZSTORE_ZIP_COMPRESSION=deflate nc2zarr -q -c time=6 "$S"/era5/*.nc \
    -o www/deflated.zip &&
nc2zarr -q -c time=1,latitude=8 "$S"/era5/*.nc -o www/many.zip &&
nc2zarr -q -c time=24 "$S"/era5/*.nc -o e.zarr ||
    { not_ok "nc2zarr writes the zips served"; done_testing; exit 1; }
(cd "$TMP" && $PY -c 'import os, zipfile
with zipfile.ZipFile("www/parent.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, fs in os.walk("e.zarr"):
        for f in sorted(fs):
            z.write(os.path.join(d, f))')
cp www/e.zip "www/e space.zip"
# sharded arrays (zarrita.js's v3 fixture) in a zip: shard indexes and
# inner chunks are read by range inside entries
fx=${SHARED:+$SHARED/zarr/zarrita.js-fixtures/fixtures/v3/data.zarr}
if [ -n "$fx" ] && [ -d "$fx" ]; then
    (cd "$fx" && $PY -c 'import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for d, _, fs in os.walk("."):
        for f in sorted(fs):
            z.write(os.path.join(d, f))' "$TMP/www/shards.zip")
fi

# cd_reads ZIP: requests to read its directory: the size, the last 64 KiB
# (+ 22 bytes) and, when the directory starts before them, the directory
# chunks ZIP: entries that are not metadata
$PY - www/*.zip > expect <<'EOF'
import os, struct, sys, zipfile
for p in sys.argv[1:]:
    if p.endswith("shards.zip"):
        continue
    size = os.path.getsize(p)
    data = open(p, "rb").read()
    at = data.rfind(b"PK\x05\x06")
    cd_at = struct.unpack("<I", data[at + 16:at + 20])[0]
    tail = min(size, 65535 + 22)
    cd = 2 + (cd_at < size - tail)
    names = zipfile.ZipFile(p).namelist()
    chunks = sum(1 for n in names
                 if not n.endswith("/") and not n.split("/")[-1].startswith(".z"))
    print(os.path.basename(p).replace(" ", "%20"), cd, chunks)
EOF

url=$(zs_nginx_start "$TMP/www") || {
    skip "loopback nginx: $(zs_why)"; done_testing; exit; }
log=$(zs_nginx_log "$url")

while read -r z cd chunks; do
    local_zip="www/$(echo "$z" | sed 's/%20/ /g')"
    zi --checksum "$local_zip" > want 2> want.err
    : > "$log"
    zi --stats --checksum "$url/$z" > got 2> err; rc=$?
    sleep 0.3   # nginx writes its log after the answer
    if [ $rc = 0 ] && [ -s want ] && cmp -s want got; then
        ok "$z: zinfo --checksum over HTTP = of the local zip" \
            "($(wc -l < got) arrays)"
    else
        not_ok "$z: zinfo --checksum over HTTP = of the local zip" \
            "status $rc" "$(cat err)" "$(diff want got | head)"
    fi
    n=$((cd + 1 + chunks))
    check_eq "$z: $n requests: $cd for the directory, .zmetadata, \
$chunks chunks (zinfo --stats)" "$n" "$(stats_requests err)"
    check_eq "$z: nginx saw $n GETs, each answered 206 Partial Content" \
        "$n GET 206" "$(awk '{ print substr($6, 2), $9 }' "$log" |
                        sort | uniq -c | awk '{ print $1, $2, $3 }')"
done < expect

if [ -f www/shards.zip ]; then
    # a v3 group without consolidated metadata: listed, as zips can be
    zi --checksum www/shards.zip > want 2>&1
    zi --checksum "$url/shards.zip" 2>&1 | sed "s|$url/|www/|g" > got
    check "sharded arrays (zarrita.js's v3 fixture) in a zip over HTTP: \
the local zip's checksums ($(grep -c sharded want) sharded arrays)" \
        sh -c 'grep -q sharded want && cmp want got'
else
    skip "sharded fixtures: ../shared/data is absent"
fi

# zsel from the zip over HTTP = from the local zip
zsel www/e.zip --sel latitude=20:60 --isel time=5 --vars t2m --csv > want
zsel "$url/e.zip" --sel latitude=20:60 --isel time=5 --vars t2m --csv \
    > got 2> err
check "zsel --csv from the zip over HTTP = from the local zip" \
    sh -c 'test -s want && cmp want got'
zsel -q "$url/e.zip" --sel latitude=20:60 -o sel.zarr 2> err &&
    zsel -q www/e.zip --sel latitude=20:60 -o sel-local.zarr
check_eq "zsel -o from the zip over HTTP = from the local zip" \
    "$(zinfo --checksum sel-local.zarr)" "$(zinfo --checksum sel.zarr 2>&1)"
check_eq "a query string is kept (as in a pre-signed link)" \
    "$(zi --checksum www/e.zip)" "$(zi --checksum "$url/e.zip?x=1&y=2" 2>&1)"
check_fail "a missing zip: not found" 1 "missing.zip: not found" \
    zi "$url/missing.zip"
check_fail "writing a zip over HTTP is refused" 1 "read-only" \
    timeout 60 zsel -q e.zarr --isel time=0 -o "$url/out.zip"

# ---- the same zip as an S3 object --------------------------------------
if ep=$(zs_s3rver_start zstest); then
    if curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T www/e.zip \
        "$ep/zstest/zips/e.zip" > /dev/null 2> curl.err; then
        AWS_ENDPOINT_URL_S3=$ep AWS_REGION=us-east-1 \
        AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
            zi --stats --checksum s3://zstest/zips/e.zip > got 2> err
        check_eq "s3://.../e.zip: zinfo --checksum = of the local zip" \
            "$(zi --checksum www/e.zip)" "$(cat got err | grep -v requests)"
        read -r _ cd chunks < expect
        check_eq "s3://.../e.zip: $cd + 1 + $chunks requests" \
            $((cd + 1 + chunks)) "$(stats_requests err)"
    else
        not_ok "curl puts the zip into s3rver" "$(cat curl.err)"
    fi
else
    skip "s3rver: $(zs_why)"
fi
done_testing
