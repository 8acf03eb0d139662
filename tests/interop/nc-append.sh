#!/bin/sh
# nc2zarr --append: month by month gives the store a conversion of every
# month at once gives, object for object (cmp), in Zarr v2, v3 and v3
# sharded; what does not fit (variables, chunks, codecs, packing, dtype,
# time) is refused naming the difference, and the store is left as it
# was (a digest of every file).  The single conversion is checked
# against xarray in multifile.sh.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
[ -d "$S/era5-monthly-split" ] ||
    { not_ok "samples exist (make samples)"; done_testing; exit; }
cd "$TMP" || exit 1
set -- $(ls "$S"/era5-monthly-split/*.nc)
m1=$1 m2=$2 m3=$3 m4=$4

LOCKNAME="*$(printf '\001')*"
files() {
    (cd "$1" && find . -type f ! -name "$LOCKNAME" | LC_ALL=C sort)
}
same_store() {
    files "$2" > .la
    files "$3" > .lb
    if ! cmp -s .la .lb; then
        not_ok "$1" "different files:" "$(diff .la .lb | head)"
        return
    fi
    while IFS= read -r f; do
        cmp -s "$2/$f" "$3/$f" || { not_ok "$1" "$f differs"; return; }
    done < .la
    ok "$1"
}
tree_sum() {
    (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum
}

# month by month: 31-day months in chunks of 24 days, so that every
# append rewrites a partial last chunk
for fmt in "" "--zarr-format 3" "--zarr-format 3 --shards time=48"; do
    rm -rf all.zarr app.zarr
    nc2zarr -q $fmt -c time=24 "$m1" "$m2" "$m3" "$m4" -o all.zarr
    nc2zarr -q $fmt -c time=24 "$m1" -o app.zarr
    for f in "$m2" "$m3" "$m4"; do
        nc2zarr -q -j 2 $fmt -c time=24 --append "$f" -o app.zarr ||
            not_ok "append ${fmt:-v2}: $f"
    done
    same_store "month by month ${fmt:-(Zarr v2)}: the store of all at once" \
        all.zarr app.zarr
done
rm -rf all.zarr app.zarr
nc2zarr -q -c time=24 "$m1" "$m2" "$m3" "$m4" -o all.zarr
nc2zarr -q -c time=24 "$m1" -o app.zarr
nc2zarr -q -c time=24 --append "$m2" "$m3" -o app.zarr
nc2zarr -q -c time=24 --append "$m4" -o app.zarr
same_store "two months at once, then one: the same" all.zarr app.zarr
check "the appended store reads in python3-zarr, 121 days" sh -c "
    $PY -c 'import zarr,sys; g = zarr.open_consolidated(sys.argv[1], mode=\"r\"); assert g[\"t2m\"].shape[0] == 121' app.zarr"

# refusals, each leaving the store as it was
rm -rf s.zarr
nc2zarr -q -c time=24 "$m1" "$m2" -o s.zarr
before=$(tree_sum s.zarr)
check_fail "other chunks: refused, naming them" 1 \
    "^nc2zarr: s.zarr: .*: chunks: 24 in the store, 12 in the new inputs" \
    nc2zarr -q -c time=12 --append "$m3" -o s.zarr
check_fail "another compressor: refused, naming it" 1 \
    "^nc2zarr: s.zarr: .*: \"blosc\" in the store, \"zstd\" in the new inputs" \
    nc2zarr -q -c time=24 --compressor zstd:3 --append "$m3" -o s.zarr
check_fail "unpacked values onto packed ones: refused, naming the dtype" 1 \
    "s.zarr: t2m: dtype: \"<i2\" in the store, \"<f4\" in the new inputs" \
    nc2zarr -q -c time=24 --unpack --append "$m3" -o s.zarr
check_fail "a month already in the store: refused" 1 \
    "era5_t2m_msl_2019-01.nc starts at or before the store's last time" \
    nc2zarr -q -c time=24 --append "$m2" -o s.zarr
check_fail "an extra variable: refused, naming it" 1 \
    "s.zarr: the new inputs have no variable 'msl'" \
    nc2zarr -q -c time=24 --vars t2m --append "$m3" -o s.zarr
check_eq "... and the store is as it was" "$before" "$(tree_sum s.zarr)"
nc2zarr -q -c time=24 --append "$m3" -o s.zarr ||
    not_ok "a fitting month is then appended"
check "... and the store then has no lock file" sh -c \
    "! ls -A s.zarr | grep -q zstmp"

# other packing: the ERA5-like days and a day packed otherwise
rm -rf p.zarr
nc2zarr -q -c time=24 "$S"/era5/*.nc -o p.zarr
before=$(tree_sum p.zarr)
check_fail "other packing: refused, naming the attribute" 1 \
    "p.zarr: .*: scale_factor of the new inputs differs from the store's" \
    nc2zarr -q -c time=24 --append \
        "$S"/era5-bad/bad-packing_era5_sfc_2019-07-04.nc -o p.zarr
check_fail "another grid: refused" 1 "p.zarr: " \
    nc2zarr -q -c time=24 --append \
        "$S"/era5-bad/bad-shape-area_era5_sfc_2019-07-04.nc -o p.zarr
check_eq "... and the store is as it was" "$before" "$(tree_sum p.zarr)"
nc2zarr -q -c time=24 "$m1" -o p.tar
cp p.tar p0.tar
check_fail "appending to a tar file: refused, saying why" 1 \
    "p.tar: cannot be appended to: a tar file is written once, in order" \
    nc2zarr -q -c time=24 --append "$m2" -o p.tar
check "... and the tar file is as it was" cmp p.tar p0.tar
check_fail "appending to no store" 1 "nothing.zarr" \
    nc2zarr -q --append "$m3" -o nothing.zarr
check_fail "--append with --resume: usage error" 2 "exclude each other" \
    nc2zarr --append --resume "$m3" -o s.zarr
check_fail "--append -n without a store: usage error" 2 "missing -o STORE" \
    nc2zarr -n --append "$m3"
nc2zarr -n -c time=24 --append "$m4" -o s.zarr > plan
check "--append -n: the plan of the whole" \
    grep -q "variable t2m: int16 (121, 31, 60) chunks (24, 31, 60)" plan
done_testing
