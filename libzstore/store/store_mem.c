/* store_mem.c - memory store: a sorted key/value table under a mutex.
 * Stores live in their context under a name: opening "mem://x" twice in
 * one context sees the same data, which makes it a convenient scratch
 * store and the reference back-end of the conformance tests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

typedef struct mem_entry {
    char *key;
    zsi_buf val;
} mem_entry;

typedef struct mem_table {
    char *name;
    pthread_mutex_t lock;
    mem_entry *e;
    size_t n, cap;
    struct mem_table *next;
} mem_table;

typedef struct mem_registry {
    pthread_mutex_t lock;       /* guards the list */
    mem_table *head;
} mem_registry;

static void table_free(mem_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        zsi_buf_free(&t->e[i].val);
    }
    free(t->e);
    free(t->name);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static void registry_free(void *p)
{
    mem_registry *r = p;
    while (r->head) {
        mem_table *t = r->head;
        r->head = t->next;
        table_free(t);
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void *registry_make(void *user)
{
    mem_registry *r = calloc(1, sizeof *r);
    (void)user;
    if (r)
        pthread_mutex_init(&r->lock, NULL);
    return r;
}

/* Binary search: index of key, or of where it would go (*hit = false). */
static size_t find(const mem_table *t, const char *key, bool *hit)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->e[mid].key, key);
        if (c == 0) {
            *hit = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *hit = false;
    return lo;
}

static zs_status mem_get_range(zs_store *s, const char *key, uint64_t off,
                               uint64_t len, zsi_buf *out, int *found)
{
    mem_table *t = s->impl;
    zs_status st = ZS_OK;
    bool hit;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, key, &hit);
    if (hit) {
        const zsi_buf *v = &t->e[i].val;
        uint64_t start = off < v->len ? off : v->len;
        uint64_t n = v->len - start < len ? v->len - start : len;
        out->len = 0;
        if (!zsi_buf_append(out, v->data + start, (size_t)n) ||
            !zsi_buf_reserve(out, 1))
            st = zsi_nomem(s->ctx);
        *found = st == ZS_OK;
    }
    pthread_mutex_unlock(&t->lock);
    if (st == ZS_OK && hit)
        zsi_store_count(s, 1, out->len, 0);
    return st;
}

static zs_status mem_get(zs_store *s, const char *key, zsi_buf *out,
                         int *found)
{
    return mem_get_range(s, key, 0, UINT64_MAX, out, found);
}

static zs_status mem_size(zs_store *s, const char *key, uint64_t *size,
                          int *found)
{
    mem_table *t = s->impl;
    bool hit;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, key, &hit);
    if (hit) {
        *size = t->e[i].val.len;
        *found = 1;
    }
    pthread_mutex_unlock(&t->lock);
    return ZS_OK;
}

static zs_status mem_set(zs_store *s, const char *key, const void *data,
                         size_t len)
{
    mem_table *t = s->impl;
    zsi_buf v = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    bool hit;
    if (!zsi_buf_append(&v, data, len) || !zsi_buf_reserve(&v, 1))
        return zsi_nomem(s->ctx);
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, key, &hit);
    if (hit) {
        zsi_buf_swap(&t->e[i].val, &v);
    } else {
        char *k = zsi_strdup(key);
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mem_entry *e = realloc(t->e, cap * sizeof *e);
            if (e) {
                t->e = e;
                t->cap = cap;
            }
        }
        if (!k || t->n == t->cap) {
            free(k);
            st = zsi_nomem(s->ctx);
        } else {
            memmove(&t->e[i + 1], &t->e[i], (t->n - i) * sizeof *t->e);
            t->e[i].key = k;
            t->e[i].val = v;
            zsi_buf_init(&v);
            t->n++;
        }
    }
    pthread_mutex_unlock(&t->lock);
    zsi_buf_free(&v);
    if (st == ZS_OK)
        zsi_store_count(s, 1, 0, len);
    return st;
}

