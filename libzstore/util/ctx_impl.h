/*
 * ctx_impl.h - the body of the context, util's own: included by the util
 * files that need it (ctx.c, pool.c), never above.  Layers above reach
 * what they need through zsi_util.h (slots, accessors).
 */
#ifndef ZSI_CTX_IMPL_H
#define ZSI_CTX_IMPL_H

#include "util/zsi_util.h"

/* The context.  Layers above util keep their per-context state in
 * slots, so that util does not need to know their types. */
struct zs_ctx {
    pthread_mutex_t lock;       /* guards msg, and lazy creation below */
    char msg[ZSI_MSG_MAX];
    int threads;                /* 0 = one per core */
    size_t cache_bytes;
    uint64_t memory;            /* zs_ctx_set_memory(), 0: defaults */
    zs_log_fn log_fn;
    void *log_user;
    zs_progress_fn progress_fn;
    void *progress_user;
    struct zsi_pool *pool;      /* created on first use */
    /* the layers' objects (set under lock, read atomically) */
    void *slot[ZSI_NSLOTS];
    void (*slot_free[ZSI_NSLOTS])(void *);
    struct zsi_kv *opts;        /* zs_ctx_set_option(), under lock */
    /* threads whose messages go to a buffer of their own, under lock (a
     * read-ahead transfer must not overwrite the error of the read it
     * runs beside) */
    struct {
        pthread_t thread;
        char *buf;
    } redirect[ZSI_REDIRECT_MAX];
    int nredirect;
};

#endif
