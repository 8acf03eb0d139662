#!/bin/sh
# zinfo --checksum of every fixture array written by other implementations
# (zarr-python 2 fixture, zarrita.js fixtures v2 and v3, python3-zarr)
# equals the digest of the values an independent reader recorded (or
# python3-zarr computes, e.g. for the bz2 arrays N/2 of the zarr-python
# fixture, which zarrita.js did not read); json2 (object) arrays are
# refused with a clear "unsupported codec" message naming the array.  The fixture roots
# are the list of tests/lib/fixtures.sh, which must name every store of
# ../shared/data/zarr.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/fixtures.sh"

if [ -z "$SHARED" ]; then
    skip "../shared/data is absent"; done_testing; exit
fi
Z=$SHARED/zarr
check_eq "tests/lib/fixtures.sh lists every store of ../shared/data/zarr" \
    "$(printf '%s\n' $ZS_FIXTURE_ROOTS | sort)" "$(zs_fixture_found | sort)"
$PY "$srcdir/tests/interop/expected_digest.py" "$Z" > "$TMP/expected" ||
    { not_ok "expected digests computed"; done_testing; exit; }

# checksums as "SUM  ROOT/ARRAY", messages as "ROOT/ARRAY...: message"
: > "$TMP/got"
: > "$TMP/err"
for root in $ZS_FIXTURE_ROOTS; do
    zinfo --checksum "$Z/$root" 2>"$TMP/err1" |
        sed "s|  |  $root/|" >> "$TMP/got"
    sed "s|^zinfo: $Z/$root: |$root/|" "$TMP/err1" >> "$TMP/err"
done

while read -r sum path rest; do
    case $sum in
    SKIP) skip_env "$path: $rest" ;;
    REFUSE)
        # the array itself (11/2 is not 1/2), or its metadata document
        if awk -v p="$path" -v m=": unsupported codec '$rest'" '
            index($0, p m) == 1 || index($0, p "/.zarray" m) == 1 ||
            index($0, p "/zarr.json" m) == 1 { found = 1 }
            END { exit !found }' "$TMP/err"; then
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
