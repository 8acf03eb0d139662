/* batch_assemble.c - predictions put back onto a grid: each row of a
 * .npy of shape (N, C, sample...) goes where the index written with the
 * batches says its sample came from, and every point of the grid gets
 * the mean of the predictions that cover it (missing predictions left
 * out; NaN where none).
 *
 * The index is read whole (a few numbers per row); the predictions are
 * read a row at a time with pread.  The grid is written in tiles of
 * whole output chunks whose sums and counts fit half the memory bound;
 * each tile reads the rows that meet it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/zsi_batch.h"

#define ASSEMBLE_MEMORY ((uint64_t)1 << 30)
#define INDEX_LINE_MAX 65536

struct zs_assemble_opts {
    zs_ctx *ctx;
    char *pred, *index;
    zsi_strv names;
};

/* A dimension of the index: an axis of the samples, or (concat) one
 * position of a flattened dimension. */
typedef struct adim {
    char *name;
    bool flat;
    uint64_t len;             /* the grid's */
    uint64_t chunk;
    zs_var *coord;
} adim;

struct zs_assemble {
    zs_ctx *ctx;
    zs_dataset *like;
    struct zs_assemble_opts o;
    zs_write_opts w;
    int nd;
    adim dims[ZS_MAX_DIMS];
    uint64_t nrows;
    uint64_t *start;          /* nrows x nd: start (or position) */
    int sd;                   /* axes of a sample */
    uint64_t sshape[ZS_MAX_DIMS];
    uint64_t selems;
    size_t nch;               /* channels */
    zs_dtype dtype;
    size_t data_off;
    uint64_t oshape[ZS_MAX_DIMS], ochunks[ZS_MAX_DIMS];
    uint64_t memory;
    zs_var **like_vars;       /* per channel: the grid's variable of that
                                 name, or NULL */
};

/* ---- options ------------------------------------------------------------ */

zs_status zs_assemble_opts_new(zs_ctx *ctx, zs_assemble_opts **out)
{
    if (!(*out = calloc(1, sizeof **out)))
        return zsi_nomem(ctx);
    (*out)->ctx = ctx;
    return ZS_OK;
}

void zs_assemble_opts_free(zs_assemble_opts *o)
{
    if (!o)
        return;
    free(o->pred);
    free(o->index);
    zsi_strv_free(&o->names);
    free(o);
}

static zs_status set_path(zs_ctx *ctx, const char *what, const char *p,
                          char **dst)
{
    char *c;
    if (!p || !*p)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: want a file name", what);
    if (!(c = zsi_strdup(p)))
        return zsi_nomem(ctx);
    free(*dst);
    *dst = c;
    return ZS_OK;
}

zs_status zs_assemble_opts_set_predictions(zs_assemble_opts *o,
                                           const char *path)
{
    return set_path(o->ctx, "predictions", path, &o->pred);
}

zs_status zs_assemble_opts_set_index(zs_assemble_opts *o, const char *path)
{
    return set_path(o->ctx, "index", path, &o->index);
}

zs_status zs_assemble_opts_set_names(zs_assemble_opts *o, const char *list)
{
    return zsi_names_parse(o->ctx, "names", list, &o->names);
}

/* ---- the index ---------------------------------------------------------- */

/* Split a CSV line (no quotes: the index has none) in place. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (n < max)
            f[n] = p;
        n++;
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    p = strchr(f[n <= max ? n - 1 : max - 1], '\n');
    if (p)
        *p = 0;
    return n;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && !strcmp(s + a - b, suf);
}

/* The header: row,batch,position,patch then per dimension D_start,
 * D_stop,D or D_index,D. */
static zs_status parse_header(zs_assemble *a, char *line)
{
    char *f[4 + 3 * ZS_MAX_DIMS];
    size_t n = split(line, f, sizeof f / sizeof f[0]), i = 4;
    if (n > sizeof f / sizeof f[0] || n < 4 || strcmp(f[0], "row") ||
        strcmp(f[3], "patch"))
        return zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: not an index of zbatch "
                       "(header)", a->o.index);
    while (i < n) {
        adim *d = &a->dims[a->nd];
        bool flat = ends_with(f[i], "_index");
        size_t k = strlen(f[i]) - 6;   /* _index, _start */
        if (a->nd == ZS_MAX_DIMS || (!flat && !ends_with(f[i], "_start")) ||
            i + (flat ? 1 : 2) >= n)
            return zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: not an index of "
                           "zbatch (column %s)", a->o.index, f[i]);
        if (!(d->name = zsi_strndup(f[i], k)))
            return zsi_nomem(a->ctx);
        d->flat = flat;
        a->nd++;
        i += flat ? 2 : 3;
    }
    return ZS_OK;
}

