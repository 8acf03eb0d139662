/* store_zip.c - zip file store: NAME.zip or zip://PATH.
 *
 * Reading: one pass over the central directory at open builds a hash
 * table key -> entry; a get reads the entry's local header, then its
 * data with pread (no shared file offset, so gets run in parallel).
 * STORED entries are read as they are (get_range reads only the range);
 * DEFLATED ones are inflated into a buffer that never grows beyond the
 * declared size.  Zips made from the store's parent folder are accepted:
 * when no root metadata is at the top but every entry lies below one
 * folder holding it, that folder is the root.
 *
 * Whole reads check the CRC-32 (libdeflate's, several times zlib's).
 *
 * Remote zips (http(s):// or s3:// names ending in .zip, read-only) are
 * read through the get_range of a raw http or s3 store of their folder:
 * at open the size, the last 64 KiB (kept: it usually holds the central
 * directory) and the directory if it starts before them; then one range
 * per value, which the first time starts at the local header (its extra
 * field is taken to be at most 64 bytes longer than the central one,
 * else a second request fetches the data).
 *
 * Writing: each set appends a local header and the data (STORED unless
 * the context option zip.compression says "deflate"; sizes and CRC are
 * known, so no data descriptor) and records the entry in memory; gets
 * read back what was written.  Replacing or erasing a key leaves dead
 * bytes, squeezed out at commit, which then writes the central
 * directory (ZIP64 records when a size, an offset or the number of
 * entries needs them), syncs and renames NAME.partial into place.  A
 * store closed without a commit keeps NAME.partial (as folders do); a
 * zip written in place without PARTIAL has no directory then and is
 * removed.  Only the process that opened the store may write it.
 *
 * Updating (ZSI_STORE_UPDATE, an append): a zip cannot be changed in
 * place without a moment where it is no zip, so a new one is written at
 * NAME.partial, the old one open beside it (locked with flock, so that
 * two updates do not share NAME.partial) and read where the new one has
 * no such key; the commit copies every entry of the old one that was
 * not replaced or erased as it is stored (no decompression), then
 * writes the directory and renames the new zip over the old.  Until
 * then, and after a failure, the old zip is as it was.
 *
 * Every offset and size read from the file is checked against the file
 * size before use, and entry names that could escape a folder when
 * unzipped ("..", "/abs", "C:", "\") are refused at open, as are two
 * entries with the same key (after "./" and the store's folder are
 * dropped): which one a reader takes is not defined.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>

#include "store/store_impl.h"

/* Record signatures and fixed sizes (APPNOTE.TXT 4.3). */
#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define EOCD_LEN 22
#define EOCD64_LEN 56
#define LOC64_LEN 20
#define MAX_COMMENT 65535
#define U16_MAX 0xffffu
#define U32_MAX 0xffffffffu

#define METHOD_STORED 0
#define METHOD_DEFLATED 8
#define FLAG_ENCRYPTED 0x0001u
#define FLAG_UTF8 0x0800u

#define COPY_BLOCK (4u << 20)   /* bytes moved at a time by compaction */
/* Whole deflated values up to this size are decoded by libdeflate into a
 * buffer of the declared size (about twice zlib's speed); larger ones by
 * zlib into a buffer that grows with what inflates, so that a lying
 * header cannot make us allocate gigabytes. */
#define FAST_INFLATE_MAX (64u << 20)

typedef struct zip_entry {
    char *key;        /* the store key (in names, or malloc'd if owned) */
    uint64_t lho;     /* offset of the local header */
    uint64_t data;    /* offset of the data; 0 until the header is read */
    uint64_t csize;   /* compressed (stored) size */
    uint64_t usize;   /* uncompressed size */
    uint32_t crc;
    uint16_t method;
    uint16_t flags;
    uint16_t skip;    /* bytes of the name before the key ("./", root/) */
    uint16_t raw_len; /* length of the name in the headers */
    uint16_t cxl;     /* length of the central record's extra field */
    bool live;        /* false: replaced or erased */
    bool owned;       /* key was malloc'd (writing) */
} zip_entry;

typedef struct zip_store {
    char *final;      /* the zip file */
    char *path;       /* where we read and write: final or final.partial */
    int fd;
    zs_store *remote; /* a zip read by range from a remote store, or NULL */
    char *rkey;       /* ... its key there */
    uint8_t *tail;    /* remote: the end of the file, read at open */
    uint64_t tail_at; /* ... from this offset */
    size_t tail_len;
    pthread_rwlock_t lock;  /* the index, against a set during a get */
    zip_entry *e;     /* in file order */
    size_t n, cap;
    size_t *slot;     /* hash table: entry index + 1, 0 = empty */
    size_t nslot;     /* a power of two */
    size_t nused;     /* slots in use */
    uint64_t seed;    /* of the hash: names in a hostile zip cannot be
                         chosen to collide */
    char *names;      /* reading: the entry names, NUL-terminated */
    uint64_t limit;   /* reading: file size; writing: end of the data */
    uint64_t dead;    /* writing: bytes of replaced or erased entries */
    uint16_t dos_time, dos_date;
    int level;        /* 0: STORED; else the deflate level */
    pid_t pid;        /* the process that may write */
    bool writing;
    bool has_cd;      /* the central directory is on disk (committed) */
    bool discarded;
    bool broken;      /* a failed commit left the file unusable */
    zs_store *base;   /* updating: the zip being replaced */
} zip_store;

/* ------------------------------------------------------------------ */
/* Little-endian helpers and plain I/O                                 */
/* ------------------------------------------------------------------ */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Read exactly n bytes at off; a short read is a truncated file. */
static zs_status pread_full(zs_store *s, int fd, void *buf, size_t n,
                            uint64_t off)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return zsi_errno(s->ctx, errno, "%s", s->name);
        }
        if (r == 0)
            return zsi_err(s->ctx, ZS_ERR_FORMAT,
                           "%s: truncated zip file (no data at offset "
                           "%llu)", s->name, (unsigned long long)off);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return ZS_OK;
}

/* Bytes [off, off + len) of the remote zip, into out. */
static zs_status remote_range(zs_store *s, zip_store *z, uint64_t off,
                              uint64_t len, zsi_buf *out)
{
    int found = 0;
    zs_status st = z->remote->ops->get_range(z->remote, z->rkey, off, len,
                                             out, &found);
    if (st != ZS_OK)
        return st;
    if (!found)
        return zsi_err(s->ctx, ZS_ERR_NOTFOUND, "%s: the zip file is gone",
                       s->name);
    if (out->len != len)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: truncated zip file (no "
                       "data at offset %llu)", s->name,
                       (unsigned long long)(off + out->len));
    return ZS_OK;
}

/* Read exactly n bytes at off of the zip: a local file, or a remote one
 * (from the end read at open when it holds them). */
static zs_status zread(zs_store *s, zip_store *z, void *buf, size_t n,
                       uint64_t off)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st;
    if (!z->remote)
        return pread_full(s, z->fd, buf, n, off);
    if (z->tail && off >= z->tail_at && n <= z->tail_len &&
        off - z->tail_at <= z->tail_len - n) {
        memcpy(buf, z->tail + (off - z->tail_at), n);
        return ZS_OK;
    }
    st = remote_range(s, z, off, n, &b);
    if (st == ZS_OK && n)
        memcpy(buf, b.data, n);
    zsi_buf_free(&b);
    return st;
}

static zs_status pwrite_full(zs_store *s, int fd, const void *buf, size_t n,
                             uint64_t off)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return zsi_errno(s->ctx, errno, "%s", s->name);
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return ZS_OK;
}

/* An entry name fit for a message: printable, at most ~200 bytes. */
static void show_name(const char *p, size_t n, char *buf, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 4 < size && i < 200; i++)
        buf[j++] = (unsigned char)p[i] < ' ' || p[i] == 0x7f ? '?' : p[i];
    if (n > 200 && j + 4 < size) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = 0;
}

/* ------------------------------------------------------------------ */
/* The index: entries in file order, a hash table over their keys      */
/* ------------------------------------------------------------------ */

static size_t hash_key(const zip_store *z, const char *k)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ z->seed;   /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (uint8_t)*k) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 32));
}

/* The slot holding key, or the empty slot where it would go.  A slot
 * keeps pointing at the newest entry of its key, live or not. */
