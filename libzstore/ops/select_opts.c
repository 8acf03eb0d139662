/* select_opts.c - options of a selection. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_select.h"

zs_status zs_select_opts_new(zs_select_opts **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? ZS_OK : ZS_ERR_NOMEM;
}

static void spec_clear(sel_spec *s)
{
    free(s->dim);
    free(s->a);
    free(s->b);
    free(s->step);
}

void zsi_select_opts_clear(struct zs_select_opts *o)
{
    for (size_t i = 0; i < o->nspecs; i++)
        spec_clear(&o->specs[i]);
    free(o->specs);
    free(o->tolerance);
    zsi_strv_free(&o->vars);
    zsi_strv_free(&o->chunk_dims);
    free(o->chunk_lens);
    free(o->history);
    memset(o, 0, sizeof *o);
}

void zs_select_opts_free(zs_select_opts *o)
{
    if (!o)
        return;
    zsi_select_opts_clear(o);
    free(o);
}

/* "DIM=A:B", "DIM=V", "DIM=I:J:S": split into parts. */
static zs_status parse_spec(const char *text, bool index, sel_spec *s)
{
    const char *eq = text ? strchr(text, '=') : NULL, *v, *c1, *c2;
    memset(s, 0, sizeof *s);
    if (!eq || eq == text || !eq[1])
        return ZS_ERR_INVALID;
    s->is_index = index;
    s->dim = zsi_strndup(text, (size_t)(eq - text));
    v = eq + 1;
    /* times contain ':' too: for --sel a range is split at the ':' that
     * is followed by something that starts a bound, taking ISO times
     * "2023-11-01T06:00:00" whole */
    c1 = NULL;
    if (index) {
        c1 = strchr(v, ':');
    } else {
        int depth_t = 0;
        for (const char *p = v; *p && !c1; p++) {
            if (*p == 'T' && p > v && p[-1] >= '0' && p[-1] <= '9')
                depth_t = 1;   /* inside a time of day */
            else if (*p == ':' && depth_t) {
                /* ":" inside hh:mm:ss unless the next token is a date */
                const char *q = p + 1;
                int digits = 0;
                while (q[digits] >= '0' && q[digits] <= '9')
                    digits++;
                if (digits >= 4 || q[0] == '-' || q[0] == 0)
                    c1 = p;
            } else if (*p == ':') {
                c1 = p;
            }
        }
    }
    if (!c1) {
        s->range = false;
        s->a = zsi_strdup(v);
        return s->dim && s->a ? ZS_OK : ZS_ERR_NOMEM;
    }
    s->range = true;
    if (c1 > v)
        s->a = zsi_strndup(v, (size_t)(c1 - v));
    c2 = index ? strchr(c1 + 1, ':') : NULL;
    if (c2) {
        if (c2 > c1 + 1)
            s->b = zsi_strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        if (c2[1])
            s->step = zsi_strdup(c2 + 1);
    } else if (c1[1]) {
        s->b = zsi_strdup(c1 + 1);
    }
    return s->dim ? ZS_OK : ZS_ERR_NOMEM;
}

static zs_status add(zs_select_opts *o, const char *spec, bool index)
{
    sel_spec s, *v;
    zs_status st = parse_spec(spec, index, &s);
    if (st != ZS_OK) {
        spec_clear(&s);
        return st;
    }
    for (size_t i = 0; i < o->nspecs; i++)
        if (!strcmp(o->specs[i].dim, s.dim)) {
            spec_clear(&s);
            return ZS_ERR_INVALID;   /* one selection per dimension */
        }
    v = realloc(o->specs, (o->nspecs + 1) * sizeof *v);
    if (!v) {
        spec_clear(&s);
        return ZS_ERR_NOMEM;
    }
    o->specs = v;
    o->specs[o->nspecs++] = s;
    return ZS_OK;
}

zs_status zs_select_opts_add_sel(zs_select_opts *o, const char *spec)
{
    return add(o, spec, false);
}

zs_status zs_select_opts_add_isel(zs_select_opts *o, const char *spec)
{
    return add(o, spec, true);
}

/* A tolerance is a distance in the coordinate's units or a duration for
 * times; which one applies is known only at plan time, so accept what is
 * either and refuse the rest now (a usage error, not a failed run). */
static bool tolerance_ok(const char *t)
{
    double x;
    zsi_time_step step;
    if (zsi_parse_double(t, &x))
        return isfinite(x) && x >= 0;
    return zsi_time_step_parse(NULL, t, &step) == ZS_OK && !step.months;
}

