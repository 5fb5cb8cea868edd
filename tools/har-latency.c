/* har-latency - how long predict_activity takes on one window, the way a
 * phone or a server would call it: one raw window at a time, on one thread. */
#define _DEFAULT_SOURCE /* getloadavg */
#include <cJSON.h>
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "serve/predictor.h"
#include "io/outfile.h"
#include "data/windows.h"

#define DEFAULT_WINDOWS 500
#define MIN_WINDOWS 100
#define MAX_WINDOWS 100000
#define DEFAULT_WARMUP 50
/* HAPT / UCI HAR: 128-sample windows every 64 samples at 50 Hz. */
#define DEFAULT_STRIDE_SECONDS 1.28

static void usage(void)
{
    printf(
        "Usage: %s [OPTIONS] MODEL DATA\n"
        "Measure the latency of classifying one raw window with the checkpoint MODEL\n"
        "(from har-train), as the C API's predict_activity() does it for a live stream:\n"
        "batch 1, on one thread.\n"
        "\n"
        "DATA is a window tensor file of raw windows (har-ingest or har-split output) with\n"
        "the model's window length and channels; files normalised by har-norm apply are\n"
        "refused, since predict_activity normalises with the statistics stored in MODEL\n"
        "and would normalise twice.  The first N windows of DATA are classified, in\n"
        "order (cycling through DATA again if it holds fewer than N).\n"
        "\n"
        "What is measured.  MODEL is loaded once.  Then W warm-up windows (the first W\n"
        "of the cycle, not timed) bring code, weights and the BLAS buffers into the\n"
        "caches, and every one of the N timed windows is one call of\n"
        "predict_activity(): validating the window, normalising it with the model's\n"
        "statistics, the forward pass and the softmax.  Each call is timed on its own\n"
        "with clock_gettime(CLOCK_MONOTONIC) immediately before and after it; reading\n"
        "DATA and writing the results are outside the timed region.  The process uses\n"
        "one thread: OpenBLAS is set to one thread (openblas_set_num_threads(1)),\n"
        "whatever OPENBLAS_NUM_THREADS says.  Other work on the machine perturbs the\n"
        "figures: the report gives the load average at the end of the run.\n"
        "\n"
        "Report (standard output):\n"
        "  model        MODEL, its spec, its parameters and their size as float32\n"
        "  latency      in microseconds: mean, p50, p90, p99 and max of the N calls.\n"
        "               The p-th percentile is the nearest rank: the smallest latency\n"
        "               that at least p %% of the calls did not exceed (sorted value\n"
        "               number ceil(p/100 * N)); p50 is the median.\n"
        "  throughput   windows per second one thread sustains back to back, 1e6 / mean\n"
        "  real time    the stride S between two windows of a live stream (sample\n"
        "               stride / sample rate from MODEL's metadata, else DATA's, else\n"
        "               1.28 s as in HAPT: 64 samples at 50 Hz; --stride-seconds sets it).\n"
        "               margin = S / p99: how many times over the work of 99 %% of the\n"
        "               windows fits between two windows (>= 1 keeps up); load = mean / S:\n"
        "               the share of one core a live stream keeps busy.\n"
        "  memory       peak resident set size (getrusage ru_maxrss) of serving: after\n"
        "               loading MODEL and classifying one window (predictions allocate\n"
        "               nothing more), before DATA is read; and of the whole run,\n"
        "               which also holds DATA in memory.\n"
        "  machine      OpenBLAS's kernel family (its core name), the 1-minute load average\n"
        "The JSON (--json) holds the same figures, the minimum latency, where the stride\n"
        "came from and OpenBLAS's configuration.\n"
        "\n"
        "Options:\n"
        "  -n, --count N         timed windows (default %d, %d..%d)\n"
        "  -w, --warmup W        untimed warm-up windows before them (default %d, 0..%d)\n"
        "      --stride-seconds S  the stride for the real-time margin (seconds, > 0)\n"
        "      --json FILE       also write the report as JSON (for Make; written atomically)\n"
        "      --predictions FILE  one CSV row per timed window, in order: position in\n"
        "                        the run, window index in DATA, predicted class index\n"
        "                        and name, then every class probability (%%.9g: exact)\n"
        "  -h, --help            show this help\n"
        "  -V, --version         show the version\n"
        "\n"
        "Deprecated spelling (it still works for one release, with a warning):\n"
        "      --windows N       use --count N (-n N); --windows named an input mode in\n"
        "                        har-infer\n"
        "\n"
        "MODEL or DATA (not both) may be '-' for standard input.  Diagnostics go to\n"
        "standard error.\n"
        "\n"
        "Example:\n"
        "  har-latency build/models/gru.safetensors.gz build/data/hapt-test.safetensors.gz \\\n"
        "      -n 1000 --json gru-latency.json\n"
        "\n" HAR_EXIT_CODES_HELP,
        har_prog(), DEFAULT_WINDOWS, MIN_WINDOWS, MAX_WINDOWS, DEFAULT_WARMUP, MAX_WINDOWS);
}

