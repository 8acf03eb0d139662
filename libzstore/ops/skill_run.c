/* skill_run.c - the scores, streamed: for each tile of output points,
 * the sources are read in blocks of whole reference chunks (the reads
 * of a batch of blocks on the thread pool, raw values kept), then every
 * value is decoded (CF packing, fill values) a run of the innermost
 * dimension at a time, small enough to stay in the processor's cache,
 * and added to its point's accumulators (in parallel over parts of the
 * points, each part taking the blocks in order, so that the result does
 * not depend on the number of threads).
 *
 * Accumulators, per point and metric, in double precision:
 *   rmse, mse, mae, me, crps   compensated (Kahan) weighted sums and the
 *                              sum of the weights;
 *   pearson_r, acc (centred)   the weighted means and co-moments of
 *                              Welford's method as West (1979) weights it;
 *   acc (uncentred)            the sums of products;
 *   spearman_r                 every value of the point (ranks need all),
 *                              which bounds the tile.
 * A missing value (forecast, reference, climatology or weight) skips the
 * pair with skipna, and otherwise makes the point's result NaN, as
 * xskillscore's skipna does.  crps sorts the members of each value
 * (O(M log M)): the mean absolute error minus half the mean absolute
 * difference of the members, with M^2 (or M(M-1), fair) pairs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_skill.h"

#define SKILL_MAX_ROWS ((uint64_t)1 << 20)
#define MAX_PARTS 64

typedef struct sbox {
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], st[ZS_MAX_DIMS];
    const zsi_cfdecode *dec;        /* raw values, decoded run by run */
    size_t w;                       /* bytes per raw value */
    uint8_t *raw;
    size_t rcap;
    uint64_t *off[ZS_MAX_DIMS];     /* per logical dim, over the block */
    size_t ocap[ZS_MAX_DIMS];
    bool contig[ZS_MAX_DIMS];       /* off[d][k] == off[d][0] + k */
    uint64_t mstride;
    bool used;
} sbox;

typedef struct sblock {
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];   /* logical, absolute */
    sbox *box;                                  /* nvars x 3 */
} sblock;

typedef struct skacc {
    double *a, *b, *w;                  /* sums, compensation, weights */
    double *ma, *mb, *caa, *cbb, *cab;  /* means and co-moments */
    double *sf, *sr, *sw;               /* spearman: the values */
    uint8_t *bad;
} skacc;

typedef struct srun {
    zs_skill *s;
    uint64_t ts[ZS_MAX_DIMS], tc[ZS_MAX_DIMS];  /* tile, logical dims */
    uint64_t tn;
    uint64_t cstride[ZS_MAX_DIMS];  /* point stride (kept dims) */
    uint64_t rstride[ZS_MAX_DIMS];  /* value stride (reduced dims) */
    uint64_t wmul[ZS_MAX_DIMS];     /* weights stride */
    skacc *acc;                     /* nvars x nmetric */
    sblock *blk;
    size_t nblk, capblk;
    int split;
    uint64_t nparts;
    uint64_t *skipped;              /* per part */
    uint64_t elem_bytes;            /* a block's, per logical value */
    double *mbuf;                   /* per part: members */
    double *rbuf;                   /* per part: 4 runs of rcap values */
    uint64_t rcap;
    zsi_blocks blocks;
} srun;

static size_t nsrc(const zs_skill *s)
{
    return s->tdim >= 0 ? 3 : 2;
}

static sksrc *src_of(zs_skill *s, size_t v, size_t k)
{
    return k == 0 ? &s->vars[v].f : k == 1 ? &s->vars[v].r : &s->vars[v].c;
}

/* ---- reading blocks ----------------------------------------------------- */

static uint64_t map_at(const sksrc *src, int d, uint64_t i)
{
    return src->map[d] ? src->map[d][i] : i;
}

static zs_status grow(zs_ctx *ctx, void **p, size_t *cap, size_t n)
{
    void *q;
    if (n <= *cap)
        return ZS_OK;
    if (!(q = realloc(*p, n)))
        return zsi_nomem(ctx);
    *p = q;
    *cap = n;
    return ZS_OK;
}

/* The box of source src that block b needs, read and decoded. */
static zs_status read_box(zs_skill *s, const sblock *b, sksrc *src,
                          sbox *x)
{
    zs_var *v = src->v;
    uint64_t n = 1;
    zs_status st = ZS_OK;
    for (int j = 0; j < zs_var_ndim(v); j++) {
        x->s[j] = 0;
        x->c[j] = zs_var_shape(v)[j];
    }
    for (int d = 0; d < s->nd; d++) {
        int j = src->sdim[d];
        uint64_t lo = UINT64_MAX, hi = 0;
        if (j < 0)
            continue;
        for (uint64_t i = b->s[d]; i < b->s[d] + b->c[d]; i++) {
            uint64_t m = map_at(src, d, i);
            lo = m < lo ? m : lo;
            hi = m > hi ? m : hi;
        }
        x->s[j] = lo;
        x->c[j] = hi - lo + 1;
    }
    for (int j = zs_var_ndim(v) - 1; j >= 0; j--) {
        x->st[j] = n;
        n *= x->c[j];
    }
    x->mstride = src->member >= 0 ? x->st[src->member] : 0;
    x->dec = &src->dec;
    x->w = zs_var_itemsize(v);
    st = grow(s->ctx, (void **)&x->raw, &x->rcap,
              (size_t)n * zs_var_itemsize(v));
    for (int d = 0; st == ZS_OK && d < s->nd; d++) {
        int j = src->sdim[d];
        if (j < 0)
            continue;
        st = grow(s->ctx, (void **)&x->off[d], &x->ocap[d],
                  (size_t)b->c[d] * 8);
        x->contig[d] = st == ZS_OK;
        for (uint64_t k = 0; st == ZS_OK && k < b->c[d]; k++) {
            x->off[d][k] = x->st[j] * (map_at(src, d, b->s[d] + k) - x->s[j]);
            x->contig[d] = x->contig[d] && x->off[d][k] == x->off[d][0] + k;
        }
    }
    if (st == ZS_OK)
        st = zs_var_read(v, x->s, x->c, x->raw);
    x->used = true;
    return st;
}

