/* convert_plan.c - the output schema of a conversion: variables, chunk
 * shapes, codecs, and the units of work. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_convert.h"

/* ---- one output variable ------------------------------------------------ */

static bool is_packed(const zs_var *v)
{
    return zsi_dtype_is_numeric(zs_var_dtype(v)) &&
           (zs_attrs_find(zs_var_attrs(v), "scale_factor", NULL) ||
            zs_attrs_find(zs_var_attrs(v), "add_offset", NULL));
}

/* valid_min/valid_max/valid_range given in packed units: decode them. */
static bool unpack_valid(zs_attrs *a, zs_dtype packed, double scale,
                         double offset)
{
    static const char *const names[] = {"valid_min", "valid_max",
                                        "valid_range", NULL};
    for (int k = 0; names[k]; k++) {
        size_t i, n;
        float v[2];
        if (!zs_attrs_find(a, names[k], &i) || zs_attrs_type(a, i) != packed)
            continue;
        n = zs_attrs_length(a, i);
        if (n > 2)
            continue;
        for (size_t j = 0; j < n; j++)
            v[j] = (float)(zsi_load_double(packed, zsi_attrs_values(a, i),
                                           j) * scale + offset);
        if (!zsi_attrs_set(a, names[k], ZS_DT_FLOAT32, v, n))
            return false;
    }
    return true;
}

/* Remove one name from a space-separated "coordinates" attribute. */
static bool drop_coord(zs_attrs *a, const char *name)
{
    const char *co = zsi_attrs_text(a, "coordinates");
    zsi_strv t = {0};
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = true;
    if (!co)
        return true;
    ok = zsi_strv_split(&t, co, ' ');
    for (size_t i = 0; ok && i < t.n; i++)
        if (strcmp(t.v[i], name))
            ok = (!b.len || zsi_buf_append(&b, " ", 1)) &&
                 zsi_buf_append_str(&b, t.v[i]);
    if (ok && b.len)
        ok = zsi_attrs_set(a, "coordinates", ZS_DT_STRING, b.data, b.len);
    else if (ok)
        zsi_attrs_remove(a, "coordinates");
    zsi_strv_free(&t);
    zsi_buf_free(&b);
    return ok;
}

static zs_status out_attrs(zs_convert *c, const zs_var *tv, zsi_cvar *v)
{
    zs_ctx *ctx = c->ctx;
    if (zsi_attrs_copy(zs_var_attrs(tv), &v->attrs) != ZS_OK)
        return zsi_nomem(ctx);
    if (v->unpack) {
        double scale = 1, offset = 0;
        zsi_attrs_double(zs_var_attrs(tv), "scale_factor", &scale);
        zsi_attrs_double(zs_var_attrs(tv), "add_offset", &offset);
        if (!unpack_valid(v->attrs, zs_var_dtype(tv), scale, offset))
            return zsi_nomem(ctx);
        zsi_attrs_remove(v->attrs, "scale_factor");
        zsi_attrs_remove(v->attrs, "add_offset");
        zsi_attrs_remove(v->attrs, "missing_value");
        zsi_attrs_remove(v->attrs, "_Unsigned");
    }
    if (v->is_time && !zsi_attrs_set(v->attrs, "units", ZS_DT_STRING,
                                     c->units, strlen(c->units)))
        return zsi_nomem(ctx);
    if (c->stack && c->time_var && !drop_coord(v->attrs, c->time_var))
        return zsi_nomem(ctx);
    return ZS_OK;
}

static zs_status out_fill(zsi_cvar *v, const zs_var *tv, zs_ctx *ctx)
{
    if (v->unpack) {
        float nan = NAN;
        v->has_fill = true;
        memcpy(v->fill, &nan, sizeof nan);
        return ZS_OK;
    }
    v->has_fill = zsi_var_has_fill(tv);
    if (!zsi_var_has_fill(tv))
        return ZS_OK;
    if (zs_var_dtype(tv) == ZS_DT_STRING)
        return (v->fill_text =
                    zsi_strdup((const char *)zsi_var_fill_bytes(tv)))
                   ? ZS_OK
                   : zsi_nomem(ctx);
    memcpy(v->fill, zsi_var_fill_bytes(tv),
           zs_var_itemsize(tv) <= 16 ? zs_var_itemsize(tv) : 16);
    return ZS_OK;
}

