/* test_badinput.c - the bad-input matrix (docs/TESTING.md "Bad input", issue 6): one
 * test per row, each running every tool that can receive that input.
 *
 * Every run states the exit code and what stderr must say (the file, line or
 * tensor, and the expected thing).  A run that fails must also print nothing
 * on standard output (unless its output is standard output, which cannot be
 * taken back), leave no new file and no hidden temporary (.NAME.XXXXXX) in
 * the output folder, and leave the previous outputs there byte-identical.
 *
 * The inputs are built once (an unchecked fixture) in a work folder: small
 * synthetic window files (16 x 3, classes A,B,C) and a model trained on
 * them, tiny HAPT-layout folders (one 600-sample recording each) with one
 * flaw each, a 9-channel model for --stream, and text windows and streams. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/windows.h"
#include "testutil.h"

static char *work; /* the fixture folder; tools run with it as working directory */

/* ---- the matrix --------------------------------------------------------- */

enum {
    STDOUT_OK = 1, /* the output is standard output: lines before the error are allowed */
    MAKES = 2,     /* exit 0 writes {o}/o.st.gz (or o.json): it must be replaced */
};

typedef struct {
    const char *cmd; /* "TOOL ARGS" run in the work folder; {o} the output folder, {f} the row's file */
    int code;
    const char *n1, *n2; /* stderr must contain both (on exit 0: stdout or stderr) */
    int flags;
} run;

typedef struct {
    const char *name; /* the docs/TESTING.md row */
    const char *file; /* a bad tensor file: every TENSOR_SLOTS run gets it, exit 1, naming it and msg */
    const char *msg;
    run runs[16];
} row;

#define TRAIN_OPTS "-m flatten,dense:3 -e 2 --log none --curves {o}/o.csv -o {o}/o.st.gz"

/* Every place a tool reads a tensor file. */
static const char *const TENSOR_SLOTS[] = {
    "har-split {f} --test-subjects none -o {o}/p",
    "har-split --audit {f} val.st.gz",
    "har-norm fit {f} -o {o}/o.st.gz",
    "har-norm apply stats.st.gz {f} {o}/o.st.gz",
    "har-norm apply {f} train.st.gz {o}/o.st.gz",
    "har-norm show {f}",
    "har-train {f} val.st.gz --stats stats.st.gz " TRAIN_OPTS,
    "har-train train.st.gz {f} --stats stats.st.gz " TRAIN_OPTS,
    "har-train train.st.gz val.st.gz --stats {f} " TRAIN_OPTS,
    "har-train train.st.gz val.st.gz --stats stats.st.gz --resume {f} " TRAIN_OPTS,
    "har-eval {f} val.st.gz --json {o}/o.json",
    "har-eval model.st.gz {f} --json {o}/o.json --csv {o}/o.csv",
    "har-eval --baseline majority --fit {f} val.st.gz --json {o}/o.json",
    "har-infer {f} win.txt",
    "har-infer --input-format tensor model.st.gz {f}",
    "har-latency {f} val.st.gz -n 100 --json {o}/o.json",
    "har-latency model.st.gz {f} -n 100 --json {o}/o.json",
    "har-export {f} -o {o}/o.onnx",
};
#define NSLOTS (sizeof TENSOR_SLOTS / sizeof TENSOR_SLOTS[0])

#define ACC "acc_exp01_user07.txt"
#define INGEST(dir) "har-ingest " dir " -o {o}/o.st.gz"
/* The generic layout's folders (csv_folders): one recording of subject 1. */
#define CSV_OPTS "--acc ax,ay,az --gyro gx,gy,gz --time t --time-unit ms --label y --window 50 --stride 25 "
#define INGEST_CSV(dir) "har-ingest " CSV_OPTS dir " -o {o}/o.st.gz"
#define STREAM_TS "har-infer --stream --timestamps --time-unit ms "

