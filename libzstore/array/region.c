/* region.c - reading and writing boxes of an array, one task per chunk
 * on the context's thread pool. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "array/array_impl.h"

/* The stored bytes of a chunk, fetched ahead (remote stores). */
typedef struct fetched {
    char *key;                /* NULL: not fetched (in the cache) */
    zsi_buf raw;
    int found;
    bool ahead;               /* fetched by the read-ahead */
} fetched;

typedef struct region {
    zs_array *a;
    const uint64_t *start, *count;
    uint8_t *out;             /* read */
    const uint8_t *in;        /* write */
    uint64_t lo[ZS_MAX_DIMS]; /* first chunk of the box per dim */
    uint64_t n[ZS_MAX_DIMS];  /* chunks of the box per dim */
    fetched *pre;             /* read: per task, or NULL */
    zsi_turn *turn;           /* write to a stream: in task order */
} region;

/* The part of chunk task i inside the box: chunk coordinates, offset in
 * the chunk, offset in the box and extent. */
typedef struct piece {
    uint64_t cidx[ZS_MAX_DIMS];
    uint64_t soff[ZS_MAX_DIMS], doff[ZS_MAX_DIMS], cnt[ZS_MAX_DIMS];
    bool whole;               /* covers the chunk's in-bounds part */
} piece;

static void locate(const region *r, size_t i, piece *p)
{
    const zs_array *a = r->a;
    uint64_t k = i;
    p->whole = true;
    for (int d = a->meta.ndim - 1; d >= 0; d--) {
        p->cidx[d] = r->lo[d] + k % r->n[d];
        k /= r->n[d];
    }
    for (int d = 0; d < a->meta.ndim; d++) {
        uint64_t c0 = p->cidx[d] * a->cshape[d];
        uint64_t c1 = c0 + a->cshape[d];
        uint64_t b0 = r->start[d], b1 = r->start[d] + r->count[d];
        uint64_t s = b0 > c0 ? b0 : c0, e = b1 < c1 ? b1 : c1;
        uint64_t in_end = a->meta.shape[d] < c1 ? a->meta.shape[d] : c1;
        p->soff[d] = s - c0;
        p->doff[d] = s - b0;
        p->cnt[d] = e - s;
        if (s != c0 || e < in_end)
            p->whole = false;
    }
}

static zs_status check_box(zs_array *a, const uint64_t *start,
                           const uint64_t *count, region *r, size_t *ntasks,
                           bool *empty)
{
    uint64_t total = 1;
    *empty = false;
    memset(r, 0, sizeof *r);
    r->a = a;
    r->start = start;
    r->count = count;
    for (int d = 0; d < a->meta.ndim; d++) {
        uint64_t end;
        if (!zsi_add_ok(start[d], count[d], &end) || end > a->meta.shape[d])
            return zsi_err(a->ctx, ZS_ERR_RANGE,
                           "%s: region [%llu, %llu) outside dimension %d of "
                           "length %llu", a->path,
                           (unsigned long long)start[d],
                           (unsigned long long)(start[d] + count[d]), d,
                           (unsigned long long)a->meta.shape[d]);
        if (count[d] == 0) {
            *empty = true;
            return ZS_OK;
        }
        r->lo[d] = start[d] / a->cshape[d];
        r->n[d] = (end - 1) / a->cshape[d] - r->lo[d] + 1;
        total *= r->n[d];
    }
    *ntasks = (size_t)total;
    return ZS_OK;
}

/* Pointers to the strings of a decoded vlen chunk (or to the fill). */
static zs_status string_ptrs(zs_array *a, const zsi_buf *dec, int found,
                             const char ***out)
{
    const char **p = malloc((size_t)(a->chunk_elems ? a->chunk_elems : 1) *
                            sizeof *p);
    const char *fill = a->meta.has_fill ? (const char *)a->meta.fill : "";
    if (!p)
        return zsi_nomem(a->ctx);
    for (uint64_t i = 0; i < a->chunk_elems; i++)
        p[i] = found ? zsi_vlen_get(dec->data, (size_t)i) : fill;
    *out = p;
    return ZS_OK;
}

