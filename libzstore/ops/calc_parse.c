/* calc_parse.c - the expression language of zcalc: "NAME = EXPR" read by
 * recursive descent into a tree.  Every syntax error names the
 * expression and the column where it was found.
 *
 * Precedence, lowest first: c ? a : b (right to left), ||, &&, == !=,
 * < <= > >=, + -, * /, unary - + !, ^ (right to left, binding tighter
 * than a unary minus on its left as in Python and Fortran: -x^2 is
 * -(x^2)). */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/zsi_calc.h"

/* Nesting beyond this is refused: the parser recurses. */
#define DEPTH_MAX 200

typedef struct parser {
    zs_ctx *ctx;
    int index;            /* expression number, for messages */
    const char *s;        /* the whole text */
    size_t p;             /* position */
    int depth;
    zs_status st;         /* the first error */
} parser;

static const struct {
    const char *name;
    int op, nargs;
} funcs[] = {
    {"abs", CO_ABS, 1}, {"sqrt", CO_SQRT, 1}, {"exp", CO_EXP, 1},
    {"log", CO_LOG, 1}, {"log10", CO_LOG10, 1}, {"min", CO_MIN, 2},
    {"max", CO_MAX, 2}, {"pow", CO_POW, 2}, {"clip", CO_CLIP, 3},
    {"isnan", CO_ISNAN, 1}, {"where", CO_WHERE, 3},
    {"month", CO_MONTH, 1}, {"dayofyear", CO_DAYOFYEAR, 1},
    {"hour", CO_HOUR, 1},
};

int zsi_calc_func(const char *name, int *nargs)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (!strcmp(funcs[i].name, name)) {
            if (nargs)
                *nargs = funcs[i].nargs;
            return funcs[i].op;
        }
    return -1;
}

static calc_node *fail(parser *ps, size_t at, const char *fmt,
                       const char *arg)
{
    char what[128];
    if (ps->st != ZS_OK)
        return NULL;
    snprintf(what, sizeof what, fmt, arg);
    ps->st = zsi_err(ps->ctx, ZS_ERR_INVALID, "expression %d, column %zu: %s",
                     ps->index, at + 1, what);
    return NULL;
}

static void skip_space(parser *ps)
{
    while (ps->s[ps->p] && isspace((unsigned char)ps->s[ps->p]))
        ps->p++;
}

/* The next character (after spaces), not taken. */
static char peek(parser *ps)
{
    skip_space(ps);
    return ps->s[ps->p];
}

/* Take the operator op if it comes next. */
static bool take(parser *ps, const char *op)
{
    size_t n = strlen(op);
    skip_space(ps);
    if (strncmp(ps->s + ps->p, op, n))
        return false;
    /* "<" is not the start of "<=", "!" not of "!=", "*" not of "**" */
    if (n == 1 && strchr("<>!=", op[0]) && ps->s[ps->p + 1] == '=')
        return false;
    if (n == 1 && op[0] == '*' && ps->s[ps->p + 1] == '*')
        return false;
    ps->p += n;
    return true;
}

static calc_node *node(parser *ps, int op, size_t at)
{
    calc_node *n = calloc(1, sizeof *n);
    if (!n && ps->st == ZS_OK)
        ps->st = zsi_nomem(ps->ctx);
    if (n) {
        n->op = op;
        n->col = (int)at + 1;
    }
    return n;
}

static calc_node *with_args(parser *ps, calc_node *n, calc_node *a,
                            calc_node *b, calc_node *c)
{
    int k = 0;
    if (!n || !a || ps->st != ZS_OK) {
        zsi_calc_node_free(n);
        zsi_calc_node_free(a);
        zsi_calc_node_free(b);
        zsi_calc_node_free(c);
        return NULL;
    }
    n->arg[k++] = a;
    if (b)
        n->arg[k++] = b;
    if (c)
        n->arg[k++] = c;
    n->nargs = k;
    return n;
}

static calc_node *parse_cond(parser *ps);

static char *ident(parser *ps)
{
    size_t b = ps->p;
    while (isalnum((unsigned char)ps->s[ps->p]) || ps->s[ps->p] == '_')
        ps->p++;
    return zsi_strndup(ps->s + b, ps->p - b);
}

static calc_node *parse_number(parser *ps, size_t at)
{
    char *end;
    double v = strtod(ps->s + ps->p, &end);
    calc_node *n;
    if (end == ps->s + ps->p)
        return fail(ps, at, "malformed number", NULL);
    ps->p = (size_t)(end - ps->s);
    if (isalpha((unsigned char)*end) || *end == '_')
        return fail(ps, ps->p, "malformed number", NULL);
    n = node(ps, CO_CONST, at);
    if (n)
        n->num = v;
    return n;
}

