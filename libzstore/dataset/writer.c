/* writer.c - the dataset writer (see zsi_writer.h): groups, arrays in
 * Zarr v2 or v3 (sharded or not), values block by block, metadata in the
 * order each kind of store needs, and a clean discard on failure. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset/dataset_impl.h"
#include "dataset/zsi_writer.h"

/* Memory for one box of a copy. */
#define COPY_BUDGET ((size_t)32 << 20)

struct zsi_writer {
    zs_ctx *ctx;
    zs_store *store;
    zs_write_opts o;
    bool stream, begun, finished;
    bool keep;                     /* continued: kept on failure */
    unsigned flags;                /* the store's open flags */
    char *name;
    char *scratch;                 /* the op's records, or NULL */
    zs_status failed;              /* first failure, or ZS_OK */
    char msg[ZSI_MSG_MAX];         /* and its message */
    zsi_strv gpaths;               /* groups, in the order added */
    zs_attrs **gattrs;
    zs_array **arrays;
    size_t narrays, cap;
};

/* ---- codec lists -------------------------------------------------------- */

void zsi_codecs_free(zsi_codec_spec *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        zsi_codec_spec_free(&c[i]);
    free(c);
}

static int codec_kind(const char *id)
{
    const zsi_codec_class *cls = zsi_codec_lookup(id);
    return cls ? cls->kind : ZSI_CODEC_COMPRESSOR;
}

/* Append spec (its id without a "numcodecs." prefix) unless it is an
 * array->bytes codec, which follows from the data type. */
static bool push_codec(zsi_codec_spec **v, size_t *n, const zsi_codec_spec *s,
                       unsigned flags)
{
    const char *id = zsi_str_starts(s->id, "numcodecs.")
                         ? s->id + strlen("numcodecs.") : s->id;
    int kind = codec_kind(id);
    zsi_codec_spec *p;
    if (kind == ZSI_CODEC_ARRAY_BYTES ||
        (kind == ZSI_CODEC_FILTER && (flags & ZSI_CODECS_NO_FILTERS)))
        return true;
    p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return false;
    *v = p;
    if (!zsi_codec_spec_set(&p[*n], id, &s->cfg))
        return false;
    (*n)++;
    return true;
}

zs_status zsi_codecs_of_var(const zs_var *v, unsigned flags,
                            zsi_codec_spec **out, size_t *n)
{
    const zsi_array_meta *m = v->array ? zsi_array_meta_of(v->array) : NULL;
    zsi_codec_spec *inner = NULL;
    size_t ninner = 0;
    bool ok = true;
    zs_status st = ZS_OK;
    *out = NULL;
    *n = 0;
    if (!m)
        return ZS_OK;
    if (m->zarr_format == 2) {
        for (size_t i = 0; ok && i < m->nfilters; i++)
            ok = push_codec(out, n, &m->filters[i], flags);
        if (ok && m->compressor)
            ok = push_codec(out, n, m->compressor, flags);
    } else if (m->ncodecs && !strcmp(m->codecs[0].id, "sharding_indexed")) {
        const zsi_kv_item *c = zsi_kv_find(&m->codecs[0].cfg, "codecs");
        if (c && c->type == ZSI_KV_JSON)
            st = zsi_meta_v3_codecs(v->g->ds->ctx, v->path, c->s, &inner,
                                    &ninner);
        for (size_t i = 0; st == ZS_OK && ok && i < ninner; i++)
            ok = push_codec(out, n, &inner[i], flags);
        zsi_codecs_free(inner, ninner);
    } else {
        for (size_t i = 0; ok && i < m->ncodecs; i++)
            ok = push_codec(out, n, &m->codecs[i], flags);
    }
    if (st == ZS_OK && !ok)
        st = zsi_nomem(v->g->ds->ctx);
    if (st != ZS_OK) {
        zsi_codecs_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

/* Append checksum codec id unless the list has it already (a source
 * that had one keeps it once). */
static bool push_checksum(zsi_codec_spec **v, size_t *n, const char *id)
{
    zsi_codec_spec c = {(char *)id, {NULL, 0}};
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i].id, id))
            return true;
    return push_codec(v, n, &c, 0);
}