/* Copy the strings of a piece into the output as new allocations. */
static zs_status read_strings(region *r, const piece *p, const zsi_buf *dec,
                              int found)
{
    zs_array *a = r->a;
    const char **ptrs, **tmp;
    uint64_t n = 1, zero[ZS_MAX_DIMS] = {0};
    zs_status st = string_ptrs(a, dec, found, &ptrs);
    if (st != ZS_OK)
        return st;
    for (int d = 0; d < a->meta.ndim; d++)
        n *= p->cnt[d];
    tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp) {
        free(ptrs);
        return zsi_nomem(a->ctx);
    }
    zsi_nd_copy(a->meta.ndim, sizeof *tmp, ptrs, a->cshape, p->soff, tmp,
                p->cnt, zero, p->cnt);
    for (uint64_t i = 0; i < n; i++)
        if (!(tmp[i] = zsi_strdup(tmp[i])))
            st = zsi_nomem(a->ctx);
    zsi_nd_copy(a->meta.ndim, sizeof *tmp, tmp, p->cnt, zero, r->out,
                r->count, p->doff, p->cnt);
    free(tmp);
    free(ptrs);
    return st;
}

/* A decoded chunk from the cache, or loaded (and cached when only part of
 * it is read now: the rest will likely be asked for next, while a chunk
 * read whole is done with, and caching it would only grow memory with
 * the length of a stream). */
static zs_status chunk_entry(zs_array *a, const uint64_t *cidx, bool whole,
                             fetched *f, zsi_centry **out)
{
    struct zsi_cache *all = zsi_cache_of(a->ctx);   /* budget up to date */
    struct zsi_cache *c = whole ? NULL : all;
    uint64_t idx = zsi_array_ravel(a, cidx);
    zsi_buf dec = ZSI_BUF_INIT;
    int found = 0;
    zs_status st;
    *out = zsi_cache_get(all, a->cache_id, idx);
    if (*out)
        return ZS_OK;
    if (f && f->key) {
        found = f->found;
        st = found ? zsi_array_decode_raw(a, f->key, f->raw.data, f->raw.len,
                                          &dec)
                   : ZS_OK;
    } else {
        st = zsi_array_load_chunk(a, cidx, &dec, &found);
    }
    if (st == ZS_OK) {
        *out = zsi_cache_put(c, a->cache_id, idx, &dec, found);
        if (!*out)
            st = zsi_nomem(a->ctx);
    }
    zsi_buf_free(&dec);
    return st;
}

/* The elements of an interior chunk lie contiguously in the caller's
 * buffer when the chunk spans the box in every dimension after the first
 * one it does not (and single indices before): then they are encoded
 * from, or decoded into, that buffer without a copy.  Returns the
 * element offset, or -1. */
static int64_t in_place(const region *r, const piece *p)
{
    const zs_array *a = r->a;
    uint64_t off = 0, stride = 1;
    int k = -1;
    if (!p->whole || a->meta.dtype == ZS_DT_STRING)
        return -1;
    for (int d = 0; d < a->meta.ndim; d++)
        if (p->cnt[d] != a->cshape[d])
            return -1;   /* an edge chunk: padding needed */
    for (int d = a->meta.ndim - 1; d >= 0; d--) {
        if (k < 0 && p->cnt[d] != r->count[d])
            k = d;
        else if (k >= 0 && p->cnt[d] != 1)
            return -1;
    }
    for (int d = a->meta.ndim - 1; d >= 0; d--) {
        off += p->doff[d] * stride;
        stride *= r->count[d];
    }
    return (int64_t)off;
}

/* The fill value (or zeros) into piece p of a read. */
static void fill_piece(zs_array *a, region *r, const piece *p,
                       zs_status *st)
{
    uint8_t zero[64] = {0};
    const void *item = a->meta.has_fill ? a->meta.fill : zero;
    if (a->itemsize > sizeof zero && !a->meta.has_fill) {
        uint8_t *z = calloc(1, a->itemsize);
        if (!z)
            *st = zsi_nomem(a->ctx);
        else
            zsi_nd_fill(a->meta.ndim, a->itemsize, r->out, r->count,
                        p->doff, p->cnt, z);
        free(z);
    } else {
        zsi_nd_fill(a->meta.ndim, a->itemsize, r->out, r->count, p->doff,
                    p->cnt, item);
    }
}

