#!/usr/bin/python3
"""blocks_store.py OUT [--small] - write, with python3-zarr, a Zarr v2
store whose arrays span several of the 32 MiB blocks zinfo --checksum
reads at a time (the read-ahead of remote stores fetches the next block
while one is hashed), and print numpy's SHA-256 of each array's values
as zinfo --checksum prints it ("DIGEST  NAME").

  v  (20, 1024, 1024) float32, chunks of 2 steps: blocks of chunks 0-3,
     4-7, 8-9; chunk 6 is removed (read as the fill value, -1)
  w  (25, 1500, 1100) int16, chunks of 3 steps: a short last chunk
  x  (3, 40, 512, 512) float32, chunks (1, 10, ...): blocks along the
     second dimension, across the first

--small: v only, (12, 1024, 1024), no chunk removed (blocks 0-3, 4-5).
"""
import hashlib
import os
import sys

import numpy as np
import zarr

out, small = sys.argv[1], "--small" in sys.argv[2:]
g = zarr.open_group(out, mode="w")


def put(name, dims, shape, chunks, dtype, fill):
    n = int(np.prod(shape))
    vals = (np.arange(n, dtype=np.int64) * 7919 % 65521).astype(dtype)
    vals = vals.reshape(shape)
    a = g.create_dataset(name, shape=shape, chunks=chunks, dtype=dtype,
                         fill_value=fill)
    a[...] = vals
    a.attrs["_ARRAY_DIMENSIONS"] = dims
    return vals


arrays = [("v", put("v", ["t", "y", "x"], (12 if small else 20, 1024, 1024),
                    (2, 1024, 1024), "<f4", -1.0))]
if not small:
    arrays.append(("w", put("w", ["t2", "y2", "x2"], (25, 1500, 1100),
                            (3, 1500, 1100), "<i2", 0)))
    arrays.append(("x", put("x", ["a", "b", "y3", "x3"], (3, 40, 512, 512),
                            (1, 10, 512, 512), "<f4", 0.0)))
    os.remove(os.path.join(out, "v", "6.0.0"))
    arrays[0][1][12:14] = -1.0
zarr.consolidate_metadata(out)
for name, vals in arrays:
    print("%s  %s" % (hashlib.sha256(vals.tobytes()).hexdigest(), name))
