"""Compare libzstore's CF time code with cftime (the reference).

Usage: cftime_oracle.py CLI [SEED]

CLI is tests/unit/zs-cftime-cli.  Pseudo-random values (fixed seed) are
decoded and encoded for every calendar, unit and epoch, by cftime and by
the CLI; results must agree exactly: ISO text string-equal (to the
microsecond), numbers bit-equal.  Prints one result line per group:
"PASS<TAB>what" or "FAIL<TAB>what<TAB>details" for tests/interop/cftime.sh.
"""
import random
import subprocess
import sys
import warnings
from fractions import Fraction

import cftime
import numpy as np

warnings.simplefilter("ignore")

CALENDARS = ["standard", "gregorian", "proleptic_gregorian", "noleap",
             "365_day", "all_leap", "366_day", "360_day", "julian"]
CANONICAL = {"gregorian": "standard", "365_day": "noleap",
             "366_day": "all_leap"}
UNITS = ["microseconds", "milliseconds", "seconds", "minutes", "hours",
         "days"]
# Spelling variants seen in real files, used in turn.
SPELLING = {"microseconds": ["microseconds", "microsecond"],
            "milliseconds": ["milliseconds", "msec"],
            "seconds": ["seconds", "second", "secs", "sec", "s"],
            "minutes": ["minutes", "minute", "mins", "min"],
            "hours": ["hours", "hour", "hrs", "hr", "h"],
            "days": ["days", "day", "d"],
            "months": ["months"], "common_years": ["common_years"]}
USEC = {"microseconds": 1, "milliseconds": 1000, "seconds": 10**6,
        "minutes": 60 * 10**6, "hours": 3600 * 10**6,
        "days": 86400 * 10**6, "months": 30 * 86400 * 10**6,
        "common_years": 365 * 86400 * 10**6}
EPOCHS = ["1-1-1", "1582-10-15", "1900-01-01", "1970-01-01",
          "1958-1-1 00:00:00", "1900-01-01 00:00:0.0",
          "2000-01-01T12:30:00Z", "1970-01-01 00:00:00 UTC",
          "1947-12-15 00:00:00 +05:30", "-100-03-01 06:00"]
SPAN_YEARS = 3000


def iso(y, mo, d, h, mi, s, us):
    """The ISO form zs_datetime_format writes."""
    year = "%04d" % y if 0 <= y <= 9999 else "%+05d" % y
    text = "%s-%02d-%02dT%02d:%02d:%02d" % (year, mo, d, h, mi, s)
    if us:
        text += (".%06d" % us).rstrip("0")
    return text


def iso_of(dt):
    return iso(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
               dt.microsecond)


def epoch_ok(epoch, cal):
    try:
        cftime.num2date(0, "days since " + epoch, cal)
        return True
    except Exception:
        return False


