/* select_parquet.c - a selection written as Parquet: the rows and
 * columns of --csv, in one file DIR/part.0.parquet or, partitioned on a
 * dimension, in one folder per label as dask's partition_on writes them
 * (DIR/NAME=VALUE/part.0.parquet, the partition column left out of the
 * files).  Rows are read and written one row group at a time, so memory
 * does not grow with the selection.  The output is written under a
 * temporary name beside DIR and renamed into place at the end. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/zsi_cftime.h"
#include "ops/zsi_select.h"
#include "store/zsi_store.h"
#include "table/zsi_parquet.h"

/* Rows of a group: a dictionary per column chunk pays off over many
 * rows (on the bench box, 2^17 rows a group made files 3 % larger than
 * DuckDB's, 2^19 15 % smaller), while the group is buffered (some 13
 * bytes a row and column). */
#define PQ_GROUP_ROWS ((uint64_t)1 << 19)
#define PQ_FILE "part.0.parquet"
#define PQ_REALS 4096         /* values decoded at once (put_reals) */

typedef struct pq_out {
    zs_selection *s;
    sel_rows r;
    int part;                 /* the partition's row dimension, or -1 */
    size_t *src;              /* row column of each file column */
    zsi_pq_col *cols;
    size_t ncols;
    char *tmp;                /* the folder being written */
    uint8_t *keep;            /* --dropna: rows of the box kept */
    uint64_t written;         /* rows written to the current file */
    zsi_buf text;             /* a cell's text, reused */
    zsi_buf *texts;           /* the same per file column */
    double **reals;           /* per FLOAT or DOUBLE file column: room
                               * for PQ_REALS decoded values, else NULL */
} pq_out;

static bool real_calendar(const zs_time_units *u)
{
    zs_calendar c = zs_time_units_calendar(u);
    return c == ZS_CAL_STANDARD || c == ZS_CAL_PROLEPTIC;
}

/* The Parquet type of a column: what --csv prints, typed. */
static zsi_pq_type col_type(const sel_col *c)
{
    zs_dtype t = zs_var_dtype(c->o->v);
    if (t == ZS_DT_STRING || t == ZS_DT_BYTES || t == ZS_DT_UNICODE)
        return ZSI_PQ_STRING;
    if (c->tu)
        return real_calendar(c->tu) ? ZSI_PQ_TIMESTAMP : ZSI_PQ_STRING;
    if (c->dec.packed || t == ZS_DT_UINT64)
        return ZSI_PQ_DOUBLE;
    if (t == ZS_DT_FLOAT32)
        return ZSI_PQ_FLOAT;
    if (t == ZS_DT_INT64 || t == ZS_DT_UINT32)
        return ZSI_PQ_INT64;
    if (zsi_dtype_is_int(t) || t == ZS_DT_BOOL)
        return ZSI_PQ_INT32;
    return ZSI_PQ_DOUBLE;
}

static void put_string(zsi_pq *w, size_t j, const sel_col *c, uint64_t k)
{
    const zs_var *v = c->o->v;
    const char *p;
    if (zs_var_dtype(v) == ZS_DT_STRING) {
        p = ((char **)(void *)c->data)[k];
        if (p)
            zsi_pq_put_str(w, j, p, strlen(p));
        else
            zsi_pq_put_null(w, j);
        return;
    }
    p = (const char *)c->data + k * zs_var_itemsize(v);
    zsi_pq_put_str(w, j, p, strnlen(p, zsi_var_stored_itemsize(v)));
}

/* The last time value of a column converted, and what it gave (a time
 * coordinate repeats each value over the rows of a map). */
typedef struct time_memo {
    bool valid, ok;
    double value;
    zsi_usec us;
} time_memo;

/* Value of column c at row idx, its element k, into file column j;
 * false when out of memory. */
