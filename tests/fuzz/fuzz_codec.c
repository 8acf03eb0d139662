/*
 * fuzz_codec.c - codec frames from arbitrary bytes.  The first byte
 * (modulo the number of configurations) picks a configuration: one
 * codec or a chain (filters, array->bytes, bytes->bytes) with an element
 * type and chunk shape, or a Zarr v3 sharded array whose shard is the
 * input; the rest is the frame.
 *
 * Checks: a decode that succeeds gives exactly the chunk size; decoded
 * strings stay inside their buffer; for lossless chains, encoding the
 * decoded bytes and decoding again gives the same bytes; a range decoded
 * in part (blosc, no codec) equals the whole decode's.  A sharded read
 * that succeeds gives the elements of the inner chunks or the fill.
 */
#include "config.h"

#include "array/array_impl.h"
#include "codec_test.h"
#include "fuzz.h"

static zs_ctx *ctx;

typedef struct config {
    zs_dtype t;
    int ndim;
    uint64_t shape[3];
    const char *spec;     /* chain, " | " between codecs */
    bool lossy;           /* decode(encode(x)) may differ from x */
} config;

static const config configs[] = {
    {ZS_DT_INT16, 1, {150}, "blosc cname=lz4 clevel=5 shuffle=1", false},
    {ZS_DT_INT32, 1, {64}, "blosc cname=zstd clevel=3 shuffle=2", false},
    {ZS_DT_INT64, 1, {33}, "blosc cname=blosclz clevel=9 shuffle=0 "
                           "blocksize=128", false},
    {ZS_DT_FLOAT32, 1, {100}, "blosc cname=zlib clevel=1 shuffle=1", false},
    {ZS_DT_INT16, 1, {150}, "zstd level=3", false},
    {ZS_DT_UINT8, 1, {1000}, "zstd level=1 checksum=true", false},
    {ZS_DT_INT16, 1, {150}, "lz4", false},
    {ZS_DT_FLOAT64, 1, {20}, "zlib level=6", false},
    {ZS_DT_INT16, 1, {150}, "gzip level=5", false},
    {ZS_DT_INT32, 1, {10}, "crc32c", false},
    {ZS_DT_STRING, 1, {8}, "vlen-utf8", false},
    {ZS_DT_STRING, 1, {8}, "vlen-bytes", false},
    {ZS_DT_STRING, 1, {5}, "vlen-utf8 | zstd level=1", false},
    {ZS_DT_INT16, 1, {100}, "delta dtype=<i2 astype=<i4 | zlib level=1",
     false},
    {ZS_DT_FLOAT32, 1, {50}, "fixedscaleoffset scale=10 offset=0 "
                             "dtype=<f4 astype=<i2 | lz4", true},
    {ZS_DT_INT32, 1, {64}, "shuffle elementsize=4 | zstd level=1", false},
    {ZS_DT_INT32, 1, {16}, "bytes endian=big | crc32c | gzip level=1",
     false},
    {ZS_DT_INT16, 2, {6, 7}, "transpose order=[1,0] | bytes endian=little "
                             "| zstd level=1", false},
    {ZS_DT_FLOAT64, 1, {30}, "bitround keepbits=10 | blosc cname=lz4 "
                             "clevel=1 shuffle=1", true},
    {ZS_DT_FLOAT16, 3, {2, 3, 4}, "bytes endian=big | zstd level=2", false},
    {ZS_DT_INT16, 1, {100}, "blosc cname=lz4 clevel=5 shuffle=1 "
                            "blocksize=16", false},
    {ZS_DT_FLOAT64, 1, {40}, "delta dtype=<f8 | blosc cname=zstd clevel=1 "
                             "shuffle=1", false},
    {ZS_DT_UINT16, 1, {77}, "delta dtype=>u2 | crc32c | zlib level=9",
     false},
    {ZS_DT_INT8, 1, {256}, "fixedscaleoffset scale=1 offset=3 dtype=|i1 "
                           "astype=|u1 | zstd level=1", false},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

/* Sharded v3 arrays read from one shard: index at the end or start,
 * with and without crc32c, inner codecs with and without zstd. */
static const char *const shards[] = {
    "[{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}}]",
    "[{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}}, "
    "{\"name\": \"crc32c\"}]",
};
static const char *const inner[] = {
    "[{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}}]",
    "[{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}}, "
    "{\"name\": \"zstd\", \"configuration\": {\"level\": 1}}]",
};
#define NSHARD 8   /* index codecs x inner codecs x location */

static zsi_chain chains[NCONFIGS];
static zsi_codec_info infos[NCONFIGS];
static zs_array *sharded[NSHARD];
static zs_store *mem;

static char *shard_meta(int k)
{
    return zsi_asprintf(
        "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [6, 8],"
        " \"data_type\": \"int16\", \"chunk_grid\": {\"name\": "
        "\"regular\", \"configuration\": {\"chunk_shape\": [4, 8]}}, "
        "\"chunk_key_encoding\": {\"name\": \"default\"}, \"fill_value\": "
        "-5, \"codecs\": [{\"name\": \"sharding_indexed\", "
        "\"configuration\": {\"chunk_shape\": [2, 4], \"codecs\": %s, "
        "\"index_codecs\": %s, \"index_location\": \"%s\"}}]}",
        inner[(k >> 1) & 1], shards[k & 1], k & 4 ? "start" : "end");
}

static void setup(void)
{
    if (zs_ctx_new(&ctx) != ZS_OK)
        abort();
    zs_ctx_set_threads(ctx, 1);
    zs_ctx_set_cache_bytes(ctx, 0);   /* no state between inputs */
    if (zs_store_open(ctx, "mem://fuzz", ZS_STORE_CREATE, &mem) != ZS_OK)
        abort();
    for (size_t i = 0; i < NCONFIGS; i++) {
        infos[i] = ct_info_nd(configs[i].t, configs[i].ndim,
                              configs[i].shape);
        if (ct_chain(ctx, &chains[i], configs[i].spec, &infos[i]) != ZS_OK)
            FUZZ_FAIL("config %zu: %s", i, zs_ctx_message(ctx));
    }
    for (int k = 0; k < NSHARD; k++) {
        char *text = shard_meta(k);
        zsi_meta_doc *d = NULL;
        zsi_array_meta m;
        if (zsi_meta_doc_parse(ctx, "shard", text, strlen(text), &d) !=
            ZS_OK || zsi_meta_v3_array(ctx, "shard", d, NULL, &m) != ZS_OK)
            FUZZ_FAIL("shard config %d: %s", k, zs_ctx_message(ctx));
        if (zsi_array_from_meta(mem, "", &m, &sharded[k]) != ZS_OK)
            FUZZ_FAIL("shard array %d: %s", k, zs_ctx_message(ctx));
        zsi_array_meta_free(&m);
        zsi_meta_doc_free(d);
        free(text);
    }
}

/* Decoded vlen strings must stay inside the buffer. */
static void check_vlen(const zsi_buf *b, uint64_t count)
{
    if (b->len < count * 8)
        FUZZ_FAIL("vlen: %zu bytes for %llu offsets", b->len,
                  (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off;
        memcpy(&off, b->data + i * 8, 8);
        if (off < count * 8 || off >= b->len ||
            !memchr(b->data + off, 0, b->len - off))
            FUZZ_FAIL("vlen: string %llu outside the buffer",
                      (unsigned long long)i);
    }
}

/* The same range read by range, as zarr's folder reads do: the head the
 * frame asks for, then its span, copied into a buffer of exactly their
 * size (a read beyond is the sanitizer's to see), decoded: equal to the
 * whole decode's bytes where both succeed. */
static void check_span(size_t k, const uint8_t *frame, size_t n,
                       size_t expect, size_t off, size_t len,
                       const zsi_buf *whole, zs_status wst, uint8_t *dst)
{
    zsi_span sp;
    uint8_t *f;
    if (!zsi_chain_part_span(&chains[k], frame, n < 16 ? n : 16, expect, off,
                             len, &sp) ||
        sp.head > n ||
        !zsi_chain_part_span(&chains[k], frame, sp.head, expect, off, len,
                             &sp) ||
        sp.head > n || sp.off > n || sp.len > n - sp.off)
        return;
    if (!(f = malloc(sp.head + (size_t)sp.len)))
        return;
    memcpy(f, frame, sp.head);
    memcpy(f + sp.head, frame + sp.off, (size_t)sp.len);
    if (zsi_chain_decode_span(&chains[k], ctx, f, &sp, expect, off, len,
                              dst) == ZS_OK &&
        wst == ZS_OK && memcmp(dst, whole->data + off, len) != 0)
        FUZZ_FAIL("%s: bytes read by range differ from the whole",
                  configs[k].spec);
    free(f);
}

static void run_chain(size_t k, const uint8_t *frame, size_t n)
{
    const config *c = &configs[k];
    zsi_buf out = ZSI_BUF_INIT, enc = ZSI_BUF_INIT, again = ZSI_BUF_INIT;
    uint64_t count = 1;
    size_t expect;
    bool vlen = c->t == ZS_DT_STRING;
    zs_status st;
    for (int d = 0; d < c->ndim; d++)
        count *= c->shape[d];
    expect = vlen ? 0 : (size_t)count * zsi_dtype_size(c->t);
    st = zsi_chain_decode(&chains[k], ctx, frame, n, &out, expect);
    if (!vlen && expect) {
        /* a range decoded in part: never outside the frame, and equal
         * to the whole decode's bytes where that succeeds */
        size_t w = zsi_dtype_size(c->t), a = (size_t)(n % count);
        size_t b = a + (size_t)((n / 3) % (count - a + 1));
        uint8_t *part = malloc((b - a) * w + 1);
        zs_status pst = ZS_OK;
        if (part &&
            zsi_chain_decode_part(&chains[k], ctx, frame, n, expect, a * w,
                                  (b - a) * w, part, &pst) &&
            pst == ZS_OK && st == ZS_OK &&
            memcmp(part, out.data + a * w, (b - a) * w) != 0)
            FUZZ_FAIL("%s: bytes decoded in part differ from the whole",
                      c->spec);
        if (part && b > a)
            check_span(k, frame, n, expect, a * w, (b - a) * w, &out, st,
                       part);
        free(part);
    }
    if (st == ZS_OK) {
        size_t len;
        if (expect && out.len != expect)
            FUZZ_FAIL("%s: decoded %zu bytes, expected %zu", c->spec,
                      out.len, expect);
        if (vlen)
            check_vlen(&out, count);
        len = vlen ? 0 : out.len;
        if (vlen) {
            /* the encoder takes the layout up to the last string's NUL */
            uint64_t end = count * 8;
            for (uint64_t i = 0; i < count; i++) {
                uint64_t off;
                memcpy(&off, out.data + i * 8, 8);
                off += strlen((char *)out.data + off) + 1;
                if (off > end)
                    end = off;
            }
            len = (size_t)end;
        }
        st = zsi_chain_encode(&chains[k], ctx, out.data, len, &enc);
        if (st == ZS_OK && !c->lossy) {
            st = zsi_chain_decode(&chains[k], ctx, enc.data, enc.len, &again,
                                  expect);
            if (st != ZS_OK)
                FUZZ_FAIL("%s: re-encoded frame does not decode: %s",
                          c->spec, zs_ctx_message(ctx));
            if (!vlen && (again.len != out.len ||
                          memcmp(again.data, out.data, out.len)))
                FUZZ_FAIL("%s: decode(encode(x)) != x", c->spec);
            if (vlen)
                for (uint64_t i = 0; i < count; i++)
                    if (strcmp(zsi_vlen_get(again.data, (size_t)i),
                               zsi_vlen_get(out.data, (size_t)i)))
                        FUZZ_FAIL("%s: string %llu changed", c->spec,
                                  (unsigned long long)i);
        }
    }
    zsi_buf_free(&out);
    zsi_buf_free(&enc);
    zsi_buf_free(&again);
}

static void run_shard(int k, const uint8_t *frame, size_t n)
{
    int16_t buf[6 * 8];
    uint64_t start[2] = {0, 0}, count[2] = {6, 8};
    zs_store_set(mem, "c/0/0", frame, n);
    zs_store_set(mem, "c/1/0", frame, n / 2);
    if (zs_array_read(sharded[k], start, count, buf) == ZS_OK) {
        /* nothing to compare with: the read must only be complete */
    }
    zs_store_erase(mem, "c/0/0");
    zs_store_erase(mem, "c/1/0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        setup();
    if (size < 1 || size > (4 << 20))
        return 0;
    {
        size_t sel = data[0] % (NCONFIGS + NSHARD);
        if (sel < NCONFIGS)
            run_chain(sel, data + 1, size - 1);
        else
            run_shard((int)(sel - NCONFIGS), data + 1, size - 1);
    }
    return 0;
}

#ifndef ZS_LIBFUZZER
/* Seeds: a valid frame for every configuration (the first byte picks the
 * configuration), and valid shards. */
static int write_file(const char *dir, const char *name, uint8_t sel,
                      const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "wb")))
        return -1;
    fputc(sel, f);
    fwrite(p, 1, n, f);
    return fclose(f) == 0 ? 0 : -1;
}