static size_t find_slot(const zip_store *z, const char *key)
{
    size_t mask = z->nslot - 1, i = hash_key(z, key) & mask;
    while (z->slot[i] && strcmp(z->e[z->slot[i] - 1].key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Index of the live entry for key, or SIZE_MAX. */
static size_t lookup(const zip_store *z, const char *key)
{
    size_t i;
    if (!z->nslot)
        return SIZE_MAX;
    i = find_slot(z, key);
    if (!z->slot[i] || !z->e[z->slot[i] - 1].live)
        return SIZE_MAX;
    return z->slot[i] - 1;
}

/* Point key's slot at entry idx; the entry it replaces becomes dead and
 * is returned (SIZE_MAX if none). */
static size_t slot_set(zip_store *z, size_t idx)
{
    size_t i = find_slot(z, z->e[idx].key), old = SIZE_MAX;
    if (z->slot[i]) {
        old = z->slot[i] - 1;
        z->e[old].live = false;
    } else {
        z->nused++;
    }
    z->slot[i] = idx + 1;
    return old;
}

/* An empty hash table with room for want keys. */
static bool rehash_room(zip_store *z, size_t want)
{
    size_t nslot = 16, *slot;
    while (nslot < want * 2)
        nslot *= 2;
    if (!(slot = calloc(nslot, sizeof *slot)))
        return false;
    free(z->slot);
    z->slot = slot;
    z->nslot = nslot;
    z->nused = 0;
    return true;
}

/* Rebuild the hash table with room for want keys (entries in order, so
 * that the newest entry of a key ends up in its slot). */
static bool rehash(zip_store *z, size_t want)
{
    if (!rehash_room(z, want))
        return false;
    for (size_t i = 0; i < z->n; i++)
        if (z->e[i].live)
            slot_set(z, i);
    return true;
}

static void entries_free(zip_store *z)
{
    for (size_t i = 0; i < z->n; i++)
        if (z->e[i].owned)
            free(z->e[i].key);
    free(z->e);
    free(z->slot);
    free(z->names);
    z->e = NULL;
    z->slot = NULL;
    z->names = NULL;
    z->n = z->cap = z->nslot = z->nused = 0;
}

/* ------------------------------------------------------------------ */
/* Entry names                                                         */
/* ------------------------------------------------------------------ */

/* Could the name leave the folder it is unzipped into? */
static bool name_escapes(const char *p, size_t n)
{
    if (n == 0 || memchr(p, 0, n) || memchr(p, '\\', n) || p[0] == '/')
        return true;
    if (n >= 2 && p[1] == ':' && isalpha((unsigned char)p[0]))
        return true;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
            return true;
        i = j + 1;
    }
    return false;
}

static bool is_root_meta(const char *key)
{
    static const char *const names[] = {".zgroup", ".zarray", ".zmetadata",
                                        ".zattrs", "zarr.json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    return false;
}

/* A zip made from the store's parent folder ("zip -r x.zip data.zarr")
 * holds every key below "data.zarr/": when no root metadata is at the
 * top but that folder holds some, the folder is the root. */
static void find_root(zip_store *z)
{
    const char *first, *slash;
    size_t plen;
    bool meta = false;
    if (z->n == 0)
        return;
    for (size_t i = 0; i < z->n; i++)
        if (is_root_meta(z->e[i].key))
            return;
    first = z->e[0].key;
    if (!(slash = strchr(first, '/')))
        return;
    plen = (size_t)(slash - first) + 1;
    for (size_t i = 0; i < z->n; i++) {
        if (strncmp(z->e[i].key, first, plen) != 0)
            return;
        meta = meta || is_root_meta(z->e[i].key + plen);
    }
    if (!meta)
        return;
    for (size_t i = 0; i < z->n; i++) {
        z->e[i].key += plen;
        z->e[i].skip = (uint16_t)(z->e[i].skip + plen);
    }
}

/* ------------------------------------------------------------------ */
/* Reading the central directory                                       */
/* ------------------------------------------------------------------ */

typedef struct cd_info {
    uint64_t count;    /* entries */
    uint64_t size;     /* bytes of the central directory */
    uint64_t offset;   /* where it starts, as recorded */
    uint64_t base;     /* bytes before the archive (self-extractors) */
} cd_info;

/* Find the end-of-central-directory record in the last 64 KiB + 22
 * bytes; *pos is its offset in the file. */
static zs_status find_eocd(zs_store *s, zip_store *z, uint8_t rec[EOCD_LEN],
                           uint64_t *pos)
{
    uint64_t size = z->limit;
    size_t tail = size < EOCD_LEN + MAX_COMMENT ? (size_t)size
                                                : EOCD_LEN + MAX_COMMENT;
    uint8_t *buf;
    zs_status st;
    if (tail < EOCD_LEN)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: not a zip file (%llu "
                       "bytes, too short)", s->name,
                       (unsigned long long)size);
    if (!(buf = malloc(tail)))
        return zsi_nomem(s->ctx);
    st = zread(s, z, buf, tail, size - tail);
    for (size_t i = tail - EOCD_LEN + 1; st == ZS_OK && i-- > 0;) {
        if (zsi_le32(buf + i) == SIG_EOCD &&
            i + EOCD_LEN + le16(buf + i + 20) <= tail) {
            memcpy(rec, buf + i, EOCD_LEN);
            *pos = size - tail + i;
            if (z->remote) {    /* kept: it often holds the directory */
                z->tail = buf;
                z->tail_at = size - tail;
                z->tail_len = tail;
            } else {
                free(buf);
            }
            return ZS_OK;
        }
    }
    free(buf);
    if (st != ZS_OK)
        return st;
    return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: not a zip file, or a "
                   "truncated one (no end of central directory record)",
                   s->name);
}

/* The ZIP64 end record, when a locator precedes the end record.
 * *cd_end is where the central directory must end. */
static zs_status read_zip64_end(zs_store *s, zip_store *z, uint64_t eocd,
                                cd_info *cd, uint64_t *cd_end)
{
    uint8_t loc[LOC64_LEN], rec[EOCD64_LEN];
    uint64_t at;
    zs_status st;
    *cd_end = eocd;
    if (eocd < LOC64_LEN + EOCD64_LEN)
        return ZS_OK;
    st = zread(s, z, loc, LOC64_LEN, eocd - LOC64_LEN);
    if (st != ZS_OK || zsi_le32(loc) != SIG_LOC64)
        return st;
    if (zsi_le32(loc + 16) > 1)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: multi-disk zip "
                       "archives are not supported", s->name);
    /* Usually right before the locator; else where the locator says. */
    at = eocd - LOC64_LEN - EOCD64_LEN;
    st = zread(s, z, rec, EOCD64_LEN, at);
    if (st == ZS_OK && zsi_le32(rec) != SIG_EOCD64) {
        at = zsi_le64(loc + 8);
        if (at > eocd - LOC64_LEN - EOCD64_LEN)
            return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file "
                           "(ZIP64 end record out of bounds)", s->name);
        st = zread(s, z, rec, EOCD64_LEN, at);
        if (st == ZS_OK && zsi_le32(rec) != SIG_EOCD64)
            return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file "
                           "(no ZIP64 end record)", s->name);
    }
    if (st != ZS_OK)
        return st;
    if (zsi_le32(rec + 16) != 0 || zsi_le32(rec + 20) != 0)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: multi-disk zip "
                       "archives are not supported", s->name);
    cd->count = zsi_le64(rec + 32);
    cd->size = zsi_le64(rec + 40);
    cd->offset = zsi_le64(rec + 48);
    *cd_end = at;
    return ZS_OK;
}

static zs_status read_end(zs_store *s, zip_store *z, cd_info *cd)
{
    uint8_t rec[EOCD_LEN] = {0};
    uint64_t eocd = 0, cd_end;
    zs_status st = find_eocd(s, z, rec, &eocd);
    if (st != ZS_OK)
        return st;
    if (le16(rec + 4) != 0 || le16(rec + 6) != 0)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: multi-disk zip "
                       "archives are not supported", s->name);
    cd->count = le16(rec + 10);
    cd->size = zsi_le32(rec + 12);
    cd->offset = zsi_le32(rec + 16);
    st = read_zip64_end(s, z, eocd, cd, &cd_end);
    if (st != ZS_OK)
        return st;
    if (cd->size > cd_end || cd->offset > cd_end - cd->size)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file "
                       "(central directory out of bounds)", s->name);
    /* bytes prepended to the archive shift every offset */
    cd->base = cd_end - cd->size - cd->offset;
    if (cd->count > cd->size / CENTRAL_LEN)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file (%llu "
                       "entries cannot fit in a %llu-byte directory)",
                       s->name, (unsigned long long)cd->count,
                       (unsigned long long)cd->size);
    return ZS_OK;
}

/* ZIP64 extended information: the 64-bit values of the saturated
 * fields, in the order usize, csize, offset. */
