/* describe.c - a dataset summarised for people (like xarray's repr) and
 * for scripts (JSON), behind zinfo. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/zsi_cftime.h"
#include "meta/zsi_meta.h"
#include "netcdf/zsi_nc.h"

/* ---- values ----------------------------------------------------------- */

/* Element i (flat C index) of v formatted into b: times decoded when the
 * variable has CF time units, text quoted. */
static zs_status value_text(zs_var *v, uint64_t i, zsi_buf *b, bool json)
{
    uint64_t start[ZS_MAX_DIMS], count[ZS_MAX_DIMS], k = i;
    uint8_t item[64] = {0};
    zs_status st;
    const char *units = zsi_attrs_text(zs_var_attrs(v), "units");
    char num[48];
    for (int d = zs_var_ndim(v) - 1; d >= 0; d--) {
        start[d] = zs_var_shape(v)[d] ? k % zs_var_shape(v)[d] : 0;
        k = zs_var_shape(v)[d] ? k / zs_var_shape(v)[d] : 0;
        count[d] = 1;
    }
    if (zs_var_itemsize(v) > sizeof item)
        return zsi_buf_append_str(b, json ? "null" : "...") ? ZS_OK
                                                           : ZS_ERR_NOMEM;
    st = zs_var_read(v, start, count, item);
    if (st != ZS_OK)
        return st;
    if (zs_var_dtype(v) == ZS_DT_STRING || zs_var_dtype(v) == ZS_DT_BYTES) {
        const char *s = zs_var_dtype(v) == ZS_DT_STRING
                            ? *(char **)(void *)item
                            : (const char *)item;
        size_t n = zs_var_dtype(v) == ZS_DT_STRING ? strlen(s) : strnlen(s, 1);
        zsi_json j;
        zsi_json_init(&j, b, false, 0);
        bool ok = zsi_json_strn(&j, s, n);
        if (zs_var_dtype(v) == ZS_DT_STRING)
            free(*(char **)(void *)item);
        return ok ? ZS_OK : ZS_ERR_NOMEM;
    }
    if (!zsi_dtype_is_numeric(zs_var_dtype(v)))
        return zsi_buf_append_str(b, json ? "null" : "...") ? ZS_OK
                                                           : ZS_ERR_NOMEM;
    double x = zsi_load_double(zs_var_dtype(v), item, 0);
    if (units && strstr(units, " since ") && !(zsi_var_has_fill(v) &&
        memcmp(item, zsi_var_fill_bytes(v), zs_var_itemsize(v)) == 0)) {
        zs_time_units *u;
        zs_datetime dt;
        const char *cal = zsi_attrs_text(zs_var_attrs(v), "calendar");
        if (zs_time_units_parse(NULL, units, cal, &u) == ZS_OK) {
            bool ok = zs_time_decode(u, x, &dt) == ZS_OK &&
                      zs_datetime_format(&dt, num, sizeof num) == ZS_OK;
            zs_time_units_free(u);
            if (ok)
                return zsi_buf_printf(b, json ? "\"%s\"" : "%s", num)
                           ? ZS_OK : ZS_ERR_NOMEM;
        }
    }
    if (zsi_dtype_is_float(zs_var_dtype(v))) {
        if (zs_var_dtype(v) == ZS_DT_FLOAT32)
            zsi_fmt_float((float)x, num, sizeof num);
        else
            zsi_fmt_double(x, num, sizeof num);
        if (json && (isnan(x) || isinf(x)))
            return zsi_buf_printf(b, "\"%s\"", num) ? ZS_OK : ZS_ERR_NOMEM;
    } else {
        int64_t iv;
        if (zsi_load_i64(zs_var_dtype(v), item, 0, &iv))
            snprintf(num, sizeof num, "%lld", (long long)iv);
        else
            snprintf(num, sizeof num, "%.17g", x);
    }
    return zsi_buf_append_str(b, num) ? ZS_OK : ZS_ERR_NOMEM;
}

static uint64_t nelems(const zs_var *v)
{
    uint64_t n = 1;
    for (int d = 0; d < zs_var_ndim(v); d++)
        n *= zs_var_shape(v)[d];
    return n;
}

/* ---- which variables are coordinates -------------------------------- */

static bool listed_in_coordinates(const zs_group *g, const char *name)
{
    for (size_t i = 0; i < zs_group_nvars(g); i++) {
        const char *co =
            zsi_attrs_text(zs_var_attrs(zsi_group_vars(g)[i]), "coordinates");
        zsi_strv t = {0};
        bool hit = false;
        if (!co)
            continue;
        zsi_strv_split(&t, co, ' ');
        hit = zsi_strv_contains(&t, name);
        zsi_strv_free(&t);
        if (hit)
            return true;
    }
    return false;
}

