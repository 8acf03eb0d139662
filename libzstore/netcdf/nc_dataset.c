/* nc_dataset.c - a NetCDF file (classic, 64-bit offset, CDF5, NetCDF-4,
 * NetCDF-4 classic) as a dataset. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netcdf.h>
#include <netcdf_filter.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* a back-end of the dataset layer: it builds variables */
#include "dataset/dataset_impl.h"
#include "netcdf/zsi_nc.h"

/* The one piece of process-wide state: netCDF-C (and HDF5 under it) is
 * not thread-safe, so all calls into either take this lock. */
static pthread_mutex_t nc_lock = PTHREAD_MUTEX_INITIALIZER;

void zsi_nc_lock(void)
{
    pthread_mutex_lock(&nc_lock);
}

void zsi_nc_unlock(void)
{
    pthread_mutex_unlock(&nc_lock);
}

static zs_status nc_fail(zs_ctx *ctx, int rc, const char *path,
                         const char *what)
{
    zs_status code = ZS_ERR_NETCDF;
    if (rc == NC_ENOTNC || rc == NC_EHDFERR || rc == NC_ENOTBUILT)
        code = ZS_ERR_FORMAT;
    else if (rc == NC_ENOMEM)
        code = ZS_ERR_NOMEM;
    else if (rc == ENOENT)
        code = ZS_ERR_NOTFOUND;
    else if (rc == EACCES)
        code = ZS_ERR_AUTH;
    else if (rc > 0)
        code = ZS_ERR_IO;
    return zsi_err(ctx, code, "%s: %s%s%s", path, what ? what : "",
                   what ? ": " : "", nc_strerror(rc));
}

int zsi_nc_sniff(const char *path)
{
    static const long offs[] = {0, 512, 1024, 2048};
    unsigned char b[8];
    struct stat st;
    /* O_NONBLOCK: a FIFO is no NetCDF file, and must not hang us */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), hit = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    for (size_t i = 0; i < sizeof offs / sizeof offs[0] && !hit; i++) {
        if (pread(fd, b, 8, offs[i]) != 8)
            break;
        if (i == 0 && memcmp(b, "CDF", 3) == 0 &&
            (b[3] == 1 || b[3] == 2 || b[3] == 5))
            hit = 1;
        else if (memcmp(b, "\x89HDF\r\n\x1a\n", 8) == 0)
            hit = 1;
    }
    close(fd);
    return hit;
}

/* ---- types ------------------------------------------------------------ */

static zs_dtype map_type(nc_type t, size_t *size)
{
    switch (t) {
    case NC_BYTE: *size = 1; return ZS_DT_INT8;
    case NC_UBYTE: *size = 1; return ZS_DT_UINT8;
    case NC_CHAR: *size = 1; return ZS_DT_BYTES;
    case NC_SHORT: *size = 2; return ZS_DT_INT16;
    case NC_USHORT: *size = 2; return ZS_DT_UINT16;
    case NC_INT: *size = 4; return ZS_DT_INT32;
    case NC_UINT: *size = 4; return ZS_DT_UINT32;
    case NC_INT64: *size = 8; return ZS_DT_INT64;
    case NC_UINT64: *size = 8; return ZS_DT_UINT64;
    case NC_FLOAT: *size = 4; return ZS_DT_FLOAT32;
    case NC_DOUBLE: *size = 8; return ZS_DT_FLOAT64;
    case NC_STRING: *size = 8; return ZS_DT_STRING;
    default: *size = 0; return ZS_DT_NONE;
    }
}

static const char *nc_type_text(nc_type t)
{
    switch (t) {
    case NC_BYTE: return "byte";
    case NC_UBYTE: return "ubyte";
    case NC_CHAR: return "char";
    case NC_SHORT: return "short";
    case NC_USHORT: return "ushort";
    case NC_INT: return "int";
    case NC_UINT: return "uint";
    case NC_INT64: return "int64";
    case NC_UINT64: return "uint64";
    case NC_FLOAT: return "float";
    case NC_DOUBLE: return "double";
    case NC_STRING: return "string";
    default: return "user-defined";
    }
}

