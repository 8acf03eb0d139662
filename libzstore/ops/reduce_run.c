/* reduce_run.c - streaming reductions: blocks of the input added to
 * per-output accumulators on the thread pool, tile by tile. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta.h"
#include "ops/zsi_reduce.h"

#define BLOCK_BUDGET ((size_t)32 << 20)

/* ---- accumulators ------------------------------------------------------ */

typedef struct acc {
    uint64_t n;
    uint64_t *cnt;
    double *a;      /* sum (mean, sum) | running mean (var, std) | extreme */
    double *b;      /* Kahan compensation (mean, sum) | M2 (var, std) */
    double *w;      /* sum of weights (weighted mean, var, std) */
} acc;

static bool weighted_op(const zsi_reduce *r)
{
    return r->o.coslat && (r->o.op == RD_MEAN || r->o.op == RD_VAR ||
                           r->o.op == RD_STD || r->o.op == RD_SUM);
}

static size_t acc_bytes(const zsi_reduce *r)
{
    return 8 + (r->o.op == RD_COUNT ? 0 : 16) + (weighted_op(r) ? 8 : 0);
}

static void acc_free(acc *a)
{
    free(a->cnt);
    free(a->a);
    free(a->b);
    free(a->w);
    memset(a, 0, sizeof *a);
}

static zs_status acc_new(zsi_reduce *r, uint64_t n, acc *a)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->cnt = calloc((size_t)(n ? n : 1), sizeof *a->cnt);
    if (r->o.op != RD_COUNT) {
        a->a = calloc((size_t)(n ? n : 1), sizeof *a->a);
        a->b = calloc((size_t)(n ? n : 1), sizeof *a->b);
    }
    if (weighted_op(r))
        a->w = calloc((size_t)(n ? n : 1), sizeof *a->w);
    if (!a->cnt || (r->o.op != RD_COUNT && (!a->a || !a->b)) ||
        (weighted_op(r) && !a->w)) {
        acc_free(a);
        return zsi_nomem(r->ctx);
    }
    return ZS_OK;
}

/* Add one value x with weight w to element o. */
static inline void add_one(int op, acc *a, uint64_t o, double x, double w)
{
    uint64_t n = ++a->cnt[o];
    switch (op) {
    case RD_MEAN: case RD_SUM: {
        double y = w * x - a->b[o], t = a->a[o] + y;   /* Kahan */
        a->b[o] = (t - a->a[o]) - y;
        a->a[o] = t;
        if (a->w)
            a->w[o] += w;
        break;
    }
    case RD_VAR: case RD_STD: {
        /* Welford, weighted as West (1979) */
        double W = a->w ? (a->w[o] += w) : (double)n;
        double d = x - a->a[o];
        a->a[o] += d * (a->w ? w / W : 1.0 / W);
        a->b[o] += (a->w ? w : 1.0) * d * (x - a->a[o]);
        break;
    }
    case RD_MIN:
        if (n == 1 || x < a->a[o])
            a->a[o] = x;
        break;
    case RD_MAX:
        if (n == 1 || x > a->a[o])
            a->a[o] = x;
        break;
    default:
        break;
    }
}

/* Statistics of a run, merged into element o at once. */
static void add_run(int op, acc *a, uint64_t o, const double *x, size_t n,
                    double w)
{
    uint64_t c = 0;
    double s = 0, m = 0, m2 = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v))
            continue;
        c++;
        switch (op) {
        case RD_MEAN: case RD_SUM: s += v; break;   /* a row: short */
        case RD_VAR: case RD_STD: {
            double d = v - m;
            m += d / (double)c;
            m2 += d * (v - m);
            break;
        }
        case RD_MIN: if (c == 1 || v < e) e = v; break;
        case RD_MAX: if (c == 1 || v > e) e = v; break;
        default: break;
        }
    }
    if (c == 0)
        return;
    switch (op) {
    case RD_MEAN: case RD_SUM: {
        double y = w * s - a->b[o], t = a->a[o] + y;
        a->b[o] = (t - a->a[o]) - y;
        a->a[o] = t;
        if (a->w)
            a->w[o] += w * (double)c;
        break;
    }
    case RD_VAR: case RD_STD: {
        /* Chan et al.: merge (W_a, mean_a, M2_a) with the run's */
        double wa = a->w ? a->w[o] : (double)a->cnt[o];
        double wb = (a->w ? w : 1.0) * (double)c, W = wa + wb;
        double d = m - a->a[o];
        a->a[o] += d * wb / W;
        a->b[o] += (a->w ? w : 1.0) * m2 + d * d * wa * wb / W;
        if (a->w)
            a->w[o] = W;
        break;
    }
    case RD_MIN:
        if (a->cnt[o] == 0 || e < a->a[o])
            a->a[o] = e;
        break;
    case RD_MAX:
        if (a->cnt[o] == 0 || e > a->a[o])
            a->a[o] = e;
        break;
    default:
        break;
    }
    a->cnt[o] += c;
}

