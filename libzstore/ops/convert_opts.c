/* convert_opts.c - options of a conversion. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ops/zsi_convert.h"

zs_status zs_convert_opts_new(zs_ctx *ctx, zs_convert_opts **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return zsi_nomem(ctx);
    (*out)->ctx = ctx;
    return ZS_OK;
}

void zsi_convert_opts_clear(struct zs_convert_opts *o)
{
    zsi_strv_free(&o->vars);
    zsi_strv_free(&o->exclude);
    free(o->output);
    memset(o, 0, sizeof *o);
}

void zs_convert_opts_free(zs_convert_opts *o)
{
    if (!o)
        return;
    zsi_convert_opts_clear(o);
    free(o);
}

zs_status zs_convert_opts_set_vars(zs_convert_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables to keep", list, &o->vars);
}

zs_status zs_convert_opts_set_exclude(zs_convert_opts *o, const char *list)
{
    return zsi_names_set(o->ctx, "variables to exclude", list,
                         &o->exclude);
}

zs_status zs_convert_opts_set_unpack(zs_convert_opts *o, int on)
{
    o->unpack = on != 0;
    return ZS_OK;
}

zs_status zs_convert_opts_set_overlap(zs_convert_opts *o, int policy)
{
    if (policy < ZS_OVERLAP_ERROR || policy > ZS_OVERLAP_LAST)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "overlap policy %d: want "
                       "error, first or last", policy);
    o->overlap = policy;
    return ZS_OK;
}

zs_status zs_convert_opts_set_resume(zs_convert_opts *o, int on)
{
    o->resume = on != 0;
    return ZS_OK;
}

zs_status zs_convert_opts_set_stage(zs_convert_opts *o, int stage)
{
    if (stage < ZS_CONVERT_WHOLE || stage > ZS_CONVERT_FINISH)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "stage %d: want whole, "
                       "prepare, part or finish", stage);
    if (stage == ZS_CONVERT_PART && !o->part_n)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "a part is chosen by its "
                       "number and the number of parts");
    o->stage = stage;
    return ZS_OK;
}

zs_status zs_convert_opts_set_part(zs_convert_opts *o, uint64_t k,
                                   uint64_t n)
{
    if (n < 1 || n > ZSI_MAX_PARTS)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "%llu parts: want 1 to %d",
                       (unsigned long long)n, ZSI_MAX_PARTS);
    if (k < 1 || k > n)
        return zsi_err(o->ctx, ZS_ERR_INVALID, "part %llu of %llu: parts "
                       "are numbered from 1 to %llu", (unsigned long long)k,
                       (unsigned long long)n, (unsigned long long)n);
    o->part_k = k;
    o->part_n = n;
    o->stage = ZS_CONVERT_PART;
    return ZS_OK;
}

zs_status zs_convert_opts_set_manifest(zs_convert_opts *o, int on)
{
    o->manifest = on != 0;
    return ZS_OK;
}

zs_status zs_convert_opts_set_append(zs_convert_opts *o, int on)
{
    o->append = on != 0;
    return ZS_OK;
}

zs_status zs_convert_opts_set_output(zs_convert_opts *o, const char *out)
{
    char *p = out ? zsi_strdup(out) : NULL;
    if (out && !p)
        return zsi_nomem(o->ctx);
    free(o->output);
    o->output = p;
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
    o.ctx = ctx;
    if (src) {
        o.unpack = src->unpack;
        o.overlap = src->overlap;
        o.resume = src->resume;
        o.append = src->append;
        o.manifest = src->manifest;
        o.stage = src->stage;
        o.part_k = src->part_k;
        o.part_n = src->part_n;
        if (!copy_strv(&o.vars, &src->vars) ||
            !copy_strv(&o.exclude, &src->exclude) ||
            (src->output && !(o.output = zsi_strdup(src->output)))) {
            zsi_convert_opts_clear(&o);
            return zsi_nomem(ctx);
        }
    }
    *dst = o;
    return ZS_OK;
}
