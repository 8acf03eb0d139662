/* reduce_run.c - streaming reductions: blocks of the input added to
 * per-output accumulators on the thread pool, tile by tile. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta.h"
#include "ops/zsi_reduce.h"

/* Default memory for accumulators (zs_ctx_set_memory() overrides). */
#define REDUCE_MEMORY ((uint64_t)1 << 30)

/* ---- accumulators ------------------------------------------------------ */

typedef struct acc {
    uint64_t n;
    uint64_t *cnt;
    double *a;      /* sum (mean, sum) | running mean (var, std) | extreme */
    double *b;      /* Kahan compensation (mean, sum) | M2 (var, std) */
    double *w;      /* sum of weights (weighted mean, var, std) */
    /* Exact sums of raw integers (unweighted mean and sum of integer
     * data up to 32 bits, packed or not), decoded when finished. */
    int64_t *is;
    double scale, offset;
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
    free(a->is);
    free(a->cnt);
    free(a->a);
    free(a->b);
    free(a->w);
    memset(a, 0, sizeof *a);
}

/* Integer sums apply: raw integers of at most 32 bits, summed without
 * weights; the raw values must decode as x * scale + offset with no
 * other missing values than the fill value. */
static bool int_sums(const zsi_reduce *r, const zsi_cfdecode *d)
{
    return (r->o.op == RD_MEAN || r->o.op == RD_SUM) && !weighted_op(r) &&
           !d->nmissing && !d->is_unsigned &&
           (d->dtype == ZS_DT_INT8 || d->dtype == ZS_DT_INT16 ||
            d->dtype == ZS_DT_INT32 || d->dtype == ZS_DT_UINT8 ||
            d->dtype == ZS_DT_UINT16 || d->dtype == ZS_DT_UINT32);
}

static zs_status acc_new(zsi_reduce *r, const zsi_cfdecode *d, uint64_t n,
                         acc *a)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->cnt = calloc((size_t)(n ? n : 1), sizeof *a->cnt);
    if (int_sums(r, d)) {
        a->is = calloc((size_t)(n ? n : 1), sizeof *a->is);
        a->scale = d->packed ? d->scale : 1.0;
        a->offset = d->packed ? d->offset : 0.0;
        if (!a->cnt || !a->is) {
            acc_free(a);
            return zsi_nomem(r->ctx);
        }
        return ZS_OK;
    }
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
    if (a->is) {
        /* exact until here: sum < 2^32 * n */
        double sum = (double)a->is[o];
        if (r->o.op == RD_SUM)
            return n ? sum * a->scale + (double)n * a->offset : 0.0;
        return n ? sum / (double)n * a->scale + a->offset : NAN;
    }
    switch (r->o.op) {
    case RD_COUNT: return (double)n;
    case RD_SUM: return n ? a->a[o] : 0.0;   /* skipna: an empty sum is 0 */
    case RD_MEAN: return n && W > 0 ? a->a[o] / W : NAN;
    case RD_VAR: return n && W > 0 ? a->b[o] / W : NAN;
    case RD_STD: return n && W > 0 ? sqrt(a->b[o] / W) : NAN;
    default: return n ? a->a[o] : NAN;
    }
}

/* ---- blocks ------------------------------------------------------------ */

/* The input is read in blocks (whole chunks, up to BLOCK_BYTES when
 * chunks are small) gathered into batches of at most BATCH_BYTES per
 * thread (a larger block is a batch alone).  While
 * the threads decode the blocks of one batch, they add up the blocks of
 * the previous one: one parallel loop does both, so reading and adding
 * overlap.  The adding is split into parts along one kept dimension, in
 * absolute indices, so that no two tasks touch the same accumulator. */
#define BLOCK_BYTES ((size_t)4 << 20)
#define BATCH_BYTES ((size_t)8 << 20)   /* per thread, at least 2 */
#define MAX_PARTS 64

typedef struct block {
    uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS];  /* block box (input) */
    uint64_t bst[ZS_MAX_DIMS];                 /* block strides */
    int run_from;                              /* first dim of a run */
    bool run_kept;                             /* kept (else reduced) */
    size_t off;                                /* in the batch buffers */
} block;

typedef struct batch {
    block *b;
    size_t n, cap;
    uint8_t *raw, *anom;
    size_t bytes, raw_cap;
} batch;

typedef struct streamjob {
    zsi_reduce *r;
    const rvar *rv;
    acc *a;
    zsi_cfdecode dec;
    uint64_t ts[ZS_MAX_DIMS];                  /* tile origin (input) */
    uint64_t tc[ZS_MAX_DIMS];                  /* tile counts (input) */
    uint64_t coef[ZS_MAX_DIMS];                /* output stride per dim */
    int split;                                 /* -1: one part */
    uint64_t nparts;
    batch *cur, *next;                         /* add cur, read next */
    zs_dtype anom_t;                           /* anomalies: output type */
    bool anomaly;
    size_t batch_bytes;
} streamjob;

/* Kinds of dimensions: kept, reduced, or the grouped time. */
enum { K_KEPT, K_RED, K_TIME };

static int kind(const rvar *rv, int d)
{
    return d == rv->tdim ? K_TIME : rv->red[d] ? K_RED : K_KEPT;
}

