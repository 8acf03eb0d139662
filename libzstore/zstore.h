/*
 * zstore.h - the public interface of libzstore.
 *
 * libzstore reads NetCDF files and Zarr stores and writes Zarr stores.
 * It is layered (see libzstore(3)): util, store, codec, metadata, array,
 * dataset, netcdf import and operations.  This header is the only one a
 * program needs; no third-party header appears here.
 *
 * Conventions used throughout:
 *  - every fallible function returns a zs_status; ZS_OK is 0.  Results go
 *    through trailing out-parameters, which are left untouched on error
 *    unless documented otherwise;
 *  - zs_strerror() gives static text for a code; the context passed to (or
 *    owning) the failing object keeps a detailed message, read with
 *    zs_ctx_message();
 *  - arguments are borrowed for the duration of the call; anything returned
 *    through a pointer-to-pointer belongs to the caller and is released by
 *    the function named in its documentation;
 *  - every _free and _close function accepts NULL;
 *  - a key or attribute that is absent is not an error: the function
 *    succeeds and reports "not found" through its out-parameters;
 *  - the library never prints, never exits and never aborts on bad data.
 *
 * Copyright (c) 2026 the zstore developers.  BSD-3-Clause, see COPYING.
 */
#ifndef ZSTORE_H
#define ZSTORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZS_VERSION_MAJOR 0
#define ZS_VERSION_MINOR 1
#define ZS_VERSION_PATCH 0

/** Largest number of dimensions an array may have. */
#define ZS_MAX_DIMS 32

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

/**
 * Status codes.  A value never changes meaning and is never reused;
 * new codes are added at the end.
 */
typedef enum zs_status {
    ZS_OK = 0,
    ZS_ERR_NOMEM = 1,        /**< out of memory */
    ZS_ERR_INVALID = 2,      /**< invalid argument or option */
    ZS_ERR_IO = 3,           /**< operating-system I/O error */
    ZS_ERR_NOTFOUND = 4,     /**< a file, store, group or variable is absent */
    ZS_ERR_FORMAT = 5,       /**< malformed metadata or file */
    ZS_ERR_UNSUPPORTED = 6,  /**< valid but unsupported feature */
    ZS_ERR_CORRUPT = 7,      /**< a chunk or frame failed to decode */
    ZS_ERR_OVERFLOW = 8,     /**< a size or shape overflows */
    ZS_ERR_EXISTS = 9,       /**< the output exists already */
    ZS_ERR_NETCDF = 10,      /**< the netCDF library reported an error */
    ZS_ERR_RANGE = 11,       /**< an index or value is out of range */
    ZS_ERR_NETWORK = 12,     /**< a network transfer failed */
    ZS_ERR_AUTH = 13,        /**< authentication or permission refused */
    ZS_ERR_NOSPACE = 14,     /**< no space left on the output device */
    ZS_ERR_MISMATCH = 15,    /**< inputs that must agree do not */
    ZS_ERR_INTERRUPTED = 16, /**< stopped by a signal or a callback */
    ZS_ERR_CHILD = 17,       /**< a worker process failed */
    ZS_ERR_READONLY = 18,    /**< the store cannot be written */
    ZS_ERR_INCOMPLETE = 19   /**< work that must be complete is not (parts
                                  of a conversion) */
} zs_status;

/** Static, one-line description of a status code; never NULL. */
const char *zs_strerror(zs_status code);

/** Library version as "MAJOR.MINOR.PATCH". */
const char *zs_version(void);

/** Release memory the library handed to the caller (buffers, strings). */
void zs_free(void *p);

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

/**
 * A context holds settings (threads, memory budget, logging) and the
 * detailed message of the last error of the objects created in it.  A
 * context may be used from one thread at a time; the library's own worker
 * threads report errors through it safely.
 */
typedef struct zs_ctx zs_ctx;

/** Log levels passed to a zs_log_fn. */
enum { ZS_LOG_ERROR = 0, ZS_LOG_WARN = 1, ZS_LOG_INFO = 2, ZS_LOG_DEBUG = 3 };

/** Receives warnings and notes (for example "skipped compound variable"). */
typedef void (*zs_log_fn)(void *user, int level, const char *message);

/**
 * Progress callback: done and total are in bytes of raw (decoded) data.
 * Return non-zero to ask the running operation to stop; it then fails with
 * ZS_ERR_INTERRUPTED.
 */
typedef int (*zs_progress_fn)(void *user, uint64_t done, uint64_t total);

/** Create a context with default settings (all cores, 256 MiB cache). */
zs_status zs_ctx_new(zs_ctx **out);
/** Free a context; every object created in it must be closed first. */
void zs_ctx_free(zs_ctx *ctx);
/** Detailed message of the last error, or "" if none. Owned by ctx. */
const char *zs_ctx_message(const zs_ctx *ctx);
/** Number of worker threads or processes; 0 means one per core. */
zs_status zs_ctx_set_threads(zs_ctx *ctx, int n);
/** Effective number of workers (resolves 0 to the number of cores). */
int zs_ctx_threads(const zs_ctx *ctx);
/** Byte budget of the decoded-chunk cache shared by arrays (0 disables). */
zs_status zs_ctx_set_cache_bytes(zs_ctx *ctx, size_t bytes);
/**
 * A bound on the memory an operation may use, in bytes (0: each
 * operation's own default).  Operations that can trade passes for memory
 * (rechunking, reductions) plan within it; an operation that cannot fit
 * (one chunk larger than the bound) fails with ZS_ERR_RANGE and a message
 * naming the memory it needs.  The decoded-chunk cache is cut to a
 * quarter of the bound if it was larger.
 */
zs_status zs_ctx_set_memory(zs_ctx *ctx, uint64_t bytes);
/** The bound set by zs_ctx_set_memory() (0 if none). */
uint64_t zs_ctx_memory(const zs_ctx *ctx);
/** Install a log callback (NULL to drop messages). */
void zs_ctx_set_log(zs_ctx *ctx, zs_log_fn fn, void *user);
/** Install a progress callback (NULL to remove). */
void zs_ctx_set_progress(zs_ctx *ctx, zs_progress_fn fn, void *user);
/**
 * Set a named option (value NULL: back to the default).  The library
 * reads no environment variables: programs pass them on here.
 *   http.retries N          retries of a failed request (default 5)
 *   http.timeout S          seconds to connect, and without progress (30)
 *   http.insecure 0|1       1: do not verify TLS certificates (unsafe)
 *   http.ca_bundle PATH     verify TLS certificates against the CA
 *                           certificates (PEM) in PATH, not the system's
 *   http.bearer_token T     "Authorization: Bearer T" on every request
 *   http.netrc_file PATH    credentials in .netrc format
 *   http.max_connections N  parallel transfers per store (16)
 *   s3.endpoint URL         S3-compatible server (default: AWS)
 *   s3.region R             signing region (default us-east-1)
 *   s3.access_key_id, s3.secret_access_key, s3.session_token
 *   s3.credentials_file PATH, s3.profile P   ~/.aws/credentials style
 *   tmpdir PATH             where streams spill (default /tmp)
 *   stream.memory SIZE      memory a stream may hold before spilling
 *   zip.compression C       zips written: stored (default), deflate,
 *                           deflate:1..9
 *   convert.unit SIZE       values a conversion writes as one unit of
 *                           work, whole chunks (default 32M): what a
 *                           part is made of, and what a resumed run
 *                           skips or writes again
 *   convert.record_ms N     a thread of each conversion worker records
 *                           the units it completed every N ms (default
 *                           1000, at least 10), after a sync of the file
 *                           system
 * @return ZS_ERR_INVALID for an unknown name or a malformed value.
 */
zs_status zs_ctx_set_option(zs_ctx *ctx, const char *name, const char *value);

/* ------------------------------------------------------------------ */
/* Data types                                                          */
/* ------------------------------------------------------------------ */

/** Element types.  Values never change meaning. */
typedef enum zs_dtype {
    ZS_DT_NONE = 0,
    ZS_DT_BOOL = 1,
    ZS_DT_INT8 = 2,
    ZS_DT_INT16 = 3,
    ZS_DT_INT32 = 4,
    ZS_DT_INT64 = 5,
    ZS_DT_UINT8 = 6,
    ZS_DT_UINT16 = 7,
    ZS_DT_UINT32 = 8,
    ZS_DT_UINT64 = 9,
    ZS_DT_FLOAT16 = 10,
    ZS_DT_FLOAT32 = 11,
    ZS_DT_FLOAT64 = 12,
    ZS_DT_BYTES = 13,   /**< fixed-width byte string, Zarr "|S<n>" */
    ZS_DT_UNICODE = 14, /**< fixed-width UCS-4 string, Zarr "<U<n>" */
    ZS_DT_STRING = 15   /**< variable-length UTF-8 ("vlen-utf8") */
} zs_dtype;

/** Short name ("int16", "float32", "string", ...); never NULL. */
const char *zs_dtype_name(zs_dtype t);

/* ------------------------------------------------------------------ */
/* Stores                                                              */
/* ------------------------------------------------------------------ */

