/* regrid_run.c - a regridding run: the source streamed in boxes of whole
 * horizontal slices (time steps, levels), each slice regridded on the
 * thread pool (two passes for linear and conservative, the picked corner
 * for nearest, one sparse product for a weights file), the results
 * written through the dataset writer.
 *
 * Missing values.  Without skipna, a NaN times its weight (0 included)
 * stays NaN, so a target whose stencil touches a missing value is
 * missing.  With skipna, each pass also sums the weights of the valid
 * values, and the result is renormalised by them. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

/* Larger boxes of source and results gain nothing: a few slices per
 * thread keep every core busy. */
#define BOX_MAX ((uint64_t)64 << 20)

/* ---- one slice -------------------------------------------------------- */

typedef struct job {
    zs_regrid *r;
    const rg_var *rv;
    zsi_cfdecode dec;
    const uint8_t *raw;      /* the box of source values */
    uint8_t *out;            /* the box of results */
    size_t raw_slice;        /* bytes of a slice */
    uint64_t out_slice;      /* elements of a result slice */
    bool *none;              /* slices with no source time step */
    uint8_t *raw2;           /* time linear: the next steps' values */
    double *alpha;           /* ... and their weight per slice */
} job;

/* Along longitude: a source row into a row of sums (and of weights of
 * valid values, with skipna). */
static void pass_x(const rg_weights *wx, const double *row, double *num,
                   double *den)
{
    for (uint64_t i = 0; i < wx->nt; i++) {
        double a = 0, b = 0;
        for (uint64_t e = wx->row[i]; e < wx->row[i + 1]; e++) {
            double v = row[wx->idx[e]], w = wx->w[e];
            if (!den) {
                a += w * v;
            } else if (!isnan(v)) {
                a += w * v;
                b += w;
            }
        }
        num[i] = a;
        if (den)
            den[i] = b;
    }
}

/* Along latitude: target row j from the rows of the first pass. */
static void pass_y(const rg_weights *wy, uint64_t j, uint64_t ntx,
                   const double *num, const double *den, double *onum,
                   double *oden)
{
    memset(onum, 0, (size_t)ntx * sizeof *onum);
    if (den)
        memset(oden, 0, (size_t)ntx * sizeof *oden);
    for (uint64_t e = wy->row[j]; e < wy->row[j + 1]; e++) {
        const double *p = num + wy->idx[e] * ntx;
        double w = wy->w[e];
        for (uint64_t i = 0; i < ntx; i++)
            onum[i] += w * p[i];
        if (!den)
            continue;
        p = den + wy->idx[e] * ntx;
        for (uint64_t i = 0; i < ntx; i++)
            oden[i] += w * p[i];
    }
}

/* The result from the sums: num the weighted sum, den the weight of the
 * valid values (skipna), cover the weight of the stencil within the
 * source (0 outside it). */
static double result(const zs_regrid *r, double num, double den,
                     double cover)
{
    bool frac = r->o.method == RG_CONSERVATIVE;
    if (!(cover > 0))
        return NAN;
    if (!r->o.skipna)
        return frac ? num / cover : num;
    if (!(den > 0) || den < r->o.min_frac * cover)
        return NAN;
    return r->o.method == RG_DESTAREA ? num : num / den;
}

/* nearest: each target the value of the corner picked; rows holds the
 * decoded source rows. */
static void pick_values(const job *j, const double *rows, void *out)
{
    const zs_regrid *r = j->r;
    const rg_weights *wy = &r->wy, *wx = &r->wx;
    uint64_t nx = r->nx;
    for (uint64_t t = 0; t < wy->nt; t++)
        for (uint64_t i = 0; i < wx->nt; i++) {
            uint8_t p = r->pick[t * wx->nt + i];
            double v = NAN;
            if (wy->cover[t] > 0 && wx->cover[i] > 0)
                v = rows[wy->idx[wy->row[t] + (p & 1)] * nx +
                         wx->idx[wx->row[i] + (p >> 1)]];
            zsi_store_double(j->rv->dtype, out, (size_t)(t * wx->nt + i), v);
        }
}

/* Row k of slice s decoded (and masked); in time between two source
 * steps, the weighted mean of theirs (tmp: a row of scratch). */