static zs_status add_var(zs_convert *c, const zs_var *tv, uint64_t nrec,
                         zsi_cvar *v)
{
    bool stack_dim = c->stack && !zs_var_is_coord(tv);
    int nd = zs_var_ndim(tv) + (stack_dim ? 1 : 0), o = stack_dim ? 1 : 0;
    if (nd > ZS_MAX_DIMS)
        return zsi_err(c->ctx, ZS_ERR_UNSUPPORTED, "%s: too many dimensions",
                       zs_var_path(tv));
    v->path = zsi_strdup(zs_var_path(tv));
    v->name = zsi_strdup(zs_var_name(tv));
    v->group = zsi_strdup(zs_group_path(zsi_var_group(tv)));
    v->dims = calloc((size_t)(nd ? nd : 1), sizeof *v->dims);
    if (!v->path || !v->name || !v->group || !v->dims)
        return zsi_nomem(c->ctx);
    v->ndim = nd;
    v->rec = -1;
    v->stacked = stack_dim;
    if (stack_dim) {
        v->dims[0] = zsi_strdup(c->rec_dim);
        v->shape[0] = nrec;
        v->rec = 0;
    }
    for (int d = 0; d < zs_var_ndim(tv); d++) {
        v->dims[d + o] = zsi_strdup(zs_var_dim_name(tv, d));
        v->shape[d + o] = zs_var_shape(tv)[d];
        if (!c->stack && c->rec_dim &&
            !strcmp(zs_var_dim_name(tv, d), c->rec_dim)) {
            v->rec = d + o;
            v->shape[d + o] = nrec;
        }
    }
    for (int d = 0; d < nd; d++)
        if (!v->dims[d])
            return zsi_nomem(c->ctx);
    v->in_dtype = zs_var_dtype(tv);
    v->in_size = zs_var_dtype(tv) == ZS_DT_STRING ? sizeof(char *)
                                                  : zs_var_itemsize(tv);
    v->unpack = c->o.unpack && is_packed(tv);
    v->out_dtype = v->unpack ? ZS_DT_FLOAT32 : zs_var_dtype(tv);
    v->out_size = v->unpack ? 4 : v->in_size;
    v->is_time =
        c->time_var && c->units && !strcmp(zs_var_path(tv), c->time_var);
    zs_status st = out_attrs(c, tv, v);
    if (st == ZS_OK)
        st = out_fill(v, tv, c->ctx);
    return st;
}

/* ---- chunks ---------------------------------------------------------------- */

static uint64_t chunk_bytes(const zsi_cvar *v)
{
    uint64_t n = v->out_dtype == ZS_DT_STRING ? 64 : v->out_size;
    for (int d = 0; d < v->ndim; d++)
        n *= v->chunks[d];
    return n;
}

/* Halve the longest chunk dimension (other than skip) until the chunk is
 * at most max bytes. */
static void shrink_to(zsi_cvar *v, uint64_t max, int skip)
{
    while (chunk_bytes(v) > max) {
        int best = -1;
        for (int d = 0; d < v->ndim; d++)
            if (d != skip && v->chunks[d] > 1 &&
                (best < 0 || v->chunks[d] > v->chunks[best]))
                best = d;
        if (best < 0)
            return;
        v->chunks[best] = (v->chunks[best] + 1) / 2;
    }
}

/* Default: whole non-record dimensions, as many records as make about
 * ZSI_CHUNK_TARGET bytes; split the largest dimensions when one record
 * alone exceeds ZSI_CHUNK_MAX. */
static void default_chunks(zsi_cvar *v)
{
    for (int d = 0; d < v->ndim; d++)
        v->chunks[d] = v->shape[d] ? v->shape[d] : 1;
    if (v->rec >= 0) {
        uint64_t one, n;
        v->chunks[v->rec] = 1;
        one = chunk_bytes(v);
        if (one <= ZSI_CHUNK_MAX) {
            n = one ? ZSI_CHUNK_TARGET / one : 1;
            if (n < 1)
                n = 1;
            if (n > v->shape[v->rec])
                n = v->shape[v->rec] ? v->shape[v->rec] : 1;
            v->chunks[v->rec] = n;
        } else {
            shrink_to(v, ZSI_CHUNK_MAX, v->rec);
        }
    } else {
        shrink_to(v, ZSI_CHUNK_MAX, -1);
    }
}

static zs_status chunks_for(zs_convert *c, zsi_cvar *v)
{
    uint64_t bytes;
    default_chunks(v);
    zsi_write_chunks(&c->w, v->ndim, (const char *const *)v->dims, v->shape,
                     v->out_dtype == ZS_DT_STRING ? 64 : v->out_size,
                     v->chunks);
    bytes = chunk_bytes(v);
    if (bytes > ZSI_MAX_CHUNK_BYTES)
        return zsi_err(c->ctx, ZS_ERR_INVALID,
                       "%s: chunks of %llu bytes are too large (limit %llu)",
                       v->path, (unsigned long long)bytes,
                       (unsigned long long)ZSI_MAX_CHUNK_BYTES);
    return zsi_write_shards(&c->w, v->path, v->ndim,
                            (const char *const *)v->dims, v->shape,
                            v->chunks, v->out_dtype, v->shard, &v->sharded);
}

