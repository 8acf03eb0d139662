/*
 * store_impl.h - private to the store layer (the files in store/): the
 * insides of a store.  Layers above use the functions of zsi_store.h.
 */
#ifndef ZSI_STORE_IMPL_H
#define ZSI_STORE_IMPL_H

#include <pthread.h>

#include "store/zsi_store.h"

struct zs_store {
    zs_ctx *ctx;
    const zsi_store_ops *ops;
    void *impl;
    char *name;
    unsigned flags;   /* ZS_STORE_* open flags */
    unsigned caps;    /* ZSI_STORE_* capabilities */
    pthread_mutex_t wlock;  /* serialises set/erase without
                               ZSI_STORE_CONCURRENT_WRITES */
    /* statistics, updated atomically */
    uint64_t n_requests;
    uint64_t n_bytes_in;
    uint64_t n_bytes_out;
    /* where zsi_store_count adds them instead (a remote store under a
     * zip read by range: its requests are the zip's), or NULL */
    zs_store *count_to;
};

#endif /* ZSI_STORE_IMPL_H */
