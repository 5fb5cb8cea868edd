/* ingest.c - the dispatcher: finds the layout, runs its reader (layout.h),
 * then checks the result and writes the metadata every dataset carries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/infile.h"
#include "layout.h"

void har_ingest_opts_default(har_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layout = HAR_LAYOUT_AUTO;
    o->window = 128;
    o->stride = 64;
    o->nan = HAR_NAN_ERROR;
    o->preproc = har_preproc_defaults;
    o->uci_part = "all";
    har_csv_opts *c = &o->csv;
    c->include = "\\.(csv|tsv)(\\.gz)?$";
    c->subject = "([0-9]+)";
    c->acc_to_g = 1;
    c->gyro_to_rad = 1;
    c->time_to_s = 1;
    c->window_label = HAR_LABEL_INSIDE;
    c->timeline = har_timeline_defaults;
}

const char *har_nan_policy_name(har_nan_policy p)
{
    return p == HAR_NAN_FFILL ? "ffill" : p == HAR_NAN_DROP ? "drop" : "error";
}

void har_ingest_log_free(har_ingest_log *log)
{
    for (size_t i = 0; i < log->nfiles; i++)
        free(log->files[i].path);
    free(log->files);
    memset(log, 0, sizeof *log);
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const har_ingest_file *)a)->path, ((const har_ingest_file *)b)->path);
}

/* SHA-256 of the sorted "sha256  path" manifest (sha256sum's format). */
static int manifest_digest(har_ingest_log *log, har_err *e)
{
    if (log->nfiles) /* files is NULL when there are none */
        qsort(log->files, log->nfiles, sizeof *log->files, file_cmp);
    har_sha256 *h = har_sha256_new(e);
    if (!h)
        return HAR_EIO;
    for (size_t i = 0; i < log->nfiles; i++) {
        har_sha256_update(h, log->files[i].sha, 64);
        har_sha256_update(h, "  ", 2);
        har_sha256_update(h, log->files[i].path, strlen(log->files[i].path));
        har_sha256_update(h, "\n", 1);
    }
    char hex[HAR_SHA256_HEX];
    har_sha256_final(h, hex);
    snprintf(log->digest, sizeof log->digest, "%s", hex);
    return 0;
}

har_layout har_ingest_detect_layout(const char *root)
{
    const char *probes[] = {"RawData/labels.txt", "train/Inertial Signals", "test/Inertial Signals"};
    for (int i = 0; i < 3; i++) {
        char *p = har_path_join(root, probes[i], NULL);
        struct stat st;
        int found = p && (i == 0 ? har_exists_maybe_gz(p) : stat(p, &st) == 0 && S_ISDIR(st.st_mode));
        free(p);
        if (found)
            return i == 0 ? HAR_LAYOUT_HAPT : HAR_LAYOUT_UCI;
    }
    return HAR_LAYOUT_AUTO;
}

static int common_meta(const har_ingest_opts *o, har_windows *w, const har_ingest_log *log, har_err *e)
{
    har_tfile *f = w->file;
    const char *names[HAR_CHANNELS], *unit[HAR_CHANNELS];
    int n = w->c == HAR_ACC_CHANNELS ? HAR_ACC_CHANNELS : HAR_CHANNELS;
    for (int i = 0; i < n; i++) {
        int c = n == HAR_CHANNELS ? i : har_acc_channels[i];
        names[i] = har_channel_names[c];
        unit[i] = har_channel_units[c];
    }
    char *channels = har_ingest_join(names, n, e);
    char *units = har_ingest_join(unit, n, e);
    int rc = !channels || !units || har_tfile_meta_set(f, "format", HAR_WINDOWS_FORMAT, e) ||
             har_tfile_meta_set(f, "channels", channels, e) || har_tfile_meta_set(f, "units", units, e) ||
             har_tfile_meta_setf(f, e, "sample_rate_hz", "%g", o->preproc.fs_hz) ||
             har_tfile_meta_set(f, "nan_policy", har_nan_policy_name(o->nan), e) ||
             har_tfile_meta_setf(f, e, "bad_values", "%lld", (long long)log->bad_values) ||
             har_tfile_meta_setf(f, e, "repaired_samples", "%lld", (long long)log->repaired_samples) ||
             har_tfile_meta_setf(f, e, "dropped_windows", "%lld", (long long)log->dropped_windows) ||
             har_tfile_meta_set(f, "input_digest", log->digest, e);
    free(channels);
    free(units);
    return rc ? HAR_EIO : 0;
}

