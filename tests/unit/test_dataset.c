/*
 * test_dataset.c - the dataset layer on Zarr stores built in memory: a
 * v2 tree of groups with hand-written .zarray/.zattrs and consolidated
 * metadata (.zmetadata), opened consolidated and by listing; variables,
 * dimensions, coordinates, attributes, fill values and codecs; reads,
 * storage statistics and checks (missing and corrupt chunks); checksums
 * compared with SHA-256 computed here with OpenSSL over the expected
 * bytes (one variable large enough to take several blocks); Zarr v3
 * stores; open errors.
 */
#include "config.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_dataset.h"
#include "tap.h"

static zs_ctx *ctx;


/* SHA-256 (OpenSSL) of n bytes, as 64 hex digits. */
static void sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, p, n);
    EVP_DigestFinal_ex(md, d, &len);
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void put(zs_store *s, const char *key, const char *text)
{
    if (zs_store_set(s, key, text, strlen(text)) != ZS_OK)
        TAP_DIAG("set %s: %s", key, zs_ctx_message(ctx));
}

/* An array for writing, from hand-written .zarray text. */
static zs_array *make(zs_store *s, const char *path, const char *zarray)
{
    zsi_meta_doc *d = NULL;
    zsi_array_meta m;
    zs_array *a = NULL;
    zs_status st = zsi_meta_doc_parse(ctx, path, zarray, strlen(zarray),
                                      &d);
    if (st == ZS_OK)
        st = zsi_meta_v2_array(ctx, path, d, NULL, &m);
    if (st == ZS_OK) {
        st = zsi_array_create(s, path, &m, NULL, &a);
        zsi_array_meta_free(&m);
    }
    zsi_meta_doc_free(d);
    if (st != ZS_OK)
        TAP_DIAG("make %s: %s", path, zs_ctx_message(ctx));
    return a;
}

static void write_all(zs_array *a, const uint64_t *start,
                      const uint64_t *count, const void *data)
{
    if (zs_array_write(a, start, count, data) != ZS_OK)
        TAP_DIAG("write: %s", zs_ctx_message(ctx));
}

/* ------------------------------------------------------------------ */
/* The v2 test store                                                   */
/* ------------------------------------------------------------------ */

