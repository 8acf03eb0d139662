/* skill_plan.c - options of the skill scores, the variables scored, the
 * dimensions matched (reduced) or aligned (kept) between forecast and
 * reference, weights, the climatology of the anomaly correlation, and
 * the tiles of accumulators. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_skill.h"

/* The default memory bound of a run. */
#define SKILL_MEMORY ((uint64_t)1 << 30)
#define CACHE_MAX ((uint64_t)64 << 20)

static const char *const metric_names[SK_N] = {
    "rmse", "mae", "mse", "me", "pearson_r", "spearman_r", "acc", "crps"};

const char *zsi_skill_name(int metric)
{
    return metric >= 0 && metric < SK_N ? metric_names[metric] : "";
}

/* ---- options ------------------------------------------------------------ */

zs_status zs_skill_opts_new(zs_ctx *ctx, zs_skill_opts **out)
{
    zs_skill_opts *o = calloc(1, sizeof *o);
    if (!o || !(o->member_dim = zsi_strdup("member"))) {
        free(o);
        return zsi_nomem(ctx);
    }
    o->ctx = ctx;
    o->centred = true;
    o->metric[0] = SK_RMSE;
    o->nmetric = 1;
    *out = o;
    return ZS_OK;
}

static void opts_clear(zs_skill_opts *o)
{
    zsi_strv_free(&o->dims);
    zsi_strv_free(&o->vars);
    free(o->weights);
    free(o->member_dim);
    free(o->clim);
    free(o->groupby);
}

void zs_skill_opts_free(zs_skill_opts *o)
{
    if (!o)
        return;
    opts_clear(o);
    free(o);
}

zs_status zs_skill_opts_set_metrics(zs_skill_opts *o, const char *list)
{
    zsi_strv v = {0};
    int m[SK_N], n = 0;
    zs_status st = zsi_names_parse(o->ctx, "metrics", list, &v);
    for (size_t i = 0; st == ZS_OK && i < v.n; i++) {
        int k = 0;
        while (k < SK_N && strcmp(v.v[i], metric_names[k]))
            k++;
        if (k == SK_N)
            st = zsi_err(o->ctx, ZS_ERR_INVALID, "metrics: no metric '%s' "
                         "(want rmse, mae, mse, me, pearson_r, spearman_r, "
                         "acc or crps)", v.v[i]);
        else
            m[n++] = k;
    }
    zsi_strv_free(&v);
    if (st != ZS_OK)
        return st;
    memcpy(o->metric, m, sizeof m);
    o->nmetric = n;
    return ZS_OK;
}

zs_status zs_skill_opts_set_dims(zs_skill_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "dimensions to reduce", list, &o->dims);
}

static zs_status set_text(zs_ctx *ctx, const char *s, char **dst)
{
    char *c = s ? zsi_strdup(s) : NULL;
    if (s && !c)
        return zsi_nomem(ctx);
    free(*dst);
    *dst = c;
    return ZS_OK;
}

zs_status zs_skill_opts_set_weights(zs_skill_opts *o, const char *spec)
{
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    if (spec && strcmp(spec, "coslat") &&
        (!colon || colon == spec || !colon[1]))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "weights '%s': want coslat "
                       "or STORE:VAR", spec);
    return set_text(o->ctx, spec, &o->weights);
}

zs_status zs_skill_opts_set_skipna(zs_skill_opts *o, int on)
{
    o->skipna = on != 0;
    return ZS_OK;
}

zs_status zs_skill_opts_set_member_dim(zs_skill_opts *o, const char *dim)
{
    if (!dim || !*dim)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "member dimension: want a "
                       "name");
    return set_text(o->ctx, dim, &o->member_dim);
}

zs_status zs_skill_opts_set_fair(zs_skill_opts *o, int on)
{
    o->fair = on != 0;
    return ZS_OK;
}

/* DIM.KEY with KEY month, dayofyear, season or hour. */
static bool groupby_ok(const char *g)
{
    static const char *const keys[] = {"month", "dayofyear", "season",
                                       "hour"};
    const char *dot = strrchr(g, '.');
    for (int i = 0; dot && dot != g && i < 4; i++)
        if (!strcmp(dot + 1, keys[i]))
            return true;
    return false;
}

zs_status zs_skill_opts_set_clim(zs_skill_opts *o, const char *store,
                                 const char *groupby)
{
    zs_status st;
    if (store && (!groupby || !groupby_ok(groupby)))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "climatology groups '%s': "
                       "want DIM.month, DIM.dayofyear, DIM.season or "
                       "DIM.hour", groupby ? groupby : "");
    st = set_text(o->ctx, store, &o->clim);
    if (st == ZS_OK)
        st = set_text(o->ctx, store ? groupby : NULL, &o->groupby);
    return st;
}

