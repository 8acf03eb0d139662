/* batch_run.c - cutting the patches and writing the samples.
 *
 * Units are taken in order (or in the shuffle's order); each patch is
 * read variable by variable through the chunk cache, decoded (CF
 * packing, fill values as NaN) into doubles, padded with NaN past the
 * end of a padded window, and split into samples.  A sample whose share
 * of missing input values exceeds the bound is dropped; the others are
 * converted (missing values filled, masks added) and written:
 *
 *   npy  OUT.partial/X.npy and y.npy, one row per sample, written in
 *        order; the header's first length is set at the end (its room
 *        was reserved for the largest count);
 *   npz  OUT.partial/NNNNNN.npz per batch, a zip (through the zip
 *        store) of x.npy and y.npy;
 *   tar  NNNNNN.x.npy and NNNNNN.y.npy per batch, through the tar
 *        store (standard output for "-").
 *
 * The folder is a directory store opened PARTIAL, so that a failed run
 * leaves nothing and a finished one is renamed into place.  The index
 * is written beside as NAME.partial and renamed at the end. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/zsi_batch.h"

typedef struct bwriter {
    zs_batch *b;
    zs_store *dir;             /* npy, npz: the output folder */
    char *root;                /* its path while written */
    FILE *fx, *fy;             /* npy */
    size_t hx, hy;             /* their headers' lengths */
    zs_store *tar;
    zsi_buf bx, by;            /* npz, tar: the batch being filled */
    uint64_t inbatch;
    FILE *index;
    char *index_tmp;
    bool index_inside;         /* in the output folder */
    /* one sample: decoded values, then converted */
    double *dx, *dy;
    uint8_t *sx, *sy;
    /* one patch, per variable */
    double **px;
    void *raw;
    double *tmp;
    zsi_cfdecode *dec;
    uint64_t batch, pos;       /* of the next sample */
} bwriter;

/* ---- reading patches ---------------------------------------------------- */

/* Read variable v's part of the patch at start (decoded, NaN past the
 * end of the variable) into out. */
static zs_status read_patch_var(bwriter *wr, zs_var *v,
                                const zsi_cfdecode *dec,
                                const uint64_t *start, double *out)
{
    zs_batch *b = wr->b;
    uint64_t cnt[ZS_MAX_DIMS], zero[ZS_MAX_DIMS] = {0}, n = 1;
    bool whole = true;
    zs_status st;
    for (int d = 0; d < b->nd; d++) {
        uint64_t left = b->dims[d].len - start[d];
        cnt[d] = b->pshape[d] < left ? b->pshape[d] : left;
        whole = whole && cnt[d] == b->pshape[d];
        n *= cnt[d];
    }
    st = zs_var_read(v, start, cnt, wr->raw);
    if (st != ZS_OK)
        return st;
    if (whole) {
        zsi_cfdecode_row(dec, wr->raw, (size_t)n, out);
        return ZS_OK;
    }
    for (uint64_t i = 0; i < b->pelems; i++)
        out[i] = NAN;
    zsi_cfdecode_row(dec, wr->raw, (size_t)n, wr->tmp);
    zsi_nd_copy(b->nd, sizeof(double), wr->tmp, cnt, zero, out, b->pshape,
                zero, cnt);
    return ZS_OK;
}

static zs_status read_patch(bwriter *wr, uint64_t p, uint64_t *start)
{
    zs_batch *b = wr->b;
    zs_status st = ZS_OK;
    zsi_batch_patch_start(b, p, start);
    for (size_t i = 0; st == ZS_OK && i < b->nx + b->ny; i++)
        st = read_patch_var(wr, i < b->nx ? b->x[i] : b->y[i - b->nx],
                            &wr->dec[i], start, wr->px[i]);
    return st;
}

/* ---- converting samples ------------------------------------------------- */

/* Sample q of the current patch into dx, dy (a copy of the patch
 * without concat; with concat the input dims at position q of the
 * others). */
