/* cache.c - decoded chunks shared by the arrays of a context, evicted in
 * least-recently-used order to stay within a byte budget.  Entries in use
 * (refs > 0) are never freed; an entry larger than the whole budget is
 * handed out as a temporary that is freed on release. */
#include "config.h"

#include <stdlib.h>

#include "array/array_impl.h"

#define NBUCKETS 4096

struct zsi_cache {
    pthread_mutex_t lock;
    size_t budget, used;
    uint64_t next_id;
    zsi_centry *buckets[NBUCKETS];
    zsi_centry *head, *tail;   /* LRU: head is most recent */
};

static void cache_free(struct zsi_cache *c)
{
    for (size_t b = 0; b < NBUCKETS; b++)
        for (zsi_centry *e = c->buckets[b], *n; e; e = n) {
            n = e->hnext;
            zsi_buf_free(&e->data);
            free(e);
        }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t zsi_cache_budget(struct zsi_cache *c)
{
    return c ? __atomic_load_n(&c->budget, __ATOMIC_RELAXED) : 0;
}

static void *cache_make(void *user)
{
    struct zsi_cache *c = calloc(1, sizeof *c);
    (void)user;
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void cache_destroy(void *c)
{
    cache_free(c);
}

struct zsi_cache *zsi_cache_of(zs_ctx *ctx)
{
    struct zsi_cache *c = zsi_ctx_slot(ctx, ZSI_SLOT_CACHE, cache_make, NULL,
                                       NULL, cache_destroy);
    size_t budget = zsi_ctx_cache_bytes(ctx);
    if (c && zsi_cache_budget(c) != budget) {
        /* zsi_cache_get reads it without the lock */
        pthread_mutex_lock(&c->lock);
        __atomic_store_n(&c->budget, budget, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&c->lock);
    }
    return c;
}


uint64_t zsi_cache_new_id(struct zsi_cache *c)
{
    uint64_t id;
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    id = ++c->next_id;
    pthread_mutex_unlock(&c->lock);
    return id;
}

static size_t bucket(uint64_t id, uint64_t idx)
{
    uint64_t h = id * 0x9e3779b97f4a7c15ULL ^ idx * 0xc2b2ae3d27d4eb4fULL;
    return (size_t)(h >> 20) % NBUCKETS;
}

static void lru_unlink(struct zsi_cache *c, zsi_centry *e)
{
    if (e->prev) e->prev->next = e->next; else c->head = e->next;
    if (e->next) e->next->prev = e->prev; else c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(struct zsi_cache *c, zsi_centry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void unhash(struct zsi_cache *c, zsi_centry *e)
{
    zsi_centry **p = &c->buckets[bucket(e->id, e->idx)];
    while (*p && *p != e)
        p = &(*p)->hnext;
    if (*p)
        *p = e->hnext;
}

/* Remove an entry from the table; free it unless in use. */
static void evict(struct zsi_cache *c, zsi_centry *e)
{
    unhash(c, e);
    lru_unlink(c, e);
    c->used -= e->data.cap;
    e->cached = false;
    if (e->refs == 0) {
        zsi_buf_free(&e->data);
        free(e);
    }
}

static void shrink(struct zsi_cache *c)
{
    zsi_centry *e = c->tail;
    while (c->used > c->budget && e) {
        zsi_centry *p = e->prev;
        if (e->refs == 0)
            evict(c, e);
        e = p;
    }
}

static zsi_centry *lookup(struct zsi_cache *c, uint64_t id, uint64_t idx)
{
    for (zsi_centry *e = c->buckets[bucket(id, idx)]; e; e = e->hnext)
        if (e->id == id && e->idx == idx)
            return e;
    return NULL;
}

zsi_centry *zsi_cache_get(struct zsi_cache *c, uint64_t id, uint64_t idx)
{
    zsi_centry *e;
    if (!zsi_cache_budget(c))
        return NULL;
    pthread_mutex_lock(&c->lock);
    e = lookup(c, id, idx);
    if (e) {
        e->refs++;
        lru_unlink(c, e);
        lru_front(c, e);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

zsi_centry *zsi_cache_put(struct zsi_cache *c, uint64_t id, uint64_t idx,
                          zsi_buf *data, int found)
{
    zsi_centry *e = calloc(1, sizeof *e), *old;
    if (!e)
        return NULL;
    e->id = id;
    e->idx = idx;
    e->found = found;
    e->refs = 1;
    zsi_buf_swap(&e->data, data);
    if (!zsi_cache_budget(c) || e->data.cap > zsi_cache_budget(c))
        return e;   /* temporary */
    pthread_mutex_lock(&c->lock);
    old = lookup(c, id, idx);
    if (old) {
        old->refs++;
        pthread_mutex_unlock(&c->lock);
        zsi_buf_free(&e->data);
        free(e);
        return old;
    }
    e->cached = true;
    e->hnext = c->buckets[bucket(id, idx)];
    c->buckets[bucket(id, idx)] = e;
    lru_front(c, e);
    c->used += e->data.cap;
    shrink(c);
    pthread_mutex_unlock(&c->lock);
    return e;
}

void zsi_cache_release(struct zsi_cache *c, zsi_centry *e)
{
    bool gone;
    if (!e)
        return;
    if (c)
        pthread_mutex_lock(&c->lock);
    gone = --e->refs == 0 && !e->cached;
    if (!gone && e->refs == 0 && c && c->used > c->budget)
        shrink(c);
    if (c)
        pthread_mutex_unlock(&c->lock);
    if (gone) {
        zsi_buf_free(&e->data);
        free(e);
    }
}

void zsi_cache_drop(struct zsi_cache *c, uint64_t id, uint64_t idx)
{
    zsi_centry *e;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    if ((e = lookup(c, id, idx)))
        evict(c, e);
    pthread_mutex_unlock(&c->lock);
}

void zsi_cache_drop_all(struct zsi_cache *c, uint64_t id)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    for (zsi_centry *e = c->head, *n; e; e = n) {
        n = e->next;
        if (e->id == id)
            evict(c, e);
    }
    pthread_mutex_unlock(&c->lock);
}