zs_status zs_skill_opts_set_centred(zs_skill_opts *o, int on)
{
    o->centred = on != 0;
    return ZS_OK;
}

zs_status zs_skill_opts_set_vars(zs_skill_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

static zs_status copy_opts(zs_ctx *ctx, const zs_skill_opts *o,
                           struct zs_skill_opts *c)
{
    bool ok = true;
    *c = *o;
    memset(&c->dims, 0, sizeof c->dims);
    memset(&c->vars, 0, sizeof c->vars);
    c->weights = c->member_dim = c->clim = c->groupby = NULL;
    for (size_t i = 0; ok && i < o->dims.n; i++)
        ok = zsi_strv_push(&c->dims, o->dims.v[i]);
    for (size_t i = 0; ok && i < o->vars.n; i++)
        ok = zsi_strv_push(&c->vars, o->vars.v[i]);
    ok = ok && (!o->weights || (c->weights = zsi_strdup(o->weights))) &&
         (c->member_dim = zsi_strdup(o->member_dim)) &&
         (!o->clim || (c->clim = zsi_strdup(o->clim))) &&
         (!o->groupby || (c->groupby = zsi_strdup(o->groupby)));
    return ok ? ZS_OK : zsi_nomem(ctx);
}

static bool wants(const zs_skill *s, int m)
{
    for (int i = 0; i < s->o.nmetric; i++)
        if (s->o.metric[i] == m)
            return true;
    return false;
}

/* ---- variables ---------------------------------------------------------- */

/* Named in another variable's "coordinates" or "bounds". */
static bool is_aux(const zs_var *v)
{
    return zsi_var_named_in(v, "coordinates") ||
           zsi_var_named_in(v, "bounds");
}

static bool data_var(const zs_var *v)
{
    return v && !zs_var_is_coord(v) && !is_aux(v) && zs_var_ndim(v) > 0 &&
           zsi_dtype_is_numeric(zs_var_dtype(v)) && !zs_var_problem(v);
}

static zs_status add_var(zs_skill *s, zs_var *f, zs_var *r)
{
    skvar *k = &s->vars[s->nvars++];
    k->f.v = f;
    k->r.v = r;
    k->c.v = NULL;
    return ZS_OK;
}

static zs_status choose_vars(zs_skill *s)
{
    zs_group *rg = zs_dataset_root(s->rds), *fg = zs_dataset_root(s->fds);
    zs_status st = ZS_OK;
    s->vars = calloc(zs_group_nvars(rg) + s->o.vars.n + 1, sizeof *s->vars);
    if (!s->vars)
        return zsi_nomem(s->ctx);
    for (size_t i = 0; st == ZS_OK && i < s->o.vars.n; i++) {
        zs_var *f = zs_group_find_var(fg, s->o.vars.v[i]);
        zs_var *r = zs_group_find_var(rg, s->o.vars.v[i]);
        if (!data_var(f) || !data_var(r))
            st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no data variable '%s'",
                         !data_var(f) ? zsi_dataset_name(s->fds)
                                      : zsi_dataset_name(s->rds),
                         s->o.vars.v[i]);
        else
            st = add_var(s, f, r);
    }
    for (size_t i = 0; st == ZS_OK && !s->o.vars.n && i < zs_group_nvars(rg);
         i++) {
        zs_var *r = zs_group_var(rg, i),
               *f = zs_group_find_var(fg, zs_var_name(r));
        if (data_var(r) && data_var(f))
            st = add_var(s, f, r);
    }
    if (st == ZS_OK && !s->nvars)
        st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "no data variable is in both "
                     "the forecast (%s) and the reference (%s)",
                     zsi_dataset_name(s->fds), zsi_dataset_name(s->rds));
    return st;
}

static int find_dim(const zs_var *v, const char *name)
{
    for (int d = 0; d < zs_var_ndim(v); d++)
        if (!strcmp(zs_var_dim_name(v, d), name))
            return d;
    return -1;
}

/* The forecast has the reference's dimensions (in any order), and the
 * member dimension for crps (only then). */
