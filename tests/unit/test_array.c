/*
 * test_array.c - the array layer on a memory store: arrays created with
 * zsi_array_create (Zarr v2, many dtypes, no compressor, blosc, zstd,
 * filters, ragged edge chunks, big-endian), random box writes and reads
 * compared with an in-memory reference (partial-chunk writes are
 * read-modify-write), the fill value for missing chunks, 0-d arrays,
 * zero-length dimensions, F-order arrays read from chunks built by hand,
 * variable-length strings, skip_fill_chunks, and the chunk cache: hits
 * and misses counted on the store, and the byte budget held with many
 * threads.  The reference copies below share no code with the library.
 */
#include "config.h"

#include <dirent.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array/array_impl.h"
#include "tap.h"

static zs_ctx *ctx;
static zs_store *mem;

static uint64_t rng = 0xd1b54a32d192ed03ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t prod(const uint64_t *v, int n)
{
    uint64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= v[i];
    return p;
}

/* ------------------------------------------------------------------ */
/* Reference n-d helpers (element by element)                          */
/* ------------------------------------------------------------------ */

static uint64_t lin(int nd, const uint64_t *shape, const uint64_t *off,
                    const uint64_t *idx)
{
    uint64_t k = 0;
    for (int d = 0; d < nd; d++)
        k = k * shape[d] + off[d] + idx[d];
    return k;
}

static void unravel(int nd, const uint64_t *count, uint64_t k,
                    uint64_t *idx)
{
    for (int d = nd - 1; d >= 0; d--) {
        idx[d] = k % count[d];
        k /= count[d];
    }
}

static void ref_copy(int nd, size_t w, const uint8_t *src,
                     const uint64_t *sshape, const uint64_t *soff,
                     uint8_t *dst, const uint64_t *dshape,
                     const uint64_t *doff, const uint64_t *count)
{
    uint64_t n = prod(count, nd), idx[ZS_MAX_DIMS];
    for (uint64_t k = 0; k < n; k++) {
        unravel(nd, count, k, idx);
        memcpy(dst + lin(nd, dshape, doff, idx) * w,
               src + lin(nd, sshape, soff, idx) * w, w);
    }
}

static void rnd_box(int nd, const uint64_t *shape, uint64_t *start,
                    uint64_t *count)
{
    for (int d = 0; d < nd; d++) {
        start[d] = rnd() % shape[d];
        count[d] = 1 + rnd() % (shape[d] - start[d]);
        if (rnd() % 5 == 0) {   /* whole dimension now and then */
            start[d] = 0;
            count[d] = shape[d];
        }
    }
}

static void rnd_values(zs_dtype t, uint8_t *p, size_t n, size_t w)
{
    for (size_t i = 0; i < n * w; i++)
        p[i] = (uint8_t)(rnd() >> 24);
    if (t == ZS_DT_BOOL)
        for (size_t i = 0; i < n; i++)
            p[i] &= 1;
}

/* ------------------------------------------------------------------ */
/* Creating arrays                                                     */
/* ------------------------------------------------------------------ */

typedef struct acase {
    const char *path;
    zs_dtype t;
    size_t itemsize;        /* for fixed-width strings */
    bool big_endian;
    int nd;
    uint64_t shape[4], chunks[4];
    const char *comp;       /* "id k=v k=v" or NULL */
    const char *filter;     /* same, or NULL */
    const char *fill;       /* numeric text, "NaN", string; NULL: null */
} acase;