static zs_status read_task(void *arg, size_t i)
{
    srun *r = arg;
    zs_skill *s = r->s;
    size_t per = s->nvars * nsrc(s), bi = i / per, rest = i % per;
    size_t v = rest / nsrc(s), k = rest % nsrc(s);
    sblock *b = &r->blk[bi];
    return read_box(s, b, src_of(s, v, k), &b->box[v * 3 + k]);
}

/* ---- accumulating ------------------------------------------------------- */

static inline void kahan(double *s, double *c, double x)
{
    double y = x - *c, t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

static void sort_doubles(double *a, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++) {
        double x = a[i];
        uint64_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return a < b ? -1 : a > b;
}

/* CRPS of the n members in m (sorted here) against y. */
static double crps(double *m, uint64_t n, double y, bool fair)
{
    double e = 0, d = 0, nn = (double)n;
    if (n < 32)
        sort_doubles(m, n);
    else
        qsort(m, (size_t)n, sizeof *m, cmp_double);
    for (uint64_t i = 0; i < n; i++) {
        e += fabs(m[i] - y);
        d += m[i] * (2.0 * (double)i - nn + 1.0);
    }
    if (fair)
        return n < 2 ? NAN : e / nn - d / (nn * (nn - 1.0));
    return e / nn - d / (nn * nn);
}

/* The members of a value: the valid ones in buf, their count; -1 when
 * one is missing and missing values are not skipped. */
static int64_t members(const zs_skill *s, const sbox *f, uint64_t fo,
                       double *buf, uint64_t *skipped)
{
    uint64_t n = 0;
    for (uint64_t m = 0; m < s->members; m++) {
        double x = zsi_cfdecode_value(f->dec, f->raw,
                                      (size_t)(fo + m * f->mstride));
        if (isnan(x)) {
            if (!s->o.skipna)
                return -1;
            (*skipped)++;
            continue;
        }
        buf[n++] = x;
    }
    return (int64_t)n;
}

/* A run: the values of one row of a block along the innermost logical
 * dimension, gathered (or in place when contiguous); value i belongs to
 * point cell + i * cstep and (spearman) position pos + i * pstep. */
typedef struct run {
    const double *f, *r, *c, *w;    /* c, w NULL: 0 and 1 */
    uint64_t n;
    uint64_t cell, cstep, pos, pstep;
} run;

static void add_moments(skacc *a, uint64_t k, double x, double y, double w)
{
    double W = a->w[k] + w, dx, dy;
    if (w == 0)
        return;
    dx = x - a->ma[k];
    a->ma[k] += dx * w / W;
    dy = y - a->mb[k];
    a->mb[k] += dy * w / W;
    a->caa[k] += w * dx * (x - a->ma[k]);
    a->cbb[k] += w * dy * (y - a->mb[k]);
    a->cab[k] += w * dx * (y - a->mb[k]);
    a->w[k] = W;
}

/* The error term of a deterministic metric (crps: the value itself). */
static inline double term(int m, double f, double r)
{
    double d = f - r;
    switch (m) {
    case SK_ME: return d;
    case SK_MAE: return fabs(d);
    case SK_CRPS: return f;
    default: return d * d;
    }
}

/* rmse, mse, mae, me, crps along kept points: a missing pair adds
 * nothing (and marks the point without skipna), written without
 * branches so that the compiler can keep the loop tight. */
static void run_sums_kept(const zs_skill *s, int m, skacc *a, const run *u)
{
    double *as = a->a + u->cell, *ac = a->b + u->cell, *aw = a->w + u->cell;
    uint8_t *bad = a->bad + u->cell, mark = s->o.skipna ? 0 : 1;
    for (uint64_t i = 0; i < u->n; i++) {
        double w = u->w ? u->w[i] : 1.0;
        double x = term(m, u->f[i], m == SK_CRPS ? 0.0 : u->r[i]);
        bool ok = !isnan(x) && !isnan(w) && !isnan(u->r[i]);
        double y = (ok ? w * x : 0.0) - ac[i], t = as[i] + y;
        ac[i] = (t - as[i]) - y;
        as[i] = t;
        aw[i] += ok ? w : 0.0;
        bad[i] |= ok ? 0 : mark;
    }
}

/* The same into one point (the innermost dimension reduced). */
static void run_sums(const zs_skill *s, int m, skacc *a, const run *u)
{
    double ls = 0, lc = 0, lw = 0;
    bool bad = false;
    if (u->cstep == 1) {
        run_sums_kept(s, m, a, u);
        return;
    }
    for (uint64_t i = 0; i < u->n; i++) {
        double w = u->w ? u->w[i] : 1.0;
        double x = term(m, u->f[i], m == SK_CRPS ? 0.0 : u->r[i]);
        if (isnan(x) || isnan(w) || isnan(u->r[i])) {
            bad = bad || !s->o.skipna;
            continue;
        }
        kahan(&ls, &lc, w * x);
        lw += w;
    }
    kahan(&a->a[u->cell], &a->b[u->cell], ls - lc);
    a->w[u->cell] += lw;
    if (bad)
        a->bad[u->cell] = 1;
}

/* pearson_r, acc: co-moments; the uncentred acc: sums of products. */
static void run_moments(const zs_skill *s, int m, skacc *a, const run *u)
{
    for (uint64_t i = 0; i < u->n; i++) {
        double c = u->c ? u->c[i] : 0.0, w = u->w ? u->w[i] : 1.0;
        double x = u->f[i] - (m == SK_ACC ? c : 0.0);
        double y = u->r[i] - (m == SK_ACC ? c : 0.0);
        uint64_t k = u->cell + i * u->cstep;
        if (isnan(x) || isnan(y) || isnan(w)) {
            if (!s->o.skipna)
                a->bad[k] = 1;
            continue;
        }
        if (m == SK_ACC && !s->o.centred) {
            a->caa[k] += w * x * x;
            a->cbb[k] += w * y * y;
            a->cab[k] += w * x * y;
            a->w[k] += w;
        } else {
            add_moments(a, k, x, y, w);
        }
    }
}

static void run_series(const zs_skill *s, skacc *a, const run *u)
{
    for (uint64_t i = 0; i < u->n; i++) {
        uint64_t at = (u->cell + i * u->cstep) * s->nred + u->pos +
                      i * u->pstep;
        a->sf[at] = u->f[i];
        a->sr[at] = u->r[i];
        a->sw[at] = u->w ? u->w[i] : 1.0;
    }
}

/* Values of a source along the run: in place when its offsets are
 * consecutive, else gathered into buf. */
static const double *run_values(const sbox *x, int d, uint64_t base,
                                uint64_t k0, uint64_t n, double *buf)
{
    const uint64_t *off = x->off[d];
    if (x->contig[d]) {
        zsi_cfdecode_row(x->dec, x->raw + (base + off[k0]) * x->w,
                         (size_t)n, buf);
        return buf;
    }
    for (uint64_t i = 0; i < n; i++)
        buf[i] = zsi_cfdecode_value(x->dec, x->raw,
                                    (size_t)(base + off[k0 + i]));
    return buf;
}

/* crps of each value of the run into buf (NaN where it has none). */
static void run_crps(srun *r, const sbox *fb, uint64_t fo, uint64_t k0,
                     run *u, double *buf, size_t part)
{
    zs_skill *s = r->s;
    double *mb = r->mbuf + part * s->members;
    int last = s->nd - 1;
    for (uint64_t i = 0; i < u->n; i++) {
        uint64_t o = fo + fb->off[last][k0 + i];
        int64_t n = isnan(u->r[i]) ? 0
                    : members(s, fb, o, mb, &r->skipped[part]);
        buf[i] = n > 0 ? crps(mb, (uint64_t)n, u->r[i], s->o.fair) : NAN;
    }
    u->f = buf;
}

/* Offsets of the first logical dims at idx (all but the last): of the
 * forecast, reference and climatology boxes, the weights, the point and
 * the position among the reduced values. */
static void base_offsets(const srun *r, const sblock *b, size_t v,
                         const uint64_t *idx, uint64_t *o)
{
    zs_skill *s = r->s;
    memset(o, 0, 6 * sizeof *o);
    for (int d = 0; d < s->nd - 1; d++) {
        uint64_t k = idx[d] - b->s[d];
        for (size_t j = 0; j < nsrc(s); j++) {
            const sbox *x = &b->box[v * 3 + j];
            if (src_of(s, v, j)->sdim[d] >= 0)
                o[j] += x->off[d][k];
        }
        o[3] += r->wmul[d] * idx[d];
        o[4] += r->cstride[d] * (idx[d] - r->ts[d]);
        o[5] += r->rstride[d] * idx[d];
    }
}

/* Every value of variable v in block b whose point lies in [p0, p1) of
 * the split dimension, run by run. */
static void add_block(srun *r, const sblock *b, size_t v, uint64_t p0,
                      uint64_t p1, size_t part)
{
    zs_skill *s = r->s;
    const sbox *fb = &b->box[v * 3], *rb = &b->box[v * 3 + 1];
    const sbox *cb = nsrc(s) == 3 ? &b->box[v * 3 + 2] : NULL;
    uint64_t lo[ZS_MAX_DIMS], hi[ZS_MAX_DIMS], idx[ZS_MAX_DIMS], o[6];
    int last = s->nd - 1;
    double *buf = r->rbuf + part * 4 * r->rcap;
    for (int d = 0; d < s->nd; d++) {
        lo[d] = b->s[d];
        hi[d] = b->s[d] + b->c[d];
        if (d == r->split) {
            lo[d] = lo[d] > p0 ? lo[d] : p0;
            hi[d] = hi[d] < p1 ? hi[d] : p1;
            if (lo[d] >= hi[d])
                return;
        }
        idx[d] = lo[d];
    }
    for (;;) {
        uint64_t k0 = lo[last] - b->s[last];
        run u;
        base_offsets(r, b, v, idx, o);
        u.n = hi[last] - lo[last];
        u.r = run_values(rb, last, o[1], k0, u.n, buf + r->rcap);
        u.c = NULL;
        if (cb && src_of(s, v, 2)->sdim[last] >= 0)
            u.c = run_values(cb, last, o[2], k0, u.n, buf + 2 * r->rcap);
        else if (cb) {                  /* the same along the run */
            for (uint64_t i = 0; i < u.n; i++)
                buf[2 * r->rcap + i] =
                    zsi_cfdecode_value(cb->dec, cb->raw, (size_t)o[2]);
            u.c = buf + 2 * r->rcap;
        }
        u.w = NULL;
        if (s->wt) {
            for (uint64_t i = 0; i < u.n; i++)
                buf[3 * r->rcap + i] =
                    s->wt[o[3] + r->wmul[last] * (lo[last] + i)];
            u.w = buf + 3 * r->rcap;
        }
        u.cell = o[4] + r->cstride[last] * (lo[last] - r->ts[last]);
        u.cstep = r->cstride[last];
        u.pos = o[5] + r->rstride[last] * lo[last];
        u.pstep = r->rstride[last];
        if (s->members)
            run_crps(r, fb, o[0], k0, &u, buf, part);
        else
            u.f = run_values(fb, last, o[0], k0, u.n, buf);
        for (int m = 0; m < s->o.nmetric; m++) {
            int mm = s->o.metric[m];
            skacc *a = &r->acc[v * (size_t)s->o.nmetric + (size_t)m];
            if (mm == SK_SPEARMAN)
                run_series(s, a, &u);
            else if (mm == SK_PEARSON || mm == SK_ACC)
                run_moments(s, mm, a, &u);
            else
                run_sums(s, mm, a, &u);
        }
        int d = last - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < hi[d])
                break;
            idx[d] = lo[d];
        }
        if (d < 0)
            break;
    }
}

