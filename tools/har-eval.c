/* har-eval - score a trained model on window datasets. */
#include <cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/evaluate.h"
#include "../lib/outfile.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL DATA...\n"
           "Score the checkpoint MODEL (from har-train) on one or more window tensor files.\n"
           "\n"
           "DATA must have the model's window length, channels and classes (checked; the\n"
           "message names both files).  Raw windows are normalised with the statistics\n"
           "stored in MODEL; windows already normalised (har-norm apply) must carry those\n"
           "same statistics.  Several DATA files are scored together, as one set.  The\n"
           "model runs in inference mode (no dropout); scoring is deterministic.\n"
           "\n"
           "Report (standard output): windows and subjects; accuracy; macro-F1 (the\n"
           "unweighted mean of the per-class F1 over the classes present in DATA);\n"
           "weighted F1 (per-class F1 weighted by support); log loss (mean -ln p of the\n"
           "true class, p clipped at 1e-15 as scikit-learn does); per-class precision,\n"
           "recall, F1 and support (a class never predicted has precision 0); the\n"
           "confusion matrix (rows: true class, columns: predicted), as counts and\n"
           "row-normalised; the most confused pairs of classes.\n"
           "\n"
           "Options:\n"
           "      --json FILE     also write the report as JSON (written atomically)\n"
           "      --predictions FILE  one CSV row per window: file, index, subject, true and\n"
           "                      predicted class, then the probability of every class\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Example:\n"
           "  har-eval model.safetensors.gz build/data/hapt-test.safetensors.gz --json test.json\n"
           "\n" HAR_EXIT_CODES_HELP,
           har_prog());
}

typedef struct {
    int k;
    char **classes;
    har_confusion *conf;
    double loss_sum;
    int64_t n;
    har_idlist subjects;
    FILE *pred;      /* --predictions, or NULL */
} tally;

/* Loads one DATA file, scores it and adds it to the tally. */
static void score_file(har_checkpoint *ck, const char *model, const char *path, tally *t)
{
    har_err e = {0};
    har_windows w;
    har_predictions p;
    if (har_windows_load(&w, path, &e) || har_eval_conform(ck, model, &w, &e) ||
        har_eval_predict(ck, &w, &p, &e))
        har_die(&e);
    for (int64_t i = 0; i < w.n; i++) {
        har_confusion_add(t->conf, w.y[i], p.pred[i]);
        if (har_idlist_add(&t->subjects, w.subject[i], &e))
            har_die(&e);
        if (t->pred) {
            fprintf(t->pred, "%s,%lld,%d,%s,%s", path, (long long)i, w.subject[i], t->classes[w.y[i]],
                    t->classes[p.pred[i]]);
            for (int k = 0; k < t->k; k++)
                fprintf(t->pred, ",%.6g", p.probs[(size_t)i * t->k + k]);
            fputc('\n', t->pred);
        }
    }
    t->loss_sum += p.log_loss * (double)w.n;
    t->n += w.n;
    har_predictions_free(&p);
    har_windows_free(&w);
}

static void print_report(const har_checkpoint *ck, const tally *t, const har_scores *s,
                         const double *prec, const double *rec, const double *f1)
{
    int k = t->k;
    const int64_t *c = t->conf->counts;
    const char *epoch = har_tfile_meta_get(ck->file, "epoch");
    printf("model        %s (%zu parameters, epoch %s)\n", ck->model.spec, ck->model.nweights,
           epoch ? epoch : "?");
    printf("windows      %lld (%zu subjects)\n", (long long)t->n, t->subjects.n);
    printf("accuracy     %.4f\n", s->accuracy);
    printf("macro-F1     %.4f\n", s->macro_f1);
    printf("weighted-F1  %.4f\n", s->weighted_f1);
    printf("log loss     %.4f\n\n", t->loss_sum / (double)t->n);
    printf("%-20s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (int i = 0; i < k; i++) {
        int64_t support = 0;
        for (int j = 0; j < k; j++)
            support += c[i * k + j];
        printf("%-20s %9.4f %9.4f %9.4f %9lld\n", t->classes[i], prec[i], rec[i], f1[i],
               (long long)support);
    }
    printf("\nconfusion matrix (rows: true, columns: predicted; counts | row-normalised)\n");
    printf("%-20s", "");
    for (int j = 0; j < k; j++)
        printf(" %6d", j);
    printf(" |");
    for (int j = 0; j < k; j++)
        printf(" %6d", j);
    printf("\n");
    for (int i = 0; i < k; i++) {
        int64_t row = 0;
        for (int j = 0; j < k; j++)
            row += c[i * k + j];
        printf("%d %-18.18s", i, t->classes[i]);
        for (int j = 0; j < k; j++)
            printf(" %6lld", (long long)c[i * k + j]);
        printf(" |");
        for (int j = 0; j < k; j++)
            printf(" %6.3f", row ? (double)c[i * k + j] / (double)row : 0.0);
        printf("\n");
    }
    /* The most confused pairs: the largest off-diagonal counts, up to five. */
    printf("\nmost confused (true -> predicted: windows, share of the true class)\n");
    int shown = 0;
    for (int64_t bound = INT64_MAX; shown < 5;) {
        int64_t best = 0;
        for (int i = 0; i < k * k; i++)
            if (i / k != i % k && c[i] < bound && c[i] > best)
                best = c[i];
        if (best == 0)
            break;
        for (int i = 0; i < k * k && shown < 5; i++)
            if (i / k != i % k && c[i] == best) {
                int64_t row = 0;
                for (int j = 0; j < k; j++)
                    row += c[(i / k) * k + j];
                printf("  %s -> %s: %lld (%.1f%%)\n", t->classes[i / k], t->classes[i % k],
                       (long long)best, 100.0 * (double)best / (double)row);
                shown++;
            }
        bound = best;
    }
    if (!shown)
        printf("  none\n");
}

