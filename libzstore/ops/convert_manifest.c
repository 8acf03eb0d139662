/* convert_manifest.c - the manifest a conversion leaves in the store
 * (which input filled which records, and a digest of those values), and
 * checking files against it later.
 *
 * The manifest is the key ZSI_MANIFEST_KEY, text:
 *   zstore manifest 2
 *   unpack 0|1
 *   variables PATH...      (those with the record dimension, but the
 *                           time coordinate and strings, in unit order)
 *   input R0 START COUNT SHA256 PATH
 * one "input" line per run of records of an input: records START ..
 * START+COUNT-1 of the file filled records R0 .. R0+COUNT-1 of the
 * store.  The digest is SHA-256 over, for each variable in order and
 * each of those records, the 16 bytes of XXH3-128 (canonical, big-endian)
 * of the record (a box one record long) as the store holds it (the
 * array's dtype, native byte order, C order).  XXH3 runs at memory
 * speed where SHA-256 would cost a fifth of a conversion; a record that
 * changes changes its hash but by a 2^-128 accident, and the digest over
 * the hashes is SHA-256.  Hashing record by record lets the workers that
 * write a unit of whole records hash them from the slab they write and
 * leave the hashes as a key ZSI_DIGEST_PREFIX "U" among the records of
 * completed work, so that the manifest needs no second read of the
 * store; other records (units of part of a record, outputs without
 * records, units written without a manifest) are read back.  A check
 * computes the digest from the store and, converting the file alone in
 * memory, from the file.  Version 1 (one SHA-256 over the records'
 * bytes) is still checked. */
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

bool zsi_convert_manifest_listed(const zsi_cvar *v)
{
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

/* Hash n records of one record's bytes each at buf into h: version 2,
 * the XXH3-128 of each; version 1, the bytes themselves. */
static void hash_records(zsi_sha256 *h, int version, const uint8_t *buf,
                         uint64_t one, uint64_t n)
{
    uint8_t d[ZSI_RECORD_HASH];
    if (version == 1) {
        zsi_sha256_update(h, buf, (size_t)(one * n));
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        zsi_xxh128(buf + i * one, (size_t)one, d);
        zsi_sha256_update(h, d, sizeof d);
    }
}

/* Feed records r0 .. r0+n-1 of variable k, read through fn, to h. */
static zs_status feed_read(zs_ctx *ctx, const mvars *mv, size_t k, rec_fn fn,
                           void *arg, int version, uint64_t r0, uint64_t n,
                           zsi_sha256 *h)
{
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    uint64_t one = record_box(mv->v[k], 0, 1, s, c);
    /* records that follow each other in C order are read in blocks,
     * so that a chunk is decoded once, not once per record */
    uint64_t per = mv->v[k]->rec == 0 && one < DIGEST_BLOCK
                       ? DIGEST_BLOCK / one : 1;
    zs_status st = ZS_OK;
    uint8_t *buf;
    per = per < n ? per : (n ? n : 1);
    buf = malloc((size_t)(one * per > 0 ? one * per : 1));
    if (!buf)
        return zsi_nomem(ctx);
    for (uint64_t r = r0; st == ZS_OK && r < r0 + n; r += per) {
        uint64_t m = r0 + n - r < per ? r0 + n - r : per;
        st = fn(arg, k, r, m, buf);
        if (st == ZS_OK)
            hash_records(h, version, buf, one, m);
    }
    free(buf);
    return st;
}

static zs_status digest(zs_ctx *ctx, const mvars *mv, rec_fn fn, void *arg,
                        int version, uint64_t r0, uint64_t n, char hex[65])
{
    zsi_sha256 *h = NULL;
    zs_status st = zsi_sha256_new(ctx, &h);
    for (size_t k = 0; st == ZS_OK && k < mv->n; k++)
        st = feed_read(ctx, mv, k, fn, arg, version, r0, n, h);
    if (st == ZS_OK)
        zsi_sha256_final(h, hex);
    else
        zsi_sha256_free(h);
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
        if (zsi_convert_manifest_listed(v))
            mv->v[mv->n++] = v;
    }
    return ZS_OK;
}