/* The split of a tile: the outermost kept dimension long enough to
 * share among the threads, so that each part's runs are long and its
 * accumulators contiguous; else the longest kept one. */
static void plan_parts(streamjob *j)
{
    const rvar *rv = j->rv;
    int big = -1;
    j->split = -1;
    for (int d = 0; d < rv->nd && j->split < 0; d++)
        if (kind(rv, d) == K_KEPT && j->tc[d] >= 16)
            j->split = d;
    for (int d = 0; d < rv->nd && j->split < 0; d++)
        if (kind(rv, d) == K_KEPT && j->tc[d] > 1 &&
            (big < 0 || j->tc[d] > j->tc[big]))
            big = d;
    if (j->split < 0)
        j->split = big;
    j->nparts = j->split < 0 ? 1 : j->tc[j->split] < MAX_PARTS
                                       ? j->tc[j->split] : MAX_PARTS;
}

/* The runs of a block: the longest trailing set of dimensions of one
 * kind, contiguous in the block and in the accumulators. */
static void plan_block(const streamjob *j, block *b)
{
    const rvar *rv = j->rv;
    int nd = rv->nd, last = nd - 1;
    uint64_t s = 1;
    for (int d = nd - 1; d >= 0; d--) {
        b->bst[d] = s;
        s *= b->bc[d];
    }
    b->run_from = nd;
    b->run_kept = false;
    if (nd == 0)
        return;
    b->run_kept = kind(rv, last) == K_KEPT;
    if (kind(rv, last) == K_TIME)
        return;
    for (int k = last; k >= 0; k--) {
        if (kind(rv, k) != kind(rv, last))
            break;
        if (!b->run_kept && k == rv->latdim && j->r->weights)
            break;   /* weights vary along it */
        if (k < last && b->run_kept && b->bc[k + 1] != j->tc[k + 1])
            break;   /* not contiguous in the output */
        if (k < j->split)
            break;   /* the part's range must stay outside the run */
        b->run_from = k;
        if (k == j->split)
            break;
    }
}

/* Integer sums of a run of raw values, T the raw type: into n elements
 * from o (kept) or into element o (reduced). */
#define INT_KEPT(T)                                                         \
    do {                                                                    \
        const T *q = (const T *)p;                                          \
        int64_t *restrict s = a->is + o;                                    \
        uint64_t *restrict c = a->cnt + o;                                  \
        for (size_t i = 0; i < n; i++) {                                    \
            int64_t v = q[i];                                               \
            int64_t ok = v != fill;                                         \
            s[i] += ok ? v : 0;                                             \
            c[i] += (uint64_t)ok;                                           \
        }                                                                   \
    } while (0)
#define INT_RED(T)                                                          \
    do {                                                                    \
        const T *q = (const T *)p;                                          \
        int64_t sum = 0;                                                    \
        uint64_t cnt = 0;                                                   \
        for (size_t i = 0; i < n; i++) {                                    \
            int64_t v = q[i];                                               \
            int64_t ok = v != fill;                                         \
            sum += ok ? v : 0;                                              \
            cnt += (uint64_t)ok;                                            \
        }                                                                   \
        a->is[o] += sum;                                                    \
        a->cnt[o] += cnt;                                                   \
    } while (0)

static void int_run(const zsi_cfdecode *d, acc *a, uint64_t o,
                    const void *p, size_t n, bool kept)
{
    /* a fill value outside the type's range never matches */
    int64_t fill = d->has_fill && d->fill >= -2147483648.0 &&
                   d->fill <= 4294967295.0 ? (int64_t)d->fill : INT64_MIN;
    switch (d->dtype) {
    case ZS_DT_INT8: if (kept) INT_KEPT(int8_t); else INT_RED(int8_t); break;
    case ZS_DT_INT16: if (kept) INT_KEPT(int16_t); else INT_RED(int16_t);
        break;
    case ZS_DT_INT32: if (kept) INT_KEPT(int32_t); else INT_RED(int32_t);
        break;
    case ZS_DT_UINT8: if (kept) INT_KEPT(uint8_t); else INT_RED(uint8_t);
        break;
    case ZS_DT_UINT16: if (kept) INT_KEPT(uint16_t); else INT_RED(uint16_t);
        break;
    case ZS_DT_UINT32: if (kept) INT_KEPT(uint32_t); else INT_RED(uint32_t);
        break;
    default: break;
    }
}

/* Integer sums of nt rows of n raw values, stride apart, that all add
 * to the same n elements: summed first in 32-bit integers over at most
 * 32767 rows (they cannot overflow), with vector instructions (GCC and
 * Clang vector extensions, lowered to SSE2 on any x86-64), then added
 * to the 64-bit accumulators once.  8- and 16-bit types only. */
#if defined(__has_builtin)
#if __has_builtin(__builtin_convertvector)
#define HAVE_FOLD 1
#endif
#endif

