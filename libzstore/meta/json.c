/* json.c - JSON reading (cJSON behind an integer-preserving pre-pass) and
 * writing (our own writer: exact numbers, valid UTF-8, 4-space indent). */
#include "config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta_json.h"

/* ---- reading ------------------------------------------------------- */

/* Tags put in front of the digits of an integer literal, and in front of
 * the bare words NaN/Infinity that Python's json module writes.  They are
 * private-use characters, written as JSON escapes so that the rewritten
 * text stays plain ASCII around them. */
#define TAG_INT_ESC "\\uE000"
#define TAG_NUM_ESC "\\uE001"
#define TAG_LIT_ESC "\\uE002"
#define TAG_INT "\xEE\x80\x80"
#define TAG_NUM "\xEE\x80\x81"
#define TAG_LIT "\xEE\x80\x82"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of a JSON number at p (0 if none); *is_int if no fraction and
 * no exponent. */
/* The length of the number at p (0 if none); *is_int for an integer.
 * A leading zero followed by digits ("01", "-007") is not JSON (RFC 8259)
 * and sets *leading_zero: an integer is kept as the text it is written
 * as, so it must be one that every reader reads. */
static size_t number_len(const char *p, const char *end, bool *is_int,
                         bool *leading_zero)
{
    const char *q = p;
    *is_int = true;
    if (q < end && *q == '-')
        q++;
    if (q >= end || !is_digit(*q))
        return 0;
    *leading_zero = *q == '0' && q + 1 < end && is_digit(q[1]);
    while (q < end && is_digit(*q))
        q++;
    if (q < end && *q == '.') {
        *is_int = false;
        q++;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        *is_int = false;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        while (q < end && is_digit(*q))
            q++;
    }
    return (size_t)(q - p);
}

static bool word_at(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - p) >= n && memcmp(p, w, n) == 0;
}

/* Does the JSON string whose contents start at p begin with one of our
 * tag characters U+E000..U+E002, raw or escaped? */
static bool starts_with_tag(const char *p, const char *end)
{
    if (end - p >= 3 && memcmp(p, "\xEE\x80", 2) == 0 &&
        (unsigned char)p[2] >= 0x80 && (unsigned char)p[2] <= 0x82)
        return true;
    return end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
           (p[2] == 'e' || p[2] == 'E') && p[3] == '0' && p[4] == '0' &&
           p[5] >= '0' && p[5] <= '2';
}

/* Rewrite integer literals and NaN/Infinity outside strings as tagged
 * strings, and put the literal tag in front of string values that
 * themselves start with a tag character, so that no text can pass for
 * a number.  Keys are left alone: they are never interpreted.  Returns
 * a NUL-terminated copy or NULL on no memory; *bad_number is the offset
 * of the first number with a leading zero, or SIZE_MAX. */
static char *prelex(const char *text, size_t len, size_t *bad_number)
{
    zsi_buf b = ZSI_BUF_INIT, stack = ZSI_BUF_INIT;
    const char *p = text, *end = text + len;
    bool in_str = false, expect_key = false;
    *bad_number = SIZE_MAX;
    if (!zsi_buf_reserve(&b, len + len / 4 + 16))
        return NULL;
    while (p < end) {
        char c = *p;
        if (in_str) {
            const char *q = p;
            while (q < end && *q != '"' && *q != '\\')
                q++;
            if (q < end && *q == '\\' && q + 1 < end)
                q += 2;
            else if (q < end && *q == '"') {
                q++;
                in_str = false;
            } else if (q < end)
                q++;
            if (!zsi_buf_append(&b, p, (size_t)(q - p)))
                goto nomem;
            p = q;
            continue;
        }
        if (c == '"') {
            in_str = true;
            if (!zsi_buf_append(&b, p, 1))
                goto nomem;
            p++;
            if (!expect_key && starts_with_tag(p, end) &&
                !zsi_buf_append_str(&b, TAG_LIT_ESC))
                goto nomem;
            continue;
        } else if (c == '{' || c == '[') {
            if (!zsi_buf_append(&stack, &c, 1))
                goto nomem;
            expect_key = c == '{';
        } else if (c == '}' || c == ']') {
            if (stack.len)
                stack.len--;
            expect_key = false;
        } else if (c == ',') {
            expect_key = stack.len && ((char *)stack.data)[stack.len - 1] == '{';
        } else if (c == ':') {
            expect_key = false;
        } else if (c == '-' || is_digit(c)) {
            bool is_int, zero = false;
            size_t n = number_len(p, end, &is_int, &zero);
            if (zero && *bad_number == SIZE_MAX)
                *bad_number = (size_t)(p - text);
            if (n && is_int) {
                if (!zsi_buf_append_str(&b, "\"" TAG_INT_ESC) ||
                    !zsi_buf_append(&b, p, n) || !zsi_buf_append(&b, "\"", 1))
                    goto nomem;
                p += n;
                continue;
            }
            if (n) {
                if (!zsi_buf_append(&b, p, n))
                    goto nomem;
                p += n;
                continue;
            }
            if (word_at(p, end, "-Infinity")) {
                if (!zsi_buf_append_str(&b, "\"" TAG_NUM_ESC "-Infinity\""))
                    goto nomem;
                p += 9;
                continue;
            }
        } else if (word_at(p, end, "NaN") || word_at(p, end, "Infinity")) {
            size_t n = *p == 'N' ? 3 : 8;
            if (!zsi_buf_append_str(&b, "\"" TAG_NUM_ESC) ||
                !zsi_buf_append(&b, p, n) || !zsi_buf_append(&b, "\"", 1))
                goto nomem;
            p += n;
            continue;
        }
        if (!zsi_buf_append(&b, p, 1))
            goto nomem;
        p++;
    }
    zsi_buf_free(&stack);
    if (!zsi_buf_cstr(&b))
        goto nomem;
    return (char *)zsi_buf_take(&b);
nomem:
    zsi_buf_free(&stack);
    zsi_buf_free(&b);
    return NULL;
}

