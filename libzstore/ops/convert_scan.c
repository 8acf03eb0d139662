/* convert_scan.c - read every input's header once (in worker processes),
 * order the files by time, check that they agree, apply the overlap
 * policy and report gaps. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/zsi_convert.h"

/* ---- finding the record dimension and the time variable -------------- */

static bool is_time_units(const zs_var *v)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    return u && strstr(u, " since ");
}

zs_status zsi_convert_find_time(zs_dataset *ds, char **rec_dim,
                                char **time_var, bool *stack)
{
    zs_group *g = zs_dataset_root(ds);
    const char *rec = NULL, *tv = NULL;
    *rec_dim = *time_var = NULL;
    *stack = false;
    for (size_t i = 0; i < zs_group_ndims(g) && !rec; i++)
        if (zs_group_dim_unlimited(g, i))
            rec = zs_group_dim_name(g, i);
    for (size_t i = 0; i < zs_group_ndims(g) && !rec; i++)
        if (!strcmp(zs_group_dim_name(g, i), "time") ||
            !strcmp(zs_group_dim_name(g, i), "valid_time"))
            rec = zs_group_dim_name(g, i);
    for (size_t i = 0; i < zs_group_nvars(g) && !rec; i++)
        if (zs_var_ndim(zs_group_var(g, i)) == 1 &&
            is_time_units(zs_group_var(g, i)))
            rec = zs_var_dim_name(zs_group_var(g, i), 0);
    if (rec) {
        zs_var *v = zs_group_find_var(g, rec);
        if (v && zs_var_ndim(v) == 1 && !strcmp(zs_var_dim_name(v, 0), rec))
            tv = rec;
        for (size_t i = 0; i < zs_group_nvars(g) && !tv; i++)
            if (zs_var_ndim(zs_group_var(g, i)) == 1 &&
                !strcmp(zs_var_dim_name(zs_group_var(g, i), 0), rec) &&
                is_time_units(zs_group_var(g, i)))
                tv = zs_var_name(zs_group_var(g, i));
    } else {
        /* a scalar time (one snapshot per file): stack along it */
        for (size_t i = 0; i < zs_group_nvars(g) && !tv; i++)
            if (zs_var_ndim(zs_group_var(g, i)) == 0 &&
                is_time_units(zs_group_var(g, i)))
                tv = rec = zs_var_name(zs_group_var(g, i));
        *stack = tv != NULL;
    }
    if ((rec && !(*rec_dim = zsi_strdup(rec))) ||
        (tv && !(*time_var = zsi_strdup(tv)))) {
        free(*rec_dim);
        *rec_dim = NULL;
        return zsi_nomem(zsi_dataset_ctx(ds));
    }
    return ZS_OK;
}

/* ---- fingerprints ------------------------------------------------------ */

typedef struct fp_ctx {
    zsi_strv *lines;
    const char *rec;
    const char *tv;
    bool unpack;
    bool nomem;
} fp_ctx;

static void fp_add(fp_ctx *f, char *line)
{
    if (!line || !zsi_strv_push_take(f->lines, line))
        f->nomem = true;
}

static const char *const fp_attrs[] = {
    "scale_factor", "add_offset", "missing_value", "_Unsigned", "units",
    "calendar", NULL
};

static char *fill_text(const zs_var *v)
{
    char num[40];
    if (zs_var_dtype(v) == ZS_DT_STRING)
        return zsi_strdup((const char *)zsi_var_fill_bytes(v));
    if (zs_var_dtype(v) == ZS_DT_BYTES || zs_var_dtype(v) == ZS_DT_UNICODE)
        return zsi_asprintf("byte %u", zsi_var_fill_bytes(v)[0]);
    zsi_fmt_double(zsi_load_double(zs_var_dtype(v), zsi_var_fill_bytes(v), 0),
                   num, sizeof num);
    return zsi_strdup(num);
}

