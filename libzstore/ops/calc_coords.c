/* calc_coords.c - the quantities of zcalc made from coordinates when
 * planning, as tables over the input's dimensions: coslat, gridarea, and
 * month, dayofyear and hour of a time coordinate in its own calendar.
 *
 * gridarea is exact on the sphere for cells bounded by meridians and
 * parallels: R^2 * dlon * (sin(lat2) - sin(lat1)), lon and lat in
 * radians, R = 6371000 m, with the edges zregrid's conservative method
 * uses (halfway between centres, the ends a half step out, latitudes
 * clipped at the poles; around the seam for a longitude that closes the
 * circle).
 *
 * inside(FILE) is 1 for the cells whose centre is in a polygon of a
 * GeoJSON file (in its outer ring and in none of its holes, by the
 * even-odd rule; longitudes compared modulo 360), else 0. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_geojson.h"
#include "ops/zsi_calc.h"
#include "ops/zsi_regrid.h"

#define DEG (M_PI / 180.0)

/* The horizontal coordinate of kind ('Y' or 'X') of an input. */
static zs_status axis(zs_calc *c, int input, int kind, zs_var **out)
{
    zs_group *g = zs_dataset_root(c->in[input].ds);
    for (size_t i = 0; i < zs_group_nvars(g); i++)
        if (zs_var_is_coord(zs_group_var(g, i)) &&
            zsi_rg_axis_kind(zs_group_var(g, i)) == kind) {
            *out = zs_group_var(g, i);
            return ZS_OK;
        }
    return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "no %s coordinate in %s",
                   kind == 'Y' ? "latitude" : "longitude",
                   zsi_dataset_name(c->in[input].ds));
}

/* The leaf's dimensions: those of vars v[0..n). */
static zs_status leaf_dims(zs_calc *c, int input, calc_leaf *l,
                           zs_var *const *v, int n, calc_dim_fn dim_of)
{
    l->ndim = n;
    for (int d = 0; d < n; d++) {
        l->shape[d] = zs_var_shape(v[d])[0];
        l->dim[d] =
            dim_of(c, input, zs_var_dim_name(v[d], 0), zs_var_shape(v[d])[0]);
        if (l->dim[d] < 0)
            return zsi_nomem(c->ctx);
    }
    return ZS_OK;
}

zs_status zsi_calc_table_coslat(zs_calc *c, int input, calc_leaf *l,
                                calc_dim_fn dim_of)
{
    zs_var *y;
    double *lat;
    zs_status st = axis(c, input, 'Y', &y);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(y, &lat);
    if (st != ZS_OK)
        return st;
    for (uint64_t i = 0; i < zs_var_shape(y)[0]; i++)
        lat[i] = cos(lat[i] * DEG);
    l->table = lat;
    return leaf_dims(c, input, l, &y, 1, dim_of);
}

zs_status zsi_calc_table_gridarea(zs_calc *c, int input, calc_leaf *l,
                                  calc_dim_fn dim_of)
{
    zs_var *v[2];
    double *lat = NULL, *lon = NULL, *e = NULL;
    uint64_t ny, nx;
    zs_status st = axis(c, input, 'Y', &v[0]);
    if (st == ZS_OK)
        st = axis(c, input, 'X', &v[1]);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(v[0], &lat);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(v[1], &lon);
    ny = st == ZS_OK ? zs_var_shape(v[0])[0] : 0;
    nx = st == ZS_OK ? zs_var_shape(v[1])[0] : 0;
    if (st == ZS_OK && (ny < 2 || nx < 2))
        st = zsi_err(c->ctx, ZS_ERR_INVALID, "gridarea: the grid needs two "
                     "points along each axis for cell edges");
    if (st == ZS_OK && (!(e = malloc((size_t)(2 * (ny + nx)) * sizeof *e)) ||
                        !(l->table = malloc((size_t)(ny * nx) *
                                            sizeof *l->table))))
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK) {
        double *ylo = e, *yhi = e + ny, *xlo = e + 2 * ny, *xhi = xlo + nx;
        double r2 = CALC_EARTH_RADIUS * CALC_EARTH_RADIUS;
        zsi_rg_cell_edges(lat, ny, false, false, ylo, yhi);
        zsi_rg_cell_edges(lon, nx, true, zsi_rg_closes_circle(lon, nx),
                          xlo, xhi);
        for (uint64_t j = 0; j < ny; j++)
            for (uint64_t i = 0; i < nx; i++)
                l->table[j * nx + i] = r2 * (xhi[i] - xlo[i]) * DEG *
                                       (sin(yhi[j] * DEG) - sin(ylo[j] * DEG));
        st = leaf_dims(c, input, l, v, 2, dim_of);
    }
    free(lat);
    free(lon);
    free(e);
    return st;
}

