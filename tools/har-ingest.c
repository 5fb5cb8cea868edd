/* har-ingest - raw smartphone IMU recordings -> labelled window dataset. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/ingest.h"
#include "io/infile.h"
#include "io/provenance.h"
#include "ingest/report.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] DIR\n"
           "Turn raw smartphone IMU recordings into labelled, UCI-HAR-style windows,\n"
           "written as one tensor file (gzip-compressed safetensors).\n"
           "\n"
           "DIR is a dataset folder in one of three layouts (the first two are detected):\n"
           "  HAPT v2.1   RawData/acc_expXX_userYY.txt, RawData/gyro_expXX_userYY.txt,\n"
           "              RawData/labels.txt (experiment user activity start end; 1-based,\n"
           "              inclusive), activity_labels.txt; optional Test/subject_id_test.txt\n"
           "  UCI HAR v1  {train,test}/Inertial Signals/<channel>_<part>.txt,\n"
           "              {train,test}/y_<part>.txt, {train,test}/subject_<part>.txt,\n"
           "              activity_labels.txt\n"
           "  csv         your own recordings: every file below DIR whose path matches\n"
           "              --include, one recording each, delimited text (tab, comma or\n"
           "              semicolon, read from the header row) with a header naming the\n"
           "              columns; any option of this group selects it\n"
           "Every text file may also be gzip-compressed (name.txt.gz).\n"
           "\n"
           "HAPT recordings are processed causally, exactly as a live stream would be:\n"
           "per axis, median of the last 3 samples, then a 3rd-order Butterworth\n"
           "low-pass at 20 Hz (50 Hz sampling) -> total_acc, body_gyro; gravity = 3rd-order\n"
           "Butterworth low-pass at 0.3 Hz of total_acc; body_acc = total_acc - gravity.\n"
           "Filters start in the steady state of the first sample.  Windows of --window\n"
           "samples every --stride samples, each inside one labelled segment.\n"
           "\n"
           "csv recordings are first resampled onto the model's 50 Hz from their own\n"
           "timestamps: cubic Hermite interpolation onto a 200 Hz grid, then the\n"
           "Kaiser-windowed sinc low-pass of scipy's resample_poly (cut-off 25 Hz, 10\n"
           "output periods each side), so 100-200 Hz sources are anti-aliased.  The\n"
           "first and last 0.2 s of each piece give no samples.  A timestamp that\n"
           "repeats or goes back is an error (--bad-timestamps drop: skipped and\n"
           "counted); an interval over --max-gap splits the recording into pieces that\n"
           "are filtered and windowed apart, so no window spans a gap.  Each resampled\n"
           "sample takes the label of the nearest row.  Without gyroscope columns the\n"
           "windows have the 6 accelerometer channels only.\n"
           "\n"
           "Output tensors: X F32 [N,T,9] (body_acc xyz, body_gyro xyz, total_acc xyz;\n"
           "g and rad/s), y I32 [N] (0-based class), subject I32 [N], recording I32 [N],\n"
           "start I64 [N] (first sample of the window in its recording, 0-based; -1 for\n"
           "UCI v1).  Metadata: channels, units, classes, activity ids, sample rate,\n"
           "window, stride, preprocessing, test subjects, input digest, command line.\n"
           "\n"
           "Options:\n"
           "  -o, --output FILE       output tensor file ('-' = standard output, the\n"
           "                          default; refused if it is a terminal)\n"
           "      --layout L          auto (default), hapt, uci or csv\n"
           "      --activities LIST   activity ids to keep: 1-6 (default), 7-12 (postural\n"
           "                          transitions), 1,4,5 ...; classes 0, 1, ... follow\n"
           "                          the ids in ascending order\n"
           "      --window N          samples per window (HAPT; default 128)\n"
           "      --stride N          samples between window starts (HAPT; default 64)\n"
           "      --nan POLICY        what to do with unparsable, NaN or Inf values:\n"
           "                            error  stop with file and line (default)\n"
           "                            ffill  replace by the last good value of that axis\n"
           "                            drop   drop every window the bad sample reaches\n"
           "                          Repaired samples and dropped windows are counted in\n"
           "                          the summary, the report and the metadata.\n"
           "      --part P            UCI layout: train, test or all (default)\n"
           "      --test-subjects LIST  record these as the test subjects for har-split\n"
           "                          (default: the dataset's own test list, if any)\n"
           "\n"
           "Your own recordings (--layout csv):\n"
           "      --acc X,Y,Z         accelerometer columns: header names or 1-based numbers\n"
           "      --acc-unit U        g (default) or m/s2\n"
           "      --gyro X,Y,Z        gyroscope columns ('' or absent: accelerometer only)\n"
           "      --gyro-unit U       rad/s (default) or deg/s\n"
           "      --time COL          timestamp column ...\n"
           "      --time-unit U       ... in s (default), ms, us or ns\n"
           "      --rate HZ           ... or, without timestamps, the rows' sample rate\n"
           "      --label COL         per-sample label column (an empty field: unlabelled)\n"
           "      --segments FILE     ... or labelled stretches: 'RECORDING START END LABEL'\n"
           "                          a line (RECORDING: its path below DIR; START and\n"
           "                          END inclusive); rows outside them are unlabelled\n"
           "      --segments-by B     time: START END are --time values (the default with\n"
           "                          timestamps); row: row numbers, 1 = the first row\n"
           "                          after the header (the default without)\n"
           "      --label-map LIST    FROM=TO,...: rename labels; TO '-' drops a label\n"
           "                          (SEATED=SITTING,TURNING=-)\n"
           "      --classes LIST      the output classes in this order, e.g. those of a\n"
           "                          model trained elsewhere; another label is an error\n"
           "                          (default: the labels in order of appearance)\n"
           "      --window-label R    inside: every sample of a window has its label\n"
           "                          (default); majority: one label covers more than\n"
           "                          half of it.  Others are counted as mixed.\n"
           "      --include REGEX     the recordings: POSIX extended regex on the path\n"
           "                          below DIR (default '\\.(csv|tsv)(\\.gz)?$')\n"
           "      --subject REGEX     the subject number: the regex's first group, on\n"
           "                          that path (default '([0-9]+)': the first number)\n"
           "      --max-gap S         longest interval inside a piece (default 0.1 s)\n"
           "      --bad-timestamps P  error (default) or drop: repeated or decreasing\n"
           "                          timestamps\n"
           "      --resample-grid HZ  interpolation grid, a multiple of 50 (default 200;\n"
           "                          raise it for sources above 200 Hz)\n"
           "      --layout-file FILE  options from FILE, one 'name = value' per line\n"
           "                          (names without '--'; '#' comments); later options\n"
           "                          on the command line override it\n"
           "\n"
           "      --report FILE       also write the sanity report: FILE.md (Markdown) or\n"
           "                          FILE.csv (long-format CSV)\n"
           "  -q, --quiet             no summary on standard error\n"
           "  -h, --help              show this help\n"
           "  -V, --version           show the version\n"
           "\n"
           "Example:\n"
           "  har-ingest data/hapt --report ingest.md | har-split - -o splits/hapt\n"
           "  har-ingest --acc x_acc,y_acc,z_acc --acc-unit m/s2 --time timestamp \\\n"
           "      --time-unit ms --label label --subject '^s([0-9]+)/' \\\n"
           "      --include '_sp\\.csv\\.gz$' geotec/raw/DATA -o phone.st.gz\n"
           "\n" HAR_EXIT_CODES_HELP,
           har_prog());
}

/* The words of --nan and --layout, in the order of har_nan_policy and
 * har_layout. */
