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
"Convert NetCDF files to a consolidated Zarr store (v2, or v3 with\n"
"--zarr-format 3, sharded with --shards).  Several inputs are\n"
"concatenated along their record (time) dimension, in time order.\n"
"\n"
"INPUT is a file, a quoted glob (\"era5/*.nc\"), or a directory searched\n"
"recursively for files matching --pattern.\n"
"\n"
"Options:\n"
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
"\n"
"Resuming, and converting in parts (folders, zip files, s3:// prefixes):\n"
"      --resume             continue the STORE.partial an interrupted run\n"
"                           left (same inputs and options), and keep it\n"
"                           if this run fails too\n"
"      --prepare            record the plan in STORE.partial for parts\n"
"      --part K/N           write part K of N (1 <= K <= N): a disjoint\n"
"                           set of chunks; parts run in any order, on any\n"
"                           machine sharing STORE, and may be rerun\n"
"      --finish             check that every part completed, write the\n"
"                           metadata and rename STORE.partial to STORE\n"
"                           (each with the same inputs and options)\n"
"      --append             extend the existing STORE with the inputs\n"
"                           along its record (time) dimension\n"
"      --manifest           leave in STORE, per input, the records it\n"
"                           filled and a digest of their values, which\n"
"                           zinfo checks files against (a whole run or\n"
"                           the finish)\n"
"\n"
TOOL_WRITE_HELP
"                           (-o is required unless -n)\n"
"\n"
TOOL_HELP
"\n"
"A directory store is written to STORE.partial and renamed to STORE when\n"
"complete; the consolidated metadata is written last; completed work is\n"
"recorded in STORE.partial as it goes (for --resume); an s3:// store is\n"
"written in place, its records among its objects; a zip file is written\n"
"through the folder STORE.partial/ when resuming or in parts, packed at\n"
"the end, and appended to by writing a new zip.  -j sets the worker\n"
"processes (at most 64).  Exit status: 0 on success, 1 on failure, 2 on\n"
"usage errors.");
}

enum { OPT_VARS = 256, OPT_EXCLUDE, OPT_UNPACK, OPT_OVERLAP, OPT_PATTERN,
       OPT_FILES_FROM, OPT_RESUME, OPT_PREPARE, OPT_PART, OPT_FINISH,
       OPT_APPEND, OPT_MANIFEST };

static const struct option longopts[] = {
    {"vars", required_argument, NULL, OPT_VARS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"unpack", no_argument, NULL, OPT_UNPACK},
    {"on-overlap", required_argument, NULL, OPT_OVERLAP},
    {"pattern", required_argument, NULL, OPT_PATTERN},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"dry-run", no_argument, NULL, 'n'},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"prepare", no_argument, NULL, OPT_PREPARE},
    {"part", required_argument, NULL, OPT_PART},
    {"finish", no_argument, NULL, OPT_FINISH},
    {"append", no_argument, NULL, OPT_APPEND},
    {"manifest", no_argument, NULL, OPT_MANIFEST},
    TOOL_WRITE_LONGOPTS,
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"overlap policy", "--on-overlap first|last"},
    {"unpacking", "--unpack"},
    {"to keep", "--vars"},
    {"to exclude", "--exclude"},
    {"prepare it first", "--prepare"},
    {"parts", "--part"},
    {NULL, NULL},
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

static int overlap_arg(const tool *t, const char *s)
{
    if (!strcmp(s, "first"))
        return ZS_OVERLAP_FIRST;
    if (!strcmp(s, "last"))
        return ZS_OVERLAP_LAST;
    if (strcmp(s, "error"))
        tool_usage_error(t, "--on-overlap must be error, first or last");
    return ZS_OVERLAP_ERROR;
}

/* --part K/N */
static void part_arg(const tool *t, zs_convert_opts *o, const char *s)
{
    char *end;
    unsigned long long k, n = 0;
    bool ok = *s >= '0' && *s <= '9';
    errno = 0;
    k = strtoull(s, &end, 10);
    ok = ok && *end == '/' && end[1] >= '0' && end[1] <= '9';
    if (ok)
        n = strtoull(end + 1, &end, 10);
    if (!ok || *end || errno)
        tool_usage_error(t, "--part must be K/N, e.g. 3/64 (part 3 of 64)");
    if (zs_convert_opts_set_part(o, k, n) != ZS_OK)
        tool_bad_value(t, "--part");
}

/* The stage options (and --resume) exclude each other. */
static void stage(const tool *t, int *seen, const char *opt)
{
    if (*seen)
        tool_usage_error(t, "--append, --resume, --prepare, --part and "
                         "--finish exclude each other (%s)", opt);
    *seen = 1;
}