static zs_status add_row(zs_assemble *a, char *line, uint64_t *cap,
                         uint64_t *stops)
{
    char *f[4 + 3 * ZS_MAX_DIMS];
    size_t n = split(line, f, sizeof f / sizeof f[0]), i = 4;
    uint64_t r;
    if (n > sizeof f / sizeof f[0])
        n = 0;
    if (a->nrows == *cap) {
        uint64_t *s = realloc(a->start, (size_t)(*cap = *cap ? *cap * 2 : 1024)
                                            * (size_t)a->nd * sizeof *s);
        if (!s)
            return zsi_nomem(a->ctx);
        a->start = s;
    }
    r = a->nrows;
    for (int d = 0; d < a->nd; d++) {
        uint64_t v, e;
        if (i >= n || !zsi_parse_u64(f[i], &v) ||
            (!a->dims[d].flat && (i + 1 >= n || !zsi_parse_u64(f[i + 1], &e)
                                  || e <= v)))
            return zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: row %llu is not an "
                           "index row", a->o.index,
                           (unsigned long long)r + 1);
        a->start[r * (uint64_t)a->nd + (uint64_t)d] = v;
        if (!a->dims[d].flat && r == 0)
            stops[d] = e - v;
        else if (!a->dims[d].flat && e - v != stops[d])
            return zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: row %llu: samples "
                           "of another shape", a->o.index,
                           (unsigned long long)r + 1);
        i += a->dims[d].flat ? 2 : 3;
    }
    a->nrows++;
    return ZS_OK;
}

static zs_status read_index(zs_assemble *a)
{
    FILE *f = fopen(a->o.index, "r");
    char *line = malloc(INDEX_LINE_MAX);
    uint64_t cap = 0, ext[ZS_MAX_DIMS] = {0};
    zs_status st = ZS_OK;
    if (!line) {
        if (f)
            fclose(f);
        return zsi_nomem(a->ctx);
    }
    if (!f)
        st = zsi_errno(a->ctx, errno, "%s", a->o.index);
    else if (!fgets(line, INDEX_LINE_MAX, f))
        st = zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: empty index", a->o.index);
    else
        st = parse_header(a, line);
    while (st == ZS_OK && fgets(line, INDEX_LINE_MAX, f))
        if (line[0] != '\n')
            st = add_row(a, line, &cap, ext);
    if (f)
        fclose(f);
    free(line);
    a->sd = 0;
    for (int d = 0; st == ZS_OK && d < a->nd; d++)
        if (!a->dims[d].flat)
            a->sshape[a->sd++] = ext[d];
    if (st == ZS_OK && !zsi_prod_ok(a->sshape, a->sd, &a->selems))
        st = zsi_err(a->ctx, ZS_ERR_OVERFLOW, "%s: samples too large",
                     a->o.index);
    return st;
}

/* ---- the predictions ---------------------------------------------------- */