#ifdef HAVE_FOLD
#define FOLD_PIECE 1024
#define FOLD_ROWS 32767
#define FOLD_FN(NAME, T, S, NL)                                             \
    static void NAME(const T *p, size_t nt, size_t stride, size_t n, T fv, \
                     int64_t *restrict is, uint64_t *restrict cn)          \
    {                                                                       \
        typedef T vt __attribute__((vector_size(sizeof(T) * NL)));         \
        typedef S vs __attribute__((vector_size(sizeof(S) * NL)));         \
        typedef int32_t va __attribute__((vector_size(4 * NL)));           \
        va sum[FOLD_PIECE / NL];                                            \
        vs cnt[FOLD_PIECE / NL];                                            \
        vt fill = (vt){0} + fv;                                             \
        for (size_t i0 = 0; i0 < n; i0 += FOLD_PIECE) {                     \
            size_t m = n - i0 < FOLD_PIECE ? n - i0 : FOLD_PIECE;           \
            size_t mv = m / NL;                                             \
            for (size_t t0 = 0; t0 < nt; t0 += FOLD_ROWS) {                 \
                size_t t1 = nt - t0 < FOLD_ROWS ? nt : t0 + FOLD_ROWS;      \
                memset(sum, 0, sizeof sum);                                 \
                memset(cnt, 0, sizeof cnt);                                 \
                for (size_t t = t0; t < t1; t++) {                          \
                    const T *q = p + t * stride + i0;                       \
                    for (size_t k = 0; k < mv; k++) {                       \
                        vt v;                                               \
                        vs ok;                                              \
                        memcpy(&v, q + k * NL, sizeof v);                   \
                        ok = (vs)(v != fill);                               \
                        sum[k] += __builtin_convertvector(v & (vt)ok, va);  \
                        cnt[k] -= ok;                                       \
                    }                                                       \
                }                                                           \
                for (size_t k = 0; k < mv; k++)                             \
                    for (size_t l = 0; l < NL; l++) {                       \
                        is[i0 + k * NL + l] += sum[k][l];                   \
                        cn[i0 + k * NL + l] += (uint16_t)cnt[k][l];         \
                    }                                                       \
                for (size_t i = mv * NL; i < m; i++)   /* the tail */       \
                    for (size_t t = t0; t < t1; t++) {                      \
                        T v = p[t * stride + i0 + i];                       \
                        if (v != fv) {                                      \
                            is[i0 + i] += v;                                \
                            cn[i0 + i]++;                                   \
                        }                                                   \
                    }                                                       \
            }                                                               \
        }                                                                   \
    }

FOLD_FN(fold_i8, int8_t, int8_t, 16)
FOLD_FN(fold_u8, uint8_t, int8_t, 16)
FOLD_FN(fold_i16, int16_t, int16_t, 8)
FOLD_FN(fold_u16, uint16_t, int16_t, 8)
#endif

/* The fill value of d as a raw T in *fv, if it is one (else false). */
#define FILL_AS(T, LO, HI)                                                  \
    (d->has_fill && d->fill >= (LO) && d->fill <= (HI) &&                   \
     (double)(T)d->fill == d->fill && ((fv = (T)d->fill), true))

/* True if the fold applies (done then). */
static bool int_fold(const zsi_cfdecode *d, acc *a, uint64_t o,
                     const void *p, size_t nt, size_t stride, size_t n)
{
#ifdef HAVE_FOLD
    /* without a fill value every value counts: the fold needs one */
    switch (d->dtype) {
    case ZS_DT_INT8: {
        int8_t fv;
        if (!FILL_AS(int8_t, -128, 127))
            return false;
        fold_i8(p, nt, stride, n, fv, a->is + o, a->cnt + o);
        return true;
    }
    case ZS_DT_UINT8: {
        uint8_t fv;
        if (!FILL_AS(uint8_t, 0, 255))
            return false;
        fold_u8(p, nt, stride, n, fv, a->is + o, a->cnt + o);
        return true;
    }
    case ZS_DT_INT16: {
        int16_t fv;
        if (!FILL_AS(int16_t, -32768, 32767))
            return false;
        fold_i16(p, nt, stride, n, fv, a->is + o, a->cnt + o);
        return true;
    }
    case ZS_DT_UINT16: {
        uint16_t fv;
        if (!FILL_AS(uint16_t, 0, 65535))
            return false;
        fold_u16(p, nt, stride, n, fv, a->is + o, a->cnt + o);
        return true;
    }
    default:
        return false;
    }
#else
    (void)d; (void)a; (void)o; (void)p; (void)nt; (void)stride; (void)n;
    return false;
#endif
}

/* Add the values x[0..n-1] (NaN: missing) to elements o.. (kept) with
 * one loop per operation, so that the operation is not tested per
 * value. */
#define KEPT_LOOP(OP)                                                       \
    for (size_t i = 0; i < n; i++)                                          \
        if (!isnan(x[i]))                                                   \
            add_one(OP, a, o + (step ? i : 0), x[i], w)

static void add_kept(int op, acc *a, uint64_t o, const double *x, size_t n,
                     double w, bool step)
{
    switch (op) {
    case RD_MEAN: KEPT_LOOP(RD_MEAN); break;
    case RD_SUM: KEPT_LOOP(RD_SUM); break;
    case RD_VAR: KEPT_LOOP(RD_VAR); break;
    case RD_STD: KEPT_LOOP(RD_STD); break;
    case RD_MIN: KEPT_LOOP(RD_MIN); break;
    case RD_MAX: KEPT_LOOP(RD_MAX); break;
    default: KEPT_LOOP(RD_COUNT); break;
    }
}