/* Metadata documents, written by hand: key, JSON text. */
static const char *const docs[][2] = {
    {".zgroup", "{\"zarr_format\": 2}"},
    {".zattrs", "{\"title\": \"test data\", \"version\": 3, "
                "\"history\": \"made \\u00e9\"}"},
    {"time/.zarray",
     "{\"zarr_format\": 2, \"shape\": [10], \"chunks\": [4], "
     "\"dtype\": \"<i8\", \"compressor\": null, \"fill_value\": null, "
     "\"order\": \"C\", \"filters\": null}"},
    {"time/.zattrs",
     "{\"_ARRAY_DIMENSIONS\": [\"time\"], \"units\": "
     "\"hours since 2000-01-01\", \"calendar\": \"standard\"}"},
    {"lat/.zarray",
     "{\"zarr_format\": 2, \"shape\": [6], \"chunks\": [6], "
     "\"dtype\": \"<f4\", \"compressor\": {\"id\": \"zlib\", \"level\": 1},"
     " \"fill_value\": \"NaN\", \"order\": \"C\", \"filters\": null}"},
    {"lat/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"lat\"], \"units\": "
                    "\"degrees_north\"}"},
    {"t2m/.zarray",
     "{\"zarr_format\": 2, \"shape\": [10, 6, 8], \"chunks\": [4, 3, 5], "
     "\"dtype\": \"<f4\", \"compressor\": {\"id\": \"zstd\", \"level\": 1},"
     " \"fill_value\": \"NaN\", \"order\": \"C\", \"filters\": null, "
     "\"dimension_separator\": \"/\"}"},
    {"t2m/.zattrs",
     "{\"_ARRAY_DIMENSIONS\": [\"time\", \"lat\", \"lon\"], \"units\": "
     "\"K\", \"scale\": [1.5, 2], \"valid_range\": [NaN, 400.0]}"},
    {"mask/.zarray",
     "{\"zarr_format\": 2, \"shape\": [7], \"chunks\": [3], "
     "\"dtype\": \"|b1\", \"compressor\": null, \"fill_value\": false, "
     "\"order\": \"C\", \"filters\": null}"},
    {"mask/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"m\"]}"},
    {"g1/.zgroup", "{\"zarr_format\": 2}"},
    {"g1/.zattrs", "{\"desc\": \"sub group\"}"},
    {"g1/v/.zarray",
     "{\"zarr_format\": 2, \"shape\": [25], \"chunks\": [10], "
     "\"dtype\": \">i2\", \"compressor\": {\"id\": \"blosc\", \"cname\": "
     "\"lz4\", \"clevel\": 5, \"shuffle\": 1, \"blocksize\": 0}, "
     "\"fill_value\": -1, \"order\": \"C\", \"filters\": null}"},
    {"g1/v/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"x\"]}"},
    {"g1/nodata/.zarray",
     "{\"zarr_format\": 2, \"shape\": [4], \"chunks\": [2], "
     "\"dtype\": \"|u1\", \"compressor\": null, \"fill_value\": null, "
     "\"order\": \"C\", \"filters\": null}"},
    {"g1/nodata/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"y\"]}"},
    {"g1/sub/.zgroup", "{\"zarr_format\": 2}"},
    {"g1/sub/s/.zarray",
     "{\"zarr_format\": 2, \"shape\": [5], \"chunks\": [2], "
     "\"dtype\": \"|O\", \"compressor\": {\"id\": \"zstd\", \"level\": 3},"
     " \"fill_value\": \"\", \"order\": \"C\", \"filters\": "
     "[{\"id\": \"vlen-utf8\"}]}"},
    {"g1/sub/s/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"n\"]}"},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static const char *doc_of(const char *key)
{
    for (size_t i = 0; i < NDOCS; i++)
        if (strcmp(docs[i][0], key) == 0)
            return docs[i][1];
    return NULL;
}

/* The expected values, element by element (little-endian hosts). */
static int64_t ref_time[10];
static float ref_lat[6];
static float ref_t2m[10 * 6 * 8];
static uint8_t ref_mask[7];
static int16_t ref_v[25];
static const char *const ref_s[5] = {
    "alpha", "", "\xce\xb3", "a much longer string", "z"};

/* Fill store s with the data and the metadata files; consolidated adds
 * .zmetadata (written by hand from the same texts). */
static void build(zs_store *s, bool consolidated)
{
    zs_array *a;
    uint64_t z[3] = {0, 0, 0};
    for (int i = 0; i < 10; i++)
        ref_time[i] = 6 * i;
    for (int i = 0; i < 6; i++)
        ref_lat[i] = 90.0f - 30.0f * (float)i;
    for (int i = 0; i < 480; i++)
        ref_t2m[i] = i < 8 * 48 ? 200.0f + 0.25f * (float)i : NAN;
    for (int i = 0; i < 7; i++)
        ref_mask[i] = (uint8_t)(i % 3 == 0);
    for (int i = 0; i < 25; i++)
        ref_v[i] = (int16_t)(i < 10 ? 1000 - 7 * i : -1);
    for (size_t i = 0; i < NDOCS; i++)
        put(s, docs[i][0], docs[i][1]);
    if ((a = make(s, "time", doc_of("time/.zarray")))) {
        write_all(a, z, (uint64_t[]){10}, ref_time);
        zs_array_close(a);
    }
    if ((a = make(s, "lat", doc_of("lat/.zarray")))) {
        write_all(a, z, (uint64_t[]){6}, ref_lat);
        zs_array_close(a);
    }
    if ((a = make(s, "t2m", doc_of("t2m/.zarray")))) {
        write_all(a, z, (uint64_t[]){8, 6, 8}, ref_t2m);
        zs_array_close(a);
    }
    if ((a = make(s, "mask", doc_of("mask/.zarray")))) {
        write_all(a, z, (uint64_t[]){7}, ref_mask);
        zs_array_close(a);
    }
    if ((a = make(s, "g1/v", doc_of("g1/v/.zarray")))) {
        write_all(a, z, (uint64_t[]){10}, ref_v);
        zs_array_close(a);
    }
    if ((a = make(s, "g1/sub/s", doc_of("g1/sub/s/.zarray")))) {
        write_all(a, z, (uint64_t[]){5}, ref_s);
        zs_array_close(a);
    }
    if (consolidated) {
        zsi_buf b = ZSI_BUF_INIT;
        zsi_buf_append_str(&b, "{\n    \"metadata\": {");
        for (size_t i = 0; i < NDOCS; i++)
            zsi_buf_printf(&b, "%s\n        \"%s\": %s", i ? "," : "",
                           docs[i][0], docs[i][1]);
        zsi_buf_append_str(&b, "\n    },\n    \"zarr_consolidated_format\": "
                           "1\n}\n");
        put(s, ".zmetadata", zsi_buf_cstr(&b));
        zsi_buf_free(&b);
    }
}

static const zs_attrs *var_attrs(zs_group *g, const char *name)
{
    zs_var *v = zs_group_find_var(g, name);
    return v ? zs_var_attrs(v) : NULL;
}

static bool dim_is(const zs_group *g, const char *name, uint64_t size)
{
    for (size_t i = 0; i < zs_group_ndims(g); i++)
        if (strcmp(zs_group_dim_name(g, i), name) == 0)
            return zs_group_dim_size(g, i) == size &&
                   !zs_group_dim_unlimited(g, i);
    return false;
}

static zs_group *child(zs_group *g, const char *name)
{
    for (size_t i = 0; g && i < zs_group_ngroups(g); i++)
        if (strcmp(zs_group_name(zs_group_child(g, i)), name) == 0)
            return zs_group_child(g, i);
    return NULL;
}

/* Checksum of variable v equals SHA-256 of n bytes at p. */
static bool sum_is(zs_var *v, const void *p, size_t n)
{
    char want[65], got[65] = "";
    zs_status st;
    sha256_hex(p, n, want);
    st = v ? zs_var_checksum(v, got) : ZS_ERR_NOTFOUND;
    if (st != ZS_OK || strcmp(want, got))
        TAP_DIAG("%s: status %d, %s, want %s", v ? zs_var_path(v) : "?", st,
                 got, want);
    return st == ZS_OK && strcmp(want, got) == 0;
}

static void check_tree(zs_dataset *ds, const char *what)
{
    zs_group *root = zs_dataset_root(ds), *g1 = child(root, "g1");
    zs_group *sub = child(g1, "sub");
    zs_var *t2m = zs_group_find_var(root, "t2m");
    zs_var *time = zs_group_find_var(root, "time");
    zs_var *v = g1 ? zs_group_find_var(g1, "v") : NULL;
    zs_var *s = sub ? zs_group_find_var(sub, "s") : NULL;
    zs_var *nodata = g1 ? zs_group_find_var(g1, "nodata") : NULL;
    const zs_attrs *ra = zs_group_attrs(root);
    size_t i;
    int64_t iv;
    double d;
    TAP_OK(zs_dataset_source(ds) == ZS_SRC_ZARR &&
           strcmp(zs_group_path(root), "") == 0, "%s: a Zarr dataset",
           what);
    TAP_OK(zs_group_ngroups(root) == 1 && g1 && sub &&
           zs_group_ngroups(g1) == 1 &&
           strcmp(zs_group_path(sub), "g1/sub") == 0 &&
           strcmp(zs_group_name(sub), "sub") == 0,
           "%s: groups g1 and g1/sub", what);
    TAP_OK(zs_group_nvars(root) == 4 && t2m && time &&
           zs_group_find_var(root, "lat") &&
           zs_group_find_var(root, "mask") &&
           !zs_group_find_var(root, "v") && g1 &&
           zs_group_nvars(g1) == 2 && v && nodata && s,
           "%s: variables in their groups", what);
    TAP_OK(zs_attrs_find(ra, "title", &i) &&
           strcmp(zs_attrs_get_string(ra, i), "test data") == 0 &&
           zs_attrs_find(ra, "version", &i) &&
           zs_attrs_get_int64(ra, i, 0, &iv) == ZS_OK && iv == 3 &&
           zs_attrs_find(ra, "history", &i) &&
           strcmp(zs_attrs_get_string(ra, i), "made \xc3\xa9") == 0,
           "%s: root attributes", what);
    TAP_OK(g1 && zsi_attrs_text(zs_group_attrs(g1), "desc") &&
           zs_attrs_count(zs_group_attrs(sub)) == 0,
           "%s: group attributes", what);
    TAP_OK(dim_is(root, "time", 10) && dim_is(root, "lat", 6) &&
           dim_is(root, "lon", 8) && dim_is(root, "m", 7) &&
           zs_group_ndims(root) == 4 && g1 && dim_is(g1, "x", 25) &&
           dim_is(g1, "y", 4) && dim_is(sub, "n", 5),
           "%s: dimensions from _ARRAY_DIMENSIONS", what);
    if (!t2m || !time || !v || !s || !nodata)
        return;
    TAP_OK(zs_var_ndim(t2m) == 3 &&
           strcmp(zs_var_dim_name(t2m, 2), "lon") == 0 &&
           zs_var_shape(t2m)[1] == 6 && zs_var_chunks(t2m)[2] == 5 &&
           zs_var_dtype(t2m) == ZS_DT_FLOAT32 && zs_var_itemsize(t2m) == 4
           && strcmp(zs_var_path(t2m), "t2m") == 0 &&
           strcmp(zs_var_path(v), "g1/v") == 0 &&
           strcmp(zs_var_name(s), "s") == 0,
           "%s: t2m shape, chunks, dims, dtype; paths", what);
    TAP_OK(zs_var_is_coord(time) && zs_var_is_coord(
               zs_group_find_var(root, "lat")) && !zs_var_is_coord(t2m) &&
           !zs_var_is_coord(zs_group_find_var(root, "mask")),
           "%s: coordinates", what);
    {
        float f = 0;
        int16_t fv = 0;
        TAP_OK(zs_var_fill(t2m, &f) == 1 && isnan(f) &&
               zs_var_fill(v, &fv) == 1 && fv == -1 &&
               zs_var_fill(time, NULL) == 0, "%s: fill values", what);
    }
    TAP_OK(strcmp(zs_var_codecs(t2m), "zstd(1)") == 0 &&
           strcmp(zs_var_codecs(time), "none") == 0 &&
           strstr(zs_var_codecs(v), "blosc") != NULL,
           "%s: codecs (%s, %s, %s)", what, zs_var_codecs(t2m),
           zs_var_codecs(time), zs_var_codecs(v));
    i = 99;
    TAP_OK(zs_attrs_find(zs_var_attrs(t2m), "units", &i) &&
           !zs_attrs_find(zs_var_attrs(t2m), "_ARRAY_DIMENSIONS", NULL) &&
           zs_attrs_find(var_attrs(root, "t2m"), "valid_range", &i) &&
           zs_attrs_get_double(zs_var_attrs(t2m), i, 0, &d) == ZS_OK &&
           isnan(d), "%s: variable attributes", what);
    {
        float box[2 * 3 * 4];
        uint64_t st[3] = {7, 2, 3}, ct[3] = {2, 3, 4};
        bool ok = zs_var_read(t2m, st, ct, box) == ZS_OK;
        for (int a = 0; ok && a < 2; a++)
            for (int b = 0; b < 3; b++)
                for (int c = 0; c < 4; c++) {
                    float want = ref_t2m[((7 + a) * 6 + 2 + b) * 8 + 3 + c];
                    float got = box[(a * 3 + b) * 4 + c];
                    if (!(got == want || (isnan(got) && isnan(want))))
                        ok = false;
                }
        TAP_OK(ok, "%s: zs_var_read of a box across written and missing "
               "chunks", what);
    }
    {
        char *got[5] = {0};
        bool ok = zs_var_read(s, (uint64_t[]){0}, (uint64_t[]){5}, got) ==
                  ZS_OK;
        for (int k = 0; k < 5; k++) {
            ok = ok && got[k] && strcmp(got[k], ref_s[k]) == 0;
            zs_free(got[k]);
        }
        TAP_OK(ok, "%s: strings read back", what);
    }
    {
        uint64_t stored = 0, present = 0, expected = 0, want = 0;
        void *p;
        size_t n;
        int found;
        char key[32];
        zs_store *st = zsi_dataset_store(ds);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < 2; c++) {
                    snprintf(key, sizeof key, "t2m/%d/%d/%d", a, b, c);
                    if (zs_store_get(st, key, &p, &n, &found) == ZS_OK &&
                        found) {
                        want += n;
                        zs_free(p);
                    }
                }
        TAP_OK(zs_var_storage(t2m, &stored, &present, &expected) == ZS_OK &&
               present == 8 && expected == 12 && stored == want,
               "%s: storage of t2m: 8 of 12 chunks, %llu bytes", what,
               (unsigned long long)stored);
        TAP_OK(zs_var_storage(nodata, &stored, &present, &expected) ==
               ZS_OK && present == 0 && expected == 2 && stored == 0,
               "%s: storage of a variable without chunks", what);
    }
    {
        uint64_t nbad = 99;
        TAP_OK(zs_var_check(t2m, NULL, NULL, &nbad) == ZS_OK && nbad == 0,
               "%s: check: missing chunks with a fill value are fine",
               what);
        TAP_OK(zs_var_check(nodata, NULL, NULL, &nbad) == ZS_OK &&
               nbad == 2, "%s: check: 2 missing chunks with a null fill "
               "value are problems", what);
    }
    /* checksums against OpenSSL over the expected bytes */
    TAP_OK(sum_is(t2m, ref_t2m, sizeof ref_t2m), "%s: checksum of t2m "
           "(NaN fill for missing chunks)", what);
    TAP_OK(sum_is(time, ref_time, sizeof ref_time) &&
           sum_is(zs_group_find_var(root, "lat"), ref_lat, sizeof ref_lat)
           && sum_is(zs_group_find_var(root, "mask"), ref_mask,
                     sizeof ref_mask), "%s: checksums of time, lat, mask",
           what);
    {
        uint8_t be[50];
        for (int k = 0; k < 25; k++) {   /* stored big-endian, hashed LE */
            be[2 * k] = (uint8_t)ref_v[k];
            be[2 * k + 1] = (uint8_t)((uint16_t)ref_v[k] >> 8);
        }
        TAP_OK(sum_is(v, be, 50), "%s: checksum of a \">i2\" variable is "
               "over little-endian bytes, fill -1 for missing chunks",
               what);
    }
    {
        uint8_t zeros[4] = {0};
        TAP_OK(sum_is(nodata, zeros, 4), "%s: checksum of a variable "
               "without chunks and a null fill is over zeros", what);
    }
    {
        zsi_buf b = ZSI_BUF_INIT;
        for (int k = 0; k < 5; k++) {
            uint8_t len[4];
            zsi_put_le32(len, (uint32_t)strlen(ref_s[k]));
            zsi_buf_append(&b, len, 4);
            zsi_buf_append_str(&b, ref_s[k]);
        }
        TAP_OK(sum_is(s, b.data, b.len), "%s: checksum of strings (4-byte "
               "length and UTF-8 bytes each)", what);
        zsi_buf_free(&b);
    }
}

