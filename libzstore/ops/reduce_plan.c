/* reduce_plan.c - options of a reduction, which variables it reduces
 * and how, and the groups or bins of the time axis. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_reduce.h"

/* ---- options ---------------------------------------------------------- */

zs_status zs_reduce_opts_new(zs_ctx *ctx, zs_reduce_opts **out)
{
    zs_reduce_opts *o = calloc(1, sizeof *o);
    if (!o || !zsi_strv_push(&o->dims, "time")) {
        free(o);
        return zsi_nomem(ctx);
    }
    o->ctx = ctx;
    o->dtype = ZS_DT_NONE;
    *out = o;
    return ZS_OK;
}

static void opts_clear(zs_reduce_opts *o)
{
    zsi_strv_free(&o->dims);
    zsi_strv_free(&o->vars);
    free(o->group_dim);
    free(o->resample);
    free(o->resample_dim);
}

void zs_reduce_opts_free(zs_reduce_opts *o)
{
    if (!o)
        return;
    opts_clear(o);
    free(o);
}

zs_status zs_reduce_opts_set_dims(zs_reduce_opts *o, const char *list)
{
    zsi_strv v = {0};
    zs_status st = zsi_names_parse(o->ctx, "dimensions to reduce", list,
                                   &v);
    if (st == ZS_OK && v.n > ZS_MAX_DIMS)
        st = zsi_err(o->ctx, ZS_ERR_INVALID, "dimensions to reduce: more "
                     "than %d", ZS_MAX_DIMS);
    if (st != ZS_OK) {
        zsi_strv_free(&v);
        return st;
    }
    zsi_strv_free(&o->dims);
    o->dims = v;
    o->dims_set = true;
    return ZS_OK;
}

zs_status zs_reduce_opts_set_op(zs_reduce_opts *o, const char *op)
{
    static const char *const names[] = {"mean", "sum", "min", "max", "std",
                                        "var", "count"};
    for (int i = 0; i < 7; i++)
        if (op && !strcmp(op, names[i])) {
            o->op = i;
            return ZS_OK;
        }
    return zsi_err(o->ctx, ZS_ERR_INVALID, "operation '%s': want mean, "
                   "sum, min, max, std, var or count", op ? op : "");
}

zs_status zs_reduce_opts_set_weights(zs_reduce_opts *o, const char *w)
{
    if (w && strcmp(w, "coslat"))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "weights '%s': want coslat",
                       w);
    o->coslat = w != NULL;
    return ZS_OK;
}

const char *zsi_reduce_group_key(int groupby)
{
    static const char *const keys[] = {"", "month", "dayofyear", "season",
                                       "hour"};
    return groupby > GB_NONE && groupby <= GB_HOUR ? keys[groupby] : "";
}

/* DIM.KEY: any time dimension (time, valid_time, TIME...) by month, day
 * of year, season or hour. */
zs_status zs_reduce_opts_set_groupby(zs_reduce_opts *o, const char *key)
{
    const char *dot = key ? strrchr(key, '.') : NULL;
    if (!key) {
        o->groupby = GB_NONE;
        free(o->group_dim);
        o->group_dim = NULL;
        return ZS_OK;
    }
    for (int i = GB_MONTH; dot && dot != key && i <= GB_HOUR; i++)
        if (!strcmp(dot + 1, zsi_reduce_group_key(i))) {
            char *d = zsi_strndup(key, (size_t)(dot - key));
            if (!d)
                return zsi_nomem(o->ctx);
            free(o->group_dim);
            o->group_dim = d;
            o->groupby = i;
            return ZS_OK;
        }
    return zsi_err(o->ctx, ZS_ERR_INVALID, "groups '%s': want DIM.month, "
                   "DIM.dayofyear, DIM.season or DIM.hour (DIM: the time "
                   "dimension)", key);
}

zs_status zs_reduce_opts_set_resample(zs_reduce_opts *o, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    zsi_time_step step;
    char *freq, *dim;
    if (!eq || eq == spec || !eq[1] ||
        zsi_time_step_parse(NULL, eq + 1, &step) != ZS_OK)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "resampling '%s': want "
                       "DIM=FREQ, e.g. time=1D, time=6h, time=1MS",
                       spec ? spec : "");
    freq = zsi_strdup(eq + 1);
    dim = zsi_strndup(spec, (size_t)(eq - spec));
    if (!freq || !dim) {
        free(freq);
        free(dim);
        return zsi_nomem(o->ctx);
    }
    free(o->resample);
    free(o->resample_dim);
    o->resample = freq;
    o->resample_dim = dim;
    return ZS_OK;
}