typedef struct {
    const char *model, *data, *json, *predictions;
    int windows, warmup;
    double stride_seconds; /* 0: from the metadata */
} options;

static void parse(int argc, char **argv, options *o)
{
    enum { OPT_STRIDE_SECONDS = HAR_OPT_TOOL, OPT_PREDICTIONS, OPT_OLD_WINDOWS };
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'},
        {"warmup", required_argument, 0, 'w'},
        {"stride-seconds", required_argument, 0, OPT_STRIDE_SECONDS},
        HAR_LONGOPT_JSON,
        {"predictions", required_argument, 0, OPT_PREDICTIONS},
        /* deprecated: --windows named an input mode in har-infer */
        {"windows", required_argument, 0, OPT_OLD_WINDOWS},
        HAR_LONGOPT_END};
    *o = (options){.windows = DEFAULT_WINDOWS, .warmup = DEFAULT_WARMUP};
    int c;
    while ((c = getopt_long(argc, argv, "n:w:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': o->windows = har_opt_int(optarg, MIN_WINDOWS, MAX_WINDOWS, "--count"); break;
        case 'w': o->warmup = har_opt_int(optarg, 0, MAX_WINDOWS, "--warmup"); break;
        case OPT_STRIDE_SECONDS:
            o->stride_seconds = har_opt_double_open(optarg, 0, INFINITY, "--stride-seconds");
            break;
        case HAR_OPT_JSON: o->json = optarg; break;
        case OPT_PREDICTIONS: o->predictions = optarg; break;
        case OPT_OLD_WINDOWS:
            har_opt_deprecated("--windows", "--count (-n)");
            o->windows = har_opt_int(optarg, MIN_WINDOWS, MAX_WINDOWS, "--windows");
            break;
        default: har_opt_common(c, usage);
        }
    }
    if (argc - optind != 2)
        har_usage_error("expected MODEL and DATA");
    o->model = argv[optind];
    o->data = argv[optind + 1];
    if (har_is_stdio(o->model) && har_is_stdio(o->data))
        har_usage_error("MODEL and DATA cannot both be standard input");
}

/* Peak resident set size so far, in KiB (Linux reports ru_maxrss in KiB). */
static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* Classifies the window whose raw values equal the model's means (it
 * normalises to zeros), so that every buffer serving touches is touched
 * before the serving memory is read. */
static void touch_serving_memory(har_predictor *m)
{
    const har_checkpoint *ck = har_predictor_checkpoint(m);
    size_t T = (size_t)ck->window, C = (size_t)ck->nchannels;
    float *x = malloc(T * C * sizeof *x);
    har_err e = {0};
    if (!x)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    for (size_t i = 0; i < T * C; i++)
        x[i] = (float)ck->mean[i % C];
    if (predict_activity(m, x, (int)T, (int)C, NULL, NULL))
        har_fail(&e, HAR_EDATA, "%s: %s", ck->file->source, har_predictor_error(m)), har_die(&e);
    free(x);
}

/* DATA must hold raw windows the model can take (predict_activity
 * normalises them), and at least one. */
static void check_data(const har_windows *w, const har_checkpoint *ck, const char *model)
{
    har_err e = {0};
    if (har_checkpoint_fits(ck, model, w, HAR_FIT_RAW, &e))
        har_die(&e);
    if (w->n == 0)
        har_fail(&e, HAR_EDATA, "%s holds no windows", w->file->source), har_die(&e);
}

/* stride / sample rate from f's metadata, or 0 if either is missing. */
static double meta_stride_seconds(const har_tfile *f)
{
    const char *s = har_tfile_meta_get(f, "stride"), *fs = har_tfile_meta_get(f, "sample_rate_hz");
    double stride = s ? strtod(s, NULL) : 0, rate = fs ? strtod(fs, NULL) : 0;
    return stride > 0 && rate > 0 && isfinite(stride / rate) ? stride / rate : 0;
}

typedef struct {
    int n;
    double *us;        /* [n] latency of each call, microseconds, in call order */
    int *label;        /* [n] */
    float *probs;      /* [n, K] */
    int64_t *index;    /* [n] window index in DATA */
} timings;

static double elapsed_us(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) * 1e-3;
}