/* A read in part (read_part, read_once): the piece's rows decoded
 * alone when they are at most half the chunk and the chunk is not in
 * the cache.  The rows: single indices in the dimensions before the
 * first one the piece spans more than one index of (d0), its range in
 * d0, everything after: one contiguous range of the decoded chunk.
 * False: read it the usual way. */
static bool read_part(region *r, const piece *p, fetched *f, zs_status *st)
{
    zs_array *a = r->a;
    struct zsi_cache *c = zsi_cache_of(a->ctx);
    uint64_t off = 0, len, sshape[ZS_MAX_DIMS], soff[ZS_MAX_DIMS];
    int nd = a->meta.ndim, d0 = 0, found = 0;
    zsi_centry *e;
    uint8_t *tmp;
    if (p->whole || !(a->read_part || a->streaming) || nd == 0 ||
        !zsi_array_can_read_part(a))
        return false;
    while (d0 < nd - 1 && p->cnt[d0] == 1)
        d0++;
    len = p->cnt[d0];
    for (int d = 0; d < nd; d++) {
        off = off * a->cshape[d] + (d <= d0 ? p->soff[d] : 0);
        sshape[d] = d < d0 ? 1 : d == d0 ? p->cnt[d0] : a->cshape[d];
        soff[d] = d <= d0 ? 0 : p->soff[d];
        if (d > d0)
            len *= a->cshape[d];
    }
    off *= a->itemsize;
    len *= a->itemsize;
    if (len > a->chunk_bytes / 2)
        return false;
    e = zsi_cache_get(c, a->cache_id, zsi_array_ravel(a, p->cidx));
    if (e) {
        zsi_cache_release(c, e);
        return false;
    }
    if (!(tmp = malloc((size_t)len ? (size_t)len : 1))) {
        *st = zsi_nomem(a->ctx);
        return true;
    }
    *st = zsi_array_load_part(a, p->cidx, f && f->key ? &f->raw : NULL,
                              f ? f->found : 0, (size_t)off, (size_t)len,
                              tmp, &found);
    if (*st == ZS_OK)
        *st = zsi_array_note_read(a, found);
    if (*st == ZS_OK && found)
        zsi_nd_copy(nd, a->itemsize, tmp, sshape, soff, r->out, r->count,
                    p->doff, p->cnt);
    else if (*st == ZS_OK)
        fill_piece(a, r, p, st);
    free(tmp);
    return true;
}

static zs_status read_task(void *arg, size_t i)
{
    region *r = arg;
    zs_array *a = r->a;
    zsi_centry *e = NULL;
    int64_t off;
    piece p;
    zs_status st;
    fetched *f = r->pre ? &r->pre[i] : NULL;
    locate(r, i, &p);
    if ((off = in_place(r, &p)) >= 0 &&
        !(e = zsi_cache_get(zsi_cache_of(a->ctx), a->cache_id,
                            zsi_array_ravel(a, p.cidx)))) {
        /* a whole chunk read for the first time: decode it in place */
        uint8_t *dst = r->out + (size_t)off * a->itemsize;
        int found = 0;
        if (f && f->key) {
            found = f->found;
            st = found ? zsi_array_decode_raw_into(a, f->key, f->raw.data,
                                                   f->raw.len, dst)
                       : ZS_OK;
        } else {
            st = zsi_array_load_chunk_into(a, p.cidx, dst, &found);
        }
        if (st == ZS_OK)
            st = zsi_array_note_read(a, found);
        if (st == ZS_OK && !found)
            fill_piece(a, r, &p, &st);
        return st;
    }
    if (off < 0 && read_part(r, &p, f, &st))
        return st;
    st = off >= 0 ? ZS_OK : chunk_entry(a, p.cidx, p.whole || a->streaming,
                                        f, &e);
    if (st != ZS_OK)
        return st;
    if ((st = zsi_array_note_read(a, e->found)) != ZS_OK) {
        zsi_cache_release(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), e);
        return st;
    }
    if (a->meta.dtype == ZS_DT_STRING) {
        st = read_strings(r, &p, &e->data, e->found);
    } else if (e->found) {
        zsi_nd_copy(a->meta.ndim, a->itemsize, e->data.data, a->cshape,
                    p.soff, r->out, r->count, p.doff, p.cnt);
    } else {
        fill_piece(a, r, &p, &st);
    }
    zsi_cache_release(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), e);
    return st;
}

