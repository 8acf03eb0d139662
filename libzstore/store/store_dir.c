/* store_dir.c - folder store: one file per key, written atomically
 * (temporary name, then rename).  Safe for concurrent writers in several
 * threads and processes, as long as they write different keys.
 *
 * A store is a folder of files that may come from anywhere (a download,
 * a project space others write to), so a key resolves only to a regular
 * file inside the store's root:
 *  - symbolic links are followed while they stay inside the root (the
 *    root itself may be a link); one that leads outside it, or to
 *    nothing from outside, is an error naming the key, never data;
 *  - a directory, FIFO, device or socket in a key's place is an error
 *    naming the key, never data and never a missing value (fill);
 *  - files are opened with O_NONBLOCK, so that a FIFO cannot hang a
 *    read, then checked with fstat: what is checked is what is read.
 * Where the kernel has openat2(RESOLVE_BENEATH) (Linux 5.6), a key is
 * opened in one call that refuses any escape, so that nothing can be
 * swapped between a check and the open; keys with links that leave the
 * root or are absolute take a second path: realpath(), the check, an
 * open of the resolved path without following links, and (with /proc)
 * a check that the file opened is the one checked.  Elsewhere every key
 * takes that second path.
 *
 * Writing never follows a symbolic link: the folders of a key are opened
 * one by one beneath the root with O_NOFOLLOW (created as needed), the
 * temporary file is created in the last one with O_EXCL, and renamed
 * there.  Erasing and removing trees unlink links, never their targets.
 * Listing reports every key that is not a folder (links and other files
 * included, so that reading them reports what they are) and does not
 * descend into linked folders.
 *
 * Continuing (ZSI_STORE_CONTINUE): a run may write on into the
 * NAME.partial another run left, under the same lock file held shared
 * (parts of one conversion, on several machines of a shared file
 * system) or exclusive.  A killed writer may have left temporary files:
 * commit removes them before the rename.  sync is syncfs(2), so that
 * a record of finished work written after it never outlives the work in
 * a power loss. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include "store/store_impl.h"

/* Temporary files carry a control character, which no valid key holds,
 * so that listing can never mistake one for a key or hide a key. */
#define TMP_MARK "\x01zstmp."
/* The lock a run holds on STORE.partial while it writes (flock, released
 * by the kernel when the run dies): a later run removes a partial
 * store nobody holds, and refuses one that is held. */
#define LOCK_NAME TMP_MARK "lock"

#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

typedef struct dir_store {
    char *final;    /* the store's name */
    char *root;     /* where we read and write: final or final.partial */
    char *real;     /* root with every symbolic link resolved */
    int root_fd;    /* root, open: keys are resolved beneath it */
    bool no_openat2;  /* the kernel refused openat2: take the slow path */
    uint64_t seq;   /* temporary-name counter */
    int lock_fd;    /* our lock on root when writing a partial store */
} dir_store;

static char *key_path(dir_store *d, const char *key)
{
    return zsi_path_join(d->root, key);
}

/* ------------------------------------------------------------------ */
/* Reading: a key is a regular file beneath the root                   */
/* ------------------------------------------------------------------ */

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

/* openat2 beneath the root: -1 with errno EXDEV when a link leaves the
 * root or is absolute, ENOSYS where there is no openat2. */
static int open_beneath(dir_store *d, const char *key)
{
#if defined(HAVE_LINUX_OPENAT2_H) && defined(SYS_openat2)
    struct open_how how;
    if (__atomic_load_n(&d->no_openat2, __ATOMIC_RELAXED)) {
        errno = ENOSYS;
        return -1;
    }
    memset(&how, 0, sizeof how);
    how.flags = READ_FLAGS;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int i = 0; i < 16; i++) {   /* EAGAIN: a rename raced with us */
        int fd = (int)syscall(SYS_openat2, d->root_fd, key, &how,
                              sizeof how);
        if (fd >= 0 || errno != EAGAIN)
            return fd;
    }
    return -1;
#else
    (void)d;
    (void)key;
    errno = ENOSYS;
    return -1;
#endif
}

/* Is path (resolved) the root or below it? */
static bool inside(const dir_store *d, const char *path)
{
    size_t n = strlen(d->real);
    if (n == 1 && d->real[0] == '/')
        return true;
    return strncmp(path, d->real, n) == 0 &&
           (path[n] == '/' || path[n] == 0);
}

/* The file fd is, from /proc (Linux): does it lie at path?  true where
 * /proc cannot tell. */
