/* test_api.c - the public C API as a user meets it: lib/har.h includes only
 * standard headers, and tests/api/classify.c, a program that sees nothing
 * but a copy of har.h, compiles with -Wall -Wextra -Werror -pedantic (as C11
 * and, where g++ is installed, as C++), links with a plain -lhar plus the
 * external libraries, and classifies windows exactly as har-infer does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synthetic.h"
#include "testutil.h"

/* The compiler, the folder of libhar.a and the link flags make uses, from
 * make check's environment. */
static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* har.h names only standard headers: #include <...>, never "...". */
START_TEST(header_includes_only_standard_headers)
{
    char *h = tu_read_file("lib/har.h", NULL);
    if (!h) {
        tu_skip("header_includes_only_standard_headers", "lib/har.h not in the working directory");
        return;
    }
    int includes = 0;
    for (char *line = strtok(h, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "#include", 8))
            continue;
        includes++;
        ck_assert_msg(strstr(line, "<") && !strstr(line, "\""), "lib/har.h: '%s' is not a standard header", line);
        const char *std[] = {"<stddef.h>", "<stdint.h>", "<stdbool.h>", "<stdio.h>"};
        int known = 0;
        for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
            known |= strstr(line, std[i]) != NULL;
        ck_assert_msg(known, "lib/har.h: '%s' is not one of the C standard headers it may use", line);
    }
    ck_assert_int_gt(includes, 0);
    free(h);
}
END_TEST

/* Builds classify (as C, or as C++ with cxx) in dir against a copy of har.h
 * alone; returns the compiler's status. */
static int build(const char *dir, const char *compiler, const char *lang, const char *out, char **err)
{
    return tu_sh_capture(NULL, err,
                         "mkdir -p %s/include && cp lib/har.h %s/include/ && "
                         "%s %s -Wall -Wextra -Werror -pedantic -I%s/include tests/api/classify.c "
                         "-L%s -lhar %s -o %s/%s",
                         dir, dir, compiler, lang, dir, env_or("HAR_LIBDIR", "build"),
                         env_or("HAR_LINK", "-pthread -lcjson -lz -lcrypto -lopenblas -lm"), dir, out);
}

START_TEST(a_program_on_har_h_alone_agrees_with_har_infer)
{
    syn_fixture f;
    syn_fixture_make(&f, 90);
    /* A model, and raw windows as text (every float printed exactly). */
    ck_assert_int_eq(tu_sh("%s %s %s --stats %s -m flatten,dense:3 -e 3 -o %s/model.st.gz --log none -q",
                           tu_bin("har-train"), f.train, f.val, f.stats, f.dir),
                     0);
    int64_t n = tu_windows_to_text(f.val, 0, 1000000, tu_path(f.dir, "win.txt"));

    char *err = NULL, *want = NULL, *got = NULL;
    int rc = build(f.dir, env_or("HAR_CC", "cc"), "-std=c11", "classify", &err);
    ck_assert_msg(rc == 0, "classify.c does not build against har.h and -lhar alone:\n%s", err);
    free(err);
    ck_assert_int_eq(tu_sh_capture(&want, NULL, "cd %s && %s model.st.gz win.txt", f.dir, tu_bin("har-infer")), 0);
    ck_assert_int_eq(tu_sh_capture(&got, &err, "cd %s && ./classify model.st.gz < win.txt", f.dir), 0);
    ck_assert_str_eq(got, want);
    tu_assert_contains(err, "spec flatten,dense:3, first channel ax");
    /* Every window classified, not just the header. */
    int rows = 0;
    for (const char *c = got; *c; c++)
        rows += *c == '\n';
    ck_assert_int_eq(rows, (int)n + 1);
    free(got);
    free(err);
    /* A bad model: NULL and a message naming the file. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && ./classify nosuch.st.gz < win.txt", f.dir), 1);
    tu_assert_contains(err, "classify: nosuch.st.gz");
    free(err);

    /* The same program as C++: har.h's extern "C" and its types. */
    if (tu_sh("command -v %s > /dev/null 2>&1", env_or("HAR_CXX", "g++")) != 0) {
        tu_skip("a_program_on_har_h_alone_agrees_with_har_infer (C++)", "no C++ compiler (g++) installed");
    } else {
        rc = build(f.dir, env_or("HAR_CXX", "g++"), "-x c++ -std=c++17", "classify++", &err);
        ck_assert_msg(rc == 0, "classify.c does not build as C++ against har.h:\n%s", err);
        free(err);
        ck_assert_int_eq(tu_sh_capture(&got, NULL, "cd %s && ./classify++ model.st.gz < win.txt", f.dir), 0);
        ck_assert_str_eq(got, want);
        free(got);
    }
    free(want);
    syn_fixture_free(&f);
}
END_TEST

Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, header_includes_only_standard_headers);
    tcase_add_test(tc, a_program_on_har_h_alone_agrees_with_har_infer);
    suite_add_tcase(s, tc);
    return s;
}
