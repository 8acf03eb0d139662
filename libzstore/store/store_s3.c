/* store_s3.c - s3://BUCKET/PREFIX stores: objects PREFIX/KEY, read and
 * written with requests signed by libcurl's AWS SigV4 (store_net.c).
 *
 * Where: s3.endpoint (an S3-compatible server) is addressed path-style,
 * ENDPOINT/BUCKET/PREFIX/KEY; AWS itself virtual-host style,
 * https://BUCKET.s3.REGION.amazonaws.com/PREFIX/KEY (path-style for
 * bucket names with dots, which TLS certificates do not cover).
 * Credentials: s3.access_key_id and s3.secret_access_key (and
 * s3.session_token), else the s3.profile section (default "default") of
 * s3.credentials_file; none is an error, ZS_ERR_AUTH.
 *
 * Opening for reading reads the metadata entry points, as the http store
 * does (they are kept for the dataset layer); only when there are none
 * is the prefix listed, once, to tell a store without metadata from a
 * missing one (ZS_ERR_NOTFOUND, as for a missing directory).
 *
 * Writing: S3 has no rename, so objects are written in place and
 * ZS_STORE_PARTIAL changes nothing (commit does nothing).  Readers still
 * never see a half-written dataset as complete: the dataset writers put
 * the consolidated metadata (.zmetadata / zarr.json) last.  Creating a
 * store where objects exist under the prefix fails with ZS_ERR_EXISTS,
 * or with ZS_STORE_OVERWRITE deletes them first (the old store is gone
 * from then on, not at commit).  Discard deletes every object under the
 * prefix, which after a create holds only what was written through the
 * store, from any thread or worker process.  Every PUT is independent, so
 * writes are safe from several threads and processes at once.  Listing
 * (ListObjectsV2) happens only when a tool lists, creates or discards.
 *
 * Continuing (ZSI_STORE_CONTINUE, on several machines at once): the
 * objects under the prefix are kept, whatever they are; the writer's
 * records among them (ZSI_STORE_IN_PLACE: there is no NAME.partial)
 * tell an unfinished store from another.  A PUT is whole or absent and
 * durable once answered, so no sync is needed before a record.
 * Updating (ZSI_STORE_UPDATE, an append): objects are replaced in
 * place, the metadata last; nothing is deleted on failure, and nothing
 * stops two writers at once (S3 has no lock).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/zsi_net.h"

#define CRED_FILE_MAX (1 << 20)

typedef struct s3_store {
    zsi_net *net;
    char *bucket;
    char *root;     /* "PREFIX/" or "": the start of every object's name */
    char *base;     /* URL of the bucket, without a trailing "/" */
    bool vhost;     /* bucket in the host name: listing asks for "/" */
} s3_store;

static bool s3_locate(zs_store *s, const char *key, zsi_buf *url,
                      zsi_buf *what)
{
    s3_store *d = s->impl;
    return zsi_buf_printf(what, "s3://%s/%s%s", d->bucket, d->root, key) &&
           zsi_buf_printf(url, "%s/", d->base) &&
           zsi_net_escape(url, d->root, true) &&
           zsi_net_escape(url, key, true);
}

/* ---- S3 answers -------------------------------------------------------- */

/* The entity at p ("&amp;", "&#39;", "&#x27;"; e bounds the text) as a
 * code point in *c; returns its length, 0 if it is none. */
static size_t xml_entity(const char *p, const char *e, unsigned long *c)
{
    static const char *const ent[][2] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""},
        {"apos", "'"}};
    const char *semi = memchr(p, ';', (size_t)(e - p));
    size_t n = semi ? (size_t)(semi - p - 1) : 0;
    char *stop;
    if (!semi)
        return 0;
    for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++)
        if (strlen(ent[i][0]) == n && !strncmp(p + 1, ent[i][0], n)) {
            *c = (unsigned char)ent[i][1][0];
            return n + 2;
        }
    if (p[1] != '#')
        return 0;
    *c = p[2] == 'x' ? strtoul(p + 3, &stop, 16) : strtoul(p + 2, &stop, 10);
    return stop == semi && *c > 0 && *c < 0x110000 ? n + 2 : 0;
}