static void take_sample(bwriter *wr, uint64_t q, uint64_t *pos)
{
    zs_batch *b = wr->b;
    uint64_t off[ZS_MAX_DIMS], cnt[ZS_MAX_DIMS], zero[ZS_MAX_DIMS] = {0};
    for (int d = b->nd - 1; d >= 0; d--) {
        bool flat = b->o.concat && b->dims[d].kind != BD_INPUT;
        off[d] = flat ? q % b->pshape[d] : 0;
        cnt[d] = flat ? 1 : b->pshape[d];
        if (flat)
            q /= b->pshape[d];
        pos[d] = off[d];
    }
    for (size_t i = 0; i < b->nx + b->ny; i++) {
        double *dst = i < b->nx ? wr->dx + i * b->selems
                                : wr->dy + (i - b->nx) * b->selems;
        if (b->per_patch == 1)
            memcpy(dst, wr->px[i], (size_t)b->selems * sizeof *dst);
        else
            zsi_nd_copy(b->nd, sizeof(double), wr->px[i], b->pshape, off,
                        dst, cnt, zero, cnt);
    }
}

static uint64_t missing(const double *x, uint64_t n)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        m += isnan(x[i]) ? 1 : 0;
    return m;
}

static void put(zs_dtype t, uint8_t *dst, uint64_t i, double v)
{
    if (t == ZS_DT_FLOAT32) {
        float f = (float)v;
        memcpy(dst + i * 4, &f, 4);
    } else {
        memcpy(dst + i * 8, &v, 8);
    }
}

/* x: the channels (missing values filled if asked), then the masks. */
static void convert(const zs_batch *b, const double *src, size_t nvar,
                    bool fill, uint8_t *dst)
{
    uint64_t n = b->selems;
    bool doit = fill && !isnan(b->o.fill);
    for (uint64_t i = 0; i < nvar * n; i++)
        put(b->o.dtype, dst, i, doit && isnan(src[i]) ? b->o.fill : src[i]);
    if (fill && b->o.mask)
        for (uint64_t i = 0; i < nvar * n; i++)
            put(b->o.dtype, dst, nvar * n + i, isnan(src[i]) ? 0.0 : 1.0);
}

/* ---- output ------------------------------------------------------------- */

static uint64_t sample_bytes(const zs_batch *b, size_t c)
{
    return c * b->selems * b->esize;
}

/* Shape (N, C, sample...) of an array of n samples. */
static int full_shape(const zs_batch *b, uint64_t n, size_t c,
                      uint64_t *shape)
{
    shape[0] = n;
    shape[1] = c;
    for (int k = 0; k < b->sd; k++)
        shape[2 + k] = b->sshape[k];
    return b->sd + 2;
}

static zs_status npy_open(bwriter *wr, const char *name, size_t c, FILE **f,
                          size_t *hlen)
{
    zs_batch *b = wr->b;
    uint64_t shape[ZS_MAX_DIMS + 2];
    zsi_buf h = ZSI_BUF_INIT;
    char *path = zsi_path_join(wr->root, name);
    int nd = full_shape(b, b->nsamples, c, shape);
    zs_status st = path ? zsi_npy_header(b->ctx, b->o.dtype, nd, shape, 0,
                                         &h)
                        : zsi_nomem(b->ctx);
    if (st == ZS_OK && !(*f = fopen(path, "wb")))
        st = zsi_errno(b->ctx, errno, "%s", path);
    if (st == ZS_OK && fwrite(h.data, 1, h.len, *f) != h.len)
        st = zsi_errno(b->ctx, errno, "%s", path);
    *hlen = h.len;
    zsi_buf_free(&h);
    free(path);
    return st;
}

/* The header again, with the count of samples written. */
static zs_status npy_close(bwriter *wr, FILE **f, size_t c, size_t hlen)
{
    zs_batch *b = wr->b;
    uint64_t shape[ZS_MAX_DIMS + 2];
    zsi_buf h = ZSI_BUF_INIT;
    int nd = full_shape(b, b->written, c, shape);
    zs_status st = zsi_npy_header(b->ctx, b->o.dtype, nd, shape, hlen, &h);
    if (st == ZS_OK && h.len != hlen)
        st = zsi_err(b->ctx, ZS_ERR_RANGE, "npy: header grew");
    if (st == ZS_OK && (fseek(*f, 0, SEEK_SET) != 0 ||
                        fwrite(h.data, 1, h.len, *f) != h.len))
        st = zsi_errno(b->ctx, errno, "%s: writing X.npy", wr->root);
    if (fclose(*f) != 0 && st == ZS_OK)
        st = zsi_errno(b->ctx, errno, "%s: writing X.npy", wr->root);
    *f = NULL;
    zsi_buf_free(&h);
    return st;
}

