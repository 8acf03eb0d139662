/*
 * zsi_calc.h - private to expressions (ops/calc_*.c).
 *
 * An expression "NAME = EXPR" is parsed into a tree (calc_parse.c), its
 * names are resolved against the input stores and the tree is compiled
 * into a short program for a stack machine whose every instruction
 * works on a whole tile of values (calc_plan.c): evaluation is one tight
 * loop per operation, never a walk of the tree per element.  The run
 * (calc_run.c) streams each result in boxes aligned to its output
 * chunks: the operands of a box are read, decoded and broadcast by
 * dimension name, the program runs over tiles of the box on the thread
 * pool, and the box is written through the dataset writer.
 *
 * Missing values are NaN.  Arithmetic propagates them; comparisons and
 * logic give NaN when an operand is NaN (C's comparisons would say
 * false); isnan() and where() are the only ways to turn a missing value
 * into a present one.
 */
#ifndef ZSI_CALC_H
#define ZSI_CALC_H

#include "dataset/zsi_writer.h"
#include "ops/zsi_ops.h"

/* Operations: of the tree's nodes and of the program's instructions. */
enum {
    CO_CONST, CO_LEAF,
    CO_ADD, CO_SUB, CO_MUL, CO_DIV, CO_POW,
    CO_LT, CO_LE, CO_GT, CO_GE, CO_EQ, CO_NE, CO_AND, CO_OR,
    CO_NEG, CO_NOT, CO_COND,
    CO_ABS, CO_SQRT, CO_EXP, CO_LOG, CO_LOG10, CO_MIN, CO_MAX, CO_CLIP,
    CO_ISNAN, CO_WHERE,
    /* functions of a time coordinate: tables made when planning */
    CO_MONTH, CO_DAYOFYEAR, CO_HOUR,
    CO_INSIDE,      /* inside(FILE): name is the file */
    CO_REF          /* a name: a variable, an earlier result, ... */
};

/* A node of an expression's tree. */
typedef struct calc_node {
    int op;                       /* CO_* */
    int col;                      /* 1-based column in the text */
    double num;                   /* CO_CONST */
    char *alias, *name;           /* CO_REF: "alias.name" or "name" */
    int nargs;
    struct calc_node *arg[3];
} calc_node;

/* "NAME = EXPR" parsed. */
typedef struct calc_expr {
    char *text;                   /* as given */
    char *name;
    char *rhs;                    /* the text of EXPR, trimmed */
    calc_node *root;
} calc_expr;

/* Parse text (expression number index, from 1, for messages). */
zs_status zsi_calc_parse(zs_ctx *ctx, int index, const char *text,
                         calc_expr *out);
void zsi_calc_expr_clear(calc_expr *e);
void zsi_calc_node_free(calc_node *n);
/* Arity of a function op, and the op of a function name (-1 if none). */
int zsi_calc_func(const char *name, int *nargs);

enum { CALC_JOIN_EXACT = 0, CALC_JOIN_INNER = 1 };

struct zs_calc_opts {
    zs_ctx *ctx;
    calc_expr *exprs;
    size_t nexprs;
    bool keep;
    int join;
    zs_dtype dtype;               /* ZS_DT_NONE: float32 or float64 */
    zsi_strv units;               /* "NAME=UNIT" */
};

/* An input store. */
typedef struct calc_input {
    zs_dataset *ds;
    char *alias;                  /* NULL: reached by bare names only */
} calc_input;

/* An operand: a variable read box by box, or a table of values made
 * when planning (coordinates and what derives from them). */
typedef struct calc_leaf {
    int input;
    zs_var *v;                    /* NULL: table */
    double *table;
    int ndim;
    int dim[ZS_MAX_DIMS];         /* indices into the plan's dimensions */
    uint64_t shape[ZS_MAX_DIMS];  /* the input's lengths */
    zsi_cfdecode dec;
    char *what;                   /* "ice.conc", "coslat" */
    int kind;                     /* CO_REF, CO_MONTH, ... or a name id */
    const char *units;            /* converted to these (--units), or
                                     NULL */
    double scale, offset;         /* the conversion */
} calc_leaf;

/* A dimension of the results: its length after the join, and for each
 * input that has it the index of every label (NULL: the same). */
typedef struct calc_dim {
    char *name;
    uint64_t len;
    uint64_t **map;               /* per input; NULL: not that input's */
    uint64_t *inlen;              /* per input: its own length, 0 absent */
    int coord_input;              /* the input whose coordinate is
                                     written, -1 none */
    zs_var *coord;
    bool trimmed;                 /* the join dropped labels */
} calc_dim;

/* An instruction: op, with a leaf index or a constant. */
typedef struct calc_instr {
    int op;
    int leaf;
    double c;
} calc_instr;

/* A result. */
typedef struct calc_out {
    const calc_expr *e;
    bool write;                   /* not a temporary */
    int ndim;
    int dim[ZS_MAX_DIMS];
    uint64_t shape[ZS_MAX_DIMS], chunks[ZS_MAX_DIMS];
    const char *dims[ZS_MAX_DIMS];
    calc_instr *code;
    size_t ncode, ccap;
    int depth;                    /* stack slots the program needs */
    int *leaves;                  /* the leaves it reads */
    size_t nleaves;
    zs_dtype dtype;
    zs_var *pure;                 /* the result is this variable */
    int pure_leaf;
    const char *units;            /* converted to these, or NULL */
    double scale, offset;
    zs_array *out;                /* the writer's */
} calc_out;

struct zs_calc {
    zs_ctx *ctx;
    zs_write_opts w;
    calc_input *in;
    size_t nin;
    bool keep;
    int join;
    calc_leaf *leaves;
    size_t nleaves;
    calc_dim *dims;
    size_t ndims;
    calc_out *outs;
    size_t nouts;
    calc_expr *exprs;             /* a copy of the options' */
    size_t nexprs;
    zsi_strv units;               /* a copy of the options' */
    uint64_t memory;
};

/* Tables of coordinates (calc_coords.c): lat and lon as values of the
 * given input's horizontal axes, coslat, gridarea, and month, dayofyear
 * or hour of a time coordinate.  Each makes the leaf's table and dims
 * through dim_of(). */
typedef int (*calc_dim_fn)(zs_calc *c, int input, const char *name,
                           uint64_t len);
zs_status zsi_calc_table_coslat(zs_calc *c, int input, calc_leaf *l,
                                calc_dim_fn dim_of);
zs_status zsi_calc_table_gridarea(zs_calc *c, int input, calc_leaf *l,
                                  calc_dim_fn dim_of);
zs_status zsi_calc_table_time(zs_calc *c, int input, zs_var *t, int op,
                              calc_leaf *l, calc_dim_fn dim_of);

zs_status zsi_calc_table_inside(zs_calc *c, int input, const char *path,
                                calc_leaf *l, calc_dim_fn dim_of);

/* The join of every dimension (calc_join.c). */
zs_status zsi_calc_join(zs_calc *c);

/* Compute and write every result (calc_run.c). */
zs_status zsi_calc_write(zs_calc *c, zsi_writer *w);

/* The Earth's radius of gridarea, metres. */
#define CALC_EARTH_RADIUS 6371000.0

#endif