struct zsi_meta_doc {
    cJSON *root;
};

zs_status zsi_meta_doc_parse(zs_ctx *ctx, const char *where,
                             const char *text, size_t len,
                             zsi_meta_doc **out)
{
    zsi_meta_doc *d;
    const char *err_at = NULL;
    char *lexed;
    size_t bad;
    /* an empty value may come as a NULL buffer: no pointer arithmetic or
     * memchr on NULL (undefined even for 0 bytes) */
    if (len == 0 || !text)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: invalid JSON (empty "
                       "document)", where);
    if (memchr(text, 0, len))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: invalid JSON (NUL byte)",
                       where);
    bad = zsi_utf8_check(text, len);
    if (bad < len)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: invalid JSON (not UTF-8 at byte %zu)", where, bad);
    lexed = prelex(text, len, &bad);
    if (!lexed)
        return zsi_nomem(ctx);
    if (bad != SIZE_MAX) {
        free(lexed);
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: invalid JSON (a number with "
                       "a leading zero at byte %zu)", where, bad);
    }
    d = calloc(1, sizeof *d);
    if (!d) {
        free(lexed);
        return zsi_nomem(ctx);
    }
    d->root = cJSON_ParseWithOpts(lexed, &err_at, 1);
    if (!d->root) {
        size_t off = err_at && err_at >= lexed ? (size_t)(err_at - lexed) : 0;
        free(lexed);
        free(d);
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: invalid JSON near byte %zu", where, off);
    }
    free(lexed);
    *out = d;
    return ZS_OK;
}

void zsi_meta_doc_free(zsi_meta_doc *d)
{
    if (!d)
        return;
    cJSON_Delete(d->root);
    free(d);
}

const cJSON *zsi_doc_root(const zsi_meta_doc *d)
{
    return d ? d->root : NULL;
}

bool zsi_jv_is_int(const cJSON *v)
{
    return cJSON_IsString(v) && zsi_str_starts(v->valuestring, TAG_INT);
}

bool zsi_jv_is_number(const cJSON *v)
{
    return cJSON_IsNumber(v) || zsi_jv_is_int(v) ||
           (cJSON_IsString(v) && zsi_str_starts(v->valuestring, TAG_NUM));
}

bool zsi_jv_is_text(const cJSON *v)
{
    return cJSON_IsString(v) && !zsi_jv_is_number(v);
}

int zsi_jv_int(const cJSON *v, int64_t *i, uint64_t *u)
{
    const char *s;
    if (!zsi_jv_is_int(v))
        return 0;
    s = v->valuestring + 3;
    if (zsi_parse_i64(s, i)) {
        *u = (uint64_t)*i;
        return *i < 0 ? 1 : 2;   /* 1: negative, 2: fits both */
    }
    if (zsi_parse_u64(s, u))
        return 3;                /* only unsigned */
    return -1;                   /* too large for 64 bits */
}

bool zsi_jv_double(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (zsi_jv_is_int(v))
        return zsi_parse_double(v->valuestring + 3, out);
    if (cJSON_IsString(v) && zsi_str_starts(v->valuestring, TAG_NUM)) {
        const char *w = v->valuestring + 3;
        *out = strcmp(w, "NaN") == 0 ? NAN
               : strcmp(w, "Infinity") == 0 ? INFINITY : -INFINITY;
        return true;
    }
    return false;
}

