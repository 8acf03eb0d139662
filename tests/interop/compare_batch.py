"""zbatch's samples against xbatcher's BatchGenerator (the peers' code in
../shared/oracles/python) on the same store.

Usage: compare_batch.py STORE OUT INDEX --input DIM=N,... [--overlap ...]
       [--batch ...] [--concat] --vars A,B [--target V]

OUT is the folder zbatch wrote (X.npy, y.npy), INDEX its --index CSV.
Every xbatcher batch is turned into zbatch's layout (samples, channels,
the store's dimension order) and compared value for value (exactly,
after the cast to the sample type, with values decoded in float64 as
zbatch decodes them; NaN where NaN), with the coordinate
labels of the index; the count of batches must equal len(generator).
Prints PASS or the first differences.
"""
import argparse
import csv
import os
import sys
import warnings

import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("ZS_ORACLES") or
                os.path.join(HERE, "../../../shared/oracles/python"))
sys.path.insert(0, HERE)
import xbatcher  # noqa: E402
from decode64 import open64  # noqa: E402

warnings.simplefilter("ignore")


def spec(text):
    out = {}
    for item in (text or "").split(","):
        if item:
            k, v = item.split("=")
            out[k] = int(v)
    return out


def label_equal(text, value):
    if text == "":
        return False
    if len(text) > 4 and text[4] == "-":
        return np.datetime64(text) == np.datetime64(value)
    if np.issubdtype(np.asarray(value).dtype, np.floating):
        return np.float32(float(text)) == np.float32(value)
    return int(text) == int(value)


def to_store_order(da, order, input_dims, concat):
    """An xbatcher batch variable as zbatch samples (S, store-order axes)."""
    suffix = "_input" if concat else ""
    inp = [d + suffix for d in input_dims]
    if "sample" in da.dims:
        levels = list(da.indexes["sample"].names)
        sizes = [len(np.unique(da.indexes["sample"].codes[i]))
                 for i in range(len(levels))]
        arr = da.transpose("sample", *inp).values
        arr = arr.reshape(sizes + [da.sizes[d] for d in inp])
        dims = levels + inp
    else:
        arr = da.values
        dims = list(da.dims)
    if concat:
        axes = [d for d in order if d in input_dims]
        lead = [d for d in dims if d not in inp]
        perm = [dims.index(d) for d in lead] + \
               [dims.index(d + suffix) for d in axes]
        arr = arr.transpose(perm)
        return arr.reshape((-1,) + arr.shape[len(lead):])
    perm = [dims.index(d) for d in order]
    return arr.transpose(perm)[np.newaxis]


def labels_of(b, var, order, input_dims, concat):
    """Per sample of the batch, the label of each dim at the start."""
    da = b[var]
    out = []
    if concat:
        n = da.sizes["sample"] if "sample" in da.dims else \
            da.sizes["input_batch"]
        idx = da.indexes["sample"] if "sample" in da.dims else None
        for s in range(n):
            row = {}
            for d in order:
                if d in input_dims:
                    c = b[d]
                    row[d] = c.values[s, 0] if c.ndim == 2 else c.values[0]
                elif idx is not None and d in idx.names:
                    row[d] = idx.get_level_values(d)[s]
                else:
                    row[d] = b[d].values[0]
            out.append(row)
        return out
    row = {}
    for d in order:
        if "sample" in da.dims and d in da.indexes["sample"].names:
            row[d] = da.indexes["sample"].get_level_values(d)[0]
        else:
            row[d] = b[d].values[0]
    return [row]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("out")
    ap.add_argument("index")
    ap.add_argument("--input", required=True)
    ap.add_argument("--overlap")
    ap.add_argument("--batch")
    ap.add_argument("--concat", action="store_true")
    ap.add_argument("--vars", required=True)
    ap.add_argument("--target")
    ap.add_argument("--dtype", default="float32")
    a = ap.parse_args()
    ds = open64(a.store)
    names = a.vars.split(",")
    targets = a.target.split(",") if a.target else []
    order = list(ds[names[0]].dims)
    inp = spec(a.input)
    gen = xbatcher.BatchGenerator(ds[names + targets], input_dims=inp,
                                  input_overlap=spec(a.overlap),
                                  batch_dims=spec(a.batch),
                                  concat_input_dims=a.concat)
    X = np.load(os.path.join(a.out, "X.npy"), mmap_mode="r")
    Y = np.load(os.path.join(a.out, "y.npy"), mmap_mode="r") \
        if targets else None
    with open(a.index) as f:
        rows = list(csv.DictReader(f))
    problems = []
    if len(rows) != X.shape[0]:
        problems.append("index has %d rows, X.npy %d" % (len(rows),
                                                         X.shape[0]))
    nb = len(set(r["batch"] for r in rows)) if a.concat else len(rows)
    if nb != len(gen):
        problems.append("%d batches (or patches), len(BatchGenerator) %d"
                        % (nb, len(gen)))
    row = 0
    for k, b in enumerate(gen):
        if len(problems) > 5:
            break
        want = [to_store_order(b[v], order, list(inp), a.concat)
                for v in names]
        n = want[0].shape[0]
        got = X[row:row + n]
        for c, w in enumerate(want):
            w = w.astype(a.dtype)
            if got.shape[0] != n or got[:, c].shape != w.shape:
                problems.append("batch %d: shape %s, xbatcher %s"
                                % (k, got[:, c].shape, w.shape))
                break
            if not np.array_equal(got[:, c], w, equal_nan=True):
                problems.append("batch %d channel %s: values differ (max "
                                "%g)" % (k, names[c], np.nanmax(
                                    np.abs(got[:, c] - w))))
        for t, v in enumerate(targets):
            w = to_store_order(b[v], order, list(inp),
                               a.concat).astype(a.dtype)
            if not np.array_equal(Y[row:row + n, t], w, equal_nan=True):
                problems.append("batch %d target %s differs" % (k, v))
        labs = labels_of(b, names[0], order, list(inp), a.concat)
        for s, lab in enumerate(labs):
            r = rows[row + s] if row + s < len(rows) else None
            for d in order:
                if r is None or not label_equal(r[d], lab[d]):
                    problems.append("batch %d sample %d: label of %s %s, "
                                    "xbatcher %s" % (k, s, d,
                                                     r and r[d], lab[d]))
                    break
            if a.concat and r is not None and int(r["batch"]) != k:
                problems.append("row %d: batch %s, xbatcher %d"
                                % (row + s, r["batch"], k))
        row += n
    if row != X.shape[0] and not problems:
        problems.append("xbatcher gives %d samples, X.npy %d"
                        % (row, X.shape[0]))
    if problems:
        print("FAIL")
        print("\n".join(problems[:10]))
        return 1
    print("PASS %d batches, %d samples" % (len(gen), row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
