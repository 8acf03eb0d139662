/*
 * test_codec_robust.c - codecs facing bad input: frames truncated at
 * every length, every single bit flipped, random bytes, headers that
 * claim huge sizes; frames made of several members; and encode/decode on
 * one shared instance from several threads.  Run it under the sanitizer
 * build (--enable-sanitizers) to catch out-of-bounds reads.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"
#include "codec_test.h"
#include "tap.h"

static zs_ctx *ctx;

/* Codecs whose frames are checked, with a type they accept. */
static const struct { zs_dtype t; const char *spec; } frames[] = {
    {ZS_DT_INT16, "blosc cname=lz4 clevel=5 shuffle=1"},
    {ZS_DT_INT16, "blosc cname=zstd clevel=5 shuffle=2"},
    {ZS_DT_INT32, "blosc cname=blosclz clevel=9 shuffle=1 blocksize=128"},
    {ZS_DT_INT16, "blosc cname=zlib clevel=1 shuffle=0"},
    {ZS_DT_INT16, "blosc cname=lz4 clevel=0"},
    {ZS_DT_INT16, "zstd level=3"},
    {ZS_DT_INT16, "zstd level=1 checksum=true"},
    {ZS_DT_INT16, "lz4"},
    {ZS_DT_INT16, "zlib level=6"},
    {ZS_DT_INT16, "gzip level=6"},
    {ZS_DT_INT16, "crc32c"},
    {ZS_DT_INT16, "bz2 level=1"},
    {ZS_DT_INT16, "crc32"},
    {ZS_DT_INT16, "adler32 location=end"},
    {ZS_DT_INT16, "fletcher32"},
    {ZS_DT_STRING, "vlen-utf8"},
    {ZS_DT_STRING, "vlen-bytes"},
    {ZS_DT_INT16, "delta dtype=<i2 astype=<i4"},
    {ZS_DT_FLOAT32, "fixedscaleoffset scale=10 offset=0 dtype=<f4 "
                    "astype=<i2"},
    {ZS_DT_INT32, "shuffle elementsize=4"},
    {ZS_DT_INT32, "bytes endian=big"},
    {ZS_DT_FLOAT64, "bitround keepbits=10"},
};
#define NFRAMES (sizeof frames / sizeof frames[0])

/* Codecs that carry a checksum over the whole frame, or whose format
 * admits no other valid frame of the same length: a single flipped bit
 * must never come back as success with different data. */
static bool checked(const char *spec)
{
    static const char *const sums[] = {"crc32", "adler32", "fletcher32",
                                       "bz2", "zlib"};
    for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++)
        if (strncmp(spec, sums[i], strlen(sums[i])) == 0)
            return true;
    return strstr(spec, "checksum=true") != NULL;
}

typedef struct sample {
    zsi_chain ch;
    zsi_buf raw, enc;
    zsi_codec_info info;
} sample;

/* The decoded data for a frame: 150 int16-ish values or 40 strings. */
static bool make_sample(size_t k, size_t count, sample *s)
{
    size_t w = zsi_dtype_size(frames[k].t);
    zsi_buf_init(&s->raw);
    zsi_buf_init(&s->enc);
    s->info = ct_info(frames[k].t, count);
    if (frames[k].t == ZS_DT_STRING) {
        const char *v[200];
        char text[200][16];
        if (count > 200)
            return false;
        for (size_t i = 0; i < count; i++) {
            snprintf(text[i], sizeof text[i], "s%zu\xc3\xa9%zu", i, i * i);
            v[i] = text[i];
        }
        if (!zsi_vlen_build(&s->raw, v, count))
            return false;
    } else {
        if (!zsi_buf_resize(&s->raw, count * w))
            return false;
        ct_fill(frames[k].t, s->raw.data, count);
    }
    return ct_chain(ctx, &s->ch, frames[k].spec, &s->info) == ZS_OK &&
           zsi_chain_encode(&s->ch, ctx, s->raw.data, s->raw.len,
                            &s->enc) == ZS_OK;
}

static void free_sample(sample *s)
{
    zsi_chain_free(&s->ch);
    zsi_buf_free(&s->raw);
    zsi_buf_free(&s->enc);
}

static bool is_filter(const char *spec)
{
    static const char *const f[] = {"delta", "fixedscaleoffset", "shuffle",
                                    "bytes", "bitround"};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strncmp(spec, f[i], strlen(f[i])) == 0)
            return true;
    return false;
}

/* Decode a copy of exactly len bytes (so that ASan sees any read past
 * the end); returns the status and checks what a success gives. */