static zs_status parse_extra(zs_store *s, const uint8_t *x, size_t n,
                             zip_entry *e, const char *shown)
{
    while (n >= 4) {
        unsigned id = le16(x), len = le16(x + 2);
        const uint8_t *v = x + 4;
        if (len > n - 4)
            break;      /* lenient: a few writers pad the extra field */
        if (id == 1) {
            uint64_t *f[3] = {&e->usize, &e->csize, &e->lho};
            for (int i = 0; i < 3; i++) {
                if (*f[i] != U32_MAX)
                    continue;
                if (v + 8 > x + 4 + len)
                    return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry "
                                   "'%s': short ZIP64 extra field",
                                   s->name, shown);
                *f[i] = zsi_le64(v);
                v += 8;
            }
            return ZS_OK;
        }
        x += 4 + len;
        n -= 4 + (size_t)len;
    }
    return ZS_OK;
}

/* Checks of one central record's values against the file. */
static zs_status check_entry(zs_store *s, zip_store *z, const zip_entry *e,
                             const char *shown)
{
    uint64_t end;
    if (e->method == METHOD_STORED && e->csize != e->usize)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s': stored "
                       "with sizes %llu and %llu that differ", s->name,
                       shown, (unsigned long long)e->csize,
                       (unsigned long long)e->usize);
    if (!zsi_add_ok(e->lho, LOCAL_LEN + (uint64_t)e->raw_len, &end) ||
        !zsi_add_ok(end, e->csize, &end) || end > z->limit)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' lies "
                       "beyond the end of the file (truncated zip?)",
                       s->name, shown);
    return ZS_OK;
}

/* Parse one central record at p (n bytes left); *used is its length. */
static zs_status parse_central(zs_store *s, zip_store *z, const uint8_t *p,
                               size_t n, const cd_info *cd, char *arena,
                               size_t *used)
{
    zip_entry e = {0};
    size_t nl, xl, cl, skip = 0;
    char shown[256];
    zs_status st;
    if (n < CENTRAL_LEN || zsi_le32(p) != SIG_CENTRAL)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file (bad "
                       "central directory record)", s->name);
    nl = le16(p + 28);
    xl = le16(p + 30);
    cl = le16(p + 32);
    if (CENTRAL_LEN + nl + xl + cl > n)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file "
                       "(central directory record overruns)", s->name);
    *used = CENTRAL_LEN + nl + xl + cl;
    show_name((const char *)p + CENTRAL_LEN, nl, shown, sizeof shown);
    e.flags = le16(p + 8);
    e.method = le16(p + 10);
    e.crc = zsi_le32(p + 16);
    e.csize = zsi_le32(p + 20);
    e.usize = zsi_le32(p + 24);
    e.lho = zsi_le32(p + 42);
    e.raw_len = (uint16_t)nl;
    e.cxl = (uint16_t)xl;
    st = parse_extra(s, p + CENTRAL_LEN + nl, xl, &e, shown);
    if (st != ZS_OK)
        return st;
    if (!zsi_add_ok(e.lho, cd->base, &e.lho))
        e.lho = UINT64_MAX;
    memcpy(arena, p + CENTRAL_LEN, nl);
    arena[nl] = 0;
    while (nl - skip >= 2 && arena[skip] == '.' && arena[skip + 1] == '/')
        skip += 2;
    if (skip > 0 && skip == nl)   /* "./": the root folder */
        return ZS_OK;
    if (name_escapes(arena + skip, nl - skip))
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' has an "
                       "unsafe name", s->name, shown);
    if (arena[nl - 1] == '/') {  /* a folder, not a key */
        arena[nl - 1] = 0;
        if (nl - 1 > skip && !zsi_key_ok(arena + skip))
            return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' has "
                           "an unsafe name", s->name, shown);
        return ZS_OK;
    }
    if (!zsi_key_ok(arena + skip))
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' has an "
                       "unsafe name", s->name, shown);
    if (zsi_str_starts(arena + skip, "__MACOSX/"))  /* Finder's litter */
        return ZS_OK;
    st = check_entry(s, z, &e, shown);
    if (st != ZS_OK)
        return st;
    e.key = arena + skip;
    e.skip = (uint16_t)skip;
    e.live = true;
    z->e[z->n++] = e;
    return ZS_OK;
}

/* The hash table over the entries read; two entries with one key (after
 * "./" and the store's folder are dropped from their names) make the
 * archive ambiguous, whichever a reader would take: an error naming
 * them. */
static zs_status index_entries(zs_store *s, zip_store *z)
{
    if (!rehash_room(z, z->n))
        return zsi_nomem(s->ctx);
    for (size_t i = 0; i < z->n; i++) {
        size_t k = find_slot(z, z->e[i].key);
        if (z->slot[k]) {
            const zip_entry *a = &z->e[z->slot[k] - 1], *b = &z->e[i];
            char na[256], nb[256];
            show_name(a->key - a->skip, a->raw_len, na, sizeof na);
            show_name(b->key - b->skip, b->raw_len, nb, sizeof nb);
            if (strcmp(na, nb) == 0)
                return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' "
                               "appears twice (an ambiguous archive)",
                               s->name, na);
            return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entries '%s' "
                           "and '%s' are both key '%s' (an ambiguous "
                           "archive)", s->name, na, nb, b->key);
        }
        z->slot[k] = i + 1;
        z->nused++;
    }
    return ZS_OK;
}

static zs_status read_directory(zs_store *s, zip_store *z)
{
    cd_info cd = {0};
    uint8_t *buf = NULL;
    size_t pos = 0, count = 0;
    zs_status st = read_end(s, z, &cd);
    if (st != ZS_OK)
        return st;
    /* bounded by the file size (checked in read_end) */
    buf = malloc(cd.size ? (size_t)cd.size : 1);
    z->names = malloc((size_t)cd.size + 1);
    z->e = calloc(cd.size / CENTRAL_LEN + 1, sizeof *z->e);
    if (!buf || !z->names || !z->e) {
        free(buf);
        return zsi_nomem(s->ctx);
    }
    z->cap = cd.size / CENTRAL_LEN + 1;
    st = zread(s, z, buf, (size_t)cd.size, cd.base + cd.offset);
    /* names and their NULs fit: each record has >= 46 bytes besides */
    while (st == ZS_OK && pos + 4 <= cd.size &&
           zsi_le32(buf + pos) == SIG_CENTRAL) {
        size_t used = 0;
        st = parse_central(s, z, buf + pos, (size_t)cd.size - pos, &cd,
                           z->names + pos, &used);
        pos += used;
        count++;
    }
    free(buf);
    if (st != ZS_OK)
        return st;
    if (count != cd.count && (cd.count > U16_MAX || (count & U16_MAX) !=
                              cd.count))
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: corrupt zip file (the "
                       "central directory holds %zu entries, the end "
                       "record says %llu)", s->name, count,
                       (unsigned long long)cd.count);
    find_root(z);
    return index_entries(s, z);
}

/* ------------------------------------------------------------------ */
/* Reading values                                                      */
/* ------------------------------------------------------------------ */

/* Check the local header hdr (at least LOCAL_LEN + raw_len bytes) of
 * entry e against its central record; *data is where its data start
 * (the local extra field may differ from the central one). */
static zs_status local_header(zs_store *s, zip_store *z, zip_entry *e,
                              const uint8_t *hdr, uint64_t *data)
{
    uint64_t end;
    if (zsi_le32(hdr) != SIG_LOCAL || le16(hdr + 26) != e->raw_len ||
        memcmp(hdr + LOCAL_LEN, e->key - e->skip, e->raw_len) != 0 ||
        le16(hdr + 8) != e->method)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s': local "
                       "header does not match the central directory",
                       s->name, e->key);
    *data = e->lho + LOCAL_LEN + e->raw_len + le16(hdr + 28);
    if (!zsi_add_ok(*data, e->csize, &end) || end > z->limit)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: zip entry '%s' lies "
                       "beyond the end of the file (truncated zip?)",
                       s->name, e->key);
    __atomic_store_n(&e->data, *data, __ATOMIC_RELAXED);
    return ZS_OK;
}

/* Offset of an entry's data, from its local header. */
static zs_status data_offset(zs_store *s, zip_store *z, zip_entry *e,
                             uint64_t *out)
{
    uint8_t small[LOCAL_LEN + 512], *hdr = small;
    size_t hl = LOCAL_LEN + (size_t)e->raw_len;
    zs_status st;
    *out = __atomic_load_n(&e->data, __ATOMIC_RELAXED);
    if (*out)
        return ZS_OK;
    if (hl > sizeof small && !(hdr = malloc(hl)))
        return zsi_nomem(s->ctx);
    st = zread(s, z, hdr, hl, e->lho);
    if (st == ZS_OK)
        st = local_header(s, z, e, hdr, out);
    if (hdr != small)
        free(hdr);
    return st;
}

/* Remote zips: bytes [from, from + n) of an entry's stored data into
 * out, in one range request, the local header included the first time
 * (its extra field is assumed no longer than the central one plus
 * HDR_SLACK; when it is, a second request fetches the data).  A first
 * read that does not start at the data's start (a shard's index at its
 * end) asks for the header alone first, rather than for everything
 * before the bytes wanted. */
