/*
 * test_cftime.c - CF time units and calendars (dataset/cf_*.c): known
 * dates in every calendar, the 1582 gap, leap rules, 360-day months,
 * round trips, ISO text, conversion, resampling steps and bad inputs.
 * Expected values were checked against cftime 1.6.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_cftime.h"
#include "tap.h"

static zs_ctx *ctx;

static const zs_calendar all_cals[] = {
    ZS_CAL_STANDARD, ZS_CAL_PROLEPTIC, ZS_CAL_NOLEAP,
    ZS_CAL_ALL_LEAP, ZS_CAL_360_DAY, ZS_CAL_JULIAN,
};
#define NCALS (sizeof all_cals / sizeof all_cals[0])

/* ---- helpers ------------------------------------------------------ */

static zs_time_units *units(const char *text, const char *cal)
{
    zs_time_units *u = NULL;
    if (zs_time_units_parse(ctx, text, cal, &u) != ZS_OK)
        TAP_DIAG("cannot parse \"%s\" (%s): %s", text, cal ? cal : "-",
                 zs_ctx_message(ctx));
    return u;
}

static zs_datetime dt_of(const char *iso)
{
    zs_datetime dt = {0, 0, 0, 0, 0, 0};
    if (zs_datetime_parse(iso, &dt) != ZS_OK)
        TAP_DIAG("cannot parse date %s", iso);
    return dt;
}

/* Decode value and compare the ISO text with want. */
static void decode_is(const char *text, const char *cal, double value,
                      const char *want)
{
    zs_time_units *u = units(text, cal);
    zs_datetime dt;
    char got[64] = "(error)";
    if (u && zs_time_decode(u, value, &dt) == ZS_OK)
        zs_datetime_format(&dt, got, sizeof got);
    TAP_OK(strcmp(got, want) == 0, "%.17g %s (%s) is %s (got %s)", value,
           text, cal ? cal : "-", want, got);
    zs_time_units_free(u);
}

/* Encode an ISO date-time and compare the value with want. */
static void encode_is(const char *text, const char *cal, const char *iso,
                      double want)
{
    zs_time_units *u = units(text, cal);
    zs_datetime dt = dt_of(iso);
    double got = NAN;
    if (u)
        zs_time_encode(u, &dt, &got);
    TAP_OK(got == want, "%s in %s (%s) is %.17g (got %.17g)", iso, text,
           cal ? cal : "-", want, got);
    zs_time_units_free(u);
}

static void encode_fails(const char *text, const char *cal, const char *iso)
{
    zs_time_units *u = units(text, cal);
    zs_datetime dt = dt_of(iso);
    double v;
    TAP_OK(u && zs_time_encode(u, &dt, &v) == ZS_ERR_RANGE,
           "%s does not exist in the %s calendar", iso, cal);
    zs_time_units_free(u);
}

static void units_fail(const char *text, const char *cal, zs_status want,
                       const char *msg_part)
{
    zs_time_units *u = NULL;
    zs_status st = zs_time_units_parse(ctx, text, cal, &u);
    TAP_OK(st == want && u == NULL &&
           strstr(zs_ctx_message(ctx), msg_part) != NULL,
           "units \"%s\" (%s) refused: %s (status %d, \"%s\")", text,
           cal ? cal : "-", zs_strerror(want), (int)st, zs_ctx_message(ctx));
    zs_time_units_free(u);
}

static int64_t day_number(zs_calendar cal, const char *iso)
{
    zs_datetime d = dt_of(iso);
    int64_t n = INT64_MIN;
    zsi_calendar_days(cal, d.year, d.month, d.day, &n);
    return n;
}

/* ---- calendars ---------------------------------------------------- */

static void test_calendar_names(void)
{
    static const char *const names[] = {
        "standard", "gregorian", "proleptic_gregorian", "noleap",
        "365_day", "all_leap", "366_day", "360_day", "julian",
    };
    static const zs_calendar want[] = {
        ZS_CAL_STANDARD, ZS_CAL_STANDARD, ZS_CAL_PROLEPTIC, ZS_CAL_NOLEAP,
        ZS_CAL_NOLEAP, ZS_CAL_ALL_LEAP, ZS_CAL_ALL_LEAP, ZS_CAL_360_DAY,
        ZS_CAL_JULIAN,
    };
    zs_calendar c = ZS_CAL_JULIAN;
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        zs_time_units *u = units("days since 2000-01-01", names[i]);
        TAP_OK(u && zs_time_units_calendar(u) == want[i],
               "calendar %s", names[i]);
        zs_time_units_free(u);
    }
    TAP_OK(zsi_calendar_parse(ctx, "NoLeap", &c) == ZS_OK &&
           c == ZS_CAL_NOLEAP, "calendar names are case-insensitive");
    TAP_OK(zsi_calendar_parse(ctx, NULL, &c) == ZS_OK &&
           c == ZS_CAL_STANDARD, "no calendar is standard");
    TAP_OK(zsi_calendar_parse(ctx, "", &c) == ZS_OK && c == ZS_CAL_STANDARD,
           "empty calendar is standard");
    units_fail("days since 2000-01-01", "mayan", ZS_ERR_UNSUPPORTED,
               "\"mayan\"");
    units_fail("days since 2000-01-01", "none", ZS_ERR_UNSUPPORTED, "none");
    TAP_OK(strcmp(zsi_calendar_name(ZS_CAL_NOLEAP), "noleap") == 0 &&
           strcmp(zsi_calendar_name(ZS_CAL_PROLEPTIC),
                  "proleptic_gregorian") == 0, "canonical names");
}

