/*
 * zsi_skill.h - private to the skill scores (ops/skill_*.c).
 *
 * The logical grid is the reference variable's dimensions, each aligned
 * between the stores: a reduced dimension must have the same labels in
 * both, a kept one is the labels both have.  Every input (forecast,
 * reference, climatology, weights) is a source read through index maps:
 * for each logical dimension, the source's own dimension (or none) and
 * the source index of each logical index.  The kept dimensions are cut
 * into tiles of accumulators within the memory bound; each tile streams
 * the sources in blocks of whole reference chunks.
 */
#ifndef ZSI_SKILL_H
#define ZSI_SKILL_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_labels.h"

enum { SK_RMSE, SK_MAE, SK_MSE, SK_ME, SK_PEARSON, SK_SPEARMAN, SK_ACC,
       SK_CRPS, SK_N };
/* The metric's name ("rmse"). */
const char *zsi_skill_name(int metric);

struct zs_skill_opts {
    zs_ctx *ctx;
    int metric[SK_N];       /* in the order given */
    int nmetric;
    zsi_strv dims;          /* empty: all */
    char *weights;          /* "coslat", "STORE:VAR" or NULL */
    bool skipna, fair, centred;
    char *member_dim;
    char *clim, *groupby;
    zsi_strv vars;
};

typedef struct skdim {
    const char *name;
    bool red;
    uint64_t n;             /* aligned length */
    uint64_t *fi, *ri;      /* forecast, reference index (NULL: same) */
    zsi_labels lab;         /* the reference's labels */
    zsi_labels flab;        /* the forecast's */
    uint64_t chunk;         /* the reference's chunk length */
} skdim;

/* A variable read through index maps. */
typedef struct sksrc {
    zs_var *v;
    int sdim[ZS_MAX_DIMS];          /* its dim of each logical dim, or -1 */
    uint64_t *map[ZS_MAX_DIMS];     /* logical -> its index; NULL: same */
    bool own[ZS_MAX_DIMS];          /* map allocated for this source */
    int member;                     /* its member dimension, or -1 */
    zsi_cfdecode dec;
} sksrc;

typedef struct skvar {
    sksrc f, r, c;                  /* c.v NULL without a climatology */
    zs_array *out[SK_N];
} skvar;

struct zs_skill {
    zs_ctx *ctx;
    zs_dataset *fds, *rds;
    zs_dataset *cds, *wds;          /* climatology, weights (owned) */
    struct zs_skill_opts o;
    zs_write_opts w;
    int nd;
    skdim dims[ZS_MAX_DIMS];
    int nk;                         /* kept dimensions (logical order) */
    int kept[ZS_MAX_DIMS];
    uint64_t kshape[ZS_MAX_DIMS];
    uint64_t ncells, nred;          /* output points; values reduced each */
    skvar *vars;
    size_t nvars;
    uint64_t members;
    /* weights over some reduced dims, dense in logical order */
    double *wt;
    int wdims[ZS_MAX_DIMS];         /* logical dims of the weights */
    int nwd;
    uint64_t wstride[ZS_MAX_DIMS];
    /* acc: the climatology index of each time index */
    int tdim;
    uint64_t *cgroup;
    uint64_t memory, cache;
    size_t acc_bytes;               /* per output point */
    zsi_blocks tiles;
    uint64_t block_budget;
    /* after a run */
    uint64_t skipped_members;
    double *results;                /* csv/print: nvars x nmetric x cells */
};

zs_status zsi_skill_plan(zs_skill *s);
void zsi_skill_clear(zs_skill *s);

#endif