#define HDR_SLACK 64

static zs_status remote_entry_bytes(zs_store *s, zip_store *z, zip_entry *e,
                                    uint64_t from, uint64_t n, zsi_buf *out)
{
    uint64_t data = __atomic_load_n(&e->data, __ATOMIC_RELAXED), want, at;
    uint64_t hl = LOCAL_LEN + (uint64_t)e->raw_len;
    zs_status st;
    if (!data && from > 0 && (st = data_offset(s, z, e, &data)) != ZS_OK)
        return st;
    if (data)
        return remote_range(s, z, data + from, n, out);
    want = hl + e->cxl + HDR_SLACK + from + n;
    if (want > z->limit - e->lho)   /* (checked at open: lho + hl fits) */
        want = z->limit - e->lho;
    st = remote_range(s, z, e->lho, want, out);
    if (st == ZS_OK)
        st = local_header(s, z, e, out->data, &data);
    if (st != ZS_OK)
        return st;
    at = data - e->lho + from;
    if (at <= out->len && n <= out->len - at) {
        memmove(out->data, out->data + at, (size_t)n);
        out->len = (size_t)n;
        return ZS_OK;
    }
    return remote_range(s, z, data + from, n, out);
}

/* Give zs the next piece of the compressed data in[0, n). */
static void refill(z_stream *zs, const uint8_t *in, uint64_t n)
{
    uint64_t left = n - (uint64_t)(zs->next_in - in);
    if (zs->avail_in == 0)
        zs->avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
}

/* Inflate until out holds want bytes or the stream ends; the buffer
 * grows with what inflates, never past want: a lying header cannot make
 * us allocate what the data do not hold. */
static int inflate_into(z_stream *zs, const uint8_t *in, uint64_t n,
                        uint64_t want, zsi_buf *out)
{
    int rc = Z_OK;
    while (rc == Z_OK && out->len < want) {
        size_t room = out->cap - out->len, step;
        if (room == 0) {
            uint64_t grow = out->cap < (1u << 16) ? (1u << 16) : out->cap;
            if (grow > want - out->len)
                grow = want - out->len;
            if (!zsi_buf_reserve(out, out->len + (size_t)grow))
                return Z_MEM_ERROR;
            room = out->cap - out->len;
        }
        step = room < want - out->len ? room : (size_t)(want - out->len);
        if (step > UINT32_MAX)
            step = UINT32_MAX;
        refill(zs, in, n);
        zs->next_out = out->data + out->len;
        zs->avail_out = (uInt)step;
        rc = inflate(zs, Z_NO_FLUSH);
        out->len += step - zs->avail_out;
        if (rc == Z_BUF_ERROR && (uint64_t)(zs->next_in - in) < n)
            rc = Z_OK;    /* more input to come (entries over 4 GiB) */
    }
    return rc;
}

enum { INF_OK, INF_SHORT, INF_LONG, INF_CORRUPT, INF_NOMEM };

/* At the declared size: does the stream end there? */
static int inflate_end_check(z_stream *zs, const uint8_t *in, uint64_t n)
{
    uint8_t probe;
    int rc = Z_OK;
    while (rc == Z_OK) {
        refill(zs, in, n);
        zs->next_out = &probe;
        zs->avail_out = 1;
        rc = inflate(zs, Z_NO_FLUSH);
        if (zs->avail_out == 0)
            return INF_LONG;
    }
    return rc == Z_STREAM_END ? INF_OK : INF_CORRUPT;
}

/* A whole deflated value of at most FAST_INFLATE_MAX bytes, from its
 * compressed bytes in. */
static zs_status inflate_whole(zs_store *s, const zip_entry *e,
                               const uint8_t *in, zsi_buf *out)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    enum libdeflate_result r = LIBDEFLATE_BAD_DATA;
    size_t got = 0;
    if (!d || !zsi_buf_resize(out, (size_t)e->usize)) {
        libdeflate_free_decompressor(d);
        return zsi_nomem(s->ctx);
    }
    r = libdeflate_deflate_decompress_ex(d, in, (size_t)e->csize, out->data,
                                         (size_t)e->usize, NULL, &got);
    libdeflate_free_decompressor(d);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE ||
        (r == LIBDEFLATE_SUCCESS && got != e->usize))
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s' holds "
                       "%s than the declared %llu bytes", s->name, e->key,
                       r == LIBDEFLATE_SUCCESS ? "fewer" : "more",
                       (unsigned long long)e->usize);
    if (r != LIBDEFLATE_SUCCESS)
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s': corrupt "
                       "or truncated deflate data", s->name, e->key);
    return ZS_OK;
}

/* Inflate an entry's first want bytes (want <= usize) into out, from its
 * compressed bytes in. */
static zs_status inflate_entry(zs_store *s, const zip_entry *e,
                               const uint8_t *in, uint64_t want,
                               zsi_buf *out)
{
    z_stream zs;
    int rc, res;
    memset(&zs, 0, sizeof zs);
    out->len = 0;
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return zsi_nomem(s->ctx);
    zs.next_in = (Bytef *)in;
    rc = inflate_into(&zs, in, e->csize, want, out);
    if (rc == Z_MEM_ERROR)
        res = INF_NOMEM;
    else if (rc == Z_STREAM_END)
        res = out->len == e->usize ? INF_OK : INF_SHORT;
    else if (rc != Z_OK)
        res = INF_CORRUPT;
    else if (want == e->usize)
        res = inflate_end_check(&zs, in, e->csize);
    else
        res = INF_OK;
    inflateEnd(&zs);
    if (res == INF_NOMEM)
        return zsi_nomem(s->ctx);
    if (res == INF_SHORT || res == INF_LONG)
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s' holds "
                       "%s than the declared %llu bytes", s->name, e->key,
                       res == INF_SHORT ? "fewer" : "more",
                       (unsigned long long)e->usize);
    if (res == INF_CORRUPT)
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s': corrupt "
                       "or truncated deflate data", s->name, e->key);
    return ZS_OK;
}

/* Bytes [start, start + n) of a deflated entry whose compressed bytes
 * are in (whole: all of it). */
static zs_status inflate_part(zs_store *s, const zip_entry *e,
                              const uint8_t *in, uint64_t start, uint64_t n,
                              zsi_buf *out)
{
    zs_status st;
    if (start == 0 && n == e->usize && e->usize <= FAST_INFLATE_MAX)
        return inflate_whole(s, e, in, out);
    st = inflate_entry(s, e, in, start + n, out);
    if (st == ZS_OK && start > 0) {
        memmove(out->data, out->data + start, (size_t)n);
        out->len = (size_t)n;
    }
    return st;
}

static zs_status check_crc(zs_store *s, const zip_entry *e,
                           const zsi_buf *out)
{
    /* libdeflate's CRC-32 (carry-less multiplication) is several times
     * zlib's: it keeps the check from slowing reads down */
    uint32_t crc = libdeflate_crc32(0, out->data, out->len);
    if (crc != e->crc)
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s': CRC-32 "
                       "mismatch (%08lx, header says %08lx)", s->name,
                       e->key, (unsigned long)crc, (unsigned long)e->crc);
    return ZS_OK;
}

/* A whole STORED value: read it in pieces, each summed while it is still
 * in the cache, rather than read all and then sum it from memory in a
 * second pass. */
#define CRC_PIECE ((size_t)256 << 10)

static zs_status read_stored_whole(zs_store *s, zip_store *z,
                                   const zip_entry *e, uint64_t data,
                                   zsi_buf *out)
{
    uint32_t crc = 0;
    zs_status st = ZS_OK;
    for (size_t done = 0; st == ZS_OK && done < out->len;) {
        size_t k = out->len - done < CRC_PIECE ? out->len - done : CRC_PIECE;
        st = pread_full(s, z->fd, out->data + done, k, data + done);
        if (st == ZS_OK)
            crc = (uint32_t)libdeflate_crc32(crc, out->data + done, k);
        done += k;
    }
    if (st == ZS_OK && crc != e->crc)
        return zsi_err(s->ctx, ZS_ERR_CORRUPT, "%s: zip entry '%s': CRC-32 "
                       "mismatch (%08lx, header says %08lx)", s->name,
                       e->key, (unsigned long)crc, (unsigned long)e->crc);
    return st;
}

/* Remote zips: bytes [start, start + n) of entry e into out. */
static zs_status read_entry_remote(zs_store *s, zip_store *z, zip_entry *e,
                                   uint64_t start, uint64_t n, zsi_buf *out)
{
    zsi_buf in = ZSI_BUF_INIT;
    zs_status st;
    if (e->method == METHOD_STORED)
        return remote_entry_bytes(s, z, e, start, n, out);
    st = remote_entry_bytes(s, z, e, 0, e->csize, &in);
    if (st == ZS_OK)
        st = inflate_part(s, e, in.data, start, n, out);
    zsi_buf_free(&in);
    return st;
}