/* The result of element o. */
static double finish(const zsi_reduce *r, const acc *a, uint64_t o)
{
    uint64_t n = a->cnt[o];
    double W = a->w ? a->w[o] : (double)n;
    switch (r->o.op) {
    case RD_COUNT: return (double)n;
    case RD_SUM: return n ? a->a[o] : 0.0;   /* skipna: an empty sum is 0 */
    case RD_MEAN: return n && W > 0 ? a->a[o] / W : NAN;
    case RD_VAR: return n && W > 0 ? a->b[o] / W : NAN;
    case RD_STD: return n && W > 0 ? sqrt(a->b[o] / W) : NAN;
    default: return n ? a->a[o] : NAN;
    }
}

/* ---- one block ----------------------------------------------------------- */

typedef struct blockjob {
    zsi_reduce *r;
    const rvar *rv;
    acc *a;
    const uint8_t *raw;
    uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS];  /* block box (input) */
    uint64_t ts[ZS_MAX_DIMS];                  /* tile origin (input) */
    uint64_t coef[ZS_MAX_DIMS];                /* output stride per dim */
    uint64_t bst[ZS_MAX_DIMS];                 /* block strides */
    int split;                                 /* -1: one task */
    uint64_t ntasks;
    int run_from;                              /* first dim of a run */
    bool run_kept;                             /* kept (else reduced) */
    zsi_cfdecode dec;
    uint8_t *anom;                             /* anomaly output block */
    zs_dtype anom_t;
} blockjob;

/* Kinds of dimensions: kept, reduced, or the grouped time. */
enum { K_KEPT, K_RED, K_TIME };

static int kind(const rvar *rv, int d)
{
    return d == rv->tdim ? K_TIME : rv->red[d] ? K_RED : K_KEPT;
}

/* Decide the task split and the runs of a block. */
static void plan_block(blockjob *j, const uint64_t *tc_in)
{
    const rvar *rv = j->rv;
    int nd = rv->nd, last = nd - 1, k;
    uint64_t s = 1;
    j->split = -1;
    for (int d = 0; d < nd; d++)
        if (kind(rv, d) == K_KEPT && j->bc[d] > 1 &&
            (j->split < 0 || j->bc[d] > j->bc[j->split]))
            j->split = d;
    j->ntasks = j->split < 0 ? 1 : j->bc[j->split] < 64 ? j->bc[j->split]
                                                         : 64;
    for (int d = nd - 1; d >= 0; d--) {
        j->bst[d] = s;
        s *= j->bc[d];
    }
    j->run_from = nd;
    if (nd == 0)
        return;
    j->run_kept = kind(rv, last) == K_KEPT;
    if (kind(rv, last) == K_TIME)
        return;
    for (k = last; k >= 0; k--) {
        if (kind(rv, k) != kind(rv, last))
            break;
        if (!j->run_kept && k == rv->latdim && j->r->weights)
            break;   /* weights vary along it */
        if (k < last && j->run_kept && j->bc[k + 1] != tc_in[k + 1])
            break;   /* not contiguous in the output */
        if (k < j->split)
            break;   /* the task's range must stay outside the run */
        j->run_from = k;
        if (k == j->split)
            break;
    }
}

/* Decode n raw values at p into doubles (NaN where missing). */
static void decode(const zsi_cfdecode *dec, const uint8_t *p, size_t w,
                   size_t n, double *out)
{
    if (!dec->packed && !dec->has_fill && !dec->nmissing &&
        dec->dtype == ZS_DT_FLOAT64) {
        memcpy(out, p, n * sizeof *out);
        return;
    }
    (void)w;
    for (size_t i = 0; i < n; i++)
        out[i] = zsi_cfdecode_value(dec, p, i);
}

