/* regrid_curvi_con.c - conservative weights from a curvilinear source
 * with cell corners (the variables that the 2-D coordinates' "bounds"
 * attributes name, e.g. CMIP's vertices_latitude(j, i, vertices)) onto
 * a latitude-longitude target.
 *
 * Source cells have great-circle edges; target cells are boxes whose
 * edges are meridians and circles of latitude (as YAC, which CDO's
 * remapcon uses, takes them).  Each source cell is clipped by the boxes
 * its extent overlaps: by the two meridian planes (great circles: the
 * Sutherland-Hodgman rule), then by the two latitudes, where an edge can
 * cross a circle of latitude twice (great circles bulge poleward) and
 * the clipped part runs along the circle.  The area of the result is
 * that of the polygon of its vertices joined by great circles (a fan of
 * triangles, each by Van Oosterom and Strackee's formula), corrected on
 * each latitude edge by the segment between the circle of latitude and
 * the great circle: the polar sector less the polar triangle.
 *
 * The weight of a link is the overlap over the target cell's area; the
 * run divides by their sum (fracarea) or not (destarea), as for
 * rectilinear grids.  Cells with a corner missing are no cells. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_regrid.h"

#define MAXV 32           /* vertices of a clipped cell */
#define MAXCORNERS 8      /* corners of a source cell */
#define CELL_REACH 30.0   /* degrees from a cell's centre to a corner */

typedef struct poly {
    int n;
    double p[MAXV][3];
    int8_t lat[MAXV];     /* edge i -> i+1: 0 great circle, else a
                             circle of latitude (+1: from a southern
                             bound, -1: a northern) */
} poly;

static double dot(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross(const double *a, const double *b, double *c)
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static void normalize(double *p)
{
    double n = sqrt(dot(p, p));
    for (int k = 0; k < 3; k++)
        p[k] /= n;
}

static void put(poly *o, const double *p, int8_t lat)
{
    if (o->n >= MAXV)
        return;
    memcpy(o->p[o->n], p, sizeof o->p[0]);
    o->lat[o->n++] = lat;
}

/* Keep m.p >= 0 (m through the centre: a meridian plane).  Every edge is
 * a great circle here. */
static void clip_plane(const poly *in, const double *m, poly *o)
{
    o->n = 0;
    for (int i = 0; i < in->n; i++) {
        const double *a = in->p[i], *b = in->p[(i + 1) % in->n];
        double da = dot(m, a), db = dot(m, b), x[3];
        if (da >= 0)
            put(o, a, 0);
        if ((da >= 0) != (db >= 0)) {
            double t = da / (da - db);
            for (int k = 0; k < 3; k++)
                x[k] = a[k] + t * (b[k] - a[k]);
            normalize(x);
            put(o, x, 0);
        }
    }
}

/* The great circle from a to b as a cos(s) + u sin(s), s in [0, len]. */
static double arc(const double *a, const double *b, double *u)
{
    double c = dot(a, b);
    for (int k = 0; k < 3; k++)
        u[k] = b[k] - c * a[k];
    double n = sqrt(dot(u, u));
    if (!(n > 0))
        return 0;
    for (int k = 0; k < 3; k++)
        u[k] /= n;
    return atan2(n, c);
}

/* Where the arc's z equals z0, in (0, len), ascending: 0 to 2 of them. */
static int crossings(const double *a, const double *u, double len,
                     double z0, double *s)
{
    double r = hypot(a[2], u[2]), base, d;
    int n = 0;
    if (!(r > fabs(z0)))
        return 0;
    base = atan2(u[2], a[2]);
    d = acos(z0 / r);
    for (int k = 0; k < 2; k++) {
        double t = fmod(base + (k ? d : -d) + 4 * M_PI, 2 * M_PI);
        if (t > 0 && t < len)
            s[n++] = t;
    }
    if (n == 2 && s[0] > s[1]) {
        double x = s[0];
        s[0] = s[1];
        s[1] = x;
    }
    return n;
}

/* Keep side * (z - z0) >= 0: north of latitude z0 = sin(lat) for side
 * +1, south for -1.  Edges on a circle of latitude are wholly in. */
static void clip_lat(const poly *in, double z0, int side, poly *o)
{
    o->n = 0;
    for (int i = 0; i < in->n; i++) {
        const double *a = in->p[i], *b = in->p[(i + 1) % in->n];
        bool inside = side * (a[2] - z0) >= 0;
        double u[3], s[2], len, x[3];
        int nc;
        if (in->lat[i]) {
            put(o, a, in->lat[i]);
            continue;
        }
        if (inside)
            put(o, a, 0);
        len = arc(a, b, u);
        nc = crossings(a, u, len, z0, s);
        for (int k = 0; k < nc; k++) {
            for (int c = 0; c < 3; c++)
                x[c] = a[c] * cos(s[k]) + u[c] * sin(s[k]);
            inside = !inside;
            put(o, x, inside ? 0 : (int8_t)side);
        }
    }
}

/* The signed area of the spherical triangle a, b, c. */
static double triangle(const double *a, const double *b, const double *c)
{
    double bc[3];
    cross(b, c, bc);
    return 2 * atan2(dot(a, bc), 1 + dot(a, b) + dot(b, c) + dot(c, a));
}

/* The signed longitude from a to b (radians). */
static double dlon(const double *a, const double *b)
{
    return atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1]);
}