/* The list an array is written with: the definition's filters, then the
 * settings' compressor if one was set, else the definition's
 * compressors, else the default. */
static zs_status neutral_codecs(zsi_writer *w, const zsi_array_def *d,
                                zsi_codec_spec **out, size_t *n)
{
    bool ok = true;
    bool own = w->o.compressor_set || (d->ncodecs == 0 && !d->codecs_given);
    zsi_codec_spec c;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; ok && i < d->ncodecs; i++)
        if (!own || codec_kind(d->codecs[i].id) == ZSI_CODEC_FILTER)
            ok = push_codec(out, n, &d->codecs[i], 0);
    if (ok && own && w->o.compressor_id) {
        c.id = (char *)w->o.compressor_id;
        c.cfg = w->o.compressor_cfg;
        ok = push_codec(out, n, &c, 0);
    }
    /* a checksum last, over the stored bytes: crc32c in v3, as
     * zarr-python writes it; numcodecs' crc32 in v2 (0.11 has no
     * crc32c), which makes it the v2 compressor and the compressor a
     * filter, so that the compressor still sees typed values */
    if (ok && w->o.checksums)
        ok = push_checksum(out, n, w->o.format == 3 ? "crc32c" : "crc32");
    if (!ok) {
        zsi_codecs_free(*out, *n);
        *out = NULL;
        *n = 0;
        return zsi_nomem(w->ctx);
    }
    return ZS_OK;
}

/* ---- settings ------------------------------------------------------------ */

void zsi_write_opts_init(zs_write_opts *w, zs_ctx *ctx)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->format = 2;
    w->compressor_id = "blosc";
    zsi_kv_set_string(&w->compressor_cfg, "cname", "lz4");
    zsi_kv_set_int(&w->compressor_cfg, "clevel", 5);
    zsi_kv_set_int(&w->compressor_cfg, "shuffle", 1);
    zsi_kv_set_int(&w->compressor_cfg, "blocksize", 0);
}

void zsi_write_opts_clear(zs_write_opts *w)
{
    zsi_dimspec_free(&w->chunks);
    zsi_dimspec_free(&w->shards);
    zsi_kv_free(&w->compressor_cfg);
    free(w->history);
    w->history = NULL;
}

zs_status zsi_write_opts_copy(zs_ctx *ctx, const zs_write_opts *src,
                              zs_write_opts *dst)
{
    zs_write_opts o;
    zsi_write_opts_init(&o, ctx);
    if (!src) {
        *dst = o;
        return ZS_OK;
    }
    zsi_kv_free(&o.compressor_cfg);
    o.format = src->format;
    o.compressor_set = src->compressor_set;
    o.compressor_id = src->compressor_id;
    o.overwrite = src->overwrite;
    o.checksums = src->checksums;
    if (!zsi_kv_copy(&o.compressor_cfg, &src->compressor_cfg) ||
        !zsi_dimspec_copy(&o.chunks, &src->chunks) ||
        !zsi_dimspec_copy(&o.shards, &src->shards) ||
        (src->history && !(o.history = zsi_strdup(src->history)))) {
        zsi_write_opts_clear(&o);
        return zsi_nomem(ctx);
    }
    *dst = o;
    return ZS_OK;
}

void zsi_write_chunks(const zs_write_opts *w, int ndim,
                      const char *const *dims, const uint64_t *shape,
                      size_t itemsize, uint64_t *chunks)
{
    uint64_t fixed = itemsize ? itemsize : 1, room;
    bool is_auto[ZS_MAX_DIMS] = {false};
    for (int d = 0; w && d < ndim; d++) {
        int64_t v;
        uint64_t whole = shape[d] ? shape[d] : 1;
        if (!zsi_dimspec_get(&w->chunks, dims[d], &v))
            v = (int64_t)chunks[d];
        if (v == ZSI_DIMSPEC_AUTO)
            is_auto[d] = true;
        else
            chunks[d] = v == ZSI_DIMSPEC_WHOLE || (uint64_t)v > whole
                            ? whole : (uint64_t)v;
        if (!is_auto[d] && fixed <= UINT64_MAX / chunks[d])
            fixed *= chunks[d];
    }
    /* auto: what is left of the target, to the last dimensions first
     * (rows stay contiguous) */
    room = fixed < ZSI_CHUNK_AUTO_BYTES ? ZSI_CHUNK_AUTO_BYTES / fixed : 1;
    for (int d = ndim - 1; d >= 0; d--) {
        uint64_t whole = shape[d] ? shape[d] : 1;
        if (!is_auto[d])
            continue;
        chunks[d] = room < whole ? (room ? room : 1) : whole;
        room /= chunks[d];
    }
}

