/*
 * zsi_batch.h - private to the batches (ops/batch_*.c).
 *
 * A patch is a box of the channel variables: a window of each sliced
 * dimension (input and batch dimensions), the whole of the others.  A
 * sample is a row of the output: a patch, or with concat one position
 * of the patch's non-input dimensions.  A unit is what a shuffle moves:
 * a patch, or with concat one of xbatcher's batches (a list of
 * patches).
 */
#ifndef ZSI_BATCH_H
#define ZSI_BATCH_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_labels.h"

enum { BD_WHOLE, BD_INPUT, BD_BATCH };

typedef struct bdim {
    const char *name;
    uint64_t len;
    int kind;                /* BD_* */
    uint64_t win, overlap, stride;
    uint64_t nwhole;         /* whole windows */
    uint64_t nwin;           /* windows (whole ones, and a padded one) */
    uint64_t remainder;      /* elements after the last whole window */
    uint64_t blen;           /* concat: batch length of an input dim
                                that is also a batch dim, else 0 */
    zsi_labels lab;
} bdim;

/* Window lengths per dimension, in the order given. */
typedef struct blens {
    zsi_strv names;
    uint64_t *v;
} blens;

struct zs_batch_opts {
    zs_ctx *ctx;
    blens input, overlap, batch;
    bool concat;
    uint64_t batch_size;
    zsi_strv vars, target;
    char *target_store;
    bool shuffle;
    uint64_t seed, window;
    double max_nan, fill;
    bool mask;
    int partial, format;
    char *index;
    zs_dtype dtype;
};

struct zs_batch {
    zs_ctx *ctx;
    zs_dataset *ds;
    zs_dataset *tds;          /* the target's store, if another (owned) */
    struct zs_batch_opts o;
    bool overwrite;
    zs_var **x, **y;          /* channels and targets */
    size_t nx, ny;
    int nd;
    bdim dims[ZS_MAX_DIMS];
    int nsl;                  /* sliced dimensions, in product order */
    int order[ZS_MAX_DIMS];
    uint64_t npatch;
    uint64_t pshape[ZS_MAX_DIMS];   /* patch shape (store order) */
    int sd;                   /* axes of a sample, store order */
    int sdim[ZS_MAX_DIMS];
    uint64_t sshape[ZS_MAX_DIMS];
    uint64_t pelems, selems;  /* elements of a patch, of a sample */
    uint64_t per_patch;       /* samples per patch */
    /* units: patches, or (concat) batches as lists of patches */
    uint64_t nunits;
    uint64_t *uoff, *upatch;  /* concat: CSR; NULL: unit = patch */
    uint64_t nsamples;        /* before drops */
    size_t esize;             /* bytes per output value */
    size_t cx, cy;            /* channels of x and y */
    uint64_t remainder_values;
    uint64_t memory, cache;
    int d0;                   /* the outermost sliced dim (windows) */
    /* after a run */
    uint64_t written, dropped, batches;
};

/* The order of the units: 0..n-1, shuffled as zbatch(1) documents
 * (perm NULL and nothing allocated without a shuffle). */
zs_status zsi_batch_order(zs_batch *b, uint64_t **perm);
/* Start of patch p in every dimension (store order). */
void zsi_batch_patch_start(const zs_batch *b, uint64_t p, uint64_t *start);

/* .npy headers (version 1.0, C order, little-endian): the text for a
 * dtype and shape, padded to len bytes (0: the shortest multiple of
 * 64), and parsing one. */
zs_status zsi_npy_header(zs_ctx *ctx, zs_dtype t, int nd,
                         const uint64_t *shape, size_t len, zsi_buf *out);
zs_status zsi_npy_parse(zs_ctx *ctx, const char *what, const uint8_t *p,
                        size_t n, zs_dtype *t, int *nd, uint64_t *shape,
                        size_t *data_off);

#endif