static zs_status fp_var(void *user, zs_var *v)
{
    fp_ctx *f = user;
    zsi_buf b = ZSI_BUF_INIT;
    bool is_tv = f->tv && !strcmp(zs_var_path(v), f->tv);
    bool ok =
        zsi_buf_printf(&b, "var %s: %s (", zs_var_path(v),
                       zs_dataset_source(zsi_var_dataset(v)) == ZS_SRC_NETCDF
                           ? zsi_nc_type_name(v)
                           : zs_dtype_name(zs_var_dtype(v)));
    for (int i = 0; ok && i < zs_var_ndim(v); i++) {
        bool r = f->rec && !strcmp(zs_var_dim_name(v, i), f->rec);
        if (r)
            ok = zsi_buf_printf(&b, "%s%s=*", i ? ", " : "",
                                zs_var_dim_name(v, i));
        else
            ok = zsi_buf_printf(&b, "%s%s=%llu", i ? ", " : "",
                                zs_var_dim_name(v, i),
                                (unsigned long long)zs_var_shape(v)[i]);
    }
    ok = ok && zsi_buf_append(&b, ")", 1) && zsi_buf_cstr(&b);
    fp_add(f, ok ? (char *)zsi_buf_take(&b) : NULL);
    zsi_buf_free(&b);
    if (zsi_var_has_fill(v) && !(f->unpack && zs_attrs_find(zs_var_attrs(v),
                                                    "scale_factor", NULL))) {
        char *t = fill_text(v);
        fp_add(f,
               t ? zsi_asprintf("var %s: _FillValue = %s", zs_var_path(v), t)
                 : NULL);
        free(t);
    }
    for (int k = 0; fp_attrs[k]; k++) {
        size_t i;
        char *j = NULL;
        if ((is_tv && k >= 4) ||
            !zs_attrs_find(zs_var_attrs(v), fp_attrs[k], &i))
            continue;
        if (f->unpack && (k <= 2))
            continue;   /* each file is decoded with its own packing */
        if (zs_attrs_to_json(zs_var_attrs(v), i, &j) != ZS_OK) {
            f->nomem = true;
            continue;
        }
        fp_add(f, zsi_asprintf("var %s: %s = %s", zs_var_path(v), fp_attrs[k],
                               j));
        free(j);
    }
    /* the grid itself: values of dimension coordinates */
    if (zs_var_is_coord(v) && !is_tv &&
        !(f->rec && !strcmp(zs_var_dim_name(v, 0), f->rec))) {
        char hex[65];
        zs_status st = zs_var_checksum(v, hex);
        if (st != ZS_OK)
            return st;
        fp_add(f,
               zsi_asprintf("var %s: values sha256 %s", zs_var_path(v), hex));
    }
    return f->nomem ? zsi_nomem(zsi_var_ctx(v)) : ZS_OK;
}

static zs_status fingerprint(zs_dataset *ds, const char *rec, const char *tv,
                             bool stack, bool unpack, zsi_strv *lines)
{
    fp_ctx f = {lines, rec, tv, unpack, false};
    fp_add(&f, zsi_asprintf("record dimension: %s", rec ? rec : "(none)"));
    fp_add(&f, zsi_asprintf("time variable: %s%s", tv ? tv : "(none)",
                            stack ? " (scalar)" : ""));
    if (f.nomem)
        return zsi_nomem(zsi_dataset_ctx(ds));
    return zsi_dataset_each_var(ds, fp_var, &f);
}

/* ---- scanning one file -------------------------------------------------- */

static zs_status read_times(zs_dataset *ds, const char *tv, uint64_t n,
                            double **out, char **units, char **cal)
{
    zs_var *v = zs_group_find_var(zs_dataset_root(ds), tv);
    uint64_t start = 0, count = n;
    uint8_t *raw;
    const char *u, *c;
    if (!v || !zsi_dtype_is_numeric(zs_var_dtype(v)))
        return zsi_err(zsi_dataset_ctx(ds), ZS_ERR_FORMAT,
                       "%s: time variable '%s' is not numeric",
                       zsi_dataset_name(ds), tv);
    raw = malloc((size_t)(n ? n : 1) * zs_var_itemsize(v));
    *out = malloc((size_t)(n ? n : 1) * sizeof **out);
    if (!raw || !*out) {
        free(raw);
        return zsi_nomem(zsi_dataset_ctx(ds));
    }
    zs_status st = zs_var_read(v, &start, &count, raw);
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < n; i++)
        (*out)[i] = zsi_load_double(vt, raw, (size_t)i);
    free(raw);
    u = zsi_attrs_text(zs_var_attrs(v), "units");
    c = zsi_attrs_text(zs_var_attrs(v), "calendar");
    *units = zsi_strdup(u ? u : "");
    *cal = zsi_strdup(c ? c : "standard");
    if (st == ZS_OK && (!*units || !*cal))
        st = zsi_nomem(zsi_dataset_ctx(ds));
    return st;
}

