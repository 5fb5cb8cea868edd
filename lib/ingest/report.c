#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/norm.h"
#include "report.h"

int har_report_format_for(const char *path)
{
    size_t n = strlen(path);
    if (n >= 3 && strcmp(path + n - 3, ".md") == 0)
        return HAR_REPORT_MARKDOWN;
    if (n >= 4 && strcmp(path + n - 4, ".csv") == 0)
        return HAR_REPORT_CSV;
    return -1;
}

typedef struct {
    int64_t *per_class;
    har_idlist subjects;
    int64_t *per_subject; /* parallel to subjects.ids */
    double mean[64], std[64], min[64], max[64];
    int64_t nonfinite;
    har_idlist test;
} summary;

static void summary_free(summary *s)
{
    free(s->per_class);
    free(s->per_subject);
    har_idlist_free(&s->subjects);
    har_idlist_free(&s->test);
}

static int summarise(const har_windows *w, summary *s, har_err *e)
{
    memset(s, 0, sizeof *s);
    if (w->c > 64)
        return har_fail(e, HAR_EDATA, "report supports at most 64 channels");
    if (!(s->per_class = har_calloc((size_t)w->nclasses, sizeof *s->per_class, e)))
        return HAR_EIO;
    for (int64_t i = 0; i < w->n; i++) {
        s->per_class[w->y[i]]++;
        if (har_idlist_add(&s->subjects, w->subject[i], e))
            return HAR_EIO;
    }
    if (!(s->per_subject = har_calloc(s->subjects.n, sizeof *s->per_subject, e)))
        return HAR_EIO;
    for (int64_t i = 0; i < w->n; i++)
        s->per_subject[har_idlist_index(&s->subjects, w->subject[i])]++;
    size_t total = (size_t)w->n * (size_t)w->t * (size_t)w->c;
    for (size_t i = 0; i < total; i++)
        s->nonfinite += !isfinite(w->x[i]);
    har_channel_stats(w->x, w->n * w->t, w->c, s->mean, s->std, s->min, s->max);
    const char *ts = har_tfile_meta_get(w->file, "test_subjects");
    if (ts && har_idlist_parse(&s->test, ts, 0, INT32_MAX, "test_subjects", e))
        return HAR_EDATA;
    return 0;
}

static const char *meta(const har_windows *w, const char *key)
{
    const char *v = har_tfile_meta_get(w->file, key);
    return v ? v : "-";
}

/* The generic layout's counts: CSV key, Markdown wording, value. */
typedef struct {
    const char *key, *what;
    long long v;
} count;

static int csv_counts(const har_ingest_log *log, count *c)
{
    const count all[] = {
        {"recordings,read", "recordings read", log->recordings},
        {"rows,read", "data rows read", log->rows},
        {"rows,unlabelled", "rows with an empty label", log->rows_unlabelled},
        {"rows,bad_timestamp", "rows dropped for an unreadable timestamp", log->rows_bad_time},
        {"timestamps,repeated", "rows dropped for repeating the previous timestamp", log->time_dropped_equal},
        {"timestamps,backwards", "rows dropped for a timestamp before the previous one", log->time_dropped_backwards},
        {"gaps,split", "gaps that split a recording", log->gaps},
        {"pieces,total", "pieces (recordings split at gaps)", log->pieces},
        {"pieces,too_short", "pieces shorter than one window (no windows)", log->pieces_short},
        {"samples,resampled", "samples after resampling", log->resampled},
        {"windows,mixed", "windows without one label under the window-label rule", log->windows_mixed},
        {"windows,excluded", "windows of dropped or empty labels", log->windows_excluded},
    };
    memcpy(c, all, sizeof all);
    return (int)(sizeof all / sizeof all[0]);
}

