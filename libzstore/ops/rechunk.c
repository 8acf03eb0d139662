/* rechunk.c - a store copied with other chunks (and shards, format,
 * compressor) within one memory bound for the whole process.
 *
 * The plan is rechunker's, computed per variable.  A read decodes whole
 * source chunks (src) and a write encodes whole output units (unit: the
 * shards or chunks of the output).  When a box made of both (their least
 * common multiple per dimension, the read-write intersection) fits the
 * memory left for one box, one pass copies such boxes and every source
 * chunk is decoded once.  Otherwise the copy goes through intermediate
 * chunks: pass 1 reads the source in boxes of whole source chunks and
 * writes intermediate chunks, pass 2 reads those in boxes of whole output
 * units; the intermediate chunks are the smaller of the two passes' boxes
 * in each dimension, so that each pass reads what it reads once.  With
 * no store for intermediate chunks (the output is a stream and none was
 * given), one pass re-reads source chunks instead: slower, never more
 * memory.
 *
 * Memory: the box being copied, its encoded output (shards are assembled
 * whole), a small chunk cache, and per thread a few chunks being decoded
 * or encoded.  The plan sizes boxes from what is left of the bound, and
 * refuses a bound that cannot hold one output unit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_writer.h"
#include "ops/zsi_ops.h"

/* The default bound, and the chunk cache's share of it. */
#define RECHUNK_MEMORY ((uint64_t)1 << 30)
#define CACHE_MAX ((uint64_t)32 << 20)
/* Room for what the plan does not count: the program and its libraries
 * (about 12 MiB resident) and small buffers, then a sixteenth of the
 * bound for the pieces the allocator keeps between uses (the tools keep
 * freed buffers in the heap). */
#define SLACK ((uint64_t)16 << 20)
#define SLACK_SHARE 16
/* Intermediate chunks stay below the size the tools' allocator maps
 * fresh from the system for each use (64 MiB, tools/tool.c): chunks of
 * 78 MiB (the bench store at 600M) cost 1.7 million page faults and
 * took the peak 82 MiB over the bound; at 32 MiB they come from the
 * heap. */
#define INTER_MAX ((uint64_t)32 << 20)

struct zs_rechunk_opts {
    zs_ctx *ctx;
    zsi_strv vars, exclude;
    char *temp;
};

typedef struct rcvar {
    zs_var *v;
    int nd;
    size_t w;                       /* bytes per element in memory */
    uint64_t out[ZS_MAX_DIMS];      /* output chunks */
    uint64_t unit[ZS_MAX_DIMS];     /* output write unit (shard or chunk) */
    uint64_t src[ZS_MAX_DIMS];      /* what one source read decodes */
    uint64_t inter[ZS_MAX_DIMS];    /* intermediate chunks (two passes) */
    bool sharded;
    int passes;
    bool aligned;                   /* pass 1 boxes hold whole src chunks */
    bool spread;                    /* one pass re-reading source chunks */
    bool part;                      /* ... each read decoding its part */
    zsi_blocks p1, p2;              /* the boxes of each pass */
    uint64_t rd_obj, rd_bytes;      /* source chunks read, bytes decoded */
    uint64_t wr_obj;                /* output objects written (at most) */
    uint64_t tmp_obj, tmp_bytes;    /* intermediate chunks, bytes read */
    uint64_t box_bytes;             /* the largest box */
    zs_array *dst;                  /* the writer's */
} rcvar;

struct zs_rechunk {
    zs_ctx *ctx;
    zs_dataset *ds;
    struct zs_rechunk_opts o;
    zs_write_opts w;
    uint64_t memory, budget, fixed, cache;
    rcvar *vars;
    size_t nvars;
    bool need_temp;
};

/* ---- options ------------------------------------------------------------ */

zs_status zs_rechunk_opts_new(zs_ctx *ctx, zs_rechunk_opts **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return zsi_nomem(ctx);
    (*out)->ctx = ctx;
    return ZS_OK;
}

void zs_rechunk_opts_free(zs_rechunk_opts *o)
{
    if (!o)
        return;
    zsi_strv_free(&o->vars);
    zsi_strv_free(&o->exclude);
    free(o->temp);
    free(o);
}

