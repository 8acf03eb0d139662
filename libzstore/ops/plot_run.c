/* plot_run.c - drawing a planned map: the layout (fixed margins, so that
 * a reader and the tests know where each map lies), the maps cell by
 * cell, the colour bar, ticks and text; and the terminal preview.
 *
 * Layout of a decorated image (pixels): the first map's top-left corner
 * is at (PLOT_LEFT, PLOT_TOP); a second panel follows PLOT_GAP to its
 * right; the colour bar follows the last map.  A raw image (--raw) is
 * the maps alone, RAW_GAP apart.  Cell (row r from the top, column c)
 * covers the scale x scale pixels from (c * scale, r * scale) of its
 * map. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_plot.h"
#include "render/zsi_render.h"

#define PLOT_LEFT 80
#define PLOT_TOP 40
#define PLOT_GAP 90
#define PLOT_BOTTOM 56
#define BAR_GAP 20
#define BAR_WIDTH 20
#define BAR_TEXT 80
#define RAW_GAP 8

typedef struct layout {
    int x[2], y, w[2], h[2];
    int bar_x, bar_h;
    int width, height;
} layout;

static int map_w(const plot_field *f)
{
    return (int)f->nx * f->scale;
}

static int map_h(const plot_field *f)
{
    return (int)f->ny * f->scale;
}

static void place(const zs_plot *p, layout *l)
{
    bool raw = p->o.raw;
    int x = raw ? 0 : PLOT_LEFT, gap = raw ? RAW_GAP : PLOT_GAP;
    l->y = raw ? 0 : PLOT_TOP;
    l->bar_h = 0;
    for (int i = 0; i < p->nf; i++) {
        l->x[i] = x;
        l->w[i] = map_w(&p->f[i]);
        l->h[i] = map_h(&p->f[i]);
        x += l->w[i] + (i + 1 < p->nf ? gap : 0);
        if (l->h[i] > l->bar_h)
            l->bar_h = l->h[i];
    }
    l->bar_x = x + BAR_GAP;
    l->width = raw ? x : l->bar_x + BAR_WIDTH + BAR_TEXT;
    l->height = raw ? l->bar_h : l->y + l->bar_h + PLOT_BOTTOM;
}

static void draw_map(const zs_plot *p, zsi_canvas *c, const plot_field *f,
                     int x0, int y0)
{
    int k = f->scale;
    for (uint64_t r = 0; r < f->ny; r++)
        for (uint64_t col = 0; col < f->nx; col++) {
            uint64_t i = r * f->nx + col;
            uint8_t rgb[3];
            if (f->land && f->land[i])
                memcpy(rgb, zsi_plot_land, 3);
            else
                zsi_plot_colour(p, f->v[i], rgb);
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                    zsi_canvas_put(c, x0 + (int)col * k + dx,
                                   y0 + (int)r * k + dy, rgb);
        }
}

static void frame(zsi_canvas *c, int x, int y, int w, int h)
{
    zsi_canvas_line(c, x - 1, y - 1, x + w, y - 1);
    zsi_canvas_line(c, x + w, y - 1, x + w, y + h);
    zsi_canvas_line(c, x + w, y + h, x - 1, y + h);
    zsi_canvas_line(c, x - 1, y + h, x - 1, y - 1);
}

static void tick_text(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%g", v);
}

/* Ticks of an axis from edge a to b, in log10 of the values when log:
 * the values in t, their positions (0..1 from a) in pos. */
static size_t axis_ticks(double a, double b, bool log, int want, double *t,
                         double *pos)
{
    size_t n = log ? zsi_plot_ticks(pow(10, a), pow(10, b), true, want,
                                    t, 16)
                   : zsi_plot_ticks(a, b, false, want, t, 16);
    for (size_t i = 0; i < n; i++)
        pos[i] = ((log ? log10(t[i]) : t[i]) - a) / (b - a);
    return n;
}

static void axes(zsi_canvas *c, const plot_field *f, int x0, int y0, int w,
                 int h)
{
    double t[16], pos[16];
    char s[32];
    size_t n = axis_ticks(f->xl, f->xr, f->xlog, w / 70, t, pos);
    for (size_t i = 0; i < n; i++) {
        double px = x0 + pos[i] * w;
        zsi_canvas_line(c, px, y0 + h, px, y0 + h + 4);
        tick_text(t[i], s, sizeof s);
        zsi_canvas_text(c, px, y0 + h + 17, 10, 0, 0, false, s);
    }
    n = axis_ticks(f->yb, f->yt, f->ylog, h / 40, t, pos);
    for (size_t i = 0; i < n; i++) {
        double py = y0 + (1 - pos[i]) * h;
        zsi_canvas_line(c, x0 - 5, py, x0 - 1, py);
        tick_text(t[i], s, sizeof s);
        zsi_canvas_text(c, x0 - 8, py + 4, 10, 0, 1, false, s);
    }
    zsi_canvas_text(c, x0 + w / 2.0, y0 + h + 38, 11, w + PLOT_GAP - 10, 0,
                    false, f->xlabel);
    zsi_canvas_text(c, x0 - 50, y0 + h / 2.0, 11, h + PLOT_BOTTOM, 0, true,
                    f->ylabel);
    zsi_canvas_text(c, x0 + w / 2.0, y0 - 14, 13, w + PLOT_GAP - 10, 0,
                    false, f->title);
}

