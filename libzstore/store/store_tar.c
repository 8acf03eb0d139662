/* store_tar.c - a store as a tar stream (pax, through libarchive): "-" is
 * stdin when reading and stdout when writing; NAME.tar is a tar file.
 *
 * Reading is one pass.  get() reads the stream forward until the key
 * shows up; what it passes on the way is kept (in memory up to the
 * "stream.memory" option, then in an unlinked file in "tmpdir") until
 * asked for.  A chunk the array layer reads only once (ops.forget) is
 * dropped after reading, and reading it again is an error (never a fill
 * value).  list() drains the stream.  A key that never shows up before the end of the
 * archive is missing; a stream that ends without the tar end-of-archive
 * blocks (the writer failed) is an error.  Two entries with one key are
 * an error: a tar file is scanned for them at open (headers only), a
 * stream when the second one is read (what a reader never reaches, it
 * cannot check).
 *
 * Writing appends one entry per set(), in the order of the calls: the
 * writers (ops) emit metadata first, then chunks in chunk order.  A key
 * cannot be written twice with different values, nor read back.  The
 * end-of-archive blocks are written by commit only: a writer that fails
 * leaves a stream that every reader rejects as truncated. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_impl.h"

enum { AT_MEM, AT_SPILL, AT_DROPPED, AT_WRITTEN };

typedef struct tar_entry {
    char *key;
    uint64_t size;
    int where;
    uint8_t *data;      /* AT_MEM */
    uint64_t off;       /* AT_SPILL: offset in the spill file */
    uint64_t hash;      /* AT_WRITTEN: FNV-1a of the value */
} tar_entry;

typedef struct tar_store {
    pthread_mutex_t lock;
    struct archive *ar;
    int fd;
    bool own_fd;
    bool writing;
    /* table: entries in stream order, and an open-addressing index */
    tar_entry *e;
    size_t n, cap;
    size_t *slot;       /* index + 1, 0 = empty */
    size_t nslots;
    /* reading */
    bool eof;
    zs_status sticky;   /* a failure of the stream, repeated to callers */
    char *sticky_msg;
    char *root;         /* "dir/" when the archive holds the store's folder */
    bool first;
    zsi_strv pinned;    /* prefixes never forgotten */
    zsi_strv skipped;   /* prefixes no one will read: not kept */
    uint64_t mem_used, mem_max;
    size_t evict_from;  /* entries before it are not in memory */
    int spill_fd;
    uint64_t spill_end;
    char *tmpdir;
    /* writing */
    char *path;         /* final name of a tar file, NULL on stdout */
    char *tmp;          /* what is written (path or path.partial) */
    bool failed, committed;
    int werr;           /* errno of a failed write */
} tar_store;

/* ---- the key table ------------------------------------------------------ */

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

#define FNV0 0xcbf29ce484222325ULL

static tar_entry *lookup(tar_store *t, const char *key)
{
    size_t i;
    if (!t->nslots)
        return NULL;
    i = (size_t)fnv(key, strlen(key), FNV0) & (t->nslots - 1);
    for (; t->slot[i]; i = (i + 1) & (t->nslots - 1))
        if (!strcmp(t->e[t->slot[i] - 1].key, key))
            return &t->e[t->slot[i] - 1];
    return NULL;
}

static bool rehash(tar_store *t, size_t nslots)
{
    size_t *s = calloc(nslots, sizeof *s);
    if (!s)
        return false;
    free(t->slot);
    t->slot = s;
    t->nslots = nslots;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)fnv(t->e[k].key, strlen(t->e[k].key), FNV0) &
                   (nslots - 1);
        while (s[i])
            i = (i + 1) & (nslots - 1);
        s[i] = k + 1;
    }
    return true;
}

