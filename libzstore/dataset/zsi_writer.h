/*
 * zsi_writer.h - the dataset writer: the one way the library writes a
 * store.  Every operation that produces a store (conversion, selection,
 * reduction, rechunking, ...) opens a writer, adds groups and arrays,
 * writes values, and finishes; the writer knows the formats (Zarr v2,
 * v3, sharded or not), the order a stream needs (metadata first) and the
 * order a folder needs (consolidated metadata last, so that an
 * unfinished store never looks complete), and discards what it wrote on
 * failure, keeping the first error's message.
 *
 * Array definitions are format-neutral: codecs are given as a v3-style
 * list of array->array filters and bytes->bytes compressors; the
 * array->bytes step follows from the data type.  The v2 serializer maps
 * them to "filters" + "compressor", the v3 one to "codecs".
 */
#ifndef ZSI_WRITER_H
#define ZSI_WRITER_H

#include "dataset/zsi_dataset.h"

/* What "auto" chunks aim at, in bytes of raw values. */
#define ZSI_CHUNK_AUTO_BYTES ((uint64_t)8 << 20)

/* The output settings (the public zs_write_opts). */
struct zs_write_opts {
    zs_ctx *ctx;
    int format;                 /* 2 or 3 */
    zsi_dimspec chunks;         /* output chunks asked for (may be empty) */
    zsi_dimspec shards;         /* shard lengths; empty: no sharding */
    bool compressor_set;
    const char *compressor_id;  /* static; NULL: no compressor */
    zsi_kv compressor_cfg;
    bool overwrite;
    bool checksums;             /* crc32c (v3) or crc32 (v2) per chunk */
    char *history;              /* text added to the history attribute */
};

/* Defaults (Zarr v2, the op's chunks, blosc lz4 5 shuffle). */
void zsi_write_opts_init(zs_write_opts *w, zs_ctx *ctx);
/* A copy for an operation to keep (src NULL: the defaults). */
zs_status zsi_write_opts_copy(zs_ctx *ctx, const zs_write_opts *src,
                              zs_write_opts *dst);
void zsi_write_opts_clear(zs_write_opts *w);

/* The output chunks of an array with dimensions dims and shape: chunks
 * holds the operation's default and receives the settings' choice for
 * each dimension they name (-1: whole; auto: about 8 MiB per chunk,
 * the last dimensions first). */
void zsi_write_chunks(const zs_write_opts *w, int ndim,
                      const char *const *dims, const uint64_t *shape,
                      size_t itemsize, uint64_t *chunks);
/* The shard shape the settings give an array with these chunks: per
 * dimension -1 (the whole dimension), a multiple of the chunk length, or
 * one chunk where not named; capped at the dimension rounded up to
 * chunks.  *sharded false (and shard = chunks) when every shard would
 * hold one chunk, without settings, and for variable-length strings
 * (never sharded).  A length that is not a multiple of the chunk is an
 * error naming the array (path). */
zs_status zsi_write_shards(const zs_write_opts *w, const char *path,
                           int ndim, const char *const *dims,
                           const uint64_t *shape, const uint64_t *chunks,
                           zs_dtype dtype, uint64_t *shard, bool *sharded);
/* Fail if the settings name a dimension (for chunks or shards) that
 * no output array has: "chunks: no dimension 'x' in the output". */
zs_status zsi_write_check_dims(const zs_write_opts *w, const zsi_strv *dims);

/* An array to write. */
typedef struct zsi_array_def {
    const char *path;              /* "g/name" */
    int ndim;
    const uint64_t *shape, *chunks;
    const char *const *dims;       /* dimension names */
    zs_dtype dtype;
    size_t itemsize;               /* stored bytes per element */
    const void *fill;              /* CF missing value, or NULL */
    const zs_attrs *attrs;         /* CF attributes, or NULL */
    /* array->array then bytes->bytes codecs, in encoding order; none:
     * the settings' compressor (or the default) alone.  A compressor in
     * the settings replaces the bytes->bytes ones given here. */
    const zsi_codec_spec *codecs;
    size_t ncodecs;
    /* The codecs are a Zarr source's: none means no compressor, not the
     * default. */
    bool codecs_given;
} zsi_array_def;

/* The codecs of a source variable as a neutral list (its filters and
 * compressors; none for NetCDF variables): free with zsi_codecs_free.
 * Without filters: compressors only (for values of another type). */
