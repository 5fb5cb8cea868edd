/* har-eval - score a trained model, or a baseline without one, on window
 * datasets: summary scores with bootstrap intervals, per-class scores, the
 * confusion matrix, per-subject scores, and optionally saliency maps. */
#include <cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/bootstrap.h"
#include "cli/cli.h"
#include "eval/evaluate.h"
#include "io/idlist.h"
#include "io/outfile.h"
#include "eval/saliency.h"

static void usage(void)
{
    printf(
        "Usage: %s [OPTIONS] MODEL DATA...\n"
        "       %s [OPTIONS] --baseline NAME --fit TRAIN DATA...\n"
        "Score the checkpoint MODEL (from har-train), or a baseline that needs no\n"
        "model, on one or more window tensor files.\n"
        "\n"
        "DATA must have the model's window length, channels and classes (checked; the\n"
        "message names both files).  Raw windows are normalised with the statistics\n"
        "stored in MODEL; windows already normalised (har-norm apply) must carry those\n"
        "same statistics.  Several DATA files are scored together, as one set.  The\n"
        "model runs in inference mode (no dropout).  Any one input may be '-'\n"
        "(standard input).\n"
        "\n"
        "Report (standard output): windows and subjects; accuracy; macro-F1 (the\n"
        "unweighted mean of the per-class F1 over the classes present in DATA);\n"
        "weighted F1 (per-class F1 weighted by support); log loss (mean -ln p of the\n"
        "true class, p clipped at 1e-15 as scikit-learn does); bootstrap intervals;\n"
        "per-class precision, recall, F1 and support (a class never predicted has\n"
        "precision 0); the confusion matrix (rows: true class, columns: predicted), as\n"
        "counts and row-normalised; the most confused pairs of classes; the table of\n"
        "subjects.  Nothing is printed or written unless every input is valid.\n"
        "\n"
        "Bootstrap intervals: each of N replicates draws a set of the same size with\n"
        "replacement and is scored; the interval is the central LEVEL share of the\n"
        "replicate scores (percentile method, linear interpolation).  Two ways:\n"
        "  over windows   every window drawn independently: the uncertainty if the\n"
        "                 test windows were independent draws.  They are not: windows\n"
        "                 of one subject share a body, a gait and a phone placement,\n"
        "                 and overlap in time.\n"
        "  over subjects  whole subjects drawn (cluster bootstrap), each with all its\n"
        "                 windows: the uncertainty for new people, which is what a\n"
        "                 deployed model meets.  Usually wider, and the honest one for\n"
        "                 a handful of test subjects; needs at least 2 subjects.\n"
        "Both are seeded (--seed): the same command prints the same intervals.  The\n"
        "--json and --csv outputs also give each class's F1 interval under both\n"
        "(f1_windows, f1_subjects; over the replicates that hold the class).\n"
        "\n"
        "Subjects: accuracy and macro-F1 of each subject on its own windows, then their\n"
        "mean and population standard deviation over subjects (each subject counts\n"
        "once, whatever its window count) and the worst subject by each score.\n"
        "\n"
        "Baselines (--baseline, instead of MODEL): what a model must beat, fitted on\n"
        "the training split TRAIN only (--fit; refused if its metadata marks it as\n"
        "val or test), never on the scored DATA, which must have TRAIN's classes:\n"
        "  majority    always the most frequent class of TRAIN; probabilities one-hot\n"
        "              (each miss costs -ln(1e-15) = 34.5 in log loss)\n"
        "  uniform     a uniformly random class, seeded; probabilities 1/K\n"
        "              ('random' is the same)\n"
        "  stratified  a random class drawn with TRAIN's class frequencies, seeded;\n"
        "              those frequencies are its probabilities\n"
        "\n"
        "Saliency (--saliency PREFIX): for each window, the gradient of the true\n"
        "class's logit (not the loss, which saturates on confident windows) with\n"
        "respect to the normalised input, by one backward pass; |grad| shows where the\n"
        "model is sensitive, grad x input (signed) what pushes the true class up (+)\n"
        "or down (-).  Averaged over the windows of each true class (all windows, or\n"
        "those --saliency-windows lists):\n"
        "  PREFIX-channels.dat  over timesteps: one line per class and channel\n"
        "      (class_index channel_index abs_grad grad_x_input \"class\" \"channel\"),\n"
        "      a blank line after each class; classes without windows are nan\n"
        "  PREFIX-time.dat      over channels: a header line, then per timestep\n"
        "      'timestep', K columns of |grad|, K of grad x input (K classes)\n"
        "Draw them with gnuplot (K = 6 for HAPT):\n"
        "  set termoption noenhanced\n"
        "  plot 'PREFIX-channels.dat' using 2:1:3:xtic(6):ytic(5) with image\n"
        "  plot 'PREFIX-channels.dat' using 2:1:4:xtic(6):ytic(5) with image\n"
        "  set key autotitle columnhead\n"
        "  plot for [k=2:7] 'PREFIX-time.dat' using 1:k with lines\n"
        "  plot for [k=8:13] 'PREFIX-time.dat' using 1:k with lines\n"
        "\n"
        "Options:\n"
        "      --baseline NAME   score a baseline instead of a model: majority, uniform\n"
        "                        or stratified (see above); needs --fit\n"
        "      --fit TRAIN       the training windows the baseline is fitted on\n"
        "      --allow-any-split fit a baseline even on data marked as val or test\n"
        "      --bootstrap N     bootstrap replicates (default 1000; 0: no intervals)\n"
        "      --ci LEVEL        interval coverage, in (0, 1) (default 0.95)\n"
        "  -s, --seed S          seed of the bootstrap and the random baselines\n"
        "                        (default 0)\n"
        "      --json FILE       the report as JSON\n"
        "      --csv FILE        every number of the report as long-format CSV with\n"
        "                        columns section,name,key,value (e.g.\n"
        "                        class,WALKING,recall,0.97; subject,9,accuracy,0.91)\n"
        "      --predictions FILE  one CSV row per window: file, index, subject, true and\n"
        "                        predicted class, then the probability of every class\n"
        "      --saliency PREFIX write PREFIX-channels.dat and PREFIX-time.dat (see\n"
        "                        above; needs a MODEL)\n"
        "      --saliency-windows LIST  saliency of the listed windows only, e.g. 7\n"
        "                        or 3,17,40-45 (ranges inclusive; order and repeats do\n"
        "                        not matter; at most 100000 of them): 0-based positions\n"
        "                        over the DATA files in order (with one file, the\n"
        "                        'index' of --predictions).  The maps are then means\n"
        "                        over the listed windows of each true class; a position\n"
        "                        past the last window is a command-line error (exit 2)\n"
        "  -h, --help            show this help\n"
        "  -V, --version         show the version\n"
        "Deprecated spelling (it still works for one release, with a warning):\n"
        "      --window LIST     use --saliency-windows LIST; --window is a window\n"
        "                        length in samples in har-ingest\n"
        "Output files are written atomically, all or none; one of them may be '-'\n"
        "(standard output), and the report is then not printed.\n"
        "\n"
        "Examples:\n"
        "  har-eval gru.safetensors.gz build/data/hapt-test.safetensors.gz \\\n"
        "      --json gru-test.json --csv gru-test.csv --saliency gru-test\n"
        "  har-eval --baseline majority --fit build/data/hapt-train.safetensors.gz \\\n"
        "      build/data/hapt-test.safetensors.gz\n"
        "  har-eval --baseline stratified --seed 1 --bootstrap 0 \\\n"
        "      --fit build/data/hapt-train.safetensors.gz build/data/hapt-test.safetensors.gz\n"
        "\n" HAR_EXIT_CODES_HELP,
        har_prog(), har_prog());
}