/* Bytes [off, off + len) of entry e (whole: also check the CRC). */
static zs_status read_entry(zs_store *s, zip_store *z, zip_entry *e,
                            uint64_t off, uint64_t len, zsi_buf *out)
{
    uint64_t data, start = off < e->usize ? off : e->usize;
    uint64_t n = e->usize - start < len ? e->usize - start : len;
    bool whole = start == 0 && n == e->usize;
    uint8_t *in;
    zs_status st;
    if (e->flags & FLAG_ENCRYPTED)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: zip entry '%s' is "
                       "encrypted", s->name, e->key);
    if (e->method != METHOD_STORED && e->method != METHOD_DEFLATED)
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: zip entry '%s': "
                       "compression method %u is not supported (only "
                       "stored and deflated)", s->name, e->key, e->method);
    if (n > SIZE_MAX - 1)
        return zsi_nomem(s->ctx);
    if (z->remote) {
        st = read_entry_remote(s, z, e, start, n, out);
        return st == ZS_OK && whole ? check_crc(s, e, out) : st;
    }
    st = data_offset(s, z, e, &data);
    if (st != ZS_OK)
        return st;
    if (e->method == METHOD_STORED) {
        if (!zsi_buf_resize(out, (size_t)n))
            return zsi_nomem(s->ctx);
        if (whole)      /* summed as it is read */
            return read_stored_whole(s, z, e, data, out);
        return pread_full(s, z->fd, out->data, (size_t)n, data + start);
    }
    if (!(in = malloc(e->csize ? (size_t)e->csize : 1)))
        return zsi_nomem(s->ctx);
    st = pread_full(s, z->fd, in, (size_t)e->csize, data);
    if (st == ZS_OK)
        st = inflate_part(s, e, in, start, n, out);
    free(in);
    if (st == ZS_OK && whole)
        st = check_crc(s, e, out);
    return st;
}

/* Updating: the old zip, when the new one has no entry for key (live,
 * or erased); else NULL. */
static zs_store *base_for(zip_store *z, const char *key)
{
    bool own;
    if (!z->base)
        return NULL;
    pthread_rwlock_rdlock(&z->lock);
    own = z->nslot && z->slot[find_slot(z, key)];
    pthread_rwlock_unlock(&z->lock);
    return own ? NULL : z->base;
}

static zs_status zip_get_range(zs_store *s, const char *key, uint64_t off,
                               uint64_t len, zsi_buf *out, int *found)
{
    zip_store *z = s->impl;
    zs_store *b = base_for(z, key);
    zs_status st = ZS_OK;
    size_t i;
    if (b)
        return b->ops->get_range(b, key, off, len, out, found);
    *found = 0;
    pthread_rwlock_rdlock(&z->lock);
    i = z->broken ? SIZE_MAX : lookup(z, key);
    if (z->broken)
        st = zsi_err(s->ctx, ZS_ERR_IO, "%s: the zip file was left "
                     "unusable by a failed commit", s->name);
    if (i != SIZE_MAX) {
        st = read_entry(s, z, &z->e[i], off, len, out);
        *found = st == ZS_OK;
    }
    pthread_rwlock_unlock(&z->lock);
    if (*found && !z->remote)   /* (a remote store counts its requests) */
        zsi_store_count(s, 1, out->len, 0);
    return st;
}

static zs_status zip_get(zs_store *s, const char *key, zsi_buf *out,
                         int *found)
{
    return zip_get_range(s, key, 0, UINT64_MAX, out, found);
}

static zs_status zip_size(zs_store *s, const char *key, uint64_t *size,
                          int *found)
{
    zip_store *z = s->impl;
    zs_store *b = base_for(z, key);
    size_t i;
    if (b)
        return b->ops->size(b, key, size, found);
    pthread_rwlock_rdlock(&z->lock);
    i = lookup(z, key);
    if (i != SIZE_MAX) {
        *size = z->e[i].usize;
        *found = 1;
    }
    pthread_rwlock_unlock(&z->lock);
    return ZS_OK;
}

static zs_status zip_list(zs_store *s, const char *prefix, zs_key_fn fn,
                          void *user)
{
    zip_store *z = s->impl;
    zsi_strv keys = {0};
    bool nomem = false;
    /* copy the keys so that fn may call back into the store */
    pthread_rwlock_rdlock(&z->lock);
    for (size_t i = 0; i < z->n && !nomem; i++)
        if (z->e[i].live && zsi_str_starts(z->e[i].key, prefix))
            nomem = !zsi_strv_push(&keys, z->e[i].key);
    pthread_rwlock_unlock(&z->lock);
    if (!nomem && z->base) {    /* and the old zip's not replaced */
        zsi_strv old = {0};
        zs_status st = zsi_store_list_all(z->base, prefix, &old);
        for (size_t i = 0; st == ZS_OK && !nomem && i < old.n; i++)
            if (base_for(z, old.v[i]))
                nomem = !zsi_strv_push(&keys, old.v[i]);
        zsi_strv_free(&old);
        if (st != ZS_OK) {
            zsi_strv_free(&keys);
            return st;
        }
    }
    for (size_t i = 0; !nomem && i < keys.n; i++)
        if (fn(user, keys.v[i]))
            break;
    zsi_strv_free(&keys);
    return nomem ? zsi_nomem(s->ctx) : ZS_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static bool needs_zip64(const zip_entry *e)
{
    return e->usize >= U32_MAX || e->csize >= U32_MAX;
}

/* Bytes of an entry's local header as we write it. */
static uint64_t local_len(const zip_entry *e)
{
    return LOCAL_LEN + (uint64_t)e->raw_len + (needs_zip64(e) ? 20 : 0);
}

/* The local header of e into hdr (local_len(e) bytes). */
static void put_local(const zip_store *z, const zip_entry *e, uint8_t *hdr)
{
    bool big = needs_zip64(e);
    zsi_put_le32(hdr, SIG_LOCAL);
    put16(hdr + 4, big ? 45 : 20);
    put16(hdr + 6, FLAG_UTF8);
    put16(hdr + 8, e->method);
    put16(hdr + 10, z->dos_time);
    put16(hdr + 12, z->dos_date);
    zsi_put_le32(hdr + 14, e->crc);
    zsi_put_le32(hdr + 18, big ? U32_MAX : (uint32_t)e->csize);
    zsi_put_le32(hdr + 22, big ? U32_MAX : (uint32_t)e->usize);
    put16(hdr + 26, e->raw_len);
    put16(hdr + 28, big ? 20 : 0);
    memcpy(hdr + LOCAL_LEN, e->key, e->raw_len);
    if (big) {
        uint8_t *x = hdr + LOCAL_LEN + e->raw_len;
        put16(x, 1);
        put16(x + 2, 16);
        zsi_put_le64(x + 4, e->usize);
        zsi_put_le64(x + 12, e->csize);
    }
}

/* Raw deflate of data into *out; false (store instead) when it does not
 * shrink or fails. */
static bool deflate_value(int level, const void *data, size_t len,
                          uint8_t **out, size_t *outlen)
{
    z_stream zs;
    uint8_t *buf;
    uLong bound;
    int rc;
    memset(&zs, 0, sizeof zs);
    if (len < 64 || len > UINT32_MAX / 2 ||
        deflateInit2(&zs, level, Z_DEFLATED, -MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    bound = deflateBound(&zs, (uLong)len);
    if (!(buf = malloc(bound))) {
        deflateEnd(&zs);
        return false;
    }
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || zs.total_out >= len) {
        free(buf);
        return false;
    }
    *out = buf;
    *outlen = zs.total_out;
    return true;
}

static zs_status check_writer(zs_store *s, zip_store *z)
{
    if (z->pid != getpid())
        return zsi_err(s->ctx, ZS_ERR_UNSUPPORTED, "%s: a zip file is "
                       "written by the process that opened it only",
                       s->name);
    if (z->discarded || z->broken)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: the zip file was %s",
                       s->name, z->broken ? "left unusable by a failed "
                       "commit" : "discarded");
    if (z->has_cd) {
        /* written after a commit: the directory goes, and comes back
         * with the next commit */
        if (ftruncate(z->fd, (off_t)z->limit) != 0)
            return zsi_errno(s->ctx, errno, "%s", s->name);
        z->has_cd = false;
    }
    return ZS_OK;
}

/* Copy n bytes at offset from of file src to offset to of z's file, a
 * block at a time. */
static zs_status copy_bytes(zs_store *s, zip_store *z, int src,
                            uint64_t from, uint64_t n, uint64_t to)
{
    uint8_t *buf = malloc(n < COPY_BLOCK ? (size_t)n + 1 : COPY_BLOCK);
    zs_status st = buf ? ZS_OK : zsi_nomem(s->ctx);
    for (uint64_t done = 0; st == ZS_OK && done < n;) {
        size_t k = n - done < COPY_BLOCK ? (size_t)(n - done) : COPY_BLOCK;
        st = pread_full(s, src, buf, k, from + done);
        if (st == ZS_OK)
            st = pwrite_full(s, z->fd, buf, k, to + done);
        done += k;
    }
    free(buf);
    return st;
}

/* Append entry e (key already set) and its data (from memory, or when
 * data is NULL copied from file src at offset from); index it. */
static zs_status append_entry_from(zs_store *s, zip_store *z, zip_entry *e,
                                   const void *data, int src, uint64_t from)
{
    uint8_t small[LOCAL_LEN + 512 + 20], *hdr = small;
    uint64_t hl = local_len(e), end;
    zs_status st;
    size_t old;
    if (!zsi_add_ok(z->limit, hl, &end) || !zsi_add_ok(end, e->csize, &end))
        return zsi_err(s->ctx, ZS_ERR_OVERFLOW, "%s: zip file too large",
                       s->name);
    if (hl > sizeof small && !(hdr = malloc((size_t)hl)))
        return zsi_nomem(s->ctx);
    put_local(z, e, hdr);
    st = pwrite_full(s, z->fd, hdr, (size_t)hl, z->limit);
    if (hdr != small)
        free(hdr);
    if (st == ZS_OK)
        st = data ? pwrite_full(s, z->fd, data, (size_t)e->csize,
                                z->limit + hl)
                  : copy_bytes(s, z, src, from, e->csize, z->limit + hl);
    if (st != ZS_OK)
        return st;
    e->lho = z->limit;
    e->data = z->limit + hl;
    pthread_rwlock_wrlock(&z->lock);
    if (z->n == z->cap) {
        size_t cap = z->cap ? z->cap * 2 : 64;
        zip_entry *ne = realloc(z->e, cap * sizeof *ne);
        if (!ne) {
            pthread_rwlock_unlock(&z->lock);
            return zsi_nomem(s->ctx);
        }
        z->e = ne;
        z->cap = cap;
    }
    if ((z->nused + 1) * 2 > z->nslot && !rehash(z, z->nused + 1)) {
        pthread_rwlock_unlock(&z->lock);
        return zsi_nomem(s->ctx);
    }
    z->e[z->n] = *e;
    old = slot_set(z, z->n++);
    if (old != SIZE_MAX)
        z->dead += local_len(&z->e[old]) + z->e[old].csize;
    z->limit = end;
    pthread_rwlock_unlock(&z->lock);
    return ZS_OK;
}

static zs_status append_entry(zs_store *s, zip_store *z, zip_entry *e,
                              const void *data)
{
    return append_entry_from(s, z, e, data, -1, 0);
}

static zs_status zip_set(zs_store *s, const char *key, const void *data,
                         size_t len)
{
    zip_store *z = s->impl;
    zip_entry e = {0};
    uint8_t *packed = NULL;
    size_t plen = 0, klen = strlen(key);
    zs_status st = check_writer(s, z);
    if (st != ZS_OK)
        return st;
    if (klen > U16_MAX)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: key of %zu bytes is too "
                       "long for a zip entry name (at most 65535)", s->name,
                       klen);
    e.crc = libdeflate_crc32(0, data, len);
    e.usize = e.csize = len;
    e.method = METHOD_STORED;
    e.flags = FLAG_UTF8;
    e.raw_len = (uint16_t)klen;
    e.live = e.owned = true;
    if (z->level > 0 && deflate_value(z->level, data, len, &packed, &plen)) {
        e.method = METHOD_DEFLATED;
        e.csize = plen;
        data = packed;
    }
    if (!(e.key = zsi_strdup(key))) {
        free(packed);
        return zsi_nomem(s->ctx);
    }
    st = append_entry(s, z, &e, data);
    free(packed);
    if (st != ZS_OK)
        free(e.key);
    else
        zsi_store_count(s, 1, 0, len);
    return st;
}

