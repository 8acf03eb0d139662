/* parquet.c - Apache Parquet files, written (apache/parquet-format).
 *
 * The subset written: a flat schema (a root and one leaf per column,
 * every leaf OPTIONAL); physical types INT32, INT64, FLOAT, DOUBLE and
 * BYTE_ARRAY (logical STRING, converted UTF8); timestamps as INT64 with
 * logical type TIMESTAMP(isAdjustedToUTC = false, MICROS) and converted
 * type TIMESTAMP_MICROS.  Each row group holds one column chunk per
 * column and each chunk one data page (v1) whose body is compressed with
 * zstd: the definition levels (max level 1, RLE / bit-packed hybrid with
 * its 4-byte length) then the non-null values in PLAIN encoding or, for
 * numeric chunks of at most DICT_MAX distinct values (decoded packed
 * int16 data, times, coordinates) when that is smaller, RLE_DICTIONARY:
 * a dictionary page (PLAIN) before the data page, whose values are the
 * indices after a byte giving their width, as the hybrid (runs of 8 or
 * more equal indices as RLE runs, the rest bit-packed).  Chunk
 * statistics: null_count, min_value and max_value (strings only when at
 * most STAT_MAX bytes; floats without NaN, a zero minimum as -0 and a
 * zero maximum as +0, as the format asks), with a TypeDefinedOrder per
 * column in the footer.  No page index, no bloom filters, no encryption.
 * The metadata is Thrift's compact protocol.
 *
 * Write model: the writer buffers the current row group (PLAIN values,
 * one byte per row for the definition level, and while a dictionary
 * still pays its entries and one 4-byte index per value) and keeps, for
 * the footer, one small record per column chunk.  Sizes are checked
 * against the format's 32-bit page fields before a page is written.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "table/zsi_parquet.h"

#define ZSTD_LEVEL 1
#define STAT_MAX 64          /* longest string kept as a min or max */
#define DICT_MAX 65536       /* most entries of a column chunk's dictionary */

