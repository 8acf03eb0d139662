/*
 * fuzz_time.c - CF time units, calendars and ISO 8601 dates from
 * arbitrary bytes.  The input is cut at newlines into four lines: units
 * ("hours since 2000-01-01 06:00 +3:30"), a calendar name, a date-time
 * text and a number.  Checks:
 *  - zs_time_units_parse either fails with a message or gives units
 *    whose calendar is one of the six CF calendars;
 *  - a number the units decode (zs_time_decode) is a valid date-time in
 *    that calendar, and it formats (zs_datetime_format) into text that
 *    zs_datetime_parse reads back to the same date-time;
 *  - a date-time text that zs_datetime_parse accepts formats and parses
 *    back to the same fields; when it is a valid date in the calendar,
 *    its instant (zsi_datetime_to_usec) converts back to it exactly;
 *  - no crash, leak or undefined behaviour, whatever the text.
 */
#include "config.h"

#include <math.h>

#include "dataset/zsi_cftime.h"
#include "fuzz.h"

static zs_ctx *ctx;

static bool same(const zs_datetime *a, const zs_datetime *b)
{
    return a->year == b->year && a->month == b->month &&
           a->day == b->day && a->hour == b->hour &&
           a->minute == b->minute &&
           zsi_datetime_second_usec(a) == zsi_datetime_second_usec(b);
}

static void show(const char *what, const zs_datetime *d)
{
    fprintf(stderr, "%s: %lld-%d-%d %d:%d:%.17g\n", what,
            (long long)d->year, d->month, d->day, d->hour, d->minute,
            d->second);
}

/* dt formats and parses back to itself. */
static void round_trip(const zs_datetime *dt, const char *origin)
{
    char buf[ZS_DATETIME_MAX];
    zs_datetime back;
    if (zs_datetime_format(dt, buf, sizeof buf) != ZS_OK)
        return;   /* a year the text cannot hold: refused, fine */
    if (zs_datetime_parse(buf, &back) != ZS_OK) {
        show("date", dt);
        FUZZ_FAIL("%s: '%s' (formatted) does not parse", origin, buf);
    }
    if (!same(dt, &back)) {
        show("date", dt);
        show("back", &back);
        FUZZ_FAIL("%s: '%s' parses to another date-time", origin, buf);
    }
}

static void units_case(const char *units, const char *calendar,
                       const char *number)
{
    zs_time_units *u = NULL;
    zs_datetime dt;
    zs_calendar cal;
    char *end;
    double v = strtod(number, &end);
    if (zs_time_units_parse(ctx, units, calendar, &u) != ZS_OK)
        return;
    cal = zs_time_units_calendar(u);
    if ((int)cal < ZS_CAL_STANDARD || (int)cal > ZS_CAL_JULIAN)
        FUZZ_FAIL("calendar %d out of the enum", (int)cal);
    if (end != number && zs_time_decode(u, v, &dt) == ZS_OK) {
        if (!zsi_datetime_valid(cal, &dt)) {
            show("decoded", &dt);
            FUZZ_FAIL("%.17g '%s' decodes to a date that does not exist "
                      "in calendar %s", v, units, zsi_calendar_name(cal));
        }
        round_trip(&dt, "decoded");
    }
    zs_time_units_free(u);
}

static void date_case(const char *text, const char *calendar)
{
    zs_datetime dt, back;
    zs_calendar cal;
    zsi_usec t;
    if (zs_datetime_parse(text, &dt) != ZS_OK)
        return;
    round_trip(&dt, "parsed");
    if (zsi_calendar_parse(ctx, calendar, &cal) != ZS_OK)
        cal = ZS_CAL_STANDARD;
    if (!zsi_datetime_valid(cal, &dt) ||
        zsi_datetime_to_usec(cal, &dt, &t) != ZS_OK)
        return;
    if (zsi_datetime_from_usec(cal, t, &back) != ZS_OK || !same(&dt, &back)) {
        show("date", &dt);
        show("back", &back);
        FUZZ_FAIL("'%s': its instant in %s is another date-time", text,
                  zsi_calendar_name(cal));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *line[4] = {"", "", "", ""};
    int n = 0;
    if (!ctx && zs_ctx_new(&ctx) != ZS_OK)
        abort();
    if (size > 4096)
        return 0;
    text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = 0;
    line[0] = text;
    for (char *p = text; *p && n < 3; p++)
        if (*p == '\n') {
            *p = 0;
            line[++n] = p + 1;
        }
    units_case(line[0], line[1], line[3]);
    date_case(line[2], line[1]);
    free(text);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *dir)
{
    (void)dir;
    return 0;
}
#endif