static void decode_row(const job *j, size_t s, uint64_t k, double *row,
                       double *tmp)
{
    uint64_t ny = j->r->ny, nx = j->r->nx;
    size_t w = j->raw_slice / (size_t)(ny * nx), off = s * j->raw_slice;
    double a = j->alpha ? j->alpha[s] : 0;
    zsi_cfdecode_row(&j->dec, j->raw + off + k * nx * w, (size_t)nx, row);
    if (j->rv->mask.on)
        zsi_rg_mask_apply(&j->rv->mask, row, (size_t)nx);
    if (!(a > 0))
        return;
    zsi_cfdecode_row(&j->dec, j->raw2 + off + k * nx * w, (size_t)nx, tmp);
    if (j->rv->mask.on)
        zsi_rg_mask_apply(&j->rv->mask, tmp, (size_t)nx);
    for (uint64_t i = 0; i < nx; i++)
        row[i] = (1 - a) * row[i] + a * tmp[i];
}

static zs_status slice_nearest(const job *j, size_t s, void *out)
{
    const zs_regrid *r = j->r;
    uint64_t ny = r->ny, nx = r->nx;
    double *rows = malloc((size_t)((ny + 1) * nx) * sizeof *rows);
    if (!rows)
        return zsi_nomem(r->ctx);
    for (uint64_t k = 0; k < ny; k++)
        if (r->need_row[k])
            decode_row(j, s, k, rows + k * nx, rows + ny * nx);
    pick_values(j, rows, out);
    free(rows);
    return ZS_OK;
}

/* Weights from a file: one sparse product over the slice. */
static zs_status slice_links(const job *j, size_t s, void *out)
{
    const zs_regrid *r = j->r;
    const rg_links *l = &r->o.links;
    uint64_t ny = r->ny, nx = r->nx;
    uint64_t nt = r->o.lat.n * r->o.lon.n;
    bool skip = r->o.skipna;
    double *rows = malloc((size_t)((ny + 1) * nx) * sizeof *rows);
    double *num = calloc((size_t)nt * 2 + 1, sizeof *num), *den = num + nt;
    for (uint64_t k = 0; rows && num && k < ny; k++)
        decode_row(j, s, k, rows + k * nx, rows + ny * nx);
    for (uint64_t e = 0; rows && num && e < l->n; e++) {
        double v = rows[l->src[e]];
        if (!skip || !isnan(v)) {
            num[l->dst[e]] += l->w[e] * v;
            den[l->dst[e]] += l->w[e];
        }
    }
    for (uint64_t t = 0; rows && num && t < nt; t++)
        zsi_store_double(j->rv->dtype, out, (size_t)t,
                         result(r, num[t], den[t], r->lcover[t]));
    free(rows);
    free(num);
    return rows && num ? ZS_OK : zsi_nomem(r->ctx);
}

/* linear and conservative: the two passes. */
static zs_status slice_weights(const job *j, size_t s, void *out)
{
    const zs_regrid *r = j->r;
    uint64_t ny = r->ny, nx = r->nx;
    uint64_t ntx = r->wx.nt;
    bool skip = r->o.skipna;
    size_t nrow = (size_t)(ny * ntx);
    double *row = malloc((size_t)(2 * nx + 2 * ntx) * sizeof *row);
    double *num = malloc(nrow * (skip ? 2 : 1) * sizeof *num);
    double *on = row + 2 * nx, *od = row + 2 * nx + ntx;
    for (uint64_t k = 0; row && num && k < ny; k++)
        if (r->need_row[k]) {
            decode_row(j, s, k, row, row + nx);
            pass_x(&r->wx, row, num + k * ntx,
                   skip ? num + nrow + k * ntx : NULL);
        }
    for (uint64_t t = 0; row && num && t < r->wy.nt; t++) {
        pass_y(&r->wy, t, ntx, num, skip ? num + nrow : NULL, on, od);
        for (uint64_t i = 0; i < ntx; i++)
            zsi_store_double(j->rv->dtype, out, (size_t)(t * ntx + i),
                             result(r, on[i], skip ? od[i] : 0,
                                    r->wy.cover[t] * r->wx.cover[i]));
    }
    free(row);
    free(num);
    return row && num ? ZS_OK : zsi_nomem(r->ctx);
}

