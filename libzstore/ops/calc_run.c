/* calc_run.c - a zcalc run: each result streamed in boxes aligned to its
 * output chunks (or shards).  For a box, every operand is read over the
 * part it covers (through the join's label maps), decoded (packing,
 * _FillValue and missing_value to NaN) and broadcast by dimension name to
 * the box; then the program runs over tiles of the box on the thread
 * pool, one loop per instruction, and the box is written.  Memory: the
 * operands' buffers of one box, bounded by the context's memory. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_calc.h"

/* Values per tile: the stack of a tile stays in the L1 and L2 caches. */
#define TILE 2048
/* The memory of a box when the context sets none. */
#define BOX_DEFAULT ((uint64_t)256 << 20)

/* ---- operands ----------------------------------------------------------- */

/* An operand's place in a box: per dimension of the result, the stride
 * in the source values (0: not the operand's) and the source index of
 * each position. */
typedef struct spread {
    uint64_t gs[ZS_MAX_DIMS];
    uint64_t *idx[ZS_MAX_DIMS];
    bool contig;                 /* the last dimension runs 0, 1, 2, ... */
} spread;

/* Broadcast src to the box (counts cnt over nd dimensions) into dst. */
static void gather(const double *src, int nd, const uint64_t *cnt,
                   const spread *sp, double *dst)
{
    uint64_t pos[ZS_MAX_DIMS] = {0}, inner = cnt[nd - 1], rows = 1;
    uint64_t g = sp->gs[nd - 1];
    const uint64_t *ix = sp->idx[nd - 1];
    for (int d = 0; d < nd - 1; d++)
        rows *= cnt[d];
    for (uint64_t r = 0; r < rows; r++) {
        const double *s = src;
        double *o = dst + r * inner;
        for (int d = 0; d < nd - 1; d++)
            s += sp->idx[d][pos[d]] * sp->gs[d];
        if (g == 0)
            for (uint64_t i = 0; i < inner; i++)
                o[i] = s[0];
        else if (sp->contig && g == 1)
            memcpy(o, s + ix[0], (size_t)inner * sizeof *o);
        else
            for (uint64_t i = 0; i < inner; i++)
                o[i] = s[ix[i] * g];
        for (int d = nd - 2; d >= 0; d--) {
            if (++pos[d] < cnt[d])
                break;
            pos[d] = 0;
        }
    }
}

/* The position of plan dimension dim in the result, or -1. */
static int out_pos(const calc_out *o, int dim)
{
    for (int d = 0; d < o->ndim; d++)
        if (o->dim[d] == dim)
            return d;
    return -1;
}

/* The source box of leaf l for the result box (s, n), and how its values
 * spread over the box.  idx holds the index lists (the box's lengths). */
static void plan_spread(const zs_calc *c, const calc_out *o,
                        const calc_leaf *l, const uint64_t *s,
                        const uint64_t *n, uint64_t *idx, uint64_t *lo,
                        uint64_t *cnt, spread *sp)
{
    uint64_t stride = 1, off = 0;
    memset(sp, 0, sizeof *sp);
    for (int d = 0; d < o->ndim; d++) {
        sp->idx[d] = idx + off;
        off += n[d];
    }
    for (int j = l->ndim - 1; j >= 0; j--) {
        int p = out_pos(o, l->dim[j]);
        const uint64_t *map = c->dims[l->dim[j]].map[l->input];
        uint64_t a = UINT64_MAX, b = 0;
        for (uint64_t i = 0; i < n[p]; i++) {
            uint64_t k = map ? map[s[p] + i] : s[p] + i;
            sp->idx[p][i] = k;
            a = k < a ? k : a;
            b = k > b ? k : b;
        }
        if (!l->v)          /* a table: all of it */
            a = 0, b = l->shape[j] - 1;
        lo[j] = a;
        cnt[j] = b - a + 1;
        for (uint64_t i = 0; i < n[p]; i++)
            sp->idx[p][i] -= a;
        sp->gs[p] = stride;
        stride *= cnt[j];
    }
    sp->contig = true;
    for (uint64_t i = 0; sp->gs[o->ndim - 1] && i < n[o->ndim - 1]; i++)
        if (sp->idx[o->ndim - 1][i] != sp->idx[o->ndim - 1][0] + i)
            sp->contig = false;
}

