/* test_pipelines.c - make check's smoke run of the training clinic's
 * pipelines (the fragments in pipelines/): all of `make pipelines studies`
 * (make all's stages and the cluster's studies), on 7 of the 30 subjects
 * (2 of them official test subjects, so 5 left out in turn by the LOSO
 * study), 2 epochs per training run, 1 validation subject and 2
 * cross-validation folds, written to a temporary
 * folder (ARTIFACTS, PIPE_WORK, MODEL_CARD) with the tools under test
 * (PIPE_BIN).  It checks what `make all` promises, in small:
 *  - every report is produced, with its required sections and figures;
 *  - a second make does nothing;
 *  - changing one run's hyperparameters reruns only that run and its report;
 *  - make -j1 and make -j2 give the same bytes, timings aside, and so does
 *    make -j2 RUNNER=slurm, every step a job step of a real single-node
 *    Slurm (scripts/slurm-local; skipped with the reason where Slurm cannot
 *    run, which is never the case in CI).
 * The runs happen once, in the fixture; each test then reads their files. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *work;        /* the temporary folder */
static char root[PATH_MAX]; /* the source tree: Makefile, pipelines/ */
static char slurm_skip[2200]; /* why the RUNNER=slurm run did not happen, or "" */

/* The recordings of experiments 1-14 (users 1-7; users 2 and 4 are test
 * subjects), their labels, the activity names and the official test list;
 * and GeoTec's subjects 1-7 (3 and 7 are its test subjects) with its
 * subjects' table. */
static void make_subset(const char *dir)
{
    char data[PATH_MAX];
    ck_assert_msg(realpath(tu_data(), data) != NULL, "data folder %s not found", tu_data());
    ck_assert_int_eq(tu_sh("set -e; mkdir -p '%s/hapt/RawData' '%s/hapt/Test'; cd '%s/hapt';"
                           "for e in 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do"
                           "  ln -s '%s'/RawData/acc_exp${e}_* '%s'/RawData/gyro_exp${e}_* RawData/; done;"
                           "zcat '%s/RawData/labels.txt.gz' | awk '$1 <= 14' | gzip -n > RawData/labels.txt.gz;"
                           "ln -s '%s/activity_labels.txt.gz' .; ln -s '%s/Test/subject_id_test.txt.gz' Test/",
                           dir, dir, dir, data, data, data, data, data),
                     0);
    char geotec[PATH_MAX];
    ck_assert_msg(realpath("data/geotec/raw/DATA", geotec) != NULL, "data/geotec/raw/DATA not found");
    ck_assert_int_eq(tu_sh("set -e; mkdir -p '%1$s/geotec'; for s in 01 02 03 04 05 06 07; do ln -s '%2$s'/s$s '%1$s/geotec/'; "
                           "done; ln -s '%2$s/subjects_info.csv' '%1$s/geotec/'",
                           dir, geotec),
                     0);
}

/* make -jJOBS pipelines into WORK/run (EXTRA: more make arguments); the
 * output goes to WORK/make.log.  MAKEFLAGS of an enclosing make (jobserver,
 * SANITIZE=...) must not reach it, nor the SLURM_* of an allocation the
 * tests run in (the RUNNER=slurm run uses the test's own cluster). */
static int make_in(const char *tree, int jobs, const char *extra, const char *goal)
{
    char bin[PATH_MAX];
    const char *tool = tu_bin("har-train");
    snprintf(bin, sizeof bin, "%.*s", (int)(strrchr(tool, '/') - tool), tool);
    return tu_sh("cd '%s' && unset $(env | sed -n 's/^\\(SLURM_[A-Z_]*\\)=.*/\\1/p') && "
                 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES HAR_THREADS=1 "
                 "make -s -j%d --no-print-directory %s ARTIFACTS='%s/%s/artifacts' PIPE_WORK='%s/%s/build' "
                 "MODEL_CARD='%s/%s/MODEL_CARD.md' PIPE_BIN='%s' DATA_DIR='%s/hapt' GEOTEC_RAW='%s/geotec' DATA_VAL_COUNT=1 CV_K=2 "
                 "TRAIN_EXTRA='-e 2' LATENCY_N=100 DEMO_EXP=03 DEMO_USER=02 %s > '%s/make.log' 2>&1",
                 root, jobs, goal, work, tree, work, tree, work, tree, bin, work, work, extra, work);
}

