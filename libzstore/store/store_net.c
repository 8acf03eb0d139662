/* store_net.c - libcurl plumbing of the http and s3 stores: sessions,
 * batches of parallel requests with retries, answers and messages (see
 * zsi_net.h for the policy). */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "store/zsi_net.h"

#define POOL_MAX 64                   /* idle sessions kept per store */
#define ERR_BODY_MAX 65536            /* bytes kept of an error answer */
#define PREALLOC_MAX ((size_t)256 << 20) /* trust in Content-Length */
#define BACKOFF_FIRST 0.2             /* seconds */
#define BACKOFF_MAX 5.0
#define RETRY_AFTER_MAX 10.0
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- per-context share: DNS cache, TLS sessions, cookies --------------- */

/* Connections are not shared between threads (libcurl does not support
 * it); what is shared here is safe behind the locks below.  The share
 * belongs to the process that made it: a child after fork() makes its
 * own and leaves its parent's alone. */
typedef struct net_share {
    pid_t pid;
    CURLSH *sh;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} net_share;

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a,
                       void *user)
{
    net_share *s = user;
    (void)h;
    (void)a;
    pthread_mutex_lock(&s->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *user)
{
    net_share *s = user;
    (void)h;
    pthread_mutex_unlock(&s->locks[d]);
}

static void share_free(void *p)
{
    net_share *s = p;
    if (!s)
        return;
    if (s->pid == getpid()) {
        curl_share_cleanup(s->sh);
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_destroy(&s->locks[i]);
        curl_global_cleanup();
        free(s);
    }
    /* else: another process's share, whose memory is only a copy */
}

static net_share *share_new(void)
{
    net_share *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* thread-safe and reference-counted from libcurl 7.84 on */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(s);
        return NULL;
    }
    s->pid = getpid();
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    s->sh = curl_share_init();
    if (!s->sh ||
        curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock) ||
        curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
        curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s) ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE,
                          CURL_LOCK_DATA_SSL_SESSION) ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE)) {
        share_free(s);
        return NULL;
    }
    return s;
}

/* The context's share for this process (created on first use). */
static void *share_make(void *user)
{
    (void)user;
    return share_new();
}

/* A parent's share is left alone (see above): replaced, not freed. */
static bool share_foreign(void *obj)
{
    return ((net_share *)obj)->pid != getpid();
}

static void share_destroy(void *obj)
{
    share_free(obj);
}

static CURLSH *ctx_share(zs_ctx *ctx)
{
    net_share *s = zsi_ctx_slot(ctx, ZSI_SLOT_NET, share_make, NULL,
                                share_foreign, share_destroy);
    return s ? s->sh : NULL;
}

/* ---- the client and its sessions --------------------------------------- */

typedef struct session {
    pid_t pid;
    CURLM *m;
    CURL **easy;      /* nslots handles, made on demand */
    int nslots;
} session;

typedef struct memo {
    char *key;
    int found;
    zsi_buf val;
} memo;

struct zsi_net {
    zs_ctx *ctx;
    zs_store *store;
    const zsi_net_ops *ops;
    CURLSH *share;
    int retries;
    long timeout;
    long deadline_s;       /* http.deadline: seconds, 0 for none */
    double deadline;       /* when it passes (monotonic), or 0 */
    bool insecure;
    char *cainfo;          /* http.ca_bundle: CA certificates (PEM) */
    int maxconn;           /* transfers at once, all threads together */
    int inflight;          /* atomic */
    char *bearer;          /* http: Authorization: Bearer */
    char *netrc;           /* http: .netrc file */
    char *sigv4;           /* s3: "aws:amz:REGION:s3" */
    char *user, *secret;
    char *token_header;    /* s3: x-amz-security-token */
    pthread_mutex_t lock;  /* guards the pool */
    pid_t pid;             /* process the pool belongs to */
    session *idle[POOL_MAX];
    int nidle;
    memo *memo;
    size_t nmemo;
};

/* http.deadline has passed. */
static bool past_deadline(const zsi_net *n)
{
    return n->deadline > 0 && now_s() >= n->deadline;
}

/* Milliseconds left before http.deadline (at least 1), 0 for none. */
static long left_ms(const zsi_net *n)
{
    double left;
    if (n->deadline <= 0)
        return 0;
    left = (n->deadline - now_s()) * 1000.0;
    return left < 1 ? 1 : left > 1e9 ? 1000000000L : (long)left;
}

static zs_status deadline_err(zsi_net *n, const char *what,
                              const char *cause)
{
    bool c = cause && *cause;
    return zsi_err(n->ctx, ZS_ERR_NETWORK, "%s: no answer before the "
                   "deadline of %ld s for the store's requests "
                   "(http.deadline)%s%s", what, n->deadline_s,
                   c ? "; last attempt: " : "", c ? cause : "");
}

static void session_free(session *ss)
{
    if (!ss)
        return;
    if (ss->pid == getpid()) {
        for (int i = 0; i < ss->nslots; i++)
            if (ss->easy[i])
                curl_easy_cleanup(ss->easy[i]);
        curl_multi_cleanup(ss->m);
    }
    free(ss->easy);
    free(ss);
}