/* Scan one file into f (errors go to f->err). */
static void scan_file(zs_ctx *ctx, zsi_cfile *f, bool unpack)
{
    zs_dataset *ds = NULL;
    char *rec = NULL, *tv = NULL;
    bool stack = false;
    zs_status st = zs_dataset_open(ctx, f->path, &ds);
    if (st == ZS_OK)
        st = zsi_convert_find_time(ds, &rec, &tv, &stack);
    if (st == ZS_OK && rec && !stack) {
        size_t k;
        const zs_group *o;
        if (zsi_group_find_dim(zs_dataset_root(ds), rec, &o, &k))
            f->nrec = zs_group_dim_size(o, k);
    } else if (st == ZS_OK && stack) {
        f->nrec = 1;
    }
    if (st == ZS_OK && tv)
        st = read_times(ds, tv, f->nrec, &f->times, &f->units, &f->calendar);
    if (st == ZS_OK)
        st = fingerprint(ds, rec, tv, stack, unpack, &f->fp);
    if (st != ZS_OK)
        f->err = zsi_strdup(zs_ctx_message(ctx));
    free(rec);
    free(tv);
    zs_dataset_close(ds);
}

/* ---- passing scans from workers to the parent --------------------------- */

static bool put_line(zsi_buf *b, char tag, const char *text)
{
    if (!zsi_buf_printf(b, "%c ", tag))
        return false;
    for (const char *p = text; *p; p++)  /* one record per line */
        if (!zsi_buf_append(b, *p == '\n' ? " " : p, 1))
            return false;
    return zsi_buf_append(b, "\n", 1);
}

static bool serialize(const zsi_cfile *f, size_t idx, zsi_buf *b)
{
    char num[40];
    bool ok = zsi_buf_printf(b, "F %zu\n", idx);
    if (f->err)
        return ok && put_line(b, 'E', f->err) && zsi_buf_append_str(b, ".\n");
    ok = ok && zsi_buf_printf(b, "N %llu\n", (unsigned long long)f->nrec);
    if (f->units)
        ok = ok && put_line(b, 'U', f->units) && put_line(b, 'C', f->calendar);
    for (uint64_t i = 0; ok && f->times && i < f->nrec; i++) {
        snprintf(num, sizeof num, "%.17g", f->times[i]);
        ok = put_line(b, 'T', num);
    }
    for (size_t i = 0; ok && i < f->fp.n; i++)
        ok = put_line(b, 'P', f->fp.v[i]);
    return ok && zsi_buf_append_str(b, ".\n");
}

typedef struct scan_job {
    zs_convert *c;
    zsi_buf in[ZSI_MAX_PROCS];      /* partial lines per child */
    zsi_cfile *cur[ZSI_MAX_PROCS];  /* record being filled per child */
    uint64_t nt[ZSI_MAX_PROCS];     /* times read so far */
} scan_job;

static int scan_child(void *arg, int k, int n, int fd)
{
    scan_job *j = arg;
    zs_convert *c = j->c;
    zs_ctx *ctx = c->ctx;
    for (size_t i = (size_t)k; i < c->nfiles; i += (size_t)n) {
        zsi_buf b = ZSI_BUF_INIT;
        scan_file(ctx, &c->files[i], c->o.unpack);
        if (!serialize(&c->files[i], i, &b))
            return 1;
        for (size_t off = 0; off < b.len;) {
            ssize_t w = write(fd, b.data + off, b.len - off);
            if (w <= 0)
                return 1;
            off += (size_t)w;
        }
        zsi_buf_free(&b);
    }
    return 0;
}

/* Parse one line from a child. */
static zs_status take_line(scan_job *j, int k, char *line)
{
    zs_convert *c = j->c;
    zsi_cfile *f = j->cur[k];
    char tag = line[0];
    const char *val = line[0] && line[1] ? line + 2 : "";
    if (tag == 'F') {
        size_t idx = (size_t)strtoull(val, NULL, 10);
        if (idx >= c->nfiles)
            return zsi_err(c->ctx, ZS_ERR_CHILD, "scan: bad file index");
        j->cur[k] = &c->files[idx];
        j->nt[k] = 0;
        return ZS_OK;
    }
    if (!f || tag == '.')
        return ZS_OK;
    bool ok = true;
    switch (tag) {
    case 'E': ok = (f->err = zsi_strdup(val)) != NULL; break;
    case 'N':
        f->nrec = strtoull(val, NULL, 10);
        free(f->times);
        f->times = calloc((size_t)(f->nrec ? f->nrec : 1), sizeof(double));
        ok = f->times != NULL;
        break;
    case 'U': ok = (f->units = zsi_strdup(val)) != NULL; break;
    case 'C': ok = (f->calendar = zsi_strdup(val)) != NULL; break;
    case 'T':
        if (j->nt[k] < f->nrec)
            f->times[j->nt[k]++] = strtod(val, NULL);
        break;
    case 'P': ok = zsi_strv_push(&f->fp, val); break;
    default: break;
    }
    return ok ? ZS_OK : zsi_nomem(c->ctx);
}