/* Parquet enums (parquet.thrift). */
enum { PT_INT32 = 1, PT_INT64 = 2, PT_FLOAT = 4, PT_DOUBLE = 5,
       PT_BYTE_ARRAY = 6 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { CT_UTF8 = 0, CT_TIMESTAMP_MICROS = 10 };
enum { CODEC_ZSTD = 6, REP_OPTIONAL = 1, PAGE_DATA = 0, PAGE_DICT = 2 };

/* Thrift compact types. */
enum { TT_TRUE = 1, TT_FALSE = 2, TT_I16 = 4, TT_I32 = 5, TT_I64 = 6,
       TT_BINARY = 8, TT_LIST = 9, TT_STRUCT = 12 };

/* ---- Thrift compact protocol --------------------------------------- */

#define TC_DEPTH 8

typedef struct tc {
    zsi_buf *b;
    int last[TC_DEPTH];       /* last field id per open struct */
    int depth;
    bool ok;
} tc;

static void tc_init(tc *t, zsi_buf *b)
{
    memset(t, 0, sizeof *t);
    t->b = b;
    t->ok = true;
}

static void tc_raw(tc *t, const void *p, size_t n)
{
    t->ok = t->ok && zsi_buf_append(t->b, p, n);
}

static void tc_byte(tc *t, unsigned v)
{
    uint8_t c = (uint8_t)v;
    tc_raw(t, &c, 1);
}

static void tc_varint(tc *t, uint64_t v)
{
    uint8_t x[10];
    size_t n = 0;
    do {
        x[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            x[n] |= 0x80;
        n++;
    } while (v);
    tc_raw(t, x, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void tc_field(tc *t, int id, int type)
{
    int delta = id - t->last[t->depth];
    if (delta > 0 && delta <= 15) {
        tc_byte(t, (unsigned)(delta << 4 | type));
    } else {
        tc_byte(t, (unsigned)type);
        tc_varint(t, zigzag(id));
    }
    t->last[t->depth] = id;
}

static void tc_i32(tc *t, int id, int64_t v)
{
    tc_field(t, id, TT_I32);
    tc_varint(t, zigzag(v));
}

static void tc_i64(tc *t, int id, int64_t v)
{
    tc_field(t, id, TT_I64);
    tc_varint(t, zigzag(v));
}

static void tc_bool(tc *t, int id, bool v)
{
    tc_field(t, id, v ? TT_TRUE : TT_FALSE);
}

static void tc_bin(tc *t, int id, const void *p, size_t n)
{
    tc_field(t, id, TT_BINARY);
    tc_varint(t, n);
    tc_raw(t, p, n);
}

static void tc_str(tc *t, int id, const char *s)
{
    tc_bin(t, id, s, strlen(s));
}

/* Open a struct: as field id (id > 0) or as a list element (id 0). */
static void tc_begin(tc *t, int id)
{
    if (id)
        tc_field(t, id, TT_STRUCT);
    if (t->depth + 1 >= TC_DEPTH) {
        t->ok = false;
        return;
    }
    t->last[++t->depth] = 0;
}

static void tc_end(tc *t)
{
    tc_byte(t, 0);
    if (t->depth > 0)
        t->depth--;
}

static void tc_list(tc *t, int id, int elem, size_t n)
{
    tc_field(t, id, TT_LIST);
    if (n < 15) {
        tc_byte(t, (unsigned)(n << 4 | (size_t)elem));
    } else {
        tc_byte(t, 0xf0u | (unsigned)elem);
        tc_varint(t, n);
    }
}

/* ---- the writer ----------------------------------------------------- */

typedef union pq_val {
    int32_t i32;
    int64_t i64;
    float f;
    double d;
} pq_val;

/* A column's statistics, as PLAIN bytes of the min and max. */
typedef struct pq_stats {
    uint64_t nulls;
    bool has;                 /* min and max known */
    uint8_t min[STAT_MAX], max[STAT_MAX];
    size_t minlen, maxlen;
} pq_stats;

/* What the footer needs of a written column chunk. */
typedef struct pq_chunk {
    uint64_t offset, ucsize, csize, nvals;
    uint64_t data_offset;     /* the data page (after the dictionary) */
    bool dict;                /* a dictionary page at offset */
    pq_stats st;
} pq_chunk;

/* The dictionary of a numeric column chunk: distinct values (their bit
 * patterns) in order of arrival, an open-addressing table of them, the
 * index of every value put, and the last value put (coordinates and
 * times repeat each value over many rows in a row). */
typedef struct pq_dict {
    bool off;                 /* over DICT_MAX entries: PLAIN */
    uint64_t *bits;
    uint32_t n;
    uint32_t *slot;           /* 3 words a slot: the low and high words
                               * of a value's bits, its index plus one
                               * (0: empty), read as one in a look-up */
    uint32_t nslot;           /* a power of two, or 0 */
    uint64_t last_bits;       /* the last value put, when n > 0 */
    uint32_t last;            /* and its index */
    zsi_buf idx;              /* uint32 per value */
} pq_dict;

typedef struct pq_column {
    char *name;
    zsi_pq_type type;
    zsi_buf vals;             /* PLAIN values of the current group */
    zsi_buf defs;             /* one byte per row: 1 value, 0 null */
    pq_val lo, hi;            /* numeric min and max so far */
    zsi_buf slo, shi;         /* string min and max so far */
    pq_stats st;
    pq_dict dict;
    zsi_buf soffs;            /* text: where each value starts in vals */
    bool nomem;               /* a put ran out of memory */
    bool misuse;              /* a repeat of more values than were put */
    /* the group's chunk, encoded on a thread of its own: its pages
     * (offsets from the chunk's start in chunk) */
    zsi_buf page, zpage, hdr, out;
    pq_chunk chunk;
} pq_column;

typedef struct pq_group {
    uint64_t rows, offset, ucsize, csize;
    pq_chunk *chunks;
} pq_group;

struct zsi_pq {
    zs_ctx *ctx;
    char *path;
    FILE *f;
    uint64_t pos;             /* bytes written */
    pq_column *cols;
    size_t ncols;
    pq_group *groups;
    size_t ngroups;
    uint64_t rows;
};

static int phys_type(zsi_pq_type t)
{
    switch (t) {
    case ZSI_PQ_INT32: return PT_INT32;
    case ZSI_PQ_FLOAT: return PT_FLOAT;
    case ZSI_PQ_DOUBLE: return PT_DOUBLE;
    case ZSI_PQ_STRING: return PT_BYTE_ARRAY;
    default: return PT_INT64;
    }
}

static zs_status put_bytes(zsi_pq *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        return zsi_errno(w->ctx, errno, "%s: cannot write", w->path);
    w->pos += n;
    return ZS_OK;
}

zs_status zsi_pq_open(zs_ctx *ctx, const char *path, const zsi_pq_col *cols,
                      size_t ncols, zsi_pq **out)
{
    zsi_pq *w = calloc(1, sizeof *w);
    zs_status st;
    *out = NULL;
    if (!w || !(w->path = zsi_strdup(path)) ||
        !(w->cols = calloc(ncols ? ncols : 1, sizeof *w->cols))) {
        zsi_pq_discard(w);
        return zsi_nomem(ctx);
    }
    w->ctx = ctx;
    for (size_t i = 0; i < ncols; i++, w->ncols++) {
        w->cols[i].type = cols[i].type;
        if (!(w->cols[i].name = zsi_strdup(cols[i].name))) {
            zsi_pq_discard(w);
            return zsi_nomem(ctx);
        }
    }
    if (!(w->f = fopen(path, "wb"))) {
        st = zsi_errno(ctx, errno, "%s: cannot create", path);
        zsi_pq_discard(w);
        return st;
    }
    st = put_bytes(w, "PAR1", 4);
    if (st != ZS_OK) {
        zsi_pq_discard(w);
        return st;
    }
    *out = w;
    return ZS_OK;
}

static void le_bits(uint64_t bits, int n, uint8_t *out)
{
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(bits >> (8 * i));
}

static void le_float(float v, uint8_t *out)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    le_bits(u, 4, out);
}

static void le_double(double v, uint8_t *out)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    le_bits(u, 8, out);
}

static size_t value_size(const pq_column *c)
{
    return c->type == ZSI_PQ_INT32 || c->type == ZSI_PQ_FLOAT ? 4 : 8;
}

static void put_def(pq_column *c, bool defined)
{
    uint8_t d = defined;
    if (!zsi_buf_append(&c->defs, &d, 1))
        c->nomem = true;
    if (!defined)
        c->st.nulls++;
}

void zsi_pq_put_null(zsi_pq *w, size_t c)
{
    put_def(&w->cols[c], false);
}

static void put_val(pq_column *c, const void *p, size_t n)
{
    put_def(c, true);
    if (!zsi_buf_append(&c->vals, p, n))
        c->nomem = true;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

static void dict_drop(pq_dict *d)
{
    free(d->bits);
    free(d->slot);
    zsi_buf_free(&d->idx);
    memset(d, 0, sizeof *d);
}

/* Double the table (keeping it under half full); false: no memory. */
static bool dict_grow(pq_dict *d)
{
    uint32_t n = d->nslot ? d->nslot * 2 : 1024;
    uint32_t *slot = calloc((size_t)n * 3, sizeof *slot);
    uint64_t *bits = realloc(d->bits, (size_t)(n / 2) * sizeof *bits);
    if (!slot || !bits) {
        free(slot);
        if (bits)
            d->bits = bits;
        return false;
    }
    d->bits = bits;
    for (uint32_t i = 0; i < d->n; i++) {
        uint32_t h = (uint32_t)mix(bits[i]) & (n - 1);
        while (slot[3 * h + 2])
            h = (h + 1) & (n - 1);
        slot[3 * h] = (uint32_t)bits[i];
        slot[3 * h + 1] = (uint32_t)(bits[i] >> 32);
        slot[3 * h + 2] = i + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->nslot = n;
    return true;
}

/* Record value bits in the dictionary of c (unless it gave up). */
static void dict_put(pq_column *c, uint64_t bits)
{
    pq_dict *d = &c->dict;
    uint32_t lo = (uint32_t)bits, hi = (uint32_t)(bits >> 32), h, i;
    uint32_t *e;
    if (d->off)
        return;
    if (d->n && bits == d->last_bits) {
        i = d->last;
    } else {
        if (2 * (d->n + 1) > d->nslot && !dict_grow(d)) {
            c->nomem = true;
            return;
        }
        h = (uint32_t)mix(bits) & (d->nslot - 1);
        while ((e = d->slot + 3 * (size_t)h)[2] && (e[0] != lo || e[1] != hi))
            h = (h + 1) & (d->nslot - 1);
        if (!e[2]) {
            if (d->n == DICT_MAX) {
                dict_drop(d);
                d->off = true;
                return;
            }
            d->bits[d->n] = bits;
            e[0] = lo;
            e[1] = hi;
            e[2] = ++d->n;
        }
        i = e[2] - 1;
        d->last_bits = bits;
        d->last = i;
    }
    if (!zsi_buf_append(&d->idx, &i, sizeof i))
        c->nomem = true;
}

/* a < b for values of type t (no NaN here). */
static bool val_less(zsi_pq_type t, const pq_val *a, const pq_val *b)
{
    switch (t) {
    case ZSI_PQ_INT32: return a->i32 < b->i32;
    case ZSI_PQ_FLOAT: return a->f < b->f;
    case ZSI_PQ_DOUBLE: return a->d < b->d;
    default: return a->i64 < b->i64;
    }
}

/* Append value v, whose bit pattern is bits (n bytes, little-endian
 * in the file), and widen the column's min and max (NaN takes no part
 * in them). */
static void put_num(zsi_pq *w, size_t c, uint64_t bits, size_t n, pq_val v,
                    bool nan)
{
    pq_column *col = &w->cols[c];
    uint8_t le[8];
    if (n == 4)   /* constant widths: the bytes stored as one word */
        le_bits(bits, 4, le);
    else
        le_bits(bits, 8, le);
    put_val(col, le, n);
    dict_put(col, bits);
    if (nan)
        return;
    if (!col->st.has || val_less(col->type, &v, &col->lo))
        col->lo = v;
    if (!col->st.has || val_less(col->type, &col->hi, &v))
        col->hi = v;
    col->st.has = true;
}

void zsi_pq_put_i32(zsi_pq *w, size_t c, int32_t v)
{
    put_num(w, c, (uint32_t)v, 4, (pq_val){.i32 = v}, false);
}

void zsi_pq_put_i64(zsi_pq *w, size_t c, int64_t v)
{
    put_num(w, c, (uint64_t)v, 8, (pq_val){.i64 = v}, false);
}

void zsi_pq_put_float(zsi_pq *w, size_t c, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    put_num(w, c, u, 4, (pq_val){.f = v}, isnan(v));
}

void zsi_pq_put_double(zsi_pq *w, size_t c, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_num(w, c, u, 8, (pq_val){.d = v}, isnan(v));
}

/* Where value v of a real column will be looked up in its dictionary
 * (a table that has grown large lies outside the nearer caches: the
 * slot is fetched ahead). */
static void dict_prefetch(const pq_column *c, double v)
{
#if defined(__GNUC__)
    const pq_dict *d = &c->dict;
    uint64_t bits;
    if (d->nslot < 4096 || d->off)
        return;
    if (c->type == ZSI_PQ_FLOAT) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        bits = u;
    } else {
        memcpy(&bits, &v, 8);
    }
    __builtin_prefetch(d->slot + 3 * (size_t)((uint32_t)mix(bits) &
                                              (d->nslot - 1)));
#else
    (void)c;
    (void)v;
#endif
}

void zsi_pq_put_reals(zsi_pq *w, size_t c, const double *v, size_t n)
{
    bool f32 = w->cols[c].type == ZSI_PQ_FLOAT;
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n)
            dict_prefetch(&w->cols[c], v[i + 8]);
        if (isnan(v[i]))
            put_def(&w->cols[c], false);
        else if (f32)
            zsi_pq_put_float(w, c, (float)v[i]);
        else
            zsi_pq_put_double(w, c, v[i]);
    }
}

static int str_cmp(const zsi_buf *a, const char *s, size_t n)
{
    size_t m = a->len < n ? a->len : n;
    int r = m ? memcmp(a->data, s, m) : 0;
    return r ? r : (a->len > n) - (a->len < n);
}

static void set_str(pq_column *c, zsi_buf *b, const char *s, size_t n)
{
    b->len = 0;
    if (!zsi_buf_append(b, s, n) && n)
        c->nomem = true;
}

void zsi_pq_put_str(zsi_pq *w, size_t c, const char *s, size_t n)
{
    pq_column *col = &w->cols[c];
    uint8_t le[4];
    if (n > INT32_MAX) {
        col->nomem = true;
        return;
    }
    le_bits(n, 4, le);
    if (!zsi_buf_append(&col->soffs, &col->vals.len, sizeof col->vals.len))
        col->nomem = true;
    put_val(col, le, 4);
    if (!zsi_buf_append(&col->vals, s, n) && n)
        col->nomem = true;
    if (!col->st.has || str_cmp(&col->slo, s, n) > 0)
        set_str(col, &col->slo, s, n);
    if (!col->st.has || str_cmp(&col->shi, s, n) < 0)
        set_str(col, &col->shi, s, n);
    col->st.has = true;
}

/* Append n copies of the last len bytes of b. */
static bool repeat_tail(zsi_buf *b, size_t len, size_t n)
{
    size_t at = b->len, done = 1;
    if (len == 0 || n == 0)
        return true;
    if (len > at || n > (SIZE_MAX - at) / len ||
        !zsi_buf_resize(b, at + len * n))
        return false;
    memcpy(b->data + at, b->data + at - len, len);
    while (done < n) {        /* doubling the copies made so far */
        size_t k = done < n - done ? done : n - done;
        memcpy(b->data + at + done * len, b->data + at, k * len);
        done += k;
    }
    return true;
}

void zsi_pq_put_again(zsi_pq *w, size_t c, size_t span, size_t n)
{
    pq_column *col = &w->cols[c];
    pq_dict *d = &col->dict;
    size_t nd = 0, len, nstr = col->soffs.len / sizeof(size_t);
    if (n == 0 || span == 0)
        return;
    if (span > col->defs.len) {
        col->misuse = true;
        return;
    }
    for (size_t i = col->defs.len - span; i < col->defs.len; i++)
        nd += col->defs.data[i];
    if (col->type == ZSI_PQ_STRING) {
        size_t first;
        memcpy(&first, col->soffs.data + (nstr - nd) * sizeof first,
               sizeof first);
        len = nd ? col->vals.len - first : 0;
    } else {
        len = nd * value_size(col);
    }
    if (!repeat_tail(&col->defs, span, n) ||
        !repeat_tail(&col->vals, len, n))
        col->nomem = true;
    col->st.nulls += (span - nd) * n;
    if (col->type == ZSI_PQ_STRING) {
        /* the copies' starts, for a later span */
        for (size_t r = 1; r <= n && !col->nomem; r++)
            for (size_t i = nstr - nd; i < nstr; i++) {
                size_t o;
                memcpy(&o, col->soffs.data + i * sizeof o, sizeof o);
                o += r * len;
                if (!zsi_buf_append(&col->soffs, &o, sizeof o))
                    col->nomem = true;
            }
    } else if (!d->off && !repeat_tail(&d->idx, nd * sizeof(uint32_t), n)) {
        col->nomem = true;
    }
}

/* ---- pages ---------------------------------------------------------- */

static uint32_t elem(const uint8_t *p, size_t w, size_t i)
{
    uint32_t v;
    if (w == 1)
        return p[i];
    memcpy(&v, p + 4 * i, 4);
    return v;
}

/* n values (elements of w bytes, 1 or 4, at p) of bw bits (at most 24)
 * as bit-packed runs of the RLE / bit-packed hybrid, at most 63 groups
 * of 8 each (the last group padded with zeros). */
static void put_bitpacked(tc *t, const uint8_t *p, size_t w, size_t n,
                          int bw)
{
    for (size_t i = 0; i < n; i += 63 * 8) {
        size_t m = n - i < 63 * 8 ? n - i : 63 * 8, groups = (m + 7) / 8;
        uint64_t acc = 0;
        int nb = 0;
        tc_varint(t, (uint64_t)groups << 1 | 1);
        for (size_t g = 0; g < groups; g++) {
            uint8_t out[24];  /* a group of 8 values is bw bytes */
            size_t o = 0;
            for (size_t k = g * 8; k < g * 8 + 8; k++) {
                acc |= (uint64_t)(k < m ? elem(p, w, i + k) : 0) << nb;
                for (nb += bw; nb >= 8; nb -= 8) {
                    out[o++] = (uint8_t)(acc & 0xff);
                    acc >>= 8;
                }
            }
            tc_raw(t, out, o);
        }
    }
}

/* n values as the RLE / bit-packed hybrid: a run of 8 or more equal
 * values that starts where the bit-packed values before it fill whole
 * groups of 8 becomes an RLE run (the count, then the value in
 * ceil(bw / 8) bytes), the rest bit-packed (rows of a table repeat their
 * coordinates, and neighbouring cells their values). */
static void put_hybrid(tc *t, const uint8_t *p, size_t w, size_t n, int bw)
{
    size_t lit = 0, i = 0;
    while (i < n) {
        uint32_t v = elem(p, w, i);
        size_t r = 1;
        if ((i - lit) % 8 != 0) {
            i++;
            continue;
        }
        while (i + r < n && elem(p, w, i + r) == v)
            r++;
        if (r < 8) {
            i++;
            continue;
        }
        if (i > lit)
            put_bitpacked(t, p + lit * w, w, i - lit, bw);
        tc_varint(t, (uint64_t)r << 1);
        for (int b = 0; b < bw; b += 8)
            tc_byte(t, (unsigned)(v >> b) & 0xff);
        i += r;
        lit = i;
    }
    if (lit < n)
        put_bitpacked(t, p + lit * w, w, n - lit, bw);
}

/* Definition levels (bit width 1) in the hybrid, with the 4-byte length
 * in front: one RLE run when all rows have values, else bit-packed. */
static void encode_defs(tc *t, const pq_column *c)
{
    size_t n = c->defs.len, start = t->b->len;
    uint8_t len[4];
    tc_raw(t, "\0\0\0\0", 4);
    if (c->st.nulls == 0) {
        tc_varint(t, (uint64_t)n << 1);
        tc_byte(t, 1);
    } else {
        put_hybrid(t, c->defs.data, 1, n, 1);
    }
    if (!t->ok)
        return;
    le_bits(t->b->len - start - 4, 4, len);
    memcpy(t->b->data + start, len, 4);
}

/* Bits of the dictionary's indices (at least 1). */
static int dict_width(const pq_dict *d)
{
    int bw = 1;
    while (bw < 24 && ((uint32_t)1 << bw) < d->n)
        bw++;
    return bw;
}

/* A dictionary when it has entries and is smaller than PLAIN values. */
static bool use_dict(const pq_column *c)
{
    const pq_dict *d = &c->dict;
    uint64_t idx = d->idx.len / 4;
    return !d->off && d->n > 0 && c->type != ZSI_PQ_STRING &&
           d->n * value_size(c) + (idx * (uint64_t)dict_width(d) + 7) / 8 +
           idx / 504 + 1 < c->vals.len;
}

/* The PLAIN bytes of a min or max. */
static void stat_bytes(const pq_column *c, const pq_val *v,
                       const zsi_buf *s, uint8_t *out, size_t *len)
{
    switch (c->type) {
    case ZSI_PQ_INT32:
        *len = 4;
        le_bits((uint32_t)v->i32, 4, out);
        break;
    case ZSI_PQ_FLOAT:
        *len = 4;
        le_float(v->f, out);
        break;
    case ZSI_PQ_DOUBLE:
        *len = 8;
        le_double(v->d, out);
        break;
    case ZSI_PQ_STRING:
        *len = s->len;
        if (s->len)
            memcpy(out, s->data, s->len);
        break;
    default:
        *len = 8;
        le_bits((uint64_t)v->i64, 8, out);
    }
}

/* The statistics of column c's current group. */
static pq_stats group_stats(pq_column *c)
{
    pq_stats st = c->st;
    if (c->type == ZSI_PQ_STRING &&
        (c->slo.len > STAT_MAX || c->shi.len > STAT_MAX))
        st.has = false;
    if (!st.has)
        return st;
    /* a zero minimum is written -0, a zero maximum +0 */
    if (c->type == ZSI_PQ_FLOAT && c->lo.f == 0)
        c->lo.f = -0.0f;
    if (c->type == ZSI_PQ_FLOAT && c->hi.f == 0)
        c->hi.f = 0.0f;
    if (c->type == ZSI_PQ_DOUBLE && c->lo.d == 0)
        c->lo.d = -0.0;
    if (c->type == ZSI_PQ_DOUBLE && c->hi.d == 0)
        c->hi.d = 0.0;
    stat_bytes(c, &c->lo, &c->slo, st.min, &st.minlen);
    stat_bytes(c, &c->hi, &c->shi, st.max, &st.maxlen);
    return st;
}

static void write_stats(tc *t, int id, const pq_stats *st)
{
    tc_begin(t, id);
    tc_i64(t, 3, (int64_t)st->nulls);
    if (st->has) {
        tc_bin(t, 5, st->max, st->maxlen);
        tc_bin(t, 6, st->min, st->minlen);
    }
    tc_end(t);
}

static zs_status page_too_big(zsi_pq *w, const pq_column *c)
{
    return zsi_err(w->ctx, ZS_ERR_RANGE, "%s: column %s: a row group's "
                   "page is over 2 GiB (fewer rows per group)", w->path,
                   c->name);
}

/* Compress c->page and append it to c->out after its header: a data
 * page of nvals values (levels included) in encoding enc, or (type
 * PAGE_DICT) a dictionary page of nvals entries. */
static zs_status write_page(zsi_pq *w, pq_column *c, int type,
                            uint64_t nvals, int enc, pq_chunk *out)
{
    tc t;
    size_t bound, z;
    if (c->page.len > INT32_MAX || nvals > INT32_MAX)
        return page_too_big(w, c);
    bound = ZSTD_compressBound(c->page.len);
    if (!zsi_buf_resize(&c->zpage, bound))
        return zsi_nomem(w->ctx);
    z = ZSTD_compress(c->zpage.data, bound, c->page.data, c->page.len,
                      ZSTD_LEVEL);
    if (ZSTD_isError(z))
        return zsi_err(w->ctx, ZS_ERR_CORRUPT, "%s: zstd: %s", w->path,
                       ZSTD_getErrorName(z));
    if (z > INT32_MAX)
        return page_too_big(w, c);
    c->hdr.len = 0;
    tc_init(&t, &c->hdr);
    tc_i32(&t, 1, type);
    tc_i32(&t, 2, (int64_t)c->page.len);
    tc_i32(&t, 3, (int64_t)z);
    tc_begin(&t, type == PAGE_DATA ? 5 : 7);
    tc_i32(&t, 1, (int64_t)nvals);
    tc_i32(&t, 2, enc);
    if (type == PAGE_DATA) {
        tc_i32(&t, 3, ENC_RLE);
        tc_i32(&t, 4, ENC_RLE);
    }
    tc_end(&t);
    tc_byte(&t, 0);
    if (!t.ok)
        return zsi_nomem(w->ctx);
    out->ucsize += c->hdr.len + c->page.len;
    out->csize += c->hdr.len + z;
    if (!zsi_buf_append(&c->out, c->hdr.data, c->hdr.len) ||
        !zsi_buf_append(&c->out, c->zpage.data, z))
        return zsi_nomem(w->ctx);
    return ZS_OK;
}

/* The dictionary page: its entries, PLAIN. */
static zs_status write_dict(zsi_pq *w, pq_column *c, pq_chunk *out)
{
    size_t vs = value_size(c);
    c->page.len = 0;
    if (!zsi_buf_resize(&c->page, (size_t)c->dict.n * vs))
        return zsi_nomem(w->ctx);
    for (uint32_t i = 0; i < c->dict.n; i++)
        le_bits(c->dict.bits[i], (int)vs, c->page.data + i * vs);
    return write_page(w, c, PAGE_DICT, c->dict.n, ENC_PLAIN, out);
}

/* Encode column c of the current group as one chunk into c->out: a
 * dictionary page if it pays, and one data page; offsets in c->chunk
 * count from the chunk's start. */
static zs_status encode_chunk(zsi_pq *w, pq_column *c)
{
    pq_chunk *out = &c->chunk;
    tc t;
    zs_status st = ZS_OK;
    memset(out, 0, sizeof *out);
    c->out.len = 0;
    out->dict = use_dict(c);
    if (out->dict)
        st = write_dict(w, c, out);
    if (st != ZS_OK)
        return st;
    c->page.len = 0;
    tc_init(&t, &c->page);
    encode_defs(&t, c);
    if (out->dict) {
        int bw = dict_width(&c->dict);
        tc_byte(&t, (unsigned)bw);
        put_hybrid(&t, c->dict.idx.data, 4, c->dict.idx.len / 4, bw);
    } else {
        tc_raw(&t, c->vals.data, c->vals.len);
    }
    if (!t.ok)
        return zsi_nomem(w->ctx);
    out->data_offset = c->out.len;
    out->nvals = c->defs.len;
    out->st = group_stats(c);
    return write_page(w, c, PAGE_DATA, c->defs.len,
                      out->dict ? ENC_RLE_DICTIONARY : ENC_PLAIN, out);
}

static zs_status encode_task(void *arg, size_t i)
{
    zsi_pq *w = arg;
    return encode_chunk(w, &w->cols[i]);
}

static void column_reset(pq_column *c)
{
    c->vals.len = c->defs.len = c->soffs.len = 0;
    memset(&c->st, 0, sizeof c->st);
    dict_drop(&c->dict);
}

zs_status zsi_pq_end_group(zsi_pq *w)
{
    pq_group *g;
    uint64_t rows = w->ncols ? w->cols[0].defs.len : 0;
    zs_status st = ZS_OK;
    for (size_t i = 0; i < w->ncols; i++)
        if (w->cols[i].nomem)
            return zsi_nomem(w->ctx);
    for (size_t i = 0; i < w->ncols; i++)
        if (w->cols[i].misuse)
            return zsi_err(w->ctx, ZS_ERR_INVALID, "%s: column %s: more "
                           "values repeated than were put", w->path,
                           w->cols[i].name);
    for (size_t i = 0; i < w->ncols; i++)
        if (w->cols[i].defs.len != rows)
            return zsi_err(w->ctx, ZS_ERR_INVALID, "%s: column %s has %zu "
                           "values, not %llu", w->path, w->cols[i].name,
                           w->cols[i].defs.len, (unsigned long long)rows);
    if (rows == 0)
        return ZS_OK;
    g = realloc(w->groups, (w->ngroups + 1) * sizeof *g);
    if (!g)
        return zsi_nomem(w->ctx);
    w->groups = g;
    g = &w->groups[w->ngroups];
    memset(g, 0, sizeof *g);
    if (!(g->chunks = calloc(w->ncols, sizeof *g->chunks)))
        return zsi_nomem(w->ctx);
    w->ngroups++;
    g->rows = rows;
    g->offset = w->pos;
    /* the columns are encoded and compressed at once, then written in
     * order */
    st = zsi_parallel_for(w->ctx, w->ncols, encode_task, w);
    for (size_t i = 0; st == ZS_OK && i < w->ncols; i++) {
        pq_column *c = &w->cols[i];
        g->chunks[i] = c->chunk;
        g->chunks[i].offset = w->pos;
        g->chunks[i].data_offset += w->pos;
        g->ucsize += c->chunk.ucsize;
        g->csize += c->chunk.csize;
        st = put_bytes(w, c->out.data, c->out.len);
    }
    for (size_t i = 0; i < w->ncols; i++)
        column_reset(&w->cols[i]);
    w->rows += rows;
    return st;
}

/* ---- the footer ----------------------------------------------------- */

static void write_schema_leaf(tc *t, const pq_column *c)
{
    tc_begin(t, 0);
    tc_i32(t, 1, phys_type(c->type));
    tc_i32(t, 3, REP_OPTIONAL);
    tc_str(t, 4, c->name);
    if (c->type == ZSI_PQ_STRING) {
        tc_i32(t, 6, CT_UTF8);
        tc_begin(t, 10);       /* LogicalType */
        tc_begin(t, 1);        /* STRING */
        tc_end(t);
        tc_end(t);
    } else if (c->type == ZSI_PQ_TIMESTAMP) {
        tc_i32(t, 6, CT_TIMESTAMP_MICROS);
        tc_begin(t, 10);       /* LogicalType */
        tc_begin(t, 8);        /* TIMESTAMP */
        tc_bool(t, 1, false);  /* isAdjustedToUTC */
        tc_begin(t, 2);        /* unit */
        tc_begin(t, 2);        /* MICROS */
        tc_end(t);
        tc_end(t);
        tc_end(t);
        tc_end(t);
    }
    tc_end(t);
}

static void write_chunk_meta(tc *t, const pq_column *c, const pq_chunk *k)
{
    tc_begin(t, 0);            /* ColumnChunk */
    tc_i64(t, 2, (int64_t)k->offset);
    tc_begin(t, 3);            /* ColumnMetaData */
    tc_i32(t, 1, phys_type(c->type));
    tc_list(t, 2, TT_I32, k->dict ? 3 : 2);
    tc_varint(t, zigzag(ENC_PLAIN));
    tc_varint(t, zigzag(ENC_RLE));
    if (k->dict)
        tc_varint(t, zigzag(ENC_RLE_DICTIONARY));
    tc_list(t, 3, TT_BINARY, 1);
    tc_varint(t, strlen(c->name));
    tc_raw(t, c->name, strlen(c->name));
    tc_i32(t, 4, CODEC_ZSTD);
    tc_i64(t, 5, (int64_t)k->nvals);
    tc_i64(t, 6, (int64_t)k->ucsize);
    tc_i64(t, 7, (int64_t)k->csize);
    tc_i64(t, 9, (int64_t)k->data_offset);
    if (k->dict)
        tc_i64(t, 11, (int64_t)k->offset);
    write_stats(t, 12, &k->st);
    tc_end(t);
    tc_end(t);
}

static void write_footer(zsi_pq *w, tc *t)
{
    /* FileMetaData: the top-level struct */
    tc_i32(t, 1, 1);
    tc_list(t, 2, TT_STRUCT, w->ncols + 1);
    tc_begin(t, 0);
    tc_str(t, 4, "schema");
    tc_i32(t, 5, (int64_t)w->ncols);
    tc_end(t);
    for (size_t i = 0; i < w->ncols; i++)
        write_schema_leaf(t, &w->cols[i]);
    tc_i64(t, 3, (int64_t)w->rows);
    tc_list(t, 4, TT_STRUCT, w->ngroups);
    for (size_t g = 0; g < w->ngroups; g++) {
        const pq_group *gr = &w->groups[g];
        tc_begin(t, 0);
        tc_list(t, 1, TT_STRUCT, w->ncols);
        for (size_t i = 0; i < w->ncols; i++)
            write_chunk_meta(t, &w->cols[i], &gr->chunks[i]);
        tc_i64(t, 2, (int64_t)gr->ucsize);
        tc_i64(t, 3, (int64_t)gr->rows);
        tc_i64(t, 5, (int64_t)gr->offset);
        tc_i64(t, 6, (int64_t)gr->csize);
        tc_field(t, 7, TT_I16);
        tc_varint(t, zigzag((int64_t)(g < INT16_MAX ? g : INT16_MAX)));
        tc_end(t);
    }
    tc_str(t, 6, "zstore version " PACKAGE_VERSION);
    tc_list(t, 7, TT_STRUCT, w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        tc_begin(t, 0);        /* ColumnOrder */
        tc_begin(t, 1);        /* TYPE_ORDER */
        tc_end(t);
        tc_end(t);
    }
    tc_byte(t, 0);
}

static void pq_free(zsi_pq *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        free(w->cols[i].name);
        zsi_buf_free(&w->cols[i].vals);
        zsi_buf_free(&w->cols[i].soffs);
        zsi_buf_free(&w->cols[i].defs);
        zsi_buf_free(&w->cols[i].slo);
        zsi_buf_free(&w->cols[i].shi);
        zsi_buf_free(&w->cols[i].page);
        zsi_buf_free(&w->cols[i].zpage);
        zsi_buf_free(&w->cols[i].hdr);
        zsi_buf_free(&w->cols[i].out);
        dict_drop(&w->cols[i].dict);
    }
    for (size_t g = 0; g < w->ngroups; g++)
        free(w->groups[g].chunks);
    free(w->groups);
    free(w->cols);
    free(w->path);
    free(w);
}