static zs_status try_decode(sample *s, const uint8_t *p, size_t len,
                            size_t expect, bool *sane)
{
    uint8_t *copy = malloc(len ? len : 1);
    zsi_buf out = ZSI_BUF_INIT;
    zs_status st;
    if (len)
        memcpy(copy, p, len);
    st = zsi_chain_decode(&s->ch, ctx, copy, len, &out, expect);
    *sane = st != ZS_OK ? zs_ctx_message(ctx)[0] != 0 :
            expect ? out.len == expect : out.len <= ZSI_CODEC_MAX_UNKNOWN;
    free(copy);
    zsi_buf_free(&out);
    return st;
}

static bool corrupt_code(zs_status st)
{
    return st == ZS_ERR_CORRUPT || st == ZS_ERR_FORMAT ||
           st == ZS_ERR_UNSUPPORTED;
}

static void test_truncation(size_t k, size_t count)
{
    sample s;
    bool ok = make_sample(k, count, &s), sane;
    size_t bad = 0, n = s.enc.len;
    for (size_t len = 0; ok && len < n; len++) {
        zs_status st = try_decode(&s, s.enc.data, len, s.raw.len, &sane);
        if (!corrupt_code(st) || !sane)
            bad++;
        if (is_filter(frames[k].spec))
            continue;
        st = try_decode(&s, s.enc.data, len, 0, &sane);
        /* an empty gzip file is valid (Python reads it as b"") */
        if (!sane || (st == ZS_OK && !(len == 0 &&
                                       strstr(frames[k].spec, "gzip"))))
            bad++;
    }
    TAP_OK(ok && bad == 0, "%s: %zu-byte frame truncated at every length "
           "is refused (%zu bad)", frames[k].spec, n, bad);
    free_sample(&s);
}