/* Buffers of a box: the operands broadcast, and what reading needs. */
typedef struct box {
    double **val;                /* per plan leaf; NULL: not read */
    bool *raw_kept;              /* per plan leaf: val holds the raw
                                    values (decoded in the tiles) */
    uint8_t *raw;
    double *dec;
    uint64_t cap;                /* elements raw and dec hold */
    uint64_t *idx;
    void *out;
    uint64_t n;
} box;

/* raw and dec for m source values (a joined dimension's labels may be
 * spread wider than the box). */
static bool box_reserve(box *bx, uint64_t m)
{
    uint8_t *r;
    double *d;
    if (m <= bx->cap)
        return true;
    if (!(r = realloc(bx->raw, (size_t)m * 8)))
        return false;
    bx->raw = r;
    if (!(d = realloc(bx->dec, (size_t)m * sizeof *d)))
        return false;
    bx->dec = d;
    bx->cap = m;
    return true;
}

/* n values of a variable leaf from its raw ones: CF decoding, then the
 * units conversion if any. */
static void decode_values(const calc_leaf *l, const uint8_t *raw, size_t n,
                          double *restrict out)
{
    zsi_cfdecode_row(&l->dec, raw, n, out);
    if (l->units) {
        double sc = l->scale, of = l->offset;
        ZSI_FOR_V(i, n, out[i] = sc * out[i] + of);
    }
}

/* Decoding a box, in pieces on the thread pool. */
#define PIECE 65536
typedef struct decode_job {
    const calc_leaf *l;
    const uint8_t *raw;
    double *out;
    uint64_t m;
} decode_job;

static zs_status decode_task(void *arg, size_t k)
{
    const decode_job *d = arg;
    uint64_t a = (uint64_t)k * PIECE;
    size_t n = (size_t)(d->m - a < PIECE ? d->m - a : PIECE);
    decode_values(d->l, d->raw + a * zs_var_itemsize(d->l->v), n,
                  d->out + a);
    return ZS_OK;
}

/* The source box is the result box, in the same order. */
static bool same_box(const calc_out *o, const calc_leaf *l,
                     const uint64_t *cnt, const uint64_t *n,
                     const spread *sp)
{
    if (l->ndim != o->ndim)
        return false;
    for (int j = 0; j < l->ndim; j++) {
        if (l->dim[j] != o->dim[j] || cnt[j] != n[j])
            return false;
        for (uint64_t i = 0; i < n[j]; i++)
            if (sp->idx[j][i] != i)
                return false;
    }
    return true;
}

static zs_status load_leaf(const zs_calc *c, const calc_out *o, box *bx,
                           int leaf, const uint64_t *s, const uint64_t *n)
{
    const calc_leaf *l = &c->leaves[leaf];
    uint64_t lo[ZS_MAX_DIMS], cnt[ZS_MAX_DIMS], m = 1;
    spread sp;
    decode_job d;
    zs_status st;
    plan_spread(c, o, l, s, n, bx->idx, lo, cnt, &sp);
    if (!l->v) {
        gather(l->table, o->ndim, n, &sp, bx->val[leaf]);
        return ZS_OK;
    }
    for (int j = 0; j < l->ndim; j++)
        m *= cnt[j];
    /* a variable with the result's dimensions is read into place and
     * decoded tile by tile (its raw values take at most 8 bytes) */
    bx->raw_kept[leaf] = same_box(o, l, cnt, n, &sp);
    if (bx->raw_kept[leaf])
        return zs_var_read(l->v, lo, cnt, bx->val[leaf]);
    if (!box_reserve(bx, m))
        return zsi_nomem(c->ctx);
    st = zs_var_read(l->v, lo, cnt, bx->raw);
    if (st != ZS_OK)
        return st;
    d = (decode_job){l, bx->raw, bx->dec, m};
    st = zsi_parallel_for(c->ctx, (size_t)((m + PIECE - 1) / PIECE),
                          decode_task, &d);
    if (st == ZS_OK)
        gather(bx->dec, o->ndim, n, &sp, bx->val[leaf]);
    return st;
}

/* ---- the program -------------------------------------------------------- */

typedef struct job {
    const zs_calc *c;
    const calc_out *o;
    box *bx;
} job;

/* Every operation gives missing (NaN) when an operand is missing, but
 * isnan and the conditions of ?: and where.  The tests are written with
 * | and & (no branches), the loops with ZSI_FOR_V: they vectorise. */
#define MISS(x) (isnan(x) != 0)

