#!/bin/sh
# nc2zarr command line: help, version, usage errors, dry run, inputs given
# as globs, directories and lists, variable selection, chunks, compressors.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out

check "--help exits 0" nc2zarr --help
check "--help names every option" sh -c 'nc2zarr --help | grep -q -- --files-from'
check "--version" sh -c 'nc2zarr --version | grep -q "^nc2zarr (zstore) "'
check_fail "unknown option: exit 2 with a hint" 2 "Try 'nc2zarr --help'" \
    nc2zarr --bogus x.nc -o y.zarr
check_fail "missing -o: exit 2" 2 "missing -o STORE" nc2zarr "$S"/era5/*.nc
check_fail "no inputs: exit 2" 2 "no input files" nc2zarr -o y.zarr
check_fail "bad --chunks: exit 2" 2 "invalid --chunks" \
    nc2zarr -c time=0 "$S"/era5/*.nc -o "$TMP/x.zarr"
check_fail "bad --compressor: exit 2" 2 "invalid --compressor" \
    nc2zarr --compressor zlib:12 "$S"/era5/*.nc -o "$TMP/x.zarr"
check_fail "bad --jobs: exit 2" 2 "invalid value" \
    nc2zarr -j 0 "$S"/era5/*.nc -o "$TMP/x.zarr"
check_fail "bad --on-overlap: exit 2" 2 "on-overlap" \
    nc2zarr --on-overlap middle "$S"/era5/*.nc -o "$TMP/x.zarr"

# -o is required unless -n, as --help and the manual both say, and both
# name the kinds of store
check_fail "no -o and no -n: exit 2" 2 "missing -o STORE" \
    nc2zarr "$S"/era5/*.nc
check "-n needs no -o" nc2zarr -n "$S"/era5/*.nc
nc2zarr --help > "$TMP/help"
check "--help: -o required unless -n" grep -q "required unless -n" "$TMP/help"
check "--help: -o names the stores" grep -q "NAME.zip" "$TMP/help"
sed -n '/^\.It Fl o , Fl -output Ar store/,/^\.It Fl -overwrite/p' \
    "$srcdir/man/nc2zarr.1" > "$TMP/man-o"
check "nc2zarr(1): -o required unless -n" grep -q "^Required unless" "$TMP/man-o"
check "nc2zarr(1): -o names the stores" sh -c \
    "grep -q 'NAME.zip' '$TMP/man-o' && grep -q 's3://' '$TMP/man-o'"

# dry run: the plan, and nothing written
nc2zarr -n -c time=24 "$S"/era5/*.nc -o "$TMP/dry.zarr" > "$TMP/plan"
check "dry run writes nothing" test ! -e "$TMP/dry.zarr" -a \
    ! -e "$TMP/dry.zarr.partial"
check "dry run lists inputs and records" \
    grep -q "inputs: 3 files, 72 records along 'time'" "$TMP/plan"
check "dry run lists each variable with its chunks" \
    grep -q "variable t2m: int16 (72, 31, 60) chunks (24, 31, 60) blosc" \
    "$TMP/plan"
check "dry run counts objects and bytes" \
    grep -Eq "^objects: 34; raw bytes: 1072012 " "$TMP/plan"
check "dry run estimates memory" grep -q "^memory: about" "$TMP/plan"

# the default chunks: whole grid, ~8 MiB of records (here all 72)
nc2zarr -q "$S"/era5/*.nc -o "$TMP/def.zarr"
check_eq "default chunks take every record of a small set" \
    "[72, 31, 60]" "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["chunks"])' "$TMP/def.zarr/t2m/.zarray")"

# inputs: quoted glob, directory with --pattern, --files-from -
nc2zarr -q "$S/era5/*.nc" -o "$TMP/glob.zarr"
nc2zarr -q --pattern 'era5_sfc_*.nc' "$S/era5" -o "$TMP/dir.zarr"
ls "$S"/era5/*.nc | nc2zarr -q --files-from - -o "$TMP/list.zarr"
ref=$(zinfo --checksum "$TMP/def.zarr")
check_eq "a quoted glob gives the same store" "$ref" \
    "$(zinfo --checksum "$TMP/glob.zarr")"
check_eq "a directory with --pattern gives the same store" "$ref" \
    "$(zinfo --checksum "$TMP/dir.zarr")"
check_eq "--files-from - gives the same store" "$ref" \
    "$(zinfo --checksum "$TMP/list.zarr")"
ln -s "$S/era5" "$TMP/era5-link"
nc2zarr -q "$TMP/era5-link" -o "$TMP/link.zarr"
check_eq "a directory given as a symbolic link" "$ref" \
    "$(zinfo --checksum "$TMP/link.zarr")"
check_fail "a glob matching nothing" 1 "no files match" \
    nc2zarr "$S/era5/*.nothing" -o "$TMP/none.zarr"
check_fail "a directory without matching files" 1 "no files matching" \
    nc2zarr --pattern '*.grib' "$S/era5" -o "$TMP/none.zarr"

# --vars keeps coordinates; --exclude drops
nc2zarr -q --vars t2m "$S"/era5/*.nc -o "$TMP/vars.zarr"
check_eq "--vars t2m keeps t2m and its coordinates" \
    "latitude longitude t2m time" \
    "$(zinfo --checksum "$TMP/vars.zarr" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
nc2zarr -q --exclude u10,v10 "$S"/era5/*.nc -o "$TMP/excl.zarr"
check_eq "--exclude drops variables" "latitude longitude msl t2m time" \
    "$(zinfo --checksum "$TMP/excl.zarr" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
check_fail "--vars with an unknown variable" 1 "no variable 'nope' to keep \(--vars\)" \
    nc2zarr --vars nope "$S"/era5/*.nc -o "$TMP/x.zarr"
check_fail "--chunks with an unknown dimension" 1 "no dimension 'depth'" \
    nc2zarr -c depth=3 "$S"/era5/*.nc -o "$TMP/x.zarr"

# chunks and compressors as asked, readable by python3-zarr
for comp in none zstd:3 lz4 zlib:1 gzip:5 blosc:zstd:3:bitshuffle \
            blosc:lz4:5:noshuffle; do
    out=$TMP/c-$(echo "$comp" | tr ':' '-').zarr
    nc2zarr -q --compressor "$comp" -c time=10,latitude=8,longitude=-1 \
        "$S"/era5/*.nc -o "$out"
    check_eq "--compressor $comp: same values" "$ref" "$(zinfo --checksum "$out")"
    got=$($PY -c '
import sys, zarr
a = zarr.open_consolidated(sys.argv[1], mode="r")["t2m"]
print(a.chunks, a.compressor.codec_id if a.compressor else None)' "$out")
    want=none
    case $comp in none) want=None ;; zstd*) want=zstd ;; lz4) want=lz4 ;;
         zlib*) want=zlib ;; gzip*) want=gzip ;; blosc*) want=blosc ;; esac
    check_eq "--compressor $comp: python3-zarr sees chunks and codec" \
        "(10, 8, 60) $want" "$got"
done
done_testing
