/*
 * zsi_cftime.h - CF time internals: calendars, exact instants, unit
 * conversion and resampling steps.  For the dataset layer and the layers
 * above it (operations, library code behind the tools).
 *
 * Semantics follow CF 1.10 and cftime 1.6, which is the reference:
 *  - standard (alias gregorian) is Julian up to 1582-10-04 and Gregorian
 *    from 1582-10-15; the ten days between do not exist;
 *  - standard and julian number years historically (year -1 precedes year
 *    1, there is no year 0); proleptic_gregorian and the idealized
 *    calendars (noleap, all_leap, 360_day) have a year 0;
 *  - times are exact to the microsecond.
 *
 * The time axis.  An instant is a count of microseconds (zsi_usec) from
 * 1970-01-01T00:00:00.  For the real-world calendars (standard,
 * proleptic_gregorian, julian) that origin is the Gregorian 1970-01-01,
 * so the three share one physical axis (Unix time) and their instants
 * compare directly.  The idealized calendars each count from their own
 * 1970-01-01 and compare only with themselves.
 *
 * Nothing here keeps global state; every function is thread-safe.
 * Functions without a context return status codes only; those that take
 * one record a detailed message in it.
 */
#ifndef ZSI_CFTIME_H
#define ZSI_CFTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "util/zsi_util.h"

/* Microseconds on the time axis described above; exact. */
typedef __int128 zsi_usec;

#define ZSI_USEC_PER_SEC INT64_C(1000000)
#define ZSI_USEC_PER_DAY INT64_C(86400000000)

/* Years accepted in dates (both signs); keeps every sum in range. */
#define ZSI_YEAR_MAX INT64_C(1000000000)

/* ---- calendars ---------------------------------------------------- */

/* Calendar by CF name, case-insensitive; NULL or "" is standard.
 * ZS_ERR_UNSUPPORTED naming it for anything else. */
zs_status zsi_calendar_parse(zs_ctx *ctx, const char *name, zs_calendar *out);

/* Canonical CF name ("standard", "proleptic_gregorian", "noleap", ...). */
const char *zsi_calendar_name(zs_calendar cal);

/* True for standard, proleptic_gregorian and julian: their days are
 * physical days on one shared axis. */
bool zsi_calendar_is_real(zs_calendar cal);

/* True if the calendar has a year 0 (all but standard and julian). */
bool zsi_calendar_has_year_zero(zs_calendar cal);

/* Leap year in the calendar (year numbered as the calendar numbers it;
 * false for year 0 where it does not exist, and for 360_day). */
bool zsi_calendar_is_leap(zs_calendar cal, int64_t year);

/* Length of a month as in cftime's daysinmonth (31 for October 1582 in
 * the standard calendar); 0 if month is not 1..12 or the year does not
 * exist. */
int zsi_calendar_days_in_month(zs_calendar cal, int64_t year, int month);

/* True if every field of dt is in range and the date exists in cal
 * (seconds must round to less than 60 at microsecond precision). */
bool zsi_datetime_valid(zs_calendar cal, const zs_datetime *dt);

/* Day of the year, 1-based, as cftime's dayofyr: days of the previous
 * months (by the calendar's leap rule) plus the day; for 1582 in the
 * standard calendar the missing days are counted, as cftime does.
 * 0 if dt is not valid in cal. */
int zsi_datetime_day_of_year(zs_calendar cal, const zs_datetime *dt);

/* Season index of a month like xarray's time.season: 0 DJF, 1 MAM,
 * 2 JJA, 3 SON; -1 if month is not 1..12. */
int zsi_month_season(int month);

/* "DJF", "MAM", "JJA", "SON" for 0..3, else "". */
const char *zsi_season_name(int season);

/* ---- dates, days and instants -------------------------------------- */

/* Day number of a date on the calendar's axis (see the top of this
 * header: day 0 is 1970-01-01).  ZS_ERR_RANGE if the date does not exist
 * in cal or |year| > ZSI_YEAR_MAX. */
zs_status zsi_calendar_days(zs_calendar cal, int64_t year, int month,
                            int day, int64_t *out);

/* The date of a day number (inverse of zsi_calendar_days);
 * ZS_ERR_RANGE far outside the year range. */
zs_status zsi_calendar_date(zs_calendar cal, int64_t days, int64_t *year,
                            int *month, int *day);

/* A date-time as an instant.  Seconds are rounded to the microsecond.
 * ZS_ERR_RANGE if dt is not a valid date-time in cal. */
zs_status zsi_datetime_to_usec(zs_calendar cal, const zs_datetime *dt,
                               zsi_usec *out);

