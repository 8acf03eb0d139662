/* regrid_opts.c - options of a regridding: the target grid (from text or
 * from a dataset), the method and the rules for missing values; how the
 * horizontal coordinates of a dataset are recognised. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

/* Points per axis of a grid given as text. */
#define GRID_MAX ((uint64_t)1 << 24)

/* ---- coordinates ---------------------------------------------------- */

bool zsi_rg_coord_copy(rg_coord *dst, const rg_coord *src)
{
    memset(dst, 0, sizeof *dst);
    dst->n = src->n;
    dst->dtype = src->dtype;
    if (src->n && !(dst->c = malloc((size_t)src->n * sizeof *dst->c)))
        return false;
    if (src->n)
        memcpy(dst->c, src->c, (size_t)src->n * sizeof *dst->c);
    if (src->attrs && zsi_attrs_copy(src->attrs, &dst->attrs) != ZS_OK) {
        zsi_rg_coord_clear(dst);
        return false;
    }
    return true;
}

void zsi_rg_coord_clear(rg_coord *c)
{
    free(c->c);
    zsi_attrs_free(c->attrs);
    memset(c, 0, sizeof *c);
}

static bool unit_is(const char *u, const char *dir)
{
    static const char *const forms[] = {"degrees_%s", "degree_%s",
                                        "degrees%s", "degree%s"};
    char buf[32];
    if (!u)
        return false;
    for (int i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, forms[i], dir);
        if (!strcmp(u, buf))
            return true;
    }
    return false;
}

/* Latitude (Y) or longitude (X) by units or standard_name alone. */
static int kind_of(const zs_var *v)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    const char *sn = zsi_attrs_text(zs_var_attrs(v), "standard_name");
    if (!zsi_dtype_is_numeric(zs_var_dtype(v)))
        return 0;
    if (unit_is(u, "north") || unit_is(u, "N"))
        return 'Y';
    if (unit_is(u, "east") || unit_is(u, "E"))
        return 'X';
    if (sn && !strcmp(sn, "latitude"))
        return 'Y';
    if (sn && !strcmp(sn, "longitude"))
        return 'X';
    return 0;
}

int zsi_rg_axis_kind(const zs_var *v)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    const char *ax = zsi_attrs_text(zs_var_attrs(v), "axis");
    bool degrees = !u || zsi_str_starts(u, "degree");
    int k = zs_var_ndim(v) == 1 ? kind_of(v) : 0;
    if (k || zs_var_ndim(v) != 1 || !zsi_dtype_is_numeric(zs_var_dtype(v)))
        return k;
    if (degrees && ax && (!strcmp(ax, "Y") || !strcmp(ax, "X")))
        return ax[0];
    return 0;
}

static zs_status curvi_pair(zs_dataset *ds, zs_var *y, zs_var *x)
{
    if (strcmp(zs_var_dim_name(y, 0), zs_var_dim_name(x, 0)) ||
        strcmp(zs_var_dim_name(y, 1), zs_var_dim_name(x, 1)))
        return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                       "%s: the 2-D latitude %s "
                       "(%s, %s) and longitude %s (%s, %s) are not on the "
                       "same dimensions",
                       zsi_dataset_name(ds), zs_var_name(y),
                       zs_var_dim_name(y, 0), zs_var_dim_name(y, 1),
                       zs_var_name(x), zs_var_dim_name(x, 0),
                       zs_var_dim_name(x, 1));
    return ZS_OK;
}

zs_status zsi_rg_find_curvi(zs_dataset *ds, const char *ydim,
                            const char *xdim, zs_var **lat, zs_var **lon)
{
    zs_group *g = zs_dataset_root(ds);
    *lat = *lon = NULL;
    if (ydim || xdim) {
        *lat = ydim ? zs_group_find_var(g, ydim) : NULL;
        *lon = xdim ? zs_group_find_var(g, xdim) : NULL;
        if (!*lat || !*lon || zs_var_ndim((*lat)) != 2 ||
            zs_var_ndim((*lon)) != 2)
            return ZS_ERR_NOTFOUND;   /* 1-D ones, perhaps */
        return curvi_pair(ds, *lat, *lon);
    }
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var *v = zs_group_var(g, i);
        int k = zs_var_ndim(v) == 2 ? kind_of(v) : 0;
        if (k == 'Y' && !*lat)
            *lat = v;
        else if (k == 'X' && !*lon)
            *lon = v;
    }
    if (!*lat || !*lon)
        return ZS_ERR_NOTFOUND;
    return curvi_pair(ds, *lat, *lon);
}

static zs_var *named_coord(zs_group *g, const char *name)
{
    zs_var *v = zs_group_find_var(g, name);
    return v && zs_var_is_coord(v) ? v : NULL;
}