/* Integer sums of nt rows one by one (when the fold does not apply). */
static void int_run_rows(const streamjob *j, const block *b, uint64_t o,
                         const uint8_t *p, uint64_t nt, uint64_t run)
{
    size_t w = zs_var_itemsize(j->rv->v);
    for (uint64_t t = 0; t < nt; t++)
        int_run(&j->dec, j->a, o, p + t * b->bst[0] * w, (size_t)run, true);
}

/* Add (or, for anomalies, subtract) the part [lo, hi) of the split
 * dimension (block indices) of block b; x holds a run of doubles. */
static void process_block(const streamjob *j, const block *b, uint64_t plo,
                          uint64_t phi, double *x)
{
    const rvar *rv = j->rv;
    const zsi_reduce *r = j->r;
    const batch *bt = j->cur;
    int nd = rv->nd, op = r->o.op;
    uint64_t lo[ZS_MAX_DIMS], hi[ZS_MAX_DIMS], idx[ZS_MAX_DIMS];
    uint64_t run = 1;
    size_t w = zs_var_itemsize(rv->v);
    const uint8_t *raw = bt->raw + b->off * w;
    uint8_t *anom = j->anomaly ? bt->anom + b->off * zsi_dtype_size(j->anom_t)
                               : NULL;
    for (int d = 0; d < nd; d++) {
        lo[d] = 0;
        hi[d] = b->bc[d];
    }
    if (j->split >= 0) {
        lo[j->split] = plo;
        hi[j->split] = phi;
    }
    for (int d = b->run_from; d < nd; d++)
        run *= hi[d] - lo[d];
    for (int d = 0; d < nd; d++)
        idx[d] = lo[d];
    /* integer sums over the outermost dimension, reduced, with a run of
     * kept ones after it: all its rows at once */
    bool fold = j->a->is && !anom && b->run_from == 1 && b->run_kept &&
                kind(rv, 0) == K_RED;
    for (;;) {
        uint64_t so = 0, oo = 0;
        double wt = 1.0;
        for (int d = 0; d < nd; d++) {
            so += idx[d] * b->bst[d];
            if (kind(rv, d) == K_KEPT)
                oo += (b->bs[d] + idx[d] - j->ts[d]) * j->coef[d];
            else if (kind(rv, d) == K_TIME)
                oo += (uint64_t)r->tg.g[b->bs[d] + idx[d]] * j->coef[d];
        }
        if (rv->latdim >= 0 && rv->latdim < b->run_from && r->weights)
            wt = r->weights[b->bs[rv->latdim] + idx[rv->latdim]];
        if (fold) {
            if (!int_fold(&j->dec, j->a, oo, raw + so * w,
                          (size_t)(hi[0] - lo[0]), (size_t)b->bst[0],
                          (size_t)run))
                int_run_rows(j, b, oo, raw + so * w, hi[0] - lo[0], run);
            break;
        }
        if (j->a->is && !anom) {
            int_run(&j->dec, j->a, oo, raw + so * w, (size_t)run,
                    b->run_kept || b->run_from == nd);
        } else {
            zsi_cfdecode_row(&j->dec, raw + so * w, (size_t)run, x);
            if (anom) {
                /* x minus the mean of its group, into the output block */
                for (uint64_t i = 0; i < run; i++) {
                    uint64_t o = oo + (b->run_kept ? i : 0);
                    zsi_store_double(j->anom_t, anom, (size_t)(so + i),
                                     x[i] - finish(r, j->a, o));
                }
            } else if (b->run_kept || b->run_from == nd) {
                add_kept(op, j->a, oo, x, (size_t)run, wt, b->run_kept);
            } else {
                add_run(op, j->a, oo, x, (size_t)run, wt);
            }
        }
        int d = b->run_from - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < hi[d])
                break;
            idx[d] = lo[d];
        }
        if (d < 0)
            break;
    }
}

/* The range of part p in block b (block indices); false if empty. */
static bool part_range(const streamjob *j, const block *b, uint64_t p,
                       uint64_t *lo, uint64_t *hi)
{
    uint64_t n, a, e;
    if (j->split < 0) {
        *lo = 0;
        *hi = 1;
        return p == 0;
    }
    n = j->tc[j->split];
    a = j->ts[j->split] + n * p / j->nparts;
    e = j->ts[j->split] + n * (p + 1) / j->nparts;
    if (a < b->bs[j->split])
        a = b->bs[j->split];
    if (e > b->bs[j->split] + b->bc[j->split])
        e = b->bs[j->split] + b->bc[j->split];
    if (e <= a)
        return false;
    *lo = a - b->bs[j->split];
    *hi = e - b->bs[j->split];
    return true;
}

static zs_status stream_task(void *arg, size_t task)
{
    streamjob *j = arg;
    const rvar *rv = j->rv;
    size_t nread = j->next ? j->next->n : 0, maxrun = 1;
    uint64_t p = task - nread, lo, hi;
    double *x = NULL;
    if (task < nread) {
        block *b = &j->next->b[task];
        return zs_var_read(rv->v, b->bs, b->bc,
                           j->next->raw + b->off * zs_var_itemsize(rv->v));
    }
    for (size_t k = 0; k < j->cur->n; k++) {
        const block *b = &j->cur->b[k];
        uint64_t run = 1;
        if (!part_range(j, b, p, &lo, &hi))
            continue;
        for (int d = b->run_from; d < rv->nd; d++)
            run *= d == j->split ? hi - lo : b->bc[d];
        if (run > maxrun)
            maxrun = (size_t)run;
    }
    if (!j->a->is || j->anomaly) {
        x = malloc(maxrun * sizeof *x);
        if (!x)
            return zsi_nomem(j->r->ctx);
    }
    for (size_t k = 0; k < j->cur->n; k++)
        if (part_range(j, &j->cur->b[k], p, &lo, &hi))
            process_block(j, &j->cur->b[k], lo, hi, x);
    free(x);
    return ZS_OK;
}