static bool put_cell(zsi_pq *w, size_t j, const sel_col *c, zsi_pq_type t,
                     const uint64_t *idx, uint64_t k, zsi_buf *text,
                     time_memo *m)
{
    zs_dtype dt = zs_var_dtype(c->o->v);
    int64_t iv;
    zsi_usec us;
    double x;
    if (t == ZSI_PQ_STRING && !c->tu) {
        put_string(w, j, c, k);
        return true;
    }
    x = zsi_cfdecode_value(&c->dec, c->data, (size_t)k);
    if (isnan(x)) {
        zsi_pq_put_null(w, j);
    } else if (t == ZSI_PQ_STRING) {
        text->len = 0;
        if (!zsi_rows_text(c, idx, text))
            return false;
        zsi_pq_put_str(w, j, (const char *)text->data, text->len);
    } else if (t == ZSI_PQ_TIMESTAMP) {
        double tv = zsi_load_double(dt, c->data, (size_t)k);
        if (!m->valid || memcmp(&tv, &m->value, sizeof tv) != 0) {
            us = 0;
            m->ok = zsi_time_to_usec(c->tu, tv, &us) == ZS_OK &&
                    us >= INT64_MIN && us <= INT64_MAX;
            m->us = us;
            m->value = tv;
            m->valid = true;
        }
        if (m->ok)
            zsi_pq_put_i64(w, j, (int64_t)m->us);
        else
            zsi_pq_put_null(w, j);
    } else if (t == ZSI_PQ_INT32 || t == ZSI_PQ_INT64) {
        if (!zsi_load_i64(dt, c->data, (size_t)k, &iv))
            iv = (int64_t)x;
        if (t == ZSI_PQ_INT32)
            zsi_pq_put_i32(w, j, (int32_t)iv);
        else
            zsi_pq_put_i64(w, j, iv);
    } else if (t == ZSI_PQ_FLOAT) {
        zsi_pq_put_float(w, j, (float)x);
    } else {
        zsi_pq_put_double(w, j, x);
    }
    return true;
}

/* The next row index of the box start/count in C order; false after
 * the last. */
static bool next_row(int nd, uint64_t *idx, const uint64_t *start,
                     const uint64_t *count)
{
    for (int d = nd - 1; d >= 0; d--) {
        if (++idx[d] < start[d] + count[d])
            return true;
        idx[d] = start[d];
    }
    return false;
}

/* A data value of the row that is not missing. */
static bool row_has_data(const sel_rows *r, const uint64_t *idx)
{
    bool any_data = false;
    for (size_t i = 0; i < r->ncols; i++) {
        const sel_col *c = &r->cols[i];
        uint64_t k;
        zs_dtype t;
        if (!c->is_data)
            continue;
        any_data = true;
        k = zsi_rows_elem(c, idx);
        t = zs_var_dtype(c->o->v);
        if (t == ZS_DT_STRING) {
            if (((char **)(void *)c->data)[k])
                return true;
        } else if (t == ZS_DT_BYTES || t == ZS_DT_UNICODE ||
                   !isnan(zsi_cfdecode_value(&c->dec, c->data, (size_t)k))) {
            return true;
        }
    }
    return !any_data;
}

/* Which rows of the box to write (all without --dropna). */
static zs_status mark_rows(pq_out *p, const uint64_t *start,
                           const uint64_t *count, uint64_t n)
{
    uint64_t idx[ZS_MAX_DIMS];
    uint8_t *keep = realloc(p->keep, (size_t)(n ? n : 1));
    if (!keep)
        return zsi_nomem(p->s->ctx);
    p->keep = keep;
    memcpy(idx, start, sizeof idx);
    for (uint64_t e = 0; e < n; e++) {
        keep[e] = !p->s->o.dropna || row_has_data(&p->r, idx);
        p->written += keep[e];
        next_row(p->r.nd, idx, start, count);
    }
    return ZS_OK;
}

/* One box's rows going into a row group, a column per task: each task
 * touches its own file column and cell text only. */
typedef struct box_job {
    pq_out *p;
    zsi_pq *w;
    const uint64_t *start, *count;
    uint64_t n;
    zsi_buf *text;            /* per file column */
    double **reals;           /* per file column */
} box_job;

/* How far apart the elements of column c lie along row dimension d (0:
 * c does not depend on it). */
static uint64_t elem_step(const sel_col *c, int d)
{
    uint64_t step = 1;
    for (int j = c->nd - 1; j >= 0; j--) {
        if (c->dim[j] == d)
            return step;
        step *= c->bcount[j];
    }
    return 0;
}

/* The line of n elements from k of a FLOAT or DOUBLE column c, all rows
 * kept: decoded a piece at a time into buf (PQ_REALS values). */
static void put_reals(zsi_pq *w, size_t j, const sel_col *c, uint64_t k,
                      uint64_t n, double *buf)
{
    size_t is = zs_var_itemsize(c->o->v);
    for (uint64_t i = 0; i < n; i += PQ_REALS) {
        size_t m = n - i < PQ_REALS ? (size_t)(n - i) : PQ_REALS;
        zsi_cfdecode_row(&c->dec, c->data + (size_t)(k + i) * is, m, buf);
        zsi_pq_put_reals(w, j, buf, m);
    }
}

