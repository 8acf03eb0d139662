/* convert_run.c - planning entry point and the run: worker processes
 * write units; the parent writes the time coordinate and the metadata,
 * .zmetadata last, then renames OUT.partial to OUT.  In a directory
 * output, completed units are recorded as they go (convert_resume.c), so
 * that a run can continue what another left, or write one part. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/zsi_convert.h"

zs_status zs_convert_plan(zs_ctx *ctx, const char *const *inputs,
                          size_t ninputs, const zs_convert_opts *opts,
                          const zs_write_opts *w, zs_convert **out)
{
    zs_convert *c;
    zs_status st;
    if (ninputs == 0)
        return zsi_err(ctx, ZS_ERR_INVALID, "no input files");
    c = calloc(1, sizeof *c);
    if (!c)
        return zsi_nomem(ctx);
    c->ctx = ctx;
    zsi_write_opts_init(&c->w, ctx);
    st = zsi_convert_opts_copy(ctx, opts, &c->o);
    if (st == ZS_OK) {
        zsi_write_opts_clear(&c->w);
        st = zsi_write_opts_copy(ctx, w, &c->w);
    }
    if (st == ZS_OK)
        st = zsi_convert_scan(c, inputs, ninputs);
    if (st == ZS_OK)
        st = zsi_convert_schema(c);
    if (st != ZS_OK) {
        zs_convert_plan_free(c);
        return st;
    }
    *out = c;
    return ZS_OK;
}

void zs_convert_plan_free(zs_convert *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nfiles; i++) {
        zsi_cfile *f = &c->files[i];
        free(f->path);
        free(f->err);
        free(f->times);
        free(f->units);
        free(f->calendar);
        zsi_strv_free(&f->fp);
    }
    free(c->est_var);
    for (size_t i = 0; i < c->nvars; i++) {
        zsi_cvar *v = &c->vars[i];
        for (int d = 0; d < v->ndim && v->dims; d++)
            free(v->dims[d]);
        free(v->dims);
        free(v->path);
        free(v->name);
        free(v->group);
        free(v->fill_text);
        zsi_attrs_free(v->attrs);
    }
    for (size_t i = 0; i < c->ngroups; i++) {
        free(c->groups[i].path);
        zsi_attrs_free(c->groups[i].attrs);
    }
    free(c->files);
    free(c->segs);
    free(c->vars);
    free(c->unit_order);
    free(c->groups);
    free(c->rec_dim);
    free(c->time_var);
    free(c->units);
    free(c->calendar);
    zsi_write_opts_clear(&c->w);
    zsi_convert_opts_clear(&c->o);
    zsi_buf_free(&c->scan_text);
    free(c);
}

/* ---- input files held open by a worker ---------------------------------- */

#define SRC_SLOTS 4

struct zsi_src_cache {
    zs_dataset *ds[SRC_SLOTS];
    size_t file[SRC_SLOTS];
    uint64_t used[SRC_SLOTS];
    uint64_t clock;
};

static void src_close_all(struct zsi_src_cache *sc)
{
    for (int i = 0; i < SRC_SLOTS; i++) {
        zs_dataset_close(sc->ds[i]);
        sc->ds[i] = NULL;
    }
}

static zs_status src_var(zs_convert *c, zs_ctx *ctx,
                         struct zsi_src_cache *sc, size_t file,
                         const char *path, zs_var **out)
{
    int slot = -1, lru = 0;
    zs_group *g;
    const char *slash = strrchr(path, '/');
    for (int i = 0; i < SRC_SLOTS; i++) {
        if (sc->ds[i] && sc->file[i] == file)
            slot = i;
        if (sc->used[i] < sc->used[lru])
            lru = i;
    }
    if (slot < 0) {
        slot = lru;
        zs_dataset_close(sc->ds[slot]);
        sc->ds[slot] = NULL;
        zs_status st = zsi_convert_reopen(ctx, c->files[file].path,
                                          &sc->ds[slot]);
        if (st != ZS_OK)
            return st;
        sc->file[slot] = file;
    }
    sc->used[slot] = ++sc->clock;
    g = zs_dataset_root(sc->ds[slot]);
    if (slash) {
        char *gp = zsi_strndup(path, (size_t)(slash - path));
        zs_status st = gp ? zsi_group_at(sc->ds[slot], gp, false, &g)
                          : zsi_nomem(ctx);
        free(gp);
        if (st != ZS_OK)
            return st;
    }
    *out = zs_group_find_var(g, slash ? slash + 1 : path);
    if (!*out)
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: no variable '%s'",
                       c->files[file].path, path);
    return ZS_OK;
}

