/* select_plan.c - resolving --sel/--isel against a dataset's coordinates
 * into runs of indices per dimension, and choosing the output variables. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_select.h"

/* ---- dimensions ----------------------------------------------------- */

static bool dim_length(zs_dataset *ds, const char *name, uint64_t *len)
{
    const zs_group *o;
    size_t i;
    if (zsi_group_find_dim(zs_dataset_root(ds), name, &o, &i)) {
        *len = zs_group_dim_size(o, i);
        return true;
    }
    /* a dimension of a subgroup */
    for (size_t g = 0; g < zs_group_ngroups(zs_dataset_root(ds)); g++)
        if (zsi_group_find_dim(zs_group_child(zs_dataset_root(ds), g), name,
                               &o, &i)) {
            *len = zs_group_dim_size(o, i);
            return true;
        }
    return false;
}

static bool is_longitude(const zs_var *c)
{
    const char *u = zsi_attrs_text(zs_var_attrs(c), "units");
    const char *sn = zsi_attrs_text(zs_var_attrs(c), "standard_name");
    return !strcmp(zs_var_name(c), "longitude") ||
           !strcmp(zs_var_name(c), "lon") ||
           (sn && !strcmp(sn, "longitude")) ||
           (u && (!strcmp(u, "degrees_east") || !strcmp(u, "degree_east") ||
                  !strcmp(u, "degrees_E") || !strcmp(u, "degreesE")));
}

static bool is_time(const zs_var *c)
{
    const char *u = zsi_attrs_text(zs_var_attrs(c), "units");
    return u && strstr(u, " since ");
}

/* Labels of a 1-D coordinate as doubles. */
static zs_status labels(zs_var *c, double **out)
{
    uint64_t start = 0, n = zs_var_shape(c)[0];
    uint8_t *raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(c));
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    zs_status st;
    if (!raw || !v) {
        free(raw);
        free(v);
        return zsi_nomem(zsi_var_ctx(c));
    }
    st = zs_var_read(c, &start, &n, raw);
    zs_dtype vt = zs_var_dtype(c);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        v[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    if (st != ZS_OK) {
        free(v);
        return st;
    }
    *out = v;
    return ZS_OK;
}

/* +1 increasing, -1 decreasing, 0 neither (or NaN inside). */
static int direction(const double *v, uint64_t n)
{
    int dir = 0;
    for (uint64_t i = 1; i < n; i++) {
        int d = v[i] > v[i - 1] ? 1 : v[i] < v[i - 1] ? -1 : 0;
        if (d == 0 || (dir && d != dir) || isnan(v[i]))
            return 0;
        dir = d;
    }
    return n > 1 ? dir : (n == 1 && !isnan(v[0]) ? 1 : 0);
}

/* Turn a boolean mask over the labels into runs (in index order). */
static zs_status runs_from_mask(zs_ctx *ctx, dsel *d, const bool *keep)
{
    d->nrun = 0;
    for (uint64_t i = 0; i < d->in_len; i++) {
        if (!keep[i])
            continue;
        if (d->nrun && d->run[d->nrun - 1].start +
                           d->run[d->nrun - 1].count == i) {
            d->run[d->nrun - 1].count++;
            continue;
        }
        if (d->nrun == 2)
            return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                           "selection of '%s' is not contiguous", d->name);
        d->run[d->nrun].start = i;
        d->run[d->nrun].count = 1;
        d->run[d->nrun].step = 1;
        d->nrun++;
    }
    return ZS_OK;
}

static void fmt_label(double x, char *buf, size_t n)
{
    zsi_fmt_double(x, buf, n);
}

static zs_status empty(zs_ctx *ctx, const dsel *d, const sel_spec *sp,
                       double first, double last)
{
    char a[40], b[40];
    fmt_label(first, a, sizeof a);
    fmt_label(last, b, sizeof b);
    return zsi_err(ctx, ZS_ERR_RANGE,
                   "selection %s=%s%s%s is empty (labels go from %s to %s)",
                   d->name, sp->a ? sp->a : "", sp->range ? ":" : "",
                   sp->b ? sp->b : "", a, b);
}

/* ---- numbers and longitudes ------------------------------------------- */

static zs_status number(zs_ctx *ctx, const char *text, const char *dim,
                        double *out)
{
    if (!zsi_parse_double(text, out) || isnan(*out))
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "%s: '%s' is not a number", dim, text);
    return ZS_OK;
}

static double mod360(double x)
{
    double m = fmod(x, 360.0);
    return m < 0 ? m + 360.0 : m;
}