static session *session_new(zsi_net *n)
{
    session *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    ss->pid = getpid();
    ss->nslots = n->maxconn;
    ss->easy = calloc((size_t)ss->nslots, sizeof *ss->easy);
    ss->m = curl_multi_init();
    if (!ss->easy || !ss->m) {
        session_free(ss);
        return NULL;
    }
    curl_multi_setopt(ss->m, CURLMOPT_MAXCONNECTS, (long)ss->nslots);
    return ss;
}

static session *take_session(zsi_net *n)
{
    session *ss = NULL;
    pid_t pid = getpid();
    pthread_mutex_lock(&n->lock);
    if (n->pid != pid) {
        /* forked: the parent's sessions are not ours to use or free, and
         * its transfers are not ours to wait for */
        n->nidle = 0;
        n->pid = pid;
        __atomic_store_n(&n->inflight, 0, __ATOMIC_RELAXED);
    }
    if (n->nidle > 0)
        ss = n->idle[--n->nidle];
    pthread_mutex_unlock(&n->lock);
    return ss ? ss : session_new(n);
}

static void give_session(zsi_net *n, session *ss)
{
    bool kept = false;
    pthread_mutex_lock(&n->lock);
    if (ss->pid == n->pid && n->nidle < POOL_MAX) {
        n->idle[n->nidle++] = ss;
        kept = true;
    }
    pthread_mutex_unlock(&n->lock);
    if (!kept)
        session_free(ss);
}

static char *opt_dup(zs_ctx *ctx, const char *name)
{
    size_t size = 16384;
    char *buf = malloc(size), *v = NULL;
    if (buf && zsi_ctx_opt(ctx, name, buf, size) && *buf)
        v = zsi_strdup(buf);
    free(buf);
    return v;
}

zs_status zsi_net_new(zs_store *s, const zsi_net_ops *ops,
                      const zsi_net_sigv4 *sig, zsi_net **out)
{
    zs_ctx *ctx = s->ctx;
    zsi_net *n = calloc(1, sizeof *n);
    bool nomem = false;
    *out = NULL;
    if (!n)
        return zsi_nomem(ctx);
    n->ctx = ctx;
    n->store = s;
    n->ops = ops;
    n->pid = getpid();
    pthread_mutex_init(&n->lock, NULL);
    n->share = ctx_share(ctx);
    if (!n->share) {
        zsi_net_free(n);
        return zsi_err(ctx, ZS_ERR_NETWORK, "%s: cannot initialise libcurl",
                       s->name);
    }
    n->retries = (int)zsi_ctx_opt_int(ctx, "http.retries", 5);
    n->timeout = (long)zsi_ctx_opt_int(ctx, "http.timeout", 30);
    /* the whole time the store's requests may take, from its opening */
    n->deadline_s = (long)zsi_ctx_opt_int(ctx, "http.deadline", 0);
    if (n->deadline_s > 0)
        n->deadline = now_s() + (double)n->deadline_s;
    n->insecure = zsi_ctx_opt_int(ctx, "http.insecure", 0) == 1;
    n->cainfo = opt_dup(ctx, "http.ca_bundle");
    n->maxconn = (int)zsi_ctx_opt_int(ctx, "http.max_connections", 16);
    if (n->retries > 100)
        n->retries = 100;
    if (n->maxconn < 1)
        n->maxconn = 1;
    if (n->maxconn > 256)
        n->maxconn = 256;
    if (sig) {
        n->sigv4 = zsi_asprintf("aws:amz:%s:s3", sig->region);
        n->user = zsi_strdup(sig->access_key_id);
        n->secret = zsi_strdup(sig->secret_access_key);
        nomem = !n->sigv4 || !n->user || !n->secret;
        if (sig->session_token && *sig->session_token) {
            n->token_header = zsi_asprintf("x-amz-security-token: %s",
                                           sig->session_token);
            nomem = nomem || !n->token_header;
        }
    } else {
        n->bearer = opt_dup(ctx, "http.bearer_token");
        n->netrc = opt_dup(ctx, "http.netrc_file");
    }
    if (nomem) {
        zsi_net_free(n);
        return zsi_nomem(ctx);
    }
    *out = n;
    return ZS_OK;
}

void zsi_net_free(zsi_net *n)
{
    if (!n)
        return;
    if (n->pid == getpid())
        for (int i = 0; i < n->nidle; i++)
            session_free(n->idle[i]);
    for (size_t i = 0; i < n->nmemo; i++) {
        free(n->memo[i].key);
        zsi_buf_free(&n->memo[i].val);
    }
    free(n->memo);
    pthread_mutex_destroy(&n->lock);
    free(n->bearer);
    free(n->netrc);
    free(n->cainfo);
    free(n->sigv4);
    free(n->user);
    if (n->secret)
        memset(n->secret, 0, strlen(n->secret));
    free(n->secret);
    free(n->token_header);
    free(n);
}

void zsi_net_req_free(zsi_net_req *r)
{
    zsi_buf_free(&r->err);
}

/* ---- one transfer ------------------------------------------------------ */

typedef struct xfer {
    zsi_net *n;
    zsi_net_req *r;
    CURL *h;
    int slot;
    int attempt;          /* attempts made so far */
    double due;           /* monotonic time a retry may start */
    uint64_t seed;        /* jitter */
    struct curl_slist *hdrs;
    /* the answer being received */
    long code;
    bool have_len, have_cr, have_total;
    uint64_t clen, cr_first, cr_last, cr_total;
    double retry_after;
    char sha[65];         /* S3 PUT: SHA-256 of the body, in hex */
    bool nomem;
    char ebuf[CURL_ERROR_SIZE];
    char cause[320];      /* why the last attempt failed */
} xfer;

