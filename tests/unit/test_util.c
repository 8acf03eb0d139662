/*
 * test_util.c - the util layer: status texts, buffers, strings and string
 * lists, number and size parsing, store keys, shortest float formatting
 * (checked against tables computed with Python 3.11 repr() and against
 * the round-trip and shortest-digits properties), typed attributes, UTF-8
 * sanitizing (against Python's bytes.decode("utf-8", "replace")), half
 * floats, key/value lists, SHA-256 and the thread pool.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/zsi_util.h"
#include "tap.h"

static zs_ctx *ctx;

#if defined(__SANITIZE_ADDRESS__)
#define ZS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZS_ASAN 1
#endif
#endif
#ifdef ZS_ASAN
/* Let malloc fail (return NULL) on huge sizes, as it does without ASan,
 * so that the out-of-memory paths can be tested. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static float bits_to_float(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* ------------------------------------------------------------------ */
/* Status codes, version, dtype names                                  */
/* ------------------------------------------------------------------ */

static void t_status(void)
{
    bool ok = true, distinct = true;
    char v[32];
    for (int i = 0; i <= ZS_ERR_INCOMPLETE; i++) {
        const char *s = zs_strerror((zs_status)i);
        if (!s || !*s || strcmp(s, "unknown status") == 0)
            ok = false;
        for (int j = 0; j < i; j++)
            if (s && strcmp(s, zs_strerror((zs_status)j)) == 0)
                distinct = false;
    }
    TAP_OK(ok, "zs_strerror has a text for every code 0..%d",
           ZS_ERR_INCOMPLETE);
    TAP_OK(distinct, "... and the texts are distinct");
    TAP_OK(strcmp(zs_strerror((zs_status)(ZS_ERR_INCOMPLETE + 1)),
                  "unknown status") == 0 &&
           strcmp(zs_strerror((zs_status)-1), "unknown status") == 0 &&
           strcmp(zs_strerror((zs_status)100000), "unknown status") == 0,
           "zs_strerror of an unknown code is \"unknown status\"");
    snprintf(v, sizeof v, "%d.%d.%d", ZS_VERSION_MAJOR, ZS_VERSION_MINOR,
             ZS_VERSION_PATCH);
    TAP_OK(strcmp(zs_version(), v) == 0, "zs_version() is %s", v);
    TAP_OK(strcmp(zs_dtype_name(ZS_DT_FLOAT32), "float32") == 0 &&
           strcmp(zs_dtype_name(ZS_DT_STRING), "string") == 0 &&
           strcmp(zs_dtype_name((zs_dtype)99), "unknown") == 0,
           "zs_dtype_name");
    TAP_OK(strcmp(zs_ctx_message(NULL), "") == 0,
           "zs_ctx_message(NULL) is \"\"");
}

/* A thread whose messages go to a buffer of its own (a read-ahead
 * transfer beside a read that fails). */
typedef struct redirected {
    char msg[ZSI_MSG_MAX];
    bool own;
} redirected;

static void *redirected_thread(void *arg)
{
    redirected *r = arg;
    r->own = zsi_ctx_redirect(ctx, r->msg);
    zsi_err(ctx, ZS_ERR_NETWORK, "http://h/a/5.0.0: HTTP 403 Forbidden");
    zsi_err_prefix(ctx, ZS_ERR_NETWORK, "v");
    zsi_ctx_redirect(ctx, NULL);
    return NULL;
}

static void t_redirect(void)
{
    redirected r;
    pthread_t t;
    memset(&r, 0, sizeof r);
    zsi_err(ctx, ZS_ERR_CORRUPT, "v/1.0.0: blosc: corrupt header");
    TAP_OK(pthread_create(&t, NULL, redirected_thread, &r) == 0 &&
               pthread_join(t, NULL) == 0 && r.own,
           "zsi_ctx_redirect: a thread takes a buffer of its own");
    TAP_OK(strcmp(r.msg, "v: http://h/a/5.0.0: HTTP 403 Forbidden") == 0,
           "... its zsi_err and zsi_err_prefix go there (%s)", r.msg);
    TAP_OK(strcmp(zs_ctx_message(ctx), "v/1.0.0: blosc: corrupt header") ==
               0,
           "... and leave the context's message alone (%s)",
           zs_ctx_message(ctx));
    zsi_err(ctx, ZS_ERR_IO, "after");
    TAP_OK(strcmp(zs_ctx_message(ctx), "after") == 0 && r.msg[0] == 'v',
           "... until it gives it back: other threads write the context's");
}

/* ------------------------------------------------------------------ */
/* Buffers                                                             */
/* ------------------------------------------------------------------ */

static void t_buf(void)
{
    zsi_buf b = ZSI_BUF_INIT, c = ZSI_BUF_INIT;
    bool ok = true;
    uint8_t *taken;
    TAP_OK(zsi_buf_append(&b, NULL, 0) && b.len == 0 && b.data == NULL,
           "appending 0 bytes to an empty buffer allocates nothing");
    TAP_OK(zsi_buf_append_str(&b, "abc") && b.len == 3 &&
           memcmp(b.data, "abc", 3) == 0, "append_str");
    TAP_OK(zsi_buf_printf(&b, "-%d-%s", 42, "x") && b.len == 8 &&
           strcmp(zsi_buf_cstr(&b), "abc-42-x") == 0 && b.len == 8,
           "printf appends; cstr terminates without counting the NUL");
    {
        char big[300];
        memset(big, 'q', sizeof big - 1);
        big[sizeof big - 1] = 0;
        ok = zsi_buf_printf(&b, "%s", big) && b.len == 8 + 299 &&
             b.data[8] == 'q' && b.data[8 + 298] == 'q';
        TAP_OK(ok, "printf longer than the initial capacity");
    }
    ok = true;
    b.len = 0;
    for (size_t i = 0; i < (1u << 20) && ok; i++) {
        uint8_t x = (uint8_t)(i * 7);
        ok = zsi_buf_append(&b, &x, 1);
    }
    for (size_t i = 0; i < (1u << 20) && ok; i++)
        ok = b.data[i] == (uint8_t)(i * 7);
    TAP_OK(ok && b.len == 1u << 20 && b.cap >= b.len,
           "1 MiB appended byte by byte");
    TAP_OK(zsi_buf_resize(&b, 5) && b.len == 5 && b.data[4] == 28,
           "resize down keeps the data");
    TAP_OK(zsi_buf_reserve(&b, 3) && b.len == 5,
           "reserve below the length is a no-op");
    TAP_OK(!zsi_buf_reserve(&c, SIZE_MAX) && c.data == NULL,
           "reserve of SIZE_MAX fails cleanly");
    TAP_OK(!zsi_buf_append(&b, "x", SIZE_MAX) && b.len == 5,
           "append of SIZE_MAX bytes fails without overflow");
    zsi_buf_append(&c, "zz", 2);
    zsi_buf_swap(&b, &c);
    TAP_OK(b.len == 2 && c.len == 5 && b.data[0] == 'z', "swap");
    taken = zsi_buf_take(&c);
    TAP_OK(taken && taken[4] == 28 && c.data == NULL && c.len == 0 &&
           c.cap == 0, "take hands the data over and empties the buffer");
    free(taken);
    zsi_buf_free(&b);
    zsi_buf_free(&b);
    TAP_OK(b.data == NULL && b.len == 0, "free twice is harmless");
    TAP_OK(strcmp(zsi_buf_cstr(&b), "") == 0, "cstr of an empty buffer");
    zsi_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Strings and string lists                                            */
/* ------------------------------------------------------------------ */

static bool join_is(char *s, const char *want)
{
    bool ok = s && strcmp(s, want) == 0;
    free(s);
    return ok;
}

static void t_strings(void)
{
    zsi_strv v = {0};
    char *s;
    TAP_OK(zsi_strdup(NULL) == NULL, "strdup(NULL) is NULL");
    s = zsi_strndup("abcdef", 3);
    TAP_OK(s && strcmp(s, "abc") == 0, "strndup");
    free(s);
    s = zsi_asprintf("%s=%05.1f", "x", 2.25);
    TAP_OK(s && strcmp(s, "x=002.2") == 0, "asprintf");
    free(s);
    TAP_OK(zsi_str_starts("abc", "ab") && zsi_str_starts("abc", "") &&
           !zsi_str_starts("ab", "abc") && zsi_str_ends("abc", "bc") &&
           zsi_str_ends("abc", "") && !zsi_str_ends("c", "bc"),
           "str_starts / str_ends");
    TAP_OK(join_is(zsi_path_join("", "b"), "b") &&
           join_is(zsi_path_join("a", ""), "a") &&
           join_is(zsi_path_join("a", "b"), "a/b") &&
           join_is(zsi_path_join(NULL, "b"), "b") &&
           join_is(zsi_path_join("a", NULL), "a") &&
           join_is(zsi_path_join("", ""), ""), "path_join");
    TAP_OK(zsi_strv_split(&v, "a,,b,", ',') && v.n == 2 &&
           strcmp(v.v[0], "a") == 0 && strcmp(v.v[1], "b") == 0,
           "split skips empty items");
    TAP_OK(zsi_strv_split(&v, ",c", ',') && v.n == 3 &&
           strcmp(v.v[2], "c") == 0, "split appends");
    TAP_OK(zsi_strv_split(&v, "", ',') && v.n == 3, "split of \"\"");
    TAP_OK(zsi_strv_contains(&v, "b") && !zsi_strv_contains(&v, "B") &&
           !zsi_strv_contains(&v, ""), "contains");
    zsi_strv_push(&v, "B");
    zsi_strv_push(&v, "");
    zsi_strv_push(&v, "aa");
    zsi_strv_sort(&v);
    TAP_OK(v.n == 6 && strcmp(v.v[0], "") == 0 && strcmp(v.v[1], "B") == 0
           && strcmp(v.v[2], "a") == 0 && strcmp(v.v[3], "aa") == 0 &&
           strcmp(v.v[5], "c") == 0, "sort is bytewise");
    TAP_OK(!zsi_strv_push_take(&v, NULL) && v.n == 6,
           "push_take(NULL) fails and adds nothing");
    for (int i = 0; i < 1000; i++)
        zsi_strv_push_take(&v, zsi_asprintf("k%04d", 999 - i));
    zsi_strv_sort(&v);
    TAP_OK(v.n == 1006 && strcmp(v.v[6], "k0000") == 0 &&
           strcmp(v.v[1005], "k0999") == 0, "1000 pushes and a sort");
    zsi_strv_free(&v);
    zsi_strv_free(&v);
    TAP_OK(v.n == 0 && v.v == NULL, "strv_free twice is harmless");
}

/* ------------------------------------------------------------------ */
/* Parsing numbers and sizes                                           */
/* ------------------------------------------------------------------ */

static void t_parse(void)
{
    static const struct { const char *s; bool ok; uint64_t v; } sizes[] = {
        {"4096", true, 4096}, {"0", true, 0}, {"1k", true, 1024},
        {"1K", true, 1024}, {"512M", true, 512ULL << 20},
        {"2G", true, 2ULL << 30}, {"3T", true, 3ULL << 40},
        {"1KiB", true, 1024}, {"1MB", true, 1ULL << 20},
        {"16777215T", true, 16777215ULL << 40},
        {"18446744073709551615", true, UINT64_MAX},
        {"16777216T", false, 0}, {"18446744073709551616", false, 0},
        {"", false, 0}, {"-1", false, 0}, {"-1K", false, 0},
        {"1.5G", false, 0}, {"G", false, 0}, {"1X", false, 0},
        {"1 ", false, 0}, {"1GG", false, 0}, {"1Gi", false, 0},
        {"1GiBx", false, 0}, {"0x10", false, 0}, {"1e3", false, 0},
    };
    static const struct { const char *s; bool ok; int64_t v; } ints[] = {
        {"0", true, 0}, {"-0", true, 0}, {"42", true, 42},
        {"-42", true, -42}, {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, 0},
        {"-9223372036854775809", false, 0}, {"", false, 0},
        {"1.0", false, 0}, {"1e3", false, 0}, {"0x10", false, 0},
        {"12a", false, 0}, {"1 ", false, 0}, {"-", false, 0},
        {"99999999999999999999999", false, 0},
    };
    static const struct { const char *s; bool ok; uint64_t v; } uints[] = {
        {"0", true, 0}, {"18446744073709551615", true, UINT64_MAX},
        {"18446744073709551616", false, 0}, {"-1", false, 0},
        {"-0", false, 0}, {"", false, 0}, {"1.5", false, 0},
        {"1 ", false, 0},
    };
    static const struct { const char *s; bool ok; double v; } dbls[] = {
        {"0", true, 0}, {"0.1", true, 0.1}, {"-2.5e-3", true, -2.5e-3},
        {"1e308", true, 1e308}, {"1.7976931348623157e308", true, DBL_MAX},
        {"4.9e-324", true, 4.9e-324}, {"1e-400", true, 0},
        {"1e309", false, 0}, {"-1e309", false, 0}, {"", false, 0},
        {"1.0x", false, 0}, {".", false, 0}, {"e5", false, 0},
        {"1 ", false, 0}, {"--1", false, 0},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t v = 12345;
        bool r = zsi_parse_size(sizes[i].s, &v);
        if (r != sizes[i].ok || (r && v != sizes[i].v)) {
            TAP_DIAG("parse_size('%s') = %d, %llu", sizes[i].s, r,
                     (unsigned long long)v);
            ok = false;
        }
    }
    TAP_OK(ok, "zsi_parse_size: %zu cases (units, overflow, junk)",
           sizeof sizes / sizeof sizes[0]);
    ok = true;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int64_t v = 12345;
        bool r = zsi_parse_i64(ints[i].s, &v);
        if (r != ints[i].ok || (r && v != ints[i].v)) {
            TAP_DIAG("parse_i64('%s') = %d, %lld", ints[i].s, r,
                     (long long)v);
            ok = false;
        }
    }
    TAP_OK(ok, "zsi_parse_i64: %zu cases (limits, junk)",
           sizeof ints / sizeof ints[0]);
    ok = true;
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
        uint64_t v = 12345;
        bool r = zsi_parse_u64(uints[i].s, &v);
        if (r != uints[i].ok || (r && v != uints[i].v)) {
            TAP_DIAG("parse_u64('%s') = %d, %llu", uints[i].s, r,
                     (unsigned long long)v);
            ok = false;
        }
    }
    TAP_OK(ok, "zsi_parse_u64: %zu cases", sizeof uints / sizeof uints[0]);
    ok = true;
    for (size_t i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
        double v = 12345;
        bool r = zsi_parse_double(dbls[i].s, &v);
        if (r != dbls[i].ok || (r && v != dbls[i].v)) {
            TAP_DIAG("parse_double('%s') = %d, %g", dbls[i].s, r, v);
            ok = false;
        }
    }
    TAP_OK(ok, "zsi_parse_double: %zu cases (overflow refused, underflow "
           "to 0 accepted)", sizeof dbls / sizeof dbls[0]);
    {
        int64_t i = 7;
        uint64_t u = 7;
        double d = 7;
        TAP_OK(!zsi_parse_i64(NULL, &i) && !zsi_parse_u64(NULL, &u) &&
               !zsi_parse_double(NULL, &d) && !zsi_parse_size(NULL, &u) &&
               i == 7 && u == 7 && d == 7,
               "NULL is refused and the output untouched");
    }
}