/* Longitudes: labels L with (L - lo) mod 360 <= width, ordered from lo
 * eastwards, relabelled lo + ((L - lo) mod 360). */
static zs_status lon_range(zs_ctx *ctx, dsel *d, const double *L, double lo,
                           double width, bool closed, const sel_spec *sp)
{
    bool *keep = calloc((size_t)d->in_len + 1, 1);
    uint64_t best = 0;
    double bestd = INFINITY;
    zs_status st = ZS_OK;
    if (!keep)
        return zsi_nomem(ctx);
    if (direction(L, d->in_len) < 0) {
        free(keep);
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: longitudes that "
                       "decrease cannot be selected across the seam",
                       d->name);
    }
    for (uint64_t i = 0; i < d->in_len; i++) {
        double x = mod360(L[i] - lo);
        keep[i] = closed ? x <= width + 1e-9 : x < width - 1e-9;
        if (keep[i] && x < bestd) {
            bestd = x;
            best = i;
        }
    }
    /* the kept labels form an arc starting at the one nearest lo: walk it
     * in index order from there, wrapping once at the end of the axis */
    uint64_t kept = 0, i = best;
    for (uint64_t k = 0; k < d->in_len; k++)
        kept += keep[k];
    d->nrun = 0;
    if (kept) {
        d->run[0] = (sel_run){best, 0, 1};
        while (i < d->in_len && keep[i]) {
            d->run[0].count++;
            i++;
        }
        d->nrun = 1;
        if (i == d->in_len && keep[0] && best > 0) {
            d->run[1] = (sel_run){0, 0, 1};
            for (i = 0; i < best && keep[i]; i++)
                d->run[1].count++;
            d->nrun = 2;
        }
        st = d->run[0].count + (d->nrun > 1 ? d->run[1].count : 0) == kept
                 ? ZS_OK
                 : zsi_err(ctx, ZS_ERR_UNSUPPORTED, "selection of '%s' is "
                           "not contiguous", d->name);
    }
    free(keep);
    if (st != ZS_OK)
        return st;
    if (d->nrun == 0)
        return sp ? empty(ctx, d, sp, L[0], L[d->in_len - 1])
                  : zsi_err(ctx, ZS_ERR_RANGE, "%s: no longitudes", d->name);
    d->relabel = true;
    d->lo = lo;
    return ZS_OK;
}

/* ---- times ------------------------------------------------------------- */

/* The instant of an ISO date in the coordinate's calendar; with end, the
 * last microsecond of the period the text names ("2023-11" ends with
 * November). */
static zs_status time_bound(zs_ctx *ctx, const zs_time_units *u,
                            const char *text, bool end, zsi_usec *out)
{
    zs_datetime dt;
    const char *rest, *t;
    int fields = 1;
    zsi_time_step step;
    zs_calendar cal = zs_time_units_calendar(u);
    zs_status st = zsi_datetime_scan(text, false, &dt, &rest);
    if (st != ZS_OK || *rest)
        return zsi_err(ctx, ZS_ERR_INVALID, "'%s' is not an ISO 8601 date",
                       text);
    /* how precise the text is: year, month, day, hour, minute, second */
    t = text + (*text == '-' || *text == '+');
    for (const char *p = t; *p; p++)
        if (*p == '-' || *p == 'T' || *p == ' ' || *p == ':')
            fields++;
    st = zsi_datetime_to_usec(cal, &dt, out);
    if (st != ZS_OK)
        return zsi_err(ctx, ZS_ERR_RANGE, "'%s' is not a date of the %s "
                       "calendar", text, zsi_calendar_name(cal));
    if (!end || strchr(text, '.'))
        return ZS_OK;
    memset(&step, 0, sizeof step);
    switch (fields) {
    case 1: step.months = 12; step.anchor = 1; break;
    case 2: step.months = 1; step.anchor = 1; break;
    case 3: step.usec = ZSI_USEC_PER_DAY; break;
    case 4: step.usec = INT64_C(3600000000); break;
    case 5: step.usec = INT64_C(60000000); break;
    default: step.usec = ZSI_USEC_PER_SEC; break;
    }
    st = zsi_time_add(cal, *out, &step, 1, out);
    if (st != ZS_OK)
        return zsi_err(ctx, st, "'%s': end of period out of range", text);
    *out -= 1;
    return ZS_OK;
}