static void test_leap_rules(void)
{
    TAP_OK(!zsi_calendar_is_leap(ZS_CAL_STANDARD, 1900),
           "1900 is not leap in the standard calendar");
    TAP_OK(!zsi_calendar_is_leap(ZS_CAL_PROLEPTIC, 1900),
           "1900 is not leap in proleptic_gregorian");
    TAP_OK(zsi_calendar_is_leap(ZS_CAL_JULIAN, 1900),
           "1900 is leap in julian");
    TAP_OK(zsi_calendar_is_leap(ZS_CAL_STANDARD, 2000) &&
           zsi_calendar_is_leap(ZS_CAL_PROLEPTIC, 2000) &&
           zsi_calendar_is_leap(ZS_CAL_JULIAN, 2000), "2000 is leap");
    TAP_OK(zsi_calendar_is_leap(ZS_CAL_STANDARD, 1500) &&
           !zsi_calendar_is_leap(ZS_CAL_PROLEPTIC, 1500),
           "1500 is leap in standard (Julian rule) only");
    TAP_OK(zsi_calendar_is_leap(ZS_CAL_STANDARD, -1) &&
           zsi_calendar_is_leap(ZS_CAL_JULIAN, -1) &&
           !zsi_calendar_is_leap(ZS_CAL_STANDARD, -4),
           "1 BC (year -1) is leap in standard and julian");
    TAP_OK(zsi_calendar_is_leap(ZS_CAL_PROLEPTIC, 0) &&
           !zsi_calendar_is_leap(ZS_CAL_STANDARD, 0),
           "year 0 is leap in proleptic_gregorian, absent in standard");
    TAP_OK(!zsi_calendar_is_leap(ZS_CAL_NOLEAP, 2000) &&
           zsi_calendar_is_leap(ZS_CAL_ALL_LEAP, 2001) &&
           !zsi_calendar_is_leap(ZS_CAL_360_DAY, 2000),
           "idealized calendars");
    TAP_OK(zsi_calendar_days_in_month(ZS_CAL_STANDARD, 1900, 2) == 28 &&
           zsi_calendar_days_in_month(ZS_CAL_JULIAN, 1900, 2) == 29 &&
           zsi_calendar_days_in_month(ZS_CAL_NOLEAP, 2000, 2) == 28 &&
           zsi_calendar_days_in_month(ZS_CAL_ALL_LEAP, 2001, 2) == 29 &&
           zsi_calendar_days_in_month(ZS_CAL_360_DAY, 2000, 2) == 30 &&
           zsi_calendar_days_in_month(ZS_CAL_360_DAY, 2000, 12) == 30 &&
           zsi_calendar_days_in_month(ZS_CAL_STANDARD, 2000, 13) == 0 &&
           zsi_calendar_days_in_month(ZS_CAL_STANDARD, 0, 1) == 0,
           "days in month");
}

static void test_day_numbers(void)
{
    int d, bad = 0;
    TAP_OK(day_number(ZS_CAL_PROLEPTIC, "1970-01-01") == 0 &&
           day_number(ZS_CAL_STANDARD, "1970-01-01") == 0 &&
           day_number(ZS_CAL_PROLEPTIC, "2000-03-01") == 11017,
           "Gregorian day numbers are Unix days");
    TAP_OK(day_number(ZS_CAL_STANDARD, "1582-10-15") == -141427 &&
           day_number(ZS_CAL_STANDARD, "1582-10-04") == -141428,
           "1582-10-04 is followed by 1582-10-15 in standard");
    TAP_OK(day_number(ZS_CAL_JULIAN, "1582-10-05") == -141427 &&
           day_number(ZS_CAL_JULIAN, "1970-01-01") == 13,
           "julian dates on the same axis (10 then 13 days later)");
    TAP_OK(day_number(ZS_CAL_NOLEAP, "1971-01-01") == 365 &&
           day_number(ZS_CAL_ALL_LEAP, "1971-01-01") == 366 &&
           day_number(ZS_CAL_360_DAY, "1971-01-01") == 360,
           "idealized years count from their own 1970");
    for (d = 5; d <= 14; d++) {
        int64_t n;
        if (zsi_calendar_days(ZS_CAL_STANDARD, 1582, 10, d, &n) !=
            ZS_ERR_RANGE)
            bad++;
    }
    TAP_OK(bad == 0, "1582-10-05..14 do not exist in standard");
    TAP_OK(day_number(ZS_CAL_PROLEPTIC, "1582-10-10") == -141432 &&
           day_number(ZS_CAL_JULIAN, "1582-10-10") == -141422,
           "but exist in proleptic_gregorian and julian");
}

/* Day number -> date -> day number for a wide range in every calendar. */
static void test_day_round_trip(void)
{
    size_t c;
    for (c = 0; c < NCALS; c++) {
        int64_t n, back, y, prev = INT64_MIN, bad = 0;
        int m, d;
        for (n = -1200000; n <= 1200000; n += 7) {
            if (zsi_calendar_date(all_cals[c], n, &y, &m, &d) != ZS_OK ||
                zsi_calendar_days(all_cals[c], y, m, d, &back) != ZS_OK ||
                back != n || (prev != INT64_MIN && back <= prev))
                bad++;
            prev = back;
        }
        TAP_OK(bad == 0, "%s: day numbers round-trip, years -1315 to 5255",
               zsi_calendar_name(all_cals[c]));
    }
}

static void test_day_of_year(void)
{
    zs_datetime a = dt_of("1582-10-15"), b = dt_of("2000-12-31");
    zs_datetime c = dt_of("1900-03-01"), e = dt_of("2000-12-30");
    zs_datetime f = dt_of("2000-03-01");
    TAP_OK(zsi_datetime_day_of_year(ZS_CAL_STANDARD, &a) == 288,
           "1582-10-15 is day 288 (cftime counts the missing days)");
    TAP_OK(zsi_datetime_day_of_year(ZS_CAL_STANDARD, &b) == 366 &&
           zsi_datetime_day_of_year(ZS_CAL_NOLEAP, &b) == 365,
           "last day of 2000");
    TAP_OK(zsi_datetime_day_of_year(ZS_CAL_JULIAN, &c) == 61 &&
           zsi_datetime_day_of_year(ZS_CAL_PROLEPTIC, &c) == 60,
           "1900-03-01 in julian and gregorian");
    TAP_OK(zsi_datetime_day_of_year(ZS_CAL_360_DAY, &e) == 360 &&
           zsi_datetime_day_of_year(ZS_CAL_NOLEAP, &f) == 60 &&
           zsi_datetime_day_of_year(ZS_CAL_ALL_LEAP, &f) == 61,
           "idealized days of year");
    f.day = 30;
    f.month = 2;
    TAP_OK(zsi_datetime_day_of_year(ZS_CAL_STANDARD, &f) == 0 &&
           zsi_datetime_day_of_year(ZS_CAL_360_DAY, &f) == 60,
           "February 30 only in 360_day");
}