static void colour_bar(const zs_plot *p, zsi_canvas *c, const layout *l)
{
    double t[16];
    char s[32];
    size_t n;
    int x = l->bar_x, y = l->y, h = l->bar_h;
    for (int r = 0; r < h; r++) {
        /* the colour of the middle of the row's slice of [0, 1] */
        double f = (h - r - 0.5) / h;
        int i = (int)(f * 256);
        for (int dx = 0; dx < BAR_WIDTH; dx++)
            zsi_canvas_put(c, x + dx, y + r, p->o.cmap->lut[i > 255 ? 255
                                                                   : i]);
    }
    frame(c, x, y, BAR_WIDTH, h);
    n = zsi_plot_ticks(p->vmin, p->vmax, p->o.log, h / 40, t, 16);
    for (size_t k = 0; k < n; k++) {
        double py = y + (1 - zsi_plot_norm(p, t[k])) * h;
        zsi_canvas_line(c, x + BAR_WIDTH, py, x + BAR_WIDTH + 4, py);
        tick_text(t[k], s, sizeof s);
        zsi_canvas_text(c, x + BAR_WIDTH + 7, py + 4, 10, 0, -1, false, s);
    }
    zsi_canvas_text(c, x + BAR_WIDTH + 62, y + h / 2.0, 11, h, 0, true,
                    p->f[0].units);
}

zs_status zs_plot_run(zs_plot *p, const char *out)
{
    layout l;
    zsi_canvas *c;
    zs_status st;
    place(p, &l);
    if ((st = zsi_canvas_new(p->ctx, l.width, l.height, &c)) != ZS_OK)
        return st;
    for (int i = 0; i < p->nf; i++) {
        draw_map(p, c, &p->f[i], l.x[i], l.y);
        if (!p->o.raw) {
            frame(c, l.x[i], l.y, l.w[i], l.h[i]);
            axes(c, &p->f[i], l.x[i], l.y, l.w[i], l.h[i]);
        }
    }
    if (!p->o.raw)
        colour_bar(p, c, &l);
    st = zsi_canvas_png(c, p->ctx, out);
    zsi_canvas_free(c);
    return st;
}

/* ---- the terminal preview -------------------------------------------- */

/* The xterm 256-colour index nearest rgb in the 6x6x6 cube. */
static int xterm256(const uint8_t rgb[3])
{
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    int idx[3];
    for (int ch = 0; ch < 3; ch++) {
        int best = 0;
        for (int k = 1; k < 6; k++)
            if (abs(level[k] - rgb[ch]) < abs(level[best] - rgb[ch]))
                best = k;
        idx[ch] = best;
    }
    return 16 + 36 * idx[0] + 6 * idx[1] + idx[2];
}

static int cell_colour(const zs_plot *p, const plot_field *f, uint64_t r,
                       uint64_t c)
{
    uint8_t rgb[3];
    uint64_t i = r * f->nx + c;
    if (f->land && f->land[i])
        memcpy(rgb, zsi_plot_land, 3);
    else
        zsi_plot_colour(p, f->v[i], rgb);
    return xterm256(rgb);
}

zs_status zs_plot_ascii(const zs_plot *p, int width, zs_line_fn fn,
                        void *user)
{
    const plot_field *f = &p->f[0];
    uint64_t cols = width > 0 && (uint64_t)width < f->nx ? (uint64_t)width
                                                          : f->nx;
    uint64_t rows = (f->ny * cols + f->nx / 2) / f->nx;
    zsi_buf b = ZSI_BUF_INIT;
    char lo[40], hi[40];
    if (rows < 1)
        rows = 1;
    for (uint64_t r = 0; r < rows; r += 2) {
        b.len = 0;
        for (uint64_t c = 0; c < cols; c++) {
            uint64_t x = (2 * c + 1) * f->nx / (2 * cols);
            uint64_t yt = (2 * r + 1) * f->ny / (2 * rows);
            uint64_t yb = r + 1 < rows ? (2 * r + 3) * f->ny / (2 * rows)
                                       : yt;
            /* upper half block: the top cell in front, the bottom behind */
            zsi_buf_printf(&b, "\033[38;5;%dm\033[48;5;%dm\xe2\x96\x80",
                           cell_colour(p, f, yt, x), r + 1 < rows
                           ? cell_colour(p, f, yb, x) : 0);
        }
        if (!zsi_buf_append_str(&b, "\033[0m") || !zsi_buf_cstr(&b)) {
            zsi_buf_free(&b);
            return zsi_nomem(p->ctx);
        }
        fn(user, (char *)b.data);
    }
    zsi_buf_free(&b);
    tick_text(p->vmin, lo, sizeof lo);
    tick_text(p->vmax, hi, sizeof hi);
    {
        char line[512];
        snprintf(line, sizeof line, "%s: %s %s .. %s", f->title,
                 p->o.cmap->name, lo, hi);
        fn(user, line);
    }
    return ZS_OK;
}
