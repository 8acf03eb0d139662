/*
 * test_meta.c - the metadata layer: Zarr v2 .zarray variants from the
 * spec (fill values, byte orders, string types, order, separators),
 * shapes and chunks that must be refused, invalid JSON, Python's bare
 * NaN/Infinity, attribute typing, consolidated metadata, Zarr v3
 * zarr.json, and the writer: parse(format(m)) == m, and every output is
 * plain ASCII and valid JSON (checked by the strict checker below, which
 * does not share code with the library).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta.h"
#include "tap.h"

static zs_ctx *ctx;

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ------------------------------------------------------------------ */
/* A strict JSON checker (RFC 8259), independent of the library        */
/* ------------------------------------------------------------------ */

static const char *js_value(const char *p, const char *end, int depth);

static const char *js_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end)
{
    int v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static const char *js_string(const char *p, const char *end)
{
    if (p >= end || *p != '"')
        return NULL;
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            p++;
            if (p >= end)
                return NULL;
            if (strchr("\"\\/bfnrt", *p) && *p) {
                p++;
            } else if (*p == 'u') {
                int v = hex4(p + 1, end);
                if (v < 0)
                    return NULL;
                p += 5;
                if (v >= 0xdc00 && v <= 0xdfff)
                    return NULL;          /* lone low surrogate */
                if (v >= 0xd800 && v <= 0xdbff) {
                    int w;
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                        return NULL;      /* lone high surrogate */
                    w = hex4(p + 2, end);
                    if (w < 0xdc00 || w > 0xdfff)
                        return NULL;
                    p += 6;
                }
            } else {
                return NULL;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 &&
                         c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
            unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
            if (!len || (size_t)(end - p) < len)
                return NULL;
            for (size_t k = 1; k < len; k++) {
                unsigned char b = (unsigned char)p[k];
                if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                    return NULL;
            }
            p += len;
            continue;
        }
        p++;
    }
    return NULL;
}

static const char *js_digits(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    return q > p ? q : NULL;
}

static const char *js_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (!(p = js_digits(p, end)))
        return NULL;
    if (p < end && *p == '.' && !(p = js_digits(p + 1, end)))
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p = js_digits(p, end)))
            return NULL;
    }
    return p;
}

static const char *js_word(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - p) >= n && memcmp(p, w, n) == 0 ? p + n : NULL;
}

static const char *js_value(const char *p, const char *end, int depth)
{
    if (depth > 500)
        return NULL;
    p = js_ws(p, end);
    if (p >= end)
        return NULL;
    switch (*p) {
    case '"':
        return js_string(p, end);
    case 't': return js_word(p, end, "true");
    case 'f': return js_word(p, end, "false");
    case 'n': return js_word(p, end, "null");
    case '[':
        p = js_ws(p + 1, end);
        if (p < end && *p == ']')
            return p + 1;
        for (;;) {
            if (!(p = js_value(p, end, depth + 1)))
                return NULL;
            p = js_ws(p, end);
            if (p < end && *p == ']')
                return p + 1;
            if (p >= end || *p != ',')
                return NULL;
            p++;
        }
    case '{':
        p = js_ws(p + 1, end);
        if (p < end && *p == '}')
            return p + 1;
        for (;;) {
            if (!(p = js_string(js_ws(p, end), end)))
                return NULL;
            p = js_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            if (!(p = js_value(p + 1, end, depth + 1)))
                return NULL;
            p = js_ws(p, end);
            if (p < end && *p == '}')
                return p + 1;
            if (p >= end || *p != ',')
                return NULL;
            p++;
        }
    default:
        return js_number(p, end);
    }
}

/* Valid JSON and, if ascii, plain printable ASCII with newlines. */
static bool json_ok(const void *text, size_t n, bool ascii)
{
    const char *p = text, *end = p + n;
    const char *q = js_value(p, end, 0);
    if (!q || js_ws(q, end) != end)
        return false;
    for (size_t i = 0; ascii && i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x7f || (c < 0x20 && c != '\n'))
            return false;
    }
    return true;
}

static void t_checker(void)
{
    static const char *const good[] = {
        "{}", "[]", "0", "-0.5e+3", "\"\\u00e9\\ud83d\\ude00\"",
        "{\"a\": [1, true, null, {\"b\": \"\\n\"}]}", " 1 ",
        "\"\xc3\xa9\"",
    };
    static const char *const bad[] = {
        "", "{", "[1,]", "01", "1.", ".5", "NaN", "\"\x01\"", "\"\\x\"",
        "\"\\ud83d\"", "\"\\ude00\"", "{'a':1}", "{\"a\" 1}", "[1 2]",
        "\"\xff\"", "\"\xed\xa0\x80\"", "1 2", "-", "tru",
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ok = ok && json_ok(good[i], strlen(good[i]), false);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (json_ok(bad[i], strlen(bad[i]), false)) {
            TAP_DIAG("checker accepts '%s'", bad[i]);
            ok = false;
        }
    TAP_OK(ok, "the test's own strict JSON checker works");
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static zs_status doc(const char *text, zsi_meta_doc **d)
{
    *d = NULL;
    return zsi_meta_doc_parse(ctx, "test", text, strlen(text), d);
}

/* Parse a .zarray text (and optional .zattrs text) into m. */
static zs_status zarray(const char *text, const char *attrs,
                        zsi_array_meta *m)
{
    zsi_meta_doc *a = NULL, *t = NULL;
    zs_status st = doc(text, &a);
    if (st == ZS_OK && attrs)
        st = doc(attrs, &t);
    zsi_array_meta_init(m);
    if (st == ZS_OK)
        st = zsi_meta_v2_array(ctx, "test/.zarray", a, t, m);
    zsi_meta_doc_free(a);
    zsi_meta_doc_free(t);
    return st;
}

/* A .zarray with the given parts; extra is appended inside the object. */
static char *za(const char *shape, const char *chunks, const char *dtype,
                const char *fill, const char *extra)
{
    return zsi_asprintf("{\"zarr_format\": 2, \"shape\": %s, \"chunks\": %s,"
                        " \"dtype\": \"%s\", \"compressor\": null, "
                        "\"fill_value\": %s, \"order\": \"C\", "
                        "\"filters\": null%s}", shape, chunks, dtype, fill,
                        extra ? extra : "");
}

/* Status of parsing a .zarray built from parts. */
static zs_status za_status(const char *shape, const char *chunks,
                           const char *dtype, const char *fill,
                           const char *extra)
{
    char *t = za(shape, chunks, dtype, fill, extra);
    zsi_array_meta m;
    zs_status st = zarray(t, NULL, &m);
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    return st;
}

/* Status of parsing an int32 .zarray with the given codecs. */
static zs_status codecs_status(const char *compressor, const char *filters)
{
    char *t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], "
                           "\"chunks\": [3], \"dtype\": \"<i4\", "
                           "\"compressor\": %s, \"fill_value\": 0, "
                           "\"order\": \"C\", \"filters\": %s}",
                           compressor, filters);
    zsi_array_meta m;
    zs_status st = zarray(t, NULL, &m);
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    return st;
}

/* Parse a fill value for dtype; *m receives the metadata on success. */
static zs_status fill_of(const char *dtype, const char *fill,
                         zsi_array_meta *m)
{
    char *t = za("[4]", "[2]", dtype, fill, NULL);
    zs_status st = zarray(t, NULL, m);
    free(t);
    return st;
}

/* ------------------------------------------------------------------ */
/* .zarray                                                             */
/* ------------------------------------------------------------------ */

static void t_zarray_basic(void)
{
    zsi_array_meta m;
    zs_status st;
    const char *t =
        "{\n  \"zarr_format\": 2,\n  \"shape\": [10000, 10000],\n"
        "  \"chunks\": [1000, 1000],\n  \"dtype\": \"<f8\",\n"
        "  \"compressor\": {\"id\": \"blosc\", \"cname\": \"lz4\", "
        "\"clevel\": 5, \"shuffle\": 1, \"blocksize\": 0},\n"
        "  \"fill_value\": \"NaN\",\n  \"order\": \"C\",\n"
        "  \"filters\": [{\"id\": \"delta\", \"dtype\": \"<f8\"}]\n}";
    int64_t i;
    const char *s;
    st = zarray(t, "{\"_ARRAY_DIMENSIONS\": [\"y\", \"x\"], \"units\": "
                "\"K\"}", &m);
    TAP_OK(st == ZS_OK, "the spec's example .zarray parses (%s)",
           zs_ctx_message(ctx));
    if (st != ZS_OK)
        return;
    TAP_OK(m.zarr_format == 2 && m.ndim == 2 && m.shape[0] == 10000 &&
           m.shape[1] == 10000 && m.chunks[0] == 1000 &&
           m.dtype == ZS_DT_FLOAT64 && m.itemsize == 8 && !m.big_endian &&
           m.order == 'C' && m.sep == '.', "shape, chunks, dtype, order, "
           "default separator");
    TAP_OK(m.has_fill && isnan(*(double *)(void *)m.fill),
           "fill_value \"NaN\"");
    TAP_OK(m.compressor && strcmp(m.compressor->id, "blosc") == 0 &&
           zsi_kv_get_int(&m.compressor->cfg, "clevel", &i) == 1 &&
           i == 5 && zsi_kv_get_string(&m.compressor->cfg, "cname", &s) ==
           1 && strcmp(s, "lz4") == 0 &&
           !zsi_kv_find(&m.compressor->cfg, "id"),
           "compressor id and parameters (without the id)");
    TAP_OK(m.nfilters == 1 && strcmp(m.filters[0].id, "delta") == 0 &&
           zsi_kv_get_string(&m.filters[0].cfg, "dtype", &s) == 1,
           "filters");
    TAP_OK(m.dim_names && strcmp(m.dim_names[0], "y") == 0 &&
           strcmp(m.dim_names[1], "x") == 0, "_ARRAY_DIMENSIONS");
    TAP_OK(zs_attrs_count(m.attrs) == 1 &&
           strcmp(zs_attrs_name(m.attrs, 0), "units") == 0,
           "attributes without _ARRAY_DIMENSIONS");
    zsi_array_meta_free(&m);
}

