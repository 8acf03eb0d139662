/* canvas.c - a raster drawn with cairo and written with libpng (see
 * zsi_render.h for why this is a layer of its own).  The surface is
 * cairo's RGB24 (one native-endian 32-bit word per pixel, 0x00RRGGBB),
 * so that exact pixels are written straight into its memory; text and
 * lines go through cairo, which is told when memory changed under it. */
#include "config.h"

#include <cairo.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/zsi_render.h"

/* 256 MiB of surface at most */
#define SIDE_MAX 32768
#define PIXELS_MAX ((uint64_t)1 << 26)

struct zsi_canvas {
    cairo_surface_t *s;
    cairo_t *cr;
    int w, h, stride;
    uint8_t *data;
    bool dirty;             /* pixels written since cairo last drew */
};

zs_status zsi_canvas_new(zs_ctx *ctx, int w, int h, zsi_canvas **out)
{
    zsi_canvas *c;
    if (w < 1 || h < 1 || w > SIDE_MAX || h > SIDE_MAX ||
        (uint64_t)w * (uint64_t)h > PIXELS_MAX)
        return zsi_err(ctx, ZS_ERR_RANGE, "an image of %d x %d pixels is "
                       "too large (at most %d a side and 2^26 in all): "
                       "draw it smaller", w, h, SIDE_MAX);
    if (!(c = calloc(1, sizeof *c)))
        return zsi_nomem(ctx);
    c->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    c->cr = cairo_create(c->s);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        zsi_canvas_free(c);
        return zsi_nomem(ctx);
    }
    c->w = w;
    c->h = h;
    c->stride = cairo_image_surface_get_stride(c->s);
    c->data = cairo_image_surface_get_data(c->s);
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    cairo_surface_flush(c->s);
    *out = c;
    return ZS_OK;
}

void zsi_canvas_free(zsi_canvas *c)
{
    if (!c)
        return;
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->s);
    free(c);
}

void zsi_canvas_put(zsi_canvas *c, int x, int y, const uint8_t rgb[3])
{
    uint32_t px = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    memcpy(c->data + (size_t)y * (size_t)c->stride + (size_t)x * 4, &px, 4);
    c->dirty = true;
}

static void before_cairo(zsi_canvas *c)
{
    if (c->dirty)
        cairo_surface_mark_dirty(c->s);
    c->dirty = false;
    cairo_set_source_rgb(c->cr, 0, 0, 0);
}

void zsi_canvas_text(zsi_canvas *c, double x, double y, double px,
                     double maxw, int align, bool vertical,
                     const char *text)
{
    cairo_text_extents_t e;
    before_cairo(c);
    cairo_select_font_face(c->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, px);
    cairo_text_extents(c->cr, text, &e);
    if (maxw > 0 && e.x_advance > maxw) {
        cairo_set_font_size(c->cr, px * maxw / e.x_advance);
        cairo_text_extents(c->cr, text, &e);
    }
    cairo_save(c->cr);
    cairo_translate(c->cr, x, y);
    if (vertical)
        cairo_rotate(c->cr, -1.5707963267948966);
    cairo_move_to(c->cr, align < 0 ? 0 : align == 0 ? -e.x_advance / 2
                                                    : -e.x_advance, 0);
    cairo_show_text(c->cr, text);
    cairo_restore(c->cr);
    cairo_surface_flush(c->s);
}

void zsi_canvas_line(zsi_canvas *c, double x0, double y0, double x1,
                     double y1)
{
    before_cairo(c);
    cairo_set_line_width(c->cr, 1);
    cairo_move_to(c->cr, x0 + 0.5, y0 + 0.5);
    cairo_line_to(c->cr, x1 + 0.5, y1 + 0.5);
    cairo_stroke(c->cr);
    cairo_surface_flush(c->s);
}

/* ---- PNG ------------------------------------------------------------- */

static void png_error_fn(png_structp png, png_const_charp msg)
{
    char *buf = png_get_error_ptr(png);
    snprintf(buf, 128, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* One row of RGB bytes from the surface. */
static void row_rgb(const zsi_canvas *c, int y, uint8_t *row)
{
    for (int x = 0; x < c->w; x++) {
        uint32_t px;
        memcpy(&px, c->data + (size_t)y * (size_t)c->stride +
                        (size_t)x * 4, 4);
        row[3 * x] = (uint8_t)(px >> 16);
        row[3 * x + 1] = (uint8_t)(px >> 8);
        row[3 * x + 2] = (uint8_t)px;
    }
}

/* Encode to f; false with msg set on failure. */
static bool encode(zsi_canvas *c, FILE *f, char *msg)
{
    png_structp png;
    png_infop info = NULL;
    uint8_t *volatile row = malloc((size_t)c->w * 3);
    bool ok = false;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, msg, png_error_fn,
                                  png_warn_fn);
    if (!row || !png || !(info = png_create_info_struct(png))) {
        snprintf(msg, 128, "out of memory");
        goto done;
    }
    if (setjmp(png_jmpbuf(png)))
        goto done;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    cairo_surface_flush(c->s);
    for (int y = 0; y < c->h; y++) {
        row_rgb(c, y, row);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    ok = true;
done:
    png_destroy_write_struct(&png, &info);
    free(row);
    return ok;
}

zs_status zsi_canvas_png(zsi_canvas *c, zs_ctx *ctx, const char *path)
{
    char msg[128] = "", *tmp;
    FILE *f;
    bool ok;
    if (!strcmp(path, "-")) {
        if (!encode(c, stdout, msg))
            return zsi_err(ctx, ZS_ERR_IO, "-: PNG: %s", msg);
        if (fflush(stdout) != 0)
            return zsi_errno(ctx, errno, "-");
        return ZS_OK;
    }
    if (!(tmp = zsi_asprintf("%s.partial", path)))
        return zsi_nomem(ctx);
    if (!(f = fopen(tmp, "wb"))) {
        zs_status st = zsi_errno(ctx, errno, "%s", path);
        free(tmp);
        return st;
    }
    ok = encode(c, f, msg);
    if (fclose(f) != 0 && ok) {
        ok = false;
        snprintf(msg, sizeof msg, "%s", strerror(errno));
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        snprintf(msg, sizeof msg, "%s", strerror(errno));
    }
    if (!ok)
        remove(tmp);
    free(tmp);
    return ok ? ZS_OK : zsi_err(ctx, ZS_ERR_IO, "%s: %s", path, msg);
}
