/* zregrid - put a store on another latitude-longitude grid. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zregrid [OPTIONS] STORE (--like TARGET | --grid SPEC) "
         "-o OUT\n"
"Put the variables of a Zarr store (or NetCDF file) on another\n"
"latitude-longitude grid, streaming in bounded memory.\n"
"\n"
"Options:\n"
"      --like TARGET        the grid of the store or file TARGET\n"
"      --grid SPEC          lat=START:STOP:STEP,lon=START:STOP:STEP, or a\n"
"                           CDO global grid rNXxNY (r360x180)\n"
"      --weights FILE       the target grid and weights of a SCRIP file\n"
"                           (cdo genbil, gencon, gennn)\n"
"      --save-weights FILE  write the weights as a SCRIP file for\n"
"                           cdo remap (with or without -o)\n"
"      --method M           linear (bilinear; default), nearest,\n"
"                           conservative (area mean over the covered\n"
"                           valid part, CDO's fracarea) or\n"
"                           conservative-destarea (CDO's destarea)\n"
"      --dims Y,X           the source's horizontal dimensions, or its\n"
"                           2-D latitude and longitude (default: found\n"
"                           from units, standard_name or axis)\n"
"      --periodic WHEN      auto (default: when the source's longitudes\n"
"                           close the circle), yes or no\n"
"      --skipna             skip missing source values, renormalising\n"
"                           (default: a target touching one is missing)\n"
"      --min-frac F         with --skipna: a value only where at least\n"
"                           F (0..1) of the weight is valid (default 0)\n"
"      --mask-invalid       first make missing the values outside\n"
"                           valid_range (valid_min, valid_max) and the\n"
"                           flag_values (land, coast, pole hole)\n"
"      --extrapolate nearest  targets outside the source take the\n"
"                           nearest edge's values (default: missing)\n"
"      --dtype TYPE         float32 or float64 results (default: float64\n"
"                           for float64 inputs, else float32)\n"
"      --time M             with --like: put the source on the target's\n"
"                           time axis; each target time takes the\n"
"                           nearest, ffill (last before) or bfill (first\n"
"                           after) source step, as xarray's reindex, or\n"
"                           within: the step whose interval holds it;\n"
"                           linear: between the two steps around it\n"
"      --tolerance D        the largest time distance (90min, 12h, 2D)\n"
"      --time-step F        with --time: the target time axis from the\n"
"                           source's first time every F (6h, 1D, 1MS)\n"
"      --vars LIST          regrid only these data variables\n"
"  -n, --plan               print the grids and variables and stop\n"
"\n"
TOOL_WRITE_HELP
"\n"
TOOL_HELP
"\n"
"Packed values are decoded first; missing values are NaN.\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_LIKE = 256, OPT_GRID, OPT_METHOD, OPT_DIMS, OPT_PERIODIC,
       OPT_SKIPNA, OPT_MIN_FRAC, OPT_EXTRAPOLATE, OPT_DTYPE, OPT_VARS,
       OPT_TIME, OPT_TOLERANCE, OPT_MASK_INVALID, OPT_WEIGHTS,
       OPT_SAVE_WEIGHTS, OPT_TIME_STEP };

static const struct option longopts[] = {
    {"like", required_argument, NULL, OPT_LIKE},
    {"grid", required_argument, NULL, OPT_GRID},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"save-weights", required_argument, NULL, OPT_SAVE_WEIGHTS},
    {"method", required_argument, NULL, OPT_METHOD},
    {"dims", required_argument, NULL, OPT_DIMS},
    {"periodic", required_argument, NULL, OPT_PERIODIC},
    {"skipna", no_argument, NULL, OPT_SKIPNA},
    {"min-frac", required_argument, NULL, OPT_MIN_FRAC},
    {"extrapolate", required_argument, NULL, OPT_EXTRAPOLATE},
    {"mask-invalid", no_argument, NULL, OPT_MASK_INVALID},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"vars", required_argument, NULL, OPT_VARS},
    {"time", required_argument, NULL, OPT_TIME},
    {"tolerance", required_argument, NULL, OPT_TOLERANCE},
    {"time-step", required_argument, NULL, OPT_TIME_STEP},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"horizontal dimensions", "--dims"},
    {"minimum valid fraction", "--min-frac"},
    {"tolerance", "--tolerance"},
    {"time axis", "--time"},
    {NULL, NULL},
};

/* What the command line asked for, before the library is told. */
typedef struct args {
    const char *like, *grid, *tolerance, *weights, *save, *step;
    int skipna, time, method;
    double min_frac;
} args;

static int periodic_arg(const tool *t, const char *s)
{
    if (!strcmp(s, "auto"))
        return ZS_PERIODIC_AUTO;
    if (!strcmp(s, "yes"))
        return ZS_PERIODIC_YES;
    if (!strcmp(s, "no"))
        return ZS_PERIODIC_NO;
    tool_usage_error(t, "--periodic must be auto, yes or no");
}

static int time_arg(const tool *t, const char *s)
{
    static const char *const names[] = {"nearest", "ffill", "bfill",
                                        "within", "linear"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i]))
            return ZS_RGTIME_NEAREST + i;
    tool_usage_error(t, "--time must be nearest, ffill, bfill, within or "
                     "linear");
}

static double frac_arg(const tool *t, const char *s)
{
    char *end;
    double f = strtod(s, &end);
    if (!*s || *end || !(f >= 0 && f <= 1))
        tool_usage_error(t, "--min-frac must be a number from 0 to 1");
    return f;
}