/* The parsers refuse leading white space: strtoll/strtoull/strtod skip
 * it, and strtoull once negated " -1" into 18446744073709551615. */
static void t_parse_space(void)
{
    uint64_t u = 0;
    int64_t i = 0;
    double d = 0;
    TAP_OK(!zsi_parse_u64(" -1", &u), "zsi_parse_u64(\" -1\") is refused");
    TAP_OK(!zsi_parse_size(" -1", &u), "zsi_parse_size(\" -1\") is "
           "refused");
    TAP_OK(!zsi_parse_size(" 2G", &u) && !zsi_parse_u64("\t1", &u),
           "sizes with leading white space are refused");
    TAP_OK(!zsi_parse_i64(" 1", &i) && !zsi_parse_i64("\n-1", &i),
           "zsi_parse_i64 refuses leading white space");
    TAP_OK(!zsi_parse_double(" 1.5", &d),
           "zsi_parse_double refuses leading white space");
}

/* An option's list of names: NULL is the default (empty), "" refused,
 * a refusal leaves what was set. */
static void t_names_set(void)
{
    zsi_strv v = {0};
    zs_status st = zsi_names_set(ctx, "variables", "a,b", &v);
    TAP_OK(st == ZS_OK && v.n == 2 && !strcmp(v.v[1], "b"),
           "zsi_names_set: \"a,b\" sets two names");
    st = zsi_names_set(ctx, "variables", "c,c", &v);
    TAP_OK(st == ZS_ERR_INVALID && v.n == 2 &&
           strstr(zs_ctx_message(ctx), "variables 'c,c': 'c' given twice"),
           "zsi_names_set: a name twice is refused, naming what the "
           "list was for, and the list stays");
    st = zsi_names_set(ctx, "variables", "", &v);
    TAP_OK(st == ZS_ERR_INVALID && v.n == 2,
           "zsi_names_set: an empty text is refused");
    st = zsi_names_set(ctx, "variables", NULL, &v);
    TAP_OK(st == ZS_OK && v.n == 0, "zsi_names_set: NULL empties the list");
    zsi_strv_free(&v);
}

/* ------------------------------------------------------------------ */
/* Store keys                                                          */
/* ------------------------------------------------------------------ */

static void t_key_ok(void)
{
    static const char *const good[] = {
        "a", "a/b", "t2m/0.0.0", ".zarray", "g/.zattrs", "...", "..a",
        "a..", ".a/.b", "with space", "\xc3\xa9", "%2F", "#", "a+b=c,d",
        "0", "c/0/0", "~", "a:b", "zarr.json", "a/b/c/d/e/f/g/h",
    };
    static const char *const bad[] = {
        "", "/", "/a", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b",
        "../a", "a/..", "a/../b", "a\\b", "\\", "a\x01", "\x1f",
        "a\x7f", "a\tb", "a\nb", "//a", "a/b/",
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!zsi_key_ok(good[i])) {
            TAP_DIAG("refused: '%s'", good[i]);
            ok = false;
        }
    TAP_OK(ok, "zsi_key_ok accepts %zu valid keys",
           sizeof good / sizeof good[0]);
    ok = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (zsi_key_ok(bad[i])) {
            TAP_DIAG("accepted: '%s'", bad[i]);
            ok = false;
        }
    TAP_OK(ok && !zsi_key_ok(NULL), "zsi_key_ok refuses %zu invalid keys "
           "and NULL", sizeof bad / sizeof bad[0]);
    ok = true;
    for (int c = 1; c < 256; c++) {
        char k[4] = {'a', (char)c, 'b', 0};
        bool want = !(c < 0x20 || c == 0x7f || c == '\\');
        if (zsi_key_ok(k) != want) {
            TAP_DIAG("byte 0x%02x: %d", c, !want);
            ok = false;
        }
    }
    TAP_OK(ok, "zsi_key_ok: every byte inside a segment (only control "
           "characters and \\ refused)");
}

/* ------------------------------------------------------------------ */
/* Shortest float formatting                                           */
/* ------------------------------------------------------------------ */

/* Tables generated with Python 3.11 (random.seed(20260101)):
 * py_doubles: bits and repr(value); py_floats: bits and the shortest
 * text that reads back as the float32, in repr style; py_utf8: bytes and
 * bytes.decode("utf-8", "replace").encode("utf-8"). */