/* One array of the current batch as .npy bytes. */
static zs_status npy_bytes(bwriter *wr, const zsi_buf *data, size_t c,
                           zsi_buf *out)
{
    uint64_t shape[ZS_MAX_DIMS + 2];
    int nd = full_shape(wr->b, wr->inbatch, c, shape);
    zs_status st = zsi_npy_header(wr->b->ctx, wr->b->o.dtype, nd, shape, 0,
                                  out);
    if (st == ZS_OK && !zsi_buf_append(out, data->data, data->len))
        st = zsi_nomem(wr->b->ctx);
    return st;
}

static zs_status flush_npz(bwriter *wr, const zsi_buf *x, const zsi_buf *y)
{
    zs_batch *b = wr->b;
    char name[48];
    char *path;
    zs_store *z = NULL;
    zs_status st;
    snprintf(name, sizeof name, "%06llu.npz", (unsigned long long)wr->batch);
    if (!(path = zsi_asprintf("zip://%s/%s", wr->root, name)))
        return zsi_nomem(b->ctx);
    st = zs_store_open(b->ctx, path, ZS_STORE_CREATE, &z);
    if (st == ZS_OK)
        st = zs_store_set(z, "x.npy", x->data, x->len);
    if (st == ZS_OK && b->ny)
        st = zs_store_set(z, "y.npy", y->data, y->len);
    if (st == ZS_OK)
        st = zs_store_commit(z);
    zs_store_close(z);
    free(path);
    return st;
}

static zs_status flush_tar(bwriter *wr, const zsi_buf *x, const zsi_buf *y)
{
    char name[48];
    zs_status st;
    snprintf(name, sizeof name, "%06llu.x.npy",
             (unsigned long long)wr->batch);
    st = zs_store_set(wr->tar, name, x->data, x->len);
    snprintf(name, sizeof name, "%06llu.y.npy",
             (unsigned long long)wr->batch);
    if (st == ZS_OK && wr->b->ny)
        st = zs_store_set(wr->tar, name, y->data, y->len);
    return st;
}

/* The batch filled so far, written (npz, tar). */
static zs_status flush(bwriter *wr)
{
    zs_batch *b = wr->b;
    zsi_buf x = ZSI_BUF_INIT, y = ZSI_BUF_INIT;
    zs_status st;
    if (!wr->inbatch || b->o.format == ZS_BATCH_NPY)
        return ZS_OK;
    st = npy_bytes(wr, &wr->bx, b->cx, &x);
    if (st == ZS_OK && b->ny)
        st = npy_bytes(wr, &wr->by, b->cy, &y);
    if (st == ZS_OK)
        st = b->o.format == ZS_BATCH_NPZ ? flush_npz(wr, &x, &y)
                                         : flush_tar(wr, &x, &y);
    zsi_buf_free(&x);
    zsi_buf_free(&y);
    wr->bx.len = wr->by.len = 0;
    wr->inbatch = 0;
    return st;
}

/* The batch is complete (written for npz and tar). */
static zs_status end_batch(bwriter *wr)
{
    zs_status st = flush(wr);
    wr->batch++;
    wr->pos = 0;
    return st;
}

/* ---- the index ---------------------------------------------------------- */

/* The index is written as NAME.partial and renamed at the end; inside
 * the output folder (OUT/NAME) it is written in OUT.partial and comes
 * with the folder. */
