/*
 * fuzz.h - shared by the fuzz targets: the libFuzzer entry point, a
 * strict JSON checker that shares no code with the library.
 *
 * Each target is built twice: with libFuzzer (./configure --enable-fuzz
 * CC=clang, programs tests/fuzz/TARGET_lf), and in every build with
 * tests/fuzz/driver.c, a main() that runs the target over every file of
 * its corpus (tests/fuzz/corpus/<target>/) as a regression test.
 */
#ifndef ZS_FUZZ_H
#define ZS_FUZZ_H

#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write seed inputs into dir (driver option --write-seeds); 0 if the
 * target has none to write, -1 on error. */
int zs_fuzz_seeds(const char *dir);

/* Stop with a message: the fuzzer records the input as a crash. */
#define FUZZ_FAIL(...)                                                   \
    do {                                                                 \
        fprintf(stderr, "fuzz check failed at %s:%d: ", __FILE__,       \
                __LINE__);                                               \
        fprintf(stderr, __VA_ARGS__);                                    \
        fprintf(stderr, "\n");                                           \
        abort();                                                         \
    } while (0)

/* Remove a sandbox (files, folders, links; never following a link). */
static inline int fuzz_rm_one(const char *p, const struct stat *sb, int flag,
                              struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

static inline void fuzz_rm_tree(const char *path)
{
    nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- strict JSON (RFC 8259) ------------------------------------------ */

static const char *fj_value(const char *p, const char *end, int depth);

static inline const char *fj_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static inline int fj_hex4(const char *p, const char *end)
{
    int v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static inline const char *fj_string(const char *p, const char *end)
{
    if (p >= end || *p != '"')
        return NULL;
    for (p++; p < end;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20 || c >= 0x7f)   /* the writer promises ASCII */
            return NULL;
        if (c != '\\') {
            p++;
            continue;
        }
        if (++p >= end)
            return NULL;
        if (*p && strchr("\"\\/bfnrt", *p)) {
            p++;
        } else if (*p == 'u') {
            int v = fj_hex4(p + 1, end), w;
            if (v < 0 || (v >= 0xdc00 && v <= 0xdfff))
                return NULL;
            p += 5;
            if (v >= 0xd800 && v <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return NULL;
                w = fj_hex4(p + 2, end);
                if (w < 0xdc00 || w > 0xdfff)
                    return NULL;
                p += 6;
            }
        } else {
            return NULL;
        }
    }
    return NULL;
}

static inline const char *fj_digits(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    return q > p ? q : NULL;
}

static inline const char *fj_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (!(p = fj_digits(p, end)))
        return NULL;
    if (p < end && *p == '.' && !(p = fj_digits(p + 1, end)))
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p = fj_digits(p, end)))
            return NULL;
    }
    return p;
}

static inline const char *fj_word(const char *p, const char *end,
                                  const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - p) >= n && memcmp(p, w, n) == 0 ? p + n : NULL;
}

static const char *fj_value(const char *p, const char *end, int depth)
{
    if (depth > 1000)
        return NULL;
    p = fj_ws(p, end);
    if (p >= end)
        return NULL;
    switch (*p) {
    case '"': return fj_string(p, end);
    case 't': return fj_word(p, end, "true");
    case 'f': return fj_word(p, end, "false");
    case 'n': return fj_word(p, end, "null");
    case '[':
    case '{': {
        char close = *p == '[' ? ']' : '}';
        bool obj = *p == '{';
        p = fj_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                if (!(p = fj_string(fj_ws(p, end), end)))
                    return NULL;
                p = fj_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            if (!(p = fj_value(p, end, depth + 1)))
                return NULL;
            p = fj_ws(p, end);
            if (p < end && *p == close)
                return p + 1;
            if (p >= end || *p != ',')
                return NULL;
            p++;
        }
    }
    default:
        return fj_number(p, end);
    }
}

/* True if text is one valid JSON value, plain ASCII. */
static inline bool fuzz_json_ok(const void *text, size_t n)
{
    const char *p = text, *end = p + n;
    const char *q = fj_value(p, end, 0);
    return q && fj_ws(q, end) == end;
}

#endif
