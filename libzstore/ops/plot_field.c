/* plot_field.c - the fields a quick-look map draws, read through the
 * selection (zsel's -s and -i, resolved by select_plan.c) and decoded
 * (packing, _FillValue and missing_value to NaN): a 2-D slice turned so
 * that latitude grows upward and longitude to the right whatever the
 * stored order; a land mask on the same grid; the counts of a 2-D
 * histogram of two variables. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_labels.h"
#include "ops/zsi_plot.h"
#include "ops/zsi_regrid.h"
#include "ops/zsi_select.h"

/* Points of a slice or of a histogram's inputs. */
#define FIELD_MAX ((uint64_t)1 << 26)
#define SIDE_MAX 16384

/* ---- reading through the selection --------------------------------- */

static bool has_dim(const zs_var *v, const char *spec)
{
    size_t n = strcspn(spec, "=");
    for (int d = 0; d < zs_var_ndim(v); d++)
        if (strlen(zs_var_dim_name(v, d)) == n &&
            !strncmp(zs_var_dim_name(v, d), spec, n))
            return true;
    return false;
}

static zs_var *find_var(zs_dataset *ds, const char *name, const char *what)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), name);
    if (!v) {
        zsi_err(zsi_dataset_ctx(ds), ZS_ERR_NOTFOUND, "no variable '%s'%s",
                name, what);
        return NULL;
    }
    if (!zsi_dtype_is_numeric(zs_var_dtype(v))) {
        zsi_err(zsi_dataset_ctx(ds), ZS_ERR_UNSUPPORTED,
                "%s: %s values cannot be "
                "drawn",
                name, zs_dtype_name(zs_var_dtype(v)));
        return NULL;
    }
    return v;
}

/* Resolve the options' selections (all, or those of v's dimensions)
 * for the variables vars ("a" or "a,b"). */
static zs_status plot_select(zs_dataset *ds, const zs_var *v,
                             const char *vars,
                             const struct zs_plot_opts *o, bool strict,
                             zs_selection **out)
{
    zs_select_opts *so;
    zs_status st = zs_select_opts_new(zsi_dataset_ctx(ds), &so);
    if (st == ZS_OK)
        st = zs_select_opts_set_vars(so, vars);
    for (size_t i = 0; st == ZS_OK && i < o->sels.n; i++)
        if (strict || has_dim(v, o->sels.v[i]))
            st = zs_select_opts_add_sel(so, o->sels.v[i]);
    for (size_t i = 0; st == ZS_OK && i < o->isels.n; i++)
        if (strict || has_dim(v, o->isels.v[i]))
            st = zs_select_opts_add_isel(so, o->isels.v[i]);
    if (st == ZS_OK)
        st = zs_select_plan(ds, so, NULL, out);
    zs_select_opts_free(so);
    return st;
}

static const osel *out_of(const zs_selection *s, const zs_var *v)
{
    for (size_t i = 0; i < s->nvars; i++)
        if (s->vars[i].v == v)
            return &s->vars[i];
    return NULL;
}

/* The selected values of o decoded, and their number. */
static zs_status read_decoded(zs_selection *s, const osel *o, double **out,
                              uint64_t *n)
{
    uint64_t start[ZS_MAX_DIMS] = {0}, total;
    zsi_cfdecode dec;
    uint8_t *raw;
    double *v;
    zs_status st;
    if (!zsi_prod_ok(o->shape, o->ndim, &total) || total > FIELD_MAX)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "%s: more than 2^26 values "
                       "selected: too many for a quick look (select a box "
                       "with -s DIM=A:B)", zs_var_name(o->v));
    raw = malloc((size_t)(total ? total : 1) * zs_var_itemsize(o->v));
    v = malloc((size_t)(total ? total : 1) * sizeof *v);
    if (!raw || !v) {
        free(raw);
        free(v);
        return zsi_nomem(s->ctx);
    }
    st = zsi_select_read(s, o, start, o->shape, raw);
    if (st == ZS_OK) {
        zsi_cfdecode_init(&dec, o->v);
        zsi_cfdecode_row(&dec, raw, (size_t)total, v);
    }
    free(raw);
    if (st != ZS_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = total;
    return ZS_OK;
}

