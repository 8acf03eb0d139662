/* calc_plan.c - the options of zcalc, and its plan: every name of every
 * expression resolved (an earlier result, a variable of an input store,
 * or a coordinate quantity), the dimensions of each result (the operands'
 * dimensions by name, in order of appearance, as xarray broadcasts), and
 * each expression compiled into a program of whole-tile instructions. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_units.h"
#include "ops/zsi_calc.h"
#include "ops/zsi_regrid.h"

/* ---- options ----------------------------------------------------------- */

zs_status zs_calc_opts_new(zs_ctx *ctx, zs_calc_opts **out)
{
    zs_calc_opts *o = calloc(1, sizeof *o);
    *out = NULL;
    if (!o)
        return zsi_nomem(ctx);
    o->ctx = ctx;
    o->dtype = ZS_DT_NONE;
    *out = o;
    return ZS_OK;
}

void zs_calc_opts_free(zs_calc_opts *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nexprs; i++)
        zsi_calc_expr_clear(&o->exprs[i]);
    free(o->exprs);
    zsi_strv_free(&o->units);
    free(o);
}

zs_status zs_calc_opts_add_expr(zs_calc_opts *o, const char *text)
{
    calc_expr e, *grown;
    zs_status st = zsi_calc_parse(o->ctx, (int)o->nexprs + 1, text, &e);
    if (st != ZS_OK)
        return st;
    for (size_t i = 0; i < o->nexprs; i++)
        if (!strcmp(o->exprs[i].name, e.name)) {
            st = zsi_err(o->ctx, ZS_ERR_INVALID, "expression %zu: the "
                         "result '%s' is already expression %zu",
                         o->nexprs + 1, e.name, i + 1);
            zsi_calc_expr_clear(&e);
            return st;
        }
    grown = realloc(o->exprs, (o->nexprs + 1) * sizeof *grown);
    if (!grown) {
        zsi_calc_expr_clear(&e);
        return zsi_nomem(o->ctx);
    }
    o->exprs = grown;
    o->exprs[o->nexprs++] = e;
    return ZS_OK;
}

zs_status zs_calc_opts_set_keep(zs_calc_opts *o, int on)
{
    o->keep = on != 0;
    return ZS_OK;
}

zs_status zs_calc_opts_set_join(zs_calc_opts *o, const char *how)
{
    if (how && !strcmp(how, "exact"))
        o->join = CALC_JOIN_EXACT;
    else if (how && !strcmp(how, "inner"))
        o->join = CALC_JOIN_INNER;
    else
        return zsi_err(o->ctx, ZS_ERR_INVALID, "join: '%s' is neither "
                       "exact nor inner", how ? how : "");
    return ZS_OK;
}

zs_status zs_calc_opts_add_units(zs_calc_opts *o, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq || eq == spec || !eq[1])
        return zsi_err(o->ctx, ZS_ERR_INVALID, "units: '%s' is not "
                       "NAME=UNIT", spec ? spec : "");
    if (!zsi_strv_push(&o->units, spec))
        return zsi_nomem(o->ctx);
    return ZS_OK;
}

zs_status zs_calc_opts_set_dtype(zs_calc_opts *o, zs_dtype t)
{
    if (t != ZS_DT_NONE && t != ZS_DT_FLOAT32 && t != ZS_DT_FLOAT64 &&
        t != ZS_DT_INT8 && t != ZS_DT_BOOL)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "result type: float32, "
                       "float64, int8 or bool");
    o->dtype = t;
    return ZS_OK;
}

/* ---- dimensions and leaves --------------------------------------------- */