/* Append an entry for key (taken); NULL when out of memory. */
static tar_entry *add(tar_store *t, char *key)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tar_entry *e = realloc(t->e, cap * sizeof *e);
        if (!e)
            return NULL;
        t->e = e;
        t->cap = cap;
    }
    memset(&t->e[t->n], 0, sizeof t->e[t->n]);
    t->e[t->n++].key = key;
    if ((t->n + 1) * 2 > t->nslots) {
        if (!rehash(t, t->nslots ? t->nslots * 2 : 128)) {
            t->n--;
            return NULL;
        }
    } else {
        size_t i = (size_t)fnv(key, strlen(key), FNV0) & (t->nslots - 1);
        while (t->slot[i])
            i = (i + 1) & (t->nslots - 1);
        t->slot[i] = t->n;
    }
    return &t->e[t->n - 1];
}

/* Metadata documents are small and read more than once, and so are
 * the pinned arrays (coordinates): never forgotten. */
static bool keep(const tar_store *t, const char *key)
{
    const char *b = strrchr(key, '/');
    b = b ? b + 1 : key;
    if (!strcmp(b, ".zmetadata") || !strcmp(b, ".zgroup") ||
        !strcmp(b, ".zarray") || !strcmp(b, ".zattrs") ||
        !strcmp(b, "zarr.json"))
        return true;
    for (size_t i = 0; i < t->pinned.n; i++)
        if (zsi_str_starts(key, t->pinned.v[i]))
            return true;
    return false;
}

static void forget(tar_store *t, tar_entry *e);

static bool skipped(const tar_store *t, const char *key)
{
    for (size_t i = 0; i < t->skipped.n; i++)
        if (zsi_str_starts(key, t->skipped.v[i]))
            return !keep(t, key);
    return false;
}

static zs_status tar_skip(zs_store *s, const char *prefix)
{
    tar_store *t = s->impl;
    bool ok;
    pthread_mutex_lock(&t->lock);
    ok = zsi_strv_push(&t->skipped, prefix);
    for (size_t i = 0; ok && i < t->n; i++)
        if (t->e[i].where != AT_DROPPED && skipped(t, t->e[i].key))
            forget(t, &t->e[i]);
    pthread_mutex_unlock(&t->lock);
    return ok ? ZS_OK : zsi_nomem(s->ctx);
}

static zs_status tar_pin(zs_store *s, const char *prefix)
{
    tar_store *t = s->impl;
    bool ok;
    pthread_mutex_lock(&t->lock);
    ok = zsi_strv_push(&t->pinned, prefix);
    pthread_mutex_unlock(&t->lock);
    return ok ? ZS_OK : zsi_nomem(s->ctx);
}

/* ---- reading ------------------------------------------------------------ */

static zs_status fail(zs_store *s, zs_status code, const char *fmt, ...)
    ZSI_PRINTF(3, 4);

/* Record a failure of the stream: this and every later call report it. */
static zs_status fail(zs_store *s, zs_status code, const char *fmt, ...)
{
    tar_store *t = s->impl;
    va_list ap;
    va_start(ap, fmt);
    zsi_verr(s->ctx, code, fmt, ap);
    va_end(ap);
    if (!t->sticky) {
        t->sticky = code;
        t->sticky_msg = zsi_strdup(zs_ctx_message(s->ctx));
    }
    return code;
}

static zs_status open_spill(zs_store *s)
{
    tar_store *t = s->impl;
    char *tmpl = zsi_asprintf("%s/zstore-stream.XXXXXX", t->tmpdir);
    if (!tmpl)
        return zsi_nomem(s->ctx);
    t->spill_fd = mkstemp(tmpl);
    if (t->spill_fd < 0) {
        zs_status st = fail(s, ZS_ERR_IO, "%s: cannot create a spill file "
                            "in %s: %s", s->name, t->tmpdir, strerror(errno));
        free(tmpl);
        return st;
    }
    unlink(tmpl);
    free(tmpl);
    return ZS_OK;
}

static zs_status spill_write(zs_store *s, const void *p, size_t n)
{
    tar_store *t = s->impl;
    const uint8_t *b = p;
    while (n) {
        ssize_t w = pwrite(t->spill_fd, b, n, (off_t)t->spill_end);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail(s, errno == ENOSPC ? ZS_ERR_NOSPACE : ZS_ERR_IO,
                        "%s: cannot spill the stream to %s: %s", s->name,
                        t->tmpdir, strerror(w < 0 ? errno : EIO));
        b += w;
        n -= (size_t)w;
        t->spill_end += (uint64_t)w;
    }
    return ZS_OK;
}