const char *zsi_jv_text(const cJSON *v)
{
    if (!zsi_jv_is_text(v))
        return NULL;
    return zsi_str_starts(v->valuestring, TAG_LIT) ? v->valuestring + 3
                                                   : v->valuestring;
}

/* ---- writing ------------------------------------------------------- */

void zsi_json_init(zsi_json *j, zsi_buf *out, bool pretty, int base)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    j->base = base;
    j->first[0] = true;
}

static bool newline(zsi_json *j)
{
    if (!j->pretty)
        return true;
    if (!zsi_buf_append(j->out, "\n", 1))
        return false;
    for (int i = 0; i < (j->depth + j->base) * 4; i++)
        if (!zsi_buf_append(j->out, " ", 1))
            return false;
    return true;
}

/* Separator and indentation before a value or key. */
static bool before_value(zsi_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return true;
    }
    if (j->depth == 0)
        return true;
    if (!j->first[j->depth] && !zsi_buf_append(j->out, ",", 1))
        return false;
    j->first[j->depth] = false;
    return newline(j);
}

static bool open_(zsi_json *j, char c)
{
    if (!before_value(j) || !zsi_buf_append(j->out, &c, 1) ||
        j->depth >= 62)
        return false;
    j->depth++;
    j->first[j->depth] = true;
    return true;
}

static bool close_(zsi_json *j, char c)
{
    bool empty = j->first[j->depth];
    j->depth--;
    if (!empty && !newline(j))
        return false;
    return zsi_buf_append(j->out, &c, 1);
}

bool zsi_json_obj_begin(zsi_json *j) { return open_(j, '{'); }
bool zsi_json_obj_end(zsi_json *j) { return close_(j, '}'); }
bool zsi_json_arr_begin(zsi_json *j) { return open_(j, '['); }
bool zsi_json_arr_end(zsi_json *j) { return close_(j, ']'); }

/* Length of a valid UTF-8 sequence at p (0 if invalid). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* Decode the code point of a valid UTF-8 sequence of length l. */
static uint32_t utf8_cp(const unsigned char *p, size_t l)
{
    uint32_t cp = l == 1 ? p[0] : l == 2 ? p[0] & 0x1fu
                  : l == 3 ? p[0] & 0x0fu : p[0] & 0x07u;
    for (size_t i = 1; i < l; i++)
        cp = cp << 6 | (p[i] & 0x3fu);
    return cp;
}

/* Quoted JSON string, plain ASCII: everything else is a \u escape
 * (python3-zarr reads metadata as ASCII).  Invalid UTF-8 bytes are taken
 * as Latin-1, so the output is always valid JSON. */
static bool put_string(zsi_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char esc[16];
    if (!zsi_buf_append(b, "\"", 1))
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t l;
        uint32_t cp;
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        default: break;
        }
        if (e) {
            if (!zsi_buf_append_str(b, e))
                return false;
            i++;
            continue;
        }
        if (c >= 0x20 && c < 0x7f) {
            if (!zsi_buf_append(b, p + i, 1))
                return false;
            i++;
            continue;
        }
        l = c < 0x80 ? 1 : utf8_len(p + i, n - i);
        cp = l ? utf8_cp(p + i, l) : c;
        if (cp >= 0x10000)
            snprintf(esc, sizeof esc, "\\u%04x\\u%04x",
                     0xd800 + ((cp - 0x10000) >> 10),
                     0xdc00 + ((cp - 0x10000) & 0x3ff));
        else
            snprintf(esc, sizeof esc, "\\u%04x", cp);
        if (!zsi_buf_append_str(b, esc))
            return false;
        i += l ? l : 1;
    }
    return zsi_buf_append(b, "\"", 1);
}

bool zsi_json_key(zsi_json *j, const char *k)
{
    if (!before_value(j) || !put_string(j->out, k, strlen(k)) ||
        !zsi_buf_append(j->out, j->pretty ? ": " : ":", j->pretty ? 2 : 1))
        return false;
    j->after_key = true;
    return true;
}

bool zsi_json_strn(zsi_json *j, const char *s, size_t n)
{
    return before_value(j) && put_string(j->out, s, n);
}

bool zsi_json_str(zsi_json *j, const char *s)
{
    return zsi_json_strn(j, s, strlen(s));
}

bool zsi_json_i64(zsi_json *j, int64_t v)
{
    return before_value(j) && zsi_buf_printf(j->out, "%lld", (long long)v);
}

bool zsi_json_u64(zsi_json *j, uint64_t v)
{
    return before_value(j) &&
           zsi_buf_printf(j->out, "%llu", (unsigned long long)v);
}