/* make all's pipelines and the cluster's studies (the Makefile's STUDIES:
 * the leave-one-subject-out report, the 5-fold CV, the ablation): asked
 * for by name here, part of `pipelines` itself with RUNNER=slurm. */
static int run_make(int jobs, const char *extra)
{
    return make_in("run", jobs, extra, strstr(extra, "RUNNER=slurm") ? "pipelines" : "pipelines studies");
}

static void assert_make(int jobs, const char *extra)
{
    if (run_make(jobs, extra) != 0) {
        char *log = tu_read_file(tu_path(work, "make.log"), NULL);
        size_t n = log ? strlen(log) : 0;
        ck_abort_msg("make -j%d pipelines studies %s failed; its output ends with:\n%s", jobs, extra,
                     log ? log + (n > 3000 ? n - 3000 : 0) : "(none)");
    }
}

/* Runs the pipelines twice from scratch, with -j1 (kept as WORK/j1) and
 * then -j2 (WORK/run, which the tests read): same paths, so the files can
 * be compared byte for byte. */
static void setup(void)
{
    ck_assert_msg(getcwd(root, sizeof root) && tu_exists("Makefile") && tu_exists("pipelines/data.mk"),
                  "the tests must run from the source tree (Makefile, pipelines/)");
    work = tu_tmpdir();
    make_subset(work);
    assert_make(1, "");
    ck_assert_int_eq(tu_sh("mv '%s/run' '%s/j1'", work, work), 0);
    assert_make(2, "");
    /* Then every step as a Slurm job step (the -j2 run kept as WORK/j2). */
    char *why = NULL;
    int rc = tu_sh_capture(NULL, &why, "SLURM_LOCAL_PORT=%d sh scripts/slurm-local start '%s/cluster'",
                           30000 + (int)(getpid() % 20000), work);
    slurm_skip[0] = 0;
    if (rc == 3) {
        snprintf(slurm_skip, sizeof slurm_skip, "Slurm cannot run here: %s", why);
    } else {
        ck_assert_msg(rc == 0, "scripts/slurm-local start failed (%d):\n%s", rc, why);
        ck_assert_int_eq(tu_sh("mv '%s/run' '%s/j2'", work, work), 0);
        char extra[PATH_MAX + 64];
        snprintf(extra, sizeof extra, "RUNNER=slurm SLURM_CONF='%s/cluster/slurm.conf' SLURM_MEM=1G SLURM_TRAIN_CPUS=1",
                 work);
        assert_make(2, extra);
    }
    free(why);
}

static void teardown(void)
{
    tu_sh("sh scripts/slurm-local stop '%s/cluster'", work);
    tu_rmtree(work);
    free(work);
}

static char *read_run(const char *name)
{
    char *text = tu_read_file(tu_path(tu_path(work, "run"), name), NULL);
    ck_assert_msg(text != NULL, "%s was not produced", name);
    return text;
}

/* How many times needle occurs in text. */
static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Every required string is in the report, and every figure it embeds
 * (![..](path)) is a PNG next to it. */
static void check_report(const char *name, const char *const *required)
{
    char *text = read_run(name);
    for (const char *const *r = required; *r; r++)
        ck_assert_msg(strstr(text, *r), "%s: no \"%s\"", name, *r);
    int figures = 0;
    for (const char *p = text; (p = strstr(p, "![")) != NULL; p++) {
        const char *open = strstr(p, "](");
        ck_assert_msg(open != NULL, "%s: an unterminated image link", name);
        const char *close = strchr(open, ')');
        ck_assert_msg(close != NULL, "%s: an unterminated image link", name);
        char rel[512];
        snprintf(rel, sizeof rel, "artifacts/%.*s", (int)(close - open - 2), open + 2);
        if (!strcmp(name, "MODEL_CARD.md"))
            snprintf(rel, sizeof rel, "%.*s", (int)(close - open - 2), open + 2);
        size_t len = 0;
        char *png = tu_read_file(tu_path(tu_path(work, "run"), rel), &len);
        ck_assert_msg(png && len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8), "%s: figure %s is not a PNG", name,
                      rel);
        free(png);
        figures++;
    }
    ck_assert_msg(figures > 0 || !strcmp(name, "MODEL_CARD.md"), "%s has no figures", name);
    free(text);
}

