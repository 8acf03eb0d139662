/* nd.c - copies, fills and transposes of boxes in C-order buffers. */
#include "config.h"

#include <string.h>

#include "array/array_impl.h"

/* First dimension k such that every dimension after k is covered fully
 * in both buffers, so that the box is a sequence of contiguous runs of
 * count[k] * prod(count[k+1:]) elements. */
static int run_dim(int ndim, const uint64_t *count, const uint64_t *a,
                   const uint64_t *b)
{
    int k = ndim - 1;
    while (k > 0 && count[k] == a[k] && count[k] == b[k])
        k--;
    return k;
}

static void strides(int ndim, const uint64_t *shape, uint64_t *st)
{
    uint64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        st[d] = s;
        s *= shape[d];
    }
}

void zsi_nd_copy(int ndim, size_t w, const void *src, const uint64_t *sshape,
                 const uint64_t *soff, void *dst, const uint64_t *dshape,
                 const uint64_t *doff, const uint64_t *count)
{
    uint64_t ss[ZS_MAX_DIMS], ds[ZS_MAX_DIMS], idx[ZS_MAX_DIMS] = {0};
    uint64_t run = 1, so = 0, dof = 0;
    int k;
    if (ndim == 0) {
        memcpy(dst, src, w);
        return;
    }
    for (int d = 0; d < ndim; d++)
        if (count[d] == 0)
            return;
    k = run_dim(ndim, count, sshape, dshape);
    strides(ndim, sshape, ss);
    strides(ndim, dshape, ds);
    for (int d = k; d < ndim; d++)
        run *= count[d];
    for (int d = 0; d < ndim; d++) {
        so += soff[d] * ss[d];
        dof += doff[d] * ds[d];
    }
    for (;;) {
        memcpy((uint8_t *)dst + dof * w, (const uint8_t *)src + so * w,
               run * w);
        /* odometer over dims 0..k-1, innermost (k-1) fastest; dim k
         * itself is covered by the run */
        int d = k - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < count[d]) {
                so += ss[d];
                dof += ds[d];
                break;
            }
            so -= (count[d] - 1) * ss[d];
            dof -= (count[d] - 1) * ds[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}

void zsi_nd_fill(int ndim, size_t w, void *dst, const uint64_t *dshape,
                 const uint64_t *doff, const uint64_t *count,
                 const void *item)
{
    uint64_t ds[ZS_MAX_DIMS], idx[ZS_MAX_DIMS] = {0};
    uint64_t run = 1, dof = 0;
    int k;
    if (ndim == 0) {
        memcpy(dst, item, w);
        return;
    }
    for (int d = 0; d < ndim; d++)
        if (count[d] == 0)
            return;
    k = run_dim(ndim, count, dshape, dshape);
    strides(ndim, dshape, ds);
    for (int d = k; d < ndim; d++)
        run *= count[d];
    for (int d = 0; d < ndim; d++)
        dof += doff[d] * ds[d];
    bool zero = true;
    for (size_t i = 0; i < w; i++)
        if (((const uint8_t *)item)[i])
            zero = false;
    for (;;) {
        uint8_t *p = (uint8_t *)dst + dof * w;
        if (zero) {
            memset(p, 0, run * w);
        } else {
            /* doubling copies: log(run) memcpy calls */
            uint64_t done = 1;
            memcpy(p, item, w);
            while (done < run) {
                uint64_t n = done < run - done ? done : run - done;
                memcpy(p + done * w, p, n * w);
                done += n;
            }
        }
        int d = k - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < count[d]) {
                dof += ds[d];
                break;
            }
            dof -= (count[d] - 1) * ds[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}

/* Shared transpose: walk the C-order output and gather from the F-order
 * input (or the reverse). */
static void transpose(int ndim, size_t w, const void *in,
                      const uint64_t *shape, void *out, bool f_to_c)
{
    uint64_t fs[ZS_MAX_DIMS], idx[ZS_MAX_DIMS] = {0}, n = 1, fo = 0;
    const uint8_t *src = in;
    uint8_t *dst = out;
    uint64_t s = 1;
    for (int d = 0; d < ndim; d++) {
        fs[d] = s;       /* F-order strides */
        s *= shape[d];
        n *= shape[d];
    }
    for (uint64_t i = 0; i < n; i++) {
        if (f_to_c)
            memcpy(dst + i * w, src + fo * w, w);
        else
            memcpy(dst + fo * w, src + i * w, w);
        for (int d = ndim - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                fo += fs[d];
                break;
            }
            fo -= (shape[d] - 1) * fs[d];
            idx[d] = 0;
        }
    }
}

void zsi_nd_f_to_c(int ndim, size_t w, const void *in, const uint64_t *shape,
                   void *out)
{
    transpose(ndim, w, in, shape, out, true);
}

void zsi_nd_c_to_f(int ndim, size_t w, const void *in, const uint64_t *shape,
                   void *out)
{
    transpose(ndim, w, in, shape, out, false);
}