static const acase cases[] = {
    {"i2-none", ZS_DT_INT16, 0, false, 2, {37, 23}, {8, 5}, NULL, NULL,
     "42"},
    {"f4-blosc", ZS_DT_FLOAT32, 0, false, 3, {17, 23, 5}, {4, 5, 3},
     "blosc cname=lz4 clevel=5 shuffle=1 blocksize=0", NULL, "NaN"},
    {"f8-zstd", ZS_DT_FLOAT64, 0, false, 1, {100}, {7}, "zstd level=1",
     NULL, NULL},
    {"g/u1-one-chunk", ZS_DT_UINT8, 0, false, 2, {10, 10}, {10, 10},
     "zstd level=3", NULL, "0"},
    {"i8-bitshuffle", ZS_DT_INT64, 0, false, 4, {5, 6, 7, 8}, {2, 3, 4, 5},
     "blosc cname=zstd clevel=1 shuffle=2 blocksize=0", NULL, "-1"},
    {"u4-big-endian", ZS_DT_UINT32, 0, true, 2, {50, 3}, {7, 2}, NULL, NULL,
     "7"},
    {"b1", ZS_DT_BOOL, 0, false, 1, {33}, {8}, NULL, NULL, "0"},
    {"f2-zlib", ZS_DT_FLOAT16, 0, false, 2, {20, 20}, {6, 6},
     "zlib level=1", NULL, "0"},
    {"i4-delta", ZS_DT_INT32, 0, false, 1, {40}, {9}, "lz4",
     "delta dtype=<i4", "5"},
    {"S5", ZS_DT_BYTES, 5, false, 1, {9}, {4}, NULL, NULL, "hello"},
    {"U3", ZS_DT_UNICODE, 12, true, 2, {7, 3}, {3, 2}, "gzip level=1", NULL,
     NULL},
    {"u8-max", ZS_DT_UINT64, 0, false, 1, {13}, {5},
     "blosc cname=blosclz clevel=9 shuffle=1 blocksize=0", NULL,
     "18446744073709551615"},
    {"deep/a/b/c/f8-sep", ZS_DT_FLOAT64, 0, true, 3, {3, 4, 5}, {2, 2, 2},
     NULL, NULL, "-0.0"},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* "id k=v k=v" into a codec spec (integers or strings). */
static zsi_codec_spec *spec_of(const char *text)
{
    zsi_codec_spec *s = calloc(1, sizeof *s);
    char *copy = zsi_strdup(text), *save = NULL;
    char *id = strtok_r(copy, " ", &save), *kv;
    zsi_kv cfg = {NULL, 0};
    while ((kv = strtok_r(NULL, " ", &save))) {
        char *eq = strchr(kv, '=');
        int64_t v;
        *eq = 0;
        if (zsi_parse_i64(eq + 1, &v))
            zsi_kv_set_int(&cfg, kv, v);
        else
            zsi_kv_set_string(&cfg, kv, eq + 1);
    }
    zsi_codec_spec_set(s, id, &cfg);
    zsi_kv_free(&cfg);
    free(copy);
    return s;
}

/* The fill value item of a case (itemsize bytes, native order). */
static bool fill_item(const acase *c, size_t w, uint8_t *item)
{
    memset(item, 0, w);
    if (!c->fill)
        return false;
    if (c->t == ZS_DT_BYTES) {
        memcpy(item, c->fill, strlen(c->fill) < w ? strlen(c->fill) : w);
    } else if (c->t == ZS_DT_UINT64) {
        uint64_t u = strtoull(c->fill, NULL, 10);
        memcpy(item, &u, 8);
    } else {
        zsi_store_double(c->t, item, 0, strcmp(c->fill, "NaN") == 0
                         ? NAN : strtod(c->fill, NULL));
    }
    return true;
}

static void meta_of(const acase *c, zsi_array_meta *m)
{
    uint8_t item[64];
    zsi_array_meta_init(m);
    m->ndim = c->nd;
    memcpy(m->shape, c->shape, sizeof c->shape);
    memcpy(m->chunks, c->chunks, sizeof c->chunks);
    m->dtype = c->t;
    m->itemsize = c->itemsize ? c->itemsize : zsi_dtype_size(c->t);
    m->big_endian = c->big_endian;
    if (strstr(c->path, "sep"))
        m->sep = '/';
    if (fill_item(c, m->itemsize, item))
        zsi_array_meta_set_fill(m, item);
    if (c->comp)
        m->compressor = spec_of(c->comp);
    if (c->filter) {
        zsi_codec_spec *f = spec_of(c->filter);
        m->filters = f;
        m->nfilters = 1;
    }
}

/* Write .zarray and .zattrs of a so that zs_array_open finds it. */
static zs_status publish(zs_array *a)
{
    zsi_buf b = ZSI_BUF_INIT;
    char *k = zsi_path_join(a->path, ".zarray");
    zs_status st = zsi_array_format_meta(a, 0, &b);
    if (st == ZS_OK)
        st = zs_store_set(a->store, k, b.data, b.len);
    free(k);
    b.len = 0;
    k = zsi_path_join(a->path, ".zattrs");
    if (st == ZS_OK)
        st = zsi_array_format_zattrs(a, 0, &b);
    if (st == ZS_OK)
        st = zs_store_set(a->store, k, b.data, b.len);
    free(k);
    zsi_buf_free(&b);
    return st;
}

/* ------------------------------------------------------------------ */
/* Random writes and reads against a reference                         */
/* ------------------------------------------------------------------ */

static bool read_matches(zs_array *a, const uint8_t *ref, const uint64_t *s,
                         const uint64_t *c)
{
    int nd = zs_array_ndim(a);
    size_t w = zs_array_itemsize(a);
    uint64_t n = prod(c, nd), zero[ZS_MAX_DIMS] = {0};
    uint8_t *got = malloc((size_t)(n ? n : 1) * w);
    uint8_t *want = malloc((size_t)(n ? n : 1) * w);
    bool ok;
    memset(got, 0xa5, (size_t)(n ? n : 1) * w);
    ok = zs_array_read(a, s, c, got) == ZS_OK;
    if (!ok)
        TAP_DIAG("read: %s", zs_ctx_message(ctx));
    ref_copy(nd, w, ref, zs_array_shape(a), s, want, c, zero, c);
    ok = ok && memcmp(got, want, (size_t)n * w) == 0;
    free(got);
    free(want);
    return ok;
}

static void t_case(const acase *c)
{
    zsi_array_meta m;
    zs_array *a = NULL, *b = NULL;
    size_t w;
    uint64_t n, s[4], k[4], zero[4] = {0};
    uint8_t *ref, item[64];
    int bad_w = 0, bad_r = 0;
    zs_status st;
    meta_of(c, &m);
    st = zsi_array_create(mem, c->path, &m, NULL, &a);
    zsi_array_meta_free(&m);
    TAP_OK(st == ZS_OK, "%s: zsi_array_create (%s)", c->path,
           st ? zs_ctx_message(ctx) : "ok");
    if (st != ZS_OK)
        return;
    w = zs_array_itemsize(a);
    n = prod(c->shape, c->nd);
    ref = malloc((size_t)n * w);
    fill_item(c, w, item);
    for (uint64_t i = 0; i < n; i++)
        memcpy(ref + i * w, item, w);
    TAP_OK(read_matches(a, ref, zero, c->shape),
           "%s: before any write, every element is the fill value",
           c->path);
    for (int it = 0; it < 25; it++) {
        uint64_t cnt;
        uint8_t *data;
        rnd_box(c->nd, c->shape, s, k);
        cnt = prod(k, c->nd);
        data = malloc((size_t)cnt * w);
        rnd_values(c->t, data, (size_t)cnt, w);
        if (zs_array_write(a, s, k, data) != ZS_OK) {
            if (bad_w++ < 2)
                TAP_DIAG("write: %s", zs_ctx_message(ctx));
        }
        ref_copy(c->nd, w, data, k, zero, ref, c->shape, s, k);
        free(data);
        rnd_box(c->nd, c->shape, s, k);
        if (!read_matches(a, ref, s, k))
            bad_r++;
    }
    TAP_OK(bad_w == 0 && bad_r == 0, "%s: 25 random box writes, each "
           "followed by a random box read, agree with the reference",
           c->path);
    TAP_OK(read_matches(a, ref, zero, c->shape), "%s: the whole array",
           c->path);
    st = publish(a);
    zs_array_close(a);
    st = st == ZS_OK ? zs_array_open(mem, c->path, &b) : st;
    TAP_OK(st == ZS_OK && zs_array_ndim(b) == c->nd &&
           zs_array_dtype(b) == c->t && zs_array_itemsize(b) == w &&
           memcmp(zs_array_chunks(b), c->chunks, c->nd * 8) == 0 &&
           read_matches(b, ref, zero, c->shape),
           "%s: reopened from its .zarray, it reads the same (codecs: %s)",
           c->path, st == ZS_OK && zs_array_codecs(b) ? zs_array_codecs(b)
                                                      : "?");
    if (st == ZS_OK) {
        uint8_t f[64];
        int has = zs_array_fill(b, f);
        TAP_OK(has == (c->fill != NULL) && (!has || memcmp(f, item, w) == 0),
               "%s: zs_array_fill", c->path);
    }
    zs_array_close(b);
    free(ref);
}

/* Stored bytes of a big-endian array are big-endian. */
static void t_big_endian_bytes(void)
{
    zs_array *a;
    uint32_t v = 0x01020304;
    uint64_t s[2] = {0, 0}, k[2] = {1, 1};
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    if (zs_array_open(mem, "u4-big-endian", &a) != ZS_OK) {
        TAP_OK(0, "open u4-big-endian");
        return;
    }
    zs_array_write(a, s, k, &v);
    zs_store_get(mem, "u4-big-endian/0.0", &p, &n, &found);
    TAP_OK(found && n == 7 * 2 * 4 &&
           memcmp(p, "\x01\x02\x03\x04", 4) == 0,
           "\">u4\": stored chunk bytes are big-endian");
    zs_free(p);
    zs_array_close(a);
}

/* ------------------------------------------------------------------ */
/* Shapes: 0-d, zero-length, out of range                              */
/* ------------------------------------------------------------------ */

static zs_array *simple(const char *path, zs_dtype t, int nd,
                        const uint64_t *shape, const uint64_t *chunks,
                        const void *fill)
{
    zsi_array_meta m;
    zs_array *a = NULL;
    zsi_array_meta_init(&m);
    m.ndim = nd;
    if (nd) {
        memcpy(m.shape, shape, (size_t)nd * 8);
        memcpy(m.chunks, chunks, (size_t)nd * 8);
    }
    m.dtype = t;
    m.itemsize = t == ZS_DT_STRING ? 8 : zsi_dtype_size(t);
    if (t == ZS_DT_STRING) {
        m.nfilters = 1;
        m.filters = calloc(1, sizeof *m.filters);
        zsi_codec_spec_set(&m.filters[0], "vlen-utf8", NULL);
        m.compressor = spec_of("zstd level=1");
    }
    if (fill)
        zsi_array_meta_set_fill(&m, fill);
    if (zsi_array_create(mem, path, &m, NULL, &a) != ZS_OK) {
        TAP_DIAG("create %s: %s", path, zs_ctx_message(ctx));
        a = NULL;
    }
    zsi_array_meta_free(&m);
    return a;
}

/* The bound on chunk reads that find nothing (issue 15): a shape made
 * to lie (2^31 x 2^31 one-byte chunks) is walked to ZSI_MISSING_MAX
 * missing chunks, not one more; an array with a chunk present has no
 * such bound. */
static void t_missing_bound(void)
{
    const uint64_t shape[2] = {UINT64_C(1) << 31, UINT64_C(1) << 31};
    const uint64_t one[2] = {1, 1}, side = UINT64_C(1) << 12;
    uint64_t start[2] = {0, 0}, count[2] = {side, side};
    zs_array *a = simple("bound", ZS_DT_INT8, 2, shape, one, NULL);
    zs_array *b = simple("bound-one", ZS_DT_INT8, 2, shape, one, NULL);
    uint8_t *buf = malloc((size_t)(side * side + side));
    int8_t v = 7;
    zs_status st;
    if (!a || !b || !buf) {
        TAP_OK(0, "arrays for the bound on missing chunks");
        goto done;
    }
    st = zs_array_read(a, start, count, buf);
    TAP_OK(st == ZS_OK && buf[0] == 0 && buf[side * side - 1] == 0,
           "2^24 missing chunks read as the fill value (status %d)", st);
    start[0] = side;
    count[0] = 1;
    count[1] = 1;
    st = zs_array_read(a, start, count, buf);
    TAP_OK(st == ZS_ERR_FORMAT &&
           strstr(zs_ctx_message(ctx), "bound: no chunk present in the "
                  "first 16777216 chunks read: stopped"),
           "one more: an error naming the array and the bound (%s)",
           zs_ctx_message(ctx));
    start[0] = shape[0] - 1;
    start[1] = shape[1] - 1;
    st = zs_array_write(b, start, count, &v);
    if (st == ZS_OK)
        st = zs_array_read(b, start, count, buf);
    start[0] = start[1] = 0;
    count[0] = side + 1;
    count[1] = side;
    if (st == ZS_OK && buf[0] == 7)
        st = zs_array_read(b, start, count, buf);
    TAP_OK(st == ZS_OK, "with a chunk present, more than 2^24 missing "
           "chunks read (status %d)", st);
done:
    free(buf);
    zs_array_close(a);
    zs_array_close(b);
}

static void t_scalar(void)
{
    double fill = -9.5, v = 3.25, got = 0;
    zs_array *a = simple("scalar", ZS_DT_FLOAT64, 0, NULL, NULL, &fill), *b;
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    if (!a) {
        TAP_OK(0, "0-d array");
        return;
    }
    TAP_OK(zs_array_read(a, NULL, NULL, &got) == ZS_OK && got == -9.5,
           "0-d: reads the fill value before a write");
    TAP_OK(zs_array_write(a, NULL, NULL, &v) == ZS_OK &&
           zs_array_read(a, NULL, NULL, &got) == ZS_OK && got == 3.25,
           "0-d: write then read");
    zs_store_get(mem, "scalar/0", &p, &n, &found);
    TAP_OK(found && n == 8 && memcmp(p, &v, 8) == 0,
           "0-d: its one chunk has the key \"0\"");
    zs_free(p);
    publish(a);
    zs_array_close(a);
    got = 0;
    TAP_OK(zs_array_open(mem, "scalar", &b) == ZS_OK &&
           zs_array_ndim(b) == 0 && zs_array_read(b, NULL, NULL, &got) ==
           ZS_OK && got == 3.25, "0-d: reopened");
    zs_array_close(b);
}

static void t_zero_length(void)
{
    uint64_t shape[2] = {0, 4}, chunks[2] = {2, 2};
    uint64_t s[2] = {0, 0}, k[2] = {0, 4}, k1[2] = {1, 4};
    int32_t buf[8] = {0};
    zs_array *a = simple("empty", ZS_DT_INT32, 2, shape, chunks, NULL);
    zsi_strv keys = {0};
    if (!a) {
        TAP_OK(0, "zero-length array");
        return;
    }
    TAP_OK(a->nchunks == 0, "zero-length dimension: no chunks");
    TAP_OK(zs_array_read(a, s, k, buf) == ZS_OK &&
           zs_array_write(a, s, k, buf) == ZS_OK,
           "zero-length dimension: an empty box reads and writes");
    TAP_OK(zs_array_read(a, s, k1, buf) == ZS_ERR_RANGE &&
           zs_array_write(a, s, k1, buf) == ZS_ERR_RANGE,
           "zero-length dimension: one row is out of range");
    zsi_store_list_all(mem, "empty/", &keys);
    TAP_OK(keys.n == 0, "zero-length dimension: nothing was stored");
    zsi_strv_free(&keys);
    zs_array_close(a);
    shape[0] = 3;
    shape[1] = 0;
    a = simple("empty2", ZS_DT_INT32, 2, shape, chunks, NULL);
    k[0] = 3;
    k[1] = 0;
    TAP_OK(a && zs_array_read(a, s, k, buf) == ZS_OK,
           "zero-length last dimension");
    zs_array_close(a);
}

static void t_out_of_range(void)
{
    uint64_t shape[2] = {10, 10}, chunks[2] = {3, 3};
    int16_t fill = 0, buf[200];
    zs_array *a = simple("range", ZS_DT_INT16, 2, shape, chunks, &fill);
    uint64_t s[2], k[2];
    zsi_strv keys = {0};
    if (!a) {
        TAP_OK(0, "range array");
        return;
    }
    s[0] = 5; s[1] = 0; k[0] = 6; k[1] = 10;
    TAP_OK(zs_array_read(a, s, k, buf) == ZS_ERR_RANGE,
           "a box past the end is ZS_ERR_RANGE");
    s[0] = UINT64_MAX; k[0] = 2;
    TAP_OK(zs_array_read(a, s, k, buf) == ZS_ERR_RANGE,
           "start + count overflowing 64 bits is ZS_ERR_RANGE");
    s[0] = 10; k[0] = 0;
    TAP_OK(zs_array_read(a, s, k, buf) == ZS_OK,
           "an empty box at the end is fine");
    s[0] = 9; s[1] = 9; k[0] = 1; k[1] = 2;
    TAP_OK(zs_array_write(a, s, k, buf) == ZS_ERR_RANGE,
           "a write past the end is ZS_ERR_RANGE");
    zsi_store_list_all(mem, "range/", &keys);
    TAP_OK(keys.n == 0, "... and writes nothing");
    zsi_strv_free(&keys);
    zs_array_close(a);
}

/* ------------------------------------------------------------------ */
/* F order, chunks built by hand                                       */
/* ------------------------------------------------------------------ */

/* value of element at global C index idx */
static int32_t fval(int nd, const uint64_t *idx)
{
    int32_t v = 1;
    for (int d = 0; d < nd; d++)
        v = v * 100 + (int32_t)idx[d];
    return v;
}

/* Build every chunk of an F-order array in the store by hand (element
 * (i, j, k) of a chunk at i + j*c0 + k*c0*c1), skipping chunk "skip". */
static void f_chunks(const char *path, int nd, const uint64_t *shape,
                     const uint64_t *ch, size_t w, bool be, int32_t fill,
                     const char *skip)
{
    uint64_t grid[3], nchunks = 1, celems = prod(ch, nd);
    uint8_t *buf = malloc((size_t)celems * w);
    for (int d = 0; d < nd; d++) {
        grid[d] = (shape[d] + ch[d] - 1) / ch[d];
        nchunks *= grid[d];
    }
    for (uint64_t c = 0; c < nchunks; c++) {
        uint64_t cidx[3], idx[3], g[3];
        char key[64];
        size_t kl;
        unravel(nd, grid, c, cidx);
        kl = (size_t)snprintf(key, sizeof key, "%s/", path);
        for (int d = 0; d < nd; d++)
            kl += (size_t)snprintf(key + kl, sizeof key - kl, "%s%llu",
                                   d ? "." : "",
                                   (unsigned long long)cidx[d]);
        if (skip && strcmp(key + strlen(path) + 1, skip) == 0)
            continue;
        for (uint64_t e = 0; e < celems; e++) {
            uint64_t fpos = 0, stride = 1;
            bool in = true;
            int32_t v;
            unravel(nd, ch, e, idx);          /* C index inside chunk */
            for (int d = 0; d < nd; d++) {
                fpos += idx[d] * stride;      /* F position */
                stride *= ch[d];
                g[d] = cidx[d] * ch[d] + idx[d];
                in = in && g[d] < shape[d];
            }
            v = in ? fval(nd, g) : fill;
            if (w == 2) {
                int16_t s16 = (int16_t)v;
                uint8_t *q = buf + fpos * 2;
                memcpy(q, &s16, 2);
                if (be) {
                    uint8_t t = q[0]; q[0] = q[1]; q[1] = t;
                }
            } else {
                memcpy(buf + fpos * 4, &v, 4);
            }
        }
        zs_store_set(mem, key, buf, (size_t)celems * w);
    }
    free(buf);
}

static void t_fortran(void)
{
    static const char za2[] =
        "{\"zarr_format\": 2, \"shape\": [5, 7], \"chunks\": [3, 4], "
        "\"dtype\": \"<i4\", \"compressor\": null, \"fill_value\": -1, "
        "\"order\": \"F\", \"filters\": null}";
    static const char za3[] =
        "{\"zarr_format\": 2, \"shape\": [4, 5, 6], \"chunks\": [3, 2, 4], "
        "\"dtype\": \">i2\", \"compressor\": null, \"fill_value\": 9, "
        "\"order\": \"F\", \"filters\": null}";
    uint64_t sh2[2] = {5, 7}, ch2[2] = {3, 4}, sh3[3] = {4, 5, 6};
    uint64_t ch3[3] = {3, 2, 4}, zero[3] = {0}, idx[3];
    int32_t got2[35];
    int16_t got3[120];
    zs_array *a;
    bool ok = true;
    zs_store_set(mem, "f2/.zarray", za2, strlen(za2));
    f_chunks("f2", 2, sh2, ch2, 4, false, -1, "1.1");
    if (zs_array_open(mem, "f2", &a) != ZS_OK) {
        TAP_OK(0, "open F-order array: %s", zs_ctx_message(ctx));
        return;
    }
    TAP_OK(zs_array_read(a, zero, sh2, got2) == ZS_OK, "F order 2-D: read");
    for (uint64_t e = 0; e < 35; e++) {
        unravel(2, sh2, e, idx);
        if (got2[e] != (idx[0] >= 3 && idx[1] >= 4 ? -1 : fval(2, idx)))
            ok = false;
    }
    TAP_OK(ok, "F order 2-D: values in C order, missing chunk 1.1 is the "
           "fill value");
    {
        uint64_t s[2] = {1, 2}, k[2] = {3, 4};
        int32_t box[12];
        ok = zs_array_read(a, s, k, box) == ZS_OK;
        for (uint64_t e = 0; ok && e < 12; e++) {
            unravel(2, k, e, idx);
            idx[0] += 1;
            idx[1] += 2;
            ok = box[e] == (idx[0] >= 3 && idx[1] >= 4 ? -1 : fval(2, idx));
        }
        TAP_OK(ok, "F order 2-D: a box across chunks");
    }
    zs_array_close(a);
    zs_store_set(mem, "f3/.zarray", za3, strlen(za3));
    f_chunks("f3", 3, sh3, ch3, 2, true, 9, NULL);
    if (zs_array_open(mem, "f3", &a) != ZS_OK) {
        TAP_OK(0, "open 3-D F-order array: %s", zs_ctx_message(ctx));
        return;
    }
    ok = zs_array_read(a, zero, sh3, got3) == ZS_OK;
    for (uint64_t e = 0; ok && e < 120; e++) {
        unravel(3, sh3, e, idx);
        ok = got3[e] == (int16_t)fval(3, idx);
    }
    TAP_OK(ok, "F order 3-D, big-endian \">i2\", ragged edges");
    zs_array_close(a);
}

/* ------------------------------------------------------------------ */
/* Variable-length strings                                             */
/* ------------------------------------------------------------------ */

static const char *const pool[] = {
    "", "a", "hello", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80 smile",
    "with \"quotes\" and \\", "tab\there", "0.0", "NaN",
};

static void t_strings(const char *path, const char *fill)
{
    uint64_t shape[2] = {11, 7}, chunks[2] = {4, 3}, zero[2] = {0, 0};
    zs_array *a = simple(path, ZS_DT_STRING, 2, shape, chunks, fill), *b;
    char *ref[77], *got[77], longs[1200];
    int bad = 0;
    const char *f = fill ? fill : "";
    if (!a) {
        TAP_OK(0, "string array");
        return;
    }
    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    for (int i = 0; i < 77; i++)
        ref[i] = zsi_strdup(f);
    TAP_OK(zs_array_itemsize(a) == sizeof(char *),
           "strings: itemsize is sizeof(char *)");
    for (int it = 0; it < 20; it++) {
        uint64_t s[2], k[2], n, idx[2];
        const char **in;
        rnd_box(2, shape, s, k);
        n = k[0] * k[1];
        in = calloc((size_t)n, sizeof *in);
        for (uint64_t e = 0; e < n; e++) {
            uint64_t r = rnd() % 11;
            in[e] = r < 9 ? pool[r] : r == 9 ? longs : NULL;
        }
        if (zs_array_write(a, s, k, in) != ZS_OK && bad++ < 2)
            TAP_DIAG("write: %s", zs_ctx_message(ctx));
        for (uint64_t e = 0; e < n; e++) {
            uint64_t g;
            unravel(2, k, e, idx);
            g = lin(2, shape, s, idx);
            free(ref[g]);
            ref[g] = zsi_strdup(in[e] ? in[e] : "");
        }
        free(in);
        rnd_box(2, shape, s, k);
        n = k[0] * k[1];
        memset(got, 0, sizeof got);
        if (zs_array_read(a, s, k, got) != ZS_OK) {
            bad++;
            continue;
        }
        for (uint64_t e = 0; e < n; e++) {
            unravel(2, k, e, idx);
            if (!got[e] || strcmp(got[e], ref[lin(2, shape, s, idx)]))
                bad++;
            zs_free(got[e]);
        }
    }
    TAP_OK(bad == 0, "strings (fill %s): 20 random box writes and reads "
           "(NULL writes \"\")", fill ? fill : "null");
    publish(a);
    zs_array_close(a);
    memset(got, 0, sizeof got);
    if (zs_array_open(mem, path, &b) == ZS_OK &&
        zs_array_read(b, zero, shape, got) == ZS_OK) {
        bad = 0;
        for (int i = 0; i < 77; i++) {
            bad += !got[i] || strcmp(got[i], ref[i]) != 0;
            zs_free(got[i]);
        }
        TAP_OK(bad == 0 && zs_array_dtype(b) == ZS_DT_STRING,
               "strings: reopened from .zarray, all 77 elements");
    } else {
        TAP_OK(0, "strings: reopen: %s", zs_ctx_message(ctx));
    }
    zs_array_close(b);
    for (int i = 0; i < 77; i++)
        free(ref[i]);
}

/* ------------------------------------------------------------------ */
/* skip_fill_chunks                                                    */
/* ------------------------------------------------------------------ */

static size_t nkeys(const char *prefix)
{
    zsi_strv v = {0};
    size_t n;
    zsi_store_list_all(mem, prefix, &v);
    n = v.n;
    for (size_t i = 0; i < v.n; i++)
        if (zsi_str_ends(v.v[i], ".zarray") ||
            zsi_str_ends(v.v[i], ".zattrs"))
            n--;
    zsi_strv_free(&v);
    return n;
}

static void t_skip_fill(void)
{
    uint64_t shape[2] = {10, 9}, chunks[2] = {5, 5}, zero[2] = {0, 0};
    uint64_t one[2] = {1, 1}, c00[2] = {5, 5}, edge[2] = {5, 5};
    int16_t fill = 3, buf[90], got[90];
    zs_array *a = simple("skip", ZS_DT_INT16, 2, shape, chunks, &fill);
    void *p;
    size_t n;
    int found;
    bool ok = true;
    if (!a) {
        TAP_OK(0, "skip array");
        return;
    }
    a->skip_fill_chunks = true;
    for (int i = 0; i < 90; i++)
        buf[i] = 3;
    TAP_OK(zs_array_write(a, zero, shape, buf) == ZS_OK && nkeys("skip/")
           == 0, "skip_fill_chunks: writing only the fill value stores "
           "no chunk (edge chunks included)");
    buf[0] = 4;
    TAP_OK(zs_array_write(a, zero, one, buf) == ZS_OK &&
           nkeys("skip/") == 1 &&
           zs_store_get(mem, "skip/0.0", &p, &n, &found) == ZS_OK && found,
           "a chunk with one other value is stored");
    if (found)
        zs_free(p);
    buf[0] = 3;
    TAP_OK(zs_array_write(a, zero, one, buf) == ZS_OK &&
           nkeys("skip/") == 0, "writing the fill value back over it "
           "(a partial-chunk write) erases the chunk");
    buf[0] = 7;
    zs_array_write(a, edge, one, buf);      /* chunk 1.1, an edge chunk */
    TAP_OK(nkeys("skip/") == 1 && zs_store_get(mem, "skip/1.1", &p, &n,
                                               &found) == ZS_OK && found,
           "an edge chunk with a value is stored");
    if (found)
        zs_free(p);
    for (int i = 0; i < 25; i++)
        buf[i] = 3;
    TAP_OK(zs_array_write(a, edge, (uint64_t[]){5, 4}, buf) == ZS_OK &&
           nkeys("skip/") == 0, "... and erased when all fill again");
    zs_array_read(a, zero, shape, got);
    for (int i = 0; i < 90; i++)
        ok = ok && got[i] == 3;
    TAP_OK(ok, "skip_fill_chunks: the array reads as all fill");
    a->skip_fill_chunks = false;
    zs_array_write(a, zero, c00, buf);
    TAP_OK(nkeys("skip/") == 1, "without skip_fill_chunks an all-fill "
           "chunk is stored");
    zs_array_close(a);
}

/* ------------------------------------------------------------------ */
/* The chunk cache                                                     */
/* ------------------------------------------------------------------ */

/* Read chunk (i, 0) of a 2-D array with chunk rows cr, all but its last
 * column: chunks read only in part are the ones worth caching (a chunk
 * read whole may go straight to the reader without the cache). */
static zs_status read_chunk_row(zs_array *a, uint64_t i, uint64_t cr,
                                void *out)
{
    uint64_t s[2] = {i * cr, 0}, k[2] = {cr, zs_array_shape(a)[1] - 1};
    return zs_array_read(a, s, k, out);
}

/* Chunks of 128 x 128 doubles: 131072 bytes, a power of two, so that
 * the decoded buffers are exactly that big and the budgets below hold a
 * known number of them. */
#define CR 128
#define CBYTES (CR * CR * 8)

/* The store's request count so far. */
static uint64_t requests(const zs_store *s)
{
    uint64_t r, b;
    zsi_store_stats(s, &r, &b);
    return r;
}

static void t_cache_counts(void)
{
    zs_ctx *c2;
    zs_store *s;
    zs_array *a;
    zsi_array_meta m;
    uint64_t req0, req1, zero[2] = {0, 0};
    double *all = malloc(10 * CBYTES), *buf = malloc(CBYTES);
    zs_ctx_new(&c2);
    zs_ctx_set_threads(c2, 4);
    zs_store_open(c2, "mem://cache", ZS_STORE_CREATE, &s);
    zsi_array_meta_init(&m);
    m.ndim = 2;
    m.shape[0] = 10 * CR;
    m.shape[1] = CR;
    m.chunks[0] = CR;
    m.chunks[1] = CR;
    m.dtype = ZS_DT_FLOAT64;
    m.itemsize = 8;
    for (int i = 0; i < 10 * CR * CR; i++)
        all[i] = i * 0.5;
    /* budget 0: every read goes to the store */
    zs_ctx_set_cache_bytes(c2, 0);
    zsi_array_create(s, "c", &m, NULL, &a);
    zs_array_write(a, zero, m.shape, all);
    req0 = requests(s);
    read_chunk_row(a, 3, CR, buf);
    read_chunk_row(a, 3, CR, buf);
    req1 = requests(s);
    TAP_OK(req1 - req0 == 2 && buf[0] == 3 * CR * CR * 0.5,
           "cache budget 0: two reads of a chunk are two store requests");
    zs_array_close(a);
    /* a large budget: the second pass costs nothing */
    zs_ctx_set_cache_bytes(c2, 64 << 20);
    zsi_array_create(s, "c", &m, NULL, &a);
    req0 = requests(s);
    zs_array_read(a, zero, (uint64_t[]){10 * CR, CR - 1}, all);
    req1 = requests(s);
    zs_array_read(a, zero, (uint64_t[]){10 * CR, CR - 1}, all);
    TAP_OK(req1 - req0 == 10 && requests(s) == req1 &&
           all[10 * CR * (CR - 1) - 1] == (10 * CR * CR - 2) * 0.5,
           "a large budget: the second read of (most of) all 10 chunks is "
           "served from the cache");
    /* writing a chunk drops it from the cache */
    buf[0] = -1;
    zs_array_write(a, (uint64_t[]){0, 0}, (uint64_t[]){1, 1}, buf);
    read_chunk_row(a, 0, CR, buf);
    TAP_OK(buf[0] == -1, "a write replaces the cached chunk");
    zs_array_close(a);
    /* room for 2.5 chunks: least recently used order */
    zs_ctx_set_cache_bytes(c2, CBYTES * 5 / 2);
    zsi_array_create(s, "c", &m, NULL, &a);
    for (int i = 0; i < 10; i++)
        read_chunk_row(a, (uint64_t)i, CR, buf);
    req0 = requests(s);
    for (int i = 0; i < 10; i++)
        read_chunk_row(a, (uint64_t)i, CR, buf);
    req1 = requests(s);
    read_chunk_row(a, 9, CR, buf);
    read_chunk_row(a, 8, CR, buf);
    TAP_OK(req1 - req0 == 10 && requests(s) == req1,
           "room for 2 chunks: a second sequential pass misses every "
           "chunk, the 2 most recent hit");
    read_chunk_row(a, 0, CR, buf);
    read_chunk_row(a, 8, CR, buf);
    req0 = requests(s);
    read_chunk_row(a, 9, CR, buf);
    TAP_OK(requests(s) == req0 + 1, "... and the least recently used "
           "one was evicted");
    zs_array_close(a);
    zsi_array_meta_free(&m);
    zs_store_close(s);
    zs_ctx_free(c2);
    free(all);
    free(buf);
}

#if defined(__SANITIZE_ADDRESS__)
#define ZS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZS_ASAN 1
#endif
#endif

#ifdef ZS_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();   /* one arena: see main() */
    return mi.uordblks + mi.hblkhd;
}
#endif

