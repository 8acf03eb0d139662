/* select_rows.c - a selection as rows (one per point): the columns, the
 * values of a box of rows, and the CSV and table printers. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_select.h"

/* CSV and tables hold the whole selection: keep it bounded. */
#define SEL_MAX_ROWS ((uint64_t)1 << 27)

static bool referenced(const zs_selection *s, const zs_var *v,
                       const char *attr)
{
    for (size_t i = 0; i < s->nvars; i++)
        if (zsi_var_group(s->vars[i].v) == zsi_var_group(v) &&
            zsi_attrs_lists(zs_var_attrs(s->vars[i].v), attr, zs_var_name(v)))
            return true;
    return false;
}

static int row_dim(sel_rows *r, const char *name, uint64_t len)
{
    for (int i = 0; i < r->nd; i++)
        if (!strcmp(r->dims[i], name))
            return i;
    if (r->nd == ZS_MAX_DIMS)
        return -1;
    r->dims[r->nd] = name;
    r->len[r->nd] = len;
    return r->nd++;
}

static zs_status add_col(sel_rows *r, const osel *o, bool data)
{
    sel_col *c;
    sel_col *v = realloc(r->cols, (r->ncols + 1) * sizeof *v);
    const char *u;
    if (!v)
        return zsi_nomem(r->s->ctx);
    r->cols = v;
    c = &r->cols[r->ncols++];
    memset(c, 0, sizeof *c);
    c->o = o;
    c->is_data = data;
    c->name = zsi_strdup(zs_var_path(o->v));
    for (int j = 0; j < o->ndim; j++) {
        int d = row_dim(r, zs_var_dim_name(o->v, o->src_dim[j]), o->shape[j]);
        if (d < 0)
            return zsi_err(r->s->ctx, ZS_ERR_UNSUPPORTED, "too many "
                           "dimensions");
        c->dim[c->nd++] = d;
    }
    if (!c->name)
        return zsi_nomem(r->s->ctx);
    /* rows are read in boxes that take a band of each chunk */
    if (zsi_var_array(o->v))
        zsi_array_set_read_part(zsi_var_array(o->v), true);
    zsi_cfdecode_init(&c->dec, o->v);
    c->f32 = zs_var_dtype(o->v) == ZS_DT_FLOAT32 && !c->dec.packed;
    u = zsi_attrs_text(zs_var_attrs(o->v), "units");
    if (!data && u && strstr(u, " since ") &&
        zs_time_units_parse(r->s->ctx, u,
                            zsi_attrs_text(zs_var_attrs(o->v), "calendar"),
                            &c->tu) != ZS_OK)
        c->tu = NULL;
    return ZS_OK;
}

static void col_unload(sel_col *c)
{
    if (c->data && zs_var_dtype(c->o->v) == ZS_DT_STRING)
        for (uint64_t k = 0; k < c->n; k++)
            free(((char **)(void *)c->data)[k]);
    free(c->data);
    c->data = NULL;
    c->n = 0;
    c->loaded = false;
}

void zsi_rows_free(sel_rows *r)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (zsi_var_array(r->cols[i].o->v))
            zsi_array_set_read_part(zsi_var_array(r->cols[i].o->v), false);
        col_unload(&r->cols[i]);
        free(r->cols[i].name);
        zs_time_units_free(r->cols[i].tu);
    }
    free(r->cols);
    memset(r, 0, sizeof *r);
}

/* Every dimension of o is one of the rows', with the same length. */
static bool on_rows(const sel_rows *r, const osel *o)
{
    for (int j = 0; j < o->ndim; j++) {
        const char *name = zs_var_dim_name(o->v, o->src_dim[j]);
        int d = 0;
        while (d < r->nd && strcmp(r->dims[d], name))
            d++;
        if (d == r->nd || r->len[d] != o->shape[j])
            return false;
    }
    return true;
}

static bool is_coordinate(const zs_selection *s, const osel *o)
{
    return zs_var_is_coord(o->v) || o->scalar_coord ||
           referenced(s, o->v, "coordinates") ||
           referenced(s, o->v, "bounds");
}

/* Coordinates first (dimension coordinates, then scalar and auxiliary
 * ones), then the data variables. */
