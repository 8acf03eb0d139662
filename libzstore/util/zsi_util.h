/*
 * zsi_util.h - util layer: context internals, errors, buffers, strings,
 * key/value configs, typed attributes, dtypes, thread pool, digests.
 * Every other layer may include this header; it includes only zstore.h
 * and the C library.
 */
#ifndef ZSI_UTIL_H
#define ZSI_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zstore.h"

#define ZSI_MSG_MAX 1024
#define ZSI_REDIRECT_MAX 8

#if defined(__GNUC__)
#define ZSI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ZSI_PRINTF(a, b)
#endif

/* for (size_t i = 0; i < n; i++) { body } as a loop the compiler
 * vectorises: marked "omp simd" where the compiler takes that mark
 * without OpenMP (-fopenmp-simd, see configure.ac), for GCC's cost
 * model at -O2 does not vectorise a loop of unknown count.  The body's
 * iterations must not depend on each other (its pointers restrict); with
 * -fno-trapping-math it may choose between values (x ? y : z). */
#ifdef ZS_HAVE_OMP_SIMD
#define ZSI_SIMD _Pragma("omp simd")
#else
#define ZSI_SIMD
#endif
#define ZSI_FOR_V(i, n, body)                                               \
    do {                                                                    \
        ZSI_SIMD                                                            \
        for (size_t i = 0; i < (n); i++) {                                  \
            body;                                                           \
        }                                                                   \
    } while (0)

struct zsi_pool;
struct zsi_cache;

/* ---- the context ---------------------------------------------------- */

/* The context's body is util's own (util/ctx_impl.h).  Layers above keep
 * their per-context state in slots: one object each, made on first use
 * under the context's lock and freed with the context, so that util
 * does not need to know their types. */
typedef enum zsi_slot {
    ZSI_SLOT_CACHE,         /* the decoded-chunk cache (array) */
    ZSI_SLOT_MEM_STORES,    /* the memory-store registry (store) */
    ZSI_SLOT_NET,           /* shared network state (store) */
    ZSI_NSLOTS
} zsi_slot;
/* The object in slot k, made by make(user) if there is none or if
 * replace(obj) says the one there may not be used (it is then dropped,
 * not freed: it belongs to whoever made it, such as a parent process);
 * NULL if make fails.  destroy frees it with the context.  make and
 * replace run under the context's lock: they must not record messages
 * (zsi_err) or use the context. */
void *zsi_ctx_slot(zs_ctx *ctx, zsi_slot k, void *(*make)(void *user),
                   void *user, bool (*replace)(void *obj),
                   void (*destroy)(void *obj));
/* The object in slot k, or NULL; makes none (lock-free). */
void *zsi_ctx_slot_peek(zs_ctx *ctx, zsi_slot k);
/* The decoded-chunk cache budget (zs_ctx_set_cache_bytes, memory). */
size_t zsi_ctx_cache_bytes(zs_ctx *ctx);
/* The memory bound set on the context, or def (an operation's default)
 * when none is. */
uint64_t zsi_ctx_memory_or(const zs_ctx *ctx, uint64_t def);
/* The log callback and its argument. */
void zsi_ctx_get_log(zs_ctx *ctx, zs_log_fn *fn, void **user);
/* Copy the context's message (size bytes at most) under its lock. */
void zsi_ctx_copy_message(zs_ctx *ctx, char *buf, size_t size);
void zsi_ctx_clear_message(zs_ctx *ctx);
/* Stop the context's thread pool (before a fork: no thread of ours may
 * hold a lock then); it is made again when needed. */
void zsi_ctx_stop_pool(zs_ctx *ctx);
/* In a child process after fork: the parent's pool has no threads here
 * (forgotten, not freed), and this process works alone. */
void zsi_ctx_forked_child(zs_ctx *ctx);


/* An option's value (NULL if unset), copied into buf of size bytes so
 * that a concurrent zs_ctx_set_option cannot free it under the caller. */
const char *zsi_ctx_opt(zs_ctx *ctx, const char *name, char *buf,
                        size_t size);
/* An integer option, or dflt when unset. */
int64_t zsi_ctx_opt_int(zs_ctx *ctx, const char *name, int64_t dflt);

