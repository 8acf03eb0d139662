/*
 * test_store.c - the store conformance suite: one set of checks written
 * against the public store API (zs_store_open/get/get_range/set/erase/
 * list/commit/discard/close), run against every back-end listed in the
 * table "backends" below.  A new back-end is one line in that table: its
 * name, how to name a fresh store, where it lives on disk (if it does)
 * and what it can do; checks that need an ability it lacks are skipped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/zsi_store.h"
#include "tap.h"

static zs_ctx *ctx;
static char *tmproot;     /* private scratch directory */
static int case_no;       /* makes store names unique */

/* ------------------------------------------------------------------ */
/* Back-ends                                                           */
/* ------------------------------------------------------------------ */

enum {
    CAP_WRITE = 1,       /* set, erase, discard */
    CAP_LIST = 2,        /* list */
    CAP_PARTIAL = 4,     /* ZS_STORE_PARTIAL writes NAME.partial on disk */
    CAP_FS = 8,          /* the store is a tree of files we can inspect */
    CAP_CONCURRENT = 16, /* set() from several threads at once */
    CAP_STREAM = 32      /* written once, readable after commit (tar) */
};

typedef struct backend {
    const char *kind;
    /* An environment variable the back-end needs (a server started by
     * tests/interop/store-conformance.sh), or NULL. */
    const char *needs;
    /* Name of a store that does not exist yet (malloc'd). */
    char *(*name)(const char *tag);
    /* Path of the store on disk for CAP_FS / CAP_PARTIAL (malloc'd). */
    char *(*path)(const char *name);
    unsigned caps;
    /* Read-only back-ends (http): fill store "name" with the n pairs by
     * other means.  NULL: written through the store itself. */
    zs_status (*seed)(const char *name, const char *const *keys,
                      const void *const *vals, const size_t *lens,
                      size_t n);
} backend;

static char *dir_name(const char *tag)
{
    return zsi_asprintf("%s/%s-%d", tmproot, tag, ++case_no);
}

static char *dir_path(const char *name)
{
    return zsi_strdup(name);
}

static char *file_url_name(const char *tag)
{
    return zsi_asprintf("file://%s/%s-%d", tmproot, tag, ++case_no);
}

static char *file_url_path(const char *name)
{
    return zsi_strdup(name + strlen("file://"));
}

static char *mem_name(const char *tag)
{
    return zsi_asprintf("mem://%s-%d", tag, ++case_no);
}

static char *tar_name(const char *tag)
{
    return zsi_asprintf("%s/%s-%d.tar", tmproot, tag, ++case_no);
}

static char *zip_name(const char *tag)
{
    return zsi_asprintf("%s/%s-%d.zip", tmproot, tag, ++case_no);
}

/* HTTP: ZS_TEST_HTTP_URL serves the directory ZS_TEST_HTTP_ROOT. */
static char *http_name(const char *tag)
{
    return zsi_asprintf("%s/%s-%d", getenv("ZS_TEST_HTTP_URL"), tag,
                        ++case_no);
}

/* Write the pairs as files below the served directory. */
static zs_status http_seed(const char *name, const char *const *keys,
                           const void *const *vals, const size_t *lens,
                           size_t n)
{
    const char *url = getenv("ZS_TEST_HTTP_URL");
    char *dir = zsi_path_join(getenv("ZS_TEST_HTTP_ROOT"),
                              name + strlen(url) + 1);
    zs_status st = ZS_OK;
    mkdir(dir, 0777);
    for (size_t i = 0; st == ZS_OK && i < n; i++) {
        char *path = zsi_path_join(dir, keys[i]);
        FILE *f;
        for (char *p = path + strlen(dir) + 1; *p; p++)
            if (*p == '/') {
                *p = 0;
                mkdir(path, 0777);
                *p = '/';
            }
        f = fopen(path, "wb");
        if (!f || fwrite(vals[i], 1, lens[i], f) != lens[i])
            st = ZS_ERR_IO;
        if (f && fclose(f) != 0)
            st = ZS_ERR_IO;
        free(path);
    }
    free(dir);
    return st;
}

/* S3: a bucket ZS_TEST_S3_BUCKET on the server ZS_TEST_S3_ENDPOINT. */
static char *s3_name(const char *tag)
{
    return zsi_asprintf("s3://%s/%s-%d", getenv("ZS_TEST_S3_BUCKET"), tag,
                        ++case_no);
}

#define FILES (CAP_WRITE | CAP_LIST | CAP_PARTIAL | CAP_FS | CAP_CONCURRENT)

static const backend backends[] = {
    {"directory", NULL, dir_name, dir_path, FILES, NULL},
    {"file-url", NULL, file_url_name, file_url_path, FILES, NULL},
    {"memory", NULL, mem_name, NULL, CAP_WRITE | CAP_LIST | CAP_CONCURRENT,
     NULL},
    {"zip", NULL, zip_name, dir_path,
     CAP_WRITE | CAP_LIST | CAP_PARTIAL | CAP_CONCURRENT, NULL},
    {"tar", NULL, tar_name, dir_path, CAP_WRITE | CAP_LIST | CAP_STREAM,
     NULL},
    {"http", "ZS_TEST_HTTP_URL", http_name, NULL, 0, http_seed},
    {"s3", "ZS_TEST_S3_BUCKET", s3_name, NULL,
     CAP_WRITE | CAP_LIST | CAP_CONCURRENT, NULL},
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rnd() >> 32);
}

static int rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        if (!d)
            return -1;
        while ((e = readdir(d))) {
            char *sub;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            sub = zsi_path_join(path, e->d_name);
            rm_rf(sub);
            free(sub);
        }
        closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Every path below dir (relative, sorted) into v. */
static void tree(const char *dir, const char *rel, zsi_strv *v)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d))) {
        char *full, *r;
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        full = zsi_path_join(dir, e->d_name);
        r = zsi_path_join(rel, e->d_name);
        zsi_strv_push(v, r);
        if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
            tree(full, r, v);
        free(full);
        free(r);
    }
    closedir(d);
    zsi_strv_sort(v);
}

static bool same_strv(const zsi_strv *a, const zsi_strv *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]))
            return false;
    return true;
}

/* Collect keys from zs_store_list. */
struct keys {
    zsi_strv v;
    int calls;
    int stop_after;   /* return non-zero after this many calls (0: never) */
};

static int collect(void *user, const char *key)
{
    struct keys *k = user;
    zsi_strv_push(&k->v, key);
    k->calls++;
    return k->stop_after && k->calls >= k->stop_after;
}

static zs_status list(zs_store *s, const char *prefix, zsi_strv *out)
{
    struct keys k = {{0}, 0, 0};
    zs_status st = zs_store_list(s, prefix, collect, &k);
    zsi_strv_sort(&k.v);
    *out = k.v;
    return st;
}

/* Keys joined with spaces, for messages and comparisons. */
static char *joined(const zsi_strv *v)
{
    zsi_buf b = ZSI_BUF_INIT;
    for (size_t i = 0; i < v->n; i++)
        zsi_buf_printf(&b, "%s%s", i ? " " : "", v->v[i]);
    if (!zsi_buf_cstr(&b))
        abort();
    return (char *)zsi_buf_take(&b);
}

static bool list_is(zs_store *s, const char *prefix, const char *want)
{
    zsi_strv v;
    zs_status st = list(s, prefix, &v);
    char *got = joined(&v);
    bool ok = st == ZS_OK && strcmp(got, want) == 0;
    if (!ok)
        TAP_DIAG("list '%s': status %d, got [%s], want [%s]", prefix, st,
                 got, want);
    free(got);
    zsi_strv_free(&v);
    return ok;
}

/* Read key: 1 if it holds exactly len bytes equal to data, 0 if the key
 * is absent (status OK), -1 otherwise. */
static int value_is(zs_store *s, const char *key, const void *data,
                    size_t len)
{
    void *p = (void *)1;
    size_t n = 99;
    int found = -1;
    zs_status st = zs_store_get(s, key, &p, &n, &found);
    int r = -1;
    if (st == ZS_OK && found == 0 && p == NULL && n == 0)
        r = 0;
    else if (st == ZS_OK && found == 1 && n == len &&
             (len == 0 || memcmp(p, data, len) == 0))
        r = 1;
    if (st == ZS_OK && found == 1)
        zs_free(p);
    return r;
}

static bool absent(zs_store *s, const char *key)
{
    return value_is(s, key, NULL, 0) == 0;
}

/* A key naming a folder of other keys: absent, except in stores that
 * are folders on disk (CAP_FS), where a directory in a key's place is an
 * error naming the key, never a missing value (issue 15). */
static bool folder_key(const backend *b, zs_store *s, const char *key)
{
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    zs_status st;
    if (!(b->caps & CAP_FS))
        return absent(s, key);
    st = zs_store_get(s, key, &p, &n, &found);
    if (found)
        zs_free(p);
    if (st != ZS_ERR_FORMAT || found ||
        !strstr(zs_ctx_message(ctx), "a directory where a value"))
        TAP_DIAG("%s: status %d, found %d: %s", key, st, found,
                 st ? zs_ctx_message(ctx) : "");
    return st == ZS_ERR_FORMAT && !found &&
           strstr(zs_ctx_message(ctx), key) &&
           strstr(zs_ctx_message(ctx), "a directory where a value");
}

