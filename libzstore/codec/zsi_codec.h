/*
 * zsi_codec.h - codec layer: a registry of codec classes and chains of
 * codec instances.  Includes only util.
 *
 * A codec class is a function table registered under its metadata id
 * ("blosc", "zstd", "delta", ...).  A codec instance is created from the
 * class with its parameters (a zsi_kv parsed from metadata by the layer
 * above) and with the element type and chunk shape it will see.
 *
 * Every codec is bytes -> bytes from the chain's point of view: encode
 * takes the decoded representation (array elements in the array's stored
 * byte order) and produces the encoded one; decode does the reverse.
 * Filters that change the element type (fixedscaleoffset, delta with
 * astype) report the element type of their encoded side through
 * zsi_codec_encoded_info() so the next codec in the chain is created with
 * the right type.
 *
 * Instances are immutable after creation: encode and decode may be called
 * from several threads at once on the same instance.
 */
#ifndef ZSI_CODEC_H
#define ZSI_CODEC_H

#include "util/zsi_util.h"

/* What a codec sees: the elements on its decoded side. */
typedef struct zsi_codec_info {
    zs_dtype dtype;       /* element type (ZS_DT_STRING for vlen) */
    size_t itemsize;      /* bytes per element (8 for vlen offsets) */
    bool big_endian;      /* byte order of the elements */
    int ndim;             /* chunk dimensions (0 for scalars) */
    uint64_t shape[ZS_MAX_DIMS]; /* chunk shape */
} zsi_codec_info;

/* Kinds, used for validation and for describing chains. */
enum {
    ZSI_CODEC_FILTER = 1,     /* v2 "filters" entry / v3 array->array */
    ZSI_CODEC_COMPRESSOR = 2, /* v2 "compressor" / v3 bytes->bytes */
    ZSI_CODEC_ARRAY_BYTES = 3 /* v3 array->bytes ("bytes", "vlen-utf8") */
};

typedef struct zsi_codec_class {
    const char *id;   /* metadata id, e.g. "blosc" */
    int kind;
    /* Validate cfg and build the state.  ctx receives the message on
     * failure (ZS_ERR_FORMAT for bad parameters, ZS_ERR_UNSUPPORTED for
     * valid but unsupported ones).  info->... describes the decoded side;
     * the codec may set *enc_info to describe its encoded side (it is
     * pre-filled with a copy of *info). */
    zs_status (*create)(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc_info,
                        void **state);
    /* in/n: decoded bytes.  Appends nothing: out is resized to exactly the
     * encoded length. */
    zs_status (*encode)(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out);
    /* in/n: encoded bytes.  expect: the decoded size if the caller knows
     * it (0 if not); a codec whose frame disagrees with a non-zero expect
     * must fail with ZS_ERR_CORRUPT rather than return other data. out is
     * resized to exactly the decoded length.  Never reads past in+n and
     * never trusts a size in the frame beyond expect or a sane bound. */
    zs_status (*decode)(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect);
    /* The parameters to write back to metadata (including defaults). */
    zs_status (*config)(const void *state, zsi_kv *out);
    /* Short description for humans: "lz4,5,shuffle". */
    void (*describe)(const void *state, char *buf, size_t size);
    void (*destroy)(void *state);
} zsi_codec_class;

/* Find a codec class by id; NULL if unknown. */
const zsi_codec_class *zsi_codec_lookup(const char *id);

/* A codec instance. */
typedef struct zsi_codec {
    const zsi_codec_class *cls;
    void *state;
    zsi_codec_info dec_info;   /* decoded side */
    zsi_codec_info enc_info;   /* encoded side */
} zsi_codec;

/* Create an instance of the codec called id.  Unknown ids and codecs that
 * zstore cannot handle (lzma, pickle, msgpack, ...) fail with
 * ZS_ERR_UNSUPPORTED and the message "unsupported codec 'ID'". */
zs_status zsi_codec_new(zs_ctx *ctx, const char *id, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec **out);
void zsi_codec_free(zsi_codec *c);
/* The codec's name in Zarr v3 metadata: the v3 specification's own codecs
 * ("bytes", "blosc", "gzip", "zstd", "crc32c", "transpose", "vlen-utf8")
 * by name, the others "numcodecs.ID"; free with free(); NULL on no
 * memory. */
char *zsi_codec_v3_name(const zsi_codec *c);
/* The codec's parameters (with defaults) as Zarr format 2 or 3 writes
 * them, into a fresh out. */
