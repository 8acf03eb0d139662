"""Independent makers and checkers of zip stores for tests/interop/zip.sh,
built on Python's zipfile, python3-zarr and xarray (never on zstore).

Usage:
  zip_oracle.py make SRC OUT stored|deflated within|parent|dot
      zip the folder SRC as Python's zipfile would: from inside it
      (names relative to SRC), from its parent (names start with its
      basename) or from inside with "./" before every name
  zip_oracle.py dup SRC OUT KEY
      zip SRC from inside, with a first, garbage entry named KEY before
      the real one (the last entry of a name must win)
  zip_oracle.py evil OUT NAME...
      a small store (.zgroup) plus one entry for each NAME, as given
  zip_oracle.py patch IN OUT usize|lho FACTOR [stored]
      copy IN to OUT with the central-directory field of its first
      deflated (or stored) chunk entry multiplied by FACTOR (a lying
      header); prints the entry's name
  zip_oracle.py check ZIP [MIN_ENTRIES]
      what a writer of ours must produce: zipfile.testzip() passes, every
      entry STORED, UTF-8 flag set, names unique, valid dates; with
      MIN_ENTRIES, at least that many entries and ZIP64 end records
  zip_oracle.py compare ZIP FOLDER [ATTR...]
      python3-zarr (zarr.ZipStore + open_consolidated) and xarray
      (open_zarr on a ZipStore) read the same values from ZIP as from
      FOLDER (group attributes ATTR, such as a history naming the
      output, may differ)
  zip_oracle.py digests FOLDER
      "SHA256 DTYPE SHAPE PATH" of every array of the folder, from
      python3-zarr (raw values, C order, little-endian)
Prints PASS on success, else what differs (exit status 1).
"""
import hashlib
import os
import shutil
import struct
import sys
import zipfile


def walk(src):
    """(relative folder names, relative file names) below src, sorted."""
    dirs, files = [], []
    for top, dn, fn in os.walk(src):
        dn.sort()
        rel = os.path.relpath(top, src)
        rel = "" if rel == "." else rel + "/"
        dirs.extend(rel + d + "/" for d in dn)
        files.extend(rel + f for f in sorted(fn))
    return dirs, files


def make(src, out, method, how):
    comp = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
    pre = {"within": "", "dot": "./",
           "parent": os.path.basename(os.path.normpath(src)) + "/"}[how]
    dirs, files = walk(src)
    with zipfile.ZipFile(out, "w", comp) as z:
        if how == "parent":
            z.write(src, pre)
        for d in dirs:
            z.write(os.path.join(src, d), pre + d)
        for f in files:
            z.write(os.path.join(src, f), pre + f)


def dup(src, out, key):
    _, files = walk(src)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(key, b"garbage, superseded by the entry below")
        for f in files:
            z.write(os.path.join(src, f), f)


def evil(out, names):
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(".zgroup", '{"zarr_format": 2}')
        for n in names:
            z.writestr(zipfile.ZipInfo(n), b"pwned")


def patch(src, out, field, factor, method="deflated"):
    shutil.copyfile(src, out)
    with zipfile.ZipFile(src) as z:
        infos = z.infolist()
    comp = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
    victim = next(i for i in infos if i.compress_type == comp and
                  not os.path.basename(i.filename).startswith(".") and
                  not i.filename.endswith("/"))
    data = bytearray(open(out, "rb").read())
    # the central record of the victim: signature, then its name at 46
    name = victim.filename.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n] == name:
            break
        at += 4
    off = {"usize": 24, "lho": 42}[field]
    old = struct.unpack_from("<I", data, at + off)[0]
    struct.pack_into("<I", data, at + off,
                     min(int(old * factor), 0xfffffffe))
    open(out, "wb").write(data)
    print(victim.filename)