static const row ROWS[] = {
    {"empty file", "empty.st.gz", "file ends while reading the 8-byte header length",
     {{INGEST("h-empty"), 1, ACC ": empty file", "expected rows of 3 numbers", 0},
      {INGEST("h-emptylabels"), 1, "labels.txt: empty file", NULL, 0},
      {"har-infer model.st.gz empty.txt", 0, "empty.txt: no windows: nothing classified", NULL, STDOUT_OK},
      {"har-infer --stream m9.st.gz empty.txt", 0, "0 samples read", "nothing classified", STDOUT_OK}}},
    {"truncated gzip", "truncated.st.gz", "truncated gzip stream",
     {{INGEST("h-truncated"), 1, ACC ".gz: truncated gzip stream", NULL, 0}}},
    {"wrong magic", "magic.st.gz", "not a har tensor file",
     {{INGEST("h-binary"), 1, ACC ":1: expected 3 numbers", NULL, 0}}},
    {"header longer than the file", "hdrlong.st.gz", "file ends while reading the JSON header", {{0}}},
    {"overlapping data offsets", "overlap.st.gz",
     "tensor 'y': data_offsets begin at 11516 but the previous tensor ends (overlap)", {{0}}},
    {"out-of-range data offsets", "outofrange.st.gz", "file ends while reading", {{0}}},
    {"unknown dtype", "dtype.st.gz", "tensor 'X': unsupported dtype 'F16'", {{0}}},
    {"shape/byte-count mismatch", "shape.st.gz", "tensor 'X': F32 [60,16,4] needs 15360 bytes", {{0}}},
    {"flipped byte in a tensor file", "flipped.st.gz", "corrupt", {{0}}},
    {"NaN/Inf in a window file", NULL, NULL,
     {{"har-split nan.st.gz --test-subjects none -o {o}/p", 1, "nan.st.gz: X[5, 3, 1] is NaN", NULL, 0},
      {"har-norm fit nan.st.gz -o {o}/o.st.gz", 1, "nan.st.gz: X[5, 3, 1] is NaN", NULL, 0},
      {"har-norm apply stats.st.gz inf.st.gz {o}/o.st.gz", 1, "inf.st.gz: X[7, 2, 0] is infinite", NULL, 0},
      {"har-train nan.st.gz val.st.gz --stats stats.st.gz " TRAIN_OPTS, 1, "nan.st.gz: X[5, 3, 1] is NaN", NULL, 0},
      {"har-train train.st.gz inf.st.gz --stats stats.st.gz " TRAIN_OPTS, 1, "inf.st.gz: X[7, 2, 0] is infinite",
       NULL, 0},
      {"har-eval model.st.gz nan.st.gz --json {o}/o.json", 1, "nan.st.gz: X[5, 3, 1] is NaN", NULL, 0},
      {"har-infer --input-format tensor model.st.gz inf.st.gz", 1, "inf.st.gz: X[7, 2, 0] is infinite", NULL, 0},
      {"har-latency model.st.gz nan.st.gz -n 100 --json {o}/o.json", 1, "nan.st.gz: X[5, 3, 1] is NaN", NULL, 0},
      {"har-infer model.st.gz nan.txt", 0, "nan.txt:2: value 1 ('nan') is not finite; line skipped", NULL, STDOUT_OK},
      {"har-infer --strict model.st.gz nan.txt", 1, "nan.txt:2: value 1 ('nan') is not finite", NULL, STDOUT_OK},
      {"har-infer --stream m9.st.gz snan.txt", 0, "snan.txt:150: value 1 ('nan') is not finite; line skipped", NULL,
       STDOUT_OK}}},
    {"NaN/Inf in raw recordings", NULL, NULL,
     {{INGEST("h-nan"), 1, ACC ":150: field 1 ('nan') is not finite", "--nan ffill", 0},
      {INGEST("h-inf"), 1, ACC ":150: field 1 ('inf') is not finite", "--nan drop", 0},
      {INGEST("h-nan --nan ffill"), 0, "1 bad values, 1 samples repaired (nan policy ffill)", NULL, MAKES},
      {INGEST("h-inf --nan ffill"), 0, "1 bad values, 1 samples repaired (nan policy ffill)", NULL, MAKES},
      {INGEST("h-nan --nan drop"), 0, "2 windows dropped", "wrote 4 windows", MAKES}}},
    {"labels out of range", NULL, NULL,
     {{"har-split label.st.gz --test-subjects none -o {o}/p", 1, "label.st.gz: y[59] = 99 is outside 0..2", NULL, 0},
      {"har-norm fit label.st.gz -o {o}/o.st.gz", 1, "label.st.gz: y[59] = 99 is outside 0..2", NULL, 0},
      {"har-train label.st.gz val.st.gz --stats stats.st.gz " TRAIN_OPTS, 1, "label.st.gz: y[59] = 99", NULL, 0},
      {"har-train train.st.gz label.st.gz --stats stats.st.gz " TRAIN_OPTS, 1, "label.st.gz: y[59] = 99", NULL, 0},
      {"har-eval model.st.gz label.st.gz --json {o}/o.json", 1, "label.st.gz: y[59] = 99 is outside 0..2", NULL, 0},
      {"har-eval --baseline majority --fit label.st.gz val.st.gz --json {o}/o.json", 1, "label.st.gz: y[59] = 99",
       NULL, 0},
      {"har-infer --input-format tensor model.st.gz label.st.gz", 1, "label.st.gz: y[59] = 99", NULL, 0},
      {"har-latency model.st.gz label.st.gz -n 100 --json {o}/o.json", 1, "label.st.gz: y[59] = 99", NULL, 0},
      {INGEST("h-label"), 1, "labels.txt:2: unknown activity id 13", "activity_labels.txt", 0}}},
    {"a dataset with a single class", NULL, NULL,
     {{"har-train single.st.gz val.st.gz --stats stats.st.gz " TRAIN_OPTS, 1,
       "single.st.gz: every window is of class B", "at least 2 classes", 0},
      {"har-train train.st.gz singleval.st.gz --stats stats.st.gz " TRAIN_OPTS, 0, "best epoch", NULL, MAKES},
      {"har-split single.st.gz --test-subjects none -o {o}/p", 0, "result: ok", NULL, 0},
      {"har-norm fit single.st.gz -o {o}/o.st.gz", 0, NULL, NULL, MAKES},
      {"har-eval model.st.gz singleval.st.gz --json {o}/o.json", 0, "windows      20", NULL, MAKES},
      {"har-eval --baseline majority --fit single.st.gz val.st.gz --json {o}/o.json", 0, "majority class B", NULL,
       MAKES},
      {INGEST("h-single"), 0, "wrote 3 windows", "SITTING=0", MAKES}}},
    {"mismatched channels or window length", NULL, NULL,
     {{"har-eval model.st.gz t20.st.gz --json {o}/o.json", 1,
       "t20.st.gz has windows of 20 x 3 but the model model.st.gz takes 16 x 3", NULL, 0},
      {"har-eval model.st.gz c4.st.gz --json {o}/o.json", 1, "c4.st.gz has windows of 16 x 4", "takes 16 x 3", 0},
      {"har-infer --input-format tensor model.st.gz c4.st.gz", 1, "c4.st.gz has windows of 16 x 4", "takes 16 x 3", 0},
      {"har-infer model.st.gz short.txt", 0, "short.txt:1: expected 48 numbers, found 3; line skipped", NULL,
       STDOUT_OK},
      {"har-infer --stream model.st.gz raw.txt", 1, "streams produce the 9 UCI channels (or the 6 accelerometer ones), but the model takes 3", NULL,
       0},
      {"har-latency model.st.gz t20.st.gz -n 100 --json {o}/o.json", 1, "t20.st.gz has windows of 20 x 3",
       "takes 16 x 3", 0},
      {"har-train train.st.gz t20.st.gz --stats stats.st.gz " TRAIN_OPTS, 1,
       "train.st.gz has windows 16x3 but t20.st.gz has 20x3", NULL, 0},
      {"har-train c4train.st.gz c4.st.gz --stats stats.st.gz " TRAIN_OPTS, 1,
       "c4train.st.gz has channels [ax,ay,az,aw]", "stats.st.gz was fitted on [ax,ay,az]", 0},
      {"har-train t20train.st.gz t20.st.gz --stats stats20.st.gz --resume run-last.st.gz " TRAIN_OPTS, 1,
       "--resume run-last.st.gz: the checkpoint was trained on other TRAIN/VAL files", NULL, 0},
      {"har-norm apply stats.st.gz c4.st.gz {o}/o.st.gz", 1, "c4.st.gz has channels [ax,ay,az,aw]",
       "stats.st.gz was fitted on [ax,ay,az]", 0}}},
    {"subject overlap between train and test", NULL, NULL,
     {{"har-split --audit train.st.gz leak.st.gz", 4, "leakage: train.st.gz and leak.st.gz share subject(s) 3,4", NULL,
       STDOUT_OK},
      {"har-train train.st.gz leak.st.gz --stats stats.st.gz " TRAIN_OPTS, 4,
       "subject 3 is in both train.st.gz and leak.st.gz", NULL, 0}}},
    {"missing recording files", NULL, NULL,
     {{INGEST("h-nogyro"), 1, "labels.txt:1: experiment 1 (user 7) has no gyro file", NULL, 0},
      {INGEST("h-noacc"), 1, "labels.txt:1: experiment 1 (user 7) has no acc file", NULL, 0},
      {INGEST("h-nolabels"), 1, "h-nolabels: neither the HAPT layout (RawData/labels.txt)", NULL, 0},
      {INGEST("h-none"), 3, "h-none", NULL, 0}}},
    {"non-numeric lines", NULL, NULL,
     {{INGEST("h-text"), 1, ACC ":150: field 1 ('abc') is not a number", "--nan ffill", 0},
      {INGEST("h-text --nan ffill"), 0, "1 samples repaired", NULL, MAKES},
      {INGEST("h-textlabels"), 1, "labels.txt:2: field 3 ('four') is not a number", NULL, 0},
      {"har-infer model.st.gz text.txt", 0, "text.txt:2: value 1 ('abc') is not a number; line skipped",
       "2 windows classified; 1 bad lines skipped", STDOUT_OK},
      {"har-infer --strict model.st.gz text.txt", 1, "text.txt:2: value 1 ('abc') is not a number", NULL, STDOUT_OK},
      {"har-infer --stream m9.st.gz stext.txt", 0, "stext.txt:150: value 1 ('abc') is not a number; line skipped",
       NULL, STDOUT_OK},
      {"har-infer --stream --strict --emit-windows {o}/e.txt m9.st.gz stext.txt", 1,
       "stext.txt:150: value 1 ('abc') is not a number", NULL, STDOUT_OK}}},
    {"CRLF line endings", NULL, NULL,
     /* The same windows as with LF: the same predictions, byte for byte. */
     {{INGEST("h-crlf") " && {bin}/har-infer --input-format tensor m9.st.gz {o}/o.st.gz | cmp - a9.csv", 0,
       "wrote 6 windows", NULL, MAKES},
      {"har-infer model.st.gz crlf.txt | cmp - win.csv", 0, NULL, NULL, STDOUT_OK},
      {"har-infer --stream m9.st.gz scrlf.txt | cmp - raw.csv", 0, NULL, NULL, STDOUT_OK}}},
    {"extremely long lines", NULL, NULL,
     {{INGEST("h-long"), 1, ACC ":150: expected 3 numbers, found 2600000", NULL, 0},
      {INGEST("h-longlabels"), 1, "labels.txt:2: expected 5 numbers, found 2600000", NULL, 0},
      {"har-infer model.st.gz long.txt", 0, "long.txt:2: line too long for one window; line skipped", NULL,
       STDOUT_OK},
      {"har-infer --strict model.st.gz long.txt", 1, "long.txt:2: line too long for one window", NULL, STDOUT_OK},
      {"har-infer --stream m9.st.gz slong.txt", 0, "slong.txt:150: line too long for one sample; line skipped", NULL,
       STDOUT_OK}}},
    {"repeated or decreasing timestamps", NULL, NULL,
     {{INGEST_CSV("c-rep"), 1, "c-rep/p01/r.csv:202: timestamp repeats the previous sample's", "--bad-timestamps drop", 0},
      {INGEST_CSV("c-back"), 1, "c-back/p01/r.csv:202: timestamp lies before the previous sample's", NULL, 0},
      {INGEST_CSV("--bad-timestamps drop c-rep"), 0, "timestamps: 1 repeated and 0 backwards rows dropped", NULL, MAKES},
      {INGEST_CSV("--bad-timestamps drop c-back"), 0, "timestamps: 0 repeated and 1 backwards rows dropped", NULL, MAKES},
      {STREAM_TS "m9.st.gz ts-rep.txt", 0, "ts-rep.txt:150: sample 149: timestamp repeats", "line skipped", STDOUT_OK},
      {STREAM_TS "--strict m9.st.gz ts-rep.txt", 1, "ts-rep.txt:150: sample 149: timestamp repeats", NULL, STDOUT_OK},
      {STREAM_TS "--bad-timestamps drop m9.st.gz ts-rep.txt", 0, "300 timestamped samples: 1 dropped for a repeated",
       NULL, STDOUT_OK}}},
    {"a gap in a timestamped recording", NULL, NULL,
     {{INGEST_CSV("c-gap"), 0, "1 gaps (longest 0.51 s) -> 2 pieces", NULL, MAKES},
      {STREAM_TS "m9.st.gz ts-gap.txt", 0, "1 gaps over 0.1 s (longest 0.51 s)", NULL, STDOUT_OK}}},
    {"bad rows and columns of a CSV recording", NULL, NULL,
     {{INGEST_CSV("c-fields"), 1, "c-fields/p01/r.csv:7: 7 fields, but the header has 8", NULL, 0},
      {INGEST_CSV("c-text"), 1, "c-text/p01/r.csv:252: column 3: 'abc' is not a finite number", "--nan ffill", 0},
      {INGEST_CSV("--nan ffill c-text"), 0, "1 bad values, 1 samples repaired", NULL, MAKES},
      {INGEST_CSV("c-badtime"), 1, "c-badtime/p01/r.csv:100: timestamp 'x' is not a finite number", NULL, 0},
      {INGEST_CSV("--time when c-ok"), 1, "c-ok/p01/r.csv:1: no column 'when' (--time) in the header", NULL, 0},
      {INGEST_CSV("--classes A,B c-ok"), 1, "c-ok/p01/r.csv:2: label 'sit' is not among --classes", NULL, 0}}},
};
#define NROWS (int)(sizeof ROWS / sizeof ROWS[0])

