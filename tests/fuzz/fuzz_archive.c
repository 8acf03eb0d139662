/*
 * fuzz_archive.c - zip files and tar streams from arbitrary bytes.  Byte 0
 * picks the reader (even: zip, odd: tar); the rest is the file, written to
 * a private sandbox as NAME.zip or NAME.tar and opened read-only.  When it
 * opens:
 *  - every listed key passes zsi_key_ok (no "..", no absolute name);
 *  - get of a listed key succeeds with found = 1, or fails with an error
 *    (a damaged entry), never found = 0; get_range agrees with get on the
 *    bytes it returns; size agrees with get;
 *  - get of a key that is not listed is found = 0 or an error;
 *  - nothing but the input file appears in the sandbox: nothing is ever
 *    extracted.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include "store/zsi_store.h"
#include "fuzz.h"

static zs_ctx *ctx;
static char sandbox[PATH_MAX];

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/zsfuzz-archive.XXXXXX",
             t && *t ? t : "/tmp");
    if (!mkdtemp(sandbox) || zs_ctx_new(&ctx) != ZS_OK)
        abort();
    zs_ctx_set_threads(ctx, 1);
    /* spill early, so that the spill file is exercised too */
    zs_ctx_set_option(ctx, "stream.memory", "4k");
    zs_ctx_set_option(ctx, "tmpdir", sandbox);
}

static int entries(void)
{
    DIR *d = opendir(sandbox);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int collect(void *user, const char *key)
{
    zsi_strv *v = user;
    return zsi_strv_push(v, key) ? 0 : 1;
}

static void check_key(zs_store *s, const char *key)
{
    void *p = NULL, *q = NULL;
    size_t n = 0, m = 0;
    int found = 0, fq = 0;
    uint64_t size = 0;
    if (!zsi_key_ok(key))
        FUZZ_FAIL("listed key '%s' is not a valid key", key);
    if (zs_store_get(s, key, &p, &n, &found) != ZS_OK)
        return;   /* a damaged entry: an error is right */
    if (!found)
        FUZZ_FAIL("listed key '%s' is missing", key);
    if (zs_store_get_range(s, key, n / 3, n / 2 + 1, &q, &m, &fq) == ZS_OK) {
        size_t want = n - n / 3 < n / 2 + 1 ? n - n / 3 : n / 2 + 1;
        if (!fq || m != want || (m && memcmp(q, (uint8_t *)p + n / 3, m)))
            FUZZ_FAIL("get_range of '%s' disagrees with get", key);
    }
    if (zsi_store_size(s, key, &size, &fq) == ZS_OK && fq && size != n)
        FUZZ_FAIL("size of '%s' is %llu, get gave %zu", key,
                  (unsigned long long)size, n);
    zs_free(p);
    zs_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[PATH_MAX + 32];
    zs_store *s = NULL;
    zsi_strv keys = {0};
    FILE *f;
    if (!ctx)
        setup();
    if (size < 1 || size > (1 << 20))
        return 0;
    snprintf(path, sizeof path, "%s/in.%s", sandbox,
             data[0] & 1 ? "tar" : "zip");
    f = fopen(path, "wb");
    if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f))
        abort();
    if (zs_store_open(ctx, path, ZS_STORE_READ, &s) == ZS_OK) {
        /* a key before listing (a stream reads ahead for it) */
        void *p = NULL;
        size_t n;
        int found = 0;
        if (zs_store_get(s, ".zmetadata", &p, &n, &found) == ZS_OK && found)
            zs_free(p);
        if (zs_store_list(s, "", collect, &keys) == ZS_OK)
            for (size_t i = 0; i < keys.n; i++)
                check_key(s, keys.v[i]);
        p = NULL;
        if (zs_store_get(s, "no/such/key", &p, &n, &found) == ZS_OK && found)
            FUZZ_FAIL("a key that is not in the archive was found");
        zs_free(p);
        zs_store_close(s);
    }
    zsi_strv_free(&keys);
    if (entries() != 1)
        FUZZ_FAIL("the sandbox holds %d entries, not just the input",
                  entries());
    unlink(path);
    return 0;
}

#ifndef ZS_LIBFUZZER
/* Seeds: small archives written by the library's own writers. */
static int seed(const char *dir, const char *name, int kind)
{
    char *p = zsi_asprintf("%s/%s.%s", dir, name, kind ? "tar" : "zip");
    char *out = zsi_asprintf("%s/%s", dir, name);
    zs_store *s = NULL;
    zs_ctx *c = NULL;
    uint8_t big[3000];
    int rc = -1;
    FILE *in, *o;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    if (p && out && zs_ctx_new(&c) == ZS_OK &&
        zs_store_open(c, p, ZS_STORE_CREATE, &s) == ZS_OK &&
        zs_store_set(s, ".zgroup", "{\"zarr_format\": 2}", 18) == ZS_OK &&
        zs_store_set(s, "a/.zarray", "{}", 2) == ZS_OK &&
        zs_store_set(s, "a/0.0", big, sizeof big) == ZS_OK &&
        zs_store_set(s, "b/\xc3\xa9t\xc3\xa9 1", "x", 1) == ZS_OK &&
        zs_store_set(s, "empty", "", 0) == ZS_OK &&
        zs_store_commit(s) == ZS_OK && (in = fopen(p, "rb"))) {
        uint8_t buf[65536];
        size_t n = fread(buf, 1, sizeof buf, in);
        fclose(in);
        if ((o = fopen(out, "wb"))) {
            fputc(kind, o);
            rc = fwrite(buf, 1, n, o) == n && fclose(o) == 0 ? 1 : -1;
        }
    }
    zs_store_close(s);
    zs_ctx_free(c);
    if (p)
        unlink(p);
    free(p);
    free(out);
    return rc;
}

int zs_fuzz_seeds(const char *dir)
{
    if (seed(dir, "seed-zip", 0) < 0 || seed(dir, "seed-tar", 1) < 0)
        return -1;
    return 2;
}
#endif