zs_status zsi_write_check_dims(const zs_write_opts *w, const zsi_strv *dims)
{
    const char *bad;
    if ((bad = zsi_dimspec_unknown(&w->chunks, dims)))
        return zsi_err(w->ctx, ZS_ERR_INVALID, "chunks: no dimension '%s' "
                       "in the output", bad);
    if ((bad = zsi_dimspec_unknown(&w->shards, dims)))
        return zsi_err(w->ctx, ZS_ERR_INVALID, "shards: no dimension '%s' "
                       "in the output", bad);
    return ZS_OK;
}

/* ---- opening, groups --------------------------------------------------- */

static zs_status open_flags(zs_ctx *ctx, const char *name,
                            const zs_write_opts *wo, unsigned flags,
                            zsi_writer **out)
{
    zsi_writer *w = calloc(1, sizeof *w);
    zs_status st;
    if (!w)
        return zsi_nomem(ctx);
    w->ctx = ctx;
    st = zsi_write_opts_copy(ctx, wo, &w->o);
    if (st == ZS_OK && w->o.format != 3 && !zsi_dimspec_empty(&w->o.shards))
        st = zsi_err(ctx, ZS_ERR_INVALID, "sharding needs Zarr format 3");
    w->flags = flags & ZSI_STORE_UPDATE
                   ? flags
                   : flags | ZS_STORE_CREATE | ZS_STORE_PARTIAL |
                         (w->o.overwrite ? ZS_STORE_OVERWRITE : 0);
    w->keep = (flags & (ZSI_STORE_CONTINUE | ZSI_STORE_UPDATE)) != 0;
    if (st == ZS_OK && !(w->name = zsi_strdup(name)))
        st = zsi_nomem(ctx);
    if (st == ZS_OK)
        st = zs_store_open(ctx, name, w->flags, &w->store);
    if (st != ZS_OK) {
        zsi_write_opts_clear(&w->o);
        free(w->name);
        free(w);
        return st;
    }
    w->stream = (zsi_store_caps(w->store) & ZSI_STORE_STREAM) != 0;
    *out = w;
    return ZS_OK;
}

zs_status zsi_writer_open(zs_ctx *ctx, const char *name,
                          const zs_write_opts *wo, zsi_writer **out)
{
    return open_flags(ctx, name, wo, 0, out);
}

zs_status zsi_writer_open_continue(zs_ctx *ctx, const char *name,
                                   const zs_write_opts *wo, unsigned how,
                                   zsi_writer **out)
{
    const char *why = zsi_store_why_not_again(name);
    if (why)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: cannot be continued "
                       "by a later run: %s", name, why);
    return open_flags(ctx, name, wo, ZSI_STORE_CONTINUE |
                      (how & ZSI_CONTINUE_SHARED ? ZSI_STORE_SHARED : 0) |
                      (how & ZSI_CONTINUE_EXISTING ? ZSI_STORE_EXISTING : 0),
                      out);
}

/* Erase every key under prefix. */
static zs_status erase_under(zsi_writer *w, const char *prefix)
{
    zsi_strv keys = {0};
    zs_status st = zsi_store_list_all(w->store, prefix, &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++)
        st = zs_store_erase(w->store, keys.v[i]);
    zsi_strv_free(&keys);
    return st;
}

zs_status zsi_writer_open_update(zs_ctx *ctx, const char *name,
                                 const zs_write_opts *wo, zsi_writer **out)
{
    const char *why = zsi_store_why_not_again(name);
    if (why)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: cannot be appended "
                       "to: %s", name, why);
    return open_flags(ctx, name, wo, ZSI_STORE_UPDATE, out);
}

