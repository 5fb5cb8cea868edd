/* har-infer - classify windows or a live stream of raw IMU samples with a
 * trained model, one output line per window. */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/dsp.h"
#include "ingest/timeline.h"
#include "serve/predictor.h"
#include "io/outfile.h"
#include "io/textparse.h"
#include "data/windows.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] MODEL [INPUT]\n"
           "Classify activity windows with the checkpoint MODEL (from har-train) and write\n"
           "one line per window: the class name, its index and the probability of every\n"
           "class.  INPUT is a file or '-' for standard input (the default).\n"
           "\n"
           "Input modes (--input-format text or tensor, or --stream):\n"
           "  text     (default) one window per line: T x C numbers separated by spaces\n"
           "           or tabs, time-major (all channels of sample 0, then sample 1, ...),\n"
           "           channels in the model's order (UCI: body_acc xyz, body_gyro xyz,\n"
           "           total_acc xyz), raw units (g, rad/s)\n"
           "  tensor   a window tensor file (har-ingest or har-split output, raw, not\n"
           "           normalised); its subject, recording, start and true class are\n"
           "           copied to the output\n"
           "  stream   raw samples, one per line: ax ay az gx gy gz (acceleration in g,\n"
           "           angular velocity in rad/s; ax ay az only for a model of the six\n"
           "           accelerometer channels) at the model's sample rate (50 Hz), or\n"
           "           with --timestamps 'TIME ax ay az ...' at the device's own rate,\n"
           "           regular or not: then resampled to 50 Hz exactly as har-ingest\n"
           "           resamples a csv-layout recording (same code; 0.2 s later), an\n"
           "           interval over --max-gap restarting the filters.\n"
           "           They run through har-ingest's causal filter chain (the same code,\n"
           "           so a recording streamed here gives the same windows, bit for bit,\n"
           "           as har-ingest) and every --stride samples, once a whole window is\n"
           "           buffered, the latest window is classified.  Memory is fixed: one\n"
           "           window.\n"
           "Windows are normalised with the statistics stored in MODEL, as in training.\n"
           "\n"
           "Output (standard output, flushed after every window, so `tail -f rec.txt |\n"
           "har-infer --stream MODEL` reports as the data arrives): CSV with a header\n"
           "line, or JSON lines with --format json.  Columns:\n"
           "  text     line, label, class, p_<class>...\n"
           "  tensor   window, subject, recording, start, true, label, class, p_<class>...\n"
           "  stream   start (index of the window's first sample; skipped lines are not\n"
           "           counted; with --timestamps, on the 50 Hz timeline from the first\n"
           "           timestamp, as har-ingest numbers a recording's windows), time_s\n"
           "           (start / sample rate), label, class, p_<class>...\n"
           "\n"
           "Bad lines (a wrong number of values, a value that is not a number, NaN or\n"
           "infinite, a line longer than a window can be) are reported on standard error\n"
           "with their line number (the first %d; later ones are only counted), skipped\n"
           "and counted in a summary at the end.  Blank lines are ignored.  With --strict\n"
           "the first bad line stops har-infer (exit 1).\n"
           "\n"
           "Options:\n"
           "      --input-format MODE text or tensor (default text)\n"
           "      --stream            read raw samples (see above)\n"
           "      --stride N          stream: samples between predictions (default: the\n"
           "                          stride of the model's training windows, 64)\n"
           "      --format FORMAT     csv (default) or json: JSON lines instead of CSV\n"
           "      --strict            stop at the first bad line\n"
           "      --timestamps        stream: each line starts with the sample's time\n"
           "      --time-unit U       ... in s (default), ms, us or ns\n"
           "      --acc-unit U        stream: g (default) or m/s2\n"
           "      --gyro-unit U       stream: rad/s (default) or deg/s\n"
           "      --max-gap S         longest interval inside a piece (default 0.1 s)\n"
           "      --bad-timestamps P  error (default: the line is reported and skipped)\n"
           "                          or drop (skipped and counted): a repeated or\n"
           "                          decreasing timestamp\n"
           "      --resample-grid HZ  interpolation grid, a multiple of 50 (default 200)\n"
           "      --emit-windows FILE stream: also write every classified window to FILE in\n"
           "                          the text input format (exact: %%.9g round-trips\n"
           "                          floats), written atomically when the input ends\n"
           "  -q, --quiet             no summary on standard error\n"
           "  -h, --help              show this help\n"
           "  -V, --version           show the version\n"
           "\n"
           "Deprecated spellings (they still work for one release, with a warning):\n"
           "      --windows MODE      use --input-format MODE\n"
           "      --json              use --format json (--json will take a FILE, as in\n"
           "                          har-eval and har-latency)\n"
           "\n"
           "Examples:\n"
           "  zcat data/hapt/RawData/acc_exp01_user01.txt.gz > acc.txt\n"
           "  zcat data/hapt/RawData/gyro_exp01_user01.txt.gz | paste -d' ' acc.txt - |\n"
           "      har-infer --stream model.safetensors.gz\n"
           "  zcat s01_01_sp.csv.gz | awk -F, 'NR > 1 { print $7,$1,$2,$3,$4,$5,$6 }' |\n"
           "      har-infer --stream --timestamps --time-unit ms --acc-unit m/s2 model.st.gz\n"
           "  har-infer --input-format tensor model.safetensors.gz \\\n"
           "      build/data/hapt-test.safetensors.gz\n"
           "\n" HAR_EXIT_CODES_HELP,
           har_prog(), 20);
}