/* Whether column c depends on row dimension d alone. */
static bool on_dim_alone(const sel_col *c, int d)
{
    return c->nd == 1 && c->dim[0] == d;
}

/* The rows go line by line along the last dimension: a column that does
 * not depend on it (a time or latitude) puts one value a line, then
 * repeats it; one that depends on it alone (a longitude) copies the line
 * before when both lines are whole; other columns step through their
 * elements. */
static zs_status put_column(void *arg, size_t j)
{
    box_job *b = arg;
    const pq_out *p = b->p;
    const sel_col *c = &p->r.cols[p->src[j]];
    zsi_pq_type t = p->cols[j].type;
    int nd = p->r.nd, last = nd - 1;
    uint64_t idx[ZS_MAX_DIMS], line = nd ? b->count[last] : 1;
    uint64_t step = nd ? elem_step(c, last) : 0;
    bool alone = nd && on_dim_alone(c, last), prev_whole = false;
    time_memo m = {false, false, 0, 0};
    memcpy(idx, b->start, sizeof idx);
    for (uint64_t e = 0; e < b->n; e += line) {
        const uint8_t *keep = p->keep + e;
        uint64_t k = zsi_rows_elem(c, idx), kept = 0;
        bool whole;
        for (uint64_t i = 0; i < line; i++)
            kept += keep[i];
        whole = kept == line;
        if (step == 0) {
            if (kept && !put_cell(b->w, j, c, t, idx, k, &b->text[j], &m))
                return zsi_nomem(p->s->ctx);
            zsi_pq_put_again(b->w, j, 1, (size_t)(kept ? kept - 1 : 0));
        } else if (alone && whole && prev_whole) {
            zsi_pq_put_again(b->w, j, (size_t)line, 1);
        } else if (whole && step == 1 && b->reals[j]) {
            put_reals(b->w, j, c, k, line, b->reals[j]);
        } else {
            for (uint64_t i = 0; i < line; i++, k += step) {
                idx[last] = b->start[last] + i;
                if (keep[i] && !put_cell(b->w, j, c, t, idx, k,
                                         &b->text[j], &m))
                    return zsi_nomem(p->s->ctx);
            }
        }
        prev_whole = whole;
        if (nd) {   /* the next line */
            idx[last] = b->start[last] + line - 1;
            next_row(nd, idx, b->start, b->count);
        }
    }
    return ZS_OK;
}

/* Write the rows of one box as one row group. */
static zs_status write_box(pq_out *p, zsi_pq *w, const uint64_t *start,
                           const uint64_t *count)
{
    box_job b = {p, w, start, count, 1, p->texts, p->reals};
    zs_status st = zsi_rows_load(&p->r, start, count);
    for (int d = 0; d < p->r.nd; d++)
        b.n *= count[d];
    if (st == ZS_OK)
        st = mark_rows(p, start, count, b.n);
    if (st == ZS_OK)
        st = zsi_parallel_for(p->s->ctx, p->ncols, put_column, &b);
    return st == ZS_OK ? zsi_pq_end_group(w) : st;
}

/* Write the rows whose partition index is i (all rows without a
 * partition) to the file path. */
static zs_status write_file(pq_out *p, const char *path, uint64_t i)
{
    uint64_t shape[ZS_MAX_DIMS], unit[ZS_MAX_DIMS], start[ZS_MAX_DIMS];
    uint64_t count[ZS_MAX_DIMS];
    uint64_t rows = p->s->o.group_rows ? p->s->o.group_rows : PQ_GROUP_ROWS;
    zsi_blocks b;
    zsi_pq *w = NULL;
    zs_status st;
    for (int d = 0; d < p->r.nd; d++) {
        shape[d] = d == p->part ? 1 : p->r.len[d];
        unit[d] = 1;
    }
    if (!zsi_blocks_plan(&b, p->r.nd, shape, unit, 1, (size_t)rows,
                         ZSI_BLOCKS_C_ORDER))
        return zsi_err(p->s->ctx, ZS_ERR_OVERFLOW, "too many row groups");
    p->written = 0;
    st = zsi_pq_open(p->s->ctx, path, p->cols, p->ncols, &w);
    for (uint64_t u = 0; st == ZS_OK && u < b.n; u++) {
        zsi_blocks_box(&b, u, start, count);
        if (p->part >= 0)
            start[p->part] = i;
        st = write_box(p, w, start, count);
        if (st == ZS_OK && p->part < 0)
            st = zsi_progress(p->s->ctx, u + 1, b.n);
    }
    if (st == ZS_OK) {
        st = zsi_pq_close(w);
    } else {
        zsi_pq_discard(w);
    }
    return st;
}