START_TEST(data_and_baselines_report)
{
    static const char *const req[] = {"## Dataset card",     "**Motivation.**", "**Target.**",
                                      "**Source and licence.**", "**Channels and units.**", "**Windows.**",
                                      "**Preprocessing.**",  "**Sanity checks.**", "NaN/Inf",
                                      "**Limitations and risks.**", "## Leakage audit", "## Baselines",
                                      "majority",            "## MLP baseline",  "confusion", "**Raw signals.**",
                                      "**Conclusions.**",    NULL};
    check_report("artifacts/01_data_and_baselines.md", req);
}
END_TEST

START_TEST(training_clinic_report)
{
    static const char *const req[] = {"## Noise floor",          "## Overfitting, and a fix", "## Instability, and a fix",
                                      "diverge",                 "## Vanishing gradients",    "## Activation functions",
                                      "## Initialisation schemes", "## Optimizers",           "## Momentum",
                                      "## Batch sizes",          "## Class imbalance",        "## Time-warp augmentation",
                                      "## Experiment log",       NULL};
    check_report("artifacts/02_training_clinic.md", req);
    /* Every section ends with conclusions generated from its numbers. */
    char *report = read_run("artifacts/02_training_clinic.md");
    ck_assert_int_ge(count(report, "**Conclusions.**"), 11);
    free(report);
    /* The experiment log: a header and one row per run, each with a note. */
    char *log = read_run("artifacts/experiments.csv");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   "%s -c \"import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); "
                                   "print(len(r), sum(1 for x in r if x['note'].strip()))\" '%s/run/artifacts/experiments.csv'",
                                   tu_python(), work),
                     0);
    int rows = 0, notes = 0;
    ck_assert_int_eq(sscanf(out, "%d %d", &rows, &notes), 2);
    ck_assert_int_ge(rows, 10);
    ck_assert_int_eq(notes, rows);
    free(out);
    free(log);
}
END_TEST

START_TEST(rnn_and_inference_report)
{
    static const char *const req[] = {"## Recurrent architectures", "## The candidates and the choice",
                                      "**Paired differences.**", "## Seeds: is the choice within noise?",
                                      "## Epochs", "the number of epochs was fixed, not chosen",
                                      "## When the test subjects were seen (the selection record)",
                                      "**What this means.**",
                                      "## An estimate that never saw the test subjects (nested cross-validation)",
                                      "## The final model's training", "## Final evaluation",
                                      "**Error analysis.**",         "**Failure modes.**",
                                      "## Saliency",                 "## The zoo on the test subjects",
                                      "## Inference demo",           "## Latency",
                                      NULL};
    check_report("artifacts/03_rnn_and_inference.md", req);
    /* The report and the card give the committed checkpoint's SHA-256. */
    char *sha = NULL;
    ck_assert_int_eq(tu_sh_capture(&sha, NULL, "sha256sum '%s/run/artifacts/final_model.safetensors.gz' | cut -c1-64",
                                   work),
                     0);
    sha[strcspn(sha, "\n")] = 0;
    ck_assert_int_eq(strlen(sha), 64);
    char *report = read_run("artifacts/03_rnn_and_inference.md"), *card = read_run("MODEL_CARD.md");
    tu_assert_contains(report, sha);
    tu_assert_contains(card, sha);
    free(sha);
    free(report);
    free(card);
}
END_TEST

START_TEST(model_card)
{
    static const char *const req[] = {"# Model card", "**Intended use.**", "**Not intended for.**",
                                      "**Evaluation protocol.**", "**Known failure modes.**", "**Limitations.**",
                                      "**Privacy and ethics.**", "CI over windows", "CI over subjects",
                                      "**Data, licence and citation.**", NULL};
    check_report("MODEL_CARD.md", req);
}
END_TEST

/* Report 4: the leave-one-subject-out study (5 training subjects here, so
 * 3 recipes x 5 held-out subjects) beside the 2 official test subjects;
 * and the cluster's other studies, the 5-fold CV and the ablation. */
