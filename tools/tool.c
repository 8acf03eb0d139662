/* tool.c - shared parts of the command-line tools. */
#include "config.h"

#ifdef HAVE_MALLOPT
#include <malloc.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

/* Set from the signal handler; read by the progress callback. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void tool_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int tool_fail_status(zs_status st)
{
    return st == ZS_ERR_INTERRUPTED ? 130 : TOOL_FAIL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_cb(void *user, int level, const char *msg)
{
    tool *t = user;
    if (t->quiet && level > ZS_LOG_ERROR)
        return;
    if (t->drawn) {
        fputs("\r\033[K", stderr);
        t->drawn = 0;
    }
    fprintf(stderr, "%s: %s%s\n", t->prog,
            level == ZS_LOG_WARN ? "warning: " : "", msg);
}

/* An environment variable that is set and not empty, or NULL. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* value, or the file HOME/rel when it exists (NULL otherwise). */
static char *home_file(const char *value, const char *rel)
{
    const char *home = env("HOME");
    char *p;
    if (value)
        return strdup(value);
    if (!home || !(p = malloc(strlen(home) + strlen(rel) + 2)))
        return NULL;
    sprintf(p, "%s/%s", home, rel);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

/* The environment, passed on as context options (the library reads no
 * environment variables). */
static void env_options(const char *prog, zs_ctx *ctx)
{
    static const char *const map[][2] = {
        {"ZSTORE_TOKEN", "http.bearer_token"},
        {"ZSTORE_CA_BUNDLE", "http.ca_bundle"},
        {"AWS_ACCESS_KEY_ID", "s3.access_key_id"},
        {"AWS_SECRET_ACCESS_KEY", "s3.secret_access_key"},
        {"AWS_SESSION_TOKEN", "s3.session_token"},
        {"AWS_DEFAULT_REGION", "s3.region"},
        {"AWS_REGION", "s3.region"},             /* wins over the above */
        {"AWS_ENDPOINT_URL", "s3.endpoint"},
        {"AWS_ENDPOINT_URL_S3", "s3.endpoint"},  /* wins over the above */
        {"AWS_PROFILE", "s3.profile"},
        {"TMPDIR", "tmpdir"},
        {"ZSTORE_STREAM_MEMORY", "stream.memory"},
        {"ZSTORE_CONVERT_UNIT", "convert.unit"},
        {"ZSTORE_CONVERT_RECORD_MS", "convert.record_ms"},
        {"ZSTORE_ZIP_COMPRESSION", "zip.compression"},
        {"SOURCE_DATE_EPOCH", "zip.mtime"},
    };
    char *f;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (env(map[i][0]) &&
            zs_ctx_set_option(ctx, map[i][1], env(map[i][0])) != ZS_OK)
            fprintf(stderr, "%s: ignoring %s: %s\n", prog, map[i][0],
                    zs_ctx_message(ctx));
    if ((f = home_file(env("NETRC"), ".netrc")))
        zs_ctx_set_option(ctx, "http.netrc_file", f);
    free(f);
    if ((f = home_file(env("AWS_SHARED_CREDENTIALS_FILE"),
                       ".aws/credentials")))
        zs_ctx_set_option(ctx, "s3.credentials_file", f);
    free(f);
}

/* The command line as typed (before getopt reorders it), for the
 * history attribute. */
static char *command_line(const char *prog, int argc, char **argv)
{
    size_t n = strlen(prog) + 1;
    char *s;
    for (int i = 1; i < argc; i++)
        n += strlen(argv[i]) + 1;
    if (!(s = malloc(n)))
        return NULL;
    strcpy(s, prog);
    for (int i = 1; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* Chunk-sized buffers (megabytes) come and go by the thousand: keep
 * them in the heap for reuse instead of mapping fresh zeroed pages for
 * each and unmapping them after (a third of zrechunk's time went to page
 * faults).  The operations bound what they hold; this only stops glibc
 * from handing it back between uses. */
static void keep_heap(void)
{
#ifdef HAVE_MALLOPT
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

void tool_start(tool *t, const char *prog, int argc, char **argv,
                bool writes, void (*usage)(void), const tool_hint *hints)
{
    memset(t, 0, sizeof *t);
    keep_heap();
    t->prog = prog;
    t->usage = usage;
    t->hints = hints;
    if (zs_ctx_new(&t->ctx) != ZS_OK ||
        !(t->history = command_line(prog, argc, argv)) ||
        (writes && zs_write_opts_new(t->ctx, &t->w) != ZS_OK)) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(TOOL_FAIL);
    }
    zs_ctx_set_log(t->ctx, log_cb, t);
    env_options(prog, t->ctx);
}

void tool_finish(tool *t)
{
    zs_write_opts_free(t->w);
    zs_ctx_free(t->ctx);
    free(t->history);
    t->w = NULL;
    t->ctx = NULL;
    t->history = NULL;
}

void tool_bad_value(const tool *t, const char *opt)
{
    tool_usage_error(t, "invalid %s: %s", opt, zs_ctx_message(t->ctx));
}

void tool_bad_option(const tool *t)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", t->prog);
    exit(TOOL_USAGE);
}

static void version(const tool *t) __attribute__((noreturn));
static void version(const tool *t)
{
    printf("%s (zstore) %s\n", t->prog, zs_version());
    exit(tool_close_stdout(t));
}

/* A network option, passed on to the context. */
static void net_option(tool *t, const char *name, const char *opt,
                       const char *arg, int max)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", tool_int_arg(t, opt, arg, max > 100
                                                     ? 1 : 0, max));
    zs_ctx_set_option(t->ctx, name, buf);
}