zs_status zs_rechunk_opts_set_vars(zs_rechunk_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

zs_status zs_rechunk_opts_set_exclude(zs_rechunk_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables to exclude", list, &o->exclude);
}

/* Intermediate chunks are read back while the store is written: a
 * stream or an archive cannot be. */
static bool readable_while_written(const char *name)
{
    return strcmp(name, "-") && !zsi_str_ends_ci(name, ".zip") &&
           !zsi_str_ends_ci(name, ".tar") && !zsi_str_starts(name, "http");
}

zs_status zs_rechunk_opts_set_temp(zs_rechunk_opts *o, const char *store)
{
    char *t;
    if (store && !readable_while_written(store))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "intermediate store '%s': "
                       "it is read back while written, so it must be a "
                       "folder, mem:// or s3://", store);
    t = store ? zsi_strdup(store) : NULL;
    if (store && !t)
        return zsi_nomem(o->ctx);
    free(o->temp);
    o->temp = t;
    return ZS_OK;
}

/* ---- sizes -------------------------------------------------------------- */

/* Bytes of a box of shape u (clipped to the array). */
static uint64_t bytes_of(const rcvar *rc, const uint64_t *u)
{
    uint64_t n = rc->w;
    for (int d = 0; d < rc->nd; d++) {
        uint64_t e =
            u[d] < zs_var_shape(rc->v)[d] ? u[d] : zs_var_shape(rc->v)[d];
        if (!zsi_mul_ok(n, e ? e : 1, &n))
            return UINT64_MAX;
    }
    return n;
}

/* Objects of shape u covering the array. */
static uint64_t objects_of(const rcvar *rc, const uint64_t *u)
{
    uint64_t n = 1;
    for (int d = 0; d < rc->nd; d++)
        n *= zs_var_shape(rc->v)[d] ? (zs_var_shape(rc->v)[d] - 1) / u[d] + 1
                                    : 0;
    return n;
}

/* What the boxes of b read of chunks c: chunk reads and elements
 * decoded.  The boxes form a grid, so each is a product over dimensions
 * of sums over that dimension's intervals. */
static void read_figures(const rcvar *rc, const zsi_blocks *b,
                         const uint64_t *c, uint64_t *objects,
                         uint64_t *bytes)
{
    uint64_t nobj = 1, nel = rc->w;
    for (int d = 0; d < rc->nd && b->n; d++) {
        uint64_t len = zs_var_shape(rc->v)[d], step, so = 0, se = 0;
        step = d > b->k ? len : d == b->k ? b->step
               : b->c_order ? 1 : b->unit[d];
        for (uint64_t a = 0; a < len; a += step) {
            uint64_t e = a + step < len ? a + step : len;
            uint64_t c0 = a / c[d], c1 = (e - 1) / c[d] + 1;
            uint64_t hi = c1 * c[d] < len ? c1 * c[d] : len;
            so += c1 - c0;
            se += hi - c0 * c[d];
        }
        nobj *= so;
        nel *= se;
    }
    *objects = b->n ? nobj : 0;
    *bytes = b->n ? nel : 0;
}

/* The shape of the first box of a plan (the largest). */
static void box_shape(const rcvar *rc, const zsi_blocks *b, uint64_t *shape)
{
    uint64_t s[ZS_MAX_DIMS];
    zsi_blocks_box(b, 0, s, shape);
    for (int d = 0; d < rc->nd; d++)
        if (shape[d] == 0)
            shape[d] = 1;
}

/* ---- planning ---------------------------------------------------------- */

static zs_status plan_boxes(zs_rechunk *r, const rcvar *rc, zsi_blocks *b,
                            const uint64_t *unit)
{
    if (!zsi_blocks_plan(b, rc->nd, zs_var_shape(rc->v), unit, rc->w,
                         (size_t)r->budget, 0))
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW, "%s: too many boxes",
                       zs_var_path(rc->v));
    return ZS_OK;
}

/* Two passes: intermediate chunks the smaller of the read and write
 * boxes per dimension; each pass's boxes whole in what it reads and what
 * it writes, where that fits. */
