/*
 * codec_impl.h - private to the codec layer: the codec classes, helpers
 * for reading codec parameters, and element conversions that follow
 * NumPy's casting rules (the filters must be byte-compatible with
 * numcodecs, which computes with NumPy).
 */
#ifndef ZSI_CODEC_IMPL_H
#define ZSI_CODEC_IMPL_H

#include "codec/zsi_codec.h"

/* Largest decoded size accepted when the caller does not know the size
 * (expect == 0, e.g. below a vlen filter).  Frames that claim more are
 * refused as corrupt rather than trusted. */
#define ZSI_CODEC_MAX_UNKNOWN ((size_t)1 << 31)

/* No zstd frame expands more than this: every block, at most 128 KiB,
 * costs at least a 3-byte header and one byte.  Blosc frames, whose
 * blocks are compressed by lz4, zlib or zstd, stay below it too.  A
 * header claiming more is corrupt, and is refused before any
 * allocation. */
#define ZSI_CODEC_MAX_RATIO 32768

/* The classes, one per file. */
extern const zsi_codec_class zsi_codec_blosc;
extern const zsi_codec_class zsi_codec_zstd;
extern const zsi_codec_class zsi_codec_lz4;
extern const zsi_codec_class zsi_codec_zlib;
extern const zsi_codec_class zsi_codec_gzip;
extern const zsi_codec_class zsi_codec_delta;
extern const zsi_codec_class zsi_codec_shuffle;
extern const zsi_codec_class zsi_codec_fixedscaleoffset;
extern const zsi_codec_class zsi_codec_bitround;
extern const zsi_codec_class zsi_codec_vlen_utf8;
extern const zsi_codec_class zsi_codec_vlen_bytes;
extern const zsi_codec_class zsi_codec_bytes;
extern const zsi_codec_class zsi_codec_transpose;
extern const zsi_codec_class zsi_codec_crc32c;
extern const zsi_codec_class zsi_codec_bz2;
extern const zsi_codec_class zsi_codec_crc32;
extern const zsi_codec_class zsi_codec_adler32;
extern const zsi_codec_class zsi_codec_fletcher32;

/* True if the instance would copy its input unchanged (bytes in native
 * order, identity transpose); the chain then skips it. */
bool zsi_bytes_is_noop(const void *state);
bool zsi_transpose_is_noop(const void *state);

/* CRC-32C (Castagnoli) of n bytes, continuing from crc (0 to start). */
uint32_t zsi_crc32c(uint32_t crc, const void *p, size_t n);
/* HDF5's Fletcher-32 of n bytes (fletcher32.c). */
uint32_t zsi_fletcher32(const uint8_t *p, size_t n);

/* ---- parameters (codec_util.c) ------------------------------------ */

/* Fail with ZS_ERR_UNSUPPORTED if cfg has a key not in the
 * NULL-terminated list keys ("id" and "name" are always allowed). */
zs_status zsi_cfg_keys(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                       const char *const *keys);
/* Integer parameter in [lo, hi]; *out is left unchanged if absent. */
zs_status zsi_cfg_int(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, int64_t lo, int64_t hi,
                      int64_t *out);
/* Boolean parameter; *out is left unchanged if absent. */
zs_status zsi_cfg_bool(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                       const char *key, bool *out);
/* String parameter (borrowed from cfg); *out unchanged if absent. */
zs_status zsi_cfg_str(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, const char **out);

/* A numeric element type as configured for a filter. */
typedef struct zsi_elt {
    zs_dtype t;
    size_t size;
    bool big_endian;
    bool swap;      /* big_endian differs from the machine's order */
    char text[16];  /* the spelling found in the configuration */
} zsi_elt;

/* The machine's byte order. */
bool zsi_native_big_endian(void);
/* Describe a numeric type with its byte order. */
void zsi_elt_init(zsi_elt *e, zs_dtype t, bool big_endian);
/* Parse a dtype parameter: a NumPy string ("<i2") or a Zarr v3 name
 * ("int16", native order).  Only bool, integers and floats.  *found is
 * 0 if the key is absent (e is then untouched). */
zs_status zsi_cfg_elt(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, zsi_elt *e, bool *found);

/* Elements are converted in blocks of this many values. */
#define ZSI_ELT_BLOCK 512

/* Load n elements as doubles (exact for floats and |int| < 2^53). */
void zsi_elt_get_f64(const zsi_elt *e, const uint8_t *p, size_t n,
                     double *out);
/* Load n integer elements, sign- or zero-extended to 64 bits. */
void zsi_elt_get_i64(const zsi_elt *e, const uint8_t *p, size_t n,
                     int64_t *out);
/* Store n doubles, converting like a NumPy cast (floats round to
 * nearest; floats to integers truncate, out-of-range values giving what
 * NumPy gives on x86-64). */
void zsi_elt_put_f64(const zsi_elt *e, const double *in, size_t n,
                     uint8_t *p);
/* Store n 64-bit integers (unsigned if is_unsigned): integers are
 * truncated to the width, floats are rounded from the exact value. */
void zsi_elt_put_i64(const zsi_elt *e, const int64_t *in, bool is_unsigned,
                     size_t n, uint8_t *p);

/* v truncated to the width of integer type t, then sign- or
 * zero-extended as t is signed or not (bool: v != 0). */
int64_t zsi_int_wrap(zs_dtype t, uint64_t v);
/* Round v to the precision of float type t (identity for float64). */
double zsi_round_to(zs_dtype t, double v);
/* IEEE half precision from a double, rounded once. */
uint16_t zsi_double_to_half(double d);
/* NumPy's promote_types for bool, integers and floats. */
zs_dtype zsi_promote(zs_dtype a, zs_dtype b);
/* NumPy's min_scalar_type for a Python float / int value. */
zs_dtype zsi_min_float_type(double v);
zs_dtype zsi_min_int_type(int64_t v);

/* blosc's parameters as Zarr v3 spells them: the shuffle by name, the
 * typesize given (blosc.c). */
zs_status zsi_blosc_config_v3(const void *state, zsi_kv *out);
/* Part of a blosc frame decoded (zsi_chain_decode_part). */
zs_status zsi_blosc_decode_part(zs_ctx *ctx, const uint8_t *in, size_t n,
                                size_t expect, size_t off, size_t len,
                                void *dst);
/* A blosc frame read by range (zsi_chain_part_span, _decode_span). */
bool zsi_blosc_part_span(const uint8_t *head, size_t hn, size_t expect,
                         size_t off, size_t len, zsi_span *sp);
zs_status zsi_blosc_decode_span(zs_ctx *ctx, uint8_t *frame,
                                const zsi_span *sp, size_t expect,
                                size_t off, size_t len, void *dst);

/* Product of the shape in info (1 for scalars); false on overflow. */
bool zsi_info_count(const zsi_codec_info *info, uint64_t *count);
/* What a bytes->bytes codec hands the next one: uint8 bytes of unknown
 * length (numcodecs passes such codecs a uint8 array). */
void zsi_info_bytes(zsi_codec_info *enc);

#endif /* ZSI_CODEC_IMPL_H */