static bool opened_at(int fd, const char *path)
{
    char link[64], got[PATH_MAX + 1];
    ssize_t n;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, got, sizeof got - 1);
    if (n < 0)
        return true;
    got[n] = 0;
    return strcmp(got, path) == 0;
}

/* The path of the folder fd is, links resolved (from /proc, where the
 * kernel tells; else realpath of path); NULL on failure. */
static char *fd_path(int fd, const char *path)
{
    char link[64], got[PATH_MAX + 1];
    ssize_t n;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, got, sizeof got - 1);
    if (n > 0 && got[0] == '/') {
        got[n] = 0;
        return zsi_strdup(got);
    }
    return realpath(path, NULL);
}

static zs_status link_out(zs_store *s, const char *path, const char *to)
{
    if (to)
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: a symbolic link leading "
                       "outside the store (to %s): refused", path, to);
    return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: a symbolic link leading "
                   "outside the store, or to nothing: refused", path);
}

/* The slow path: resolve path, check it lies in the root, open what was
 * checked without following links.  linked: openat2 saw a link leave
 * the root or an absolute one. */
static zs_status open_resolved(zs_store *s, const char *path, bool linked,
                               int *fd, int *found)
{
    dir_store *d = s->impl;
    struct stat lst;
    char *real = realpath(path, NULL);
    zs_status st = ZS_OK;
    if (!real) {
        int e = errno;
        if (e != ENOENT && e != ENOTDIR)
            return zsi_errno(s->ctx, e, "%s", path);
        /* absent, unless a link there leads nowhere */
        if (linked || (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)))
            return link_out(s, path, NULL);
        return ZS_OK;
    }
    if (!inside(d, real)) {
        st = link_out(s, path, real);
    } else if ((*fd = open(real, READ_FLAGS | O_NOFOLLOW)) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            st = ZS_OK;       /* gone since: absent */
        else if (errno == ELOOP)
            st = zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: changed while it was "
                         "opened (now a symbolic link): refused", path);
        else
            st = zsi_errno(s->ctx, errno, "%s", path);
    } else if (!opened_at(*fd, real)) {
        st = zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: changed while it was "
                     "opened: refused", path);
        close(*fd);
        *fd = -1;
    } else {
        *found = 1;
    }
    free(real);
    return st;
}

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

/* Open key for reading: *found 1 and *fd a regular file inside the root,
 * or *found 0 when the key is absent; anything else is an error naming
 * the key's path. */
static zs_status open_key(zs_store *s, const char *key, int *fd,
                          char **path, struct stat *stt, int *found)
{
    dir_store *d = s->impl;
    zs_status st = ZS_OK;
    *found = 0;
    *path = key_path(d, key);
    if (!*path)
        return zsi_nomem(s->ctx);
    *fd = open_beneath(d, key);
    if (*fd >= 0) {
        *found = 1;
    } else if (errno == ENOENT || errno == ENOTDIR) {
        return ZS_OK;
    } else if (errno == EXDEV) {
        st = open_resolved(s, *path, true, fd, found);
    } else if (errno == ENOSYS || errno == EPERM) {
        /* no openat2 (an old kernel, or a seccomp filter): from now on,
         * the slow path only */
        __atomic_store_n(&d->no_openat2, true, __ATOMIC_RELAXED);
        st = open_resolved(s, *path, false, fd, found);
    } else if (errno == ELOOP) {
        return zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: too many levels of "
                       "symbolic links: refused", *path);
    } else {
        return zsi_errno(s->ctx, errno, "%s", *path);
    }
    if (st != ZS_OK || !*found)
        return st;
    if (fstat(*fd, stt) != 0)
        st = zsi_errno(s->ctx, errno, "%s", *path);
    else if (!S_ISREG(stt->st_mode))
        st = zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: %s where a value should "
                     "be (only regular files are values)", *path,
                     file_kind(stt->st_mode));
    if (st != ZS_OK) {
        close(*fd);
        *fd = -1;
        *found = 0;
    }
    return st;
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
    int fd = -1;
    char *path = NULL;
    struct stat stt;
    zs_status st = open_key(s, key, &fd, &path, &stt, found);
    if (st == ZS_OK && *found)
        *size = (uint64_t)stt.st_size;
    if (fd >= 0)
        close(fd);
    free(path);
    return st;
}

/* ------------------------------------------------------------------ */
/* Writing: never through a symbolic link                              */
/* ------------------------------------------------------------------ */