static void write_text(FILE *out, const har_windows *w, const summary *s, const har_ingest_log *log)
{
    fprintf(out, "windows: N=%lld T=%d C=%d, %zu subjects, %d classes, NaN/Inf values: %lld\n", (long long)w->n,
            w->t, w->c, s->subjects.n, w->nclasses, (long long)s->nonfinite);
    fputs("per class:", out);
    for (int k = 0; k < w->nclasses; k++)
        fprintf(out, " %s=%lld", w->classes[k], (long long)s->per_class[k]);
    fputc('\n', out);
    if (s->test.n) {
        int64_t tr = 0, te = 0;
        for (size_t i = 0; i < s->subjects.n; i++)
            *(har_idlist_contains(&s->test, s->subjects.ids[i]) ? &te : &tr) += s->per_subject[i];
        fprintf(out, "official split: %lld windows from non-test subjects, %lld from test subjects\n",
                (long long)tr, (long long)te);
    }
    if (log && log->layout == HAR_LAYOUT_CSV)
        fprintf(out,
                "inputs: %zu files, %lld rows, %lld bad values, %lld samples repaired (nan policy %s), %lld windows "
                "dropped; timestamps: %lld repeated and %lld backwards rows dropped, %lld gaps (longest %.3g s) -> "
                "%lld pieces; %lld windows mixed, %lld of dropped labels\n",
                log->nfiles, (long long)log->rows, (long long)log->bad_values, (long long)log->repaired_samples,
                meta(w, "nan_policy"), (long long)log->dropped_windows, (long long)log->time_dropped_equal,
                (long long)log->time_dropped_backwards, (long long)log->gaps, log->longest_gap_s,
                (long long)log->pieces, (long long)log->windows_mixed, (long long)log->windows_excluded);
    else if (log)
        fprintf(out,
                "inputs: %zu files, %lld bad values, %lld samples repaired (nan policy %s), %lld windows dropped, "
                "%lld segments too short for a window, %lld recordings without labels\n",
                log->nfiles, (long long)log->bad_values, (long long)log->repaired_samples, meta(w, "nan_policy"),
                (long long)log->dropped_windows, (long long)log->segments_short,
                (long long)log->recordings_unlabelled);
}

