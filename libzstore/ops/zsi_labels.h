/*
 * zsi_labels.h - the labels of a dimension (its coordinate's values,
 * times as instants), for the operations that match or align stores by
 * label (skill scores, batches with targets from another store) and
 * that print labels (batch indexes).
 */
#ifndef ZSI_LABELS_H
#define ZSI_LABELS_H

#include "ops/zsi_ops.h"

typedef struct zsi_labels {
    char *dim;
    uint64_t n;
    double *v;           /* numeric labels; NULL: positions only */
    zsi_usec *t;         /* time labels (CF units), or NULL */
    zs_time_units *tu;   /* their units (for the calendar) */
    bool f32;            /* a float32 coordinate: printed as float32 */
    bool integer;        /* an integer coordinate: printed as integers */
} zsi_labels;

/* The labels of dimension dim (length n) in the root group of ds: its
 * 1-D coordinate variable decoded (CF packing; times as instants), or
 * positions when there is none. */
zs_status zsi_labels_load(zs_dataset *ds, const char *dim, uint64_t n,
                          zsi_labels *out);
void zsi_labels_free(zsi_labels *l);
/* Label i as text: ISO 8601 for times, the shortest decimal for
 * numbers, "" when there are no labels. */
void zsi_labels_format(const zsi_labels *l, uint64_t i, char *buf,
                       size_t size);
/* The same labels, in the same order: else a message (recorded in ctx)
 * naming the dimension, the first index whose labels differ and both
 * labels, what_a and what_b naming the two sides ("forecast"). */
zs_status zsi_labels_match(zs_ctx *ctx, const zsi_labels *a,
                           const char *what_a, const zsi_labels *b,
                           const char *what_b);
/* The labels both have, in a's order: ia[k] and ib[k] index the k-th
 * in a and in b (freed by the caller).  Labels must be unique.  Without
 * labels on either side the two are matched by position (equal lengths
 * wanted).  ZS_ERR_MISMATCH when no label is shared. */
zs_status zsi_labels_align(zs_ctx *ctx, const zsi_labels *a,
                           const char *what_a, const zsi_labels *b,
                           const char *what_b, uint64_t **ia, uint64_t **ib,
                           uint64_t *n);

#endif
