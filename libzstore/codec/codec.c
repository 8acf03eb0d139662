/* codec.c - the registry of codec classes, codec instances, chains,
 * compressor specifications from the command line, and the decoded form
 * of variable-length strings.
 *
 * Parameters are exchanged without the codec's name: create() ignores
 * "id" (v2) and "name" (v3) if the metadata layer leaves them in, and
 * config() returns only the parameters; the caller adds the name. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

/* ---- registry -------------------------------------------------------- */

static const zsi_codec_class *const classes[] = {
    &zsi_codec_blosc, &zsi_codec_zstd, &zsi_codec_lz4, &zsi_codec_zlib,
    &zsi_codec_gzip, &zsi_codec_delta, &zsi_codec_shuffle,
    &zsi_codec_fixedscaleoffset, &zsi_codec_bitround,
    &zsi_codec_vlen_utf8, &zsi_codec_vlen_bytes, &zsi_codec_bytes,
    &zsi_codec_transpose, &zsi_codec_crc32c, &zsi_codec_bz2,
    &zsi_codec_crc32, &zsi_codec_adler32, &zsi_codec_fletcher32,
};

const zsi_codec_class *zsi_codec_lookup(const char *id)
{
    if (!id)
        return NULL;
    /* Zarr v3 spells numcodecs filters "numcodecs.delta" and so on. */
    if (zsi_str_starts(id, "numcodecs."))
        id += strlen("numcodecs.");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(classes[i]->id, id) == 0)
            return classes[i];
    return NULL;
}

zs_status zsi_codec_new(zs_ctx *ctx, const char *id, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec **out)
{
    const zsi_codec_class *cls = zsi_codec_lookup(id);
    static const zsi_kv empty = {NULL, 0};
    zsi_codec *c;
    zs_status st;
    if (!id || !info)
        return zsi_err(ctx, ZS_ERR_INVALID, "codec: missing id or info");
    if (!cls)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "unsupported codec '%s'",
                       id);
    if (info->ndim < 0 || info->ndim > ZS_MAX_DIMS)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: bad number of dimensions",
                       cls->id);
    c = calloc(1, sizeof *c);
    if (!c)
        return zsi_nomem(ctx);
    c->cls = cls;
    c->dec_info = *info;
    c->enc_info = *info;
    st = cls->create(ctx, cfg ? cfg : &empty, info, &c->enc_info,
                     &c->state);
    if (st != ZS_OK) {
        free(c);
        return st;
    }
    *out = c;
    return ZS_OK;
}

char *zsi_codec_v3_name(const zsi_codec *c)
{
    static const char *const core[] = {"bytes", "transpose", "blosc", "gzip",
                                       "zstd", "crc32c", "vlen-utf8",
                                       "vlen-bytes", NULL};
    for (int i = 0; core[i]; i++)
        if (strcmp(c->cls->id, core[i]) == 0)
            return zsi_strdup(core[i]);
    return zsi_asprintf("numcodecs.%s", c->cls->id);
}

zs_status zsi_codec_config(const zsi_codec *c, int zarr_format, zsi_kv *out)
{
    /* blosc alone is spelled differently by Zarr v3 (the shuffle by
     * name, with the typesize) */
    zs_status (*fn)(const void *, zsi_kv *) =
        zarr_format == 3 && c->cls == &zsi_codec_blosc ? zsi_blosc_config_v3
                                                       : c->cls->config;
    memset(out, 0, sizeof *out);
    if (!fn)
        return ZS_OK;
    if (fn(c->state, out) != ZS_OK) {
        zsi_kv_free(out);
        return ZS_ERR_NOMEM;
    }
    return ZS_OK;
}

void zsi_codec_free(zsi_codec *c)
{
    if (!c)
        return;
    if (c->cls->destroy)
        c->cls->destroy(c->state);
    free(c);
}

/* ---- chains ----------------------------------------------------------- */

void zsi_chain_init(zsi_chain *ch)
{
    ch->codecs = NULL;
    ch->n = 0;
    ch->desc = NULL;
}

void zsi_chain_free(zsi_chain *ch)
{
    if (!ch)
        return;
    for (size_t i = 0; i < ch->n; i++)
        zsi_codec_free(ch->codecs[i]);
    free(ch->codecs);
    free(ch->desc);
    zsi_chain_init(ch);
}

/* Array->array filters come first, then at most one array->bytes codec,
 * then bytes->bytes codecs: anything else would feed a filter with
 * compressed bytes. */