static void test_seasons(void)
{
    static const int want[] = {0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0};
    int m, bad = 0;
    for (m = 1; m <= 12; m++)
        bad += zsi_month_season(m) != want[m - 1];
    TAP_OK(bad == 0 && zsi_month_season(0) == -1 &&
           zsi_month_season(13) == -1, "seasons DJF MAM JJA SON");
    TAP_OK(strcmp(zsi_season_name(zsi_month_season(12)), "DJF") == 0 &&
           strcmp(zsi_season_name(3), "SON") == 0 &&
           strcmp(zsi_season_name(4), "") == 0, "season names");
}

/* ---- decoding and encoding ---------------------------------------- */

static void test_decode_known(void)
{
    decode_is("days since 1970-01-01", NULL, 0, "1970-01-01T00:00:00");
    decode_is("hours since 1900-01-01 00:00:0.0", "standard", 876576,
              "2000-01-01T00:00:00");
    decode_is("seconds since 1970-01-01 00:00:00 UTC", NULL, 4102444800.0,
              "2100-01-01T00:00:00");
    decode_is("microseconds since 1970-01-01", NULL, 4102444800e6,
              "2100-01-01T00:00:00");
    decode_is("milliseconds since 1970-01-01", NULL, 4102444800123.0,
              "2100-01-01T00:00:00.123");
    decode_is("days since 1582-10-15", "standard", -1, "1582-10-04T00:00:00");
    decode_is("days since 1582-10-04 12:00", "gregorian", 0.5,
              "1582-10-15T00:00:00");
    decode_is("days since 1582-10-15", "proleptic_gregorian", -1,
              "1582-10-14T00:00:00");
    decode_is("days since 1-1-1", "standard", -1, "-0001-12-31T00:00:00");
    decode_is("days since 1-1-1", "julian", -366, "-0001-01-01T00:00:00");
    decode_is("days since 1-1-1", "proleptic_gregorian", -1,
              "0000-12-31T00:00:00");
    decode_is("days since 1-1-1", "standard", -1e6, "-2738-02-25T00:00:00");
    decode_is("days since 1900-02-28", "julian", 1, "1900-02-29T00:00:00");
    decode_is("days since 1900-02-28", "standard", 1, "1900-03-01T00:00:00");
    decode_is("days since 2000-02-28", "noleap", 1, "2000-03-01T00:00:00");
    decode_is("days since 2001-02-28", "all_leap", 1, "2001-02-29T00:00:00");
    decode_is("days since 2000-02-29", "360_day", 1, "2000-02-30T00:00:00");
    decode_is("days since 2000-01-01", "360_day", 360, "2001-01-01T00:00:00");
    decode_is("months since 2000-01-01", "360_day", 13,
              "2001-02-01T00:00:00");
    decode_is("common_years since 2000-01-01", "noleap", 3,
              "2003-01-01T00:00:00");
    decode_is("days since 1958-1-1 00:00:00", NULL, 365,
              "1959-01-01T00:00:00");
    decode_is("days since 1947-12-15 00:00:00", NULL, 17,
              "1948-01-01T00:00:00");
    decode_is("days since 2000-01-01T00:00:00Z", NULL, 31,
              "2000-02-01T00:00:00");
    decode_is("days since 2000-01-01 00:00:00+05:30", NULL, 0,
              "1999-12-31T18:30:00");
    decode_is("hours since 2000-01-01T06:00:00-0130", NULL, 0,
              "2000-01-01T07:30:00");
    decode_is("seconds since 1992-10-8 15:15:42.5 -6:00", NULL, 0,
              "1992-10-08T21:15:42.5");
    decode_is("Hours Since 2000-01-01", NULL, 1, "2000-01-01T01:00:00");
    decode_is("days since 2000", NULL, 1, "2000-01-02T00:00:00");
    decode_is("days since -100-03-01", "noleap", -1, "-0100-02-28T00:00:00");
    decode_is("days since 9999-12-31", "proleptic_gregorian", 1,
              "+10000-01-01T00:00:00");
}

static void test_decode_rounding(void)
{
    decode_is("days since 2000-01-01", NULL, 1.5, "2000-01-02T12:00:00");
    decode_is("days since 2000-01-01", NULL, -0.25, "1999-12-31T18:00:00");
    decode_is("seconds since 2000-01-01", NULL, 1.5, "2000-01-01T00:00:01.5");
    decode_is("hours since 2000-01-01", NULL, 0.1, "2000-01-01T00:06:00");
    decode_is("microseconds since 2000-01-01", NULL, 1.5,
              "2000-01-01T00:00:00.000002");
    decode_is("microseconds since 2000-01-01", NULL, 2.5,
              "2000-01-01T00:00:00.000002");
    decode_is("microseconds since 2000-01-01", NULL, -1.5,
              "1999-12-31T23:59:59.999998");
    /* cftime snaps a microsecond next to a whole second (issue #187) */
    decode_is("seconds since 2000-01-01", NULL, 1.000001,
              "2000-01-01T00:00:01");
    decode_is("seconds since 2000-01-01", NULL, 1.0000010000000001,
              "2000-01-01T00:00:01.000001");
    decode_is("days since 2000-01-01", NULL, 0.99999999,
              "2000-01-01T23:59:59.999136");
    decode_is("milliseconds since 2000-01-01", NULL, 1000.001,
              "2000-01-01T00:00:01.000001");
    /* the product has a 64-bit significand, as NumPy's long double */
    decode_is("seconds since 1-1-1", "standard", -63029783992.95009,
              "-1998-09-16T14:40:07.049912");
    decode_is("hours since 1900-01-01", "standard", -12374825.11055818,
              "0488-04-13T06:53:21.990552");
}

