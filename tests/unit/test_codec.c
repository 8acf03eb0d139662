/*
 * test_codec.c - codec layer: registry, round trips of every codec over
 * every element width, chains, compressor specifications, configs,
 * NumPy dtype strings, and fixed vectors computed with numcodecs 0.11 /
 * NumPy 1.24 (quoted in the comments) for the arithmetic filters, and
 * with Python's zlib and HDF5 (h5py) for the checksums.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"
#include "codec_test.h"
#include "tap.h"

static zs_ctx *ctx;

static const zs_dtype all_types[] = {
    ZS_DT_BOOL, ZS_DT_INT8, ZS_DT_UINT8, ZS_DT_INT16, ZS_DT_UINT16,
    ZS_DT_FLOAT16, ZS_DT_INT32, ZS_DT_UINT32, ZS_DT_FLOAT32, ZS_DT_INT64,
    ZS_DT_UINT64, ZS_DT_FLOAT64,
};
#define NTYPES (sizeof all_types / sizeof all_types[0])

/* Encode then decode (with the size known, then unknown); true if both
 * give the input back.  why receives the reason otherwise. */
static bool roundtrip(const char *spec, const zsi_codec_info *info,
                      const uint8_t *data, size_t n, char *why, size_t wsz)
{
    zsi_chain ch;
    zsi_buf enc = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    zs_status st = ct_chain(ctx, &ch, spec, info);
    bool ok = false;
    if (st == ZS_OK)
        st = zsi_chain_encode(&ch, ctx, data, n, &enc);
    if (st == ZS_OK)
        st = zsi_chain_decode(&ch, ctx, enc.data, enc.len, &dec, n);
    if (st == ZS_OK && dec.len == n && (!n || !memcmp(dec.data, data, n))) {
        st = zsi_chain_decode(&ch, ctx, enc.data, enc.len, &dec, 0);
        ok = st == ZS_OK && dec.len == n &&
             (!n || !memcmp(dec.data, data, n));
    }
    if (!ok)
        snprintf(why, wsz, "%s, n=%zu: %s (%s)", spec, n, zs_strerror(st),
                 zs_ctx_message(ctx));
    zsi_buf_free(&enc);
    zsi_buf_free(&dec);
    zsi_chain_free(&ch);  /* ct_chain leaves an empty chain on failure */
    return ok;
}

/* Round trips of spec over every type and several sizes. */
static void roundtrip_all_types(const char *spec)
{
    static const size_t sizes[] = {0, 1, 3, 127, 1000, 30001};
    for (size_t t = 0; t < NTYPES; t++) {
        size_t w = zsi_dtype_size(all_types[t]);
        bool ok = true;
        char why[512] = "";
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0] && ok; k++) {
            uint8_t *p = malloc(sizes[k] * w + 1);
            zsi_codec_info info = ct_info(all_types[t], sizes[k]);
            ct_fill(all_types[t], p, sizes[k]);
            ok = roundtrip(spec, &info, p, sizes[k] * w, why, sizeof why);
            free(p);
        }
        TAP_OK(ok, "round trip %s on %s", spec,
               zs_dtype_name(all_types[t]));
        if (!ok)
            TAP_DIAG("%s", why);
    }
}

