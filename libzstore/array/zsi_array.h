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

/* An array's insides are the array layer's own (array_impl.h); the
 * layers above use these functions. */

/* The array's metadata (read only). */
const zsi_array_meta *zsi_array_meta_of(const zs_array *a);
zs_store *zsi_array_store(const zs_array *a);
/* Path in the store ("" for a root array). */
const char *zsi_array_path(const zs_array *a);
zs_ctx *zsi_array_ctx(const zs_array *a);
/* Units of I/O: chunks, or inner chunks of shards. */
uint64_t zsi_array_nchunks(const zs_array *a);
/* Objects in the store when complete: shards, or chunks. */
uint64_t zsi_array_nobjects(const zs_array *a);
bool zsi_array_sharded(const zs_array *a);
/* The shape writes should be aligned to: the shard shape of a sharded
 * array (a write that covers part of a shard rewrites the shard), else
 * the chunk shape. */
const uint64_t *zsi_array_write_unit(const zs_array *a);
/* The shape a read decodes as one piece: the chunk shape, or the inner
 * chunk shape of shards. */
const uint64_t *zsi_array_read_unit(const zs_array *a);
/* True if rest (a key relative to the array's path) names a chunk (or
 * a shard) of the array. */
bool zsi_array_is_chunk_key(const zs_array *a, const char *rest);
/* Why the array cannot be read (codecs we cannot run), or NULL. */
const char *zsi_array_problem(const zs_array *a);
/* Codec description ("blosc(lz4,5,shuffle)"). */
const char *zsi_array_codecs_desc(const zs_array *a);

/* Access hints.  Read once: each chunk is wanted once, so chunks read in
 * part are not kept in the cache and a stream may drop them. */
void zsi_array_set_read_once(zs_array *a, bool on);
/* Read in part: a read that takes a small part of a chunk decodes only
 * that part (where the codecs allow: no compressor, or blosc, whose
 * blocks are decoded alone) and nothing is cached, for passes that read
 * a band of every chunk and come back for the next band later.  Read
 * once implies it. */
void zsi_array_set_read_part(zs_array *a, bool on);
/* Whether its chunks can be decoded in part (C order, fixed-size
 * elements, no codec or one blosc compressor). */
bool zsi_array_can_read_part(const zs_array *a);
/* Whether its store is remote (each read of a chunk a transfer). */
bool zsi_array_is_remote(const zs_array *a);
/* Writing: chunks (inner chunks of shards) whose every element equals
 * the fill value are not written (erased if present). */
void zsi_array_set_skip_fill(zs_array *a, bool on);
/* Writing: send what is written to s instead (a worker process's pipe
 * to its parent); the array's metadata is unchanged. */
void zsi_array_retarget(zs_array *a, zs_store *s);

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
/* Create a new array for writing; writes nothing.  Builds the codec chain
 * from m: v2 filters + compressor, or v3 codecs (array->array filters,
 * one array->bytes codec, bytes->bytes codecs).  With shard (NULL: none;
 * v3 only) the array is sharded: m->chunks are the inner chunks and
 * shard the shard shape (a multiple of them); m's codecs become the
 * inner codecs of a sharding_indexed codec with a bytes + crc32c index
 * at the end.  The codecs' full configurations, in the format's
 * spelling, replace the specs in the array's metadata. */
zs_status zsi_array_create(zs_store *s, const char *path,
                           const zsi_array_meta *m, const uint64_t *shard,
                           zs_array **out);
/* Metadata text of an array: .zarray (v2) or zarr.json (v3). */
zs_status zsi_array_format_meta(zs_array *a, int lvl, zsi_buf *out);
/* .zattrs of a v2 array. */
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

/* ---- blocks (blocks.c) ---------------------------------------------- */

/* Boxes covering a shape in C order, each of at most budget bytes but
 * never less than one unit (a chunk, or a shard for writes to sharded
 * arrays).  Aligned (the default): one unit along dims < k, a multiple
 * of the unit along k (step elements), all of the dims after: every box
 * is made of whole units.  ZSI_BLOCKS_C_ORDER: one index along dims < k,
 * a run along k, all after: every box is contiguous in C order. */
enum { ZSI_BLOCKS_C_ORDER = 1 };
typedef struct zsi_blocks {
    int ndim;
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t unit[ZS_MAX_DIMS];
    int k;                  /* the dimension cut in runs */
    uint64_t step;          /* elements along k per box */
    bool c_order;
    uint64_t n;             /* number of boxes (0 for an empty shape) */
} zsi_blocks;

/* Plan; false if the number of boxes overflows. */
bool zsi_blocks_plan(zsi_blocks *b, int ndim, const uint64_t *shape,
                     const uint64_t *unit, size_t itemsize, size_t budget,
                     unsigned flags);
/* The same, aligned to the write unit of array a (its shards or chunks),
 * with elements of the array's size in memory. */
bool zsi_blocks_for_array(zsi_blocks *b, const zs_array *a, size_t budget);
/* Box i (i < n). */
void zsi_blocks_box(const zsi_blocks *b, uint64_t i, uint64_t *start,
                    uint64_t *count);
/* Elements of the largest box. */
uint64_t zsi_blocks_max_elems(const zsi_blocks *b);

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

#endif /* ZSI_ARRAY_H */
