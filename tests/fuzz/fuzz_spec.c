/*
 * fuzz_spec.c - the small languages of options (util/spec.c): the
 * per-dimension specifications of chunks, shards and patches
 * ("time=24,latitude=-1", "auto"), lists of names ("t2m,msl") and
 * memory sizes ("512M"), and the public setters built on them.
 *
 * Byte 0 picks the parser (modulo 4), byte 1 its flags or bound; the
 * rest, up to a NUL, is the text.  Beyond "no crash, no leak, no
 * undefined behaviour":
 *  - a refusal is ZS_ERR_INVALID with a message naming what the text
 *    was for;
 *  - a dimension specification accepted is a bare value (without "=")
 *    or names none empty, none twice, none holding ',' or '=', each
 *    with a value >= 1, -1 or (when allowed) auto; written out again
 *    it parses to the same thing, a copy equals it, and each name
 *    looks up its own value;
 *  - a list of names accepted joins back to the text;
 *  - a size accepted equals what a reference parser written here
 *    (digits, then k/M/G/T with B or iB) gives, and is at least the
 *    bound; a size that parser accepts is not refused unless below
 *    the bound;
 *  - the public setters of chunks and shards accept exactly what the
 *    parser accepts with their flags (shards: no "auto"); those of
 *    patches, overlaps and batch dimensions take the same text.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "util/zsi_util.h"
#include "fuzz.h"

static zs_ctx *ctx;

static void refused(zs_status st, const char *what, const char *text)
{
    const char *m = zs_ctx_message(ctx);
    if (st != ZS_ERR_INVALID)
        FUZZ_FAIL("%s '%s' refused with %d, not ZS_ERR_INVALID", what,
                  text, st);
    if (strncmp(m, what, strlen(what)) != 0)
        FUZZ_FAIL("%s '%s': the message '%s' does not name it", what,
                  text, m);
}

static bool value_ok(int64_t v, unsigned flags)
{
    return v >= 1 || v == ZSI_DIMSPEC_WHOLE ||
           (v == ZSI_DIMSPEC_AUTO && (flags & ZSI_DIMSPEC_AUTO_OK));
}

static void put_value(zsi_buf *b, int64_t v)
{
    if (v == ZSI_DIMSPEC_AUTO)
        zsi_buf_printf(b, "auto");
    else
        zsi_buf_printf(b, "%" PRId64, v);
}

static bool same_spec(const zsi_dimspec *a, const zsi_dimspec *b)
{
    if (a->all_set != b->all_set || (a->all_set && a->all != b->all) ||
        a->names.n != b->names.n)
        return false;
    for (size_t i = 0; i < a->names.n; i++)
        if (strcmp(a->names.v[i], b->names.v[i]) || a->vals[i] != b->vals[i])
            return false;
    return true;
}

static void check_spec(const zsi_dimspec *s, unsigned flags,
                       const char *text)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_dimspec again, copy;
    const char *out;
    int64_t v;
    memset(&again, 0, sizeof again);
    memset(&copy, 0, sizeof copy);
    if (s->all_set != !strchr(text, '=') || (s->all_set && s->names.n))
        FUZZ_FAIL("'%s': a bare value and names", text);
    if (s->all_set) {
        if (!(flags & ZSI_DIMSPEC_ALL_OK) || !value_ok(s->all, flags))
            FUZZ_FAIL("'%s': bare value %" PRId64 " accepted", text,
                      s->all);
        put_value(&b, s->all);
    }
    for (size_t i = 0; i < s->names.n; i++) {
        const char *n = s->names.v[i];
        if (!*n || strpbrk(n, ",=") || !value_ok(s->vals[i], flags))
            FUZZ_FAIL("'%s': item %zu '%s'=%" PRId64, text, i, n,
                      s->vals[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(n, s->names.v[j]))
                FUZZ_FAIL("'%s': '%s' twice", text, n);
        if (zsi_dimspec_get(s, n, &v) != 1 || v != s->vals[i])
            FUZZ_FAIL("'%s': '%s' does not look up its value", text, n);
        zsi_buf_printf(&b, "%s%s=", i ? "," : "", n);
        put_value(&b, s->vals[i]);
    }
    out = zsi_buf_cstr(&b);
    if (!out)
        abort();
    if (zsi_dimspec_parse(ctx, "again", out, flags, &again) != ZS_OK ||
        !same_spec(s, &again))
        FUZZ_FAIL("'%s' written out as '%s' parses to something else",
                  text, out);
    if (!zsi_dimspec_copy(&copy, s) || !same_spec(s, &copy))
        FUZZ_FAIL("'%s': the copy differs", text);
    zsi_dimspec_free(&again);
    zsi_dimspec_free(&copy);
    zsi_buf_free(&b);
}

static void fuzz_dimspec(unsigned flags, const char *text)
{
    zsi_dimspec s;
    zs_status st;
    memset(&s, 0, sizeof s);
    st = zsi_dimspec_parse(ctx, "chunks", text, flags, &s);
    if (st != ZS_OK)
        refused(st, "chunks", text);
    else
        check_spec(&s, flags, text);
    zsi_dimspec_free(&s);
}

static void fuzz_names(const char *text)
{
    zsi_strv v = {0};
    zsi_buf b = ZSI_BUF_INIT;
    const char *joined;
    zs_status st = zsi_names_parse(ctx, "variables", text, &v);
    if (st != ZS_OK) {
        refused(st, "variables", text);
        return;
    }
    for (size_t i = 0; i < v.n; i++) {
        if (!*v.v[i] || strchr(v.v[i], ','))
            FUZZ_FAIL("'%s': name '%s'", text, v.v[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v.v[i], v.v[j]))
                FUZZ_FAIL("'%s': '%s' twice", text, v.v[i]);
        zsi_buf_printf(&b, "%s%s", i ? "," : "", v.v[i]);
    }
    joined = zsi_buf_cstr(&b);
    if (!joined)
        abort();
    if (!v.n || strcmp(joined, text))
        FUZZ_FAIL("'%s' joins back to '%s'", text, joined);
    zsi_strv_free(&v);
    zsi_buf_free(&b);
}

/* The size rule written out: decimal digits, an optional unit letter
 * (powers of 1024), then optionally "B" or "iB" (the latter only after
 * a unit letter... or not: "512iB" is not a size either way). */
