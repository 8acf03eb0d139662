/* nc3_size.c - the length a NetCDF-3 file (classic, 64-bit offset, CDF5)
 * must have according to its header.  netCDF-C reads a truncated classic
 * file without complaint and returns zeros for the missing data, so the
 * import checks the length itself.  Parses the header defensively: every
 * count and length is bounded by the bytes actually present. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netcdf/zsi_nc.h"

typedef struct rd {
    const uint8_t *p, *end;
    int version;      /* 1 classic, 2 64-bit offset, 5 CDF5 */
    bool bad;
} rd;

static uint64_t be(rd *r, int n)
{
    uint64_t v = 0;
    if (r->bad || r->end - r->p < n) {
        r->bad = true;
        return 0;
    }
    for (int i = 0; i < n; i++)
        v = v << 8 | r->p[i];
    r->p += n;
    return v;
}

/* NON_NEG counts are 8 bytes in CDF5, 4 otherwise. */
static uint64_t count(rd *r)
{
    return be(r, r->version == 5 ? 8 : 4);
}

static void skip(rd *r, uint64_t n)
{
    if (r->bad || (uint64_t)(r->end - r->p) < n)
        r->bad = true;
    else
        r->p += n;
}

static uint64_t pad4(uint64_t n)
{
    return (n + 3) & ~(uint64_t)3;
}

static int type_size(uint64_t t)
{
    switch (t) {
    case 1: case 2: case 7: return 1;   /* byte, char, ubyte */
    case 3: case 8: return 2;           /* short, ushort */
    case 4: case 5: case 9: return 4;   /* int, float, uint */
    case 6: case 10: case 11: return 8; /* double, int64, uint64 */
    default: return 0;
    }
}

/* netCDF-C's NC_MAX_NAME: its readers copy a name into a buffer of this
 * size plus one (this file does not include <netcdf.h>). */
#define NAME_MAX_LEN 256

/* A name: its length is checked against the bytes present before it is
 * rounded up (pad4 of a length near 2^64 wraps to 0: fuzz_nc found a
 * CDF-5 name of length 2^64 - 1 passing here, and netCDF-C then
 * memcpy'ing -1 bytes), and against NC_MAX_NAME (netCDF-C reads longer
 * names from a classic file, then strncpy's them into the caller's
 * NC_MAX_NAME + 1 bytes: found by fuzz_nc too). */
static void skip_name(rd *r)
{
    uint64_t n = count(r);
    if (n > (uint64_t)(r->end - r->p) || n > NAME_MAX_LEN)
        r->bad = true;
    else
        skip(r, pad4(n));
}

static void skip_atts(rd *r)
{
    uint64_t tag = be(r, 4), n = count(r);
    if (tag == 0 && n == 0)
        return;
    if (tag != 0x0C) {
        r->bad = true;
        return;
    }
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        uint64_t t, len;
        int w;
        skip_name(r);
        t = be(r, 4);
        len = count(r);
        w = type_size(t);
        if (!w || len > (uint64_t)(r->end - r->p))
            r->bad = true;
        else
            skip(r, pad4(len * (uint64_t)w));
    }
}

/* Walk the header; *need receives the minimum file length. */
static bool walk(rd *r, uint64_t *need)
{
    uint64_t numrecs, ndims, nvars, dims[1024], recsize = 0, rec_begin = 0;
    uint64_t last_rec = 0;
    int nrecvars = 0;
    numrecs = count(r);
    if (be(r, 4) == 0x0A) {
        ndims = count(r);
        if (ndims > 1024)
            return false;
        for (uint64_t i = 0; i < ndims && !r->bad; i++) {
            skip_name(r);
            dims[i] = count(r);
        }
    } else {
        ndims = count(r);   /* ABSENT: zero */
        if (ndims)
            return false;
    }
    skip_atts(r);
    uint64_t tag = be(r, 4);
    nvars = count(r);
    if (tag != 0x0B && !(tag == 0 && nvars == 0))
        return false;
    *need = 0;
    for (uint64_t i = 0; i < nvars && !r->bad; i++) {
        uint64_t nd, size = 1, begin, t;
        bool rec = false;
        skip_name(r);
        nd = count(r);
        if (nd > 1024)
            return false;
        for (uint64_t k = 0; k < nd && !r->bad; k++) {
            uint64_t id = count(r);
            if (id >= ndims)
                return false;
            if (k == 0 && dims[id] == 0)
                rec = true;
            else if (dims[id] && size > UINT64_MAX / dims[id])
                return false;
            else
                size *= dims[id];
        }
        skip_atts(r);
        t = be(r, 4);
        count(r);   /* vsize: recomputed below, it saturates for big vars */
        begin = be(r, r->version == 1 ? 4 : 8);
        if (!type_size(t) || size > UINT64_MAX / 8)
            return false;
        size *= (uint64_t)type_size(t);
        /* (sums that wrap would make a short file look long enough) */
        if (size > UINT64_MAX - 3 || begin > UINT64_MAX - size)
            return false;
        if (rec) {
            if (nrecvars++ == 0)
                rec_begin = begin;
            if (recsize > UINT64_MAX - pad4(size))
                return false;
            recsize += pad4(size);
            if (begin + size > last_rec)
                last_rec = begin + size;
        } else if (begin + size > *need) {
            *need = begin + size;
        }
    }
    if (r->bad)
        return false;
    /* one record variable alone is not padded */
    if (nrecvars == 1)
        recsize = last_rec - rec_begin;
    if (nrecvars && numrecs != 0xFFFFFFFFu && numrecs > 0) {
        uint64_t end;
        if (recsize && numrecs - 1 > (UINT64_MAX - last_rec) / recsize)
            return false;
        end = last_rec + (numrecs - 1) * recsize;
        if (end > *need)
            *need = end;
    }
    (void)rec_begin;
    return true;
}

zs_status zsi_nc3_check_length(zs_ctx *ctx, const char *path)
{
    uint8_t *buf;
    struct stat st;
    ssize_t n;
    rd r;
    uint64_t need = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 1 << 20;   /* headers beyond 1 MiB are not checked */
    if (fd < 0)
        return zsi_errno(ctx, errno, "%s", path);
    if (fstat(fd, &st) != 0 || !(buf = malloc(cap))) {
        close(fd);
        return zsi_nomem(ctx);
    }
    n = pread(fd, buf, cap, 0);
    close(fd);
    if (n < 4 || memcmp(buf, "CDF", 3) != 0) {
        free(buf);
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a NetCDF-3 file", path);
    }
    r.p = buf + 4;
    r.end = buf + n;
    r.version = buf[3];
    r.bad = false;
    if (!walk(&r, &need)) {
        free(buf);
        if ((size_t)n == cap)
            return ZS_OK;   /* a huge header: leave it to netCDF-C */
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: truncated or corrupt NetCDF-3 header", path);
    }
    free(buf);
    if ((uint64_t)st.st_size < need)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: truncated: the header describes %llu bytes, the "
                       "file has %llu", path, (unsigned long long)need,
                       (unsigned long long)st.st_size);
    return ZS_OK;
}