/* The plan's dimension name (made if new), with input's length len. */
static int dim_of(zs_calc *c, int input, const char *name, uint64_t len)
{
    size_t i;
    for (i = 0; i < c->ndims; i++)
        if (!strcmp(c->dims[i].name, name))
            break;
    if (i == c->ndims) {
        calc_dim *g = realloc(c->dims, (c->ndims + 1) * sizeof *g);
        if (!g)
            return -1;
        c->dims = g;
        memset(&g[i], 0, sizeof g[i]);
        g[i].coord_input = -1;
        g[i].name = zsi_strdup(name);
        g[i].map = calloc(c->nin, sizeof *g[i].map);
        g[i].inlen = calloc(c->nin, sizeof *g[i].inlen);
        c->ndims++;
        if (!g[i].name || !g[i].map || !g[i].inlen)
            return -1;
    }
    if (c->dims[i].inlen[input] == 0)
        c->dims[i].inlen[input] = len ? len : UINT64_MAX;
    return (int)i;
}

static calc_leaf *new_leaf(zs_calc *c, int input, int kind, zs_var *v)
{
    calc_leaf *g = realloc(c->leaves, (c->nleaves + 1) * sizeof *g);
    if (!g)
        return NULL;
    c->leaves = g;
    g += c->nleaves++;
    memset(g, 0, sizeof *g);
    g->input = input;
    g->kind = kind;
    g->v = v;
    return g;
}

/* The leaf of a variable of an input, made once. */
static zs_status var_leaf(zs_calc *c, int input, zs_var *v, int *out)
{
    calc_leaf *l;
    for (size_t i = 0; i < c->nleaves; i++)
        if (c->leaves[i].v == v && c->leaves[i].kind == CO_REF) {
            *out = (int)i;
            return ZS_OK;
        }
    if (!(l = new_leaf(c, input, CO_REF, v)))
        return zsi_nomem(c->ctx);
    l->ndim = zs_var_ndim(v);
    for (int d = 0; d < zs_var_ndim(v); d++) {
        l->shape[d] = zs_var_shape(v)[d];
        if ((l->dim[d] = dim_of(c, input, zs_var_dim_name(v, d),
                                zs_var_shape(v)[d])) < 0)
            return zsi_nomem(c->ctx);
    }
    zsi_cfdecode_init(&l->dec, v);
    l->what = c->in[input].alias
                  ? zsi_asprintf("%s.%s", c->in[input].alias, zs_var_name(v))
                  : zsi_strdup(zs_var_name(v));
    *out = (int)(c->nleaves - 1);
    return l->what ? ZS_OK : zsi_nomem(c->ctx);
}

/* A table leaf (coslat, gridarea, month(time), ...), made once. */
static zs_status table_leaf(zs_calc *c, int input, int kind, zs_var *t,
                            const char *what, const char *path, int *out)
{
    calc_leaf *l;
    zs_status st;
    for (size_t i = 0; i < c->nleaves; i++)
        if (!c->leaves[i].v && c->leaves[i].kind == kind &&
            c->leaves[i].input == input && !strcmp(c->leaves[i].what, what)) {
            *out = (int)i;
            return ZS_OK;
        }
    if (!(l = new_leaf(c, input, kind, NULL)) || !(l->what = zsi_strdup(what)))
        return zsi_nomem(c->ctx);
    *out = (int)(c->nleaves - 1);
    if (kind == CO_MONTH || kind == CO_DAYOFYEAR || kind == CO_HOUR)
        st = zsi_calc_table_time(c, input, t, kind, l, dim_of);
    else if (kind == CO_INSIDE)
        st = zsi_calc_table_inside(c, input, path, l, dim_of);
    else if (!strcmp(what, "gridarea"))
        st = zsi_calc_table_gridarea(c, input, l, dim_of);
    else
        st = zsi_calc_table_coslat(c, input, l, dim_of);
    return st;
}

/* ---- names -------------------------------------------------------------- */

typedef struct compiler {
    zs_calc *c;
    int index;           /* expression number */
    size_t upto;         /* earlier results: expressions [0, upto) */
    calc_out *o;
    int sp;              /* stack depth now */
    int nest;            /* inlined results being compiled */
} compiler;