/* How --stream reads its samples. */
typedef struct {
    int timed;                 /* --timestamps: each line starts with the sample's time */
    double time_to_s, acc_to_g, gyro_to_rad;
    har_timeline_params timeline;
} stream_opts;

enum { MODE_TEXT, MODE_TENSOR, MODE_STREAM };
enum { MAX_REPORTED = 20 };

typedef struct {
    har_predictor *m;
    const char *input;  /* for messages */
    int json, strict, quiet;
    int64_t windows;    /* classified */
    int64_t bad_lines;
    float *probs;
} infer;

/* One output row: the mode's leading fields are already printed (CSV) or
 * opened (JSON); this adds the prediction and ends the line. */
static void finish_row(infer *in, int label)
{
    int K = har_predictor_classes(in->m);
    if (in->json) {
        printf("\"label\":\"%s\",\"class\":%d,\"probs\":{", har_predictor_class_name(in->m, label), label);
        for (int k = 0; k < K; k++)
            printf("%s\"%s\":%.6g", k ? "," : "", har_predictor_class_name(in->m, k), (double)in->probs[k]);
        printf("}}\n");
    } else {
        printf("%s,%d", har_predictor_class_name(in->m, label), label);
        for (int k = 0; k < K; k++)
            printf(",%.6g", (double)in->probs[k]);
        putchar('\n');
    }
    /* A reader at the end of a pipe sees each window as it is classified. */
    if (fflush(stdout) || ferror(stdout)) {
        har_err e = {0};
        har_fail(&e, HAR_EIO, "cannot write to standard output: %s", strerror(errno));
        har_die(&e);
    }
    in->windows++;
}

static void print_header(const infer *in, const char *lead)
{
    if (in->json)
        return;
    printf("%s,label,class", lead);
    for (int k = 0; k < har_predictor_classes(in->m); k++)
        printf(",p_%s", har_predictor_class_name(in->m, k));
    putchar('\n');
}

/* Reports a bad line (or stops with --strict). */
static void bad_line(infer *in, long line, const char *why)
{
    in->bad_lines++;
    if (in->strict) {
        har_err e = {0};
        har_fail(&e, HAR_EDATA, "%s:%ld: %s", in->input, line, why);
        har_die(&e);
    }
    if (in->bad_lines <= MAX_REPORTED)
        fprintf(stderr, "%s: %s:%ld: %s; line skipped\n", har_prog(), in->input, line, why);
    if (in->bad_lines == MAX_REPORTED)
        fprintf(stderr, "%s: further bad lines are counted, not shown\n", har_prog());
}

