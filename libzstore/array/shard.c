/* shard.c - Zarr v3 "sharding_indexed" (read): an array's chunks (the
 * shards) hold inner chunks located through an index of (offset, nbytes)
 * pairs at the start or end of the shard.  The array's unit of I/O is the
 * inner chunk; indexes are kept in the chunk cache. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "array/array_impl.h"

struct zsi_shard {
    uint64_t outer[ZS_MAX_DIMS];   /* shard shape */
    uint64_t per[ZS_MAX_DIMS];     /* inner chunks per shard, per dim */
    uint64_t n_inner;
    zsi_chain index_chain;
    size_t index_bytes;            /* encoded index size */
    bool at_start;
    uint64_t cache_id;             /* decoded indexes in the chunk cache */
    /* indexes being read, so that tasks wanting the same one wait for
     * it instead of reading it again */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t *loading;
    size_t nloading, cap;
};

void zsi_shard_free(struct zsi_shard *sh)
{
    if (!sh)
        return;
    zsi_chain_free(&sh->index_chain);
    pthread_mutex_destroy(&sh->lock);
    pthread_cond_destroy(&sh->cond);
    free(sh->loading);
    free(sh);
}

static bool is_loading(const struct zsi_shard *sh, uint64_t lin)
{
    for (size_t i = 0; i < sh->nloading; i++)
        if (sh->loading[i] == lin)
            return true;
    return false;
}

/* Wait while another task reads index lin, then take it over: false
 * (and nothing taken) without memory for the list. */
static bool claim(struct zsi_shard *sh, uint64_t lin)
{
    bool ok = true;
    pthread_mutex_lock(&sh->lock);
    while (is_loading(sh, lin))
        pthread_cond_wait(&sh->cond, &sh->lock);
    if (sh->nloading == sh->cap) {
        size_t cap = sh->cap ? sh->cap * 2 : 8;
        uint64_t *p = realloc(sh->loading, cap * sizeof *p);
        if (p) {
            sh->loading = p;
            sh->cap = cap;
        }
        ok = p != NULL;
    }
    if (ok)
        sh->loading[sh->nloading++] = lin;
    pthread_mutex_unlock(&sh->lock);
    return ok;
}

static void unclaim(struct zsi_shard *sh, uint64_t lin)
{
    pthread_mutex_lock(&sh->lock);
    for (size_t i = 0; i < sh->nloading; i++)
        if (sh->loading[i] == lin) {
            sh->loading[i] = sh->loading[--sh->nloading];
            break;
        }
    pthread_cond_broadcast(&sh->cond);
    pthread_mutex_unlock(&sh->lock);
}

static zs_status build_chain(zs_array *a, const char *json, zsi_chain *ch,
                             const zsi_codec_info *first, size_t *ncrc)
{
    zsi_codec_spec *specs = NULL;
    size_t n = 0;
    zs_status st = zsi_meta_v3_codecs(a->ctx, a->path, json, &specs, &n);
    zsi_codec_info ci = *first;
    for (size_t i = 0; st == ZS_OK && i < n; i++) {
        if (!strcmp(specs[i].id, "sharding_indexed"))
            st = zsi_err(a->ctx, ZS_ERR_UNSUPPORTED,
                         "%s: nested sharding is not supported", a->path);
        else
            st = zsi_chain_add(a->ctx, ch, specs[i].id, &specs[i].cfg, &ci);
        if (ncrc && !strcmp(specs[i].id, "crc32c"))
            (*ncrc)++;
        else if (ncrc && strcmp(specs[i].id, "bytes") && st == ZS_OK)
            st = zsi_err(a->ctx, ZS_ERR_UNSUPPORTED, "%s: index codec '%s' "
                         "is not supported", a->path, specs[i].id);
    }
    for (size_t i = 0; i < n; i++)
        zsi_codec_spec_free(&specs[i]);
    free(specs);
    return st;
}