static zs_status check_order(zs_ctx *ctx, const zsi_chain *ch,
                             const zsi_codec_class *cls)
{
    for (size_t i = 0; i < ch->n; i++) {
        int k = ch->codecs[i]->cls->kind;
        bool bad = (cls->kind == ZSI_CODEC_FILTER &&
                    k != ZSI_CODEC_FILTER) ||
                   (cls->kind == ZSI_CODEC_ARRAY_BYTES &&
                    k != ZSI_CODEC_FILTER);
        if (bad)
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "codec '%s' cannot follow '%s'", cls->id,
                           ch->codecs[i]->cls->id);
    }
    return ZS_OK;
}

static char *describe_chain(const zsi_chain *ch)
{
    zsi_buf b = ZSI_BUF_INIT;
    char part[256];
    bool ok = true;
    if (ch->n == 0)
        return zsi_strdup("none");
    for (size_t i = 0; i < ch->n && ok; i++) {
        const zsi_codec *c = ch->codecs[i];
        part[0] = 0;
        if (c->cls->describe)
            c->cls->describe(c->state, part, sizeof part);
        ok = zsi_buf_printf(&b, part[0] ? "%s%s(%s)" : "%s%s%s",
                            i ? "|" : "", c->cls->id, part);
    }
    if (!ok || !zsi_buf_cstr(&b)) {
        zsi_buf_free(&b);
        return NULL;
    }
    return (char *)zsi_buf_take(&b);
}

zs_status zsi_chain_add(zs_ctx *ctx, zsi_chain *ch, const char *id,
                        const zsi_kv *cfg, const zsi_codec_info *first)
{
    const zsi_codec_class *cls = zsi_codec_lookup(id);
    const zsi_codec_info *info;
    zsi_codec *c, **v;
    char *desc;
    zs_status st;
    if (cls && (st = check_order(ctx, ch, cls)) != ZS_OK)
        return st;
    info = ch->n ? &ch->codecs[ch->n - 1]->enc_info : first;
    st = zsi_codec_new(ctx, id, cfg, info, &c);
    if (st != ZS_OK)
        return st;
    v = realloc(ch->codecs, (ch->n + 1) * sizeof *v);
    if (!v) {
        zsi_codec_free(c);
        return zsi_nomem(ctx);
    }
    ch->codecs = v;
    ch->codecs[ch->n++] = c;
    desc = describe_chain(ch);
    if (!desc) {
        zsi_codec_free(ch->codecs[--ch->n]);
        return zsi_nomem(ctx);
    }
    free(ch->desc);
    ch->desc = desc;
    return ZS_OK;
}

/* Codecs that would only copy are left out; bitround decodes to its
 * input. */
static bool skipped(const zsi_codec *c, bool decoding)
{
    if (decoding && c->cls == &zsi_codec_bitround)
        return true;
    if (c->cls == &zsi_codec_bytes)
        return zsi_bytes_is_noop(c->state);
    if (c->cls == &zsi_codec_transpose)
        return zsi_transpose_is_noop(c->state);
    return false;
}

static size_t active_count(const zsi_chain *ch, bool decoding)
{
    size_t m = 0;
    for (size_t i = 0; i < ch->n; i++)
        m += !skipped(ch->codecs[i], decoding);
    return m;
}

static zs_status copy_into(zs_ctx *ctx, const uint8_t *in, size_t n,
                           zsi_buf *out)
{
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    if (n)
        memmove(out->data, in, n);
    return ZS_OK;
}

zs_status zsi_chain_encode(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, zsi_buf *out)
{
    size_t m = active_count(ch, false), j = 0;
    zsi_buf tmp = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    if (m == 0)
        return copy_into(ctx, in, n, out);
    /* Alternate between out and tmp so that the last codec writes out. */
    for (size_t i = 0; i < ch->n && st == ZS_OK; i++) {
        const zsi_codec *c = ch->codecs[i];
        zsi_buf *dst = (m - 1 - j) % 2 == 0 ? out : &tmp;
        if (skipped(c, false))
            continue;
        st = c->cls->encode(c->state, ctx, in, n, dst);
        in = dst->data;
        n = dst->len;
        j++;
    }
    zsi_buf_free(&tmp);
    return st;
}

/* Encoded size of codec c given its decoded size, 0 if it depends on
 * the data.  It lets compressors below fixed-size filters decode
 * straight into a buffer of the right size and check it. */
