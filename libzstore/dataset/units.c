/* units.c - unit conversions by udunits2 (its default database, as the
 * udunits2 program uses it).  udunits2 reports errors by printing them;
 * the library never prints, so its handler is set to ignore them, and
 * the detail goes into the context's message instead.  Loading the
 * database takes milliseconds and is done per conversion asked for: a
 * plan asks for a few. */
#include "config.h"

#include <math.h>
#include <udunits2.h>

#include "dataset/zsi_units.h"

/* udunits2's handler and database are process-wide: guard them. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static zs_status parse(zs_ctx *ctx, ut_system *sys, const char *text,
                       ut_unit **out)
{
    *out = ut_parse(sys, text, UT_UTF8);
    if (!*out)
        return zsi_err(ctx, ZS_ERR_INVALID, "units: '%s' is not a unit "
                       "udunits2 knows", text);
    return ZS_OK;
}

static zs_status convert(zs_ctx *ctx, ut_system *sys, const char *from,
                         const char *to, double *scale, double *offset)
{
    ut_unit *a = NULL, *b = NULL;
    cv_converter *cv = NULL;
    zs_status st = parse(ctx, sys, from, &a);
    if (st == ZS_OK)
        st = parse(ctx, sys, to, &b);
    if (st == ZS_OK && !(cv = ut_get_converter(a, b)))
        st = zsi_err(ctx, ZS_ERR_MISMATCH, "units: '%s' does not convert "
                     "to '%s'", from, to);
    if (st == ZS_OK) {
        double y0 = cv_convert_double(cv, 0.0);
        double y1 = cv_convert_double(cv, 1.0);
        double y7 = cv_convert_double(cv, 7.0);
        *offset = y0;
        *scale = y1 - y0;
        if (!isfinite(y0) || !isfinite(y1) ||
            fabs(y0 + 7.0 * *scale - y7) > 1e-9 * (fabs(y7) + 1.0))
            st = zsi_err(ctx, ZS_ERR_MISMATCH, "units: '%s' converts to "
                         "'%s' but not linearly", from, to);
    }
    cv_free(cv);
    ut_free(a);
    ut_free(b);
    return st;
}

zs_status zsi_units_affine(zs_ctx *ctx, const char *from, const char *to,
                           double *scale, double *offset)
{
    ut_system *sys;
    zs_status st;
    pthread_mutex_lock(&lock);
    ut_set_error_message_handler(ut_ignore);
    sys = ut_read_xml(NULL);
    st = sys ? convert(ctx, sys, from, to, scale, offset)
             : zsi_err(ctx, ZS_ERR_IO, "units: the udunits2 database "
                       "cannot be read");
    ut_free_system(sys);
    pthread_mutex_unlock(&lock);
    return st;
}
