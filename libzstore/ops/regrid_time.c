/* regrid_time.c - the source put on the target's time axis: each target
 * time takes one source step (or none), as xarray's reindex picks them
 * (nearest, ffill, bfill, with a tolerance), or the step whose interval
 * contains it (within: 8-day composites to days), or, asked for, the
 * two steps around it weighted by distance in time (linear, as xarray's
 * interp).  Times are compared as instants, whatever the units of
 * either axis. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

void zsi_rg_time_clear(rg_time *t)
{
    zsi_rg_coord_clear(&t->c);
    free(t->t);
    memset(t, 0, sizeof *t);
}

bool zsi_rg_time_copy(rg_time *dst, const rg_time *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->t)
        return true;
    if (!zsi_rg_coord_copy(&dst->c, &src->c) ||
        !(dst->t = malloc((size_t)(src->c.n + 1) * sizeof *dst->t))) {
        zsi_rg_time_clear(dst);
        return false;
    }
    memcpy(dst->t, src->t, (size_t)src->c.n * sizeof *dst->t);
    dst->cal = src->cal;
    return true;
}

zs_var *zsi_rg_time_find(zs_dataset *ds)
{
    zs_group *g = zs_dataset_root(ds);
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var *v = zs_group_var(g, i);
        const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
        if (zs_var_is_coord(v) && zsi_dtype_is_numeric(zs_var_dtype(v)) && u &&
            strstr(u, " since "))
            return v;
    }
    return NULL;
}

zs_status zsi_rg_time_read(zs_var *v, rg_time *out)
{
    zs_time_units *u = NULL;
    uint64_t n;
    zs_status st;
    memset(out, 0, sizeof *out);
    st = zsi_time_coord(v, &u, &out->t, &n);
    if (st != ZS_OK)
        return st;
    out->cal = zs_time_units_calendar(u);
    zs_time_units_free(u);
    out->c.n = n;
    out->c.dtype = zsi_dtype_is_numeric(zs_var_dtype(v)) ? zs_var_dtype(v)
                                                  : ZS_DT_FLOAT64;
    if (!(out->c.c = malloc((size_t)(n ? n : 1) * sizeof *out->c.c)) ||
        zsi_attrs_copy(zs_var_attrs(v), &out->c.attrs) != ZS_OK) {
        zsi_rg_time_clear(out);
        return zsi_nomem(zsi_var_ctx(v));
    }
    if (n) {
        uint64_t start = 0;
        uint8_t *raw = malloc((size_t)n * zs_var_itemsize(v));
        st = raw ? zs_var_read(v, &start, &n, raw)
                 : zsi_nomem(zsi_var_ctx(v));
        zs_dtype vt = zs_var_dtype(v);
        for (uint64_t i = 0; st == ZS_OK && i < n; i++)
            out->c.c[i] = zsi_load_double(vt, raw, (size_t)i);
        free(raw);
    }
    if (st != ZS_OK)
        zsi_rg_time_clear(out);
    return st;
}

/* ---- the map ---------------------------------------------------------- */

static zsi_usec dist(zsi_usec a, zsi_usec b)
{
    return a > b ? a - b : b - a;
}

/* The source step for target time x (sorted source times s, n > 0), as
 * pandas' get_indexer: nearest prefers the later step on a tie. */
static int64_t pick(int method, const zsi_usec *s, uint64_t n, zsi_usec x)
{
    uint64_t lo = 0, hi = n;   /* first index with s > x */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lo: first s > x; lo - 1: last s <= x */
    if (method == RG_TIME_FFILL)
        return lo ? (int64_t)lo - 1 : -1;
    if (method == RG_TIME_BFILL)
        return lo && s[lo - 1] == x ? (int64_t)lo - 1
               : lo < n ? (int64_t)lo : -1;
    if (lo == 0)
        return 0;
    if (lo == n)
        return (int64_t)n - 1;
    return dist(s[lo - 1], x) < dist(s[lo], x) ? (int64_t)lo - 1
                                                : (int64_t)lo;
}

/* The interval of step k: its bounds, or up to the next step (the last
 * one as long as the one before). */
