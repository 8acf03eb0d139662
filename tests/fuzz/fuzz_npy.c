/*
 * fuzz_npy.c - the .npy header parser (zbatch --assemble reads
 * predictions written by anyone) on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no undefined behaviour": a header it
 * accepts lies within the bytes given, has at most ZS_MAX_DIMS lengths
 * each at most 2^48, and writing the same type and shape again gives a
 * header (a multiple of 64 bytes) that parses back to them.
 */
#include "config.h"

#include "ops/zsi_batch.h"
#include "fuzz.h"

static zs_ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t shape[ZS_MAX_DIMS], again[ZS_MAX_DIMS];
    zs_dtype t, t2;
    int nd, nd2;
    size_t off, off2;
    zsi_buf h = ZSI_BUF_INIT;
    if (!ctx && zs_ctx_new(&ctx) != ZS_OK)
        abort();
    if (zsi_npy_parse(ctx, "fuzz", data, size, &t, &nd, shape, &off) !=
        ZS_OK)
        return 0;
    if (off > size || nd < 0 || nd > ZS_MAX_DIMS)
        FUZZ_FAIL("accepted a header of %zu bytes in %zu, %d lengths", off,
                  size, nd);
    for (int i = 0; i < nd; i++)
        if (shape[i] > ((uint64_t)1 << 48))
            FUZZ_FAIL("length %d is %llu", i, (unsigned long long)shape[i]);
    if (t != ZS_DT_FLOAT32 && t != ZS_DT_FLOAT64)
        FUZZ_FAIL("type %s", zs_dtype_name(t));
    if (zsi_npy_header(ctx, t, nd, shape, 0, &h) == ZS_OK) {
        if (h.len % 64)
            FUZZ_FAIL("a header of %zu bytes", h.len);
        if (zsi_npy_parse(ctx, "again", h.data, h.len, &t2, &nd2, again,
                          &off2) != ZS_OK)
            FUZZ_FAIL("our header does not parse: %s", zs_ctx_message(ctx));
        if (t2 != t || nd2 != nd || off2 != h.len ||
            memcmp(again, shape, (size_t)nd * sizeof *shape))
            FUZZ_FAIL("our header parses to another type or shape");
    }
    zsi_buf_free(&h);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *d)
{
    (void)d;
    return 0;   /* the corpus is written by hand */
}
#endif
