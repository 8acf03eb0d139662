/*
 * tool.h - what every zstore tool shares: the options common to all of
 * them (one handler), messages in the form "prog: path: message" with the
 * flag that helps, usage errors (exit 2), the progress bar, the history
 * line, and checking that standard output was written.  Tools include
 * only <zstore.h> and this header; each main() handles only its own
 * options and passes the rest to tool_option().
 */
#ifndef ZS_TOOL_H
#define ZS_TOOL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <zstore.h>

/* Exit statuses shared by the tools. */
enum { TOOL_OK = 0, TOOL_FAIL = 1, TOOL_USAGE = 2 };

/* A phrase of the library's messages, and the flag a user of this tool
 * sets for it ("tolerance" -> "--tolerance"): tool_err() adds it. */
typedef struct tool_hint {
    const char *concept;
    const char *flag;
} tool_hint;

typedef struct tool {
    const char *prog;
    zs_ctx *ctx;
    zs_write_opts *w;    /* output settings (tools that write stores) */
    void (*usage)(void); /* prints --help */
    const tool_hint *hints;  /* ends with {NULL, NULL}, or NULL */
    const char *out;     /* -o */
    char *history;       /* the command line, as typed */
    int quiet;
    int stats;           /* --stats */
    int want_progress;   /* --progress */
    int progress;        /* draw the progress bar */
    double t0;           /* start time of the progress */
    double last_draw;
    int drawn;
} tool;

/* Options every tool takes (common) and every tool that writes a store
 * takes (write), for the getopt_long tables; tool_option() handles
 * them.  Short options: TOOL_SHORTOPTS and TOOL_WRITE_SHORTOPTS. */
enum {
    TOOL_OPT_RETRIES = 0x1000, TOOL_OPT_TIMEOUT, TOOL_OPT_INSECURE,
    TOOL_OPT_PROGRESS, TOOL_OPT_OVERWRITE, TOOL_OPT_FORMAT, TOOL_OPT_SHARDS,
    TOOL_OPT_COMPRESSOR, TOOL_OPT_STATS, TOOL_OPT_CHECKSUMS, TOOL_OPT_DEADLINE
};
#define TOOL_SHORTOPTS "j:qm:hV"
#define TOOL_WRITE_SHORTOPTS "o:c:"
#define TOOL_LONGOPTS                                                       \
    {"jobs", required_argument, NULL, 'j'},                                 \
    {"quiet", no_argument, NULL, 'q'},                                      \
    {"progress", no_argument, NULL, TOOL_OPT_PROGRESS},                     \
    {"memory", required_argument, NULL, 'm'},                               \
    {"retries", required_argument, NULL, TOOL_OPT_RETRIES},                 \
    {"timeout", required_argument, NULL, TOOL_OPT_TIMEOUT},                 \
    {"deadline", required_argument, NULL, TOOL_OPT_DEADLINE},               \
    {"insecure", no_argument, NULL, TOOL_OPT_INSECURE},                     \
    {"stats", no_argument, NULL, TOOL_OPT_STATS},                           \
    {"help", no_argument, NULL, 'h'},                                       \
    {"version", no_argument, NULL, 'V'}
#define TOOL_WRITE_LONGOPTS                                                 \
    {"output", required_argument, NULL, 'o'},                               \
    {"overwrite", no_argument, NULL, TOOL_OPT_OVERWRITE},                   \
    {"chunks", required_argument, NULL, 'c'},                               \
    {"shards", required_argument, NULL, TOOL_OPT_SHARDS},                   \
    {"zarr-format", required_argument, NULL, TOOL_OPT_FORMAT},              \
    {"compressor", required_argument, NULL, TOOL_OPT_COMPRESSOR},          \
    {"checksums", no_argument, NULL, TOOL_OPT_CHECKSUMS}
