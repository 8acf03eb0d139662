/*
 * fuzz_select.c - selection specifications (zsel --sel, --isel,
 * --tolerance) from arbitrary bytes, resolved against a small dataset.
 *
 * Byte 0 picks one of four copies of the dataset, which differ only in
 * the calendar of their time coordinate (standard, noleap, 360_day,
 * julian).  The rest is cut at newlines into up to eight lines: "s SPEC"
 * adds zs_select_opts_add_sel(SPEC), "i SPEC" zs_select_opts_add_isel,
 * "t TEXT" zs_select_opts_set_tolerance, "l N" zs_select_opts_set_lon;
 * other lines are ignored.  When the options are accepted,
 * zs_select_plan resolves them, and a plan that succeeds is described
 * and read as CSV (the dataset is small: every output is a few hundred
 * rows at most).  Checks:
 *  - no crash, leak or undefined behaviour, whatever the text;
 *  - every line of the description and of the CSV is NUL-free text;
 *  - the CSV (of selections of up to 1000 points) has the header and
 *    one row per selected point: its number
 *    of lines is 1 + the product of the output lengths (the description
 *    gives them, "DIM: N of M ...", for the dimensions selected; the
 *    others keep their whole length).
 *
 * The dataset: time (48 steps of 6 hours from 2000-02-27, crossing the
 * end of February in every calendar), latitude (10, descending),
 * longitude (12, 0 to 330 degrees_east) and t(time, latitude, longitude),
 * int16 packed, chunks 8 x 5 x 6, with one chunk missing (fill value).
 * It is written once, as a Zarr v2 folder in a private sandbox.
 */
#include "config.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstore.h>

#include "util/zsi_util.h"
#include "fuzz.h"

static zs_ctx *ctx;
static zs_dataset *ds[4];
static char sandbox[PATH_MAX];

static const char *const calendars[4] = {"standard", "noleap", "360_day",
                                         "julian"};

static void put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[PATH_MAX + 64];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f))
        abort();
}

static void put_text(const char *dir, const char *name, const char *text)
{
    put(dir, name, text, strlen(text));
}

/* One array folder: .zarray and .zattrs, no compressor. */
static void array(const char *root, const char *name, const char *dtype,
                  const char *shape, const char *chunks, const char *fill,
                  const char *attrs)
{
    char dir[PATH_MAX + 64], text[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    if (mkdir(dir, 0777) != 0)
        abort();
    snprintf(text, sizeof text, "{\"zarr_format\": 2, \"shape\": [%s], "
             "\"chunks\": [%s], \"dtype\": \"%s\", \"compressor\": null, "
             "\"fill_value\": %s, \"filters\": null, \"order\": \"C\"}",
             shape, chunks, dtype, fill);
    put_text(dir, ".zarray", text);
    put_text(dir, ".zattrs", attrs);
}

static void write_store(const char *root, const char *calendar)
{
    char attrs[512], dir[PATH_MAX + 64], key[32];
    double time[48];
    float lat[10], lon[12];
    int16_t t[8 * 5 * 6];
    if (mkdir(root, 0777) != 0)
        abort();
    put_text(root, ".zgroup", "{\"zarr_format\": 2}");
    put_text(root, ".zattrs", "{\"Conventions\": \"CF-1.8\"}");
    snprintf(attrs, sizeof attrs, "{\"_ARRAY_DIMENSIONS\": [\"time\"], "
             "\"units\": \"hours since 2000-02-27 00:00:00\", "
             "\"calendar\": \"%s\", \"standard_name\": \"time\"}",
             calendar);
    array(root, "time", "<f8", "48", "48", "null", attrs);
    array(root, "latitude", "<f4", "10", "10", "null",
          "{\"_ARRAY_DIMENSIONS\": [\"latitude\"], "
          "\"units\": \"degrees_north\"}");
    array(root, "longitude", "<f4", "12", "12", "null",
          "{\"_ARRAY_DIMENSIONS\": [\"longitude\"], "
          "\"units\": \"degrees_east\"}");
    array(root, "t", "<i2", "48, 10, 12", "8, 5, 6", "-32767",
          "{\"_ARRAY_DIMENSIONS\": [\"time\", \"latitude\", "
          "\"longitude\"], \"scale_factor\": 0.01, \"add_offset\": 273.15, "
          "\"_FillValue\": -32767, \"units\": \"K\"}");
    /* little-endian hosts only write these raw: the fuzzers run on x86 */
    for (int i = 0; i < 48; i++)
        time[i] = 6.0 * i;
    for (int i = 0; i < 10; i++)
        lat[i] = 45.0f - 10.0f * (float)i;
    for (int i = 0; i < 12; i++)
        lon[i] = 30.0f * (float)i;
    snprintf(dir, sizeof dir, "%s/time", root);
    put(dir, "0", time, sizeof time);
    snprintf(dir, sizeof dir, "%s/latitude", root);
    put(dir, "0", lat, sizeof lat);
    snprintf(dir, sizeof dir, "%s/longitude", root);
    put(dir, "0", lon, sizeof lon);
    snprintf(dir, sizeof dir, "%s/t", root);
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++) {
                if (a == 2 && b == 1 && c == 0)
                    continue;   /* a missing chunk: the fill value */
                for (int i = 0; i < 8 * 5 * 6; i++)
                    t[i] = (int16_t)(a * 1000 + b * 100 + c * 10 + i % 7 -
                                     (i == 17 ? 32767 + 3 : 0));
                snprintf(key, sizeof key, "%d.%d.%d", a, b, c);
                put(dir, key, t, sizeof t);
            }
}

