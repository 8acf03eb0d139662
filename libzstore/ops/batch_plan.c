/* batch_plan.c - options of the batches, the windows of each dimension,
 * patches, samples and (with concat) xbatcher's batches, the shuffle,
 * and the plan's description.
 *
 * The windows follow xbatcher's _gen_slices: starts 0, s, 2s, ... with
 * s the window minus the overlap, a window kept only when it ends
 * within the dimension.  Patches are the product over the sliced
 * dimensions (batch dimensions that are not input dimensions, then the
 * input dimensions, each in the order the user gave), the last fastest,
 * as itertools.product yields them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_batch.h"

/* The default memory bound of a run. */
#define BATCH_MEMORY ((uint64_t)1 << 30)
#define CACHE_MIN ((uint64_t)16 << 20)

/* ---- options ------------------------------------------------------------ */

zs_status zs_batch_opts_new(zs_ctx *ctx, zs_batch_opts **out)
{
    zs_batch_opts *o = calloc(1, sizeof *o);
    if (!o)
        return zsi_nomem(ctx);
    o->ctx = ctx;
    o->batch_size = 1;
    o->max_nan = 1.0;
    o->fill = NAN;
    o->dtype = ZS_DT_FLOAT32;
    *out = o;
    return ZS_OK;
}

static void blens_free(blens *l)
{
    zsi_strv_free(&l->names);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void opts_clear(zs_batch_opts *o)
{
    blens_free(&o->input);
    blens_free(&o->overlap);
    blens_free(&o->batch);
    zsi_strv_free(&o->vars);
    zsi_strv_free(&o->target);
    free(o->target_store);
    free(o->index);
}

void zs_batch_opts_free(zs_batch_opts *o)
{
    if (!o)
        return;
    opts_clear(o);
    free(o);
}

/* "name=N,..." with every N >= min; out replaced on success. */
static zs_status parse_lens(zs_ctx *ctx, const char *what, const char *text,
                            uint64_t min, blens *out)
{
    blens l = {{0}, NULL};
    zsi_strv items = {0};
    zs_status st = ZS_OK;
    if (!text || !*text || !zsi_strv_split(&items, text, ','))
        st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': want DIM=N,...", what,
                     text ? text : "");
    if (st == ZS_OK && !(l.v = calloc(items.n + 1, sizeof *l.v)))
        st = zsi_nomem(ctx);
    for (size_t i = 0; st == ZS_OK && i < items.n; i++) {
        char *eq = strchr(items.v[i], '=');
        uint64_t v;
        if (!eq || eq == items.v[i] || !zsi_parse_u64(eq + 1, &v) ||
            v < min || v > ((uint64_t)1 << 48)) {
            st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': want DIM=N,... "
                         "with N >= %llu", what, text,
                         (unsigned long long)min);
            break;
        }
        *eq = 0;
        if (zsi_strv_contains(&l.names, items.v[i]))
            st = zsi_err(ctx, ZS_ERR_INVALID, "%s '%s': dimension '%s' "
                         "given twice", what, text, items.v[i]);
        else if (!zsi_strv_push(&l.names, items.v[i]))
            st = zsi_nomem(ctx);
        l.v[i] = v;
    }
    if (st == ZS_OK && l.names.n > ZS_MAX_DIMS)
        st = zsi_err(ctx, ZS_ERR_INVALID, "%s: more than %d dimensions",
                     what, ZS_MAX_DIMS);
    zsi_strv_free(&items);
    if (st != ZS_OK) {
        blens_free(&l);
        return st;
    }
    blens_free(out);
    *out = l;
    return ZS_OK;
}

static bool blens_copy(blens *dst, const blens *src)
{
    memset(dst, 0, sizeof *dst);
    dst->v = calloc(src->names.n + 1, sizeof *dst->v);
    if (!dst->v)
        return false;
    for (size_t i = 0; i < src->names.n; i++) {
        if (!zsi_strv_push(&dst->names, src->names.v[i]))
            return false;
        dst->v[i] = src->v[i];
    }
    return true;
}

/* The length given for dim, or 0. */
static uint64_t blens_get(const blens *l, const char *dim)
{
    for (size_t i = 0; i < l->names.n; i++)
        if (!strcmp(l->names.v[i], dim))
            return l->v[i];
    return 0;
}

zs_status zs_batch_opts_set_input_dims(zs_batch_opts *o, const char *spec)
{
    return parse_lens(o->ctx, "input dimensions", spec, 1, &o->input);
}

zs_status zs_batch_opts_set_overlap(zs_batch_opts *o, const char *spec)
{
    return parse_lens(o->ctx, "overlap", spec, 0, &o->overlap);
}

zs_status zs_batch_opts_set_batch_dims(zs_batch_opts *o, const char *spec)
{
    return parse_lens(o->ctx, "batch dimensions", spec, 1, &o->batch);
}

zs_status zs_batch_opts_set_concat(zs_batch_opts *o, int on)
{
    o->concat = on != 0;
    return ZS_OK;
}

zs_status zs_batch_opts_set_batch_size(zs_batch_opts *o, uint64_t n)
{
    if (n < 1 || n > ((uint64_t)1 << 32))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "batch size %llu: want 1 "
                       "to 2^32", (unsigned long long)n);
    o->batch_size = n;
    return ZS_OK;
}