/* Move entries kept in memory to the spill file, oldest first, until
 * what stays fits in stream.memory. */
static zs_status evict(zs_store *s)
{
    tar_store *t = s->impl;
    zs_status st;
    for (; t->mem_used > t->mem_max && t->evict_from < t->n;
         t->evict_from++) {
        tar_entry *e = &t->e[t->evict_from];
        if (e->where != AT_MEM)
            continue;
        if (t->spill_fd < 0 && (st = open_spill(s)) != ZS_OK)
            return st;
        e->off = t->spill_end;
        if ((st = spill_write(s, e->data, (size_t)e->size)) != ZS_OK)
            return st;
        free(e->data);
        e->data = NULL;
        e->where = AT_SPILL;
        t->mem_used -= e->size;
    }
    return ZS_OK;
}

/* Read the data of the current archive entry into e: in memory if it
 * fits, or if it is the entry asked for (wanted: about to be used, and
 * usually forgotten at once), else in the spill file. */
static zs_status read_data(zs_store *s, tar_entry *e, bool wanted)
{
    tar_store *t = s->impl;
    uint8_t block[65536];
    uint64_t got = 0;
    zs_status st;
    bool mem = wanted || t->mem_used + e->size <= t->mem_max;
    if (mem) {
        e->where = AT_MEM;
        e->data = malloc(e->size ? (size_t)e->size : 1);
        if (!e->data)
            return fail(s, ZS_ERR_NOMEM, "out of memory");
        t->mem_used += e->size;
    } else {
        if (t->spill_fd < 0 && (st = open_spill(s)) != ZS_OK)
            return st;
        e->where = AT_SPILL;
        e->off = t->spill_end;
    }
    for (;;) {
        la_ssize_t r = archive_read_data(t->ar, block, sizeof block);
        if (r == 0)
            break;
        if (r < 0)
            return fail(s, ZS_ERR_FORMAT, "%s: %s: damaged or truncated tar "
                        "stream: %s", s->name, e->key,
                        archive_error_string(t->ar));
        if (got + (uint64_t)r > e->size)
            return fail(s, ZS_ERR_FORMAT, "%s: %s: more data than the entry "
                        "size", s->name, e->key);
        if (mem)
            memcpy(e->data + got, block, (size_t)r);
        else if ((st = spill_write(s, block, (size_t)r)) != ZS_OK)
            return st;
        got += (uint64_t)r;
    }
    if (got != e->size)
        return fail(s, ZS_ERR_FORMAT, "%s: %s: truncated tar stream (%llu of "
                    "%llu bytes)", s->name, e->key, (unsigned long long)got,
                    (unsigned long long)e->size);
    zsi_store_count(s, 0, got, 0);
    return ZS_OK;
}

/* Strip "./" prefixes; NULL for the archive's root itself. */
static const char *clean_name(const char *n)
{
    while (n[0] == '.' && n[1] == '/')
        n += 2;
    while (*n == '/' && n[1] == 0)
        n++;
    return *n ? n : NULL;
}

/* Read the next entry of the stream into the table (or set eof); want
 * is the key being looked for, or NULL. */
