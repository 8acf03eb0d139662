/*
 * zsi_meta.h - metadata layer: Zarr v2 and v3 JSON documents.  The only
 * code that includes <cjson/cJSON.h>.  Includes util and codec.
 *
 * Reading uses cJSON after a pass that turns every integer literal into a
 * tagged string, so that integers keep all their digits (cJSON stores
 * numbers as doubles) and stay integers, while "1.0" stays a float.
 * Writing uses our own writer: doubles are printed in their shortest
 * exact form and text is always valid UTF-8 JSON.
 */
#ifndef ZSI_META_H
#define ZSI_META_H

#include "codec/zsi_codec.h"
#include "util/zsi_util.h"

/* Largest decoded chunk we accept from metadata (blosc 1.x limit too). */
#define ZSI_MAX_CHUNK_BYTES ((uint64_t)INT32_MAX - 64)

typedef struct zsi_codec_spec {
    char *id;
    zsi_kv cfg;
} zsi_codec_spec;

typedef struct zsi_array_meta {
    int zarr_format;                /* 2 or 3 */
    int ndim;
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];   /* v3: the regular chunk grid */
    zs_dtype dtype;
    size_t itemsize;                /* stored bytes per element */
    bool big_endian;                /* v2 byte order of the elements */
    char order;                     /* 'C' or 'F' */
    char sep;                       /* chunk key separator '.' or '/' */
    bool v3_default_keys;           /* v3 "default" keys: "c/0/0" */
    bool has_fill;
    uint8_t *fill;                  /* itemsize bytes, native order; for
                                       ZS_DT_STRING a NUL-terminated text */
    size_t nfilters;
    zsi_codec_spec *filters;        /* v2 filters */
    zsi_codec_spec *compressor;     /* v2 compressor, NULL for none */
    size_t ncodecs;
    zsi_codec_spec *codecs;         /* v3 codecs */
    char **dim_names;               /* ndim names or NULL */
    zs_attrs *attrs;                /* user attributes */
} zsi_array_meta;

void zsi_array_meta_init(zsi_array_meta *m);
void zsi_array_meta_free(zsi_array_meta *m);
zs_status zsi_array_meta_copy(zs_ctx *ctx, const zsi_array_meta *src,
                              zsi_array_meta *dst);
/* Set the fill value from itemsize bytes (NULL: null fill). */
bool zsi_array_meta_set_fill(zsi_array_meta *m, const void *item);
bool zsi_array_meta_set_dims(zsi_array_meta *m, const char *const *names);
bool zsi_codec_spec_set(zsi_codec_spec *s, const char *id, const zsi_kv *c);
void zsi_codec_spec_free(zsi_codec_spec *s);

/* ---- documents ------------------------------------------------------ */

/* A parsed JSON document (one metadata file or a consolidated one). */
typedef struct zsi_meta_doc zsi_meta_doc;

/* Parse JSON text; where names the source in messages. */
zs_status zsi_meta_doc_parse(zs_ctx *ctx, const char *where,
                             const char *text, size_t len,
                             zsi_meta_doc **out);
void zsi_meta_doc_free(zsi_meta_doc *d);

/* Consolidated metadata (.zmetadata, or the "consolidated_metadata" of a
 * v3 root): the keys it holds, such as "t2m/.zarray" (v2) or "t2m" (v3),
 * sorted. */
zs_status zsi_meta_doc_consolidated_keys(zs_ctx *ctx, const zsi_meta_doc *d,
                                         const char *where, zsi_strv *keys);
/* 1 if the consolidated document has the key. */
int zsi_meta_doc_has(const zsi_meta_doc *d, const char *key);

/* v2: parse an array from ".zarray" (and ".zattrs") taken either from a
 * consolidated document (doc, with keys "PATH/.zarray") or from separate
 * documents (zarray, zattrs may be NULL). */
zs_status zsi_meta_v2_array(zs_ctx *ctx, const char *where,
                            const zsi_meta_doc *zarray,
                            const zsi_meta_doc *zattrs, zsi_array_meta *m);
zs_status zsi_meta_v2_array_from(zs_ctx *ctx, const zsi_meta_doc *cons,
                                 const char *path, zsi_array_meta *m);
/* Attributes of an object (a ".zattrs" document, or the entry "KEY" of a
 * consolidated document when key is not NULL). */
zs_status zsi_meta_attrs(zs_ctx *ctx, const char *where,
                         const zsi_meta_doc *d, const char *key,
                         zs_attrs **out);
/* Check a ".zgroup" document (zarr_format 2). */
zs_status zsi_meta_v2_group_ok(zs_ctx *ctx, const char *where,
                               const zsi_meta_doc *d, const char *key);

/* v3: a "zarr.json" document (or consolidated entry key) is a group or
 * an array. */
enum { ZSI_NODE_NONE = 0, ZSI_NODE_GROUP = 1, ZSI_NODE_ARRAY = 2 };
zs_status zsi_meta_v3_node(zs_ctx *ctx, const char *where,
                           const zsi_meta_doc *d, const char *key,
                           int *kind);
zs_status zsi_meta_v3_array(zs_ctx *ctx, const char *where,
                            const zsi_meta_doc *d, const char *key,
                            zsi_array_meta *m);
/* Attributes of a v3 node. */
zs_status zsi_meta_v3_group_attrs(zs_ctx *ctx, const char *where,
                                  const zsi_meta_doc *d, const char *key,
                                  zs_attrs **out);