zs_status zs_batch_opts_set_vars(zs_batch_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

zs_status zs_batch_opts_set_target(zs_batch_opts *o, const char *store,
                                   const char *vars)
{
    char *s = NULL;
    zs_status st = ZS_OK;
    if (!vars) {
        zsi_strv_free(&o->target);
        free(o->target_store);
        o->target_store = NULL;
        return ZS_OK;
    }
    if (store && !*store)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "target: empty store name");
    if (store && !(s = zsi_strdup(store)))
        return zsi_nomem(o->ctx);
    st = zsi_names_parse(o->ctx, "target", vars, &o->target);
    if (st != ZS_OK) {
        free(s);
        return st;
    }
    free(o->target_store);
    o->target_store = s;
    return ZS_OK;
}

zs_status zs_batch_opts_set_shuffle(zs_batch_opts *o, int on, uint64_t seed)
{
    o->shuffle = on != 0;
    o->seed = seed;
    return ZS_OK;
}

zs_status zs_batch_opts_set_window(zs_batch_opts *o, uint64_t chunks)
{
    if (chunks > ((uint64_t)1 << 40))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "shuffle window of %llu "
                       "chunks: too many", (unsigned long long)chunks);
    o->window = chunks;
    return ZS_OK;
}

zs_status zs_batch_opts_set_max_nan(zs_batch_opts *o, double f)
{
    if (!(f >= 0 && f <= 1))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "largest missing fraction "
                       "%g: want 0 to 1", f);
    o->max_nan = f;
    return ZS_OK;
}

zs_status zs_batch_opts_set_fill_nan(zs_batch_opts *o, double value)
{
    if (isinf(value))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "fill value for missing "
                       "values: want a finite number");
    o->fill = value;
    return ZS_OK;
}

zs_status zs_batch_opts_set_mask(zs_batch_opts *o, int on)
{
    o->mask = on != 0;
    return ZS_OK;
}

zs_status zs_batch_opts_set_partial(zs_batch_opts *o, int policy)
{
    if (policy < ZS_PARTIAL_DROP || policy > ZS_PARTIAL_ERROR)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "partial windows: want drop, "
                       "pad or error");
    o->partial = policy;
    return ZS_OK;
}

zs_status zs_batch_opts_set_format(zs_batch_opts *o, int format)
{
    if (format < ZS_BATCH_NPY || format > ZS_BATCH_TAR)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "batch format: want npy, npz "
                       "or tar");
    o->format = format;
    return ZS_OK;
}

zs_status zs_batch_opts_set_index(zs_batch_opts *o, const char *path)
{
    char *p = path ? zsi_strdup(path) : NULL;
    if (path && (!*path || !strcmp(path, "-")))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "index: want a file name");
    if (path && !p)
        return zsi_nomem(o->ctx);
    free(o->index);
    o->index = p;
    return ZS_OK;
}

zs_status zs_batch_opts_set_dtype(zs_batch_opts *o, zs_dtype t)
{
    zs_status st = zsi_float_dtype(o->ctx, "sample type", t, false);
    if (st == ZS_OK)
        o->dtype = t;
    return st;
}

static zs_status copy_opts(zs_ctx *ctx, const zs_batch_opts *o,
                           struct zs_batch_opts *c)
{
    bool ok;
    *c = *o;
    memset(&c->input, 0, sizeof c->input);
    memset(&c->overlap, 0, sizeof c->overlap);
    memset(&c->batch, 0, sizeof c->batch);
    memset(&c->vars, 0, sizeof c->vars);
    memset(&c->target, 0, sizeof c->target);
    c->target_store = c->index = NULL;
    ok = blens_copy(&c->input, &o->input) &&
         blens_copy(&c->overlap, &o->overlap) &&
         blens_copy(&c->batch, &o->batch);
    for (size_t i = 0; ok && i < o->vars.n; i++)
        ok = zsi_strv_push(&c->vars, o->vars.v[i]);
    for (size_t i = 0; ok && i < o->target.n; i++)
        ok = zsi_strv_push(&c->target, o->target.v[i]);
    ok = ok && (!o->target_store ||
                (c->target_store = zsi_strdup(o->target_store))) &&
         (!o->index || (c->index = zsi_strdup(o->index)));
    return ok ? ZS_OK : zsi_nomem(ctx);
}

/* ---- variables ---------------------------------------------------------- */

/* Named in another variable's "coordinates" or "bounds". */
static bool is_aux(const zs_var *v)
{
    return zsi_var_named_in(v, "coordinates") ||
           zsi_var_named_in(v, "bounds");
}

static bool has_dim(const zs_var *v, const char *dim)
{
    for (int d = 0; d < zs_var_ndim(v); d++)
        if (!strcmp(zs_var_dim_name(v, d), dim))
            return true;
    return false;
}

static bool same_dims(const zs_var *a, const zs_var *b)
{
    if (zs_var_ndim(a) != zs_var_ndim(b))
        return false;
    for (int d = 0; d < zs_var_ndim(a); d++)
        if (strcmp(zs_var_dim_name(a, d), zs_var_dim_name(b, d)) ||
            zs_var_shape(a)[d] != zs_var_shape(b)[d])
            return false;
    return true;
}

