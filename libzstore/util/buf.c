/* buf.c - growable buffers, strings and string lists. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

void zsi_buf_init(zsi_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void zsi_buf_free(zsi_buf *b)
{
    free(b->data);
    zsi_buf_init(b);
}

bool zsi_buf_reserve(zsi_buf *b, size_t n)
{
    size_t cap;
    uint8_t *p;
    if (n <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < n) {
        if (cap > SIZE_MAX / 2) {
            cap = n;
            break;
        }
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool zsi_buf_resize(zsi_buf *b, size_t n)
{
    if (!zsi_buf_reserve(b, n))
        return false;
    b->len = n;
    return true;
}

bool zsi_buf_append(zsi_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return true;
    if (b->len > SIZE_MAX - n || !zsi_buf_reserve(b, b->len + n))
        return false;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

bool zsi_buf_append_str(zsi_buf *b, const char *s)
{
    return zsi_buf_append(b, s, strlen(s));
}

bool zsi_buf_printf(zsi_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !zsi_buf_reserve(b, b->len + (size_t)n + 1))
        return false;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

char *zsi_buf_cstr(zsi_buf *b)
{
    if (!zsi_buf_reserve(b, b->len + 1))
        return NULL;
    b->data[b->len] = 0;
    return (char *)b->data;
}

uint8_t *zsi_buf_take(zsi_buf *b)
{
    uint8_t *p = b->data;
    zsi_buf_init(b);
    return p;
}

void zsi_buf_swap(zsi_buf *a, zsi_buf *b)
{
    zsi_buf t = *a;
    *a = *b;
    *b = t;
}

char *zsi_strdup(const char *s)
{
    return s ? zsi_strndup(s, strlen(s)) : NULL;
}

char *zsi_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *zsi_asprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(p = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

bool zsi_str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool zsi_str_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *zsi_path_join(const char *a, const char *b)
{
    if (!a || !*a)
        return zsi_strdup(b ? b : "");
    if (!b || !*b)
        return zsi_strdup(a);
    return zsi_asprintf("%s/%s", a, b);
}

void zsi_strv_free(zsi_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

bool zsi_strv_push_take(zsi_strv *s, char *str)
{
    if (!str)
        return false;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            free(str);
            return false;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return true;
}

bool zsi_strv_push(zsi_strv *s, const char *str)
{
    return zsi_strv_push_take(s, zsi_strdup(str));
}

bool zsi_strv_contains(const zsi_strv *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], str) == 0)
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void zsi_strv_sort(zsi_strv *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

bool zsi_strv_split(zsi_strv *s, const char *text, char sep)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && !zsi_strv_push_take(s, zsi_strndup(p, n)))
            return false;
        p += n;
        if (*p)
            p++;
    }
    return true;
}

bool zsi_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!s || !*s)
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool zsi_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool zsi_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s)
        return false;
    errno = 0;
    v = strtod(s, &end);
    if (*end || (errno == ERANGE && isinf(v)))
        return false;
    *out = v;
    return true;
}

bool zsi_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t mul = 1;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': mul = 1ULL << 10; end++; break;
    case 'm': case 'M': mul = 1ULL << 20; end++; break;
    case 'g': case 'G': mul = 1ULL << 30; end++; break;
    case 't': case 'T': mul = 1ULL << 40; end++; break;
    default: return false;
    }
    if (*end == 'i' && end[1] == 'B')
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end)
        return false;
    return zsi_mul_ok(v, mul, out);
}

bool zsi_key_ok(const char *key)
{
    const char *p = key, *seg = key;
    if (!key || !*key || *key == '/')
        return false;
    for (;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == 0) {
            size_t n = (size_t)(p - seg);
            if (n == 0)
                return false;
            if ((n == 1 && seg[0] == '.') ||
                (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (c == 0)
                return true;
            seg = p + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\') {
            return false;
        }
    }
}

static void fmt_finish(char *buf, size_t size)
{
    if (!strpbrk(buf, ".eEn")) {   /* n: nan/inf handled before */
        size_t n = strlen(buf);
        if (n + 3 <= size)
            memcpy(buf + n, ".0", 3);
    }
}

void zsi_fmt_double(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    fmt_finish(buf, size);
}

void zsi_fmt_float(float f, char *buf, size_t size)
{
    if (isnan(f) || isinf(f)) {
        zsi_fmt_double(f, buf, size);
        return;
    }
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, size, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    fmt_finish(buf, size);
}
