/* regrid_curvi.c - weights from a curvilinear source: 2-D latitude and
 * longitude of cell centres on dimensions (Y, X), onto a latitude-
 * longitude target.
 *
 * The centres go into a k-d tree of unit vectors (never all pairs).  For
 * a target point the four nearest centres are found, and the cells
 * (quadrilaterals of four neighbouring centres) that have one of them as
 * a corner are tried in turn: the bilinear map of a cell, in latitude
 * and longitude relative to the target, is inverted by Newton's method
 * as SCRIP and CDO's remapbil do; the point is in the cell when the
 * iteration converges to parameters in [0, 1].
 *
 *   linear   the four corners of the cell, bilinear weights; missing
 *            when no cell holds the point (outside the source) or a
 *            corner is missing (the value, at run time).
 *   nearest  the nearest centre on the sphere (the lower address on a
 *            tie), for points that some cell holds; as CDO's remapnn
 *            with REMAP_EXTRAPOLATE=off, whose domain is the same.
 *
 * --extrapolate nearest gives points outside every cell the nearest
 * centre.  A grid whose first and last columns are neighbours (a global
 * ocean grid) closes its cells across them. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

/* Links are 32-bit addresses (SCRIP's int). */
#define CURVI_MAX ((uint64_t)1 << 31)
/* Nearest centres whose cells are tried. */
#define KNN 4
/* Newton's method: as SCRIP's bilinear search. */
#define NEWTON_ITER 100
#define NEWTON_EPS 1e-10

/* ---- the coordinates -------------------------------------------------- */

static zs_status read_2d(zs_regrid *r, zs_var *v, uint64_t n, double lim,
                         double **out)
{
    uint64_t start[2] = {0, 0}, count[2] = {r->ny, r->nx};
    uint8_t *raw = malloc((size_t)n * zs_var_itemsize(v));
    double *c = malloc((size_t)n * sizeof *c);
    zs_status st = raw && c ? zs_var_read(v, start, count, raw)
                            : zsi_nomem(r->ctx);
    /* fill values (1e20 in CMIP files) and NaN: no centre there */
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++) {
        c[i] = zsi_load_double(vt, raw, (size_t)i);
        if (!(fabs(c[i]) <= lim))
            c[i] = NAN;
    }
    free(raw);
    if (st != ZS_OK) {
        free(c);
        return st;
    }
    *out = c;
    return ZS_OK;
}

zs_status zsi_rg_curvi_read(zs_regrid *r)
{
    uint64_t n;
    zs_status st;
    if (zs_var_shape(r->xsrc)[0] != r->ny || zs_var_shape(r->xsrc)[1] != r->nx)
        return zsi_err(r->ctx, ZS_ERR_FORMAT,
                       "%s: the 2-D latitude %s "
                       "and longitude %s have different shapes",
                       zsi_dataset_name(r->ds), zs_var_name(r->ysrc),
                       zs_var_name(r->xsrc));
    if (!zsi_mul_ok(r->ny, r->nx, &n) || n >= CURVI_MAX || n == 0)
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW,
                       "%s: a curvilinear grid "
                       "of %llu x %llu points (at most 2^31, at least "
                       "one)",
                       zsi_dataset_name(r->ds), (unsigned long long)r->ny,
                       (unsigned long long)r->nx);
    st = read_2d(r, r->ysrc, n, 90, &r->yc);
    if (st == ZS_OK)
        st = read_2d(r, r->xsrc, n, 1e4, &r->xc);
    return st;
}

/* ---- a k-d tree of unit vectors --------------------------------------- */

typedef struct kdtree {
    double *p;            /* 3 per source point */
    uint32_t *perm;       /* the valid points, in tree order */
    uint8_t *axis;        /* the split axis at each tree position */
    uint64_t n;
    double cap[3], cap_cos;   /* a cap that holds every cell */
} kdtree;

void zsi_rg_unit_vector(double lat, double lon, double *v)
{
    double a = lat * M_PI / 180, b = lon * M_PI / 180;
    v[0] = cos(a) * cos(b);
    v[1] = cos(a) * sin(b);
    v[2] = sin(a);
}

static double coord(const kdtree *t, uint64_t k, int ax)
{
    return t->p[3 * (uint64_t)t->perm[k] + ax];
}

static void swap32(uint32_t *a, uint32_t *b)
{
    uint32_t x = *a;
    *a = *b;
    *b = x;
}

/* perm[lo, hi) reordered so that perm[m] is the m-th along ax: a
 * selection with a three-way partition (rows of a grid share a
 * coordinate). */
