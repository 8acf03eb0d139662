#!/usr/bin/env python3
"""The model step of examples/era5-pipeline.sh: a linear model of the
target patches (y.npy) from the input patches (X.npy) that zbatch wrote,
fitted by streaming the samples through a PyTorch DataLoader (plain
slices when torch is absent), and its predictions as pred.npy, ready for
`zbatch --assemble`.

    era5-model.py BATCHES PRED.npy

The fit is least squares per value: target = sum_c a_c * channel_c + b,
with the channels standardised; the normal equations are summed in
float64 batch by batch, so memory does not grow with the samples.
"""
import sys

import numpy as np

BATCH = 64


def batches(x, y):
    """(X, y) pieces of BATCH samples, in order."""
    try:
        import torch
        from torch.utils.data import DataLoader, Dataset
    except ImportError:
        for i in range(0, len(x), BATCH):
            yield np.asarray(x[i:i + BATCH]), np.asarray(y[i:i + BATCH])
        return

    class Patches(Dataset):
        def __len__(self):
            return len(x)

        def __getitem__(self, i):
            return torch.from_numpy(np.array(x[i])), \
                torch.from_numpy(np.array(y[i]))

    for xb, yb in DataLoader(Patches(), batch_size=BATCH, shuffle=False):
        yield xb.numpy(), yb.numpy()


def features(xb, mean, std):
    """Samples as rows (one per value) of standardised channels and 1."""
    c = xb.shape[1]
    f = np.moveaxis(xb.astype(np.float64), 1, -1).reshape(-1, c)
    f = (f - mean) / std
    return np.hstack([f, np.ones((len(f), 1))])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: era5-model.py BATCHES PRED.npy")
    x = np.load(sys.argv[1] + "/X.npy", mmap_mode="r")
    y = np.load(sys.argv[1] + "/y.npy", mmap_mode="r")
    c = x.shape[1]
    # channel means and spreads, then the normal equations
    s1 = np.zeros(c)
    s2 = np.zeros(c)
    n = 0
    for xb, _ in batches(x, y):
        f = np.moveaxis(xb.astype(np.float64), 1, -1).reshape(-1, c)
        ok = np.isfinite(f).all(axis=1)
        s1 += f[ok].sum(axis=0)
        s2 += (f[ok] ** 2).sum(axis=0)
        n += ok.sum()
    mean = s1 / n
    std = np.sqrt(np.maximum(s2 / n - mean ** 2, 0)) + 1e-12
    ata = np.zeros((c + 1, c + 1))
    aty = np.zeros(c + 1)
    for xb, yb in batches(x, y):
        a = features(xb, mean, std)
        t = yb.astype(np.float64).reshape(-1)
        ok = np.isfinite(a).all(axis=1) & np.isfinite(t)
        ata += a[ok].T @ a[ok]
        aty += a[ok].T @ t[ok]
    w = np.linalg.solve(ata, aty)
    pred = np.lib.format.open_memmap(sys.argv[2], mode="w+",
                                     dtype=np.float32, shape=y.shape)
    i = 0
    for xb, yb in batches(x, y):
        p = features(xb, mean, std) @ w
        pred[i:i + len(xb)] = p.reshape(yb.shape).astype(np.float32)
        i += len(xb)
    pred.flush()
    print("model: target = %s + %.6g" % (
        " + ".join("%.6g * channel %d" % (w[k], k) for k in range(c)),
        w[c]), file=sys.stderr)


if __name__ == "__main__":
    main()