static const struct { uint64_t bits; const char *repr; } py_doubles[] = {
    {0x3fb999999999999aULL, "0.1"},
    {0x4341c37937e08000ULL, "1e+16"},
    {0x3ee4f8b588e368f1ULL, "1e-05"},
    {0x0000000000000001ULL, "5e-324"},
    {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
    {0x8000000000000000ULL, "-0.0"},
    {0x0000000000000000ULL, "0.0"},
    {0x4059000000000000ULL, "100.0"},
    {0x3ff0000000000000ULL, "1.0"},
    {0xbff0000000000000ULL, "-1.0"},
    {0x430c6bf526340000ULL, "1000000000000000.0"},
    {0x4341c37937e07fffULL, "9999999999999998.0"},
    {0x3f1a36e2eb1c432dULL, "0.0001"},
    {0x3f1a36e2eb1c432dULL, "0.0001"},
    {0x3f1a36e2eb1c432cULL, "9.999999999999999e-05"},
    {0x437b69b4ba630f35ULL, "1.2345678901234568e+17"},
    {0x0010000000000000ULL, "2.2250738585072014e-308"},
    {0x000fffffffffffffULL, "2.225073858507201e-308"},
    {0x3fd5555555555555ULL, "0.3333333333333333"},
    {0x3fe5555555555555ULL, "0.6666666666666666"},
    {0xbff8000000000000ULL, "-1.5"},
    {0x4480f0cf064dd592ULL, "1e+22"},
    {0x44b52d02c7e14af6ULL, "1e+23"},
    {0x00005c0ab9347ed7ULL, "5e-310"},
    {0x0000000000000001ULL, "5e-324"},
    {0x3fd3333333333333ULL, "0.3"},
    {0x54b249ad2594c37dULL, "1e+100"},
    {0x40c81cd6e631f8a1ULL, "12345.6789"},
    {0x7ff8000000000000ULL, "NaN"},
    {0x7ff0000000000000ULL, "Infinity"},
    {0xfff0000000000000ULL, "-Infinity"},
    {0x400921fb54442d18ULL, "3.141592653589793"},
    {0x4005bf0a8b145769ULL, "2.718281828459045"},
    {0x3e7ad7f29abcaf48ULL, "1e-07"},
    {0x3c36b082c2148b8eULL, "1.23e-18"},
    {0x40effc0000000000ULL, "65504.0"},
    {0x444b1ae4d6e2ef50ULL, "1e+21"},
    {0x4c3ef45902dd2125ULL, "1.9430444023105684e+59"},
    {0xe1eca2291aa5148cULL, "-5.1527750737935496e+163"},
    {0xb7b3ff7b623dd8dfULL, "-2.2956551102763256e-40"},
    {0xe52fec142d752a6aULL, "-2.5871405249041865e+179"},
    {0x43c243ee094546ceULL, "2.6323144794134026e+18"},
    {0x3c8f10fb4e764bd0ULL, "5.38915e-17"},
    {0x45a909e7c0bd88f6ULL, "3.87455e+27"},
    {0x3e58f65c908c6661ULL, "2.3248e-08"},
    {0x41f8596312000000ULL, "6536180000.0"},
    {0x3aee2e33a02973adULL, "7.801470000000001e-25"},
    {0xc12acb2440b6cd3dULL, "-877970.1263946664"},
    {0x41118a614ee38494ULL, "287384.32703978685"},
    {0x3f157fb6470e0157ULL, "8.20117e-05"},
    {0x3f4710d336f432eeULL, "0.0007039100000000001"},
    {0x408d2a9b9628cbd1ULL, "933.32597"},
    {0xc24d025b749fc882ULL, "-249187199295.56647"},
    {0xf12ac1f09a181998ULL, "-1.3612359104383144e+237"},
    {0x4089406a7ef9db23ULL, "808.052"},
    {0xc1189866d29e6868ULL, "-402969.70568240294"},
    {0x68ceb6fbfc188d19ULL, "7.174879803287181e+196"},
    {0x42c78eafaac80000ULL, "51803200000000.0"},
    {0x412adad0dfd33d4cULL, "879976.437158504"},
    {0x3b3070193f9f2f14ULL, "1.35971e-23"},
    {0x4114b4129fd49ca8ULL, "339204.6560844877"},
    {0x3d6ff836222a8e19ULL, "9.0863e-13"},
    {0x4649d7bb7d20f1deULL, "4.09494e+30"},
    {0x4128f275c2311172ULL, "817466.8792806102"},
    {0x6757d34297d3c89bULL, "6.634595906950871e+189"},
    {0xde42a8dbfc90d5c5ULL, "-1.1650120051080277e+146"},
    {0x405865c28f5c28f6ULL, "97.59"},
    {0x790c080efda1e09aULL, "1.2131431971523641e+275"},
    {0xafe721702833c45bULL, "-6.24249727004436e-78"},
    {0x407e40c562e09fe8ULL, "484.04819"},
    {0x41092f6800000000ULL, "206317.0"},
    {0x7ce4baba915bb3b9ULL, "4.137259067136926e+293"},
    {0x3c31c5c5ffaeb168ULL, "9.634519999999999e-19"},
    {0x3b9254db4a5fd6d6ULL, "9.7046e-22"},
    {0x411edd2de1457544ULL, "505675.469991524"},
    {0x412562cefd0f9546ULL, "700775.4942595146"},
    {0x4085c26666666666ULL, "696.3"},
    {0x41124fe0d555c7c8ULL, "300024.20833503874"},
    {0x40800e72e48e8a72ULL, "513.8061"},
    {0x3bc1b8a3a336daf7ULL, "7.50524e-21"},
    {0x4087c91eb851eb85ULL, "761.14"},
    {0x40dc303cac2fbd00ULL, "28864.94800942857"},
    {0x411d429fa2b7e010ULL, "479399.9089045534"},
    {0xccbc0789cfe9faccULL, "-4.504158409582826e+61"},
    {0x40461381d7dbf488ULL, "44.1524"},
    {0x407dd851eb851eb8ULL, "477.52"},
    {0x4040b70a3d70a3d7ULL, "33.43"},
    {0x408639e353f7ced9ULL, "711.236"},
    {0x4a056debf7ca21d9ULL, "3.9148845798258836e+48"},
    {0xe14af0e92a5067fdULL, "-4.734589713509313e+160"},
    {0x995fe164fe007fe9ULL, "-1.8317538066141558e-186"},
    {0x42558af316600000ULL, "370102000000.0"},
    {0x407d480624dd2f1bULL, "468.5015"},
    {0x4123a31db57035bcULL, "643470.8543717186"},
    {0x3dbf22b21ffb4f39ULL, "2.83176e-11"},
    {0x112523346e03492aULL, "4.461360020883168e-226"},
    {0x40ef2ae7542ce1a0ULL, "63831.229025307344"},
    {0x3ee20d2ce90919e2ULL, "8.60761e-06"},
    {0xf4c7c51ed4c73257ULL, "-3.4854235889688556e+254"},
    {0xc12a3a6686c47b6cULL, "-859443.2632177896"},
    {0x411c04062d8261f0ULL, "459009.5444426825"},
    {0xefefd5b4ce28a129ULL, "-1.5445027383115682e+231"},
    {0xa5f6137a0927a1efULL, "-8.153119304726142e-126"},
    {0x40451119ce075f70ULL, "42.1336"},
    {0xc113c7fb4eb56110ULL, "-324094.82686378155"},
    {0x429e40248d9a0000ULL, "8315210000000.0"},
    {0x41258acd00b12c38ULL, "705894.5013517207"},
    {0x4d19a0b16ca5cfbcULL, "2.6356568203450043e+63"},
    {0x40fb80b0438bb3b0ULL, "112651.016490652"},
    {0x4015911c6d1e108cULL, "5.39171"},
    {0x40883a083126e979ULL, "775.254"},
    {0x42d566c458c74000ULL, "94124500000000.0"},
    {0x412507622cbf41bcULL, "689073.0873966734"},
    {0x3fe99b3f20a73f74ULL, "0.8002009999999999"},
    {0xadf087ab7cee04d2ULL, "-2.077366293079166e-87"},
    {0xc0fa1b4a16f04e60ULL, "-106932.63060026756"},
    {0x45263403bc565cf1ULL, "1.3421e+25"},
    {0x4069400000000000ULL, "202.0"},
    {0x3f4eb826f8675a57ULL, "0.00093748"},
    {0x4039970a3d70a3d7ULL, "25.59"},
    {0xc1117151028ffd22ULL, "-285780.2525023987"},
    {0xc1295441cdc2c04aULL, "-829984.9018764582"},
    {0x45e2a7062f8cc7b7ULL, "4.618120000000001e+28"},
    {0xc1274588fb006055ULL, "-762564.4902372459"},
    {0x4080c84a2339c0ecULL, "537.0362"},
    {0xea62fd22ee859714ULL, "-2.9767675294746624e+204"},
    {0x4360e37cd9fc2200ULL, "3.80298e+16"},
    {0xb6b59b3640ca621aULL, "-3.784608778288451e-45"},
    {0x457f88afece50c27ULL, "6.09955e+26"},
    {0xfeabfdd6437c5c0aULL, "-1.4996593726764213e+302"},
    {0x403842d0e5604189ULL, "24.261"},
    {0x40699dc7f77af640ULL, "204.93066"},
    {0x41216d7c00000000ULL, "571070.0"},
    {0xc10b0b117de38ab0ULL, "-221538.1864691577"},
    {0x4080300000000000ULL, "518.0"},
    {0x1be92eedbeb22e6eULL, "3.1818918955908905e-174"},
    {0x3cda9e16c2d26e63ULL, "1.4775699999999999e-15"},
    {0xc1180733190f1354ULL, "-393676.77447157097"},
    {0x407dce1b328b6d87ULL, "476.88164"},
    {0x4046733333333333ULL, "44.9"},
    {0x458b30c2087a455eULL, "1.05188e+27"},
    {0x4088433333333333ULL, "776.4"},
    {0xe26c6efd43d51a70ULL, "-1.3099018178157313e+166"},
    {0x4115e4bb64d274b0ULL, "358702.8484590752"},
    {0x404d99999999999aULL, "59.2"},
    {0xa80b36761792710aULL, "-8.633043742263312e-116"},
    {0x40742b9e1b089a02ULL, "322.7261"},
    {0x44150bc49c457bfeULL, "9.70574e+19"},
    {0x408d210a3d70a3d7ULL, "932.13"},
    {0x40869df9db22d0e5ULL, "723.747"},
    {0xe271a6aaa1305a8eULL, "-1.6263272919182747e+166"},
    {0xc124a3138b9c6c1eULL, "-676233.7726777827"},
    {0x40412147ae147ae1ULL, "34.26"},
    {0x467ae397ba4342edULL, "3.40859e+31"},
    {0x411a442000000000ULL, "430344.0"},
    {0xc12e841b574d777fULL, "-999949.6705128996"},
    {0x8c74b258d5b924cbULL, "-1.156282688541445e-248"},
    {0x412e70b43d52433eULL, "997466.1197682393"},
    {0x12b04ac11c568fb4ULL, "1.153819306390799e-218"},
    {0x3f8343e8b80fd159ULL, "0.00940687"},
    {0xdea43ecb51f0f752ULL, "-8.089690169991138e+147"},
    {0xd4e40e78f947657cULL, "-8.77373344878575e+100"},
    {0x407d4097cc39ffd6ULL, "468.03706"},
    {0x3bb4c4f0bcb58845ULL, "4.39807e-21"},
    {0xc1275b3ce4ac912aULL, "-765342.4466290821"},
    {0x408cb71eb851eb85ULL, "918.89"},
    {0x406dd5b107746888ULL, "238.67786"},
    {0xad8f87d0227b5494ULL, "-3.0957253577951173e-89"},
    {0x4128b7ce0aff6a86ULL, "809959.0214799203"},
    {0x412513efbafec4b4ULL, "690679.8652249784"},
    {0xc0fc5e8ce1e51340ULL, "-116200.80515010376"},
    {0xd58fbced7cea3ba5ULL, "-1.421700317828732e+104"},
    {0x4089c8651c193b3aULL, "825.04937"},
    {0x96549daeb3cbf185ULL, "-4.208295174364192e-201"},
    {0x42e0e8e75ba50000ULL, "148740000000000.0"},
    {0x437a1113894c3200ULL, "1.17394e+17"},
    {0xb8f392adb4203a46ULL, "-2.356009722204446e-34"},
    {0xc1061de44e991b3cULL, "-181180.53837796475"},
    {0x4081e13bb2fec56dULL, "572.15415"},
    {0xcb99e950a6eba3a9ULL, "-1.588363395420705e+56"},
    {0xc0ec754fa0627ed0ULL, "-58282.48832821625"},
    {0x9a02638493c8d8eeULL, "-2.163837595819736e-183"},
    {0x02a5fa3d7fa2e6b4ULL, "6.720979602588694e-296"},
    {0x407a07a7c5ac471bULL, "416.47846"},
    {0x9b322f922cd8a830ULL, "-1.1219553028586315e-177"},
    {0x865245faa5893e05ULL, "-3.2213827288657036e-278"},
    {0x425aa90003200000ULL, "458018000000.0"},
    {0x4113609000000000ULL, "317476.0"},
    {0x4082c80000000000ULL, "601.0"},
    {0x054624b0786d1cb1ULL, "2.978220032145363e-283"},
    {0x412dcbed934f90dcULL, "976374.7877164143"},
    {0xc12aa58cc88ca528ULL, "-873158.3916980373"},
    {0x406ab89374bc6a7fULL, "213.768"},
    {0xc1270d9f5760d5e4ULL, "-755407.6706606713"},
    {0x3f4b7fd431d723cfULL, "0.000839213"},
    {0xbc01cdb6321a0b8aULL, "-1.2064162423979934e-19"},
    {0x5f883595211cbc95ULL, "1.584930348957005e+152"},
    {0x40837eae147ae148ULL, "623.835"},
    {0x4226bcb10bc00000ULL, "48827500000.0"},
    {0x407e94a3d70a3d71ULL, "489.29"},
    {0x2ad574c307dbd691ULL, "2.3949270343438813e-102"},
    {0x411e60f463188bc8ULL, "497725.09677332314"},
    {0x41170477c55b0018ULL, "377117.94272995135"},
    {0x411d3d0d81f4a14cULL, "479043.37690975214"},
    {0xea2866b0285acbf9ULL, "-2.3907653247808775e+203"},
    {0x3c5d5d3a6e9be4dbULL, "6.36734e-18"},
    {0x3f1568cec9c7ccc2ULL, "8.16704e-05"},
    {0x440c313fbfd11630ULL, "6.50072e+19"},
    {0xc1276aa382f1c22cULL, "-767313.7557507209"},
    {0x4104db770b8f4d60ULL, "170862.8806444211"},
    {0xc22120abe5360973ULL, "-36781290139.018456"},
    {0x4083e692bd3c3611ULL, "636.82165"},
    {0xc1286233884e79ccULL, "-799001.7662237226"},
    {0x3cc4cb4e5a3f36dcULL, "5.77154e-16"},
    {0x4078924c985f06f7ULL, "393.1437"},
    {0x412e08a26730e63aULL, "984145.2015449472"},
    {0x1aff5f0c4535e3ecULL, "1.2096363716672211e-178"},
    {0x40e9b6bc998ffea0ULL, "52661.8937454198"},
    {0x4057aef5ec80c73bULL, "94.73376"},
    {0x3c963df8a3e18ffcULL, "7.71677e-17"},
    {0x40dc330243187dc0ULL, "28876.03534519463"},
    {0x4129964e8794cd2eULL, "838439.2648071402"},
    {0x5e762d04cc2b8f3aULL, "1.1076390639329417e+147"},
    {0x4121fc9b2b3e9c0eULL, "589389.5844620483"},
    {0x408d54ed527e5215ULL, "938.61588"},
    {0xc12d4803b2be3afbULL, "-959489.8491075927"},
    {0x407cd9999999999aULL, "461.6"},
    {0x46fe5b1fbe4e71aeULL, "9.851069999999999e+33"},
    {0x4083e80000000000ULL, "637.0"},
    {0x3aec46f55784dfc5ULL, "7.309480000000001e-25"},
    {0x3fa4d72af4a0506dULL, "0.0407041"},
    {0xf1c16b61747ca078ULL, "-9.07446739520356e+239"},
    {0x4124482f5dd9eddcULL, "664599.6833032924"},
    {0x40f69694cccccccdULL, "92521.3"},
    {0x406e987ae147ae14ULL, "244.765"},
    {0x407bd00000000000ULL, "445.0"},
    {0x408570c28f5c28f6ULL, "686.095"},
    {0xb385868ce4e5d756ULL, "-1.674425738654407e-60"},
    {0xf22b97c536652c2aULL, "-9.199477093632231e+241"},
    {0xf3599351919560f4ULL, "-4.470539786856505e+247"},
    {0x81743d0f24694a09ULL, "-1.1804917015122673e-301"},
    {0x3ee519febff53430ULL, "1.0062e-05"},
    {0x1c37173e69e01115ULL, "9.336012058384234e-173"},
    {0x420008a222000000ULL, "8608040000.0"},
    {0x4117e3fe4e707bc8ULL, "391423.5766009656"},
    {0x408b13e666666666ULL, "866.4875"},
    {0xf75507591b379646ULL, "-6.780608523845398e+266"},
    {0x408d328b1465e892ULL, "934.31791"},
    {0x09fd3c070a05eb40ULL, "1.4854538810954849e-260"},
    {0xc122b681abcc2533ULL, "-613184.8355418801"},
    {0xc0fa37c680bd0890ULL, "-107388.40643027634"},
    {0x403d000000000000ULL, "29.0"},
    {0x8d650d281e55945dULL, "-3.85384614556661e-244"},
    {0x4475f85f5bddbc58ULL, "6.48446e+21"},
    {0x3be5b0b7993e8851ULL, "3.67448e-20"},
    {0xc12a0da84323a818ULL, "-853716.1311314134"},
    {0x408296ea4a8c154dULL, "594.8644"},
    {0x3d5b6b8167b27985ULL, "3.896608307431656e-13"},
    {0x41179179d6a61210ULL, "386142.4596178839"},
    {0x42f5b2069b7b271cULL, "381669747438193.75"},
    {0x3bd51069e2e51699ULL, "1.7842e-20"},
    {0x3b4e8c19221b24d5ULL, "5.05362e-23"},
    {0x54ca9bd8cde6b0bbULL, "2.9100033303134327e+100"},
    {0x40852fa7bb2fec57ULL, "677.9569"},
    {0x4089240000000000ULL, "804.5"},
    {0x3d0313698e0411fcULL, "8.47137e-15"},
    {0x41218722eb3d0200ULL, "574353.4594498277"},
    {0x3f0099e2311082d5ULL, "3.16641e-05"},
    {0x45f53f7cee2e732bULL, "1.05215e+29"},
    {0x4064cfbc01a36e2fULL, "166.4917"},
    {0x4070d0c083126e98ULL, "269.047"},
    {0x4085f33333333333ULL, "702.4"},
    {0xc0f2108f083d6900ULL, "-73992.93951169029"},
    {0xb756d883cd85059eULL, "-4.0977574422573535e-42"},
    {0x83f657ab0f813b2bULL, "-1.4328972558601165e-289"},
    {0xc12782ab83969f6bULL, "-770389.7570085352"},
    {0x4108e0dfbb7667a8ULL, "203803.9665344332"},
    {0x5a212a0cad451b97ULL, "1.4523563308109624e+126"},
    {0x408f3d2bb44e50c6ULL, "999.64634"},
    {0x407b57d70a3d70a4ULL, "437.49"},
    {0x42c11ba92ba90000ULL, "37621000000000.0"},
    {0x4370a9ad8dc05900ULL, "7.50426e+16"},
    {0x69484e66475ec367ULL, "1.45353361095059e+199"},
    {0x40898ff280f12c28ULL, "817.99341"},
    {0x3fdf8887229e9079ULL, "0.492708"},
    {0xe9d703e70a75561eULL, "-7.0468122171855e+201"},
    {0xc113cfa29a6a6da6ULL, "-324584.6507966168"},
    {0x40f0063000000000ULL, "65635.0"},
    {0x957c33ee87bd3734ULL, "-3.5137923521840666e-205"},
    {0x4120c73093093f82ULL, "549784.2871799322"},
    {0x4045a7d21ff2e48fULL, "43.3111"},
    {0x409d85999999999aULL, "1889.4"},
    {0x408c44a5e353f7cfULL, "904.581"},
    {0x40853d76501e2585ULL, "679.68277"},
    {0x412504f5f5314c34ULL, "688762.9788917364"},
    {0xc0e40d15afb8e990ULL, "-41064.67770047777"},
    {0xdd9db9030cfcfaf1ULL, "-9.061211365137731e+142"},
    {0x407ca5eb851eb852ULL, "458.37"},
    {0x4106bf9a977df6d0ULL, "186355.32397072623"},
    {0x40f7ef97af80e3a0ULL, "98041.48034752766"},
    {0x408d0af5c28f5c29ULL, "929.37"},
    {0xb1684389ec2b99cfULL, "-1.098626984288207e-70"},
    {0xc12db6f745e37d14ULL, "-973691.6365012252"},
    {0x4063f9df266ba494ULL, "159.80849"},
    {0xc12904bbf9478259ULL, "-819805.9868736967"},
    {0x3d280fea5d279381ULL, "4.2743e-14"},
    {0xc1295ba73553eeb2ULL, "-830931.6041559784"},
    {0xc122242507131ff8ULL, "-594450.5138177862"},
    {0xc0f1997fcd8ae900ULL, "-72087.98768130317"},
    {0xc12e28530394ca46ULL, "-988201.5069945536"},
    {0x44603d3207205814ULL, "2.39646e+21"},
    {0x4087a00000000000ULL, "756.0"},
    {0x3e8b5dc76302e812ULL, "2.03895e-07"},
    {0xd9b00b13bff338a3ULL, "-1.060549946387943e+124"},
    {0xc0f71eee32365158ULL, "-94702.88725883269"},
    {0x405bc00000000000ULL, "111.0"},
    {0x41245b723208e570ULL, "667065.0977241229"},
    {0xc11312df314f84f6ULL, "-312503.79815490486"},
    {0x4089c59a7b0b3919ULL, "824.70043"},
    {0x7ea3f3f5d767d910ULL, "1.0689889542945413e+302"},
    {0x44cc752935828268ULL, "2.68775e+23"},
    {0x4089d25e353f7ceeULL, "826.296"},
    {0x407841999999999aULL, "388.1"},
    {0x5099ab3a8d804d18ULL, "1.9022407563364016e+80"},
    {0x4126adb900f1bfd2ULL, "743132.5018444008"},
    {0x412d1901b8f7ccc8ULL, "953472.8612655634"},
    {0x4075900000000000ULL, "345.0"},
    {0x27a8e8bfa832e043ULL, "1.2347272652372632e-117"},
    {0x4080f00000000000ULL, "542.0"},
    {0x408e213333333333ULL, "964.15"},
    {0x406e080000000000ULL, "240.25"},
    {0x40eb0610be6db400ULL, "55344.5232456699"},
    {0xc1295bfedab5881bULL, "-830975.4271662267"},
    {0x405f7a10e0221427ULL, "125.90728"},
    {0xd8e2dcadd4e0ed42ULL, "-1.5220771283323652e+120"},
    {0x4123f4a7c537922cULL, "653907.885189598"},
    {0x45ecee88aa1dc7bfULL, "7.16316e+28"},
    {0x41221dc6f6894058ULL, "593635.4815158946"},
    {0x44a58dbe4e2b22eeULL, "5.08922e+22"},
    {0x407aa35cfaacd9e8ULL, "426.2102"},
    {0xaaca14733b23db4aULL, "-1.4555164922725806e-102"},
    {0xc12d77db26d6a95dULL, "-965613.5758564878"},
    {0xc0e43d56fe3151a0ULL, "-41450.718529376434"},
    {0x4085cf0a3d70a3d7ULL, "697.88"},
    {0x4086c44fdf3b645aULL, "728.539"},
    {0xc11b31b6380e26c0ULL, "-445549.5547414832"},
    {0x44016c35c1313458ULL, "4.0174e+19"},
    {0x3abad95c29aa5319ULL, "8.675400000000001e-26"},
    {0x93ea9fe5b2497391ULL, "-9.885898423711372e-213"},
    {0xc121a70d64d48f9aULL, "-578438.6969342113"},
    {0x3fe16568a50507a7ULL, "0.543629"},
    {0xc1139b347bb82012ULL, "-321229.1208195697"},
    {0xdb4537969836bd1cULL, "-4.706250049911827e+131"},
    {0x288815a02e8e9edeULL, "1.95599993045828e-113"},
    {0x4126a48665ba4caaULL, "741955.1986869771"},
    {0x4087300000000000ULL, "742.0"},
    {0xc1120a2b7012e0dcULL, "-295562.8594470152"},
    {0xc10b8a09bc64d08cULL, "-225601.21698916366"},
    {0x3bf395c53f382a20ULL, "6.63567e-20"},
    {0x773909cae37472e1ULL, "2.0183672553279326e+266"},
    {0x4125a903e80de8c8ULL, "709761.9532311196"},
    {0x2281bc8f9b4f89d2ULL, "1.8181160695756357e-142"},
    {0x410e43411c397110ULL, "247912.13878143625"},
    {0x41217f54c7b78e36ULL, "573354.3900722924"},
    {0x3ed970a6f58f711cULL, "6.06538e-06"},
    {0x410acf80b57d65e8ULL, "219632.0886180841"},
    {0x4088f3461522a6f4ULL, "798.40922"},
    {0x4679ddf2c7096926ULL, "3.27903e+31"},
    {0x3fdb25742dcf4623ULL, "0.42416099999999995"},
    {0x4086dfff04577d95ULL, "731.99952"},
    {0xacd50b9b14ed6f98ULL, "-1.008921065057916e-92"},
    {0x3df0c69abdb46234ULL, "2.4412e-10"},
    {0x45515f9c76c64441ULL, "8.4013e+25"},
    {0x4089fcf5c28f5c29ULL, "831.62"},
    {0x406d2a8f5c28f5c3ULL, "233.33"},
    {0x4610ebf880ee64b0ULL, "3.3517e+29"},
    {0x44131d65949c794cULL, "8.81516e+19"},
    {0x4513eaed349fd657ULL, "6.01975e+24"},
    {0x43755bd4bba0dd80ULL, "9.61911e+16"},
    {0xc125cc6b75d5bb3bULL, "-714293.7301462659"},
    {0x4102e78ce47a5988ULL, "154865.6115614886"},
    {0x4027d1eb851eb852ULL, "11.91"},
    {0x3ced30509a6161a0ULL, "3.2406e-15"},
    {0x4684f4d993428c09ULL, "5.31309e+31"},
    {0x46c6db9b2a259d7cULL, "9.27224e+32"},
    {0x40884ef5b8130165ULL, "777.86998"},
    {0x4082d659018e7579ULL, "602.79346"},
    {0x4068d290ff972474ULL, "198.5802"},
    {0x40819e6666666666ULL, "563.8"},
    {0xc0f200c7385a5ef8ULL, "-73740.45125805947"},
    {0x407322e8e6080735ULL, "306.18186"},
    {0x0598d04ae8e7be5dULL, "1.0679590427210944e-281"},
    {0x41b60e02e8000000ULL, "370017000.0"},
    {0x057aa231089250efULL, "2.8657170516057814e-282"},
    {0x451794157658bc9cULL, "7.12615e+24"},
    {0xaca3b5f76307997cULL, "-1.1811790684973812e-93"},
    {0x763f45b1b19cc23aULL, "3.8465845315283103e+261"},
    {0x401c4d8ec95bff05ULL, "7.075740000000001"},
    {0x6e1565943bdec172ULL, "1.9335949580976187e+222"},
    {0x4c67faed8cb0e67cULL, "1.2042085984505207e+60"},
};
static const struct { uint32_t bits; const char *repr; } py_floats[] = {
    {0x3dcccccdU, "0.1"},
    {0x5a0e1bcaU, "1e+16"},
    {0x3727c5acU, "1e-05"},
    {0x80000000U, "-0.0"},
    {0x42c80000U, "100.0"},
    {0x7f7fffffU, "3.4028235e+38"},
    {0x00000001U, "1e-45"},
    {0x00800000U, "1.1754944e-38"},
    {0x4b800000U, "16777216.0"},
    {0x3e99999aU, "0.3"},
    {0x3eaaaaabU, "0.33333334"},
    {0x5d3faaacU, "8.6319e+17"},
    {0x44893471U, "1097.6388"},
    {0x5606778cU, "36962000000000.0"},
    {0xc5fc729bU, "-8078.3257"},
    {0x7069baf3U, "2.8934406e+29"},
    {0x313ea7c3U, "2.7744e-09"},
    {0x45067714U, "2151.4424"},
    {0x3d0fb331U, "0.035083"},
    {0x2d1641b2U, "8.5411e-12"},
    {0x64f0dc1eU, "3.5544638e+22"},
    {0x44eb6c13U, "1883.3773"},
    {0x39e09ee7U, "0.00042843"},
    {0x3db3eff2U, "0.08786"},
    {0xe01a1c82U, "-4.4419575e+19"},
    {0x4533e2d1U, "2878.176"},
    {0xc5c85a97U, "-6411.3237"},
    {0xc5fab22eU, "-8022.2725"},
    {0x2e041bc8U, "3.0038e-11"},
    {0x81263a1cU, "-3.0531076e-38"},
    {0x34801eaeU, "2.386418e-07"},
    {0x16dd063bU, "3.5708408e-25"},
    {0x460bce6cU, "8947.605"},
    {0x718ec692U, "1.4139817e+30"},
    {0x8a959399U, "-1.4403698e-32"},
    {0x61eece6eU, "5.5065e+20"},
    {0xbb1116c8U, "-0.0022138823"},
    {0x18cb3efaU, "5.253786e-24"},
    {0xf6107b1fU, "-7.326054e+32"},
    {0x5ed87edeU, "7.800075e+18"},
    {0xc4295ce3U, "-677.45135"},
    {0x45c4e62aU, "6300.7705"},
    {0x55093c18U, "9430700000000.0"},
    {0x42aac083U, "85.376"},
    {0x459d0ae5U, "5025.362"},
    {0x255c86a4U, "1.9127576e-16"},
    {0xd706b3e9U, "-148107270000000.0"},
    {0x656805cdU, "6.8481e+22"},
    {0xe0579a7bU, "-6.214346e+19"},
    {0x4603abadU, "8426.919"},
    {0x64b45b66U, "2.6616e+22"},
    {0x1550dcdcU, "4.2179493e-26"},
    {0x4484db07U, "1062.8446"},
    {0x322c58bdU, "1.0031894e-08"},
    {0x45f8ad9aU, "7957.7"},
    {0x2c198269U, "2.1815e-12"},
    {0xdc1425eeU, "-1.668e+17"},
    {0x45b280e5U, "5712.112"},
    {0x460f3baaU, "9166.916"},
    {0x4aa62340U, "5444000.0"},
    {0xc2099345U, "-34.393818"},
    {0x3f0885b2U, "0.53329"},
    {0x46104bf6U, "9234.99"},
    {0x3f95b7d1U, "1.1696721"},
    {0xc4b3e46dU, "-1439.1383"},
    {0x38306549U, "4.2056e-05"},
    {0xccfb3530U, "-131705220.0"},
    {0x4f93fbf8U, "4965527600.0"},
    {0x728d08a3U, "5.586922e+30"},
    {0x3c1fa68eU, "0.0097443"},
    {0x915a3a32U, "-1.72151e-28"},
    {0xc61acf78U, "-9907.867"},
    {0xc3dc4937U, "-440.572"},
    {0x3d9df19dU, "0.077121"},
    {0x45f5bc11U, "7863.5083"},
    {0x45674fa1U, "3700.9768"},
    {0x6abf11adU, "1.1549415e+26"},
    {0x429ddaa0U, "78.927"},
    {0x80f91546U, "-2.287467e-38"},
    {0x282a2b5fU, "9.4463e-15"},
    {0x455174fbU, "3351.3113"},
    {0x97acc8d4U, "-1.1165936e-24"},
    {0x2e914fbcU, "6.608e-11"},
    {0x3a5008ecU, "0.00079359"},
    {0x4518c92bU, "2444.573"},
    {0xc5631002U, "-3633.0005"},
    {0xc4cbdd34U, "-1630.9126"},
    {0x674e1890U, "9.732606e+23"},
    {0xc6079778U, "-8677.867"},
    {0x0900ca67U, "1.5502609e-33"},
    {0xd36d85f6U, "-1020154740000.0"},
    {0x45f84afcU, "7945.373"},
    {0x3d9d4ae4U, "0.076803"},
    {0x65eb5b48U, "1.3893e+23"},
    {0xf0fb6b6aU, "-6.2248474e+29"},
    {0xc616698fU, "-9626.39"},
    {0x45fa94f0U, "8018.617"},
    {0x45ab2c68U, "5477.551"},
    {0x1856bdebU, "2.7754736e-24"},
    {0x29507d59U, "4.6294e-14"},
    {0x2cc5986eU, "5.616e-12"},
    {0xa0b07f0cU, "-2.9899632e-19"},
    {0xc57ae543U, "-4014.3289"},
    {0x5e6edd4fU, "4.303e+18"},
    {0x3f4a6762U, "0.79064"},
    {0xca80c426U, "-4219411.0"},
    {0x6d6610f9U, "4.4501294e+27"},
    {0x50701d96U, "16113883000.0"},
    {0x1a93951aU, "6.103866e-23"},
    {0x45a72cf6U, "5349.62"},
    {0x852ff040U, "-8.2725874e-36"},
    {0x458fa571U, "4596.68"},
    {0x530022d2U, "550340000000.0"},
    {0x42861893U, "67.048"},
    {0x4d49a518U, "211440000.0"},
    {0xa18ed53fU, "-9.67874e-19"},
    {0x4578ac8fU, "3978.785"},
    {0x44014843U, "517.1291"},
    {0x391cd086U, "0.00014955"},
    {0xddf830c5U, "-2.2355013e+18"},
    {0x2e0997c7U, "3.1285e-11"},
    {0x44c3e69bU, "1567.2064"},
    {0x5c8e52f9U, "3.204854e+17"},
    {0x45cb80e7U, "6512.113"},
    {0x46159d2dU, "9575.294"},
    {0x9478a524U, "-1.25533685e-26"},
    {0x43c64c3eU, "396.59564"},
    {0x460bad1fU, "8939.28"},
    {0xb859f59fU, "-5.1965584e-05"},
    {0x453adcd9U, "2989.803"},
    {0x43954ccdU, "298.6"},
    {0xc5f6c38bU, "-7896.443"},
    {0xc6039db4U, "-8423.426"},
    {0xc6088ee9U, "-8739.728"},
    {0x45cb0b4eU, "6497.413"},
    {0xc50606b6U, "-2144.4194"},
    {0xc9742810U, "-1000065.0"},
    {0xc59a2ef2U, "-4933.868"},
    {0x369a873aU, "4.6053e-06"},
    {0x2fda8b60U, "3.9753e-10"},
    {0x318cc598U, "4.097e-09"},
    {0xc5dee53fU, "-7132.656"},
    {0xc4d6d0a7U, "-1718.5204"},
    {0xabd848b0U, "-1.5367898e-12"},
    {0xc5c90d52U, "-6433.665"},
    {0x1a1a259aU, "3.1876828e-23"},
    {0x45ce22eaU, "6596.3643"},
    {0x6374135aU, "4.5024e+21"},
    {0x45c98523U, "6448.642"},
    {0x912c703dU, "-1.3602994e-28"},
    {0x38ac0785U, "8.203e-05"},
    {0x42af36c9U, "87.607"},
    {0x45dd5818U, "7083.0117"},
    {0xc5b4259dU, "-5764.7017"},
    {0x4f895a5aU, "4608800000.0"},
    {0x45ff542fU, "8170.523"},
    {0xc5f68903U, "-7889.1265"},
    {0x52506e14U, "223800000000.0"},
    {0x397357d1U, "0.00023207"},
    {0x5228b587U, "181150000000.0"},
    {0x5d48233fU, "9.0134e+17"},
    {0x61291328U, "1.9493e+20"},
    {0x59659b8dU, "4039300000000000.0"},
    {0xd9b2eefdU, "-6295664500000000.0"},
    {0x4e52e060U, "884480000.0"},
    {0x51907595U, "77556000000.0"},
    {0xc5a096feU, "-5138.874"},
    {0x37b22c83U, "2.1239981e-05"},
    {0xc5317fecU, "-2839.995"},
    {0x3afe83ffU, "0.0019418"},
    {0x2a8d36eaU, "2.5084736e-13"},
    {0x6d8a846cU, "5.3586274e+27"},
    {0x451dd99aU, "2525.6"},
    {0x45927994U, "4687.1973"},
    {0x2dacdaa5U, "1.9651234e-11"},
    {0x6ff3213aU, "1.5049005e+29"},
    {0x9c4b7cc9U, "-6.7328347e-22"},
    {0x21d4cc1bU, "1.4419705e-18"},
    {0x514341e3U, "52414000000.0"},
    {0x371a6713U, "9.203114e-06"},
    {0x411717c2U, "9.4433"},
    {0x23ab5ec9U, "1.858e-17"},
    {0xc8567ad0U, "-219627.25"},
    {0xeb28f081U, "-2.0423529e+26"},
    {0x45db499bU, "7017.2007"},
    {0xc60ff4a1U, "-9213.157"},
    {0xc4a709d8U, "-1336.3076"},
    {0xc5059a10U, "-2137.629"},
    {0x60fa25aaU, "1.442e+20"},
    {0x72f2391aU, "9.595444e+30"},
    {0xc4b79c27U, "-1468.8798"},
    {0x40dab021U, "6.834"},
    {0xc5710a03U, "-3856.6257"},
    {0x3dc9afe2U, "0.09848"},
    {0x4b42ae2dU, "12758573.0"},
    {0xc52d052cU, "-2768.3232"},
    {0x4a944b28U, "4859284.0"},
    {0x4992449cU, "1198227.5"},
    {0xf88c1130U, "-2.2727193e+34"},
    {0x5a04bf16U, "9341200000000000.0"},
    {0x58c9ae32U, "1774000000000000.0"},
    {0x1e0023e9U, "6.78369e-21"},
    {0xc597fd96U, "-4863.698"},
    {0x44009dc0U, "514.46484"},
    {0x1f4a9f83U, "4.290711e-20"},
    {0x4a46e530U, "3258700.0"},
    {0xacb3c3d7U, "-5.1092286e-12"},
    {0x455dd4aaU, "3549.2915"},
    {0xe66f64c7U, "-2.8262615e+23"},
    {0x2601a912U, "4.4985e-16"},
    {0x454f5e36U, "3317.8882"},
    {0x867d9b62U, "-4.769817e-35"},
    {0x490ca6e0U, "576110.0"},
    {0x350463c2U, "4.9319e-07"},
    {0xe90f4057U, "-1.0823764e+25"},
    {0x5f26c883U, "1.2018e+19"},
    {0x4f71a322U, "4054000000.0"},
    {0x66e8abe6U, "5.4938e+23"},
    {0x25e08227U, "3.8946e-16"},
    {0xa2437181U, "-2.6487516e-18"},
    {0x7e321398U, "5.917608e+37"},
    {0x4594793eU, "4751.1553"},
    {0xc60fb39cU, "-9196.902"},
    {0xc554412bU, "-3396.073"},
    {0x603e681fU, "5.4881e+19"},
    {0x115e8243U, "1.7552852e-28"},
    {0x260ae241U, "4.8185e-16"},
    {0xc52d6244U, "-2774.1416"},
    {0xc5882bb8U, "-4357.465"},
    {0x4f03616cU, "2204200000.0"},
    {0x880dfd4bU, "-4.272839e-34"},
    {0x534e06f5U, "884880000000.0"},
    {0xc811c6cfU, "-149275.23"},
    {0xfe77f17aU, "-8.2393283e+37"},
    {0x3c1ce803U, "0.0095768"},
    {0x5d32cc07U, "8.0523e+17"},
    {0xc57dc94bU, "-4060.5808"},
    {0x36c5141fU, "5.8734e-06"},
    {0x6a34e974U, "5.4677275e+25"},
    {0x46037d7bU, "8415.37"},
    {0x2a95062cU, "2.6472e-13"},
    {0x3cf28e93U, "0.029609"},
    {0x4592a333U, "4692.4"},
    {0x13bed134U, "4.8169033e-27"},
    {0x9cc95708U, "-1.3323561e-21"},
    {0xc6a81575U, "-21514.729"},
    {0x4600dcc6U, "8247.193"},
    {0x9d011cd5U, "-1.7087914e-21"},
    {0x45c2020aU, "6208.255"},
    {0x9b64264fU, "-1.8872096e-22"},
    {0xaa2d583cU, "-1.5396099e-13"},
    {0x3a433346U, "0.00074463"},
    {0xc53ac2a3U, "-2988.1648"},
    {0x6d040b50U, "2.554106e+27"},
    {0x539494b4U, "1276300000000.0"},
    {0xc579dd22U, "-3997.8208"},
    {0x48034500U, "134420.0"},
    {0x194906f7U, "1.0392863e-23"},
    {0x450390a8U, "2105.041"},
    {0x421e8d14U, "39.63777"},
    {0x44128d71U, "586.21"},
    {0x5cced119U, "4.6571e+17"},
    {0xc5a7a2cbU, "-5364.349"},
    {0x45073517U, "2163.318"},
    {0xc602663fU, "-8345.562"},
    {0xc5f31d32U, "-7779.6494"},
    {0x49d31891U, "1729298.1"},
    {0x8a412d99U, "-9.301188e-33"},
    {0xc5f9388cU, "-7975.0684"},
    {0x50d6067fU, "28726000000.0"},
    {0x8b2e67ecU, "-3.3589363e-32"},
    {0xc611107eU, "-9284.123"},
    {0x457dccbeU, "4060.7964"},
    {0x29b6ed5eU, "8.1236e-14"},
    {0x50065de3U, "9017200000.0"},
    {0xf79bb266U, "-6.3158153e+33"},
    {0x46b39600U, "22987.0"},
    {0x57f51bdcU, "539000000000000.0"},
    {0xc5a99ea5U, "-5427.8306"},
    {0x5c5e9864U, "2.5062e+17"},
    {0xc5ceb466U, "-6614.55"},
    {0xc59f15b4U, "-5090.713"},
    {0x622278d7U, "7.4927e+20"},
    {0xc4eca0aaU, "-1893.0208"},
    {0xc57b9a20U, "-4025.6328"},
    {0x394775cbU, "0.00019022"},
    {0xc5864bf9U, "-4297.4966"},
    {0x23235344U, "8.85388e-18"},
    {0x1dd32645U, "5.5890805e-21"},
    {0x364428c2U, "2.923e-06"},
    {0x18ca9c3dU, "5.2373537e-24"},
    {0x45808bd2U, "4113.4775"},
    {0x38b23ca9U, "8.499e-05"},
    {0x605c3205U, "6.3467e+19"},
    {0xe50cd4ccU, "-4.1566045e+22"},
    {0x460de8edU, "9082.231"},
    {0x48dd1f80U, "452860.0"},
    {0x123639e1U, "5.7500415e-28"},
    {0x45577a1dU, "3447.632"},
    {0xc5d0c7ccU, "-6680.9746"},
};
static const struct {
    const char *in;
    size_t n;
    const char *out;
    size_t outn;
} py_utf8[] = {
    {"", 0,
     "", 0},
    {"abc", 3,
     "abc", 3},
    {"\xc3\xa9", 2,
     "\xc3\xa9", 2},
    {"\xe2\x82\xac", 3,
     "\xe2\x82\xac", 3},
    {"\xf0\x9f\x98\x80", 4,
     "\xf0\x9f\x98\x80", 4},
    {"\x80", 1,
     "\xef\xbf\xbd", 3},
    {"\x80\x80", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xbf", 1,
     "\xef\xbf\xbd", 3},
    {"\xc0\x80", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xc1\xbf", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xc2", 1,
     "\xef\xbf\xbd", 3},
    {"\xc2" "A", 2,
     "\xef\xbf\xbd" "A", 4},
    {"\xe0\x80\x80", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xe0\xa0", 2,
     "\xef\xbf\xbd", 3},
    {"\xe0\xa0\x80", 3,
     "\xe0\xa0\x80", 3},
    {"\xe0\x9f\xbf", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xed\x9f\xbf", 3,
     "\xed\x9f\xbf", 3},
    {"\xed\xa0\x80", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xed\xbf\xbf", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xee\x80\x80", 3,
     "\xee\x80\x80", 3},
    {"\xef\xbf\xbf", 3,
     "\xef\xbf\xbf", 3},
    {"\xf0\x80\x80\x80", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xf0\x90\x80\x80", 4,
     "\xf0\x90\x80\x80", 4},
    {"\xf0\x9f\x98", 3,
     "\xef\xbf\xbd", 3},
    {"\xf0\x9f\x98" "A", 4,
     "\xef\xbf\xbd" "A", 4},
    {"\xf0\x9f" "A", 3,
     "\xef\xbf\xbd" "A", 4},
    {"\xf4\x8f\xbf\xbf", 4,
     "\xf4\x8f\xbf\xbf", 4},
    {"\xf4\x90\x80\x80", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xf5\x80\x80\x80", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xf8\x88\x80\x80\x80", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd", 15},
    {"\xfc\x84\x80\x80\x80\x80", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd", 18},
    {"\xfe", 1,
     "\xef\xbf\xbd", 3},
    {"\xff", 1,
     "\xef\xbf\xbd", 3},
    {"\xff\xfe", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"a\x00" "b", 3,
     "a\x00" "b", 3},
    {"\xe2\x82", 2,
     "\xef\xbf\xbd", 3},
    {"\xe2\x82\xe2\x82\xac", 5,
     "\xef\xbf\xbd\xe2\x82\xac", 6},
    {"\xe2\xe2\x82\xac", 4,
     "\xef\xbf\xbd\xe2\x82\xac", 6},
    {"\xc3\xa9\xff\xc3\xa9", 5,
     "\xc3\xa9\xef\xbf\xbd\xc3\xa9", 7},
    {"\xf1\x80\x80", 3,
     "\xef\xbf\xbd", 3},
    {"\xf1\x80\x80\x80\x80", 5,
     "\xf1\x80\x80\x80\xef\xbf\xbd", 7},
    {"x\xe1\x80\x80y\xe1\x80z", 8,
     "x\xe1\x80\x80y\xef\xbf\xbdz", 9},
    {"\xed\x80", 2,
     "\xef\xbf\xbd", 3},
    {"\xf4\x8f", 2,
     "\xef\xbf\xbd", 3},
    {"\xf4\x90", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"Ai9=A\xa0", 6,
     "Ai9=A\xef\xbf\xbd", 8},
    {"\x8f\xff\xbf\xbf\x80" "A\x90$", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd" "A\xef\xbf\xbd$", 20},
    {"PlU\x90", 4,
     "PlU\xef\xbf\xbd", 6},
    {"u\x80\xed\xf4\x00\x90", 6,
     "u\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x00\xef\xbf\xbd", 14},
    {"\xc6\xdf\xe2<\x00\xdf\xf4", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd<\x00\xef\xbf\xbd"
     "\xef\xbf\xbd", 17},
    {"\x8b\x8f\x9fQ", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdQ", 10},
    {"\xf4\xb5\xa0\x00\xed", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x00\xef\xbf\xbd", 13},
    {"\x9f\xf5\x1a", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\x1a", 7},
    {"\xc2\x00\x80\x00\xe0\x80\xef", 7,
     "\xef\xbf\xbd\x00\xef\xbf\xbd\x00\xef\xbf\xbd\xef\xbf\xbd"
     "\xef\xbf\xbd", 17},
    {"\xa0\x8f\x80\xbf\xc0\xbf" "A-", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd" "A-", 20},
    {"\xc2", 1,
     "\xef\xbf\xbd", 3},
    {"2\xed" "A\x9f\xc0\xf4.\x8f", 8,
     "2\xef\xbf\xbd"
     "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.\xef\xbf\xbd", 18},
    {"\xa0U\xed", 3,
     "\xef\xbf\xbdU\xef\xbf\xbd", 7},
    {"\xdf\xed\x9f\xc2\x90\xef\x00", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xc2\x90\xef\xbf\xbd\x00", 12},
    {"\x80\xef\xbf\xed", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xed" "A\xc0\xf0", 4,
     "\xef\xbf\xbd" "A\xef\xbf\xbd\xef\xbf\xbd", 10},
    {"\xed\xe0\x90\x9f" "A'\xf9", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
     "A'\xef\xbf\xbd", 17},
    {"\xc2\x80\x00\xef\x00\xed\x88\xa0", 8,
     "\xc2\x80\x00\xef\xbf\xbd\x00\xed\x88\xa0", 10},
    {"\xf5", 1,
     "\xef\xbf\xbd", 3},
    {"\x9f", 1,
     "\xef\xbf\xbd", 3},
    {"\x9f" "A!", 3,
     "\xef\xbf\xbd" "A!", 5},
    {"\xff\xed\xf0\x90\xf9", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\x9c\x80\x80", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\xc0\xc0", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\x00\x9e", 2,
     "\x00\xef\xbf\xbd", 4},
    {"\xed\x8f\x89\xef\xc9\xa0\x00", 7,
     "\xed\x8f\x89\xef\xbf\xbd\xc9\xa0\x00", 9},
    {"\xf0\xf0\x9f\xe0\x9f", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xed\xf5=\xa0\xf4", 5,
     "\xef\xbf\xbd\xef\xbf\xbd=\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\x00\x00\xc0\xdf\x80", 5,
     "\x00\x00\xef\xbf\xbd\xdf\x80", 7},
    {"\xf5\xa8\xfd\xdf\xef\xdfl", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbdl", 19},
    {"\x00\xdf]", 3,
     "\x00\xef\xbf\xbd]", 5},
    {"\xf1", 1,
     "\xef\xbf\xbd", 3},
    {"\xdf" "7\x90", 3,
     "\xef\xbf\xbd" "7\xef\xbf\xbd", 7},
    {"\xef", 1,
     "\xef\xbf\xbd", 3},
    {"\x80\xff\xe0\xf0\xc0\xa9" "b", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd" "b", 19},
    {"\xed\xf4\x9f\xf5\xf5\xc2\xed\xf4", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 24},
    {"\xf5", 1,
     "\xef\xbf\xbd", 3},
    {"\xdf", 1,
     "\xef\xbf\xbd", 3},
    {"A", 1,
     "A", 1},
    {"\xed" "9\xf5\x80\xc0\xc0\xed", 7,
     "\xef\xbf\xbd"
     "9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef"
     "\xbf\xbd", 19},
    {"\xc2\xf4\x80", 3,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"d\x9c\x00", 3,
     "d\xef\xbf\xbd\x00", 5},
    {"\xbf" "A1\xc2\xf4\xa0", 6,
     "\xef\xbf\xbd" "A1\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 14},
    {"ia\xf5]\xa0\x8f\xa0", 7,
     "ia\xef\xbf\xbd]\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 15},
    {"\xe0n\xc2\xdf\xe0", 5,
     "\xef\xbf\xbdn\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\xe0\xa4\xf5\xf5\x80\xbf", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd", 15},
    {"\x9f\x90\x85\x93\x9f\xf0\xe0\xef", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 24},
    {"\xff\x90", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xdf", 1,
     "\xef\xbf\xbd", 3},
    {"\xf4\xfe\xef\xf0~\xe0", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd~\xef"
     "\xbf\xbd", 16},
    {"b\x00\xf5\xe6\x9f\xf0\x00", 7,
     "b\x00\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x00", 12},
    {"\xf5", 1,
     "\xef\xbf\xbd", 3},
    {"\xe0\x80\xbf\xec\x8f\xef\xbf\x90", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\x90", 15},
    {"\x87", 1,
     "\xef\xbf\xbd", 3},
    {"\x00", 1,
     "\x00", 1},
    {"\xf4\xa1\xdf\x9f\x80\xf5\xc2\xff", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xdf\x9f\xef\xbf\xbd\xef\xbf\xbd"
     "\xef\xbf\xbd\xef\xbf\xbd", 20},
    {"\xe0\xef\x9f\xf4\x8f\x9f\xc2" "A", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "A", 13},
    {"\x00", 1,
     "\x00", 1},
    {"u\xff\xed", 3,
     "u\xef\xbf\xbd\xef\xbf\xbd", 7},
    {"\x80\xdf\x00\xbf", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\x00\xef\xbf\xbd", 10},
    {"\xdf\xf0" "3", 3,
     "\xef\xbf\xbd\xef\xbf\xbd" "3", 7},
    {"\xc2\x00\xc2\x00\x90\xef\x9f\xbf", 8,
     "\xef\xbf\xbd\x00\xef\xbf\xbd\x00\xef\xbf\xbd\xef\x9f\xbf", 14},
    {"\x9f\xed\xe0\xa0\xf4", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xef\x9f\xc2\x80" "A\xf4\xf0", 7,
     "\xef\xbf\xbd\xc2\x80" "A\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xc0\xff\xf0\xdf", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xf4" "A", 2,
     "\xef\xbf\xbd" "A", 4},
    {"\x9f", 1,
     "\xef\xbf\xbd", 3},
    {"\xf4\xef\xc0" "AA\xe3\xc0\xa0", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
     "AA\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 20},
    {"\xc2\xc0" "A\xd9\xa0\x9f", 6,
     "\xef\xbf\xbd\xef\xbf\xbd" "A\xd9\xa0\xef\xbf\xbd", 12},
    {"\xf4\xed\x00\xbf\xbf\xff\x8f", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\x00\xef\xbf\xbd\xef\xbf\xbd\xef"
     "\xbf\xbd\xef\xbf\xbd", 19},
    {"\xbf\xbf\xc0g\xdf\xc0", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdg\xef\xbf\xbd\xef"
     "\xbf\xbd", 16},
    {"\x90\xff\x8f", 3,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9},
    {"\x00\x9f\xef\xef\xc2\x90\xdf\xd6", 8,
     "\x00\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc2\x90\xef\xbf"
     "\xbd\xef\xbf\xbd", 18},
    {"\x0f\xa0\xef\x90\x0b\xa0_%", 8,
     "\x0f\xef\xbf\xbd\xef\xbf\xbd\x0b\xef\xbf\xbd_%", 13},
    {"\x04\x80\xf4\x9f\xdf", 5,
     "\x04\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\xf5\xef", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\x80\xed\xbf\xe0O\xbf\xfc", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdO\xef"
     "\xbf\xbd\xef\xbf\xbd", 19},
    {"\xbf\x8f\xf4\xa0\xce", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd", 15},
    {"\xf4\x00\x90\xdc\xc2", 5,
     "\xef\xbf\xbd\x00\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\x8f\x9f", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xef\xf4\xc0" "7\xa0\xff\xcf\xc2", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
     "7\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 22},
    {"\x90\xc0", 2,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\xa0\x0b", 2,
     "\xef\xbf\xbd\x0b", 4},
    {"\xf5\x90\x00" "A\xd5" "A\x90\x90", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\x00" "A\xef\xbf\xbd"
     "A\xef\xbf\xbd\xef\xbf\xbd", 18},
    {"\x8f\x8ft\x90\x9f\xff", 6,
     "\xef\xbf\xbd\xef\xbf\xbdt\xef\xbf\xbd\xef\xbf\xbd\xef"
     "\xbf\xbd", 16},
    {"\xf0\xc0\xdf\xc2", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\xe0\xc2\x90\x11\xe0", 5,
     "\xef\xbf\xbd\xc2\x90\x11\xef\xbf\xbd", 9},
    {"\xdf", 1,
     "\xef\xbf\xbd", 3},
    {"\xe0\x90\xf0\xdf", 4,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12},
    {"\x0e\xf4", 2,
     "\x0e\xef\xbf\xbd", 4},
    {"\x95", 1,
     "\xef\xbf\xbd", 3},
    {"\x8fi\xf4\xf7\xff", 5,
     "\xef\xbf\xbdi\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\x0a\xe0\xc0\xff\x9f", 5,
     "\x0a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\xf5" "A", 2,
     "\xef\xbf\xbd" "A", 4},
    {"\xbf", 1,
     "\xef\xbf\xbd", 3},
    {"\xf0\x80\xf0\xf0\x9f\xc2\xbf", 7,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc2\xbf", 14},
    {"\xc2", 1,
     "\xef\xbf\xbd", 3},
    {"\xff\x90\x05\x91\x99\xa0\x00\x80", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\x05\xef\xbf\xbd\xef\xbf\xbd\xef"
     "\xbf\xbd\x00\xef\xbf\xbd", 20},
    {"\x80\xef\xe0\xa0\xa0\xef", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xe0\xa0\xa0\xef\xbf\xbd", 12},
    {"\xe0" "A\xdf\x00\xef'\x8f", 7,
     "\xef\xbf\xbd" "A\xef\xbf\xbd\x00\xef\xbf\xbd'\xef\xbf\xbd", 15},
    {"A\xef\xff", 3,
     "A\xef\xbf\xbd\xef\xbf\xbd", 7},
    {"\xed\xaa\x80\xc2\xe0", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd", 15},
    {"\xf4\xc0\xff\xe0\xdf", 5,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd", 15},
    {"\x8f" "A", 2,
     "\xef\xbf\xbd" "A", 4},
    {"\x80\xbf\xf4\xff\xf0\xe0\xe0\x9f", 8,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
     "\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 24},
    {"h\xc5\x00\x00\x8f" "A\x90", 7,
     "h\xef\xbf\xbd\x00\x00\xef\xbf\xbd" "A\xef\xbf\xbd", 13},
    {"\xa0\xff\xf4\x9f\x00" "A", 6,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x00" "A", 14},
    {"\x80" "5\xd4", 3,
     "\xef\xbf\xbd" "5\xef\xbf\xbd", 7},
    {"\xf0\x90\xbf\xe0", 4,
     "\xef\xbf\xbd\xef\xbf\xbd", 6},
    {"\x9b", 1,
     "\xef\xbf\xbd", 3},
    {"\xdf\xa0", 2,
     "\xdf\xa0", 2},
    {"\x9f\x19\x00\xdf", 4,
     "\xef\xbf\xbd\x19\x00\xef\xbf\xbd", 8},
    {"A\xac\x9f\xe0\xdf", 5,
     "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 13},
    {"\x90\xf5]\xf5" "A\xe0[\x8f", 8,
     "\xef\xbf\xbd\xef\xbf\xbd]\xef\xbf\xbd"
     "A\xef\xbf\xbd[\xef\xbf\xbd", 18},
    {"\xed", 1,
     "\xef\xbf\xbd", 3},
};

/* Significant digits of a formatted number ("100.0" has 1, "0.0012" 2,
 * "1.25e-07" 3). */
static int sig_digits(const char *s)
{
    char d[64];
    int n = 0, lo, hi;
    for (const char *p = s; *p && *p != 'e' && n < 63; p++)
        if (*p >= '0' && *p <= '9')
            d[n++] = *p;
    for (lo = 0; lo < n && d[lo] == '0'; lo++)
        ;
    for (hi = n; hi > lo && d[hi - 1] == '0'; hi--)
        ;
    return hi - lo > 0 ? hi - lo : 1;
}

/* True if some text with fewer significant digits than s reads back as
 * the same value (so s is not the shortest).  single: float32. */
static bool shorter_exists(double v, const char *s, bool single)
{
    int n = sig_digits(s);
    char e[64], t[80];
    unsigned long long m = 0;
    int exp, nd = 0;
    if (n <= 1 || v == 0)
        return false;
    /* the nearest (n-1)-digit decimal, and its neighbours */
    snprintf(e, sizeof e, "%.*e", n - 2, fabs(v));
    for (const char *p = e; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') {
            m = m * 10 + (unsigned long long)(*p - '0');
            nd++;
        }
    exp = atoi(strchr(e, 'e') + 1) - (nd - 1);
    for (int delta = -1; delta <= 1; delta++) {
        if (m == 0 && delta < 0)
            continue;
        snprintf(t, sizeof t, "%s%llue%d", v < 0 ? "-" : "",
                 m + (unsigned long long)(long long)delta, exp);
        if (single ? strtof(t, NULL) == (float)v : strtod(t, NULL) == v)
            return true;
    }
    return false;
}

/* Python repr style: positional "ddd.ddd" (at least one digit after the
 * point, no superfluous zeros) for decimal exponents -4..15, else
 * "d.ddde+XX" (two exponent digits at least, no superfluous zeros). */
static bool repr_style(const char *s)
{
    const char *p = s + (*s == '-');
    const char *e = strchr(p, 'e');
    if (e) {
        int x;
        const char *q = p;
        if (*q < '1' || *q > '9')
            return false;
        q++;
        if (*q == '.') {
            q++;
            if (q == e || e[-1] == '0')
                return false;
            while (q < e && *q >= '0' && *q <= '9')
                q++;
        }
        if (q != e || (e[1] != '+' && e[1] != '-') || strlen(e + 2) < 2 ||
            strspn(e + 2, "0123456789") != strlen(e + 2))
            return false;
        x = atoi(e + 1);
        if (strlen(e + 2) > 2 && e[2] == '0')
            return false;
        return x < -4 || x >= 16;
    } else {
        const char *dot = strchr(p, '.');
        int x;
        if (!dot || dot == p || !dot[1] ||
            strspn(p, "0123456789") != (size_t)(dot - p) ||
            strspn(dot + 1, "0123456789") != strlen(dot + 1))
            return false;
        if (dot - p > 1 && *p == '0')
            return false;     /* leading zero */
        if (strlen(dot + 1) > 1 && dot[strlen(dot + 1)] == '0')
            return false;     /* trailing zero after other digits */
        if (*p != '0') {
            x = (int)(dot - p) - 1;
        } else {
            const char *q = dot + 1;
            while (*q == '0')
                q++;
            if (!*q)
                return true;  /* 0.0 */
            x = -(int)(q - dot);
        }
        return x >= -4 && x < 16;
    }
}

/* Check one double: round trip, shortest, style.  Returns a reason or
 * NULL. */
static const char *check_double(double d, const char *s)
{
    if (isnan(d))
        return strcmp(s, "NaN") ? "NaN" : NULL;
    if (isinf(d))
        return strcmp(s, d > 0 ? "Infinity" : "-Infinity") ? "inf" : NULL;
    if (strtod(s, NULL) != d || !!signbit(strtod(s, NULL)) != !!signbit(d))
        return "does not read back";
    if (shorter_exists(d, s, false))
        return "not the shortest";
    if (!repr_style(s))
        return "not in Python repr style";
    return NULL;
}

static const char *check_float(float f, const char *s)
{
    if (isnan(f))
        return strcmp(s, "NaN") ? "NaN" : NULL;
    if (isinf(f))
        return strcmp(s, f > 0 ? "Infinity" : "-Infinity") ? "inf" : NULL;
    if (strtof(s, NULL) != f || !!signbit(strtof(s, NULL)) != !!signbit(f))
        return "does not read back";
    if (shorter_exists(f, s, true))
        return "not the shortest";
    if (!repr_style(s))
        return "not in Python repr style";
    return NULL;
}

static void t_fmt_double(void)
{
    char buf[64];
    int bad = 0, n = 0;
    static const struct { double d; const char *s; } edge[] = {
        {0.1, "0.1"}, {1e16, "1e+16"}, {1e-5, "1e-05"},
        {5e-324, "5e-324"}, {1.7976931348623157e308,
                             "1.7976931348623157e+308"},
        {-0.0, "-0.0"}, {0.0, "0.0"}, {100.0, "100.0"}, {1.0, "1.0"},
        {-1.5, "-1.5"}, {1e15, "1000000000000000.0"},
        {9999999999999998.0, "9999999999999998.0"}, {1e-4, "0.0001"},
        {0.3, "0.3"}, {1e22, "1e+22"}, {1e100, "1e+100"},
        {123456789.0, "123456789.0"}, {0.5, "0.5"}, {2.0, "2.0"},
        {1024.0, "1024.0"}, {0.000123, "0.000123"}, {1.5e-5, "1.5e-05"},
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        zsi_fmt_double(edge[i].d, buf, sizeof buf);
        if (strcmp(buf, edge[i].s)) {
            TAP_DIAG("%.17g: '%s', want '%s'", edge[i].d, buf, edge[i].s);
            bad++;
        }
    }
    zsi_fmt_double(NAN, buf, sizeof buf);
    bad += strcmp(buf, "NaN") != 0;
    zsi_fmt_double(-INFINITY, buf, sizeof buf);
    bad += strcmp(buf, "-Infinity") != 0;
    zsi_fmt_double(INFINITY, buf, sizeof buf);
    bad += strcmp(buf, "Infinity") != 0;
    TAP_OK(bad == 0, "zsi_fmt_double: edge values (0.1, 1e16, 1e-5, "
           "5e-324, DBL_MAX, -0.0, 100.0, NaN, infinities)");
    bad = 0;
    for (size_t i = 0; i < sizeof py_doubles / sizeof py_doubles[0]; i++) {
        zsi_fmt_double(bits_to_double(py_doubles[i].bits), buf, sizeof buf);
        if (strcmp(buf, py_doubles[i].repr)) {
            if (bad++ < 5)
                TAP_DIAG("%016llx: '%s', Python '%s'",
                         (unsigned long long)py_doubles[i].bits, buf,
                         py_doubles[i].repr);
        }
    }
    TAP_OK(bad == 0, "zsi_fmt_double equals Python repr() for %zu values",
           sizeof py_doubles / sizeof py_doubles[0]);
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        uint64_t b = rnd();
        double d;
        const char *why;
        switch (i % 4) {
        case 0: d = bits_to_double(b); break;
        case 1: d = (double)(int64_t)(b % 2000001) / 1000.0 - 1000; break;
        case 2: d = ldexp((double)(b >> 11), (int)(b % 200) - 150); break;
        default: d = (double)(b % 100000) * pow(10, (int)(b % 61) - 30);
        }
        n++;
        zsi_fmt_double(d, buf, sizeof buf);
        if ((why = check_double(d, buf)) && bad++ < 5)
            TAP_DIAG("%.17g -> '%s': %s", d, buf, why);
    }
    TAP_OK(bad == 0, "zsi_fmt_double: %d random values read back exactly, "
           "with the fewest digits, in repr style", n);
    {
        /* the buffer bound: the longest outputs fit in 32 bytes */
        char small[32];
        zsi_fmt_double(-2.2250738585072014e-308, small, sizeof small);
        TAP_OK(strcmp(small, "-2.2250738585072014e-308") == 0,
               "the longest form fits a 32-byte buffer");
        zsi_fmt_double(-1.2345678901234567e-5, small, 8);
        TAP_OK(strlen(small) == 7, "a too small buffer is truncated, "
               "not overrun");
    }
}

static void t_fmt_float(void)
{
    char buf[64];
    int bad = 0, n = 0;
    for (size_t i = 0; i < sizeof py_floats / sizeof py_floats[0]; i++) {
        zsi_fmt_float(bits_to_float(py_floats[i].bits), buf, sizeof buf);
        if (strcmp(buf, py_floats[i].repr) && bad++ < 5)
            TAP_DIAG("%08x: '%s', want '%s'", py_floats[i].bits, buf,
                     py_floats[i].repr);
    }
    TAP_OK(bad == 0, "zsi_fmt_float equals the shortest float32 text in "
           "repr style for %zu values (table from Python)",
           sizeof py_floats / sizeof py_floats[0]);
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        uint32_t b = (uint32_t)rnd();
        float f = i % 2 ? bits_to_float(b)
                        : (float)((double)(b % 2000001) / 1000.0 - 1000);
        const char *why;
        n++;
        zsi_fmt_float(f, buf, sizeof buf);
        if ((why = check_float(f, buf)) && bad++ < 5)
            TAP_DIAG("%.9g -> '%s': %s", (double)f, buf, why);
    }
    TAP_OK(bad == 0, "zsi_fmt_float: %d random values read back exactly, "
           "with the fewest digits, in repr style", n);
    zsi_fmt_float(0.1f, buf, sizeof buf);
    TAP_OK(strcmp(buf, "0.1") == 0, "zsi_fmt_float(0.1f) is \"0.1\"");
    zsi_fmt_float(-0.0f, buf, sizeof buf);
    TAP_OK(strcmp(buf, "-0.0") == 0, "zsi_fmt_float(-0.0f) is \"-0.0\"");
    zsi_fmt_float(16777216.0f, buf, sizeof buf);
    TAP_OK(strcmp(buf, "16777216.0") == 0, "zsi_fmt_float(2^24)");
    zsi_fmt_float(NAN, buf, sizeof buf);
    TAP_OK(strcmp(buf, "NaN") == 0, "zsi_fmt_float(NaN)");
}

/* At a power of two the gap to the next smaller double is half the gap
 * to the next larger one, and the shortest text can lie above the value
 * while the nearest text with that many digits lies below (outside the
 * smaller half-gap).  zsi_fmt_double() once added a digit there: 2^-24
 * gave 5.9604644775390625e-08, Python 5.960464477539063e-08. */
static void t_fmt_pow2(void)
{
    char buf[64];
    int bad = 0, badf = 0;
    zsi_fmt_double(ldexp(1, -24), buf, sizeof buf);
    TAP_OK(strcmp(buf, "5.960464477539063e-08") == 0,
           "zsi_fmt_double(2^-24) is Python's 5.960464477539063e-08 "
           "(got %s)", buf);
    for (int e = -1074; e <= 1023; e++) {
        double d = ldexp(1, e);
        zsi_fmt_double(d, buf, sizeof buf);
        if (check_double(d, buf) && bad++ < 3)
            TAP_DIAG("2^%d -> '%s': %s", e, buf, check_double(d, buf));
    }
    TAP_OK(bad == 0, "zsi_fmt_double: every power of two is shortest "
           "(%d are not)", bad);
    for (int e = -149; e <= 127; e++) {
        float f = ldexpf(1, e);
        zsi_fmt_float(f, buf, sizeof buf);
        if (check_float(f, buf) && badf++ < 3)
            TAP_DIAG("2^%d -> '%s': %s", e, buf, check_float(f, buf));
    }
    TAP_OK(badf == 0, "zsi_fmt_float: every power of two is shortest "
           "(%d are not; 2^-96 is 1.2621775e-29)", badf);
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Strict UTF-8 validity (RFC 3629). */
static bool valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t len;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c >= 0xe0 && c <= 0xef) len = 3;
        else if (c >= 0xf0 && c <= 0xf4) len = 4;
        else return false;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            uint8_t b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                return false;
        }
        i += len;
    }
    return true;
}

static void t_utf8(void)
{
    int bad = 0;
    zsi_buf b = ZSI_BUF_INIT, c = ZSI_BUF_INIT;
    for (size_t i = 0; i < sizeof py_utf8 / sizeof py_utf8[0]; i++) {
        size_t want = py_utf8[i].outn;
        b.len = 0;
        if (!zsi_utf8_sanitize(py_utf8[i].in, py_utf8[i].n, &b)) {
            bad++;
            continue;
        }
        if (b.len != want || (want && memcmp(b.data, py_utf8[i].out,
                                             want))) {
            if (bad++ < 5)
                TAP_DIAG("case %zu differs from Python", i);
        }
    }
    TAP_OK(bad == 0, "zsi_utf8_sanitize equals Python's decode('utf-8', "
           "'replace') on %zu cases", sizeof py_utf8 / sizeof py_utf8[0]);
    bad = 0;
    for (int i = 0; i < 3000; i++) {
        uint8_t in[24];
        size_t n = (size_t)(rnd() % sizeof in);
        for (size_t k = 0; k < n; k++) {
            uint64_t r = rnd();
            in[k] = (uint8_t)(r % 4 == 0 ? 0x80 + (r >> 8) % 0x40
                              : r % 4 == 1 ? 0xc0 + (r >> 8) % 0x40
                              : r >> 16);
        }
        b.len = c.len = 0;
        zsi_utf8_sanitize((const char *)in, n, &b);
        zsi_utf8_sanitize(b.data ? (const char *)b.data : "", b.len, &c);
        if (!valid_utf8(b.data, b.len) || b.len != c.len ||
            (b.len && memcmp(b.data, c.data, b.len)) ||
            (valid_utf8(in, n) && (b.len != n ||
                                   (n && memcmp(b.data, in, n)))))
            bad++;
    }
    TAP_OK(bad == 0, "zsi_utf8_sanitize on 3000 random byte strings: valid "
           "output, idempotent, valid input unchanged");
    b.len = 0;
    zsi_utf8_sanitize("abc", 3, &b);
    zsi_utf8_sanitize("\xff", 1, &b);
    TAP_OK(b.len == 6 && memcmp(b.data, "abc\xef\xbf\xbd", 6) == 0,
           "zsi_utf8_sanitize appends");
    zsi_buf_free(&b);
    zsi_buf_free(&c);
}

/* ------------------------------------------------------------------ */
/* Typed attributes                                                    */
/* ------------------------------------------------------------------ */

static void t_attrs(void)
{
    zs_attrs *a = NULL, *c = NULL;
    int64_t iv[3] = {1, -2, INT64_MIN};
    uint64_t big = UINT64_MAX;
    double dv[2] = {0.5, NAN}, d;
    int64_t i;
    size_t idx = 99;
    char *js;
    TAP_OK(zsi_attrs_new(&a) == ZS_OK && zs_attrs_count(a) == 0,
           "zsi_attrs_new");
    TAP_OK(zsi_attrs_set(a, "ints", ZS_DT_INT64, iv, 3) &&
           zsi_attrs_set(a, "title", ZS_DT_STRING, "hello", 5) &&
           zsi_attrs_set(a, "f", ZS_DT_FLOAT64, dv, 2) &&
           zsi_attrs_set(a, "u", ZS_DT_UINT64, &big, 1) &&
           zsi_attrs_set(a, "empty", ZS_DT_INT32, NULL, 0) &&
           zsi_attrs_set(a, "j", ZS_DT_NONE, "{\"a\":1}", 7),
           "set six attributes");
    TAP_OK(zs_attrs_count(a) == 6 &&
           strcmp(zs_attrs_name(a, 0), "ints") == 0 &&
           strcmp(zs_attrs_name(a, 5), "j") == 0 &&
           zs_attrs_name(a, 6) == NULL, "order of insertion is kept");
    TAP_OK(zs_attrs_find(a, "f", &idx) && idx == 2 &&
           !zs_attrs_find(a, "F", &idx) && zs_attrs_find(a, "u", NULL),
           "find");
    TAP_OK(zs_attrs_type(a, 0) == ZS_DT_INT64 && zs_attrs_length(a, 0) == 3
           && zs_attrs_type(a, 1) == ZS_DT_STRING &&
           zs_attrs_length(a, 1) == 5 && zs_attrs_type(a, 99) == ZS_DT_NONE
           && zs_attrs_length(a, 99) == 0, "types and lengths");
    TAP_OK(zs_attrs_get_int64(a, 0, 2, &i) == ZS_OK && i == INT64_MIN &&
           zs_attrs_get_int64(a, 0, 3, &i) == ZS_ERR_RANGE &&
           zs_attrs_get_int64(a, 3, 0, &i) == ZS_ERR_RANGE &&
           zs_attrs_get_int64(a, 1, 0, &i) == ZS_ERR_INVALID,
           "get_int64: values, index out of range, uint64 too large, text");
    TAP_OK(zs_attrs_get_double(a, 2, 0, &d) == ZS_OK && d == 0.5 &&
           zs_attrs_get_double(a, 2, 1, &d) == ZS_OK && isnan(d) &&
           zs_attrs_get_double(a, 0, 1, &d) == ZS_OK && d == -2 &&
           zs_attrs_get_double(a, 4, 0, &d) == ZS_ERR_RANGE,
           "get_double");
    TAP_OK(strcmp(zs_attrs_get_string(a, 1), "hello") == 0 &&
           strcmp(zs_attrs_get_string(a, 5), "{\"a\":1}") == 0 &&
           zs_attrs_get_string(a, 0) == NULL &&
           zsi_attrs_text(a, "title") != NULL &&
           zsi_attrs_text(a, "ints") == NULL, "get_string");
    TAP_OK(zsi_attrs_double(a, "ints", &d) == 1 && d == 1 &&
           zsi_attrs_double(a, "title", &d) == 0 &&
           zsi_attrs_double(a, "empty", &d) == 0 &&
           zsi_attrs_double(a, "none", &d) == 0, "zsi_attrs_double");
    TAP_OK(zsi_attrs_copy(a, &c) == ZS_OK && zs_attrs_count(c) == 6,
           "copy");
    /* replace changes type and value in place; the copy is independent */
    TAP_OK(zsi_attrs_set(a, "ints", ZS_DT_STRING, "now text", 8) &&
           zs_attrs_count(a) == 6 && zs_attrs_type(a, 0) == ZS_DT_STRING &&
           strcmp(zs_attrs_name(a, 0), "ints") == 0,
           "set on an existing name replaces it in place");
    TAP_OK(zs_attrs_type(c, 0) == ZS_DT_INT64 &&
           zs_attrs_get_int64(c, 0, 1, &i) == ZS_OK && i == -2,
           "the copy is deep");
    TAP_OK(zsi_attrs_value_equal(a, 2, c, 2) &&
           !zsi_attrs_value_equal(a, 0, c, 0) &&
           zsi_attrs_value_equal(a, 3, c, 3), "value_equal (NaN bits "
           "compare equal)");
    TAP_OK(zsi_attrs_remove(a, "f") && !zsi_attrs_remove(a, "f") &&
           zs_attrs_count(a) == 5 && strcmp(zs_attrs_name(a, 2), "u") == 0,
           "remove keeps the order of the rest");
    TAP_OK(zsi_attrs_remove(a, "j") && zs_attrs_count(a) == 4 &&
           zsi_attrs_remove(a, "ints") &&
           strcmp(zs_attrs_name(a, 0), "title") == 0,
           "remove the last and the first");
    TAP_OK(zs_attrs_count(NULL) == 0 && zs_attrs_name(NULL, 0) == NULL &&
           !zs_attrs_find(NULL, "x", &idx) &&
           zs_attrs_get_string(NULL, 0) == NULL,
           "accessors accept NULL");
    TAP_OK(!zsi_attrs_set(a, "bad", ZS_DT_BYTES, "x", 1),
           "fixed-width string types are refused");
    TAP_OK(zs_attrs_to_json(c, 0, &js) == ZS_OK &&
           strcmp(js, "[1,-2,-9223372036854775808]") == 0,
           "to_json of int64 values");
    free(js);
    TAP_OK(zs_attrs_to_json(c, 2, &js) == ZS_OK &&
           strcmp(js, "[0.5,\"NaN\"]") == 0, "to_json of doubles");
    free(js);
    TAP_OK(zs_attrs_to_json(c, 3, &js) == ZS_OK &&
           strcmp(js, "18446744073709551615") == 0, "to_json of uint64");
    free(js);
    TAP_OK(zs_attrs_to_json(c, 4, &js) == ZS_OK && strcmp(js, "[]") == 0,
           "to_json of an empty list");
    free(js);
    TAP_OK(zs_attrs_to_json(c, 1, &js) == ZS_OK &&
           strcmp(js, "\"hello\"") == 0, "to_json of text");
    free(js);
    TAP_OK(zs_attrs_to_json(c, 6, &js) == ZS_ERR_RANGE,
           "to_json out of range");
    zsi_attrs_free(a);
    zsi_attrs_free(c);
    zsi_attrs_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Half floats                                                         */
/* ------------------------------------------------------------------ */

/* Reference value of a half, computed independently. */
static double half_ref(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 31)
        v = m ? NAN : INFINITY;
    else if (e == 0)
        v = ldexp(m, -24);
    else
        v = ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -v : v;
}

static void t_half(void)
{
    int bad_val = 0, bad_rt = 0, bad_nan = 0, bad_rnd = 0;
    static double pos[0x7c01];   /* finite positive halves, ascending */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = zsi_half_to_float((uint16_t)h);
        double r = half_ref((uint16_t)h);
        if (isnan(r)) {
            uint16_t back = zsi_float_to_half(f);
            if (!isnan(f) || !!signbit(f) != !!(h & 0x8000) ||
                (back & 0x7c00) != 0x7c00 || !(back & 0x3ff) ||
                (back & 0x8000) != (h & 0x8000))
                bad_nan++;
            continue;
        }
        if ((double)f != r || !!signbit(f) != !!signbit(r))
            bad_val++;
        if (zsi_float_to_half(f) != h)
            bad_rt++;
    }
    TAP_OK(bad_val == 0, "zsi_half_to_float: all 65536 values exact (%d "
           "bad)", bad_val);
    TAP_OK(bad_rt == 0, "half -> float -> half gives every non-NaN value "
           "back (%d bad)", bad_rt);
    TAP_OK(bad_nan == 0, "NaN halves stay NaN with their sign (%d bad)",
           bad_nan);
    /* rounding of floats to half: nearest, ties to even */
    for (uint16_t h = 0; h <= 0x7c00; h++)
        pos[h] = half_ref(h);
    for (int i = 0; i < 200000; i++) {
        uint32_t b = (uint32_t)rnd();
        float f;
        double a;
        uint16_t want, got;
        b = (b & 0x80000000u) | ((b & 0x7fffffffu) % 0x47800000u);
        if (i % 3 == 0) {  /* exactly halfway between two halves */
            uint16_t h = (uint16_t)(rnd() % 0x7bff);
            f = (float)((pos[h] + pos[h + 1]) / 2);
            if (rnd() & 1)
                f = -f;
        } else {
            f = bits_to_float(b);
        }
        a = fabs((double)f);
        {
            size_t lo = 0, hi = 0x7c00;   /* pos[lo] <= a < pos[hi] */
            if (a >= 65520.0) {
                want = 0x7c00;
            } else {
                while (hi - lo > 1) {
                    size_t mid = (lo + hi) / 2;
                    if (pos[mid] <= a)
                        lo = mid;
                    else
                        hi = mid;
                }
                if (a - pos[lo] < pos[hi] - a)
                    want = (uint16_t)lo;
                else if (a - pos[lo] > pos[hi] - a)
                    want = (uint16_t)hi;
                else
                    want = (uint16_t)((lo & 1) ? hi : lo);
            }
        }
        if (signbit(f))
            want |= 0x8000;
        got = zsi_float_to_half(f);
        if (got != want && bad_rnd++ < 5)
            TAP_DIAG("%.9g -> %04x, want %04x", (double)f, got, want);
    }
    TAP_OK(bad_rnd == 0, "zsi_float_to_half rounds 200000 floats to the "
           "nearest half, ties to even (%d bad)", bad_rnd);
    TAP_OK(zsi_float_to_half(65519.99f) == 0x7bff &&
           zsi_float_to_half(65520.0f) == 0x7c00 &&
           zsi_float_to_half(1e10f) == 0x7c00 &&
           zsi_float_to_half(-1e10f) == 0xfc00 &&
           zsi_float_to_half(INFINITY) == 0x7c00 &&
           zsi_float_to_half(1e-10f) == 0 &&
           zsi_float_to_half(-1e-10f) == 0x8000 &&
           zsi_float_to_half(2.98023224e-08f) == 0 &&
           zsi_float_to_half(2.9802326e-08f) == 1,
           "overflow to infinity at 65520 (as NumPy), underflow to signed "
           "zero, ties at the smallest subnormal");
}

/* float -> half keeps the top 10 bits of a NaN payload, as NumPy does
 * (it once dropped them). */
static void t_half_nan(void)
{
    int bad = 0;
    for (uint32_t h = 0x7c01; h < 0x7c00 + 0x400; h++) {
        if (zsi_float_to_half(zsi_half_to_float((uint16_t)h)) != h)
            bad++;
        if (zsi_float_to_half(zsi_half_to_float((uint16_t)(h | 0x8000))) !=
            (h | 0x8000))
            bad++;
    }
    TAP_OK(bad == 0, "half NaN payloads survive half -> float -> half "
           "(%d of 2046 do not)", bad);
}

/* ------------------------------------------------------------------ */
/* Key/value lists, data types, SHA-256                                */
/* ------------------------------------------------------------------ */

static void t_kv(void)
{
    zsi_kv kv = {NULL, 0}, cp = {NULL, 0};
    int64_t i = 0, ints[3] = {3, -4, 5};
    double d = 0;
    const char *s = NULL;
    TAP_OK(zsi_kv_set_int(&kv, "level", 5) &&
           zsi_kv_set_string(&kv, "cname", "lz4") &&
           zsi_kv_set_bool(&kv, "on", true) &&
           zsi_kv_set_double(&kv, "scale", 2.0) &&
           zsi_kv_set_double(&kv, "half", 0.5) &&
           zsi_kv_set_null(&kv, "nothing") &&
           zsi_kv_set_ints(&kv, "shape", ints, 3) &&
           zsi_kv_set_json(&kv, "obj", "{\"a\":[1]}") && kv.n == 8,
           "kv: set eight items");
    TAP_OK(zsi_kv_get_int(&kv, "level", &i) == 1 && i == 5 &&
           zsi_kv_get_int(&kv, "scale", &i) == 1 && i == 2 &&
           zsi_kv_get_int(&kv, "half", &i) == -1 &&
           zsi_kv_get_int(&kv, "cname", &i) == -1 &&
           zsi_kv_get_int(&kv, "nothing", &i) == 0 &&
           zsi_kv_get_int(&kv, "absent", &i) == 0,
           "kv: get_int (integral doubles accepted, null is absent)");
    TAP_OK(zsi_kv_get_double(&kv, "level", &d) == 1 && d == 5 &&
           zsi_kv_get_double(&kv, "cname", &d) == -1 &&
           zsi_kv_get_string(&kv, "cname", &s) == 1 &&
           strcmp(s, "lz4") == 0 &&
           zsi_kv_get_string(&kv, "level", &s) == -1, "kv: typed gets");
    TAP_OK(zsi_kv_set_string(&kv, "level", "high") && kv.n == 8 &&
           zsi_kv_get_string(&kv, "level", &s) == 1 &&
           strcmp(kv.items[0].key, "level") == 0,
           "kv: setting an existing key replaces it in place");
    TAP_OK(zsi_kv_copy(&cp, &kv) && cp.n == 8 &&
           zsi_kv_find(&cp, "shape")->nints == 3 &&
           zsi_kv_find(&cp, "shape")->ints[1] == -4 &&
           strcmp(zsi_kv_find(&cp, "obj")->s, "{\"a\":[1]}") == 0 &&
           zsi_kv_find(&cp, "shape")->ints != zsi_kv_find(&kv, "shape")->ints,
           "kv: deep copy");
    zsi_kv_free(&kv);
    zsi_kv_free(&kv);
    TAP_OK(kv.n == 0 && zsi_kv_find(&kv, "level") == NULL,
           "kv: free twice is harmless");
    zsi_kv_free(&cp);
}

static void t_dtype(void)
{
    uint8_t buf[16];
    int64_t i;
    uint16_t s16[3] = {0x0102, 0x0304, 0x0506};
    TAP_OK(zsi_dtype_size(ZS_DT_FLOAT16) == 2 &&
           zsi_dtype_size(ZS_DT_UINT64) == 8 &&
           zsi_dtype_size(ZS_DT_STRING) == 0 &&
           zsi_dtype_is_int(ZS_DT_UINT8) && !zsi_dtype_is_int(ZS_DT_BOOL) &&
           zsi_dtype_is_signed(ZS_DT_FLOAT32) &&
           !zsi_dtype_is_signed(ZS_DT_UINT16) &&
           zsi_dtype_is_numeric(ZS_DT_BOOL) &&
           !zsi_dtype_is_numeric(ZS_DT_BYTES), "dtype predicates");
    TAP_OK(zsi_store_double(ZS_DT_INT8, buf, 0, -128) &&
           !zsi_store_double(ZS_DT_INT8, buf, 0, 128) &&
           !zsi_store_double(ZS_DT_INT16, buf, 0, 1.5) &&
           !zsi_store_double(ZS_DT_UINT32, buf, 0, -1) &&
           !zsi_store_double(ZS_DT_INT64, buf, 0, 9223372036854775808.0) &&
           zsi_store_double(ZS_DT_INT64, buf, 0, -9223372036854775808.0) &&
           !zsi_store_double(ZS_DT_UINT64, buf, 0, 18446744073709551616.0)
           && !zsi_store_double(ZS_DT_INT32, buf, 0, NAN) &&
           !zsi_store_double(ZS_DT_UINT8, buf, 0, INFINITY) &&
           !zsi_store_double(ZS_DT_STRING, buf, 0, 1),
           "store_double refuses out-of-range, fractional and NaN values "
           "for integers");
    zsi_store_double(ZS_DT_UINT64, buf, 0, 18446744073709549568.0);
    TAP_OK(!zsi_load_i64(ZS_DT_UINT64, buf, 0, &i), "load_i64 of a uint64 "
           "above INT64_MAX fails");
    {
        double big = 1e300, nan = NAN;
        TAP_OK(!zsi_load_i64(ZS_DT_FLOAT64, &big, 0, &i) &&
               !zsi_load_i64(ZS_DT_FLOAT64, &nan, 0, &i),
               "load_i64 of 1e300 and NaN fails");
    }
    zsi_byteswap(s16, 3, 2);
    TAP_OK(s16[0] == 0x0201 && s16[2] == 0x0605, "byteswap of 16-bit");
    zsi_byteswap(s16, 3, 1);
    TAP_OK(s16[0] == 0x0201, "byteswap of width 1 is a no-op");
}

static void t_sha256(void)
{
    zsi_sha256 *h;
    char hex[65];
    zsi_sha256_new(ctx, &h);
    zsi_sha256_final(h, hex);
    TAP_OK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
                       "a495991b7852b855") == 0, "SHA-256 of nothing");
    zsi_sha256_new(ctx, &h);
    zsi_sha256_update(h, "a", 1);
    zsi_sha256_update(h, "", 0);
    zsi_sha256_update(h, "bc", 2);
    zsi_sha256_final(h, hex);
    TAP_OK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
                       "b410ff61f20015ad") == 0, "SHA-256 of \"abc\" in "
           "pieces");
    zsi_sha256_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Thread pool                                                         */
/* ------------------------------------------------------------------ */

#define NTASKS 20000

struct job {
    uint64_t sum;
    int *hits;
    size_t fail_at;       /* task that fails, or SIZE_MAX */
    int ran;
    int max_index;
    bool slow;
    pthread_t threads[64];
    int nthreads;
    pthread_mutex_t lock;
};

static void seen_thread(struct job *j)
{
    pthread_t me = pthread_self();
    pthread_mutex_lock(&j->lock);
    for (int k = 0; k < j->nthreads; k++)
        if (pthread_equal(j->threads[k], me)) {
            pthread_mutex_unlock(&j->lock);
            return;
        }
    if (j->nthreads < 64)
        j->threads[j->nthreads++] = me;
    pthread_mutex_unlock(&j->lock);
}

static zs_status task(void *arg, size_t i)
{
    struct job *j = arg;
    __atomic_add_fetch(&j->sum, i, __ATOMIC_RELAXED);
    __atomic_add_fetch(&j->ran, 1, __ATOMIC_RELAXED);
    if (j->hits)
        __atomic_add_fetch(&j->hits[i], 1, __ATOMIC_RELAXED);
    seen_thread(j);
    pthread_mutex_lock(&j->lock);
    if ((int)i > j->max_index)
        j->max_index = (int)i;
    pthread_mutex_unlock(&j->lock);
    if (i == j->fail_at)
        return ZS_ERR_CORRUPT;
    if (j->slow) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return ZS_OK;
}

static void job_init(struct job *j, size_t n)
{
    memset(j, 0, sizeof *j);
    j->hits = n ? calloc(n, sizeof *j->hits) : NULL;
    j->fail_at = SIZE_MAX;
    j->max_index = -1;
    pthread_mutex_init(&j->lock, NULL);
}

static void job_free(struct job *j)
{
    free(j->hits);
    pthread_mutex_destroy(&j->lock);
}

struct nest {
    zs_ctx *ctx;
    int bad;
    uint64_t sum;
};

struct inner {
    pthread_t outer;
    int bad;
    uint64_t sum;
};

static zs_status inner_task(void *arg, size_t i)
{
    struct inner *in = arg;
    if (!pthread_equal(in->outer, pthread_self()))
        in->bad++;
    in->sum += i;    /* serial: no race */
    return ZS_OK;
}

static zs_status outer_task(void *arg, size_t i)
{
    struct nest *n = arg;
    struct inner in = {pthread_self(), 0, 0};
    zs_status st = zsi_parallel_for(n->ctx, 100, inner_task, &in);
    if (st != ZS_OK || in.bad || in.sum != 4950)
        __atomic_add_fetch(&n->bad, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&n->sum, i, __ATOMIC_RELAXED);
    return ZS_OK;
}

static void t_pool(void)
{
    struct job j;
    bool ok = true;
    zs_status st;
    TAP_OK(zs_ctx_set_threads(ctx, -1) == ZS_ERR_INVALID &&
           zs_ctx_set_threads(ctx, 1025) == ZS_ERR_INVALID &&
           zs_ctx_set_threads(ctx, 0) == ZS_OK &&
           zs_ctx_threads(ctx) == zsi_ncpu() && zsi_ncpu() >= 1,
           "thread counts: -1 and 1025 refused, 0 is one per core (%d)",
           zsi_ncpu());
    zs_ctx_set_threads(ctx, 6);
    job_init(&j, NTASKS);
    st = zsi_parallel_for(ctx, NTASKS, task, &j);
    for (size_t i = 0; i < NTASKS; i++)
        if (j.hits[i] != 1)
            ok = false;
    TAP_OK(st == ZS_OK && ok &&
           j.sum == (uint64_t)NTASKS * (NTASKS - 1) / 2,
           "parallel_for: %d tasks each run once, sum right (%d threads "
           "took part)", NTASKS, j.nthreads);
    job_free(&j);

    job_init(&j, 0);
    TAP_OK(zsi_parallel_for(ctx, 0, task, &j) == ZS_OK && j.ran == 0,
           "parallel_for of 0 tasks runs nothing");
    job_free(&j);
    job_init(&j, 1);
    TAP_OK(zsi_parallel_for(ctx, 1, task, &j) == ZS_OK && j.ran == 1 &&
           pthread_equal(j.threads[0], pthread_self()),
           "parallel_for of 1 task runs it in the calling thread");
    job_free(&j);

    job_init(&j, 100000);
    j.fail_at = 50;
    j.slow = true;
    st = zsi_parallel_for(ctx, 100000, task, &j);
    ok = true;
    for (size_t i = 0; i <= 50; i++)
        if (j.hits[i] != 1)
            ok = false;
    TAP_OK(st == ZS_ERR_CORRUPT && ok && j.ran < 50000,
           "an error stops further tasks and is returned (%d of 100000 "
           "ran, highest %d)", j.ran, j.max_index);
    job_free(&j);

    zs_ctx_set_threads(ctx, 1);
    job_init(&j, 1000);
    j.fail_at = 50;
    st = zsi_parallel_for(ctx, 1000, task, &j);
    TAP_OK(st == ZS_ERR_CORRUPT && j.ran == 51 && j.max_index == 50,
           "serially, tasks after the failing one do not run");
    job_free(&j);

    zs_ctx_set_threads(ctx, 4);
    {
        struct nest n = {ctx, 0, 0};
        st = zsi_parallel_for(ctx, 16, outer_task, &n);
        TAP_OK(st == ZS_OK && n.bad == 0 && n.sum == 120,
               "a nested parallel_for runs serially in the task's thread");
    }
    job_init(&j, 1000);
    st = zsi_parallel_for_n(ctx, 1000, 1, task, &j);
    TAP_OK(st == ZS_OK && j.nthreads == 1 &&
           pthread_equal(j.threads[0], pthread_self()) && j.ran == 1000,
           "parallel_for_n with 1 worker runs in the calling thread");
    job_free(&j);
    job_init(&j, 1000);
    j.slow = true;
    st = zsi_parallel_for_n(ctx, 1000, 2, task, &j);
    TAP_OK(st == ZS_OK && j.nthreads <= 2 && j.ran == 1000,
           "parallel_for_n with 2 workers uses at most 2 threads (%d)",
           j.nthreads);
    job_free(&j);
    ok = true;
    for (int loop = 0; loop < 3000 && ok; loop++) {
        size_t n = 2 + (size_t)(loop % 9);
        job_init(&j, 0);
        if (loop % 7 == 3)
            j.fail_at = n - 1;
        st = zsi_parallel_for(ctx, n, task, &j);
        if ((loop % 7 == 3 ? st != ZS_ERR_CORRUPT : st != ZS_OK) ||
            (loop % 7 != 3 && j.sum != n * (n - 1) / 2))
            ok = false;
        job_free(&j);
    }
    TAP_OK(ok, "3000 short loops in a row on one pool");
    /* changing the thread count replaces the pool */
    zs_ctx_set_threads(ctx, 3);
    job_init(&j, 5000);
    j.slow = false;
    st = zsi_parallel_for(ctx, 5000, task, &j);
    TAP_OK(st == ZS_OK && j.ran == 5000 && j.nthreads <= 3,
           "after zs_ctx_set_threads(3): at most 3 threads (%d)",
           j.nthreads);
    job_free(&j);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 99;
    {
        t_status();
        t_redirect();
        t_buf();
        t_strings();
        t_parse();
        t_key_ok();
        t_fmt_double();
        t_fmt_float();
        t_utf8();
        t_attrs();
        t_half();
        t_kv();
        t_dtype();
        t_sha256();
        t_pool();
        t_parse_space();
        t_names_set();
        t_fmt_pow2();
        t_half_nan();
    }
    zs_ctx_free(ctx);
    return TAP_DONE();
}