static bool is_2xx(long code)
{
    return code >= 200 && code < 300;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    size_t n = size * nmemb;
    if (is_2xx(x->code)) {
        if (x->r->out && !zsi_buf_append(x->r->out, p, n)) {
            x->nomem = true;
            return 0;   /* aborts the transfer */
        }
    } else if (x->r->err.len < ERR_BODY_MAX) {
        size_t k = ERR_BODY_MAX - x->r->err.len;
        if (!zsi_buf_append(&x->r->err, p, n < k ? n : k)) {
            x->nomem = true;
            return 0;
        }
    }
    return n;
}

static bool header_is(const char *line, size_t n, const char *name,
                      const char **value)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    *value = line + k + 1;
    while (**value == ' ' || **value == '\t')
        (*value)++;
    return true;
}

/* A new answer starts (a status line): forget the previous one (a
 * redirect, a 100 Continue, an authentication challenge). */
static void new_answer(xfer *x, const char *line, size_t n)
{
    const char *p = memchr(line, ' ', n), *end = line + n;
    size_t k = 0;
    x->code = 0;
    x->have_len = x->have_cr = x->have_total = false;
    x->retry_after = 0;
    x->r->reason[0] = 0;
    if (x->r->out)
        x->r->out->len = 0;
    x->r->err.len = 0;
    if (!p)
        return;
    while (++p < end && *p >= '0' && *p <= '9')
        x->code = x->code * 10 + (*p - '0');
    while (p < end && *p == ' ')
        p++;
    while (p < end && *p != '\r' && *p != '\n' &&
           k + 1 < sizeof x->r->reason)
        x->r->reason[k++] = *p++;
    x->r->reason[k] = 0;
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *user)
{
    xfer *x = user;
    size_t n = size * nitems;
    const char *v;
    char *e;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        new_answer(x, line, n);
    } else if (header_is(line, n, "content-length", &v)) {
        unsigned long long u = strtoull(v, &e, 10);
        x->have_len = e != v;
        x->clen = u;
        /* reserve, but never trust a length from the network
         * beyond a bound */
        if (x->have_len && is_2xx(x->code) && x->r->out && !x->r->ranged &&
            !x->r->out->borrowed)
            zsi_buf_reserve(x->r->out, u < PREALLOC_MAX ? (size_t)u
                                                       : PREALLOC_MAX);
    } else if (header_is(line, n, "content-range", &v)) {
        unsigned long long a = 0, b = 0, t = 0;
        const char *slash = memchr(v, '/', (size_t)(line + n - v));
        x->have_cr = sscanf(v, "bytes %llu-%llu/", &a, &b) == 2 && a <= b;
        x->cr_first = a;
        x->cr_last = b;
        x->have_total = slash && sscanf(slash + 1, "%llu", &t) == 1;
        x->cr_total = t;
    } else if (header_is(line, n, "retry-after", &v)) {
        double d = strtod(v, &e);
        if (e != v && d > 0)
            x->retry_after = d;
    }
    return n;
}

/* Setting options: each helper below has a CURL *h and a bool ok. */
#define SET(opt, val) (ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK)

/* What every request of the store shares, set once per handle (never
 * reset: libcurl 7.88 leaks the cookie file list of a reset handle):
 * protocols, timeouts, TLS (verified against http.ca_bundle when set),
 * callbacks; SigV4 for S3, else a bearer token or .netrc, sent to the
 * original host only (CURLOPT_UNRESTRICTED_AUTH stays off) while
 * redirects are followed with cookies kept (login services). */
static bool setup_handle(zsi_net *n, CURL *h)
{
    bool ok = true;
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SHARE, n->share);
    SET(CURLOPT_USERAGENT, "zstore/" PACKAGE_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_CONNECTTIMEOUT, n->timeout);
    if (n->timeout > 0) {
        /* an idle limit, not a cap on the whole transfer */
        SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
        SET(CURLOPT_LOW_SPEED_TIME, n->timeout);
    }
    SET(CURLOPT_SSL_VERIFYPEER, n->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, n->insecure ? 0L : 2L);
    if (n->cainfo)      /* instead of the system's CA certificates */
        SET(CURLOPT_CAINFO, n->cainfo);
    SET(CURLOPT_BUFFERSIZE, 131072L);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    SET(CURLOPT_HEADERFUNCTION, header_cb);
    if (n->sigv4) {
        SET(CURLOPT_AWS_SIGV4, n->sigv4);
        SET(CURLOPT_USERNAME, n->user);
        SET(CURLOPT_PASSWORD, n->secret);
        return ok;
    }
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, 10L);
    SET(CURLOPT_COOKIEFILE, "");
    if (n->bearer) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        SET(CURLOPT_XOAUTH2_BEARER, n->bearer);
    } else if (n->netrc) {
        SET(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
        SET(CURLOPT_NETRC_FILE, n->netrc);
    }
    return ok;
}

/* Headers of one request: for S3 the payload hash (libcurl 7.88 adds
 * none itself, and signs this value) and the session token; for a PUT
 * the content type (not a form; and no header removals, "Name:", which
 * libcurl 7.88 would sign as if sent). */
