/* regrid_plan.c - a regridding planned: the source's horizontal
 * coordinates, the weights of each axis, which variables are regridded,
 * copied or left out; and the plan described. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

/* Default memory for the boxes of source and results. */
#define REGRID_MEMORY ((uint64_t)256 << 20)

static const char *method_name(int m)
{
    static const char *const n[] = {"linear", "nearest", "conservative",
                                    "conservative-destarea"};
    return n[m];
}

/* ---- the options, copied ------------------------------------------------ */

static zs_status copy_opts(zs_ctx *ctx, const zs_regrid_opts *o,
                           struct zs_regrid_opts *c)
{
    bool ok;
    *c = *o;
    memset(&c->lat, 0, sizeof c->lat);
    memset(&c->lon, 0, sizeof c->lon);
    memset(&c->vars, 0, sizeof c->vars);
    memset(&c->ttime, 0, sizeof c->ttime);
    memset(&c->links, 0, sizeof c->links);
    c->grid_name = c->ydim = c->xdim = NULL;
    ok = zsi_rg_coord_copy(&c->lat, &o->lat) &&
         zsi_rg_links_copy(&c->links, &o->links) &&
         zsi_rg_time_copy(&c->ttime, &o->ttime) &&
         zsi_rg_coord_copy(&c->lon, &o->lon) &&
         (!o->grid_name || (c->grid_name = zsi_strdup(o->grid_name))) &&
         (!o->ydim || (c->ydim = zsi_strdup(o->ydim))) &&
         (!o->xdim || (c->xdim = zsi_strdup(o->xdim)));
    for (size_t i = 0; ok && i < o->vars.n; i++)
        ok = zsi_strv_push(&c->vars, o->vars.v[i]);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

static void clear_opts(struct zs_regrid_opts *c)
{
    zsi_rg_coord_clear(&c->lat);
    zsi_rg_coord_clear(&c->lon);
    zsi_rg_time_clear(&c->ttime);
    zsi_rg_links_clear(&c->links);
    free(c->grid_name);
    free(c->ydim);
    free(c->xdim);
    zsi_strv_free(&c->vars);
}

/* ---- axes and weights ------------------------------------------------ */

/* A curvilinear source's 2-D coordinates and their dimensions. */
static zs_status curvi_axes(zs_regrid *r)
{
    r->curvi = true;
    r->ydim = zs_var_dim_name(r->ysrc, 0);
    r->xdim = zs_var_dim_name(r->ysrc, 1);
    r->ny = zs_var_shape(r->ysrc)[0];
    r->nx = zs_var_shape(r->ysrc)[1];
    return zsi_rg_curvi_read(r);
}

/* 1-D coordinates, else 2-D ones (curvilinear): a rectilinear grid
 * that also carries 2-D latitude and longitude keeps its separable
 * weights. */
static zs_status axes(zs_regrid *r)
{
    zs_status st = zsi_rg_find_axes(r->ds, r->o.ydim, r->o.xdim, &r->ysrc,
                                    &r->xsrc), cst;
    if (st == ZS_ERR_NOTFOUND) {
        cst = zsi_rg_find_curvi(r->ds, r->o.ydim, r->o.xdim, &r->ysrc,
                                &r->xsrc);
        if (cst == ZS_OK)
            return curvi_axes(r);
        if (cst != ZS_ERR_NOTFOUND)
            return cst;
    }
    if (st == ZS_OK)
        st = zsi_rg_coord_read(r->ysrc, &r->yc);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(r->xsrc, &r->xc);
    if (st != ZS_OK)
        return st;
    r->ydim = zs_var_name(r->ysrc);
    r->xdim = zs_var_name(r->xsrc);
    r->ny = zs_var_shape(r->ysrc)[0];
    r->nx = zs_var_shape(r->xsrc)[0];
    r->periodic = r->o.periodic == ZS_PERIODIC_YES ||
                  (r->o.periodic == ZS_PERIODIC_AUTO &&
                   zsi_rg_closes_circle(r->xc, r->nx));
    return ZS_OK;
}

/* Source rows that no target uses are not decoded. */
static zs_status rows_needed(zs_regrid *r)
{
    uint64_t ny = r->ny;
    r->need_row = calloc((size_t)ny + 1, sizeof *r->need_row);
    if (!r->need_row)
        return zsi_nomem(r->ctx);
    for (uint64_t e = 0; e < r->wy.row[r->wy.nt]; e++)
        r->need_row[r->wy.idx[e]] = true;
    return ZS_OK;
}

/* Cosines and sines of latitude and longitude of a point, in radians. */
typedef struct sphere {
    double clat, slat, clon, slon;
} sphere;

static sphere on_sphere(double lat, double lon)
{
    sphere p;
    p.clat = cos(lat * M_PI / 180);
    p.slat = sin(lat * M_PI / 180);
    p.clon = cos(lon * M_PI / 180);
    p.slon = sin(lon * M_PI / 180);
    return p;
}

/* The cosine of the angle between two points (larger: nearer). */
static double closeness(const sphere *a, const sphere *b)
{
    return a->clat * b->clat * (a->clon * b->clon + a->slon * b->slon) +
           a->slat * b->slat;
}

/* nearest: of the corners of target (j, i)'s stencil, the nearest on
 * the sphere, as CDO's remapnn measures it (the lower address on a
 * tie). */
static uint8_t pick_corner(const zs_regrid *r, uint64_t j, uint64_t i)
{
    const rg_weights *wy = &r->wy, *wx = &r->wx;
    sphere t = on_sphere(r->o.lat.c[j], r->o.lon.c[i]);
    uint64_t nx = r->nx, best_add = UINT64_MAX;
    double best = -2;
    uint8_t pick = 0;
    for (uint64_t a = 0; a < wy->row[j + 1] - wy->row[j]; a++)
        for (uint64_t b = 0; b < wx->row[i + 1] - wx->row[i]; b++) {
            uint64_t k = wy->idx[wy->row[j] + a], l = wx->idx[wx->row[i] + b];
            sphere s = on_sphere(r->yc[k], r->xc[l]);
            double c = closeness(&t, &s);
            if (c > best || (c == best && k * nx + l < best_add)) {
                best = c;
                best_add = k * nx + l;
                pick = (uint8_t)(a | b << 1);
            }
        }
    return pick;
}

static zs_status nearest_picks(zs_regrid *r)
{
    uint64_t n;
    if (!zsi_mul_ok(r->wy.nt, r->wx.nt, &n) || n > SIZE_MAX / 2 ||
        !(r->pick = malloc((size_t)(n ? n : 1))))
        return zsi_nomem(r->ctx);
    for (uint64_t j = 0; j < r->wy.nt; j++)
        for (uint64_t i = 0; i < r->wx.nt; i++)
            r->pick[j * r->wx.nt + i] = pick_corner(r, j, i);
    return ZS_OK;
}

/* Weights from a file: made for this source grid; every row needed. */
static zs_status file_weights(zs_regrid *r)
{
    const rg_links *l = &r->o.links;
    uint64_t ny = r->ny, nx = r->nx;
    if (l->src_ny != ny || l->src_nx != nx)
        return zsi_err(r->ctx, ZS_ERR_MISMATCH,
                       "%s: the weights are for "
                       "a source grid of %llu x %llu points, not %llu x "
                       "%llu",
                       zsi_dataset_name(r->ds), (unsigned long long)l->src_nx,
                       (unsigned long long)l->src_ny, (unsigned long long)nx,
                       (unsigned long long)ny);
    r->need_row = calloc((size_t)ny + 1, sizeof *r->need_row);
    r->lcover = calloc((size_t)(r->o.lat.n * r->o.lon.n + 1),
                       sizeof *r->lcover);
    if (!r->need_row || !r->lcover)
        return zsi_nomem(r->ctx);
    for (uint64_t k = 0; k < ny; k++)
        r->need_row[k] = true;
    for (uint64_t e = 0; e < l->n; e++)
        r->lcover[l->dst[e]] += l->w[e];
    return ZS_OK;
}

static zs_status weights(zs_regrid *r)
{
    zs_status st;
    if (r->o.links.n) {
        r->o.method = RG_LINEAR;   /* the file's weights are the method */
        return file_weights(r);
    }
    if (r->curvi) {
        r->curvi_links = true;
        st = zsi_rg_curvi_links(r);
        return st == ZS_OK ? file_weights(r) : st;
    }
    rg_method m = {r->o.method, r->o.extrapolate};
    rg_src_axis ya = {r->yc, r->ny, false, false};
    rg_src_axis xa = {r->xc, r->nx, true, r->periodic};
    st = zsi_rg_weights_make(r->ctx, &ya, r->o.lat.c, r->o.lat.n,
                                       &m, &r->wy);
    if (st == ZS_OK)
        st = zsi_rg_weights_make(r->ctx, &xa, r->o.lon.c, r->o.lon.n, &m,
                                 &r->wx);
    if (st == ZS_OK && r->o.method == RG_NEAREST)
        st = nearest_picks(r);
    return st == ZS_OK ? rows_needed(r) : st;
}

/* ---- valid ranges and flags ------------------------------------------- */

/* Value k of attribute name of v as stored (_Unsigned applied), decoded
 * as the variable's values are. */
static bool raw_attr(const zs_var *v, const zsi_cfdecode *d,
                     const char *name, size_t k, double *out)
{
    size_t i;
    double x;
    if (!zs_attrs_find(zs_var_attrs(v), name, &i) ||
        k >= zs_attrs_length(zs_var_attrs(v), i) ||
        !zsi_dtype_is_numeric(zs_attrs_type(zs_var_attrs(v), i)) ||
        zs_attrs_get_double(zs_var_attrs(v), i, k, &x) != ZS_OK)
        return false;
    if (d->is_unsigned && x < 0)
        x += (double)((uint64_t)1
                      << (8 * zsi_dtype_size(zs_var_dtype(v)) - 1)) *
             2;
    *out = d->packed ? x * d->scale + d->offset : x;
    return true;
}

void zsi_rg_mask_init(rg_mask *m, const zs_var *v)
{
    zsi_cfdecode d;
    double a, b;
    size_t i;
    memset(m, 0, sizeof *m);
    m->lo = -INFINITY;
    m->hi = INFINITY;
    zsi_cfdecode_init(&d, v);
    if (raw_attr(v, &d, "valid_range", 0, &a) &&
        raw_attr(v, &d, "valid_range", 1, &b)) {
        m->lo = a < b ? a : b;
        m->hi = a < b ? b : a;
    }
    /* a negative scale turns the stored order around */
    if (raw_attr(v, &d, "valid_min", 0, &a))
        *(d.scale < 0 ? &m->hi : &m->lo) = a;
    if (raw_attr(v, &d, "valid_max", 0, &b))
        *(d.scale < 0 ? &m->lo : &m->hi) = b;
    if (zs_attrs_find(zs_var_attrs(v), "flag_values", &i))
        for (size_t k = 0; k < zs_attrs_length(zs_var_attrs(v), i) &&
                           m->nflag < RG_MAX_FLAGS; k++)
            if (raw_attr(v, &d, "flag_values", k, &a))
                m->flag[m->nflag++] = a;
    m->on = m->nflag || m->lo > -INFINITY || m->hi < INFINITY;
}

void zsi_rg_mask_apply(const rg_mask *m, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool bad = x[i] < m->lo || x[i] > m->hi;
        for (size_t k = 0; !bad && k < m->nflag; k++)
            bad = x[i] == m->flag[k];
        if (bad)
            x[i] = NAN;
    }
}