/* 1 if a v3 root document carries inline consolidated metadata. */
int zsi_meta_doc_has_consolidated(const zsi_meta_doc *d);
/* Parse a v3 codec list given as JSON text (the "codecs" of a sharding
 * configuration).  *out holds *n specs; free each and the array. */
zs_status zsi_meta_v3_codecs(zs_ctx *ctx, const char *where,
                             const char *json, zsi_codec_spec **out,
                             size_t *n);
/* zarr_format of a document: 2, 3 or 0 when absent. */
int zsi_meta_doc_format(const zsi_meta_doc *d);

/* ---- writing --------------------------------------------------------- */

/* JSON texts, appended to out, pretty-printed with 4-space indents
 * starting at indent level lvl (for embedding in .zmetadata). */
zs_status zsi_meta_v2_format_array(zs_ctx *ctx, const zsi_array_meta *m,
                                   int lvl, zsi_buf *out);
/* .zattrs: _ARRAY_DIMENSIONS (if dims) followed by the attributes. */
zs_status zsi_meta_format_attrs(zs_ctx *ctx, const zs_attrs *a,
                                const char *const *dims, int ndims,
                                int lvl, zsi_buf *out);
zs_status zsi_meta_v2_format_group(zs_ctx *ctx, int lvl, zsi_buf *out);

/* Consolidated metadata builder: add (key, JSON text) pairs in any order;
 * format writes {"metadata": {...sorted...}, "zarr_consolidated_format":1}.
 */
typedef struct zsi_meta_cons {
    zsi_strv keys;
    zsi_strv texts;
} zsi_meta_cons;
void zsi_meta_cons_free(zsi_meta_cons *c);
zs_status zsi_meta_cons_add(zs_ctx *ctx, zsi_meta_cons *c, const char *key,
                            const char *json);
zs_status zsi_meta_cons_format(zs_ctx *ctx, const zsi_meta_cons *c,
                               zsi_buf *out);
/* Only the sorted {"KEY": {...}} object (v3 inline consolidation). */
zs_status zsi_meta_cons_format_entries(zs_ctx *ctx, const zsi_meta_cons *c,
                                       zsi_buf *out);

/* v3: an array's zarr.json (m->codecs as they are written: array->array,
 * one array->bytes, bytes->bytes, or one sharding_indexed); a group's,
 * with cons (NULL: none) as its inline consolidated metadata; a codec
 * list as compact JSON (the codecs of a sharding configuration). */
zs_status zsi_meta_v3_format_array(zs_ctx *ctx, const zsi_array_meta *m,
                                   int lvl, zsi_buf *out);
zs_status zsi_meta_v3_format_group(zs_ctx *ctx, const zs_attrs *attrs,
                                   const zsi_meta_cons *cons, int lvl,
                                   zsi_buf *out);
zs_status zsi_meta_v3_format_codecs(zs_ctx *ctx, const zsi_codec_spec *c,
                                    size_t n, zsi_buf *out);
/* The CF missing value of a v3 array lives in its attributes, spelled as
 * xarray spells it ("_FillValue": floats as the base64 text of the
 * little-endian double).  Set it in a; false on no memory. */
bool zsi_meta_v3_fill_attr(zs_attrs *a, zs_dtype t, size_t itemsize,
                           const void *fill);
/* Read it back into item (itemsize bytes of type t): 1 found, 0 absent,
 * -1 present but unusable. */
int zsi_meta_v3_fill_from_attr(const zs_attrs *a, zs_dtype t,
                               size_t itemsize, void *item);

/* ---- JSON writer (also used by tools' --json output via zs_ API) ---- */

typedef struct zsi_json {
    zsi_buf *out;
    int depth;
    int base;            /* extra indent levels */
    bool pretty;
    bool first[64];      /* per depth: no element written yet */
    bool after_key;
} zsi_json;

void zsi_json_init(zsi_json *j, zsi_buf *out, bool pretty, int base);
bool zsi_json_obj_begin(zsi_json *j);
bool zsi_json_obj_end(zsi_json *j);
bool zsi_json_arr_begin(zsi_json *j);
bool zsi_json_arr_end(zsi_json *j);
bool zsi_json_key(zsi_json *j, const char *k);
bool zsi_json_str(zsi_json *j, const char *s);
bool zsi_json_strn(zsi_json *j, const char *s, size_t n);
bool zsi_json_i64(zsi_json *j, int64_t v);
bool zsi_json_u64(zsi_json *j, uint64_t v);
/* Floats as numbers; NaN and infinities as the strings "NaN",
 * "Infinity", "-Infinity". */
bool zsi_json_f64(zsi_json *j, double v);
bool zsi_json_f32(zsi_json *j, float v);
bool zsi_json_bool(zsi_json *j, bool v);
bool zsi_json_null(zsi_json *j);
/* Insert already-valid JSON text as a value (re-indented if pretty). */
bool zsi_json_raw(zsi_json *j, const char *json);
/* Write one attribute value (scalar when it has one element). */
bool zsi_json_attr_value(zsi_json *j, const zs_attrs *a, size_t i);
/* Write a codec configuration as an object with "id" first. */
bool zsi_json_kv(zsi_json *j, const char *id, const zsi_kv *kv);

#endif /* ZSI_META_H */
