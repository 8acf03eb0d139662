/* array.c - opening and creating arrays, chunk keys, loading and storing
 * single chunks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array/array_impl.h"

static bool host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* Width used to byte-swap elements: UCS-4 strings swap per code unit. */
static size_t swap_width(const zs_array *a)
{
    return a->meta.dtype == ZS_DT_UNICODE ? 4 : a->itemsize;
}

static zsi_codec_info first_info(const zs_array *a, bool big_endian)
{
    zsi_codec_info ci;
    memset(&ci, 0, sizeof ci);
    ci.dtype = a->meta.dtype;
    ci.itemsize = a->itemsize;
    ci.big_endian = big_endian;
    ci.ndim = a->meta.ndim;
    memcpy(ci.shape, a->cshape, sizeof ci.shape);
    return ci;
}

static zs_status chain_v2(zs_array *a)
{
    zsi_codec_info ci = first_info(a, a->meta.big_endian);
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < a->meta.nfilters; i++)
        st = zsi_chain_add(a->ctx, &a->chain, a->meta.filters[i].id,
                           &a->meta.filters[i].cfg, &ci);
    if (st == ZS_OK && a->meta.compressor)
        st = zsi_chain_add(a->ctx, &a->chain, a->meta.compressor->id,
                           &a->meta.compressor->cfg, &ci);
    a->swap = a->meta.big_endian != host_big_endian() &&
              a->meta.dtype != ZS_DT_STRING && swap_width(a) > 1;
    a->fortran = a->meta.order == 'F' && a->meta.ndim > 1;
    return st;
}

static zs_status chain_v3(zs_array *a)
{
    zsi_codec_info ci;
    zs_status st = ZS_OK;
    size_t i = 0;
    if (a->meta.ncodecs &&
        strcmp(a->meta.codecs[0].id, "sharding_indexed") == 0) {
        st = zsi_shard_setup(a, &a->meta.codecs[0]);
        if (st != ZS_OK)
            return st;
        if (a->meta.ncodecs > 1)
            return zsi_err(a->ctx, ZS_ERR_UNSUPPORTED,
                           "%s: codecs after sharding_indexed are not "
                           "supported", a->path);
        return ZS_OK;   /* the shard set-up built the inner chain */
    }
    ci = first_info(a, host_big_endian());
    for (; st == ZS_OK && i < a->meta.ncodecs; i++) {
        if (strcmp(a->meta.codecs[i].id, "sharding_indexed") == 0)
            return zsi_err(a->ctx, ZS_ERR_UNSUPPORTED,
                           "%s: sharding_indexed must be the first codec",
                           a->path);
        st = zsi_chain_add(a->ctx, &a->chain, a->meta.codecs[i].id,
                           &a->meta.codecs[i].cfg, &ci);
    }
    return st;
}

/* Derived sizes of the chunk grid. */
static zs_status setup_grid(zs_array *a)
{
    uint64_t n = 1;
    for (int d = 0; d < a->meta.ndim; d++) {
        a->grid[d] = a->meta.shape[d] == 0
                         ? 0 : (a->meta.shape[d] - 1) / a->cshape[d] + 1;
        n *= a->grid[d];
    }
    a->nchunks = n;
    if (!zsi_prod_ok(a->cshape, a->meta.ndim, &a->chunk_elems))
        return zsi_err(a->ctx, ZS_ERR_OVERFLOW, "%s: chunk too large",
                       a->path);
    a->chunk_bytes = a->meta.dtype == ZS_DT_STRING
                         ? 0 : (size_t)(a->chunk_elems * a->itemsize);
    return ZS_OK;
}

void zs_array_close(zs_array *a)
{
    if (!a)
        return;
    zsi_ahead_free(a->ahead);
    zsi_cache_drop_all(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), a->cache_id);
    zsi_chain_free(&a->chain);
    zsi_shard_free(a->shard);
    free(a->broken_msg);
    zsi_array_meta_free(&a->meta);
    free(a->path);
    free(a);
}

