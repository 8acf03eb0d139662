/*
 * zsi_ops.h - shared pieces of the operations layer (conversion,
 * selection, reduction).
 */
#ifndef ZSI_OPS_H
#define ZSI_OPS_H

#include "dataset/zsi_cftime.h"
#include "dataset/zsi_dataset.h"
#include "dataset/zsi_writer.h"

/* CF decoding of packed or masked values: raw * scale + offset, with
 * _FillValue and missing_value (compared in the raw type) and _Unsigned
 * handled as xarray does. */
typedef struct zsi_cfdecode {
    double scale, offset;
    bool has_fill, is_unsigned, packed;
    double fill;
    double missing[8];
    size_t nmissing;
    zs_dtype dtype;        /* raw type */
} zsi_cfdecode;

void zsi_cfdecode_init(zsi_cfdecode *d, const zs_var *v);
/* Decoded value of raw element i (NaN when missing). */
double zsi_cfdecode_value(const zsi_cfdecode *d, const void *raw, size_t i);
/* Decoded values of raw elements 0..n-1 (the same, faster); raw and
 * out do not overlap. */
void zsi_cfdecode_row(const zsi_cfdecode *d, const void *restrict raw,
                      size_t n, double *restrict out);

/* Time coordinate helpers: the instants of a 1-D time variable. */
zs_status zsi_time_coord(zs_var *v, zs_time_units **units, zsi_usec **t,
                         uint64_t *n);

/* What a source read decodes whole (per dimension): the chunks of a
 * Zarr array (inner chunks of shards), the chunks of a NetCDF variable;
 * 1 for contiguous NetCDF storage, which reads any box without waste. */
void zsi_source_unit(const zs_var *v, uint64_t *src);

/* The least common multiple of a and b, at most len (a box that long
 * covers both to the end). */
uint64_t zsi_lcm_cap(uint64_t a, uint64_t b, uint64_t len);

/* Define in w the array of a variable written unchanged: its shape,
 * type, fill value, attributes and codecs; its chunks unless the
 * settings o name its dimensions. */
zs_status zsi_copy_define(zsi_writer *w, const zs_write_opts *o, zs_var *v,
                          zs_array **out);

/* The arrays of ds other than the n used ones will not be read: a stream
 * need not keep their chunks. */
zs_status zsi_skip_unused(zs_dataset *ds, zs_var *const *used, size_t n);

/* A result type an operation computes in (what names it: "result
 * type"): float32 or float64, or ZS_DT_NONE (the operation's default)
 * when none_ok. */
zs_status zsi_float_dtype(zs_ctx *ctx, const char *what, zs_dtype t,
                          bool none_ok);

/* The precision of a variable's values as xarray decodes them.  Packed
 * values: the type of scale_factor and add_offset when both have the
 * same float type (float64 for 32-bit integers), float64 when
 * add_offset is alone, the scale's type when it is; masked integers of
 * up to 16 bits: float32; floats keep float32 (float16 widens to it);
 * the rest float64.  Attributes read from Zarr JSON are float64, as in
 * xarray. */
zs_dtype zsi_decoded_dtype(const zs_var *v);

#endif