zs_status zsi_pq_close(zsi_pq *w)
{
    zsi_buf meta = ZSI_BUF_INIT;
    tc t;
    uint8_t len[4];
    zs_status st = zsi_pq_end_group(w);
    if (st == ZS_OK) {
        tc_init(&t, &meta);
        write_footer(w, &t);
        if (!t.ok || meta.len > UINT32_MAX)
            st = zsi_nomem(w->ctx);
    }
    if (st == ZS_OK) {
        le_bits(meta.len, 4, len);
        st = put_bytes(w, meta.data, meta.len);
    }
    if (st == ZS_OK)
        st = put_bytes(w, len, 4);
    if (st == ZS_OK)
        st = put_bytes(w, "PAR1", 4);
    zsi_buf_free(&meta);
    if (st == ZS_OK) {
        int rc = fclose(w->f);
        w->f = NULL;
        if (rc != 0) {
            st = zsi_errno(w->ctx, errno, "%s: cannot write", w->path);
            remove(w->path);
        }
    }
    if (st != ZS_OK) {
        zsi_pq_discard(w);
        return st;
    }
    pq_free(w);
    return ZS_OK;
}

void zsi_pq_discard(zsi_pq *w)
{
    if (!w)
        return;
    if (w->f) {
        fclose(w->f);
        remove(w->path);
    }
    pq_free(w);
}