static void t_zarray_variants(void)
{
    zsi_array_meta m;
    zs_status st;
    char *t;
    t = za("[3, 4]", "[2, 2]", ">i4", "0",
           ", \"dimension_separator\": \"/\"");
    st = zarray(t, NULL, &m);
    TAP_OK(st == ZS_OK && m.big_endian && m.dtype == ZS_DT_INT32 &&
           m.sep == '/', "\">i4\" is big-endian; dimension_separator \"/\"");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    t = za("[3]", "[2]", "<i4", "0", ", \"dimension_separator\": null");
    st = zarray(t, NULL, &m);
    TAP_OK(st == ZS_OK && m.sep == '.', "dimension_separator null is \".\"");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    TAP_OK(za_status("[3]", "[2]", "<i4", "0",
                     ", \"dimension_separator\": \"-\"") == ZS_ERR_FORMAT &&
           za_status("[3]", "[2]", "<i4", "0",
                     ", \"dimension_separator\": 1") == ZS_ERR_FORMAT,
           "other separators are refused with ZS_ERR_FORMAT");
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3, 4], \"chunks\": "
                     "[3, 4], \"dtype\": \"<u2\", \"compressor\": null, "
                     "\"fill_value\": 7, \"order\": \"F\", "
                     "\"filters\": null}");
    st = zarray(t, NULL, &m);
    TAP_OK(st == ZS_OK && m.order == 'F', "order \"F\"");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], \"chunks\": "
                     "[3], \"dtype\": \"<u2\", \"compressor\": null, "
                     "\"fill_value\": 7, \"order\": \"X\", "
                     "\"filters\": null}");
    TAP_OK(zarray(t, NULL, &m) == ZS_ERR_FORMAT, "order \"X\" refused");
    free(t);
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], \"chunks\": "
                     "[3], \"dtype\": \"<u2\", \"compressor\": null, "
                     "\"fill_value\": 7, \"filters\": null}");
    TAP_OK(zarray(t, NULL, &m) == ZS_ERR_FORMAT, "missing order refused");
    free(t);
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [], \"chunks\": [],"
                     " \"dtype\": \"<f4\", \"compressor\": null, "
                     "\"order\": \"C\", \"filters\": []}");
    st = zarray(t, NULL, &m);
    TAP_OK(st == ZS_OK && m.ndim == 0 && !m.has_fill && m.nfilters == 0,
           "0-d array, fill_value absent (null), empty filters list");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    {
        static const struct { const char *dt; zs_dtype t; size_t size;
                              bool be; } dts[] = {
            {"|b1", ZS_DT_BOOL, 1, false}, {"|i1", ZS_DT_INT8, 1, false},
            {"|u1", ZS_DT_UINT8, 1, false}, {"<i2", ZS_DT_INT16, 2, false},
            {">u8", ZS_DT_UINT64, 8, true},
            {"<f2", ZS_DT_FLOAT16, 2, false},
            {">f4", ZS_DT_FLOAT32, 4, true}, {"|S7", ZS_DT_BYTES, 7, false},
            {"<U13", ZS_DT_UNICODE, 52, false},
            {">U2", ZS_DT_UNICODE, 8, true},
        };
        bool ok = true;
        for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
            t = za("[4]", "[2]", dts[i].dt, "null", NULL);
            st = zarray(t, NULL, &m);
            if (st != ZS_OK || m.dtype != dts[i].t ||
                m.itemsize != dts[i].size || m.big_endian != dts[i].be) {
                TAP_DIAG("dtype %s: status %d", dts[i].dt, st);
                ok = false;
            }
            if (st == ZS_OK)
                zsi_array_meta_free(&m);
            free(t);
        }
        TAP_OK(ok, "%zu dtypes: type, item size and byte order",
               sizeof dts / sizeof dts[0]);
    }
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], \"chunks\": "
                     "[3], \"dtype\": \"|O\", \"compressor\": null, "
                     "\"fill_value\": \"\", \"order\": \"C\", "
                     "\"filters\": [{\"id\": \"vlen-utf8\"}]}");
    st = zarray(t, NULL, &m);
    TAP_OK(st == ZS_OK && m.dtype == ZS_DT_STRING && m.has_fill &&
           strcmp((char *)m.fill, "") == 0,
           "\"|O\" with a vlen-utf8 filter is a string array");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    TAP_OK(za_status("[3]", "[3]", "|O", "null", NULL) == ZS_ERR_FORMAT,
           "\"|O\" without an object codec is refused (ZS_ERR_FORMAT)");
    TAP_OK(za_status("[3]", "[3]", "|O", "null",
                     ", \"filters\": [{\"id\": \"pickle\"}]") != ZS_OK,
           "\"|O\" with pickle is refused");
    TAP_OK(za_status("[3]", "[3]", "<c16", "null", NULL) ==
           ZS_ERR_UNSUPPORTED && za_status("[3]", "[3]", "<M8[ns]", "null",
                                           NULL) == ZS_ERR_UNSUPPORTED &&
           za_status("[3]", "[3]", "<i3", "null", NULL) ==
           ZS_ERR_UNSUPPORTED, "complex, datetime and odd widths are "
           "ZS_ERR_UNSUPPORTED");
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], \"chunks\": "
                     "[3], \"dtype\": [[\"a\", \"<i4\"]], \"compressor\": "
                     "null, \"fill_value\": null, \"order\": \"C\", "
                     "\"filters\": null}");
    TAP_OK(zarray(t, NULL, &m) == ZS_ERR_UNSUPPORTED &&
           strcmp(zs_ctx_message(ctx), "test/.zarray: unsupported dtype "
                  "[[\"a\",\"<i4\"]] (structured)") == 0,
           "structured dtypes are ZS_ERR_UNSUPPORTED, shown as written: %s",
           zs_ctx_message(ctx));
    free(t);
    TAP_OK(za_status("[3]", "[3]", "<M8[ns]", "null", NULL) ==
           ZS_ERR_UNSUPPORTED && strcmp(zs_ctx_message(ctx),
                                        "test/.zarray: unsupported dtype "
                                        "'<M8[ns]'") == 0,
           "an unknown dtype is named: %s", zs_ctx_message(ctx));
    t = zsi_asprintf("{\"zarr_format\": 2, \"shape\": [3], \"chunks\": "
                     "[3], \"dtype\": [[\"temperature\", \"<f8\"], "
                     "[\"pressure\", \"<f8\"], [\"station\", \"|S20\"], "
                     "[\"flags\", \"<u2\", [4]]], \"compressor\": null, "
                     "\"fill_value\": null, \"order\": \"C\", "
                     "\"filters\": null}");
    TAP_OK(zarray(t, NULL, &m) == ZS_ERR_UNSUPPORTED &&
           strncmp(zs_ctx_message(ctx), "test/.zarray: unsupported dtype "
                   "[[\"temperature\",\"<f8\"],", 44) == 0 &&
           strstr(zs_ctx_message(ctx), "... (structured)") &&
           strlen(zs_ctx_message(ctx)) == strlen("test/.zarray: "
                                                 "unsupported dtype ") + 80 +
                                          strlen(" (structured)"),
           "a long structured dtype is cut to 80 bytes: %s",
           zs_ctx_message(ctx));
    free(t);
    t = zsi_asprintf("{\"shape\": [3], \"chunks\": [3], \"dtype\": \"<i4\","
                     " \"compressor\": null, \"fill_value\": 0, "
                     "\"order\": \"C\", \"filters\": null}");
    TAP_OK(zarray(t, NULL, &m) == ZS_ERR_FORMAT,
           "missing zarr_format refused");
    free(t);
    TAP_OK(zarray("[1, 2]", NULL, &m) == ZS_ERR_FORMAT,
           "a .zarray that is not an object is refused");
    TAP_OK(codecs_status("{\"cname\": \"lz4\"}", "null") ==
           ZS_ERR_FORMAT && codecs_status("\"zstd\"", "null") ==
           ZS_ERR_FORMAT, "a compressor without an id is refused");
    TAP_OK(codecs_status("null", "{\"id\": \"delta\"}") == ZS_ERR_FORMAT,
           "filters that are not a list are refused");
    TAP_OK(codecs_status("null", "[1]") == ZS_ERR_FORMAT &&
           codecs_status("null", "[{\"id\": 5}]") == ZS_ERR_FORMAT,
           "a filter that is not an object with an id is refused");
    TAP_OK(codecs_status("{\"id\": \"zstd\", \"level\": 3}",
                         "[{\"id\": \"delta\", \"dtype\": \"<i4\"}]") ==
           ZS_OK, "a compressor and a filter");
}