static zs_status check_var_dims(zs_skill *s, skvar *k)
{
    const zs_var *r = k->r.v, *f = k->f.v, *r0 = s->vars[0].r.v;
    bool crps = wants(s, SK_CRPS);
    if (zs_var_ndim(r) != zs_var_ndim(r0))
        return zsi_err(s->ctx, ZS_ERR_MISMATCH, "%s and %s have different "
                       "dimensions: score them apart (choose the variables)",
                       zs_var_name(r0), zs_var_name(r));
    for (int d = 0; d < zs_var_ndim(r); d++)
        if (strcmp(zs_var_dim_name(r, d), zs_var_dim_name(r0, d)) ||
            zs_var_shape(r)[d] != zs_var_shape(r0)[d])
            return zsi_err(s->ctx, ZS_ERR_MISMATCH, "%s and %s have "
                           "different dimensions: score them apart (choose "
                           "the variables)", zs_var_name(r0), zs_var_name(r));
    if (find_dim(r, s->o.member_dim) >= 0 && crps)
        return zsi_err(s->ctx, ZS_ERR_MISMATCH, "crps: the reference %s has "
                       "the member dimension '%s'", zs_var_name(r),
                       s->o.member_dim);
    k->f.member = crps ? find_dim(f, s->o.member_dim) : -1;
    if (crps && k->f.member < 0)
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND,
                       "crps: the forecast %s has "
                       "no member dimension '%s'",
                       zs_var_name(f), s->o.member_dim);
    if (crps && s->o.nmetric > 1)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "metrics: crps scores an "
                       "ensemble; score it apart from the others");
    for (int d = 0; d < zs_var_ndim(f); d++)
        if (d != k->f.member && find_dim(r, zs_var_dim_name(f, d)) < 0)
            return zsi_err(s->ctx, ZS_ERR_MISMATCH, "the forecast %s has the "
                           "dimension '%s' that the reference lacks%s",
                           zs_var_name(f), zs_var_dim_name(f, d), crps ? ""
                           : " (an ensemble? crps scores members)");
    for (int d = 0; d < zs_var_ndim(r); d++) {
        k->f.sdim[d] = find_dim(f, zs_var_dim_name(r, d));
        k->r.sdim[d] = d;
        if (k->f.sdim[d] < 0)
            return zsi_err(s->ctx, ZS_ERR_MISMATCH,
                           "the forecast %s has no "
                           "dimension '%s'",
                           zs_var_name(f), zs_var_dim_name(r, d));
    }
    k->r.member = -1;
    if (k->f.member >= 0 && (s->members = zs_var_shape(f)[k->f.member]) == 0)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "crps: no members");
    return ZS_OK;
}

/* ---- dimensions --------------------------------------------------------- */

/* The identity map is none at all. */
static void drop_identity(skdim *d, uint64_t nf, uint64_t nr)
{
    bool same = d->n == nf && d->n == nr;
    for (uint64_t i = 0; same && i < d->n; i++)
        same = d->fi[i] == i && d->ri[i] == i;
    if (same) {
        free(d->fi);
        free(d->ri);
        d->fi = d->ri = NULL;
    }
}

static zs_status plan_dims(zs_skill *s)
{
    const zs_var *r = s->vars[0].r.v, *f = s->vars[0].f.v;
    zs_status st = ZS_OK;
    s->nd = zs_var_ndim(r);
    for (size_t i = 0; i < s->o.dims.n; i++)
        if (find_dim(r, s->o.dims.v[i]) < 0)
            return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "dimensions to reduce: "
                           "no dimension '%s' (%s has it not)",
                           s->o.dims.v[i], zs_var_name(r));
    for (int d = 0; st == ZS_OK && d < s->nd; d++) {
        skdim *k = &s->dims[d];
        uint64_t nf = zs_var_shape(f)[s->vars[0].f.sdim[d]];
        k->name = zs_var_dim_name(r, d);
        k->red = !s->o.dims.n || zsi_strv_contains(&s->o.dims, k->name);
        k->chunk = zsi_var_array(r) ? zsi_array_read_unit(zsi_var_array(r))[d]
                                    : zs_var_chunks(r)[d];
        st = zsi_labels_load(s->rds, k->name, zs_var_shape(r)[d], &k->lab);
        if (st == ZS_OK)
            st = zsi_labels_load(s->fds, k->name, nf, &k->flab);
        if (st == ZS_OK && k->red) {
            st = zsi_labels_match(s->ctx, &k->flab, "forecast", &k->lab,
                                  "reference");
            k->n = nf;
        } else if (st == ZS_OK) {
            st = zsi_labels_align(s->ctx, &k->flab, "forecast", &k->lab,
                                  "reference", &k->fi, &k->ri, &k->n);
            /* an inner join, never a silent one */
            if (st == ZS_OK && (k->n < nf || k->n < zs_var_shape(r)[d]))
                zsi_log(s->ctx, ZS_LOG_WARN,
                        "%s: scored where both stores have a label: %llu "
                        "of the forecast's %llu, of the reference's %llu",
                        k->name, (unsigned long long)k->n,
                        (unsigned long long)nf,
                        (unsigned long long)zs_var_shape(r)[d]);
            if (st == ZS_OK)
                drop_identity(k, nf, zs_var_shape(r)[d]);
        }
    }
    s->nk = 0;
    s->ncells = s->nred = 1;
    for (int d = 0; d < s->nd; d++) {
        if (s->dims[d].red) {
            s->nred *= s->dims[d].n;
            continue;
        }
        s->kept[s->nk] = d;
        s->kshape[s->nk++] = s->dims[d].n;
        s->ncells *= s->dims[d].n;
    }
    return st;
}

