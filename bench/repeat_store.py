"""Make a store FACTOR times longer along time from a consolidated Zarr v2
store written by nc2zarr, by repeating its chunk files: the same values
FACTOR times over, with a time coordinate that goes on at the same step.
Every array whose first dimension is time must have whole time chunks
(length a multiple of its time chunk), so that copies start on a chunk
boundary.  The chunk files are real copies (not links): a store larger
than the page cache must be read from disk.  The metadata is rewritten
by python3-zarr.  Usage: repeat_store.py BASE OUT FACTOR
"""
import json
import os
import shutil
import sys

import numpy as np
import zarr


def time_arrays(meta):
    """Names of the arrays whose first dimension is time, with .zarray."""
    out = {}
    for key, val in meta["metadata"].items():
        if not key.endswith("/.zattrs"):
            continue
        name = key[: -len("/.zattrs")]
        dims = val.get("_ARRAY_DIMENSIONS", [])
        if dims and dims[0] == "time":
            out[name] = meta["metadata"][name + "/.zarray"]
    return out


def copy_chunks(base, out, name, zarray, factor):
    n, c = zarray["shape"][0], zarray["chunks"][0]
    if n % c:
        sys.exit("repeat_store.py: %s: %d steps are not whole chunks of %d"
                 % (name, n, c))
    sep = zarray.get("dimension_separator", ".")
    if sep != ".":
        sys.exit("repeat_store.py: %s: only '.' separators" % name)
    nchunks = n // c
    src = os.path.join(base, name)
    keys = [k for k in os.listdir(src) if not k.startswith(".")]
    for k in range(1, factor):
        for key in keys:
            first, _, rest = key.partition(".")
            new = str(int(first) + k * nchunks) + ("." + rest if rest else "")
            shutil.copyfile(os.path.join(src, key),
                            os.path.join(out, name, new))


def main():
    base, out, factor = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if os.path.exists(out):
        sys.exit("repeat_store.py: %s exists" % out)
    with open(os.path.join(base, ".zmetadata")) as f:
        meta = json.load(f)
    arrays = time_arrays(meta)
    if "time" not in arrays:
        sys.exit("repeat_store.py: %s has no time coordinate" % base)
    shutil.copytree(base, out)
    for name, zarray in arrays.items():
        if name != "time":
            copy_chunks(base, out, name, zarray, factor)
    g = zarr.open_group(out, mode="r+")
    t = g["time"][:]
    step = t[1] - t[0]
    n = len(t)
    for name in arrays:
        a = g[name]
        a.resize((n * factor,) + a.shape[1:])
    g["time"][:] = (t[0] + step * np.arange(n * factor)).astype(t.dtype)
    zarr.consolidate_metadata(out)


if __name__ == "__main__":
    main()
