/* test_install.c - make install as a user or a packager meets it: the tree
 * it writes under a DESTDIR, the library's soname and exported symbols, the
 * README's C example built with pkg-config alone against that tree and
 * agreeing with the installed har-infer, make uninstall leaving nothing,
 * and the man pages lint-clean and complete. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synthetic.h"
#include "testutil.h"

static const char *const tools[] = {"har-ingest", "har-split", "har-norm",    "har-train",
                                     "har-eval",   "har-infer", "har-latency", "har-export"};
#define NTOOLS (sizeof tools / sizeof tools[0])

/* make install (or uninstall) into stage with PREFIX=/usr/local, in this
 * build (SANITIZE as the runner's).  The runner's MAKEFLAGS (a jobserver it
 * cannot reach) are not passed on. */
static int make(const char *goal, const char *stage, char **err)
{
    const char *san = getenv("HAR_SANITIZE");
    return tu_sh_capture(NULL, err,
                         "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory %s "
                         "DESTDIR='%s' PREFIX=/usr/local SANITIZE='%s'",
                         goal, stage, san ? san : "");
}

/* Every file (and link) under dir, one relative path a line, sorted. */
static char *tree(const char *dir)
{
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd '%s' && find . ! -type d | sed 's|^\\./||' | LC_ALL=C sort", dir), 0);
    return out;
}

START_TEST(install_writes_the_tree_and_uninstall_removes_it)
{
    char *tmp = tu_tmpdir(), *err = NULL;
    char stage[2048];
    snprintf(stage, sizeof stage, "%s/stage", tmp);
    ck_assert_msg(make("install", stage, &err) == 0, "make install failed:\n%s", err);
    free(err);
    tu_sbuf want = {0};
    for (size_t i = 0; i < NTOOLS; i++)
        tu_sbuf_printf(&want, "usr/local/bin/%s\n", tools[i]);
    tu_sbuf_printf(&want, "usr/local/include/har.h\nusr/local/lib/libhar.a\nusr/local/lib/libhar.so\n"
                          "usr/local/lib/libhar.so.0\nusr/local/lib/libhar.so.0.1.0\nusr/local/lib/pkgconfig/har.pc\n");
    for (size_t i = 0; i < NTOOLS; i++)
        tu_sbuf_printf(&want, "usr/local/share/man/man1/%s.1\n", tools[i]);
    char *got = tree(stage);
    /* Sorted as C strings: bin < include < lib < share, and the lists above are in that order. */
    char *sorted = NULL;
    tu_write_text(tu_path(tmp, "want"), want.s);
    ck_assert_int_eq(tu_sh_capture(&sorted, NULL, "LC_ALL=C sort '%s/want'", tmp), 0);
    ck_assert_str_eq(got, sorted);
    free(got);
    free(sorted);
    free(want.s);

    /* The installed tools run, and the header is the source tree's. */
    ck_assert_int_eq(tu_sh("'%s/usr/local/bin/har-infer' --version | grep -q '^har-infer (har) 0.1.0$'", stage), 0);
    ck_assert_int_eq(tu_sh("cmp -s lib/har.h '%s/usr/local/include/har.h'", stage), 0);
    /* The soname carries the major version; the links lead to the file. */
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "readelf -d '%s/usr/local/lib/libhar.so.0.1.0' | sed -n 's/.*SONAME.*\\[\\(.*\\)\\]/\\1/p'; "
                                               "readlink '%s/usr/local/lib/libhar.so' '%s/usr/local/lib/libhar.so.0'",
                                   stage, stage, stage),
                     0);
    ck_assert_str_eq(out, "libhar.so.0\nlibhar.so.0\nlibhar.so.0.1.0\n");
    free(out);
    /* PREFIX is har.pc's prefix (not DESTDIR's path). */
    char *pc = tu_read_file(tu_path(stage, "usr/local/lib/pkgconfig/har.pc"), NULL);
    ck_assert_ptr_nonnull(pc);
    tu_assert_contains(pc, "\nprefix=/usr/local\n");
    tu_assert_contains(pc, "\nlibdir=/usr/local/lib\n");
    tu_assert_contains(pc, "\nVersion: 0.1.0\n");
    free(pc);

    ck_assert_msg(make("uninstall", stage, &err) == 0, "make uninstall failed:\n%s", err);
    free(err);
    got = tree(stage);
    ck_assert_msg(strcmp(got, "") == 0, "make uninstall left:\n%s", got);
    free(got);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The shared library exports exactly the functions har.h declares: every
 * identifier followed by '(' on a line that starts a declaration. */