/* Binary operations: nx and ny say whether x and y are missing; the
 * forms with a constant declare its flag as 0 (a missing constant was
 * handled before), so the test drops out of the loop. */
#define CMP(expr) ((nx | ny) ? NAN : (double)(expr))
#define LOOP2(f)                                                        \
    if (sb == 0) {                                                      \
        const double y = b[0];                                          \
        const int ny = 0;                                               \
        ZSI_FOR_V(i, m, double x = a[i]; int nx = MISS(x);              \
                  (void)nx; (void)ny; r[i] = (f));                      \
    } else if (sa == 0) {                                               \
        const double x = a[0];                                          \
        const int nx = 0;                                               \
        ZSI_FOR_V(i, m, double y = b[i]; int ny = MISS(y);              \
                  (void)nx; (void)ny; r[i] = (f));                      \
    } else {                                                            \
        ZSI_FOR_V(i, m, double x = a[i]; double y = b[i];               \
                  int nx = MISS(x); int ny = MISS(y);                   \
                  (void)nx; (void)ny; r[i] = (f));                      \
    }                                                                   \
    break
/* Arithmetic: NaN propagates by itself. */
#define ARITH2(f)                                                       \
    if (sb == 0) {                                                      \
        const double y = b[0];                                          \
        ZSI_FOR_V(i, m, double x = a[i]; r[i] = (f));                   \
    } else if (sa == 0) {                                               \
        const double x = a[0];                                          \
        ZSI_FOR_V(i, m, double y = b[i]; r[i] = (f));                   \
    } else {                                                            \
        ZSI_FOR_V(i, m, double x = a[i]; double y = b[i]; r[i] = (f));  \
    }                                                                   \
    break
#define LOOP1(f)                                                        \
    ZSI_FOR_V(i, m, double x = a[i]; r[i] = (f));                       \
    break

static void unary(int op, const double *restrict a, double *restrict r,
                  size_t m)
{
    switch (op) {
    case CO_NEG: LOOP1(-x);
    case CO_NOT: LOOP1(MISS(x) ? NAN : (double)(x == 0));
    case CO_ABS: LOOP1(fabs(x));
    case CO_SQRT: LOOP1(sqrt(x));
    case CO_EXP: LOOP1(exp(x));
    case CO_LOG: LOOP1(log(x));
    case CO_LOG10: LOOP1(log10(x));
    case CO_ISNAN: LOOP1((double)MISS(x));
    default: break;
    }
}

/* sa, sb: 1 for arrays, 0 for a constant (not both). */
static void binary(int op, const double *restrict a, size_t sa,
                   const double *restrict b, size_t sb, double *restrict r,
                   size_t m)
{
    if ((sa == 0 && MISS(a[0])) || (sb == 0 && MISS(b[0]))) {
        ZSI_FOR_V(i, m, r[i] = NAN);
        return;
    }
    switch (op) {
    case CO_ADD: ARITH2(x + y);
    case CO_SUB: ARITH2(x - y);
    case CO_MUL: ARITH2(x * y);
    case CO_DIV: ARITH2(x / y);
    /* pow(1, NaN) and pow(NaN, 0) are 1 in C: missing stays missing */
    case CO_POW: LOOP2((nx | ny) ? NAN : pow(x, y));
    case CO_LT: LOOP2(CMP(x < y));
    case CO_LE: LOOP2(CMP(x <= y));
    case CO_GT: LOOP2(CMP(x > y));
    case CO_GE: LOOP2(CMP(x >= y));
    case CO_EQ: LOOP2(CMP(x == y));
    case CO_NE: LOOP2(CMP(x != y));
    case CO_AND: LOOP2(CMP((x != 0) & (y != 0)));
    case CO_OR: LOOP2(CMP((x != 0) | (y != 0)));
    case CO_MIN: LOOP2(CMP(x < y ? x : y));
    case CO_MAX: LOOP2(CMP(x > y ? x : y));
    default: break;
    }
}

/* Operands of a ternary are arrays (a constant is spread first). */
static void ternary(int op, const double *restrict a,
                    const double *restrict b, const double *restrict d,
                    double *restrict r, size_t m)
{
    switch (op) {
    case CO_COND:
        ZSI_FOR_V(i, m, double c = a[i]; double y = b[i]; double z = d[i];
                  r[i] = MISS(c) ? NAN : c != 0 ? y : z);
        break;
    case CO_WHERE:   /* a missing condition is false */
        ZSI_FOR_V(i, m, double c = a[i]; double y = b[i]; double z = d[i];
                  r[i] = (c != 0) & !MISS(c) ? y : z);
        break;
    case CO_CLIP:
        ZSI_FOR_V(i, m, double x = a[i]; double lo = b[i]; double hi = d[i];
                  r[i] = MISS(x) | MISS(lo) | MISS(hi) ? NAN
                         : x < lo ? lo : x > hi ? hi : x);
        break;
    default: break;
    }
}