/* ---- variables ------------------------------------------------------- */

static bool wanted(const zs_regrid *r, const zs_var *v)
{
    return !r->o.vars.n || zsi_strv_contains(&r->o.vars, zs_var_name(v)) ||
           zsi_strv_contains(&r->o.vars, zs_var_path(v));
}

/* Named by the "bounds" or "edges" attribute of a source coordinate:
 * the old grid's cells, left out.  So are, for a curvilinear source,
 * the 1-D coordinates of its dimensions (x, y in metres; indices) and
 * its grid mapping (a projection's crs). */
static bool old_cells(const zs_regrid *r, const zs_var *v)
{
    static const char *const keys[] = {"bounds", "edges"};
    for (int i = 0; i < 2; i++) {
        const char *a = zsi_attrs_text(zs_var_attrs(r->ysrc), keys[i]);
        const char *b = zsi_attrs_text(zs_var_attrs(r->xsrc), keys[i]);
        if ((a && !strcmp(a, zs_var_name(v))) ||
            (b && !strcmp(b, zs_var_name(v))))
            return true;
    }
    if (!r->curvi)
        return false;
    if (zs_var_ndim(v) == 1 && (!strcmp(zs_var_dim_name(v, 0), r->ydim) ||
                         !strcmp(zs_var_dim_name(v, 0), r->xdim)))
        return true;
    for (size_t i = 0; i < zs_group_nvars(zs_dataset_root(r->ds)); i++) {
        const char *gm = zsi_attrs_text(
            zs_var_attrs(zs_group_var(zs_dataset_root(r->ds), i)),
            "grid_mapping");
        if (gm && !strcmp(gm, zs_var_name(v)))
            return true;
    }
    return false;
}