static bool holds(zs_store *s, const char *key, const char *text)
{
    return value_is(s, key, text, strlen(text)) == 1;
}

/* Open a new store filled with the n given keys and (binary) values, and
 * reopen it read-only (the handle used by read checks).  Read-only
 * back-ends are filled by b->seed, the others through the store. */
static zs_store *seeded_bin(const backend *b, const char *tag,
                            const char *const *keys,
                            const void *const *vals, const size_t *lens,
                            size_t n, char **name)
{
    zs_store *s = NULL;
    zs_status st;
    *name = b->name(tag);
    if (b->seed) {
        st = b->seed(*name, keys, vals, lens, n);
    } else {
        st = zs_store_open(ctx, *name, ZS_STORE_CREATE, &s);
        for (size_t i = 0; st == ZS_OK && i < n; i++)
            st = zs_store_set(s, keys[i], vals[i], lens[i]);
        if (st == ZS_OK)
            st = zs_store_commit(s);
        zs_store_close(s);
        s = NULL;
    }
    if (st == ZS_OK)
        st = zs_store_open(ctx, *name, ZS_STORE_READ, &s);
    if (st != ZS_OK) {
        TAP_DIAG("%s: cannot seed %s: %s", b->kind, *name,
                 zs_ctx_message(ctx));
        return NULL;
    }
    return s;
}

/* The same with key/value texts: kv holds npairs pairs (64 at most). */
static zs_store *seeded(const backend *b, const char *tag,
                        const char *const *kv, size_t npairs, char **name)
{
    const char *keys[64];
    const void *vals[64];
    size_t lens[64];
    if (npairs > 64)
        npairs = 64;
    for (size_t i = 0; i < npairs; i++) {
        keys[i] = kv[2 * i];
        vals[i] = kv[2 * i + 1];
        lens[i] = strlen(kv[2 * i + 1]);
    }
    return seeded_bin(b, tag, keys, vals, lens, npairs, name);
}

/* A new empty writable store. */
static zs_store *fresh(const backend *b, const char *tag, char **name)
{
    zs_store *s = NULL;
    *name = b->name(tag);
    if (zs_store_open(ctx, *name, ZS_STORE_CREATE, &s) != ZS_OK) {
        TAP_DIAG("%s: cannot create %s: %s", b->kind, *name,
                 zs_ctx_message(ctx));
        return NULL;
    }
    return s;
}