static void t_shapes(void)
{
    static const struct {
        const char *shape, *chunks, *dtype;
        zs_status want;
        const char *what;
    } cases[] = {
        {"[-1]", "[1]", "<i4", ZS_ERR_FORMAT, "negative shape"},
        {"[3]", "[-1]", "<i4", ZS_ERR_FORMAT, "negative chunk"},
        {"[3]", "[0]", "<i4", ZS_ERR_FORMAT, "zero chunk"},
        {"[0]", "[1]", "<i4", ZS_OK, "zero-length dimension"},
        {"[1.5]", "[1]", "<i4", ZS_ERR_FORMAT, "non-integer shape"},
        {"[3.0]", "[1]", "<i4", ZS_ERR_FORMAT, "shape 3.0"},
        {"[3]", "[1e2]", "<i4", ZS_ERR_FORMAT, "chunk 1e2"},
        {"[\"3\"]", "[1]", "<i4", ZS_ERR_FORMAT, "shape as text"},
        {"[null]", "[1]", "<i4", ZS_ERR_FORMAT, "shape null"},
        {"[true]", "[1]", "<i4", ZS_ERR_FORMAT, "shape true"},
        {"3", "[1]", "<i4", ZS_ERR_FORMAT, "shape not a list"},
        {"[3]", "{}", "<i4", ZS_ERR_FORMAT, "chunks not a list"},
        {"[3, 4]", "[3]", "<i4", ZS_ERR_FORMAT, "chunks with fewer dims"},
        {"[3]", "[3, 1]", "<i4", ZS_ERR_FORMAT, "chunks with more dims"},
        {"[4611686018427387905]", "[1]", "|u1", ZS_ERR_OVERFLOW,
         "shape above 2^62"},
        {"[18446744073709551616]", "[1]", "|u1", ZS_ERR_OVERFLOW,
         "shape above 2^64"},
        {"[99999999999999999999999999]", "[1]", "|u1", ZS_ERR_OVERFLOW,
         "a 26-digit shape"},
        {"[4294967296, 4294967296, 4294967296]", "[1, 1, 1]", "|u1",
         ZS_ERR_OVERFLOW, "shape product above 2^64"},
        {"[4611686018427387904, 4]", "[1, 1]", "<i8", ZS_ERR_OVERFLOW,
         "shape bytes above 2^64"},
        {"[3]", "[18446744073709551616]", "|u1", ZS_ERR_OVERFLOW,
         "chunk above 2^64"},
        {"[100]", "[2147483583]", "|u1", ZS_OK,
         "a chunk of exactly 2^31-65 bytes"},
        {"[100]", "[2147483584]", "|u1", ZS_ERR_UNSUPPORTED,
         "a chunk of 2^31-64 bytes (over the limit)"},
        {"[100, 100]", "[65536, 65536]", "<f8", ZS_ERR_UNSUPPORTED,
         "a 32 GiB chunk"},
        {"[1]", "[536870912]", "<f4", ZS_ERR_UNSUPPORTED,
         "a 2 GiB float32 chunk"},
        {"[1]", "[4611686018427387904, 4611686018427387904]", "|u1",
         ZS_ERR_FORMAT, "mismatched dims with huge chunks"},
        {"[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
         "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
         "|u1", ZS_OK, "32 dimensions"},
        {"[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1]",
         "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1]", "|u1", ZS_ERR_UNSUPPORTED, "33 dimensions"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zs_status st = za_status(cases[i].shape, cases[i].chunks,
                                 cases[i].dtype, "null", NULL);
        TAP_OK(st == cases[i].want, "%s: %s -> %d (%s)", cases[i].what,
               zs_strerror(cases[i].want), st, zs_ctx_message(ctx));
    }
}

static void t_fill(void)
{
    zsi_array_meta m;
    zs_status st;
    double d;
    float f;
    int64_t i;
    uint64_t u;
#define FILL_OK(dt, text, cond, ...)                                    \
    do {                                                                \
        st = fill_of(dt, text, &m);                                     \
        TAP_OK(st == ZS_OK && (cond), __VA_ARGS__);                     \
        if (st == ZS_OK)                                                \
            zsi_array_meta_free(&m);                                    \
    } while (0)
#define FILL_BAD(dt, text, ...)                                         \
    do {                                                                \
        st = fill_of(dt, text, &m);                                     \
        TAP_OK(st == ZS_ERR_FORMAT, __VA_ARGS__);                       \
        if (st == ZS_OK)                                                \
            zsi_array_meta_free(&m);                                    \
    } while (0)
#define F64 (memcpy(&d, m.fill, 8), d)
#define F32 (memcpy(&f, m.fill, 4), f)
#define I64 (memcpy(&i, m.fill, 8), i)
#define U64 (memcpy(&u, m.fill, 8), u)
    FILL_OK("<f8", "\"NaN\"", isnan(F64), "f8 fill \"NaN\"");
    FILL_OK("<f8", "\"Infinity\"", F64 == INFINITY, "f8 fill \"Infinity\"");
    FILL_OK("<f8", "\"-Infinity\"", F64 == -INFINITY,
            "f8 fill \"-Infinity\"");
    FILL_OK("<f8", "NaN", isnan(F64), "f8 fill bare NaN (Python json)");
    FILL_OK("<f8", "-Infinity", F64 == -INFINITY, "f8 fill bare -Infinity");
    FILL_OK("<f8", "null", !m.has_fill && m.fill == NULL, "fill null");
    FILL_OK("<f8", "0.1", F64 == 0.1, "f8 fill 0.1 exact");
    FILL_OK("<f8", "-0.0", F64 == 0 && signbit(F64), "f8 fill -0.0");
    FILL_OK("<f8", "1e-320", F64 == 1e-320, "f8 fill subnormal");
    FILL_OK("<f8", "12345678901234567890", F64 == 12345678901234567890.0,
            "f8 fill from a 20-digit integer");
    FILL_OK(">f8", "1.5", F64 == 1.5, "big-endian f8 fill is native in "
            "memory");
    FILL_OK("<f4", "0.1", F32 == 0.1f, "f4 fill 0.1");
    FILL_OK("<f4", "\"NaN\"", isnan(F32), "f4 fill NaN");
    FILL_OK("<f2", "65504", zsi_half_to_float(*(uint16_t *)(void *)m.fill)
            == 65504.0f, "f2 fill 65504");
    FILL_OK("<f4", "\"0x7fc00001\"", *(uint32_t *)(void *)m.fill ==
            0x7fc00001u, "f4 fill as a hex bit pattern (v3 style)");
    FILL_BAD("<f8", "\"nan\"", "f8 fill \"nan\" (lower case) refused");
    FILL_BAD("<f8", "\"1.5\"", "f8 fill as a quoted number refused");
    FILL_OK("<i8", "-9223372036854775808", I64 == INT64_MIN,
            "i8 fill -9223372036854775808 exact");
    FILL_OK("<i8", "9223372036854775807", I64 == INT64_MAX,
            "i8 fill 9223372036854775807 exact");
    FILL_OK("<u8", "18446744073709551615", U64 == UINT64_MAX,
            "u8 fill 18446744073709551615 exact");
    FILL_OK("<u8", "9007199254740993", U64 == 9007199254740993ULL,
            "u8 fill 2^53+1 exact (not through a double)");
    FILL_OK("<i8", "-9007199254740993", I64 == -9007199254740993LL,
            "i8 fill -(2^53+1) exact");
    FILL_BAD("<i8", "9223372036854775808", "i8 fill 2^63 refused");
    FILL_BAD("<u8", "-1", "u8 fill -1 refused");
    FILL_BAD("<u8", "18446744073709551616", "u8 fill 2^64 refused");
    FILL_BAD("|u1", "256", "u1 fill 256 refused");
    FILL_BAD("|i1", "-129", "i1 fill -129 refused");
    FILL_OK("|i1", "-128", *(int8_t *)m.fill == -128, "i1 fill -128");
    FILL_OK("<i4", "1.0", *(int32_t *)(void *)m.fill == 1,
            "i4 fill 1.0 (written by some tools) is 1");
    FILL_BAD("<i4", "1.5", "i4 fill 1.5 refused");
    FILL_BAD("<i4", "\"NaN\"", "i4 fill NaN refused");
    FILL_OK("|b1", "true", m.fill[0] == 1, "b1 fill true");
    FILL_OK("|b1", "false", m.fill[0] == 0, "b1 fill false");
    FILL_OK("|S5", "\"aGVsbG8=\"", memcmp(m.fill, "hello", 5) == 0,
            "|S5 fill base64 \"aGVsbG8=\" is \"hello\"");
    FILL_OK("|S7", "\"aGk=\"", memcmp(m.fill, "hi\0\0\0\0\0", 7) == 0,
            "|S7 fill shorter than the item is padded with NULs");
    FILL_OK("|S3", "0", memcmp(m.fill, "\0\0\0", 3) == 0,
            "|S3 fill 0 is zeros");
    FILL_BAD("|S3", "\"aGVsbG8=\"", "|S3 fill of 5 bytes refused");
    FILL_BAD("|S3", "\"!!\"", "|S3 fill that is not base64 refused");
    FILL_OK("<U3", "\"h\xc3\xa9\xf0\x9f\x98\x80\"",
            zsi_le32(m.fill) == 'h' && zsi_le32(m.fill + 4) == 0xe9 &&
            zsi_le32(m.fill + 8) == 0x1f600, "<U3 fill \"h\\u00e9\\U0001f600\""
            " as UCS-4");
    FILL_OK("<U4", "\"ab\"", zsi_le32(m.fill + 8) == 0 &&
            zsi_le32(m.fill + 12) == 0, "<U4 fill \"ab\" padded");
    FILL_BAD("<U2", "\"abc\"", "<U2 fill \"abc\" refused");
    FILL_OK("<U2", "0", m.fill[0] == 0, "<U2 fill 0");
#undef FILL_OK
#undef FILL_BAD
#undef F64
#undef F32
#undef I64
#undef U64
}

static void t_invalid_json(void)
{
    static const char *const bad[] = {
        "", " ", "{", "}", "{\"a\":}", "[1,]", "{\"a\":1,}", "nul", "{} x",
        "{'a': 1}", "{\"a\" 1}", "\"unterminated", "[1 2]", "{\"a\":01x}",
        "-", "--1", "{\"a\": nan}", "{\"a\": infinity}", "{\"a\":-NaN}",
        "{\"a\": +1}", "\xef\xbb\xbf{}x", "[01]", "{\"a\": -007}",
        "[00000099999999999999999999999]",
    };
    zsi_meta_doc *d;
    bool ok = true;
    char *deep;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zs_status st = doc(bad[i], &d);
        if (st != ZS_ERR_FORMAT) {
            TAP_DIAG("'%s' -> %d", bad[i], st);
            ok = false;
        }
        zsi_meta_doc_free(st == ZS_OK ? d : NULL);
    }
    TAP_OK(ok, "%zu invalid JSON texts refused with ZS_ERR_FORMAT",
           sizeof bad / sizeof bad[0]);
    TAP_OK(zsi_meta_doc_parse(ctx, "t", "{\"a\":1}\0x", 9, &d) ==
           ZS_ERR_FORMAT, "a NUL byte inside the text is refused");
    /* an empty value read from a store comes as a NULL buffer */
    TAP_OK(zsi_meta_doc_parse(ctx, "t", NULL, 0, &d) == ZS_ERR_FORMAT &&
           strstr(zs_ctx_message(ctx), "empty"),
           "an empty document as a NULL buffer is refused");
    TAP_OK(zsi_meta_doc_parse(ctx, "t", "{\"a\":1}xyz", 7, &d) == ZS_OK,
           "parsing stops at the given length");
    zsi_meta_doc_free(d);
    deep = malloc(20002);
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = 0;
    TAP_OK(doc(deep, &d) == ZS_ERR_FORMAT, "10000 nested lists are "
           "refused, not a stack overflow");
    free(deep);
    TAP_OK(strstr(zs_ctx_message(ctx), "test") != NULL,
           "the message names the source (\"%s\")", zs_ctx_message(ctx));
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */
/* ------------------------------------------------------------------ */

static zs_attrs *attrs_of(const char *text)
{
    zsi_meta_doc *d;
    zs_attrs *a = NULL;
    if (doc(text, &d) != ZS_OK)
        return NULL;
    if (zsi_meta_attrs(ctx, "test/.zattrs", d, NULL, &a) != ZS_OK)
        a = NULL;
    zsi_meta_doc_free(d);
    return a;
}

static size_t idx_of(const zs_attrs *a, const char *name)
{
    size_t i = SIZE_MAX;
    zs_attrs_find(a, name, &i);
    return i;
}

static bool json_is(const zs_attrs *a, const char *name, const char *want)
{
    char *js = NULL;
    bool ok = zs_attrs_to_json(a, idx_of(a, name), &js) == ZS_OK &&
              strcmp(js, want) == 0;
    if (!ok)
        TAP_DIAG("%s: '%s', want '%s'", name, js ? js : "(error)", want);
    free(js);
    return ok;
}

static void t_attr_types(void)
{
    zs_attrs *a = attrs_of(
        "{\"i\": 1, \"f\": 1.0, \"e\": 1e5, \"neg\": -9223372036854775808,"
        " \"big\": 18446744073709551615, \"huge\": "
        "123456789012345678901234567890, \"l\": [1, 2, 3], \"lf\": [1, 2.5],"
        " \"lu\": [1, 18446744073709551615], \"lmix\": [-1, "
        "18446744073709551615], \"s\": \"text\", \"b\": true, \"lb\": [true,"
        " false], \"n\": null, \"o\": {\"x\": [1, 2.0]}, \"ls\": [\"a\", "
        "\"b\"], \"empty\": [], \"nan\": NaN, \"inf\": Infinity, \"ninf\": "
        "-Infinity, \"lnan\": [NaN, 1.5, -Infinity], \"z\": -0, \"nz\": "
        "-0.0, \"lbi\": [true, 1], \"u\": \"\\u00e9\\ud83d\\ude00\"}");
    size_t i;
    double d;
    int64_t v;
    if (!a) {
        TAP_OK(0, "attributes parse (%s)", zs_ctx_message(ctx));
        return;
    }
    TAP_OK(zs_attrs_count(a) == 25, "25 attributes");
    TAP_OK(zs_attrs_type(a, idx_of(a, "i")) == ZS_DT_INT64 &&
           json_is(a, "i", "1"), "1 stays an integer");
    TAP_OK(zs_attrs_type(a, idx_of(a, "f")) == ZS_DT_FLOAT64 &&
           json_is(a, "f", "1.0"), "1.0 stays a float");
    TAP_OK(zs_attrs_type(a, idx_of(a, "e")) == ZS_DT_FLOAT64 &&
           json_is(a, "e", "100000.0"), "1e5 is a float");
    i = idx_of(a, "neg");
    TAP_OK(zs_attrs_type(a, i) == ZS_DT_INT64 &&
           zs_attrs_get_int64(a, i, 0, &v) == ZS_OK && v == INT64_MIN,
           "-9223372036854775808 exact");
    i = idx_of(a, "big");
    TAP_OK(zs_attrs_type(a, i) == ZS_DT_UINT64 &&
           json_is(a, "big", "18446744073709551615"),
           "18446744073709551615 is a uint64, exact");
    TAP_OK(zs_attrs_type(a, idx_of(a, "huge")) == ZS_DT_FLOAT64,
           "an integer beyond 64 bits becomes a float");
    TAP_OK(zs_attrs_type(a, idx_of(a, "l")) == ZS_DT_INT64 &&
           zs_attrs_length(a, idx_of(a, "l")) == 3 &&
           json_is(a, "l", "[1,2,3]"), "a list of integers");
    TAP_OK(zs_attrs_type(a, idx_of(a, "lf")) == ZS_DT_FLOAT64 &&
           json_is(a, "lf", "[1.0,2.5]"), "integers mixed with floats "
           "are floats");
    TAP_OK(zs_attrs_type(a, idx_of(a, "lu")) == ZS_DT_UINT64 &&
           json_is(a, "lu", "[1,18446744073709551615]"),
           "a list with a value above INT64_MAX is uint64");
    TAP_OK(zs_attrs_type(a, idx_of(a, "lmix")) == ZS_DT_FLOAT64,
           "negative and above INT64_MAX: floats");
    TAP_OK(zs_attrs_type(a, idx_of(a, "s")) == ZS_DT_STRING &&
           json_is(a, "s", "\"text\""), "text");
    TAP_OK(zs_attrs_type(a, idx_of(a, "b")) == ZS_DT_BOOL &&
           json_is(a, "b", "true") && json_is(a, "lb", "[true,false]"),
           "booleans");
    TAP_OK(zs_attrs_type(a, idx_of(a, "n")) == ZS_DT_NONE &&
           json_is(a, "n", "null"), "null is kept as JSON");
    TAP_OK(zs_attrs_type(a, idx_of(a, "o")) == ZS_DT_NONE &&
           json_is(a, "o", "{\"x\":[1,2.0]}"), "an object is kept as JSON "
           "with its integer/float distinction");
    TAP_OK(zs_attrs_type(a, idx_of(a, "ls")) == ZS_DT_NONE &&
           json_is(a, "ls", "[\"a\",\"b\"]"), "a list of strings is kept "
           "as JSON");
    TAP_OK(zs_attrs_type(a, idx_of(a, "empty")) == ZS_DT_NONE &&
           json_is(a, "empty", "[]"), "an empty list is kept as JSON");
    TAP_OK(zs_attrs_get_double(a, idx_of(a, "nan"), 0, &d) == ZS_OK &&
           isnan(d), "bare NaN (as Python writes it) is a float NaN");
    TAP_OK(zs_attrs_get_double(a, idx_of(a, "inf"), 0, &d) == ZS_OK &&
           d == INFINITY && zs_attrs_get_double(a, idx_of(a, "ninf"), 0,
                                                &d) == ZS_OK &&
           d == -INFINITY, "bare Infinity and -Infinity");
    i = idx_of(a, "lnan");
    TAP_OK(zs_attrs_type(a, i) == ZS_DT_FLOAT64 &&
           zs_attrs_length(a, i) == 3 &&
           zs_attrs_get_double(a, i, 2, &d) == ZS_OK && d == -INFINITY,
           "a list with NaN and -Infinity");
    TAP_OK(zs_attrs_type(a, idx_of(a, "z")) == ZS_DT_INT64 &&
           json_is(a, "z", "0"), "-0 is the integer 0");
    i = idx_of(a, "nz");
    TAP_OK(zs_attrs_get_double(a, i, 0, &d) == ZS_OK && d == 0 &&
           signbit(d) && json_is(a, "nz", "-0.0"), "-0.0 keeps its sign");
    TAP_OK(zs_attrs_type(a, idx_of(a, "lbi")) == ZS_DT_NONE,
           "booleans mixed with numbers are kept as JSON");
    TAP_OK(strcmp(zs_attrs_get_string(a, idx_of(a, "u")),
                  "\xc3\xa9\xf0\x9f\x98\x80") == 0,
           "\\u escapes with a surrogate pair decode to UTF-8");
    zsi_attrs_free(a);
    TAP_OK((a = attrs_of("{\"Dup\": 1, \"dup\": 2}")) &&
           zs_attrs_count(a) == 2, "names are case-sensitive");
    zsi_attrs_free(a);
    {
        zsi_meta_doc *d2;
        doc("[1, 2]", &d2);
        TAP_OK(zsi_meta_attrs(ctx, "t", d2, NULL, &a) == ZS_ERR_FORMAT,
               "attributes that are not an object are refused");
        zsi_meta_doc_free(d2);
    }
}

/* Format attributes, check that the text is ASCII JSON, parse back. */
static zs_attrs *attrs_roundtrip(const zs_attrs *a, bool *valid)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_meta_doc *d = NULL;
    zs_attrs *out = NULL;
    *valid = false;
    if (zsi_meta_format_attrs(ctx, a, NULL, 0, 1, &b) != ZS_OK)
        return NULL;
    *valid = json_ok(b.data, b.len, true);
    if (doc(zsi_buf_cstr(&b), &d) == ZS_OK &&
        zsi_meta_attrs(ctx, "rt", d, NULL, &out) != ZS_OK)
        out = NULL;
    zsi_meta_doc_free(d);
    zsi_buf_free(&b);
    return out;
}