static bool make_headers(zsi_net *n, xfer *x)
{
    char sha[100];
    bool ok = true;
    if (n->sigv4) {
        snprintf(sha, sizeof sha, "x-amz-content-sha256: %s",
                 x->r->method == ZSI_NET_PUT ? x->sha : EMPTY_SHA256);
        ok = (x->hdrs = curl_slist_append(x->hdrs, sha)) != NULL;
        if (n->token_header)
            ok = ok && (x->hdrs = curl_slist_append(x->hdrs,
                                                    n->token_header));
    }
    if (x->r->method == ZSI_NET_PUT)
        ok = ok && (x->hdrs = curl_slist_append(
                        x->hdrs, "Content-Type: application/octet-stream"));
    return ok;
}

/* What this request asks: GET (of a range), PUT, DELETE; every option a
 * previous request of the handle may have set is set again. */
static bool setup_request(zsi_net *n, xfer *x, CURL *h)
{
    zsi_net_req *r = x->r;
    char range[64];
    bool ok = make_headers(n, x);
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_PRIVATE, x);
    SET(CURLOPT_ERRORBUFFER, x->ebuf);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_HTTPHEADER, x->hdrs);
    if (r->method == ZSI_NET_PUT) {
        /* the body from memory: sent again as it is on a retry */
        SET(CURLOPT_POSTFIELDS, r->body_len ? r->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        SET(CURLOPT_CUSTOMREQUEST, "PUT");
    } else {
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_CUSTOMREQUEST,
            r->method == ZSI_NET_DELETE ? "DELETE" : NULL);
    }
    if (r->method == ZSI_NET_GET && r->ranged)
        snprintf(range, sizeof range, "%llu-%llu",
                 (unsigned long long)r->first, (unsigned long long)r->last);
    SET(CURLOPT_RANGE,
        r->method == ZSI_NET_GET && r->ranged ? range : NULL);
    /* no transfer outlives http.deadline (0: no limit) */
    SET(CURLOPT_TIMEOUT_MS, left_ms(n));
    return ok;
}

#undef SET

/* A fresh attempt: forget the last one, set the request's options. */
static bool setup(zsi_net *n, xfer *x)
{
    zsi_net_req *r = x->r;
    x->code = 0;
    x->have_len = x->have_cr = x->have_total = false;
    x->retry_after = 0;
    x->ebuf[0] = 0;
    r->status = 0;
    r->have_total = false;
    r->reason[0] = 0;
    r->err.len = 0;
    if (r->out)
        r->out->len = 0;
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    return setup_request(n, x, x->h);
}

enum { X_DONE, X_RETRY, X_FAIL };

static bool retriable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SEND_FAIL_REWIND:
        return true;
    default:
        return false;
    }
}