zs_status zsi_writer_restart(zsi_writer *w)
{
    return erase_under(w, "");
}

zs_status zsi_writer_set_scratch(zsi_writer *w, const char *prefix)
{
    free(w->scratch);
    w->scratch = zsi_strdup(prefix);
    return w->scratch ? ZS_OK : zsi_nomem(w->ctx);
}

bool zsi_writer_resumable(const zsi_writer *w)
{
    return (zsi_store_caps(w->store) & ZSI_STORE_RESUMABLE) != 0;
}

/* Erase the operation's records (sorted: a plan record named last in
 * its folder goes last). */
static zs_status erase_scratch(zsi_writer *w)
{
    return w->scratch ? erase_under(w, w->scratch) : ZS_OK;
}

/* Prepend "TIME: text" to a history attribute (CF, as NCO and CDO do). */
static bool history_add(zs_attrs *a, const char *text)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    const char *old = zsi_attrs_text(a, "history");
    char *h;
    bool ok;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h = old && *old ? zsi_asprintf("%s: %s\n%s", stamp, text, old)
                    : zsi_asprintf("%s: %s", stamp, text);
    ok = h && zsi_attrs_set(a, "history", ZS_DT_STRING, h, strlen(h));
    free(h);
    return ok;
}

zs_status zsi_writer_add_group(zsi_writer *w, const char *path,
                               const zs_attrs *attrs)
{
    zs_attrs **v = realloc(w->gattrs, (w->gpaths.n + 1) * sizeof *v);
    zs_attrs *a = NULL;
    if (!v)
        return zsi_nomem(w->ctx);
    w->gattrs = v;
    if ((attrs ? zsi_attrs_copy(attrs, &a) : zsi_attrs_new(&a)) != ZS_OK)
        return zsi_nomem(w->ctx);
    if ((!*path && w->o.history && !history_add(a, w->o.history)) ||
        !zsi_strv_push(&w->gpaths, path)) {
        zsi_attrs_free(a);
        return zsi_nomem(w->ctx);
    }
    w->gattrs[w->gpaths.n - 1] = a;
    return ZS_OK;
}

zs_status zsi_writer_add_groups(zsi_writer *w, const zs_group *g)
{
    zs_status st = zsi_writer_add_group(w, g->path, g->attrs);
    for (size_t i = 0; st == ZS_OK && i < g->ngroups; i++)
        st = zsi_writer_add_groups(w, g->groups[i]);
    return st;
}

/* ---- arrays -------------------------------------------------------------- */

static bool copy_spec(zsi_codec_spec **v, size_t *n, const char *id,
                      const zsi_kv *cfg)
{
    zsi_codec_spec *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return false;
    *v = p;
    if (!zsi_codec_spec_set(&p[*n], id, cfg))
        return false;
    (*n)++;
    return true;
}

/* v2: filters, then vlen-utf8 for strings, then all bytes->bytes codecs
 * but the last in filters; the last is the compressor. */
static bool v2_codecs(zsi_array_meta *m, const zsi_codec_spec *c, size_t n,
                      zs_dtype dtype)
{
    size_t last = n;
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (codec_kind(c[i].id) != ZSI_CODEC_FILTER)
            last = i;
    for (size_t i = 0; ok && i < n; i++)
        if (codec_kind(c[i].id) == ZSI_CODEC_FILTER &&
            strcmp(c[i].id, "transpose"))   /* C order says it all */
            ok = copy_spec(&m->filters, &m->nfilters, c[i].id, &c[i].cfg);
    if (ok && dtype == ZS_DT_STRING)
        ok = copy_spec(&m->filters, &m->nfilters, "vlen-utf8", NULL);
    for (size_t i = 0; ok && i < n; i++)
        if (codec_kind(c[i].id) != ZSI_CODEC_FILTER && i != last)
            ok = copy_spec(&m->filters, &m->nfilters, c[i].id, &c[i].cfg);
    if (ok && last < n) {
        m->compressor = calloc(1, sizeof *m->compressor);
        ok = m->compressor && zsi_codec_spec_set(m->compressor, c[last].id,
                                                 &c[last].cfg);
    }
    return ok;
}