static zs_status block_task(void *arg, size_t task)
{
    blockjob *j = arg;
    const rvar *rv = j->rv;
    const zsi_reduce *r = j->r;
    int nd = rv->nd, op = r->o.op;
    uint64_t lo[ZS_MAX_DIMS], hi[ZS_MAX_DIMS], idx[ZS_MAX_DIMS];
    uint64_t run = 1;
    size_t w = rv->v->itemsize;
    double *x;
    for (int d = 0; d < nd; d++) {
        lo[d] = 0;
        hi[d] = j->bc[d];
    }
    if (j->split >= 0) {
        uint64_t n = j->bc[j->split];
        lo[j->split] = n * task / j->ntasks;
        hi[j->split] = n * (task + 1) / j->ntasks;
        if (lo[j->split] == hi[j->split])
            return ZS_OK;
    }
    for (int d = j->run_from; d < nd; d++)
        run *= hi[d] - lo[d];
    x = malloc((size_t)(run ? run : 1) * sizeof *x);
    if (!x)
        return zsi_nomem(r->ctx);
    for (int d = 0; d < nd; d++)
        idx[d] = lo[d];
    for (;;) {
        uint64_t so = 0, oo = 0;
        double wt = 1.0;
        for (int d = 0; d < nd; d++) {
            so += idx[d] * j->bst[d];
            if (kind(rv, d) == K_KEPT)
                oo += (j->bs[d] + idx[d] - j->ts[d]) * j->coef[d];
            else if (kind(rv, d) == K_TIME)
                oo += (uint64_t)r->tg.g[j->bs[d] + idx[d]] * j->coef[d];
        }
        if (rv->latdim >= 0 && rv->latdim < j->run_from && r->weights)
            wt = r->weights[j->bs[rv->latdim] + idx[rv->latdim]];
        decode(&j->dec, j->raw + so * w, w, (size_t)run, x);
        if (j->anom) {
            /* x minus the mean of its group, into the output block */
            for (uint64_t i = 0; i < run; i++) {
                uint64_t o = oo + (j->run_kept ? i : 0);
                double m = finish(r, j->a, o);
                zsi_store_double(j->anom_t, j->anom, (size_t)(so + i),
                                 x[i] - m);
            }
        } else if (j->run_kept || j->run_from == nd) {
            for (uint64_t i = 0; i < run; i++)
                if (!isnan(x[i]))
                    add_one(op, j->a, oo + (j->run_kept ? i : 0), x[i], wt);
        } else {
            add_run(op, j->a, oo, x, (size_t)run, wt);
        }
        int d = j->run_from - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < hi[d])
                break;
            idx[d] = lo[d];
        }
        if (d < 0)
            break;
    }
    free(x);
    return ZS_OK;
}

/* ---- one tile ------------------------------------------------------------ */

typedef struct tile {
    uint64_t os[ZS_MAX_DIMS], oc[ZS_MAX_DIMS];   /* output box */
    uint64_t is[ZS_MAX_DIMS], ic[ZS_MAX_DIMS];   /* input box */
    uint64_t coef[ZS_MAX_DIMS];                  /* per input dim */
    uint64_t n;                                  /* output elements */
} tile;

static void tile_boxes(const zsi_reduce *r, const rvar *rv, tile *t)
{
    uint64_t ostr[ZS_MAX_DIMS], s = 1;
    for (int j = rv->ond - 1; j >= 0; j--) {
        ostr[j] = s;
        s *= t->oc[j];
    }
    t->n = s;
    for (int d = 0; d < rv->nd; d++) {
        t->is[d] = 0;
        t->ic[d] = rv->v->shape[d];
        t->coef[d] = 0;
    }
    for (int j = 0; j < rv->ond; j++) {
        int d = rv->omap[j];
        t->coef[d] = ostr[j];
        if (!rv->red[d] || (r->o.anomaly && d != rv->tdim)) {
            t->is[d] = t->os[j];
            t->ic[d] = t->oc[j];
        }
    }
}