/* ---- command line ---- */

typedef struct {
    const char *model;   /* NULL with --baseline */
    int baseline;        /* har_baseline_kind, or -1 */
    const char *fit;
    int allow_any_split;
    char **data;
    int ndata;
    const char *json, *csv, *predictions, *saliency;
    har_idlist windows;  /* --saliency-windows: positions over all DATA; empty: all */
    har_bootstrap_opts boot; /* resamples 0: none */
} options;

/* At most one input may be standard input, at most one output standard
 * output, and no two outputs the same file. */
static void check_streams(const options *o)
{
    int stdin_uses = har_is_stdio(o->model) + har_is_stdio(o->fit);
    for (int i = 0; i < o->ndata; i++)
        stdin_uses += har_is_stdio(o->data[i]);
    if (stdin_uses > 1)
        har_usage_error("standard input ('-') can be read only once");
    const char *outs[] = {o->json, o->csv, o->predictions};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (outs[i] && outs[j] && !strcmp(outs[i], outs[j]))
                har_usage_error("%s is given for two outputs", outs[i]);
    if (o->saliency && (har_is_stdio(o->saliency) || !*o->saliency))
        har_usage_error("--saliency takes a file name prefix, not '-'");
}

/* --saliency-windows LIST (or the old --window: opt), in the idlist
 * syntax; given twice, the last one counts. */
static void parse_windows(har_idlist *l, const char *arg, const char *opt)
{
    har_err e = {0};
    har_idlist_free(l);
    if (har_idlist_parse(l, arg, 0, INT32_MAX, opt, &e))
        har_usage_error("%s", e.msg);
    if (!l->n)
        har_usage_error("%s: the list is empty (leave it out for every window)", opt);
}