static zs_status plan_two(zs_rechunk *r, rcvar *rc)
{
    zsi_blocks rb, wb;
    uint64_t rs[ZS_MAX_DIMS], ws[ZS_MAX_DIMS], u1[ZS_MAX_DIMS];
    uint64_t u2[ZS_MAX_DIMS];
    zs_status st = plan_boxes(r, rc, &rb, rc->src);
    if (st == ZS_OK)
        st = plan_boxes(r, rc, &wb, rc->unit);
    if (st != ZS_OK)
        return st;
    box_shape(rc, &rb, rs);
    box_shape(rc, &wb, ws);
    for (int d = 0; d < rc->nd; d++)
        rc->inter[d] = rs[d] < ws[d] ? rs[d] : ws[d];
    while (bytes_of(rc, rc->inter) > INTER_MAX) {   /* huge bounds */
        int big = 0;
        for (int d = 1; d < rc->nd; d++)
            if (rc->inter[d] > rc->inter[big])
                big = d;
        rc->inter[big] = (rc->inter[big] + 1) / 2;
    }
    for (int d = 0; d < rc->nd; d++) {
        u1[d] = zsi_lcm_cap(rc->src[d], rc->inter[d], zs_var_shape(rc->v)[d]);
        u2[d] = zsi_lcm_cap(rc->inter[d], rc->unit[d], zs_var_shape(rc->v)[d]);
    }
    rc->aligned = bytes_of(rc, u1) <= r->budget;
    st = plan_boxes(r, rc, &rc->p1, rc->aligned ? u1 : rc->inter);
    if (st == ZS_OK)
        st = plan_boxes(r, rc, &rc->p2, bytes_of(rc, u2) <= r->budget
                                            ? u2 : rc->unit);
    if (st != ZS_OK)
        return st;
    rc->passes = 2;
    read_figures(rc, &rc->p1, rc->src, &rc->rd_obj, &rc->rd_bytes);
    read_figures(rc, &rc->p2, rc->inter, &rc->tmp_obj, &rc->tmp_bytes);
    rc->tmp_obj = objects_of(rc, rc->inter);
    return ZS_OK;
}

static zs_status plan_var(zs_rechunk *r, rcvar *rc, bool temp_ok)
{
    uint64_t x[ZS_MAX_DIMS], data;
    zs_status st;
    for (int d = 0; d < rc->nd; d++)
        x[d] = zsi_lcm_cap(rc->src[d], rc->unit[d], zs_var_shape(rc->v)[d]);
    data = bytes_of(rc, zs_var_shape(rc->v));
    rc->passes = 1;
    rc->aligned = bytes_of(rc, x) <= r->budget;
    st = plan_boxes(r, rc, &rc->p1, rc->aligned ? x : rc->unit);
    if (st != ZS_OK)
        return st;
    read_figures(rc, &rc->p1, rc->src, &rc->rd_obj, &rc->rd_bytes);
    /* (a remote source would transfer each chunk again per read) */
    rc->part = !rc->aligned && zsi_var_array(rc->v) &&
               zsi_array_can_read_part(zsi_var_array(rc->v)) &&
               !zsi_array_is_remote(zsi_var_array(rc->v));
    if (rc->part)   /* each read decodes only the box's share */
        rc->rd_bytes = data;
    /* re-reading costs more than writing and reading intermediate
     * chunks once (about three times the data, or 2.5 when re-reads
     * decode in part and cost about a twelfth of a chunk each) */
    if (!rc->aligned && temp_ok &&
        (rc->part ? data + rc->rd_obj * (bytes_of(rc, rc->src) / 12) >
                        data / 2 * 5
                  : rc->rd_bytes > 3 * data))
        st = plan_two(r, rc);
    rc->spread = rc->passes == 1 && !rc->aligned;
    rc->part = rc->part && rc->spread;
    return st;
}