static zs_status add_task(void *arg, size_t p)
{
    srun *r = arg;
    uint64_t p0 = 0, p1 = 1;
    if (r->split >= 0) {
        uint64_t n = r->tc[r->split];
        p0 = r->ts[r->split] + n * p / r->nparts;
        p1 = r->ts[r->split] + n * (p + 1) / r->nparts;
    }
    for (size_t i = 0; i < r->nblk; i++)
        for (size_t v = 0; v < r->s->nvars; v++)
            add_block(r, &r->blk[i], v, p0, p1, p);
    return ZS_OK;
}

/* ---- results ------------------------------------------------------------ */

typedef struct ranked {
    double v;
    uint64_t i;
} ranked;

static int cmp_ranked(const void *p, const void *q)
{
    double a = ((const ranked *)p)->v, b = ((const ranked *)q)->v;
    return a < b ? -1 : a > b;
}

/* Average ranks (1-based, ties sharing the mean of theirs, as scipy's
 * rankdata) of x at the n positions ix, into out[ix[j]]. */
static void ranks(const double *x, const uint64_t *ix, uint64_t n,
                  double *out, ranked *tmp)
{
    for (uint64_t j = 0; j < n; j++)
        tmp[j] = (ranked){x[ix[j]], ix[j]};
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_ranked);
    for (uint64_t i = 0; i < n;) {
        uint64_t j = i + 1;
        while (j < n && tmp[j].v == tmp[i].v)
            j++;
        for (uint64_t k = i; k < j; k++)
            out[tmp[k].i] = (double)(i + j + 1) / 2.0;
        i = j;
    }
}