/* Every variable's sources read through the dimensions' maps. */
static zs_status plan_sources(zs_skill *s)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++) {
        skvar *k = &s->vars[i];
        st = check_var_dims(s, k);
        for (int d = 0; st == ZS_OK && d < s->nd; d++) {
            const zs_var *f = k->f.v;
            if (zs_var_shape(f)[k->f.sdim[d]] != zs_var_shape(s->vars[0].f.v)[
                    s->vars[0].f.sdim[d]])
                st = zsi_err(s->ctx, ZS_ERR_MISMATCH, "the forecasts %s and "
                             "%s differ in '%s'", zs_var_name(s->vars[0].f.v),
                             zs_var_name(f), s->dims[d].name);
            k->f.map[d] = s->dims[d].fi;
            k->r.map[d] = s->dims[d].ri;
        }
        zsi_cfdecode_init(&k->f.dec, k->f.v);
        zsi_cfdecode_init(&k->r.dec, k->r.v);
    }
    return st;
}

/* ---- maps by label ------------------------------------------------------ */

/* For logical dim d, the index in another store whose labels are l of
 * each logical index; an error naming the first label l lacks. */
static zs_status map_by_label(zs_skill *s, int d, const zsi_labels *l,
                              const char *what, uint64_t **out)
{
    const skdim *k = &s->dims[d];
    uint64_t *ia = NULL, *ib = NULL, m, *look, *map;
    char lab[64];
    zs_status st = zsi_labels_align(s->ctx, &k->lab, "reference", l, what,
                                    &ia, &ib, &m);
    look = st == ZS_OK ? malloc((size_t)(k->lab.n + 1) * sizeof *look)
                       : NULL;
    map = look ? malloc((size_t)(k->n + 1) * sizeof *map) : NULL;
    if (st == ZS_OK && !map)
        st = zsi_nomem(s->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < k->lab.n; i++)
        look[i] = UINT64_MAX;
    for (uint64_t i = 0; st == ZS_OK && i < m; i++)
        look[ia[i]] = ib[i];
    for (uint64_t i = 0; st == ZS_OK && i < k->n; i++) {
        uint64_t ri = k->ri ? k->ri[i] : i;
        map[i] = look[ri];
        if (map[i] == UINT64_MAX) {
            zsi_labels_format(&k->lab, ri, lab, sizeof lab);
            st = zsi_err(s->ctx, ZS_ERR_MISMATCH, "%s: the %s has no label "
                         "%s of the reference", k->name, what, lab);
        }
    }
    free(ia);
    free(ib);
    free(look);
    if (st != ZS_OK) {
        free(map);
        return st;
    }
    *out = map;
    return ZS_OK;
}

static int logical_dim(const zs_skill *s, const char *name)
{
    for (int d = 0; d < s->nd; d++)
        if (!strcmp(s->dims[d].name, name))
            return d;
    return -1;
}

/* ---- weights ------------------------------------------------------------ */

static bool is_latitude(const zs_dataset *ds, const char *dim)
{
    zs_var *c = zs_group_find_var(zsi_dataset_root(ds), dim);
    const char *u = c ? zsi_attrs_text(zs_var_attrs(c), "units") : NULL;
    return !strcmp(dim, "latitude") || !strcmp(dim, "lat") ||
           (u && (!strcmp(u, "degrees_north") || !strcmp(u, "degree_north")));
}

static zs_status coslat(zs_skill *s)
{
    int d = -1;
    for (int k = 0; k < s->nd && d < 0; k++)
        if (s->dims[k].red && s->dims[k].lab.v &&
            is_latitude(s->rds, s->dims[k].name))
            d = k;
    if (d < 0)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "weights coslat: no latitude "
                       "among the reduced dimensions");
    if (!(s->wt = malloc((size_t)s->dims[d].n * sizeof *s->wt)))
        return zsi_nomem(s->ctx);
    for (uint64_t i = 0; i < s->dims[d].n; i++)
        s->wt[i] = cos(s->dims[d].lab.v[i] * M_PI / 180.0);
    s->nwd = 1;
    s->wdims[0] = d;
    s->wstride[0] = 1;
    return ZS_OK;
}

/* The weights variable's values in logical order (wt), from its values
 * (raw order) through the label maps of its dimensions. */
