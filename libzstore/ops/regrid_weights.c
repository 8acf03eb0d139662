/* regrid_weights.c - the weights of one axis of a rectilinear grid.
 *
 * linear: the two source points around a target, weights by distance in
 * degrees (bilinear on the grid is linear along each axis, as CDO's
 * remapbil and xarray's interp compute it).  nearest: the same stencil;
 * the plan picks its corner nearest on the sphere.  conservative: the
 * overlap of a target cell with each source cell, as a fraction of the
 * target cell: along latitude the difference of the sines of the edges
 * (the area of a latitude band is proportional to it), along longitude
 * the difference of the edges.  Cell edges are halfway between points,
 * the outer ones half a step beyond the ends, latitudes clipped to
 * +-90, as CDO makes them for grids without bounds.
 *
 * Longitudes are positions on a circle: a target is moved by a multiple
 * of 360 degrees into the source's range, so -180..180 and 0..360 grids
 * meet either way, and a periodic source (one that closes the circle)
 * has one more interval, from its last point to its first plus 360:
 * there is no seam. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

#define DEG (M_PI / 180.0)

void zsi_rg_weights_free(rg_weights *w)
{
    free(w->row);
    free(w->idx);
    free(w->w);
    free(w->cover);
    memset(w, 0, sizeof *w);
}

bool zsi_rg_closes_circle(const double *c, uint64_t n)
{
    double span, step;
    if (n < 2)
        return false;
    span = fabs(c[n - 1] - c[0]);
    step = span / (double)(n - 1);
    return fabs(span + step - 360.0) <= 0.01 * step;
}

/* ---- growing sparse rows ----------------------------------------------- */

typedef struct rows {
    rg_weights *w;
    uint64_t ne, cap;
} rows;

static bool rows_init(rows *r, rg_weights *w, uint64_t nt)
{
    memset(w, 0, sizeof *w);
    r->w = w;
    r->ne = 0;
    r->cap = nt * 2 + 2;
    w->nt = nt;
    w->row = calloc((size_t)nt + 1, sizeof *w->row);
    w->cover = calloc((size_t)nt + 1, sizeof *w->cover);
    w->idx = malloc((size_t)r->cap * sizeof *w->idx);
    w->w = malloc((size_t)r->cap * sizeof *w->w);
    return w->row && w->cover && w->idx && w->w;
}

static bool rows_add(rows *r, uint64_t t, uint64_t idx, double w)
{
    if (r->ne == r->cap) {
        uint64_t cap = r->cap * 2;
        uint64_t *ni = realloc(r->w->idx, (size_t)cap * sizeof *ni);
        double *nw;
        if (!ni)
            return false;
        r->w->idx = ni;
        if (!(nw = realloc(r->w->w, (size_t)cap * sizeof *nw)))
            return false;
        r->w->w = nw;
        r->cap = cap;
    }
    r->w->idx[r->ne] = idx;
    r->w->w[r->ne++] = w;
    r->w->cover[t] += w;
    r->w->row[t + 1] = r->ne;
    return true;
}

/* Row t is done (rows with no entry end where the previous one did). */
static void rows_end(rows *r, uint64_t t)
{
    r->w->row[t + 1] = r->ne;
}

/* ---- linear and nearest ------------------------------------------------ */

/* A source axis in ascending order: index k of the sorted axis is point
 * orig(k) of the coordinate. */
typedef struct sorted {
    const rg_src_axis *a;
    bool rev;
} sorted;

static double sval(const sorted *s, uint64_t k)
{
    return s->a->c[s->rev ? s->a->n - 1 - k : k];
}

static uint64_t orig(const sorted *s, uint64_t k)
{
    return s->rev ? s->a->n - 1 - k : k;
}