/* The partition's coordinate column: on its dimension, of its name. */
static sel_col *part_col(pq_out *p)
{
    for (size_t k = 0; k < p->r.ncols; k++) {
        sel_col *c = &p->r.cols[k];
        if (!c->is_data && c->nd == 1 && c->dim[0] == p->part &&
            !strcmp(c->name, p->s->o.partition_on))
            return c;
    }
    return NULL;
}

/* The folder name of partition i, as pandas prints the label. */
static zs_status part_name(pq_out *p, uint64_t i, zsi_buf *out)
{
    sel_col *c = part_col(p);
    uint64_t idx[ZS_MAX_DIMS] = {0}, start[ZS_MAX_DIMS] = {0};
    uint64_t count[ZS_MAX_DIMS];
    char *text, *t;
    zs_status st;
    memcpy(count, p->r.len, sizeof count);
    start[p->part] = idx[p->part] = i;
    count[p->part] = 1;
    st = zsi_rows_load_col(&p->r, c, start, count);
    if (st != ZS_OK)
        return st;
    p->text.len = 0;
    if (!zsi_rows_text(c, idx, &p->text) || !zsi_buf_cstr(&p->text))
        return zsi_nomem(p->s->ctx);
    text = (char *)p->text.data;
    if (!text[0])
        text = "__HIVE_DEFAULT_PARTITION__";
    else if (col_type(c) == ZSI_PQ_TIMESTAMP && (t = strchr(text, 'T')))
        *t = ' ';   /* str(pandas.Timestamp) */
    if (strchr(text, '/') || !strcmp(text, ".") || !strcmp(text, ".."))
        return zsi_err(p->s->ctx, ZS_ERR_UNSUPPORTED, "partition "
                       "dimension '%s': label '%s' cannot name a folder",
                       c->name, text);
    out->len = 0;
    if (!zsi_buf_printf(out, "%s/%s=%s", p->tmp, c->name, text))
        return zsi_nomem(p->s->ctx);
    return ZS_OK;
}

static zs_status write_parts(pq_out *p)
{
    zsi_buf dir = ZSI_BUF_INIT, path = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    for (uint64_t i = 0; st == ZS_OK && i < p->r.len[p->part]; i++) {
        st = part_name(p, i, &dir);
        if (st == ZS_OK && mkdir((char *)dir.data, 0777) != 0)
            st = zsi_errno(p->s->ctx, errno, "%s: cannot create",
                           (char *)dir.data);
        path.len = 0;
        if (st == ZS_OK &&
            !zsi_buf_printf(&path, "%s/" PQ_FILE, (char *)dir.data))
            st = zsi_nomem(p->s->ctx);
        if (st == ZS_OK)
            st = write_file(p, (char *)path.data, i);
        /* --dropna may leave a label without rows: no folder, as dask */
        if (st == ZS_OK && p->written == 0 &&
            (remove((char *)path.data) != 0 || rmdir((char *)dir.data) != 0))
            st = zsi_errno(p->s->ctx, errno, "%s", (char *)dir.data);
        if (st == ZS_OK)
            st = zsi_progress(p->s->ctx, i + 1, p->r.len[p->part]);
    }
    zsi_buf_free(&dir);
    zsi_buf_free(&path);
    return st;
}

/* The partition dimension: one of the rows', with a coordinate. */
static zs_status find_part(pq_out *p)
{
    const char *name = p->s->o.partition_on;
    p->part = -1;
    if (!name)
        return ZS_OK;
    for (int d = 0; d < p->r.nd; d++)
        if (!strcmp(p->r.dims[d], name))
            p->part = d;
    if (p->part < 0)
        return zsi_err(p->s->ctx, ZS_ERR_NOTFOUND, "partition dimension "
                       "'%s': not a dimension of the selected rows", name);
    if (part_col(p))
        return ZS_OK;
    return zsi_err(p->s->ctx, ZS_ERR_UNSUPPORTED, "partition dimension "
                   "'%s': has no coordinate variable to name folders by",
                   name);
}

