/* har-infer's input lines: har_read_line (bounded line reader) and
 * har_parse_numbers, as the tool's --input-format text and --stream loops
 * use them.  The first input byte picks the mode: text windows of 1..64 numbers
 * per line (line buffer as in har-infer: 32 bytes a number + 1024) or a
 * stream of 6-number samples (1024-byte buffer), whose good samples go
 * through the causal filter chain as in har_stream. */
#include "fuzz.h"

#include "ingest/dsp.h"
#include "io/textparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) /* a mode byte and no lines: nothing to read */
        return 0;
    int stream = data[0] & 1, want = stream ? HAR_RAW_CHANNELS : 1 + (data[0] >> 1) % 64;
    size_t cap = stream ? 1024 : (size_t)want * 32 + 1024;
    FILE *fp = fmemopen((void *)(data + 1), size - 1, "r");
    char *buf = malloc(cap), why[160];
    double *v = malloc((size_t)want * sizeof *v);
    unsigned char *st = malloc((size_t)want);
    if (!fp || !buf || !v || !st)
        abort();
    har_preproc pp;
    har_err e = {0};
    if (har_preproc_init(&pp, &har_preproc_defaults, &e))
        abort();
    size_t n;
    int r;
    for (long line = 1; (r = har_read_line(fp, buf, cap, &n)) != 0; line++) {
        if (r < 0)
            continue;
        if (n >= cap || buf[n] != '\0')
            abort();
        if (har_line_blank(buf, n))
            continue;
        why[0] = '\0';
        if (har_parse_numbers(buf, n, v, st, want, why, sizeof why)) {
            if (!why[0])
                abort();
            continue;
        }
        if (stream) {
            double out[HAR_CHANNELS];
            har_preproc_push(&pp, v, out);
        }
    }
    fclose(fp);
    free(buf);
    free(v);
    free(st);
    return 0;
}
