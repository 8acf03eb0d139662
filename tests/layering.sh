#!/bin/sh
# The bodies of the context, a store, an array, and a dataset, group and
# variable are private to their layer (libzstore(3), LAYERS): each is
# defined in one private header, which only its layer includes (and, for
# the dataset, its NetCDF back-end), besides the white-box unit tests and
# fuzz targets.  This fails when a file above a layer includes its
# private header again, or when a body moves back into a shared header.
. "$srcdir/tests/lib/tap.sh"
cd "$srcdir" || exit 1

# includers HEADER ALLOWED-DIR...: the files including HEADER outside
# the allowed directories (none when the layering holds)
includers() {
    h=$1; shift
    grep -rl --include='*.[ch]' "#include \"$h\"" libzstore tools tests |
    while read -r f; do
        d=${f%/*}
        ok=no
        for a in "$@" tests/unit tests/fuzz; do
            [ "$d" = "$a" ] && ok=yes
        done
        [ $ok = no ] && echo "$f"
    done
}

for spec in "util/ctx_impl.h libzstore/util" \
            "store/store_impl.h libzstore/store" \
            "array/array_impl.h libzstore/array" \
            "dataset/dataset_impl.h libzstore/dataset libzstore/netcdf"; do
    set -- $spec
    h=$1
    check "$h exists" test -f "libzstore/$h"
    bad=$(includers "$@")
    if [ -z "$bad" ]; then
        ok "$h is included only by its layer"
    else
        not_ok "$h is included only by its layer" "included by:" "$bad"
    fi
done

for spec in "zs_ctx util/ctx_impl.h" "zs_store store/store_impl.h" \
            "zs_array array/array_impl.h" \
            "zs_dataset dataset/dataset_impl.h" \
            "zs_group dataset/dataset_impl.h" \
            "zs_var dataset/dataset_impl.h"; do
    set -- $spec
    where=$(grep -rl --include='*.[ch]' "^struct $1 {" libzstore tools)
    if [ "$where" = "libzstore/$2" ]; then
        ok "struct $1 is defined only in $2"
    else
        not_ok "struct $1 is defined only in $2" "defined in:" "$where"
    fi
done
done_testing