static bool put_utf8(zsi_buf *b, unsigned long c)
{
    uint8_t u[4];
    size_t k;
    if (c < 0x80) {
        u[0] = (uint8_t)c;
        k = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xc0 | c >> 6);
        k = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xe0 | c >> 12);
        k = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | c >> 18);
        k = 4;
    }
    for (size_t i = 1; i < k; i++)
        u[i] = (uint8_t)(0x80 | (c >> (6 * (k - 1 - i)) & 0x3f));
    return zsi_buf_append(b, u, k);
}

/* The text of <tag>...</tag> in xml (NUL-terminated, len bytes) from
 * *pos on, entities decoded, into out; advances *pos past it.  false if
 * there is none (or on no memory, which sets *nomem). */
static bool xml_next(const char *xml, size_t len, size_t *pos,
                     const char *tag, zsi_buf *out, bool *nomem)
{
    char open[40], close[40];
    const char *p, *e;
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out->len = 0;
    if (*pos >= len || !(p = strstr(xml + *pos, open)) ||
        !(e = strstr(p, close)))
        return false;
    *pos = (size_t)(e - xml) + strlen(close);
    for (p += strlen(open); p < e; p++) {
        unsigned long c;
        size_t k = *p == '&' ? xml_entity(p, e, &c) : 0;
        bool ok = k ? put_utf8(out, c) : zsi_buf_append(out, p, 1);
        if (!ok) {
            *nomem = true;
            return false;
        }
        if (k)
            p += k - 1;
    }
    if (!zsi_buf_cstr(out)) {
        *nomem = true;
        return false;
    }
    return true;
}

/* "Code: Message" of an S3 error answer, into buf ("" if none). */
static void s3_detail(const zsi_net_req *r, char *buf, size_t size)
{
    zsi_buf code = ZSI_BUF_INIT, msg = ZSI_BUF_INIT, body = ZSI_BUF_INIT;
    size_t pos = 0, pos2 = 0;
    bool nomem = false;
    buf[0] = 0;
    if (r->err.len && zsi_buf_append(&body, r->err.data, r->err.len) &&
        zsi_buf_cstr(&body) &&
        xml_next((char *)body.data, body.len, &pos, "Code", &code, &nomem)) {
        if (xml_next((char *)body.data, body.len, &pos2, "Message", &msg,
                     &nomem))
            snprintf(buf, size, "%s: %s", (char *)code.data,
                     (char *)msg.data);
        else
            snprintf(buf, size, "%s", (char *)code.data);
    }
    zsi_buf_free(&code);
    zsi_buf_free(&msg);
    zsi_buf_free(&body);
}

/* As zsi_net_answer, but a 404 for a missing bucket is an error. */
static zs_status s3_answer(zs_store *s, const zsi_net_req *r, int *found)
{
    s3_store *d = s->impl;
    char detail[512];
    s3_detail(r, detail, sizeof detail);
    *found = 0;
    if (r->status == 404 && zsi_str_starts(detail, "NoSuchBucket"))
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no bucket '%s' (%s)",
                       s->name, d->bucket, detail);
    return zsi_net_answer(d->net, r, detail, found);
}

/* An answer that must be 2xx (writes, listings). */
static zs_status s3_must(zs_store *s, const zsi_net_req *r)
{
    s3_store *d = s->impl;
    char detail[512];
    int found = 0;
    if (r->status >= 200 && r->status < 300)
        return ZS_OK;
    s3_detail(r, detail, sizeof detail);
    if (r->status == 404 && zsi_str_starts(detail, "NoSuchBucket"))
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no bucket '%s' (%s)",
                       s->name, d->bucket, detail);
    if (r->status != 404 && r->status != 416)
        return zsi_net_answer(d->net, r, detail, &found);
    return zsi_err(s->ctx, ZS_ERR_NETWORK, "%s: HTTP %ld%s%s%s", r->what,
                   r->status, *detail ? " (" : "", detail,
                   *detail ? ")" : "");
}

/* ---- reading and writing ----------------------------------------------- */

static const zsi_net_ops s3_net_ops = {s3_locate, s3_answer};

static zs_status s3_get(zs_store *s, const char *key, zsi_buf *out,
                        int *found)
{
    s3_store *d = s->impl;
    return zsi_net_get(d->net, key, out, found);
}