static zs_status read_pred_header(zs_assemble *a)
{
    uint8_t head[4096];
    uint64_t shape[ZS_MAX_DIMS];
    int nd, fd = open(a->o.pred, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    zs_status st;
    if (fd < 0)
        return zsi_errno(a->ctx, errno, "%s", a->o.pred);
    n = read(fd, head, sizeof head);
    close(fd);
    if (n < 0)
        return zsi_errno(a->ctx, errno, "%s", a->o.pred);
    st = zsi_npy_parse(a->ctx, a->o.pred, head, (size_t)n, &a->dtype, &nd,
                       shape, &a->data_off);
    if (st != ZS_OK)
        return st;
    if (nd < 2 || shape[0] != a->nrows || nd - 2 != a->sd)
        return zsi_err(a->ctx, ZS_ERR_MISMATCH, "predictions %s: shape "
                       "unlike the index's %llu samples (want N, channels, "
                       "and the %d axes of a sample)", a->o.pred,
                       (unsigned long long)a->nrows, a->sd);
    for (int k = 0; k < a->sd; k++)
        if (shape[2 + k] != a->sshape[k])
            return zsi_err(a->ctx, ZS_ERR_MISMATCH, "predictions %s: axis "
                           "%d has %llu, the index's samples %llu",
                           a->o.pred, k + 2, (unsigned long long)shape[2 + k],
                           (unsigned long long)a->sshape[k]);
    if (shape[1] == 0 || shape[1] > 4096)
        return zsi_err(a->ctx, ZS_ERR_RANGE, "predictions %s: %llu channels",
                       a->o.pred, (unsigned long long)shape[1]);
    a->nch = (size_t)shape[1];
    return ZS_OK;
}

/* ---- the grid ----------------------------------------------------------- */

static zs_status check_grid(zs_assemble *a)
{
    for (int d = 0; d < a->nd; d++) {
        adim *ad = &a->dims[d];
        const zs_group *g;
        size_t i;
        if (!zsi_group_find_dim(zs_dataset_root(a->like), ad->name, &g, &i))
            return zsi_err(a->ctx, ZS_ERR_NOTFOUND,
                           "%s: no dimension '%s' "
                           "(of the index)",
                           zsi_dataset_name(a->like), ad->name);
        ad->len = zs_group_dim_size(g, i);
        ad->coord = zs_group_find_var(zs_dataset_root(a->like), ad->name);
        if (ad->coord && (zs_var_ndim(ad->coord) != 1 ||
                          zs_var_shape(ad->coord)[0] != ad->len))
            ad->coord = NULL;
        ad->chunk = ad->len ? ad->len : 1;
        a->oshape[d] = ad->len;
    }
    for (uint64_t r = 0; r < a->nrows; r++)
        for (int d = 0; d < a->nd; d++) {
            uint64_t s = a->start[r * (uint64_t)a->nd + (uint64_t)d];
            if (s >= a->dims[d].len)
                return zsi_err(a->ctx, ZS_ERR_RANGE, "%s: row %llu starts "
                               "at %llu of %s, past its length %llu",
                               a->o.index, (unsigned long long)r,
                               (unsigned long long)s, a->dims[d].name,
                               (unsigned long long)a->dims[d].len);
        }
    return ZS_OK;
}

/* Output chunks: those of a grid variable with the same dimensions,
 * else whole dimensions; the settings' override. */
static void plan_chunks(zs_assemble *a)
{
    const char *dims[ZS_MAX_DIMS];
    for (size_t i = 0; i < zs_group_nvars(zs_dataset_root(a->like)); i++) {
        zs_var *v = zs_group_var(zs_dataset_root(a->like), i);
        bool same = zs_var_ndim(v) == a->nd;
        for (int d = 0; same && d < a->nd; d++)
            same = !strcmp(zs_var_dim_name(v, d), a->dims[d].name);
        for (int d = 0; same && d < a->nd; d++)
            a->dims[d].chunk = zs_var_chunks(v)[d] ? zs_var_chunks(v)[d] : 1;
        if (same)
            break;
    }
    for (int d = 0; d < a->nd; d++) {
        a->ochunks[d] = a->dims[d].chunk;
        dims[d] = a->dims[d].name;
    }
    zsi_write_chunks(&a->w, a->nd, dims, a->oshape, zsi_dtype_size(a->dtype),
                     a->ochunks);
}

static zs_status plan_names(zs_assemble *a)
{
    if (a->o.names.n && a->o.names.n != a->nch)
        return zsi_err(a->ctx, ZS_ERR_MISMATCH, "names: %zu given for %zu "
                       "channels of the predictions", a->o.names.n, a->nch);
    if (!(a->like_vars = calloc(a->nch, sizeof *a->like_vars)))
        return zsi_nomem(a->ctx);
    for (size_t c = 0; !a->o.names.n && c < a->nch; c++) {
        char *n = a->nch == 1 ? zsi_strdup("prediction")
                              : zsi_asprintf("prediction_%zu", c);
        if (!n || !zsi_strv_push_take(&a->o.names, n))
            return zsi_nomem(a->ctx);
    }
    for (size_t c = 0; c < a->nch; c++) {
        zs_var *v =
            zs_group_find_var(zs_dataset_root(a->like), a->o.names.v[c]);
        if (v && zs_var_is_coord(v))
            return zsi_err(a->ctx, ZS_ERR_INVALID,
                           "names: %s is a "
                           "coordinate of %s",
                           zs_var_name(v), zsi_dataset_name(a->like));
        a->like_vars[c] = v;
    }
    return ZS_OK;
}

zs_status zs_assemble_plan(zs_dataset *like, const zs_assemble_opts *o,
                           const zs_write_opts *w, zs_assemble **out)
{
    zs_assemble *a = calloc(1, sizeof *a);
    zs_status st = ZS_OK;
    if (!a)
        return zsi_nomem(zsi_dataset_ctx(like));
    a->ctx = zsi_dataset_ctx(like);
    a->like = like;
    a->o.ctx = zsi_dataset_ctx(like);
    a->memory = zsi_ctx_memory_or(a->ctx, ASSEMBLE_MEMORY);
    if (!o->pred || !o->index)
        st = zsi_err(a->ctx, ZS_ERR_INVALID, "predictions and index: both "
                     "needed");
    if (st == ZS_OK && (!(a->o.pred = zsi_strdup(o->pred)) ||
                        !(a->o.index = zsi_strdup(o->index))))
        st = zsi_nomem(a->ctx);
    for (size_t i = 0; st == ZS_OK && i < o->names.n; i++)
        if (!zsi_strv_push(&a->o.names, o->names.v[i]))
            st = zsi_nomem(a->ctx);
    if (st == ZS_OK)
        st = zsi_write_opts_copy(a->ctx, w, &a->w);
    if (st == ZS_OK)
        st = read_index(a);
    if (st == ZS_OK)
        st = read_pred_header(a);
    if (st == ZS_OK)
        st = check_grid(a);
    if (st == ZS_OK)
        st = plan_names(a);
    if (st == ZS_OK)
        plan_chunks(a);
    if (st != ZS_OK) {
        zs_assemble_plan_free(a);
        return st;
    }
    *out = a;
    return ZS_OK;
}

void zs_assemble_plan_free(zs_assemble *a)
{
    if (!a)
        return;
    for (int d = 0; d < a->nd; d++)
        free(a->dims[d].name);
    free(a->o.pred);
    free(a->o.index);
    zsi_strv_free(&a->o.names);
    zsi_write_opts_clear(&a->w);
    free(a->start);
    free(a->like_vars);
    free(a);
}

zs_status zs_assemble_describe(const zs_assemble *a, zs_line_fn fn,
                               void *user)
{
    zsi_buf t = ZSI_BUF_INIT;
    bool ok = zsi_buf_printf(&t, "predictions: %llu samples of %zu "
                             "channels (%s)", (unsigned long long)a->nrows,
                             a->nch, zs_dtype_name(a->dtype)) &&
              zsi_buf_cstr(&t);
    if (ok)
        fn(user, (char *)t.data);
    for (size_t c = 0; ok && c < a->nch; c++) {
        t.len = 0;
        ok = zsi_buf_printf(&t, "%s: (", a->o.names.v[c]);
        for (int d = 0; ok && d < a->nd; d++)
            ok = zsi_buf_printf(&t, "%s%s %llu", d ? ", " : "",
                                a->dims[d].name,
                                (unsigned long long)a->oshape[d]);
        ok = ok && zsi_buf_append_str(&t, "), mean of the samples covering "
                                      "each point") && zsi_buf_cstr(&t);
        if (ok)
            fn(user, (char *)t.data);
    }
    zsi_buf_free(&t);
    return ok ? ZS_OK : zsi_nomem(a->ctx);
}

/* ---- running ------------------------------------------------------------ */

typedef struct atile {
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS], n;
    double *sum;              /* nch x n */
    uint32_t *cnt;
} atile;

