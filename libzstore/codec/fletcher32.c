/* fletcher32.c - the checksum of numcodecs' "fletcher32" codec
 * (checksum32.c; newer than Debian 12's numcodecs 0.11, which lacks it;
 * zarrs reads and writes it too): HDF5's Fletcher-32
 * (H5_checksum_fletcher32, which numcodecs copies).  It is not the
 * textbook Fletcher-32: the data are read as big-endian 16-bit words, an
 * odd last byte is the high byte of a last word, and the sums are folded
 * to 16 bits rather than reduced modulo 65535, so a sum may be 0xffff
 * where the textbook one gives 0. */
#include "config.h"

#include "codec/codec_impl.h"

/* Fold the sums every 360 words: sum2 stays below 2^32 (HDF5's bound). */
#define BLOCK_WORDS 360

static uint32_t fold(uint32_t v)
{
    return (v & 0xffff) + (v >> 16);
}

uint32_t zsi_fletcher32(const uint8_t *p, size_t n)
{
    uint32_t sum1 = 0, sum2 = 0;
    size_t words = n / 2;
    while (words) {
        size_t k = words > BLOCK_WORDS ? BLOCK_WORDS : words;
        words -= k;
        for (; k; k--, p += 2) {
            sum1 += (uint32_t)p[0] << 8 | p[1];
            sum2 += sum1;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    if (n % 2) {
        sum1 += (uint32_t)p[0] << 8;
        sum2 += sum1;
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    return fold(sum2) << 16 | fold(sum1);
}