static zs_status read_next(zs_store *s, const char *want)
{
    tar_store *t = s->impl;
    struct archive_entry *ae;
    const char *raw, *name;
    char *key;
    tar_entry *e;
    bool first = t->first;
    zs_status st;
    int r;
    if (t->sticky)
        return zsi_err(s->ctx, t->sticky, "%s", t->sticky_msg ?
                       t->sticky_msg : "stream failed");
    if (t->eof)
        return ZS_OK;
    t->first = false;
    r = archive_read_next_header(t->ar, &ae);
    if (r == ARCHIVE_EOF) {
        /* libarchive also ends quietly where the input ends between two
         * entries: only the two zero blocks after the last header mark a
         * complete stream */
        if (archive_filter_bytes(t->ar, -1) -
                archive_read_header_position(t->ar) < 1024)
            return fail(s, ZS_ERR_FORMAT, "%s: truncated tar stream (no "
                        "end-of-archive blocks: the writer stopped early)",
                        s->name);
        t->eof = true;
        return ZS_OK;
    }
    if (r < ARCHIVE_WARN)
        return fail(s, ZS_ERR_FORMAT, "%s: %s tar stream: %s", s->name,
                    first ? "not a" : "damaged or truncated",
                    archive_error_string(t->ar) ? archive_error_string(t->ar)
                                                : "unreadable");
    raw = archive_entry_pathname_utf8(ae);
    if (!raw)
        raw = archive_entry_pathname(ae);
    if (!raw)
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry without a name",
                    s->name);
    if (raw[0] == '/')
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' has an absolute "
                    "name", s->name, raw);
    name = clean_name(raw);
    if (archive_entry_filetype(ae) == AE_IFDIR) {
        /* the archive of a folder made from its parent: "store.zarr/" */
        if (first && name) {
            size_t l = strlen(name);
            char *d = zsi_strndup(name, name[l - 1] == '/' ? l - 1 : l);
            bool ok = d && zsi_key_ok(d) && !strchr(d, '/');
            t->root = ok ? zsi_asprintf("%s/", d) : NULL;
            free(d);
            if (ok && !t->root)
                return fail(s, ZS_ERR_NOMEM, "out of memory");
            if (!ok)
                return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' has an "
                            "unsafe name", s->name, raw);
        }
        return ZS_OK;
    }
    if (archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae) ||
        archive_entry_symlink(ae))
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' is not a regular "
                    "file (links and devices are refused)", s->name, raw);
    if (!name || !zsi_key_ok(name))
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' has an unsafe "
                    "name", s->name, raw);
    if (t->root) {
        if (!zsi_str_starts(name, t->root) || !name[strlen(t->root)])
            return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' is outside "
                        "the store's folder '%s'", s->name, raw, t->root);
        name += strlen(t->root);
    }
    if (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0)
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' has no valid size",
                    s->name, raw);
    if (lookup(t, name))
        return fail(s, ZS_ERR_FORMAT, "%s: tar entry '%s' appears twice "
                    "(an ambiguous archive)", s->name, name);
    /* what was read ahead and kept must fit in memory before more is
     * read (the entry handed out last may have been over the budget) */
    if ((st = evict(s)) != ZS_OK)
        return st;
    key = zsi_strdup(name);
    if (!key || !(e = add(t, key))) {
        free(key);
        return fail(s, ZS_ERR_NOMEM, "out of memory");
    }
    e->size = (uint64_t)archive_entry_size(ae);
    if (skipped(t, name) && !(want && !strcmp(want, name))) {
        e->where = AT_DROPPED;   /* passed over, never kept */
        if (archive_read_data_skip(t->ar) != ARCHIVE_OK)
            return fail(s, ZS_ERR_FORMAT, "%s: %s: damaged or truncated "
                        "tar stream: %s", s->name, e->key,
                        archive_error_string(t->ar));
        return ZS_OK;
    }
    return read_data(s, e, want && !strcmp(want, name));
}

/* Find key, reading the stream forward as needed; NULL if it is not in
 * the stream.  Called with the lock held. */
static zs_status find(zs_store *s, const char *key, tar_entry **out)
{
    tar_store *t = s->impl;
    zs_status st;
    *out = NULL;
    if (t->writing) {
        tar_entry *e = lookup(t, key);
        if (e)
            return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: %s: a value "
                           "written to a stream cannot be read back",
                           s->name, key);
        return ZS_OK;
    }
    if (t->sticky)   /* the stream failed: nothing read from it is sure */
        return zsi_err(s->ctx, t->sticky, "%s", t->sticky_msg ?
                       t->sticky_msg : "stream failed");
    for (;;) {
        tar_entry *e = lookup(t, key);
        if (e) {
            if (e->where == AT_DROPPED)
                return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED,
                               "%s: %s was read from the stream already and "
                               "forgotten (save the stream to a folder first)",
                               s->name, key);
            *out = e;
            return ZS_OK;
        }
        if (t->eof)
            return ZS_OK;
        if ((st = read_next(s, key)) != ZS_OK)
            return st;
    }
}