/* ---- decoding packed values --------------------------------------------- */

/* ---- one unit ----------------------------------------------------------- */

/* Read box (input coordinates) of a variable of file f into dst, which is
 * a block of the slab (or the whole slab); convert when unpacking. */
static zs_status read_piece(zs_convert *c, zs_ctx *ctx,
                            struct zsi_src_cache *sc, const zsi_cvar *v,
                            size_t f, const uint64_t *start,
                            const uint64_t *count, void *dst)
{
    zs_var *iv;
    zs_status st = src_var(c, ctx, sc, f, v->path, &iv);
    uint64_t n = 1;
    void *tmp;
    zsi_cfdecode p;
    if (st != ZS_OK)
        return st;
    if (c->files[f].is_store)   /* values as they are stored */
        return zs_var_read(iv, start, count, dst);
    if (zs_var_dtype(iv) != v->in_dtype)
        return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: %s changed type",
                       c->files[f].path, v->path);
    if (!v->unpack)
        return zs_var_read(iv, start, count, dst);
    for (int d = 0; d < zs_var_ndim(iv); d++)
        n *= count[d];
    tmp = malloc((size_t)(n ? n : 1) * zs_var_itemsize(iv));
    if (!tmp)
        return zsi_nomem(ctx);
    st = zs_var_read(iv, start, count, tmp);
    if (st == ZS_OK) {
        zsi_cfdecode_init(&p, iv);
        for (uint64_t k = 0; k < n; k++)
            ((float *)dst)[k] = (float)zsi_cfdecode_value(&p, tmp, (size_t)k);
    }
    free(tmp);
    return st;
}

/* Fill the slab of a variable with a record dimension from the files
 * holding records [start[rec], start[rec] + count[rec]). */
static zs_status read_records(zs_convert *c, zs_ctx *ctx,
                              struct zsi_src_cache *sc, const zsi_cvar *v,
                              const uint64_t *start, const uint64_t *count,
                              uint8_t *slab)
{
    uint64_t r0 = start[v->rec], r1 = r0 + count[v->rec], o = 0;
    uint64_t in_s[ZS_MAX_DIMS], in_c[ZS_MAX_DIMS], zero[ZS_MAX_DIMS] = {0};
    uint64_t doff[ZS_MAX_DIMS] = {0};
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < c->nsegs && o < r1; i++) {
        const zsi_cseg *sg = &c->segs[i];
        size_t f = sg->file;
        uint64_t a = r0 > o ? r0 : o, b = r1 < o + sg->count ? r1
                                                             : o + sg->count;
        if (a < b) {
            int nd = 0;
            for (int d = 0; d < v->ndim; d++) {
                if (d == v->rec && v->stacked)
                    continue;   /* the file has no such dimension */
                in_s[nd] = d == v->rec ? sg->start + (a - o) : start[d];
                in_c[nd] = d == v->rec ? b - a : count[d];
                nd++;
            }
            if (v->rec == 0) {  /* a contiguous block of the slab */
                uint64_t per = v->out_size;
                for (int d = 1; d < v->ndim; d++)
                    per *= count[d];
                st = read_piece(c, ctx, sc, v, f, in_s, in_c,
                                slab + (a - r0) * per);
            } else {
                uint64_t n = v->out_size, bc[ZS_MAX_DIMS];
                uint8_t *tmp;
                for (int d = 0; d < v->ndim; d++) {
                    bc[d] = d == v->rec ? b - a : count[d];
                    n *= bc[d];
                }
                tmp = malloc((size_t)n);
                if (!tmp)
                    return zsi_nomem(ctx);
                st = read_piece(c, ctx, sc, v, f, in_s, in_c, tmp);
                doff[v->rec] = a - r0;
                if (st == ZS_OK)
                    zsi_nd_copy(v->ndim, v->out_size, tmp, bc, zero, slab,
                                count, doff, bc);
                free(tmp);
            }
        }
        o += sg->count;
    }
    return st;
}

static size_t first_file(const zs_convert *c)
{
    return c->nsegs ? c->segs[0].file : 0;
}

struct zsi_src_cache *zsi_convert_src_cache_new(void)
{
    return calloc(1, sizeof(struct zsi_src_cache));
}