static void test_compressors(void)
{
    static const char *const specs[] = {
        "blosc",
        "blosc cname=lz4 clevel=5 shuffle=0",
        "blosc cname=lz4hc clevel=9 shuffle=2",
        "blosc cname=blosclz clevel=1 shuffle=-1",
        "blosc cname=zstd clevel=3 shuffle=1 blocksize=256",
        "blosc cname=zlib clevel=0 shuffle=1",
        "blosc cname=zstd clevel=5 shuffle=bitshuffle typesize=4",
        "zstd", "zstd level=19", "zstd level=-5 checksum=true",
        "lz4", "lz4 acceleration=50", "zlib level=0", "zlib level=9",
        "gzip", "gzip level=9", "crc32c", "bz2", "bz2 level=9",
        "crc32", "crc32 location=end", "adler32", "adler32 location=end",
        "fletcher32",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        roundtrip_all_types(specs[i]);
}

/* Round trips of filters on the types they accept. */
static void test_filter_roundtrips(void)
{
    static const struct { zs_dtype t; const char *spec; } cases[] = {
        {ZS_DT_INT8, "delta dtype=|i1"},
        {ZS_DT_UINT8, "delta dtype=|u1"},
        {ZS_DT_INT16, "delta dtype=<i2"},
        {ZS_DT_UINT16, "delta dtype=uint16"},
        {ZS_DT_INT32, "delta dtype=<i4 astype=<i8"},
        {ZS_DT_UINT32, "delta dtype=<u4"},
        {ZS_DT_INT64, "delta dtype=<i8"},
        {ZS_DT_UINT64, "numcodecs.delta dtype=uint64"},
        {ZS_DT_INT64, "delta dtype=int64 astype=<f8"},
        {ZS_DT_INT16, "shuffle elementsize=2"},
        {ZS_DT_INT32, "shuffle"},
        {ZS_DT_FLOAT64, "shuffle elementsize=8"},
        {ZS_DT_UINT8, "shuffle elementsize=1"},
        {ZS_DT_FLOAT32, "bitround keepbits=23"},
        {ZS_DT_FLOAT64, "bitround keepbits=52"},
        {ZS_DT_INT16, "bytes endian=little"},
        {ZS_DT_FLOAT64, "bytes endian=big"},
        {ZS_DT_UINT8, "bytes"},
        {ZS_DT_INT32, "delta dtype=<i4 | shuffle elementsize=4 | zlib"},
        {ZS_DT_FLOAT32, "bytes endian=big | crc32c | zstd level=3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 5000, w = zsi_dtype_size(cases[i].t);
        uint8_t *p = malloc(n * w);
        zsi_codec_info info = ct_info(cases[i].t, n);
        char why[512] = "";
        bool ok;
        ct_fill(cases[i].t, p, n);
        ok = roundtrip(cases[i].spec, &info, p, n * w, why, sizeof why);
        TAP_OK(ok, "round trip %s on %s", cases[i].spec,
               zs_dtype_name(cases[i].t));
        if (!ok)
            TAP_DIAG("%s", why);
        free(p);
    }
}

/* Encode with one codec and compare with expected bytes. */
static bool encodes_to(const char *spec, const zsi_codec_info *info,
                       const void *in, size_t n, const void *want,
                       size_t wn)
{
    zsi_chain ch;
    zsi_buf out = ZSI_BUF_INIT;
    bool ok = ct_chain(ctx, &ch, spec, info) == ZS_OK &&
              zsi_chain_encode(&ch, ctx, in, n, &out) == ZS_OK &&
              out.len == wn && memcmp(out.data, want, wn) == 0;
    if (!ok)
        TAP_DIAG("%s: %s", spec, zs_ctx_message(ctx));
    zsi_buf_free(&out);
    zsi_chain_free(&ch);
    return ok;
}

static bool decodes_to(const char *spec, const zsi_codec_info *info,
                       const void *in, size_t n, const void *want,
                       size_t wn)
{
    zsi_chain ch;
    zsi_buf out = ZSI_BUF_INIT;
    bool ok = ct_chain(ctx, &ch, spec, info) == ZS_OK &&
              zsi_chain_decode(&ch, ctx, in, n, &out, wn) == ZS_OK &&
              out.len == wn && memcmp(out.data, want, wn) == 0;
    if (!ok)
        TAP_DIAG("%s: %s", spec, zs_ctx_message(ctx));
    zsi_buf_free(&out);
    zsi_chain_free(&ch);
    return ok;
}

/* Vectors printed by numcodecs 0.11 with NumPy 1.24. */
static void test_numcodecs_vectors(void)
{
    zsi_codec_info i2 = ct_info(ZS_DT_INT16, 3);
    zsi_codec_info f4 = ct_info(ZS_DT_FLOAT32, 5);
    zsi_codec_info u2 = ct_info(ZS_DT_UINT16, 4);
    /* Delta(dtype='<i2', astype='<i1').decode([100,100,100]) ->
     * [100, 200, 300]: the sum is kept in int16 */
    int8_t d1[] = {100, 100, 100};
    int16_t d1w[] = {100, 200, 300};
    /* Delta('<f4', astype='<i2').decode([30000, 30000]) -> [30000,60000] */
    int16_t d2[] = {30000, 30000};
    float d2w[] = {30000, 60000};
    /* Delta('<u2', astype='<f4').decode([1.7,-2.2,1e6,nan]) ->
     * [1, 0, 16959, 0]: float32 sums cast to uint16 */
    float d3[] = {1.7f, -2.2f, 1e6f, NAN};
    uint16_t d3w[] = {1, 0, 16959, 0};
    /* FixedScaleOffset(offset=1000.1, scale=10, dtype='<f4',
     * astype='<i2').encode([1000.15, 1000.25, 1000.35, 999.95, 1003.3])
     * -> [1, 2, 2, -1, 32], computed in float32 */
    float f1[] = {1000.15f, 1000.25f, 1000.35f, 999.95f, 1003.3f};
    int16_t f1w[] = {1, 2, 2, -1, 32};
    /* FixedScaleOffset(offset=10, scale=10, dtype='<i2', astype='<i1')
     * .encode([10, 11, 12, 30000]) -> [0, 10, 20, 124] (int16 wraps) */
    int16_t f2[] = {10, 11, 12, 30000};
    int8_t f2w[] = {0, 10, 20, 124};
    zsi_codec_info f2i = ct_info(ZS_DT_INT16, 4);
    zsi_codec_info d2i = ct_info(ZS_DT_FLOAT32, 2);
    TAP_OK(decodes_to("delta dtype=<i2 astype=<i1", &i2, d1, 3, d1w, 6),
           "delta int16<-int8 accumulates in int16 (numcodecs)");
    TAP_OK(decodes_to("delta dtype=<f4 astype=<i2", &d2i, d2, 4, d2w, 8),
           "delta float32<-int16 accumulates in float32 (numcodecs)");
    TAP_OK(decodes_to("delta dtype=<u2 astype=<f4", &u2, d3, 16, d3w, 8),
           "delta uint16<-float32 casts like NumPy (numcodecs)");
    TAP_OK(encodes_to("fixedscaleoffset offset=1000.1 scale=10 dtype=<f4 "
                      "astype=<i2", &f4, f1, 20, f1w, 10),
           "fixedscaleoffset float32 arithmetic (numcodecs)");
    TAP_OK(encodes_to("fixedscaleoffset offset=10 scale=10 dtype=<i2 "
                      "astype=<i1", &f2i, f2, 8, f2w, 4),
           "fixedscaleoffset int16 wraps (numcodecs)");
}

static void test_fixedscaleoffset(void)
{
    /* FixedScaleOffset(offset=1000, scale=10, dtype='f8', astype='u1'),
     * the numcodecs documentation example */
    double x[10];
    uint8_t want[] = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10};
    double back[10];
    zsi_codec_info info = ct_info(ZS_DT_FLOAT64, 10);
    const char *spec = "fixedscaleoffset offset=1000 scale=10 dtype=<f8 "
                       "astype=|u1";
    for (int i = 0; i < 10; i++)
        x[i] = 1000 + i / 9.0;
    for (int i = 0; i < 10; i++)
        back[i] = 1000 + want[i] / 10.0;
    TAP_OK(encodes_to(spec, &info, x, 80, want, 10),
           "fixedscaleoffset encodes the numcodecs example");
    TAP_OK(decodes_to(spec, &info, want, 10, back, 80),
           "fixedscaleoffset decodes the numcodecs example");
}

static void test_bitround(void)
{
    /* numcodecs BitRound(keepbits=3).encode(): steps of 1/8 between 1
     * and 2, ties (1.0625, 1.1875) to even */
    float in[] = {1.0f, 1.33333337f, -3.1415927f, 1.0625f, 1.1875f};
    uint32_t want[] = {0x3f800000, 0x3fb00000, 0xc0500000, 0x3f800000,
                       0x3fa00000};
    zsi_codec_info info = ct_info(ZS_DT_FLOAT32, 5);
    zsi_codec_info be = info;
    uint32_t bwant[5];
    float bin[5];
    be.big_endian = !zsi_native_big_endian();
    TAP_OK(encodes_to("bitround keepbits=3", &info, in, 20, want, 20),
           "bitround keepbits=3 on float32");
    memcpy(bin, in, sizeof in);
    memcpy(bwant, want, sizeof want);
    zsi_byteswap(bin, 5, 4);
    zsi_byteswap(bwant, 5, 4);
    TAP_OK(encodes_to("bitround keepbits=3", &be, bin, 20, bwant, 20),
           "bitround on byte-swapped float32");
    TAP_OK(decodes_to("bitround keepbits=3", &info, want, 20, want, 20),
           "bitround decode is the identity");
}

static void test_bytes_transpose(void)
{
    uint32_t v = 0x01020304;
    uint8_t big[] = {1, 2, 3, 4}, little[] = {4, 3, 2, 1};
    zsi_codec_info i4 = ct_info(ZS_DT_UINT32, 1);
    uint64_t shp[3] = {2, 3, 4};
    zsi_codec_info s234 = ct_info_nd(ZS_DT_INT16, 3, shp);
    int16_t a[24], t[24];
    TAP_OK(encodes_to("bytes endian=big", &i4, &v, 4, big, 4),
           "bytes endian=big writes big-endian");
    TAP_OK(encodes_to("bytes endian=little", &i4, &v, 4, little, 4),
           "bytes endian=little writes little-endian");
    TAP_OK(decodes_to("bytes endian=big", &i4, big, 4, &v, 4),
           "bytes endian=big reads into native order");
    /* numpy.transpose(a, (2, 0, 1)): t[k][i][j] = a[i][j][k] */
    for (int i = 0; i < 24; i++)
        a[i] = (int16_t)i;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                t[k * 6 + i * 3 + j] = a[i * 12 + j * 4 + k];
    TAP_OK(encodes_to("transpose order=[2,0,1]", &s234, a, 48, t, 48),
           "transpose order=[2,0,1] is numpy.transpose");
    TAP_OK(decodes_to("transpose order=[2,0,1]", &s234, t, 48, a, 48),
           "transpose decode inverts it");
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                t[k * 6 + j * 2 + i] = a[i * 12 + j * 4 + k];
    TAP_OK(encodes_to("transpose order=F", &s234, a, 48, t, 48),
           "transpose order=F reverses the dimensions");
}

/* Strings come back equal, though not necessarily laid out alike. */
static bool strings_roundtrip(const char *spec, const zsi_codec_info *info,
                              const zsi_buf *dec, size_t count)
{
    zsi_chain ch;
    zsi_buf enc = ZSI_BUF_INIT, back = ZSI_BUF_INIT;
    bool ok = ct_chain(ctx, &ch, spec, info) == ZS_OK &&
              zsi_chain_encode(&ch, ctx, dec->data, dec->len, &enc) ==
                  ZS_OK &&
              zsi_chain_decode(&ch, ctx, enc.data, enc.len, &back, 0) ==
                  ZS_OK;
    for (size_t i = 0; ok && i < count; i++)
        ok = strcmp(zsi_vlen_get(back.data, i),
                    zsi_vlen_get(dec->data, i)) == 0;
    zsi_chain_free(&ch);
    zsi_buf_free(&enc);
    zsi_buf_free(&back);
    return ok;
}

static void test_vlen(void)
{
    const char *strs[] = {"", "a", "h\xc3\xa9llo", "\xe2\x82\xac", "x y",
                          "z"};
    zsi_buf dec = ZSI_BUF_INIT, dec6 = ZSI_BUF_INIT;
    zsi_codec_info info = ct_info(ZS_DT_STRING, 5);
    /* numcodecs VLenUTF8().encode(['','a','héllo','€','x y']) */
    static const uint8_t frame[] = {
        5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'a', 6, 0, 0, 0, 'h', 0xc3,
        0xa9, 'l', 'l', 'o', 3, 0, 0, 0, 0xe2, 0x82, 0xac, 3, 0, 0, 0, 'x',
        ' ', 'y'};
    char why[512];
    bool ok = zsi_vlen_build(&dec, strs, 5);
    TAP_OK(ok && strcmp(zsi_vlen_get(dec.data, 2), strs[2]) == 0 &&
           strcmp(zsi_vlen_get(dec.data, 0), "") == 0,
           "zsi_vlen_build / zsi_vlen_get");
    TAP_OK(encodes_to("vlen-utf8", &info, dec.data, dec.len, frame,
                      sizeof frame), "vlen-utf8 frame as numcodecs");
    TAP_OK(decodes_to("vlen-utf8", &info, frame, sizeof frame, dec.data,
                      dec.len), "vlen-utf8 decodes the numcodecs frame");
    TAP_OK(roundtrip("vlen-utf8 | zstd", &info, dec.data, dec.len, why,
                     sizeof why), "vlen-utf8|zstd round trip");
    TAP_OK(roundtrip("vlen-bytes | blosc", &info, dec.data, dec.len, why,
                     sizeof why), "vlen-bytes|blosc round trip");
    {
        uint64_t shp[2] = {2, 3};
        zsi_codec_info i2 = ct_info_nd(ZS_DT_STRING, 2, shp);
        zsi_chain ch;
        zsi_buf t = ZSI_BUF_INIT;
        ok = zsi_vlen_build(&dec6, strs, 6) &&
             strings_roundtrip("transpose order=[1,0] | vlen-utf8", &i2,
                               &dec6, 6);
        TAP_OK(ok, "transpose of strings round trip");
        ok = ct_chain(ctx, &ch, "transpose order=[1,0]", &i2) == ZS_OK &&
             zsi_chain_encode(&ch, ctx, dec6.data, dec6.len, &t) == ZS_OK &&
             strcmp(zsi_vlen_get(t.data, 1), strs[3]) == 0 &&
             strcmp(zsi_vlen_get(t.data, 5), strs[5]) == 0;
        TAP_OK(ok, "transpose moves string offsets");
        zsi_chain_free(&ch);
        zsi_buf_free(&t);
    }
    zsi_buf_free(&dec);
    zsi_buf_free(&dec6);
}

static void test_crc32c(void)
{
    /* the standard check value of CRC-32C */
    static const uint8_t want[] = {'1', '2', '3', '4', '5', '6', '7', '8',
                                   '9', 0x83, 0x92, 0x06, 0xe3};
    zsi_codec_info info = ct_info(ZS_DT_UINT8, 9);
    TAP_OK(zsi_crc32c(0, "123456789", 9) == 0xe3069283u,
           "CRC-32C of \"123456789\" is e3069283");
    TAP_OK(zsi_crc32c(zsi_crc32c(0, "12345", 5), "6789", 4) == 0xe3069283u,
           "CRC-32C can continue");
    TAP_OK(encodes_to("crc32c", &info, "123456789", 9, want, sizeof want),
           "crc32c appends the checksum little-endian");
}

/* Decoding frame (n bytes) with spec must fail with ZS_ERR_CORRUPT and
 * a message starting with text. */
static bool refused_as(const char *spec, const uint8_t *frame, size_t n,
                       size_t expect, const char *text)
{
    zsi_chain ch;
    zsi_buf out = ZSI_BUF_INIT;
    zsi_codec_info info = ct_info(ZS_DT_UINT8, expect);
    zs_status st = ct_chain(ctx, &ch, spec, &info);
    bool ok = st == ZS_OK &&
              zsi_chain_decode(&ch, ctx, frame, n, &out, expect) ==
                  ZS_ERR_CORRUPT &&
              strncmp(zs_ctx_message(ctx), text, strlen(text)) == 0;
    if (!ok)
        TAP_DIAG("%s: %s", spec, zs_ctx_message(ctx));
    zsi_buf_free(&out);
    zsi_chain_free(&ch);
    return ok;
}

/* Every byte of a frame of spec over data, changed in turn (data and
 * checksum alike), is refused as a checksum mismatch. */
static void every_byte_checked(const char *spec, const char *name)
{
    static const uint8_t data[] = "a chunk of 33 bytes, odd length.";
    zsi_codec_info info = ct_info(ZS_DT_UINT8, sizeof data);
    zsi_chain ch;
    zsi_buf enc = ZSI_BUF_INIT;
    char text[64];
    size_t bad = 0;
    bool ok = ct_chain(ctx, &ch, spec, &info) == ZS_OK &&
              zsi_chain_encode(&ch, ctx, data, sizeof data, &enc) == ZS_OK;
    snprintf(text, sizeof text, "%s: checksum mismatch", name);
    for (size_t i = 0; ok && i < enc.len; i++) {
        enc.data[i] ^= 0x10;
        bad += !refused_as(spec, enc.data, enc.len, sizeof data, text);
        enc.data[i] ^= 0x10;
    }
    TAP_OK(ok && bad == 0, "%s: a changed byte anywhere in a %zu-byte "
           "frame is ZS_ERR_CORRUPT \"%s\" (%zu bad)", spec, enc.len,
           text, bad);
    zsi_buf_free(&enc);
    zsi_chain_free(&ch);
}

/* Check values: CRC-32 cbf43926 and Adler-32 091e01de of "123456789"
 * (Python's zlib agrees); Fletcher-32 as HDF5's fletcher32 filter wrote
 * it for these bytes (h5py 3.7, read_direct_chunk), which exercises the
 * odd last byte and the folding every 360 words. */
static void test_checksum_vectors(void)
{
    static const uint8_t crc_start[] = {0x26, 0x39, 0xf4, 0xcb, '1', '2',
                                        '3', '4', '5', '6', '7', '8', '9'};
    static const uint8_t adler_end[] = {'1', '2', '3', '4', '5', '6', '7',
                                        '8', '9', 0xde, 0x01, 0x1e, 0x09};
    static const struct { size_t n; int fill; uint32_t sum; } h5[] = {
        {1001, 0xff, 0xff00ff00u}, {4096, -1, 0x486403fcu},
    };
    static const uint8_t fl9[] = {'1', '2', '3', '4', '5', '6', '7', '8',
                                  '9', 0xd5, 0x09, 0xdf, 0x09};
    static const uint8_t fl8[] = {'1', '2', '3', '4', '5', '6', '7', '8',
                                  0xd4, 0xd0, 0x0a, 0x00};
    zsi_codec_info i9 = ct_info(ZS_DT_UINT8, 9);
    zsi_codec_info i8 = ct_info(ZS_DT_UINT8, 8);
    TAP_OK(encodes_to("crc32", &i9, "123456789", 9, crc_start, 13) &&
           decodes_to("crc32", &i9, crc_start, 13, "123456789", 9),
           "crc32: CRC-32 cbf43926 first, little-endian (numcodecs)");
    TAP_OK(encodes_to("adler32 location=end", &i9, "123456789", 9,
                      adler_end, 13) &&
           decodes_to("adler32 location=end", &i9, adler_end, 13,
                      "123456789", 9),
           "adler32 location=end: Adler-32 091e01de last");
    TAP_OK(encodes_to("fletcher32", &i9, "123456789", 9, fl9, 13) &&
           decodes_to("fletcher32", &i9, fl9, 13, "123456789", 9),
           "fletcher32 of 9 bytes (odd) is HDF5's 09df09d5");
    TAP_OK(encodes_to("fletcher32", &i8, "12345678", 8, fl8, 12),
           "fletcher32 of 8 bytes is HDF5's 000ad0d4");
    for (size_t k = 0; k < sizeof h5 / sizeof h5[0]; k++) {
        uint8_t *p = malloc(h5[k].n + 4);
        zsi_codec_info info = ct_info(ZS_DT_UINT8, h5[k].n);
        for (size_t i = 0; i < h5[k].n; i++)
            p[i] = (uint8_t)(h5[k].fill < 0 ? i : (size_t)h5[k].fill);
        zsi_put_le32(p + h5[k].n, h5[k].sum);
        TAP_OK(decodes_to("fletcher32", &info, p, h5[k].n + 4, p, h5[k].n),
               "fletcher32 of %zu bytes is HDF5's %08lx", h5[k].n,
               (unsigned long)h5[k].sum);
        free(p);
    }
}

static void test_checksums(void)
{
    static const uint8_t three[] = {1, 2, 3};
    test_checksum_vectors();
    every_byte_checked("crc32", "crc32");
    every_byte_checked("crc32 location=end", "crc32");
    every_byte_checked("adler32", "adler32");
    every_byte_checked("adler32 location=end", "adler32");
    every_byte_checked("fletcher32", "fletcher32");
    TAP_OK(refused_as("crc32", three, 3, 0, "crc32: 3 bytes, too short") &&
           refused_as("fletcher32", three, 3, 0,
                      "fletcher32: 3 bytes, too short"),
           "a frame shorter than its checksum is ZS_ERR_CORRUPT");
    TAP_OK(refused_as("adler32", three, 3, 2, "adler32: 3 bytes, too short")
           && refused_as("crc32", (const uint8_t *)"12345678", 8, 5,
                         "crc32: 4 bytes of data, expected 5"),
           "a frame of the wrong size is ZS_ERR_CORRUPT");
}

/* bz2.compress(b"123456789" * 4, 1) in Python 3.11: numcodecs' BZ2
 * frame, which ours must equal byte for byte. */
static void test_bz2(void)
{
    static const uint8_t frame[] = {
        0x42, 0x5a, 0x68, 0x31, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xee,
        0x53, 0xd2, 0xb2, 0x00, 0x00, 0x01, 0x88, 0x00, 0x3f, 0xe0, 0x20,
        0x00, 0x31, 0x06, 0x4c, 0x40, 0x55, 0x4d, 0x18, 0x26, 0x90, 0x74,
        0xf1, 0x25, 0x16, 0x61, 0xa7, 0xc5, 0xdc, 0x91, 0x4e, 0x14, 0x24,
        0x3b, 0x94, 0xf4, 0xac, 0x80};
    const char *text = "123456789123456789123456789123456789";
    zsi_codec_info info = ct_info(ZS_DT_UINT8, 36);
    uint8_t two[2 * sizeof frame + 5];
    zsi_chain ch;
    zsi_buf out = ZSI_BUF_INIT;
    bool ok;
    TAP_OK(encodes_to("bz2", &info, text, 36, frame, sizeof frame),
           "bz2 level 1 gives Python's bz2.compress bytes");
    TAP_OK(decodes_to("bz2", &info, frame, sizeof frame, text, 36),
           "bz2 decodes Python's frame");
    TAP_OK(refused_as("bz2", frame, sizeof frame - 1, 36,
                      "bz2: truncated stream"),
           "a truncated bz2 frame is ZS_ERR_CORRUPT");
    TAP_OK(refused_as("bz2", frame, sizeof frame, 35,
                      "bz2: data exceeds 35 bytes") &&
           refused_as("bz2", frame, sizeof frame, 37,
                      "bz2: decoded 36 bytes, expected 37"),
           "a bz2 frame of the wrong size is ZS_ERR_CORRUPT");
    TAP_OK(refused_as("bz2", (const uint8_t *)"BZh9garbage", 11, 0, "bz2: ")
           && refused_as("bz2", frame, 0, 0, "bz2: empty frame"),
           "garbage and an empty frame are ZS_ERR_CORRUPT");
    /* Python's bz2.decompress: streams in a row, then bytes that are not
     * a stream, which it ignores */
    memcpy(two, frame, sizeof frame);
    memcpy(two + sizeof frame, frame, sizeof frame);
    memcpy(two + 2 * sizeof frame, "junk!", 5);
    info = ct_info(ZS_DT_UINT8, 72);
    ok = ct_chain(ctx, &ch, "bz2", &info) == ZS_OK &&
         zsi_chain_decode(&ch, ctx, two, sizeof two, &out, 72) == ZS_OK &&
         out.len == 72 && memcmp(out.data, text, 36) == 0 &&
         memcmp(out.data + 36, text, 36) == 0 &&
         zsi_chain_decode(&ch, ctx, two, sizeof two, &out, 0) == ZS_OK &&
         out.len == 72;
    TAP_OK(ok, "bz2: two streams and trailing junk decode as in Python");
    zsi_chain_free(&ch);
    zsi_buf_free(&out);
}

/* A checksum hands the next codec bytes, as numcodecs does (Blosc then
 * shuffles with typesize 1); the chain round-trips. */
static void test_checksum_chain(void)
{
    zsi_codec_info info = ct_info(ZS_DT_INT32, 500);
    int32_t data[500];
    char why[512] = "";
    zsi_chain ch;
    zs_status st = ct_chain(ctx, &ch, "delta dtype=<i4 | adler32 | blosc",
                            &info);
    TAP_OK(st == ZS_OK && ch.codecs[2]->dec_info.itemsize == 1 &&
           ch.codecs[2]->dec_info.dtype == ZS_DT_UINT8 &&
           strcmp(ch.desc, "delta(<i4)|adler32|blosc(lz4,5,shuffle)") == 0,
           "a checksum passes uint8 on: %s", st == ZS_OK ? ch.desc : "-");
    zsi_chain_free(&ch);
    ct_fill(ZS_DT_INT32, data, 500);
    TAP_OK(roundtrip("delta dtype=<i4 | crc32 | fletcher32 | bz2 level=3",
                     &info, (const uint8_t *)data, sizeof data, why,
                     sizeof why), "delta | crc32 | fletcher32 | bz2 "
           "round trip %s", why);
}

static void expect_unsupported(const char *id)
{
    zsi_codec *c = NULL;
    char msg[128];
    zsi_codec_info info = ct_info(ZS_DT_INT16, 10);
    zs_status st = zsi_codec_new(ctx, id, NULL, &info, &c);
    snprintf(msg, sizeof msg, "unsupported codec '%s'", id);
    TAP_OK(st == ZS_ERR_UNSUPPORTED &&
           strcmp(zs_ctx_message(ctx), msg) == 0,
           "codec '%s' is unsupported with a clear message", id);
    zsi_codec_free(c);
}

static void test_registry(void)
{
    static const char *const ids[] = {
        "blosc", "zstd", "lz4", "zlib", "gzip", "delta", "shuffle",
        "fixedscaleoffset", "bitround", "vlen-utf8", "vlen-bytes", "bytes",
        "transpose", "crc32c", "bz2", "crc32", "adler32", "fletcher32"};
    static const char *const bad[] = {
        "lzma", "pickle", "msgpack2", "json2", "categorize", "packbits",
        "astype", "quantize", "zfpy", "jenkins_lookup3", "vlen-array",
        "sharding_indexed", "no-such-codec", ""};
    bool ok = true;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        ok = ok && zsi_codec_lookup(ids[i]) &&
             strcmp(zsi_codec_lookup(ids[i])->id, ids[i]) == 0;
    TAP_OK(ok, "all codec classes are registered");
    TAP_OK(zsi_codec_lookup("numcodecs.delta") == &zsi_codec_delta &&
           zsi_codec_lookup("numcodecs.fixedscaleoffset") ==
               &zsi_codec_fixedscaleoffset,
           "numcodecs.* v3 names map to the same classes");
    TAP_OK(zsi_codec_lookup("numcodecs.crc32") == &zsi_codec_crc32 &&
           zsi_codec_lookup("numcodecs.adler32") == &zsi_codec_adler32 &&
           zsi_codec_lookup("numcodecs.fletcher32") ==
               &zsi_codec_fletcher32 &&
           zsi_codec_lookup("numcodecs.bz2") == &zsi_codec_bz2,
           "numcodecs.crc32, .adler32, .fletcher32, .bz2 are found");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_unsupported(bad[i]);
}

/* Creation must fail with code and a message containing text. */
static void expect_create_fails(const char *spec, zs_dtype t,
                                zs_status code, const char *text)
{
    zsi_chain ch;
    zsi_codec_info info = ct_info(t, 10);
    zs_status st = ct_chain(ctx, &ch, spec, &info);
    TAP_OK(st == code && strstr(zs_ctx_message(ctx), text),
           "'%s' refused: %s", spec, zs_ctx_message(ctx));
    zsi_chain_free(&ch);
}

static void test_bad_configs(void)
{
    expect_create_fails("blosc cname=snappy", ZS_DT_INT16,
                        ZS_ERR_UNSUPPORTED, "unsupported codec 'snappy'");
    expect_create_fails("blosc cname=brotli", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "brotli");
    expect_create_fails("blosc clevel=10", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "clevel");
    expect_create_fails("blosc shuffle=3", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "shuffle");
    expect_create_fails("blosc shuffle=sideways", ZS_DT_INT16,
                        ZS_ERR_FORMAT, "sideways");
    expect_create_fails("zlib level=10", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "level");
    expect_create_fails("zstd level=fast", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "integer");
    expect_create_fails("zstd checksum=1", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "true or false");
    expect_create_fails("zstd speed=3", ZS_DT_INT16, ZS_ERR_UNSUPPORTED,
                        "unknown parameter 'speed'");
    expect_create_fails("delta", ZS_DT_INT16, ZS_ERR_FORMAT, "dtype");
    expect_create_fails("delta dtype=<i3", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "<i3");
    expect_create_fails("delta dtype=<i4", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "does not match");
    expect_create_fails("fixedscaleoffset scale=0 offset=1 dtype=<i2",
                        ZS_DT_INT16, ZS_ERR_FORMAT, "scale");
    expect_create_fails("bitround keepbits=24", ZS_DT_FLOAT32,
                        ZS_ERR_FORMAT, "keepbits");
    expect_create_fails("bytes", ZS_DT_INT16, ZS_ERR_FORMAT, "endian");
    expect_create_fails("bytes endian=middle", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "middle");
    expect_create_fails("transpose order=[0,0]", ZS_DT_INT16,
                        ZS_ERR_FORMAT, "order");
    expect_create_fails("vlen-utf8", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "not variable-length");
    expect_create_fails("bz2 level=0", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "bz2: level 0 out of range 1..9");
    expect_create_fails("bz2 level=10", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "bz2: level 10 out of range 1..9");
    expect_create_fails("bz2 level=high", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "bz2: parameter 'level' must be an integer");
    expect_create_fails("bz2 blocksize=9", ZS_DT_INT16, ZS_ERR_UNSUPPORTED,
                        "bz2: unknown parameter 'blocksize'");
    expect_create_fails("crc32 location=middle", ZS_DT_INT16,
                        ZS_ERR_FORMAT, "crc32: location 'middle'");
    expect_create_fails("adler32 location=1", ZS_DT_INT16, ZS_ERR_FORMAT,
                        "adler32: parameter 'location' must be a string");
    expect_create_fails("fletcher32 location=end", ZS_DT_INT16,
                        ZS_ERR_UNSUPPORTED,
                        "fletcher32: unknown parameter 'location'");
    expect_create_fails("crc32 | delta dtype=<i2", ZS_DT_INT16,
                        ZS_ERR_FORMAT, "cannot follow");
    expect_create_fails("zlib | delta dtype=<i2", ZS_DT_INT16,
                        ZS_ERR_FORMAT, "cannot follow");
    expect_create_fails("bytes endian=little | bytes endian=big",
                        ZS_DT_INT16, ZS_ERR_FORMAT, "cannot follow");
}

static void test_chain(void)
{
    zsi_chain ch;
    zsi_codec_info info = ct_info(ZS_DT_INT16, 100);
    zsi_buf out = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    int16_t data[100];
    zs_status st;
    ct_fill(ZS_DT_INT16, data, 100);
    st = ct_chain(ctx, &ch, "delta dtype=<i2 | blosc cname=lz4 clevel=5 "
                  "shuffle=1", &info);
    TAP_OK(st == ZS_OK && strcmp(ch.desc, "delta(<i2)|blosc(lz4,5,shuffle)")
           == 0, "chain description: %s", st == ZS_OK ? ch.desc : "-");
    st = zsi_chain_encode(&ch, ctx, (uint8_t *)data, 200, &out);
    TAP_OK(st == ZS_OK && zsi_chain_decode(&ch, ctx, out.data, out.len,
                                           &dec, 199) == ZS_ERR_CORRUPT,
           "decode checks the expected size: %s", zs_ctx_message(ctx));
    zsi_chain_free(&ch);
    zsi_chain_free(&ch);  /* a freed chain is empty and can be freed */
    zsi_chain_init(&ch);
    TAP_OK(zsi_chain_encode(&ch, ctx, (uint8_t *)data, 200, &out) == ZS_OK
           && out.len == 200 && memcmp(out.data, data, 200) == 0,
           "an empty chain copies");
    TAP_OK(zsi_chain_decode(&ch, ctx, out.data, 200, &dec, 100) ==
           ZS_ERR_CORRUPT, "an empty chain checks the size");
    st = ct_chain(ctx, &ch, "fixedscaleoffset scale=100 offset=0 "
                  "dtype=<f8 astype=<i4 | zlib", &info);
    TAP_OK(st == ZS_ERR_FORMAT, "chain info flows: f8 filter on int16");
    info = ct_info(ZS_DT_FLOAT64, 100);
    st = ct_chain(ctx, &ch, "fixedscaleoffset scale=100 offset=0 "
                  "dtype=<f8 astype=<i4 | delta dtype=<i4 | zlib", &info);
    TAP_OK(st == ZS_OK && ch.codecs[0]->enc_info.dtype == ZS_DT_INT32 &&
           ch.codecs[2]->dec_info.dtype == ZS_DT_INT32,
           "fixedscaleoffset tells the next codec about int32");
    if (st == ZS_OK)
        zsi_chain_free(&ch);
    zsi_buf_free(&out);
    zsi_buf_free(&dec);
}

/* Parse spec; the config must hold want ("k=v k=v", same rules). */
static void parse_ok(const char *spec, const char *id, const char *want)
{
    zsi_kv cfg = {NULL, 0}, exp = {NULL, 0};
    const char *got = "x";
    zs_status st = zsi_compressor_parse(ctx, spec, &got, &cfg);
    bool ok = st == ZS_OK && codec_kv_parse(&exp, want) &&
              (id ? got && strcmp(got, id) == 0 : got == NULL) &&
              exp.n == cfg.n;
    for (size_t i = 0; ok && i < exp.n; i++) {
        const zsi_kv_item *e = &exp.items[i];
        const zsi_kv_item *g = zsi_kv_find(&cfg, e->key);
        ok = g && g->type == e->type &&
             (e->type == ZSI_KV_STRING ? strcmp(g->s, e->s) == 0
                                       : g->i == e->i);
    }
    TAP_OK(ok, "compressor '%s' -> %s {%s}", spec, id ? id : "none",
           want);
    if (st != ZS_OK)
        TAP_DIAG("%s", zs_ctx_message(ctx));
    zsi_kv_free(&cfg);
    zsi_kv_free(&exp);
}

static void parse_bad(const char *spec, zs_status code, const char *text)
{
    zsi_kv cfg = {NULL, 0};
    const char *id = NULL;
    zs_status st = zsi_compressor_parse(ctx, spec, &id, &cfg);
    TAP_OK(st == code && strstr(zs_ctx_message(ctx), text),
           "compressor '%s' refused: %s", spec, zs_ctx_message(ctx));
    zsi_kv_free(&cfg);
}

static void test_parse(void)
{
    parse_ok("blosc", "blosc", "cname=lz4 clevel=5 shuffle=1 blocksize=0");
    parse_ok("blosc:zstd:3:bitshuffle", "blosc",
             "cname=zstd clevel=3 shuffle=2 blocksize=0");
    parse_ok("blosc:lz4hc:9:noshuffle:blocksize=65536", "blosc",
             "cname=lz4hc clevel=9 shuffle=0 blocksize=65536");
    parse_ok("blosc:zlib:1:auto", "blosc",
             "cname=zlib clevel=1 shuffle=-1 blocksize=0");
    parse_ok("blosc:blosclz:0:bit", "blosc",
             "cname=blosclz clevel=0 shuffle=2 blocksize=0");
    parse_ok("blosc:lz4:5:byte", "blosc",
             "cname=lz4 clevel=5 shuffle=1 blocksize=0");
    parse_ok("blosc:lz4:5:none", "blosc",
             "cname=lz4 clevel=5 shuffle=0 blocksize=0");
    parse_ok("zstd", "zstd", "level=1");
    parse_ok("zstd:22", "zstd", "level=22");
    parse_ok("bz2", "bz2", "level=1");
    parse_ok("bz2:9", "bz2", "level=9");
    parse_ok("lz4", "lz4", "acceleration=1");
    parse_ok("lz4:10", "lz4", "acceleration=10");
    parse_ok("zlib", "zlib", "level=1");
    parse_ok("zlib:9", "zlib", "level=9");
    parse_ok("gzip:0", "gzip", "level=0");
    parse_ok("none", NULL, "");
    parse_bad("zlib:10", ZS_ERR_INVALID, "zlib level '10' out of range 0..9");
    parse_bad("zlib:-1", ZS_ERR_INVALID, "out of range");
    parse_bad("gzip:", ZS_ERR_INVALID, "not an integer");
    parse_bad("blosc:lz4:10", ZS_ERR_INVALID,
              "blosc clevel '10' out of range 0..9");
    parse_bad("blosc:lz4:-1", ZS_ERR_INVALID, "out of range");
    parse_bad("blosc:snappy", ZS_ERR_UNSUPPORTED,
              "unsupported codec 'snappy'");
    parse_bad("blosc:brotli:5", ZS_ERR_INVALID, "brotli");
    parse_bad("blosc:lz4:5:sideways", ZS_ERR_INVALID, "sideways");
    parse_bad("blosc:lz4:5:shuffle:blocks=3", ZS_ERR_INVALID, "blocks=3");
    parse_bad("blosc:lz4:5:shuffle:blocksize=-1", ZS_ERR_INVALID,
              "blocksize");
    parse_bad("blosc:lz4:5:shuffle:blocksize=1:x", ZS_ERR_INVALID,
              "too many");
    parse_bad("zstd:0", ZS_ERR_INVALID, "1..22");
    parse_bad("zstd:23", ZS_ERR_INVALID, "1..22");
    parse_bad("zstd:abc", ZS_ERR_INVALID, "not an integer");
    parse_bad("zstd:1:2", ZS_ERR_INVALID, "too many");
    parse_bad("lz4:0", ZS_ERR_INVALID, "out of range");
    parse_bad("none:1", ZS_ERR_INVALID, "none");
    parse_bad("", ZS_ERR_INVALID, "empty");
    parse_bad("brotli", ZS_ERR_INVALID, "unknown compressor 'brotli'");
    parse_bad("lzma", ZS_ERR_UNSUPPORTED, "unsupported codec 'lzma'");
    parse_bad("bz2:10", ZS_ERR_INVALID, "out of range 1..9");
    parse_bad("delta", ZS_ERR_INVALID, "unknown compressor");
}

/* The configuration a codec made from spec writes in Zarr format fmt. */
static void config_fmt(const char *spec, zs_dtype t, int fmt,
                       const char *want)
{
    zsi_chain ch;
    zsi_kv got = {NULL, 0}, exp = {NULL, 0};
    zsi_codec_info info = ct_info(t, 10);
    bool ok = ct_chain(ctx, &ch, spec, &info) == ZS_OK &&
              zsi_codec_config(ch.codecs[0], fmt, &got) == ZS_OK &&
              codec_kv_parse(&exp, want) && got.n == exp.n;
    for (size_t i = 0; ok && i < exp.n; i++) {
        const zsi_kv_item *e = &exp.items[i];
        const zsi_kv_item *g = zsi_kv_find(&got, e->key);
        ok = g && g->type == e->type;
        if (ok && (e->type == ZSI_KV_STRING))
            ok = strcmp(g->s, e->s) == 0;
        else if (ok && e->type == ZSI_KV_DOUBLE)
            ok = g->d == e->d;
        else if (ok && e->type == ZSI_KV_INTS)
            ok = g->nints == e->nints &&
                 !memcmp(g->ints, e->ints, e->nints * sizeof *e->ints);
        else if (ok)
            ok = g->i == e->i;
    }
    TAP_OK(ok, "v%d config of '%s' is {%s}", fmt, spec, want);
    zsi_kv_free(&got);
    zsi_kv_free(&exp);
    zsi_chain_free(&ch);
}

/* config() of a codec made from spec gives back want (numcodecs). */
static void config_is(const char *spec, zs_dtype t, const char *want)
{
    config_fmt(spec, t, 2, want);
}

static void test_config(void)
{
    config_is("blosc", ZS_DT_INT16,
              "cname=lz4 clevel=5 shuffle=1 blocksize=0");
    config_is("blosc shuffle=-1", ZS_DT_INT16,
              "cname=lz4 clevel=5 shuffle=-1 blocksize=0");
    /* numcodecs takes the shuffle as a number and no typesize; Zarr v3
     * names it, gives the typesize, and has no automatic shuffle */
    config_is("blosc cname=zstd clevel=3 shuffle=bitshuffle", ZS_DT_INT32,
              "cname=zstd clevel=3 shuffle=2 blocksize=0");
    config_fmt("blosc cname=zstd clevel=3 shuffle=bitshuffle", ZS_DT_INT32,
               3, "cname=zstd clevel=3 shuffle=bitshuffle typesize=4 "
               "blocksize=0");
    config_is("blosc shuffle=-1 typesize=2", ZS_DT_INT32,
              "cname=lz4 clevel=5 shuffle=-1 blocksize=0");
    config_fmt("blosc shuffle=-1 typesize=2", ZS_DT_INT32, 3,
               "cname=lz4 clevel=5 shuffle=shuffle typesize=2 blocksize=0");
    config_fmt("blosc shuffle=-1", ZS_DT_INT8, 3,
               "cname=lz4 clevel=5 shuffle=bitshuffle typesize=1 "
               "blocksize=0");
    config_fmt("zstd level=3", ZS_DT_INT16, 3, "level=3");
    config_is("zstd", ZS_DT_INT16, "level=1");
    config_is("zstd level=3 checksum=false", ZS_DT_INT16,
              "level=3 checksum=false");
    config_is("zstd checksum=true", ZS_DT_INT16, "level=1 checksum=true");
    config_is("lz4", ZS_DT_INT16, "acceleration=1");
    config_is("gzip level=5", ZS_DT_INT16, "level=5");
    config_is("bz2", ZS_DT_INT16, "level=1");
    config_is("bz2 level=9", ZS_DT_INT16, "level=9");
    config_is("crc32", ZS_DT_INT16, "");
    config_is("crc32 location=end", ZS_DT_INT16, "location=end");
    config_is("adler32 location=start", ZS_DT_INT16, "location=start");
    config_is("fletcher32", ZS_DT_INT16, "");
    config_is("delta dtype=<i2", ZS_DT_INT16, "dtype=<i2 astype=<i2");
    config_is("numcodecs.delta dtype=int16", ZS_DT_INT16,
              "dtype=int16 astype=int16");
    config_is("fixedscaleoffset scale=10 offset=1000.5 dtype=<f4 "
              "astype=<i2", ZS_DT_FLOAT32,
              "scale=10 offset=1000.5 dtype=<f4 astype=<i2");
    config_is("shuffle", ZS_DT_INT32, "elementsize=4");
    config_is("bitround keepbits=7", ZS_DT_FLOAT32, "keepbits=7");
    config_is("bytes endian=big", ZS_DT_INT32, "endian=big");
    config_is("bytes", ZS_DT_UINT8, "");
    config_is("transpose order=[0]", ZS_DT_INT32, "order=[0]");
    config_is("transpose order=C", ZS_DT_INT32, "order=C");
}

static void test_npdtype(void)
{
    static const struct {
        const char *s;
        zs_dtype t;
        size_t size;
        bool be;
    } good[] = {
        {"<i2", ZS_DT_INT16, 2, false}, {">f8", ZS_DT_FLOAT64, 8, true},
        {"|b1", ZS_DT_BOOL, 1, false}, {"|i1", ZS_DT_INT8, 1, false},
        {"|u1", ZS_DT_UINT8, 1, false}, {"<f2", ZS_DT_FLOAT16, 2, false},
        {"|S7", ZS_DT_BYTES, 7, false}, {"<U13", ZS_DT_UNICODE, 52, false},
        {">U13", ZS_DT_UNICODE, 52, true}, {"|O", ZS_DT_STRING, 8, false},
        {"<u8", ZS_DT_UINT64, 8, false}, {">i4", ZS_DT_INT32, 4, true},
        {"<f4", ZS_DT_FLOAT32, 4, false}, {">u2", ZS_DT_UINT16, 2, true},
    };
    static const char *const bad[] = {
        "", "i2", "<i3", "<f1", "<S0", "<S", "<U", "|V8", "<M8[ns]", "<c8",
        "<i2 ", "<i02", "<S99999999999", "?b1", "<b2", "<f16"};
    char buf[16];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        zs_dtype t = ZS_DT_NONE;
        size_t size = 0;
        bool be = !good[i].be;
        bool ok = zsi_dtype_from_numpy(good[i].s, &t, &size, &be) &&
                  t == good[i].t && size == good[i].size &&
                  be == good[i].be &&
                  zsi_dtype_to_numpy(t, size, be, buf, sizeof buf) &&
                  strcmp(buf, good[i].s) == 0;
        TAP_OK(ok, "NumPy dtype '%s'", good[i].s);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zs_dtype t;
        size_t size;
        bool be;
        TAP_OK(!zsi_dtype_from_numpy(bad[i], &t, &size, &be),
               "NumPy dtype '%s' refused", bad[i]);
    }
    {
        bool ok = true;
        zs_dtype t;
        size_t size;
        for (int i = ZS_DT_BOOL; i <= ZS_DT_FLOAT64; i++)
            ok = ok && zsi_dtype_from_v3(zsi_dtype_to_v3((zs_dtype)i), &t,
                                         &size) &&
                 t == (zs_dtype)i && size == zsi_dtype_size(t);
        ok = ok && zsi_dtype_from_v3("string", &t, &size) &&
             t == ZS_DT_STRING && size == 8 &&
             strcmp(zsi_dtype_to_v3(ZS_DT_STRING), "string") == 0 &&
             !zsi_dtype_from_v3("int3", &t, &size) &&
             zsi_dtype_to_v3(ZS_DT_BYTES) == NULL &&
             strcmp(zsi_dtype_to_v3(ZS_DT_FLOAT16), "float16") == 0;
        TAP_OK(ok, "Zarr v3 data type names");
        TAP_OK(!zsi_dtype_to_numpy(ZS_DT_INT16, 2, false, buf, 3),
               "zsi_dtype_to_numpy refuses a short buffer");
    }
}

