/* convert_append.c - appending inputs to an existing store along its
 * record dimension, as if the store's inputs and the new ones had been
 * converted at once.
 *
 * The plan is the one of the whole: the store's records come first, as
 * a segment of a pseudo input (the store itself, read as it is), so that
 * shapes, default chunks and units are those of a conversion of every
 * input; the units that lie wholly in the store's complete chunks are
 * skipped, the partial last chunk is written again with the store's
 * records and the new ones, and the metadata is written last (readers
 * see the old shape until then).  The store's attributes are kept (the
 * first input's, as a conversion of all would keep them); dtypes,
 * chunks, codecs, fill values, packing and the coordinates' values are
 * checked first, and a difference changes nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_cftime.h"
#include "ops/zsi_convert.h"

/* Attributes whose values must agree unless unpacking. */
static const char *const packing[] = {"scale_factor", "add_offset",
                                      "missing_value", "units", NULL};

static zs_status open_store(zs_convert *c, zs_dataset **ds)
{
    if (!c->o.output)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "appending needs the store");
    return zsi_convert_reopen(c->ctx, c->o.output, ds);
}

static zs_var *store_var(zs_dataset *ds, const char *path)
{
    const char *slash = strrchr(path, '/');
    zs_group *g = zs_dataset_root(ds);
    if (slash) {
        char *gp = zsi_strndup(path, (size_t)(slash - path));
        if (!gp || zsi_group_at(ds, gp, false, &g) != ZS_OK)
            g = NULL;
        free(gp);
    }
    return g ? zs_group_find_var(g, slash ? slash + 1 : path) : NULL;
}

/* The store's times as doubles, its units and calendar, into pseudo
 * file f; *n its records. */
static zs_status store_times(zs_convert *c, zs_dataset *ds, zsi_cfile *f)
{
    zs_var *tv = store_var(ds, c->time_var);
    uint64_t start = 0, n;
    uint8_t *raw;
    const char *u, *cal;
    zs_status st;
    if (!tv || zs_var_ndim(tv) != 1 || !zsi_dtype_is_numeric(zs_var_dtype(tv)))
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: no time coordinate "
                       "'%s' to append to", c->o.output, c->time_var);
    n = zs_var_shape(tv)[0];
    raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(tv));
    f->times = malloc((size_t)(n ? n : 1) * sizeof *f->times);
    if (!raw || !f->times) {
        free(raw);
        return zsi_nomem(c->ctx);
    }
    st = zs_var_read(tv, &start, &n, raw);
    zs_dtype vt = zs_var_dtype(tv);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        f->times[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    u = zsi_attrs_text(zs_var_attrs(tv), "units");
    cal = zsi_attrs_text(zs_var_attrs(tv), "calendar");
    f->nrec = n;
    if (st == ZS_OK && (!u || !(f->units = zsi_strdup(u)) ||
                        !(f->calendar = zsi_strdup(cal ? cal
                                                       : "standard"))))
        st = u ? zsi_nomem(c->ctx)
               : zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: the time coordinate "
                         "has no units", c->o.output);
    return st;
}

/* The new records must come after the store's last. */
static zs_status check_order(zs_convert *c, const zsi_cfile *sf)
{
    const zsi_cfile *nf = &c->files[c->segs[0].file];
    zs_time_units *a = NULL, *b = NULL;
    zsi_usec ta = 0, tb = 0;
    zs_status st = zs_time_units_parse(c->ctx, sf->units, sf->calendar, &a);
    if (st == ZS_OK)
        st = zs_time_units_parse(c->ctx, nf->units, nf->calendar, &b);
    if (st == ZS_OK && sf->nrec)
        st = zsi_time_to_usec(a, sf->times[sf->nrec - 1], &ta);
    if (st == ZS_OK)
        st = zsi_time_to_usec(b, nf->times[c->segs[0].start], &tb);
    if (st == ZS_OK && sf->nrec && tb <= ta)
        st = zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: %s starts at or before "
                     "the store's last time (%.17g %s): only later records "
                     "can be appended", c->o.output, nf->path,
                     sf->times[sf->nrec - 1], sf->units);
    zs_time_units_free(a);
    zs_time_units_free(b);
    return st;
}