/* Options of tools that write a store. */
static bool write_option(tool *t, int c, const char *arg)
{
    switch (c) {
    case 'o': t->out = arg; return true;
    case TOOL_OPT_OVERWRITE: zs_write_opts_set_overwrite(t->w, 1); return true;
    case 'c':
        if (zs_write_opts_set_chunks(t->w, arg) != ZS_OK)
            tool_bad_value(t, "--chunks");
        return true;
    case TOOL_OPT_SHARDS:
        if (zs_write_opts_set_shards(t->w, arg) != ZS_OK)
            tool_bad_value(t, "--shards");
        return true;
    case TOOL_OPT_FORMAT:
        if (zs_write_opts_set_format(t->w, tool_int_arg(t, "--zarr-format",
                                                        arg, 2, 3)) != ZS_OK)
            tool_bad_value(t, "--zarr-format");
        return true;
    case TOOL_OPT_CHECKSUMS:
        zs_write_opts_set_checksums(t->w, 1);
        return true;
    case TOOL_OPT_COMPRESSOR:
        if (zs_write_opts_set_compressor(t->w, arg) != ZS_OK)
            tool_bad_value(t, "--compressor");
        return true;
    default:
        return false;
    }
}

bool tool_option(tool *t, int c, const char *arg)
{
    uint64_t mem;
    char *end;
    if (t->w && write_option(t, c, arg))
        return true;
    switch (c) {
    case 'j':
        zs_ctx_set_threads(t->ctx, tool_int_arg(t, "--jobs", arg, 1, 1024));
        return true;
    case 'q': t->quiet = 1; return true;
    case TOOL_OPT_PROGRESS: t->want_progress = 1; return true;
    case TOOL_OPT_STATS: t->stats = 1; return true;
    case 'm':
        errno = 0;
        mem = strtoull(arg, &end, 10);
        switch (errno || end == arg || *arg == '-' ? '?' : *end) {
        case 'k': case 'K': mem <<= 10; end++; break;
        case 'm': case 'M': mem <<= 20; end++; break;
        case 'g': case 'G': mem <<= 30; end++; break;
        case 't': case 'T': mem <<= 40; end++; break;
        case 0: break;
        default: mem = 0; break;
        }
        if ((*end && strcmp(end, "B") && strcmp(end, "iB")) ||
            mem < ((uint64_t)1 << 20))
            tool_usage_error(t, "invalid --memory '%s' (a size of at least "
                             "1M, such as 512M or 2G)", arg);
        zs_ctx_set_memory(t->ctx, mem);
        return true;
    case TOOL_OPT_RETRIES:
        net_option(t, "http.retries", "--retries", arg, 100);
        return true;
    case TOOL_OPT_TIMEOUT:
        net_option(t, "http.timeout", "--timeout", arg, 86400);
        return true;
    case TOOL_OPT_DEADLINE:
        net_option(t, "http.deadline", "--deadline", arg, INT32_MAX);
        return true;
    case TOOL_OPT_INSECURE:
        zs_ctx_set_option(t->ctx, "http.insecure", "1");
        return true;
    case 'h':
        t->usage();
        exit(tool_close_stdout(t));
    case 'V':
        version(t);
    default:
        return false;
    }
}

void tool_ready(tool *t, bool bar)
{
    t->progress = bar && !t->quiet && (t->want_progress || isatty(2));
    if (t->w)
        zs_write_opts_set_history(t->w, t->history);
    zs_ctx_set_progress(t->ctx, tool_progress, t);
}

const char *tool_input(const tool *t, int argc, char **argv)
{
    if (optind != argc - 1)
        tool_usage_error(t, optind >= argc ? "no input store given"
                                           : "one input store only");
    return argv[optind];
}

