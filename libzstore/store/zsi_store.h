/*
 * zsi_store.h - store layer: the function table every back-end fills in.
 * Includes only util.
 *
 * A back-end provides what it can; a NULL entry means the ability is
 * missing (an HTTP store has no set, erase or list) and the generic code
 * answers ZS_ERR_READONLY or ZS_ERR_UNSUPPORTED.  A missing key is never
 * an error: get and get_range report it through *found.
 *
 * get, get_range and size may be called from several threads at once;
 * set, erase and list are called from one thread at a time unless the
 * back-end sets ZSI_STORE_CONCURRENT_WRITES.
 */
#ifndef ZSI_STORE_H
#define ZSI_STORE_H

#include "util/zsi_util.h"

/* An open flag of the back-ends (beside the public ZS_STORE_*): open a
 * remote store of objects, not of a dataset: read no metadata at open
 * (a zip read by range from an http or s3 store). */
#define ZSI_STORE_RAW 0x10000u
/* Open flags for work that a later run continues (with ZS_STORE_CREATE
 * and ZS_STORE_PARTIAL, on stores with ZSI_STORE_RESUMABLE): keep an
 * existing NAME.partial and write on into it (made if absent), holding
 * its lock exclusive, or shared with ZSI_STORE_SHARED (several writers
 * at once, each writing other keys).  Commit then first removes what
 * killed writers left half-written. */
#define ZSI_STORE_CONTINUE 0x20000u
#define ZSI_STORE_SHARED 0x40000u
/* With ZSI_STORE_CONTINUE: no NAME.partial is ZS_ERR_NOTFOUND (nothing
 * is made). */
#define ZSI_STORE_EXISTING 0x80000u
/* Write into an existing store in place (a folder: under its lock, held
 * alone; commit renames nothing): what an append changes.  A zip file
 * is rewritten whole instead: the new one replaces it at commit. */
#define ZSI_STORE_UPDATE 0x100000u
/* A folder NAME.partial continued for a store of another kind at NAME (a
 * zip file that a commit packs it into): NAME is neither checked nor
 * renamed to; commit only tidies. */
#define ZSI_STORE_SIDECAR 0x200000u

/* Capabilities. */
enum {
    ZSI_STORE_CAN_WRITE = 1,
    ZSI_STORE_CAN_LIST = 2,
    ZSI_STORE_CONCURRENT_WRITES = 4, /* set() is thread- and process-safe */
    ZSI_STORE_REMOTE = 8,            /* requests cost latency */
    /* A stream (tar on a pipe): written once, in order, metadata first,
     * each key once; read in one pass (what is read ahead is kept, in
     * memory or spilled to tmpdir, until asked for). */
    ZSI_STORE_STREAM = 16,
    /* Written object by object, each whole or absent, kept when the
     * writer dies: a later run can continue it (ZSI_STORE_CONTINUE). */
    ZSI_STORE_RESUMABLE = 32,
    /* Written where readers read it (S3): no NAME.partial, and a commit
     * renames nothing; the records of a continued write lie among the
     * objects of the store. */
    ZSI_STORE_IN_PLACE = 64,
    /* A range costs what it reads, locally (a folder's files, memory):
     * reading a chunk's header, then a part of it, beats reading it
     * whole. */
    ZSI_STORE_LOCAL_RANGE = 128
};

typedef struct zsi_store_ops {
    const char *kind; /* "directory", "memory", "zip", "http", ... */
    zs_status (*get)(zs_store *s, const char *key, zsi_buf *out,
                     int *found);
    zs_status (*get_range)(zs_store *s, const char *key, uint64_t offset,
                           uint64_t len, zsi_buf *out, int *found);
    /* Size of a value without reading it (optional). */
    zs_status (*size)(zs_store *s, const char *key, uint64_t *size,
                      int *found);
    zs_status (*set)(zs_store *s, const char *key, const void *data,
                     size_t len);
    zs_status (*erase)(zs_store *s, const char *key);
    zs_status (*list)(zs_store *s, const char *prefix, zs_key_fn fn,
                      void *user);
    zs_status (*commit)(zs_store *s);
    zs_status (*discard)(zs_store *s);
    void (*close)(zs_store *s);
    /* Several whole values at once (optional: remote stores transfer
     * them in parallel): out[i] and found[i] for keys[i]; returns the
     * first error. */
    zs_status (*get_many)(zs_store *s, size_t n, const char *const *keys,
                          zsi_buf *out, int *found);
    /* Keys under prefix are read more than once (a coordinate): a
     * stream read in one pass keeps them (optional). */
    zs_status (*pin)(zs_store *s, const char *prefix);
    /* The value of key will not be read again (optional): a stream drops
     * it, unless pinned; reading it again is then an error. */
    zs_status (*forget)(zs_store *s, const char *key);
    /* No key under prefix will be read (optional): a stream does not
     * keep them; reading one is then an error. */
    zs_status (*skip)(zs_store *s, const char *prefix);
    /* Make everything written so far durable, so that a record of it
     * written next never outlives it in a crash (optional: NULL where a
     * write is durable once it returns). */
    zs_status (*sync)(zs_store *s);
} zsi_store_ops;


/* Create the generic part of a store; the back-end sets impl and caps. */
zs_status zsi_store_alloc(zs_ctx *ctx, const char *name, unsigned flags,
                          const zsi_store_ops *ops, zs_store **out);

/* Back-ends. */
zs_status zsi_store_dir_open(zs_ctx *ctx, const char *path, unsigned flags,
                             zs_store **out);