static void t_cache_budget(void)
{
    zs_ctx *c2;
    zs_store *s;
    zs_array *a;
    zsi_array_meta m;
    uint64_t zero[2] = {0, 0};
    size_t budget = 512 << 10, before, after, total = 1024 * 1024 * 8;
    double *all = malloc(total), *back = malloc(total);
    uint64_t req0;
    bool ok = true;
    zs_ctx_new(&c2);
    zs_ctx_set_threads(c2, 8);
    zs_ctx_set_cache_bytes(c2, budget);
    zs_store_open(c2, "mem://budget", ZS_STORE_CREATE, &s);
    zsi_array_meta_init(&m);
    m.ndim = 2;
    m.shape[0] = m.shape[1] = 1024;
    m.chunks[0] = m.chunks[1] = 128;     /* 64 chunks of 128 KiB */
    m.dtype = ZS_DT_FLOAT64;
    m.itemsize = 8;
    m.compressor = spec_of("zstd level=1");
    for (size_t i = 0; i < 1024 * 1024; i++)
        all[i] = (double)(rnd() % 1000);
    zsi_array_create(s, "big", &m, NULL, &a);
    zs_array_write(a, zero, m.shape, all);
    zs_array_close(a);
    zsi_array_create(s, "big", &m, NULL, &a);
    /* start the thread pool before measuring */
    zs_array_read(a, zero, (uint64_t[]){256, 256}, back);
    before = heap_in_use();
    req0 = requests(s);
    for (int pass = 0; pass < 3 && ok; pass++) {
        /* all but the last column: every chunk is read in part, so
         * every chunk is a candidate for the cache */
        uint64_t cnt[2] = {1024, 1023};
        memset(back, 0, total);
        ok = zs_array_read(a, zero, cnt, back) == ZS_OK;
        for (size_t r = 0; ok && r < 1024; r++)
            ok = memcmp(back + r * 1023, all + r * 1024, 1023 * 8) == 0;
    }
    after = heap_in_use();
    TAP_OK(ok, "budget %zu KiB, 8 threads: three reads of (most of) 64 "
           "chunks of 128 KiB are right", budget >> 10);
    TAP_OK(after <= before + budget + (256 << 10),
           "... and the cache keeps at most its budget: heap grew by %zu "
           "KiB (budget %zu KiB, data 8192 KiB)",
           after > before ? (after - before) >> 10 : 0, budget >> 10);
    TAP_OK(requests(s) - req0 >= 3 * 64 - 4,
           "... so nearly every chunk is read from the store each time "
           "(%llu requests)", (unsigned long long)(requests(s) - req0));
    {
        /* many small reads from the same cache with many threads */
        int bad = 0;
        for (int it = 0; it < 60; it++) {
            uint64_t st[2], k[2];
            rnd_box(2, m.shape, st, k);
            if (!read_matches(a, (uint8_t *)all, st, k))
                bad++;
        }
        TAP_OK(bad == 0, "60 random box reads through a small cache");
    }
    zs_array_close(a);
    zsi_array_meta_free(&m);
    zs_store_close(s);
    zs_ctx_free(c2);
    free(all);
    free(back);
}