/* v3: filters, the array->bytes codec, bytes->bytes codecs. */
static bool v3_codecs(zsi_array_meta *m, const zsi_codec_spec *c, size_t n,
                      zs_dtype dtype)
{
    zsi_kv le = {NULL, 0};
    bool ok = zsi_kv_set_string(&le, "endian", "little");
    for (size_t i = 0; ok && i < n; i++)
        if (codec_kind(c[i].id) == ZSI_CODEC_FILTER)
            ok = copy_spec(&m->codecs, &m->ncodecs, c[i].id, &c[i].cfg);
    ok = ok && (dtype == ZS_DT_STRING
                    ? copy_spec(&m->codecs, &m->ncodecs, "vlen-utf8", NULL)
                    : copy_spec(&m->codecs, &m->ncodecs, "bytes", &le));
    for (size_t i = 0; ok && i < n; i++)
        if (codec_kind(c[i].id) != ZSI_CODEC_FILTER)
            ok = copy_spec(&m->codecs, &m->ncodecs, c[i].id, &c[i].cfg);
    zsi_kv_free(&le);
    return ok;
}

/* The array's fill value: the CF missing value; in v3, which has no null
 * fill, zero (or "") when there is none, and the CF value goes in the
 * attributes as xarray writes it. */
static bool set_fill(zsi_array_meta *m, const zsi_array_def *d)
{
    static const uint8_t zeros[16] = {0};
    uint8_t *z;
    bool ok;
    if (m->zarr_format == 2 || d->fill)
        ok = zsi_array_meta_set_fill(m, d->fill);
    else if (d->dtype == ZS_DT_STRING)
        ok = zsi_array_meta_set_fill(m, "");
    else if (m->itemsize <= sizeof zeros)
        ok = zsi_array_meta_set_fill(m, zeros);
    else {
        ok = (z = calloc(1, m->itemsize)) && zsi_array_meta_set_fill(m, z);
        free(z);
    }
    if (ok && m->zarr_format == 3 && d->fill)
        ok = zsi_meta_v3_fill_attr(m->attrs, d->dtype, d->itemsize, d->fill);
    return ok;
}

static zs_status build_meta(zsi_writer *w, const zsi_array_def *d,
                            zsi_array_meta *m)
{
    zsi_codec_spec *c = NULL;
    size_t n = 0;
    zs_status st = neutral_codecs(w, d, &c, &n);
    bool ok;
    zsi_array_meta_init(m);
    if (st != ZS_OK)
        return st;
    m->zarr_format = w->o.format;
    m->ndim = d->ndim;
    for (int i = 0; i < d->ndim; i++) {
        m->shape[i] = d->shape[i];
        m->chunks[i] = d->chunks[i] ? d->chunks[i] : 1;
    }
    m->dtype = d->dtype;
    m->itemsize = d->dtype == ZS_DT_STRING ? 8 : d->itemsize;
    m->v3_default_keys = m->zarr_format == 3;
    m->sep = m->zarr_format == 3 ? '/' : '.';
    ok = zsi_array_meta_set_dims(m, d->dims) &&
         (d->attrs ? zsi_attrs_copy(d->attrs, &m->attrs)
                   : zsi_attrs_new(&m->attrs)) == ZS_OK &&
         set_fill(m, d) &&
         (m->zarr_format == 3 ? v3_codecs(m, c, n, d->dtype)
                              : v2_codecs(m, c, n, d->dtype));
    zsi_codecs_free(c, n);
    return ok ? ZS_OK : zsi_nomem(w->ctx);
}

