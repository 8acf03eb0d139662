/*
 * zsi_net.h - the libcurl plumbing shared by the http and s3 stores
 * (store_net.c).  The only store header that knows HTTP; curl itself is
 * included by store_net.c alone.
 *
 * A zsi_net is one store's client: its settings (from the context's
 * http.* options, plus SigV4 credentials for S3) and a pool of idle
 * transfer sessions (a curl multi handle with its connections).  Any
 * thread may run requests at once: each takes a session from the pool
 * for the duration of a batch and gives it back, so connections are
 * reused but never shared between threads.  Sessions belong to the
 * process that made them: after fork(), a child leaves its parent's
 * sessions alone (it must not touch their sockets or TLS state) and
 * makes its own.  http.max_connections (default 16) bounds the transfers
 * of a store running at once, all threads together.
 *
 * Answers: only 404 means "no such key"; 401 and 403 are ZS_ERR_AUTH;
 * any other failure, after the retries, is ZS_ERR_NETWORK naming the
 * request.  Every request that reached a server, retries and redirects
 * included, is counted with zsi_store_count.
 *
 * Retries: a timeout, a refused or reset connection, a body shorter than
 * announced, a Content-Range that does not match, or an HTTP 5xx, 408 or
 * 429 answer is retried up to http.retries times (default 5) after
 * 0.2 s * 2^k (capped at 5 s, with jitter; a Retry-After header is
 * honoured up to 10 s).  http.timeout (default 30 s) bounds connecting
 * and any stretch without a byte arriving, not the whole transfer, so
 * that large values download at any speed that keeps moving.
 */
#ifndef ZSI_NET_H
#define ZSI_NET_H

#include "store/store_impl.h"

typedef struct zsi_net zsi_net;

/* SigV4 signing for S3 (all strings borrowed for zsi_net_new). */
typedef struct zsi_net_sigv4 {
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;   /* NULL if none */
} zsi_net_sigv4;

enum { ZSI_NET_GET, ZSI_NET_PUT, ZSI_NET_DELETE };

/* One request.  The caller fills the inputs; zsi_net_run sets the rest. */
typedef struct zsi_net_req {
    /* inputs */
    const char *url;       /* full URL, already percent-encoded */
    const char *what;      /* name for messages (URL without secrets) */
    int method;            /* ZSI_NET_GET, PUT or DELETE */
    bool ranged;           /* GET bytes [first, last] */
    uint64_t first, last;
    const void *body;      /* PUT */
    size_t body_len;
    zsi_buf *out;          /* body of a 2xx answer (GET), or NULL */
    /* results */
    long status;           /* HTTP status of the final answer */
    char reason[64];       /* its reason phrase, if the server sent one */
    bool have_total;       /* Content-Range gave the value's size: */
    uint64_t total;
    zsi_buf err;           /* body of a non-2xx answer (first 64 KiB);
                              freed by zsi_net_req_free */
} zsi_net_req;

/* What a store tells the keyed calls below. */
typedef struct zsi_net_ops {
    /* Append the URL of key (percent-encoded) to url and its name for
     * messages to what; false on no memory. */
    bool (*locate)(zs_store *s, const char *key, zsi_buf *url,
                   zsi_buf *what);
    /* Interpret the final answer to a GET (see zsi_net_answer). */
    zs_status (*answer)(zs_store *s, const zsi_net_req *r, int *found);
} zsi_net_ops;

/* A client for store s (it counts the requests; messages name it); ops
 * is kept; sig is NULL for plain HTTP(S), which then uses
 * http.bearer_token and http.netrc_file. */
zs_status zsi_net_new(zs_store *s, const zsi_net_ops *ops,
                      const zsi_net_sigv4 *sig, zsi_net **out);
void zsi_net_free(zsi_net *n);

/* Run n requests, up to http.max_connections at a time, retrying as
 * described above.  Returns ZS_OK when every request got a final answer
 * (whatever its status: see zsi_net_answer), else the first failure,
 * ZS_ERR_NETWORK naming the request's "what" and the last cause. */
zs_status zsi_net_run(zsi_net *n, zsi_net_req *const *reqs, size_t nreq);
void zsi_net_req_free(zsi_net_req *r);

/* Interpret a final answer: 2xx found; 404 absent (*found = 0); 416 to a
 * ranged GET found with no bytes; 401 and 403 ZS_ERR_AUTH; anything else
 * ZS_ERR_NETWORK.  detail (or NULL) is added to the message. */
zs_status zsi_net_answer(zsi_net *n, const zsi_net_req *r,
                         const char *detail, int *found);

/* A request about one key, with its URL and name. */
typedef struct zsi_net_kreq {
    zsi_net_req r;
    zsi_buf url, what;
} zsi_net_kreq;
zs_status zsi_net_kreq_init(zsi_net *n, zsi_net_kreq *q, int method,
                            const char *key, zsi_buf *out);
void zsi_net_kreq_free(zsi_net_kreq *q);

/* The store calls, through ops.  A range is always asked as explicit
 * first-last (some servers get the suffix forms wrong) and is cut to
 * what was asked if the server sends more (or ignores Range).  size asks
 * for byte 0 and reads the size from Content-Range: a GET, never a HEAD.
 * Values read by zsi_net_probe are served again without a request. */
zs_status zsi_net_get(zsi_net *n, const char *key, zsi_buf *out,
                      int *found);
zs_status zsi_net_get_range(zsi_net *n, const char *key, uint64_t offset,
                            uint64_t len, zsi_buf *out, int *found);
zs_status zsi_net_size(zsi_net *n, const char *key, uint64_t *size,
                       int *found);
zs_status zsi_net_get_many(zsi_net *n, size_t nkeys,
                           const char *const *keys, zsi_buf *out,
                           int *found);

/* Read the metadata entry points a dataset starts from (.zmetadata,
 * zarr.json, .zgroup, .zarray, stopping at the first found), keeping the
 * answers for the calls above; *any says one was found.  Only while the
 * store is opened, before it is shared between threads. */
zs_status zsi_net_probe(zsi_net *n, bool *any);

/* ZS_ERR_INVALID naming what unless url parses as a URL. */
zs_status zsi_net_check_url(zs_ctx *ctx, const char *what, const char *url);

/* Append s percent-encoded (all but A-Z a-z 0-9 - . _ ~, and "/" when
 * keep_slash) to b.  false on no memory. */
bool zsi_net_escape(zsi_buf *b, const char *s, bool keep_slash);

#endif /* ZSI_NET_H */
