/* xxh.c - XXH3-128 through libxxhash: the only code that includes
 * xxhash.h.  Not a cryptographic hash: the manifest uses it for each
 * record (a change of any bit changes it, with odds of a collision by
 * accident of 2^-128), at memory speed. */
#include "config.h"

#include <string.h>
#include <xxhash.h>

#include "util/zsi_util.h"

void zsi_xxh128(const void *p, size_t n, uint8_t out[16])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
    memcpy(out, c.digest, 16);
}
