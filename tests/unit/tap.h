/*
 * tap.h - a few macros that print Test Anything Protocol from C unit tests.
 * Each test program prints "ok N - what" / "not ok N - what" and a final
 * plan line; automake's tap-driver.sh counts them.
 */
#ifndef ZS_TAP_H
#define ZS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                   \
    do {                                                                    \
        int tap_c_ = (cond) ? 1 : 0;                                        \
        printf("%sok %d - ", tap_c_ ? "" : "not ", ++tap_n);                \
        printf(__VA_ARGS__);                                                \
        printf("\n");                                                       \
        if (!tap_c_) {                                                      \
            tap_failed++;                                                   \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                   \
        fflush(stdout);                                                     \
    } while (0)

#define TAP_SKIP(reason) \
    do { printf("ok %d # SKIP %s\n", ++tap_n, reason); } while (0)

#define TAP_DIAG(...) \
    do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/* Print the plan; use as "return TAP_DONE();" at the end of main. */
#define TAP_DONE() (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
