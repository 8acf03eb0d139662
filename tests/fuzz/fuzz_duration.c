/*
 * fuzz_duration.c - durations and resampling frequencies ("90min",
 * "6h", "1D", "MS", "QS-DEC": zmean --resample, zsel --tolerance) from
 * arbitrary bytes, through zsi_time_step_parse (dataset/cf_step.c), and
 * the bin arithmetic on what it accepts.
 *
 * The first line is the frequency; the 16 bytes after it (zero-padded)
 * are an instant t and an origin (microseconds since 1970, folded into
 * +-3000 years).  For each of the six calendars, when it succeeds:
 *  - the start f of t's bin (zsi_time_floor) is at or before t;
 *  - f is the start of its own bin (floor(f) == f);
 *  - f plus one step (zsi_time_add) is after t: t lies in [f, next);
 *  - no crash, leak or undefined behaviour, whatever the text.
 * A refused frequency fails with ZS_ERR_INVALID and a message.
 */
#include "config.h"

#include "dataset/zsi_cftime.h"
#include "fuzz.h"

static zs_ctx *ctx;

/* +-3000 years of microseconds, about 9.5e16 */
#define SPAN ((zsi_usec)95000000000000000LL)

static zsi_usec instant(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (zsi_usec)(int64_t)(v % (uint64_t)(2 * SPAN)) - SPAN;
}

static void bins(zs_calendar cal, const zsi_time_step *step, zsi_usec t,
                 zsi_usec origin, const char *text)
{
    zsi_usec f, g, next;
    if (zsi_time_floor(cal, t, step, origin, &f) != ZS_OK)
        return;
    if (f > t)
        FUZZ_FAIL("'%s' in %s: the bin of t starts after t", text,
                  zsi_calendar_name(cal));
    if (zsi_time_floor(cal, f, step, origin, &g) == ZS_OK && g != f)
        FUZZ_FAIL("'%s' in %s: a bin's start is in another bin", text,
                  zsi_calendar_name(cal));
    if (zsi_time_add(cal, f, step, 1, &next) == ZS_OK && next <= t)
        FUZZ_FAIL("'%s' in %s: t lies beyond the end of its bin", text,
                  zsi_calendar_name(cal));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t tail[16] = {0};
    zsi_time_step step;
    size_t n = 0;
    char *text;
    zs_status st;
    if (!ctx && zs_ctx_new(&ctx) != ZS_OK)
        abort();
    if (size > 1024)
        return 0;
    while (n < size && data[n] != '\n')
        n++;
    text = malloc(n + 1);
    if (!text)
        abort();
    memcpy(text, data, n);
    text[n] = 0;
    if (n < size)
        memcpy(tail, data + n + 1,
               size - n - 1 < sizeof tail ? size - n - 1 : sizeof tail);
    st = zsi_time_step_parse(ctx, text, &step);
    if (st != ZS_OK && st != ZS_ERR_INVALID)
        FUZZ_FAIL("'%s' refused with %d, not ZS_ERR_INVALID", text, st);
    if (st == ZS_OK) {
        if ((step.usec <= 0) == (step.months <= 0))
            FUZZ_FAIL("'%s': neither a fixed length nor months", text);
        for (int cal = ZS_CAL_STANDARD; cal <= ZS_CAL_JULIAN; cal++)
            bins((zs_calendar)cal, &step, instant(tail), instant(tail + 8),
                 text);
    }
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
