/*
 * zsi_parquet.h - writing Apache Parquet files (table/parquet.c).
 *
 * A file is a flat table of named, nullable columns.  Values are added
 * column by column for one row group at a time; zsi_pq_end_group()
 * writes the group (so memory holds one row group, never the table) and
 * zsi_pq_close() writes the footer.  The put functions never fail: a
 * lack of memory is remembered and reported by the next end or close.
 */
#ifndef ZSI_PARQUET_H
#define ZSI_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/zsi_util.h"

typedef enum zsi_pq_type {
    ZSI_PQ_INT32,
    ZSI_PQ_INT64,
    ZSI_PQ_FLOAT,
    ZSI_PQ_DOUBLE,
    ZSI_PQ_STRING,      /* BYTE_ARRAY, UTF8 */
    ZSI_PQ_TIMESTAMP    /* INT64 microseconds since 1970-01-01, naive */
} zsi_pq_type;

typedef struct zsi_pq_col {
    const char *name;
    zsi_pq_type type;
} zsi_pq_col;

typedef struct zsi_pq zsi_pq;

/* Create the file path (replacing one that exists) for these columns
 * (names and types are copied). */
zs_status zsi_pq_open(zs_ctx *ctx, const char *path, const zsi_pq_col *cols,
                      size_t ncols, zsi_pq **out);
/* Append one value to column c of the current row group; the put must
 * match the column's type (TIMESTAMP takes zsi_pq_put_i64). */
void zsi_pq_put_null(zsi_pq *w, size_t c);
void zsi_pq_put_i32(zsi_pq *w, size_t c, int32_t v);
void zsi_pq_put_i64(zsi_pq *w, size_t c, int64_t v);
void zsi_pq_put_float(zsi_pq *w, size_t c, float v);
void zsi_pq_put_double(zsi_pq *w, size_t c, double v);
void zsi_pq_put_str(zsi_pq *w, size_t c, const char *s, size_t n);
/* n values into a FLOAT or DOUBLE column, each NaN as a null. */
void zsi_pq_put_reals(zsi_pq *w, size_t c, const double *v, size_t n);
/* Append n more copies of the last span values (and nulls) put to
 * column c in the current row group: a coordinate repeated over the
 * rows of a line costs one put, a line that repeats the one before a
 * copy.  More than were put is an error of the next end or close. */
void zsi_pq_put_again(zsi_pq *w, size_t c, size_t span, size_t n);
/* Write the current row group (every column must have the same number
 * of values; an empty group writes nothing). */
zs_status zsi_pq_end_group(zsi_pq *w);
/* Write the last group and the footer, close and free. */
zs_status zsi_pq_close(zsi_pq *w);
/* Close, remove the file and free (w may be NULL). */
void zsi_pq_discard(zsi_pq *w);

#endif