/**
 * A store maps keys ("t2m/0.0.0", ".zmetadata") to byte values.  Keys are
 * relative, use "/" as separator and never contain "..", "\" or a leading
 * "/"; the library refuses such keys with ZS_ERR_INVALID.
 */
typedef struct zs_store zs_store;

/** Flags for zs_store_open(). */
enum {
    ZS_STORE_READ = 0,      /**< open an existing store read-only */
    ZS_STORE_CREATE = 1,    /**< create a new store; fail if it exists */
    ZS_STORE_OVERWRITE = 2, /**< with CREATE: replace an existing store */
    ZS_STORE_PARTIAL = 4    /**< with CREATE: write NAME.partial, renamed
                                 into place by zs_store_commit() */
};

/**
 * Open a store by name: a directory path (or "file://PATH"), or the
 * memory store "mem://NAME" (private to the context).
 * @return ZS_ERR_NOTFOUND if a store opened for reading is absent,
 *         ZS_ERR_EXISTS if a store to create exists without OVERWRITE.
 */
zs_status zs_store_open(zs_ctx *ctx, const char *name, unsigned flags,
                        zs_store **out);

/**
 * Read a whole value.  On success *data (free with zs_free()) and *len are
 * set and *found is 1; for an absent key *found is 0, *data NULL and the
 * call succeeds.
 */
zs_status zs_store_get(zs_store *s, const char *key, void **data,
                       size_t *len, int *found);

/** Read len bytes at offset of a value (short at the end of the value). */
zs_status zs_store_get_range(zs_store *s, const char *key, uint64_t offset,
                             uint64_t len, void **data, size_t *out_len,
                             int *found);

/** Write a value, replacing any previous one atomically. */
zs_status zs_store_set(zs_store *s, const char *key, const void *data,
                       size_t len);

/** Remove a key; removing an absent key succeeds. */
zs_status zs_store_erase(zs_store *s, const char *key);

/** Called once per key by zs_store_list(); non-zero return stops. */
typedef int (*zs_key_fn)(void *user, const char *key);

/**
 * List every key under prefix ("" for all, "t2m/" for one array) in no
 * particular order.
 */
zs_status zs_store_list(zs_store *s, const char *prefix, zs_key_fn fn,
                        void *user);

/**
 * Finish a store opened for writing: flush, and for ZS_STORE_PARTIAL
 * rename NAME.partial to NAME.  A store closed without a commit keeps its
 * ".partial" name.
 */
zs_status zs_store_commit(zs_store *s);

/** Remove everything a store opened for writing has written so far. */
zs_status zs_store_discard(zs_store *s);

/** Close a store and release its resources. */
void zs_store_close(zs_store *s);

/** The name the store was opened with. */
const char *zs_store_name(const zs_store *s);

/* ------------------------------------------------------------------ */
/* Attributes                                                          */
/* ------------------------------------------------------------------ */

/**
 * An ordered list of named, typed attribute values.  Numbers keep their
 * type: integers stay integers (ZS_DT_INT64 when read from JSON), and a
 * double survives a round trip bit for bit.  Text is ZS_DT_STRING.  JSON
 * values with no array-of-scalars form (null, objects, mixed lists) have
 * type ZS_DT_NONE and are kept as JSON text.
 */
typedef struct zs_attrs zs_attrs;

size_t zs_attrs_count(const zs_attrs *a);
/** Name of attribute i (i < count), or NULL. */
const char *zs_attrs_name(const zs_attrs *a, size_t i);
/** Index of the attribute called name; returns 1 if found, else 0. */
int zs_attrs_find(const zs_attrs *a, const char *name, size_t *index);
zs_dtype zs_attrs_type(const zs_attrs *a, size_t i);
/** Number of values (string length in bytes for text). */
size_t zs_attrs_length(const zs_attrs *a, size_t i);
/** Value k of a numeric attribute converted to double. */
zs_status zs_attrs_get_double(const zs_attrs *a, size_t i, size_t k,
                              double *out);
/** Value k of an integer attribute (ZS_ERR_RANGE if it does not fit). */
zs_status zs_attrs_get_int64(const zs_attrs *a, size_t i, size_t k,
                             int64_t *out);
/** Text of a string attribute (or JSON text for ZS_DT_NONE), else NULL. */
const char *zs_attrs_get_string(const zs_attrs *a, size_t i);
/** JSON text of the value; free with zs_free(). */
zs_status zs_attrs_to_json(const zs_attrs *a, size_t i, char **out);

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */

/**
 * A Zarr array: metadata plus chunked I/O.  Values passed in or out are in
 * C order and in the machine's native byte order; ZS_DT_STRING elements
 * are "char *" pointers to NUL-terminated UTF-8 that zs_array_read()
 * allocates (free each with zs_free()).
 */
typedef struct zs_array zs_array;

/** Open the array at path ("" for the root) by reading its metadata. */
zs_status zs_array_open(zs_store *s, const char *path, zs_array **out);
void zs_array_close(zs_array *a);

int zs_array_ndim(const zs_array *a);
/** Shape and chunk shape: arrays of zs_array_ndim() values. */
const uint64_t *zs_array_shape(const zs_array *a);
const uint64_t *zs_array_chunks(const zs_array *a);
zs_dtype zs_array_dtype(const zs_array *a);
/** Size in bytes of one element as returned by zs_array_read(). */
size_t zs_array_itemsize(const zs_array *a);
/**
 * 1 and the fill value (itemsize bytes) in *item if set, 0 if null.  For
 * ZS_DT_STRING, *item receives a char * copy to free with zs_free().
 */
int zs_array_fill(const zs_array *a, void *item);
/** Attributes of the array (owned by the array). */
const zs_attrs *zs_array_attrs(const zs_array *a);
/** Human description of the codec chain, e.g. "blosc(lz4,5,shuffle)". */
const char *zs_array_codecs(const zs_array *a);

/** Read the region [start, start+count) into out (C order). */
zs_status zs_array_read(zs_array *a, const uint64_t *start,
                        const uint64_t *count, void *out);

/** Write the region [start, start+count) from in (C order). */
zs_status zs_array_write(zs_array *a, const uint64_t *start,
                         const uint64_t *count, const void *in);

/* ------------------------------------------------------------------ */
/* Datasets: groups, variables, dimensions                             */
/* ------------------------------------------------------------------ */

/**
 * A dataset is a tree of groups read from a Zarr store (consolidated
 * metadata when present) or from a NetCDF file.  Each group has
 * dimensions, variables and attributes.  Variables are arrays with
 * dimension names.
 */
typedef struct zs_dataset zs_dataset;
typedef struct zs_group zs_group;
typedef struct zs_var zs_var;

/** Kind of source a dataset was read from. */
enum { ZS_SRC_ZARR = 1, ZS_SRC_NETCDF = 2 };

/**
 * Open a Zarr store (any store name) or a NetCDF file as a dataset.  A
 * name is taken as NetCDF when it is a regular file whose first bytes are
 * a NetCDF-3 or HDF5 signature.
 */
zs_status zs_dataset_open(zs_ctx *ctx, const char *name, zs_dataset **out);
void zs_dataset_close(zs_dataset *ds);
int zs_dataset_source(const zs_dataset *ds);
/** Root group (owned by the dataset). */
zs_group *zs_dataset_root(zs_dataset *ds);
/** Format description: "zarr v2 (consolidated)", "netCDF-4", ... */
const char *zs_dataset_format(const zs_dataset *ds);

const char *zs_group_name(const zs_group *g);
/** Path from the root ("" for the root, "g1/g2" below). */
const char *zs_group_path(const zs_group *g);
size_t zs_group_ngroups(const zs_group *g);
zs_group *zs_group_child(zs_group *g, size_t i);
size_t zs_group_ndims(const zs_group *g);
const char *zs_group_dim_name(const zs_group *g, size_t i);
uint64_t zs_group_dim_size(const zs_group *g, size_t i);
/** 1 if dimension i is unlimited (NetCDF record dimension). */
int zs_group_dim_unlimited(const zs_group *g, size_t i);
size_t zs_group_nvars(const zs_group *g);
zs_var *zs_group_var(zs_group *g, size_t i);
/** Variable by name; *out NULL if absent. */
zs_var *zs_group_find_var(zs_group *g, const char *name);
const zs_attrs *zs_group_attrs(const zs_group *g);

const char *zs_var_name(const zs_var *v);
/** Path from the root, e.g. "g1/var". */
const char *zs_var_path(const zs_var *v);
int zs_var_ndim(const zs_var *v);
const char *zs_var_dim_name(const zs_var *v, int i);
const uint64_t *zs_var_shape(const zs_var *v);
/** Storage chunk shape (NetCDF chunking, or the shape if contiguous). */
const uint64_t *zs_var_chunks(const zs_var *v);
zs_dtype zs_var_dtype(const zs_var *v);
size_t zs_var_itemsize(const zs_var *v);
const zs_attrs *zs_var_attrs(const zs_var *v);
/**
 * 1 and the fill value (itemsize bytes) in *item if one is set.  For
 * ZS_DT_STRING, *item receives a char * copy to free with zs_free().
 */