static void test_decode_errors(void)
{
    zs_time_units *u = units("days since 2000-01-01", NULL);
    zs_datetime dt;
    TAP_OK(zs_time_decode(u, NAN, &dt) == ZS_ERR_RANGE, "NaN refused");
    TAP_OK(zs_time_decode(u, INFINITY, &dt) == ZS_ERR_RANGE &&
           zs_time_decode(u, -INFINITY, &dt) == ZS_ERR_RANGE,
           "infinities refused");
    TAP_OK(zs_time_decode(u, 1e20, &dt) == ZS_ERR_RANGE &&
           strstr(zs_ctx_message(ctx), "out of range") != NULL,
           "1e20 days overflow 64-bit microseconds, with a message");
    TAP_OK(zs_time_decode(u, 106751.0, &dt) == ZS_OK &&
           zs_time_decode(u, 106752.0 * 1000, &dt) == ZS_ERR_RANGE,
           "limit near 292 thousand years");
    TAP_OK(zs_time_decode(NULL, 0, &dt) == ZS_ERR_INVALID &&
           zs_time_decode(u, 0, NULL) == ZS_ERR_INVALID, "NULL arguments");
    zs_time_units_free(u);
}

static void test_encode(void)
{
    encode_is("days since 2000-01-01", NULL, "2000-01-02T12", 1.5);
    encode_is("days since 2000-01-01", NULL, "2000-01-02T01", 25.0 / 24);
    encode_is("hours since 1900-01-01 00:00:0.0", NULL, "2000-01-01",
              876576);
    encode_is("seconds since 1970-01-01", NULL, "2100-01-01", 4102444800.0);
    encode_is("microseconds since 1970-01-01", NULL, "2100-01-01T00:00:01.5",
              4102444801500000.0);
    encode_is("days since 1582-10-15", "standard", "1582-10-04", -1);
    encode_is("days since 1582-10-15", "julian", "1582-10-04", -11);
    encode_is("days since 1-1-1", "standard", "-0001-12-31", -1);
    encode_is("days since 1-1-1", "proleptic_gregorian", "0000-12-31", -1);
    encode_is("days since 2000-01-01", "360_day", "2000-02-30", 59);
    encode_is("months since 2000-01-01", "360_day", "2000-02-16", 1.5);
    encode_is("days since 2000-01-01 00:00:00+05:30", NULL, "2000-01-01",
              330.0 / 1440);
    encode_fails("days since 2000-01-01", "standard", "2001-02-29");
    encode_fails("days since 2000-01-01", "standard", "2000-02-30");
    encode_fails("days since 2000-01-01", "noleap", "2000-02-29");
    encode_fails("days since 2000-01-01", "julian", "2000-02-30");
    encode_fails("days since 2000-01-01", "360_day", "2000-01-31");
    encode_fails("days since 2000-01-01", "standard", "1582-10-10");
    encode_fails("days since 2000-01-01", "julian", "0000-01-01");
    {
        zs_time_units *u = units("days since 2000-01-01", NULL);
        zs_datetime dt = dt_of("2000-01-01");
        double v;
        dt.second = 60;
        TAP_OK(zs_time_encode(u, &dt, &v) == ZS_ERR_RANGE,
               "second 60 refused");
        dt.second = 59.9999999;
        TAP_OK(zs_time_encode(u, &dt, &v) == ZS_ERR_RANGE,
               "a second rounding to 60 refused");
        dt.second = 1;
        dt.hour = 24;
        TAP_OK(zs_time_encode(u, &dt, &v) == ZS_ERR_RANGE &&
               strstr(zs_ctx_message(ctx), "not a valid") != NULL,
               "hour 24 refused with a message");
        zs_time_units_free(u);
    }
}

/* Integer values decode and encode back exactly in every calendar and
 * unit (a cheap LCG keeps the test deterministic). */
static void test_round_trips(void)
{
    static const char *const unit_names[] = {
        "microseconds", "milliseconds", "seconds", "minutes", "hours",
        "days",
    };
    static const double span[] = {9e16, 9e13, 9e10, 1.5e9, 2.6e7, 1.1e6};
    uint64_t seed = 12345;
    size_t c, k;
    int i;
    for (c = 0; c < NCALS; c++) {
        int bad = 0;
        for (k = 0; k < 6; k++) {
            char text[64];
            zs_time_units *u;
            snprintf(text, sizeof text, "%s since 1850-01-01", unit_names[k]);
            u = units(text, zsi_calendar_name(all_cals[c]));
            for (i = 0; i < 500; i++) {
                zs_datetime dt;
                double v, back = NAN;
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                v = floor(((double)(seed >> 11) / 9007199254740992.0 - 0.5) *
                          2 * span[k]);
                if (zs_time_decode(u, v, &dt) != ZS_OK ||
                    zs_time_encode(u, &dt, &back) != ZS_OK || back != v)
                    bad++;
            }
            zs_time_units_free(u);
        }
        TAP_OK(bad == 0, "%s: 3000 integer values round-trip exactly",
               zsi_calendar_name(all_cals[c]));
    }
}

/* ---- units -------------------------------------------------------- */