/* Output chunks and units of one variable; the memory one unit needs. */
static zs_status shape_var(zs_rechunk *r, rcvar *rc, zs_var *v)
{
    const zsi_array_meta *m =
        zsi_var_array(v) ? zsi_array_meta_of(zsi_var_array(v)) : NULL;
    uint64_t cb;
    zs_status st;
    rc->v = v;
    rc->nd = zs_var_ndim(v);
    rc->w = zs_var_itemsize(v);
    zsi_source_unit(v, rc->src);
    for (int d = 0; d < zs_var_ndim(v); d++)
        rc->out[d] =
            m && m->zarr_format == 3 && zsi_array_sharded(zsi_var_array(v))
                ? rc->src[d]
                : zs_var_chunks(v)[d];
    zsi_write_chunks(&r->w, zs_var_ndim(v),
                     zsi_var_dims(v), zs_var_shape(v),
                     zsi_var_stored_itemsize(v), rc->out);
    cb = bytes_of(rc, rc->out);
    if (cb > ZSI_MAX_CHUNK_BYTES)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "%s: chunks of %llu bytes "
                       "are too large (limit %llu)", zs_var_path(v),
                       (unsigned long long)cb,
                       (unsigned long long)ZSI_MAX_CHUNK_BYTES);
    st =
        zsi_write_shards(&r->w, zs_var_path(v), zs_var_ndim(v),
                         zsi_var_dims(v), zs_var_shape(v),
                         rc->out, zs_var_dtype(v), rc->unit, &rc->sharded);
    rc->wr_obj = objects_of(rc, rc->unit);
    return st;
}

/* The largest chunk any variable reads or writes. */
static uint64_t largest_chunk(const zs_rechunk *r, const rcvar **which)
{
    uint64_t chunk = 0;
    for (size_t i = 0; i < r->nvars; i++) {
        uint64_t a = bytes_of(&r->vars[i], r->vars[i].src);
        uint64_t b = bytes_of(&r->vars[i], r->vars[i].out);
        if (a > chunk || b > chunk) {
            chunk = a > b ? a : b;
            *which = &r->vars[i];
        }
    }
    return chunk;
}

/* What every box needs besides itself: the cache and, per thread, a
 * chunk being decoded or encoded with its stored form. */
static uint64_t fixed_memory(const zs_rechunk *r)
{
    const rcvar *which = NULL;
    uint64_t chunk = largest_chunk(r, &which);
    return r->cache + (uint64_t)zs_ctx_threads(r->ctx) * 2 * chunk + SLACK +
           r->memory / SLACK_SHARE;
}

/* The bound must hold the fixed part and, twice (the values and their
 * encoded form), a box of at least one source chunk and one output unit
 * of every variable.  The message names the variable with the largest
 * chunk, which sets both. */
static zs_status check_memory(zs_rechunk *r)
{
    const rcvar *which = r->vars;
    uint64_t box = 0, chunk = largest_chunk(r, &which);
    char need[32], have[32], one[32];
    for (size_t i = 0; i < r->nvars; i++) {
        const rcvar *rc = &r->vars[i];
        uint64_t u = bytes_of(rc, rc->unit), s = bytes_of(rc, rc->src);
        if (u > box || s > box) {
            box = u > s ? u : s;
            if (box > chunk) {
                chunk = box;
                which = rc;
            }
        }
    }
    r->budget = r->fixed + 2 * box <= r->memory
                    ? (r->memory - r->fixed) / 2 : 0;
    if (r->budget)
        return ZS_OK;
    zsi_fmt_size(r->fixed + 2 * box, need, sizeof need);
    zsi_fmt_size(r->memory, have, sizeof have);
    zsi_fmt_size(chunk, one, sizeof one);
    return zsi_err(r->ctx, ZS_ERR_RANGE, "%s: copying needs about %s of "
                   "memory (%s pieces: one box of at least one, and one "
                   "per thread (%d) being decoded or encoded), more than "
                   "the bound of %s", which ? zs_var_path(which->v) : "",
                   need, one, zs_ctx_threads(r->ctx), have);
}

static zs_status choose(zs_rechunk *r)
{
    zsi_varset vs;
    zsi_strv dims = {0};
    zs_status st = zsi_varset_choose(r->ds, &r->o.vars, &r->o.exclude, &vs);
    if (st == ZS_OK && !(r->vars = calloc(vs.n + 1, sizeof *r->vars)))
        st = zsi_nomem(r->ctx);
    for (size_t i = 0; st == ZS_OK && i < vs.n; i++) {
        zs_var *v = vs.v[i];
        if (!vs.keep[i])
            continue;
        if (zs_var_problem(v))
            st = zsi_err(r->ctx, ZS_ERR_UNSUPPORTED, "%s",
                         zs_var_problem(v));
        if (st == ZS_OK &&
            !zsi_strv_add(&dims, zsi_var_dims(v),
                          zs_var_ndim(v)))
            st = zsi_nomem(r->ctx);
        if (st == ZS_OK)
            st = shape_var(r, &r->vars[r->nvars++], v);
    }
    if (st == ZS_OK)
        st = zsi_write_check_dims(&r->w, &dims);
    zsi_strv_free(&dims);
    zsi_varset_free(&vs);
    return st;
}

