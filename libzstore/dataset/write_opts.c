/* write_opts.c - the output settings every writing operation takes
 * (zs_write_opts): format, chunks, shards, compressor, overwrite,
 * history.  Setters check their values and say why in the context. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_writer.h"

zs_status zs_write_opts_new(zs_ctx *ctx, zs_write_opts **out)
{
    zs_write_opts *w = calloc(1, sizeof *w);
    if (!w)
        return zsi_nomem(ctx);
    zsi_write_opts_init(w, ctx);
    *out = w;
    return ZS_OK;
}

void zs_write_opts_free(zs_write_opts *w)
{
    if (!w)
        return;
    zsi_write_opts_clear(w);
    free(w);
}

zs_status zs_write_opts_set_format(zs_write_opts *w, int zarr_format)
{
    if (zarr_format != 2 && zarr_format != 3)
        return zsi_err(w->ctx, ZS_ERR_INVALID, "Zarr format %d: want 2 or "
                       "3", zarr_format);
    w->format = zarr_format;
    return ZS_OK;
}

zs_status zs_write_opts_set_chunks(zs_write_opts *w, const char *spec)
{
    if (!spec) {
        zsi_dimspec_free(&w->chunks);
        return ZS_OK;
    }
    return zsi_dimspec_parse(w->ctx, "chunks", spec,
                             ZSI_DIMSPEC_AUTO_OK | ZSI_DIMSPEC_ALL_OK,
                             &w->chunks);
}

zs_status zs_write_opts_set_shards(zs_write_opts *w, const char *spec)
{
    if (!spec) {
        zsi_dimspec_free(&w->shards);
        return ZS_OK;
    }
    return zsi_dimspec_parse(w->ctx, "shards", spec, ZSI_DIMSPEC_ALL_OK,
                             &w->shards);
}

zs_status zs_write_opts_set_compressor(zs_write_opts *w, const char *spec)
{
    const char *id = NULL;
    zsi_kv kv = {NULL, 0};
    zs_status st;
    if (!spec) {   /* back to the default: the source's, or blosc */
        zs_write_opts d;
        zsi_write_opts_init(&d, w->ctx);
        zsi_kv_free(&w->compressor_cfg);
        w->compressor_cfg = d.compressor_cfg;
        w->compressor_id = d.compressor_id;
        w->compressor_set = false;
        return ZS_OK;
    }
    st = zsi_compressor_parse(w->ctx, spec, &id, &kv);
    if (st != ZS_OK)
        return st;
    zsi_kv_free(&w->compressor_cfg);
    w->compressor_cfg = kv;
    w->compressor_id = id;
    w->compressor_set = true;
    return ZS_OK;
}

zs_status zs_write_opts_set_overwrite(zs_write_opts *w, int on)
{
    w->overwrite = on != 0;
    return ZS_OK;
}

zs_status zs_write_opts_set_checksums(zs_write_opts *w, int on)
{
    w->checksums = on != 0;
    return ZS_OK;
}

zs_status zs_write_opts_set_history(zs_write_opts *w, const char *text)
{
    char *h = text ? zsi_strdup(text) : NULL;
    if (text && !h)
        return zsi_nomem(w->ctx);
    free(w->history);
    w->history = h;
    return ZS_OK;
}