static zs_status array_new(zs_store *s, const char *path,
                           const zsi_array_meta *m, zs_array **out)
{
    zs_ctx *ctx = zsi_store_ctx(s);
    zs_array *a = calloc(1, sizeof *a);
    zs_status st;
    if (!a || !(a->path = zsi_strdup(path ? path : ""))) {
        free(a);
        return zsi_nomem(ctx);
    }
    a->ctx = ctx;
    a->store = s;
    zsi_chain_init(&a->chain);
    st = zsi_array_meta_copy(ctx, m, &a->meta);
    if (st != ZS_OK) {
        free(a->path);
        free(a);
        return st;
    }
    a->itemsize = m->dtype == ZS_DT_STRING ? 8 : m->itemsize;
    memcpy(a->cshape, m->chunks, sizeof a->cshape);
    a->cache_id = zsi_cache_new_id(zsi_cache_of(ctx));
    *out = a;
    return ZS_OK;
}

zs_status zsi_array_from_meta(zs_store *s, const char *path,
                              const zsi_array_meta *m, zs_array **out)
{
    zs_ctx *ctx = zsi_store_ctx(s);
    zs_array *a;
    zs_status st = array_new(s, path, m, &a);
    if (st != ZS_OK)
        return st;
    st = m->zarr_format == 3 ? chain_v3(a) : chain_v2(a);
    if (st == ZS_ERR_UNSUPPORTED) {
        /* keep the array visible; reading it reports why it cannot be */
        a->broken = st;
        a->broken_msg = *a->path
                             ? zsi_asprintf("%s: %s", a->path,
                                            zs_ctx_message(ctx))
                             : zsi_strdup(zs_ctx_message(ctx));
        zsi_chain_free(&a->chain);
        zsi_chain_init(&a->chain);
        a->chain.desc = zsi_strdup("unsupported");
        st = a->broken_msg && a->chain.desc ? ZS_OK : zsi_nomem(ctx);
    }
    if (st == ZS_OK)
        st = setup_grid(a);
    if (st != ZS_OK) {
        if (*a->path)
            zsi_err_prefix(ctx, st, "%s", a->path);
        zs_array_close(a);
        return st;
    }
    *out = a;
    return ZS_OK;
}

/* Replace the codec specs of the metadata by the codecs' own full
 * configurations, in the spelling of the array's format, so that what we
 * write names every parameter. */
static zs_status specs_from_chain(zs_array *a)
{
    size_t nf = a->meta.nfilters;
    int fmt = a->meta.zarr_format;
    for (size_t i = 0; i < a->chain.n; i++) {
        zsi_codec *c = a->chain.codecs[i];
        zsi_codec_spec *sp = fmt == 3 ? &a->meta.codecs[i]
                             : i < nf ? &a->meta.filters[i]
                                      : a->meta.compressor;
        zsi_kv kv = {NULL, 0};
        if (!sp)
            continue;
        if (fmt == 3) {
            char *name = zsi_codec_v3_name(c);
            if (!name)
                return zsi_nomem(a->ctx);
            free(sp->id);
            sp->id = name;
        }
        if (zsi_codec_config(c, fmt, &kv) != ZS_OK)
            return zsi_nomem(a->ctx);
        zsi_kv_free(&sp->cfg);
        sp->cfg = kv;
    }
    return ZS_OK;
}

/* The sharding_indexed codec around the array's codecs: inner chunks of
 * the current chunk shape in shards of shape shard, the index (bytes,
 * crc32c) at the end, as zarr-python writes it by default. */
static zs_status shard_spec(zs_array *a, const uint64_t *shard,
                            zsi_codec_spec *sp)
{
    static const char index_codecs[] =
        "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
        "{\"name\":\"crc32c\"}]";
    int64_t inner[ZS_MAX_DIMS];
    zsi_buf codecs = ZSI_BUF_INIT;
    zs_status st;
    for (int d = 0; d < a->meta.ndim; d++) {
        if (shard[d] % a->meta.chunks[d])
            return zsi_err(a->ctx, ZS_ERR_INVALID, "%s: shard length %llu "
                           "is not a multiple of the chunk length %llu",
                           a->path, (unsigned long long)shard[d],
                           (unsigned long long)a->meta.chunks[d]);
        inner[d] = (int64_t)a->meta.chunks[d];
    }
    st = zsi_meta_v3_format_codecs(a->ctx, a->meta.codecs, a->meta.ncodecs,
                                   &codecs);
    memset(sp, 0, sizeof *sp);
    if (st == ZS_OK &&
        (!(sp->id = zsi_strdup("sharding_indexed")) ||
         !zsi_kv_set_ints(&sp->cfg, "chunk_shape", inner,
                          (size_t)a->meta.ndim) ||
         !zsi_kv_set_json(&sp->cfg, "codecs", (char *)codecs.data) ||
         !zsi_kv_set_json(&sp->cfg, "index_codecs", index_codecs) ||
         !zsi_kv_set_string(&sp->cfg, "index_location", "end")))
        st = zsi_nomem(a->ctx);
    zsi_buf_free(&codecs);
    if (st != ZS_OK)
        zsi_codec_spec_free(sp);
    return st;
}