static zs_status parse_inner(zs_array *a, struct zsi_shard *sh,
                             const zsi_kv *cfg)
{
    const zsi_kv_item *cs = zsi_kv_find(cfg, "chunk_shape");
    if (!cs || cs->type != ZSI_KV_INTS || (int)cs->nints != a->meta.ndim)
        return zsi_err(a->ctx, ZS_ERR_FORMAT,
                       "%s: sharding_indexed needs chunk_shape with %d "
                       "dimensions", a->path, a->meta.ndim);
    sh->n_inner = 1;
    for (int d = 0; d < a->meta.ndim; d++) {
        if (cs->ints[d] < 1 || (uint64_t)cs->ints[d] > a->meta.chunks[d] ||
            a->meta.chunks[d] % (uint64_t)cs->ints[d])
            return zsi_err(a->ctx, ZS_ERR_FORMAT,
                           "%s: inner chunk shape must divide the shard "
                           "shape", a->path);
        a->cshape[d] = (uint64_t)cs->ints[d];
        sh->outer[d] = a->meta.chunks[d];
        sh->per[d] = sh->outer[d] / a->cshape[d];
        sh->n_inner *= sh->per[d];
    }
    if (sh->n_inner > ((uint64_t)1 << 26))
        return zsi_err(a->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: too many inner chunks per shard", a->path);
    return ZS_OK;
}

/* "shards(6x31x60)|bytes(little)|...": the inner chunks, then their
 * codecs, so that a description says the array is sharded. */
static zs_status describe_sharding(zs_array *a)
{
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = zsi_buf_append_str(&b, "shards(");
    for (int d = 0; ok && d < a->meta.ndim; d++)
        ok = zsi_buf_printf(&b, "%s%llu", d ? "x" : "",
                            (unsigned long long)a->cshape[d]);
    ok = ok && zsi_buf_printf(&b, ")|%s", a->chain.desc ? a->chain.desc
                                                         : "none") &&
         zsi_buf_cstr(&b);
    if (!ok) {
        zsi_buf_free(&b);
        return zsi_nomem(a->ctx);
    }
    free(a->chain.desc);
    a->chain.desc = (char *)zsi_buf_take(&b);
    return ZS_OK;
}

zs_status zsi_shard_setup(zs_array *a, const zsi_codec_spec *spec)
{
    struct zsi_shard *sh = calloc(1, sizeof *sh);
    const zsi_kv_item *codecs = zsi_kv_find(&spec->cfg, "codecs");
    const zsi_kv_item *index = zsi_kv_find(&spec->cfg, "index_codecs");
    const char *loc = NULL;
    zsi_codec_info ci;
    size_t ncrc = 0;
    zs_status st;
    if (!sh)
        return zsi_nomem(a->ctx);
    a->shard = sh;
    pthread_mutex_init(&sh->lock, NULL);
    pthread_cond_init(&sh->cond, NULL);
    zsi_chain_init(&sh->index_chain);
    st = parse_inner(a, sh, &spec->cfg);
    if (st != ZS_OK)
        return st;
    if (!codecs || codecs->type != ZSI_KV_JSON)
        return zsi_err(a->ctx, ZS_ERR_FORMAT,
                       "%s: sharding_indexed without codecs", a->path);
    memset(&ci, 0, sizeof ci);
    ci.dtype = a->meta.dtype;
    ci.itemsize = a->itemsize;
    ci.ndim = a->meta.ndim;
    memcpy(ci.shape, a->cshape, sizeof ci.shape);
    st = build_chain(a, codecs->s, &a->chain, &ci, NULL);
    if (st != ZS_OK)
        return st;
    st = describe_sharding(a);
    if (st != ZS_OK)
        return st;
    memset(&ci, 0, sizeof ci);
    ci.dtype = ZS_DT_UINT64;
    ci.itemsize = 8;
    ci.ndim = a->meta.ndim + 1;
    memcpy(ci.shape, sh->per, sizeof(uint64_t) * (size_t)a->meta.ndim);
    ci.shape[a->meta.ndim] = 2;
    if (index && index->type == ZSI_KV_JSON)
        st = build_chain(a, index->s, &sh->index_chain, &ci, &ncrc);
    else
        st = zsi_err(a->ctx, ZS_ERR_FORMAT,
                     "%s: sharding_indexed without index_codecs", a->path);
    if (st != ZS_OK)
        return st;
    sh->index_bytes = (size_t)sh->n_inner * 16 + 4 * ncrc;
    if (zsi_kv_get_string(&spec->cfg, "index_location", &loc) == 1 &&
        strcmp(loc, "end") && strcmp(loc, "start"))
        return zsi_err(a->ctx, ZS_ERR_FORMAT,
                       "%s: index_location must be start or end", a->path);
    sh->at_start = loc && !strcmp(loc, "start");
    sh->cache_id = zsi_cache_new_id(zsi_cache_of(a->ctx));
    return ZS_OK;
}

static zs_status read_index(zs_array *a, uint64_t lin, const char *key,
                            zsi_centry **out, int *found);

/* The decoded index of a shard (cached, read once however many tasks
 * want it at the same time); *found 0 for a missing shard. */
static zs_status load_index(zs_array *a, const uint64_t *sidx,
                            const char *key, zsi_centry **out, int *found)
{
    struct zsi_shard *sh = a->shard;
    struct zsi_cache *c = zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE);
    uint64_t lin = 0;
    zs_status st;
    for (int d = 0; d < a->meta.ndim; d++)
        lin = lin * (a->meta.shape[d] ? (a->meta.shape[d] - 1) /
                                            sh->outer[d] + 1 : 0) + sidx[d];
    if ((*out = zsi_cache_get(c, sh->cache_id, lin))) {
        *found = (*out)->found;
        return ZS_OK;
    }
    /* an index the cache cannot keep is of no use to those waiting */
    if (zsi_cache_budget(c) < (size_t)sh->n_inner * 16)
        return read_index(a, lin, key, out, found);
    if (!claim(sh, lin))
        return zsi_nomem(a->ctx);
    if ((*out = zsi_cache_get(c, sh->cache_id, lin))) {  /* read meanwhile */
        *found = (*out)->found;
        st = ZS_OK;
    } else {
        st = read_index(a, lin, key, out, found);
    }
    unclaim(sh, lin);
    return st;
}