/* ---- labels and text ------------------------------------------------- */

/* The coordinate of dimension dim among the selection's outputs. */
static const osel *coord_of(const zs_selection *s, const char *dim)
{
    for (size_t i = 0; i < s->nvars; i++)
        if (zs_var_is_coord(s->vars[i].v) &&
            !strcmp(zs_var_name(s->vars[i].v), dim) && s->vars[i].ndim == 1)
            return &s->vars[i];
    return NULL;
}

/* Labels of output dimension dim (length n): the coordinate's values,
 * or positions. */
static zs_status axis_labels(zs_selection *s, const char *dim, uint64_t n,
                             double **out)
{
    const osel *c = coord_of(s, dim);
    uint64_t m;
    if (c && c->shape[0] == n)
        return read_decoded(s, c, out, &m);
    if (!(*out = malloc((size_t)n * sizeof **out)))
        return zsi_nomem(s->ctx);
    for (uint64_t i = 0; i < n; i++)
        (*out)[i] = (double)i;
    return ZS_OK;
}

/* "long_name [units]" of a variable (its name without a long_name). */
static char *name_units(const zs_var *v, const char *fallback)
{
    const char *ln = v ? zsi_attrs_text(zs_var_attrs(v), "long_name") : NULL;
    const char *u = v ? zsi_attrs_text(zs_var_attrs(v), "units") : NULL;
    if (!ln)
        ln = v ? zs_var_name(v) : fallback;
    return u && *u ? zsi_asprintf("%s [%s]", ln, u) : zsi_strdup(ln);
}

/* ", DIM=LABEL" to b for each dimension of v the slice holds at one
 * label: dropped by a selection, or of length 1. */
static zs_status slice_labels(zs_selection *s, const zs_var *v, zsi_buf *b)
{
    for (int d = 0; d < zs_var_ndim(v); d++) {
        const dsel *ds = zsi_select_dim(s, zs_var_dim_name(v, d));
        uint64_t len = ds ? ds->out_len : zs_var_shape(v)[d], at;
        zsi_labels l;
        char text[64];
        zs_status st;
        if (len != 1)
            continue;
        at = ds ? ds->run[0].start : 0;
        st = zsi_labels_load(s->ds, zs_var_dim_name(v, d), zs_var_shape(v)[d],
                             &l);
        if (st != ZS_OK)
            return st;
        zsi_labels_format(&l, at, text, sizeof text);
        if (!*text)
            snprintf(text, sizeof text, "%llu", (unsigned long long)at);
        zsi_labels_free(&l);
        if (!zsi_buf_printf(b, "%s%s=%s", b->len ? ", " : "",
                            zs_var_dim_name(v, d), text))
            return zsi_nomem(s->ctx);
    }
    return ZS_OK;
}

static zs_status make_title(zs_selection *s, const zs_var *v, plot_field *f)
{
    zsi_buf b = ZSI_BUF_INIT;
    char *nu = name_units(v, NULL);
    zs_status st = nu ? slice_labels(s, v, &b) : zsi_nomem(s->ctx);
    if (st == ZS_OK) {
        f->title = b.len ? zsi_asprintf("%s  %s", nu, zsi_buf_cstr(&b))
                         : zsi_strdup(nu);
        f->units = zsi_strdup(zsi_attrs_text(zs_var_attrs(v), "units")
                              ? zsi_attrs_text(zs_var_attrs(v), "units") : "");
        if (!f->title || !f->units)
            st = zsi_nomem(s->ctx);
    }
    free(nu);
    zsi_buf_free(&b);
    return st;
}

/* ---- the 2-D slice ----------------------------------------------------- */

/* The two dimensions of o longer than 1 (output indices); an error
 * naming the dimensions left otherwise. */