/* ---- errors and logging ------------------------------------------- */

/* Record a detailed message in ctx and return code.  Thread-safe. */
zs_status zsi_err(zs_ctx *ctx, zs_status code, const char *fmt, ...)
    ZSI_PRINTF(3, 4);
zs_status zsi_verr(zs_ctx *ctx, zs_status code, const char *fmt, va_list ap);
/* Messages the calling thread records go to buf (ZSI_MSG_MAX bytes)
 * instead of the context's, until called again with NULL; false (and
 * nothing changed) if too many threads do so at once. */
bool zsi_ctx_redirect(zs_ctx *ctx, char *buf);
/* Prefix the current message with "prefix: " (keeps code). */
zs_status zsi_err_prefix(zs_ctx *ctx, zs_status code, const char *fmt, ...)
    ZSI_PRINTF(3, 4);
/* Out of memory: records a fixed message. */
zs_status zsi_nomem(zs_ctx *ctx);
/* errno-based I/O error "what: strerror" mapped to a status. */
zs_status zsi_errno(zs_ctx *ctx, int err, const char *fmt, ...)
    ZSI_PRINTF(3, 4);
void zsi_log(zs_ctx *ctx, int level, const char *fmt, ...) ZSI_PRINTF(3, 4);
/* Call the progress callback; returns ZS_ERR_INTERRUPTED if it asks. */
zs_status zsi_progress(zs_ctx *ctx, uint64_t done, uint64_t total);

/* ---- checked arithmetic -------------------------------------------- */

static inline bool zsi_mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
    return !__builtin_mul_overflow(a, b, r);
}
static inline bool zsi_add_ok(uint64_t a, uint64_t b, uint64_t *r)
{
    return !__builtin_add_overflow(a, b, r);
}
/* Product of n values; false on overflow.  Empty product is 1. */
bool zsi_prod_ok(const uint64_t *v, int n, uint64_t *r);

/* ---- growable byte buffer ------------------------------------------ */

typedef struct zsi_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool borrowed;   /* data is the caller's: never grown nor freed */
} zsi_buf;

#define ZSI_BUF_INIT {NULL, 0, 0, false}
void zsi_buf_init(zsi_buf *b);
/* A buffer over the caller's memory mem of cap bytes: appends and
 * resizes within cap work, beyond it they fail (as out of memory);
 * zsi_buf_free forgets it, zsi_buf_take returns a copy. */
void zsi_buf_borrow(zsi_buf *b, void *mem, size_t cap);
void zsi_buf_free(zsi_buf *b);
/* Ensure capacity for at least n bytes in total; false on no memory. */
bool zsi_buf_reserve(zsi_buf *b, size_t n);
/* Set length to n (growing as needed; new bytes are not initialised). */
bool zsi_buf_resize(zsi_buf *b, size_t n);
/* Append n bytes; false on no memory.  Inline where the room is there
 * (encoders append a few bytes per value), else zsi_buf_append_grow. */
bool zsi_buf_append_grow(zsi_buf *b, const void *p, size_t n);
static inline bool zsi_buf_append(zsi_buf *b, const void *p, size_t n)
{
    if (n && b->cap - b->len >= n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return true;
    }
    return zsi_buf_append_grow(b, p, n);
}
bool zsi_buf_append_str(zsi_buf *b, const char *s);
bool zsi_buf_printf(zsi_buf *b, const char *fmt, ...) ZSI_PRINTF(2, 3);
/* NUL-terminate (not counted in len); returns data as char *. */
char *zsi_buf_cstr(zsi_buf *b);
/* Hand the data over: returns it and empties b. */
uint8_t *zsi_buf_take(zsi_buf *b);
void zsi_buf_swap(zsi_buf *a, zsi_buf *b);

/* ---- strings ------------------------------------------------------- */

char *zsi_strdup(const char *s);
char *zsi_strndup(const char *s, size_t n);
char *zsi_asprintf(const char *fmt, ...) ZSI_PRINTF(1, 2);
bool zsi_str_starts(const char *s, const char *prefix);
bool zsi_str_ends(const char *s, const char *suffix);
/* Case-insensitive, and s must be longer than suffix ("x.zip"). */
bool zsi_str_ends_ci(const char *s, const char *suffix);
/* Join a and b with "/" (either may be ""). */
char *zsi_path_join(const char *a, const char *b);

