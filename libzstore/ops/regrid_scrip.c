/* regrid_scrip.c - weights in the SCRIP remapping format, as cdo genbil,
 * gencon, gennn and gendis write them (NetCDF: src_grid_dims,
 * dst_grid_dims, dst_grid_center_lat and _lon, src_address, dst_address
 * with addresses from 1, remap_matrix whose first column is the weight),
 * read for zs_regrid_opts_set_weights() and written from a plan for
 * cdo remap (zs_regrid_save_weights).  Every size and address from
 * the file is checked before it is used; the target grid must be
 * rectilinear (its centres a product of latitudes and longitudes). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "netcdf/zsi_nc.h"
#include "ops/zsi_regrid.h"

/* Links and grid points a weights file may hold. */
#define LINKS_MAX ((uint64_t)1 << 31)

void zsi_rg_links_clear(rg_links *l)
{
    free(l->src);
    free(l->dst);
    free(l->w);
    memset(l, 0, sizeof *l);
}

bool zsi_rg_links_copy(rg_links *dst, const rg_links *src)
{
    size_t n = (size_t)src->n;
    *dst = *src;
    dst->src = dst->dst = NULL;
    dst->w = NULL;
    if (!n)
        return true;
    dst->src = malloc(n * sizeof *dst->src);
    dst->dst = malloc(n * sizeof *dst->dst);
    dst->w = malloc(n * sizeof *dst->w);
    if (!dst->src || !dst->dst || !dst->w) {
        zsi_rg_links_clear(dst);
        return false;
    }
    memcpy(dst->src, src->src, n * sizeof *dst->src);
    memcpy(dst->dst, src->dst, n * sizeof *dst->dst);
    memcpy(dst->w, src->w, n * sizeof *dst->w);
    return true;
}

/* Every value of variable name (at most max of them) as doubles. */
static zs_status read_all(zs_dataset *ds, const char *name, uint64_t max,
                          double **out, uint64_t *n)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), name);
    uint64_t start[ZS_MAX_DIMS] = {0}, total = 1;
    uint8_t *raw;
    zs_status st;
    if (!v || !zsi_dtype_is_numeric(zs_var_dtype(v)) || zs_var_ndim(v) < 1)
        return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                       "%s: no numeric variable "
                       "%s (SCRIP weights)",
                       zsi_dataset_name(ds), name);
    if (!zsi_prod_ok(zs_var_shape(v), zs_var_ndim(v), &total) || total > max)
        return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_RANGE,
                       "%s: %s: more than %llu "
                       "values",
                       zsi_dataset_name(ds), name, (unsigned long long)max);
    raw = malloc((size_t)(total ? total : 1) * zs_var_itemsize(v));
    *out = malloc((size_t)(total ? total : 1) * sizeof **out);
    st = raw && *out ? zs_var_read(v, start, zs_var_shape(v), raw)
                     : zsi_nomem(zsi_dataset_ctx(ds));
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < total; i++)
        (*out)[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    if (st != ZS_OK) {
        free(*out);
        *out = NULL;
        return st;
    }
    *n = total;
    return ZS_OK;
}

/* A grid's dimensions (nx, ny): two whole numbers of at least 1. */
static zs_status grid_dims(zs_dataset *ds, const char *name, uint64_t *nx,
                           uint64_t *ny)
{
    double *d = NULL;
    uint64_t n = 0;
    zs_status st = read_all(ds, name, 2, &d, &n);
    if (st == ZS_OK && (n != 2 || !(d[0] >= 1 && d[1] >= 1 &&
                                    d[0] * d[1] <= (double)LINKS_MAX)))
        st = zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                     "%s: %s: not the sizes of a "
                     "two-dimensional grid",
                     zsi_dataset_name(ds), name);
    if (st == ZS_OK) {
        *nx = (uint64_t)d[0];
        *ny = (uint64_t)d[1];
    }
    free(d);
    return st;
}

static double degrees(double x, bool radians)
{
    double d = radians ? x * 180.0 / M_PI : x;
    return round(d * 1e9) / 1e9;   /* what the radians rounded off */
}

/* The target's latitudes and longitudes, if its centres are a product
 * of them. */