zs_status zsi_codec_config(const zsi_codec *c, int zarr_format, zsi_kv *out);

/* A chain: codecs applied in order by encode, in reverse by decode. */
typedef struct zsi_chain {
    zsi_codec **codecs;
    size_t n;
    char *desc;  /* "delta(<i2)|blosc(lz4,5,shuffle)" or "none" */
} zsi_chain;

void zsi_chain_init(zsi_chain *ch);
void zsi_chain_free(zsi_chain *ch);
/* Append a codec created from id/cfg; its decoded side is the previous
 * codec's encoded side (or *first for the first codec). */
zs_status zsi_chain_add(zs_ctx *ctx, zsi_chain *ch, const char *id,
                        const zsi_kv *cfg, const zsi_codec_info *first);
/* Encode n decoded bytes through the chain into out. */
zs_status zsi_chain_encode(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, zsi_buf *out);
/* Decode through the chain; expect is the decoded chunk size in bytes
 * (checked exactly). */
zs_status zsi_chain_decode(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, zsi_buf *out,
                           size_t expect);

/* Decode straight into dst, which holds exactly size bytes, when the
 * chain allows it (at most one active codec): returns true and the
 * outcome in *st.  False: use zsi_chain_decode. */
bool zsi_chain_decode_into(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, void *dst,
                           size_t size, zs_status *st);

/* Decode only bytes off .. off + len of a chunk whose decoded size is
 * expect, into dst, when the chain allows it without decoding the rest
 * (no codec, or one blosc compressor: only the blocks holding the range
 * are decompressed): returns true and the outcome in *st.  False: use
 * zsi_chain_decode.  The frame is checked as a whole decode checks it. */
bool zsi_chain_decode_part(const zsi_chain *ch, zs_ctx *ctx,
                           const uint8_t *in, size_t n, size_t expect,
                           size_t off, size_t len, void *dst, zs_status *st);
/* Whether zsi_chain_decode_part can apply to the chain's chunks. */
bool zsi_chain_can_decode_part(const zsi_chain *ch);

/* A decode in part from a chunk read by range: the first head stored
 * bytes of the chunk (a blosc frame's header and block starts), and its
 * stored bytes off .. off + len (the blocks that hold the range). */
typedef struct zsi_span {
    size_t head;
    uint64_t off, len;
} zsi_span;

/* Whether the chain's chunks may be read by range (one blosc codec):
 * others are read whole, without a read of their head first. */
bool zsi_chain_can_part_span(const zsi_chain *ch);
/* The span that bytes off .. off + len of a chunk decoded to expect
 * bytes need, from its first hn stored bytes: true and *sp (when
 * sp->head > hn, ask again with that many), or false: read the chunk
 * whole (not a blosc frame, not this frame's items, an odd block
 * table). */
bool zsi_chain_part_span(const zsi_chain *ch, const uint8_t *head,
                         size_t hn, size_t expect, size_t off, size_t len,
                         zsi_span *sp);
/* Decode bytes off .. off + len into dst from frame: the chunk's first
 * sp->head bytes, then its stored bytes of sp (sp->len of them), which
 * this rewrites into a frame of its own.  An error means the span does
 * not hold what the frame says: the chunk read whole tells what is
 * wrong. */
zs_status zsi_chain_decode_span(const zsi_chain *ch, zs_ctx *ctx,
                                uint8_t *frame, const zsi_span *sp,
                                size_t expect, size_t off, size_t len,
                                void *dst);

/* Parse a compressor specification as given on the command line:
 * "blosc:lz4:5:shuffle", "blosc:zstd:3:bitshuffle:blocksize=0", "zstd:3",
 * "lz4", "zlib:1", "gzip:5", "none".  Fills *id (static string, NULL for
 * none) and cfg with the numcodecs parameters. */
zs_status zsi_compressor_parse(zs_ctx *ctx, const char *spec,
                               const char **id, zsi_kv *cfg);

/* Variable-length strings (ZS_DT_STRING) in decoded form: a buffer that
 * starts with one uint64 offset per element (native order), each pointing
 * at a NUL-terminated UTF-8 string stored after the offset table. */
bool zsi_vlen_build(zsi_buf *out, const char *const *strs, size_t n);
const char *zsi_vlen_get(const uint8_t *buf, size_t i);

#endif /* ZSI_CODEC_H */
