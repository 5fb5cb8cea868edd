/* replay.c - runs one fuzz target's harness (LLVMFuzzerTestOneInput of
 * tests/fuzz/fuzz_<target>.c) on given inputs, without libFuzzer.
 *
 * make fuzz needs clang and runs for minutes; make check's system level
 * (tests/system/test_fuzz_seeds.c) replays every target's seeds
 * (tests/fuzz/corpus/<target>/) through its harness built with the ordinary
 * compiler and flags, under ASan/UBSan with SANITIZE=..., so that a change
 * which makes a seed crash, abort (a property the harness checks no longer
 * holds) or leak fails make check, not only the next fuzzing campaign.
 *
 *   replay FILE|DIR...   each file, and each regular file in each DIR
 *                        (in name order), once; prints how many it ran
 *
 * Exit 0 when every input ran; 2 when an input cannot be read; a broken
 * property aborts (the harness's own abort()). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads path whole and runs the harness on it; 0, or -1 if unreadable. */
static int replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, fp)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    }
    int bad = !buf || ferror(fp);
    fclose(fp);
    if (!bad)
        LLVMFuzzerTestOneInput(buf, n); /* libFuzzer ignores the result too */
    free(buf);
    return bad ? -1 : 0;
}

/* Hidden names are skipped (editors' and libFuzzer's leftovers); main runs
 * only the regular files among the rest. */
static int regular_entry(const struct dirent *de)
{
    return de->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    long ran = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: cannot read it\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) != 0) {
                fprintf(stderr, "replay: %s: cannot read it\n", argv[i]);
                return 2;
            }
            ran++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, regular_entry, alphasort);
        if (n < 0) {
            fprintf(stderr, "replay: %s: cannot list it\n", argv[i]);
            return 2;
        }
        int failed = 0;
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (!failed && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (replay_file(path) != 0) {
                    fprintf(stderr, "replay: %s: cannot read it\n", path);
                    failed = 1;
                } else {
                    ran++;
                }
            }
            free(names[k]);
        }
        free(names);
        if (failed)
            return 2;
    }
    printf("replay: %ld inputs\n", ran);
    return 0;
}
