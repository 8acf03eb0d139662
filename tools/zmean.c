/* zmean - reductions, climatologies and anomalies of a store. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zmean [OPTIONS] STORE -o OUT\n"
"Reduce a Zarr store (or NetCDF file) along dimensions, in bounded memory:\n"
"means, sums, extremes, spreads and counts; climatologies and resampling\n"
"of the time axis; anomalies from climatologies.\n"
"\n"
"Options:\n"
"  -d, --dim LIST           dimensions to reduce (default: time), e.g.\n"
"                           latitude,longitude\n"
"      --op OP              mean (default), sum, min, max, std, var, count\n"
"      --weights coslat     weight by cos(latitude) (area means)\n"
"  -g, --groupby DIM.KEY    KEY month, dayofyear, season or hour of the\n"
"                           time coordinate DIM (time.month,\n"
"                           valid_time.month): one result per group\n"
"  -r, --resample DIM=FREQ  reduce time in bins: time=1D, time=6h,\n"
"                           time=1MS (month starts), time=1M (month ends)\n"
"      --anomaly            with --groupby: values minus their group's\n"
"                           mean, same shape as the input\n"
"      --keepdims           keep reduced dimensions, with length 1\n"
"      --dtype TYPE         float32 or float64 results (default: the\n"
"                           decoded input's precision, as xarray gives)\n"
"      --vars LIST          reduce only these data variables\n"
"  -n, --plan               print the results it would write and stop\n"
"  -m is the accumulator budget (default 1G); the chunk cache is at most\n"
"  64M.\n"
"\n"
TOOL_WRITE_HELP
"\n"
TOOL_HELP
"\n"
"Missing values are skipped; packed values are decoded first.\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_OP = 256, OPT_WEIGHTS, OPT_ANOMALY, OPT_KEEPDIMS, OPT_DTYPE,
       OPT_VARS };

static const struct option longopts[] = {
    {"dim", required_argument, NULL, 'd'},
    {"op", required_argument, NULL, OPT_OP},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"groupby", required_argument, NULL, 'g'},
    {"resample", required_argument, NULL, 'r'},
    {"anomaly", no_argument, NULL, OPT_ANOMALY},
    {"keepdims", no_argument, NULL, OPT_KEEPDIMS},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"vars", required_argument, NULL, OPT_VARS},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"anomalies", "--anomaly"},
    {"groups", "--groupby"},
    {"resampling", "--resample"},
    {"weights", "--weights"},
    {"dimensions to reduce", "--dim"},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    tool t;
    zs_reduce_opts *o;
    zs_dataset *ds = NULL;
    zs_reduction *r = NULL;
    int c, plan = 0, rc = TOOL_FAIL;
    const char *in;
    uint64_t mem;
    zs_status st = ZS_OK;
    tool_start(&t, "zmean", argc, argv, true, usage, hints);
    if (zs_reduce_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "d:g:r:n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1) {
        const char *opt = NULL;
        switch (c) {
        case 'd':
            st = zs_reduce_opts_set_dims(o, optarg);
            opt = "--dim";
            break;
        case OPT_OP:
            st = zs_reduce_opts_set_op(o, optarg);
            opt = "--op";
            break;
        case OPT_WEIGHTS:
            st = zs_reduce_opts_set_weights(o, optarg);
            opt = "--weights";
            break;
        case 'g':
            st = zs_reduce_opts_set_groupby(o, optarg);
            opt = "--groupby";
            break;
        case 'r':
            st = zs_reduce_opts_set_resample(o, optarg);
            opt = "--resample";
            break;
        case OPT_ANOMALY: zs_reduce_opts_set_anomaly(o, 1); break;
        case OPT_KEEPDIMS: zs_reduce_opts_set_keepdims(o, 1); break;
        case OPT_DTYPE:
            st = zs_reduce_opts_set_dtype(o, tool_dtype_arg(&t, optarg));
            opt = "--dtype";
            break;
        case OPT_VARS:
            st = zs_reduce_opts_set_vars(o, optarg);
            opt = "--vars";
            break;
        case 'n': plan = 1; break;
        default:
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        }
        if (st != ZS_OK)
            tool_bad_value(&t, opt);
    }
    in = tool_input(&t, argc, argv);
    if (!t.out && !plan)
        tool_usage_error(&t, "missing -o OUT");
    tool_ready(&t, !plan);
    tool_catch_signals();
    /* streaming reads each chunk once: a small cache is enough */
    mem = zs_ctx_memory(t.ctx);
    zs_ctx_set_cache_bytes(t.ctx, mem && mem < ((uint64_t)64 << 20)
                                      ? (size_t)mem : (size_t)64 << 20);
    st = zs_dataset_open(t.ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_reduce_plan(ds, o, t.w, &r);
    if (st != ZS_OK) {
        tool_err(&t, in, st);
        goto done;
    }
    st = plan ? zs_reduce_describe(r, tool_print_line, NULL)
              : zs_reduce_run(r, t.out);
    rc = tool_done(&t, st, ds, in);
done:
    zs_reduce_plan_free(r);
    zs_dataset_close(ds);
    zs_reduce_opts_free(o);
    tool_finish(&t);
    return rc;
}