static size_t encoded_size(const zsi_codec *c, size_t dec)
{
    const zsi_codec_class *k = c->cls;
    size_t di = c->dec_info.itemsize, ei = c->enc_info.itemsize;
    if (dec == 0)
        return 0;
    if (k == &zsi_codec_shuffle || k == &zsi_codec_bitround ||
        k == &zsi_codec_transpose || k == &zsi_codec_bytes)
        return dec;
    if (k == &zsi_codec_delta || k == &zsi_codec_fixedscaleoffset) {
        if (di == 0 || ei == 0 || dec % di != 0 || dec / di > SIZE_MAX / ei)
            return 0;
        return dec / di * ei;
    }
    if (k == &zsi_codec_crc32c)
        return dec <= SIZE_MAX - 4 ? dec + 4 : 0;
    return 0;
}

/* Decoded size expected from codec i, 0 if unknown. */
static size_t expected_at(const zsi_chain *ch, size_t i, size_t expect)
{
    size_t e = expect;
    for (size_t k = 0; k < i; k++)
        e = encoded_size(ch->codecs[k], e);
    return e;
}

static zs_status decode_one(const zsi_chain *ch, size_t i, zs_ctx *ctx,
                            const uint8_t *in, size_t n, zsi_buf *dst,
                            size_t expect)
{
    const zsi_codec *c = ch->codecs[i];
    size_t want = expected_at(ch, i, expect);
    zs_status st = c->cls->decode(c->state, ctx, in, n, dst, want);
    if (st == ZS_OK && want && dst->len != want)
        st = zsi_err(ctx, ZS_ERR_CORRUPT,
                     "%s: decoded %zu bytes, expected %zu", c->cls->id,
                     dst->len, want);
    return st;
}

zs_status zsi_chain_decode(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, zsi_buf *out,
                           size_t expect)
{
    size_t m = active_count(ch, true), j = 0;
    zsi_buf tmp = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    if (m == 0) {
        if (expect && n != expect)
            return zsi_err(ctx, ZS_ERR_CORRUPT,
                           "chunk has %zu bytes, expected %zu", n, expect);
        return copy_into(ctx, in, n, out);
    }
    for (size_t i = ch->n; i-- > 0 && st == ZS_OK;) {
        zsi_buf *dst = (m - 1 - j) % 2 == 0 ? out : &tmp;
        if (skipped(ch->codecs[i], true))
            continue;
        st = decode_one(ch, i, ctx, in, n, dst, expect);
        in = dst->data;
        n = dst->len;
        j++;
    }
    zsi_buf_free(&tmp);
    return st;
}

bool zsi_chain_decode_into(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, void *dst,
                           size_t size, zs_status *st)
{
    zsi_buf out;
    if (active_count(ch, true) > 1)
        return false;   /* intermediate sizes are not size */
    zsi_buf_borrow(&out, dst, size);
    *st = zsi_chain_decode(ch, ctx, in, n, &out, size);
    if (*st == ZS_OK && (out.data != dst || out.len != size))
        *st = zsi_err(ctx, ZS_ERR_CORRUPT, "decoded %zu bytes, expected %zu",
                      out.len, size);
    return true;
}

/* The one codec a chain decodes with, NULL if none; *many when more. */
static const zsi_codec *only_active(const zsi_chain *ch, bool *many)
{
    const zsi_codec *one = NULL;
    *many = false;
    for (size_t i = 0; i < ch->n; i++)
        if (!skipped(ch->codecs[i], true)) {
            *many = one != NULL;
            one = ch->codecs[i];
        }
    return one;
}

bool zsi_chain_can_decode_part(const zsi_chain *ch)
{
    bool many;
    const zsi_codec *c = only_active(ch, &many);
    return !many && (!c || c->cls == &zsi_codec_blosc);
}

bool zsi_chain_decode_part(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, size_t expect,
                           size_t off, size_t len, void *dst, zs_status *st)
{
    bool many;
    const zsi_codec *c = only_active(ch, &many);
    if (many || (c && c->cls != &zsi_codec_blosc) || off > expect ||
        len > expect - off)
        return false;
    if (!c) {
        *st = n == expect ? ZS_OK
              : zsi_err(ctx, ZS_ERR_CORRUPT, "chunk has %zu bytes, "
                        "expected %zu", n, expect);
        if (*st == ZS_OK && len)
            memcpy(dst, in + off, len);
        return true;
    }
    *st = zsi_blosc_decode_part(ctx, in, n, expect, off, len, dst);
    return *st != ZS_ERR_UNSUPPORTED;
}

/* The one codec of a chain that decodes in part by range: blosc. */
static bool blosc_only(const zsi_chain *ch)
{
    bool many;
    const zsi_codec *c = only_active(ch, &many);
    return !many && c && c->cls == &zsi_codec_blosc;
}

bool zsi_chain_can_part_span(const zsi_chain *ch)
{
    return blosc_only(ch);
}