/* inside(FILE): the file name as it is, or in quotes. */
static calc_node *parse_inside(parser *ps, size_t at)
{
    const char *s;
    size_t b, e;
    calc_node *n;
    char q;
    skip_space(ps);
    s = ps->s;
    q = s[ps->p] == '\'' || s[ps->p] == '"' ? s[ps->p] : 0;
    b = ps->p + (q != 0);
    for (e = b; s[e] && (q ? s[e] != q : s[e] != ')'); e++)
        ;
    if (q && s[e] != q)
        return fail(ps, ps->p, "unclosed quote", NULL);
    ps->p = e + (q != 0);
    while (!q && e > b && isspace((unsigned char)s[e - 1]))
        e--;
    if (e == b)
        return fail(ps, b, "inside() needs a GeoJSON file name", NULL);
    if (!take(ps, ")"))
        return fail(ps, ps->p, "expected ')'", NULL);
    if (!(n = node(ps, CO_INSIDE, at)))
        return NULL;
    if (!(n->name = zsi_strndup(s + b, e - b))) {
        free(n);
        ps->st = zsi_nomem(ps->ctx);
        return NULL;
    }
    return n;
}

/* name( args ) */
static calc_node *parse_call(parser *ps, char *name, size_t at)
{
    int nargs = 0, op = zsi_calc_func(name, &nargs);
    calc_node *a[3] = {NULL, NULL, NULL}, *n;
    int k = 0;
    if (op < 0) {
        fail(ps, at, "unknown function '%s'", name);
        return NULL;
    }
    if (peek(ps) != ')')
        do {
            if (k == nargs) {
                fail(ps, ps->p, "too many arguments to '%s'", name);
                break;
            }
            a[k++] = parse_cond(ps);
        } while (ps->st == ZS_OK && take(ps, ","));
    if (ps->st == ZS_OK && k < nargs)
        fail(ps, ps->p, "too few arguments to '%s'", name);
    if (ps->st == ZS_OK && !take(ps, ")"))
        fail(ps, ps->p, "expected ')' or ','", NULL);
    n = ps->st == ZS_OK ? node(ps, op, at) : NULL;
    return with_args(ps, n, a[0], a[1], a[2]);
}

static calc_node *parse_name(parser *ps, size_t at)
{
    char *a = ident(ps), *b = NULL;
    calc_node *n = NULL;
    if (!a)
        return (ps->st = zsi_nomem(ps->ctx)), NULL;
    if (take(ps, "(")) {
        n = strcmp(a, "inside") ? parse_call(ps, a, at)
                                : parse_inside(ps, at);
        free(a);
        return n;
    }
    if (take(ps, ".")) {
        skip_space(ps);
        if (!isalpha((unsigned char)ps->s[ps->p]) && ps->s[ps->p] != '_') {
            free(a);
            return fail(ps, ps->p, "expected a variable name after '.'",
                        NULL);
        }
        b = ident(ps);
    }
    if ((n = node(ps, CO_REF, at)) == NULL) {
        free(a);
        free(b);
        return NULL;
    }
    if (b) {
        n->alias = a;
        n->name = b;
    } else {
        n->name = a;
    }
    if (!strcmp(n->name, "nan") && !n->alias) {
        n->op = CO_CONST;
        n->num = NAN;
    }
    return n;
}

static calc_node *parse_primary(parser *ps)
{
    size_t at;
    char c = peek(ps);
    calc_node *n;
    at = ps->p;
    if (++ps->depth > DEPTH_MAX)
        return fail(ps, at, "nested too deeply", NULL);
    if (c == '(') {
        ps->p++;
        n = parse_cond(ps);
        if (n && !take(ps, ")")) {
            zsi_calc_node_free(n);
            n = fail(ps, ps->p, "expected ')'", NULL);
        }
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && isdigit((unsigned char)ps->s[ps->p + 1]))) {
        n = parse_number(ps, at);
    } else if (isalpha((unsigned char)c) || c == '_') {
        n = parse_name(ps, at);
    } else if (!c) {
        n = fail(ps, at, "unexpected end of the expression", NULL);
    } else {
        char tok[2] = {c, 0};
        n = fail(ps, at, "unexpected '%s'", tok);
    }
    ps->depth--;
    return n;
}

static calc_node *parse_unary(parser *ps);

/* primary [^ unary] */
static calc_node *parse_power(parser *ps)
{
    calc_node *a = parse_primary(ps);
    size_t at = ps->p;
    if (a && (take(ps, "^") || take(ps, "**")))
        return with_args(ps, node(ps, CO_POW, at), a, parse_unary(ps), NULL);
    return a;
}