/* Remote stores: fetch the stored bytes of every chunk of the box not in
 * the cache at once (the store transfers them in parallel), before the
 * threads decode them. */
static zs_status prefetch(region *r, size_t n)
{
    zs_array *a = r->a;
    struct zsi_cache *c = zsi_cache_of(a->ctx);
    const char **keys = NULL;
    zsi_buf *bufs = NULL;
    int *found = NULL;
    size_t m = 0;
    zs_status st = ZS_OK;
    r->pre = calloc(n, sizeof *r->pre);
    keys = calloc(n, sizeof *keys);
    bufs = calloc(n, sizeof *bufs);
    found = calloc(n, sizeof *found);
    if (!r->pre || !keys || !bufs || !found)
        st = zsi_nomem(a->ctx);
    for (size_t i = 0; st == ZS_OK && i < n; i++) {
        piece p;
        zsi_centry *e;
        zsi_buf key = ZSI_BUF_INIT;
        bool ahead = false;
        uint64_t id;
        locate(r, i, &p);
        id = zsi_array_ravel(a, p.cidx);
        e = zsi_cache_get(c, a->cache_id, id);
        if (e) {
            zsi_cache_release(c, e);
            continue;
        }
        st = zsi_array_chunk_key(a, p.cidx, &key);
        if (st == ZS_OK)
            r->pre[i].key = (char *)zsi_buf_take(&key);
        zsi_buf_free(&key);
        if (st == ZS_OK && !r->pre[i].key)
            st = zsi_nomem(a->ctx);
        if (st == ZS_OK)
            st = zsi_ahead_take(a, id, &r->pre[i].raw, &r->pre[i].found,
                                &ahead);
        if (st == ZS_OK && !ahead)
            keys[m++] = r->pre[i].key;
        else if (ahead)
            r->pre[i].ahead = true;
    }
    zsi_ahead_drop(a);   /* what the caller did not read after all */
    if (st == ZS_OK && m)
        st = zsi_store_get_many(a->store, m, keys, bufs, found);
    if (st == ZS_OK)   /* the next box travels while this one decodes */
        zsi_ahead_start(a, r->lo, r->n);
    for (size_t i = 0, k = 0; st == ZS_OK && i < n; i++)
        if (r->pre[i].key && !r->pre[i].ahead) {
            r->pre[i].raw = bufs[k];
            r->pre[i].found = found[k];
            bufs[k++] = (zsi_buf)ZSI_BUF_INIT;
        }
    for (size_t k = 0; bufs && k < m; k++)
        zsi_buf_free(&bufs[k]);
    free(keys);
    free(bufs);
    free(found);
    return st;
}

zs_status zs_array_read(zs_array *a, const uint64_t *start,
                        const uint64_t *count, void *out)
{
    region r;
    size_t n;
    bool empty;
    zs_status st = check_box(a, start, count, &r, &n, &empty);
    if (st != ZS_OK || empty)
        return st;
    r.out = out;
    if (a->meta.dtype == ZS_DT_STRING) {
        uint64_t total;
        zsi_prod_ok(count, a->meta.ndim, &total);
        memset(out, 0, (size_t)total * sizeof(char *));
    }
    if (zsi_array_fetches_ahead(a))
        st = prefetch(&r, n);
    if (st == ZS_OK)
        st = zsi_parallel_for(a->ctx, n, read_task, &r);
    if (r.pre) {
        for (size_t i = 0; i < n; i++) {
            free(r.pre[i].key);
            zsi_buf_free(&r.pre[i].raw);
        }
        free(r.pre);
    }
    if (st != ZS_OK && a->meta.dtype == ZS_DT_STRING) {
        uint64_t total;
        zsi_prod_ok(count, a->meta.ndim, &total);
        for (uint64_t i = 0; i < total; i++) {
            free(((char **)out)[i]);
            ((char **)out)[i] = NULL;
        }
    }
    return st;
}

