/* ctx.c - the context, status strings and error recording. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ctx_impl.h"

static const char *const status_text[] = {
    [ZS_OK] = "success",
    [ZS_ERR_NOMEM] = "out of memory",
    [ZS_ERR_INVALID] = "invalid argument",
    [ZS_ERR_IO] = "input/output error",
    [ZS_ERR_NOTFOUND] = "not found",
    [ZS_ERR_FORMAT] = "malformed data or metadata",
    [ZS_ERR_UNSUPPORTED] = "unsupported feature",
    [ZS_ERR_CORRUPT] = "corrupt data",
    [ZS_ERR_OVERFLOW] = "size overflow",
    [ZS_ERR_EXISTS] = "already exists",
    [ZS_ERR_NETCDF] = "netCDF library error",
    [ZS_ERR_RANGE] = "out of range",
    [ZS_ERR_NETWORK] = "network error",
    [ZS_ERR_AUTH] = "authentication or permission refused",
    [ZS_ERR_NOSPACE] = "no space left on device",
    [ZS_ERR_MISMATCH] = "inputs do not agree",
    [ZS_ERR_INTERRUPTED] = "interrupted",
    [ZS_ERR_CHILD] = "worker process failed",
    [ZS_ERR_READONLY] = "store is read-only",
    [ZS_ERR_INCOMPLETE] = "incomplete",
};

const char *zs_strerror(zs_status code)
{
    if ((unsigned)code < sizeof status_text / sizeof status_text[0] &&
        status_text[code])
        return status_text[code];
    return "unknown status";
}

const char *zs_version(void)
{
    return PACKAGE_VERSION;
}

void zs_free(void *p)
{
    free(p);
}

zs_status zs_ctx_new(zs_ctx **out)
{
    zs_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return ZS_ERR_NOMEM;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return ZS_ERR_NOMEM;
    }
    c->cache_bytes = (size_t)256 << 20;
    *out = c;
    return ZS_OK;
}

void zs_ctx_free(zs_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->pool)
        zsi_pool_free(ctx->pool);
    for (int k = 0; k < ZSI_NSLOTS; k++)
        if (ctx->slot[k] && ctx->slot_free[k])
            ctx->slot_free[k](ctx->slot[k]);
    if (ctx->opts) {
        zsi_kv_free(ctx->opts);
        free(ctx->opts);
    }
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

/* ---- options ------------------------------------------------------- */

/* The options there are, and what their values must be. */
enum { OPT_TEXT, OPT_UINT, OPT_BOOL, OPT_SIZE };
static const struct {
    const char *name;
    int kind;
} options[] = {
    {"http.retries", OPT_UINT},
    {"http.timeout", OPT_UINT},
    {"http.deadline", OPT_UINT},
    {"http.insecure", OPT_BOOL},
    {"http.ca_bundle", OPT_TEXT},
    {"http.bearer_token", OPT_TEXT},
    {"http.netrc_file", OPT_TEXT},
    {"http.max_connections", OPT_UINT},
    {"s3.endpoint", OPT_TEXT},
    {"s3.region", OPT_TEXT},
    {"s3.access_key_id", OPT_TEXT},
    {"s3.secret_access_key", OPT_TEXT},
    {"s3.session_token", OPT_TEXT},
    {"s3.credentials_file", OPT_TEXT},
    {"s3.profile", OPT_TEXT},
    {"tmpdir", OPT_TEXT},
    {"zip.compression", OPT_TEXT},
    {"zip.mtime", OPT_UINT},
    {"stream.memory", OPT_SIZE},
    {"convert.unit", OPT_SIZE},
    {"convert.record_ms", OPT_UINT},
};

zs_status zs_ctx_set_option(zs_ctx *ctx, const char *name, const char *value)
{
    size_t i, n = sizeof options / sizeof options[0];
    uint64_t u;
    bool ok;
    for (i = 0; i < n && name && strcmp(options[i].name, name); i++)
        ;
    if (i == n)
        return zsi_err(ctx, ZS_ERR_INVALID, "unknown option '%s'",
                       name ? name : "(null)");
    if (value) {
        switch (options[i].kind) {
        case OPT_UINT:
            ok = zsi_parse_u64(value, &u) && u <= INT32_MAX;
            break;
        case OPT_BOOL:
            ok = !strcmp(value, "0") || !strcmp(value, "1");
            break;
        case OPT_SIZE:
            ok = zsi_parse_size(value, &u);
            break;
        default:
            ok = true;
        }
        if (!ok)
            return zsi_err(ctx, ZS_ERR_INVALID,
                           "option %s: invalid value '%s'", name, value);
    }
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->opts)
        ctx->opts = calloc(1, sizeof *ctx->opts);
    ok = ctx->opts && (value ? zsi_kv_set_string(ctx->opts, name, value)
                             : zsi_kv_set_null(ctx->opts, name));
    pthread_mutex_unlock(&ctx->lock);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

