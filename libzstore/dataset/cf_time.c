/*
 * cf_time.c - CF time units ("hours since 1900-01-01 00:00:0.0"), and
 * exact conversion between numeric time values and instants.
 *
 * cftime is the reference.  Values go to whole microseconds from the
 * epoch; integral values are exact.  Non-integral values are rounded as
 * cftime.num2date does, reproduced here with integers so that every
 * platform gives the same answer:
 *  1. the value is multiplied by the unit in microseconds with a 64-bit
 *     significand (NumPy's long double on x86-64), rounded half to even;
 *  2. the product is rounded to an integer, half to even (np.rint);
 *  3. for seconds and longer units, a result one microsecond after or
 *     before a whole second is replaced by the floor or the ceiling of
 *     the product, which moves values like 0.99999999 days off float
 *     noise (cftime issue #187).
 * Values go back (date2num) as the correctly rounded quotient.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataset/zsi_cftime.h"

struct zs_time_units {
    zs_ctx *ctx;         /* receives messages of later calls; may be NULL */
    char *text;          /* the units as given, for messages */
    zs_calendar cal;
    zsi_time_unit unit;
    zsi_usec epoch;      /* epoch in UTC on the calendar's axis */
};

static const struct {
    const char *name;
    zsi_time_unit unit;
} unit_names[] = {
    {"microseconds", ZSI_TU_USEC}, {"microsecond", ZSI_TU_USEC},
    {"microsecs", ZSI_TU_USEC}, {"microsec", ZSI_TU_USEC},
    {"milliseconds", ZSI_TU_MSEC}, {"millisecond", ZSI_TU_MSEC},
    {"millisecs", ZSI_TU_MSEC}, {"millisec", ZSI_TU_MSEC},
    {"msecs", ZSI_TU_MSEC}, {"msec", ZSI_TU_MSEC}, {"ms", ZSI_TU_MSEC},
    {"seconds", ZSI_TU_SEC}, {"second", ZSI_TU_SEC}, {"secs", ZSI_TU_SEC},
    {"sec", ZSI_TU_SEC}, {"s", ZSI_TU_SEC},
    {"minutes", ZSI_TU_MIN}, {"minute", ZSI_TU_MIN}, {"mins", ZSI_TU_MIN},
    {"min", ZSI_TU_MIN},
    {"hours", ZSI_TU_HOUR}, {"hour", ZSI_TU_HOUR}, {"hrs", ZSI_TU_HOUR},
    {"hr", ZSI_TU_HOUR}, {"h", ZSI_TU_HOUR},
    {"days", ZSI_TU_DAY}, {"day", ZSI_TU_DAY}, {"d", ZSI_TU_DAY},
    {"months", ZSI_TU_MONTH}, {"month", ZSI_TU_MONTH},
    {"common_years", ZSI_TU_YEAR}, {"common_year", ZSI_TU_YEAR},
};

int64_t zsi_time_unit_usec(zsi_time_unit unit)
{
    static const int64_t usec[] = {
        1, 1000, ZSI_USEC_PER_SEC, 60 * ZSI_USEC_PER_SEC,
        3600 * ZSI_USEC_PER_SEC, ZSI_USEC_PER_DAY, 30 * ZSI_USEC_PER_DAY,
        365 * ZSI_USEC_PER_DAY,
    };
    return (unsigned)unit <= ZSI_TU_YEAR ? usec[unit] : 0;
}

const char *zsi_time_unit_name(zsi_time_unit unit)
{
    static const char *const names[] = {
        "microseconds", "milliseconds", "seconds", "minutes", "hours",
        "days", "months", "common_years",
    };
    return (unsigned)unit <= ZSI_TU_YEAR ? names[unit] : "";
}

/* ---- parsing --------------------------------------------------------- */

/* The unit word, checked against the calendar as cftime does. */
static zs_status parse_unit(zs_ctx *ctx, const char *word, size_t len,
                            zs_calendar cal, zsi_time_unit *out)
{
    size_t i;
    for (i = 0; i < sizeof unit_names / sizeof unit_names[0]; i++) {
        if (strlen(unit_names[i].name) == len &&
            strncasecmp(word, unit_names[i].name, len) == 0)
            break;
    }
    if (i == sizeof unit_names / sizeof unit_names[0])
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "time unit \"%.*s\" is not supported (use days, "
                       "hours, minutes, seconds, milliseconds or "
                       "microseconds)", (int)(len > 40 ? 40 : len), word);
    *out = unit_names[i].unit;
    if (*out == ZSI_TU_MONTH && cal != ZS_CAL_360_DAY)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "\"months since\" is only "
                       "supported with the 360_day calendar");
    if (*out == ZSI_TU_YEAR && cal != ZS_CAL_NOLEAP)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "\"common_years since\" "
                       "is only supported with the noleap calendar");
    return ZS_OK;
}