static zs_status s3_get_range(zs_store *s, const char *key, uint64_t offset,
                              uint64_t len, zsi_buf *out, int *found)
{
    s3_store *d = s->impl;
    return zsi_net_get_range(d->net, key, offset, len, out, found);
}

static zs_status s3_size(zs_store *s, const char *key, uint64_t *size,
                         int *found)
{
    s3_store *d = s->impl;
    return zsi_net_size(d->net, key, size, found);
}

static zs_status s3_get_many(zs_store *s, size_t n, const char *const *keys,
                             zsi_buf *out, int *found)
{
    s3_store *d = s->impl;
    return zsi_net_get_many(d->net, n, keys, out, found);
}

static zs_status s3_set(zs_store *s, const char *key, const void *data,
                        size_t len)
{
    s3_store *d = s->impl;
    zsi_net_kreq q;
    zsi_net_req *r = &q.r;
    zs_status st = zsi_net_kreq_init(d->net, &q, ZSI_NET_PUT, key, NULL);
    if (st != ZS_OK)
        return st;
    r->body = data;
    r->body_len = len;
    st = zsi_net_run(d->net, &r, 1);
    if (st == ZS_OK)
        st = s3_must(s, r);
    zsi_net_kreq_free(&q);
    return st;
}

/* DELETE n objects side by side; already gone is fine. */
static zs_status delete_keys(zs_store *s, size_t n, const char *const *keys)
{
    s3_store *d = s->impl;
    zsi_net_kreq *q = calloc(n ? n : 1, sizeof *q);
    zsi_net_req **r = calloc(n ? n : 1, sizeof *r);
    size_t m = 0;
    zs_status st = q && r ? ZS_OK : zsi_nomem(s->ctx);
    for (; st == ZS_OK && m < n; m++) {
        st = zsi_net_kreq_init(d->net, &q[m], ZSI_NET_DELETE, keys[m], NULL);
        r[m] = &q[m].r;
        if (st != ZS_OK)
            break;
    }
    if (st == ZS_OK)
        st = zsi_net_run(d->net, r, n);
    for (size_t k = 0; st == ZS_OK && k < n; k++)
        if (r[k]->status != 404)
            st = s3_must(s, r[k]);
    for (size_t k = 0; k < m; k++)
        zsi_net_kreq_free(&q[k]);
    free(r);
    free(q);
    return st;
}

static zs_status s3_erase(zs_store *s, const char *key)
{
    return delete_keys(s, 1, &key);
}

/* ---- listing ----------------------------------------------------------- */

/* One page of ListObjectsV2 of the objects named root + prefix, at most
 * max keys (0: the server's page size) after token (NULL: the first). */
static zs_status list_page(zs_store *s, const char *prefix, int max,
                           const char *token, zsi_buf *body)
{
    s3_store *d = s->impl;
    zsi_buf url = ZSI_BUF_INIT, what = ZSI_BUF_INIT;
    zsi_net_req req, *r = &req;
    zs_status st;
    /* the query in SigV4's canonical form: names sorted, values encoded */
    bool ok = zsi_buf_printf(&url, "%s%s?", d->base, d->vhost ? "/" : "");
    if (token)
        ok = ok && zsi_buf_append_str(&url, "continuation-token=") &&
             zsi_net_escape(&url, token, false) &&
             zsi_buf_append_str(&url, "&");
    ok = ok && zsi_buf_append_str(&url, "list-type=2&");
    if (max > 0)
        ok = ok && zsi_buf_printf(&url, "max-keys=%d&", max);
    ok = ok && zsi_buf_append_str(&url, "prefix=") &&
         zsi_net_escape(&url, d->root, false) &&
         zsi_net_escape(&url, prefix, false) && zsi_buf_cstr(&url) &&
         zsi_buf_printf(&what, "s3://%s/%s%s (listing)", d->bucket, d->root,
                        prefix) &&
         zsi_buf_cstr(&what);
    memset(&req, 0, sizeof req);
    req.url = (const char *)url.data;
    req.what = (const char *)what.data;
    req.method = ZSI_NET_GET;
    req.out = body;
    st = ok ? zsi_net_run(d->net, &r, 1) : zsi_nomem(s->ctx);
    if (st == ZS_OK)
        st = s3_must(s, r);
    if (st == ZS_OK && !zsi_buf_cstr(body))
        st = zsi_nomem(s->ctx);
    zsi_net_req_free(&req);
    zsi_buf_free(&url);
    zsi_buf_free(&what);
    return st;
}