static zs_status weights_dense(zs_skill *s, const zs_var *v,
                               const double *val, uint64_t **maps)
{
    uint64_t n = 1, idx[ZS_MAX_DIMS] = {0}, vst[ZS_MAX_DIMS];
    for (int j = s->nwd - 1; j >= 0; j--) {
        s->wstride[j] = n;
        n *= s->dims[s->wdims[j]].n;
    }
    vst[zs_var_ndim(v) - 1] = 1;
    for (int j = zs_var_ndim(v) - 1; j > 0; j--)
        vst[j - 1] = vst[j] * zs_var_shape(v)[j];
    if (!(s->wt = malloc((size_t)n * sizeof *s->wt)))
        return zsi_nomem(s->ctx);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t o = 0;
        for (int j = 0; j < s->nwd; j++)
            o += maps[j][idx[j]] * vst[j];
        s->wt[i] = val[o];
        if (s->wt[i] < 0)
            return zsi_err(s->ctx, ZS_ERR_INVALID, "weights %s: negative "
                           "values (%g)", s->o.weights, s->wt[i]);
        for (int j = s->nwd - 1; j >= 0; j--) {
            if (++idx[j] < s->dims[s->wdims[j]].n)
                break;
            idx[j] = 0;
        }
    }
    return ZS_OK;
}

static zs_status weights_var(zs_skill *s)
{
    const char *colon = strrchr(s->o.weights, ':');
    char *store = zsi_strndup(s->o.weights, (size_t)(colon - s->o.weights));
    uint64_t *maps[ZS_MAX_DIMS] = {NULL}, start[ZS_MAX_DIMS] = {0}, n;
    double *val = NULL;
    void *raw = NULL;
    zs_var *v = NULL;
    zs_status st = store ? zs_dataset_open(s->ctx, store, &s->wds)
                         : zsi_nomem(s->ctx);
    if (st == ZS_OK &&
        !(v = zs_group_find_var(zs_dataset_root(s->wds), colon + 1)))
        st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "weights: %s has no variable "
                     "'%s'", store, colon + 1);
    if (st == ZS_OK &&
        (!zsi_dtype_is_numeric(zs_var_dtype(v)) || !zs_var_ndim(v) ||
         !zsi_prod_ok(zs_var_shape(v), zs_var_ndim(v), &n) ||
         n > s->memory / 32))
        st = zsi_err(s->ctx, ZS_ERR_INVALID, "weights %s: want a numeric "
                     "array that fits the memory bound", s->o.weights);
    for (int j = 0; st == ZS_OK && j < zs_var_ndim(v); j++) {
        int d = logical_dim(s, zs_var_dim_name(v, j));
        zsi_labels l;
        if (d < 0 || !s->dims[d].red) {
            st = zsi_err(s->ctx, ZS_ERR_INVALID,
                         "weights %s: dimension "
                         "'%s' is not one reduced",
                         s->o.weights, zs_var_dim_name(v, j));
            break;
        }
        s->wdims[s->nwd++] = d;
        st = zsi_labels_load(s->wds, zs_var_dim_name(v, j), zs_var_shape(v)[j],
                             &l);
        if (st == ZS_OK)
            st = map_by_label(s, d, &l, "weights", &maps[j]);
        zsi_labels_free(&l);
    }
    if (st == ZS_OK && (!(raw = malloc((size_t)n * zs_var_itemsize(v))) ||
                        !(val = malloc((size_t)n * sizeof *val))))
        st = zsi_nomem(s->ctx);
    if (st == ZS_OK)
        st = zs_var_read(v, start, zs_var_shape(v), raw);
    if (st == ZS_OK) {
        zsi_cfdecode dec;
        zsi_cfdecode_init(&dec, v);
        zsi_cfdecode_row(&dec, raw, (size_t)n, val);
        st = weights_dense(s, v, val, maps);
    }
    for (int j = 0; j < ZS_MAX_DIMS; j++)
        free(maps[j]);
    free(store);
    free(raw);
    free(val);
    return st;
}

static zs_status plan_weights(zs_skill *s)
{
    zs_status st;
    bool any = false;
    if (!s->o.weights)
        return ZS_OK;
    st = strcmp(s->o.weights, "coslat") ? weights_var(s) : coslat(s);
    if (st == ZS_OK) {
        uint64_t n = 1;
        for (int j = 0; j < s->nwd; j++)
            n *= s->dims[s->wdims[j]].n;
        for (uint64_t i = 0; i < n && !any; i++)
            any = !isnan(s->wt[i]) && s->wt[i] > 0;
        if (!any)
            st = zsi_err(s->ctx, ZS_ERR_INVALID, "weights %s: none is a "
                         "positive number", s->o.weights);
    }
    return st;
}

/* ---- the climatology (acc) ---------------------------------------------- */