int zs_var_fill(const zs_var *v, void *item);
/** 1 if the variable is a coordinate (1-D, named like its dimension). */
int zs_var_is_coord(const zs_var *v);
/** Codec description ("blosc(lz4,5,shuffle)", "zlib(1)", "none"). */
const char *zs_var_codecs(const zs_var *v);
/** Why the variable cannot be read (unsupported dtype, codec, ...), or
 *  NULL when it can.  Reads of such a variable fail with that message. */
const char *zs_var_problem(const zs_var *v);
/** Underlying Zarr array, or NULL for NetCDF datasets. */
zs_array *zs_var_array(zs_var *v);

/** Read a region of the stored (raw, packed) values, C order. */
zs_status zs_var_read(zs_var *v, const uint64_t *start,
                      const uint64_t *count, void *out);

/**
 * Requests made and bytes read so far by the store under a Zarr dataset
 * (zeros for NetCDF files): for remote stores, what was transferred.
 */
void zs_dataset_io_stats(zs_dataset *ds, uint64_t *requests, uint64_t *bytes);

/**
 * Storage statistics: bytes stored, number of chunk objects present and
 * expected.  For NetCDF variables stored is the on-disk size when known.
 */
zs_status zs_var_storage(zs_var *v, uint64_t *stored_bytes,
                         uint64_t *chunks_present, uint64_t *chunks_expected);

/**
 * SHA-256 of the values in C order, as little-endian bytes of the stored
 * dtype, with missing chunks as the fill value.  Strings: fixed-width ones
 * as their stored bytes; variable-length ones as a 4-byte little-endian
 * length followed by the UTF-8 bytes of each element.  hex receives 64
 * hex digits and a NUL.  Memory is bounded by the context's cache budget.
 */
zs_status zs_var_checksum(zs_var *v, char hex[65]);

/** One problem found by zs_var_check(). */
typedef void (*zs_problem_fn)(void *user, const char *var_path,
                              const char *key, zs_status code,
                              const char *message);

/**
 * Decode every chunk of a Zarr variable; report each missing (when the
 * fill value is null) or undecodable chunk through fn.  *nbad receives the
 * number of problems.  The call itself fails only on errors that stop the
 * check (I/O on the store, out of memory).
 */
zs_status zs_var_check(zs_var *v, zs_problem_fn fn, void *user,
                       uint64_t *nbad);

/** Receives text output one line at a time (no newline). */
typedef void (*zs_line_fn)(void *user, const char *line);

/** Flags for zs_dataset_describe() and zs_dataset_describe_json(). */
enum {
    ZS_DESCRIBE_ATTRS = 1,   /**< attributes of every variable */
    ZS_DESCRIBE_STORAGE = 2  /**< stored bytes and chunk objects (lists
                                  the store) */
};

/**
 * Summary of a dataset like xarray's repr: dimensions, coordinates with
 * first and last values (times decoded to ISO 8601), data variables with
 * dtype, shape, chunks, codecs, packing and fill, storage, attributes.
 * Each line goes to fn.
 */
zs_status zs_dataset_describe(zs_dataset *ds, unsigned flags, zs_line_fn fn,
                              void *user);

/**
 * The same as one JSON document (schema in zinfo(1)); *json is freed
 * with zs_free().
 */
zs_status zs_dataset_describe_json(zs_dataset *ds, unsigned flags,
                                   char **json);

/* ------------------------------------------------------------------ */
/* CF conventions                                                      */
/* ------------------------------------------------------------------ */

/** CF calendars. */
typedef enum zs_calendar {
    ZS_CAL_STANDARD = 0,   /**< "standard"/"gregorian": Julian before 1582-10-15 */
    ZS_CAL_PROLEPTIC = 1,  /**< "proleptic_gregorian" */
    ZS_CAL_NOLEAP = 2,     /**< "noleap"/"365_day" */
    ZS_CAL_ALL_LEAP = 3,   /**< "all_leap"/"366_day" */
    ZS_CAL_360_DAY = 4,    /**< "360_day" */
    ZS_CAL_JULIAN = 5      /**< "julian" */
} zs_calendar;

/** A broken-down date and time in some calendar. */
typedef struct zs_datetime {
    int64_t year;
    int month, day, hour, minute;
    double second;
} zs_datetime;

/** Parsed CF time units: "UNIT since EPOCH" and the calendar. */
typedef struct zs_time_units zs_time_units;

/**
 * Parse CF units ("hours since 1900-01-01 00:00:0.0") and a calendar
 * name (NULL or "" for standard).  Free with zs_time_units_free().
 */
zs_status zs_time_units_parse(zs_ctx *ctx, const char *units,
                              const char *calendar, zs_time_units **out);
void zs_time_units_free(zs_time_units *u);
zs_calendar zs_time_units_calendar(const zs_time_units *u);
/** Convert a numeric time value to a date in the units' calendar. */
zs_status zs_time_decode(const zs_time_units *u, double value,
                         zs_datetime *out);
/** Convert a date to a numeric value in the given units. */
zs_status zs_time_encode(const zs_time_units *u, const zs_datetime *dt,
                         double *out);
/** Buffer size that always suffices for zs_datetime_format(). */
#define ZS_DATETIME_MAX 48
/**
 * Format a date as ISO 8601 ("1995-07-14T12:00:00"; fractional seconds
 * only when present) into buf.
 */
zs_status zs_datetime_format(const zs_datetime *dt, char *buf, size_t size);
/** Parse an ISO 8601 date or date-time prefix ("2023-11-01T06"). */
zs_status zs_datetime_parse(const char *text, zs_datetime *out);

/* ------------------------------------------------------------------ */
/* Output settings, shared by every operation that writes a store       */
/* ------------------------------------------------------------------ */

/**
 * How a store is written: Zarr format, chunks, shards, compressor,
 * whether an existing output is replaced, and the history line.  Every
 * operation takes one (NULL: the defaults) when it plans; the setters
 * check their values and leave a detailed message in the context.
 */
typedef struct zs_write_opts zs_write_opts;

zs_status zs_write_opts_new(zs_ctx *ctx, zs_write_opts **out);
void zs_write_opts_free(zs_write_opts *w);
/** 2 (default) or 3.  Zarr v3 is written as zarr-python 3 writes it: a
 *  zarr.json per node, consolidated metadata inline in the root's. */
zs_status zs_write_opts_set_format(zs_write_opts *w, int zarr_format);
/**
 * Output chunk lengths per dimension, "time=24,latitude=-1": -1 is the
 * whole dimension, "auto" about 8 MiB per chunk; a bare "auto" or "-1"
 * applies to every dimension.  Dimensions left out keep the operation's
 * default.  NULL: back to the defaults.
 */
zs_status zs_write_opts_set_chunks(zs_write_opts *w, const char *spec);
/**
 * Shard lengths per dimension (Zarr v3 only), in elements like chunks:
 * each a multiple of the chunk length, -1 for the whole dimension;
 * dimensions left out get one chunk per shard.  Arrays whose shards would
 * hold a single chunk, and variable-length strings, are not sharded.
 */
zs_status zs_write_opts_set_shards(zs_write_opts *w, const char *spec);
/**
 * "blosc:lz4:5:shuffle", "zstd:3", "lz4", "zlib:1", "gzip:5", "none":
 * replaces the compressors of every array written (filters stay).
 * Default: the source's compressors, blosc lz4 5 shuffle where there are
 * none.
 */
zs_status zs_write_opts_set_compressor(zs_write_opts *w, const char *spec);
/** Replace an existing output (else ZS_ERR_EXISTS). */
zs_status zs_write_opts_set_overwrite(zs_write_opts *w, int on);
/**
 * A checksum in every chunk, so that corruption is found when it is read
 * (zs_var_check lists such chunks): Zarr v3 arrays end their codecs with
 * crc32c over the stored bytes; Zarr v2 arrays get numcodecs' crc32, also
 * over the stored bytes: written as the compressor, the compressor
 * becoming the last filter, which python3-zarr reads.
 */
zs_status zs_write_opts_set_checksums(zs_write_opts *w, int on);
/** Text (the command line) prepended to the root's history attribute
 *  with a time stamp, as NCO and CDO do. */
zs_status zs_write_opts_set_history(zs_write_opts *w, const char *text);

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

/*
 * Every operation has one shape:
 *   zs_X_opts_new(ctx, &o); zs_X_opts_set_...(o, ...);   what to do
 *   zs_X_plan(..., o, write_opts, &plan);                 check and plan
 *   zs_X_describe(plan, fn, user);                        the plan, in lines
 *   zs_X_run(plan, out);                                  write the store
 *   zs_X_plan_free(plan); zs_X_opts_free(o);
 * Options and settings are copied by the plan.  Runs write OUT.partial
 * (or the stream) and rename it into place when complete; a failed run
 * leaves no output.
 */

/* ------------------------------------------------------------------ */
/* Conversion: NetCDF files to a Zarr store (nc2zarr)                   */
/* ------------------------------------------------------------------ */