static zs_status read_index(zs_array *a, uint64_t lin, const char *key,
                            zsi_centry **out, int *found)
{
    struct zsi_shard *sh = a->shard;
    struct zsi_cache *c = zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE);
    uint64_t size = 0;
    zsi_buf raw = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    zs_status st;
    st = zsi_store_size(a->store, key, &size, found);
    if (st == ZS_OK && *found && size < sh->index_bytes)
        st = zsi_err(a->ctx, ZS_ERR_CORRUPT, "%s: shard shorter than its "
                     "index", key);
    if (st == ZS_OK && *found) {
        void *p = NULL;
        size_t n = 0;
        uint64_t off = sh->at_start ? 0 : size - sh->index_bytes;
        st = zs_store_get_range(a->store, key, off, sh->index_bytes, &p, &n,
                                found);
        if (st == ZS_OK && *found && n != sh->index_bytes)
            st = zsi_err(a->ctx, ZS_ERR_CORRUPT, "%s: short shard index",
                         key);
        if (st == ZS_OK && *found)
            st = zsi_chain_decode(&sh->index_chain, a->ctx, p, n, &dec,
                                  (size_t)sh->n_inner * 16);
        free(p);
        if (st != ZS_OK)
            zsi_err_prefix(a->ctx, st, "%s: shard index", key);
        (void)size;
        if (st == ZS_OK)
            for (uint64_t i = 0; *found && i < sh->n_inner; i++) {
                uint64_t o, l;
                memcpy(&o, dec.data + 16 * i, 8);
                memcpy(&l, dec.data + 16 * i + 8, 8);
                if (o == UINT64_MAX && l == UINT64_MAX)
                    continue;
                if (o > size || l > size - o)
                    st = zsi_err(a->ctx, ZS_ERR_CORRUPT,
                                 "%s: shard index points outside the shard",
                                 key);
            }
    }
    zsi_buf_free(&raw);
    if (st == ZS_OK) {
        *out = zsi_cache_put(c, sh->cache_id, lin, &dec, *found);
        if (!*out)
            st = zsi_nomem(a->ctx);
    }
    zsi_buf_free(&dec);
    return st;
}