zs_status zsi_write_shards(const zs_write_opts *w, const char *path,
                           int ndim, const char *const *dims,
                           const uint64_t *shape, const uint64_t *chunks,
                           zs_dtype dtype, uint64_t *shard, bool *sharded)
{
    *sharded = false;
    for (int i = 0; i < ndim; i++)
        shard[i] = chunks[i] ? chunks[i] : 1;
    if (!w || zsi_dimspec_empty(&w->shards) || dtype == ZS_DT_STRING)
        return ZS_OK;
    for (int i = 0; i < ndim; i++) {
        uint64_t c = shard[i], span = (shape[i] + c - 1) / c * c;
        int64_t v;
        if (span == 0)
            span = c;
        if (!zsi_dimspec_get(&w->shards, dims[i], &v))
            continue;
        if (v > 0 && (uint64_t)v % c)
            return zsi_err(w->ctx, ZS_ERR_INVALID, "%s: shard length %lld "
                           "of %s is not a multiple of the chunk length "
                           "%llu", path, (long long)v, dims[i],
                           (unsigned long long)c);
        shard[i] = v == ZSI_DIMSPEC_WHOLE || (uint64_t)v > span
                       ? span : (uint64_t)v;
        *sharded = *sharded || shard[i] != c;
    }
    return ZS_OK;
}

zs_status zsi_writer_add_array(zsi_writer *w, const zsi_array_def *d,
                               zs_array **out)
{
    zsi_array_meta m;
    uint64_t shard[ZS_MAX_DIMS];
    bool sharded = false;
    zs_array *a = NULL;
    zs_status st;
    if (w->begun)
        return zsi_err(w->ctx, ZS_ERR_INVALID, "%s: array defined after "
                       "the metadata was written", d->path);
    if (w->narrays == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        zs_array **v = realloc(w->arrays, cap * sizeof *v);
        if (!v)
            return zsi_nomem(w->ctx);
        w->arrays = v;
        w->cap = cap;
    }
    st = build_meta(w, d, &m);
    if (st == ZS_OK)
        st = zsi_write_shards(&w->o, d->path, d->ndim, d->dims, m.shape,
                              m.chunks, d->dtype, shard, &sharded);
    if (st == ZS_OK)
        st = zsi_array_create(w->store, d->path, &m, sharded ? shard : NULL,
                              &a);
    zsi_array_meta_free(&m);
    if (st != ZS_OK)
        return st;
    /* chunks of fill values need not be stored: readers give the fill */
    zsi_array_set_skip_fill(a, zs_array_fill(a, NULL) != 0);
    w->arrays[w->narrays++] = a;
    *out = a;
    return ZS_OK;
}

/* ---- metadata -------------------------------------------------------------- */

/* Write key = text, remembering it (under ckey) for consolidation. */
static zs_status put_meta(zsi_writer *w, zsi_meta_cons *cons,
                          const char *key, const char *ckey, zsi_buf *text)
{
    zs_status st;
    if (!zsi_buf_cstr(text))
        return zsi_nomem(w->ctx);
    st = zs_store_set(w->store, key, text->data, text->len);
    if (st == ZS_OK && ckey)
        st = zsi_meta_cons_add(w->ctx, cons, ckey, (char *)text->data);
    text->len = 0;
    return st;
}

static zs_status metadata_v2(zsi_writer *w)
{
    zsi_meta_cons cons = {{0}, {0}};
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < w->gpaths.n; i++) {
        char *kg = zsi_path_join(w->gpaths.v[i], ".zgroup");
        char *ka = zsi_path_join(w->gpaths.v[i], ".zattrs");
        st = kg && ka ? zsi_meta_v2_format_group(w->ctx, 0, &b)
                      : zsi_nomem(w->ctx);
        if (st == ZS_OK)
            st = put_meta(w, &cons, kg, kg, &b);
        if (st == ZS_OK)
            st = zsi_meta_format_attrs(w->ctx, w->gattrs[i], NULL, 0, 0, &b);
        if (st == ZS_OK)
            st = put_meta(w, &cons, ka, ka, &b);
        free(kg);
        free(ka);
    }
    for (size_t i = 0; st == ZS_OK && i < w->narrays; i++) {
        const char *path = zsi_array_path(w->arrays[i]);
        char *kz = zsi_path_join(path, ".zarray");
        char *ka = zsi_path_join(path, ".zattrs");
        st = kz && ka ? zsi_array_format_meta(w->arrays[i], 0, &b)
                      : zsi_nomem(w->ctx);
        if (st == ZS_OK)
            st = put_meta(w, &cons, kz, kz, &b);
        if (st == ZS_OK)
            st = zsi_array_format_zattrs(w->arrays[i], 0, &b);
        if (st == ZS_OK)
            st = put_meta(w, &cons, ka, ka, &b);
        free(kz);
        free(ka);
    }
    if (st == ZS_OK)
        st = zsi_meta_cons_format(w->ctx, &cons, &b);
    if (st == ZS_OK)
        st = zs_store_set(w->store, ".zmetadata", b.data, b.len);
    zsi_buf_free(&b);
    zsi_meta_cons_free(&cons);
    return st;
}