static void drop(const backend *b, zs_store *s, char *name)
{
    zs_store_close(s);
    if (b->path) {
        char *p = b->path(name);
        char *part = zsi_asprintf("%s.partial", p);
        rm_rf(p);
        rm_rf(part);
        free(part);
        free(p);
    }
    free(name);
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */
/* ------------------------------------------------------------------ */

static void t_open_missing(const backend *b)
{
    char *name = b->name("missing");
    zs_store *s = NULL;
    zs_status st = zs_store_open(ctx, name, ZS_STORE_READ, &s);
    TAP_OK(st == ZS_ERR_NOTFOUND && s == NULL,
           "%s: opening a missing store for reading gives ZS_ERR_NOTFOUND "
           "(%d)", b->kind, st);
    zs_store_close(s);
    if (b->path) {
        char *p = b->path(name);
        TAP_OK(!exists(p), "%s: ... and creates nothing", b->kind);
        free(p);
    }
    free(name);
}

static void t_missing_keys(const backend *b)
{
    static const char *const kv[] = {"a/b", "x", "k", "v"};
    char *name;
    zs_store *s = seeded(b, "missing-keys", kv, 2, &name);
    void *p = (void *)1;
    size_t n = 7;
    int found = 7;
    zs_status st;
    if (!s) {
        TAP_OK(0, "%s: seeded store", b->kind);
        free(name);
        return;
    }
    st = zs_store_get(s, "nope", &p, &n, &found);
    TAP_OK(st == ZS_OK && found == 0 && p == NULL && n == 0,
           "%s: get of a missing key succeeds with found=0", b->kind);
    p = (void *)1;
    found = 7;
    st = zs_store_get_range(s, "nope", 0, 10, &p, &n, &found);
    TAP_OK(st == ZS_OK && found == 0 && p == NULL && n == 0,
           "%s: get_range of a missing key succeeds with found=0", b->kind);
    TAP_OK(folder_key(b, s, "a"), "%s: a key's parent 'directory' is not a "
           "key%s", b->kind, b->caps & CAP_FS ? " (an error naming it)" : "");
    TAP_OK(absent(s, "a/b/c"), "%s: a key below a value is not found",
           b->kind);
    TAP_OK(absent(s, "A/B"), "%s: keys are case-sensitive", b->kind);
    TAP_OK(holds(s, "a/b", "x") && holds(s, "k", "v"),
           "%s: the present keys are found", b->kind);
    drop(b, s, name);
}

static void t_roundtrip(const backend *b)
{
    char *name;
    zs_store *s;
    size_t big = (8u << 20) + 5;
    uint8_t *data = malloc(big);
    if (!(b->caps & CAP_WRITE)) {
        TAP_SKIP("read-only back-end: set/get round trips");
        free(data);
        return;
    }
    s = fresh(b, "roundtrip", &name);
    if (!s || !data) {
        TAP_OK(0, "%s: store for round trips", b->kind);
        free(data);
        free(name);
        return;
    }
    rnd_bytes(data, big);
    TAP_OK(zs_store_set(s, "empty", "", 0) == ZS_OK &&
           value_is(s, "empty", "", 0) == 1,
           "%s: empty value round trip (found=1, len=0)", b->kind);
    TAP_OK(zs_store_set(s, "one", "\0", 1) == ZS_OK &&
           value_is(s, "one", "\0", 1) == 1,
           "%s: 1-byte value round trip (a NUL byte)", b->kind);
    TAP_OK(zs_store_set(s, "big/value", data, big) == ZS_OK &&
           value_is(s, "big/value", data, big) == 1,
           "%s: %zu-byte value round trip", b->kind, big);
    /* overwrite a long value with a shorter one, then a longer one */
    TAP_OK(zs_store_set(s, "big/value", "short", 5) == ZS_OK &&
           holds(s, "big/value", "short"),
           "%s: overwrite with a shorter value", b->kind);
    TAP_OK(zs_store_set(s, "big/value", data, 1000) == ZS_OK &&
           value_is(s, "big/value", data, 1000) == 1,
           "%s: overwrite with a longer value", b->kind);
    TAP_OK(zs_store_set(s, "empty", "now", 3) == ZS_OK &&
           holds(s, "empty", "now") && zs_store_set(s, "empty", "", 0) ==
           ZS_OK && value_is(s, "empty", "", 0) == 1,
           "%s: overwrite empty -> 3 bytes -> empty", b->kind);
    TAP_OK(strcmp(zs_store_name(s), name) == 0 ||
           strstr(name, zs_store_name(s)) != NULL,
           "%s: zs_store_name gives the name ('%s')", b->kind,
           zs_store_name(s));
    free(data);
    drop(b, s, name);
}

/* Values put in a store (by the store itself, or by other means for
 * read-only back-ends), then read from a new read-only handle: empty,
 * one NUL byte, 100 bytes 0..99, 8 MiB + 5 random bytes; ranges at the
 * edges of the big one; keys around them missing. */
static void t_values(const backend *b)
{
    static const char *const keys[] = {"empty", "one", "r", "big/value"};
    size_t big = (8u << 20) + 5;
    uint8_t *data = malloc(big), v[100];
    const void *vals[4];
    size_t lens[4] = {0, 1, sizeof v, big};
    char *name;
    zs_store *s;
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    zs_status st;
    bool ok;
    if (!data) {
        TAP_OK(0, "%s: memory for values", b->kind);
        return;
    }
    rnd_bytes(data, big);
    for (int i = 0; i < 100; i++)
        v[i] = (uint8_t)i;
    vals[0] = "";
    vals[1] = "\0";
    vals[2] = v;
    vals[3] = data;
    s = seeded_bin(b, "values", keys, vals, lens, 4, &name);
    if (!s) {
        TAP_OK(0, "%s: seeded store for values", b->kind);
        free(data);
        free(name);
        return;
    }
    TAP_OK(value_is(s, "empty", "", 0) == 1,
           "%s: an empty value reads (found=1, len=0)", b->kind);
    TAP_OK(value_is(s, "one", "\0", 1) == 1,
           "%s: a 1-byte value (a NUL byte) reads", b->kind);
    TAP_OK(value_is(s, "r", v, sizeof v) == 1,
           "%s: a 100-byte value reads", b->kind);
    TAP_OK(value_is(s, "big/value", data, big) == 1,
           "%s: a %zu-byte value reads", b->kind, big);
    ok = zs_store_get_range(s, "big/value", big - 5, 100, &p, &n,
                            &found) == ZS_OK && found == 1 && n == 5 &&
         memcmp(p, data + big - 5, 5) == 0;
    if (found == 1)
        zs_free(p);
    found = 0;
    ok = ok && zs_store_get_range(s, "big/value", 4u << 20, 1u << 20, &p,
                                  &n, &found) == ZS_OK && found == 1 &&
         n == 1u << 20 && memcmp(p, data + (4u << 20), n) == 0;
    if (found == 1)
        zs_free(p);
    TAP_OK(ok, "%s: get_range of the big value: 1 MiB inside, the last "
           "5 bytes", b->kind);
    found = 0;
    st = zs_store_get_range(s, "empty", 0, 10, &p, &n, &found);
    ok = st == ZS_OK && found == 1 && n == 0;
    if (found == 1)
        zs_free(p);
    if (!ok)
        TAP_DIAG("status %d found %d len %zu: %s", st, found, n,
                 st ? zs_ctx_message(ctx) : "");
    TAP_OK(ok, "%s: get_range of an empty value: found, 0 bytes",
           b->kind);
    TAP_OK(folder_key(b, s, "big") && absent(s, "big/value/x") &&
           absent(s, "big/valu") && absent(s, "r.0"),
           "%s: keys beside, above and below the values are missing",
           b->kind);
    free(data);
    drop(b, s, name);
}

/* get_range of [off, off+len) of a 100-byte value 0..99. */
static bool range_is(zs_store *s, uint64_t off, uint64_t len,
                     size_t want_off, size_t want_len)
{
    void *p = NULL;
    size_t n = 77;
    int found = 0;
    bool ok;
    zs_status st = zs_store_get_range(s, "r", off, len, &p, &n, &found);
    ok = st == ZS_OK && found == 1 && n == want_len;
    for (size_t i = 0; ok && i < n; i++)
        ok = ((uint8_t *)p)[i] == (uint8_t)(want_off + i);
    if (st == ZS_OK && found)
        zs_free(p);
    if (!ok)
        TAP_DIAG("range (%llu, %llu): status %d found %d len %zu",
                 (unsigned long long)off, (unsigned long long)len, st,
                 found, n);
    return ok;
}

static void t_range(const backend *b)
{
    uint8_t v[100];
    char *name;
    zs_store *s;
    for (int i = 0; i < 100; i++)
        v[i] = (uint8_t)i;
    if (b->seed) {
        static const char *const key[] = {"r"};
        const void *val[] = {v};
        const size_t len[] = {sizeof v};
        s = seeded_bin(b, "range", key, val, len, 1, &name);
    } else {
        s = fresh(b, "range", &name);
        if (s && zs_store_set(s, "r", v, sizeof v) != ZS_OK) {
            zs_store_close(s);
            s = NULL;
        }
    }
    if (!s) {
        TAP_OK(0, "%s: store for ranges", b->kind);
        drop(b, s, name);
        return;
    }
    TAP_OK(range_is(s, 10, 20, 10, 20), "%s: get_range inside", b->kind);
    TAP_OK(range_is(s, 0, 100, 0, 100), "%s: get_range of everything",
           b->kind);
    TAP_OK(range_is(s, 90, 10, 90, 10), "%s: get_range ending at the end",
           b->kind);
    TAP_OK(range_is(s, 95, 10, 95, 5),
           "%s: get_range crossing the end is short", b->kind);
    TAP_OK(range_is(s, 100, 5, 100, 0),
           "%s: get_range starting at the end: found, 0 bytes", b->kind);
    TAP_OK(range_is(s, 1000, 5, 0, 0),
           "%s: get_range past the end: found, 0 bytes", b->kind);
    TAP_OK(range_is(s, UINT64_MAX, UINT64_MAX, 0, 0),
           "%s: get_range at offset UINT64_MAX", b->kind);
    TAP_OK(range_is(s, 50, UINT64_MAX, 50, 50),
           "%s: get_range with length UINT64_MAX", b->kind);
    TAP_OK(range_is(s, 7, 0, 7, 0), "%s: get_range of 0 bytes", b->kind);
    drop(b, s, name);
}

static void t_erase(const backend *b)
{
    char *name;
    zs_store *s;
    if (!(b->caps & CAP_WRITE)) {
        TAP_SKIP("read-only back-end: erase");
        return;
    }
    s = fresh(b, "erase", &name);
    if (!s) {
        TAP_OK(0, "%s: store for erase", b->kind);
        free(name);
        return;
    }
    zs_store_set(s, "k", "v", 1);
    zs_store_set(s, "d/k", "v", 1);
    TAP_OK(zs_store_erase(s, "k") == ZS_OK && absent(s, "k"),
           "%s: erase of a present key removes it", b->kind);
    TAP_OK(zs_store_erase(s, "k") == ZS_OK,
           "%s: erase of an absent key succeeds", b->kind);
    TAP_OK(zs_store_erase(s, "never/was") == ZS_OK,
           "%s: erase of an absent nested key succeeds", b->kind);
    TAP_OK(zs_store_erase(s, "d/k") == ZS_OK && absent(s, "d/k") &&
           zs_store_set(s, "d/k", "w", 1) == ZS_OK && holds(s, "d/k", "w"),
           "%s: erase then set again", b->kind);
    drop(b, s, name);
}

static void t_list(const backend *b)
{
    static const char *const kv[] = {
        "a/1", "1", "a/b/2", "2", "ab", "3", "abc/4", "4", "b", "5",
        "a/b/c/d/e/5", "6", ".zgroup", "7", "a/.zarray", "8",
    };
    char *name;
    zs_store *s = seeded(b, "list", kv, sizeof kv / sizeof kv[0] / 2,
                         &name);
    struct keys k = {{0}, 0, 1};
    zsi_strv v;
    if (!(b->caps & CAP_LIST)) {
        TAP_SKIP("back-end cannot list");
        drop(b, s, name);
        return;
    }
    if (!s) {
        TAP_OK(0, "%s: seeded store for list", b->kind);
        free(name);
        return;
    }
    TAP_OK(list_is(s, "", ".zgroup a/.zarray a/1 a/b/2 a/b/c/d/e/5 ab "
                   "abc/4 b"), "%s: list \"\" gives every key", b->kind);
    TAP_OK(list_is(s, NULL, ".zgroup a/.zarray a/1 a/b/2 a/b/c/d/e/5 ab "
                   "abc/4 b"), "%s: list NULL is list \"\"", b->kind);
    TAP_OK(list_is(s, "a/", "a/.zarray a/1 a/b/2 a/b/c/d/e/5"),
           "%s: list \"a/\" does not match \"ab\"", b->kind);
    TAP_OK(list_is(s, "a", "a/.zarray a/1 a/b/2 a/b/c/d/e/5 ab abc/4"),
           "%s: list \"a\" is a plain string prefix", b->kind);
    TAP_OK(list_is(s, "a/b/", "a/b/2 a/b/c/d/e/5"),
           "%s: list a nested prefix", b->kind);
    TAP_OK(list_is(s, "a/b/c/d/e/5", "a/b/c/d/e/5"),
           "%s: list with a whole key as prefix", b->kind);
    TAP_OK(list_is(s, "ab", "ab abc/4"), "%s: list \"ab\"", b->kind);
    TAP_OK(list_is(s, "zz", "") && list_is(s, "a/x/", "") &&
           list_is(s, "b/", ""), "%s: list with no match calls nothing",
           b->kind);
    TAP_OK(list_is(s, ".", ".zgroup"), "%s: list \".\" finds .zgroup",
           b->kind);
    TAP_OK(zs_store_list(s, "", collect, &k) == ZS_OK && k.calls == 1,
           "%s: a non-zero return from the callback stops the listing",
           b->kind);
    zsi_strv_free(&k.v);
    /* an escaping prefix lists nothing (or is refused) */
    {
        zs_status st = list(s, "../", &v);
        TAP_OK((st == ZS_OK || st == ZS_ERR_INVALID) && v.n == 0,
               "%s: list \"../\" reports no key", b->kind);
        zsi_strv_free(&v);
    }
    drop(b, s, name);
}

static const char *const odd_keys[] = {
    "with space", "  lead and trail  ",
    "\xc3\xbcnic\xc3\xb6" "de/\xe2\x82\xac",
    "\xf0\x9f\x98\x80", "pct%41%2F", "hash#frag", "plus+sign",
    "eq=sign", "comma,sep", ".zarray", "g/.zattrs", "...", "..a", "a..",
    "a/.b/c", "-dash", "~tilde", "colon:x", "star*?", "quote\"'",
    "semi;amp&", "brace{}[]()", "0.0.0", "t2m/0/0/0",
};
#define NODD (sizeof odd_keys / sizeof odd_keys[0])

/* Read-only back-ends: the unusual keys put there by other means (for
 * http, files that nginx serves: the store must percent-encode "%", "#",
 * "?", spaces and UTF-8, or it asks for another file). */
static void t_odd_keys_seeded(const backend *b)
{
    const void *vals[NODD];
    size_t lens[NODD];
    char *name;
    zs_store *s;
    bool ok = true;
    for (size_t i = 0; i < NODD; i++) {
        vals[i] = odd_keys[i];
        lens[i] = strlen(odd_keys[i]);
    }
    s = seeded_bin(b, "odd", odd_keys, vals, lens, NODD, &name);
    if (!s) {
        TAP_OK(0, "%s: seeded store for unusual keys", b->kind);
        free(name);
        return;
    }
    for (size_t i = 0; i < NODD; i++)
        if (!holds(s, odd_keys[i], odd_keys[i])) {
            TAP_DIAG("key '%s': %s", odd_keys[i], zs_ctx_message(ctx));
            ok = false;
        }
    TAP_OK(ok, "%s: %zu unusual but valid keys (spaces, UTF-8, %%, #, ?, "
           "+, =, ',', leading dots) read", b->kind, NODD);
    /* what a store that did not escape would have asked for */
    TAP_OK(absent(s, "with%20space") && absent(s, "star*%3F") &&
           absent(s, "hash%23frag") && absent(s, "hash") &&
           absent(s, "star*"),
           "%s: keys naming the others escaped (with%%20space, "
           "hash%%23frag) or cut (hash) are missing", b->kind);
    drop(b, s, name);
}

static void t_odd_keys(const backend *b)
{
    char *name;
    zs_store *s;
    zsi_strv want = {0}, v;
    bool ok = true;
    if (b->seed) {
        t_odd_keys_seeded(b);
        return;
    }
    if (!(b->caps & CAP_WRITE)) {
        TAP_SKIP("read-only back-end: unusual keys");
        return;
    }
    s = fresh(b, "odd", &name);
    if (!s) {
        TAP_OK(0, "%s: store for unusual keys", b->kind);
        free(name);
        return;
    }
    for (size_t i = 0; i < NODD; i++) {
        zs_status st = zs_store_set(s, odd_keys[i], odd_keys[i],
                                    strlen(odd_keys[i]));
        if (st != ZS_OK || !holds(s, odd_keys[i], odd_keys[i])) {
            TAP_DIAG("key '%s': status %d: %s", odd_keys[i], st,
                     zs_ctx_message(ctx));
            ok = false;
        }
        zsi_strv_push(&want, odd_keys[i]);
    }
    TAP_OK(ok, "%s: %zu unusual but valid keys (spaces, UTF-8, %%, #, +, "
           "=, ',', leading dots) round trip", b->kind, NODD);
    if (b->caps & CAP_LIST) {
        list(s, "", &v);
        zsi_strv_sort(&want);
        TAP_OK(same_strv(&v, &want), "%s: list gives the unusual keys "
               "back unchanged", b->kind);
        zsi_strv_free(&v);
    }
    if (b->caps & CAP_FS) {
        char *p = b->path(name), *f = zsi_path_join(p, "g/.zattrs");
        TAP_OK(exists(f), "%s: key g/.zattrs is the file g/.zattrs",
               b->kind);
        free(f);
        free(p);
    }
    zsi_strv_free(&want);
    drop(b, s, name);
}

static const char *const bad_keys[] = {
    "..", ".", "a/../b", "../escape", "a/..", "./a", "a/./b", "a/.",
    "/abs", "/", "a//b", "a/", "//", "", "a\\b", "..\\x", "\\", "a\x01",
    "tab\there", "nl\n", "cr\r", "del\x7f", "esc\x1b[0m", "x/\x1f",
};
#define NBAD (sizeof bad_keys / sizeof bad_keys[0])

static void t_bad_keys(const backend *b)
{
    char *name;
    zs_store *s;
    zsi_strv before = {0}, after = {0}, kb = {0}, ka = {0};
    char *top = NULL;
    bool ok = true;
    if (!(b->caps & CAP_WRITE)) {
        TAP_SKIP("read-only back-end: invalid keys on write");
        return;
    }
    s = fresh(b, "bad", &name);
    if (!s) {
        TAP_OK(0, "%s: store for invalid keys", b->kind);
        free(name);
        return;
    }
    zs_store_set(s, "a/b", "x", 1);
    zs_store_set(s, "b", "y", 1);
    if (b->caps & CAP_FS) {
        char *p = b->path(name);
        char *slash = strrchr(p, '/');
        top = zsi_strndup(p, (size_t)(slash - p));  /* tmproot */
        tree(top, "", &before);
        free(p);
    }
    if (b->caps & CAP_LIST)
        list(s, "", &kb);
    for (size_t i = 0; i < NBAD; i++) {
        const char *k = bad_keys[i];
        void *p = NULL;
        size_t n = 0;
        int found = 5;
        zs_status s1 = zs_store_set(s, k, "evil", 4);
        zs_status s2 = zs_store_get(s, k, &p, &n, &found);
        zs_status s3 = zs_store_get_range(s, k, 0, 4, &p, &n, &found);
        zs_status s4 = zs_store_erase(s, k);
        if (s1 != ZS_ERR_INVALID || s2 != ZS_ERR_INVALID ||
            s3 != ZS_ERR_INVALID || s4 != ZS_ERR_INVALID || found != 0) {
            TAP_DIAG("key #%zu: set %d get %d range %d erase %d", i, s1, s2,
                     s3, s4);
            ok = false;
        }
    }
    TAP_OK(ok, "%s: %zu invalid keys (.., a/../b, /abs, a//b, \"\", a\\b, "
           "control characters) refused with ZS_ERR_INVALID by set, get, "
           "get_range and erase", b->kind, NBAD);
    {
        void *p = NULL;
        size_t n = 0;
        int found = 0;
        TAP_OK(zs_store_set(s, NULL, "x", 1) == ZS_ERR_INVALID &&
               zs_store_get(s, NULL, &p, &n, &found) == ZS_ERR_INVALID,
               "%s: a NULL key is refused", b->kind);
    }
    if (b->caps & CAP_LIST) {
        list(s, "", &ka);
        TAP_OK(same_strv(&kb, &ka), "%s: invalid keys changed no key",
               b->kind);
    }
    if (b->caps & CAP_FS) {
        tree(top, "", &after);
        TAP_OK(same_strv(&before, &after),
               "%s: invalid keys created or removed no file", b->kind);
    }
    TAP_OK(holds(s, "a/b", "x") && holds(s, "b", "y"),
           "%s: the valid keys are intact", b->kind);
    zsi_strv_free(&before);
    zsi_strv_free(&after);
    zsi_strv_free(&kb);
    zsi_strv_free(&ka);
    free(top);
    drop(b, s, name);
}

static void t_readonly(const backend *b)
{
    static const char *const kv[] = {"k", "v"};
    char *name;
    zs_store *s;
    s = seeded(b, "readonly", kv, 1, &name);
    if (!s) {
        TAP_OK(0, "%s: seeded store", b->kind);
        free(name);
        return;
    }
    TAP_OK(holds(s, "k", "v"), "%s: a store opened read-only reads",
           b->kind);
    TAP_OK(zs_store_set(s, "n", "x", 1) == ZS_ERR_READONLY,
           "%s: read-only: set refused with ZS_ERR_READONLY", b->kind);
    TAP_OK(zs_store_erase(s, "k") == ZS_ERR_READONLY && holds(s, "k", "v"),
           "%s: read-only: erase refused with ZS_ERR_READONLY", b->kind);
    TAP_OK(absent(s, "n"), "%s: read-only: nothing was written", b->kind);
    TAP_OK(zs_store_discard(s) != ZS_OK && holds(s, "k", "v"),
           "%s: read-only: discard refused, data kept", b->kind);
    drop(b, s, name);
}

static void t_create_exists(const backend *b)
{
    static const char *const kv[] = {"old", "1", "sub/old", "2"};
    char *name;
    zs_store *s = seeded(b, "exists", kv, 2, &name), *s2 = NULL;
    zs_status st;
    if (!(b->caps & CAP_WRITE)) {
        TAP_SKIP("read-only back-end: create");
        drop(b, s, name);
        return;
    }
    if (!s) {
        TAP_OK(0, "%s: seeded store", b->kind);
        free(name);
        return;
    }
    zs_store_close(s);
    st = zs_store_open(ctx, name, ZS_STORE_CREATE, &s2);
    TAP_OK(st == ZS_ERR_EXISTS && s2 == NULL,
           "%s: ZS_STORE_CREATE on an existing store fails with "
           "ZS_ERR_EXISTS (%d)", b->kind, st);
    zs_store_close(s2);
    s2 = NULL;
    st = zs_store_open(ctx, name, ZS_STORE_READ, &s);
    TAP_OK(st == ZS_OK && holds(s, "old", "1"),
           "%s: ... and leaves the store untouched", b->kind);
    zs_store_close(s);
    st = zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_OVERWRITE,
                       &s2);
    TAP_OK(st == ZS_OK && absent(s2, "old") && absent(s2, "sub/old"),
           "%s: CREATE|OVERWRITE replaces it with an empty store", b->kind);
    if (st == ZS_OK)
        TAP_OK(zs_store_set(s2, "new", "n", 1) == ZS_OK &&
               zs_store_commit(s2) == ZS_OK && holds(s2, "new", "n"),
               "%s: ... which can be written", b->kind);
    drop(b, s2, name);
}