static void t_v2(void)
{
    zs_store *s, *l;
    zs_dataset *ds = NULL;
    zs_status st;
    zsi_strv keys = {0};
    zs_store_open(ctx, "mem://v2", ZS_STORE_CREATE, &s);
    build(s, true);
    st = zs_dataset_open(ctx, "mem://v2", &ds);
    TAP_OK(st == ZS_OK && strcmp(zs_dataset_format(ds),
                                 "zarr v2 (consolidated)") == 0,
           "open a v2 store with .zmetadata (%s)",
           st ? zs_ctx_message(ctx) : zs_dataset_format(ds));
    if (st == ZS_OK)
        check_tree(ds, "consolidated");
    zs_dataset_close(ds);
    ds = NULL;
    /* the same keys without .zmetadata: found by listing */
    zs_store_open(ctx, "mem://v2-list", ZS_STORE_CREATE, &l);
    zsi_store_list_all(s, "", &keys);
    for (size_t i = 0; i < keys.n; i++) {
        zsi_buf b = ZSI_BUF_INIT;
        int found;
        if (strcmp(keys.v[i], ".zmetadata") == 0)
            continue;
        zsi_store_get(s, keys.v[i], &b, &found);
        zs_store_set(l, keys.v[i], b.data, b.len);
        zsi_buf_free(&b);
    }
    zsi_strv_free(&keys);
    st = zs_dataset_open(ctx, "mem://v2-list", &ds);
    TAP_OK(st == ZS_OK && strcmp(zs_dataset_format(ds), "zarr v2") == 0,
           "open the same store without .zmetadata (%s)",
           st ? zs_ctx_message(ctx) : zs_dataset_format(ds));
    if (st == ZS_OK)
        check_tree(ds, "listed");
    zs_dataset_close(ds);
    ds = NULL;
    /* consolidated metadata wins over the files */
    put(s, "t2m/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"a\", \"b\", \"c\"], "
        "\"units\": \"changed\"}");
    st = zs_dataset_open(ctx, "mem://v2", &ds);
    TAP_OK(st == ZS_OK &&
           strcmp(zsi_attrs_text(var_attrs(zs_dataset_root(ds), "t2m"),
                                 "units"), "K") == 0,
           "with .zmetadata, the consolidated attributes are used");
    zs_dataset_close(ds);
    ds = NULL;
    /* a corrupt chunk is reported by check, not by opening */
    put(s, "g1/v/1", "this is not a blosc frame");
    st = zs_dataset_open(ctx, "mem://v2", &ds);
    if (st == ZS_OK) {
        zs_var *v = zs_group_find_var(child(zs_dataset_root(ds), "g1"), "v");
        uint64_t nbad = 0;
        int16_t buf[25];
        TAP_OK(zs_var_check(v, NULL, NULL, &nbad) == ZS_OK && nbad == 1,
               "check reports one corrupt chunk");
        TAP_OK(zs_var_read(v, (uint64_t[]){0}, (uint64_t[]){25}, buf) ==
               ZS_ERR_CORRUPT, "reading it fails with ZS_ERR_CORRUPT (%s)",
               zs_ctx_message(ctx));
    } else {
        TAP_OK(0, "reopen: %s", zs_ctx_message(ctx));
    }
    zs_dataset_close(ds);
    ds = NULL;
    /* an array with an unsupported dtype stays listed, unreadable */
    put(s, "cplx/.zarray", "{\"zarr_format\": 2, \"shape\": [2], "
        "\"chunks\": [2], \"dtype\": \"<c8\", \"compressor\": null, "
        "\"fill_value\": null, \"order\": \"C\", \"filters\": null}");
    zs_store_erase(s, ".zmetadata");
    for (int pass = 0; pass < 2; pass++) {
        zs_var *cv;
        uint8_t b[32];
        uint64_t nbad = 0;
        const char *how = pass ? "consolidated" : "listed";
        if (pass) {
            zsi_meta_cons c = {{0}, {0}};
            zsi_buf t = ZSI_BUF_INIT;
            zsi_meta_cons_add(ctx, &c, ".zgroup", "{\"zarr_format\": 2}");
            zsi_meta_cons_add(ctx, &c, "t2m/.zarray", doc_of("t2m/.zarray"));
            zsi_meta_cons_add(ctx, &c, "cplx/.zarray",
                              "{\"zarr_format\": 2, \"shape\": [2], "
                              "\"chunks\": [2], \"dtype\": \"<c8\", "
                              "\"compressor\": null, \"fill_value\": null, "
                              "\"order\": \"C\", \"filters\": null}");
            zsi_meta_cons_format(ctx, &c, &t);
            put(s, ".zmetadata", zsi_buf_cstr(&t));
            zsi_buf_free(&t);
            zsi_meta_cons_free(&c);
        }
        st = zs_dataset_open(ctx, "mem://v2", &ds);
        cv = st == ZS_OK ? zs_group_find_var(zs_dataset_root(ds), "cplx")
                         : NULL;
        TAP_OK(cv && zs_group_find_var(zs_dataset_root(ds), "t2m") &&
               zs_var_problem(cv) && strstr(zs_var_problem(cv), "<c8") &&
               !zs_var_problem(zs_group_find_var(zs_dataset_root(ds),
                                                 "t2m")),
               "%s: an array with an unsupported dtype stays listed, with "
               "the reason (%s)", how, cv && zs_var_problem(cv)
                                       ? zs_var_problem(cv) : "-");
        TAP_OK(cv && zs_var_read(cv, (uint64_t[]){0}, (uint64_t[]){2}, b)
               == ZS_ERR_UNSUPPORTED && strcmp(zs_var_codecs(cv),
                                               "unsupported") == 0 &&
               zs_var_check(cv, NULL, NULL, &nbad) == ZS_OK && nbad == 1,
               "%s: reading it is ZS_ERR_UNSUPPORTED, check counts it",
               how);
        zs_dataset_close(ds);
        ds = NULL;
    }
    zs_store_close(l);
    zs_store_close(s);
}