/* Wrap the (inner) codecs of a new v3 array in sharding. */
static zs_status make_sharded(zs_array *a, const uint64_t *shard)
{
    zsi_codec_spec sp;
    zs_status st = shard_spec(a, shard, &sp);
    if (st != ZS_OK)
        return st;
    for (size_t i = 0; i < a->meta.ncodecs; i++)
        zsi_codec_spec_free(&a->meta.codecs[i]);
    a->meta.codecs[0] = sp;
    a->meta.ncodecs = 1;
    memcpy(a->meta.chunks, shard, sizeof(uint64_t) * (size_t)a->meta.ndim);
    zsi_chain_free(&a->chain);
    zsi_chain_init(&a->chain);
    return chain_v3(a);
}

zs_status zsi_array_create(zs_store *s, const char *path,
                           const zsi_array_meta *m, const uint64_t *shard,
                           zs_array **out)
{
    zs_ctx *ctx = zsi_store_ctx(s);
    zs_array *a;
    zs_status st;
    if (m->order != 'C' || (m->zarr_format != 2 && m->zarr_format != 3))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: only Zarr v2 and v3 arrays in C order can be "
                       "written", path);
    if (shard && m->zarr_format != 3)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: sharding needs Zarr "
                       "v3", path);
    st = array_new(s, path, m, &a);
    if (st == ZS_OK)
        st = m->zarr_format == 3 ? chain_v3(a) : chain_v2(a);
    if (st == ZS_OK)
        st = specs_from_chain(a);
    if (st == ZS_OK && shard)
        st = make_sharded(a, shard);
    if (st == ZS_OK)
        st = setup_grid(a);
    if (st != ZS_OK) {
        zs_array_close(a);
        return st;
    }
    *out = a;
    return ZS_OK;
}

zs_status zsi_array_format_meta(zs_array *a, int lvl, zsi_buf *out)
{
    if (a->meta.zarr_format == 3)
        return zsi_meta_v3_format_array(a->ctx, &a->meta, lvl, out);
    return zsi_meta_v2_format_array(a->ctx, &a->meta, lvl, out);
}

zs_status zsi_array_format_zattrs(zs_array *a, int lvl, zsi_buf *out)
{
    return zsi_meta_format_attrs(a->ctx, a->meta.attrs,
                                 (const char *const *)a->meta.dim_names,
                                 a->meta.ndim, lvl, out);
}

/* ---- opening from a store ------------------------------------------- */

static zs_status get_doc(zs_store *s, const char *key, zsi_meta_doc **doc,
                         int *found)
{
    zs_ctx *ctx = zsi_store_ctx(s);
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_store_get(s, key, &b, found);
    *doc = NULL;
    if (st == ZS_OK && *found) {
        char *where = zsi_asprintf("%s/%s", zs_store_name(s), key);
        st = where ? zsi_meta_doc_parse(ctx, where, (char *)b.data,
                                        b.len, doc)
                   : zsi_nomem(ctx);
        free(where);
    }
    zsi_buf_free(&b);
    return st;
}