static void iso_of(zs_calendar cal, zsi_usec t, char *buf, size_t n)
{
    zs_datetime dt;
    if (zsi_datetime_from_usec(cal, t, &dt) != ZS_OK ||
        zs_datetime_format(&dt, buf, n) != ZS_OK)
        snprintf(buf, n, "?");
}

/* Parse a tolerance for times: a duration like "90min", "1h", "2D". */
static zs_status time_tolerance(zs_ctx *ctx, const char *text, zsi_usec *out)
{
    zsi_time_step step;
    zs_status st = zsi_time_step_parse(ctx, text, &step);
    if (st != ZS_OK || step.months)
        return zsi_err(ctx, ZS_ERR_INVALID, "tolerance '%s': want a "
                       "duration such as 90min, 1h or 2D for times", text);
    *out = step.usec;
    return ZS_OK;
}

static zs_status sel_time(zs_selection *s, dsel *d, const sel_spec *sp)
{
    zs_time_units *u = NULL;
    zsi_usec *t = NULL, a = 0, b = 0;
    uint64_t n;
    zs_status st = zsi_time_coord(d->coord, &u, &t, &n);
    zs_calendar cal;
    char x[64], y[64];
    if (st != ZS_OK)
        return st;
    cal = zs_time_units_calendar(u);
    for (uint64_t i = 1; st == ZS_OK && i < n; i++)
        if (t[i] <= t[i - 1])
            st = zsi_err(s->ctx, ZS_ERR_FORMAT, "coordinate '%s' is not "
                         "increasing", d->name);
    if (st == ZS_OK && n == 0)
        st = zsi_err(s->ctx, ZS_ERR_RANGE, "'%s' is empty", d->name);
    if (st != ZS_OK)
        goto done;
    iso_of(cal, t[0], x, sizeof x);
    iso_of(cal, t[n - 1], y, sizeof y);
    if (!sp->range) {
        uint64_t best = 0;
        zsi_usec tol = 0;
        st = time_bound(s->ctx, u, sp->a, false, &a);
        /* ties go to the later time, as in pandas */
        for (uint64_t i = 1; st == ZS_OK && i < n; i++)
            if ((t[i] > a ? t[i] - a : a - t[i]) <=
                (t[best] > a ? t[best] - a : a - t[best]))
                best = i;
        if (st == ZS_OK && s->o.tolerance)
            st = time_tolerance(s->ctx, s->o.tolerance, &tol);
        if (st == ZS_OK && s->o.tolerance &&
            (t[best] > a ? t[best] - a : a - t[best]) > tol)
            st = zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s: the nearest time is "
                         "farther than the tolerance %s", d->name, sp->a,
                         s->o.tolerance);
        if (st == ZS_OK && (a < t[0] - (n > 1 ? t[1] - t[0] : 0) ||
                            a > t[n - 1] + (n > 1 ? t[n - 1] - t[n - 2] : 0)))
            st = zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s is outside the data "
                         "(%s .. %s)", d->name, sp->a, x, y);
        if (st == ZS_OK) {
            d->drop = true;
            d->nrun = 1;
            d->run[0].start = best;
            d->run[0].count = 1;
            d->run[0].step = 1;
        }
        goto done;
    }
    a = t[0];
    b = t[n - 1];
    if (sp->a)
        st = time_bound(s->ctx, u, sp->a, false, &a);
    if (st == ZS_OK && sp->b)
        st = time_bound(s->ctx, u, sp->b, true, &b);
    if (st == ZS_OK && (b < t[0] || a > t[n - 1] || a > b))
        st = zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s:%s is outside the data "
                     "(%s .. %s)", d->name, sp->a ? sp->a : "",
                     sp->b ? sp->b : "", x, y);
    if (st == ZS_OK) {
        uint64_t i0 = 0, i1;
        while (i0 < n && t[i0] < a)
            i0++;
        i1 = i0;
        while (i1 < n && t[i1] <= b)
            i1++;
        if (i1 == i0)
            st = zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s:%s selects no time "
                         "(data: %s .. %s)", d->name, sp->a ? sp->a : "",
                         sp->b ? sp->b : "", x, y);
        d->nrun = 1;
        d->run[0].start = i0;
        d->run[0].count = i1 - i0;
        d->run[0].step = 1;
    }
done:
    free(t);
    zs_time_units_free(u);
    return st;
}

/* ---- labels ------------------------------------------------------------- */

