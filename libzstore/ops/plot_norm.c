/* plot_norm.c - colour limits and the colour of a value, computed as
 * matplotlib and xarray compute them, so that a test can compare every
 * pixel: numpy's linear percentile for --robust, Normalize and LogNorm
 * in double precision, Colormap.__call__'s choice of entry (floor of
 * x * 256, 1.0 kept in the last entry, under and over clipped to the
 * ends). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_plot.h"

const uint8_t zsi_plot_land[3] = {210, 180, 140};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double zsi_percentile(double *v, size_t n, double q)
{
    double virt, prev, gamma, a, b, diff;
    size_t i, j;
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    /* numpy: virtual index (n - 1) * q, _lerp between its neighbours */
    virt = (double)(n - 1) * (q / 100.0);
    prev = floor(virt);
    gamma = virt - prev;
    i = prev < 0 ? 0 : (size_t)prev;
    if (i > n - 1)
        i = n - 1;
    j = i + 1 > n - 1 ? n - 1 : i + 1;
    a = v[i];
    b = v[j];
    diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/* The values the limits come from: valid ones (positive for log). */
static zs_status valid_values(zs_plot *p, double **out, size_t *n)
{
    size_t total = 0, k = 0;
    double *v;
    for (int f = 0; f < p->nf; f++)
        total += (size_t)(p->f[f].nx * p->f[f].ny);
    if (!(v = malloc((total ? total : 1) * sizeof *v)))
        return zsi_nomem(p->ctx);
    for (int f = 0; f < p->nf; f++)
        for (uint64_t i = 0; i < p->f[f].nx * p->f[f].ny; i++) {
            double x = p->f[f].v[i];
            if (!isnan(x) && (!p->o.log || x > 0))
                v[k++] = x;
        }
    *out = v;
    *n = k;
    return ZS_OK;
}

static void data_limits(zs_plot *p, double *v, size_t n, double *lo,
                        double *hi)
{
    if (n == 0) {
        *lo = p->o.log ? 1 : 0;
        *hi = p->o.log ? 10 : 1;
        zsi_log(p->ctx, ZS_LOG_WARN, "no values to plot: all missing%s",
                p->o.log ? " or not positive" : "");
        return;
    }
    if (p->o.robust) {
        *lo = zsi_percentile(v, n, 2.0);
        *hi = zsi_percentile(v, n, 98.0);
        return;
    }
    *lo = *hi = v[0];
    for (size_t i = 1; i < n; i++) {
        if (v[i] < *lo)
            *lo = v[i];
        if (v[i] > *hi)
            *hi = v[i];
    }
}

zs_status zsi_plot_limits(zs_plot *p)
{
    double *v = NULL, lo, hi;
    size_t n = 0;
    bool diverging = !strcmp(p->o.cmap->name, "RdBu_r") && !p->o.log &&
                     isnan(p->o.vmin) && isnan(p->o.vmax);
    zs_status st = valid_values(p, &v, &n);
    if (st != ZS_OK)
        return st;
    p->nvalid = n;
    data_limits(p, v, n, &lo, &hi);
    free(v);
    if (diverging) {
        /* xarray's rule for data around 0: centred, vmin = -vmax */
        double m = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
        lo = -m;
        hi = m;
    }
    p->vmin = isnan(p->o.vmin) ? lo : p->o.vmin;
    p->vmax = isnan(p->o.vmax) ? hi : p->o.vmax;
    if (p->vmin > p->vmax)
        return zsi_err(p->ctx, ZS_ERR_INVALID, "colour limits: vmin %g is "
                       "above vmax %g", p->vmin, p->vmax);
    if (p->o.log && p->vmin <= 0)
        return zsi_err(p->ctx, ZS_ERR_INVALID, "colour limits: a log "
                       "scale needs vmin > 0, not %g", p->vmin);
    return ZS_OK;
}

double zsi_plot_norm(const zs_plot *p, double x)
{
    if (isnan(x))
        return NAN;
    if (p->o.log) {
        double a = log10(p->vmin), b = log10(p->vmax);
        if (x <= 0)
            return NAN;       /* LogNorm masks them: drawn as missing */
        if (a == b)
            return 0;
        return (log10(x) - a) / (b - a);
    }
    if (p->vmin == p->vmax)
        return 0;
    return (x - p->vmin) / (p->vmax - p->vmin);
}

void zsi_plot_colour(const zs_plot *p, double x, uint8_t rgb[3])
{
    double t = zsi_plot_norm(p, x) * 256;
    int i;
    if (isnan(t)) {
        /* empty bins of a histogram are background, not missing */
        memset(rgb, p->hist ? 255 : ZSI_PLOT_MISSING, 3);
        return;
    }
    i = t < 0 ? 0 : t >= 256 ? 255 : (int)t;
    memcpy(rgb, p->o.cmap->lut[i], 3);
}

static double nice_step(double range, size_t want)
{
    double raw = range / (double)want, mag = pow(10, floor(log10(raw)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < 5; i++)
        if (steps[i] * mag >= raw)
            return steps[i] * mag;
    return 10 * mag;
}

size_t zsi_plot_ticks(double a, double b, bool log, int want, double *t,
                      size_t max)
{
    size_t n = 0;
    double step, x;
    if (!(b > a) || !isfinite(a) || !isfinite(b))
        return 0;
    if (log) {
        for (x = pow(10, ceil(log10(a) - 1e-9)); x <= b * (1 + 1e-9) &&
             n < max; x *= 10)
            t[n++] = x;
        if (n >= 2)
            return n;
        n = 0;   /* less than two decades: linear ticks */
    }
    step = nice_step(b - a, want < 2 ? 2 : (size_t)want);
    for (x = ceil(a / step - 1e-9) * step; x <= b + step * 1e-9 && n < max;
         x += step)
        t[n++] = fabs(x) < step * 1e-9 ? 0 : x;
    return n;
}
