/*
 * mksamples: deterministic synthetic NetCDF inputs for zstore.
 *
 *   mksamples samples OUTDIR   small sample sets for tests and demos
 *   mksamples bench OUTDIR     the ERA5-like 0.25 degree benchmark set
 *
 * Every value comes from analytic large-scale patterns (zonal means,
 * seasonal and diurnal cycles, travelling waves, an analytic land mask)
 * plus spatially correlated noise from a seeded generator.  The seed of
 * each field depends only on what the field is (variable, time, grid),
 * never on the file it lands in, so pieces of a period hold exactly the
 * values of the same period written in one file, and two runs write the
 * same bytes.  Only netCDF-C is used.  This is a project utility, not
 * part of libzstore; data-samples/README.md describes every set.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netcdf.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define PROG "mksamples"
#define DEG (M_PI / 180.0)
#define PATHLEN 4096
#define HISTORY "2024-01-01 00:00:00 GMT by mksamples (zstore " \
    "data-samples): synthetic fields, not observations"

/* ------------------------------------------------------------------ */
/* Errors, memory, paths                                               */

static char cur_path[PATHLEN] = "-";
static int verbose;
static FILE *manifest;
static size_t root_len;

static void die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* Every netCDF call goes through NC(): a failure names the file. */
#define NC(call) nc_ok((call), #call)