/* Build the decoded chunk for piece p of a write: the old chunk (or fill)
 * overlaid with the input. */
static zs_status compose(region *r, const piece *p, zsi_buf *chunk)
{
    zs_array *a = r->a;
    int found = 0;
    zs_status st = ZS_OK;
    if (!p->whole)
        st = zsi_array_load_chunk(a, p->cidx, chunk, &found);
    if (st != ZS_OK)
        return st;
    if (a->meta.dtype == ZS_DT_STRING) {
        const char **ptrs;
        zsi_buf vl = ZSI_BUF_INIT;
        st = string_ptrs(a, chunk, found, &ptrs);
        if (st != ZS_OK)
            return st;
        zsi_nd_copy(a->meta.ndim, sizeof *ptrs, r->in, r->count, p->doff,
                    ptrs, a->cshape, p->soff, p->cnt);
        for (uint64_t i = 0; i < a->chunk_elems; i++)
            if (!ptrs[i])
                ptrs[i] = "";
        if (!zsi_vlen_build(&vl, ptrs, (size_t)a->chunk_elems))
            st = zsi_nomem(a->ctx);
        free(ptrs);
        zsi_buf_swap(&vl, chunk);
        zsi_buf_free(&vl);
        return st;
    }
    if (!found) {
        bool interior = p->whole;
        if (!zsi_buf_resize(chunk, a->chunk_bytes))
            return zsi_nomem(a->ctx);
        for (int d = 0; interior && d < a->meta.ndim; d++)
            interior = p->cnt[d] == a->cshape[d];
        if (!interior)   /* padding of edge chunks and unwritten parts */
            zsi_array_fill_elems(a, chunk->data, a->chunk_elems);
    }
    zsi_nd_copy(a->meta.ndim, a->itemsize, r->in, r->count, p->doff,
                chunk->data, a->cshape, p->soff, p->cnt);
    return ZS_OK;
}

static zs_status write_task(void *arg, size_t i)
{
    region *r = arg;
    zsi_buf chunk = ZSI_BUF_INIT;
    int64_t off;
    piece p;
    zs_status st;
    locate(r, i, &p);
    if ((off = in_place(r, &p)) >= 0) {
        st = zsi_array_store_chunk(r->a, p.cidx,
                                   r->in + (size_t)off * r->a->itemsize,
                                   r->turn, i);
    } else {
        st = compose(r, &p, &chunk);
        if (st == ZS_OK)
            st = zsi_array_store_chunk(r->a, p.cidx, chunk.data, r->turn, i);
        zsi_buf_free(&chunk);
    }
    if (r->turn)   /* also after a failure: later tasks wait for it */
        zsi_turn_pass(r->turn, i);
    return st;
}

zs_status zs_array_write(zs_array *a, const uint64_t *start,
                         const uint64_t *count, const void *in)
{
    region r;
    size_t n;
    bool empty;
    zs_status st;
    if (!(zsi_store_caps(a->store) & ZSI_STORE_CAN_WRITE))
        return zsi_err(a->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       zs_store_name(a->store));
    st = check_box(a, start, count, &r, &n, &empty);
    if (st != ZS_OK || empty)
        return st;
    zsi_array_ahead_stop(a);   /* what it fetched would be stale */
    if (a->shard)
        return zsi_shard_write(a, start, count, in);
    r.in = in;
    r.turn = NULL;
    if (zsi_store_caps(a->store) & ZSI_STORE_STREAM) {
        zsi_turn t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
        r.turn = &t;
        st = zsi_parallel_for(a->ctx, n, write_task, &r);
        pthread_mutex_destroy(&t.lock);
        pthread_cond_destroy(&t.cond);
        return st;
    }
    return zsi_parallel_for(a->ctx, n, write_task, &r);
}
