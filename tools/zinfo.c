/* zinfo - describe, checksum or check Zarr stores and NetCDF files. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zinfo [OPTIONS] STORE_OR_NETCDF...\n"
"       zinfo --verify STORE FILE...\n"
"Describe Zarr stores and NetCDF files: dimensions, coordinates with their\n"
"first and last values, variables with dtype, shape, chunks, codecs,\n"
"packing and fill value, storage, attributes.\n"
"\n"
"Options:\n"
"  -v, --verbose    also list every variable's attributes\n"
"      --json       print a JSON document instead (schema in zinfo(1))\n"
"      --checksum   print 'SHA256  PATH' for every array, sorted by path:\n"
"                   SHA-256 of the values in C order as little-endian\n"
"                   bytes of the stored dtype\n"
"      --check      decode every chunk; list missing and corrupt chunks;\n"
"                   exit status 1 if there are any\n"
"      --verify     check each FILE against the manifest of STORE (which\n"
"                   nc2zarr leaves when asked): a line per file, OK or\n"
"                   DIFFERS; exit status 1 if any differs\n"
"  (-v also prints the requests made and bytes read in the summary)\n"
"\n"
TOOL_HELP
"\n"
"Exit status: 0 on success, 1 on failure (or problems found by --check),\n"
"2 on usage errors.");
}

enum { OPT_JSON = 256, OPT_CHECKSUM, OPT_CHECK, OPT_VERIFY };

static const struct option longopts[] = {
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, OPT_JSON},
    {"checksum", no_argument, NULL, OPT_CHECKSUM},
    {"check", no_argument, NULL, OPT_CHECK},
    {"verify", no_argument, NULL, OPT_VERIFY},
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

/* Variables of the whole tree, for --checksum and --check. */
typedef struct vars {
    zs_var **v;
    size_t n, cap;
} vars;

static void collect(vars *vs, zs_group *g)
{
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        if (vs->n == vs->cap) {
            vs->cap = vs->cap ? vs->cap * 2 : 32;
            vs->v = realloc(vs->v, vs->cap * sizeof *vs->v);
            if (!vs->v)
                abort();
        }
        vs->v[vs->n++] = zs_group_var(g, i);
    }
    for (size_t i = 0; i < zs_group_ngroups(g); i++)
        collect(vs, zs_group_child(g, i));
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(zs_var_path(*(zs_var *const *)a),
                  zs_var_path(*(zs_var *const *)b));
}

/* Coordinates (one dimension of their own name) first, then by path: the
 * order our writers give a tar stream, so that one is read in one pass. */
static int cmp_stream(const void *a, const void *b)
{
    zs_var *x = *(zs_var *const *)a, *y = *(zs_var *const *)b;
    const char *dx = zs_var_ndim(x) == 1 ? zs_var_dim_name(x, 0) : NULL;
    const char *dy = zs_var_ndim(y) == 1 ? zs_var_dim_name(y, 0) : NULL;
    bool cx = dx && !strcmp(dx, zs_var_name(x));
    bool cy = dy && !strcmp(dy, zs_var_name(y));
    if (cx != cy)
        return cx ? -1 : 1;
    return cmp_path(a, b);
}

static int checksum(tool *t, zs_dataset *ds, const char *name)
{
    vars vs = {0};
    char (*hex)[65];
    int rc = TOOL_OK;
    collect(&vs, zs_dataset_root(ds));
    /* computed in stream order, printed by path */
    if (vs.n)   /* vs.v is NULL for a store without arrays */
        qsort(vs.v, vs.n, sizeof *vs.v, cmp_stream);
    if (!(hex = calloc(vs.n + 1, sizeof *hex)))
        abort();
    for (size_t i = 0; i < vs.n; i++) {
        zs_status st = zs_var_checksum(vs.v[i], hex[i]);
        if (st != ZS_OK) {
            tool_err(t, name, st);
            rc = TOOL_FAIL;
            hex[i][0] = 0;
        }
    }
    for (size_t i = 0; i < vs.n; i++) {   /* by path: a selection sort */
        size_t m = i;
        for (size_t j = i + 1; j < vs.n; j++)
            if (strcmp(zs_var_path(vs.v[j]), zs_var_path(vs.v[m])) < 0)
                m = j;
        if (m != i) {
            zs_var *tv = vs.v[i];
            char th[65];
            vs.v[i] = vs.v[m];
            vs.v[m] = tv;
            memcpy(th, hex[i], sizeof th);
            memcpy(hex[i], hex[m], sizeof th);
            memcpy(hex[m], th, sizeof th);
        }
        if (hex[i][0])
            printf("%s  %s\n", hex[i], zs_var_path(vs.v[i]));
    }
    free(hex);
    free(vs.v);
    return rc;
}

typedef struct check_out {
    uint64_t problems;
} check_out;

static void problem(void *user, const char *var, const char *key,
                    zs_status code, const char *message)
{
    check_out *c = user;
    (void)var;
    (void)code;
    c->problems++;
    if (strncmp(message, key, strlen(key)) == 0)
        printf("%s\n", message);   /* the message names the key already */
    else
        printf("%s: %s\n", key, message);
}