zs_status zsi_shard_get(zs_array *a, const uint64_t *cidx, zsi_buf *out,
                        int *found)
{
    struct zsi_shard *sh = a->shard;
    uint64_t sidx[ZS_MAX_DIMS], pos = 0, off, len;
    zsi_buf key = ZSI_BUF_INIT;
    zsi_centry *e = NULL;
    zs_status st;
    *found = 0;
    for (int d = 0; d < a->meta.ndim; d++) {
        sidx[d] = cidx[d] / sh->per[d];
        pos = pos * sh->per[d] + cidx[d] % sh->per[d];
    }
    st = zsi_array_chunk_key(a, sidx, &key);
    if (st == ZS_OK)
        st = load_index(a, sidx, (char *)key.data, &e, found);
    if (st == ZS_OK && *found) {
        memcpy(&off, e->data.data + 16 * pos, 8);
        memcpy(&len, e->data.data + 16 * pos + 8, 8);
        if (off == UINT64_MAX && len == UINT64_MAX) {
            *found = 0;
        } else {
            void *p = NULL;
            size_t n = 0;
            st = zs_store_get_range(a->store, (char *)key.data, off, len, &p,
                                    &n, found);
            if (st == ZS_OK && *found && n != len)
                st = zsi_err(a->ctx, ZS_ERR_CORRUPT,
                             "%s: inner chunk cut short", (char *)key.data);
            if (st == ZS_OK && *found) {
                out->len = 0;
                if (!zsi_buf_append(out, p, n))
                    st = zsi_nomem(a->ctx);
            }
            free(p);
        }
    }
    zsi_cache_release(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), e);
    zsi_buf_free(&key);
    return st;
}

/* ---- writing ----------------------------------------------------------- */

/* A write to a sharded array: the shards the box touches (lo .. lo + n - 1
 * per dimension), and one slot per inner chunk of each of them. */
typedef struct swrite {
    zs_array *a;
    const uint64_t *start, *count;
    const uint8_t *in;
    uint64_t lo[ZS_MAX_DIMS], n[ZS_MAX_DIMS];
    uint64_t nshards;
    zsi_buf *enc;             /* nshards * n_inner encoded inner chunks */
    bool *present;            /* slot holds a chunk (else: empty entry) */
} swrite;

/* Shard coordinates of the k-th touched shard. */
static void shard_coords(const swrite *w, uint64_t k, uint64_t *sidx)
{
    for (int d = w->a->meta.ndim - 1; d >= 0; d--) {
        sidx[d] = w->lo[d] + k % w->n[d];
        k /= w->n[d];
    }
}

/* Inner chunk pos of shard sidx in array chunk coordinates; false when it
 * lies past the end of the array (its entry stays empty). */
static bool inner_coords(const zs_array *a, const uint64_t *sidx,
                         uint64_t pos, uint64_t *cidx)
{
    const struct zsi_shard *sh = a->shard;
    for (int d = a->meta.ndim - 1; d >= 0; d--) {
        cidx[d] = sidx[d] * sh->per[d] + pos % sh->per[d];
        pos /= sh->per[d];
        if (cidx[d] >= a->grid[d])
            return false;
    }
    return true;
}

/* The part of chunk cidx inside the box: offsets in the chunk and in the
 * box, extent; *meets false if none; *whole if it covers the chunk's
 * part inside the array. */
static void overlap(const swrite *w, const uint64_t *cidx, uint64_t *soff,
                    uint64_t *doff, uint64_t *cnt, bool *meets, bool *whole)
{
    const zs_array *a = w->a;
    *meets = *whole = true;
    for (int d = 0; d < a->meta.ndim; d++) {
        uint64_t c0 = cidx[d] * a->cshape[d], c1 = c0 + a->cshape[d];
        uint64_t b0 = w->start[d], b1 = b0 + w->count[d];
        uint64_t in_end = a->meta.shape[d] < c1 ? a->meta.shape[d] : c1;
        uint64_t s = b0 > c0 ? b0 : c0, e = b1 < c1 ? b1 : c1;
        if (s >= e) {
            *meets = false;
            return;
        }
        soff[d] = s - c0;
        doff[d] = s - b0;
        cnt[d] = e - s;
        if (s != c0 || e < in_end)
            *whole = false;
    }
}