static void test_units_errors(void)
{
    zs_time_units *u = NULL;
    units_fail("days", NULL, ZS_ERR_FORMAT, "UNIT since DATE");
    units_fail("days since", NULL, ZS_ERR_FORMAT, "UNIT since DATE");
    units_fail("days after 2000-01-01", NULL, ZS_ERR_FORMAT, "since");
    units_fail("", NULL, ZS_ERR_FORMAT, "since");
    units_fail("years since 2000-01-01", NULL, ZS_ERR_UNSUPPORTED, "years");
    units_fail("year since 2000-01-01", "noleap", ZS_ERR_UNSUPPORTED,
               "years");
    units_fail("months since 2000-01-01", NULL, ZS_ERR_UNSUPPORTED,
               "360_day");
    units_fail("common_years since 2000-01-01", "360_day",
               ZS_ERR_UNSUPPORTED, "noleap");
    units_fail("fortnights since 2000-01-01", NULL, ZS_ERR_UNSUPPORTED,
               "fortnights");
    units_fail("days since 2000-02-30", NULL, ZS_ERR_RANGE, "epoch");
    units_fail("days since 2000-02-29", "noleap", ZS_ERR_RANGE, "noleap");
    units_fail("days since 2000-01-31", "360_day", ZS_ERR_RANGE, "360_day");
    units_fail("days since 1582-10-10", NULL, ZS_ERR_RANGE, "standard");
    units_fail("days since 0-01-01", "standard", ZS_ERR_RANGE, "epoch");
    units_fail("days since 0-01-01", "julian", ZS_ERR_RANGE, "epoch");
    units_fail("days since 2000-13-01", NULL, ZS_ERR_RANGE, "out-of-range");
    units_fail("days since 2000-01-01 25:00", NULL, ZS_ERR_RANGE,
               "out-of-range");
    units_fail("days since 2000-01-01 12", NULL, ZS_ERR_FORMAT, "malformed");
    units_fail("days since 2000-01-01 garbage", NULL, ZS_ERR_FORMAT,
               "malformed");
    units_fail("days since yesterday", NULL, ZS_ERR_FORMAT, "malformed");
    units_fail("days since 2000-01-01 00:00:00 +5", NULL, ZS_ERR_FORMAT,
               "malformed");
    units_fail("days since 2000-01-01 00:00:00 +05:", NULL, ZS_ERR_FORMAT,
               "malformed");
    TAP_OK(zs_time_units_parse(ctx, NULL, NULL, &u) == ZS_ERR_INVALID,
           "NULL units refused");
    TAP_OK((u = units("days since 0-01-01", "proleptic_gregorian")) != NULL,
           "year 0 epoch in proleptic_gregorian");
    zs_time_units_free(u);
    TAP_OK((u = units("  days   since   2000-01-01  ", NULL)) != NULL,
           "extra spaces accepted");
    zs_time_units_free(u);
    zs_time_units_free(NULL);
    TAP_OK(1, "zs_time_units_free(NULL)");
}

static void test_units_text(void)
{
    zs_datetime e = dt_of("2000-01-01");
    zs_time_units *u = NULL;
    zsi_usec d1[] = {ZSI_USEC_PER_DAY, 3 * ZSI_USEC_PER_DAY};
    zsi_usec d2[] = {ZSI_USEC_PER_DAY, 6 * 3600 * ZSI_USEC_PER_SEC};
    zsi_usec d3[] = {1500};
    char buf[64];
    TAP_OK(zsi_time_units_format(ZSI_TU_DAY, &e, buf, sizeof buf) == ZS_OK &&
           strcmp(buf, "days since 2000-01-01 00:00:00") == 0,
           "xarray units text: %s", buf);
    e.second = 1.25;
    TAP_OK(zsi_time_units_format(ZSI_TU_HOUR, &e, buf, sizeof buf) == ZS_OK &&
           strcmp(buf, "hours since 2000-01-01 00:00:01.25") == 0,
           "units text with a fraction: %s", buf);
    TAP_OK(zsi_time_units_format(ZSI_TU_HOUR, &e, buf, 20) == ZS_ERR_INVALID,
           "units text: small buffer refused");
    TAP_OK(zsi_time_infer_unit(d1, 2) == ZSI_TU_DAY &&
           zsi_time_infer_unit(d2, 2) == ZSI_TU_HOUR &&
           zsi_time_infer_unit(d3, 1) == ZSI_TU_USEC &&
           zsi_time_infer_unit(NULL, 0) == ZSI_TU_DAY, "infer units");
    e = dt_of("1850-01-01");
    TAP_OK(zsi_time_units_new(ctx, ZSI_TU_HOUR, &e, ZS_CAL_NOLEAP, &u) ==
           ZS_OK && zsi_time_units_unit(u) == ZSI_TU_HOUR &&
           strcmp(zsi_time_units_text(u), "hours since 1850-01-01 00:00:00")
           == 0, "units from parts");
    zs_time_units_free(u);
    e.month = 2;
    e.day = 29;
    TAP_OK(zsi_time_units_new(ctx, ZSI_TU_DAY, &e, ZS_CAL_NOLEAP, &u) ==
           ZS_ERR_RANGE, "units from parts: epoch must exist");
    e.day = 1;
    TAP_OK(zsi_time_units_new(ctx, ZSI_TU_MONTH, &e, ZS_CAL_NOLEAP, &u) ==
           ZS_ERR_UNSUPPORTED, "units from parts: months need 360_day");
}

/* ---- ISO text ----------------------------------------------------- */

static void format_is(int64_t y, int mo, int d, int h, int mi, double s,
                      const char *want)
{
    zs_datetime dt = {y, mo, d, h, mi, s};
    char buf[64] = "";
    zs_status st = zs_datetime_format(&dt, buf, sizeof buf);
    TAP_OK(st == ZS_OK && strcmp(buf, want) == 0, "format %s (got %s)",
           want, buf);
}