/* "years since" is its own error: CF years are 365.242198781 days, which
 * is never what a calendar year means. */
static bool is_year_unit(const char *word, size_t len)
{
    static const char *const names[] = {"years", "year", "yrs", "yr"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && strncasecmp(word, names[i], len) == 0)
            return true;
    return false;
}

static bool two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return false;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "+hh", "+hhmm", "+hh:mm", or "+h:mm" as in the CF example
 * "1992-10-8 15:15:42.5 -6:00" (cftime ignores that one). */
static bool parse_offset(const char **pp, int *minutes)
{
    const char *p = *pp;
    int sign = *p++ == '-' ? -1 : 1, h = 0, m = 0, n;
    for (n = 0; n < 2 && *p >= '0' && *p <= '9'; n++, p++)
        h = h * 10 + (*p - '0');
    if (n == 0 || (n == 1 && *p != ':'))
        return false;
    if (*p == ':') {
        if (!two_digits(p + 1, &m))
            return false;
        p += 3;
    } else if (two_digits(p, &m)) {
        p += 2;
    }
    if (h > 23 || m > 59)
        return false;
    *minutes = sign * (h * 60 + m);
    *pp = p;
    return true;
}

/* Time zone after the epoch: nothing, "Z", "UTC", "GMT" or an offset;
 * *minutes east of UTC.  False on anything else. */
static bool parse_zone(const char *p, int *minutes)
{
    while (*p == ' ')
        p++;
    *minutes = 0;
    if (*p == 'Z')
        p++;
    else if (strncasecmp(p, "UTC", 3) == 0 || strncasecmp(p, "GMT", 3) == 0)
        p += 3;
    else if ((*p == '+' || *p == '-') && !parse_offset(&p, minutes))
        return false;
    while (*p == ' ')
        p++;
    return *p == '\0';
}

static zs_status parse_epoch(zs_ctx *ctx, const char *units, const char *p,
                             zs_calendar cal, zsi_usec *out)
{
    zs_datetime dt;
    const char *end;
    int tz;
    zs_status st;
    while (*p == ' ')
        p++;
    st = zsi_datetime_scan(p, true, &dt, &end);
    if (st == ZS_OK && !parse_zone(end, &tz))
        st = ZS_ERR_INVALID;
    if (st != ZS_OK)
        return zsi_err(ctx, st == ZS_ERR_RANGE ? ZS_ERR_RANGE : ZS_ERR_FORMAT,
                       "time units \"%.200s\": %s date after \"since\"",
                       units, st == ZS_ERR_RANGE ? "out-of-range" :
                       "malformed");
    if (zsi_datetime_to_usec(cal, &dt, out) != ZS_OK)
        return zsi_err(ctx, ZS_ERR_RANGE, "time units \"%.200s\": the "
                       "epoch does not exist in the %s calendar", units,
                       zsi_calendar_name(cal));
    *out -= (zsi_usec)tz * 60 * ZSI_USEC_PER_SEC;
    return ZS_OK;
}

static zs_status new_units(zs_ctx *ctx, const char *text, zs_calendar cal,
                           zsi_time_unit unit, zsi_usec epoch,
                           zs_time_units **out)
{
    zs_time_units *u = calloc(1, sizeof *u);
    if (!u || !(u->text = zsi_strdup(text))) {
        free(u);
        return zsi_nomem(ctx);
    }
    u->ctx = ctx;
    u->cal = cal;
    u->unit = unit;
    u->epoch = epoch;
    *out = u;
    return ZS_OK;
}

zs_status zs_time_units_parse(zs_ctx *ctx, const char *units,
                              const char *calendar, zs_time_units **out)
{
    const char *p = units, *word, *since;
    size_t len;
    zs_calendar cal;
    zsi_time_unit unit = ZSI_TU_DAY;
    zsi_usec epoch;
    zs_status st;
    if (!units || !out)
        return zsi_err(ctx, ZS_ERR_INVALID, "no time units given");
    if ((st = zsi_calendar_parse(ctx, calendar, &cal)) != ZS_OK)
        return st;
    for (; *p == ' '; p++) {}
    word = p;
    for (len = 0; p[len] && p[len] != ' '; len++) {}
    for (since = p + len; *since == ' '; since++) {}
    if (len == 0 || strncasecmp(since, "since ", 6) != 0)
        return zsi_err(ctx, ZS_ERR_FORMAT, "time units \"%.200s\" are not "
                       "of the form \"UNIT since DATE\"", units);
    if (is_year_unit(word, len))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "time units \"%.200s\": "
                       "years of 365.242198781 days are not supported",
                       units);
    if ((st = parse_unit(ctx, word, len, cal, &unit)) != ZS_OK)
        return st;
    if ((st = parse_epoch(ctx, units, since + 6, cal, &epoch)) != ZS_OK)
        return st;
    return new_units(ctx, units, cal, unit, epoch, out);
}