zs_status zsi_rg_find_axes(zs_dataset *ds, const char *ydim,
                           const char *xdim, zs_var **y, zs_var **x)
{
    zs_group *g = zs_dataset_root(ds);
    *y = *x = NULL;
    if (ydim || xdim) {
        *y = ydim ? named_coord(g, ydim) : NULL;
        *x = xdim ? named_coord(g, xdim) : NULL;
        if (!*y || !*x)
            return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_NOTFOUND,
                           "%s: no 1-D coordinate "
                           "'%s' (horizontal dimensions)",
                           zsi_dataset_name(ds), !*y ? ydim : xdim);
        return ZS_OK;
    }
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var *v = zs_group_var(g, i);
        int k = zs_var_is_coord(v) ? zsi_rg_axis_kind(v) : 0;
        if (k == 'Y' && !*y)
            *y = v;
        else if (k == 'X' && !*x)
            *x = v;
    }
    if (!*y || !*x)
        return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_NOTFOUND,
                       "%s: no %s coordinate "
                       "(units degrees_%s, standard_name or axis); name the "
                       "horizontal dimensions",
                       zsi_dataset_name(ds), !*y ? "latitude" : "longitude",
                       !*y ? "north" : "east");
    return ZS_OK;
}

zs_status zsi_rg_coord_read(zs_var *v, double **out)
{
    zs_ctx *ctx = zsi_var_ctx(v);
    uint64_t start = 0, n = zs_var_shape(v)[0];
    uint8_t *raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(v));
    double *c = malloc((size_t)(n ? n : 1) * sizeof *c);
    zs_status st = raw && c ? zs_var_read(v, &start, &n, raw)
                            : zsi_nomem(ctx);
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        c[i] = zsi_load_double(vt, raw, (size_t)i);
        if (!isfinite(c[i]) ||
            (i > 1 && (c[i] - c[i - 1]) * (c[1] - c[0]) <= 0) ||
            (i == 1 && c[1] == c[0]))
            st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: the coordinate is not "
                         "finite and strictly monotonic (value %llu)",
                         zs_var_path(v), (unsigned long long)i);
    }
    free(raw);
    if (st != ZS_OK) {
        free(c);
        return st;
    }
    *out = c;
    return ZS_OK;
}

/* ---- options ---------------------------------------------------------- */

zs_status zs_regrid_opts_new(zs_ctx *ctx, zs_regrid_opts **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return zsi_nomem(ctx);
    (*out)->ctx = ctx;
    (*out)->dtype = ZS_DT_NONE;
    return ZS_OK;
}

static void grid_clear(zs_regrid_opts *o)
{
    zsi_rg_coord_clear(&o->lat);
    zsi_rg_coord_clear(&o->lon);
    zsi_rg_time_clear(&o->ttime);
    zsi_rg_links_clear(&o->links);
    free(o->grid_name);
    o->grid_name = NULL;
    o->have_grid = false;
}

void zs_regrid_opts_free(zs_regrid_opts *o)
{
    if (!o)
        return;
    grid_clear(o);
    free(o->ydim);
    free(o->xdim);
    zsi_strv_free(&o->vars);
    free(o);
}

/* Points from a to b by step (b included when reached). */
static zs_status axis_range(zs_ctx *ctx, const char *spec, const char *name,
                            double a, double b, double step, rg_coord *c)
{
    double span = (b - a) / step;
    if (step == 0 || !isfinite(span))
        return zsi_err(ctx, ZS_ERR_INVALID, "grid '%s': the %s step is "
                       "zero", spec, name);
    if (span < 0)
        return zsi_err(ctx, ZS_ERR_INVALID, "grid '%s': the %s stop %g is "
                       "before the start %g for the step %g", spec, name, b,
                       a, step);
    if (span + 1 > (double)GRID_MAX)
        return zsi_err(ctx, ZS_ERR_INVALID, "grid '%s': more than %llu %s "
                       "points", spec, (unsigned long long)GRID_MAX, name);
    c->n = (uint64_t)floor(span + 1e-9) + 1;
    if (!(c->c = malloc((size_t)c->n * sizeof *c->c)))
        return zsi_nomem(ctx);
    for (uint64_t i = 0; i < c->n; i++)
        c->c[i] = a + (double)i * step;
    c->dtype = ZS_DT_FLOAT64;
    if (!strcmp(name, "latitude") && (fabs(a) > 90 || fabs(c->c[c->n - 1])
                                                          > 90))
        return zsi_err(ctx, ZS_ERR_INVALID, "grid '%s': latitudes beyond "
                       "+-90", spec);
    return ZS_OK;
}

