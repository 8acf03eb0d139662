/* convert_resume.c - what makes a conversion resumable and splittable:
 * the units of each part, and the records of completed work in an
 * output that a later run can continue (see zsi_convert.h).
 *
 * A unit is written whole (its chunks) before it is recorded, and its
 * record is written only after a sync of the store, so a record never
 * names a chunk that a crash could lose.  A record is a text file
 * ending in "end N" (N the number of ranges before it): one cut short
 * by a crash is ignored, and its units are written again.  Units are
 * written deterministically, so writing one again gives the same bytes. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ops/zsi_convert.h"

#define REC_PLAN ZSI_REC_PREFIX "plan"
#define REC_DONE ZSI_REC_PREFIX "done."
#define REC_PART ZSI_REC_PREFIX "part."
/* A worker's record is rewritten this often (ms; convert.record_ms). */
#define REC_INTERVAL_MS 1000
#define REC_MIN_MS 10
/* Parts named in a message before "and N more". */
#define NAMED_PARTS 20

/* ---- units of a part ------------------------------------------------- */

uint64_t zsi_convert_unit_bytes(const zs_convert *c, uint64_t u)
{
    const zsi_cvar *v = zsi_convert_unit_var(c, u);
    uint64_t s[ZS_MAX_DIMS], n[ZS_MAX_DIMS], b = v->out_size;
    zsi_convert_unit_box(v, u - v->unit0, s, n);
    for (int d = 0; d < v->ndim; d++)
        b *= n[d];
    return b ? b : 1;
}

/* Part p (0-based) of n holding the unit that starts at byte "before"
 * of total: parts are runs of about total / n bytes. */
static uint64_t part_of(uint64_t before, uint64_t per, uint64_t n)
{
    uint64_t p = before / per;
    return p < n ? p : n - 1;
}

void zsi_convert_part_units(const zs_convert *c, uint64_t k, uint64_t n,
                            uint64_t *u0, uint64_t *u1)
{
    uint64_t total = 0, before = 0, per;
    bool started = false;
    *u0 = *u1 = 0;
    for (uint64_t u = 0; u < c->nunits; u++)
        total += zsi_convert_unit_bytes(c, u);
    per = total / n + (total % n != 0);
    if (per == 0)
        return;
    for (uint64_t u = 0; u < c->nunits; u++) {
        uint64_t p = part_of(before, per, n);
        if (p == k - 1 && !started) {
            *u0 = u;
            *u1 = c->nunits;
            started = true;
        } else if (p > k - 1) {
            if (started)
                *u1 = u;
            return;
        }
        before += zsi_convert_unit_bytes(c, u);
    }
}

/* ---- the plan's digest ------------------------------------------------ */

static void hash_buf(zsi_sha256 *h, zsi_buf *b)
{
    zsi_sha256_update(h, b->data, b->len);
    zsi_sha256_update(h, "\n", 1);
    b->len = 0;
}

/* The inputs in output order: which records of which file, and their
 * times, as the scan read them. */
static bool hash_inputs(const zs_convert *c, zsi_sha256 *h, zsi_buf *b)
{
    bool ok = true;
    for (size_t i = 0; ok && i < c->nsegs; i++) {
        const zsi_cseg *sg = &c->segs[i];
        const zsi_cfile *f = &c->files[sg->file];
        ok = zsi_buf_printf(b, "input %s %llu+%llu of %llu %s %s", f->path,
                            (unsigned long long)sg->start,
                            (unsigned long long)sg->count,
                            (unsigned long long)f->nrec,
                            f->units ? f->units : "-",
                            f->calendar ? f->calendar : "-");
        for (uint64_t r = 0; ok && f->times && r < sg->count; r++)
            ok = zsi_buf_printf(b, " %.17g", f->times[sg->start + r]);
        if (ok)
            hash_buf(h, b);
    }
    return ok;
}