/* ---- building the inputs ------------------------------------------------ */

/* n windows of t x c: label i % 3 (all `single` if >= 0), subjects
 * first..first+3; channels ax,ay,az[,aw]. */
static void write_set(const char *name, int64_t n, int t, int c, int first, const char *split, int single)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_alloc(&w, n, t, c, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "format", "har-windows/1", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "channels", c == 3 ? "ax,ay,az" : "ax,ay,az,aw", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "units", c == 3 ? "g,g,g" : "g,g,g,g", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "classes", "A,B,C", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "split", split, &e), 0);
    for (int64_t i = 0; i < n; i++) {
        int k = single >= 0 ? single : (int)(i % 3);
        for (int s = 0; s < t; s++)
            for (int ch = 0; ch < c; ch++)
                w.x[((size_t)i * t + s) * c + ch] =
                    (float)(5.0 * ch + sin(0.37 * (double)(i * 31 + s * 7 + ch)) + (ch == k ? sin(0.8 * s) : 0));
        w.y[i] = k;
        w.subject[i] = first + (int32_t)(i % 4);
        w.recording[i] = -1;
        w.start[i] = -1;
    }
    ck_assert_msg(har_tfile_write(w.file, tu_path(work, name), &e) == 0, "%s", e.msg);
    har_windows_free(&w);
}