zs_status zs_array_open(zs_store *s, const char *path, zs_array **out)
{
    zs_ctx *ctx = zsi_store_ctx(s);
    char *k2 = zsi_path_join(path, ".zarray");
    char *ka = zsi_path_join(path, ".zattrs");
    char *k3 = zsi_path_join(path, "zarr.json");
    zsi_meta_doc *d = NULL, *attrs = NULL;
    zsi_array_meta m;
    zs_status st;
    int found = 0, fa = 0;
    zsi_array_meta_init(&m);
    if (!k2 || !ka || !k3) {
        st = zsi_nomem(ctx);
        goto done;
    }
    st = get_doc(s, k2, &d, &found);
    if (st == ZS_OK && found) {
        st = get_doc(s, ka, &attrs, &fa);
        if (st == ZS_OK)
            st = zsi_meta_v2_array(ctx, k2, d, attrs, &m);
    } else if (st == ZS_OK) {
        st = get_doc(s, k3, &d, &found);
        if (st == ZS_OK && found)
            st = zsi_meta_v3_array(ctx, k3, d, NULL, &m);
        else if (st == ZS_OK)
            st = zsi_err(ctx, ZS_ERR_NOTFOUND, "%s: no array at '%s'",
                         zs_store_name(s), path);
    }
    if (st == ZS_OK)
        st = zsi_array_from_meta(s, path, &m, out);
done:
    zsi_array_meta_free(&m);
    zsi_meta_doc_free(d);
    zsi_meta_doc_free(attrs);
    free(k2);
    free(ka);
    free(k3);
    return st;
}

/* ---- accessors -------------------------------------------------------- */

int zs_array_ndim(const zs_array *a) { return a->meta.ndim; }
const uint64_t *zs_array_shape(const zs_array *a) { return a->meta.shape; }
const uint64_t *zs_array_chunks(const zs_array *a) { return a->meta.chunks; }
zs_dtype zs_array_dtype(const zs_array *a) { return a->meta.dtype; }
const zs_attrs *zs_array_attrs(const zs_array *a) { return a->meta.attrs; }
const char *zs_array_codecs(const zs_array *a)
{
    return a->chain.desc ? a->chain.desc : "none";
}

size_t zs_array_itemsize(const zs_array *a)
{
    return a->meta.dtype == ZS_DT_STRING ? sizeof(char *) : a->itemsize;
}

int zs_array_fill(const zs_array *a, void *item)
{
    if (!a->meta.has_fill)
        return 0;
    if (item && a->meta.dtype == ZS_DT_STRING)
        *(char **)item = zsi_strdup((const char *)a->meta.fill);
    else if (item)
        memcpy(item, a->meta.fill, a->itemsize);
    return 1;
}

const zsi_array_meta *zsi_array_meta_of(const zs_array *a)
{
    return &a->meta;
}

zs_store *zsi_array_store(const zs_array *a) { return a->store; }
const char *zsi_array_path(const zs_array *a) { return a->path; }
zs_ctx *zsi_array_ctx(const zs_array *a) { return a->ctx; }
uint64_t zsi_array_nchunks(const zs_array *a) { return a->nchunks; }
bool zsi_array_sharded(const zs_array *a) { return a->shard != NULL; }
const char *zsi_array_problem(const zs_array *a)
{
    return a->broken ? a->broken_msg : NULL;
}

const char *zsi_array_codecs_desc(const zs_array *a)
{
    return a->chain.desc;
}

uint64_t zsi_array_nobjects(const zs_array *a)
{
    uint64_t n = 1;
    if (!a->shard)
        return a->nchunks;
    for (int d = 0; d < a->meta.ndim; d++)
        n *= a->meta.shape[d] == 0
                 ? 0 : (a->meta.shape[d] - 1) / a->meta.chunks[d] + 1;
    return n;
}

const uint64_t *zsi_array_write_unit(const zs_array *a)
{
    return a->meta.chunks;   /* the shard shape when sharded */
}

const uint64_t *zsi_array_read_unit(const zs_array *a)
{
    return a->cshape;
}

void zsi_array_set_read_once(zs_array *a, bool on) { a->streaming = on; }
void zsi_array_set_read_part(zs_array *a, bool on) { a->read_part = on; }
void zsi_array_set_skip_fill(zs_array *a, bool on)
{
    a->skip_fill_chunks = on;
}

void zsi_array_retarget(zs_array *a, zs_store *s)
{
    zsi_array_ahead_stop(a);
    a->store = s;
}

