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

/* Capabilities. */
enum {
    ZSI_STORE_CAN_WRITE = 1,
    ZSI_STORE_CAN_LIST = 2,
    ZSI_STORE_CONCURRENT_WRITES = 4, /* set() is thread- and process-safe */
    ZSI_STORE_REMOTE = 8             /* requests cost latency */
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
} zsi_store_ops;

struct zs_store {
    zs_ctx *ctx;
    const zsi_store_ops *ops;
    void *impl;
    char *name;
    unsigned flags;   /* ZS_STORE_* open flags */
    unsigned caps;    /* ZSI_STORE_* capabilities */
    /* statistics, updated atomically */
    uint64_t n_requests;
    uint64_t n_bytes_in;
    uint64_t n_bytes_out;
};

/* Create the generic part of a store; the back-end sets impl and caps. */
zs_status zsi_store_alloc(zs_ctx *ctx, const char *name, unsigned flags,
                          const zsi_store_ops *ops, zs_store **out);

/* Back-ends. */
zs_status zsi_store_dir_open(zs_ctx *ctx, const char *path, unsigned flags,
                             zs_store **out);
zs_status zsi_store_mem_open(zs_ctx *ctx, const char *name, unsigned flags,
                             zs_store **out);

/* Internal conveniences over the public calls, using zsi_buf. */
zs_status zsi_store_get(zs_store *s, const char *key, zsi_buf *out,
                        int *found);
zs_status zsi_store_size(zs_store *s, const char *key, uint64_t *size,
                         int *found);
/* Collect keys under prefix into v (sorted). */
zs_status zsi_store_list_all(zs_store *s, const char *prefix, zsi_strv *v);

/* Statistics. */
void zsi_store_count(zs_store *s, uint64_t requests, uint64_t bytes_in,
                     uint64_t bytes_out);

#endif /* ZSI_STORE_H */