void zsi_convert_src_cache_free(struct zsi_src_cache *sc)
{
    if (!sc)
        return;
    src_close_all(sc);
    free(sc);
}

zs_status zsi_convert_read_record(zs_convert *c, const zsi_cvar *v,
                                  uint64_t r, uint64_t n,
                                  struct zsi_src_cache *sc, void *buf)
{
    uint64_t start[ZS_MAX_DIMS], count[ZS_MAX_DIMS];
    for (int d = 0; d < v->ndim; d++) {
        start[d] = d == v->rec ? r : 0;
        count[d] = d == v->rec ? n : v->shape[d];
    }
    if (v->rec >= 0)
        return read_records(c, c->ctx, sc, v, start, count, buf);
    return read_piece(c, c->ctx, sc, v, first_file(c), start, count, buf);
}

zsi_cvar *zsi_convert_unit_var(const zs_convert *c, uint64_t u)
{
    size_t lo = 0, hi = c->nvars;
    while (lo + 1 < hi) {   /* unit0 grows along unit_order */
        size_t mid = (lo + hi) / 2;
        if (c->vars[c->unit_order[mid]].unit0 <= u)
            lo = mid;
        else
            hi = mid;
    }
    while (lo + 1 < c->nvars &&
           c->vars[c->unit_order[lo]].unit0 +
                   c->vars[c->unit_order[lo]].nunits <= u)
        lo++;
    return &c->vars[c->unit_order[lo]];
}

zs_status zsi_convert_write_unit(zs_convert *c, zs_ctx *ctx, uint64_t u,
                                 struct zsi_src_cache *sc, zsi_buf *dig)
{
    zsi_cvar *v = zsi_convert_unit_var(c, u);
    uint64_t start[ZS_MAX_DIMS], count[ZS_MAX_DIMS], n = 1;
    uint8_t *slab;
    zs_status st;
    zsi_convert_unit_box(v, u - v->unit0, start, count);
    for (int d = 0; d < v->ndim; d++)
        n *= count[d];
    /* every element is read into the slab; strings need NULLs to free */
    slab = v->out_dtype == ZS_DT_STRING
               ? calloc((size_t)(n ? n : 1), v->out_size)
               : malloc((size_t)(n ? n : 1) * v->out_size);
    if (!slab)
        return zsi_nomem(ctx);
    if (v->rec >= 0)
        st = read_records(c, ctx, sc, v, start, count, slab);
    else
        st = read_piece(c, ctx, sc, v, first_file(c), start, count, slab);
    if (st == ZS_OK)
        st = zs_array_write(v->arr, start, count, slab);
    if (dig)
        dig->len = 0;
    if (st == ZS_OK && dig && zsi_convert_unit_digestible(v, start, count))
        st = zsi_convert_unit_digests(ctx, v, count, slab, dig);
    if (v->out_dtype == ZS_DT_STRING)
        for (uint64_t i = 0; i < n; i++)
            free(((char **)(void *)slab)[i]);
    free(slab);
    return st;
}

/* ---- the time coordinate ------------------------------------------------ */

static zs_status write_times(zs_convert *c, zsi_cvar *v)
{
    zs_time_units *to = NULL, *from = NULL;
    uint64_t n = v->shape[0], k = 0, start = 0;
    uint8_t *buf = calloc((size_t)(n ? n : 1), v->out_size);
    zs_status st = buf ? zs_time_units_parse(c->ctx, c->units, c->calendar,
                                             &to)
                       : zsi_nomem(c->ctx);
    for (size_t i = 0; st == ZS_OK && i < c->nsegs; i++) {
        zsi_cfile *cf = &c->files[c->segs[i].file];
        st = zs_time_units_parse(c->ctx, cf->units, cf->calendar, &from);
        for (uint64_t r = 0; st == ZS_OK && r < c->segs[i].count; r++, k++) {
            double x = cf->times[c->segs[i].start + r];
            if (zsi_time_units_equal(from, to)) {
                zsi_store_double(v->out_dtype, buf, (size_t)k, x);
            } else if (zsi_dtype_is_int(v->out_dtype)) {
                int64_t iv;
                st = zsi_time_convert_int(from, to, x, v->out_dtype, &iv);
                if (st == ZS_OK && !zsi_store_double(v->out_dtype, buf,
                                                     (size_t)k, (double)iv))
                    st = zsi_err(c->ctx, ZS_ERR_RANGE, "time out of range");
            } else {
                double y;
                st = zsi_time_convert(from, to, x, &y);
                if (st == ZS_OK)
                    zsi_store_double(v->out_dtype, buf, (size_t)k, y);
            }
            if (st != ZS_OK)
                zsi_err_prefix(c->ctx, st, "%s: time %.17g in '%s'",
                               cf->path, x, cf->units);
        }
        zs_time_units_free(from);
        from = NULL;
    }
    if (st == ZS_OK)
        st = zs_array_write(v->arr, &start, &n, buf);
    zs_time_units_free(to);
    free(buf);
    return st;
}