typedef struct zs_convert_opts zs_convert_opts;

zs_status zs_convert_opts_new(zs_ctx *ctx, zs_convert_opts **out);
void zs_convert_opts_free(zs_convert_opts *o);
/** Comma-separated variables to keep, or to drop. */
zs_status zs_convert_opts_set_vars(zs_convert_opts *o, const char *list);
zs_status zs_convert_opts_set_exclude(zs_convert_opts *o, const char *list);
/** Write packed variables as float32 decoded values (NaN for missing). */
zs_status zs_convert_opts_set_unpack(zs_convert_opts *o, int on);
/** Duplicate times: 0 error (default), 1 keep first, 2 keep last. */
enum { ZS_OVERLAP_ERROR = 0, ZS_OVERLAP_FIRST = 1, ZS_OVERLAP_LAST = 2 };
zs_status zs_convert_opts_set_overlap(zs_convert_opts *o, int policy);

/**
 * Continue the partial output a run left (killed, or failed on a full
 * disk or a network store), skipping the work it recorded as complete
 * (its inputs and options must be the same: the plan is compared); a
 * run that fails keeps its partial output for the next one.  Without
 * it, a partial output is replaced; either way a directory output
 * records completed work as it goes.  Directory stores only.
 */
zs_status zs_convert_opts_set_resume(zs_convert_opts *o, int on);
/**
 * A conversion in parts, on one machine or many sharing the output:
 * ZS_CONVERT_PREPARE records the plan (and writes the time coordinate)
 * in the partial output; zs_convert_opts_set_part() makes a run write
 * only part k of n (1 <= k <= n), a disjoint set of whole chunks, and
 * record it complete; ZS_CONVERT_FINISH checks that every part is
 * complete (the error names the parts that are not) and writes the
 * metadata.  Parts run in any order, at once or not, and may be run
 * again (they continue).  ZS_CONVERT_WHOLE (the default) does it all.
 * Directory stores only.
 */
enum { ZS_CONVERT_WHOLE = 0, ZS_CONVERT_PREPARE = 1, ZS_CONVERT_PART = 2,
       ZS_CONVERT_FINISH = 3 };
zs_status zs_convert_opts_set_stage(zs_convert_opts *o, int stage);
/**
 * The output the run will write (borrowed name, copied).  A part and
 * the finish then take the inputs' headers from what the preparation
 * recorded there instead of reading every input again (the inputs must
 * be the same names in the same order).  NULL: read them.
 */
zs_status zs_convert_opts_set_output(zs_convert_opts *o, const char *out);
/**
 * Append the inputs to the existing store named by
 * zs_convert_opts_set_output(), along its record dimension: the result
 * is the store a conversion of its inputs and these at once writes.
 * The variables, dtypes, chunks, codecs, fill values, packing and
 * coordinates must agree (ZS_ERR_MISMATCH naming the first difference,
 * the store unchanged), and the new records must come after the
 * store's.  Directory stores.
 */
zs_status zs_convert_opts_set_append(zs_convert_opts *o, int on);
/**
 * Leave a manifest in the store (key ".zmanifest", described in
 * zstore(5)): per input, the records it filled and a SHA-256 of their
 * values as written, so that zs_convert_verify() can later prove that
 * the store holds what the files hold.  Written by a whole run and by
 * the finish of one in parts.
 */
zs_status zs_convert_opts_set_manifest(zs_convert_opts *o, int on);
/**
 * Check files against the manifest of store: each file is converted
 * alone in memory as the manifest says and the digest of its records
 * compared with the manifest's and with the digest of the store's
 * records.  fn gets a line per file, "FILE: OK (records A to B)" or
 * "FILE: DIFFERS (...)" saying which side is not what was converted, or
 * "FILE: not in the manifest"; *bad counts those not OK.
 * @return an error for a store without a manifest or a file that cannot
 * be read (not for a file that differs).
 */
zs_status zs_convert_verify(zs_ctx *ctx, const char *store,
                            const char *const *files, size_t n,
                            zs_line_fn fn, void *user, size_t *bad);
/** Part k of n (sets the stage to ZS_CONVERT_PART).
 *  @return ZS_ERR_INVALID unless 1 <= k <= n <= 1000000. */
zs_status zs_convert_opts_set_part(zs_convert_opts *o, uint64_t k,
                                   uint64_t n);

/** A planned conversion: schema, chunking and cost, before writing. */
typedef struct zs_convert zs_convert;

/**
 * Read the headers of the inputs (in parallel), order files by time,
 * check that they agree, and plan the output.  Gaps in time are reported
 * through the context's log callback.  The default chunks are described
 * in zstore(5); w's chunks override them per dimension.
 */
zs_status zs_convert_plan(zs_ctx *ctx, const char *const *inputs,
                          size_t ninputs, const zs_convert_opts *opts,
                          const zs_write_opts *w, zs_convert **out);
void zs_convert_plan_free(zs_convert *c);
/**
 * Time a sample of the conversion: read, convert and encode one unit of
 * work (the first of the largest variable) into a memory store that is
 * then discarded, so that zs_convert_describe() adds the time the run
 * (or the part) should take with its workers.  Reads one unit of the
 * inputs; writes nothing.
 * @return ZS_OK, or what reading the sample failed with.
 */
zs_status zs_convert_estimate(zs_convert *c);
/** The plan: variables, chunks, objects, bytes, time (after
 * zs_convert_estimate()), memory. */
zs_status zs_convert_describe(const zs_convert *c, zs_line_fn fn,
                              void *user);
/** Raw bytes the conversion will write (for progress totals). */
uint64_t zs_convert_raw_bytes(const zs_convert *c);
/** Write the store named out (worker processes, see zs_ctx_set_threads). */
zs_status zs_convert_run(zs_convert *c, const char *out);

/* ------------------------------------------------------------------ */
/* Selection: subsets by label or index (zsel)                         */
/* ------------------------------------------------------------------ */

typedef struct zs_select_opts zs_select_opts;

zs_status zs_select_opts_new(zs_ctx *ctx, zs_select_opts **out);
void zs_select_opts_free(zs_select_opts *o);
/**
 * Add a selection by coordinate label: "DIM=A:B" keeps the labels between
 * A and B inclusive whatever the coordinate's direction ("A:" and ":B"
 * leave one end open); "DIM=V" keeps the label nearest V and drops the
 * dimension (its coordinate becomes a scalar).  Time coordinates take ISO
 * 8601 dates decoded in their calendar; an end bound covers its whole
 * period ("2023-11-07" ends at 2023-11-07T23:59:59.999999).  Longitudes
 * (a dimension named longitude or lon, or with units degrees_east) are
 * selected modulo 360 and labelled from A: "-130:-60" and "350:10" give
 * contiguous boxes across the seam of a 0..360 grid.
 * @return ZS_ERR_INVALID for malformed text (checked again on use).
 */
zs_status zs_select_opts_add_sel(zs_select_opts *o, const char *spec);
/**
 * Add a selection by index, Python style: "DIM=I:J[:STEP]" (J excluded,
 * negative indices count from the end, parts may be empty) or "DIM=I"
 * (one index; the dimension is dropped).
 */
zs_status zs_select_opts_add_isel(zs_select_opts *o, const char *spec);
/** Largest distance allowed for "DIM=V" picks: a number in the
 *  coordinate's units, or a duration ("90min", "1h", "2D") for times.
 *  @return ZS_ERR_INVALID for anything that is neither a number >= 0 nor
 *  a fixed duration (months and years are not). */
zs_status zs_select_opts_set_tolerance(zs_select_opts *o, const char *t);
/** Data variables to keep ("a,b"); their coordinates come along. */
zs_status zs_select_opts_set_vars(zs_select_opts *o, const char *list);
/** Relabel longitudes into [-180, 180) (180) or [0, 360) (360); 0 none. */
zs_status zs_select_opts_set_lon(zs_select_opts *o, int convention);
/**
 * Parquet output (zs_select_parquet()): one folder per label of dimension
 * dim, "DIM=LABEL/part.0.parquet", as dask's partition_on writes them;
 * NULL for one file.  Checked against the rows at run time.
 */
zs_status zs_select_opts_set_partition_on(zs_select_opts *o,
                                          const char *dim);
/** Parquet output: leave out rows whose data variables are all missing
 *  (on non-zero). */
zs_status zs_select_opts_set_dropna(zs_select_opts *o, int on);
/** Parquet output: rows per row group (0: the default, 524288).
 *  @return ZS_ERR_INVALID above 2^31. */
zs_status zs_select_opts_set_row_group(zs_select_opts *o, uint64_t rows);

/** A selection resolved against a dataset. */
typedef struct zs_selection zs_selection;

/**
 * Resolve the options against ds (which must stay open while the
 * selection is used).  Fails with a clear message for an unknown
 * dimension or variable, a missing or non-monotonic coordinate, an empty
 * selection, or a time outside the data.  Output chunks default to the
 * input's, clipped to the selection.
 */
zs_status zs_select_plan(zs_dataset *ds, const zs_select_opts *o,
                         const zs_write_opts *w, zs_selection **out);