static int nargs_of(int op)
{
    switch (op) {
    case CO_CONST: case CO_LEAF: return 0;
    case CO_NEG: case CO_NOT: case CO_ABS: case CO_SQRT: case CO_EXP:
    case CO_LOG: case CO_LOG10: case CO_ISNAN: return 1;
    case CO_COND: case CO_WHERE: case CO_CLIP: return 3;
    default: return 2;
    }
}

/* Store m results in the output's type. */
static void store(zs_dtype t, const double *restrict v, void *out,
                  size_t off, size_t m)
{
    if (t == ZS_DT_FLOAT32) {
        float *restrict f = (float *)out + off;
        ZSI_FOR_V(i, m, f[i] = (float)v[i]);
    } else if (t == ZS_DT_FLOAT64) {
        memcpy((double *)out + off, v, m * sizeof *v);
    } else if (t == ZS_DT_INT8) {   /* missing and out of range: -128 */
        int8_t *p = (int8_t *)out + off;
        for (size_t i = 0; i < m; i++)
            p[i] = v[i] >= -127.5 && v[i] < 127.5 ? (int8_t)lrint(v[i])
                                                  : INT8_MIN;
    } else {                        /* bool: missing is false */
        uint8_t *restrict p = (uint8_t *)out + off;
        ZSI_FOR_V(i, m, double x = v[i]; p[i] = (x != 0) & !MISS(x));
    }
}

/* A tile's stack: each entry is an array of the tile's values (stride 1)
 * or one constant (stride 0).  Entries computed here own one of the
 * tile's buffers; a result goes to a free buffer, so an operation never
 * writes over its operands. */
typedef struct tentry {
    const double *p;
    size_t s;
    double *own;
} tentry;

typedef struct tstack {
    tentry *e;
    double **free;      /* depth + 2 buffers: at most depth owned, one
                           result, one for the final conversion */
    int nfree;
} tstack;

static double *take(tstack *t)
{
    return t->free[--t->nfree];
}

static void give(tstack *t, int k)
{
    if (t->e[k].own)
        t->free[t->nfree++] = t->e[k].own;
    t->e[k].own = NULL;
}

/* Operand k of a ternary as an array: a constant is spread over a
 * buffer, owned by the entry from then on. */
static const double *spread_const(tstack *t, int k, size_t m)
{
    tentry *e = &t->e[k];
    if (e->s == 0) {
        double *r = take(t), v = e->p[0];
        ZSI_FOR_V(i, m, r[i] = v);
        give(t, k);
        *e = (tentry){r, 1, r};
    }
    return e->p;
}

/* The values of leaf in the tile: a read variable was kept raw in its
 * box (same dimensions as the result) and is decoded here. */
static const double *leaf_values(const job *j, int leaf, size_t off,
                                 size_t m, tstack *t, int b)
{
    const calc_leaf *l = &j->c->leaves[leaf];
    double *r;
    if (!j->bx->raw_kept[leaf])
        return j->bx->val[leaf] + off;
    r = take(t);
    t->e[b].own = r;
    decode_values(l, (const uint8_t *)j->bx->val[leaf] +
                  off * zs_var_itemsize(l->v), m, r);
    return r;
}