/* Group key of an instant: month, day of year, season or hour. */
static int64_t group_key(const char *key, zs_calendar cal, zsi_usec t)
{
    zs_datetime dt;
    if (zsi_datetime_from_usec(cal, t, &dt) != ZS_OK)
        return -1;
    if (!strcmp(key, "month"))
        return dt.month;
    if (!strcmp(key, "dayofyear"))
        return zsi_datetime_day_of_year(cal, &dt);
    if (!strcmp(key, "season"))
        return zsi_month_season(dt.month);
    return dt.hour;
}

/* The keys of the climatology's groups (numbers, or season names). */
static zs_status clim_keys(zs_skill *s, zs_var *g, int64_t *keys)
{
    uint64_t start = 0, n = zs_var_shape(g)[0];
    void *raw = calloc((size_t)(n ? n : 1), zs_var_itemsize(g));
    zs_status st = raw ? zs_var_read(g, &start, &n, raw) : zsi_nomem(s->ctx);
    zs_dtype vt = zs_var_dtype(g);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        keys[i] = -2;
        if (vt == ZS_DT_STRING) {
            const char *t = ((char **)raw)[i];
            for (int k = 0; t && k < 4; k++)
                if (!strcmp(t, zsi_season_name(k)))
                    keys[i] = k;
        } else if (zsi_dtype_is_numeric(vt)) {
            keys[i] = (int64_t)zsi_load_double(vt, raw, (size_t)i);
        }
    }
    if (raw && zs_var_dtype(g) == ZS_DT_STRING)
        for (uint64_t i = 0; i < n; i++)
            free(((char **)raw)[i]);
    free(raw);
    return st;
}

/* s->cgroup: the group of each time index of the logical time dim. */
static zs_status clim_groups(zs_skill *s, zs_var *g, const char *key)
{
    const skdim *t = &s->dims[s->tdim];
    int64_t *keys = malloc((size_t)(zs_var_shape(g)[0] + 1) * sizeof *keys);
    zs_calendar cal = zs_time_units_calendar(t->lab.tu);
    char lab[64];
    zs_status st = keys ? clim_keys(s, g, keys) : zsi_nomem(s->ctx);
    if (st == ZS_OK &&
        !(s->cgroup = malloc((size_t)(t->n + 1) * sizeof *s->cgroup)))
        st = zsi_nomem(s->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < t->n; i++) {
        uint64_t ri = t->ri ? t->ri[i] : i;
        int64_t k = group_key(key, cal, t->lab.t[ri]);
        uint64_t j = 0;
        while (j < zs_var_shape(g)[0] && keys[j] != k)
            j++;
        s->cgroup[i] = j;
        if (j == zs_var_shape(g)[0]) {
            zsi_labels_format(&t->lab, ri, lab, sizeof lab);
            st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "climatology: no %s %lld "
                         "(for %s %s)", key, (long long)k, t->name, lab);
        }
    }
    free(keys);
    return st;
}

/* The climatology of variable k: its group dimension maps the time
 * dimension through cgroup, its others by label. */
static zs_status clim_var(zs_skill *s, skvar *k, const char *gdim)
{
    zs_var *c =
        zs_group_find_var(zs_dataset_root(s->cds), zs_var_name(k->r.v));
    zs_status st = ZS_OK;
    if (!c)
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "climatology %s: no variable "
                       "'%s'", zsi_dataset_name(s->cds), zs_var_name(k->r.v));
    k->c.v = c;
    k->c.member = -1;
    for (int d = 0; d < s->nd; d++)
        k->c.sdim[d] = -1;
    for (int j = 0; st == ZS_OK && j < zs_var_ndim(c); j++) {
        int d = logical_dim(s, zs_var_dim_name(c, j));
        zsi_labels l;
        if (!strcmp(zs_var_dim_name(c, j), gdim)) {
            k->c.sdim[s->tdim] = j;
            k->c.map[s->tdim] = s->cgroup;
            continue;
        }
        if (d < 0 || d == s->tdim)
            return zsi_err(s->ctx, ZS_ERR_MISMATCH, "climatology %s: "
                           "dimension '%s' is not the reference's",
                           zs_var_name(c), zs_var_dim_name(c, j));
        k->c.sdim[d] = j;
        st = zsi_labels_load(s->cds, zs_var_dim_name(c, j), zs_var_shape(c)[j],
                             &l);
        if (st == ZS_OK)
            st = map_by_label(s, d, &l, "climatology", &k->c.map[d]);
        k->c.own[d] = true;
        zsi_labels_free(&l);
    }
    if (st == ZS_OK && k->c.sdim[s->tdim] < 0)
        st = zsi_err(s->ctx, ZS_ERR_MISMATCH, "climatology %s: no dimension "
                     "'%s'", zs_var_name(c), gdim);
    zsi_cfdecode_init(&k->c.dec, c);
    return st;
}

