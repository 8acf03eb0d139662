#!/bin/sh
# The default chunk rule of nc2zarr(1) ("Chunks"), checked on the plan
# of --dry-run against the rule as the manual words it, computed here in
# Python from the shapes netCDF4 reports: about 8 MiB of records along
# the record dimension; one record and halving of the largest other
# chunk dimension when a record exceeds 16 MiB; variables without the
# record dimension halved the same way.
. "$srcdir/tests/lib/tap.sh"
command -v ncgen >/dev/null 2>&1 ||
    { skip "ncgen is absent"; done_testing; exit; }

# ERA5-like 0.25 degree hours: one record of t2m is 2 MiB, so 4 records
# make a chunk and 8 hours need two chunks along time
"$top_builddir/data-samples/mksamples" bench "$TMP/era5" --hours 8 \
    2>/dev/null || not_ok "mksamples bench"
# records over 16 MiB and a large variable without the record dimension
# (no data written: the plan only reads the header)
ncgen -4 -o "$TMP/big.nc" <<'CDLEOF'
netcdf big {
dimensions:
  time = UNLIMITED ;
  y = 3001 ;
  x = 3100 ;
variables:
  double time(time) ;
    time:units = "hours since 2000-01-01" ;
  short big(time, y, x) ;
  double still(y, x) ;
  byte small(time, x) ;
  float one(time, y, x) ;
data:
  time = 0, 1, 2 ;
}
CDLEOF

# rule NC...: "PATH (CHUNKS)" per variable, by the manual's rule
rule() {
    $PY - "$@" <<'PYEOF'
import sys
import netCDF4
MIB = 1 << 20
# the record dimension: the unlimited one, or that of the time coordinate
with netCDF4.Dataset(sys.argv[1]) as d:
    nrec = {n: 0 for n, x in d.dimensions.items() if x.isunlimited()}
    if not nrec:
        nrec = {n: 0 for n, v in d.variables.items()
                if v.dimensions == (n,) and
                " since " in getattr(v, "units", "")}
for path in sys.argv[1:]:
    with netCDF4.Dataset(path) as d:
        for n in nrec:
            nrec[n] += len(d.dimensions[n])
with netCDF4.Dataset(sys.argv[1]) as d:
    for name, v in d.variables.items():
        size = 64 if v.dtype == str else v.dtype.itemsize
        dims = list(v.dimensions)
        shape = [nrec.get(n, len(d.dimensions[n])) for n in dims]
        ch = list(shape)
        rec = dims.index(next(iter(nrec))) if nrec and \
            next(iter(nrec)) in dims else None
        one = size
        for i, n in enumerate(ch):
            if i != rec:
                one *= n
        if rec is not None:
            ch[rec] = max(1, min(shape[rec], 8 * MIB // one))
        if rec is None or one > 16 * MIB:
            if rec is not None:
                ch[rec] = 1
            def total():
                t = size
                for n in ch:
                    t *= n
                return t
            while total() > 16 * MIB:
                i = max((k for k in range(len(ch)) if k != rec),
                        key=lambda k: ch[k])   # the first largest
                ch[i] = (ch[i] + 1) // 2
        print("%s (%s)" % (name, ", ".join(map(str, ch))))
PYEOF
}

plan() {   # plan NC...: "PATH (CHUNKS)" per variable from nc2zarr -n
    nc2zarr -n "$@" -o "$TMP/never.zarr" |
        sed -n 's/^variable \([^:]*\): .* chunks (\([^)]*\)).*/\1 (\2)/p'
}

for set in era5 big; do
    case $set in era5) in=$TMP/era5/*.nc ;; big) in=$TMP/big.nc ;; esac
    # shellcheck disable=SC2086
    want=$(rule $in) got=$(plan $in)
    check_eq "$set: the planned chunks follow the documented rule" \
        "$want" "$got"
done
check_eq "era5: 8 hours of 2 MiB records: chunks of 4 records" \
    "t2m (4, 721, 1440)" "$(plan "$TMP"/era5/*.nc | grep '^t2m ')"
check_eq "a record over 16 MiB: one record, the longest side halved" \
    "big (1, 3001, 1550)" "$(plan "$TMP/big.nc" | grep '^big ')"
check_eq "halved until at most 16 MiB, rounding up" \
    "still (1501, 775)" "$(plan "$TMP/big.nc" | grep '^still ')"
check "--dry-run writes nothing" test ! -e "$TMP/never.zarr" -a \
    ! -e "$TMP/never.zarr.partial"
done_testing