START_TEST(subject_variability_report)
{
    static const char *const req[] = {"## Every held-out subject", "## The spread",
                                      "## The worst subjects and what they confuse",
                                      "## Does LOSO predict the test score better than the 2-fold CV?",
                                      "## The official test subjects", "## The runs", "gru-rot", "lstm-rot",
                                      "cnn-gru-rot", NULL};
    check_report("artifacts/04_subject_variability.md", req);
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   "cd '%s/run/artifacts' && grep -c . 04_subject_variability/loso-subjects.csv && "
                                   "cut -d, -f2 04_subject_variability/loso-subjects.csv | sort -u | grep -c '^[0-9]' && "
                                   "grep -c . 04_subject_variability/test-subjects.csv && "
                                   "grep -c . 04_subject_variability/runs/experiments.csv && "
                                   "grep -c . models/cv5/scores.csv && grep -c '^| ' models/recipes-ablation.md",
                                   work),
                     0);
    int loso = 0, subjects = 0, test = 0, runs = 0, cv5 = 0, ablation = 0;
    ck_assert_msg(sscanf(out, "%d %d %d %d %d %d", &loso, &subjects, &test, &runs, &cv5, &ablation) == 6, "%s", out);
    ck_assert_int_eq(loso, 1 + 3 * 5);
    ck_assert_int_eq(subjects, 5);
    ck_assert_int_eq(test, 1 + 3 * 2);
    ck_assert_int_eq(runs, 1 + 3 * 5);
    ck_assert_int_eq(cv5, 1 + 3 * 5);
    ck_assert_int_eq(ablation, 1 + 11);
    free(out);
}
END_TEST

/* Report 5: GeoTec's phases on its 2 test subjects of the 7 here, phone and
 * watch, and the HAPT models on its phone. */
START_TEST(geotec_report)
{
    static const char *const req[] = {"## 1. Ingestion", "rows dropped: timestamp equal to the previous one",
                                      "## 2. The TUG phases, each device on its own",
                                      "### Which device recognises which phase", "### Person by person",
                                      "## 3. The HAPT models on the GeoTec phone", "CNN-GRU without rotation",
                                      "Rotation: ", NULL};
    check_report("artifacts/05_geotec.md", req);
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   "cd '%s/run/artifacts/05_geotec' && grep -c . scores.csv && grep -c . classes.csv && "
                                   "grep -c . subjects.csv && grep -c . cross.csv && "
                                   "awk -F, '$1 == \"ingest\" && $2 == \"recordings\" { print $4 }' ingest-phone.csv",
                                   work),
                     0);
    int scores = 0, classes = 0, subjects = 0, cross = 0, recordings = 0;
    ck_assert_msg(sscanf(out, "%d %d %d %d %d", &scores, &classes, &subjects, &cross, &recordings) == 5, "%s", out);
    ck_assert_int_eq(scores, 1 + 2 * 4);      /* 2 devices x (2 baselines + 2 models) */
    ck_assert_int_eq(classes, 1 + 2 * 4 * 5); /* ... x 5 phases */
    ck_assert_int_eq(subjects, 1 + 2 * 2 * 2); /* 2 devices x 2 models x 2 test subjects */
    ck_assert_int_eq(cross, 1 + 6);           /* the 5 zoo models and cnn-gru-norot */
    ck_assert_int_eq(recordings, 66);         /* GeoTec subjects 1-7's phone recordings */
    free(out);
}
END_TEST

/* The files of two runs (folders of WORK) that differ, but those that
 * hold wall-clock times (curves, logs, latency, the reports and figures
 * that show them); "" if none.  The machine lock's files (build/.locks)
 * are no output: a RUNNER=slurm run takes no lock. */