static bool attrs_equal(const zs_attrs *a, const zs_attrs *b)
{
    if (zs_attrs_count(a) != zs_attrs_count(b))
        return false;
    for (size_t i = 0; i < zs_attrs_count(a); i++) {
        size_t j;
        if (!zs_attrs_find(b, zs_attrs_name(a, i), &j) || j != i ||
            !zsi_attrs_value_equal(a, i, b, j))
            return false;
    }
    return true;
}

/* Random valid UTF-8 text of up to 12 characters, with controls. */
static size_t rnd_text(char *buf)
{
    static const char *const pieces[] = {
        "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xee\x80\x81x",
        "\xef\xbf\xbf", "0", "{", "}", ":", ",",
    };
    size_t n = 0, k = (size_t)(rnd() % 12);
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
        memcpy(buf + n, p, strlen(p));
        n += strlen(p);
    }
    buf[n] = 0;
    return n;
}

static void t_attr_roundtrip(void)
{
    int bad = 0, invalid = 0;
    for (int it = 0; it < 300; it++) {
        zs_attrs *a, *b;
        char name[64], text[64];
        bool valid;
        int n = (int)(rnd() % 6);
        zsi_attrs_new(&a);
        for (int k = 0; k < n; k++) {
            size_t len;
            snprintf(name, sizeof name, "n%d", k);
            if (k % 2) {
                len = rnd_text(text);
                memcpy(name, text, len + 1);
                if (!*name || zs_attrs_find(a, name, NULL) ||
                    !strcmp(name, "_ARRAY_DIMENSIONS"))
                    snprintf(name, sizeof name, "k%d", k);
            }
            switch (rnd() % 5) {
            case 0: {
                int64_t v[3] = {(int64_t)rnd(), INT64_MIN, -1};
                zsi_attrs_set(a, name, ZS_DT_INT64, v, 1 + rnd() % 3);
                break;
            }
            case 1: {
                double v[4];
                size_t m = 1 + rnd() % 4;
                for (size_t q = 0; q < m; q++) {
                    uint64_t bits = rnd();
                    memcpy(&v[q], &bits, 8);
                    if (!isfinite(v[q]))
                        v[q] = 1.0 / 3;   /* they become strings: t_nan_attrs */
                }
                zsi_attrs_set(a, name, ZS_DT_FLOAT64, v, m);
                break;
            }
            case 2: {
                uint64_t v[2] = {UINT64_MAX - rnd() % 1000,
                                 (uint64_t)INT64_MAX + 1};
                zsi_attrs_set(a, name, ZS_DT_UINT64, v, 2);
                break;
            }
            case 3:
                len = rnd_text(text);
                zsi_attrs_set(a, name, ZS_DT_STRING, text, len);
                break;
            default: {
                uint8_t v[2] = {1, 0};
                zsi_attrs_set(a, name, ZS_DT_BOOL, v, 2);
            }
            }
        }
        b = attrs_roundtrip(a, &valid);
        if (!valid)
            invalid++;
        if (!b || !attrs_equal(a, b))
            bad++;
        zsi_attrs_free(a);
        zsi_attrs_free(b);
    }
    TAP_OK(invalid == 0, "300 random attribute sets format as plain ASCII, "
           "valid JSON (%d not)", invalid);
    TAP_OK(bad == 0, "... and parse back identical: types, exact doubles, "
           "int64/uint64 extremes, UTF-8 and control characters (%d "
           "differ)", bad);
}