int zs_fuzz_seeds(const char *dir)
{
    int n = 0;
    setup();
    for (size_t k = 0; k < NCONFIGS; k++) {
        const config *c = &configs[k];
        zsi_buf raw = ZSI_BUF_INIT, enc = ZSI_BUF_INIT;
        uint64_t count = 1;
        char name[64];
        for (int d = 0; d < c->ndim; d++)
            count *= c->shape[d];
        if (c->t == ZS_DT_STRING) {
            const char *v[8] = {"", "a", "\xc3\xa9t\xc3\xa9", "zarr",
                                "longer string here", "x", "yy", "zzz"};
            zsi_vlen_build(&raw, v, (size_t)count);
        } else {
            zsi_buf_resize(&raw, (size_t)count * zsi_dtype_size(c->t));
            ct_fill(c->t, raw.data, (size_t)count);
        }
        if (zsi_chain_encode(&chains[k], ctx, raw.data, raw.len, &enc) !=
            ZS_OK)
            return -1;
        snprintf(name, sizeof name, "seed-%02zu", k);
        if (write_file(dir, name, (uint8_t)k, enc.data, enc.len) != 0)
            return -1;
        n++;
        zsi_buf_free(&raw);
        zsi_buf_free(&enc);
    }
    for (int k = 0; k < NSHARD; k++) {
        /* a shard of 2 x 2 inner chunks of 2 x 4 int16, one missing */
        zs_array *a = sharded[k];
        zsi_buf shard = ZSI_BUF_INIT, idx = ZSI_BUF_INIT, enc = ZSI_BUF_INIT;
        zsi_buf full = ZSI_BUF_INIT;
        char name[64];
        size_t ibytes = 64 + ((k & 1) ? 4 : 0);   /* crc32c adds 4 */
        zsi_buf_resize(&idx, 64);
        for (int i = 0; i < 4; i++) {
            int16_t v[8];
            uint64_t off = (k & 4 ? ibytes : 0) + shard.len, len;
            for (int j = 0; j < 8; j++)
                v[j] = (int16_t)(100 * i + j);
            if (i == 2) {
                off = len = UINT64_MAX;
            } else {
                enc.len = 0;
                if (zsi_chain_encode(&a->chain, ctx, (uint8_t *)v, 16,
                                     &enc) != ZS_OK)
                    return -1;
                zsi_buf_append(&shard, enc.data, enc.len);
                len = enc.len;
            }
            memcpy(idx.data + 16 * i, &off, 8);
            memcpy(idx.data + 16 * i + 8, &len, 8);
        }
        {
            /* the index: 2 x 2 x (offset, length) uint64 */
            uint64_t ishape[3] = {2, 2, 2};
            zsi_codec_info ii = ct_info_nd(ZS_DT_UINT64, 3, ishape);
            zsi_chain ich;
            enc.len = 0;
            if (ct_chain(ctx, &ich, k & 1 ? "bytes endian=little | crc32c"
                                          : "bytes endian=little",
                         &ii) != ZS_OK ||
                zsi_chain_encode(&ich, ctx, idx.data, 64, &enc) != ZS_OK)
                return -1;
            zsi_chain_free(&ich);
        }
        if (k & 4) {
            zsi_buf_append(&full, enc.data, enc.len);
            zsi_buf_append(&full, shard.data, shard.len);
        } else {
            zsi_buf_append(&full, shard.data, shard.len);
            zsi_buf_append(&full, enc.data, enc.len);
        }
        snprintf(name, sizeof name, "shard-%d", k);
        if (write_file(dir, name, (uint8_t)(NCONFIGS + (size_t)k),
                       full.data, full.len))
            return -1;
        n++;
        zsi_buf_free(&shard);
        zsi_buf_free(&idx);
        zsi_buf_free(&enc);
        zsi_buf_free(&full);
    }
    return n;
}
#endif