zs_status zs_reduce_opts_set_anomaly(zs_reduce_opts *o, int on)
{
    o->anomaly = on != 0;
    return ZS_OK;
}

zs_status zs_reduce_opts_set_keepdims(zs_reduce_opts *o, int on)
{
    o->keepdims = on != 0;
    return ZS_OK;
}

zs_status zs_reduce_opts_set_dtype(zs_reduce_opts *o, zs_dtype t)
{
    zs_status st = zsi_float_dtype(o->ctx, "result type", t, true);
    if (st == ZS_OK)
        o->dtype = t;
    return st;
}

zs_status zs_reduce_opts_set_vars(zs_reduce_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

/* ---- time groups ------------------------------------------------------- */

static zs_status add_label(zsi_reduce *r, int64_t key, const int64_t *keys,
                           size_t nkeys, int64_t *idx)
{
    (void)r;
    for (size_t i = 0; i < nkeys; i++)
        if (keys[i] == key) {
            *idx = (int64_t)i;
            return ZS_OK;
        }
    *idx = -1;
    return ZS_OK;
}

/* Group key of one time: month, day of year, season (0..3) or hour. */
static int64_t time_key(int gb, zs_calendar cal, const zs_datetime *dt)
{
    switch (gb) {
    case GB_MONTH: return dt->month;
    case GB_DOY: return zsi_datetime_day_of_year(cal, dt);
    case GB_SEASON: return zsi_month_season(dt->month);
    default: return dt->hour;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* xarray orders season groups by name: DJF, JJA, MAM, SON. */
static int64_t season_order(int64_t s)
{
    static const int64_t rank[4] = {0, 2, 1, 3};
    return rank[s];
}

static zs_status groups_by_key(zsi_reduce *r, zs_calendar cal,
                               const zsi_usec *t, uint64_t n)
{
    int64_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
    int64_t *uniq = malloc((size_t)(n ? n : 1) * sizeof *uniq);
    size_t nu = 0;
    zs_status st = keys && uniq ? ZS_OK : zsi_nomem(r->ctx);
    r->tg.g = malloc((size_t)(n ? n : 1) * sizeof *r->tg.g);
    if (!r->tg.g)
        st = zsi_nomem(r->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        zs_datetime dt;
        st = zsi_datetime_from_usec(cal, t[i], &dt);
        keys[i] = time_key(r->o.groupby, cal, &dt);
        if (r->o.groupby == GB_SEASON)
            keys[i] = season_order(keys[i]);
        uniq[i] = keys[i];
    }
    if (st == ZS_OK && n) {
        qsort(uniq, (size_t)n, sizeof *uniq, cmp_i64);
        for (uint64_t i = 0; i < n; i++)
            if (nu == 0 || uniq[nu - 1] != uniq[i])
                uniq[nu++] = uniq[i];
    }
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        int64_t idx;
        add_label(r, keys[i], uniq, nu, &idx);
        r->tg.g[i] = (uint32_t)idx;
    }
    if (st == ZS_OK) {
        static const char *const names[4] = {"DJF", "JJA", "MAM", "SON"};
        r->tg.n = nu;
        r->tg.ilabel = uniq;
        uniq = NULL;
        if (r->o.groupby == GB_SEASON) {
            r->tg.slabel = calloc(nu + 1, sizeof *r->tg.slabel);
            if (!r->tg.slabel)
                st = zsi_nomem(r->ctx);
            for (size_t i = 0; st == ZS_OK && i < nu; i++)
                r->tg.slabel[i] = names[r->tg.ilabel[i]];
        }
    }
    free(keys);
    free(uniq);
    return st;
}

/* Bins of a resampling: from the bin of the first time to that of the
 * last, empty ones included, as xarray's resample. */
static zs_status bins(zsi_reduce *r, zs_time_units *u, const zsi_usec *t,
                      uint64_t n)
{
    zsi_time_step step;
    zs_calendar cal = zs_time_units_calendar(u);
    zsi_usec origin, b, last, *edges = NULL;
    size_t nb = 0, cap = 0;
    zs_status st = zsi_time_step_parse(r->ctx, r->o.resample, &step);
    if (st != ZS_OK || n == 0)
        return st;
    /* xarray's default origin: midnight of the first day */
    origin = t[0] - ((t[0] % ZSI_USEC_PER_DAY) + ZSI_USEC_PER_DAY) %
                        ZSI_USEC_PER_DAY;
    st = zsi_time_floor(cal, t[0], &step, origin, &b);
    if (st == ZS_OK)
        st = zsi_time_floor(cal, t[n - 1], &step, origin, &last);
    while (st == ZS_OK && b <= last) {
        if (nb == cap) {
            zsi_usec *e = realloc(edges, (cap = cap ? cap * 2 : 64) *
                                             sizeof *e);
            if (!e) {
                st = zsi_nomem(r->ctx);
                break;
            }
            edges = e;
        }
        edges[nb++] = b;
        st = zsi_time_add(cal, b, &step, 1, &b);
        if (nb > ((size_t)1 << 26))
            st = zsi_err(r->ctx, ZS_ERR_RANGE, "resampling %s: too many "
                         "bins", r->o.resample);
    }
    r->tg.g = malloc((size_t)n * sizeof *r->tg.g);
    r->tg.tlabel = malloc((nb ? nb : 1) * sizeof *r->tg.tlabel);
    if (st == ZS_OK && (!r->tg.g || !r->tg.tlabel))
        st = zsi_nomem(r->ctx);
    for (uint64_t i = 0, k = 0; st == ZS_OK && i < n; i++) {
        while (k + 1 < nb && edges[k + 1] <= t[i])
            k++;
        r->tg.g[i] = (uint32_t)k;
    }
    r->tg.tlabel_int = true;
    for (size_t k = 0; st == ZS_OK && k < nb; k++) {
        zsi_usec lab = edges[k];
        if (step.end_label) {   /* pandas labels "M" bins with their end */
            zsi_time_step day = {ZSI_USEC_PER_DAY, 0, 1, false};
            st = zsi_time_add(cal, edges[k], &step, 1, &lab);
            if (st == ZS_OK)
                st = zsi_time_add(cal, lab, &day, -1, &lab);
        }
        if (st == ZS_OK)
            st = zsi_time_from_usec(u, lab, &r->tg.tlabel[k]);
        if (r->tg.tlabel[k] != floor(r->tg.tlabel[k]))
            r->tg.tlabel_int = false;
    }
    r->tg.n = nb;
    free(edges);
    return st;
}

/* The time dimension that is grouped or binned. */
static const char *time_dim(const zsi_reduce *r)
{
    if (r->o.resample)
        return r->o.resample_dim;
    return r->o.group_dim ? r->o.group_dim : "time";
}

static zs_status time_groups(zsi_reduce *r)
{
    zs_time_units *u = NULL;
    zsi_usec *t = NULL;
    uint64_t n;
    const char *name = time_dim(r);
    zs_status st;
    r->time = zs_group_find_var(zs_dataset_root(r->ds), name);
    if (!r->time || zs_var_ndim(r->time) != 1)
        return zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no time coordinate "
                       "'%s' to group by", zsi_dataset_name(r->ds), name);
    st = zsi_time_coord(r->time, &u, &t, &n);
    if (st != ZS_OK)
        return st;
    r->tg.ntime = n;
    st = r->o.resample ? bins(r, u, t, n)
                       : groups_by_key(r, zs_time_units_calendar(u), t, n);
    free(t);
    zs_time_units_free(u);
    return st;
}

/* ---- variables ----------------------------------------------------------- */

static bool reduced(const zsi_reduce *r, const char *dim)
{
    return zsi_strv_contains(&r->o.dims, dim);
}

static bool is_latitude(const zs_var *v)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    return !strcmp(zs_var_name(v), "latitude") ||
           !strcmp(zs_var_name(v), "lat") ||
           (u && (!strcmp(u, "degrees_north") || !strcmp(u, "degree_north")));
}