static void t_attr_invalid_utf8(void)
{
    static const char *const texts[] = {
        "\xff", "a\x80" "b", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
        "\xe2\x82", "ok\xc3", "\xfe\xfe", "\xf0\x9f\x98",
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        zs_attrs *a, *b;
        bool valid;
        zsi_attrs_new(&a);
        zsi_attrs_set(a, texts[i], ZS_DT_STRING, texts[i],
                      strlen(texts[i]));
        b = attrs_roundtrip(a, &valid);
        if (!valid || !b || zs_attrs_count(b) != 1) {
            TAP_DIAG("case %zu: valid %d", i, valid);
            ok = false;
        }
        zsi_attrs_free(a);
        zsi_attrs_free(b);
    }
    TAP_OK(ok, "names and values with invalid UTF-8 still give valid "
           "ASCII JSON that parses back");
}

static void t_dims(void)
{
    zsi_array_meta m;
    char *t = za("[2, 3]", "[1, 1]", "<i4", "0", NULL);
    TAP_OK(zarray(t, "{\"_ARRAY_DIMENSIONS\": [\"y\", \"x\"]}", &m) ==
           ZS_OK && m.dim_names, "two names for two dimensions");
    zsi_array_meta_free(&m);
    TAP_OK(zarray(t, "{\"_ARRAY_DIMENSIONS\": [\"y\"]}", &m) ==
           ZS_ERR_FORMAT, "one name for two dimensions is refused");
    TAP_OK(zarray(t, "{\"_ARRAY_DIMENSIONS\": \"y\"}", &m) == ZS_ERR_FORMAT,
           "names that are not a list are refused");
    TAP_OK(zarray(t, "{\"_ARRAY_DIMENSIONS\": [null, null]}", &m) == ZS_OK
           && !m.dim_names, "null names are no names");
    zsi_array_meta_free(&m);
    TAP_OK(zarray(t, "{\"_ARRAY_DIMENSIONS\": null}", &m) == ZS_OK &&
           !m.dim_names, "_ARRAY_DIMENSIONS null");
    zsi_array_meta_free(&m);
    free(t);
}

/* ------------------------------------------------------------------ */
/* parse(format(m)) == m                                               */
/* ------------------------------------------------------------------ */

static bool kv_equal(const zsi_kv *a, const zsi_kv *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const zsi_kv_item *x = &a->items[i];
        const zsi_kv_item *y = zsi_kv_find(b, x->key);
        if (!y || x->type != y->type)
            return false;
        switch (x->type) {
        case ZSI_KV_INT: case ZSI_KV_BOOL:
            if (x->i != y->i) return false;
            break;
        case ZSI_KV_DOUBLE:
            if (memcmp(&x->d, &y->d, 8)) return false;
            break;
        case ZSI_KV_STRING: case ZSI_KV_JSON:
            if (strcmp(x->s, y->s)) return false;
            break;
        case ZSI_KV_INTS:
            if (x->nints != y->nints ||
                (x->nints && memcmp(x->ints, y->ints, x->nints * 8)))
                return false;
            break;
        default:
            break;
        }
    }
    return true;
}

static bool spec_equal(const zsi_codec_spec *a, const zsi_codec_spec *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a->id, b->id) == 0 && kv_equal(&a->cfg, &b->cfg);
}

static const char *meta_diff(const zsi_array_meta *a,
                             const zsi_array_meta *b)
{
    if (a->ndim != b->ndim || a->zarr_format != b->zarr_format)
        return "ndim";
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i] || a->chunks[i] != b->chunks[i])
            return "shape/chunks";
    if (a->dtype != b->dtype || a->itemsize != b->itemsize ||
        a->big_endian != b->big_endian)
        return "dtype";
    if (a->order != b->order || a->sep != b->sep)
        return "order/sep";
    if (a->has_fill != b->has_fill)
        return "has_fill";
    if (a->has_fill) {
        if (a->dtype == ZS_DT_STRING) {
            if (strcmp((char *)a->fill, (char *)b->fill))
                return "fill";
        } else if (zsi_dtype_is_float(a->dtype) &&
                   isnan(zsi_load_double(a->dtype, a->fill, 0))) {
            if (!isnan(zsi_load_double(b->dtype, b->fill, 0)))
                return "fill NaN";
        } else if (memcmp(a->fill, b->fill, a->itemsize)) {
            return "fill";
        }
    }
    if (!spec_equal(a->compressor, b->compressor))
        return "compressor";
    if (a->nfilters != b->nfilters)
        return "nfilters";
    for (size_t i = 0; i < a->nfilters; i++)
        if (!spec_equal(&a->filters[i], &b->filters[i]))
            return "filters";
    if (!a->dim_names != !b->dim_names)
        return "dim_names";
    for (int i = 0; a->dim_names && i < a->ndim; i++)
        if (strcmp(a->dim_names[i], b->dim_names[i]))
            return "dim_names";
    if (!attrs_equal(a->attrs, b->attrs) &&
        !(zs_attrs_count(a->attrs) == 0 && zs_attrs_count(b->attrs) == 0))
        return "attrs";
    return NULL;
}

