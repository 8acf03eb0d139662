/*
 * cf_calendar.c - CF calendars: names, leap rules, day numbers and
 * instants.  See zsi_cftime.h for the time axis.
 *
 * Day numbers use the "days from March 1" formulas (H. Hinnant,
 * "chrono-compatible low-level date algorithms"), which put the leap day
 * at the end of a computational year and need no tables.  Years inside
 * those formulas are astronomical (year 0 exists); standard and julian
 * dates are mapped to and from historical numbering at the edges.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "dataset/zsi_cftime.h"

/* Unix day of the first Gregorian day of the standard calendar,
 * 1582-10-15 (Julian day number 2299161). */
#define GREGORIAN_START INT64_C(-141427)
/* Day numbers allowed on the axis: a little beyond ZSI_YEAR_MAX. */
#define DAYS_MAX (ZSI_YEAR_MAX * 367)

static const int cum_days[2][13] = {
    {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
};

static const struct {
    const char *name;
    zs_calendar cal;
} calendar_names[] = {
    {"standard", ZS_CAL_STANDARD},
    {"gregorian", ZS_CAL_STANDARD},
    {"proleptic_gregorian", ZS_CAL_PROLEPTIC},
    {"noleap", ZS_CAL_NOLEAP},
    {"365_day", ZS_CAL_NOLEAP},
    {"all_leap", ZS_CAL_ALL_LEAP},
    {"366_day", ZS_CAL_ALL_LEAP},
    {"360_day", ZS_CAL_360_DAY},
    {"julian", ZS_CAL_JULIAN},
};

zs_status zsi_calendar_parse(zs_ctx *ctx, const char *name, zs_calendar *out)
{
    size_t i;
    if (!name || !*name) {
        *out = ZS_CAL_STANDARD;
        return ZS_OK;
    }
    for (i = 0; i < sizeof calendar_names / sizeof calendar_names[0]; i++) {
        if (strcasecmp(name, calendar_names[i].name) == 0) {
            *out = calendar_names[i].cal;
            return ZS_OK;
        }
    }
    return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                   "calendar \"%.100s\" is not supported (use standard, "
                   "proleptic_gregorian, noleap, all_leap, 360_day or "
                   "julian)", name);
}

const char *zsi_calendar_name(zs_calendar cal)
{
    switch (cal) {
    case ZS_CAL_STANDARD: return "standard";
    case ZS_CAL_PROLEPTIC: return "proleptic_gregorian";
    case ZS_CAL_NOLEAP: return "noleap";
    case ZS_CAL_ALL_LEAP: return "all_leap";
    case ZS_CAL_360_DAY: return "360_day";
    case ZS_CAL_JULIAN: return "julian";
    }
    return "unknown";
}

bool zsi_calendar_is_real(zs_calendar cal)
{
    return cal == ZS_CAL_STANDARD || cal == ZS_CAL_PROLEPTIC ||
           cal == ZS_CAL_JULIAN;
}

bool zsi_calendar_has_year_zero(zs_calendar cal)
{
    return cal != ZS_CAL_STANDARD && cal != ZS_CAL_JULIAN;
}

/* Floor division (C rounds towards zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Calendar year to astronomical year; 0 if the year does not exist. */
static bool year_ok(zs_calendar cal, int64_t year)
{
    if (year > ZSI_YEAR_MAX || year < -ZSI_YEAR_MAX)
        return false;
    return year != 0 || zsi_calendar_has_year_zero(cal);
}

static int64_t to_astro(zs_calendar cal, int64_t year)
{
    return (!zsi_calendar_has_year_zero(cal) && year < 0) ? year + 1 : year;
}

static int64_t from_astro(zs_calendar cal, int64_t a)
{
    return (!zsi_calendar_has_year_zero(cal) && a <= 0) ? a - 1 : a;
}

static bool leap_gregorian(int64_t a)
{
    return a % 4 == 0 && (a % 100 != 0 || a % 400 == 0);
}

bool zsi_calendar_is_leap(zs_calendar cal, int64_t year)
{
    int64_t a;
    if (!year_ok(cal, year))
        return false;
    a = to_astro(cal, year);
    switch (cal) {
    case ZS_CAL_STANDARD: return a <= 1582 ? a % 4 == 0 : leap_gregorian(a);
    case ZS_CAL_PROLEPTIC: return leap_gregorian(a);
    case ZS_CAL_JULIAN: return a % 4 == 0;
    case ZS_CAL_ALL_LEAP: return true;
    default: return false;
    }
}

