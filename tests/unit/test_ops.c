/*
 * test_ops.c - the operations through the public API only (zstore.h), as
 * a program using the library would call them: one shape for every
 * operation (opts, plan, describe, run, free); setters that refuse bad
 * values leave a message naming the concept, never a command-line flag;
 * large thread counts work (more workers than the conversion forks);
 * every operation writes through the same writer (v2, v3, sharded, to a
 * folder or memory) with the values intact; a regridding onto the
 * source's own grid gives the source's values.
 *
 * Inputs: the ERA5-like samples in $top_builddir/data-samples/out/era5.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstore.h>

#include "tap.h"

static zs_ctx *ctx;
static char era5[3][512];
static const char *const inputs[3] = {era5[0], era5[1], era5[2]};

static void line_count(void *user, const char *line)
{
    (void)line;
    (*(int *)user)++;
}

/* The digests of every array of a store, concatenated in path order. */
static char *digests(const char *store)
{
    zs_dataset *ds;
    static char buf[16][65];
    char *all = calloc(16 * 80, 1);
    zs_group *g;
    if (!all || zs_dataset_open(ctx, store, &ds) != ZS_OK) {
        free(all);
        return NULL;
    }
    g = zs_dataset_root(ds);
    for (size_t i = 0; i < zs_group_nvars(g) && i < 16; i++) {
        zs_var *v = zs_group_var(g, i);
        if (zs_var_checksum(v, buf[i]) != ZS_OK) {
            free(all);
            all = NULL;
            break;
        }
        strcat(all, zs_var_name(v));
        strcat(all, "=");
        strcat(all, buf[i]);
        strcat(all, ";");
    }
    zs_dataset_close(ds);
    return all;
}

/* A setter refused v with ZS_ERR_INVALID and a message holding want and
 * no "--". */
static void refused(zs_status st, const char *what, const char *want)
{
    const char *m = zs_ctx_message(ctx);
    TAP_OK(st == ZS_ERR_INVALID && strstr(m, want) && !strstr(m, "--"),
           "%s refused: \"%s\"", what, m);
}

static void t_setters(void)
{
    zs_write_opts *w;
    zs_select_opts *s;
    zs_reduce_opts *r;
    zs_rechunk_opts *k;
    zs_convert_opts *c;
    if (zs_write_opts_new(ctx, &w) != ZS_OK ||
        zs_select_opts_new(ctx, &s) != ZS_OK ||
        zs_reduce_opts_new(ctx, &r) != ZS_OK ||
        zs_rechunk_opts_new(ctx, &k) != ZS_OK ||
        zs_convert_opts_new(ctx, &c) != ZS_OK) {
        TAP_OK(0, "options objects");
        return;
    }
    refused(zs_write_opts_set_chunks(w, "time=0"), "chunks time=0",
            "chunks 'time=0'");
    refused(zs_write_opts_set_chunks(w, "time=4,time=8"), "a dimension "
            "given twice", "dimension 'time' given twice");
    refused(zs_write_opts_set_shards(w, "auto"), "shards auto",
            "shards 'auto'");
    refused(zs_write_opts_set_format(w, 4), "Zarr format 4",
            "Zarr format 4");
    refused(zs_write_opts_set_compressor(w, "zstd:99"), "zstd level 99",
            "out of range");
    refused(zs_select_opts_add_sel(s, "latitude"), "a selection without "
            "=", "selection 'latitude'");
    refused(zs_select_opts_set_tolerance(s, "1 week"), "tolerance 1 week",
            "tolerance '1 week'");
    refused(zs_select_opts_set_vars(s, "a,,b"), "an empty variable name",
            "an empty name");
    refused(zs_reduce_opts_set_op(r, "median"), "operation median",
            "operation 'median'");
    refused(zs_reduce_opts_set_groupby(r, "time.week"), "groups by week",
            "groups 'time.week'");
    refused(zs_rechunk_opts_set_temp(k, "-"), "an intermediate stream",
            "intermediate store '-'");
    refused(zs_convert_opts_set_overlap(c, 7), "overlap policy 7",
            "overlap policy 7");
    TAP_OK(zs_write_opts_set_chunks(w, "auto") == ZS_OK &&
           zs_write_opts_set_chunks(w, "time=24,latitude=-1") == ZS_OK &&
           zs_write_opts_set_shards(w, "time=-1") == ZS_OK &&
           zs_write_opts_set_format(w, 3) == ZS_OK &&
           zs_write_opts_set_compressor(w, "none") == ZS_OK,
           "good values are taken");
    zs_write_opts_free(w);
    zs_select_opts_free(s);
    zs_reduce_opts_free(r);
    zs_rechunk_opts_free(k);
    zs_convert_opts_free(c);
    zs_write_opts_free(NULL);
    zs_select_opts_free(NULL);
    zs_reduce_opts_free(NULL);
    zs_rechunk_opts_free(NULL);
    zs_convert_opts_free(NULL);
    zs_convert_plan_free(NULL);
    zs_select_plan_free(NULL);
    zs_reduce_plan_free(NULL);
    zs_rechunk_plan_free(NULL);
    TAP_OK(1, "every _free accepts NULL");
}

