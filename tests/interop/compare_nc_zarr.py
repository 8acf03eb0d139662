"""Compare NetCDF input(s) with a Zarr store written by nc2zarr, using only
independent readers: xarray (decoded), netCDF4 and python3-zarr (raw).

Usage: compare_nc_zarr.py STORE NC [NC...] [--unpack] [--raw]
With several NC files they are opened with xarray.open_mfdataset (by
coordinates).  --raw compares only raw values (netCDF4 and python3-zarr),
for inputs xarray cannot open.  A variable missing from the store is a
failure unless its type has no Zarr v2 equivalent.  Prints one line per
check: "PASS what", "FAIL what: why" or
"SKIP what: why".

Known, documented difference (zstore(5)): attribute values that are NaN or
infinite are written as the strings "NaN", "Infinity", "-Infinity", since
JSON has no literal for them; they are turned back into floats here
before comparing.
"""
import math
import sys
import warnings

import numpy as np
import xarray as xr

warnings.simplefilter("ignore")
args = [a for a in sys.argv[1:] if not a.startswith("--")]
unpack = "--unpack" in sys.argv
raw_only = "--raw" in sys.argv
store, ncs = args[0], args[1:]
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def say(status, what, why=""):
    print("%s %s%s" % (status, what, ": " + why if why else ""))
    sys.stdout.flush()


def unspecial(v):
    if isinstance(v, str) and v in SPECIAL:
        return SPECIAL[v]
    if isinstance(v, list):
        return [unspecial(x) for x in v]
    return v


def fix_attrs(ds):
    for var in [ds] + [ds[k] for k in ds.variables]:
        var.attrs = {k: unspecial(v) for k, v in var.attrs.items()}
    return ds


def groups(path):
    import netCDF4
    out = []

    def walk(g, prefix):
        out.append(prefix)
        for name, sub in g.groups.items():
            walk(sub, (prefix + "/" if prefix else "") + name)
    with netCDF4.Dataset(path) as d:
        walk(d, "")
    return out


def unreadable(group):
    """Variables of group that netCDF4 cannot read (netCDF-C fails on a
    variable using two dimensions of the same name from different groups,
    such as var2(/dim, /g2/dim, dim); ncdump reads it, see raw_values)."""
    import netCDF4
    bad = []
    with netCDF4.Dataset(ncs[0]) as d:
        g = d[group] if group else d
        for name, v in g.variables.items():
            try:
                v[...]
            except Exception:
                bad.append(name)
    return bad


def open_nc(kw):
    """xarray's decoded view of the NetCDF input with what it can decode:
    if it cannot decode the times (e.g. "months since", which CF allows
    but xarray refuses), they are compared undecoded; variables netCDF4
    cannot read are dropped (raw_values compares them with ncdump).
    Returns the dataset, the options used and a note on what was left
    out."""
    def attempt(kw2):
        if len(ncs) == 1:
            return xr.open_dataset(ncs[0], **kw2).load()
        return xr.open_mfdataset(ncs, combine="by_coords", **kw2).load()
    try:
        return attempt(kw), kw, ""
    except Exception as e:
        first = e
    bad = unreadable(kw.get("group"))
    tries = []
    if bad:
        tries.append((dict(kw, drop_variables=bad),
                      "without %s, which netCDF4 cannot read" %
                      ", ".join(bad)))
    for k2, note in list(tries) + [(dict(kw), "")]:
        tries.append((dict(k2, decode_times=False),
                      (note + " and " if note else "") +
                      "times undecoded, as xarray cannot decode them"))
    for k2, note in tries:
        try:
            return attempt(k2), k2, note
        except Exception:
            pass
    raise first