/* Row r's box on the grid (start, count), clipped to the grid. */
static void row_box(const zs_assemble *a, uint64_t r, uint64_t *s,
                    uint64_t *c)
{
    for (int d = 0, k = 0; d < a->nd; d++) {
        s[d] = a->start[r * (uint64_t)a->nd + (uint64_t)d];
        c[d] = a->dims[d].flat ? 1 : a->sshape[k++];
        if (s[d] + c[d] > a->dims[d].len)
            c[d] = a->dims[d].len - s[d];
    }
}

/* Add the part of row r (values in buf) that lies in tile t. */
static void add_row_to_tile(const zs_assemble *a, const atile *t,
                            const uint64_t *s, const uint64_t *c,
                            const uint8_t *buf)
{
    uint64_t lo[ZS_MAX_DIMS], cnt[ZS_MAX_DIMS], idx[ZS_MAX_DIMS] = {0};
    uint64_t n = 1;
    for (int d = 0; d < a->nd; d++) {
        uint64_t b = s[d] > t->s[d] ? s[d] : t->s[d];
        uint64_t e = s[d] + c[d] < t->s[d] + t->c[d] ? s[d] + c[d]
                                                     : t->s[d] + t->c[d];
        if (e <= b)
            return;
        lo[d] = b;
        cnt[d] = e - b;
        n *= cnt[d];
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t to = 0, from = 0;
        for (int d = 0, k = 0; d < a->nd; d++) {
            uint64_t g = lo[d] + idx[d];
            to = to * t->c[d] + (g - t->s[d]);
            if (!a->dims[d].flat)
                from = from * a->sshape[k++] + (g - s[d]);
        }
        for (size_t ch = 0; ch < a->nch; ch++) {
            uint64_t at = ch * a->selems + from;
            double v = a->dtype == ZS_DT_FLOAT32
                           ? (double)((const float *)(const void *)buf)[at]
                           : ((const double *)(const void *)buf)[at];
            if (!isnan(v)) {
                t->sum[ch * t->n + to] += v;
                t->cnt[ch * t->n + to]++;
            }
        }
        for (int d = a->nd - 1; d >= 0; d--) {
            if (++idx[d] < cnt[d])
                break;
            idx[d] = 0;
        }
    }
}