/* The intermediate store: the one given, or OUT.rechunk-tmp beside an
 * output that can have neighbours. */

zs_status zs_rechunk_plan(zs_dataset *ds, const zs_rechunk_opts *o,
                          const zs_write_opts *w, zs_rechunk **out)
{
    zs_ctx *ctx = zsi_dataset_ctx(ds);
    zs_rechunk *r = calloc(1, sizeof *r);
    zs_status st;
    if (!r)
        return zsi_nomem(ctx);
    r->ctx = ctx;
    r->ds = ds;
    r->o.ctx = ctx;
    r->memory = zsi_ctx_memory_or(ctx, RECHUNK_MEMORY);
    r->cache = r->memory / 16 < CACHE_MAX ? r->memory / 16 : CACHE_MAX;
    st = zsi_write_opts_copy(ctx, w, &r->w);
    for (size_t i = 0; st == ZS_OK && i < o->vars.n; i++)
        if (!zsi_strv_push(&r->o.vars, o->vars.v[i]))
            st = zsi_nomem(ctx);
    for (size_t i = 0; st == ZS_OK && i < o->exclude.n; i++)
        if (!zsi_strv_push(&r->o.exclude, o->exclude.v[i]))
            st = zsi_nomem(ctx);
    if (st == ZS_OK && o->temp && !(r->o.temp = zsi_strdup(o->temp)))
        st = zsi_nomem(ctx);
    if (st == ZS_OK)
        st = choose(r);
    if (st == ZS_OK) {
        r->fixed = fixed_memory(r);
        st = check_memory(r);
    }
    /* planned with an intermediate store; a run that has none (a stream
     * output, no store given) plans again without */
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++) {
        st = plan_var(r, &r->vars[i], true);
        r->need_temp = r->need_temp || r->vars[i].passes == 2;
    }
    if (st != ZS_OK) {
        zs_rechunk_plan_free(r);
        return st;
    }
    *out = r;
    return ZS_OK;
}

void zs_rechunk_plan_free(zs_rechunk *r)
{
    if (!r)
        return;
    zsi_write_opts_clear(&r->w);
    zsi_strv_free(&r->o.vars);
    zsi_strv_free(&r->o.exclude);
    free(r->o.temp);
    free(r->vars);
    free(r);
}

/* ---- describing the plan ------------------------------------------------- */

static bool dims_text(zsi_buf *b, const rcvar *rc, const uint64_t *x)
{
    bool ok = zsi_buf_append(b, "(", 1);
    for (int d = 0; ok && d < rc->nd; d++)
        ok = zsi_buf_printf(
            b, "%s%llu", d ? ", " : "",
            (unsigned long long)(x[d] < zs_var_shape(rc->v)[d] ||
                                         !zs_var_shape(rc->v)[d]
                                     ? x[d]
                                     : zs_var_shape(rc->v)[d]));
    return ok && zsi_buf_append(b, ")", 1);
}