/* Call fn for the keys under prefix, at most max of them (0: all). */
static zs_status list_keys(zs_store *s, const char *prefix, int max,
                           zs_key_fn fn, void *user)
{
    s3_store *d = s->impl;
    zsi_buf body = ZSI_BUF_INIT, key = ZSI_BUF_INIT, tok = ZSI_BUF_INIT;
    size_t rl = strlen(d->root);
    bool more = true, stop = false, nomem = false;
    char *token = NULL;
    zs_status st = ZS_OK;
    while (st == ZS_OK && more && !stop) {
        size_t pos = 0, tpos = 0;
        body.len = 0;
        st = list_page(s, prefix, max, token, &body);
        if (st != ZS_OK)
            break;
        while (!stop && xml_next((char *)body.data, body.len, &pos, "Key",
                                 &key, &nomem)) {
            const char *k = (const char *)key.data;
            /* a key out of place or invalid (made by another program)
             * is not one of ours */
            if (strncmp(k, d->root, rl) == 0 && zsi_key_ok(k + rl) &&
                zsi_str_starts(k + rl, prefix) && fn(user, k + rl))
                stop = true;
        }
        more = max == 0 && strstr((char *)body.data,
                                  "<IsTruncated>true</IsTruncated>") &&
               xml_next((char *)body.data, body.len, &tpos,
                        "NextContinuationToken", &tok, &nomem);
        free(token);
        token = more ? zsi_strdup((char *)tok.data) : NULL;
        if (nomem || (more && !token))
            st = zsi_nomem(s->ctx);
    }
    free(token);
    zsi_buf_free(&body);
    zsi_buf_free(&key);
    zsi_buf_free(&tok);
    return st;
}

static zs_status s3_list(zs_store *s, const char *prefix, zs_key_fn fn,
                         void *user)
{
    return list_keys(s, prefix, 0, fn, user);
}

static int note_any(void *user, const char *key)
{
    (void)key;
    *(bool *)user = true;
    return 1;
}

static zs_status any_object(zs_store *s, bool *any)
{
    *any = false;
    return list_keys(s, "", 1, note_any, any);
}

struct collect {
    zsi_strv v;
    bool nomem;
};

static int collect(void *user, const char *key)
{
    struct collect *c = user;
    if (zsi_strv_push(&c->v, key))
        return 0;
    c->nomem = true;
    return 1;
}

/* Delete every object under the prefix, 1000 requests at a time. */
static zs_status delete_all(zs_store *s)
{
    struct collect c = {{0}, false};
    zs_status st = list_keys(s, "", 0, collect, &c);
    if (st == ZS_OK && c.nomem)
        st = zsi_nomem(s->ctx);
    for (size_t i = 0; st == ZS_OK && i < c.v.n; i += 1000) {
        size_t k = c.v.n - i < 1000 ? c.v.n - i : 1000;
        st = delete_keys(s, k, (const char *const *)c.v.v + i);
    }
    zsi_strv_free(&c.v);
    return st;
}

static zs_status s3_discard(zs_store *s)
{
    if (!(s->flags & ZS_STORE_CREATE))
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: refusing to discard a "
                       "store opened for reading", s->name);
    return delete_all(s);
}

static void s3_close(zs_store *s)
{
    s3_store *d = s->impl;
    if (!d)
        return;
    zsi_net_free(d->net);
    free(d->bucket);
    free(d->root);
    free(d->base);
    free(d);
}

static const zsi_store_ops s3_ops = {
    .kind = "s3",
    .get = s3_get,
    .get_range = s3_get_range,
    .size = s3_size,
    .set = s3_set,
    .erase = s3_erase,
    .list = s3_list,
    .discard = s3_discard,
    .close = s3_close,
    .get_many = s3_get_many,
};

/* ---- credentials ------------------------------------------------------- */