static char *differing(const char *a, const char *b)
{
    char *out = NULL;
    int rc = tu_sh_capture(&out, NULL,
                           "cd '%s' && (cd %s && find . -type f ! -path './build/.locks/*' | sort) > %s.list && "
                           "(cd %s && find . -type f ! -path './build/.locks/*' | sort) > "
                           "%s.list && diff %s.list %s.list && for f in $(cat %s.list); do case $f in "
                           "*-curves.csv|*.log.csv|*experiments.csv|*/latency.json|*.md|*.png) ;; "
                           "*) cmp -s %s/$f %s/$f || echo $f;; esac; done",
                           work, a, a, b, b, a, b, b, a, b);
    ck_assert_msg(rc == 0, "the runs %s and %s did not write the same files:\n%s", a, b, out ? out : "");
    return out;
}

/* Every file the -j1 and the -j2 run wrote is the same, timings aside. */
START_TEST(parallel_make_gives_the_same_files)
{
    char *out = differing("j1", slurm_skip[0] ? "run" : "j2");
    ck_assert_msg(!*out, "files differ between make -j1 and make -j2:\n%s", out);
    free(out);
}
END_TEST

/* make -j2 RUNNER=slurm on a real cluster writes the same bytes as the
 * local run, timings aside. */
START_TEST(slurm_runner_gives_the_same_files)
{
    if (slurm_skip[0]) {
        tu_skip("slurm_runner_gives_the_same_files", slurm_skip);
        return;
    }
    char *out = differing("j1", "run");
    ck_assert_msg(!*out, "files differ between make -j1 and make -j2 RUNNER=slurm:\n%s", out);
    free(out);
    /* Each step was a job named after its target, asking for the CPUs it
     * computes with (1 for a training here, as HAR_THREADS=1 in the local
     * runs; 1 for an evaluation), and the timed latency run had the node to
     * itself (the cluster's job log: scripts/slurm-local). */
    out = NULL;
    tu_sh_capture(&out, NULL,
                  "cd '%s' && grep -c . cluster/jobs.log; "
                  "grep -c 'Name=%s/run/build/models/gru.safetensors.gz .* ProcCnt=1 ' cluster/jobs.log; "
                  "grep -c 'Name=%s/run/artifacts/models/gru-test[.][a-z]* .* ProcCnt=1 ' cluster/jobs.log; "
                  "grep -c \"Name=%s/run/artifacts/03_rnn_and_inference/latency.json .* ProcCnt=$(nproc) \" cluster/jobs.log; "
                  "grep -c 'Name=%s/run/build/loso/runs/[a-z-]*-0[1-5][.]safetensors[.]gz .* ProcCnt=1 ' cluster/jobs.log",
                  work, work, work, work, work);
    int jobs = 0, train = 0, eval = 0, alone = 0, loso = 0;
    ck_assert_msg(out && sscanf(out, "%d %d %d %d %d", &jobs, &train, &eval, &alone, &loso) == 5, "%s",
                  out ? out : "");
    ck_assert_msg(jobs > 50 && train == 1 && eval == 1 && alone == 1 && loso == 15,
                  "jobs %d, the GRU's training %d, its evaluation %d, the latency run alone %d, LOSO trainings %d",
                  jobs, train, eval, alone, loso);
    free(out);
}
END_TEST

/* A training cancelled mid-run (scancel, as a time limit or a lost node
 * would end it) leaves no artifact under its name; make again continues its
 * last checkpoint with --resume (pipelines/resume_args.sh), and the model is
 * the bytes of an uninterrupted run.  On a copy of the Slurm run's tree,
 * the GRU of the zoo trained for 8 epochs (TRAIN_EXTRA, given last, wins). */