/* A growable list of owned strings. */
typedef struct zsi_strv {
    char **v;
    size_t n;
    size_t cap;
} zsi_strv;
void zsi_strv_free(zsi_strv *s);
bool zsi_strv_push(zsi_strv *s, const char *str);
bool zsi_strv_push_take(zsi_strv *s, char *str);
bool zsi_strv_contains(const zsi_strv *s, const char *str);
/* Push those of the n names that s does not hold yet (a set of names,
 * in first-seen order: the dimensions of an output); false on no
 * memory. */
bool zsi_strv_add(zsi_strv *s, const char *const *names, int n);
void zsi_strv_sort(zsi_strv *s);
/* Split "a,b,c" on sep into s (empty items skipped). */
bool zsi_strv_split(zsi_strv *s, const char *text, char sep);

/* Append text to out as valid UTF-8: each maximal invalid subsequence
 * becomes U+FFFD, as Python's bytes.decode("utf-8", "replace") does. */
bool zsi_utf8_sanitize(const char *s, size_t n, zsi_buf *out);
/* Offset of the first invalid UTF-8 byte in s, or n if all valid. */
size_t zsi_utf8_check(const char *s, size_t n);

/* Parse a decimal integer/float occupying the whole string. */
bool zsi_parse_i64(const char *s, int64_t *out);
bool zsi_parse_u64(const char *s, uint64_t *out);
bool zsi_parse_double(const char *s, double *out);
/* Parse a size like "512M", "2G", "4096" (binary units). */
bool zsi_parse_size(const char *s, uint64_t *out);

/* Store keys: relative, "/"-separated, no "." or ".." component, no "\",
 * no NUL or control characters, no leading or doubled "/". */
bool zsi_key_ok(const char *key);

/* Shortest text that reads back as exactly d ("%.17g" at most); always
 * has a "." or exponent so that JSON readers keep it a float.  NaN and
 * infinities are written "NaN", "Infinity", "-Infinity". */
void zsi_fmt_double(double d, char *buf, size_t size);
/* Same for a float32 value (shortest text that reads back as the float). */
void zsi_fmt_float(float f, char *buf, size_t size);

/* ---- key/value configuration (codec parameters) -------------------- */

enum { ZSI_KV_INT = 1, ZSI_KV_DOUBLE = 2, ZSI_KV_STRING = 3, ZSI_KV_BOOL = 4,
       ZSI_KV_NULL = 5, ZSI_KV_INTS = 6, ZSI_KV_JSON = 7 };

typedef struct zsi_kv_item {
    char *key;
    int type;
    int64_t i;        /* INT, BOOL */
    double d;         /* DOUBLE (also set for INT) */
    char *s;          /* STRING, JSON (raw JSON text of a nested value) */
    int64_t *ints;    /* INTS */
    size_t nints;
} zsi_kv_item;

typedef struct zsi_kv {
    zsi_kv_item *items;
    size_t n;
} zsi_kv;

void zsi_kv_free(zsi_kv *kv);
bool zsi_kv_copy(zsi_kv *dst, const zsi_kv *src);
const zsi_kv_item *zsi_kv_find(const zsi_kv *kv, const char *key);
bool zsi_kv_set_int(zsi_kv *kv, const char *key, int64_t v);
bool zsi_kv_set_bool(zsi_kv *kv, const char *key, bool v);
bool zsi_kv_set_double(zsi_kv *kv, const char *key, double v);
bool zsi_kv_set_string(zsi_kv *kv, const char *key, const char *v);
bool zsi_kv_set_null(zsi_kv *kv, const char *key);
bool zsi_kv_set_ints(zsi_kv *kv, const char *key, const int64_t *v,
                     size_t n);
bool zsi_kv_set_json(zsi_kv *kv, const char *key, const char *json);
/* Typed lookups: return 1 found, 0 absent, -1 wrong type. */
int zsi_kv_get_int(const zsi_kv *kv, const char *key, int64_t *out);
int zsi_kv_get_double(const zsi_kv *kv, const char *key, double *out);
int zsi_kv_get_string(const zsi_kv *kv, const char *key, const char **out);