static zs_status tile_task(void *arg, size_t tn)
{
    const job *j = arg;
    const calc_out *o = j->o;
    size_t off = tn * TILE, m = j->bx->n - off < TILE ? j->bx->n - off : TILE;
    int nbuf = o->depth + 2, top = 0;
    double *buf = malloc((size_t)nbuf * TILE * sizeof *buf);
    tstack t = {calloc((size_t)o->depth + 1, sizeof *t.e),
                malloc((size_t)nbuf * sizeof *t.free), 0};
    if (!buf || !t.e || !t.free) {
        free(buf);
        free(t.e);
        free(t.free);
        return zsi_nomem(j->c->ctx);
    }
    for (int k = 0; k < nbuf; k++)
        t.free[t.nfree++] = buf + (size_t)k * TILE;
    for (size_t k = 0; k < o->ncode; k++) {
        const calc_instr *in = &o->code[k];
        int na = nargs_of(in->op), b = top - na;
        tentry *e = &t.e[b];
        if (in->op == CO_LEAF) {
            e->own = NULL;
            e->p = leaf_values(j, in->leaf, off, m, &t, b);
            e->s = 1;
        } else if (in->op == CO_CONST) {
            *e = (tentry){&in->c, 0, NULL};
        } else {
            double *r = take(&t);
            size_t rs;
            if (na == 1) {
                rs = e[0].s;
                unary(in->op, e[0].p, r, rs ? m : 1);
            } else if (na == 2) {
                rs = e[0].s | e[1].s;
                binary(in->op, e[0].p, e[0].s, e[1].p, e[1].s, r,
                       rs ? m : 1);
            } else {
                rs = 1;
                ternary(in->op, spread_const(&t, b, m),
                        spread_const(&t, b + 1, m),
                        spread_const(&t, b + 2, m), r, m);
            }
            for (int q = b; q < top; q++)
                give(&t, q);
            *e = (tentry){r, rs, r};
        }
        top = b + 1;
    }
    if (o->units || !t.e[0].s) {
        double *r = take(&t), sc = o->scale, of = o->offset;
        const double *restrict v = t.e[0].p;
        if (!t.e[0].s) {
            double x = o->units ? sc * v[0] + of : v[0];
            ZSI_FOR_V(i, m, r[i] = x);
        } else {
            ZSI_FOR_V(i, m, r[i] = sc * v[i] + of);
        }
        t.e[0].p = r;
    }
    store(o->dtype, t.e[0].p, j->bx->out, off, m);
    free(buf);
    free(t.e);
    free(t.free);
    return ZS_OK;
}

/* ---- results ------------------------------------------------------------ */

/* Remote inputs: each variable's part of box i is fetched while the
 * box before it is decoded (none after the last). */
static void read_ahead(const zs_calc *c, const calc_out *o, box *bx,
                       const zsi_blocks *b, uint64_t i)
{
    uint64_t s[ZS_MAX_DIMS], n[ZS_MAX_DIMS], lo[ZS_MAX_DIMS];
    uint64_t cnt[ZS_MAX_DIMS];
    spread sp;
    if (i < b->n)
        zsi_blocks_box(b, i, s, n);
    for (size_t k = 0; k < o->nleaves; k++) {
        const calc_leaf *l = &c->leaves[o->leaves[k]];
        if (!l->v || !zsi_var_array(l->v))
            continue;
        if (i < b->n)
            plan_spread(c, o, l, s, n, bx->idx, lo, cnt, &sp);
        zsi_array_will_read(zsi_var_array(l->v), i < b->n ? lo : NULL,
                            i < b->n ? cnt : NULL);
    }
}

static void ahead_stop(const zs_calc *c, const calc_out *o)
{
    for (size_t k = 0; k < o->nleaves; k++) {
        const calc_leaf *l = &c->leaves[o->leaves[k]];
        if (l->v && zsi_var_array(l->v))
            zsi_array_ahead_stop(zsi_var_array(l->v));
    }
}

static zs_status run_box(const zs_calc *c, const calc_out *o, box *bx,
                         const zsi_blocks *b, uint64_t i)
{
    uint64_t s[ZS_MAX_DIMS], n[ZS_MAX_DIMS];
    job j = {c, o, bx};
    zs_status st = ZS_OK;
    read_ahead(c, o, bx, b, i + 1);
    zsi_blocks_box(b, i, s, n);
    bx->n = 1;
    for (int d = 0; d < o->ndim; d++)
        bx->n *= n[d];
    for (size_t k = 0; st == ZS_OK && k < o->nleaves; k++)
        st = load_leaf(c, o, bx, o->leaves[k], s, n);
    if (st == ZS_OK)
        st = zsi_parallel_for(c->ctx, (size_t)((bx->n + TILE - 1) / TILE),
                              tile_task, &j);
    return st == ZS_OK ? zs_array_write(o->out, s, n, bx->out) : st;
}

/* Bytes per element of a box: each operand's values, its raw and
 * decoded source (at most as many as the box's), the result. */
