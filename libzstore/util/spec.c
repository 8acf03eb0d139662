/* spec.c - the small languages options are written in, parsed in one
 * place: per-dimension specifications ("time=24,latitude=-1"), lists of
 * names ("t2m,msl") and memory sizes ("512M").  Messages name what the
 * text was for ("chunks", "variables"), never a command-line flag: the
 * tools add those. */
#include "config.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

void zsi_dimspec_free(zsi_dimspec *s)
{
    zsi_strv_free(&s->names);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

bool zsi_dimspec_copy(zsi_dimspec *dst, const zsi_dimspec *src)
{
    zsi_dimspec d;
    memset(&d, 0, sizeof d);
    d.all = src->all;
    d.all_set = src->all_set;
    for (size_t i = 0; i < src->names.n; i++)
        if (!zsi_strv_push(&d.names, src->names.v[i]))
            goto nomem;
    if (src->names.n) {
        d.vals = malloc(src->names.n * sizeof *d.vals);
        if (!d.vals)
            goto nomem;
        memcpy(d.vals, src->vals, src->names.n * sizeof *d.vals);
    }
    zsi_dimspec_free(dst);
    *dst = d;
    return true;
nomem:
    zsi_dimspec_free(&d);
    return false;
}

/* One value: a positive integer, -1 (whole) or, when allowed, "auto". */
static bool spec_value(const char *t, unsigned flags, int64_t *v)
{
    if ((flags & ZSI_DIMSPEC_AUTO_OK) && strcmp(t, "auto") == 0) {
        *v = ZSI_DIMSPEC_AUTO;
        return true;
    }
    return zsi_parse_i64(t, v) && (*v >= 1 || *v == ZSI_DIMSPEC_WHOLE);
}

static zs_status bad_spec(zs_ctx *ctx, const char *what, const char *text,
                          const char *why)
{
    return zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': %s", what, text, why);
}

zs_status zsi_dimspec_parse(zs_ctx *ctx, const char *what, const char *text,
                            unsigned flags, zsi_dimspec *out)
{
    const char *want = flags & ZSI_DIMSPEC_AUTO_OK
                           ? "want DIM=N,... with N >= 1, -1 (whole) or "
                             "auto"
                           : "want DIM=N,... with N >= 1 or -1 (whole)";
    zsi_dimspec s;
    zsi_strv items = {0};
    zs_status st = ZS_OK;
    memset(&s, 0, sizeof s);
    if (!text || !*text)
        return bad_spec(ctx, what, text ? text : "", want);
    /* a bare value applies to every dimension ("auto", "-1") */
    if (!strchr(text, '=')) {
        if (!(flags & ZSI_DIMSPEC_ALL_OK) || !spec_value(text, flags,
                                                         &s.all))
            return bad_spec(ctx, what, text, want);
        s.all_set = true;
        zsi_dimspec_free(out);
        *out = s;
        return ZS_OK;
    }
    if (!zsi_strv_split(&items, text, ',') ||
        !(s.vals = calloc(items.n ? items.n : 1, sizeof *s.vals)))
        st = zsi_nomem(ctx);
    for (size_t i = 0; st == ZS_OK && i < items.n; i++) {
        char *eq = strchr(items.v[i], '=');
        if (!eq || eq == items.v[i] || !spec_value(eq + 1, flags,
                                                   &s.vals[i])) {
            st = bad_spec(ctx, what, text, want);
            break;
        }
        *eq = 0;
        if (zsi_strv_contains(&s.names, items.v[i]))
            st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': dimension '%s' "
                         "given twice", what, text, items.v[i]);
        else if (!zsi_strv_push(&s.names, items.v[i]))
            st = zsi_nomem(ctx);
    }
    if (st == ZS_OK && s.names.n == 0)
        st = bad_spec(ctx, what, text, want);
    zsi_strv_free(&items);
    if (st != ZS_OK) {
        zsi_dimspec_free(&s);
        return st;
    }
    zsi_dimspec_free(out);
    *out = s;
    return ZS_OK;
}

bool zsi_dimspec_empty(const zsi_dimspec *s)
{
    return s->names.n == 0 && !s->all_set;
}

int zsi_dimspec_get(const zsi_dimspec *s, const char *name, int64_t *v)
{
    for (size_t i = 0; i < s->names.n; i++)
        if (strcmp(s->names.v[i], name) == 0) {
            *v = s->vals[i];
            return 1;
        }
    if (s->all_set) {
        *v = s->all;
        return 1;
    }
    return 0;
}

const char *zsi_dimspec_unknown(const zsi_dimspec *s, const zsi_strv *dims)
{
    for (size_t i = 0; i < s->names.n; i++)
        if (!zsi_strv_contains(dims, s->names.v[i]))
            return s->names.v[i];
    return NULL;
}

zs_status zsi_names_parse(zs_ctx *ctx, const char *what, const char *text,
                          zsi_strv *out)
{
    zsi_strv v = {0};
    const char *p = text;
    zs_status st = ZS_OK;
    if (!text || !*text)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: an empty list", what);
    while (st == ZS_OK) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *name = zsi_strndup(p, n);
        if (!name)
            st = zsi_nomem(ctx);
        else if (n == 0)
            st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': an empty name",
                         what, text);
        else if (zsi_strv_contains(&v, name))
            st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': '%s' given twice",
                         what, text, name);
        else if (!zsi_strv_push(&v, name))
            st = zsi_nomem(ctx);
        free(name);
        if (!e)
            break;
        p = e + 1;
    }
    if (st != ZS_OK) {
        zsi_strv_free(&v);
        return st;
    }
    zsi_strv_free(out);
    *out = v;
    return ZS_OK;
}

zs_status zsi_names_set(zs_ctx *ctx, const char *what, const char *text,
                        zsi_strv *out)
{
    if (!text) {
        zsi_strv_free(out);
        return ZS_OK;
    }
    return zsi_names_parse(ctx, what, text, out);
}

zs_status zsi_size_parse(zs_ctx *ctx, const char *what, const char *text,
                         uint64_t min, uint64_t *out)
{
    uint64_t v;
    if (!zsi_parse_size(text, &v))
        return zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': want a size such as "
                       "512M, 2G or 4096 (bytes)", what, text ? text : "");
    if (v < min)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': at least %llu bytes",
                       what, text, (unsigned long long)min);
    *out = v;
    return ZS_OK;
}

void zsi_fmt_duration(double secs, char *buf, size_t n)
{
    double s = secs > 0 ? secs : 0;
    if (s < 10)
        snprintf(buf, n, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%.0f min %02.0f s", floor(s / 60),
                 fmod(floor(s + 0.5), 60));
    else if (s < 86400 * 100.0)
        snprintf(buf, n, "%.0f h %02.0f min", floor(s / 3600),
                 fmod(floor(s / 60 + 0.5), 60));
    else
        snprintf(buf, n, "%.0f days", floor(s / 86400 + 0.5));
}

void zsi_fmt_size(uint64_t b, char *buf, size_t n)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}