int tool_done(tool *t, zs_status st, zs_dataset *ds, const char *input)
{
    tool_progress_end(t);
    if (st != ZS_OK) {
        /* a chunk that does not decode or a malformed file is the
         * input's; the rest (space, permissions, I/O) the output's */
        bool in = st == ZS_ERR_CORRUPT || st == ZS_ERR_FORMAT ||
                  st == ZS_ERR_NETCDF;
        tool_err(t, t->out && !in ? t->out : input, st);
        return tool_fail_status(st);
    }
    tool_stats(t, ds, input);
    return tool_close_stdout(t);
}

void tool_stats(const tool *t, zs_dataset *ds, const char *name)
{
    uint64_t req, bytes;
    if (!t->stats || !ds)
        return;
    zs_dataset_io_stats(ds, &req, &bytes);
    fprintf(stderr, "%s: %s: %llu requests, %llu bytes read\n", t->prog,
            name, (unsigned long long)req, (unsigned long long)bytes);
}

void tool_print_line(void *user, const char *line)
{
    (void)user;
    puts(line);
}

void tool_msg(const tool *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", t->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The flags a message calls for: the tool's hints it mentions,
 * --overwrite for an output that exists, --deadline and --insecure for
 * the network's. */
static void hints_of(const tool *t, const char *m, zs_status st, char *buf,
                     size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    if (st == ZS_ERR_EXISTS && strstr(m, "output exists") && t->w)
        n += (size_t)snprintf(buf, size, " (use --overwrite to replace it)");
    else if (st == ZS_ERR_NETWORK && strstr(m, "(http.deadline)"))
        n += (size_t)snprintf(buf, size, " (--deadline)");
    else if (st == ZS_ERR_NETWORK && strstr(m, "TLS certificate not verified"))
        n += (size_t)snprintf(buf, size,
                              " (--insecure skips the check, unsafely)");
    for (const tool_hint *h = t->hints; h && h->concept && n < size; h++)
        if (strstr(m, h->concept) && !strstr(buf, h->flag))
            n += (size_t)snprintf(buf + n, size - n, " (%s)", h->flag);
}

void tool_err(const tool *t, const char *path, zs_status st)
{
    const char *m = t->ctx ? zs_ctx_message(t->ctx) : "";
    char hint[256];
    if (!*m)
        m = zs_strerror(st);
    hints_of(t, m, st, hint, sizeof hint);
    /* the library names the path itself in most messages */
    if (path && strncmp(m, path, strlen(path)) != 0)
        fprintf(stderr, "%s: %s: %s%s\n", t->prog, path, m, hint);
    else
        fprintf(stderr, "%s: %s%s\n", t->prog, m, hint);
}

void tool_usage_error(const tool *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", t->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", t->prog);
    exit(TOOL_USAGE);
}

int tool_close_stdout(const tool *t)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "%s: write error: %s\n", t->prog,
                errno ? strerror(errno) : "unknown");
        return TOOL_FAIL;
    }
    return TOOL_OK;
}

zs_dtype tool_dtype_arg(const tool *t, const char *val)
{
    if (!strcmp(val, "float64"))
        return ZS_DT_FLOAT64;
    if (!strcmp(val, "float32"))
        return ZS_DT_FLOAT32;
    tool_usage_error(t, "--dtype must be float32 or float64");
}

int tool_int_arg(const tool *t, const char *opt, const char *val, int min,
                 int max)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(val, &end, 10);
    if (errno || *end || end == val || v < min || v > max)
        tool_usage_error(t, "invalid value '%s' for %s (%d..%d)", val, opt,
                         min, max);
    return (int)v;
}

static void human(double b, char *buf, size_t n)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1000 && i < 4) {
        b /= 1000;
        i++;
    }
    snprintf(buf, n, "%.1f %s", b, u[i]);
}

int tool_progress(void *user, uint64_t done, uint64_t total)
{
    tool *t = user;
    double tn = now(), el, rate, eta;
    char d[16], tt[16], r[16];
    int w = 30, fill;
    if (stop_requested)
        return 1;
    if (!t->progress)
        return 0;
    if (t->t0 == 0)
        t->t0 = tn;
    if (tn - t->last_draw < 0.2 && done < total)
        return 0;
    t->last_draw = tn;
    el = tn - t->t0;
    rate = el > 0 ? (double)done / el : 0;
    eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
    fill = total ? (int)((double)w * (double)done / (double)total) : w;
    if (fill > w)
        fill = w;
    human((double)done, d, sizeof d);
    human((double)total, tt, sizeof tt);
    human(rate, r, sizeof r);
    fprintf(stderr, "\r[%.*s%*s] %3.0f%% %s/%s %s/s ETA %.0fs\033[K", fill,
            "##############################", w - fill, "",
            total ? 100.0 * (double)done / (double)total : 100.0, d, tt, r,
            eta);
    t->drawn = 1;
    return 0;
}

void tool_progress_end(tool *t)
{
    if (t->drawn)
        fputc('\n', stderr);
    t->drawn = 0;
}