static const char *const nan_policies[] = {"error", "ffill", "drop", NULL};
static const char *const layouts[] = {"auto", "hapt", "uci", "csv", NULL};

typedef struct {
    har_ingest_opts in;
    const char *output, *report;
    int quiet;
    char *layout_text[8]; /* --layout-file contents, which the options point into */
    int nlayout;
} options;

/* --activities and --test-subjects: lists of ids (checked here, so that a
 * bad list is a command-line error). */
static void parse_activities(har_idlist *l, const char *arg)
{
    har_err e = {0};
    har_idlist_free(l);
    if (har_idlist_parse(l, arg, 1, 65535, "--activities", &e))
        har_usage_error("%s", e.msg);
    if (l->n == 0)
        har_usage_error("--activities: the list is empty");
}

static void check_subjects(const char *arg)
{
    har_err e = {0};
    har_idlist check;
    if (har_idlist_parse(&check, arg, 0, INT32_MAX, "--test-subjects", &e))
        har_usage_error("%s", e.msg);
    har_idlist_free(&check);
}

enum {
    OPT_LAYOUT = HAR_OPT_TOOL, OPT_ACTIVITIES, OPT_WINDOW, OPT_STRIDE, OPT_NAN, OPT_PART, OPT_TEST, OPT_REPORT,
    /* the generic layout (from OPT_INCLUDE on) */
    OPT_INCLUDE, OPT_SUBJECT, OPT_ACC, OPT_ACC_UNIT, OPT_GYRO, OPT_GYRO_UNIT, OPT_TIME, OPT_TIME_UNIT, OPT_RATE,
    OPT_LABEL, OPT_LABEL_MAP, OPT_CLASSES, OPT_WINDOW_LABEL, OPT_MAX_GAP, OPT_BAD_TIME, OPT_GRID, OPT_SEGMENTS, OPT_SEGMENTS_BY, OPT_LAYOUT_FILE
};