/* ---- writing it ------------------------------------------------------- */

bool zsi_convert_unit_digestible(const zsi_cvar *v, const uint64_t *start,
                                 const uint64_t *count)
{
    if (!zsi_convert_manifest_listed(v) || v->rec != 0)
        return false;
    for (int d = 1; d < v->ndim; d++)
        if (start[d] != 0 || count[d] != v->shape[d])
            return false;
    return true;
}

zs_status zsi_convert_unit_digests(zs_ctx *ctx, const zsi_cvar *v,
                                   const uint64_t *count, const void *slab,
                                   zsi_buf *out)
{
    uint64_t one = v->out_size;
    for (int d = 1; d < v->ndim; d++)
        one *= count[d];
    out->len = 0;
    if (!zsi_buf_reserve(out, (size_t)count[0] * ZSI_RECORD_HASH))
        return zsi_nomem(ctx);
    for (uint64_t r = 0; r < count[0]; r++)
        zsi_xxh128((const uint8_t *)slab + r * one, (size_t)one,
                   out->data + r * ZSI_RECORD_HASH);
    out->len = (size_t)count[0] * ZSI_RECORD_HASH;
    return ZS_OK;
}

static zs_status read_written(void *arg, size_t k, uint64_t r, uint64_t n,
                              void *buf)
{
    const mvars *mv = arg;
    uint64_t s[ZS_MAX_DIMS], c[ZS_MAX_DIMS];
    record_box(mv->v[k], r, n, s, c);
    return zs_array_read(mv->v[k]->arr, s, c, buf);
}

/* Where the hashes of a variable's records come from: the digests its
 * workers left, unit by unit (records only grow, segment after
 * segment), or a read of the store. */
typedef struct cursor {
    uint64_t u;             /* the next unit of the variable to look at */
    uint64_t r0, n;         /* records of the unit loaded */
    void *h;                /* their hashes, or NULL: read them */
    size_t len;
} cursor;

/* Load the unit of v holding record r into cu (h NULL when it left no
 * digests). */
static zs_status load_unit(zs_convert *c, zs_store *out, const zsi_cvar *v,
                           cursor *cu, uint64_t r)
{
    uint64_t s[ZS_MAX_DIMS], n[ZS_MAX_DIMS];
    char key[64];
    int found = 0;
    zs_status st;
    for (;; cu->u++) {
        if (cu->u >= v->nunits)
            return zsi_err(c->ctx, ZS_ERR_RANGE, "%s: record %llu in "
                           "no unit", v->path, (unsigned long long)r);
        zsi_convert_unit_box(v, cu->u, s, n);
        if (r < s[0] + n[0])
            break;
    }
    zs_free(cu->h);
    cu->h = NULL;
    cu->r0 = s[0];
    cu->n = n[0];
    if (!zsi_convert_unit_digestible(v, s, n))
        return ZS_OK;
    snprintf(key, sizeof key, ZSI_DIGEST_PREFIX "%llu",
             (unsigned long long)(v->unit0 + cu->u));
    st = zs_store_get(out, key, &cu->h, &cu->len, &found);
    if (st == ZS_OK && (!found || cu->len != n[0] * ZSI_RECORD_HASH)) {
        zs_free(cu->h);    /* none, or not this plan's: read back */
        cu->h = NULL;
    }
    return st;
}