static int check(tool *t, zs_dataset *ds, const char *name)
{
    vars vs = {0};
    check_out c = {0};
    int rc = TOOL_OK;
    collect(&vs, zs_dataset_root(ds));
    if (vs.n)
        qsort(vs.v, vs.n, sizeof *vs.v, cmp_path);
    for (size_t i = 0; i < vs.n; i++) {
        uint64_t bad = 0;
        zs_status st = zs_var_check(vs.v[i], problem, &c, &bad);
        if (st != ZS_OK) {
            tool_err(t, name, st);
            rc = TOOL_FAIL;
        }
    }
    if (c.problems) {
        tool_msg(t, "%s: %llu missing or corrupt chunk%s", name,
                 (unsigned long long)c.problems, c.problems == 1 ? "" : "s");
        rc = TOOL_FAIL;
    } else if (rc == TOOL_OK) {
        printf("%s: OK (%zu arrays)\n", name, vs.n);
    }
    free(vs.v);
    return rc;
}

/* --verify STORE FILE... */
static int verify(tool *t, int argc, char **argv)
{
    size_t bad = 0;
    zs_status st;
    if (argc < 2)
        tool_usage_error(t, "--verify needs a store and files");
    st = zs_convert_verify(t->ctx, argv[0], (const char *const *)argv + 1,
                           (size_t)argc - 1, tool_print_line, NULL, &bad);
    if (st != ZS_OK) {
        tool_err(t, argv[0], st);
        return TOOL_FAIL;
    }
    if (bad)
        tool_msg(t, "%s: %zu of %d files differ from the store or are not "
                 "in its manifest", argv[0], bad, argc - 1);
    return bad ? TOOL_FAIL : TOOL_OK;
}

int main(int argc, char **argv)
{
    tool t;
    zs_ctx *ctx;
    int c, verbose = 0, json = 0, sums = 0, chk = 0, ver = 0;
    int rc = TOOL_OK, ndocs = 0;
    tool_start(&t, "zinfo", argc, argv, false, usage, NULL);
    ctx = t.ctx;
    while ((c = getopt_long(argc, argv, "v" TOOL_SHORTOPTS, longopts,
                            NULL)) != -1)
        switch (c) {
        case 'v': verbose = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_CHECKSUM: sums = 1; break;
        case OPT_CHECK: chk = 1; break;
        case OPT_VERIFY: ver = 1; break;
        default:
            if (!tool_option(&t, c, optarg))
                tool_bad_option(&t);
        }
    if (optind >= argc)
        tool_usage_error(&t, "no store or file given");
    if (json + sums + chk + ver > 1)
        tool_usage_error(&t, "--json, --checksum, --check and --verify "
                         "exclude each other");
    tool_ready(&t, false);
    if (ver) {
        rc = verify(&t, argc - optind, argv + optind);
        tool_finish(&t);
        if (tool_close_stdout(&t) != TOOL_OK)
            rc = TOOL_FAIL;
        return rc;
    }
    /* several JSON documents make one JSON list */
    if (json && argc - optind > 1)
        fputs("[\n", stdout);
    for (int i = optind; i < argc; i++) {
        const char *name = argv[i];
        zs_dataset *ds;
        zs_status st = zs_dataset_open(ctx, name, &ds);
        if (st != ZS_OK) {
            tool_err(&t, name, st);
            rc = TOOL_FAIL;
            continue;
        }
        if (argc - optind > 1 && (sums || chk))
            printf("# %s\n", name);
        if (sums) {
            if (checksum(&t, ds, name) != TOOL_OK)
                rc = TOOL_FAIL;
        } else if (chk) {
            if (check(&t, ds, name) != TOOL_OK)
                rc = TOOL_FAIL;
        } else if (json) {
            char *text = NULL;
            st = zs_dataset_describe_json(ds, ZS_DESCRIBE_STORAGE, &text);
            if (st == ZS_OK) {
                /* count what was printed: inputs that failed print
                   nothing, and a comma before the first would break
                   the list */
                if (ndocs++ > 0)
                    fputs(",\n", stdout);
                fputs(text, stdout);
            }
            zs_free(text);
        } else {
            st = zs_dataset_describe(ds, ZS_DESCRIBE_STORAGE |
                                     (verbose ? ZS_DESCRIBE_ATTRS : 0),
                                     tool_print_line, NULL);
        }
        if (st != ZS_OK) {
            tool_err(&t, name, st);
            rc = TOOL_FAIL;
        }
        tool_stats(&t, ds, name);
        if (!t.stats && verbose && !json && !sums && !chk) {
            uint64_t req, bytes;
            zs_dataset_io_stats(ds, &req, &bytes);
            if (req)
                printf("Transfers: %llu requests, %llu bytes read\n",
                       (unsigned long long)req, (unsigned long long)bytes);
        }
        zs_dataset_close(ds);
    }
    if (json && argc - optind > 1)
        fputs("]\n", stdout);
    tool_finish(&t);
    if (tool_close_stdout(&t) != TOOL_OK)
        rc = TOOL_FAIL;
    return rc;
}
