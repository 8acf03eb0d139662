#!/bin/sh
# run-examples.sh - the man pages tested: their EXAMPLES run, mandoc lint,
# the tools' --help against OPTIONS, the API of zstore.h against
# libzstore(3).
#
# How EXAMPLES are marked in the mdoc source (man/*.[135]): in the section
# EXAMPLES, every ".Bd -literal" block is read.  A line starting with "$ "
# is a command, run with sh(1) in the page's scratch directory (commands
# of a page run in order, in the same directory; a trailing backslash
# continues a command on the next line).  The lines after a command, up to
# the next command or the end of the block, are its expected output:
# standard output and standard error together.  A line "..." stands for
# any number of lines, and "..." inside a line for any text.  A command
# with no output shown is only checked for exit status 0.  A block
# preceded by the comment line '.\" file: NAME' is not commands but the
# text of the file NAME, written into the scratch directory before the
# commands that follow it (libzstore(3) keeps its C program so).
#
# Scratch directories hold a copy of the sample sets
# ($top_builddir/data-samples/out, "make samples"), so that examples name
# them as era5/, era5-monthly-split/ and so on; tools come first in PATH,
# and "pkg-config --cflags --libs libzstore" answers for the build tree.
. "$srcdir/tests/lib/tap.sh"
MAN=$srcdir/man
S=$top_builddir/data-samples/out
PAGES="nc2zarr.1 zinfo.1 zsel.1 zmean.1 zrechunk.1 zstore.5 libzstore.3"
PAGES="$PAGES zbatch.1 zskill.1 zregrid.1 zplot.1 zcalc.1"
TAB=$(printf '\t')
LIBS=$top_builddir/libzstore/.libs

# ---- the mdoc source: sections, unescaping ---------------------------------

# Lines of section $2 of page $1 (between ".Sh $2" and the next ".Sh").
section() {
    awk -v want="$2" '/^\.Sh / { on = (substr($0, 5) == want); next }
                      on' "$1"
}

# The examples of a page as a plan, one record a line:
#   C<TAB>LINE<TAB>COMMAND   O<TAB>OUTPUT   F<TAB>NAME   L<TAB>TEXT   E
#   X<TAB>LINE<TAB>PROBLEM (a malformed example)
plan() {
    awk '
    function unescape(s,   i) {
        gsub(/\\e/, "\001", s); gsub(/\\\(rs/, "\001", s)
        gsub(/\\&/, "", s); gsub(/\\-/, "-", s)
        gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq/, "\"", s)
        gsub(/\\\(ti/, "~", s); gsub(/\\\(ha/, "^", s)
        while ((i = index(s, "\001")) > 0)
            s = substr(s, 1, i - 1) "\\" substr(s, i + 1)
        return s
    }
    function endcmd() {
        if (cont) print "X\t" cl "\tcommand continued past the block"
        cont = 0
    }
    /^\.Sh / { on = ($0 == ".Sh EXAMPLES"); next }
    !on { next }
    /^\.\\" *file: / && !blk { f = $0; sub(/^\.\\" *file: */, "", f); next }
    /^\.Bd -literal/ { blk = 1; cmds = 0
                       if (f != "") { print "F\t" f; file = 1; f = "" }
                       next }
    blk && /^\.Ed/ { endcmd(); if (file) print "E"; blk = file = 0; next }
    !blk || /^\.\\"/ { next }
    {
        line = unescape($0)
        if (file) { print "L\t" line; next }
        if (cont) {
            cont = (line ~ /\\$/); c = c line
            if (cont) sub(/\\$/, "", c); else print "C\t" cl "\t" c
            next
        }
        if (substr(line, 1, 2) == "$ ") {
            c = substr(line, 3); cl = NR; cmds++
            cont = (c ~ /\\$/)
            if (cont) sub(/\\$/, "", c); else print "C\t" cl "\t" c
            next
        }
        if (!cmds) print "X\t" NR "\toutput before any command"
        else print "O\t" line
    }' "$1"
}

# match EXPECTED ACTUAL: exit 0 if the actual output fits the expected
# lines, where "..." alone matches any lines and inside a line any text.
match_output() {
    awk '
    FNR == NR { e[++ne] = $0; next }
    { a[++na] = $0 }
    function fits(p, s,   n, parts, i, k) {
        if (index(p, "...") == 0) return p == s
        n = split(p, parts, /\.\.\./)
        if (substr(s, 1, length(parts[1])) != parts[1]) return 0
        s = substr(s, length(parts[1]) + 1)
        for (i = 2; i < n; i++) {
            if (parts[i] == "") continue
            if ((k = index(s, parts[i])) == 0) return 0
            s = substr(s, k + length(parts[i]))
        }
        k = length(s) - length(parts[n])
        return n < 2 || (k >= 0 && substr(s, k + 1) == parts[n])
    }
    function m(i, j,   k) {
        if (i > ne) return j > na
        if (e[i] == "...") {
            for (k = j; k <= na + 1; k++) if (m(i + 1, k)) return 1
            return 0
        }
        return j <= na && fits(e[i], a[j]) && m(i + 1, j + 1)
    }
    END { exit m(1, 1) ? 0 : 1 }' "$1" "$2"
}

