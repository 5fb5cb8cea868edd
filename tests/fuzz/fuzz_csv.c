/* The generic layout (your own recordings), whole reader: har_ingest on a
 * scratch directory holding one or two recordings of subject 1 written from
 * the input.  The input is NUL-separated sections:
 *   options byte | p01/a.csv | p01/b.csv (optional)
 * Columns are named t, ax, ay, az, gx, gy, gz, y.  The options byte picks
 * the --nan policy (b % 3), --bad-timestamps drop (bit 2), the majority
 * window label (bit 3), whether the gyroscope is read (bit 4), and
 * timestamps in ms or a fixed 100 Hz rate (bit 5).  Success must give
 * windows of the nine channels, or the six accelerometer ones. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sec[3];
    size_t len[3];
    int n = fuzz_sections(data, size, sec, len, 3);
    if (n < 2 || len[0] != 1)
        return 0;
    unsigned b = sec[0][0];
    const char *dir = fuzz_dir();
    fuzz_mkdir(dir, "p01");
    fuzz_put(dir, "p01/a.csv", sec[1], len[1]);
    fuzz_put(dir, "p01/b.csv", n > 2 ? (const void *)sec[2] : NULL, n > 2 ? len[2] : 0);
    har_ingest_opts o;
    har_ingest_opts_default(&o);
    o.root = dir;
    o.layout = HAR_LAYOUT_CSV;
    o.window = 8;
    o.stride = 4;
    o.nan = b % 3 == 0 ? HAR_NAN_ERROR : b % 3 == 1 ? HAR_NAN_FFILL : HAR_NAN_DROP;
    o.csv.timeline.bad_time = (b >> 2) & 1 ? HAR_TIME_DROP : HAR_TIME_ERROR;
    o.csv.window_label = (b >> 3) & 1 ? HAR_LABEL_MAJORITY : HAR_LABEL_INSIDE;
    o.csv.acc = "ax,ay,az";
    o.csv.gyro = (b >> 4) & 1 ? "gx,gy,gz" : NULL;
    o.csv.label = "y";
    if ((b >> 5) & 1) {
        o.csv.time = "t";
        o.csv.time_to_s = 1e-3;
    } else {
        o.csv.rate_hz = 100;
    }
    har_windows w;
    har_ingest_log log;
    har_err e = {0};
    if (har_ingest(&o, &w, &log, &e) == 0) {
        if (w.n < 1 || w.t != 8 || w.c != (o.csv.gyro ? HAR_CHANNELS : HAR_ACC_CHANNELS))
            abort();
        har_windows_free(&w);
    } else if (!e.code || !e.msg[0]) {
        abort();
    }
    har_ingest_log_free(&log);
    return 0;
}
