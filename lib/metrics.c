/* metrics.c - accuracy and F1 scores from a confusion matrix. */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

har_confusion *har_confusion_new(int k)
{
    har_confusion *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->k = k;
    c->counts = calloc((size_t)k * (size_t)k, sizeof *c->counts);
    if (!c->counts) {
        free(c);
        return NULL;
    }
    return c;
}

void har_confusion_free(har_confusion *c)
{
    if (c)
        free(c->counts);
    free(c);
}

void har_confusion_reset(har_confusion *c)
{
    memset(c->counts, 0, (size_t)c->k * (size_t)c->k * sizeof *c->counts);
    c->n = 0;
}

void har_confusion_add(har_confusion *c, int truth, int predicted)
{
    c->counts[(size_t)truth * (size_t)c->k + (size_t)predicted]++;
    c->n++;
}

har_scores har_confusion_scores(const har_confusion *c, double *precision, double *recall,
                                double *f1)
{
    har_scores s = {0, 0, 0};
    int k = c->k, present = 0;
    int64_t correct = 0;
    for (int i = 0; i < k; i++) {
        int64_t tp = c->counts[(size_t)i * k + i], support = 0, predicted = 0;
        for (int j = 0; j < k; j++) {
            support += c->counts[(size_t)i * k + j];
            predicted += c->counts[(size_t)j * k + i];
        }
        correct += tp;
        double p = predicted ? (double)tp / predicted : 0;
        double r = support ? (double)tp / support : 0;
        double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
        if (precision)
            precision[i] = p;
        if (recall)
            recall[i] = r;
        if (f1)
            f1[i] = f;
        if (support) {
            present++;
            s.macro_f1 += f;
            s.weighted_f1 += f * (double)support;
        }
    }
    if (c->n) {
        s.accuracy = (double)correct / c->n;
        s.weighted_f1 /= (double)c->n;
    }
    if (present)
        s.macro_f1 /= present;
    return s;
}

int har_argmax(const float *v, int k)
{
    int best = 0;
    for (int i = 1; i < k; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}