/* Updating: erase key from the old zip's index (the file is not
 * touched; the commit does not copy the entry). */
static zs_status erase_base(zs_store *s, zip_store *z, const char *key)
{
    zip_store *b = z->base->impl;
    zs_status st = check_writer(s, z);
    size_t i;
    if (st != ZS_OK)
        return st;
    pthread_rwlock_wrlock(&b->lock);
    i = lookup(b, key);
    if (i != SIZE_MAX)
        b->e[i].live = false;
    pthread_rwlock_unlock(&b->lock);
    return ZS_OK;
}

static zs_status zip_erase(zs_store *s, const char *key)
{
    zip_store *z = s->impl;
    zs_status st;
    size_t i;
    if (base_for(z, key))
        return erase_base(s, z, key);
    pthread_rwlock_rdlock(&z->lock);
    i = lookup(z, key);
    pthread_rwlock_unlock(&z->lock);
    if (i == SIZE_MAX)
        return ZS_OK;
    if ((st = check_writer(s, z)) != ZS_OK)
        return st;
    pthread_rwlock_wrlock(&z->lock);
    z->e[i].live = false;   /* its slot keeps pointing at it: absent */
    z->dead += local_len(&z->e[i]) + z->e[i].csize;
    pthread_rwlock_unlock(&z->lock);
    return ZS_OK;
}

/* ------------------------------------------------------------------ */
/* Commit: compaction, central directory, rename                       */
/* ------------------------------------------------------------------ */

/* Copy span bytes from src down to dst < src, front to back, so that
 * an overlap never overwrites bytes still to be copied. */
static zs_status move_down(zs_store *s, zip_store *z, uint8_t *buf,
                           uint64_t dst, uint64_t src, uint64_t span)
{
    zs_status st = ZS_OK;
    for (uint64_t done = 0; st == ZS_OK && done < span;) {
        size_t k = span - done < COPY_BLOCK ? (size_t)(span - done)
                                            : COPY_BLOCK;
        st = pread_full(s, z->fd, buf, k, src + done);
        if (st == ZS_OK)
            st = pwrite_full(s, z->fd, buf, k, dst + done);
        done += k;
    }
    return st;
}

/* Move the live entries down over the dead ones (in file order), then
 * drop the dead entries from the index.  A failure half-way leaves the
 * file unusable: the store is marked broken. */
static zs_status compact(zs_store *s, zip_store *z)
{
    uint8_t *buf = malloc(COPY_BLOCK);
    uint64_t at = 0;
    size_t n = 0;
    zs_status st = ZS_OK;
    if (!buf)
        return zsi_nomem(s->ctx);
    for (size_t i = 0; st == ZS_OK && i < z->n; i++) {
        zip_entry *e = &z->e[i];
        uint64_t span = local_len(e) + e->csize;
        if (!e->live)
            continue;
        if (at != e->lho)
            st = move_down(s, z, buf, at, e->lho, span);
        if (st == ZS_OK) {
            e->data = at + (e->data - e->lho);
            e->lho = at;
            at += span;
        }
    }
    free(buf);
    if (st != ZS_OK) {
        z->broken = true;
        return st;
    }
    for (size_t i = 0; i < z->n; i++) {
        if (z->e[i].live)
            z->e[n++] = z->e[i];
        else if (z->e[i].owned)
            free(z->e[i].key);
    }
    z->n = n;
    z->limit = at;
    z->dead = 0;
    if (!rehash(z, n)) {
        z->broken = true;
        return zsi_nomem(s->ctx);
    }
    return ZS_OK;
}

/* One central directory record. */
static bool put_central(const zip_store *z, const zip_entry *e, zsi_buf *b)
{
    uint8_t rec[CENTRAL_LEN + 28];
    uint8_t *x = rec + CENTRAL_LEN;
    bool big = needs_zip64(e), far = e->lho >= U32_MAX;
    size_t xl = (big ? 16 : 0) + (far ? 8 : 0);
    zsi_put_le32(rec, SIG_CENTRAL);
    put16(rec + 4, 3u << 8 | (big || far ? 45 : 20));  /* made on Unix */
    put16(rec + 6, big || far ? 45 : 20);
    put16(rec + 8, FLAG_UTF8);
    put16(rec + 10, e->method);
    put16(rec + 12, z->dos_time);
    put16(rec + 14, z->dos_date);
    zsi_put_le32(rec + 16, e->crc);
    zsi_put_le32(rec + 20, big ? U32_MAX : (uint32_t)e->csize);
    zsi_put_le32(rec + 24, big ? U32_MAX : (uint32_t)e->usize);
    put16(rec + 28, e->raw_len);
    put16(rec + 30, xl ? 4 + xl : 0);
    put16(rec + 32, 0);
    put16(rec + 34, 0);
    put16(rec + 36, 0);
    zsi_put_le32(rec + 38, 0100644u << 16);   /* -rw-r--r-- */
    zsi_put_le32(rec + 42, far ? U32_MAX : (uint32_t)e->lho);
    if (xl) {
        put16(x, 1);
        put16(x + 2, (unsigned)xl);
        x += 4;
        if (big) {
            zsi_put_le64(x, e->usize);
            zsi_put_le64(x + 8, e->csize);
            x += 16;
        }
        if (far)
            zsi_put_le64(x, e->lho);
    }
    return zsi_buf_append(b, rec, CENTRAL_LEN) &&
           zsi_buf_append(b, e->key, e->raw_len) &&
           zsi_buf_append(b, rec + CENTRAL_LEN, xl ? 4 + xl : 0);
}