/* ---- one tile ------------------------------------------------------- */

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
        t->ic[d] = zs_var_shape(rv->v)[d];
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

static void batch_free(batch *bt)
{
    free(bt->b);
    free(bt->raw);
    free(bt->anom);
    memset(bt, 0, sizeof *bt);
}

/* Gather the next blocks of the tile from slab *u on into bt. */
static zs_status batch_fill(streamjob *j, const zsi_blocks *sl, uint64_t *u,
                            batch *bt)
{
    size_t w = zs_var_itemsize(j->rv->v), elems = 0;
    bt->n = 0;
    while (*u < sl->n) {
        uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], n = 1;
        block b;
        bool empty = false;
        zsi_blocks_box(sl, (*u)++, s, c);
        for (int d = 0; d < j->rv->nd; d++) {   /* intersect with the tile */
            uint64_t lo = s[d] > j->ts[d] ? s[d] : j->ts[d];
            uint64_t hi = s[d] + c[d] < j->ts[d] + j->tc[d]
                              ? s[d] + c[d] : j->ts[d] + j->tc[d];
            if (hi <= lo)
                empty = true;
            b.bs[d] = lo;
            b.bc[d] = hi > lo ? hi - lo : 0;
            n *= b.bc[d];
        }
        if (empty)
            continue;
        if (bt->n && (elems + n) * w > j->batch_bytes) {
            (*u)--;   /* for the next batch */
            break;
        }
        if (bt->n == bt->cap) {
            size_t cap = bt->cap ? 2 * bt->cap : 16;
            block *nb = realloc(bt->b, cap * sizeof *nb);
            if (!nb)
                return zsi_nomem(j->r->ctx);
            bt->b = nb;
            bt->cap = cap;
        }
        plan_block(j, &b);
        b.off = elems;
        bt->b[bt->n++] = b;
        elems += (size_t)n;
    }
    if (elems * w + 1 > bt->raw_cap) {
        size_t ab = j->anomaly ? zsi_dtype_size(j->anom_t) : 0;
        free(bt->raw);
        free(bt->anom);
        bt->raw = malloc(elems * w + 1);
        bt->anom = ab ? malloc(elems * ab + 1) : NULL;
        bt->raw_cap = bt->raw && (!ab || bt->anom) ? elems * w + 1 : 0;
        if (!bt->raw_cap)
            return zsi_nomem(j->r->ctx);
    }
    return ZS_OK;
}

/* Stream the input box of a tile; add (or, for anomalies, subtract). */
static zs_status stream(zsi_reduce *r, rvar *rv, tile *t, acc *a,
                        bool anomaly, const zs_array *out)
{
    zsi_blocks sl;
    batch bt[2];
    uint64_t u = 0;
    int cur = 0;
    zs_status st;
    streamjob j;
    /* anomalies are written block by block: whole output chunks (or
     * shards) */
    if (!zsi_blocks_plan(&sl, rv->nd, zs_var_shape(rv->v),
                         anomaly ? zsi_array_write_unit(out)
                                 : zs_var_chunks(rv->v),
                         zs_var_itemsize(rv->v), BLOCK_BYTES, 0))
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW, "%s: too many blocks",
                       zs_var_path(rv->v));
    memset(&j, 0, sizeof j);
    memset(bt, 0, sizeof bt);
    j.r = r;
    j.rv = rv;
    j.a = a;
    j.anomaly = anomaly;
    j.anom_t = rv->dtype;
    j.batch_bytes = BATCH_BYTES * (size_t)(zs_ctx_threads(r->ctx) > 2
                                               ? zs_ctx_threads(r->ctx) : 2);
    zsi_cfdecode_init(&j.dec, rv->v);
    memcpy(j.ts, t->is, sizeof j.ts);
    memcpy(j.tc, t->ic, sizeof j.tc);
    memcpy(j.coef, t->coef, sizeof j.coef);
    plan_parts(&j);
    st = batch_fill(&j, &sl, &u, &bt[0]);
    if (st == ZS_OK) {   /* read the first batch */
        j.next = &bt[0];
        j.cur = &bt[1];
        st = zsi_parallel_for(r->ctx, bt[0].n, stream_task, &j);
    }
    while (st == ZS_OK && bt[cur].n > 0) {
        st = batch_fill(&j, &sl, &u, &bt[1 - cur]);
        if (st != ZS_OK)
            break;
        j.cur = &bt[cur];
        j.next = &bt[1 - cur];
        st = zsi_parallel_for(r->ctx, j.next->n + (size_t)j.nparts,
                              stream_task, &j);
        for (size_t k = 0; st == ZS_OK && anomaly && k < j.cur->n; k++) {
            const block *b = &j.cur->b[k];
            st = zs_array_write((zs_array *)out, b->bs, b->bc,
                                j.cur->anom +
                                    b->off * zsi_dtype_size(j.anom_t));
        }
        cur = 1 - cur;
    }
    batch_free(&bt[0]);
    batch_free(&bt[1]);
    return st;
}