static bool put_float_text(zsi_json *j, const char *txt, double v)
{
    if (isnan(v) || isinf(v))
        return before_value(j) && put_string(j->out, txt, strlen(txt));
    return before_value(j) && zsi_buf_append_str(j->out, txt);
}

bool zsi_json_f64(zsi_json *j, double v)
{
    char t[40];
    zsi_fmt_double(v, t, sizeof t);
    return put_float_text(j, t, v);
}

bool zsi_json_f32(zsi_json *j, float v)
{
    char t[40];
    zsi_fmt_float(v, t, sizeof t);
    return put_float_text(j, t, v);
}

bool zsi_json_bool(zsi_json *j, bool v)
{
    return before_value(j) && zsi_buf_append_str(j->out, v ? "true" : "false");
}

bool zsi_json_null(zsi_json *j)
{
    return before_value(j) && zsi_buf_append_str(j->out, "null");
}

/* Write a parsed node through the writer. */
bool zsi_json_node(zsi_json *j, const cJSON *v)
{
    int64_t i;
    uint64_t u;
    double d;
    if (cJSON_IsObject(v)) {
        if (!zsi_json_obj_begin(j))
            return false;
        for (const cJSON *c = v->child; c; c = c->next)
            if (!zsi_json_key(j, c->string) || !zsi_json_node(j, c))
                return false;
        return zsi_json_obj_end(j);
    }
    if (cJSON_IsArray(v)) {
        if (!zsi_json_arr_begin(j))
            return false;
        for (const cJSON *c = v->child; c; c = c->next)
            if (!zsi_json_node(j, c))
                return false;
        return zsi_json_arr_end(j);
    }
    switch (zsi_jv_int(v, &i, &u)) {
    case 1: case 2: return zsi_json_i64(j, i);
    case 3: return zsi_json_u64(j, u);
    case -1:
        return before_value(j) && zsi_buf_append_str(j->out,
                                                     v->valuestring + 3);
    default: break;
    }
    if (zsi_jv_double(v, &d))
        return zsi_json_f64(j, d);
    if (cJSON_IsString(v))
        return zsi_json_str(j, zsi_jv_text(v));
    if (cJSON_IsBool(v))
        return zsi_json_bool(j, cJSON_IsTrue(v));
    return zsi_json_null(j);
}

char *zsi_jv_brief(const cJSON *v, size_t max)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_json j;
    zsi_json_init(&j, &b, false, 0);
    if (!zsi_json_node(&j, v)) {
        zsi_buf_free(&b);
        return NULL;
    }
    if (max >= 4 && b.len > max) {
        memcpy(b.data + max - 3, "...", 3);
        b.len = max;
    }
    if (!zsi_buf_cstr(&b)) {
        zsi_buf_free(&b);
        return NULL;
    }
    return (char *)zsi_buf_take(&b);
}

bool zsi_json_raw(zsi_json *j, const char *json)
{
    zsi_meta_doc *d;
    bool ok;
    if (zsi_meta_doc_parse(NULL, "json", json, strlen(json), &d) != ZS_OK)
        return false;
    ok = zsi_json_node(j, d->root);
    zsi_meta_doc_free(d);
    return ok;
}

bool zsi_json_kv(zsi_json *j, const char *id, const zsi_kv *kv)
{
    if (!zsi_json_obj_begin(j))
        return false;
    if (id && (!zsi_json_key(j, "id") || !zsi_json_str(j, id)))
        return false;
    for (size_t i = 0; i < kv->n; i++) {
        const zsi_kv_item *it = &kv->items[i];
        bool ok = zsi_json_key(j, it->key);
        switch (it->type) {
        case ZSI_KV_INT: ok = ok && zsi_json_i64(j, it->i); break;
        case ZSI_KV_BOOL: ok = ok && zsi_json_bool(j, it->i != 0); break;
        case ZSI_KV_DOUBLE: ok = ok && zsi_json_f64(j, it->d); break;
        case ZSI_KV_STRING: ok = ok && zsi_json_str(j, it->s); break;
        case ZSI_KV_JSON: ok = ok && zsi_json_raw(j, it->s); break;
        case ZSI_KV_INTS:
            ok = ok && zsi_json_arr_begin(j);
            for (size_t k = 0; ok && k < it->nints; k++)
                ok = zsi_json_i64(j, it->ints[k]);
            ok = ok && zsi_json_arr_end(j);
            break;
        default: ok = ok && zsi_json_null(j); break;
        }
        if (!ok)
            return false;
    }
    return zsi_json_obj_end(j);
}
