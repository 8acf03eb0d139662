/* ahead.c - read-ahead for remote stores: while a read decodes its
 * chunks, the stored bytes of the box its caller will read next are
 * transferred by a thread of their own, so that the network and the
 * cores work at the same time.
 *
 * The caller names the next box (zsi_array_will_read); the read that
 * follows starts the transfer once its own chunks have arrived, and the
 * read after it takes them (zsi_ahead_take).  A transfer that failed
 * keeps its status and message for the read that wants those chunks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "array/array_impl.h"

struct zsi_ahead {
    /* the box the caller will read next, not started yet */
    bool want;
    uint64_t lo[ZS_MAX_DIMS], n[ZS_MAX_DIMS];   /* its chunks per dim */
    /* the transfer: chunks idx[0..m) in increasing order */
    bool running;             /* thread started and not joined */
    pthread_t thread;
    zs_store *store;
    size_t m;
    uint64_t *idx;
    char **keys;
    zsi_buf *bufs;
    int *found;
    zs_status st;
    char msg[ZSI_MSG_MAX];
};

static void transfer_free(struct zsi_ahead *ah)
{
    for (size_t i = 0; i < ah->m; i++) {
        free(ah->keys[i]);
        zsi_buf_free(&ah->bufs[i]);
    }
    free(ah->idx);
    free(ah->keys);
    free(ah->bufs);
    free(ah->found);
    ah->idx = NULL;
    ah->keys = NULL;
    ah->bufs = NULL;
    ah->found = NULL;
    ah->m = 0;
    ah->st = ZS_OK;
    ah->msg[0] = 0;
}

static void join(struct zsi_ahead *ah)
{
    if (ah && ah->running) {
        pthread_join(ah->thread, NULL);
        ah->running = false;
    }
}

void zsi_ahead_free(struct zsi_ahead *ah)
{
    if (!ah)
        return;
    join(ah);
    transfer_free(ah);
    free(ah);
}

/* Chunk grid coordinates of the box start/count into lo/n. */
static void box_chunks(const zs_array *a, const uint64_t *start,
                       const uint64_t *count, uint64_t *lo, uint64_t *n)
{
    for (int d = 0; d < a->meta.ndim; d++) {
        lo[d] = start[d] / a->cshape[d];
        n[d] = (start[d] + count[d] - 1) / a->cshape[d] - lo[d] + 1;
    }
}

void zsi_array_ahead_stop(zs_array *a)
{
    if (a->ahead) {
        a->ahead->want = false;
        join(a->ahead);
        transfer_free(a->ahead);
    }
}

bool zsi_array_fetches_ahead(const zs_array *a)
{
    return (zsi_store_caps(a->store) & ZSI_STORE_REMOTE) && !a->shard &&
           !a->broken;
}

/* The read-ahead of a, made on first use; NULL where it does not apply
 * or without memory (the reads still work, without it). */
static struct zsi_ahead *plan(zs_array *a)
{
    if (!zsi_array_fetches_ahead(a))
        return NULL;
    if (!a->ahead)
        a->ahead = calloc(1, sizeof *a->ahead);
    return a->ahead;
}

void zsi_array_will_read(zs_array *a, const uint64_t *start,
                         const uint64_t *count)
{
    struct zsi_ahead *ah;
    bool empty = !start || !count;
    for (int d = 0; !empty && d < a->meta.ndim; d++)
        empty = count[d] == 0 || start[d] + count[d] < start[d] ||
                start[d] + count[d] > a->meta.shape[d];
    if (empty) {   /* what is on its way stays, for the next read */
        if (a->ahead)
            a->ahead->want = false;
        return;
    }
    if (!(ah = plan(a)))
        return;
    box_chunks(a, start, count, ah->lo, ah->n);
    ah->want = true;
}