static zs_status sel_nearest(zs_selection *s, dsel *d, const sel_spec *sp,
                             const double *L, bool lon)
{
    double v, tol = INFINITY, bd = INFINITY;
    uint64_t best = 0;
    zs_status st = number(s->ctx, sp->a, d->name, &v);
    if (st == ZS_OK && s->o.tolerance)
        st = number(s->ctx, s->o.tolerance, "tolerance", &tol);
    if (st != ZS_OK)
        return st;
    for (uint64_t i = 0; i < d->in_len; i++) {
        double dist = fabs(L[i] - v);
        if (lon)
            dist = fmin(mod360(L[i] - v), mod360(v - L[i]));
        /* ties go to the larger label, as in pandas */
        if (dist < bd || (dist == bd && L[i] > L[best])) {
            bd = dist;
            best = i;
        }
    }
    if (bd > tol)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s: the nearest label is "
                       "%g away, more than the tolerance %s", d->name, sp->a,
                       bd, s->o.tolerance);
    d->drop = true;
    d->nrun = 1;
    d->run[0].start = best;
    d->run[0].count = 1;
    d->run[0].step = 1;
    return ZS_OK;
}

static zs_status sel_labels(zs_selection *s, dsel *d, const sel_spec *sp)
{
    double *L = NULL, a = -INFINITY, b = INFINITY;
    int dir;
    bool lon = is_longitude(d->coord);
    zs_status st = labels(d->coord, &L);
    if (st != ZS_OK)
        return st;
    dir = direction(L, d->in_len);
    if (!dir) {
        free(L);
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "coordinate '%s' is not "
                       "monotonic", d->name);
    }
    if (!sp->range) {
        st = sel_nearest(s, d, sp, L, lon);
        free(L);
        return st;
    }
    if (sp->a)
        st = number(s->ctx, sp->a, d->name, &a);
    if (st == ZS_OK && sp->b)
        st = number(s->ctx, sp->b, d->name, &b);
    if (st == ZS_OK && lon && sp->a && sp->b) {
        double lo = a, hi = b;
        if (lo > hi)
            lo -= 360;
        if (hi - lo > 360)
            st = zsi_err(s->ctx, ZS_ERR_RANGE, "%s=%s:%s spans more than "
                         "360 degrees", d->name, sp->a, sp->b);
        else
            st = lon_range(s->ctx, d, L, lo, hi - lo, true, sp);
    } else if (st == ZS_OK) {
        double lo = fmin(a, b), hi = fmax(a, b);
        bool *keep = calloc((size_t)d->in_len + 1, 1);
        if (!keep) {
            free(L);
            return zsi_nomem(s->ctx);
        }
        for (uint64_t i = 0; i < d->in_len; i++)
            keep[i] = L[i] >= lo && L[i] <= hi;
        st = runs_from_mask(s->ctx, d, keep);
        free(keep);
        if (st == ZS_OK && d->nrun == 0)
            st = empty(s->ctx, d, sp, L[0], L[d->in_len - 1]);
    }
    free(L);
    return st;
}

/* Python-style slice I:J:STEP. */
static zs_status sel_index(zs_selection *s, dsel *d, const sel_spec *sp)
{
    int64_t n = (int64_t)d->in_len, i, j, step = 1;
    if (sp->step && (!zsi_parse_i64(sp->step, &step) || step < 1))
        return zsi_err(s->ctx, ZS_ERR_INVALID, "index selection %s: step must be a "
                       "positive integer", d->name);
    if (!sp->range) {
        if (!zsi_parse_i64(sp->a, &i))
            return zsi_err(s->ctx, ZS_ERR_INVALID, "index selection %s=%s: not an "
                           "index", d->name, sp->a);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n)
            return zsi_err(s->ctx, ZS_ERR_RANGE, "index selection %s=%s: index out "
                           "of range (length %lld)", d->name, sp->a,
                           (long long)n);
        d->drop = true;
        d->nrun = 1;
        d->run[0] = (sel_run){(uint64_t)i, 1, 1};
        return ZS_OK;
    }
    i = 0;
    j = n;
    if ((sp->a && !zsi_parse_i64(sp->a, &i)) ||
        (sp->b && !zsi_parse_i64(sp->b, &j)))
        return zsi_err(s->ctx, ZS_ERR_INVALID, "index selection %s: bounds must be "
                       "integers", d->name);
    if (i < 0)
        i += n;
    if (j < 0)
        j += n;
    i = i < 0 ? 0 : i > n ? n : i;
    j = j < 0 ? 0 : j > n ? n : j;
    if (j <= i)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "index selection %s=%s:%s is empty "
                       "(length %lld)", d->name, sp->a ? sp->a : "",
                       sp->b ? sp->b : "", (long long)n);
    d->nrun = 1;
    d->run[0].start = (uint64_t)i;
    d->run[0].count = (uint64_t)((j - i + step - 1) / step);
    d->run[0].step = (uint64_t)step;
    return ZS_OK;
}