static bool describe_var(zsi_buf *b, const rcvar *rc)
{
    char h1[32], h2[32];
    bool ok = zsi_buf_printf(b, "%s: %s ", zs_var_path(rc->v),
                             zs_dtype_name(zs_var_dtype(rc->v))) &&
              dims_text(b, rc, zs_var_shape(rc->v)) &&
              zsi_buf_append_str(b, " chunks ") &&
              dims_text(b, rc, zs_var_chunks(rc->v)) &&
              zsi_buf_append_str(b, " -> ") && dims_text(b, rc, rc->out);
    if (ok && rc->sharded)
        ok = zsi_buf_append_str(b, " shards ") && dims_text(b, rc, rc->unit);
    zsi_fmt_size(rc->rd_bytes, h1, sizeof h1);
    if (ok && rc->passes == 2) {
        zsi_fmt_size(rc->tmp_bytes, h2, sizeof h2);
        ok = zsi_buf_append_str(b, "; two passes through intermediate "
                                "chunks ") &&
             dims_text(b, rc, rc->inter) &&
             zsi_buf_printf(b, "; reads %llu source chunks (%s), writes "
                            "and reads %llu intermediate chunks (%s)",
                            (unsigned long long)rc->rd_obj, h1,
                            (unsigned long long)rc->tmp_obj, h2);
    } else if (ok) {
        ok = zsi_buf_printf(b, "; one pass%s; reads %llu source chunks (%s)",
                            rc->part     ? ", re-reading source chunks in part"
                            : rc->spread ? ", re-reading source chunks" : "",
                            (unsigned long long)rc->rd_obj, h1);
    }
    return ok && zsi_buf_printf(b, ", writes %llu objects",
                                (unsigned long long)rc->wr_obj);
}

/* Peak memory: the fixed part, the largest box and its encoded form. */
static uint64_t peak_memory(const zs_rechunk *r)
{
    uint64_t box = 0;
    for (size_t i = 0; i < r->nvars; i++) {
        const rcvar *rc = &r->vars[i];
        uint64_t a = zsi_blocks_max_elems(&rc->p1) * rc->w;
        uint64_t b = rc->passes == 2 ? zsi_blocks_max_elems(&rc->p2) * rc->w
                                     : 0;
        if (a > box)
            box = a;
        if (b > box)
            box = b;
    }
    return r->fixed + 2 * box;
}

zs_status zs_rechunk_describe(const zs_rechunk *r, zs_line_fn fn,
                              void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t ro = 0, rb = 0, wo = 0, to = 0;
    int passes = 1;
    char h1[32], h2[32], h3[32];
    bool ok = true;
    for (size_t i = 0; ok && i < r->nvars; i++) {
        const rcvar *rc = &r->vars[i];
        b.len = 0;
        ok = describe_var(&b, rc) && zsi_buf_cstr(&b);
        if (ok)
            fn(user, (char *)b.data);
        ro += rc->rd_obj;
        rb += rc->rd_bytes;
        wo += rc->wr_obj;
        to += rc->passes == 2 ? rc->tmp_obj : 0;
        if (rc->passes > passes)
            passes = rc->passes;
    }
    zsi_fmt_size(rb, h1, sizeof h1);
    zsi_fmt_size(peak_memory(r), h2, sizeof h2);
    zsi_fmt_size(r->memory, h3, sizeof h3);
    b.len = 0;
    ok = ok && zsi_buf_printf(&b, "passes: %d; read: %llu chunks, %llu "
                              "bytes (%s); written: %llu objects; "
                              "intermediate: %llu chunks; memory: about %s "
                              "(bound %s)", passes, (unsigned long long)ro,
                              (unsigned long long)rb, h1,
                              (unsigned long long)wo,
                              (unsigned long long)to, h2, h3) &&
         zsi_buf_cstr(&b);
    if (ok)
        fn(user, (char *)b.data);
    zsi_buf_free(&b);
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}

/* ---- running ---------------------------------------------------------------- */

/* Where a pass reads from: the source variable or an intermediate
 * array. */
typedef struct reader {
    zs_var *v;
    zs_array *a;
} reader;

static zs_status read_box(const reader *rd, const uint64_t *s,
                          const uint64_t *c, void *buf)
{
    return rd->v ? zs_var_read(rd->v, s, c, buf)
                 : zs_array_read(rd->a, s, c, buf);
}