/* Stream the input box of a tile; add (or, for anomalies, subtract). */
static zs_status stream(zsi_reduce *r, rvar *rv, tile *t, acc *a,
                        bool anomaly, const zs_array *out)
{
    zsi_slabs sl;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    uint8_t *raw = NULL, *ob = NULL;
    zs_status st = ZS_OK;
    blockjob j;
    zsi_slabs_plan(&sl, rv->nd, rv->v->shape, rv->v->chunks,
                   rv->v->itemsize, BLOCK_BUDGET);
    memset(&j, 0, sizeof j);
    j.r = r;
    j.rv = rv;
    j.a = a;
    zsi_cfdecode_init(&j.dec, rv->v);
    memcpy(j.ts, t->is, sizeof j.ts);
    memcpy(j.coef, t->coef, sizeof j.coef);
    raw = malloc((size_t)zsi_slabs_max_elems(&sl) * rv->v->itemsize + 1);
    if (anomaly)
        ob = malloc((size_t)zsi_slabs_max_elems(&sl) *
                    zsi_dtype_size(r->o.dtype) + 1);
    if (!raw || (anomaly && !ob))
        st = zsi_nomem(r->ctx);
    for (uint64_t u = 0; st == ZS_OK && u < sl.n; u++) {
        bool empty = false;
        zsi_slabs_box(&sl, u, s, c);
        for (int d = 0; d < rv->nd; d++) {   /* intersect with the tile */
            uint64_t lo = s[d] > t->is[d] ? s[d] : t->is[d];
            uint64_t hi = s[d] + c[d] < t->is[d] + t->ic[d]
                              ? s[d] + c[d] : t->is[d] + t->ic[d];
            if (hi <= lo)
                empty = true;
            j.bs[d] = lo;
            j.bc[d] = hi > lo ? hi - lo : 0;
        }
        if (empty)
            continue;
        st = zs_var_read(rv->v, j.bs, j.bc, raw);
        if (st != ZS_OK)
            break;
        j.raw = raw;
        j.anom = ob;
        j.anom_t = r->o.dtype;
        plan_block(&j, t->ic);
        st = zsi_parallel_for(r->ctx, (size_t)j.ntasks, block_task, &j);
        if (st == ZS_OK && anomaly)
            st = zs_array_write((zs_array *)out, j.bs, j.bc, ob);
    }
    free(raw);
    free(ob);
    return st;
}

/* Write a tile's results into the output array. */
static zs_status write_tile(zsi_reduce *r, rvar *rv, tile *t, const acc *a)
{
    zs_dtype dt = r->o.op == RD_COUNT ? ZS_DT_INT64 : r->o.dtype;
    uint8_t *buf = malloc((size_t)(t->n ? t->n : 1) * zsi_dtype_size(dt));
    zs_status st;
    if (!buf)
        return zsi_nomem(r->ctx);
    for (uint64_t o = 0; o < t->n; o++)
        zsi_store_double(dt, buf, (size_t)o, finish(r, a, o));
    st = zs_array_write(rv->out, t->os, t->oc, buf);
    free(buf);
    return st;
}

static zs_status reduce_var(zsi_reduce *r, rvar *rv, zs_array *anom)
{
    uint64_t gshape[ZS_MAX_DIMS], gchunks[ZS_MAX_DIMS];
    zsi_slabs tiles;
    zs_status st = ZS_OK;
    int gd = -1;
    /* accumulators follow the reduced output; anomalies reuse the means */
    for (int j = 0; j < rv->ond; j++) {
        int d = rv->omap[j];
        bool full = (rv->red[d] && !r->o.anomaly) || d == rv->tdim;
        gshape[j] = r->o.anomaly && d == rv->tdim ? r->tg.n : rv->oshape[j];
        gchunks[j] = full ? gshape[j] : rv->ochunks[j];
        if (d == rv->tdim)
            gd = j;
    }
    (void)gd;
    zsi_slabs_plan(&tiles, rv->ond, gshape, gchunks, acc_bytes(r),
                   (size_t)r->o.memory);
    for (uint64_t u = 0; st == ZS_OK && u < tiles.n; u++) {
        tile t;
        acc a;
        zsi_slabs_box(&tiles, u, t.os, t.oc);
        tile_boxes(r, rv, &t);
        st = acc_new(r, t.n, &a);
        if (st != ZS_OK)
            break;
        st = stream(r, rv, &t, &a, false, NULL);
        if (st == ZS_OK && anom) {
            /* the input box of the tile, with the time dimension whole */
            st = stream(r, rv, &t, &a, true, anom);
        } else if (st == ZS_OK) {
            st = write_tile(r, rv, &t, &a);
        }
        acc_free(&a);
        if (st == ZS_OK)
            st = zsi_progress(r->ctx, u + 1, tiles.n);
    }
    return st;
}