static uint64_t elem_bytes(const zs_calc *c, const calc_out *o)
{
    uint64_t raw = 0;
    for (size_t k = 0; k < o->nleaves; k++) {
        const calc_leaf *l = &c->leaves[o->leaves[k]];
        if (l->v && zs_var_itemsize(l->v) > raw)
            raw = zs_var_itemsize(l->v);
    }
    return 8 * o->nleaves + raw + 8 + zsi_dtype_size(o->dtype);
}

static zs_status alloc_box(const zs_calc *c, const calc_out *o, box *bx,
                           uint64_t most)
{
    size_t idx = 0;
    for (int d = 0; d < o->ndim; d++)
        idx += (size_t)o->shape[d];
    bx->val = calloc(c->nleaves, sizeof *bx->val);
    bx->raw_kept = calloc(c->nleaves, sizeof *bx->raw_kept);
    bx->idx = malloc((idx + 1) * sizeof *bx->idx);
    bx->out = malloc((size_t)most * zsi_dtype_size(o->dtype) + 1);
    if (!bx->val || !bx->raw_kept || !bx->idx || !bx->out)
        return zsi_nomem(c->ctx);
    for (size_t k = 0; k < o->nleaves; k++)
        if (!(bx->val[o->leaves[k]] = malloc((size_t)most * sizeof(double))))
            return zsi_nomem(c->ctx);
    return ZS_OK;
}

static void free_box(const zs_calc *c, box *bx)
{
    for (size_t k = 0; bx->val && k < c->nleaves; k++)
        free(bx->val[k]);
    free(bx->val);
    free(bx->raw_kept);
    free(bx->raw);
    free(bx->dec);
    free(bx->idx);
    free(bx->out);
}

static zs_status compute(const zs_calc *c, const calc_out *o)
{
    uint64_t mem = c->memory ? c->memory : BOX_DEFAULT;
    uint64_t per = elem_bytes(c, o), budget = mem / 2 / per;
    size_t isz = zsi_dtype_size(o->dtype);
    zsi_blocks b;
    box bx;
    zs_status st = ZS_OK;
    memset(&bx, 0, sizeof bx);
    if (!zsi_blocks_for_array(&b, o->out, (size_t)(budget * isz) + 1))
        return zsi_err(c->ctx, ZS_ERR_OVERFLOW, "%s: too many boxes",
                       o->e->name);
    st = alloc_box(c, o, &bx, zsi_blocks_max_elems(&b));
    for (uint64_t i = 0; st == ZS_OK && i < b.n; i++) {
        st = run_box(c, o, &bx, &b, i);
        if (st == ZS_OK)
            st = zsi_progress(c->ctx, i + 1, b.n);
    }
    ahead_stop(c, o);
    free_box(c, &bx);
    return st;
}

/* ---- output ------------------------------------------------------------- */

static const char *const not_kept[] = {
    "scale_factor", "add_offset", "missing_value", "_Unsigned", "valid_min",
    "valid_max", "valid_range", "actual_range", "_FillValue", NULL};

static bool set_text(zs_attrs *a, const char *name, const char *text)
{
    return zsi_attrs_set(a, name, ZS_DT_STRING, text, strlen(text));
}

/* A result that is one quantity made from coordinates says what it is
 * (CF's cell_area for gridarea); true if it was one. */
static bool table_attrs(const zs_calc *c, const calc_out *o, zs_attrs *a)
{
    const calc_leaf *l;
    if (o->ncode != 1 || o->code[0].op != CO_LEAF)
        return false;
    l = &c->leaves[o->code[0].leaf];
    if (l->v)
        return false;
    if (!strcmp(l->what, "gridarea"))
        return set_text(a, "standard_name", "cell_area") &&
               set_text(a, "long_name", "area of the grid cell") &&
               set_text(a, "units", "m2");
    if (!strcmp(l->what, "coslat"))
        return set_text(a, "long_name", "cosine of latitude") &&
               set_text(a, "units", "1");
    return set_text(a, "long_name", l->what);
}

static zs_status result_attrs(const zs_calc *c, const calc_out *o,
                              zs_attrs **out)
{
    const char *units;
    zs_status st = o->pure ? zsi_attrs_copy(zs_var_attrs(o->pure), out)
                           : zsi_attrs_new(out);
    if (st != ZS_OK)
        return zsi_nomem(c->ctx);
    for (int k = 0; not_kept[k]; k++)
        zsi_attrs_remove(*out, not_kept[k]);
    if (!o->pure && !table_attrs(c, o, *out) &&
        !zsi_attrs_set(*out, "long_name", ZS_DT_STRING, o->e->rhs,
                       strlen(o->e->rhs)))
        return zsi_nomem(c->ctx);
    units = o->units ? o->units
            : o->pure ? c->leaves[o->pure_leaf].units : NULL;
    if (units && !zsi_attrs_set(*out, "units", ZS_DT_STRING, units,
                                strlen(units)))
        return zsi_nomem(c->ctx);
    return ZS_OK;
}