/* v3: a zarr.json per node; the root's, with every node's metadata
 * inline, comes last in a folder (its presence marks a complete store)
 * and first in a stream (read in one pass). */
static zs_status metadata_v3(zsi_writer *w)
{
    zsi_meta_cons cons = {{0}, {0}};
    zsi_buf b = ZSI_BUF_INIT;
    zs_attrs *root = NULL;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < w->gpaths.n; i++) {
        if (!*w->gpaths.v[i]) {
            root = w->gattrs[i];
            continue;
        }
        st = zsi_meta_v3_format_group(w->ctx, w->gattrs[i], NULL, 0, &b);
        if (st == ZS_OK)
            st = zsi_meta_cons_add(w->ctx, &cons, w->gpaths.v[i],
                                   zsi_buf_cstr(&b));
        b.len = 0;
    }
    for (size_t i = 0; st == ZS_OK && i < w->narrays; i++) {
        st = zsi_array_format_meta(w->arrays[i], 0, &b);
        if (st == ZS_OK)
            st = zsi_meta_cons_add(w->ctx, &cons,
                                   zsi_array_path(w->arrays[i]),
                                   zsi_buf_cstr(&b));
        b.len = 0;
    }
    if (st == ZS_OK && w->stream)
        st = zsi_meta_v3_format_group(w->ctx, root, &cons, 0, &b);
    if (st == ZS_OK && w->stream)
        st = put_meta(w, NULL, "zarr.json", NULL, &b);
    for (size_t i = 0; st == ZS_OK && i < cons.keys.n; i++) {
        char *k = zsi_path_join(cons.keys.v[i], "zarr.json");
        zsi_buf t;
        zsi_buf_borrow(&t, cons.texts.v[i], strlen(cons.texts.v[i]) + 1);
        t.len = strlen(cons.texts.v[i]);
        st = k ? put_meta(w, NULL, k, NULL, &t) : zsi_nomem(w->ctx);
        free(k);
    }
    if (st == ZS_OK && !w->stream)
        st = zsi_meta_v3_format_group(w->ctx, root, &cons, 0, &b);
    if (st == ZS_OK && !w->stream)
        st = put_meta(w, NULL, "zarr.json", NULL, &b);
    zsi_buf_free(&b);
    zsi_meta_cons_free(&cons);
    return st;
}

static zs_status write_metadata(zsi_writer *w)
{
    zs_status st = ZS_OK;
    bool has_root = false;
    for (size_t i = 0; i < w->gpaths.n; i++)
        has_root = has_root || !*w->gpaths.v[i];
    if (!has_root)
        st = zsi_writer_add_group(w, "", NULL);
    if (st != ZS_OK)
        return st;
    return w->o.format == 3 ? metadata_v3(w) : metadata_v2(w);
}

zs_status zsi_writer_begin(zsi_writer *w)
{
    zs_status st = ZS_OK;
    if (w->begun)
        return ZS_OK;
    w->begun = true;
    if (w->stream)
        st = write_metadata(w);
    return st == ZS_OK ? ZS_OK : zsi_writer_fail(w, st);
}

/* ---- values ----------------------------------------------------------------- */

