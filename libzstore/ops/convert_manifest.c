/* convert_manifest.c - the manifest a conversion leaves in the store
 * (which input filled which records, and a digest of those values), and
 * checking files against it later.
 *
 * The manifest is the key ZSI_MANIFEST_KEY, text:
 *   zstore manifest 1
 *   unpack 0|1
 *   variables PATH...      (those with the record dimension, but the
 *                           time coordinate and strings, in unit order)
 *   input R0 START COUNT SHA256 PATH
 * one "input" line per run of records of an input: records START ..
 * START+COUNT-1 of the file filled records R0 .. R0+COUNT-1 of the
 * store.  The digest is SHA-256 over, for each variable in order, each
 * of those records (a box one record long), its values as the store
 * holds them (the array's dtype, native byte order, C order).  A
 * conversion computes it from what it wrote; a check computes it from
 * the store and, converting the file alone in memory, from the file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_convert.h"

/* Reads records r .. r+n-1 of variable k into buf (n is 1 unless the
 * record dimension is the first: then the records follow each other). */
typedef zs_status (*rec_fn)(void *arg, size_t k, uint64_t r, uint64_t n,
                            void *buf);

/* Bytes of records read at once. */
#define DIGEST_BLOCK ((uint64_t)32 << 20)

typedef struct mvars {
    size_t n;
    const zsi_cvar **v;     /* the plan's variables, in manifest order */
} mvars;

static bool listed(const zs_convert *c, const zsi_cvar *v)
{
    (void)c;
    return v->rec >= 0 && !v->is_time && v->out_dtype != ZS_DT_STRING;
}

/* Bytes of records r .. r+k-1 of v, and their box. */
static uint64_t record_box(const zsi_cvar *v, uint64_t r, uint64_t k,
                           uint64_t *start, uint64_t *count)
{
    uint64_t n = v->out_size;
    for (int d = 0; d < v->ndim; d++) {
        start[d] = d == v->rec ? r : 0;
        count[d] = d == v->rec ? k : v->shape[d];
        n *= count[d];
    }
    return n;
}

static zs_status digest(zs_ctx *ctx, const mvars *mv, rec_fn fn, void *arg,
                        uint64_t r0, uint64_t n, char hex[65])
{
    zsi_sha256 *h = NULL;
    void *buf = NULL;
    zs_status st = zsi_sha256_new(ctx, &h);
    for (size_t k = 0; st == ZS_OK && k < mv->n; k++) {
        uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
        uint64_t one = record_box(mv->v[k], 0, 1, s, c);
        /* records that follow each other in C order are read in blocks,
         * so that a chunk is decoded once, not once per record */
        uint64_t per = mv->v[k]->rec == 0 && one < DIGEST_BLOCK
                           ? DIGEST_BLOCK / one : 1;
        uint64_t size;
        void *nb;
        per = per < n ? per : (n ? n : 1);
        size = one * per;
        nb = realloc(buf, (size_t)(size ? size : 1));
        if (!nb) {
            st = zsi_nomem(ctx);
            break;
        }
        buf = nb;
        for (uint64_t r = r0; st == ZS_OK && r < r0 + n; r += per) {
            uint64_t m = r0 + n - r < per ? r0 + n - r : per;
            st = fn(arg, k, r, m, buf);
            if (st == ZS_OK)
                zsi_sha256_update(h, buf, (size_t)(one * m));
        }
    }
    if (st == ZS_OK)
        zsi_sha256_final(h, hex);
    else
        zsi_sha256_free(h);
    free(buf);
    return st;
}

static zs_status manifest_vars(zs_convert *c, mvars *mv)
{
    mv->n = 0;
    mv->v = calloc(c->nvars ? c->nvars : 1, sizeof *mv->v);
    if (!mv->v)
        return zsi_nomem(c->ctx);
    for (size_t i = 0; i < c->nvars; i++) {
        const zsi_cvar *v = &c->vars[c->unit_order[i]];
        if (listed(c, v))
            mv->v[mv->n++] = v;
    }
    return ZS_OK;
}

/* ---- writing it ------------------------------------------------------- */

static zs_status read_written(void *arg, size_t k, uint64_t r, uint64_t n,
                              void *buf)
{
    const mvars *mv = arg;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    record_box(mv->v[k], r, n, s, c);
    return zs_array_read(mv->v[k]->arr, s, c, buf);
}

