/* zmean - reductions, climatologies and anomalies of a store. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
"      --dtype TYPE         float32 (default) or float64 results\n"
"      --vars LIST          reduce only these data variables\n"
"  -m, --memory SIZE        chunk cache and accumulator budget (e.g. 512M;\n"
"                           default: 1G of accumulators, 64M of cache)\n"
"  -o, --output OUT         the store to write\n"
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
"Missing values are skipped; packed values are decoded first.\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_OP = 256, OPT_WEIGHTS, OPT_ANOMALY, OPT_KEEPDIMS, OPT_DTYPE,
       OPT_VARS, OPT_OVERWRITE, OPT_PROGRESS };

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
    {"memory", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"jobs", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    TOOL_NET_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static char *command_line(int argc, char **argv)
{
    size_t n = 8;
    char *s;
    for (int i = 1; i < argc; i++)
        n += strlen(argv[i]) + 1;
    if (!(s = malloc(n)))
        return NULL;
    strcpy(s, "zmean");
    for (int i = 1; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* "512M", "2G", "4096": bytes; 0 if malformed. */
static uint64_t size_arg(const char *s)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return 0;
    switch (*end) {
    case 0: return v;
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: return 0;
    }
    return *end == 0 || !strcmp(end, "B") || !strcmp(end, "iB") ? v : 0;
}

int main(int argc, char **argv)
{
    tool t;
    zs_ctx *ctx;
    zs_reduce_opts *o;
    zs_dataset *ds = NULL;
    const char *out = NULL;
    char *history = command_line(argc, argv);
    int c, quiet = 0, progress = 0, rc = TOOL_FAIL;
    uint64_t mem = 0;
    zs_status st;
    if (!history || zs_ctx_new(&ctx) != ZS_OK ||
        zs_reduce_opts_new(&o) != ZS_OK) {
        fputs("zmean: out of memory\n", stderr);
        return TOOL_FAIL;
    }
    tool_init(&t, "zmean", ctx);
    while ((c = getopt_long(argc, argv, "d:g:r:m:o:j:qhV", longopts,
                            NULL)) != -1)
        switch (c) {
        case 'd':
            if (zs_reduce_opts_set_dims(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --dim '%s'", optarg);
            break;
        case OPT_OP:
            if (zs_reduce_opts_set_op(o, optarg) != ZS_OK)
                tool_usage_error(&t, "--op must be mean, sum, min, max, std, "
                                 "var or count");
            break;
        case OPT_WEIGHTS:
            if (zs_reduce_opts_set_weights(o, optarg) != ZS_OK)
                tool_usage_error(&t, "--weights must be coslat");
            break;
        case 'g':
            if (zs_reduce_opts_set_groupby(o, optarg) != ZS_OK)
                tool_usage_error(&t, "--groupby must be DIM.month, "
                                 "DIM.dayofyear, DIM.season or DIM.hour "
                                 "(DIM: the time dimension)");
            break;
        case 'r':
            if (zs_reduce_opts_set_resample(o, optarg) != ZS_OK)
                tool_usage_error(&t, "invalid --resample '%s' (DIM=FREQ, "
                                 "e.g. time=1D)", optarg);
            break;
        case OPT_ANOMALY: zs_reduce_opts_set_anomaly(o, 1); break;
        case OPT_KEEPDIMS: zs_reduce_opts_set_keepdims(o, 1); break;
        case OPT_DTYPE:
            if (zs_reduce_opts_set_dtype(o, !strcmp(optarg, "float64")
                                                ? ZS_DT_FLOAT64
                                            : !strcmp(optarg, "float32")
                                                ? ZS_DT_FLOAT32
                                                : ZS_DT_NONE) != ZS_OK)
                tool_usage_error(&t, "--dtype must be float32 or float64");
            break;
        case OPT_VARS: zs_reduce_opts_set_vars(o, optarg); break;
        case 'm':
            mem = size_arg(optarg);
            if (mem < ((uint64_t)1 << 20))
                tool_usage_error(&t, "invalid --memory '%s' (at least 1M)",
                                 optarg);
            break;
        case 'o': out = optarg; break;
        case OPT_OVERWRITE: zs_reduce_opts_set_overwrite(o, 1); break;
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
            fprintf(stderr, "Try 'zmean --help' for more information.\n");
            return TOOL_USAGE;
        }
    if (optind != argc - 1)
        tool_usage_error(&t, optind >= argc ? "no input store given"
                                            : "one input store only");
    if (!out)
        tool_usage_error(&t, "missing -o OUT");
    t.quiet = quiet;
    t.progress = !quiet && (progress || isatty(2));
    /* streaming reads each chunk once: a small cache is enough */
    zs_ctx_set_cache_bytes(ctx, mem && mem < ((uint64_t)64 << 20)
                                    ? (size_t)mem : (size_t)64 << 20);
    if (mem)
        zs_reduce_opts_set_memory(o, mem);
    zs_reduce_opts_set_history(o, history);
    zs_ctx_set_progress(ctx, tool_progress, &t);
    tool_catch_signals();
    st = zs_dataset_open(ctx, argv[optind], &ds);
    if (st != ZS_OK) {
        tool_err(&t, ctx, argv[optind], st);
        goto done;
    }
    st = zs_reduce(ds, o, out);
    tool_progress_end(&t);
    if (st != ZS_OK) {
        tool_err(&t, ctx, out, st);
        rc = tool_fail_status(st);
        goto done;
    }
    rc = tool_close_stdout(&t);
done:
    free(history);
    zs_dataset_close(ds);
    zs_reduce_opts_free(o);
    zs_ctx_free(ctx);
    return rc;
}