/* Between the circle of latitude through a and b and the great circle
 * through them: the sector from the nearer pole less the triangle. */
static double segment(const double *a, const double *b)
{
    double pole[3] = {0, 0, a[2] >= 0 ? 1 : -1};
    return fabs(dlon(a, b)) * (1 - fabs(a[2])) -
           fabs(triangle(pole, a, b));
}

/* The polygon of great circles through the vertices, and on each edge
 * along a latitude the segment between the two: the great circle lies
 * poleward, so going east (counterclockwise, as the fan's sign) the
 * latitude edge adds the segment in the north and takes it away in the
 * south.  Edges that S-H laid back and forth along a latitude cancel. */
static double area(const poly *q)
{
    double s = 0, corr = 0;
    /* two vertices: a lens between a great circle and a latitude */
    if (q->n < 2)
        return 0;
    for (int i = 1; i + 1 < q->n; i++)
        s += triangle(q->p[0], q->p[i], q->p[i + 1]);
    for (int i = 0; i < q->n; i++) {
        const double *a = q->p[i], *b = q->p[(i + 1) % q->n];
        if (q->lat[i])
            corr += (a[2] >= 0 ? 1 : -1) * (dlon(a, b) > 0 ? 1 : -1) *
                    segment(a, b);
    }
    return fabs(s + corr);
}

/* ---- the grids -------------------------------------------------------- */

/* Cell edges of a target coordinate: halfway, the outer ones half a
 * step beyond (latitudes clipped to +-90), ascending with their column
 * order kept in rev. */
static bool target_edges(const rg_coord *c, bool lat, double **e)
{
    uint64_t n = c->n;
    double *x = malloc((size_t)(n + 1) * sizeof *x);
    if (!x)
        return false;
    x[0] = c->c[0] - (c->c[1] - c->c[0]) / 2;
    x[n] = c->c[n - 1] + (c->c[n - 1] - c->c[n - 2]) / 2;
    for (uint64_t k = 1; k < n; k++)
        x[k] = (c->c[k - 1] + c->c[k]) / 2;
    for (uint64_t k = 0; lat && k <= n; k++)
        x[k] = x[k] > 90 ? 90 : x[k] < -90 ? -90 : x[k];
    *e = x;
    return true;
}

typedef struct cell {
    int n;
    double lat[MAXCORNERS], lon[MAXCORNERS];   /* lon unwrapped */
    double lo, hi, south, north;
    int pole;             /* +1, -1: the cell holds that pole */
} cell;