static zs_status weights(zsi_reduce *r)
{
    uint64_t start = 0, n;
    double *raw;
    zs_status st;
    for (size_t i = 0; i < zs_group_nvars(zs_dataset_root(r->ds)) && !r->lat;
         i++)
        if (zs_var_is_coord(zs_group_var(zs_dataset_root(r->ds), i)) &&
            is_latitude(zs_group_var(zs_dataset_root(r->ds), i)) &&
            reduced(r, zs_var_name(zs_group_var(zs_dataset_root(r->ds), i))))
            r->lat = zs_group_var(zs_dataset_root(r->ds), i);
    if (!r->lat)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "weights coslat: no "
                       "latitude among the reduced dimensions");
    n = zs_var_shape(r->lat)[0];
    raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(r->lat));
    r->weights = malloc((size_t)(n ? n : 1) * sizeof *r->weights);
    if (!raw || !r->weights) {
        free(raw);
        return zsi_nomem(r->ctx);
    }
    st = zs_var_read(r->lat, &start, &n, raw);
    zs_dtype vt = zs_var_dtype(r->lat);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        r->weights[i] = cos(zsi_load_double(vt, raw, (size_t)i) *
                            M_PI / 180.0);
    free(raw);
    return st;
}

/* A dimension that the output no longer has (anomalies keep them all). */
static bool goes_away(const zsi_reduce *r, const char *dim)
{
    return reduced(r, dim) && !r->o.anomaly;
}

