/* bitround.c - the "bitround" filter ({"keepbits": 3}): round the
 * mantissa of floats to keepbits bits (half to even on the dropped
 * bits), as numcodecs' BitRound.  Decoding is the identity. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct bitround_state {
    int keepbits;
    int mantbits;      /* 10, 23 or 52; 0 if the elements are not floats */
    size_t itemsize;
    bool swap;         /* elements are not in the machine's order */
} bitround_state;

static int mantissa_bits(zs_dtype t)
{
    return t == ZS_DT_FLOAT16 ? 10 : t == ZS_DT_FLOAT32 ? 23 :
           t == ZS_DT_FLOAT64 ? 52 : 0;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"keepbits", NULL};
    int64_t keep = -1;
    int mant = mantissa_bits(info->dtype);
    bitround_state *s;
    zs_status st = zsi_cfg_keys(ctx, "bitround", cfg, keys);
    (void)enc;
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "bitround", cfg, "keepbits", 0, 52, &keep);
    if (st == ZS_OK && keep < 0)
        st = zsi_err(ctx, ZS_ERR_FORMAT, "bitround: missing keepbits");
    if (st == ZS_OK && mant && keep > mant)
        st = zsi_err(ctx, ZS_ERR_FORMAT,
                     "bitround: keepbits %d exceeds the %d mantissa bits "
                     "of %s", (int)keep, mant, zs_dtype_name(info->dtype));
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->keepbits = (int)keep;
    s->mantbits = mant;
    s->itemsize = zsi_dtype_size(info->dtype);
    s->swap = s->itemsize > 1 &&
              info->big_endian != zsi_native_big_endian();
    *state = s;
    return ZS_OK;
}

/* The same integer arithmetic as numcodecs, on unsigned words (NumPy
 * wraps signed overflow, which is the same thing). */
#define ROUND_LOOP(T, p, count, drop)                                    \
    do {                                                                \
        T mask_ = (T) ~(T)(((T)1 << (drop)) - 1);                       \
        T half_ = (T)(((T)1 << ((drop) - 1)) - 1);                      \
        for (size_t i_ = 0; i_ < (count); i_++) {                       \
            T b_;                                                       \
            memcpy(&b_, (p) + i_ * sizeof(T), sizeof(T));               \
            b_ = (T)(b_ + ((b_ >> (drop)) & 1) + half_);                \
            b_ &= mask_;                                                \
            memcpy((p) + i_ * sizeof(T), &b_, sizeof(T));               \
        }                                                               \
    } while (0)

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const bitround_state *s = state;
    size_t count;
    int drop = s->mantbits - s->keepbits;
    if (!s->mantbits)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "bitround: only float elements can be bit-rounded");
    if (n % s->itemsize)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "bitround: %zu bytes is not a whole number of "
                       "%zu-byte elements", n, s->itemsize);
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    if (n)
        memcpy(out->data, in, n);
    if (drop == 0)
        return ZS_OK;
    count = n / s->itemsize;
    if (s->swap)
        zsi_byteswap(out->data, count, s->itemsize);
    if (s->itemsize == 2)
        ROUND_LOOP(uint16_t, out->data, count, drop);
    else if (s->itemsize == 4)
        ROUND_LOOP(uint32_t, out->data, count, drop);
    else
        ROUND_LOOP(uint64_t, out->data, count, drop);
    if (s->swap)
        zsi_byteswap(out->data, count, s->itemsize);
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    (void)state;
    (void)expect;
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    if (n)
        memcpy(out->data, in, n);
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const bitround_state *s = state;
    return zsi_kv_set_int(out, "keepbits", s->keepbits) ? ZS_OK
                                                        : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const bitround_state *s = state;
    snprintf(buf, size, "%d", s->keepbits);
}

const zsi_codec_class zsi_codec_bitround = {
    "bitround", ZSI_CODEC_FILTER, create, encode, decode, config,
    describe, free,
};
