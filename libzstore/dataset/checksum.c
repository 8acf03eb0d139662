/* checksum.c - SHA-256 of a variable's values, streamed in C-order blocks
 * so that memory stays bounded whatever the size of the variable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/dataset_impl.h"
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

zs_status zs_var_checksum(zs_var *v, char hex[65])
{
    zs_ctx *ctx = v->g->ds->ctx;
    uint64_t start[ZS_MAX_DIMS], count[ZS_MAX_DIMS];
    uint64_t next[ZS_MAX_DIMS], ncount[ZS_MAX_DIMS];
    zsi_blocks b;
    zsi_sha256 *h;
    void *buf = NULL;
    zs_status st;
    if (!zsi_blocks_plan(&b, v->ndim, v->shape, v->chunks, v->itemsize,
                         BLOCK_BUDGET, ZSI_BLOCKS_C_ORDER))
        return zsi_err(ctx, ZS_ERR_OVERFLOW, "%s: shape overflows", v->path);
    if (v->array)   /* each chunk read once: a stream may forget it */
        zsi_array_set_read_once(v->array, single_pass(v, b.k, b.step));
    st = zsi_sha256_new(ctx, &h);
    if (st != ZS_OK)
        return st;
    if (b.n > 0 && !(buf = calloc((size_t)zsi_blocks_max_elems(&b),
                                  v->itemsize)))
        st = zsi_nomem(ctx);
    for (uint64_t i = 0; st == ZS_OK && i < b.n; i++) {
        uint64_t n;
        zsi_blocks_box(&b, i, start, count);
        if (i + 1 < b.n && v->array) {   /* remote: fetched while we hash */
            zsi_blocks_box(&b, i + 1, next, ncount);
            zsi_array_will_read(v->array, next, ncount);
        }
        zsi_prod_ok(count, v->ndim, &n);
        st = zs_var_read(v, start, count, buf);
        if (st == ZS_OK)
            st = hash_block(v, h, buf, n);
    }
    free(buf);
    if (v->array) {
        zsi_array_set_read_once(v->array, false);
        zsi_array_ahead_stop(v->array);
    }
    if (st != ZS_OK) {
        zsi_sha256_free(h);
        return st;
    }
    zsi_sha256_final(h, hex);
    return ZS_OK;
}
