#!/bin/sh
# make install into a DESTDIR, then the EXAMPLE program of libzstore(3)
# built against the installed header and library through the installed
# libzstore.pc (pkg-config, with PKG_CONFIG_SYSROOT_DIR pointing into the
# DESTDIR), and run with the installed library only.
. "$srcdir/tests/lib/tap.sh"
S=$top_builddir/data-samples/out
command -v skip_env >/dev/null 2>&1 || skip_env() { skip "$@"; }
command -v pkg-config >/dev/null 2>&1 ||
    { skip "pkg-config is absent"; done_testing; exit; }
D=$TMP/inst
if make -s -C "$top_builddir" install DESTDIR="$D" >"$TMP/inst.log" 2>&1
then ok "make install DESTDIR=..."
else not_ok "make install DESTDIR=..." "$(tail -20 "$TMP/inst.log")"
fi
pc=$(find "$D" -name libzstore.pc | head -1)
check "libzstore.pc is installed" test -n "$pc"
prefix=$(sed -n 's/^prefix=//p' "$pc")
check "the header is installed" test -f "$D$prefix/include/zstore.h"
for t in nc2zarr zinfo zsel zmean zregrid zplot zcalc; do
    check "$t is installed and runs" sh -c \
        "LD_LIBRARY_PATH='$D$prefix/lib' '$D$prefix/bin/$t' --version"
done
for m in man1/nc2zarr.1 man1/zinfo.1 man1/zregrid.1 man1/zplot.1 man1/zcalc.1 \
         man3/libzstore.3 man5/zstore.5; do
    check "man page $m is installed" test -f "$D$prefix/share/man/$m"
done

# the program of libzstore(3) EXAMPLES, as the page gives it
awk '/^\.\\" file: checksums\.c/ { f = 1; next }
     f && /^\.Bd/ { next }
     f && /^\.Ed/ { exit }
     f { gsub(/\\e/, "\\"); print }' "$srcdir/man/libzstore.3" \
    > "$TMP/checksums.c"
check "the example is in libzstore(3)" grep -q "zs_dataset_open" \
    "$TMP/checksums.c"
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$D"
flags=$(pkg-config --cflags --libs libzstore)
case $flags in
*"-I$D$prefix/include"*"-L$D$prefix/lib"*)
    ok "pkg-config points into DESTDIR" ;;
*) not_ok "pkg-config points into DESTDIR" "$flags" ;;
esac
# the compiler and flags of this build (a sanitizer build needs its
# -fsanitize flags to link a program against its library)
cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
cflags="$(sed -n 's/^CFLAGS = //p' "$top_builddir/Makefile") $(
    sed -n 's/^ZS_SAN = //p' "$top_builddir/Makefile")"
# shellcheck disable=SC2086
if ${cc:-cc} $cflags -o "$TMP/checksums" "$TMP/checksums.c" $flags \
        2>"$TMP/cc.err"; then
    ok "the example compiles and links against the installed library"
else
    not_ok "the example compiles and links against the installed library" \
        "$(cat "$TMP/cc.err")"
fi
nc2zarr -q "$S"/era5-monthly-split/*.nc -o "$TMP/e.zarr"
LD_LIBRARY_PATH=$D$prefix/lib "$TMP/checksums" "$TMP/e.zarr" \
    > "$TMP/lib.sha" 2>"$TMP/run.err"
check_eq "the example runs" "" "$(cat "$TMP/run.err")"
check "it uses the installed library" sh -c \
    "LD_LIBRARY_PATH='$D$prefix/lib' ldd '$TMP/checksums' |
     grep -q '$D$prefix/lib/libzstore'"
sort -k 2 "$TMP/lib.sha" > "$TMP/lib.sorted"
zinfo --checksum "$TMP/e.zarr" > "$TMP/zinfo.sha"
check "its checksums are zinfo --checksum's" \
    diff -u "$TMP/zinfo.sha" "$TMP/lib.sorted"
done_testing
