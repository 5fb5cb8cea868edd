#!/bin/sh
# report_training_clinic.sh DIR CLINIC AUDIT RUN... - writes the markdown of
# artifacts/02_training_clinic.md to standard output and its figures to DIR.
# Every number comes from a file of the runs (pipelines/report_training_clinic.mk):
#   CLINIC/RUN.log.csv      har-train's experiment-log row of the run
#   DIR/RUN-curves.csv      its per-epoch curves (absent if no epoch finished)
#   DIR/RUN-steps.csv       its per-step trace (the instability runs)
#   AUDIT                   har-split's audit (windows of the training split)
set -eu
dir=$1 clinic=$2 audit=$3
shift 3
trap 'rm -f "$dir"/*.png.tmp' EXIT

# A CSV field splitter for mawk (quoted fields with commas and "" escapes).
CSV='function csv(line, f,   n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) { if (c == "\"") { if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ } else q = 0 } else cur = cur c }
        else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}'
# log RUN FIELD: a field of the run's log row, by its header name.
log() {
    awk "$CSV"' NR == 1 { n = csv($0, h); for (i = 1; i <= n; i++) if (h[i] == k) col = i; next }
        NR == 2 { csv($0, f); print f[col] }' k="$2" "$clinic/$1.log.csv"
}
# curve RUN COLUMN EPOCH: a value of the run's curves (EPOCH "last" = the last row).
curve() {
    awk -F, -v k="$2" -v e="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) col = i; next }
        e == "last" || $1 == e { v = $col } END { print v }' "$dir/$1-curves.csv"
}
. "$(dirname "$0")/report_lib.sh"
# per_epoch RUN: mean seconds per epoch (the curves' last column).
per_epoch() { awk -F, 'NR > 1 && $NF != "" { s += $NF; n++ } END { if (n) printf "%.2f", s / n; else print "-" }' "$dir/$1-curves.csv"; }
# cplot NAME SCRIPT: plot on CSV files with a header line.
cplot() { plot "$1" "set datafile separator ','
set key autotitle columnhead
$2"; }
# row RUN: the summary columns every table shares.
row() {
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(log "$1" epochs_run)" "$(log "$1" best_epoch)" \
        "$(pct "$(log "$1" best_val_acc)")" "$(pct "$(log "$1" best_val_f1)")" "$(num "$(log "$1" best_val_loss)")" \
        "$(log "$1" stop_reason)"
}
header='| run | epochs run | best epoch | best val accuracy | best val macro-F1 | val loss there | stop |
|---|---:|---:|---:|---:|---:|---|'

cplot overfitting "set multiplot layout 1,2
set xlabel 'epoch'
set ylabel 'cross-entropy'
set yrange [0:1.5]
set title 'overfit: no regularisation'
plot '$dir/overfit-curves.csv' using 1:2 with lines lw 2 title 'train', '' using 1:5 with lines lw 2 title 'validation'
set title 'overfit-fixed: regularised, early stopping'
plot '$dir/overfit-fixed-curves.csv' using 1:2 with lines lw 2 title 'train', '' using 1:5 with lines lw 2 title 'validation'
unset multiplot"

cplot instability "set multiplot layout 1,2
set xlabel 'step'
set logscale y
set format y '%.0e'
set title 'loss per step'
plot '$dir/diverge-steps.csv' using 0:4 with lines lw 2 title 'diverge (lr 0.6, no clipping)', \
     '$dir/diverge-fixed-steps.csv' using 0:4 with lines title 'diverge-fixed (lr 0.06, clip 1)'
set title 'gradient norm per step (before clipping)'
plot '$dir/diverge-steps.csv' using 0:5 with lines lw 2 title 'diverge', \
     '$dir/diverge-fixed-steps.csv' using 0:5 with lines title 'diverge-fixed'
unset multiplot"

# Per-layer gradient norms of the deep runs in their first epoch, input side first.
for r in deep-plain deep-skip; do
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^grad_l2_/) c[++n] = i; next }
        NR == 2 { for (j = 1; j <= n; j++) print j "," $c[j] }' "$dir/$r-curves.csv" > "$dir/$r-layer-grad.csv.tmp"
    { echo "layer,grad_l2"; cat "$dir/$r-layer-grad.csv.tmp"; } > "$dir/$r-layer-grad.csv"
    rm -f "$dir/$r-layer-grad.csv.tmp"