static zs_status plan_clim(zs_skill *s)
{
    const char *dot, *key;
    char *tname;
    zs_var *g;
    zs_status st;
    s->tdim = -1;
    if (!wants(s, SK_ACC))
        return ZS_OK;
    if (!s->o.clim)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "acc: anomalies need a "
                       "climatology store and its groups");
    dot = strrchr(s->o.groupby, '.');
    key = dot + 1;
    if (!(tname = zsi_strndup(s->o.groupby, (size_t)(dot - s->o.groupby))))
        return zsi_nomem(s->ctx);
    s->tdim = logical_dim(s, tname);
    free(tname);
    if (s->tdim < 0 || !s->dims[s->tdim].lab.t)
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "climatology groups %s: no "
                       "such time dimension in the reference", s->o.groupby);
    st = zs_dataset_open(s->ctx, s->o.clim, &s->cds);
    if (st == ZS_OK && !(g = zs_group_find_var(zs_dataset_root(s->cds), key)))
        st = zsi_err(s->ctx, ZS_ERR_NOTFOUND,
                     "climatology %s: no coordinate "
                     "'%s' (write it with zmean -g %s)",
                     zsi_dataset_name(s->cds), key, s->o.groupby);
    if (st == ZS_OK && zs_var_ndim(g) != 1)
        st = zsi_err(s->ctx, ZS_ERR_FORMAT, "climatology %s: '%s' is not a "
                     "coordinate", zsi_dataset_name(s->cds), key);
    if (st == ZS_OK)
        st = clim_groups(s, g, key);
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++)
        st = clim_var(s, &s->vars[i], key);
    return st;
}

/* ---- tiles and memory --------------------------------------------------- */

static size_t metric_bytes(const zs_skill *s, int m)
{
    switch (m) {
    case SK_PEARSON: case SK_ACC: return 6 * 8 + 1;
    case SK_SPEARMAN: return (size_t)s->nred * 24 + 1;
    default: return 3 * 8 + 1;
    }
}

static zs_status plan_tiles(zs_skill *s)
{
    uint64_t unit[ZS_MAX_DIMS], per = 0, one = 1;
    char h1[32], h2[32];
    for (int i = 0; i < s->o.nmetric; i++)
        per += metric_bytes(s, s->o.metric[i]) * s->nvars;
    s->acc_bytes = (size_t)per;
    if (per > s->memory / 4) {
        zsi_fmt_size(per, h1, sizeof h1);
        zsi_fmt_size(s->memory, h2, sizeof h2);
        return zsi_err(s->ctx, ZS_ERR_RANGE, "the scores of one point need "
                       "%s (spearman_r keeps every value reduced), more than "
                       "a quarter of the memory bound of %s", h1, h2);
    }
    for (int j = 0; j < s->nk; j++) {
        uint64_t c = s->dims[s->kept[j]].chunk;
        unit[j] = c && c < s->kshape[j] ? c : s->kshape[j] ? s->kshape[j] : 1;
        if (!zsi_mul_ok(one, unit[j], &one))
            one = UINT64_MAX;
    }
    /* tiles of whole chunks, unless one chunk's accumulators do not fit:
     * then smaller ones (chunks are decoded once per tile they meet) */
    if (one > s->memory / 2 / per)
        for (int j = 0; j < s->nk; j++)
            unit[j] = 1;
    if (!zsi_blocks_plan(&s->tiles, s->nk, s->kshape, unit, (size_t)per,
                         (size_t)(s->memory / 2), 0))
        return zsi_err(s->ctx, ZS_ERR_OVERFLOW, "too many tiles");
    s->cache = s->memory / 16 < CACHE_MAX ? s->memory / 16 : CACHE_MAX;
    s->block_budget = (s->memory - s->cache) / 4;
    return ZS_OK;
}

zs_status zsi_skill_plan(zs_skill *s)
{
    zs_status st = choose_vars(s);
    if (st == ZS_OK)
        st = check_var_dims(s, &s->vars[0]);
    if (st == ZS_OK)
        st = plan_dims(s);
    if (st == ZS_OK)
        st = plan_sources(s);
    if (st == ZS_OK)
        st = plan_weights(s);
    if (st == ZS_OK)
        st = plan_clim(s);
    if (st == ZS_OK)
        st = plan_tiles(s);
    return st;
}

void zsi_skill_clear(zs_skill *s)
{
    for (size_t i = 0; s->vars && i < s->nvars; i++)
        for (int d = 0; d < ZS_MAX_DIMS; d++)
            if (s->vars[i].c.own[d])
                free(s->vars[i].c.map[d]);
    for (int d = 0; d < s->nd; d++) {
        free(s->dims[d].fi);
        free(s->dims[d].ri);
        zsi_labels_free(&s->dims[d].lab);
        zsi_labels_free(&s->dims[d].flab);
    }
    free(s->vars);
    free(s->wt);
    free(s->cgroup);
    free(s->results);
    zs_dataset_close(s->cds);
    zs_dataset_close(s->wds);
    opts_clear(&s->o);
    zsi_write_opts_clear(&s->w);
}

