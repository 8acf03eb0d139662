/* store_http.c - PLACEHOLDER: the HTTP back-end is the next commit. */
#include "config.h"

#include "store/zsi_store.h"

zs_status zsi_store_http_open(zs_ctx *ctx, const char *url, unsigned flags,
                              zs_store **out)
{
    (void)flags;
    *out = NULL;
    return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: HTTP stores are not built yet",
                   url);
}