void zs_select_plan_free(zs_selection *s);
/** One line per selected dimension: "DIM: N of M (first .. last)". */
zs_status zs_select_describe(const zs_selection *s, zs_line_fn fn,
                             void *user);
/**
 * Write the selection as a store.  Dtypes, packing, codecs and attributes
 * are kept; only chunks that intersect the selection are read.
 */
zs_status zs_select_run(zs_selection *s, const char *out);
/**
 * The selection as CSV lines: a header, then one row per point with the
 * coordinates (times in ISO 8601) and the variables decoded (packing
 * applied, missing values as empty fields).  Refuses selections of more
 * than 2^27 points.
 */
zs_status zs_select_csv(zs_selection *s, zs_line_fn fn, void *user);
/** The same rows as an aligned table for people. */
zs_status zs_select_print(zs_selection *s, zs_line_fn fn, void *user);
/**
 * The same rows and columns as Apache Parquet, in the folder dir:
 * dir/part.0.parquet, or one folder per label with a partition
 * (zs_select_opts_set_partition_on(), the partition's column left out
 * of the files).  Types: integers INT32 or INT64, float32 FLOAT, others
 * and packed values DOUBLE, strings UTF8 BYTE_ARRAY, times TIMESTAMP
 * (microseconds, not adjusted to UTC) in the standard and
 * proleptic_gregorian calendars and ISO 8601 strings in others; missing
 * values are nulls.  Written in row groups (memory does not grow with
 * the rows) under a temporary name renamed to dir at the end.
 * @return ZS_ERR_EXISTS if dir exists and the write options do not
 *         overwrite; ZS_ERR_NOTFOUND for a partition dimension that is
 *         not one of the rows'.
 */
zs_status zs_select_parquet(zs_selection *s, const char *dir);

/* ------------------------------------------------------------------ */
/* Reductions, climatologies, anomalies (zmean)                        */
/* ------------------------------------------------------------------ */

typedef struct zs_reduce_opts zs_reduce_opts;

zs_status zs_reduce_opts_new(zs_ctx *ctx, zs_reduce_opts **out);
void zs_reduce_opts_free(zs_reduce_opts *o);
/** Dimensions to reduce, "time" (the default) or "latitude,longitude". */
zs_status zs_reduce_opts_set_dims(zs_reduce_opts *o, const char *list);
/** mean (default), sum, min, max, std, var (ddof 0) or count. */
zs_status zs_reduce_opts_set_op(zs_reduce_opts *o, const char *op);
/** "coslat": weight by the cosine of the latitude (area means). */
zs_status zs_reduce_opts_set_weights(zs_reduce_opts *o, const char *w);
/** Group the reduced time: "DIM.month", "DIM.dayofyear", "DIM.season"
 *  or "DIM.hour" (climatologies), DIM the time dimension ("time",
 *  "valid_time"); DIM is reduced unless zs_reduce_opts_set_dims() was
 *  called.  NULL: no groups.  @return ZS_ERR_INVALID for another key. */
zs_status zs_reduce_opts_set_groupby(zs_reduce_opts *o, const char *key);
/** Reduce time in bins: "time=1D", "time=6h", "time=1MS", ... */
zs_status zs_reduce_opts_set_resample(zs_reduce_opts *o, const char *spec);
/** With a groupby: write values minus their group's mean (same shape). */
zs_status zs_reduce_opts_set_anomaly(zs_reduce_opts *o, int on);
/** Keep reduced dimensions with length 1. */
zs_status zs_reduce_opts_set_keepdims(zs_reduce_opts *o, int on);
/** The results' type: ZS_DT_FLOAT32, ZS_DT_FLOAT64, or ZS_DT_NONE (the
 *  default): the precision of the decoded input, as xarray gives it
 *  (float64 in, float64 out; float32, or integers packed with a float32
 *  scale: float32; other integers: float64). */
zs_status zs_reduce_opts_set_dtype(zs_reduce_opts *o, zs_dtype t);
/** Data variables to reduce ("a,b"); default: all that have the dims. */
zs_status zs_reduce_opts_set_vars(zs_reduce_opts *o, const char *list);

/** A planned reduction. */
typedef struct zs_reduction zs_reduction;

/**
 * Check the options against ds (which must stay open) and plan: the
 * output variables, their shapes, and tiles of accumulators that fit the
 * context's memory bound (zs_ctx_set_memory; default 256 MiB).
 */
zs_status zs_reduce_plan(zs_dataset *ds, const zs_reduce_opts *o,
                         const zs_write_opts *w, zs_reduction **out);
void zs_reduce_plan_free(zs_reduction *r);
/** The plan: each result variable, its shape, dtype and tiles. */
zs_status zs_reduce_describe(const zs_reduction *r, zs_line_fn fn,
                             void *user);
/**
 * Reduce and write the store.  Missing values (NaN, _FillValue,
 * missing_value) are skipped and counted per cell; packed values are
 * decoded first; sums are compensated (Kahan) and variances use
 * Welford's method, in double precision.  Memory depends on the output,
 * not on the length of the reduced dimensions.
 */
zs_status zs_reduce_run(zs_reduction *r, const char *out);

/* ------------------------------------------------------------------ */
/* Rechunking (zrechunk)                                               */
/* ------------------------------------------------------------------ */

typedef struct zs_rechunk_opts zs_rechunk_opts;

zs_status zs_rechunk_opts_new(zs_ctx *ctx, zs_rechunk_opts **out);
void zs_rechunk_opts_free(zs_rechunk_opts *o);
/** Variables to rechunk and write ("a,b"; their coordinates come along);
 *  default: all. */
zs_status zs_rechunk_opts_set_vars(zs_rechunk_opts *o, const char *list);
/** Variables to leave out ("a,b"). */
zs_status zs_rechunk_opts_set_exclude(zs_rechunk_opts *o, const char *list);
/**
 * A store for intermediate chunks, used only when one pass would exceed
 * the memory bound (any writable store name; it must not exist, and it is
 * removed afterwards).  NULL (default): OUT.tmp beside a folder or zip
 * output; other outputs then need one.
 */
zs_status zs_rechunk_opts_set_temp(zs_rechunk_opts *o, const char *store);

/** A planned rechunking. */
typedef struct zs_rechunk zs_rechunk;

/**
 * Plan the copy of ds (which must stay open) with w's chunks (dimensions
 * left out keep the source's) within the context's memory bound
 * (zs_ctx_set_memory; default 1 GiB) for the whole process: one pass when
 * a source block and the output chunks it fills fit, else two passes
 * through intermediate chunks, as rechunker plans.  Fails with
 * ZS_ERR_RANGE when a single chunk does not fit.
 */
zs_status zs_rechunk_plan(zs_dataset *ds, const zs_rechunk_opts *o,
                          const zs_write_opts *w, zs_rechunk **out);
void zs_rechunk_plan_free(zs_rechunk *r);
/** The plan: per variable the chunks in and out, passes, objects and
 *  bytes read and written, and peak memory. */
zs_status zs_rechunk_describe(const zs_rechunk *r, zs_line_fn fn,
                              void *user);
/** Write the store; coordinates, attributes and encodings are copied. */
zs_status zs_rechunk_run(zs_rechunk *r, const char *out);

/* ------------------------------------------------------------------ */
/* Regridding (zregrid)                                                */
/* ------------------------------------------------------------------ */

/*
 * Fields on one rectilinear latitude-longitude grid (1-D coordinates,
 * either direction, longitudes in -180..180 or 0..360) put on another.
 * The weights of such grids separate into one small matrix per axis
 * (or come from a SCRIP file); the source is streamed over its other
 * dimensions in bounded memory.  See zregrid(1).
 */
typedef struct zs_regrid_opts zs_regrid_opts;

zs_status zs_regrid_opts_new(zs_ctx *ctx, zs_regrid_opts **out);
void zs_regrid_opts_free(zs_regrid_opts *o);
/**
 * The target grid by text: "lat=A:B:STEP,lon=A:B:STEP" (from A to B,
 * B included when the steps reach it; STEP negative for a descending
 * axis) or a CDO global grid "rNXxNY" (NX longitudes from 0; NY
 * latitudes: the centres of NY equal bands for an even NY, -90 to 90
 * for an odd one, as CDO makes them).
 * @return ZS_ERR_INVALID naming the problem: a zero step, a stop before
 * the start, latitudes beyond +-90, more than 2^24 points.
 */
zs_status zs_regrid_opts_set_grid(zs_regrid_opts *o, const char *spec);
/**
 * The target grid of a dataset: its latitude and longitude coordinates
 * (found as zs_regrid_opts_set_dims() describes) and their attributes
 * are read now; like may be closed afterwards.
 * @return ZS_ERR_NOTFOUND when like has no recognisable horizontal
 * coordinates.
 */