/* ---- data types ---------------------------------------------------- */

/* Bytes per element of a fixed-size numeric type (0 for string types). */
size_t zsi_dtype_size(zs_dtype t);
bool zsi_dtype_is_int(zs_dtype t);     /* signed or unsigned integer */
bool zsi_dtype_is_signed(zs_dtype t);
bool zsi_dtype_is_float(zs_dtype t);
bool zsi_dtype_is_numeric(zs_dtype t); /* bool, integers and floats */
/* Read element i of a native-order buffer of type t as double/int64. */
double zsi_load_double(zs_dtype t, const void *p, size_t i);
bool zsi_load_i64(zs_dtype t, const void *p, size_t i, int64_t *out);
/* Store v (converted) as element i of type t; false if out of range or
 * not exactly representable for integer types. */
bool zsi_store_double(zs_dtype t, void *p, size_t i, double v);
/* NumPy-style type strings as used by Zarr v2 ("<i2", ">f8", "|b1",
 * "|S7", "<U13", "|u1"; also "|O" reported as ZS_DT_STRING with
 * itemsize 8) and v3 names ("int16", "float32", "bool", "string").
 * Implemented in util/npdtype.c.  itemsize is bytes per element in the
 * stored form (4*n for "<Un"). */
bool zsi_dtype_from_numpy(const char *s, zs_dtype *t, size_t *itemsize,
                          bool *big_endian);
/* Write the NumPy form of t (little-endian "<" unless big_endian) */
bool zsi_dtype_to_numpy(zs_dtype t, size_t itemsize, bool big_endian,
                        char *buf, size_t size);
bool zsi_dtype_from_v3(const char *s, zs_dtype *t, size_t *itemsize);
const char *zsi_dtype_to_v3(zs_dtype t);
/* Reverse the byte order of n elements of size w in place. */
void zsi_byteswap(void *p, size_t n, size_t w);
/* IEEE half precision. */
float zsi_half_to_float(uint16_t h);
uint16_t zsi_float_to_half(float f);

/* ---- typed attributes (zs_attrs) ----------------------------------- */

zs_status zsi_attrs_new(zs_attrs **out);
void zsi_attrs_free(zs_attrs *a);
zs_status zsi_attrs_copy(const zs_attrs *src, zs_attrs **out);
/* Set (replace or append) an attribute.  values: n elements of type t in
 * native order; for ZS_DT_STRING and ZS_DT_NONE, values is the text and
 * n its length in bytes. */
bool zsi_attrs_set(zs_attrs *a, const char *name, zs_dtype t,
                   const void *values, size_t n);
bool zsi_attrs_remove(zs_attrs *a, const char *name);
/* Raw value pointer of attribute i (native order). */
const void *zsi_attrs_values(const zs_attrs *a, size_t i);
/* Convenience lookups by name: return 1 found, 0 absent. */
int zsi_attrs_double(const zs_attrs *a, const char *name, double *out);
const char *zsi_attrs_text(const zs_attrs *a, const char *name);
/* True if the text attribute name is a space-separated list holding
 * word (as "coordinates" and "bounds" name variables). */
bool zsi_attrs_lists(const zs_attrs *a, const char *name, const char *word);
/* True if two attribute values are identical (type and bits). */
bool zsi_attrs_value_equal(const zs_attrs *a, size_t i, const zs_attrs *b,
                           size_t j);

/* ---- option languages (spec.c) -------------------------------------- */

/* A per-dimension specification, "time=24,latitude=-1": what a value
 * means is the caller's (chunk or shard lengths).  With ZSI_DIMSPEC_ALL_OK
 * a bare value ("auto", "-1") applies to every dimension. */
enum { ZSI_DIMSPEC_WHOLE = -1, ZSI_DIMSPEC_AUTO = -2 };
enum { ZSI_DIMSPEC_AUTO_OK = 1, ZSI_DIMSPEC_ALL_OK = 2 };
typedef struct zsi_dimspec {
    zsi_strv names;
    int64_t *vals;          /* >= 1, ZSI_DIMSPEC_WHOLE or _AUTO */
    int64_t all;            /* the bare value, if all_set */
    bool all_set;
} zsi_dimspec;

