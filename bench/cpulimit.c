/* cpulimit - the CPU-bound floor of a NetCDF to Zarr conversion: the
 * time one thread needs to read every value of the inputs through
 * netCDF-C, and the time one thread needs to blosc-encode those values
 * (lz4, level 5, byte shuffle: nc2zarr's default) in chunks of about
 * 8 MiB.  The floor on N cores is (read + encode) / N.
 *
 * Usage: cpulimit FILE...   prints "read SECONDS", "encode SECONDS",
 * "raw BYTES" and "compressed BYTES". */
#include <blosc.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "cpulimit: %s: %s\n", what, nc_strerror(rc));
    exit(1);
}

/* Read variable v of file f record by record; encode each ~8 MiB of it. */
static void one_var(int nc, int v, double *tr, double *te, double *raw,
                    double *comp)
{
    int nd, dims[NC_MAX_VAR_DIMS], rc;
    size_t len[NC_MAX_VAR_DIMS], start[NC_MAX_VAR_DIMS] = {0};
    size_t count[NC_MAX_VAR_DIMS], rec = 1, per = 1, size;
    nc_type t;
    if ((rc = nc_inq_var(nc, v, NULL, &t, &nd, dims, NULL)))
        die("inq_var", rc);
    if ((rc = nc_inq_type(nc, t, NULL, &size)))
        die("inq_type", rc);
    for (int i = 0; i < nd; i++) {
        nc_inq_dimlen(nc, dims[i], &len[i]);
        count[i] = len[i];
        if (i > 0)
            per *= len[i];
    }
    if (nd > 0) {
        rec = len[0];
        count[0] = 1;
    } else {
        per = 1;
    }
    /* as many records per block as make about 8 MiB */
    size_t step = per * size > 0 ? (8u << 20) / (per * size) : 1;
    if (step < 1)
        step = 1;
    size_t bytes = step * per * size;
    char *buf = malloc(bytes), *out = malloc(bytes + BLOSC_MAX_OVERHEAD);
    for (size_t r = 0; r < rec; r += step) {
        size_t n = rec - r < step ? rec - r : step;
        double t0 = now();
        if (nd > 0) {
            start[0] = r;
            count[0] = n;
        }
        if ((rc = nc_get_vara(nc, v, start, count, buf)))
            die("get_vara", rc);
        double t1 = now();
        int c = blosc_compress_ctx(5, BLOSC_SHUFFLE, size, n * per * size,
                                   buf, out, bytes + BLOSC_MAX_OVERHEAD,
                                   "lz4", 0, 1);
        double t2 = now();
        if (c <= 0) {
            fprintf(stderr, "cpulimit: blosc failed\n");
            exit(1);
        }
        *tr += t1 - t0;
        *te += t2 - t1;
        *raw += (double)(n * per * size);
        *comp += c;
    }
    free(buf);
    free(out);
}

int main(int argc, char **argv)
{
    double tr = 0, te = 0, raw = 0, comp = 0;
    blosc_init();
    for (int i = 1; i < argc; i++) {
        int nc, nv, rc;
        if ((rc = nc_open(argv[i], NC_NOWRITE, &nc)))
            die(argv[i], rc);
        nc_inq_nvars(nc, &nv);
        for (int v = 0; v < nv; v++)
            one_var(nc, v, &tr, &te, &raw, &comp);
        nc_close(nc);
    }
    printf("read %.3f\nencode %.3f\nraw %.0f\ncompressed %.0f\n", tr, te, raw,
           comp);
    blosc_destroy();
    return 0;
}
