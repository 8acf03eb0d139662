/*
 * zsi_select.h - private to the selection (ops/select_*.c).
 */
#ifndef ZSI_SELECT_H
#define ZSI_SELECT_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_ops.h"

typedef struct sel_spec {
    char *dim;
    bool is_index;        /* --isel */
    bool range;           /* A:B, not a single value */
    char *a, *b;          /* bounds as text; NULL for an open end */
    char *step;           /* --isel STEP text, or NULL */
} sel_spec;

struct zs_select_opts {
    zs_ctx *ctx;
    sel_spec *specs;
    size_t nspecs;
    char *tolerance;
    zsi_strv vars;
    int lon;
};

/* A run of source indices: start, start + step, ... (count of them). */
typedef struct sel_run {
    uint64_t start, count;
    uint64_t step;
} sel_run;

/* The selection along one dimension. */
typedef struct dsel {
    char *name;
    uint64_t in_len;
    bool drop;            /* one pick: the dimension disappears */
    size_t nrun;
    sel_run run[2];       /* at most two runs (across the seam) */
    uint64_t out_len;
    bool relabel;         /* longitudes: lo + ((L - lo) mod 360) */
    double lo;
    zs_var *coord;        /* its coordinate variable, if any */
} dsel;

/* An output variable. */
typedef struct osel {
    zs_var *v;
    int ndim;             /* output dimensions */
    int src_dim[ZS_MAX_DIMS];   /* input dim of each output dim */
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];
    const dsel *ds[ZS_MAX_DIMS];  /* per input dim (NULL: all of it) */
    bool scalar_coord;    /* the coordinate of a dropped dimension */
    char *coords;         /* "coordinates" attribute to add, or NULL */
} osel;

struct zs_selection {
    zs_ctx *ctx;
    zs_dataset *ds;
    struct zs_select_opts o;
    zs_write_opts w;      /* output settings */
    dsel *dims;
    size_t ndims;
    osel *vars;
    size_t nvars;
};

zs_status zsi_select_opts_copy(zs_ctx *ctx, const zs_select_opts *src,
                               struct zs_select_opts *dst);
void zsi_select_opts_clear(struct zs_select_opts *o);
/* The dimension selection for name, or NULL (all of it). */
const dsel *zsi_select_dim(const zs_selection *s, const char *name);
/* Read the box [start, start + count) of the output of variable o
 * (output coordinates) into out, raw values in the input's dtype;
 * longitudes relabelled for relabelled coordinates. */
zs_status zsi_select_read(zs_selection *s, const osel *o,
                          const uint64_t *start, const uint64_t *count,
                          void *out);

#endif