/* A variable larger than the checksum's block budget (32 MiB). */
static void t_big_checksum(void)
{
    static const char za[] =
        "{\"zarr_format\": 2, \"shape\": [9, 1024, 1024], \"chunks\": "
        "[1, 512, 512], \"dtype\": \"<f4\", \"compressor\": {\"id\": "
        "\"zstd\", \"level\": 1}, \"fill_value\": 0.5, \"order\": \"C\", "
        "\"filters\": null}";
    size_t n = (size_t)9 * 1024 * 1024;
    float *ref = malloc(n * sizeof *ref);
    zs_store *s;
    zs_array *a;
    zs_dataset *ds = NULL;
    zs_status st;
    zs_store_open(ctx, "mem://big", ZS_STORE_CREATE, &s);
    put(s, ".zgroup", "{\"zarr_format\": 2}");
    put(s, "x/.zarray", za);
    put(s, "x/.zattrs", "{\"_ARRAY_DIMENSIONS\": [\"t\", \"y\", \"x\"]}");
    for (size_t i = 0; i < n; i++)
        ref[i] = (float)(i % 1000) * 0.125f;
    if ((a = make(s, "x", za))) {
        write_all(a, (uint64_t[]){0, 0, 0}, (uint64_t[]){9, 1024, 1024},
                  ref);
        zs_array_close(a);
    }
    /* drop two chunks: they read as the fill value 0.5 */
    zs_store_erase(s, "x/4.1.0");
    zs_store_erase(s, "x/8.1.1");
    for (size_t y = 512; y < 1024; y++)
        for (size_t x = 0; x < 512; x++) {
            ref[(4 * 1024 + y) * 1024 + x] = 0.5f;
            ref[(8 * 1024 + y) * 1024 + x + 512] = 0.5f;
        }
    zs_ctx_set_cache_bytes(ctx, 4 << 20);
    st = zs_dataset_open(ctx, "mem://big", &ds);
    if (st == ZS_OK) {
        zs_var *v = zs_group_find_var(zs_dataset_root(ds), "x");
        TAP_OK(sum_is(v, ref, n * sizeof *ref), "checksum of a 36 MiB "
               "variable (several blocks, two missing chunks)");
    } else {
        TAP_OK(0, "open: %s", zs_ctx_message(ctx));
    }
    zs_ctx_set_cache_bytes(ctx, 256 << 20);
    zs_dataset_close(ds);
    zs_store_discard(s);
    zs_store_close(s);
    free(ref);
}