/* The store as input 0 of the timeline: its records, then the new. */
static zs_status add_store_input(zs_convert *c, zs_dataset *ds)
{
    zsi_cfile *f = realloc(c->files, (c->nfiles + 1) * sizeof *f);
    zsi_cseg *sg;
    zs_status st;
    if (!f)
        return zsi_nomem(c->ctx);
    c->files = f;
    f = &c->files[c->nfiles];
    memset(f, 0, sizeof *f);
    f->is_store = true;
    if (!(f->path = zsi_strdup(c->o.output)))
        return zsi_nomem(c->ctx);
    c->nfiles++;
    st = store_times(c, ds, f);
    if (st == ZS_OK && c->nsegs)
        st = check_order(c, f);
    if (st != ZS_OK)
        return st;
    sg = realloc(c->segs, (c->nsegs + 1) * sizeof *sg);
    if (!sg)
        return zsi_nomem(c->ctx);
    c->segs = sg;
    memmove(sg + 1, sg, c->nsegs * sizeof *sg);
    sg[0].file = c->nfiles - 1;
    sg[0].start = 0;
    sg[0].count = f->nrec;
    c->nsegs++;
    c->nrec += f->nrec;
    c->store_nrec = f->nrec;
    return ZS_OK;
}

zs_status zsi_convert_append_plan(zs_convert *c)
{
    zs_dataset *ds = NULL;
    const zsi_cfile *sf;
    zs_status st;
    if (c->stack || !c->rec_dim || !c->time_var)
        return zsi_err(c->ctx, ZS_ERR_UNSUPPORTED, "%s: appending needs "
                       "inputs with a record (time) dimension and "
                       "coordinate", c->o.output);
    st = open_store(c, &ds);
    if (st == ZS_OK)
        st = add_store_input(c, ds);
    if (st != ZS_OK) {
        zs_dataset_close(ds);
        return st;
    }
    sf = &c->files[c->nfiles - 1];
    free(c->units);
    free(c->calendar);
    c->units = zsi_strdup(sf->units);
    c->calendar = zsi_strdup(sf->calendar);
    zs_dataset_close(ds);
    return c->units && c->calendar ? ZS_OK : zsi_nomem(c->ctx);
}

/* ---- agreement with the store ------------------------------------------- */

static zs_status same_packing(zs_convert *c, const zsi_cvar *v,
                              const zs_var *sv)
{
    /* compared as numbers and text: the store's JSON has lost the
     * NetCDF types */
    for (int k = 0; !v->unpack && !v->is_time && packing[k]; k++) {
        double x = 0, y = 0;
        const char *s = zsi_attrs_text(v->attrs, packing[k]);
        const char *t = zsi_attrs_text(zs_var_attrs(sv), packing[k]);
        int a = zsi_attrs_double(v->attrs, packing[k], &x);
        int b = zsi_attrs_double(zs_var_attrs(sv), packing[k], &y);
        if (a != b || x != y || !s != !t || (s && strcmp(s, t)))
            return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: %s: %s of the new "
                           "inputs differs from the store's", c->o.output,
                           v->path, packing[k]);
    }
    return ZS_OK;
}

/* A coordinate without the record dimension holds the same values. */
static zs_status same_values(zs_convert *c, zs_dataset *nds,
                             const zsi_cvar *v, zs_var *sv)
{
    zs_var *nv = store_var(nds, v->path);
    char a[65], b[65];
    zs_status st;
    if (v->rec >= 0 || !nv || zs_var_ndim(sv) != 1)
        return ZS_OK;
    st = zs_var_checksum(nv, a);
    if (st == ZS_OK)
        st = zs_var_checksum(sv, b);
    if (st == ZS_OK && strcmp(a, b))
        st = zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: %s: the new inputs have "
                     "other values than the store's", c->o.output, v->path);
    return st;
}

