/*
 * fuzz_store_keys.c - store keys from arbitrary bytes.  The input is cut
 * at newlines into up to four keys (each ends at its first NUL).  For
 * each key:
 *  - zsi_key_ok() must agree with the rule written out independently
 *    below (relative, "/"-separated, no empty, "." or ".." segment, no
 *    "\" and no control character);
 *  - on a directory store in a private sandbox, set/get/get_range/erase
 *    of an invalid key must fail with ZS_ERR_INVALID and touch nothing;
 *    a valid key must land in the file ROOT/KEY (or fail cleanly), read
 *    back, and be listed under its own prefix;
 *  - after every input the sandbox must hold nothing but the store:
 *    nothing escapes the root;
 *  - the memory store must behave the same on valid keys.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/zsi_store.h"
#include "fuzz.h"

static zs_ctx *ctx;
static zs_store *dir, *mem;
static char sandbox[PATH_MAX];   /* SANDBOX/store is the store's root */
static char root[PATH_MAX + 16];
static char real_root[PATH_MAX];  /* root with symbolic links resolved */

/* The key rule, written independently of zsi_key_ok. */
static bool rule_ok(const char *k)
{
    size_t n = strlen(k), seg = 0;
    if (n == 0 || k[0] == '/' || k[n - 1] == '/')
        return false;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c == '/' || c == 0) {
            size_t len = i - seg;
            if (len == 0 || (len == 1 && k[seg] == '.') ||
                (len == 2 && k[seg] == '.' && k[seg + 1] == '.'))
                return false;
            seg = i + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\') {
            return false;
        }
    }
    return true;
}

static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char *sub;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if ((sub = zsi_path_join(path, e->d_name)))
                rm_tree(sub);
            free(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void cleanup(void)
{
    zs_store_close(dir);
    zs_store_close(mem);
    rm_tree(sandbox);
    zs_ctx_free(ctx);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/zsfuzz-keys.XXXXXX",
             t && *t ? t : "/tmp");
    if (!mkdtemp(sandbox) || zs_ctx_new(&ctx) != ZS_OK)
        abort();
    snprintf(root, sizeof root, "%s/store", sandbox);
    if (zs_store_open(ctx, root, ZS_STORE_CREATE, &dir) != ZS_OK ||
        zs_store_open(ctx, "mem://keys", ZS_STORE_CREATE, &mem) != ZS_OK)
        FUZZ_FAIL("cannot create the stores: %s", zs_ctx_message(ctx));
    if (!realpath(root, real_root))
        abort();
    atexit(cleanup);
}

/* The sandbox must hold exactly one entry: the store. */
static void check_sandbox(void)
{
    DIR *d = opendir(sandbox);
    struct dirent *e;
    int n = 0;
    if (!d)
        FUZZ_FAIL("sandbox vanished");
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (strcmp(e->d_name, "store") != 0)
            FUZZ_FAIL("'%s' appeared beside the store", e->d_name);
        n++;
    }
    closedir(d);
    if (n != 1)
        FUZZ_FAIL("the store directory is gone");
}

/* Empty the store directory (keeping the directory itself). */
static void clear_store(void)
{
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *sub;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if ((sub = zsi_path_join(root, e->d_name)))
            rm_tree(sub);
        free(sub);
    }
    if (d)
        closedir(d);
    zs_store_discard(mem);
}

struct listed {
    const char *prefix;
    const char *key;
    bool seen;
};

static int on_key(void *user, const char *key)
{
    struct listed *l = user;
    if (strncmp(key, l->prefix, strlen(l->prefix)) != 0)
        FUZZ_FAIL("list '%s' gave '%s'", l->prefix, key);
    if (!zsi_key_ok(key))
        FUZZ_FAIL("list gave the invalid key '%s'", key);
    if (strcmp(key, l->key) == 0)
        l->seen = true;
    return 0;
}

/* True if the file system cannot name ROOT/KEY (too long). */
static bool unnamable(const char *k)
{
    size_t seg = 0, n = strlen(k);
    if (strlen(root) + 1 + n >= PATH_MAX)
        return true;
    for (size_t i = 0; i <= n; i++)
        if (k[i] == '/' || k[i] == 0) {
            if (i - seg > NAME_MAX - 32)   /* room for the temporary name */
                return true;
            seg = i + 1;
        }
    return false;
}

