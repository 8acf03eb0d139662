/*
 * cf_step.c - resampling frequencies ("6h", "1D", "MS", "QS-DEC") and
 * the bin arithmetic on them, in any CF calendar.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataset/zsi_cftime.h"

static const struct {
    const char *name;
    int64_t usec;
    int months;
    bool end_label;
} step_names[] = {
    {"us", 1, 0, false}, {"U", 1, 0, false},
    {"ms", 1000, 0, false}, {"L", 1000, 0, false},
    {"s", ZSI_USEC_PER_SEC, 0, false}, {"S", ZSI_USEC_PER_SEC, 0, false},
    {"min", 60 * ZSI_USEC_PER_SEC, 0, false},
    {"T", 60 * ZSI_USEC_PER_SEC, 0, false},
    {"h", 3600 * ZSI_USEC_PER_SEC, 0, false},
    {"H", 3600 * ZSI_USEC_PER_SEC, 0, false},
    {"D", ZSI_USEC_PER_DAY, 0, false}, {"d", ZSI_USEC_PER_DAY, 0, false},
    {"W", 7 * ZSI_USEC_PER_DAY, 0, false},
    {"MS", 0, 1, false}, {"ME", 0, 1, true}, {"M", 0, 1, true},
    {"QS", 0, 3, false}, {"QE", 0, 3, true}, {"Q", 0, 3, true},
    {"YS", 0, 12, false}, {"AS", 0, 12, false}, {"YE", 0, 12, true},
    {"Y", 0, 12, true}, {"A", 0, 12, true},
};

/* Month from a three-letter English abbreviation; 0 if none. */
static int month_abbrev(const char *s)
{
    static const char names[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
    int i;
    if (strlen(s) != 3)
        return 0;
    for (i = 0; i < 12; i++)
        if (strncasecmp(s, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* Bin start month of an anchored quarter or year: "QS-DEC" starts in
 * December, "QE-NOV" ends in November and so also starts in December. */
static bool step_anchor(const char *suffix, bool end_label, int *anchor)
{
    int m;
    *anchor = 1;
    if (*suffix == '\0')
        return true;
    if (*suffix != '-' || (m = month_abbrev(suffix + 1)) == 0)
        return false;
    *anchor = end_label ? m % 12 + 1 : m;
    return true;
}

zs_status zsi_time_step_parse(zs_ctx *ctx, const char *text,
                              zsi_time_step *out)
{
    const char *p = text ? text : "";
    int64_t count = 1;
    size_t i, len;
    char *end;
    if (*p >= '0' && *p <= '9') {
        count = strtoll(p, &end, 10);
        p = end;
    }
    for (len = 0; p[len] && p[len] != '-'; len++) {}
    for (i = 0; i < sizeof step_names / sizeof step_names[0]; i++)
        if (strlen(step_names[i].name) == len &&
            strncmp(p, step_names[i].name, len) == 0)
            break;
    if (count < 1 || count > 1000000 || len == 0 ||
        i == sizeof step_names / sizeof step_names[0] ||
        (p[len] && step_names[i].months < 3) ||
        !step_anchor(p + len, step_names[i].end_label, &out->anchor))
        return zsi_err(ctx, ZS_ERR_INVALID, "bad time frequency \"%.40s\" "
                       "(expected e.g. 6h, 1D, MS, QS-DEC, YS)",
                       text ? text : "");
    out->usec = step_names[i].usec * count;
    out->months = step_names[i].months * count;
    out->end_label = step_names[i].end_label;
    return ZS_OK;
}

/* Floor division of 128-bit integers. */
static zsi_usec fdiv128(zsi_usec a, zsi_usec b)
{
    zsi_usec q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Months since year 0 (astronomical) of a date, and back. */
static zsi_usec month_index(zs_calendar cal, const zs_datetime *dt)
{
    int64_t a = dt->year;
    if (!zsi_calendar_has_year_zero(cal) && a < 0)
        a++;
    return (zsi_usec)a * 12 + dt->month - 1;
}

static zs_status set_month_index(zs_calendar cal, zsi_usec mi,
                                 zs_datetime *dt)
{
    zsi_usec a = fdiv128(mi, 12);
    if (a > ZSI_YEAR_MAX || a < -ZSI_YEAR_MAX)
        return ZS_ERR_RANGE;
    dt->month = (int)(mi - a * 12) + 1;
    dt->year = (int64_t)a;
    if (!zsi_calendar_has_year_zero(cal) && a <= 0)
        dt->year--;
    return ZS_OK;
}

static bool step_ok(const zsi_time_step *s)
{
    return (s->usec > 0) != (s->months > 0) &&
           (s->months == 0 || (s->anchor >= 1 && s->anchor <= 12));
}

zs_status zsi_time_floor(zs_calendar cal, zsi_usec t,
                         const zsi_time_step *step, zsi_usec origin,
                         zsi_usec *out)
{
    zs_datetime dt;
    zsi_usec mi;
    int phase;
    if (!step_ok(step))
        return ZS_ERR_INVALID;
    if (step->usec > 0) {
        *out = origin + fdiv128(t - origin, step->usec) * step->usec;
        return ZS_OK;
    }
    if (zsi_datetime_from_usec(cal, t, &dt) != ZS_OK)
        return ZS_ERR_RANGE;
    phase = step->anchor - 1;
    mi = phase + fdiv128(month_index(cal, &dt) - phase, step->months) *
                     step->months;
    if (set_month_index(cal, mi, &dt) != ZS_OK)
        return ZS_ERR_RANGE;
    dt.day = 1;
    dt.hour = dt.minute = 0;
    dt.second = 0;
    return zsi_datetime_to_usec(cal, &dt, out);
}

zs_status zsi_time_add(zs_calendar cal, zsi_usec t, const zsi_time_step *step,
                       int64_t n, zsi_usec *out)
{
    zs_datetime dt;
    zsi_usec r;
    int dim;
    if (!step_ok(step))
        return ZS_ERR_INVALID;
    if (step->usec > 0) {
        r = t + (zsi_usec)n * step->usec;
        if (zsi_datetime_from_usec(cal, r, &dt) != ZS_OK)
            return ZS_ERR_RANGE;
        *out = r;
        return ZS_OK;
    }
    if (zsi_datetime_from_usec(cal, t, &dt) != ZS_OK ||
        set_month_index(cal, month_index(cal, &dt) +
                        (zsi_usec)n * step->months, &dt) != ZS_OK)
        return ZS_ERR_RANGE;
    dim = zsi_calendar_days_in_month(cal, dt.year, dt.month);
    if (dt.day > dim)
        dt.day = dim;
    return zsi_datetime_to_usec(cal, &dt, out);
}