/* A data variable that names every sliced dimension. */
static bool candidate(const zs_batch *b, const zs_var *v)
{
    if (zs_var_is_coord(v) || is_aux(v) || zs_var_ndim(v) == 0 ||
        !zsi_dtype_is_numeric(zs_var_dtype(v)) ||
        zsi_strv_contains(&b->o.target, zs_var_name(v)))
        return false;
    for (size_t i = 0; i < b->o.input.names.n; i++)
        if (!has_dim(v, b->o.input.names.v[i]))
            return false;
    for (size_t i = 0; i < b->o.batch.names.n; i++)
        if (!has_dim(v, b->o.batch.names.v[i]))
            return false;
    return true;
}

static zs_status find_var(zs_batch *b, zs_dataset *ds, const char *name,
                          zs_var **out)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), name);
    if (!v || zs_var_is_coord(v))
        return zsi_err(b->ctx, ZS_ERR_NOTFOUND, "%s: no data variable '%s'",
                       zsi_dataset_name(ds), name);
    if (zs_var_problem(v))
        return zsi_err(b->ctx, ZS_ERR_UNSUPPORTED, "%s", zs_var_problem(v));
    if (!zsi_dtype_is_numeric(zs_var_dtype(v)) || zs_var_ndim(v) == 0)
        return zsi_err(b->ctx, ZS_ERR_UNSUPPORTED, "%s: variable '%s' is not "
                       "a numeric array", zsi_dataset_name(ds), name);
    *out = v;
    return ZS_OK;
}

/* A dimension named in the options that the store does not have: the
 * message lists those it has. */
static zs_status unknown_dim(zs_batch *b, const char *what, const char *dim)
{
    const zs_group *g = zs_dataset_root(b->ds);
    zsi_buf t = ZSI_BUF_INIT;
    bool ok = true;
    zs_status st;
    for (size_t d = 0; ok && d < zs_group_ndims(g); d++)
        ok =
            zsi_buf_printf(&t, "%s%s", d ? ", " : "", zs_group_dim_name(g, d));
    st = ok && zsi_buf_cstr(&t)
             ? zsi_err(b->ctx, ZS_ERR_NOTFOUND, "%s: no dimension '%s' (the "
                       "store has %s)", what, dim, (char *)t.data)
             : zsi_nomem(b->ctx);
    zsi_buf_free(&t);
    return st;
}

/* Every dimension named exists in the store. */
static zs_status dims_exist(zs_batch *b)
{
    const blens *l[3] = {&b->o.input, &b->o.batch, &b->o.overlap};
    const char *what[3] = {"input dimensions", "batch dimensions",
                           "overlap"};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < l[k]->names.n; i++) {
            const zs_group *g;
            size_t j;
            if (!zsi_group_find_dim(zs_dataset_root(b->ds), l[k]->names.v[i],
                                    &g, &j))
                return unknown_dim(b, what[k], l[k]->names.v[i]);
        }
    return ZS_OK;
}

static zs_status choose_default(zs_batch *b)
{
    zs_group *g = zs_dataset_root(b->ds);
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var *v = zs_group_var(g, i);
        if (!candidate(b, v) || zs_var_problem(v))
            continue;
        if (b->nx && !same_dims(b->x[0], v)) {
            zsi_log(b->ctx, ZS_LOG_WARN, "%s: dimensions unlike %s's, left "
                    "out (name the variables to choose)", zs_var_path(v),
                    zs_var_path(b->x[0]));
            continue;
        }
        b->x[b->nx++] = v;
    }
    if (!b->nx)
        return zsi_err(b->ctx, ZS_ERR_NOTFOUND, "%s: no data variable has "
                       "the dimensions to cut", zsi_dataset_name(b->ds));
    return ZS_OK;
}

static zs_status choose_vars(zs_batch *b)
{
    zs_status st = ZS_OK;
    size_t n = zs_group_nvars(zs_dataset_root(b->ds)) + b->o.vars.n + 1;
    b->x = calloc(n, sizeof *b->x);
    b->y = calloc(b->o.target.n + 1, sizeof *b->y);
    if (!b->x || !b->y)
        return zsi_nomem(b->ctx);
    st = dims_exist(b);
    if (st == ZS_OK && !b->o.vars.n)
        st = choose_default(b);
    for (size_t i = 0; st == ZS_OK && i < b->o.vars.n; i++) {
        st = find_var(b, b->ds, b->o.vars.v[i], &b->x[b->nx]);
        if (st == ZS_OK && b->nx && !same_dims(b->x[0], b->x[b->nx]))
            st = zsi_err(b->ctx, ZS_ERR_MISMATCH,
                         "%s: variables %s and %s "
                         "have different dimensions or shapes: channels "
                         "need the same",
                         zsi_dataset_name(b->ds), zs_var_name(b->x[0]),
                         zs_var_name(b->x[b->nx]));
        b->nx++;
    }
    return st;
}

/* Targets: the same dimensions and shape; from another store, the same
 * labels too. */
