/* select_write.c - reading the selected boxes of a variable, and writing
 * a selection as a store (rows: select_rows.c, Parquet: select_parquet.c). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta.h"
#include "ops/zsi_select.h"

/* Selections with steps read bounding boxes: keep those bounded. */
#define SEL_SLAB_BUDGET ((size_t)8 << 20)

/* ---- reading ------------------------------------------------------- */

/* A piece of one input dimension inside an output range. */
typedef struct piece {
    uint64_t src, n, step, out;
} piece;

/* Pieces of input dim d for output range [a, a + n) (one for dropped
 * dims and for dims read whole). */
static size_t pieces(const osel *o, int d, uint64_t a, uint64_t n,
                     piece *p)
{
    const dsel *ds = o->ds[d];
    uint64_t acc = 0;
    size_t k = 0;
    if (!ds) {
        p[0] = (piece){a, n, 1, 0};
        return 1;
    }
    if (ds->drop) {
        p[0] = (piece){ds->run[0].start, 1, 1, 0};
        return 1;
    }
    for (size_t r = 0; r < ds->nrun; r++) {
        const sel_run *run = &ds->run[r];
        uint64_t lo = a > acc ? a : acc;
        uint64_t hi = a + n < acc + run->count ? a + n : acc + run->count;
        if (lo < hi)
            p[k++] = (piece){run->start + (lo - acc) * run->step, hi - lo,
                             run->step, lo - a};
        acc += run->count;
    }
    return k;
}

/* The input indices a piece reads: its bounding box along its dim. */
static uint64_t piece_extent(const piece *q)
{
    return (q->n - 1) * q->step + 1;
}

/* Copy with per-dimension steps in the source (bounding box). */
static void gather(int nd, size_t w, const uint8_t *src, const uint64_t *sh,
                   const uint64_t *step, uint8_t *dst, const uint64_t *dsh,
                   const uint64_t *doff, const uint64_t *cnt)
{
    uint64_t idx[ZS_MAX_DIMS] = {0}, ss[ZS_MAX_DIMS], ds[ZS_MAX_DIMS];
    uint64_t a = 1, b = 1, total = 1;
    for (int d = nd - 1; d >= 0; d--) {
        ss[d] = a;
        ds[d] = b;
        a *= sh[d];
        b *= dsh[d];
        total *= cnt[d];
    }
    for (uint64_t e = 0; e < total; e++) {
        uint64_t so = 0, dof = 0;
        for (int d = 0; d < nd; d++) {
            so += idx[d] * step[d] * ss[d];
            dof += (doff[d] + idx[d]) * ds[d];
        }
        memcpy(dst + dof * w, src + so * w, w);
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < cnt[d])
                break;
            idx[d] = 0;
        }
    }
}

/* Free the strings of a bounding box that a strided gather left out
 * (those not on the grid of the steps). */
static void free_unpicked(int nd, char **box, const uint64_t *sh,
                          const uint64_t *step)
{
    uint64_t idx[ZS_MAX_DIMS] = {0}, n = 1;
    for (int d = 0; d < nd; d++)
        n *= sh[d];
    for (uint64_t e = 0; e < n; e++) {
        bool picked = true;
        for (int d = 0; d < nd; d++)
            picked = picked && idx[d] % step[d] == 0;
        if (!picked)
            free(box[e]);
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < sh[d])
                break;
            idx[d] = 0;
        }
    }
}

/* Relabel longitudes in place: lo + ((x - lo) mod 360). */
static void relabel(const osel *o, void *buf, uint64_t n)
{
    const dsel *ds = o->ds[0];
    zs_dtype vt = zs_var_dtype(o->v);
    for (uint64_t i = 0; i < n; i++) {
        double x = zsi_load_double(vt, buf, (size_t)i);
        double m = fmod(x - ds->lo, 360.0);
        if (m < 0)
            m += 360.0;
        zsi_store_double(vt, buf, (size_t)i, ds->lo + m);
    }
}

