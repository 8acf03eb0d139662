/* nc2zarr - convert NetCDF files to a consolidated Zarr v2 store. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: nc2zarr [OPTIONS] INPUT... -o STORE\n"
"Convert NetCDF files to a consolidated Zarr v2 store.  Several inputs are\n"
"concatenated along their record (time) dimension, in time order.\n"
"\n"
"INPUT is a file, a quoted glob (\"era5/*.nc\"), or a directory searched\n"
"recursively for files matching --pattern.\n"
"\n"
"Options:\n"
"  -o, --output STORE       the store to write: a directory, NAME.zip,\n"
"                           s3://BUCKET/PREFIX or - (a tar stream on\n"
"                           standard output); required unless -n\n"
"  -c, --chunks SPEC        chunk lengths per dimension, e.g.\n"
"                           time=24,latitude=-1,longitude=-1 (-1: whole)\n"
"      --compressor SPEC    blosc:lz4:5:shuffle (default), zstd:3, lz4,\n"
"                           zlib:1, gzip:5 or none\n"
"      --vars LIST          keep only these variables (and their\n"
"                           coordinates), comma-separated\n"
"      --exclude LIST       drop these variables\n"
"      --unpack             write packed variables as float32 decoded\n"
"                           values, missing values as NaN\n"
"      --on-overlap POLICY  error (default), first or last: which file\n"
"                           wins where inputs overlap in time\n"
"      --pattern GLOB       file names to take from directories\n"
"                           (default: *.nc)\n"
"      --files-from FILE    read input names from FILE, one per line\n"
"                           (- for standard input)\n"
"  -n, --dry-run            print the plan and write nothing\n"
"  -j, --jobs N             worker processes (default: all cores)\n"
"      --overwrite          replace an existing STORE\n"
"      --progress           always show the progress bar\n"
"  -q, --quiet              no progress bar, no warnings\n"
TOOL_NET_HELP
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Store names are described in zstore(5).  A directory store is written\n"
"to STORE.partial and renamed to STORE when complete; .zmetadata is\n"
"written last.  Exit status: 0 on success, 1 on failure, 2 on usage\n"
"errors.");
}

enum { OPT_COMPRESSOR = 256, OPT_VARS, OPT_EXCLUDE, OPT_UNPACK, OPT_OVERLAP,
       OPT_PATTERN, OPT_FILES_FROM, OPT_OVERWRITE, OPT_PROGRESS };

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"chunks", required_argument, NULL, 'c'},
    {"compressor", required_argument, NULL, OPT_COMPRESSOR},
    {"vars", required_argument, NULL, OPT_VARS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"unpack", no_argument, NULL, OPT_UNPACK},
    {"on-overlap", required_argument, NULL, OPT_OVERLAP},
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"dry-run", no_argument, NULL, 'n'},
    {"jobs", required_argument, NULL, 'j'},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    TOOL_NET_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* ---- the list of input files ------------------------------------------ */

typedef struct inputs {
    char **v;
    size_t n, cap;
    const char *pattern;
    const tool *t;
    int failed;
} inputs;

static void add(inputs *in, const char *path)
{
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 64;
        in->v = realloc(in->v, in->cap * sizeof *in->v);
        if (!in->v) {
            tool_msg(in->t, "out of memory");
            exit(TOOL_FAIL);
        }
    }
    in->v[in->n] = strdup(path);
    if (!in->v[in->n++]) {
        tool_msg(in->t, "out of memory");
        exit(TOOL_FAIL);
    }
}

/* nftw has no user pointer: the walk keeps its state here for the one
 * walk that runs at a time. */
static inputs *walk_in;