/* The folder holding key's value, opened beneath the root one component
 * at a time without following links (made when create is set; with
 * create unset a missing one gives *out -1 and no error); *base is the
 * key's last component.  Close *out unless it is d->root_fd. */
static zs_status open_parent(zs_store *s, const char *key, bool create,
                             int *out, const char **base)
{
    dir_store *d = s->impl;
    const char *p = key, *slash;
    int fd = d->root_fd;
    *out = -1;
    while ((slash = strchr(p, '/'))) {
        char comp[NAME_MAX + 1];
        size_t n = (size_t)(slash - p);
        int next, err;
        if (n > NAME_MAX) {
            err = ENAMETOOLONG;
        } else {
            memcpy(comp, p, n);
            comp[n] = 0;
            next = openat(fd, comp, DIR_FLAGS);
            if (next < 0 && errno == ENOENT && create &&
                (mkdirat(fd, comp, 0777) == 0 || errno == EEXIST))
                next = openat(fd, comp, DIR_FLAGS);
            err = errno;
        }
        if (fd != d->root_fd)
            close(fd);
        if (n > NAME_MAX || next < 0) {
            char *path = zsi_strndup(key, (size_t)(slash - key));
            char *full = path ? key_path(d, path) : NULL;
            zs_status st = ZS_OK;
            if (!full)
                st = zsi_nomem(s->ctx);
            else if (err == ELOOP || (err == ENOTDIR && create))
                st = zsi_err(s->ctx, ZS_ERR_FORMAT, "%s: a symbolic link "
                             "or a file where a folder should be: not "
                             "written through", full);
            else if (create || (err != ENOENT && err != ENOTDIR &&
                                err != ELOOP))
                st = zsi_errno(s->ctx, err, "%s", full);
            free(path);
            free(full);
            return st;
        }
        fd = next;
        p = slash + 1;
    }
    *out = fd;
    *base = p;
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
    const char *base = NULL;
    char *path = NULL, *tmp = NULL;
    int pfd = -1, fd = -1;
    uint64_t seq = __atomic_add_fetch(&d->seq, 1, __ATOMIC_RELAXED);
    zs_status st = open_parent(s, key, true, &pfd, &base);
    if (st != ZS_OK)
        return st;
    path = key_path(d, key);
    tmp = zsi_asprintf("%s" TMP_MARK "%ld.%llu", base, (long)getpid(),
                       (unsigned long long)seq);
    if (!path || !tmp)
        st = zsi_nomem(s->ctx);
    else if ((fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
                          O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
        st = zsi_errno(s->ctx, errno, "%s", path);
    if (st == ZS_OK) {
        st = write_all(s, fd, path, data, len);
        if (close(fd) != 0 && st == ZS_OK)
            st = zsi_errno(s->ctx, errno, "%s", path);
        /* renameat replaces a link at base, never writes through it */
        if (st == ZS_OK && renameat(pfd, tmp, pfd, base) != 0)
            st = zsi_errno(s->ctx, errno, "%s", path);
        if (st != ZS_OK)
            unlinkat(pfd, tmp, 0);
        else
            zsi_store_count(s, 1, 0, len);
    }
    if (pfd != d->root_fd)
        close(pfd);
    free(tmp);
    free(path);
    return st;
}

static zs_status dir_erase(zs_store *s, const char *key)
{
    dir_store *d = s->impl;
    const char *base = NULL;
    int pfd = -1;
    zs_status st = open_parent(s, key, false, &pfd, &base);
    if (st != ZS_OK || pfd < 0)
        return st;     /* no folder of the key: absent */
    /* a directory is not a value: erasing it is erasing an absent key;
     * a link goes, not what it leads to */
    if (unlinkat(pfd, base, 0) != 0 && errno != ENOENT && errno != EISDIR &&
        errno != ENOTDIR && errno != EPERM) {
        char *path = key_path(d, key);
        st = path ? zsi_errno(s->ctx, errno, "%s", path) : zsi_nomem(s->ctx);
        free(path);
    }
    if (pfd != d->root_fd)
        close(pfd);
    return st;
}

/* ------------------------------------------------------------------ */
/* Listing and removing trees (beneath open folders, links not followed) */
/* ------------------------------------------------------------------ */

/* Walk the folder dfd (key prefix rel) calling fn for each key. */
static zs_status walk(zs_store *s, int dfd, const char *rel, zs_key_fn fn,
                      void *user, bool *stop)
{
    DIR *dh = fdopendir(dfd);
    struct dirent *e;
    zs_status st = ZS_OK;
    if (!dh) {
        close(dfd);
        return zsi_errno(s->ctx, errno, "%s/%s", s->name, rel);
    }
    while (!*stop && st == ZS_OK && (e = readdir(dh))) {
        struct stat stt;
        char *key;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strstr(e->d_name, TMP_MARK))
            continue;
        if (fstatat(dirfd(dh), e->d_name, &stt, AT_SYMLINK_NOFOLLOW) != 0)
            continue;   /* gone since */
        if (!(key = zsi_path_join(rel, e->d_name))) {
            st = zsi_nomem(s->ctx);
        } else if (S_ISDIR(stt.st_mode)) {
            int sub = openat(dirfd(dh), e->d_name, DIR_FLAGS);
            if (sub >= 0)
                st = walk(s, sub, key, fn, user, stop);
        } else if (S_ISLNK(stt.st_mode) &&
                   fstatat(dirfd(dh), e->d_name, &stt, 0) == 0 &&
                   S_ISDIR(stt.st_mode)) {
            /* a linked folder: not descended into (no loops) */
        } else if (zsi_key_ok(key) && fn(user, key)) {
            *stop = true;
        }
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
    /* Walk only the folder holding the prefix, then filter. */
    const char *slash = strrchr(prefix, '/');
    char *reldir = slash ? zsi_strndup(prefix, (size_t)(slash - prefix))
                         : zsi_strdup("");
    struct list_filter f = {prefix, fn, user};
    zs_status st = ZS_OK;
    bool stop = false;
    int fd = -1;
    const char *base = NULL;
    char *probe = NULL;
    if (!reldir)
        return zsi_nomem(s->ctx);
    /* the folder part of the prefix must itself be a valid key, or the
     * walk could leave the store ("../") */
    if (*reldir && !zsi_key_ok(reldir)) {
        free(reldir);
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: invalid prefix '%s'",
                       s->name, prefix);
    }
    /* open reldir itself beneath the root, links not followed */
    if (*reldir && !(probe = zsi_asprintf("%s/x", reldir)))
        st = zsi_nomem(s->ctx);
    else if (*reldir)
        st = open_parent(s, probe, false, &fd, &base);
    else if ((fd = openat(d->root_fd, ".", DIR_FLAGS)) < 0)
        st = zsi_errno(s->ctx, errno, "%s", d->root);
    if (st == ZS_OK && fd >= 0)
        st = walk(s, fd, reldir, filter_key, &f, &stop);
    free(probe);
    free(reldir);
    return st;
}

/* Remove name (in folder dfd) and everything below it, never following
 * a link (used for discard and overwrite). */
static int rm_at(int dfd, const char *name)
{
    DIR *dh;
    struct dirent *e;
    int fd, rc = 0;
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT || errno == ENOTDIR)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    if ((fd = openat(dfd, name, DIR_FLAGS)) < 0)
        return -1;
    if (!(dh = fdopendir(fd))) {
        close(fd);
        return -1;
    }
    while ((e = readdir(dh)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            rm_at(dirfd(dh), e->d_name) != 0)
            rc = -1;
    closedir(dh);
    if (unlinkat(dfd, name, AT_REMOVEDIR) != 0)
        rc = -1;
    return rc;
}

int zsi_rm_tree(const char *path)
{
    return rm_at(AT_FDCWD, path);
}

/* Remove the temporary files under folder dfd that writers killed
 * half-way left (not the lock), and the folders left empty (made for a
 * key whose value never came). */
static int tidy_at(int dfd)
{
    DIR *dh = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;
    if (!dh) {
        close(dfd);
        return -1;
    }
    while ((e = readdir(dh))) {
        struct stat stt;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, LOCK_NAME) ||
            fstatat(dirfd(dh), e->d_name, &stt, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (strstr(e->d_name, TMP_MARK)) {
            if (unlinkat(dirfd(dh), e->d_name, 0) != 0 && errno != ENOENT)
                rc = -1;
        } else if (S_ISDIR(stt.st_mode)) {
            int sub = openat(dirfd(dh), e->d_name, DIR_FLAGS);
            if (sub < 0 || tidy_at(sub) != 0)
                rc = -1;
            else if (unlinkat(dirfd(dh), e->d_name, AT_REMOVEDIR) != 0 &&
                     errno != ENOTEMPTY && errno != EEXIST)
                rc = -1;
        }
    }
    closedir(dh);
    return rc;
}

static zs_status dir_sync(zs_store *s)
{
    dir_store *d = s->impl;
#ifdef HAVE_SYNCFS
    if (syncfs(d->root_fd) != 0)
        return zsi_errno(s->ctx, errno, "%s: sync", d->root);
#else
    (void)d;
    sync();
#endif
    return ZS_OK;
}

static zs_status dir_commit(zs_store *s)
{
    dir_store *d = s->impl;
    char *old;
    struct stat stt;
    if (strcmp(d->root, d->final) == 0)
        return ZS_OK;
    if (s->flags & ZSI_STORE_CONTINUE) {
        int fd = openat(d->root_fd, ".", DIR_FLAGS);
        if (fd < 0 || tidy_at(fd) != 0)
            return zsi_errno(s->ctx, errno, "%s: tidying", d->root);
    }
    if (s->flags & ZSI_STORE_SIDECAR)
        return ZS_OK;   /* the other store takes it from here */
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
        zsi_rm_tree(old);
        free(old);
    } else if (rename(d->root, d->final) != 0) {
        return zsi_errno(s->ctx, errno, "%s", d->final);
    }
    free(d->root);
    free(d->real);
    d->root = zsi_strdup(d->final);
    d->real = fd_path(d->root_fd, d->final);
    if (d->lock_fd >= 0) {  /* renamed with the store: take it out */
        char *lk = zsi_path_join(d->final, LOCK_NAME);
        if (lk)
            unlink(lk);
        free(lk);
        close(d->lock_fd);
        d->lock_fd = -1;
    }
    return d->root && d->real ? ZS_OK : zsi_nomem(s->ctx);
}