typedef struct creds {
    char *id, *secret, *token;
} creds;

static void creds_free(creds *c)
{
    if (c->secret)
        memset(c->secret, 0, strlen(c->secret));
    free(c->id);
    free(c->secret);
    free(c->token);
}

static char *trim(char *p)
{
    char *e = p + strlen(p);
    while (*p && isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        *--e = 0;
    return p;
}

/* Section [profile] (or [profile NAME]) of an AWS credentials file. */
static zs_status read_cred_file(zs_store *s, const char *path,
                                const char *profile, creds *c)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    bool in = false;
    long total = 0;
    if (!f)
        return zsi_errno(s->ctx, errno, "%s: S3 credentials file %s",
                         s->name, path);
    while (fgets(line, sizeof line, f) && (total += (long)strlen(line)) <
                                              CRED_FILE_MAX) {
        char *p = trim(line), *eq, **slot = NULL;
        if (*p == '#' || *p == ';' || !*p)
            continue;
        if (*p == '[') {
            char *e = strchr(p, ']');
            if (e)
                *e = 0;
            p = trim(p + 1);
            if (zsi_str_starts(p, "profile "))
                p = trim(p + 8);
            in = strcmp(p, profile) == 0;
            continue;
        }
        if (!in || !(eq = strchr(p, '=')))
            continue;
        *eq = 0;
        if (!strcmp(trim(p), "aws_access_key_id"))
            slot = &c->id;
        else if (!strcmp(trim(p), "aws_secret_access_key"))
            slot = &c->secret;
        else if (!strcmp(trim(p), "aws_session_token"))
            slot = &c->token;
        if (slot) {
            free(*slot);
            if (!(*slot = zsi_strdup(trim(eq + 1)))) {
                fclose(f);
                return zsi_nomem(s->ctx);
            }
        }
    }
    fclose(f);
    memset(line, 0, sizeof line);
    if (!c->id || !c->secret || !*c->id || !*c->secret)
        return zsi_err(s->ctx, ZS_ERR_AUTH, "%s: no S3 credentials for "
                       "profile '%s' in %s", s->name, profile, path);
    return ZS_OK;
}

static zs_status get_creds(zs_store *s, creds *c)
{
    char buf[1024];
    zs_status st;
    c->id = zsi_ctx_opt(s->ctx, "s3.access_key_id", buf, sizeof buf)
                ? zsi_strdup(buf) : NULL;
    c->secret = zsi_ctx_opt(s->ctx, "s3.secret_access_key", buf, sizeof buf)
                    ? zsi_strdup(buf) : NULL;
    if (c->id && c->secret && *c->id && *c->secret) {
        size_t size = 8192;
        char *t = malloc(size);
        if (t && zsi_ctx_opt(s->ctx, "s3.session_token", t, size) && *t)
            c->token = zsi_strdup(t);
        free(t);
        memset(buf, 0, sizeof buf);
        return ZS_OK;
    }
    creds_free(c);
    memset(c, 0, sizeof *c);
    if (zsi_ctx_opt(s->ctx, "s3.credentials_file", buf, sizeof buf)) {
        char prof[256], *path = zsi_strdup(buf);
        if (!path)
            return zsi_nomem(s->ctx);
        if (!zsi_ctx_opt(s->ctx, "s3.profile", prof, sizeof prof) || !*prof)
            snprintf(prof, sizeof prof, "default");
        st = read_cred_file(s, path, prof, c);
        free(path);
        return st;
    }
    return zsi_err(s->ctx, ZS_ERR_AUTH, "%s: no S3 credentials (set "
                   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a "
                   "profile in ~/.aws/credentials)", s->name);
}

/* ---- opening ----------------------------------------------------------- */