const char *zsi_nc_type_name(const zs_var *v)
{
    const zsi_nc_var *vi = v->bk;
    return nc_type_text(vi ? vi->type : NC_NAT);
}

/* User-defined type class name for warnings. */
static const char *class_name(int ncid, nc_type t)
{
    int cls = 0;
    if (nc_inq_user_type(ncid, t, NULL, NULL, NULL, NULL, &cls) != NC_NOERR)
        return "user-defined";
    switch (cls) {
    case NC_COMPOUND: return "compound";
    case NC_VLEN: return "vlen";
    case NC_ENUM: return "enum";
    case NC_OPAQUE: return "opaque";
    default: return "user-defined";
    }
}

/* ---- attributes -------------------------------------------------------- */

/* Read one attribute into a.  Text attributes lose their NUL bytes, as
 * netCDF4-python (and so xarray) presents them. */
static int read_att(zs_ctx *ctx, int ncid, int varid, const char *name,
                    zs_attrs *a, const char *file, const char *owner)
{
    nc_type t;
    size_t len, sz;
    int rc = nc_inq_att(ncid, varid, name, &t, &len);
    zs_dtype dt;
    if (rc != NC_NOERR)
        return rc;
    if (t == NC_CHAR) {
        char *s = malloc(len + 1);
        size_t k = 0;
        if (!s)
            return NC_ENOMEM;
        zsi_buf u = ZSI_BUF_INIT;
        rc = nc_get_att_text(ncid, varid, name, s);
        for (size_t i = 0; rc == NC_NOERR && i < len; i++)
            if (s[i])
                s[k++] = s[i];
        /* text as netCDF4-python presents it: UTF-8, bad bytes replaced */
        if (rc == NC_NOERR && (!zsi_utf8_sanitize(s, k, &u) ||
                               !zsi_attrs_set(a, name, ZS_DT_STRING,
                                              u.data ? (char *)u.data : "",
                                              u.len)))
            rc = NC_ENOMEM;
        zsi_buf_free(&u);
        free(s);
        return rc;
    }
    if (t == NC_STRING) {
        char **v = calloc(len ? len : 1, sizeof *v);
        if (!v)
            return NC_ENOMEM;
        rc = nc_get_att_string(ncid, varid, name, v);
        if (rc == NC_NOERR && len == 1) {
            const char *s = v[0] ? v[0] : "";
            zsi_buf u = ZSI_BUF_INIT;
            if (!zsi_utf8_sanitize(s, strlen(s), &u) ||
                !zsi_attrs_set(a, name, ZS_DT_STRING,
                               u.data ? (char *)u.data : "", u.len))
                rc = NC_ENOMEM;
            zsi_buf_free(&u);
        } else if (rc == NC_NOERR) {
            /* a list of strings has no typed form: keep it as JSON */
            zsi_buf b = ZSI_BUF_INIT;
            bool ok = zsi_buf_append(&b, "[", 1);
            for (size_t i = 0; ok && i < len; i++) {
                ok = (i == 0 || zsi_buf_append(&b, ",", 1)) &&
                     zsi_buf_append(&b, "\"", 1);
                zsi_buf u = ZSI_BUF_INIT;
                const char *str = v[i] ? v[i] : "";
                ok = ok && zsi_utf8_sanitize(str, strlen(str), &u) &&
                     zsi_buf_cstr(&u);
                for (const char *p = ok ? (char *)u.data : ""; ok && *p;
                     p++) {
                    if (*p == '"' || *p == '\\')
                        ok = zsi_buf_append(&b, "\\", 1);
                    if ((unsigned char)*p < 0x20)
                        ok = ok && zsi_buf_printf(&b, "\\u%04x",
                                                  (unsigned char)*p);
                    else
                        ok = ok && zsi_buf_append(&b, p, 1);
                }
                zsi_buf_free(&u);
                ok = ok && zsi_buf_append(&b, "\"", 1);
            }
            ok = ok && zsi_buf_append(&b, "]", 1) &&
                 zsi_attrs_set(a, name, ZS_DT_NONE, b.data, b.len);
            zsi_buf_free(&b);
            if (!ok)
                rc = NC_ENOMEM;
        }
        if (rc == NC_NOERR || len)
            nc_free_string(len, v);
        free(v);
        return rc;
    }
    dt = map_type(t, &sz);
    if (dt == ZS_DT_NONE) {
        zsi_log(ctx, ZS_LOG_WARN, "%s: skipped attribute '%s' of %s '%s': "
                "%s type has no Zarr v2 equivalent", file, name,
                varid == NC_GLOBAL ? "group" : "variable",
                *owner ? owner : "/", class_name(ncid, t));
        return NC_NOERR;
    }
    void *buf = malloc(len ? len * sz : 1);
    if (!buf)
        return NC_ENOMEM;
    rc = nc_get_att(ncid, varid, name, buf);
    if (rc == NC_NOERR && !zsi_attrs_set(a, name, dt, buf, len))
        rc = NC_ENOMEM;
    free(buf);
    return rc;
}