/* How the variables are cut into units (the records name units). */
static bool hash_units(const zs_convert *c, zsi_sha256 *h, zsi_buf *b)
{
    bool ok = zsi_buf_printf(b, "units %llu", (unsigned long long)c->nunits);
    for (size_t i = 0; ok && i < c->nvars; i++) {
        const zsi_cvar *v = &c->vars[c->unit_order[i]];
        ok = zsi_buf_printf(b, " %s:%llu+%llu/%d/%llu", v->path,
                            (unsigned long long)v->unit0,
                            (unsigned long long)v->nunits, v->slabs.k,
                            (unsigned long long)v->slabs.step);
    }
    if (ok)
        hash_buf(h, b);
    return ok;
}

zs_status zsi_cstate_digest(zs_convert *c, zsi_writer *w, char hex[65])
{
    zsi_sha256 *h = NULL;
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_sha256_new(c->ctx, &h);
    if (st == ZS_OK && !zsi_buf_append_str(&b, "zstore conversion 1"))
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK)
        hash_buf(h, &b);
    for (size_t i = 0; st == ZS_OK && i < c->ngroups; i++) {
        st = zsi_buf_printf(&b, "group %s", c->groups[i].path)
                 ? zsi_meta_format_attrs(c->ctx, c->groups[i].attrs, NULL,
                                         0, 0, &b)
                 : zsi_nomem(c->ctx);
        if (st == ZS_OK)
            hash_buf(h, &b);
    }
    for (size_t i = 0; st == ZS_OK && i < zsi_writer_narrays(w); i++) {
        zs_array *a = zsi_writer_array(w, i);
        st = zsi_buf_printf(&b, "array %s", zsi_array_path(a))
                 ? zsi_array_format_meta(a, 0, &b) : zsi_nomem(c->ctx);
        if (st == ZS_OK)
            st = zsi_array_format_zattrs(a, 0, &b);
        if (st == ZS_OK)
            hash_buf(h, &b);
    }
    if (st == ZS_OK && !hash_inputs(c, h, &b))
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK && !hash_units(c, h, &b))
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK)
        zsi_sha256_final(h, hex);   /* frees h */
    else
        zsi_sha256_free(h);
    zsi_buf_free(&b);
    return st;
}

/* ---- reading the records ---------------------------------------------- */

static void mark(zsi_cstate *s, uint64_t u)
{
    if (!(s->done[u / 8] & (1u << (u % 8)))) {
        s->done[u / 8] |= (uint8_t)(1u << (u % 8));
        s->ndone++;
    }
}

bool zsi_cstate_is_done(const zsi_cstate *s, uint64_t u)
{
    return s->done && (s->done[u / 8] & (1u << (u % 8)));
}

/* Parse a unit record: ranges "A B", then "end N".  false for a record
 * that is cut short or names units the plan does not have; the bits are
 * set only for a whole record. */
static bool parse_units(zsi_cstate *s, const char *text, uint64_t nunits,
                        bool apply)
{
    const char *p = text;
    uint64_t nr = 0;
    while (*p) {
        unsigned long long a, b;
        int used = 0;
        if (sscanf(p, "end %llu\n%n", &a, &used) == 1 && used > 0)
            return !p[used] && a == nr;
        if (sscanf(p, "%llu %llu\n%n", &a, &b, &used) != 2 || used == 0 ||
            a > b || b >= nunits)
            return false;
        for (uint64_t u = a; apply && u <= b; u++)
            mark(s, u);
        nr++;
        p += used;
    }
    return false;
}

static zs_status read_units(zs_convert *c, zsi_cstate *s, const char *prefix)
{
    zsi_strv keys = {0};
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_store_list_all(s->store, prefix, &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++) {
        int found = 0;
        st = zsi_store_get(s->store, keys.v[i], &b, &found);
        if (st != ZS_OK || !found || !zsi_buf_cstr(&b))
            continue;
        if (parse_units(s, (const char *)b.data, c->nunits, false))
            parse_units(s, (const char *)b.data, c->nunits, true);
    }
    zsi_buf_free(&b);
    zsi_strv_free(&keys);
    return st;
}