/* Decoding part of a chunk: every range checked against the data
 * encoded; chains that cannot decode in part say so; a damaged frame is
 * an error, never a read outside it. */
static void test_decode_part(void)
{
    static const struct { zs_dtype t; const char *spec; bool part; } cases[] = {
        {ZS_DT_INT16, "blosc cname=lz4 clevel=5 shuffle=1 blocksize=2048",
         true},
        {ZS_DT_FLOAT32, "blosc cname=zstd clevel=3 shuffle=2 blocksize=4096",
         true},
        {ZS_DT_FLOAT64, "blosc cname=blosclz clevel=9 shuffle=0", true},
        {ZS_DT_INT16, "blosc cname=lz4 clevel=0 shuffle=1", true},
        {ZS_DT_UINT8, "bytes", true},
        {ZS_DT_INT16, "zstd", false},
        {ZS_DT_INT16, "shuffle elementsize=2 | blosc", false},
    };
    uint64_t seed = 12345;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 30001, w = zsi_dtype_size(cases[i].t), bad = 0, tried = 0;
        uint8_t *p = malloc(n * w), *got = malloc(n * w);
        zsi_codec_info info = ct_info(cases[i].t, n);
        zsi_buf enc = ZSI_BUF_INIT;
        zsi_chain ch;
        zs_status st = ct_chain(ctx, &ch, cases[i].spec, &info);
        ct_fill(cases[i].t, p, n);
        if (st == ZS_OK)
            st = zsi_chain_encode(&ch, ctx, p, n * w, &enc);
        TAP_OK(st == ZS_OK && zsi_chain_can_decode_part(&ch) == cases[i].part,
               "%s: can decode in part: %s", cases[i].spec,
               cases[i].part ? "yes" : "no");
        for (int k = 0; st == ZS_OK && k < 200; k++) {
            size_t a, b;
            zs_status r = ZS_OK;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            a = (size_t)(seed >> 33) % n;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            b = a + (size_t)(seed >> 33) % (n - a + 1);
            if (k == 0)
                a = 0, b = n;
            memset(got, 0xA5, n * w);
            if (!zsi_chain_decode_part(&ch, ctx, enc.data, enc.len, n * w,
                                       a * w, (b - a) * w, got, &r)) {
                bad += cases[i].part;
                continue;
            }
            tried++;
            if (r != ZS_OK || memcmp(got, p + a * w, (b - a) * w) != 0)
                bad++;
        }
        TAP_OK(bad == 0 && (tried > 0) == cases[i].part, "%s: %s",
               cases[i].spec, cases[i].part
                                  ? "200 ranges decoded in part equal the data"
                                  : "every range refused (decoded whole)");
        if (cases[i].part && enc.len > 64 && !strstr(cases[i].spec, "bytes")) {
            /* a block start pointing past the frame, then a cut frame */
            zs_status r = ZS_OK;
            uint8_t *dam = malloc(enc.len);
            bool handled;
            memcpy(dam, enc.data, enc.len);
            if (!(dam[2] & 0x2)) {   /* not a stored (memcpyed) frame */
                memset(dam + 16, 0x7f, 4);
                handled = zsi_chain_decode_part(&ch, ctx, dam, enc.len,
                                                n * w, 0, w, got, &r);
                TAP_OK(handled && r != ZS_OK,
                       "%s: a damaged block start is an error",
                       cases[i].spec);
            }
            r = ZS_OK;
            handled = zsi_chain_decode_part(&ch, ctx, enc.data, enc.len / 2,
                                            n * w, 0, w, got, &r);
            TAP_OK(handled && r == ZS_ERR_CORRUPT,
                   "%s: a cut frame is corrupt: %s", cases[i].spec,
                   zs_ctx_message(ctx));
            free(dam);
        }
        zsi_buf_free(&enc);
        zsi_chain_free(&ch);
        free(p);
        free(got);
    }
}

