/*
 * zsi_units.h - conversions between units of measure (CF "units"
 * attributes), through udunits2: units.c is the only code that includes
 * <udunits2.h>.
 */
#ifndef ZSI_UNITS_H
#define ZSI_UNITS_H

#include "util/zsi_util.h"

/* The conversion of values in units from to units to: to = scale * from +
 * offset.  Messages name "units" and both units: ZS_ERR_INVALID for a
 * unit udunits2 cannot read, ZS_ERR_MISMATCH for units that do not
 * convert (metres to kelvin) or convert otherwise than linearly
 * (decibels). */
zs_status zsi_units_affine(zs_ctx *ctx, const char *from, const char *to,
                           double *scale, double *offset);

#endif