static zs_status copy_out(zs_store *s, tar_entry *e, uint64_t off,
                          uint64_t len, zsi_buf *out)
{
    tar_store *t = s->impl;
    if (off > e->size)
        off = e->size;
    if (len > e->size - off)
        len = e->size - off;
    out->len = 0;
    if (!zsi_buf_reserve(out, (size_t)len ? (size_t)len : 1))
        return zsi_nomem(s->ctx);
    if (e->where == AT_MEM) {
        memcpy(out->data, e->data + off, (size_t)len);
    } else {
        uint64_t done = 0;
        while (done < len) {
            ssize_t r = pread(t->spill_fd, out->data + done,
                              (size_t)(len - done),
                              (off_t)(e->off + off + done));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return zsi_err(s->ctx, ZS_ERR_IO, "%s: %s: cannot read the "
                               "spill file: %s", s->name, e->key,
                               strerror(r < 0 ? errno : EIO));
            done += (uint64_t)r;
        }
    }
    out->len = (size_t)len;
    return ZS_OK;
}

static void forget(tar_store *t, tar_entry *e)
{
    if (e->where == AT_MEM) {
        free(e->data);
        e->data = NULL;
        t->mem_used -= e->size;
    }
    e->where = AT_DROPPED;
}

static zs_status tar_get_range(zs_store *s, const char *key, uint64_t off,
                               uint64_t len, zsi_buf *out, int *found)
{
    tar_store *t = s->impl;
    tar_entry *e;
    zs_status st;
    pthread_mutex_lock(&t->lock);
    st = find(s, key, &e);
    if (st == ZS_OK && e) {
        st = copy_out(s, e, off, len, out);
        *found = st == ZS_OK;
    }
    pthread_mutex_unlock(&t->lock);
    return st;
}

static zs_status tar_forget(zs_store *s, const char *key)
{
    tar_store *t = s->impl;
    tar_entry *e;
    pthread_mutex_lock(&t->lock);
    e = t->writing ? NULL : lookup(t, key);
    if (e && e->where != AT_DROPPED && !keep(t, key))
        forget(t, e);
    pthread_mutex_unlock(&t->lock);
    return ZS_OK;
}

static zs_status tar_get(zs_store *s, const char *key, zsi_buf *out,
                         int *found)
{
    return tar_get_range(s, key, 0, UINT64_MAX, out, found);
}

