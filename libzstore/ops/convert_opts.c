/* convert_opts.c - options of a conversion. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ops/zsi_convert.h"

zs_status zs_convert_opts_new(zs_convert_opts **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? ZS_OK : ZS_ERR_NOMEM;
}

void zsi_convert_opts_clear(struct zs_convert_opts *o)
{
    zsi_strv_free(&o->chunk_dims);
    free(o->chunk_lens);
    free(o->compressor);
    zsi_strv_free(&o->vars);
    zsi_strv_free(&o->exclude);
    memset(o, 0, sizeof *o);
}

void zs_convert_opts_free(zs_convert_opts *o)
{
    if (!o)
        return;
    zsi_convert_opts_clear(o);
    free(o);
}

/* "time=24,latitude=-1,longitude=-1" */
zs_status zs_convert_opts_set_chunks(zs_convert_opts *o, const char *spec)
{
    zsi_strv items = {0}, names = {0};
    int64_t *lens = NULL;
    if (!spec || !zsi_strv_split(&items, spec, ','))
        return ZS_ERR_NOMEM;
    lens = calloc(items.n ? items.n : 1, sizeof *lens);
    if (!lens)
        goto nomem;
    for (size_t i = 0; i < items.n; i++) {
        char *eq = strchr(items.v[i], '=');
        if (!eq || eq == items.v[i] || !zsi_parse_i64(eq + 1, &lens[i]) ||
            (lens[i] < 1 && lens[i] != -1))
            goto bad;
        *eq = 0;
        if (zsi_strv_contains(&names, items.v[i]))
            goto bad;
        if (!zsi_strv_push(&names, items.v[i]))
            goto nomem;
    }
    zsi_strv_free(&o->chunk_dims);
    free(o->chunk_lens);
    o->chunk_dims = names;
    o->chunk_lens = lens;
    zsi_strv_free(&items);
    return ZS_OK;
bad:
    zsi_strv_free(&items);
    zsi_strv_free(&names);
    free(lens);
    return ZS_ERR_INVALID;
nomem:
    zsi_strv_free(&items);
    zsi_strv_free(&names);
    free(lens);
    return ZS_ERR_NOMEM;
}

zs_status zs_convert_opts_set_compressor(zs_convert_opts *o,
                                         const char *spec)
{
    const char *id;
    zsi_kv kv = {NULL, 0};
    zs_status st = zsi_compressor_parse(NULL, spec, &id, &kv);
    zsi_kv_free(&kv);
    if (st != ZS_OK)
        return st;
    free(o->compressor);
    o->compressor = zsi_strdup(spec);
    return o->compressor ? ZS_OK : ZS_ERR_NOMEM;
}

static zs_status set_list(zsi_strv *v, const char *list)
{
    zsi_strv_free(v);
    if (!list)
        return ZS_OK;
    return zsi_strv_split(v, list, ',') ? ZS_OK : ZS_ERR_NOMEM;
}

zs_status zs_convert_opts_set_vars(zs_convert_opts *o, const char *list)
{
    return set_list(&o->vars, list);
}

zs_status zs_convert_opts_set_exclude(zs_convert_opts *o, const char *list)
{
    return set_list(&o->exclude, list);
}

zs_status zs_convert_opts_set_unpack(zs_convert_opts *o, int on)
{
    o->unpack = on != 0;
    return ZS_OK;
}

zs_status zs_convert_opts_set_overlap(zs_convert_opts *o, int policy)
{
    if (policy < ZS_OVERLAP_ERROR || policy > ZS_OVERLAP_LAST)
        return ZS_ERR_INVALID;
    o->overlap = policy;
    return ZS_OK;
}

zs_status zs_convert_opts_set_overwrite(zs_convert_opts *o, int on)
{
    o->overwrite = on != 0;
    return ZS_OK;
}

static bool copy_strv(zsi_strv *d, const zsi_strv *s)
{
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < s->n; i++)
        if (!zsi_strv_push(d, s->v[i]))
            return false;
    return true;
}

zs_status zsi_convert_opts_copy(zs_ctx *ctx, const zs_convert_opts *src,
                                struct zs_convert_opts *dst)
{
    struct zs_convert_opts o;
    memset(&o, 0, sizeof o);
    if (src) {
        o.unpack = src->unpack;
        o.overlap = src->overlap;
        o.overwrite = src->overwrite;
        if (!copy_strv(&o.chunk_dims, &src->chunk_dims) ||
            !copy_strv(&o.vars, &src->vars) ||
            !copy_strv(&o.exclude, &src->exclude))
            goto nomem;
        if (src->chunk_dims.n) {
            o.chunk_lens = malloc(src->chunk_dims.n * sizeof *o.chunk_lens);
            if (!o.chunk_lens)
                goto nomem;
            memcpy(o.chunk_lens, src->chunk_lens,
                   src->chunk_dims.n * sizeof *o.chunk_lens);
        }
        if (src->compressor && !(o.compressor = zsi_strdup(src->compressor)))
            goto nomem;
    }
    *dst = o;
    return ZS_OK;
nomem:
    zsi_convert_opts_clear(&o);
    return zsi_nomem(ctx);
}