static const struct option longopts[] = {
    HAR_LONGOPT_OUTPUT,
    {"layout", required_argument, 0, OPT_LAYOUT},
    {"activities", required_argument, 0, OPT_ACTIVITIES},
    {"window", required_argument, 0, OPT_WINDOW},
    {"stride", required_argument, 0, OPT_STRIDE},
    {"nan", required_argument, 0, OPT_NAN},
    {"part", required_argument, 0, OPT_PART},
    {"test-subjects", required_argument, 0, OPT_TEST},
    {"report", required_argument, 0, OPT_REPORT},
    {"include", required_argument, 0, OPT_INCLUDE},
    {"subject", required_argument, 0, OPT_SUBJECT},
    {"acc", required_argument, 0, OPT_ACC},
    {"acc-unit", required_argument, 0, OPT_ACC_UNIT},
    {"gyro", required_argument, 0, OPT_GYRO},
    {"gyro-unit", required_argument, 0, OPT_GYRO_UNIT},
    {"time", required_argument, 0, OPT_TIME},
    {"time-unit", required_argument, 0, OPT_TIME_UNIT},
    {"rate", required_argument, 0, OPT_RATE},
    {"label", required_argument, 0, OPT_LABEL},
    {"label-map", required_argument, 0, OPT_LABEL_MAP},
    {"classes", required_argument, 0, OPT_CLASSES},
    {"window-label", required_argument, 0, OPT_WINDOW_LABEL},
    {"max-gap", required_argument, 0, OPT_MAX_GAP},
    {"bad-timestamps", required_argument, 0, OPT_BAD_TIME},
    {"resample-grid", required_argument, 0, OPT_GRID},
    {"segments", required_argument, 0, OPT_SEGMENTS},
    {"segments-by", required_argument, 0, OPT_SEGMENTS_BY},
    {"layout-file", required_argument, 0, OPT_LAYOUT_FILE},
    HAR_LONGOPT_QUIET,
    HAR_LONGOPT_END};

static const char *const window_labels[] = {"inside", "majority", NULL};
static const char *const segments_by[] = {"time", "row", NULL};

typedef struct {
    int hapt_only, uci_only, generic; /* options seen that belong to one layout */
    int depth;                        /* --layout-file nesting */
} seen;

static void apply_file(options *o, seen *sn, const char *path);

/* One option, from the command line or a --layout-file.  Strings must
 * outlive the run (argv, or a layout file's text, which is never freed). */
