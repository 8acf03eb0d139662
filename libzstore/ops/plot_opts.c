/* plot_opts.c - options of a quick-look map: the variable and its slice
 * (selections as zsel takes them, resolved by the selection code), the
 * colour map and limits, the layout, and the other fields drawn with it
 * (a land mask, a second panel) or instead of it (a 2-D histogram). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_plot.h"

zs_status zs_plot_opts_new(zs_ctx *ctx, zs_plot_opts **out)
{
    zs_plot_opts *o = calloc(1, sizeof *o);
    if (!o)
        return zsi_nomem(ctx);
    o->ctx = ctx;
    o->cmap = &zsi_cmaps[0];
    o->vmin = o->vmax = NAN;
    o->bins = 100;
    *out = o;
    return ZS_OK;
}

static void src_clear(plot_src *s)
{
    free(s->store);
    free(s->var);
    s->store = s->var = NULL;
}

void zsi_plot_opts_clear(struct zs_plot_opts *o)
{
    free(o->var);
    zsi_strv_free(&o->sels);
    zsi_strv_free(&o->isels);
    src_clear(&o->mask);
    src_clear(&o->panel);
    src_clear(&o->hx);
    src_clear(&o->hy);
    memset(o, 0, sizeof *o);
}

void zs_plot_opts_free(zs_plot_opts *o)
{
    if (!o)
        return;
    zsi_plot_opts_clear(o);
    free(o);
}

/* *dst = a copy of s (NULL stays NULL); false without memory. */
static bool dup_or_null(const char *s, char **dst)
{
    *dst = s ? zsi_strdup(s) : NULL;
    return !s || *dst;
}

static bool src_copy(const plot_src *src, plot_src *dst)
{
    return dup_or_null(src->store, &dst->store) &&
           dup_or_null(src->var, &dst->var);
}

static bool strv_copy(const zsi_strv *src, zsi_strv *dst)
{
    for (size_t i = 0; i < src->n; i++)
        if (!zsi_strv_push(dst, src->v[i]))
            return false;
    return true;
}

zs_status zsi_plot_opts_copy(zs_ctx *ctx, const struct zs_plot_opts *src,
                             struct zs_plot_opts *dst)
{
    *dst = *src;
    memset(&dst->sels, 0, sizeof dst->sels);
    memset(&dst->isels, 0, sizeof dst->isels);
    dst->var = NULL;
    memset(&dst->mask, 0, sizeof dst->mask);
    memset(&dst->panel, 0, sizeof dst->panel);
    memset(&dst->hx, 0, sizeof dst->hx);
    memset(&dst->hy, 0, sizeof dst->hy);
    if (!dup_or_null(src->var, &dst->var) ||
        !strv_copy(&src->sels, &dst->sels) ||
        !strv_copy(&src->isels, &dst->isels) ||
        !dup_or_null(src->mask.store, &dst->mask.store) ||
        !dup_or_null(src->mask.var, &dst->mask.var) ||
        !dup_or_null(src->panel.store, &dst->panel.store) ||
        !dup_or_null(src->panel.var, &dst->panel.var) ||
        !src_copy(&src->hx, &dst->hx) || !src_copy(&src->hy, &dst->hy)) {
        zsi_plot_opts_clear(dst);
        return zsi_nomem(ctx);
    }
    return ZS_OK;
}

static zs_status set_str(zs_ctx *ctx, char **dst, const char *s)
{
    char *c = NULL;
    if (!dup_or_null(s, &c))
        return zsi_nomem(ctx);
    free(*dst);
    *dst = c;
    return ZS_OK;
}

zs_status zs_plot_opts_set_var(zs_plot_opts *o, const char *var)
{
    return set_str(o->ctx, &o->var, var);
}

/* A selection, checked as zsel checks it and kept as text. */
static zs_status add_spec(zs_plot_opts *o, zsi_strv *v, const char *spec,
                          bool index)
{
    zs_select_opts *so;
    zs_status st = zs_select_opts_new(o->ctx, &so);
    if (st == ZS_OK)
        st = index ? zs_select_opts_add_isel(so, spec)
                   : zs_select_opts_add_sel(so, spec);
    zs_select_opts_free(so);
    if (st == ZS_OK && !zsi_strv_push(v, spec))
        st = zsi_nomem(o->ctx);
    return st;
}

