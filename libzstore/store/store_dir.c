/* store_dir.c - directory store: one file per key, written atomically
 * (temporary name, then rename).  Safe for concurrent writers in several
 * threads and processes, as long as they write different keys. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "store/zsi_store.h"

/* Temporary files carry a control character, which no valid key holds,
 * so that listing can never mistake one for a key or hide a key. */
#define TMP_MARK "\x01zstmp."
/* The lock a run holds on STORE.partial while it writes (flock, released
 * by the kernel when the run dies): a later run removes a partial
 * store nobody holds, and refuses one that is held. */
#define LOCK_NAME TMP_MARK "lock"

typedef struct dir_store {
    char *final;    /* the store's name */
    char *root;     /* where we read and write: final or final.partial */
    uint64_t seq;   /* temporary-name counter */
    int lock_fd;    /* our lock on root when writing a partial store */
} dir_store;

static char *key_path(dir_store *d, const char *key)
{
    return zsi_path_join(d->root, key);
}

static zs_status read_fd(zs_store *s, int fd, const char *path,
                         uint64_t off, uint64_t want, zsi_buf *out)
{
    size_t got = 0;
    if (want > SIZE_MAX - 1 || !zsi_buf_resize(out, (size_t)want))
        return zsi_nomem(s->ctx);
    while (got < want) {
        ssize_t r = pread(fd, out->data + got, (size_t)want - got,
                          (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return zsi_errno(s->ctx, errno, "%s", path);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    out->len = got;
    return ZS_OK;
}

static zs_status open_key(zs_store *s, const char *key, int *fd,
                          char **path, struct stat *stt, int *found)
{
    dir_store *d = s->impl;
    *found = 0;
    *path = key_path(d, key);
    if (!*path)
        return zsi_nomem(s->ctx);
    *fd = open(*path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
            return ZS_OK;
        return zsi_errno(s->ctx, errno, "%s", *path);
    }
    if (fstat(*fd, stt) != 0) {
        zs_status st = zsi_errno(s->ctx, errno, "%s", *path);
        close(*fd);
        return st;
    }
    if (!S_ISREG(stt->st_mode)) {  /* a directory is not a value */
        close(*fd);
        *fd = -1;
        return ZS_OK;
    }
    *found = 1;
    return ZS_OK;
}

static zs_status dir_get_range(zs_store *s, const char *key, uint64_t off,
                               uint64_t len, zsi_buf *out, int *found)
{
    int fd = -1;
    char *path = NULL;
    struct stat stt;
    zs_status st = open_key(s, key, &fd, &path, &stt, found);
    if (st == ZS_OK && *found) {
        uint64_t size = (uint64_t)stt.st_size;
        uint64_t start = off < size ? off : size;
        uint64_t n = size - start < len ? size - start : len;
        st = read_fd(s, fd, path, start, n, out);
        if (st == ZS_OK)
            zsi_store_count(s, 1, out->len, 0);
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return st;
}

static zs_status dir_get(zs_store *s, const char *key, zsi_buf *out,
                         int *found)
{
    return dir_get_range(s, key, 0, UINT64_MAX, out, found);
}

static zs_status dir_size(zs_store *s, const char *key, uint64_t *size,
                          int *found)
{
    dir_store *d = s->impl;
    struct stat stt;
    char *path = key_path(d, key);
    *found = 0;
    if (!path)
        return zsi_nomem(s->ctx);
    if (stat(path, &stt) == 0 && S_ISREG(stt.st_mode)) {
        *found = 1;
        *size = (uint64_t)stt.st_size;
    } else if (errno != ENOENT && errno != ENOTDIR && errno != 0) {
        zs_status st = zsi_errno(s->ctx, errno, "%s", path);
        free(path);
        return st;
    }
    free(path);
    return ZS_OK;
}

/* mkdir -p of the directory part of path (everything before the last /),
 * never above root. */
static zs_status make_parents(zs_store *s, const char *root, char *path)
{
    size_t rl = strlen(root);
    for (char *p = path + rl + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            zs_status st = zsi_errno(s->ctx, errno, "%s", path);
            *p = '/';
            return st;
        }
        *p = '/';
    }
    return ZS_OK;
}

static zs_status write_all(zs_store *s, int fd, const char *path,
                           const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return zsi_errno(s->ctx, errno, "%s", path);
        }
        p += w;
        n -= (size_t)w;
    }
    return ZS_OK;
}

static zs_status dir_set(zs_store *s, const char *key, const void *data,
                         size_t len)
{
    dir_store *d = s->impl;
    char *path = key_path(d, key), *tmp = NULL;
    zs_status st = ZS_OK;
    int fd;
    uint64_t seq = __atomic_add_fetch(&d->seq, 1, __ATOMIC_RELAXED);
    if (!path || !(tmp = zsi_asprintf("%s" TMP_MARK "%ld.%llu", path,
                                      (long)getpid(),
                                      (unsigned long long)seq))) {
        free(path);
        return zsi_nomem(s->ctx);
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 && errno == ENOENT) {
        st = make_parents(s, d->root, tmp);
        if (st == ZS_OK)
            fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (st == ZS_OK && fd < 0)
        st = zsi_errno(s->ctx, errno, "%s", path);
    if (st == ZS_OK) {
        st = write_all(s, fd, path, data, len);
        if (close(fd) != 0 && st == ZS_OK)
            st = zsi_errno(s->ctx, errno, "%s", path);
        if (st == ZS_OK && rename(tmp, path) != 0)
            st = zsi_errno(s->ctx, errno, "%s", path);
        if (st != ZS_OK)
            unlink(tmp);
        else
            zsi_store_count(s, 1, 0, len);
    }
    free(tmp);
    free(path);
    return st;
}

static zs_status dir_erase(zs_store *s, const char *key)
{
    char *path = key_path(s->impl, key);
    zs_status st = ZS_OK;
    if (!path)
        return zsi_nomem(s->ctx);
    /* a directory is not a value: erasing it is erasing an absent key */
    if (unlink(path) != 0 && errno != ENOENT && errno != EISDIR &&
        errno != ENOTDIR)
        st = zsi_errno(s->ctx, errno, "%s", path);
    free(path);
    return st;
}

/* Walk dir (relative key prefix rel) calling fn for each regular file. */
static zs_status walk(zs_store *s, const char *dir, const char *rel,
                      zs_key_fn fn, void *user, bool *stop)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    zs_status st = ZS_OK;
    if (!dh) {
        if (errno == ENOENT || errno == ENOTDIR)
            return ZS_OK;
        return zsi_errno(s->ctx, errno, "%s", dir);
    }
    while (!*stop && st == ZS_OK && (e = readdir(dh))) {
        struct stat stt;
        char *full, *key;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strstr(e->d_name, TMP_MARK))
            continue;
        full = zsi_path_join(dir, e->d_name);
        key = zsi_path_join(rel, e->d_name);
        if (!full || !key) {
            st = zsi_nomem(s->ctx);
        } else if (lstat(full, &stt) == 0) {
            if (S_ISDIR(stt.st_mode))
                st = walk(s, full, key, fn, user, stop);
            else if (S_ISREG(stt.st_mode) && zsi_key_ok(key) &&
                     fn(user, key))
                *stop = true;
        }
        free(full);
        free(key);
    }
    closedir(dh);
    return st;
}