static FILE *open_input(const char *path)
{
    if (har_is_stdio(path))
        return stdin;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        har_err e = {0};
        har_fail(&e, HAR_EIO, "%s: cannot open: %s", path, strerror(errno));
        har_die(&e);
    }
    return fp;
}

static void run_text(infer *in, const char *path)
{
    int T = har_predictor_window(in->m), C = har_predictor_channels(in->m), want = T * C;
    /* A window line needs at most ~26 bytes per number; longer is garbage. */
    size_t cap = (size_t)want * 32 + 1024;
    char *buf = malloc(cap), why[160];
    double *v = malloc((size_t)want * sizeof *v);
    float *x = malloc((size_t)want * sizeof *x);
    unsigned char *st = malloc((size_t)want);
    if (!buf || !v || !x || !st) {
        har_err e = {0};
        har_fail(&e, HAR_EIO, "out of memory");
        har_die(&e);
    }
    FILE *fp = open_input(path);
    print_header(in, "line");
    size_t n;
    int r;
    for (long line = 1; (r = har_read_line(fp, buf, cap, &n)) != 0; line++) {
        if (r < 0) {
            bad_line(in, line, "line too long for one window");
            continue;
        }
        if (har_line_blank(buf, n))
            continue;
        if (har_parse_numbers(buf, n, v, st, want, why, sizeof why)) {
            bad_line(in, line, why);
            continue;
        }
        for (int i = 0; i < want; i++)
            x[i] = (float)v[i];
        int label;
        if (predict_activity(in->m, x, T, C, &label, in->probs)) {
            bad_line(in, line, har_predictor_error(in->m));
            continue;
        }
        if (in->json)
            printf("{\"line\":%ld,", line);
        else
            printf("%ld,", line);
        finish_row(in, label);
    }
    if (ferror(fp)) {
        har_err e = {0};
        har_fail(&e, HAR_EIO, "%s: read error", in->input);
        har_die(&e);
    }
    if (fp != stdin)
        fclose(fp);
    free(buf);
    free(v);
    free(x);
    free(st);
}

static void run_tensor(infer *in, const char *path, const char *model)
{
    har_err e = {0};
    har_windows w;
    if (har_windows_load(&w, path, &e))
        har_die(&e);
    /* Raw windows in the model's channel order: predict_activity normalises. */
    if (har_checkpoint_fits(har_predictor_checkpoint(in->m), model, &w, HAR_FIT_RAW, &e))
        har_die(&e);
    print_header(in, "window,subject,recording,start,true");
    size_t per = (size_t)w.t * (size_t)w.c;
    for (int64_t i = 0; i < w.n; i++) {
        int label;
        /* Loading checked every value is finite, so only an overflow after
         * normalising can fail here: that is bad data, not a line to skip. */
        if (predict_activity(in->m, w.x + (size_t)i * per, w.t, w.c, &label, in->probs))
            har_fail(&e, HAR_EDATA, "%s: window %lld: %s", path, (long long)i, har_predictor_error(in->m)),
                har_die(&e);
        const char *truth = har_list_at(w.classes, w.nclasses, w.y[i]);
        if (in->json)
            printf("{\"window\":%lld,\"subject\":%d,\"recording\":%d,\"start\":%lld,\"true\":\"%s\",", (long long)i,
                   w.subject[i], w.recording[i], (long long)w.start[i], truth);
        else
            printf("%lld,%d,%d,%lld,%s,", (long long)i, w.subject[i], w.recording[i], (long long)w.start[i], truth);
        finish_row(in, label);
    }
    har_windows_free(&w);
}

/* One window as a text input line; %.9g gives back the same float. */
static void emit_window(FILE *fp, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(fp, i ? " %.9g" : "%.9g", (double)x[i]);
    fputc('\n', fp);
}

