#!/bin/sh
# Tar streams ("-" on stdin/stdout, NAME.tar files): every fixture store
# (tests/lib/fixtures.sh) tarred by GNU tar and Python's tarfile reads
# with the same checksums as its folder; what we write is read by GNU
# tar, Python's tarfile and then python3-zarr with the same values;
# metadata comes first and chunks in chunk order; streams that end early,
# hostile entry names, links and lying sizes are refused with a clear
# message.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/fixtures.sh"
S=$top_builddir/data-samples/out
# check_same DESC WANT GOT: check_eq, but an empty WANT (the reference
# step failed) is a failure, never a vacuous match of two empty outputs
check_same() {
    if [ -z "$2" ]; then not_ok "$1" "the reference output is empty"
    else check_eq "$@"; fi
}
cd "$TMP" || exit 1

# ---- fixtures written by others, tarred by others --------------------------
# every fixture store of tests/lib/fixtures.sh: the same checksums and the
# same refusals (messages without the store's name) as from its folder
msgs() { sed 's|^zinfo: [^:]*: ||' "$1" | sort; }
if [ -n "$SHARED" ]; then
    for root in $ZS_FIXTURE_ROOTS; do
        dir=$SHARED/zarr/$root
        zinfo --checksum "$dir" > want 2> err0
        [ -s want ] || { not_ok "$root: folder checksums" "$(cat err0)"
                         continue; }
        # from inside the folder (./x), from its parent (name/x), python
        tar -C "$dir" -cf - . | zinfo --checksum - > got1 2> err1
        tar -C "$(dirname "$dir")" -cf - "$(basename "$dir")" |
            zinfo --checksum - > got2 2> err2
        $PY -c 'import sys, tarfile
with tarfile.open(sys.argv[2], "w", format=tarfile.GNU_FORMAT) as t:
    t.add(sys.argv[1], arcname="store")' "$dir" py.tar
        zinfo --checksum py.tar > got3 2> err3
        msgs err0 > m0
        if cmp -s want got1 && cmp -s want got2 && cmp -s want got3 &&
           msgs err1 | cmp -s m0 - && msgs err2 | cmp -s m0 - &&
           msgs err3 | cmp -s m0 -; then
            ok "$root: same checksums and refusals from tar streams (GNU" \
               "tar from inside and from the parent, python GNU format)"
        else
            not_ok "$root: same checksums from tar streams" \
                "$(diff want got1; diff want got2; diff want got3;
                   cat err0 err1 err2 err3 | head -40)"
        fi
    done
    rm -f py.tar
else
    skip "../shared/data is absent"
fi

