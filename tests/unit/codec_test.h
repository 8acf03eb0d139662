/*
 * codec_test.h - helpers shared by the codec unit tests: chunk
 * descriptions, deterministic test data, and chains built from text
 * such as "delta dtype=<i2 | zlib level=1".
 */
#ifndef CODEC_TEST_H
#define CODEC_TEST_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec/zsi_codec.h"
#include "codec_kv.h"

static inline zsi_codec_info ct_info_nd(zs_dtype t, int ndim,
                                        const uint64_t *shape)
{
    zsi_codec_info info;
    memset(&info, 0, sizeof info);
    info.dtype = t;
    info.itemsize = t == ZS_DT_STRING ? 8 : zsi_dtype_size(t);
    info.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        info.shape[i] = shape[i];
    return info;
}

static inline zsi_codec_info ct_info(zs_dtype t, uint64_t count)
{
    return ct_info_nd(t, 1, &count);
}

static uint64_t ct_rng = 88172645463325252ULL;

static inline uint64_t ct_rand(void)
{
    ct_rng ^= ct_rng << 13;
    ct_rng ^= ct_rng >> 7;
    ct_rng ^= ct_rng << 17;
    return ct_rng;
}

/* count elements of type t, native order: a slow wave plus noise, so
 * that compressors have something to find but not everything. */
static inline void ct_fill(zs_dtype t, void *p, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        double v = 100 * sin((double)i * 0.01) +
                   (double)(ct_rand() % 16) - 8;
        if (t == ZS_DT_BOOL)
            ((uint8_t *)p)[i] = (uint8_t)(ct_rand() & 1);
        else if (zsi_dtype_is_float(t))
            zsi_store_double(t, p, i, v + 0.001 * (double)i);
        else if (!zsi_dtype_is_signed(t))
            zsi_store_double(t, p, i, floor(fabs(v)));
        else
            zsi_store_double(t, p, i, floor(v));
    }
}

/* Add "id k=v ..." to ch. */
static inline zs_status ct_add(zs_ctx *ctx, zsi_chain *ch, const char *part,
                               const zsi_codec_info *info)
{
    zsi_kv kv = {NULL, 0};
    char id[64];
    size_t skip = strspn(part, " "), len = strcspn(part + skip, " ");
    zs_status st = ZS_ERR_INVALID;
    if (len == 0 || len >= sizeof id)
        return st;
    memcpy(id, part + skip, len);
    id[len] = 0;
    if (codec_kv_parse(&kv, part + skip + len))
        st = zsi_chain_add(ctx, ch, id, &kv, info);
    zsi_kv_free(&kv);
    return st;
}

/* Build a chain from "id k=v ... | id k=v ..." (" | " separates, so
 * that "|u1" can be a value). */
static inline zs_status ct_chain(zs_ctx *ctx, zsi_chain *ch,
                                 const char *spec,
                                 const zsi_codec_info *info)
{
    char *copy = zsi_strdup(spec), *part = copy, *bar;
    zs_status st = ZS_OK;
    zsi_chain_init(ch);
    while (part && st == ZS_OK) {
        bar = strstr(part, " | ");
        if (bar)
            *bar = 0;
        st = ct_add(ctx, ch, part, info);
        part = bar ? bar + 3 : NULL;
    }
    free(copy);
    if (st != ZS_OK)
        zsi_chain_free(ch);
    return st;
}

#endif
