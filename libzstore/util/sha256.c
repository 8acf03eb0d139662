/* sha256.c - SHA-256 through OpenSSL's EVP interface. */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

struct zsi_sha256 {
    EVP_MD_CTX *md;
};

zs_status zsi_sha256_new(zs_ctx *ctx, zsi_sha256 **out)
{
    zsi_sha256 *h = calloc(1, sizeof *h);
    if (!h || !(h->md = EVP_MD_CTX_new()) ||
        EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        zsi_sha256_free(h);
        return zsi_err(ctx, ZS_ERR_NOMEM, "cannot set up SHA-256");
    }
    *out = h;
    return ZS_OK;
}

void zsi_sha256_update(zsi_sha256 *h, const void *p, size_t n)
{
    if (n)
        EVP_DigestUpdate(h->md, p, n);
}

void zsi_sha256_final(zsi_sha256 *h, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->md, d, &n);
    for (unsigned i = 0; i < 32 && i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    hex[64] = 0;
    zsi_sha256_free(h);
}

void zsi_sha256_free(zsi_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    free(h);
}

bool zsi_sha256_raw(const void *p, size_t n, uint8_t out[32])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(n ? p : "", n, d, &len, EVP_sha256(), NULL) != 1 ||
        len != 32)
        return false;
    memcpy(out, d, 32);
    return true;
}
