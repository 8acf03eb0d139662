/* zskill - forecast verification: scores of a forecast store against a
 * reference store, per point, in one pass over both. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zskill [OPTIONS] -f FORECAST -r REFERENCE -o OUT\n"
"  or:  zskill [OPTIONS] -f FORECAST -r REFERENCE --csv | --print\n"
"Score a forecast against a reference (observations, a reanalysis) per\n"
"point, as xskillscore does, in one pass over both stores and bounded\n"
"memory: errors, correlations, the anomaly correlation and the CRPS of\n"
"an ensemble.\n"
"\n"
"Options:\n"
"  -f, --forecast STORE     the forecast (a Zarr store or NetCDF file)\n"
"  -r, --reference STORE    what it is scored against\n"
"  -M, --metric LIST        rmse (default), mae, mse, me (mean of forecast\n"
"                           minus reference), pearson_r, spearman_r, acc,\n"
"                           crps; several write VAR_METRIC\n"
"  -d, --dim LIST           dimensions to reduce (default: all)\n"
"      --weights W          coslat (cos(latitude)) or STORE:VAR\n"
"      --skipna             skip pairs with a missing value (else the\n"
"                           result is NaN)\n"
"      --member-dim DIM     crps: the forecast's ensemble dimension\n"
"                           (default member)\n"
"      --fair               crps: the fair estimator (Ferro 2014)\n"
"      --clim STORE         acc: the climatology (zmean -g output)\n"
"  -g, --groupby DIM.KEY    acc: how the climatology groups time\n"
"                           (time.dayofyear, time.month, time.season,\n"
"                           time.hour)\n"
"      --uncentred          acc: without removing the anomalies' means\n"
"      --vars LIST          score only these variables\n"
"      --csv                print the scores as CSV instead of writing OUT\n"
"      --print              print the scores as a table\n"
"  -n, --plan               print what would be scored, and stop\n"
"\n"
TOOL_WRITE_HELP
"\n"
TOOL_HELP
"\n"
"Reduced dimensions must have the same labels in both stores; the others\n"
"are aligned by label.  -m bounds the memory (default 1G).\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_WEIGHTS = 256, OPT_SKIPNA, OPT_MEMBER, OPT_FAIR, OPT_CLIM,
       OPT_UNCENTRED, OPT_VARS, OPT_CSV, OPT_PRINT };

static const struct option longopts[] = {
    {"forecast", required_argument, NULL, 'f'},
    {"reference", required_argument, NULL, 'r'},
    {"metric", required_argument, NULL, 'M'},
    {"dim", required_argument, NULL, 'd'},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"skipna", no_argument, NULL, OPT_SKIPNA},
    {"member-dim", required_argument, NULL, OPT_MEMBER},
    {"fair", no_argument, NULL, OPT_FAIR},
    {"clim", required_argument, NULL, OPT_CLIM},
    {"groupby", required_argument, NULL, 'g'},
    {"uncentred", no_argument, NULL, OPT_UNCENTRED},
    {"vars", required_argument, NULL, OPT_VARS},
    {"csv", no_argument, NULL, OPT_CSV},
    {"print", no_argument, NULL, OPT_PRINT},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"metrics", "--metric"},
    {"dimensions to reduce", "--dim"},
    {"weights", "--weights"},
    {"member dimension", "--member-dim"},
    {"climatology", "--clim"},
    {"memory", "-m"},
    {NULL, NULL},
};

typedef struct args {
    const char *fc, *ref, *clim, *groupby;
    int plan, csv, print;
} args;

static zs_status skill_option(zs_skill_opts *o, args *a, int c,
                              const char **opt)
{
    switch (c) {
    case 'f': a->fc = optarg; return ZS_OK;
    case 'r': a->ref = optarg; return ZS_OK;
    case 'M': *opt = "--metric"; return zs_skill_opts_set_metrics(o, optarg);
    case 'd': *opt = "--dim"; return zs_skill_opts_set_dims(o, optarg);
    case OPT_WEIGHTS: *opt = "--weights";
        return zs_skill_opts_set_weights(o, optarg);
    case OPT_SKIPNA: return zs_skill_opts_set_skipna(o, 1);
    case OPT_MEMBER: *opt = "--member-dim";
        return zs_skill_opts_set_member_dim(o, optarg);
    case OPT_FAIR: return zs_skill_opts_set_fair(o, 1);
    case OPT_CLIM: a->clim = optarg; return ZS_OK;
    case 'g': a->groupby = optarg; return ZS_OK;
    case OPT_UNCENTRED: return zs_skill_opts_set_centred(o, 0);
    case OPT_VARS: *opt = "--vars"; return zs_skill_opts_set_vars(o, optarg);
    case OPT_CSV: a->csv = 1; return ZS_OK;
    case OPT_PRINT: a->print = 1; return ZS_OK;
    case 'n': a->plan = 1; return ZS_OK;
    default: return ZS_ERR_UNSUPPORTED;
    }
}

static int run(tool *t, zs_skill_opts *o, const args *a)
{
    zs_dataset *fds = NULL, *rds = NULL;
    zs_skill *s = NULL;
    const char *where = a->fc;
    zs_status st = zs_dataset_open(t->ctx, a->fc, &fds);
    int rc = TOOL_FAIL;
    if (st == ZS_OK) {
        where = a->ref;
        st = zs_dataset_open(t->ctx, a->ref, &rds);
    }
    if (st == ZS_OK) {
        where = a->fc;
        st = zs_skill_plan(fds, rds, o, t->w, &s);
    }
    if (st != ZS_OK) {
        tool_err(t, where, st);
        goto done;
    }
    if (a->plan)
        st = zs_skill_describe(s, tool_print_line, NULL);
    else if (a->csv)
        st = zs_skill_csv(s, tool_print_line, NULL);
    else if (a->print)
        st = zs_skill_print(s, tool_print_line, NULL);
    else
        st = zs_skill_run(s, t->out);
    if (st == ZS_OK)
        tool_stats(t, fds, a->fc);
    rc = tool_done(t, st, rds, a->ref);
done:
    zs_skill_plan_free(s);
    zs_dataset_close(fds);
    zs_dataset_close(rds);
    return rc;
}

int main(int argc, char **argv)
{
    tool t;
    zs_skill_opts *o;
    args a;
    int c, rc;
    memset(&a, 0, sizeof a);
    tool_start(&t, "zskill", argc, argv, true, usage, hints);
    if (zs_skill_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "f:r:M:d:g:n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1) {
        const char *opt = NULL;
        zs_status st = skill_option(o, &a, c, &opt);
        if (st == ZS_ERR_UNSUPPORTED) {
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        } else if (st != ZS_OK) {
            tool_bad_value(&t, opt);
        }
    }
    if (optind != argc)
        tool_usage_error(&t, "unexpected argument '%s' (the stores are -f "
                         "and -r)", argv[optind]);
    if (!a.fc || !a.ref)
        tool_usage_error(&t, "missing -f FORECAST or -r REFERENCE");
    if ((a.clim != NULL) != (a.groupby != NULL))
        tool_usage_error(&t, "--clim and --groupby go together");
    if (a.clim && zs_skill_opts_set_clim(o, a.clim, a.groupby) != ZS_OK)
        tool_bad_value(&t, "--groupby");
    if (a.csv + a.print + (t.out != NULL) > 1)
        tool_usage_error(&t, "one of -o, --csv and --print");
    if (!t.out && !a.plan && !a.csv && !a.print)
        tool_usage_error(&t, "missing -o OUT (or --csv, --print)");
    tool_ready(&t, !a.plan && !a.csv && !a.print);
    tool_catch_signals();
    rc = run(&t, o, &a);
    zs_skill_opts_free(o);
    tool_finish(&t);
    return rc;
}