zs_status zsi_convert_manifest(zs_convert *c, zs_store *out)
{
    mvars mv;
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t r0 = 0;
    zs_status st = manifest_vars(c, &mv);
    bool ok = st == ZS_OK &&
              zsi_buf_printf(&b, "zstore manifest 1\nunpack %d\nvariables",
                             c->o.unpack ? 1 : 0);
    for (size_t k = 0; ok && k < mv.n; k++)
        ok = zsi_buf_printf(&b, " %s", mv.v[k]->path);
    ok = ok && zsi_buf_append(&b, "\n", 1);
    if (st == ZS_OK && !ok)
        st = zsi_nomem(c->ctx);
    for (size_t i = 0; st == ZS_OK && i < c->nsegs; i++) {
        const zsi_cseg *sg = &c->segs[i];
        char hex[65];
        st = digest(c->ctx, &mv, read_written, &mv, r0, sg->count, hex);
        if (st == ZS_OK &&
            !zsi_buf_printf(&b, "input %llu %llu %llu %s %s\n",
                            (unsigned long long)r0,
                            (unsigned long long)sg->start,
                            (unsigned long long)sg->count, hex,
                            c->files[sg->file].path))
            st = zsi_nomem(c->ctx);
        r0 += sg->count;
    }
    if (st == ZS_OK)
        st = zs_store_set(out, ZSI_MANIFEST_KEY, b.data, b.len);
    free(mv.v);
    zsi_buf_free(&b);
    return st;
}

/* ---- checking files against it ---------------------------------------- */

typedef struct mline {
    uint64_t r0, start, count;
    char hex[65];
    const char *path;
} mline;

typedef struct manifest {
    char *text;
    int unpack;
    zsi_strv vars;
    mline *lines;
    size_t n;
} manifest;

static void manifest_free(manifest *m)
{
    free(m->text);
    zsi_strv_free(&m->vars);
    free(m->lines);
}

static zs_status parse_line(manifest *m, char *l)
{
    unsigned long long a, s, n;
    char hex[65];
    int used = 0;
    mline *x;
    if (sscanf(l, "input %llu %llu %llu %64s %n", &a, &s, &n, hex,
               &used) != 4 || !used || strlen(hex) != 64)
        return ZS_ERR_FORMAT;
    x = realloc(m->lines, (m->n + 1) * sizeof *x);
    if (!x)
        return ZS_ERR_NOMEM;
    m->lines = x;
    x = &m->lines[m->n++];
    x->r0 = a;
    x->start = s;
    x->count = n;
    memcpy(x->hex, hex, sizeof hex);
    x->path = l + used;
    return ZS_OK;
}

static zs_status read_manifest(zs_ctx *ctx, zs_store *s, const char *name,
                               manifest *m)
{
    void *data = NULL;
    size_t len = 0;
    int found = 0;
    char *l, *save = NULL;
    zs_status st = zs_store_get(s, ZSI_MANIFEST_KEY, &data, &len, &found);
    memset(m, 0, sizeof *m);
    if (st != ZS_OK)
        return st;
    if (!found)
        return zsi_err(ctx, ZS_ERR_NOTFOUND, "%s: no manifest (written by "
                       "a conversion with a manifest)", name);
    m->text = malloc(len + 1);
    if (!m->text) {
        zs_free(data);
        return zsi_nomem(ctx);
    }
    memcpy(m->text, data, len);
    m->text[len] = 0;
    zs_free(data);
    for (l = strtok_r(m->text, "\n", &save); l && st == ZS_OK;
         l = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(l, "unpack ", 7))
            m->unpack = atoi(l + 7);
        else if (!strncmp(l, "variables", 9))
            st = zsi_strv_split(&m->vars, l + 9 + (l[9] == ' '), ' ')
                     ? ZS_OK : ZS_ERR_NOMEM;
        else if (!strncmp(l, "input ", 6))
            st = parse_line(m, l);
    }
    if (st == ZS_ERR_NOMEM)
        return zsi_nomem(ctx);
    if (st != ZS_OK || strncmp(m->text, "zstore manifest 1", 17))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: malformed manifest", name);
    return ZS_OK;
}

/* The manifest lines of file: by its name, else by its base name if that
 * names one input only. */
static const mline *find_line(const manifest *m, const char *file)
{
    const char *base = strrchr(file, '/');
    const mline *hit = NULL;
    size_t nbase = 0;
    base = base ? base + 1 : file;
    for (size_t i = 0; i < m->n; i++) {
        const char *p = m->lines[i].path, *pb = strrchr(p, '/');
        if (!strcmp(p, file))
            return &m->lines[i];
        if (!strcmp(pb ? pb + 1 : p, base)) {
            hit = &m->lines[i];
            nbase++;
        }
    }
    return nbase == 1 ? hit : NULL;
}

typedef struct side {
    zs_convert *c;          /* the file converted alone, or NULL */
    struct zsi_src_cache *sc;
    zs_dataset *ds;         /* the store, or NULL */
    mvars mv;
    zs_var **sv;
} side;

static zs_status read_store(void *arg, size_t k, uint64_t r, uint64_t n,
                            void *buf)
{
    side *sd = arg;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    record_box(sd->mv.v[k], r, n, s, c);
    return zs_var_read(sd->sv[k], s, c, buf);
}

static zs_status read_file(void *arg, size_t k, uint64_t r, uint64_t n,
                           void *buf)
{
    side *sd = arg;
    return zsi_convert_read_record(sd->c, sd->mv.v[k], r, n, sd->sc, buf);
}

