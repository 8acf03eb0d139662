/*
 * zsi_regrid.h - private to regridding (ops/regrid_*.c).
 *
 * Grids here are rectilinear latitude-longitude grids: a 1-D coordinate
 * per axis, evenly spaced or not, in either direction.  On such grids
 * every method's weights separate: source point (k, l) contributes to
 * target point (j, i) with weight wy[j][k] * wx[i][l] (bilinear is linear
 * times linear; the area of the overlap of two latitude-longitude boxes
 * is R^2 times a difference of sines of latitude times a difference of
 * longitudes).  Each axis has one small sparse matrix, and a field is
 * regridded in two passes: along longitude, then along latitude.
 *
 * Curvilinear sources (2-D latitude and longitude on dimensions Y, X:
 * polar stereographic sea ice, ocean model grids) have no such axes:
 * their weights are links from source points to target points, made
 * with a k-d tree of the source's centres (regrid_curvi.c) or, for the
 * conservative methods, by clipping the source's cells with the target's
 * (regrid_curvi_con.c), and a field is regridded in one sparse product,
 * as with weights from a file.
 */
#ifndef ZSI_REGRID_H
#define ZSI_REGRID_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_ops.h"

enum { RG_LINEAR, RG_NEAREST, RG_CONSERVATIVE, RG_DESTAREA };

/* A coordinate of the target grid and how it is written. */
typedef struct rg_coord {
    uint64_t n;
    double *c;
    zs_dtype dtype;
    zs_attrs *attrs;      /* NULL: the source coordinate's, made CF */
} rg_coord;

bool zsi_rg_coord_copy(rg_coord *dst, const rg_coord *src);
void zsi_rg_coord_clear(rg_coord *c);

/* The weights of one axis as sparse rows: target t takes source point
 * idx[e] (an index of the source coordinate) with weight w[e] for e in
 * [row[t], row[t + 1]).  Stencil points of weight 0 are kept: a missing
 * value there still makes the target missing.  cover[t] is the sum of
 * the row's weights, 0 where the target is outside the source. */
typedef struct rg_weights {
    uint64_t nt;
    uint64_t *row;
    uint64_t *idx;
    double *w;
    double *cover;
} rg_weights;

void zsi_rg_weights_free(rg_weights *w);

/* A source axis for the weights. */
typedef struct rg_src_axis {
    const double *c;      /* the coordinate, as stored */
    uint64_t n;
    bool lon;             /* a longitude: positions modulo 360 */
    bool periodic;        /* a longitude that closes the circle */
} rg_src_axis;

/* How the weights of an axis are made. */
typedef struct rg_method {
    int method;           /* RG_* */
    bool extrapolate;     /* targets outside take the nearest end */
} rg_method;

/* The weights from src to the target coordinate t (n points, a
 * longitude when src is one).  ZS_ERR_INVALID for axes the method
 * cannot use (conservative needs two points a side, for cell edges). */
zs_status zsi_rg_weights_make(zs_ctx *ctx, const rg_src_axis *src,
                              const double *t, uint64_t n,
                              const rg_method *m, rg_weights *out);

/* A longitude coordinate that spans the whole circle: n points a mean
 * step apart make 360 degrees. */
bool zsi_rg_closes_circle(const double *c, uint64_t n);

/* Edges of the cells of coordinate c (either direction, n >= 2): cell i
 * spans [lo[i], hi[i]] with lo < hi, halfway to its neighbours (the ends
 * as far out as the step, or across the seam when periodic); latitudes
 * clipped to [-90, 90]. */
void zsi_rg_cell_edges(const double *c, uint64_t n, bool lon, bool periodic,
                       double *lo, double *hi);

/* Latitude (Y) or longitude (X) coordinate by its units, standard_name
 * or axis; 0 for neither. */
int zsi_rg_axis_kind(const zs_var *v);

/* The horizontal coordinates of the root group of ds: the variables
 * named ydim and xdim when given, else found by zsi_rg_axis_kind.
 * Messages name ds and "horizontal dimensions". */
zs_status zsi_rg_find_axes(zs_dataset *ds, const char *ydim,
                           const char *xdim, zs_var **y, zs_var **x);

/* 2-D latitude and longitude on the same two dimensions (Y, X): the
 * variables named ydim and xdim when given, else found by their units
 * or standard_name.  ZS_ERR_NOTFOUND quietly when there are none. */
zs_status zsi_rg_find_curvi(zs_dataset *ds, const char *ydim,
                            const char *xdim, zs_var **lat, zs_var **lon);

/* The values of a 1-D coordinate, strictly monotonic and finite: *out
 * (free it) holds v's length of them. */
zs_status zsi_rg_coord_read(zs_var *v, double **out);

/* A time axis: values in its own units, with their type and attributes,
 * and as instants on its calendar's axis. */
typedef struct rg_time {
    rg_coord c;
    zsi_usec *t;          /* NULL: none */
    zs_calendar cal;
} rg_time;

enum { RG_TIME_NONE, RG_TIME_NEAREST, RG_TIME_FFILL, RG_TIME_BFILL,
       RG_TIME_WITHIN, RG_TIME_LINEAR };