static zs_dtype result_dtype(const zs_regrid *r, const zs_var *v)
{
    if (r->o.dtype != ZS_DT_NONE)
        return r->o.dtype;
    return zs_var_dtype(v) == ZS_DT_FLOAT64 ? ZS_DT_FLOAT64 : ZS_DT_FLOAT32;
}

/* Output chunks by default: whole target slices, the source's chunks
 * along the other dimensions, cut from the outermost (down to rows of
 * the target, for very fine grids) while a chunk would pass about 8 MiB
 * (a contiguous NetCDF variable has one chunk). */
static void default_chunks(rg_var *rv, int nd)
{
    uint64_t *c = rv->ochunks, bytes = zsi_dtype_size(rv->dtype);
    for (int d = 0; d < nd; d++)
        bytes *= c[d];
    for (int d = 0; d < nd - 1 && bytes > ZSI_CHUNK_AUTO_BYTES; d++) {
        uint64_t rest = bytes / c[d];
        uint64_t fit = rest < ZSI_CHUNK_AUTO_BYTES
                           ? ZSI_CHUNK_AUTO_BYTES / rest : 1;
        if (fit < c[d]) {
            c[d] = fit;
            bytes = rest * fit;
        }
    }
}

static zs_status plan_var(zs_regrid *r, zs_var *v)
{
    rg_var *rv = &r->vars[r->nvars];
    int nd = zs_var_ndim(v);
    bool sharded;
    memset(rv, 0, sizeof *rv);
    rv->v = v;
    rv->dtype = result_dtype(r, v);
    rv->tdim = -1;
    for (int d = 0; d < nd; d++)
        rv->odims[d] = d == nd - 2   ? zs_var_name(r->ysrc)
                       : d == nd - 1 ? zs_var_name(r->xsrc)
                                     : zs_var_dim_name(v, d);
    if (r->o.mask_invalid)
        zsi_rg_mask_init(&rv->mask, v);
    for (int d = 0; d < nd; d++) {
        if (r->tsrc && d < nd - 2 &&
            !strcmp(zs_var_dim_name(v, d), zs_var_name(r->tsrc)))
            rv->tdim = d;
        rv->oshape[d] = d == nd - 2 ? r->o.lat.n
                        : d == nd - 1 ? r->o.lon.n
                        : d == rv->tdim ? r->o.ttime.c.n : zs_var_shape(v)[d];
        rv->ochunks[d] = d >= nd - 2 ? rv->oshape[d]
                         : zs_var_chunks(v)[d] < rv->oshape[d]
                             ? zs_var_chunks(v)[d]
                             : rv->oshape[d];
        if (rv->ochunks[d] == 0)
            rv->ochunks[d] = 1;
    }
    default_chunks(rv, nd);
    zsi_write_chunks(&r->w, nd, rv->odims, rv->oshape,
                     zsi_dtype_size(rv->dtype), rv->ochunks);
    r->nvars++;
    return zsi_write_shards(&r->w, zs_var_path(v), nd, rv->odims,
                            rv->oshape, rv->ochunks, rv->dtype, rv->unit,
                            &sharded);
}