const char *zsi_ctx_opt(zs_ctx *ctx, const char *name, char *buf,
                        size_t size)
{
    const char *v = NULL;
    pthread_mutex_lock(&ctx->lock);
    if (ctx->opts && zsi_kv_get_string(ctx->opts, name, &v) == 1 && v &&
        strlen(v) < size) {
        memcpy(buf, v, strlen(v) + 1);
        v = buf;
    } else {
        v = NULL;
    }
    pthread_mutex_unlock(&ctx->lock);
    return v;
}

int64_t zsi_ctx_opt_int(zs_ctx *ctx, const char *name, int64_t dflt)
{
    char buf[64];
    const char *v = zsi_ctx_opt(ctx, name, buf, sizeof buf);
    uint64_t u;
    if (v && zsi_parse_size(v, &u) && u <= INT64_MAX)
        return (int64_t)u;
    return dflt;
}

const char *zs_ctx_message(const zs_ctx *ctx)
{
    return ctx ? ctx->msg : "";
}

zs_status zs_ctx_set_threads(zs_ctx *ctx, int n)
{
    if (n < 0 || n > 1024)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "thread count %d out of range 0..1024", n);
    if (ctx->pool) {
        zsi_pool_free(ctx->pool);
        ctx->pool = NULL;
    }
    ctx->threads = n;
    return ZS_OK;
}

int zs_ctx_threads(const zs_ctx *ctx)
{
    return ctx->threads > 0 ? ctx->threads : zsi_ncpu();
}

zs_status zs_ctx_set_memory(zs_ctx *ctx, uint64_t bytes)
{
    ctx->memory = bytes;
    /* the decoded-chunk cache is part of the bound */
    if (bytes && ctx->cache_bytes > bytes / 4)
        ctx->cache_bytes = (size_t)(bytes / 4);
    return ZS_OK;
}

uint64_t zs_ctx_memory(const zs_ctx *ctx)
{
    return ctx->memory;
}

uint64_t zsi_ctx_memory_or(const zs_ctx *ctx, uint64_t def)
{
    return ctx->memory ? ctx->memory : def;
}

zs_status zs_ctx_set_cache_bytes(zs_ctx *ctx, size_t bytes)
{
    ctx->cache_bytes = bytes;
    return ZS_OK;
}

void zs_ctx_set_log(zs_ctx *ctx, zs_log_fn fn, void *user)
{
    ctx->log_fn = fn;
    ctx->log_user = user;
}

void zs_ctx_set_progress(zs_ctx *ctx, zs_progress_fn fn, void *user)
{
    ctx->progress_fn = fn;
    ctx->progress_user = user;
}

/* ---- the layers' slots and accessors -------------------------------- */

void *zsi_ctx_slot(zs_ctx *ctx, zsi_slot k, void *(*make)(void *user),
                   void *user, bool (*replace)(void *obj),
                   void (*destroy)(void *obj))
{
    void *o;
    pthread_mutex_lock(&ctx->lock);
    o = ctx->slot[k];
    if (!o || (replace && replace(o))) {
        void *n = make(user);
        if (n) {
            __atomic_store_n(&ctx->slot[k], n, __ATOMIC_RELEASE);
            ctx->slot_free[k] = destroy;
        }
        o = n;
    }
    pthread_mutex_unlock(&ctx->lock);
    return o;
}

void *zsi_ctx_slot_peek(zs_ctx *ctx, zsi_slot k)
{
    return __atomic_load_n(&ctx->slot[k], __ATOMIC_ACQUIRE);
}