int zsi_calendar_days_in_month(zs_calendar cal, int64_t year, int month)
{
    int leap;
    if (month < 1 || month > 12 || !year_ok(cal, year))
        return 0;
    if (cal == ZS_CAL_360_DAY)
        return 30;
    leap = zsi_calendar_is_leap(cal, year);
    return cum_days[leap][month] - cum_days[leap][month - 1];
}

/* True if (year, month, day) falls in the ten days the standard
 * calendar skips. */
static bool in_gap(zs_calendar cal, int64_t year, int month, int day)
{
    return cal == ZS_CAL_STANDARD && year == 1582 && month == 10 &&
           day >= 5 && day <= 14;
}

static bool date_valid(zs_calendar cal, int64_t year, int month, int day)
{
    int n = zsi_calendar_days_in_month(cal, year, month);
    return n > 0 && day >= 1 && day <= n && !in_gap(cal, year, month, day);
}

int64_t zsi_datetime_second_usec(const zs_datetime *dt)
{
    double us;
    if (!isfinite(dt->second) || dt->second < 0 || dt->second >= 60)
        return -1;
    us = nearbyint(dt->second * 1e6);
    return us < 60e6 ? (int64_t)us : -1;
}

bool zsi_datetime_valid(zs_calendar cal, const zs_datetime *dt)
{
    return date_valid(cal, dt->year, dt->month, dt->day) &&
           dt->hour >= 0 && dt->hour < 24 && dt->minute >= 0 &&
           dt->minute < 60 && zsi_datetime_second_usec(dt) >= 0;
}

int zsi_datetime_day_of_year(zs_calendar cal, const zs_datetime *dt)
{
    int leap;
    if (!zsi_datetime_valid(cal, dt))
        return 0;
    if (cal == ZS_CAL_360_DAY)
        return 30 * (dt->month - 1) + dt->day;
    leap = zsi_calendar_is_leap(cal, dt->year);
    return cum_days[leap][dt->month - 1] + dt->day;
}

int zsi_month_season(int month)
{
    return (month < 1 || month > 12) ? -1 : (month % 12) / 3;
}

const char *zsi_season_name(int season)
{
    static const char *const names[] = {"DJF", "MAM", "JJA", "SON"};
    return (season >= 0 && season < 4) ? names[season] : "";
}

/* ---- day numbers ---------------------------------------------------- */

/* Days from March 1 to (month, day) of a March-based year. */
static int64_t march_days(int month, int day)
{
    return (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
}

static int64_t gregorian_days(int64_t a, int month, int day)
{
    int64_t y = a - (month <= 2);
    return 365 * y + floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400) +
           march_days(month, day) - 719468;
}

/* Julian dates are two days later than Gregorian ones of the same label
 * around year 0, where both formulas line up otherwise. */
static int64_t julian_days(int64_t a, int month, int day)
{
    int64_t y = a - (month <= 2);
    return 365 * y + floor_div(y, 4) + march_days(month, day) - 719470;
}

/* Idealized calendars: fixed year length, January-based. */
static int64_t fixed_days(zs_calendar cal, int64_t a, int month, int day)
{
    if (cal == ZS_CAL_360_DAY)
        return 360 * (a - 1970) + 30 * (month - 1) + day - 1;
    int leap = cal == ZS_CAL_ALL_LEAP;
    return (365 + leap) * (a - 1970) + cum_days[leap][month - 1] + day - 1;
}

zs_status zsi_calendar_days(zs_calendar cal, int64_t year, int month,
                            int day, int64_t *out)
{
    int64_t a;
    if (!date_valid(cal, year, month, day))
        return ZS_ERR_RANGE;
    a = to_astro(cal, year);
    switch (cal) {
    case ZS_CAL_PROLEPTIC:
        *out = gregorian_days(a, month, day);
        break;
    case ZS_CAL_JULIAN:
        *out = julian_days(a, month, day);
        break;
    case ZS_CAL_STANDARD:
        if (a > 1582 || (a == 1582 && (month > 10 || (month == 10 &&
                                                      day >= 15))))
            *out = gregorian_days(a, month, day);
        else
            *out = julian_days(a, month, day);
        break;
    default:
        *out = fixed_days(cal, a, month, day);
        break;
    }
    return ZS_OK;
}

