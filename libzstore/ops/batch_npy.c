/* batch_npy.c - .npy headers, as NumPy's format 1.0 writes them: the
 * magic "\x93NUMPY", the version, a little-endian header length and a
 * Python dict literal {'descr', 'fortran_order', 'shape'} padded with
 * spaces and a newline so that the data start at a multiple of 64.
 *
 * The parser reads files from elsewhere (predictions to assemble): it
 * takes versions 1.0 to 3.0, little-endian float32 and float64 in C
 * order only, bounds the header by the bytes it has and every length
 * by 2^48, and refuses anything else with a message. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_batch.h"

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define PRE_LEN 10      /* magic, version, 2-byte length (1.0) */
#define LEN_MAX ((uint64_t)1 << 48)

static const char *descr_of(zs_dtype t)
{
    switch (t) {
    case ZS_DT_FLOAT32: return "<f4";
    case ZS_DT_FLOAT64: return "<f8";
    case ZS_DT_UINT8: return "|u1";
    default: return NULL;
    }
}

zs_status zsi_npy_header(zs_ctx *ctx, zs_dtype t, int nd,
                         const uint64_t *shape, size_t len, zsi_buf *out)
{
    zsi_buf d = ZSI_BUF_INIT;
    const char *descr = descr_of(t);
    size_t total;
    bool ok;
    if (!descr)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "npy: no type %s",
                       zs_dtype_name(t));
    ok = zsi_buf_printf(&d, "{'descr': '%s', 'fortran_order': False, "
                        "'shape': (", descr);
    for (int i = 0; ok && i < nd; i++)
        ok = zsi_buf_printf(&d, "%s%llu", i ? ", " : "",
                            (unsigned long long)shape[i]);
    ok = ok && zsi_buf_append_str(&d, nd == 1 ? ",), }" : "), }");
    total = (PRE_LEN + d.len + 1 + 63) / 64 * 64;
    if (len && len >= PRE_LEN + d.len + 1)
        total = len;
    if (!ok || total - PRE_LEN > 65535) {
        zsi_buf_free(&d);
        return ok ? zsi_err(ctx, ZS_ERR_RANGE, "npy: header too long")
                  : zsi_nomem(ctx);
    }
    out->len = 0;
    ok = zsi_buf_reserve(out, total) && zsi_buf_append(out, MAGIC, 6) &&
         zsi_buf_append(out, "\x01\x00", 2);
    if (ok) {
        uint8_t l[2] = {(uint8_t)((total - PRE_LEN) & 0xff),
                        (uint8_t)((total - PRE_LEN) >> 8)};
        ok = zsi_buf_append(out, l, 2) && zsi_buf_append(out, d.data, d.len);
    }
    while (ok && out->len < total - 1)
        ok = zsi_buf_append(out, " ", 1);
    ok = ok && zsi_buf_append(out, "\n", 1);
    zsi_buf_free(&d);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

/* The value of key in the dict text h (n bytes), after "'key':". */
static const char *value_of(const char *h, size_t n, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i + k + 2 < n; i++)
        if (h[i] == '\'' && !strncmp(h + i + 1, key, k) &&
            h[i + 1 + k] == '\'') {
            const char *p = h + i + k + 2;
            while (p < h + n && (*p == ' ' || *p == ':'))
                p++;
            return p;
        }
    return NULL;
}

static zs_status bad(zs_ctx *ctx, const char *what, const char *why)
{
    return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a .npy file we read (%s)",
                   what, why);
}

/* "(3, 4)" or "(3,)" or "()" at p, before end. */
static bool parse_shape(const char *p, const char *end, int *nd,
                        uint64_t *shape)
{
    *nd = 0;
    if (p >= end || *p++ != '(')
        return false;
    for (;;) {
        uint64_t v = 0;
        bool digits = false;
        while (p < end && *p == ' ')
            p++;
        if (p < end && *p == ')')
            return true;
        while (p < end && isdigit((unsigned char)*p)) {
            v = v * 10 + (uint64_t)(*p++ - '0');
            digits = true;
            if (v > LEN_MAX)
                return false;
        }
        while (p < end && (*p == 'L' || *p == ' '))
            p++;
        if (!digits || *nd == ZS_MAX_DIMS)
            return false;
        shape[(*nd)++] = v;
        if (p < end && *p == ',')
            p++;
        else if (!(p < end && *p == ')'))
            return false;
    }
}

zs_status zsi_npy_parse(zs_ctx *ctx, const char *what, const uint8_t *p,
                        size_t n, zs_dtype *t, int *nd, uint64_t *shape,
                        size_t *data_off)
{
    size_t hl, pre;
    const char *h, *d, *f, *s;
    if (n < PRE_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0)
        return bad(ctx, what, "no magic");
    if (p[6] == 1) {
        hl = (size_t)p[8] | (size_t)p[9] << 8;
        pre = PRE_LEN;
    } else if (p[6] == 2 || p[6] == 3) {
        if (n < 12)
            return bad(ctx, what, "truncated header");
        hl = zsi_le32(p + 8);
        pre = 12;
    } else {
        return bad(ctx, what, "unknown version");
    }
    if (hl > n - pre)
        return bad(ctx, what, "truncated header");
    h = (const char *)p + pre;
    d = value_of(h, hl, "descr");
    f = value_of(h, hl, "fortran_order");
    s = value_of(h, hl, "shape");
    if (!d || !f || !s)
        return bad(ctx, what, "header without descr, fortran_order or "
                   "shape");
    if (h + hl - f >= 5 && !strncmp(f, "True", 4))
        return bad(ctx, what, "Fortran order");
    if (h + hl - d >= 5 && !strncmp(d, "'<f4'", 5))
        *t = ZS_DT_FLOAT32;
    else if (h + hl - d >= 5 && !strncmp(d, "'<f8'", 5))
        *t = ZS_DT_FLOAT64;
    else
        return bad(ctx, what, "want little-endian float32 or float64");
    if (!parse_shape(s, h + hl, nd, shape))
        return bad(ctx, what, "malformed shape");
    *data_off = pre + hl;
    return ZS_OK;
}
