/* nc_direct.c - reading NetCDF-4 variables chunk by chunk through HDF5's
 * direct chunk read, decoding the chunks with our codecs.  netCDF-C would
 * inflate every chunk inside HDF5 under the process-wide lock (one core)
 * and keep a 16 MiB chunk cache per variable; here only the raw read
 * holds the lock, libdeflate inflates about twice as fast as zlib, and
 * chunks of one read are decoded in parallel.  Variables with filters we
 * do not know, or not chunked, are read by netCDF-C as before. */
#include "config.h"

#include <hdf5.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

#include "codec/zsi_codec.h"
/* a back-end of the dataset layer: it builds variables */
#include "dataset/dataset_impl.h"
#include "netcdf/zsi_nc.h"

bool zsi_nc_remember(nc_file *f, zsi_nc_var *v)
{
    if (f->nvars == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        zsi_nc_var **p = realloc(f->vars, cap * sizeof *p);
        if (!p)
            return false;
        f->vars = p;
        f->cap = cap;
    }
    f->vars[f->nvars++] = v;
    return true;
}

static bool host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* Codecs for the filter pipeline of a dataset; false if any is one we
 * cannot decode (the variable is then read by netCDF-C). */
static bool pipeline(zs_ctx *ctx, hid_t dcpl, zsi_nc_var *vi, size_t w)
{
    int n = H5Pget_nfilters(dcpl);
    zsi_codec_info ci;
    memset(&ci, 0, sizeof ci);
    ci.dtype = ZS_DT_UINT8;
    ci.itemsize = 1;
    if (n < 0 || n > 4)
        return false;
    for (int i = 0; i < n; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        zsi_kv kv = {NULL, 0};
        const char *id = NULL;
        zs_status st;
        H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd,
                                        0, NULL, NULL);
        if (f == H5Z_FILTER_DEFLATE) {
            id = "zlib";
            zsi_kv_set_int(&kv, "level", 1);
        } else if (f == H5Z_FILTER_SHUFFLE) {
            id = "shuffle";
            zsi_kv_set_int(&kv, "elementsize", ncd ? (int64_t)cd[0]
                                                   : (int64_t)w);
        } else {
            return false;
        }
        st = zsi_codec_new(ctx, id, &kv, &ci, &vi->codec[i]);
        zsi_kv_free(&kv);
        if (st != ZS_OK)
            return false;
        vi->nfilters = i + 1;
    }
    return true;
}

/* Under the lock: open the dataset of v and check that we can read it. */
static void probe(zs_var *v, nc_file *f, zsi_nc_var *vi)
{
    zs_ctx *ctx = v->g->ds->ctx;
    hsize_t dims[ZS_MAX_DIMS];
    hid_t d = -1, dcpl = -1, t = -1, nt = -1;
    char *path = zsi_asprintf("/%s", v->path);
    bool ok = false;
    vi->probed = 1;
    if (!path)
        return;
    H5E_BEGIN_TRY {
        if (f->h5 < 0 && !f->h5_failed) {
            f->h5 = H5Fopen(v->g->ds->name, H5F_ACC_RDONLY, H5P_DEFAULT);
            f->h5_failed = f->h5 < 0;
        }
        if (f->h5 >= 0 && (d = H5Dopen2(f->h5, path, H5P_DEFAULT)) >= 0 &&
            (dcpl = H5Dget_create_plist(d)) >= 0 &&
            H5Pget_layout(dcpl) == H5D_CHUNKED &&
            H5Pget_chunk(dcpl, ZS_MAX_DIMS, dims) == v->ndim &&
            (t = H5Dget_type(d)) >= 0 &&
            (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT)
            && H5Tget_size(t) == v->itemsize &&
            (nt = H5Tget_native_type(t, H5T_DIR_DEFAULT)) >= 0 &&
            H5Pget_fill_value(dcpl, nt, vi->fill) >= 0 &&
            pipeline(ctx, dcpl, vi, v->itemsize))
            ok = true;
    } H5E_END_TRY;
    free(path);
    if (ok) {
        for (int i = 0; i < v->ndim; i++)
            vi->chunk[i] = dims[i];
        vi->itemsize = v->itemsize;
        vi->swap = (H5Tget_order(t) == H5T_ORDER_BE) != host_big_endian()
                   && v->itemsize > 1;
        vi->dset = d;
        d = -1;
    }
    if (nt >= 0) H5Tclose(nt);
    if (t >= 0) H5Tclose(t);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (d >= 0) H5Dclose(d);
}

bool zsi_nc_direct_usable(zs_var *v)
{
    nc_file *f = v->g->ds->impl;
    zsi_nc_var *vi = v->bk;
    if (!vi || v->dtype == ZS_DT_STRING || v->ndim == 0 ||
        (f->format != NC_FORMAT_NETCDF4 &&
         f->format != NC_FORMAT_NETCDF4_CLASSIC))
        return false;
    if (!vi->probed) {
        zsi_nc_lock();
        if (!vi->probed)
            probe(v, f, vi);
        zsi_nc_unlock();
    }
    return vi->dset >= 0;
}

typedef struct djob {
    zs_var *v;
    zsi_nc_var *vi;
    const uint64_t *start, *count;
    uint8_t *out;
    uint64_t lo[ZS_MAX_DIMS], n[ZS_MAX_DIMS];
} djob;