def check(path, min_entries=None):
    bad = []
    with zipfile.ZipFile(path) as z:
        first = z.testzip()
        if first is not None:
            bad.append("testzip: bad CRC or header in %s" % first)
        infos = z.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            bad.append("duplicate names")
        for i in infos:
            if i.compress_type != zipfile.ZIP_STORED:
                bad.append("%s: compression %d, not STORED" %
                           (i.filename, i.compress_type))
            if not i.flag_bits & 0x800:
                bad.append("%s: UTF-8 flag not set" % i.filename)
            if i.flag_bits & 0x8:
                bad.append("%s: data descriptor" % i.filename)
            y, mo, d, h, mi, s = i.date_time
            if not (1980 <= y and 1 <= mo <= 12 and 1 <= d <= 31 and
                    h < 24 and mi < 60 and s < 60):
                bad.append("%s: date %r" % (i.filename, i.date_time))
    if min_entries is not None:
        if len(infos) < min_entries:
            bad.append("%d entries, wanted at least %d" %
                       (len(infos), min_entries))
        tail = open(path, "rb").read()[-(22 + 20 + 56):]
        if not (tail.startswith(b"PK\x06\x06") and b"PK\x06\x07" in tail):
            bad.append("no ZIP64 end records")
    return bad


def same_array(a, b, name):
    import numpy as np
    x, y = a[...], b[...]
    if x.dtype != y.dtype or x.shape != y.shape:
        return ["%s: %s%s vs %s%s" % (name, x.dtype, x.shape, y.dtype,
                                        y.shape)]
    if x.dtype.kind == "f":
        same = np.array_equal(x, y, equal_nan=True)
    else:
        same = np.array_equal(x, y)
    if not same:
        return ["%s: values differ" % name]
    if dict(a.attrs) != dict(b.attrs):
        return ["%s: attributes differ" % name]
    return []


def without(attrs, skip):
    return {k: v for k, v in dict(attrs).items() if k not in skip}


def compare(zpath, folder, skip=()):
    import xarray as xr
    import zarr
    bad = []
    zs = zarr.ZipStore(zpath, mode="r")
    gz = zarr.open_consolidated(zs, mode="r")
    gf = zarr.open_consolidated(folder, mode="r")
    kz = sorted(k for k, _ in gz.arrays(recurse=True)) \
        if hasattr(gz, "arrays") else []
    kf = sorted(k for k, _ in gf.arrays(recurse=True)) \
        if hasattr(gf, "arrays") else []
    if kz != kf or not kz:
        bad.append("arrays: %s vs %s" % (kz, kf))
    for k in kz:
        if k in kf:
            bad += same_array(gz[k], gf[k], "zarr " + k)
    if without(gz.attrs, skip) != without(gf.attrs, skip):
        bad.append("group attributes differ")
    zs.close()
    zs = zarr.ZipStore(zpath, mode="r")
    try:
        dz = xr.open_zarr(zs).load()
        df = xr.open_zarr(folder).load()
        dz.attrs = without(dz.attrs, skip)
        df.attrs = without(df.attrs, skip)
        xr.testing.assert_identical(dz, df)
    except AssertionError as e:
        bad.append("xarray: %s" % str(e)[:2000])
    finally:
        zs.close()
    return bad


def digests(folder):
    import numpy as np
    import zarr
    g = zarr.open_group(folder, mode="r")
    for k, a in sorted(g.arrays(recurse=True)):
        try:
            v = np.ascontiguousarray(a[...])
        except Exception as e:  # codecs python3-zarr lacks
            print("SKIP %s %s" % (k, type(e).__name__))
            continue
        if v.dtype.kind in "OUSV":
            continue
        if v.dtype.byteorder == ">":
            v = v.byteswap().view(v.dtype.newbyteorder("<"))
        print("%s %s %s %s" % (hashlib.sha256(v.tobytes()).hexdigest(),
                               v.dtype.str.lstrip("<|="),
                               "x".join(map(str, v.shape)) or "scalar", k))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    bad = []
    if cmd in ("make", "dup", "evil"):
        if cmd == "make":
            make(*args)
        elif cmd == "dup":
            dup(*args)
        else:
            evil(args[0], args[1:])
        return 0
    elif cmd == "patch":
        patch(args[0], args[1], args[2], float(args[3]), *args[4:])
        return 0
    elif cmd == "check":
        bad = check(args[0], int(args[1]) if len(args) > 1 else None)
    elif cmd == "compare":
        bad = compare(args[0], args[1], args[2:])
    elif cmd == "digests":
        digests(args[0])
        return 0
    else:
        sys.exit("zip_oracle.py: unknown command " + cmd)
    for b in bad:
        print(b)
    if not bad:
        print("PASS")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