# ---- running the examples ---------------------------------------------

BUF=
command -v stdbuf >/dev/null 2>&1 && BUF="stdbuf -oL"
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 600"

# A sanitizer build (configure --enable-sanitizers): programs linked with
# the library need the same flags, and ASan must accept stdbuf's preload.
SAN=$(sed -n 's/^ZS_SAN = //p' "$top_builddir/Makefile" 2>/dev/null)
if [ -n "$SAN" ]; then
    ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
    export ASAN_OPTIONS
fi

# pkg-config for the build tree (the page compiles with it)
mkdir -p "$TMP/pc" "$TMP/bin"
cat > "$TMP/pc/libzstore.pc" <<EOF
Name: libzstore
Description: libzstore in the build tree (tests/man/run-examples.sh)
Version: 0
Libs: -L$LIBS -lzstore -Wl,-rpath,$LIBS $SAN
Cflags: -I$srcdir/libzstore $SAN
EOF
if ! command -v pkg-config >/dev/null 2>&1; then
    cat > "$TMP/bin/pkg-config" <<EOF
#!/bin/sh
# a stand-in answering for libzstore only
for a in "\$@"; do case \$a in
--cflags) printf ' -I%s %s' "$srcdir/libzstore" "$SAN" ;;
--libs) printf ' -L%s -lzstore -Wl,-rpath,%s %s' "$LIBS" "$LIBS" "$SAN" ;;
esac; done; echo
EOF
    chmod +x "$TMP/bin/pkg-config"
fi
# examples that import numpy or torch want Debian's python3, the one that
# sees python3-numpy and python3-torch (../shared/data/README.md)
[ -x /usr/bin/python3 ] && ln -sf /usr/bin/python3 "$TMP/bin/python3"
PKG_CONFIG_PATH=$TMP/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
PATH=$TMP/bin:$PATH
export PKG_CONFIG_PATH PATH

# Why a command cannot run here, or nothing.
cannot_run() {
    case $1 in
    *python3*) command -v python3 >/dev/null 2>&1 ||
                   { echo "python3 not found"; return; } ;;
    esac
    case $1 in
    "cc "*|*" cc "*)
        command -v cc >/dev/null 2>&1 || { echo "cc not found"; return; }
        [ -e "$LIBS/libzstore.so" ] ||
            { echo "no shared libzstore in the build tree"; return; } ;;
    esac
}

# run_pending PAGE DIR: run the command read last, compare its output.
run_pending() {
    [ -n "$cmd" ] || return 0
    d=$(printf '%s' "$cmd" | tr -s ' ' | cut -c1-60)
    [ ${#cmd} -gt 60 ] && d="$d..."
    d="$1:$cline: \$ $d"
    why=$(cannot_run "$cmd")
    if [ -n "$why" ]; then
        skip "$d ($why)"
    else
        # shellcheck disable=SC2086 # $TIMEOUT and $BUF are words
        (cd "$2" && $TIMEOUT $BUF sh -c "$cmd") </dev/null >"$TMP/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            not_ok "$d" "exit status $rc; output:" "$(head -c 3000 "$TMP/out")"
        elif [ -s "$TMP/exp" ] && ! match_output "$TMP/exp" "$TMP/out"; then
            not_ok "$d" "expected:" "$(cat "$TMP/exp")" "actual:" \
                "$(head -c 3000 "$TMP/out")"
        else
            ok "$d"
        fi
    fi
    cmd=
    : > "$TMP/exp"
}

# run_page PAGE: every example of the page, in a fresh scratch directory.
run_page() {
    page=$1
    dir=$TMP/$page.d
    mkdir -p "$dir" && cp -R "$S"/. "$dir"/ && rm -f "$dir/MANIFEST"
    plan "$MAN/$page" > "$TMP/plan"
    if ! grep -q "^C$TAB" "$TMP/plan"; then
        not_ok "$page: EXAMPLES has commands"
        return
    fi
    cmd='' fname=''
    : > "$TMP/exp"
    while IFS= read -r rec; do
        tag=${rec%%"$TAB"*} rest=${rec#*"$TAB"}
        case $tag in
        C) run_pending "$page" "$dir"
           cline=${rest%%"$TAB"*} cmd=${rest#*"$TAB"} ;;
        O) printf '%s\n' "$rest" >> "$TMP/exp" ;;
        F) run_pending "$page" "$dir"
           fname=$rest; : > "$dir/$fname" ;;
        L) printf '%s\n' "$rest" >> "$dir/$fname" ;;
        E) ok "$page: example file $fname written"
           cp "$dir/$fname" "$TMP/$page.$fname" ;;
        X) not_ok "$page:${rest%%"$TAB"*}: ${rest#*"$TAB"}" ;;
        esac
    done < "$TMP/plan"
    run_pending "$page" "$dir"
}

