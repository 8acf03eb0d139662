/* plot_plan.c - planning a quick-look map: the fields read and decoded
 * (one, two panels, or a histogram's counts), land marked, colour limits
 * chosen, pixels per cell; and the plan in lines. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_plot.h"

/* The longer side of a map drawn with automatic scale, at most. */
#define AUTO_SIDE 480

static int auto_scale(const plot_field *f)
{
    uint64_t side = f->nx > f->ny ? f->nx : f->ny;
    uint64_t k = side ? AUTO_SIDE / side : 1;
    return k < 1 ? 1 : k > 64 ? 64 : (int)k;
}

static zs_status load_panel(zs_plot *p, zs_dataset *ds)
{
    zs_dataset *pd = ds;
    const char *var = p->o.panel.var ? p->o.panel.var : p->o.var;
    zs_status st = ZS_OK;
    if (p->o.panel.store &&
        (st = zs_dataset_open(p->ctx, p->o.panel.store, &pd)) != ZS_OK)
        return zsi_err_prefix(p->ctx, st, "panel");
    st = zsi_plot_load(pd, var, &p->o, false, &p->f[1]);
    if (st != ZS_OK)
        zsi_err_prefix(p->ctx, st, "panel %s", p->o.panel.store
                                               ? p->o.panel.store : var);
    if (pd != ds)
        zs_dataset_close(pd);
    return st;
}

/* Land onto the first panel, and onto the second when it has the same
 * grid (before and after a regridding may not). */
static zs_status load_land(zs_plot *p, zs_dataset *ds)
{
    zs_status st = zsi_plot_load_mask(p->ctx, ds, &p->o, &p->f[0]);
    size_t n = (size_t)(p->f[0].nx * p->f[0].ny);
    if (st != ZS_OK || p->nf < 2 || p->f[1].nx != p->f[0].nx ||
        p->f[1].ny != p->f[0].ny)
        return st;
    if (!(p->f[1].land = malloc(n)))
        return zsi_nomem(p->ctx);
    memcpy(p->f[1].land, p->f[0].land, n);
    return ZS_OK;
}

static zs_status load(zs_plot *p, zs_dataset *ds)
{
    zs_status st;
    if (p->o.hx.var) {
        p->hist = true;
        p->o.log = true;       /* counts span decades */
        p->nf = 1;
        return zsi_plot_hist2d(ds, &p->o, &p->f[0]);
    }
    if (!p->o.var)
        return zsi_err(p->ctx, ZS_ERR_INVALID, "no variable to draw "
                       "(name one with --var)");
    if ((st = zsi_plot_load(ds, p->o.var, &p->o, true, &p->f[0])) != ZS_OK)
        return st;
    p->nf = 1;
    if (p->o.has_panel) {
        if ((st = load_panel(p, ds)) != ZS_OK)
            return st;
        p->nf = 2;
    }
    return p->o.has_mask ? load_land(p, ds) : ZS_OK;
}

zs_status zs_plot_plan(zs_dataset *ds, const zs_plot_opts *o,
                       zs_plot **out)
{
    zs_plot *p = calloc(1, sizeof *p);
    zs_status st;
    if (!p)
        return zsi_nomem(zsi_dataset_ctx(ds));
    p->ctx = zsi_dataset_ctx(ds);
    st = zsi_plot_opts_copy(zsi_dataset_ctx(ds), o, &p->o);
    if (st == ZS_OK)
        st = load(p, ds);
    if (st == ZS_OK)
        st = zsi_plot_limits(p);
    for (int i = 0; st == ZS_OK && i < p->nf; i++)
        p->f[i].scale = p->o.scale ? p->o.scale : auto_scale(&p->f[i]);
    if (st != ZS_OK) {
        zs_plot_plan_free(p);
        return st;
    }
    *out = p;
    return ZS_OK;
}

void zs_plot_plan_free(zs_plot *p)
{
    if (!p)
        return;
    zsi_plot_field_clear(&p->f[0]);
    zsi_plot_field_clear(&p->f[1]);
    zsi_plot_opts_clear(&p->o);
    free(p);
}

zs_status zs_plot_describe(const zs_plot *p, zs_line_fn fn, void *user)
{
    char line[512], lo[40], hi[40];
    for (int i = 0; i < p->nf; i++) {
        const plot_field *f = &p->f[i];
        uint64_t miss = 0;
        for (uint64_t k = 0; k < f->nx * f->ny; k++)
            miss += isnan(f->v[k]) != 0;
        snprintf(line, sizeof line, "%s: %llu x %llu cells, %d pixels "
                 "each: %s", p->nf > 1 ? (i ? "after" : "before")
                                       : p->hist ? "histogram" : "map",
                 (unsigned long long)f->nx, (unsigned long long)f->ny,
                 f->scale, f->title);
        fn(user, line);
        snprintf(line, sizeof line, "  x %g .. %g (%s), y %g .. %g (%s), "
                 "%llu %s", f->xl, f->xr, f->xlabel, f->yb, f->yt,
                 f->ylabel, (unsigned long long)miss,
                 p->hist ? "empty bins" : "missing");
        fn(user, line);
    }
    zsi_fmt_double(p->vmin, lo, sizeof lo);
    zsi_fmt_double(p->vmax, hi, sizeof hi);
    snprintf(line, sizeof line, "colours: %s, %s, %s .. %s%s",
             p->o.cmap->name, p->o.log ? "log" : "linear", lo, hi,
             p->o.robust ? " (2nd to 98th percentile)" : "");
    fn(user, line);
    return ZS_OK;
}
