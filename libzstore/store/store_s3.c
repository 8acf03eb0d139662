/* store_s3.c - PLACEHOLDER: the S3 back-end is the next commit. */
#include "config.h"

#include "store/zsi_store.h"

zs_status zsi_store_s3_open(zs_ctx *ctx, const char *name, const char *bucket,
                            const char *prefix, unsigned flags,
                            zs_store **out)
{
    (void)bucket; (void)prefix; (void)flags;
    *out = NULL;
    return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: S3 stores are not built yet",
                   name);
}