/* Format m as .zarray and .zattrs, check them, parse back into out. */
static zs_status meta_roundtrip(const zsi_array_meta *m, zsi_array_meta *out,
                                bool *valid)
{
    zsi_buf za_txt = ZSI_BUF_INIT, at_txt = ZSI_BUF_INIT;
    zs_status st = zsi_meta_v2_format_array(ctx, m, 0, &za_txt);
    if (st == ZS_OK)
        st = zsi_meta_format_attrs(ctx, m->attrs,
                                   (const char *const *)m->dim_names,
                                   m->ndim, 0, &at_txt);
    *valid = st == ZS_OK && json_ok(za_txt.data, za_txt.len, true) &&
             json_ok(at_txt.data, at_txt.len, true);
    if (st == ZS_OK)
        st = zarray(zsi_buf_cstr(&za_txt), zsi_buf_cstr(&at_txt), out);
    zsi_buf_free(&za_txt);
    zsi_buf_free(&at_txt);
    return st;
}

static const struct { zs_dtype t; size_t size; } rt_types[] = {
    {ZS_DT_BOOL, 1}, {ZS_DT_INT8, 1}, {ZS_DT_UINT8, 1}, {ZS_DT_INT16, 2},
    {ZS_DT_UINT16, 2}, {ZS_DT_INT32, 4}, {ZS_DT_UINT32, 4},
    {ZS_DT_INT64, 8}, {ZS_DT_UINT64, 8}, {ZS_DT_FLOAT16, 2},
    {ZS_DT_FLOAT32, 4}, {ZS_DT_FLOAT64, 8}, {ZS_DT_BYTES, 5},
    {ZS_DT_UNICODE, 12}, {ZS_DT_STRING, 8},
};

static void rnd_meta(zsi_array_meta *m, int it)
{
    size_t k = (size_t)it % (sizeof rt_types / sizeof rt_types[0]);
    uint8_t fill[16];
    zsi_kv kv = {NULL, 0};
    zsi_array_meta_init(m);
    m->ndim = (int)(rnd() % 5);
    for (int d = 0; d < m->ndim; d++) {
        m->shape[d] = rnd() % 3 == 0 ? rnd() % 3
                      : rnd() % (d < 2 ? 100000 : 1000);
        m->chunks[d] = 1 + rnd() % 100;
    }
    m->dtype = rt_types[k].t;
    m->itemsize = rt_types[k].size;
    m->big_endian = m->itemsize > 1 && m->dtype != ZS_DT_BYTES &&
                    m->dtype != ZS_DT_STRING && rnd() % 2;
    m->sep = rnd() % 2 ? '.' : '/';
    for (size_t i = 0; i < sizeof fill; i++)
        fill[i] = (uint8_t)rnd();
    if (m->dtype == ZS_DT_BOOL)
        fill[0] &= 1;
    if (m->dtype == ZS_DT_UNICODE)
        for (size_t i = 0; i < 12; i += 4)
            zsi_put_le32(fill + i, (uint32_t)(0x20 + rnd() % 0xd000));
    if (m->dtype == ZS_DT_FLOAT16 && (zsi_le32(fill) & 0x7c00) == 0x7c00)
        fill[1] = 0x3c;     /* JSON's "NaN" keeps no NaN payload */
    if (m->dtype == ZS_DT_STRING) {
        zsi_array_meta_set_fill(m, rnd() % 2 ? "fill \xc3\xa9" : "");
        m->nfilters = 1;
        m->filters = calloc(1, sizeof *m->filters);
        zsi_codec_spec_set(&m->filters[0], "vlen-utf8", NULL);
    } else if (rnd() % 4) {
        zsi_array_meta_set_fill(m, fill);
    }
    if (rnd() % 2) {
        m->compressor = calloc(1, sizeof *m->compressor);
        zsi_kv_set_string(&kv, "cname", "zstd");
        zsi_kv_set_int(&kv, "clevel", (int64_t)(rnd() % 10));
        zsi_kv_set_int(&kv, "shuffle", -1);
        zsi_kv_set_int(&kv, "blocksize", 0);
        zsi_kv_set_double(&kv, "x", 0.1);
        zsi_codec_spec_set(m->compressor, "blosc", &kv);
        zsi_kv_free(&kv);
    }
    if (m->dtype != ZS_DT_STRING && rnd() % 3 == 0) {
        int64_t v[3] = {1, -2, 3};
        m->nfilters = 2;
        m->filters = calloc(2, sizeof *m->filters);
        zsi_kv_set_string(&kv, "dtype", "<i4");
        zsi_codec_spec_set(&m->filters[0], "delta", &kv);
        zsi_kv_free(&kv);
        zsi_kv_set_ints(&kv, "order", v, 3);
        zsi_kv_set_null(&kv, "nothing");
        zsi_kv_set_bool(&kv, "flag", true);
        zsi_kv_set_json(&kv, "obj", "{\"a\":[1,2.5,\"x\"]}");
        zsi_codec_spec_set(&m->filters[1], "other", &kv);
        zsi_kv_free(&kv);
    }
    if (m->ndim && rnd() % 2) {
        const char *names[5] = {"time", "lat", "lon \xc3\xa9", "x\"y", "z"};
        zsi_array_meta_set_dims(m, names);
    }
    zsi_attrs_new(&m->attrs);
    if (rnd() % 2) {
        double d = 273.15;
        zsi_attrs_set(m->attrs, "units", ZS_DT_STRING, "K", 1);
        zsi_attrs_set(m->attrs, "scale", ZS_DT_FLOAT64, &d, 1);
    }
}

static void t_meta_roundtrip(void)
{
    int bad = 0, invalid = 0, failed = 0;
    for (int it = 0; it < 600; it++) {
        zsi_array_meta m, back;
        bool valid;
        zs_status st;
        const char *why;
        rnd_meta(&m, it);
        st = meta_roundtrip(&m, &back, &valid);
        if (!valid)
            invalid++;
        if (st != ZS_OK) {
            if (failed++ < 3)
                TAP_DIAG("%s: %s", zs_dtype_name(m.dtype),
                         zs_ctx_message(ctx));
        } else {
            if ((why = meta_diff(&m, &back)) && bad++ < 3)
                TAP_DIAG("%s: %s differs", zs_dtype_name(m.dtype), why);
            zsi_array_meta_free(&back);
        }
        zsi_array_meta_free(&m);
    }
    TAP_OK(failed == 0, "600 random metadata records format and parse "
           "back (%d fail)", failed);
    TAP_OK(invalid == 0, "... as plain ASCII, valid JSON (%d not)",
           invalid);
    TAP_OK(bad == 0, "... identical: parse(format(m)) == m for every "
           "dtype, fill, byte order, separator, codec, dims (%d differ)",
           bad);
}

static void t_format_text(void)
{
    /* the exact text zarr-python writes (json.dumps(indent=4,
     * sort_keys=True)) for a blosc-less array */
    static const char want[] =
        "{\n"
        "    \"chunks\": [\n"
        "        5,\n"
        "        20\n"
        "    ],\n"
        "    \"compressor\": null,\n"
        "    \"dimension_separator\": \".\",\n"
        "    \"dtype\": \"<f4\",\n"
        "    \"fill_value\": \"NaN\",\n"
        "    \"filters\": null,\n"
        "    \"order\": \"C\",\n"
        "    \"shape\": [\n"
        "        10,\n"
        "        20\n"
        "    ],\n"
        "    \"zarr_format\": 2\n"
        "}";
    zsi_array_meta m;
    zsi_buf b = ZSI_BUF_INIT;
    float nan = NAN;
    zsi_meta_cons c = {{0}, {0}};
    zsi_strv keys = {0};
    zsi_meta_doc *d;
    zsi_array_meta_init(&m);
    m.ndim = 2;
    m.shape[0] = 10;
    m.shape[1] = 20;
    m.chunks[0] = 5;
    m.chunks[1] = 20;
    m.dtype = ZS_DT_FLOAT32;
    m.itemsize = 4;
    zsi_array_meta_set_fill(&m, &nan);
    zsi_meta_v2_format_array(ctx, &m, 0, &b);
    TAP_OK(strcmp(zsi_buf_cstr(&b), want) == 0,
           ".zarray text is what zarr-python writes");
    zsi_meta_cons_add(ctx, &c, "t2m/.zarray", (char *)b.data);
    zsi_meta_cons_add(ctx, &c, ".zgroup", "{\"zarr_format\": 2}");
    zsi_meta_cons_add(ctx, &c, "a/.zattrs", "{\"x\": [1, 2.5]}");
    b.len = 0;
    TAP_OK(zsi_meta_cons_format(ctx, &c, &b) == ZS_OK &&
           json_ok(b.data, b.len, true), "consolidated metadata is valid "
           "ASCII JSON");
    TAP_OK(strstr((char *)zsi_buf_cstr(&b), "\"zarr_consolidated_format\": "
                  "1") != NULL && b.data[b.len - 1] == '\n',
           "... with zarr_consolidated_format 1 and a final newline");
    {
        const char *p = (char *)b.data;
        const char *k1 = strstr(p, "\".zgroup\"");
        const char *k2 = strstr(p, "\"a/.zattrs\"");
        const char *k3 = strstr(p, "\"t2m/.zarray\"");
        TAP_OK(k1 && k2 && k3 && k1 < k2 && k2 < k3,
               "... with its keys sorted");
    }
    TAP_OK(doc((char *)b.data, &d) == ZS_OK &&
           zsi_meta_doc_consolidated_keys(ctx, d, ".zmetadata", &keys) ==
           ZS_OK && keys.n == 3 && strcmp(keys.v[2], "t2m/.zarray") == 0 &&
           zsi_meta_doc_has(d, "a/.zattrs") && !zsi_meta_doc_has(d, "a"),
           "... and reads back");
    {
        zsi_array_meta back;
        zs_status st = zsi_meta_v2_array_from(ctx, d, "t2m", &back);
        TAP_OK(st == ZS_OK && meta_diff(&m, &back) == NULL,
               "an array from the consolidated document");
        if (st == ZS_OK)
            zsi_array_meta_free(&back);
        TAP_OK(zsi_meta_v2_group_ok(ctx, ".zgroup", d, ".zgroup") ==
               ZS_OK && zsi_meta_v2_group_ok(ctx, "x", d, "a/.zattrs") ==
               ZS_ERR_FORMAT, "group checks");
    }
    zsi_meta_doc_free(d);
    zsi_strv_free(&keys);
    zsi_meta_cons_free(&c);
    zsi_buf_free(&b);
    zsi_array_meta_free(&m);
}

