#!/bin/sh
# codec-numcodecs.sh - zstore's codecs against numcodecs 0.11 (and NumPy,
# the zstd and gzip tools, a bitwise CRC-32C for the Zarr v3 codecs,
# Python's zlib for crc32/adler32 with the checksum last, HDF5 through
# h5py for fletcher32).  For every case written by codec_oracle.py:
#   1. zs-codec-cli decodes the reference's encoding: same bytes as the
#      reference's own decoding;
#   2. zs-codec-cli encodes the raw data: for filters the very bytes of
#      the reference; and the reference decodes our encoding to the same
#      bytes as its own (step 3, one Python run for all cases).
# Then a Zarr v2 store written by python3-zarr with bz2, crc32, adler32
# (and fletcher32 chunks framed by HDF5): zinfo --checksum gives NumPy's
# digests, a changed byte is a checksum mismatch naming the codec, and
# what zsel writes from it python3-zarr (and HDF5) reads back.
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

if ! (cd "$TMP" && "$PY" -c 'import h5py') 2>/dev/null; then
    skip "h5py is not importable by $PY: no fletcher32 reference"
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
check_fail "an unsupported codec is named" 1 "unsupported codec 'lzma'" \
    "$CLI" decode lzma <"$TMP/one"
head -c 60 "$D/chain-3-bitround-zstd.enc" >"$TMP/cut"
check_fail "a truncated zstd frame is refused" 1 "zstd: " \
    "$CLI" decode --shape 40,50 --dtype '<f4' zstd <"$TMP/cut"
head -c 100 "$D/chain-0-delta-zlib.enc" >"$TMP/cut"
check_fail "a truncated chain is refused" 1 "zlib: " \
    "$CLI" decode --shape 40,50 --dtype '<i4' delta 'dtype=<i4' + zlib \
    <"$TMP/cut"

# A store with the checksums and bz2, written by python3-zarr.
S="$TMP/sums.zarr"
STORE_PY="$srcdir/tests/interop/codec_store.py"
if ! (cd "$TMP" && "$PY" "$STORE_PY" write "$S") >"$TMP/sums.want" \
    2>"$TMP/sums.err"; then
    not_ok "codec_store.py write" "$(cat "$TMP/sums.err")"
    done_testing
    exit 1
fi
zinfo --checksum "$S" >"$TMP/sums.got" 2>"$TMP/sums.err"
grep '^SKIP' "$TMP/sums.want" | while read -r _ name why; do
    skip "store array $name: $why"
done
[ -s "$TMP/sums.err" ] && diag "$(cat "$TMP/sums.err")"
check_eq "zinfo --checksum of the bz2/checksum store equals NumPy's" \
    "$(grep -v '^SKIP' "$TMP/sums.want" | sort)" "$(sort "$TMP/sums.got")"

# the same codecs under their Zarr v3 names (numcodecs.crc32, ...)
if (cd "$TMP" && "$PY" "$STORE_PY" write3 "$TMP/v3.zarr") \
    >"$TMP/v3.want" 2>"$TMP/v3.err"; then
    check_eq "v3: numcodecs.adler32 (location end), numcodecs.crc32 and \
numcodecs.bz2 read as written by Python's zlib and bz2" \
        "$(sort "$TMP/v3.want")" "$(zinfo --checksum "$TMP/v3.zarr" | sort)"
else
    not_ok "codec_store.py write3" "$(cat "$TMP/v3.err")"
fi

# a changed byte in a chunk whose outermost codec is a checksum
corrupt() {  # corrupt KEY: flip the bits of the byte at offset 20
    "$PY" -c 'import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[20] ^= 0xff
open(p, "wb").write(bytes(b))' "$S/$1"
}
cp -r "$S" "$TMP/orig.zarr"
n=0
for case in d/1.2:crc32 g/0.1:adler32 f/2.1:fletcher32; do
    key=${case%%:*} codec=${case#*:}
    [ -e "$S/$key" ] || continue   # f needs h5py
    corrupt "$key"
    check_fail "$codec: a changed byte in $key is a checksum mismatch" 1 \
        "^zinfo: .*sums.zarr: $key: $codec: checksum mismatch" \
        zinfo --checksum "$S"
    cp "$TMP/orig.zarr/$key" "$S/$key"
    n=$((n + 1))
done
for key in d/1.2 g/0.1 f/2.1; do
    [ -e "$S/$key" ] && corrupt "$key"
done
zinfo --check "$S" >"$TMP/check.out" 2>&1
check_eq "zinfo --check lists each corrupt chunk as a mismatch" "$n" \
    "$(grep -c 'checksum mismatch' "$TMP/check.out")"
rm -rf "$S" && mv "$TMP/orig.zarr" "$S"

# zsel writes the same codecs back: python3-zarr and HDF5 read them
if zsel -q "$S" -i y=3:30 -o "$TMP/sel.zarr" 2>"$TMP/sel.err"; then
    (cd "$TMP" && "$PY" "$STORE_PY" compare "$S" "$TMP/sel.zarr" 3 30) \
        >"$TMP/cmp.out" 2>&1 || not_ok "codec_store.py compare" \
        "$(cat "$TMP/cmp.out")"
    while read -r name verdict reason; do
        if [ "$verdict" = ok ]; then
            ok "$name: zsel's copy reads back in the reference"
        else
            not_ok "$name: zsel's copy reads back in the reference" \
                "$reason"
        fi
    done <"$TMP/cmp.out"
else
    not_ok "zsel copies the bz2/checksum store" "$(cat "$TMP/sel.err")"
fi

done_testing