/* A cell around a pole (its longitudes wind once around) or with the
 * pole on an edge (180 degrees of longitude or more): it may meet every
 * column (the caller's frame starts at the target's first edge), up to
 * the pole. */
static bool polar(cell *c)
{
    double turn = 0, mean = 0;
    for (int i = 0; i < c->n; i++) {
        turn += remainder(c->lon[(i + 1) % c->n] - c->lon[i], 360);
        mean += c->lat[i];
    }
    if (fabs(turn) < 180 && c->hi - c->lo < 180)
        return false;
    c->pole = mean > 0 ? 1 : -1;
    /* edges bulge toward the pole: the far side is at the corners */
    c->south = c->pole > 0 ? 90 : -90;
    c->north = c->pole > 0 ? 90 : -90;
    for (int i = 0; i < c->n; i++) {
        c->south = fmin(c->south, c->lat[i]);
        c->north = fmax(c->north, c->lat[i]);
    }
    return true;
}

/* Source cell k from the corner arrays; false when it is no cell: a
 * corner missing, or one more than CELL_REACH from the cell's centre
 * (cy, cx): broken corners, as the first row of CanESM5's ocean grid
 * has, whose one corner in the Arctic would smear the Antarctic over
 * half the globe. */
static bool source_cell(const double *vy, const double *vx, int nv,
                        uint64_t k, double cy, double cx, cell *c)
{
    double p[3], u[3], len, a, ctr[3];
    c->n = nv;
    c->pole = 0;
    if (isnan(cy) || isnan(cx))
        return false;
    zsi_rg_unit_vector(cy, cx, ctr);
    for (uint64_t i = k * (uint64_t)nv; i < (k + 1) * (uint64_t)nv; i++) {
        zsi_rg_unit_vector(vy[i], vx[i], p);
        if (!(dot(p, ctr) >= cos(CELL_REACH * M_PI / 180)))
            return false;
    }
    c->lo = c->hi = vx[k * (uint64_t)nv];
    c->south = 90;
    c->north = -90;
    for (int i = 0; i < nv; i++) {
        double y = vy[k * (uint64_t)nv + i], x = vx[k * (uint64_t)nv + i];
        if (!(fabs(y) <= 90) || !(fabs(x) <= 1e4))
            return false;
        x = c->lo + remainder(x - c->lo, 360);
        c->lat[i] = y;
        c->lon[i] = x;
        c->lo = x < c->lo ? x : c->lo;
        c->hi = x > c->hi ? x : c->hi;
    }
    if (polar(c))
        return true;
    /* great circles reach beyond their ends' latitudes */
    for (int i = 0; i < nv; i++) {
        double q[3], z[3];
        int j = (i + 1) % nv;
        zsi_rg_unit_vector(c->lat[i], c->lon[i], p);
        zsi_rg_unit_vector(c->lat[j], c->lon[j], q);
        len = arc(p, q, u);
        a = atan2(u[2], p[2]);
        z[0] = p[2];
        z[1] = q[2];
        z[2] = a > 0 && a < len ? hypot(p[2], u[2])
               : a + M_PI > 0 && a + M_PI < len ? -hypot(p[2], u[2])
                                                : p[2];
        for (int m = 0; m < 3; m++) {
            double l = asin(z[m] > 1 ? 1 : z[m] < -1 ? -1 : z[m]) * 180 /
                       M_PI;
            c->south = l < c->south ? l : c->south;
            c->north = l > c->north ? l : c->north;
        }
    }
    return true;
}

/* The overlap (steradians) of a source cell and the box [s, n] x [w, e]
 * (degrees, w < e, within 180 of the cell). */
