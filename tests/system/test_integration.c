/* test_integration.c - the tools on the vendored HAPT data, end to end:
 * exact window counts, determinism, pipes, the audit, normalisation, the
 * README's Python loader, and the input digests against SOURCE.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/norm.h"
#include "data/windows.h"
#include "testutil.h"

/* A path inside the test's directory, in a local buffer (tu_path's storage
 * is reused after 8 calls, too soon for tests that juggle many files). */
#define PATH(var, name)                                                                 \
    char var[4096];                                                                     \
    snprintf(var, sizeof var, "%s/%s", dir, name)

/* Ingests data/hapt once per test into dir/windows.safetensors.gz. */
static const char *ingest_all(const char *dir, const char *extra)
{
    static char out[4096];
    snprintf(out, sizeof out, "%s/windows.safetensors.gz", dir);
    char *err = NULL;
    int rc = tu_sh_capture(NULL, &err, "%s -q '%s' -o '%s' %s", tu_bin("har-ingest"), tu_data(), out, extra);
    ck_assert_msg(rc == 0, "har-ingest failed (%d): %s", rc, err);
    free(err);
    return out;
}

static har_windows load(const char *path)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, path, &e) == 0, "%s", e.msg);
    return w;
}

START_TEST(hapt_gives_the_exact_uci_counts)
{
    char *dir = tu_tmpdir();
    const char *path = ingest_all(dir, "");
    har_windows w = load(path);
    ck_assert_int_eq(w.n, 10411);
    ck_assert_int_eq(w.t, 128);
    ck_assert_int_eq(w.c, 9);
    const int32_t test[] = {2, 4, 9, 10, 12, 13, 18, 20, 24};
    const int64_t want[6] = {1722, 1544, 1407, 1801, 1979, 1958};
    int64_t per_class[6] = {0}, in_test = 0;
    for (int64_t i = 0; i < w.n; i++) {
        per_class[w.y[i]]++;
        for (size_t k = 0; k < sizeof test / sizeof test[0]; k++)
            in_test += w.subject[i] == test[k];
    }
    ck_assert_int_eq(in_test, 2996);
    ck_assert_int_eq(w.n - in_test, 7415);
    for (int k = 0; k < 6; k++)
        ck_assert_int_eq(per_class[k], want[k]);
    ck_assert_str_eq(har_tfile_meta_get(w.file, "test_subjects"), "2,4,9,10,12,13,18,20,24");
    ck_assert_str_eq(har_tfile_meta_get(w.file, "classes"),
                     "WALKING,WALKING_UPSTAIRS,WALKING_DOWNSTAIRS,SITTING,STANDING,LAYING");
    /* Same command, same bytes (the command line is part of the metadata,
     * so the second run writes to the same path after we set the first aside). */
    PATH(first, "first.safetensors.gz");
    ck_assert_int_eq(tu_sh("mv '%s' '%s'", path, first), 0);
    ingest_all(dir, "");
    ck_assert_msg(tu_same_file(path, first), "two runs of the same command differ");
    har_windows_free(&w);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The per-file SHA-256 in the report equals the checksums in SOURCE.md:
 * har-ingest read every byte of the vendored data, decompressed, correctly. */
START_TEST(input_digests_match_source_md)
{
    char *dir = tu_tmpdir();
    PATH(report, "report.csv");
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s -q '%s' -o /dev/null --report '%s'", tu_bin("har-ingest"),
                                   tu_data(), report),
                     0);
    free(err);
    char *csv = tu_read_file(report, NULL), *source = tu_read_file(tu_path(tu_data(), "SOURCE.md"), NULL);
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(source);
    int files = 0;
    for (char *line = strstr(csv, "\nfile,"); line; line = strstr(line + 1, "\nfile,")) {
        char name[256], sha[65], expect[400];
        ck_assert_int_eq(sscanf(line + 6, "%255[^,],sha256,%64[0-9a-f]", name, sha), 2);
        snprintf(expect, sizeof expect, "%s  %s\n", sha, name);
        ck_assert_msg(strstr(source, expect), "SOURCE.md lacks \"%s\"", expect);
        files++;
    }
    ck_assert_int_eq(files, 61 * 2 + 3); /* recordings, labels, activity labels, test subjects */
    free(csv);
    free(source);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The README's promise: ingest | norm apply stats - - | split, then audit. */