/* The decompressed image of a gzip file. */
static unsigned char *gunzip(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    ck_assert_ptr_nonnull(g);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    int got;
    while ((got = gzread(g, buf + n, (unsigned)(cap - n))) > 0)
        if ((n += (size_t)got) == cap) {
            buf = realloc(buf, cap *= 2);
            ck_assert_ptr_nonnull(buf);
        }
    gzclose(g);
    *len = n;
    return buf;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Writes name.gz as length field (hlen, or the header's own length if 0),
 * header JSON, data. */
static void write_image(const char *name, const cJSON *hdr, uint64_t hlen, const unsigned char *data, size_t dlen)
{
    char *h = cJSON_PrintUnformatted(hdr);
    size_t hl = strlen(h), len = 8 + hl + dlen;
    unsigned char *buf = malloc(len);
    put_le64(buf, hlen ? hlen : hl);
    memcpy(buf + 8, h, hl);
    memcpy(buf + 8 + hl, data, dlen);
    tu_write_gz(tu_path(work, name), (const char *)buf, len);
    free(buf);
    free(h);
}

/* Sets array key[i] of tensor name in the header to v. */
static void set_num(cJSON *hdr, const char *name, const char *key, int i, double v)
{
    cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(hdr, name), key);
    ck_assert_ptr_nonnull(a);
    cJSON_SetNumberValue(cJSON_GetArrayItem(a, i), v);
}

/* The bad tensor files of the rows, each made from the valid train.st.gz
 * (60 windows of 16 x 3: X at bytes 0..11520, y at 11520..11760, ...). */
static void bad_tensor_files(void)
{
    tu_write_file(tu_path(work, "empty.st.gz"), "", 0);
    size_t gzlen;
    char *gz = tu_read_file(tu_path(work, "train.st.gz"), &gzlen);
    tu_write_file(tu_path(work, "truncated.st.gz"), gz, gzlen / 2);
    free(gz);
    static const char zip[64] = "PK\003\004\024\000\000\000\010\000";
    tu_write_file(tu_path(work, "magic.st.gz"), zip, sizeof zip);

    size_t len;
    unsigned char *img = gunzip(tu_path(work, "train.st.gz"), &len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | img[i];
    const unsigned char *data = img + 8 + hl;
    size_t dlen = len - 8 - (size_t)hl;
    cJSON *hdr = cJSON_ParseWithLength((const char *)img + 8, (size_t)hl);
    ck_assert_ptr_nonnull(hdr);
    write_image("hdrlong.st.gz", hdr, hl + dlen + 100, data, dlen);
    cJSON *h = cJSON_Duplicate(hdr, 1);
    set_num(h, "y", "data_offsets", 0, 11516); /* y starts inside X */
    set_num(h, "y", "data_offsets", 1, 11756);
    write_image("overlap.st.gz", h, 0, data, dlen);
    cJSON_Delete(h);
    write_image("outofrange.st.gz", hdr, 0, data, dlen - 8); /* 'start' ends past the data */
    h = cJSON_Duplicate(hdr, 1);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(h, "X"), "dtype", cJSON_CreateString("F16"));
    write_image("dtype.st.gz", h, 0, data, dlen);
    cJSON_Delete(h);
    h = cJSON_Duplicate(hdr, 1);
    set_num(h, "X", "shape", 2, 4);
    write_image("shape.st.gz", h, 0, data, dlen);
    cJSON_Delete(h);
    unsigned char *flipped = malloc(dlen);
    memcpy(flipped, data, dlen);
    flipped[100] ^= 0x10; /* payload_crc32 in the header still records the original */
    write_image("flipped.st.gz", hdr, 0, flipped, dlen);
    free(flipped);
    cJSON_Delete(hdr);
    free(img);
}

/* Window files with bad content, from train.st.gz's recipe. */
static void bad_window_files(void)
{
    har_err e = {0};
    har_windows w;
    ck_assert_msg(har_windows_load(&w, tu_path(work, "train.st.gz"), &e) == 0, "%s", e.msg);
    float *x5 = &w.x[(5 * 16 + 3) * 3 + 1], *x7 = &w.x[(7 * 16 + 2) * 3 + 0], keep5 = *x5, keep7 = *x7;
    *x5 = NAN;
    ck_assert_int_eq(har_tfile_write(w.file, tu_path(work, "nan.st.gz"), &e), 0);
    *x5 = keep5;
    *x7 = INFINITY;
    ck_assert_int_eq(har_tfile_write(w.file, tu_path(work, "inf.st.gz"), &e), 0);
    *x7 = keep7;
    w.y[59] = 99;
    ck_assert_int_eq(har_tfile_write(w.file, tu_path(work, "label.st.gz"), &e), 0);
    har_windows_free(&w);
    write_set("single.st.gz", 60, 16, 3, 1, "train", 1);
    write_set("singleval.st.gz", 20, 16, 3, 21, "val", 1);
    write_set("t20train.st.gz", 60, 20, 3, 1, "train", -1);
    write_set("t20.st.gz", 20, 20, 3, 21, "val", -1);
    write_set("c4train.st.gz", 60, 16, 4, 1, "train", -1);
    write_set("c4.st.gz", 20, 16, 4, 21, "val", -1);
    write_set("leak.st.gz", 20, 16, 3, 3, "val", -1);
}

/* A tiny HAPT-layout folder: experiment 1 of user 7, 600 samples,
 * WALKING 1-300 and SITTING 301-600, then `flaw` run in it (sh). */
static void tiny_hapt(const char *name, const char *flaw)
{
    ck_assert_int_eq(
        tu_sh("cd %s && mkdir -p %s/RawData && cd %s && "
              "printf '1 WALKING\\n2 WALKING_UPSTAIRS\\n3 WALKING_DOWNSTAIRS\\n4 SITTING\\n5 STANDING\\n6 LAYING\\n' "
              "> activity_labels.txt && printf '1 7 1 1 300\\n1 7 4 301 600\\n' > RawData/labels.txt && "
              "awk 'BEGIN{for(i=1;i<=600;i++) print 1+i%%37/100, 0.5+i%%41/100, -0.25+i%%43/100}' > RawData/" ACC
              " && awk 'BEGIN{for(i=1;i<=600;i++) print 0.1+i%%29/100, -0.2+i%%31/100, i%%47/100}' "
              "> RawData/gyro_exp01_user07.txt && cd RawData && { %s ; }",
              work, name, name, flaw),
        0);
}

/* A 10 MB line: 2 600 000 numbers. */
#define LONG_LINE "for(i=0;i<2600000;i++) printf \"0.5 \"; print \"\""

static void hapt_folders(void)
{
    tiny_hapt("h-ok", "true");
    tiny_hapt("h-empty", ": > " ACC);
    tiny_hapt("h-emptylabels", ": > labels.txt");
    tiny_hapt("h-truncated", "gzip " ACC " && head -c 100 " ACC ".gz > t && mv t " ACC ".gz");
    tiny_hapt("h-binary", "printf 'PK\\003\\004\\024\\000\\000\\000\\010\\000\\377\\376' > " ACC);
    tiny_hapt("h-nan", "sed -i '150s/^[^ ]*/nan/' " ACC);
    tiny_hapt("h-inf", "sed -i '150s/^[^ ]*/inf/' " ACC);
    tiny_hapt("h-text", "sed -i '150s/^[^ ]*/abc/' " ACC);
    tiny_hapt("h-textlabels", "sed -i '2s/.*/1 7 four 301 600/' labels.txt");
    tiny_hapt("h-label", "sed -i '2s/.*/1 7 13 301 600/' labels.txt");
    tiny_hapt("h-single", "sed -i '2d' labels.txt");
    tiny_hapt("h-nogyro", "rm gyro_exp01_user07.txt");
    tiny_hapt("h-noacc", "rm " ACC);
    tiny_hapt("h-nolabels", "rm labels.txt");
    tiny_hapt("h-crlf", "sed -i 's/$/\\r/' " ACC " labels.txt ../activity_labels.txt");
    tiny_hapt("h-long", "awk 'NR==150{" LONG_LINE "; next} {print}' " ACC " > t && mv t " ACC);
    tiny_hapt("h-longlabels", "awk 'NR==2{" LONG_LINE "; next} {print}' labels.txt > t && mv t labels.txt");
    /* A second volunteer (user 8, experiment 2) for the stream model's validation. */
    tiny_hapt("h-b", "sed -i 's/^1 7/2 8/' labels.txt && mv " ACC " acc_exp02_user08.txt && "
                     "mv gyro_exp01_user07.txt gyro_exp02_user08.txt");
}

/* The generic layout: a recording of subject 1 at 100 Hz (timestamps in
 * ms), 600 rows, sit then walk, with one flaw each (awk variable f): a
 * repeated timestamp at row 200 (line 202), one going back there, a 0.5 s
 * gap after row 300, a short row at line 7, "abc" in ay at line 252, "x" as
 * the timestamp at line 100.  And timestamped stream lines (300 samples): one
 * repeated timestamp at line 150, a 0.5 s gap at line 150. */
static void csv_folders(void)
{
    static const char *const flaws[] = {"ok", "rep", "back", "gap", "fields", "text", "badtime"};
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(
            tu_sh("cd %s && mkdir -p c-%s/p01 && awk -v f=%s 'BEGIN { print \"t,ax,ay,az,gx,gy,gz,y\"; t = 1000; "
                  "for (i = 0; i < 600; i++) { t += 10; tt = t; if (f == \"rep\" && i == 200) tt = t - 10; "
                  "if (f == \"back\" && i == 200) tt = t - 15; if (f == \"gap\" && i == 300) { t += 500; tt = t } "
                  "ay = (f == \"text\" && i == 250) ? \"abc\" : 0.5 + i %% 41 / 100; "
                  "if (f == \"badtime\" && i == 98) tt = \"x\"; "
                  "if (f == \"fields\" && i == 5) { print tt \",1,2,3,4,5,6\"; continue } "
                  "printf \"%%s,%%g,%%s,%%g,%%g,%%g,%%g,%%s\\n\", tt, 1 + i %% 37 / 100, ay, -0.25 + i %% 43 / 100, "
                  "0.1 + i %% 29 / 100, -0.2 + i %% 31 / 100, i %% 47 / 100, i < 300 ? \"sit\" : \"walk\" } }' "
                  "> c-%s/p01/r.csv",
                  work, flaws[i], flaws[i], flaws[i]),
            0);
    ck_assert_int_eq(tu_sh("cd %s && awk 'BEGIN { for (i = 0; i < 300; i++) print 1000 + 10 * i - (i == 149 ? 10 : 0), "
                           "1 + i %% 7 / 10, 0.5, -0.25, 0.1, -0.2, i %% 5 / 10 }' > ts-rep.txt && "
                           "awk 'BEGIN { for (i = 0; i < 300; i++) print 1000 + 10 * i + (i >= 149 ? 500 : 0), "
                           "1 + i %% 7 / 10, 0.5, -0.25, 0.1, -0.2, i %% 5 / 10 }' > ts-gap.txt",
                           work),
                     0);
}

/* Text windows (3 lines of 16 x 3) and a stream (300 samples), good and bad. */
static void text_inputs(void)
{
    ck_assert_int_eq(
        tu_sh("cd %s && : > empty.txt && "
              "awk 'BEGIN{for(i=0;i<3;i++){for(j=0;j<48;j++) "
              "printf \"%%s%%g\", (j?\" \":\"\"), j%%3*5+j%%7/10; print \"\"}}' "
              "> win.txt && echo '1 2 3' > short.txt && "
              "sed '2s/^[^ ]*/abc/' win.txt > text.txt && sed '2s/^[^ ]*/nan/' win.txt > nan.txt && "
              "sed 's/$/\\r/' win.txt > crlf.txt && awk 'NR==2{" LONG_LINE "; next} {print}' win.txt > long.txt && "
              "awk 'BEGIN{for(i=0;i<300;i++) print 1+i%%7/10, 0.5, -0.25, 0.1, -0.2, i%%5/10}' > raw.txt && "
              "sed '150s/^[^ ]*/abc/' raw.txt > stext.txt && sed '150s/^[^ ]*/nan/' raw.txt > snan.txt && "
              "sed 's/$/\\r/' raw.txt > scrlf.txt && awk 'NR==150{" LONG_LINE "; next} {print}' raw.txt > slong.txt",
              work),
        0);
}

static void build_fixture(void)
{
    work = tu_tmpdir();
    write_set("train.st.gz", 60, 16, 3, 1, "train", -1);
    write_set("val.st.gz", 20, 16, 3, 21, "val", -1);
    /* model.st.gz (flatten,dense:3) and its run's last checkpoint for
     * --resume; stats20 for the 20-sample windows; m9.st.gz takes the 9 UCI
     * channels, for --stream. */
    hapt_folders();
    csv_folders();
    ck_assert_int_eq(tu_sh("cd %s && H=$(dirname %s) && $H/har-norm fit train.st.gz -o stats.st.gz && "
                           "$H/har-train -q train.st.gz val.st.gz --stats stats.st.gz -m flatten,dense:3 -e 2 "
                           "--log none --checkpoint run-last.st.gz -o model.st.gz && "
                           "$H/har-ingest -q h-ok -o a9.st.gz && $H/har-ingest -q h-b -o b9.st.gz && "
                           "$H/har-norm fit --allow-any-split a9.st.gz -o s9.st.gz && "
                           "$H/har-train -q a9.st.gz b9.st.gz --stats s9.st.gz -m flatten,dense:6 -e 1 --log none "
                           "-o m9.st.gz",
                           work, tu_bin("har-ingest")),
                     0);
    bad_tensor_files();
    bad_window_files();
    ck_assert_int_eq(tu_sh("cd %s && %s fit t20train.st.gz -o stats20.st.gz", work, tu_bin("har-norm")), 0);
    text_inputs();
    /* What the LF inputs give, for the CRLF row. */
    ck_assert_int_eq(tu_sh("cd %s && H=$(dirname %s) && $H/har-infer --input-format tensor m9.st.gz a9.st.gz > a9.csv && "
                           "$H/har-infer model.st.gz win.txt > win.csv && "
                           "$H/har-infer --stream m9.st.gz raw.txt > raw.csv",
                           work, tu_bin("har-infer")),
                     0);
}

static void remove_fixture(void)
{
    tu_rmtree(work);
    free(work);
}

/* ---- running ------------------------------------------------------------ */

/* What every output folder holds before a run. */
static const char *const PREVIOUS[] = {"o.st.gz", "o-last.st.gz", "o.json", "o.csv", "p-train.safetensors.gz",
                                       "e.txt"};
#define NPREVIOUS (sizeof PREVIOUS / sizeof PREVIOUS[0])
#define PREVIOUS_TEXT "previous good output\n"

/* tmpl with {o} -> out, {f} -> file, {bin} -> the tools' folder, and the
 * first word (the tool's name) -> its path. */
static char *expand(const char *tmpl, const char *out, const char *file)
{
    tu_sbuf b = {0};
    size_t tool = strcspn(tmpl, " ");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)tool, tmpl);
    tu_sbuf_printf(&b, "%s", tu_bin(name));
    char bindir[4096];
    snprintf(bindir, sizeof bindir, "%s", tu_bin(name));
    *strrchr(bindir, '/') = '\0';
    for (const char *p = tmpl + tool; *p;)
        if (strncmp(p, "{o}", 3) == 0)
            tu_sbuf_printf(&b, "%s", out), p += 3;
        else if (strncmp(p, "{bin}", 5) == 0)
            tu_sbuf_printf(&b, "%s", bindir), p += 5;
        else if (strncmp(p, "{f}", 3) == 0)
            tu_sbuf_printf(&b, "%s", file), p += 3;
        else
            tu_sbuf_printf(&b, "%c", *p++);
    return b.s;
}

