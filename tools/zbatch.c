/* zbatch - training batches for PyTorch from a store, and predictions
 * put back onto its grid. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zbatch [OPTIONS] STORE -I DIM=N,... -o OUT\n"
"  or:  zbatch --assemble PRED.npy --index INDEX.csv --like STORE -o OUT\n"
"Cut a Zarr store (or NetCDF file) into patches for machine learning, as\n"
"xbatcher's BatchGenerator cuts them, in bounded memory: one\n"
"memory-mappable X.npy (and y.npy), npz files, or a tar stream of\n"
"NNNNNN.x.npy members (WebDataset's naming).  With --assemble, put\n"
"predictions back onto the store's grid, averaging where patches overlap.\n"
"\n"
"Patches:\n"
"  -I, --input-dims SPEC    window lengths of the dimensions a sample\n"
"                           holds, e.g. latitude=32,longitude=32\n"
"  -O, --overlap SPEC       overlap of consecutive windows, latitude=4\n"
"  -B, --batch-dims SPEC    window lengths of the batch dimensions, time=8\n"
"      --concat             xbatcher's concat_input_dims: samples are the\n"
"                           input windows at each position of the other\n"
"                           dimensions; batches are xbatcher's\n"
"      --batch-size N       samples per npz file or tar member (default 1)\n"
"      --vars LIST          the channels, in this order (default: every\n"
"                           data variable with the dimensions)\n"
"      --target LIST        variables of STORE written as y\n"
"  -y, --target-store STORE:VAR  the target from another store (same\n"
"                           coordinates)\n"
"      --shuffle            shuffle the samples (SplitMix64, Fisher-Yates)\n"
"      --seed N             the shuffle's seed (default 0)\n"
"      --window CHUNKS      shuffle within windows of CHUNKS chunks of the\n"
"                           outermost sliced dimension (chunk-local reads)\n"
"      --max-nan F          drop samples with more than this fraction of\n"
"                           missing input values (0..1)\n"
"      --fill-nan V         write V for missing input values\n"
"      --mask               add a channel per variable: 1 present, 0\n"
"                           missing\n"
"      --partial POLICY     drop (default), pad or error: what to do with\n"
"                           the end of a dimension no whole window covers\n"
"      --format FMT         npy (default; tar when OUT is - or NAME.tar),\n"
"                           npz or tar\n"
"      --index FILE.csv     list every sample: row, batch, position,\n"
"                           patch, start and stop and label per dimension\n"
"      --dtype TYPE         float32 (default) or float64 values\n"
"  -n, --plan               print the windows, samples, shapes, remainder,\n"
"                           bytes and memory, and stop\n"
"\n"
"Assembling:\n"
"      --assemble PRED.npy  predictions, one row per row of the index\n"
"      --like STORE         the store whose grid they go back onto\n"
"      --names LIST         names of the variables written (default\n"
"                           prediction)\n"
"\n"
TOOL_WRITE_HELP
"                           (for --assemble)\n"
"\n"
TOOL_HELP
"\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_CONCAT = 256, OPT_BATCH_SIZE, OPT_VARS, OPT_TARGET, OPT_SHUFFLE,
       OPT_SEED, OPT_WINDOW, OPT_MAX_NAN, OPT_FILL_NAN, OPT_MASK,
       OPT_PARTIAL, OPT_FMT, OPT_INDEX, OPT_DTYPE, OPT_ASSEMBLE, OPT_LIKE,
       OPT_NAMES };

static const struct option longopts[] = {
    {"input-dims", required_argument, NULL, 'I'},
    {"overlap", required_argument, NULL, 'O'},
    {"batch-dims", required_argument, NULL, 'B'},
    {"concat", no_argument, NULL, OPT_CONCAT},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"vars", required_argument, NULL, OPT_VARS},
    {"target", required_argument, NULL, OPT_TARGET},
    {"target-store", required_argument, NULL, 'y'},
    {"shuffle", no_argument, NULL, OPT_SHUFFLE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"max-nan", required_argument, NULL, OPT_MAX_NAN},
    {"fill-nan", required_argument, NULL, OPT_FILL_NAN},
    {"mask", no_argument, NULL, OPT_MASK},
    {"partial", required_argument, NULL, OPT_PARTIAL},
    {"format", required_argument, NULL, OPT_FMT},
    {"index", required_argument, NULL, OPT_INDEX},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"plan", no_argument, NULL, 'n'},
    {"assemble", required_argument, NULL, OPT_ASSEMBLE},
    {"like", required_argument, NULL, OPT_LIKE},
    {"names", required_argument, NULL, OPT_NAMES},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"input dimension", "--input-dims"},
    {"overlap", "--overlap"},
    {"batch dimension", "--batch-dims"},
    {"batch size", "--batch-size"},
    {"target", "--target"},
    {"shuffle window", "--window"},
    {"missing fraction", "--max-nan"},
    {"partial windows", "--partial"},
    {"batch format", "--format"},
    {"index", "--index"},
    {"memory", "-m"},
    {NULL, NULL},
};

/* What main collects besides the library's options. */
typedef struct args {
    int plan, format_set, shuffle;
    uint64_t seed;
    const char *assemble, *like, *index, *names;
} args;

