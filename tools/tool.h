/*
 * tool.h - what every zstore tool shares: messages in the form
 * "prog: path: message", usage errors (exit 2), the progress bar, and
 * checking that standard output was written.  Tools include only
 * <zstore.h> and this header.
 */
#ifndef ZS_TOOL_H
#define ZS_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <zstore.h>

/* Exit statuses shared by the tools. */
enum { TOOL_OK = 0, TOOL_FAIL = 1, TOOL_USAGE = 2 };

typedef struct tool {
    const char *prog;
    int quiet;
    int progress;        /* draw the progress bar */
    double t0;           /* start time of the progress */
    double last_draw;
    int drawn;
} tool;

/* Also passes the environment on as context options: ZSTORE_TOKEN,
 * ZSTORE_CA_BUNDLE, NETRC (or ~/.netrc), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION (AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_S3
 * (AWS_ENDPOINT_URL), AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE (or
 * ~/.aws/credentials), TMPDIR. */
void tool_init(tool *t, const char *prog, zs_ctx *ctx);

/* Options every tool that reads or writes stores takes, for its
 * getopt_long table; tool_net_option() handles them. */
enum { TOOL_OPT_RETRIES = 0x1000, TOOL_OPT_TIMEOUT, TOOL_OPT_INSECURE,
       TOOL_OPT_DEADLINE };
#define TOOL_NET_LONGOPTS                                                   \
    {"retries", required_argument, NULL, TOOL_OPT_RETRIES},                 \
    {"timeout", required_argument, NULL, TOOL_OPT_TIMEOUT},                 \
    {"deadline", required_argument, NULL, TOOL_OPT_DEADLINE},               \
    {"insecure", no_argument, NULL, TOOL_OPT_INSECURE}
/* Their lines for --help. */
#define TOOL_NET_HELP                                                       \
    "      --retries N          retry failed network requests N times\n"    \
    "                           (default 5)\n"                              \
    "      --timeout SEC        network timeout: to connect, and without\n" \
    "                           progress (default 30)\n"                    \
    "      --deadline SEC       give up on a remote store's requests SEC\n"  \
    "                           seconds after opening it (default: never)\n"\
    "      --insecure           do not verify TLS certificates (unsafe)\n"
/* True if c was one of them (and it is now set in ctx). */
bool tool_net_option(tool *t, zs_ctx *ctx, int c, const char *arg);
/* "prog: message" to stderr. */
void tool_msg(const tool *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "prog: path: <context message or strerror>". */
void tool_err(const tool *t, zs_ctx *ctx, const char *path, zs_status st);
/* Usage error: message, the "Try --help" hint, exit 2. */
void tool_usage_error(const tool *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Flush and close stdout; report a write error.  Returns TOOL_OK or
 * TOOL_FAIL. */
int tool_close_stdout(const tool *t);
/* Parse a positive int option value or die with a usage error. */
int tool_int_arg(const tool *t, const char *opt, const char *val, int min,
                 int max);
/* Catch SIGINT, SIGTERM and SIGHUP: the progress callback then asks the
 * library to stop (it cleans up and fails with ZS_ERR_INTERRUPTED). */
void tool_catch_signals(void);
/* Exit status for a failure: 130 after an interruption, else 1. */
int tool_fail_status(zs_status st);
/* Progress callback (pass the tool as user); draws only if t->progress. */
int tool_progress(void *user, uint64_t done, uint64_t total);
/* Finish the progress line. */
void tool_progress_end(tool *t);
/* Print "--version" text and exit 0. */
void tool_version(const tool *t) __attribute__((noreturn));

#endif