static double clip(double r)
{
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

/* Spearman's rho of one point: ranks of the pairs present, then the
 * weighted Pearson correlation of the ranks (terms with a missing
 * weight left out). */
static double spearman(const zs_skill *s, const skacc *a, uint64_t k,
                       uint64_t *ix, ranked *tmp, double *ra, double *rb)
{
    const double *f = a->sf + k * s->nred, *r = a->sr + k * s->nred;
    const double *w = a->sw + k * s->nred;
    uint64_t n = 0;
    double W = 0, ma = 0, mb = 0, cab = 0, caa = 0, cbb = 0;
    for (uint64_t i = 0; i < s->nred; i++) {
        bool miss = isnan(f[i]) || isnan(r[i]);
        if ((miss || isnan(w[i])) && !s->o.skipna)
            return NAN;
        if (!miss)
            ix[n++] = i;
    }
    ranks(f, ix, n, ra, tmp);
    ranks(r, ix, n, rb, tmp);
    for (uint64_t j = 0; j < n; j++)
        if (!isnan(w[ix[j]])) {
            W += w[ix[j]];
            ma += w[ix[j]] * ra[ix[j]];
            mb += w[ix[j]] * rb[ix[j]];
        }
    ma /= W;
    mb /= W;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t i = ix[j];
        if (isnan(w[i]))
            continue;
        cab += w[i] * (ra[i] - ma) * (rb[i] - mb);
        caa += w[i] * (ra[i] - ma) * (ra[i] - ma);
        cbb += w[i] * (rb[i] - mb) * (rb[i] - mb);
    }
    return clip(cab / sqrt(caa * cbb));
}

static double result(int m, const skacc *a, uint64_t k)
{
    double W = a->w[k];
    if (a->bad[k] || !(W > 0))
        return NAN;
    switch (m) {
    case SK_RMSE: return sqrt(a->a[k] / W);
    case SK_PEARSON: return clip(a->cab[k] / sqrt(a->caa[k] * a->cbb[k]));
    case SK_ACC: return clip(a->cab[k] / sqrt(a->caa[k] * a->cbb[k]));
    default: return a->a[k] / W;
    }
}

typedef struct finjob {
    srun *r;
    double *out;             /* nvars x nmetric x tn */
    uint64_t nparts;
} finjob;

static zs_status finish_task(void *arg, size_t p)
{
    finjob *j = arg;
    srun *r = j->r;
    zs_skill *s = r->s;
    uint64_t k0 = r->tn * p / j->nparts, k1 = r->tn * (p + 1) / j->nparts;
    uint64_t *ix = NULL;
    ranked *tmp = NULL;
    double *ra = NULL, *rb = NULL;
    zs_status st = ZS_OK;
    for (size_t v = 0; st == ZS_OK && v < s->nvars; v++)
        for (int mi = 0; st == ZS_OK && mi < s->o.nmetric; mi++) {
            int m = s->o.metric[mi];
            const skacc *a = &r->acc[v * (size_t)s->o.nmetric + (size_t)mi];
            double *out = j->out + (v * (size_t)s->o.nmetric + (size_t)mi) *
                                       r->tn;
            if (m == SK_SPEARMAN && !ix) {
                size_t n = (size_t)s->nred + 1;
                ix = malloc(n * sizeof *ix);
                tmp = malloc(n * sizeof *tmp);
                ra = malloc(n * sizeof *ra);
                rb = malloc(n * sizeof *rb);
                if (!ix || !tmp || !ra || !rb)
                    st = zsi_nomem(s->ctx);
            }
            for (uint64_t k = k0; st == ZS_OK && k < k1; k++)
                out[k] = m == SK_SPEARMAN ? spearman(s, a, k, ix, tmp, ra, rb)
                                          : result(m, a, k);
        }
    free(ix);
    free(tmp);
    free(ra);
    free(rb);
    return st;
}