bool zsi_rg_time_copy(rg_time *dst, const rg_time *src);
void zsi_rg_time_clear(rg_time *t);
/* The first 1-D coordinate of the root with units "... since ...". */
zs_var *zsi_rg_time_find(zs_dataset *ds);
zs_status zsi_rg_time_read(zs_var *v, rg_time *out);

/* Weights read from a SCRIP file: link e takes source point src[e] (an
 * index into the source's latitude-major grid) to target point dst[e]
 * with weight w[e]. */
typedef struct rg_links {
    uint64_t n;
    uint32_t *src, *dst;
    double *w;
    uint64_t src_ny, src_nx;
} rg_links;

bool zsi_rg_links_copy(rg_links *dst, const rg_links *src);
void zsi_rg_links_clear(rg_links *l);
/* The links and target grid of a SCRIP weights file (regrid_scrip.c). */
zs_status zsi_rg_scrip_read(zs_dataset *ds, rg_links *l, rg_coord *lat,
                            rg_coord *lon);

struct zs_regrid_opts {
    zs_ctx *ctx;
    bool have_grid;
    rg_coord lat, lon;    /* the target grid */
    char *grid_name;      /* the spec or the store, for describe */
    int method;
    char *ydim, *xdim;    /* the source's horizontal dimensions */
    int periodic;         /* ZS_PERIODIC_* */
    bool skipna;
    double min_frac;
    bool extrapolate;
    zs_dtype dtype;       /* ZS_DT_NONE: float32 unless float64 in */
    zsi_strv vars;
    rg_time ttime;        /* the target's time axis, if it has one */
    bool mask_invalid;    /* valid range and flag values: missing */
    rg_links links;       /* weights from a file (n 0: none) */
    int time_method;      /* RG_TIME_* */
    bool has_tolerance;
    int64_t tolerance;    /* microseconds */
    bool has_step;        /* a target time axis from the source's */
    zsi_time_step step;   /* first time by this step */
};

/* Values made missing before regridding (mask_invalid), decoded: those
 * below lo or above hi, and the flag values. */
#define RG_MAX_FLAGS 16
typedef struct rg_mask {
    bool on;
    double lo, hi;
    double flag[RG_MAX_FLAGS];
    size_t nflag;
} rg_mask;

/* The mask of variable v (decoded units; off when it has none). */
void zsi_rg_mask_init(rg_mask *m, const zs_var *v);
/* Missing values in place of the masked ones of x[0..n-1]. */
void zsi_rg_mask_apply(const rg_mask *m, double *x, size_t n);

/* A variable regridded: (..., Y, X) to (..., target Y, target X). */
typedef struct rg_var {
    zs_var *v;
    const char *odims[ZS_MAX_DIMS];  /* the output's: the target's two
                                        coordinates' names last */
    uint64_t oshape[ZS_MAX_DIMS];
    uint64_t ochunks[ZS_MAX_DIMS];
    uint64_t unit[ZS_MAX_DIMS];   /* what a write covers (shards) */
    zs_dtype dtype;
    int tdim;                     /* the time dimension mapped, or -1 */
    rg_mask mask;
    zs_array *out;                /* the writer's */
} rg_var;

struct zs_regrid {
    zs_ctx *ctx;
    zs_dataset *ds;
    struct zs_regrid_opts o;
    zs_write_opts w;
    uint64_t memory;
    zs_var *ysrc, *xsrc;          /* the source's coordinates */
    double *yc, *xc;              /* ... their values (curvilinear: ny x
                                     nx each, NaN where invalid) */
    bool curvi;                   /* 2-D coordinates */
    bool curvi_links;             /* ... whose links are in o.links */
    uint64_t ny, nx;              /* the source's horizontal shape */
    const char *ydim, *xdim;      /* ... and dimensions */
    bool periodic;
    rg_weights wy, wx;
    bool *need_row;               /* source rows some target uses */
    double *lcover;               /* weights from a file: their sum per
                                     target */
    uint8_t *pick;                /* nearest: the corner of each target's
                                     stencil (bit 0: its second row,
                                     bit 1: its second column) */
    rg_var *vars;
    size_t nvars;
    zs_var **copy;                /* written unchanged */
    size_t ncopy;
    zs_var *tsrc;                 /* the source's time, when mapped */
    int64_t *tmap;                /* source step of each target time,
                                     -1 for none */
    double *tfrac;                /* time linear: the weight of the step
                                     after it */
};

/* Curvilinear sources (regrid_curvi.c): r->yc, r->xc read, and the
 * links of method r->o.method (nearest or linear) to the target grid
 * into r->o.links. */
zs_status zsi_rg_curvi_read(zs_regrid *r);
/* The unit vector of a point (degrees) on the sphere. */
void zsi_rg_unit_vector(double lat, double lon, double *v);
zs_status zsi_rg_curvi_links(zs_regrid *r);
/* ... conservative, from the cells' corners (regrid_curvi_con.c). */
zs_status zsi_rg_curvi_con_links(zs_regrid *r);

/* The source step of each target time (regrid_time.c). */
zs_status zsi_rg_time_map(zs_regrid *r);

/* Plan (regrid_plan.c), and the values of one variable (regrid_run.c). */
zs_status zsi_regrid_plan(zs_regrid *r);
zs_status zsi_regrid_var(zs_regrid *r, rg_var *rv);

#endif
