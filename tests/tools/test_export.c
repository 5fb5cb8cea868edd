/* test_export.c - har-export's command line: --help and --version, usage
 * errors (exit 2), the model written to a file or to standard output, the
 * same bytes every time.  What the model computes is checked in
 * tests/unit/test_onnx.c (its structure) and tests/system/test_onnx_runtime.c
 * (in ONNX Runtime). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "synthetic.h"
#include "testutil.h"

START_TEST(help_version_and_usage_errors)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --help", tu_bin("har-export")), 0);
    tu_assert_contains(out, "Usage: har-export [OPTIONS] MODEL -o OUT");
    tu_assert_contains(out, "Exit status:");
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --version", tu_bin("har-export")), 0);
    tu_assert_contains(out, "har-export (har) ");
    free(out);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s", tu_bin("har-export")), 2);
    tu_assert_contains(err, "missing MODEL");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s model.st.gz", tu_bin("har-export")), 2);
    tu_assert_contains(err, "missing -o OUT");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --format tflite model.st.gz -o x", tu_bin("har-export")), 2);
    tu_assert_contains(err, "--format");
    free(err);
}
END_TEST

START_TEST(writes_the_same_bytes_to_a_file_or_standard_output)
{
    syn_fixture f;
    syn_fixture_make(&f, 60);
    ck_assert_int_eq(tu_sh("%s %s %s --stats %s -m conv1d:4:3,relu,gru:4,dense:3 -e 1 -o %s/m.st.gz --log none -q",
                           tu_bin("har-train"), f.train, f.val, f.stats, f.dir),
                     0);
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s m.st.gz -o a.onnx", f.dir, tu_bin("har-export")), 0);
    tu_assert_contains(err, "har-export: a.onnx: ONNX opset 17, ");
    free(err);
    ck_assert_int_eq(tu_sh("cd %s && %s -q m.st.gz -o b.onnx && %s -q m.st.gz -o - > c.onnx", f.dir,
                           tu_bin("har-export"), tu_bin("har-export")),
                     0);
    ck_assert(tu_same_file(tu_path(f.dir, "a.onnx"), tu_path(f.dir, "b.onnx")));
    ck_assert(tu_same_file(tu_path(f.dir, "a.onnx"), tu_path(f.dir, "c.onnx")));
    /* A ModelProto: field 1 (ir_version) = 8 comes first. */
    size_t len = 0;
    char *bytes = tu_read_file(tu_path(f.dir, "a.onnx"), &len);
    ck_assert_int_gt(len, 100);
    ck_assert_int_eq((unsigned char)bytes[0], 0x08);
    ck_assert_int_eq((unsigned char)bytes[1], 8);
    free(bytes);
    /* No temporary left behind. */
    ck_assert_int_eq(tu_sh("cd %s && ! ls -a | grep -q '^\\.a\\.onnx'", f.dir), 0);
    syn_fixture_free(&f);
}
END_TEST

Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, help_version_and_usage_errors);
    tcase_add_test(tc, writes_the_same_bytes_to_a_file_or_standard_output);
    suite_add_tcase(s, tc);
    return s;
}