/* ---- tiles -------------------------------------------------------------- */

static void acc_free(srun *r)
{
    size_t n = r->s->nvars * (size_t)r->s->o.nmetric;
    for (size_t i = 0; r->acc && i < n; i++) {
        skacc *a = &r->acc[i];
        free(a->a);
        free(a->b);
        free(a->w);
        free(a->ma);
        free(a->mb);
        free(a->caa);
        free(a->cbb);
        free(a->cab);
        free(a->sf);
        free(a->sr);
        free(a->sw);
        free(a->bad);
    }
    free(r->acc);
    r->acc = NULL;
}

static double *zeros(uint64_t n)
{
    return calloc((size_t)(n ? n : 1), sizeof(double));
}

static zs_status acc_new(srun *r)
{
    zs_skill *s = r->s;
    size_t n = s->nvars * (size_t)s->o.nmetric;
    uint64_t tn = r->tn;
    bool ok = (r->acc = calloc(n, sizeof *r->acc)) != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        skacc *a = &r->acc[i];
        int m = s->o.metric[i % (size_t)s->o.nmetric];
        a->bad = calloc((size_t)(tn ? tn : 1), 1);
        a->w = zeros(tn);
        ok = a->bad && a->w;
        if (m == SK_PEARSON || m == SK_ACC)
            ok = ok && (a->ma = zeros(tn)) && (a->mb = zeros(tn)) &&
                 (a->caa = zeros(tn)) && (a->cbb = zeros(tn)) &&
                 (a->cab = zeros(tn));
        else if (m == SK_SPEARMAN)
            ok = ok && (a->sf = zeros(tn * s->nred)) &&
                 (a->sr = zeros(tn * s->nred)) &&
                 (a->sw = zeros(tn * s->nred));
        else
            ok = ok && (a->a = zeros(tn)) && (a->b = zeros(tn));
    }
    return ok ? ZS_OK : zsi_nomem(s->ctx);
}

/* Strides of a tile: points (kept dims), values (reduced dims), weights
 * (the weights' dims); the split of the adding. */
static void tile_strides(srun *r)
{
    zs_skill *s = r->s;
    uint64_t cs = 1, rs = 1;
    for (int d = s->nd - 1; d >= 0; d--) {
        r->cstride[d] = s->dims[d].red ? 0 : cs;
        r->rstride[d] = s->dims[d].red ? rs : 0;
        if (s->dims[d].red)
            rs *= s->dims[d].n;
        else
            cs *= r->tc[d];
        r->wmul[d] = 0;
    }
    for (int j = 0; j < s->nwd; j++)
        r->wmul[s->wdims[j]] = s->wstride[j];
    r->split = -1;
    for (int d = 0; d < s->nd && r->split < 0; d++)
        if (!s->dims[d].red && r->tc[d] >= 2)
            r->split = d;
    r->nparts = r->split < 0 ? 1 : r->tc[r->split] < MAX_PARTS
                                       ? r->tc[r->split] : MAX_PARTS;
}

/* The logical shape of the tile and its blocks: whole reference chunks,
 * a few per thread within the block budget. */
static zs_status plan_blocks(srun *r)
{
    zs_skill *s = r->s;
    uint64_t shape[ZS_MAX_DIMS], unit[ZS_MAX_DIMS], per = 0;
    for (int d = 0; d < s->nd; d++) {
        shape[d] = r->tc[d];
        unit[d] = s->dims[d].chunk ? s->dims[d].chunk : 1;
    }
    for (size_t v = 0; v < s->nvars; v++)
        per +=
            zs_var_itemsize(s->vars[v].f.v) * (s->members ? s->members : 1) +
            zs_var_itemsize(s->vars[v].r.v) * (nsrc(s) == 3 ? 2 : 1);
    r->elem_bytes = per;
    if (!zsi_blocks_plan(&r->blocks, s->nd, shape, unit, (size_t)per,
                         (size_t)(s->block_budget /
                                  (2 * (uint64_t)zs_ctx_threads(s->ctx))),
                         0))
        return zsi_err(s->ctx, ZS_ERR_OVERFLOW, "too many blocks");
    return ZS_OK;
}

static zs_status run_batch(srun *r)
{
    zs_skill *s = r->s;
    zs_status st = zsi_parallel_for(s->ctx, r->nblk * s->nvars * nsrc(s),
                                    read_task, r);
    if (st == ZS_OK)
        st = zsi_parallel_for(s->ctx, (size_t)r->nparts, add_task, r);
    return st;
}