START_TEST(cancelled_training_resumes)
{
    if (slurm_skip[0]) {
        tu_skip("cancelled_training_resumes", slurm_skip);
        return;
    }
    char extra[PATH_MAX + 64], model[PATH_MAX], last[PATH_MAX];
    snprintf(extra, sizeof extra, "RUNNER=slurm SLURM_CONF='%s/cluster/slurm.conf' SLURM_MEM=1G SLURM_TRAIN_CPUS=1 "
             "TRAIN_EXTRA='-e 8'", work);
    snprintf(model, sizeof model, "%s/r/build/models/gru.safetensors.gz", work);
    snprintf(last, sizeof last, "%s/r/build/models/gru-last.safetensors.gz", work);
    ck_assert_int_eq(tu_sh("cp -a '%s/run' '%s/r'", work, work), 0);
    /* The uninterrupted run. */
    ck_assert_int_eq(make_in("r", 1, extra, model), 0);
    ck_assert_int_eq(tu_sh("cp '%s' '%s/uninterrupted.st.gz' && rm -f '%s' '%s'", model, work, model, last), 0);
    /* Cancelled once its first epoch is saved. */
    ck_assert_int_eq(tu_sh("(for i in $(seq 1200); do [ -s '%s' ] && break; sleep 0.05; done; "
                           "SLURM_CONF='%s/cluster/slurm.conf' scancel -n '%s') > /dev/null 2>&1 &",
                           last, work, model),
                     0);
    ck_assert_int_ne(make_in("r", 1, extra, model), 0);
    ck_assert_msg(!tu_exists(model), "a cancelled training left %s", model);
    ck_assert_int_eq(tu_sh("gzip -dc '%s' | head -c 1000000 | grep -a -q '\"stop_reason\":\"running\"'", last), 0);
    /* make again: it continues, and ends where the uninterrupted run ended. */
    ck_assert_int_eq(make_in("r", 1, extra, model), 0);
    char *log = tu_read_file(tu_path(work, "make.log"), NULL);
    ck_assert_ptr_nonnull(log);
    tu_assert_contains(log, "resume_args.sh: continuing");
    free(log);
    ck_assert_msg(tu_same_file(model, tu_path(work, "uninterrupted.st.gz")),
                  "the resumed model differs from the uninterrupted one");
}
END_TEST

/* Marks the time (WORK/marker), then runs make -j2 pipelines again with
 * EXTRA: what it rewrites is newer than the marker. */
static void make_again(const char *extra)
{
    ck_assert_int_eq(tu_sh("touch '%s/marker' && sleep 0.01", work), 0);
    assert_make(2, extra);
}

/* make twice: the second writes nothing (the studies' second and third
 * makes included). */
START_TEST(second_make_does_nothing)
{
    make_again("");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "find '%s/run' -type f -newer '%s/marker'", work, work), 0);
    ck_assert_msg(!*out, "the second make rewrote:\n%s", out);
    free(out);
}
END_TEST

/* One clinic run's hyperparameters change: that run, the experiment log and
 * the clinic's report are redone, nothing else. */
START_TEST(one_changed_run_reruns_alone)
{
    make_again("CLINIC_OPTS_batch-16='--seed 1 --patience 0 -e 15 --optimizer adamw --lr 5e-4 -b 16'");
    char *out = NULL;
    int rc = tu_sh_capture(&out, NULL,
                           "cd '%s/run' && find . -type f -newer ../marker | sort | grep -v "
                           "-e '^./build/clinic/batch-16[.-]' -e '^./artifacts/02_training_clinic' "
                           "-e '^./artifacts/experiments.csv$' -e '^./build/.locks/'",
                           work);
    ck_assert_msg(rc == 1 && out && !*out, "also rewritten:\n%s", out ? out : "");
    free(out);
    ck_assert_int_eq(tu_sh("test '%s/run/build/clinic/batch-16.log.csv' -nt '%s/marker'", work, work), 0);
    ck_assert_int_eq(tu_sh("test '%s/run/build/clinic/opt-adamw.log.csv' -nt '%s/marker'", work, work), 1);
}
END_TEST

Suite *pipelines_suite(void)
{
    Suite *s = suite_create("pipelines");
    TCase *tc = tcase_create("smoke");
    /* The fixture runs the pipelines three times (-j1, -j2, -j2 on Slurm):
     * ~30 s each, a few times that under sanitizers. */
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, data_and_baselines_report);
    tcase_add_test(tc, training_clinic_report);
    tcase_add_test(tc, rnn_and_inference_report);
    tcase_add_test(tc, model_card);
    tcase_add_test(tc, subject_variability_report);
    tcase_add_test(tc, geotec_report);
    tcase_add_test(tc, parallel_make_gives_the_same_files);
    tcase_add_test(tc, slurm_runner_gives_the_same_files);
    tcase_add_test(tc, cancelled_training_resumes);
    tcase_add_test(tc, second_make_does_nothing);
    tcase_add_test(tc, one_changed_run_reruns_alone);
    suite_add_tcase(s, tc);
    return s;
}