/* ---- workers ------------------------------------------------------------ */

typedef struct pending {
    uint64_t tag;
    char op;
    char *key;
    uint8_t *data;
    size_t len;
} pending;

typedef struct run_job {
    zs_convert *c;
    zsi_shm *shm;
    uint64_t u0, u1;    /* the units to write (those not done) */
    uint64_t total;     /* their bytes */
    zsi_cstate *rec;    /* records of completed units, or NULL */
    bool in_parent;     /* -j 1: report progress (and interrupts) here */
    /* Forwarding: the output store is not process-safe (zip, tar stream,
     * memory), so the workers send what they write to the parent, which
     * writes it; for streams in unit order. */
    zs_store *out;
    bool forward, ordered;
    int window;         /* units a worker may run ahead of the parent */
    zsi_frames *fr;     /* one per worker */
    pending *pend;      /* frames of units that cannot be written yet */
    size_t npend, cappend;
    uint64_t *ended;    /* units finished but not yet written */
    size_t nended, capended;
    uint64_t next;      /* the next unit to write */
} run_job;

static zs_status run_tick(void *arg);

/* A worker forwarding to an ordered stream waits while it is too far
 * ahead of what the parent has written (memory stays bounded). */
static void wait_turn(run_job *j, uint64_t u)
{
    struct timespec ts = {0, 1000000L};
    while (u >= __atomic_load_n(&j->shm->emitted, __ATOMIC_SEQ_CST) +
                    (uint64_t)j->window &&
           !__atomic_load_n(&j->shm->failed, __ATOMIC_SEQ_CST))
        nanosleep(&ts, NULL);
}

/* Take units until none are left or someone failed; with pipe (a pipe
 * store), tag what is written with the unit. */
static zs_status run_units(run_job *j, zs_ctx *ctx, zs_store *pipe)
{
    struct zsi_src_cache sc;
    /* a manifest's digests, left with the records of completed work */
    zsi_buf dig = ZSI_BUF_INIT, *digp = j->c->o.manifest && j->rec
                                            ? &dig : NULL;
    zs_status st = ZS_OK;
    memset(&sc, 0, sizeof sc);
    for (;;) {
        uint64_t u = j->u0 + __atomic_fetch_add(&j->shm->next, 1,
                                                __ATOMIC_SEQ_CST);
        if (u >= j->u1 || __atomic_load_n(&j->shm->failed,
                                          __ATOMIC_SEQ_CST))
            break;
        if (j->rec && zsi_cstate_is_done(j->rec, u))
            continue;
        if (pipe) {
            if (j->ordered)
                wait_turn(j, u);
            zsi_store_pipe_set_tag(pipe, u);
        }
        st = zsi_convert_write_unit(j->c, ctx, u, &sc, digp);
        if (st == ZS_OK && digp && dig.len) {
            char key[64];
            snprintf(key, sizeof key, ZSI_DIGEST_PREFIX "%llu",
                     (unsigned long long)u);
            st = zs_store_set(j->rec->store, key, dig.data, dig.len);
        }
        if (st == ZS_OK && pipe)
            st = zsi_store_pipe_end_tag(pipe, u);
        if (st == ZS_OK && j->rec)
            st = zsi_cstate_unit(j->c, j->rec, u);
        if (st != ZS_OK) {
            zsi_shm_fail(j->shm, st, zs_ctx_message(ctx));
            break;
        }
        __atomic_add_fetch(&j->shm->done_bytes,
                           zsi_convert_unit_bytes(j->c, u), __ATOMIC_SEQ_CST);
        if (j->in_parent && (st = run_tick(j)) != ZS_OK)
            break;
    }
    /* what was written is recorded, also when another worker failed */
    if (j->rec) {
        zs_status rs = zsi_cstate_flush(j->c, j->rec);
        if (st == ZS_OK && rs != ZS_OK) {
            st = rs;
            zsi_shm_fail(j->shm, st, zs_ctx_message(ctx));
        }
    }
    src_close_all(&sc);
    zsi_buf_free(&dig);
    return st;
}