static zs_status target_axes(zs_dataset *ds, uint64_t nx, uint64_t ny,
                             rg_coord *lat, rg_coord *lon)
{
    double *y = NULL, *x = NULL;
    uint64_t n1 = 0, n2 = 0;
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), "dst_grid_center_lat");
    const char *u = v ? zsi_attrs_text(zs_var_attrs(v), "units") : NULL;
    bool rad = u && !strncmp(u, "rad", 3);
    zs_status st = read_all(ds, "dst_grid_center_lat", LINKS_MAX, &y, &n1);
    if (st == ZS_OK)
        st = read_all(ds, "dst_grid_center_lon", LINKS_MAX, &x, &n2);
    if (st == ZS_OK && (n1 != nx * ny || n2 != nx * ny))
        st = zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                     "%s: the target's centres "
                     "are not %llu x %llu",
                     zsi_dataset_name(ds), (unsigned long long)nx,
                     (unsigned long long)ny);
    for (uint64_t k = 0; st == ZS_OK && k < nx * ny; k++)
        if (fabs(y[k] - y[k - k % nx]) > 1e-9 || fabs(x[k] - x[k % nx]) >
                                                     1e-9)
            st = zsi_err(zsi_dataset_ctx(ds), ZS_ERR_UNSUPPORTED,
                         "%s: the target is "
                         "not a rectilinear latitude-longitude grid",
                         zsi_dataset_name(ds));
    lat->c = st == ZS_OK ? malloc((size_t)ny * sizeof *lat->c) : NULL;
    lon->c = st == ZS_OK ? malloc((size_t)nx * sizeof *lon->c) : NULL;
    if (st == ZS_OK && (!lat->c || !lon->c))
        st = zsi_nomem(zsi_dataset_ctx(ds));
    for (uint64_t j = 0; st == ZS_OK && j < ny; j++)
        lat->c[j] = degrees(y[j * nx], rad);
    for (uint64_t i = 0; st == ZS_OK && i < nx; i++)
        lon->c[i] = degrees(x[i], rad);
    lat->n = ny;
    lon->n = nx;
    lat->dtype = lon->dtype = ZS_DT_FLOAT64;
    free(y);
    free(x);
    return st;
}

/* The links, addresses checked against the grids' sizes. */
static zs_status links(zs_dataset *ds, uint64_t nsrc, uint64_t ndst,
                       rg_links *l)
{
    double *a = NULL, *b = NULL, *w = NULL;
    uint64_t na = 0, nb = 0, nw = 0, nwgts;
    zs_status st = read_all(ds, "src_address", LINKS_MAX, &a, &na);
    if (st == ZS_OK)
        st = read_all(ds, "dst_address", LINKS_MAX, &b, &nb);
    if (st == ZS_OK)
        st = read_all(ds, "remap_matrix", LINKS_MAX, &w, &nw);
    nwgts = na ? nw / na : 0;
    if (st == ZS_OK && (na != nb || !nwgts || nw != na * nwgts))
        st = zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                     "%s: src_address, "
                     "dst_address and remap_matrix do not agree",
                     zsi_dataset_name(ds));
    l->n = st == ZS_OK ? na : 0;
    l->src = malloc((size_t)(na + 1) * sizeof *l->src);
    l->dst = malloc((size_t)(na + 1) * sizeof *l->dst);
    l->w = malloc((size_t)(na + 1) * sizeof *l->w);
    if (st == ZS_OK && (!l->src || !l->dst || !l->w))
        st = zsi_nomem(zsi_dataset_ctx(ds));
    for (uint64_t e = 0; st == ZS_OK && e < na; e++) {
        if (!(a[e] >= 1 && a[e] <= (double)nsrc && b[e] >= 1 &&
              b[e] <= (double)ndst && isfinite(w[e * nwgts]))) {
            st = zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                         "%s: link %llu points "
                         "outside the grids",
                         zsi_dataset_name(ds), (unsigned long long)e + 1);
            break;
        }
        l->src[e] = (uint32_t)a[e] - 1;
        l->dst[e] = (uint32_t)b[e] - 1;
        l->w[e] = w[e * nwgts];
    }
    free(a);
    free(b);
    free(w);
    return st;
}

zs_status zsi_rg_scrip_read(zs_dataset *ds, rg_links *l, rg_coord *lat,
                            rg_coord *lon)
{
    uint64_t tx = 0, ty = 0;
    zs_status st = grid_dims(ds, "src_grid_dims", &l->src_nx, &l->src_ny);
    if (st == ZS_OK)
        st = grid_dims(ds, "dst_grid_dims", &tx, &ty);
    if (st == ZS_OK)
        st = target_axes(ds, tx, ty, lat, lon);
    if (st == ZS_OK)
        st = links(ds, l->src_nx * l->src_ny, tx * ty, l);
    return st;
}