/* The warm-up, then the timed calls: window i of the run is DATA's i mod n. */
static void run(har_predictor *m, const har_windows *w, int warmup, timings *t)
{
    har_err e = {0};
    const int T = w->t, C = w->c, K = har_predictor_classes(m);
    const size_t per = (size_t)T * (size_t)C;
    for (int i = 0; i < warmup; i++)
        if (predict_activity(m, w->x + (size_t)(i % w->n) * per, T, C, NULL, NULL))
            har_fail(&e, HAR_EDATA, "%s, window %lld: %s", w->file->source, (long long)(i % w->n),
                     har_predictor_error(m)),
                har_die(&e);
    for (int i = 0; i < t->n; i++) {
        int64_t k = i % w->n;
        const float *x = w->x + (size_t)k * per;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rc = predict_activity(m, x, T, C, &t->label[i], t->probs + (size_t)i * K);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (rc)
            har_fail(&e, HAR_EDATA, "%s, window %lld: %s", w->file->source, (long long)k, har_predictor_error(m)),
                har_die(&e);
        t->us[i] = elapsed_us(&a, &b);
        t->index[i] = k;
    }
}

typedef struct {
    double mean, p50, p90, p99, max, min;
} summary;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: sorted value number ceil(p/100 * n), counting from 1. */
static double percentile(const double *sorted, int n, double p)
{
    int rank = (int)ceil(p / 100 * n);
    return sorted[rank < 1 ? 0 : rank > n ? n - 1 : rank - 1];
}

static summary summarise(const timings *t)
{
    har_err e = {0};
    double *s = malloc((size_t)t->n * sizeof *s), sum = 0;
    if (!s)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    memcpy(s, t->us, (size_t)t->n * sizeof *s);
    qsort(s, (size_t)t->n, sizeof *s, cmp_double);
    for (int i = 0; i < t->n; i++)
        sum += s[i];
    summary r = {.mean = sum / t->n, .p50 = percentile(s, t->n, 50), .p90 = percentile(s, t->n, 90),
                 .p99 = percentile(s, t->n, 99), .max = s[t->n - 1], .min = s[0]};
    free(s);
    return r;
}

typedef struct {
    const options *o;
    const har_checkpoint *ck;
    int64_t data_windows;
    summary lat;
    double stride_s;
    const char *stride_from;
    long serving_rss, peak_rss;
    double load1;      /* 1-minute load average, < 0 if unknown */
} report;

static void print_report(const report *r)
{
    const har_model *m = &r->ck->model;
    printf("model        %s: %s\n", r->o->model, m->spec);
    printf("parameters   %zu (%zu bytes as float32)\n", m->nweights, m->nweights * sizeof(float));
    printf("windows      %d timed after %d warm-up, from %s (%lld windows%s)\n", r->o->windows,
           r->o->warmup, r->o->data, (long long)r->data_windows,
           r->data_windows < r->o->windows ? ", cycled" : "");
    printf("latency      mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f us (batch 1, 1 thread)\n",
           r->lat.mean, r->lat.p50, r->lat.p90, r->lat.p99, r->lat.max);
    printf("throughput   %.0f windows/s\n", 1e6 / r->lat.mean);
    printf("real time    stride %.3g s (%s): margin %.0fx at p99, load %.4f%% of one core\n", r->stride_s,
           r->stride_from, r->stride_s * 1e6 / r->lat.p99, 100 * r->lat.mean * 1e-6 / r->stride_s);
    printf("memory       peak RSS %.1f MiB serving, %.1f MiB whole run (with DATA)\n", r->serving_rss / 1024.0,
           r->peak_rss / 1024.0);
    printf("machine      OpenBLAS core %s", openblas_get_corename());
    if (r->load1 >= 0)
        printf(", load average %.2f (1 min)", r->load1);
    printf("\n");
}