static void apply(options *o, seen *sn, int c, const char *arg)
{
    har_ingest_opts *in = &o->in;
    har_csv_opts *cv = &in->csv;
    sn->generic |= c >= OPT_INCLUDE && c != OPT_LAYOUT_FILE;
    switch (c) {
    case 'o': o->output = arg; break;
    case OPT_LAYOUT: in->layout = (har_layout)har_opt_choice(arg, layouts, "--layout"); break;
    case OPT_ACTIVITIES: parse_activities(&in->activities, arg); sn->hapt_only |= 2; break;
    case OPT_WINDOW: in->window = har_opt_int(arg, 1, 1 << 20, "--window"); sn->hapt_only |= 1; break;
    case OPT_STRIDE: in->stride = har_opt_int(arg, 1, 1 << 20, "--stride"); sn->hapt_only |= 1; break;
    case OPT_NAN: in->nan = (har_nan_policy)har_opt_choice(arg, nan_policies, "--nan"); break;
    case OPT_PART: in->uci_part = arg; sn->uci_only = 1; break;
    case OPT_TEST: check_subjects(arg); in->test_subjects = arg; break;
    case OPT_REPORT:
        if (har_report_format_for(arg) < 0)
            har_usage_error("--report: name the file .md (Markdown) or .csv, not '%s'", arg);
        o->report = arg;
        break;
    case OPT_INCLUDE: cv->include = arg; break;
    case OPT_SUBJECT: cv->subject = arg; break;
    case OPT_ACC: cv->acc = arg; break;
    case OPT_ACC_UNIT: cv->acc_to_g = har_acc_to_g[har_opt_choice(arg, har_acc_units, "--acc-unit")]; break;
    case OPT_GYRO: cv->gyro = *arg ? arg : NULL; break;
    case OPT_GYRO_UNIT: cv->gyro_to_rad = har_gyro_to_rad[har_opt_choice(arg, har_gyro_units, "--gyro-unit")]; break;
    case OPT_TIME: cv->time = *arg ? arg : NULL; break;
    case OPT_TIME_UNIT: cv->time_to_s = har_time_to_s[har_opt_choice(arg, har_time_units, "--time-unit")]; break;
    case OPT_RATE: cv->rate_hz = har_opt_double_open(arg, 0, 1e5, "--rate"); break;
    case OPT_LABEL: cv->label = arg; break;
    case OPT_LABEL_MAP: cv->label_map = arg; break;
    case OPT_CLASSES: cv->classes = arg; break;
    case OPT_WINDOW_LABEL:
        cv->window_label = (har_window_label)har_opt_choice(arg, window_labels, "--window-label");
        break;
    case OPT_MAX_GAP: cv->timeline.max_gap_s = har_opt_double_open(arg, 0, 3600, "--max-gap"); break;
    case OPT_BAD_TIME: cv->timeline.bad_time = (har_time_policy)har_opt_choice(arg, har_time_policies, "--bad-timestamps"); break;
    case OPT_GRID: cv->timeline.grid_hz = har_opt_double_open(arg, 0, 1e5, "--resample-grid"); break;
    case OPT_SEGMENTS: cv->segments = arg; break;
    case OPT_SEGMENTS_BY: cv->segments_by_row = har_opt_choice(arg, segments_by, "--segments-by"); break;
    case OPT_LAYOUT_FILE: apply_file(o, sn, arg); break;
    case 'q': o->quiet = 1; break;
    default: har_opt_common(c, usage);
    }
}

/* --layout-file: one "name = value" (or "name value") per line, names as the
 * long options without "--"; blank lines and lines starting with '#' are
 * skipped.  Options after it on the command line override it. */