static zs_status scan_sink(void *arg, int k, const char *data, size_t len)
{
    scan_job *j = arg;
    zsi_buf *in = &j->in[k];
    size_t start = 0;
    if (!zsi_buf_append(in, data, len))
        return zsi_nomem(j->c->ctx);
    for (size_t i = 0; i < in->len; i++) {
        if (in->data[i] != '\n')
            continue;
        in->data[i] = 0;
        zs_status st = take_line(j, k, (char *)in->data + start);
        if (st != ZS_OK)
            return st;
        start = i + 1;
    }
    memmove(in->data, in->data + start, in->len - start);
    in->len -= start;
    return ZS_OK;
}

static zs_status scan_all(zs_convert *c)
{
    int n = zsi_procs_count(c->ctx, c->nfiles);
    scan_job *j;
    zs_status st;
    if (n <= 1) {
        for (size_t i = 0; i < c->nfiles; i++)
            scan_file(c->ctx, &c->files[i], c->o.unpack);
        return ZS_OK;
    }
    j = calloc(1, sizeof *j);
    if (!j)
        return zsi_nomem(c->ctx);
    j->c = c;
    st = zsi_procs_run(c->ctx, n, scan_child, j, scan_sink, j, NULL, NULL,
                       NULL);
    for (int k = 0; k < ZSI_MAX_PROCS; k++)
        zsi_buf_free(&j->in[k]);
    free(j);
    return st;
}

/* ---- the scan recorded by a preparation --------------------------------- */

/* The scan as text: the input names in order, then each file's record
 * as the workers send it. */
static zs_status save_scan(zs_convert *c)
{
    zsi_buf *b = &c->scan_text;
    bool ok = zsi_buf_printf(b, "zstore scan 1\ninputs %zu\n", c->nfiles);
    for (size_t i = 0; ok && i < c->nfiles; i++)
        ok = put_line(b, 'I', c->files[i].path);
    for (size_t i = 0; ok && i < c->nfiles; i++)
        ok = serialize(&c->files[i], i, b);
    return ok ? ZS_OK : zsi_nomem(c->ctx);
}

/* Check the header and the input names of a recorded scan; *body is
 * where the files' records start. */
static zs_status scan_header(zs_convert *c, const char *text,
                             const char *where, const char **body)
{
    const char *p = text;
    size_t n = 0;
    int used = 0;
    if (sscanf(p, "zstore scan 1\ninputs %zu\n%n", &n, &used) != 1 || !used)
        return zsi_err(c->ctx, ZS_ERR_FORMAT, "%s: a malformed record of "
                       "the inputs", where);
    p += used;
    if (n != c->nfiles)
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: prepared for other "
                       "inputs (%zu, not %zu)", where, n, c->nfiles);
    for (size_t i = 0; i < n; i++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : 0;
        if (!e || p[0] != 'I' || len < 2 ||
            strlen(c->files[i].path) != len - 2 ||
            strncmp(p + 2, c->files[i].path, len - 2))
            return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: prepared for "
                           "other inputs (input %zu differs): give the same "
                           "ones, in the same order", where, i + 1);
        p = e + 1;
    }
    *body = p;
    return ZS_OK;
}

/* The headers the preparation recorded in the partial output, if any
 * (*found): a part does not read every input's header again. */
static zs_status load_scan(zs_convert *c, bool *found)
{
    char *where = zsi_store_partial_name(c->o.output);
    zs_store *s = NULL;
    zsi_buf b = ZSI_BUF_INIT;
    scan_job *j = calloc(1, sizeof *j);
    const char *body = NULL;
    int got = 0;
    zs_status st = where && j ? ZS_OK : zsi_nomem(c->ctx);
    *found = false;
    if (st == ZS_OK && zs_store_open(c->ctx, where, ZS_STORE_READ, &s) !=
                           ZS_OK)
        goto done;          /* nothing prepared: the run says so */
    st = zsi_store_get(s, ZSI_REC_SCAN, &b, &got);
    if (st == ZS_OK && got && !zsi_buf_cstr(&b))
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK && got)
        st = scan_header(c, (const char *)b.data, where, &body);
    if (st == ZS_OK && got) {
        j->c = c;
        st = scan_sink(j, 0, body, strlen(body));
        *found = st == ZS_OK;
    }
