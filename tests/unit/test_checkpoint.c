/* test_checkpoint.c - the checkpoint module (lib/model/checkpoint): saving,
 * loading, the --resume compatibility check, whether a dataset fits a
 * model; and the training set a run loads (lib/train/trainset), whose
 * checks decide what may be trained on.  In-process, on small synthetic
 * datasets. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/norm.h"
#include "model/checkpoint.h"
#include "train/train.h"
#include "train/trainset.h"
#include "synthetic.h"
#include "testutil.h"

/* A folder with train.st.gz (subjects 1-4), val.st.gz (21-24), leak.st.gz
 * (subjects 3-6) and stats.st.gz fitted on train in-process. */
typedef struct {
    char *dir;
    char train[512], val[512], leak[512], stats[512];
} sets;

static void sets_make(sets *s)
{
    s->dir = tu_tmpdir();
    snprintf(s->train, sizeof s->train, "%s", tu_path(s->dir, "train.st.gz"));
    snprintf(s->val, sizeof s->val, "%s", tu_path(s->dir, "val.st.gz"));
    snprintf(s->leak, sizeof s->leak, "%s", tu_path(s->dir, "leak.st.gz"));
    snprintf(s->stats, sizeof s->stats, "%s", tu_path(s->dir, "stats.st.gz"));
    syn_write_set(s->train, 60, 16, 1, 11, "train", 0);
    syn_write_set(s->val, 30, 16, 21, 12, "val", 0);
    syn_write_set(s->leak, 30, 16, 3, 13, "val", 0);
    har_err e = {0};
    har_windows w;
    ck_assert_msg(har_windows_load(&w, s->train, &e) == 0, "%s", e.msg);
    har_tfile *st = har_norm_fit(&w, 0, &e);
    ck_assert_msg(st && har_tfile_write(st, s->stats, &e) == 0, "%s", e.msg);
    har_tfile_free(st);
    har_windows_free(&w);
}

static void sets_free(sets *s)
{
    tu_rmtree(s->dir);
    free(s->dir);
}

/* A trainer on the training set, one epoch trained, and the origin its
 * checkpoints record. */
typedef struct {
    har_trainset d;
    har_trainer t;
    har_train_config cfg;
    har_checkpoint_origin o;
} trained;

static char *argv_fixed[] = {"har-train", "train.st.gz", "-o", "best.st.gz"};

static void train_one_epoch(trained *r, const sets *s)
{
    har_err e = {0};
    memset(r, 0, sizeof *r);
    ck_assert_msg(har_trainset_load(&r->d, s->train, s->val, s->stats, &e) == 0, "%s", e.msg);
    har_train_config *c = &r->cfg;
    c->spec = "flatten,dense:3";
    c->init = HAR_INIT_TORCH;
    c->epochs = 2;
    c->batch_size = 16;
    c->monitor = HAR_MONITOR_F1;
    c->seed = 7;
    har_optim_defaults(&c->optim, HAR_OPT_ADAMW);
    har_sched_defaults(&c->schedule, HAR_SCHED_CONSTANT, c->optim.lr);
    c->schedule.epochs = c->epochs;
    ck_assert_msg(har_trainer_init(&r->t, c, &r->d.train, &r->d.val, &e) == 0, "%s", e.msg);
    int improved;
    ck_assert_msg(har_trainer_epoch(&r->t, NULL, &improved, &e) == 0, "%s", e.msg);
    r->o = (har_checkpoint_origin){.train = &r->d.train,
                                   .val_digest = r->d.val_digest,
                                   .mean = r->d.mean,
                                   .std = r->d.std,
                                   .tool = "har-train",
                                   .argc = 4,
                                   .argv = argv_fixed,
                                   .git_commit = "0123456789ab",
                                   .blas_kernels = "Haswell"};
}

static void trained_free(trained *r)
{
    har_trainer_free(&r->t);
    har_trainset_free(&r->d);
}

/* Saved, a checkpoint loads back into the same model with the training
 * split's normalisation and context; the same arguments give the same
 * bytes. */
