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
    char *partition_on;   /* Parquet: a dimension, or NULL */
    bool dropna;          /* Parquet: leave out rows without data */
    uint64_t group_rows;  /* Parquet: rows per row group (0: default) */
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

/* ---- rows (select_rows.c): one row per point, columns for the
 * coordinates then the data variables, read box by box ---------------- */

typedef struct sel_col {
    const osel *o;
    char *name;
    bool is_data;         /* a data variable, not a coordinate */
    int dim[ZS_MAX_DIMS]; /* row dims it depends on, in its order */
    int nd;
    uint8_t *data;        /* its raw values in the loaded box */
    uint64_t n;           /* elements in data */
    bool loaded;
    uint64_t bstart[ZS_MAX_DIMS], bcount[ZS_MAX_DIMS];  /* per own dim */
    zsi_cfdecode dec;
    zs_time_units *tu;    /* a time coordinate */
    bool f32;             /* float32 values (print as float32) */
} sel_col;

typedef struct sel_rows {
    zs_selection *s;
    const char *dims[ZS_MAX_DIMS];
    uint64_t len[ZS_MAX_DIMS];
    int nd;
    sel_col *cols;
    size_t ncols;
} sel_rows;

/* The columns and row dimensions of s; nothing is read yet. */
zs_status zsi_rows_build(zs_selection *s, sel_rows *r);
/* Read the values of every column inside the box start/count of row
 * dimensions (columns whose part of the box is loaded already are kept). */
zs_status zsi_rows_load(sel_rows *r, const uint64_t *start,
                        const uint64_t *count);
/* The same for one column. */
zs_status zsi_rows_load_col(sel_rows *r, sel_col *c, const uint64_t *start,
                            const uint64_t *count);
/* The element of column c at row index idx (inside the loaded box). */
uint64_t zsi_rows_elem(const sel_col *c, const uint64_t *idx);
/* Append the text of column c at row idx to out, as --csv writes it
 * (nothing when missing; text cells whole, whatever their length).
 * False when out of memory. */
bool zsi_rows_text(const sel_col *c, const uint64_t *idx, zsi_buf *out);
void zsi_rows_free(sel_rows *r);

#endif