/* The number of entries of dir (hidden ones included). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

static void check_run(const char *rowname, const run *r, const char *file)
{
    char *out = tu_tmpdir();
    for (size_t i = 0; i < NPREVIOUS; i++)
        tu_write_text(tu_path(out, PREVIOUS[i]), PREVIOUS_TEXT);
    char *cmd = expand(r->cmd, out, file), *so = NULL, *se = NULL;
    /* A hang is a failure too (124 from timeout). */
    int rc = tu_sh_capture(&so, &se, "cd %s && timeout %d %s", work, tu_sanitized() ? 600 : 120, cmd);
    const char *what = r->cmd;
    ck_assert_msg(rc == r->code, "[%s] %s: exit %d, expected %d; stderr: %s", rowname, what, rc, r->code, se);
    ck_assert_msg(!strstr(se, "Sanitizer") && !strstr(se, "runtime error"), "[%s] %s: %s", rowname, what, se);
    if (r->code == 0) {
        size_t n = strlen(so) + strlen(se) + 2;
        char *both = malloc(n);
        snprintf(both, n, "%s\n%s", so, se);
        for (int k = 0; k < 2; k++) {
            const char *needle = k ? r->n2 : r->n1;
            ck_assert_msg(!needle || strstr(both, needle), "[%s] %s: expected \"%s\" in: %.2000s", rowname, what,
                          needle, both);
        }
        free(both);
        if (r->flags & MAKES) {
            const char *made = strstr(r->cmd, "o.json") ? "o.json" : "o.st.gz";
            char *now = tu_read_file(tu_path(out, made), NULL);
            ck_assert_msg(now && strcmp(now, PREVIOUS_TEXT), "[%s] %s: %s not rewritten", rowname, what, made);
            free(now);
        }
    } else {
        for (int k = 0; k < 3; k++) {
            const char *needle = k == 0 ? file : k == 1 ? r->n1 : r->n2;
            ck_assert_msg(!needle || strstr(se, needle), "[%s] %s: expected \"%s\" in stderr: %.2000s", rowname,
                          what, needle, se);
        }
        ck_assert_msg((r->flags & STDOUT_OK) || !*so, "[%s] %s: stdout not empty: %.500s", rowname, what, so);
        /* No output and no temporary left, the previous outputs untouched. */
        ck_assert_msg(entries(out) == (int)NPREVIOUS, "[%s] %s: files left in the output folder", rowname, what);
        for (size_t i = 0; i < NPREVIOUS; i++) {
            char *now = tu_read_file(tu_path(out, PREVIOUS[i]), NULL);
            ck_assert_msg(now && !strcmp(now, PREVIOUS_TEXT), "[%s] %s: %s changed", rowname, what, PREVIOUS[i]);
            free(now);
        }
    }
    free(so);
    free(se);
    free(cmd);
    tu_rmtree(out);
    free(out);
}