/* Bounds of a coordinate that goes away (time_bnds of time). */
static bool is_dropped_bounds(const zsi_reduce *r, const zs_var *v)
{
    for (size_t i = 0; i < zs_group_nvars(zsi_var_group(v)); i++) {
        const zs_var *c = zs_group_var(zsi_var_group(v), i);
        const char *b = zsi_attrs_text(zs_var_attrs(c), "bounds");
        if (b && !strcmp(b, zs_var_name(v)) && zs_var_is_coord(c) &&
            goes_away(r, zs_var_name(c)))
            return true;
    }
    return false;
}

/* The results' type: asked for, or the precision of the values as
 * xarray decodes them (zsi_decoded_dtype), as numpy's mean keeps it. */
static zs_dtype result_dtype(const zsi_reduce *r, const zs_var *v)
{
    if (r->o.op == RD_COUNT)
        return ZS_DT_INT64;
    if (r->o.dtype != ZS_DT_NONE)
        return r->o.dtype;
    return zsi_decoded_dtype(v);
}

static zs_status plan_var(zsi_reduce *r, zs_var *v)
{
    rvar *rv = &r->vars[r->nvars];
    bool any = false;
    memset(rv, 0, sizeof *rv);
    rv->v = v;
    rv->nd = zs_var_ndim(v);
    rv->tdim = rv->latdim = -1;
    for (int d = 0; d < zs_var_ndim(v); d++) {
        rv->red[d] = reduced(r, zs_var_dim_name(v, d));
        any = any || rv->red[d];
        if (rv->red[d] && r->tg.n && r->time &&
            !strcmp(zs_var_dim_name(v, d), zs_var_name(r->time)))
            rv->tdim = d;
        if (rv->red[d] && r->lat &&
            !strcmp(zs_var_dim_name(v, d), zs_var_name(r->lat)))
            rv->latdim = d;
    }
    if (!any)
        return ZS_OK;
    for (int d = 0; d < zs_var_ndim(v); d++) {
        if (r->o.anomaly) {
            rv->omap[rv->ond] = d;
            rv->oshape[rv->ond] = zs_var_shape(v)[d];
            rv->odims[rv->ond++] = zs_var_dim_name(v, d);
        } else if (d == rv->tdim) {
            rv->omap[rv->ond] = d;
            rv->oshape[rv->ond] = r->tg.n;
            rv->odims[rv->ond++] = r->gdim;
        } else if (!rv->red[d] || r->o.keepdims) {
            rv->omap[rv->ond] = d;
            rv->oshape[rv->ond] = rv->red[d] ? 1 : zs_var_shape(v)[d];
            rv->odims[rv->ond++] = zs_var_dim_name(v, d);
        }
    }
    for (int j = 0; j < rv->ond; j++) {
        int d = rv->omap[j];
        uint64_t c = d == rv->tdim && !r->o.anomaly ? rv->oshape[j]
                                                    : zs_var_chunks(v)[d];
        rv->ochunks[j] = c < rv->oshape[j] ? c : rv->oshape[j];
        if (rv->ochunks[j] == 0)
            rv->ochunks[j] = 1;
    }
    rv->dtype = result_dtype(r, v);
    zsi_write_chunks(&r->w, rv->ond, rv->odims, rv->oshape,
                     zsi_dtype_size(rv->dtype), rv->ochunks);
    r->nvars++;
    return ZS_OK;
}

static bool wanted(const zsi_reduce *r, const zs_var *v)
{
    return !r->o.vars.n || zsi_strv_contains(&r->o.vars, zs_var_name(v)) ||
           zsi_strv_contains(&r->o.vars, zs_var_path(v));
}