static void t_partial(const backend *b)
{
    char *name, *path, *part, *nm2;
    zs_store *s = NULL, *r = NULL;
    zs_status st;
    if (!(b->caps & CAP_PARTIAL)) {
        /* no NAME.partial: commit is a no-op that keeps the data */
        if (!(b->caps & CAP_WRITE)) {
            TAP_SKIP("read-only back-end: commit");
            return;
        }
        s = fresh(b, "commit", &name);
        TAP_OK(s && zs_store_set(s, "k", "v", 1) == ZS_OK &&
               zs_store_commit(s) == ZS_OK && holds(s, "k", "v"),
               "%s: commit keeps what was written", b->kind);
        drop(b, s, name);
        return;
    }
    name = b->name("partial");
    path = b->path(name);
    part = zsi_asprintf("%s.partial", path);
    st = zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_PARTIAL, &s);
    TAP_OK(st == ZS_OK && exists(part) && !exists(path),
           "%s: PARTIAL writes NAME.partial, NAME does not exist yet",
           b->kind);
    if (st != ZS_OK) {
        free(part);
        free(path);
        free(name);
        return;
    }
    zs_store_set(s, "a/k", "v", 1);
    TAP_OK(holds(s, "a/k", "v"), "%s: a partial store reads its own "
           "writes", b->kind);
    st = zs_store_commit(s);
    TAP_OK(st == ZS_OK && exists(path) && !exists(part),
           "%s: commit renames NAME.partial to NAME", b->kind);
    TAP_OK(holds(s, "a/k", "v"), "%s: the store reads after commit",
           b->kind);
    zs_store_close(s);
    s = NULL;
    st = zs_store_open(ctx, name, ZS_STORE_READ, &r);
    TAP_OK(st == ZS_OK && holds(r, "a/k", "v"),
           "%s: the committed store opens for reading", b->kind);
    zs_store_close(r);
    r = NULL;

    /* existing NAME: PARTIAL without OVERWRITE fails */
    st = zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_PARTIAL, &s);
    TAP_OK(st == ZS_ERR_EXISTS && !exists(part),
           "%s: CREATE|PARTIAL on an existing store fails with "
           "ZS_ERR_EXISTS (%d)", b->kind, st);
    zs_store_close(s);
    s = NULL;

    /* PARTIAL|OVERWRITE: the old store stays readable until commit */
    st = zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_PARTIAL |
                       ZS_STORE_OVERWRITE, &s);
    TAP_OK(st == ZS_OK, "%s: CREATE|PARTIAL|OVERWRITE on an existing "
           "store", b->kind);
    if (st == ZS_OK) {
        zs_store_set(s, "new", "n", 1);
        st = zs_store_open(ctx, name, ZS_STORE_READ, &r);
        TAP_OK(st == ZS_OK && holds(r, "a/k", "v") && absent(r, "new"),
               "%s: before commit, NAME still holds the old store",
               b->kind);
        zs_store_close(r);
        r = NULL;
        TAP_OK(zs_store_commit(s) == ZS_OK && !exists(part),
               "%s: commit with OVERWRITE", b->kind);
        st = zs_store_open(ctx, name, ZS_STORE_READ, &r);
        TAP_OK(st == ZS_OK && holds(r, "new", "n") && absent(r, "a/k"),
               "%s: commit replaced the old store", b->kind);
        zs_store_close(r);
        r = NULL;
        {
            char *dir = zsi_strndup(path, (size_t)(strrchr(path, '/') -
                                                   path));
            const char *base = strrchr(path, '/') + 1;
            zsi_strv v = {0};
            bool leftover = false;
            tree(dir, "", &v);
            for (size_t i = 0; i < v.n; i++)
                if (zsi_str_starts(v.v[i], base) &&
                    strcmp(v.v[i], base) != 0 && !strchr(v.v[i], '/'))
                    leftover = true;
            TAP_OK(!leftover, "%s: no leftover beside NAME after an "
                   "overwriting commit", b->kind);
            zsi_strv_free(&v);
            free(dir);
        }
    }
    zs_store_close(s);
    s = NULL;

    /* discard of a partial store removes NAME.partial, keeps NAME */
    st = zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_PARTIAL |
                       ZS_STORE_OVERWRITE, &s);
    if (st == ZS_OK) {
        zs_store_set(s, "x/y", "z", 1);
        st = zs_store_discard(s);
    }
    TAP_OK(st == ZS_OK && !exists(part) && exists(path),
           "%s: discard removes NAME.partial and keeps NAME", b->kind);
    zs_store_close(s);
    s = NULL;
    st = zs_store_open(ctx, name, ZS_STORE_READ, &r);
    TAP_OK(st == ZS_OK && holds(r, "new", "n") && absent(r, "x/y"),
           "%s: ... and the old store is intact", b->kind);
    zs_store_close(r);
    r = NULL;

    /* close without commit keeps NAME.partial; a new open replaces it */
    nm2 = b->name("uncommitted");
    {
        char *p2 = b->path(nm2), *pp2 = zsi_asprintf("%s.partial", p2);
        st = zs_store_open(ctx, nm2, ZS_STORE_CREATE | ZS_STORE_PARTIAL, &s);
        if (st == ZS_OK)
            zs_store_set(s, "stale", "1", 1);
        zs_store_close(s);
        s = NULL;
        TAP_OK(st == ZS_OK && exists(pp2) && !exists(p2),
               "%s: close without commit keeps NAME.partial", b->kind);
        st = zs_store_open(ctx, nm2, ZS_STORE_CREATE | ZS_STORE_PARTIAL,
                           &s);
        TAP_OK(st == ZS_OK && absent(s, "stale"),
               "%s: a new PARTIAL open starts afresh over a stale "
               "NAME.partial", b->kind);
        if (st == ZS_OK)
            zs_store_commit(s);
        drop(b, s, nm2);
        s = NULL;
        rm_rf(pp2);
        free(pp2);
        free(p2);
    }

    /* discard of a non-partial created store removes it */
    nm2 = b->name("discard");
    {
        char *p2 = b->path(nm2);
        st = zs_store_open(ctx, nm2, ZS_STORE_CREATE, &s);
        if (st == ZS_OK) {
            zs_store_set(s, "a/b/c", "1", 1);
            st = zs_store_discard(s);
        }
        TAP_OK(st == ZS_OK && !exists(p2),
               "%s: discard of a created store removes it", b->kind);
        free(p2);
    }
    drop(b, s, nm2);
    free(part);
    free(path);
    drop(b, NULL, name);
}