/* Every variable of the store among the new inputs' and back. */
static zs_status same_vars(zs_convert *c, zs_dataset *ds)
{
    for (size_t i = 0; i < c->nvars; i++)
        if (!store_var(ds, c->vars[i].path))
            return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: the store has no "
                           "variable '%s' (the new inputs do)", c->o.output,
                           c->vars[i].path);
    for (size_t i = 0; i < zs_group_nvars(zs_dataset_root(ds)); i++) {
        bool found = false;
        for (size_t k = 0; !found && k < c->nvars; k++)
            found = !strcmp(c->vars[k].path,
                            zs_var_path(zs_group_var(zs_dataset_root(ds), i)));
        if (!found)
            return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: the new inputs "
                           "have no variable '%s'", c->o.output,
                           zs_var_path(zs_group_var(zs_dataset_root(ds), i)));
    }
    return ZS_OK;
}

/* Packing, coordinates and variables agree; the store's attributes then
 * replace the new inputs' (nds: the first new input). */
zs_status zsi_convert_append_attrs(zs_convert *c, zs_dataset *nds)
{
    zs_dataset *ds = NULL;
    zs_status st = open_store(c, &ds);
    if (st == ZS_OK)
        st = same_vars(c, ds);
    for (size_t i = 0; st == ZS_OK && i < c->nvars; i++) {
        zsi_cvar *v = &c->vars[i];
        zs_var *sv = store_var(ds, v->path);
        zs_attrs *a = NULL;
        st = same_packing(c, v, sv);
        if (st == ZS_OK)
            st = same_values(c, nds, v, sv);
        if (st == ZS_OK && zsi_attrs_copy(zs_var_attrs(sv), &a) != ZS_OK)
            st = zsi_nomem(c->ctx);
        if (st == ZS_OK) {
            zsi_attrs_free(v->attrs);
            v->attrs = a;
        }
    }
    for (size_t i = 0; st == ZS_OK && i < c->ngroups; i++) {
        zs_group *g = NULL;
        zs_attrs *a = NULL;
        if (zsi_group_at(ds, c->groups[i].path, false, &g) != ZS_OK)
            continue;
        if (zsi_attrs_copy(zs_group_attrs(g), &a) != ZS_OK)
            st = zsi_nomem(c->ctx);
        else {
            zsi_attrs_free(c->groups[i].attrs);
            c->groups[i].attrs = a;
        }
    }
    zs_dataset_close(ds);
    return st;
}

/* Does line l (length n) close an array or object? */
static bool closes(const char *l, size_t n)
{
    if (n && l[n - 1] == ',')
        n--;
    return n && (l[n - 1] == ']' || l[n - 1] == '}');
}

/* The value on line l (length n): without the indent, a member's name
 * and a trailing comma, into out. */
static void trimmed(const char *l, size_t n, char *out, size_t size)
{
    size_t lead = strspn(l, " ");
    for (size_t i = lead; i + 2 < n; i++)
        if (l[i] == '"' && l[i + 1] == ':' && l[i + 2] == ' ') {
            lead = i + 3;
            break;
        }
    lead = lead < n ? lead : n;
    l += lead;
    n -= lead;
    while (n && (l[n - 1] == ',' || l[n - 1] == ' '))
        n--;
    snprintf(out, size, "%.*s", (int)n, l);
}

/* The member "name": starting line l (length n), if it is one, into key;
 * l is left at its value. */
static void member(const char *l, size_t n, char *key, size_t size)
{
    const char *q = memchr(l, '"', n), *e;
    if (!q || !(e = memchr(q + 1, '"', n - (size_t)(q + 1 - l))) ||
        e[1] != ':')
        return;
    snprintf(key, size, "%.*s", (int)(e - q - 1), q + 1);
}

/* The first line where two metadata texts differ, into *a and *b, and
 * the member it belongs to ("chunks", "compressor") into key. */