/* The end records (ZIP64 ones when needed) into b. */
static bool put_end(uint64_t count, uint64_t cd_at, uint64_t cd_size,
                    zsi_buf *b)
{
    uint8_t rec[EOCD64_LEN + LOC64_LEN + EOCD_LEN] = {0};
    uint8_t *p = rec;
    if (count > U16_MAX || cd_at >= U32_MAX || cd_size >= U32_MAX) {
        zsi_put_le32(p, SIG_EOCD64);
        zsi_put_le64(p + 4, EOCD64_LEN - 12);
        put16(p + 12, 3u << 8 | 45);
        put16(p + 14, 45);
        zsi_put_le64(p + 24, count);
        zsi_put_le64(p + 32, count);
        zsi_put_le64(p + 40, cd_size);
        zsi_put_le64(p + 48, cd_at);
        p += EOCD64_LEN;
        zsi_put_le32(p, SIG_LOC64);
        zsi_put_le64(p + 8, cd_at + cd_size);
        zsi_put_le32(p + 16, 1);
        p += LOC64_LEN;
    }
    zsi_put_le32(p, SIG_EOCD);
    put16(p + 8, count > U16_MAX ? U16_MAX : (unsigned)count);
    put16(p + 10, count > U16_MAX ? U16_MAX : (unsigned)count);
    zsi_put_le32(p + 12, cd_size >= U32_MAX ? U32_MAX : (uint32_t)cd_size);
    zsi_put_le32(p + 16, cd_at >= U32_MAX ? U32_MAX : (uint32_t)cd_at);
    return zsi_buf_append(b, rec, (size_t)(p - rec) + EOCD_LEN);
}

/* Write the central directory of the live entries after the data. */
static zs_status write_directory(zs_store *s, zip_store *z)
{
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t at = z->limit, count = 0;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < z->n; i++) {
        if (!z->e[i].live)
            continue;
        count++;
        if (!put_central(z, &z->e[i], &b))
            st = zsi_nomem(s->ctx);
        else if (b.len >= (1u << 20)) {   /* flush by the megabyte */
            st = pwrite_full(s, z->fd, b.data, b.len, at);
            at += b.len;
            b.len = 0;
        }
    }
    if (st == ZS_OK && !put_end(count, z->limit, at + b.len - z->limit, &b))
        st = zsi_nomem(s->ctx);
    if (st == ZS_OK)
        st = pwrite_full(s, z->fd, b.data, b.len, at);
    if (st == ZS_OK && ftruncate(z->fd, (off_t)(at + b.len)) != 0)
        st = zsi_errno(s->ctx, errno, "%s", s->name);
    zsi_buf_free(&b);
    return st;
}

/* Make the rename durable (best effort: not every file system can). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? zsi_strndup(path, (size_t)(slash - path + 1))
                      : zsi_strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Updating: copy entry e of the old zip b, as it is stored. */
static zs_status copy_entry(zs_store *s, zip_store *z, zip_store *b,
                            zip_entry *e)
{
    zip_entry n = *e;
    uint64_t off;
    zs_status st = data_offset(z->base, b, e, &off);
    if (st != ZS_OK)
        return st;
    n.key = zsi_strdup(e->key);
    n.flags = (uint16_t)((e->flags & ~0x0008u) | FLAG_UTF8); /* sizes in
                                                            the header */
    n.skip = 0;
    n.raw_len = (uint16_t)(n.key ? strlen(n.key) : 0);
    n.cxl = 0;
    n.data = 0;
    n.live = n.owned = true;
    if (st == ZS_OK && !n.key)
        st = zsi_nomem(s->ctx);
    if (st == ZS_OK)     /* block by block: a shard may be large */
        st = append_entry_from(s, z, &n, NULL, b->fd, off);
    if (st != ZS_OK)
        free(n.key);
    return st;
}

/* Updating: every live entry of the old zip that the new one has not
 * replaced or erased, in the old zip's order. */
static zs_status copy_base(zs_store *s, zip_store *z)
{
    zip_store *b = z->base->impl;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < b->n; i++)
        if (b->e[i].live && base_for(z, b->e[i].key))
            st = copy_entry(s, z, b, &b->e[i]);
    return st;
}

static zs_status zip_commit(zs_store *s)
{
    zip_store *z = s->impl;
    struct stat stt;
    zs_status st;
    if (!z->writing || z->has_cd)
        return ZS_OK;
    if ((st = check_writer(s, z)) != ZS_OK)
        return st;
    if (z->base && (st = copy_base(s, z)) != ZS_OK)
        return st;
    if (strcmp(z->path, z->final) != 0 && lstat(z->final, &stt) == 0 &&
        !(s->flags & ZS_STORE_OVERWRITE))
        return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: exists", s->name);
    pthread_rwlock_wrlock(&z->lock);
    st = z->dead ? compact(s, z) : ZS_OK;
    if (st == ZS_OK)
        st = write_directory(s, z);
    if (st == ZS_OK && fsync(z->fd) != 0)
        st = zsi_errno(s->ctx, errno, "%s", s->name);
    if (st == ZS_OK && strcmp(z->path, z->final) != 0) {
        if (rename(z->path, z->final) != 0) {
            st = zsi_errno(s->ctx, errno, "%s", s->name);
        } else {
            free(z->path);
            z->path = zsi_strdup(z->final);
            if (!z->path)
                st = zsi_nomem(s->ctx);
        }
    }
    if (st == ZS_OK) {
        z->has_cd = true;
        sync_parent(z->final);
    }
    pthread_rwlock_unlock(&z->lock);
    if (st == ZS_OK && z->base) {   /* replaced: the new one has it all */
        zs_store_close(z->base);
        z->base = NULL;
    }
    return st;
}

static zs_status zip_discard(zs_store *s)
{
    zip_store *z = s->impl;
    if (!z->writing)
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: refusing to discard a "
                       "store opened for reading", s->name);
    if (z->discarded)
        return ZS_OK;
    pthread_rwlock_wrlock(&z->lock);
    for (size_t i = 0; i < z->n; i++)
        z->e[i].live = false;
    z->discarded = true;
    pthread_rwlock_unlock(&z->lock);
    if (z->path && unlink(z->path) != 0 && errno != ENOENT)
        return zsi_errno(s->ctx, errno, "%s", z->path);
    return ZS_OK;
}

static void zip_free(zip_store *z)
{
    zs_store_close(z->base);
    if (z->fd >= 0)
        close(z->fd);
    zs_store_close(z->remote);
    free(z->rkey);
    free(z->tail);
    entries_free(z);
    pthread_rwlock_destroy(&z->lock);
    free(z->final);
    free(z->path);
    free(z);
}

static void zip_close(zs_store *s)
{
    zip_store *z = s->impl;
    if (!z)
        return;
    /* Without a commit NAME.partial stays (as for folders; the next open
     * replaces it); a zip written in place has no directory yet: it is
     * no zip, and goes. */
    if (z->writing && !z->has_cd && !z->discarded && z->pid == getpid() &&
        (strcmp(z->path, z->final) == 0 || z->base))
        unlink(z->path);    /* (an update's is never continued) */
    zip_free(z);
}

static const zsi_store_ops zip_ops = {
    .kind = "zip",
    .get = zip_get,
    .get_range = zip_get_range,
    .size = zip_size,
    .set = zip_set,
    .erase = zip_erase,
    .list = zip_list,
    .commit = zip_commit,
    .discard = zip_discard,
    .close = zip_close,
};

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

/* zip.compression: "stored" (default), "deflate" or "deflate:LEVEL". */
static zs_status compression_level(zs_ctx *ctx, const char *name, int *level)
{
    char buf[64];
    const char *v = zsi_ctx_opt(ctx, "zip.compression", buf, sizeof buf);
    int64_t l;
    *level = 0;
    if (!v || strcmp(v, "stored") == 0)
        return ZS_OK;
    if (strcmp(v, "deflate") == 0) {
        *level = 6;
        return ZS_OK;
    }
    if (zsi_str_starts(v, "deflate:") && zsi_parse_i64(v + 8, &l) &&
        l >= 1 && l <= 9) {
        *level = (int)l;
        return ZS_OK;
    }
    return zsi_err(ctx, ZS_ERR_INVALID, "%s: option zip.compression: "
                   "invalid value '%s' (want stored, deflate or "
                   "deflate:1..9)", name, v);
}

