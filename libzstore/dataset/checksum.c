/* checksum.c - SHA-256 of a variable's values, streamed in C-order blocks
 * so that memory stays bounded whatever the size of the variable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_dataset.h"

/* Bytes per block: large enough for whole chunks and for the thread pool
 * to decode several of them at once, small enough to stay well within
 * the memory targets. */
#define BLOCK_BUDGET ((size_t)32 << 20)

static bool host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* Hash n elements read into buf. */
static zs_status hash_block(zs_var *v, zsi_sha256 *h, void *buf, uint64_t n)
{
    if (v->dtype == ZS_DT_STRING) {
        char **s = buf;
        for (uint64_t i = 0; i < n; i++) {
            uint8_t len[4];
            size_t l = s[i] ? strlen(s[i]) : 0;
            zsi_put_le32(len, (uint32_t)l);
            zsi_sha256_update(h, len, 4);
            zsi_sha256_update(h, s[i] ? s[i] : "", l);
            free(s[i]);
            s[i] = NULL;
        }
        return ZS_OK;
    }
    if (host_big_endian() && v->dtype != ZS_DT_BYTES) {
        size_t w = v->dtype == ZS_DT_UNICODE ? 4 : v->itemsize;
        zsi_byteswap(buf, (size_t)(n * v->itemsize / w), w);
    }
    zsi_sha256_update(h, buf, (size_t)(n * v->itemsize));
    return ZS_OK;
}

/* Blocks of `step` indices along dim k (one index along the dims before
 * it) read every chunk once: the dims before k have chunks of one index,
 * and the blocks hold whole chunks along k. */
static bool single_pass(const zs_var *v, int k, uint64_t step)
{
    uint64_t c;
    if (v->ndim == 0)
        return true;
    for (int d = 0; d < k; d++)
        if (v->chunks[d] > 1 && v->shape[d] > 1)
            return false;
    c = v->chunks[k] < v->shape[k] ? v->chunks[k] : v->shape[k];
    return c == 0 || step % c == 0 || step >= v->shape[k];
}

/* count[k] of the block at start; returns its length. */
static uint64_t block_count(const zs_var *v, int k, uint64_t step,
                            const uint64_t *start, uint64_t *count)
{
    uint64_t left = v->shape[k] - start[k];
    count[k] = left < step ? left : step;
    return count[k];
}

/* Advance start to the next block: along dim k, then the dims before it
 * (count[k] is the current block's).  false after the last block. */
static bool next_block(const zs_var *v, int k, uint64_t *start,
                       const uint64_t *count)
{
    int d = k;
    start[k] += count[k];
    while (d >= 0 && start[d] >= v->shape[d]) {
        start[d] = 0;
        if (--d >= 0)
            start[d]++;
    }
    return d >= 0;
}

zs_status zs_var_checksum(zs_var *v, char hex[65])
{
    zs_ctx *ctx = v->g->ds->ctx;
    uint64_t start[ZS_MAX_DIMS] = {0}, count[ZS_MAX_DIMS], total, per = 1;
    zsi_sha256 *h;
    void *buf = NULL;
    int k;
    uint64_t step;
    zs_status st;
    if (!zsi_prod_ok(v->shape, v->ndim, &total))
        return zsi_err(ctx, ZS_ERR_OVERFLOW, "%s: shape overflows", v->path);
    zsi_block_plan(v->ndim, v->shape, v->chunks, v->itemsize, BLOCK_BUDGET,
                   &k, &step);
    for (int d = 0; d < v->ndim; d++) {
        count[d] = d < k ? 1 : v->shape[d];
        if (d > k)
            per *= v->shape[d];
    }
    if (v->array)   /* each chunk read once: a stream may forget it */
        v->array->streaming = single_pass(v, k, step);
    st = zsi_sha256_new(ctx, &h);
    if (st != ZS_OK)
        return st;
    if (total > 0) {
        uint64_t elems = v->ndim ? step * per : 1;
        buf = calloc((size_t)elems, v->itemsize);
        if (!buf) {
            zsi_sha256_free(h);
            return zsi_nomem(ctx);
        }
    }
    while (total > 0) {
        uint64_t n = 1, next[ZS_MAX_DIMS], ncount[ZS_MAX_DIMS];
        bool more = false;
        if (v->ndim) {
            n = block_count(v, k, step, start, count) * per;
            memcpy(next, start, sizeof next);
            more = next_block(v, k, next, count);
            if (more && v->array) {   /* remote: fetched while we hash */
                memcpy(ncount, count, sizeof ncount);
                block_count(v, k, step, next, ncount);
                zsi_array_will_read(v->array, next, ncount);
            }
        }
        st = zs_var_read(v, start, count, buf);
        if (st == ZS_OK)
            st = hash_block(v, h, buf, n);
        if (st != ZS_OK || !more)
            break;
        memcpy(start, next, sizeof next);
    }
    free(buf);
    if (v->array) {
        v->array->streaming = false;
        zsi_array_ahead_stop(v->array);
    }
    if (st != ZS_OK) {
        zsi_sha256_free(h);
        return st;
    }
    zsi_sha256_final(h, hex);
    return ZS_OK;
}