/* Convert with n threads into out, v2 or v3 sharded. */
static zs_status convert(int threads, const char *out, int format)
{
    zs_convert_opts *o = NULL;
    zs_write_opts *w = NULL;
    zs_convert *c = NULL;
    int lines = 0;
    zs_status st = zs_ctx_set_threads(ctx, threads);
    if (st == ZS_OK)
        st = zs_convert_opts_new(ctx, &o);
    if (st == ZS_OK)
        st = zs_write_opts_new(ctx, &w);
    if (st == ZS_OK)
        st = zs_write_opts_set_chunks(w, "time=6");
    if (st == ZS_OK && format == 3)
        st = zs_write_opts_set_format(w, 3);
    if (st == ZS_OK && format == 3)
        st = zs_write_opts_set_shards(w, "time=24");
    if (st == ZS_OK)
        st = zs_convert_plan(ctx, inputs, 3, o, w, &c);
    if (st == ZS_OK)
        st = zs_convert_describe(c, line_count, &lines);
    if (st == ZS_OK && lines < 3)
        st = ZS_ERR_FORMAT;
    if (st == ZS_OK)
        st = zs_convert_run(c, out);
    zs_convert_plan_free(c);
    zs_write_opts_free(w);
    zs_convert_opts_free(o);
    return st;
}

static void t_threads(const char *dir)
{
    char a[600], b[600], d[600];
    char *sa = NULL, *sb = NULL, *sd = NULL;
    snprintf(a, sizeof a, "%s/j1.zarr", dir);
    snprintf(b, sizeof b, "%s/j200.zarr", dir);
    snprintf(d, sizeof d, "%s/j200-v3.zarr", dir);
    TAP_OK(convert(1, a, 2) == ZS_OK, "a conversion with 1 thread (%s)",
           zs_ctx_message(ctx));
    TAP_OK(convert(200, b, 2) == ZS_OK, "zs_ctx_set_threads(ctx, 200), "
           "then a conversion works (%s)", zs_ctx_message(ctx));
    TAP_OK(convert(1000, d, 3) == ZS_OK, "1000 threads, v3 sharded (%s)",
           zs_ctx_message(ctx));
    zs_ctx_set_threads(ctx, 2);
    sa = digests(a);
    sb = digests(b);
    sd = digests(d);
    TAP_OK(sa && sb && sd && !strcmp(sa, sb) && !strcmp(sa, sd),
           "the same values whatever the threads and the format");
    free(sa);
    free(sb);
    free(sd);
}