/* A read-only store refuses array writes. */
static void t_readonly(void)
{
    char tmpl[] = "/tmp/zstest-array.XXXXXX";
    char *dir = mkdtemp(tmpl), *path;
    zs_store *s = NULL;
    zs_array *a = NULL;
    int32_t v = 1;
    uint64_t zero[1] = {0}, one[1] = {1};
    if (!dir) {
        TAP_SKIP("no temporary directory");
        return;
    }
    path = zsi_path_join(dir, "ro.zarr");
    if (zs_store_open(ctx, path, ZS_STORE_CREATE, &s) == ZS_OK) {
        zsi_array_meta m;
        zsi_array_meta_init(&m);
        m.ndim = 1;
        m.shape[0] = 4;
        m.chunks[0] = 2;
        m.dtype = ZS_DT_INT32;
        m.itemsize = 4;
        zsi_array_create(s, "", &m, NULL, &a);
        publish(a);
        zs_array_close(a);
        zsi_array_meta_free(&m);
        zs_store_close(s);
    }
    a = NULL;
    s = NULL;
    TAP_OK(zs_store_open(ctx, path, ZS_STORE_READ, &s) == ZS_OK &&
           zs_array_open(s, "", &a) == ZS_OK &&
           zs_array_write(a, zero, one, &v) == ZS_ERR_READONLY,
           "writing an array of a read-only store is ZS_ERR_READONLY");
    zs_array_close(a);
    zs_store_close(s);
    {
        char *cmd = zsi_asprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            TAP_DIAG("could not remove %s", dir);
        free(cmd);
    }
    free(path);
}

