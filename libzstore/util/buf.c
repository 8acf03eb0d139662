/* buf.c - growable buffers, strings and string lists. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/zsi_util.h"

void zsi_buf_init(zsi_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->borrowed = false;
}

void zsi_buf_borrow(zsi_buf *b, void *mem, size_t cap)
{
    b->data = mem;
    b->len = 0;
    b->cap = cap;
    b->borrowed = true;
}

void zsi_buf_free(zsi_buf *b)
{
    if (!b->borrowed)
        free(b->data);
    zsi_buf_init(b);
}

bool zsi_buf_reserve(zsi_buf *b, size_t n)
{
    size_t cap;
    uint8_t *p;
    if (n <= b->cap)
        return true;
    if (b->borrowed)
        return false;
    /* the first allocation is exact (most buffers are filled once) */
    cap = b->cap ? b->cap : n > 64 ? n : 64;
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

bool zsi_buf_append_grow(zsi_buf *b, const void *p, size_t n)
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
    if (b->borrowed) {
        p = malloc(b->len ? b->len : 1);
        if (p && b->len)
            memcpy(p, b->data, b->len);
    }
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

bool zsi_str_ends_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcasecmp(s + a - b, suffix) == 0;
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

bool zsi_strv_add(zsi_strv *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!zsi_strv_contains(s, names[i]) && !zsi_strv_push(s, names[i]))
            return false;
    return true;
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

/* strtol and friends skip leading white space and take a sign where we
 * want neither. */
static bool starts_number(const char *s, bool sign)
{
    return s && ((*s >= '0' && *s <= '9') ||
                 (sign && (*s == '-' || *s == '+') && s[1] >= '0' &&
                  s[1] <= '9'));
}

bool zsi_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!starts_number(s, true))
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
    if (!starts_number(s, false))
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
    if (!s || !*s || (*s != '-' && *s != '+' && *s != '.' &&
                      !(*s >= '0' && *s <= '9') && *s != 'i' &&
                      *s != 'I' && *s != 'n' && *s != 'N'))
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
    if (!starts_number(s, false))
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

/* Render the digits of an "%.*e" text the way Python's repr does:
 * positional notation for exponents -4..15, else "d.ddde+XX". */
static void repr_style(const char *e, char *buf, size_t size)
{
    char digits[40];
    size_t nd = 0;
    int exp;
    bool neg = *e == '-';
    const char *p = e + (neg ? 1 : 0);
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd < sizeof digits - 1)
            digits[nd++] = *p;
    digits[nd] = 0;
    exp = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    if (exp >= -4 && exp < 16) {
        char out[64];
        size_t k = 0;
        if (neg)
            out[k++] = '-';
        if (exp < 0) {
            out[k++] = '0';
            out[k++] = '.';
            for (int z = 0; z < -exp - 1; z++)
                out[k++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[k++] = digits[i];
        } else {
            for (int i = 0; i <= exp; i++)
                out[k++] = (size_t)i < nd ? digits[i] : '0';
            out[k++] = '.';
            if ((size_t)exp + 1 < nd)
                for (size_t i = (size_t)exp + 1; i < nd; i++)
                    out[k++] = digits[i];
            else
                out[k++] = '0';
        }
        out[k] = 0;
        snprintf(buf, size, "%s", out);
    } else {
        snprintf(buf, size, "%s%c%s%s%se%c%02d", neg ? "-" : "", digits[0],
                 nd > 1 ? "." : "", nd > 1 ? digits + 1 : "",
                 "", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}

/* Change the last digit of an "%.*e" text by delta (carrying), so that a
 * neighbour of the correctly rounded N-digit text can be tried: the
 * shortest text that reads back is not always the nearest one (2^-24). */
static bool bump(char *e, int delta)
{
    char *p = strchr(e, 'e');
    if (!p)
        return false;
    for (--p; p >= e; p--) {
        if (*p == '.')
            continue;
        if (*p < '0' || *p > '9')
            return false;
        if (delta > 0 && *p < '9') {
            (*p)++;
            return true;
        }
        if (delta < 0 && *p > '0') {
            (*p)--;
            return true;
        }
        if (delta > 0)
            *p = '0';
        else
            *p = '9';
    }
    return false;   /* ran out of digits: no neighbour of this length */
}

/* The shortest "%.*e" text that strtod (or strtof) reads back as x. */
static void shortest(double x, bool f32, int maxd, char *e, size_t n)
{
    for (int prec = 1; prec <= maxd; prec++) {
        char c[48];
        snprintf(e, n, "%.*e", prec - 1, x);
        if (f32 ? strtof(e, NULL) == (float)x : strtod(e, NULL) == x)
            return;
        for (int delta = 1; delta >= -1; delta -= 2) {
            snprintf(c, sizeof c, "%s", e);
            if (bump(c, delta) &&
                (f32 ? strtof(c, NULL) == (float)x : strtod(c, NULL) == x)) {
                snprintf(e, n, "%s", c);
                return;
            }
        }
    }
    snprintf(e, n, "%.*e", maxd - 1, x);
}

void zsi_fmt_double(double d, char *buf, size_t size)
{
    char e[48];
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    shortest(d, false, 17, e, sizeof e);
    repr_style(e, buf, size);
}

void zsi_fmt_float(float f, char *buf, size_t size)
{
    char e[48];
    if (isnan(f) || isinf(f)) {
        zsi_fmt_double(f, buf, size);
        return;
    }
    shortest((double)f, true, 9, e, sizeof e);
    repr_style(e, buf, size);
}

/* Length of the valid UTF-8 sequence at p, or 0; *sub receives the length
 * of the maximal subpart of an invalid one (at least 1). */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *sub)
{
    unsigned c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    *sub = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    for (size_t i = 1; i < len; i++) {
        unsigned char b = i < n ? p[i] : 0;
        if (i >= n || b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf)) {
            *sub = i;
            return 0;
        }
    }
    return len;
}

size_t zsi_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t sub, l = utf8_seq(p + i, n - i, &sub);
        if (!l)
            return i;
        i += l;
    }
    return n;
}

bool zsi_utf8_sanitize(const char *s, size_t n, zsi_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t sub, l = utf8_seq(p + i, n - i, &sub);
        if (l) {
            if (!zsi_buf_append(out, p + i, l))
                return false;
            i += l;
        } else {
            if (!zsi_buf_append(out, "\xef\xbf\xbd", 3))
                return false;
            i += sub;
        }
    }
    return true;
}