/* The N of the part records ("part/K-N"), 0 if there are none. */
static zs_status read_parts(zsi_cstate *s)
{
    zsi_strv keys = {0};
    zs_status st = zsi_store_list_all(s->store, REC_PART, &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n && !s->part_n; i++) {
        unsigned long long k, n;
        if (sscanf(keys.v[i] + strlen(REC_PART), "%llu-%llu", &k, &n) == 2
            && k >= 1 && k <= n && n <= ZSI_MAX_PARTS)
            s->part_n = n;
    }
    zsi_strv_free(&keys);
    return st;
}

/* What a message names: where the unfinished output is. */
static const char *where(zsi_buf *b, zs_store *store)
{
    char *p = zsi_store_partial_name(zs_store_name(store));
    b->len = 0;
    if (!p || !zsi_buf_append_str(b, p) || !zsi_buf_cstr(b)) {
        free(p);
        return zs_store_name(store);
    }
    free(p);
    return (const char *)b->data;
}

static zs_status plan_differs(zs_convert *c, zs_store *store)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_err(c->ctx, ZS_ERR_MISMATCH, "%s: holds a "
                           "conversion of other inputs or options (its "
                           "plan differs): give the same ones, or remove "
                           "it", where(&b, store));
    zsi_buf_free(&b);
    return st;
}

zs_status zsi_cstate_load(zs_convert *c, zs_store *store, zsi_cstate *s,
                          uint64_t k, uint64_t n, bool *planned)
{
    zsi_buf b = ZSI_BUF_INIT;
    int found = 0;
    char want[80], *prefix;
    zs_status st;
    s->store = store;
    *planned = false;
    s->done = calloc((size_t)(c->nunits / 8 + 1), 1);
    if (!s->done)
        return zsi_nomem(c->ctx);
    st = zsi_store_get(store, REC_PLAN, &b, &found);
    if (st == ZS_OK && found) {
        snprintf(want, sizeof want, "digest %s\n", s->digest);
        if (!zsi_buf_cstr(&b))
            st = zsi_nomem(c->ctx);
        else if (!strstr((const char *)b.data, want))
            st = plan_differs(c, store);
        *planned = st == ZS_OK;
    }
    zsi_buf_free(&b);
    if (st != ZS_OK || !*planned)
        return st;
    prefix = k ? zsi_asprintf(REC_DONE "%llu-%llu.", (unsigned long long)k,
                              (unsigned long long)n)
               : zsi_strdup(REC_DONE);
    st = prefix ? read_units(c, s, prefix) : zsi_nomem(c->ctx);
    free(prefix);
    if (st == ZS_OK)
        st = read_parts(s);
    return st;
}

/* ---- writing them ------------------------------------------------------- */

zs_status zsi_cstate_put_plan(zs_convert *c, zsi_cstate *s)
{
    char *text = zsi_asprintf("zstore conversion plan\ndigest %s\n"
                              "units %llu\n", s->digest,
                              (unsigned long long)c->nunits);
    zs_status st = text ? zsi_store_sync(s->store) : zsi_nomem(c->ctx);
    if (st == ZS_OK)
        st = zs_store_set(s->store, REC_PLAN, text, strlen(text));
    free(text);
    return st;
}

/* The name of this process's record: its part, host, process and start,
 * so that no two processes (on any machine, at any time) share one. */