static double overlap(const cell *c, double s, double n, double w, double e)
{
    poly a, b;
    double m[3];
    a.n = c->n;
    for (int i = 0; i < c->n; i++) {
        zsi_rg_unit_vector(c->lat[i], c->lon[i], a.p[i]);
        a.lat[i] = 0;
    }
    m[0] = -sin(w * M_PI / 180);
    m[1] = cos(w * M_PI / 180);
    m[2] = 0;
    clip_plane(&a, m, &b);
    m[0] = sin(e * M_PI / 180);
    m[1] = -cos(e * M_PI / 180);
    clip_plane(&b, m, &a);
    clip_lat(&a, sin(s * M_PI / 180), 1, &b);
    clip_lat(&b, sin(n * M_PI / 180), -1, &a);
    return area(&a);
}

/* ---- the links -------------------------------------------------------- */

typedef struct grow {
    rg_links *l;
    uint64_t cap;
} grow;

static bool add_link(grow *g, uint64_t src, uint64_t dst, double w)
{
    rg_links *l = g->l;
    if (l->n == g->cap) {
        uint64_t cap = g->cap ? 2 * g->cap : 4096;
        uint32_t *s = realloc(l->src, (size_t)cap * sizeof *s);
        if (s)
            l->src = s;
        uint32_t *d = realloc(l->dst, (size_t)cap * sizeof *d);
        if (d)
            l->dst = d;
        double *x = realloc(l->w, (size_t)cap * sizeof *x);
        if (x)
            l->w = x;
        if (!s || !d || !x)
            return false;
        g->cap = cap;
    }
    l->src[l->n] = (uint32_t)src;
    l->dst[l->n] = (uint32_t)dst;
    l->w[l->n++] = w;
    return true;
}

typedef struct target {
    double *ye, *xe;      /* edges; xe ascending */
    uint64_t ny, nx;
    bool xrev;            /* the target's longitudes descend */
} target;

/* The first column whose east edge is past x. */
static uint64_t first_col(const target *t, double x)
{
    uint64_t lo = 0, hi = t->nx;
    while (lo < hi) {
        uint64_t m = lo + (hi - lo) / 2;
        if (t->xe[m + 1] > x)
            hi = m;
        else
            lo = m + 1;
    }
    return lo;
}

/* The rows [*j0, *j1) whose latitudes may meet [south, north]: the
 * edges are monotonic either way. */
static void rows_of(const target *t, double south, double north,
                    uint64_t *j0, uint64_t *j1)
{
    bool up = t->ye[t->ny] > t->ye[0];
    double first = up ? south : north;
    uint64_t lo = 0, hi = t->ny;
    while (lo < hi) {   /* the first row that ends past first */
        uint64_t m = lo + (hi - lo) / 2;
        if (up ? t->ye[m + 1] > first : t->ye[m + 1] < first)
            hi = m;
        else
            lo = m + 1;
    }
    *j0 = lo;
    for (*j1 = lo; *j1 < t->ny && (up ? t->ye[*j1] < north
                                      : t->ye[*j1] > south); (*j1)++)
        ;
}

/* The links of source cell k to every target box it overlaps: in each
 * frame of the target's longitudes (moved by whole turns) where the
 * cell's extent meets them. */
static bool cell_links(const target *t, cell *c, uint64_t k, grow *g)
{
    double t0;
    if (c->pole) {   /* every column, once */
        c->lo = t->xe[0];
        c->hi = t->xe[0] + 360;
    }
    t0 = 360 * floor((c->lo - t->xe[0]) / 360);
    uint64_t j0, j1;
    rows_of(t, c->south, c->north, &j0, &j1);
    for (uint64_t j = j0; j < j1; j++) {
        double s = fmin(t->ye[j], t->ye[j + 1]);
        double n = fmax(t->ye[j], t->ye[j + 1]);
        if (n <= c->south || s >= c->north || n <= s)
            continue;
        for (int turn = -1; turn <= 1; turn++) {
            double off = t0 + 360 * turn;
            for (uint64_t i = first_col(t, c->lo - off);
                 i < t->nx && t->xe[i] < c->hi - off; i++) {
                double w = t->xe[i], e = t->xe[i + 1];
                double a = overlap(c, s, n, w + off, e + off);
                double box = (sin(n * M_PI / 180) - sin(s * M_PI / 180)) *
                             (e - w) * M_PI / 180;
                uint64_t col = t->xrev ? t->nx - 1 - i : i;
                if (a > 0 && box > 0 && !add_link(g, k, j * t->nx + col,
                                                  a / box))
                    return false;
            }
        }
    }
    return true;
}