/* ------------------------------------------------------------------ */
/* Chunk keys and the n-d helpers against the reference                */
/* ------------------------------------------------------------------ */

static void t_keys(void)
{
    zsi_array_meta m;
    zs_array *a;
    zsi_buf k = ZSI_BUF_INIT;
    uint64_t cidx[3] = {1, 20, 3};
    zsi_array_meta_init(&m);
    m.ndim = 3;
    m.shape[0] = m.shape[1] = m.shape[2] = 100;
    m.chunks[0] = m.chunks[1] = m.chunks[2] = 4;
    m.dtype = ZS_DT_UINT8;
    m.itemsize = 1;
    zsi_array_create(mem, "g/k", &m, NULL, &a);
    zsi_array_chunk_key(a, cidx, &k);
    TAP_OK(strcmp((char *)k.data, "g/k/1.20.3") == 0,
           "chunk key \"g/k/1.20.3\"");
    a->meta.sep = '/';
    zsi_array_chunk_key(a, cidx, &k);
    TAP_OK(strcmp((char *)k.data, "g/k/1/20/3") == 0,
           "chunk key with separator \"/\"");
    a->meta.zarr_format = 3;
    a->meta.v3_default_keys = true;
    zsi_array_chunk_key(a, cidx, &k);
    TAP_OK(strcmp((char *)k.data, "g/k/c/1/20/3") == 0,
           "v3 default chunk key \"c/1/20/3\"");
    TAP_OK(a->nchunks == 25 * 25 * 25 &&
           zsi_array_ravel(a, cidx) == (1 * 25 + 20) * 25 + 3,
           "grid and ravel");
    {
        uint64_t back[3], s[3], c[3];
        zsi_array_unravel(a, zsi_array_ravel(a, cidx), back);
        zsi_array_chunk_extent(a, (uint64_t[]){24, 0, 1}, s, c);
        TAP_OK(memcmp(back, cidx, 24) == 0 && s[0] == 96 && c[0] == 4 &&
               s[2] == 4 && c[2] == 4, "unravel and chunk extents");
    }
    zs_array_close(a);
    zsi_array_meta_free(&m);
    zsi_buf_free(&k);
}