static bool is_coordinate(const zs_var *v)
{
    return zs_var_is_coord(v) ||
           listed_in_coordinates(zsi_var_group(v), zs_var_name(v));
}

/* ---- text --------------------------------------------------------------- */

typedef struct out {
    zs_line_fn fn;
    void *user;
    zsi_buf line;
    unsigned flags;
    uint64_t stored, raw, present, expected;
    bool storage_ok;
} out;

static zs_status emit(out *o)
{
    if (!zsi_buf_cstr(&o->line))
        return ZS_ERR_NOMEM;
    o->fn(o->user, (char *)o->line.data);
    o->line.len = 0;
    return ZS_OK;
}

static void shape_text(zsi_buf *b, const char *open, const uint64_t *x,
                       int n, const char *close)
{
    zsi_buf_append_str(b, open);
    for (int d = 0; d < n; d++)
        zsi_buf_printf(b, "%s%llu", d ? ", " : "", (unsigned long long)x[d]);
    zsi_buf_append_str(b, close);
}

static void human(uint64_t n, zsi_buf *b)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)n;
    int i = 0;
    while (x >= 1024 && i < 4) {
        x /= 1024;
        i++;
    }
    zsi_buf_printf(b, i ? "%.1f %s" : "%.0f %s", x, u[i]);
}

static zs_status attr_lines(out *o, const zs_attrs *a, const char *indent)
{
    for (size_t i = 0; i < zs_attrs_count(a); i++) {
        const char *s = zs_attrs_get_string(a, i);
        zsi_buf_printf(&o->line, "%s%s: ", indent, zs_attrs_name(a, i));
        if (s && zs_attrs_type(a, i) == ZS_DT_STRING) {
            for (; *s; s++)
                zsi_buf_append_str(&o->line, *s == '\n' ? "\\n" :
                                   (char[2]){*s, 0});
        } else {
            char *j = NULL;
            if (zs_attrs_to_json(a, i, &j) != ZS_OK)
                return ZS_ERR_NOMEM;
            zsi_buf_append_str(&o->line, j);
            free(j);
        }
        if (emit(o) != ZS_OK)
            return ZS_ERR_NOMEM;
    }
    return ZS_OK;
}

static zs_status var_line(out *o, zs_var *v, bool coord)
{
    zsi_buf *b = &o->line;
    double scale, offset;
    zs_status st;
    zsi_buf_printf(b, "  %s %-12s ", coord && zs_var_is_coord(v) ? "*" : " ",
                   zs_var_name(v));
    zsi_buf_append_str(b, "(");
    for (int d = 0; d < zs_var_ndim(v); d++)
        zsi_buf_printf(b, "%s%s", d ? ", " : "", zs_var_dim_name(v, d));
    if (zsi_var_broken(v)) {
        zsi_buf_printf(b, ") unsupported: %s", zsi_var_broken(v));
        return emit(o);
    }
    zsi_buf_printf(b, ") %s", zs_dtype_name(zs_var_dtype(v)));
    if (zs_var_dtype(v) == ZS_DT_BYTES || zs_var_dtype(v) == ZS_DT_UNICODE)
        zsi_buf_printf(b, "[%zu]", zs_var_dtype(v) == ZS_DT_UNICODE
                                       ? zsi_var_stored_itemsize(v) / 4
                                       : zsi_var_stored_itemsize(v));
    if (coord && nelems(v) > 0) {
        zsi_buf_append_str(b, " ");
        st = value_text(v, 0, b, false);
        if (st == ZS_OK && nelems(v) > 1) {
            zsi_buf_append_str(b, " .. ");
            st = value_text(v, nelems(v) - 1, b, false);
        }
        if (st != ZS_OK)
            return st;
    }
    if (!coord && zs_var_ndim(v))
        shape_text(b, " chunks=(", zs_var_chunks(v), zs_var_ndim(v), ")");
    zsi_buf_printf(b, " %s", zs_var_codecs(v));
    if (zsi_attrs_double(zs_var_attrs(v), "scale_factor", &scale) |
        zsi_attrs_double(zs_var_attrs(v), "add_offset", &offset)) {
        char s1[40] = "1", s2[40] = "0";
        if (zsi_attrs_double(zs_var_attrs(v), "scale_factor", &scale))
            zsi_fmt_double(scale, s1, sizeof s1);
        if (zsi_attrs_double(zs_var_attrs(v), "add_offset", &offset))
            zsi_fmt_double(offset, s2, sizeof s2);
        zsi_buf_printf(b, " packed(scale=%s, offset=%s)", s1, s2);
    }
    if (zsi_var_has_fill(v) && zsi_dtype_is_numeric(zs_var_dtype(v))) {
        char f[40];
        zsi_fmt_double(
            zsi_load_double(zs_var_dtype(v), zsi_var_fill_bytes(v), 0), f,
            sizeof f);
        if (zsi_dtype_is_int(zs_var_dtype(v)) && strstr(f, ".0"))
            *strstr(f, ".0") = 0;
        zsi_buf_printf(b, " fill=%s", f);
    }
    if (o->flags & ZS_DESCRIBE_STORAGE) {
        uint64_t stored, present, expected,
            raw = nelems(v) * zs_var_itemsize(v);
        if (zs_var_storage(v, &stored, &present, &expected) == ZS_OK) {
            zsi_buf_printf(b, " [%llu/%llu chunks, ",
                           (unsigned long long)present,
                           (unsigned long long)expected);
            human(stored, b);
            zsi_buf_append_str(b, "]");
            o->stored += stored;
            o->present += present;
            o->expected += expected;
            o->storage_ok = true;
        }
        o->raw += zs_var_dtype(v) == ZS_DT_STRING ? 0 : raw;
    }
    st = emit(o);
    if (st == ZS_OK && (o->flags & ZS_DESCRIBE_ATTRS))
        st = attr_lines(o, zs_var_attrs(v), "          ");
    return st;
}

