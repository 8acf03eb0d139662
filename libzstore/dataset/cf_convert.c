/*
 * cf_convert.c - exact conversion of time values between units and
 * calendars, for tools that merge or rewrite time axes.  A conversion
 * that would change a value, even by a rounding, is refused: silently
 * shifted times are worse than a clear error.
 */
#include "config.h"

#include <stdio.h>

#include "dataset/zsi_cftime.h"

typedef unsigned __int128 u128;

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* True if n / d (d > 0) is exactly a double: in lowest terms the
 * denominator is a power of two and the numerator fits 53 bits. */
static bool exact_quotient(zsi_usec n, int64_t d)
{
    u128 a = n < 0 ? -(u128)n : (u128)n;
    uint64_t g, q;
    if (a == 0)
        return true;
    g = gcd64((uint64_t)(a % (uint64_t)d), (uint64_t)d);
    q = (uint64_t)d / g;
    if (q & (q - 1))
        return false;
    for (a /= g; !(a & 1); a >>= 1) {}
    return a < ((u128)1 << 53);
}

/* Move instant t of from's calendar to to's calendar, keeping its date
 * and time of day, or fail if the date changes meaning (zsi_cftime.h). */
static zs_status move_calendar(const zs_time_units *from,
                               const zs_time_units *to, zsi_usec t,
                               zsi_usec *out)
{
    zs_calendar a = zs_time_units_calendar(from);
    zs_calendar b = zs_time_units_calendar(to);
    zs_ctx *ctx = zsi_time_units_ctx(to);
    zs_datetime dt;
    char text[64];
    *out = t;
    if (a == b)
        return ZS_OK;
    if (zsi_datetime_from_usec(a, t, &dt) != ZS_OK ||
        zs_datetime_format(&dt, text, sizeof text) != ZS_OK)
        return zsi_err(ctx, ZS_ERR_RANGE, "time out of range");
    if (zsi_datetime_to_usec(b, &dt, out) != ZS_OK)
        return zsi_err(ctx, ZS_ERR_RANGE, "%s (%s calendar) does not exist "
                       "in the %s calendar", text, zsi_calendar_name(a),
                       zsi_calendar_name(b));
    if (zsi_calendar_is_real(a) && zsi_calendar_is_real(b) && *out != t)
        return zsi_err(ctx, ZS_ERR_RANGE, "%s names different days in the "
                       "%s and %s calendars", text, zsi_calendar_name(a),
                       zsi_calendar_name(b));
    return ZS_OK;
}

/* Offset of the converted instant from to's epoch, in microseconds. */
static zs_status convert_offset(const zs_time_units *from,
                                const zs_time_units *to, zsi_usec t,
                                zsi_usec *n)
{
    zs_status st = move_calendar(from, to, t, n);
    if (st == ZS_OK)
        *n -= zsi_time_units_epoch(to);
    return st;
}

static zs_status inexact(const zs_time_units *from, const zs_time_units *to,
                         double value, zsi_usec n, const char *what)
{
    int64_t d = zsi_time_unit_usec(zsi_time_units_unit(to));
    double q = (double)n / (double)d;
    return zsi_err(zsi_time_units_ctx(to), ZS_ERR_RANGE,
                   "time %.17g %s is %.17g %s: not %s", value,
                   zsi_time_units_text(from), q, zsi_time_units_text(to),
                   what);
}

zs_status zsi_time_convert(const zs_time_units *from, const zs_time_units *to,
                           double value, double *out)
{
    int64_t d = zsi_time_unit_usec(zsi_time_units_unit(to));
    zsi_usec t, n;
    zs_status st = zsi_time_to_usec(from, value, &t);
    if (st != ZS_OK || (st = convert_offset(from, to, t, &n)) != ZS_OK)
        return st;
    if (!exact_quotient(n, d))
        return inexact(from, to, value, n, "exactly a double");
    return zsi_time_from_usec(to, n + zsi_time_units_epoch(to), out);
}

/* Range of an integer type, as int64 (uint64 is capped at INT64_MAX). */
static bool int_range(zs_dtype type, int64_t *lo, int64_t *hi)
{
    int bits = (int)zsi_dtype_size(type) * 8;
    if (!zsi_dtype_is_int(type) || bits < 8 || bits > 64)
        return false;
    if (zsi_dtype_is_signed(type)) {
        *hi = (int64_t)(UINT64_MAX >> (65 - bits));
        *lo = -*hi - 1;
    } else {
        *hi = bits == 64 ? INT64_MAX : (int64_t)(UINT64_MAX >> (64 - bits));
        *lo = 0;
    }
    return true;
}

/* Store the whole number n / d of units in an integer type. */
static zs_status store_int(const zs_time_units *from,
                           const zs_time_units *to, double value,
                           zsi_usec n, zs_dtype type, int64_t *out)
{
    int64_t d = zsi_time_unit_usec(zsi_time_units_unit(to)), lo, hi;
    zsi_usec q = n / d;
    if (!int_range(type, &lo, &hi))
        return zsi_err(zsi_time_units_ctx(to), ZS_ERR_INVALID,
                       "%s is not an integer type", zs_dtype_name(type));
    if (n % d != 0)
        return inexact(from, to, value, n, "a whole number");
    if (q < lo || q > hi)
        return inexact(from, to, value, n, "within the range of "
                       "the integer type");
    *out = (int64_t)q;
    return ZS_OK;
}

zs_status zsi_time_convert_int(const zs_time_units *from,
                               const zs_time_units *to, double value,
                               zs_dtype type, int64_t *out)
{
    zsi_usec t, n;
    zs_status st = zsi_time_to_usec(from, value, &t);
    if (st != ZS_OK || (st = convert_offset(from, to, t, &n)) != ZS_OK)
        return st;
    return store_int(from, to, value, n, type, out);
}

zs_status zsi_time_convert_i64(const zs_time_units *from,
                               const zs_time_units *to, int64_t value,
                               zs_dtype type, int64_t *out)
{
    zsi_usec t, n;
    zs_status st = zsi_time_i64_to_usec(from, value, &t);
    if (st != ZS_OK || (st = convert_offset(from, to, t, &n)) != ZS_OK)
        return st;
    return store_int(from, to, (double)value, n, type, out);
}
