#!/bin/sh
# nc2zarr's progress bar (bytes, rate, ETA on stderr): shown on a
# terminal, forced by --progress, silenced by -q, absent when stderr is
# not a terminal; and -j 1 and -j 2 write identical stores.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
"$top_builddir/data-samples/mksamples" bench "$TMP/in" --hours 24 \
    --res 0.5 2>/dev/null || not_ok "mksamples bench"
in=$(ls "$TMP"/in/*.nc)
B='[0-9.]+ [kMG]?B'
bar="^\\[[# ]{30}\\] +[0-9]+% $B/$B $B/s ETA"

# last_bar FILE: the last state of a bar drawn with carriage returns
last_bar() {
    tr '\r' '\n' < "$1" | sed 's/\x1b\[K//g' | grep -v '^$' | tail -1
}

nc2zarr --progress -c time=1 "$in" -o "$TMP/p.zarr" 2>"$TMP/p.err"
check "--progress with stderr to a file: a bar with bytes, rate, ETA" \
    sh -c "tr '\r' '\n' < '$TMP/p.err' | grep -Eq '$bar'"
check "--progress: redrawn in place (carriage returns)" \
    test "$(tr -cd '\r' < "$TMP/p.err" | wc -c)" -ge 2
check "--progress: ends at 100% of the raw bytes" sh -c \
    "tail -c 200 '$TMP/p.err' | tr '\r' '\n' | grep -Eq '\] 100% '"
check "--progress: the last bar counts all bytes" sh -c \
    "echo '$(last_bar "$TMP/p.err")' | grep -Eq '100% ([0-9.]+ [kMG]?B)/\1 '"
nc2zarr -c time=1 "$in" -o "$TMP/n.zarr" 2>"$TMP/n.err"
check_eq "no bar when stderr is not a terminal" "" "$(cat "$TMP/n.err")"
nc2zarr -q --progress "$in" -o "$TMP/q.zarr" 2>"$TMP/q.err"
check_eq "-q silences even --progress" "" "$(cat "$TMP/q.err")"

if command -v script >/dev/null 2>&1; then
    script -qc "nc2zarr -c time=1 '$in' -o '$TMP/t.zarr'" /dev/null \
        > "$TMP/t.out" 2>&1
    check "a terminal gets the bar (script)" \
        sh -c "tr '\r' '\n' < '$TMP/t.out' | grep -Eq '$bar'"
    script -qc "nc2zarr -q '$in' -o '$TMP/tq.zarr'" /dev/null \
        > "$TMP/tq.out" 2>&1
    check_eq "-q on a terminal: nothing" "" "$(tr -d '\r\n' < "$TMP/tq.out")"
    check "the runs under script converted" \
        zinfo --check "$TMP/t.zarr"
else
    skip "script (util-linux) is absent"
fi

# -j 1 and -j 2: the same store, byte for byte in the metadata
for j in 1 2; do
    nc2zarr -q -j $j -c time=5 "$in" -o "$TMP/j$j.zarr"
done
zinfo --checksum "$TMP/j1.zarr" > "$TMP/j1.sum"
zinfo --checksum "$TMP/j2.zarr" > "$TMP/j2.sum"
check "-j 1 and -j 2: zinfo --checksum agrees" diff -u "$TMP/j1.sum" \
    "$TMP/j2.sum"
meta() { (cd "$1" && find . -name '.z*' | sort | xargs cat); }
check_eq "-j 1 and -j 2: identical metadata files" \
    "$(meta "$TMP/j1.zarr" | cksum)" "$(meta "$TMP/j2.zarr" | cksum)"
check_eq "-j 1 and -j 2: the same chunk objects" \
    "$(cd "$TMP/j1.zarr" && find . -type f | sort | xargs cksum)" \
    "$(cd "$TMP/j2.zarr" && find . -type f | sort | xargs cksum)"
for j in 1 2; do
    nc2zarr -q -j $j -c time=1 "$S"/era5/*.nc -o "$TMP/e$j.zarr"
done
check "-j 1 and -j 2 on several files: identical stores" \
    diff -r "$TMP/e1.zarr" "$TMP/e2.zarr"
done_testing
