#!/bin/sh
# zinfo --checksum of every fixture array written by other implementations
# (zarr-python 2 fixture, zarrita.js fixtures v2 and v3, python3-zarr)
# equals the digest of the values an independent reader recorded (or
# python3-zarr computes); bz2 and json2 (object) arrays are refused with a
# clear "unsupported codec" message naming the array.
. "$srcdir/tests/lib/tap.sh"

if [ -z "$SHARED" ]; then skip "../shared/data is absent"; done_testing; exit; fi
Z=$SHARED/zarr
$PY "$srcdir/tests/interop/expected_digest.py" "$Z" > "$TMP/expected" ||
    { not_ok "expected digests computed"; done_testing; exit; }

: > "$TMP/got"
for root in zarr-python-v2-fixture/fixture \
            zarrita.js-fixtures/fixtures/v2/data.zarr \
            zarrita.js-fixtures/fixtures/v3/data.zarr \
            python3-zarr-written/blosc.zarr python3-zarr-written/era5_xr.zarr \
            python3-zarr-written/gzip.zarr python3-zarr-written/raw.zarr \
            python3-zarr-written/zlib.zarr python3-zarr-written/zstd.zarr; do
    zinfo --checksum "$Z/$root" 2>>"$TMP/err" |
        sed "s|  |  $root/|" >> "$TMP/got"
done

while read -r sum path rest; do
    case $sum in
    SKIP) skip "$path: $rest" ;;
    REFUSE)
        a=${path##*/fixture/}; a=${a##*/data.zarr/}
        if grep -q "$a[/.zary]*: unsupported codec '$rest'" "$TMP/err"; then
            ok "$path: $rest refused with a clear message"
        else
            not_ok "$path: $rest refused with a clear message" \
                "$(cat "$TMP/err")"
        fi ;;
    *)
        got=$(awk -v p="$path" '$2 == p { print $1 }' "$TMP/got")
        check_eq "$path" "$sum" "$got" ;;
    esac
done < "$TMP/expected"
done_testing