static void test_bitflips(size_t k)
{
    sample s;
    bool ok = make_sample(k, 150, &s), sane;
    size_t bad = 0, n = s.enc.len;
    zsi_buf out = ZSI_BUF_INIT;
    for (size_t bit = 0; ok && bit < n * 8; bit++) {
        zs_status st;
        s.enc.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        st = try_decode(&s, s.enc.data, n, s.raw.len, &sane);
        if (!sane)
            bad++;
        if (st == ZS_OK && checked(frames[k].spec) &&
            (zsi_chain_decode(&s.ch, ctx, s.enc.data, n, &out, s.raw.len)
                 != ZS_OK ||
             memcmp(out.data, s.raw.data, s.raw.len) != 0))
            bad++;
        if (!is_filter(frames[k].spec) &&
            (try_decode(&s, s.enc.data, n, 0, &sane), !sane))
            bad++;
        s.enc.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    TAP_OK(ok && bad == 0, "%s: every bit of a %zu-byte frame flipped "
           "(%zu bad)", frames[k].spec, n, bad);
    zsi_buf_free(&out);
    free_sample(&s);
}

static void test_random(size_t k)
{
    sample s;
    bool ok = make_sample(k, 40, &s), sane;
    size_t bad = 0;
    uint8_t buf[700];
    for (int iter = 0; ok && iter < 3000; iter++) {
        size_t len = (size_t)(ct_rand() % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)ct_rand();
        /* keep a plausible header now and then */
        if (iter % 2 && len >= 16 && s.enc.len >= 16)
            memcpy(buf, s.enc.data, iter % 4 == 1 ? 4 : 12);
        try_decode(&s, buf, len, s.raw.len, &sane);
        bad += !sane;
        if (!is_filter(frames[k].spec)) {
            try_decode(&s, buf, len, 0, &sane);
            bad += !sane;
        }
    }
    TAP_OK(ok && bad == 0, "%s: random input never crashes (%zu bad)",
           frames[k].spec, bad);
    free_sample(&s);
}

/* Decode a hand-made frame with one codec. */
static zs_status decode_with(const char *spec, zs_dtype t, uint64_t count,
                             const uint8_t *p, size_t n, size_t expect)
{
    zsi_chain ch;
    zsi_codec_info info = ct_info(t, count);
    zsi_buf out = ZSI_BUF_INIT;
    zs_status st = ct_chain(ctx, &ch, spec, &info);
    if (st == ZS_OK)
        st = zsi_chain_decode(&ch, ctx, p, n, &out, expect);
    zsi_buf_free(&out);
    zsi_chain_free(&ch);
    return st;
}

static void put_blosc_header(uint8_t *h, uint8_t flags, uint32_t nbytes,
                             uint32_t blocksize, uint32_t cbytes)
{
    h[0] = 2;
    h[1] = 1;
    h[2] = flags;
    h[3] = 2;
    zsi_put_le32(h + 4, nbytes);
    zsi_put_le32(h + 8, blocksize);
    zsi_put_le32(h + 12, cbytes);
}

static void test_huge_claims(void)
{
    uint8_t f[64];
    /* zstd frame: single segment, 8-byte content size 2^40, one raw
     * last block of 10 bytes */
    static const uint8_t zf[] = {
        0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x51, 0, 0,
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'};
    memset(f, 0, sizeof f);
    zsi_put_le32(f, 0xffffffffu);
    TAP_OK(decode_with("lz4", ZS_DT_UINT8, 10, f, 20, 0) == ZS_ERR_CORRUPT,
           "lz4 header claiming 4 GiB: %s", zs_ctx_message(ctx));
    zsi_put_le32(f, 100u << 20);
    TAP_OK(decode_with("lz4", ZS_DT_UINT8, 10, f, 20, 0) == ZS_ERR_CORRUPT,
           "lz4 header claiming 100 MiB from 16 bytes: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x21, 0x7ffffff0u, 0x7ffffff0u, 32);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 10, f, 32, 0) ==
           ZS_ERR_CORRUPT, "blosc header beyond blosc's limit: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x23, 1u << 30, 1u << 30, 32);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 10, f, 32, 0) ==
           ZS_ERR_CORRUPT, "blosc stored frame claiming 1 GiB: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x21, 1u << 30, 1, 32);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 10, f, 32, 0) ==
           ZS_ERR_CORRUPT, "blosc 1 GiB in one-byte blocks: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x21, 64u << 20, 64u << 20, 32);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 10, f, 32, 0) ==
           ZS_ERR_CORRUPT, "blosc 64 MiB from 32 bytes: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x21, 1u << 30, 1u << 20, 32);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 2048, f, 32, 4096) ==
           ZS_ERR_CORRUPT, "blosc size differing from the chunk: %s",
           zs_ctx_message(ctx));
    put_blosc_header(f, 0x21, 1000, 100, 1000);
    TAP_OK(decode_with("blosc", ZS_DT_INT16, 500, f, 32, 1000) ==
           ZS_ERR_CORRUPT, "blosc cbytes beyond the frame: %s",
           zs_ctx_message(ctx));
    TAP_OK(decode_with("zstd", ZS_DT_UINT8, 10, zf, sizeof zf, 0) ==
           ZS_ERR_CORRUPT, "zstd frame claiming 1 TiB: %s",
           zs_ctx_message(ctx));
    TAP_OK(decode_with("zstd", ZS_DT_UINT8, 10, zf, sizeof zf, 10) ==
           ZS_ERR_CORRUPT, "zstd frame larger than the chunk: %s",
           zs_ctx_message(ctx));
    zsi_put_le32(f, 0xffffffffu);
    TAP_OK(decode_with("vlen-utf8", ZS_DT_STRING, 3, f, 16, 0) ==
           ZS_ERR_CORRUPT, "vlen count of 2^32-1: %s", zs_ctx_message(ctx));
    zsi_put_le32(f, 1);
    zsi_put_le32(f + 4, 0xfffffff0u);
    TAP_OK(decode_with("vlen-bytes", ZS_DT_STRING, 1, f, 16, 0) ==
           ZS_ERR_CORRUPT, "vlen item claiming 4 GiB: %s",
           zs_ctx_message(ctx));
    memcpy(f, "\x01\x00\x00\x00\x03\x00\x00\x00" "a\x00" "b", 11);
    TAP_OK(decode_with("vlen-bytes", ZS_DT_STRING, 1, f, 11, 0) ==
           ZS_ERR_UNSUPPORTED, "vlen item with a NUL byte: %s",
           zs_ctx_message(ctx));
    memcpy(f, "\x01\x00\x00\x00\x02\x00\x00\x00\xc3\x28", 10);
    TAP_OK(decode_with("vlen-utf8", ZS_DT_STRING, 1, f, 10, 0) ==
           ZS_ERR_CORRUPT, "vlen-utf8 item that is not UTF-8: %s",
           zs_ctx_message(ctx));
}

/* Encode data with spec in two pieces and join the frames. */
static bool two_frames(const char *spec, const uint8_t *data, size_t n,
                       size_t pad, zsi_buf *joined)
{
    zsi_chain ch;
    zsi_codec_info info = ct_info(ZS_DT_UINT8, n);
    zsi_buf a = ZSI_BUF_INIT, b = ZSI_BUF_INIT;
    bool ok = ct_chain(ctx, &ch, spec, &info) == ZS_OK &&
              zsi_chain_encode(&ch, ctx, data, n / 3, &a) == ZS_OK &&
              zsi_chain_encode(&ch, ctx, data + n / 3, n - n / 3, &b) ==
                  ZS_OK &&
              zsi_buf_append(joined, a.data, a.len) &&
              zsi_buf_resize(joined, joined->len + pad) &&
              zsi_buf_append(joined, b.data, b.len);
    if (ok && pad)
        memset(joined->data + a.len, 0, pad);
    zsi_buf_free(&a);
    zsi_buf_free(&b);
    zsi_chain_free(&ch);
    return ok;
}

static void test_members(void)
{
    uint8_t data[5000];
    zsi_buf j = ZSI_BUF_INIT, out = ZSI_BUF_INIT;
    zsi_chain ch;
    zsi_codec_info info = ct_info(ZS_DT_UINT8, sizeof data);
    ct_fill(ZS_DT_UINT8, data, sizeof data);
    for (int pad = 0; pad <= 3; pad += 3) {
        bool ok;
        j.len = 0;
        ok = two_frames("gzip", data, sizeof data, (size_t)pad, &j) &&
             ct_chain(ctx, &ch, "gzip", &info) == ZS_OK &&
             zsi_chain_decode(&ch, ctx, j.data, j.len, &out, 0) == ZS_OK &&
             out.len == sizeof data && !memcmp(out.data, data, sizeof data);
        TAP_OK(ok, "gzip: two members with %d zero bytes between", pad);
        zsi_chain_free(&ch);
    }
    j.len = 0;
    TAP_OK(two_frames("zstd", data, sizeof data, 0, &j) &&
           ct_chain(ctx, &ch, "zstd", &info) == ZS_OK &&
           zsi_chain_decode(&ch, ctx, j.data, j.len, &out, 0) == ZS_OK &&
           out.len == sizeof data &&
           zsi_chain_decode(&ch, ctx, j.data, j.len, &out, sizeof data) ==
               ZS_OK && !memcmp(out.data, data, sizeof data),
           "zstd: two frames in a row, size known and unknown");
    zsi_chain_free(&ch);
    j.len = 0;
    TAP_OK(two_frames("zlib", data, sizeof data, 0, &j) &&
           ct_chain(ctx, &ch, "zlib", &info) == ZS_OK &&
           zsi_chain_decode(&ch, ctx, j.data, j.len, &out, sizeof data / 3)
               == ZS_OK && !memcmp(out.data, data, sizeof data / 3),
           "zlib: bytes after the stream are ignored, as by Python");
    zsi_chain_free(&ch);
    zsi_buf_free(&j);
    zsi_buf_free(&out);
}

/* ---- threads: one instance, many callers -------------------------- */

typedef struct job {
    const zsi_chain *ch;
    int seed;
    int failures;
} job;

static void *worker(void *arg)
{
    job *jb = arg;
    zsi_buf enc = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    int32_t data[4096];
    for (int it = 0; it < 40; it++) {
        for (int i = 0; i < 4096; i++)
            data[i] = (i * (jb->seed + 1) + it) % 1000;
        if (zsi_chain_encode(jb->ch, NULL, (uint8_t *)data, sizeof data,
                             &enc) != ZS_OK ||
            zsi_chain_decode(jb->ch, NULL, enc.data, enc.len, &dec,
                             sizeof data) != ZS_OK ||
            memcmp(dec.data, data, sizeof data) != 0)
            jb->failures++;
    }
    zsi_buf_free(&enc);
    zsi_buf_free(&dec);
    return NULL;
}

static void test_threads(void)
{
    static const char *const specs[] = {
        "delta dtype=<i4 | blosc cname=lz4 clevel=5 shuffle=1",
        "zstd level=3", "shuffle | lz4", "zlib | crc32c",
        "crc32 | bz2", "fletcher32 | adler32 location=end",
        "fixedscaleoffset scale=1 offset=0 dtype=<i4 astype=<i4 | gzip"};
    zsi_codec_info info = ct_info(ZS_DT_INT32, 4096);
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        zsi_chain ch;
        pthread_t th[4];
        job jobs[4];
        int failures = 0;
        bool ok = ct_chain(ctx, &ch, specs[k], &info) == ZS_OK;
        for (int i = 0; ok && i < 4; i++) {
            jobs[i] = (job){&ch, i, 0};
            ok = pthread_create(&th[i], NULL, worker, &jobs[i]) == 0;
        }
        for (int i = 0; ok && i < 4; i++) {
            pthread_join(th[i], NULL);
            failures += jobs[i].failures;
        }
        TAP_OK(ok && failures == 0, "%s shared by 4 threads", specs[k]);
        zsi_chain_free(&ch);
    }
}

int main(void)
{
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    for (size_t k = 0; k < NFRAMES; k++) {
        test_truncation(k, 150);
        test_truncation(k, 3);
        test_bitflips(k);
        test_random(k);
    }
    test_huge_claims();
    test_members();
    test_threads();
    zs_ctx_free(ctx);
    return TAP_DONE();
}
