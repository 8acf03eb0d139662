/* nc_scrip.c - regridding weights written as a SCRIP remapping file, the
 * NetCDF layout cdo genbil/gencon write and cdo remap reads: global
 * attributes title, normalization, map_method, conventions "SCRIP",
 * source_grid, dest_grid; per grid its dimensions, centres (degrees),
 * mask and covered fraction; the links (addresses from 1) and their
 * weights.  The file is written as PATH.partial and renamed when
 * complete. */
#include "config.h"

#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcdf/zsi_nc.h"

typedef struct wfile {
    int id, rc;
    int d_src, d_dst, d_srank, d_drank, d_links, d_wgts;
} wfile;

static void text_att(wfile *f, const char *name, const char *text)
{
    if (f->rc == NC_NOERR)
        f->rc = nc_put_att_text(f->id, NC_GLOBAL, name, strlen(text), text);
}

static int def(wfile *f, const char *name, nc_type t, int nd,
               const int *dims, const char *units)
{
    int v = -1;
    if (f->rc == NC_NOERR)
        f->rc = nc_def_var(f->id, name, t, nd, dims, &v);
    if (f->rc == NC_NOERR && units)
        f->rc = nc_put_att_text(f->id, v, "units", strlen(units), units);
    return v;
}

static void define(wfile *f, const zsi_scrip *s)
{
    static const char *const grid[2] = {"src", "dst"};
    char name[64];
    int two[2];
    f->rc = nc_def_dim(f->id, "src_grid_size", s->src_nx * s->src_ny,
                       &f->d_src);
    if (f->rc == NC_NOERR)
        f->rc = nc_def_dim(f->id, "dst_grid_size", s->dst_nx * s->dst_ny,
                           &f->d_dst);
    if (f->rc == NC_NOERR)
        f->rc = nc_def_dim(f->id, "src_grid_rank", 2, &f->d_srank);
    if (f->rc == NC_NOERR)
        f->rc = nc_def_dim(f->id, "dst_grid_rank", 2, &f->d_drank);
    if (f->rc == NC_NOERR)
        f->rc = nc_def_dim(f->id, "num_links", s->nlinks, &f->d_links);
    if (f->rc == NC_NOERR)
        f->rc = nc_def_dim(f->id, "num_wgts", 1, &f->d_wgts);
    for (int g = 0; g < 2; g++) {
        int size = g ? f->d_dst : f->d_src, rank = g ? f->d_drank
                                                     : f->d_srank;
        static const char *const what[6][2] = {
            {"grid_dims", NULL}, {"grid_center_lat", "degrees"},
            {"grid_center_lon", "degrees"}, {"grid_imask", "unitless"},
            {"grid_area", "square radians"}, {"grid_frac", "unitless"}};
        for (int k = 0; k < 6; k++) {
            snprintf(name, sizeof name, "%s_%s", grid[g], what[k][0]);
            def(f, name, k == 0 || k == 3 ? NC_INT : NC_DOUBLE, 1,
                k == 0 ? &rank : &size, what[k][1]);
        }
    }
    def(f, "src_address", NC_INT, 1, &f->d_links, NULL);
    def(f, "dst_address", NC_INT, 1, &f->d_links, NULL);
    two[0] = f->d_links;
    two[1] = f->d_wgts;
    def(f, "remap_matrix", NC_DOUBLE, 2, two, NULL);
    text_att(f, "title", "zregrid (zstore) remapping");
    text_att(f, "normalization", s->normalization);
    text_att(f, "map_method", s->method);
    text_att(f, "conventions", "SCRIP");
    text_att(f, "source_grid", s->src_curvi ? "curvilinear" : "lonlat");
    text_att(f, "dest_grid", "lonlat");
    if (f->rc == NC_NOERR)
        f->rc = nc_enddef(f->id);
}