static const char *reason_of(long code, const char *given)
{
    static const struct {
        long code;
        const char *text;
    } t[] = {
        {301, "Moved Permanently"}, {302, "Found"}, {307,
        "Temporary Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
        {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
        {408, "Request Timeout"}, {409, "Conflict"}, {410, "Gone"},
        {412, "Precondition Failed"}, {416, "Range Not Satisfiable"},
        {429, "Too Many Requests"}, {500, "Internal Server Error"},
        {501, "Not Implemented"}, {502, "Bad Gateway"},
        {503, "Service Unavailable"}, {504, "Gateway Timeout"},
    };
    if (given && *given)
        return given;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == code)
            return t[i].text;
    return "";
}

/* Check a 2xx answer is whole: the length announced, and for 206 the
 * range asked.  Returns false with x->cause set otherwise. */
static bool answer_whole(xfer *x, uint64_t got)
{
    zsi_net_req *r = x->r;
    if (x->have_len && x->clen != got) {
        snprintf(x->cause, sizeof x->cause, "body of %llu bytes where "
                 "%llu were announced", (unsigned long long)got,
                 (unsigned long long)x->clen);
        return false;
    }
    /* a 206 may hold more than asked (s3rver answers bytes=0-0 with
     * everything), as long as it says which bytes it holds */
    if (x->code == 206 && (!r->ranged || !x->have_cr ||
                           x->cr_first != r->first ||
                           x->cr_last - x->cr_first + 1 != got)) {
        snprintf(x->cause, sizeof x->cause, "partial answer (206) that "
                 "does not match the range asked (bytes=%llu-%llu)",
                 (unsigned long long)r->first, (unsigned long long)r->last);
        return false;
    }
    return true;
}

/* The path of URL u (after the host, before "?" or "#"): its length. */
static size_t url_path(const char *u, const char **path)
{
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    p += strcspn(p, "/?#");
    *path = p;
    return strcspn(p, "?#");
}

/* A GET of BASE/KEY redirected to BASE/KEY/ (what static web servers
 * answer for a directory): KEY names a directory, not a value. */
static bool went_to_directory(xfer *x)
{
    char *eff = NULL;
    const char *a, *b;
    size_t na, nb;
    if (curl_easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK ||
        !eff)
        return false;
    na = url_path(x->r->url, &a);
    nb = url_path(eff, &b);
    return nb == na + 1 && b[na] == '/' && strncmp(a, b, na) == 0;
}

/* What to make of a finished attempt. */
static int verdict(zsi_net *n, xfer *x, CURLcode rc)
{
    curl_off_t down = 0, up = 0;
    long code = 0, redirects = 0;
    curl_easy_getinfo(x->h, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(x->h, CURLINFO_REDIRECT_COUNT, &redirects);
    /* requests that reached a server, retries and redirects included */
    if (rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST &&
        rc != CURLE_COULDNT_RESOLVE_PROXY)
        zsi_store_count(n->store, 1 + (uint64_t)redirects,
                        down > 0 ? (uint64_t)down : 0,
                        up > 0 ? (uint64_t)up : 0);
    if (x->nomem)
        return X_FAIL;
    if (rc == CURLE_OK && redirects > 0 && x->r->method == ZSI_NET_GET &&
        went_to_directory(x)) {
        x->r->status = 404;
        snprintf(x->r->reason, sizeof x->r->reason, "Not Found (a "
                 "directory)");
        if (x->r->out)
            x->r->out->len = 0;
        return X_DONE;
    }
    if (rc == CURLE_OK) {
        x->r->status = code;
        x->r->have_total = x->have_total;
        x->r->total = x->cr_total;
        if (is_2xx(code))
            return answer_whole(x, down > 0 ? (uint64_t)down : 0) ? X_DONE
                                                                  : X_RETRY;
        if (code >= 500 || code == 408 || code == 429) {
            snprintf(x->cause, sizeof x->cause, "HTTP %ld %s", code,
                     reason_of(code, x->r->reason));
            return X_RETRY;
        }
        return X_DONE;
    }
    snprintf(x->cause, sizeof x->cause, "%s",
             x->ebuf[0] ? x->ebuf : curl_easy_strerror(rc));
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
        snprintf(x->cause + strlen(x->cause),
                 sizeof x->cause - strlen(x->cause),
                 " (TLS certificate not verified)");
    return retriable(rc) ? X_RETRY : X_FAIL;
}

static double backoff(xfer *x)
{
    double d = BACKOFF_FIRST;
    for (int i = 1; i < x->attempt && d < BACKOFF_MAX; i++)
        d *= 2;
    /* jitter in [0.5, 1.5), so that parallel clients spread out */
    x->seed ^= x->seed << 13;
    x->seed ^= x->seed >> 7;
    x->seed ^= x->seed << 17;
    d *= 0.5 + (double)(x->seed % 1000) / 1000.0;
    if (d > BACKOFF_MAX)
        d = BACKOFF_MAX;
    if (x->retry_after > d)
        d = x->retry_after < RETRY_AFTER_MAX ? x->retry_after
                                             : RETRY_AFTER_MAX;
    return d;
}

static zs_status fail(zsi_net *n, xfer *x)
{
    if (x->nomem)
        return zsi_nomem(n->ctx);
    if (x->attempt > 1)
        return zsi_err(n->ctx, ZS_ERR_NETWORK, "%s: %s (gave up after %d "
                       "attempts)", x->r->what, x->cause, x->attempt);
    return zsi_err(n->ctx, ZS_ERR_NETWORK, "%s: %s", x->r->what, x->cause);
}

/* ---- batches ----------------------------------------------------------- */

/* A transfer may start: fewer than http.max_connections are running in
 * the store, whatever the threads. */
static bool take_token(zsi_net *n)
{
    int k = __atomic_load_n(&n->inflight, __ATOMIC_RELAXED);
    while (k < n->maxconn)
        if (__atomic_compare_exchange_n(&n->inflight, &k, k + 1, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return true;
    return false;
}

static void give_token(zsi_net *n)
{
    __atomic_sub_fetch(&n->inflight, 1, __ATOMIC_ACQ_REL);
}

typedef struct batch {
    zsi_net *n;
    session *ss;
    xfer *x;
    size_t nx;
    int *free_slots;
    int nfree;
    int active;
    size_t *retry;       /* indices of transfers waiting to retry */
    size_t nretry;
} batch;

/* Start x (a slot and a token are free). */
static zs_status start(batch *b, xfer *x)
{
    session *ss = b->ss;
    int slot = b->free_slots[--b->nfree];
    if (!ss->easy[slot] && (ss->easy[slot] = curl_easy_init()) &&
        !setup_handle(b->n, ss->easy[slot])) {
        curl_easy_cleanup(ss->easy[slot]);
        ss->easy[slot] = NULL;
    }
    if (!ss->easy[slot]) {
        b->nfree++;
        give_token(b->n);
        return zsi_err(b->n->ctx, ZS_ERR_NOMEM, "%s: cannot set up a "
                       "libcurl handle", x->r->what);
    }
    x->h = ss->easy[slot];
    x->slot = slot;
    x->attempt++;
    if (!setup(b->n, x) || curl_multi_add_handle(ss->m, x->h) != CURLM_OK) {
        b->nfree++;
        give_token(b->n);
        x->h = NULL;
        return zsi_err(b->n->ctx, ZS_ERR_NETWORK, "%s: cannot set up the "
                       "request", x->r->what);
    }
    b->active++;
    return ZS_OK;
}

static void stop(batch *b, xfer *x)
{
    curl_multi_remove_handle(b->ss->m, x->h);
    /* nothing of this batch stays referenced by the handle */
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, NULL);
    b->free_slots[b->nfree++] = x->slot;
    give_token(b->n);
    x->h = NULL;
    b->active--;
}

/* A transfer ended: done, scheduled for a retry (*again), or the batch
 * fails. */
static zs_status ended(batch *b, xfer *x, CURLcode rc, bool *again)
{
    int v = verdict(b->n, x, rc);
    stop(b, x);
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    *again = false;
    if (v == X_RETRY && past_deadline(b->n))
        return deadline_err(b->n, x->r->what, x->cause);
    *again = v == X_RETRY && x->attempt <= b->n->retries;
    if (*again) {
        x->due = now_s() + backoff(x);
        b->retry[b->nretry++] = (size_t)(x - b->x);
        return ZS_OK;
    }
    return v == X_DONE ? ZS_OK : fail(b->n, x);
}

static zs_status start_due(batch *b, size_t *next)
{
    double now = now_s();
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < b->nretry && b->nfree > 0;) {
        xfer *x = &b->x[b->retry[i]];
        if (x->due > now) {
            i++;
        } else if (!take_token(b->n)) {
            return ZS_OK;
        } else {
            b->retry[i] = b->retry[--b->nretry];
            st = start(b, x);
        }
    }
    while (st == ZS_OK && *next < b->nx && b->nfree > 0 && take_token(b->n))
        st = start(b, &b->x[(*next)++]);
    return st;
}

static int wait_ms(const batch *b)
{
    double now = now_s(), soon = now + 1.0;
    for (size_t i = 0; i < b->nretry; i++)
        if (b->x[b->retry[i]].due < soon)
            soon = b->x[b->retry[i]].due;
    if (b->n->deadline > 0 && b->n->deadline < soon)
        soon = b->n->deadline;
    return soon <= now ? 0 : (int)((soon - now) * 1000.0) + 1;
}

/* A request of the batch still to finish: one waiting to retry, else
 * one running, else the next to start. */
static const xfer *unfinished(const batch *b, size_t next)
{
    if (b->nretry)
        return &b->x[b->retry[0]];
    for (size_t i = 0; i < next && i < b->nx; i++)
        if (b->x[i].h)
            return &b->x[i];
    return &b->x[next < b->nx ? next : 0];
}

static zs_status drive(batch *b)
{
    size_t next = 0, left = b->nx;
    zs_status st = ZS_OK;
    while (st == ZS_OK && left > 0) {
        int running = 0, q, ms;
        bool want;
        CURLMsg *msg;
        if (past_deadline(b->n)) {
            const xfer *x = unfinished(b, next);
            st = deadline_err(b->n, x->r->what, x->cause);
            break;
        }
        st = start_due(b, &next);
        if (st != ZS_OK)
            break;
        if (curl_multi_perform(b->ss->m, &running) != CURLM_OK) {
            st = zsi_err(b->n->ctx, ZS_ERR_NETWORK, "%s: libcurl failed",
                         b->x[0].r->what);
            break;
        }
        while (st == ZS_OK && (msg = curl_multi_info_read(b->ss->m, &q))) {
            char *priv = NULL;
            xfer *x;
            CURLcode rc = msg->data.result;
            bool again = false;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            x = (xfer *)(void *)priv;
            st = ended(b, x, rc, &again);
            if (st == ZS_OK && !again)
                left--;
        }
        if (st != ZS_OK || left == 0)
            break;
        /* requests waiting for a slot: start them first, or while other
         * threads hold every token, look again soon */
        want = b->nfree > 0 && (next < b->nx || (b->nretry && !wait_ms(b)));
        if (want && __atomic_load_n(&b->n->inflight, __ATOMIC_RELAXED) <
                        b->n->maxconn)
            continue;
        ms = wait_ms(b);
        curl_multi_poll(b->ss->m, NULL, 0, want && ms > 10 ? 10 : ms, NULL);
    }
    /* on failure, abandon what is still running */
    for (size_t i = 0; i < b->nx; i++) {
        if (b->x[i].h)
            stop(b, &b->x[i]);
        curl_slist_free_all(b->x[i].hdrs);
        b->x[i].hdrs = NULL;
    }
    return st;
}

zs_status zsi_net_run(zsi_net *n, zsi_net_req *const *reqs, size_t nreq)
{
    batch b = {n, NULL, NULL, nreq, NULL, 0, 0, NULL, 0};
    zs_status st = ZS_OK;
    uint64_t seed = (uint64_t)(now_s() * 1e9) ^ (uint64_t)(uintptr_t)reqs;
    if (nreq == 0)
        return ZS_OK;
    b.ss = take_session(n);
    b.x = calloc(nreq, sizeof *b.x);
    b.retry = calloc(nreq, sizeof *b.retry);
    b.free_slots = b.ss ? calloc((size_t)b.ss->nslots, sizeof(int)) : NULL;
    if (!b.ss || !b.x || !b.retry || !b.free_slots) {
        st = zsi_nomem(n->ctx);
        goto done;
    }
    for (int i = b.ss->nslots; i-- > 0;)
        b.free_slots[b.nfree++] = i;
    for (size_t i = 0; st == ZS_OK && i < nreq; i++) {
        b.x[i].n = n;
        b.x[i].r = reqs[i];
        b.x[i].seed = (seed + i * 0x9e3779b97f4a7c15ULL) | 1;
        if (n->sigv4 && reqs[i]->method == ZSI_NET_PUT) {
            zsi_sha256 *h;
            st = zsi_sha256_new(n->ctx, &h);
            if (st == ZS_OK) {
                zsi_sha256_update(h, reqs[i]->body, reqs[i]->body_len);
                zsi_sha256_final(h, b.x[i].sha);
            }
        }
    }
    if (st == ZS_OK)
        st = drive(&b);
done:
    if (b.ss)
        give_session(n, b.ss);
    free(b.free_slots);
    free(b.retry);
    free(b.x);
    return st;
}

/* ---- answers, names, memo ---------------------------------------------- */

zs_status zsi_net_answer(zsi_net *n, const zsi_net_req *r,
                         const char *detail, int *found)
{
    const char *why = reason_of(r->status, r->reason);
    bool d = detail && *detail;
    *found = 0;
    if (is_2xx(r->status)) {
        *found = 1;
        return ZS_OK;
    }
    if (r->status == 404)
        return ZS_OK;
    if (r->status == 416 && r->ranged) {
        *found = 1;
        if (r->out)
            r->out->len = 0;
        return ZS_OK;
    }
    if (r->status == 401 || r->status == 403)
        return zsi_err(n->ctx, ZS_ERR_AUTH, "%s: HTTP %ld %s (authentication"
                       " or permission refused%s%s)", r->what, r->status,
                       why, d ? ": " : "", d ? detail : "");
    return zsi_err(n->ctx, ZS_ERR_NETWORK, "%s: HTTP %ld %s%s%s%s", r->what,
                   r->status, why, d ? " (" : "", d ? detail : "",
                   d ? ")" : "");
}

/* Make r a GET of [offset, offset + len): an explicit first-last range of
 * at least one byte, so that an existing value answers 206 or 416 and a
 * missing one 404; offsets beyond any real value ask for byte 0 (whether
 * the key exists) and trim then gives 0 bytes. */
static void set_range(zsi_net_req *r, uint64_t offset, uint64_t len)
{
    const uint64_t top = (uint64_t)INT64_MAX;
    uint64_t span = len ? len : 1;
    r->ranged = true;
    if (offset >= top) {       /* nothing there: ask only whether it is */
        r->first = r->last = 0;
        return;
    }
    r->first = offset;
    r->last = offset + (span < top - offset ? span : top - offset) - 1;
}

/* Cut the answer to a ranged GET down to what was asked (a server may
 * ignore Range and send everything with 200, or send more than asked). */
static void trim(const zsi_net_req *r, uint64_t offset, uint64_t len)
{
    zsi_buf *b = r->out;
    /* what the body holds: [have, have + b->len) of the value */
    uint64_t have = r->status == 206 ? r->first : 0;
    uint64_t end = UINT64_MAX - offset < len ? UINT64_MAX : offset + len;
    uint64_t from = offset > have ? offset : have;
    uint64_t to = have + b->len < end ? have + b->len : end;
    if (r->status == 416 || from >= to) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + (from - have), (size_t)(to - from));
    b->len = (size_t)(to - from);
}

zs_status zsi_net_check_url(zs_ctx *ctx, const char *what, const char *url)
{
    CURLU *u = curl_url();
    CURLUcode rc;
    if (!u)
        return zsi_nomem(ctx);
    rc = curl_url_set(u, CURLUPART_URL, url, 0);
    curl_url_cleanup(u);
    if (rc == CURLUE_OK)
        return ZS_OK;
#if LIBCURL_VERSION_NUM >= 0x075000
    return zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed URL (%s)", what,
                   curl_url_strerror(rc));
#else
    return zsi_err(ctx, ZS_ERR_INVALID, "%s: malformed URL", what);
#endif
}