zs_status zsi_writer_copy(zsi_writer *w, zs_var *src, zs_array *dst)
{
    zsi_blocks b;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], ns[ZS_MAX_DIMS], nc[ZS_MAX_DIMS];
    uint8_t *buf = NULL;
    zs_status st = ZS_OK;
    if (!zsi_blocks_for_array(&b, dst, COPY_BUDGET))
        return zsi_err(w->ctx, ZS_ERR_OVERFLOW, "%s: too many blocks",
                       src->path);
    if (b.n && !(buf = calloc((size_t)zsi_blocks_max_elems(&b),
                              src->itemsize)))
        return zsi_nomem(w->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < b.n; i++) {
        uint64_t n;
        zsi_blocks_box(&b, i, s, c);
        zsi_prod_ok(c, src->ndim, &n);
        if (src->array && i + 1 < b.n) {   /* remote: the next box travels */
            zsi_blocks_box(&b, i + 1, ns, nc);
            zsi_array_will_read(src->array, ns, nc);
        }
        st = zs_var_read(src, s, c, buf);
        if (st == ZS_OK)
            st = zs_array_write(dst, s, c, buf);
        if (src->dtype == ZS_DT_STRING)
            for (uint64_t k = 0; k < n; k++) {
                free(((char **)(void *)buf)[k]);
                ((char **)(void *)buf)[k] = NULL;
            }
    }
    if (src->array)
        zsi_array_ahead_stop(src->array);
    free(buf);
    return st;
}

/* ---- the end ------------------------------------------------------------------- */

zs_status zsi_writer_finish(zsi_writer *w)
{
    zs_status st = w->failed;
    if (st == ZS_OK && !w->begun)
        st = zsi_writer_begin(w);
    if (st == ZS_OK && !w->stream)
        st = write_metadata(w);
    if (st == ZS_OK)
        st = erase_scratch(w);
    if (st == ZS_OK)
        st = zs_store_commit(w->store);
    if (st != ZS_OK)
        return zsi_writer_fail(w, st);
    w->finished = true;
    return ZS_OK;
}

zs_status zsi_writer_fail(zsi_writer *w, zs_status st)
{
    if (w->failed == ZS_OK) {
        /* keep the failure's message, not the clean-up's */
        w->failed = st;
        snprintf(w->msg, sizeof w->msg, "%s", zs_ctx_message(w->ctx));
        if (!w->keep)
            zs_store_discard(w->store);
    }
    zsi_err(w->ctx, w->failed, "%s", w->msg);
    return w->failed;
}

void zsi_writer_close(zsi_writer *w)
{
    if (!w)
        return;
    if (!w->finished && !w->failed && !w->keep && w->store) {
        char msg[ZSI_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", zs_ctx_message(w->ctx));
        zs_store_discard(w->store);
        zsi_err(w->ctx, ZS_OK, "%s", msg);
    }
    for (size_t i = 0; i < w->narrays; i++)
        zs_array_close(w->arrays[i]);
    for (size_t i = 0; i < w->gpaths.n; i++)
        zsi_attrs_free(w->gattrs[i]);
    free(w->arrays);
    free(w->gattrs);
    zsi_strv_free(&w->gpaths);
    zs_store_close(w->store);
    zsi_write_opts_clear(&w->o);
    free(w->name);
    free(w->scratch);
    free(w);
}

zs_status zsi_writer_end(zsi_writer *w, zs_status st)
{
    if (st == ZS_OK)
        st = zsi_writer_finish(w);
    else if (w)
        st = zsi_writer_fail(w, st);
    zsi_writer_close(w);
    return st;
}

zs_store *zsi_writer_store(const zsi_writer *w) { return w->store; }
bool zsi_writer_is_stream(const zsi_writer *w) { return w->stream; }
size_t zsi_writer_narrays(const zsi_writer *w) { return w->narrays; }
zs_array *zsi_writer_array(const zsi_writer *w, size_t i)
{
    return i < w->narrays ? w->arrays[i] : NULL;
}

zs_status zsi_writer_write(zs_ctx *ctx, const char *name,
                           const zs_write_opts *o, zsi_write_fn fn,
                           void *user)
{
    zsi_writer *w = NULL;
    zs_status st = zsi_writer_open(ctx, name, o, &w);
    if (st == ZS_OK)
        st = fn(user, w);
    return zsi_writer_end(w, st);
}