static void t_nd(void)
{
    int bad_copy = 0, bad_fill = 0, bad_t = 0;
    for (int it = 0; it < 400; it++) {
        int nd = 1 + (int)(rnd() % 4);
        size_t w = (size_t)1 << (rnd() % 4);
        uint64_t ss[4], ds[4], so[4], dof[4], cnt[4], sn, dn;
        uint8_t *src, *dst, *ref, item[8];
        for (int d = 0; d < nd; d++) {
            cnt[d] = rnd() % 5 + (it % 7 == 0 ? 0 : 1);
            ss[d] = cnt[d] + rnd() % 4;
            ds[d] = cnt[d] + rnd() % 4;
            so[d] = ss[d] - cnt[d] ? rnd() % (ss[d] - cnt[d] + 1) : 0;
            dof[d] = ds[d] - cnt[d] ? rnd() % (ds[d] - cnt[d] + 1) : 0;
            if (ss[d] == 0) ss[d] = 1;
            if (ds[d] == 0) ds[d] = 1;
        }
        sn = prod(ss, nd);
        dn = prod(ds, nd);
        src = malloc((size_t)sn * w);
        dst = malloc((size_t)dn * w);
        ref = malloc((size_t)dn * w);
        rnd_values(ZS_DT_UINT8, src, (size_t)sn, w);
        rnd_values(ZS_DT_UINT8, dst, (size_t)dn, w);
        memcpy(ref, dst, (size_t)dn * w);
        zsi_nd_copy(nd, w, src, ss, so, dst, ds, dof, cnt);
        ref_copy(nd, w, src, ss, so, ref, ds, dof, cnt);
        bad_copy += memcmp(dst, ref, (size_t)dn * w) != 0;
        rnd_values(ZS_DT_UINT8, item, 1, w);
        if (it % 3 == 0)
            memset(item, 0, w);
        zsi_nd_fill(nd, w, dst, ds, dof, cnt, item);
        {
            uint64_t n = prod(cnt, nd), idx[4];
            for (uint64_t k = 0; k < n; k++) {
                unravel(nd, cnt, k, idx);
                memcpy(ref + lin(nd, ds, dof, idx) * w, item, w);
            }
        }
        bad_fill += memcmp(dst, ref, (size_t)dn * w) != 0;
        /* F -> C -> F */
        {
            uint8_t *c = malloc((size_t)sn * w), *f2 = malloc((size_t)sn * w);
            uint64_t idx[4];
            zsi_nd_f_to_c(nd, w, src, ss, c);
            for (uint64_t k = 0; k < sn; k++) {
                uint64_t f = 0, stride = 1;
                unravel(nd, ss, k, idx);
                for (int d = 0; d < nd; d++) {
                    f += idx[d] * stride;
                    stride *= ss[d];
                }
                if (memcmp(c + k * w, src + f * w, w))
                    bad_t++;
            }
            zsi_nd_c_to_f(nd, w, c, ss, f2);
            bad_t += memcmp(f2, src, (size_t)sn * w) != 0;
            free(c);
            free(f2);
        }
        free(src);
        free(dst);
        free(ref);
    }
    TAP_OK(bad_copy == 0, "zsi_nd_copy agrees with an element-by-element "
           "copy on 400 random boxes");
    TAP_OK(bad_fill == 0, "zsi_nd_fill agrees with the reference");
    TAP_OK(bad_t == 0, "zsi_nd_f_to_c / zsi_nd_c_to_f transpose and "
           "invert");
}

