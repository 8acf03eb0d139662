#!/bin/sh
# Zip stores (issue 4): zips written by others read as their folders do,
# zips written by us read in python3-zarr, xarray, zarrita and unzip,
# ZIP64 past 65535 entries, and bad zips refused with a clear message.
# Oracles: Python's zipfile, python3-zarr and xarray
# (tests/interop/zip_oracle.py), zarrita (tests/interop/zip_zarrita.mjs),
# Info-ZIP zip/unzip and jar when installed.
. "$srcdir/tests/lib/tap.sh"
py_serve
. "$srcdir/tests/lib/fixtures.sh"
ORACLE=$srcdir/tests/interop/zip_oracle.py
S=$top_builddir/data-samples/out
NPM=${ZS_NPM_DIR:-$top_builddir/npm/node_modules}
cd "$TMP" || exit 1

# sums STORE TAG: zinfo --checksum of STORE into TAG.sum, and the arrays
# it refuses (messages without the store's name) into TAG.refused
sums() {
    zinfo --checksum "$1" > "$2.sum" 2> "$2.err"
    awk -v p="zinfo: $1: " 'index($0, p) == 1 { $0 = substr($0, length(p) + 1) }
        { print }' "$2.err" | sort > "$2.refused"
}

# same_sums DESC TAG1 TAG2: same checksums, same refusals, not empty
same_sums() {
    if [ ! -s "$2.sum" ]; then
        not_ok "$1" "no checksum at all" "$(head -c 2000 "$2.err")"
    elif cmp -s "$2.sum" "$3.sum" && cmp -s "$2.refused" "$3.refused"; then
        ok "$1"
    else
        not_ok "$1" "$(diff "$2.sum" "$3.sum")" \
            "$(diff "$2.refused" "$3.refused")"
    fi
}

# as_folder DESC ZIP FOLDER_TAG: ZIP reads as the folder summed as TAG
as_folder() {
    sums "$2" z
    same_sums "$1" "$3" z
}

# oracle DESC ARGS...: zip_oracle.py prints PASS
oracle() {
    d=$1; shift
    if out=$($PY "$ORACLE" "$@" 2>&1) && [ "$out" = PASS ]; then ok "$d"
    else not_ok "$d" "$out"; fi
}

# refused DESC REGEX COMMAND...: fails cleanly (no crash, no sanitizer
# report) with a message matching REGEX
refused() {
    d=$1 re=$2; shift 2
    check_fail "$d" "!" "$re" "$@"
    if grep -Eq 'Sanitizer|runtime error' "$TMP/.err"; then
        not_ok "$d: no sanitizer report" "$(head -c 2000 "$TMP/.err")"
    fi
}

# ---- 1, 2: zips written by others read as their folders -------------------
if [ -z "$SHARED" ]; then
    skip "../shared/data is absent: fixture zips"