# ---- what we write -----------------------------------------------------------
nc2zarr -q -c time=6,latitude=16 "$S"/era5/*.nc -o era5.zarr
nc2zarr -q -j 2 -c time=6,latitude=16 "$S"/era5/*.nc -o - > j2.tar
nc2zarr -q -j 1 -c time=6,latitude=16 "$S"/era5/*.nc -o j1.tar
check "nc2zarr -j 1 to NAME.tar and -j 2 to stdout write the same entries" \
    sh -c 'tar tf j1.tar > n1 && tar tf j2.tar > n2 && cmp n1 n2'
check_same "checksums of -o - equal those of the folder" \
    "$(zinfo --checksum era5.zarr)" "$(zinfo --checksum - < j2.tar)"

# order: every metadata document before the first chunk; each array's
# chunks in C order of their indices
tar tf j2.tar > names
if awk -F/ '
    { b = $NF; meta = (b ~ /^\.z(group|attrs|array|metadata)$/) }
    meta && seen_chunk { bad = 1 }
    !meta { seen_chunk = 1 }
    END { exit bad }' names; then
    ok "metadata entries come before every chunk"
else
    not_ok "metadata entries come before every chunk" "$(head -30 names)"
fi
if grep -v '/\.z\|^\.z' names | awk -F/ '
    { a = $1; n = split($2, ix, ".")
      key = ""; for (i = 1; i <= n; i++) key = key sprintf("%08d", ix[i])
      if (a == last && key <= lastkey) bad = 1
      if (a != last && done[a]) bad = 1
      done[last] = 1; last = a; lastkey = key }
    END { exit bad }'; then
    ok "chunks of each array in chunk order, arrays one after another"
else
    not_ok "chunks in chunk order" "$(grep -v '/\.z' names | head -40)"
fi

mkdir x-gnu
tar -C x-gnu -xf j2.tar
$PY - j2.tar era5.zarr x-gnu > cmp.out 2>&1 <<'EOF'
import sys, tarfile, os, numpy as np, zarr
t = tarfile.open(sys.argv[1])
names = t.getnames()
assert len(names) == len(set(names)), "duplicate entries"
assert all(m.isfile() and m.mode == 0o644 for m in t.getmembers())
os.makedirs("x-py")
t.extractall("x-py")
a = zarr.open_consolidated(sys.argv[2], mode="r")
for d in ("x-py", sys.argv[3]):
    b = zarr.open_consolidated(d, mode="r")
    assert sorted(a.array_keys()) == sorted(b.array_keys())
    for k in a.array_keys():
        x, y = a[k][...], b[k][...]
        assert x.dtype == y.dtype and x.shape == y.shape, k
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), k
        assert dict(a[k].attrs) == dict(b[k].attrs), k
print("PASS", len(names), "entries")
EOF
if grep -q '^PASS' cmp.out; then
    ok "GNU tar and python tarfile extract our stream; python3-zarr reads" \
       "the same values and attributes as from the folder"
else
    not_ok "our stream read by tar, tarfile and python3-zarr" "$(cat cmp.out)"
fi

check_fail "NAME.tar exists: refused without --overwrite" 1 "exists" \
    nc2zarr -q "$S"/era5/*.nc -o j1.tar
check "zinfo - describes a stream" sh -c \
    'zinfo - < j2.tar | grep -q "t2m .*int16"'

# a stream read out of order, in little memory: spilled, still exact
$PY - j2.tar rev.tar <<'EOF'
import sys, tarfile
src = tarfile.open(sys.argv[1])
ms = src.getmembers()
meta = [m for m in ms if m.name.split("/")[-1].startswith(".z")]
rest = [m for m in ms if m not in meta]
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as out:
    for m in meta + rest[::-1]:
        out.addfile(m, src.extractfile(m))
EOF
check_same "a stream with chunks in reverse order, 1 KiB of memory: exact" \
    "$(zinfo --checksum era5.zarr)" \
    "$(ZSTORE_STREAM_MEMORY=1k zinfo --checksum - < rev.tar)"

# ---- streams that end early, hostile entries -----------------------------------
size=$(wc -c < j2.tar)
# the writer stopped between two entries: the last chunk and the
# end-of-archive blocks are missing
cut=$($PY -c 'import sys, tarfile
print(tarfile.open(sys.argv[1]).getmembers()[-1].offset)' j2.tar)
head -c "$cut" j2.tar > notrailer.tar
head -c $((size / 2)) j2.tar > half.tar
check_fail "a stream that stops between two entries is refused" 1 \
    "truncated tar stream \\(no end-of-archive" sh -c 'zinfo --checksum - < notrailer.tar'
check_fail "a stream cut in the middle of an entry is refused" 1 \
    "truncated|damaged" sh -c 'zinfo --checksum - < half.tar'
check_fail "zmean of a cut stream fails and writes nothing" 1 \
    "truncated|damaged" sh -c 'zmean - -o cut.zarr < half.tar'
check "... no output store, no partial store" \
    sh -c '! test -e cut.zarr && ! test -e cut.zarr.partial'
check_fail "not a tar stream" 1 "-: not a tar stream" \
    sh -c 'echo garbage | zinfo -'
check_fail "an empty input" 1 "-: not a tar stream|not a Zarr" \
    sh -c 'zinfo - < /dev/null'

$PY - <<'EOF'
import io, tarfile
def entry(t, name, data=b"x", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name); i.size = len(data); i.type = kind
    i.linkname = link
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
for tag, name in (("dotdot", "../evil"), ("abs", "/tmp/evil"),
                  ("inner", "a/../../evil"), ("bslash", "a\\..\\evil")):
    with tarfile.open(tag + ".tar", "w", format=tarfile.PAX_FORMAT) as t:
        entry(t, ".zgroup", b'{"zarr_format": 2}')
        entry(t, name)
with tarfile.open("symlink.tar", "w") as t:
    entry(t, ".zgroup", b'{"zarr_format": 2}')
    entry(t, "x", kind=tarfile.SYMTYPE, link="/etc/passwd")
with tarfile.open("hardlink.tar", "w") as t:
    entry(t, ".zgroup", b'{"zarr_format": 2}')
    entry(t, "x", kind=tarfile.LNKTYPE, link=".zgroup")
with tarfile.open("dup.tar", "w") as t:
    entry(t, ".zgroup", b'{"zarr_format": 2}')
    entry(t, ".zgroup", b'{"zarr_format": 2}')
# a header announcing 8 GiB (octal size field) followed by 1 KiB
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
    entry(t, ".zgroup", b'{"zarr_format": 2}')
    entry(t, "huge", b"y" * 1024)
raw = bytearray(b.getvalue())
h = 1024   # second header
raw[h + 124:h + 136] = b"%011o\0" % (8 << 30)
raw[h + 148:h + 156] = b"        "
raw[h + 148:h + 156] = b"%06o\0 " % sum(raw[h:h + 512])
open("huge.tar", "wb").write(bytes(raw[:h + 512 + 1024]))
EOF
for t in dotdot abs inner bslash; do
    check_fail "hostile entry name ($t) refused" 1 "unsafe name|absolute" \
        sh -c "zinfo - < $t.tar"
done
check "... and nothing was written outside" sh -c '! test -e ../evil && ! test -e /tmp/evil'
check_fail "a symbolic link entry is refused" 1 "not a regular file" \
    sh -c 'zinfo - < symlink.tar'
check_fail "a hard link entry is refused" 1 "not a regular file" \
    sh -c 'zinfo - < hardlink.tar'
check_fail "a key twice in a stream is refused" 1 "appears twice" \
    sh -c 'zinfo - < dup.tar'
check_fail "an entry announcing 8 GiB with 1 KiB of data: truncated" 1 \
    "truncated|damaged" sh -c 'zinfo - < huge.tar'

done_testing