static int run_child(void *arg, int k, int n, int fd)
{
    run_job *j = arg;
    zs_ctx *ctx = j->c->ctx;
    zs_store *pipe = NULL;
    zs_status st = ZS_OK;
    (void)k;
    (void)n;
    /* the parent's pool (if any) has no threads in this process */
    zsi_ctx_forked_child(ctx);
    if (j->forward) {
        st = zsi_store_pipe_open(ctx, zs_store_name(j->out), fd, &pipe);
        for (size_t i = 0; st == ZS_OK && i < j->c->nvars; i++)
            zsi_array_retarget(j->c->vars[i].arr, pipe);
        if (st != ZS_OK)
            zsi_shm_fail(j->shm, st, zs_ctx_message(ctx));
    }
    if (st == ZS_OK)
        st = run_units(j, ctx, pipe);
    return st == ZS_OK ? 0 : 1;
}

/* ---- the parent's end of forwarding ------------------------------------- */

static zs_status apply(run_job *j, char op, const char *key, const void *data,
                       size_t len)
{
    if (op == 'S')
        return zs_store_set(j->out, key, data, len);
    if (op == 'E')
        return zs_store_erase(j->out, key);
    return ZS_OK;
}

static bool ended(run_job *j, uint64_t u, bool take)
{
    for (size_t i = 0; i < j->nended; i++)
        if (j->ended[i] == u) {
            if (take)
                j->ended[i] = j->ended[--j->nended];
            return true;
        }
    return false;
}

/* Write the held frames of the next units while they are complete. */
static zs_status flush_ready(run_job *j)
{
    zs_status st = ZS_OK;
    for (;;) {
        size_t w = 0;
        for (size_t i = 0; i < j->npend; i++) {
            pending *p = &j->pend[i];
            if (st == ZS_OK && p->tag == j->next) {
                st = apply(j, p->op, p->key, p->data, p->len);
                free(p->key);
                free(p->data);
            } else {
                j->pend[w++] = *p;
            }
        }
        j->npend = w;
        if (st != ZS_OK || !ended(j, j->next, true))
            break;
        j->next++;
        __atomic_store_n(&j->shm->emitted, j->next, __ATOMIC_SEQ_CST);
    }
    return st;
}

static zs_status on_frame(void *user, char op, uint64_t tag, const char *key,
                          const void *data, size_t len)
{
    run_job *j = user;
    pending *p;
    if (!j->ordered || (tag == j->next && op != 'T'))
        return apply(j, op, key, data, len);
    if (op == 'T') {
        if (tag == j->next) {
            j->next++;
            __atomic_store_n(&j->shm->emitted, j->next, __ATOMIC_SEQ_CST);
            return flush_ready(j);
        }
        if (j->nended == j->capended) {
            size_t cap = j->capended ? 2 * j->capended : 16;
            uint64_t *e = realloc(j->ended, cap * sizeof *e);
            if (!e)
                return zsi_nomem(j->c->ctx);
            j->ended = e;
            j->capended = cap;
        }
        j->ended[j->nended++] = tag;
        return ZS_OK;
    }
    if (j->npend == j->cappend) {
        size_t cap = j->cappend ? 2 * j->cappend : 64;
        pending *e = realloc(j->pend, cap * sizeof *e);
        if (!e)
            return zsi_nomem(j->c->ctx);
        j->pend = e;
        j->cappend = cap;
    }
    p = &j->pend[j->npend];
    p->tag = tag;
    p->op = op;
    p->len = len;
    p->key = zsi_strdup(key);
    p->data = malloc(len ? len : 1);
    if (!p->key || !p->data) {
        free(p->key);
        free(p->data);
        return zsi_nomem(j->c->ctx);
    }
    memcpy(p->data, data, len);
    j->npend++;
    return ZS_OK;
}

static zs_status run_sink(void *arg, int k, const char *data, size_t len)
{
    run_job *j = arg;
    return zsi_frames_feed(j->c->ctx, &j->fr[k], data, len, on_frame, j);
}

