/* calc_coords.c - the quantities of zcalc made from coordinates when
 * planning, as tables over the input's dimensions: coslat, gridarea, and
 * month, dayofyear and hour of a time coordinate in its own calendar.
 *
 * gridarea is exact on the sphere for cells bounded by meridians and
 * parallels: R^2 * dlon * (sin(lat2) - sin(lat1)), lon and lat in
 * radians, R = 6371000 m, with the edges zregrid's conservative method
 * uses (halfway between centres, the ends a half step out, latitudes
 * clipped at the poles; around the seam for a longitude that closes the
 * circle). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_calc.h"
#include "ops/zsi_regrid.h"

#define DEG (M_PI / 180.0)

/* The horizontal coordinate of kind ('Y' or 'X') of an input. */
static zs_status axis(zs_calc *c, int input, int kind, zs_var **out)
{
    zs_group *g = c->in[input].ds->root;
    for (size_t i = 0; i < g->nvars; i++)
        if (zs_var_is_coord(g->vars[i]) &&
            zsi_rg_axis_kind(g->vars[i]) == kind) {
            *out = g->vars[i];
            return ZS_OK;
        }
    return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "no %s coordinate in %s",
                   kind == 'Y' ? "latitude" : "longitude",
                   c->in[input].ds->name);
}

/* The leaf's dimensions: those of vars v[0..n). */
static zs_status leaf_dims(zs_calc *c, int input, calc_leaf *l,
                           zs_var *const *v, int n, calc_dim_fn dim_of)
{
    l->ndim = n;
    for (int d = 0; d < n; d++) {
        l->shape[d] = v[d]->shape[0];
        l->dim[d] = dim_of(c, input, v[d]->dims[0], v[d]->shape[0]);
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
    for (uint64_t i = 0; i < y->shape[0]; i++)
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
    ny = st == ZS_OK ? v[0]->shape[0] : 0;
    nx = st == ZS_OK ? v[1]->shape[0] : 0;
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
            st = zsi_err(c->ctx, st, "%s: time %llu out of range", t->path,
                         (unsigned long long)i);
        else
            l->table[i] = op == CO_MONTH ? dt.month
                          : op == CO_HOUR ? dt.hour
                                          : zsi_datetime_day_of_year(cal, &dt);
    }
    zs_time_units_free(u);
    free(when);
    return st == ZS_OK ? leaf_dims(c, input, l, &t, 1, dim_of) : st;
}