static zs_status tar_size(zs_store *s, const char *key, uint64_t *size,
                          int *found)
{
    tar_store *t = s->impl;
    tar_entry *e;
    zs_status st;
    pthread_mutex_lock(&t->lock);
    st = find(s, key, &e);
    if (st == ZS_OK && e) {
        *size = e->size;
        *found = 1;
    }
    pthread_mutex_unlock(&t->lock);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static zs_status tar_list(zs_store *s, const char *prefix, zs_key_fn fn,
                          void *user)
{
    tar_store *t = s->impl;
    zs_status st = ZS_OK;
    char **keys = NULL;
    size_t n = 0, lp = strlen(prefix);
    pthread_mutex_lock(&t->lock);
    while (st == ZS_OK && !t->eof)
        st = read_next(s, NULL);
    if (st == ZS_OK && !(keys = malloc((t->n ? t->n : 1) * sizeof *keys)))
        st = zsi_nomem(s->ctx);
    for (size_t i = 0; st == ZS_OK && i < t->n; i++)
        if (!strncmp(t->e[i].key, prefix, lp))
            keys[n++] = t->e[i].key;
    pthread_mutex_unlock(&t->lock);
    /* entries are never removed while reading: the keys stay valid */
    if (st == ZS_OK) {
        qsort(keys, n, sizeof *keys, cmp_str);
        for (size_t i = 0; i < n; i++)
            if (fn(user, keys[i]))
                break;
    }
    free(keys);
    return st;
}

/* ---- writing ------------------------------------------------------------ */

static la_ssize_t write_cb(struct archive *ar, void *arg, const void *buf,
                           size_t n)
{
    tar_store *t = arg;
    const uint8_t *p = buf;
    size_t left = n;
    if (t->failed) {
        archive_set_error(ar, EIO, "the stream was abandoned");
        return -1;
    }
    while (left) {
        ssize_t w = write(t->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            t->werr = w < 0 ? errno : EIO;
            t->failed = true;
            archive_set_error(ar, t->werr, "%s", strerror(t->werr));
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    return (la_ssize_t)n;
}

static zs_status write_error(zs_store *s, const char *key)
{
    tar_store *t = s->impl;
    t->failed = true;
    return zsi_err(s->ctx, t->werr == ENOSPC ? ZS_ERR_NOSPACE : ZS_ERR_IO,
                   "%s: %s: cannot write the tar stream: %s", s->name, key,
                   t->werr ? strerror(t->werr) : archive_error_string(t->ar));
}

static zs_status tar_set(zs_store *s, const char *key, const void *data,
                         size_t len)
{
    tar_store *t = s->impl;
    struct archive_entry *ae;
    uint64_t h = fnv(data, len, FNV0);
    tar_entry *e;
    zs_status st = ZS_OK;
    char *k;
    pthread_mutex_lock(&t->lock);
    e = lookup(t, key);
    if (t->failed) {
        st = zsi_err(s->ctx, ZS_ERR_IO, "%s: the stream failed earlier",
                     s->name);
    } else if (e) {
        /* a stream cannot be rewritten; the same value again is harmless */
        if (e->hash != h || e->size != len)
            st = zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: %s: a value "
                         "written to a stream cannot be changed", s->name,
                         key);
    } else if (!(k = zsi_strdup(key)) || !(e = add(t, k))) {
        free(k);
        st = zsi_nomem(s->ctx);
    } else if (!(ae = archive_entry_new())) {
        st = zsi_nomem(s->ctx);
    } else {
        e->where = AT_WRITTEN;
        e->size = len;
        e->hash = h;
        /* keys are UTF-8 bytes: given as they are (libarchive cannot
         * translate them in the C locale and then marks the header
         * "hdrcharset=BINARY", which tar readers take byte for byte) */
        archive_entry_set_pathname(ae, key);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)len);
        archive_entry_set_mtime(ae, time(NULL), 0);
        if (archive_write_header(t->ar, ae) < ARCHIVE_WARN ||
            (len && archive_write_data(t->ar, data, len) != (la_ssize_t)len))
            st = write_error(s, key);
        else
            zsi_store_count(s, 1, 0, len);
        archive_entry_free(ae);
    }
    pthread_mutex_unlock(&t->lock);
    return st;
}

static zs_status tar_erase(zs_store *s, const char *key)
{
    tar_store *t = s->impl;
    zs_status st = ZS_OK;
    pthread_mutex_lock(&t->lock);
    if (lookup(t, key))   /* erasing what was never written is a no-op */
        st = zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: %s: a value written "
                     "to a stream cannot be erased", s->name, key);
    pthread_mutex_unlock(&t->lock);
    return st;
}

static zs_status tar_commit(zs_store *s)
{
    tar_store *t = s->impl;
    if (!t->writing || t->committed)
        return ZS_OK;
    if (t->failed)
        return zsi_err(s->ctx, ZS_ERR_IO, "%s: the stream failed earlier",
                       s->name);
    if (archive_write_close(t->ar) != ARCHIVE_OK)
        return write_error(s, "end of archive");
    if (t->path) {
        if (fsync(t->fd) != 0 || close(t->fd) != 0) {
            t->fd = -1;
            return zsi_errno(s->ctx, errno, "%s", t->tmp);
        }
        t->fd = -1;
        if (strcmp(t->tmp, t->path) && rename(t->tmp, t->path) != 0)
            return zsi_errno(s->ctx, errno, "%s: cannot rename to %s",
                             t->tmp, t->path);
    }
    t->committed = true;
    return ZS_OK;
}

/* Abandon what was written: the end-of-archive blocks are never
 * written, so readers see a truncated stream. */