zs_status zs_select_opts_set_tolerance(zs_select_opts *o, const char *t)
{
    if (t && !tolerance_ok(t))
        return ZS_ERR_INVALID;
    free(o->tolerance);
    o->tolerance = zsi_strdup(t);
    return !t || o->tolerance ? ZS_OK : ZS_ERR_NOMEM;
}

zs_status zs_select_opts_set_vars(zs_select_opts *o, const char *list)
{
    zsi_strv_free(&o->vars);
    return !list || zsi_strv_split(&o->vars, list, ',') ? ZS_OK
                                                        : ZS_ERR_NOMEM;
}

zs_status zs_select_opts_set_lon(zs_select_opts *o, int convention)
{
    if (convention != 0 && convention != 180 && convention != 360)
        return ZS_ERR_INVALID;
    o->lon = convention;
    return ZS_OK;
}

zs_status zs_select_opts_set_chunks(zs_select_opts *o, const char *spec)
{
    zsi_strv items = {0};
    int64_t *lens;
    if (!spec || !zsi_strv_split(&items, spec, ','))
        return ZS_ERR_NOMEM;
    lens = calloc(items.n ? items.n : 1, sizeof *lens);
    zsi_strv_free(&o->chunk_dims);
    free(o->chunk_lens);
    o->chunk_lens = lens;
    for (size_t i = 0; lens && i < items.n; i++) {
        char *eq = strchr(items.v[i], '=');
        if (!eq || eq == items.v[i] || !zsi_parse_i64(eq + 1, &lens[i]) ||
            (lens[i] < 1 && lens[i] != -1)) {
            zsi_strv_free(&items);
            return ZS_ERR_INVALID;
        }
        *eq = 0;
        if (!zsi_strv_push(&o->chunk_dims, items.v[i]))
            lens = NULL;
    }
    zsi_strv_free(&items);
    return lens ? ZS_OK : ZS_ERR_NOMEM;
}

zs_status zs_select_opts_set_history(zs_select_opts *o, const char *text)
{
    free(o->history);
    o->history = zsi_strdup(text);
    return !text || o->history ? ZS_OK : ZS_ERR_NOMEM;
}

zs_status zs_select_opts_set_overwrite(zs_select_opts *o, int on)
{
    o->overwrite = on != 0;
    return ZS_OK;
}

zs_status zsi_select_opts_copy(zs_ctx *ctx, const zs_select_opts *src,
                               struct zs_select_opts *dst)
{
    struct zs_select_opts o;
    memset(&o, 0, sizeof o);
    o.lon = src->lon;
    o.overwrite = src->overwrite;
    o.specs = calloc(src->nspecs ? src->nspecs : 1, sizeof *o.specs);
    if (!o.specs)
        goto nomem;
    for (size_t i = 0; i < src->nspecs; i++, o.nspecs++) {
        const sel_spec *a = &src->specs[i];
        sel_spec *b = &o.specs[i];
        *b = *a;
        b->dim = zsi_strdup(a->dim);
        b->a = a->a ? zsi_strdup(a->a) : NULL;
        b->b = a->b ? zsi_strdup(a->b) : NULL;
        b->step = a->step ? zsi_strdup(a->step) : NULL;
        if (!b->dim || (a->a && !b->a) || (a->b && !b->b) ||
            (a->step && !b->step))
            goto nomem;
    }
    for (size_t i = 0; i < src->vars.n; i++)
        if (!zsi_strv_push(&o.vars, src->vars.v[i]))
            goto nomem;
    for (size_t i = 0; i < src->chunk_dims.n; i++)
        if (!zsi_strv_push(&o.chunk_dims, src->chunk_dims.v[i]))
            goto nomem;
    if (src->chunk_dims.n) {
        o.chunk_lens = malloc(src->chunk_dims.n * sizeof *o.chunk_lens);
        if (!o.chunk_lens)
            goto nomem;
        memcpy(o.chunk_lens, src->chunk_lens,
               src->chunk_dims.n * sizeof *o.chunk_lens);
    }
    if ((src->tolerance && !(o.tolerance = zsi_strdup(src->tolerance))) ||
        (src->history && !(o.history = zsi_strdup(src->history))))
        goto nomem;
    *dst = o;
    return ZS_OK;
nomem:
    zsi_select_opts_clear(&o);
    return zsi_nomem(ctx);
}
