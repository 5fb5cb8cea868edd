/* ingest.h - raw recordings -> a labelled window dataset (har-ingest).
 *
 * Two input layouts:
 *   HAPT (v2.1):  RawData/acc_expXX_userYY.txt[.gz], RawData/gyro_..., RawData/labels.txt
 *                 ("experiment user activity start end", 1-based inclusive),
 *                 activity_labels.txt.  Filtered with the causal chain of dsp.h
 *                 and cut into windows lying inside one labelled segment.
 *   UCI HAR v1:   {train,test}/Inertial Signals/<channel>_<part>.txt,
 *                 {train,test}/y_<part>.txt, {train,test}/subject_<part>.txt,
 *                 activity_labels.txt.  Already windowed and filtered by the
 *                 dataset authors; read as is.
 *
 * Every input file is hashed; the sorted manifest of (sha256, path) gives the
 * dataset's input digest, identical for .txt and .txt.gz inputs. */
#ifndef HAR_INGEST_H
#define HAR_INGEST_H

#include <stdint.h>

#include "data/activities.h"
#include "dsp.h"
#include "core/err.h"
#include "io/idlist.h"
#include "data/windows.h"
#include "timeline.h"

typedef enum { HAR_NAN_ERROR, HAR_NAN_FFILL, HAR_NAN_DROP } har_nan_policy;
typedef enum { HAR_LAYOUT_AUTO, HAR_LAYOUT_HAPT, HAR_LAYOUT_UCI, HAR_LAYOUT_CSV } har_layout;
typedef enum { HAR_LABEL_INSIDE, HAR_LABEL_MAJORITY } har_window_label;

/* The generic layout: one delimited text file per recording (see csv.c). */
typedef struct {
    const char *include;        /* POSIX ERE on the path below root: the recordings */
    const char *subject;        /* ERE on that path; its first group (or the match) is the subject number */
    const char *acc, *gyro;     /* "x,y,z": three column names or 1-based numbers; gyro NULL = none */
    double acc_to_g, gyro_to_rad; /* unit factors */
    const char *time;           /* timestamp column, or NULL with rate_hz */
    double time_to_s;
    double rate_hz;             /* samples per second when there is no timestamp column */
    const char *label;          /* per-sample label column, or ... */
    const char *segments;       /* ... a file of labelled stretches (csv.c) */
    int segments_by_row;        /* its START END are row numbers, not timestamps */
    const char *label_map;      /* "FROM=TO,FROM=-": rename labels, '-' drops them */
    const char *classes;        /* output classes in order (NULL: labels in order of appearance) */
    har_window_label window_label;
    har_timeline_params timeline;
} har_csv_opts;

typedef struct {
    const char *root;
    har_layout layout;
    har_idlist activities;      /* activity ids to keep; empty = 1..6 */
    int window, stride;         /* HAPT: samples per window, hop (128, 64) */
    har_nan_policy nan;
    har_preproc_params preproc; /* HAPT */
    const char *uci_part;       /* UCI: "train", "test" or "all" */
    har_csv_opts csv;           /* the generic layout */
    const char *test_subjects;  /* recorded as metadata "test_subjects"; NULL = the
                                   dataset's own test list (HAPT Test/subject_id_test.txt,
                                   UCI test/subject_test.txt) */
} har_ingest_opts;

void har_ingest_opts_default(har_ingest_opts *o);

typedef struct {
    char *path;                 /* relative to root, without ".gz" */
    char sha[HAR_SHA256_HEX];   /* of the decompressed content */
    int64_t rows, bad_values, repaired_samples;
} har_ingest_file;

/* Everything skipped, repaired or dropped, for the report: nothing is silent. */
typedef struct {
    har_layout layout;
    har_ingest_file *files;
    size_t nfiles;
    int64_t bad_values;         /* unparsable / NaN / Inf values found */
    int64_t repaired_samples;   /* samples (rows) carried forward (--nan ffill, or internally for drop) */
    int64_t dropped_windows;    /* windows removed by --nan drop */
    int64_t recordings;         /* HAPT recordings read */
    int64_t recordings_unlabelled; /* HAPT recordings in RawData/ that labels.txt never mentions (not read) */
    int64_t segments;           /* labelled segments in labels.txt */
    int64_t segments_excluded;  /* ... of activities not selected */
    int64_t segments_short;     /* ... selected but shorter than one window */
    int64_t labelled_samples;   /* samples in selected segments */
    int64_t windowed_samples;   /* ... of which inside at least one window */
    int64_t windows_excluded;   /* UCI: windows of activities not selected; CSV: of dropped labels */
    /* the generic layout */
    int64_t rows, rows_unlabelled;  /* data rows read; rows with an empty label */
    int64_t time_dropped_equal, time_dropped_backwards, rows_bad_time;
    int64_t pieces, gaps;       /* recordings' pieces after splitting at gaps */
    double longest_gap_s;
    int64_t resampled;          /* samples at the output rate */
    int64_t windows_mixed;      /* windows with no label over half of them (majority) or two labels (inside) */
    int64_t pieces_short;       /* pieces shorter than one window */
    char digest[HAR_SHA256_HEX];
} har_ingest_log;

void har_ingest_log_free(har_ingest_log *log);

/* The layout found in root (HAR_LAYOUT_AUTO if none). */
har_layout har_ingest_detect_layout(const char *root);

/* Runs the whole ingestion; on success out holds the windows and metadata. */
int har_ingest(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e);

const char *har_nan_policy_name(har_nan_policy p);

#endif