static char *json_text(const report *r)
{
    const har_model *m = &r->ck->model;
    cJSON *o = cJSON_CreateObject(), *lat = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", r->o->model);
    cJSON_AddStringToObject(o, "spec", m->spec);
    cJSON_AddNumberToObject(o, "parameters", (double)m->nweights);
    cJSON_AddNumberToObject(o, "weight_bytes", (double)(m->nweights * sizeof(float)));
    cJSON_AddStringToObject(o, "data", r->o->data);
    cJSON_AddNumberToObject(o, "data_windows", (double)r->data_windows);
    cJSON_AddNumberToObject(o, "windows", r->o->windows);
    cJSON_AddNumberToObject(o, "warmup", r->o->warmup);
    cJSON_AddNumberToObject(o, "batch", 1);
    cJSON_AddNumberToObject(o, "threads", 1);
    cJSON_AddNumberToObject(lat, "mean", r->lat.mean);
    cJSON_AddNumberToObject(lat, "p50", r->lat.p50);
    cJSON_AddNumberToObject(lat, "p90", r->lat.p90);
    cJSON_AddNumberToObject(lat, "p99", r->lat.p99);
    cJSON_AddNumberToObject(lat, "max", r->lat.max);
    cJSON_AddNumberToObject(lat, "min", r->lat.min);
    cJSON_AddItemToObject(o, "latency_us", lat);
    cJSON_AddNumberToObject(o, "windows_per_second", 1e6 / r->lat.mean);
    cJSON_AddNumberToObject(o, "stride_seconds", r->stride_s);
    cJSON_AddStringToObject(o, "stride_from", r->stride_from);
    cJSON_AddNumberToObject(o, "realtime_margin_p99", r->stride_s * 1e6 / r->lat.p99);
    cJSON_AddNumberToObject(o, "realtime_load", r->lat.mean * 1e-6 / r->stride_s);
    cJSON_AddNumberToObject(o, "serving_peak_rss_kib", (double)r->serving_rss);
    cJSON_AddNumberToObject(o, "peak_rss_kib", (double)r->peak_rss);
    if (r->load1 >= 0)
        cJSON_AddNumberToObject(o, "load_average_1min", r->load1);
    cJSON_AddStringToObject(o, "blas", openblas_get_config());
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

/* --predictions: one row per timed call, in call order. */
static void write_predictions(FILE *fp, const har_predictor *m, const timings *t)
{
    int K = har_predictor_classes(m);
    fputs("run_index,data_index,class,name", fp);
    for (int k = 0; k < K; k++)
        fprintf(fp, ",p_%s", har_predictor_class_name(m, k));
    fputc('\n', fp);
    for (int i = 0; i < t->n; i++) {
        fprintf(fp, "%d,%lld,%d,%s", i, (long long)t->index[i], t->label[i], har_predictor_class_name(m, t->label[i]));
        for (int k = 0; k < K; k++)
            fprintf(fp, ",%.9g", (double)t->probs[(size_t)i * K + k]);
        fputc('\n', fp);
    }
}

/* Writes --json and --predictions, committed together. */
static void write_outputs(const report *r, const har_predictor *m, const timings *t)
{
    har_err e = {0};
    har_out outs[2] = {{0}};
    size_t n = 0;
    FILE *fp;
    if (r->o->json) {
        char *text = json_text(r);
        if (!text)
            har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
        if (har_out_open(&outs[n], r->o->json, 0, &e) || !(fp = har_out_stdio(&outs[n], &e)))
            har_die(&e);
        fputs(text, fp);
        fputc('\n', fp);
        free(text);
        n++;
    }
    if (r->o->predictions) {
        if (har_out_open(&outs[n], r->o->predictions, 0, &e) || !(fp = har_out_stdio(&outs[n], &e)))
            har_die(&e);
        write_predictions(fp, m, t);
        n++;
    }
    if (n && har_out_commit_all(outs, n, &e))
        har_die(&e);
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    parse(argc, argv, &o);
    /* Batch-1 latency is a single-thread figure: a second BLAS thread would
     * only add synchronisation to products this small, and a live stream
     * gets one core at most. */
    openblas_set_num_threads(1);
    har_err e = {0};
    har_predictor *m = har_predictor_open(o.model, &e);
    if (!m)
        har_die(&e);
    const har_checkpoint *ck = har_predictor_checkpoint(m);
    touch_serving_memory(m);
    report r = {.o = &o, .ck = ck, .serving_rss = peak_rss_kib(), .load1 = -1};

    har_windows w;
    if (har_windows_load(&w, o.data, &e))
        har_die(&e);
    check_data(&w, ck, o.model);
    r.data_windows = w.n;
    int K = har_predictor_classes(m);
    timings t = {.n = o.windows};
    t.us = malloc((size_t)t.n * sizeof *t.us);
    t.label = malloc((size_t)t.n * sizeof *t.label);
    t.probs = malloc((size_t)t.n * (size_t)K * sizeof *t.probs);
    t.index = malloc((size_t)t.n * sizeof *t.index);
    if (!t.us || !t.label || !t.probs || !t.index)
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    run(m, &w, o.warmup, &t);

    r.lat = summarise(&t);
    r.peak_rss = peak_rss_kib();
    double la[1];
    if (getloadavg(la, 1) == 1)
        r.load1 = la[0];
    if (o.stride_seconds > 0)
        r.stride_s = o.stride_seconds, r.stride_from = "--stride-seconds";
    else if ((r.stride_s = meta_stride_seconds(ck->file)) > 0)
        r.stride_from = "stride / sample_rate_hz of MODEL";
    else if ((r.stride_s = meta_stride_seconds(w.file)) > 0)
        r.stride_from = "stride / sample_rate_hz of DATA";
    else
        r.stride_s = DEFAULT_STRIDE_SECONDS, r.stride_from = "not recorded: HAPT's 1.28 s assumed";
    print_report(&r); /* a failed write is caught at exit (har_cli_init) */
    write_outputs(&r, m, &t);
    free(t.us);
    free(t.label);
    free(t.probs);
    free(t.index);
    har_windows_free(&w);
    har_predictor_free(m);
    return 0;
}
