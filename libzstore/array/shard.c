/* shard.c - Zarr v3 "sharding_indexed" (read): an array's chunks (the
 * shards) hold inner chunks located through an index of (offset, nbytes)
 * pairs at the start or end of the shard.  The array's unit of I/O is the
 * inner chunk; indexes are kept in the chunk cache. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "array/zsi_array.h"

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
    struct zsi_cache *c = a->ctx->cache;
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
    struct zsi_cache *c = a->ctx->cache;
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
    zsi_cache_release(a->ctx->cache, e);
    zsi_buf_free(&key);
    return st;
}
