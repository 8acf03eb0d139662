/* store.c - generic store calls: name parsing, key checks, dispatch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/zsi_store.h"

zs_status zsi_store_alloc(zs_ctx *ctx, const char *name, unsigned flags,
                          const zsi_store_ops *ops, zs_store **out)
{
    zs_store *s = calloc(1, sizeof *s);
    if (!s || !(s->name = zsi_strdup(name))) {
        free(s);
        return zsi_nomem(ctx);
    }
    s->ctx = ctx;
    s->ops = ops;
    s->flags = flags;
    *out = s;
    return ZS_OK;
}

zs_status zs_store_open(zs_ctx *ctx, const char *name, unsigned flags,
                        zs_store **out)
{
    if (!name || !*name)
        return zsi_err(ctx, ZS_ERR_INVALID, "empty store name");
    if (zsi_str_starts(name, "mem://"))
        return zsi_store_mem_open(ctx, name + 6, flags, out);
    if (zsi_str_starts(name, "file://"))
        return zsi_store_dir_open(ctx, name + 7, flags, out);
    if (strstr(name, "://"))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: unsupported store scheme", name);
    return zsi_store_dir_open(ctx, name, flags, out);
}

const char *zs_store_name(const zs_store *s)
{
    return s->name;
}

static zs_status bad_key(zs_store *s, const char *key)
{
    return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: invalid key '%s'", s->name,
                   key ? key : "(null)");
}

void zsi_store_count(zs_store *s, uint64_t requests, uint64_t bytes_in,
                     uint64_t bytes_out)
{
    __atomic_add_fetch(&s->n_requests, requests, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->n_bytes_in, bytes_in, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->n_bytes_out, bytes_out, __ATOMIC_RELAXED);
}

zs_status zsi_store_get(zs_store *s, const char *key, zsi_buf *out,
                        int *found)
{
    *found = 0;
    out->len = 0;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    return s->ops->get(s, key, out, found);
}

zs_status zs_store_get(zs_store *s, const char *key, void **data,
                       size_t *len, int *found)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_store_get(s, key, &b, found);
    if (st != ZS_OK || !*found) {
        zsi_buf_free(&b);
        *data = NULL;
        *len = 0;
        return st;
    }
    if (!b.data && !zsi_buf_reserve(&b, 1))
        return zsi_nomem(s->ctx);
    *len = b.len;
    *data = zsi_buf_take(&b);
    return ZS_OK;
}

zs_status zs_store_get_range(zs_store *s, const char *key, uint64_t offset,
                             uint64_t len, void **data, size_t *out_len,
                             int *found)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st;
    *found = 0;
    *data = NULL;
    *out_len = 0;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (s->ops->get_range) {
        st = s->ops->get_range(s, key, offset, len, &b, found);
    } else {
        st = s->ops->get(s, key, &b, found);
        if (st == ZS_OK && *found) {
            uint64_t end = offset > b.len ? b.len : offset;
            uint64_t n = b.len - end < len ? b.len - end : len;
            memmove(b.data, b.data + end, (size_t)n);
            b.len = (size_t)n;
        }
    }
    if (st != ZS_OK || !*found) {
        zsi_buf_free(&b);
        return st;
    }
    if (!b.data && !zsi_buf_reserve(&b, 1))
        return zsi_nomem(s->ctx);
    *out_len = b.len;
    *data = zsi_buf_take(&b);
    return ZS_OK;
}

zs_status zsi_store_size(zs_store *s, const char *key, uint64_t *size,
                         int *found)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st;
    *found = 0;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (s->ops->size)
        return s->ops->size(s, key, size, found);
    st = s->ops->get(s, key, &b, found);
    *size = b.len;
    zsi_buf_free(&b);
    return st;
}

zs_status zs_store_set(zs_store *s, const char *key, const void *data,
                       size_t len)
{
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (!s->ops->set || !(s->caps & ZSI_STORE_CAN_WRITE))
        return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       s->name);
    return s->ops->set(s, key, data, len);
}

zs_status zs_store_erase(zs_store *s, const char *key)
{
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (!s->ops->erase || !(s->caps & ZSI_STORE_CAN_WRITE))
        return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       s->name);
    return s->ops->erase(s, key);
}

zs_status zs_store_list(zs_store *s, const char *prefix, zs_key_fn fn,
                        void *user)
{
    if (!s->ops->list || !(s->caps & ZSI_STORE_CAN_LIST))
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: store cannot be listed", s->name);
    return s->ops->list(s, prefix ? prefix : "", fn, user);
}

struct collect {
    zsi_strv *v;
    bool nomem;
};

static int collect(void *user, const char *key)
{
    struct collect *c = user;
    if (zsi_strv_push(c->v, key))
        return 0;
    c->nomem = true;
    return 1;
}

zs_status zsi_store_list_all(zs_store *s, const char *prefix, zsi_strv *v)
{
    struct collect c = {v, false};
    zs_status st = zs_store_list(s, prefix, collect, &c);
    if (st != ZS_OK)
        return st;
    if (c.nomem)
        return zsi_nomem(s->ctx);
    zsi_strv_sort(v);
    return ZS_OK;
}

zs_status zs_store_commit(zs_store *s)
{
    return s->ops->commit ? s->ops->commit(s) : ZS_OK;
}

zs_status zs_store_discard(zs_store *s)
{
    return s->ops->discard ? s->ops->discard(s) : ZS_OK;
}

void zs_store_close(zs_store *s)
{
    if (!s)
        return;
    if (s->ops->close)
        s->ops->close(s);
    free(s->name);
    free(s);
}
