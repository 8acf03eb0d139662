/* store.c - generic store calls: name parsing, key checks, dispatch. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "store/store_impl.h"

zs_status zsi_store_alloc(zs_ctx *ctx, const char *name, unsigned flags,
                          const zsi_store_ops *ops, zs_store **out)
{
    zs_store *s = calloc(1, sizeof *s);
    if (!s || !(s->name = zsi_strdup(name))) {
        free(s);
        return zsi_nomem(ctx);
    }
    if (pthread_mutex_init(&s->wlock, NULL) != 0) {
        free(s->name);
        free(s);
        return zsi_nomem(ctx);
    }
    s->ctx = ctx;
    s->ops = ops;
    s->flags = flags;
    *out = s;
    return ZS_OK;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Printable ASCII without blanks: what a URL may hold. */
static bool url_chars_ok(const char *u)
{
    for (; *u; u++)
        if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f)
            return false;
    return true;
}

/* A zip file; continued work goes through a folder (store_zipdir.c). */
static zs_status open_zip(zs_ctx *ctx, const char *name, const char *path,
                          unsigned flags, zs_store **out)
{
    if ((flags & ZS_STORE_CREATE) && (flags & ZSI_STORE_CONTINUE))
        return zsi_store_zipdir_open(ctx, name, path, flags, out);
    return zsi_store_zip_open(ctx, name, path, flags, out);
}

/* A path (after file:// or bare): zip and tar files by their suffix,
 * else a directory. */
static zs_status open_path(zs_ctx *ctx, const char *name, const char *path,
                           unsigned flags, zs_store **out)
{
    if (!*path)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: empty path", name);
    if (zsi_str_ends_ci(path, ".zip") && !is_dir(path))
        return open_zip(ctx, name, path, flags, out);
    if (zsi_str_ends_ci(path, ".tar") && !is_dir(path))
        return zsi_store_tar_open(ctx, name, path, flags, out);
    return zsi_store_dir_open(ctx, path, flags, out);
}

/* Decode %XX escapes of the n bytes at p into a new string (NULL on no
 * memory or a NUL byte). */
static char *unescape(const char *p, size_t n)
{
    char *k = malloc(n + 1), *q = k;
    for (size_t i = 0; k && i < n; i++) {
        if (p[i] == '%' && i + 2 < n && isxdigit((unsigned char)p[i + 1])
            && isxdigit((unsigned char)p[i + 2])) {
            char hex[3] = {p[i + 1], p[i + 2], 0};
            *q = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *q = p[i];
        }
        if (*q++ == 0) {
            free(k);
            return NULL;
        }
    }
    if (k)
        *q = 0;
    return k;
}

/* An http(s) URL whose path ends in ".zip": a zip file read by range.
 * The folder's URL (with the query, as a pre-signed link needs it) is
 * opened as a raw http store and the file's name is its key. */
static zs_status open_http_zip(zs_ctx *ctx, const char *name, size_t n,
                               unsigned flags, zs_store **out)
{
    const char *slash = name + n;
    char *parent, *key;
    zs_store *remote = NULL;
    zs_status st;
    while (slash > name && slash[-1] != '/')
        slash--;
    key = unescape(slash, (size_t)(name + n - slash));
    parent = zsi_asprintf("%.*s%.*s", (int)(slash - 1 - name), name,
                          (int)strcspn(name + n, "#"), name + n);
    if (!key || !parent) {
        free(key);
        free(parent);
        return zsi_nomem(ctx);
    }
    if (!zsi_key_ok(key))
        st = zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed URL", name);
    else
        st = zsi_store_http_open(ctx, parent, flags | ZSI_STORE_RAW,
                                 &remote);
    if (st == ZS_OK)
        st = zsi_store_zip_open_remote(ctx, name, remote, key, flags, out);
    free(key);
    free(parent);
    return st;
}

