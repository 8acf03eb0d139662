/* varset.c - which variables of a dataset an operation takes: all, or
 * those named and what they need (the coordinates of their dimensions,
 * the variables their "coordinates" attribute lists, and the "bounds" of
 * those), less those excluded.  One rule for every operation. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/dataset_impl.h"
#include "dataset/zsi_dataset.h"

static zs_status collect(void *user, zs_var *v)
{
    zsi_varset *s = user;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        zs_var **nv = realloc(s->v, cap * sizeof *nv);
        bool *nk = nv ? realloc(s->keep, cap * sizeof *nk) : NULL;
        if (nv)
            s->v = nv;
        if (!nk)
            return zsi_nomem(v->g->ds->ctx);
        s->keep = nk;
        s->cap = cap;
    }
    s->v[s->n] = v;
    s->keep[s->n++] = true;
    return ZS_OK;
}

static bool names_var(const zs_var *v, const char *name)
{
    return !strcmp(v->name, name) || !strcmp(v->path, name);
}

/* Keep variable name, looked up from group g outwards. */
static void keep_near(zsi_varset *s, const zs_group *g, const char *name)
{
    for (; g; g = g->parent)
        for (size_t i = 0; i < s->n; i++)
            if (s->v[i]->g == g && !strcmp(s->v[i]->name, name)) {
                s->keep[i] = true;
                return;
            }
}

/* Two passes: a coordinate kept in the first brings its bounds. */
static void close_over(zsi_varset *s)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->n; i++) {
            zs_var *v = s->v[i];
            const char *co, *b;
            if (!s->keep[i])
                continue;
            for (int d = 0; d < v->ndim; d++)
                keep_near(s, v->g, v->dims[d]);
            if ((co = zsi_attrs_text(v->attrs, "coordinates"))) {
                zsi_strv t = {0};
                zsi_strv_split(&t, co, ' ');
                for (size_t k = 0; k < t.n; k++)
                    keep_near(s, v->g, t.v[k]);
                zsi_strv_free(&t);
            }
            if ((b = zsi_attrs_text(v->attrs, "bounds")))
                keep_near(s, v->g, b);
        }
}

zs_status zsi_varset_choose(zs_dataset *ds, const zsi_strv *keep,
                            const zsi_strv *exclude, zsi_varset *s)
{
    zs_status st;
    memset(s, 0, sizeof *s);
    st = zsi_dataset_each_var(ds, collect, s);
    if (st == ZS_OK && keep && keep->n) {
        for (size_t i = 0; i < s->n; i++)
            s->keep[i] = false;
        for (size_t k = 0; st == ZS_OK && k < keep->n; k++) {
            bool hit = false;
            for (size_t i = 0; i < s->n; i++)
                if (names_var(s->v[i], keep->v[k]))
                    hit = s->keep[i] = true;
            if (!hit)
                st = zsi_err(ds->ctx, ZS_ERR_NOTFOUND, "%s: no variable "
                             "'%s' to keep", ds->name, keep->v[k]);
        }
        close_over(s);
    }
    for (size_t k = 0; st == ZS_OK && exclude && k < exclude->n; k++) {
        bool hit = false;
        for (size_t i = 0; i < s->n; i++)
            if (names_var(s->v[i], exclude->v[k])) {
                hit = true;
                s->keep[i] = false;
            }
        if (!hit)
            st = zsi_err(ds->ctx, ZS_ERR_NOTFOUND, "%s: no variable '%s' "
                         "to exclude", ds->name, exclude->v[k]);
    }
    if (st != ZS_OK)
        zsi_varset_free(s);
    return st;
}

void zsi_varset_free(zsi_varset *s)
{
    free(s->v);
    free(s->keep);
    memset(s, 0, sizeof *s);
}