/* ------------------------------------------------------------------ */
/* Zarr v3                                                             */
/* ------------------------------------------------------------------ */

static const char v3_array[] =
    "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [5], "
    "\"data_type\": \"int32\", \"chunk_grid\": {\"name\": \"regular\", "
    "\"configuration\": {\"chunk_shape\": [3]}}, \"chunk_key_encoding\": "
    "{\"name\": \"default\"}, \"fill_value\": -7, \"codecs\": [{\"name\": "
    "\"bytes\", \"configuration\": {\"endian\": \"little\"}}], "
    "\"dimension_names\": [\"i\"], \"attributes\": {\"units\": \"m\"}}";

static void t_v3(void)
{
    zs_store *s, *c;
    zs_dataset *ds = NULL;
    zs_status st;
    int32_t chunk0[3] = {10, 11, 12}, got[5];
    char *root;
    zs_store_open(ctx, "mem://v3", ZS_STORE_CREATE, &s);
    put(s, "zarr.json", "{\"zarr_format\": 3, \"node_type\": \"group\", "
        "\"attributes\": {\"title\": \"v3\"}}");
    put(s, "g/zarr.json", "{\"zarr_format\": 3, \"node_type\": \"group\"}");
    put(s, "g/a/zarr.json", v3_array);
    zs_store_set(s, "g/a/c/0", chunk0, sizeof chunk0);
    st = zs_dataset_open(ctx, "mem://v3", &ds);
    TAP_OK(st == ZS_OK && strcmp(zs_dataset_format(ds), "zarr v3") == 0,
           "open a v3 store by listing (%s)", st ? zs_ctx_message(ctx)
                                                 : zs_dataset_format(ds));
    if (st == ZS_OK) {
        zs_group *g = child(zs_dataset_root(ds), "g");
        zs_var *v = g ? zs_group_find_var(g, "a") : NULL;
        TAP_OK(v && zs_var_read(v, (uint64_t[]){0}, (uint64_t[]){5}, got)
               == ZS_OK && got[0] == 10 && got[2] == 12 && got[3] == -7 &&
               got[4] == -7 && strcmp(zs_var_dim_name(v, 0), "i") == 0 &&
               zsi_attrs_text(zs_var_attrs(v), "units") &&
               zsi_attrs_text(zs_group_attrs(zs_dataset_root(ds)), "title"),
               "v3: values, fill for the missing chunk, names, attributes");
        TAP_OK(v && sum_is(v, (int32_t[]){10, 11, 12, -7, -7}, 20),
               "v3: checksum");
    }
    zs_dataset_close(ds);
    ds = NULL;
    /* inline consolidated metadata: nodes come from the root document */
    zs_store_open(ctx, "mem://v3c", ZS_STORE_CREATE, &c);
    root = zsi_asprintf("{\"zarr_format\": 3, \"node_type\": \"group\", "
                        "\"consolidated_metadata\": {\"kind\": \"inline\", "
                        "\"must_understand\": false, \"metadata\": {\"g\": "
                        "{\"zarr_format\": 3, \"node_type\": \"group\"}, "
                        "\"g/a\": %s}}}", v3_array);
    put(c, "zarr.json", root);
    free(root);
    zs_store_set(c, "g/a/c/0", chunk0, sizeof chunk0);
    st = zs_dataset_open(ctx, "mem://v3c", &ds);
    TAP_OK(st == ZS_OK && strcmp(zs_dataset_format(ds),
                                 "zarr v3 (consolidated)") == 0,
           "open a v3 store with inline consolidated metadata (%s)",
           st ? zs_ctx_message(ctx) : zs_dataset_format(ds));
    if (st == ZS_OK) {
        zs_group *g = child(zs_dataset_root(ds), "g");
        zs_var *v = g ? zs_group_find_var(g, "a") : NULL;
        TAP_OK(v && zs_var_read(v, (uint64_t[]){1}, (uint64_t[]){4}, got)
               == ZS_OK && got[0] == 11 && got[3] == -7,
               "v3 consolidated: values");
    }
    zs_dataset_close(ds);
    zs_store_close(c);
    zs_store_close(s);
}