zs_status zs_plot_opts_add_sel(zs_plot_opts *o, const char *spec)
{
    return add_spec(o, &o->sels, spec, false);
}

zs_status zs_plot_opts_add_isel(zs_plot_opts *o, const char *spec)
{
    return add_spec(o, &o->isels, spec, true);
}

zs_status zs_plot_opts_set_cmap(zs_plot_opts *o, const char *name)
{
    for (const zsi_cmap *c = zsi_cmaps; c->name; c++)
        if (!strcmp(c->name, name)) {
            o->cmap = c;
            return ZS_OK;
        }
    return zsi_err(o->ctx, ZS_ERR_INVALID, "unknown colour map '%s' "
                   "(viridis, cividis or RdBu_r)", name);
}

zs_status zs_plot_opts_set_limits(zs_plot_opts *o, double vmin, double vmax)
{
    if (isinf(vmin) || isinf(vmax) || vmin > vmax)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "colour limits must be "
                       "finite with vmin <= vmax");
    o->vmin = vmin;
    o->vmax = vmax;
    return ZS_OK;
}

zs_status zs_plot_opts_set_robust(zs_plot_opts *o, int on)
{
    o->robust = on != 0;
    return ZS_OK;
}

zs_status zs_plot_opts_set_log(zs_plot_opts *o, int on)
{
    o->log = on != 0;
    return ZS_OK;
}

zs_status zs_plot_opts_set_scale(zs_plot_opts *o, int pixels)
{
    if (pixels < 0 || pixels > 64)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "scale %d: pixels per "
                       "cell go from 1 to 64 (0: automatic)", pixels);
    o->scale = pixels;
    return ZS_OK;
}

zs_status zs_plot_opts_set_mask_invalid(zs_plot_opts *o, int on)
{
    o->mask_invalid = on != 0;
    return ZS_OK;
}

zs_status zs_plot_opts_set_raw(zs_plot_opts *o, int on)
{
    o->raw = on != 0;
    return ZS_OK;
}

static zs_status set_src(zs_plot_opts *o, plot_src *s, bool *has,
                         const char *store, const char *var)
{
    plot_src n = {NULL, NULL};
    if (!dup_or_null(store && *store ? store : NULL, &n.store) ||
        !dup_or_null(var && *var ? var : NULL, &n.var)) {
        src_clear(&n);
        return zsi_nomem(o->ctx);
    }
    src_clear(s);
    *s = n;
    *has = true;
    return ZS_OK;
}

zs_status zs_plot_opts_set_mask(zs_plot_opts *o, const char *store,
                                const char *var)
{
    if (!store || !*store)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "a mask needs a store");
    return set_src(o, &o->mask, &o->has_mask, store, var);
}

zs_status zs_plot_opts_set_panel(zs_plot_opts *o, const char *store,
                                 const char *var)
{
    if ((!store || !*store) && (!var || !*var))
        return zsi_err(o->ctx, ZS_ERR_INVALID, "a second panel needs "
                       "another store or another variable");
    return set_src(o, &o->panel, &o->has_panel, store, var);
}

zs_status zs_plot_opts_set_hist2d(zs_plot_opts *o, const char *xstore,
                                  const char *x, const char *ystore,
                                  const char *y)
{
    bool has;
    zs_status st;
    if (!x || !y || !*x || !*y)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "a 2-D histogram needs two "
                       "variables");
    if ((st = set_src(o, &o->hx, &has, xstore, x)) != ZS_OK)
        return st;
    return set_src(o, &o->hy, &has, ystore, y);
}

zs_status zs_plot_opts_set_hist_log(zs_plot_opts *o, int x, int y)
{
    o->hist_logx = x != 0;
    o->hist_logy = y != 0;
    return ZS_OK;
}

zs_status zs_plot_opts_set_bins(zs_plot_opts *o, int bins)
{
    if (bins < 2 || bins > 1000)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "histogram bins: %d is not "
                       "in 2..1000", bins);
    o->bins = bins;
    return ZS_OK;
}