/* Attributes of variable varid (or NC_GLOBAL) of file; owner is the
 * variable's or group's path, for warnings. */
static int read_atts(zs_ctx *ctx, int ncid, int varid, zs_attrs *a,
                     const char *file, const char *owner)
{
    int natts, rc = nc_inq_varnatts(ncid, varid, &natts);
    char name[NC_MAX_NAME + 1];
    for (int i = 0; rc == NC_NOERR && i < natts; i++) {
        rc = nc_inq_attname(ncid, varid, i, name);
        if (rc == NC_NOERR)
            rc = read_att(ctx, ncid, varid, name, a, file, owner);
    }
    return rc;
}

/* ---- variables --------------------------------------------------------- */

/* Chunk shape and codec description of a variable. */
static int storage_info(int ncid, int varid, int format, zs_var *v)
{
    size_t ch[NC_MAX_VAR_DIMS];
    int storage = NC_CONTIGUOUS, shuffle = 0, deflate = 0, level = 0;
    int fl = 0, rc;
    zsi_buf d = ZSI_BUF_INIT;
    bool ok = true;
    if (format != NC_FORMAT_NETCDF4 && format != NC_FORMAT_NETCDF4_CLASSIC) {
        /* classic formats: one record is the natural unit */
        for (int i = 0; i < v->ndim; i++) {
            const zs_group *o;
            size_t k;
            v->chunks[i] = v->shape[i];
            if (zsi_group_find_dim(v->g, v->dims[i], &o, &k) &&
                o->dim_unlim[k] && v->shape[i] > 0)
                v->chunks[i] = 1;
        }
        return zsi_var_set_codecs(v, "none") ? NC_NOERR : NC_ENOMEM;
    }
    rc = nc_inq_var_chunking(ncid, varid, &storage, ch);
    if (rc != NC_NOERR)
        return rc;
    for (int i = 0; i < v->ndim; i++)
        v->chunks[i] = storage == NC_CHUNKED ? ch[i] : v->shape[i];
    rc = nc_inq_var_deflate(ncid, varid, &shuffle, &deflate, &level);
    if (rc == NC_NOERR)
        rc = nc_inq_var_fletcher32(ncid, varid, &fl);
    if (rc != NC_NOERR)
        return rc;
    if (shuffle)
        ok = zsi_buf_append_str(&d, "shuffle|");
    if (deflate)
        ok = ok && zsi_buf_printf(&d, "zlib(%d)|", level);
    if (fl)
        ok = ok && zsi_buf_append_str(&d, "fletcher32|");
    size_t nf = 0;
    unsigned int ids[16];
    if (nc_inq_var_filter_ids(ncid, varid, &nf, NULL) == NC_NOERR &&
        nf <= 16 && nc_inq_var_filter_ids(ncid, varid, &nf, ids) == NC_NOERR)
        for (size_t i = 0; ok && i < nf; i++)
            if (ids[i] != 1 && ids[i] != 2 && ids[i] != 3)  /* known ones */
                ok = zsi_buf_printf(&d, "filter(%u)|", ids[i]);
    if (d.len)
        d.len--;   /* last '|' */
    ok = ok && zsi_buf_cstr(&d) &&
         zsi_var_set_codecs(v, d.len ? (char *)d.data : "none");
    zsi_buf_free(&d);
    return ok ? NC_NOERR : NC_ENOMEM;
}

