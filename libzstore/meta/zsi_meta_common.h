/* zsi_meta_common.h - private to the metadata layer. */
#ifndef ZSI_META_COMMON_H
#define ZSI_META_COMMON_H

#include "meta/zsi_meta_json.h"

bool zsi_base64_encode(const uint8_t *p, size_t n, zsi_buf *out);
bool zsi_base64_decode(const char *s, zsi_buf *out);
zs_status zsi_fill_from_json(zs_ctx *ctx, const char *where,
                             const cJSON *v, zsi_array_meta *m);
zs_status zsi_shape_from_json(zs_ctx *ctx, const char *where,
                              const char *what, const cJSON *arr,
                              bool positive, uint64_t *out, int *ndim);
zs_status zsi_meta_check_sizes(zs_ctx *ctx, const char *where,
                               const zsi_array_meta *m);
zs_status zsi_dims_from_json(zs_ctx *ctx, const char *where,
                             const cJSON *names, zsi_array_meta *m);
/* zarr_format of a JSON object: 2, 3, or 0. */
int zsi_meta_doc_format_of(const cJSON *obj);
/* Entry key of a consolidated document, or its root when key is NULL. */
const cJSON *zsi_meta_doc_entry(const zsi_meta_doc *d, const char *key);
/* Write the fill value of m as a JSON value. */
bool zsi_json_fill(zsi_json *j, const zsi_array_meta *m);

#endif