static zs_status fill_tile(zs_assemble *a, int fd, atile *t, uint8_t *buf,
                           size_t rowb)
{
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    for (uint64_t r = 0; r < a->nrows; r++) {
        bool meets = true;
        row_box(a, r, s, c);
        for (int d = 0; meets && d < a->nd; d++)
            meets = s[d] < t->s[d] + t->c[d] && t->s[d] < s[d] + c[d];
        if (!meets)
            continue;
        for (size_t got = 0; got < rowb;) {
            ssize_t k = pread(fd, buf + got, rowb - got,
                              (off_t)(a->data_off + r * rowb + got));
            if (k <= 0)
                return k < 0 ? zsi_errno(a->ctx, errno, "%s", a->o.pred)
                             : zsi_err(a->ctx, ZS_ERR_FORMAT, "%s: "
                                       "truncated", a->o.pred);
            got += (size_t)k;
        }
        add_row_to_tile(a, t, s, c, buf);
    }
    return ZS_OK;
}

static zs_status write_tile(zs_assemble *a, atile *t, zs_array **arr,
                            void *out)
{
    zs_status st = ZS_OK;
    for (size_t ch = 0; st == ZS_OK && ch < a->nch; ch++) {
        for (uint64_t i = 0; i < t->n; i++) {
            uint64_t k = ch * t->n + i;
            double v = t->cnt[k] ? t->sum[k] / t->cnt[k] : NAN;
            zsi_store_double(a->dtype, out, (size_t)i, v);
        }
        st = zs_array_write(arr[ch], t->s, t->c, out);
    }
    return st;
}

