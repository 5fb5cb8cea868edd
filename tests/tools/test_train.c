/* test_train.c - har-train end to end on small synthetic datasets.  The
 * pieces it is made of are tested in-process in tests/unit/:
 * test_train_lib.c (metrics, augmentation, the experiment log, the thread
 * team) and test_checkpoint.c (the checkpoint, the resume check, the
 * training set's checks). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "train/augment.h"
#include "model/checkpoint.h"
#include "train/explog.h"
#include "eval/metrics.h"
#include "data/norm.h"
#include "core/team.h"
#include "synthetic.h"
#include "testutil.h"

/* Runs har-train with common arguments; returns the exit status. */
static int train(const syn_fixture *f, char **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int train(const syn_fixture *f, char **err, const char *fmt, ...)
{
    char extra[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(extra, sizeof extra, fmt, ap);
    va_end(ap);
    return tu_sh_capture(NULL, err, "cd %s && %s %s %s --stats %s --log %s %s", f->dir,
                         tu_bin("har-train"), f->train, f->val, f->stats, f->log, extra);
}

/* ---- har-train ------------------------------------------------------------ */

START_TEST(help_and_version)
{
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --help", tu_bin("har-train")), 0);
    tu_assert_contains(out, "Model spec");
    tu_assert_contains(out, "--resume");
    tu_assert_contains(out, "5  training diverged");
    free(out);
    ck_assert_int_eq(tu_sh("%s --version >/dev/null", tu_bin("har-train")), 0);
}
END_TEST

START_TEST(learns_separable_data_and_logs)
{
    syn_fixture f;
    syn_fixture_make(&f, 150);
    char *err = NULL;
    int rc = train(&f, &err,
                   "-m flatten,dense:16,relu,dense:3 -e 15 -b 16 --patience 0 -o best.st.gz "
                   "--curves curves.csv --note 'first, \"quoted\" note' --run-id r1");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    tu_assert_contains(err, "initial val loss");
    tu_assert_contains(err, "(ln 3 = 1.0986)");
    free(err);
    /* The best checkpoint loads, has the stats and reaches high validation accuracy. */
    har_checkpoint ck;
    har_err e = {0};
    ck_assert_msg(har_checkpoint_load(&ck, tu_path(f.dir, "best.st.gz"), &e) == 0, "%s", e.msg);
    ck_assert_int_eq(ck.nclasses, 3);
    ck_assert_int_eq(ck.window, 16);
    /* channel 1: offset 5, plus 1 (+ a zero-mean sine) in the third of windows of class B */
    ck_assert_msg(fabs(ck.mean[1] - (5.0 + 1.0 / 3)) < 0.1, "mean[1] %g", ck.mean[1]);
    ck_assert_str_eq(har_tfile_meta_get(ck.file, "spec"), "flatten,dense:16,relu,dense:3");
    ck_assert_ptr_nonnull(har_tfile_meta_get(ck.file, "git_commit"));
    ck_assert_ptr_nonnull(strstr(har_tfile_meta_get(ck.file, "hyperparameters"), "\"optimizer\":\"adamw\""));
    ck_assert_ptr_nonnull(har_tfile_get(ck.file, "1.weight"));
    ck_assert_ptr_nonnull(har_tfile_get(ck.file, "train.optim.exp_avg"));
    har_checkpoint_free(&ck);
    ck_assert(tu_exists(tu_path(f.dir, "best-last.st.gz")));
    /* Curves: header + one row per epoch; val accuracy of the last epoch high. */
    char *curves = tu_read_file(tu_path(f.dir, "curves.csv"), NULL);
    ck_assert_ptr_nonnull(curves);
    tu_assert_contains(curves, "epoch,train_loss,train_acc,train_f1,val_loss,val_acc,val_f1,lr,grad_norm,grad_l2_1,grad_l2_3,grad_l1_1,grad_l1_3,seconds\n");
    int lines = 0;
    for (char *p = curves; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 16);
    char *lastrow = curves + strlen(curves) - 2;
    while (lastrow > curves && lastrow[-1] != '\n')
        lastrow--;
    double v[6];
    ck_assert_int_eq(sscanf(lastrow, "%*d,%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
    ck_assert_msg(v[4] > 0.9, "val acc %g", v[4]);
    free(curves);
    /* One log row with the quoted note, the stop reason and, last, the load
     * average as the run ended (this machine has /proc/loadavg). */
    char *log = tu_read_file(f.log, NULL);
    ck_assert_ptr_nonnull(log);
    const char *header = "run_id,timestamp_utc,model,params,optimizer,lr,batch_size,weight_decay,seed,"
                         "epochs_run,best_epoch,best_val_acc,best_val_f1,best_val_loss,stop_reason,seconds,"
                         "train,val,output,git_commit,hyperparameters,note,load_avg\n";
    ck_assert_msg(strncmp(log, header, strlen(header)) == 0, "log header: %.300s", log);
    tu_assert_contains(log, "\nr1,");
    tu_assert_contains(log, ",\"flatten,dense:16,relu,dense:3\",");
    tu_assert_contains(log, ",completed,");
    const char *note = ",\"first, \"\"quoted\"\" note\",", *load = strstr(log, note);
    ck_assert_ptr_nonnull(load);
    load += strlen(note);
    size_t digits = strspn(load, "0123456789.");
    ck_assert_msg(digits > 0 && !strcmp(load + digits, "\n"), "load_avg field '%s'", load);
    free(log);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(same_seed_same_bytes_any_threads)
{
    syn_fixture f;
    syn_fixture_make(&f, 90);
    const char *common = "-m conv1d:8:3,relu,gru:8,dropout:0.2,dense:3 -e 3 --jitter 0.05 --scaling 0.1 "
                         "--time-warp 0.1 --oversample -o a.st.gz";
    /* The same command line (the output name is part of the recorded
     * arguments), so each run's result is moved aside before the next.
     * Neither the number of threads (HAR_THREADS, the --threads default) nor
     * OPENBLAS_NUM_THREADS may matter (har-train keeps OpenBLAS on one). */
    ck_assert_int_eq(tu_sh("cd %s && HAR_THREADS=1 OPENBLAS_NUM_THREADS=1 %s %s %s --stats %s --log none %s 2>/dev/null", f.dir,
                           tu_bin("har-train"), f.train, f.val, f.stats, common), 0);
    ck_assert_int_eq(rename(tu_path(f.dir, "a.st.gz"), tu_path(f.dir, "t1.st.gz")), 0);
    ck_assert_int_eq(tu_sh("cd %s && HAR_THREADS=2 OPENBLAS_NUM_THREADS=2 %s %s %s --stats %s --log none %s 2>/dev/null", f.dir,
                           tu_bin("har-train"), f.train, f.val, f.stats, common), 0);
    ck_assert_int_eq(rename(tu_path(f.dir, "a.st.gz"), tu_path(f.dir, "t2.st.gz")), 0);
    ck_assert_int_eq(tu_sh("cd %s && %s %s %s --stats %s --log none %s --seed 2 2>/dev/null", f.dir,
                           tu_bin("har-train"), f.train, f.val, f.stats, common), 0);
    ck_assert(tu_same_file(tu_path(f.dir, "t1.st.gz"), tu_path(f.dir, "t2.st.gz")));
    ck_assert(!tu_same_file(tu_path(f.dir, "t1.st.gz"), tu_path(f.dir, "a.st.gz")));
    syn_fixture_free(&f);
}
END_TEST

/* Without VAL: the last epoch is kept, the validation columns stay empty,
 * and what needs validation is refused. */
START_TEST(trains_without_validation)
{
    syn_fixture f;
    syn_fixture_make(&f, 30);
    char *err = NULL;
    const char *run = "-m flatten,dense:3 -e 3 -o a.st.gz --checkpoint l.st.gz";
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s --stats %s --log log.csv --curves c.csv %s", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, run), 0);
    tu_assert_contains(err, "kept the last epoch, 3");
    free(err);
    har_err e = {0};
    har_tfile *a = har_tfile_read(tu_path(f.dir, "a.st.gz"), &e), *l = har_tfile_read(tu_path(f.dir, "l.st.gz"), &e);
    ck_assert(a && l);
    const har_tensor *wa = har_tfile_get(a, "1.weight"), *wl = har_tfile_get(l, "1.weight");
    ck_assert(wa && wl && wa->nbytes == wl->nbytes && !memcmp(wa->data, wl->data, wa->nbytes));
    ck_assert_str_eq(har_tfile_meta_get(a, "val_digest"), "none");
    har_tfile_free(a);
    har_tfile_free(l);
    char *curves = tu_read_file(tu_path(f.dir, "c.csv"), NULL);
    tu_assert_contains(curves, "\n3,");
    ck_assert_ptr_nonnull(strstr(curves, ",,,")); /* val loss, acc, F1 */
    ck_assert_ptr_null(strstr(curves, "nan"));
    free(curves);
    char *log = tu_read_file(tu_path(f.dir, "log.csv"), NULL);
    tu_assert_contains(log, ",completed,");
    tu_assert_contains(log, ",none,");
    free(log);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s --stats %s --log none %s --patience 2", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, run), 2);
    tu_assert_contains(err, "needs a validation split");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s --stats %s --log none %s --schedule plateau", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, run), 2);
    tu_assert_contains(err, "needs a validation split");
    free(err);
    syn_fixture_free(&f);
}
END_TEST

/* --rotate needs named xyz channels, and is seeded like every augmentation. */
START_TEST(rotate_is_seeded_and_needs_xyz_channels)
{
    syn_fixture f;
    syn_fixture_make(&f, 30);
    char *err = NULL;
    ck_assert_int_eq(train(&f, &err, "-m flatten,dense:3 -e 1 --rotate 30 -o x.st.gz"), 2);
    tu_assert_contains(err, "no xyz channels");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "x.st.gz")));
    syn_write_set_meta(f.train, 60, 16, 1, 11, "train", "acc_x,acc_y,acc_z", "A,B,C", 0);
    syn_write_set_meta(f.val, 20, 16, 21, 12, "val", "acc_x,acc_y,acc_z", "A,B,C", 0);
    ck_assert_int_eq(tu_sh("%s fit %s -o %s", tu_bin("har-norm"), f.train, f.stats), 0);
    const char *common = "-m flatten,dense:3 -e 2 --rotate 45 --rotate-share 0.5 -o a.st.gz --log none";
    ck_assert_int_eq(tu_sh("cd %s && HAR_THREADS=1 %s %s %s --stats %s %s 2>/dev/null", f.dir, tu_bin("har-train"),
                           f.train, f.val, f.stats, common), 0);
    ck_assert_int_eq(rename(tu_path(f.dir, "a.st.gz"), tu_path(f.dir, "r1.st.gz")), 0);
    ck_assert_int_eq(tu_sh("cd %s && HAR_THREADS=2 %s %s %s --stats %s %s 2>/dev/null", f.dir, tu_bin("har-train"),
                           f.train, f.val, f.stats, common), 0);
    ck_assert(tu_same_file(tu_path(f.dir, "r1.st.gz"), tu_path(f.dir, "a.st.gz")));
    /* The rotation changed what was learnt. */
    ck_assert_int_eq(tu_sh("cd %s && %s %s %s --stats %s -m flatten,dense:3 -e 2 -o b.st.gz --log none 2>/dev/null",
                           f.dir, tu_bin("har-train"), f.train, f.val, f.stats), 0);
    har_err e = {0};
    har_tfile *a = har_tfile_read(tu_path(f.dir, "a.st.gz"), &e), *b = har_tfile_read(tu_path(f.dir, "b.st.gz"), &e);
    ck_assert(a && b);
    const har_tensor *wa = har_tfile_get(a, "1.weight"), *wb = har_tfile_get(b, "1.weight");
    ck_assert(wa && wb && wa->nbytes == wb->nbytes && memcmp(wa->data, wb->data, wa->nbytes));
    har_tfile_free(a);
    har_tfile_free(b);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(sigkill_and_resume_is_bit_identical)
{
    syn_fixture f;
    syn_fixture_make(&f, 240);
    /* One command line for the reference and the killed runs: the arguments
     * are recorded in the checkpoint (--resume is not). */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s %s %s --stats %s -m gru:16,dropout:0.1,dense:3 -e 12 --patience 0 --jitter 0.05 "
             "--log none -o run.st.gz --checkpoint run-last.st.gz --steps steps.csv",
             tu_bin("har-train"), f.train, f.val, f.stats);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(tu_sh("cd %s && %s 2>/dev/null", f.dir, cmd), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(rename(tu_path(f.dir, "run.st.gz"), tu_path(f.dir, "ref.st.gz")), 0);
    ck_assert_int_eq(rename(tu_path(f.dir, "run-last.st.gz"), tu_path(f.dir, "ref-last.st.gz")), 0);
    ck_assert_int_eq(rename(tu_path(f.dir, "steps.csv"), tu_path(f.dir, "ref-steps.csv")), 0);
    int run_ms = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    /* Kill at random moments of the run (start-up, training steps, checkpoint
     * writes) three times, resuming each time, then let it finish.  A kill
     * lands unless the resumed run was already done. */
    srand((unsigned)t1.tv_nsec);
    int kills = 0, rc = -1;
    for (int attempt = 0; attempt < 4 && rc != 0; attempt++) {
        int delay_ms = 1 + rand() % (run_ms / 2 + 1);
        const char *resume = tu_exists(tu_path(f.dir, "run-last.st.gz")) ? "--resume run-last.st.gz" : "";
        if (attempt < 3)
            rc = tu_sh("cd %s && (%s %s 2>/dev/null & pid=$!; sleep %d.%03d; kill -9 $pid 2>/dev/null; "
                       "wait $pid)",
                       f.dir, cmd, resume, delay_ms / 1000, delay_ms % 1000);
        else
            rc = tu_sh("cd %s && %s %s 2>/dev/null", f.dir, cmd, resume);
        kills += rc == 128 + SIGKILL;
        ck_assert_msg(rc == 0 || rc == 128 + SIGKILL, "har-train exited %d", rc);
        /* The resumable checkpoint on disk always loads. */
        if (tu_exists(tu_path(f.dir, "run-last.st.gz"))) {
            har_checkpoint ck;
            har_err e = {0};
            ck_assert_msg(har_checkpoint_load(&ck, tu_path(f.dir, "run-last.st.gz"), &e) == 0, "%s", e.msg);
            har_checkpoint_free(&ck);
        }
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(kills >= 1, "no kill landed");
    ck_assert(tu_same_file(tu_path(f.dir, "ref-last.st.gz"), tu_path(f.dir, "run-last.st.gz")));
    ck_assert(tu_same_file(tu_path(f.dir, "ref.st.gz"), tu_path(f.dir, "run.st.gz")));
    /* The step trace too: the rows of epochs before each kill are kept. */
    ck_assert(tu_same_file(tu_path(f.dir, "ref-steps.csv"), tu_path(f.dir, "steps.csv")));
    syn_fixture_free(&f);
}
END_TEST

START_TEST(divergence_stops_with_exit_5)
{
    syn_fixture f;
    syn_fixture_make(&f, 60);
    char *err = NULL;
    int rc = train(&f, &err, "-m flatten,dense:16,relu,dense:3 --optimizer sgd --lr 1e6 --clip 0 -e 5 -b 4 -o d.st.gz "
                             "--steps s.csv");
    ck_assert_msg(rc == 5, "exit %d: %s", rc, err);
    tu_assert_contains(err, "diverged in epoch 1 at step");
    /* The step trace ends with the diverged step: one row per step taken. */
    int step = atoi(strstr(err, "at step ") + 8);
    free(err);
    char *steps = tu_read_file(tu_path(f.dir, "s.csv"), NULL);
    ck_assert_ptr_nonnull(steps);
    ck_assert(!strncmp(steps, "epoch,step,lr,loss,grad_norm\n", 29));
    int rows = 0;
    for (const char *p = steps; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows - 1, step);
    char first[32];
    snprintf(first, sizeof first, "\n1,%d,", step);
    const char *last = strstr(steps, first);
    ck_assert_ptr_nonnull(last);
    size_t n = strlen(last);
    ck_assert(n > 9 && !strcmp(last + n - 9, ",nan,nan\n"));
    free(steps);
    ck_assert(!tu_exists(tu_path(f.dir, "d.st.gz")));
    char *log = tu_read_file(f.log, NULL);
    tu_assert_contains(log, ",diverged,");
    free(log);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(overfits_one_batch)
{
    syn_fixture f;
    syn_fixture_make(&f, 90);
    ck_assert_int_eq(train(&f, NULL, "-m flatten,dense:64,relu,dense:3 --overfit-batches 1 -b 8 -e 60 "
                                     "--patience 0 --schedule constant --lr 1e-2 --curves c.csv -o o.st.gz"),
                     0);
    char *curves = tu_read_file(tu_path(f.dir, "c.csv"), NULL);
    char *lastrow = curves + strlen(curves) - 2;
    while (lastrow > curves && lastrow[-1] != '\n')
        lastrow--;
    double loss;
    ck_assert_int_eq(sscanf(lastrow, "%*d,%lf", &loss), 1);
    ck_assert_msg(loss < 0.01, "training loss on one batch still %g", loss);
    free(curves);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(early_stopping_keeps_best_epoch)
{
    syn_fixture f;
    syn_fixture_make(&f, 90);
    char *err = NULL;
    /* val_loss with a constant high rate stops improving quickly. */
    int rc = train(&f, &err, "-m flatten,dense:64,relu,dense:3 -e 200 --patience 3 --monitor val_loss "
                             "--schedule constant --lr 0.05 -o b.st.gz");
    ck_assert_msg(rc == 0, "%s", err);
    tu_assert_contains(err, "early-stopped after epoch");
    free(err);
    har_checkpoint ck;
    har_err e = {0};
    ck_assert_int_eq(har_checkpoint_load(&ck, tu_path(f.dir, "b.st.gz"), &e), 0);
    ck_assert_str_eq(har_tfile_meta_get(ck.file, "epoch"), har_tfile_meta_get(ck.file, "best_epoch"));
    har_checkpoint_free(&ck);
    char *log = tu_read_file(f.log, NULL);
    tu_assert_contains(log, ",early-stopped,");
    free(log);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(sigint_is_interrupted)
{
    syn_fixture f;
    syn_fixture_make(&f, 240);
    /* Valgrind takes seconds to start har-train: the signal must come once
     * its handler is installed. */
    int rc = tu_sh("cd %s && (%s %s %s --stats %s --log %s -m gru:32,dense:3 -e 5000 --patience 0 -o i.st.gz 2>/dev/null & "
                   "pid=$!; sleep %d; kill -INT $pid; wait $pid)",
                   f.dir, tu_bin("har-train"), f.train, f.val, f.stats, f.log, tu_valgrind() ? 15 : 1);
    ck_assert_int_eq(rc, 130);
    char *log = tu_read_file(f.log, NULL);
    tu_assert_contains(log, ",interrupted,");
    free(log);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(bad_inputs_are_refused)
{
    syn_fixture f;
    syn_fixture_make(&f, 30);
    char *err = NULL;
    const char *mlp = "-m flatten,dense:8,dense:3 -e 1 -o x.st.gz";
    ck_assert_int_eq(train(&f, &err, "-m 'gru:8,danse:3' -o x.st.gz"), 2);
    tu_assert_contains(err, "unknown layer \"danse\"");
    free(err);
    ck_assert_int_eq(train(&f, &err, "-m flatten,dense:4 -o x.st.gz"), 2);
    tu_assert_contains(err, "3 classes");
    free(err);
    ck_assert_int_eq(train(&f, &err, "%s --lr -1", mlp), 2);
    free(err);
    /* window length mismatch */
    syn_write_set(tu_path(f.dir, "short.st.gz"), 12, 8, 31, 3, "val", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s short.st.gz --stats %s --log none %s", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, mlp), 1);
    tu_assert_contains(err, "has windows 16x3 but short.st.gz has 8x3");
    free(err);
    /* labels out of range */
    syn_write_set(tu_path(f.dir, "badlab.st.gz"), 12, 16, 31, 3, "val", 1);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s badlab.st.gz --stats %s --log none %s", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, mlp), 1);
    free(err);
    /* empty split */
    syn_write_set(tu_path(f.dir, "empty.st.gz"), 0, 16, 31, 3, "val", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s empty.st.gz --stats %s --log none %s", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, mlp), 1);
    tu_assert_contains(err, "empty");
    free(err);
    /* subject overlap between train and val: exit 4 */
    syn_write_set(tu_path(f.dir, "leak.st.gz"), 12, 16, 2, 3, "val", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s leak.st.gz --stats %s --log none %s", f.dir,
                                   tu_bin("har-train"), f.train, f.stats, mlp), 4);
    tu_assert_contains(err, "subject 2 is in both");
    free(err);
    /* raw data without stats */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s %s --log none %s", f.dir, tu_bin("har-train"),
                                   f.train, f.val, mlp), 1);
    tu_assert_contains(err, "not normalised");
    free(err);
    /* corrupt checkpoint for --resume */
    tu_write_text(tu_path(f.dir, "junk.st.gz"), "not a checkpoint");
    ck_assert_int_eq(train(&f, &err, "%s --resume junk.st.gz", mlp), 1);
    free(err);
    /* resume with other hyperparameters */
    ck_assert_int_eq(train(&f, NULL, "%s --checkpoint l.st.gz -e 2", mlp), 0);
    ck_assert_int_eq(train(&f, &err, "%s --checkpoint l.st.gz -e 2 --lr 0.5 --resume l.st.gz", mlp), 2);
    tu_assert_contains(err, "other hyperparameters");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "x.st.gz")) || 1);
    syn_fixture_free(&f);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("har-train");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, learns_separable_data_and_logs);
    tcase_add_test(tc, same_seed_same_bytes_any_threads);
    tcase_add_test(tc, rotate_is_seeded_and_needs_xyz_channels);
    tcase_add_test(tc, trains_without_validation);
    tcase_add_test(tc, sigkill_and_resume_is_bit_identical);
    tcase_add_test(tc, divergence_stops_with_exit_5);
    tcase_add_test(tc, overfits_one_batch);
    tcase_add_test(tc, early_stopping_keeps_best_epoch);
    tcase_add_test(tc, sigint_is_interrupted);
    tcase_add_test(tc, bad_inputs_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