START_TEST(pipes_and_audit)
{
    char *dir = tu_tmpdir(), *out = NULL, *err = NULL;
    const char *w = ingest_all(dir, "");
    PATH(p, "p");
    ck_assert_int_eq(tu_sh("%s -q --val-count 4 --seed 1 -o '%s' '%s'", tu_bin("har-split"), p, w), 0);
    PATH(stats, "stats.safetensors.gz");
    ck_assert_int_eq(tu_sh("%s fit '%s-train.safetensors.gz' -o '%s'", tu_bin("har-norm"), p, stats), 0);
    PATH(q, "q");
    ck_assert_int_eq(tu_sh("%s -q '%s' | %s apply '%s' - - | %s -q - --val-subjects 1,3 -o '%s'", tu_bin("har-ingest"),
                           tu_data(), tu_bin("har-norm"), stats, tu_bin("har-split"), q),
                     0);
    PATH(qval, "q-val.safetensors.gz");
    har_windows val = load(qval);
    ck_assert_str_eq(har_tfile_meta_get(val.file, "normalisation"), "per-channel z-score (har-norm)");
    ck_assert_str_eq(har_tfile_meta_get(val.file, "split_subjects"), "1,3");
    tu_assert_contains(har_tfile_meta_get(val.file, "lineage"), "har-ingest");
    tu_assert_contains(har_tfile_meta_get(val.file, "lineage"), "har-norm apply");
    har_windows_free(&val);
    /* The audit of the written split is clean ... */
    int audit_rc = tu_sh_capture(&out, &err, "%s --audit '%s-train.safetensors.gz' '%s-val.safetensors.gz' "
                                             "'%s-test.safetensors.gz'",
                                 tu_bin("har-split"), p, p, p);
    ck_assert_msg(audit_rc == 0, "audit failed (%d): %s", audit_rc, err);
    tu_assert_contains(out, "result: ok");
    free(out);
    free(err);
    /* ... and catches leakage, naming the subjects, with exit 4. */
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --audit '%s-test.safetensors.gz' '%s-test.safetensors.gz'",
                                   tu_bin("har-split"), p, q),
                     4);
    tu_assert_contains(err, "share subject(s) 2,4,9,10,12,13,18,20,24");
    tu_assert_contains(out, "LEAKAGE");
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Normalised training data has per-channel mean 0 and std 1 (to float
 * precision), and the statistics came from training subjects only. */
START_TEST(normalised_train_is_standard)
{
    char *dir = tu_tmpdir();
    const char *w = ingest_all(dir, "");
    PATH(p, "p");
    PATH(stats, "stats.safetensors.gz");
    PATH(tn, "train-norm.safetensors.gz");
    ck_assert_int_eq(tu_sh("%s -q --val-count 4 --seed 3 -o '%s' '%s'", tu_bin("har-split"), p, w), 0);
    ck_assert_int_eq(tu_sh("%s fit '%s-train.safetensors.gz' '%s' && %s apply '%s' '%s-train.safetensors.gz' '%s'",
                           tu_bin("har-norm"), p, stats, tu_bin("har-norm"), stats, p, tn),
                     0);
    har_windows t = load(tn);
    double mean[9], std[9];
    har_channel_stats(t.x, t.n * t.t, t.c, mean, std, NULL, NULL);
    for (int j = 0; j < 9; j++) {
        ck_assert_msg(fabs(mean[j]) < 1e-5, "channel %d mean %g", j, mean[j]);
        ck_assert_msg(fabs(std[j] - 1) < 1e-5, "channel %d std %g", j, std[j]);
    }
    ck_assert_str_eq(har_tfile_meta_get(t.file, "split"), "train");
    har_windows_free(&t);
    /* Fitting on the test split is refused. */
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s fit '%s-test.safetensors.gz' -o /dev/null", tu_bin("har-norm"), p),
                     2);
    tu_assert_contains(err, "training data only");
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Extracts the Python block after the README marker, points it at a file we
 * wrote, and checks what it loads against what C wrote. */