static void first_diff(const char *x, const char *y, char *key, char *a,
                       char *b, size_t n)
{
    snprintf(key, n, "metadata");
    while (*x && *y) {
        size_t lx = strcspn(x, "\n"), ly = strcspn(y, "\n");
        if (lx != ly || strncmp(x, y, lx)) {
            member(x, lx, key, n);
            trimmed(x, lx, a, n);
            trimmed(y, ly, b, n);
            return;
        }
        /* a member opening an array or object names what follows, and
         * its end ends it */
        if (lx && (x[lx - 1] == '[' || x[lx - 1] == '{'))
            member(x, lx, key, n);
        else if (closes(x, lx))
            snprintf(key, n, "metadata");
        x += lx + (x[lx] != 0);
        y += ly + (y[ly] != 0);
    }
    trimmed(x, strlen(x), a, n);
    trimmed(y, strlen(y), b, n);
}

/* The store's metadata of array a, with a's shape. */
static zs_status store_meta(zs_convert *c, zs_var *sv, zs_array *a,
                            zsi_buf *out)
{
    zsi_array_meta *m = (zsi_array_meta *)zsi_array_meta_of(zsi_var_array(sv));
    const zsi_array_meta *n = zsi_array_meta_of(a);
    uint64_t old[ZS_MAX_DIMS];
    zs_status st;
    if (!m || m->ndim != n->ndim)
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: %s: other dimensions "
                       "than the store's", c->o.output, zs_var_path(sv));
    /* formatted with the new shape, then put back as it was */
    memcpy(old, m->shape, sizeof old);
    memcpy(m->shape, n->shape, sizeof old);
    st = m->zarr_format == 3 ? zsi_meta_v3_format_array(c->ctx, m, 0, out)
                             : zsi_meta_v2_format_array(c->ctx, m, 0, out);
    memcpy(m->shape, old, sizeof old);
    return st;
}

zs_status zsi_convert_append_check(zs_convert *c, zsi_writer *w)
{
    zs_dataset *ds = NULL;
    zsi_buf x = ZSI_BUF_INIT, y = ZSI_BUF_INIT;
    zs_status st = open_store(c, &ds);
    for (size_t i = 0; st == ZS_OK && i < zsi_writer_narrays(w); i++) {
        zs_array *a = zsi_writer_array(w, i);
        zs_var *sv = store_var(ds, zsi_array_path(a));
        char p[256], q[256], k[64];
        x.len = y.len = 0;
        st = sv && zsi_var_array(sv) ? store_meta(c, sv, a, &x)
                             : zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: no "
                                       "array '%s'", c->o.output,
                                       zsi_array_path(a));
        if (st == ZS_OK)
            st = zsi_array_format_meta(a, 0, &y);
        if (st != ZS_OK || !zsi_buf_cstr(&x) || !zsi_buf_cstr(&y) ||
            !strcmp((char *)x.data, (char *)y.data))
            continue;
        first_diff((char *)x.data, (char *)y.data, k, p, q, sizeof k);
        st = zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: %s: %s: %s in the store, "
                     "%s in the new inputs", c->o.output, zsi_array_path(a),
                     k, p, q);
    }
    zsi_buf_free(&x);
    zsi_buf_free(&y);
    zs_dataset_close(ds);
    return st;
}

/* Units wholly in the store's complete chunks, and the variables without
 * the record dimension, are not written again. */
zs_status zsi_convert_append_skips(zs_convert *c, zsi_cstate *s)
{
    s->done = calloc((size_t)(c->nunits / 8 + 1), 1);
    if (!s->done)
        return zsi_nomem(c->ctx);
    for (uint64_t u = 0; u < c->nunits; u++) {
        const zsi_cvar *v = zsi_convert_unit_var(c, u);
        uint64_t st[ZS_MAX_DIMS], n[ZS_MAX_DIMS], keep;
        zsi_convert_unit_box(v, u - v->unit0, st, n);
        keep = v->rec >= 0 ? c->store_nrec / v->shard[v->rec] *
                                 v->shard[v->rec]
                           : 0;
        if (v->rec < 0 || st[v->rec] + n[v->rec] <= keep)
            s->done[u / 8] |= (uint8_t)(1u << (u % 8));
    }
    return ZS_OK;
}