static void select_nth(kdtree *t, uint64_t lo, uint64_t hi, uint64_t m,
                       int ax)
{
    while (hi - lo > 1) {
        double pivot = coord(t, lo + (hi - lo) / 2, ax);
        uint64_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double c = coord(t, i, ax);
            if (c < pivot)
                swap32(&t->perm[lt++], &t->perm[i++]);
            else if (c > pivot)
                swap32(&t->perm[i], &t->perm[--gt]);
            else
                i++;
        }
        if (m < lt)
            hi = lt;
        else if (m >= gt)
            lo = gt;
        else
            return;
    }
}

static int widest_axis(const kdtree *t, uint64_t lo, uint64_t hi)
{
    double mn[3] = {2, 2, 2}, mx[3] = {-2, -2, -2};
    int best = 0;
    for (uint64_t k = lo; k < hi; k++)
        for (int a = 0; a < 3; a++) {
            double c = coord(t, k, a);
            mn[a] = c < mn[a] ? c : mn[a];
            mx[a] = c > mx[a] ? c : mx[a];
        }
    for (int a = 1; a < 3; a++)
        if (mx[a] - mn[a] > mx[best] - mn[best])
            best = a;
    return best;
}

static void build(kdtree *t, uint64_t lo, uint64_t hi)
{
    while (hi - lo > 1) {
        uint64_t m = lo + (hi - lo) / 2;
        int ax = widest_axis(t, lo, hi);
        select_nth(t, lo, hi, m, ax);
        t->axis[m] = (uint8_t)ax;
        build(t, lo, m);    /* depth: log2 of the points */
        lo = m + 1;
    }
}

/* A cap around the centres, a degree and a tenth wider: a query from
 * far outside a regional grid finds all points about as far and would
 * visit the whole tree, so points beyond the cap are outside at once. */
static void bounding_cap(kdtree *t)
{
    double c[3] = {0, 0, 0}, norm, worst = 1;
    for (uint64_t k = 0; k < t->n; k++)
        for (int a = 0; a < 3; a++)
            c[a] += coord(t, k, a);
    norm = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    t->cap_cos = -2;    /* no cap: every point may be inside */
    if (!(norm > 1e-9 * (double)t->n))
        return;
    for (int a = 0; a < 3; a++)
        t->cap[a] = c[a] / norm;
    for (uint64_t k = 0; k < t->n; k++) {
        double d = 0;
        for (int a = 0; a < 3; a++)
            d += coord(t, k, a) * t->cap[a];
        worst = d < worst ? d : worst;
    }
    worst = acos(worst > 1 ? 1 : worst) * 1.1 + M_PI / 180;
    if (worst < M_PI)
        t->cap_cos = cos(worst);
}

static bool beyond_cap(const kdtree *t, const double *q)
{
    return q[0] * t->cap[0] + q[1] * t->cap[1] + q[2] * t->cap[2] <
           t->cap_cos;
}

static zs_status tree_new(zs_regrid *r, kdtree *t)
{
    uint64_t n = r->ny * r->nx;
    memset(t, 0, sizeof *t);
    t->p = malloc((size_t)n * 3 * sizeof *t->p);
    t->perm = malloc((size_t)n * sizeof *t->perm);
    t->axis = calloc((size_t)n, 1);
    if (!t->p || !t->perm || !t->axis)
        return zsi_nomem(r->ctx);
    for (uint64_t i = 0; i < n; i++) {
        if (isnan(r->yc[i]) || isnan(r->xc[i]))
            continue;
        zsi_rg_unit_vector(r->yc[i], r->xc[i], t->p + 3 * i);
        t->perm[t->n++] = (uint32_t)i;
    }
    build(t, 0, t->n);
    bounding_cap(t);
    return ZS_OK;
}

static void tree_free(kdtree *t)
{
    free(t->p);
    free(t->perm);
    free(t->axis);
}

/* The k nearest so far, nearest first. */
typedef struct knn {
    int n;
    uint32_t idx[KNN];
    double d[KNN];
} knn;

static void knn_add(knn *h, uint32_t idx, double d)
{
    int k = h->n;
    if (k == KNN) {
        k = KNN - 1;
        if (d > h->d[k] || (d == h->d[k] && idx > h->idx[k]))
            return;
    } else {
        h->n++;
    }
    while (k > 0 && (d < h->d[k - 1] ||
                     (d == h->d[k - 1] && idx < h->idx[k - 1]))) {
        h->d[k] = h->d[k - 1];
        h->idx[k] = h->idx[k - 1];
        k--;
    }
    h->d[k] = d;
    h->idx[k] = idx;
}

