/*
 * zs-cftime-cli - batch driver of the CF time functions, for the interop
 * test against cftime (tests/interop/cftime.py).  Reads tab-separated
 * requests from stdin, one per line, and writes one answer line each:
 *
 *   d UNITS CALENDAR VALUE        -> ISO date-time (zs_time_decode)
 *   e UNITS CALENDAR ISO          -> value, %.17g (zs_time_encode)
 *   c UNITS CALENDAR UNITS2 CALENDAR2 VALUE
 *                                 -> value, %.17g (zsi_time_convert)
 *   i UNITS CALENDAR UNITS2 CALENDAR2 VALUE
 *                                 -> integer (zsi_time_convert_int, int64)
 *   p TEXT                        -> zs_datetime_parse + format
 *
 * CALENDAR "-" stands for none.  Failures answer "error CODE MESSAGE".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_cftime.h"

#define MAX_FIELDS 7

/* One parsed units/calendar pair, kept while lines repeat it. */
typedef struct cached_units {
    char key[512];
    zs_time_units *u;
    zs_status st;
} cached_units;

static int split(char *line, char **f)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < MAX_FIELDS) {
        f[n++] = p;
        if (!(p = strchr(p, '\t')))
            break;
        *p++ = '\0';
    }
    return n;
}

static zs_status get_units(zs_ctx *ctx, cached_units *c, const char *units,
                           const char *cal, zs_time_units **out)
{
    char key[512];
    snprintf(key, sizeof key, "%s\t%s", units, cal);
    if (!c->u || strcmp(key, c->key) != 0) {
        zs_time_units_free(c->u);
        c->u = NULL;
        snprintf(c->key, sizeof c->key, "%s", key);
        c->st = zs_time_units_parse(ctx, units, strcmp(cal, "-") ? cal : NULL,
                                    &c->u);
    }
    *out = c->u;
    return c->st;
}

static zs_status do_decode(zs_time_units *u, const char *v, char *out,
                           size_t size)
{
    zs_datetime dt;
    zs_status st = zs_time_decode(u, strtod(v, NULL), &dt);
    return st ? st : zs_datetime_format(&dt, out, size);
}

static zs_status do_encode(zs_time_units *u, const char *iso, char *out,
                           size_t size)
{
    zs_datetime dt;
    double v;
    zs_status st = zs_datetime_parse(iso, &dt);
    if (st == ZS_OK)
        st = zs_time_encode(u, &dt, &v);
    if (st == ZS_OK)
        snprintf(out, size, "%.17g", v);
    return st;
}

static zs_status do_parse(const char *text, char *out, size_t size)
{
    zs_datetime dt;
    zs_status st = zs_datetime_parse(text, &dt);
    return st ? st : zs_datetime_format(&dt, out, size);
}

static zs_status do_convert(zs_time_units *a, zs_time_units *b, char kind,
                            const char *v, char *out, size_t size)
{
    double r;
    int64_t i;
    zs_status st;
    if (kind == 'c') {
        if ((st = zsi_time_convert(a, b, strtod(v, NULL), &r)) == ZS_OK)
            snprintf(out, size, "%.17g", r);
    } else {
        st = zsi_time_convert_int(a, b, strtod(v, NULL), ZS_DT_INT64, &i);
        if (st == ZS_OK)
            snprintf(out, size, "%" PRId64, i);
    }
    return st;
}

static zs_status answer(zs_ctx *ctx, cached_units *c, char **f, int n,
                        char *out, size_t size)
{
    zs_time_units *a, *b;
    zs_status st;
    if (n == 2 && f[0][0] == 'p')
        return do_parse(f[1], out, size);
    if (n < 4 || (st = get_units(ctx, &c[0], f[1], f[2], &a)) != ZS_OK)
        return n < 4 ? ZS_ERR_INVALID : st;
    if (f[0][0] == 'd')
        return do_decode(a, f[3], out, size);
    if (f[0][0] == 'e')
        return do_encode(a, f[3], out, size);
    if (n < 6 || (st = get_units(ctx, &c[1], f[3], f[4], &b)) != ZS_OK)
        return n < 6 ? ZS_ERR_INVALID : st;
    return do_convert(a, b, f[0][0], f[5], out, size);
}

int main(void)
{
    char line[2048], out[128], *f[MAX_FIELDS];
    cached_units c[2];
    zs_ctx *ctx;
    zs_status st;
    memset(c, 0, sizeof c);
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 1;
    while (fgets(line, sizeof line, stdin)) {
        int n = split(line, f);
        zsi_ctx_clear_message(ctx);
        if ((st = answer(ctx, c, f, n, out, sizeof out)) == ZS_OK)
            printf("%s\n", out);
        else
            printf("error %d %s\n", (int)st, zs_ctx_message(ctx));
    }
    zs_time_units_free(c[0].u);
    zs_time_units_free(c[1].u);
    zs_ctx_free(ctx);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
