/* calc_join.c - the alignment of the inputs of zcalc along each shared
 * dimension, by the labels of its coordinate.
 *
 * exact (the default): every input that has the dimension must have the
 * same labels in the same order, or the plan fails naming the dimension
 * and the first label that differs.  xarray's arithmetic instead takes
 * the intersection without a word, which turns a 20-step and a 3-step
 * series into 3 steps; inner does that, on request: the labels of the
 * first input that all others have too, in its order.
 *
 * Time labels compare as instants (two stores may count in different
 * units); other labels as numbers, exactly. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_calc.h"

/* The labels of an input along a dimension. */
typedef struct labels {
    double *v;              /* NULL: no coordinate */
    uint64_t n;
    bool time;
    zs_calendar cal;
} labels;

static zs_var *coord_of(zs_dataset *ds, const char *dim)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), dim);
    if (!v || zs_var_ndim(v) != 1 || strcmp(zs_var_dim_name(v, 0), dim) ||
        !zsi_dtype_is_numeric(zs_var_dtype(v)) || zsi_var_broken(v))
        return NULL;
    return v;
}

static zs_status read_time(zs_var *v, labels *l)
{
    zs_time_units *u = NULL;
    zsi_usec *t = NULL;
    uint64_t n = 0;
    zs_status st = zsi_time_coord(v, &u, &t, &n);
    if (st != ZS_OK)
        return st;
    l->cal = zs_time_units_calendar(u);
    l->v = malloc((size_t)(n ? n : 1) * sizeof *l->v);
    for (uint64_t i = 0; l->v && i < n; i++)
        l->v[i] = (double)t[i];
    zs_time_units_free(u);
    free(t);
    l->time = true;
    return l->v ? ZS_OK : zsi_nomem(zsi_var_ctx(v));
}

static zs_status read_labels(zs_var *v, labels *l)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    uint64_t start = 0, n = zs_var_shape(v)[0];
    uint8_t *raw;
    zs_status st;
    l->n = n;
    if (u && strstr(u, " since "))
        return read_time(v, l);
    raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(v));
    l->v = malloc((size_t)(n ? n : 1) * sizeof *l->v);
    if (!raw || !l->v) {
        free(raw);
        return zsi_nomem(zsi_var_ctx(v));
    }
    st = zs_var_read(v, &start, &n, raw);
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        l->v[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    return st;
}

/* A label as text for messages: a date for time. */
static void fmt_label(const labels *l, uint64_t i, char *buf, size_t size)
{
    zs_datetime dt;
    if (i >= l->n) {
        snprintf(buf, size, "none");
    } else if (l->time && zsi_datetime_from_usec(l->cal, (zsi_usec)l->v[i],
                                                 &dt) == ZS_OK) {
        snprintf(buf, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02.0f",
                 dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second);
    } else {
        snprintf(buf, size, "%.10g", l->v[i]);
    }
}

static const char *input_name(const zs_calc *c, int i)
{
    return c->in[i].alias ? c->in[i].alias : zsi_dataset_name(c->in[i].ds);
}

/* exact: input b against input a. */
static zs_status check_exact(zs_calc *c, const calc_dim *g, int a, int b,
                             const labels *la, const labels *lb)
{
    uint64_t i = 0, n = la->n < lb->n ? la->n : lb->n;
    char ta[64], tb[64];
    if (la->v && lb->v)
        while (i < n && la->v[i] == lb->v[i])
            i++;
    else
        i = n;
    if (i == n && la->n == lb->n)
        return ZS_OK;
    fmt_label(la, i, ta, sizeof ta);
    fmt_label(lb, i, tb, sizeof tb);
    if (!la->v || !lb->v)
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "dimension '%s': store '%s' "
                       "has %" PRIu64 " labels, store '%s' %" PRIu64,
                       g->name, input_name(c, a), la->n, input_name(c, b),
                       lb->n);
    return zsi_err(c->ctx, ZS_ERR_MISMATCH, "dimension '%s': the labels of "
                   "stores '%s' (%" PRIu64 ") and '%s' (%" PRIu64 ") differ "
                   "first at index %" PRIu64 ": %s and %s (join: exact)",
                   g->name, input_name(c, a), la->n, input_name(c, b), lb->n,
                   i, ta, tb);
}

static int64_t find(const labels *l, double x, uint64_t from)
{
    /* labels are usually monotonic: look from the last match on first */
    for (uint64_t i = from; i < l->n; i++)
        if (l->v[i] == x)
            return (int64_t)i;
    for (uint64_t i = 0; i < from && i < l->n; i++)
        if (l->v[i] == x)
            return (int64_t)i;
    return -1;
}

/* inner: the labels of the first input that every other has. */
static zs_status join_inner(zs_calc *c, calc_dim *g, const labels *l,
                            int first)
{
    uint64_t n = 0, *from = calloc(c->nin, sizeof *from);
    zs_status st = from ? ZS_OK : zsi_nomem(c->ctx);
    for (size_t s = 0; st == ZS_OK && s < c->nin; s++)
        if (g->inlen[s] &&
            !(g->map[s] = malloc((size_t)(l[first].n + 1) * sizeof(uint64_t))))
            st = zsi_nomem(c->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < l[first].n; i++) {
        bool all = true;
        for (size_t s = 0; all && s < c->nin; s++) {
            int64_t k;
            if (!g->inlen[s])
                continue;
            k = (int)s == first || !l[s].v
                    ? (int64_t)i
                    : find(&l[s], l[first].v[i], from[s]);
            if (k < 0)
                all = false;
            else
                g->map[s][n] = (uint64_t)k;
        }
        for (size_t s = 0; all && s < c->nin; s++)
            if (g->inlen[s])
                from[s] = g->map[s][n] + 1;
        n += all;
    }
    free(from);
    if (st == ZS_OK && n == 0)
        st = zsi_err(c->ctx, ZS_ERR_MISMATCH, "dimension '%s': the stores "
                     "have no label in common (join: inner)", g->name);
    g->len = n;
    for (size_t s = 0; st == ZS_OK && s < c->nin; s++)
        if (g->inlen[s] && g->inlen[s] != n)
            g->trimmed = true;
    return st;
}

static zs_status join_dim(zs_calc *c, calc_dim *g)
{
    labels *l = calloc(c->nin, sizeof *l);
    int first = -1, nlab = 0;
    zs_status st = l ? ZS_OK : zsi_nomem(c->ctx);
    for (size_t s = 0; st == ZS_OK && s < c->nin; s++) {
        zs_var *v;
        if (!g->inlen[s])
            continue;
        l[s].n = g->inlen[s] == UINT64_MAX ? 0 : g->inlen[s];
        if ((v = coord_of(c->in[s].ds, g->name)) != NULL) {
            st = read_labels(v, &l[s]);
            nlab++;
            if (g->coord_input < 0) {
                g->coord_input = (int)s;
                g->coord = v;
            }
        }
        if (first < 0)
            first = (int)s;
        else if (c->join == CALC_JOIN_EXACT || !l[s].v || !l[first].v)
            st = st == ZS_OK ? check_exact(c, g, first, (int)s, &l[first],
                                           &l[s])
                             : st;
    }
    g->len = first >= 0 ? l[first].n : 0;
    if (st == ZS_OK && c->join == CALC_JOIN_INNER && nlab > 1 &&
        l[first].v)
        st = join_inner(c, g, l, first);
    for (size_t s = 0; l && s < c->nin; s++)
        free(l[s].v);
    free(l);
    return st;
}

zs_status zsi_calc_join(zs_calc *c)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < c->ndims; i++)
        st = join_dim(c, &c->dims[i]);
    return st;
}