/* One grid's variables: dims (nx, ny), centres, mask, area, fraction. */
static void put_grid(wfile *f, const char *g, uint64_t nx, uint64_t ny,
                     const double *lat, const double *lon, bool curvi,
                     const double *area, const double *frac)
{
    char name[64];
    int dims[2] = {(int)nx, (int)ny}, v;
    size_t n = (size_t)(nx * ny);
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    int *one = malloc((n ? n : 1) * sizeof *one);
    if (!buf || !one)
        f->rc = NC_ENOMEM;
    for (int k = 0; f->rc == NC_NOERR && k < 6; k++) {
        static const char *const what[6] = {"grid_dims", "grid_center_lat",
                                            "grid_center_lon", "grid_imask",
                                            "grid_area", "grid_frac"};
        snprintf(name, sizeof name, "%s_%s", g, what[k]);
        f->rc = nc_inq_varid(f->id, name, &v);
        for (size_t i = 0; f->rc == NC_NOERR && i < n; i++) {
            one[i] = 1;
            buf[i] = k == 1 ? lat[curvi ? i : i / nx]
                     : k == 2 ? lon[curvi ? i : i % nx]
                     : k == 4 ? (area ? area[i] : 0) : frac ? frac[i] : 1;
        }
        if (f->rc == NC_NOERR)
            f->rc = k == 0 ? nc_put_var_int(f->id, v, dims)
                    : k == 3 ? nc_put_var_int(f->id, v, one)
                             : nc_put_var_double(f->id, v, buf);
    }
    free(buf);
    free(one);
}

static void put_links(wfile *f, const zsi_scrip *s)
{
    size_t n = (size_t)s->nlinks;
    int *a = malloc((n ? n : 1) * sizeof *a), v;
    if (!a) {
        f->rc = NC_ENOMEM;
        return;
    }
    for (int k = 0; k < 2 && f->rc == NC_NOERR; k++) {
        for (size_t e = 0; e < n; e++)
            a[e] = (int)(k ? s->dst[e] : s->src[e]) + 1;
        f->rc = nc_inq_varid(f->id, k ? "dst_address" : "src_address", &v);
        if (f->rc == NC_NOERR)
            f->rc = nc_put_var_int(f->id, v, a);
    }
    if (f->rc == NC_NOERR)
        f->rc = nc_inq_varid(f->id, "remap_matrix", &v);
    if (f->rc == NC_NOERR && n)
        f->rc = nc_put_var_double(f->id, v, s->w);
    free(a);
}

zs_status zsi_nc_write_scrip(zs_ctx *ctx, const char *path,
                             const zsi_scrip *s)
{
    char *tmp = zsi_asprintf("%s.partial", path);
    wfile f;
    memset(&f, 0, sizeof f);
    if (!tmp)
        return zsi_nomem(ctx);
    if (s->src_nx * s->src_ny > INT32_MAX || s->dst_nx * s->dst_ny >
        INT32_MAX || s->nlinks > INT32_MAX) {
        free(tmp);
        return zsi_err(ctx, ZS_ERR_RANGE, "%s: more than 2^31 points or "
                       "links for a SCRIP file", path);
    }
    zsi_nc_lock();
    f.rc = nc_create(tmp, NC_CLOBBER | NC_64BIT_OFFSET, &f.id);
    if (f.rc == NC_NOERR) {
        define(&f, s);
        put_grid(&f, "src", s->src_nx, s->src_ny, s->src_lat, s->src_lon,
                 s->src_curvi, NULL, NULL);
        put_grid(&f, "dst", s->dst_nx, s->dst_ny, s->dst_lat, s->dst_lon,
                 false, NULL, s->dst_frac);
        put_links(&f, s);
        if (nc_close(f.id) != NC_NOERR && f.rc == NC_NOERR)
            f.rc = NC_EIO;
    }
    zsi_nc_unlock();
    if (f.rc == NC_NOERR && rename(tmp, path) != 0)
        f.rc = NC_EIO;
    if (f.rc != NC_NOERR)
        remove(tmp);
    free(tmp);
    if (f.rc != NC_NOERR)
        return zsi_err(ctx, f.rc == NC_ENOMEM ? ZS_ERR_NOMEM : ZS_ERR_NETCDF,
                       "%s: writing weights: %s", path, nc_strerror(f.rc));
    return ZS_OK;
}