static zs_status dir_discard(zs_store *s)
{
    dir_store *d = s->impl;
    if (!(s->flags & ZS_STORE_CREATE))
        return zsi_err(s->ctx, ZS_ERR_INVALID,
                       "%s: refusing to discard a store opened for reading",
                       d->final);
    if (zsi_rm_tree(d->root) != 0)
        return zsi_errno(s->ctx, errno, "%s", d->root);
    return ZS_OK;
}

static void dir_close(zs_store *s)
{
    dir_store *d = s->impl;
    if (!d)
        return;
    if (d->lock_fd >= 0 && (s->flags & ZSI_STORE_UPDATE)) {
        char *lk = zsi_path_join(d->root, LOCK_NAME);
        if (lk)
            unlink(lk);   /* in the store itself: not left behind */
        free(lk);
    }
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    if (d->root_fd >= 0)
        close(d->root_fd);
    free(d->final);
    free(d->root);
    free(d->real);
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
    .sync = dir_sync,
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
            if (zsi_rm_tree(root) != 0)
                st = zsi_errno(ctx, errno, "%s", root);
            close(fd);
            free(lk);
            return st;
        }
        close(fd);
    }
    free(lk);
    if (st == ZS_OK && zsi_rm_tree(root) != 0)
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

/* Hold the lock of a partial store we continue: exclusive (with our
 * process number in it), or shared with other writers (and no number:
 * there are several). */