static zs_status define_result(zs_calc *c, zsi_writer *w, calc_out *o)
{
    zs_attrs *attrs = NULL;
    int8_t fill8 = INT8_MIN;
    uint64_t fill[1];
    const void *f = fill;
    zsi_array_def d;
    zs_status st = result_attrs(c, o, &attrs);
    if (o->dtype == ZS_DT_INT8)
        f = &fill8;
    else if (o->dtype == ZS_DT_BOOL)
        f = NULL;
    else
        zsi_store_double(o->dtype, fill, 0, NAN);
    d = (zsi_array_def){o->e->name, o->ndim, o->shape, o->chunks, o->dims,
                        o->dtype, zsi_dtype_size(o->dtype), f, attrs,
                        NULL, 0, false};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, &o->out);
    zsi_attrs_free(attrs);
    return st;
}

/* Is a dimension of a written result? */
static bool dim_written(const zs_calc *c, size_t dim)
{
    for (size_t i = 0; i < c->nouts; i++)
        if (c->outs[i].write && out_pos(&c->outs[i], (int)dim) >= 0)
            return true;
    return false;
}

static zs_status define_coord(zs_calc *c, zsi_writer *w, const calc_dim *g,
                              zs_array **out)
{
    zs_var *v = g->coord;
    zsi_codec_spec *cs = NULL;
    size_t nc = 0;
    uint64_t shape[1] = {g->len}, chunks[1] = {g->len ? g->len : 1};
    zsi_array_def d;
    zs_status st = zsi_codecs_of_var(v, ZSI_CODECS_NO_FILTERS, &cs, &nc);
    zsi_write_chunks(&c->w, 1, zsi_var_dims(v), shape,
                     zs_var_itemsize(v), chunks);
    d = (zsi_array_def){zs_var_name(v), 1, shape, chunks, zsi_var_dims(v),
                        zs_var_dtype(v), zs_var_itemsize(v),
                        zsi_var_fill_bytes(v), zs_var_attrs(v), cs, nc,
                        zsi_var_array(v) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, out);
    zsi_codecs_free(cs, nc);
    return st;
}

/* The labels the join kept, in its order. */
static zs_status write_coord(zs_calc *c, const calc_dim *g, zs_array *a)
{
    zs_var *v = g->coord;
    const uint64_t *map = g->map[g->coord_input];
    uint64_t start = 0, n = zs_var_shape(v)[0];
    size_t w = zs_var_itemsize(v);
    uint8_t *raw = malloc((size_t)(n ? n : 1) * w);
    uint8_t *kept = malloc((size_t)(g->len ? g->len : 1) * w);
    zs_status st = raw && kept ? zs_var_read(v, &start, &n, raw)
                               : zsi_nomem(c->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < g->len; i++)
        memcpy(kept + i * w, raw + (map ? map[i] : i) * w, w);
    n = g->len;
    if (st == ZS_OK)
        st = zs_array_write(a, &start, &n, kept);
    free(raw);
    free(kept);
    return st;
}

static bool name_taken(const zs_calc *c, const char *name)
{
    for (size_t i = 0; i < c->nouts; i++)
        if (c->outs[i].write && !strcmp(c->outs[i].e->name, name))
            return true;
    for (size_t i = 0; i < c->ndims; i++)
        if (c->dims[i].coord && dim_written(c, i) &&
            !strcmp(c->dims[i].name, name))
            return true;
    return false;
}

/* --keep: the inputs' variables (the first of a name), unless the join
 * cut one of their dimensions. */
