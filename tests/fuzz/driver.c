/*
 * driver.c - main() for the fuzz targets in ordinary builds: run the
 * target over files and directories given as arguments (by default
 * $srcdir/tests/fuzz/corpus/TARGET), printing TAP, so that the seed and
 * regression corpus is a test of every build.  A crash stops the program
 * after the "# FILE" line naming the input.
 *
 *   fuzz_meta [FILE|DIR]...     run the target over the inputs
 *   fuzz_meta --write-seeds DIR write the target's generated seeds
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef ZS_FUZZ_NAME
#define ZS_FUZZ_NAME "fuzz"
#endif

static int n_ok, n_bad;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) {
        n_bad++;
        printf("not ok %d - %s: %s\n", n_ok + n_bad, path,
               strerror(errno));
        return;
    }
    for (;;) {
        size_t r;
        if (n == cap) {
            uint8_t *p = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (!p)
                abort();
            buf = p;
        }
        r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    {
        /* an exact-size copy, so that reads past the end are caught */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact)
            abort();
        if (n)
            memcpy(exact, buf, n);
        free(buf);
        printf("# %s\n", path);
        fflush(stdout);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    n_ok++;
    printf("ok %d - %s\n", n_ok + n_bad, path);
    fflush(stdout);
}

static void run_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    if (!(d = opendir(path))) {
        run_file(path);
        return;
    }
    while ((e = readdir(d))) {
        char **v;
        if (e->d_name[0] == '.')
            continue;
        if (!(v = realloc(names, (n + 1) * sizeof *v)))
            abort();
        names = v;
        names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
        if (!names[n])
            abort();
        sprintf(names[n++], "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
        int r = zs_fuzz_seeds(argv[2]);
        if (r < 0)
            fprintf(stderr, "%s: cannot write seeds to %s\n", argv[0],
                    argv[2]);
        else
            fprintf(stderr, "%s: %d seeds written to %s\n", argv[0], r,
                    argv[2]);
        return r < 0;
    }
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            run_path(argv[i]);
    } else {
        const char *src = getenv("srcdir");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s",
                 src && *src ? src : ".", ZS_FUZZ_NAME);
        run_path(dir);
    }
    if (n_ok + n_bad == 0) {
        printf("not ok 1 - no input found for %s\n", ZS_FUZZ_NAME);
        n_bad = 1;
    }
    printf("1..%d\n", n_ok + n_bad);
    return n_bad ? 1 : 0;
}