/* "lat=A:B:S" or "lon=A:B:S" into the opts' coordinate. */
static zs_status axis_item(zs_regrid_opts *o, const char *spec,
                           const char *item)
{
    const char *eq = strchr(item, '=');
    zsi_strv p = {0};
    double v[3];
    bool lat = eq && (size_t)(eq - item) == 3 && !strncmp(item, "lat", 3);
    bool lon = eq && (size_t)(eq - item) == 3 && !strncmp(item, "lon", 3);
    rg_coord *c = lat ? &o->lat : &o->lon;
    zs_status st = ZS_OK;
    if ((!lat && !lon) || !zsi_strv_split(&p, eq + 1, ':') || p.n != 3 ||
        !zsi_parse_double(p.v[0], &v[0]) || !zsi_parse_double(p.v[1], &v[1])
        || !zsi_parse_double(p.v[2], &v[2]))
        st = zsi_err(o->ctx, ZS_ERR_INVALID, "grid '%s': want "
                     "lat=START:STOP:STEP,lon=START:STOP:STEP or rNXxNY",
                     spec);
    else if (c->c)
        st = zsi_err(o->ctx, ZS_ERR_INVALID, "grid '%s': %s given twice",
                     spec, lat ? "lat" : "lon");
    else
        st = axis_range(o->ctx, spec, lat ? "latitude" : "longitude", v[0],
                        v[1], v[2], c);
    zsi_strv_free(&p);
    return st;
}

/* CDO's global grids rNXxNY: longitudes 0, 360/NX, ...; latitudes the
 * centres of NY equal bands when NY is even, from -90 to 90 in NY - 1
 * steps when it is odd (r1440x721: ERA5's grid, poles included). */
static zs_status cdo_grid(zs_regrid_opts *o, const char *spec, bool *hit)
{
    unsigned long nx, ny;
    double dy, y0;
    char tail;
    *hit = sscanf(spec, "r%lux%lu%c", &nx, &ny, &tail) == 2;
    if (!*hit)
        return ZS_OK;
    if (nx < 1 || ny < 2 || nx > GRID_MAX || ny > GRID_MAX)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "grid '%s': sizes from 1 "
                       "(longitudes) or 2 (latitudes) to %llu", spec,
                       (unsigned long long)GRID_MAX);
    dy = ny % 2 ? 180.0 / (double)(ny - 1) : 180.0 / (double)ny;
    y0 = ny % 2 ? -90.0 : -90.0 + dy / 2;
    if (axis_range(o->ctx, spec, "latitude", y0, -y0, dy, &o->lat) !=
        ZS_OK)
        return ZS_ERR_INVALID;
    return axis_range(o->ctx, spec, "longitude", 0.0,
                      360.0 - 360.0 / (double)nx, 360.0 / (double)nx,
                      &o->lon);
}