/* The date-time of an instant; second carries the microseconds
 * (second * 1e6 rounds back to them exactly).  ZS_ERR_RANGE far outside
 * the year range. */
zs_status zsi_datetime_from_usec(zs_calendar cal, zsi_usec t,
                                 zs_datetime *out);

/* Microseconds of the second field (0..59999999), rounded to nearest;
 * -1 if the second is not finite or not in [0, 60). */
int64_t zsi_datetime_second_usec(const zs_datetime *dt);

/* Scan an ISO 8601 date or date-time at the start of text: "[+-]YYYY",
 * "-M[M]", "-D[D]", then "T" (or spaces) and "h[h]", ":m[m]", ":s[s]",
 * ".fraction" (digits past the microsecond are dropped), each part
 * optional once the previous one is present.  Missing fields get their
 * minimum.  Stops at the first character it does not take and sets *end
 * there.  Only syntax and field ranges (month 1..12, day 1..31, hour
 * 0..23, minute 0..59, second 0..59) are checked, not the calendar.
 * With cf_units, the rules of the epoch of CF units apply instead of
 * ISO's: a year may have any number of digits without a sign (cftime
 * reads "12345-1-1"), and an hour must be followed by minutes
 * ("2000-01-01 12" is read differently by different libraries).
 * Otherwise years of more than four digits need a sign ("+12345"), so
 * that "20231101" is not taken for a year.
 * @return ZS_ERR_INVALID on bad syntax, ZS_ERR_RANGE for a field out of
 *         range. */
zs_status zsi_datetime_scan(const char *text, bool cf_units,
                            zs_datetime *out, const char **end);

/* ---- units -------------------------------------------------------- */

/* Units of a time axis. */
typedef enum zsi_time_unit {
    ZSI_TU_USEC = 0,
    ZSI_TU_MSEC = 1,
    ZSI_TU_SEC = 2,
    ZSI_TU_MIN = 3,
    ZSI_TU_HOUR = 4,
    ZSI_TU_DAY = 5,
    ZSI_TU_MONTH = 6, /* 30 days; "months since", 360_day calendar only */
    ZSI_TU_YEAR = 7   /* 365 days; "common_years since", noleap only */
} zsi_time_unit;

/* Microseconds in one unit; 0 for a value outside the enum. */
int64_t zsi_time_unit_usec(zsi_time_unit unit);

/* Plural CF name ("days", "hours", ..., "months", "common_years"). */
const char *zsi_time_unit_name(zsi_time_unit unit);

zsi_time_unit zsi_time_units_unit(const zs_time_units *u);

/* The epoch as an instant: the date written after "since", minus the
 * time-zone offset written after it. */
zsi_usec zsi_time_units_epoch(const zs_time_units *u);

/* The context given when u was made (NULL allowed), and its text. */
zs_ctx *zsi_time_units_ctx(const zs_time_units *u);
const char *zsi_time_units_text(const zs_time_units *u);

/* True if a and b have the same unit, epoch instant and calendar (so
 * their values are interchangeable). */
bool zsi_time_units_equal(const zs_time_units *a, const zs_time_units *b);

/* True if instants of a and b lie on one axis: same calendar, or both
 * real-world calendars. */
bool zsi_time_comparable(const zs_time_units *a, const zs_time_units *b);

/* Build units from parts, e.g. for output variables; messages of later
 * calls go to ctx.  ZS_ERR_RANGE if epoch is not valid in cal,
 * ZS_ERR_UNSUPPORTED for months/common_years outside their calendar. */
zs_status zsi_time_units_new(zs_ctx *ctx, zsi_time_unit unit,
                             const zs_datetime *epoch, zs_calendar cal,
                             zs_time_units **out);

/* Units text as xarray writes when encoding times:
 * "days since 2000-01-01 00:00:00" (".ffffff" appended to the seconds
 * only if the epoch has microseconds).  ZS_ERR_INVALID if buf is too
 * small (64 bytes always suffice), ZS_ERR_RANGE for bad epoch fields. */
zs_status zsi_time_units_format(zsi_time_unit unit, const zs_datetime *epoch,
                                char *buf, size_t size);

/* Largest unit (days down to microseconds, like xarray's encoder) that
 * divides every one of n differences; ZSI_TU_DAY when n is 0. */
zsi_time_unit zsi_time_infer_unit(const zsi_usec *deltas, size_t n);

/* ---- values ------------------------------------------------------- */