/* Progress: thousandths of each tile. */
static zs_status stream_tile(srun *r, uint64_t u)
{
    zs_skill *s = r->s;
    size_t batch = 2 * (size_t)zs_ctx_threads(s->ctx);
    zs_status st = plan_blocks(r);
    /* a batch of blocks within the budget (one block at least) */
    uint64_t bb = zsi_blocks_max_elems(&r->blocks) * r->elem_bytes;
    if (bb && s->block_budget / bb < batch)
        batch = s->block_budget / bb ? (size_t)(s->block_budget / bb) : 1;
    for (uint64_t i = 0; st == ZS_OK && i < r->blocks.n; i++) {
        sblock *b;
        uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS];
        if (r->nblk == r->capblk) {
            sblock *nb = realloc(r->blk, (r->capblk + 1) * sizeof *nb);
            if (!nb)
                return zsi_nomem(s->ctx);
            r->blk = nb;
            b = &r->blk[r->capblk++];
            memset(b, 0, sizeof *b);
            if (!(b->box = calloc(s->nvars * 3, sizeof *b->box)))
                return zsi_nomem(s->ctx);
        }
        b = &r->blk[r->nblk++];
        zsi_blocks_box(&r->blocks, i, bs, bc);
        for (int d = 0; d < s->nd; d++) {
            b->s[d] = r->ts[d] + bs[d];
            b->c[d] = bc[d];
        }
        if (r->nblk == batch || i + 1 == r->blocks.n) {
            st = run_batch(r);
            r->nblk = 0;
        }
        if (st == ZS_OK)
            st = zsi_progress(s->ctx, u * 1000 + (i + 1) * 1000 /
                                                 r->blocks.n,
                              s->tiles.n * 1000);
    }
    return st;
}

static void blocks_free(srun *r)
{
    for (size_t i = 0; i < r->capblk; i++) {
        for (size_t k = 0; r->blk[i].box && k < r->s->nvars * 3; k++) {
            sbox *x = &r->blk[i].box[k];
            free(x->raw);
            for (int d = 0; d < ZS_MAX_DIMS; d++)
                free(x->off[d]);
        }
        free(r->blk[i].box);
    }
    free(r->blk);
}

/* What becomes of a tile's results: written to the arrays, or kept. */
typedef zs_status (*sink_fn)(zs_skill *s, const srun *r, const double *out);

static zs_status score_tile(srun *r, uint64_t u, sink_fn sink)
{
    zs_skill *s = r->s;
    uint64_t ks[ZS_MAX_DIMS], kc[ZS_MAX_DIMS];
    finjob fj;
    zs_status st;
    zsi_blocks_box(&s->tiles, u, ks, kc);
    for (int d = 0, j = 0; d < s->nd; d++) {
        r->ts[d] = s->dims[d].red ? 0 : ks[j];
        r->tc[d] = s->dims[d].red ? s->dims[d].n : kc[j];
        j += !s->dims[d].red;
    }
    zsi_prod_ok(kc, s->nk, &r->tn);
    tile_strides(r);
    st = acc_new(r);
    if (st == ZS_OK && r->tc[s->nd - 1] > r->rcap) {
        double *nb = realloc(r->rbuf, (size_t)(MAX_PARTS * 4 *
                                               r->tc[s->nd - 1]) * 8);
        if (!nb)
            st = zsi_nomem(s->ctx);
        else {
            r->rbuf = nb;
            r->rcap = r->tc[s->nd - 1];
        }
    }
    if (st == ZS_OK)
        st = stream_tile(r, u);
    fj.r = r;
    fj.nparts = r->tn < MAX_PARTS ? (r->tn ? r->tn : 1) : MAX_PARTS;
    fj.out = st == ZS_OK ? malloc((size_t)(r->tn * s->nvars *
                                           (uint64_t)s->o.nmetric) * 8 + 8)
                         : NULL;
    if (st == ZS_OK && !fj.out)
        st = zsi_nomem(s->ctx);
    if (st == ZS_OK)
        st = zsi_parallel_for(s->ctx, (size_t)fj.nparts, finish_task, &fj);
    if (st == ZS_OK)
        st = sink(s, r, fj.out);
    free(fj.out);
    acc_free(r);
    return st;
}

static zs_status score(zs_skill *s, sink_fn sink)
{
    srun r;
    size_t cache = zsi_ctx_cache_bytes(s->ctx);
    zs_status st = ZS_OK;
    memset(&r, 0, sizeof r);
    r.s = s;
    s->skipped_members = 0;
    if (!(r.skipped = calloc(MAX_PARTS, sizeof *r.skipped)) ||
        !(r.mbuf = calloc(MAX_PARTS * (size_t)(s->members ? s->members : 1),
                          sizeof *r.mbuf)))
        st = zsi_nomem(s->ctx);
    zs_ctx_set_cache_bytes(s->ctx, (size_t)s->cache);
    for (uint64_t u = 0; st == ZS_OK && u < s->tiles.n; u++)
        st = score_tile(&r, u, sink);
    for (int p = 0; p < MAX_PARTS && r.skipped; p++)
        s->skipped_members += r.skipped[p];
    if (st == ZS_OK && s->skipped_members)
        zsi_log(s->ctx, ZS_LOG_WARN, "crps: %llu missing members skipped",
                (unsigned long long)s->skipped_members);
    blocks_free(&r);
    free(r.skipped);
    free(r.mbuf);
    free(r.rbuf);
    zs_ctx_set_cache_bytes(s->ctx, cache);
    return st;
}

/* ---- the store ---------------------------------------------------------- */

static char *result_name(const zs_skill *s, size_t v, int mi)
{
    const char *n = zs_var_name(s->vars[v].r.v);
    return s->o.nmetric > 1
               ? zsi_asprintf("%s_%s", n, zsi_skill_name(s->o.metric[mi]))
               : zsi_strdup(n);
}

static zs_status sink_store(zs_skill *s, const srun *r, const double *out)
{
    uint64_t ks[ZS_MAX_DIMS], kc[ZS_MAX_DIMS];
    zs_status st = ZS_OK;
    for (int j = 0; j < s->nk; j++) {
        ks[j] = r->ts[s->kept[j]];
        kc[j] = r->tc[s->kept[j]];
    }
    for (size_t v = 0; st == ZS_OK && v < s->nvars; v++)
        for (int mi = 0; st == ZS_OK && mi < s->o.nmetric; mi++)
            st = zs_array_write(s->vars[v].out[mi], ks, kc,
                                out + (v * (size_t)s->o.nmetric +
                                       (size_t)mi) * r->tn);
    return st;
}