static void write_json(const char *path, const har_checkpoint *ck, const char *model, char **data,
                       int ndata, const tally *t,
                       const har_scores *s, const double *prec, const double *rec, const double *f1)
{
    har_err e = {0};
    int k = t->k;
    cJSON *o = cJSON_CreateObject(), *files = cJSON_AddArrayToObject(o, "data");
    cJSON_AddStringToObject(o, "model", model);
    cJSON_AddStringToObject(o, "spec", ck->model.spec);
    cJSON_AddNumberToObject(o, "parameters", (double)ck->model.nweights);
    for (int i = 0; i < ndata; i++)
        cJSON_AddItemToArray(files, cJSON_CreateString(data[i]));
    cJSON_AddNumberToObject(o, "windows", (double)t->n);
    cJSON_AddNumberToObject(o, "subjects", (double)t->subjects.n);
    cJSON_AddNumberToObject(o, "accuracy", s->accuracy);
    cJSON_AddNumberToObject(o, "macro_f1", s->macro_f1);
    cJSON_AddNumberToObject(o, "weighted_f1", s->weighted_f1);
    cJSON_AddNumberToObject(o, "log_loss", t->loss_sum / (double)t->n);
    cJSON *cl = cJSON_AddArrayToObject(o, "classes"), *cm = cJSON_AddArrayToObject(o, "confusion");
    for (int i = 0; i < k; i++) {
        cJSON *c = cJSON_CreateObject(), *row = cJSON_CreateArray();
        int64_t support = 0;
        for (int j = 0; j < k; j++) {
            support += t->conf->counts[i * k + j];
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)t->conf->counts[i * k + j]));
        }
        cJSON_AddStringToObject(c, "name", t->classes[i]);
        cJSON_AddNumberToObject(c, "precision", prec[i]);
        cJSON_AddNumberToObject(c, "recall", rec[i]);
        cJSON_AddNumberToObject(c, "f1", f1[i]);
        cJSON_AddNumberToObject(c, "support", (double)support);
        cJSON_AddItemToArray(cl, c);
        cJSON_AddItemToArray(cm, row);
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    har_out out = {0};
    FILE *fp;
    if (!text)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    if (har_out_open(&out, path, 0, &e) || !(fp = har_out_stdio(&out, &e)) ||
        (fputs(text, fp), fputc('\n', fp), har_out_commit(&out, &e)))
        har_die(&e);
    free(text);
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    har_out_install_signal_handlers();
    const char *json = NULL, *predictions = NULL;
    static const struct option longopts[] = {{"json", required_argument, 0, 'j'},
                                             {"predictions", required_argument, 0, 'p'},
                                             {"help", no_argument, 0, 'h'},
                                             {"version", no_argument, 0, 'V'},
                                             {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = optarg; break;
        case 'p': predictions = optarg; break;
        case 'h': usage(); return 0;
        case 'V': har_print_version(); return 0;
        default: har_usage_error("unknown or incomplete option");
        }
    }
    if (argc - optind < 2)
        har_usage_error("expected MODEL and at least one DATA file");
    const char *model = argv[optind];
    har_err e = {0};
    har_checkpoint ck;
    if (har_checkpoint_load(&ck, model, &e))
        har_die(&e);
    tally t = {.k = ck.nclasses, .classes = ck.classes, .conf = har_confusion_new(ck.nclasses)};
    if (!t.conf)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    har_out pred_out = {0};
    if (predictions) {
        if (har_out_open(&pred_out, predictions, 0, &e) || !(t.pred = har_out_stdio(&pred_out, &e)))
            har_die(&e);
        fprintf(t.pred, "file,index,subject,true,predicted");
        for (int k = 0; k < t.k; k++)
            fprintf(t.pred, ",p_%s", t.classes[k]);
        fputc('\n', t.pred);
    }
    for (int i = optind + 1; i < argc; i++)
        score_file(&ck, model, argv[i], &t);
    if (predictions && har_out_commit(&pred_out, &e))
        har_die(&e);
    if (t.n == 0)
        har_fail(&e, HAR_EDATA, "no windows to score in %s", argv[optind + 1]), har_die(&e);
    int k = t.k;
    double *prec = calloc(3 * (size_t)k, sizeof *prec);
    if (!prec)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    double *rec = prec + k, *f1 = rec + k;
    har_scores s = har_confusion_scores(t.conf, prec, rec, f1);
    print_report(&ck, &t, &s, prec, rec, f1);
    if (json)
        write_json(json, &ck, model, argv + optind + 1, argc - optind - 1, &t, &s, prec, rec, f1);
    if (fflush(stdout) || ferror(stdout))
        har_fail(&e, HAR_EIO, "cannot write the report to standard output"), har_die(&e);
    free(prec);
    har_idlist_free(&t.subjects);
    har_confusion_free(t.conf);
    har_checkpoint_free(&ck);
    return 0;
}