def decode_values(rng, unit):
    """Integers, full-precision floats, short decimals and values at the
    edges of cftime's microsecond rounding."""
    f = USEC[unit]
    span = SPAN_YEARS * 365.25 * 86400e6 / f
    vals = [float(rng.randint(-int(span), int(span))) for _ in range(150)]
    vals += [rng.uniform(-span, span) for _ in range(150)]
    vals += [rng.randint(-int(span), int(span)) / 10.0 ** rng.randint(1, 6)
             for _ in range(50)]
    for _ in range(12):
        us = rng.randint(-int(span * f) // 10, int(span * f) // 10)
        sec = us - us % 10**6
        vals += [(us + 0.5) / f, (sec + 1) / f, (sec - 1) / f,
                 (sec + 1.5) / f]
    vals += [0.0, -0.0, 1e-300, -5e-7, 0.99999999, 1.000001, 2.0**53,
             -(2.0**52) - 0.5]
    return vals


def cftime_decode(vals, units, cal, unit):
    """cftime's answers; one array call for the values far from its
    overflow limit (fast), one call each for the others."""
    out = [None] * len(vals)
    safe = [i for i, v in enumerate(vals) if abs(v) * USEC[unit] < 2.0**62]
    for i, dt in zip(safe, cftime.num2date(np.array([vals[i] for i in safe]),
                                           units, cal)):
        out[i] = iso_of(dt)
    for i, v in enumerate(vals):
        if out[i] is None:
            try:
                out[i] = iso_of(cftime.num2date(v, units, cal))
            except Exception:
                out[i] = "error"
    return out


def random_date(rng, cal):
    while True:
        y = rng.randint(-SPAN_YEARS // 2, SPAN_YEARS + 1000)
        mo, d = rng.randint(1, 12), rng.randint(1, 31)
        h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        us = rng.choice([0, 0, rng.randint(0, 999999), 500000])
        try:
            return cftime.datetime(y, mo, d, h, mi, s, us, calendar=cal)
        except ValueError:
            continue


class Runner:
    def __init__(self, cli):
        self.cli = cli
        self.requests, self.expected, self.groups = [], [], []

    def add(self, group, request, expected, compare):
        self.requests.append("\t".join(request))
        self.expected.append((group, request, expected, compare))

    def run(self):
        text = "\n".join(self.requests) + "\n"
        res = subprocess.run([self.cli], input=text, capture_output=True,
                             text=True, check=False)
        got = res.stdout.split("\n")[:-1]
        if res.returncode != 0 or len(got) != len(self.requests):
            print("FAIL\tCLI ran\texit %d, %d answers for %d requests: %s"
                  % (res.returncode, len(got), len(self.requests),
                     res.stderr[:500]))
            return
        results = {}
        order = []
        for (group, req, exp, cmp), ans in zip(self.expected, got):
            if group not in results:
                results[group] = [0, 0, []]
                order.append(group)
            r = results[group]
            r[0] += 1
            if not cmp(exp, ans):
                r[1] += 1
                if len(r[2]) < 5:
                    r[2].append("%s -> want %s, got %s"
                                % (" | ".join(req), exp, ans))
        for g in order:
            n, bad, ex = results[g]
            if bad:
                print("FAIL\t%s (%d cases)\t%d differ: %s"
                      % (g, n, bad, "; ".join(ex)))
            else:
                print("PASS\t%s (%d cases)" % (g, n))


def same_text(exp, ans):
    if exp == "error":
        return ans.startswith("error ")
    return exp == ans


def same_number(exp, ans):
    if exp == "error":
        return ans.startswith("error ")
    try:
        return float(ans) == float(exp)
    except ValueError:
        return False


def exact_or_error(exp, ans):
    """exp is a Fraction or None (cftime fails); the CLI must give the
    value exactly, or an error when it is not a double."""
    if exp is None:
        return ans.startswith("error ")
    f = float(exp)
    if Fraction(f) != exp:
        return ans.startswith("error 11")
    try:
        return float(ans) == f
    except ValueError:
        return False


def add_decode(run, rng, cal, unit, epochs):
    spell = SPELLING[unit]
    for k, epoch in enumerate(epochs):
        units = "%s since %s" % (spell[k % len(spell)], epoch)
        vals = decode_values(rng, unit)
        for v, e in zip(vals, cftime_decode(vals, units, cal, unit)):
            run.add("decode %s %s" % (cal, unit),
                    ["d", units, cal, repr(v)], e, same_text)


def add_encode(run, rng, cal, unit, epochs):
    """Random dates, and dates within a few units of the epoch (values
    below one unit)."""
    for epoch in epochs:
        units = "%s since %s" % (unit, epoch)
        near = cftime.num2date(np.array([rng.uniform(-3, 3)
                                         for _ in range(40)]), units, cal)
        for k in range(160):
            dt = random_date(rng, cal) if k < 120 else near[k - 120]
            try:
                e = repr(float(cftime.date2num(dt, units, cal)))
            except Exception:
                e = "error"
            run.add("encode %s %s" % (cal, unit),
                    ["e", units, cal, iso_of(dt)], e, same_number)


def add_convert(run, rng, cal, epochs):
    """Values converted between units and epochs of one calendar."""
    for _ in range(300):
        ua, ub = rng.choice(UNITS), rng.choice(UNITS)
        a = "%s since %s" % (ua, rng.choice(epochs))
        b = "%s since %s" % (ub, rng.choice(epochs))
        v = float(rng.randint(-10**6, 10**6)) * rng.choice([1, 24, 60, 1000])
        if rng.random() < 0.3:
            v += rng.choice([0.5, 0.25, 0.1])
        try:
            d = cftime.num2date(v, a, cal)
            base = cftime.num2date(0, b, cal)
            td = d - base
            us = (td.days * 86400 + td.seconds) * 10**6 + td.microseconds
            exp = Fraction(us, USEC[ub])
        except Exception:
            exp = None
        run.add("convert %s" % cal, ["c", a, cal, b, cal, repr(v)], exp,
                exact_or_error)


def main():
    cli = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 20231101)
    run = Runner(cli)
    for cal in CALENDARS:
        canon = CANONICAL.get(cal, cal)
        epochs = [e for e in EPOCHS if epoch_ok(e, canon)]
        units = list(UNITS)
        if canon == "360_day":
            units.append("months")
        if canon == "noleap":
            units.append("common_years")
        spelled = cal.upper() if cal in CANONICAL else cal
        for unit in units:
            add_decode(run, rng, spelled, unit, epochs)
            add_encode(run, rng, cal, unit, epochs[:4])
        add_convert(run, rng, cal, epochs)
    run.run()


if __name__ == "__main__":
    main()
