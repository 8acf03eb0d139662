/*
 * array_impl.h - private to the array layer (the files in array/): the
 * insides of an array, the read-ahead's and sharding's internal entry
 * points.
 */
#ifndef ZSI_ARRAY_IMPL_H
#define ZSI_ARRAY_IMPL_H

#include "array/zsi_array.h"

struct zsi_shard;
struct zsi_ahead;

struct zs_array {
    zs_ctx *ctx;
    zs_store *store;
    char *path;                      /* "" for a root array */
    zsi_array_meta meta;
    zsi_chain chain;                 /* chunk codecs (inner for shards) */
    uint64_t cshape[ZS_MAX_DIMS];    /* unit of I/O: the chunk shape, or
                                        the inner chunk shape of shards */
    size_t itemsize;                 /* bytes per element in chunks */
    uint64_t chunk_elems;
    size_t chunk_bytes;              /* 0 for ZS_DT_STRING */
    uint64_t grid[ZS_MAX_DIMS];      /* chunks (inner chunks) per dim */
    uint64_t nchunks;                /* product of grid */
    bool swap;                       /* decoded elements not native */
    bool fortran;                    /* chunks stored in F order */
    bool skip_fill_chunks;           /* writer: drop all-fill chunks */
    bool streaming;                  /* reader: each chunk is wanted once,
                                        so partly read ones are not cached */
    bool read_part;                  /* reader: decode only what a read
                                        takes of a chunk (no caching) */
    size_t span_head;                /* bytes of a chunk's head that the
                                        last read by range needed, or 0
                                        (atomic) */
    uint64_t cache_id;
    struct zsi_shard *shard;         /* v3 sharding, or NULL */
    struct zsi_ahead *ahead;         /* read-ahead (remote), or NULL */
    zs_status broken;                /* codecs we cannot run: reads fail */
    char *broken_msg;                /* with this message */
    uint64_t nmissing;               /* chunk reads that found nothing
                                        while any_chunk is false (atomic) */
    bool any_chunk;                  /* a read found a chunk (atomic) */
};

/* For region reads: the stored bytes of chunk idx if the read-ahead
 * fetched them (*taken; waits for the transfer), or its error. */
zs_status zsi_ahead_take(zs_array *a, uint64_t idx, zsi_buf *raw,
                         int *found, bool *taken);
/* Drop what the read-ahead fetched (waits for the transfer). */
void zsi_ahead_drop(zs_array *a);
/* Start the transfer of the box zsi_array_will_read named, less the
 * chunks of the current read (chunks lo[d] .. lo[d] + n[d] - 1 per
 * dimension) and those in the cache. */
void zsi_ahead_start(zs_array *a, const uint64_t *lo, const uint64_t *n);
void zsi_ahead_free(struct zsi_ahead *ah);

/* Bytes off .. off + len of decoded chunk cidx (native order) into dst,
 * decoding no more of it than the codecs need: from raw (stored bytes,
 * raw_found 0 if absent) or fetched.  *found 0: the chunk is absent and
 * dst untouched. */
zs_status zsi_array_load_part(zs_array *a, const uint64_t *cidx,
                              const zsi_buf *raw, int raw_found, size_t off,
                              size_t len, void *dst, int *found);

/* True if every element of a decoded chunk equals the fill value. */
bool zsi_array_all_fill(const zs_array *a, const uint8_t *p);
/* Encode one decoded chunk (chunk_bytes, C order, native) for storing;
 * *skip: every element is the fill value and the array does not write
 * such chunks (nothing encoded). */
zs_status zsi_array_encode_chunk(zs_array *a, const void *data, zsi_buf *enc,
                                 bool *skip);

/* ---- sharding (shard.c) --------------------------------------------- */

/* Set up sharding from the "sharding_indexed" codec of a v3 array. */
zs_status zsi_shard_setup(zs_array *a, const zsi_codec_spec *spec);
void zsi_shard_free(struct zsi_shard *sh);
/* Raw (encoded) bytes of inner chunk cidx; *found 0 when absent. */
zs_status zsi_shard_get(zs_array *a, const uint64_t *cidx, zsi_buf *out,
                        int *found);
/* Write the box start/count of in (C order, native) to a sharded array:
 * every shard it touches is encoded whole (inner chunks outside the box
 * are kept from the stored shard, which a stream cannot give: there
 * writes must cover whole shards) and stored in shard order. */
zs_status zsi_shard_write(zs_array *a, const uint64_t *start,
                          const uint64_t *count, const void *in);

#endif /* ZSI_ARRAY_IMPL_H */