static void parse(int argc, char **argv, options *o)
{
    enum { OPT_BASELINE = HAR_OPT_TOOL, OPT_FIT, OPT_ANY_SPLIT, OPT_BOOT, OPT_CI, OPT_PRED, OPT_SAL,
           OPT_SAL_WINDOWS, OPT_OLD_WINDOW };
    static const struct option longopts[] = {
        {"baseline", required_argument, 0, OPT_BASELINE},
        {"fit", required_argument, 0, OPT_FIT},
        {"allow-any-split", no_argument, 0, OPT_ANY_SPLIT},
        {"bootstrap", required_argument, 0, OPT_BOOT},
        {"ci", required_argument, 0, OPT_CI},
        HAR_LONGOPT_SEED,
        HAR_LONGOPT_JSON,
        HAR_LONGOPT_CSV,
        {"predictions", required_argument, 0, OPT_PRED},
        {"saliency", required_argument, 0, OPT_SAL},
        {"saliency-windows", required_argument, 0, OPT_SAL_WINDOWS},
        /* deprecated: --window is a window length in har-ingest */
        {"window", required_argument, 0, OPT_OLD_WINDOW},
        HAR_LONGOPT_END};
    *o = (options){.baseline = -1, .boot = {1000, 0.95, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:hV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_BASELINE:
            if ((o->baseline = har_baseline_parse(optarg)) < 0)
                har_usage_error("--baseline: expected majority, uniform or stratified, got '%s'", optarg);
            break;
        case OPT_FIT: o->fit = optarg; break;
        case OPT_ANY_SPLIT: o->allow_any_split = 1; break;
        case OPT_BOOT: o->boot.resamples = har_opt_int(optarg, 0, 1000000, "--bootstrap"); break;
        case OPT_CI: o->boot.level = har_opt_double_open(optarg, 0, 1, "--ci"); break;
        case 's': o->boot.seed = har_opt_seed(optarg, "--seed"); break;
        case HAR_OPT_JSON: o->json = optarg; break;
        case HAR_OPT_CSV: o->csv = optarg; break;
        case OPT_PRED: o->predictions = optarg; break;
        case OPT_SAL: o->saliency = optarg; break;
        case OPT_SAL_WINDOWS: parse_windows(&o->windows, optarg, "--saliency-windows"); break;
        case OPT_OLD_WINDOW:
            har_opt_deprecated("--window", "--saliency-windows");
            parse_windows(&o->windows, optarg, "--window");
            break;
        default: har_opt_common(c, usage);
        }
    }
    int positional = argc - optind, need = o->baseline < 0 ? 2 : 1;
    if (o->baseline < 0 && o->fit)
        har_usage_error("--fit fits a baseline: give --baseline too");
    if (o->baseline >= 0 && !o->fit)
        har_usage_error("--baseline needs --fit TRAIN: a baseline is fitted on the training split");
    if (positional < need)
        har_usage_error(o->baseline < 0 ? "expected MODEL and at least one DATA file"
                                        : "expected at least one DATA file");
    if (o->saliency && o->baseline >= 0)
        har_usage_error("--saliency needs a MODEL: a baseline has no gradients");
    if (o->windows.n && !o->saliency)
        har_usage_error("--saliency-windows selects the windows of --saliency: give --saliency too");
    o->model = o->baseline < 0 ? argv[optind] : NULL;
    o->data = argv + optind + need - 1;
    o->ndata = positional - need + 1;
    check_streams(o);
}

/* ---- scoring ---- */

/* What the windows are scored with: a checkpoint or a fitted baseline. */
typedef struct {
    har_checkpoint ck;
    har_baseline base;
    int is_baseline;
    int k;
    char **classes;
} scorer;

static void scorer_load(scorer *s, const options *o)
{
    har_err e = {0};
    memset(s, 0, sizeof *s);
    if (o->baseline < 0) {
        if (har_checkpoint_load(&s->ck, o->model, &e))
            har_die(&e);
        s->k = s->ck.nclasses;
        s->classes = s->ck.classes;
        return;
    }
    har_windows train;
    if (har_windows_load(&train, o->fit, &e) ||
        har_baseline_fit(&s->base, o->baseline, &train, o->allow_any_split, o->boot.seed, &e))
        har_die(&e);
    har_windows_free(&train);
    s->is_baseline = 1;
    s->k = s->base.k;
    s->classes = s->base.classes;
}

static void scorer_free(scorer *s)
{
    if (s->is_baseline)
        har_baseline_free(&s->base);
    else
        har_checkpoint_free(&s->ck);
}

/* Saliency of the windows of w that were asked for: all, or those of
 * o->windows that lie in w (which starts at overall position offset),
 * gathered so that they go through the model in batches. */
static void explain(scorer *s, const options *o, const har_windows *w, int64_t offset, har_saliency *sal)
{
    har_err e = {0};
    if (!o->windows.n) {
        if (har_saliency_add(sal, &s->ck.model, w->x, w->y, w->n, &e))
            har_die(&e);
        return;
    }
    int64_t *idx = har_malloc(o->windows.n * sizeof *idx, &e), m = 0;
    if (!idx)
        har_die(&e);
    for (size_t k = 0; k < o->windows.n; k++)
        if (o->windows.ids[k] >= offset && o->windows.ids[k] < offset + w->n)
            idx[m++] = o->windows.ids[k] - offset;
    har_windows picked;
    if (har_windows_subset(w, idx, m, &picked, &e) ||
        har_saliency_add(sal, &s->ck.model, picked.x, picked.y, picked.n, &e))
        har_die(&e);
    har_windows_free(&picked);
    free(idx);
}

/* Every --saliency-windows position must be a window of the DATA. */
static void check_windows(const har_idlist *l, int64_t n)
{
    size_t k = 0;
    while (k < l->n && l->ids[k] < n)
        k++;
    if (k == l->n)
        return;
    if (k + 1 == l->n)
        har_usage_error("--saliency-windows %d: the DATA have only %lld windows (positions 0 to %lld)", l->ids[k],
                        (long long)n, (long long)n - 1);
    har_usage_error("--saliency-windows %d and %zu more: the DATA have only %lld windows (positions 0 to %lld)", l->ids[k],
                    l->n - k - 1, (long long)n, (long long)n - 1);
}

