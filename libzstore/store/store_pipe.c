/* store_pipe.c - a write-only store that sends what is written down a
 * file descriptor as frames, and the reader of those frames.
 *
 * Worker processes cannot write to a store that is neither thread- nor
 * process-safe (a zip file, a tar stream, a memory store of the parent):
 * they write to a pipe store instead and the parent replays the frames
 * on the real store, in the order it chooses (by tag).
 *
 * A frame: 'Z', op ('S' set, 'E' erase, 'T' end of a tag), tag (u64),
 * key length (u32), value length (u64), key, value; numbers in host
 * order (both ends are the same program). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_impl.h"

#define HDR (1 + 1 + 8 + 4 + 8)

typedef struct pipe_store {
    int fd;
    uint64_t tag;
} pipe_store;

static zs_status send_all(zs_store *s, const void *p, size_t n)
{
    pipe_store *ps = s->impl;
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(ps->fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return zsi_errno(s->ctx, w < 0 ? errno : EIO,
                             "%s: cannot send to the parent process", s->name);
        b += w;
        n -= (size_t)w;
    }
    return ZS_OK;
}

static zs_status send_frame(zs_store *s, char op, const char *key,
                            const void *data, size_t len)
{
    pipe_store *ps = s->impl;
    uint8_t h[HDR];
    uint32_t kl = (uint32_t)strlen(key);
    uint64_t vl = len;
    zs_status st;
    h[0] = 'Z';
    h[1] = (uint8_t)op;
    memcpy(h + 2, &ps->tag, 8);
    memcpy(h + 10, &kl, 4);
    memcpy(h + 14, &vl, 8);
    st = send_all(s, h, sizeof h);
    if (st == ZS_OK)
        st = send_all(s, key, kl);
    if (st == ZS_OK && len)
        st = send_all(s, data, len);
    return st;
}

static zs_status pipe_get(zs_store *s, const char *key, zsi_buf *out,
                          int *found)
{
    (void)s;
    (void)key;
    (void)out;
    *found = 0;   /* nothing is read back: writers cover whole chunks */
    return ZS_OK;
}

static zs_status pipe_set(zs_store *s, const char *key, const void *data,
                          size_t len)
{
    zs_status st = send_frame(s, 'S', key, data, len);
    if (st == ZS_OK)
        zsi_store_count(s, 1, 0, len);
    return st;
}

static zs_status pipe_erase(zs_store *s, const char *key)
{
    return send_frame(s, 'E', key, NULL, 0);
}

static void pipe_close(zs_store *s)
{
    free(s->impl);
}

static const zsi_store_ops pipe_ops = {
    .kind = "pipe",
    .get = pipe_get,
    .set = pipe_set,
    .erase = pipe_erase,
    .close = pipe_close,
};

zs_status zsi_store_pipe_open(zs_ctx *ctx, const char *name, int fd,
                              zs_store **out)
{
    zs_store *s;
    zs_status st = zsi_store_alloc(ctx, name, ZS_STORE_CREATE, &pipe_ops, &s);
    if (st != ZS_OK)
        return st;
    if (!(s->impl = calloc(1, sizeof(pipe_store)))) {
        zs_store_close(s);
        return zsi_nomem(ctx);
    }
    ((pipe_store *)s->impl)->fd = fd;
    s->caps = ZSI_STORE_CAN_WRITE;
    *out = s;
    return ZS_OK;
}

zs_status zsi_store_pipe_end_tag(zs_store *s, uint64_t tag)
{
    pipe_store *ps = s->impl;
    zs_status st;
    ps->tag = tag;
    st = send_frame(s, 'T', "", NULL, 0);
    ps->tag = tag + 1;
    return st;
}

void zsi_store_pipe_set_tag(zs_store *s, uint64_t tag)
{
    ((pipe_store *)s->impl)->tag = tag;
}

/* ---- the reading end ------------------------------------------------------ */

void zsi_frames_free(zsi_frames *f)
{
    zsi_buf_free(&f->pending);
}

zs_status zsi_frames_feed(zs_ctx *ctx, zsi_frames *f, const char *data,
                          size_t n, zsi_frame_fn fn, void *user)
{
    size_t used = 0;
    zs_status st = ZS_OK;
    if (!zsi_buf_append(&f->pending, data, n))
        return zsi_nomem(ctx);
    while (st == ZS_OK && f->pending.len - used >= HDR) {
        const uint8_t *h = f->pending.data + used;
        uint64_t tag, vl;
        uint32_t kl;
        char *key;
        memcpy(&tag, h + 2, 8);
        memcpy(&kl, h + 10, 4);
        memcpy(&vl, h + 14, 8);
        if (h[0] != 'Z' || !strchr("SET", h[1]) || kl > 65535 ||
            vl > (uint64_t)SIZE_MAX / 2)
            return zsi_err(ctx, ZS_ERR_CHILD, "a worker process sent a "
                           "malformed frame");
        if (f->pending.len - used < HDR + kl + vl)
            break;
        key = zsi_strndup((const char *)h + HDR, kl);
        if (!key)
            return zsi_nomem(ctx);
        st = fn(user, h[1], tag, key, h + HDR + kl, (size_t)vl);
        free(key);
        used += HDR + kl + (size_t)vl;
    }
    memmove(f->pending.data, f->pending.data + used, f->pending.len - used);
    f->pending.len -= used;
    return st;
}
