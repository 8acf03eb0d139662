/*
 * codec_kv.h - build codec parameters from "key=value" text in the codec
 * tests: integers, floats (with "." or an exponent), true/false, null,
 * [1,2,3] integer lists, anything else a string.
 */
#ifndef CODEC_KV_H
#define CODEC_KV_H

#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

static inline int codec_kv_ints(zsi_kv *kv, const char *key,
                                const char *v)
{
    int64_t ints[64];
    size_t n = 0;
    const char *p = v + 1;
    while (*p && *p != ']' && n < 64) {
        char *end;
        ints[n++] = strtoll(p, &end, 10);
        if (end == p)
            return 0;
        p = *end == ',' ? end + 1 : end;
    }
    return *p == ']' && zsi_kv_set_ints(kv, key, ints, n);
}

/* Add one "key=value" to kv; 0 if it is malformed. */
static inline int codec_kv_add(zsi_kv *kv, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char key[128];
    const char *v;
    int64_t i;
    double d;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof key)
        return 0;
    memcpy(key, arg, (size_t)(eq - arg));
    key[eq - arg] = 0;
    v = eq + 1;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
        return zsi_kv_set_bool(kv, key, v[0] == 't');
    if (strcmp(v, "null") == 0)
        return zsi_kv_set_null(kv, key);
    if (v[0] == '[')
        return codec_kv_ints(kv, key, v);
    if (zsi_parse_i64(v, &i))
        return zsi_kv_set_int(kv, key, i);
    if (strpbrk(v, ".eEnN") && zsi_parse_double(v, &d))
        return zsi_kv_set_double(kv, key, d);
    return zsi_kv_set_string(kv, key, v);
}

/* kv from a space-separated list of key=value ("" for none). */
static inline int codec_kv_parse(zsi_kv *kv, const char *text)
{
    char *copy = zsi_strdup(text), *save = NULL, *tok;
    int ok = copy != NULL;
    for (tok = ok ? strtok_r(copy, " ", &save) : NULL; tok && ok;
         tok = strtok_r(NULL, " ", &save))
        ok = codec_kv_add(kv, tok);
    free(copy);
    return ok;
}

#endif