/* Row _i: its tensor file through every slot, then its own runs. */
START_TEST(matrix_row)
{
    const row *rw = &ROWS[_i];
    if (rw->file)
        for (size_t s = 0; s < NSLOTS; s++) {
            run r = {TENSOR_SLOTS[s], 1, rw->msg, NULL, 0};
            check_run(rw->name, &r, rw->file);
        }
    for (size_t k = 0; k < sizeof rw->runs / sizeof rw->runs[0] && rw->runs[k].cmd; k++)
        check_run(rw->name, &rw->runs[k], NULL);
}
END_TEST

/* Every row is one of docs/TESTING.md's and has something to run. */
START_TEST(rows_are_documented)
{
    char *readme = tu_read_file("docs/TESTING.md", NULL);
    if (!readme) {
        tu_skip("rows_are_documented", "docs/TESTING.md not in the working directory");
        return;
    }
    const char *section = strstr(readme, "\n## Bad input\n");
    ck_assert_ptr_nonnull(section);
    for (int i = 0; i < NROWS; i++) {
        char cell[128];
        snprintf(cell, sizeof cell, "\n| %s |", ROWS[i].name);
        ck_assert_msg(strstr(section, cell), "row \"%s\" is not in docs/TESTING.md's Bad input table", ROWS[i].name);
        ck_assert(ROWS[i].file || ROWS[i].runs[0].cmd);
    }
    free(readme);
}
END_TEST

Suite *badinput_suite(void)
{
    Suite *s = suite_create("badinput");
    TCase *tc = tcase_create("badinput");
    tcase_add_unchecked_fixture(tc, build_fixture, remove_fixture);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, matrix_row, 0, NROWS);
    tcase_add_test(tc, rows_are_documented);
    suite_add_tcase(s, tc);
    return s;
}