/* Loads, checks and scores every DATA file into scored (and sal). */
static void score_all(scorer *s, const options *o, har_scored *scored, har_saliency *sal)
{
    har_err e = {0};
    for (int f = 0; f < o->ndata; f++) {
        const char *path = o->data[f];
        har_windows w;
        har_predictions p;
        if (har_windows_load(&w, path, &e))
            har_die(&e);
        if (s->is_baseline ? har_baseline_conform(&s->base, o->fit, &w, &e) ||
                                 har_baseline_predict(&s->base, &w, &p, &e)
                           : har_eval_conform(&s->ck, o->model, &w, &e) ||
                                 har_eval_predict(&s->ck, &w, &p, &e))
            har_die(&e);
        if (o->saliency)
            explain(s, o, &w, scored->n, sal);
        if (har_scored_append(scored, &w, &p, f, &e))
            har_die(&e);
        har_predictions_free(&p);
        har_windows_free(&w);
    }
    if (scored->n == 0)
        har_fail(&e, HAR_EDATA, "no windows to score in %s", o->data[0]), har_die(&e);
    check_windows(&o->windows, scored->n);
}

/* ---- the report ---- */

typedef struct {
    const options *o;
    const scorer *s;
    const har_scored *scored;
    har_confusion *conf;
    double *precision, *recall, *f1; /* [k] each */
    har_scores scores;
    double log_loss;
    har_idlist subjects;
    int have_windows_ci, have_subjects_ci;
    har_bootstrap_ci windows_ci, subjects_ci;
    har_subject_table table;
    har_confused_pair pairs[5];
    int npairs;
} report;

static void report_make(report *r, const options *o, const scorer *s, const har_scored *scored)
{
    har_err e = {0};
    int k = s->k;
    memset(r, 0, sizeof *r);
    r->o = o;
    r->s = s;
    r->scored = scored;
    r->conf = har_confusion_new(k);
    r->precision = calloc(3 * (size_t)k, sizeof *r->precision);
    if (!r->conf || !r->precision)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    r->recall = r->precision + k;
    r->f1 = r->recall + k;
    for (int64_t i = 0; i < scored->n; i++) {
        har_confusion_add(r->conf, scored->truth[i], scored->pred[i]);
        if (har_idlist_add(&r->subjects, scored->subject[i], &e))
            har_die(&e);
    }
    r->scores = har_confusion_scores(r->conf, r->precision, r->recall, r->f1);
    r->log_loss = scored->nll_sum / (double)scored->n;
    r->npairs = har_confusion_top_pairs(r->conf, r->pairs, 5);
    if (har_subject_table_make(&r->table, scored, &e))
        har_die(&e);
    if (o->boot.resamples == 0)
        return;
    if (har_bootstrap_windows(scored->truth, scored->pred, scored->n, k, &o->boot, &r->windows_ci, &e))
        har_die(&e);
    r->have_windows_ci = 1;
    if (r->subjects.n < 2)
        return;
    if (har_bootstrap_clusters(scored->truth, scored->pred, scored->subject, scored->n, k, &o->boot,
                               &r->subjects_ci, &e))
        har_die(&e);
    r->have_subjects_ci = 1;
}

static void report_free(report *r)
{
    har_confusion_free(r->conf);
    free(r->precision);
    har_bootstrap_ci_free(&r->windows_ci);
    har_bootstrap_ci_free(&r->subjects_ci);
    har_idlist_free(&r->subjects);
    har_subject_table_free(&r->table);
}

/* "95%" for 0.95, "97.5%" for 0.975. */
static const char *level_text(double level)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%g%%", level * 100);
    return buf;
}

static void print_header(const report *r)
{
    const scorer *s = r->s;
    if (s->is_baseline) {
        printf("baseline     %s (fitted on %s: %lld windows", har_baseline_name(s->base.kind), r->o->fit,
               (long long)s->base.fit_windows);
        if (s->base.kind == HAR_BASELINE_MAJORITY)
            printf(", majority class %s", s->classes[s->base.majority]);
        else
            printf(", seed %llu", (unsigned long long)r->o->boot.seed);
        printf(")\n");
    } else {
        const char *epoch = har_tfile_meta_get(s->ck.file, "epoch");
        printf("model        %s (%zu parameters, epoch %s)\n", s->ck.model.spec, s->ck.model.nweights,
               epoch ? epoch : "?");
    }
    printf("windows      %lld (%zu subjects)\n", (long long)r->scored->n, r->subjects.n);
    printf("accuracy     %.4f\n", r->scores.accuracy);
    printf("macro-F1     %.4f\n", r->scores.macro_f1);
    printf("weighted-F1  %.4f\n", r->scores.weighted_f1);
    printf("log loss     %.4f\n", r->log_loss);
}

