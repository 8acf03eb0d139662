/*
 * zsi_array.h - array layer: chunk grid, region reads and writes mapped
 * onto chunks, decoded-chunk cache with a byte budget, sharding.
 * Includes util, store, codec and meta.
 *
 * Chunk buffers handed around inside the library are "decoded chunks":
 * C order, native byte order, the full chunk shape (edge chunks padded),
 * itemsize bytes per element; for ZS_DT_STRING the vlen layout of
 * zsi_codec.h.
 */
#ifndef ZSI_ARRAY_H
#define ZSI_ARRAY_H

#include "codec/zsi_codec.h"
#include "meta/zsi_meta.h"
#include "store/zsi_store.h"
#include "util/zsi_util.h"

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
    uint64_t cache_id;
    struct zsi_shard *shard;         /* v3 sharding, or NULL */
    struct zsi_ahead *ahead;         /* read-ahead (remote), or NULL */
    zs_status broken;                /* codecs we cannot run: reads fail */
    char *broken_msg;                /* with this message */
    uint64_t nmissing;               /* chunk reads that found nothing
                                        while any_chunk is false (atomic) */
    bool any_chunk;                  /* a read found a chunk (atomic) */
};

/* Chunk reads that find nothing before the first chunk present: a bound
 * against metadata whose shape the data do not fill (a shape made to
 * lie walks 10^14 missing chunks for ever).  2^24: more chunks than any
 * array written by anyone, whose chunks are all absent, is read whole. */
#define ZSI_MISSING_MAX ((uint64_t)1 << 24)

/* Count one chunk read (by zs_array_read or a check): found or not.
 * ZS_ERR_FORMAT, naming the array and the bound, once more than
 * ZSI_MISSING_MAX reads found nothing and none ever found a chunk. */
zs_status zsi_array_note_read(zs_array *a, int found);

/* Open with metadata already parsed (copied). */
zs_status zsi_array_from_meta(zs_store *s, const char *path,
                              const zsi_array_meta *m, zs_array **out);
/* Create a new array for writing: builds the codec chain from the specs
 * in m (v2 filters + compressor) and writes nothing.  The codecs' full
 * configurations (with defaults) replace the specs in a->meta. */
zs_status zsi_array_create(zs_store *s, const char *path,
                           const zsi_array_meta *m, zs_array **out);
/* Metadata texts of a v2 array (.zarray / .zattrs) into out. */
zs_status zsi_array_format_zarray(zs_array *a, int lvl, zsi_buf *out);
zs_status zsi_array_format_zattrs(zs_array *a, int lvl, zsi_buf *out);

/* Reads fetch a box's stored bytes in one parallel transfer before
 * decoding them, and may fetch the next box ahead: remote stores, for
 * arrays that are neither sharded nor broken. */
bool zsi_array_fetches_ahead(const zs_array *a);
/* Read-ahead (remote stores; a no-op for others).  The caller's next
 * zs_array_read() will be followed by a read of the box start/count:
 * once that read has its own chunks, it starts transferring this box's
 * stored bytes on a thread of their own while it decodes, and the read
 * after it takes them.  NULL start/count: no next box (what is on its
 * way stays for the next read).  One box at a time; for one reading
 * thread per array. */
void zsi_array_will_read(zs_array *a, const uint64_t *start,
                         const uint64_t *count);
/* No more reads ahead: waits for a transfer and drops what it fetched
 * (the end of a loop of reads, and before writes). */
void zsi_array_ahead_stop(zs_array *a);
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

/* Store key of chunk cidx (grid coordinates). */
zs_status zsi_array_chunk_key(const zs_array *a, const uint64_t *cidx,
                              zsi_buf *key);
/* Load and decode one chunk.  *found 0: absent (out not touched). */
zs_status zsi_array_load_chunk(zs_array *a, const uint64_t *cidx,
                               zsi_buf *out, int *found);
/* The same, decoded straight into dst (chunk_bytes bytes, C order) when
 * the codecs allow it; dst is untouched when the chunk is missing. */
zs_status zsi_array_load_chunk_into(zs_array *a, const uint64_t *cidx,
                                    void *dst, int *found);
/* Decode stored bytes of a chunk (key for messages) as the two above. */
zs_status zsi_array_decode_raw(zs_array *a, const char *key,
                               const uint8_t *raw, size_t n, zsi_buf *out);