/* The variables of the manifest in plan c (store: their shapes). */
static zs_status pick(zs_ctx *ctx, zs_convert *c, const manifest *m,
                      const char *name, mvars *mv)
{
    mv->n = 0;
    mv->v = calloc(m->vars.n ? m->vars.n : 1, sizeof *mv->v);
    if (!mv->v)
        return zsi_nomem(ctx);
    for (size_t k = 0; k < m->vars.n; k++) {
        const zsi_cvar *v = NULL;
        for (size_t i = 0; !v && i < c->nvars; i++)
            if (!strcmp(c->vars[i].path, m->vars.v[k]))
                v = &c->vars[i];
        if (!v)
            return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: no variable '%s'",
                           name, m->vars.v[k]);
        mv->v[mv->n++] = v;
    }
    return ZS_OK;
}

/* The store's variables of the plan's (by path); records on the first
 * dimension only. */
static zs_status store_vars(zs_ctx *ctx, zs_dataset *ds, side *sd,
                            const char *name)
{
    sd->sv = calloc(sd->mv.n ? sd->mv.n : 1, sizeof *sd->sv);
    if (!sd->sv)
        return zsi_nomem(ctx);
    for (size_t k = 0; k < sd->mv.n; k++) {
        const zsi_cvar *v = sd->mv.v[k];
        const char *slash = strrchr(v->path, '/');
        zs_group *g = ds->root;
        if (slash) {
            char *gp = zsi_strndup(v->path, (size_t)(slash - v->path));
            if (!gp || zsi_group_at(ds, gp, false, &g) != ZS_OK)
                g = NULL;
            free(gp);
        }
        sd->sv[k] = g ? zs_group_find_var(g, slash ? slash + 1 : v->path)
                      : NULL;
        if (!sd->sv[k] || v->rec != 0 || sd->sv[k]->ndim != v->ndim ||
            sd->sv[k]->dtype != v->out_dtype)
            return zsi_err(ctx, ZS_ERR_MISMATCH, "%s: %s: not as the store "
                           "holds it", name, v->path);
    }
    return ZS_OK;
}

/* Check one file: its digest, the store's, the manifest's. */
static zs_status verify_one(zs_ctx *ctx, zs_dataset *ds, const manifest *m,
                            const char *file, zs_line_fn fn, void *user,
                            size_t *bad)
{
    const mline *ml = find_line(m, file);
    zs_convert_opts *o = NULL;
    zs_convert *c = NULL;
    side sd;
    char hf[65], hs[65], *line = NULL;
    zs_status st;
    if (!ml) {
        line = zsi_asprintf("%s: not in the manifest", file);
        (*bad)++;
        fn(user, line ? line : file);
        free(line);
        return ZS_OK;
    }
    memset(&sd, 0, sizeof sd);
    st = zs_convert_opts_new(ctx, &o);
    if (st == ZS_OK)
        st = zs_convert_opts_set_unpack(o, m->unpack);
    if (st == ZS_OK)
        st = zs_convert_plan(ctx, &file, 1, o, NULL, &c);
    if (st == ZS_OK)
        st = pick(ctx, c, m, file, &sd.mv);
    if (st == ZS_OK)
        st = store_vars(ctx, ds, &sd, file);
    if (st == ZS_OK && !(sd.sc = zsi_convert_src_cache_new()))
        st = zsi_nomem(ctx);
    sd.c = c;
    if (st == ZS_OK)
        st = digest(ctx, &sd.mv, read_file, &sd, ml->start, ml->count, hf);
    if (st == ZS_OK)
        st = digest(ctx, &sd.mv, read_store, &sd, ml->r0, ml->count, hs);
    if (st == ZS_OK) {
        bool fok = !strcmp(hf, ml->hex), sok = !strcmp(hs, ml->hex);
        line = zsi_asprintf("%s: %s (records %llu to %llu)%s%s", file,
                            fok && sok ? "OK" : "DIFFERS",
                            (unsigned long long)ml->r0,
                            (unsigned long long)(ml->r0 + ml->count - 1),
                            fok ? "" : "; the file is not what was converted",
                            sok ? "" : "; the store is not what was written");
        *bad += !(fok && sok);
        fn(user, line ? line : file);
    }
    free(line);
    zsi_convert_src_cache_free(sd.sc);
    free(sd.mv.v);
    free(sd.sv);
    zs_convert_plan_free(c);
    zs_convert_opts_free(o);
    return st;
}

zs_status zs_convert_verify(zs_ctx *ctx, const char *store,
                            const char *const *files, size_t n,
                            zs_line_fn fn, void *user, size_t *bad)
{
    zs_dataset *ds = NULL;
    manifest m;
    zs_status st = zs_dataset_open(ctx, store, &ds);
    *bad = 0;
    memset(&m, 0, sizeof m);
    if (st == ZS_OK)
        st = ds->source == ZS_SRC_ZARR
                 ? read_manifest(ctx, zsi_dataset_store(ds), store, &m)
                 : zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a Zarr store",
                           store);
    for (size_t i = 0; st == ZS_OK && i < n; i++)
        st = verify_one(ctx, ds, &m, files[i], fn, user, bad);
    manifest_free(&m);
    zs_dataset_close(ds);
    return st;
}