/* Feed the hashes of records r0 .. r0+n-1 of variable k to h. */
static zs_status feed_written(zs_convert *c, zs_store *out, const mvars *mv,
                              size_t k, cursor *cu, uint64_t r0, uint64_t n,
                              zsi_sha256 *h)
{
    const zsi_cvar *v = mv->v[k];
    zs_status st = ZS_OK;
    for (uint64_t r = r0; st == ZS_OK && r < r0 + n;) {
        uint64_t m;
        if (cu->n == 0 || r < cu->r0 || r >= cu->r0 + cu->n) {
            if (r < cu->r0)
                cu->u = 0;      /* not expected: records go forward */
            st = load_unit(c, out, v, cu, r);
            if (st != ZS_OK)
                break;
        }
        m = cu->r0 + cu->n - r;
        m = m < r0 + n - r ? m : r0 + n - r;
        if (cu->h)
            zsi_sha256_update(h, (const uint8_t *)cu->h +
                                     (r - cu->r0) * ZSI_RECORD_HASH,
                              (size_t)(m * ZSI_RECORD_HASH));
        else
            st = feed_read(c->ctx, mv, k, read_written, (void *)mv, 2, r, m,
                           h);
        r += m;
    }
    return st;
}

zs_status zsi_convert_manifest(zs_convert *c, zs_store *out)
{
    mvars mv;
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t r0 = 0;
    cursor *cu = NULL;
    zs_status st = manifest_vars(c, &mv);
    bool ok = st == ZS_OK &&
              zsi_buf_printf(&b, "zstore manifest 2\nunpack %d\nvariables",
                             c->o.unpack ? 1 : 0);
    for (size_t k = 0; ok && k < mv.n; k++)
        ok = zsi_buf_printf(&b, " %s", mv.v[k]->path);
    ok = ok && zsi_buf_append(&b, "\n", 1);
    if (st == ZS_OK && !ok)
        st = zsi_nomem(c->ctx);
    if (st == ZS_OK && !(cu = calloc(mv.n ? mv.n : 1, sizeof *cu)))
        st = zsi_nomem(c->ctx);
    for (size_t i = 0; st == ZS_OK && i < c->nsegs; i++) {
        const zsi_cseg *sg = &c->segs[i];
        zsi_sha256 *h = NULL;
        char hex[65];
        st = zsi_sha256_new(c->ctx, &h);
        for (size_t k = 0; st == ZS_OK && k < mv.n; k++)
            st = feed_written(c, out, &mv, k, &cu[k], r0, sg->count, h);
        if (st == ZS_OK)
            zsi_sha256_final(h, hex);
        else
            zsi_sha256_free(h);
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
    for (size_t k = 0; cu && k < mv.n; k++)
        zs_free(cu[k].h);
    free(cu);
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
    int version;
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
    if (!strncmp(m->text, "zstore manifest 1\n", 18))
        m->version = 1;
    else if (!strncmp(m->text, "zstore manifest 2\n", 18))
        m->version = 2;
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
    if (st != ZS_OK || !m->version)
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
        zs_group *g = zs_dataset_root(ds);
        if (slash) {
            char *gp = zsi_strndup(v->path, (size_t)(slash - v->path));
            if (!gp || zsi_group_at(ds, gp, false, &g) != ZS_OK)
                g = NULL;
            free(gp);
        }
        sd->sv[k] = g ? zs_group_find_var(g, slash ? slash + 1 : v->path)
                      : NULL;
        if (!sd->sv[k] || v->rec != 0 || zs_var_ndim(sd->sv[k]) != v->ndim ||
            zs_var_dtype(sd->sv[k]) != v->out_dtype)
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
        st = digest(ctx, &sd.mv, read_file, &sd, m->version, ml->start,
                    ml->count, hf);
    if (st == ZS_OK)
        st = digest(ctx, &sd.mv, read_store, &sd, m->version, ml->r0,
                    ml->count, hs);
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
        st = zs_dataset_source(ds) == ZS_SRC_ZARR
                 ? read_manifest(ctx, zsi_dataset_store(ds), store, &m)
                 : zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a Zarr store",
                           store);
    for (size_t i = 0; st == ZS_OK && i < n; i++)
        st = verify_one(ctx, ds, &m, files[i], fn, user, bad);
    manifest_free(&m);
    zs_dataset_close(ds);
    return st;
}
