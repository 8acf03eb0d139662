/* store_http.c - http:// and https:// stores, read-only, through libcurl
 * (store_net.c).
 *
 * A key is the URL BASE/KEY (percent-encoded; a query string of the
 * store's URL, as in a pre-signed link, follows every key).  Nothing is
 * ever listed and no HEAD is sent: opening reads the metadata a dataset
 * starts from (.zmetadata, else zarr.json, else .zgroup or .zarray) and
 * keeps the answers for the dataset layer, so that they cost no second
 * request.  Only when none of them exists is BASE/ asked for, to tell a
 * missing store (404) from a store without metadata.  A key that a
 * static server redirects to KEY/ is a directory: absent, like a missing
 * key.
 *
 * Only a 404 answer means "no such key" (a missing chunk, read as the
 * fill value).  Anything else that is not the value - a refused
 * connection, a timeout, a 5xx after the retries, a 403 - is an error
 * naming the URL: never silently missing data.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/zsi_net.h"

typedef struct http_store {
    zsi_net *net;
    char *base;    /* URL without query, fragment or trailing "/" */
    char *query;   /* "?..." or "" */
} http_store;

static bool http_locate(zs_store *s, const char *key, zsi_buf *url,
                        zsi_buf *what)
{
    http_store *h = s->impl;
    return zsi_buf_append_str(what, h->base) &&
           zsi_buf_append_str(what, "/") && zsi_net_escape(what, key, true) &&
           zsi_buf_append(url, what->data, what->len) &&
           zsi_buf_append_str(url, h->query);
}

static zs_status http_answer(zs_store *s, const zsi_net_req *r, int *found)
{
    http_store *h = s->impl;
    return zsi_net_answer(h->net, r, NULL, found);
}

static const zsi_net_ops http_net_ops = {http_locate, http_answer};

static zs_status http_get(zs_store *s, const char *key, zsi_buf *out,
                          int *found)
{
    http_store *h = s->impl;
    return zsi_net_get(h->net, key, out, found);
}

static zs_status http_get_range(zs_store *s, const char *key,
                                uint64_t offset, uint64_t len, zsi_buf *out,
                                int *found)
{
    http_store *h = s->impl;
    return zsi_net_get_range(h->net, key, offset, len, out, found);
}

static zs_status http_size(zs_store *s, const char *key, uint64_t *size,
                           int *found)
{
    http_store *h = s->impl;
    return zsi_net_size(h->net, key, size, found);
}

static zs_status http_get_many(zs_store *s, size_t n,
                               const char *const *keys, zsi_buf *out,
                               int *found)
{
    http_store *h = s->impl;
    return zsi_net_get_many(h->net, n, keys, out, found);
}

static zs_status http_discard(zs_store *s)
{
    return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: HTTP stores are read-only",
                   s->name);
}

static void http_close(zs_store *s)
{
    http_store *h = s->impl;
    if (!h)
        return;
    zsi_net_free(h->net);
    free(h->base);
    free(h->query);
    free(h);
}

static const zsi_store_ops http_ops = {
    .kind = "http",
    .get = http_get,
    .get_range = http_get_range,
    .size = http_size,
    .discard = http_discard,
    .close = http_close,
    .get_many = http_get_many,
};

/* No metadata found: is there a store at all?  BASE/ answers 404 when
 * there is nothing (a directory listing, 403 or anything else when there
 * is). */
static zs_status check_exists(zs_store *s)
{
    http_store *h = s->impl;
    zsi_net_kreq q;
    zsi_net_req *r = &q.r;
    zs_status st = zsi_net_kreq_init(h->net, &q, ZSI_NET_GET, "", NULL);
    if (st != ZS_OK)
        return st;
    st = zsi_net_run(h->net, &r, 1);
    if (st == ZS_OK && (r->status == 404 || r->status == 410))
        st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: not found (no Zarr "
                     "metadata, and %s answers HTTP %ld)", s->name, r->what,
                     r->status);
    zsi_net_kreq_free(&q);
    return st;
}

static zs_status split_url(zs_ctx *ctx, const char *url, http_store *h)
{
    size_t n = strcspn(url, "?#");
    size_t host = (size_t)(strstr(url, "://") + 3 - url);
    const char *q = url[n] == '?' ? url + n : "";
    while (n > host && url[n - 1] == '/')
        n--;
    h->base = zsi_strndup(url, n);
    h->query = zsi_strndup(q, strcspn(q, "#"));
    return h->base && h->query ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_store_http_open(zs_ctx *ctx, const char *url, unsigned flags,
                              zs_store **out)
{
    http_store *h;
    zs_store *s = NULL;
    zs_status st;
    bool any = false;
    *out = NULL;
    if (flags & ZS_STORE_CREATE)
        return zsi_err(ctx, ZS_ERR_READONLY, "%s: HTTP stores are read-only",
                       url);
    if (!(h = calloc(1, sizeof *h)))
        return zsi_nomem(ctx);
    st = zsi_net_check_url(ctx, url, url);
    if (st == ZS_OK)
        st = split_url(ctx, url, h);
    if (st == ZS_OK)
        st = zsi_store_alloc(ctx, url, flags, &http_ops, &s);
    if (st != ZS_OK) {
        free(h->base);
        free(h->query);
        free(h);
        return st;
    }
    s->impl = h;
    s->caps = ZSI_STORE_REMOTE;
    st = zsi_net_new(s, &http_net_ops, NULL, &h->net);
    if (st == ZS_OK && !(flags & ZSI_STORE_RAW))
        st = zsi_net_probe(h->net, &any);
    if (st == ZS_OK && !any && !(flags & ZSI_STORE_RAW))
        st = check_exists(s);
    if (st != ZS_OK) {
        zs_store_close(s);
        return st;
    }
    *out = s;
    return ZS_OK;
}
