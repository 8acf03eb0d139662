/* labels.c - the labels of a dimension: loaded from its coordinate,
 * printed, matched exactly and aligned (an inner join, as xarray's
 * join="inner" but in the first side's order). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_labels.h"

/* A coordinate decoded as doubles (CF packing applied). */
static zs_status load_values(zs_var *c, zsi_labels *l)
{
    zsi_cfdecode dec;
    uint64_t start = 0, n = l->n;
    void *raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(c));
    zs_status st;
    l->v = malloc((size_t)(n ? n : 1) * sizeof *l->v);
    if (!raw || !l->v) {
        free(raw);
        return zsi_nomem(zsi_var_ctx(c));
    }
    st = zs_var_read(c, &start, &n, raw);
    zsi_cfdecode_init(&dec, c);
    if (st == ZS_OK)
        zsi_cfdecode_row(&dec, raw, (size_t)n, l->v);
    l->f32 = zs_var_dtype(c) == ZS_DT_FLOAT32 && !dec.packed;
    l->integer = zsi_dtype_is_int(zs_var_dtype(c)) && !dec.packed;
    free(raw);
    return st;
}

zs_status zsi_labels_load(zs_dataset *ds, const char *dim, uint64_t n,
                          zsi_labels *out)
{
    zs_var *c = zs_group_find_var(zs_dataset_root(ds), dim);
    const char *u;
    zs_status st = ZS_OK;
    memset(out, 0, sizeof *out);
    out->n = n;
    if (!(out->dim = zsi_strdup(dim)))
        return zsi_nomem(zsi_dataset_ctx(ds));
    if (!c || zs_var_ndim(c) != 1 || zs_var_shape(c)[0] != n ||
        !zsi_dtype_is_numeric(zs_var_dtype(c)))
        return ZS_OK;   /* positions */
    u = zsi_attrs_text(zs_var_attrs(c), "units");
    if (u && strstr(u, " since ")) {
        uint64_t m;
        st = zsi_time_coord(c, &out->tu, &out->t, &m);
    }
    if (st == ZS_OK)
        st = load_values(c, out);
    if (st != ZS_OK)
        zsi_labels_free(out);
    return st;
}

void zsi_labels_free(zsi_labels *l)
{
    free(l->dim);
    free(l->v);
    free(l->t);
    zs_time_units_free(l->tu);
    memset(l, 0, sizeof *l);
}

void zsi_labels_format(const zsi_labels *l, uint64_t i, char *buf,
                       size_t size)
{
    buf[0] = 0;
    if (l->t) {
        zs_datetime dt;
        if (zsi_datetime_from_usec(zs_time_units_calendar(l->tu), l->t[i],
                                   &dt) == ZS_OK &&
            zs_datetime_format(&dt, buf, size) == ZS_OK)
            return;
    }
    if (!l->v || isnan(l->v[i]))
        return;
    if (l->integer && fabs(l->v[i]) < 9e15)
        snprintf(buf, size, "%.0f", l->v[i]);
    else if (l->f32)
        zsi_fmt_float((float)l->v[i], buf, size);
    else
        zsi_fmt_double(l->v[i], buf, size);
}

/* Labels of two sides that can be compared: both times on one axis,
 * or both numbers. */
static zs_status comparable(zs_ctx *ctx, const zsi_labels *a,
                            const char *wa, const zsi_labels *b,
                            const char *wb)
{
    if (!a->t != !b->t)
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: the %s's labels are %s, "
                       "the %s's %s", a->dim, wa, a->t ? "times" : "not",
                       wb, b->t ? "times" : "not");
    if (a->t && !zsi_time_comparable(a->tu, b->tu))
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: the %s and the %s have "
                       "times in calendars that do not compare", a->dim,
                       wa, wb);
    return ZS_OK;
}

static bool same_label(const zsi_labels *a, uint64_t i, const zsi_labels *b,
                       uint64_t j)
{
    if (a->t)
        return a->t[i] == b->t[j];
    return a->v[i] == b->v[j];
}

zs_status zsi_labels_match(zs_ctx *ctx, const zsi_labels *a,
                           const char *what_a, const zsi_labels *b,
                           const char *what_b)
{
    char la[64], lb[64];
    zs_status st;
    if (a->n != b->n)
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: the %s has %llu labels, "
                       "the %s %llu", a->dim, what_a,
                       (unsigned long long)a->n, what_b,
                       (unsigned long long)b->n);
    if (!a->v || !b->v)
        return ZS_OK;   /* positions: the lengths agree */
    if ((st = comparable(ctx, a, what_a, b, what_b)) != ZS_OK)
        return st;
    for (uint64_t i = 0; i < a->n; i++)
        if (!same_label(a, i, b, i)) {
            zsi_labels_format(a, i, la, sizeof la);
            zsi_labels_format(b, i, lb, sizeof lb);
            return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: the %s and the %s "
                           "differ at index %llu (%s and %s)", a->dim,
                           what_a, what_b, (unsigned long long)i, la, lb);
        }
    return ZS_OK;
}