static zs_status two_dims(const zs_selection *s, const osel *o, int *a,
                          int *b)
{
    int k = 0, idx[ZS_MAX_DIMS];
    zsi_buf list = ZSI_BUF_INIT;
    zs_status st;
    for (int j = 0; j < o->ndim; j++)
        if (o->shape[j] > 1)
            idx[k++] = j;
    if (k == 2) {
        *a = idx[0];
        *b = idx[1];
        return ZS_OK;
    }
    for (int j = 0; j < k; j++)
        zsi_buf_printf(&list, "%s%s (%llu)", j ? ", " : "",
                       zs_var_dim_name(o->v, o->src_dim[idx[j]]),
                       (unsigned long long)o->shape[idx[j]]);
    st = zsi_err(s->ctx, ZS_ERR_INVALID, "%s: the slice is not 2-D: %d "
                 "dimension%s left%s%s; a map needs two (pick one label of "
                 "the others with -s DIM=LABEL)", zs_var_name(o->v), k,
                 k == 1 ? "" : "s", k ? ": " : "",
                 k ? zsi_buf_cstr(&list) : "");
    zsi_buf_free(&list);
    return st;
}

/* Outer edges of labels c[0..n-1] (regular steps assumed at the ends). */
static void edges(const double *c, uint64_t n, double *lo, double *hi)
{
    double mn = c[0], mx = c[0], h;
    for (uint64_t i = 1; i < n; i++) {
        mn = c[i] < mn ? c[i] : mn;
        mx = c[i] > mx ? c[i] : mx;
    }
    h = n > 1 ? (mx - mn) / (double)(n - 1) / 2 : 0.5;
    *lo = mn - h;
    *hi = mx + h;
}

/* Place the values v (dims a then b of the selection) into f: y is a
 * unless a is a longitude or b a latitude; rows from the top. */
static void orient(const double *v, double *out, const double *la,
                   const double *lb, uint64_t na, uint64_t nb, bool swap,
                   plot_field *f)
{
    const double *ly = swap ? lb : la, *lx = swap ? la : lb;
    uint64_t ny = swap ? nb : na, nx = swap ? na : nb;
    bool flipy = ny > 1 && ly[ny - 1] > ly[0];
    bool flipx = nx > 1 && lx[nx - 1] < lx[0];
    f->nx = nx;
    f->ny = ny;
    for (uint64_t r = 0; r < ny; r++) {
        uint64_t iy = flipy ? ny - 1 - r : r;
        for (uint64_t c = 0; c < nx; c++) {
            uint64_t ix = flipx ? nx - 1 - c : c;
            out[r * nx + c] = swap ? v[ix * ny + iy] : v[iy * nx + ix];
        }
    }
    edges(lx, nx, &f->xl, &f->xr);
    edges(ly, ny, &f->yb, &f->yt);
}

static zs_status axis_texts(zs_selection *s, const char *ydim,
                            const char *xdim, plot_field *f)
{
    const osel *cy = coord_of(s, ydim), *cx = coord_of(s, xdim);
    f->ylabel = name_units(cy ? cy->v : NULL, ydim);
    f->xlabel = name_units(cx ? cx->v : NULL, xdim);
    return f->xlabel && f->ylabel ? ZS_OK : zsi_nomem(s->ctx);
}

/* The word of flag_meanings that says land: its index, or -1. */
static int land_flag(const char *meanings)
{
    int k = 0;
    for (const char *p = meanings; p && *p; k++) {
        size_t n;
        p += strspn(p, " ");
        n = strcspn(p, " ");
        if (n == 4 && !strncmp(p, "land", 4))
            return k;
        p += n;
    }
    return -1;
}

/* Values outside the valid range and flag values missing (zregrid's
 * --mask-invalid rule); those whose flag means land are 1 in *land
 * (NULL when none is). */
