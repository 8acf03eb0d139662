/* store_zipdir.c - a zip file written through a folder, for work that
 * later runs continue (ZSI_STORE_CONTINUE: a resumed conversion, parts
 * on several machines of a shared file system).
 *
 * A zip has one writer and no record of what a killed one wrote: its
 * directory comes last.  So the work goes into the folder NAME.partial/
 * (a directory store, store_dir.c, continued, locked and tidied as a
 * folder output is: ZSI_STORE_SIDECAR), whose every value is whole or
 * absent, and the commit packs it into the zip: every key, in sorted
 * order, into NAME.packing (a zip store), which is synced and renamed to
 * NAME; the folder is then removed.  A crash before the rename leaves
 * the folder whole (and a NAME.packing that the next commit replaces);
 * after it, a complete zip and a folder that the next run of the same
 * output removes.  A NAME.partial that is a file (a zip whose writer was
 * killed: no directory, nothing to continue) is removed at open.
 * Reads after the commit come from the zip. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_impl.h"

typedef struct zipdir_store {
    zs_store *dir;      /* NAME.partial/ */
    zs_store *zip;      /* NAME, once packed */
    char *final;        /* NAME */
    char *folder;       /* NAME.partial */
} zipdir_store;

/* Where reads go: the folder, or the zip once packed. */
static zs_store *now(zs_store *s)
{
    zipdir_store *d = s->impl;
    return d->zip ? d->zip : d->dir;
}

static zs_status zd_get(zs_store *s, const char *key, zsi_buf *out,
                        int *found)
{
    zs_store *t = now(s);
    return t->ops->get(t, key, out, found);
}

static zs_status zd_get_range(zs_store *s, const char *key, uint64_t off,
                              uint64_t len, zsi_buf *out, int *found)
{
    zs_store *t = now(s);
    return t->ops->get_range(t, key, off, len, out, found);
}

static zs_status zd_size(zs_store *s, const char *key, uint64_t *size,
                         int *found)
{
    zs_store *t = now(s);
    return t->ops->size(t, key, size, found);
}

static zs_status zd_list(zs_store *s, const char *prefix, zs_key_fn fn,
                         void *user)
{
    zs_store *t = now(s);
    return t->ops->list(t, prefix, fn, user);
}

static zs_status packed_already(zs_store *s)
{
    return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: written after it was "
                   "packed into the zip file", s->name);
}

static zs_status zd_set(zs_store *s, const char *key, const void *data,
                        size_t len)
{
    zipdir_store *d = s->impl;
    if (d->zip)
        return packed_already(s);
    return d->dir->ops->set(d->dir, key, data, len);
}

static zs_status zd_erase(zs_store *s, const char *key)
{
    zipdir_store *d = s->impl;
    if (d->zip)
        return packed_already(s);
    return d->dir->ops->erase(d->dir, key);
}

static zs_status zd_sync(zs_store *s)
{
    zipdir_store *d = s->impl;
    return d->dir->ops->sync ? d->dir->ops->sync(d->dir) : ZS_OK;
}

/* Every key of the folder into zip, in sorted order. */
static zs_status pack(zs_store *s, zs_store *zip)
{
    zipdir_store *d = s->impl;
    zsi_strv keys = {0};
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_store_list_all(d->dir, "", &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++) {
        int found = 0;
        st = zsi_store_get(d->dir, keys.v[i], &b, &found);
        if (st == ZS_OK && found)
            st = zs_store_set(zip, keys.v[i], b.data, b.len);
    }
    zsi_buf_free(&b);
    zsi_strv_free(&keys);
    return st;
}

static zs_status zd_commit(zs_store *s)
{
    zipdir_store *d = s->impl;
    zs_store *zip = NULL;
    char *tmp;
    zs_status st;
    if (d->zip)
        return ZS_OK;
    st = d->dir->ops->commit(d->dir);     /* tidies */
    if (st != ZS_OK)
        return st;
    if (!(tmp = zsi_asprintf("%s.packing", d->final)))
        return zsi_nomem(s->ctx);
    st = zsi_store_zip_create_at(s->ctx, s->name, d->final, tmp,
                                 s->flags & ZS_STORE_OVERWRITE, &zip);
    free(tmp);
    if (st == ZS_OK)
        st = pack(s, zip);
    if (st == ZS_OK)
        st = zs_store_commit(zip);
    if (st != ZS_OK) {
        if (zip)
            zs_store_discard(zip);
        zs_store_close(zip);
        return st;
    }
    d->zip = zip;
    if (zsi_rm_tree(d->folder) != 0 && errno != ENOENT)
        return zsi_errno(s->ctx, errno, "%s: removing", d->folder);
    return ZS_OK;
}

static zs_status zd_discard(zs_store *s)
{
    zipdir_store *d = s->impl;
    return d->dir->ops->discard(d->dir);
}

static void zd_close(zs_store *s)
{
    zipdir_store *d = s->impl;
    if (!d)
        return;
    zs_store_close(d->dir);
    zs_store_close(d->zip);
    free(d->final);
    free(d->folder);
    free(d);
}

static const zsi_store_ops zipdir_ops = {
    .kind = "zip",
    .get = zd_get,
    .get_range = zd_get_range,
    .size = zd_size,
    .set = zd_set,
    .erase = zd_erase,
    .list = zd_list,
    .commit = zd_commit,
    .discard = zd_discard,
    .close = zd_close,
    .sync = zd_sync,
};

/* The zip must be free (or replaced); a partial zip file of a killed
 * writer goes. */
static zs_status check_names(zs_ctx *ctx, const char *name,
                             zipdir_store *d, unsigned flags)
{
    struct stat stt;
    if (lstat(d->final, &stt) == 0) {
        if (!(flags & ZS_STORE_OVERWRITE))
            return zsi_err(ctx, ZS_ERR_EXISTS, "%s: output exists", name);
        if (!S_ISREG(stt.st_mode))
            return zsi_err(ctx, ZS_ERR_EXISTS, "%s: exists and is not a "
                           "file", name);
    }
    if (lstat(d->folder, &stt) == 0 && S_ISREG(stt.st_mode) &&
        unlink(d->folder) != 0)
        return zsi_errno(ctx, errno, "%s", d->folder);
    return ZS_OK;
}

zs_status zsi_store_zipdir_open(zs_ctx *ctx, const char *name,
                                const char *path, unsigned flags,
                                zs_store **out)
{
    zipdir_store *d = calloc(1, sizeof *d);
    zs_store *s = NULL;
    zs_status st;
    *out = NULL;
    if (!d)
        return zsi_nomem(ctx);
    d->final = zsi_strdup(path);
    d->folder = zsi_asprintf("%s.partial", path);
    st = d->final && d->folder ? check_names(ctx, name, d, flags)
                               : zsi_nomem(ctx);
    if (st == ZS_OK)
        st = zsi_store_dir_open(ctx, path, flags | ZSI_STORE_SIDECAR,
                                &d->dir);
    if (st == ZS_OK)
        st = zsi_store_alloc(ctx, name, flags, &zipdir_ops, &s);
    if (st != ZS_OK) {
        zs_store_close(d->dir);
        free(d->final);
        free(d->folder);
        free(d);
        return st;
    }
    s->impl = d;
    s->caps = zsi_store_caps(d->dir);
    *out = s;
    return ZS_OK;
}