static zs_status choose_targets(zs_batch *b)
{
    zs_dataset *ds = b->ds;
    zs_status st = ZS_OK;
    if (b->o.target_store) {
        st = zs_dataset_open(b->ctx, b->o.target_store, &b->tds);
        ds = b->tds;
    }
    for (size_t i = 0; st == ZS_OK && i < b->o.target.n; i++) {
        zs_var *v;
        st = find_var(b, ds, b->o.target.v[i], &v);
        if (st == ZS_OK && !same_dims(b->x[0], v))
            st = zsi_err(b->ctx, ZS_ERR_MISMATCH,
                         "target %s: dimensions or "
                         "shape unlike those of %s",
                         zs_var_path(v), zs_var_path(b->x[0]));
        if (st == ZS_OK)
            b->y[b->ny++] = v;
    }
    for (int d = 0; st == ZS_OK && b->tds && d < b->nd; d++) {
        zsi_labels l;
        st = zsi_labels_load(b->tds, b->dims[d].name, b->dims[d].len, &l);
        if (st == ZS_OK)
            st = zsi_labels_match(b->ctx, &b->dims[d].lab, "input", &l,
                                  "target's store");
        zsi_labels_free(&l);
    }
    return st;
}

/* ---- windows ------------------------------------------------------------ */

static zs_status check_names(zs_batch *b)
{
    const blens *l[3] = {&b->o.input, &b->o.batch, &b->o.overlap};
    const char *what[3] = {"input dimensions", "batch dimensions",
                           "overlap"};
    if (!b->o.input.names.n && !b->o.batch.names.n)
        return zsi_err(b->ctx, ZS_ERR_INVALID, "input dimensions: none "
                       "given");
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < l[k]->names.n; i++)
            if (!has_dim(b->x[0], l[k]->names.v[i]))
                return zsi_err(b->ctx, ZS_ERR_NOTFOUND, "%s: variable %s "
                               "has no dimension '%s'", what[k],
                               zs_var_name(b->x[0]), l[k]->names.v[i]);
    for (size_t i = 0; i < b->o.overlap.names.n; i++)
        if (!blens_get(&b->o.input, b->o.overlap.names.v[i]))
            return zsi_err(b->ctx, ZS_ERR_INVALID, "overlap: '%s' is not an "
                           "input dimension", b->o.overlap.names.v[i]);
    return ZS_OK;
}

static zs_status windows(zs_batch *b, bdim *d)
{
    const char *what = d->kind == BD_INPUT ? "input" : "batch";
    uint64_t end;
    if (d->win > d->len)
        return zsi_err(b->ctx, ZS_ERR_RANGE, "%s dimension '%s': the window "
                       "of %llu is longer than the dimension (%llu)", what,
                       d->name, (unsigned long long)d->win,
                       (unsigned long long)d->len);
    if (d->overlap >= d->win)
        return zsi_err(b->ctx, ZS_ERR_INVALID, "overlap of '%s': %llu is not "
                       "less than the window (%llu)", d->name,
                       (unsigned long long)d->overlap,
                       (unsigned long long)d->win);
    d->stride = d->win - d->overlap;
    d->nwhole = (d->len - d->win) / d->stride + 1;
    end = (d->nwhole - 1) * d->stride + d->win;
    d->remainder = d->len - end;
    d->nwin = d->nwhole;
    if (d->remainder && b->o.partial == ZS_PARTIAL_ERROR)
        return zsi_err(b->ctx, ZS_ERR_RANGE, "%s dimension '%s': windows of "
                       "%llu every %llu leave the last %llu of %llu out "
                       "(partial windows are an error)", what, d->name,
                       (unsigned long long)d->win,
                       (unsigned long long)d->stride,
                       (unsigned long long)d->remainder,
                       (unsigned long long)d->len);
    if (d->remainder && b->o.partial == ZS_PARTIAL_PAD)
        d->nwin++;
    return ZS_OK;
}

static zs_status plan_dims(zs_batch *b)
{
    const zs_var *v = b->x[0];
    zs_status st = check_names(b);
    b->nd = zs_var_ndim(v);
    for (int k = 0; st == ZS_OK && k < zs_var_ndim(v); k++) {
        bdim *d = &b->dims[k];
        uint64_t in, bat;
        d->name = zs_var_dim_name(v, k);
        d->len = zs_var_shape(v)[k];
        in = blens_get(&b->o.input, d->name);
        bat = blens_get(&b->o.batch, d->name);
        d->kind = in ? BD_INPUT : bat ? BD_BATCH : BD_WHOLE;
        d->win = in ? in : bat ? bat : d->len;
        d->overlap = blens_get(&b->o.overlap, d->name);
        if (in && bat && b->o.concat)
            d->blen = bat;
        else if (in && bat)
            zsi_log(b->ctx, ZS_LOG_WARN, "batch dimension '%s' is also an "
                    "input dimension: without concatenation its batch "
                    "length does nothing (as in xbatcher)", d->name);
        if (d->kind != BD_WHOLE)
            st = windows(b, d);
        if (st == ZS_OK)
            st = zsi_labels_load(b->ds, d->name, d->len, &d->lab);
    }
    return st;
}

static int dim_index(const zs_batch *b, const char *name)
{
    for (int d = 0; d < b->nd; d++)
        if (!strcmp(b->dims[d].name, name))
            return d;
    return -1;
}