static zs_status tar_discard(zs_store *s)
{
    tar_store *t = s->impl;
    if (!t->writing)
        return zsi_err(s->ctx, ZS_ERR_READONLY, "%s: store is read-only",
                       s->name);
    if (t->committed)
        return ZS_OK;
    t->failed = true;
    if (t->path && t->tmp)
        unlink(t->tmp);
    return ZS_OK;
}

static void tar_close(zs_store *s)
{
    tar_store *t = s->impl;
    if (!t)
        return;
    if (t->writing && !t->committed)
        tar_discard(s);
    if (!t->writing && !t->own_fd && t->ar && !t->sticky) {
        /* read standard input to its end, so that the writer upstream
         * finishes cleanly instead of dying on a broken pipe */
        struct archive_entry *ae;
        while (archive_read_next_header(t->ar, &ae) == ARCHIVE_OK)
            if (archive_read_data_skip(t->ar) != ARCHIVE_OK)
                break;
    }
    if (t->ar) {
        if (t->writing)
            archive_write_free(t->ar);
        else
            archive_read_free(t->ar);
    }
    if (t->own_fd && t->fd >= 0)
        close(t->fd);
    if (t->spill_fd >= 0)
        close(t->spill_fd);
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].data);
    }
    free(t->e);
    free(t->slot);
    free(t->sticky_msg);
    zsi_strv_free(&t->pinned);
    zsi_strv_free(&t->skipped);
    free(t->root);
    free(t->tmpdir);
    free(t->path);
    free(t->tmp);
    pthread_mutex_destroy(&t->lock);
    free(t);
    s->impl = NULL;
}

static const zsi_store_ops tar_ops = {
    .kind = "tar",
    .get = tar_get,
    .get_range = tar_get_range,
    .size = tar_size,
    .set = tar_set,
    .erase = tar_erase,
    .list = tar_list,
    .commit = tar_commit,
    .discard = tar_discard,
    .close = tar_close,
    .pin = tar_pin,
    .forget = tar_forget,
    .skip = tar_skip,
};

static zs_status open_write(zs_store *s, const char *path)
{
    tar_store *t = s->impl;
    struct stat sb;
    t->writing = true;
    if (!path) {
        if (isatty(1))
            return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: refusing to write a "
                           "tar stream to a terminal (redirect or pipe "
                           "standard output)", s->name);
        t->fd = 1;
    } else {
        if (stat(path, &sb) == 0 && !(s->flags & ZS_STORE_OVERWRITE))
            return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: output exists",
                           s->name);
        t->path = zsi_strdup(path);
        t->tmp = s->flags & ZS_STORE_PARTIAL ? zsi_asprintf("%s.partial",
                                                            path)
                                             : zsi_strdup(path);
        if (!t->path || !t->tmp)
            return zsi_nomem(s->ctx);
        t->fd = open(t->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (t->fd < 0)
            return zsi_errno(s->ctx, errno, "%s", t->tmp);
        t->own_fd = true;
    }
    t->ar = archive_write_new();
    if (!t->ar || archive_write_set_format_pax_restricted(t->ar) !=
                      ARCHIVE_OK ||
        archive_write_add_filter_none(t->ar) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(t->ar, 1) != ARCHIVE_OK ||
        archive_write_open(t->ar, t, NULL, write_cb, NULL) != ARCHIVE_OK)
        return zsi_err(s->ctx, ZS_ERR_IO, "%s: cannot start a tar stream: "
                       "%s", s->name, t->ar ? archive_error_string(t->ar)
                                            : "out of memory");
    s->caps = ZSI_STORE_CAN_WRITE | ZSI_STORE_STREAM;
    return ZS_OK;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A tar file (not a stream) is scanned whole at open, headers only (the
 * data are skipped by seeking): two entries with one key (after "./" is
 * dropped) make the archive ambiguous, whichever a reader would take,
 * and are an error naming the key wherever they are.  A stream is
 * checked only as far as it is read.  Damage is left to the reading,
 * which reports it where it meets it. */
