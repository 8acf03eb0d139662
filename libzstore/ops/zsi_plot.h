/*
 * zsi_plot.h - private to the quick-look maps (ops/plot_*.c).
 *
 * The operation reads and decodes 2-D fields, chooses colour limits and
 * maps values to colours itself (plain C, so that every pixel is exactly
 * what matplotlib's Normalize and Colormap give); it hands the finished
 * raster and the text to draw to the render layer (render/zsi_render.h),
 * the only code that includes cairo and libpng.
 */
#ifndef ZSI_PLOT_H
#define ZSI_PLOT_H

#include "ops/zsi_ops.h"

/* A 256-entry colour table (RGBA bytes), generated from matplotlib. */
typedef struct zsi_cmap {
    const char *name;
    const uint8_t (*lut)[4];
} zsi_cmap;
extern const zsi_cmap zsi_cmaps[];   /* ends with {NULL, NULL} */

/* Colours that are not in a table. */
#define ZSI_PLOT_MISSING 153   /* grey: (153, 153, 153) */
extern const uint8_t zsi_plot_land[3];    /* (210, 180, 140), tan */

/* Where a field comes from: a store (NULL: the plotted one) and a
 * variable (NULL: the plotted one). */
typedef struct plot_src {
    char *store, *var;
} plot_src;

struct zs_plot_opts {
    zs_ctx *ctx;
    char *var;
    zsi_strv sels;          /* -s specs, as given */
    zsi_strv isels;         /* -i specs */
    const zsi_cmap *cmap;
    double vmin, vmax;      /* NaN: from the data */
    bool robust, log;
    bool mask_invalid;      /* valid range, flag values: missing */
    int scale;              /* pixels per cell (0: automatic) */
    bool raw;               /* the map only */
    bool has_mask, has_panel;
    plot_src mask, panel;
    plot_src hx, hy;        /* hist2d variables (var NULL: none) */
    int bins;
    bool hist_logx, hist_logy;  /* bins of log10 of the values */
    int ascii_width;
};

/* A 2-D field ready to draw: row 0 is the top (largest y), x grows to
 * the right; the edges are the outer edges of the outer cells. */
typedef struct plot_field {
    uint64_t nx, ny;
    double *v;              /* ny * nx decoded values, NaN missing */
    uint8_t *land;          /* ny * nx, 1 for land (a mask), or NULL */
    double xl, xr, yb, yt;  /* edges: left, right, bottom, top */
    bool xlog, ylog;        /* edges and cells in log10 of the values */
    char *title;            /* long_name [units], slice labels */
    char *xlabel, *ylabel;
    char *units;            /* colour bar label */
    int scale;              /* pixels per cell */
} plot_field;

struct zs_plot {
    zs_ctx *ctx;
    struct zs_plot_opts o;
    plot_field f[2];
    int nf;                 /* 1, or 2 with a panel */
    bool hist;              /* f[0] holds counts of a 2-D histogram */
    double vmin, vmax;      /* the colour limits */
    uint64_t nvalid;
};

/* ---- options (plot_opts.c) --------------------------------------- */
zs_status zsi_plot_opts_copy(zs_ctx *ctx, const struct zs_plot_opts *src,
                             struct zs_plot_opts *dst);
void zsi_plot_opts_clear(struct zs_plot_opts *o);

/* ---- fields (plot_field.c) --------------------------------------- */
/* The 2-D slice of variable var of ds after the options' selections
 * (all must apply when strict; else those of dimensions var has). */
zs_status zsi_plot_load(zs_dataset *ds, const char *var,
                        const struct zs_plot_opts *o, bool strict,
                        plot_field *f);
/* Land of the mask source onto f (same grid). */
zs_status zsi_plot_load_mask(zs_ctx *ctx, zs_dataset *main,
                             const struct zs_plot_opts *o, plot_field *f);
/* Counts of the 2-D histogram of variables x and y of ds. */
zs_status zsi_plot_hist2d(zs_dataset *ds, const struct zs_plot_opts *o,
                          plot_field *f);
void zsi_plot_field_clear(plot_field *f);

/* ---- limits and colours (plot_norm.c) ------------------------------ */
/* numpy.percentile(v, q) of the n values (sorted in place), method
 * linear. */
double zsi_percentile(double *v, size_t n, double q);
/* Colour limits of the plan's fields by the options. */
zs_status zsi_plot_limits(zs_plot *p);
/* The colour of value x: missing grey, else the table's entry of the
 * normalised value as matplotlib picks it. */
void zsi_plot_colour(const zs_plot *p, double x, uint8_t rgb[3]);
/* The normalised position of x in [vmin, vmax] (linear or log). */
double zsi_plot_norm(const zs_plot *p, double x);
/* About want (at least 2) "nice" tick values within [a, b], at most max
 * (decades for log). */
size_t zsi_plot_ticks(double a, double b, bool log, int want, double *t,
                      size_t max);

#endif