static void test_format(void)
{
    zs_datetime dt = {2023, 11, 1, 6, 30, 15.5};
    char buf[64];
    format_is(1995, 7, 14, 12, 0, 0, "1995-07-14T12:00:00");
    format_is(2023, 11, 1, 6, 30, 15.5, "2023-11-01T06:30:15.5");
    format_is(2023, 11, 1, 6, 30, 15.000001, "2023-11-01T06:30:15.000001");
    format_is(2023, 11, 1, 6, 30, 59.123456, "2023-11-01T06:30:59.123456");
    format_is(2023, 11, 1, 6, 30, 7.1234561, "2023-11-01T06:30:07.123456");
    format_is(0, 1, 1, 0, 0, 0, "0000-01-01T00:00:00");
    format_is(9999, 12, 31, 23, 59, 59, "9999-12-31T23:59:59");
    format_is(-1, 1, 1, 0, 0, 0, "-0001-01-01T00:00:00");
    format_is(-12345, 1, 1, 0, 0, 0, "-12345-01-01T00:00:00");
    format_is(10000, 1, 1, 0, 0, 0, "+10000-01-01T00:00:00");
    TAP_OK(zs_datetime_format(&dt, buf, 22) == ZS_OK &&
           zs_datetime_format(&dt, buf, 21) == ZS_ERR_INVALID,
           "format needs room for the NUL");
    dt.month = 13;
    TAP_OK(zs_datetime_format(&dt, buf, sizeof buf) == ZS_ERR_RANGE,
           "format refuses month 13");
    dt.month = 1;
    dt.second = 60;
    TAP_OK(zs_datetime_format(&dt, buf, sizeof buf) == ZS_ERR_RANGE &&
           zs_datetime_format(NULL, buf, sizeof buf) == ZS_ERR_INVALID,
           "format refuses second 60 and NULL");
    dt.year = INT64_MIN;
    dt.second = 0;
    TAP_OK(zs_datetime_format(&dt, buf, ZS_DATETIME_MAX) == ZS_OK,
           "ZS_DATETIME_MAX is enough for any year: %s", buf);
}

static void parse_is(const char *text, const char *want)
{
    zs_datetime dt;
    char buf[64] = "(error)";
    if (zs_datetime_parse(text, &dt) == ZS_OK)
        zs_datetime_format(&dt, buf, sizeof buf);
    TAP_OK(strcmp(buf, want) == 0, "parse \"%s\" is %s (got %s)", text,
           want, buf);
}

static void parse_fails(const char *text, zs_status want)
{
    zs_datetime dt;
    zs_status st = zs_datetime_parse(text, &dt);
    TAP_OK(st == want, "parse \"%s\" fails with %s (got %d)", text,
           zs_strerror(want), (int)st);
}

static void test_parse(void)
{
    parse_is("2023", "2023-01-01T00:00:00");
    parse_is("2023-11", "2023-11-01T00:00:00");
    parse_is("2023-11-01", "2023-11-01T00:00:00");
    parse_is("2023-11-01T06", "2023-11-01T06:00:00");
    parse_is("2023-11-01T06:30", "2023-11-01T06:30:00");
    parse_is("2023-11-01T06:30:15.5", "2023-11-01T06:30:15.5");
    parse_is("2023-11-01 06:30:15", "2023-11-01T06:30:15");
    parse_is("2023-11-01T06:30:15Z", "2023-11-01T06:30:15");
    parse_is("2023-11-01T06:30:15.1234567", "2023-11-01T06:30:15.123456");
    parse_is("1958-1-1", "1958-01-01T00:00:00");
    parse_is("-0001-12-31", "-0001-12-31T00:00:00");
    parse_is("+12345-06", "+12345-06-01T00:00:00");
    parse_is("0000", "0000-01-01T00:00:00");
    parse_is("2023-02-31", "2023-02-31T00:00:00");
    parse_fails("", ZS_ERR_INVALID);
    parse_fails("x", ZS_ERR_INVALID);
    parse_fails("2023-", ZS_ERR_INVALID);
    parse_fails("2023-1x", ZS_ERR_INVALID);
    parse_fails("2023-11-01T", ZS_ERR_INVALID);
    parse_fails("2023-11-01T06:", ZS_ERR_INVALID);
    parse_fails("2023-11-01T06:30:", ZS_ERR_INVALID);
    parse_fails("2023-11-01T06:30:15.", ZS_ERR_INVALID);
    parse_fails("2023-11-01 06:30 ", ZS_ERR_INVALID);
    parse_fails(" 2023", ZS_ERR_INVALID);
    parse_fails("2023-123-01", ZS_ERR_INVALID);
    parse_fails("20231101", ZS_ERR_INVALID);
    parse_fails("2023-11-01T06:30:15+01:00", ZS_ERR_INVALID);
    parse_fails("2023-11-01ZZ", ZS_ERR_INVALID);
    parse_fails("--2023", ZS_ERR_INVALID);
    parse_fails("2023-13", ZS_ERR_RANGE);
    parse_fails("2023-00-01", ZS_ERR_RANGE);
    parse_fails("2023-11-32", ZS_ERR_RANGE);
    parse_fails("2023-11-01T24", ZS_ERR_RANGE);
    parse_fails("2023-11-01T23:60", ZS_ERR_RANGE);
    parse_fails("2023-11-01T23:59:60", ZS_ERR_RANGE);
    parse_fails("+1234567890123", ZS_ERR_RANGE);
    parse_fails("+12345678901234567890", ZS_ERR_RANGE);
    parse_fails(NULL, ZS_ERR_INVALID);
}

/* ---- values across units ------------------------------------------ */

static void convert_is(const char *a, const char *ca, const char *b,
                       const char *cb, double v, double want)
{
    zs_time_units *ua = units(a, ca), *ub = units(b, cb);
    double got = NAN;
    zs_status st = ua && ub ? zsi_time_convert(ua, ub, v, &got) : ZS_OK;
    TAP_OK(st == ZS_OK && got == want, "%.17g %s (%s) is %.17g %s (%s)", v,
           a, ca ? ca : "-", want, b, cb ? cb : "-");
    zs_time_units_free(ua);
    zs_time_units_free(ub);
}

static void convert_fails(const char *a, const char *ca, const char *b,
                          const char *cb, double v, const char *msg_part)
{
    zs_time_units *ua = units(a, ca), *ub = units(b, cb);
    double got;
    zs_status st = ua && ub ? zsi_time_convert(ua, ub, v, &got) : ZS_OK;
    TAP_OK(st == ZS_ERR_RANGE && strstr(zs_ctx_message(ctx), msg_part),
           "%.17g %s (%s) refused in %s (%s): %s", v, a, ca ? ca : "-", b,
           cb ? cb : "-", zs_ctx_message(ctx));
    zs_time_units_free(ua);
    zs_time_units_free(ub);
}