def decoded(group):
    what = "decoded values, dims, coords and attrs%s" % (
        " of group " + group if group else "")
    kw = {"group": group} if group else {}
    try:
        a, kw, note = open_nc(kw)
    except Exception as e:
        say("FAIL", what, "xarray cannot open the NetCDF input (%s)"
            % str(e).splitlines()[0][:80])
        return
    if note:
        what += " (%s)" % note
    for name in kw.get("drop_variables", []):
        # the store keeps them, readable by xarray with the rest: their
        # dimension names must not join different dimensions
        try:
            full = xr.open_zarr(store, consolidated=True,
                                **{k: v for k, v in kw.items()
                                   if k != "drop_variables"})
            dims = full[name].dims
            same = len(set(dims)) == len(dims)
            why = "" if same else "dimensions %s" % (dims,)
        except Exception as e:
            same, why = False, str(e).splitlines()[0][:200]
        say("PASS" if same else "FAIL", "xarray reads %s%s from the store "
            "with distinct dimensions" % (group + "/" if group else "",
                                          name), why)
    b = fix_attrs(xr.open_zarr(store, consolidated=True, **kw).load())
    # xarray hides group attributes named _NC* when reading Zarr (they are
    # NCZarr's); compare those through python3-zarr instead
    hidden = {k: v for k, v in a.attrs.items() if k.startswith("_NC")}
    for k in hidden:
        del a.attrs[k]
    if hidden:
        import zarr
        za = zarr.open_consolidated(store, mode="r")
        za = za[group] if group else za
        got = {k: za.attrs.get(k) for k in hidden}
        same = all(np.array_equal(np.asarray(hidden[k]), np.asarray(got[k]))
                   for k in hidden)
        say("PASS" if same else "FAIL", "_NC* group attributes kept%s" %
            (" in " + group if group else ""), "" if same else str(got))
    if unpack:
        unpacked(a, b, what)
        return
    try:
        xr.testing.assert_identical(a, b)
        say("PASS", what)
    except AssertionError as e:
        say("FAIL", what, str(e).replace("\n", " | ")[:1500])


def exact_decode(name):
    """float32 of the exactly decoded values: raw * scale + offset in
    float64 with fill and missing values as NaN, file by file (numpy)."""
    parts = []
    for path in ncs:
        r = xr.open_dataset(path, decode_cf=False)[name]
        x = r.values.astype("float64")
        miss = np.zeros(x.shape, bool)
        for k in ("_FillValue", "missing_value"):
            if k in r.attrs:
                miss |= r.values == np.asarray(r.attrs[k]).ravel()[0]
        y = x * r.attrs.get("scale_factor", 1.0) + r.attrs.get("add_offset",
                                                               0.0)
        y[miss] = np.nan
        t = xr.open_dataset(path)["time"].values
        parts.append((t[0], y.astype("float32")))
    parts.sort(key=lambda p: p[0])
    return np.concatenate([p[1] for p in parts])


def unpacked(a, b, what):
    """nc2zarr --unpack: float32 of the exact decoding.  xarray decodes
    masked int16 in float32 arithmetic, so its values may differ from
    ours by an ulp of the packing's range (cancellation near zero): they
    must agree to 1e-6 relative to that range."""
    for k, v in a.data_vars.items():
        if v.encoding.get("scale_factor") is None:
            continue
        mine = b[k].values
        exact = exact_decode(k)
        same = mine.dtype == np.float32 and np.array_equal(
            mine, exact, equal_nan=True)
        say("PASS" if same else "FAIL",
            "%s: --unpack values are float32 of the exact decoding" % k)
        try:
            scale = 1e-6 * float(np.nanmax(np.abs(v.values)))
            np.testing.assert_allclose(mine, v.values, rtol=1e-6,
                                       atol=scale)
            say("PASS", "%s: --unpack values within 1e-6 of xarray's" % k)
        except AssertionError as e:
            say("FAIL", "%s: --unpack values within 1e-6 of xarray's" % k,
                str(e).replace("\n", " | ")[:500])
        b[k] = b[k].astype(v.dtype)
        b[k].values = v.values
    try:
        xr.testing.assert_identical(a, b)
        say("PASS", what + " (values aside)")
    except AssertionError as e:
        say("FAIL", what + " (values aside)",
            str(e).replace("\n", " | ")[:1500])


def unsupported(t):
    """The netCDF class name of a user-defined type that has no Zarr v2
    equivalent, or None."""
    import netCDF4
    for cls, kind in ((netCDF4.CompoundType, "compound"),
                      (netCDF4.VLType, "vlen"), (netCDF4.EnumType, "enum")):
        if isinstance(t, cls):
            return kind
    return None


def ncdump_values(group, name, like):
    """The values of numeric variable group/name as ncdump prints them
    (with full precision), in the dtype and shape of the zarr array like;
    None if that fails."""
    import re
    import subprocess
    path = (group + "/" if group else "") + name
    try:
        out = subprocess.run(["ncdump", "-p", "9,17", "-v", path, ncs[0]],
                             capture_output=True, text=True,
                             check=True).stdout
        body = out.split("data:", 1)[1]
        m = re.search(r"(?m)^\s*%s =(.*?);" % re.escape(name), body, re.S)
        vals = [x.strip() for x in m.group(1).replace("\n", " ").split(",")]
        if like.dtype.kind not in "iuf" or "_" in vals:
            return None
        return np.array([float(x) for x in vals], like.dtype).reshape(
            like.shape)
    except Exception:
        return None