/* Indented, so that scripts reading the "accuracy" line find only one. */
static void print_bootstrap(const report *r)
{
    const har_bootstrap_opts *b = &r->o->boot;
    if (!r->have_windows_ci)
        return;
    printf("\nbootstrap %s intervals (percentile, %d resamples, seed %llu)\n", level_text(b->level),
           b->resamples, (unsigned long long)b->seed);
    printf("%-12s %-18s %s\n", "", "over windows", "over subjects");
    const har_interval *w[2] = {&r->windows_ci.accuracy, &r->windows_ci.macro_f1};
    const har_interval *c[2] = {&r->subjects_ci.accuracy, &r->subjects_ci.macro_f1};
    for (int i = 0; i < 2; i++) {
        printf("  %-10s [%.4f, %.4f]   ", i ? "macro-F1" : "accuracy", w[i]->lo, w[i]->hi);
        if (r->have_subjects_ci)
            printf("[%.4f, %.4f]\n", c[i]->lo, c[i]->hi);
        else
            printf("n/a (%zu subject)\n", r->subjects.n);
    }
}

static void print_classes(const report *r)
{
    int k = r->s->k;
    printf("\n%-20s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (int i = 0; i < k; i++)
        printf("%-20s %9.4f %9.4f %9.4f %9lld\n", r->s->classes[i], r->precision[i], r->recall[i],
               r->f1[i], (long long)har_confusion_support(r->conf, i));
}

static void print_confusion(const report *r)
{
    int k = r->s->k;
    const int64_t *c = r->conf->counts;
    printf("\nconfusion matrix (rows: true, columns: predicted; counts | row-normalised)\n");
    printf("%-20s", "");
    for (int j = 0; j < k; j++)
        printf(" %6d", j);
    printf(" |");
    for (int j = 0; j < k; j++)
        printf(" %6d", j);
    printf("\n");
    for (int i = 0; i < k; i++) {
        int64_t row = har_confusion_support(r->conf, i);
        printf("%d %-18.18s", i, r->s->classes[i]);
        for (int j = 0; j < k; j++)
            printf(" %6lld", (long long)c[i * k + j]);
        printf(" |");
        for (int j = 0; j < k; j++)
            printf(" %6.3f", row ? (double)c[i * k + j] / (double)row : 0.0);
        printf("\n");
    }
    printf("\nmost confused (true -> predicted: windows, share of the true class)\n");
    for (int i = 0; i < r->npairs; i++) {
        const har_confused_pair *p = &r->pairs[i];
        printf("  %s -> %s: %lld (%.1f%%)\n", r->s->classes[p->truth], r->s->classes[p->predicted],
               (long long)p->count,
               100.0 * (double)p->count / (double)har_confusion_support(r->conf, p->truth));
    }
    if (!r->npairs)
        printf("  none\n");
}

static void print_subjects(const report *r)
{
    const har_subject_table *t = &r->table;
    printf("\nsubjects (mean and std over subjects, each counting once)\n");
    printf("  %7s %8s %9s %9s\n", "subject", "windows", "accuracy", "macro-F1");
    for (size_t i = 0; i < t->n; i++)
        printf("  %7d %8lld %9.4f %9.4f\n", t->rows[i].subject, (long long)t->rows[i].windows,
               t->rows[i].accuracy, t->rows[i].macro_f1);
    printf("  %-16s %9.4f %9.4f\n", "mean", t->mean_accuracy, t->mean_macro_f1);
    printf("  %-16s %9.4f %9.4f\n", "std", t->std_accuracy, t->std_macro_f1);
    printf("  worst accuracy: subject %d (%.4f); worst macro-F1: subject %d (%.4f)\n",
           t->rows[t->worst_accuracy].subject, t->rows[t->worst_accuracy].accuracy,
           t->rows[t->worst_macro_f1].subject, t->rows[t->worst_macro_f1].macro_f1);
}

static void print_report(const report *r)
{
    print_header(r);
    print_bootstrap(r);
    print_classes(r);
    print_confusion(r);
    print_subjects(r);
}

/* ---- JSON ---- */

static cJSON *interval_json(const har_interval *iv)
{
    const double v[2] = {iv->lo, iv->hi};
    return cJSON_CreateDoubleArray(v, 2);
}

static cJSON *ci_json(const har_bootstrap_ci *ci)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "accuracy", interval_json(&ci->accuracy));
    cJSON_AddItemToObject(o, "macro_f1", interval_json(&ci->macro_f1));
    return o;
}

static void json_source(cJSON *o, const report *r)
{
    const scorer *s = r->s;
    if (s->is_baseline) {
        cJSON *b = cJSON_AddObjectToObject(o, "baseline"), *prior = cJSON_CreateDoubleArray(s->base.prior, s->k);
        cJSON_AddStringToObject(b, "kind", har_baseline_name(s->base.kind));
        cJSON_AddStringToObject(b, "fit", r->o->fit);
        cJSON_AddNumberToObject(b, "fit_windows", (double)s->base.fit_windows);
        cJSON_AddNumberToObject(b, "seed", (double)r->o->boot.seed);
        cJSON_AddStringToObject(b, "majority", s->classes[s->base.majority]);
        cJSON_AddItemToObject(b, "class_frequencies", prior);
    } else {
        cJSON_AddStringToObject(o, "model", r->o->model);
        cJSON_AddStringToObject(o, "spec", s->ck.model.spec);
        cJSON_AddNumberToObject(o, "parameters", (double)s->ck.model.nweights);
    }
    cJSON *files = cJSON_AddArrayToObject(o, "data");
    for (int i = 0; i < r->o->ndata; i++)
        cJSON_AddItemToArray(files, cJSON_CreateString(r->o->data[i]));
}