done:
    if (j)
        zsi_buf_free(&j->in[0]);
    free(j);
    zsi_buf_free(&b);
    zs_store_close(s);
    free(where);
    return st;
}

/* Read the headers: from a preparation's record for a part and the
 * finish, else from the files (recorded when preparing). */
static zs_status headers(zs_convert *c)
{
    bool later = c->o.stage == ZS_CONVERT_PART ||
                 c->o.stage == ZS_CONVERT_FINISH;
    bool found = false;
    zs_status st = later && c->o.output ? load_scan(c, &found) : ZS_OK;
    if (st == ZS_OK && !found)
        st = scan_all(c);
    if (st == ZS_OK && c->o.stage == ZS_CONVERT_PREPARE)
        st = save_scan(c);
    return st;
}

zs_status zsi_convert_reopen(zs_ctx *ctx, const char *path,
                             zs_dataset **out)
{
    zs_log_fn log;
    void *user;
    zs_status st;
    zsi_ctx_get_log(ctx, &log, &user);
    zs_ctx_set_log(ctx, NULL, NULL);
    st = zs_dataset_open(ctx, path, out);
    zs_ctx_set_log(ctx, log, user);
    return st;
}

/* ---- agreement, order, overlap and gaps --------------------------------- */

/* Fingerprint lines of a variable start "var NAME: "; the length of
 * that prefix, or 0 for the other lines. */
static size_t var_prefix(const char *line)
{
    const char *e;
    if (strncmp(line, "var ", 4) != 0 || !(e = strstr(line + 4, ": ")))
        return 0;
    return (size_t)(e - line) + 2;
}

/* What a line says something about: "var NAME: ATTR" for attribute
 * lines, "var NAME: values" for coordinate values, "var NAME: " for the
 * type and shape; the text up to ": " for the others. */
static size_t line_key(const char *line)
{
    size_t p = var_prefix(line);
    const char *eq = strstr(line + p, " = ");
    if (!p)
        return strcspn(line, ":");
    if (eq)
        return (size_t)(eq - line);
    if (strncmp(line + p, "values ", 7) == 0)
        return p + 6;
    return p;
}

/* The first variable of a (in a's order) with no line in b, or NULL. */
static const char *lacks_var(const zsi_strv *a, const zsi_strv *b,
                             size_t *len)
{
    for (size_t i = 0; i < a->n; i++) {
        size_t p = var_prefix(a->v[i]);
        bool found = false;
        for (size_t k = 0; p && !found && k < b->n; k++)
            found = strncmp(b->v[k], a->v[i], p) == 0;
        if (p && !found) {
            *len = p - 6;    /* the name, without "var " and ": " */
            return a->v[i] + 4;
        }
    }
    return NULL;
}

/* Where f's fingerprint differs from ref's, as a message naming both
 * files and what differs.  Files may define the same variables in another
 * order: lines are matched by what they describe, not by position. */
static zs_status compare(zs_convert *c, const zsi_cfile *ref,
                         const zsi_cfile *f)
{
    const zsi_strv *a = &ref->fp, *b = &f->fp;
    const char *name;
    size_t n;
    bool same = a->n == b->n;
    for (size_t i = 0; same && i < a->n; i++)
        same = strcmp(a->v[i], b->v[i]) == 0;
    if (same)
        return ZS_OK;
    if ((name = lacks_var(a, b, &n)))
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: differs from %s: no "
                       "variable '%.*s'", f->path, ref->path, (int)n, name);
    if ((name = lacks_var(b, a, &n)))
        return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: differs from %s: extra "
                       "variable '%.*s' (not in %s)", f->path, ref->path,
                       (int)n, name, ref->path);
    for (int pass = 0; pass < 2; pass++) {
        const zsi_strv *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->n; i++) {
            const char *l = x->v[i], *other = "(nothing)";
            size_t k = line_key(l);
            if (zsi_strv_contains(y, l))
                continue;
            for (size_t j = 0; j < y->n; j++)
                if (line_key(y->v[j]) == k && !strncmp(y->v[j], l, k))
                    other = y->v[j];
            const char *mine = pass ? l : other, *theirs = pass ? other : l;
            return zsi_err(c->ctx, ZS_ERR_MISMATCH,
                           "%s: differs from %s: %s (%s has: %s)%s",
                           f->path, ref->path, mine, ref->path, theirs,
                           strstr(l, "scale_factor") ||
                                   strstr(l, "add_offset")
                               ? "; unpacking decodes each file with its "
                                 "own packing"
                               : "");
        }
    }
    return ZS_OK;
}