static zs_status open_s3(zs_ctx *ctx, const char *name, unsigned flags,
                         zs_store **out)
{
    const char *b = name + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    char *bucket, *prefix;
    zs_status st;
    for (size_t i = 0; i < bl; i++)
        if (!isalnum((unsigned char)b[i]) && !strchr(".-_", b[i]))
            bl = 0;
    if (bl == 0 || bl > 255)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed S3 name (want "
                       "s3://BUCKET/PREFIX)", name);
    bucket = zsi_strndup(b, bl);
    prefix = zsi_strdup(slash ? slash + 1 : "");
    if (!bucket || !prefix) {
        free(bucket);
        free(prefix);
        return zsi_nomem(ctx);
    }
    while (*prefix && prefix[strlen(prefix) - 1] == '/')
        prefix[strlen(prefix) - 1] = 0;
    if (*prefix && !zsi_key_ok(prefix)) {
        st = zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed S3 prefix '%s'",
                     name, prefix);
    } else if (zsi_str_ends_ci(prefix, ".zip") && !(slash &&
               slash[strlen(slash) - 1] == '/')) {
        /* a zip object read by range: its folder is the store opened */
        char *last = strrchr(prefix, '/');
        zs_store *remote = NULL;
        const char *key = last ? last + 1 : prefix;
        if (last)
            *last = 0;
        st = zsi_store_s3_open(ctx, name, bucket, last ? prefix : "",
                               flags | ZSI_STORE_RAW, &remote);
        if (st == ZS_OK)
            st = zsi_store_zip_open_remote(ctx, name, remote, key, flags,
                                           out);
    } else {
        st = zsi_store_s3_open(ctx, name, bucket, prefix, flags, out);
    }
    free(bucket);
    free(prefix);
    return st;
}

zs_status zs_store_open(zs_ctx *ctx, const char *name, unsigned flags,
                        zs_store **out)
{
    const char *sep;
    *out = NULL;
    if (!name || !*name)
        return zsi_err(ctx, ZS_ERR_INVALID, "empty store name");
    if (!strcmp(name, "-"))
        return zsi_store_tar_open(ctx, name, NULL, flags, out);
    if (zsi_str_starts(name, "mem://"))
        return zsi_store_mem_open(ctx, name + 6, flags, out);
    if (zsi_str_starts(name, "file://"))
        return open_path(ctx, name, name + 7, flags, out);
    if (zsi_str_starts(name, "zip://")) {
        if (!name[6])
            return zsi_err(ctx, ZS_ERR_INVALID, "%s: empty path", name);
        return open_zip(ctx, name, name + 6, flags, out);
    }
    if (zsi_str_starts(name, "http://") || zsi_str_starts(name, "https://")) {
        const char *host = strstr(name, "://") + 3;
        size_t n = strcspn(name, "?#");
        if (!url_chars_ok(name) || !*host || *host == '/' || *host == ':' ||
            *host == '?' || *host == '#')
            return zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed URL", name);
        if (n >= 4 && (size_t)(host - name) + 1 < n - 4 &&
            !strncasecmp(name + n - 4, ".zip", 4) &&
            memchr(host, '/', (size_t)(name + n - host)))
            return open_http_zip(ctx, name, n, flags, out);
        return zsi_store_http_open(ctx, name, flags, out);
    }
    if (zsi_str_starts(name, "s3://"))
        return open_s3(ctx, name, flags, out);
    if ((sep = strstr(name, "://"))) {
        bool scheme = sep > name;
        for (const char *p = name; p < sep; p++)
            if (!isalnum((unsigned char)*p) && !strchr("+.-", *p))
                scheme = false;
        if (scheme)
            return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                           "%s: unknown store scheme '%.*s' (want a path, "
                           "file://, zip://, http://, https://, s3:// or -)",
                           name, (int)(sep - name), name);
    }
    return open_path(ctx, name, name, flags, out);
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
    if (s->count_to)
        s = s->count_to;
    __atomic_add_fetch(&s->n_requests, requests, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->n_bytes_in, bytes_in, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->n_bytes_out, bytes_out, __ATOMIC_RELAXED);
}

void zsi_store_stats(const zs_store *s, uint64_t *requests,
                     uint64_t *bytes_in)
{
    *requests = __atomic_load_n(&s->n_requests, __ATOMIC_RELAXED);
    *bytes_in = __atomic_load_n(&s->n_bytes_in, __ATOMIC_RELAXED);
}

zs_ctx *zsi_store_ctx(const zs_store *s) { return s->ctx; }
unsigned zsi_store_caps(const zs_store *s) { return s->caps; }

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