static void cleanup(void)
{
    for (int i = 0; i < 4; i++)
        zs_dataset_close(ds[i]);
    zs_ctx_free(ctx);
    fuzz_rm_tree(sandbox);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/zsfuzz-select.XXXXXX",
             t && *t ? t : "/tmp");
    if (!mkdtemp(sandbox) || zs_ctx_new(&ctx) != ZS_OK)
        abort();
    atexit(cleanup);
    zs_ctx_set_threads(ctx, 1);
    for (int i = 0; i < 4; i++) {
        char root[PATH_MAX + 32];
        snprintf(root, sizeof root, "%s/%s.zarr", sandbox, calendars[i]);
        write_store(root, calendars[i]);
        if (zs_dataset_open(ctx, root, &ds[i]) != ZS_OK) {
            fprintf(stderr, "fuzz_select: %s\n", zs_ctx_message(ctx));
            abort();
        }
    }
}

typedef struct lines {
    uint64_t n;          /* lines seen */
    uint64_t len[3];     /* output lengths of time, latitude, longitude */
} lines;

static void text_ok(const char *line)
{
    if (!line)
        FUZZ_FAIL("a NULL line");
}

/* "DIM: N of M..." for each selected dimension; the others keep their
 * whole length in the output */
static void describe_line(void *user, const char *line)
{
    static const char *const dims[3] = {"time", "latitude", "longitude"};
    lines *l = user;
    unsigned long long n = 0, m = 0;
    text_ok(line);
    l->n++;
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(dims[i]);
        if (!strncmp(line, dims[i], k) && line[k] == ':' &&
            sscanf(line + k + 1, " %llu of %llu", &n, &m) == 2)
            l->len[i] = n;
    }
}

static void count_line(void *user, const char *line)
{
    lines *l = user;
    text_ok(line);
    l->n++;
}

static void apply(zs_select_opts *o, char op, const char *arg, bool *ok)
{
    zs_status st = ZS_OK;
    switch (op) {
    case 's':
        st = zs_select_opts_add_sel(o, arg);
        break;
    case 'i':
        st = zs_select_opts_add_isel(o, arg);
        break;
    case 't':
        st = zs_select_opts_set_tolerance(o, arg);
        break;
    case 'l':
        st = zs_select_opts_set_lon(o, atoi(arg));
        break;
    default:
        return;
    }
    if (st != ZS_OK && st != ZS_ERR_INVALID)
        FUZZ_FAIL("an option failed with %d, not ZS_ERR_INVALID", st);
    if (st != ZS_OK)
        *ok = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zs_select_opts *o = NULL;
    zs_selection *sel = NULL;
    char *text;
    char *save = NULL, *line;
    bool ok = true;
    int nlines = 0;
    if (!ctx)
        setup();
    if (size < 1 || size > 4096)
        return 0;
    text = malloc(size);
    if (!text || zs_select_opts_new(ctx, &o) != ZS_OK)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    for (line = strtok_r(text, "\n", &save); line && nlines < 8;
         line = strtok_r(NULL, "\n", &save), nlines++)
        if (strlen(line) >= 2 && line[1] == ' ')
            apply(o, line[0], line + 2, &ok);
    if (ok && zs_select_plan(ds[data[0] % 4], o, NULL, &sel) == ZS_OK) {
        lines d = {0, {48, 10, 12}}, c = {0, {0, 0, 0}};
        uint64_t points;
        if (zs_select_describe(sel, describe_line, &d) != ZS_OK)
            FUZZ_FAIL("a plan that succeeded cannot be described");
        points = d.len[0] * d.len[1] * d.len[2];
        /* (the CSV of everything is 5760 rows: slow under ASan, and no
         * more telling than a smaller one) */
        if (points <= 1000 &&
            zs_select_csv(sel, count_line, &c) == ZS_OK &&
            c.n != points + 1)
            FUZZ_FAIL("the CSV has %llu lines, the description says "
                      "%llu points", (unsigned long long)c.n,
                      (unsigned long long)points);
        zs_select_plan_free(sel);
    }
    zs_select_opts_free(o);
    free(text);
    return 0;
}

#ifndef ZS_LIBFUZZER
int zs_fuzz_seeds(const char *dir)
{
    (void)dir;
    return 0;
}
#endif