static bool inside(const zsi_usec *s, const zsi_usec *b, uint64_t n,
                   uint64_t k, zsi_usec x)
{
    zsi_usec lo = b ? b[2 * k] : s[k];
    zsi_usec hi = b ? b[2 * k + 1]
                  : k + 1 < n ? s[k + 1]
                  : n > 1 ? s[k] + (s[k] - s[k - 1]) : s[k];
    return x >= lo && x < hi;
}

static int64_t pick_within(const zsi_usec *s, const zsi_usec *b, uint64_t n,
                           zsi_usec x)
{
    int64_t k = pick(RG_TIME_FFILL, s, n, x);
    /* bounds may start before the step's time: try the next one too */
    if (k + 1 < (int64_t)n && inside(s, b, n, (uint64_t)k + 1, x))
        return k + 1;
    return k >= 0 && inside(s, b, n, (uint64_t)k, x) ? k : -1;
}

/* The source's time bounds as instants (2 per step), or NULL. */
static zs_status bounds_of(zs_regrid *r, const rg_time *src, zsi_usec **out)
{
    const char *name = zsi_attrs_text(zs_var_attrs(r->tsrc), "bounds");
    zs_var *b = name ? zs_group_find_var(zsi_var_group(r->tsrc), name) : NULL;
    zs_time_units *u = NULL;
    uint64_t start[2] = {0, 0}, count[2];
    double *raw;
    zs_status st;
    *out = NULL;
    if (!b || zs_var_ndim(b) != 2 || zs_var_shape(b)[0] != src->c.n ||
        zs_var_shape(b)[1] != 2 || !zsi_dtype_is_numeric(zs_var_dtype(b)))
        return ZS_OK;
    count[0] = src->c.n;
    count[1] = 2;
    st = zs_time_units_parse(
        r->ctx, zsi_attrs_text(zs_var_attrs(r->tsrc), "units"),
        zsi_attrs_text(zs_var_attrs(r->tsrc), "calendar"), &u);
    raw = malloc((size_t)(2 * src->c.n + 1) * zs_var_itemsize(b));
    *out = malloc((size_t)(2 * src->c.n + 1) * sizeof **out);
    if (st == ZS_OK && (!raw || !*out))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zs_var_read(b, start, count, raw);
    zs_dtype vt = zs_var_dtype(b);
    for (uint64_t i = 0; st == ZS_OK && i < 2 * src->c.n; i++)
        st = zsi_time_to_usec(u, zsi_load_double(vt, raw, (size_t)i),
                              &(*out)[i]);
    free(raw);
    zs_time_units_free(u);
    if (st != ZS_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

static zs_status check_axes(zs_regrid *r, const rg_time *src)
{
    const rg_time *tt = &r->o.ttime;
    for (uint64_t i = 1; i < src->c.n; i++)
        if (src->t[i] <= src->t[i - 1])
            return zsi_err(r->ctx, ZS_ERR_FORMAT, "%s: the time coordinate "
                           "is not increasing", zs_var_path(r->tsrc));
    if (tt->cal != src->cal &&
        !(zsi_calendar_is_real(tt->cal) && zsi_calendar_is_real(src->cal)))
        return zsi_err(r->ctx, ZS_ERR_MISMATCH,
                       "%s: the calendars of the "
                       "time axes differ (%s, target %s)",
                       zs_var_path(r->tsrc), zsi_calendar_name(src->cal),
                       zsi_calendar_name(tt->cal));
    return ZS_OK;
}

/* linear: the step at or before x and the weight of the one after it;
 * -1 outside the source's times. */
static int64_t pick_linear(const zsi_usec *s, uint64_t n, zsi_usec x,
                           double *frac)
{
    int64_t k = pick(RG_TIME_FFILL, s, n, x);
    *frac = 0;
    if (k < 0 || (s[k] != x && (uint64_t)k + 1 >= n))
        return -1;
    if (s[k] != x)
        *frac = (double)(x - s[k]) / (double)(s[k + 1] - s[k]);
    return k;
}

/* The target axis from the source's: its first time, then every step
 * up to its last, in its units. */
#define STEPS_MAX ((uint64_t)1 << 24)

/* Room for one more time in tt (false: out of memory). */
static bool grow(rg_time *tt, uint64_t *cap)
{
    zsi_usec *nt;
    double *nc;
    if (tt->c.n < *cap)
        return true;
    *cap = *cap ? *cap * 2 : 64;
    if (!(nt = realloc(tt->t, (size_t)*cap * sizeof *nt)))
        return false;
    tt->t = nt;
    if (!(nc = realloc(tt->c.c, (size_t)*cap * sizeof *nc)))
        return false;
    tt->c.c = nc;
    return true;
}

static zs_status step_axis(zs_regrid *r, const rg_time *src)
{
    rg_time *tt = &r->o.ttime;
    zs_time_units *u = NULL;
    zsi_usec t = src->t[0];
    uint64_t cap = 0;
    zs_status st = zs_time_units_parse(
        r->ctx, zsi_attrs_text(zs_var_attrs(r->tsrc), "units"),
        zsi_attrs_text(zs_var_attrs(r->tsrc), "calendar"), &u);
    zsi_rg_time_clear(tt);
    tt->cal = src->cal;
    tt->c.dtype = ZS_DT_FLOAT64;
    if (st == ZS_OK &&
        zsi_attrs_copy(zs_var_attrs(r->tsrc), &tt->c.attrs) != ZS_OK)
        st = zsi_nomem(r->ctx);
    while (st == ZS_OK && t <= src->t[src->c.n - 1]) {
        if (tt->c.n == STEPS_MAX)
            st = zsi_err(r->ctx, ZS_ERR_RANGE, "time step: more than %llu "
                         "target times", (unsigned long long)STEPS_MAX);
        else if (!grow(tt, &cap))
            st = zsi_nomem(r->ctx);
        if (st != ZS_OK)
            break;
        tt->t[tt->c.n] = t;
        st = zsi_time_from_usec(u, t, &tt->c.c[tt->c.n++]);
        if (st == ZS_OK)
            st = zsi_time_add(src->cal, t, &r->o.step, 1, &t);
    }
    zs_time_units_free(u);
    return st;
}

zs_status zsi_rg_time_map(zs_regrid *r)
{
    rg_time src;
    zsi_usec *b = NULL;
    const rg_time *tt = &r->o.ttime;
    zs_status st;
    if (!tt->t && !r->o.has_step)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "the target has no time "
                       "axis to put the source on");
    if (!(r->tsrc = zsi_rg_time_find(r->ds)))
        return zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no time coordinate "
                       "(units \"... since ...\")", zsi_dataset_name(r->ds));
    st = zsi_rg_time_read(r->tsrc, &src);
    if (st == ZS_OK && src.c.n == 0)
        st = zsi_err(r->ctx, ZS_ERR_INVALID, "%s: no time steps",
                     zs_var_path(r->tsrc));
    if (st == ZS_OK && r->o.has_step)
        st = step_axis(r, &src);
    if (st == ZS_OK)
        st = check_axes(r, &src);
    if (st == ZS_OK && r->o.time_method == RG_TIME_WITHIN)
        st = bounds_of(r, &src, &b);
    if (st == ZS_OK &&
        !(r->tmap = malloc((size_t)(tt->c.n + 1) * sizeof *r->tmap)))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK && r->o.time_method == RG_TIME_LINEAR &&
        !(r->tfrac = calloc((size_t)tt->c.n + 1, sizeof *r->tfrac)))
        st = zsi_nomem(r->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < tt->c.n; i++) {
        zsi_usec x = tt->t[i];
        int64_t k = r->o.time_method == RG_TIME_WITHIN
                        ? pick_within(src.t, b, src.c.n, x)
                    : r->tfrac ? pick_linear(src.t, src.c.n, x, &r->tfrac[i])
                               : pick(r->o.time_method, src.t, src.c.n, x);
        if (k >= 0 && r->o.has_tolerance && !r->tfrac &&
            r->o.time_method != RG_TIME_WITHIN &&
            dist(src.t[k], x) > (zsi_usec)r->o.tolerance)
            k = -1;
        r->tmap[i] = k;
    }
    free(b);
    zsi_rg_time_clear(&src);
    return st;
}