/* select, reduce and rechunk, each: opts, plan, describe, run, free. */
static void t_shape(const char *dir)
{
    char src[600], sel[600], red[600], re[600];
    zs_dataset *ds = NULL;
    zs_select_opts *so = NULL;
    zs_reduce_opts *ro = NULL;
    zs_rechunk_opts *ko = NULL;
    zs_write_opts *w = NULL;
    zs_selection *s = NULL;
    zs_reduction *r = NULL;
    zs_rechunk *k = NULL;
    int ls = 0, lr = 0, lk = 0;
    char *a, *b;
    zs_status st;
    snprintf(src, sizeof src, "%s/j1.zarr", dir);
    snprintf(sel, sizeof sel, "%s/sel.zarr", dir);
    snprintf(red, sizeof red, "%s/red.zarr", dir);
    snprintf(re, sizeof re, "mem://rechunked");
    st = zs_dataset_open(ctx, src, &ds);
    if (st == ZS_OK)
        st = zs_write_opts_new(ctx, &w);
    if (st == ZS_OK)
        st = zs_write_opts_set_format(w, 3);
    if (st == ZS_OK)
        st = zs_select_opts_new(ctx, &so);
    if (st == ZS_OK)
        st = zs_select_opts_add_isel(so, "time=0:10");
    if (st == ZS_OK)
        st = zs_select_plan(ds, so, w, &s);
    if (st == ZS_OK)
        st = zs_select_describe(s, line_count, &ls);
    if (st == ZS_OK)
        st = zs_select_run(s, sel);
    TAP_OK(st == ZS_OK && ls > 0, "select: plan, describe, run (%s)",
           zs_ctx_message(ctx));
    if (st == ZS_OK)
        st = zs_reduce_opts_new(ctx, &ro);
    if (st == ZS_OK)
        st = zs_reduce_plan(ds, ro, NULL, &r);
    if (st == ZS_OK)
        st = zs_reduce_describe(r, line_count, &lr);
    if (st == ZS_OK)
        st = zs_reduce_run(r, red);
    TAP_OK(st == ZS_OK && lr > 0, "reduce: plan, describe, run (%s)",
           zs_ctx_message(ctx));
    if (st == ZS_OK)
        st = zs_write_opts_set_chunks(w, "time=-1,latitude=5");
    if (st == ZS_OK)
        st = zs_rechunk_opts_new(ctx, &ko);
    if (st == ZS_OK)
        st = zs_rechunk_plan(ds, ko, w, &k);
    if (st == ZS_OK)
        st = zs_rechunk_describe(k, line_count, &lk);
    if (st == ZS_OK)
        st = zs_rechunk_run(k, re);
    TAP_OK(st == ZS_OK && lk > 0, "rechunk: plan, describe, run to a "
           "memory store (%s)", zs_ctx_message(ctx));
    a = digests(src);
    b = digests(re);
    TAP_OK(a && b && !strcmp(a, b), "rechunk: the values are intact");
    free(a);
    free(b);
    /* a second run of a plan to an output that exists is refused */
    st = s ? zs_select_run(s, sel) : ZS_ERR_INVALID;
    TAP_OK(st == ZS_ERR_EXISTS && strstr(zs_ctx_message(ctx),
                                         "output exists") &&
           !strstr(zs_ctx_message(ctx), "--"),
           "an output that exists: ZS_ERR_EXISTS, no flag named (%s)",
           zs_ctx_message(ctx));
    zs_select_plan_free(s);
    zs_reduce_plan_free(r);
    zs_rechunk_plan_free(k);
    zs_select_opts_free(so);
    zs_reduce_opts_free(ro);
    zs_rechunk_opts_free(ko);
    zs_write_opts_free(w);
    zs_dataset_close(ds);
}

static void t_regrid_setters(void)
{
    zs_regrid_opts *o;
    if (zs_regrid_opts_new(ctx, &o) != ZS_OK) {
        TAP_OK(0, "regrid options");
        return;
    }
    refused(zs_regrid_opts_set_grid(o, "lat=-10:10:0,lon=0:10:1"),
            "a zero step", "latitude step is zero");
    refused(zs_regrid_opts_set_grid(o, "lat=-10:10:1,lon=10:0:1"),
            "a stop before the start", "longitude stop 0 is before the "
            "start 10");
    refused(zs_regrid_opts_set_grid(o, "lat=0:100:1,lon=0:10:1"),
            "latitudes beyond 90", "latitudes beyond");
    refused(zs_regrid_opts_set_grid(o, "r360"), "a grid that is not one",
            "grid 'r360'");
    refused(zs_regrid_opts_set_method(o, "cubic"), "method cubic",
            "method 'cubic'");
    refused(zs_regrid_opts_set_dims(o, "lat"), "one horizontal dimension",
            "want two names");
    refused(zs_regrid_opts_set_skipna(o, 1, 1.5), "a fraction of 1.5",
            "minimum valid fraction 1.5");
    refused(zs_regrid_opts_set_time(o, ZS_RGTIME_NEAREST, "1M"),
            "a tolerance of a month", "tolerance '1M'");
    TAP_OK(zs_regrid_opts_set_grid(o, "r360x181") == ZS_OK &&
           zs_regrid_opts_set_grid(o, "lat=90:-90:-0.25,lon=0:359.75:0.25")
               == ZS_OK &&
           zs_regrid_opts_set_method(o, "conservative-destarea") == ZS_OK &&
           zs_regrid_opts_set_time(o, ZS_RGTIME_WITHIN, NULL) == ZS_OK,
           "regrid: good values are taken");
    zs_regrid_opts_free(o);
    zs_regrid_opts_free(NULL);
    zs_regrid_plan_free(NULL);
}