START_TEST(readme_python_loader_reads_our_files)
{
    char *readme = tu_read_file("README.md", NULL);
    ck_assert_ptr_nonnull(readme);
    char *mark = strstr(readme, "<!-- test: python-loader -->");
    ck_assert_ptr_nonnull(mark);
    char *start = strstr(mark, "```python\n"), *end = start ? strstr(start + 10, "```") : NULL;
    ck_assert(start && end);
    start += 10;
    *end = '\0';
    char *dir = tu_tmpdir();
    /* A small dataset: ingest a few windows, keep every dtype in play. */
    const char *path = ingest_all(dir, "--activities 6 --test-subjects 2");
    const char *literal = "build/data/hapt-train.safetensors.gz";
    char *at = strstr(start, literal);
    ck_assert_msg(at, "the README snippet no longer loads %s", literal);
    *at = '\0';
    PATH(script, "load.py");
    FILE *py = fopen(script, "w");
    fprintf(py, "%s%s%s\n", start, path, at + strlen(literal));
    fputs("import hashlib\n"
          "print(X.shape[0], X.shape[1], X.shape[2], hashlib.sha256(X.tobytes()).hexdigest(), int(y.sum()),\n"
          "      int(arrays['start'].sum()), int(arrays['subject'].sum()), classes[0])\n",
          py);
    fclose(py);
    char *out = NULL, *err = NULL;
    int rc = tu_sh_capture(&out, &err, "%s '%s'", tu_python(), script);
    ck_assert_msg(rc == 0, "python failed: %s", err);
    har_windows w = load(path);
    char sha[HAR_SHA256_HEX];
    ck_assert_int_eq(har_sha256_hex(w.x, (size_t)(w.n * w.t * w.c) * sizeof(float), sha, NULL), 0);
    int64_t ysum = 0, ssum = 0, subj = 0;
    for (int64_t i = 0; i < w.n; i++) {
        ysum += w.y[i];
        ssum += w.start[i];
        subj += w.subject[i];
    }
    long long n, y_py, s_py, subj_py;
    int t, c;
    char sha_py[65], cls[64];
    ck_assert_int_eq(sscanf(out, "%lld %d %d %64s %lld %lld %lld %63s", &n, &t, &c, sha_py, &y_py, &s_py, &subj_py, cls),
                     8);
    ck_assert_int_eq(n, w.n);
    ck_assert_int_eq(t, 128);
    ck_assert_int_eq(c, 9);
    ck_assert_str_eq(sha_py, sha); /* X bit-identical */
    ck_assert_int_eq(y_py, ysum);
    ck_assert_int_eq(s_py, ssum);
    ck_assert_int_eq(subj_py, subj);
    ck_assert_str_eq(cls, "LAYING");
    har_windows_free(&w);
    free(out);
    free(err);
    free(readme);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Each (recording, start) key of the input appears exactly once among the
 * outputs of one fold, and no subject is in two of them. */
static void check_fold(const har_windows *all, const char *const *files, int nfiles)
{
    char *seen = calloc((size_t)all->n, 1);
    har_idlist subjects[3] = {{0}};
    for (int f = 0; f < nfiles; f++) {
        har_windows part = load(files[f]);
        for (int64_t i = 0; i < part.n; i++) {
            int64_t j = 0;
            while (j < all->n && !(all->recording[j] == part.recording[i] && all->start[j] == part.start[i]))
                j++;
            ck_assert_msg(j < all->n, "%s: window not in the input", files[f]);
            ck_assert_msg(!seen[j], "window %lld lands in two outputs", (long long)j);
            seen[j] = 1;
            ck_assert(har_idlist_add(&subjects[f], part.subject[i], NULL) == 0);
        }
        har_windows_free(&part);
    }
    for (int64_t j = 0; j < all->n; j++)
        ck_assert_msg(seen[j], "window %lld lands in no output", (long long)j);
    for (int a = 0; a < nfiles; a++)
        for (int b = a + 1; b < nfiles; b++) {
            har_idlist both;
            ck_assert(har_idlist_intersect(&subjects[a], &subjects[b], &both, NULL) == 0);
            ck_assert_msg(both.n == 0, "%s and %s share subject %d", files[a], files[b], both.ids[0]);
            har_idlist_free(&both);
        }
    for (int f = 0; f < nfiles; f++)
        har_idlist_free(&subjects[f]);
    free(seen);
}

START_TEST(folds_put_every_window_in_one_output)
{
    char *dir = tu_tmpdir();
    const char *w = ingest_all(dir, "--activities 6"); /* LAYING only: small */
    PATH(p, "k");
    ck_assert_int_eq(tu_sh("%s -q --folds 3 --seed 5 -o '%s' '%s'", tu_bin("har-split"), p, w), 0);
    har_windows all = load(w);
    for (int k = 1; k <= 3; k++) {
        char tr[4200], va[4200], te[4200];
        snprintf(tr, sizeof tr, "%s-fold%02d-train.safetensors.gz", p, k);
        snprintf(va, sizeof va, "%s-fold%02d-val.safetensors.gz", p, k);
        snprintf(te, sizeof te, "%s-test.safetensors.gz", p);
        const char *files[3] = {tr, va, te};
        check_fold(&all, files, 3);
    }
    /* Same seed, same subject assignment; another seed, another one (the
     * audit CSV lists the subjects of every output; its file column differs). */
    ck_assert_int_eq(tu_sh("cd '%s' && %s -q --folds 3 --seed 5 -o k2 '%s' && %s -q --folds 3 --seed 6 -o k3 '%s' && "
                           "for k in k k2 k3; do cut -d, -f1-3,5- $k-audit.csv > $k.ids; done && cmp -s k.ids k2.ids",
                           dir, tu_bin("har-split"), w, tu_bin("har-split"), w),
                     0);
    ck_assert_int_eq(tu_sh("cmp -s '%s/k.ids' '%s/k3.ids'", dir, dir), 1);
    har_windows_free(&all);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

Suite *integration_suite(void)
{
    Suite *s = suite_create("integration");
    TCase *tc = tcase_create("hapt");
    /* Each test ingests the full dataset (~2 s, ~3x that under sanitizers). */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, hapt_gives_the_exact_uci_counts);
    tcase_add_test(tc, input_digests_match_source_md);
    tcase_add_test(tc, pipes_and_audit);
    tcase_add_test(tc, normalised_train_is_standard);
    tcase_add_test(tc, readme_python_loader_reads_our_files);
    tcase_add_test(tc, folds_put_every_window_in_one_output);
    suite_add_tcase(s, tc);
    return s;
}