static bool reference_size(const char *t, uint64_t *out)
{
    uint64_t v = 0, mul = 1;
    const char *p = t;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (!*p) {
        *out = v;
        return true;
    }
    switch (*p) {
    case 'k': case 'K': mul = (uint64_t)1 << 10; break;
    case 'm': case 'M': mul = (uint64_t)1 << 20; break;
    case 'g': case 'G': mul = (uint64_t)1 << 30; break;
    case 't': case 'T': mul = (uint64_t)1 << 40; break;
    default: return false;
    }
    p++;
    if (!strcmp(p, "iB"))
        p += 2;
    else if (!strcmp(p, "B"))
        p++;
    if (*p || v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

static void fuzz_size(uint64_t min, const char *text)
{
    uint64_t got = 0, want = 0;
    bool ref = reference_size(text, &want);
    zs_status st = zsi_size_parse(ctx, "memory", text, min, &got);
    if (st != ZS_OK) {
        refused(st, "memory", text);
        if (ref && want >= min)
            FUZZ_FAIL("'%s' (%" PRIu64 " bytes, bound %" PRIu64 ") refused",
                      text, want, min);
        return;
    }
    if (!ref || got != want || got < min)
        FUZZ_FAIL("'%s' accepted as %" PRIu64 " (reference: %s %" PRIu64
                  ", bound %" PRIu64 ")", text, got, ref ? "" : "refused",
                  want, min);
}

/* A public setter accepts what the parser does with its flags. */
static void agree(zs_status pub, unsigned flags, const char *what,
                  const char *text)
{
    zsi_dimspec s;
    zs_status st;
    memset(&s, 0, sizeof s);
    st = zsi_dimspec_parse(ctx, what, text, flags, &s);
    zsi_dimspec_free(&s);
    if ((pub == ZS_OK) != (st == ZS_OK))
        FUZZ_FAIL("%s '%s': the setter says %d, the parser %d", what, text,
                  pub, st);
    if (pub != ZS_OK)
        refused(pub, what, text);
}

static void fuzz_setters(const char *text)
{
    zs_write_opts *w = NULL;
    zs_batch_opts *b = NULL;
    if (zs_write_opts_new(ctx, &w) != ZS_OK ||
        zs_batch_opts_new(ctx, &b) != ZS_OK)
        abort();
    agree(zs_write_opts_set_chunks(w, text),
          ZSI_DIMSPEC_AUTO_OK | ZSI_DIMSPEC_ALL_OK, "chunks", text);
    agree(zs_write_opts_set_shards(w, text), ZSI_DIMSPEC_ALL_OK, "shards",
          text);   /* no "auto" for shards */
    (void)zs_batch_opts_set_input_dims(b, text);
    (void)zs_batch_opts_set_overlap(b, text);
    (void)zs_batch_opts_set_batch_dims(b, text);
    zs_batch_opts_free(b);
    zs_write_opts_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    size_t n = 0;
    if (!ctx && zs_ctx_new(&ctx) != ZS_OK)
        abort();
    if (size < 2 || size > 4096)
        return 0;
    while (2 + n < size && data[2 + n])
        n++;
    text = malloc(n + 1);
    if (!text)
        abort();
    memcpy(text, data + 2, n);
    text[n] = 0;
    switch (data[0] % 4) {
    case 0: fuzz_dimspec(data[1] & 3u, text); break;
    case 1: fuzz_names(text); break;
    case 2: fuzz_size((uint64_t)data[1] << 12, text); break;
    default: fuzz_setters(text); break;
    }
    free(text);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *dir)
{
    (void)dir;
    return 0;   /* the corpus is written by hand */
}
#endif