/* Chunks and shards asked for must name dimensions of the output. */
static zs_status check_chunk_dims(zs_convert *c)
{
    zsi_strv dims = {0};
    bool ok = true;
    zs_status st;
    for (size_t i = 0; ok && i < c->nvars; i++)
        ok = zsi_strv_add(&dims, (const char *const *)c->vars[i].dims,
                          c->vars[i].ndim);
    st = ok ? zsi_write_check_dims(&c->w, &dims) : zsi_nomem(c->ctx);
    zsi_strv_free(&dims);
    return st;
}

/* ---- units of work --------------------------------------------------------- */

/* Objects of a variable in the store: its shards or chunks. */
static uint64_t objects(const zsi_cvar *v)
{
    uint64_t g = 1;
    for (int d = 0; d < v->ndim; d++)
        g *= v->shape[d] ? (v->shape[d] - 1) / v->shard[d] + 1 : 0;
    return g;
}

/* Units are boxes of whole shards (or chunks): a worker writes each
 * object whole, once. */
static zs_status plan_units(zs_convert *c, zsi_cvar *v)
{
    int64_t budget = zsi_ctx_opt_int(c->ctx, "convert.unit",
                                     (int64_t)ZSI_SLAB_BUDGET);
    if (budget <= 0 || (uint64_t)budget > SIZE_MAX)
        budget = (int64_t)ZSI_SLAB_BUDGET;
    if (!zsi_blocks_plan(&v->slabs, v->ndim, v->shape, v->shard,
                         v->out_size, (size_t)budget, 0))
        return zsi_err(c->ctx, ZS_ERR_OVERFLOW, "%s: too many units",
                       v->path);
    v->nunits = v->slabs.n;
    return ZS_OK;
}

void zsi_convert_unit_box(const zsi_cvar *v, uint64_t u, uint64_t *start,
                          uint64_t *count)
{
    zsi_blocks_box(&v->slabs, u, start, count);
}

/* ---- putting it together ----------------------------------------------------- */

static zs_status copy_groups(zs_convert *c, zs_group *g)
{
    zsi_cgroup *ng = realloc(c->groups, (c->ngroups + 1) * sizeof *ng);
    if (!ng)
        return zsi_nomem(c->ctx);
    c->groups = ng;
    ng = &c->groups[c->ngroups++];
    memset(ng, 0, sizeof *ng);
    if (!(ng->path = zsi_strdup(zs_group_path(g))) ||
        zsi_attrs_copy(zs_group_attrs(g), &ng->attrs) != ZS_OK)
        return zsi_nomem(c->ctx);
    for (size_t i = 0; i < zs_group_ngroups(g); i++) {
        zs_status st = copy_groups(c, zs_group_child(g, i));
        if (st != ZS_OK)
            return st;
    }
    return ZS_OK;
}

static zs_status build_vars(zs_convert *c, zs_dataset *ds)
{
    zsi_varset s;
    uint64_t nrec = c->nrec;
    zs_status st = zsi_varset_choose(ds, &c->o.vars, &c->o.exclude, &s);
    if (st == ZS_OK) {
        c->vars = calloc(s.n ? s.n : 1, sizeof *c->vars);
        if (!c->vars)
            st = zsi_nomem(c->ctx);
    }
    for (size_t i = 0; st == ZS_OK && i < s.n; i++) {
        if (!s.keep[i])
            continue;
        st = add_var(c, s.v[i], nrec, &c->vars[c->nvars++]);
    }
    zsi_varset_free(&s);
    return st;
}

/* Units are numbered as readers of a stream want them: coordinates
 * (one dimension of their own name) first, then the other variables,
 * each by path, as libzstore lists a store's arrays. */
static int cmp_canonical(const void *a, const void *b, void *arg)
{
    const zs_convert *c = arg;
    const zsi_cvar *x = &c->vars[*(const size_t *)a];
    const zsi_cvar *y = &c->vars[*(const size_t *)b];
    bool cx = x->ndim == 1 && !strcmp(x->dims[0], x->name);
    bool cy = y->ndim == 1 && !strcmp(y->dims[0], y->name);
    if (cx != cy)
        return cx ? -1 : 1;
    return strcmp(x->path, y->path);
}