static void json_bootstrap(cJSON *o, const report *r)
{
    if (!r->have_windows_ci) {
        cJSON_AddNullToObject(o, "bootstrap");
        return;
    }
    cJSON *b = cJSON_AddObjectToObject(o, "bootstrap");
    cJSON_AddNumberToObject(b, "resamples", r->o->boot.resamples);
    cJSON_AddNumberToObject(b, "level", r->o->boot.level);
    cJSON_AddNumberToObject(b, "seed", (double)r->o->boot.seed);
    cJSON_AddItemToObject(b, "windows", ci_json(&r->windows_ci));
    cJSON_AddItemToObject(b, "subjects", r->have_subjects_ci ? ci_json(&r->subjects_ci) : cJSON_CreateNull());
}

static void json_classes(cJSON *o, const report *r)
{
    int k = r->s->k;
    cJSON *cl = cJSON_AddArrayToObject(o, "classes"), *cm = cJSON_AddArrayToObject(o, "confusion"),
          *cn = cJSON_AddArrayToObject(o, "confusion_normalised");
    for (int i = 0; i < k; i++) {
        cJSON *c = cJSON_CreateObject(), *row = cJSON_CreateArray(), *nrow = cJSON_CreateArray();
        int64_t support = har_confusion_support(r->conf, i);
        for (int j = 0; j < k; j++) {
            int64_t n = r->conf->counts[i * k + j];
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)n));
            cJSON_AddItemToArray(nrow, cJSON_CreateNumber(support ? (double)n / (double)support : 0));
        }
        cJSON_AddStringToObject(c, "name", r->s->classes[i]);
        cJSON_AddNumberToObject(c, "precision", r->precision[i]);
        cJSON_AddNumberToObject(c, "recall", r->recall[i]);
        cJSON_AddNumberToObject(c, "f1", r->f1[i]);
        cJSON_AddNumberToObject(c, "support", (double)support);
        /* the F1's bootstrap intervals (JSON has no NaN: a class no
         * replicate held gets null) */
        const har_bootstrap_ci *cis[2] = {r->have_windows_ci ? &r->windows_ci : NULL,
                                          r->have_subjects_ci ? &r->subjects_ci : NULL};
        const char *names[2] = {"f1_windows", "f1_subjects"};
        for (int b = 0; b < 2; b++)
            if (cis[b] && !isnan(cis[b]->class_f1[i].lo))
                cJSON_AddItemToObject(c, names[b], interval_json(&cis[b]->class_f1[i]));
            else if (r->have_windows_ci)
                cJSON_AddNullToObject(c, names[b]);
        cJSON_AddItemToArray(cl, c);
        cJSON_AddItemToArray(cm, row);
        cJSON_AddItemToArray(cn, nrow);
    }
    cJSON *mc = cJSON_AddArrayToObject(o, "most_confused");
    for (int i = 0; i < r->npairs; i++) {
        const har_confused_pair *p = &r->pairs[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "true", r->s->classes[p->truth]);
        cJSON_AddStringToObject(item, "predicted", r->s->classes[p->predicted]);
        cJSON_AddNumberToObject(item, "windows", (double)p->count);
        cJSON_AddNumberToObject(item, "share",
                                (double)p->count / (double)har_confusion_support(r->conf, p->truth));
        cJSON_AddItemToArray(mc, item);
    }
}

static cJSON *worst_json(const har_subject_score *row, const char *key, double value)
{
    cJSON *w = cJSON_CreateObject();
    cJSON_AddNumberToObject(w, "subject", row->subject);
    cJSON_AddNumberToObject(w, key, value);
    return w;
}

static void json_subjects(cJSON *o, const report *r)
{
    const har_subject_table *t = &r->table;
    cJSON *rows = cJSON_AddArrayToObject(o, "per_subject");
    for (size_t i = 0; i < t->n; i++) {
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "subject", t->rows[i].subject);
        cJSON_AddNumberToObject(row, "windows", (double)t->rows[i].windows);
        cJSON_AddNumberToObject(row, "accuracy", t->rows[i].accuracy);
        cJSON_AddNumberToObject(row, "macro_f1", t->rows[i].macro_f1);
        cJSON_AddItemToArray(rows, row);
    }
    cJSON *sum = cJSON_AddObjectToObject(o, "subject_summary");
    cJSON *mean = cJSON_AddObjectToObject(sum, "mean"), *std = cJSON_AddObjectToObject(sum, "std");
    cJSON_AddNumberToObject(mean, "accuracy", t->mean_accuracy);
    cJSON_AddNumberToObject(mean, "macro_f1", t->mean_macro_f1);
    cJSON_AddNumberToObject(std, "accuracy", t->std_accuracy);
    cJSON_AddNumberToObject(std, "macro_f1", t->std_macro_f1);
    const har_subject_score *wa = &t->rows[t->worst_accuracy], *wf = &t->rows[t->worst_macro_f1];
    cJSON_AddItemToObject(sum, "worst_accuracy", worst_json(wa, "accuracy", wa->accuracy));
    cJSON_AddItemToObject(sum, "worst_macro_f1", worst_json(wf, "macro_f1", wf->macro_f1));
}

