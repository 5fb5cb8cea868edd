/* test_infer.c - har-infer and the predict_activity()/stream API: a recording
 * streamed sample by sample gives, bit for bit, the windows har-ingest cuts
 * from it and the same predictions; text windows agree with tensor windows;
 * bad lines are reported with their number, skipped and counted (or stop the
 * run with --strict); memory stays flat on a long stream. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve/predictor.h"
#include "data/windows.h"
#include "synthetic.h"
#include "testutil.h"

/* Built once for the test case (unchecked fixture, in the runner): two HAPT
 * recordings of different volunteers ingested separately, a small model
 * trained on one with the other for validation, and the first recording as
 * raw text samples "ax ay az gx gy gz". */
static char *work;

static void hapt_subset(const char *dir, const char *exp, const char *user, int expno)
{
    const char *d = tu_path(work, dir);
    ck_assert_int_eq(tu_sh("mkdir -p %s/RawData && cp %s/activity_labels.txt.gz %s/ && "
                           "cp %s/RawData/acc_exp%s_user%s.txt.gz %s/RawData/gyro_exp%s_user%s.txt.gz %s/RawData/ && "
                           "zcat %s/RawData/labels.txt.gz | awk '$1 == %d' > %s/RawData/labels.txt",
                           d, tu_data(), d, tu_data(), exp, user, tu_data(), exp, user, d, tu_data(), expno, d),
                     0);
}

static void build_fixture(void)
{
    work = tu_tmpdir();
    hapt_subset("a", "01", "01", 1);
    hapt_subset("b", "03", "02", 3);
    ck_assert_int_eq(tu_sh("cd %s && %s -q a -o a.st.gz && %s -q b -o b.st.gz && "
                           "%s fit --allow-any-split a.st.gz -o stats.st.gz && "
                           "%s -q a.st.gz b.st.gz --stats stats.st.gz -m 'conv1d:8:5,relu,gap,dense:6' -e 2 "
                           "--log none -o model.st.gz && "
                           "zcat a/RawData/acc_exp01_user01.txt.gz > acc.txt && "
                           "zcat a/RawData/gyro_exp01_user01.txt.gz | paste -d' ' acc.txt - > raw.txt",
                           work, tu_bin("har-ingest"), tu_bin("har-ingest"), tu_bin("har-norm"),
                           tu_bin("har-train")),
                     0);
}

static void remove_fixture(void)
{
    tu_rmtree(work);
    free(work);
}