static void apply_file(options *o, seen *sn, const char *path)
{
    if (++sn->depth > 4)
        har_usage_error("%s: --layout-file nested more than 4 deep", path);
    har_err e = {0};
    char *buf;
    size_t len;
    if (o->nlayout == (int)(sizeof o->layout_text / sizeof o->layout_text[0]))
        har_usage_error("%s: more than %d --layout-file options", path, o->nlayout);
    if (har_slurp(path, &buf, &len, NULL, &e))
        har_usage_error("--layout-file: %s", e.msg);
    o->layout_text[o->nlayout++] = buf;
    long line = 0;
    for (char *p = buf, *next; p && *p; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char *v = p + strcspn(p, " \t=");
        char *key_end = v;
        v += strspn(v, " \t");
        if (*v == '=')
            v++;
        v += strspn(v, " \t");
        *key_end = '\0';
        const struct option *opt = NULL;
        for (const struct option *q = longopts; q->name; q++)
            if (strcmp(q->name, p) == 0)
                opt = q;
        if (!opt || opt->has_arg != required_argument || opt->val == 'o' || opt->val == OPT_REPORT)
            har_usage_error("%s:%ld: '%s' is not an option a layout file may set", path, line, p);
        if (!*v)
            har_usage_error("%s:%ld: '%s' needs a value", path, line, p);
        apply(o, sn, opt->val, v);
    }
    sn->depth--;
}

static void parse(int argc, char **argv, options *o)
{
    har_ingest_opts *in = &o->in;
    har_ingest_opts_default(in);
    o->output = "-";
    o->report = NULL;
    o->quiet = 0;
    o->nlayout = 0;
    seen sn = {0};
    int c;
    while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1)
        apply(o, &sn, c, optarg);
    if (optind != argc - 1)
        har_usage_error(optind == argc ? "missing dataset folder DIR" : "expected one DIR, got %d arguments",
                        argc - optind);
    in->root = argv[optind];
    if (in->layout == HAR_LAYOUT_AUTO && sn.generic)
        in->layout = HAR_LAYOUT_CSV;
    har_layout layout = in->layout == HAR_LAYOUT_AUTO ? har_ingest_detect_layout(in->root) : in->layout;
    if (sn.generic && layout != HAR_LAYOUT_CSV)
        har_usage_error("the options of your own recordings (--acc, --time, --label, ...) need --layout csv");
    if ((sn.hapt_only & 1) && layout == HAR_LAYOUT_UCI)
        har_usage_error("--window/--stride apply to the HAPT and csv layouts only");
    if ((sn.hapt_only & 2) && layout == HAR_LAYOUT_CSV)
        har_usage_error("--activities applies to the HAPT and UCI layouts; map labels with --label-map");
    if (sn.uci_only && layout != HAR_LAYOUT_UCI)
        har_usage_error("--part applies to the UCI HAR v1 layout only");
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    parse(argc, argv, &o);
    const char *output = o.output, *report = o.report;
    har_err e = {0};
    double t0 = har_now();
    har_windows w;
    har_ingest_log log;
    if (har_ingest(&o.in, &w, &log, &e))
        har_die(&e);
    int typed_argc;
    char **typed_argv;
    har_cli_args(&typed_argc, &typed_argv);
    if (har_provenance_stamp(w.file, "har-ingest", typed_argc, typed_argv, log.digest, &e))
        har_die(&e);
    /* Dataset and report are committed together: a failure leaves neither. */
    har_out outs[2] = {{0}};
    FILE *fp;
    if (har_out_open(&outs[0], output, 1, &e) || har_tfile_write_to(w.file, &outs[0], &e) ||
        (report && (har_out_open(&outs[1], report, 0, &e) || !(fp = har_out_stdio(&outs[1], &e)) ||
                    har_report_write(fp, (har_report_format)har_report_format_for(report), &w, &log, &e))) ||
        har_out_commit_all(outs, report ? 2 : 1, &e)) {
        har_out_abort(&outs[0]);
        har_out_abort(&outs[1]);
        har_die(&e);
    }
    if (!o.quiet) {
        har_report_write(stderr, HAR_REPORT_TEXT, &w, &log, &e);
        fprintf(stderr, "%s: wrote %lld windows to %s in %.2f s\n", har_prog(), (long long)w.n,
                har_is_stdio(output) ? "standard output" : output, har_now() - t0);
    }
    har_windows_free(&w);
    har_ingest_log_free(&log);
    har_idlist_free(&o.in.activities);
    for (int i = 0; i < o.nlayout; i++)
        free(o.layout_text[i]);
    return 0;
}