/* A _FillValue of another type than its integer variable (invalid per
 * the NUG, found in files written by other tools), as xarray reads it:
 * a value that casts exactly (-9999.0 for int16) masks like a fill of
 * the variable's type; NaN is never a fill (xarray drops it: the values
 * stay integers); any other (300.0 for uint8) stays an attribute, which
 * xarray applies to stores as to files (the values become floats). */
static bool other_type_fill(zs_var *v, size_t i)
{
    uint64_t item[2] = {0, 0};   /* aligned for any numeric type */
    double d = 0;
    zs_attrs_get_double(v->attrs, i, 0, &d);
    if (isnan(d)) {
        zsi_log(v->g->ds->ctx, ZS_LOG_WARN, "%s: _FillValue NaN cannot "
                "be %s: ignored, as xarray ignores it", v->path,
                zs_dtype_name(v->dtype));
    } else if (zsi_store_double(v->dtype, item, 0, d) &&
               zsi_load_double(v->dtype, item, 0) == d) {
        if (!zsi_var_set_fill(v, item))
            return false;
    } else {
        return true;   /* kept as an attribute */
    }
    zsi_attrs_remove(v->attrs, "_FillValue");
    return true;
}

/* Move _FillValue from the attributes to the variable's fill value. */
static bool take_fill(zs_var *v)
{
    size_t i;
    if (!zs_attrs_find(v->attrs, "_FillValue", &i))
        return true;
    if (v->dtype == ZS_DT_STRING || v->dtype == ZS_DT_BYTES) {
        const char *s = zs_attrs_get_string(v->attrs, i);
        char c[2] = {s ? s[0] : 0, 0};
        if (!zsi_var_set_fill(v, v->dtype == ZS_DT_BYTES ? c : s ? s : ""))
            return false;
    } else if (zs_attrs_type(v->attrs, i) == v->dtype &&
               zs_attrs_length(v->attrs, i) == 1) {
        if (!zsi_var_set_fill(v, zsi_attrs_values(v->attrs, i)))
            return false;
    } else if (zsi_dtype_is_int(v->dtype) &&
               zsi_dtype_is_numeric(zs_attrs_type(v->attrs, i)) &&
               zs_attrs_length(v->attrs, i) == 1) {
        return other_type_fill(v, i);
    } else {
        return true;   /* unusable fill: keep the attribute as it is */
    }
    zsi_attrs_remove(v->attrs, "_FillValue");
    return true;
}

/* The name a variable of group ncid uses for dimension dimid: its own
 * name when that name, looked up from ncid as netCDF does (this group,
 * then its parents), finds this dimension; otherwise, when a nearer
 * dimension of the same name hides it, its absolute path ("/dim",
 * "/g2/dim"), as ncdump prints it.  Zarr v2 dimension names are plain
 * strings resolved per group (xarray), so the bare name would join two
 * different dimensions. */
static int dim_ref(int ncid, int dimid, char **out)
{
    char name[NC_MAX_NAME + 1];
    int vis, g = ncid, ids[NC_MAX_DIMS], nd, rc;
    size_t len;
    rc = nc_inq_dimname(ncid, dimid, name);
    if (rc != NC_NOERR)
        return rc;
    if (nc_inq_dimid(ncid, name, &vis) != NC_NOERR || vis == dimid)
        return (*out = zsi_strdup(name)) ? NC_NOERR : NC_ENOMEM;
    for (;;) {      /* the group that defines it */
        bool here = false;
        if (nc_inq_dimids(g, &nd, NULL, 0) == NC_NOERR &&
            nd <= NC_MAX_DIMS && nc_inq_dimids(g, &nd, ids, 0) == NC_NOERR)
            for (int i = 0; i < nd; i++)
                here = here || ids[i] == dimid;
        if (here || nc_inq_grp_parent(g, &g) != NC_NOERR)
            break;
    }
    rc = nc_inq_grpname_full(g, &len, NULL);
    char *gp = rc == NC_NOERR ? malloc(len + 1) : NULL;
    if (rc == NC_NOERR && !gp)
        rc = NC_ENOMEM;
    if (rc == NC_NOERR)
        rc = nc_inq_grpname_full(g, &len, gp);
    if (rc == NC_NOERR && !(*out = zsi_asprintf("%s/%s",
                                                strcmp(gp, "/") ? gp : "",
                                                name)))
        rc = NC_ENOMEM;
    free(gp);
    return rc;
}