/* x moved by a multiple of 360 into [lo, lo + 360). */
static double wrap(double x, double lo)
{
    double d = fmod(x - lo, 360.0);
    if (d < 0)
        d += 360.0;
    if (d >= 360.0 - 1e-9)   /* rounding just below a whole turn */
        d = 0;
    return lo + d;
}

/* Where x falls: sorted points *k and *k2 around it, *t the fraction of
 * the way from one to the other.  A target on a source point takes the
 * interval towards the point before it in the coordinate's own order
 * (the first point: the one after, unless the axis is periodic), as
 * CDO's remapbil does, so that the same missing neighbours make it
 * missing.  False outside the axis. */
static bool locate(const sorted *s, double x, uint64_t *k, uint64_t *k2,
                   double *t)
{
    uint64_t n = s->a->n, lo = 0, hi = n - 1;
    double first = sval(s, 0), last = sval(s, n - 1);
    if (s->a->lon)
        x = wrap(x, first);
    if (x == first && s->a->periodic && !s->rev)
        x += 360.0;   /* the interval from the last point */
    if (x < first || x > last) {
        if (!s->a->periodic)
            return false;
        *k = n - 1;
        *k2 = 0;
        *t = (x - last) / (first + 360.0 - last);
        return true;
    }
    /* ascending: sval(lo) < x <= sval(hi) unless x is the first point;
     * descending: sval(lo) <= x < sval(hi) unless x is the last */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s->rev ? sval(s, mid) <= x : sval(s, mid) < x)
            lo = mid;
        else
            hi = mid;
    }
    *k = lo;
    *k2 = hi;
    *t = (x - sval(s, lo)) / (sval(s, hi) - sval(s, lo));
    return true;
}

/* Outside the axis: the nearer end (by angle for longitudes). */
static uint64_t nearest_end(const sorted *s, double x)
{
    uint64_t n = s->a->n;
    double first = sval(s, 0), last = sval(s, n - 1);
    if (s->a->lon) {
        x = wrap(x, first);
        return x - last <= first + 360.0 - x ? n - 1 : 0;
    }
    return x < first ? 0 : n - 1;
}

static bool point_row(rows *r, const sorted *s, const rg_method *m,
                      uint64_t t, double x)
{
    uint64_t k, k2;
    double f;
    if (!locate(s, x, &k, &k2, &f))
        return !m->extrapolate || rows_add(r, t, orig(s, nearest_end(s, x)),
                                           1.0);
    return rows_add(r, t, orig(s, k), 1.0 - f) &&
           rows_add(r, t, orig(s, k2), f);
}

/* ---- conservative ------------------------------------------------------- */

void zsi_rg_cell_edges(const double *c, uint64_t n, bool lon, bool periodic,
                       double *lo, double *hi)
{
    double dir = c[n - 1] > c[0] ? 1.0 : -1.0;
    for (uint64_t i = 0; i < n; i++) {
        double prev = i > 0 ? c[i - 1]
                      : periodic ? c[n - 1] - 360.0 * dir : 2 * c[0] - c[1];
        double next = i + 1 < n ? c[i + 1]
                      : periodic ? c[0] + 360.0 * dir
                                 : 2 * c[n - 1] - c[n - 2];
        double a = (prev + c[i]) / 2, b = (c[i] + next) / 2;
        lo[i] = a < b ? a : b;
        hi[i] = a < b ? b : a;
        if (!lon) {
            lo[i] = lo[i] < -90.0 ? -90.0 : lo[i] > 90.0 ? 90.0 : lo[i];
            hi[i] = hi[i] < -90.0 ? -90.0 : hi[i] > 90.0 ? 90.0 : hi[i];
        }
    }
}

/* The part of the band [a, b] in [c, d], as a difference of sines. */
static double lat_overlap(double a, double b, double c, double d)
{
    double lo = a > c ? a : c, hi = b < d ? b : d;
    return hi > lo ? sin(hi * DEG) - sin(lo * DEG) : 0.0;
}

