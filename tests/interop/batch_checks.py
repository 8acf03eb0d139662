"""Checks of zbatch's outputs that need no xbatcher: the documented
shuffle reimplemented here, PyTorch DataLoaders over X.npy and over the
tar stream against xarray's isel of the same windows, the npz and tar
formats against X.npy, missing values, padding and assembling.

Usage: batch_checks.py CHECK ARGS...  (see each function); prints PASS
or FAIL with the reason, exit status 0 or 1.
"""
import csv
import glob
import io
import os
import sys
import tarfile
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decode64 import open64  # noqa: E402

warnings.simplefilter("ignore")
M64 = (1 << 64) - 1


def splitmix64(state):
    """SplitMix64 as zbatch(1) documents it: (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def fisher_yates(a, state):
    for i in range(len(a) - 1, 0, -1):
        state, r = splitmix64(state)
        j = r % (i + 1)
        a[i], a[j] = a[j], a[i]
    return state


def documented_order(n, seed):
    """The order of n units without windows."""
    a = list(range(n))
    fisher_yates(a, seed)
    return a


def read_index(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def fail(msg):
    print("FAIL " + msg)
    return 1


def check_shuffle(plain_idx, plain_x, shuf_idx, shuf_x, seed, window="0",
                  chunk="0", dim="", length="0", concat="0"):
    """The shuffled run's units are the documented order of the plain
    run's units (patches; with concat batches), every sample there
    exactly once, its values moved with it."""
    plain, shuf = read_index(plain_idx), read_index(shuf_idx)
    xp, xs = np.load(plain_x), np.load(shuf_x)
    unit_of = {}
    for r in plain:
        unit_of[r["patch"]] = int(r["batch"] if concat == "1"
                                  else r["patch"])
    first = {}
    for r in plain:
        first.setdefault(unit_of[r["patch"]], r)
    units = sorted(first)
    wins = None
    if int(window):
        span = int(window) * int(chunk)
        nw = (int(length) + span - 1) // span
        wins = [int(first[u][dim + "_start"]) // span for u in units]
        assert max(wins) < nw
        # empty windows at the end take part in the shuffle of windows
        order = documented_order_windows(units, wins, nw, int(seed))
    else:
        order = [units[i] for i in documented_order(len(units), int(seed))]
    seen = []
    for r in shuf:
        u = unit_of[r["patch"]]
        if not seen or seen[-1] != u:
            seen.append(u)
    if seen != order:
        return fail("order %s..., documented %s..." % (seen[:8], order[:8]))
    if sorted(int(r["patch"]) for r in shuf) != \
            sorted(int(r["patch"]) for r in plain):
        return fail("the patches are not each there once")
    rowmap, used = {}, {}
    for i, r in enumerate(plain):
        rowmap.setdefault(r["patch"], []).append(i)
    for i, r in enumerate(shuf):
        k = used.get(r["patch"], 0)
        j = rowmap[r["patch"]][k]
        used[r["patch"]] = k + 1
        if not np.array_equal(xs[i], xp[j], equal_nan=True):
            return fail("row %d is not plain row %d" % (i, j))
    print("PASS %d units in the documented order" % len(order))
    return 0


def documented_order_windows(units, wins, nw, seed):
    """Windows shuffled, then the units of each window shuffled, one
    generator for both."""
    wl = list(range(nw))
    state = fisher_yates(wl, seed)
    out = []
    for w in wl:
        mine = [u for u, x in zip(units, wins) if x == w]
        state = fisher_yates(mine, state)
        out.extend(mine)
    return out


def isel_of(row, dims, flat=()):
    sel = {}
    for d in dims:
        if d in flat:
            sel[d] = int(row[d + "_index"])
        else:
            sel[d] = slice(int(row[d + "_start"]), int(row[d + "_stop"]))
    return sel


def expected(store, index, names):
    """What xarray gives for each row of the index: (N, C, ...)."""
    ds = open64(store)
    rows = read_index(index)
    dims = list(ds[names[0]].dims)
    flat = [d for d in dims if (d + "_index") in rows[0]]
    out = []
    for r in rows:
        s = isel_of(r, dims, flat)
        out.append(np.stack([ds[v].isel(s).values for v in names]))
    return np.stack(out).astype("float32")


def check_loader(store, out, index, names):
    """A torch DataLoader over X.npy reads what xarray's isel gives."""
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Patches(Dataset):
        def __init__(self, path):
            self.x = np.load(path, mmap_mode="r")

        def __len__(self):
            return self.x.shape[0]

        def __getitem__(self, i):
            return torch.from_numpy(np.array(self.x[i]))

    got = torch.cat([b for b in DataLoader(Patches(out + "/X.npy"),
                                           batch_size=16)]).numpy()
    want = expected(store, index, names.split(","))
    if got.shape != want.shape or not np.array_equal(got, want,
                                                     equal_nan=True):
        return fail("DataLoader over X.npy: %s vs xarray %s"
                    % (got.shape, want.shape))
    print("PASS DataLoader over X.npy: %s" % (got.shape,))
    return 0


