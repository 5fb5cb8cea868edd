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

void har_confusion_add_matrix(har_confusion *dst, const har_confusion *src, int64_t times)
{
    size_t cells = (size_t)dst->k * (size_t)dst->k;
    for (size_t i = 0; i < cells; i++)
        dst->counts[i] += times * src->counts[i];
    dst->n += times * src->n;
}

har_confusion **har_confusion_by_group(const int32_t *truth, const int32_t *pred, const int32_t *group,
                                       int64_t n, int k, har_idlist *groups, har_err *e)
{
    memset(groups, 0, sizeof *groups);
    for (int64_t i = 0; i < n; i++)
        if (har_idlist_add(groups, group[i], e)) {
            har_idlist_free(groups);
            return NULL;
        }
    har_confusion **c = calloc(groups->n ? groups->n : 1, sizeof *c);
    int ok = c != NULL;
    for (size_t g = 0; ok && g < groups->n; g++)
        ok = (c[g] = har_confusion_new(k)) != NULL;
    if (!ok) {
        har_confusion_free_groups(c, groups->n);
        har_idlist_free(groups);
        har_fail(e, HAR_EIO, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        har_confusion_add(c[har_idlist_index(groups, group[i])], truth[i], pred[i]);
    return c;
}

void har_confusion_free_groups(har_confusion **c, size_t n)
{
    for (size_t g = 0; c && g < n; g++)
        har_confusion_free(c[g]);
    free(c);
}

int64_t har_confusion_support(const har_confusion *c, int truth)
{
    int64_t support = 0;
    for (int j = 0; j < c->k; j++)
        support += c->counts[(size_t)truth * (size_t)c->k + (size_t)j];
    return support;
}

int har_confusion_top_pairs(const har_confusion *c, har_confused_pair *out, int max)
{
    int n = 0, k = c->k;
    if (max <= 0)
        return 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            int64_t count = c->counts[(size_t)i * k + j];
            if (i == j || count == 0 || (n == max && count <= out[n - 1].count))
                continue;
            /* Insertion into the sorted list; strictly smaller entries move
             * down, so an equal count stays behind the earlier cell. */
            int at = n < max ? n++ : max - 1;
            while (at > 0 && out[at - 1].count < count) {
                out[at] = out[at - 1];
                at--;
            }
            out[at] = (har_confused_pair){i, j, count};
        }
    return n;
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