static zs_status group_text(out *o, zs_group *g)
{
    zs_status st = ZS_OK;
    if (*zs_group_path(g)) {
        zsi_buf_printf(&o->line, "Group /%s", zs_group_path(g));
        emit(o);
    }
    zsi_buf_append_str(&o->line, "Dimensions:  (");
    for (size_t i = 0; i < zs_group_ndims(g); i++)
        zsi_buf_printf(&o->line, "%s%s: %llu%s", i ? ", " : "",
                       zs_group_dim_name(g, i),
                       (unsigned long long)zs_group_dim_size(g, i),
                       zs_group_dim_unlimited(g, i) ? " unlimited" : "");
    zsi_buf_append_str(&o->line, ")");
    emit(o);
    for (int pass = 0; pass < 2 && st == ZS_OK; pass++) {
        zsi_buf_append_str(&o->line, pass ? "Data variables:"
                                          : "Coordinates:");
        emit(o);
        for (size_t i = 0; i < zs_group_nvars(g) && st == ZS_OK; i++)
            if (is_coordinate(zs_group_var(g, i)) == (pass == 0))
                st = var_line(o, zs_group_var(g, i), pass == 0);
    }
    if (st == ZS_OK && zs_attrs_count(zs_group_attrs(g))) {
        zsi_buf_append_str(&o->line, "Attributes:");
        emit(o);
        st = attr_lines(o, zs_group_attrs(g), "    ");
    }
    for (size_t i = 0; i < zs_group_ngroups(g) && st == ZS_OK; i++)
        st = group_text(o, zs_group_child(g, i));
    return st;
}

zs_status zs_dataset_describe(zs_dataset *ds, unsigned flags, zs_line_fn fn,
                              void *user)
{
    out o;
    zs_status st;
    memset(&o, 0, sizeof o);
    o.fn = fn;
    o.user = user;
    o.flags = flags;
    zsi_buf_printf(&o.line, "<zstore.Dataset> %s (%s)", zsi_dataset_name(ds),
                   zs_dataset_format(ds));
    emit(&o);
    st = group_text(&o, zs_dataset_root(ds));
    if (st == ZS_OK && (flags & ZS_DESCRIBE_STORAGE) && o.storage_ok) {
        zsi_buf_append_str(&o.line, "Storage: ");
        human(o.stored, &o.line);
        zsi_buf_append_str(&o.line, " stored, ");
        human(o.raw, &o.line);
        zsi_buf_printf(&o.line, " raw (ratio %.2f), %llu of %llu chunk "
                       "objects present",
                       o.stored ? (double)o.raw / (double)o.stored : 0.0,
                       (unsigned long long)o.present,
                       (unsigned long long)o.expected);
        emit(&o);
    }
    zsi_buf_free(&o.line);
    if (st == ZS_ERR_NOMEM)
        return zsi_nomem(zsi_dataset_ctx(ds));
    return st;
}