static zs_status add_copy(zs_regrid *r, zs_var *v)
{
    zs_var **c = realloc(r->copy, (r->ncopy + 1) * sizeof *c);
    if (!c)
        return zsi_nomem(r->ctx);
    r->copy = c;
    r->copy[r->ncopy++] = v;
    return ZS_OK;
}

/* On the source's time axis, which the output does not have: the time
 * coordinate (written anew), its bounds, and variables along it that
 * are not regridded. */
static bool old_time(const zs_regrid *r, const zs_var *v, bool regridded)
{
    const char *b;
    if (!r->tsrc)
        return false;
    b = zsi_attrs_text(zs_var_attrs(r->tsrc), "bounds");
    if (v == r->tsrc || (b && !strcmp(b, zs_var_name(v))))
        return true;
    for (int d = 0; !regridded && d < zs_var_ndim(v); d++)
        if (!strcmp(zs_var_dim_name(v, d), zs_var_name(r->tsrc))) {
            zsi_log(r->ctx, ZS_LOG_WARN, "%s: left out (it is on the "
                    "source's time axis)", zs_var_path(v));
            return true;
        }
    return false;
}

/* Regrid, copy unchanged, or leave out. */
static zs_status classify(void *user, zs_var *v)
{
    zs_regrid *r = user;
    const char *yd = r->ydim, *xd = r->xdim;
    int ny = 0, nx = 0, nd = zs_var_ndim(v);
    for (int d = 0; d < nd; d++) {
        ny += !strcmp(zs_var_dim_name(v, d), yd);
        nx += !strcmp(zs_var_dim_name(v, d), xd);
    }
    if (v == r->ysrc || v == r->xsrc || old_cells(r, v) ||
        old_time(r, v, ny && nx))
        return ZS_OK;   /* written anew, or meaningless on the target */
    if (!ny && !nx)
        return zs_var_is_coord(v) || wanted(r, v) ? add_copy(r, v) : ZS_OK;
    if (!wanted(r, v))
        return ZS_OK;
    if (ny != 1 || nx != 1 || strcmp(zs_var_dim_name(v, nd - 2), yd) ||
        strcmp(zs_var_dim_name(v, nd - 1), xd) ||
        !zsi_dtype_is_numeric(zs_var_dtype(v))) {
        zsi_log(r->ctx, ZS_LOG_WARN,
                "%s: left out (regridded variables "
                "are numeric, with the dimensions %s, %s last)",
                zs_var_path(v), yd, xd);
        return ZS_OK;
    }
    if (zs_var_problem(v))
        return zsi_err(r->ctx, ZS_ERR_UNSUPPORTED, "%s", zs_var_problem(v));
    return plan_var(r, v);
}

