/* loss.c - softmax cross-entropy, with PyTorch's semantics for class weights
 * and label smoothing:
 *
 *   loss_i = (1-eps) w[y_i] (-log p_i[y_i]) + (eps/K) sum_c w[c] (-log p_i[c])
 *   loss   = sum_i loss_i / sum_i w[y_i]           (w = 1 without weights)
 *
 * log p is computed as z - max - log(sum exp(z - max)), so large logits
 * neither overflow nor lose the small probabilities. */
#include <math.h>

#include "model.h"

double har_softmax_xent(const real *logits, const int32_t *y, int B, int K,
                        const real *class_weight, double smoothing, real *dlogits, real *probs)
{
    double total = 0, wsum = 0;
    for (int i = 0; i < B; i++)
        wsum += class_weight ? (double)class_weight[y[i]] : 1.0;
    if (!(wsum > 0))
        wsum = 1; /* all-zero weights: loss 0, gradient 0 */
    for (int i = 0; i < B; i++) {
        const real *z = logits + (size_t)i * K;
        double mx = z[0];
        for (int c = 1; c < K; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0;
        for (int c = 0; c < K; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        double wy = class_weight ? (double)class_weight[y[i]] : 1.0;
        double smooth_w = 0; /* sum_c w[c] */
        double li = (1 - smoothing) * wy * (lse - z[y[i]]);
        for (int c = 0; c < K; c++) {
            double wc = class_weight ? (double)class_weight[c] : 1.0;
            smooth_w += wc;
            li += smoothing / K * wc * (lse - z[c]);
        }
        total += li;
        for (int c = 0; c < K; c++) {
            double p = exp((double)z[c] - lse);
            if (probs)
                probs[(size_t)i * K + c] = (real)p;
            if (dlogits) {
                double wc = class_weight ? (double)class_weight[c] : 1.0;
                /* d/dz_c of loss_i: p_c * (total weight of the targets) - target mass */
                double g = ((1 - smoothing) * wy + smoothing / K * smooth_w) * p -
                           (c == y[i] ? (1 - smoothing) * wy : 0) - smoothing / K * wc;
                dlogits[(size_t)i * K + c] = (real)(g / wsum);
            }
        }
    }
    return total / wsum;
}