static zs_status keep_vars(zs_calc *c, zsi_writer *w, zsi_varset *kept,
                           zs_array ***arrays)
{
    zs_status st = ZS_OK;
    for (size_t s = 0; st == ZS_OK && s < c->nin; s++) {
        zs_group *g = zs_dataset_root(c->in[s].ds);
        for (size_t i = 0; st == ZS_OK && i < zs_group_nvars(g); i++) {
            zs_var *v = zs_group_var(g, i);
            bool ok = !name_taken(c, zs_var_name(v)) && !zsi_var_broken(v);
            for (size_t k = 0; ok && k < kept->n; k++)
                ok = strcmp(zs_var_name(kept->v[k]), zs_var_name(v)) != 0;
            for (int d = 0; ok && d < zs_var_ndim(v); d++)
                for (size_t k = 0; ok && k < c->ndims; k++)
                    ok = strcmp(c->dims[k].name, zs_var_dim_name(v, d)) ||
                         c->dims[k].len == zs_var_shape(v)[d];
            if (!ok)
                continue;
            if (kept->n == kept->cap) {
                size_t cap = kept->cap ? 2 * kept->cap : 8;
                zs_var **gv = realloc(kept->v, cap * sizeof *gv);
                zs_array **ga = realloc(*arrays, cap * sizeof *ga);
                if (gv)
                    kept->v = gv;
                if (ga)
                    *arrays = ga;
                if (!gv || !ga)
                    return zsi_nomem(c->ctx);
                kept->cap = cap;
            }
            kept->v[kept->n] = v;
            st = zsi_copy_define(w, &c->w, v, &(*arrays)[kept->n]);
            kept->n++;
        }
    }
    return st;
}

static zs_status check_names(const zs_calc *c)
{
    for (size_t i = 0; i < c->nouts; i++)
        for (size_t k = 0; k < c->ndims; k++)
            if (c->outs[i].write && c->dims[k].coord &&
                dim_written(c, k) && !strcmp(c->dims[k].name,
                                             c->outs[i].e->name))
                return zsi_err(c->ctx, ZS_ERR_INVALID, "expression %zu: the "
                               "result '%s' has the name of a coordinate",
                               i + 1, c->outs[i].e->name);
    return ZS_OK;
}

/* The arrays an input stream must keep: those read. */
static zs_status skip_unused(zs_calc *c, const zsi_varset *kept)
{
    zs_status st = ZS_OK;
    size_t cap = c->nleaves + c->ndims + kept->n + 1;
    zs_var **used = malloc(cap * sizeof *used);
    if (!used)
        return zsi_nomem(c->ctx);
    for (size_t s = 0; st == ZS_OK && s < c->nin; s++) {
        size_t n = 0;
        for (size_t i = 0; i < c->nleaves; i++)
            if (c->leaves[i].v && c->leaves[i].input == (int)s)
                used[n++] = c->leaves[i].v;
        for (size_t i = 0; i < c->ndims; i++)
            if (c->dims[i].coord && c->dims[i].coord_input == (int)s)
                used[n++] = c->dims[i].coord;
        for (size_t i = 0; i < kept->n; i++)
            if (zsi_var_dataset(kept->v[i]) == c->in[s].ds)
                used[n++] = kept->v[i];
        st = zsi_skip_unused(c->in[s].ds, used, n);
    }
    free(used);
    return st;
}

zs_status zsi_calc_write(zs_calc *c, zsi_writer *w)
{
    zs_array **coords = calloc(c->ndims + 1, sizeof *coords);
    zs_array **copies = NULL;
    zsi_varset kept = {NULL, NULL, 0, 0};
    zs_status st = coords ? check_names(c) : zsi_nomem(c->ctx);
    if (st == ZS_OK)
        st = zsi_writer_add_group(
            w, "", zs_group_attrs(zs_dataset_root(c->in[0].ds)));
    for (size_t i = 0; st == ZS_OK && i < c->ndims; i++)
        if (c->dims[i].coord && dim_written(c, i))
            st = define_coord(c, w, &c->dims[i], &coords[i]);
    for (size_t i = 0; st == ZS_OK && i < c->nouts; i++)
        if (c->outs[i].write)
            st = define_result(c, w, &c->outs[i]);
    if (st == ZS_OK && c->keep)
        st = keep_vars(c, w, &kept, &copies);
    if (st == ZS_OK)
        st = skip_unused(c, &kept);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    for (size_t i = 0; st == ZS_OK && i < c->ndims; i++)
        if (coords[i])
            st = write_coord(c, &c->dims[i], coords[i]);
    for (size_t i = 0; st == ZS_OK && i < kept.n; i++)
        st = zsi_writer_copy(w, kept.v[i], copies[i]);
    for (size_t i = 0; st == ZS_OK && i < c->nouts; i++)
        if (c->outs[i].write)
            st = compute(c, &c->outs[i]);
    free(coords);
    free(copies);
    free(kept.v);
    return st;
}
