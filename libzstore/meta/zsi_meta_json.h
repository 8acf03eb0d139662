/*
 * zsi_meta_json.h - private to the metadata layer: access to parsed
 * cJSON values with the integer/NaN tags of json.c resolved.
 */
#ifndef ZSI_META_JSON_H
#define ZSI_META_JSON_H

#include <cjson/cJSON.h>

#include "meta/zsi_meta.h"

const cJSON *zsi_doc_root(const zsi_meta_doc *d);
/* An integer literal of the source text. */
bool zsi_jv_is_int(const cJSON *v);
/* Any number: integer, float, NaN or infinity. */
bool zsi_jv_is_number(const cJSON *v);
/* A real string (not a tagged number). */
bool zsi_jv_is_text(const cJSON *v);
/* Integer value: 0 not an integer, 1 negative (in *i), 2 non-negative
 * fitting int64 (in *i and *u), 3 only fits uint64 (*u), -1 too large. */
int zsi_jv_int(const cJSON *v, int64_t *i, uint64_t *u);
/* Numeric value as double (integers rounded); false if not a number. */
bool zsi_jv_double(const cJSON *v, double *out);
/* Text of a real string, else NULL. */
const char *zsi_jv_text(const cJSON *v);
/* Write a parsed value through the writer (tags resolved). */
bool zsi_json_node(zsi_json *j, const cJSON *v);
/* A value as compact JSON for a message, cut to at most max bytes (at
 * least 4) ending in "..."; the caller frees it.  NULL without memory. */
char *zsi_jv_brief(const cJSON *v, size_t max);
/* Convert a JSON object's members into typed attributes; skip names in
 * the NULL-terminated list skip. */
zs_status zsi_attrs_from_json(zs_ctx *ctx, const char *where,
                              const cJSON *obj, const char *const *skip,
                              zs_attrs **out);
/* Convert a JSON object (codec configuration) into a zsi_kv, skipping
 * the key skip (e.g. "id"). */
zs_status zsi_kv_from_json(zs_ctx *ctx, const char *where, const cJSON *obj,
                           const char *skip, zsi_kv *out);

#endif