/* Encode the new contents of inner chunk cidx (the box over the old
 * chunk or the fill value) into out; *present false for an empty entry. */
static zs_status encode_inner(swrite *w, const uint64_t *cidx, zsi_buf *out,
                              bool *present)
{
    zs_array *a = w->a;
    uint64_t soff[ZS_MAX_DIMS], doff[ZS_MAX_DIMS], cnt[ZS_MAX_DIMS];
    zsi_buf chunk = ZSI_BUF_INIT;
    bool meets, whole, skip = false;
    int found = 0;
    zs_status st = ZS_OK;
    overlap(w, cidx, soff, doff, cnt, &meets, &whole);
    if (!meets) {   /* untouched: keep its stored bytes as they are */
        st = zsi_shard_get(a, cidx, out, &found);
        *present = st == ZS_OK && found;
        return st;
    }
    if (!whole)
        st = zsi_array_load_chunk(a, cidx, &chunk, &found);
    if (st == ZS_OK && !found) {
        if (!zsi_buf_resize(&chunk, a->chunk_bytes))
            st = zsi_nomem(a->ctx);
        else
            zsi_array_fill_elems(a, chunk.data, a->chunk_elems);
    }
    if (st == ZS_OK) {
        zsi_nd_copy(a->meta.ndim, a->itemsize, w->in, w->count, doff,
                    chunk.data, a->cshape, soff, cnt);
        /* the format's own rule: a chunk of fill values is an empty
         * entry, not a stored chunk */
        skip = zsi_array_all_fill(a, chunk.data);
        if (!skip)
            st = zsi_array_encode_chunk(a, chunk.data, out, &skip);
    }
    *present = st == ZS_OK && !skip;
    zsi_buf_free(&chunk);
    return st;
}

static zs_status encode_task(void *arg, size_t i)
{
    swrite *w = arg;
    const struct zsi_shard *sh = w->a->shard;
    uint64_t sidx[ZS_MAX_DIMS], cidx[ZS_MAX_DIMS];
    shard_coords(w, i / sh->n_inner, sidx);
    w->present[i] = false;
    if (!inner_coords(w->a, sidx, i % sh->n_inner, cidx))
        return ZS_OK;
    return encode_inner(w, cidx, &w->enc[i], &w->present[i]);
}

/* Shard k: its inner chunks in order, then the index; erased when every
 * entry is empty.  Cached copies of its index and chunks are dropped. */
