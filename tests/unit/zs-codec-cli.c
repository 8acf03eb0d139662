/*
 * zs-codec-cli - run a codec chain over standard input, for the numcodecs
 * interoperability test (tests/interop/codec-numcodecs.sh).
 *
 *   zs-codec-cli encode|decode [--dtype T] [--shape N[,N...]]
 *                [--no-expect] ID [key=value...] [+ ID [key=value...]]...
 *
 * T is a NumPy ("<i2") or Zarr v3 ("int16") type, "|u1" by default.  The
 * shape defaults to the number of elements read.  For "|O" (strings) the
 * raw side is each item followed by a NUL byte.  decode passes the chunk
 * size as the expected size unless --no-expect is given.  Exit status: 0
 * success, 1 codec error (message on standard error), 2 usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/zsi_codec.h"
#include "codec_kv.h"

static const char *prog = "zs-codec-cli";

typedef struct opts {
    bool decode, expect;
    const char *dtype;
    const char *shape;
    int first;  /* index of the first codec argument */
} opts;

static int usage(void)
{
    fprintf(stderr, "usage: %s encode|decode [--dtype T] [--shape N,...] "
            "[--no-expect] ID [key=value...] [+ ID ...]\n", prog);
    return 2;
}

static bool read_all(FILE *f, zsi_buf *b)
{
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (!zsi_buf_append(b, tmp, n))
            return false;
    return !ferror(f);
}

static int fail(zs_ctx *ctx, zs_status st)
{
    fprintf(stderr, "%s: %s\n", prog,
            zs_ctx_message(ctx)[0] ? zs_ctx_message(ctx) : zs_strerror(st));
    return 1;
}

static bool parse_shape(const char *text, zsi_codec_info *info)
{
    zsi_strv parts = {NULL, 0, 0};
    bool ok = zsi_strv_split(&parts, text, ',') && parts.n <= ZS_MAX_DIMS;
    info->ndim = (int)parts.n;
    for (size_t i = 0; ok && i < parts.n; i++)
        ok = zsi_parse_u64(parts.v[i], &info->shape[i]);
    zsi_strv_free(&parts);
    return ok;
}

static bool parse_dtype(const char *s, zsi_codec_info *info)
{
    bool be = false;
    if (zsi_dtype_from_numpy(s, &info->dtype, &info->itemsize, &be)) {
        info->big_endian = be;
        return true;
    }
    return zsi_dtype_from_v3(s, &info->dtype, &info->itemsize);
}

/* Add the codecs named in argv[first..] to ch. */
static zs_status build(zs_ctx *ctx, int argc, char **argv, int first,
                       const zsi_codec_info *info, zsi_chain *ch)
{
    zs_status st = ZS_OK;
    int i = first;
    if (argc - first == 1 && strcmp(argv[first], "none") == 0)
        return ZS_OK;
    while (i < argc && st == ZS_OK) {
        const char *id = argv[i++];
        zsi_kv kv = {NULL, 0};
        for (; i < argc && strcmp(argv[i], "+") != 0 && st == ZS_OK; i++)
            if (!codec_kv_add(&kv, argv[i]))
                st = zsi_err(ctx, ZS_ERR_INVALID, "bad parameter '%s'",
                             argv[i]);
        i++;  /* skip "+" */
        if (st == ZS_OK)
            st = zsi_chain_add(ctx, ch, id, &kv, info);
        zsi_kv_free(&kv);
    }
    return st;
}

/* Strings: NUL-terminated items <-> the decoded offset-table layout. */
static bool items_to_layout(const zsi_buf *in, uint64_t count, zsi_buf *out)
{
    const char **v = malloc((count ? count : 1) * sizeof *v);
    size_t pos = 0;
    bool ok = v != NULL;
    for (uint64_t i = 0; ok && i < count; i++) {
        const uint8_t *nul = pos < in->len ?
                             memchr(in->data + pos, 0, in->len - pos) : NULL;
        ok = nul != NULL;
        v[i] = (const char *)in->data + pos;
        pos = ok ? (size_t)(nul - in->data) + 1 : pos;
    }
    ok = ok && pos == in->len && zsi_vlen_build(out, v, count);
    free(v);
    return ok;
}

static bool layout_to_items(const zsi_buf *in, uint64_t count, FILE *f)
{
    for (uint64_t i = 0; i < count; i++) {
        const char *s = zsi_vlen_get(in->data, i);
        if (fwrite(s, 1, strlen(s) + 1, f) != strlen(s) + 1)
            return false;
    }
    return true;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    int i = 2;
    if (argc < 3 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode")))
        return usage();
    o->decode = strcmp(argv[1], "decode") == 0;
    o->expect = true;
    o->dtype = "|u1";
    o->shape = NULL;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--no-expect") == 0)
            o->expect = false;
        else if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc)
            o->dtype = argv[++i];
        else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc)
            o->shape = argv[++i];
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    o->first = i;
    return 0;
}

static int run(zs_ctx *ctx, const opts *o, int argc, char **argv)
{
    zsi_codec_info info;
    zsi_chain ch;
    zsi_buf in = ZSI_BUF_INIT, raw = ZSI_BUF_INIT, out = ZSI_BUF_INIT;
    uint64_t count = 0, size = 0;
    zs_status st;
    int rc = 1;
    memset(&info, 0, sizeof info);
    zsi_chain_init(&ch);
    if (!parse_dtype(o->dtype, &info) || !read_all(stdin, &in)) {
        fprintf(stderr, "%s: bad dtype or unreadable input\n", prog);
        zsi_buf_free(&in);
        return 2;
    }
    info.ndim = 1;
    info.shape[0] = info.dtype == ZS_DT_STRING || !info.itemsize ? 0 :
                    in.len / info.itemsize;
    if ((o->shape && !parse_shape(o->shape, &info)) ||
        !zsi_prod_ok(info.shape, info.ndim, &count)) {
        zsi_buf_free(&in);
        return usage();
    }
    if (info.dtype != ZS_DT_STRING)
        size = count * info.itemsize;
    st = build(ctx, argc, argv, o->first, &info, &ch);
    if (st == ZS_OK && !o->decode && info.dtype == ZS_DT_STRING) {
        if (!items_to_layout(&in, count, &raw))
            st = zsi_err(ctx, ZS_ERR_INVALID, "input is not %llu "
                         "NUL-ended items", (unsigned long long)count);
    } else if (st == ZS_OK && !o->decode) {
        zsi_buf_swap(&raw, &in);
    }
    if (st == ZS_OK && o->decode)
        st = zsi_chain_decode(&ch, ctx, in.data, in.len, &out,
                              o->expect ? (size_t)size : 0);
    else if (st == ZS_OK)
        st = zsi_chain_encode(&ch, ctx, raw.data, raw.len, &out);
    if (st != ZS_OK)
        rc = fail(ctx, st);
    else if (o->decode && info.dtype == ZS_DT_STRING)
        rc = layout_to_items(&out, count, stdout) ? 0 : 1;
    else if (out.len)  /* an empty result may have no buffer at all */
        rc = fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : 1;
    else
        rc = 0;
    zsi_chain_free(&ch);
    zsi_buf_free(&in);
    zsi_buf_free(&raw);
    zsi_buf_free(&out);
    return rc;
}

int main(int argc, char **argv)
{
    zs_ctx *ctx;
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 1;
    rc = run(ctx, &o, argc, argv);
    zs_ctx_free(ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error\n", prog);
        rc = 1;
    }
    return rc;
}