zs_status zsi_store_mem_open(zs_ctx *ctx, const char *name, unsigned flags,
                             zs_store **out);
/* A zip file written through the folder NAME.partial, which later runs
 * continue and the commit packs into NAME (store_zipdir.c; opened with
 * ZS_STORE_CREATE, ZS_STORE_PARTIAL and ZSI_STORE_CONTINUE). */
zs_status zsi_store_zipdir_open(zs_ctx *ctx, const char *name,
                                const char *path, unsigned flags,
                                zs_store **out);
/* A new zip file at path, written at tmp and renamed to path by the
 * commit (store_zip.c). */
zs_status zsi_store_zip_create_at(zs_ctx *ctx, const char *name,
                                  const char *path, const char *tmp,
                                  unsigned flags, zs_store **out);
/* A zip file (store_zip.c). */
zs_status zsi_store_zip_open(zs_ctx *ctx, const char *name, const char *path,
                             unsigned flags, zs_store **out);
/* A zip file read by range from a remote store (taken, also on failure),
 * where it is the value of key; read-only. */
zs_status zsi_store_zip_open_remote(zs_ctx *ctx, const char *name,
                                    zs_store *remote, const char *key,
                                    unsigned flags, zs_store **out);
/* A tar stream: path NULL for stdin (reading) or stdout (writing), else
 * a tar file (store_tar.c). */
zs_status zsi_store_tar_open(zs_ctx *ctx, const char *name, const char *path,
                             unsigned flags, zs_store **out);
/* http:// and https://, read-only (store_http.c). */
zs_status zsi_store_http_open(zs_ctx *ctx, const char *url, unsigned flags,
                              zs_store **out);
/* s3://BUCKET/PREFIX; prefix "" or a valid key path (store_s3.c). */
zs_status zsi_store_s3_open(zs_ctx *ctx, const char *name, const char *bucket,
                            const char *prefix, unsigned flags,
                            zs_store **out);

/* A write-only store sending set and erase as frames down fd, for worker
 * processes (store_pipe.c).  Frames carry a tag (a unit of work):
 * set_tag chooses it, end_tag sends "tag done" and moves to tag + 1. */
zs_status zsi_store_pipe_open(zs_ctx *ctx, const char *name, int fd,
                              zs_store **out);
void zsi_store_pipe_set_tag(zs_store *s, uint64_t tag);
zs_status zsi_store_pipe_end_tag(zs_store *s, uint64_t tag);

/* The reading end: feed bytes as they come; fn is called once per whole
 * frame with op 'S' (set), 'E' (erase) or 'T' (end of tag; key "").
 * Returns the first failure of fn. */
typedef struct zsi_frames {
    zsi_buf pending;
} zsi_frames;
typedef zs_status (*zsi_frame_fn)(void *user, char op, uint64_t tag,
                                  const char *key, const void *data,
                                  size_t len);
zs_status zsi_frames_feed(zs_ctx *ctx, zsi_frames *f, const char *data,
                          size_t n, zsi_frame_fn fn, void *user);
void zsi_frames_free(zsi_frames *f);

/* Internal conveniences over the public calls, using zsi_buf. */
zs_status zsi_store_get(zs_store *s, const char *key, zsi_buf *out,
                        int *found);
/* Bytes off .. off + len of a value (fewer at its end). */
zs_status zsi_store_get_range(zs_store *s, const char *key, uint64_t off,
                              uint64_t len, zsi_buf *out, int *found);
zs_status zsi_store_size(zs_store *s, const char *key, uint64_t *size,
                         int *found);
/* Several whole values (see zsi_store_ops.get_many). */
zs_status zsi_store_get_many(zs_store *s, size_t n, const char *const *keys,
                             zsi_buf *out, int *found);
/* Keys under prefix will be read more than once (see ops.pin). */
zs_status zsi_store_pin(zs_store *s, const char *prefix);
/* The value of key will not be read again (see ops.forget). */
zs_status zsi_store_forget(zs_store *s, const char *key);
/* No key under prefix will be read (see ops.skip). */
zs_status zsi_store_skip(zs_store *s, const char *prefix);
/* What was written is durable (see ops.sync). */
zs_status zsi_store_sync(zs_store *s);
/* Would name open as a store that a later run can write again: continue
 * it, or append to it (a folder, a local zip file, an S3 prefix)?  NULL
 * if so, else why not (static text, to follow "NAME: ...: "). */
const char *zsi_store_why_not_again(const char *name);
/* Where a continued store keeps its unfinished state, for messages and
 * for reading it: NAME.partial, or NAME itself for an S3 prefix (the
 * caller frees it; NULL on no memory). */
char *zsi_store_partial_name(const char *name);
/* Collect keys under prefix into v (sorted). */
zs_status zsi_store_list_all(zs_store *s, const char *prefix, zsi_strv *v);

/* Statistics. */
void zsi_store_count(zs_store *s, uint64_t requests, uint64_t bytes_in,
                     uint64_t bytes_out);
/* Requests made and bytes read so far. */
void zsi_store_stats(const zs_store *s, uint64_t *requests,
                     uint64_t *bytes_in);

/* The context a store was opened with, and its ZSI_STORE_* abilities. */
zs_ctx *zsi_store_ctx(const zs_store *s);
unsigned zsi_store_caps(const zs_store *s);

/* Remove a file or a folder and everything below it, never following a
 * link (store_dir.c); 0 on success, -1 with errno set. */
int zsi_rm_tree(const char *path);

#endif /* ZSI_STORE_H */