def check_tar_loader(store, tarpath, index, names, bs):
    """A torch DataLoader over the tar stream (read as a pipe, as
    training would) reads what xarray's isel gives."""
    import torch
    from torch.utils.data import DataLoader, IterableDataset

    class Stream(IterableDataset):
        def __init__(self, f):
            self.f = f

        def __iter__(self):
            with tarfile.open(fileobj=self.f, mode="r|") as t:
                for m in t:
                    if m.name.endswith(".x.npy"):
                        yield m.name, torch.from_numpy(
                            np.load(io.BytesIO(t.extractfile(m).read())))

    names_seen, parts = [], []
    with open(tarpath, "rb") as f:
        for name, x in DataLoader(Stream(f), batch_size=None):
            names_seen.append(name)
            parts.append(x)
    got = torch.cat(parts).numpy()
    want = expected(store, index, names.split(","))
    n = len(parts)
    if names_seen != ["%06d.x.npy" % i for i in range(n)]:
        return fail("member names %s" % names_seen[:3])
    if any(p.shape[0] != int(bs) for p in parts[:-1]):
        return fail("batches of other sizes than %s" % bs)
    if got.shape != want.shape or not np.array_equal(got, want,
                                                     equal_nan=True):
        return fail("DataLoader over the tar stream: %s vs %s"
                    % (got.shape, want.shape))
    print("PASS DataLoader over the tar stream: %d members" % n)
    return 0


def check_npz(folder, x, bs, has_y="0"):
    files = sorted(glob.glob(folder + "/*.npz"))
    X = np.load(x)
    parts = [np.load(f) for f in files]
    if [os.path.basename(f) for f in files] != \
            ["%06d.npz" % i for i in range(len(files))]:
        return fail("npz names")
    if len(files) != (X.shape[0] + int(bs) - 1) // int(bs):
        return fail("%d files for %d samples" % (len(files), X.shape[0]))
    got = np.concatenate([p["x"] for p in parts])
    if not np.array_equal(got, X, equal_nan=True):
        return fail("npz x differs from X.npy")
    if has_y == "1" and "y" not in parts[0]:
        return fail("no y in the npz")
    print("PASS %d npz files" % len(files))
    return 0


def check_nan(plain_x, idx, kept_x, kept_idx, max_nan, nvars):
    """Samples with more missing values than max_nan are left out, the
    others kept in order."""
    X, K = np.load(plain_x), np.load(kept_x)
    n = int(nvars)
    frac = np.isnan(X[:, :n]).reshape(X.shape[0], -1).mean(axis=1)
    keep = frac <= float(max_nan)
    if not np.array_equal(K, X[keep], equal_nan=True):
        return fail("kept %d samples, want %d" % (K.shape[0], keep.sum()))
    print("PASS %d of %d samples kept, %d dropped" % (K.shape[0], X.shape[0],
                                                      (~keep).sum()))
    return 0


def check_fill(plain_x, filled_x, value, nvars):
    X, F = np.load(plain_x), np.load(filled_x)
    n = int(nvars)
    want = np.where(np.isnan(X[:, :n]), np.float32(value), X[:, :n])
    mask = (~np.isnan(X[:, :n])).astype("float32")
    if F.shape[1] != 2 * n or not np.array_equal(F[:, :n], want) or \
            not np.array_equal(F[:, n:], mask):
        return fail("filled values or masks differ")
    print("PASS filled with %s, %d mask channels" % (value, n))
    return 0


def check_assemble(store, asm, names, covered_only="1"):
    """The assembled identity prediction gives the input back wherever a
    patch covered it, NaN elsewhere (or everywhere with padding)."""
    import xarray as xr
    ds = open64(store)
    a = xr.open_zarr(asm)
    for v in names.split(","):
        want = ds[v].values.astype("float32")
        got = a[v].values
        cov = ~np.isnan(got)
        if got.shape != want.shape:
            return fail("%s: shape %s, want %s" % (v, got.shape, want.shape))
        if not np.array_equal(got[cov], want[cov], equal_nan=True):
            return fail("%s: assembled values differ" % v)
        if covered_only == "0" and not np.array_equal(
                got, want, equal_nan=True):
            return fail("%s: not everywhere" % v)
        for d in ds[v].dims:
            if d in ds.coords and not np.array_equal(a[d].values,
                                                     ds[d].values):
                return fail("coordinate %s differs" % d)
        if a[v].attrs.get("units") != ds[v].attrs.get("units"):
            return fail("%s: units %s" % (v, a[v].attrs.get("units")))
    print("PASS assembled %s: %.1f%% covered" % (names, 100.0 * cov.mean()))
    return 0


def check_pad(x, idx, dim, length):
    """Padded windows reach past the end and hold NaN there."""
    rows = read_index(idx)
    X = np.load(x)
    stops = [int(r[dim + "_stop"]) for r in rows]
    if max(stops) <= int(length):
        return fail("no window past the end of %s" % dim)
    print("PASS windows of %s up to %d (length %s)" % (dim, max(stops),
                                                       length))
    return 0 if X.shape[0] == len(rows) else fail("rows")


if __name__ == "__main__":
    fn = globals()["check_" + sys.argv[1]]
    sys.exit(fn(*sys.argv[2:]))