static zs_status emit(compiler *k, int op, int leaf, double cst, int pops,
                      int pushes)
{
    calc_out *o = k->o;
    if (o->ncode == o->ccap) {
        size_t cap = o->ccap ? 2 * o->ccap : 16;
        calc_instr *g = realloc(o->code, cap * sizeof *g);
        if (!g)
            return zsi_nomem(k->c->ctx);
        o->code = g;
        o->ccap = cap;
    }
    o->code[o->ncode++] = (calc_instr){op, leaf, cst};
    k->sp += pushes - pops;
    if (k->sp > o->depth)
        o->depth = k->sp;
    return ZS_OK;
}

/* The input called alias, or -1. */
static int input_named(const zs_calc *c, const char *alias)
{
    for (size_t i = 0; i < c->nin; i++)
        if (c->in[i].alias && !strcmp(c->in[i].alias, alias))
            return (int)i;
    return -1;
}

static zs_var *numeric_var(zs_dataset *ds, const char *name)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), name);
    return v && zsi_dtype_is_numeric(zs_var_dtype(v)) && !zsi_var_broken(v)
               ? v
               : NULL;
}

/* lat and lon: a variable of that name, else the input's horizontal
 * coordinate (latitude, longitude...). */
static zs_var *axis_var(zs_dataset *ds, const char *name)
{
    int want = !strcmp(name, "lat") ? 'Y' : !strcmp(name, "lon") ? 'X' : 0;
    zs_group *g = zs_dataset_root(ds);
    for (size_t i = 0; want && i < zs_group_nvars(g); i++)
        if (zs_var_is_coord(zs_group_var(g, i)) &&
            zsi_rg_axis_kind(zs_group_var(g, i)) == want)
            return zs_group_var(g, i);
    return NULL;
}

static bool is_table_name(const char *name)
{
    return !strcmp(name, "coslat") || !strcmp(name, "gridarea");
}

static zs_status compile(compiler *k, const calc_node *n);

/* A name in the inputs: the leaf it reads, or -1 when there is none. */
static zs_status find_leaf(compiler *k, const calc_node *n, int *leaf)
{
    zs_calc *c = k->c;
    int only = n->alias ? input_named(c, n->alias) : -1;
    *leaf = -1;
    if (n->alias && only < 0)
        return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "expression %d, column %d: "
                       "unknown store '%s'", k->index, n->col, n->alias);
    for (size_t i = 0; i < c->nin; i++) {
        zs_var *v;
        if (only >= 0 && (int)i != only)
            continue;
        v = numeric_var(c->in[i].ds, n->name);
        if (!v)
            v = axis_var(c->in[i].ds, n->name);
        if (v)
            return var_leaf(c, (int)i, v, leaf);
        if (is_table_name(n->name) && axis_var(c->in[i].ds, "lat"))
            return table_leaf(c, (int)i, CO_REF, NULL, n->name, NULL,
                              leaf);
    }
    if (n->alias)
        return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "expression %d, column %d: "
                       "no variable '%s' in store '%s'", k->index, n->col,
                       n->name, n->alias);
    return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "expression %d, column %d: "
                   "unknown variable '%s'", k->index, n->col, n->name);
}

static zs_status compile_ref(compiler *k, const calc_node *n)
{
    int leaf;
    zs_status st;
    for (size_t i = k->upto; !n->alias && i-- > 0;)
        if (!strcmp(k->c->exprs[i].name, n->name)) {
            size_t save = k->upto;
            k->upto = i;   /* an earlier result sees only those before */
            st = compile(k, k->c->exprs[i].root);
            k->upto = save;
            return st;
        }
    st = find_leaf(k, n, &leaf);
    return st == ZS_OK ? emit(k, CO_LEAF, leaf, 0, 0, 1) : st;
}

/* Push the table of node n (its op the kind) made from input's t or
 * path, called what (taken; NULL: no memory). */