zs_status zs_regrid_opts_set_like(zs_regrid_opts *o, zs_dataset *like);
/**
 * Weights made by another program in the SCRIP format, as cdo genbil,
 * gencon or gennn write them (a NetCDF file: src_address, dst_address,
 * remap_matrix, the grids' sizes and the target's centres), read now
 * from the dataset weights (which may be closed afterwards): they are
 * the target grid (it must be rectilinear) and the method.  The plan
 * checks that they were made for the source's grid.
 * @return ZS_ERR_FORMAT for a file that is not such weights.
 */
zs_status zs_regrid_opts_set_weights(zs_regrid_opts *o, zs_dataset *weights);
/** linear (bilinear, the default), nearest, conservative (normalised by
 *  the covered valid part of each target cell, CDO's fracarea) or
 *  conservative-destarea (by the whole target cell, CDO's destarea). */
zs_status zs_regrid_opts_set_method(zs_regrid_opts *o, const char *method);
/**
 * The source's horizontal dimensions "Y,X" (latitude, longitude), each
 * with a 1-D coordinate.  Default: the coordinates whose units are
 * degrees_north and degrees_east, or whose standard_name is latitude and
 * longitude, or whose axis is Y and X.
 */
zs_status zs_regrid_opts_set_dims(zs_regrid_opts *o, const char *dims);
/** Whether source longitudes wrap around: ZS_PERIODIC_AUTO (default:
 *  when they close the circle), ZS_PERIODIC_YES or ZS_PERIODIC_NO. */
enum { ZS_PERIODIC_AUTO = 0, ZS_PERIODIC_YES = 1, ZS_PERIODIC_NO = 2 };
zs_status zs_regrid_opts_set_periodic(zs_regrid_opts *o, int mode);
/**
 * Missing source values.  Off (default): a target whose stencil touches
 * a missing value is missing.  On: the weights are renormalised over the
 * valid part, and a value is written where at least min_frac (0..1) of
 * the stencil's weight is valid (any valid weight for 0).
 */
zs_status zs_regrid_opts_set_skipna(zs_regrid_opts *o, int on,
                                    double min_frac);
/** First make missing the values outside valid_range (or valid_min,
 *  valid_max) and those equal to one of flag_values (land, coast, pole
 *  hole, lake), compared as stored (packed, _Unsigned), as CF says. */
zs_status zs_regrid_opts_set_mask_invalid(zs_regrid_opts *o, int on);
/** Targets outside the source's domain: missing (0, default) or, 1, the
 *  values of the nearest edge of the source. */
zs_status zs_regrid_opts_set_extrapolate(zs_regrid_opts *o, int nearest);
/** ZS_DT_FLOAT32, ZS_DT_FLOAT64, or ZS_DT_NONE (default: float64 for
 *  float64 inputs, else float32). */
zs_status zs_regrid_opts_set_dtype(zs_regrid_opts *o, zs_dtype t);
/** Data variables to regrid ("a,b"); default: all with the horizontal
 *  dimensions.  Variables without them are copied. */
zs_status zs_regrid_opts_set_vars(zs_regrid_opts *o, const char *list);

/**
 * Put the source on the time axis of the dataset given to
 * zs_regrid_opts_set_like(): each target time takes one source step, as
 * xarray's reindex picks it: ZS_RGTIME_NEAREST (the later one on a tie),
 * ZS_RGTIME_FFILL (the last at or before it), ZS_RGTIME_BFILL (the
 * first at or after it); or ZS_RGTIME_WITHIN: the step whose interval
 * contains it (its bounds, else up to the next step; the last as long
 * as the one before), for composites to days; or ZS_RGTIME_LINEAR: the
 * two steps around it weighted by their distance in time (xarray's
 * interp).  Targets without a step, or farther than tolerance (a
 * duration, "12h", "1D"; NULL: any; nearest, ffill and bfill) from it,
 * are missing.  Times are interpolated only with ZS_RGTIME_LINEAR.
 * ZS_RGTIME_NONE (default): the source's own time axis.
 */
enum { ZS_RGTIME_NONE = 0, ZS_RGTIME_NEAREST = 1, ZS_RGTIME_FFILL = 2,
       ZS_RGTIME_BFILL = 3, ZS_RGTIME_WITHIN = 4, ZS_RGTIME_LINEAR = 5 };
zs_status zs_regrid_opts_set_time(zs_regrid_opts *o, int method,
                                  const char *tolerance);

/** The target time axis for zs_regrid_opts_set_time() made from the
 *  source's own: its first time, then every step ("6h", "1D", "1MS")
 *  up to its last; it replaces the time axis of a dataset given to
 *  zs_regrid_opts_set_like().  NULL: none. */
zs_status zs_regrid_opts_set_time_step(zs_regrid_opts *o, const char *step);

/** A planned regridding. */
typedef struct zs_regrid zs_regrid;

/**
 * Check the options against ds (which must stay open) and plan: the
 * horizontal coordinates, the weights of each axis, the time map, the
 * variables regridded (those with the horizontal dimensions last,
 * (..., Y, X); others with them are left out with a warning) and
 * copied.
 */
zs_status zs_regrid_plan(zs_dataset *ds, const zs_regrid_opts *o,
                         const zs_write_opts *w, zs_regrid **out);
void zs_regrid_plan_free(zs_regrid *r);
/** The plan: the grids, the method, the time map, each variable. */
zs_status zs_regrid_describe(const zs_regrid *r, zs_line_fn fn,
                             void *user);
/**
 * Write the plan's weights as a SCRIP file (NetCDF) that cdo remap
 * applies: the full matrix, the products of the two axes' weights (for
 * conservative divided by the covered part of each target cell, CDO's
 * fracarea), one link per target for nearest.  Missing values are the
 * applying program's to handle: skipna and the valid range are not in
 * the weights.
 */
zs_status zs_regrid_save_weights(const zs_regrid *r, const char *path);
/** Regrid and write the store: the target's coordinates, the regridded
 *  variables (CF attributes, packing removed, NaN for missing), the
 *  others copied. */
zs_status zs_regrid_run(zs_regrid *r, const char *out);

/* ------------------------------------------------------------------ */
/* Expressions (zcalc)                                                 */
/* ------------------------------------------------------------------ */

/*
 * Results computed from the variables of one or several stores by
 * expressions "NAME = EXPR", streamed box by box in bounded memory:
 * numbers, variables (name, or alias.name for a named store), + - * / ^,
 * comparisons and && || ! giving 1 or 0, c ? a : b, functions abs sqrt
 * exp log log10 min max pow clip isnan where, nan, the coordinates lat
 * lon time, month(time) dayofyear(time) hour(time) in the coordinate's
 * calendar, coslat, gridarea and inside(FILE.geojson) (1 for the cells
 * whose centre is in a polygon of the file).  Operands broadcast by
 * dimension name.
 * Missing values (decoded _FillValue, missing_value) are NaN and stay
 * missing through every operation but isnan() and where().
 * See zcalc(1).
 */
typedef struct zs_calc_opts zs_calc_opts;

zs_status zs_calc_opts_new(zs_ctx *ctx, zs_calc_opts **out);
/** Free the options (NULL is fine). */
void zs_calc_opts_free(zs_calc_opts *o);
/**
 * Add the expression "NAME = EXPR", parsed now.  Later expressions may
 * use NAME; results whose NAME starts with "_" are temporaries, not
 * written.
 * @return ZS_ERR_INVALID with a message naming the expression (its
 * number, from 1) and the column of a syntax error, an unknown function
 * or a wrong number of arguments, or a NAME given twice.
 */
zs_status zs_calc_opts_add_expr(zs_calc_opts *o, const char *text);
/** Also copy the inputs' variables (on = 1), those of the first input
 *  that has a name; not those whose dimension the join shortened. */
zs_status zs_calc_opts_set_keep(zs_calc_opts *o, int on);
/**
 * How inputs sharing a dimension align, by the labels of its
 * coordinate (times as instants): "exact" (default: the labels must be
 * the same, or the plan fails naming the dimension and the first label
 * that differs) or "inner" (the labels of the first input that every
 * other has, in its order).
 * @return ZS_ERR_INVALID for another word.
 */
zs_status zs_calc_opts_set_join(zs_calc_opts *o, const char *how);
/**
 * Convert with udunits2: spec "NAME=UNIT".  NAME is a variable as the
 * expressions read it ("sst", "ice.conc"), converted from its "units"
 * attribute wherever it is read, or a result that is one variable,
 * converted when written; either way the result says its new units.
 * Repeatable.  The plan refuses units that do not convert (or not
 * linearly) with ZS_ERR_MISMATCH, a NAME nothing has with
 * ZS_ERR_NOTFOUND.
 * @return ZS_ERR_INVALID for a spec that is not NAME=UNIT.
 */
zs_status zs_calc_opts_add_units(zs_calc_opts *o, const char *spec);
/** The type of the results: ZS_DT_FLOAT32, ZS_DT_FLOAT64, ZS_DT_INT8
 *  (missing and values beyond +-127 are -128, the fill value) or
 *  ZS_DT_BOOL (missing is false); ZS_DT_NONE (default): float32 when
 *  every variable read decodes to float32, else float64 (also for
 *  results made from coordinates alone). */
zs_status zs_calc_opts_set_dtype(zs_calc_opts *o, zs_dtype t);