bool zsi_array_is_chunk_key(const zs_array *a, const char *rest)
{
    const char *p = rest;
    int parts = 0;
    if (a->meta.zarr_format == 3 && a->meta.v3_default_keys) {
        if (*p != 'c')
            return false;
        p++;
        if (a->meta.ndim == 0)
            return *p == 0;
        if (*p++ != a->meta.sep)
            return false;
    }
    for (;;) {
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == p)
            return false;
        parts++;
        if (*q == 0)
            break;
        if (*q != a->meta.sep)
            return false;
        p = q + 1;
    }
    return parts == (a->meta.ndim ? a->meta.ndim : 1);
}

/* ---- chunks ----------------------------------------------------------- */

void zsi_array_unravel(const zs_array *a, uint64_t idx, uint64_t *cidx)
{
    for (int d = a->meta.ndim - 1; d >= 0; d--) {
        cidx[d] = a->grid[d] ? idx % a->grid[d] : 0;
        idx = a->grid[d] ? idx / a->grid[d] : 0;
    }
}

uint64_t zsi_array_ravel(const zs_array *a, const uint64_t *cidx)
{
    uint64_t idx = 0;
    for (int d = 0; d < a->meta.ndim; d++)
        idx = idx * a->grid[d] + cidx[d];
    return idx;
}

void zsi_array_chunk_extent(const zs_array *a, const uint64_t *cidx,
                            uint64_t *start, uint64_t *count)
{
    for (int d = 0; d < a->meta.ndim; d++) {
        start[d] = cidx[d] * a->cshape[d];
        count[d] = a->meta.shape[d] - start[d] < a->cshape[d]
                       ? a->meta.shape[d] - start[d] : a->cshape[d];
    }
}

zs_status zsi_array_chunk_key(const zs_array *a, const uint64_t *cidx,
                              zsi_buf *key)
{
    bool ok = true;
    key->len = 0;
    if (*a->path)
        ok = zsi_buf_printf(key, "%s/", a->path);
    if (a->meta.zarr_format == 3 && a->meta.v3_default_keys) {
        ok = ok && zsi_buf_append(key, "c", 1);
        for (int d = 0; ok && d < a->meta.ndim; d++)
            ok = zsi_buf_printf(key, "%c%llu", a->meta.sep,
                                (unsigned long long)cidx[d]);
    } else if (a->meta.ndim == 0) {
        ok = ok && zsi_buf_append(key, "0", 1);
    } else {
        for (int d = 0; ok && d < a->meta.ndim; d++) {
            if (d)
                ok = zsi_buf_append(key, &a->meta.sep, 1);
            ok = ok && zsi_buf_printf(key, "%llu",
                                      (unsigned long long)cidx[d]);
        }
    }
    return ok && zsi_buf_cstr(key) ? ZS_OK : zsi_nomem(a->ctx);
}

void zsi_array_fill_elems(const zs_array *a, void *p, uint64_t n)
{
    uint64_t one = n;
    if (!a->meta.has_fill || a->meta.dtype == ZS_DT_STRING) {
        memset(p, 0, (size_t)(n * a->itemsize));
        return;
    }
    zsi_nd_fill(1, a->itemsize, p, &one, (const uint64_t[]){0}, &one,
                a->meta.fill);
}

/* Put an F-order decoded chunk into C order. */
static zs_status to_c_order(zs_array *a, zsi_buf *dec)
{
    zsi_buf t = ZSI_BUF_INIT;
    size_t n = (size_t)a->chunk_elems * a->itemsize;
    if (a->meta.dtype == ZS_DT_STRING) {
        /* transpose the offset table, keep the string area */
        if (!zsi_buf_append(&t, dec->data, dec->len))
            return zsi_nomem(a->ctx);
        zsi_nd_f_to_c(a->meta.ndim, 8, dec->data, a->cshape, t.data);
    } else {
        if (!zsi_buf_resize(&t, n))
            return zsi_nomem(a->ctx);
        zsi_nd_f_to_c(a->meta.ndim, a->itemsize, dec->data, a->cshape,
                      t.data);
    }
    zsi_buf_swap(&t, dec);
    zsi_buf_free(&t);
    return ZS_OK;
}