static zs_status run_tick(void *arg)
{
    run_job *j = arg;
    return zsi_progress(j->c->ctx, j->shm->done_bytes, j->total);
}

/* ---- creating arrays ---------------------------------------------------- */

static zs_status create_arrays(zs_convert *c, zsi_writer *w)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < c->ngroups; i++)
        st = zsi_writer_add_group(w, c->groups[i].path, c->groups[i].attrs);
    for (size_t i = 0; st == ZS_OK && i < c->nvars; i++) {
        zsi_cvar *v = &c->vars[i];
        zsi_array_def d = {
            .path = v->path, .ndim = v->ndim, .shape = v->shape,
            .chunks = v->chunks, .dims = (const char *const *)v->dims,
            .dtype = v->out_dtype,
            .itemsize = v->out_dtype == ZS_DT_STRING ? 8 : v->out_size,
            .fill = !v->has_fill ? NULL
                    : v->out_dtype == ZS_DT_STRING
                        ? (const void *)v->fill_text : (const void *)v->fill,
            .attrs = v->attrs,
        };
        st = zsi_writer_add_array(w, &d, &v->arr);
    }
    return st;
}

/* Write units [u0, u1) but those rec (if not NULL) has done. */
static zs_status write_data(zs_convert *c, zs_store *out, uint64_t u0,
                            uint64_t u1, zsi_cstate *rec)
{
    run_job j = {.c = c, .shm = zsi_shm_new(), .out = out, .u0 = u0,
                 .u1 = u1, .rec = rec};
    uint64_t todo = 0;
    int n;
    zs_status st;
    if (!j.shm)
        return zsi_err(c->ctx, ZS_ERR_NOMEM, "cannot map shared memory");
    for (uint64_t u = u0; u < u1; u++)
        if (!rec || !zsi_cstate_is_done(rec, u)) {
            j.total += zsi_convert_unit_bytes(c, u);
            todo++;
        }
    n = zsi_procs_count(c->ctx, todo);
    if (n <= 1) {
        j.in_parent = true;
        st = run_units(&j, c->ctx, NULL);
        if (st == ZS_OK)
            st = run_tick(&j);
    } else {
        j.forward = !(zsi_store_caps(out) & ZSI_STORE_CONCURRENT_WRITES);
        j.ordered = (zsi_store_caps(out) & ZSI_STORE_STREAM) != 0;
        j.window = 2 * n;
        j.fr = calloc((size_t)n, sizeof *j.fr);
        st = j.fr ? zsi_procs_run(c->ctx, n, run_child, &j,
                                  j.forward ? run_sink : NULL, &j, run_tick,
                                  &j, j.shm)
                  : zsi_nomem(c->ctx);
        if (st == ZS_OK && j.forward && (j.npend || j.nended ||
                                         (j.ordered && j.next != u1)))
            st = zsi_err(c->ctx, ZS_ERR_CHILD, "worker processes stopped "
                         "before sending every unit");
        for (int i = 0; j.fr && i < n; i++)
            zsi_frames_free(&j.fr[i]);
        for (size_t i = 0; i < j.npend; i++) {
            free(j.pend[i].key);
            free(j.pend[i].data);
        }
        free(j.fr);
        free(j.pend);
        free(j.ended);
    }
    if (st == ZS_OK)
        st = zsi_progress(c->ctx, j.total, j.total);
    zsi_shm_free(j.shm);
    return st;
}

/* ---- the stages --------------------------------------------------------- */

static zs_status not_prepared(zs_convert *c, const char *out)
{
    char *p = zsi_store_partial_name(out);
    zs_status st = zsi_err(c->ctx, ZS_ERR_NOTFOUND, "%s: no prepared "
                           "conversion to %s (prepare it first)",
                           p ? p : out, c->o.stage == ZS_CONVERT_PART
                                        ? "write a part of" : "finish");
    free(p);
    return st;
}

static int note_key(void *user, const char *key)
{
    (void)key;
    *(bool *)user = true;
    return 1;
}

/* A store written in place (S3) that holds objects but no plan is not
 * an unfinished conversion of ours: replaced only when overwriting. */
static zs_status check_fresh(zs_convert *c, zsi_writer *w, const char *out)
{
    zs_store *s = zsi_writer_store(w);
    bool any = false;
    zs_status st;
    if (!(zsi_store_caps(s) & ZSI_STORE_IN_PLACE))
        return ZS_OK;
    st = zs_store_list(s, "", note_key, &any);
    if (st == ZS_OK && any && !c->w.overwrite)
        st = zsi_err(c->ctx, ZS_ERR_EXISTS, "%s: output exists (and holds "
                     "no unfinished conversion to continue)", out);
    return st;
}