static zs_status finish_plan(zs_convert *c)
{
    zs_status st = check_chunk_dims(c);
    /* metadata: v2 .zgroup + .zattrs per group, .zarray + .zattrs per
     * array, .zmetadata; v3 one zarr.json per node */
    uint64_t per_array = c->w.format == 3 ? 1 : 2;
    c->nobjects = c->w.format == 3 ? c->ngroups : 1 + 2 * c->ngroups;
    free(c->unit_order);
    c->unit_order = malloc((c->nvars ? c->nvars : 1) * sizeof *c->unit_order);
    if (!c->unit_order)
        return zsi_nomem(c->ctx);
    for (size_t i = 0; i < c->nvars; i++)
        c->unit_order[i] = i;
    qsort_r(c->unit_order, c->nvars, sizeof *c->unit_order, cmp_canonical, c);
    for (size_t i = 0; st == ZS_OK && i < c->nvars; i++) {
        zsi_cvar *v = &c->vars[c->unit_order[i]];
        uint64_t n = 1;
        st = chunks_for(c, v);
        if (st == ZS_OK)
            st = plan_units(c, v);
        if (st != ZS_OK)
            break;
        if (v->is_time)
            v->nunits = 0;
        v->unit0 = c->nunits;
        c->nunits += v->nunits;
        for (int d = 0; d < v->ndim; d++)
            n *= v->shape[d];
        c->raw_bytes += n * (v->out_dtype == ZS_DT_STRING ? 0 : v->out_size);
        c->nobjects += objects(v) + per_array;
    }
    return st;
}

zs_status zsi_convert_schema(zs_convert *c)
{
    zsi_cfile *tf = &c->files[c->nsegs ? c->segs[0].file : 0];
    zs_dataset *ds = NULL;
    bool stack = false;
    zs_status st;
    st = zsi_convert_reopen(c->ctx, tf->path, &ds);
    if (st == ZS_OK)
        st = zsi_convert_find_time(ds, &c->rec_dim, &c->time_var, &stack);
    c->stack = stack && c->nfiles > 1;
    if (st == ZS_OK && tf->units && c->nfiles > 1 &&
        (!(c->units = zsi_strdup(tf->units)) ||
         !(c->calendar = zsi_strdup(tf->calendar))))
        st = zsi_nomem(c->ctx);
    if (!c->stack && stack) {   /* one snapshot: nothing to stack */
        free(c->rec_dim);
        c->rec_dim = NULL;
        free(c->units);
        c->units = NULL;
    }
    if (st == ZS_OK && c->o.append)
        st = zsi_convert_append_plan(c);
    if (st == ZS_OK)
        st = copy_groups(c, zs_dataset_root(ds));
    if (st == ZS_OK)
        st = build_vars(c, ds);
    if (st == ZS_OK && c->o.append)
        st = zsi_convert_append_attrs(c, ds);
    if (st == ZS_OK)
        st = finish_plan(c);
    zs_dataset_close(ds);
    return st;
}

/* ---- describing the plan ---------------------------------------------------- */


static void dims_text(const zsi_cvar *v, const uint64_t *x, zsi_buf *b)
{
    zsi_buf_append(b, "(", 1);
    for (int d = 0; d < v->ndim; d++)
        zsi_buf_printf(b, "%s%llu", d ? ", " : "", (unsigned long long)x[d]);
    zsi_buf_append(b, ")", 1);
}

/* Objects (shards or chunks) of unit u. */
static uint64_t unit_objects(const zs_convert *c, uint64_t u)
{
    const zsi_cvar *v = zsi_convert_unit_var(c, u);
    uint64_t s[ZS_MAX_DIMS], n[ZS_MAX_DIMS], k = 1;
    zsi_convert_unit_box(v, u - v->unit0, s, n);
    for (int d = 0; d < v->ndim; d++)
        k *= (n[d] + v->shard[d] - 1) / v->shard[d];
    return k;
}

/* "part K of N: units A to B of U; objects; raw bytes" */
static void describe_part(const zs_convert *c, zsi_buf *b)
{
    uint64_t u0, u1, bytes = 0, obj = 0;
    char h[32];
    zsi_convert_part_units(c, c->o.part_k, c->o.part_n, &u0, &u1);
    for (uint64_t u = u0; u < u1; u++) {
        bytes += zsi_convert_unit_bytes(c, u);
        obj += unit_objects(c, u);
    }
    zsi_fmt_size(bytes, h, sizeof h);
    zsi_buf_printf(b, "part %llu of %llu: ", (unsigned long long)c->o.part_k,
                   (unsigned long long)c->o.part_n);
    if (u0 == u1)
        zsi_buf_printf(b, "no units (of %llu)", (unsigned long long)c->nunits);
    else
        zsi_buf_printf(b, "units %llu to %llu of %llu; objects: %llu; raw "
                       "bytes: %llu (%s)", (unsigned long long)u0,
                       (unsigned long long)u1 - 1,
                       (unsigned long long)c->nunits,
                       (unsigned long long)obj, (unsigned long long)bytes,
                       h);
}