static char *record_name(const zs_convert *c)
{
    char host[65] = "";
    struct timespec ts;
    gethostname(host, sizeof host - 1);
    for (char *p = host; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789-_", *p))
            *p = '_';
    clock_gettime(CLOCK_REALTIME, &ts);
    return zsi_asprintf(REC_DONE "%llu-%llu.%s.%ld.%lld%09ld",
                        (unsigned long long)c->o.part_k,
                        (unsigned long long)c->o.part_n,
                        *host ? host : "host", (long)getpid(),
                        (long long)ts.tv_sec, (long)ts.tv_nsec);
}

/* The record's text: this process's ranges, then "end N" (under mu). */
static bool record_text(const zsi_cstate *s, zsi_buf *b)
{
    bool ok = true;
    for (size_t i = 0; ok && i < s->nmine; i++)
        ok = zsi_buf_printf(b, "%llu %llu\n",
                            (unsigned long long)s->mine[2 * i],
                            (unsigned long long)s->mine[2 * i + 1]);
    return ok && zsi_buf_printf(b, "end %zu\n", s->nmine);
}

/* Sync, then write the record: what it names is on disk before it is. */
static zs_status write_record(zs_convert *c, zsi_cstate *s, zsi_buf *b)
{
    zs_status st = zsi_store_sync(s->store);
    (void)c;
    if (st == ZS_OK)
        st = zs_store_set(s->store, s->name, b->data, b->len);
    return st;
}

/* The recorder thread: every interval, the ranges as they are, a sync
 * and the record; until told to stop or a failure. */
static void *recorder(void *arg)
{
    zs_convert *c = ((void **)arg)[0];
    zsi_cstate *s = ((void **)arg)[1];
    int64_t ms = zsi_ctx_opt_int(c->ctx, "convert.record_ms",
                                 REC_INTERVAL_MS);
    if (ms < REC_MIN_MS)
        ms = REC_MIN_MS;
    char msg[ZSI_MSG_MAX] = "";
    bool redirected = zsi_ctx_redirect(c->ctx, msg);
    zsi_buf b = ZSI_BUF_INIT;
    free(arg);
    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->thread_st == ZS_OK) {
        struct timespec ts;
        bool ok = true;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(ms / 1000);
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0)
            ;
        if (s->stop || !s->dirty)
            continue;
        b.len = 0;
        ok = record_text(s, &b);
        s->dirty = false;
        pthread_mutex_unlock(&s->mu);
        zs_status st = ok && redirected ? write_record(c, s, &b)
                                        : ZS_ERR_NOMEM;
        pthread_mutex_lock(&s->mu);
        if (st != ZS_OK && s->thread_st == ZS_OK) {
            s->thread_st = st;
            snprintf(s->thread_msg, sizeof s->thread_msg, "%s", *msg ? msg
                     : "cannot record the units written");
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (redirected)
        zsi_ctx_redirect(c->ctx, NULL);
    zsi_buf_free(&b);
    return NULL;
}

/* A process's first unit: its own record and recorder thread (after a
 * fork, what the parent's state says is not this process's). */
static zs_status start_recorder(zs_convert *c, zsi_cstate *s)
{
    void **arg = malloc(2 * sizeof *arg);
    free(s->name);
    s->nmine = 0;
    s->dirty = false;
    s->stop = false;
    s->thread_on = false;
    s->thread_st = ZS_OK;
    s->pid = (long)getpid();
    if (!arg || !(s->name = record_name(c))) {
        free(arg);
        return zsi_nomem(c->ctx);
    }
    arg[0] = c;
    arg[1] = s;
    if (pthread_mutex_init(&s->mu, NULL) != 0 ||
        pthread_cond_init(&s->cv, NULL) != 0 ||
        pthread_create(&s->thread, NULL, recorder, arg) != 0) {
        free(arg);
        return zsi_err(c->ctx, ZS_ERR_NOMEM, "cannot start a thread");
    }
    s->thread_on = true;
    return ZS_OK;
}

/* Append u to this process's ranges (under mu). */
static bool add_unit(zsi_cstate *s, uint64_t u)
{
    if (s->nmine && s->mine[2 * s->nmine - 1] + 1 == u) {
        s->mine[2 * s->nmine - 1] = u;
    } else {
        if (s->nmine == s->capmine) {
            size_t cap = s->capmine ? 2 * s->capmine : 64;
            uint64_t *m = realloc(s->mine, 2 * cap * sizeof *m);
            if (!m)
                return false;
            s->mine = m;
            s->capmine = cap;
        }
        s->mine[2 * s->nmine] = s->mine[2 * s->nmine + 1] = u;
        s->nmine++;
    }
    s->dirty = true;
    return true;
}

zs_status zsi_cstate_unit(zs_convert *c, zsi_cstate *s, uint64_t u)
{
    zs_status st = ZS_OK;
    bool ok;
    if (!s->store)          /* no records (appending) */
        return ZS_OK;
    if (s->pid != (long)getpid() && (st = start_recorder(c, s)) != ZS_OK)
        return st;
    pthread_mutex_lock(&s->mu);
    ok = add_unit(s, u);
    if (s->thread_st != ZS_OK)
        st = zsi_err(c->ctx, s->thread_st, "%s", s->thread_msg);
    pthread_mutex_unlock(&s->mu);
    return ok || st != ZS_OK ? st : zsi_nomem(c->ctx);
}

zs_status zsi_cstate_flush(zs_convert *c, zsi_cstate *s)
{
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st;
    if (!s->store || s->pid != (long)getpid() || !s->thread_on)
        return ZS_OK;      /* this process wrote no unit */
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    s->thread_on = false;
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    if (s->thread_st != ZS_OK)
        return zsi_err(c->ctx, s->thread_st, "%s", s->thread_msg);
    st = record_text(s, &b) ? write_record(c, s, &b) : zsi_nomem(c->ctx);
    zsi_buf_free(&b);
    return st;
}

zs_status zsi_cstate_put_part(zs_convert *c, zsi_cstate *s, uint64_t k,
                              uint64_t n)
{
    char key[80];
    zs_status st;
    snprintf(key, sizeof key, REC_PART "%llu-%llu", (unsigned long long)k,
             (unsigned long long)n);
    st = zs_store_set(s->store, key, "done\n", 5);
    if (st == ZS_OK)
        st = zsi_store_sync(s->store);
    (void)c;
    return st;
}

/* ---- finishing ---------------------------------------------------------- */

static bool part_complete(const zs_convert *c, const zsi_cstate *s,
                          uint64_t k, uint64_t n)
{
    uint64_t u0, u1;
    zsi_convert_part_units(c, k, n, &u0, &u1);
    for (uint64_t u = u0; u < u1; u++)
        if (!zsi_cstate_is_done(s, u))
            return false;
    return true;
}

zs_status zsi_cstate_check(zs_convert *c, const zsi_cstate *s)
{
    zsi_buf b = ZSI_BUF_INIT, w = ZSI_BUF_INIT;
    uint64_t missing = c->nunits - s->ndone, named = 0, more = 0;
    zs_status st;
    if (s->ndone >= c->nunits)
        return ZS_OK;
    for (uint64_t k = 1; k <= s->part_n; k++) {
        if (part_complete(c, s, k, s->part_n))
            continue;
        if (named < NAMED_PARTS)
            zsi_buf_printf(&b, "%s%llu", named ? ", " : "",
                           (unsigned long long)k);
        else
            more++;
        named++;
    }
    if (more)
        zsi_buf_printf(&b, " and %llu more", (unsigned long long)more);
    if (named)
        st = zsi_err(c->ctx, ZS_ERR_INCOMPLETE, "%s: part%s %s of "
                     "%llu %s not completed (%llu of %llu units missing)",
                     where(&w, s->store), named > 1 ? "s" : "",
                     zsi_buf_cstr(&b) ? (char *)b.data : "",
                     (unsigned long long)s->part_n,
                     named > 1 ? "have" : "has",
                     (unsigned long long)missing,
                     (unsigned long long)c->nunits);
    else
        st = zsi_err(c->ctx, ZS_ERR_INCOMPLETE, "%s: %llu of %llu "
                     "units missing, and no part has completed",
                     where(&w, s->store), (unsigned long long)missing,
                     (unsigned long long)c->nunits);
    zsi_buf_free(&b);
    zsi_buf_free(&w);
    return st;
}

void zsi_cstate_clear(zsi_cstate *s)
{
    if (s->thread_on && s->pid == (long)getpid()) {   /* after a failure */
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    free(s->done);
    free(s->mine);
    free(s->name);
    memset(s, 0, sizeof *s);
}