/* A whole run replaces a partial output, unless resuming; parts write
 * into it at once; the finish needs it. */
static zs_status open_output(zs_convert *c, const char *out, zsi_writer **w)
{
    int stage = c->o.stage;
    bool later = stage == ZS_CONVERT_PART || stage == ZS_CONVERT_FINISH;
    zs_status st;
    if (!c->o.resume && stage == ZS_CONVERT_WHOLE)
        return zsi_writer_open(c->ctx, out, &c->w, w);
    st = zsi_writer_open_continue(c->ctx, out, &c->w,
                                  (stage == ZS_CONVERT_PART
                                       ? ZSI_CONTINUE_SHARED : 0) |
                                      (later ? ZSI_CONTINUE_EXISTING : 0),
                                  w);
    return st == ZS_ERR_NOTFOUND && later ? not_prepared(c, out) : st;
}

/* Records of completed work: what the output holds must be this plan's
 * (a partial output of another plan is an error, left as it is); a
 * part and the finish need a prepared one; the others start afresh
 * what holds no plan, and record theirs. */
static zs_status start_records(zs_convert *c, zsi_writer *w, const char *out,
                               zsi_cstate *rec)
{
    bool planned = false;
    bool part = c->o.stage == ZS_CONVERT_PART;
    zs_status st = zsi_cstate_digest(c, w, rec->digest);
    if (st == ZS_OK)
        st = zsi_writer_set_scratch(w, ZSI_REC_PREFIX);
    if (st == ZS_OK)
        st = zsi_cstate_load(c, zsi_writer_store(w), rec,
                             part ? c->o.part_k : 0, c->o.part_n, &planned);
    if (st != ZS_OK || planned)
        return st;
    if (part || c->o.stage == ZS_CONVERT_FINISH)
        return not_prepared(c, out);
    if (c->o.resume || c->o.stage == ZS_CONVERT_PREPARE)
        st = check_fresh(c, w, out);
    if (st == ZS_OK && (c->o.resume || c->o.stage == ZS_CONVERT_PREPARE))
        st = zsi_writer_restart(w);
    if (st == ZS_OK && c->scan_text.len)
        st = zs_store_set(zsi_writer_store(w), ZSI_REC_SCAN,
                          c->scan_text.data, c->scan_text.len);
    if (st == ZS_OK)
        st = zsi_cstate_put_plan(c, rec);
    return st;
}

static zs_status write_stage(zs_convert *c, zsi_writer *w, zsi_cstate *rec)
{
    zs_store *s = zsi_writer_store(w);
    zsi_cstate *r = rec->store ? rec : NULL;
    uint64_t u0 = 0, u1 = c->nunits;
    zs_status st = ZS_OK;
    int stage = c->o.stage;
    /* the time coordinate is the parent's, written again by whoever
     * finishes (the same bytes) */
    for (size_t i = 0; stage != ZS_CONVERT_PART && i < c->nvars; i++)
        if (c->vars[i].is_time && st == ZS_OK)
            st = write_times(c, &c->vars[i]);
    if (stage == ZS_CONVERT_PART)
        zsi_convert_part_units(c, c->o.part_k, c->o.part_n, &u0, &u1);
    if (st == ZS_OK && (stage == ZS_CONVERT_WHOLE || stage == ZS_CONVERT_PART))
        st = write_data(c, s, u0, u1, r);
    if (st == ZS_OK && stage == ZS_CONVERT_PART)
        st = zsi_cstate_put_part(c, rec, c->o.part_k, c->o.part_n);
    if (st == ZS_OK && stage == ZS_CONVERT_FINISH)
        st = zsi_cstate_check(c, rec);
    if (st == ZS_OK && c->o.manifest && (stage == ZS_CONVERT_WHOLE ||
                                         stage == ZS_CONVERT_FINISH))
        st = zsi_writer_is_stream(w)
                 ? zsi_err(c->ctx, ZS_ERR_UNSUPPORTED, "a manifest is read "
                           "back from the store: not in a stream")
                 : zsi_convert_manifest(c, s);
    return st;
}