START_TEST(save_then_load)
{
    sets s;
    sets_make(&s);
    trained r;
    train_one_epoch(&r, &s);
    har_err e = {0};
    const char *a = tu_path(s.dir, "a.st.gz");
    ck_assert_msg(har_checkpoint_save(&r.o, har_trainer_state, &r.t, a, &e) == 0, "%s", e.msg);
    char b[512];
    snprintf(b, sizeof b, "%s", tu_path(s.dir, "b.st.gz"));
    ck_assert_msg(har_checkpoint_save(&r.o, har_trainer_state, &r.t, b, &e) == 0, "%s", e.msg);
    ck_assert(tu_same_file(tu_path(s.dir, "a.st.gz"), b));
    har_checkpoint ck;
    ck_assert_msg(har_checkpoint_load(&ck, b, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(ck.window, 16);
    ck_assert_int_eq(ck.nchannels, 3);
    ck_assert_int_eq(ck.nclasses, 3);
    for (int j = 0; j < 3; j++) {
        ck_assert_double_eq(ck.mean[j], r.d.mean[j]);
        ck_assert_double_eq(ck.std[j], r.d.std[j]);
    }
    ck_assert_int_eq(ck.model.nweights, r.t.model.nweights);
    ck_assert(!memcmp(ck.model.w, r.t.model.w, r.t.model.nweights * sizeof(float)));
    const char *want[][2] = {{"format", HAR_CHECKPOINT_FORMAT},
                             {"git_commit", "0123456789ab"},
                             {"blas_kernels", "Haswell"},
                             {"train_digest", r.d.train.file->digest},
                             {"val_digest", r.d.val.file->digest},
                             {"spec", "flatten,dense:3"},
                             {"epoch", "1"},
                             {"arguments", "train.st.gz -o best.st.gz"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *v = har_tfile_meta_get(ck.file, want[i][0]);
        ck_assert_msg(v && !strcmp(v, want[i][1]), "%s: '%s', expected '%s'", want[i][0], v ? v : "(none)",
                      want[i][1]);
    }
    /* The training split's context comes with it. */
    ck_assert_str_eq(har_tfile_meta_get(ck.file, "channels"), har_tfile_meta_get(r.d.train.file, "channels"));
    har_checkpoint_free(&ck);
    /* An unwritable path: an error naming it, no file. */
    memset(&e, 0, sizeof e);
    ck_assert_int_ne(har_checkpoint_save(&r.o, har_trainer_state, &r.t, tu_path(s.dir, "no/such/c.st.gz"), &e), 0);
    tu_assert_contains(e.msg, "no/such");
    trained_free(&r);
    sets_free(&s);
}
END_TEST

/* --resume: the same configuration on the same splits continues; other
 * hyperparameters or other data are refused with both sides named. */
START_TEST(resume_check)
{
    sets s;
    sets_make(&s);
    trained r;
    train_one_epoch(&r, &s);
    har_err e = {0};
    char path[512];
    snprintf(path, sizeof path, "%s", tu_path(s.dir, "last.st.gz"));
    ck_assert_msg(har_checkpoint_save(&r.o, har_trainer_state, &r.t, path, &e) == 0, "%s", e.msg);
    har_tfile *f = har_tfile_read(path, &e);
    ck_assert_ptr_nonnull(f);
    char *hp = har_train_config_json(&r.cfg, &e);
    ck_assert_ptr_nonnull(hp);
    const char *td = r.d.train.file->digest, *vd = r.d.val_digest;
    ck_assert_int_eq(har_checkpoint_check_resume(f, path, hp, td, vd, &e), 0);
    ck_assert_int_eq(har_checkpoint_check_resume(f, path, "{\"lr\":1}", td, vd, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "the checkpoint was made with other hyperparameters:");
    tu_assert_contains(e.msg, "this command has:\n  {\"lr\":1}");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(har_checkpoint_check_resume(f, path, hp, td, "none", &e), HAR_EDATA);
    tu_assert_contains(e.msg, "the checkpoint was trained on other TRAIN/VAL files");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(har_checkpoint_check_resume(f, path, hp, vd, vd, &e), HAR_EDATA);
    /* A fresh trainer resumed from it stands where the saved one stood. */
    har_trainer t2;
    ck_assert_msg(har_trainer_init(&t2, &r.cfg, &r.d.train, &r.d.val, &e) == 0, "%s", e.msg);
    ck_assert_msg(har_trainer_resume(&t2, path, td, vd, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(t2.epoch, 1);
    ck_assert(!memcmp(t2.model.w, r.t.model.w, r.t.model.nweights * sizeof(float)));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(har_trainer_resume(&t2, path, td, "none", &e), HAR_EDATA);
    har_trainer_free(&t2);
    free(hp);
    har_tfile_free(f);
    trained_free(&r);
    sets_free(&s);
}
END_TEST

/* Whether a dataset fits a model: shape, channels, and per flag the
 * classes and rawness, each message naming both files. */
START_TEST(dataset_fits_model)
{
    sets s;
    sets_make(&s);
    trained r;
    train_one_epoch(&r, &s);
    har_err e = {0};
    char model[512];
    snprintf(model, sizeof model, "%s", tu_path(s.dir, "m.st.gz"));
    ck_assert_msg(har_checkpoint_save(&r.o, har_trainer_state, &r.t, model, &e) == 0, "%s", e.msg);
    har_checkpoint ck;
    ck_assert_msg(har_checkpoint_load(&ck, model, &e) == 0, "%s", e.msg);
    char p[5][512];
    const char *name[] = {"short.st.gz", "chan.st.gz", "cls.st.gz", "ok.st.gz", "norm.st.gz"};
    for (int i = 0; i < 5; i++)
        snprintf(p[i], sizeof p[i], "%s", tu_path(s.dir, name[i]));
    syn_write_set(p[0], 9, 8, 1, 1, "test", 0);
    syn_write_set_meta(p[1], 9, 16, 1, 1, "test", "gx,gy,gz", "A,B,C", 0);
    syn_write_set_meta(p[2], 9, 16, 1, 1, "test", "ax,ay,az", "A,C,B", 0);
    syn_write_set(p[3], 9, 16, 1, 1, "test", 0);
    har_windows w[5];
    for (int i = 0; i < 4; i++)
        ck_assert_msg(har_windows_load(&w[i], p[i], &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[0], 0, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "short.st.gz has windows of 8 x 3 but the model m.st.gz takes 16 x 3");
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[1], 0, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "chan.st.gz has channels [gx,gy,gz] but the model m.st.gz was trained on [");
    /* Classes only when asked (har-infer and har-latency do not score). */
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[2], 0, &e), 0);
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[2], HAR_FIT_CLASSES, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "cls.st.gz has classes [A,C,B] but the model m.st.gz was trained on [A,B,C]");
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[3], HAR_FIT_RAW | HAR_FIT_CLASSES, &e), 0);
    /* Normalised windows fit unless raw ones are asked for. */
    har_tfile *st = har_tfile_read(s.stats, &e);
    har_norm_stats ns;
    ck_assert(st && har_norm_bind(&ns, st, &e) == 0 && har_norm_apply(&ns, &w[3], &e) == 0);
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[3], HAR_FIT_CLASSES, &e), 0);
    ck_assert_int_eq(har_checkpoint_fits(&ck, "m.st.gz", &w[3], HAR_FIT_RAW, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "ok.st.gz is normalised (metadata 'normalisation'); give the raw windows");
    har_tfile_free(st);
    for (int i = 0; i < 4; i++)
        har_windows_free(&w[i]);
    har_checkpoint_free(&ck);
    trained_free(&r);
    sets_free(&s);
}
END_TEST