static calc_node *parse_unary(parser *ps)
{
    size_t at;
    int op = -1;
    calc_node *a;
    skip_space(ps);
    at = ps->p;
    if (take(ps, "-"))
        op = CO_NEG;
    else if (take(ps, "!"))
        op = CO_NOT;
    else if (take(ps, "+"))
        return parse_unary(ps);
    if (op < 0)
        return parse_power(ps);
    if (++ps->depth > DEPTH_MAX)
        return fail(ps, at, "nested too deeply", NULL);
    a = parse_unary(ps);
    ps->depth--;
    return with_args(ps, node(ps, op, at), a, NULL, NULL);
}

/* A level of left-associative binary operators: ops[i] makes codes[i]. */
static calc_node *parse_level(parser *ps, int level);

static const struct {
    const char *ops[4];
    int codes[4];
} levels[] = {
    {{"||", NULL, NULL, NULL}, {CO_OR, 0, 0, 0}},
    {{"&&", NULL, NULL, NULL}, {CO_AND, 0, 0, 0}},
    {{"==", "!=", NULL, NULL}, {CO_EQ, CO_NE, 0, 0}},
    {{"<=", ">=", "<", ">"}, {CO_LE, CO_GE, CO_LT, CO_GT}},
    {{"+", "-", NULL, NULL}, {CO_ADD, CO_SUB, 0, 0}},
    {{"*", "/", NULL, NULL}, {CO_MUL, CO_DIV, 0, 0}},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static calc_node *parse_operand(parser *ps, int level)
{
    return level + 1 < NLEVELS ? parse_level(ps, level + 1)
                               : parse_unary(ps);
}

static calc_node *parse_level(parser *ps, int level)
{
    calc_node *a = parse_operand(ps, level);
    while (a && ps->st == ZS_OK) {
        int k, code = -1;
        size_t at;
        skip_space(ps);
        at = ps->p;
        for (k = 0; k < 4 && levels[level].ops[k]; k++)
            if (take(ps, levels[level].ops[k])) {
                code = levels[level].codes[k];
                break;
            }
        if (code < 0)
            break;
        a = with_args(ps, node(ps, code, at), a, parse_operand(ps, level),
                      NULL);
    }
    return a;
}

static calc_node *parse_cond(parser *ps)
{
    calc_node *c = parse_level(ps, 0), *a, *b;
    size_t at;
    skip_space(ps);
    at = ps->p;
    if (!c || !take(ps, "?"))
        return c;
    if (++ps->depth > DEPTH_MAX) {
        zsi_calc_node_free(c);
        return fail(ps, at, "nested too deeply", NULL);
    }
    a = parse_cond(ps);
    if (a && !take(ps, ":")) {
        zsi_calc_node_free(c);
        zsi_calc_node_free(a);
        return fail(ps, ps->p, "expected ':'", NULL);
    }
    b = a ? parse_cond(ps) : NULL;
    ps->depth--;
    return with_args(ps, node(ps, CO_COND, at), c, a, b);
}

void zsi_calc_node_free(calc_node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nargs; i++)
        zsi_calc_node_free(n->arg[i]);
    free(n->alias);
    free(n->name);
    free(n);
}

void zsi_calc_expr_clear(calc_expr *e)
{
    free(e->text);
    free(e->name);
    free(e->rhs);
    zsi_calc_node_free(e->root);
    memset(e, 0, sizeof *e);
}

/* NAME = */
static zs_status parse_target(parser *ps, calc_expr *out)
{
    skip_space(ps);
    if (!isalpha((unsigned char)ps->s[ps->p]) && ps->s[ps->p] != '_') {
        fail(ps, ps->p, "expected NAME = EXPRESSION", NULL);
        return ps->st;
    }
    if (!(out->name = ident(ps)))
        return zsi_nomem(ps->ctx);
    if (!take(ps, "=")) {
        fail(ps, ps->p, "expected '=' after the name '%s'", out->name);
        return ps->st;
    }
    return ZS_OK;
}

zs_status zsi_calc_parse(zs_ctx *ctx, int index, const char *text,
                         calc_expr *out)
{
    parser ps = {ctx, index, text, 0, 0, ZS_OK};
    size_t b, e;
    memset(out, 0, sizeof *out);
    if (!(out->text = zsi_strdup(text)))
        return zsi_nomem(ctx);
    if (parse_target(&ps, out) == ZS_OK) {
        skip_space(&ps);
        b = ps.p;
        out->root = parse_cond(&ps);
        if (ps.st == ZS_OK && peek(&ps)) {
            char tok[2] = {ps.s[ps.p], 0};
            fail(&ps, ps.p, "unexpected '%s'", tok);
        }
        e = strlen(text);
        while (e > b && isspace((unsigned char)text[e - 1]))
            e--;
        if (ps.st == ZS_OK && !(out->rhs = zsi_strndup(text + b, e - b)))
            ps.st = zsi_nomem(ctx);
    }
    if (ps.st != ZS_OK)
        zsi_calc_expr_clear(out);
    return ps.st;
}