static zs_status check_output_dims(zs_regrid *r)
{
    zsi_strv dims = {0};
    bool ok = true;
    zs_status st;
    for (size_t i = 0; ok && i < r->nvars; i++)
        ok = zsi_strv_add(&dims, r->vars[i].odims, zs_var_ndim(r->vars[i].v));
    for (size_t i = 0; ok && i < r->ncopy; i++)
        ok = zsi_strv_add(&dims, zsi_var_dims(r->copy[i]),
                          zs_var_ndim(r->copy[i]));
    st = ok ? zsi_write_check_dims(&r->w, &dims) : zsi_nomem(r->ctx);
    zsi_strv_free(&dims);
    return st;
}

static zs_status check_vars(zs_regrid *r)
{
    for (size_t k = 0; k < r->o.vars.n; k++)
        if (!zs_group_find_var(zs_dataset_root(r->ds), r->o.vars.v[k]))
            return zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no variable '%s'",
                           zsi_dataset_name(r->ds), r->o.vars.v[k]);
    return ZS_OK;
}

zs_status zsi_regrid_plan(zs_regrid *r)
{
    zs_status st = r->o.have_grid ? check_vars(r)
                   : zsi_err(r->ctx, ZS_ERR_INVALID, "no target grid");
    if (st == ZS_OK)
        st = axes(r);
    if (st == ZS_OK && r->o.time_method != RG_TIME_NONE)
        st = zsi_rg_time_map(r);
    if (st == ZS_OK)
        st = weights(r);
    if (st == ZS_OK && !(r->vars = calloc(zsi_dataset_nvars(r->ds) + 1,
                                          sizeof *r->vars)))
        st = zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_dataset_each_var(r->ds, classify, r);
    if (st == ZS_OK && r->nvars == 0)
        st = zsi_err(r->ctx, ZS_ERR_NOTFOUND, "%s: no variable has the "
                     "horizontal dimensions %s, %s", zsi_dataset_name(r->ds),
                     r->ydim, r->xdim);
    if (st == ZS_OK)
        st = check_output_dims(r);
    return st;
}