zs_status zsi_store_get_range(zs_store *s, const char *key, uint64_t off,
                              uint64_t len, zsi_buf *out, int *found)
{
    zs_status st;
    *found = 0;
    out->len = 0;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (s->ops->get_range)
        return s->ops->get_range(s, key, off, len, out, found);
    st = s->ops->get(s, key, out, found);
    if (st == ZS_OK && *found) {
        uint64_t start = off > out->len ? out->len : off;
        uint64_t n = out->len - start < len ? out->len - start : len;
        memmove(out->data, out->data + start, (size_t)n);
        out->len = (size_t)n;
    }
    return st;
}

zs_status zs_store_get_range(zs_store *s, const char *key, uint64_t offset,
                             uint64_t len, void **data, size_t *out_len,
                             int *found)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st;
    *data = NULL;
    *out_len = 0;
    st = zsi_store_get_range(s, key, offset, len, &b, found);
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
    zs_status st;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (!s->ops->set || !(s->caps & ZSI_STORE_CAN_WRITE))
        return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       s->name);
    if (s->caps & ZSI_STORE_CONCURRENT_WRITES)
        return s->ops->set(s, key, data, len);
    pthread_mutex_lock(&s->wlock);
    st = s->ops->set(s, key, data, len);
    pthread_mutex_unlock(&s->wlock);
    return st;
}

zs_status zs_store_erase(zs_store *s, const char *key)
{
    zs_status st;
    if (!zsi_key_ok(key))
        return bad_key(s, key);
    if (!(s->caps & ZSI_STORE_CAN_WRITE))
        return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       s->name);
    if (!s->ops->erase)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: keys cannot be erased from this store", s->name);
    if (s->caps & ZSI_STORE_CONCURRENT_WRITES)
        return s->ops->erase(s, key);
    pthread_mutex_lock(&s->wlock);
    st = s->ops->erase(s, key);
    pthread_mutex_unlock(&s->wlock);
    return st;
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

zs_status zsi_store_get_many(zs_store *s, size_t n, const char *const *keys,
                             zsi_buf *out, int *found)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; i < n; i++) {
        found[i] = 0;
        out[i].len = 0;
        if (!zsi_key_ok(keys[i]))
            return bad_key(s, keys[i]);
    }
    if (s->ops->get_many)
        return s->ops->get_many(s, n, keys, out, found);
    for (size_t i = 0; st == ZS_OK && i < n; i++)
        st = s->ops->get(s, keys[i], &out[i], &found[i]);
    return st;
}

zs_status zsi_store_pin(zs_store *s, const char *prefix)
{
    return s->ops->pin ? s->ops->pin(s, prefix) : ZS_OK;
}

zs_status zsi_store_forget(zs_store *s, const char *key)
{
    return s->ops->forget ? s->ops->forget(s, key) : ZS_OK;
}

zs_status zsi_store_skip(zs_store *s, const char *prefix)
{
    return s->ops->skip ? s->ops->skip(s, prefix) : ZS_OK;
}

zs_status zsi_store_sync(zs_store *s)
{
    return s->ops->sync ? s->ops->sync(s) : ZS_OK;
}

const char *zsi_store_why_not_again(const char *name)
{
    const char *p = name;
    if (!strcmp(name, "-") || !*name)
        return "a stream is written once, in order";
    if (zsi_str_starts(name, "s3://")) {
        size_t n = strcspn(name, "?#");
        bool folder = n && name[n - 1] == '/';
        while (n && name[n - 1] == '/')
            n--;
        return n >= 4 && !strncasecmp(name + n - 4, ".zip", 4) && !folder
                   ? "a zip file on S3 is read-only (write the zip "
                     "locally, or the store under an S3 prefix)"
                   : NULL;
    }
    if (zsi_str_starts(name, "mem://"))
        return "a memory store ends with its process";
    if (zsi_str_starts(name, "file://"))
        p = name + 7;
    else if (zsi_str_starts(name, "zip://"))
        p = name + 6;
    else if (strstr(name, "://"))
        return "a remote store of this kind is read-only";
    if (zsi_str_ends_ci(p, ".tar") && !is_dir(p))
        return "a tar file is written once, in order";
    return NULL;
}

char *zsi_store_partial_name(const char *name)
{
    return zsi_str_starts(name, "s3://") ? zsi_strdup(name)
                                         : zsi_asprintf("%s.partial", name);
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
    pthread_mutex_destroy(&s->wlock);
    free(s->name);
    free(s);
}