static zs_status store_shard(swrite *w, uint64_t k)
{
    zs_array *a = w->a;
    struct zsi_shard *sh = a->shard;
    uint64_t sidx[ZS_MAX_DIMS], cidx[ZS_MAX_DIMS], off = 0, lin = 0;
    zsi_buf data = ZSI_BUF_INIT, index = ZSI_BUF_INIT, enc = ZSI_BUF_INIT;
    zsi_buf key = ZSI_BUF_INIT;
    const zsi_buf *slot = &w->enc[k * sh->n_inner];
    const bool *present = &w->present[k * sh->n_inner];
    bool any = false;
    zs_status st;
    shard_coords(w, k, sidx);
    if (!zsi_buf_resize(&index, (size_t)sh->n_inner * 16))
        return zsi_nomem(a->ctx);
    for (uint64_t p = 0; p < sh->n_inner; p++) {
        uint64_t pair[2] = {UINT64_MAX, UINT64_MAX};
        if (present[p]) {
            pair[0] = off;
            pair[1] = slot[p].len;
            off += slot[p].len;
            any = true;
        }
        memcpy(index.data + 16 * p, pair, 16);
    }
    st = zsi_array_chunk_key(a, sidx, &key);
    for (uint64_t p = 0; st == ZS_OK && any && p < sh->n_inner; p++)
        if (present[p] && !zsi_buf_append(&data, slot[p].data, slot[p].len))
            st = zsi_nomem(a->ctx);
    if (st == ZS_OK && any)
        st = zsi_chain_encode(&sh->index_chain, a->ctx, index.data,
                              index.len, &enc);
    if (st == ZS_OK && any && !zsi_buf_append(&data, enc.data, enc.len))
        st = zsi_nomem(a->ctx);
    if (st == ZS_OK)
        st = any ? zs_store_set(a->store, (char *)key.data, data.data,
                                data.len)
                 : zs_store_erase(a->store, (char *)key.data);
    if (st != ZS_OK && key.data)
        zsi_err_prefix(a->ctx, st, "%s", (char *)key.data);
    for (int d = 0; d < a->meta.ndim; d++)
        lin = lin * (a->meta.shape[d] ? (a->meta.shape[d] - 1) /
                                            sh->outer[d] + 1 : 0) + sidx[d];
    zsi_cache_drop(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), sh->cache_id, lin);
    for (uint64_t p = 0; p < sh->n_inner; p++)
        if (inner_coords(a, sidx, p, cidx))
            zsi_cache_drop(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), a->cache_id,
                           zsi_array_ravel(a, cidx));
    zsi_buf_free(&key);
    zsi_buf_free(&enc);
    zsi_buf_free(&index);
    zsi_buf_free(&data);
    return st;
}

/* A stream cannot give back a shard written before: the box must cover
 * every shard it touches, up to the array's end. */
static bool covers_shards(const swrite *w)
{
    const zs_array *a = w->a;
    for (int d = 0; d < a->meta.ndim; d++) {
        uint64_t s0 = w->lo[d] * a->shard->outer[d];
        uint64_t s1 = (w->lo[d] + w->n[d]) * a->shard->outer[d];
        if (s1 > a->meta.shape[d])
            s1 = a->meta.shape[d];
        if (w->start[d] != s0 || w->start[d] + w->count[d] != s1)
            return false;
    }
    return true;
}

zs_status zsi_shard_write(zs_array *a, const uint64_t *start,
                          const uint64_t *count, const void *in)
{
    struct zsi_shard *sh = a->shard;
    swrite w;
    uint64_t slots;
    zs_status st = ZS_OK;
    memset(&w, 0, sizeof w);
    w.a = a;
    w.start = start;
    w.count = count;
    w.in = in;
    w.nshards = 1;
    for (int d = 0; d < a->meta.ndim; d++) {
        w.lo[d] = start[d] / sh->outer[d];
        w.n[d] = (start[d] + count[d] - 1) / sh->outer[d] - w.lo[d] + 1;
        w.nshards *= w.n[d];
    }
    if (a->meta.dtype == ZS_DT_STRING)
        return zsi_err(a->ctx, ZS_ERR_UNSUPPORTED, "%s: sharded arrays of "
                       "variable-length strings cannot be written", a->path);
    if ((zsi_store_caps(a->store) & ZSI_STORE_STREAM) && !covers_shards(&w))
        return zsi_err(a->ctx, ZS_ERR_UNSUPPORTED, "%s: a write to a stream "
                       "must cover whole shards", a->path);
    if (!zsi_mul_ok(w.nshards, sh->n_inner, &slots) || slots > SIZE_MAX / 32)
        return zsi_err(a->ctx, ZS_ERR_OVERFLOW, "%s: too many inner chunks "
                       "in one write", a->path);
    w.enc = calloc((size_t)slots, sizeof *w.enc);
    w.present = calloc((size_t)slots, sizeof *w.present);
    if (!w.enc || !w.present)
        st = zsi_nomem(a->ctx);
    if (st == ZS_OK)
        st = zsi_parallel_for(a->ctx, (size_t)slots, encode_task, &w);
    for (uint64_t k = 0; st == ZS_OK && k < w.nshards; k++)
        st = store_shard(&w, k);
    for (uint64_t i = 0; w.enc && i < slots; i++)
        zsi_buf_free(&w.enc[i]);
    free(w.enc);
    free(w.present);
    return st;
}
