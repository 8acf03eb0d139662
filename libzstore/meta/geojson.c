/* geojson.c - the polygons of a GeoJSON document, and whether a point is
 * in them.  Nesting is bounded by the geometry types themselves
 * (FeatureCollection > Feature > GeometryCollection > MultiPolygon >
 * Polygon > ring > position), so nothing here recurses on the input.
 * Whether a point is inside is the caller's (ops/calc_coords.c). */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_geojson.h"

typedef struct reader {
    zs_ctx *ctx;
    const char *what;
    zsi_polygons *out;
} reader;

static zs_status bad(reader *r, const char *why)
{
    return zsi_err(r->ctx, ZS_ERR_FORMAT, "%s: GeoJSON: %s", r->what, why);
}

static zs_status read_ring(reader *r, const cJSON *a, zsi_ring *ring)
{
    int n = cJSON_GetArraySize(a), k = 0;
    const cJSON *pos;
    if (!cJSON_IsArray(a) || n < 4)
        return bad(r, "a ring needs at least four positions");
    if (!(ring->xy = malloc((size_t)n * 2 * sizeof *ring->xy)))
        return zsi_nomem(r->ctx);
    cJSON_ArrayForEach(pos, a) {
        const cJSON *x = cJSON_GetArrayItem(pos, 0);
        const cJSON *y = cJSON_GetArrayItem(pos, 1);
        if (!cJSON_IsArray(pos) || !cJSON_IsNumber(x) || !cJSON_IsNumber(y))
            return bad(r, "a position is not [longitude, latitude]");
        ring->xy[2 * k] = x->valuedouble;
        ring->xy[2 * k + 1] = y->valuedouble;
        k++;
    }
    ring->n = (size_t)n;
    return ZS_OK;
}

static zs_status read_polygon(reader *r, const cJSON *rings)
{
    zsi_polygon *g;
    int n = cJSON_GetArraySize(rings);
    const cJSON *a;
    zs_status st = ZS_OK;
    if (!cJSON_IsArray(rings) || n < 1)
        return bad(r, "a polygon without rings");
    g = realloc(r->out->p, (r->out->n + 1) * sizeof *g);
    if (!g)
        return zsi_nomem(r->ctx);
    r->out->p = g;
    g += r->out->n++;
    g->nrings = 0;
    if (!(g->rings = calloc((size_t)n, sizeof *g->rings)))
        return zsi_nomem(r->ctx);
    cJSON_ArrayForEach(a, rings) {
        if (st == ZS_OK)
            st = read_ring(r, a, &g->rings[g->nrings++]);
    }
    return st;
}

/* A geometry: Polygon and MultiPolygon are taken, the rest skipped. */
static zs_status read_geometry(reader *r, const cJSON *geo)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(geo, "type");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(geo, "coordinates");
    const cJSON *p;
    zs_status st = ZS_OK;
    if (!cJSON_IsString(type))
        return ZS_OK;
    if (!strcmp(type->valuestring, "Polygon"))
        return read_polygon(r, c);
    if (!strcmp(type->valuestring, "MultiPolygon")) {
        if (!cJSON_IsArray(c))
            return bad(r, "a MultiPolygon without coordinates");
        cJSON_ArrayForEach(p, c) {
            if (st == ZS_OK)
                st = read_polygon(r, p);
        }
    }
    return st;
}

static zs_status read_geometries(reader *r, const cJSON *geo)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(geo, "type");
    const cJSON *g;
    zs_status st = ZS_OK;
    if (cJSON_IsString(type) &&
        !strcmp(type->valuestring, "GeometryCollection")) {
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(geo,
                                                              "geometries")) {
            if (st == ZS_OK)
                st = read_geometry(r, g);
        }
        return st;
    }
    return read_geometry(r, geo);
}

static zs_status read_doc(reader *r, const cJSON *doc)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    const cJSON *f;
    zs_status st = ZS_OK;
    if (!cJSON_IsString(type))
        return bad(r, "no \"type\"");
    if (!strcmp(type->valuestring, "FeatureCollection")) {
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc,
                                                              "features")) {
            if (st == ZS_OK)
                st = read_geometries(
                    r, cJSON_GetObjectItemCaseSensitive(f, "geometry"));
        }
        return st;
    }
    if (!strcmp(type->valuestring, "Feature"))
        return read_geometries(r, cJSON_GetObjectItemCaseSensitive(doc,
                                                                  "geometry"));
    return read_geometries(r, doc);
}

zs_status zsi_geojson_polygons(zs_ctx *ctx, const char *what,
                               const char *text, size_t len,
                               zsi_polygons *out)
{
    reader r = {ctx, what, out};
    cJSON *doc = cJSON_ParseWithLength(text, len);
    zs_status st;
    memset(out, 0, sizeof *out);
    if (!doc)
        return bad(&r, "malformed JSON");
    st = read_doc(&r, doc);
    cJSON_Delete(doc);
    if (st == ZS_OK && out->n == 0)
        st = bad(&r, "no Polygon or MultiPolygon");
    if (st != ZS_OK)
        zsi_polygons_free(out);
    return st;
}

void zsi_polygons_free(zsi_polygons *p)
{
    for (size_t i = 0; p->p && i < p->n; i++) {
        for (size_t k = 0; k < p->p[i].nrings; k++)
            free(p->p[i].rings[k].xy);
        free(p->p[i].rings);
    }
    free(p->p);
    memset(p, 0, sizeof *p);
}