zs_status zsi_time_units_new(zs_ctx *ctx, zsi_time_unit unit,
                             const zs_datetime *epoch, zs_calendar cal,
                             zs_time_units **out)
{
    char text[96];
    zsi_usec t;
    if (!out || !epoch || !*zsi_time_unit_name(unit))
        return zsi_err(ctx, ZS_ERR_INVALID, "time units: bad arguments");
    if (zsi_time_units_format(unit, epoch, text, sizeof text) != ZS_OK ||
        zsi_datetime_to_usec(cal, epoch, &t) != ZS_OK)
        return zsi_err(ctx, ZS_ERR_RANGE, "time units: the epoch does not "
                       "exist in the %s calendar", zsi_calendar_name(cal));
    if ((unit == ZSI_TU_MONTH && cal != ZS_CAL_360_DAY) ||
        (unit == ZSI_TU_YEAR && cal != ZS_CAL_NOLEAP))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "time unit %s is not "
                       "supported with the %s calendar",
                       zsi_time_unit_name(unit), zsi_calendar_name(cal));
    return new_units(ctx, text, cal, unit, t, out);
}

void zs_time_units_free(zs_time_units *u)
{
    if (!u)
        return;
    free(u->text);
    free(u);
}

zs_calendar zs_time_units_calendar(const zs_time_units *u)
{
    return u ? u->cal : ZS_CAL_STANDARD;
}

zsi_time_unit zsi_time_units_unit(const zs_time_units *u)
{
    return u->unit;
}

zsi_usec zsi_time_units_epoch(const zs_time_units *u)
{
    return u->epoch;
}

zs_ctx *zsi_time_units_ctx(const zs_time_units *u)
{
    return u->ctx;
}

const char *zsi_time_units_text(const zs_time_units *u)
{
    return u->text;
}

bool zsi_time_units_equal(const zs_time_units *a, const zs_time_units *b)
{
    return a->cal == b->cal && a->unit == b->unit && a->epoch == b->epoch;
}

bool zsi_time_comparable(const zs_time_units *a, const zs_time_units *b)
{
    return a->cal == b->cal ||
           (zsi_calendar_is_real(a->cal) && zsi_calendar_is_real(b->cal));
}

/* ---- values ---------------------------------------------------------- */

typedef unsigned __int128 u128;

static int bit_length(u128 a)
{
    uint64_t hi = (uint64_t)(a >> 64), lo = (uint64_t)a;
    if (hi)
        return 128 - __builtin_clzll(hi);
    return lo ? 64 - __builtin_clzll(lo) : 0;
}