int har_ingest(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    memset(log, 0, sizeof *log);
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(o->root, &st) != 0 || !S_ISDIR(st.st_mode))
        return har_fail(e, HAR_EIO, "%s: not a directory", o->root);
    har_layout layout = o->layout == HAR_LAYOUT_AUTO ? har_ingest_detect_layout(o->root) : o->layout;
    log->layout = layout;
    int rc;
    if (layout == HAR_LAYOUT_HAPT)
        rc = har_ingest_hapt(o, out, log, e);
    else if (layout == HAR_LAYOUT_UCI)
        rc = har_ingest_uci(o, out, log, e);
    else if (layout == HAR_LAYOUT_CSV) {
        har_ingest_opts oc = *o; /* one rate for the resampler and the filters */
        oc.csv.timeline.preproc = o->preproc;
        rc = har_ingest_csv(&oc, out, log, e);
    }
    else
        return har_fail(e, HAR_EDATA,
                        "%s: neither the HAPT layout (RawData/labels.txt) nor the UCI HAR v1 layout "
                        "(train/Inertial Signals/) was found; for your own recordings give --layout csv",
                        o->root);
    if (rc)
        return rc;
    if (out->n == 0) {
        har_windows_free(out);
        if (log->dropped_windows)
            return har_fail(e, HAR_EDATA, "%s: no windows left: --nan drop removed all %lld", o->root,
                            (long long)log->dropped_windows);
        if (layout == HAR_LAYOUT_CSV)
            return har_fail(e, HAR_EDATA,
                            "%s: no windows: no piece of a recording has %d resampled samples under one label "
                            "(%lld rows read, %lld windows mixed)",
                            o->root, o->window, (long long)log->rows, (long long)log->windows_mixed);
        return har_fail(e, HAR_EDATA, "%s: no windows: no selected activity has a segment of %d samples or more",
                        o->root, o->window);
    }
    if (layout == HAR_LAYOUT_HAPT || layout == HAR_LAYOUT_CSV) {
        char desc[600], resampling[600];
        har_preproc_describe(&o->preproc, desc, sizeof desc);
        har_timeline_params tp = o->csv.timeline;
        tp.preproc = o->preproc;
        har_timeline_describe(&tp, resampling, sizeof resampling);
        int csv = layout == HAR_LAYOUT_CSV;
        if (har_tfile_meta_setf(out->file, e, "window", "%d", o->window) ||
            har_tfile_meta_setf(out->file, e, "stride", "%d", o->stride) ||
            har_tfile_meta_set(out->file, "source", csv ? "delimited text recordings" : "HAPT v2.1 raw recordings", e) ||
            har_tfile_meta_set(out->file, "preprocessing", desc, e) ||
            (csv && (har_tfile_meta_set(out->file, "resampling", resampling, e) ||
                     har_tfile_meta_set(out->file, "window_label", o->csv.window_label == HAR_LABEL_MAJORITY ?
                                        "majority: a label on more than half of the samples" :
                                        "inside: every sample has the label", e)))) {
            har_windows_free(out);
            return HAR_EIO;
        }
    }
    if (o->test_subjects) {
        har_idlist ts;
        char *txt = NULL;
        int bad = har_idlist_parse(&ts, o->test_subjects, 0, INT32_MAX, "--test-subjects", e) ||
                  !(txt = har_idlist_format(&ts, e)) || har_tfile_meta_set(out->file, "test_subjects", txt, e);
        free(txt);
        har_idlist_free(&ts);
        if (bad) {
            har_windows_free(out);
            return e && e->code ? e->code : HAR_EIO;
        }
    }
    if (manifest_digest(log, e) || common_meta(o, out, log, e)) {
        har_windows_free(out);
        return HAR_EIO;
    }
    return 0;
}