static zs_status mask_invalid(zs_ctx *ctx, const zs_var *v, double *x,
                              uint64_t n, double **land)
{
    rg_mask m;
    size_t i;
    int k = land_flag(zsi_attrs_text(zs_var_attrs(v), "flag_meanings"));
    zsi_rg_mask_init(&m, v);
    *land = NULL;
    if (k >= 0 && (size_t)k < m.nflag &&
        zs_attrs_find(zs_var_attrs(v), "flag_values", &i) &&
        zs_attrs_length(zs_var_attrs(v), i) == m.nflag) {
        if (!(*land = malloc((size_t)(n ? n : 1) * sizeof **land)))
            return zsi_nomem(ctx);
        for (uint64_t j = 0; j < n; j++)
            (*land)[j] = x[j] == m.flag[k];
    }
    zsi_rg_mask_apply(&m, x, (size_t)n);
    return ZS_OK;
}

/* The land of the flags in the map's orientation. */
static zs_status orient_land(zs_ctx *ctx, const double *land,
                             const double *la, const double *lb,
                             uint64_t na, uint64_t nb, bool swap,
                             plot_field *f)
{
    double *tmp = malloc((size_t)(na * nb) * sizeof *tmp);
    if (!tmp || !(f->land = malloc((size_t)(na * nb)))) {
        free(tmp);
        return zsi_nomem(ctx);
    }
    orient(land, tmp, la, lb, na, nb, swap, f);
    for (uint64_t i = 0; i < na * nb; i++)
        f->land[i] = tmp[i] != 0;
    free(tmp);
    return ZS_OK;
}

static zs_status slice(zs_selection *s, const osel *o, bool invalid,
                       plot_field *f)
{
    int a = 0, b = 0;
    double *v = NULL, *la = NULL, *lb = NULL, *land = NULL;
    uint64_t n;
    const char *da, *db;
    const osel *ca, *cb;
    bool swap;
    zs_status st = two_dims(s, o, &a, &b);
    if (st != ZS_OK)
        return st;
    da = zs_var_dim_name(o->v, o->src_dim[a]);
    db = zs_var_dim_name(o->v, o->src_dim[b]);
    if (o->shape[a] > SIDE_MAX || o->shape[b] > SIDE_MAX)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "%s: more than %d points "
                       "along a side: select a box with -s DIM=A:B",
                       zs_var_name(o->v), SIDE_MAX);
    ca = coord_of(s, da);
    cb = coord_of(s, db);
    swap = (ca && zsi_rg_axis_kind(ca->v) == 'X') ||
           (cb && zsi_rg_axis_kind(cb->v) == 'Y');
    if ((st = read_decoded(s, o, &v, &n)) == ZS_OK &&
        (st = axis_labels(s, da, o->shape[a], &la)) == ZS_OK &&
        (st = axis_labels(s, db, o->shape[b], &lb)) == ZS_OK &&
        (!invalid || (st = mask_invalid(s->ctx, o->v, v, n, &land)) ==
         ZS_OK)) {
        if (!(f->v = malloc((size_t)n * sizeof *f->v)))
            st = zsi_nomem(s->ctx);
        else
            orient(v, f->v, la, lb, o->shape[a], o->shape[b], swap, f);
    }
    if (st == ZS_OK && land)
        st = orient_land(s->ctx, land, la, lb, o->shape[a], o->shape[b],
                         swap, f);
    if (st == ZS_OK)
        st = axis_texts(s, swap ? db : da, swap ? da : db, f);
    if (st == ZS_OK)
        st = make_title(s, o->v, f);
    free(v);
    free(la);
    free(lb);
    free(land);
    return st;
}

zs_status zsi_plot_load(zs_dataset *ds, const char *var,
                        const struct zs_plot_opts *o, bool strict,
                        plot_field *f)
{
    zs_selection *s = NULL;
    zs_var *v = find_var(ds, var, "");
    zs_status st = v ? plot_select(ds, v, var, o, strict, &s)
                     : ZS_ERR_NOTFOUND;
    memset(f, 0, sizeof *f);
    if (st == ZS_OK)
        st = slice(s, out_of(s, v), o->mask_invalid, f);
    zs_select_plan_free(s);
    if (st != ZS_OK)
        zsi_plot_field_clear(f);
    return st;
}

void zsi_plot_field_clear(plot_field *f)
{
    free(f->v);
    free(f->land);
    free(f->title);
    free(f->xlabel);
    free(f->ylabel);
    free(f->units);
    memset(f, 0, sizeof *f);
}