/* Round a to `bits` significant bits, half to even. */
static u128 round_bits(u128 a, int bits)
{
    int drop = bit_length(a) - bits;
    u128 q, rem, half;
    if (drop <= 0)
        return a;
    q = a >> drop;
    rem = a - (q << drop);
    half = (u128)1 << (drop - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    return q << drop;
}

/* Microseconds of |value| * f, where |value| = m * 2^-s, as cftime rounds
 * them (steps 1-3 at the top of this file); neg gives the sign. */
static zsi_usec round_product(u128 a, int s, bool neg, bool snap)
{
    u128 q = 0, rem = 0, half;
    zsi_usec r, lo, hi;
    bool inexact;
    a = round_bits(a, 64);
    if (s < 120) {
        q = a >> s;
        rem = a - (q << s);
        half = (u128)1 << (s - 1);
        inexact = rem != 0;
        r = (zsi_usec)(q + (rem > half || (rem == half && (q & 1))));
    } else {
        inexact = a != 0;   /* below half a microsecond */
        r = 0;
    }
    lo = neg ? -(zsi_usec)q - inexact : (zsi_usec)q;
    hi = neg ? -(zsi_usec)q : (zsi_usec)q + inexact;
    if (neg)
        r = -r;
    if (snap) {
        zsi_usec mod = (r % ZSI_USEC_PER_SEC + ZSI_USEC_PER_SEC) %
                       ZSI_USEC_PER_SEC;
        if (mod == 1)
            r = lo;
        else if (mod == ZSI_USEC_PER_SEC - 1)
            r = hi;
    }
    return r;
}

/* Offset in microseconds of a value in units of f microseconds. */
static zs_status value_offset(double v, int64_t f, bool snap, zsi_usec *out)
{
    int e;
    u128 a;
    zsi_usec r;
    if (!isfinite(v))
        return ZS_ERR_RANGE;
    if (v == 0) {
        *out = 0;
        return ZS_OK;
    }
    /* |v| = m * 2^e exactly, with m a 53-bit integer */
    a = (u128)(uint64_t)ldexp(frexp(fabs(v), &e), 53) * (uint64_t)f;
    e -= 53;
    if (e >= 0) {
        if (bit_length(a) + e > 63)
            return ZS_ERR_RANGE;
        r = (zsi_usec)(a << e);
        if (v < 0)
            r = -r;
    } else {
        r = round_product(a, -e, v < 0, snap);
    }
    if (r > INT64_MAX || r < -INT64_MAX)
        return ZS_ERR_RANGE;
    *out = r;
    return ZS_OK;
}

zs_status zsi_time_to_usec(const zs_time_units *u, double value,
                           zsi_usec *out)
{
    zsi_usec r;
    if (value_offset(value, zsi_time_unit_usec(u->unit),
                     u->unit >= ZSI_TU_SEC, &r) != ZS_OK)
        return zsi_err(u->ctx, ZS_ERR_RANGE, "time %.17g %s is out of "
                       "range", value, u->text);
    *out = u->epoch + r;
    return ZS_OK;
}

zs_status zsi_time_i64_to_usec(const zs_time_units *u, int64_t value,
                               zsi_usec *out)
{
    zsi_usec r = (zsi_usec)value * zsi_time_unit_usec(u->unit);
    if (r > INT64_MAX || r < -INT64_MAX)
        return zsi_err(u->ctx, ZS_ERR_RANGE, "time %lld %s is out of range",
                       (long long)value, u->text);
    *out = u->epoch + r;
    return ZS_OK;
}

/* n / d correctly rounded to a double (d > 0). */
static double div_round(zsi_usec n, int64_t d)
{
    u128 a = n < 0 ? -(u128)n : (u128)n, q = a / (uint64_t)d;
    bool sticky = a % (uint64_t)d != 0;
    int k = 56 + bit_length((u128)d) - bit_length(a);
    double r;
    if (sticky && k > 0) {
        /* widen the quotient to 56+ bits so that a sticky last bit
         * stands for the remainder without changing the rounding */
        q = (a << k) / (uint64_t)d;
        sticky = (a << k) % (uint64_t)d != 0;
    } else {
        k = 0;
    }
    r = ldexp((double)(q | sticky), -k);
    return n < 0 ? -r : r;
}

zs_status zsi_time_from_usec(const zs_time_units *u, zsi_usec t,
                             double *out)
{
    *out = div_round(t - u->epoch, zsi_time_unit_usec(u->unit));
    return ZS_OK;
}

zs_status zsi_time_to_epoch_seconds(const zs_time_units *u, double value,
                                    int64_t *sec, int32_t *usec)
{
    zsi_usec t, s;
    zs_status st = zsi_time_to_usec(u, value, &t);
    if (st != ZS_OK)
        return st;
    s = t / ZSI_USEC_PER_SEC;
    if (t % ZSI_USEC_PER_SEC < 0)
        s--;
    if (s > INT64_MAX || s < INT64_MIN)
        return zsi_err(u->ctx, ZS_ERR_RANGE, "time %.17g %s is out of "
                       "range", value, u->text);
    *sec = (int64_t)s;
    *usec = (int32_t)(t - s * ZSI_USEC_PER_SEC);
    return ZS_OK;
}

zs_status zs_time_decode(const zs_time_units *u, double value,
                         zs_datetime *out)
{
    zsi_usec t;
    zs_status st;
    if (!u || !out)
        return ZS_ERR_INVALID;
    if ((st = zsi_time_to_usec(u, value, &t)) != ZS_OK)
        return st;
    if (zsi_datetime_from_usec(u->cal, t, out) != ZS_OK)
        return zsi_err(u->ctx, ZS_ERR_RANGE, "time %.17g %s is out of "
                       "range", value, u->text);
    return ZS_OK;
}

zs_status zs_time_encode(const zs_time_units *u, const zs_datetime *dt,
                         double *out)
{
    zsi_usec t;
    if (!u || !dt || !out)
        return ZS_ERR_INVALID;
    if (zsi_datetime_to_usec(u->cal, dt, &t) != ZS_OK)
        return zsi_err(u->ctx, ZS_ERR_RANGE, "%lld-%02d-%02d %02d:%02d:%09.6f"
                       " is not a valid date-time in the %s calendar",
                       (long long)dt->year, dt->month, dt->day, dt->hour,
                       dt->minute, dt->second, zsi_calendar_name(u->cal));
    return zsi_time_from_usec(u, t, out);
}