static zs_status emit_table(compiler *k, const calc_node *n, int input,
                            zs_var *t, char *what, const char *path)
{
    zs_calc *c = k->c;
    int leaf = -1;
    zs_status st;
    if (!what)
        return zsi_nomem(c->ctx);
    st = table_leaf(c, input, n->op, t, what, path, &leaf);
    free(what);
    if (st != ZS_OK)
        return zsi_err_prefix(c->ctx, st, "expression %d, column %d",
                              k->index, n->col);
    return emit(k, CO_LEAF, leaf, 0, 0, 1);
}

/* month(time), dayofyear(time), hour(time): a table over time. */
static zs_status compile_time(compiler *k, const calc_node *n)
{
    const calc_node *a = n->arg[0];
    zs_calc *c = k->c;
    int leaf;
    zs_status st;
    calc_leaf *l;
    char *what;
    if (a->op != CO_REF)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "expression %d, column %d: "
                       "the argument must be a time coordinate", k->index,
                       a->col);
    st = find_leaf(k, a, &leaf);
    if (st != ZS_OK)
        return st;
    l = &c->leaves[leaf];
    if (!l->v || zs_var_ndim(l->v) != 1)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "expression %d, column %d: "
                       "'%s' is not a time coordinate", k->index, a->col,
                       a->name);
    what = zsi_asprintf("%s(%s)", n->op == CO_MONTH ? "month"
                                  : n->op == CO_HOUR ? "hour" : "dayofyear",
                        l->what);
    return emit_table(k, n, l->input, l->v, what, NULL);
}

/* inside(FILE): a mask on the grid of the first input with one. */
static zs_status compile_inside(compiler *k, const calc_node *n)
{
    zs_calc *c = k->c;
    char *what;
    size_t i;
    for (i = 0; i < c->nin && !axis_var(c->in[i].ds, "lat"); i++)
        ;
    if (i == c->nin)
        return zsi_err(c->ctx, ZS_ERR_NOTFOUND, "expression %d, column %d: "
                       "inside() needs latitude and longitude coordinates",
                       k->index, n->col);
    what = zsi_asprintf("inside(%s)", n->name);
    return emit_table(k, n, (int)i, NULL, what, n->name);
}

static zs_status compile(compiler *k, const calc_node *n)
{
    zs_status st = ZS_OK;
    if (++k->nest > 64)
        return zsi_err(k->c->ctx, ZS_ERR_INVALID, "expression %d: results "
                       "nested too deeply", k->index);
    if (n->op == CO_CONST)
        st = emit(k, CO_CONST, -1, n->num, 0, 1);
    else if (n->op == CO_REF)
        st = compile_ref(k, n);
    else if (n->op == CO_MONTH || n->op == CO_DAYOFYEAR || n->op == CO_HOUR)
        st = compile_time(k, n);
    else if (n->op == CO_INSIDE)
        st = compile_inside(k, n);
    else {
        for (int i = 0; st == ZS_OK && i < n->nargs; i++)
            st = compile(k, n->arg[i]);
        if (st == ZS_OK)
            st = emit(k, n->op, -1, 0, n->nargs, 1);
    }
    k->nest--;
    return st;
}

/* ---- results ------------------------------------------------------------ */

static bool has_leaf(const calc_out *o, int leaf)
{
    for (size_t i = 0; i < o->nleaves; i++)
        if (o->leaves[i] == leaf)
            return true;
    return false;
}

/* The leaves a program reads, and its dimensions: every leaf's, in the
 * order they come. */