/* Decode one raw chunk through the filters, last first, skipping those
 * the chunk's filter mask says were not applied. */
static zs_status decode_chunk(zs_ctx *ctx, const zsi_nc_var *vi,
                              unsigned mask, zsi_buf *raw, size_t bytes,
                              zsi_buf *out)
{
    for (int i = vi->nfilters - 1; i >= 0; i--) {
        const zsi_codec *c = vi->codec[i];
        zs_status st;
        if (mask & (1u << i))
            continue;
        st = c->cls->decode(c->state, ctx, raw->data, raw->len, out, bytes);
        if (st != ZS_OK)
            return st;
        zsi_buf_swap(raw, out);
    }
    if (raw->len != bytes)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "chunk of %zu bytes, expected "
                       "%zu", raw->len, bytes);
    zsi_buf_swap(raw, out);
    return ZS_OK;
}

static zs_status chunk_task(void *arg, size_t i)
{
    djob *j = arg;
    zs_var *v = j->v;
    zsi_nc_var *vi = j->vi;
    zs_ctx *ctx = v->g->ds->ctx;
    hsize_t off[ZS_MAX_DIMS];
    uint64_t c0[ZS_MAX_DIMS], soff[ZS_MAX_DIMS], doff[ZS_MAX_DIMS];
    uint64_t cnt[ZS_MAX_DIMS], k = i, bytes = vi->itemsize;
    uint32_t mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    zsi_buf raw = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    for (int d = v->ndim - 1; d >= 0; d--) {
        uint64_t cidx = j->lo[d] + k % j->n[d];
        k /= j->n[d];
        c0[d] = cidx * vi->chunk[d];
        off[d] = c0[d];
        bytes *= vi->chunk[d];
    }
    for (int d = 0; d < v->ndim; d++) {
        uint64_t a = j->start[d] > c0[d] ? j->start[d] : c0[d];
        uint64_t b = j->start[d] + j->count[d] < c0[d] + vi->chunk[d]
                         ? j->start[d] + j->count[d] : c0[d] + vi->chunk[d];
        soff[d] = a - c0[d];
        doff[d] = a - j->start[d];
        cnt[d] = b - a;
    }
    zsi_nc_lock();
    H5E_BEGIN_TRY {
        if (H5Dget_chunk_info_by_coord((hid_t)vi->dset, off,
                                       (unsigned *)&mask, &addr,
                                       &size) < 0)
            st = zsi_err(ctx, ZS_ERR_NETCDF, "%s: %s: cannot locate a "
                         "chunk", v->g->ds->name, v->path);
        else if (addr != HADDR_UNDEF &&
                 (size > bytes + bytes / 2 + 65536 ||
                  !zsi_buf_resize(&raw, (size_t)size)))
            st = zsi_err(ctx, ZS_ERR_CORRUPT, "%s: %s: chunk of %llu bytes",
                         v->g->ds->name, v->path, (unsigned long long)size);
        else if (addr != HADDR_UNDEF &&
                 H5Dread_chunk((hid_t)vi->dset, H5P_DEFAULT, off, &mask,
                               raw.data) < 0)
            st = zsi_err(ctx, ZS_ERR_NETCDF, "%s: %s: cannot read a chunk",
                         v->g->ds->name, v->path);
    } H5E_END_TRY;
    zsi_nc_unlock();
    if (st == ZS_OK && addr == HADDR_UNDEF) {
        zsi_nd_fill(v->ndim, vi->itemsize, j->out, j->count, doff, cnt,
                        vi->fill);
    } else if (st == ZS_OK) {
        st = decode_chunk(ctx, vi, mask, &raw, (size_t)bytes, &dec);
        if (st != ZS_OK)
            zsi_err_prefix(ctx, st, "%s: %s", v->g->ds->name, v->path);
        if (st == ZS_OK && vi->swap)
            zsi_byteswap(dec.data, dec.len / vi->itemsize, vi->itemsize);
        if (st == ZS_OK)
            zsi_nd_copy(v->ndim, vi->itemsize, dec.data, vi->chunk, soff,
                            j->out, j->count, doff, cnt);
    }
    zsi_buf_free(&raw);
    zsi_buf_free(&dec);
    return st;
}

zs_status zsi_nc_direct_read(zs_var *v, const uint64_t *start,
                             const uint64_t *count, void *out)
{
    djob j;
    uint64_t total = 1;
    memset(&j, 0, sizeof j);
    j.v = v;
    j.vi = v->bk;
    j.start = start;
    j.count = count;
    j.out = out;
    for (int d = 0; d < v->ndim; d++) {
        j.lo[d] = start[d] / j.vi->chunk[d];
        j.n[d] = (start[d] + count[d] - 1) / j.vi->chunk[d] - j.lo[d] + 1;
        total *= j.n[d];
    }
    return zsi_parallel_for(v->g->ds->ctx, (size_t)total, chunk_task, &j);
}

void zsi_nc_direct_close(nc_file *f)
{
    zsi_nc_lock();
    for (size_t i = 0; i < f->nvars; i++) {
        zsi_nc_var *vi = f->vars[i];
        if (vi->dset >= 0)
            H5Dclose((hid_t)vi->dset);
        for (int k = 0; k < vi->nfilters; k++)
            zsi_codec_free(vi->codec[k]);
    }
    if (f->h5 >= 0)
        H5Fclose((hid_t)f->h5);
    zsi_nc_unlock();
}