static int walk_cb(const char *path, const struct stat *st, int type,
                   struct FTW *f)
{
    struct stat target;
    (void)st;
    /* symbolic links to files count as files (links to directories are
     * not followed, so that a loop of links cannot trap the walk) */
    if (type == FTW_SL && stat(path, &target) == 0 &&
        S_ISREG(target.st_mode))
        type = FTW_F;
    if (type == FTW_F &&
        fnmatch(walk_in->pattern, path + f->base, 0) == 0)
        add(walk_in, path);
    if (type == FTW_DNR || type == FTW_NS) {
        tool_msg(walk_in->t, "%s: cannot read", path);
        walk_in->failed = 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void expand(inputs *in, const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t before = in->n;
        char *real = realpath(arg, NULL);   /* the named directory may be a
                                               link itself */
        walk_in = in;
        if (!real || nftw(real, walk_cb, 32, FTW_PHYS) != 0) {
            tool_msg(in->t, "%s: %s", arg, strerror(errno));
            in->failed = 1;
        }
        if (in->n == before) {
            tool_msg(in->t, "%s: no files matching '%s'", arg, in->pattern);
            in->failed = 1;
        }
        free(real);
        if (in->n > before)     /* in->v is still NULL when nothing matched */
            qsort(in->v + before, in->n - before, sizeof *in->v, cmp_str);
        return;
    }
    if (strpbrk(arg, "*?[") && stat(arg, &st) != 0) {
        glob_t g;
        int rc = glob(arg, 0, NULL, &g);
        if (rc == GLOB_NOMATCH) {
            tool_msg(in->t, "%s: no files match", arg);
            in->failed = 1;
        } else if (rc != 0) {
            tool_msg(in->t, "%s: cannot expand", arg);
            in->failed = 1;
        }
        for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
            add(in, g.gl_pathv[i]);
        if (rc == 0)
            globfree(&g);
        return;
    }
    if (stat(arg, &st) != 0) {
        tool_msg(in->t, "%s: %s", arg, strerror(errno));
        in->failed = 1;
        return;
    }
    add(in, arg);
}

static void read_list(inputs *in, const char *file)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    if (!f) {
        tool_msg(in->t, "%s: %s", file, strerror(errno));
        exit(TOOL_FAIL);
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n > 0)
            expand(in, line);
    }
    free(line);
    if (ferror(f)) {
        tool_msg(in->t, "%s: read error", file);
        exit(TOOL_FAIL);
    }
    if (f != stdin)
        fclose(f);
}

/* ---- main ---------------------------------------------------------------- */

static void print_line(void *user, const char *line)
{
    (void)user;
    puts(line);
}

typedef struct args {
    zs_ctx *ctx;
    const char *out;
    const char *chunks, *compressor, *vars, *exclude, *files_from;
    int unpack, overlap, dry, jobs, overwrite, progress, quiet;
} args;

static void parse(tool *t, args *a, inputs *in, int argc, char **argv)
{
    int c;
    while ((c = getopt_long(argc, argv, "o:c:nj:qhV", longopts, NULL)) != -1)
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'c': a->chunks = optarg; break;
        case OPT_COMPRESSOR: a->compressor = optarg; break;
        case OPT_VARS: a->vars = optarg; break;
        case OPT_EXCLUDE: a->exclude = optarg; break;
        case OPT_UNPACK: a->unpack = 1; break;
        case OPT_OVERLAP:
            if (!strcmp(optarg, "first"))
                a->overlap = ZS_OVERLAP_FIRST;
            else if (!strcmp(optarg, "last"))
                a->overlap = ZS_OVERLAP_LAST;
            else if (!strcmp(optarg, "error"))
                a->overlap = ZS_OVERLAP_ERROR;
            else
                tool_usage_error(t, "--on-overlap must be error, first or "
                                 "last");
            break;
        case OPT_PATTERN: in->pattern = optarg; break;
        case OPT_FILES_FROM: a->files_from = optarg; break;
        case 'n': a->dry = 1; break;
        case 'j': a->jobs = tool_int_arg(t, "--jobs", optarg, 1, 64); break;
        case OPT_OVERWRITE: a->overwrite = 1; break;
        case OPT_PROGRESS: a->progress = 1; break;
        case 'q': a->quiet = 1; break;
        case TOOL_OPT_RETRIES: case TOOL_OPT_TIMEOUT: case TOOL_OPT_INSECURE:
            tool_net_option(t, a->ctx, c, optarg);
            break;
        case 'h': usage(); exit(tool_close_stdout(t));
        case 'V': tool_version(t);
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    t->prog);
            exit(TOOL_USAGE);
        }
    if (!a->out && !a->dry)
        tool_usage_error(t, "missing -o STORE");
    if (optind >= argc && !a->files_from)
        tool_usage_error(t, "no input files");
}