static zs_status result_dims(zs_calc *c, int index, calc_out *o)
{
    o->leaves = calloc(o->ncode, sizeof *o->leaves);
    if (!o->leaves)
        return zsi_nomem(c->ctx);
    for (size_t i = 0; i < o->ncode; i++) {
        const calc_leaf *l;
        if (o->code[i].op != CO_LEAF || has_leaf(o, o->code[i].leaf))
            continue;
        o->leaves[o->nleaves++] = o->code[i].leaf;
        l = &c->leaves[o->code[i].leaf];
        for (int d = 0; d < l->ndim; d++) {
            int j;
            for (j = 0; j < o->ndim && o->dim[j] != l->dim[d]; j++)
                ;
            if (j < o->ndim)
                continue;
            if (o->ndim == ZS_MAX_DIMS)
                return zsi_err(c->ctx, ZS_ERR_UNSUPPORTED, "expression %d: "
                               "more than %d dimensions", index, ZS_MAX_DIMS);
            o->dim[o->ndim++] = l->dim[d];
        }
    }
    if (!o->nleaves)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "expression %d: no variable: "
                       "the result would have no dimensions", index);
    return ZS_OK;
}

/* float32 when every variable read decodes to float32, else float64;
 * float64 for quantities made from coordinates alone (cell areas of
 * 1e10 m2 want more than float32's seven digits). */
static zs_dtype default_dtype(const zs_calc *c, const calc_out *o)
{
    bool any = false;
    for (size_t i = 0; i < o->nleaves; i++) {
        const calc_leaf *l = &c->leaves[o->leaves[i]];
        if (l->v && zsi_decoded_dtype(l->v) != ZS_DT_FLOAT32)
            return ZS_DT_FLOAT64;
        any = any || l->v;
    }
    return any ? ZS_DT_FLOAT32 : ZS_DT_FLOAT64;
}

static zs_status plan_expr(zs_calc *c, const zs_calc_opts *op, size_t i)
{
    compiler k = {c, (int)i + 1, i, &c->outs[i], 0, 0};
    calc_out *o = &c->outs[i];
    zs_status st;
    o->e = &c->exprs[i];
    o->write = c->exprs[i].name[0] != '_';
    st = compile(&k, c->exprs[i].root);
    if (st == ZS_OK)
        st = result_dims(c, (int)i + 1, o);
    if (st != ZS_OK)
        return st;
    o->dtype = op->dtype != ZS_DT_NONE ? op->dtype : default_dtype(c, o);
    if (o->ncode == 1 && c->leaves[o->code[0].leaf].v) {
        o->pure_leaf = o->code[0].leaf;
        o->pure = c->leaves[o->pure_leaf].v;
    }
    return ZS_OK;
}

/* The units of a variable (its "units" attribute), converted to to. */
static zs_status var_units(zs_calc *c, const char *name, const zs_var *v,
                           const char *to, double *scale, double *offset)
{
    const char *from = zsi_attrs_text(zs_var_attrs(v), "units");
    if (!from)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "units: '%s' has no units "
                       "to convert from", name);
    return zsi_units_affine(c->ctx, from, to, scale, offset);
}

/* --units NAME=UNIT: the variables read under that name (converted
 * where read) or the results of that name (converted when written; they
 * must be one variable, whose units are known). */
static zs_status plan_units(zs_calc *c, const char *spec)
{
    const char *eq = strchr(spec, '='), *to = eq + 1;
    size_t n = (size_t)(eq - spec), found = 0;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < c->nleaves; i++) {
        calc_leaf *l = &c->leaves[i];
        if (!l->v || strlen(l->what) != n || strncmp(l->what, spec, n))
            continue;
        found++;
        l->units = to;
        st = var_units(c, l->what, l->v, to, &l->scale, &l->offset);
    }
    for (size_t i = 0; st == ZS_OK && i < c->nouts; i++) {
        calc_out *o = &c->outs[i];
        if (strlen(o->e->name) != n || strncmp(o->e->name, spec, n))
            continue;
        found++;
        if (!o->pure)
            return zsi_err(c->ctx, ZS_ERR_INVALID, "units: the units of the "
                           "result '%s' are not known (convert the variables "
                           "it reads)", o->e->name);
        o->units = to;
        st = c->leaves[o->pure_leaf].units
                 ? zsi_units_affine(c->ctx, c->leaves[o->pure_leaf].units,
                                    to, &o->scale, &o->offset)
                 : var_units(c, o->e->name, o->pure, to, &o->scale,
                             &o->offset);
    }
    if (st == ZS_OK && !found)
        st = zsi_err(c->ctx, ZS_ERR_NOTFOUND, "units: no variable read and "
                     "no result is called '%.*s'", (int)n, spec);
    return st;
}