size_t zsi_ctx_cache_bytes(zs_ctx *ctx)
{
    size_t n;
    pthread_mutex_lock(&ctx->lock);
    n = ctx->cache_bytes;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

void zsi_ctx_get_log(zs_ctx *ctx, zs_log_fn *fn, void **user)
{
    *fn = ctx->log_fn;
    *user = ctx->log_user;
}

void zsi_ctx_copy_message(zs_ctx *ctx, char *buf, size_t size)
{
    if (!size)
        return;
    pthread_mutex_lock(&ctx->lock);
    snprintf(buf, size, "%s", ctx->msg);
    pthread_mutex_unlock(&ctx->lock);
}

void zsi_ctx_clear_message(zs_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->msg[0] = 0;
    pthread_mutex_unlock(&ctx->lock);
}

bool zsi_ctx_redirect(zs_ctx *ctx, char *buf)
{
    pthread_t self = pthread_self();
    bool ok = true;
    int i;
    pthread_mutex_lock(&ctx->lock);
    for (i = 0; i < ctx->nredirect; i++)
        if (pthread_equal(ctx->redirect[i].thread, self))
            break;
    if (!buf && i < ctx->nredirect)
        ctx->redirect[i] = ctx->redirect[--ctx->nredirect];
    else if (buf && i < ctx->nredirect)
        ctx->redirect[i].buf = buf;
    else if (buf && (ok = ctx->nredirect < ZSI_REDIRECT_MAX)) {
        ctx->redirect[ctx->nredirect].thread = self;
        ctx->redirect[ctx->nredirect++].buf = buf;
    }
    pthread_mutex_unlock(&ctx->lock);
    return ok;
}

/* The message buffer of the calling thread (under ctx->lock). */
static char *msg_slot(zs_ctx *ctx)
{
    pthread_t self = pthread_self();
    for (int i = 0; i < ctx->nredirect; i++)
        if (pthread_equal(ctx->redirect[i].thread, self))
            return ctx->redirect[i].buf;
    return ctx->msg;
}

zs_status zsi_verr(zs_ctx *ctx, zs_status code, const char *fmt, va_list ap)
{
    if (!ctx)
        return code;
    pthread_mutex_lock(&ctx->lock);
    vsnprintf(msg_slot(ctx), ZSI_MSG_MAX, fmt, ap);
    pthread_mutex_unlock(&ctx->lock);
    return code;
}

zs_status zsi_err(zs_ctx *ctx, zs_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zsi_verr(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

zs_status zsi_err_prefix(zs_ctx *ctx, zs_status code, const char *fmt, ...)
{
    char pre[ZSI_MSG_MAX], old[ZSI_MSG_MAX], *msg;
    size_t n;
    va_list ap;
    if (!ctx)
        return code;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&ctx->lock);
    msg = msg_slot(ctx);
    snprintf(old, sizeof old, "%s", msg[0] ? msg : zs_strerror(code));
    /* "pre: old", truncated to the buffer; a message that begins with
     * "pre: " already is left alone */
    n = strlen(pre);
    if (!strncmp(old, pre, n) && old[n] == ':' && old[n + 1] == ' ') {
        pthread_mutex_unlock(&ctx->lock);
        return code;
    }
    if (n > ZSI_MSG_MAX - 3)
        n = ZSI_MSG_MAX - 3;
    memcpy(msg, pre, n);
    memcpy(msg + n, ": ", 2);
    n += 2;
    size_t m = strlen(old);
    if (m > ZSI_MSG_MAX - 1 - n)
        m = ZSI_MSG_MAX - 1 - n;
    memcpy(msg + n, old, m);
    msg[n + m] = 0;
    pthread_mutex_unlock(&ctx->lock);
    return code;
}

zs_status zsi_nomem(zs_ctx *ctx)
{
    return zsi_err(ctx, ZS_ERR_NOMEM, "out of memory");
}

zs_status zsi_errno(zs_ctx *ctx, int err, const char *fmt, ...)
{
    char what[ZSI_MSG_MAX / 2];
    zs_status code = ZS_ERR_IO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    switch (err) {
    case ENOENT: case ENOTDIR: code = ZS_ERR_NOTFOUND; break;
    case ENOSPC: case EDQUOT: case EFBIG: code = ZS_ERR_NOSPACE; break;
    case EACCES: case EPERM: code = ZS_ERR_AUTH; break;
    case EROFS: code = ZS_ERR_READONLY; break;
    case EEXIST: case ENOTEMPTY: code = ZS_ERR_EXISTS; break;
    case ENOMEM: code = ZS_ERR_NOMEM; break;
    default: break;
    }
    return zsi_err(ctx, code, "%s: %s", what, strerror(err));
}

void zsi_log(zs_ctx *ctx, int level, const char *fmt, ...)
{
    char buf[ZSI_MSG_MAX];
    va_list ap;
    if (!ctx || !ctx->log_fn)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->log_fn(ctx->log_user, level, buf);
}

zs_status zsi_progress(zs_ctx *ctx, uint64_t done, uint64_t total)
{
    if (ctx && ctx->progress_fn &&
        ctx->progress_fn(ctx->progress_user, done, total))
        return zsi_err(ctx, ZS_ERR_INTERRUPTED, "interrupted");
    return ZS_OK;
}

bool zsi_prod_ok(const uint64_t *v, int n, uint64_t *r)
{
    uint64_t p = 1;
    for (int i = 0; i < n; i++)
        if (!zsi_mul_ok(p, v[i], &p))
            return false;
    *r = p;
    return true;
}