/* The decoded value i of a packed int16 variable (NaN for the fill). */
static double decoded(zs_var *v, const int16_t *raw, size_t i)
{
    const zs_attrs *a = zs_var_attrs(v);
    double sc = 1, of = 0;
    size_t k;
    int16_t fill;
    if (zs_var_fill(v, &fill) && raw[i] == fill)
        return 0.0 / 0.0;
    if (zs_attrs_find(a, "scale_factor", &k))
        zs_attrs_get_double(a, k, 0, &sc);
    if (zs_attrs_find(a, "add_offset", &k))
        zs_attrs_get_double(a, k, 0, &of);
    return raw[i] * sc + of;
}

/* Nearest onto the source's own grid: every value the decoded source's,
 * as float32, through plan, describe and run to a memory store; but on
 * the rows at the poles, whose points are all the same point on the
 * sphere (the nearest is then the first). */
static void t_regrid(void)
{
    static int16_t raw[24 * 31 * 60];
    static float out[24 * 31 * 60];
    uint64_t start[3] = {0, 0, 0}, count[3] = {24, 31, 60};
    zs_dataset *ds = NULL, *rd = NULL;
    zs_regrid_opts *o = NULL;
    zs_regrid *r = NULL;
    zs_var *v, *u;
    int lines = 0, same = 1;
    zs_status st = zs_dataset_open(ctx, era5[0], &ds);
    if (st == ZS_OK)
        st = zs_regrid_opts_new(ctx, &o);
    if (st == ZS_OK)
        st = zs_regrid_opts_set_grid(o, "lat=90:-90:-6,lon=0:354:6");
    if (st == ZS_OK)
        st = zs_regrid_opts_set_method(o, "nearest");
    if (st == ZS_OK)
        st = zs_regrid_plan(ds, o, NULL, &r);
    if (st == ZS_OK)
        st = zs_regrid_describe(r, line_count, &lines);
    if (st == ZS_OK)
        st = zs_regrid_run(r, "mem://regridded");
    TAP_OK(st == ZS_OK && lines == 6, "regrid: plan, describe (%d lines), "
           "run (%s)", lines, zs_ctx_message(ctx));
    if (st == ZS_OK)
        st = zs_dataset_open(ctx, "mem://regridded", &rd);
    v = st == ZS_OK ? zs_group_find_var(zs_dataset_root(ds), "t2m") : NULL;
    u = st == ZS_OK ? zs_group_find_var(zs_dataset_root(rd), "t2m") : NULL;
    if (v && u && zs_var_dtype(u) == ZS_DT_FLOAT32 &&
        zs_var_read(v, start, count, raw) == ZS_OK &&
        zs_var_read(u, start, count, out) == ZS_OK)
        for (size_t i = 0; same && i < 24 * 31 * 60; i++) {
            float want = (float)decoded(v, raw, i);
            if (i / 60 % 31 == 0 || i / 60 % 31 == 30)
                continue;
            same = want == out[i] || (want != want && out[i] != out[i]);
        }
    else
        same = 0;
    TAP_OK(same, "regrid: nearest onto the same grid gives the decoded "
           "values, float32");
    zs_dataset_close(rd);
    zs_regrid_plan_free(r);
    zs_regrid_opts_free(o);
    zs_dataset_close(ds);
}

int main(void)
{
    const char *top = getenv("top_builddir");
    char dir[] = "/tmp/zstest-ops.XXXXXX", cmd[600];
    if (!top)
        top = ".";
    for (int i = 0; i < 3; i++)
        snprintf(era5[i], sizeof era5[i],
                 "%s/data-samples/out/era5/era5_sfc_2019-07-0%d.nc", top,
                 i + 1);
    if (zs_ctx_new(&ctx) != ZS_OK || !mkdtemp(dir))
        return 99;
    t_setters();
    t_regrid_setters();
    t_regrid();
    t_threads(dir);
    t_shape(dir);
    zs_ctx_free(ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        TAP_DIAG("could not remove %s", dir);
    return TAP_DONE();
}