/* Product order: batch-only dimensions, then input dimensions. */
static zs_status plan_order(zs_batch *b)
{
    b->nsl = 0;
    for (size_t i = 0; i < b->o.batch.names.n; i++)
        if (!blens_get(&b->o.input, b->o.batch.names.v[i]))
            b->order[b->nsl++] = dim_index(b, b->o.batch.names.v[i]);
    for (size_t i = 0; i < b->o.input.names.n; i++)
        b->order[b->nsl++] = dim_index(b, b->o.input.names.v[i]);
    b->npatch = 1;
    for (int j = 0; j < b->nsl; j++)
        if (!zsi_mul_ok(b->npatch, b->dims[b->order[j]].nwin, &b->npatch))
            return zsi_err(b->ctx, ZS_ERR_OVERFLOW, "too many patches");
    b->d0 = -1;
    for (int d = 0; d < b->nd && b->d0 < 0; d++)
        if (b->dims[d].kind != BD_WHOLE)
            b->d0 = d;
    return ZS_OK;
}

void zsi_batch_patch_start(const zs_batch *b, uint64_t p, uint64_t *start)
{
    for (int d = 0; d < b->nd; d++)
        start[d] = 0;
    for (int j = b->nsl - 1; j >= 0; j--) {
        const bdim *d = &b->dims[b->order[j]];
        start[b->order[j]] = p % d->nwin * d->stride;
        p /= d->nwin;
    }
}

/* Patch and sample shapes. */
static zs_status plan_shapes(zs_batch *b)
{
    b->sd = 0;
    b->per_patch = 1;
    for (int d = 0; d < b->nd; d++) {
        const bdim *bd = &b->dims[d];
        b->pshape[d] = bd->win;
        if (!b->o.concat || bd->kind == BD_INPUT) {
            b->sdim[b->sd] = d;
            b->sshape[b->sd++] = bd->win;
        } else if (!zsi_mul_ok(b->per_patch, bd->win, &b->per_patch)) {
            return zsi_err(b->ctx, ZS_ERR_OVERFLOW, "too many samples");
        }
    }
    if (!zsi_prod_ok(b->pshape, b->nd, &b->pelems) ||
        !zsi_prod_ok(b->sshape, b->sd, &b->selems))
        return zsi_err(b->ctx, ZS_ERR_OVERFLOW, "patches too large");
    return ZS_OK;
}

/* ---- xbatcher's batches (concat) ---------------------------------------- */

/* Batch index of every patch as xbatcher's BatchSchema reckons it when
 * concatenating with batch dimensions: along each sliced dimension,
 * patch k belongs to batch k / ceil(batch length / stride), and
 * batches past length / batch length are left out.  A padded window
 * gets a batch of its own if it needs one. */
static zs_status concat_units(zs_batch *b)
{
    uint64_t npb[ZS_MAX_DIMS], nbat[ZS_MAX_DIMS], nunits = 1;
    uint64_t *of = malloc((size_t)b->npatch * sizeof *of + 1);
    zs_status st = of ? ZS_OK : zsi_nomem(b->ctx);
    for (int j = 0; st == ZS_OK && j < b->nsl; j++) {
        const bdim *d = &b->dims[b->order[j]];
        uint64_t bl = d->kind == BD_BATCH ? d->win : d->blen;
        npb[j] = bl ? (bl + d->stride - 1) / d->stride : d->nwin;
        nbat[j] = bl ? d->len / bl : 1;
        if (bl && (d->nwin + npb[j] - 1) / npb[j] > nbat[j] &&
            b->o.partial == ZS_PARTIAL_PAD)
            nbat[j] = (d->nwin + npb[j] - 1) / npb[j];
        if (!zsi_mul_ok(nunits, nbat[j], &nunits))
            st = zsi_err(b->ctx, ZS_ERR_OVERFLOW, "too many batches");
    }
    if (st == ZS_OK && !b->o.batch.names.n)
        nunits = 1;
    b->nunits = nunits;
    b->uoff = st == ZS_OK ? calloc((size_t)nunits + 2, sizeof *b->uoff)
                          : NULL;
    b->upatch = b->uoff ? malloc((size_t)b->npatch * sizeof *b->upatch + 1)
                        : NULL;
    if (st == ZS_OK && (!b->uoff || !b->upatch))
        st = zsi_nomem(b->ctx);
    for (uint64_t p = 0; st == ZS_OK && p < b->npatch; p++) {
        uint64_t q = p, id = 0, mul = 1;
        of[p] = 0;
        for (int j = b->nsl - 1; j >= 0 && b->o.batch.names.n; j--) {
            uint64_t k = q % b->dims[b->order[j]].nwin, bj = k / npb[j];
            q /= b->dims[b->order[j]].nwin;
            if (bj >= nbat[j])
                id = UINT64_MAX;
            if (id != UINT64_MAX)
                id += bj * mul;
            mul *= nbat[j];
        }
        of[p] = id;
        if (id != UINT64_MAX)
            b->uoff[id + 2]++;
    }
    /* counting sort: patches in their order within each batch */
    for (uint64_t u = 2; st == ZS_OK && u < nunits + 2; u++)
        b->uoff[u] += b->uoff[u - 1];
    for (uint64_t p = 0; st == ZS_OK && p < b->npatch; p++)
        if (of[p] != UINT64_MAX)
            b->upatch[b->uoff[of[p] + 1]++] = p;
    free(of);
    return st;
}