/* The summary of a timed stream: what its timeline dropped and split. */
static void timeline_summary(const har_stream *s, int64_t windows)
{
    const har_timeline *tl = har_stream_timeline(s);
    fprintf(stderr,
            "%s: %lld timestamped samples: %lld dropped for a repeated and %lld for a decreasing timestamp, "
            "%lld gaps over %g s (longest %.3g s)%s\n",
            har_prog(), (long long)tl->pushed, (long long)tl->dropped_equal, (long long)tl->dropped_backwards,
            (long long)tl->gaps, tl->p.max_gap_s, tl->longest_gap_s, windows ? "" : "; no window: nothing classified");
}

static void print_prediction(infer *in, const har_stream_prediction *p, FILE *wf, size_t per)
{
    if (wf)
        emit_window(wf, p->window, per);
    memcpy(in->probs, p->probs, (size_t)har_predictor_classes(in->m) * sizeof *in->probs);
    if (in->json)
        printf("{\"start\":%lld,\"time_s\":%.2f,", (long long)p->start, p->time_s);
    else
        printf("%lld,%.2f,", (long long)p->start, p->time_s);
    finish_row(in, p->label);
}

static void run_stream(infer *in, const char *path, int stride, const char *emit, const stream_opts *so)
{
    har_err e = {0};
    har_stream *s = har_stream_open_timed(in->m, stride, &so->timeline, &e);
    if (!s)
        har_die(&e);
    har_out out = {0};
    FILE *wf = NULL;
    if (emit && (har_out_open(&out, emit, 0, &e) || !(wf = har_out_stdio(&out, &e))))
        har_die(&e);
    const har_checkpoint *ck = har_predictor_checkpoint(in->m);
    size_t per = (size_t)ck->window * (size_t)ck->nchannels;
    /* An accelerometer-only model reads ax ay az; a time goes first. */
    const int naxes = ck->nchannels == HAR_ACC_CHANNELS ? 3 : HAR_RAW_CHANNELS, nvals = so->timed + naxes;
    FILE *fp = open_input(path);
    print_header(in, "start,time_s");
    char buf[1024], why[160];
    double vals[1 + HAR_RAW_CHANNELS], first_time = 0;
    unsigned char st[1 + HAR_RAW_CHANNELS];
    int have_first = 0;
    size_t n;
    int r;
    for (long line = 1; (r = har_read_line(fp, buf, sizeof buf, &n)) != 0; line++) {
        if (r < 0) {
            bad_line(in, line, "line too long for one sample");
            continue;
        }
        if (har_line_blank(buf, n))
            continue;
        if (har_parse_numbers(buf, n, vals, st, nvals, why, sizeof why)) {
            bad_line(in, line, why);
            continue;
        }
        /* The arithmetic of har-ingest's csv layout, so the same reading
         * becomes the same double: v x unit factor, and times as
         * (t - first t) x unit factor. */
        double raw[HAR_RAW_CHANNELS] = {0};
        for (int c = 0; c < naxes; c++)
            raw[c] = vals[so->timed + c] * (c < 3 ? so->acc_to_g : so->gyro_to_rad);
        har_stream_prediction p;
        int got;
        if (so->timed) {
            if (!have_first) {
                first_time = vals[0];
                have_first = 1;
            }
            got = har_stream_push_at(s, (vals[0] - first_time) * so->time_to_s, raw, &p);
        } else {
            got = har_stream_push(s, raw, &p);
        }
        while (got > 0) {
            print_prediction(in, &p, wf, per);
            got = so->timed ? har_stream_next(s, &p) : 0;
        }
        if (got < 0)
            bad_line(in, line, har_predictor_error(in->m));
    }
    if (ferror(fp))
        har_fail(&e, HAR_EIO, "%s: read error", in->input), har_die(&e);
    if (fp != stdin)
        fclose(fp);
    if (wf && har_out_commit(&out, &e))
        har_die(&e);
    if (!in->quiet && so->timed)
        timeline_summary(s, in->windows);
    else if (!in->quiet && har_stream_samples(s) < ck->window)
        fprintf(stderr, "%s: %lld samples read, fewer than one window (%d): nothing classified\n", har_prog(),
                (long long)har_stream_samples(s), ck->window);
    har_stream_free(s);
}