zs_status zsi_array_decode_raw_into(zs_array *a, const char *key,
                                    const uint8_t *raw, size_t n, void *dst);
/* Writes to a stream store go in chunk order: the write of task i
 * waits for its turn (tasks are handed out in increasing order). */
typedef struct zsi_turn {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t next;
} zsi_turn;
void zsi_turn_wait(zsi_turn *t, size_t i);
void zsi_turn_pass(zsi_turn *t, size_t i);   /* waits, then i + 1's turn */

/* Encode and store one decoded chunk (chunk_bytes, C order, native);
 * with turn (or NULL), the store is written in task i's turn. */
zs_status zsi_array_store_chunk(zs_array *a, const uint64_t *cidx,
                                const void *data, zsi_turn *turn, size_t i);
/* Linear index <-> grid coordinates (C order over the grid). */
void zsi_array_unravel(const zs_array *a, uint64_t idx, uint64_t *cidx);
uint64_t zsi_array_ravel(const zs_array *a, const uint64_t *cidx);
/* Shape of chunk cidx clipped to the array (edge chunks are smaller). */
void zsi_array_chunk_extent(const zs_array *a, const uint64_t *cidx,
                            uint64_t *start, uint64_t *count);
/* Fill n elements at p with the fill value (zeros if null). */
void zsi_array_fill_elems(const zs_array *a, void *p, uint64_t n);

/* ---- n-dimensional copies (nd.c) ----------------------------------- */

/* Copy the box count[] from src (shape sshape, box origin soff) to dst
 * (shape dshape, origin doff), elements of size w, C order. */
void zsi_nd_copy(int ndim, size_t w, const void *src, const uint64_t *sshape,
                 const uint64_t *soff, void *dst, const uint64_t *dshape,
                 const uint64_t *doff, const uint64_t *count);
/* Fill the box with copies of item (w bytes). */
void zsi_nd_fill(int ndim, size_t w, void *dst, const uint64_t *dshape,
                 const uint64_t *doff, const uint64_t *count,
                 const void *item);
/* Transpose an F-order buffer of shape into C order (out must not alias). */
void zsi_nd_f_to_c(int ndim, size_t w, const void *in, const uint64_t *shape,
                   void *out);
void zsi_nd_c_to_f(int ndim, size_t w, const void *in, const uint64_t *shape,
                   void *out);

/* ---- decoded-chunk cache (cache.c) ---------------------------------- */

typedef struct zsi_centry {
    uint64_t id, idx;
    zsi_buf data;
    int found;
    int refs;
    bool cached;                     /* in the table (else temporary) */
    struct zsi_centry *prev, *next;  /* LRU list, most recent first */
    struct zsi_centry *hnext;        /* hash chain */
} zsi_centry;

struct zsi_cache;
/* The context's cache (created on first use). */
struct zsi_cache *zsi_cache_of(zs_ctx *ctx);
uint64_t zsi_cache_new_id(struct zsi_cache *c);
/* The byte budget (0 without a cache). */
size_t zsi_cache_budget(struct zsi_cache *c);
/* A referenced entry, or NULL. */
zsi_centry *zsi_cache_get(struct zsi_cache *c, uint64_t id, uint64_t idx);
/* Insert (taking data); returns a referenced entry (an existing one if
 * another thread was first).  NULL only on no memory. */
zsi_centry *zsi_cache_put(struct zsi_cache *c, uint64_t id, uint64_t idx,
                          zsi_buf *data, int found);
void zsi_cache_release(struct zsi_cache *c, zsi_centry *e);
/* Forget one chunk / all chunks of an array. */
void zsi_cache_drop(struct zsi_cache *c, uint64_t id, uint64_t idx);
void zsi_cache_drop_all(struct zsi_cache *c, uint64_t id);

/* ---- sharding (shard.c) --------------------------------------------- */

/* Set up sharding from the "sharding_indexed" codec of a v3 array. */
zs_status zsi_shard_setup(zs_array *a, const zsi_codec_spec *spec);
void zsi_shard_free(struct zsi_shard *sh);
/* Raw (encoded) bytes of inner chunk cidx; *found 0 when absent. */
zs_status zsi_shard_get(zs_array *a, const uint64_t *cidx, zsi_buf *out,
                        int *found);

#endif /* ZSI_ARRAY_H */
