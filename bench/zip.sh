#!/bin/sh
# Benchmark reading a store from a zip file against the same store as a
# folder (issue 4 target: zip read throughput >= 90% of the folder's):
#   - the zip holds exactly the folder's bytes, STORED, made by Python's
#     zipfile (an independent writer); a second zip, written by our own
#     writer through zsel, must hold the same arrays;
#   - zinfo --check (decode every chunk) and zinfo --checksum (decode and
#     hash every value) on the folder and on the zip, warm page cache,
#     best of REPEAT runs each.
# Also times zsel copying the store to a folder and to a zip (our writer).
#
# Usage: bench/zip.sh BUILD_DIR [STORE [WORK_DIR]]
#   STORE: a Zarr folder (default WORK_DIR/out/nc2zarr.zarr, made by
#   bench/nc2zarr.sh); WORK_DIR: /tmp/zstore-bench.
# Writes WORK_DIR/results-zip.txt and prints it; removes the zips and the
# copies it made unless KEEP=1.
set -eu
B=$(cd "$1" && pwd)
W=${3:-/tmp/zstore-bench}
S=${2:-$W/out/nc2zarr.zarr}
REPEAT=${REPEAT:-5}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
[ -f "$S/.zmetadata" ] || [ -f "$S/zarr.json" ] || {
    echo "zip.sh: $S is no Zarr store (run bench/nc2zarr.sh first)" >&2
    exit 1
}
cores=$(nproc)
o=$W/out
mkdir -p "$o"
zpy=$o/bench-zipfile.zip
zzs=$o/bench-zsel.zip
rm -rf "$zpy" "$zzs" "$o/bench-zsel.zarr"

echo "== making the zips"
$PY - "$S" "$zpy" <<'EOF'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
    for top, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(top, f)
            z.write(p, os.path.relpath(p, src))
EOF
w_dir=$(REPEAT=1 best zsel-folder "$T/zsel" -q --overwrite "$S" \
        -o "$o/bench-zsel.zarr")
w_zip=$(REPEAT=1 best zsel-zip "$T/zsel" -q --overwrite "$S" -o "$zzs")
echo "$w_dir"
echo "$w_zip"

echo "== reading (best of $REPEAT, warm page cache)"
# The page cache keeps a file in the pieces it was written in: Python's
# zipfile writes small pieces, nc2zarr whole chunks, and reading many
# small pieces costs the kernel more (0.1 s more system time here for
# the same bytes).  As root, empty the cache so that both are read in
# from disk by the same readahead before they are timed.
if [ "$(id -u)" = 0 ]; then
    sync && echo 3 > /proc/sys/vm/drop_caches
else
    echo "(not root: the page cache is not emptied first)"
fi
find "$S" -type f -exec cat {} + > /dev/null
cat "$zpy" "$zzs" > /dev/null
c_dir=$(best check-folder "$T/zinfo" --check "$S")
echo "$c_dir"
c_zip=$(best check-zip "$T/zinfo" --check "$zpy")
echo "$c_zip"
s_dir=$(best checksum-folder "$T/zinfo" --checksum "$S")
echo "$s_dir"
s_zip=$(best checksum-zip "$T/zinfo" --checksum "$zpy")
echo "$s_zip"

echo "== correctness"
"$T/zinfo" --checksum "$S" > "$W/sum-zip-folder"
"$T/zinfo" --checksum "$zpy" > "$W/sum-zip-zipfile"
"$T/zinfo" --checksum "$zzs" > "$W/sum-zip-zsel"
same_py=$(cmp -s "$W/sum-zip-folder" "$W/sum-zip-zipfile" && echo yes || echo NO)
same_zs=$(cmp -s "$W/sum-zip-folder" "$W/sum-zip-zsel" && echo yes || echo NO)

wall() { echo "$1" | awk '{print $2}'; }
ratio() { awk "BEGIN{printf \"%.3f\", $1 / $2}"; }
{
    echo "store: $S ($(du -sh "$S" | cut -f1), $(find "$S" -type f | wc -l) files);" \
         "zip: $(du -h "$zpy" | cut -f1)"
    echo "machine: $cores cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf '%-22s %9s\n' run "wall (s)"
    for r in "$c_dir" "$c_zip" "$s_dir" "$s_zip" "$w_dir" "$w_zip"; do
        printf '%-22s %9s\n' $(echo "$r" | awk '{print $1}') "$(wall "$r")"
    done
    echo "zinfo --check:    folder/zip $(ratio "$(wall "$c_dir")" "$(wall "$c_zip")") (target >= 0.90)"
    echo "zinfo --checksum: folder/zip $(ratio "$(wall "$s_dir")" "$(wall "$s_zip")") (target >= 0.90)"
    echo "zsel copy: zip/folder time $(ratio "$(wall "$w_zip")" "$(wall "$w_dir")")"
    echo "same arrays: zipfile zip $same_py; our zip (zsel) $same_zs"
} | tee "$W/results-zip.txt"
if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$zpy" "$zzs" "$o/bench-zsel.zarr"
fi