/* Discard for back-ends that are not file trees: everything goes. */
static void t_discard_generic(const backend *b)
{
    char *name;
    zs_store *s;
    zsi_strv v;
    if (!(b->caps & CAP_WRITE) || (b->caps & CAP_PARTIAL))
        return;   /* file trees: t_partial */
    s = fresh(b, "discard", &name);
    if (!s) {
        TAP_OK(0, "%s: store for discard", b->kind);
        free(name);
        return;
    }
    zs_store_set(s, "a", "1", 1);
    zs_store_set(s, "b/c", "2", 1);
    TAP_OK(zs_store_discard(s) == ZS_OK && absent(s, "a") &&
           absent(s, "b/c"), "%s: discard removes everything", b->kind);
    if (b->caps & CAP_LIST) {
        list(s, "", &v);
        TAP_OK(v.n == 0, "%s: nothing is listed after discard", b->kind);
        zsi_strv_free(&v);
    }
    drop(b, s, name);
}

/* ---- concurrency ----------------------------------------------------- */

#define NTHREADS 4
#define NKEYS 150

struct worker {
    zs_store *s;
    int id;
    int bad;
};

static size_t value_len(int id, int j)
{
    return (size_t)((id * 7919 + j * 104729) % 20000);
}

static void value_fill(uint8_t *p, size_t n, int id, int j)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + (size_t)id * 7 + (size_t)j);
}

static void *worker(void *arg)
{
    struct worker *w = arg;
    uint8_t *buf = malloc(20000);
    char key[64];
    for (int j = 0; buf && j < NKEYS; j++) {
        size_t n = value_len(w->id, j);
        value_fill(buf, n, w->id, j);
        snprintf(key, sizeof key, "t%d/%d/k%d", w->id, j % 7, j);
        if (zs_store_set(w->s, key, buf, n) != ZS_OK ||
            value_is(w->s, key, buf, n) != 1)
            w->bad++;
        /* read another thread's key: absent or complete, never torn */
        snprintf(key, sizeof key, "t%d/%d/k%d", (w->id + 1) % NTHREADS,
                 j % 7, j);
        {
            void *p = NULL;
            size_t len = 0;
            int found = 0;
            size_t want = value_len((w->id + 1) % NTHREADS, j);
            if (zs_store_get(w->s, key, &p, &len, &found) != ZS_OK)
                w->bad++;
            else if (found) {
                uint8_t *ref = malloc(want ? want : 1);
                value_fill(ref, want, (w->id + 1) % NTHREADS, j);
                if (len != want || (want && memcmp(p, ref, want)))
                    w->bad++;
                free(ref);
                zs_free(p);
            }
        }
    }
    if (!buf)
        w->bad++;
    free(buf);
    return NULL;
}

static void t_threads(const backend *b)
{
    char *name;
    zs_store *s;
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    int bad = 0, created = 0;
    if (!(b->caps & CAP_CONCURRENT)) {
        TAP_SKIP("back-end does not take concurrent writes");
        return;
    }
    s = fresh(b, "threads", &name);
    if (!s) {
        TAP_OK(0, "%s: store for threads", b->kind);
        free(name);
        return;
    }
    for (int i = 0; i < NTHREADS; i++) {
        w[i].s = s;
        w[i].id = i;
        w[i].bad = 0;
        if (pthread_create(&th[i], NULL, worker, &w[i]) == 0)
            created++;
        else
            w[i].bad = 1;
    }
    for (int i = 0; i < created; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NTHREADS; i++)
        bad += w[i].bad;
    TAP_OK(bad == 0, "%s: %d threads set and get %d distinct keys each "
           "(%d bad)", b->kind, NTHREADS, NKEYS, bad);
    bad = 0;
    {
        uint8_t *buf = malloc(20000);
        char key[64];
        for (int i = 0; buf && i < NTHREADS; i++)
            for (int j = 0; j < NKEYS; j++) {
                size_t n = value_len(i, j);
                value_fill(buf, n, i, j);
                snprintf(key, sizeof key, "t%d/%d/k%d", i, j % 7, j);
                if (value_is(s, key, buf, n) != 1)
                    bad++;
            }
        free(buf);
    }
    TAP_OK(bad == 0, "%s: every value is intact afterwards", b->kind);
    if (b->caps & CAP_LIST) {
        zsi_strv v;
        list(s, "", &v);
        TAP_OK(v.n == NTHREADS * NKEYS, "%s: %zu keys listed, no "
               "temporary files", b->kind, v.n);
        zsi_strv_free(&v);
    }
    drop(b, s, name);
}