zs_status zsi_select_read(zs_selection *s, const osel *o,
                          const uint64_t *start, const uint64_t *count,
                          void *out)
{
    zs_var *v = o->v;
    int nd = zs_var_ndim(v), j = 0;
    piece p[ZS_MAX_DIMS][2];
    size_t np[ZS_MAX_DIMS], idx[ZS_MAX_DIMS] = {0};
    uint64_t total = 1;
    uint8_t *tmp = NULL;
    zs_status st = ZS_OK;
    for (int d = 0; d < nd; d++) {
        bool kept = !(o->ds[d] && o->ds[d]->drop);
        np[d] = pieces(o, d, kept ? start[j] : 0, kept ? count[j] : 1, p[d]);
        if (kept)
            total *= count[j++];
    }
    if (total == 0)
        return ZS_OK;
    for (;;) {
        uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS], step[ZS_MAX_DIMS];
        uint64_t cnt[ZS_MAX_DIMS], doff[ZS_MAX_DIMS], dsh[ZS_MAX_DIMS];
        uint64_t n = 1;
        bool strided = false;
        j = 0;
        for (int d = 0; d < nd; d++) {
            const piece *q = &p[d][idx[d]];
            bool kept = !(o->ds[d] && o->ds[d]->drop);
            bs[d] = q->src;
            bc[d] = piece_extent(q);
            step[d] = q->step;
            cnt[d] = q->n;
            doff[d] = kept ? q->out : 0;
            dsh[d] = kept ? count[j++] : 1;
            strided = strided || q->step > 1;
            n *= bc[d];
        }
        free(tmp);
        tmp = malloc((size_t)(n ? n : 1) * zs_var_itemsize(v));
        if (!tmp) {
            st = zsi_nomem(s->ctx);
            break;
        }
        st = zs_var_read(v, bs, bc, tmp);
        if (st != ZS_OK)
            break;
        if (strided) {
            gather(nd, zs_var_itemsize(v), tmp, bc, step, out, dsh, doff, cnt);
            if (zs_var_dtype(v) == ZS_DT_STRING)
                free_unpicked(nd, (char **)(void *)tmp, bc, step);
        } else {
            uint64_t zero[ZS_MAX_DIMS] = {0};
            zsi_nd_copy(nd, zs_var_itemsize(v), tmp, bc, zero, out, dsh, doff,
                        cnt);
        }
        int d = nd - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < np[d])
                break;
            idx[d] = 0;
        }
        if (d < 0)
            break;
    }
    free(tmp);
    if (st == ZS_OK && o->ndim == 1 && o->ds[0] && o->ds[0]->relabel &&
        o->ds[0]->coord == v)
        relabel(o, out, total);
    return st;
}

/* ---- writing a store ------------------------------------------------- */

static zs_status make_array(zs_selection *s, zsi_writer *w, const osel *o,
                            zs_array **out)
{
    const char *dims[ZS_MAX_DIMS];
    zs_attrs *attrs = NULL;
    zsi_codec_spec *codecs = NULL;
    size_t ncodecs = 0;
    zsi_array_def d;
    zs_status st;
    for (int j = 0; j < o->ndim; j++)
        dims[j] = zs_var_dim_name(o->v, o->src_dim[j]);
    if (zsi_attrs_copy(zs_var_attrs(o->v), &attrs) != ZS_OK ||
        (o->coords && !zsi_attrs_set(attrs, "coordinates", ZS_DT_STRING,
                                     o->coords, strlen(o->coords)))) {
        zsi_attrs_free(attrs);
        return zsi_nomem(s->ctx);
    }
    st = zsi_codecs_of_var(o->v, 0, &codecs, &ncodecs);
    d = (zsi_array_def){zs_var_path(o->v), o->ndim, o->shape, o->chunks, dims,
                        zs_var_dtype(o->v), zsi_var_stored_itemsize(o->v),
                        zsi_var_fill_bytes(o->v), attrs, codecs, ncodecs,
                        zsi_var_array(o->v) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, out);
    zsi_codecs_free(codecs, ncodecs);
    zsi_attrs_free(attrs);
    return st;
}

static uint64_t step_product(const osel *o)
{
    uint64_t p = 1;
    for (int d = 0; d < zs_var_ndim(o->v); d++)
        for (size_t r = 0; o->ds[d] && r < o->ds[d]->nrun; r++)
            if (o->ds[d]->run[r].step > 1)
                p *= o->ds[d]->run[r].step;
    return p;
}

/* True if no input chunk meets two boxes of b: along every output
 * dimension the boxes split, the selection is one run of consecutive
 * indices starting on an input chunk boundary, and output boxes are
 * whole multiples of input chunks.  Then chunks read in part need not be
 * cached for the next box. */
static bool single_touch(const osel *o, const zsi_blocks *b)
{
    /* several runs or strides read a chunk once per run, even inside one
     * box */
    for (int j = 0; j < o->ndim; j++) {
        const dsel *ds = o->ds[o->src_dim[j]];
        if (ds && (ds->nrun != 1 || ds->run[0].step != 1))
            return false;
    }
    for (int j = 0; j < o->ndim && j <= b->k; j++) {
        int d = o->src_dim[j];
        uint64_t in = zs_var_chunks(o->v)[d] ? zs_var_chunks(o->v)[d] : 1;
        const dsel *ds = o->ds[d];
        uint64_t start = ds ? ds->run[0].start : 0;
        uint64_t len = j == b->k ? b->step : b->unit[j];
        if (j == b->k && b->step >= o->shape[j])
            break;   /* one box along it */
        if (start % in || len % in)
            return false;
    }
    return true;
}