zs_status zs_regrid_plan(zs_dataset *ds, const zs_regrid_opts *o,
                         const zs_write_opts *w, zs_regrid **out)
{
    zs_ctx *ctx = zsi_dataset_ctx(ds);
    zs_regrid *r = calloc(1, sizeof *r);
    zs_status st;
    if (!r)
        return zsi_nomem(ctx);
    r->ctx = ctx;
    r->ds = ds;
    r->memory = zsi_ctx_memory_or(ctx, REGRID_MEMORY);
    st = copy_opts(ctx, o, &r->o);
    if (st == ZS_OK)
        st = zsi_write_opts_copy(ctx, w, &r->w);
    if (st == ZS_OK)
        st = zsi_regrid_plan(r);
    if (st != ZS_OK) {
        zs_regrid_plan_free(r);
        return st;
    }
    *out = r;
    return ZS_OK;
}

void zs_regrid_plan_free(zs_regrid *r)
{
    if (!r)
        return;
    clear_opts(&r->o);
    zsi_write_opts_clear(&r->w);
    free(r->yc);
    free(r->xc);
    zsi_rg_weights_free(&r->wy);
    zsi_rg_weights_free(&r->wx);
    free(r->need_row);
    free(r->lcover);
    free(r->pick);
    free(r->tmap);
    free(r->tfrac);
    free(r->vars);
    free(r->copy);
    free(r);
}

/* ---- the plan described ------------------------------------------------ */

static bool axis_text(zsi_buf *b, const char *what, const double *c,
                      uint64_t n)
{
    return zsi_buf_printf(b, "%s %llu (%g .. %g)", what,
                          (unsigned long long)n, c[0], c[n - 1]);
}