static zs_status file_units(zs_convert *c, zsi_cfile *f, zs_time_units **u)
{
    zs_status st = zs_time_units_parse(c->ctx, f->units, f->calendar, u);
    if (st != ZS_OK)
        zsi_err_prefix(c->ctx, st, "%s: time units", f->path);
    return st;
}

static void iso(const zs_time_units *u, double v, char *buf, size_t n)
{
    zs_datetime dt;
    if (zs_time_decode(u, v, &dt) != ZS_OK ||
        zs_datetime_format(&dt, buf, n) != ZS_OK)
        snprintf(buf, n, "%.17g", v);
}

static int cmp_first(const void *a, const void *b)
{
    const zsi_cfile *x = a, *y = b;
    if (x->first < y->first)
        return -1;
    if (x->first > y->first)
        return 1;
    return strcmp(x->path, y->path);
}

/* Instants of all records of f; strictly increasing or an error. */
static zs_status instants(zs_convert *c, zsi_cfile *f, zs_time_units *u,
                          zsi_usec **out)
{
    zsi_usec *t = malloc((size_t)(f->nrec ? f->nrec : 1) * sizeof *t);
    if (!t)
        return zsi_nomem(c->ctx);
    for (uint64_t i = 0; i < f->nrec; i++) {
        zs_status st = zsi_time_to_usec(u, f->times[i], &t[i]);
        if (st != ZS_OK) {
            free(t);
            return zsi_err(c->ctx, st, "%s: time value %.17g cannot be "
                           "decoded with units '%s'", f->path, f->times[i],
                           f->units);
        }
        if (i > 0 && t[i] <= t[i - 1]) {
            free(t);
            return zsi_err(c->ctx, ZS_ERR_FORMAT,
                           "%s: time values are not increasing (record "
                           "%llu)", f->path, (unsigned long long)i);
        }
    }
    *out = t;
    return ZS_OK;
}

static zs_status add_seg(zs_convert *c, size_t file, uint64_t start,
                         uint64_t count)
{
    zsi_cseg *v;
    if (count == 0)
        return ZS_OK;
    v = realloc(c->segs, (c->nsegs + 1) * sizeof *v);
    if (!v)
        return zsi_nomem(c->ctx);
    c->segs = v;
    v[c->nsegs].file = file;
    v[c->nsegs].start = start;
    v[c->nsegs].count = count;
    c->nsegs++;
    c->nrec += count;
    return ZS_OK;
}

/* Instant of record r of segment s. */
static zsi_usec seg_t(zsi_usec **t, const zsi_cseg *s, uint64_t r)
{
    return t[s->file][s->start + r];
}

/* --on-overlap last: remove the records of every kept segment that fall
 * in [a, b], splitting a segment in two when the new file lies inside
 * it. */
static zs_status cut_segments(zs_convert *c, zsi_usec **t, zsi_usec a,
                              zsi_usec b)
{
    size_t n = c->nsegs;
    for (size_t i = 0; i < n; i++) {
        zsi_cseg s = c->segs[i];
        uint64_t lo = 0, hi;
        while (lo < s.count && seg_t(t, &s, lo) < a)
            lo++;
        hi = lo;
        while (hi < s.count && seg_t(t, &s, hi) <= b)
            hi++;
        if (hi == lo)
            continue;
        c->nrec -= s.count - lo;
        c->segs[i].count = lo;   /* the part before [a, b] ... */
        zs_status st = add_seg(c, s.file, s.start + hi, s.count - hi);
        if (st != ZS_OK)         /* ... and the part after it */
            return st;
    }
    /* drop emptied segments */
    size_t k = 0;
    for (size_t i = 0; i < c->nsegs; i++)
        if (c->segs[i].count)
            c->segs[k++] = c->segs[i];
    c->nsegs = k;
    return ZS_OK;
}