/* The end of a run: finish (when the stage does) or record a failure,
 * then close; the arrays were the writer's. */
static zs_status end_run(zs_convert *c, zsi_writer *w, zs_status st,
                         bool finish, zsi_cstate *rec)
{
    if (st == ZS_OK && finish)
        st = zsi_writer_finish(w);
    else if (st != ZS_OK && w)
        zsi_writer_fail(w, st);
    for (size_t i = 0; i < c->nvars; i++)
        c->vars[i].arr = NULL;
    zsi_writer_close(w);
    zsi_cstate_clear(rec);
    return st;
}

/* ---- the estimate ------------------------------------------------------- */

/* The sample: the first unit of the variable with the most bytes. */
static uint64_t sample_unit(const zs_convert *c)
{
    uint64_t best = 0, most = 0;
    for (size_t i = 0; i < c->nvars; i++) {
        const zsi_cvar *v = &c->vars[i];
        uint64_t b = v->out_size;
        for (int d = 0; d < v->ndim; d++)
            b *= v->shape[d];
        if (v->nunits && b > most) {
            most = b;
            best = v->unit0;
        }
    }
    return best;
}

zs_status zs_convert_estimate(zs_convert *c)
{
    char name[64];
    zsi_writer *w = NULL;
    struct zsi_src_cache *sc = NULL;
    struct timespec t0, t1;
    uint64_t u = sample_unit(c);
    zs_status st;
    c->est_bytes = 0;
    if (!c->nunits)
        return ZS_OK;
    /* written as the run writes it, into memory, then discarded */
    snprintf(name, sizeof name, "mem://.zstore-estimate-%p", (void *)c);
    st = zsi_writer_open(c->ctx, name, &c->w, &w);
    if (st == ZS_OK)
        st = create_arrays(c, w);
    if (st == ZS_OK && !(sc = zsi_convert_src_cache_new()))
        st = zsi_nomem(c->ctx);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st == ZS_OK)
        st = zsi_convert_write_unit(c, c->ctx, u, sc, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    zsi_convert_src_cache_free(sc);
    for (size_t i = 0; i < c->nvars; i++)
        c->vars[i].arr = NULL;
    zsi_writer_close(w);    /* not finished: discarded */
    if (st != ZS_OK)
        return st;
    free(c->est_var);
    if (!(c->est_var = zsi_strdup(zsi_convert_unit_var(c, u)->path)))
        return zsi_nomem(c->ctx);
    c->est_bytes = zsi_convert_unit_bytes(c, u);
    c->est_secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return ZS_OK;
}

/* Appending: the store changed in place, its complete chunks kept. */
static zs_status run_append(zs_convert *c, const char *out)
{
    zsi_writer *w = NULL;
    zsi_cstate skip;
    zs_status st = zsi_writer_open_update(c->ctx, out, &c->w, &w);
    memset(&skip, 0, sizeof skip);
    if (st == ZS_OK)
        st = create_arrays(c, w);
    if (st == ZS_OK)
        st = zsi_convert_append_check(c, w);
    if (st == ZS_OK)
        st = zsi_convert_append_skips(c, &skip);
    for (size_t i = 0; st == ZS_OK && i < c->nvars; i++)
        if (c->vars[i].is_time)
            st = write_times(c, &c->vars[i]);
    if (st == ZS_OK)
        st = write_data(c, zsi_writer_store(w), 0, c->nunits, &skip);
    return end_run(c, w, st, true, &skip);
}

zs_status zs_convert_run(zs_convert *c, const char *out)
{
    zsi_writer *w = NULL;
    zsi_cstate rec;
    int stage = c->o.stage;
    zs_status st;
    if (c->o.append)
        return run_append(c, out);
    st = open_output(c, out, &w);
    memset(&rec, 0, sizeof rec);
    if (st == ZS_OK)
        st = create_arrays(c, w);
    /* a stream is read in one pass: metadata first, then the time
     * coordinate, then the data; elsewhere the metadata comes last so
     * that an unfinished store never looks complete */
    if (st == ZS_OK)
        st = zsi_writer_begin(w);
    if (st == ZS_OK && zsi_writer_resumable(w))
        st = start_records(c, w, out, &rec);
    if (st == ZS_OK)
        st = write_stage(c, w, &rec);
    return end_run(c, w, st, stage == ZS_CONVERT_WHOLE ||
                                 stage == ZS_CONVERT_FINISH, &rec);
}
