/* blocks.c - the one way the library cuts an array into boxes that fit a
 * memory budget.  Every operation streams through such boxes: copies and
 * conversions (aligned to the output's chunks or shards, so that each
 * box is written as whole objects and a stream gets them in order) and
 * checksums (contiguous in C order, so that values are hashed in order).
 * All sizes are computed with overflow checks: a box that cannot be
 * sized is reported, never wrapped around. */
#include "config.h"

#include <string.h>

#include "array/array_impl.h"

/* a * b, saturating: "more than any budget" is all a comparison needs. */
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return zsi_mul_ok(a, b, &r) ? r : UINT64_MAX;
}

static uint64_t grid_len(const zsi_blocks *b, int d)
{
    return (b->shape[d] - 1) / b->unit[d] + 1;   /* shape[d] > 0 here */
}

/* Aligned: the first dimension k at which one unit along dims <= k and
 * everything after fits; then as many units along k as fit. */
static void plan_aligned(zsi_blocks *b, uint64_t w, uint64_t budget)
{
    uint64_t one = 0;
    int k;
    for (k = 0; k < b->ndim; k++) {
        one = w;
        for (int d = 0; d < b->ndim; d++)
            one = sat_mul(one, d <= k ? b->unit[d] : b->shape[d]);
        if (one <= budget)
            break;
    }
    if (k == b->ndim)
        k = b->ndim - 1;   /* one unit is over budget: take one at a time */
    b->k = k;
    b->step = one && one < budget ? budget / one : 1;
    if (b->step > grid_len(b, k))
        b->step = grid_len(b, k);
    b->step *= b->unit[k];
}

/* C order: one index along dims < k, a run along k, all after. */
static void plan_c_order(zsi_blocks *b, uint64_t w, uint64_t budget)
{
    uint64_t rows[ZS_MAX_DIMS] = {0}, row = w, c, n;
    int k;
    for (int d = b->ndim - 1; d >= 0; d--) {
        rows[d] = row;
        row = sat_mul(row, b->shape[d]);
    }
    for (k = 0; k < b->ndim - 1; k++) {
        c = b->unit[k] < b->shape[k] ? b->unit[k] : b->shape[k];
        if (rows[k] <= budget / c)
            break;
    }
    c = b->unit[k] < b->shape[k] ? b->unit[k] : b->shape[k];
    n = budget / rows[k];
    if (n >= c)
        n -= n % c;   /* whole chunks along k */
    b->k = k;
    b->step = n == 0 ? 1 : n < b->shape[k] ? n : b->shape[k];
}

bool zsi_blocks_plan(zsi_blocks *b, int ndim, const uint64_t *shape,
                     const uint64_t *unit, size_t itemsize, size_t budget,
                     unsigned flags)
{
    uint64_t w = itemsize ? itemsize : 1, n = 1, steps;
    memset(b, 0, sizeof *b);
    b->ndim = ndim;
    b->c_order = (flags & ZSI_BLOCKS_C_ORDER) != 0;
    b->step = 1;
    for (int d = 0; d < ndim; d++) {
        b->shape[d] = shape[d];
        b->unit[d] = unit[d] ? unit[d] : 1;
        if (shape[d] == 0)
            return true;   /* nothing to cover: no blocks */
    }
    if (ndim == 0) {
        b->n = 1;
        return true;
    }
    if (b->c_order)
        plan_c_order(b, w, budget ? budget : 1);
    else
        plan_aligned(b, w, budget ? budget : 1);
    for (int d = 0; d < b->k; d++)
        if (!zsi_mul_ok(n, b->c_order ? shape[d] : grid_len(b, d), &n))
            return false;
    steps = (shape[b->k] - 1) / b->step + 1;
    if (!zsi_mul_ok(n, steps, &n))
        return false;
    b->n = n;
    return true;
}

void zsi_blocks_box(const zsi_blocks *b, uint64_t i, uint64_t *start,
                    uint64_t *count)
{
    uint64_t steps, rest;
    int k = b->k;
    for (int d = 0; d < b->ndim; d++) {
        start[d] = 0;
        count[d] = b->shape[d];
    }
    if (b->ndim == 0 || b->n == 0)
        return;
    steps = (b->shape[k] - 1) / b->step + 1;
    start[k] = i % steps * b->step;
    count[k] = b->shape[k] - start[k] < b->step ? b->shape[k] - start[k]
                                                 : b->step;
    rest = i / steps;
    for (int d = k - 1; d >= 0; d--) {
        uint64_t len = b->c_order ? 1 : b->unit[d];
        uint64_t g = b->c_order ? b->shape[d] : grid_len(b, d);
        start[d] = rest % g * len;
        count[d] = b->shape[d] - start[d] < len ? b->shape[d] - start[d]
                                                : len;
        rest /= g;
    }
}

uint64_t zsi_blocks_max_elems(const zsi_blocks *b)
{
    uint64_t n = 1;
    for (int d = 0; d < b->ndim; d++) {
        uint64_t e = d > b->k ? b->shape[d]
                     : d == b->k ? b->step
                     : b->c_order ? 1 : b->unit[d];
        n *= e < b->shape[d] ? e : b->shape[d];
    }
    return n;
}

bool zsi_blocks_for_array(zsi_blocks *b, const zs_array *a, size_t budget)
{
    return zsi_blocks_plan(b, a->meta.ndim, a->meta.shape, a->meta.chunks,
                           a->itemsize, budget, 0);
}
