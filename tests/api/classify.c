/* classify.c - a program written against har.h alone, as a user of the
 * library writes one: built by tests/system/test_api.c with only har.h on
 * its include path and a plain -lhar, as C and as C++.
 *
 *   classify MODEL < WINDOWS
 *
 * WINDOWS holds raw windows, T x C numbers each (har-infer's text input);
 * standard output gets one CSV row per window in har-infer's format
 * (line,label,class,p_...), standard error the model's spec. */
#include <stdio.h>
#include <stdlib.h>

#include "har.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: classify MODEL < WINDOWS\n");
        return 2;
    }
    char why[512];
    har_predictor *m = har_predictor_load(argv[1], why, sizeof why);
    if (!m) {
        fprintf(stderr, "classify: %s\n", why);
        return 1;
    }
    const char *spec = har_predictor_metadata(m, "spec");
    fprintf(stderr, "spec %s, first channel %s\n", spec ? spec : "?", har_predictor_channel_name(m, 0));
    int T = har_predictor_window(m), C = har_predictor_channels(m), K = har_predictor_classes(m);
    float *x = (float *)malloc((size_t)T * (size_t)C * sizeof *x), *p = (float *)malloc((size_t)K * sizeof *p);
    if (!x || !p)
        return 1;
    printf("line,label,class");
    for (int k = 0; k < K; k++)
        printf(",p_%s", har_predictor_class_name(m, k));
    printf("\n");
    int status = 0;
    for (long line = 1;; line++) {
        int i = 0;
        double v;
        while (i < T * C && scanf("%lf", &v) == 1)
            x[i++] = (float)v;
        if (i == 0)
            break;
        int label;
        if (i < T * C || predict_activity(m, x, T, C, &label, p) != 0) {
            fprintf(stderr, "classify: window %ld: %s\n", line, i < T * C ? "too short" : har_predictor_error(m));
            status = 1;
            break;
        }
        printf("%ld,%s,%d", line, har_predictor_class_name(m, label), label);
        for (int k = 0; k < K; k++)
            printf(",%.6g", (double)p[k]);
        printf("\n");
    }
    free(x);
    free(p);
    har_predictor_free(m);
    return status;
}