bool zsi_net_escape(zsi_buf *b, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
                     (keep_slash && *p == '/');
        char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        if (plain ? !zsi_buf_append(b, p, 1) : !zsi_buf_append(b, e, 3))
            return false;
    }
    return true;
}

/* A value read by zsi_net_probe (its bytes [offset, offset + len)):
 * false if there is none. */
static bool memo_get(zsi_net *n, const char *key, uint64_t offset,
                     uint64_t len, zsi_buf *out, int *found)
{
    for (size_t i = 0; i < n->nmemo; i++) {
        const memo *m = &n->memo[i];
        if (strcmp(m->key, key) != 0)
            continue;
        *found = m->found;
        out->len = 0;
        if (m->found && offset < m->val.len) {
            uint64_t k = m->val.len - offset < len ? m->val.len - offset
                                                   : len;
            if (!zsi_buf_append(out, m->val.data + offset, (size_t)k))
                return false;   /* the caller asks the server instead */
        }
        if (m->found && !out->data && !zsi_buf_reserve(out, 1))
            return false;
        return true;
    }
    return false;
}

zs_status zsi_net_kreq_init(zsi_net *n, zsi_net_kreq *q, int method,
                            const char *key, zsi_buf *out)
{
    memset(q, 0, sizeof *q);
    if (!n->ops->locate(n->store, key, &q->url, &q->what) ||
        !zsi_buf_cstr(&q->url) || !zsi_buf_cstr(&q->what)) {
        zsi_net_kreq_free(q);
        return zsi_nomem(n->ctx);
    }
    q->r.url = (const char *)q->url.data;
    q->r.what = (const char *)q->what.data;
    q->r.method = method;
    q->r.out = out;
    return ZS_OK;
}

