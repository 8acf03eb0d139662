/*
 * fuzz_nc.c - NetCDF files with hostile headers, imported through
 * netCDF-C (NetCDF-3 classic, 64-bit offset and CDF-5, and NetCDF-4/HDF5).
 * The input is written to a private sandbox as in.nc and opened with
 * zs_dataset_open, as nc2zarr and zinfo open their inputs.  When it
 * opens:
 *  - the description (zs_dataset_describe, as zinfo prints it) runs;
 *  - every variable of at most 2^16 elements is checksummed (read whole,
 *    as zinfo --checksum does); bigger ones have their first element
 *    read;
 *  - every dimension a variable names has the length of the variable
 *    along it, in the variable's group or above;
 *  - no crash, leak or undefined behaviour in our code, whatever the
 *    bytes.  Leaks inside libnetcdf and HDF5 (nc_open of a refused file
 *    returns no handle to close) are suppressed: tests/fuzz/lsan.supp.
 * Nothing but the input may appear in the sandbox.
 *
 * NetCDF-4 files (an HDF5 signature) are skipped unless ZS_FUZZ_HDF5=1:
 * HDF5 1.10.8 (Debian 12) crashes in its own code on damaged files
 * within seconds of fuzzing (a free of an uninitialised pointer in
 * H5G__dense_iterate, inside nc_open), which no caller can prevent; the
 * fuzzing would stop there every time.  What is fuzzed is netCDF-C's own
 * reader of the classic formats (CDF-1, CDF-2, CDF-5) and our import.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include <zstore.h>

#include "fuzz.h"

static zs_ctx *ctx;
static char sandbox[PATH_MAX];
static bool hdf5;    /* ZS_FUZZ_HDF5=1: NetCDF-4 inputs too */

static void cleanup(void)
{
    zs_ctx_free(ctx);
    fuzz_rm_tree(sandbox);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/zsfuzz-nc.XXXXXX",
             t && *t ? t : "/tmp");
    if (!mkdtemp(sandbox) || zs_ctx_new(&ctx) != ZS_OK)
        abort();
    atexit(cleanup);
    zs_ctx_set_threads(ctx, 1);
    zs_ctx_set_option(ctx, "tmpdir", sandbox);
    hdf5 = getenv("ZS_FUZZ_HDF5") && !strcmp(getenv("ZS_FUZZ_HDF5"), "1");
}

static int entries(void)
{
    DIR *d = opendir(sandbox);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void ignore_line(void *user, const char *line)
{
    (void)user;
    if (!line)
        FUZZ_FAIL("a NULL description line");
}

/* The length of dimension name seen from group g (or its parents). */
static bool dim_len(const zs_group *g, const char *name, uint64_t *len)
{
    for (size_t i = 0; i < zs_group_ndims(g); i++)
        if (!strcmp(zs_group_dim_name(g, i), name)) {
            *len = zs_group_dim_size(g, i);
            return true;
        }
    return false;
}

static void check_var(zs_group *g, zs_group *const *up, int nup, zs_var *v)
{
    const uint64_t *shape = zs_var_shape(v);
    uint64_t total = 1, start[ZS_MAX_DIMS] = {0}, one[ZS_MAX_DIMS];
    char hex[65];
    int nd = zs_var_ndim(v);
    (void)g;
    for (int d = 0; d < nd; d++) {
        const char *name = zs_var_dim_name(v, d);
        uint64_t len = 0;
        bool found = false;
        for (int k = nup - 1; k >= 0 && !found; k--)
            found = dim_len(up[k], name, &len);
        if (found && len != shape[d])
            FUZZ_FAIL("%s: dimension %s has length %llu, the variable "
                      "%llu", zs_var_path(v), name, (unsigned long long)len,
                      (unsigned long long)shape[d]);
        total = shape[d] && total > UINT64_MAX / shape[d] ? UINT64_MAX
                                                           : total * shape[d];
        one[d] = 1;
    }
    if (zs_var_problem(v) || total == 0)
        return;
    if (total <= (1u << 16)) {
        zs_var_checksum(v, hex);
    } else {
        /* one element: 8 bytes suffice for every fixed dtype but
         * fixed-width strings, which take itemsize bytes */
        size_t w = zs_var_itemsize(v);
        void *buf = calloc(1, w > 8 ? w : 8);
        if (!buf)
            abort();
        if (zs_var_read(v, start, one, buf) == ZS_OK &&
            zs_var_dtype(v) == ZS_DT_STRING)
            free(*(char **)buf);
        free(buf);
    }
}

static void walk(zs_group *g, zs_group **up, int nup)
{
    if (nup >= 64)
        return;
    up[nup++] = g;
    for (size_t i = 0; i < zs_group_nvars(g); i++)
        check_var(g, up, nup, zs_group_var(g, i));
    for (size_t i = 0; i < zs_group_ngroups(g); i++)
        walk(zs_group_child(g, i), up, nup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[PATH_MAX + 16];
    zs_dataset *ds = NULL;
    zs_group *up[64];
    FILE *f;
    if (!ctx)
        setup();
    if (size > (1 << 20))
        return 0;
    /* HDF5's signature, at 0 or a power of two from 512 on (a user
     * block): see above */
    for (size_t at = 0; !hdf5 && at + 8 <= size; at = at ? at * 2 : 512)
        if (!memcmp(data + at, "\x89HDF\r\n\x1a\n", 8))
            return 0;
    snprintf(path, sizeof path, "%s/in.nc", sandbox);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f))
        abort();
    if (zs_dataset_open(ctx, path, &ds) == ZS_OK) {
        zs_dataset_describe(ds, ZS_DESCRIBE_STORAGE | ZS_DESCRIBE_ATTRS,
                            ignore_line, NULL);
        walk(zs_dataset_root(ds), up, 0);
        zs_dataset_close(ds);
    }
    if (entries() != 1)
        FUZZ_FAIL("the sandbox holds %d entries, not just the input",
                  entries());
    unlink(path);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *dir)
{
    (void)dir;
    return 0;
}
#endif