def json_kind_ok(j, a):
    """Whether the JSON value j of an attribute has the kind of the
    netCDF4 value a: integers stay integers, floats are floats (and
    doubles bit-exact), text is text, arrays are lists (a single value
    may be a scalar)."""
    if isinstance(a, str):
        return isinstance(j, str) and j == a
    if isinstance(a, (list, tuple)):     # NC_STRING arrays
        return isinstance(j, list) and list(a) == j
    a = np.asarray(a)
    vals = a.ravel().tolist()
    if isinstance(j, list):
        js = j
    elif a.size == 1:
        js = [j]
    else:
        return False
    if len(js) != len(vals):
        return False
    for x, y in zip(js, vals):
        if a.dtype.kind in "iu":
            if isinstance(x, bool) or not isinstance(x, int) or x != y:
                return False
        elif a.dtype.kind == "f":
            if isinstance(x, str) and x in SPECIAL:
                x = SPECIAL[x]
            elif not isinstance(x, float):
                return False
            x = np.asarray(x, a.dtype)
            y = np.asarray(y, a.dtype)
            if x.tobytes() != y.tobytes() and not (np.isnan(x) and
                                                   np.isnan(y)):
                return False
        else:
            return False
    return True


def attr_kinds(group):
    """Every attribute the store holds has, in .zmetadata (and in the
    .zattrs files of a directory store, which must agree), the JSON kind
    of the netCDF4 attribute's type, and doubles bit-exactly."""
    import json
    import os
    import netCDF4
    what = "attribute value kinds%s" % (" of group " + group if group
                                        else "")
    zm = json.load(open(os.path.join(store, ".zmetadata")))["metadata"]
    bad, n = [], 0
    with netCDF4.Dataset(ncs[0]) as d:
        g = d[group] if group else d
        owners = [("", g)] + list(g.variables.items())
        for name, o in owners:
            key = "/".join(x for x in (group, name, ".zattrs") if x)
            za = zm.get(key, {})
            if os.path.isdir(store) and os.path.exists(
                    os.path.join(store, key)):
                if json.load(open(os.path.join(store, key))) != za:
                    bad.append("%s differs from .zmetadata" % key)
            for att in o.ncattrs():
                if att not in za:
                    continue    # presence is the decoded comparison's
                try:
                    a = o.getncattr(att)
                except Exception:
                    continue
                n += 1
                if not json_kind_ok(za[att], a):
                    bad.append("%s:%s netCDF4 %r (%s) vs JSON %r" % (
                        name, att, a, getattr(a, "dtype", type(a)),
                        za[att]))
    if bad:
        say("FAIL", what, "; ".join(bad)[:1500])
    else:
        say("PASS", "%s (%d attributes)" % (what, n))


def raw_values(group):
    import netCDF4
    import zarr
    z = zarr.open_consolidated(store, mode="r")
    if group:
        z = z[group]
    with netCDF4.Dataset(ncs[0]) as d:
        g = d[group] if group else d
        for name, v in g.variables.items():
            what = "raw values of %s%s" % (group + "/" if group else "", name)
            if name not in z:
                # only types with no Zarr v2 equivalent may be left out
                # (netCDF4-python does not list opaque variables at all)
                kind = unsupported(v.datatype)
                if kind:
                    say("PASS", "%s: not in the store: %s type" % (what,
                                                                  kind))
                else:
                    say("FAIL", what, "%s variable missing from the store"
                        % v.dtype)
                continue
            v.set_auto_maskandscale(False)
            try:
                a = v[...]
            except Exception as e:
                # netCDF4 computes the shape from dimension names; ncdump
                # reads such variables
                a = ncdump_values(group, name, z[name])
                if a is None:
                    say("FAIL", what, "neither netCDF4 (%s) nor ncdump "
                        "can read it" % e)
                    continue
                what += " (by ncdump: netCDF4 cannot read it)"
            if np.ma.isMaskedArray(a):
                a = a.filled()
            b = z[name][...]
            a = np.asarray(a)
            if a.dtype.kind == "O" or b.dtype.kind == "O":
                same = a.shape == b.shape and all(
                    (x or "") == (y or "") for x, y in
                    zip(a.ravel().tolist(), b.ravel().tolist()))
            elif a.dtype.kind == "S":
                same = a.shape == b.shape and a.tobytes() == b.tobytes()
            else:
                same = (a.shape == b.shape and a.dtype == b.dtype and
                        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
            if same:
                say("PASS", what)
            else:
                say("FAIL", what, "netCDF4 %s %s vs zarr %s %s" %
                    (a.dtype, a.shape, b.dtype, b.shape))


for g in groups(ncs[0]):
    if not raw_only:
        decoded(g)
    if len(ncs) == 1:
        attr_kinds(g)
    if len(ncs) == 1 and not unpack:
        raw_values(g)