static void write_json(FILE *fp, const report *r)
{
    har_err e = {0};
    cJSON *o = cJSON_CreateObject();
    json_source(o, r);
    cJSON_AddNumberToObject(o, "windows", (double)r->scored->n);
    cJSON_AddNumberToObject(o, "subjects", (double)r->subjects.n);
    cJSON_AddNumberToObject(o, "accuracy", r->scores.accuracy);
    cJSON_AddNumberToObject(o, "macro_f1", r->scores.macro_f1);
    cJSON_AddNumberToObject(o, "weighted_f1", r->scores.weighted_f1);
    cJSON_AddNumberToObject(o, "log_loss", r->log_loss);
    json_bootstrap(o, r);
    json_classes(o, r);
    json_subjects(o, r);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    fputs(text, fp);
    fputc('\n', fp);
    free(text);
}

/* ---- CSV ---- */

static void csv_num(FILE *fp, const char *section, const char *name, const char *key, double v)
{
    fprintf(fp, "%s,%s,%s,%.9g\n", section, name, key, v);
}

static void csv_int(FILE *fp, const char *section, const char *name, const char *key, long long v)
{
    fprintf(fp, "%s,%s,%s,%lld\n", section, name, key, v);
}

static void csv_ci(FILE *fp, const char *over, const har_bootstrap_ci *ci)
{
    csv_num(fp, "bootstrap", over, "accuracy_lo", ci->accuracy.lo);
    csv_num(fp, "bootstrap", over, "accuracy_hi", ci->accuracy.hi);
    csv_num(fp, "bootstrap", over, "macro_f1_lo", ci->macro_f1.lo);
    csv_num(fp, "bootstrap", over, "macro_f1_hi", ci->macro_f1.hi);
}

static void csv_summary(FILE *fp, const report *r)
{
    const scorer *s = r->s;
    if (s->is_baseline) {
        csv_int(fp, "baseline", "fit", "windows", s->base.fit_windows);
        fprintf(fp, "baseline,settings,seed,%llu\n", (unsigned long long)r->o->boot.seed);
        for (int i = 0; i < s->k; i++)
            csv_num(fp, "baseline", "class_frequency", s->classes[i], s->base.prior[i]);
    } else {
        csv_int(fp, "model", "all", "parameters", (long long)s->ck.model.nweights);
    }
    csv_int(fp, "summary", "all", "windows", r->scored->n);
    csv_int(fp, "summary", "all", "subjects", (long long)r->subjects.n);
    csv_num(fp, "summary", "all", "accuracy", r->scores.accuracy);
    csv_num(fp, "summary", "all", "macro_f1", r->scores.macro_f1);
    csv_num(fp, "summary", "all", "weighted_f1", r->scores.weighted_f1);
    csv_num(fp, "summary", "all", "log_loss", r->log_loss);
    if (r->have_windows_ci) {
        csv_int(fp, "bootstrap", "settings", "resamples", r->o->boot.resamples);
        csv_num(fp, "bootstrap", "settings", "level", r->o->boot.level);
        fprintf(fp, "bootstrap,settings,seed,%llu\n", (unsigned long long)r->o->boot.seed);
        csv_ci(fp, "windows", &r->windows_ci);
        if (r->have_subjects_ci)
            csv_ci(fp, "subjects", &r->subjects_ci);
    }
}

static void csv_classes(FILE *fp, const report *r)
{
    int k = r->s->k;
    char **cl = r->s->classes;
    for (int i = 0; i < k; i++) {
        csv_num(fp, "class", cl[i], "precision", r->precision[i]);
        csv_num(fp, "class", cl[i], "recall", r->recall[i]);
        csv_num(fp, "class", cl[i], "f1", r->f1[i]);
        csv_int(fp, "class", cl[i], "support", har_confusion_support(r->conf, i));
        if (r->have_windows_ci) {
            csv_num(fp, "class", cl[i], "f1_windows_lo", r->windows_ci.class_f1[i].lo);
            csv_num(fp, "class", cl[i], "f1_windows_hi", r->windows_ci.class_f1[i].hi);
        }
        if (r->have_subjects_ci) {
            csv_num(fp, "class", cl[i], "f1_subjects_lo", r->subjects_ci.class_f1[i].lo);
            csv_num(fp, "class", cl[i], "f1_subjects_hi", r->subjects_ci.class_f1[i].hi);
        }
    }
    /* name: true class, key: predicted class. */
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            csv_int(fp, "confusion", cl[i], cl[j], r->conf->counts[i * k + j]);
    for (int i = 0; i < k; i++) {
        int64_t support = har_confusion_support(r->conf, i);
        for (int j = 0; j < k; j++)
            csv_num(fp, "confusion_normalised", cl[i], cl[j],
                    support ? (double)r->conf->counts[i * k + j] / (double)support : 0);
    }
    for (int i = 0; i < r->npairs; i++) {
        const har_confused_pair *p = &r->pairs[i];
        fprintf(fp, "most_confused,%s->%s,windows,%lld\n", cl[p->truth], cl[p->predicted], (long long)p->count);
        fprintf(fp, "most_confused,%s->%s,share,%.9g\n", cl[p->truth], cl[p->predicted],
                (double)p->count / (double)har_confusion_support(r->conf, p->truth));
    }
}