/* Instant of a value in units u.  The value times the unit is rounded
 * to the microsecond exactly as cftime.num2date does (see cf_time.c);
 * integral values are exact.  ZS_ERR_RANGE for NaN, infinities and
 * offsets beyond 2^63 microseconds (cftime's limit). */
zs_status zsi_time_to_usec(const zs_time_units *u, double value,
                           zsi_usec *out);

/* Same for an integer value, exact over the whole int64 range as long as
 * the offset stays within 2^63 microseconds. */
zs_status zsi_time_i64_to_usec(const zs_time_units *u, int64_t value,
                               zsi_usec *out);

/* Value of an instant in units u, correctly rounded (as
 * cftime.date2num: exact whenever the value is a double).  Always
 * ZS_OK: every instant of a valid date has a finite value. */
zs_status zsi_time_from_usec(const zs_time_units *u, zsi_usec t,
                             double *out);

/* Value of a time as whole seconds and microseconds since 1970-01-01 on
 * the axis of its calendar (0 <= *usec < 1000000), for ordering times
 * given in different units (of comparable calendars, see
 * zsi_time_comparable). */
zs_status zsi_time_to_epoch_seconds(const zs_time_units *u, double value,
                                    int64_t *sec, int32_t *usec);

/* Convert a value from units `from` to units `to` without loss.  The
 * value denotes a date-time in from's calendar (rounded to the
 * microsecond as by zs_time_decode); the result denotes the same
 * date-time in to's calendar.  Fails with ZS_ERR_RANGE, and a message in
 * the context of to (of from for a bad input value), when
 *  - the result is not exactly a double (25 hours in days),
 *  - the date does not exist in to's calendar (Feb 29 into noleap), or
 *  - both calendars are real-world and the date names different days in
 *    them (julian and gregorian after 1582; standard and
 *    proleptic_gregorian before 1582-10-15).
 * Between identical calendars only exactness matters. */
zs_status zsi_time_convert(const zs_time_units *from, const zs_time_units *to,
                           double value, double *out);

/* As zsi_time_convert, for a caller that stores the result in an integer
 * variable of type `type` (an integer zs_dtype): the result must be a
 * whole number within that type's range (ZS_ERR_RANGE otherwise). */
zs_status zsi_time_convert_int(const zs_time_units *from,
                               const zs_time_units *to, double value,
                               zs_dtype type, int64_t *out);

/* As zsi_time_convert_int for an integer input value (exact beyond
 * 2^53, e.g. int64 microseconds). */
zs_status zsi_time_convert_i64(const zs_time_units *from,
                               const zs_time_units *to, int64_t value,
                               zs_dtype type, int64_t *out);

/* ---- resampling steps --------------------------------------------- */

/* A resampling frequency: either a fixed length or calendar months. */
typedef struct zsi_time_step {
    int64_t usec;    /* fixed steps ("6h", "1D"): length; 0 otherwise */
    int64_t months;  /* month steps ("1MS", "QS-DEC", "YS"): count */
    int anchor;      /* month steps: first month of a bin, 1..12 */
    bool end_label;  /* "ME", "QE", "YE" (or "M", "Q", "Y", "A"): bins
                        labelled at their end; the bins are the same */
} zsi_time_step;

/* Parse a pandas/xarray frequency: an optional count (default 1) and
 * one of "us" "U", "ms" "L", "s" "S", "min" "T", "h" "H", "D", "W"
 * (7 days from the origin, not pandas' Sunday anchor), "MS", "QS",
 * "YS" "AS" (and their end forms "ME" "M", "QE" "Q", "YE" "Y" "A"),
 * quarters and years with an optional month anchor ("QS-DEC",
 * "YS-JUL").  ZS_ERR_INVALID with a message otherwise. */
zs_status zsi_time_step_parse(zs_ctx *ctx, const char *text,
                              zsi_time_step *out);

/* Start of the bin holding t.  Fixed steps count whole steps from
 * origin (pass the midnight of the first time for xarray's default
 * origin "start_day"; 0 is 1970-01-01).  Month steps ignore origin:
 * bins start at 00:00 on day 1 of the months anchor, anchor + months,
 * ... */
zs_status zsi_time_floor(zs_calendar cal, zsi_usec t,
                         const zsi_time_step *step, zsi_usec origin,
                         zsi_usec *out);

/* t plus n steps.  Month steps keep the time of day and clamp the day to
 * the length of the target month; ZS_ERR_RANGE if the result falls in
 * the 1582 gap of the standard calendar or out of the year range. */
zs_status zsi_time_add(zs_calendar cal, zsi_usec t, const zsi_time_step *step,
                       int64_t n, zsi_usec *out);

#endif /* ZSI_CFTIME_H */
