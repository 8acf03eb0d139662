/* select_opts.c - options of a selection. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_select.h"

zs_status zs_select_opts_new(zs_ctx *ctx, zs_select_opts **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return zsi_nomem(ctx);
    (*out)->ctx = ctx;
    return ZS_OK;
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
    free(o->partition_on);
    zsi_strv_free(&o->vars);
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
    const char *what = index ? "index selection" : "selection";
    sel_spec s, *v;
    zs_status st = parse_spec(spec, index, &s);
    if (st == ZS_ERR_NOMEM) {
        spec_clear(&s);
        return zsi_nomem(o->ctx);
    }
    if (st != ZS_OK) {
        spec_clear(&s);
        return zsi_err(o->ctx, st, "%s '%s': want %s", what,
                       spec ? spec : "",
                       index ? "DIM=I:J[:STEP] or DIM=I"
                             : "DIM=A:B or DIM=V");
    }
    for (size_t i = 0; i < o->nspecs; i++)
        if (!strcmp(o->specs[i].dim, s.dim)) {
            st = zsi_err(o->ctx, ZS_ERR_INVALID, "%s '%s': dimension '%s' "
                         "is selected twice (one selection per dimension)",
                         what, spec, s.dim);
            spec_clear(&s);
            return st;
        }
    v = realloc(o->specs, (o->nspecs + 1) * sizeof *v);
    if (!v) {
        spec_clear(&s);
        return zsi_nomem(o->ctx);
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
    char *copy;
    if (t && !tolerance_ok(t))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "tolerance '%s': want a "
                       "number >= 0, or a duration such as 90min, 1h, 2D",
                       t);
    copy = t ? zsi_strdup(t) : NULL;
    if (t && !copy)
        return zsi_nomem(o->ctx);
    free(o->tolerance);
    o->tolerance = copy;
    return ZS_OK;
}

zs_status zs_select_opts_set_vars(zs_select_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

zs_status zs_select_opts_set_lon(zs_select_opts *o, int convention)
{
    if (convention != 0 && convention != 180 && convention != 360)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "longitude convention %d: "
                       "want 180, 360 or 0", convention);
    o->lon = convention;
    return ZS_OK;
}

zs_status zs_select_opts_set_partition_on(zs_select_opts *o,
                                          const char *dim)
{
    char *copy = NULL;
    if (dim && !*dim)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "partition dimension: "
                       "empty name");
    if (dim && !(copy = zsi_strdup(dim)))
        return zsi_nomem(o->ctx);
    free(o->partition_on);
    o->partition_on = copy;
    return ZS_OK;
}

zs_status zs_select_opts_set_dropna(zs_select_opts *o, int on)
{
    o->dropna = on != 0;
    return ZS_OK;
}

zs_status zs_select_opts_set_row_group(zs_select_opts *o, uint64_t rows)
{
    if (rows > ((uint64_t)1 << 31))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "rows per row group %llu: "
                       "want at most 2^31", (unsigned long long)rows);
    o->group_rows = rows;
    return ZS_OK;
}

zs_status zsi_select_opts_copy(zs_ctx *ctx, const zs_select_opts *src,
                               struct zs_select_opts *dst)
{
    struct zs_select_opts o;
    memset(&o, 0, sizeof o);
    o.ctx = ctx;
    o.lon = src->lon;
    o.dropna = src->dropna;
    o.group_rows = src->group_rows;
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
    if (src->tolerance && !(o.tolerance = zsi_strdup(src->tolerance)))
        goto nomem;
    if (src->partition_on &&
        !(o.partition_on = zsi_strdup(src->partition_on)))
        goto nomem;
    *dst = o;
    return ZS_OK;
nomem:
    zsi_select_opts_clear(&o);
    return zsi_nomem(ctx);
}