bool zsi_chain_part_span(const zsi_chain *ch, const uint8_t *head,
                         size_t hn, size_t expect, size_t off, size_t len,
                         zsi_span *sp)
{
    if (!blosc_only(ch) || off > expect || len > expect - off || len == 0)
        return false;
    return zsi_blosc_part_span(head, hn, expect, off, len, sp);
}

zs_status zsi_chain_decode_span(const zsi_chain *ch, zs_ctx *ctx,
                                uint8_t *frame, const zsi_span *sp,
                                size_t expect, size_t off, size_t len,
                                void *dst)
{
    if (!blosc_only(ch))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "a chunk read by range "
                       "decodes through blosc only");
    return zsi_blosc_decode_span(ctx, frame, sp, expect, off, len, dst);
}

/* ---- compressor specifications ---------------------------------------- */

/* Split spec on ':' keeping empty fields; at most max fields. */
static int split_spec(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        char *c = strchr(s, ':');
        if (n == max)
            return -1;
        f[n++] = s;
        if (!c)
            return n;
        *c = 0;
        s = c + 1;
    }
}

static zs_status spec_int(zs_ctx *ctx, const char *what, const char *text,
                          int64_t lo, int64_t hi, int64_t *out)
{
    if (!zsi_parse_i64(text, out))
        return zsi_err(ctx, ZS_ERR_INVALID, "%s '%s' is not an integer",
                       what, text);
    if (*out < lo || *out > hi)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "%s '%s' out of range %lld..%lld", what, text,
                       (long long)lo, (long long)hi);
    return ZS_OK;
}

static zs_status spec_blosc_cname(zs_ctx *ctx, const char *s)
{
    static const char *const ok[] = {"lz4", "lz4hc", "blosclz", "zstd",
                                     "zlib", NULL};
    for (int i = 0; ok[i]; i++)
        if (strcmp(s, ok[i]) == 0)
            return ZS_OK;
    if (strcmp(s, "snappy") == 0)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "unsupported codec 'snappy' (blosc cname)");
    return zsi_err(ctx, ZS_ERR_INVALID,
                   "unknown blosc compressor '%s' (expected lz4, lz4hc, "
                   "blosclz, zstd or zlib)", s);
}

static zs_status spec_blosc_shuffle(zs_ctx *ctx, const char *s, int64_t *v)
{
    static const struct { const char *name; int v; } names[] = {
        {"noshuffle", 0}, {"none", 0}, {"shuffle", 1}, {"byte", 1},
        {"bitshuffle", 2}, {"bit", 2}, {"auto", -1},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *v = names[i].v;
            return ZS_OK;
        }
    return zsi_err(ctx, ZS_ERR_INVALID,
                   "unknown blosc shuffle '%s' (expected noshuffle, "
                   "shuffle, bitshuffle or auto)", s);
}

/* "blosc[:CNAME[:CLEVEL[:SHUFFLE[:blocksize=N]]]]"; the defaults are
 * numcodecs' Blosc() defaults: lz4, 5, byte shuffle, automatic
 * blocksize. */
static zs_status spec_blosc(zs_ctx *ctx, char **f, int nf, zsi_kv *cfg)
{
    const char *cname = nf > 1 ? f[1] : "lz4";
    int64_t clevel = 5, shuffle = 1, blocksize = 0;
    zs_status st = spec_blosc_cname(ctx, cname);
    if (st == ZS_OK && nf > 2)
        st = spec_int(ctx, "blosc clevel", f[2], 0, 9, &clevel);
    if (st == ZS_OK && nf > 3)
        st = spec_blosc_shuffle(ctx, f[3], &shuffle);
    if (st == ZS_OK && nf > 4) {
        if (!zsi_str_starts(f[4], "blocksize="))
            return zsi_err(ctx, ZS_ERR_INVALID,
                           "unknown blosc option '%s' (expected "
                           "blocksize=N)", f[4]);
        st = spec_int(ctx, "blosc blocksize", f[4] + 10, 0, INT32_MAX - 16,
                      &blocksize);
    }
    if (st != ZS_OK)
        return st;
    if (!zsi_kv_set_string(cfg, "cname", cname) ||
        !zsi_kv_set_int(cfg, "clevel", clevel) ||
        !zsi_kv_set_int(cfg, "shuffle", shuffle) ||
        !zsi_kv_set_int(cfg, "blocksize", blocksize))
        return zsi_nomem(ctx);
    return ZS_OK;
}

/* One optional integer field stored under key; def is the numcodecs
 * default for the codec. */