/* ---- putting the dimensions together ------------------------------------ */

static zs_status new_dim(zs_selection *s, const char *name, dsel **out)
{
    dsel *v = realloc(s->dims, (s->ndims + 1) * sizeof *v), *d;
    if (!v)
        return zsi_nomem(s->ctx);
    s->dims = v;
    d = &s->dims[s->ndims];
    memset(d, 0, sizeof *d);
    if (!(d->name = zsi_strdup(name)))
        return zsi_nomem(s->ctx);
    s->ndims++;
    if (!dim_length(s->ds, name, &d->in_len))
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no dimension '%s'",
                       zsi_dataset_name(s->ds), name);
    d->coord = zs_group_find_var(zs_dataset_root(s->ds), name);
    if (d->coord && zs_var_ndim(d->coord) != 1)
        d->coord = NULL;
    *out = d;
    return ZS_OK;
}

static zs_status resolve(zs_selection *s, const sel_spec *sp)
{
    dsel *d;
    zs_status st = new_dim(s, sp->dim, &d);
    if (st != ZS_OK)
        return st;
    if (sp->is_index)
        st = sel_index(s, d, sp);
    else if (!d->coord)
        st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: dimension '%s' has no "
                     "coordinate variable to select by label (select by index)",
                     zsi_dataset_name(s->ds), sp->dim);
    else if (is_time(d->coord))
        st = sel_time(s, d, sp);
    else
        st = sel_labels(s, d, sp);
    if (st == ZS_OK && !d->relabel && !d->drop && s->o.lon &&
        d->coord && is_longitude(d->coord)) {
        /* --lon180/--lon360 after a selection by index: relabel only */
        d->relabel = true;
        d->lo = s->o.lon == 180 ? -180 : 0;
    }
    for (size_t i = 0; i < d->nrun; i++)
        d->out_len += d->run[i].count;
    return st;
}

/* --lon180 / --lon360 on a longitude nobody selected. */
static zs_status relabel_lon(zs_selection *s)
{
    zs_var *lon = NULL;
    dsel *d;
    double *L;
    zs_status st;
    if (!s->o.lon)
        return ZS_OK;
    for (size_t i = 0; i < zs_group_nvars(zs_dataset_root(s->ds)) && !lon; i++)
        if (zs_var_is_coord(zs_group_var(zs_dataset_root(s->ds), i)) &&
            is_longitude(zs_group_var(zs_dataset_root(s->ds), i)))
            lon = zs_group_var(zs_dataset_root(s->ds), i);
    if (!lon)
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no longitude coordinate "
                       "to relabel", zsi_dataset_name(s->ds));
    if (zsi_select_dim(s, zs_var_name(lon)))
        return ZS_OK;
    st = new_dim(s, zs_var_name(lon), &d);
    if (st == ZS_OK)
        st = labels(lon, &L);
    if (st != ZS_OK)
        return st;
    st = lon_range(s->ctx, d, L, s->o.lon == 180 ? -180 : 0, 360, false,
                   NULL);
    free(L);
    for (size_t i = 0; i < d->nrun; i++)
        d->out_len += d->run[i].count;
    return st;
}

const dsel *zsi_select_dim(const zs_selection *s, const char *name)
{
    for (size_t i = 0; i < s->ndims; i++)
        if (!strcmp(s->dims[i].name, name))
            return &s->dims[i];
    return NULL;
}

/* ---- output variables ----------------------------------------------------- */

/* Names of the coordinates of dropped dimensions this variable had. */
static char *dropped_coords(const zs_selection *s, const zs_var *v)
{
    zsi_buf b = ZSI_BUF_INIT;
    const char *co = zsi_attrs_text(zs_var_attrs(v), "coordinates");
    if (co)
        zsi_buf_append_str(&b, co);
    for (int d = 0; d < zs_var_ndim(v); d++) {
        const dsel *ds = zsi_select_dim(s, zs_var_dim_name(v, d));
        if (!ds || !ds->drop || !ds->coord || ds->coord == v)
            continue;
        if (co && strstr(co, ds->name))
            continue;
        if (b.len)
            zsi_buf_append(&b, " ", 1);
        zsi_buf_append_str(&b, ds->name);
    }
    if (!b.len || (co && b.len == strlen(co))) {
        zsi_buf_free(&b);
        return NULL;
    }
    return zsi_buf_cstr(&b) ? (char *)zsi_buf_take(&b) : NULL;
}