/* ---- land from a mask ------------------------------------------------- */

/* The mask variable: named, or the usual names, or the only data
 * variable with two or more dimensions. */
static const char *mask_var(zs_dataset *m, const char *name)
{
    static const char *const usual[] = {"lsm", "land_sea_mask", "landmask",
                                        "land_mask", "land", "mask"};
    zs_group *g = zs_dataset_root(m);
    const char *only = NULL;
    int n = 0;
    if (name)
        return name;
    for (size_t i = 0; i < sizeof usual / sizeof usual[0]; i++)
        if (zs_group_find_var(g, usual[i]))
            return usual[i];
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var *v = zs_group_var(g, i);
        if (!zs_var_is_coord(v) && zs_var_ndim(v) >= 2) {
            only = zs_var_name(v);
            n++;
        }
    }
    return n == 1 ? only : NULL;
}

zs_status zsi_plot_load_mask(zs_ctx *ctx, zs_dataset *main,
                             const struct zs_plot_opts *o, plot_field *f)
{
    zs_dataset *m = main;
    plot_field mf;
    const char *name;
    zs_status st = ZS_OK;
    if (o->mask.store)
        st = zs_dataset_open(ctx, o->mask.store, &m);
    if (st != ZS_OK)
        return zsi_err_prefix(ctx, st, "mask");
    if (!(name = mask_var(m, o->mask.var)))
        st = zsi_err(ctx, ZS_ERR_NOTFOUND, "mask %s: which variable? "
                     "name it as STORE:VAR", o->mask.store);
    if (st == ZS_OK && (st = zsi_plot_load(m, name, o, false, &mf)) ==
        ZS_OK) {
        if (mf.nx != f->nx || mf.ny != f->ny)
            st = zsi_err(ctx, ZS_ERR_MISMATCH, "mask %s: %llu x %llu "
                         "points, the map %llu x %llu", name,
                         (unsigned long long)mf.nx,
                         (unsigned long long)mf.ny,
                         (unsigned long long)f->nx,
                         (unsigned long long)f->ny);
        else if (!f->land && !(f->land = calloc(1, (size_t)(f->nx *
                                                            f->ny))))
            st = zsi_nomem(ctx);
        for (uint64_t i = 0; st == ZS_OK && i < f->nx * f->ny; i++)
            f->land[i] |= mf.v[i] > 0.5;   /* NaN is not land */
        zsi_plot_field_clear(&mf);
    }
    if (m != main)
        zs_dataset_close(m);
    return st;
}

/* ---- a 2-D histogram ---------------------------------------------------- */

static void range_of(const double *x, const double *y, uint64_t n,
                     double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (uint64_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) {
            *lo = x[i] < *lo ? x[i] : *lo;
            *hi = x[i] > *hi ? x[i] : *hi;
        }
    if (*lo == *hi) {
        *lo -= 0.5;
        *hi += 0.5;
    }
}

/* The bin edges numpy.histogram2d uses: np.linspace(lo, hi, bins + 1),
 * k * step + lo with the last edge hi itself. */
static double *bin_edges(double lo, double hi, int bins)
{
    double *e = malloc(((size_t)bins + 1) * sizeof *e);
    double step = (hi - lo) / bins;
    if (!e)
        return NULL;
    for (int k = 0; k < bins; k++)
        e[k] = (double)k * step + lo;
    e[bins] = hi;
    return e;
}

/* numpy's bin of x: edges at or below x, less one (searchsorted right);
 * the last bin includes its right edge. */
