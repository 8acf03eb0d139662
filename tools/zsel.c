/* zsel - select a box of a store by coordinate labels or indices. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zsel [OPTIONS] STORE -o OUT\n"
"       zsel [OPTIONS] STORE --csv | --print\n"
"       zsel [OPTIONS] STORE --parquet DIR [--partition-on DIM] [--dropna]\n"
"Select part of a Zarr store (or NetCDF file) by coordinate labels or by\n"
"index, and write it as a new store, as CSV or a table on stdout, or as\n"
"Parquet files.\n"
"\n"
"Options:\n"
"  -s, --sel DIM=A:B        labels from A to B, inclusive, in either\n"
"                           direction of the coordinate; A: and :B are\n"
"                           open; times in ISO 8601 (2023-11-01T06);\n"
"                           longitudes modulo 360 (350:10, -130:-60)\n"
"  -s, --sel DIM=V          the label nearest V (the dimension is dropped)\n"
"  -i, --isel DIM=I:J[:K]   indices I to J-1, every K-th (negative from the\n"
"                           end); DIM=I for one index\n"
"      --tolerance T        refuse nearest labels farther than T (a number,\n"
"                           or a duration such as 1h or 2D for times)\n"
"      --vars LIST          keep these data variables (comma-separated)\n"
"                           and the coordinates they need\n"
"      --lon180             label longitudes in [-180, 180)\n"
"      --lon360             label longitudes in [0, 360)\n"
"      --csv                write CSV to stdout: one row per point,\n"
"                           coordinates then decoded values\n"
"      --print              write the points as a table to stdout\n"
"      --parquet DIR        write the rows of --csv as Parquet files in the\n"
"                           new folder DIR (DIR/part.0.parquet)\n"
"      --partition-on DIM   one folder per label of DIM, as dask writes\n"
"                           them: DIR/DIM=LABEL/part.0.parquet\n"
"      --dropna             leave out rows whose data variables are all\n"
"                           missing\n"
"      --row-group N        at most N rows per Parquet row group (default\n"
"                           524288)\n"
"  -n, --plan               print the selection per dimension and stop\n"
"\n"
TOOL_WRITE_HELP
"                           (default chunks: the input's, clipped)\n"
"\n"
TOOL_HELP
"\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_TOL = 256, OPT_VARS, OPT_LON180, OPT_LON360, OPT_CSV, OPT_PRINT,
       OPT_PARQUET, OPT_PARTITION, OPT_DROPNA, OPT_ROW_GROUP };

static const struct option longopts[] = {
    {"sel", required_argument, NULL, 's'},
    {"isel", required_argument, NULL, 'i'},
    {"tolerance", required_argument, NULL, OPT_TOL},
    {"vars", required_argument, NULL, OPT_VARS},
    {"lon180", no_argument, NULL, OPT_LON180},
    {"lon360", no_argument, NULL, OPT_LON360},
    {"csv", no_argument, NULL, OPT_CSV},
    {"print", no_argument, NULL, OPT_PRINT},
    {"parquet", required_argument, NULL, OPT_PARQUET},
    {"partition-on", required_argument, NULL, OPT_PARTITION},
    {"dropna", no_argument, NULL, OPT_DROPNA},
    {"row-group", required_argument, NULL, OPT_ROW_GROUP},
    {"plan", no_argument, NULL, 'n'},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"tolerance", "--tolerance"},
    {"index selection", "--isel"},
    {"select by index", "--isel"},
    {"to keep", "--vars"},
    {"partition dimension", "--partition-on"},
    {"row group", "--row-group"},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    tool t;
    zs_select_opts *o;
    zs_dataset *ds = NULL;
    zs_selection *sel = NULL;
    int c, csv = 0, print = 0, plan = 0, rc = TOOL_FAIL, lon = 0;
    int pq_opts = 0;
    const char *in, *parquet = NULL;
    zs_status st;
    tool_start(&t, "zsel", argc, argv, true, usage, hints);
    if (zs_select_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "s:i:n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1)
        switch (c) {
        case 's':
            if (zs_select_opts_add_sel(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--sel");
            break;
        case 'i':
            if (zs_select_opts_add_isel(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--isel");
            break;
        case OPT_TOL:
            if (zs_select_opts_set_tolerance(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--tolerance");
            break;
        case OPT_VARS:
            if (zs_select_opts_set_vars(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--vars");
            break;
        case OPT_LON180: lon = 180; break;
        case OPT_LON360: lon = 360; break;
        case OPT_CSV: csv = 1; break;
        case OPT_PRINT: print = 1; break;
        case OPT_PARQUET: parquet = optarg; break;
        case OPT_PARTITION:
            if (zs_select_opts_set_partition_on(o, optarg) != ZS_OK)
                tool_bad_value(&t, "--partition-on");
            pq_opts = 1;
            break;
        case OPT_DROPNA:
            zs_select_opts_set_dropna(o, 1);
            pq_opts = 1;
            break;
        case OPT_ROW_GROUP:
            zs_select_opts_set_row_group(o, (uint64_t)tool_int_arg(
                &t, "--row-group", optarg, 1, 1 << 30));
            pq_opts = 1;
            break;
        case 'n': plan = 1; break;
        default:
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        }
    in = tool_input(&t, argc, argv);
    if (csv + print + plan + (t.out != NULL) + (parquet != NULL) != 1)
        tool_usage_error(&t, "give exactly one of -o OUT, --csv, --print, "
                         "--parquet DIR, --plan");
    if (pq_opts && !parquet)
        tool_usage_error(&t, "--partition-on, --dropna and --row-group "
                         "go with --parquet DIR");
    zs_select_opts_set_lon(o, lon);
    tool_ready(&t, t.out != NULL || parquet != NULL);
    tool_catch_signals();
    st = zs_dataset_open(t.ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_select_plan(ds, o, t.w, &sel);
    if (st != ZS_OK) {
        tool_err(&t, in, st);
        goto done;
    }
    if (plan)
        st = zs_select_describe(sel, tool_print_line, NULL);
    else if (csv)
        st = zs_select_csv(sel, tool_print_line, NULL);
    else if (print)
        st = zs_select_print(sel, tool_print_line, NULL);
    else if (parquet)
        st = zs_select_parquet(sel, parquet);
    else
        st = zs_select_run(sel, t.out);
    /* name the Parquet folder in its messages (exists, I/O), the input in
     * the rest (a partition dimension it does not have) */
    if (parquet && st != ZS_ERR_NOTFOUND && st != ZS_ERR_UNSUPPORTED)
        t.out = parquet;
    rc = tool_done(&t, st, ds, in);
done:
    zs_select_plan_free(sel);
    zs_dataset_close(ds);
    zs_select_opts_free(o);
    tool_finish(&t);
    return rc;
}