enum { ZSI_CODECS_NO_FILTERS = 1 };
zs_status zsi_codecs_of_var(const zs_var *v, unsigned flags,
                            zsi_codec_spec **out, size_t *n);
void zsi_codecs_free(zsi_codec_spec *c, size_t n);

typedef struct zsi_writer zsi_writer;

/* Open the store name for writing with settings w (NULL: defaults):
 * created as NAME.partial (replacing an existing output only if the
 * settings allow), renamed into place by finish. */
zs_status zsi_writer_open(zs_ctx *ctx, const char *name,
                          const zs_write_opts *w, zsi_writer **out);
/* Open name to continue the partial output a run left (a directory's
 * NAME.partial, made if absent unless how has ZSI_CONTINUE_EXISTING):
 * what is in it is kept, and kept too when the writer fails or closes
 * unfinished, so that a later run can continue it.  ZSI_CONTINUE_SHARED:
 * other writers may write other keys at once.  ZS_ERR_UNSUPPORTED for
 * stores that cannot be continued, ZS_ERR_NOTFOUND for an absent one
 * that must exist. */
enum { ZSI_CONTINUE_SHARED = 1, ZSI_CONTINUE_EXISTING = 2 };
zs_status zsi_writer_open_continue(zs_ctx *ctx, const char *name,
                                   const zs_write_opts *w, unsigned how,
                                   zsi_writer **out);
/* Open the existing store name to change it in place (an append): what
 * is written is kept when the writer fails (the metadata, written last,
 * is then the old); finish writes the metadata and renames nothing.
 * Directory stores only. */
zs_status zsi_writer_open_update(zs_ctx *ctx, const char *name,
                                 const zs_write_opts *w, zsi_writer **out);
/* Start a continued output afresh: every key it held is removed (its
 * content is unknown). */
zs_status zsi_writer_restart(zsi_writer *w);
/* Keys under prefix are the operation's own records, not the dataset's:
 * finish erases them after writing the metadata, before the commit. */
zs_status zsi_writer_set_scratch(zsi_writer *w, const char *prefix);
/* Can a later run continue this output (a directory)? */
bool zsi_writer_resumable(const zsi_writer *w);
/* The groups of a dataset's tree (paths and attributes); the settings'
 * history is added at the root.  Or one group at a time (the root ""
 * first).  Groups not added are written with no attributes. */
zs_status zsi_writer_add_groups(zsi_writer *w, const zs_group *root);
zs_status zsi_writer_add_group(zsi_writer *w, const char *path,
                               const zs_attrs *attrs);
/* Define an array; *out is the writer's (valid until close). */
zs_status zsi_writer_add_array(zsi_writer *w, const zsi_array_def *d,
                               zs_array **out);
/* Every array is defined: a stream gets its metadata now. */
zs_status zsi_writer_begin(zsi_writer *w);
/* Copy the values of variable src (same shape) into array dst, in boxes
 * aligned to dst's chunks or shards, in bounded memory. */
zs_status zsi_writer_copy(zsi_writer *w, zs_var *src, zs_array *dst);
/* Write the metadata (folders: last) and commit. */
zs_status zsi_writer_finish(zsi_writer *w);
/* Record a failure: what was written is discarded now, and the message
 * of st (the first failure's) is what the context keeps.  Returns st. */
zs_status zsi_writer_fail(zsi_writer *w, zs_status st);
/* Close; a writer not finished discards its output. */
void zsi_writer_close(zsi_writer *w);
/* The end of a run whose status is st: finish (st is ZS_OK) or fail,
 * then close.  w may be NULL when st is not ZS_OK.  Returns the run's
 * status (the first failure's). */
zs_status zsi_writer_end(zsi_writer *w, zs_status st);

/* The whole of a write: open name, let fn define and write everything,
 * then finish, or on failure discard (keeping fn's message), and close.
 * The arrays fn got from the writer are gone when this returns. */
typedef zs_status (*zsi_write_fn)(void *user, zsi_writer *w);
zs_status zsi_writer_write(zs_ctx *ctx, const char *name,
                           const zs_write_opts *o, zsi_write_fn fn,
                           void *user);

zs_store *zsi_writer_store(const zsi_writer *w);
bool zsi_writer_is_stream(const zsi_writer *w);
/* The arrays defined so far (for workers that write through a pipe). */
size_t zsi_writer_narrays(const zsi_writer *w);
zs_array *zsi_writer_array(const zsi_writer *w, size_t i);

#endif /* ZSI_WRITER_H */