static void csv_subjects(FILE *fp, const report *r)
{
    const har_subject_table *t = &r->table;
    for (size_t i = 0; i < t->n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", t->rows[i].subject);
        csv_int(fp, "subject", id, "windows", t->rows[i].windows);
        csv_num(fp, "subject", id, "accuracy", t->rows[i].accuracy);
        csv_num(fp, "subject", id, "macro_f1", t->rows[i].macro_f1);
    }
    csv_num(fp, "subjects", "mean", "accuracy", t->mean_accuracy);
    csv_num(fp, "subjects", "mean", "macro_f1", t->mean_macro_f1);
    csv_num(fp, "subjects", "std", "accuracy", t->std_accuracy);
    csv_num(fp, "subjects", "std", "macro_f1", t->std_macro_f1);
    const har_subject_score *wa = &t->rows[t->worst_accuracy], *wf = &t->rows[t->worst_macro_f1];
    csv_int(fp, "subjects", "worst_accuracy", "subject", wa->subject);
    csv_num(fp, "subjects", "worst_accuracy", "accuracy", wa->accuracy);
    csv_int(fp, "subjects", "worst_macro_f1", "subject", wf->subject);
    csv_num(fp, "subjects", "worst_macro_f1", "macro_f1", wf->macro_f1);
}

static void write_csv(FILE *fp, const report *r)
{
    fputs("section,name,key,value\n", fp);
    csv_summary(fp, r);
    csv_classes(fp, r);
    csv_subjects(fp, r);
}

/* ---- the other outputs ---- */

static void write_predictions(FILE *fp, const report *r)
{
    const har_scored *s = r->scored;
    char **cl = r->s->classes;
    int k = s->k;
    fputs("file,index,subject,true,predicted", fp);
    for (int j = 0; j < k; j++)
        fprintf(fp, ",p_%s", cl[j]);
    fputc('\n', fp);
    for (int64_t i = 0; i < s->n; i++) {
        fprintf(fp, "%s,%lld,%d,%s,%s", r->o->data[s->file[i]], (long long)s->index[i], s->subject[i],
                cl[s->truth[i]], cl[s->pred[i]]);
        for (int j = 0; j < k; j++)
            fprintf(fp, ",%.6g", s->probs[(size_t)i * k + j]);
        fputc('\n', fp);
    }
}

/* Opens output i of outs for path (NULL: skipped) and returns its stream. */
static FILE *open_output(har_out *outs, int *n, const char *path)
{
    har_err e = {0};
    FILE *fp;
    if (har_out_open(&outs[*n], path, 0, &e) || !(fp = har_out_stdio(&outs[*n], &e)))
        har_die(&e);
    (*n)++;
    return fp;
}

/* Writes every requested file, then commits them all at once. */
static void write_outputs(const report *r, const har_saliency *sal)
{
    const options *o = r->o;
    har_out outs[5];
    int n = 0;
    har_err e = {0};
    if (o->json)
        write_json(open_output(outs, &n, o->json), r);
    if (o->csv)
        write_csv(open_output(outs, &n, o->csv), r);
    if (o->predictions)
        write_predictions(open_output(outs, &n, o->predictions), r);
    if (o->saliency) {
        size_t len = strlen(o->saliency) + 16;
        char *path = malloc(len);
        if (!path)
            har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
        snprintf(path, len, "%s-channels.dat", o->saliency);
        har_saliency_write_channels(sal, open_output(outs, &n, path), r->s->classes, r->s->ck.channels);
        snprintf(path, len, "%s-time.dat", o->saliency);
        har_saliency_write_time(sal, open_output(outs, &n, path), r->s->classes);
        free(path);
    }
    if (har_out_commit_all(outs, (size_t)n, &e))
        har_die(&e);
}

static int any_output_is_stdout(const options *o)
{
    return har_is_stdio(o->json) || har_is_stdio(o->csv) || har_is_stdio(o->predictions);
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    parse(argc, argv, &o);
    har_err e = {0};
    scorer s;
    scorer_load(&s, &o);
    har_scored scored;
    har_scored_init(&scored, s.k);
    har_saliency sal = {0};
    if (o.saliency && har_saliency_init(&sal, s.k, s.ck.window, s.ck.nchannels, &e))
        har_die(&e);
    score_all(&s, &o, &scored, &sal);
    report r;
    report_make(&r, &o, &s, &scored);
    write_outputs(&r, &sal);
    if (!any_output_is_stdout(&o))
        print_report(&r); /* a failed write is caught at exit (har_cli_init) */
    report_free(&r);
    har_saliency_free(&sal);
    har_scored_free(&scored);
    scorer_free(&s);
    har_idlist_free(&o.windows);
    return 0;
}