zs_status zsi_rows_build(zs_selection *s, sel_rows *r)
{
    zs_status st = ZS_OK;
    memset(r, 0, sizeof *r);
    r->s = s;
    /* the row dimensions come from the data variables */
    for (size_t i = 0; i < s->nvars; i++) {
        const osel *o = &s->vars[i];
        if (is_coordinate(s, o))
            continue;
        for (int j = 0; j < o->ndim; j++)
            row_dim(r, zs_var_dim_name(o->v, o->src_dim[j]), o->shape[j]);
    }
    for (int d = 0; st == ZS_OK && d < r->nd; d++) {
        bool found = false;
        for (size_t i = 0; !found && i < s->nvars; i++)
            if (zs_var_is_coord(s->vars[i].v) &&
                !strcmp(zs_var_name(s->vars[i].v), r->dims[d]) &&
                zsi_var_group(s->vars[i].v) == zs_dataset_root(s->ds)) {
                st = add_col(r, &s->vars[i], false);
                found = true;
            }
    }
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++)
        if (s->vars[i].scalar_coord)
            st = add_col(r, &s->vars[i], false);
    /* auxiliary coordinates (the "coordinates" attribute: an ensemble
     * member, 2-D latitudes) on the rows' dimensions, as xarray's
     * to_dataframe() gives them */
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++) {
        const osel *o = &s->vars[i];
        if (!zs_var_is_coord(o->v) && !o->scalar_coord &&
            referenced(s, o->v, "coordinates") && on_rows(r, o))
            st = add_col(r, o, false);
    }
    for (size_t i = 0; st == ZS_OK && i < s->nvars; i++)
        if (!is_coordinate(s, &s->vars[i]))
            st = add_col(r, &s->vars[i], true);
    if (st != ZS_OK)
        zsi_rows_free(r);
    return st;
}

zs_status zsi_rows_load_col(sel_rows *r, sel_col *c,
                            const uint64_t *start, const uint64_t *count)
{
    uint64_t bs[ZS_MAX_DIMS], bc[ZS_MAX_DIMS], n = 1;
    bool same = c->loaded;
    zs_status st;
    for (int j = 0; j < c->nd; j++) {
        bs[j] = start[c->dim[j]];
        bc[j] = count[c->dim[j]];
        same = same && bs[j] == c->bstart[j] && bc[j] == c->bcount[j];
        if (!zsi_mul_ok(n, bc[j], &n))
            return zsi_err(r->s->ctx, ZS_ERR_OVERFLOW, "%s: too many "
                           "values", c->name);
    }
    if (same)
        return ZS_OK;
    col_unload(c);
    if (n > SIZE_MAX / zs_var_itemsize(c->o->v) ||
        !(c->data = calloc((size_t)(n ? n : 1), zs_var_itemsize(c->o->v))))
        return zsi_nomem(r->s->ctx);
    c->n = n;
    memcpy(c->bstart, bs, sizeof bs);
    memcpy(c->bcount, bc, sizeof bc);
    st = zsi_select_read(r->s, c->o, bs, bc, c->data);
    c->loaded = st == ZS_OK;
    return st;
}

zs_status zsi_rows_load(sel_rows *r, const uint64_t *start,
                        const uint64_t *count)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < r->ncols; i++)
        st = zsi_rows_load_col(r, &r->cols[i], start, count);
    return st;
}

uint64_t zsi_rows_elem(const sel_col *c, const uint64_t *idx)
{
    uint64_t k = 0;
    for (int j = 0; j < c->nd; j++)
        k = k * c->bcount[j] + (idx[c->dim[j]] - c->bstart[j]);
    return k;
}

bool zsi_rows_text(const sel_col *c, const uint64_t *idx, zsi_buf *out)
{
    uint64_t k = zsi_rows_elem(c, idx);
    zs_dtype t = zs_var_dtype(c->o->v);
    char num[ZS_DATETIME_MAX + 64];
    double x;
    if (t == ZS_DT_STRING) {
        const char *s = ((char **)(void *)c->data)[k];
        return zsi_buf_append_str(out, s ? s : "");
    }
    if (t == ZS_DT_BYTES || t == ZS_DT_UNICODE) {
        /* Fixed-width text ends at its first NUL or at the item size. */
        const char *s = (const char *)c->data + k * zs_var_itemsize(c->o->v);
        size_t n = 0, max = zsi_var_stored_itemsize(c->o->v);
        while (n < max && s[n])
            n++;
        return zsi_buf_append(out, s, n);
    }
    x = zsi_cfdecode_value(&c->dec, c->data, (size_t)k);
    num[0] = 0;
    if (isnan(x))
        return true;
    if (c->tu) {
        zs_datetime dt;
        if (zs_time_decode(c->tu, zsi_load_double(t, c->data, (size_t)k),
                           &dt) == ZS_OK &&
            zs_datetime_format(&dt, num, sizeof num) == ZS_OK)
            return zsi_buf_append_str(out, num);
    }
    if (!c->dec.packed && zsi_dtype_is_int(t)) {
        int64_t iv;
        if (zsi_load_i64(t, c->data, (size_t)k, &iv))
            return zsi_buf_printf(out, "%lld", (long long)iv);
    }
    if (c->f32)
        zsi_fmt_float((float)x, num, sizeof num);
    else
        zsi_fmt_double(x, num, sizeof num);
    return zsi_buf_append_str(out, num);
}