static int add_var(zs_ctx *ctx, zs_group *g, int ncid, int varid,
                   int format, const char *file)
{
    char name[NC_MAX_NAME + 1];
    int dimids[NC_MAX_VAR_DIMS], ndims, rc;
    nc_type t;
    size_t sz, len;
    uint64_t shape[ZS_MAX_DIMS];
    char *dims[ZS_MAX_DIMS] = {0};
    zs_dtype dt;
    zs_var *v = NULL;
    rc = nc_inq_varndims(ncid, varid, &ndims);   /* dimids: at most */
    if (rc == NC_NOERR && ndims > NC_MAX_VAR_DIMS)  /* NC_MAX_VAR_DIMS */
        rc = NC_EMAXDIMS;
    if (rc == NC_NOERR)
        rc = nc_inq_var(ncid, varid, name, &t, &ndims, dimids, NULL);
    if (rc != NC_NOERR)
        return rc;
    dt = map_type(t, &sz);
    if (dt == ZS_DT_NONE) {
        zsi_log(ctx, ZS_LOG_WARN,
                "%s: skipped variable '%s%s%s': %s type has no Zarr v2 "
                "equivalent", file, g->path, *g->path ? "/" : "", name,
                class_name(ncid, t));
        return NC_NOERR;
    }
    if (ndims > ZS_MAX_DIMS) {
        zsi_log(ctx, ZS_LOG_WARN, "%s: skipped variable '%s': more than %d "
                "dimensions", file, name, ZS_MAX_DIMS);
        return NC_NOERR;
    }
    for (int i = 0; rc == NC_NOERR && i < ndims; i++) {
        rc = nc_inq_dimlen(ncid, dimids[i], &len);
        shape[i] = len;
        if (rc == NC_NOERR)
            rc = dim_ref(ncid, dimids[i], &dims[i]);
    }
    if (rc == NC_NOERR &&
        zsi_var_new(g, name, dt, sz, ndims, (const char *const *)dims, shape,
                    &v) != ZS_OK)
        rc = NC_ENOMEM;
    for (int i = 0; i < ndims; i++)
        free(dims[i]);
    if (rc != NC_NOERR)
        return rc;
    v->bk_id = varid;
    v->bk_id2 = ncid;
    v->bk = calloc(1, sizeof(zsi_nc_var));
    if (!v->bk || !zsi_nc_remember(g->ds->impl, v->bk))
        return NC_ENOMEM;
    ((zsi_nc_var *)v->bk)->type = t;
    ((zsi_nc_var *)v->bk)->dset = -1;
    rc = read_atts(ctx, ncid, varid, v->attrs, file, v->path);
    if (rc == NC_NOERR && !take_fill(v))
        rc = NC_ENOMEM;
    if (rc == NC_NOERR)
        rc = storage_info(ncid, varid, format, v);
    return rc;
}