/* The one input box zsi_select_read() reads for the output box
 * start/count; false if it reads several (runs across a seam). */
static bool input_box(const osel *o, const uint64_t *start,
                      const uint64_t *count, uint64_t *bs, uint64_t *bc)
{
    int j = 0;
    for (int d = 0; d < zs_var_ndim(o->v); d++) {
        bool kept = !(o->ds[d] && o->ds[d]->drop);
        piece p[2];
        if (pieces(o, d, kept ? start[j] : 0, kept ? count[j] : 1, p) != 1)
            return false;
        j += kept;
        bs[d] = p[0].src;
        bc[d] = piece_extent(&p[0]);
    }
    return true;
}

static zs_status copy_var(zs_selection *s, const osel *o, zs_array *a)
{
    zsi_blocks b;
    uint64_t start[ZS_MAX_DIMS], count[ZS_MAX_DIMS];
    size_t w = zs_var_itemsize(o->v);
    uint8_t *buf;
    zs_status st = ZS_OK;
    size_t budget = SEL_SLAB_BUDGET / (size_t)step_product(o);
    if (!zsi_blocks_plan(&b, o->ndim, o->shape, zsi_array_write_unit(a), w,
                         budget ? budget : 1, 0))
        return zsi_err(s->ctx, ZS_ERR_OVERFLOW, "%s: too many blocks",
                       zs_var_path(o->v));
    buf = malloc((size_t)zsi_blocks_max_elems(&b) * w + 1);
    if (!buf)
        return zsi_nomem(s->ctx);
    if (zsi_var_array(o->v))
        zsi_array_set_read_once(zsi_var_array(o->v), single_touch(o, &b));
    for (uint64_t u = 0; st == ZS_OK && u < b.n; u++) {
        uint64_t n = 1;
        zsi_blocks_box(&b, u, start, count);
        for (int d = 0; d < o->ndim; d++)
            n *= count[d];
        if (zs_var_dtype(o->v) == ZS_DT_STRING)
            memset(buf, 0, (size_t)n * w);
        if (zsi_var_array(o->v) && u + 1 < b.n) {
            /* remote: the next box travels while this one is written
             * (where each is one read) */
            uint64_t ns[ZS_MAX_DIMS], nc[ZS_MAX_DIMS];
            uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS];
            bool one;
            zsi_blocks_box(&b, u + 1, ns, nc);
            one = input_box(o, start, count, bs, bc) &&
                  input_box(o, ns, nc, bs, bc);
            zsi_array_will_read(zsi_var_array(o->v), one ? bs : NULL, bc);
        }
        st = zsi_select_read(s, o, start, count, buf);
        if (st == ZS_OK)
            st = zs_array_write(a, start, count, buf);
        if (zs_var_dtype(o->v) == ZS_DT_STRING)
            for (uint64_t i = 0; i < n; i++)
                free(((char **)(void *)buf)[i]);
        if (st == ZS_OK)
            st = zsi_progress(s->ctx, u + 1, b.n);
    }
    if (zsi_var_array(o->v)) {
        zsi_array_set_read_once(zsi_var_array(o->v), false);
        zsi_array_ahead_stop(zsi_var_array(o->v));
    }
    free(buf);
    return st;
}

zs_status zs_select_run(zs_selection *s, const char *out)
{
    zsi_writer *w = NULL;
    zs_array **arrays = calloc(s->nvars + 1, sizeof *arrays);
    zs_var **used = calloc(s->nvars + 1, sizeof *used);
    zs_status st = arrays && used ? ZS_OK : zsi_nomem(s->ctx);
    if (st == ZS_OK)
        st = zsi_writer_open(s->ctx, out, &s->w, &w);
    if (st == ZS_OK)
        st = zsi_writer_add_groups(w, zs_dataset_root(s->ds));
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++) {
        st = make_array(s, w, &s->vars[i], &arrays[i]);
        used[i] = s->vars[i].v;
    }
    /* an input stream need not keep the others */
    if (st == ZS_OK)
        st = zsi_skip_unused(s->ds, used, s->nvars);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    /* coordinates first: a stream is read in one pass */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; st == ZS_OK && i < s->nvars; i++)
            if (zs_var_is_coord(s->vars[i].v) == (pass == 0))
                st = copy_var(s, &s->vars[i], arrays[i]);
    st = zsi_writer_end(w, st);
    free(arrays);
    free(used);
    return st;
}