else
    Z=$SHARED/zarr
    F=$Z/zarrita.js-fixtures/fixtures
    P=$Z/python3-zarr-written
    # every fixture store (tests/lib/fixtures.sh), zipped by Python's
    # zipfile (stored, from inside), reads as its folder; the folders'
    # sums are kept as v2, v3, era5, fix, blosc, gzip... for what follows
    for root in $ZS_FIXTURE_ROOTS; do
        case $root in
        */v2/data.zarr) tag=v2 ;;
        */v3/data.zarr) tag=v3 ;;
        */era5_xr.zarr) tag=era5 ;;
        */fixture) tag=fix ;;
        *) tag=$(basename "$root" .zarr) ;;
        esac
        sums "$Z/$root" "$tag"
        $PY "$ORACLE" make "$Z/$root" py.zip stored within
        as_folder "every fixture: zipfile stored from inside: $root" py.zip \
            "$tag"
        rm -f py.zip
    done
    for z in v2/data.zipped_from_within v2/data.zipped_from_parent \
             v3/data.zipped_from_within v3/data.zipped_from_parent \
             v3/data.uncompressed; do
        as_folder "zarrita.js fixture $z.zarr.zip reads as ${z%%/*}/data.zarr" \
            "$F/$z.zarr.zip" "${z%%/*}"
    done
    for z in era5_xr_deflated era5_xr_stored; do
        as_folder "python3-zarr ZipStore $z.zarr.zip reads as era5_xr.zarr" \
            "$P/$z.zarr.zip" era5
    done

    # Python's zipfile, stored and deflated, from inside and from the
    # parent folder ("./" names too)
    for src in v2:"$F/v2/data.zarr" v3:"$F/v3/data.zarr" \
               era5:"$P/era5_xr.zarr"; do
        tag=${src%%:*} dir=${src#*:}
        for m in stored deflated; do
            for how in within parent; do
                $PY "$ORACLE" make "$dir" "py.zip" $m $how
                as_folder "zipfile $m from $how: $tag" py.zip "$tag"
                rm -f py.zip
            done
        done
    done
    $PY "$ORACLE" make "$F/v3/data.zarr" py.zip deflated dot
    as_folder "zipfile with \"./\" names: v3" py.zip v3
    $PY "$ORACLE" make "$Z/zarr-python-v2-fixture/fixture" py.zip deflated \
        parent
    as_folder "zipfile deflated from parent: zarr-python 2 fixture" py.zip \
        fix
    rm -f py.zip

    # duplicate names: an ambiguous archive (Python's zipfile takes the
    # last entry, other readers the first), refused naming the entry
    $PY "$ORACLE" dup "$P/era5_xr.zarr" dup.zip d2m/0.0 2>/dev/null
    refused "a name twice: refused, naming the entry" \
        "dup.zip: zip entry 'd2m/0.0' appears twice" zinfo --checksum dup.zip
    # bytes before the archive (self-extractors): offsets shift
    { printf 'MZ a self-extracting stub\n'; cat "$P/era5_xr_stored.zarr.zip"; } \
        > sfx.zip
    as_folder "bytes before the archive (self-extractor)" sfx.zip era5
    # zip:// names any file
    cp "$P/era5_xr_deflated.zarr.zip" store.bin
    as_folder "zip://store.bin (no .zip suffix)" zip://store.bin era5

    # Info-ZIP zip and jar (data descriptors) when installed
    if command -v zip > /dev/null 2>&1; then
        (cd "$F/v2/data.zarr" && zip -q -r -0 "$TMP/iz.zip" .)
        as_folder "Info-ZIP zip -0 from inside: v2" iz.zip v2
        rm -f iz.zip
        (cd "$P" && zip -q -r -9 "$TMP/iz.zip" era5_xr.zarr)
        as_folder "Info-ZIP zip -9 from the parent: era5" iz.zip era5
        rm -f iz.zip
    else
        skip "Info-ZIP zip not installed"
    fi
    if command -v jar > /dev/null 2>&1; then
        jar cfM jar.zip -C "$F/v3/data.zarr" . 2>/dev/null
        as_folder "jar (data descriptors): v3" jar.zip v3
    else
        skip_env "jar not installed (a JDK: one more zip writer, optional)"
    fi
fi

# ---- 3: zips we write read in python3-zarr and xarray ---------------------
nc2zarr -q "$S"/era5/*.nc -o out.zarr 2> err ||
    not_ok "nc2zarr to a folder" "$(cat err)"
sums out.zarr out
if nc2zarr -q -j 1 "$S"/era5/*.nc -o out.zip 2> err; then
    ok "nc2zarr -j 1 -o out.zip"
else
    not_ok "nc2zarr -j 1 -o out.zip" "$(cat err)"
fi
as_folder "nc2zarr -j 1: out.zip reads as out.zarr" out.zip out
if nc2zarr -q -j 2 "$S"/era5/*.nc -o outj.zip 2> err; then
    as_folder "nc2zarr -j 2 (workers forward to the parent) reads as out.zarr" \
        outj.zip out
else
    not_ok "nc2zarr -j 2 -o outj.zip" "$(cat err)"
fi
check_eq "no NAME.partial left" "" "$(ls -d ./*.partial 2>/dev/null)"
oracle "zipfile.testzip passes; entries STORED, UTF-8, unique, dated" \
    check out.zip
oracle "python3-zarr ZipStore and xarray open_zarr read out.zip as out.zarr" \
    compare out.zip out.zarr
if command -v unzip > /dev/null 2>&1; then
    check "unzip -t out.zip" unzip -tq out.zip
    mkdir unz
    if (cd unz && unzip -q ../out.zip) > err 2>&1; then
        sums unz unz
        same_sums "unzip: the files are the store" out unz
    else
        not_ok "unzip: the files are the store" "$(cat err)"
    fi
else
    skip "unzip not installed"
fi

zsel -q out.zarr -s latitude=20:60 -s longitude=230:300 -o sel.zarr
sums sel.zarr sel
if zsel -q out.zarr -s latitude=20:60 -s longitude=230:300 -o sel.zip \
    2> err; then
    as_folder "zsel -o sel.zip reads as zsel -o sel.zarr" sel.zip sel
    oracle "zsel -o sel.zip: zipfile checks" check sel.zip
else
    not_ok "zsel -o sel.zip" "$(cat err)"
fi
if zsel -q out.zip -s latitude=20:60 -s longitude=230:300 -o sel2.zarr \
    2> err; then
    sums sel2.zarr sel2
    same_sums "zsel reads a zip as its folder" sel sel2
else
    not_ok "zsel reads a zip as its folder" "$(cat err)"
fi
zmean -q out.zarr -o mean.zarr
sums mean.zarr mean
if zmean -q out.zip -o mean.zip 2> err; then
    as_folder "zmean zip -> zip reads as zmean folder -> folder" mean.zip mean
    oracle "python3-zarr and xarray read zmean's mean.zip" compare mean.zip \
        mean.zarr history
else
    not_ok "zmean -o mean.zip" "$(cat err)"
fi
if zsel -q out.zarr -s latitude=20:60 -s longitude=230:300 \
    -o zip://sel.bin 2> err; then
    as_folder "zsel -o zip://sel.bin writes a zip" zip://sel.bin sel
else
    not_ok "zsel -o zip://sel.bin writes a zip" "$(cat err)"
fi

# an existing zip is replaced only with --overwrite
refused "nc2zarr -o existing.zip without --overwrite refuses" \
    "out.zip: .*exists.*--overwrite" nc2zarr -q -j 1 "$S"/era5/*.nc -o out.zip
as_folder "... and leaves it intact" out.zip out
nc2zarr -q -j 1 --overwrite --vars t2m "$S"/era5/*.nc -o out.zip
sums out.zip ow
check_eq "--overwrite replaces it" "$(grep ' t2m$' out.sum)" \
    "$(grep ' t2m$' ow.sum)"
check_eq "... with only the new arrays" "latitude longitude t2m time" \
    "$(awk '{ print $2 }' ow.sum | tr '\n' ' ' | sed 's/ $//')"

# ---- 4: zarrita reads our zip ---------------------------------------------
if ! command -v node > /dev/null 2>&1; then
    skip "zarrita: node is not installed"
elif [ ! -d "$NPM/zarrita" ] || [ ! -d "$NPM/@zarrita/storage" ]; then
    skip "zarrita: no zarrita and @zarrita/storage in $NPM (set ZS_NPM_DIR)"
else
    $PY "$ORACLE" digests out.zarr | sort > want.js 2>&1
    # shellcheck disable=SC2046
    if node "$srcdir/tests/interop/zip_zarrita.mjs" "$NPM" outj.zip \
        $(awk '{ print $4 }' want.js) 2> err | sort > got.js &&
        [ -s want.js ] && cmp -s want.js got.js; then
        ok "zarrita (ZipFileStore) reads our zip as python3-zarr the folder"
    else
        not_ok "zarrita (ZipFileStore) reads our zip as python3-zarr the folder" \
            "$(diff want.js got.js)" "$(head -c 2000 err)"
    fi
fi

# ---- 5: ZIP64: more than 65535 entries ------------------------------------
# t2m alone in 1x1x2 chunks: 66960 chunks (> 65535 entries)
if nc2zarr -q -j 1 --vars t2m -c time=1,latitude=1,longitude=2 \
    "$S"/era5/*.nc -o z64.zip 2> err; then
    ok "nc2zarr writes a zip of more than 65535 entries"
else
    not_ok "nc2zarr writes a zip of more than 65535 entries" "$(cat err)"
fi
nc2zarr -q --vars t2m -c time=1,latitude=1,longitude=2 "$S"/era5/*.nc \
    -o z64.zarr
sums z64.zarr z64
as_folder "ZIP64: reads back as the folder" z64.zip z64
oracle "ZIP64: zipfile finds the ZIP64 end records and every entry" \
    check z64.zip 65536
if command -v unzip > /dev/null 2>&1; then
    check "ZIP64: unzip -t" unzip -tq z64.zip
fi

# ---- 6: bad zips ------------------------------------------------------------
mkdir sub
for n in ../evil /abs C:/evil ./../evil a/../../evil; do
    $PY "$ORACLE" evil evil.zip "$n"
    re=$(printf '%s' "$n" | sed 's/[.]/[.]/g')
    refused "entry '$n' refused, naming it" \
        "evil.zip: zip entry '$re' has an unsafe name" zinfo evil.zip
    (cd sub && zsel -q ../evil.zip -o out.zarr 2>/dev/null)
    check_eq "entry '$n': nothing written" "" \
        "$(ls -d evil sub/out.zarr* /abs 2>/dev/null)"
done
$PY "$ORACLE" evil evil.zip 'a\b'
refused "an entry name with a backslash refused" \
    "zip entry 'a.b' has an unsafe name" zinfo evil.zip

E=out.zip
size=$(wc -c < $E)
head -c $((size / 2)) $E > half.zip
refused "a zip cut in half" "half.zip: not a zip file, or a truncated one" \
    zinfo --checksum half.zip
head -c 100 $E > cut.zip
refused "a zip cut at 100 bytes" "cut.zip: not a zip file" zinfo cut.zip
head -c $((size - 10)) $E > end.zip
refused "a zip missing its last 10 bytes" "end.zip: not a zip file" \
    zinfo end.zip
echo "not a zip at all, but long enough to hold an end record" > text.zip
refused "a text file named .zip" "text.zip: not a zip file" zinfo text.zip
: > empty.zip
refused "an empty file named .zip" "empty.zip: not a zip file" zinfo empty.zip
refused "a missing .zip" "missing.zip: .*No such file" zinfo missing.zip

$PY "$ORACLE" make out.zarr defl.zip deflated within
for c in "usize 4 fewer than the declared" "usize 0.5 more than the declared" \
         "usize 1e9 fewer than the declared 4294967294" \
         "lho 1000 lies beyond the end of the file" \
         "lho 0.5 local header does not match"; do
    set -- $c
    f=$1 x=$2; shift 2
    key=$($PY "$ORACLE" patch defl.zip lie.zip "$f" "$x")
    refused "deflated entry with $f x$x: $*" "lie.zip: zip entry '$key'.* $*" \
        zinfo --checksum lie.zip
done
key=$($PY "$ORACLE" patch out.zip lie.zip usize 2 stored)
refused "stored entry with a lying size" \
    "lie.zip: zip entry '$key': stored with sizes .* that differ" \
    zinfo --checksum lie.zip
# a flipped byte in stored data fails its CRC
cp out.zip crc.zip
printf 'X' | dd of=crc.zip bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "a corrupt stored chunk fails its CRC-32" "crc.zip: zip entry .*CRC-32" \
    zinfo --checksum crc.zip

done_testing