/* A target grid set (named name for the plan), or none after st. */
static zs_status grid_done(zs_regrid_opts *o, zs_status st, const char *name)
{
    if (st == ZS_OK && !(o->grid_name = zsi_strdup(name)))
        st = zsi_nomem(o->ctx);
    if (st != ZS_OK) {
        grid_clear(o);
        return st;
    }
    o->have_grid = true;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_grid(zs_regrid_opts *o, const char *spec)
{
    zsi_strv items = {0};
    bool cdo;
    zs_status st;
    grid_clear(o);
    if (!spec)
        return ZS_OK;
    st = cdo_grid(o, spec, &cdo);
    if (!cdo && !zsi_strv_split(&items, spec, ','))
        st = zsi_nomem(o->ctx);
    for (size_t i = 0; !cdo && st == ZS_OK && i < items.n; i++)
        st = axis_item(o, spec, items.v[i]);
    if (st == ZS_OK && (!o->lat.c || !o->lon.c))
        st = zsi_err(o->ctx, ZS_ERR_INVALID, "grid '%s': want "
                     "lat=START:STOP:STEP,lon=START:STOP:STEP or rNXxNY",
                     spec);
    zsi_strv_free(&items);
    return grid_done(o, st, spec);
}

/* A target coordinate from a dataset: values, type, attributes. */
static zs_status like_coord(zs_var *v, rg_coord *c)
{
    zs_status st = zsi_rg_coord_read(v, &c->c);
    if (st != ZS_OK)
        return st;
    c->n = zs_var_shape(v)[0];
    c->dtype =
        zsi_dtype_is_float(zs_var_dtype(v)) ? zs_var_dtype(v) : ZS_DT_FLOAT64;
    if (zsi_attrs_copy(zs_var_attrs(v), &c->attrs) != ZS_OK)
        return zsi_nomem(zsi_var_ctx(v));
    return ZS_OK;
}

zs_status zs_regrid_opts_set_like(zs_regrid_opts *o, zs_dataset *like)
{
    zs_var *y, *x, *t;
    zs_status st;
    grid_clear(o);
    st = zsi_rg_find_axes(like, NULL, NULL, &y, &x);
    if (st == ZS_ERR_NOTFOUND)
        st = zsi_err(o->ctx, st, "%s: no latitude and longitude "
                     "coordinates to take the grid from (1-D, units "
                     "degrees_north and degrees_east, standard_name or "
                     "axis)", zsi_dataset_name(like));
    if (st == ZS_OK)
        st = like_coord(y, &o->lat);
    if (st == ZS_OK)
        st = like_coord(x, &o->lon);
    /* its time axis, if it has one that can be read, for set_time */
    if (st == ZS_OK && (t = zsi_rg_time_find(like)) &&
        zsi_rg_time_read(t, &o->ttime) == ZS_ERR_NOMEM)
        st = ZS_ERR_NOMEM;
    return grid_done(o, st, zsi_dataset_name(like));
}

zs_status zs_regrid_opts_set_weights(zs_regrid_opts *o, zs_dataset *weights)
{
    grid_clear(o);
    return grid_done(o, zsi_rg_scrip_read(weights, &o->links, &o->lat,
                                          &o->lon), zsi_dataset_name(weights));
}

zs_status zs_regrid_opts_set_method(zs_regrid_opts *o, const char *method)
{
    static const char *const names[] = {"linear", "nearest", "conservative",
                                        "conservative-destarea"};
    for (int i = 0; i < 4; i++)
        if (method && !strcmp(method, names[i])) {
            o->method = i;
            return ZS_OK;
        }
    return zsi_err(o->ctx, ZS_ERR_INVALID, "method '%s': want linear, "
                   "nearest, conservative or conservative-destarea",
                   method ? method : "");
}

zs_status zs_regrid_opts_set_dims(zs_regrid_opts *o, const char *dims)
{
    zsi_strv v = {0};
    zs_status st;
    if (!dims) {
        free(o->ydim);
        free(o->xdim);
        o->ydim = o->xdim = NULL;
        return ZS_OK;
    }
    st = zsi_names_parse(o->ctx, "horizontal dimensions", dims, &v);
    if (st == ZS_OK && v.n != 2)
        st = zsi_err(o->ctx, ZS_ERR_INVALID, "horizontal dimensions '%s': "
                     "want two names, latitude first (Y,X)", dims);
    if (st == ZS_OK) {
        free(o->ydim);
        free(o->xdim);
        o->ydim = v.v[0];
        o->xdim = v.v[1];
        v.n = 0;
    }
    zsi_strv_free(&v);
    return st;
}

zs_status zs_regrid_opts_set_periodic(zs_regrid_opts *o, int mode)
{
    if (mode != ZS_PERIODIC_AUTO && mode != ZS_PERIODIC_YES &&
        mode != ZS_PERIODIC_NO)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "periodic longitudes: %d is "
                       "not auto, yes or no", mode);
    o->periodic = mode;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_skipna(zs_regrid_opts *o, int on,
                                    double min_frac)
{
    if (!(min_frac >= 0 && min_frac <= 1))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "minimum valid fraction %g: "
                       "want 0 to 1", min_frac);
    o->skipna = on != 0;
    o->min_frac = min_frac;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_mask_invalid(zs_regrid_opts *o, int on)
{
    o->mask_invalid = on != 0;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_extrapolate(zs_regrid_opts *o, int nearest)
{
    o->extrapolate = nearest != 0;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_dtype(zs_regrid_opts *o, zs_dtype t)
{
    zs_status st = zsi_float_dtype(o->ctx, "result type", t, true);
    if (st == ZS_OK)
        o->dtype = t;
    return st;
}

zs_status zs_regrid_opts_set_vars(zs_regrid_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables", list, &o->vars);
}

zs_status zs_regrid_opts_set_time(zs_regrid_opts *o, int method,
                                  const char *tolerance)
{
    zsi_time_step step;
    if (method < ZS_RGTIME_NONE || method > ZS_RGTIME_LINEAR)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "time method %d: want "
                       "nearest, ffill, bfill, within or linear", method);
    if (tolerance && (zsi_time_step_parse(NULL, tolerance, &step) != ZS_OK ||
                      step.months || step.usec <= 0))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "tolerance '%s': want a "
                       "duration such as 90min, 12h or 2D", tolerance);
    o->time_method = method;   /* RG_TIME_* has the same values */
    o->has_tolerance = tolerance != NULL;
    o->tolerance = tolerance ? step.usec : 0;
    return ZS_OK;
}

zs_status zs_regrid_opts_set_time_step(zs_regrid_opts *o, const char *step)
{
    zsi_time_step t;
    if (!step) {
        o->has_step = false;
        return ZS_OK;
    }
    if (zsi_time_step_parse(NULL, step, &t) != ZS_OK ||
        (t.usec <= 0 && t.months <= 0))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "time step '%s': want a "
                       "frequency such as 6h, 1D or 1MS", step);
    o->step = t;
    o->has_step = true;
    return ZS_OK;
}