/* Split a March-based day of the year into month and day. */
static void march_split(int64_t doy, int *month, int *day)
{
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
}

static int64_t gregorian_date(int64_t days, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    march_split(doe - (365 * yoe + yoe / 4 - yoe / 100), month, day);
    return yoe + era * 400 + (*month <= 2);
}

static int64_t julian_date(int64_t days, int *month, int *day)
{
    int64_t z = days + 719470;
    int64_t era = floor_div(z, 1461);
    int64_t doe = z - era * 1461;
    int64_t yoe = (doe - doe / 1460) / 365;
    march_split(doe - 365 * yoe, month, day);
    return yoe + era * 4 + (*month <= 2);
}

static int64_t fixed_date(zs_calendar cal, int64_t days, int *month,
                          int *day)
{
    int leap = cal == ZS_CAL_ALL_LEAP;
    int64_t len = cal == ZS_CAL_360_DAY ? 360 : 365 + leap;
    int64_t y = floor_div(days, len);
    int doy = (int)(days - y * len), m = 1;
    if (cal == ZS_CAL_360_DAY) {
        *month = doy / 30 + 1;
        *day = doy % 30 + 1;
        return y + 1970;
    }
    while (cum_days[leap][m] <= doy)
        m++;
    *month = m;
    *day = doy - cum_days[leap][m - 1] + 1;
    return y + 1970;
}

zs_status zsi_calendar_date(zs_calendar cal, int64_t days, int64_t *year,
                            int *month, int *day)
{
    int64_t a;
    if (days > DAYS_MAX || days < -DAYS_MAX)
        return ZS_ERR_RANGE;
    switch (cal) {
    case ZS_CAL_PROLEPTIC:
        a = gregorian_date(days, month, day);
        break;
    case ZS_CAL_JULIAN:
        a = julian_date(days, month, day);
        break;
    case ZS_CAL_STANDARD:
        a = days >= GREGORIAN_START ? gregorian_date(days, month, day)
                                    : julian_date(days, month, day);
        break;
    default:
        a = fixed_date(cal, days, month, day);
        break;
    }
    *year = from_astro(cal, a);
    return ZS_OK;
}

/* ---- instants ------------------------------------------------------- */

zs_status zsi_datetime_to_usec(zs_calendar cal, const zs_datetime *dt,
                               zsi_usec *out)
{
    int64_t days, us = zsi_datetime_second_usec(dt);
    if (us < 0 || dt->hour < 0 || dt->hour > 23 || dt->minute < 0 ||
        dt->minute > 59)
        return ZS_ERR_RANGE;
    if (zsi_calendar_days(cal, dt->year, dt->month, dt->day, &days) != ZS_OK)
        return ZS_ERR_RANGE;
    *out = (zsi_usec)days * ZSI_USEC_PER_DAY +
           ((int64_t)dt->hour * 60 + dt->minute) * 60 * ZSI_USEC_PER_SEC + us;
    return ZS_OK;
}

zs_status zsi_datetime_from_usec(zs_calendar cal, zsi_usec t,
                                 zs_datetime *out)
{
    zsi_usec days = t / ZSI_USEC_PER_DAY;
    int64_t rem, y;
    int m, d;
    if (t % ZSI_USEC_PER_DAY < 0)
        days--;
    if (days > DAYS_MAX || days < -DAYS_MAX)
        return ZS_ERR_RANGE;
    rem = (int64_t)(t - days * ZSI_USEC_PER_DAY);
    if (zsi_calendar_date(cal, (int64_t)days, &y, &m, &d) != ZS_OK)
        return ZS_ERR_RANGE;
    out->year = y;
    out->month = m;
    out->day = d;
    out->hour = (int)(rem / (3600 * ZSI_USEC_PER_SEC));
    out->minute = (int)(rem / (60 * ZSI_USEC_PER_SEC) % 60);
    /* one division: the double nearest to the exact decimal seconds */
    out->second = (double)(rem % (60 * ZSI_USEC_PER_SEC)) / 1e6;
    return ZS_OK;
}