static zs_status slice_task(void *arg, size_t s)
{
    const job *j = arg;
    void *out = j->out + s * j->out_slice * zsi_dtype_size(j->rv->dtype);
    if (j->none && j->none[s]) {   /* no source time step */
        for (uint64_t i = 0; i < j->out_slice; i++)
            zsi_store_double(j->rv->dtype, out, (size_t)i, NAN);
        return ZS_OK;
    }
    return j->r->o.links.n || j->r->curvi ? slice_links(j, s, out)
           : j->r->pick ? slice_nearest(j, s, out)
                        : slice_weights(j, s, out);
}

/* ---- boxes ------------------------------------------------------------ */

/* Bytes of the first-pass sums of one slice, per thread. */
static uint64_t scratch_bytes(const zs_regrid *r)
{
    uint64_t ny = r->ny, nx = r->nx;
    if (r->o.links.n || r->curvi)
        return ((ny + 1) * nx + 2 * r->o.lat.n * r->o.lon.n) *
               sizeof(double);
    if (r->pick)
        return (ny + 1) * nx * sizeof(double);
    return (ny * r->wx.nt * (r->o.skipna ? 2 : 1) + 2 * nx + 2 * r->wx.nt) *
           sizeof(double);
}

/* The boxes of a variable, in the output's indices: whole slices,
 * aligned to what a source read decodes and to what an output write
 * covers when that fits the memory, else to the output alone. */
static bool plan_boxes(zs_regrid *r, const rg_var *rv, zsi_blocks *b,
                       bool *aligned)
{
    const zs_var *v = rv->v;
    int no = zs_var_ndim(v) - 2;
    uint64_t src[ZS_MAX_DIMS], unit[ZS_MAX_DIMS], slice, budget, one;
    uint64_t fixed = (uint64_t)zs_ctx_threads(r->ctx) * scratch_bytes(r);
    slice = zs_var_shape(v)[no] * zs_var_shape(v)[no + 1] *
                zs_var_itemsize(v) * (r->tfrac && rv->tdim >= 0 ? 2 : 1) +
            rv->oshape[no] * rv->oshape[no + 1] * zsi_dtype_size(rv->dtype);
    budget = r->memory > fixed ? (r->memory - fixed) / 2 : 1;
    if (budget > BOX_MAX)
        budget = BOX_MAX;
    zsi_source_unit(v, src);
    one = slice;
    for (int d = 0; d < no; d++) {
        unit[d] = zsi_lcm_cap(src[d], rv->unit[d], rv->oshape[d]);
        if (!zsi_mul_ok(one, unit[d], &one))
            one = UINT64_MAX;
    }
    *aligned = one <= budget;
    for (int d = 0; !*aligned && d < no; d++)
        unit[d] = rv->unit[d];
    return zsi_blocks_plan(b, no, rv->oshape, unit, (size_t)slice,
                           (size_t)budget, 0);
}

/* The slices of a box on the target's time axis, one by one: each
 * target time reads the source step it takes, or none. */
static zs_status read_mapped(job *j, const uint64_t *s, const uint64_t *c,
                             uint64_t n)
{
    const rg_var *rv = j->rv;
    int no = zs_var_ndim(rv->v) - 2;
    uint64_t st[ZS_MAX_DIMS], one[ZS_MAX_DIMS];
    zs_status e = ZS_OK;
    for (uint64_t k = 0; e == ZS_OK && k < n; k++) {
        uint64_t rest = k;
        int64_t src;
        for (int d = no - 1; d >= 0; d--) {
            st[d] = s[d] + rest % c[d];
            rest /= c[d];
            one[d] = 1;
        }
        src = j->r->tmap[st[rv->tdim]];
        j->none[k] = src < 0;
        if (j->alpha)
            j->alpha[k] = src < 0 ? 0 : j->r->tfrac[st[rv->tdim]];
        if (src < 0)
            continue;
        st[rv->tdim] = (uint64_t)src;
        st[no] = st[no + 1] = 0;
        one[no] = c[no];
        one[no + 1] = c[no + 1];
        e = zs_var_read(rv->v, st, one, (void *)(j->raw + k * j->raw_slice));
        st[rv->tdim]++;
        if (e == ZS_OK && j->alpha && j->alpha[k] > 0)
            e = zs_var_read(rv->v, st, one, j->raw2 + k * j->raw_slice);
    }
    return e;
}

