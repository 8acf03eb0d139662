/* zrechunk - copy a store with other chunks, shards, format or
 * compressor, within a memory bound. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zrechunk [OPTIONS] STORE -c SPEC -o OUT\n"
"Copy a Zarr store (or NetCDF file) with other chunks, in bounded memory:\n"
"hourly maps to time series and back, Zarr v2 to v3, sharded or not.\n"
"Values, coordinates, attributes and encodings are copied exactly.\n"
"\n"
"Options:\n"
"      --vars LIST          copy only these variables (and the\n"
"                           coordinates they need)\n"
"      --exclude LIST       leave these variables out\n"
"      --temp STORE         where intermediate chunks go when one pass\n"
"                           would not fit the memory bound (default:\n"
"                           OUT.rechunk-tmp beside OUT; removed after)\n"
"  -n, --plan               print the plan (passes, objects and bytes read\n"
"                           and written, peak memory) and stop\n"
"\n"
TOOL_WRITE_HELP
"                           (default chunks: the input's)\n"
"\n"
TOOL_HELP
"\n"
"-m bounds the memory of the whole process (default 1G).\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_VARS = 256, OPT_EXCLUDE, OPT_TEMP };

static const struct option longopts[] = {
    {"vars", required_argument, NULL, OPT_VARS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"temp", required_argument, NULL, OPT_TEMP},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"intermediate store", "--temp"},
    {"memory", "-m"},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    tool t;
    zs_rechunk_opts *o;
    zs_dataset *ds = NULL;
    zs_rechunk *r = NULL;
    int c, plan = 0, rc = TOOL_FAIL;
    const char *in;
    zs_status st;
    tool_start(&t, "zrechunk", argc, argv, true, usage, hints);
    if (zs_rechunk_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1)
        switch (c) {
        case OPT_VARS:
            if (zs_rechunk_opts_set_vars(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--vars");
            break;
        case OPT_EXCLUDE:
            if (zs_rechunk_opts_set_exclude(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--exclude");
            break;
        case OPT_TEMP:
            if (zs_rechunk_opts_set_temp(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--temp");
            break;
        case 'n': plan = 1; break;
        default:
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        }
    in = tool_input(&t, argc, argv);
    if (!t.out && !plan)
        tool_usage_error(&t, "missing -o OUT");
    tool_ready(&t, !plan);
    tool_catch_signals();
    st = zs_dataset_open(t.ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_rechunk_plan(ds, o, t.w, &r);
    if (st != ZS_OK) {
        tool_err(&t, in, st);
        goto done;
    }
    st = plan ? zs_rechunk_describe(r, tool_print_line, NULL)
              : zs_rechunk_run(r, t.out);
    rc = tool_done(&t, st, ds, in);
done:
    zs_rechunk_plan_free(r);
    zs_dataset_close(ds);
    zs_rechunk_opts_free(o);
    tool_finish(&t);
    return rc;
}