static zs_status spec_level(zs_ctx *ctx, const char *name, char **f, int nf,
                            const char *key, int64_t def, int64_t lo,
                            int64_t hi, zsi_kv *cfg)
{
    char what[64];
    int64_t v = def;
    zs_status st = ZS_OK;
    if (nf > 2)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "too many fields in '%s' specification", name);
    snprintf(what, sizeof what, "%s %s", name, key);
    if (nf == 2)
        st = spec_int(ctx, what, f[1], lo, hi, &v);
    if (st == ZS_OK && !zsi_kv_set_int(cfg, key, v))
        st = zsi_nomem(ctx);
    return st;
}

/* Parse into a fresh kv; *id receives the class id (NULL for none).
 * Defaults are numcodecs': Blosc() (see spec_blosc), Zstd(level=1),
 * LZ4(acceleration=1), Zlib(level=1), GZip(level=1), BZ2(level=1).
 * zstd's negative
 * "fast" levels and level 0 (library default) are not offered here:
 * numcodecs documents 1-22; metadata may still carry them. */
static zs_status parse_fields(zs_ctx *ctx, char **f, int nf,
                              const char **id, zsi_kv *kv)
{
    const char *name = f[0];
    *id = NULL;
    if (strcmp(name, "none") == 0)
        return nf == 1 ? ZS_OK : zsi_err(ctx, ZS_ERR_INVALID,
                                         "'none' takes no parameters");
    if (strcmp(name, "blosc") == 0) {
        *id = "blosc";
        return spec_blosc(ctx, f, nf, kv);
    }
    if (strcmp(name, "zstd") == 0) {
        *id = "zstd";
        return spec_level(ctx, name, f, nf, "level", 1, 1, 22, kv);
    }
    if (strcmp(name, "lz4") == 0) {
        *id = "lz4";
        return spec_level(ctx, name, f, nf, "acceleration", 1, 1, 65537,
                          kv);
    }
    if (strcmp(name, "zlib") == 0 || strcmp(name, "gzip") == 0) {
        *id = name[0] == 'z' ? "zlib" : "gzip";
        return spec_level(ctx, name, f, nf, "level", 1, 0, 9, kv);
    }
    if (strcmp(name, "bz2") == 0) {
        *id = "bz2";
        return spec_level(ctx, name, f, nf, "level", 1, 1, 9, kv);
    }
    if (strcmp(name, "lzma") == 0)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "unsupported codec '%s'",
                       name);
    return zsi_err(ctx, ZS_ERR_INVALID,
                   "unknown compressor '%s' (expected blosc, zstd, lz4, "
                   "zlib, gzip, bz2 or none)", name);
}

zs_status zsi_compressor_parse(zs_ctx *ctx, const char *spec,
                               const char **id, zsi_kv *cfg)
{
    zsi_kv kv = {NULL, 0};
    char *copy, *f[8];
    const char *cid = NULL;
    int nf;
    zs_status st;
    if (!spec || !*spec)
        return zsi_err(ctx, ZS_ERR_INVALID, "empty compressor");
    copy = zsi_strdup(spec);
    if (!copy)
        return zsi_nomem(ctx);
    nf = split_spec(copy, f, 5);
    if (nf < 0)
        st = zsi_err(ctx, ZS_ERR_INVALID,
                     "too many fields in compressor '%s'", spec);
    else
        st = parse_fields(ctx, f, nf, &cid, &kv);
    free(copy);
    if (st != ZS_OK) {
        zsi_kv_free(&kv);
        return zsi_err_prefix(ctx, st, "compressor '%s'", spec);
    }
    zsi_kv_free(cfg);
    *cfg = kv;
    *id = cid;
    return ZS_OK;
}

/* ---- variable-length strings ------------------------------------------ */

bool zsi_vlen_build(zsi_buf *out, const char *const *strs, size_t n)
{
    size_t total, pos;
    if (n > SIZE_MAX / 8)
        return false;
    total = n * 8;
    for (size_t i = 0; i < n; i++) {
        size_t len = strs[i] ? strlen(strs[i]) : 0;
        if (len >= SIZE_MAX - total)
            return false;
        total += len + 1;
    }
    if (!zsi_buf_resize(out, total))
        return false;
    pos = n * 8;
    for (size_t i = 0; i < n; i++) {
        const char *s = strs[i] ? strs[i] : "";
        size_t len = strlen(s) + 1;
        uint64_t off = pos;
        memcpy(out->data + i * 8, &off, 8);
        memcpy(out->data + pos, s, len);
        pos += len;
    }
    return true;
}

const char *zsi_vlen_get(const uint8_t *buf, size_t i)
{
    uint64_t off;
    memcpy(&off, buf + i * 8, 8);
    return (const char *)buf + off;
}
