/*
 * zsi_geojson.h - polygons of a GeoJSON document (RFC 7946): Polygon and
 * MultiPolygon geometries, alone, in a Feature, a FeatureCollection or a
 * GeometryCollection.  Parsed by the metadata layer, the only code that
 * includes cJSON.
 */
#ifndef ZSI_GEOJSON_H
#define ZSI_GEOJSON_H

#include "util/zsi_util.h"

/* A polygon: rings of (longitude, latitude) points, xy[2k], xy[2k+1];
 * ring 0 is the outer boundary, the others holes. */
typedef struct zsi_ring {
    double *xy;
    size_t n;
} zsi_ring;

typedef struct zsi_polygon {
    zsi_ring *rings;
    size_t nrings;
} zsi_polygon;

typedef struct zsi_polygons {
    zsi_polygon *p;
    size_t n;
} zsi_polygons;

/* Parse text (len bytes; what names it in messages, e.g. the file):
 * ZS_ERR_FORMAT for malformed JSON, a ring of fewer than 4 positions,
 * or no polygon at all. */
zs_status zsi_geojson_polygons(zs_ctx *ctx, const char *what,
                               const char *text, size_t len,
                               zsi_polygons *out);
void zsi_polygons_free(zsi_polygons *p);

#endif
