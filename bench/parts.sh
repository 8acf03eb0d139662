#!/bin/sh
# nc2zarr in N local parts (--prepare, N x --part K/N at once, --finish)
# against one process with as many workers, on the bench set, and the
# cost of the records of completed work (ZSTORE_CONVERT_RECORD_MS: every
# second, the default, against once at the end).  Every store is checked
# byte for byte against the single run's.
#
# Usage: bench/parts.sh BUILD_DIR [WORK_DIR]   (WORK_DIR: /tmp/zstore-bench,
# whose data/ bench/nc2zarr.sh makes).  Run it on an otherwise idle
# machine: the figures are wall times.
set -eu
B=$(cd "$1" && pwd)
W=${2:-/tmp/zstore-bench}
REPEAT=${REPEAT:-2}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
cores=$(nproc)
need_bench_data
files=$(ls "$W"/data/*.nc)
mkdir -p "$W/out"
cat $files > /dev/null

# parts N: prepare, N parts at once (cores/N workers each), finish
cat > "$W/parts.sh" <<PEOF
#!/bin/sh
set -e
n=\$1 out=\$2
rm -rf "\$out" "\$out.partial"
"$T/nc2zarr" -q --prepare $(echo $files) -o "\$out"
j=\$(( $cores / n )); [ \$j -ge 1 ] || j=1
k=1
while [ \$k -le \$n ]; do
    "$T/nc2zarr" -q -j \$j --part \$k/\$n $(echo $files) -o "\$out" &
    k=\$((k + 1))
done
wait
"$T/nc2zarr" -q --finish $(echo $files) -o "\$out"
PEOF

echo "== one process, -j $cores (records every second, the default)"
# shellcheck disable=SC2086
best one-j$cores sh -c "rm -rf '$W/out/one.zarr'; '$T/nc2zarr' -q -j $cores $(echo $files) -o '$W/out/one.zarr'"
echo "== one process, records once at the end"
best one-norecords sh -c "rm -rf '$W/out/one2.zarr'; ZSTORE_CONVERT_RECORD_MS=100000000 '$T/nc2zarr' -q -j $cores $(echo $files) -o '$W/out/one2.zarr'"
for n in $(printf "%s\n" 1 2 "$cores" | sort -un); do
    echo "== $n parts at once"
    best parts-$n sh "$W/parts.sh" $n "$W/out/parts-$n.zarr"
    diff -r "$W/out/one.zarr" "$W/out/parts-$n.zarr" >/dev/null &&
        echo "parts-$n: byte-identical to one process" ||
        echo "parts-$n: DIFFERS from one process"
done