/* A CSV file as an array of lines (the buffer is modified; free both). */
static char **csv_lines(const char *path, size_t *n, char **buf)
{
    *buf = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(*buf);
    size_t cap = 1024, k = 0;
    char **lines = malloc(cap * sizeof *lines);
    for (char *s = strtok(*buf, "\n"); s; s = strtok(NULL, "\n")) {
        if (k == cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[k++] = s;
    }
    *n = k;
    return lines;
}

/* The part of a prediction row after its first `skip` fields. */
static const char *after_fields(const char *line, int skip)
{
    for (int i = 0; i < skip; i++) {
        line = strchr(line, ',');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    return line;
}

START_TEST(help_and_version)
{
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --help", tu_bin("har-infer")), 0);
    tu_assert_contains(out, "--stream");
    tu_assert_contains(out, "Exit status:");
    free(out);
    ck_assert_int_eq(tu_sh("%s --version >/dev/null", tu_bin("har-infer")), 0);
    ck_assert_int_eq(tu_sh("%s 2>/dev/null", tu_bin("har-infer")), 2);
    ck_assert_int_eq(tu_sh("%s --input-format csv m 2>/dev/null", tu_bin("har-infer")), 2);
    ck_assert_int_eq(tu_sh("%s --stride 4 m 2>/dev/null", tu_bin("har-infer")), 2);
}
END_TEST

/* The renamed options (--input-format, --format json) give the bytes the old
 * spellings (--windows, the --json flag) give, and only the old ones warn:
 * one line each, however often they are given. */
START_TEST(renamed_options_still_work)
{
    char infer[4096]; /* tu_bin's storage is reused after 8 calls */
    snprintf(infer, sizeof infer, "%s", tu_bin("har-infer"));
    ck_assert_int_eq(tu_sh("cd %1$s && %2$s --input-format tensor model.st.gz a.st.gz > new.csv 2> new.err && "
                           "%2$s --windows tensor model.st.gz a.st.gz > old.csv 2> old.err && "
                           "%2$s --format csv --input-format tensor model.st.gz a.st.gz > csv.csv && "
                           "%2$s --format json --input-format tensor model.st.gz a.st.gz > new.jsonl 2>> new.err && "
                           "%2$s --json --windows tensor --json model.st.gz a.st.gz > old.jsonl 2> oldj.err && "
                           "%2$s --stream --emit-windows win.txt model.st.gz raw.txt > /dev/null && "
                           "%2$s --input-format text model.st.gz win.txt > text-new.csv 2>> new.err && "
                           "%2$s --windows text model.st.gz win.txt > text-old.csv 2> /dev/null",
                           work, infer),
                     0);
    ck_assert(tu_same_file(tu_path(work, "new.csv"), tu_path(work, "old.csv")));
    ck_assert(tu_same_file(tu_path(work, "new.csv"), tu_path(work, "csv.csv")));
    ck_assert(tu_same_file(tu_path(work, "new.jsonl"), tu_path(work, "old.jsonl")));
    ck_assert(tu_same_file(tu_path(work, "text-new.csv"), tu_path(work, "text-old.csv")));
    char *jsonl = tu_read_file(tu_path(work, "new.jsonl"), NULL), *text = tu_read_file(tu_path(work, "text-new.csv"), NULL);
    ck_assert_int_eq(strncmp(jsonl, "{\"window\":0,\"subject\":1,", 24), 0);
    ck_assert_int_eq(strncmp(text, "line,label,class,", 17), 0);
    ck_assert_ptr_nonnull(strstr(text, "\n300,")); /* the stream's windows, one a line */
    free(jsonl), free(text);
    char *err = tu_read_file(tu_path(work, "new.err"), NULL);
    ck_assert_str_eq(err, "");
    free(err);
    err = tu_read_file(tu_path(work, "old.err"), NULL);
    ck_assert_str_eq(err, "har-infer: --windows is deprecated, use --input-format\n");
    free(err);
    err = tu_read_file(tu_path(work, "oldj.err"), NULL);
    ck_assert_str_eq(err, "har-infer: --json (flag) is deprecated, use --format json\n"
                          "har-infer: --windows is deprecated, use --input-format\n");
    free(err);
    /* Still one input mode, whichever spelling chooses it. */
    ck_assert_int_eq(tu_sh("%s --windows tensor --input-format tensor m 2>/dev/null", infer), 2);
    ck_assert_int_eq(tu_sh("%s --input-format tensor --stream m 2>/dev/null", infer), 2);
}
END_TEST

/* Streaming the raw recording with a prediction at every sample (stride 1)
 * must reproduce each window har-ingest cut, bit for bit, with the same
 * prediction and probabilities as the offline path on the tensor file. */
START_TEST(stream_equals_offline)
{
    ck_assert_int_eq(tu_sh("cd %s && %s --input-format tensor model.st.gz a.st.gz > off.csv && "
                           "%s --stream --stride 1 --emit-windows win.txt model.st.gz raw.txt > on.csv",
                           work, tu_bin("har-infer"), tu_bin("har-infer")),
                     0);
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, tu_path(work, "a.st.gz"), &e) == 0, "%s", e.msg);
    char *offbuf, *onbuf, *winbuf;
    size_t noff, non, nwin;
    char **off = csv_lines(tu_path(work, "off.csv"), &noff, &offbuf);
    char **on = csv_lines(tu_path(work, "on.csv"), &non, &onbuf);
    char **win = csv_lines(tu_path(work, "win.txt"), &nwin, &winbuf);
    ck_assert_int_eq((int64_t)noff, w.n + 1);
    ck_assert_int_eq(non, nwin + 1); /* one emitted window per prediction */
    ck_assert_int_gt(w.n, 100);
    size_t per = (size_t)w.t * (size_t)w.c;
    for (int64_t i = 0; i < w.n; i++) {
        int64_t s = w.start[i];
        ck_assert_msg(s >= 0 && (size_t)s < nwin, "window %lld starts at %lld", (long long)i, (long long)s);
        /* on.csv row s + 1 is the window starting at sample s (stride 1). */
        ck_assert_int_eq(strtoll(on[s + 1], NULL, 10), s);
        ck_assert_str_eq(after_fields(on[s + 1], 2), after_fields(off[i + 1], 5));
        char *p = win[s];
        for (size_t j = 0; j < per; j++) {
            float v = strtof(p, &p);
            ck_assert_msg(memcmp(&v, &w.x[(size_t)i * per + j], sizeof v) == 0,
                          "window %lld value %zu: stream %.9g, har-ingest %.9g", (long long)i, j, (double)v,
                          (double)w.x[(size_t)i * per + j]);
        }
    }
    free(off), free(on), free(win), free(offbuf), free(onbuf), free(winbuf);
    har_windows_free(&w);
}
END_TEST