static void test_convert(void)
{
    convert_is("hours since 2000-01-01", NULL, "days since 2000-01-01", NULL,
               36, 1.5);
    convert_is("days since 2000-01-01", NULL, "seconds since 1970-01-01",
               NULL, 36525, 4102444800.0);
    convert_is("days since 1850-01-01", "noleap", "hours since 2000-01-01",
               "noleap", 1, -1314000 + 24);
    convert_is("days since 2000-01-01", "standard",
               "days since 2000-01-01", "proleptic_gregorian", 10, 10);
    convert_is("days since 1500-01-01", "standard",
               "days since 1500-01-01", "julian", 10, 10);
    convert_is("days since 2000-01-01", "standard",
               "days since 2000-01-01", "noleap", 60, 59);
    convert_is("days since 2000-01-01", "noleap",
               "days since 2000-01-01", "standard", 59, 60);
    convert_is("seconds since 2000-01-01", NULL, "milliseconds since "
               "2000-01-01", NULL, 0.1, 100);
    convert_fails("hours since 2000-01-01", NULL, "days since 2000-01-01",
                  NULL, 25, "1.0416666666666667 days");
    convert_fails("days since 2000-01-01", NULL, "hours since 2000-01-01",
                  NULL, 0.1, "not exactly");
    convert_fails("days since 2000-01-01", "standard",
                  "days since 2000-01-01", "noleap", 59.5,
                  "2000-02-29T12:00:00 (standard calendar) does not exist");
    convert_fails("days since 2000-01-01", "standard",
                  "days since 2000-01-01", "julian", 0,
                  "different days");
    convert_fails("days since 1500-01-01", "standard",
                  "days since 1500-01-01", "proleptic_gregorian", 0,
                  "different days");
    convert_fails("days since 2000-01-01", "360_day",
                  "days since 2000-01-01", "standard", 59, "does not exist");
}

static void test_convert_int(void)
{
    zs_time_units *d = units("days since 2000-01-01", NULL);
    zs_time_units *h = units("hours since 2000-01-01", NULL);
    zs_time_units *us = units("microseconds since 1970-01-01", NULL);
    zs_time_units *s = units("seconds since 1970-01-01", NULL);
    int64_t out = 0;
    TAP_OK(zsi_time_convert_int(d, h, 1.5, ZS_DT_INT32, &out) == ZS_OK &&
           out == 36, "1.5 days is 36 hours (int32)");
    TAP_OK(zsi_time_convert_int(h, d, 36, ZS_DT_INT32, &out) == ZS_ERR_RANGE &&
           strstr(zs_ctx_message(ctx), "whole number"),
           "36 hours is not a whole number of days");
    TAP_OK(zsi_time_convert_int(d, h, 6, ZS_DT_INT8, &out) == ZS_ERR_RANGE &&
           zsi_time_convert_int(d, h, 5, ZS_DT_INT8, &out) == ZS_OK &&
           out == 120, "int8 range: 144 refused, 120 kept");
    TAP_OK(zsi_time_convert_int(d, h, -1, ZS_DT_UINT16, &out) ==
           ZS_ERR_RANGE, "negative refused for uint16");
    TAP_OK(zsi_time_convert_int(d, h, 1, ZS_DT_FLOAT64, &out) ==
           ZS_ERR_INVALID, "float64 is not an integer type");
    TAP_OK(zsi_time_convert_i64(us, s, INT64_C(4102444800000000),
                                ZS_DT_INT64, &out) == ZS_OK &&
           out == INT64_C(4102444800), "int64 microseconds to seconds");
    TAP_OK(zsi_time_convert_i64(us, s, INT64_C(9007199254740993),
                                ZS_DT_INT64, &out) == ZS_ERR_RANGE,
           "9007199254740993 us is not whole seconds");
    TAP_OK(zsi_time_convert_i64(s, us, INT64_C(9007199254740993),
                                ZS_DT_INT64, &out) == ZS_ERR_RANGE,
           "too many microseconds for the time axis");
    TAP_OK(zsi_time_convert_i64(us, us, INT64_C(9007199254740993),
                                ZS_DT_INT64, &out) == ZS_OK &&
           out == INT64_C(9007199254740993), "exact beyond 2^53");
    zs_time_units_free(d);
    zs_time_units_free(h);
    zs_time_units_free(us);
    zs_time_units_free(s);
}

static void test_epoch_seconds(void)
{
    zs_time_units *d = units("days since 1970-01-01", NULL);
    zs_time_units *s = units("seconds since 1970-01-01", "julian");
    zs_time_units *n = units("days since 1970-01-01", "noleap");
    int64_t sec = 0;
    int32_t us = -1;
    TAP_OK(zsi_time_to_epoch_seconds(d, -0.5, &sec, &us) == ZS_OK &&
           sec == -43200 && us == 0, "-0.5 days is -43200 s");
    TAP_OK(zsi_time_to_epoch_seconds(d, -1.5 / 86400, &sec, &us) == ZS_OK &&
           sec == -2 && us == 500000, "-1.5 s is (-2 s, 500000 us)");
    TAP_OK(zsi_time_to_epoch_seconds(s, 0, &sec, &us) == ZS_OK &&
           sec == 13 * 86400 && us == 0,
           "julian 1970-01-01 is 13 days after the Unix epoch");
    TAP_OK(zsi_time_comparable(d, s) && !zsi_time_comparable(d, n) &&
           zsi_time_comparable(n, n), "comparable calendars");
    TAP_OK(!zsi_time_units_equal(d, s) && zsi_time_units_equal(d, d),
           "equal units");
    zs_time_units_free(d);
    zs_time_units_free(s);
    zs_time_units_free(n);
}

/* ---- resampling --------------------------------------------------- */