static zs_status plan_units(zs_batch *b)
{
    zs_status st = ZS_OK;
    uint64_t in = b->npatch;
    if (b->o.concat) {
        st = concat_units(b);
        in = st == ZS_OK ? b->uoff[b->nunits] : 0;
    } else {
        b->nunits = b->npatch;
    }
    if (st == ZS_OK && !zsi_mul_ok(in, b->per_patch, &b->nsamples))
        st = zsi_err(b->ctx, ZS_ERR_OVERFLOW, "too many samples");
    return st;
}

/* ---- memory ------------------------------------------------------------- */

static const uint64_t *read_unit(const zs_var *v)
{
    return zsi_var_array(v) ? zsi_array_read_unit(zsi_var_array(v))
                            : zs_var_chunks(v);
}

/* Bytes of the decoded chunks a box of extent ext meets (at worst). */
static uint64_t chunks_met(const zs_var *v, const uint64_t *ext)
{
    const uint64_t *c = read_unit(v);
    uint64_t n = zs_var_itemsize(v);
    for (int d = 0; d < zs_var_ndim(v); d++) {
        uint64_t cd = c[d] ? c[d] : 1, span = (ext[d] + cd - 1) / cd + 1;
        uint64_t all = (zs_var_shape(v)[d] + cd - 1) / cd;
        if (span > all)
            span = all;
        if (!zsi_mul_ok(n, span * cd, &n))
            return UINT64_MAX;
    }
    return n;
}

/* What the cache should hold: the chunks of a row of patches (the
 * innermost sliced dimension whole) and of the next, or with a shuffle
 * window the chunks of a window. */
static uint64_t working_set(const zs_batch *b)
{
    uint64_t ext[ZS_MAX_DIMS], total = 0;
    if (b->o.shuffle && !b->o.window)
        return UINT64_MAX;
    for (int d = 0; d < b->nd; d++)
        ext[d] = b->pshape[d];
    if (b->o.shuffle) {
        for (int d = 0; d < b->nd; d++)
            ext[d] = b->dims[d].len;
        ext[b->d0] = b->o.window * read_unit(b->x[0])[b->d0] +
                     b->pshape[b->d0];
    } else if (b->nsl) {
        ext[b->order[b->nsl - 1]] = b->dims[b->order[b->nsl - 1]].len;
    }
    for (size_t i = 0; i < b->nx + b->ny; i++) {
        zs_var *v = i < b->nx ? b->x[i] : b->y[i - b->nx];
        uint64_t m = chunks_met(v, ext);
        if (m == UINT64_MAX || !zsi_add_ok(total, m, &total))
            return UINT64_MAX;
    }
    return total > UINT64_MAX / 2 ? UINT64_MAX : 2 * total;
}

/* Buffers of a run: patches in doubles and raw, a sample, a batch. */
static uint64_t buffers(const zs_batch *b)
{
    uint64_t n = (b->nx + b->ny) * b->pelems * (8 + 8) +
                 b->selems * 8 * 2 +
                 (b->cx + b->cy) * b->selems * b->esize;
    if (b->o.format != ZS_BATCH_NPY)
        n += (b->o.concat ? b->per_patch * b->npatch : b->o.batch_size) *
             (b->cx + b->cy) * b->selems * b->esize * 2;
    if (b->o.shuffle)
        n += 8 * b->nunits;
    if (b->o.concat)
        n += 16 * b->npatch;
    return n;
}

static zs_status plan_memory(zs_batch *b)
{
    uint64_t ws = working_set(b), need;
    char h1[32], h2[32];
    b->memory = zsi_ctx_memory_or(b->ctx, BATCH_MEMORY);
    b->cache = ws < CACHE_MIN ? CACHE_MIN : ws;
    if (b->cache > b->memory / 2)
        b->cache = b->memory / 2;
    need = buffers(b) + b->cache;
    if (need <= b->memory && b->selems <= ((uint64_t)1 << 40))
        return ZS_OK;
    zsi_fmt_size(need, h1, sizeof h1);
    zsi_fmt_size(b->memory, h2, sizeof h2);
    return zsi_err(b->ctx, ZS_ERR_RANGE, "patches of %llu values (and their "
                   "batches) need about %s of memory, more than the bound "
                   "of %s: use smaller windows, batch dimensions or "
                   "batches", (unsigned long long)b->pelems, h1, h2);
}

static uint64_t covered(const bdim *d, int partial)
{
    if (d->kind == BD_WHOLE || partial == ZS_PARTIAL_PAD)
        return d->len;
    return d->len - d->remainder;
}

static zs_status plan_rest(zs_batch *b)
{
    uint64_t all = 1, cov = 1;
    b->esize = zsi_dtype_size(b->o.dtype);
    b->cx = b->nx * (b->o.mask ? 2 : 1);
    b->cy = b->ny;
    for (int d = 0; d < b->nd; d++) {
        all *= b->dims[d].len;
        cov *= covered(&b->dims[d], b->o.partial);
    }
    b->remainder_values = (all - cov) * b->nx;
    if (b->o.concat && b->o.batch_size != 1)
        return zsi_err(b->ctx, ZS_ERR_INVALID, "batch size: with "
                       "concatenation the batches are xbatcher's");
    if (b->o.window && !b->o.shuffle)
        return zsi_err(b->ctx, ZS_ERR_INVALID, "shuffle window: without a "
                       "shuffle");
    return plan_memory(b);
}