START_TEST(shared_library_exports_exactly_har_h)
{
    char *tmp = tu_tmpdir(), *err = NULL, *want = NULL, *got = NULL;
    char stage[2048];
    snprintf(stage, sizeof stage, "%s/stage", tmp);
    ck_assert_msg(make("install", stage, &err) == 0, "make install failed:\n%s", err);
    free(err);
    ck_assert_int_eq(tu_sh_capture(&want, NULL,
                                   "grep -v '^ \\|^#\\|^/\\|^typedef\\|^}' lib/har.h | grep -o '[a-z_0-9]*(' | tr -d '(' | "
                                   "LC_ALL=C sort -u"),
                     0);
    ck_assert_int_eq(tu_sh_capture(&got, NULL,
                                   "nm -D --defined-only '%s/usr/local/lib/libhar.so' | awk '$2 == \"T\" {print $3}' | "
                                   "sed 's/@.*//' | LC_ALL=C sort -u",
                                   stage),
                     0);
    ck_assert_msg(strstr(want, "predict_activity\n") && strstr(want, "har_stream_samples\n"), "har.h's functions: %s", want);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(readme_example_builds_with_pkg_config_and_agrees_with_har_infer)
{
    syn_fixture f;
    syn_fixture_make(&f, 90);
    char *err = NULL;
    char stage[2048];
    snprintf(stage, sizeof stage, "%s/stage", f.dir);
    ck_assert_msg(make("install", stage, &err) == 0, "make install failed:\n%s", err);
    free(err);
    char bin[4096];
    snprintf(bin, sizeof bin, "%s/usr/local/bin", stage);
    /* A GRU trained by the installed har-train. */
    ck_assert_int_eq(tu_sh("'%s/har-train' %s %s --stats %s -m gru:8,dense:3 -e 2 -o %s/model.st.gz --log none -q", bin,
                           f.train, f.val, f.stats, f.dir),
                     0);

    /* The README's block after <!-- compiled: classify_window.c -->. */
    ck_assert_int_eq(tu_sh("awk '/^<!-- compiled: classify_window.c -->$/ {m = 1; next} "
                           "m && /^```c$/ {on = 1; next} on && /^```$/ {exit} on' README.md > %s/classify_window.c",
                           f.dir),
                     0);
    char *src = tu_read_file(tu_path(f.dir, "classify_window.c"), NULL);
    ck_assert_msg(src && strstr(src, "#include <har.h>") && strstr(src, "predict_activity("),
                  "README.md has no compiled: classify_window.c block");
    free(src);
    /* pkg-config alone gives the flags (sysroot: the tree is staged, its
     * har.pc says /usr/local); a sanitizer build adds the sanitizers' runtime,
     * which its instrumented library needs. */
    const char *san = getenv("HAR_SANITIZE");
    char sanflags[256] = "";
    if (san && *san)
        snprintf(sanflags, sizeof sanflags, "-fsanitize=%s", san);
    char *flags = NULL;
    ck_assert_int_eq(tu_sh_capture(&flags, &err,
                                   "PKG_CONFIG_PATH='%s/usr/local/lib/pkgconfig' PKG_CONFIG_SYSROOT_DIR='%s' "
                                   "pkg-config --cflags --libs har",
                                   stage, stage),
                     0);
    free(err);
    flags[strcspn(flags, "\n")] = 0;
    tu_assert_contains(flags, "-lhar");
    ck_assert_msg(strstr(flags, "openblas") == NULL, "pkg-config --libs har names a private dependency: %s", flags);
    int rc = tu_sh_capture(NULL, &err, "cd %s && cc -std=c11 -Wall -Wextra -Werror -pedantic classify_window.c %s %s -o classify_window",
                           f.dir, flags, sanflags);
    ck_assert_msg(rc == 0, "the README's example does not build with `%s`:\n%s", flags, err);
    free(err);
    free(flags);
    /* Linked against the shared library, which the loader finds in the stage. */
    char *needed = NULL;
    ck_assert_int_eq(tu_sh_capture(&needed, NULL, "readelf -d %s/classify_window | grep NEEDED", f.dir), 0);
    tu_assert_contains(needed, "[libhar.so.0]");
    free(needed);

    /* Each of the first 12 raw windows, as text, through both. */
    for (long i = 0; i < 12; i++) {
        ck_assert_int_eq(tu_windows_to_text(f.val, i, 1, tu_path(f.dir, "win.txt")), 1);
        char *got = NULL, *want = NULL;
        ck_assert_int_eq(tu_sh_capture(&got, &err, "cd %s && LD_LIBRARY_PATH='%s/usr/local/lib' ./classify_window model.st.gz < win.txt",
                                       f.dir, stage),
                         0);
        free(err);
        /* har-infer's CSV row "1,CLASS,LABEL,p,p,p" as "CLASS p p p". */
        ck_assert_int_eq(tu_sh_capture(&want, NULL,
                                       "cd %s && '%s/har-infer' model.st.gz win.txt | sed -n '2{s/^[^,]*,//;s/,[^,]*,/,/;s/,/ /gp}'",
                                       f.dir, bin),
                         0);
        ck_assert_msg(strcmp(got, want) == 0 && strlen(got) > 10, "window %ld: the example printed '%s', har-infer '%s'",
                      i, got, want);
        free(got);
        free(want);
    }
    syn_fixture_free(&f);
}
END_TEST

/* Every page: mandoc's lint and groff's warnings say nothing; the sections
 * a man page has are there; every long option of --help is in OPTIONS. */
START_TEST(man_pages_are_lint_clean_and_complete)
{
    char *tmp = tu_tmpdir(), *err = NULL;
    char stage[2048];
    snprintf(stage, sizeof stage, "%s/stage", tmp);
    ck_assert_msg(make("install", stage, &err) == 0, "make install failed:\n%s", err);
    free(err);
    for (size_t i = 0; i < NTOOLS; i++) {
        char page[4096], *out = NULL;
        snprintf(page, sizeof page, "%s/usr/local/share/man/man1/%s.1", stage, tools[i]);
        int rc = tu_sh_capture(&out, NULL, "mandoc -T lint -W warning '%s' 2>&1; groff -ww -z -man '%s' 2>&1", page, page);
        ck_assert_msg(rc == 0 && strcmp(out, "") == 0, "%s: lint says:\n%s", tools[i], out);
        free(out);
        char *src = tu_read_file(page, NULL);
        ck_assert_ptr_nonnull(src);
        const char *sections[] = {".SH NAME\n",         ".SH SYNOPSIS\n", ".SH DESCRIPTION\n",   ".SH OPTIONS\n",
                                  ".SH \"EXIT STATUS\"\n", ".SH EXAMPLES\n", ".SH \"SEE ALSO\"\n"};
        const char *at = src;
        for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
            const char *p = strstr(at, sections[k]);
            ck_assert_msg(p, "%s.1: no %s(in this order)", tools[i], sections[k]);
            at = p;
        }
        free(src);
        /* The long options of --help, each in the page's text as man renders it. */
        char *missing = NULL;
        ck_assert_int_eq(tu_sh_capture(&missing, NULL,
                                       "MANWIDTH=200 mandoc -T ascii '%s' | col -b > %s/page.txt; "
                                       "'%s' --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u | "
                                       "while read o; do grep -q -e \"$o\" %s/page.txt || echo \"$o\"; done",
                                       page, tmp, tu_bin(tools[i]), tmp),
                         0);
        ck_assert_msg(strcmp(missing, "") == 0, "%s.1 lacks options of --help:\n%s", tools[i], missing);
        free(missing);
    }
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *install_suite(void)
{
    Suite *s = suite_create("install");
    TCase *tc = tcase_create("install");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, install_writes_the_tree_and_uninstall_removes_it);
    tcase_add_test(tc, shared_library_exports_exactly_har_h);
    tcase_add_test(tc, readme_example_builds_with_pkg_config_and_agrees_with_har_infer);
    tcase_add_test(tc, man_pages_are_lint_clean_and_complete);
    suite_add_tcase(s, tc);
    return s;
}