/* The options: the conversion's into o, the shared ones into t. */
static void parse(tool *t, zs_convert_opts *o, inputs *in, int *dry,
                  const char **files_from, int argc, char **argv)
{
    int c, staged = 0, appending = 0, manifest = 0, whole = 1;
    while ((c = getopt_long(argc, argv, "n" TOOL_WRITE_SHORTOPTS
                            TOOL_SHORTOPTS, longopts, NULL)) != -1)
        switch (c) {
        case OPT_VARS:
            if (zs_convert_opts_set_vars(o, optarg) != ZS_OK)
                tool_bad_value(t, "--vars");
            break;
        case OPT_EXCLUDE:
            if (zs_convert_opts_set_exclude(o, optarg) != ZS_OK)
                tool_bad_value(t, "--exclude");
            break;
        case OPT_UNPACK: zs_convert_opts_set_unpack(o, 1); break;
        case OPT_OVERLAP:
            zs_convert_opts_set_overlap(o, overlap_arg(t, optarg));
            break;
        case OPT_PATTERN: in->pattern = optarg; break;
        case OPT_FILES_FROM: *files_from = optarg; break;
        case 'n': *dry = 1; break;
        case OPT_RESUME:
            stage(t, &staged, "--resume");
            zs_convert_opts_set_resume(o, 1);
            break;
        case OPT_PREPARE:
            whole = 0;
            stage(t, &staged, "--prepare");
            zs_convert_opts_set_stage(o, ZS_CONVERT_PREPARE);
            break;
        case OPT_FINISH:
            stage(t, &staged, "--finish");
            zs_convert_opts_set_stage(o, ZS_CONVERT_FINISH);
            break;
        case OPT_PART:
            whole = 0;
            stage(t, &staged, "--part");
            part_arg(t, o, optarg);
            break;
        case OPT_MANIFEST:
            zs_convert_opts_set_manifest(o, 1);
            manifest = 1;
            break;
        case OPT_APPEND:
            stage(t, &staged, "--append");
            zs_convert_opts_set_append(o, 1);
            appending = 1;
            break;
        default:
            if (!tool_option(t, c, optarg))
                tool_bad_option(t);
        }
    if (!t->out && (!*dry || appending))
        tool_usage_error(t, "missing -o STORE");
    if (manifest && (appending || !whole))
        tool_usage_error(t, "--manifest is written by a whole conversion "
                         "or by --finish");
    if (optind >= argc && !*files_from)
        tool_usage_error(t, "no input files");
}

int main(int argc, char **argv)
{
    tool t;
    inputs in;
    zs_convert_opts *o = NULL;
    zs_convert *cv = NULL;
    const char *files_from = NULL;
    int dry = 0, rc = TOOL_FAIL;
    zs_status st;
    tool_start(&t, "nc2zarr", argc, argv, true, usage, hints);
    if (zs_convert_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    memset(&in, 0, sizeof in);
    in.pattern = "*.nc";
    in.t = &t;
    parse(&t, o, &in, &dry, &files_from, argc, argv);
    tool_ready(&t, !dry);
    /* an exact copy: the history stays the files' own */
    zs_write_opts_set_history(t.w, NULL);
    if (t.out && zs_convert_opts_set_output(o, t.out) != ZS_OK)
        tool_bad_value(&t, "-o");
    if (files_from)
        read_list(&in, files_from);
    for (int i = optind; i < argc; i++)
        expand(&in, argv[i]);
    if (in.failed)
        goto done;
    if (in.n == 0) {
        tool_msg(&t, "no input files");
        goto done;
    }
    signal(SIGPIPE, SIG_IGN);
    /* past a file size limit, let write() fail with EFBIG and report it
     * rather than be killed */
    signal(SIGXFSZ, SIG_IGN);
    st = zs_convert_plan(t.ctx, (const char *const *)in.v, in.n, o, t.w,
                         &cv);
    if (st != ZS_OK) {
        tool_err(&t, NULL, st);
        goto done;
    }
    if (dry) {
        st = zs_convert_estimate(cv);
        if (st != ZS_OK) {
            tool_err(&t, NULL, st);
            rc = tool_fail_status(st);
            goto done;
        }
        zs_convert_describe(cv, tool_print_line, NULL);
        rc = tool_close_stdout(&t);
        goto done;
    }
    tool_catch_signals();
    st = zs_convert_run(cv, t.out);
    tool_progress_end(&t);
    if (st != ZS_OK) {
        tool_err(&t, t.out, st);
        rc = tool_fail_status(st);
        goto done;
    }
    rc = tool_close_stdout(&t);
done:
    zs_convert_plan_free(cv);
    zs_convert_opts_free(o);
    tool_finish(&t);
    for (size_t i = 0; i < in.n; i++)
        free(in.v[i]);
    free(in.v);
    return rc;
}