/* Write a tile's results into the output array. */
static zs_status write_tile(zsi_reduce *r, rvar *rv, tile *t, const acc *a)
{
    zs_dtype dt = rv->dtype;
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
    uint64_t gshape[ZS_MAX_DIMS], gunit[ZS_MAX_DIMS];
    const uint64_t *unit = zsi_array_write_unit(anom ? anom : rv->out);
    zsi_blocks tiles;
    zs_status st = ZS_OK;
    /* accumulators follow the reduced output; anomalies reuse the means;
     * tiles are made of whole output chunks (or shards) */
    for (int j = 0; j < rv->ond; j++) {
        int d = rv->omap[j];
        bool full = (rv->red[d] && !r->o.anomaly) || d == rv->tdim;
        gshape[j] = r->o.anomaly && d == rv->tdim ? r->tg.n : rv->oshape[j];
        gunit[j] = full ? gshape[j] : unit[j];
    }
    zsi_cfdecode dec;
    zsi_cfdecode_init(&dec, rv->v);
    if (!zsi_blocks_plan(&tiles, rv->ond, gshape, gunit, acc_bytes(r),
                         (size_t)r->memory, 0))
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW, "%s: too many tiles",
                       zs_var_path(rv->v));
    /* one tile and no second pass: each input chunk is read once (a
     * stream may forget it) */
    if (zsi_var_array(rv->v))
        zsi_array_set_read_once(zsi_var_array(rv->v), tiles.n <= 1 && !anom);
    for (uint64_t u = 0; st == ZS_OK && u < tiles.n; u++) {
        tile t;
        acc a;
        zsi_blocks_box(&tiles, u, t.os, t.oc);
        tile_boxes(r, rv, &t);
        st = acc_new(r, &dec, t.n, &a);
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
    if (zsi_var_array(rv->v))
        zsi_array_set_read_once(zsi_var_array(rv->v), false);
    return st;
}

/* ---- output --------------------------------------------------------- */

/* CF method names (CF Appendix E).  Counts have none: see count_attrs. */
static const char *op_name(int op)
{
    static const char *const n[] = {"mean", "sum", "minimum", "maximum",
                                    "standard_deviation", "variance"};
    return n[op];
}

static bool set_text(zs_attrs *a, const char *name, const char *text)
{
    return zsi_attrs_set(a, name, ZS_DT_STRING, text, strlen(text));
}

/* The reduced dimensions as "d1, d2" (for comments). */
static bool reduced_names(const rvar *rv, zsi_buf *b)
{
    bool ok = true, first = true;
    for (int d = 0; ok && d < rv->nd; d++)
        if (rv->red[d]) {
            ok = zsi_buf_printf(b, "%s%s", first ? "" : ", ",
                                zs_var_dim_name(rv->v, d));
            first = false;
        }
    return ok;
}

/* Counts: CF has no cell method for them.  The CF way is the
 * standard_name modifier number_of_observations, with units "1"; the
 * input's cell_methods described its values, not their number. */
static bool count_attrs(const rvar *rv, zs_attrs *a)
{
    const char *sn = zsi_attrs_text(zs_var_attrs(rv->v), "standard_name");
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = set_text(a, "units", "1");
    zsi_attrs_remove(a, "cell_methods");
    if (ok && sn && !strchr(sn, ' '))
        ok = zsi_buf_printf(&b, "%s number_of_observations", sn) &&
             zsi_attrs_set(a, "standard_name", ZS_DT_STRING, b.data, b.len);
    b.len = 0;
    ok = ok && zsi_buf_append_str(&b, "number of non-missing values along ")
         && reduced_names(rv, &b) &&
         zsi_attrs_set(a, "comment", ZS_DT_STRING, b.data, b.len);
    zsi_buf_free(&b);
    return ok;
}

/* What a --groupby or --resample cell holds, as non-standardized text in
 * parentheses (CF 7.3.2: without the keyword "comment:" when there is no
 * standardized information).  Not CF 7.4's "within years ... over
 * years": that needs a time coordinate with climatology bounds, and the
 * groups are a plain dimension (month, dayofyear, season, hour). */
static bool group_note(const zsi_reduce *r, zsi_buf *cm)
{
    static const char *const what[] = {
        "", "each month of the year, over all years",
        "each day of the year, over all years",
        "each season (DJF, MAM, JJA, SON), over all years",
        "each hour of the day, over all days"};
    if (r->o.groupby)
        return zsi_buf_printf(cm, " (%s)", what[r->o.groupby]);
    if (r->o.resample)
        return zsi_buf_printf(cm, " (bins of %s)", r->o.resample);
    return true;
}