static void search(const kdtree *t, uint64_t lo, uint64_t hi,
                   const double *q, knn *h)
{
    while (lo < hi) {
        uint64_t m = lo + (hi - lo) / 2;
        const double *p = t->p + 3 * (uint64_t)t->perm[m];
        double dx = q[0] - p[0], dy = q[1] - p[1], dz = q[2] - p[2];
        double diff = q[t->axis[m]] - p[t->axis[m]];
        knn_add(h, t->perm[m], dx * dx + dy * dy + dz * dz);
        if (hi - lo == 1)
            return;
        if (diff < 0) {
            search(t, lo, m, q, h);
            if (h->n == KNN && diff * diff > h->d[KNN - 1])
                return;
            lo = m + 1;
        } else {
            search(t, m + 1, hi, q, h);
            if (h->n == KNN && diff * diff > h->d[KNN - 1])
                return;
            hi = m;
        }
    }
}

/* ---- cells ------------------------------------------------------------ */

/* Longitude lon relative to lon0, in [-180, 180). */
static double rel_lon(double lon, double lon0)
{
    double d = fmod(lon - lon0, 360);
    if (d < -180)
        d += 360;
    else if (d >= 180)
        d -= 360;
    return d;
}

/* Parameters (a, b) of the point (lat, lon) in the cell of corners c[0..3]
 * (counterclockwise in the grid's indices: (k, l), (k, l+1), (k+1, l+1),
 * (k+1, l)); true when it is in the cell. */
static bool in_cell(const zs_regrid *r, const uint64_t *c, double lat,
                    double lon, double *w)
{
    double y[4], x[4], a = 0.5, b = 0.5;
    for (int k = 0; k < 4; k++) {
        y[k] = r->yc[c[k]];
        x[k] = rel_lon(r->xc[c[k]], lon);
        if (isnan(y[k]) || isnan(x[k]))
            return false;
    }
    double y1 = y[1] - y[0], y2 = y[3] - y[0], y3 = y[2] - y[1] - y2;
    double x1 = x[1] - x[0], x2 = x[3] - x[0], x3 = x[2] - x[1] - x2;
    for (int it = 0; it < NEWTON_ITER; it++) {
        double dy = lat - y[0] - y1 * a - y2 * b - y3 * a * b;
        double dx = -x[0] - x1 * a - x2 * b - x3 * a * b;
        double m1 = y1 + y3 * b, m2 = y2 + y3 * a;
        double m3 = x1 + x3 * b, m4 = x2 + x3 * a;
        double det = m1 * m4 - m2 * m3;
        if (det == 0 || !isfinite(det))
            return false;
        double da = (dy * m4 - m2 * dx) / det;
        double db = (dx * m1 - dy * m3) / det;
        a += da;
        b += db;
        if (fabs(da) < NEWTON_EPS && fabs(db) < NEWTON_EPS) {
            if (!(a >= -NEWTON_EPS && a <= 1 + NEWTON_EPS &&
                  b >= -NEWTON_EPS && b <= 1 + NEWTON_EPS))
                return false;
            w[0] = (1 - a) * (1 - b);
            w[1] = a * (1 - b);
            w[2] = a * b;
            w[3] = (1 - a) * b;
            return true;
        }
    }
    return false;
}

/* Cells close across the first and last columns: they are as near as
 * neighbouring columns are, in the middle row. */
static bool columns_wrap(const zs_regrid *r)
{
    uint64_t k = r->ny / 2, nx = r->nx;
    double a[3], b[3], c[3], d1 = 0, d2 = 0;
    if (nx < 3 || isnan(r->yc[k * nx]) || isnan(r->yc[k * nx + 1]) ||
        isnan(r->yc[k * nx + nx - 1]))
        return false;
    zsi_rg_unit_vector(r->yc[k * nx], r->xc[k * nx], a);
    zsi_rg_unit_vector(r->yc[k * nx + 1], r->xc[k * nx + 1], b);
    zsi_rg_unit_vector(r->yc[k * nx + nx - 1], r->xc[k * nx + nx - 1], c);
    for (int i = 0; i < 3; i++) {
        d1 += (a[i] - b[i]) * (a[i] - b[i]);
        d2 += (a[i] - c[i]) * (a[i] - c[i]);
    }
    return d2 <= 4 * d1;   /* twice the distance */
}

/* ---- the links -------------------------------------------------------- */

typedef struct curvi_job {
    const zs_regrid *r;
    const kdtree *t;
    bool wrap;
    uint32_t *src;        /* 4 per target */
    double *w;
    uint8_t *nl;          /* links of each target */
} curvi_job;