static void one_key(const char *k)
{
    bool ok = zsi_key_ok(k);
    void *p = NULL;
    size_t n = 0;
    int found = 0;
    zs_status st;
    if (ok != rule_ok(k))
        FUZZ_FAIL("zsi_key_ok('%s') = %d", k, ok);
    if (!ok) {
        zs_store *s[2] = {dir, mem};
        for (int i = 0; i < 2; i++) {
            if (zs_store_set(s[i], k, "v", 1) != ZS_ERR_INVALID ||
                zs_store_get(s[i], k, &p, &n, &found) != ZS_ERR_INVALID ||
                zs_store_get_range(s[i], k, 0, 1, &p, &n, &found) !=
                    ZS_ERR_INVALID ||
                zs_store_erase(s[i], k) != ZS_ERR_INVALID || found)
                FUZZ_FAIL("invalid key '%s' not refused", k);
        }
        return;
    }
    /* deep trees cost many directories per input: keep the directory
     * store to keys of at most 32 segments and 1024 bytes */
    {
        size_t segs = 1;
        for (const char *q = k; *q; q++)
            segs += *q == '/';
        if (segs > 32 || strlen(k) > 1024)
            return;
    }
    /* memory store: always works */
    if (zs_store_set(mem, k, k, strlen(k)) != ZS_OK ||
        zs_store_get(mem, k, &p, &n, &found) != ZS_OK || !found ||
        n != strlen(k) || memcmp(p, k, n))
        FUZZ_FAIL("memory store: '%s' does not round trip", k);
    zs_free(p);
    p = NULL;
    /* directory store: may fail cleanly (name too long, a value where
     * a directory is needed), else the file is ROOT/KEY */
    st = zs_store_set(dir, k, k, strlen(k));
    if (st == ZS_OK) {
        char path[PATH_MAX * 2], real[PATH_MAX];
        struct stat sb;
        struct listed l = {k, k, false};
        snprintf(path, sizeof path, "%s/%s", root, k);
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            FUZZ_FAIL("'%s' is not the file %s", k, path);
        if (!realpath(path, real) ||
            strncmp(real, real_root, strlen(real_root)) != 0 ||
            real[strlen(real_root)] != '/')
            FUZZ_FAIL("'%s' resolves outside the store", k);
        if (zs_store_get(dir, k, &p, &n, &found) != ZS_OK || !found ||
            n != strlen(k) || memcmp(p, k, n))
            FUZZ_FAIL("directory store: '%s' does not round trip", k);
        zs_free(p);
        p = NULL;
        if (zs_store_list(dir, k, on_key, &l) != ZS_OK || !l.seen)
            FUZZ_FAIL("'%s' is not listed under its own prefix", k);
        if (zs_store_erase(dir, k) != ZS_OK ||
            zs_store_get(dir, k, &p, &n, &found) != ZS_OK || found)
            FUZZ_FAIL("'%s' was not erased", k);
    } else if (st == ZS_ERR_INVALID) {
        FUZZ_FAIL("valid key '%s' refused as invalid", k);
    }
    /* the key is absent now (it may name a directory of other keys):
     * erasing it succeeds, except where the file system cannot name it */
    st = zs_store_erase(dir, k);
    if (st != ZS_OK && !unnamable(k))
        FUZZ_FAIL("erase of absent '%s': %s", k, zs_ctx_message(ctx));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    int nkeys = 0;
    if (!ctx)
        setup();
    if (size > 8192)
        return 0;
    while (p <= end && nkeys < 4) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *k = zsi_strndup((const char *)p, n);   /* ends at a NUL */
        if (!k)
            abort();
        one_key(k);
        free(k);
        nkeys++;
        if (!nl)
            break;
        p = nl + 1;
    }
    check_sandbox();
    clear_store();
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *d)
{
    (void)d;
    return 0;   /* the corpus is written by hand */
}
#endif