/* Parse text (what names it in messages: "chunks"); out is replaced
 * only on success.  Refuses empty text, lengths < 1 other than -1, and
 * a dimension named twice, with ZS_ERR_INVALID. */
zs_status zsi_dimspec_parse(zs_ctx *ctx, const char *what, const char *text,
                            unsigned flags, zsi_dimspec *out);
void zsi_dimspec_free(zsi_dimspec *s);
bool zsi_dimspec_copy(zsi_dimspec *dst, const zsi_dimspec *src);
bool zsi_dimspec_empty(const zsi_dimspec *s);
/* The value for dimension name: 1 and *v if given (or a bare value). */
int zsi_dimspec_get(const zsi_dimspec *s, const char *name, int64_t *v);
/* The first named dimension not in dims, or NULL. */
const char *zsi_dimspec_unknown(const zsi_dimspec *s, const zsi_strv *dims);
/* "a,b,c": names, none empty, none twice; out replaced on success. */
zs_status zsi_names_parse(zs_ctx *ctx, const char *what, const char *text,
                          zsi_strv *out);
/* An option setter's list of names: text NULL empties out (back to the
 * default), anything else is parsed as zsi_names_parse does. */
zs_status zsi_names_set(zs_ctx *ctx, const char *what, const char *text,
                        zsi_strv *out);
/* A memory size ("512M", "2G", "4096"), at least min bytes. */
zs_status zsi_size_parse(zs_ctx *ctx, const char *what, const char *text,
                         uint64_t min, uint64_t *out);
/* A size for people: "880.0 KiB", "3.1 GiB", "12 B". */
void zsi_fmt_size(uint64_t b, char *buf, size_t n);
/* "4.2 s", "3 min 05 s", "2 h 10 min", "12 days". */
void zsi_fmt_duration(double secs, char *buf, size_t n);

/* ---- thread pool ---------------------------------------------------- */

/* Run fn(arg, i) for i in [0, n) on the context's pool (the calling
 * thread takes part).  Tasks are handed out in order.  The first error
 * stops handing out further tasks and is returned. */
typedef zs_status (*zsi_task_fn)(void *arg, size_t i);
zs_status zsi_parallel_for(zs_ctx *ctx, size_t n, zsi_task_fn fn, void *arg);
/* Same with at most max_workers threads (0 = pool size). */
zs_status zsi_parallel_for_n(zs_ctx *ctx, size_t n, int max_workers,
                             zsi_task_fn fn, void *arg);
/* Number of online CPUs (at least 1). */
int zsi_ncpu(void);
void zsi_pool_free(struct zsi_pool *p);

/* ---- SHA-256 -------------------------------------------------------- */

typedef struct zsi_sha256 zsi_sha256;
zs_status zsi_sha256_new(zs_ctx *ctx, zsi_sha256 **out);
void zsi_sha256_update(zsi_sha256 *h, const void *p, size_t n);
/* Finish and write 64 hex digits and a NUL; frees h. */
void zsi_sha256_final(zsi_sha256 *h, char hex[65]);
void zsi_sha256_free(zsi_sha256 *h);
/* The 16 bytes of XXH3-128 of p[0..n), big-endian (xxhash's canonical
 * form, as python-xxhash's digest()). */
void zsi_xxh128(const void *p, size_t n, uint8_t out[16]);
/* The 32 bytes of SHA-256 of p[0..n); false if OpenSSL fails. */
bool zsi_sha256_raw(const void *p, size_t n, uint8_t out[32]);

/* ---- little binary helpers ------------------------------------------ */

static inline uint32_t zsi_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t zsi_le64(const uint8_t *p)
{
    return (uint64_t)zsi_le32(p) | (uint64_t)zsi_le32(p + 4) << 32;
}
static inline void zsi_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void zsi_put_le64(uint8_t *p, uint64_t v)
{
    zsi_put_le32(p, (uint32_t)v);
    zsi_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* ZSI_UTIL_H */
