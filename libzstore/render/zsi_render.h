/*
 * zsi_render.h - drawing onto a raster and writing it as PNG.
 *
 * A layer of its own above util, used only by the plotting operation:
 * the only code that includes <cairo.h> (text through a real font
 * library: fontconfig finds DejaVu Sans, FreeType draws it) and <png.h>.
 * Keeping them here leaves the colour arithmetic in ops/plot_*.c free
 * of any third-party type, and no third-party header reaches zstore.h.
 * Pixels set with zsi_canvas_put() are exact: cairo touches only what
 * text and lines cover.
 */
#ifndef ZSI_RENDER_H
#define ZSI_RENDER_H

#include "util/zsi_util.h"

typedef struct zsi_canvas zsi_canvas;

/* A white canvas of w x h pixels (each at most 32768, 2^26 in all). */
zs_status zsi_canvas_new(zs_ctx *ctx, int w, int h, zsi_canvas **out);
void zsi_canvas_free(zsi_canvas *c);
/* Set one opaque pixel. */
void zsi_canvas_put(zsi_canvas *c, int x, int y, const uint8_t rgb[3]);
/* Text in DejaVu Sans of size px at (x, y) (the baseline; align -1 left,
 * 0 centre, 1 right of x); rotated a quarter turn counter-clockwise
 * when vertical (for a y-axis label, then centred on y); smaller when
 * wider than maxw (0: any width). */
void zsi_canvas_text(zsi_canvas *c, double x, double y, double px,
                     double maxw, int align, bool vertical,
                     const char *text);
/* A black line of width 1 between pixel centres. */
void zsi_canvas_line(zsi_canvas *c, double x0, double y0, double x1,
                     double y1);
/* Write an 8-bit RGB PNG to path ("-": standard output), through
 * path.partial renamed into place. */
zs_status zsi_canvas_png(zsi_canvas *c, zs_ctx *ctx, const char *path);

#endif