/* Copy the boxes of b from rd to dst. */
static zs_status copy_pass(zs_rechunk *r, const rcvar *rc, const reader *rd,
                           zs_array *dst, const zsi_blocks *b,
                           uint64_t *done, uint64_t total)
{
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], ns[ZS_MAX_DIMS];
    uint64_t nc[ZS_MAX_DIMS];
    zs_array *src = rd->v ? zsi_var_array(rd->v) : rd->a;
    uint8_t *buf = NULL;
    zs_status st = ZS_OK;
    if (b->n && !(buf = calloc((size_t)zsi_blocks_max_elems(b), rc->w)))
        return zsi_nomem(r->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < b->n; i++) {
        uint64_t n;
        zsi_blocks_box(b, i, s, c);
        zsi_prod_ok(c, rc->nd, &n);
        if (src && i + 1 < b->n) {   /* remote: the next box travels */
            zsi_blocks_box(b, i + 1, ns, nc);
            zsi_array_will_read(src, ns, nc);
        }
        st = read_box(rd, s, c, buf);
        if (st == ZS_OK)
            st = zs_array_write(dst, s, c, buf);
        if (zs_var_dtype(rc->v) == ZS_DT_STRING)
            for (uint64_t k = 0; k < n; k++) {
                free(((char **)(void *)buf)[k]);
                ((char **)(void *)buf)[k] = NULL;
            }
        *done += n * rc->w;
        if (st == ZS_OK)
            st = zsi_progress(r->ctx, *done, total);
    }
    if (src)
        zsi_array_ahead_stop(src);
    free(buf);
    return st;
}

/* The intermediate array of a variable: Zarr v2, its chunks, a fast
 * compressor. */
static zs_status temp_array(zs_rechunk *r, zs_store *tmp, const rcvar *rc,
                            zs_array **out)
{
    zsi_array_meta m;
    const char *id = NULL;
    zsi_kv kv = {NULL, 0};
    zs_status st;
    zsi_array_meta_init(&m);
    m.ndim = rc->nd;
    memcpy(m.shape, zs_var_shape(rc->v), sizeof m.shape);
    memcpy(m.chunks, rc->inter, sizeof m.chunks);
    m.dtype = zs_var_dtype(rc->v);
    m.itemsize = zs_var_dtype(rc->v) == ZS_DT_STRING
                     ? 8
                     : zsi_var_stored_itemsize(rc->v);
    st = zsi_compressor_parse(r->ctx, "blosc:lz4:1:shuffle", &id, &kv);
    if (st == ZS_OK &&
        (!(m.compressor = calloc(1, sizeof *m.compressor)) ||
         !zsi_codec_spec_set(m.compressor, id, &kv) ||
         (zs_var_dtype(rc->v) == ZS_DT_STRING &&
          (!(m.filters = calloc(1, sizeof *m.filters)) ||
           !zsi_codec_spec_set(m.filters, "vlen-utf8", NULL) ||
           !(m.nfilters = 1)))))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_array_create(tmp, zs_var_path(rc->v), &m, NULL, out);
    zsi_kv_free(&kv);
    zsi_array_meta_free(&m);
    return st;
}

/* Remove an intermediate array's keys. */
static zs_status erase_prefix(zs_store *s, const char *prefix)
{
    zsi_strv keys = {0};
    zs_status st = zsi_store_list_all(s, prefix, &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++)
        st = zs_store_erase(s, keys.v[i]);
    zsi_strv_free(&keys);
    return st;
}

static zs_status rechunk_var(zs_rechunk *r, rcvar *rc, zs_store *tmp,
                             uint64_t *done, uint64_t total)
{
    reader src = {rc->v, NULL}, mid = {NULL, NULL};
    zs_status st;
    /* boxes of whole source chunks read each once: a stream may drop
     * them, and the cache need not keep them */
    if (zsi_var_array(rc->v)) {
        zsi_array_set_read_once(zsi_var_array(rc->v), rc->aligned);
        zsi_array_set_read_part(zsi_var_array(rc->v), rc->part);
    }
    if (rc->passes == 1) {
        st = copy_pass(r, rc, &src, rc->dst, &rc->p1, done, total);
    } else {
        char *prefix = zsi_asprintf("%s/", zs_var_path(rc->v));
        st = prefix ? temp_array(r, tmp, rc, &mid.a) : zsi_nomem(r->ctx);
        if (st == ZS_OK)
            st = copy_pass(r, rc, &src, mid.a, &rc->p1, done, total);
        if (st == ZS_OK)
            st = copy_pass(r, rc, &mid, rc->dst, &rc->p2, done, total);
        zs_array_close(mid.a);
        /* its disk space back before the next variable */
        if (prefix && st == ZS_OK)
            st = erase_prefix(tmp, prefix);
        free(prefix);
    }
    if (zsi_var_array(rc->v)) {
        zsi_array_set_read_once(zsi_var_array(rc->v), false);
        zsi_array_set_read_part(zsi_var_array(rc->v), false);
    }
    return st;
}