static uint64_t bin_of(double x, const double *e, int bins)
{
    int lo = 0, hi = bins + 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (e[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > bins ? (uint64_t)bins - 1 : (uint64_t)(lo - 1);
}

static zs_status count(const double *x, const double *y, uint64_t n,
                       int bins, zs_ctx *ctx, plot_field *f)
{
    uint64_t nb = (uint64_t)bins, valid = 0;
    double *ex, *ey;
    range_of(x, y, n, &f->xl, &f->xr);
    range_of(y, x, n, &f->yb, &f->yt);
    f->nx = f->ny = nb;
    ex = bin_edges(f->xl, f->xr, bins);
    ey = bin_edges(f->yb, f->yt, bins);
    if (!ex || !ey || !(f->v = calloc((size_t)(nb * nb), sizeof *f->v))) {
        free(ex);
        free(ey);
        return zsi_nomem(ctx);
    }
    for (uint64_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i]))
            continue;
        f->v[(nb - 1 - bin_of(y[i], ey, bins)) * nb + bin_of(x[i], ex, bins)]
            += 1;
        valid++;
    }
    free(ex);
    free(ey);
    for (uint64_t i = 0; i < nb * nb; i++)
        if (f->v[i] == 0)
            f->v[i] = NAN;        /* empty: background */
    if (!valid)
        return zsi_err(ctx, ZS_ERR_RANGE, "no point has both values");
    return ZS_OK;
}

/* One side of a histogram: a variable of a store, its selected values
 * and what they lie on. */
typedef struct hist_in {
    zs_dataset *ds;         /* the plotted dataset, or one opened here */
    bool own;
    zs_selection *s;
    const osel *o;
    double *v;
    uint64_t n;
} hist_in;

static zs_status hist_read(zs_dataset *main, const plot_src *src,
                           const struct zs_plot_opts *o, hist_in *h)
{
    zs_var *v;
    zs_status st = ZS_OK;
    memset(h, 0, sizeof *h);
    h->ds = main;
    if (src->store && (st = zs_dataset_open(zsi_dataset_ctx(main), src->store,
                                            &h->ds)) != ZS_OK)
        return st;
    h->own = src->store != NULL;
    if (!(v = find_var(h->ds, src->var, src->store ? " in that store"
                                                    : "")))
        return ZS_ERR_NOTFOUND;
    st = plot_select(h->ds, v, src->var, o, !h->own, &h->s);
    if (st == ZS_OK)
        st = read_decoded(h->s, h->o = out_of(h->s, v), &h->v, &h->n);
    if (st == ZS_OK && o->mask_invalid) {
        double *land;
        st = mask_invalid(zsi_dataset_ctx(main), v, h->v, h->n, &land);
        free(land);
    }
    return st;
}

static void hist_free(hist_in *h)
{
    free(h->v);
    zs_select_plan_free(h->s);
    if (h->own)
        zs_dataset_close(h->ds);
}

/* Label k of a coordinate as text: ISO 8601 for times. */
static void label_text(zs_time_units *tu, double v, char *buf, size_t n)
{
    zs_datetime dt;
    if (tu && zs_time_decode(tu, v, &dt) == ZS_OK &&
        zs_datetime_format(&dt, buf, n) == ZS_OK)
        return;
    zsi_fmt_double(v, buf, n);
}

static zs_time_units *units_of(zs_selection *s, const char *dim)
{
    const osel *c = coord_of(s, dim);
    const char *u = c ? zsi_attrs_text(zs_var_attrs(c->v), "units") : NULL;
    zs_time_units *tu = NULL;
    if (u && strstr(u, " since "))
        zs_time_units_parse(s->ctx, u, zsi_attrs_text(zs_var_attrs(c->v),
                                                      "calendar"), &tu);
    return tu;
}

/* The first label of dimension dim (length n) where a and b differ:
 * false and the texts when there is one. */
static zs_status same_labels(hist_in *a, hist_in *b, const char *dim,
                             uint64_t n, char *ta, char *tb, bool *same)
{
    double *la = NULL, *lb = NULL;
    zs_time_units *ua = units_of(a->s, dim), *ub = units_of(b->s, dim);
    zs_status st = axis_labels(a->s, dim, n, &la);
    if (st == ZS_OK)
        st = axis_labels(b->s, dim, n, &lb);
    *same = true;
    for (uint64_t i = 0; st == ZS_OK && *same && i < n; i++) {
        label_text(ua, la[i], ta, 64);
        label_text(ub, lb[i], tb, 64);
        *same = !strcmp(ta, tb);
    }
    free(la);
    free(lb);
    zs_time_units_free(ua);
    zs_time_units_free(ub);
    return st;
}

