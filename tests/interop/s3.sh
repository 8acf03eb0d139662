#!/bin/sh
# s3:// stores against a loopback s3rver (@20minutes/s3rver, node modules
# in ${ZS_NPM_DIR:-$top_builddir/npm/node_modules}), which checks the
# SigV4 signature of every request:
#  - nc2zarr writes s3://BUCKET/PREFIX (with worker processes); zinfo
#    --checksum reads it back equal to the same conversion into a folder,
#    one request per chunk plus .zmetadata; zsel reads it and writes
#    another S3 store, equal to zsel from and to folders;
#  - a wrong secret fails with an authentication error naming the store;
#    credentials come from the environment or a profile of a credentials
#    file, and their absence is a clear error;
#  - an existing store is refused without --overwrite and replaced with
#    it; a missing store or bucket is "not found".
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"

ep=$(zs_s3rver_start zstest) || {
    skip "s3rver: $(zs_why)"; done_testing; exit; }
# the environment the tools read, and nothing of the user's
zs_s3rver_env "$ep"

zi() { timeout 60 zinfo "$@"; }
S=$top_builddir/data-samples/out
in=$(ls "$S"/era5/*.nc)
B=s3://zstest/era5.zarr

# shellcheck disable=SC2086
nc2zarr -q -j 2 $in -o "$TMP/era5.zarr" 2>"$TMP/err" ||
    not_ok "nc2zarr into a folder" "$(cat "$TMP/err")"
zi --checksum "$TMP/era5.zarr" > "$TMP/ref"
# shellcheck disable=SC2086
check "nc2zarr -j 2 writes $B (worker processes)" \
    timeout 60 nc2zarr -q -j 2 $in -o "$B"
zi --stats --checksum "$B" > "$TMP/got" 2> "$TMP/stats"
check "zinfo --checksum of $B = of the folder" cmp "$TMP/ref" "$TMP/got"
chunks=$(cd "$TMP/era5.zarr" && find . -type f ! -name '.z*' | wc -l)
check_eq "zinfo --stats: one request per chunk plus .zmetadata" \
    $((chunks + 1)) "$(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/stats")"

# another tool, reading S3 and writing S3
zsel -q "$TMP/era5.zarr" --sel latitude=20:60 -o "$TMP/sel.zarr" 2>"$TMP/err"
zi --checksum "$TMP/sel.zarr" > "$TMP/sel.ref"
check "zsel reads $B and writes s3://zstest/sel/box.zarr" \
    timeout 60 zsel -q "$B" --sel latitude=20:60 -o s3://zstest/sel/box.zarr
zi --checksum s3://zstest/sel/box.zarr > "$TMP/sel.got" 2>&1
check "... equal to zsel from and to folders" cmp "$TMP/sel.ref" \
    "$TMP/sel.got"

# arrays of several blocks: zinfo --checksum and zsel fetch the next
# block's chunks while they work on one (read-ahead); the digest is
# numpy's, of the values python3-zarr wrote
if $PY "$srcdir/tests/interop/blocks_store.py" "$TMP/big.zarr" --small \
    > "$TMP/big.want" 2> "$TMP/big.err"
then
    check "zsel writes s3://zstest/big.zarr" \
        timeout 60 zsel -q "$TMP/big.zarr" -o s3://zstest/big.zarr
    zi --stats --checksum s3://zstest/big.zarr > "$TMP/big.got" \
        2> "$TMP/big.stats"
    check_eq "read-ahead: zinfo --checksum of s3://zstest/big.zarr = numpy's" \
        "$(cat "$TMP/big.want")" "$(cat "$TMP/big.got")"
    check_eq "read-ahead: one request per chunk plus .zmetadata" 7 \
        "$(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/big.stats")"
    zsel -q "$TMP/big.zarr" -i t=1:11 -o "$TMP/bigsel.zarr"
    zi --checksum "$TMP/bigsel.zarr" > "$TMP/bigsel.ref"
    check "read-ahead: zsel from S3 = from the folder" sh -c \
        'timeout 60 zsel -q "$1" -i t=1:11 -o "$2" &&
         timeout 60 zinfo --checksum "$2" | cmp -s "$3" -' sh \
        s3://zstest/big.zarr "$TMP/bigsel-s3.zarr" "$TMP/bigsel.ref"
else
    not_ok "python3-zarr writes big.zarr" "$(cat "$TMP/big.err")"
fi

# ---- authentication -------------------------------------------------------
check_fail "a wrong secret: authentication refused, naming the store" 1 \
    "^zinfo: $B/\.zmetadata: HTTP 403 Forbidden \(authentication or \
permission refused: SignatureDoesNotMatch" \
    env AWS_SECRET_ACCESS_KEY=wrong timeout 60 zinfo --checksum "$B"
# shellcheck disable=SC2086
check_fail "a wrong secret when writing: refused, naming the store" 1 \
    "^nc2zarr: s3://zstest/other.zarr.*403 Forbidden.*SignatureDoesNotMatch" \
    env AWS_SECRET_ACCESS_KEY=wrong timeout 60 nc2zarr -q $in \
    -o s3://zstest/other.zarr
cat > "$TMP/credentials" <<'EOF'
[default]
aws_access_key_id = nobody
aws_secret_access_key = x

[zs]
aws_access_key_id = S3RVER
aws_secret_access_key = S3RVER
EOF
nokey="env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY"
check_fail "no credentials: a clear error naming the store" 1 \
    "^zinfo: $B: no S3 credentials" $nokey timeout 60 zinfo --checksum "$B"
$nokey AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" AWS_PROFILE=zs \
    timeout 60 zinfo --checksum "$B" > "$TMP/got" 2>&1
check "credentials from profile [zs] of a credentials file" \
    cmp "$TMP/ref" "$TMP/got"
check_fail "a profile that is not in the file: a clear error" 1 \
    "^zinfo: $B: no S3 credentials for profile 'missing'" \
    $nokey AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" \
    AWS_PROFILE=missing timeout 60 zinfo --checksum "$B"

# ---- existing, missing ------------------------------------------------------
# shellcheck disable=SC2086
check_fail "an existing store is refused without --overwrite" 1 \
    "^nc2zarr: $B: output exists" nc2zarr -q $in -o "$B"
# shellcheck disable=SC2086
check "... and replaced with --overwrite" \
    timeout 60 nc2zarr -q --overwrite $in -o "$B"
zi --checksum "$B" > "$TMP/got" 2>&1
check "... holding the same arrays" cmp "$TMP/ref" "$TMP/got"
check_fail "a missing store: not found" 1 \
    "^zinfo: s3://zstest/nothere.zarr: not found" \
    zi --checksum s3://zstest/nothere.zarr
check_fail "a missing bucket: not found, naming it" 1 \
    "^zinfo: s3://nobucket/x.zarr: no bucket 'nobucket'" \
    zi --checksum s3://nobucket/x.zarr
done_testing