static void nc_ok(int status, const char *what)
{
    if (status != NC_NOERR)
        die("%s: %s (in %.60s)", cur_path, nc_strerror(status), what);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p;

    if (size != 0 && n > SIZE_MAX / size)
        die("allocation of %zu x %zu bytes overflows", n, size);
    p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

static void path_fmt(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void path_fmt(char *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, PATHLEN, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATHLEN)
        die("path too long");
}

static void mkdir_p(const char *path)
{
    char buf[PATHLEN];
    size_t len = strlen(path);
    char *p;

    if (len == 0 || len >= sizeof buf)
        die("'%s': bad directory name", path);
    memcpy(buf, path, len + 1);
    for (p = buf + 1;; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            die("%s: %s", buf, strerror(errno));
        if (c == '\0')
            break;
        *p = c;
    }
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        die("%s: %s", path, strerror(errno));
    return (uint64_t)st.st_size;
}

/* One MANIFEST line per file: path relative to OUTDIR, tab, summary. */
static void manifest_add(const char *path, const char *desc)
{
    if (verbose)
        fprintf(stderr, PROG ": wrote %s\n", path);
    if (manifest != NULL)
        fprintf(manifest, "%s\t%s\n", path + root_len, desc);
}

/* ------------------------------------------------------------------ */
/* netCDF helpers                                                      */

static int nc_new(const char *path, int cmode)
{
    int nc, old;

    path_fmt(cur_path, "%s", path);
    NC(nc_create(path, cmode | NC_CLOBBER, &nc));
    /* Every value is written explicitly, so prefilling is wasted I/O. */
    NC(nc_set_fill(nc, NC_NOFILL, &old));
    return nc;
}

static void nc_done(int nc)
{
    NC(nc_close(nc));
}

static void att_text(int nc, int v, const char *name, const char *s)
{
    NC(nc_put_att_text(nc, v, name, strlen(s), s));
}

static void att_double(int nc, int v, const char *name, double x)
{
    NC(nc_put_att_double(nc, v, name, NC_DOUBLE, 1, &x));
}

static void att_float(int nc, int v, const char *name, float x)
{
    NC(nc_put_att_float(nc, v, name, NC_FLOAT, 1, &x));
}

static void att_short(int nc, int v, const char *name, short x)
{
    NC(nc_put_att_short(nc, v, name, NC_SHORT, 1, &x));
}

/* The global attributes every sample file starts with. */
static void att_globals(int nc, const char *conventions, const char *title)
{
    att_text(nc, NC_GLOBAL, "Conventions", conventions);
    att_text(nc, NC_GLOBAL, "title", title);
    att_text(nc, NC_GLOBAL, "history", HISTORY);
}

static int def_var(int nc, const char *name, nc_type type, int ndims,
                   const int *dims)
{
    int v;

    NC(nc_def_var(nc, name, type, ndims, dims, &v));
    return v;
}

/* Chunking and zlib for a NetCDF-4 variable. */
static void def_zip(int nc, int v, const size_t *chunks, int shuffle,
                    int level)
{
    NC(nc_def_var_chunking(nc, v, NC_CHUNKED, chunks));
    NC(nc_def_var_deflate(nc, v, shuffle, 1, level));
}

static int def_coord(int nc, const char *name, nc_type type, int dim,
                     const char *units, const char *long_name,
                     const char *std_name)
{
    int v = def_var(nc, name, type, 1, &dim);

    att_text(nc, v, "units", units);
    att_text(nc, v, "long_name", long_name);
    if (std_name != NULL)
        att_text(nc, v, "standard_name", std_name);
    return v;
}

static void put_coord(int nc, int v, const double *x, size_t n)
{
    size_t start = 0;

    NC(nc_put_vara_double(nc, v, &start, &n, x));
}

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, seeded from what a field is             */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t seed_of(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t s = 0x243f6a8885a308d3ULL;

    s ^= splitmix64(&s) ^ a;
    s ^= splitmix64(&s) ^ b;
    s ^= splitmix64(&s) ^ c;
    return splitmix64(&s);
}

/* Approximately normal (sum of four 16-bit uniforms): cheap enough for
 * a million points per field. */
static double rng_gauss(uint64_t *s)
{
    uint64_t v = splitmix64(s);
    double sum = (double)(v & 0xffff) + (double)(v >> 16 & 0xffff)
               + (double)(v >> 32 & 0xffff) + (double)(v >> 48);

    return (sum - 131070.0) * (1.7320508075688772 / 65536.0);
}

/* Unit-variance noise correlated along rows (rx) and between rows (ry),
 * produced one row at a time. */
struct rednoise {
    size_t n;
    double rx, ry;
    double *prev;
    uint64_t s;
    int first;
};

static void red_init(struct rednoise *r, size_t n, double rx, double ry)
{
    r->n = n;
    r->rx = rx;
    r->ry = ry;
    r->prev = xcalloc(n, sizeof(double));
    r->s = 0;
    r->first = 1;
}

static void red_start(struct rednoise *r, uint64_t seed)
{
    r->s = seed;
    r->first = 1;
}

static void red_row(struct rednoise *r, double *out)
{
    double cx = sqrt(1.0 - r->rx * r->rx);
    double cy = sqrt(1.0 - r->ry * r->ry);
    double x = rng_gauss(&r->s);
    size_t i;

    for (i = 0; i < r->n; i++) {
        if (i > 0)
            x = r->rx * x + cx * rng_gauss(&r->s);
        out[i] = r->first ? x : r->ry * r->prev[i] + cy * x;
        r->prev[i] = out[i];
    }
    r->first = 0;
}

static void red_free(struct rednoise *r)
{
    free(r->prev);
    r->prev = NULL;
}

/* A whole 2-D field of red noise. */
static void red_field(size_t ny, size_t nx, double rxy, uint64_t seed,
                      double *out)
{
    struct rednoise r;
    size_t j;

    red_init(&r, nx, rxy, rxy);
    red_start(&r, seed);
    for (j = 0; j < ny; j++)
        red_row(&r, out + j * nx);
    red_free(&r);
}

/* ------------------------------------------------------------------ */
/* Dates (proleptic Gregorian, days since 1970-01-01)                  */

static long days_from_civil(long y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

#define DAYS_1900 (-25567L) /* 1900-01-01 in days since 1970-01-01 */

static long hours1900(int y, int m, int d)
{
    return (days_from_civil(y, m, d) - DAYS_1900) * 24;
}

static void iso_date(char *buf, size_t n, long days1970)
{
    int y, m, d;

    civil_from_days(days1970, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

/* ------------------------------------------------------------------ */
/* Geography: an analytic land mask and elevation                      */

struct blob {
    double lat, lon, rlat, rlon, elev;
};

/* Rough continents: ellipses in latitude/longitude with a wavy coast. */
static const struct blob continents[] = {
    { 50.0, 260.0, 22.0, 36.0, 500.0 },  /* North America */
    { 17.0, 263.0, 10.0, 10.0, 800.0 },  /* Central America */
    { -17.0, 298.0, 27.0, 16.0, 400.0 }, /* South America */
    { 6.0, 20.0, 31.0, 24.0, 600.0 },    /* Africa */
    { 52.0, 92.0, 20.0, 72.0, 400.0 },   /* Eurasia */
    { 21.0, 78.0, 10.0, 9.0, 300.0 },    /* India */
    { -25.0, 134.0, 12.0, 18.0, 300.0 }, /* Australia */
    { 72.0, 318.0, 12.0, 14.0, 2000.0 }, /* Greenland */
};

/* Mountain ranges: elevation only, inside the continents. */
static const struct blob ranges[] = {
    { 33.0, 88.0, 6.0, 14.0, 4500.0 },   /* Tibet */
    { -20.0, 291.0, 20.0, 3.0, 3500.0 }, /* Andes */
    { 43.0, 250.0, 14.0, 5.0, 2000.0 },  /* Rockies */
    { -8.0, 33.0, 10.0, 6.0, 1200.0 },   /* East Africa */
};

static double lon_diff(double a, double b)
{
    double d = fmod(a - b, 360.0);

    if (d < -180.0)
        d += 360.0;
    else if (d >= 180.0)
        d -= 360.0;
    return d;
}

static double blob_r2(const struct blob *b, double lat, double lon)
{
    double y = (lat - b->lat) / b->rlat;
    double x = lon_diff(lon, b->lon) / b->rlon;

    return x * x + y * y;
}

/* 1 over land, with the elevation (metres) in *elev. */
static int land_at(double lat, double lon, double *elev)
{
    double wob = 1.0 + 0.12 * sin(3.0 * lon * DEG + 2.0 * lat * DEG);
    double e = 0.0;
    int land = 0;
    size_t k;

    if (lat < -66.0 - 4.0 * cos(2.0 * lon * DEG)) {
        land = 1;
        e = 2800.0 * fmin(1.0, (-lat - 62.0) / 18.0);
    }
    for (k = 0; k < sizeof continents / sizeof continents[0]; k++) {
        double r2 = blob_r2(&continents[k], lat, lon);

        if (r2 < wob) {
            land = 1;
            e = fmax(e, continents[k].elev * (1.0 - r2 / wob));
        }
    }
    for (k = 0; land && k < sizeof ranges / sizeof ranges[0]; k++) {
        double r2 = blob_r2(&ranges[k], lat, lon);

        if (r2 < 1.0)
            e += ranges[k].elev * (1.0 - r2);
    }
    *elev = e;
    return land;
}

struct grid {
    size_t nlat, nlon;
    double *lat, *lon;   /* degrees */
    unsigned char *land; /* nlat x nlon, 1 over land */
    float *elev;         /* metres */
};

static void grid_init(struct grid *g, size_t nlat, double lat0, double dlat,
                      size_t nlon, double lon0, double dlon)
{
    size_t i, j;

    g->nlat = nlat;
    g->nlon = nlon;
    g->lat = xcalloc(nlat, sizeof(double));
    g->lon = xcalloc(nlon, sizeof(double));
    g->land = xcalloc(nlat * nlon, 1);
    g->elev = xcalloc(nlat * nlon, sizeof(float));
    for (j = 0; j < nlat; j++)
        g->lat[j] = lat0 + (double)j * dlat;
    for (i = 0; i < nlon; i++)
        g->lon[i] = lon0 + (double)i * dlon;
    for (j = 0; j < nlat; j++) {
        for (i = 0; i < nlon; i++) {
            double e;

            g->land[j * nlon + i] = (unsigned char)land_at(g->lat[j],
                                                           g->lon[i], &e);
            g->elev[j * nlon + i] = (float)e;
        }
    }
}

static void grid_free(struct grid *g)
{
    free(g->lat);
    free(g->lon);
    free(g->land);
    free(g->elev);
}

static double gauss1(double x, double c, double w)
{
    double u = (x - c) / w;

    return exp(-u * u);
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* ------------------------------------------------------------------ */
/* ERA5-like fields                                                    */

enum { T2M, U10, V10, MSL, NERA5 };

struct era5_var {
    const char *name, *units, *long_name, *std_name;
    double vmin, vmax; /* packing range, as grib_to_netcdf would use */
    double sd;         /* noise standard deviation */
};

static const struct era5_var era5_vars[NERA5] = {
    { "t2m", "K", "2 metre temperature", "air_temperature",
      184.27, 334.61, 0.35 },
    { "u10", "m s**-1", "10 metre U wind component", "eastward_wind",
      -38.71, 41.25, 0.6 },
    { "v10", "m s**-1", "10 metre V wind component", "northward_wind",
      -37.96, 36.83, 0.6 },
    { "msl", "Pa", "Mean sea level pressure",
      "air_pressure_at_mean_sea_level", 91237.5, 108851.25, 30.0 },
};

#define ERA5_FILL ((short)-32767)

struct pack {
    double scale, offset;
};

/* Packing from a value range, the way grib_to_netcdf derives it. */
static struct pack pack_range(double lo, double hi)
{
    struct pack p;

    p.offset = (hi + lo) / 2.0;
    p.scale = (hi - lo) / 65533.0;
    return p;
}

/* Travelling mid-latitude waves shared by all variables: pressure
 * waves, with winds from geostrophy and temperature a quarter wave
 * out of phase.  speed in degrees of longitude per day, amp in Pa,
 * period (days) of a slow amplitude modulation. */
struct wave {
    int m;
    double speed, phase, lat0, amp, period;
};

#define NWAVE 10
#define WAVE_WIDTH 12.0

static const struct wave waves[NWAVE] = {
    { 2, 5.0, 0.3, 55.0, 900.0, 17.0 },
    { 3, 8.0, 1.7, 50.0, 1300.0, 11.0 },
    { 4, 10.0, 4.0, 47.0, 1500.0, 7.0 },
    { 5, 12.0, 2.2, 44.0, 1200.0, 5.0 },
    { 6, 13.0, 5.1, 41.0, 800.0, 4.0 },
    { 2, 6.0, 2.9, -56.0, 1000.0, 19.0 },
    { 3, 9.0, 0.8, -52.0, 1400.0, 13.0 },
    { 4, 11.0, 3.3, -50.0, 1700.0, 8.0 },
    { 5, 12.0, 5.9, -47.0, 1300.0, 6.0 },
    { 7, 14.0, 1.1, -44.0, 900.0, 4.5 },
};

/* Tables that depend only on the grid. */
struct era5_model {
    const struct grid *g;
    double *cw, *sw;    /* NWAVE x nlon: cos, sin of m * lon */
    double *env, *denv; /* NWAVE x nlat: envelope, d/dlat (per radian) */
    double *gs;         /* NWAVE x nlat: envelope / cos(lat) */
    double *kgeo;       /* nlat: 0.7 / (rho f a), m s-1 per Pa */
    double *clon, *slon;
    double noise_r;     /* noise correlation between neighbours */
};

static void era5_model_init(struct era5_model *md, const struct grid *g,
                            double res)
{
    size_t nx = g->nlon, ny = g->nlat, i, j, k;

    md->g = g;
    md->cw = xcalloc(NWAVE * nx, sizeof(double));
    md->sw = xcalloc(NWAVE * nx, sizeof(double));
    md->env = xcalloc(NWAVE * ny, sizeof(double));
    md->denv = xcalloc(NWAVE * ny, sizeof(double));
    md->gs = xcalloc(NWAVE * ny, sizeof(double));
    md->kgeo = xcalloc(ny, sizeof(double));
    md->clon = xcalloc(nx, sizeof(double));
    md->slon = xcalloc(nx, sizeof(double));
    /* Sub-grid noise correlated over about 1.5 degrees. */
    md->noise_r = exp(-res / 1.5);
    for (i = 0; i < nx; i++) {
        md->clon[i] = cos(g->lon[i] * DEG);
        md->slon[i] = sin(g->lon[i] * DEG);
        for (k = 0; k < NWAVE; k++) {
            md->cw[k * nx + i] = cos(waves[k].m * g->lon[i] * DEG);
            md->sw[k * nx + i] = sin(waves[k].m * g->lon[i] * DEG);
        }
    }
    for (j = 0; j < ny; j++) {
        double phi = g->lat[j] * DEG;
        double s = fmax(fabs(sin(phi)), sin(20.0 * DEG));

        s = g->lat[j] < 0.0 ? -s : s;
        md->kgeo[j] = 0.7 / (1.2 * 2.0 * 7.292e-5 * s * 6.371e6);
        for (k = 0; k < NWAVE; k++) {
            double x = (g->lat[j] - waves[k].lat0) / WAVE_WIDTH;
            double ga = exp(-x * x);
            double dga = ga * (-2.0 * x / WAVE_WIDTH) / DEG;

            md->gs[k * ny + j] = ga;
            md->env[k * ny + j] = cos(phi) * ga;
            md->denv[k * ny + j] = -sin(phi) * ga + cos(phi) * dga;
        }
    }
}

static void era5_model_free(struct era5_model *md)
{
    free(md->cw);
    free(md->sw);
    free(md->env);
    free(md->denv);
    free(md->gs);
    free(md->kgeo);
    free(md->clon);
    free(md->slon);
}

/* What depends only on the time step. */
struct era5_step {
    long hours;                  /* since 1900-01-01 00:00 */
    double cs;                   /* cos(season), 1 in mid-January */
    double wc[NWAVE], ws[NWAVE]; /* amplitude * cos, sin of the phase */
    double cth, sth;             /* diurnal phase (peak 14 local) */
};

static void era5_step_init(struct era5_step *st, long hours)
{
    double days = (double)hours / 24.0;
    double th = 2.0 * M_PI * ((double)(hours % 24) - 14.0) / 24.0;
    int k;

    st->hours = hours;
    st->cs = cos(2.0 * M_PI * (days + DAYS_1900 - 15.0) / 365.2425);
    for (k = 0; k < NWAVE; k++) {
        const struct wave *w = &waves[k];
        double c = w->m * w->speed * DEG * days + w->phase;
        double a = w->amp * (0.75 + 0.25 * cos(2.0 * M_PI * days
                                                / w->period + 1.3 * w->phase));

        st->wc[k] = a * cos(c);
        st->ws[k] = a * sin(c);
    }
    st->cth = cos(th);
    st->sth = sin(th);
}

/* Coefficients of one row: value = z + sum(a C_k + b S_k) + diurnal;
 * over land: value * land_mul + land_add - lapse * elevation. */
struct era5_row {
    double z, dsea, dland, land_add, land_mul, lapse;
    int nk, k[NWAVE];
    double a[NWAVE], b[NWAVE];
};

static void row_zonal(int var, double lat, double cs, struct era5_row *r)
{
    double sl = sin(lat * DEG), cl = cos(lat * DEG), al = fabs(lat);
    double sgn = lat < 0.0 ? -1.0 : 1.0;
    double hs = sl * sqrt(fabs(sl));

    r->dsea = r->dland = r->land_add = r->lapse = 0.0;
    r->land_mul = 1.0;
    switch (var) {
    case T2M:
        r->z = 300.5 - 38.0 * sl * sl - 10.0 * hs * cs;
        r->dsea = 0.3 * cl;
        r->dland = 4.5 * cl + 0.5;
        r->land_add = 1.0 - 7.0 * hs * cs;
        r->lapse = 0.0065;
        break;
    case U10:
        r->z = -6.5 * gauss1(al, 14.0, 9.0)
             + 7.5 * (lat < 0.0 ? 1.3 : 1.0) * gauss1(al, 48.0, 10.0)
             - 2.5 * gauss1(al, 72.0, 7.0);
        r->land_mul = 0.6;
        break;
    case V10:
        r->z = sgn * (-2.5 * gauss1(al, 12.0, 8.0)
                      + 1.0 * gauss1(al, 40.0, 10.0));
        r->land_mul = 0.6;
        break;
    default:
        r->z = 101300.0 + 1000.0 * gauss1(al, 32.0, 10.0)
             - 1600.0 * gauss1(al, 62.0, 9.0)
             + 500.0 * gauss1(lat, 85.0, 8.0);
        r->land_add = 1200.0 * fmax(0.0, sl) * cs;
        break;
    }
}

static void row_waves(const struct era5_model *md,
                      const struct era5_step *st, int var, size_t j,
                      struct era5_row *r)
{
    size_t ny = md->g->nlat;
    double kg = md->kgeo[j];
    int k;

    r->nk = 0;
    for (k = 0; k < NWAVE; k++) {
        double env = md->env[k * ny + j], gs = md->gs[k * ny + j];
        double dv = md->denv[k * ny + j];
        double a, b;

        if (gs < 1e-5)
            continue;
        switch (var) {
        case T2M: /* 3 K per hPa, a quarter wave east of the trough */
            a = -0.003 * env * st->ws[k];
            b = 0.003 * env * st->wc[k];
            break;
        case U10: /* u = -(1/rho f a) dp/dphi */
            a = -kg * dv * st->wc[k];
            b = -kg * dv * st->ws[k];
            break;
        case V10: /* v = (1/rho f a cos phi) dp/dlambda */
            a = kg * waves[k].m * gs * st->ws[k];
            b = -kg * waves[k].m * gs * st->wc[k];
            break;
        default:
            a = env * st->wc[k];
            b = env * st->ws[k];
            break;
        }
        r->k[r->nk] = k;
        r->a[r->nk] = a;
        r->b[r->nk] = b;
        r->nk++;
    }
}

static short pack_one(double v, const struct pack *pk)
{
    double q = (v - pk->offset) / pk->scale;

    /* -32767 is the fill value: real values never take it. */
    q = clamp(q, -32766.0, 32767.0);
    return (short)lrint(q);
}

/* Scratch space for one field. */
struct era5_work {
    double *row, *noise;
    struct rednoise rn;
};

static void era5_work_init(struct era5_work *w, const struct era5_model *md)
{
    w->row = xcalloc(md->g->nlon, sizeof(double));
    w->noise = xcalloc(md->g->nlon, sizeof(double));
    red_init(&w->rn, md->g->nlon, md->noise_r, md->noise_r);
}

static void era5_work_free(struct era5_work *w)
{
    free(w->row);
    free(w->noise);
    red_free(&w->rn);
}

static void era5_field(const struct era5_model *md,
                       const struct era5_step *st, int var,
                       const struct pack *pk, struct era5_work *w,
                       short *out)
{
    const struct grid *g = md->g;
    size_t nx = g->nlon, i, j;
    double sd = era5_vars[var].sd;
    struct era5_row r;
    int n;

    red_start(&w->rn, seed_of((uint64_t)var, (uint64_t)st->hours,
                              (uint64_t)(g->nlat * 100000 + nx)));
    for (j = 0; j < g->nlat; j++) {
        const unsigned char *land = g->land + j * nx;
        const float *elev = g->elev + j * nx;
        short *o = out + j * nx;

        row_zonal(var, g->lat[j], st->cs, &r);
        row_waves(md, st, var, j, &r);
        red_row(&w->rn, w->noise);
        for (i = 0; i < nx; i++)
            w->row[i] = r.z;
        for (n = 0; n < r.nk; n++) {
            const double *c = md->cw + (size_t)r.k[n] * nx;
            const double *s = md->sw + (size_t)r.k[n] * nx;
            double a = r.a[n], b = r.b[n];

            for (i = 0; i < nx; i++)
                w->row[i] += a * c[i] + b * s[i];
        }
        for (i = 0; i < nx; i++) {
            double v = w->row[i];
            double dc = md->clon[i] * st->cth - md->slon[i] * st->sth;

            if (land[i])
                v = v * r.land_mul + r.land_add + r.dland * dc
                  - r.lapse * elev[i];
            else
                v += r.dsea * dc;
            o[i] = pack_one(v + sd * w->noise[i], pk);
        }
    }
}

/* The documented missing points of the sample sets (README.md). */
static void era5_holes(const struct grid *g, int var, long hours,
                       short *buf)
{
    long hod = hours % 24, day = hours / 24;
    size_t nx = g->nlon, j0 = g->nlat / 4, i0 = nx / 3, i, j;

    if (var == T2M && hod == 6) {
        for (j = j0; j < j0 + 3; j++)
            for (i = i0; i < i0 + 4; i++)
                buf[j * nx + i] = ERA5_FILL;
    } else if (var == U10 && hod == 18) {
        buf[(g->nlat / 2) * nx + nx / 2] = ERA5_FILL;
    } else if (var == MSL && hod == 0 && day % 10 == 0) {
        buf[(g->nlat / 3) * nx + nx / 4] = ERA5_FILL;
    }
}

/* One ERA5-like file: what it holds. */
struct era5_spec {
    const struct era5_model *md;
    long h0;          /* first time, hours since 1900-01-01 */
    int nt, dh;       /* steps, hours between steps */
    unsigned vmask;   /* 1 << T2M | ... */
    struct pack pk[NERA5];
    int expver_split; /* > 0: expver dimension, ERA5T from this step */
    int holes;        /* blank the documented points */
    int level;        /* zlib level of the NetCDF-4 variant */
};

struct era5_out {
    int nc, nc3;
    int vid[NERA5];
};

static void era5_def_data(struct era5_out *o, const struct era5_spec *sp,
                          const int *dims, int ndims)
{
    const struct grid *g = sp->md->g;
    size_t chunks[4] = { 1, 1, 1, 1 };
    int v;

    chunks[ndims - 2] = g->nlat;
    chunks[ndims - 1] = g->nlon;
    for (v = 0; v < NERA5; v++) {
        const struct era5_var *ev = &era5_vars[v];
        int id;

        if (!(sp->vmask & 1u << v))
            continue;
        id = o->vid[v] = def_var(o->nc, ev->name, NC_SHORT, ndims, dims);
        att_double(o->nc, id, "scale_factor", sp->pk[v].scale);
        att_double(o->nc, id, "add_offset", sp->pk[v].offset);
        att_short(o->nc, id, "_FillValue", ERA5_FILL);
        att_short(o->nc, id, "missing_value", ERA5_FILL);
        att_text(o->nc, id, "units", ev->units);
        att_text(o->nc, id, "long_name", ev->long_name);
        att_text(o->nc, id, "standard_name", ev->std_name);
        if (!o->nc3)
            def_zip(o->nc, id, chunks, 0, sp->level);
    }
}

static void era5_put_coords(const struct era5_out *o,
                            const struct era5_spec *sp, int vlon, int vlat,
                            int vtime, int vexp)
{
    const struct grid *g = sp->md->g;
    size_t start = 0, n = (size_t)sp->nt;
    int *t = xcalloc(n, sizeof(int));
    size_t i;

    put_coord(o->nc, vlon, g->lon, g->nlon);
    put_coord(o->nc, vlat, g->lat, g->nlat);
    for (i = 0; i < n; i++)
        t[i] = (int)(sp->h0 + (long)i * sp->dh);
    NC(nc_put_vara_int(o->nc, vtime, &start, &n, t));
    if (vexp >= 0) {
        static const int expver[2] = { 1, 5 };

        n = 2;
        NC(nc_put_vara_int(o->nc, vexp, &start, &n, expver));
    }
    free(t);
}

static void era5_create(struct era5_out *o, const char *path, int nc3,
                        const struct era5_spec *sp)
{
    const struct grid *g = sp->md->g;
    int dlon, dlat, dtime, dexp = -1, dims[4], nd = 0;
    int vlon, vlat, vtime, vexp = -1;

    o->nc3 = nc3;
    o->nc = nc_new(path, nc3 ? NC_64BIT_OFFSET : NC_NETCDF4);
    NC(nc_def_dim(o->nc, "longitude", g->nlon, &dlon));
    NC(nc_def_dim(o->nc, "latitude", g->nlat, &dlat));
    if (sp->expver_split > 0)
        NC(nc_def_dim(o->nc, "expver", 2, &dexp));
    NC(nc_def_dim(o->nc, "time", nc3 ? NC_UNLIMITED : (size_t)sp->nt,
                  &dtime));
    vlon = def_coord(o->nc, "longitude", NC_FLOAT, dlon, "degrees_east",
                     "longitude", NULL);
    vlat = def_coord(o->nc, "latitude", NC_FLOAT, dlat, "degrees_north",
                     "latitude", NULL);
    if (dexp >= 0) {
        vexp = def_var(o->nc, "expver", NC_INT, 1, &dexp);
        att_text(o->nc, vexp, "long_name", "expver");
    }
    vtime = def_coord(o->nc, "time", NC_INT, dtime,
                      "hours since 1900-01-01 00:00:00.0", "time", NULL);
    att_text(o->nc, vtime, "calendar", "gregorian");
    dims[nd++] = dtime;
    if (dexp >= 0)
        dims[nd++] = dexp;
    dims[nd++] = dlat;
    dims[nd++] = dlon;
    era5_def_data(o, sp, dims, nd);
    att_text(o->nc, NC_GLOBAL, "Conventions", "CF-1.6");
    att_text(o->nc, NC_GLOBAL, "history", HISTORY);
    NC(nc_enddef(o->nc));
    era5_put_coords(o, sp, vlon, vlat, vtime, vexp);
}

static void era5_put(const struct era5_out *o, const struct era5_spec *sp,
                     int var, size_t t, const short *buf, const short *fill)
{
    const struct grid *g = sp->md->g;
    size_t start[4] = { t, 0, 0, 0 }, count[4] = { 1, 1, 1, 1 };
    int slot, nd = sp->expver_split > 0 ? 4 : 3;

    count[nd - 2] = g->nlat;
    count[nd - 1] = g->nlon;
    if (nd == 3) {
        NC(nc_put_vara_short(o->nc, o->vid[var], start, count, buf));
        return;
    }
    /* ERA5/ERA5T mix: each time is valid in exactly one expver slot. */
    for (slot = 0; slot < 2; slot++) {
        int live = (t >= (size_t)sp->expver_split) == (slot == 1);

        start[1] = (size_t)slot;
        NC(nc_put_vara_short(o->nc, o->vid[var], start, count,
                             live ? buf : fill));
    }
}

/* Write the file(s) of one spec: paths[k] is NetCDF-3 when nc3[k].
 * Each field is computed once, whatever the number of outputs. */
static void era5_write(const struct era5_spec *sp, const char *const *paths,
                       const int *nc3, int nout)
{
    const struct grid *g = sp->md->g;
    size_t npt = g->nlat * g->nlon, t, i;
    short *buf = xcalloc(npt, sizeof(short));
    short *fill = xcalloc(npt, sizeof(short));
    struct era5_out outs[2];
    struct era5_work w;
    int k, v;

    if (nout > 2)
        die("internal error: too many outputs");
    for (i = 0; i < npt; i++)
        fill[i] = ERA5_FILL;
    era5_work_init(&w, sp->md);
    for (k = 0; k < nout; k++)
        era5_create(&outs[k], paths[k], nc3[k], sp);
    for (t = 0; t < (size_t)sp->nt; t++) {
        struct era5_step st;

        era5_step_init(&st, sp->h0 + (long)t * sp->dh);
        for (v = 0; v < NERA5; v++) {
            if (!(sp->vmask & 1u << v))
                continue;
            era5_field(sp->md, &st, v, &sp->pk[v], &w, buf);
            if (sp->holes)
                era5_holes(g, v, st.hours, buf);
            for (k = 0; k < nout; k++) {
                path_fmt(cur_path, "%s", paths[k]);
                era5_put(&outs[k], sp, v, t, buf, fill);
            }
        }
    }
    for (k = 0; k < nout; k++) {
        path_fmt(cur_path, "%s", paths[k]);
        nc_done(outs[k].nc);
    }
    era5_work_free(&w);
    free(buf);
    free(fill);
}

static void era5_spec_default(struct era5_spec *sp,
                              const struct era5_model *md)
{
    int v;

    memset(sp, 0, sizeof *sp);
    sp->md = md;
    sp->dh = 1;
    sp->nt = 24;
    sp->vmask = (1u << NERA5) - 1;
    sp->level = 1;
    for (v = 0; v < NERA5; v++)
        sp->pk[v] = pack_range(era5_vars[v].vmin, era5_vars[v].vmax);
}

/* ------------------------------------------------------------------ */
/* Samples: ERA5-like sets                                             */

#define S_RES 6.0 /* sample grid: 31 x 60, 90..-90, 0..354 */

static void era5_one(const struct era5_spec *sp, const char *path,
                     const char *desc)
{
    int nc3 = 0;

    era5_write(sp, &path, &nc3, 1);
    manifest_add(path, desc);
}

static void samples_era5_hourly(const char *root,
                                const struct era5_model *md)
{
    static const int nc3[2] = { 0, 1 };
    char p4[PATHLEN], p3[PATHLEN], date[16];
    const char *paths[2] = { p4, p3 };
    struct era5_spec sp;
    int f;

    era5_spec_default(&sp, md);
    sp.holes = 1;
    for (f = 0; f < 3; f++) {
        sp.h0 = hours1900(2019, 7, 1 + f);
        iso_date(date, sizeof date, sp.h0 / 24 + DAYS_1900);
        path_fmt(p4, "%s/era5/era5_sfc_%s.nc", root, date);
        path_fmt(p3, "%s/era5-nc3/era5_sfc_%s.nc", root, date);
        era5_write(&sp, paths, nc3, 2);
        manifest_add(p4, "ERA5-like hourly t2m u10 v10 msl, packed int16, "
                     "NetCDF-4 zlib 1, 24 h");
        manifest_add(p3, "same content as era5/, NetCDF-3 64-bit offset, "
                     "time UNLIMITED");
    }
}

static void samples_era5_bad(const char *root, const struct era5_model *md,
                             const struct era5_model *md_area)
{
    char path[PATHLEN];
    struct era5_spec sp;

    era5_spec_default(&sp, md);
    sp.holes = 1;
    sp.h0 = hours1900(2019, 7, 4);
    sp.pk[T2M] = pack_range(201.35, 318.92);
    sp.nt = 6;
    path_fmt(path, "%s/era5-bad/bad-packing_era5_sfc_2019-07-04.nc", root);
    era5_one(&sp, path, "follows era5/ but t2m scale_factor/add_offset "
             "differ");

    era5_spec_default(&sp, md);
    sp.holes = 1;
    sp.h0 = hours1900(2019, 7, 2) + 21;
    sp.nt = 6;
    path_fmt(path, "%s/era5-bad/bad-overlap_era5_sfc_2019-07-02T21.nc",
             root);
    era5_one(&sp, path, "6 h from 2019-07-02T21: overlaps era5/ days 2 "
             "and 3 (same values)");

    era5_spec_default(&sp, md_area);
    sp.holes = 1;
    sp.h0 = hours1900(2019, 7, 4);
    sp.nt = 6;
    path_fmt(path, "%s/era5-bad/bad-shape-area_era5_sfc_2019-07-04.nc",
             root);
    era5_one(&sp, path, "follows era5/ but latitude 90..-60 (26 not 31): "
             "other variable shape");

    era5_spec_default(&sp, md);
    sp.holes = 1;
    sp.h0 = hours1900(2019, 7, 4);
    sp.nt = 6;
    sp.expver_split = 3;
    path_fmt(path, "%s/era5-bad/bad-shape-expver_era5_sfc_2019-07-04.nc",
             root);
    era5_one(&sp, path, "follows era5/ but (time, expver, lat, lon): "
             "ERA5/ERA5T mix, expver 1|5");
}

/* December 2018 to March 2019, daily at 00 UTC, in monthly pieces and
 * in one file: the values are the same. */
static void samples_era5_split(const char *root,
                               const struct era5_model *md)
{
    static const int months[4][2] = {
        { 2018, 12 }, { 2019, 1 }, { 2019, 2 }, { 2019, 3 }
    };
    char path[PATHLEN];
    struct era5_spec sp;
    long end = hours1900(2019, 4, 1);
    int f;

    era5_spec_default(&sp, md);
    sp.holes = 1;
    sp.dh = 24;
    sp.vmask = 1u << T2M | 1u << MSL;
    for (f = 0; f < 4; f++) {
        int y = months[f][0], m = months[f][1];
        long next = f < 3 ? hours1900(months[f + 1][0], months[f + 1][1], 1)
                          : end;

        sp.h0 = hours1900(y, m, 1);
        sp.nt = (int)((next - sp.h0) / sp.dh);
        path_fmt(path, "%s/era5-monthly-split/era5_t2m_msl_%04d-%02d.nc",
                 root, y, m);
        era5_one(&sp, path, "ERA5-like t2m msl daily at 00 UTC, one month "
                 "of 2018-12..2019-03");
    }
    sp.h0 = hours1900(2018, 12, 1);
    sp.nt = (int)((end - sp.h0) / sp.dh);
    path_fmt(path, "%s/era5-single/era5_t2m_msl_2018-12_2019-03.nc", root);
    era5_one(&sp, path, "the four era5-monthly-split/ pieces as one file "
             "(121 steps)");
}

static void samples_era5(const char *root)
{
    struct grid g, ga;
    struct era5_model md, ma;
    size_t nlat = (size_t)lrint(180.0 / S_RES) + 1;
    size_t nlon = (size_t)lrint(360.0 / S_RES);

    grid_init(&g, nlat, 90.0, -S_RES, nlon, 0.0, S_RES);
    grid_init(&ga, (size_t)lrint(150.0 / S_RES) + 1, 90.0, -S_RES, nlon,
              0.0, S_RES);
    era5_model_init(&md, &g, S_RES);
    era5_model_init(&ma, &ga, S_RES);
    samples_era5_hourly(root, &md);
    samples_era5_split(root, &md);
    samples_era5_bad(root, &md, &ma);
    era5_model_free(&md);
    era5_model_free(&ma);
    grid_free(&g);
    grid_free(&ga);
}

/* ------------------------------------------------------------------ */
/* Samples: OISST-like daily SST                                       */

#define SST_FILL ((short)-999)

static void sst_values(const struct grid *g, long day, const double *fixn,
                       const double *dayn, short *sst, short *ice)
{
    double tshift = -4.0 * cos(2.0 * M_PI * (day - 15.0) / 365.2425);
    size_t nx = g->nlon, i, j;

    for (j = 0; j < g->nlat; j++) {
        double lat = g->lat[j];
        double cl = cos((lat - tshift) * DEG);
        double base = -1.8 + 30.3 * pow(cl, 2.2);

        for (i = 0; i < nx; i++) {
            size_t p = j * nx + i;
            double lon = g->lon[i], t, fi;

            if (g->land[p]) {
                sst[p] = ice[p] = SST_FILL;
                continue;
            }
            t = base
              + 2.0 * gauss1(lat, 0.0, 15.0) * gauss1(lon, 150.0, 40.0)
              - 2.5 * gauss1(lat, -1.0, 5.0) * gauss1(lon, 260.0, 25.0)
              + 3.0 * gauss1(lat, 38.0, 5.0) * gauss1(lon, 300.0, 12.0)
              + 0.5 * fixn[p] + 0.15 * dayn[p];
            fi = clamp(-t / 1.2 + 0.05 * dayn[p], 0.0, 1.0);
            sst[p] = (short)lrint(fmax(t, -1.8) * 100.0);
            ice[p] = (short)lrint(fi * 100.0);
        }
    }
}

static int sst_def_var(int nc, const char *name, const int *dims,
                       const struct grid *g)
{
    size_t chunks[4] = { 1, 1, 0, 0 };
    int v = def_var(nc, name, NC_SHORT, 4, dims);

    chunks[2] = g->nlat;
    chunks[3] = g->nlon;
    def_zip(nc, v, chunks, 1, 4);
    att_short(nc, v, "_FillValue", SST_FILL);
    att_float(nc, v, "add_offset", 0.0f);
    att_float(nc, v, "scale_factor", 0.01f);
    return v;
}

static void sst_write(const char *path, const struct grid *g, long day,
                      const short *sst, const short *ice)
{
    size_t start[4] = { 0, 0, 0, 0 }, count[4] = { 1, 1, 0, 0 };
    int nc = nc_new(path, NC_NETCDF4), d[4], vt, vz, vla, vlo, vs, vi;
    double t = (double)(day - days_from_civil(1978, 1, 1));
    double z = 0.0;

    NC(nc_def_dim(nc, "time", 1, &d[0]));
    NC(nc_def_dim(nc, "zlev", 1, &d[1]));
    NC(nc_def_dim(nc, "lat", g->nlat, &d[2]));
    NC(nc_def_dim(nc, "lon", g->nlon, &d[3]));
    vt = def_coord(nc, "time", NC_DOUBLE, d[0],
                   "days since 1978-01-01 12:00:00", "Center time of the day",
                   "time");
    vz = def_coord(nc, "zlev", NC_FLOAT, d[1], "meters",
                   "Sea surface height", "altitude");
    att_text(nc, vz, "positive", "down");
    vla = def_coord(nc, "lat", NC_FLOAT, d[2], "degrees_north", "Latitude",
                    "latitude");
    vlo = def_coord(nc, "lon", NC_FLOAT, d[3], "degrees_east", "Longitude",
                    "longitude");
    vs = sst_def_var(nc, "sst", d, g);
    att_text(nc, vs, "long_name", "Daily sea surface temperature");
    att_text(nc, vs, "standard_name", "sea_surface_temperature");
    att_text(nc, vs, "units", "Celsius");
    att_short(nc, vs, "valid_min", -300);
    att_short(nc, vs, "valid_max", 4500);
    vi = sst_def_var(nc, "ice", d, g);
    att_text(nc, vi, "long_name", "Sea ice concentration");
    att_text(nc, vi, "standard_name", "sea_ice_area_fraction");
    att_text(nc, vi, "units", "1");
    att_short(nc, vi, "valid_min", 0);
    att_short(nc, vi, "valid_max", 100);
    att_globals(nc, "CF-1.6, ACDD-1.3", "Synthetic OISST-like daily sea "
                "surface temperature, 1 degree");
    NC(nc_enddef(nc));
    put_coord(nc, vt, &t, 1);
    put_coord(nc, vz, &z, 1);
    put_coord(nc, vla, g->lat, g->nlat);
    put_coord(nc, vlo, g->lon, g->nlon);
    count[2] = g->nlat;
    count[3] = g->nlon;
    NC(nc_put_vara_short(nc, vs, start, count, sst));
    NC(nc_put_vara_short(nc, vi, start, count, ice));
    nc_done(nc);
}

static void samples_sst(const char *root)
{
    struct grid g;
    size_t npt;
    double *fixn, *dayn;
    short *sst, *ice;
    long day0 = days_from_civil(2020, 1, 1), day;

    grid_init(&g, 180, -89.5, 1.0, 360, 0.5, 1.0);
    npt = g.nlat * g.nlon;
    fixn = xcalloc(npt, sizeof(double));
    dayn = xcalloc(npt, sizeof(double));
    sst = xcalloc(npt, sizeof(short));
    ice = xcalloc(npt, sizeof(short));
    red_field(g.nlat, g.nlon, 0.8, seed_of(100, 0, npt), fixn);
    for (day = day0; day < day0 + 4; day++) {
        char path[PATHLEN];
        int y, m, d;

        civil_from_days(day, &y, &m, &d);
        path_fmt(path, "%s/sst/oisst-like_%04d%02d%02d.nc", root, y, m, d);
        red_field(g.nlat, g.nlon, 0.7, seed_of(101, (uint64_t)day, npt),
                  dayn);
        sst_values(&g, day, fixn, dayn, sst, ice);
        sst_write(path, &g, day, sst, ice);
        manifest_add(path, "OISST-like daily sst and ice, int16 scale 0.01, "
                     "_FillValue -999 on land");
    }
    free(fixn);
    free(dayn);
    free(sst);
    free(ice);
    grid_free(&g);
}

/* ------------------------------------------------------------------ */
/* Samples: NSIDC-like daily sea ice, NetCDF-3 classic, unsigned byte */

enum {
    ICE_POLE = 251, ICE_LAKE = 252, ICE_COAST = 253, ICE_LAND = 254,
    ICE_MISSING = 255
};

static unsigned char ice_surface(const struct grid *g, size_t j, size_t i)
{
    size_t nx = g->nlon, ny = g->nlat;
    double lat = g->lat[j], lon = g->lon[i];

    if (lat > 87.5)
        return ICE_POLE;
    if (g->land[j * nx + i])
        return lat < 63.0 && lon > 100.0 && lon < 106.0 ? ICE_LAKE
                                                         : ICE_LAND;
    if (g->land[j * nx + (i + 1) % nx] || g->land[j * nx + (i + nx - 1) % nx]
        || (j > 0 && g->land[(j - 1) * nx + i])
        || (j + 1 < ny && g->land[(j + 1) * nx + i]))
        return ICE_COAST;
    return 0;
}

static void seaice_values(const struct grid *g, long day, int gap,
                          const double *noise, unsigned char *out)
{
    double drift = 0.05 * (double)(day % 365);
    size_t nx = g->nlon, i, j;

    for (j = 0; j < g->nlat; j++) {
        for (i = 0; i < nx; i++) {
            double lat = g->lat[j], lon = g->lon[i] * DEG, edge, c;
            size_t p = j * nx + i;
            unsigned char s = ice_surface(g, j, i);

            if (s != 0) {
                out[p] = s;
                continue;
            }
            if (gap && g->lon[i] > 120.0 && g->lon[i] < 135.0
                && lat < 80.0) {
                out[p] = ICE_MISSING; /* a swath gap */
                continue;
            }
            edge = 72.0 - drift + 5.0 * sin(2.0 * lon + 0.7)
                 + 3.0 * sin(3.0 * lon + 1.9);
            c = 100.0 * clamp((lat - edge) / 5.0, 0.0, 1.0)
              + 4.0 * noise[p];
            c = c < 15.0 ? 0.0 : fmin(c, 100.0);
            out[p] = (unsigned char)lrint(c);
        }
    }
}

static void seaice_write(const char *path, const struct grid *g, long day,
                         const unsigned char *conc)
{
    static const signed char flags[5] = { -5, -4, -3, -2, -1 };
    static const signed char range[2] = { 0, 100 };
    size_t start[3] = { 0, 0, 0 }, count[3] = { 1, 0, 0 };
    int nc = nc_new(path, 0), d[3], vt, vla, vlo, v;
    int t = (int)day;
    signed char fill = -1;

    NC(nc_def_dim(nc, "time", 1, &d[0]));
    NC(nc_def_dim(nc, "lat", g->nlat, &d[1]));
    NC(nc_def_dim(nc, "lon", g->nlon, &d[2]));
    vt = def_coord(nc, "time", NC_INT, d[0], "days since 1970-01-01 00:00:00",
                   "ANSI date", "time");
    att_text(nc, vt, "calendar", "standard");
    vla = def_coord(nc, "lat", NC_FLOAT, d[1], "degrees_north", "latitude",
                    "latitude");
    vlo = def_coord(nc, "lon", NC_FLOAT, d[2], "degrees_east", "longitude",
                    "longitude");
    v = def_var(nc, "seaice_conc", NC_BYTE, 3, d);
    att_text(nc, v, "_Unsigned", "true");
    NC(nc_put_att_schar(nc, v, "_FillValue", NC_BYTE, 1, &fill));
    NC(nc_put_att_schar(nc, v, "valid_range", NC_BYTE, 2, range));
    NC(nc_put_att_schar(nc, v, "flag_values", NC_BYTE, 5, flags));
    att_text(nc, v, "flag_meanings",
             "pole_hole lake coast land missing");
    att_text(nc, v, "long_name", "Sea ice concentration");
    att_text(nc, v, "standard_name", "sea_ice_area_fraction");
    att_text(nc, v, "units", "percent");
    att_text(nc, v, "comment", "bytes are unsigned: 0..100 percent, "
             "251..255 flags as in flag_meanings (stored as -5..-1)");
    att_globals(nc, "CF-1.6", "Synthetic NSIDC-like daily sea ice "
                "concentration, northern hemisphere");
    NC(nc_enddef(nc));
    start[0] = 0;
    count[0] = 1;
    NC(nc_put_vara_int(nc, vt, start, count, &t));
    put_coord(nc, vla, g->lat, g->nlat);
    put_coord(nc, vlo, g->lon, g->nlon);
    count[1] = g->nlat;
    count[2] = g->nlon;
    NC(nc_put_vara_uchar(nc, v, start, count, conc));
    nc_done(nc);
}

static void samples_seaice(const char *root)
{
    struct grid g;
    size_t npt;
    double *noise;
    unsigned char *conc;
    long day0 = days_from_civil(2020, 1, 1), day;

    grid_init(&g, 60, 89.75, -0.5, 360, 0.5, 1.0);
    npt = g.nlat * g.nlon;
    noise = xcalloc(npt, sizeof(double));
    conc = xcalloc(npt, 1);
    for (day = day0; day < day0 + 5; day++) {
        char path[PATHLEN];
        int y, m, d;

        civil_from_days(day, &y, &m, &d);
        path_fmt(path, "%s/seaice/nsidc-like_nh_%04d%02d%02d.nc", root, y,
                 m, d);
        red_field(g.nlat, g.nlon, 0.7, seed_of(200, (uint64_t)day, npt),
                  noise);
        seaice_values(&g, day, day == day0 + 2, noise, conc);
        seaice_write(path, &g, day, conc);
        manifest_add(path, day == day0 + 2
                     ? "NSIDC-like sea ice, NetCDF-3 classic, byte "
                       "_Unsigned, flags; has a missing (255) swath"
                     : "NSIDC-like sea ice, NetCDF-3 classic, byte "
                       "_Unsigned 0..100 %, flags 251..255");
    }
    free(noise);
    free(conc);
    grid_free(&g);
}

/* ------------------------------------------------------------------ */
/* Samples: NSIDC polar stereographic daily sea ice (G02202-like)      */

/* NSIDC's north polar stereographic grid (EPSG:3411): Hughes 1980
 * ellipsoid, true scale at 70 N, central meridian -45.  The full grid is
 * 304 x 448 cells of 25 km with centres x = -3837500 + 25000 i, y =
 * 5837500 - 25000 j; the sample keeps every 4th cell of both (76 x 112
 * cells of 100 km, the same extent). */
#define PS_A 6378273.0
#define PS_E 0.081816153
#define PS_LAT_TS 70.0
#define PS_LON0 (-45.0)
#define PS_STRIDE 4
#define PS_NX (304 / PS_STRIDE)
#define PS_NY (448 / PS_STRIDE)

/* Snyder (1987) 15-9 and 14-15: t of a latitude, and m at the standard
 * parallel. */
static double ps_t(double phi)
{
    double es = PS_E * sin(phi);

    return tan(M_PI / 4.0 - phi / 2.0)
         / pow((1.0 - es) / (1.0 + es), PS_E / 2.0);
}

/* Latitude and longitude (degrees) of projected x, y (metres): Snyder
 * 21-38 for rho and t, then 7-9 iterated for the latitude. */
static void ps_inverse(double x, double y, double *lat, double *lon)
{
    double phic = PS_LAT_TS * DEG, sc = sin(phic);
    double mc = cos(phic) / sqrt(1.0 - PS_E * PS_E * sc * sc);
    double rho = hypot(x, y), t = rho * ps_t(phic) / (PS_A * mc);
    double phi = M_PI / 2.0 - 2.0 * atan(t);
    int k;

    for (k = 0; k < 20; k++) {
        double es = PS_E * sin(phi);

        phi = M_PI / 2.0
            - 2.0 * atan(t * pow((1.0 - es) / (1.0 + es), PS_E / 2.0));
    }
    *lat = phi / DEG;
    *lon = PS_LON0 + atan2(x, -y) / DEG;
    if (*lon < -180.0)
        *lon += 360.0;
}

struct ps_grid {
    double x[PS_NX], y[PS_NY];
    double lat[PS_NY * PS_NX], lon[PS_NY * PS_NX];
    unsigned char surf[PS_NY * PS_NX];  /* 0 ocean, else a flag */
};

enum { PS_POLE = 251, PS_LAKE = 252, PS_COAST = 253, PS_LAND = 254,
       PS_MISSING = 255 };

static int ps_land(const struct ps_grid *g, long j, long i)
{
    double e;

    if (j < 0 || i < 0 || j >= PS_NY || i >= PS_NX)
        return 0;
    return land_at(g->lat[j * PS_NX + i], g->lon[j * PS_NX + i], &e);
}

/* Land (lakes: land cells of a box in Siberia), coast (ocean beside
 * land), the pole hole (north of 87.2 N, as SSM/I's). */
static void ps_grid_init(struct ps_grid *g)
{
    long i, j;

    for (i = 0; i < PS_NX; i++)
        g->x[i] = -3837500.0 + 25000.0 * PS_STRIDE * (double)i;
    for (j = 0; j < PS_NY; j++)
        g->y[j] = 5837500.0 - 25000.0 * PS_STRIDE * (double)j;
    for (j = 0; j < PS_NY; j++)
        for (i = 0; i < PS_NX; i++)
            ps_inverse(g->x[i], g->y[j], &g->lat[j * PS_NX + i],
                       &g->lon[j * PS_NX + i]);
    for (j = 0; j < PS_NY; j++) {
        for (i = 0; i < PS_NX; i++) {
            size_t p = (size_t)(j * PS_NX + i);
            double lat = g->lat[p], lon = g->lon[p];

            if (lat > 87.2)
                g->surf[p] = PS_POLE;
            else if (ps_land(g, j, i))
                g->surf[p] = lat < 66.0 && lon > 100.0 && lon < 106.0
                           ? PS_LAKE : PS_LAND;
            else if (ps_land(g, j - 1, i) || ps_land(g, j + 1, i)
                     || ps_land(g, j, i - 1) || ps_land(g, j, i + 1))
                g->surf[p] = PS_COAST;
            else
                g->surf[p] = 0;
        }
    }
}

static void ps_values(const struct ps_grid *g, long day, int gap,
                      const double *noise, unsigned char *out)
{
    double drift = 0.05 * (double)(day % 365);
    size_t p;

    for (p = 0; p < (size_t)(PS_NY * PS_NX); p++) {
        double lat = g->lat[p], lon = g->lon[p] * DEG, edge, c;

        if (g->surf[p] != 0) {
            out[p] = g->surf[p];
            continue;
        }
        if (gap && g->lon[p] > 120.0 && g->lon[p] < 135.0 && lat < 80.0) {
            out[p] = PS_MISSING; /* a swath gap */
            continue;
        }
        edge = 72.0 - drift + 5.0 * sin(2.0 * lon + 0.7)
             + 3.0 * sin(3.0 * lon + 1.9);
        c = 100.0 * clamp((lat - edge) / 5.0, 0.0, 1.0) + 4.0 * noise[p];
        c = c < 15.0 ? 0.0 : fmin(c, 100.0);
        out[p] = (unsigned char)lrint(c);
    }
}

static void ps_def_crs(int nc)
{
    int v = def_var(nc, "crs", NC_INT, 0, NULL);

    att_text(nc, v, "grid_mapping_name", "polar_stereographic");
    att_double(nc, v, "straight_vertical_longitude_from_pole", PS_LON0);
    att_double(nc, v, "latitude_of_projection_origin", 90.0);
    att_double(nc, v, "standard_parallel", PS_LAT_TS);
    att_double(nc, v, "false_easting", 0.0);
    att_double(nc, v, "false_northing", 0.0);
    att_double(nc, v, "semi_major_axis", PS_A);
    att_double(nc, v, "semi_minor_axis", 6356889.449);
    att_double(nc, v, "inverse_flattening", 298.279411123064);
    att_text(nc, v, "srid", "urn:ogc:def:crs:EPSG::3411");
    att_text(nc, v, "proj4text", "+proj=stere +lat_0=90 +lat_ts=70 "
             "+lon_0=-45 +k=1 +x_0=0 +y_0=0 +a=6378273 +b=6356889.449 "
             "+units=m +no_defs");
    att_text(nc, v, "long_name", "NSIDC_NH_PolarStereo_25km");
}

static void ps_def_xy(int nc, const char *name, int dim, const char *sn,
                      const char *axis, const char *ln, int *v)
{
    *v = def_coord(nc, name, NC_DOUBLE, dim, "meters", ln, sn);
    att_text(nc, *v, "axis", axis);
}

static int ps_def_conc(int nc, const int *d)
{
    static const unsigned char flags[5] = { 251, 252, 253, 254, 255 };
    static const unsigned char range[2] = { 0, 100 };
    size_t chunks[3] = { 1, PS_NY, PS_NX };
    unsigned char fill = 255;
    int v = def_var(nc, "cdr_seaice_conc", NC_UBYTE, 3, d);

    def_zip(nc, v, chunks, 0, 4);
    NC(nc_put_att_uchar(nc, v, "_FillValue", NC_UBYTE, 1, &fill));
    att_float(nc, v, "scale_factor", 0.01f);
    att_float(nc, v, "add_offset", 0.0f);
    NC(nc_put_att_uchar(nc, v, "valid_range", NC_UBYTE, 2, range));
    NC(nc_put_att_uchar(nc, v, "flag_values", NC_UBYTE, 5, flags));
    att_text(nc, v, "flag_meanings", "pole_hole_mask lakes coastal "
             "land missing");
    att_text(nc, v, "long_name", "NOAA/NSIDC Climate Data Record of "
             "Passive Microwave Daily Northern Hemisphere Sea Ice "
             "Concentration");
    att_text(nc, v, "standard_name", "sea_ice_area_fraction");
    att_text(nc, v, "units", "1");
    att_text(nc, v, "grid_mapping", "crs");
    att_text(nc, v, "coordinates", "time latitude longitude");
    return v;
}

static void ps_write(const char *path, const struct ps_grid *g, long day,
                     const unsigned char *conc)
{
    size_t start[3] = { 0, 0, 0 }, count[3] = { 1, PS_NY, PS_NX };
    int nc = nc_new(path, NC_NETCDF4), d[3], vt, vx, vy, vla, vlo, v;
    double t = (double)day;

    NC(nc_def_dim(nc, "time", 1, &d[0]));
    NC(nc_def_dim(nc, "y", PS_NY, &d[1]));
    NC(nc_def_dim(nc, "x", PS_NX, &d[2]));
    ps_def_crs(nc);
    NC(nc_def_var(nc, "time", NC_DOUBLE, 1, d, &vt));
    att_text(nc, vt, "units", "days since 1970-01-01 00:00:00");
    att_text(nc, vt, "calendar", "standard");
    att_text(nc, vt, "standard_name", "time");
    att_text(nc, vt, "axis", "T");
    ps_def_xy(nc, "y", d[1], "projection_y_coordinate", "Y",
              "y coordinate of projection", &vy);
    ps_def_xy(nc, "x", d[2], "projection_x_coordinate", "X",
              "x coordinate of projection", &vx);
    vla = def_var(nc, "latitude", NC_DOUBLE, 2, d + 1);
    att_text(nc, vla, "units", "degrees_north");
    att_text(nc, vla, "standard_name", "latitude");
    att_text(nc, vla, "long_name", "latitude");
    vlo = def_var(nc, "longitude", NC_DOUBLE, 2, d + 1);
    att_text(nc, vlo, "units", "degrees_east");
    att_text(nc, vlo, "standard_name", "longitude");
    att_text(nc, vlo, "long_name", "longitude");
    v = ps_def_conc(nc, d);
    att_globals(nc, "CF-1.6, ACDD-1.3", "Synthetic NSIDC-like (G02202) "
                "daily sea ice concentration, north polar stereographic");
    NC(nc_enddef(nc));
    put_coord(nc, vt, &t, 1);
    put_coord(nc, vx, g->x, PS_NX);
    put_coord(nc, vy, g->y, PS_NY);
    NC(nc_put_vara_double(nc, vla, start + 1, count + 1, g->lat));
    NC(nc_put_vara_double(nc, vlo, start + 1, count + 1, g->lon));
    NC(nc_put_vara_uchar(nc, v, start, count, conc));
    nc_done(nc);
}

static void samples_seaice_ps(const char *root)
{
    struct ps_grid *g = xcalloc(1, sizeof *g);
    size_t npt = PS_NY * PS_NX;
    double *noise = xcalloc(npt, sizeof(double));
    unsigned char *conc = xcalloc(npt, 1);
    long day0 = days_from_civil(2020, 1, 1), day;

    ps_grid_init(g);
    for (day = day0; day < day0 + 3; day++) {
        char path[PATHLEN];
        int y, m, d;

        civil_from_days(day, &y, &m, &d);
        path_fmt(path, "%s/seaice-ps/seaice_conc_daily_nh_%04d%02d%02d_"
                 "f17_v04r00.nc", root, y, m, d);
        red_field(PS_NY, PS_NX, 0.7, seed_of(210, (uint64_t)day, npt),
                  noise);
        ps_values(g, day, day == day0 + 1, noise, conc);
        ps_write(path, g, day, conc);
        manifest_add(path, day == day0 + 1
                     ? "NSIDC-like polar stereographic sea ice, ubyte "
                       "scaled 0.01, flags; has a missing (255) swath"
                     : "NSIDC-like polar stereographic sea ice, ubyte "
                       "scaled 0.01, flags 251..255, 2-D lat/lon");
    }
    free(noise);
    free(conc);
    free(g);
}

/* ------------------------------------------------------------------ */
/* Samples: VIIRS-like 8-day chlorophyll composites                    */

#define CHL_FILL (-32767.0f)

struct chl_ctx {
    const struct grid *g;
    float *near;    /* fraction of land within 2 cells */
    double *fixn, *compn, *cloud;
};

static void chl_near_land(struct chl_ctx *c)
{
    const struct grid *g = c->g;
    size_t nx = g->nlon, ny = g->nlat, i, j;
    long di, dj;

    for (j = 0; j < ny; j++) {
        for (i = 0; i < nx; i++) {
            int n = 0, l = 0;

            for (dj = -2; dj <= 2; dj++) {
                long jj = (long)j + dj;

                if (jj < 0 || jj >= (long)ny)
                    continue;
                for (di = -2; di <= 2; di++) {
                    size_t ii = (size_t)(((long)i + di + (long)nx)
                                         % (long)nx);

                    n++;
                    l += g->land[(size_t)jj * nx + ii];
                }
            }
            c->near[j * nx + i] = (float)l / (float)n;
        }
    }
}

static void chl_values(const struct chl_ctx *c, long day, float *out)
{
    const struct grid *g = c->g;
    double cs = cos(2.0 * M_PI * (day - 15.0) / 365.2425);
    size_t nx = g->nlon, i, j;

    for (j = 0; j < g->nlat; j++) {
        double lat = g->lat[j], al = fabs(lat);
        double mid = clamp((al - 25.0) / 25.0, 0.0, 1.0);
        /* No retrievals in the polar night of the winter hemisphere. */
        int dark = al > 50.0 && (lat > 0.0 ? cs : -cs) * (al - 50.0) > 12.0;

        for (i = 0; i < nx; i++) {
            size_t p = j * nx + i;
            double lon = g->lon[i] < 0.0 ? g->lon[i] + 360.0 : g->lon[i];
            double mu;

            if (g->land[p] || dark || c->cloud[p] > 0.85) {
                out[p] = CHL_FILL;
                continue;
            }
            mu = -1.25 + 0.95 * mid * mid * (3.0 - 2.0 * mid)
               + 0.35 * gauss1(lat, 0.0, 4.0) * gauss1(lon, 230.0, 60.0)
               + 1.6 * c->near[p] + 0.25 * c->fixn[p] + 0.1 * c->compn[p];
            out[p] = (float)clamp(pow(10.0, mu), 0.01, 60.0);
        }
    }
}

/* The spatial resolution as the product names it, and whether the
 * composite's interval is a time_bnds variable. */
struct chl_kind {
    const char *res;
    int bnds;
};

static void chl_write(const char *path, const struct grid *g, long day,
                      const float *chl, const struct chl_kind *k)
{
    size_t start[3] = { 0, 0, 0 }, count[3] = { 1, 0, 0 };
    size_t chunks[3] = { 1, 64, 64 };
    int nc = nc_new(path, NC_NETCDF4), d[3], db, vt, vla, vlo, v, vb = -1;
    double t = (double)day, tb[2] = { (double)day, (double)day + 8.0 };
    char ts[64], te[64], date[16];

    NC(nc_def_dim(nc, "time", 1, &d[0]));
    NC(nc_def_dim(nc, "lat", g->nlat, &d[1]));
    NC(nc_def_dim(nc, "lon", g->nlon, &d[2]));
    vt = def_coord(nc, "time", NC_DOUBLE, d[0], "days since 1970-01-01",
                   "start of the 8-day composite", "time");
    if (k->bnds) {
        int bd[2];

        NC(nc_def_dim(nc, "nv", 2, &db));
        bd[0] = d[0];
        bd[1] = db;
        att_text(nc, vt, "bounds", "time_bnds");
        vb = def_var(nc, "time_bnds", NC_DOUBLE, 2, bd);
    }
    vla = def_coord(nc, "lat", NC_FLOAT, d[1], "degrees_north", "Latitude",
                    "latitude");
    vlo = def_coord(nc, "lon", NC_FLOAT, d[2], "degrees_east", "Longitude",
                    "longitude");
    v = def_var(nc, "chlor_a", NC_FLOAT, 3, d);
    def_zip(nc, v, chunks, 0, 4);
    att_float(nc, v, "_FillValue", CHL_FILL);
    att_text(nc, v, "long_name", "Chlorophyll Concentration, OCI Algorithm");
    att_text(nc, v, "units", "mg m^-3");
    att_text(nc, v, "standard_name",
             "mass_concentration_of_chlorophyll_in_sea_water");
    att_float(nc, v, "valid_min", 0.001f);
    att_float(nc, v, "valid_max", 100.0f);
    att_text(nc, v, "display_scale", "log");
    iso_date(date, sizeof date, day);
    snprintf(ts, sizeof ts, "%sT00:00:00.000Z", date);
    iso_date(date, sizeof date, day + 7);
    snprintf(te, sizeof te, "%sT23:59:59.000Z", date);
    att_text(nc, NC_GLOBAL, "title", "Synthetic VIIRS-like Level-3 mapped "
             "chlorophyll, 8-day composite");
    att_text(nc, NC_GLOBAL, "Conventions", "CF-1.6 ACDD-1.3");
    att_text(nc, NC_GLOBAL, "instrument", "VIIRS");
    att_text(nc, NC_GLOBAL, "platform", "Suomi-NPP");
    att_text(nc, NC_GLOBAL, "processing_level", "L3 Mapped");
    att_text(nc, NC_GLOBAL, "temporal_range", "8-day");
    att_text(nc, NC_GLOBAL, "map_projection", "Equidistant Cylindrical");
    att_text(nc, NC_GLOBAL, "spatialResolution", k->res);
    att_text(nc, NC_GLOBAL, "time_coverage_start", ts);
    att_text(nc, NC_GLOBAL, "time_coverage_end", te);
    att_text(nc, NC_GLOBAL, "history", HISTORY);
    NC(nc_enddef(nc));
    put_coord(nc, vt, &t, 1);
    if (vb >= 0)
        NC(nc_put_var_double(nc, vb, tb));
    put_coord(nc, vla, g->lat, g->nlat);
    put_coord(nc, vlo, g->lon, g->nlon);
    count[1] = g->nlat;
    count[2] = g->nlon;
    NC(nc_put_vara_float(nc, v, start, count, chl));
    nc_done(nc);
}

/* Four 8-day composites of a grid from 2020-01-01; name_fmt takes the
 * root and the first and last dates. */
static void chl_series(const char *root, struct grid *g, const char *fmt,
                       const struct chl_kind *k, const char *desc)
{
    struct chl_ctx c;
    size_t npt = g->nlat * g->nlon;
    float *chl;
    long day0 = days_from_civil(2020, 1, 1);
    int n;

    c.g = g;
    c.near = xcalloc(npt, sizeof(float));
    c.fixn = xcalloc(npt, sizeof(double));
    c.compn = xcalloc(npt, sizeof(double));
    c.cloud = xcalloc(npt, sizeof(double));
    chl = xcalloc(npt, sizeof(float));
    chl_near_land(&c);
    red_field(g->nlat, g->nlon, 0.8, seed_of(300, 0, npt), c.fixn);
    for (n = 0; n < 4; n++) {
        long day = day0 + 8 * n;
        char path[PATHLEN], d0[16], d1[16];

        red_field(g->nlat, g->nlon, 0.6, seed_of(301, (uint64_t)day, npt),
                  c.compn);
        red_field(g->nlat, g->nlon, 0.92, seed_of(302, (uint64_t)day, npt),
                  c.cloud);
        chl_values(&c, day, chl);
        iso_date(d0, sizeof d0, day);
        iso_date(d1, sizeof d1, day + 7);
        path_fmt(path, fmt, root, d0, d1);
        chl_write(path, g, day, chl, k);
        manifest_add(path, desc);
    }
    free(c.near);
    free(c.fixn);
    free(c.compn);
    free(c.cloud);
    free(chl);
}

static void samples_chl(const char *root)
{
    static const struct chl_kind one = { "111 km", 0 };
    static const struct chl_kind twelfth = { "9.28 km", 1 };
    struct grid g;

    grid_init(&g, 180, 89.5, -1.0, 360, -179.5, 1.0);
    chl_series(root, &g, "%s/chl/viirs-like_%s_%s.L3m_8D_CHL_chlor_a_1deg.nc",
               &one, "VIIRS-like 8-day chlor_a float32, _FillValue "
               "-32767 (land, cloud, polar night)");
    grid_free(&g);
    /* 1/12 degree, 10 x 10 degrees off California: 120 x 120 */
    grid_init(&g, 120, 39.0 + 23.0 / 24.0, -1.0 / 12.0, 120,
              -130.0 + 1.0 / 24.0, 1.0 / 12.0);
    chl_series(root, &g, "%s/chl-12/viirs-like_%s_%s.L3m_8D_CHL_chlor_a_"
               "9km.nc", &twelfth, "VIIRS-like 8-day chlor_a float32 on "
               "1/12 degree (30..40 N, 130..120 W), time_bnds");
    grid_free(&g);
}

/* ------------------------------------------------------------------ */
/* Samples: noleap and 360_day calendars                               */

static double tas_clim(double lat, int land, double frac)
{
    double sl = sin(lat * DEG), hs = sl * sqrt(fabs(sl));
    double cs = cos(2.0 * M_PI * (frac - 0.04));

    return 288.5 - 35.0 * sl * sl - 14.0 * hs * cs
         - (land ? 6.0 * hs * cs : 0.0);
}

/* Daily tas for ndays days of a calendar with ylen days a year. */
static void tas_daily(const struct grid *g, int ylen, size_t ndays,
                      float *out)
{
    size_t npt = g->nlat * g->nlon, d, p;
    double *state = xcalloc(npt, sizeof(double));
    uint64_t s = seed_of(400, (uint64_t)ylen, npt);

    for (d = 0; d < ndays; d++) {
        double frac = fmod((double)d + 0.5, ylen) / ylen;

        for (p = 0; p < npt; p++) {
            /* Day-to-day weather: AR(1) with 0.7 lag correlation. */
            state[p] = 0.7 * state[p] + 0.714 * rng_gauss(&s);
            out[d * npt + p] = (float)(tas_clim(g->lat[p / g->nlon],
                                                g->land[p], frac)
                                       + 2.5 * state[p]);
        }
    }
    free(state);
}

struct tas_file {
    const char *path, *calendar, *frequency;
    int unlimited;
    size_t nt, chunk_t;
    const double *time, *bnds; /* nt, nt x 2 */
    const float *data;         /* nt x nlat x nlon */
};

static void tas_def(int nc, const struct tas_file *tf, const struct grid *g,
                    int *vid)
{
    size_t chunks[3] = { tf->chunk_t, g->nlat, g->nlon };
    int d[4], v;

    NC(nc_def_dim(nc, "time", tf->unlimited ? NC_UNLIMITED : tf->nt, &d[0]));
    NC(nc_def_dim(nc, "lat", g->nlat, &d[1]));
    NC(nc_def_dim(nc, "lon", g->nlon, &d[2]));
    NC(nc_def_dim(nc, "bnds", 2, &d[3]));
    v = vid[0] = def_coord(nc, "time", NC_DOUBLE, d[0],
                           "days since 2000-01-01", "time", "time");
    att_text(nc, v, "calendar", tf->calendar);
    att_text(nc, v, "bounds", "time_bnds");
    att_text(nc, v, "axis", "T");
    vid[1] = def_var(nc, "time_bnds", NC_DOUBLE, 2, (int[]){ d[0], d[3] });
    vid[2] = def_coord(nc, "lat", NC_DOUBLE, d[1], "degrees_north",
                       "latitude", "latitude");
    att_text(nc, vid[2], "axis", "Y");
    vid[3] = def_coord(nc, "lon", NC_DOUBLE, d[2], "degrees_east",
                       "longitude", "longitude");
    att_text(nc, vid[3], "axis", "X");
    v = vid[4] = def_var(nc, "height", NC_DOUBLE, 0, NULL);
    att_text(nc, v, "units", "m");
    att_text(nc, v, "standard_name", "height");
    att_text(nc, v, "positive", "up");
    att_text(nc, v, "axis", "Z");
    v = vid[5] = def_var(nc, "tas", NC_FLOAT, 3, d);
    def_zip(nc, v, chunks, 1, 1);
    att_float(nc, v, "_FillValue", 1.e20f);
    att_float(nc, v, "missing_value", 1.e20f);
    att_text(nc, v, "standard_name", "air_temperature");
    att_text(nc, v, "long_name", "Near-Surface Air Temperature");
    att_text(nc, v, "units", "K");
    att_text(nc, v, "cell_methods", "area: time: mean");
    att_text(nc, v, "coordinates", "height");
}

static void tas_write(const struct tas_file *tf, const struct grid *g)
{
    size_t start[3] = { 0, 0, 0 }, count[3] = { tf->nt, g->nlat, g->nlon };
    size_t bcount[2] = { tf->nt, 2 };
    int nc = nc_new(tf->path, NC_NETCDF4 | NC_CLASSIC_MODEL), vid[6];
    double h = 2.0;

    tas_def(nc, tf, g, vid);
    att_text(nc, NC_GLOBAL, "Conventions", "CF-1.7");
    att_text(nc, NC_GLOBAL, "frequency", tf->frequency);
    att_text(nc, NC_GLOBAL, "title", "Synthetic CMIP-like near-surface air "
             "temperature");
    att_text(nc, NC_GLOBAL, "history", HISTORY);
    NC(nc_enddef(nc));
    NC(nc_put_vara_double(nc, vid[0], start, count, tf->time));
    NC(nc_put_vara_double(nc, vid[1], start, bcount, tf->bnds));
    put_coord(nc, vid[2], g->lat, g->nlat);
    put_coord(nc, vid[3], g->lon, g->nlon);
    NC(nc_put_var_double(nc, vid[4], &h));
    NC(nc_put_vara_float(nc, vid[5], start, count, tf->data));
    nc_done(nc);
}

/* Two yearly files of daily data in a calendar of ylen days a year. */
static void samples_cal_daily(const char *root, const struct grid *g,
                              const char *calendar, int ylen)
{
    size_t npt = g->nlat * g->nlon, n = 2 * (size_t)ylen, d;
    float *data = xcalloc(n * npt, sizeof(float));
    double *t = xcalloc(n, sizeof(double));
    double *b = xcalloc(2 * n, sizeof(double));
    int y;

    tas_daily(g, ylen, n, data);
    for (d = 0; d < n; d++) {
        t[d] = (double)d + 0.5;
        b[2 * d] = (double)d;
        b[2 * d + 1] = (double)d + 1.0;
    }
    for (y = 0; y < 2; y++) {
        size_t o = (size_t)y * (size_t)ylen;
        char path[PATHLEN], desc[128];
        struct tas_file tf = { path, calendar, "day", 0, (size_t)ylen, 30,
                               t + o, b + 2 * o, data + o * npt };

        path_fmt(path, "%s/calendars/%s/tas_day_%s_%d.nc", root, calendar,
                 calendar, 2000 + y);
        tas_write(&tf, g);
        snprintf(desc, sizeof desc, "daily tas float32, calendar %s, year "
                 "%d (%d days), NetCDF-4 classic model", calendar,
                 2000 + y, ylen);
        manifest_add(path, desc);
    }
    free(data);
    free(t);
    free(b);
}

/* Five years of monthly means, noleap, time UNLIMITED. */
static void samples_cal_monthly(const char *root, const struct grid *g)
{
    static const int mlen[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    size_t npt = g->nlat * g->nlon, n = 60, k, p;
    float *data = xcalloc(n * npt, sizeof(float));
    double *t = xcalloc(n, sizeof(double));
    double *b = xcalloc(2 * n, sizeof(double));
    double start = 0.0;
    uint64_t s = seed_of(401, 0, npt);
    char path[PATHLEN];
    struct tas_file tf = { path, "noleap", "mon", 1, n, 12, t, b, data };

    for (k = 0; k < n; k++) {
        double len = mlen[k % 12];

        b[2 * k] = start;
        b[2 * k + 1] = start + len;
        t[k] = start + len / 2.0;
        for (p = 0; p < npt; p++)
            data[k * npt + p] = (float)(tas_clim(g->lat[p / g->nlon],
                                                 g->land[p],
                                                 fmod(t[k], 365.0) / 365.0)
                                        + 0.02 * (double)(k / 12)
                                        + 0.6 * rng_gauss(&s));
        start += len;
    }
    path_fmt(path, "%s/calendars/monthly/tas_mon_noleap_2000-2004.nc", root);
    tas_write(&tf, g);
    manifest_add(path, "monthly tas float32, noleap, 60 months with "
                 "time_bnds, time UNLIMITED");
    free(data);
    free(t);
    free(b);
}

static void samples_calendars(const char *root)
{
    struct grid g;

    grid_init(&g, 6, -75.0, 30.0, 12, 0.0, 30.0);
    samples_cal_daily(root, &g, "noleap", 365);
    samples_cal_daily(root, &g, "360_day", 360);
    samples_cal_monthly(root, &g);
    grid_free(&g);
}

/* ------------------------------------------------------------------ */
/* The two modes                                                       */

static const char *const sample_dirs[] = {
    "era5", "era5-nc3", "era5-monthly-split", "era5-single", "era5-bad",
    "sst", "seaice", "seaice-ps", "chl", "chl-12", "calendars/noleap",
    "calendars/360_day",
    "calendars/monthly",
};

static int run_samples(const char *root)
{
    char path[PATHLEN];
    size_t k;

    for (k = 0; k < sizeof sample_dirs / sizeof sample_dirs[0]; k++) {
        path_fmt(path, "%s/%s", root, sample_dirs[k]);
        mkdir_p(path);
    }
    path_fmt(path, "%s/MANIFEST", root);
    manifest = fopen(path, "w");
    if (manifest == NULL)
        die("%s: %s", path, strerror(errno));
    root_len = strlen(root) + 1;
    fputs("# mksamples sample sets: path, tab, description. "
          "See data-samples/README.md.\n", manifest);
    samples_era5(root);
    samples_sst(root);
    samples_seaice(root);
    samples_seaice_ps(root);
    samples_chl(root);
    samples_calendars(root);
    if (fclose(manifest) != 0)
        die("%s/MANIFEST: %s", root, strerror(errno));
    manifest = NULL;
    return 0;
}

struct bench_opts {
    long hours;
    double res;
    int nc3, jobs;
};

static void bench_file(const char *root, const struct bench_opts *bo,
                       const struct era5_model *md, long f, long nfiles)
{
    static const int kinds[2] = { 0, 1 };
    char p4[PATHLEN], p3[PATHLEN], date[16];
    const char *paths[2] = { p4, p3 };
    struct era5_spec sp;
    double t0 = now_seconds(), raw;
    uint64_t disk;

    era5_spec_default(&sp, md);
    sp.vmask = 1u << T2M | 1u << U10;
    sp.h0 = hours1900(2021, 1, 1) + 24 * f;
    sp.nt = (int)(bo->hours - 24 * f < 24 ? bo->hours - 24 * f : 24);
    iso_date(date, sizeof date, sp.h0 / 24 + DAYS_1900);
    path_fmt(p4, "%s/era5_%.2f_%s.nc", root, bo->res, date);
    *strchr(p4 + strlen(root), '.') = 'p';
    path_fmt(p3, "%s/nc3/%s", root, p4 + strlen(root) + 1);
    era5_write(&sp, paths, kinds, bo->nc3 ? 2 : 1);
    raw = (double)sp.nt * 2.0 * (double)(md->g->nlat * md->g->nlon) * 2.0;
    disk = file_size(p4) + (bo->nc3 ? file_size(p3) : 0);
    fprintf(stderr, PROG ": bench: [%ld/%ld] %s: %d h x 2 vars, %.1f MB "
            "raw, %.1f MB on disk%s, %.1f s\n", f + 1, nfiles, p4, sp.nt,
            raw / 1e6, (double)disk / 1e6, bo->nc3 ? " (with nc3/)" : "",
            now_seconds() - t0);
}

/* Files f with f % jobs == w are written by worker w. */
static void bench_worker(const char *root, const struct bench_opts *bo,
                         const struct era5_model *md, int w)
{
    long nfiles = (bo->hours + 23) / 24, f;

    for (f = w; f < nfiles; f += bo->jobs)
        bench_file(root, bo, md, f, nfiles);
}

static int bench_wait(pid_t *pids, int n)
{
    int k, bad = 0;

    for (k = 0; k < n; k++) {
        int st;

        if (pids[k] <= 0)
            continue;
        if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st)
            || WEXITSTATUS(st) != 0)
            bad = 1;
    }
    return bad;
}

static int run_bench(const char *root, const struct bench_opts *bo)
{
    size_t nlat = (size_t)lrint(180.0 / bo->res) + 1;
    size_t nlon = (size_t)lrint(360.0 / bo->res);
    double t0 = now_seconds(), raw;
    struct grid g;
    struct era5_model md;
    pid_t pids[64];
    int w, bad;

    mkdir_p(root);
    if (bo->nc3) {
        char path[PATHLEN];

        path_fmt(path, "%s/nc3", root);
        mkdir_p(path);
    }
    grid_init(&g, nlat, 90.0, -bo->res, nlon, 0.0, bo->res);
    era5_model_init(&md, &g, bo->res);
    raw = (double)bo->hours * 2.0 * (double)(nlat * nlon) * 2.0;
    fprintf(stderr, PROG ": bench: %s: %zu x %zu grid, %ld h, t2m u10, "
            "%.1f MB raw, %d job(s)\n", root, nlat, nlon, bo->hours,
            raw / 1e6, bo->jobs);
    fflush(stderr);
    /* netCDF is not fork-safe once used: only the workers touch it. */
    for (w = 0; w < bo->jobs; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork: %s", strerror(errno));
        if (pids[w] == 0) {
            bench_worker(root, bo, &md, w);
            exit(0);
        }
    }
    bad = bench_wait(pids, bo->jobs);
    era5_model_free(&md);
    grid_free(&g);
    if (bad)
        die("bench: a worker failed");
    fprintf(stderr, PROG ": bench: done, %.1f MB raw in %.1f s\n",
            raw / 1e6, now_seconds() - t0);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static void usage(FILE *f)
{
    fputs("Usage: " PROG " samples OUTDIR [-v]\n"
          "  or:  " PROG " bench OUTDIR [--hours N] [--res DEG] [--nc3] "
          "[--jobs N]\n"
          "Write deterministic synthetic NetCDF inputs for zstore: the same\n"
          "bytes on every run, from netCDF-C alone.\n"
          "\n"
          "  samples   the small sample sets (about 6 MB) used by tests and\n"
          "            demos, and OUTDIR/MANIFEST listing every file:\n"
          "              era5/ era5-nc3/       ERA5-like hourly t2m u10 v10 "
          "msl,\n"
          "                                    packed int16 (NetCDF-4, "
          "NetCDF-3)\n"
          "              era5-monthly-split/ era5-single/  one period in "
          "pieces\n"
          "                                    and in one file\n"
          "              era5-bad/             files that must not be "
          "merged\n"
          "              sst/ seaice/ chl/     OISST-, NSIDC- and VIIRS-like\n"
          "              calendars/            noleap, 360_day, monthly\n"
          "  bench     the ERA5-like benchmark set: t2m and u10 packed "
          "int16,\n"
          "            hourly, one NetCDF-4 file per day (zlib level 1, "
          "chunks\n"
          "            1 x lat x lon), from 2021-01-01; progress on stderr\n"
          "\n"
          "Options:\n"
          "      --hours N  (bench) hours to write; default 384 = 16 files,\n"
          "                 1595 MB of decoded int16 at 0.25 degrees\n"
          "      --res DEG  (bench) grid spacing; default 0.25 (721 x 1440,\n"
          "                 latitude 90..-90, longitude 0..359.75)\n"
          "      --nc3      (bench) also write a NetCDF-3 64-bit-offset copy\n"
          "                 in OUTDIR/nc3/\n"
          "  -j, --jobs N   (bench) write N files at a time, in N processes\n"
          "                 (default 1)\n"
          "  -v, --verbose  (samples) name each file written\n"
          "  -h, --help     display this help and exit\n"
          "  -V, --version  output version information and exit\n"
          "\n"
          "data-samples/README.md describes every set and its variables.\n"
          "Exit status: 0 on success, 1 on a write error, 2 on a usage "
          "error.\n", f);
}

/* Exit status of a command whose output went to stdout. */
static int stdout_status(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

static void usage_error(const char *msg)
{
    if (msg != NULL)
        fprintf(stderr, PROG ": %s\n", msg);
    fputs("Try '" PROG " --help' for more information.\n", stderr);
    exit(2);
}

static long parse_long(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, PROG ": %s: '%s' is not an integer in %ld..%ld\n",
                what, s, lo, hi);
        usage_error(NULL);
    }
    return v;
}

static double parse_res(const char *s)
{
    char *end;
    double r, n;

    errno = 0;
    r = strtod(s, &end);
    n = 180.0 / r;
    if (errno != 0 || end == s || *end != '\0' || !(r >= 0.1 && r <= 10.0)
        || fabs(n - nearbyint(n)) > 1e-6) {
        fprintf(stderr, PROG ": --res: '%s' must be 0.1..10 and divide "
                "180\n", s);
        usage_error(NULL);
    }
    return r;
}

int main(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "hours", required_argument, NULL, 'H' },
        { "res", required_argument, NULL, 'r' },
        { "nc3", no_argument, NULL, '3' },
        { "jobs", required_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    struct bench_opts bo = { 384, 0.25, 0, 1 };
    int c, bench_only = 0;
    const char *mode;

    while ((c = getopt_long(argc, argv, "j:vhV", lopts, NULL)) != -1) {
        switch (c) {
        case 'H':
            bo.hours = parse_long(optarg, 1, 100000, "--hours");
            bench_only = 1;
            break;
        case 'r':
            bo.res = parse_res(optarg);
            bench_only = 1;
            break;
        case '3':
            bo.nc3 = 1;
            bench_only = 1;
            break;
        case 'j':
            bo.jobs = (int)parse_long(optarg, 1, 64, "--jobs");
            bench_only = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return stdout_status();
        case 'V':
            printf(PROG " (zstore) %s\n", PACKAGE_VERSION);
            return stdout_status();
        default:
            usage_error(NULL);
        }
    }
    if (argc - optind != 2)
        usage_error(argc - optind < 2 ? "missing operand"
                                      : "too many operands");
    mode = argv[optind];
    if (strcmp(mode, "samples") == 0) {
        if (bench_only)
            usage_error("--hours, --res, --nc3 and --jobs are for bench");
        return run_samples(argv[optind + 1]);
    }
    if (strcmp(mode, "bench") == 0)
        return run_bench(argv[optind + 1], &bo);
    fprintf(stderr, PROG ": unknown mode '%s' (samples or bench)\n", mode);
    usage_error(NULL);
    return 2;
}