/* ---- regressions (found by review) ------------------------------------ */

/* Erasing a key that names a "directory" of other keys: the key is
 * absent, so erase must succeed and leave the keys below it alone. */
static void t_erase_prefix(const backend *b)
{
    char *name;
    zs_store *s = fresh(b, "erase-prefix", &name);
    zs_status st;
    if (!s) {
        TAP_OK(0, "%s: store", b->kind);
        free(name);
        return;
    }
    zs_store_set(s, "x/y", "v", 1);
    st = zs_store_erase(s, "x");
    TAP_OK(st == ZS_OK && holds(s, "x/y", "v"),
           "%s: erase of \"x\" when only \"x/y\" exists succeeds (got "
           "%d: %s)", b->kind, st, st ? zs_ctx_message(ctx) : "");
    drop(b, s, name);
}

/* zs_store_list checks its prefix: the directory store once walked
 * directories outside its root for "../" (nothing was reported because
 * the keys found there are invalid, but every directory was read). */
/* Folder stores never write through a symbolic link (issue 15): a link
 * in the place of a key's folder is refused, a link in the place of a
 * key is replaced (not written through), erasing a link removes the
 * link, and discarding the store removes its links, never what they
 * lead to; a link leading outside is never read. */
static void t_fs_links(const backend *b)
{
    char *name, *root = NULL, *out = NULL, *f = NULL, *l = NULL;
    zs_store *s = fresh(b, "links", &name);
    zsi_strv keys = {0};
    zs_status st;
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    FILE *fp;
    char buf[16] = "";
    if (!s) {
        TAP_OK(0, "%s: store for links", b->kind);
        free(name);
        return;
    }
    root = b->path(name);
    out = zsi_asprintf("%s/outside-%d", tmproot, ++case_no);
    f = zsi_path_join(out, "f");
    mkdir(out, 0777);
    if ((fp = fopen(f, "w"))) {
        fputs("secret", fp);
        fclose(fp);
    }
#define LINK(to, key) (free(l), l = zsi_path_join(root, key), symlink(to, l))
    LINK(out, "dir");
    st = zs_store_set(s, "dir/x", "v", 1);
    free(l);
    l = zsi_path_join(out, "x");
    TAP_OK(st == ZS_ERR_FORMAT && strstr(zs_ctx_message(ctx), "dir: a "
           "symbolic link") && !exists(l),
           "%s: a link in the place of a key's folder is not written "
           "through (%s)", b->kind, zs_ctx_message(ctx));
    st = zs_store_get(s, "dir/f", &p, &n, &found);
    TAP_OK(st == ZS_ERR_FORMAT && !found &&
           strstr(zs_ctx_message(ctx), "leading outside the store"),
           "%s: ... nor read through", b->kind);
    LINK(f, "k");
    st = zs_store_set(s, "k", "new", 3);
    fp = fopen(f, "r");
    if (fp) {
        if (!fgets(buf, sizeof buf, fp))
            buf[0] = 0;
        fclose(fp);
    }
    TAP_OK(st == ZS_OK && holds(s, "k", "new") && !strcmp(buf, "secret"),
           "%s: a link in the place of a key is replaced, not written "
           "through", b->kind);
    LINK(f, "e");
    st = zs_store_erase(s, "e");
    TAP_OK(st == ZS_OK && !exists(l) && exists(f),
           "%s: erasing a link removes the link only", b->kind);
    st = zs_store_erase(s, "dir/f");
    TAP_OK(exists(f), "%s: erasing below a linked folder leaves what it "
           "leads to (status %d)", b->kind, st);
    list(s, "", &keys);
    TAP_OK(keys.n == 1 && !strcmp(keys.v[0], "k"),
           "%s: linked folders are not listed into", b->kind);
    zsi_strv_free(&keys);
    st = zs_store_discard(s);
    TAP_OK(st == ZS_OK && !exists(root) && exists(f),
           "%s: discard removes the links, not what they lead to",
           b->kind);
#undef LINK
    rm_rf(out);
    free(l);
    free(f);
    free(out);
    free(root);
    drop(b, s, name);
}

static void t_list_escape(const backend *b)
{
    static const char *const kv[] = {"k", "v"};
    char *name, *path, *top, *outside;
    zs_store *s = seeded(b, "list-escape", kv, 1, &name);
    int fd, wd;
    char ev[4096];
    ssize_t n;
    bool opened = false;
    if (!s) {
        TAP_OK(0, "%s: seeded store", b->kind);
        free(name);
        return;
    }
    path = b->path(name);
    top = zsi_strndup(path, (size_t)(strrchr(path, '/') - path));
    outside = zsi_path_join(top, "outside");
    mkdir(outside, 0777);
    fd = inotify_init1(IN_NONBLOCK);
    wd = fd >= 0 ? inotify_add_watch(fd, outside, IN_OPEN | IN_ACCESS) : -1;
    if (wd < 0) {
        TAP_SKIP("inotify unavailable");
    } else {
        static const char *const prefixes[] = {"../", "../outside/",
                                               "a/../../", "../../"};
        for (size_t i = 0; i < 4; i++) {
            zsi_strv v;
            zs_status st = list(s, prefixes[i], &v);
            (void)st;
            zsi_strv_free(&v);
        }
        while ((n = read(fd, ev, sizeof ev)) > 0)
            opened = true;
        TAP_OK(!opened, "%s: list with prefixes \"../\", \"a/../../\" "
               "reads no directory outside the store", b->kind);
    }
    if (fd >= 0)
        close(fd);
    rm_rf(outside);
    free(outside);
    free(top);
    free(path);
    drop(b, s, name);
}

/* The directory store skips its temporary files when listing; they were
 * once named KEY.zstmp.PID.N, so valid keys holding ".zstmp." (in any
 * segment) were written but never listed. */
static void t_tmp_mark(const backend *b)
{
    char *name;
    zs_store *s = fresh(b, "tmp-mark", &name);
    if (!s) {
        TAP_OK(0, "%s: store", b->kind);
        free(name);
        return;
    }
    zs_store_set(s, "k.zstmp.1.2", "v", 1);
    zs_store_set(s, "d.zstmp.x/k", "v", 1);
    TAP_OK(holds(s, "k.zstmp.1.2", "v") && holds(s, "d.zstmp.x/k", "v") &&
           list_is(s, "", "d.zstmp.x/k k.zstmp.1.2"),
           "%s: keys holding \".zstmp.\" are listed", b->kind);
    drop(b, s, name);
}

/* Continuing a partial store (ZSI_STORE_CONTINUE): kept when closed,
 * locked shared or alone, tidied of a killed writer's temporary files at
 * commit. */
#define CONT (ZS_STORE_CREATE | ZS_STORE_PARTIAL | ZSI_STORE_CONTINUE)

static void t_continue(const backend *b)
{
    char *name = b->name("continue"), *path = b->path(name);
    char *part = zsi_asprintf("%s.partial", path);
    char *tmp = zsi_asprintf("%s/k\001zstmp.99.1", part);
    zs_store *s = NULL, *s2 = NULL, *x = NULL;
    zsi_strv got = {0};
    FILE *f;
    zs_status st = zs_store_open(ctx, name, CONT | ZSI_STORE_EXISTING, &s);
    TAP_OK(st == ZS_ERR_NOTFOUND && !exists(part) && !s,
           "%s: continuing an absent partial store that must exist: not "
           "found, nothing made", b->kind);
    st = zs_store_open(ctx, name, CONT, &s);
    TAP_OK(st == ZS_OK && zs_store_set(s, "a", "1", 1) == ZS_OK &&
           zsi_store_sync(s) == ZS_OK &&
           (zsi_store_caps(s) & ZSI_STORE_RESUMABLE),
           "%s: continuing makes NAME.partial, writes and syncs", b->kind);
    zs_store_close(s);
    s = NULL;
    TAP_OK(exists(part) && !exists(path), "%s: closed without a commit: "
           "NAME.partial is kept", b->kind);
    zs_store_open(ctx, name, CONT | ZSI_STORE_SHARED, &s);
    zs_store_open(ctx, name, CONT | ZSI_STORE_SHARED, &s2);
    TAP_OK(s && s2 && holds(s2, "a", "1"), "%s: two writers share it, and "
           "see what the first run wrote", b->kind);
    TAP_OK(zs_store_open(ctx, name, CONT, &x) == ZS_ERR_EXISTS &&
           strstr(zs_ctx_message(ctx), "another conversion is writing it"),
           "%s: ... while an exclusive writer is refused", b->kind);
    TAP_OK(zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_PARTIAL,
                         &x) == ZS_ERR_EXISTS && exists(part),
           "%s: ... and a fresh run does not remove it", b->kind);
    zs_store_close(s);
    zs_store_close(s2);
    s = NULL;
    if ((f = fopen(tmp, "w")))    /* what a killed writer leaves */
        fclose(f);
    st = zs_store_open(ctx, name, CONT, &s);
    TAP_OK(st == ZS_OK && zs_store_set(s, "b", "2", 1) == ZS_OK &&
           zs_store_commit(s) == ZS_OK, "%s: continued alone, committed",
           b->kind);
    tree(path, "", &got);
    TAP_OK(got.n == 2 && !strcmp(got.v[0], "a") && !strcmp(got.v[1], "b") &&
           !exists(part), "%s: the store holds both runs' keys, and no "
           "temporary file or lock", b->kind);
    zs_store_close(s);
    zsi_strv_free(&got);
    rm_rf(path);
    free(tmp);
    free(part);
    free(path);
    free(name);
}