static zsi_usec instant(zs_calendar cal, const char *iso)
{
    zs_datetime dt = dt_of(iso);
    zsi_usec t = 0;
    if (zsi_datetime_to_usec(cal, &dt, &t) != ZS_OK)
        TAP_DIAG("no instant for %s", iso);
    return t;
}

static void step_is(zs_calendar cal, const char *freq, const char *iso,
                    int64_t n, const char *floor_want, const char *add_want)
{
    zsi_time_step st;
    zsi_usec f = 0, a = 0, t = instant(cal, iso);
    zs_datetime df, da;
    char fb[64] = "(error)", ab[64] = "(error)";
    if (zsi_time_step_parse(ctx, freq, &st) == ZS_OK &&
        zsi_time_floor(cal, t, &st, 0, &f) == ZS_OK &&
        zsi_datetime_from_usec(cal, f, &df) == ZS_OK)
        zs_datetime_format(&df, fb, sizeof fb);
    if (zsi_time_step_parse(ctx, freq, &st) == ZS_OK &&
        zsi_time_add(cal, t, &st, n, &a) == ZS_OK &&
        zsi_datetime_from_usec(cal, a, &da) == ZS_OK)
        zs_datetime_format(&da, ab, sizeof ab);
    TAP_OK(strcmp(fb, floor_want) == 0 && strcmp(ab, add_want) == 0,
           "%s %s: floor %s (got %s), %+lld steps %s (got %s)",
           zsi_calendar_name(cal), freq, floor_want, fb, (long long)n,
           add_want, ab);
}

static void test_steps(void)
{
    zsi_time_step st;
    zsi_usec t;
    static const char *const bad[] = {"", "0D", "x", "6hours", "MS-JAN",
                                      "QS-XYZ", "D-DEC", "-1D", NULL};
    int i, nbad = 0;
    TAP_OK(zsi_time_step_parse(ctx, "6h", &st) == ZS_OK &&
           st.usec == 6 * 3600 * ZSI_USEC_PER_SEC && st.months == 0,
           "6h is six hours");
    TAP_OK(zsi_time_step_parse(ctx, "QS-DEC", &st) == ZS_OK &&
           st.months == 3 && st.anchor == 12 && !st.end_label,
           "QS-DEC: quarters from December");
    TAP_OK(zsi_time_step_parse(ctx, "QE-NOV", &st) == ZS_OK &&
           st.months == 3 && st.anchor == 12 && st.end_label,
           "QE-NOV: same bins, labelled at the end");
    TAP_OK(zsi_time_step_parse(ctx, "2YS", &st) == ZS_OK &&
           st.months == 24 && st.anchor == 1, "2YS");
    for (i = 0; bad[i]; i++)
        nbad += zsi_time_step_parse(ctx, bad[i], &st) != ZS_ERR_INVALID;
    TAP_OK(nbad == 0 && zsi_time_step_parse(ctx, NULL, &st) ==
           ZS_ERR_INVALID, "bad frequencies refused");
    step_is(ZS_CAL_STANDARD, "6h", "2000-01-01T13:45", 1,
            "2000-01-01T12:00:00", "2000-01-01T19:45:00");
    step_is(ZS_CAL_STANDARD, "1D", "1969-12-31T23:59:59.5", 2,
            "1969-12-31T00:00:00", "1970-01-02T23:59:59.5");
    step_is(ZS_CAL_STANDARD, "MS", "2000-01-31T05:00", 1,
            "2000-01-01T00:00:00", "2000-02-29T05:00:00");
    step_is(ZS_CAL_NOLEAP, "MS", "2000-01-31", 1, "2000-01-01T00:00:00",
            "2000-02-28T00:00:00");
    step_is(ZS_CAL_360_DAY, "MS", "2000-02-30T12", 12,
            "2000-02-01T00:00:00", "2001-02-30T12:00:00");
    step_is(ZS_CAL_STANDARD, "QS-DEC", "2000-02-15", -1,
            "1999-12-01T00:00:00", "1999-11-15T00:00:00");
    step_is(ZS_CAL_STANDARD, "QS", "2000-06-30", 1, "2000-04-01T00:00:00",
            "2000-09-30T00:00:00");
    step_is(ZS_CAL_STANDARD, "YS", "-0001-06-01", 1, "-0001-01-01T00:00:00",
            "0001-06-01T00:00:00");
    step_is(ZS_CAL_PROLEPTIC, "YS", "0000-06-01", -1, "0000-01-01T00:00:00",
            "-0001-06-01T00:00:00");
    step_is(ZS_CAL_STANDARD, "MS", "1582-10-20", 0, "1582-10-01T00:00:00",
            "1582-10-20T00:00:00");
    t = instant(ZS_CAL_STANDARD, "1582-09-10");
    TAP_OK(zsi_time_step_parse(ctx, "MS", &st) == ZS_OK &&
           zsi_time_add(ZS_CAL_STANDARD, t, &st, 1, &t) == ZS_ERR_RANGE,
           "a month after 1582-09-10 falls in the gap");
    t = instant(ZS_CAL_STANDARD, "2000-01-01T10:00");
    zsi_time_step_parse(ctx, "4h", &st);
    TAP_OK(zsi_time_floor(ZS_CAL_STANDARD, t, &st,
                          instant(ZS_CAL_STANDARD, "2000-01-01T01:00"),
                          &t) == ZS_OK &&
           t == instant(ZS_CAL_STANDARD, "2000-01-01T09:00"),
           "fixed steps count from the origin");
}

int main(void)
{
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 1;
    test_calendar_names();
    test_leap_rules();
    test_day_numbers();
    test_day_round_trip();
    test_day_of_year();
    test_seasons();
    test_decode_known();
    test_decode_rounding();
    test_decode_errors();
    test_encode();
    test_round_trips();
    test_units_errors();
    test_units_text();
    test_format();
    test_parse();
    test_convert();
    test_convert_int();
    test_epoch_seconds();
    test_steps();
    zs_ctx_free(ctx);
    return TAP_DONE();
}