/* The stored bytes of a chunk (its key in key, for messages). */
static zs_status fetch_chunk(zs_array *a, const uint64_t *cidx, zsi_buf *key,
                             zsi_buf *raw, int *found)
{
    zs_status st;
    if (a->broken)
        return zsi_err(a->ctx, a->broken, "%s", a->broken_msg);
    st = zsi_array_chunk_key(a, cidx, key);
    if (st != ZS_OK)
        return st;
    if (a->shard)
        return zsi_shard_get(a, cidx, raw, found);
    st = zsi_store_get(a->store, (char *)key->data, raw, found);
    /* each chunk is wanted once: a stream need not keep it */
    if (st == ZS_OK && *found && a->streaming)
        st = zsi_store_forget(a->store, (char *)key->data);
    return st;
}

zs_status zsi_array_decode_raw(zs_array *a, const char *key,
                               const uint8_t *raw, size_t n, zsi_buf *out)
{
    zs_status st = zsi_chain_decode(&a->chain, a->ctx, raw, n, out,
                                    a->chunk_bytes);
    if (st == ZS_OK && a->meta.dtype == ZS_DT_STRING &&
        out->len < a->chunk_elems * 8)
        st = zsi_err(a->ctx, ZS_ERR_CORRUPT, "wrong number of strings");
    if (st == ZS_OK && a->swap)
        zsi_byteswap(out->data, out->len / swap_width(a), swap_width(a));
    if (st == ZS_OK && a->fortran)
        st = to_c_order(a, out);
    if (st != ZS_OK)
        zsi_err_prefix(a->ctx, st, "%s", key);
    return st;
}

zs_status zsi_array_decode_raw_into(zs_array *a, const char *key,
                                    const uint8_t *raw, size_t n, void *dst)
{
    zsi_buf dec = ZSI_BUF_INIT;
    zs_status st;
    if (a->fortran || a->meta.dtype == ZS_DT_STRING) {
        st = zsi_array_decode_raw(a, key, raw, n, &dec);
        if (st == ZS_OK)
            memcpy(dst, dec.data, a->chunk_bytes);
        zsi_buf_free(&dec);
        return st;
    }
    if (!zsi_chain_decode_into(&a->chain, a->ctx, raw, n, dst,
                               a->chunk_bytes, &st)) {
        st = zsi_chain_decode(&a->chain, a->ctx, raw, n, &dec,
                              a->chunk_bytes);
        if (st == ZS_OK)
            memcpy(dst, dec.data, a->chunk_bytes);
    }
    if (st == ZS_OK && a->swap)
        zsi_byteswap(dst, a->chunk_bytes / swap_width(a), swap_width(a));
    if (st != ZS_OK)
        zsi_err_prefix(a->ctx, st, "%s", key);
    zsi_buf_free(&dec);
    return st;
}

bool zsi_array_can_read_part(const zs_array *a)
{
    return !a->fortran && a->meta.dtype != ZS_DT_STRING && a->chunk_bytes &&
           zsi_chain_can_decode_part(&a->chain);
}

bool zsi_array_is_remote(const zs_array *a)
{
    return (zsi_store_caps(a->store) & ZSI_STORE_REMOTE) != 0;
}

/* Chunks read in part by range: a local store (where a range costs what
 * it reads), blosc chunks outside shards, not a stream. */
static bool by_range(const zs_array *a)
{
    return !a->broken && !a->shard && !a->streaming &&
           (zsi_store_caps(a->store) & ZSI_STORE_LOCAL_RANGE);
}

/* Read bytes off .. off + len of chunk key by range: its head (as many
 * bytes as the last chunk's needed), then the stored bytes of the blocks
 * that hold them, into dst.  True: done, *st and *found say how (a
 * missing chunk, or an error reading the head).  False: read the chunk
 * whole instead (it has no such frame, the span cannot be read or does
 * not decode: the whole read gives any error its message), and *have
 * when got holds the whole object already (one shorter than the head
 * read).  The two reads are two opens of the chunk: one replaced in
 * between gives a span that does not decode, read whole again. */