zs_status zs_skill_plan(zs_dataset *forecast, zs_dataset *reference,
                        const zs_skill_opts *o, const zs_write_opts *w,
                        zs_skill **out)
{
    zs_skill *s = calloc(1, sizeof *s);
    zs_status st;
    if (!s)
        return zsi_nomem(zsi_dataset_ctx(reference));
    s->ctx = zsi_dataset_ctx(reference);
    s->fds = forecast;
    s->rds = reference;
    s->tdim = -1;
    s->memory = zsi_ctx_memory_or(s->ctx, SKILL_MEMORY);
    st = copy_opts(s->ctx, o, &s->o);
    if (st == ZS_OK)
        st = zsi_write_opts_copy(s->ctx, w, &s->w);
    if (st == ZS_OK)
        st = zsi_skill_plan(s);
    if (st != ZS_OK) {
        zs_skill_plan_free(s);
        return st;
    }
    *out = s;
    return ZS_OK;
}

void zs_skill_plan_free(zs_skill *s)
{
    if (!s)
        return;
    zsi_skill_clear(s);
    free(s);
}

/* ---- description -------------------------------------------------------- */

static bool emit(zsi_buf *t, zs_line_fn fn, void *user)
{
    if (!zsi_buf_cstr(t))
        return false;
    fn(user, (char *)t->data);
    t->len = 0;
    return true;
}

static bool describe_var(const zs_skill *s, const skvar *k, zsi_buf *t)
{
    bool ok = true;
    for (int i = 0; ok && i < s->o.nmetric; i++) {
        int m = s->o.metric[i];
        ok = (s->o.nmetric > 1
                  ? zsi_buf_printf(t, "%s_%s: ", zs_var_name(k->r.v),
                                   metric_names[m])
                  : zsi_buf_printf(t, "%s: ", zs_var_name(k->r.v))) &&
             zsi_buf_printf(t, "%s over", metric_names[m]);
        for (int d = 0; ok && d < s->nd; d++)
            if (s->dims[d].red)
                ok = zsi_buf_printf(t, " %s", s->dims[d].name);
        if (ok && m == SK_CRPS)
            ok = zsi_buf_printf(t, " (%llu members%s)",
                                (unsigned long long)s->members,
                                s->o.fair ? ", fair" : "");
        ok = ok && zsi_buf_append_str(t, " -> float64 (");
        for (int j = 0; ok && j < s->nk; j++)
            ok = zsi_buf_printf(t, "%s%s %llu", j ? ", " : "",
                                s->dims[s->kept[j]].name,
                                (unsigned long long)s->kshape[j]);
        ok = ok && zsi_buf_append_str(t, ")");
    }
    return ok;
}

zs_status zs_skill_describe(const zs_skill *s, zs_line_fn fn, void *user)
{
    zsi_buf t = ZSI_BUF_INIT;
    char h1[32], h2[32];
    bool ok = true;
    for (size_t i = 0; ok && i < s->nvars; i++)
        ok = describe_var(s, &s->vars[i], &t) && emit(&t, fn, user);
    for (int d = 0; ok && d < s->nd; d++) {
        const skdim *k = &s->dims[d];
        if (k->red)
            ok = zsi_buf_printf(&t, "%s: %llu, the same labels in both",
                                k->name, (unsigned long long)k->n);
        else
            ok = zsi_buf_printf(&t, "%s: %llu labels in both (forecast "
                                "%llu, reference %llu)", k->name,
                                (unsigned long long)k->n,
                                (unsigned long long)k->flab.n,
                                (unsigned long long)k->lab.n);
        ok = ok && emit(&t, fn, user);
    }
    zsi_fmt_size(s->acc_bytes * zsi_blocks_max_elems(&s->tiles) +
                 s->cache + s->block_budget, h1, sizeof h1);
    zsi_fmt_size(s->memory, h2, sizeof h2);
    ok = ok && zsi_buf_printf(&t, "weights: %s; missing values: %s",
                              s->o.weights ? s->o.weights : "none",
                              s->o.skipna ? "skipped" : "make the result "
                              "NaN") && emit(&t, fn, user) &&
         zsi_buf_printf(&t, "tiles: %llu (one pass each over both "
                        "stores); memory: about %s (bound %s)",
                        (unsigned long long)s->tiles.n, h1, h2) &&
         emit(&t, fn, user);
    zsi_buf_free(&t);
    return ok ? ZS_OK : zsi_nomem(s->ctx);
}