/* Their lines for --help. */
#define TOOL_WRITE_HELP                                                     \
"Output:\n"                                                                 \
"  -o, --output STORE       the store to write: a directory, NAME.zip,\n"   \
"                           s3://BUCKET/PREFIX or - (a tar stream on\n"     \
"                           standard output)\n"                             \
"      --overwrite          replace an existing STORE\n"                    \
"  -c, --chunks SPEC        chunk lengths per dimension, e.g.\n"            \
"                           time=24,latitude=-1 (-1: whole; auto: about\n"  \
"                           8 MiB); dimensions left out keep the default\n" \
"      --zarr-format 2|3    Zarr format of the output (default 2)\n"        \
"      --shards SPEC        Zarr v3 shards, lengths per dimension like\n"   \
"                           --chunks (multiples of the chunk length)\n"     \
"      --compressor SPEC    blosc:lz4:5:shuffle, zstd:3, lz4, zlib:1,\n"    \
"                           gzip:5 or none (default: the input's, else\n"   \
"                           blosc:lz4:5:shuffle)\n"                         \
"      --checksums          a checksum in every chunk (crc32c in v3, crc32\n"\
"                           in v2): corruption is found when read\n"
#define TOOL_HELP                                                           \
"Common options:\n"                                                         \
"  -j, --jobs N             threads or worker processes (default: all\n"    \
"                           cores)\n"                                       \
"  -m, --memory SIZE        a bound on memory, e.g. 512M or 2G\n"           \
"  -q, --quiet              no progress bar, no warnings\n"                 \
"      --progress           always show the progress bar\n"                 \
"      --retries N          retry failed network requests N times\n"       \
"                           (default 5)\n"                                  \
"      --timeout SEC        network timeout: to connect, and without\n"     \
"                           progress (default 30)\n"                        \
"      --deadline SEC       give up on a remote store's requests SEC\n"    \
"                           seconds after opening it (default: never)\n"   \
"      --insecure           do not verify TLS certificates (unsafe)\n"      \
"      --stats              print the requests made and bytes read from\n"  \
"                           each input store to standard error\n"           \
"  -h, --help               show this help and exit\n"                      \
"  -V, --version            show the version and exit\n"                    \
"\n"                                                                        \
"Stores: a directory, a .zip file, http:// or https:// (reading),\n"       \
"s3://BUCKET/PREFIX, or - for a tar stream on standard input or output;\n" \
"see zstore(5).\n"

/* Start a tool: a context (the environment passed on as its options:
 * ZSTORE_TOKEN, ZSTORE_CA_BUNDLE, NETRC (or ~/.netrc), AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (AWS_DEFAULT_REGION),
 * AWS_ENDPOINT_URL_S3 (AWS_ENDPOINT_URL), AWS_PROFILE,
 * AWS_SHARED_CREDENTIALS_FILE (or ~/.aws/credentials), TMPDIR), output
 * settings if the tool writes stores, and the history line from argv.
 * Exits with a message if there is no memory. */
void tool_start(tool *t, const char *prog, int argc, char **argv,
                bool writes, void (*usage)(void), const tool_hint *hints);
/* Handle a shared option: true if c was one (usage errors exit 2; --help
 * and --version exit 0).  Anything else that is not the tool's own is an
 * unknown option: the "Try --help" hint and exit 2. */
bool tool_option(tool *t, int c, const char *arg);
void tool_bad_option(const tool *t) __attribute__((noreturn));
/* The options are read: the progress bar (on a terminal, or asked for,
 * unless quiet; bar false for tools that print results on stdout) and
 * the history line in the output settings. */
void tool_ready(tool *t, bool bar);
/* Catch SIGINT, SIGTERM and SIGHUP: the progress callback then asks the
 * library to stop (it cleans up and fails with ZS_ERR_INTERRUPTED). */
void tool_catch_signals(void);
/* Free what tool_start made. */
void tool_finish(tool *t);

/* "prog: message" to stderr. */
void tool_msg(const tool *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "prog: path: <context message or strerror>", with the flag of the
 * tool's hints that the message mentions. */
void tool_err(const tool *t, const char *path, zs_status st);
/* Usage error: message, the "Try --help" hint, exit 2. */
void tool_usage_error(const tool *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* A library setter failed on the value of option opt: usage error with
 * the library's reason. */
void tool_bad_value(const tool *t, const char *opt)
    __attribute__((noreturn));
/* Flush and close stdout; report a write error.  Returns TOOL_OK or
 * TOOL_FAIL. */
int tool_close_stdout(const tool *t);
/* Parse an int option value or die with a usage error. */
int tool_int_arg(const tool *t, const char *opt, const char *val, int min,
                 int max);
/* The value of --dtype: float32 or float64, or die with a usage error. */
zs_dtype tool_dtype_arg(const tool *t, const char *val);
/* Exit status for a failure: 130 after an interruption, else 1. */
int tool_fail_status(zs_status st);
/* Progress callback (pass the tool as user); draws only if t->progress. */
int tool_progress(void *user, uint64_t done, uint64_t total);
/* Finish the progress line. */
void tool_progress_end(tool *t);
/* The one input store of a tool that takes one (a usage error
 * otherwise). */
const char *tool_input(const tool *t, int argc, char **argv);
/* The end of a run on input: the progress line finished; on failure the
 * message (naming the output if there is one) and the failure's exit
 * status; on success the --stats line and standard output closed. */
int tool_done(tool *t, zs_status st, zs_dataset *ds, const char *input);
/* With --stats: "prog: name: N requests, B bytes read" to stderr. */
void tool_stats(const tool *t, zs_dataset *ds, const char *name);
/* Print each line to stdout (a zs_line_fn). */
void tool_print_line(void *user, const char *line);

#endif