static void t_consolidated(void)
{
    zsi_meta_doc *d;
    zsi_strv keys = {0};
    zs_status st;
    doc("{\"zarr_consolidated_format\": 1}", &d);
    TAP_OK(zsi_meta_doc_consolidated_keys(ctx, d, "c", &keys) ==
           ZS_ERR_FORMAT, "no \"metadata\" object is refused");
    zsi_meta_doc_free(d);
    doc("{\"metadata\": {\"a/.zarray\": 3}}", &d);
    TAP_OK(zsi_meta_doc_consolidated_keys(ctx, d, "c", &keys) ==
           ZS_ERR_FORMAT, "an entry that is not an object is refused");
    zsi_meta_doc_free(d);
    zsi_strv_free(&keys);
    doc("{\"metadata\": {\"b/.zarray\": {}, \"a/.zgroup\": {}}}", &d);
    st = zsi_meta_doc_consolidated_keys(ctx, d, "c", &keys);
    TAP_OK(st == ZS_OK && keys.n == 2 && !strcmp(keys.v[0], "a/.zgroup"),
           "keys come sorted");
    {
        zsi_array_meta m;
        TAP_OK(zsi_meta_v2_array_from(ctx, d, "b", &m) == ZS_ERR_FORMAT,
               "an empty .zarray entry is refused");
        TAP_OK(zsi_meta_v2_array_from(ctx, d, "zz", &m) == ZS_ERR_FORMAT,
               "a missing entry is refused");
    }
    zsi_meta_doc_free(d);
    zsi_strv_free(&keys);
}

/* ------------------------------------------------------------------ */
/* Zarr v3                                                             */
/* ------------------------------------------------------------------ */

static zs_status v3(const char *text, zsi_array_meta *m)
{
    zsi_meta_doc *d;
    zs_status st = doc(text, &d);
    if (st == ZS_OK)
        st = zsi_meta_v3_array(ctx, "zarr.json", d, NULL, m);
    zsi_meta_doc_free(d);
    return st;
}

static char *v3_text(const char *grid, const char *keys, const char *codecs,
                     const char *extra)
{
    return zsi_asprintf(
        "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [10, 7],"
        " \"data_type\": \"float32\", \"chunk_grid\": %s, "
        "\"chunk_key_encoding\": %s, \"fill_value\": \"NaN\", \"codecs\": "
        "%s, \"attributes\": {\"units\": \"K\"}%s}",
        grid ? grid : "{\"name\": \"regular\", \"configuration\": "
                      "{\"chunk_shape\": [4, 7]}}",
        keys ? keys : "{\"name\": \"default\"}",
        codecs ? codecs : "[{\"name\": \"bytes\", \"configuration\": "
                          "{\"endian\": \"little\"}}, {\"name\": \"zstd\", "
                          "\"configuration\": {\"level\": 1}}]",
        extra ? extra : "");
}

static zs_status v3_status(const char *grid, const char *keys,
                           const char *codecs, const char *extra)
{
    char *t = v3_text(grid, keys, codecs, extra);
    zsi_array_meta m;
    zs_status st = v3(t, &m);
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    return st;
}

static void t_v3(void)
{
    char *t = v3_text(NULL, NULL, NULL, ", \"dimension_names\": [\"y\", "
                      "\"x\"]");
    zsi_array_meta m;
    zs_status st = v3(t, &m);
    int kind;
    zsi_meta_doc *d;
    free(t);
    TAP_OK(st == ZS_OK, "a v3 array parses (%s)", zs_ctx_message(ctx));
    if (st == ZS_OK) {
        TAP_OK(m.zarr_format == 3 && m.ndim == 2 && m.shape[1] == 7 &&
               m.chunks[0] == 4 && m.dtype == ZS_DT_FLOAT32 &&
               m.v3_default_keys && m.sep == '/' && m.ncodecs == 2 &&
               strcmp(m.codecs[1].id, "zstd") == 0 && m.has_fill &&
               isnan(*(float *)(void *)m.fill) && m.dim_names &&
               strcmp(m.dim_names[1], "x") == 0 &&
               zs_attrs_count(m.attrs) == 1,
               "shape, grid, keys, codecs, fill, names, attributes");
        zsi_array_meta_free(&m);
    }
    t = v3_text(NULL, "{\"name\": \"v2\", \"configuration\": "
                "{\"separator\": \".\"}}", "[\"bytes\"]", NULL);
    st = v3(t, &m);
    TAP_OK(st == ZS_OK && !m.v3_default_keys && m.sep == '.' &&
           m.ncodecs == 1 && strcmp(m.codecs[0].id, "bytes") == 0,
           "v2 chunk keys; a codec given as a bare name");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    TAP_OK(v3_status("{\"name\": \"rectilinear\"}", NULL, NULL, NULL) ==
           ZS_ERR_UNSUPPORTED, "a rectilinear grid is ZS_ERR_UNSUPPORTED");
    TAP_OK(v3_status(NULL, "{\"name\": \"mine\"}", NULL, NULL) ==
           ZS_ERR_UNSUPPORTED, "an unknown key encoding is unsupported");
    TAP_OK(v3_status(NULL, "{\"name\": \"default\", \"configuration\": "
                     "{\"separator\": \"-\"}}", NULL, NULL) == ZS_ERR_FORMAT,
           "a separator \"-\" is refused");
    TAP_OK(v3_status(NULL, NULL, "[]", NULL) == ZS_ERR_FORMAT &&
           v3_status(NULL, NULL, "{}", NULL) == ZS_ERR_FORMAT,
           "empty or non-list codecs are refused");
    TAP_OK(v3_status(NULL, NULL, "[{\"configuration\": {}}]", NULL) ==
           ZS_ERR_FORMAT, "a codec without a name is refused");
    TAP_OK(v3_status(NULL, NULL, NULL, ", \"storage_transformers\": "
                     "[{\"name\": \"x\"}]") == ZS_ERR_UNSUPPORTED,
           "storage transformers are ZS_ERR_UNSUPPORTED");
    TAP_OK(v3_status(NULL, NULL, NULL, ", \"storage_transformers\": []") ==
           ZS_OK, "an empty storage_transformers list is fine");
    TAP_OK(v3_status(NULL, NULL, NULL, ", \"dimension_names\": [\"y\"]") ==
           ZS_ERR_FORMAT, "too few dimension names are refused");
    TAP_OK(v3_status("{\"name\": \"regular\", \"configuration\": "
                     "{\"chunk_shape\": [4]}}", NULL, NULL, NULL) ==
           ZS_ERR_FORMAT, "chunk_shape with the wrong rank is refused");
    t = zsi_asprintf("{\"zarr_format\": 3, \"node_type\": \"array\", "
                     "\"shape\": [2], \"data_type\": \"complex64\", "
                     "\"chunk_grid\": {\"name\": \"regular\", "
                     "\"configuration\": {\"chunk_shape\": [2]}}, "
                     "\"chunk_key_encoding\": {\"name\": \"default\"}, "
                     "\"fill_value\": 0, \"codecs\": [\"bytes\"]}");
    TAP_OK(v3(t, &m) == ZS_ERR_UNSUPPORTED &&
           strcmp(zs_ctx_message(ctx), "zarr.json: unsupported data_type "
                  "'complex64'") == 0,
           "complex64 is unsupported, and named: %s", zs_ctx_message(ctx));
    free(t);
    t = zsi_asprintf("{\"zarr_format\": 3, \"node_type\": \"array\", "
                     "\"shape\": [2], \"data_type\": {\"name\": "
                     "\"numpy.datetime64\", \"configuration\": {\"unit\": "
                     "\"s\", \"scale_factor\": 10}}, "
                     "\"chunk_grid\": {\"name\": \"regular\", "
                     "\"configuration\": {\"chunk_shape\": [2]}}, "
                     "\"chunk_key_encoding\": {\"name\": \"default\"}, "
                     "\"fill_value\": 0, \"codecs\": [\"bytes\"]}");
    TAP_OK(v3(t, &m) == ZS_ERR_UNSUPPORTED &&
           strcmp(zs_ctx_message(ctx), "zarr.json: unsupported data_type "
                  "{\"name\":\"numpy.datetime64\",\"configuration\":"
                  "{\"unit\":\"s\",\"scale_factor\":10}}") == 0,
           "an extension data type is shown as written: %s",
           zs_ctx_message(ctx));
    free(t);
    t = zsi_asprintf("{\"zarr_format\": 3, \"node_type\": \"array\", "
                     "\"shape\": [2], \"chunk_grid\": {\"name\": "
                     "\"regular\", \"configuration\": {\"chunk_shape\": "
                     "[2]}}, \"chunk_key_encoding\": {\"name\": "
                     "\"default\"}, \"fill_value\": 0, \"codecs\": "
                     "[\"bytes\"]}");
    TAP_OK(v3(t, &m) == ZS_ERR_FORMAT &&
           strcmp(zs_ctx_message(ctx), "zarr.json: missing data_type") == 0,
           "a missing data_type is ZS_ERR_FORMAT: %s", zs_ctx_message(ctx));
    free(t);
    doc("{\"zarr_format\": 3, \"node_type\": \"group\", \"attributes\": "
        "{\"title\": \"t\"}, \"consolidated_metadata\": {\"kind\": "
        "\"inline\", \"metadata\": {\"a\": {\"zarr_format\": 3, "
        "\"node_type\": \"group\"}}}}", &d);
    TAP_OK(zsi_meta_v3_node(ctx, "zarr.json", d, NULL, &kind) == ZS_OK &&
           kind == ZSI_NODE_GROUP && zsi_meta_doc_has_consolidated(d) &&
           zsi_meta_doc_format(d) == 3 &&
           zsi_meta_v3_node(ctx, "a", d, "a", &kind) == ZS_OK &&
           kind == ZSI_NODE_GROUP, "a v3 group with inline consolidated "
           "metadata");
    TAP_OK(zsi_meta_v3_array(ctx, "zarr.json", d, NULL, &m) ==
           ZS_ERR_FORMAT, "a group is not an array");
    {
        zs_attrs *a = NULL;
        TAP_OK(zsi_meta_v3_group_attrs(ctx, "", d, NULL, &a) == ZS_OK &&
               zsi_attrs_text(a, "title") != NULL, "v3 group attributes");
        zsi_attrs_free(a);
    }
    zsi_meta_doc_free(d);
    {
        zsi_codec_spec *specs = NULL;
        size_t n = 0;
        st = zsi_meta_v3_codecs(ctx, "shard", "[{\"name\": \"bytes\"}, "
                                "\"crc32c\"]", &specs, &n);
        TAP_OK(st == ZS_OK && n == 2 && strcmp(specs[1].id, "crc32c") == 0,
               "zsi_meta_v3_codecs");
        for (size_t i = 0; i < n; i++)
            zsi_codec_spec_free(&specs[i]);
        free(specs);
        specs = NULL;
        TAP_OK(zsi_meta_v3_codecs(ctx, "shard", "{}", &specs, &n) ==
               ZS_ERR_FORMAT && zsi_meta_v3_codecs(ctx, "s", "[", &specs,
                                                   &n) == ZS_ERR_FORMAT,
               "zsi_meta_v3_codecs refuses a non-list");
        free(specs);
    }
}

