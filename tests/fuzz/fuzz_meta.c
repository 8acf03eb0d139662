/*
 * fuzz_meta.c - the metadata layer on arbitrary bytes: zsi_meta_doc_parse,
 * then every reader on the document (v2 .zarray with and without
 * .zattrs, v3 zarr.json, consolidated keys and their entries, attributes,
 * groups, v3 codec lists), and the array layer's set-up of what parses
 * (codec chains, sharding).
 *
 * Beyond "no crash, no leak, no undefined behaviour", it checks what the
 * writer promises for everything the readers accept: the metadata and
 * attributes format as plain-ASCII valid JSON (checked by fuzz.h's own
 * parser), the text parses back, and formatting it again gives the same
 * text (a fixed point after one round).
 */
#include "config.h"

#include "array/array_impl.h"
#include "fuzz.h"

static zs_ctx *ctx;
static zs_store *mem;

#define MAX_KEYS 200

static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
                     : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4
                     ? 4 : 0;
        unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
        unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
        if (!len)
            return false;
        for (unsigned k = 1; k < len; k++)
            if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
                return false;
        p += len;
    }
    return true;
}

/* format attributes -> parse -> format: same text, valid ASCII JSON. */
static void check_attrs(const zs_attrs *a, const char *const *dims, int nd)
{
    zsi_buf t1 = ZSI_BUF_INIT, t2 = ZSI_BUF_INIT;
    zsi_meta_doc *d = NULL;
    zs_attrs *back = NULL;
    zs_status st = zsi_meta_format_attrs(ctx, a, dims, nd, 0, &t1);
    /* the input is refused unless it is UTF-8, so every name read is */
    for (size_t i = 0; i < zs_attrs_count(a); i++)
        if (!utf8_valid(zs_attrs_name(a, i)))
            FUZZ_FAIL("attribute name read that is not UTF-8");
    if (st != ZS_OK)
        FUZZ_FAIL("formatting attributes failed: %s", zs_ctx_message(ctx));
    if (!fuzz_json_ok(t1.data, t1.len))
        FUZZ_FAIL("attributes are not ASCII JSON: %.*s", (int)t1.len,
                  (char *)t1.data);
    if (zsi_meta_doc_parse(ctx, "attrs", (char *)t1.data, t1.len, &d) !=
        ZS_OK || zsi_meta_attrs(ctx, "attrs", d, NULL, &back) != ZS_OK)
        FUZZ_FAIL("formatted attributes do not parse: %s",
                  zs_ctx_message(ctx));
    /* with dims, _ARRAY_DIMENSIONS is written from them and comes back
     * as an attribute: drop it and pass dims again */
    if (dims)
        zsi_attrs_remove(back, "_ARRAY_DIMENSIONS");
    if (zsi_meta_format_attrs(ctx, back, dims, nd, 0, &t2) != ZS_OK)
        FUZZ_FAIL("formatting parsed attributes failed");
    if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len))
        FUZZ_FAIL("attributes are not a fixed point:\n%.*s\n%.*s",
                  (int)t1.len, (char *)t1.data, (int)t2.len,
                  (char *)t2.data);
    zsi_attrs_free(back);
    zsi_meta_doc_free(d);
    zsi_buf_free(&t1);
    zsi_buf_free(&t2);
}

/* What every parsed array record must satisfy. */
static void check_invariants(const zsi_array_meta *m)
{
    uint64_t n = 1;
    if (m->ndim < 0 || m->ndim > ZS_MAX_DIMS)
        FUZZ_FAIL("ndim %d", m->ndim);
    for (int d = 0; d < m->ndim; d++) {
        if (m->chunks[d] == 0)
            FUZZ_FAIL("chunk length 0 accepted");
        if (__builtin_mul_overflow(n, m->chunks[d], &n))
            FUZZ_FAIL("chunk size overflows");
    }
    if (m->dtype != ZS_DT_STRING &&
        (__builtin_mul_overflow(n, m->itemsize, &n) ||
         n > ZSI_MAX_CHUNK_BYTES))
        FUZZ_FAIL("a chunk of more than the limit accepted");
    if (m->has_fill && !m->fill)
        FUZZ_FAIL("has_fill without a fill value");
    if (m->order != 'C' && m->order != 'F')
        FUZZ_FAIL("order %c", m->order);
    if (m->sep != '.' && m->sep != '/')
        FUZZ_FAIL("separator %c", m->sep);
}

/* v2 .zarray text of m -> parse -> text again: identical. */
static void check_v2_text(const zsi_array_meta *m)
{
    zsi_buf t1 = ZSI_BUF_INIT, t2 = ZSI_BUF_INIT;
    zsi_meta_doc *d = NULL;
    zsi_array_meta back;
    char dt[32];
    if (!zsi_dtype_to_numpy(m->dtype, m->itemsize, m->big_endian, dt,
                            sizeof dt))
        return;
    if (zsi_meta_v2_format_array(ctx, m, 0, &t1) != ZS_OK)
        FUZZ_FAIL("formatting .zarray failed: %s", zs_ctx_message(ctx));
    if (!fuzz_json_ok(t1.data, t1.len))
        FUZZ_FAIL(".zarray is not ASCII JSON: %.*s", (int)t1.len,
                  (char *)t1.data);
    if (zsi_meta_doc_parse(ctx, "zarray", (char *)t1.data, t1.len, &d) !=
        ZS_OK || zsi_meta_v2_array(ctx, "zarray", d, NULL, &back) != ZS_OK)
        FUZZ_FAIL("a formatted .zarray does not parse: %s\n%.*s",
                  zs_ctx_message(ctx), (int)t1.len, (char *)t1.data);
    if (zsi_meta_v2_format_array(ctx, &back, 0, &t2) != ZS_OK)
        FUZZ_FAIL("formatting a parsed .zarray failed");
    if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len))
        FUZZ_FAIL(".zarray is not a fixed point:\n%.*s\n%.*s",
                  (int)t1.len, (char *)t1.data, (int)t2.len,
                  (char *)t2.data);
    zsi_array_meta_free(&back);
    zsi_meta_doc_free(d);
    zsi_buf_free(&t1);
    zsi_buf_free(&t2);
}