/* Reduce, copy unchanged, or leave out. */
static zs_status classify(void *user, zs_var *v)
{
    zsi_reduce *r = user;
    bool has = false;
    bool coord = zs_var_is_coord(v) || zsi_var_named_in(v, "coordinates");
    zs_var **c;
    for (int d = 0; d < zs_var_ndim(v); d++)
        has = has || reduced(r, zs_var_dim_name(v, d));
    if (is_dropped_bounds(r, v))
        return ZS_OK;
    if (has && coord && r->o.anomaly)
        has = false;        /* anomalies keep every coordinate */
    if (has) {
        if (coord || !wanted(r, v))
            return ZS_OK;   /* goes with its dimension, or not asked for */
        if (!zsi_dtype_is_numeric(zs_var_dtype(v))) {
            zsi_log(r->ctx, ZS_LOG_WARN, "%s: not numeric, left out",
                    zs_var_path(v));
            return ZS_OK;
        }
        return plan_var(r, v);
    }
    if (!coord && !wanted(r, v))
        return ZS_OK;
    c = realloc(r->copy, (r->ncopy + 1) * sizeof *c);
    if (!c)
        return zsi_nomem(r->ctx);
    r->copy = c;
    r->copy[r->ncopy++] = v;
    return ZS_OK;
}

static zs_status check(zsi_reduce *r)
{
    const zs_group *o;
    size_t i;
    for (size_t k = 0; k < r->o.dims.n; k++)
        if (!zsi_group_find_dim(zs_dataset_root(r->ds), r->o.dims.v[k], &o,
                                &i))
            return zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no dimension '%s'",
                           zsi_dataset_name(r->ds), r->o.dims.v[k]);
    for (size_t k = 0; k < r->o.vars.n; k++) {
        bool hit = false;
        for (size_t g = 0; g < zs_group_nvars(zs_dataset_root(r->ds)); g++)
            hit = hit ||
                  !strcmp(zs_var_name(zs_group_var(zs_dataset_root(r->ds), g)),
                          r->o.vars.v[k]);
        if (!hit)
            return zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no variable '%s'",
                           zsi_dataset_name(r->ds), r->o.vars.v[k]);
    }
    if ((r->o.groupby || r->o.resample) &&
        (r->o.dims.n != 1 || strcmp(r->o.dims.v[0], time_dim(r))))
        return zsi_err(r->ctx, ZS_ERR_INVALID, "groups and resampling "
                       "reduce the time dimension only (%s)", time_dim(r));
    if (r->o.groupby && r->o.resample)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "groups and resampling "
                       "exclude each other");
    if (r->o.anomaly && !r->o.groupby)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "anomalies need groups of "
                       "the time dimension");
    if (r->o.anomaly && r->o.op != RD_MEAN)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "anomalies subtract means "
                       "(the operation must be mean)");
    return ZS_OK;
}

/* Chunks and shards asked for must name dimensions of the output. */
static zs_status check_output_dims(zsi_reduce *r)
{
    zsi_strv dims = {0};
    bool ok = true;
    zs_status st;
    for (size_t i = 0; ok && i < r->nvars; i++)
        ok = zsi_strv_add(&dims, r->vars[i].odims, r->vars[i].ond);
    for (size_t i = 0; ok && i < r->ncopy; i++)
        ok = zsi_strv_add(&dims, zsi_var_dims(r->copy[i]),
                          zs_var_ndim(r->copy[i]));
    st = ok ? zsi_write_check_dims(&r->w, &dims) : zsi_nomem(r->ctx);
    zsi_strv_free(&dims);
    return st;
}

zs_status zsi_reduce_plan(zsi_reduce *r)
{
    zs_status st = check(r);
    if (st == ZS_OK && (r->o.groupby || r->o.resample)) {
        r->gdim = r->o.resample ? r->o.resample_dim
                                : zsi_reduce_group_key(r->o.groupby);
        st = time_groups(r);
    }
    if (st == ZS_OK && r->o.coslat)
        st = weights(r);
    if (st == ZS_OK && !(r->vars = calloc(zsi_dataset_nvars(r->ds) + 1,
                                          sizeof *r->vars)))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_dataset_each_var(r->ds, classify, r);
    if (st == ZS_OK && r->nvars == 0)
        st = zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no variable has the "
                     "dimension%s to reduce", zsi_dataset_name(r->ds),
                     r->o.dims.n > 1 ? "s" : "");
    if (st == ZS_OK)
        st = check_output_dims(r);
    return st;
}

void zsi_reduce_clear(zsi_reduce *r)
{
    for (size_t i = 0; i < r->nvars; i++)
        zs_array_close(r->vars[i].out);
    free(r->vars);
    free(r->copy);
    free(r->tg.g);
    free(r->tg.ilabel);
    free(r->tg.slabel);
    free(r->tg.tlabel);
    free(r->weights);
    zsi_strv_free(&r->o.dims);
    zsi_strv_free(&r->o.vars);
    free(r->o.group_dim);
    free(r->o.resample);
    free(r->o.resample_dim);
    zsi_write_opts_clear(&r->w);
}