/* ---- alignment ---------------------------------------------------------- */

typedef struct keyed {
    const zsi_labels *l;
    uint64_t i;
} keyed;

static int cmp_label(const zsi_labels *a, uint64_t i, const zsi_labels *b,
                     uint64_t j)
{
    if (a->t)
        return a->t[i] < b->t[j] ? -1 : a->t[i] > b->t[j];
    return a->v[i] < b->v[j] ? -1 : a->v[i] > b->v[j];
}

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *p = x, *q = y;
    return cmp_label(p->l, p->i, q->l, q->i);
}

/* Sorted positions of l; an error for NaN or a label given twice. */
static zs_status sorted(zs_ctx *ctx, const zsi_labels *l, const char *what,
                        keyed **out)
{
    keyed *k = malloc((size_t)(l->n ? l->n : 1) * sizeof *k);
    char t[64];
    if (!k)
        return zsi_nomem(ctx);
    for (uint64_t i = 0; i < l->n; i++) {
        if (!l->t && isnan(l->v[i])) {
            free(k);
            return zsi_err(ctx, ZS_ERR_FORMAT, "%s: the %s has a missing "
                           "label at index %llu", l->dim, what,
                           (unsigned long long)i);
        }
        k[i] = (keyed){l, i};
    }
    qsort(k, (size_t)l->n, sizeof *k, cmp_keyed);
    for (uint64_t i = 1; i < l->n; i++)
        if (cmp_keyed(&k[i - 1], &k[i]) == 0) {
            zsi_labels_format(l, k[i].i, t, sizeof t);
            free(k);
            return zsi_err(ctx, ZS_ERR_FORMAT, "%s: the %s has the label %s "
                           "twice", l->dim, what, t);
        }
    *out = k;
    return ZS_OK;
}

/* Position in b of label i of a, or -1. */
static int64_t find(const keyed *kb, uint64_t nb, const zsi_labels *a,
                    uint64_t i)
{
    uint64_t lo = 0, hi = nb;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = cmp_label(kb[mid].l, kb[mid].i, a, i);
        if (c == 0)
            return (int64_t)kb[mid].i;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static zs_status by_position(zs_ctx *ctx, const zsi_labels *a,
                             const char *wa, const zsi_labels *b,
                             const char *wb, uint64_t *ia, uint64_t *ib,
                             uint64_t *n)
{
    if (a->n != b->n)
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: no labels to align by, "
                       "and the %s has %llu positions, the %s %llu", a->dim,
                       wa, (unsigned long long)a->n, wb,
                       (unsigned long long)b->n);
    for (uint64_t i = 0; i < a->n; i++)
        ia[i] = ib[i] = i;
    *n = a->n;
    return ZS_OK;
}

zs_status zsi_labels_align(zs_ctx *ctx, const zsi_labels *a,
                           const char *what_a, const zsi_labels *b,
                           const char *what_b, uint64_t **ia, uint64_t **ib,
                           uint64_t *n)
{
    keyed *kb = NULL, *ka = NULL;
    uint64_t m = 0, cap = a->n ? a->n : 1;
    zs_status st;
    *ia = malloc((size_t)cap * sizeof **ia);
    *ib = malloc((size_t)cap * sizeof **ib);
    if (!*ia || !*ib) {
        st = zsi_nomem(ctx);
        goto fail;
    }
    if (!a->v || !b->v) {
        st = by_position(ctx, a, what_a, b, what_b, *ia, *ib, n);
        if (st != ZS_OK)
            goto fail;
        return ZS_OK;
    }
    st = comparable(ctx, a, what_a, b, what_b);
    if (st == ZS_OK)
        st = sorted(ctx, a, what_a, &ka);   /* a's labels unique too */
    if (st == ZS_OK)
        st = sorted(ctx, b, what_b, &kb);
    for (uint64_t i = 0; st == ZS_OK && i < a->n; i++) {
        int64_t j = find(kb, b->n, a, i);
        if (j >= 0) {
            (*ia)[m] = i;
            (*ib)[m++] = (uint64_t)j;
        }
    }
    free(ka);
    free(kb);
    if (st == ZS_OK && m == 0 && a->n + b->n > 0)
        st = zsi_err(ctx, ZS_ERR_MISMATCH, "%s: the %s and the %s have no "
                     "label in common", a->dim, what_a, what_b);
    if (st != ZS_OK)
        goto fail;
    *n = m;
    return ZS_OK;
fail:
    free(*ia);
    free(*ib);
    *ia = *ib = NULL;
    return st;
}