/* The same windows given as text lines are classified exactly as from the
 * tensor file, and predict_activity() agrees with both. */
START_TEST(text_windows_equal_tensor_windows)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, tu_path(work, "a.st.gz"), &e) == 0, "%s", e.msg);
    size_t per = (size_t)w.t * (size_t)w.c;
    FILE *fp = fopen(tu_path(work, "windows.txt"), "w");
    ck_assert_ptr_nonnull(fp);
    int64_t n = w.n < 40 ? w.n : 40;
    for (int64_t i = 0; i < n; i++)
        for (size_t j = 0; j < per; j++)
            fprintf(fp, "%.9g%c", (double)w.x[(size_t)i * per + j], j + 1 == per ? '\n' : ' ');
    fclose(fp);
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz windows.txt > text.csv && "
                           "%s --input-format tensor model.st.gz - < a.st.gz > tensor.csv",
                           work, tu_bin("har-infer"), tu_bin("har-infer")),
                     0);
    char *tbuf, *obuf;
    size_t nt, no;
    char **text = csv_lines(tu_path(work, "text.csv"), &nt, &tbuf);
    char **tensor = csv_lines(tu_path(work, "tensor.csv"), &no, &obuf);
    ck_assert_int_eq((int64_t)nt, n + 1);
    tu_assert_contains(text[0], "line,label,class,p_WALKING");
    har_predictor *m = har_predictor_open(tu_path(work, "model.st.gz"), &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    float probs[6];
    for (int64_t i = 0; i < n; i++) {
        ck_assert_str_eq(after_fields(text[i + 1], 1), after_fields(tensor[i + 1], 5));
        int label;
        ck_assert_int_eq(predict_activity(m, w.x + (size_t)i * per, w.t, w.c, &label, probs), 0);
        ck_assert_int_eq(label, strtol(after_fields(tensor[i + 1], 6), NULL, 10));
    }
    /* Wrong shapes and non-finite values are refused, with the reason. */
    ck_assert_int_eq(predict_activity(m, w.x, w.t - 1, w.c, NULL, probs), HAR_EDATA);
    tu_assert_contains(har_predictor_error(m), "takes 128 x 9");
    w.x[5] = NAN;
    ck_assert_int_eq(predict_activity(m, w.x, w.t, w.c, NULL, probs), HAR_EDATA);
    tu_assert_contains(har_predictor_error(m), "body_gyro_z is NaN");
    har_predictor_free(m);
    free(text), free(tensor), free(tbuf), free(obuf);
    har_windows_free(&w);
}
END_TEST

/* Bad lines: named by number on stderr, skipped, counted; --strict stops. */
START_TEST(bad_lines_are_reported_and_skipped)
{
    FILE *fp = fopen(tu_path(work, "bad.txt"), "w");
    ck_assert_ptr_nonnull(fp);
    for (int i = 0; i < 300; i++) {
        if (i == 10)
            fprintf(fp, "1 2 3 4 5\n");              /* line 11: too few */
        else if (i == 20)
            fprintf(fp, "1 2 x 4 5 6\n");            /* line 21: not a number */
        else if (i == 30)
            fprintf(fp, "1 2 nan 4 5 6\n");          /* line 31: NaN */
        else if (i == 40) {
            for (int k = 0; k < 5000; k++)           /* line 41: far too long */
                fputs("1.0 ", fp);
            fputc('\n', fp);
        } else if (i == 50)
            fprintf(fp, "\n");                       /* line 51: blank, ignored */
        else
            fprintf(fp, "%g 0.1 0.2 0.01 0.02 0.03\n", 1.0 + 0.01 * (i % 7));
    }
    fclose(fp);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --stream %s %s", tu_bin("har-infer"),
                                   tu_path(work, "model.st.gz"), tu_path(work, "bad.txt")),
                     0);
    tu_assert_contains(err, "bad.txt:11: expected 6 numbers, found 5; line skipped");
    tu_assert_contains(err, "bad.txt:21: value 3 ('x') is not a number");
    tu_assert_contains(err, "bad.txt:31: value 3 ('nan') is not finite");
    tu_assert_contains(err, "bad.txt:41: line too long");
    tu_assert_contains(err, "4 bad lines skipped");
    /* 295 good samples: windows start at 0, 64 and 128 (stride 64). */
    ck_assert_int_eq(strncmp(out, "start,time_s,label", 18), 0);
    char *third = strstr(out, "\n128,2.56,");
    ck_assert_ptr_nonnull(third);
    ck_assert_ptr_null(strstr(out, "\n192,"));
    free(out), free(err);
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --stream --strict --format json %s %s", tu_bin("har-infer"),
                                   tu_path(work, "model.st.gz"), tu_path(work, "bad.txt")),
                     1);
    tu_assert_contains(err, "bad.txt:11: expected 6 numbers, found 5");
    ck_assert_ptr_null(strstr(out, "{"));
    free(out), free(err);
    /* Finite samples so large that the window overflows after normalising:
     * each affected window is a bad line, never a printed prediction. */
    ck_assert_int_eq(tu_sh_capture(&out, &err,
                                   "awk 'BEGIN { for (i = 0; i < 200; i++) print \"3e38 3e38 3e38 0 0 0\" }' | "
                                   "%s --stream %s",
                                   tu_bin("har-infer"), tu_path(work, "model.st.gz")),
                     0);
    tu_assert_contains(err, "<stdin>:128: ");
    tu_assert_contains(err, "overflows after normalising; line skipped");
    ck_assert_str_eq(strchr(out, '\n') + 1, ""); /* the header only */
    free(out), free(err);
    /* Text windows: the wrong count is named too. */
    ck_assert_int_eq(tu_sh_capture(&out, &err, "echo '1 2 3' | %s %s", tu_bin("har-infer"),
                                   tu_path(work, "model.st.gz")),
                     0);
    tu_assert_contains(err, "<stdin>:1: expected 1152 numbers, found 3");
    free(out), free(err);
}
END_TEST