/* Attributes of a reduced variable: packing gone, cell_methods added. */
static zs_status result_attrs(zsi_reduce *r, const rvar *rv, zs_attrs **out)
{
    static const char *const gone[] = {"scale_factor", "add_offset",
                                       "missing_value", "_Unsigned",
                                       "valid_min", "valid_max",
                                       "valid_range", NULL};
    zsi_buf cm = ZSI_BUF_INIT;
    const char *old = zsi_attrs_text(zs_var_attrs(rv->v), "cell_methods");
    bool ok;
    if (zsi_attrs_copy(zs_var_attrs(rv->v), out) != ZS_OK)
        return zsi_nomem(r->ctx);
    for (int k = 0; gone[k]; k++)
        zsi_attrs_remove(*out, gone[k]);
    if (r->o.anomaly) {
        char *t = zsi_asprintf("anomaly from the mean of each %s",
                               zsi_reduce_group_key(r->o.groupby));
        ok = t && set_text(*out, "comment", t);
        free(t);
        return ok ? ZS_OK : zsi_nomem(r->ctx);
    }
    if (r->o.op == RD_COUNT)
        return count_attrs(rv, *out) ? ZS_OK : zsi_nomem(r->ctx);
    ok = !old || (zsi_buf_append_str(&cm, old) && zsi_buf_append(&cm, " ", 1));
    for (int d = 0; ok && d < rv->nd; d++)
        if (rv->red[d])
            ok = zsi_buf_printf(&cm, "%s: ", zs_var_dim_name(rv->v, d));
    ok = ok && zsi_buf_append_str(&cm, op_name(r->o.op)) &&
         group_note(r, &cm);
    if (ok && weighted_op(r))
        ok = zsi_buf_append_str(&cm, " (weights: cos(latitude))");
    ok = ok && zsi_attrs_set(*out, "cell_methods", ZS_DT_STRING, cm.data,
                             cm.len);
    zsi_buf_free(&cm);
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}

/* The codecs of a result: the input's compressors (its filters were for
 * values of its own type). */
static zs_status result_codecs(const zs_var *v, zsi_codec_spec **c,
                               size_t *n)
{
    return zsi_codecs_of_var(v, ZSI_CODECS_NO_FILTERS, c, n);
}

static zs_status create_result(zsi_reduce *r, zsi_writer *w, rvar *rv)
{
    zs_attrs *attrs = NULL;
    zsi_codec_spec *c = NULL;
    size_t nc = 0;
    uint64_t fill[1];   /* aligned for any numeric type */
    zsi_array_def d;
    zs_status st = result_attrs(r, rv, &attrs);
    if (st == ZS_OK)
        st = result_codecs(rv->v, &c, &nc);
    zsi_store_double(rv->dtype, fill, 0, NAN);
    d = (zsi_array_def){zs_var_path(rv->v), rv->ond, rv->oshape, rv->ochunks,
                        rv->odims, rv->dtype, zsi_dtype_size(rv->dtype),
                        rv->dtype == ZS_DT_INT64 ? NULL : fill, attrs, c,
                        nc, zsi_var_array(rv->v) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, &rv->out);
    zsi_codecs_free(c, nc);
    zsi_attrs_free(attrs);
    return st;
}

/* The coordinate of the groups: months, days of year, seasons, hours,
 * or the resampled times. */
static zs_status group_coord_create(zsi_reduce *r, zsi_writer *w,
                                    zs_array **out)
{
    zs_attrs *attrs = NULL;
    zsi_codec_spec *c = NULL;
    size_t nc = 0;
    uint64_t n = r->tg.n, shape[1] = {n}, chunks[1] = {n ? n : 1};
    zs_dtype dt = r->o.groupby == GB_SEASON ? ZS_DT_STRING : ZS_DT_INT64;
    const char *dims[1] = {r->gdim};
    zsi_array_def d;
    zs_status st;
    if (r->o.resample) {
        dt = r->tg.tlabel_int && zsi_dtype_is_int(zs_var_dtype(r->time))
                 ? zs_var_dtype(r->time) : ZS_DT_FLOAT64;
        st = zsi_attrs_copy(zs_var_attrs(r->time), &attrs);
    } else {
        st = zsi_attrs_new(&attrs);
    }
    if (st != ZS_OK)
        return zsi_nomem(r->ctx);
    st = result_codecs(r->time, &c, &nc);
    d = (zsi_array_def){r->gdim, 1, shape, chunks, dims, dt,
                        dt == ZS_DT_STRING ? 8 : zsi_dtype_size(dt), NULL,
                        attrs, c, nc, zsi_var_array(r->time) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, out);
    zsi_codecs_free(c, nc);
    zsi_attrs_free(attrs);
    return st;
}

static zs_status group_coord_data(zsi_reduce *r, zs_array *out)
{
    uint64_t n = r->tg.n, start = 0;
    zs_dtype dt = zs_array_dtype(out);
    zs_status st;
    void *buf = calloc((size_t)(n ? n : 1), 8);
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
    st = zs_array_write(out, &start, &n, buf);
    free(buf);
    return st;
}