/* Everything we do with an accepted array record. */
static void use_meta(zsi_array_meta *m)
{
    zs_array *a = NULL;
    check_invariants(m);
    if (m->zarr_format == 2)
        check_v2_text(m);
    check_attrs(m->attrs, (const char *const *)m->dim_names,
                m->dim_names ? m->ndim : 0);
    if (zsi_array_from_meta(mem, "a", m, &a) == ZS_OK) {
        zsi_buf b = ZSI_BUF_INIT;
        /* formats back (.zarray or zarr.json) as plain-ASCII JSON */
        if (!a->broken && zsi_array_format_meta(a, 0, &b) == ZS_OK &&
            !fuzz_json_ok(b.data, b.len))
            FUZZ_FAIL("array metadata is not ASCII JSON");
        zsi_buf_free(&b);
        zs_array_close(a);
    }
    zsi_array_meta_free(m);
}

static void try_key(const zsi_meta_doc *d, const char *key)
{
    zsi_array_meta m;
    zs_attrs *a = NULL;
    int kind;
    size_t n = strlen(key);
    if (n >= 7 && strcmp(key + n - 7, ".zarray") == 0) {
        char *path = zsi_strndup(key, n > 7 ? n - 8 : 0);
        if (path && zsi_meta_v2_array_from(ctx, d, path, &m) == ZS_OK)
            use_meta(&m);
        free(path);
    }
    if (zsi_meta_attrs(ctx, key, d, key, &a) == ZS_OK)
        check_attrs(a, NULL, 0);
    zsi_attrs_free(a);
    a = NULL;
    zsi_meta_v2_group_ok(ctx, key, d, key);
    if (zsi_meta_v3_node(ctx, key, d, key, &kind) == ZS_OK &&
        kind == ZSI_NODE_ARRAY &&
        zsi_meta_v3_array(ctx, key, d, key, &m) == ZS_OK)
        use_meta(&m);
    if (zsi_meta_v3_group_attrs(ctx, key, d, key, &a) == ZS_OK)
        check_attrs(a, NULL, 0);
    zsi_attrs_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zsi_meta_doc *d = NULL;
    zsi_array_meta m;
    zs_attrs *a = NULL;
    zsi_strv keys = {0};
    int kind;
    if (!ctx) {
        if (zs_ctx_new(&ctx) != ZS_OK)
            abort();
        zs_ctx_set_threads(ctx, 1);
        if (zs_store_open(ctx, "mem://fuzz", ZS_STORE_CREATE, &mem) != ZS_OK)
            abort();
    }
    if (size > (1 << 20))
        return 0;
    {
        /* the shard set-up parses this kind of text: a v3 codec list */
        char *text = zsi_strndup((const char *)data, size);
        zsi_codec_spec *specs = NULL;
        size_t n = 0;
        /* on failure too, *specs holds the n specs parsed before it */
        if (text && !memchr(data, 0, size))
            zsi_meta_v3_codecs(ctx, "codecs", text, &specs, &n);
        for (size_t i = 0; i < n; i++)
            zsi_codec_spec_free(&specs[i]);
        free(specs);
        free(text);
    }
    if (zsi_meta_doc_parse(ctx, "fuzz", (const char *)data, size, &d) !=
        ZS_OK)
        return 0;
    zsi_meta_doc_format(d);
    /* a .zarray alone, and with the same document as its .zattrs */
    if (zsi_meta_v2_array(ctx, "fuzz", d, NULL, &m) == ZS_OK)
        use_meta(&m);
    if (zsi_meta_v2_array(ctx, "fuzz", d, d, &m) == ZS_OK)
        use_meta(&m);
    if (zsi_meta_v3_node(ctx, "fuzz", d, NULL, &kind) == ZS_OK &&
        kind == ZSI_NODE_ARRAY &&
        zsi_meta_v3_array(ctx, "fuzz", d, NULL, &m) == ZS_OK)
        use_meta(&m);
    if (zsi_meta_attrs(ctx, "fuzz", d, NULL, &a) == ZS_OK)
        check_attrs(a, NULL, 0);
    zsi_attrs_free(a);
    a = NULL;
    if (zsi_meta_v3_group_attrs(ctx, "fuzz", d, NULL, &a) == ZS_OK)
        check_attrs(a, NULL, 0);
    zsi_attrs_free(a);
    zsi_meta_v2_group_ok(ctx, "fuzz", d, NULL);
    zsi_meta_doc_has_consolidated(d);
    if (zsi_meta_doc_consolidated_keys(ctx, d, "fuzz", &keys) == ZS_OK) {
        for (size_t i = 0; i < keys.n && i < MAX_KEYS; i++) {
            if (!zsi_meta_doc_has(d, keys.v[i]))
                FUZZ_FAIL("listed key '%s' is not found", keys.v[i]);
            try_key(d, keys.v[i]);
        }
    }
    zsi_strv_free(&keys);
    zsi_meta_doc_free(d);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *dir)
{
    (void)dir;
    return 0;   /* the corpus is written by hand */
}
#endif