zs_status zsi_calc_table_time(zs_calc *c, int input, zs_var *t, int op,
                              calc_leaf *l, calc_dim_fn dim_of)
{
    zs_time_units *u = NULL;
    zsi_usec *when = NULL;
    uint64_t n = 0;
    zs_calendar cal;
    zs_status st = zsi_time_coord(t, &u, &when, &n);
    if (st != ZS_OK)
        return st;
    cal = zs_time_units_calendar(u);
    if (!(l->table = malloc((size_t)(n ? n : 1) * sizeof *l->table)))
        st = zsi_nomem(c->ctx);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        zs_datetime dt;
        st = zsi_datetime_from_usec(cal, when[i], &dt);
        if (st != ZS_OK)
            st = zsi_err(c->ctx, st, "%s: time %llu out of range",
                         zs_var_path(t), (unsigned long long)i);
        else
            l->table[i] = op == CO_MONTH ? dt.month
                          : op == CO_HOUR ? dt.hour
                                          : zsi_datetime_day_of_year(cal, &dt);
    }
    zs_time_units_free(u);
    free(when);
    return st == ZS_OK ? leaf_dims(c, input, l, &t, 1, dim_of) : st;
}

/* Even-odd crossings of a ray from (x, y) towards +x. */
static bool ring_odd(const zsi_ring *r, double x, double y)
{
    bool in = false;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
        double xi = r->xy[2 * i], yi = r->xy[2 * i + 1];
        double xj = r->xy[2 * j], yj = r->xy[2 * j + 1];
        if ((yi > y) != (yj > y) &&
            x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

static bool contains(const zsi_polygons *p, double x, double y)
{
    for (size_t i = 0; i < p->n; i++) {
        const zsi_polygon *g = &p->p[i];
        bool in = g->nrings && ring_odd(&g->rings[0], x, y);
        for (size_t k = 1; in && k < g->nrings; k++)
            if (ring_odd(&g->rings[k], x, y))
                in = false;
        if (in)
            return true;
    }
    return false;
}

/* The bytes of a local file, at most max. */
static zs_status slurp(zs_ctx *ctx, const char *path, size_t max,
                       char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    zs_status st = ZS_OK;
    if (!f)
        return zsi_errno(ctx, errno, "%s", path);
    if (!(buf = malloc(max + 1)))
        st = zsi_nomem(ctx);
    else
        n = fread(buf, 1, max + 1, f);
    if (st == ZS_OK && ferror(f))
        st = zsi_errno(ctx, errno, "%s", path);
    else if (st == ZS_OK && n > max)
        st = zsi_err(ctx, ZS_ERR_RANGE, "%s: larger than %zu bytes", path,
                     max);
    fclose(f);
    if (st != ZS_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = n;
    return ZS_OK;
}

/* Polygon files are small: a country outline is a few MB. */
#define GEOJSON_MAX ((size_t)64 << 20)

zs_status zsi_calc_table_inside(zs_calc *c, int input, const char *path,
                                calc_leaf *l, calc_dim_fn dim_of)
{
    zs_var *v[2];
    uint64_t ny, nx;
    double *lat = NULL, *lon = NULL;
    char *text = NULL;
    size_t len = 0;
    zsi_polygons p = {NULL, 0};
    zs_status st = axis(c, input, 'Y', &v[0]);
    if (st == ZS_OK)
        st = axis(c, input, 'X', &v[1]);
    if (st == ZS_OK)
        st = slurp(c->ctx, path, GEOJSON_MAX, &text, &len);
    if (st == ZS_OK)
        st = zsi_geojson_polygons(c->ctx, path, text, len, &p);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(v[0], &lat);
    if (st == ZS_OK)
        st = zsi_rg_coord_read(v[1], &lon);
    ny = st == ZS_OK ? zs_var_shape(v[0])[0] : 0;
    nx = st == ZS_OK ? zs_var_shape(v[1])[0] : 0;
    if (st == ZS_OK &&
        !(l->table = malloc((size_t)(ny * nx) * sizeof *l->table)))
        st = zsi_nomem(c->ctx);
    for (uint64_t j = 0; st == ZS_OK && j < ny; j++)
        for (uint64_t i = 0; i < nx; i++) {
            double x = lon[i], y = lat[j];
            l->table[j * nx + i] =
                contains(&p, x, y) || contains(&p, x - 360.0, y) ||
                contains(&p, x + 360.0, y);
        }
    if (st == ZS_OK)
        st = leaf_dims(c, input, l, v, 2, dim_of);
    free(text);
    free(lat);
    free(lon);
    zsi_polygons_free(&p);
    return st;
}