static bool source_text(const zs_regrid *r, zsi_buf *b)
{
    if (r->curvi)
        return zsi_buf_printf(b, "curvilinear %s, %s (%s %llu x %s %llu)",
                              zs_var_name(r->ysrc), zs_var_name(r->xsrc),
                              r->ydim, (unsigned long long)r->ny, r->xdim,
                              (unsigned long long)r->nx);
    return axis_text(b, zs_var_name(r->ysrc), r->yc, r->ny) &&
           zsi_buf_append_str(b, " x ") &&
           axis_text(b, zs_var_name(r->xsrc), r->xc, r->nx);
}

static bool grid_line(const zs_regrid *r, zsi_buf *b)
{
    bool file = r->o.links.n && !r->curvi_links;
    return zsi_buf_printf(b, "grid: %s ", zsi_dataset_name(r->ds)) &&
           source_text(r, b) &&
           zsi_buf_printf(b, "%s -> %s ", r->periodic ? " (periodic)" : "",
                          r->o.grid_name) &&
           axis_text(b, "lat", r->o.lat.c, r->o.lat.n) &&
           zsi_buf_append_str(b, " x ") &&
           axis_text(b, "lon", r->o.lon.c, r->o.lon.n) &&
           zsi_buf_printf(b, "; %s%s%s", file ? "weights from "
                          "the file" : method_name(r->o.method),
                          r->o.skipna ? ", skipping missing values" : "",
                          r->o.extrapolate ? ", extrapolating" : "");
}

static bool time_line(const zs_regrid *r, zsi_buf *b)
{
    static const char *const names[] = {"", "nearest", "ffill", "bfill",
                                        "within", "linear"};
    uint64_t none = 0;
    for (uint64_t i = 0; i < r->o.ttime.c.n; i++)
        none += r->tmap[i] < 0;
    return zsi_buf_printf(b, "time: %s %s (%llu steps) onto %llu target "
                          "times, %llu of them without a step",
                          names[r->o.time_method], zs_var_path(r->tsrc),
                          (unsigned long long)zs_var_shape(r->tsrc)[0],
                          (unsigned long long)r->o.ttime.c.n,
                          (unsigned long long)none);
}

static bool var_line(const rg_var *rv, zsi_buf *b)
{
    const zs_var *v = rv->v;
    bool ok = zsi_buf_printf(b, "%s: %s (", zs_var_path(v),
                             zs_dtype_name(zs_var_dtype(v)));
    for (int d = 0; ok && d < zs_var_ndim(v); d++)
        ok = zsi_buf_printf(b, "%s%s %llu", d ? ", " : "",
                            zs_var_dim_name(v, d),
                            (unsigned long long)zs_var_shape(v)[d]);
    ok = ok && zsi_buf_printf(b, ") -> %s (", zs_dtype_name(rv->dtype));
    for (int d = 0; ok && d < zs_var_ndim(v); d++)
        ok = zsi_buf_printf(b, "%s%llu", d ? ", " : "",
                            (unsigned long long)rv->oshape[d]);
    return ok && zsi_buf_append_str(b, ")");
}

static void emit(zsi_buf *b, bool *ok, zs_line_fn fn, void *user)
{
    *ok = *ok && zsi_buf_cstr(b);
    if (*ok)
        fn(user, (char *)b->data);
    b->len = 0;
}

zs_status zs_regrid_describe(const zs_regrid *r, zs_line_fn fn, void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = grid_line(r, &b);
    emit(&b, &ok, fn, user);
    if (ok && r->tsrc) {
        ok = time_line(r, &b);
        emit(&b, &ok, fn, user);
    }
    for (size_t i = 0; ok && i < r->nvars; i++) {
        ok = var_line(&r->vars[i], &b);
        emit(&b, &ok, fn, user);
    }
    for (size_t i = 0; ok && i < r->ncopy; i++) {
        ok = zsi_buf_printf(&b, "%s: copied", zs_var_path(r->copy[i]));
        emit(&b, &ok, fn, user);
    }
    zsi_buf_free(&b);
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}