static void *transfer(void *arg)
{
    struct zsi_ahead *ah = arg;
    zs_ctx *ctx = zsi_store_ctx(ah->store);
    /* the errors of this thread go to ah->msg, not over the message of
     * a read that fails meanwhile */
    bool own = zsi_ctx_redirect(ctx, ah->msg);
    ah->msg[0] = 0;
    ah->st = zsi_store_get_many(ah->store, ah->m,
                                (const char *const *)ah->keys, ah->bufs,
                                ah->found);
    if (own) {
        zsi_ctx_redirect(ctx, NULL);
    } else if (ah->st != ZS_OK) {   /* no slot: as good as can be */
        zsi_ctx_copy_message(ctx, ah->msg, sizeof ah->msg);
    }
    return NULL;
}

/* Is chunk cidx inside the chunk range lo/n? */
static bool inside(int ndim, const uint64_t *cidx, const uint64_t *lo,
                   const uint64_t *n)
{
    for (int d = 0; d < ndim; d++)
        if (cidx[d] < lo[d] || cidx[d] >= lo[d] + n[d])
            return false;
    return true;
}

void zsi_ahead_start(zs_array *a, const uint64_t *cur_lo,
                     const uint64_t *cur_n)
{
    struct zsi_ahead *ah = a->ahead;
    struct zsi_cache *c = zsi_cache_of(a->ctx);
    uint64_t cidx[ZS_MAX_DIMS], total = 1;
    size_t m = 0;
    if (!ah || !ah->want)
        return;
    ah->want = false;
    join(ah);
    transfer_free(ah);
    for (int d = 0; d < a->meta.ndim; d++)
        total *= ah->n[d];
    if (total > SIZE_MAX / sizeof(zsi_buf))
        return;
    ah->idx = calloc((size_t)total, sizeof *ah->idx);
    ah->keys = calloc((size_t)total, sizeof *ah->keys);
    ah->bufs = calloc((size_t)total, sizeof *ah->bufs);
    ah->found = calloc((size_t)total, sizeof *ah->found);
    if (!ah->idx || !ah->keys || !ah->bufs || !ah->found) {
        transfer_free(ah);
        return;
    }
    /* the box's chunks in C order, which is increasing linear order, less
     * those of the current read and those in the cache */
    for (uint64_t i = 0, k; i < total; i++) {
        uint64_t id;
        zsi_buf key = ZSI_BUF_INIT;
        zsi_centry *e;
        k = i;
        for (int d = a->meta.ndim - 1; d >= 0; d--) {
            cidx[d] = ah->lo[d] + k % ah->n[d];
            k /= ah->n[d];
        }
        if (inside(a->meta.ndim, cidx, cur_lo, cur_n))
            continue;
        id = zsi_array_ravel(a, cidx);
        if ((e = zsi_cache_get(c, a->cache_id, id))) {
            zsi_cache_release(c, e);
            continue;
        }
        if (zsi_array_chunk_key(a, cidx, &key) != ZS_OK ||
            !(ah->keys[m] = (char *)zsi_buf_take(&key))) {
            zsi_buf_free(&key);
            ah->m = m;
            transfer_free(ah);   /* the reads fetch them themselves */
            return;
        }
        zsi_buf_free(&key);
        ah->idx[m++] = id;
    }
    ah->m = m;
    ah->store = a->store;
    if (m == 0)
        return;
    if (pthread_create(&ah->thread, NULL, transfer, ah) != 0) {
        transfer_free(ah);
        return;
    }
    ah->running = true;
}

zs_status zsi_ahead_take(zs_array *a, uint64_t idx, zsi_buf *raw,
                         int *found, bool *taken)
{
    struct zsi_ahead *ah = a->ahead;
    size_t lo = 0, hi;
    *taken = false;
    if (!ah || (!ah->running && ah->m == 0))
        return ZS_OK;
    join(ah);
    hi = ah->m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ah->idx[mid] < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ah->m || ah->idx[lo] != idx)
        return ZS_OK;
    if (ah->st != ZS_OK)
        return zsi_err(a->ctx, ah->st, "%s", ah->msg);
    zsi_buf_swap(raw, &ah->bufs[lo]);
    *found = ah->found[lo];
    *taken = true;
    return ZS_OK;
}

void zsi_ahead_drop(zs_array *a)
{
    if (a->ahead) {
        join(a->ahead);
        transfer_free(a->ahead);
    }
}
