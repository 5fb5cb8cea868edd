/* test_onnx_runtime.c - har-export's models run in the real ONNX Runtime (the npm
 * package onnxruntime-node, installed by make check into bench/onnx/) and
 * give what har-infer gives: the same class for every window and every
 * probability within 1e-5.  Checked on the committed final model with real
 * test windows, on every model of the zoo (the specs of
 * pipelines/specs.mk, trained for one epoch on three HAPT subjects) and on
 * specs that use every other layer the spec language has. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Specs beyond the zoo: together with it, every layer, readout, option
 * and activation of the spec language. */
static const char *const other_specs[] = {
    "lstm:8:layers=2:bidir,dense:6",
    "rnn:8:bidir:readout=attention,dense:6",
    "gru:8:readout=seq,layernorm,attention,dense:6",
    "conv1d:8:3:stride=2:pad=2:dilation=2,gelu,avgpool:3:2,silu,gap,dense:6",
    "conv1d:8:5:pad=same,elu,maxpool:4:3,flatten,dense:6",
    "dense:16,elu,res(dense:16,leakyrelu,dense:16),gaussian,tanh,sigmoid,flatten,dense:6",
    "lstm:8:layers=2:readout=seq,last,dense:6",
    "gru:8:layers=2:bidir:dropout=0.1:readout=mean,dense:6",
    "dense:8,relu,res(layernorm,dense:8,gelu),lstm:8:readout=mean,dense:6",
};

static const char *ort_dir(void)
{
    const char *d = getenv("HAR_ORT");
    return d && *d ? d : "bench/onnx";
}

/* Fails unless node and onnxruntime-node are there: make check installs
 * them (its packages-onnx step), so their absence is a broken setup, not a
 * reason to skip. */
static void need_runtime(void)
{
    ck_assert_msg(tu_sh("command -v node > /dev/null") == 0, "node is not installed (make check installs it)");
    ck_assert_msg(tu_sh("test -d '%s/node_modules/onnxruntime-node'", ort_dir()) == 0,
                  "%s/node_modules/onnxruntime-node is missing: run make check (npm ci --ignore-scripts there)",
                  ort_dir());
}

/* bench/onnx/check.sh: exports model, classifies dir/windows.txt with ONNX
 * Runtime and har-infer, requires the same class on every window and the
 * probabilities within 1e-5 (exit 0), and says so in one line. */
static void agree(const char *dir, const char *model, const char *what, long n)
{
    char *out = NULL, *err = NULL;
    /* check.sh finds the tools through HAR_BIN, which the runner has too. */
    int rc = tu_sh_capture(&out, &err, "sh '%s/check.sh' '%s' %s/windows.txt", ort_dir(), model, dir);
    ck_assert_msg(rc == 0, "%s: ONNX Runtime and har-infer disagree (check.sh exit %d):\n%s%s", what, rc, out, err);
    char want[64];
    snprintf(want, sizeof want, ": %ld windows, same class on %ld, max |dp| ", n, n);
    tu_assert_contains(out, want);
    fprintf(stderr, "onnx: %-90s %s", what, strstr(out, want) + 2);
    free(out);
    free(err);
}

START_TEST(final_model_agrees_with_onnx_runtime)
{
    need_runtime();
    char *tmp = tu_tmpdir();
    /* Real test windows: subject 2's of the vendored data. */
    ck_assert_int_eq(tu_sh("%s %s -q -o %s/w.st.gz 2>/dev/null && %s -q --test-subjects 2 -o %s/s %s/w.st.gz",
                           tu_bin("har-ingest"), tu_data(), tmp, tu_bin("har-split"), tmp, tmp),
                     0);
    char test[1024];
    snprintf(test, sizeof test, "%s/s-test.safetensors.gz", tmp);
    long n = tu_windows_to_text(test, 0, 300, tu_path(tmp, "windows.txt"));
    ck_assert_int_eq(n, 300);
    agree(tmp, "artifacts/final_model.safetensors.gz", "artifacts/final_model.safetensors.gz", n);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(every_layer_agrees_with_onnx_runtime)
{
    need_runtime();
    char *tmp = tu_tmpdir();
    /* Training subjects 1, 3, 5, validation 6, the rest scored: one epoch
     * each is enough for weights that are not the initial ones. */
    ck_assert_int_eq(tu_sh("%s %s -q -o %s/w.st.gz 2>/dev/null && "
                           "%s -q --test-subjects 2,4,7-30 --val-subjects 6 -o %s/s %s/w.st.gz && "
                           "%s fit %s/s-train.safetensors.gz -o %s/stats.st.gz",
                           tu_bin("har-ingest"), tu_data(), tmp, tu_bin("har-split"), tmp, tmp, tu_bin("har-norm"), tmp, tmp),
                     0);
    char test[1024];
    snprintf(test, sizeof test, "%s/s-test.safetensors.gz", tmp);
    long n = tu_windows_to_text(test, 0, 100, tu_path(tmp, "windows.txt"));
    ck_assert_int_eq(n, 100);

    /* The zoo's specs, as the pipelines name them. */
    char *zoo = NULL;
    ck_assert_int_eq(tu_sh_capture(&zoo, NULL, "sed -n 's/^SPEC_[a-z0-9-]* *:= *//p' pipelines/specs.mk"), 0);
    int nzoo = 0;
    char *specs[64];
    for (char *s = strtok(zoo, "\n"); s && nzoo < 40; s = strtok(NULL, "\n"))
        specs[nzoo++] = s;
    ck_assert_int_ge(nzoo, 5);
    int nspecs = nzoo;
    for (size_t i = 0; i < sizeof other_specs / sizeof other_specs[0]; i++)
        specs[nspecs++] = (char *)other_specs[i];
    for (int i = 0; i < nspecs; i++) {
        char model[1100], *err = NULL;
        snprintf(model, sizeof model, "%s/model%d.st.gz", tmp, i);
        int rc = tu_sh_capture(NULL, &err,
                               "%s %s/s-train.safetensors.gz %s/s-val.safetensors.gz --stats %s/stats.st.gz -m '%s' -e 1 "
                               "-b 32 -o %s --log none -q",
                               tu_bin("har-train"), tmp, tmp, tmp, specs[i], model);
        ck_assert_msg(rc == 0, "training %s failed:\n%s", specs[i], err);
        free(err);
        agree(tmp, model, specs[i], n);
    }
    free(zoo);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *onnx_runtime_suite(void)
{
    Suite *s = suite_create("onnx_runtime");
    TCase *tc = tcase_create("onnx_runtime");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, final_model_agrees_with_onnx_runtime);
    tcase_add_test(tc, every_layer_agrees_with_onnx_runtime);
    suite_add_tcase(s, tc);
    return s;
}