/* The blocks of a range read by range: the span a frame's head names,
 * copied into a buffer of exactly its size (so that a sanitizer build
 * sees any read beyond it), decoded; the data must come back, a span
 * cut short must be an error, and odd frames must be read whole. */
static void test_decode_span(void)
{
    /* (c-blosc makes lz4 and blosclz blocks at least 64 KiB) */
    static const struct { zs_dtype t; size_t n; const char *spec; } cases[] = {
        {ZS_DT_INT16, 300001, "blosc cname=lz4 clevel=5 shuffle=1"},
        {ZS_DT_FLOAT32, 30001,
         "blosc cname=zstd clevel=3 shuffle=2 blocksize=4096"},
        {ZS_DT_FLOAT64, 100001, "blosc cname=blosclz clevel=9 shuffle=0"},
        {ZS_DT_INT16, 30001, "blosc cname=lz4 clevel=0 shuffle=1"},
    };
    uint64_t seed = 777;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].n, w = zsi_dtype_size(cases[i].t), bad = 0;
        size_t smaller = 0, cut_bad = 0, cuts = 0;
        uint8_t *p = malloc(n * w), *got = malloc(n * w);
        zsi_codec_info info = ct_info(cases[i].t, n);
        zsi_buf enc = ZSI_BUF_INIT;
        zsi_chain ch;
        zs_status st = ct_chain(ctx, &ch, cases[i].spec, &info);
        bool stored;
        ct_fill(cases[i].t, p, n);
        if (st == ZS_OK)
            st = zsi_chain_encode(&ch, ctx, p, n * w, &enc);
        stored = st == ZS_OK && (enc.data[2] & 0x2);
        for (int k = 0; st == ZS_OK && k < 200; k++) {
            size_t a, b, hn;
            zsi_span sp;
            uint8_t *f;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            a = (size_t)(seed >> 33) % n;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            b = a + 1 + (size_t)(seed >> 33) % (k % 2 ? 300 : n - a);
            if (b > n)
                b = n;
            /* the header first, then as much head as it asks for */
            if (!zsi_chain_part_span(&ch, enc.data, 16, n * w, a * w,
                                     (b - a) * w, &sp) ||
                (hn = sp.head) > enc.len ||
                !zsi_chain_part_span(&ch, enc.data, hn, n * w, a * w,
                                     (b - a) * w, &sp) ||
                sp.head != hn || sp.off > enc.len ||
                sp.len > enc.len - sp.off) {
                bad++;
                continue;
            }
            smaller += sp.head + sp.len < enc.len;
            f = malloc(sp.head + (size_t)sp.len);
            memcpy(f, enc.data, sp.head);
            memcpy(f + sp.head, enc.data + sp.off, (size_t)sp.len);
            memset(got, 0xA5, n * w);
            if (zsi_chain_decode_span(&ch, ctx, f, &sp, n * w, a * w,
                                      (b - a) * w, got) != ZS_OK ||
                memcmp(got, p + a * w, (b - a) * w) != 0)
                bad++;
            free(f);
            if (sp.len > 1 && k % 10 == 0) {   /* the span cut short */
                zsi_span cut = sp;
                cut.len--;
                f = malloc(sp.head + (size_t)cut.len);
                memcpy(f, enc.data, sp.head);
                memcpy(f + sp.head, enc.data + sp.off, (size_t)cut.len);
                cuts++;
                cut_bad += zsi_chain_decode_span(&ch, ctx, f, &cut, n * w,
                                                 a * w, (b - a) * w,
                                                 got) != ZS_OK;
                free(f);
            }
        }
        TAP_OK(st == ZS_OK && bad == 0, "%s: 200 ranges read by range "
               "decode to the data", cases[i].spec);
        TAP_OK(smaller > 100, "%s: %zu of them read less than the frame",
               cases[i].spec, smaller);
        TAP_OK(cuts > 0 && cut_bad == cuts, "%s: %zu spans cut short by a "
               "byte are errors", cases[i].spec, cuts);
        if (st == ZS_OK && !stored) {
            /* block starts out of order: the frame is read whole */
            zsi_span sp;
            uint8_t *dam = malloc(enc.len);
            size_t bs = zsi_le32(enc.data + 8);
            memcpy(dam, enc.data, enc.len);
            memcpy(dam + 20, enc.data + 16, 4);   /* block 1 starts as 0 */
            TAP_OK(!zsi_chain_part_span(&ch, dam, enc.len, n * w, 0,
                                        bs + w, &sp),
                   "%s: block starts out of order: read whole",
                   cases[i].spec);
            free(dam);
        }
        zsi_buf_free(&enc);
        zsi_chain_free(&ch);
        free(p);
        free(got);
    }
    {
        /* other chains are read whole */
        zsi_codec_info info = ct_info(ZS_DT_INT16, 100);
        zsi_chain ch;
        zsi_span sp;
        uint8_t head[64] = {0};
        bool any = false;
        const char *specs[] = {"bytes endian=little", "zstd",
                               "shuffle elementsize=2 | blosc"};
        for (size_t i = 0; i < 3; i++) {
            if (ct_chain(ctx, &ch, specs[i], &info) != ZS_OK) {
                any = true;
                continue;
            }
            any |= zsi_chain_part_span(&ch, head, sizeof head, 200, 0, 2,
                                       &sp);
            zsi_chain_free(&ch);
        }
        TAP_OK(!any, "no codec, zstd, and a filter before blosc: read whole");
    }
}

int main(void)
{
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    test_npdtype();
    test_registry();
    test_bad_configs();
    test_parse();
    test_config();
    test_chain();
    test_numcodecs_vectors();
    test_fixedscaleoffset();
    test_bitround();
    test_bytes_transpose();
    test_vlen();
    test_crc32c();
    test_checksums();
    test_checksum_chain();
    test_bz2();
    test_filter_roundtrips();
    test_compressors();
    test_decode_part();
    test_decode_span();
    zs_ctx_free(ctx);
    return TAP_DONE();
}