static zs_status join_lock(zs_ctx *ctx, dir_store *d, bool shared)
{
    char *lk = zsi_path_join(d->root, LOCK_NAME);
    char pid[32] = "";
    int n;
    if (!lk)
        return zsi_nomem(ctx);
    d->lock_fd = open(lk, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    free(lk);
    if (d->lock_fd < 0)
        return zsi_errno(ctx, errno, "%s: cannot lock", d->root);
    if (flock(d->lock_fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return zsi_errno(ctx, errno, "%s: cannot lock", d->root);
        n = (int)pread(d->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        return zsi_err(ctx, ZS_ERR_EXISTS, "%s: another conversion is "
                       "writing it%s%s%s", d->root, *pid ? " (process " : "",
                       pid, *pid ? ")" : "");
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(d->lock_fd, 0) != 0 ||
        (!shared && pwrite(d->lock_fd, pid, (size_t)n, 0) != n))
        return zsi_errno(ctx, errno, "%s: cannot lock", d->root);
    return ZS_OK;
}

/* Continue root if it is there, else make it. */
static zs_status continue_root(zs_ctx *ctx, dir_store *d, unsigned flags)
{
    struct stat stt;
    int rc = lstat(d->root, &stt);
    if (rc == 0 && !S_ISDIR(stt.st_mode))
        return zsi_err(ctx, ZS_ERR_EXISTS, "%s: exists and is not a "
                       "directory", d->root);
    if (rc != 0 && (flags & ZSI_STORE_EXISTING))
        return zsi_errno(ctx, errno, "%s", d->root);
    if (mkdir(d->root, 0777) != 0 && errno != EEXIST)
        return zsi_errno(ctx, errno, "%s: cannot create", d->root);
    return join_lock(ctx, d, (flags & ZSI_STORE_SHARED) != 0);
}

/* Create root (and check the final name is free unless overwriting). */
static zs_status prepare_create(zs_ctx *ctx, dir_store *d, unsigned flags)
{
    struct stat stt;
    bool exists = !(flags & ZSI_STORE_SIDECAR) && lstat(d->final, &stt) == 0;
    if (exists && !(flags & ZS_STORE_OVERWRITE))
        return zsi_err(ctx, ZS_ERR_EXISTS,
                       "%s: output exists",
                       d->final);
    if (exists && !S_ISDIR(stt.st_mode))
        return zsi_err(ctx, ZS_ERR_EXISTS,
                       "%s: exists and is not a directory", d->final);
    if ((flags & ZS_STORE_PARTIAL) && (flags & ZSI_STORE_CONTINUE))
        return continue_root(ctx, d, flags);
    if (flags & ZS_STORE_PARTIAL) {
        zs_status st = remove_stale(ctx, d->root);
        if (st != ZS_OK)
            return st;
    } else if (exists && zsi_rm_tree(d->final) != 0) {
        return zsi_errno(ctx, errno, "%s", d->final);
    }
    if (mkdir(d->root, 0777) != 0)
        return zsi_errno(ctx, errno, "%s: cannot create", d->root);
    if (flags & ZS_STORE_PARTIAL) {
        zs_status st = take_lock(ctx, d);
        if (st != ZS_OK)
            zsi_rm_tree(d->root);
        return st;
    }
    return ZS_OK;
}

/* Open the root (following a link: the root may be one), where every key
 * is resolved from. */
static zs_status open_root(zs_ctx *ctx, dir_store *d)
{
    d->root_fd = open(d->root, O_RDONLY | O_DIRECTORY | O_NONBLOCK |
                                   O_CLOEXEC);
    if (d->root_fd < 0 && errno == ENOTDIR)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: not a Zarr store (not a directory)", d->final);
    if (d->root_fd < 0)
        return zsi_errno(ctx, errno, "%s", d->final);
    if (!(d->real = fd_path(d->root_fd, d->root)))
        return zsi_errno(ctx, errno, "%s", d->final);
    return ZS_OK;
}

zs_status zsi_store_dir_open(zs_ctx *ctx, const char *path, unsigned flags,
                             zs_store **out)
{
    dir_store *d = calloc(1, sizeof *d);
    zs_store *s = NULL;
    zs_status st = ZS_OK;
    size_t n = strlen(path);
    if (!d)
        return zsi_nomem(ctx);
    while (n > 1 && path[n - 1] == '/')
        n--;
    d->lock_fd = -1;
    d->root_fd = -1;
    d->final = zsi_strndup(path, n);
    d->root = (flags & ZS_STORE_CREATE) && (flags & ZS_STORE_PARTIAL)
                  ? zsi_asprintf("%s.partial", d->final)
                  : zsi_strdup(d->final);
    if (!d->final || !d->root) {
        st = zsi_nomem(ctx);
        goto fail;
    }
    if (flags & ZS_STORE_CREATE)
        st = prepare_create(ctx, d, flags);
    if (st == ZS_OK)
        st = open_root(ctx, d);
    if (st == ZS_OK && (flags & ZSI_STORE_UPDATE))
        st = join_lock(ctx, d, false);
    if (st != ZS_OK)
        goto fail;
    st = zsi_store_alloc(ctx, d->final, flags, &dir_ops, &s);
    if (st != ZS_OK)
        goto fail;
    s->impl = d;
    s->caps = ZSI_STORE_CAN_LIST | ZSI_STORE_LOCAL_RANGE;
    if (flags & ZS_STORE_CREATE)
        s->caps |= ZSI_STORE_CAN_WRITE | ZSI_STORE_CONCURRENT_WRITES |
                   ZSI_STORE_RESUMABLE;
    if (flags & ZSI_STORE_UPDATE)
        s->caps |= ZSI_STORE_CAN_WRITE | ZSI_STORE_CONCURRENT_WRITES;
    *out = s;
    return ZS_OK;
fail:
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    if (d->root_fd >= 0)
        close(d->root_fd);
    free(d->final);
    free(d->root);
    free(d->real);
    free(d);
    return st;
}