/* The corners: variable name of v's "bounds", (ny, nx, nv) values. */
static zs_status corners(zs_regrid *r, const zs_var *v, int *nv,
                         double **out)
{
    const char *b = zsi_attrs_text(zs_var_attrs(v), "bounds");
    zs_var *c = b ? zs_group_find_var(zs_dataset_root(r->ds), b) : NULL;
    uint64_t start[3] = {0, 0, 0}, n;
    uint8_t *raw;
    zs_status st;
    if (!c || zs_var_ndim(c) != 3 || zs_var_shape(c)[0] != r->ny ||
        zs_var_shape(c)[1] != r->nx || zs_var_shape(c)[2] < 3 ||
        zs_var_shape(c)[2] > MAXCORNERS ||
        !zsi_dtype_is_numeric(zs_var_dtype(c)))
        return zsi_err(r->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: conservative "
                       "regridding of a curvilinear source needs cell "
                       "corners: %s has no \"bounds\" naming a (%s, %s, "
                       "3..8) variable",
                       zsi_dataset_name(r->ds), zs_var_name(v), r->ydim,
                       r->xdim);
    *nv = (int)zs_var_shape(c)[2];
    n = r->ny * r->nx * zs_var_shape(c)[2];
    raw = malloc((size_t)n * zs_var_itemsize(c));
    *out = malloc((size_t)n * sizeof **out);
    st = raw && *out ? zs_var_read(c, start, zs_var_shape(c), raw)
                     : zsi_nomem(r->ctx);
    zs_dtype vt = zs_var_dtype(c);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        (*out)[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    return st;
}

zs_status zsi_rg_curvi_con_links(zs_regrid *r)
{
    double *vy = NULL, *vx = NULL;
    int ny_c = 0, nx_c = 0;
    target t = {NULL, NULL, r->o.lat.n, r->o.lon.n, false};
    double x;
    grow g = {&r->o.links, 0};
    zs_status st;
    if (t.ny < 2 || t.nx < 2)
        return zsi_err(r->ctx, ZS_ERR_INVALID, "conservative: a target "
                       "grid of at least two points a side");
    st = corners(r, r->ysrc, &ny_c, &vy);
    if (st == ZS_OK)
        st = corners(r, r->xsrc, &nx_c, &vx);
    if (st == ZS_OK && ny_c != nx_c)
        st = zsi_err(r->ctx, ZS_ERR_FORMAT,
                     "%s: the corners of latitude "
                     "and longitude differ in number",
                     zsi_dataset_name(r->ds));
    if (st == ZS_OK && (!target_edges(&r->o.lat, true, &t.ye) ||
                        !target_edges(&r->o.lon, false, &t.xe)))
        st = zsi_nomem(r->ctx);
    /* longitudes ascending, columns counted back when they descend */
    t.xrev = st == ZS_OK && t.xe[0] > t.xe[t.nx];
    for (uint64_t i = 0; t.xrev && i < (t.nx + 1) / 2; i++) {
        x = t.xe[i];
        t.xe[i] = t.xe[t.nx - i];
        t.xe[t.nx - i] = x;
    }
    memset(&r->o.links, 0, sizeof r->o.links);
    for (uint64_t k = 0; st == ZS_OK && k < r->ny * r->nx; k++) {
        cell c;
        if (source_cell(vy, vx, ny_c, k, r->yc[k], r->xc[k], &c) &&
            !cell_links(&t, &c, k, &g))
            st = zsi_nomem(r->ctx);
    }
    r->o.links.src_ny = r->ny;
    r->o.links.src_nx = r->nx;
    free(vy);
    free(vx);
    free(t.ye);
    free(t.xe);
    return st;
}
