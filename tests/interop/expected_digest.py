"""Expected SHA-256 digests of the fixture arrays in ../shared/data/zarr,
computed from the values an independent reader (zarrita.js) recorded in
expected/*.json.

Where the recorded sha256_raw_C_le is null (strings, bool), the digest is
computed here from the recorded values, with the encoding zinfo(1)
documents for --checksum: fixed-width bytes padded with NULs, fixed-width
unicode as UTF-32LE padded to the width, bool as one byte 0/1, and
variable-length strings as a 4-byte little-endian length then the UTF-8
bytes.

Usage: expected_digest.py SHARED_ZARR_DIR  -> prints "DIGEST  ARRAYPATH"
for every array of INVENTORY.tsv whose expected values are known, and
"SKIP  ARRAYPATH  reason" for the others.
"""
import hashlib
import json
import os
import struct
import sys


def digest(meta, fmt):
    if meta.get("sha256_raw_C_le"):
        return meta["sha256_raw_C_le"]
    dt = meta["dtype"]
    data = meta["data"]
    h = hashlib.sha256()
    if dt == "bool":
        for v in data:
            h.update(b"\x01" if v else b"\x00")
    elif dt.startswith("v2:S"):
        w = int(dt[4:])
        for v in data:
            b = v.encode("latin-1")
            h.update(b + b"\x00" * (w - len(b)))
    elif dt.startswith("v2:U"):
        w = int(dt[4:])
        for v in data:
            b = v.encode("utf-32-le")
            h.update(b + b"\x00" * (4 * w - len(b)))
    elif dt in ("v2:object", "string"):
        for v in data:
            b = v.encode("utf-8")
            h.update(struct.pack("<I", len(b)) + b)
    else:
        return None
    return h.hexdigest()


def zarr_digest(top, path):
    """Digest from python3-zarr (v2 only), when every chunk is present.
    NumPy's bytes are already the encoding zinfo(1) documents for bool,
    fixed-width bytes (NUL-padded) and fixed-width unicode (UTF-32,
    made little-endian below); object and structured arrays have none."""
    try:
        import numpy as np
        import zarr
    except ImportError:
        return None
    a = zarr.open_array(os.path.join(top, path), mode="r")
    if a.nchunks_initialized < a.nchunks or a.dtype.kind in "OV":
        return None
    v = np.ascontiguousarray(a[...])
    if v.dtype.byteorder == ">" or (v.dtype.byteorder == "=" and
                                    sys.byteorder == "big"):
        v = v.byteswap().view(v.dtype.newbyteorder("<"))
    return hashlib.sha256(v.tobytes()).hexdigest()


def main():
    top = sys.argv[1]
    with open(os.path.join(top, "INVENTORY.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f][1:]
    for row in rows:
        path, fmt, codecs, fill = row[0], row[1], row[3], row[6]
        exp = os.path.join(top, "expected", path + ".json")
        refused = [c for c in ("json2",) if c + "(" in codecs]
        if refused:
            print("REFUSE  %s  %s" % (path, refused[0]))
            continue
        if not os.path.exists(exp):
            d = zarr_digest(top, path) if fmt == "v2" else None
            if d:
                print("%s  %s" % (d, path))
            else:
                print("SKIP  %s  no expected values" % path)
            continue
        with open(exp) as f:
            meta = json.load(f)
        if fill == "fill=None" and not meta.get("sha256_raw_C_le"):
            print("SKIP  %s  fill_value is null" % path)
            continue
        d = digest(meta, fmt)
        if d is None:
            print("SKIP  %s  dtype %s" % (path, meta["dtype"]))
        else:
            print("%s  %s" % (d, path))


main()