void zsi_net_kreq_free(zsi_net_kreq *q)
{
    zsi_net_req_free(&q->r);
    zsi_buf_free(&q->url);
    zsi_buf_free(&q->what);
}

/* A found value is never a NULL buffer; a missing one is empty. */
static zs_status settle(zsi_net *n, zs_status st, zsi_buf *out, int *found)
{
    if (st == ZS_OK && *found && !out->data && !zsi_buf_reserve(out, 1))
        st = zsi_nomem(n->ctx);
    if (st != ZS_OK || !*found) {
        *found = 0;
        out->len = 0;
    }
    return st;
}

static zs_status fetch(zsi_net *n, const char *key, bool ranged,
                       uint64_t offset, uint64_t len, zsi_buf *out,
                       int *found)
{
    zsi_net_kreq q;
    zsi_net_req *r = &q.r;
    zs_status st;
    *found = 0;
    if (memo_get(n, key, ranged ? offset : 0, ranged ? len : UINT64_MAX,
                 out, found))
        return ZS_OK;
    st = zsi_net_kreq_init(n, &q, ZSI_NET_GET, key, out);
    if (st != ZS_OK)
        return st;
    if (ranged)
        set_range(r, offset, len);
    st = zsi_net_run(n, &r, 1);
    if (st == ZS_OK)
        st = n->ops->answer(n->store, r, found);
    if (st == ZS_OK && *found && ranged)
        trim(r, offset, len);
    zsi_net_kreq_free(&q);
    return settle(n, st, out, found);
}

