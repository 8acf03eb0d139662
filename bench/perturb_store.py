"""Write a copy of a Zarr v2 store whose packed integer variables carry
deterministic noise (a second, bench-sized store to score against the
first: the same coordinates, encodings and chunks).  Chunk by chunk, in
bounded memory, with python3-zarr.

Usage: perturb_store.py SRC DST [AMPLITUDE]   (raw integer units, default 40)
"""
import sys

import numpy as np
import zarr

src, dst = sys.argv[1], sys.argv[2]
amp = int(sys.argv[3]) if len(sys.argv) > 3 else 40
a = zarr.open_group(zarr.DirectoryStore(src), mode="r")
b = zarr.open_group(zarr.DirectoryStore(dst), mode="w")
b.attrs.update(a.attrs.asdict())
rng = np.random.default_rng(2021)
for name, arr in a.arrays():
    out = b.create(name, shape=arr.shape, chunks=arr.chunks,
                   dtype=arr.dtype, compressor=arr.compressor,
                   fill_value=arr.fill_value, filters=arr.filters)
    out.attrs.update(arr.attrs.asdict())
    if arr.ndim < 2 or arr.dtype.kind != "i":
        out[...] = arr[...]
        continue
    step = arr.chunks[0]
    for t in range(0, arr.shape[0], step):
        x = arr[t:t + step]
        noise = rng.integers(-amp, amp + 1, size=x.shape, dtype=np.int32)
        y = np.clip(x.astype(np.int32) + noise, -32766, 32767)
        y[x == arr.fill_value] = arr.fill_value
        out[t:t + step] = y.astype(arr.dtype)
zarr.consolidate_metadata(zarr.DirectoryStore(dst))