/* Dimensions, variables, attributes and subgroups of group ncid. */
static int walk_group(zs_ctx *ctx, zs_dataset *ds, zs_group *g, int ncid,
                      int format)
{
    int ndims = 0, nvars = 0, ngrps = 0, nunl = 0, rc;
    int dimids[NC_MAX_DIMS], unl[NC_MAX_DIMS], *grps = NULL;
    char name[NC_MAX_NAME + 1];
    size_t len;
    /* counts first: the arrays hold NC_MAX_DIMS */
    rc = nc_inq_dimids(ncid, &ndims, NULL, 0);
    if (rc == NC_NOERR)
        rc = nc_inq_unlimdims(ncid, &nunl, NULL);
    if (rc == NC_NOERR && (ndims > NC_MAX_DIMS || nunl > NC_MAX_DIMS))
        rc = NC_EMAXDIMS;
    if (rc == NC_NOERR)
        rc = nc_inq_dimids(ncid, &ndims, dimids, 0);
    if (rc == NC_NOERR)
        rc = nc_inq_unlimdims(ncid, &nunl, unl);
    for (int i = 0; rc == NC_NOERR && i < ndims; i++) {
        bool u = false;
        rc = nc_inq_dim(ncid, dimids[i], name, &len);
        for (int k = 0; k < nunl; k++)
            u = u || unl[k] == dimids[i];
        if (rc == NC_NOERR && zsi_group_add_dim(g, name, len, u) != ZS_OK)
            rc = NC_ENOMEM;
    }
    if (rc == NC_NOERR)
        rc = read_atts(ctx, ncid, NC_GLOBAL, g->attrs, ds->name, g->path);
    if (rc == NC_NOERR)
        rc = nc_inq_nvars(ncid, &nvars);
    for (int i = 0; rc == NC_NOERR && i < nvars; i++)
        rc = add_var(ctx, g, ncid, i, format, ds->name);
    if (rc == NC_NOERR && format == NC_FORMAT_NETCDF4)
        rc = nc_inq_grps(ncid, &ngrps, NULL);
    if (rc == NC_NOERR && ngrps > 0) {
        grps = malloc((size_t)ngrps * sizeof *grps);
        rc = grps ? nc_inq_grps(ncid, NULL, grps) : NC_ENOMEM;
    }
    for (int i = 0; rc == NC_NOERR && i < ngrps; i++) {
        zs_group *c;
        rc = nc_inq_grpname(grps[i], name);
        if (rc == NC_NOERR && zsi_group_new(ds, g, name, &c) != ZS_OK)
            rc = NC_ENOMEM;
        if (rc == NC_NOERR)
            rc = walk_group(ctx, ds, c, grps[i], format);
    }
    free(grps);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

static zs_status nc_read(zs_var *v, const uint64_t *start,
                         const uint64_t *count, void *out)
{
    size_t st[NC_MAX_VAR_DIMS], ct[NC_MAX_VAR_DIMS];
    uint64_t n = 1;
    int rc;
    zs_ctx *ctx = v->g->ds->ctx;
    for (int i = 0; i < v->ndim; i++) {
        if (start[i] + count[i] > v->shape[i] || start[i] + count[i] <
            start[i])
            return zsi_err(ctx, ZS_ERR_RANGE, "%s: region out of bounds",
                           v->path);
        st[i] = (size_t)start[i];
        ct[i] = (size_t)count[i];
        n *= count[i];
    }
    if (n == 0)
        return ZS_OK;
    if (zsi_nc_direct_usable(v))
        return zsi_nc_direct_read(v, start, count, out);
    pthread_mutex_lock(&nc_lock);
    if (v->dtype == ZS_DT_STRING) {
        rc = nc_get_vara_string(v->bk_id2, v->bk_id, st, ct, out);
        if (rc == NC_NOERR) {
            /* hand out our own allocations, freed with zs_free() */
            char **s = out;
            for (uint64_t i = 0; i < n; i++) {
                char *c = zsi_strdup(s[i] ? s[i] : "");
                nc_free_string(1, &s[i]);
                s[i] = c;
                if (!c)
                    rc = NC_ENOMEM;
            }
        }
    } else {
        rc = nc_get_vara(v->bk_id2, v->bk_id, st, ct, out);
    }
    pthread_mutex_unlock(&nc_lock);
    if (rc != NC_NOERR)
        return nc_fail(ctx, rc, v->g->ds->name, v->path);
    return ZS_OK;
}

static void nc_close_ds(zs_dataset *ds)
{
    nc_file *f = ds->impl;
    if (!f)
        return;
    zsi_nc_direct_close(f);
    pthread_mutex_lock(&nc_lock);
    nc_close(f->ncid);
    pthread_mutex_unlock(&nc_lock);
    for (size_t i = 0; i < f->nvars; i++)
        free(f->vars[i]);
    free(f->vars);
    free(f);
    ds->impl = NULL;
}

static const zsi_ds_ops nc_ops = {
    .read = nc_read,
    .close = nc_close_ds,
};

static const char *format_name(int format)
{
    switch (format) {
    case NC_FORMAT_CLASSIC: return "netCDF-3 classic";
    case NC_FORMAT_64BIT_OFFSET: return "netCDF-3 64-bit offset";
    case NC_FORMAT_CDF5: return "netCDF-3 CDF5";
    case NC_FORMAT_NETCDF4: return "netCDF-4";
    case NC_FORMAT_NETCDF4_CLASSIC: return "netCDF-4 classic model";
    default: return "netCDF";
    }
}

/* Does path start with a NetCDF-3 signature ("CDF" and 1, 2 or 5)? */
static bool nc3_magic(const char *path)
{
    unsigned char b[4];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    bool hit = fd >= 0 && pread(fd, b, 4, 0) == 4 && !memcmp(b, "CDF", 3) &&
               (b[3] == 1 || b[3] == 2 || b[3] == 5);
    if (fd >= 0)
        close(fd);
    return hit;
}

zs_status zsi_nc_open(zs_ctx *ctx, const char *path, zs_dataset **out)
{
    nc_file *f = calloc(1, sizeof *f);
    zs_dataset *ds = NULL;
    zs_status st;
    int rc;
    if (!f)
        return zsi_nomem(ctx);
    /* A NetCDF-3 header is checked by our own bounded parser before
     * netCDF-C reads it: netCDF-C allocates what a header's counts say
     * (a name of 8 EiB in a 1 KiB file: found by fuzz_nc) before it
     * finds that the file cannot hold it. */
    if (nc3_magic(path)) {
        st = zsi_nc3_check_length(ctx, path);
        if (st != ZS_OK) {
            free(f);
            return st;
        }
    }
    pthread_mutex_lock(&nc_lock);
    rc = nc_open(path, NC_NOWRITE, &f->ncid);
    if (rc == NC_NOERR)
        rc = nc_inq_format(f->ncid, &f->format);
    if (rc != NC_NOERR) {
        if (rc != NC_NOERR && f->ncid > 0)
            nc_close(f->ncid);
        pthread_mutex_unlock(&nc_lock);
        free(f);
        if (rc > 0 || rc == NC_ENOMEM)   /* system errors */
            return nc_fail(ctx, rc, path, NULL);
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: not a valid NetCDF file, truncated or corrupt "
                       "(%s)", path, nc_strerror(rc));
    }
    if ((f->format == NC_FORMAT_CLASSIC ||
         f->format == NC_FORMAT_64BIT_OFFSET ||
         f->format == NC_FORMAT_CDF5) && !nc3_magic(path)) {
        /* (a classic file netCDF-C found at another offset) */
        st = zsi_nc3_check_length(ctx, path);
        if (st != ZS_OK) {
            nc_close(f->ncid);
            pthread_mutex_unlock(&nc_lock);
            free(f);
            return st;
        }
    }
    f->h5 = -1;
    st = zsi_ds_new(ctx, &nc_ops, path, ZS_SRC_NETCDF,
                    format_name(f->format), &ds);
    if (st == ZS_OK) {
        ds->impl = f;
        rc = walk_group(ctx, ds, ds->root, f->ncid, f->format);
        if (rc != NC_NOERR)
            st = nc_fail(ctx, rc, path, NULL);
    } else {
        nc_close(f->ncid);
        free(f);
    }
    pthread_mutex_unlock(&nc_lock);
    if (st != ZS_OK) {
        zs_dataset_close(ds);
        return st;
    }
    *out = ds;
    return ZS_OK;
}