static const char *long_name(int m)
{
    static const char *const n[SK_N] = {
        "root mean square error", "mean absolute error",
        "mean square error", "mean error (forecast minus reference)",
        "Pearson correlation", "Spearman rank correlation",
        "anomaly correlation", "continuous ranked probability score"};
    return n[m];
}

static zs_status result_attrs(zs_skill *s, size_t v, int m, zs_attrs **out)
{
    const zs_var *r = s->vars[v].r.v;
    const char *u = zsi_attrs_text(zs_var_attrs(r), "units");
    zsi_buf t = ZSI_BUF_INIT;
    bool ok = zsi_attrs_new(out) == ZS_OK &&
              zsi_buf_printf(&t, "%s of %s", long_name(m), zs_var_name(r)) &&
              zsi_attrs_set(*out, "long_name", ZS_DT_STRING, t.data, t.len);
    t.len = 0;
    if (ok && (m == SK_PEARSON || m == SK_SPEARMAN || m == SK_ACC))
        ok = zsi_buf_append_str(&t, "1");
    else if (ok && u && m == SK_MSE)
        ok = zsi_buf_printf(&t, "(%s)^2", u);
    else if (ok && u)
        ok = zsi_buf_append_str(&t, u);
    if (ok && t.len)
        ok = zsi_attrs_set(*out, "units", ZS_DT_STRING, t.data, t.len);
    t.len = 0;
    ok = ok && zsi_buf_printf(&t, "zskill %s over", zsi_skill_name(m));
    for (int d = 0; ok && d < s->nd; d++)
        if (s->dims[d].red)
            ok = zsi_buf_printf(&t, " %s", s->dims[d].name);
    ok = ok && zsi_buf_printf(&t, "; weights: %s; missing values %s",
                              s->o.weights ? s->o.weights : "none",
                              s->o.skipna ? "skipped" : "propagated");
    if (ok && m == SK_CRPS)
        ok = zsi_buf_printf(&t, "; %llu members%s",
                            (unsigned long long)s->members,
                            s->o.fair ? ", fair (Ferro 2014)" : "");
    if (ok && m == SK_ACC)
        ok = zsi_buf_printf(&t, "; %s, climatology by %s",
                            s->o.centred ? "centred" : "uncentred",
                            s->o.groupby);
    ok = ok && zsi_attrs_set(*out, "comment", ZS_DT_STRING, t.data, t.len);
    zsi_buf_free(&t);
    return ok ? ZS_OK : zsi_nomem(s->ctx);
}

static zs_status define_results(zs_skill *s, zsi_writer *w)
{
    const char *dims[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];
    uint8_t fill[8];
    zs_status st = ZS_OK;
    zsi_store_double(ZS_DT_FLOAT64, fill, 0, NAN);
    for (int j = 0; j < s->nk; j++) {
        const skdim *k = &s->dims[s->kept[j]];
        dims[j] = k->name;
        chunks[j] = k->chunk && k->chunk < s->kshape[j] ? k->chunk
                    : s->kshape[j] ? s->kshape[j] : 1;
    }
    zsi_write_chunks(&s->w, s->nk, dims, s->kshape, 8, chunks);
    for (size_t v = 0; st == ZS_OK && v < s->nvars; v++)
        for (int mi = 0; st == ZS_OK && mi < s->o.nmetric; mi++) {
            zs_attrs *at = NULL;
            char *name = result_name(s, v, mi);
            zsi_array_def d;
            st = name ? result_attrs(s, v, s->o.metric[mi], &at)
                      : zsi_nomem(s->ctx);
            d = (zsi_array_def){name, s->nk, s->kshape, chunks, dims,
                                ZS_DT_FLOAT64, 8, fill, at, NULL, 0, false};
            if (st == ZS_OK)
                st = zsi_writer_add_array(w, &d, &s->vars[v].out[mi]);
            zsi_attrs_free(at);
            free(name);
        }
    return st;
}

/* The coordinate of a kept dimension: the reference's, at the aligned
 * labels. */
static zs_status coord_create(zs_skill *s, zsi_writer *w, int d,
                              zs_array **out)
{
    const skdim *k = &s->dims[d];
    zs_var *c = zs_group_find_var(zs_dataset_root(s->rds), k->name);
    uint64_t shape[1] = {k->n}, ch[1] = {k->n ? k->n : 1};
    zsi_array_def def;
    *out = NULL;
    if (!c || zs_var_ndim(c) != 1 || !zsi_dtype_is_numeric(zs_var_dtype(c)))
        return ZS_OK;
    def = (zsi_array_def){zs_var_path(c), 1, shape, ch, zsi_var_dims(c),
                          zs_var_dtype(c), zsi_var_stored_itemsize(c),
                          zsi_var_fill_bytes(c), zs_var_attrs(c), NULL, 0,
                          false};
    return zsi_writer_add_array(w, &def, out);
}

static zs_status coord_write(zs_skill *s, int d, zs_array *a)
{
    const skdim *k = &s->dims[d];
    zs_var *c = zs_group_find_var(zs_dataset_root(s->rds), k->name);
    uint64_t start = 0, n = zs_var_shape(c)[0], zero = 0;
    size_t w = zs_var_itemsize(c);
    uint8_t *raw = malloc((size_t)(n + 1) * w);
    uint8_t *out = malloc((size_t)(k->n + 1) * w);
    zs_status st = raw && out ? zs_var_read(c, &start, &n, raw)
                              : zsi_nomem(s->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < k->n; i++)
        memcpy(out + i * w, raw + (k->ri ? k->ri[i] : i) * w, w);
    n = k->n;
    if (st == ZS_OK)
        st = zs_array_write(a, &zero, &n, out);
    free(raw);
    free(out);
    return st;
}