/* ---- output ------------------------------------------------------------------ */

static const char *op_name(int op)
{
    static const char *const n[] = {"mean", "sum", "minimum", "maximum",
                                    "standard_deviation", "variance",
                                    "point"};
    return n[op];
}

/* Attributes of a reduced variable: packing gone, cell_methods added. */
static zs_status result_attrs(zsi_reduce *r, const rvar *rv, zs_attrs **out)
{
    static const char *const gone[] = {"scale_factor", "add_offset",
                                       "missing_value", "_Unsigned",
                                       "valid_min", "valid_max",
                                       "valid_range", NULL};
    zsi_buf cm = ZSI_BUF_INIT;
    const char *old = zsi_attrs_text(rv->v->attrs, "cell_methods");
    bool ok;
    if (zsi_attrs_copy(rv->v->attrs, out) != ZS_OK)
        return zsi_nomem(r->ctx);
    for (int k = 0; gone[k]; k++)
        zsi_attrs_remove(*out, gone[k]);
    if (r->o.op == RD_COUNT)
        zsi_attrs_remove(*out, "units");
    if (r->o.anomaly) {
        static const char *const keys[] = {"", "month", "dayofyear",
                                           "season", "hour"};
        char *t = zsi_asprintf("anomaly from the mean of each %s",
                               keys[r->o.groupby]);
        ok = t && zsi_attrs_set(*out, "comment", ZS_DT_STRING, t, strlen(t));
        free(t);
        return ok ? ZS_OK : zsi_nomem(r->ctx);
    }
    ok = !old || (zsi_buf_append_str(&cm, old) && zsi_buf_append(&cm, " ", 1));
    for (int d = 0; ok && d < rv->nd; d++)
        if (rv->red[d])
            ok = zsi_buf_printf(&cm, "%s: ", rv->v->dims[d]);
    ok = ok && zsi_buf_append_str(&cm, op_name(r->o.op));
    if (ok && r->o.groupby)
        ok = zsi_buf_printf(&cm, " (grouped by %s)",
                            r->gdim ? r->gdim : "group");
    else if (ok && r->o.resample)
        ok = zsi_buf_printf(&cm, " (interval: %s)", r->o.resample);
    if (ok && weighted_op(r))
        ok = zsi_buf_append_str(&cm, " (weights: cos(latitude))");
    ok = ok && zsi_attrs_set(*out, "cell_methods", ZS_DT_STRING, cm.data,
                             cm.len);
    zsi_buf_free(&cm);
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}

static zs_status create_result(zsi_reduce *r, zs_store *s, rvar *rv)
{
    zsi_array_meta m;
    zs_attrs *attrs = NULL;
    zs_dtype dt = r->o.op == RD_COUNT ? ZS_DT_INT64 : r->o.dtype;
    double nan = NAN;
    uint8_t fill[8];
    zs_status st = result_attrs(r, rv, &attrs);
    if (st == ZS_OK)
        st = zsi_meta_like(r->ctx, rv->v, rv->ond, rv->oshape, rv->ochunks,
                           rv->odims, attrs, &m);
    zsi_attrs_free(attrs);
    if (st != ZS_OK)
        return st;
    /* a float (or int64 count) array, without the input's filters */
    for (size_t i = 0; i < m.nfilters; i++)
        zsi_codec_spec_free(&m.filters[i]);
    free(m.filters);
    m.filters = NULL;
    m.nfilters = 0;
    m.dtype = dt;
    m.itemsize = zsi_dtype_size(dt);
    m.big_endian = false;
    zsi_store_double(dt, fill, 0, nan);
    if (!zsi_array_meta_set_fill(&m, dt == ZS_DT_INT64 ? NULL : fill))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_array_create(s, rv->v->path, &m, &rv->out);
    zsi_array_meta_free(&m);
    return st;
}

