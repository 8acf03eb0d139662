#!/bin/sh
# bench/stream.sh BUILD_DIR STORE: a time mean read from the folder, and
# the same through a tar stream (zsel copies the store to standard output,
# zmean reads standard input): wall time and peak memory of the whole
# pipeline, and whether the results agree.  A stream is consumed in one
# pass, so the pipeline's memory must not grow with the store.
set -eu
B=${1:?usage: bench/stream.sh BUILD_DIR STORE}
S=${2:?usage: bench/stream.sh BUILD_DIR STORE}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
out=$(mktemp -d "${TMPDIR:-/tmp}/zstream.XXXXXX")
trap 'rm -rf "$out"' EXIT
peak() { /usr/bin/python3 "$here/peakrss.py" sh -c "$1"; }
echo "store: $S ($(du -sh "$S" | cut -f1))"
f=$(peak "$T/zmean -q '$S' -o '$out/folder.zarr'")
echo "zmean STORE:                        $f"
p=$(peak "$T/zsel -q '$S' -o - | $T/zmean -q - -o '$out/pipe.zarr'")
echo "zsel STORE -o - | zmean -:          $p"
s=$(peak "$T/zsel -q '$S' -o - | cat > /dev/null")
echo "zsel STORE -o - > /dev/null:        $s"
if [ "$("$T/zinfo" --checksum "$out/folder.zarr")" = \
     "$("$T/zinfo" --checksum "$out/pipe.zarr")" ]; then
    echo "results: identical checksums"
else
    echo "results: DIFFER"; exit 1
fi