static zs_status run(void *user, zsi_writer *w)
{
    zsi_reduce *r = user;
    size_t na = 0, cap = r->nvars + r->ncopy + 1;
    zs_array **copies = calloc(cap, sizeof *copies), *gc = NULL;
    zs_var **used = calloc(cap, sizeof *used);
    size_t nu = 0;
    zs_status st = copies && used ? ZS_OK : zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_writer_add_groups(w, zs_dataset_root(r->ds));
    /* an input stream need not keep the others */
    for (size_t i = 0; st == ZS_OK && i < r->ncopy; i++)
        used[nu++] = r->copy[i];
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
        used[nu++] = r->vars[i].v;
    if (st == ZS_OK)
        st = zsi_skip_unused(r->ds, used, nu);
    /* every array first; a stream gets the metadata, then coordinates and
     * copied variables, then the results */
    for (size_t i = 0; st == ZS_OK && i < r->ncopy; i++)
        if ((st = zsi_copy_define(w, &r->w, r->copy[i], &copies[na])) == ZS_OK)
            na++;
    if (st == ZS_OK && r->tg.n && !r->o.anomaly)
        st = group_coord_create(r, w, &gc);
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
        st = create_result(r, w, &r->vars[i]);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    for (size_t i = 0; st == ZS_OK && i < na; i++)
        st = zsi_writer_copy(w, r->copy[i], copies[i]);
    if (st == ZS_OK && gc)
        st = group_coord_data(r, gc);
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
        st = reduce_var(r, &r->vars[i],
                        r->o.anomaly ? r->vars[i].out : NULL);
    free(copies);
    free(used);
    return st;
}

zs_status zs_reduce_run(zs_reduction *r, const char *out)
{
    zs_status st = zsi_writer_write(r->ctx, out, &r->w, run, r);
    for (size_t i = 0; i < r->nvars; i++)   /* the writer's, gone */
        r->vars[i].out = NULL;
    return st;
}

/* A copy of the options that the plan keeps: a grouped or binned
 * dimension is the one reduced unless the dimensions were given (and
 * check() then refuses the mismatch). */
static zs_status copy_opts(zs_ctx *ctx, const zs_reduce_opts *o,
                           struct zs_reduce_opts *c)
{
    bool ok;
    *c = *o;
    memset(&c->dims, 0, sizeof c->dims);
    memset(&c->vars, 0, sizeof c->vars);
    c->resample = c->resample_dim = c->group_dim = NULL;
    if (!o->dims_set && (o->resample_dim || o->group_dim))
        ok = zsi_strv_push(&c->dims, o->resample_dim ? o->resample_dim
                                                     : o->group_dim);
    else {
        ok = true;
        for (size_t i = 0; ok && i < o->dims.n; i++)
            ok = zsi_strv_push(&c->dims, o->dims.v[i]);
    }
    for (size_t i = 0; ok && i < o->vars.n; i++)
        ok = zsi_strv_push(&c->vars, o->vars.v[i]);
    ok = ok && (!o->resample || (c->resample = zsi_strdup(o->resample))) &&
         (!o->resample_dim ||
          (c->resample_dim = zsi_strdup(o->resample_dim))) &&
         (!o->group_dim || (c->group_dim = zsi_strdup(o->group_dim)));
    return ok ? ZS_OK : zsi_nomem(ctx);
}

zs_status zs_reduce_plan(zs_dataset *ds, const zs_reduce_opts *o,
                         const zs_write_opts *w, zs_reduction **out)
{
    zs_ctx *ctx = zsi_dataset_ctx(ds);
    zs_reduction *r = calloc(1, sizeof *r);
    zs_status st;
    if (!r)
        return zsi_nomem(ctx);
    r->ctx = ctx;
    r->ds = ds;
    r->memory = zsi_ctx_memory_or(ctx, REDUCE_MEMORY);
    st = copy_opts(ctx, o, &r->o);
    if (st == ZS_OK)
        st = zsi_write_opts_copy(ctx, w, &r->w);
    if (st == ZS_OK)
        st = zsi_reduce_plan(r);
    if (st != ZS_OK) {
        zs_reduce_plan_free(r);
        return st;
    }
    *out = r;
    return ZS_OK;
}

void zs_reduce_plan_free(zs_reduction *r)
{
    if (!r)
        return;
    zsi_reduce_clear(r);
    free(r);
}

zs_status zs_reduce_describe(const zs_reduction *r, zs_line_fn fn,
                             void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = true;
    for (size_t i = 0; ok && i < r->nvars; i++) {
        const rvar *rv = &r->vars[i];
        b.len = 0;
        ok = zsi_buf_printf(&b, "%s: %s over", zs_var_path(rv->v),
                            r->o.op == RD_COUNT ? "count"
                                                : op_name(r->o.op));
        for (int d = 0; ok && d < rv->nd; d++)
            if (rv->red[d])
                ok = zsi_buf_printf(&b, " %s", zs_var_dim_name(rv->v, d));
        ok = ok && zsi_buf_printf(&b, " -> %s (", zs_dtype_name(rv->dtype));
        for (int j = 0; ok && j < rv->ond; j++)
            ok = zsi_buf_printf(&b, "%s%s %llu", j ? ", " : "", rv->odims[j],
                                (unsigned long long)rv->oshape[j]);
        ok = ok && zsi_buf_append_str(&b, ")") && zsi_buf_cstr(&b);
        if (ok)
            fn(user, (char *)b.data);
    }
    for (size_t i = 0; ok && i < r->ncopy; i++) {
        b.len = 0;
        ok = zsi_buf_printf(&b, "%s: copied", zs_var_path(r->copy[i])) &&
             zsi_buf_cstr(&b);
        if (ok)
            fn(user, (char *)b.data);
    }
    zsi_buf_free(&b);
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}