static zs_status index_open(bwriter *wr, const char *out)
{
    zs_batch *b = wr->b;
    size_t len = strlen(out);
    bool ok;
    if (!b->o.index)
        return ZS_OK;
    while (len > 1 && out[len - 1] == '/')
        len--;
    wr->index_inside = wr->root && !strncmp(b->o.index, out, len) &&
                       b->o.index[len] == '/' && b->o.index[len + 1];
    wr->index_tmp = wr->index_inside
                        ? zsi_asprintf("%s%s", wr->root, b->o.index + len)
                        : zsi_asprintf("%s.partial", b->o.index);
    if (!wr->index_tmp)
        return zsi_nomem(b->ctx);
    if (!b->overwrite && !wr->index_inside &&
        access(b->o.index, F_OK) == 0)
        return zsi_err(b->ctx, ZS_ERR_EXISTS, "%s: output exists",
                       b->o.index);
    if (!(wr->index = fopen(wr->index_tmp, "w")))
        return zsi_errno(b->ctx, errno, "%s", wr->index_tmp);
    ok = fputs("row,batch,position,patch", wr->index) >= 0;
    for (int d = 0; ok && d < b->nd; d++) {
        const char *n = b->dims[d].name;
        bool flat = b->o.concat && b->dims[d].kind != BD_INPUT;
        ok = (flat ? fprintf(wr->index, ",%s_index,%s", n, n)
                   : fprintf(wr->index, ",%s_start,%s_stop,%s", n, n, n)) > 0;
    }
    ok = ok && fputc('\n', wr->index) != EOF;
    return ok ? ZS_OK : zsi_errno(b->ctx, errno, "%s", wr->index_tmp);
}

static zs_status index_row(bwriter *wr, uint64_t p, const uint64_t *start,
                           const uint64_t *pos)
{
    zs_batch *b = wr->b;
    char lab[ZS_DATETIME_MAX + 32];
    bool ok;
    if (!wr->index)
        return ZS_OK;
    ok = fprintf(wr->index, "%llu,%llu,%llu,%llu",
                 (unsigned long long)b->written,
                 (unsigned long long)wr->batch,
                 (unsigned long long)wr->pos, (unsigned long long)p) > 0;
    for (int d = 0; ok && d < b->nd; d++) {
        const bdim *bd = &b->dims[d];
        uint64_t i = start[d] + pos[d];
        zsi_labels_format(&bd->lab, i, lab, sizeof lab);
        if (b->o.concat && bd->kind != BD_INPUT)
            ok = fprintf(wr->index, ",%llu,%s", (unsigned long long)i,
                         lab) > 0;
        else
            ok = fprintf(wr->index, ",%llu,%llu,%s",
                         (unsigned long long)start[d],
                         (unsigned long long)(start[d] + bd->win), lab) > 0;
    }
    ok = ok && fputc('\n', wr->index) != EOF;
    return ok ? ZS_OK : zsi_errno(b->ctx, errno, "%s", wr->index_tmp);
}

/* ---- samples ------------------------------------------------------------ */

static zs_status write_sample(bwriter *wr)
{
    zs_batch *b = wr->b;
    uint64_t nx = sample_bytes(b, b->cx), ny = sample_bytes(b, b->cy);
    convert(b, wr->dx, b->nx, true, wr->sx);
    if (b->ny)
        convert(b, wr->dy, b->ny, false, wr->sy);
    if (b->o.format == ZS_BATCH_NPY) {
        if (fwrite(wr->sx, 1, (size_t)nx, wr->fx) != nx ||
            (b->ny && fwrite(wr->sy, 1, (size_t)ny, wr->fy) != ny))
            return zsi_errno(b->ctx, errno, "%s: writing", wr->root);
        return ZS_OK;
    }
    if (!zsi_buf_append(&wr->bx, wr->sx, (size_t)nx) ||
        (b->ny && !zsi_buf_append(&wr->by, wr->sy, (size_t)ny)))
        return zsi_nomem(b->ctx);
    wr->inbatch++;
    return ZS_OK;
}

