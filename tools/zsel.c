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
"Select part of a Zarr store (or NetCDF file) by coordinate labels or by\n"
"index, and write it as a new store, or as CSV or a table on stdout.\n"
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
"  -c, --chunks SPEC        output chunks, e.g. time=24,latitude=-1\n"
"                           (default: the input's, clipped)\n"
"  -o, --output OUT         the store to write\n"
"      --csv                write CSV to stdout: one row per point,\n"
"                           coordinates then decoded values\n"
"      --print              write the points as a table to stdout\n"
"      --overwrite          replace an existing OUT\n"
"  -j, --jobs N             threads (default: all cores)\n"
"  -q, --quiet              no progress bar, no warnings\n"
"      --progress           always show the progress bar\n"
TOOL_NET_HELP
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Stores: a directory, a .zip file, http:// or https:// (reading),\n"
"s3://BUCKET/PREFIX, or - for a tar stream on standard input or output;\n"
"see zstore(5).\n"
"\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_TOL = 256, OPT_VARS, OPT_LON180, OPT_LON360, OPT_CSV, OPT_PRINT,
       OPT_OVERWRITE, OPT_PROGRESS };

static const struct option longopts[] = {
    {"sel", required_argument, NULL, 's'},
    {"isel", required_argument, NULL, 'i'},
    {"tolerance", required_argument, NULL, OPT_TOL},
    {"vars", required_argument, NULL, OPT_VARS},
    {"lon180", no_argument, NULL, OPT_LON180},
    {"lon360", no_argument, NULL, OPT_LON360},
    {"chunks", required_argument, NULL, 'c'},
    {"output", required_argument, NULL, 'o'},
    {"csv", no_argument, NULL, OPT_CSV},
    {"print", no_argument, NULL, OPT_PRINT},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"jobs", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    TOOL_NET_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void print_line(void *user, const char *line)
{
    (void)user;
    puts(line);
}

/* The command line, for the history attribute. */
static char *command_line(int argc, char **argv)
{
    size_t n = 8;
    char *s;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    s = malloc(n);
    if (!s)
        return NULL;
    s[0] = 0;
    strcpy(s, "zsel");
    for (int i = 1; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int main(int argc, char **argv)
{
    tool t;
    zs_ctx *ctx;
    zs_select_opts *o;
    zs_dataset *ds = NULL;
    zs_selection *sel = NULL;
    const char *out = NULL;
    int c, csv = 0, print = 0, overwrite = 0, quiet = 0, progress = 0;
    int rc = TOOL_FAIL, lon = 0;
    zs_status st;
    char *history;
    /* the command line as typed, before getopt reorders it */
    history = command_line(argc, argv);
    if (!history || zs_ctx_new(&ctx) != ZS_OK ||
        zs_select_opts_new(&o) != ZS_OK) {
        fputs("zsel: out of memory\n", stderr);
        return TOOL_FAIL;
    }
    tool_init(&t, "zsel", ctx);
    while ((c = getopt_long(argc, argv, "s:i:c:o:j:qhV", longopts,
                            NULL)) != -1)
        switch (c) {
        case 's':
            if (zs_select_opts_add_sel(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --sel '%s' (DIM=A:B or DIM=V, "
                                 "one per dimension)", optarg);
            break;
        case 'i':
            if (zs_select_opts_add_isel(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --isel '%s' (DIM=I:J[:STEP] or "
                                 "DIM=I, one per dimension)", optarg);
            break;
        case OPT_TOL:
            if (zs_select_opts_set_tolerance(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --tolerance '%s' (a number, "
                                 "or a duration such as 90min, 1h, 2D)",
                                 optarg);
            break;
        case OPT_VARS: zs_select_opts_set_vars(o, optarg); break;
        case OPT_LON180: lon = 180; break;
        case OPT_LON360: lon = 360; break;
        case 'c':
            if (zs_select_opts_set_chunks(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --chunks '%s'", optarg);
            break;
        case 'o': out = optarg; break;
        case OPT_CSV: csv = 1; break;
        case OPT_PRINT: print = 1; break;
        case OPT_OVERWRITE: overwrite = 1; break;
        case 'j':
            zs_ctx_set_threads(ctx, tool_int_arg(&t, "--jobs", optarg, 1,
                                                 1024));
            break;
        case 'q': quiet = 1; break;
        case OPT_PROGRESS: progress = 1; break;
        case TOOL_OPT_RETRIES: case TOOL_OPT_TIMEOUT: case TOOL_OPT_INSECURE:
            tool_net_option(&t, ctx, c, optarg);
            break;
        case 'h': usage(); rc = tool_close_stdout(&t); goto done;
        case 'V': tool_version(&t);
        default:
            fprintf(stderr, "Try 'zsel --help' for more information.\n");
            return TOOL_USAGE;
        }
    if (optind != argc - 1)
        tool_usage_error(&t, optind >= argc ? "no input store given"
                                            : "one input store only");
    if (csv + print + (out != NULL) != 1)
        tool_usage_error(&t, "give exactly one of -o OUT, --csv, --print");
    t.quiet = quiet;
    t.progress = !quiet && out && (progress || isatty(2));
    zs_select_opts_set_lon(o, lon);
    zs_select_opts_set_overwrite(o, overwrite);
    zs_select_opts_set_history(o, history);
    zs_ctx_set_progress(ctx, tool_progress, &t);
    tool_catch_signals();
    st = zs_dataset_open(ctx, argv[optind], &ds);
    if (st == ZS_OK)
        st = zs_select_plan(ds, o, &sel);
    if (st != ZS_OK) {
        tool_err(&t, ctx, argv[optind], st);
        goto done;
    }
    if (csv)
        st = zs_select_csv(sel, print_line, NULL);
    else if (print)
        st = zs_select_print(sel, print_line, NULL);
    else
        st = zs_select_write(sel, out);
    tool_progress_end(&t);
    if (st != ZS_OK) {
        tool_err(&t, ctx, out ? out : argv[optind], st);
        rc = tool_fail_status(st);
        goto done;
    }
    rc = tool_close_stdout(&t);
done:
    free(history);
    zs_selection_free(sel);
    zs_dataset_close(ds);
    zs_select_opts_free(o);
    zs_ctx_free(ctx);
    return rc;
}