/** A planned computation. */
typedef struct zs_calc zs_calc;

/**
 * Resolve every name of the expressions against the n inputs ds (which
 * must stay open until the plan is freed), called aliases[i] in
 * expressions (aliases may be NULL, and any of its entries NULL: that
 * input is reached by bare names only; a bare name is the first
 * input's that has it), join the shared dimensions and plan the
 * results.
 * @return ZS_ERR_NOTFOUND for an unknown variable or store name
 * ("expression 2, column 14: unknown variable 'sts'"),
 * ZS_ERR_MISMATCH when the join fails, ZS_ERR_INVALID for arguments a
 * function cannot take.
 */
zs_status zs_calc_plan(zs_dataset *const *ds, const char *const *aliases,
                       size_t n, const zs_calc_opts *o,
                       const zs_write_opts *w, zs_calc **out);
/** Free a plan (NULL is fine). */
void zs_calc_plan_free(zs_calc *c);
/** The plan: the dimensions after the join, each result with its type,
 *  dimensions and the length of its program. */
zs_status zs_calc_describe(const zs_calc *c, zs_line_fn fn, void *user);
/** Compute and write the store out: the coordinates of the results'
 *  dimensions (the labels the join kept), the results (NaN, or the
 *  int8 fill, for missing), the kept variables. */
zs_status zs_calc_run(zs_calc *c, const char *out);

/* ------------------------------------------------------------------ */
/* Training batches (zbatch)                                           */
/* ------------------------------------------------------------------ */

/*
 * Patches of a store for machine learning, cut as xbatcher's
 * BatchGenerator cuts them: windows of the input dimensions start every
 * length minus overlap, only whole windows are kept (unless padded),
 * and patches come in the order of itertools.product over the batch
 * dimensions, then the input dimensions, each in the order given, the
 * last fastest.  The variables are the channels.  See zbatch(1).
 */
typedef struct zs_batch_opts zs_batch_opts;

zs_status zs_batch_opts_new(zs_ctx *ctx, zs_batch_opts **out);
void zs_batch_opts_free(zs_batch_opts *o);
/** Window lengths of the dimensions a sample holds, "latitude=32,
 *  longitude=32" (each >= 1), in the order patches iterate them. */
zs_status zs_batch_opts_set_input_dims(zs_batch_opts *o, const char *spec);
/** Overlap of consecutive windows per input dimension, "latitude=4"
 *  (>= 0; each must be less than its window when planned). */
zs_status zs_batch_opts_set_overlap(zs_batch_opts *o, const char *spec);
/** Window lengths of the batch dimensions, "time=8": iterated outside
 *  the input dimensions, in the order given. */
zs_status zs_batch_opts_set_batch_dims(zs_batch_opts *o, const char *spec);
/** xbatcher's concat_input_dims: the patches of a batch are joined, and
 *  the dimensions that are not input dimensions flattened into samples
 *  (patch-major, then those dimensions in the store's order). */
zs_status zs_batch_opts_set_concat(zs_batch_opts *o, int on);
/** Samples per batch of the npz and tar outputs (default 1; not with
 *  concat, whose batches are xbatcher's). */
zs_status zs_batch_opts_set_batch_size(zs_batch_opts *o, uint64_t n);
/** Variables that are the channels, in this order ("t2m,msl"); default:
 *  every data variable with the dimensions of the first one. */
zs_status zs_batch_opts_set_vars(zs_batch_opts *o, const char *list);
/** Target variables ("VAR" or "a,b"), the labels y, cut like the
 *  inputs; from the store named store (NULL: the input itself), whose
 *  coordinates must equal the input's.  vars NULL: no target. */
zs_status zs_batch_opts_set_target(zs_batch_opts *o, const char *store,
                                   const char *vars);
/** Shuffle the samples (with concat: whole batches) with the generator
 *  of zbatch(1): SplitMix64 seeded with seed, and a Fisher-Yates
 *  shuffle. */
zs_status zs_batch_opts_set_shuffle(zs_batch_opts *o, int on,
                                    uint64_t seed);
/** With a shuffle: shuffle within windows of this many chunks of the
 *  outermost sliced dimension (and the windows' order), so that reads
 *  stay in a few chunks at a time; 0 (default): one window. */
zs_status zs_batch_opts_set_window(zs_batch_opts *o, uint64_t chunks);
/** Drop samples whose fraction of missing input values exceeds f
 *  (0 <= f <= 1; default 1, none dropped). */
zs_status zs_batch_opts_set_max_nan(zs_batch_opts *o, double f);
/** Replace missing input values by value (after max_nan is applied);
 *  NaN: keep them (default). */
zs_status zs_batch_opts_set_fill_nan(zs_batch_opts *o, double value);
/** Add one channel per input variable: 1 where its value is present,
 *  0 where it is missing or padding. */
zs_status zs_batch_opts_set_mask(zs_batch_opts *o, int on);
/** What to do with the end of a dimension that no whole window covers:
 *  drop it (default, as xbatcher), pad one more window with missing
 *  values, or fail. */
enum { ZS_PARTIAL_DROP = 0, ZS_PARTIAL_PAD = 1, ZS_PARTIAL_ERROR = 2 };
zs_status zs_batch_opts_set_partial(zs_batch_opts *o, int policy);
/** Output format: ZS_BATCH_NPY (DIR/X.npy and DIR/y.npy, default),
 *  ZS_BATCH_NPZ (DIR/NNNNNN.npz, one per batch) or ZS_BATCH_TAR (a tar
 *  stream of NNNNNN.x.npy and NNNNNN.y.npy, WebDataset's naming). */
enum { ZS_BATCH_NPY = 0, ZS_BATCH_NPZ = 1, ZS_BATCH_TAR = 2 };
zs_status zs_batch_opts_set_format(zs_batch_opts *o, int format);
/** Write the index of the samples as CSV to path (NULL: none). */
zs_status zs_batch_opts_set_index(zs_batch_opts *o, const char *path);
/** ZS_DT_FLOAT32 (default) or ZS_DT_FLOAT64 values. */
zs_status zs_batch_opts_set_dtype(zs_batch_opts *o, zs_dtype t);

/** Planned batches. */
typedef struct zs_batch zs_batch;

/**
 * Check the options against ds (which must stay open) and plan: the
 * windows of each dimension, the samples and batches, what no window
 * covers, bytes and memory.  Fails with a message naming the dimension
 * for a window longer than its dimension, an overlap not less than its
 * window, an unknown dimension or variable, or (policy error) a
 * remainder.  w: only its overwrite setting is used.
 */
zs_status zs_batch_plan(zs_dataset *ds, const zs_batch_opts *o,
                        const zs_write_opts *w, zs_batch **out);
void zs_batch_plan_free(zs_batch *b);
/** The plan: windows per dimension, samples, batches, shapes, the
 *  remainder dropped, bytes written and memory. */
zs_status zs_batch_describe(const zs_batch *b, zs_line_fn fn, void *user);
/** Write the batches to out: a folder (npy, npz), or "-" (standard
 *  output) or a file (tar).  A failed run leaves no output. */
zs_status zs_batch_run(zs_batch *b, const char *out);
/**
 * Figures of the plan, and after a run of what it wrote: samples
 * written, samples dropped for missing values, batches written, and
 * the values (of all channels) that no window covers.
 */
zs_status zs_batch_counts(const zs_batch *b, uint64_t *samples,
                          uint64_t *dropped, uint64_t *batches,
                          uint64_t *remainder);

/* Predictions put back onto a grid (zbatch --assemble). */
typedef struct zs_assemble_opts zs_assemble_opts;

zs_status zs_assemble_opts_new(zs_ctx *ctx, zs_assemble_opts **out);
void zs_assemble_opts_free(zs_assemble_opts *o);
/** The predictions: a .npy file of shape (N, C, ...) whose rows are the
 *  samples of the index, C channels, the rest the sample's shape. */
zs_status zs_assemble_opts_set_predictions(zs_assemble_opts *o,
                                           const char *path);
/** The index written with the batches (zs_batch_opts_set_index). */
zs_status zs_assemble_opts_set_index(zs_assemble_opts *o, const char *path);
/** Names of the C output variables ("t2m_pred"); default "prediction"
 *  (or prediction_0, prediction_1, ...).  A name that is a variable of
 *  the grid store takes its attributes (packing left out). */
zs_status zs_assemble_opts_set_names(zs_assemble_opts *o, const char *list);

typedef struct zs_assemble zs_assemble;

/** Check the predictions and index against the grid store like (which
 *  must stay open): its dimensions and lengths. */
zs_status zs_assemble_plan(zs_dataset *like, const zs_assemble_opts *o,
                           const zs_write_opts *w, zs_assemble **out);
void zs_assemble_plan_free(zs_assemble *a);
zs_status zs_assemble_describe(const zs_assemble *a, zs_line_fn fn,
                               void *user);
/** Write the store: each variable the mean of the samples that cover a
 *  point (NaN where none does), the grid's coordinates copied. */
