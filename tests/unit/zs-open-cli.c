/*
 * zs-open-cli - open a store or NetCDF file through the public API with
 * any context options, and print what zinfo --checksum prints: a test
 * helper for library options that no tool flag reaches yet.
 *
 *   zs-open-cli [-o NAME=VALUE]... [-j N] STORE
 *
 * Prints "SHA256  PATH" per variable, sorted by path; on failure
 * "zs-open-cli: STORE: MESSAGE" and exit status 1; 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstore.h>

typedef struct vars {
    zs_var **v;
    size_t n;
} vars;

static void collect(vars *vs, zs_group *g)
{
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        zs_var **v = realloc(vs->v, (vs->n + 1) * sizeof *v);
        if (!v)
            abort();
        vs->v = v;
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

int main(int argc, char **argv)
{
    zs_ctx *ctx;
    zs_dataset *ds;
    vars vs = {NULL, 0};
    zs_status st;
    int c, rc = 0;
    if (zs_ctx_new(&ctx) != ZS_OK)
        return 1;
    while ((c = getopt(argc, argv, "o:j:")) != -1) {
        char *eq = c == 'o' ? strchr(optarg, '=') : NULL;
        if (c == 'o' && eq) {
            *eq = 0;
            if (zs_ctx_set_option(ctx, optarg, eq + 1) != ZS_OK) {
                fprintf(stderr, "zs-open-cli: %s\n", zs_ctx_message(ctx));
                zs_ctx_free(ctx);
                return 2;
            }
        } else if (c == 'j') {
            zs_ctx_set_threads(ctx, atoi(optarg));
        } else {
            fprintf(stderr, "usage: zs-open-cli [-o NAME=VALUE]... [-j N] "
                    "STORE\n");
            zs_ctx_free(ctx);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: zs-open-cli [-o NAME=VALUE]... STORE\n");
        zs_ctx_free(ctx);
        return 2;
    }
    st = zs_dataset_open(ctx, argv[optind], &ds);
    if (st != ZS_OK) {
        fprintf(stderr, "zs-open-cli: %s\n", zs_ctx_message(ctx));
        zs_ctx_free(ctx);
        return 1;
    }
    collect(&vs, zs_dataset_root(ds));
    if (vs.n)
        qsort(vs.v, vs.n, sizeof *vs.v, cmp_path);
    for (size_t i = 0; i < vs.n; i++) {
        char hex[65];
        if (zs_var_checksum(vs.v[i], hex) == ZS_OK) {
            printf("%s  %s\n", hex, zs_var_path(vs.v[i]));
        } else {
            fprintf(stderr, "zs-open-cli: %s\n", zs_ctx_message(ctx));
            rc = 1;
        }
    }
    free(vs.v);
    zs_dataset_close(ds);
    zs_ctx_free(ctx);
    return rc;
}