static zs_status mem_erase(zs_store *s, const char *key)
{
    mem_table *t = s->impl;
    bool hit;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, key, &hit);
    if (hit) {
        free(t->e[i].key);
        zsi_buf_free(&t->e[i].val);
        memmove(&t->e[i], &t->e[i + 1], (t->n - i - 1) * sizeof *t->e);
        t->n--;
    }
    pthread_mutex_unlock(&t->lock);
    return ZS_OK;
}

static zs_status mem_list(zs_store *s, const char *prefix, zs_key_fn fn,
                          void *user)
{
    mem_table *t = s->impl;
    zsi_strv keys = {0};
    bool hit, nomem = false;
    /* Copy the matching keys so that fn may call back into the store. */
    pthread_mutex_lock(&t->lock);
    for (size_t i = find(t, prefix, &hit); i < t->n; i++) {
        if (!zsi_str_starts(t->e[i].key, prefix))
            break;
        if (!zsi_strv_push(&keys, t->e[i].key)) {
            nomem = true;
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    for (size_t i = 0; !nomem && i < keys.n; i++)
        if (fn(user, keys.v[i]))
            break;
    zsi_strv_free(&keys);
    return nomem ? zsi_nomem(s->ctx) : ZS_OK;
}

static zs_status mem_discard(zs_store *s)
{
    mem_table *t = s->impl;
    if (!(s->flags & ZS_STORE_CREATE))
        return zsi_err(s->ctx, ZS_ERR_INVALID,
                       "%s: refusing to discard a store opened for reading",
                       s->name);
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        zsi_buf_free(&t->e[i].val);
    }
    t->n = 0;
    pthread_mutex_unlock(&t->lock);
    return ZS_OK;
}

static const zsi_store_ops mem_ops = {
    .kind = "memory",
    .get = mem_get,
    .get_range = mem_get_range,
    .size = mem_size,
    .set = mem_set,
    .erase = mem_erase,
    .list = mem_list,
    .discard = mem_discard,
};

zs_status zsi_store_mem_open(zs_ctx *ctx, const char *name, unsigned flags,
                             zs_store **out)
{
    mem_registry *r;
    mem_table *t;
    zs_store *s;
    zs_status st;
    r = zsi_ctx_slot(ctx, ZSI_SLOT_MEM_STORES, registry_make, NULL, NULL,
                     registry_free);
    if (!r)
        return zsi_nomem(ctx);
    pthread_mutex_lock(&r->lock);
    for (t = r->head; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            break;
    if (!t && (flags & ZS_STORE_CREATE) &&
        (t = calloc(1, sizeof *t))) {
        if (!(t->name = zsi_strdup(name))) {
            free(t);
            t = NULL;
        } else {
            pthread_mutex_init(&t->lock, NULL);
            t->next = r->head;
            r->head = t;
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (!t)
        return (flags & ZS_STORE_CREATE)
                   ? zsi_nomem(ctx)
                   : zsi_err(ctx, ZS_ERR_NOTFOUND, "mem://%s: no such store",
                             name);
    if ((flags & ZS_STORE_CREATE) && t->n > 0) {
        if (!(flags & ZS_STORE_OVERWRITE))
            return zsi_err(ctx, ZS_ERR_EXISTS, "mem://%s: exists", name);
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n; i++) {
            free(t->e[i].key);
            zsi_buf_free(&t->e[i].val);
        }
        t->n = 0;
        pthread_mutex_unlock(&t->lock);
    }
    char *full = zsi_asprintf("mem://%s", name);
    if (!full)
        return zsi_nomem(ctx);
    st = zsi_store_alloc(ctx, full, flags, &mem_ops, &s);
    free(full);
    if (st != ZS_OK)
        return st;
    s->impl = t;
    s->caps = ZSI_STORE_CAN_LIST | ZSI_STORE_LOCAL_RANGE |
              ((flags & ZS_STORE_CREATE) ? ZSI_STORE_CAN_WRITE : 0);
    *out = s;
    return ZS_OK;
}