/* zs_array_codecs() of an array without codecs is "none", as
 * zs_var_codecs (it was once NULL). */
static void t_codecs_none(void)
{
    uint64_t shape[1] = {4}, chunks[1] = {2};
    zs_array *a = simple("nocodec", ZS_DT_INT32, 1, shape, chunks, NULL);
    const char *d = a ? zs_array_codecs(a) : NULL;
    TAP_OK(d && strcmp(d, "none") == 0, "zs_array_codecs of an array "
           "without codecs is \"none\" (got %s)", d ? d : "NULL");
    zs_array_close(a);
}

/* zs_ctx_set_cache_bytes() reaches arrays already open (it once reached
 * only arrays opened afterwards, so setting 0 did not disable the
 * cache). */
static void t_late_budget(void)
{
    zs_ctx *c2;
    zs_store *s;
    zs_array *a;
    zsi_array_meta m;
    double *buf = malloc(CBYTES);
    uint64_t req0, zero[2] = {0, 0};
    zs_ctx_new(&c2);
    zs_store_open(c2, "mem://late", ZS_STORE_CREATE, &s);
    zsi_array_meta_init(&m);
    m.ndim = 2;
    m.shape[0] = m.shape[1] = CR;
    m.chunks[0] = m.chunks[1] = CR;
    m.dtype = ZS_DT_FLOAT64;
    m.itemsize = 8;
    zsi_array_create(s, "c", &m, NULL, &a);
    memset(buf, 0, CBYTES);
    zs_array_write(a, zero, m.shape, buf);
    read_chunk_row(a, 0, CR, buf);          /* cached (256 MiB budget) */
    zs_ctx_set_cache_bytes(c2, 0);          /* disable the cache */
    req0 = requests(s);
    read_chunk_row(a, 0, CR, buf);
    read_chunk_row(a, 0, CR, buf);
    TAP_OK(requests(s) - req0 == 2, "after zs_ctx_set_cache_bytes(0), "
           "reads of an open array go to the store (%llu of 2 did)",
           (unsigned long long)(requests(s) - req0));
    zs_array_close(a);
    zsi_array_meta_free(&m);
    zs_store_close(s);
    zs_ctx_free(c2);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* zsi_blocks: random plans, both kinds                                */
/* ------------------------------------------------------------------ */

/* Walk the boxes of one plan: every element exactly once; C-order boxes
 * in order; aligned boxes made of whole units; no box over the budget
 * unless one unit (C order: one run of the last dimension's element) is
 * larger. */
static int walk_blocks(const zsi_blocks *b, size_t w, size_t budget,
                       uint8_t *seen, uint64_t total, const char **why)
{
    uint64_t next = 0, maxe = zsi_blocks_max_elems(b), unit_bytes = w;
    int nd = b->ndim;
    for (int d = 0; d < nd; d++)
        unit_bytes *= b->unit[d] < b->shape[d] ? b->unit[d] : b->shape[d];
    memset(seen, 0, (size_t)total);
    for (uint64_t i = 0; i < b->n; i++) {
        uint64_t s[8], c[8], n = 1, idx[8] = {0}, minimal = w;
        zsi_blocks_box(b, i, s, c);
        for (int d = 0; d < nd; d++) {
            n *= c[d];
            if (!b->c_order && (s[d] % b->unit[d] ||
                                (c[d] % b->unit[d] &&
                                 s[d] + c[d] != b->shape[d])))
                return *why = "a box not made of whole units", 1;
            if (c[d] == 0 || s[d] + c[d] > b->shape[d])
                return *why = "a box outside the shape", 1;
            /* the smallest box the plan could have made here */
            if (d > b->k)
                minimal *= c[d];
            else if (!b->c_order || d == b->k)
                minimal *= c[d] < b->unit[d] ? c[d] : b->unit[d];
        }
        if (n > maxe)
            return *why = "a box larger than max_elems", 1;
        if (n * w > budget && n * w > minimal)
            return *why = "a box over the budget", 1;
        for (uint64_t e = 0; e < n; e++) {
            uint64_t lin = 0;
            for (int d = 0; d < nd; d++)
                lin = lin * b->shape[d] + s[d] + idx[d];
            if (b->c_order && lin != next++)
                return *why = "C-order boxes out of order", 1;
            if (seen[lin]++)
                return *why = "an element covered twice", 1;
            for (int d = nd - 1; d >= 0; d--) {
                if (++idx[d] < c[d])
                    break;
                idx[d] = 0;
            }
        }
    }
    for (uint64_t e = 0; e < total; e++)
        if (!seen[e])
            return *why = "an element not covered", 1;
    (void)unit_bytes;
    return 0;
}

static void t_blocks(void)
{
    int bad = 0, tested = 0;
    const char *why = "";
    uint8_t *seen = malloc(40 * 40 * 40 * 40);
    for (int it = 0; it < 4000 && seen; it++) {
        int nd = 1 + (int)(rnd() % 4);
        uint64_t shape[4], unit[4], total = 1;
        size_t w = (size_t)1 << (rnd() % 4);
        size_t budget = rnd() % 3 == 0 ? 1 + rnd() % 64
                                       : 1 + rnd() % (1 << 16);
        unsigned flags = it % 2 ? ZSI_BLOCKS_C_ORDER : 0;
        zsi_blocks b;
        for (int d = 0; d < nd; d++) {
            shape[d] = rnd() % 9 == 0 ? 0 : 1 + rnd() % 40;
            unit[d] = 1 + rnd() % 50;
            total *= shape[d];
        }
        if (!zsi_blocks_plan(&b, nd, shape, unit, w, budget, flags)) {
            bad++;
            why = "plan failed";
            continue;
        }
        if (total == 0) {
            if (b.n)
                bad++, why = "boxes for an empty shape";
            continue;
        }
        if (walk_blocks(&b, w, budget, seen, total, &why) && bad++ < 3)
            TAP_DIAG("%s (nd %d, w %zu, budget %zu, %s)", why, nd, w,
                     budget, flags ? "C order" : "aligned");
        tested++;
    }
    free(seen);
    TAP_OK(bad == 0, "zsi_blocks: %d random plans cover their shape "
           "exactly once, within budget, aligned or in C order (%d bad)",
           tested, bad);
    {
        zsi_blocks b;
        uint64_t s[1], c[1];
        uint64_t big[2] = {(uint64_t)1 << 62, (uint64_t)1 << 62};
        uint64_t one[2] = {1, 1}, sh[1] = {10}, un[1] = {4};
        zsi_blocks_plan(&b, 0, NULL, NULL, 8, 100, 0);
        TAP_OK(b.n == 1, "a 0-d shape is one box");
        TAP_OK(!zsi_blocks_plan(&b, 2, big, one, 1, 1, 0),
               "a box count that overflows is refused");
        zsi_blocks_plan(&b, 1, sh, un, 1, 8, 0);
        zsi_blocks_box(&b, b.n - 1, s, c);
        TAP_OK(b.n == 2 && s[0] == 8 && c[0] == 2,
               "aligned: whole units of 4 in a budget of 8, a short last "
               "box (%llu boxes, last %llu+%llu)", (unsigned long long)b.n,
               (unsigned long long)s[0], (unsigned long long)c[0]);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
#ifndef ZS_ASAN
    mallopt(M_ARENA_MAX, 1);   /* so that mallinfo2 sees every thread */
#endif
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    zs_ctx_set_threads(ctx, 4);
    if (zs_store_open(ctx, "mem://arrays", ZS_STORE_CREATE, &mem) != ZS_OK)
        return 99;
    {
        for (size_t i = 0; i < NCASES; i++)
            t_case(&cases[i]);
        t_big_endian_bytes();
        t_scalar();
        t_zero_length();
        t_out_of_range();
        t_blocks();
        t_fortran();
        t_strings("s-null", NULL);
        t_strings("s-fill", "NA \xc3\xa9");
        t_skip_fill();
        t_cache_counts();
        t_cache_budget();
        t_readonly();
        t_keys();
        t_nd();
        t_codecs_none();
        t_late_budget();
        t_missing_bound();
    }
    zs_store_close(mem);
    zs_ctx_free(ctx);
    return TAP_DONE();
}