zs_status zsi_net_get(zsi_net *n, const char *key, zsi_buf *out,
                      int *found)
{
    return fetch(n, key, false, 0, 0, out, found);
}

zs_status zsi_net_get_range(zsi_net *n, const char *key, uint64_t offset,
                            uint64_t len, zsi_buf *out, int *found)
{
    return fetch(n, key, true, offset, len, out, found);
}

zs_status zsi_net_size(zsi_net *n, const char *key, uint64_t *size,
                       int *found)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_net_kreq q;
    zsi_net_req *r = &q.r;
    zs_status st;
    bool whole = false;
    *found = 0;
    *size = 0;
    if (memo_get(n, key, 0, UINT64_MAX, &b, found)) {
        *size = b.len;
        zsi_buf_free(&b);
        return ZS_OK;
    }
    st = zsi_net_kreq_init(n, &q, ZSI_NET_GET, key, &b);
    if (st != ZS_OK)
        return st;
    set_range(r, 0, 1);
    st = zsi_net_run(n, &r, 1);
    if (st == ZS_OK)
        st = n->ops->answer(n->store, r, found);
    if (st == ZS_OK && *found) {
        if (r->have_total)          /* 206, or 416 for an empty value */
            *size = r->total;
        else if (r->status == 200)  /* Range ignored: the whole value */
            *size = b.len;
        else if (r->status == 416)
            *size = 0;
        else                        /* a size the server did not tell */
            whole = true;
    }
    zsi_net_kreq_free(&q);
    if (whole) {
        st = fetch(n, key, false, 0, 0, &b, found);
        *size = b.len;
    }
    zsi_buf_free(&b);
    return st;
}

zs_status zsi_net_get_many(zsi_net *n, size_t nkeys,
                           const char *const *keys, zsi_buf *out,
                           int *found)
{
    zsi_net_kreq *q = calloc(nkeys ? nkeys : 1, sizeof *q);
    zsi_net_req **r = calloc(nkeys ? nkeys : 1, sizeof *r);
    size_t *idx = calloc(nkeys ? nkeys : 1, sizeof *idx), m = 0;
    zs_status st = q && r && idx ? ZS_OK : zsi_nomem(n->ctx);
    for (size_t i = 0; st == ZS_OK && i < nkeys; i++) {
        found[i] = 0;
        if (memo_get(n, keys[i], 0, UINT64_MAX, &out[i], &found[i]))
            continue;
        st = zsi_net_kreq_init(n, &q[m], ZSI_NET_GET, keys[i], &out[i]);
        if (st == ZS_OK) {
            r[m] = &q[m].r;
            idx[m++] = i;
        }
    }
    if (st == ZS_OK)
        st = zsi_net_run(n, r, m);
    for (size_t k = 0; st == ZS_OK && k < m; k++) {
        size_t i = idx[k];
        st = settle(n, n->ops->answer(n->store, r[k], &found[i]), &out[i],
                    &found[i]);
    }
    for (size_t k = 0; k < m; k++)
        zsi_net_kreq_free(&q[k]);
    free(idx);
    free(r);
    free(q);
    return st;
}

zs_status zsi_net_probe(zsi_net *n, bool *any)
{
    static const char *const keys[] = {".zmetadata", "zarr.json", ".zgroup",
                                       ".zarray"};
    *any = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !*any; i++) {
        zsi_buf b = ZSI_BUF_INIT;
        int found = 0;
        memo *m;
        zs_status st = fetch(n, keys[i], false, 0, 0, &b, &found);
        if (st != ZS_OK) {
            zsi_buf_free(&b);
            return st;
        }
        m = realloc(n->memo, (n->nmemo + 1) * sizeof *m);
        if (!m) {
            zsi_buf_free(&b);
            return zsi_nomem(n->ctx);
        }
        n->memo = m;
        m = &n->memo[n->nmemo];
        if (!(m->key = zsi_strdup(keys[i]))) {
            zsi_buf_free(&b);
            return zsi_nomem(n->ctx);
        }
        m->found = found;
        m->val = b;
        n->nmemo++;
        *any = found != 0;
    }
    return ZS_OK;
}