/* The samples of patch p (read): dropped, or written and indexed. */
static zs_status emit_patch(bwriter *wr, uint64_t p, const uint64_t *start)
{
    zs_batch *b = wr->b;
    uint64_t pos[ZS_MAX_DIMS];
    zs_status st = ZS_OK;
    for (uint64_t q = 0; st == ZS_OK && q < b->per_patch; q++) {
        uint64_t m;
        take_sample(wr, q, pos);
        m = missing(wr->dx, b->nx * b->selems);
        if ((double)m > b->o.max_nan * (double)(b->nx * b->selems)) {
            b->dropped++;
            continue;
        }
        st = write_sample(wr);
        if (st == ZS_OK)
            st = index_row(wr, p, start, pos);
        b->written++;
        wr->pos++;
        if (st == ZS_OK && !b->o.concat && wr->pos == b->o.batch_size)
            st = end_batch(wr);
    }
    return st;
}

static zs_status run_units(bwriter *wr, const uint64_t *perm)
{
    zs_batch *b = wr->b;
    uint64_t start[ZS_MAX_DIMS];
    zs_status st = ZS_OK;
    for (uint64_t k = 0; st == ZS_OK && k < b->nunits; k++) {
        uint64_t u = perm ? perm[k] : k;
        uint64_t from = b->uoff ? b->uoff[u] : u;
        uint64_t to = b->uoff ? b->uoff[u + 1] : u + 1;
        for (uint64_t i = from; st == ZS_OK && i < to; i++) {
            uint64_t p = b->upatch ? b->upatch[i] : i;
            st = read_patch(wr, p, start);
            if (st == ZS_OK)
                st = emit_patch(wr, p, start);
        }
        /* with concat a unit is a batch; an empty one is not written */
        if (st == ZS_OK && b->o.concat && wr->pos)
            st = end_batch(wr);
        if (st == ZS_OK)
            st = zsi_progress(b->ctx, k + 1, b->nunits);
    }
    if (st == ZS_OK && wr->pos)
        st = end_batch(wr);
    b->batches = wr->batch;
    return st;
}

/* ---- setting up and finishing ------------------------------------------- */

static bool is_folder_name(const char *out)
{
    return strcmp(out, "-") && !strstr(out, "://") &&
           !zsi_str_ends_ci(out, ".zip") && !zsi_str_ends_ci(out, ".tar");
}

static zs_status open_outputs(bwriter *wr, const char *out)
{
    zs_batch *b = wr->b;
    unsigned fl = ZS_STORE_CREATE | ZS_STORE_PARTIAL |
                  (b->overwrite ? ZS_STORE_OVERWRITE : 0);
    size_t n = strlen(out);
    zs_status st;
    if (b->o.format == ZS_BATCH_TAR)
        return zs_store_open(b->ctx, out, strcmp(out, "-") ? fl
                             : ZS_STORE_CREATE, &wr->tar);
    if (!is_folder_name(out))
        return zsi_err(b->ctx, ZS_ERR_INVALID, "%s: the npy and npz batch "
                       "formats write a folder (a tar stream goes to - or "
                       "NAME.tar)", out);
    st = zs_store_open(b->ctx, out, fl, &wr->dir);
    while (n > 1 && out[n - 1] == '/')
        n--;
    if (st == ZS_OK && !(wr->root = zsi_asprintf("%.*s.partial", (int)n,
                                                  out)))
        st = zsi_nomem(b->ctx);
    if (st == ZS_OK && b->o.format == ZS_BATCH_NPY)
        st = npy_open(wr, "X.npy", b->cx, &wr->fx, &wr->hx);
    if (st == ZS_OK && b->o.format == ZS_BATCH_NPY && b->ny)
        st = npy_open(wr, "y.npy", b->cy, &wr->fy, &wr->hy);
    return st;
}