/* ---- JSON ----------------------------------------------------------------- */

static bool json_attrs(zsi_json *j, const zs_attrs *a)
{
    bool ok = zsi_json_obj_begin(j);
    for (size_t i = 0; ok && i < zs_attrs_count(a); i++)
        ok = zsi_json_key(j, zs_attrs_name(a, i)) &&
             zsi_json_attr_value(j, a, i);
    return ok && zsi_json_obj_end(j);
}

static bool json_dims(zsi_json *j, const uint64_t *x, int n)
{
    bool ok = zsi_json_arr_begin(j);
    for (int d = 0; ok && d < n; d++)
        ok = zsi_json_u64(j, x[d]);
    return ok && zsi_json_arr_end(j);
}

static zs_status json_value(zsi_json *j, zs_var *v, uint64_t i)
{
    zsi_buf t = ZSI_BUF_INIT;
    zs_status st = value_text(v, i, &t, true);
    if (st == ZS_OK && (!zsi_buf_cstr(&t) || !zsi_json_raw(j, (char *)t.data)))
        st = ZS_ERR_NOMEM;
    zsi_buf_free(&t);
    return st;
}

static zs_status json_var(zsi_json *j, zs_var *v, unsigned flags)
{
    bool ok = zsi_json_obj_begin(j) && zsi_json_key(j, "name") &&
              zsi_json_str(j, zs_var_name(v)) && zsi_json_key(j, "path") &&
              zsi_json_str(j, zs_var_path(v)) && zsi_json_key(j, "dtype") &&
              zsi_json_str(j, zs_dtype_name(zs_var_dtype(v))) &&
              zsi_json_key(j, "itemsize") &&
              zsi_json_u64(j, zsi_var_stored_itemsize(v)) &&
              zsi_json_key(j, "dims") && zsi_json_arr_begin(j);
    zs_status st = ZS_OK;
    double x;
    for (int d = 0; ok && d < zs_var_ndim(v); d++)
        ok = zsi_json_str(j, zs_var_dim_name(v, d));
    ok = ok && zsi_json_arr_end(j) && zsi_json_key(j, "shape") &&
         json_dims(j, zs_var_shape(v), zs_var_ndim(v)) &&
         zsi_json_key(j, "chunks") &&
         json_dims(j, zs_var_chunks(v), zs_var_ndim(v)) &&
         zsi_json_key(j, "codecs") && zsi_json_str(j, zs_var_codecs(v)) &&
         zsi_json_key(j, "coordinate") && zsi_json_bool(j, is_coordinate(v)) &&
         zsi_json_key(j, "fill");
    if (ok && zsi_var_has_fill(v) && zsi_dtype_is_numeric(zs_var_dtype(v))) {
        int64_t iv;
        if (zsi_dtype_is_float(zs_var_dtype(v)))
            ok = zsi_json_f64(
                j, zsi_load_double(zs_var_dtype(v), zsi_var_fill_bytes(v), 0));
        else if (zs_var_dtype(v) == ZS_DT_UINT64)
            ok = zsi_json_u64(j, *(uint64_t *)(void *)zsi_var_fill_bytes(v));
        else
            ok =
                zsi_load_i64(zs_var_dtype(v), zsi_var_fill_bytes(v), 0, &iv) &&
                zsi_json_i64(j, iv);
    } else if (ok && zsi_var_has_fill(v) && zs_var_dtype(v) == ZS_DT_STRING) {
        ok = zsi_json_str(j, (const char *)zsi_var_fill_bytes(v));
    } else if (ok) {
        ok = zsi_json_null(j);
    }
    ok = ok && zsi_json_key(j, "packing");
    if (ok && (zs_attrs_find(zs_var_attrs(v), "scale_factor", NULL) ||
               zs_attrs_find(zs_var_attrs(v), "add_offset", NULL))) {
        ok =
            zsi_json_obj_begin(j) && zsi_json_key(j, "scale_factor") &&
            zsi_json_f64(j,
                         zsi_attrs_double(zs_var_attrs(v), "scale_factor", &x)
                             ? x
                             : 1.0) &&
            zsi_json_key(j, "add_offset") &&
            zsi_json_f64(j, zsi_attrs_double(zs_var_attrs(v), "add_offset", &x)
                                ? x
                                : 0.0) &&
            zsi_json_obj_end(j);
    } else if (ok) {
        ok = zsi_json_null(j);
    }
    if (ok && zsi_var_broken(v))
        ok = zsi_json_key(j, "problem") && zsi_json_str(j, zsi_var_broken(v));
    if (ok && !zsi_var_broken(v) && nelems(v) > 0 && is_coordinate(v)) {
        ok = zsi_json_key(j, "first");
        if (ok)
            st = json_value(j, v, 0);
        ok = ok && st == ZS_OK && zsi_json_key(j, "last");
        if (ok)
            st = json_value(j, v, nelems(v) - 1);
        ok = ok && st == ZS_OK;
    }
    if (ok && (flags & ZS_DESCRIBE_STORAGE)) {
        uint64_t stored, present, expected;
        ok = zsi_json_key(j, "raw_bytes") &&
             zsi_json_u64(j, zs_var_dtype(v) == ZS_DT_STRING
                                 ? 0
                                 : nelems(v) * zs_var_itemsize(v));
        if (ok && zs_var_storage(v, &stored, &present, &expected) == ZS_OK)
            ok = zsi_json_key(j, "stored_bytes") && zsi_json_u64(j, stored) &&
                 zsi_json_key(j, "chunks_present") &&
                 zsi_json_u64(j, present) &&
                 zsi_json_key(j, "chunks_expected") &&
                 zsi_json_u64(j, expected);
    }
    ok = ok && zsi_json_key(j, "attrs") && json_attrs(j, zs_var_attrs(v)) &&
         zsi_json_obj_end(j);
    return st != ZS_OK ? st : ok ? ZS_OK : ZS_ERR_NOMEM;
}