# ---- the checks -------------------------------------------------------

for page in $PAGES; do
    [ -f "$MAN/$page" ] || { not_ok "$page exists"; continue; }
    if command -v mandoc >/dev/null 2>&1; then
        out=$(mandoc -T lint -W warning "$MAN/$page" 2>&1 |
              grep -v 'outdated mandoc.db')
        st=$(mandoc -T lint -W warning "$MAN/$page" >/dev/null 2>&1; echo $?)
        if [ "$st" -le 1 ] && [ -z "$out" ]; then
            ok "$page: mandoc -T lint -W warning"
        else
            not_ok "$page: mandoc -T lint -W warning" "$out"
        fi
    else
        skip "$page: mandoc not found"
    fi
done

# The tool pages: sections, and the options of --help both ways.
for tool in nc2zarr zinfo zsel zmean zrechunk zbatch zskill zregrid zplot zcalc; do
    page=$MAN/$tool.1
    [ -f "$page" ] || continue
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "EXIT STATUS" \
             EXAMPLES "SEE ALSO"; do
        if grep -qx ".Sh $s" "$page"; then ok "$tool.1: section $s"
        else not_ok "$tool.1: section $s"; fi
    done
    $tool --help > "$TMP/help" 2>&1 || not_ok "$tool --help exits 0"
    grep -oE -- '--[a-z][a-z-]*' "$TMP/help" | sort -u > "$TMP/h.long"
    grep -oE '^ +-[A-Za-z],' "$TMP/help" | tr -d ' ,' | sort -u \
        > "$TMP/h.short"
    section "$page" OPTIONS | grep '^\.It Fl' > "$TMP/items"
    grep -oE 'Fl -[a-z][a-z-]*' "$TMP/items" | sed 's/^Fl /-/' | sort -u \
        > "$TMP/p.long"
    sed -n 's/^\.It Fl \([A-Za-z]\)\( .*\)*$/-\1/p' "$TMP/items" | sort -u \
        > "$TMP/p.short"
    for kind in long short; do
        only_help=$(comm -23 "$TMP/h.$kind" "$TMP/p.$kind" | tr '\n' ' ')
        only_page=$(comm -13 "$TMP/h.$kind" "$TMP/p.$kind" | tr '\n' ' ')
        d="$tool.1: OPTIONS has the $kind options of --help, no other"
        if [ -z "$only_help$only_page" ] && [ -s "$TMP/h.$kind" ]; then
            ok "$d"
        else
            not_ok "$d" "in --help only: $only_help" \
                "in the page only: $only_page"
        fi
    done
done

# libzstore(3) names every function of the public header.
hdr=$srcdir/libzstore/zstore.h
sed -n 's/^[a-z][a-z0-9_ ]*[ *]\(zs_[a-z0-9_]*\)(.*/\1/p' "$hdr" | sort -u \
    > "$TMP/api"
if [ -f "$MAN/libzstore.3" ] && [ -s "$TMP/api" ]; then
    missing=
    for f in $(cat "$TMP/api"); do
        grep -qE "^\..*(^\.| )(Fn|Fo) $f( |\$)" "$MAN/libzstore.3" ||
            missing="$missing $f"
    done
    n=$(wc -l < "$TMP/api" | tr -d ' ')
    check_eq "libzstore.3 lists all $n functions of zstore.h" "" "$missing"
fi

# The examples.
if [ ! -d "$S/era5" ]; then
    not_ok "samples exist (make samples)"
else
    for page in $PAGES; do
        [ -f "$MAN/$page" ] && run_page "$page"
    done
fi

# The C program of libzstore(3), compiled strictly against the build tree
# with libtool (shared or static library alike).
src=$TMP/libzstore.3.checksums.c
if [ ! -f "$src" ]; then
    not_ok "libzstore.3 has the example file checksums.c"
elif ! command -v cc >/dev/null 2>&1; then
    skip "cc not found"
else
    # shellcheck disable=SC2086 # $SAN is words
    if out=$(cd "$TMP" && "$top_builddir/libtool" --mode=link --tag=CC \
             cc -std=c99 -Wall -Wextra -Werror -pedantic $SAN \
             -I"$srcdir/libzstore" -o "$TMP/checksums" "$src" \
             "$top_builddir/libzstore/libzstore.la" 2>&1); then
        ok "libzstore.3: checksums.c compiles with -Wall -Wextra -Werror"
        "$TMP/checksums" "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" |
            sort -k 2 > "$TMP/c.sha"
        zinfo --checksum "$S/era5-single/era5_t2m_msl_2018-12_2019-03.nc" \
            > "$TMP/z.sha"
        check_eq "libzstore.3: checksums.c prints what zinfo --checksum does" \
            "$(cat "$TMP/z.sha")" "$(cat "$TMP/c.sha")"
    else
        not_ok "libzstore.3: checksums.c compiles with -Wall -Wextra -Werror" \
            "$out"
    fi
fi

done_testing