/* ---- CSV and tables --------------------------------------------------- */

/* CSV quoting where needed. */
static bool put_csv(zsi_buf *b, const char *s)
{
    bool q = strpbrk(s, ",\"\n\r") != NULL;
    if (!q)
        return zsi_buf_append_str(b, s);
    if (!zsi_buf_append(b, "\"", 1))
        return false;
    for (; *s; s++)
        if (!zsi_buf_append(b, s, 1) || (*s == '"' &&
                                          !zsi_buf_append(b, "\"", 1)))
            return false;
    return zsi_buf_append(b, "\"", 1);
}

/* Build the rows and read all of them. */
static zs_status load_all(zs_selection *s, sel_rows *r)
{
    uint64_t start[ZS_MAX_DIMS] = {0}, total = 1;
    zs_status st = zsi_rows_build(s, r);
    if (st != ZS_OK)
        return st;
    for (int d = 0; d < r->nd; d++)
        total *= r->len[d];
    if (total > SEL_MAX_ROWS)
        return zsi_err(s->ctx, ZS_ERR_RANGE, "the selection has %llu "
                       "points, too many to print: write a store instead",
                       (unsigned long long)total);
    return zsi_rows_load(r, start, r->len);
}

static zs_status emit_rows(zs_selection *s, bool csv, zs_line_fn fn,
                           void *user)
{
    sel_rows r;
    zsi_buf line = ZSI_BUF_INIT;
    uint64_t idx[ZS_MAX_DIMS] = {0};
    zsi_buf text = ZSI_BUF_INIT;
    int *width = NULL;
    zs_status st = load_all(s, &r);
    if (st == ZS_OK && !(width = calloc(r.ncols + 1, sizeof *width)))
        st = zsi_nomem(s->ctx);
    for (size_t i = 0; st == ZS_OK && i < r.ncols; i++) {
        int w = (int)strlen(r.cols[i].name);
        width[i] = w < 12 ? 12 : w;
        if (csv ? !((i == 0 || zsi_buf_append(&line, ",", 1)) &&
                    put_csv(&line, r.cols[i].name))
                : !zsi_buf_printf(&line, "%s%*s", i ? "  " : "", width[i],
                                  r.cols[i].name))
            st = zsi_nomem(s->ctx);
    }
    if (st == ZS_OK && zsi_buf_cstr(&line))
        fn(user, (char *)line.data);
    for (bool more = st == ZS_OK; more;) {
        bool ok = true;
        line.len = 0;
        for (size_t i = 0; i < r.ncols; i++) {
            text.len = 0;
            ok = zsi_rows_text(&r.cols[i], idx, &text) &&
                 zsi_buf_cstr(&text) && ok;
            if (csv) {
                if (i)
                    ok = zsi_buf_append(&line, ",", 1) && ok;
                ok = put_csv(&line, (char *)text.data) && ok;
            } else {
                ok = zsi_buf_printf(&line, "%s%*s", i ? "  " : "", width[i],
                                    (char *)text.data) && ok;
            }
        }
        if (!ok || !zsi_buf_cstr(&line)) {
            st = zsi_nomem(s->ctx);
            break;
        }
        fn(user, (char *)line.data);
        int d = r.nd - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < r.len[d])
                break;
            idx[d] = 0;
        }
        more = d >= 0;
        for (int k = 0; k < r.nd; k++)
            if (r.len[k] == 0)
                more = false;
    }
    free(width);
    zsi_buf_free(&line);
    zsi_buf_free(&text);
    zsi_rows_free(&r);
    return st;
}

zs_status zs_select_csv(zs_selection *s, zs_line_fn fn, void *user)
{
    return emit_rows(s, true, fn, user);
}

zs_status zs_select_print(zs_selection *s, zs_line_fn fn, void *user)
{
    return emit_rows(s, false, fn, user);
}