static zs_status set_options(tool *t, zs_convert_opts *o, const args *a)
{
    zs_status st = ZS_OK;
    if (a->chunks && (st = zs_convert_opts_set_chunks(o, a->chunks)))
        tool_usage_error(t, "invalid --chunks '%s' (want DIM=N,...; N >= 1 "
                         "or -1)", a->chunks);
    if (a->compressor &&
        (st = zs_convert_opts_set_compressor(o, a->compressor)))
        tool_usage_error(t, "invalid --compressor '%s'", a->compressor);
    if (a->vars)
        st = zs_convert_opts_set_vars(o, a->vars);
    if (st == ZS_OK && a->exclude)
        st = zs_convert_opts_set_exclude(o, a->exclude);
    if (st == ZS_OK)
        st = zs_convert_opts_set_unpack(o, a->unpack);
    if (st == ZS_OK)
        st = zs_convert_opts_set_overlap(o, a->overlap);
    if (st == ZS_OK)
        st = zs_convert_opts_set_overwrite(o, a->overwrite);
    return st;
}

int main(int argc, char **argv)
{
    tool t;
    args a;
    inputs in;
    zs_ctx *ctx;
    zs_convert_opts *o = NULL;
    zs_convert *cv = NULL;
    zs_status st;
    int rc = TOOL_FAIL;
    if (zs_ctx_new(&ctx) != ZS_OK) {
        fputs("nc2zarr: out of memory\n", stderr);
        return TOOL_FAIL;
    }
    tool_init(&t, "nc2zarr", ctx);
    memset(&a, 0, sizeof a);
    a.ctx = ctx;
    memset(&in, 0, sizeof in);
    in.pattern = "*.nc";
    in.t = &t;
    parse(&t, &a, &in, argc, argv);
    t.quiet = a.quiet;
    t.progress = !a.quiet && !a.dry && (a.progress || isatty(2));
    if (a.files_from)
        read_list(&in, a.files_from);
    for (int i = optind; i < argc; i++)
        expand(&in, argv[i]);
    if (in.failed)
        goto done;
    if (in.n == 0) {
        tool_msg(&t, "no input files");
        goto done;
    }
    if (a.jobs)
        zs_ctx_set_threads(ctx, a.jobs);
    zs_ctx_set_progress(ctx, tool_progress, &t);
    signal(SIGPIPE, SIG_IGN);
    /* past a file size limit, let write() fail with EFBIG and report it
     * rather than be killed */
    signal(SIGXFSZ, SIG_IGN);
    st = zs_convert_opts_new(&o);
    if (st == ZS_OK)
        st = set_options(&t, o, &a);
    if (st == ZS_OK)
        st = zs_convert_plan(ctx, (const char *const *)in.v, in.n, o, &cv);
    if (st != ZS_OK) {
        tool_err(&t, ctx, NULL, st);
        goto done;
    }
    if (a.dry) {
        zs_convert_describe(cv, print_line, NULL);
        rc = tool_close_stdout(&t);
        goto done;
    }
    tool_catch_signals();
    st = zs_convert_run(cv, a.out);
    tool_progress_end(&t);
    if (st != ZS_OK) {
        tool_err(&t, ctx, a.out, st);
        rc = tool_fail_status(st);
        goto done;
    }
    rc = tool_close_stdout(&t);
done:
    zs_convert_free(cv);
    zs_convert_opts_free(o);
    zs_ctx_free(ctx);
    for (size_t i = 0; i < in.n; i++)
        free(in.v[i]);
    free(in.v);
    return rc;
}
