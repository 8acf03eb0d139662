/* tool.c - shared parts of the command-line tools. */
#include "config.h"

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
        {"ZSTORE_ZIP_COMPRESSION", "zip.compression"},
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

void tool_init(tool *t, const char *prog, zs_ctx *ctx)
{
    memset(t, 0, sizeof *t);
    t->prog = prog;
    if (ctx) {
        zs_ctx_set_log(ctx, log_cb, t);
        env_options(prog, ctx);
    }
}

bool tool_net_option(tool *t, zs_ctx *ctx, int c, const char *arg)
{
    char buf[32];
    switch (c) {
    case TOOL_OPT_RETRIES:
        snprintf(buf, sizeof buf, "%d",
                 tool_int_arg(t, "--retries", arg, 0, 100));
        zs_ctx_set_option(ctx, "http.retries", buf);
        return true;
    case TOOL_OPT_TIMEOUT:
        snprintf(buf, sizeof buf, "%d",
                 tool_int_arg(t, "--timeout", arg, 1, 86400));
        zs_ctx_set_option(ctx, "http.timeout", buf);
        return true;
    case TOOL_OPT_INSECURE:
        zs_ctx_set_option(ctx, "http.insecure", "1");
        return true;
    case TOOL_OPT_DEADLINE:
        snprintf(buf, sizeof buf, "%d",
                 tool_int_arg(t, "--deadline", arg, 1, INT32_MAX));
        zs_ctx_set_option(ctx, "http.deadline", buf);
        return true;
    default:
        return false;
    }
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

void tool_err(const tool *t, zs_ctx *ctx, const char *path, zs_status st)
{
    const char *m = ctx ? zs_ctx_message(ctx) : "";
    if (!*m)
        m = zs_strerror(st);
    /* the library names the path itself in most messages */
    if (path && strncmp(m, path, strlen(path)) != 0)
        fprintf(stderr, "%s: %s: %s\n", t->prog, path, m);
    else
        fprintf(stderr, "%s: %s\n", t->prog, m);
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

void tool_version(const tool *t)
{
    printf("%s (zstore) %s\n", t->prog, zs_version());
    exit(tool_close_stdout(t));
}