static void t_errors(void)
{
    zs_dataset *ds = NULL;
    zs_store *s;
    zs_status st = zs_dataset_open(ctx, "mem://nothing-here", &ds);
    TAP_OK(st == ZS_ERR_NOTFOUND && ds == NULL,
           "a missing store is ZS_ERR_NOTFOUND (%d)", st);
    zs_store_open(ctx, "mem://empty", ZS_STORE_CREATE, &s);
    st = zs_dataset_open(ctx, "mem://empty", &ds);
    TAP_OK(st == ZS_ERR_FORMAT && ds == NULL,
           "an empty store is not a Zarr store: ZS_ERR_FORMAT (%d)", st);
    put(s, ".zmetadata", "{\"metadata\": {\".zgroup\": ");
    st = zs_dataset_open(ctx, "mem://empty", &ds);
    TAP_OK(st == ZS_ERR_FORMAT && ds == NULL,
           "a truncated .zmetadata is ZS_ERR_FORMAT (%s)",
           zs_ctx_message(ctx));
    put(s, ".zmetadata", "{\"metadata\": {\".zgroup\": {\"zarr_format\": "
        "3}}, \"zarr_consolidated_format\": 1}");
    st = zs_dataset_open(ctx, "mem://empty", &ds);
    TAP_OK(st == ZS_ERR_FORMAT && ds == NULL,
           "a .zgroup that is not zarr_format 2 is ZS_ERR_FORMAT");
    put(s, ".zmetadata", "{\"metadata\": {\".zgroup\": {\"zarr_format\": "
        "2}, \"../evil/.zarray\": {}}, \"zarr_consolidated_format\": 1}");
    st = zs_dataset_open(ctx, "mem://empty", &ds);
    TAP_OK(st == ZS_ERR_FORMAT && ds == NULL,
           "a consolidated key \"../evil/.zarray\" is ZS_ERR_FORMAT");
    zs_store_close(s);
    TAP_OK(zs_dataset_open(ctx, "", &ds) == ZS_ERR_INVALID,
           "an empty name is ZS_ERR_INVALID");
    zs_dataset_close(NULL);
}

int main(void)
{
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    zs_ctx_set_threads(ctx, 4);
    t_v2();
    t_big_checksum();
    t_v3();
    t_errors();
    zs_ctx_free(ctx);
    return TAP_DONE();
}