static zs_status json_group(zsi_json *j, zs_group *g, unsigned flags)
{
    bool ok = zsi_json_obj_begin(j) && zsi_json_key(j, "path") &&
              zsi_json_str(j, zs_group_path(g)) && zsi_json_key(j, "dims") &&
              zsi_json_obj_begin(j);
    zs_status st = ZS_OK;
    for (size_t i = 0; ok && i < zs_group_ndims(g); i++)
        ok = zsi_json_key(j, zs_group_dim_name(g, i)) &&
             zsi_json_u64(j, zs_group_dim_size(g, i));
    ok = ok && zsi_json_obj_end(j) && zsi_json_key(j, "unlimited") &&
         zsi_json_arr_begin(j);
    for (size_t i = 0; ok && i < zs_group_ndims(g); i++)
        if (zs_group_dim_unlimited(g, i))
            ok = zsi_json_str(j, zs_group_dim_name(g, i));
    ok = ok && zsi_json_arr_end(j) && zsi_json_key(j, "attrs") &&
         json_attrs(j, zs_group_attrs(g)) && zsi_json_key(j, "variables") &&
         zsi_json_arr_begin(j);
    for (size_t i = 0; ok && st == ZS_OK && i < zs_group_nvars(g); i++)
        st = json_var(j, zs_group_var(g, i), flags);
    ok = ok && st == ZS_OK && zsi_json_arr_end(j) &&
         zsi_json_key(j, "groups") && zsi_json_arr_begin(j);
    for (size_t i = 0; ok && st == ZS_OK && i < zs_group_ngroups(g); i++)
        st = json_group(j, zs_group_child(g, i), flags);
    ok = ok && st == ZS_OK && zsi_json_arr_end(j) && zsi_json_obj_end(j);
    return st != ZS_OK ? st : ok ? ZS_OK : ZS_ERR_NOMEM;
}

zs_status zs_dataset_describe_json(zs_dataset *ds, unsigned flags,
                                   char **json)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_json j;
    zs_status st;
    bool ok;
    zsi_json_init(&j, &b, true, 0);
    ok = zsi_json_obj_begin(&j) && zsi_json_key(&j, "name") &&
         zsi_json_str(&j, zsi_dataset_name(ds)) &&
         zsi_json_key(&j, "format") &&
         zsi_json_str(&j, zs_dataset_format(ds)) && zsi_json_key(&j, "root");
    st = ok ? json_group(&j, zs_dataset_root(ds), flags) : ZS_ERR_NOMEM;
    if (st == ZS_OK && !(zsi_json_obj_end(&j) &&
                         zsi_buf_append(&b, "\n", 1) && zsi_buf_cstr(&b)))
        st = ZS_ERR_NOMEM;
    if (st != ZS_OK) {
        zsi_buf_free(&b);
        return st == ZS_ERR_NOMEM ? zsi_nomem(zsi_dataset_ctx(ds)) : st;
    }
    *json = (char *)zsi_buf_take(&b);
    return ZS_OK;
}
