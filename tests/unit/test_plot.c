/*
 * test_plot.c - the colour arithmetic of zplot at its edges, against
 * numbers numpy and matplotlib 3.6 give (written down here, so that the
 * unit test needs no Python): numpy.percentile's linear definition,
 * Colormap.__call__'s entry for 0, 1/256, 1/2, 1, under and over,
 * LogNorm's masked values, and the options' refusals.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_plot.h"
#include "tap.h"

static void test_percentile(void)
{
    double a[] = {3.0, -1.5, 7.25, 0.1, 2.0, 9.0, 4.5}, b[100], c[7];
    static const double q[] = {2, 98, 50, 0, 100};
    static const double want[] = {-1.308, 8.79, 3.0, -1.5, 9.0};
    for (int i = 0; i < 5; i++) {
        memcpy(c, a, sizeof a);
        TAP_OK(zsi_percentile(c, 7, q[i]) == want[i],
               "percentile %g of 7 values is numpy's %.17g", q[i], want[i]);
    }
    for (int i = 0; i < 100; i++)
        b[i] = (i + 1) * 0.37;
    TAP_OK(zsi_percentile(b, 100, 2) == 1.1025999999999998 &&
           zsi_percentile(b, 100, 98) == 36.267399999999995,
           "2nd and 98th percentiles of 100 values are numpy's, bit for bit");
    TAP_OK(isnan(zsi_percentile(b, 0, 50)), "no values: NaN");
}

static bool colour_is(const zs_plot *p, double x, int r, int g, int b)
{
    uint8_t rgb[3];
    zsi_plot_colour(p, x, rgb);
    return rgb[0] == r && rgb[1] == g && rgb[2] == b;
}

static void test_colours(void)
{
    zs_plot p;
    memset(&p, 0, sizeof p);
    p.o.cmap = &zsi_cmaps[0];
    p.nf = 0;
    p.vmin = 0;
    p.vmax = 1;
    TAP_OK(!strcmp(p.o.cmap->name, "viridis"), "the first table is viridis");
    TAP_OK(colour_is(&p, 0.0, 68, 1, 84), "0: the first entry");
    TAP_OK(colour_is(&p, 1.0 / 256, 68, 2, 85), "1/256: the second entry");
    TAP_OK(colour_is(&p, 0.5, 32, 144, 140), "1/2: entry 128");
    TAP_OK(colour_is(&p, 1.0, 253, 231, 36), "1: the last entry");
    TAP_OK(colour_is(&p, -0.1, 68, 1, 84), "under: the first entry");
    TAP_OK(colour_is(&p, 2.0, 253, 231, 36), "over: the last entry");
    TAP_OK(colour_is(&p, NAN, 153, 153, 153), "missing: grey");
    p.vmin = p.vmax = 3;
    TAP_OK(colour_is(&p, 7, 68, 1, 84), "vmin == vmax: 0, as Normalize");
    p.o.log = true;
    p.vmin = 1;
    p.vmax = 100;
    TAP_OK(colour_is(&p, 10, 32, 144, 140) &&
           colour_is(&p, 100, 253, 231, 36) && colour_is(&p, 0.5, 68, 1, 84),
           "LogNorm(1, 100): 10 in the middle, 0.5 under");
    TAP_OK(colour_is(&p, 0, 153, 153, 153) &&
           colour_is(&p, -2, 153, 153, 153),
           "LogNorm masks values <= 0: grey");
}

static void test_ticks(void)
{
    double t[16];
    size_t n = zsi_plot_ticks(-1.8, 31.59, false, 5, t, 16);
    TAP_OK(n == 4 && t[0] == 0 && t[3] == 30, "ticks of -1.8..31.59: 0 .. 30");
    n = zsi_plot_ticks(0.01, 15, true, 5, t, 16);
    TAP_OK(n == 4 && t[0] == 0.01 && t[3] == 10, "log ticks: decades");
    TAP_OK(zsi_plot_ticks(1, 1, false, 5, t, 16) == 0, "no range: no ticks");
}

static void test_opts(void)
{
    zs_ctx *ctx;
    zs_plot_opts *o;
    TAP_OK(zs_ctx_new(&ctx) == ZS_OK && zs_plot_opts_new(ctx, &o) == ZS_OK,
           "options");
    TAP_OK(zs_plot_opts_set_cmap(o, "jet") == ZS_ERR_INVALID &&
           strstr(zs_ctx_message(ctx), "unknown colour map 'jet'"),
           "an unknown colour map is refused by name");
    TAP_OK(zs_plot_opts_set_cmap(o, "RdBu_r") == ZS_OK &&
           zs_plot_opts_set_cmap(o, "cividis") == ZS_OK, "known maps");
    TAP_OK(zs_plot_opts_set_limits(o, 2, 1) == ZS_ERR_INVALID &&
           zs_plot_opts_set_limits(o, 0, INFINITY) == ZS_ERR_INVALID &&
           zs_plot_opts_set_limits(o, NAN, 1) == ZS_OK,
           "limits: vmin <= vmax, finite, NaN for the data's");
    TAP_OK(zs_plot_opts_set_bins(o, 1) == ZS_ERR_INVALID &&
           zs_plot_opts_set_scale(o, 65) == ZS_ERR_INVALID &&
           zs_plot_opts_set_hist2d(o, NULL, "x", NULL, "") ==
               ZS_ERR_INVALID &&
           zs_plot_opts_set_panel(o, NULL, "") == ZS_ERR_INVALID,
           "bins, scale, hist2d and panel out of range are refused");
    TAP_OK(zs_plot_opts_add_sel(o, "time") == ZS_ERR_INVALID,
           "a selection is checked as zsel checks it");
    zs_plot_opts_free(o);
    zs_plot_opts_free(NULL);
    zs_ctx_free(ctx);
}

int main(void)
{
    test_percentile();
    test_colours();
    test_ticks();
    test_opts();
    return TAP_DONE();
}