static zs_status alloc_buffers(bwriter *wr)
{
    zs_batch *b = wr->b;
    size_t nv = b->nx + b->ny, maxw = 8;
    bool ok;
    for (size_t i = 0; i < nv; i++) {
        zs_var *v = i < b->nx ? b->x[i] : b->y[i - b->nx];
        if (zs_var_itemsize(v) > maxw)
            maxw = zs_var_itemsize(v);
    }
    wr->px = calloc(nv, sizeof *wr->px);
    wr->dec = calloc(nv, sizeof *wr->dec);
    wr->raw = malloc((size_t)b->pelems * maxw);
    wr->tmp = malloc((size_t)b->pelems * sizeof *wr->tmp);
    wr->dx = malloc((size_t)(b->nx * b->selems) * sizeof *wr->dx);
    wr->dy = malloc((size_t)(b->ny * b->selems + 1) * sizeof *wr->dy);
    wr->sx = malloc((size_t)sample_bytes(b, b->cx));
    wr->sy = malloc((size_t)sample_bytes(b, b->cy) + 1);
    ok = wr->px && wr->dec && wr->raw && wr->tmp && wr->dx && wr->dy &&
         wr->sx && wr->sy;
    for (size_t i = 0; ok && i < nv; i++) {
        zs_var *v = i < b->nx ? b->x[i] : b->y[i - b->nx];
        ok = (wr->px[i] = malloc((size_t)b->pelems * sizeof(double))) != NULL;
        zsi_cfdecode_init(&wr->dec[i], v);
    }
    return ok ? ZS_OK : zsi_nomem(b->ctx);
}

static void free_buffers(bwriter *wr)
{
    for (size_t i = 0; wr->px && i < wr->b->nx + wr->b->ny; i++)
        free(wr->px[i]);
    free(wr->px);
    free(wr->dec);
    free(wr->raw);
    free(wr->tmp);
    free(wr->dx);
    free(wr->dy);
    free(wr->sx);
    free(wr->sy);
    zsi_buf_free(&wr->bx);
    zsi_buf_free(&wr->by);
}

static zs_status finish(bwriter *wr)
{
    zs_batch *b = wr->b;
    zs_status st = ZS_OK;
    if (wr->fx)
        st = npy_close(wr, &wr->fx, b->cx, wr->hx);
    if (st == ZS_OK && wr->fy)
        st = npy_close(wr, &wr->fy, b->cy, wr->hy);
    if (st == ZS_OK && wr->index) {
        if (fclose(wr->index) != 0)
            st = zsi_errno(b->ctx, errno, "%s", wr->index_tmp);
        wr->index = NULL;
    }
    if (st == ZS_OK && wr->dir)
        st = zs_store_commit(wr->dir);
    if (st == ZS_OK && wr->tar)
        st = zs_store_commit(wr->tar);
    if (st == ZS_OK && wr->index_tmp && !wr->index_inside &&
        rename(wr->index_tmp, b->o.index) != 0)
        st = zsi_errno(b->ctx, errno, "%s", b->o.index);
    return st;
}

/* A failed run: what it wrote goes away, the first message stays. */
static void discard(bwriter *wr, zs_status st)
{
    char msg[ZSI_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", zs_ctx_message(wr->b->ctx));
    if (wr->fx)
        fclose(wr->fx);
    if (wr->fy)
        fclose(wr->fy);
    if (wr->index)
        fclose(wr->index);
    if (wr->index_tmp && !wr->index_inside)
        unlink(wr->index_tmp);
    if (wr->dir)
        zs_store_discard(wr->dir);
    if (wr->tar)
        zs_store_discard(wr->tar);
    zsi_err(wr->b->ctx, st, "%s", msg);
}

zs_status zs_batch_run(zs_batch *b, const char *out)
{
    bwriter wr;
    uint64_t *perm = NULL;
    size_t cache = zsi_ctx_cache_bytes(b->ctx);
    zs_status st;
    memset(&wr, 0, sizeof wr);
    wr.b = b;
    b->written = b->dropped = b->batches = 0;
    zs_ctx_set_cache_bytes(b->ctx, (size_t)b->cache);
    st = zsi_batch_order(b, &perm);
    if (st == ZS_OK)
        st = alloc_buffers(&wr);
    if (st == ZS_OK)
        st = open_outputs(&wr, out);
    if (st == ZS_OK)
        st = index_open(&wr, out);
    if (st == ZS_OK)
        st = run_units(&wr, perm);
    if (st == ZS_OK)
        st = finish(&wr);
    if (st != ZS_OK)
        discard(&wr, st);
    zs_store_close(wr.dir);
    zs_store_close(wr.tar);
    free(wr.root);
    free(wr.index_tmp);
    free_buffers(&wr);
    free(perm);
    zs_ctx_set_cache_bytes(b->ctx, cache);
    return st;
}