/* "time: about ..." of the run (or of the part), from the sample unit
 * zs_convert_estimate timed, assuming the workers share the work evenly
 * and the rest of the inputs read as fast as the sample. */
static void describe_time(const zs_convert *c, int workers, zsi_buf *b,
                          zs_line_fn fn, void *user)
{
    uint64_t u0 = 0, u1 = c->nunits, bytes = 0;
    char h[32], t[32];
    double secs;
    if (c->o.stage == ZS_CONVERT_PART)
        zsi_convert_part_units(c, c->o.part_k, c->o.part_n, &u0, &u1);
    for (uint64_t u = u0; u < u1; u++)
        bytes += zsi_convert_unit_bytes(c, u);
    secs = c->est_secs * ((double)bytes / (double)c->est_bytes) /
           (workers > 0 ? workers : 1);
    zsi_fmt_size(c->est_bytes, h, sizeof h);
    zsi_fmt_duration(secs, t, sizeof t);
    b->len = 0;
    zsi_buf_printf(b, "time: about %s%s with %d worker%s (one unit of %s, "
                   "%s, read and encoded in %.3f s)", t,
                   c->o.stage == ZS_CONVERT_PART ? " for the part" : "",
                   workers, workers == 1 ? "" : "s", c->est_var, h,
                   c->est_secs);
    fn(user, zsi_buf_cstr(b));
}

zs_status zs_convert_describe(const zs_convert *c, zs_line_fn fn, void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    char h1[32], h2[32];
    uint64_t recs = c->nrec, slab = 0;
    int workers = zsi_procs_count(c->ctx, c->nunits);
    zsi_buf_printf(&b, "inputs: %zu file%s", c->nfiles,
                   c->nfiles == 1 ? "" : "s");
    if (c->rec_dim)
        zsi_buf_printf(&b, ", %llu records along '%s'",
                       (unsigned long long)recs, c->rec_dim);
    fn(user, zsi_buf_cstr(&b));
    for (size_t i = 0; i < c->nvars; i++) {
        const zsi_cvar *v = &c->vars[i];
        uint64_t s = v->out_size;
        b.len = 0;
        zsi_buf_printf(&b, "variable %s: %s ", v->path,
                       zs_dtype_name(v->out_dtype));
        dims_text(v, v->shape, &b);
        zsi_buf_append_str(&b, " chunks ");
        dims_text(v, v->chunks, &b);
        if (v->sharded) {
            zsi_buf_append_str(&b, " shards ");
            dims_text(v, v->shard, &b);
        }
        zsi_buf_printf(&b, " %s%s", c->w.compressor_id ? c->w.compressor_id
                                                       : "uncompressed",
                       v->unpack ? " (unpacked to float32)" : "");
        fn(user, zsi_buf_cstr(&b));
        s *= zsi_blocks_max_elems(&v->slabs);
        if (s > slab)
            slab = s;
    }
    b.len = 0;
    zsi_fmt_size(c->raw_bytes, h1, sizeof h1);
    zsi_buf_printf(&b, "objects: %llu; raw bytes: %llu (%s)",
                   (unsigned long long)c->nobjects,
                   (unsigned long long)c->raw_bytes, h1);
    fn(user, zsi_buf_cstr(&b));
    if (c->o.stage == ZS_CONVERT_PART) {
        b.len = 0;
        describe_part(c, &b);
        fn(user, zsi_buf_cstr(&b));
    }
    if (c->est_bytes)
        describe_time(c, workers, &b, fn, user);
    b.len = 0;
    zsi_fmt_size((uint64_t)workers * (2 * slab + (16u << 20)), h2, sizeof h2);
    zsi_buf_printf(&b, "memory: about %s (%d worker process%s)", h2,
                   workers, workers == 1 ? "" : "es");
    fn(user, zsi_buf_cstr(&b));
    zsi_buf_free(&b);
    return ZS_OK;
}

uint64_t zs_convert_raw_bytes(const zs_convert *c)
{
    return c->raw_bytes;
}