zs_status zs_batch_plan(zs_dataset *ds, const zs_batch_opts *o,
                        const zs_write_opts *w, zs_batch **out)
{
    zs_batch *b = calloc(1, sizeof *b);
    zs_status st;
    if (!b)
        return zsi_nomem(zsi_dataset_ctx(ds));
    b->ctx = zsi_dataset_ctx(ds);
    b->ds = ds;
    b->overwrite = w && w->overwrite;
    st = copy_opts(zsi_dataset_ctx(ds), o, &b->o);
    if (st == ZS_OK)
        st = choose_vars(b);
    if (st == ZS_OK)
        st = plan_dims(b);
    if (st == ZS_OK)
        st = choose_targets(b);
    if (st == ZS_OK)
        st = plan_order(b);
    if (st == ZS_OK)
        st = plan_shapes(b);
    if (st == ZS_OK)
        st = plan_units(b);
    if (st == ZS_OK)
        st = plan_rest(b);
    if (st != ZS_OK) {
        zs_batch_plan_free(b);
        return st;
    }
    *out = b;
    return ZS_OK;
}

void zs_batch_plan_free(zs_batch *b)
{
    if (!b)
        return;
    for (int d = 0; d < b->nd; d++)
        zsi_labels_free(&b->dims[d].lab);
    zs_dataset_close(b->tds);
    opts_clear(&b->o);
    free(b->x);
    free(b->y);
    free(b->uoff);
    free(b->upatch);
    free(b);
}

zs_status zs_batch_counts(const zs_batch *b, uint64_t *samples,
                          uint64_t *dropped, uint64_t *batches,
                          uint64_t *remainder)
{
    if (samples)
        *samples = b->written;
    if (dropped)
        *dropped = b->dropped;
    if (batches)
        *batches = b->batches;
    if (remainder)
        *remainder = b->remainder_values;
    return ZS_OK;
}

/* ---- the shuffle -------------------------------------------------------- */

/* SplitMix64 (Steele, Lea and Flood 2014): the generator zbatch(1)
 * documents, so that any language can repeat an order. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Fisher-Yates, from the end: a[i] swapped with a[next mod (i + 1)]. */