static zs_status overlap_error(zs_convert *c, zsi_usec **t,
                               zs_time_units **u, size_t f)
{
    const zsi_cfile *cf = &c->files[f];
    for (size_t i = 0; i < c->nsegs; i++) {
        const zsi_cseg *s = &c->segs[i];
        const zsi_cfile *p = &c->files[s->file];
        char a[64], b[64];
        if (seg_t(t, s, s->count - 1) < t[f][0])
            continue;
        iso(u[f], cf->times[0], a, sizeof a);
        iso(u[s->file], p->times[s->start + s->count - 1], b, sizeof b);
        return zsi_err(c->ctx, ZS_ERR_MISMATCH,
                       "%s: overlaps %s in time (starts %s, %s ends %s; "
                       "an overlap policy can keep the first or last "
                       "file's records)", cf->path, p->path,
                       a, p->path, b);
    }
    return zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: overlaps in time",
                   cf->path);
}

static int cmp_seg(const void *x, const void *y, void *arg)
{
    zsi_usec **t = arg;
    zsi_usec a = seg_t(t, x, 0), b = seg_t(t, y, 0);
    return a < b ? -1 : a > b;
}

/* Build the output timeline from the files (sorted by first time) with
 * the overlap policy. */
static zs_status timeline(zs_convert *c, zsi_usec **t, zs_time_units **u)
{
    zs_status st = ZS_OK;
    for (size_t f = 0; st == ZS_OK && f < c->nfiles; f++) {
        uint64_t n = c->files[f].nrec, start = 0;
        bool over = false;
        zsi_usec last = 0;
        if (n == 0)
            continue;
        for (size_t i = 0; i < c->nsegs; i++) {
            zsi_usec l = seg_t(t, &c->segs[i], c->segs[i].count - 1);
            if (!over || l > last)
                last = l;
            over = true;
        }
        over = over && t[f][0] <= last;
        if (over && c->o.overlap == ZS_OVERLAP_ERROR)
            return overlap_error(c, t, u, f);
        if (over && c->o.overlap == ZS_OVERLAP_FIRST)
            while (start < n && t[f][start] <= last)
                start++;
        if (over && c->o.overlap == ZS_OVERLAP_LAST)
            st = cut_segments(c, t, t[f][0], t[f][n - 1]);
        if (st == ZS_OK)
            st = add_seg(c, f, start, n - start);
    }
    if (st == ZS_OK && c->nsegs > 1)
        qsort_r(c->segs, c->nsegs, sizeof *c->segs, cmp_seg, t);
    return st;
}

static int cmp_usec(const void *a, const void *b)
{
    zsi_usec x = *(const zsi_usec *)a, y = *(const zsi_usec *)b;
    return x < y ? -1 : x > y;
}

/* Report gaps larger than 1.5 times the usual step of the timeline. */
static void gaps(zs_convert *c, zsi_usec **t, zs_time_units **u)
{
    size_t m = 0, reported = 0, more = 0;
    zsi_usec *d, step, prev = 0;
    const zsi_cseg *ps = NULL;
    uint64_t pr = 0;
    if (c->nrec < 3 || !(d = malloc((size_t)c->nrec * sizeof *d)))
        return;
    for (size_t i = 0; i < c->nsegs; i++)
        for (uint64_t r = 0; r < c->segs[i].count; r++) {
            zsi_usec x = seg_t(t, &c->segs[i], r);
            if (i || r)
                d[m++] = x - prev;
            prev = x;
        }
    qsort(d, m, sizeof *d, cmp_usec);
    step = d[(m - 1) / 2];   /* the lower median: most steps are regular */
    free(d);
    for (size_t i = 0; i < c->nsegs; i++)
        for (uint64_t r = 0; r < c->segs[i].count; r++) {
            const zsi_cseg *s = &c->segs[i];
            if (ps) {
                zsi_usec a = seg_t(t, ps, pr), b = seg_t(t, s, r);
                if (b - a > step + step / 2 && reported < 10) {
                    char x[64], y[64];
                    iso(u[ps->file], c->files[ps->file].times[ps->start + pr],
                        x, sizeof x);
                    iso(u[s->file], c->files[s->file].times[s->start + r],
                        y, sizeof y);
                    zsi_log(c->ctx, ZS_LOG_WARN,
                            "gap in time: about %lld missing steps between "
                            "%s (%s) and %s (%s)",
                            (long long)((b - a) / step - 1), x,
                            c->files[ps->file].path, y,
                            c->files[s->file].path);
                    reported++;
                } else if (b - a > step + step / 2) {
                    more++;
                }
            }
            ps = s;
            pr = r;
        }
    if (more)
        zsi_log(c->ctx, ZS_LOG_WARN, "and %zu more gaps in time", more);
}