static zs_status run_box(job *j, const zsi_blocks *b, uint64_t i)
{
    const rg_var *rv = j->rv;
    int no = zs_var_ndim(rv->v) - 2;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], n = 1;
    zs_status st;
    zsi_blocks_box(b, i, s, c);
    for (int d = 0; d < no; d++)
        n *= c[d];
    s[no] = s[no + 1] = 0;
    c[no] = zs_var_shape(rv->v)[no];
    c[no + 1] = zs_var_shape(rv->v)[no + 1];
    st = rv->tdim >= 0 ? read_mapped(j, s, c, n)
                       : zs_var_read(rv->v, s, c, (void *)j->raw);
    if (st == ZS_OK)
        st = zsi_parallel_for(j->r->ctx, (size_t)n, slice_task, j);
    c[no] = rv->oshape[no];
    c[no + 1] = rv->oshape[no + 1];
    return st == ZS_OK ? zs_array_write(rv->out, s, c, j->out) : st;
}

zs_status zsi_regrid_var(zs_regrid *r, rg_var *rv)
{
    zs_var *v = rv->v;
    int no = zs_var_ndim(v) - 2;
    zsi_blocks b;
    bool aligned;
    uint64_t most;
    job j;
    zs_status st = ZS_OK;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.rv = rv;
    if (!plan_boxes(r, rv, &b, &aligned))
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW, "%s: too many boxes",
                       zs_var_path(v));
    zsi_cfdecode_init(&j.dec, v);
    j.raw_slice = (size_t)(zs_var_shape(v)[no] * zs_var_shape(v)[no + 1] *
                           zs_var_itemsize(v));
    j.out_slice = rv->oshape[no] * rv->oshape[no + 1];
    most = zsi_blocks_max_elems(&b);
    j.raw = malloc((size_t)(most ? most : 1) * j.raw_slice);
    j.out = malloc((size_t)(most ? most : 1) * (size_t)j.out_slice *
                   zsi_dtype_size(rv->dtype));
    if (rv->tdim >= 0)
        j.none = calloc((size_t)(most ? most : 1), sizeof *j.none);
    if (rv->tdim >= 0 && r->tfrac) {
        j.alpha = calloc((size_t)(most ? most : 1), sizeof *j.alpha);
        j.raw2 = malloc((size_t)(most ? most : 1) * j.raw_slice);
    }
    if (!j.raw || !j.out || (rv->tdim >= 0 && !j.none) ||
        (rv->tdim >= 0 && r->tfrac && (!j.alpha || !j.raw2)))
        st = zsi_nomem(r->ctx);
    /* a source step taken by several target times is read again */
    if (zsi_var_array(v))
        zsi_array_set_read_once(zsi_var_array(v), aligned && rv->tdim < 0);
    for (uint64_t i = 0; st == ZS_OK && i < b.n; i++) {
        st = run_box(&j, &b, i);
        if (st == ZS_OK)
            st = zsi_progress(r->ctx, i + 1, b.n);
    }
    if (zsi_var_array(v))
        zsi_array_set_read_once(zsi_var_array(v), false);
    free((void *)j.raw);
    free(j.out);
    free(j.none);
    free(j.alpha);
    free(j.raw2);
    return st;
}

/* ---- output ------------------------------------------------------------- */

static const char *const not_kept[] = {
    "scale_factor", "add_offset", "missing_value", "_Unsigned", "valid_min",
    "valid_max", "valid_range", "actual_range", "bounds", "edges",
    "point_spacing", NULL};

static bool set_text(zs_attrs *a, const char *name, const char *text)
{
    return zsi_attrs_set(a, name, ZS_DT_STRING, text, strlen(text));
}

/* A curvilinear source's variable: its projection and 2-D coordinates
 * are not the target's. */