zs_status zs_assemble_run(zs_assemble *a, const char *out);

/* ------------------------------------------------------------------ */
/* Forecast verification (zskill)                                      */
/* ------------------------------------------------------------------ */

typedef struct zs_skill_opts zs_skill_opts;

zs_status zs_skill_opts_new(zs_ctx *ctx, zs_skill_opts **out);
void zs_skill_opts_free(zs_skill_opts *o);
/** Metrics, "rmse,mae": rmse, mae, mse, me (mean of forecast minus
 *  reference), pearson_r, spearman_r, acc, crps. */
zs_status zs_skill_opts_set_metrics(zs_skill_opts *o, const char *list);
/** Dimensions to reduce ("time"); default: all of the reference's. */
zs_status zs_skill_opts_set_dims(zs_skill_opts *o, const char *list);
/** "coslat", or "STORE:VAR" (a variable over reduced dimensions, its
 *  coordinates matched by label); NULL: no weights. */
zs_status zs_skill_opts_set_weights(zs_skill_opts *o, const char *spec);
/** Skip pairs where either value (or the weight) is missing, as
 *  xskillscore's skipna; else one missing value makes the result NaN. */
zs_status zs_skill_opts_set_skipna(zs_skill_opts *o, int on);
/** The forecast's ensemble dimension for crps (default "member"). */
zs_status zs_skill_opts_set_member_dim(zs_skill_opts *o, const char *dim);
/** crps: the fair estimator (Ferro 2014), M(M-1) in the spread term. */
zs_status zs_skill_opts_set_fair(zs_skill_opts *o, int on);
/** acc: the climatology store and its grouping ("time.dayofyear",
 *  "time.month", "time.season", "time.hour"), as zmean(1) writes it. */
zs_status zs_skill_opts_set_clim(zs_skill_opts *o, const char *store,
                                 const char *groupby);
/** acc: 1 centred (default: the correlation of the anomalies, their
 *  means removed), 0 uncentred. */
zs_status zs_skill_opts_set_centred(zs_skill_opts *o, int on);
/** Variables to score ("t2m,msl"); default: those both stores have. */
zs_status zs_skill_opts_set_vars(zs_skill_opts *o, const char *list);

typedef struct zs_skill zs_skill;

/**
 * Match forecast and reference (which must stay open): the reduced
 * dimensions must have equal coordinates (the message names the first
 * label that differs); the others are aligned by label (labels in one
 * store only are left out).  Plan tiles of accumulators within the
 * context's memory bound.
 */
zs_status zs_skill_plan(zs_dataset *forecast, zs_dataset *reference,
                        const zs_skill_opts *o, const zs_write_opts *w,
                        zs_skill **out);
void zs_skill_plan_free(zs_skill *s);
/** The plan: each result, its dimensions, tiles and memory. */
zs_status zs_skill_describe(const zs_skill *s, zs_line_fn fn, void *user);
/** Score and write the store (float64 results, coordinates of the kept
 *  dimensions, CF attributes). */
zs_status zs_skill_run(zs_skill *s, const char *out);
/** Score and give the results as CSV: a header, then one row per point
 *  of the kept dimensions (none: one row).  At most 2^20 points. */
zs_status zs_skill_csv(zs_skill *s, zs_line_fn fn, void *user);
/** The same as an aligned table for people. */
zs_status zs_skill_print(zs_skill *s, zs_line_fn fn, void *user);

/* ------------------------------------------------------------------ */
/* Quick-look maps (zplot)                                             */
/* ------------------------------------------------------------------ */

/*
 * A PNG of a 2-D slice: values decoded (packing; _FillValue and
 * missing_value are missing), latitude growing upward and longitude to
 * the right whatever the stored order, coloured as matplotlib colours
 * them (its Normalize or LogNorm, then its colour map's 256-entry table:
 * every pixel the same), with a title, axes and a colour bar drawn with
 * cairo.  Missing values are grey (153, 153, 153); land from a mask is
 * tan (210, 180, 140).  See zplot(1) for the layout.
 */
typedef struct zs_plot_opts zs_plot_opts;

zs_status zs_plot_opts_new(zs_ctx *ctx, zs_plot_opts **out);
void zs_plot_opts_free(zs_plot_opts *o);
/** The variable to draw. */
zs_status zs_plot_opts_set_var(zs_plot_opts *o, const char *var);
/** Select the slice as zs_select_opts_add_sel() and
 *  zs_select_opts_add_isel() do ("time=2020-01-02", "zlev=0"); after
 *  them exactly two dimensions longer than 1 must be left. */
zs_status zs_plot_opts_add_sel(zs_plot_opts *o, const char *spec);
zs_status zs_plot_opts_add_isel(zs_plot_opts *o, const char *spec);
/** "viridis" (default), "cividis" or "RdBu_r".  RdBu_r without limits
 *  is centred at 0: vmin = -vmax = the largest absolute value (or
 *  robust limit), as xarray draws anomalies. */
zs_status zs_plot_opts_set_cmap(zs_plot_opts *o, const char *name);
/** Colour limits; NaN for either: from the data (its minimum and
 *  maximum).  @return ZS_ERR_INVALID for vmin > vmax or infinities. */
zs_status zs_plot_opts_set_limits(zs_plot_opts *o, double vmin,
                                  double vmax);
/** Limits from the data at its 2nd and 98th percentiles (numpy's
 *  linear definition), as xarray's robust=True. */
zs_status zs_plot_opts_set_robust(zs_plot_opts *o, int on);
/** A logarithmic scale (matplotlib's LogNorm): values <= 0 are drawn as
 *  missing; limits from the positive values. */
zs_status zs_plot_opts_set_log(zs_plot_opts *o, int on);
/** Values outside valid_range (or valid_min, valid_max) and those equal
 *  to one of flag_values are missing, compared as zregrid's
 *  --mask-invalid compares them; a flag whose flag_meanings word is
 *  "land" is drawn as land. */
zs_status zs_plot_opts_set_mask_invalid(zs_plot_opts *o, int on);
/** Pixels per cell, 1..64 (0, default: the most that keeps the longer
 *  side within 480 pixels, at least 1). */
zs_status zs_plot_opts_set_scale(zs_plot_opts *o, int pixels);
/** Only the maps: no margins, text, axes nor colour bar. */
zs_status zs_plot_opts_set_raw(zs_plot_opts *o, int on);
/** Land from a mask: the variable var (NULL: lsm, land_sea_mask,
 *  landmask, land_mask, land or mask, or the only variable of two or
 *  more dimensions) of the store, on the map's grid; land where its
 *  value exceeds 0.5. */
zs_status zs_plot_opts_set_mask(zs_plot_opts *o, const char *store,
                                const char *var);
/** A second map to the right of the first (before and after): variable
 *  var (NULL: the same) of store (NULL: the same), sliced by the
 *  selections of its dimensions; both share the colour limits. */
zs_status zs_plot_opts_set_panel(zs_plot_opts *o, const char *store,
                                 const char *var);
/** Instead of a map, a 2-D histogram of the pairs of values of
 *  variable x of xstore and y of ystore (NULL: the plotted store) at
 *  each point of the selection, bins as numpy.histogram2d makes them
 *  over the two ranges, counts on a log scale, empty bins white.  The
 *  two must lie on the same points (the plan fails with
 *  ZS_ERR_MISMATCH naming the first label that differs). */
zs_status zs_plot_opts_set_hist2d(zs_plot_opts *o, const char *xstore,
                                  const char *x, const char *ystore,
                                  const char *y);
/** Bins of the histogram in log10 of x's values, of y's values: the
 *  values <= 0 are left out, the axes drawn with decades. */
zs_status zs_plot_opts_set_hist_log(zs_plot_opts *o, int x, int y);
/** Bins of each axis of the histogram, 2..1000 (default 100). */
zs_status zs_plot_opts_set_bins(zs_plot_opts *o, int bins);

/** A planned picture: the fields read, the colour limits chosen. */
typedef struct zs_plot zs_plot;

/**
 * Read and decode the fields of ds (which may be closed afterwards) and
 * choose the colour limits.  Fails with a message naming the
 * dimensions left when the slice is not 2-D, and for an unknown
 * variable or label (as zs_select_plan()).
 */
zs_status zs_plot_plan(zs_dataset *ds, const zs_plot_opts *o,
                       zs_plot **out);
void zs_plot_plan_free(zs_plot *p);
/** The plan: each map's cells, extent and title, the colour limits. */
zs_status zs_plot_describe(const zs_plot *p, zs_line_fn fn, void *user);
/** Write the PNG to the file out (through out.partial; no file on
 *  failure), or to standard output for "-". */
zs_status zs_plot_run(zs_plot *p, const char *out);
/** The first map as lines of at most width (0: one per cell) upper
 *  half blocks in ANSI 256 colours (the nearest of the 6x6x6 cube), two
 *  rows of cells a line, and a last line with the title and limits. */
zs_status zs_plot_ascii(const zs_plot *p, int width, zs_line_fn fn,
                        void *user);

#ifdef __cplusplus
}
#endif
#endif /* ZSTORE_H */