/* Peak memory of a stream run over n generated samples, in KiB. */
static long stream_peak_kib(long n)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "awk 'BEGIN { for (i = 0; i < %ld; i++) printf \"%%.4f 0.1 0.2 0.01 0.02 0.03\\n\", "
                 "1 + (i %% 50) / 100 }' | %s --stream %s > /dev/null",
                 n, tu_bin("har-infer"), tu_path(work, "model.st.gz"));
        _exit(system(cmd) == 0 ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    struct rusage ru;
    ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    return ru.ru_maxrss;
}

/* A long stream (here 400 000 samples, over two hours at 50 Hz) needs no more
 * memory than a short one: har-infer keeps one window, whatever the length. */
START_TEST(memory_is_bounded_on_long_streams)
{
    if (tu_valgrind()) {
        /* ru_maxrss would be Valgrind's, and 401 000 samples take minutes
         * there; rss_is_flat_over_an_hour_of_stream still streams an hour
         * through memcheck. */
        tu_skip("memory_is_bounded_on_long_streams", "peak RSS under Valgrind is Valgrind's own");
        return;
    }
    long small = stream_peak_kib(1000);
    long large = stream_peak_kib(400000);
    ck_assert_msg(large < small + 1024, "peak RSS %ld KiB for 400000 samples vs %ld KiB for 1000", large, small);
}
END_TEST

/* A field of /proc/PID/status ("VmRSS", "VmHWM") in KiB; -1 if missing. */
static long proc_status_kib(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    long kib = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kib = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(fp);
    return kib;
}

/* Waits until har-infer (pid) has read everything written into the pipe
 * whose read end is rd, so that /proc shows it after those samples. */
static void wait_drained(int rd, pid_t pid)
{
    for (int tries = 0; tries < 20000; tries++) {
        int queued = 0;
        ck_assert_int_eq(ioctl(rd, FIONREAD, &queued), 0);
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "har-infer ended early (status %d)", status);
        if (queued == 0)
            return;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    ck_abort_msg("har-infer stopped reading its stream");
}

/* One hour of raw samples at 50 Hz (180 000 lines "ax ay az gx gy gz",
 * generated here and written through a pipe, never a file) streamed through
 * har-infer --stream with the fixture's model: its resident set after the
 * whole hour is no larger than after the first 5 minutes, within 512 KiB
 * (stdio and allocator noise; keeping each sample would add over 8 MiB,
 * leaking one 128 x 9 window per prediction some 12 MiB).  RSS is read from /proc/PID/status while har-infer runs, once
 * it has read every sample written so far.  Under sanitizers the margin is
 * 8 MiB (ASan's quarantine holds freed blocks by design); under Valgrind
 * /proc shows Valgrind's own memory, so there the stream runs but RSS is
 * not compared (memcheck checks leaks itself). */