/* A result's shape after the join, and its default chunks: those of
 * the first variable read with the dimension, else the whole length. */
static void result_shape(zs_calc *c, calc_out *o)
{
    for (int d = 0; d < o->ndim; d++) {
        const calc_dim *g = &c->dims[o->dim[d]];
        o->dims[d] = g->name;
        o->shape[d] = g->len;
        o->chunks[d] = g->len ? g->len : 1;
        for (size_t i = 0; i < o->nleaves; i++) {
            const calc_leaf *l = &c->leaves[o->leaves[i]];
            int j;
            for (j = 0; l->v && j < l->ndim && l->dim[j] != o->dim[d]; j++)
                ;
            if (l->v && j < l->ndim) {
                o->chunks[d] = zs_var_chunks(l->v)[j] < g->len
                                   ? zs_var_chunks(l->v)[j]
                                   : o->chunks[d];
                break;
            }
        }
    }
    zsi_write_chunks(&c->w, o->ndim, o->dims, o->shape,
                     zsi_dtype_size(o->dtype), o->chunks);
}

static bool copy_exprs(zs_calc *c, const zs_calc_opts *o)
{
    if (!(c->exprs = calloc(o->nexprs, sizeof *c->exprs)))
        return false;
    c->nexprs = o->nexprs;
    for (size_t i = 0; i < o->nexprs; i++) {
        /* parsing again is simpler than copying a tree, and cannot fail
         * on text that parsed */
        if (zsi_calc_parse(c->ctx, (int)i + 1, o->exprs[i].text,
                           &c->exprs[i]) != ZS_OK)
            return false;
    }
    return true;
}

static zs_status plan_inputs(zs_calc *c, zs_dataset *const *ds,
                             const char *const *aliases, size_t n)
{
    if (!n)
        return zsi_err(c->ctx, ZS_ERR_INVALID, "no input store");
    if (!(c->in = calloc(n, sizeof *c->in)))
        return zsi_nomem(c->ctx);
    c->nin = n;
    for (size_t i = 0; i < n; i++) {
        c->in[i].ds = ds[i];
        if (aliases && aliases[i] &&
            !(c->in[i].alias = zsi_strdup(aliases[i])))
            return zsi_nomem(c->ctx);
        for (size_t j = 0; aliases && aliases[i] && j < i; j++)
            if (c->in[j].alias && !strcmp(c->in[j].alias, aliases[i]))
                return zsi_err(c->ctx, ZS_ERR_INVALID, "store name '%s' "
                               "given twice", aliases[i]);
    }
    return ZS_OK;
}

zs_status zs_calc_plan(zs_dataset *const *ds, const char *const *aliases,
                       size_t n, const zs_calc_opts *o,
                       const zs_write_opts *w, zs_calc **out)
{
    zs_calc *c;
    zs_status st;
    *out = NULL;
    if (!o->nexprs)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "no expression");
    if (!(c = calloc(1, sizeof *c)))
        return zsi_nomem(o->ctx);
    c->ctx = o->ctx;
    c->keep = o->keep;
    c->join = o->join;
    c->memory = zs_ctx_memory(o->ctx);
    st = zsi_write_opts_copy(o->ctx, w, &c->w);
    if (st == ZS_OK)
        st = plan_inputs(c, ds, aliases, n);
    for (size_t i = 0; st == ZS_OK && i < o->units.n; i++)
        if (!zsi_strv_push(&c->units, o->units.v[i]))
            st = zsi_nomem(o->ctx);
    if (st == ZS_OK && (!copy_exprs(c, o) ||
                        !(c->outs = calloc(o->nexprs, sizeof *c->outs))))
        st = zsi_nomem(o->ctx);
    c->nouts = o->nexprs;
    for (size_t i = 0; st == ZS_OK && i < o->nexprs; i++)
        st = plan_expr(c, o, i);
    for (size_t i = 0; st == ZS_OK && i < c->units.n; i++)
        st = plan_units(c, c->units.v[i]);
    if (st == ZS_OK)
        st = zsi_calc_join(c);
    for (size_t i = 0; st == ZS_OK && i < c->nouts; i++)
        result_shape(c, &c->outs[i]);
    if (st != ZS_OK) {
        zs_calc_plan_free(c);
        return st;
    }
    *out = c;
    return ZS_OK;
}