/* A zip continued by later runs goes through the folder NAME.partial/,
 * packed into the zip by the commit (store_zipdir.c). */
static void t_zip_continue(const backend *b)
{
    char *name = b->name("zcontinue"), *path = b->path(name);
    char *part = zsi_asprintf("%s.partial", path);
    char *packing = zsi_asprintf("%s.packing", path);
    zs_store *s = NULL, *r = NULL;
    struct stat stt;
    zs_status st = zs_store_open(ctx, name, CONT | ZSI_STORE_EXISTING, &s);
    TAP_OK(st == ZS_ERR_NOTFOUND && !exists(part) && !s,
           "%s: continuing what is not there: not found", b->kind);
    st = zs_store_open(ctx, name, CONT, &s);
    TAP_OK(st == ZS_OK && zs_store_set(s, "x/a", "1", 1) == ZS_OK &&
           zsi_store_sync(s) == ZS_OK &&
           (zsi_store_caps(s) & ZSI_STORE_RESUMABLE),
           "%s: continued work is written and synced", b->kind);
    zs_store_close(s);
    s = NULL;
    TAP_OK(stat(part, &stt) == 0 && S_ISDIR(stt.st_mode) && !exists(path),
           "%s: ... into the folder NAME.partial, no zip yet", b->kind);
    st = zs_store_open(ctx, name, CONT, &s);
    TAP_OK(st == ZS_OK && holds(s, "x/a", "1") &&
           zs_store_set(s, "b", "2", 1) == ZS_OK &&
           zs_store_commit(s) == ZS_OK && holds(s, "b", "2"),
           "%s: a later run reads it, writes on and commits", b->kind);
    zs_store_close(s);
    s = NULL;
    TAP_OK(!exists(part) && !exists(packing) &&
           zs_store_open(ctx, name, ZS_STORE_READ, &r) == ZS_OK &&
           list_is(r, "", "b x/a") && holds(r, "x/a", "1"),
           "%s: the commit packed both runs' keys into the zip, and "
           "removed the folder", b->kind);
    zs_store_close(r);
    TAP_OK(zs_store_open(ctx, name, CONT, &s) == ZS_ERR_EXISTS &&
           strstr(zs_ctx_message(ctx), "output exists") && !exists(part),
           "%s: continuing a finished zip: it exists", b->kind);
    unlink(path);
    free(packing);
    free(part);
    free(path);
    free(name);
}

/* The bytes of a file, or NULL. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *p = f ? malloc(1 << 20) : NULL;
    *n = p ? fread(p, 1, 1 << 20, f) : 0;
    if (f)
        fclose(f);
    return p;
}

/* Updating a zip writes a new one, renamed over the old at commit. */
static void t_zip_update(const backend *b)
{
    static const char *const kv[] = {"a", "1", "b", "2", "c", "3"};
    char *name = NULL, *path, *part, *old, *now;
    zs_store *r = seeded(b, "zupdate", kv, 3, &name), *u = NULL, *u2 = NULL;
    size_t n0 = 0, n1 = 0;
    path = b->path(name);
    part = zsi_asprintf("%s.partial", path);
    zs_store_close(r);
    r = NULL;
    old = slurp(path, &n0);
    TAP_OK(zs_store_open(ctx, name, ZSI_STORE_UPDATE, &u) == ZS_OK &&
           zs_store_set(u, "b", "22", 2) == ZS_OK &&
           zs_store_erase(u, "c") == ZS_OK &&
           zs_store_set(u, "d", "4", 1) == ZS_OK && holds(u, "a", "1") &&
           holds(u, "b", "22") && absent(u, "c") &&
           list_is(u, "", "a b d"),
           "%s: updating reads the old entries, the new ones over them",
           b->kind);
    TAP_OK(zs_store_open(ctx, name, ZSI_STORE_UPDATE, &u2) == ZS_ERR_EXISTS
           && strstr(zs_ctx_message(ctx), "another run is appending"),
           "%s: ... and a second update at once is refused", b->kind);
    zs_store_close(u);
    u = NULL;
    now = slurp(path, &n1);
    TAP_OK(old && now && n0 == n1 && !memcmp(old, now, n0) && !exists(part),
           "%s: an update closed without a commit leaves the zip as it "
           "was, and no NAME.partial", b->kind);
    free(now);
    TAP_OK(zs_store_open(ctx, name, ZSI_STORE_UPDATE, &u) == ZS_OK &&
           zs_store_set(u, "b", "22", 2) == ZS_OK &&
           zs_store_erase(u, "c") == ZS_OK &&
           zs_store_set(u, "d", "4", 1) == ZS_OK &&
           zs_store_commit(u) == ZS_OK && holds(u, "a", "1"),
           "%s: an update committed", b->kind);
    zs_store_close(u);
    TAP_OK(zs_store_open(ctx, name, ZS_STORE_READ, &r) == ZS_OK &&
           list_is(r, "", "a b d") && holds(r, "a", "1") &&
           holds(r, "b", "22") && holds(r, "d", "4") && !exists(part),
           "%s: ... replaced the zip: old entries copied, new ones kept",
           b->kind);
    zs_store_close(r);
    unlink(path);
    free(old);
    free(part);
    free(path);
    free(name);
}

static void t_resumable_names(void)
{
    const char *tar = zsi_store_why_not_again("a.tar");
    const char *s3zip = zsi_store_why_not_again("s3://b/a.zip");
    char *p1 = zsi_store_partial_name("a.zip");
    char *p2 = zsi_store_partial_name("s3://b/a.zarr");
    TAP_OK(!zsi_store_why_not_again("a.zarr") &&
           !zsi_store_why_not_again("file:///x/a.zarr") &&
           !zsi_store_why_not_again("a.zip") &&
           !zsi_store_why_not_again("zip:///x/a.zip") &&
           !zsi_store_why_not_again("s3://b/a.zarr") &&
           !zsi_store_why_not_again("s3://b/a.zip/") &&
           zsi_store_why_not_again("-") &&
           zsi_store_why_not_again("mem://a") &&
           zsi_store_why_not_again("https://h/a.zarr"),
           "folders, zip files and S3 prefixes can be written again, "
           "streams, memory and http not");
    TAP_OK(tar && strstr(tar, "tar file") && s3zip &&
           strstr(s3zip, "zip file on S3 is read-only"),
           "why not: a tar file, a zip on S3 (%s; %s)", tar ? tar : "-",
           s3zip ? s3zip : "-");
    TAP_OK(p1 && p2 && !strcmp(p1, "a.zip.partial") &&
           !strcmp(p2, "s3://b/a.zarr"),
           "the unfinished state: NAME.partial, an S3 prefix itself");
    free(p1);
    free(p2);
}

