# bench/tools.sh - sourced by the bench scripts once B (the build
# directory) is set: T is where the programs themselves are, not
# libtool's wrapper scripts around them (a wrapper would be timed too);
# best runs a command REPEAT times (bench/peakrss.py, from $here, with $PY).
if [ -x "$B/tools/.libs/zinfo" ]; then
    T=$B/tools/.libs
    LD_LIBRARY_PATH=$B/libzstore/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
else
    T=$B/tools
fi

# need_bench_data: stop unless bench/nc2zarr.sh has made $W/data
need_bench_data() {
    [ -f "$W/data/.done" ] || {
        echo "$(basename "$0"): no $W/data: run bench/nc2zarr.sh first" >&2
        exit 1
    }
}

# best NAME COMMAND...: "NAME WALL RSS", the best wall time of REPEAT
# runs and that run's peak RSS (MB)
best() {
    name=$1; shift
    bw=""; br=""
    i=0
    while [ $i -lt "$REPEAT" ]; do
        sync   # the last run's dirty pages are not this run's to write
        r=$($PY "$here/peakrss.py" "$@" | tail -1)
        w=$(echo "$r" | awk '{print $2}')
        m=$(echo "$r" | awk '{print $4}')
        if [ -z "$bw" ] || awk "BEGIN{exit !($w < $bw)}"; then bw=$w; br=$m; fi
        i=$((i + 1))
    done
    echo "$name $bw $br"
}

# Fields of a "NAME WALL RSS" line of best, and a ratio to two decimals.
wall() { echo "$1" | awk '{print $2}'; }
rss() { echo "$1" | awk '{print $3}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

# cpu COMMAND...: the CPU seconds (user + system) of one run, a figure
# that other programs on a busy machine disturb less than wall time.
cpu() {
    sync
    /usr/bin/time -f '%U %S' -o "${TMPDIR:-/tmp}/cpu.$$" "$@" >/dev/null
    awk '{printf "%.2f", $1 + $2}' "${TMPDIR:-/tmp}/cpu.$$"
    rm -f "${TMPDIR:-/tmp}/cpu.$$"
}
