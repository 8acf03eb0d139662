/*
 * zsi_reduce.h - private to the reductions (ops/reduce_*.c).
 *
 * A reduction streams each variable in chunk-aligned blocks and adds every
 * value to accumulators laid out like the output (groups of the reduced
 * time at the time dimension's place).  When the accumulators would not
 * fit the memory budget, the kept dimensions are cut into chunk-aligned
 * tiles and the input is streamed once per tile.
 */
#ifndef ZSI_REDUCE_H
#define ZSI_REDUCE_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_ops.h"

enum { RD_MEAN, RD_SUM, RD_MIN, RD_MAX, RD_STD, RD_VAR, RD_COUNT };
enum { GB_NONE, GB_MONTH, GB_DOY, GB_SEASON, GB_HOUR };
/* The key of a grouping ("month" for GB_MONTH; "" for GB_NONE), as in
 * --groupby DIM.KEY and the name of the dimension of the groups. */
const char *zsi_reduce_group_key(int groupby);

struct zs_reduce_opts {
    zs_ctx *ctx;
    zsi_strv dims;
    int op;
    bool coslat;
    int groupby;
    char *group_dim;      /* the time dimension grouped: DIM of DIM.month */
    bool dims_set;        /* --dim given (else the grouped dimension) */
    char *resample;       /* frequency text */
    char *resample_dim;
    bool anomaly, keepdims;
    zs_dtype dtype;       /* ZS_DT_NONE: the input's precision */
    zsi_strv vars;
};

/* Groups (or bins) of the reduced time axis. */
typedef struct tgroups {
    uint64_t ntime;
    uint32_t *g;          /* group of each time step */
    uint64_t n;           /* groups */
    int64_t *ilabel;      /* integer labels (month, day of year, hour) */
    const char **slabel;  /* season names */
    double *tlabel;       /* resample: bin labels in the input's units */
    bool tlabel_int;      /* ... all whole numbers */
} tgroups;

/* One variable to reduce. */
typedef struct rvar {
    zs_var *v;
    int nd;
    bool red[ZS_MAX_DIMS];   /* reduced input dimensions */
    int tdim;                /* grouped input dimension, or -1 */
    int latdim;              /* latitude (weights), or -1 */
    int ond;                 /* output dimensions */
    int omap[ZS_MAX_DIMS];   /* input dim of each output dim */
    uint64_t oshape[ZS_MAX_DIMS];
    uint64_t ochunks[ZS_MAX_DIMS];
    const char *odims[ZS_MAX_DIMS];
    zs_dtype dtype;          /* of the results */
    zs_array *out;
} rvar;

typedef struct zs_reduction {
    zs_ctx *ctx;
    zs_dataset *ds;
    struct zs_reduce_opts o;
    zs_write_opts w;         /* output settings */
    uint64_t memory;         /* for accumulators */
    rvar *vars;
    size_t nvars;
    zs_var **copy;           /* variables written unchanged */
    size_t ncopy;
    zs_var *time;            /* the grouped time coordinate */
    tgroups tg;
    double *weights;         /* cos(latitude) per latitude index */
    zs_var *lat;
    const char *gdim;        /* name of the group dimension */
} zsi_reduce;

zs_status zsi_reduce_plan(zsi_reduce *r);
void zsi_reduce_clear(zsi_reduce *r);

#endif