/* ---- writing ---------------------------------------------------------- */

/* The links of a plan: the file's, the corner each target picks
 * (nearest), or the products of the two axes' weights, divided by the
 * covered part of the target for conservative (CDO's fracarea). */
static bool plan_links(const zs_regrid *r, rg_links *l, double *frac)
{
    const rg_weights *wy = &r->wy, *wx = &r->wx;
    uint64_t nx = r->nx, n = 0;
    if (r->o.links.n)
        return zsi_rg_links_copy(l, &r->o.links);
    for (uint64_t j = 0; j < wy->nt; j++)
        n += (wy->row[j + 1] - wy->row[j]) * wx->row[wx->nt];
    memset(l, 0, sizeof *l);
    l->src = malloc((size_t)(n + 1) * sizeof *l->src);
    l->dst = malloc((size_t)(n + 1) * sizeof *l->dst);
    l->w = malloc((size_t)(n + 1) * sizeof *l->w);
    if (!l->src || !l->dst || !l->w)
        return false;
    for (uint64_t j = 0; j < wy->nt; j++)
        for (uint64_t i = 0; i < wx->nt; i++) {
            double cover = wy->cover[j] * wx->cover[i];
            uint8_t p = r->pick ? r->pick[j * wx->nt + i] : 0;
            frac[j * wx->nt + i] = cover > 0 ? cover : 0;
            for (uint64_t a = wy->row[j]; a < wy->row[j + 1]; a++)
                for (uint64_t b = wx->row[i]; b < wx->row[i + 1]; b++) {
                    if (r->pick && (a - wy->row[j] != (uint64_t)(p & 1) ||
                                    b - wx->row[i] != (uint64_t)(p >> 1)))
                        continue;
                    l->src[l->n] = (uint32_t)(wy->idx[a] * nx + wx->idx[b]);
                    l->dst[l->n] = (uint32_t)(j * wx->nt + i);
                    l->w[l->n++] = r->pick ? 1.0
                        : r->o.method == RG_CONSERVATIVE
                            ? wy->w[a] * wx->w[b] / cover
                            : wy->w[a] * wx->w[b];
                }
        }
    return true;
}

zs_status zs_regrid_save_weights(const zs_regrid *r, const char *path)
{
    static const char *const method[] = {
        "Bilinear remapping", "Nearest neighbor remapping",
        "Conservative remapping", "Conservative remapping"};
    static const char *const norm[] = {"none", "none", "fracarea",
                                       "destarea"};
    uint64_t nt = r->o.lat.n * r->o.lon.n;
    double *frac = calloc((size_t)nt + 1, sizeof *frac);
    rg_links l;
    zsi_scrip s;
    zs_status st;
    bool file, con;
    memset(&l, 0, sizeof l);
    if (!frac || !plan_links(r, &l, frac)) {
        free(frac);
        zsi_rg_links_clear(&l);
        return zsi_nomem(r->ctx);
    }
    file = r->o.links.n && !r->curvi_links;
    /* a curvilinear source's links, as the axes' products above */
    con = r->o.method == RG_CONSERVATIVE || r->o.method == RG_DESTAREA;
    for (uint64_t t = 0; r->curvi_links && t < nt; t++)
        frac[t] = con ? r->lcover[t] : r->lcover[t] > 0 ? 1 : 0;
    for (uint64_t e = 0; r->curvi_links && e < l.n; e++)
        if (r->o.method == RG_CONSERVATIVE)
            l.w[e] /= r->lcover[l.dst[e]];
    s = (zsi_scrip){file ? "Bilinear remapping" : method[r->o.method],
                    file ? "none" : norm[r->o.method], r->nx, r->ny,
                    r->o.lon.n, r->o.lat.n, r->yc, r->xc, r->o.lat.c,
                    r->o.lon.c, r->curvi, file ? NULL : frac, l.n, l.src,
                    l.dst, l.w};
    st = zsi_nc_write_scrip(r->ctx, path, &s);
    free(frac);
    zsi_rg_links_clear(&l);
    return st;
}
