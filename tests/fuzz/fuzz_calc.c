/*
 * fuzz_calc.c - the two parsers of zcalc's input: expressions
 * ("NAME = EXPR", ops/calc_parse.c) and GeoJSON polygons for inside()
 * (meta/geojson.c).
 *
 * Byte 0 picks the parser (even: expression, odd: GeoJSON); the rest,
 * up to a NUL, is the text.  Beyond "no crash, no leak, no undefined
 * behaviour":
 *  - an expression accepted has a NAME that is an identifier, the text
 *    after "=" trimmed, and a tree whose nodes have the arity of their
 *    operation; parsed again it gives the same;
 *  - an expression refused is ZS_ERR_INVALID with a message
 *    "expression 1, column N: ..." where N is within the text (or one
 *    past its end);
 *  - GeoJSON accepted has at least one polygon, each with an outer ring
 *    and every ring of at least four positions; refused is
 *    ZS_ERR_FORMAT naming the file and "GeoJSON".
 */
#include "config.h"

#include <ctype.h>

#include "meta/zsi_geojson.h"
#include "ops/zsi_calc.h"
#include "fuzz.h"

static zs_ctx *ctx;

static int arity(int op)
{
    int n = 0;
    switch (op) {
    case CO_CONST: case CO_REF: case CO_INSIDE: return 0;
    case CO_NEG: case CO_NOT: return 1;
    case CO_COND: return 3;
    case CO_ADD: case CO_SUB: case CO_MUL: case CO_DIV: case CO_POW:
    case CO_LT: case CO_LE: case CO_GT: case CO_GE: case CO_EQ:
    case CO_NE: case CO_AND: case CO_OR: return 2;
    default: break;
    }
    for (const char *const *f = (const char *const[]){"abs", "sqrt", "exp",
             "log", "log10", "min", "max", "pow", "clip", "isnan", "where",
             "month", "dayofyear", "hour", NULL}; *f; f++)
        if (zsi_calc_func(*f, &n) == op)
            return n;
    return -1;
}

static void check_tree(const calc_node *n, size_t len)
{
    if (!n)
        FUZZ_FAIL("a NULL node");
    if (arity(n->op) != n->nargs)
        FUZZ_FAIL("op %d with %d arguments", n->op, n->nargs);
    if (n->col < 1 || (size_t)n->col > len + 1)
        FUZZ_FAIL("column %d outside the text (%zu)", n->col, len);
    if ((n->op == CO_REF || n->op == CO_INSIDE) && (!n->name || !*n->name))
        FUZZ_FAIL("a name without text");
    for (int i = 0; i < n->nargs; i++)
        check_tree(n->arg[i], len);
}

static bool same_tree(const calc_node *a, const calc_node *b)
{
    if (a->op != b->op || a->nargs != b->nargs || a->col != b->col)
        return false;
    if ((a->name || b->name) &&
        (!a->name || !b->name || strcmp(a->name, b->name)))
        return false;
    if (a->op == CO_CONST && !(a->num == b->num ||
                               (a->num != a->num && b->num != b->num)))
        return false;
    for (int i = 0; i < a->nargs; i++)
        if (!same_tree(a->arg[i], b->arg[i]))
            return false;
    return true;
}

static void fuzz_expr(const char *text)
{
    calc_expr e, again;
    size_t len = strlen(text);
    zs_status st = zsi_calc_parse(ctx, 1, text, &e);
    if (st != ZS_OK) {
        const char *m = zs_ctx_message(ctx);
        unsigned long col;
        if (st == ZS_ERR_NOMEM)
            return;
        if (st != ZS_ERR_INVALID)
            FUZZ_FAIL("'%s' refused with %d", text, st);
        if (sscanf(m, "expression 1, column %lu:", &col) != 1 || col < 1 ||
            col > len + 1)
            FUZZ_FAIL("'%s': the message '%s' names no column in it",
                      text, m);
        return;
    }
    if (!e.name || !(isalpha((unsigned char)e.name[0]) || e.name[0] == '_'))
        FUZZ_FAIL("'%s': the name '%s'", text, e.name ? e.name : "(null)");
    for (const char *p = e.name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            FUZZ_FAIL("'%s': the name '%s'", text, e.name);
    if (!e.rhs || !*e.rhs || isspace((unsigned char)e.rhs[0]))
        FUZZ_FAIL("'%s': the expression text '%s'", text,
                  e.rhs ? e.rhs : "(null)");
    check_tree(e.root, len);
    if (zsi_calc_parse(ctx, 1, text, &again) != ZS_OK ||
        !same_tree(e.root, again.root))
        FUZZ_FAIL("'%s' parses differently the second time", text);
    zsi_calc_expr_clear(&again);
    zsi_calc_expr_clear(&e);
}

static void fuzz_geojson(const char *text)
{
    zsi_polygons p;
    zs_status st = zsi_geojson_polygons(ctx, "fuzz.json", text, strlen(text),
                                        &p);
    if (st != ZS_OK) {
        const char *m = zs_ctx_message(ctx);
        if (st != ZS_ERR_FORMAT && st != ZS_ERR_NOMEM)
            FUZZ_FAIL("refused with %d", st);
        if (st == ZS_ERR_FORMAT && strncmp(m, "fuzz.json: GeoJSON: ", 20))
            FUZZ_FAIL("the message '%s'", m);
        return;
    }
    if (p.n < 1)
        FUZZ_FAIL("accepted without a polygon");
    for (size_t i = 0; i < p.n; i++) {
        if (p.p[i].nrings < 1)
            FUZZ_FAIL("a polygon without rings");
        for (size_t k = 0; k < p.p[i].nrings; k++)
            if (p.p[i].rings[k].n < 4)
                FUZZ_FAIL("a ring of %zu positions", p.p[i].rings[k].n);
    }
    zsi_polygons_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    size_t n = 0;
    if (!ctx && zs_ctx_new(&ctx) != ZS_OK)
        abort();
    if (size < 1 || size > 8192)
        return 0;
    while (1 + n < size && data[1 + n])
        n++;
    if (!(text = malloc(n + 1)))
        abort();
    memcpy(text, data + 1, n);
    text[n] = 0;
    if (data[0] % 2 == 0)
        fuzz_expr(text);
    else
        fuzz_geojson(text);
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