/* The cell of the point among those around its nearest centres. */
static bool find_cell(const curvi_job *j, const knn *h, double lat,
                      double lon, uint64_t *c, double *w)
{
    const zs_regrid *r = j->r;
    uint64_t nx = r->nx, tried[4 * KNN];
    int nt = 0;
    for (int q = 0; q < h->n; q++) {
        uint64_t k = h->idx[q] / nx, l = h->idx[q] % nx;
        for (int s = 0; s < 4; s++) {
            uint64_t k0 = k - (s < 2), l0 = l - (s % 2 == 0), l1, id;
            bool seen = false;
            if ((s < 2 && k == 0) || k0 + 1 >= r->ny)
                continue;
            if (s % 2 == 0 && l == 0) {
                if (!j->wrap)
                    continue;
                l0 = nx - 1;
            }
            l1 = l0 + 1 == nx ? 0 : l0 + 1;
            if (l0 + 1 == nx && !j->wrap)
                continue;
            id = k0 * nx + l0;
            for (int u = 0; u < nt && !seen; u++)
                seen = tried[u] == id;
            if (seen)
                continue;
            tried[nt++] = id;
            c[0] = k0 * nx + l0;
            c[1] = k0 * nx + l1;
            c[2] = (k0 + 1) * nx + l1;
            c[3] = (k0 + 1) * nx + l0;
            if (in_cell(r, c, lat, lon, w))
                return true;
        }
    }
    return false;
}

static zs_status target_row(void *arg, size_t jrow)
{
    const curvi_job *j = arg;
    const zs_regrid *r = j->r;
    uint64_t nlon = r->o.lon.n;
    for (uint64_t i = 0; i < nlon; i++) {
        uint64_t t = jrow * nlon + i, c[4];
        double q[3], w[4];
        knn h = {0, {0}, {0}};
        bool in;
        zsi_rg_unit_vector(r->o.lat.c[jrow], r->o.lon.c[i], q);
        j->nl[t] = 0;
        if (!r->o.extrapolate && beyond_cap(j->t, q))
            continue;
        search(j->t, 0, j->t->n, q, &h);
        if (h.n == 0)
            continue;
        in = find_cell(j, &h, r->o.lat.c[jrow], r->o.lon.c[i], c, w);
        if (r->o.method == RG_LINEAR && in) {
            for (int k = 0; k < 4; k++) {
                j->src[4 * t + k] = (uint32_t)c[k];
                j->w[4 * t + k] = w[k];
            }
            j->nl[t] = 4;
        } else if (in || r->o.extrapolate) {
            j->src[4 * t] = h.idx[0];
            j->w[4 * t] = 1;
            j->nl[t] = 1;
        }
    }
    return ZS_OK;
}

static zs_status compact(zs_regrid *r, const curvi_job *j, uint64_t nt)
{
    rg_links *l = &r->o.links;
    uint64_t n = 0;
    for (uint64_t t = 0; t < nt; t++)
        n += j->nl[t];
    memset(l, 0, sizeof *l);
    l->src = malloc((size_t)(n + 1) * sizeof *l->src);
    l->dst = malloc((size_t)(n + 1) * sizeof *l->dst);
    l->w = malloc((size_t)(n + 1) * sizeof *l->w);
    if (!l->src || !l->dst || !l->w)
        return zsi_nomem(r->ctx);
    for (uint64_t t = 0; t < nt; t++)
        for (int k = 0; k < j->nl[t]; k++) {
            l->src[l->n] = j->src[4 * t + k];
            l->dst[l->n] = (uint32_t)t;
            l->w[l->n++] = j->w[4 * t + k];
        }
    l->src_ny = r->ny;
    l->src_nx = r->nx;
    return ZS_OK;
}

zs_status zsi_rg_curvi_links(zs_regrid *r)
{
    uint64_t nt;
    kdtree t;
    curvi_job j;
    zs_status st;
    if (!zsi_mul_ok(r->o.lat.n, r->o.lon.n, &nt) || nt >= CURVI_MAX ||
        nt > SIZE_MAX / (4 * sizeof(double)))
        return zsi_err(r->ctx, ZS_ERR_OVERFLOW, "a target grid of %llu x "
                       "%llu points from a curvilinear source (at most "
                       "2^31)", (unsigned long long)r->o.lat.n,
                       (unsigned long long)r->o.lon.n);
    if (r->o.method == RG_CONSERVATIVE || r->o.method == RG_DESTAREA)
        return zsi_rg_curvi_con_links(r);
    memset(&j, 0, sizeof j);
    memset(&t, 0, sizeof t);
    j.r = r;
    j.t = &t;
    j.wrap = columns_wrap(r);
    j.src = malloc((size_t)(4 * nt + 1) * sizeof *j.src);
    j.w = malloc((size_t)(4 * nt + 1) * sizeof *j.w);
    j.nl = calloc((size_t)nt + 1, 1);
    st = j.src && j.w && j.nl ? tree_new(r, &t) : zsi_nomem(r->ctx);
    if (st == ZS_OK)
        st = zsi_parallel_for(r->ctx, (size_t)r->o.lat.n, target_row, &j);
    if (st == ZS_OK)
        st = compact(r, &j, nt);
    tree_free(&t);
    free(j.src);
    free(j.w);
    free(j.nl);
    return st;
}