static uint64_t u64_arg(const tool *t, const char *opt, const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-')
        tool_usage_error(t, "invalid value '%s' for %s (a whole number "
                         ">= 0)", s, opt);
    return (uint64_t)v;
}

static double num_arg(const tool *t, const char *opt, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || isnan(v))
        tool_usage_error(t, "invalid value '%s' for %s (a number)", s, opt);
    return v;
}

static int partial_arg(const tool *t, const char *s)
{
    if (!strcmp(s, "drop"))
        return ZS_PARTIAL_DROP;
    if (!strcmp(s, "pad"))
        return ZS_PARTIAL_PAD;
    if (!strcmp(s, "error"))
        return ZS_PARTIAL_ERROR;
    tool_usage_error(t, "--partial must be drop, pad or error");
}

static int format_arg(const tool *t, const char *s)
{
    if (!strcmp(s, "npy"))
        return ZS_BATCH_NPY;
    if (!strcmp(s, "npz"))
        return ZS_BATCH_NPZ;
    if (!strcmp(s, "tar"))
        return ZS_BATCH_TAR;
    tool_usage_error(t, "--format must be npy, npz or tar");
}

/* -y STORE:VAR, split at the last colon (URLs have colons). */
static zs_status target_store(const tool *t, zs_batch_opts *o,
                              const char *s)
{
    const char *colon = strrchr(s, ':');
    char *store;
    zs_status st;
    if (!colon || colon == s || !colon[1])
        tool_usage_error(t, "--target-store wants STORE:VAR");
    if (!(store = strndup(s, (size_t)(colon - s))))
        return ZS_ERR_NOMEM;
    st = zs_batch_opts_set_target(o, store, colon + 1);
    free(store);
    return st;
}

/* One option of the batches; *opt names it for a failed setter. */
static zs_status batch_option(const tool *t, zs_batch_opts *o, args *a,
                              int c, const char **opt)
{
    switch (c) {
    case 'I': *opt = "--input-dims";
        return zs_batch_opts_set_input_dims(o, optarg);
    case 'O': *opt = "--overlap"; return zs_batch_opts_set_overlap(o, optarg);
    case 'B': *opt = "--batch-dims";
        return zs_batch_opts_set_batch_dims(o, optarg);
    case OPT_CONCAT: return zs_batch_opts_set_concat(o, 1);
    case OPT_BATCH_SIZE: *opt = "--batch-size";
        return zs_batch_opts_set_batch_size(o, u64_arg(t, *opt, optarg));
    case OPT_VARS: *opt = "--vars"; return zs_batch_opts_set_vars(o, optarg);
    case OPT_TARGET: *opt = "--target";
        return zs_batch_opts_set_target(o, NULL, optarg);
    case 'y': *opt = "--target-store"; return target_store(t, o, optarg);
    case OPT_SHUFFLE: a->shuffle = 1; return ZS_OK;
    case OPT_SEED: a->seed = u64_arg(t, "--seed", optarg); return ZS_OK;
    case OPT_WINDOW: *opt = "--window";
        return zs_batch_opts_set_window(o, u64_arg(t, *opt, optarg));
    case OPT_MAX_NAN: *opt = "--max-nan";
        return zs_batch_opts_set_max_nan(o, num_arg(t, *opt, optarg));
    case OPT_FILL_NAN: *opt = "--fill-nan";
        return zs_batch_opts_set_fill_nan(o, num_arg(t, *opt, optarg));
    case OPT_MASK: return zs_batch_opts_set_mask(o, 1);
    case OPT_PARTIAL: *opt = "--partial";
        return zs_batch_opts_set_partial(o, partial_arg(t, optarg));
    case OPT_FMT: *opt = "--format"; a->format_set = 1;
        return zs_batch_opts_set_format(o, format_arg(t, optarg));
    case OPT_INDEX: *opt = "--index"; a->index = optarg;
        return zs_batch_opts_set_index(o, optarg);
    case OPT_DTYPE: *opt = "--dtype";
        return zs_batch_opts_set_dtype(o, tool_dtype_arg(t, optarg));
    case 'n': a->plan = 1; return ZS_OK;
    case OPT_ASSEMBLE: a->assemble = optarg; return ZS_OK;
    case OPT_LIKE: a->like = optarg; return ZS_OK;
    case OPT_NAMES: a->names = optarg; return ZS_OK;
    default:
        return ZS_ERR_UNSUPPORTED;
    }
}