void zs_calc_plan_free(zs_calc *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nouts; i++) {
        free(c->outs[i].code);
        free(c->outs[i].leaves);
    }
    free(c->outs);
    for (size_t i = 0; i < c->nleaves; i++) {
        free(c->leaves[i].table);
        free(c->leaves[i].what);
    }
    free(c->leaves);
    for (size_t i = 0; i < c->ndims; i++) {
        for (size_t j = 0; c->dims[i].map && j < c->nin; j++)
            free(c->dims[i].map[j]);
        free(c->dims[i].map);
        free(c->dims[i].inlen);
        free(c->dims[i].name);
    }
    free(c->dims);
    for (size_t i = 0; i < c->nexprs; i++)
        zsi_calc_expr_clear(&c->exprs[i]);
    free(c->exprs);
    zsi_strv_free(&c->units);
    for (size_t i = 0; c->in && i < c->nin; i++)
        free(c->in[i].alias);
    free(c->in);
    zsi_write_opts_clear(&c->w);
    free(c);
}

/* ---- describe ----------------------------------------------------------- */

static const char *dtype_name(zs_dtype t)
{
    return t == ZS_DT_FLOAT32 ? "float32" : t == ZS_DT_FLOAT64 ? "float64"
           : t == ZS_DT_INT8 ? "int8" : "bool";
}

zs_status zs_calc_describe(const zs_calc *c, zs_line_fn fn, void *user)
{
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = true;
    for (size_t i = 0; ok && i < c->ndims; i++) {
        const calc_dim *g = &c->dims[i];
        b.len = 0;
        ok = zsi_buf_printf(&b, "dimension %s: %" PRIu64 "%s", g->name,
                            g->len, g->trimmed ? " (inner join)" : "");
        if (ok)
            fn(user, zsi_buf_cstr(&b));
    }
    for (size_t i = 0; ok && i < c->nouts; i++) {
        const calc_out *o = &c->outs[i];
        b.len = 0;
        ok = zsi_buf_printf(&b, "%s%s = %s: %s (", o->write ? "" : "(temp) ",
                            o->e->name, o->e->rhs, dtype_name(o->dtype));
        for (int d = 0; ok && d < o->ndim; d++)
            ok = zsi_buf_printf(&b, "%s%s=%" PRIu64, d ? ", " : "",
                                o->dims[d], o->shape[d]);
        ok = ok && zsi_buf_printf(&b, "), %zu instructions", o->ncode);
        if (ok)
            fn(user, zsi_buf_cstr(&b));
    }
    zsi_buf_free(&b);
    return ok ? ZS_OK : zsi_nomem(c->ctx);
}

static zs_status write_fn(void *user, zsi_writer *w)
{
    return zsi_calc_write(user, w);
}

zs_status zs_calc_run(zs_calc *c, const char *out)
{
    zs_status st = zsi_writer_write(c->ctx, out, &c->w, write_fn, c);
    for (size_t i = 0; i < c->nouts; i++)   /* the writer's, gone */
        c->outs[i].out = NULL;
    return st;
}