static zs_status define_outputs(zs_rechunk *r, zsi_writer *w)
{
    zs_var **used = calloc(r->nvars + 1, sizeof *used);
    zs_status st = used ? zsi_writer_add_groups(w, zs_dataset_root(r->ds))
                        : zsi_nomem(r->ctx);
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++) {
        rcvar *rc = &r->vars[i];
        zsi_codec_spec *c = NULL;
        size_t nc = 0;
        zsi_array_def d;
        st = zsi_codecs_of_var(rc->v, 0, &c, &nc);
        d = (zsi_array_def){zs_var_path(rc->v), rc->nd, zs_var_shape(rc->v),
                            rc->out, zsi_var_dims(rc->v), zs_var_dtype(rc->v),
                            zsi_var_stored_itemsize(rc->v),
                            zsi_var_fill_bytes(rc->v), zs_var_attrs(rc->v), c,
                            nc, zsi_var_array(rc->v) != NULL};
        if (st == ZS_OK)
            st = zsi_writer_add_array(w, &d, &rc->dst);
        zsi_codecs_free(c, nc);
        used[i] = rc->v;
    }
    /* an input stream need not keep the others */
    if (st == ZS_OK)
        st = zsi_skip_unused(r->ds, used, r->nvars);
    free(used);
    return st;
}

/* A run without an intermediate store re-reads instead. */
static zs_status replan_without_temp(zs_rechunk *r)
{
    zs_status st = ZS_OK;
    zsi_log(r->ctx, ZS_LOG_WARN, "no intermediate store for this output: "
            "the source is read more than once");
    r->need_temp = false;
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
        st = plan_var(r, &r->vars[i], false);
    return st;
}

static zs_status run(zs_rechunk *r, zsi_writer *w, const char *out,
                     zs_store **tmp)
{
    uint64_t done = 0, total = 0;
    char *tname = NULL;
    zs_status st = ZS_OK;
    if (r->need_temp) {
        tname = r->o.temp ? zsi_strdup(r->o.temp)
                : zsi_writer_is_stream(w) ? NULL
                : zsi_asprintf("%s.rechunk-tmp", out);
        st = tname ? zs_store_open(r->ctx, tname, ZS_STORE_CREATE, tmp)
                   : replan_without_temp(r);
        if (st == ZS_ERR_EXISTS)
            zsi_err(r->ctx, st, "intermediate store %s exists (left by a "
                    "run that was stopped? remove it)", tname);
    }
    free(tname);
    for (size_t i = 0; i < r->nvars; i++)
        total += bytes_of(&r->vars[i], zs_var_shape(r->vars[i].v)) *
                 (uint64_t)r->vars[i].passes;
    if (st == ZS_OK)
        st = define_outputs(r, w);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    /* coordinates first: a stream is read in one pass */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
            if (zs_var_is_coord(r->vars[i].v) == (pass == 0))
                st = rechunk_var(r, &r->vars[i], *tmp, &done, total);
    return st;
}

zs_status zs_rechunk_run(zs_rechunk *r, const char *out)
{
    zsi_writer *w = NULL;
    zs_store *tmp = NULL;
    size_t cache = zsi_ctx_cache_bytes(r->ctx);
    zs_status st;
    /* the cache is part of the bound */
    if (cache > r->cache)
        zs_ctx_set_cache_bytes(r->ctx, (size_t)r->cache);
    st = zsi_writer_open(r->ctx, out, &r->w, &w);
    if (st == ZS_OK)
        st = run(r, w, out, &tmp);
    st = zsi_writer_end(w, st);
    if (tmp) {   /* what it held is not wanted, whatever happened */
        char msg[ZSI_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", zs_ctx_message(r->ctx));
        zs_store_discard(tmp);
        zs_store_close(tmp);
        zsi_err(r->ctx, st, "%s", msg);
    }
    for (size_t i = 0; i < r->nvars; i++)
        r->vars[i].dst = NULL;
    zs_ctx_set_cache_bytes(r->ctx, cache);
    return st;
}