static zs_status run_store(zs_skill *s, zsi_writer *w)
{
    zs_array *coords[ZS_MAX_DIMS] = {NULL};
    zs_status st =
        zsi_writer_add_group(w, "", zs_group_attrs(zs_dataset_root(s->rds)));
    for (int j = 0; st == ZS_OK && j < s->nk; j++)
        st = coord_create(s, w, s->kept[j], &coords[j]);
    if (st == ZS_OK)
        st = define_results(s, w);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    for (int j = 0; st == ZS_OK && j < s->nk; j++)
        if (coords[j])
            st = coord_write(s, s->kept[j], coords[j]);
    if (st == ZS_OK)
        st = score(s, sink_store);
    return st;
}

zs_status zs_skill_run(zs_skill *s, const char *out)
{
    zsi_writer *w = NULL;
    zs_status st = zsi_writer_open(s->ctx, out, &s->w, &w);
    if (st == ZS_OK)
        st = run_store(s, w);
    st = zsi_writer_end(w, st);
    for (size_t v = 0; v < s->nvars; v++)
        memset(s->vars[v].out, 0, sizeof s->vars[v].out);
    return st;
}

/* ---- CSV and tables ----------------------------------------------------- */

/* Results kept in memory: nvars x nmetric x ncells, point order. */
static zs_status sink_memory(zs_skill *s, const srun *r, const double *out)
{
    uint64_t idx[ZS_MAX_DIMS] = {0};
    size_t nres = s->nvars * (size_t)s->o.nmetric;
    for (uint64_t k = 0; k < r->tn; k++) {
        uint64_t g = 0;
        for (int j = 0; j < s->nk; j++)
            g = g * s->kshape[j] + r->ts[s->kept[j]] + idx[j];
        for (size_t i = 0; i < nres; i++)
            s->results[i * s->ncells + g] = out[i * r->tn + k];
        for (int j = s->nk - 1; j >= 0; j--) {
            if (++idx[j] < r->tc[s->kept[j]])
                break;
            idx[j] = 0;
        }
    }
    return ZS_OK;
}

static bool put_cell(zsi_buf *b, bool csv, int width, bool first,
                     const char *text)
{
    if (csv)
        return (first || zsi_buf_append(b, ",", 1)) &&
               zsi_buf_append_str(b, text);
    return zsi_buf_printf(b, "%s%*s", first ? "" : "  ", width, text);
}

static zs_status emit_header(zs_skill *s, bool csv, zs_line_fn fn,
                             void *user, zsi_buf *b)
{
    bool ok = true;
    for (int j = 0; ok && j < s->nk; j++)
        ok = put_cell(b, csv, 19, j == 0, s->dims[s->kept[j]].name);
    for (size_t v = 0; ok && v < s->nvars; v++)
        for (int mi = 0; ok && mi < s->o.nmetric; mi++) {
            char *n = result_name(s, v, mi);
            ok = n && put_cell(b, csv, 22, s->nk == 0 && v == 0 && mi == 0,
                               n);
            free(n);
        }
    if (!ok || !zsi_buf_cstr(b))
        return zsi_nomem(s->ctx);
    fn(user, (char *)b->data);
    return ZS_OK;
}

static zs_status emit(zs_skill *s, bool csv, zs_line_fn fn, void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t idx[ZS_MAX_DIMS] = {0};
    size_t nres = s->nvars * (size_t)s->o.nmetric;
    char text[64];
    zs_status st = emit_header(s, csv, fn, user, &b);
    for (uint64_t k = 0; st == ZS_OK && k < s->ncells; k++) {
        bool ok = true;
        b.len = 0;
        for (int j = 0; ok && j < s->nk; j++) {
            const skdim *d = &s->dims[s->kept[j]];
            zsi_labels_format(&d->lab, d->ri ? d->ri[idx[j]] : idx[j], text,
                              sizeof text);
            if (!d->lab.v)
                snprintf(text, sizeof text, "%llu",
                         (unsigned long long)idx[j]);
            ok = put_cell(&b, csv, 19, j == 0, text);
        }
        for (size_t i = 0; ok && i < nres; i++) {
            double x = s->results[i * s->ncells + k];
            if (isnan(x))
                snprintf(text, sizeof text, "%s", csv ? "" : "NaN");
            else
                zsi_fmt_double(x, text, sizeof text);
            ok = put_cell(&b, csv, 22, s->nk == 0 && i == 0, text);
        }
        if (!ok || !zsi_buf_cstr(&b)) {
            st = zsi_nomem(s->ctx);
            break;
        }
        fn(user, (char *)b.data);
        for (int j = s->nk - 1; j >= 0; j--) {
            if (++idx[j] < s->kshape[j])
                break;
            idx[j] = 0;
        }
    }
    zsi_buf_free(&b);
    return st;
}

static zs_status table(zs_skill *s, bool csv, zs_line_fn fn, void *user)
{
    size_t nres = s->nvars * (size_t)s->o.nmetric;
    zs_status st;
    if (s->ncells > SKILL_MAX_ROWS)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "the scores have %llu points, "
                       "too many to print: write a store instead",
                       (unsigned long long)s->ncells);
    free(s->results);
    s->results = malloc((size_t)(s->ncells * nres) * sizeof(double) + 8);
    if (!s->results)
        return zsi_nomem(s->ctx);
    st = score(s, sink_memory);
    if (st == ZS_OK)
        st = emit(s, csv, fn, user);
    return st;
}

zs_status zs_skill_csv(zs_skill *s, zs_line_fn fn, void *user)
{
    return table(s, true, fn, user);
}

zs_status zs_skill_print(zs_skill *s, zs_line_fn fn, void *user)
{
    return table(s, false, fn, user);
}