static bool load_span(zs_array *a, const char *key, size_t off, size_t len,
                      void *dst, zsi_buf *got, int *found, bool *have,
                      zs_status *st)
{
    zsi_buf frame = ZSI_BUF_INIT, span;
    zsi_span sp = {0, 0, 0};
    size_t want = __atomic_load_n(&a->span_head, __ATOMIC_RELAXED);
    bool done = false;
    *have = false;
    if (!want)
        want = 4096;
    for (int i = 0; i < 2; i++) {
        *st = zsi_store_get_range(a->store, key, 0, want, got, found);
        if (*st != ZS_OK || !*found)
            return true;
        if (got->len < want) {
            *have = true;
            return false;
        }
        if (!zsi_chain_part_span(&a->chain, got->data, got->len,
                                 a->chunk_bytes, off, len, &sp))
            return false;
        if (sp.head <= got->len)
            break;
        want = sp.head;
    }
    if (sp.head > got->len || sp.len > SIZE_MAX - sp.head ||
        !zsi_buf_resize(&frame, sp.head + (size_t)sp.len))
        return false;
    /* the span read in place after the head: a frame without a copy */
    memcpy(frame.data, got->data, sp.head);
    zsi_buf_borrow(&span, frame.data + sp.head, (size_t)sp.len);
    if (zsi_store_get_range(a->store, key, sp.off, sp.len, &span, found) ==
            ZS_OK &&
        *found && span.len == sp.len && span.data == frame.data + sp.head &&
        zsi_chain_decode_span(&a->chain, a->ctx, frame.data, &sp,
                              a->chunk_bytes, off, len, dst) == ZS_OK) {
        __atomic_store_n(&a->span_head, sp.head, __ATOMIC_RELAXED);
        done = true;
    }
    zsi_buf_free(&frame);
    *st = ZS_OK;
    return done;
}

zs_status zsi_array_load_part(zs_array *a, const uint64_t *cidx,
                              const zsi_buf *raw, int raw_found, size_t off,
                              size_t len, void *dst, int *found)
{
    zsi_buf key = ZSI_BUF_INIT, got = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    bool have = false, done = false;
    *found = raw_found;
    if (!raw && by_range(a) && zsi_chain_can_part_span(&a->chain) &&
        (st = zsi_array_chunk_key(a, cidx, &key)) == ZS_OK) {
        done = load_span(a, (char *)key.data, off, len, dst, &got, found,
                         &have, &st);
        if (have)
            raw = &got;
    }
    if (!done && !raw && st == ZS_OK) {
        st = fetch_chunk(a, cidx, &key, &got, found);
        raw = &got;
    }
    if (st != ZS_OK || !*found) {
        zsi_buf_free(&got);
        zsi_buf_free(&key);
        return st;   /* a fetch's message names the chunk already */
    }
    if (!done &&
        !zsi_chain_decode_part(&a->chain, a->ctx, raw->data, raw->len,
                               a->chunk_bytes, off, len, dst, &st)) {
        /* not this frame (blosc with another type size): decode whole */
        zsi_buf dec = ZSI_BUF_INIT;
        st = zsi_chain_decode(&a->chain, a->ctx, raw->data, raw->len, &dec,
                              a->chunk_bytes);
        if (st == ZS_OK)
            memcpy(dst, dec.data + off, len);
        zsi_buf_free(&dec);
    }
    if (st == ZS_OK && a->swap)
        zsi_byteswap(dst, len / swap_width(a), swap_width(a));
    /* the chunk named in the message, as a whole decode names it */
    if (st != ZS_OK && (key.data || zsi_array_chunk_key(a, cidx, &key) ==
                                         ZS_OK))
        zsi_err_prefix(a->ctx, st, "%s", (char *)key.data);
    zsi_buf_free(&got);
    zsi_buf_free(&key);
    return st;
}

zs_status zsi_array_note_read(zs_array *a, int found)
{
    uint64_t n;
    if (found) {
        if (!__atomic_load_n(&a->any_chunk, __ATOMIC_RELAXED))
            __atomic_store_n(&a->any_chunk, true, __ATOMIC_RELAXED);
        return ZS_OK;
    }
    if (__atomic_load_n(&a->any_chunk, __ATOMIC_RELAXED))
        return ZS_OK;
    n = __atomic_add_fetch(&a->nmissing, 1, __ATOMIC_RELAXED);
    if (n <= ZSI_MISSING_MAX)
        return ZS_OK;
    return zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: no chunk present in the "
                   "first %llu chunks read: stopped (the bound on reads "
                   "that find only missing chunks; does the shape in the "
                   "metadata match the data?)",
                   *a->path ? a->path : "(root array)",
                   (unsigned long long)ZSI_MISSING_MAX);
}