START_TEST(rss_is_flat_over_an_hour_of_stream)
{
    const long rate = 50, early = 5 * 60 * rate, total = 60 * 60 * rate;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    signal(SIGPIPE, SIG_IGN); /* a dead har-infer fails a write, not the runner */
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        const char *bin = tu_bin("har-infer");
        execl(bin, bin, "--stream", tu_path(work, "model.st.gz"), (char *)NULL);
        _exit(127);
    }
    FILE *w = fdopen(fds[1], "w");
    ck_assert_ptr_nonnull(w);
    long rss_early = -1, hwm_early = -1, rss_end = -1, hwm_end = -1;
    for (long i = 1; i <= total; i++) {
        /* A slowly changing mix of activities: gravity on one axis, a walking
         * rhythm on the others, so the windows vary like a real recording. */
        double t = (double)i / (double)rate, gait = sin(2 * 3.14159265358979 * 1.8 * t) * (0.5 + 0.5 * sin(t / 97));
        ck_assert_msg(fprintf(w, "%.5f %.5f %.5f %.5f %.5f %.5f\n", 1 + 0.3 * gait, 0.1 * cos(t / 13) + 0.2 * gait,
                              0.05 * sin(t), 0.4 * gait, -0.3 * gait, 0.01 * cos(2.2 * t)) > 0,
                      "writing sample %ld: %s", i, strerror(errno));
        if (i == early || i == total) {
            ck_assert_int_eq(fflush(w), 0);
            wait_drained(fds[0], pid);
            long rss = proc_status_kib(pid, "VmRSS"), hwm = proc_status_kib(pid, "VmHWM");
            ck_assert_msg(rss > 0 && hwm > 0, "no VmRSS/VmHWM in /proc/%ld/status", (long)pid);
            if (i == early)
                rss_early = rss, hwm_early = hwm;
            else
                rss_end = rss, hwm_end = hwm;
        }
    }
    fclose(w);
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "har-infer --stream: status %d", status);
    if (getenv("HAR_TEST_VERBOSE"))
        fprintf(stderr, "har-infer --stream RSS: %ld KiB after 5 min (peak %ld), %ld KiB after 1 h (peak %ld)\n",
                rss_early, hwm_early, rss_end, hwm_end);
    if (tu_valgrind()) {
        tu_skip("rss_is_flat_over_an_hour_of_stream (RSS comparison only; the stream ran)",
                "RSS under Valgrind is Valgrind's own");
        return;
    }
    /* ASan's quarantine and shadow memory may add a little (measured: flat
     * at 17 MiB there too), hence a wider margin under sanitizers. */
    long margin = tu_sanitized() ? 8192 : 512;
    ck_assert_msg(rss_end <= rss_early + margin && hwm_end <= hwm_early + margin,
                  "RSS after 1 h of stream %ld KiB (peak %ld) vs %ld KiB (peak %ld) after 5 min (margin %ld KiB)",
                  rss_end, hwm_end, rss_early, hwm_early, margin);
}
END_TEST

/* A model whose inputs the stream cannot produce is refused up front. */
START_TEST(stream_refuses_other_models)
{
    syn_fixture f;
    syn_fixture_make(&f, 60);
    ck_assert_int_eq(tu_sh("cd %s && %s %s %s --stats %s --log none -m flatten,dense:3 -e 1 -o m.st.gz 2>/dev/null",
                           f.dir, tu_bin("har-train"), f.train, f.val, f.stats),
                     0);
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "echo '1 2 3 4 5 6' | %s --stream %s/m.st.gz",
                                   tu_bin("har-infer"), f.dir),
                     1);
    tu_assert_contains(err, "streams produce the 9 UCI channels (or the 6 accelerometer ones), but the model takes 3");
    free(err);
    /* Normalised tensors are refused: har-infer applies the model's own stats. */
    ck_assert_int_eq(tu_sh("cd %s && %s apply stats.st.gz b.st.gz -o bn.st.gz", work, tu_bin("har-norm")), 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --input-format tensor %s %s", tu_bin("har-infer"),
                                   tu_path(work, "model.st.gz"), tu_path(work, "bn.st.gz")),
                     1);
    tu_assert_contains(err, "is normalised (metadata 'normalisation'); give the raw windows");
    free(err);
    syn_fixture_free(&f);
}
END_TEST

Suite *infer_suite(void)
{
    Suite *s = suite_create("infer");
    TCase *tc = tcase_create("infer");
    tcase_add_unchecked_fixture(tc, build_fixture, remove_fixture);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, renamed_options_still_work);
    tcase_add_test(tc, stream_equals_offline);
    tcase_add_test(tc, text_windows_equal_tensor_windows);
    tcase_add_test(tc, bad_lines_are_reported_and_skipped);
    tcase_add_test(tc, memory_is_bounded_on_long_streams);
    tcase_add_test(tc, rss_is_flat_over_an_hour_of_stream);
    tcase_add_test(tc, stream_refuses_other_models);
    suite_add_tcase(s, tc);
    return s;
}