/* The dimensions longer than 1 of a side, "time 4, lat 180". */
static void dims_text(const osel *o, zsi_buf *b)
{
    for (int j = 0; j < o->ndim; j++)
        if (o->shape[j] > 1)
            zsi_buf_printf(b, "%s%s %llu", b->len ? ", " : "",
                           zs_var_dim_name(o->v, o->src_dim[j]),
                           (unsigned long long)o->shape[j]);
}

/* x and y must lie on the same points: the same dimensions longer than
 * 1, the same lengths and labels. */
static zs_status hist_match(zs_ctx *ctx, hist_in *x, hist_in *y)
{
    zsi_buf bx = ZSI_BUF_INIT, by = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    char ta[64], tb[64];
    dims_text(x->o, &bx);
    dims_text(y->o, &by);
    if (!zsi_buf_cstr(&bx) || !zsi_buf_cstr(&by))
        st = zsi_nomem(ctx);
    else if (strcmp((char *)bx.data, (char *)by.data))
        st = zsi_err(ctx, ZS_ERR_MISMATCH, "%s (%s) and %s (%s) are not on "
                     "the same points", zs_var_name(x->o->v), (char *)bx.data,
                     zs_var_name(y->o->v), (char *)by.data);
    for (int j = 0; st == ZS_OK && j < x->o->ndim; j++) {
        const char *dim = zs_var_dim_name(x->o->v, x->o->src_dim[j]);
        bool same;
        if (x->o->shape[j] < 2)
            continue;
        st = same_labels(x, y, dim, x->o->shape[j], ta, tb, &same);
        if (st == ZS_OK && !same)
            st = zsi_err(ctx, ZS_ERR_MISMATCH,
                         "%s and %s are not on the "
                         "same points: %s %s and %s (put one on the other's "
                         "grid and times first, with zregrid --like)",
                         zs_var_name(x->o->v), zs_var_name(y->o->v), dim, ta,
                         tb);
    }
    zsi_buf_free(&bx);
    zsi_buf_free(&by);
    return st;
}

/* log10 of the values in place; those <= 0 missing. */
static void to_log10(double *v, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        v[i] = v[i] > 0 ? log10(v[i]) : NAN;
}

static char *log_label(const zs_var *v, bool log)
{
    char *nu = name_units(v, NULL), *l;
    if (!log || !nu)
        return nu;
    l = zsi_asprintf("%s, log scale", nu);
    free(nu);
    return l;
}

zs_status zsi_plot_hist2d(zs_dataset *ds, const struct zs_plot_opts *o,
                          plot_field *f)
{
    hist_in x, y;
    zs_status st = hist_read(ds, &o->hx, o, &x);
    memset(&y, 0, sizeof y);
    memset(f, 0, sizeof *f);
    if (st == ZS_OK)
        st = hist_read(ds, &o->hy, o, &y);
    if (st == ZS_OK)
        st = hist_match(zsi_dataset_ctx(ds), &x, &y);
    if (st == ZS_OK && o->hist_logx)
        to_log10(x.v, x.n);
    if (st == ZS_OK && o->hist_logy)
        to_log10(y.v, y.n);
    if (st == ZS_OK)
        st = count(x.v, y.v, x.n, o->bins, zsi_dataset_ctx(ds), f);
    if (st == ZS_OK) {
        f->xlog = o->hist_logx;
        f->ylog = o->hist_logy;
        f->xlabel = log_label(x.o->v, f->xlog);
        f->ylabel = log_label(y.o->v, f->ylog);
        f->title = zsi_asprintf("%s against %s: points per bin",
                                o->hy.var, o->hx.var);
        f->units = zsi_strdup("count");
        if (!f->xlabel || !f->ylabel || !f->title || !f->units)
            st = zsi_nomem(zsi_dataset_ctx(ds));
    }
    hist_free(&x);
    hist_free(&y);
    if (st != ZS_OK)
        zsi_plot_field_clear(f);
    return st;
}