static zs_status assemble_tiles(zs_assemble *a, zs_array **arr)
{
    zsi_blocks tiles;
    size_t rowb = a->nch * (size_t)a->selems * zsi_dtype_size(a->dtype);
    uint8_t *buf = malloc(rowb ? rowb : 1);
    void *out = NULL;
    atile t;
    zs_status st = ZS_OK;
    int fd = open(a->o.pred, O_RDONLY | O_CLOEXEC);
    memset(&t, 0, sizeof t);
    if (fd < 0)
        st = zsi_errno(a->ctx, errno, "%s", a->o.pred);
    if (st == ZS_OK && !zsi_blocks_plan(&tiles, a->nd, a->oshape,
                                        a->ochunks, a->nch * 12 + 8,
                                        (size_t)(a->memory / 2), 0))
        st = zsi_err(a->ctx, ZS_ERR_OVERFLOW, "too many tiles");
    if (st == ZS_OK) {
        uint64_t m = zsi_blocks_max_elems(&tiles);
        t.sum = malloc((size_t)(m * a->nch) * sizeof *t.sum + 1);
        t.cnt = malloc((size_t)(m * a->nch) * sizeof *t.cnt + 1);
        out = malloc((size_t)m * 8 + 1);
        if (!buf || !t.sum || !t.cnt || !out)
            st = zsi_nomem(a->ctx);
    }
    for (uint64_t u = 0; st == ZS_OK && u < tiles.n; u++) {
        zsi_blocks_box(&tiles, u, t.s, t.c);
        zsi_prod_ok(t.c, a->nd, &t.n);
        memset(t.sum, 0, (size_t)(t.n * a->nch) * sizeof *t.sum);
        memset(t.cnt, 0, (size_t)(t.n * a->nch) * sizeof *t.cnt);
        st = fill_tile(a, fd, &t, buf, rowb);
        if (st == ZS_OK)
            st = write_tile(a, &t, arr, out);
        if (st == ZS_OK)
            st = zsi_progress(a->ctx, u + 1, tiles.n);
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    free(out);
    free(t.sum);
    free(t.cnt);
    return st;
}

/* Attributes of an output variable: the grid variable's of that name
 * (packing and encodings left out), and a comment. */
static zs_status var_attrs(zs_assemble *a, size_t ch, zs_attrs **out)
{
    static const char *const gone[] = {"scale_factor", "add_offset",
                                       "missing_value", "_FillValue",
                                       "_Unsigned", "valid_min", "valid_max",
                                       "valid_range", NULL};
    const char *text = "mean of the predictions of the samples covering "
                       "each point (zbatch --assemble)";
    zs_status st = a->like_vars[ch]
                       ? zsi_attrs_copy(zs_var_attrs(a->like_vars[ch]), out)
                       : zsi_attrs_new(out);
    if (st != ZS_OK)
        return zsi_nomem(a->ctx);
    for (int k = 0; gone[k]; k++)
        zsi_attrs_remove(*out, gone[k]);
    if (!zsi_attrs_set(*out, "comment", ZS_DT_STRING, text, strlen(text)))
        return zsi_nomem(a->ctx);
    return ZS_OK;
}

static zs_status define(zs_assemble *a, zsi_writer *w, zs_array **arr,
                        zs_array **coords)
{
    const char *dims[ZS_MAX_DIMS];
    uint8_t fill[8];
    zs_status st = zsi_writer_add_groups(w, zs_dataset_root(a->like));
    for (int d = 0; d < a->nd; d++)
        dims[d] = a->dims[d].name;
    zsi_store_double(a->dtype, fill, 0, NAN);
    for (int d = 0; st == ZS_OK && d < a->nd; d++) {
        zs_var *v = a->dims[d].coord;
        zsi_codec_spec *c = NULL;
        size_t nc = 0;
        zsi_array_def def;
        if (!v)
            continue;
        st = zsi_codecs_of_var(v, 0, &c, &nc);
        def = (zsi_array_def){zs_var_path(v), 1, zs_var_shape(v),
                              zs_var_shape(v), zsi_var_dims(v),
                              zs_var_dtype(v), zsi_var_stored_itemsize(v),
                              zsi_var_fill_bytes(v), zs_var_attrs(v), c, nc,
                              zsi_var_array(v) != NULL};
        if (st == ZS_OK)
            st = zsi_writer_add_array(w, &def, &coords[d]);
        zsi_codecs_free(c, nc);
    }
    for (size_t ch = 0; st == ZS_OK && ch < a->nch; ch++) {
        zs_attrs *at = NULL;
        zsi_array_def def;
        st = var_attrs(a, ch, &at);
        def = (zsi_array_def){a->o.names.v[ch], a->nd, a->oshape,
                              a->ochunks, dims, a->dtype,
                              zsi_dtype_size(a->dtype), fill, at, NULL, 0,
                              false};
        if (st == ZS_OK)
            st = zsi_writer_add_array(w, &def, &arr[ch]);
        zsi_attrs_free(at);
    }
    return st;
}

zs_status zs_assemble_run(zs_assemble *a, const char *out)
{
    zsi_writer *w = NULL;
    zs_array **arr = calloc(a->nch + 1, sizeof *arr);
    zs_array *coords[ZS_MAX_DIMS] = {NULL};
    zs_status st = arr ? zsi_writer_open(a->ctx, out, &a->w, &w)
                       : zsi_nomem(a->ctx);
    if (st == ZS_OK)
        st = define(a, w, arr, coords);
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    for (int d = 0; st == ZS_OK && d < a->nd; d++)
        if (coords[d])
            st = zsi_writer_copy(w, a->dims[d].coord, coords[d]);
    if (st == ZS_OK)
        st = assemble_tiles(a, arr);
    st = zsi_writer_end(w, st);
    free(arr);
    return st;
}