static bool curvi_attrs(zs_regrid *r, zs_attrs *a)
{
    const char *c = zsi_attrs_text(a, "coordinates");
    zsi_strv names = {0};
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = true;
    zsi_attrs_remove(a, "grid_mapping");
    if (!c)
        return true;
    ok = zsi_strv_split(&names, c, ' ');
    for (size_t i = 0; ok && i < names.n; i++)
        if (*names.v[i] && strcmp(names.v[i], zs_var_name(r->ysrc)) &&
            strcmp(names.v[i], zs_var_name(r->xsrc)))
            ok = zsi_buf_printf(&b, "%s%s", b.len ? " " : "", names.v[i]);
    ok = ok && zsi_buf_cstr(&b);
    if (ok && b.len)
        ok = set_text(a, "coordinates", (const char *)b.data);
    else if (ok)
        zsi_attrs_remove(a, "coordinates");
    zsi_strv_free(&names);
    zsi_buf_free(&b);
    return ok;
}

/* A regridded variable's attributes: packing and ranges gone, flags gone
 * unless values are picked (nearest), cell_methods for area means. */
static zs_status result_attrs(zs_regrid *r, const rg_var *rv,
                              zs_attrs **out)
{
    static const char *const flags[] = {"flag_values", "flag_meanings",
                                        "flag_masks", NULL};
    const char *old = zsi_attrs_text(zs_var_attrs(rv->v), "cell_methods");
    bool ok = true;
    if (zsi_attrs_copy(zs_var_attrs(rv->v), out) != ZS_OK)
        return zsi_nomem(r->ctx);
    for (int k = 0; not_kept[k]; k++)
        zsi_attrs_remove(*out, not_kept[k]);
    for (int k = 0; flags[k] && (r->o.method != RG_NEAREST ||
                                 r->o.mask_invalid); k++)
        zsi_attrs_remove(*out, flags[k]);
    if (r->curvi)
        ok = curvi_attrs(r, *out);
    if (ok && (r->o.method == RG_CONSERVATIVE ||
               r->o.method == RG_DESTAREA)) {
        char *cm = zsi_asprintf("%s%sarea: mean", old ? old : "",
                                old ? " " : "");
        ok = cm && set_text(*out, "cell_methods", cm);
        free(cm);
    }
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}

static zs_status create_result(zs_regrid *r, zsi_writer *w, rg_var *rv)
{
    zs_attrs *attrs = NULL;
    zsi_codec_spec *c = NULL;
    size_t nc = 0;
    uint64_t fill[1];   /* aligned for any numeric type */
    zsi_array_def d;
    zs_status st = result_attrs(r, rv, &attrs);
    if (st == ZS_OK)
        st = zsi_codecs_of_var(rv->v, ZSI_CODECS_NO_FILTERS, &c, &nc);
    zsi_store_double(rv->dtype, fill, 0, NAN);
    d = (zsi_array_def){zs_var_path(rv->v), zs_var_ndim(rv->v), rv->oshape,
                        rv->ochunks, rv->odims, rv->dtype,
                        zsi_dtype_size(rv->dtype), fill, attrs, c, nc,
                        zsi_var_array(rv->v) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, &rv->out);
    zsi_codecs_free(c, nc);
    zsi_attrs_free(attrs);
    return st;
}

/* A target coordinate's attributes: the target's (a dataset), or the
 * source's made to describe the new values (a grid given as text). */
static zs_status coord_attrs(zs_regrid *r, const zs_var *src,
                             const rg_coord *t, bool lat, zs_attrs **out)
{
    bool ok;
    if (zsi_attrs_copy(t->attrs ? t->attrs : zs_var_attrs(src), out) != ZS_OK)
        return zsi_nomem(r->ctx);
    for (int k = 0; not_kept[k]; k++)
        zsi_attrs_remove(*out, not_kept[k]);
    if (t->attrs)
        return ZS_OK;
    ok = set_text(*out, "units", lat ? "degrees_north" : "degrees_east") &&
         set_text(*out, "standard_name", lat ? "latitude" : "longitude") &&
         set_text(*out, "axis", lat ? "Y" : "X");
    if (ok && !zsi_attrs_text(*out, "long_name"))
        ok = set_text(*out, "long_name", lat ? "latitude" : "longitude");
    return ok ? ZS_OK : zsi_nomem(r->ctx);
}

