#!/bin/sh
# codec-numcodecs.sh - zstore's codecs against numcodecs 0.11 (and NumPy,
# the zstd and gzip tools, a bitwise CRC-32C for the Zarr v3 codecs).
# For every case written by codec_oracle.py:
#   1. zs-codec-cli decodes the reference's encoding: same bytes as the
#      reference's own decoding;
#   2. zs-codec-cli encodes the raw data: for filters the very bytes of
#      the reference; and the reference decodes our encoding to the same
#      bytes as its own (step 3, one Python run for all cases).
# Skipped when numcodecs cannot be imported.

. "$srcdir/tests/lib/tap.sh"

CLI="$top_builddir/tests/unit/zs-codec-cli"
ORACLE="$srcdir/tests/interop/codec_oracle.py"
D="$TMP/cases"

if ! (cd "$TMP" && "$PY" -c 'import numcodecs, numpy') 2>/dev/null; then
    skip "numcodecs is not importable by $PY"
    done_testing
    exit 0
fi
if [ ! -x "$CLI" ]; then
    not_ok "zs-codec-cli is built" "missing: $CLI"
    done_testing
    exit 1
fi

mkdir -p "$D"
if ! out=$(cd "$TMP" && "$PY" "$ORACLE" gen "$D" 2>&1); then
    not_ok "codec_oracle.py gen" "$out"
    done_testing
    exit 1
fi

# codec arguments hold "[1,0]" and "<i2": no globbing when splitting them
set -f
tab=$(printf '\t')

decode_case() {  # name dtype shape args
    if "$CLI" decode --dtype "$2" --shape "$3" $4 <"$D/$1.enc" \
        >"$D/$1.dec" 2>"$D/$1.err" && cmp -s "$D/$1.dec" "$D/$1.ref"; then
        ok "$1: decode the reference's frame"
    else
        not_ok "$1: decode the reference's frame" "$(cat "$D/$1.err")" \
            "args: $4"
    fi
}

encode_case() {  # name dtype shape exact args
    if ! "$CLI" encode --dtype "$2" --shape "$3" $5 <"$D/$1.raw" \
        >"$D/$1.ours" 2>"$D/$1.err"; then
        not_ok "$1: encode" "$(cat "$D/$1.err")" "args: $5"
    elif [ "$4" = 1 ] && ! cmp -s "$D/$1.ours" "$D/$1.enc"; then
        not_ok "$1: encode gives the reference's bytes" "args: $5"
    else
        ok "$1: encode"
    fi
}

while IFS="$tab" read -r name mode dtype shape exact args; do
    decode_case "$name" "$dtype" "$shape" "$args"
    # without the expected size the decoder must find it alone
    if "$CLI" decode --no-expect --dtype "$dtype" --shape "$shape" $args \
        <"$D/$name.enc" 2>&1 | cmp -s - "$D/$name.ref"; then
        ok "$name: decode without the expected size"
    else
        not_ok "$name: decode without the expected size" "args: $args"
    fi
    [ "$mode" = both ] && encode_case "$name" "$dtype" "$shape" "$exact" \
        "$args"
done <"$D/manifest"

(cd "$TMP" && "$PY" "$ORACLE" check "$D") >"$TMP/check.out" 2>&1 ||
    not_ok "codec_oracle.py check" "$(cat "$TMP/check.out")"
while read -r name verdict reason; do
    if [ "$verdict" = ok ]; then
        ok "$name: the reference decodes our frame"
    else
        not_ok "$name: the reference decodes our frame" "$reason"
    fi
done <"$TMP/check.out"
set +f

# Errors reach the caller as a status and a message.
printf 'x' >"$TMP/one"
check_fail "an unsupported codec is named" 1 "unsupported codec 'bz2'" \
    "$CLI" decode bz2 <"$TMP/one"
head -c 60 "$D/chain-3-bitround-zstd.enc" >"$TMP/cut"
check_fail "a truncated zstd frame is refused" 1 "zstd: " \
    "$CLI" decode --shape 40,50 --dtype '<f4' zstd <"$TMP/cut"
head -c 100 "$D/chain-0-delta-zlib.enc" >"$TMP/cut"
check_fail "a truncated chain is refused" 1 "zlib: " \
    "$CLI" decode --shape 40,50 --dtype '<i4' delta 'dtype=<i4' + zlib \
    <"$TMP/cut"

done_testing