/* What may be trained on: two classes in the windows, VAL shaped like
 * TRAIN and subject-disjoint, both splits normalised alike. */
START_TEST(trainset_checks)
{
    sets s;
    sets_make(&s);
    har_err e = {0};
    har_trainset d;
    ck_assert_msg(har_trainset_load(&d, s.train, NULL, s.stats, &e) == 0, "%s", e.msg);
    ck_assert(!d.has_val);
    ck_assert_str_eq(d.val_digest, "none");
    har_trainset_free(&d);
    ck_assert_int_eq(har_trainset_load(&d, s.train, s.leak, s.stats, &e), HAR_EAUDIT);
    tu_assert_contains(e.msg, "subject 3 is in both");
    memset(&e, 0, sizeof e);
    /* Raw windows without --stats. */
    ck_assert_int_eq(har_trainset_load(&d, s.train, s.val, NULL, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "train.st.gz is not normalised: give --stats STATS");
    memset(&e, 0, sizeof e);
    /* Other window lengths. */
    char t20[512];
    snprintf(t20, sizeof t20, "%s", tu_path(s.dir, "t20.st.gz"));
    syn_write_set(t20, 30, 20, 21, 3, "val", 0);
    ck_assert_int_eq(har_trainset_load(&d, s.train, t20, s.stats, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "train.st.gz has windows 16x3 but");
    memset(&e, 0, sizeof e);
    /* One class in the windows, three in the metadata. */
    int32_t y[6] = {1, 1, 1, 1, 1, 1}, subj[6] = {1, 1, 2, 2, 3, 3};
    char one[512];
    snprintf(one, sizeof one, "%s", tu_path(s.dir, "one.st.gz"));
    syn_write_labels(one, y, subj, 6, "train");
    ck_assert_int_eq(har_trainset_load(&d, one, NULL, s.stats, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "one.st.gz: every window is of class B: training needs at least 2 classes");
    sets_free(&s);
}
END_TEST

/* A checkpoint file of the given spec and window (3 channels, 3 classes)
 * holding nfloats F32 values in one tensor "w", built in memory. */
static har_tfile *spec_file(const char *spec, int window, int64_t nfloats)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t cs[1] = {3}, ws[1] = {nfloats};
    ck_assert_ptr_nonnull(f);
    har_tensor *mean = har_tfile_add(f, "norm.mean", HAR_F64, 1, cs, &e);
    har_tensor *std = har_tfile_add(f, "norm.std", HAR_F64, 1, cs, &e);
    ck_assert(mean && std && har_tfile_add(f, "w", HAR_F32, 1, ws, &e));
    for (int j = 0; j < 3; j++)
        ((double *)std->data)[j] = 1;
    ck_assert(!har_tfile_meta_set(f, "format", HAR_CHECKPOINT_FORMAT, &e) && !har_tfile_meta_set(f, "spec", spec, &e) &&
              !har_tfile_meta_set(f, "classes", "A,B,C", &e) && !har_tfile_meta_set(f, "channels", "x,y,z", &e) &&
              !har_tfile_meta_setf(f, &e, "window", "%d", window));
    return f;
}

/* Found by fuzzing (tests/fuzz, target checkpoint): a 700-byte checkpoint
 * whose spec asks for a 17 GB model made the loader allocate it before
 * finding no weights.  The spec is now sized first: more parameters than
 * the file holds, or activations too large for one window, are refused
 * before anything is allocated. */
START_TEST(spec_sized_before_allocation)
{
    har_checkpoint ck;
    har_err e = {0};
    ck_assert_int_eq(har_checkpoint_from_tfile(&ck, spec_file("conv1d:65536:1,conv1d:65536:1,gap,dense:3", 4, 10), &e),
                     HAR_EDATA);
    tu_assert_contains(e.msg, "needs 4295491587 parameters but the file holds only 10");
    memset(&e, 0, sizeof e);
    /* 1795 parameters, but 256 x 2^20 values out of the first layer. */
    ck_assert_int_eq(har_checkpoint_from_tfile(&ck, spec_file("conv1d:256:1,gap,dense:3", 1 << 20, 2000), &e),
                     HAR_EDATA);
    tu_assert_contains(e.msg, "values per layer output");
    memset(&e, 0, sizeof e);
    /* Enough values but under other names: the weights' own check. */
    ck_assert_int_eq(har_checkpoint_from_tfile(&ck, spec_file("flatten,dense:3", 4, 39), &e), HAR_EDATA);
    tu_assert_contains(e.msg, "needs parameter 1.weight");
}
END_TEST

Suite *checkpoint_suite(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, save_then_load);
    tcase_add_test(tc, resume_check);
    tcase_add_test(tc, dataset_fits_model);
    tcase_add_test(tc, trainset_checks);
    tcase_add_test(tc, spec_sized_before_allocation);
    suite_add_tcase(s, tc);
    return s;
}