static zs_status scan_file(zs_store *s, const char *path)
{
    struct archive *ar = archive_read_new();
    struct archive_entry *ae;
    zsi_strv names = {0};
    zs_status st = ZS_OK;
    int r;
    if (!ar)
        return zsi_nomem(s->ctx);
    if (archive_read_support_format_tar(ar) != ARCHIVE_OK ||
        archive_read_support_filter_none(ar) != ARCHIVE_OK ||
        archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
        archive_read_free(ar);
        return ZS_OK;
    }
    while (st == ZS_OK &&
           (r = archive_read_next_header(ar, &ae)) >= ARCHIVE_WARN) {
        const char *raw = archive_entry_pathname_utf8(ae), *name;
        if (!raw)
            raw = archive_entry_pathname(ae);
        name = raw ? clean_name(raw) : NULL;
        if (name && archive_entry_filetype(ae) != AE_IFDIR &&
            !zsi_strv_push(&names, name))
            st = zsi_nomem(s->ctx);
        if (r == ARCHIVE_EOF || archive_read_data_skip(ar) < ARCHIVE_WARN)
            break;
    }
    archive_read_free(ar);
    if (st == ZS_OK && names.n > 1) {
        qsort(names.v, names.n, sizeof *names.v, cmp_key);
        for (size_t i = 1; i < names.n && st == ZS_OK; i++)
            if (!strcmp(names.v[i - 1], names.v[i]))
                st = zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: tar entry '%s' "
                             "appears twice (an ambiguous archive)",
                             s->name, names.v[i]);
    }
    zsi_strv_free(&names);
    return st;
}

static zs_status open_read(zs_store *s, const char *path)
{
    tar_store *t = s->impl;
    char buf[4096];
    if (!path) {
        if (isatty(0))
            return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: refusing to read a "
                           "tar stream from a terminal (pipe a store into "
                           "standard input)", s->name);
        t->fd = 0;
    } else {
        struct stat sb;
        t->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (t->fd < 0)
            return errno == ENOENT
                       ? zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: no such store",
                                 s->name)
                       : zsi_errno(s->ctx, errno, "%s", path);
        t->own_fd = true;
        if (fstat(t->fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
            zs_status st = scan_file(s, path);
            if (st != ZS_OK)
                return st;
        }
    }
    t->tmpdir = zsi_strdup(zsi_ctx_opt(s->ctx, "tmpdir", buf, sizeof buf)
                               ? buf : "/tmp");
    t->mem_max = (uint64_t)zsi_ctx_opt_int(s->ctx, "stream.memory",
                                           (int64_t)256 << 20);
    t->ar = archive_read_new();
    if (!t->tmpdir || !t->ar)
        return zsi_nomem(s->ctx);
    if (archive_read_support_format_tar(t->ar) != ARCHIVE_OK ||
        archive_read_support_filter_none(t->ar) != ARCHIVE_OK ||
        archive_read_open_fd(t->ar, t->fd, 65536) != ARCHIVE_OK)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: not a tar stream: %s",
                       s->name, archive_error_string(t->ar));
    s->caps = ZSI_STORE_CAN_LIST | ZSI_STORE_STREAM;
    /* read the first entry now: a stream that is no tar fails at open */
    t->first = true;
    return read_next(s, NULL);
}

zs_status zsi_store_tar_open(zs_ctx *ctx, const char *name, const char *path,
                             unsigned flags, zs_store **out)
{
    zs_store *s;
    tar_store *t;
    zs_status st;
    *out = NULL;
    if ((flags & ZS_STORE_CREATE) && !path && (flags & ZS_STORE_PARTIAL))
        flags &= ~(unsigned)ZS_STORE_PARTIAL;   /* nothing to rename */
    st = zsi_store_alloc(ctx, name, flags, &tar_ops, &s);
    if (st != ZS_OK)
        return st;
    t = calloc(1, sizeof *t);
    if (!t || pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        zs_store_close(s);
        return zsi_nomem(ctx);
    }
    t->fd = -1;
    t->spill_fd = -1;
    s->impl = t;
    st = flags & ZS_STORE_CREATE ? open_write(s, path) : open_read(s, path);
    if (st != ZS_OK) {
        char msg[ZSI_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", zs_ctx_message(ctx));
        zs_store_close(s);
        return zsi_err(ctx, st, "%s", msg);
    }
    *out = s;
    return ZS_OK;
}
