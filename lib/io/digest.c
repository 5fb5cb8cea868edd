#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "digest.h"

struct har_sha256 {
    EVP_MD_CTX *ctx;
};

har_sha256 *har_sha256_new(har_err *e)
{
    har_sha256 *h = har_malloc(sizeof *h, e);
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        free(h);
        har_fail(e, HAR_EIO, "cannot initialise SHA-256 (libcrypto)");
        return NULL;
    }
    return h;
}

void har_sha256_update(har_sha256 *h, const void *data, size_t n)
{
    EVP_DigestUpdate(h->ctx, data, n);
}

void har_sha256_final(har_sha256 *h, char hex[HAR_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

int har_sha256_hex(const void *data, size_t n, char hex[HAR_SHA256_HEX], har_err *e)
{
    har_sha256 *h = har_sha256_new(e);
    if (!h)
        return HAR_EIO;
    har_sha256_update(h, data, n);
    har_sha256_final(h, hex);
    return 0;
}