/* Longitude overlap of [a, b] and [c, d] (both shorter than a turn). */
static double lon_overlap(double a, double b, double c, double d)
{
    double sum = 0, w = d - c;
    c = wrap(c, a - 360.0);   /* c in [a - 360, a) */
    for (int m = 0; m < 3; m++, c += 360.0) {
        double lo = a > c ? a : c, hi = b < c + w ? b : c + w;
        if (hi > lo)
            sum += hi - lo;
    }
    return sum;
}

static bool cell_row(rows *r, const rg_src_axis *a, const double *slo,
                     const double *shi, uint64_t t, double lo, double hi)
{
    double size = a->lon ? hi - lo : sin(hi * DEG) - sin(lo * DEG);
    if (!(size > 0))
        return true;
    for (uint64_t k = 0; k < a->n; k++) {
        double o = a->lon ? lon_overlap(lo, hi, slo[k], shi[k])
                          : lat_overlap(lo, hi, slo[k], shi[k]);
        if (o > 0 && !rows_add(r, t, k, o / size))
            return false;
    }
    return true;
}

/* Outside the source: the nearest end cell, whole. */
static bool cell_extrapolate(rows *r, const rg_src_axis *a, uint64_t t,
                             double x)
{
    sorted s = {a, a->c[a->n - 1] < a->c[0]};
    return r->w->cover[t] > 0 || rows_add(r, t, orig(&s, nearest_end(&s, x)),
                                          1.0);
}

static zs_status cells(zs_ctx *ctx, const rg_src_axis *a, const double *t,
                       uint64_t n, const rg_method *m, rows *r)
{
    double *slo = malloc((size_t)a->n * sizeof *slo);
    double *shi = malloc((size_t)a->n * sizeof *shi);
    double *tlo = malloc((size_t)n * sizeof *tlo);
    double *thi = malloc((size_t)n * sizeof *thi);
    bool ok = slo && shi && tlo && thi;
    if (ok) {
        zsi_rg_cell_edges(a->c, a->n, a->lon, a->periodic, slo, shi);
        zsi_rg_cell_edges(t, n, a->lon,
                          a->lon && zsi_rg_closes_circle(t, n), tlo, thi);
    }
    for (uint64_t i = 0; ok && i < n; i++) {
        ok = cell_row(r, a, slo, shi, i, tlo[i], thi[i]) &&
             (!m->extrapolate || cell_extrapolate(r, a, i, t[i]));
        rows_end(r, i);
    }
    free(slo);
    free(shi);
    free(tlo);
    free(thi);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_rg_weights_make(zs_ctx *ctx, const rg_src_axis *src,
                              const double *t, uint64_t n,
                              const rg_method *m, rg_weights *out)
{
    bool cons = m->method == RG_CONSERVATIVE || m->method == RG_DESTAREA;
    sorted s = {src, src->n > 1 && src->c[src->n - 1] < src->c[0]};
    rows r;
    zs_status st = ZS_OK;
    if (src->n < 2 || (cons && n < 2))
        return zsi_err(ctx, ZS_ERR_INVALID, "%s %s has %llu point%s: "
                       "regridding needs at least two on each axis",
                       src->n < 2 ? "the source" : "the target",
                       src->lon ? "longitude" : "latitude",
                       (unsigned long long)(src->n < 2 ? src->n : n),
                       (src->n < 2 ? src->n : n) == 1 ? "" : "s");
    if (!rows_init(&r, out, n)) {
        zsi_rg_weights_free(out);
        return zsi_nomem(ctx);
    }
    if (cons)
        st = cells(ctx, src, t, n, m, &r);
    for (uint64_t i = 0; !cons && st == ZS_OK && i < n; i++) {
        if (!point_row(&r, &s, m, i, t[i]))
            st = zsi_nomem(ctx);
        rows_end(&r, i);
    }
    if (st != ZS_OK)
        zsi_rg_weights_free(out);
    return st;
}
