"""Check zplot --ascii (one cell a column) against matplotlib's colours.

compare_ascii.py TEXT STORE VAR: every upper half block's foreground is
the xterm 256-colour index (6x6x6 cube, the nearest level per channel)
of matplotlib's colour of the cell of an even row, its background that
of the cell below; missing cells grey.  viridis, data limits.
"""
import re
import sys

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import xarray as xr

LEVELS = np.array([0, 95, 135, 175, 215, 255])


def xterm(rgb):
    idx = [int(np.argmin(np.abs(LEVELS - c))) for c in rgb]
    return 16 + 36 * idx[0] + 6 * idx[1] + idx[2]


def main():
    text, store, var = sys.argv[1:4]
    da = xr.open_zarr(store)[var]
    da = da.sortby(da.dims[0], ascending=False).sortby(da.dims[1])
    v = da.values.astype(np.float64)
    n = mcolors.Normalize(np.nanmin(v), np.nanmax(v))(v)
    rgb = matplotlib.colormaps["viridis"](n, bytes=True)[..., :3].copy()
    rgb[np.isnan(v)] = (153, 153, 153)
    lines = open(text, encoding="utf-8").read().splitlines()[:-1]
    cells = re.compile("\x1b\\[38;5;(\\d+)m\x1b\\[48;5;(\\d+)m\u2580")
    bad = 0
    for r, line in enumerate(lines):
        got = [(int(a), int(b)) for a, b in cells.findall(line)]
        want = [(xterm(rgb[2 * r, c]), xterm(rgb[2 * r + 1, c]))
                for c in range(v.shape[1])]
        bad += sum(g != w for g, w in zip(got, want)) + \
            abs(len(got) - len(want))
    if bad or 2 * len(lines) != v.shape[0]:
        sys.exit("%d cells differ (%d lines for %d rows)" % (
            bad, len(lines), v.shape[0]))
    print("%d cells in ANSI 256 colours equal matplotlib's" % v.size)


main()