/* ---- command line ---- */

typedef struct {
    int mode, stride, json, strict, quiet;
    const char *emit, *model, *input;
    stream_opts st;
    int stream_only;           /* an option of --stream was given */
} options;

/* The words of --input-format and --format, in the order of their values. */
static const char *const input_formats[] = {"text", "tensor", NULL};
static const char *const output_formats[] = {"csv", "json", NULL};

static void parse(int argc, char **argv, options *o)
{
    enum { OPT_INPUT_FORMAT = HAR_OPT_TOOL, OPT_STREAM, OPT_STRIDE, OPT_FORMAT, OPT_STRICT, OPT_EMIT,
           OPT_OLD_WINDOWS, OPT_OLD_JSON, OPT_TIMESTAMPS, OPT_TIME_UNIT, OPT_ACC_UNIT, OPT_GYRO_UNIT, OPT_MAX_GAP,
           OPT_BAD_TIME, OPT_GRID };
    static const struct option longopts[] = {
        {"input-format", required_argument, 0, OPT_INPUT_FORMAT},
        {"stream", no_argument, 0, OPT_STREAM},
        {"stride", required_argument, 0, OPT_STRIDE},
        {"format", required_argument, 0, OPT_FORMAT},
        {"strict", no_argument, 0, OPT_STRICT},
        {"emit-windows", required_argument, 0, OPT_EMIT},
        {"timestamps", no_argument, 0, OPT_TIMESTAMPS},
        {"time-unit", required_argument, 0, OPT_TIME_UNIT},
        {"acc-unit", required_argument, 0, OPT_ACC_UNIT},
        {"gyro-unit", required_argument, 0, OPT_GYRO_UNIT},
        {"max-gap", required_argument, 0, OPT_MAX_GAP},
        {"bad-timestamps", required_argument, 0, OPT_BAD_TIME},
        {"resample-grid", required_argument, 0, OPT_GRID},
        HAR_LONGOPT_QUIET,
        /* deprecated: --windows collided with har-latency's count, and --json
         * names a FILE in every other tool */
        {"windows", required_argument, 0, OPT_OLD_WINDOWS},
        {"json", no_argument, 0, OPT_OLD_JSON},
        HAR_LONGOPT_END};
    *o = (options){.mode = MODE_TEXT,
                   .st = {.time_to_s = 1, .acc_to_g = 1, .gyro_to_rad = 1, .timeline = har_timeline_defaults}};
    stream_opts *st = &o->st;
    int c, modes = 0;
    while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
        /* each of these chooses the input mode, and only one may */
        modes += c == OPT_INPUT_FORMAT || c == OPT_STREAM || c == OPT_OLD_WINDOWS;
        switch (c) {
        case OPT_INPUT_FORMAT: o->mode = har_opt_choice(optarg, input_formats, "--input-format"); break;
        case OPT_STREAM: o->mode = MODE_STREAM; break;
        case OPT_STRIDE: o->stride = har_opt_int(optarg, 1, 1 << 20, "--stride"); break;
        case OPT_FORMAT: o->json = har_opt_choice(optarg, output_formats, "--format"); break;
        case OPT_STRICT: o->strict = 1; break;
        case OPT_EMIT: o->emit = optarg; break;
        case OPT_TIMESTAMPS: st->timed = 1; break;
        case OPT_TIME_UNIT: st->time_to_s = har_time_to_s[har_opt_choice(optarg, har_time_units, "--time-unit")]; break;
        case OPT_ACC_UNIT: st->acc_to_g = har_acc_to_g[har_opt_choice(optarg, har_acc_units, "--acc-unit")]; break;
        case OPT_GYRO_UNIT:
            st->gyro_to_rad = har_gyro_to_rad[har_opt_choice(optarg, har_gyro_units, "--gyro-unit")];
            break;
        case OPT_MAX_GAP: st->timeline.max_gap_s = har_opt_double_open(optarg, 0, 3600, "--max-gap"); break;
        case OPT_BAD_TIME:
            st->timeline.bad_time = (har_time_policy)har_opt_choice(optarg, har_time_policies, "--bad-timestamps");
            break;
        case OPT_GRID: st->timeline.grid_hz = har_opt_double_open(optarg, 0, 1e5, "--resample-grid"); break;
        case 'q': o->quiet = 1; break;
        case OPT_OLD_WINDOWS:
            har_opt_deprecated("--windows", "--input-format");
            o->mode = har_opt_choice(optarg, input_formats, "--windows");
            break;
        case OPT_OLD_JSON:
            har_opt_deprecated("--json (flag)", "--format json");
            o->json = 1;
            break;
        default: har_opt_common(c, usage);
        }
        o->stream_only |= c >= OPT_TIMESTAMPS;
    }
    if (o->stream_only && !st->timed && (st->time_to_s != 1 || st->timeline.max_gap_s != har_timeline_defaults.max_gap_s ||
                                        st->timeline.bad_time != har_timeline_defaults.bad_time ||
                                        st->timeline.grid_hz != har_timeline_defaults.grid_hz))
        har_usage_error("--time-unit, --max-gap, --bad-timestamps and --resample-grid apply with --timestamps");
    if (o->stream_only && o->mode != MODE_STREAM)
        har_usage_error("--timestamps and the unit options apply to --stream only");
    if (modes > 1)
        har_usage_error("choose one input mode: --input-format text, --input-format tensor or --stream");
    if ((o->stride || o->emit) && o->mode != MODE_STREAM)
        har_usage_error("--stride and --emit-windows apply to --stream only");
    if (argc - optind < 1 || argc - optind > 2)
        har_usage_error("expected MODEL and at most one INPUT");
    o->model = argv[optind];
    o->input = argc - optind == 2 ? argv[optind + 1] : "-";
    if (har_is_stdio(o->model))
        har_usage_error("MODEL must be a file (standard input carries the windows)");
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    har_out_install_signal_handlers();
    options o;
    parse(argc, argv, &o);
    const char *model = o.model, *input = o.input;
    infer in = {.json = o.json, .strict = o.strict, .quiet = o.quiet};
    /* Batch-1 products are too small to share: one thread, no contention. */
    openblas_set_num_threads(1);
    har_err e = {0};
    if (!(in.m = har_predictor_open(model, &e)))
        har_die(&e);
    in.input = har_is_stdio(input) ? "<stdin>" : input;
    if (!(in.probs = malloc((size_t)har_predictor_classes(in.m) * sizeof *in.probs)))
        har_fail(&e, HAR_EIO, "out of memory"), har_die(&e);
    if (o.mode == MODE_TEXT)
        run_text(&in, input);
    else if (o.mode == MODE_TENSOR)
        run_tensor(&in, input, model);
    else
        run_stream(&in, input, o.stride, o.emit, &o.st);
    if (!in.quiet && in.bad_lines)
        fprintf(stderr, "%s: %lld windows classified; %lld bad lines skipped\n", har_prog(),
                (long long)in.windows, (long long)in.bad_lines);
    /* An empty input gave a bare header and silence, which looks like
     * success; say that nothing was there (still exit 0: an empty pipe is not
     * an error).  --stream already says so for fewer samples than a window. */
    else if (!in.quiet && !in.windows && o.mode != MODE_STREAM)
        fprintf(stderr, "%s: %s: no windows: nothing classified\n", har_prog(), in.input);
    free(in.probs);
    har_predictor_free(in.m);
    return 0;
}