/* ------------------------------------------------------------------ */
/* Regressions (found by review and fuzzing)                           */
/* ------------------------------------------------------------------ */

/* json.c tags integer literals and bare NaN/Infinity as strings that
 * start with U+E000 / U+E001 before handing the text to cJSON; real
 * strings that start with those characters must stay strings (once they
 * became numbers, and inside an object were written back unquoted). */
static void t_tag_strings(void)
{
    zs_attrs *a = attrs_of("{\"a\": \"\\ue000123\", \"b\": \"\\ue000abc\", "
                           "\"c\": {\"x\": \"\\ue000abc\"}, \"d\": "
                           "\"\\ue001zz\"}");
    zsi_buf b = ZSI_BUF_INIT;
    char *js = NULL;
    if (!a) {
        TAP_OK(0, "attributes parse");
        return;
    }
    TAP_OK(zs_attrs_type(a, 0) == ZS_DT_STRING,
           "\"\\ue000123\" stays a string");
    TAP_OK(zs_attrs_type(a, 1) == ZS_DT_STRING,
           "\"\\ue000abc\" stays a string");
    TAP_OK(zs_attrs_to_json(a, 2, &js) == ZS_OK && js &&
           json_ok(js, strlen(js), true),
           "an object holding \"\\ue000abc\" has valid JSON text (got %s)",
           js ? js : "an error");
    free(js);
    TAP_OK(zs_attrs_type(a, 3) == ZS_DT_STRING,
           "\"\\ue001zz\" stays a string");
    TAP_OK(zsi_meta_format_attrs(ctx, a, NULL, 0, 0, &b) == ZS_OK,
           "zsi_meta_format_attrs succeeds");
    zsi_buf_free(&b);
    zsi_attrs_free(a);
}

/* Float attributes that are NaN or infinite are written as the strings
 * "NaN", "Infinity", "-Infinity" (zstore.5: strict JSON readers such as
 * zarrita and jq accept them; Python's bare NaN does not parse there),
 * and read back as those strings.  Python's bare NaN, when read, is a
 * float. */
static void t_nan_attrs(void)
{
    zs_attrs *a, *b;
    double v[2] = {NAN, -INFINITY};
    bool valid;
    char *js = NULL;
    zsi_attrs_new(&a);
    zsi_attrs_set(a, "missing_value", ZS_DT_FLOAT64, v, 1);
    zsi_attrs_set(a, "range", ZS_DT_FLOAT64, v, 2);
    TAP_OK(zs_attrs_to_json(a, 0, &js) == ZS_OK && js &&
           json_ok(js, strlen(js), true) && !strcmp(js, "\"NaN\""),
           "a NaN attribute is written as the string \"NaN\" (got %s)",
           js ? js : "an error");
    free(js);
    js = NULL;
    TAP_OK(zs_attrs_to_json(a, 1, &js) == ZS_OK && js &&
           json_ok(js, strlen(js), true) &&
           strstr(js, "\"NaN\"") && strstr(js, "\"-Infinity\""),
           "a list with NaN, -Infinity is valid JSON with strings (got %s)",
           js ? js : "an error");
    free(js);
    b = attrs_roundtrip(a, &valid);
    TAP_OK(valid && b && zs_attrs_type(b, 0) == ZS_DT_STRING,
           "and read back as strings (got %s)",
           b ? zs_dtype_name(zs_attrs_type(b, 0)) : "?");
    zsi_attrs_free(a);
    zsi_attrs_free(b);
    a = attrs_of("{\"m\": NaN, \"r\": [-Infinity, 1.5]}");
    TAP_OK(a && zs_attrs_type(a, 0) == ZS_DT_FLOAT64 &&
           zs_attrs_type(a, 1) == ZS_DT_FLOAT64,
           "Python's bare NaN and -Infinity read as float attributes");
    zsi_attrs_free(a);
}

/* An empty base64 fill value for a fixed-width bytes dtype ("|S3" with
 * fill_value "") decodes to no bytes; it once reached memcpy(item, NULL,
 * 0), which the sanitizer build stops on. */
static void t_empty_bytes_fill(void)
{
    zsi_array_meta m;
    zs_status st = fill_of("|S3", "\"\"", &m);
    TAP_OK(st == ZS_OK && memcmp(m.fill, "\0\0\0", 3) == 0,
           "|S3 fill \"\" is zeros");
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
}

/* More dimension names than dimensions are refused like too few (they
 * were once accepted and the extra names dropped). */
static void t_dims_count(void)
{
    zsi_array_meta m;
    char *t = za("[2]", "[1]", "<i4", "0", NULL);
    zs_status st = zarray(t, "{\"_ARRAY_DIMENSIONS\": [\"x\", \"y\", "
                          "\"z\"]}", &m);
    TAP_OK(st == ZS_ERR_FORMAT, "three _ARRAY_DIMENSIONS for one dimension "
           "are refused (got %d)", st);
    if (st == ZS_OK)
        zsi_array_meta_free(&m);
    free(t);
    TAP_OK(v3_status(NULL, NULL, NULL, ", \"dimension_names\": [\"y\", "
                     "\"x\", \"z\"]") == ZS_ERR_FORMAT,
           "three v3 dimension_names for two dimensions are refused");
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    {
        t_checker();
        t_zarray_basic();
        t_zarray_variants();
        t_shapes();
        t_fill();
        t_invalid_json();
        t_attr_types();
        t_attr_roundtrip();
        t_attr_invalid_utf8();
        t_dims();
        t_meta_roundtrip();
        t_format_text();
        t_consolidated();
        t_v3();
        t_tag_strings();
        t_nan_attrs();
        t_dims_count();
        t_empty_bytes_fill();
    }
    zs_ctx_free(ctx);
    return TAP_DONE();
}