static zs_status add_out(zs_selection *s, zs_var *v)
{
    const char *dims[ZS_MAX_DIMS];
    osel *o;
    int n = 0;
    osel *nv = realloc(s->vars, (s->nvars + 1) * sizeof *nv);
    if (!nv)
        return zsi_nomem(s->ctx);
    s->vars = nv;
    o = &s->vars[s->nvars++];
    memset(o, 0, sizeof *o);
    o->v = v;
    for (int d = 0; d < zs_var_ndim(v); d++) {
        const dsel *ds = zsi_select_dim(s, zs_var_dim_name(v, d));
        o->ds[d] = ds;
        if (ds && ds->drop)
            continue;
        /* the input's chunks, clipped to the selection */
        o->src_dim[n] = d;
        o->shape[n] = ds ? ds->out_len : zs_var_shape(v)[d];
        o->chunks[n] = zs_var_chunks(v)[d] < o->shape[n] ? zs_var_chunks(v)[d]
                                                  : o->shape[n];
        if (o->chunks[n] == 0)
            o->chunks[n] = 1;
        dims[n++] = zs_var_dim_name(v, d);
    }
    o->ndim = n;
    zsi_write_chunks(&s->w, n, dims, o->shape, zsi_var_stored_itemsize(v),
                     o->chunks);
    o->scalar_coord = zs_var_is_coord(v) && n == 0;
    o->coords = dropped_coords(s, v);
    return ZS_OK;
}

static zs_status choose_outputs(zs_selection *s)
{
    zsi_varset vs;
    zsi_strv dims = {0};
    zs_status st = zsi_varset_choose(s->ds, &s->o.vars, NULL, &vs);
    for (size_t i = 0; st == ZS_OK && i < vs.n; i++)
        if (vs.keep[i])
            st = add_out(s, vs.v[i]);
    zsi_varset_free(&vs);
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++)
        for (int j = 0; j < s->vars[i].ndim; j++) {
            const char *name =
                zs_var_dim_name(s->vars[i].v, s->vars[i].src_dim[j]);
            if (!zsi_strv_add(&dims, &name, 1))
                st = zsi_nomem(s->ctx);
        }
    if (st == ZS_OK)
        st = zsi_write_check_dims(&s->w, &dims);
    zsi_strv_free(&dims);
    return st;
}

zs_status zs_select_plan(zs_dataset *ds, const zs_select_opts *o,
                         const zs_write_opts *w, zs_selection **out)
{
    zs_ctx *ctx = zsi_dataset_ctx(ds);
    zs_selection *s = calloc(1, sizeof *s);
    zs_status st;
    if (!s)
        return zsi_nomem(ctx);
    s->ctx = ctx;
    s->ds = ds;
    zsi_write_opts_init(&s->w, ctx);
    st = zsi_select_opts_copy(ctx, o, &s->o);
    if (st == ZS_OK) {
        zsi_write_opts_clear(&s->w);
        st = zsi_write_opts_copy(ctx, w, &s->w);
    }
    for (size_t i = 0; st == ZS_OK && i < s->o.nspecs; i++)
        st = resolve(s, &s->o.specs[i]);
    if (st == ZS_OK)
        st = relabel_lon(s);
    if (st == ZS_OK)
        st = choose_outputs(s);
    if (st != ZS_OK) {
        zs_select_plan_free(s);
        return st;
    }
    *out = s;
    return ZS_OK;
}

void zs_select_plan_free(zs_selection *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndims; i++)
        free(s->dims[i].name);
    for (size_t i = 0; i < s->nvars; i++)
        free(s->vars[i].coords);
    free(s->dims);
    free(s->vars);
    zsi_select_opts_clear(&s->o);
    zsi_write_opts_clear(&s->w);
    free(s);
}

zs_status zs_select_describe(const zs_selection *s, zs_line_fn fn,
                             void *user)
{
    for (size_t i = 0; i < s->ndims; i++) {
        const dsel *d = &s->dims[i];
        char line[256];
        snprintf(line, sizeof line, "%s: %llu of %llu%s%s", d->name,
                 (unsigned long long)d->out_len,
                 (unsigned long long)d->in_len,
                 d->drop ? " (dropped: one label)" : "",
                 d->relabel ? " (relabelled)" : "");
        fn(user, line);
    }
    return ZS_OK;
}