/* The file's columns: the rows' columns but the partition's. */
static zs_status file_columns(pq_out *p)
{
    p->src = calloc(p->r.ncols + 1, sizeof *p->src);
    p->cols = calloc(p->r.ncols + 1, sizeof *p->cols);
    p->texts = calloc(p->r.ncols + 1, sizeof *p->texts);
    p->reals = calloc(p->r.ncols + 1, sizeof *p->reals);
    if (!p->src || !p->cols || !p->texts || !p->reals)
        return zsi_nomem(p->s->ctx);
    for (size_t k = 0; k < p->r.ncols; k++) {
        const sel_col *c = &p->r.cols[k];
        if (p->part >= 0 && c == part_col(p))
            continue;
        p->src[p->ncols] = k;
        p->cols[p->ncols].name = c->name;
        p->cols[p->ncols].type = col_type(c);
        if ((p->cols[p->ncols].type == ZSI_PQ_FLOAT ||
             p->cols[p->ncols].type == ZSI_PQ_DOUBLE) &&
            !(p->reals[p->ncols] = malloc(PQ_REALS * sizeof(double))))
            return zsi_nomem(p->s->ctx);
        p->ncols++;
    }
    return ZS_OK;
}

/* Put the finished folder tmp at dir (replacing it with overwrite). */
static zs_status commit(zs_selection *s, const char *tmp, const char *dir)
{
    char *old = NULL;
    struct stat sb;
    zs_status st = ZS_OK;
    if (lstat(dir, &sb) == 0) {
        if (!s->w.overwrite)
            return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: output exists", dir);
        if (!(old = zsi_asprintf("%s.zsold.%ld", dir, (long)getpid())))
            return zsi_nomem(s->ctx);
        if (rename(dir, old) != 0)
            st = zsi_errno(s->ctx, errno, "%s", dir);
    }
    if (st == ZS_OK && rename(tmp, dir) != 0) {
        st = zsi_errno(s->ctx, errno, "%s", dir);
        if (old)
            rename(old, dir);
    } else if (st == ZS_OK && old) {
        zsi_rm_tree(old);
    }
    free(old);
    return st;
}

static zs_status check_output(zs_selection *s, const char *dir)
{
    struct stat sb;
    if (!*dir || !strcmp(dir, "-") || strstr(dir, "://"))
        return zsi_err(s->ctx, ZS_ERR_INVALID, "%s: Parquet output "
                       "goes to a local folder (not a stream or a URL)",
                       dir);
    if (lstat(dir, &sb) == 0 && !s->w.overwrite)
        return zsi_err(s->ctx, ZS_ERR_EXISTS, "%s: output exists", dir);
    return ZS_OK;
}

static void out_free(pq_out *p)
{
    zsi_rows_free(&p->r);
    free(p->src);
    free(p->cols);
    free(p->keep);
    zsi_buf_free(&p->text);
    for (size_t j = 0; p->texts && j < p->ncols; j++)
        zsi_buf_free(&p->texts[j]);
    free(p->texts);
    for (size_t j = 0; p->reals && j < p->ncols; j++)
        free(p->reals[j]);
    free(p->reals);
    free(p->tmp);
}

zs_status zs_select_parquet(zs_selection *s, const char *dir)
{
    pq_out p;
    char *path = NULL;
    zs_status st;
    memset(&p, 0, sizeof p);
    p.s = s;
    st = zsi_rows_build(s, &p.r);
    if (st == ZS_OK)
        st = find_part(&p);
    if (st == ZS_OK)
        st = check_output(s, dir);
    if (st == ZS_OK)
        st = file_columns(&p);
    if (st == ZS_OK &&
        !(p.tmp = zsi_asprintf("%s.partial.%ld", dir, (long)getpid())))
        st = zsi_nomem(s->ctx);
    if (st == ZS_OK && mkdir(p.tmp, 0777) != 0) {
        st = zsi_errno(s->ctx, errno, "%s: cannot create", p.tmp);
        free(p.tmp);
        p.tmp = NULL;
    }
    if (st == ZS_OK && p.part >= 0) {
        st = write_parts(&p);
    } else if (st == ZS_OK) {
        if (!(path = zsi_asprintf("%s/" PQ_FILE, p.tmp)))
            st = zsi_nomem(s->ctx);
        if (st == ZS_OK)
            st = write_file(&p, path, 0);
        free(path);
    }
    if (st == ZS_OK)
        st = commit(s, p.tmp, dir);
    if (st != ZS_OK && p.tmp)
        zsi_rm_tree(p.tmp);
    out_free(&p);
    return st;
}