done
cplot vanishing_gradients "set xlabel 'layer with weights (1 = next to the input)'
set ylabel 'gradient L2 norm, epoch 1 mean'
set logscale y
set format y '%.0e'
set xtics 1
set title 'Vanishing gradients: 10 sigmoid layers, plain vs with skip connections'
plot '$dir/deep-plain-layer-grad.csv' using 1:2 with linespoints lw 2 title 'plain', \
     '$dir/deep-skip-layer-grad.csv' using 1:2 with linespoints lw 2 title 'skip connections'"

cplot optimizers "set xlabel 'epoch'
set ylabel 'validation accuracy'
set title 'Optimizers on the MLP (validation accuracy per epoch)'
set key bottom right
plot for [r in 'opt-sgd opt-momentum opt-adam opt-adamw'] '$dir/'.r.'-curves.csv' using 1:6 with linespoints title r"

cplot batch_sizes "set xlabel 'epoch'
set ylabel 'validation accuracy'
set title 'Batch sizes with AdamW (validation accuracy per epoch)'
set key bottom right
plot for [r in 'batch-16 batch-64 batch-256'] '$dir/'.r.'-curves.csv' using 1:6 with linespoints title r"

# Every run's curves, one small panel each (loss left axis, validation
# accuracy right axis); a run that stopped before its first epoch has none.
panels=""
for r in "$@"; do
    if [ -s "$dir/$r-curves.csv" ]; then
        panels="$panels
set title '$r'
plot '$dir/$r-curves.csv' using 1:2 with lines lw 2 lc rgb '#7b3294' title 'train loss', '' using 1:5 with lines lw 2 lc rgb '#008837' title 'val loss', '' using 1:6 axes x1y2 with lines dt 2 lc rgb '#000000' title 'val acc'"
    else
        panels="$panels
set title '$r: no epoch completed'
unset key
plot [0:1] [0:1] 0 notitle
set key"
    fi
