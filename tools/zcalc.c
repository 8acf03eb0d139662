/* zcalc - compute new variables from expressions over one or more
 * stores. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zcalc [OPTIONS] -e 'NAME = EXPR' [-e ...] [ALIAS=]STORE... "
         "-o OUT\n"
"Compute variables from expressions over the variables of one or more\n"
"Zarr stores (or NetCDF files), streaming in bounded memory.\n"
"\n"
"Options:\n"
"  -e, --expr 'NAME = EXPR' a result (repeat for more; later ones may use\n"
"                           earlier NAMEs; NAMEs starting with _ are\n"
"                           temporaries, not written)\n"
"      --keep               also copy the inputs' variables\n"
"      --join exact|inner   align shared dimensions: the same labels\n"
"                           (exact, default) or their intersection (inner)\n"
"      --units NAME=UNIT    convert a variable read (sst, ice.conc) or a\n"
"                           result that is one variable to UNIT (udunits2:\n"
"                           degC, K, m/s, ...); repeatable\n"
"      --dtype TYPE         float32, float64, int8 or bool results\n"
"                           (default: float32 when every variable read is\n"
"                           float32, else float64)\n"
"  -n, --plan               print the results it would write and stop\n"
"\n"
"Expressions: numbers, variables (sst, or ice.conc for the store given as\n"
"ice=STORE), + - * / ^, < <= > >= == != (1 or 0), && || !, c ? a : b,\n"
"abs sqrt exp log log10 min max pow clip isnan where, nan, lat lon time,\n"
"month(time) dayofyear(time) hour(time), coslat, gridarea (m^2),\n"
"inside(FILE.geojson) (1 for cells whose centre is in a polygon).\n"
"\n"
TOOL_WRITE_HELP
"\n"
TOOL_HELP
"\n"
"Packed values are decoded first; missing values are NaN and stay missing\n"
"except through isnan() and where().\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_KEEP = 256, OPT_JOIN, OPT_DTYPE, OPT_UNITS };

static const struct option longopts[] = {
    {"expr", required_argument, NULL, 'e'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"join", required_argument, NULL, OPT_JOIN},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"units", required_argument, NULL, OPT_UNITS},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"join", "--join"},
    {"units", "--units"},
    {NULL, NULL},
};

static zs_dtype dtype_arg(const tool *t, const char *s)
{
    if (!strcmp(s, "int8"))
        return ZS_DT_INT8;
    if (!strcmp(s, "bool"))
        return ZS_DT_BOOL;
    if (strcmp(s, "float32") && strcmp(s, "float64"))
        tool_usage_error(t, "--dtype must be float32, float64, int8 or "
                         "bool");
    return tool_dtype_arg(t, s);
}

/* "ALIAS=STORE": the length of ALIAS (a name), or 0. */
static size_t alias_len(const char *arg)
{
    size_t n = 0;
    if (!isalpha((unsigned char)arg[0]) && arg[0] != '_')
        return 0;
    while (isalnum((unsigned char)arg[n]) || arg[n] == '_')
        n++;
    return arg[n] == '=' && arg[n + 1] ? n : 0;
}

/* The inputs: opened, with their aliases; a message and false on
 * failure. */
static bool open_inputs(tool *t, int n, char **args, zs_dataset **ds,
                        char **alias, const char **name)
{
    for (int i = 0; i < n; i++) {
        size_t k = alias_len(args[i]);
        zs_status st;
        name[i] = args[i] + (k ? k + 1 : 0);
        if (k && !(alias[i] = strndup(args[i], k))) {
            tool_msg(t, "out of memory");
            return false;
        }
        st = zs_dataset_open(t->ctx, name[i], &ds[i]);
        if (st != ZS_OK) {
            tool_err(t, name[i], st);
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    tool t;
    zs_calc_opts *o;
    zs_calc *c = NULL;
    zs_dataset **ds = NULL;
    char **alias = NULL;
    const char **name = NULL;
    int ch, plan = 0, rc = TOOL_FAIL, n = 0, nexpr = 0;
    zs_status st = ZS_OK;
    tool_start(&t, "zcalc", argc, argv, true, usage, hints);
    if (zs_calc_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((ch = getopt_long(argc, argv, "e:n" TOOL_WRITE_SHORTOPTS
                             TOOL_SHORTOPTS, longopts, NULL)) != -1) {
        const char *opt = NULL;
        switch (ch) {
        case 'e':
            st = zs_calc_opts_add_expr(o, optarg);
            opt = "-e";
            nexpr++;
            break;
        case OPT_KEEP: zs_calc_opts_set_keep(o, 1); break;
        case OPT_JOIN:
            st = zs_calc_opts_set_join(o, optarg);
            opt = "--join";
            break;
        case OPT_DTYPE:
            st = zs_calc_opts_set_dtype(o, dtype_arg(&t, optarg));
            opt = "--dtype";
            break;
        case OPT_UNITS:
            st = zs_calc_opts_add_units(o, optarg);
            opt = "--units";
            break;
        case 'n': plan = 1; break;
        default:
            if (!tool_option(&t, ch, optarg))
                tool_bad_option(&t);
        }
        if (st != ZS_OK)
            tool_bad_value(&t, opt);
    }
    n = argc - optind;
    if (n < 1)
        tool_usage_error(&t, "no input store given");
    if (!nexpr)
        tool_usage_error(&t, "give at least one -e 'NAME = EXPR'");
    if (!t.out && !plan)
        tool_usage_error(&t, "missing -o OUT");
    tool_ready(&t, !plan);
    tool_catch_signals();
    ds = calloc((size_t)n, sizeof *ds);
    alias = calloc((size_t)n, sizeof *alias);
    name = calloc((size_t)n, sizeof *name);
    if (!ds || !alias || !name) {
        tool_msg(&t, "out of memory");
        goto done;
    }
    if (!open_inputs(&t, n, argv + optind, ds, alias, name))
        goto done;
    st = zs_calc_plan(ds, (const char *const *)alias, (size_t)n, o, t.w, &c);
    if (st != ZS_OK) {
        tool_err(&t, name[0], st);
        goto done;
    }
    st = plan ? zs_calc_describe(c, tool_print_line, NULL)
              : zs_calc_run(c, t.out);
    for (int i = 1; st == ZS_OK && t.stats && i < n; i++)
        tool_stats(&t, ds[i], name[i]);
    rc = tool_done(&t, st, ds[0], name[0]);
done:
    zs_calc_plan_free(c);
    for (int i = 0; ds && i < n; i++)
        zs_dataset_close(ds[i]);
    for (int i = 0; alias && i < n; i++)
        free(alias[i]);
    free(ds);
    free(alias);
    free(name);
    zs_calc_opts_free(o);
    tool_finish(&t);
    return rc;
}
