#!/bin/sh
# Benchmark the http store: read every chunk of the bench store
# (zinfo --checksum decodes them all) from its folder and over HTTP from a
# loopback nginx, best of REPEAT runs each with a warm page cache.  Also
# checks what went over the wire: the checksums are the same, and the
# requests are one per chunk plus the metadata objects read (.zmetadata),
# all GETs, no HEAD, no listing.
#
# Usage: bench/http.sh BUILD_DIR [STORE]
#   STORE: a Zarr store in a folder (default: the store of bench/nc2zarr.sh,
#   /tmp/zstore-bench/out/nc2zarr.zarr)
# Environment: REPEAT (default 3), MIN_RATIO (default 0.70).
# Exit status 1 if folder/http is below MIN_RATIO or a check fails.
set -eu
B=$(cd "$1" && pwd)
S=${2:-/tmp/zstore-bench/out/nc2zarr.zarr}
REPEAT=${REPEAT:-3}
MIN_RATIO=${MIN_RATIO:-0.70}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
top_builddir=$B
. "$here/tools.sh"
[ -f "$S/.zmetadata" ] || {
    echo "http.sh: $S: not a consolidated Zarr store (run bench/nc2zarr.sh" \
         "first, or name one)" >&2; exit 1; }
S=$(cd "$S" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zsbench.XXXXXX")
# shellcheck source=../tests/lib/servers.sh
. "$srcdir/tests/lib/servers.sh"    # stops nginx and removes TMP on exit

url=$(zs_nginx_start "$(dirname "$S")") ||
    { echo "http.sh: nginx: $(zs_why)" >&2; exit 1; }
U=$url/$(basename "$S")
find "$S" -type f -exec cat {} + > /dev/null

# best NAME COMMAND...: the best wall time of REPEAT runs, in seconds
best() {
    name=$1; shift
    $PY - "$REPEAT" "$@" <<'EOF'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - t)
print("%.3f" % min(times))
EOF
}

echo "== zinfo --checksum of $(basename "$S") ($(du -sh "$S" | cut -f1)," \
     "$(nproc) cores), best of $REPEAT"
tf=$(best folder "$T/zinfo" --checksum "$S")
th=$(best http "$T/zinfo" --checksum "$U")
ratio=$(awk -v a="$tf" -v b="$th" 'BEGIN { printf "%.2f", a / b }')
echo "folder   $tf s"
echo "http     $th s   ($U)"
echo "ratio folder/http $ratio (at least $MIN_RATIO wanted)"

echo "== what went over the wire"
log=$(zs_nginx_log "$url")
: > "$log"
"$T/zinfo" --checksum "$S" > "$TMP/sum-folder"
"$T/zinfo" --stats --checksum "$U" > "$TMP/sum-http" 2> "$TMP/stats"
sleep 0.2
chunks=$(cd "$S" && find . -type f ! -name '.z*' ! -name zarr.json | wc -l)
want=$((chunks + 1))
got=$(sed -n 's/.*: \([0-9]*\) requests.*/\1/p' "$TMP/stats")
gets=$(awk '$6 == "\"GET" { n++ } END { print n + 0 }' "$log")
other=$(awk '$6 != "\"GET" { n++ } END { print n + 0 }' "$log")
lists=$(awk '$7 ~ /\/$/ { n++ } END { print n + 0 }' "$log")
same=$(cmp -s "$TMP/sum-folder" "$TMP/sum-http" && echo yes || echo NO)
echo "requests expected $want ($chunks chunks + .zmetadata), actual $got" \
     "(zinfo --stats); the server saw $gets GET, $other other, $lists" \
     "listings"
echo "checksums over HTTP = from the folder: $same"
fail=0
[ "$got" = "$want" ] && [ "$gets" = "$want" ] && [ "$other" = 0 ] &&
    [ "$lists" = 0 ] && [ "$same" = yes ] || fail=1
awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN { exit !(r >= m) }' || fail=1
[ $fail = 0 ] && echo "PASS" || echo "FAIL"
exit $fail