/* A stream: each key written once, in order; readable after commit. */
static void t_stream(const backend *b)
{
    size_t big = (8u << 20) + 5;
    uint8_t *data = malloc(big), v[100];
    char *name = NULL, *path;
    zs_store *s = fresh(b, "stream", &name), *r = NULL;
    zsi_strv want = {0}, got;
    void *p = NULL;
    size_t n;
    int found = 7;
    bool ok = true;
    if (!s || !data) {
        TAP_OK(0, "%s: store for a stream", b->kind);
        free(data);
        free(name);
        return;
    }
    rnd_bytes(data, big);
    for (int i = 0; i < 100; i++)
        v[i] = (uint8_t)i;
    TAP_OK(zs_store_set(s, "empty", "", 0) == ZS_OK &&
           zs_store_set(s, "one", "\0", 1) == ZS_OK &&
           zs_store_set(s, "big/value", data, big) == ZS_OK &&
           zs_store_set(s, "r", v, sizeof v) == ZS_OK,
           "%s: values written (empty, 1 byte, %zu bytes)", b->kind, big);
    for (size_t i = 0; i < NODD; i++)
        ok = ok && zs_store_set(s, odd_keys[i], odd_keys[i],
                                strlen(odd_keys[i])) == ZS_OK;
    TAP_OK(ok, "%s: unusual keys written", b->kind);
    TAP_OK(zs_store_set(s, "one", "\0", 1) == ZS_OK,
           "%s: the same value again is accepted", b->kind);
    TAP_OK(zs_store_set(s, "one", "x", 1) == ZS_ERR_UNSUPPORTED,
           "%s: a different value for a written key is refused", b->kind);
    TAP_OK(zs_store_get(s, "one", &p, &n, &found) == ZS_ERR_UNSUPPORTED &&
           !found, "%s: a written value cannot be read back", b->kind);
    TAP_OK(zs_store_erase(s, "one") == ZS_ERR_UNSUPPORTED &&
           zs_store_erase(s, "never") == ZS_OK,
           "%s: erase: refused for a written key, a no-op otherwise",
           b->kind);
    TAP_OK(absent(s, "never"), "%s: a key never written is missing while "
           "writing", b->kind);
    TAP_OK(zs_store_commit(s) == ZS_OK, "%s: commit", b->kind);
    zs_store_close(s);
    if (zs_store_open(ctx, name, ZS_STORE_READ, &r) != ZS_OK) {
        TAP_OK(0, "%s: reopen: %s", b->kind, zs_ctx_message(ctx));
        free(data);
        free(name);
        return;
    }
    TAP_OK(value_is(r, "big/value", data, big) == 1,
           "%s: big value read back (found after the ones before it)",
           b->kind);
    TAP_OK(value_is(r, "empty", "", 0) == 1 && value_is(r, "one", "\0", 1)
           == 1, "%s: values passed over are kept (empty, NUL)", b->kind);
    TAP_OK(range_is(r, 10, 20, 10, 20) && range_is(r, 95, 10, 95, 5) &&
           range_is(r, 100, 5, 100, 0) && range_is(r, 1000, 5, 0, 0) &&
           range_is(r, UINT64_MAX, UINT64_MAX, 0, 0) &&
           range_is(r, 50, UINT64_MAX, 50, 50),
           "%s: get_range inside, across and past the end", b->kind);
    ok = true;
    for (size_t i = 0; i < NODD; i++) {
        ok = ok && holds(r, odd_keys[i], odd_keys[i]);
        zsi_strv_push(&want, odd_keys[i]);
    }
    TAP_OK(ok, "%s: unusual keys read back", b->kind);
    TAP_OK(absent(r, "never") && absent(r, "big"),
           "%s: keys not in the stream are missing (found=0)", b->kind);
    zsi_strv_push(&want, "big/value");
    zsi_strv_push(&want, "empty");
    zsi_strv_push(&want, "one");
    zsi_strv_push(&want, "r");
    zsi_strv_sort(&want);
    list(r, "", &got);
    TAP_OK(same_strv(&got, &want), "%s: list gives every key, sorted",
           b->kind);
    zsi_strv_free(&got);
    TAP_OK(zsi_store_forget(r, "big/value") == ZS_OK &&
           zs_store_get(r, "big/value", &p, &n, &found) != ZS_OK && !found,
           "%s: a forgotten value is an error when read again, never "
           "missing", b->kind);
    TAP_OK(zs_store_set(r, "n", "x", 1) == ZS_ERR_READONLY,
           "%s: a stream opened for reading is read-only", b->kind);
    zs_store_close(r);
    /* keys under a skipped prefix are passed over, not kept */
    if (zs_store_open(ctx, name, ZS_STORE_READ, &r) == ZS_OK) {
        TAP_OK(zsi_store_skip(r, "big/") == ZS_OK &&
               range_is(r, 10, 20, 10, 20) &&
               value_is(r, "one", "\0", 1) == 1 &&
               zs_store_get(r, "big/value", &p, &n, &found) != ZS_OK &&
               !found, "%s: a skipped key is passed over; reading it is an "
               "error, never missing", b->kind);
        zs_store_close(r);
    }
    zsi_strv_free(&want);
    /* a writer that fails: no end-of-archive, readers refuse it */
    path = b->path(name);
    s = NULL;
    if (zs_store_open(ctx, name, ZS_STORE_CREATE | ZS_STORE_OVERWRITE,
                      &s) == ZS_OK) {
        zs_store_set(s, "a", "1", 1);
        zs_store_set(s, "b", data, 4096);
        zs_store_close(s);   /* without commit */
    }
    TAP_OK(!exists(path), "%s: closed without commit: no file left",
           b->kind);
    free(path);
    free(data);
    free(name);
}

/* Zip: a whole STORED value is checked against its CRC-32 as it is
 * read, piece by piece; a byte flipped in its last piece (past the first
 * 256 KiB) is caught, a range read of the other bytes is not checked. */
static void t_zip_crc(const backend *b)
{
    static const char *const keys[] = {"big"};
    size_t big = (3u << 20) + 7;
    uint8_t *data = malloc(big), *file = NULL;
    const void *vals[1];
    size_t lens[1] = {big}, flen = 0;
    char *name;
    zs_store *s;
    FILE *f;
    void *p = NULL;
    size_t n = 0, at = SIZE_MAX;
    int found = 0;
    zs_status st;
    if (!data)
        return;
    rnd_bytes(data, big);
    vals[0] = data;
    s = seeded_bin(b, "crc", keys, vals, lens, 1, &name);
    zs_store_close(s);
    /* find the last 64 bytes of the value in the file, flip one */
    if (s && (f = fopen(name, "r+b"))) {
        fseek(f, 0, SEEK_END);
        flen = (size_t)ftell(f);
        rewind(f);
        if ((file = malloc(flen)) && fread(file, 1, flen, f) == flen)
            for (size_t i = 0; i + 64 <= flen && at == SIZE_MAX; i++)
                if (!memcmp(file + i, data + big - 64, 64))
                    at = i + 60;
        if (at != SIZE_MAX) {
            fseek(f, (long)at, SEEK_SET);
            fputc(file[at] ^ 0x20, f);
        }
        fclose(f);
    }
    s = NULL;
    st = at == SIZE_MAX ? ZS_ERR_IO : zs_store_open(ctx, name,
                                                    ZS_STORE_READ, &s);
    TAP_OK(st == ZS_OK, "%s: a zip with a flipped byte opens", b->kind);
    if (st == ZS_OK) {
        st = zs_store_get(s, "big", &p, &n, &found);
        TAP_OK(st == ZS_ERR_CORRUPT && !found && strstr(zs_ctx_message(ctx),
                                                        "CRC-32"),
               "%s: a byte flipped at the end of a %zu-byte stored value "
               "fails its CRC-32 (%d: %s)", b->kind, big, st,
               zs_ctx_message(ctx));
        if (found)
            zs_free(p);
        found = 0;
        st = zs_store_get_range(s, "big", 0, 1u << 20, &p, &n, &found);
        TAP_OK(st == ZS_OK && found && n == 1u << 20 &&
               !memcmp(p, data, n), "%s: ... while a range of other bytes "
               "reads", b->kind);
        if (found)
            zs_free(p);
    }
    free(file);
    free(data);
    drop(b, s, name);
}

int main(void)
{
    char tmpl[4096];
    const char *t = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/zstest-store.XXXXXX",
             t && *t ? t : "/tmp");
    if (zs_ctx_new(&ctx) != ZS_OK || !(tmproot = mkdtemp(tmpl)))
        return 99;
    zs_ctx_set_threads(ctx, 4);
    {   /* the S3 server of store-conformance.sh */
        static const char *const opt[][2] = {
            {"ZS_TEST_S3_ENDPOINT", "s3.endpoint"},
            {"ZS_TEST_S3_ACCESS_KEY", "s3.access_key_id"},
            {"ZS_TEST_S3_SECRET_KEY", "s3.secret_access_key"},
        };
        for (size_t i = 0; i < 3; i++)
            if (getenv(opt[i][0]))
                zs_ctx_set_option(ctx, opt[i][1], getenv(opt[i][0]));
    }
    for (size_t i = 0; i < NBACKENDS; i++) {
        const backend *b = &backends[i];
        if (b->needs && !getenv(b->needs)) {
            char why[256];
            const char *req = getenv("ZS_REQUIRE_ALL");
            snprintf(why, sizeof why, "%s: needs %s (set by "
                     "tests/interop/store-conformance.sh)", b->kind,
                     b->needs);
            /* run by store-conformance.sh in CI: its server must start */
            if (getenv("ZS_TEST_CONFORMANCE") && req && !strcmp(req, "1"))
                TAP_OK(0, "%s: required, but its server did not start",
                       b->kind);
            else
                TAP_SKIP(why);
            continue;
        }
        TAP_DIAG("back-end: %s", b->kind);
        if (b->caps & CAP_STREAM) {
            t_readonly(b);
            t_open_missing(b);
            t_missing_keys(b);
            t_list(b);
            t_stream(b);
            continue;
        }
        t_readonly(b);
        if (b->caps & CAP_WRITE)
            t_erase_prefix(b);
        if (b->caps & CAP_FS)
            t_list_escape(b);
        if (b->caps & CAP_FS)
            t_fs_links(b);
        if ((b->caps & CAP_WRITE) && (b->caps & CAP_LIST))
            t_tmp_mark(b);
        t_open_missing(b);
        t_missing_keys(b);
        t_roundtrip(b);
        t_values(b);
        t_range(b);
        t_erase(b);
        t_list(b);
        t_odd_keys(b);
        t_bad_keys(b);
        t_create_exists(b);
        t_partial(b);
        t_discard_generic(b);
        t_threads(b);
        if (!strcmp(b->kind, "zip")) {
            t_zip_crc(b);
            t_zip_continue(b);
            t_zip_update(b);
        }
        if (b->caps & CAP_FS)
            t_continue(b);
    }
    t_resumable_names();
    rm_rf(tmproot);
    zs_ctx_free(ctx);
    return TAP_DONE();
}