struct list_filter {
    const char *prefix;
    zs_key_fn fn;
    void *user;
};

static int filter_key(void *user, const char *key)
{
    struct list_filter *f = user;
    return zsi_str_starts(key, f->prefix) ? f->fn(f->user, key) : 0;
}

static zs_status dir_list(zs_store *s, const char *prefix, zs_key_fn fn,
                          void *user)
{
    dir_store *d = s->impl;
    /* Walk only the directory holding the prefix, then filter. */
    const char *slash = strrchr(prefix, '/');
    char *reldir = slash ? zsi_strndup(prefix, (size_t)(slash - prefix))
                         : zsi_strdup("");
    char *dir = reldir ? zsi_path_join(d->root, reldir) : NULL;
    struct list_filter f = {prefix, fn, user};
    zs_status st = ZS_OK;
    bool stop = false;
    /* the directory part of the prefix must itself be a valid key, or
     * the walk could leave the store ("../") */
    if (reldir && *reldir && !zsi_key_ok(reldir)) {
        free(dir);
        free(reldir);
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: invalid prefix '%s'",
                       s->name, prefix);
    }
    if (!dir)
        st = zsi_nomem(s->ctx);
    else
        st = walk(s, dir, reldir, filter_key, &f, &stop);
    free(dir);
    free(reldir);
    return st;
}