zs_status zsi_array_load_chunk(zs_array *a, const uint64_t *cidx,
                               zsi_buf *out, int *found)
{
    zsi_buf key = ZSI_BUF_INIT, raw = ZSI_BUF_INIT;
    zs_status st = fetch_chunk(a, cidx, &key, &raw, found);
    if (st == ZS_OK && *found)
        st = zsi_array_decode_raw(a, (char *)key.data, raw.data, raw.len,
                                  out);
    zsi_buf_free(&raw);
    zsi_buf_free(&key);
    return st;
}

zs_status zsi_array_load_chunk_into(zs_array *a, const uint64_t *cidx,
                                    void *dst, int *found)
{
    zsi_buf key = ZSI_BUF_INIT, raw = ZSI_BUF_INIT;
    zs_status st = fetch_chunk(a, cidx, &key, &raw, found);
    if (st == ZS_OK && *found)
        st = zsi_array_decode_raw_into(a, (char *)key.data, raw.data,
                                       raw.len, dst);
    zsi_buf_free(&raw);
    zsi_buf_free(&key);
    return st;
}

/* True if every element of a decoded chunk equals the fill value. */
bool zsi_array_all_fill(const zs_array *a, const uint8_t *p)
{
    size_t w = a->itemsize;
    if (!a->meta.has_fill || a->meta.dtype == ZS_DT_STRING)
        return false;
    for (uint64_t i = 0; i < a->chunk_elems; i++)
        if (memcmp(p + i * w, a->meta.fill, w) != 0)
            return false;
    return true;
}

void zsi_turn_wait(zsi_turn *t, size_t i)
{
    pthread_mutex_lock(&t->lock);
    while (t->next != i)
        pthread_cond_wait(&t->cond, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

void zsi_turn_pass(zsi_turn *t, size_t i)
{
    pthread_mutex_lock(&t->lock);
    while (t->next != i)
        pthread_cond_wait(&t->cond, &t->lock);
    t->next = i + 1;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

zs_status zsi_array_encode_chunk(zs_array *a, const void *data, zsi_buf *enc,
                                 bool *skip)
{
    zsi_buf tmp = ZSI_BUF_INIT;
    const uint8_t *src = data;
    size_t n = a->chunk_bytes;
    zs_status st;
    *skip = a->skip_fill_chunks && zsi_array_all_fill(a, src);
    if (*skip)
        return ZS_OK;
    if (a->meta.dtype == ZS_DT_STRING) {
        /* the vlen layout: offsets then strings, ending at the last NUL */
        uint64_t end = a->chunk_elems * 8, off;
        for (uint64_t e = 0; e < a->chunk_elems; e++) {
            memcpy(&off, src + e * 8, 8);
            size_t l = strlen((const char *)src + off) + 1;
            if (off + l > end)
                end = off + l;
        }
        n = (size_t)end;
    } else if (a->swap) {
        if (!zsi_buf_append(&tmp, src, n))
            return zsi_nomem(a->ctx);
        zsi_byteswap(tmp.data, n / swap_width(a), swap_width(a));
        src = tmp.data;
    }
    st = zsi_chain_encode(&a->chain, a->ctx, src, n, enc);
    zsi_buf_free(&tmp);
    return st;
}

zs_status zsi_array_store_chunk(zs_array *a, const uint64_t *cidx,
                                const void *data, zsi_turn *turn, size_t task)
{
    zsi_buf key = ZSI_BUF_INIT, enc = ZSI_BUF_INIT;
    bool skip = false;
    zs_status st = zsi_array_chunk_key(a, cidx, &key);
    if (st == ZS_OK)
        st = zsi_array_encode_chunk(a, data, &enc, &skip);
    if (st == ZS_OK && turn)
        zsi_turn_wait(turn, task);
    if (st == ZS_OK)
        st = skip ? zs_store_erase(a->store, (char *)key.data)
                  : zs_store_set(a->store, (char *)key.data, enc.data,
                                 enc.len);
    if (st != ZS_OK && key.data)
        zsi_err_prefix(a->ctx, st, "%s", (char *)key.data);
    zsi_cache_drop(zsi_ctx_slot_peek(a->ctx, ZSI_SLOT_CACHE), a->cache_id, zsi_array_ravel(a, cidx));
    zsi_buf_free(&key);
    zsi_buf_free(&enc);
    return st;
}
