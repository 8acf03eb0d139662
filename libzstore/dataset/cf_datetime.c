/*
 * cf_datetime.c - ISO 8601 text for zs_datetime: scanning (shared with
 * the epoch of CF units), parsing and formatting.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dataset/zsi_cftime.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read a run of decimal digits; false unless it has 1..max digits.  The
 * whole run is consumed so that "2023-123" fails instead of splitting. */
static bool read_digits(const char **pp, int max, int64_t *val)
{
    const char *p = *pp;
    int64_t v = 0;
    int n = 0;
    for (; is_digit(*p); p++, n++) {
        if (n < 18)
            v = v * 10 + (*p - '0');
    }
    *pp = p;
    *val = v;
    return n >= 1 && n <= max;
}

static zs_status scan_year(const char **pp, bool cf_units, int64_t *year)
{
    const char *p = *pp, *digits;
    bool sign = *p == '+' || *p == '-';
    digits = p + sign;
    p = digits;
    if (!read_digits(&p, 18, year))
        return is_digit(*digits) ? ZS_ERR_RANGE : ZS_ERR_INVALID;
    if (!cf_units && !sign && p - digits > 4)
        return ZS_ERR_INVALID;
    if (*year > ZSI_YEAR_MAX)
        return ZS_ERR_RANGE;
    if (**pp == '-')
        *year = -*year;
    *pp = p;
    return ZS_OK;
}

/* Read "<sep>NN" into *field if sep and a digit come next.  Returns 1 if
 * read, 0 if absent, -1 on a malformed field. */
static int scan_field(const char **pp, char sep, int *field)
{
    const char *p = *pp;
    int64_t v;
    if (p[0] != sep || !is_digit(p[1]))
        return 0;
    p++;
    if (!read_digits(&p, 2, &v))
        return -1;
    *field = (int)v;
    *pp = p;
    return 1;
}

/* Seconds with an optional fraction, truncated to the microsecond. */
static int scan_seconds(const char **pp, double *second)
{
    int s, r = scan_field(pp, ':', &s);
    int64_t us = 0, scale = 100000;
    const char *p = *pp;
    if (r <= 0)
        return r;
    if (p[0] == '.' && is_digit(p[1])) {
        for (p++; is_digit(*p); p++, scale /= 10)
            us += (*p - '0') * scale;
    }
    *pp = p;
    *second = (double)(s * ZSI_USEC_PER_SEC + us) / 1e6;
    return s > 59 ? -2 : 1;
}

/* "T" or spaces, then hour[:minute[:second[.fraction]]]. */
static zs_status scan_time(const char **pp, bool cf_units, zs_datetime *dt)
{
    const char *p = *pp;
    int64_t v;
    int r;
    if (*p == 'T')
        p++;
    else
        while (*p == ' ')
            p++;
    if (p == *pp || !is_digit(*p))
        return ZS_OK;   /* no time part; the caller sees what follows */
    if (!read_digits(&p, 2, &v))
        return ZS_ERR_INVALID;
    dt->hour = (int)v;
    r = scan_field(&p, ':', &dt->minute);
    if (r < 0 || (r == 0 && cf_units))
        return ZS_ERR_INVALID;
    if (r > 0 && (r = scan_seconds(&p, &dt->second)) < 0)
        return r == -2 ? ZS_ERR_RANGE : ZS_ERR_INVALID;
    *pp = p;
    return dt->hour > 23 || dt->minute > 59 ? ZS_ERR_RANGE : ZS_OK;
}

zs_status zsi_datetime_scan(const char *text, bool cf_units,
                            zs_datetime *out, const char **end)
{
    zs_datetime dt = {0, 1, 1, 0, 0, 0.0};
    const char *p = text;
    zs_status st;
    int r;
    if ((st = scan_year(&p, cf_units, &dt.year)) != ZS_OK)
        return st;
    if ((r = scan_field(&p, '-', &dt.month)) > 0)
        r = scan_field(&p, '-', &dt.day);
    if (r < 0)
        return ZS_ERR_INVALID;
    if (r > 0 && (st = scan_time(&p, cf_units, &dt)) != ZS_OK)
        return st;
    if (dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > 31)
        return ZS_ERR_RANGE;
    *out = dt;
    *end = p;
    return ZS_OK;
}

zs_status zs_datetime_parse(const char *text, zs_datetime *out)
{
    zs_datetime dt;
    const char *end;
    zs_status st;
    if (!text || !out)
        return ZS_ERR_INVALID;
    if ((st = zsi_datetime_scan(text, false, &dt, &end)) != ZS_OK)
        return st;
    if (*end == 'Z')
        end++;
    if (*end != '\0')
        return ZS_ERR_INVALID;
    *out = dt;
    return ZS_OK;
}

zs_status zs_datetime_format(const zs_datetime *dt, char *buf, size_t size)
{
    char tmp[64], frac[8];
    int64_t us;
    int n, k;
    if (!dt || !buf)
        return ZS_ERR_INVALID;
    us = zsi_datetime_second_usec(dt);
    if (us < 0 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > 31 || dt->hour < 0 || dt->hour > 23 || dt->minute < 0 ||
        dt->minute > 59)
        return ZS_ERR_RANGE;
    frac[0] = '\0';
    if (us % ZSI_USEC_PER_SEC != 0) {
        snprintf(frac, sizeof frac, ".%06d", (int)(us % ZSI_USEC_PER_SEC));
        for (k = 6; frac[k] == '0'; k--)
            frac[k] = '\0';
    }
    n = snprintf(tmp, sizeof tmp,
                 dt->year >= 0 && dt->year <= 9999
                     ? "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d%s"
                     : "%+05" PRId64 "-%02d-%02dT%02d:%02d:%02d%s",
                 dt->year, dt->month, dt->day, dt->hour, dt->minute,
                 (int)(us / ZSI_USEC_PER_SEC), frac);
    if (n < 0 || (size_t)n >= size)
        return ZS_ERR_INVALID;
    memcpy(buf, tmp, (size_t)n + 1);
    return ZS_OK;
}

/* ---- units text ---------------------------------------------------- */

zs_status zsi_time_units_format(zsi_time_unit unit, const zs_datetime *epoch,
                                char *buf, size_t size)
{
    char date[64], *t;
    const char *name = zsi_time_unit_name(unit);
    zs_status st = zs_datetime_format(epoch, date, sizeof date);
    size_t n;
    if (st != ZS_OK)
        return st;
    if (!*name)
        return ZS_ERR_INVALID;
    if ((t = strchr(date, 'T')) != NULL)
        *t = ' ';
    n = strlen(name) + 7 + strlen(date);
    if (!buf || n >= size)
        return ZS_ERR_INVALID;
    memcpy(buf, name, strlen(name));
    memcpy(buf + strlen(name), " since ", 7);
    memcpy(buf + strlen(name) + 7, date, strlen(date) + 1);
    return ZS_OK;
}

zsi_time_unit zsi_time_infer_unit(const zsi_usec *deltas, size_t n)
{
    int unit;
    size_t i;
    for (unit = ZSI_TU_DAY; unit > ZSI_TU_USEC; unit--) {
        int64_t f = zsi_time_unit_usec((zsi_time_unit)unit);
        for (i = 0; i < n && deltas[i] % f == 0; i++) {}
        if (i == n)
            break;
    }
    return (zsi_time_unit)unit;
}