/* Order files by time and build the timeline. */
static zs_status order_files(zs_convert *c)
{
    zs_time_units **u = calloc(c->nfiles, sizeof *u);
    zsi_usec **t = calloc(c->nfiles, sizeof *t);
    zs_status st = u && t ? ZS_OK : zsi_nomem(c->ctx);
    for (size_t i = 0; st == ZS_OK && i < c->nfiles; i++) {
        zsi_cfile *f = &c->files[i];
        st = file_units(c, f, &u[i]);
        if (st == ZS_OK)
            st = instants(c, f, u[i], &t[i]);
        if (st == ZS_OK && i > 0 && !zsi_time_comparable(u[0], u[i]))
            st = zsi_err(c->ctx, ZS_ERR_MISMATCH,
                         "%s: calendar '%s' cannot be compared with '%s' "
                         "of %s", f->path, f->calendar, c->files[0].calendar,
                         c->files[0].path);
        if (st == ZS_OK)
            f->first = f->nrec ? t[i][0] : 0;
        f->order = i;
    }
    if (st == ZS_OK) {
        /* sort files, keeping units and instants in step */
        zsi_cfile *sorted = malloc(c->nfiles * sizeof *sorted);
        zs_time_units **su = malloc(c->nfiles * sizeof *su);
        zsi_usec **stt = malloc(c->nfiles * sizeof *stt);
        if (!sorted || !su || !stt) {
            st = zsi_nomem(c->ctx);
        } else {
            memcpy(sorted, c->files, c->nfiles * sizeof *sorted);
            qsort(sorted, c->nfiles, sizeof *sorted, cmp_first);
            for (size_t i = 0; i < c->nfiles; i++) {
                su[i] = u[sorted[i].order];
                stt[i] = t[sorted[i].order];
            }
            memcpy(c->files, sorted, c->nfiles * sizeof *sorted);
            memcpy(u, su, c->nfiles * sizeof *su);
            memcpy(t, stt, c->nfiles * sizeof *stt);
        }
        free(sorted);
        free(su);
        free(stt);
    }
    if (st == ZS_OK)
        st = timeline(c, t, u);
    if (st == ZS_OK)
        gaps(c, t, u);
    for (size_t i = 0; i < c->nfiles; i++) {
        if (u)
            zs_time_units_free(u[i]);
        if (t)
            free(t[i]);
    }
    free(u);
    free(t);
    return st;
}

zs_status zsi_convert_scan(zs_convert *c, const char *const *inputs,
                           size_t n)
{
    zs_status st;
    bool timed;
    c->files = calloc(n, sizeof *c->files);
    if (!c->files)
        return zsi_nomem(c->ctx);
    c->nfiles = n;
    for (size_t i = 0; i < n; i++)
        if (!(c->files[i].path = zsi_strdup(inputs[i])))
            return zsi_nomem(c->ctx);
    st = headers(c);
    for (size_t i = 0; st == ZS_OK && i < n; i++)
        if (c->files[i].err)
            return zsi_err(c->ctx, ZS_ERR_FORMAT, "%s", c->files[i].err);
    for (size_t i = 1; st == ZS_OK && i < n; i++)
        st = compare(c, &c->files[0], &c->files[i]);
    if (st != ZS_OK)
        return st;
    if (n == 1)   /* one file: nothing to order, times stay as they are */
        return add_seg(c, 0, 0, c->files[0].nrec);
    timed = c->files[0].units != NULL;
    if (!timed) {
        /* no time to order by: the record dimension, in the given order */
        bool has_rec = strncmp(c->files[0].fp.v[0], "record dimension: (",
                               19) != 0;
        if (!has_rec)
            return zsi_err(c->ctx, ZS_ERR_FORMAT,
                           "%s: no record or time dimension to concatenate "
                           "the inputs along", c->files[0].path);
        zsi_log(c->ctx, ZS_LOG_WARN, "no time variable: concatenating along "
                "the record dimension in the order given");
        for (size_t i = 0; st == ZS_OK && i < n; i++)
            st = add_seg(c, i, 0, c->files[i].nrec);
        return st;
    }
    return order_files(c);
}