static void write_markdown(FILE *out, const har_windows *w, const summary *s, const har_ingest_log *log,
                           char **ch, int nch)
{
    fprintf(out, "# Window dataset sanity report\n\n");
    fprintf(out, "| property | value |\n|---|---|\n");
    fprintf(out, "| windows (N) | %lld |\n| timesteps per window (T) | %d |\n| channels (C) | %d |\n",
            (long long)w->n, w->t, w->c);
    fprintf(out, "| classes | %d |\n| subjects | %zu |\n| NaN/Inf values in X | %lld |\n", w->nclasses,
            s->subjects.n, (long long)s->nonfinite);
    const char *keys[] = {"source", "sample_rate_hz", "window", "stride", "nan_policy", "test_subjects",
                          "input_digest"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        fprintf(out, "| %s | %s |\n", keys[i], meta(w, keys[i]));
    if (har_tfile_meta_get(w->file, "resampling"))
        fprintf(out, "\nResampling: %s.  Window labels: %s.\n", meta(w, "resampling"), meta(w, "window_label"));
    fprintf(out, "\nPreprocessing: %s.\n", meta(w, "preprocessing"));
    fprintf(out, "\n## Windows per class\n\n| class | name | windows | share |\n|---:|---|---:|---:|\n");
    for (int k = 0; k < w->nclasses; k++)
        fprintf(out, "| %d | %s | %lld | %.1f%% |\n", k, w->classes[k], (long long)s->per_class[k],
                w->n ? 100.0 * (double)s->per_class[k] / (double)w->n : 0.0);
    fprintf(out, "\n## Windows per subject\n\n| subject | windows | official split |\n|---:|---:|---|\n");
    for (size_t i = 0; i < s->subjects.n; i++)
        fprintf(out, "| %d | %lld | %s |\n", s->subjects.ids[i], (long long)s->per_subject[i],
                s->test.n ? (har_idlist_contains(&s->test, s->subjects.ids[i]) ? "test" : "train") : "-");
    fprintf(out, "\n## Channels\n\n| channel | min | max | mean | std |\n|---|---:|---:|---:|---:|\n");
    for (int j = 0; j < w->c; j++)
        fprintf(out, "| %s | %.6g | %.6g | %.6g | %.6g |\n", har_list_at(ch, nch, j), s->min[j], s->max[j], s->mean[j],
                s->std[j]);
    if (!log)
        return;
    fprintf(out, "\n## What was skipped, repaired or dropped\n\n| item | count |\n|---|---:|\n");
    fprintf(out, "| bad values (unparsable, NaN, Inf) in the inputs | %lld |\n", (long long)log->bad_values);
    fprintf(out, "| samples whose bad values were carried forward | %lld |\n", (long long)log->repaired_samples);
    fprintf(out, "| windows dropped for containing a bad sample | %lld |\n", (long long)log->dropped_windows);
    if (log->layout == HAR_LAYOUT_HAPT) {
        fprintf(out, "| recordings read | %lld |\n", (long long)log->recordings);
        fprintf(out, "| recordings in RawData/ without any label (not read) | %lld |\n",
                (long long)log->recordings_unlabelled);
        fprintf(out, "| labelled segments | %lld |\n", (long long)log->segments);
        fprintf(out, "| segments of activities not selected | %lld |\n", (long long)log->segments_excluded);
        fprintf(out, "| selected segments shorter than one window (no windows) | %lld |\n",
                (long long)log->segments_short);
        fprintf(out, "| samples in selected segments | %lld |\n", (long long)log->labelled_samples);
        fprintf(out, "| of which in no window (segment tails and short segments) | %lld |\n",
                (long long)(log->labelled_samples - log->windowed_samples));
    } else if (log->layout == HAR_LAYOUT_CSV) {
        count c[16];
        for (int i = 0, n = csv_counts(log, c); i < n; i++)
            fprintf(out, "| %s | %lld |\n", c[i].what, c[i].v);
        fprintf(out, "| longest gap that split a recording (s) | %.3f |\n", log->longest_gap_s);
    } else {
        fprintf(out, "| windows of activities not selected | %lld |\n", (long long)log->windows_excluded);
    }
    fprintf(out, "\n## Input files\n\nSHA-256 of each decompressed input (the input digest is the SHA-256 of "
                 "this list in `sha256sum` format).\n\n| file | rows | bad values | sha256 |\n|---|---:|---:|---|\n");
    for (size_t i = 0; i < log->nfiles; i++)
        fprintf(out, "| %s | %lld | %lld | `%s` |\n", log->files[i].path, (long long)log->files[i].rows,
                (long long)log->files[i].bad_values, log->files[i].sha);
}

static void write_csv(FILE *out, const har_windows *w, const summary *s, const har_ingest_log *log, char **ch,
                      int nch)
{
    fputs("section,key,field,value\n", out);
    fprintf(out, "shape,X,N,%lld\nshape,X,T,%d\nshape,X,C,%d\n", (long long)w->n, w->t, w->c);
    fprintf(out, "check,X,nonfinite,%lld\n", (long long)s->nonfinite);
    for (int k = 0; k < w->nclasses; k++)
        fprintf(out, "class,%s,windows,%lld\n", w->classes[k], (long long)s->per_class[k]);
    for (size_t i = 0; i < s->subjects.n; i++)
        fprintf(out, "subject,%d,windows,%lld\n", s->subjects.ids[i], (long long)s->per_subject[i]);
    for (int j = 0; j < w->c; j++)
        fprintf(out, "channel,%s,min,%.9g\nchannel,%s,max,%.9g\nchannel,%s,mean,%.9g\nchannel,%s,std,%.9g\n",
                har_list_at(ch, nch, j), s->min[j], har_list_at(ch, nch, j), s->max[j], har_list_at(ch, nch, j),
                s->mean[j], har_list_at(ch, nch, j), s->std[j]);
    if (!log)
        return;
    fprintf(out, "ingest,inputs,bad_values,%lld\ningest,inputs,repaired_samples,%lld\n", (long long)log->bad_values,
            (long long)log->repaired_samples);
    fprintf(out, "ingest,windows,dropped,%lld\n", (long long)log->dropped_windows);
    if (log->layout == HAR_LAYOUT_HAPT)
        fprintf(out,
                "ingest,recordings,read,%lld\ningest,recordings,unlabelled,%lld\ningest,segments,total,%lld\n"
                "ingest,segments,excluded,%lld\ningest,segments,too_short,%lld\ningest,samples,labelled,%lld\n"
                "ingest,samples,not_windowed,%lld\n",
                (long long)log->recordings, (long long)log->recordings_unlabelled, (long long)log->segments,
                (long long)log->segments_excluded, (long long)log->segments_short, (long long)log->labelled_samples,
                (long long)(log->labelled_samples - log->windowed_samples));
    else if (log->layout == HAR_LAYOUT_CSV) {
        count c[16];
        for (int i = 0, n = csv_counts(log, c); i < n; i++)
            fprintf(out, "ingest,%s,%lld\n", c[i].key, c[i].v);
        fprintf(out, "ingest,gaps,longest_s,%.6f\n", log->longest_gap_s);
    } else
        fprintf(out, "ingest,windows,excluded,%lld\n", (long long)log->windows_excluded);
    for (size_t i = 0; i < log->nfiles; i++)
        fprintf(out, "file,%s,sha256,%s\n", log->files[i].path, log->files[i].sha);
    fprintf(out, "digest,inputs,sha256,%s\n", log->digest);
}

int har_report_write(FILE *out, har_report_format fmt, const har_windows *w, const har_ingest_log *log,
                     har_err *e)
{
    summary s;
    int rc = summarise(w, &s, e);
    const char *chs = har_tfile_meta_get(w->file, "channels");
    int nch = 0;
    char **ch = !rc ? har_split_list(chs ? chs : "", &nch, e) : NULL;
    if (!rc && !ch)
        rc = HAR_EIO;
    if (!rc) {
        if (fmt == HAR_REPORT_MARKDOWN)
            write_markdown(out, w, &s, log, ch, nch);
        else if (fmt == HAR_REPORT_CSV)
            write_csv(out, w, &s, log, ch, nch);
        else
            write_text(out, w, &s, log);
    }
    free(ch);
    summary_free(&s);
    return rc;
}