/* Remove a directory tree (used for discard and overwrite). */
static int rm_tree(const char *path)
{
    struct stat stt;
    DIR *dh;
    struct dirent *e;
    int rc = 0;
    if (lstat(path, &stt) != 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    if (!S_ISDIR(stt.st_mode))
        return unlink(path);
    if (!(dh = opendir(path)))
        return -1;
    while ((e = readdir(dh))) {
        char *sub;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        sub = zsi_path_join(path, e->d_name);
        if (!sub || rm_tree(sub) != 0)
            rc = -1;
        free(sub);
    }
    closedir(dh);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

static zs_status dir_commit(zs_store *s)
{
    dir_store *d = s->impl;
    char *old;
    struct stat stt;
    if (strcmp(d->root, d->final) == 0)
        return ZS_OK;
    if (lstat(d->final, &stt) == 0) {
        if (!(s->flags & ZS_STORE_OVERWRITE))
            return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: exists", d->final);
        old = zsi_asprintf("%s.zsold.%ld", d->final, (long)getpid());
        if (!old)
            return zsi_nomem(s->ctx);
        if (rename(d->final, old) != 0) {
            zs_status st = zsi_errno(s->ctx, errno, "%s", d->final);
            free(old);
            return st;
        }
        if (rename(d->root, d->final) != 0) {
            zs_status st = zsi_errno(s->ctx, errno, "%s", d->final);
            rename(old, d->final);
            free(old);
            return st;
        }
        rm_tree(old);
        free(old);
    } else if (rename(d->root, d->final) != 0) {
        return zsi_errno(s->ctx, errno, "%s", d->final);
    }
    free(d->root);
    d->root = zsi_strdup(d->final);
    if (d->lock_fd >= 0) {  /* renamed with the store: take it out */
        char *lk = zsi_path_join(d->final, LOCK_NAME);
        if (lk)
            unlink(lk);
        free(lk);
        close(d->lock_fd);
        d->lock_fd = -1;
    }
    return d->root ? ZS_OK : zsi_nomem(s->ctx);
}

static zs_status dir_discard(zs_store *s)
{
    dir_store *d = s->impl;
    if (!(s->flags & ZS_STORE_CREATE))
        return zsi_err(s->ctx, ZS_ERR_INVALID,
                       "%s: refusing to discard a store opened for reading",
                       d->final);
    if (rm_tree(d->root) != 0)
        return zsi_errno(s->ctx, errno, "%s", d->root);
    return ZS_OK;
}

static void dir_close(zs_store *s)
{
    dir_store *d = s->impl;
    if (!d)
        return;
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    free(d->final);
    free(d->root);
    free(d);
}

static const zsi_store_ops dir_ops = {
    .kind = "directory",
    .get = dir_get,
    .get_range = dir_get_range,
    .size = dir_size,
    .set = dir_set,
    .erase = dir_erase,
    .list = dir_list,
    .commit = dir_commit,
    .discard = dir_discard,
    .close = dir_close,
};

/* Remove a partial store left by a run that is gone; refuse one that a
 * running conversion holds (its lock file is locked). */
static zs_status remove_stale(zs_ctx *ctx, const char *root)
{
    char *lk = zsi_path_join(root, LOCK_NAME);
    zs_status st = ZS_OK;
    if (!lk)
        return zsi_nomem(ctx);
    for (;;) {
        struct stat a, b;
        int fd = open(lk, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)     /* no lock file: an old or empty partial store */
            break;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            char pid[32] = "";
            ssize_t n = errno == EWOULDBLOCK ? read(fd, pid, sizeof pid - 1)
                                             : -1;
            pid[n > 0 ? n : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            st = zsi_err(ctx, ZS_ERR_EXISTS, "%s: another conversion is "
                         "writing it%s%s%s", root, *pid ? " (process " : "",
                         pid, *pid ? ")" : "");
            close(fd);
            break;
        }
        /* ours, unless a run replaced the partial store meanwhile */
        bool same = fstat(fd, &a) == 0 && stat(lk, &b) == 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        if (same) {
            if (rm_tree(root) != 0)
                st = zsi_errno(ctx, errno, "%s", root);
            close(fd);
            free(lk);
            return st;
        }
        close(fd);
    }
    free(lk);
    if (st == ZS_OK && rm_tree(root) != 0)
        st = zsi_errno(ctx, errno, "%s", root);
    return st;
}

/* Create the lock file of a new partial store and hold it. */
static zs_status take_lock(zs_ctx *ctx, dir_store *d)
{
    char *lk = zsi_path_join(d->root, LOCK_NAME);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (!lk)
        return zsi_nomem(ctx);
    d->lock_fd = open(lk, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0 ||
        write(d->lock_fd, pid, (size_t)n) != n) {
        zs_status st = zsi_errno(ctx, errno, "%s: cannot lock", d->root);
        free(lk);
        return st;
    }
    free(lk);
    return ZS_OK;
}

/* Create root (and check the final name is free unless overwriting). */
static zs_status prepare_create(zs_ctx *ctx, dir_store *d, unsigned flags)
{
    struct stat stt;
    bool exists = lstat(d->final, &stt) == 0;
    if (exists && !(flags & ZS_STORE_OVERWRITE))
        return zsi_err(ctx, ZS_ERR_EXISTS,
                       "%s: output exists",
                       d->final);
    if (exists && !S_ISDIR(stt.st_mode))
        return zsi_err(ctx, ZS_ERR_EXISTS,
                       "%s: exists and is not a directory", d->final);
    if (flags & ZS_STORE_PARTIAL) {
        zs_status st = remove_stale(ctx, d->root);
        if (st != ZS_OK)
            return st;
    } else if (exists && rm_tree(d->final) != 0) {
        return zsi_errno(ctx, errno, "%s", d->final);
    }
    if (mkdir(d->root, 0777) != 0)
        return zsi_errno(ctx, errno, "%s: cannot create", d->root);
    if (flags & ZS_STORE_PARTIAL) {
        zs_status st = take_lock(ctx, d);
        if (st != ZS_OK)
            rm_tree(d->root);
        return st;
    }
    return ZS_OK;
}

zs_status zsi_store_dir_open(zs_ctx *ctx, const char *path, unsigned flags,
                             zs_store **out)
{
    dir_store *d = calloc(1, sizeof *d);
    zs_store *s = NULL;
    zs_status st;
    size_t n = strlen(path);
    if (!d)
        return zsi_nomem(ctx);
    while (n > 1 && path[n - 1] == '/')
        n--;
    d->lock_fd = -1;
    d->final = zsi_strndup(path, n);
    d->root = (flags & ZS_STORE_CREATE) && (flags & ZS_STORE_PARTIAL)
                  ? zsi_asprintf("%s.partial", d->final)
                  : zsi_strdup(d->final);
    if (!d->final || !d->root) {
        st = zsi_nomem(ctx);
        goto fail;
    }
    if (flags & ZS_STORE_CREATE) {
        st = prepare_create(ctx, d, flags);
        if (st != ZS_OK)
            goto fail;
    } else {
        struct stat stt;
        if (stat(d->final, &stt) != 0) {
            st = zsi_errno(ctx, errno, "%s", d->final);
            goto fail;
        }
        if (!S_ISDIR(stt.st_mode)) {
            st = zsi_err(ctx, ZS_ERR_FORMAT,
                         "%s: not a Zarr store (not a directory)", d->final);
            goto fail;
        }
    }
    st = zsi_store_alloc(ctx, d->final, flags, &dir_ops, &s);
    if (st != ZS_OK)
        goto fail;
    s->impl = d;
    s->caps = ZSI_STORE_CAN_LIST;
    if (flags & ZS_STORE_CREATE)
        s->caps |= ZSI_STORE_CAN_WRITE | ZSI_STORE_CONCURRENT_WRITES;
    *out = s;
    return ZS_OK;
fail:
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    free(d->final);
    free(d->root);
    free(d);
    return st;
}