/* One option of zregrid's own; false if c is not one. */
static bool own_option(tool *t, zs_regrid_opts *o, args *a, int c)
{
    zs_status st = ZS_OK;
    const char *opt = NULL;
    switch (c) {
    case OPT_LIKE: a->like = optarg; break;
    case OPT_WEIGHTS: a->weights = optarg; break;
    case OPT_SAVE_WEIGHTS: a->save = optarg; break;
    case OPT_GRID:
        a->grid = optarg;
        st = zs_regrid_opts_set_grid(o, optarg);
        opt = "--grid";
        break;
    case OPT_METHOD:
        a->method = 1;
        st = zs_regrid_opts_set_method(o, optarg);
        opt = "--method";
        break;
    case OPT_DIMS:
        st = zs_regrid_opts_set_dims(o, optarg);
        opt = "--dims";
        break;
    case OPT_PERIODIC:
        zs_regrid_opts_set_periodic(o, periodic_arg(t, optarg));
        break;
    case OPT_SKIPNA: a->skipna = 1; break;
    case OPT_MIN_FRAC: a->min_frac = frac_arg(t, optarg); break;
    case OPT_EXTRAPOLATE:
        if (strcmp(optarg, "nearest"))
            tool_usage_error(t, "--extrapolate must be nearest");
        zs_regrid_opts_set_extrapolate(o, 1);
        break;
    case OPT_MASK_INVALID: zs_regrid_opts_set_mask_invalid(o, 1); break;
    case OPT_DTYPE:
        zs_regrid_opts_set_dtype(o, tool_dtype_arg(t, optarg));
        break;
    case OPT_VARS:
        st = zs_regrid_opts_set_vars(o, optarg);
        opt = "--vars";
        break;
    case OPT_TIME: a->time = time_arg(t, optarg); break;
    case OPT_TOLERANCE: a->tolerance = optarg; break;
    case OPT_TIME_STEP:
        a->step = optarg;
        st = zs_regrid_opts_set_time_step(o, optarg);
        opt = "--time-step";
        break;
    default:
        return false;
    }
    if (st != ZS_OK)
        tool_bad_value(t, opt);
    return true;
}

/* The target grid of --like or --weights, read from name. */
static zs_status read_grid(tool *t, zs_regrid_opts *o, const char *name,
                           bool weights)
{
    zs_dataset *ds = NULL;
    zs_status st = zs_dataset_open(t->ctx, name, &ds);
    if (st == ZS_OK)
        st = weights ? zs_regrid_opts_set_weights(o, ds)
                     : zs_regrid_opts_set_like(o, ds);
    if (st != ZS_OK)
        tool_err(t, name, st);
    zs_dataset_close(ds);
    return st;
}

int main(int argc, char **argv)
{
    tool t;
    zs_regrid_opts *o;
    zs_dataset *ds = NULL;
    zs_regrid *r = NULL;
    args a = {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0.0};
    int c, plan = 0, rc = TOOL_FAIL;
    const char *in;
    zs_status st;
    tool_start(&t, "zregrid", argc, argv, true, usage, hints);
    if (zs_regrid_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1) {
        if (c == 'n')
            plan = 1;
        else if (!own_option(&t, o, &a, c) && !tool_option(&t, c, optarg))
            tool_bad_option(&t);
    }
    in = tool_input(&t, argc, argv);
    if (!!a.like + !!a.grid + !!a.weights != 1)
        tool_usage_error(&t, "give one target grid: --like, --grid or "
                         "--weights");
    if (a.weights && a.method)
        tool_usage_error(&t, "--weights are the method: no --method");
    if (!a.skipna && a.min_frac > 0)
        tool_usage_error(&t, "--min-frac goes with --skipna");
    if (a.time && !a.like && !a.step)
        tool_usage_error(&t, "--time takes the time axis of --like or "
                         "--time-step");
    if (a.step && !a.time)
        tool_usage_error(&t, "--time-step goes with --time");
    if (a.tolerance && (!a.time || a.time == ZS_RGTIME_WITHIN ||
                        a.time == ZS_RGTIME_LINEAR))
        tool_usage_error(&t, "--tolerance goes with --time nearest, ffill "
                         "or bfill");
    if (!t.out && !plan && !a.save)
        tool_usage_error(&t, "missing -o OUT");
    zs_regrid_opts_set_skipna(o, a.skipna, a.min_frac);
    if (zs_regrid_opts_set_time(o, a.time, a.tolerance) != ZS_OK)
        tool_bad_value(&t, "--tolerance");
    tool_ready(&t, !plan);
    tool_catch_signals();
    if ((a.like && read_grid(&t, o, a.like, false) != ZS_OK) ||
        (a.weights && read_grid(&t, o, a.weights, true) != ZS_OK))
        goto done;
    st = zs_dataset_open(t.ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_regrid_plan(ds, o, t.w, &r);
    if (st != ZS_OK) {
        tool_err(&t, in, st);
        goto done;
    }
    st = a.save && !plan ? zs_regrid_save_weights(r, a.save) : ZS_OK;
    if (st == ZS_OK && (plan || t.out))
        st = plan ? zs_regrid_describe(r, tool_print_line, NULL)
                  : zs_regrid_run(r, t.out);
    rc = tool_done(&t, st, ds, in);
done:
    zs_regrid_plan_free(r);
    zs_dataset_close(ds);
    zs_regrid_opts_free(o);
    tool_finish(&t);
    return rc;
}