static zs_status make_base(zs_store *s, s3_store *d, const char *region)
{
    char ep[1024];
    if (zsi_ctx_opt(s->ctx, "s3.endpoint", ep, sizeof ep) && *ep) {
        size_t n = strlen(ep);
        char what[1100];
        while (n > 0 && ep[n - 1] == '/')
            ep[--n] = 0;
        d->base = zsi_asprintf("%s%s/%s", strstr(ep, "://") ? "" : "https://",
                               ep, d->bucket);
        snprintf(what, sizeof what, "%s: S3 endpoint %s", s->name, ep);
        if (d->base && zsi_net_check_url(s->ctx, what, d->base) != ZS_OK)
            return ZS_ERR_INVALID;
    } else if (strchr(d->bucket, '.')) {
        d->base = zsi_asprintf("https://s3.%s.amazonaws.com/%s", region,
                               d->bucket);
    } else {
        d->base = zsi_asprintf("https://%s.s3.%s.amazonaws.com", d->bucket,
                               region);
        d->vhost = true;
    }
    return d->base ? ZS_OK : zsi_nomem(s->ctx);
}

static zs_status connect_store(zs_store *s)
{
    s3_store *d = s->impl;
    char region[128];
    creds c = {NULL, NULL, NULL};
    zs_status st = get_creds(s, &c);
    if (!zsi_ctx_opt(s->ctx, "s3.region", region, sizeof region) || !*region)
        snprintf(region, sizeof region, "us-east-1");
    if (st == ZS_OK) {
        zsi_net_sigv4 sig = {region, c.id, c.secret, c.token};
        st = make_base(s, d, region);
        if (st == ZS_OK)
            st = zsi_net_new(s, &s3_net_ops, &sig, &d->net);
    }
    creds_free(&c);
    return st;
}

static zs_status prepare(zs_store *s, unsigned flags)
{
    s3_store *d = s->impl;
    bool any = false;
    zs_status st;
    if (flags & ZSI_STORE_RAW)      /* objects read by a zip: no probe */
        return ZS_OK;
    if ((flags & ZS_STORE_CREATE) && (flags & ZSI_STORE_CONTINUE)) {
        /* what is there is judged by the records the writer left */
        st = any_object(s, &any);
        if (st == ZS_OK && !any && (flags & ZSI_STORE_EXISTING))
            st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: not found (no "
                         "object under s3://%s/%s)", s->name, d->bucket,
                         d->root);
        return st;
    }
    if (!(flags & ZS_STORE_CREATE)) {
        st = zsi_net_probe(d->net, &any);
        if (st == ZS_OK && !any)
            st = any_object(s, &any);
        if (st == ZS_OK && !any)
            st = zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: not found (no object "
                         "under s3://%s/%s)", s->name, d->bucket, d->root);
        return st;
    }
    st = any_object(s, &any);
    if (st == ZS_OK && any && !(flags & ZS_STORE_OVERWRITE))
        return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: output exists",
                       s->name);
    if (st == ZS_OK && any)
        st = delete_all(s);
    return st;
}

zs_status zsi_store_s3_open(zs_ctx *ctx, const char *name, const char *bucket,
                            const char *prefix, unsigned flags,
                            zs_store **out)
{
    s3_store *d = calloc(1, sizeof *d);
    zs_store *s = NULL;
    zs_status st;
    *out = NULL;
    if (!d)
        return zsi_nomem(ctx);
    d->bucket = zsi_strdup(bucket);
    d->root = *prefix ? zsi_asprintf("%s/", prefix) : zsi_strdup("");
    if (!d->bucket || !d->root) {
        free(d->bucket);
        free(d->root);
        free(d);
        return zsi_nomem(ctx);
    }
    st = zsi_store_alloc(ctx, name, flags, &s3_ops, &s);
    if (st != ZS_OK) {
        free(d->bucket);
        free(d->root);
        free(d);
        return st;
    }
    s->impl = d;
    s->caps = ZSI_STORE_CAN_LIST | ZSI_STORE_REMOTE;
    if (flags & ZS_STORE_CREATE)
        s->caps |= ZSI_STORE_CAN_WRITE | ZSI_STORE_CONCURRENT_WRITES |
                   ZSI_STORE_RESUMABLE | ZSI_STORE_IN_PLACE;
    if (flags & ZSI_STORE_UPDATE)
        s->caps |= ZSI_STORE_CAN_WRITE | ZSI_STORE_CONCURRENT_WRITES;
    st = connect_store(s);
    if (st == ZS_OK)
        st = prepare(s, flags);
    if (st != ZS_OK) {
        zs_store_close(s);
        return st;
    }
    *out = s;
    return ZS_OK;
}
