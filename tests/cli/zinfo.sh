#!/bin/sh
# zinfo command line: help, usage errors, summary, JSON, checksums of
# several inputs.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out

check "--help exits 0" zinfo --help
check "--version" sh -c 'zinfo --version | grep -q "^zinfo (zstore) "'
check_fail "no input: exit 2" 2 "Try 'zinfo --help'" zinfo
check_fail "unknown option: exit 2" 2 "Try 'zinfo --help'" zinfo --bogus x
check_fail "--json and --checksum together: exit 2" 2 "exclude each other" \
    zinfo --json --checksum "$S/era5/era5_sfc_2019-07-01.nc"
check_fail "missing input" 1 "zinfo: nope.zarr: " zinfo nope.zarr

nc2zarr -q "$S"/era5/*.nc -o "$TMP/e.zarr"
zinfo "$TMP/e.zarr" > "$TMP/sum"
check "summary: dimensions" grep -q "^Dimensions:  (latitude: 31, longitude: 60, time: 72)" "$TMP/sum"
check "summary: decoded time range" \
    grep -Eq "^  \* time .* 2019-07-01T00:00:00 \.\. 2019-07-03T23:00:00" "$TMP/sum"
check "summary: descending latitude" grep -Eq "latitude.* 90\.0 \.\. -90\.0" "$TMP/sum"
check "summary: packing and fill" \
    grep -Eq "t2m .*packed\(scale=0.00229[0-9]*, offset=259.44\) fill=-32767" "$TMP/sum"
check "summary: storage line" grep -Eq "^Storage: .* 7 of 7 chunk objects" "$TMP/sum"
check "summary: global attributes" grep -q "^    Conventions: CF-1.6" "$TMP/sum"
zinfo -v "$TMP/e.zarr" > "$TMP/v"
check "-v lists variable attributes" grep -q "standard_name: air_temperature" "$TMP/v"
zinfo "$S/era5/era5_sfc_2019-07-01.nc" > "$TMP/nc"
check "a NetCDF file is described too" \
    grep -q "(netCDF-4)" "$TMP/nc"

zinfo --json "$TMP/e.zarr" > "$TMP/j"
check "--json is valid JSON with the documented fields" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["name"]: x for x in d["root"]["variables"]}
assert d["format"].startswith("zarr v2")
assert d["root"]["dims"] == {"latitude": 31, "longitude": 60, "time": 72}
t = v["t2m"]
assert t["dtype"] == "int16" and t["shape"] == [72, 31, 60]
assert t["packing"]["add_offset"] == 259.44 and t["fill"] == -32767
assert v["time"]["first"] == "2019-07-01T00:00:00" and v["time"]["coordinate"]
assert t["chunks_present"] == t["chunks_expected"] == 1
assert t["attrs"]["units"] == "K"
' "$TMP/j"

zinfo --json "$TMP/e.zarr" "$S/era5/era5_sfc_2019-07-01.nc" > "$TMP/j2"
check "--json with several inputs prints one JSON list" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and len(d) == 2 and d[1]["format"] == "netCDF-4"
' "$TMP/j2"

# An input that fails to open prints an error, no document, and the
# list stays valid JSON wherever the failure is.
for order in "nope.zarr $TMP/e.zarr $TMP/e.zarr" \
             "$TMP/e.zarr nope.zarr $TMP/e.zarr" \
             "$TMP/e.zarr $TMP/e.zarr nope.zarr" "nope.zarr nope2.zarr"; do
    # shellcheck disable=SC2086
    zinfo --json $order > "$TMP/jf" 2> "$TMP/jf.err"; rc=$?
    check_eq "--json $(echo $order | sed "s|$TMP/||g"): exit 1" 1 $rc
    check "--json $(echo $order | sed "s|$TMP/||g"): one JSON list" \
        $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
good = [a for a in sys.argv[2:] if not a.startswith("nope")]
assert isinstance(d, list) and len(d) == len(good), d
assert all(x["format"].startswith("zarr v2") for x in d)
' "$TMP/jf" $order
done

zinfo --checksum "$TMP/e.zarr" "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" > "$TMP/two"
check "several inputs: one block each" test "$(grep -c '^# ' "$TMP/two")" = 2
check "checksum lines are sorted by path" sh -c \
    "grep -v '^#' '$TMP/two' | head -7 | awk '{print \$2}' | sort -c"

# a store with no arrays at all (python3-zarr's empty consolidated group):
# nothing to list, nothing to check, and no crash (nothing to sort)
$PY -c 'import sys, zarr; zarr.group(sys.argv[1]); zarr.consolidate_metadata(sys.argv[1])' \
    "$TMP/empty.zarr"
for mode in --checksum --check; do
    zinfo $mode "$TMP/empty.zarr" > "$TMP/em.out" 2> "$TMP/em.err"; rc=$?
    check_eq "$mode of a store without arrays: exit 0" 0 $rc
    check "$mode of a store without arrays: nothing on stderr" \
        test ! -s "$TMP/em.err"
    want=""
    [ $mode = --check ] && want="$TMP/empty.zarr: OK (0 arrays)"
    check_eq "$mode of a store without arrays: no array lines" "$want" \
        "$(grep -v '^#' "$TMP/em.out")"
done
done_testing