static zs_status create_coord(zs_regrid *r, zsi_writer *w, const zs_var *src,
                              const rg_coord *t, bool lat, zs_array **out)
{
    zs_attrs *attrs = NULL;
    zsi_codec_spec *c = NULL;
    size_t nc = 0;
    uint64_t shape[1] = {t->n};
    /* a curvilinear source's 2-D coordinate becomes a 1-D one */
    const char *dim[1] = { zs_var_ndim(src) == 1 ? zs_var_dim_name(src, 0)
                                                 : zs_var_name(src) };
    zsi_array_def d;
    zs_status st = coord_attrs(r, src, t, lat, &attrs);
    if (st == ZS_OK)
        st = zsi_codecs_of_var(src, ZSI_CODECS_NO_FILTERS, &c, &nc);
    d = (zsi_array_def){zs_var_path(src), 1, shape, shape, dim, t->dtype,
                        zsi_dtype_size(t->dtype), NULL, attrs, c, nc,
                        zsi_var_array(src) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, out);
    zsi_codecs_free(c, nc);
    zsi_attrs_free(attrs);
    return st;
}

static zs_status write_coord(zs_regrid *r, zs_array *a, const rg_coord *t)
{
    uint64_t start = 0, n = t->n;
    void *buf = malloc((size_t)n * zsi_dtype_size(t->dtype));
    zs_status st;
    if (!buf)
        return zsi_nomem(r->ctx);
    for (uint64_t i = 0; i < n; i++)
        zsi_store_double(t->dtype, buf, (size_t)i, t->c[i]);
    st = zs_array_write(a, &start, &n, buf);
    free(buf);
    return st;
}

/* Every array defined; an input stream need not keep the others. */
static zs_status define(zs_regrid *r, zsi_writer *w, zs_array **copies,
                        zs_array **yxt)
{
    size_t nu = 0;
    zs_var **used = calloc(r->ncopy + r->nvars + 3, sizeof *used);
    zs_status st = used ? zsi_writer_add_groups(w, zs_dataset_root(r->ds))
                        : zsi_nomem(r->ctx);
    for (size_t i = 0; st == ZS_OK && i < r->ncopy; i++) {
        used[nu++] = r->copy[i];
        st = zsi_copy_define(w, &r->w, r->copy[i], &copies[i]);
    }
    if (st == ZS_OK)
        st = create_coord(r, w, r->ysrc, &r->o.lat, true, &yxt[0]);
    if (st == ZS_OK)
        st = create_coord(r, w, r->xsrc, &r->o.lon, false, &yxt[1]);
    if (st == ZS_OK && r->tsrc)
        st = create_coord(r, w, r->tsrc, &r->o.ttime.c, false, &yxt[2]);
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++) {
        used[nu++] = r->vars[i].v;
        st = create_result(r, w, &r->vars[i]);
    }
    if (st == ZS_OK)
        st = zsi_skip_unused(r->ds, used, nu);
    free(used);
    return st;
}

static zs_status run(void *user, zsi_writer *w)
{
    zs_regrid *r = user;
    zs_array **copies = calloc(r->ncopy + 1, sizeof *copies);
    zs_array *yxt[3] = {NULL, NULL, NULL};
    zs_status st = copies ? define(r, w, copies, yxt) : zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    for (size_t i = 0; st == ZS_OK && i < r->ncopy; i++)
        st = zsi_writer_copy(w, r->copy[i], copies[i]);
    if (st == ZS_OK)
        st = write_coord(r, yxt[0], &r->o.lat);
    if (st == ZS_OK)
        st = write_coord(r, yxt[1], &r->o.lon);
    if (st == ZS_OK && r->tsrc)
        st = write_coord(r, yxt[2], &r->o.ttime.c);
    for (size_t i = 0; st == ZS_OK && i < r->nvars; i++)
        st = zsi_regrid_var(r, &r->vars[i]);
    free(copies);
    return st;
}

zs_status zs_regrid_run(zs_regrid *r, const char *out)
{
    zs_status st = zsi_writer_write(r->ctx, out, &r->w, run, r);
    for (size_t i = 0; i < r->nvars; i++)   /* the writer's, gone */
        r->vars[i].out = NULL;
    return st;
}