static void summary(const tool *t, const zs_batch *b, const char *out)
{
    uint64_t n, dropped, batches, rem;
    zs_batch_counts(b, &n, &dropped, &batches, &rem);
    if (t->quiet)
        return;
    tool_msg(t, "%s: %llu samples in %llu batches", out,
             (unsigned long long)n, (unsigned long long)batches);
    if (dropped)
        tool_msg(t, "%llu samples dropped (too many missing values)",
                 (unsigned long long)dropped);
    if (rem)
        tool_msg(t, "%llu values in no patch, dropped (--partial pad keeps "
                 "them)", (unsigned long long)rem);
}

static int run_batches(tool *t, zs_batch_opts *o, const args *a,
                       const char *in)
{
    zs_dataset *ds = NULL;
    zs_batch *b = NULL;
    zs_status st;
    int rc = TOOL_FAIL;
    st = zs_dataset_open(t->ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_batch_plan(ds, o, t->w, &b);
    if (st != ZS_OK) {
        tool_err(t, in, st);
        goto done;
    }
    st = a->plan ? zs_batch_describe(b, tool_print_line, NULL)
                 : zs_batch_run(b, t->out);
    rc = tool_done(t, st, ds, in);
    if (st == ZS_OK && !a->plan)
        summary(t, b, t->out);
done:
    zs_batch_plan_free(b);
    zs_dataset_close(ds);
    return rc;
}

static int run_assemble(tool *t, const args *a)
{
    zs_assemble_opts *o = NULL;
    zs_dataset *ds = NULL;
    zs_assemble *p = NULL;
    zs_status st;
    int rc = TOOL_FAIL;
    if (!a->like || !a->index)
        tool_usage_error(t, "--assemble needs --like STORE and --index");
    st = zs_assemble_opts_new(t->ctx, &o);
    if (st == ZS_OK)
        st = zs_assemble_opts_set_predictions(o, a->assemble);
    if (st == ZS_OK)
        st = zs_assemble_opts_set_index(o, a->index);
    if (st == ZS_OK && a->names &&
        zs_assemble_opts_set_names(o, a->names) != ZS_OK)
        tool_bad_value(t, "--names");
    if (st == ZS_OK)
        st = zs_dataset_open(t->ctx, a->like, &ds);
    if (st == ZS_OK)
        st = zs_assemble_plan(ds, o, t->w, &p);
    if (st != ZS_OK) {
        tool_err(t, a->assemble, st);
        goto done;
    }
    st = a->plan ? zs_assemble_describe(p, tool_print_line, NULL)
                 : zs_assemble_run(p, t->out);
    rc = tool_done(t, st, ds, a->like);
done:
    zs_assemble_plan_free(p);
    zs_dataset_close(ds);
    zs_assemble_opts_free(o);
    return rc;
}

/* The format a name asks for when none is given. */
static void default_format(const tool *t, zs_batch_opts *o, const args *a)
{
    size_t n = t->out ? strlen(t->out) : 0;
    if (a->format_set || !t->out)
        return;
    if (!strcmp(t->out, "-") ||
        (n > 4 && !strcasecmp(t->out + n - 4, ".tar")))
        zs_batch_opts_set_format(o, ZS_BATCH_TAR);
}

int main(int argc, char **argv)
{
    tool t;
    zs_batch_opts *o;
    args a;
    int c, rc;
    memset(&a, 0, sizeof a);
    tool_start(&t, "zbatch", argc, argv, true, usage, hints);
    if (zs_batch_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "I:O:B:y:n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1) {
        const char *opt = NULL;
        zs_status st = batch_option(&t, o, &a, c, &opt);
        if (st == ZS_ERR_UNSUPPORTED) {
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        } else if (st != ZS_OK) {
            tool_bad_value(&t, opt ? opt : "option");
        }
    }
    if (a.shuffle || a.seed)
        zs_batch_opts_set_shuffle(o, a.shuffle, a.seed);
    if (!t.out && !a.plan)
        tool_usage_error(&t, "missing -o OUT");
    default_format(&t, o, &a);
    tool_ready(&t, !a.plan && (!t.out || strcmp(t.out, "-")));
    tool_catch_signals();
    if (a.assemble) {
        if (optind != argc)
            tool_usage_error(&t, "--assemble takes no input store (the grid "
                             "is --like)");
        rc = run_assemble(&t, &a);
    } else {
        rc = run_batches(&t, o, &a, tool_input(&t, argc, argv));
    }
    zs_batch_opts_free(o);
    tool_finish(&t);
    return rc;
}