done
plot all_runs "set datafile separator ','
set key autotitle columnhead top right font ',7'
set y2range [0:1]
set y2tics 0.2
set ytics nomirror
set yrange [0:*]
set multiplot layout $((($# + 3) / 4)),4
$panels
unset multiplot" 1200,1100 8

# ---- the report ----
train_windows=$(awk '/-train\./ && !/&/ { print $2; exit }' "$audit")
cat <<EOF
# 2. The training clinic

Generated by \`make training-clinic\`.  Every run trains on the 17 training
subjects and is scored on the 4 validation subjects; the test subjects are
not looked at here.  Each run's curves are \`02_training_clinic/RUN-curves.csv\`
and its row of the experiment log \`artifacts/experiments.csv\` (spec, every
hyperparameter, seed, stop reason, seconds, a note).  "Best" is the epoch
with the best validation macro-F1.

## Overfitting, and a fix

An MLP four times wider than the baseline ($(log overfit params) parameters), Adam at a
constant learning rate, no regularisation, against the same width with
dropout 0.5, decoupled weight decay 0.05, Gaussian input noise and scaling,
a cosine schedule and early stopping (patience 5).

$header
$(row overfit)
$(row overfit-fixed)

| run | train loss, last epoch | validation loss, last epoch | gap |
|---|---:|---:|---:|
EOF
for r in overfit overfit-fixed; do
    tl=$(curve "$r" train_loss last) vl=$(curve "$r" val_loss last)
    printf '| %s | %s | %s | %s |\n' "$r" "$(num "$tl")" "$(num "$vl")" "$(awk -v a="$vl" -v b="$tl" 'BEGIN { printf "%.3f", a - b }')"
done
cat <<EOF

![overfitting](02_training_clinic/overfitting.png)

Without regularisation the training loss keeps falling while the validation
loss turns upward after its minimum at epoch $(awk -F, 'NR > 1 && (m == "" || $5 < m) { m = $5; e = $1 } END { print e }' "$dir/overfit-curves.csv"): the network memorises the training subjects.

## Instability, and a fix

Plain SGD at learning rate 0.6 without gradient clipping, against learning
rate 0.06 with clipping at norm 1 (two interventions).  The step traces
(\`--steps\`) show what the per-epoch curves cannot: the run blows up inside
its first epoch.

| run | stop reason | what har-train said |
|---|---|---|
| diverge | $(log diverge stop_reason) | $(awk -F, 'NR > 1 { last = $0 } END { split(last, f, ","); printf "loss %s at epoch %s, step %s (learning rate %s)", f[4], f[1], f[2], f[3] }' "$dir/diverge-steps.csv") |
| diverge-fixed | $(log diverge-fixed stop_reason) | best validation accuracy $(pct "$(log diverge-fixed best_val_acc)") |

Largest gradient norm before the blow-up: $(awk -F, 'NR > 1 && $5 != "nan" && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-steps.csv") (diverge) against $(awk -F, 'NR > 1 && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-fixed-steps.csv") (diverge-fixed, before clipping).

![instability](02_training_clinic/instability.png)

## Vanishing gradients: plain vs skip connections

Ten sigmoid layers of 64 units between the input layer and the classifier,
plain or each wrapped in a residual connection (\`res(dense:64,sigmoid)\`),
5 epochs of SGD.

$header
$(row deep-plain)
$(row deep-skip)

First-epoch gradient norm of the layer next to the input: $(awk -F, 'NR == 2 { printf "%.3g", $2 }' "$dir/deep-plain-layer-grad.csv") (plain) against
$(awk -F, 'NR == 2 { printf "%.3g", $2 }' "$dir/deep-skip-layer-grad.csv") (skip); next to the output: $(awk -F, 'END { printf "%.3g", $2 }' "$dir/deep-plain-layer-grad.csv") against $(awk -F, 'END { printf "%.3g", $2 }' "$dir/deep-skip-layer-grad.csv").

![vanishing gradients](02_training_clinic/vanishing_gradients.png)

## Optimizers

The baseline MLP, 15 epochs each, cosine schedule, each optimizer at a usual
learning rate ($(for r in opt-sgd opt-momentum opt-adam opt-adamw; do printf '%s %s; ' "$(log $r optimizer)" "$(log $r lr)"; done | sed 's/; $//')).

| run | best val accuracy | best val macro-F1 | seconds per epoch |
|---|---:|---:|---:|
EOF
for r in opt-sgd opt-momentum opt-adam opt-adamw; do
    printf '| %s | %s | %s | %s |\n' "$r" "$(pct "$(log $r best_val_acc)")" "$(pct "$(log $r best_val_f1)")" "$(per_epoch $r)"
done
cat <<EOF

![optimizers](02_training_clinic/optimizers.png)

## Batch sizes

AdamW at learning rate 1e-3, 15 epochs.

| run | steps per epoch | best val accuracy | best val macro-F1 | seconds per epoch |
|---|---:|---:|---:|---:|
EOF
for r in batch-16 batch-64 batch-256; do
    b=$(log $r batch_size)
    printf '| %s | %s | %s | %s | %s |\n' "$r" "$(awk -v b="$b" -v n="$train_windows" 'BEGIN { printf "%d", (n + b - 1) / b }')" \
        "$(pct "$(log $r best_val_acc)")" "$(pct "$(log $r best_val_f1)")" "$(per_epoch $r)"
done
cat <<EOF

![batch sizes](02_training_clinic/batch_sizes.png)

## Robustness: the final recipe over three seeds

The zoo's GRU recipe (\`pipelines/models.mk\`) trained on the 17 training
subjects with seeds 1, 2 and 3, scored at its last epoch (40).

| seed | validation accuracy, last epoch | validation macro-F1, last epoch |
|---|---:|---:|
EOF
for s in 1 2 3; do
    printf '| %s | %s | %s |\n' "$s" "$(pct "$(curve final-seed$s val_acc last)")" "$(pct "$(curve final-seed$s val_f1 last)")"
done
for s in 1 2 3; do curve final-seed$s val_acc last; done | awk '{ x[NR] = $1; s += $1 } END {
    m = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - m) ^ 2; sd = sqrt(v / (NR - 1))
    printf "\nMean %.1f %%, standard deviation %.1f points (sample, n = %d).\n", 100 * m, 100 * sd, NR }'
cat <<EOF

## Curves of every run

Training and validation loss (left axis) and validation accuracy (right axis,
dashed) per epoch.

![all runs](02_training_clinic/all_runs.png)

## Experiment log

One row per run in \`artifacts/experiments.csv\`; here the short view.

| run | model | optimizer | lr | batch | epochs run | best val accuracy | stop | seconds | note |
|---|---|---|---:|---:|---:|---:|---|---:|---|
EOF
for r in "$@"; do
    printf '| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(log $r model)" "$(log $r optimizer)" \
        "$(log $r lr)" "$(log $r batch_size)" "$(log $r epochs_run)" "$(pct "$(log $r best_val_acc)")" \
        "$(log $r stop_reason)" "$(log $r seconds)" "$(log $r note)"
done