/* The entries' time: now (local time, as zip tools write it), or the
 * option zip.mtime (seconds since 1970, in UTC), so that a zip written
 * twice can be the same bytes. */
static void dos_now(zs_ctx *ctx, zip_store *z)
{
    int64_t fixed = zsi_ctx_opt_int(ctx, "zip.mtime", -1);
    time_t t = fixed >= 0 ? (time_t)fixed : time(NULL);
    struct tm tm;
    if (!(fixed >= 0 ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
        tm.tm_year < 80) {
        z->dos_date = 1 << 5 | 1;   /* 1980-01-01 00:00 */
        z->dos_time = 0;
        return;
    }
    if (tm.tm_year > 80 + 127)
        tm.tm_year = 80 + 127;
    z->dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 |
                             tm.tm_sec / 2);
    z->dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
                             tm.tm_mday);
}

static zs_status open_create(zs_ctx *ctx, const char *name, zip_store *z,
                             unsigned flags)
{
    struct stat stt;
    bool exists = lstat(z->final, &stt) == 0;
    zs_status st = compression_level(ctx, name, &z->level);
    if (st != ZS_OK)
        return st;
    if (exists && !(flags & ZS_STORE_OVERWRITE))
        return zsi_err(ctx, ZS_ERR_EXISTS, "%s: output exists",
                       name);
    if (exists && !S_ISREG(stt.st_mode))
        return zsi_err(ctx, ZS_ERR_EXISTS, "%s: exists and is not a file",
                       name);
    /* the folder of a resumable run (store_zipdir.c): replaced as a
     * stale folder output is, unless a run holds it */
    if (lstat(z->path, &stt) == 0 && S_ISDIR(stt.st_mode)) {
        zs_store *d = NULL;
        st = zsi_store_dir_open(ctx, z->final, ZS_STORE_CREATE |
                                ZS_STORE_PARTIAL | ZSI_STORE_SIDECAR, &d);
        if (st == ZS_OK)
            st = zs_store_discard(d);
        zs_store_close(d);
        if (st != ZS_OK)
            return st;
    }
    /* a stale partial of ours, or the file being replaced (a reader
     * that has it open keeps its copy) */
    if (unlink(z->path) != 0 && errno != ENOENT)
        return zsi_errno(ctx, errno, "%s", z->path);
    z->fd = open(z->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (z->fd < 0)
        return zsi_errno(ctx, errno, "%s: cannot create", z->path);
    z->writing = true;
    z->pid = getpid();
    dos_now(ctx, z);
    return rehash(z, 0) ? ZS_OK : zsi_nomem(ctx);
}

static zs_status open_read(zs_ctx *ctx, const char *name, zip_store *z)
{
    struct stat stt;
    /* O_NONBLOCK: a FIFO by that name fails the check below, not hangs */
    z->fd = open(z->final, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (z->fd < 0)
        return zsi_errno(ctx, errno, "%s", name);
    if (fstat(z->fd, &stt) != 0)
        return zsi_errno(ctx, errno, "%s", name);
    if (!S_ISREG(stt.st_mode))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a zip file (not a "
                       "regular file)", name);
    z->limit = (uint64_t)stt.st_size;
    return ZS_OK;
}

zs_status zsi_store_zip_open_remote(zs_ctx *ctx, const char *name,
                                    zs_store *remote, const char *key,
                                    unsigned flags, zs_store **out)
{
    zip_store *z = calloc(1, sizeof *z);
    zs_store *s = NULL;
    zs_status st;
    uint64_t size = 0;
    int found = 0;
    *out = NULL;
    if (!z) {
        zs_store_close(remote);
        return zsi_nomem(ctx);
    }
    z->fd = -1;
    z->remote = remote;
    z->seed = ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^
               (uint64_t)(uintptr_t)z) * 0x9e3779b97f4a7c15ULL;
    if (pthread_rwlock_init(&z->lock, NULL) != 0) {
        zs_store_close(remote);
        free(z);
        return zsi_nomem(ctx);
    }
    z->rkey = zsi_strdup(key);
    z->final = zsi_strdup(name);
    z->path = zsi_strdup(name);
    st = z->rkey && z->final && z->path ? ZS_OK : zsi_nomem(ctx);
    if (st == ZS_OK && (flags & ZS_STORE_CREATE))
        st = zsi_err(ctx, ZS_ERR_READONLY, "%s: zip files over http(s):// "
                     "and s3:// are read-only", name);
    if (st == ZS_OK)
        st = zsi_store_alloc(ctx, name, flags, &zip_ops, &s);
    if (st != ZS_OK) {
        zip_free(z);
        return st;
    }
    s->impl = z;
    s->caps = ZSI_STORE_CAN_LIST;
    remote->count_to = s;    /* its requests are this store's */
    st = remote->ops->size(remote, key, &size, &found);
    if (st == ZS_OK && !found)
        st = zsi_err(ctx, ZS_ERR_NOTFOUND, "%s: not found", name);
    z->limit = size;
    if (st == ZS_OK)
        st = read_directory(s, z);
    if (st != ZS_OK) {
        zs_store_close(s);
        return st;
    }
    *out = s;
    return ZS_OK;
}

/* Open path (written at tmp when creating, if not NULL). */
static zs_status open_zip(zs_ctx *ctx, const char *name, const char *path,
                          const char *tmp, unsigned flags, zs_store **out)
{
    zip_store *z = calloc(1, sizeof *z);
    zs_store *s = NULL;
    zs_status st;
    bool create = flags & ZS_STORE_CREATE;
    *out = NULL;
    if (!z)
        return zsi_nomem(ctx);
    z->fd = -1;
    z->seed = ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^
               (uint64_t)(uintptr_t)z) * 0x9e3779b97f4a7c15ULL;
    if (pthread_rwlock_init(&z->lock, NULL) != 0) {
        free(z);
        return zsi_nomem(ctx);
    }
    z->final = zsi_strdup(path);
    z->path = create && tmp ? zsi_strdup(tmp)
              : create && (flags & ZS_STORE_PARTIAL)
                  ? zsi_asprintf("%s.partial", path) : zsi_strdup(path);
    if (!z->final || !z->path)
        st = zsi_nomem(ctx);
    else if (create)
        st = open_create(ctx, name, z, flags);
    else
        st = open_read(ctx, name, z);
    if (st == ZS_OK)
        st = zsi_store_alloc(ctx, name, flags, &zip_ops, &s);
    if (st == ZS_OK) {
        s->impl = z;
        s->caps = ZSI_STORE_CAN_LIST | (create ? ZSI_STORE_CAN_WRITE : 0);
        if (!create)
            st = read_directory(s, z);
    }
    if (st != ZS_OK) {
        if (s) {
            zs_store_close(s);    /* closes z too */
        } else {
            if (z->writing)
                unlink(z->path);
            zip_free(z);
        }
        return st;
    }
    *out = s;
    return ZS_OK;
}

zs_status zsi_store_zip_create_at(zs_ctx *ctx, const char *name,
                                  const char *path, const char *tmp,
                                  unsigned flags, zs_store **out)
{
    return open_zip(ctx, name, path, tmp, flags | ZS_STORE_CREATE, out);
}

/* Updating path: the old zip, locked, under a new one at path.partial. */
static zs_status open_update(zs_ctx *ctx, const char *name, const char *path,
                             zs_store **out)
{
    zs_store *base = NULL, *s = NULL;
    zs_status st = open_zip(ctx, name, path, NULL, ZS_STORE_READ, &base);
    if (st == ZS_OK &&
        flock(((zip_store *)base->impl)->fd, LOCK_EX | LOCK_NB) != 0)
        st = errno == EWOULDBLOCK
                 ? zsi_err(ctx, ZS_ERR_EXISTS, "%s: another run is "
                           "appending to it", name)
                 : zsi_errno(ctx, errno, "%s: cannot lock", name);
    if (st == ZS_OK)
        st = open_zip(ctx, name, path, NULL, ZS_STORE_CREATE |
                      ZS_STORE_PARTIAL | ZS_STORE_OVERWRITE, &s);
    if (st != ZS_OK) {
        zs_store_close(base);
        return st;
    }
    ((zip_store *)s->impl)->base = base;
    *out = s;
    return ZS_OK;
}

zs_status zsi_store_zip_open(zs_ctx *ctx, const char *name, const char *path,
                             unsigned flags, zs_store **out)
{
    if (flags & ZSI_STORE_UPDATE)
        return open_update(ctx, name, path, out);
    return open_zip(ctx, name, path, NULL, flags, out);
}