static void fisher_yates(uint64_t *a, uint64_t n, uint64_t *state)
{
    for (uint64_t i = n; i-- > 1;) {
        uint64_t j = splitmix64(state) % (i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* The window of a unit: its first patch's start along d0 in chunks. */
static uint64_t window_of(const zs_batch *b, uint64_t u, uint64_t span)
{
    uint64_t start[ZS_MAX_DIMS];
    uint64_t p = b->uoff ? (b->uoff[u] < b->uoff[u + 1]
                                ? b->upatch[b->uoff[u]] : 0) : u;
    zsi_batch_patch_start(b, p, start);
    return start[b->d0] / span;
}

zs_status zsi_batch_order(zs_batch *b, uint64_t **perm)
{
    uint64_t *a, state = b->o.seed, nw = 1, span = 0, *wins = NULL;
    uint64_t *woff = NULL, *tmp = NULL;
    *perm = NULL;
    if (!b->o.shuffle)
        return ZS_OK;
    if (!(a = malloc((size_t)b->nunits * sizeof *a + 1)))
        return zsi_nomem(b->ctx);
    if (b->o.window && b->d0 >= 0) {
        span = b->o.window * read_unit(b->x[0])[b->d0];
        nw = (b->dims[b->d0].len + span - 1) / span;
    }
    if (nw <= 1) {
        for (uint64_t u = 0; u < b->nunits; u++)
            a[u] = u;
        fisher_yates(a, b->nunits, &state);
        *perm = a;
        return ZS_OK;
    }
    /* windows in a shuffled order; in each, its units shuffled */
    wins = malloc((size_t)nw * sizeof *wins);
    woff = calloc((size_t)nw + 2, sizeof *woff);
    tmp = malloc((size_t)b->nunits * sizeof *tmp + 1);
    if (!wins || !woff || !tmp) {
        free(a);
        free(wins);
        free(woff);
        free(tmp);
        return zsi_nomem(b->ctx);
    }
    for (uint64_t u = 0; u < b->nunits; u++)
        woff[window_of(b, u, span) + 2]++;
    for (uint64_t w = 2; w < nw + 2; w++)
        woff[w] += woff[w - 1];
    for (uint64_t u = 0; u < b->nunits; u++)
        tmp[woff[window_of(b, u, span) + 1]++] = u;
    for (uint64_t w = 0; w < nw; w++)
        wins[w] = w;
    fisher_yates(wins, nw, &state);
    for (uint64_t k = 0, n = 0; k < nw; k++) {
        uint64_t w = wins[k], m = woff[w + 1] - woff[w];
        memcpy(a + n, tmp + woff[w], (size_t)m * sizeof *a);
        fisher_yates(a + n, m, &state);
        n += m;
    }
    free(wins);
    free(woff);
    free(tmp);
    *perm = a;
    return ZS_OK;
}

/* ---- description -------------------------------------------------------- */

static bool describe_dim(zsi_buf *t, const zs_batch *b, const bdim *d)
{
    static const char *const kind[] = {"whole", "input", "batch"};
    bool ok = zsi_buf_printf(t, "%s: %llu, %s", d->name,
                             (unsigned long long)d->len, kind[d->kind]);
    if (!ok || d->kind == BD_WHOLE)
        return ok;
    ok = zsi_buf_printf(t, " windows of %llu every %llu: %llu",
                        (unsigned long long)d->win,
                        (unsigned long long)d->stride,
                        (unsigned long long)d->nwin);
    if (ok && d->blen)
        ok = zsi_buf_printf(t, ", in batches of %llu",
                            (unsigned long long)d->blen);
    if (ok && d->remainder)
        ok = zsi_buf_printf(t, "; the last %llu %s",
                            (unsigned long long)d->remainder,
                            b->o.partial == ZS_PARTIAL_PAD
                                ? "in a window padded with missing values"
                                : "in no window (dropped)");
    return ok;
}

static bool shape_text(zsi_buf *t, const zs_batch *b, size_t c)
{
    bool ok = zsi_buf_printf(t, "(N, %zu", c);
    for (int k = 0; ok && k < b->sd; k++)
        ok = zsi_buf_printf(t, ", %llu", (unsigned long long)b->sshape[k]);
    return ok && zsi_buf_append_str(t, ")");
}

static bool names_text(zsi_buf *t, zs_var *const *v, size_t n)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = zsi_buf_printf(t, "%s%s", i ? ", " : "", zs_var_name(v[i]));
    return ok;
}

static bool line(zsi_buf *t, zs_line_fn fn, void *user)
{
    if (!zsi_buf_cstr(t))
        return false;
    fn(user, (char *)t->data);
    t->len = 0;
    return true;
}

static bool describe_out(zsi_buf *t, const zs_batch *b)
{
    static const char *const fmt[] = {"npy", "npz", "tar"};
    uint64_t sb = (b->cx + b->cy) * b->selems * b->esize;
    char h1[32], h2[32];
    zsi_fmt_size(sb, h1, sizeof h1);
    zsi_fmt_size(sb * b->nsamples, h2, sizeof h2);
    return zsi_buf_printf(t, "samples: %llu; x ",
                          (unsigned long long)b->nsamples) &&
           shape_text(t, b, b->cx) &&
           (!b->ny || (zsi_buf_append_str(t, ", y ") &&
                       shape_text(t, b, b->cy))) &&
           zsi_buf_printf(t, " %s; %s a sample, %s in all (%s)",
                          zs_dtype_name(b->o.dtype), h1, h2,
                          fmt[b->o.format]);
}

zs_status zs_batch_describe(const zs_batch *b, zs_line_fn fn, void *user)
{
    zsi_buf t = ZSI_BUF_INIT;
    char h1[32], h2[32];
    bool ok = zsi_buf_append_str(&t, "channels: ") &&
              names_text(&t, b->x, b->nx) &&
              (!b->o.mask || zsi_buf_printf(&t, " and %zu masks", b->nx)) &&
              (!b->ny || (zsi_buf_append_str(&t, "; target: ") &&
                          names_text(&t, b->y, b->ny))) &&
              line(&t, fn, user);
    for (int d = 0; ok && d < b->nd; d++)
        ok = describe_dim(&t, b, &b->dims[d]) && line(&t, fn, user);
    ok = ok && zsi_buf_printf(&t, "patches: %llu; ",
                              (unsigned long long)b->npatch);
    if (ok && b->o.concat)
        ok = zsi_buf_printf(&t, "batches: %llu (xbatcher's, concatenated)",
                            (unsigned long long)b->nunits);
    else if (ok)
        ok = zsi_buf_printf(&t, "batches: %llu of %llu sample%s",
                            (unsigned long long)((b->nsamples +
                                                  b->o.batch_size - 1) /
                                                 b->o.batch_size),
                            (unsigned long long)b->o.batch_size,
                            b->o.batch_size > 1 ? "s" : "");
    ok = ok && line(&t, fn, user) && describe_out(&t, b) &&
         line(&t, fn, user);
    if (ok && b->o.shuffle)
        ok = zsi_buf_printf(&t, "shuffle: SplitMix64 seed %llu, %s",
                            (unsigned long long)b->o.seed,
                            b->o.window ? "within windows of chunks"
                                        : "all at once") &&
             line(&t, fn, user);
    ok = ok && zsi_buf_printf(&t, "remainder: %llu values in no patch%s",
                              (unsigned long long)b->remainder_values,
                              b->remainder_values ? " (dropped)" : "") &&
         line(&t, fn, user);
    zsi_fmt_size(buffers(b) + b->cache, h1, sizeof h1);
    zsi_fmt_size(b->memory, h2, sizeof h2);
    ok = ok && zsi_buf_printf(&t, "memory: about %s (bound %s)", h1, h2) &&
         line(&t, fn, user);
    zsi_buf_free(&t);
    return ok ? ZS_OK : zsi_nomem(b->ctx);
}