/* A variable written unchanged. */
static zs_status copy_var(zsi_reduce *r, zs_store *s, zs_var *v,
                          zs_array **out)
{
    zsi_array_meta m;
    zsi_slabs sl;
    uint64_t st_[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    uint8_t *buf;
    zs_status st = zsi_meta_like(r->ctx, v, v->ndim, v->shape, v->chunks,
                                 (const char *const *)v->dims, v->attrs, &m);
    if (st == ZS_OK)
        st = zsi_array_create(s, v->path, &m, out);
    zsi_array_meta_free(&m);
    if (st != ZS_OK)
        return st;
    zsi_slabs_plan(&sl, v->ndim, v->shape, v->chunks, v->itemsize,
                   BLOCK_BUDGET);
    buf = malloc((size_t)zsi_slabs_max_elems(&sl) * v->itemsize + 1);
    if (!buf)
        return zsi_nomem(r->ctx);
    for (uint64_t u = 0; st == ZS_OK && u < sl.n; u++) {
        uint64_t n = 1;
        zsi_slabs_box(&sl, u, st_, c);
        for (int d = 0; d < v->ndim; d++)
            n *= c[d];
        st = zs_var_read(v, st_, c, buf);
        if (st == ZS_OK)
            st = zs_array_write(*out, st_, c, buf);
        if (v->dtype == ZS_DT_STRING)
            for (uint64_t i = 0; i < n; i++)
                free(((char **)(void *)buf)[i]);
    }
    free(buf);
    return st;
}

/* The coordinate of the groups: months, days of year, seasons, hours,
 * or the resampled times. */
static zs_status group_coord(zsi_reduce *r, zs_store *s, zs_array **out)
{
    zsi_array_meta m;
    zs_attrs *attrs = NULL;
    uint64_t n = r->tg.n, start = 0;
    zs_dtype dt = r->o.groupby == GB_SEASON ? ZS_DT_STRING : ZS_DT_INT64;
    void *buf;
    zs_status st;
    const char *dims[1] = {r->gdim};
    if (r->o.resample) {
        dt = r->tg.tlabel_int && zsi_dtype_is_int(r->time->dtype)
                 ? r->time->dtype : ZS_DT_FLOAT64;
        if (zsi_attrs_copy(r->time->attrs, &attrs) != ZS_OK)
            return zsi_nomem(r->ctx);
    } else if (zsi_attrs_new(&attrs) != ZS_OK) {
        return zsi_nomem(r->ctx);
    }
    uint64_t shape[1] = {n}, chunks[1] = {n ? n : 1};
    st = zsi_meta_like(r->ctx, r->time, 1, shape, chunks, dims, attrs, &m);
    zsi_attrs_free(attrs);
    if (st != ZS_OK)
        return st;
    for (size_t i = 0; i < m.nfilters; i++)
        zsi_codec_spec_free(&m.filters[i]);
    free(m.filters);
    m.filters = NULL;
    m.nfilters = 0;
    if (dt == ZS_DT_STRING) {
        m.filters = calloc(1, sizeof *m.filters);
        if (!m.filters || !zsi_codec_spec_set(m.filters, "vlen-utf8", NULL))
            st = zsi_nomem(r->ctx);
        m.nfilters = 1;
    }
    m.dtype = dt;
    m.itemsize = dt == ZS_DT_STRING ? 8 : zsi_dtype_size(dt);
    m.big_endian = false;
    zsi_array_meta_set_fill(&m, NULL);
    if (st == ZS_OK)
        st = zsi_array_create(s, r->gdim, &m, out);
    zsi_array_meta_free(&m);
    if (st != ZS_OK)
        return st;
    buf = calloc((size_t)(n ? n : 1), 8);
    if (!buf)
        return zsi_nomem(r->ctx);
    for (uint64_t i = 0; i < n; i++) {
        if (dt == ZS_DT_STRING)
            ((const char **)buf)[i] = r->tg.slabel[i];
        else if (r->o.resample)
            zsi_store_double(dt, buf, (size_t)i, r->tg.tlabel[i]);
        else
            ((int64_t *)buf)[i] = r->tg.ilabel[i];
    }
    st = zs_array_write(*out, &start, &n, buf);
    free(buf);
    return st;
}

typedef struct outgroups {
    const char **paths;
    zs_attrs **attrs;
    size_t n;
} outgroups;

static zs_status add_groups(zsi_reduce *r, zs_group *g, outgroups *gs)
{
    const char **p = realloc(gs->paths, (gs->n + 1) * sizeof *p);
    zs_attrs **a = p ? realloc(gs->attrs, (gs->n + 1) * sizeof *a) : NULL;
    if (p)
        gs->paths = p;
    if (!a)
        return zsi_nomem(r->ctx);
    gs->attrs = a;
    gs->paths[gs->n] = g->path;
    if (zsi_attrs_copy(g->attrs, &gs->attrs[gs->n]) != ZS_OK)
        return zsi_nomem(r->ctx);
    gs->n++;
    for (size_t i = 0; i < g->ngroups; i++) {
        zs_status st = add_groups(r, g->groups[i], gs);
        if (st != ZS_OK)
            return st;
    }
    return ZS_OK;
}

zs_status zsi_reduce_run(zsi_reduce *r, const char *out)
{
    zs_store *s = NULL;
    size_t na = 0, cap = r->nvars + r->ncopy + 1;
    zs_array **arrays = calloc(cap, sizeof *arrays);
    outgroups gs = {0};
    zs_status st = arrays ? ZS_OK : zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zs_store_open(r->ctx, out, ZS_STORE_CREATE | ZS_STORE_PARTIAL |
                           (r->o.overwrite ? ZS_STORE_OVERWRITE : 0), &s);
    if (st == ZS_OK)
        st = add_groups(r, r->ds->root, &gs);
    if (st == ZS_OK && r->o.history && !zsi_history_add(gs.attrs[0],
                                                        r->o.history))
        st = zsi_nomem(r->ctx);
    for (size_t i = 0; st == ZS_OK && i < r->ncopy; i++) {
        st = copy_var(r, s, r->copy[i], &arrays[na]);
        if (arrays[na])
            na++;
    }
    if (st == ZS_OK && r->tg.n && !r->o.anomaly) {
        st = group_coord(r, s, &arrays[na]);
        if (arrays[na])
            na++;
    }
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++) {
        st = create_result(r, s, &r->vars[i]);
        if (st == ZS_OK)
            st = reduce_var(r, &r->vars[i],
                            r->o.anomaly ? r->vars[i].out : NULL);
        if (st == ZS_OK) {
            arrays[na++] = r->vars[i].out;
            r->vars[i].out = NULL;
        }
    }
    if (st == ZS_OK)
        st = zsi_write_metadata(r->ctx, s, gs.n, gs.paths,
                                (const zs_attrs *const *)gs.attrs, na,
                                arrays);
    if (st == ZS_OK)
        st = zs_store_commit(s);
    if (st != ZS_OK && s) {
        char msg[ZSI_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", zs_ctx_message(r->ctx));
        zs_store_discard(s);
        zsi_err(r->ctx, st, "%s", msg);
    }
    for (size_t i = 0; i < na; i++)
        zs_array_close(arrays[i]);
    for (size_t i = 0; i < gs.n; i++)
        zsi_attrs_free(gs.attrs[i]);
    free(gs.paths);
    free(gs.attrs);
    free(arrays);
    zs_store_close(s);
    return st;
}

zs_status zs_reduce(zs_dataset *ds, const zs_reduce_opts *o, const char *out)
{
    zsi_reduce r;
    zs_status st;
    memset(&r, 0, sizeof r);
    r.ctx = ds->ctx;
    r.ds = ds;
    r.o = *o;
    memset(&r.o.dims, 0, sizeof r.o.dims);
    memset(&r.o.vars, 0, sizeof r.o.vars);
    r.o.resample = r.o.resample_dim = r.o.history = NULL;
    for (size_t i = 0; i < o->dims.n; i++)
        if (!zsi_strv_push(&r.o.dims, o->dims.v[i]))
            return zsi_nomem(ds->ctx);
    for (size_t i = 0; i < o->vars.n; i++)
        if (!zsi_strv_push(&r.o.vars, o->vars.v[i]))
            return zsi_nomem(ds->ctx);
    if ((o->resample && !(r.o.resample = zsi_strdup(o->resample))) ||
        (o->resample_dim && !(r.o.resample_dim = zsi_strdup(o->resample_dim)))
        || (o->history && !(r.o.history = zsi_strdup(o->history)))) {
        zsi_reduce_clear(&r);
        return zsi_nomem(ds->ctx);
    }
    st = zsi_reduce_plan(&r);
    if (st == ZS_OK)
        st = zsi_reduce_run(&r, out);
    zsi_reduce_clear(&r);
    return st;
}
