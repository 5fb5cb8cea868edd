#!/bin/sh
# report_training_clinic.sh DIR CLINIC AUDIT RUN... - writes the markdown of
# artifacts/02_training_clinic.md to standard output and its figures to DIR.
# Every number comes from a file of the runs (pipelines/report_training_clinic.mk):
#   CLINIC/RUN.log.csv      har-train's experiment-log row of the run
#   DIR/RUN-curves.csv      its per-epoch curves (absent if no epoch finished)
#   DIR/RUN-steps.csv       its per-step trace (the instability runs)
#   AUDIT                   har-split's audit (windows and subjects of the splits)
# What the prose says about a run's settings (optimizer, schedule, clipping,
# regularisation, epochs, layers) is read from its log row too.
set -eu
dir=$1 clinic=$2 audit=$3
shift 3
trap 'rm -f "$dir"/*.png.tmp' EXIT

. "$(dirname "$0")/report_lib.sh"
# log RUN FIELD: a field of the run's log row, by its header name.
log() { log_field "$clinic/$1.log.csv" "$1" "$2"; }
# curve RUN COLUMN EPOCH: a value of the run's curves (EPOCH "last" = the last row).
curve() {
    awk -F, -v k="$2" -v e="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) col = i; next }
        e == "last" || $1 == e { v = $col } END { print v }' "$dir/$1-curves.csv"
}
# h RUN KEY: one hyperparameter of the run, as its log row recorded it.
h() { hp "$(log "$1" hyperparameters)" "$2"; }
# common KEY RUN...: the runs' value of KEY ("a, b and c" if they differ).
common() { k_=$1; shift; for r_ in "$@"; do h "$r_" "$k_"; done | joined; }
# width RUN: the units of the first dense layer of the run's model.
width() { log "$1" model | awk -F, '{ for (i = 1; i <= NF; i++) if ($i ~ /^dense:/) { print substr($i, 7); exit } }'; }
# reg RUN: the run's regularisation as prose ("no regularisation" if none).
reg() {
    hp_lines "$(log "$1" hyperparameters)" | awk -v spec="$(log "$1" model)" "$HP"'
        END { n = split(spec, l, ",")
              for (i = 1; i <= n; i++) if (l[i] ~ /^dropout:/ && !(l[i] in seen)) { seen[l[i]]; d = d (d == "" ? "" : "/") substr(l[i], 9) }
              if (d != "") r = "dropout " d
              if (h["weight_decay"] + 0 > 0) r = r (r == "" ? "" : ", ") (h["decay"] == "decoupled" ? "decoupled " : "") "weight decay " h["weight_decay"]
              if (h["jitter"] + 0 > 0) a = "Gaussian input noise"
              if (h["scaling"] + 0 > 0) a = a (a == "" ? "" : "|") "scaling"
              if (h["time_warp"] + 0 > 0) a = a (a == "" ? "" : "|") "time warping"
              if (h["rotate"] + 0 > 0) a = a (a == "" ? "" : "|") "rotation"
              if (a != "") r = r (r == "" ? "" : ", ") and_(a)
              if (h["label_smoothing"] + 0 > 0) r = r (r == "" ? "" : ", ") "label smoothing " h["label_smoothing"]
              print (r == "" ? "no regularisation" : r) }'
}
# schedule RUN: "constant learning rate" or "NAME schedule" (after "a").
schedule() { s_=$(h "$1" schedule); if [ "$s_" = constant ]; then echo 'constant learning rate'; else echo "$s_ schedule"; fi; }
# clipping RUN [SHORT]: the run's gradient clipping as prose (SHORT: for a legend).
clipping() {
    c_=$(h "$1" clip)
    if awk -v c="$c_" 'BEGIN { exit !(c + 0 > 0) }'; then
        if [ -n "${2-}" ]; then echo "clip $c_"; else echo "with clipping at norm $c_"; fi
    elif [ -n "${2-}" ]; then echo "no clipping"
    else echo "without gradient clipping"; fi
}
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
plot '$dir/diverge-steps.csv' using 0:4 with lines lw 2 title 'diverge (lr $(log diverge lr), $(clipping diverge short))', \
     '$dir/diverge-fixed-steps.csv' using 0:4 with lines title 'diverge-fixed (lr $(log diverge-fixed lr), $(clipping diverge-fixed short))'
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
# The deep runs' depth, width and residual block, from their specs.
deep_layers=$(log deep-plain model | tr ',' '\n' | grep -c '^sigmoid$')
deep_units=$(log deep-plain model | awk -F, '{ for (i = 2; i <= NF; i++) if ($i == "sigmoid" && $(i - 1) ~ /^dense:/) print substr($(i - 1), 7) }' | joined)
deep_block=$(log deep-skip model | awk '{ if (match($0, /res\([^)]*\)/)) print substr($0, RSTART, RLENGTH) }')
deep_res=$(log deep-skip model | awk '{ print gsub(/res\(/, "") }')
if [ "$deep_res" = "$deep_layers" ]; then deep_wrap='each wrapped'; else deep_wrap="$deep_res of them wrapped"; fi
cplot vanishing_gradients "set xlabel 'layer with weights (1 = next to the input)'
set ylabel 'gradient L2 norm, epoch 1 mean'
set logscale y
set format y '%.0e'
set xtics 1
set title 'Vanishing gradients: $deep_layers sigmoid layers, plain vs with skip connections'
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
# The overfitting runs against the baseline MLP (the optimizer runs' model).
wider=$(awk -v a="$(width overfit)" -v b="$(width opt-sgd)" 'BEGIN { r = a / b; if (r == int(r)) print r; else printf "%.3g\n", r }')
case $wider in *.*|1|0) wider="$wider times as wide as";; *) wider="$(word "$wider") times wider";; esac
if [ "$(width overfit-fixed)" = "$(width overfit)" ]; then same_width='the same width'; else same_width="width $(width overfit-fixed)"; fi
p_=$(h overfit-fixed patience)
if [ "$p_" -gt 0 ]; then stopping="early stopping (patience $p_)"; else stopping='no early stopping'; fi
# What the overfit run's curves show, stated only as far as they show it.
overfit_verdict=$(awk -F, -v reg="$(reg overfit)" 'NR > 1 { n++; e[n] = $1; tl[n] = $2 + 0; vl[n] = $5 + 0 }
    END { if (!n) { print "The overfit run completed no epoch."; exit }
          t = 1; v = 1; for (i = 2; i <= n; i++) { if (tl[i] < tl[t]) t = i; if (vl[i] < vl[v]) v = i }
          pre = reg == "no regularisation" ? "Without regularisation" : "With " reg
          tr = t == n ? "the training loss keeps falling" : "the training loss is lowest at epoch " e[t]
          if (v < n) printf "%s %s while the validation\nloss turns upward after its minimum at epoch %s%s\n", pre, tr, e[v],
                             t == n ? ": the network memorises the training subjects." : "."
          else printf "%s %s, and the validation\nloss is still at its minimum at the last epoch (%s): no sign of overfitting yet.\n", pre, tr, e[n] }' "$dir/overfit-curves.csv")
# The divergence runs: how many hyperparameters the fix changed, and where
# (if at all) the run blew up.
interventions=$({ hp_lines "$(log diverge hyperparameters)"; echo; hp_lines "$(log diverge-fixed hyperparameters)"; } |
    awk 'NF == 0 { b = 1; next } !b { a[$0]; next } !($0 in a) { n++ } END { print n + 0 }')
if [ "$interventions" = 1 ]; then interventions='one intervention'; else interventions="$(word "$interventions") interventions"; fi
case $(log diverge optimizer) in sgd) diverge_opt='Plain SGD';; *) diverge_opt=$(optname "$(log diverge optimizer)");; esac
if [ "$(log diverge stop_reason)" = diverged ]; then
    blowup=$(awk -F, 'END { if ($1 == 1) print "the run blows up inside\nits first epoch."; else print "the run blows up inside\nepoch " $1 "." }' "$dir/diverge-steps.csv")
    before=' before the blow-up'
else
    blowup="the run does not blow
up (stop reason: $(log diverge stop_reason))."
    before=''
fi
# The seeds of the final recipe.
finals=$(for r in "$@"; do case $r in final-*) echo "$r";; esac; done)
train_windows=$(awk '/-train\./ && !/&/ { print $2; exit }' "$audit")
train_subjects=$(awk '/-train\./ && !/&/ { print $3; exit }' "$audit")
val_subjects=$(awk '/-val\./ && !/&/ { print $3; exit }' "$audit")
monitor=$(for r in "$@"; do monitor_name "$(h "$r" monitor)"; done | joined)
cat <<EOF
# 2. The training clinic

Generated by \`make training-clinic\`.  Every run trains on the $train_subjects training
subjects and is scored on the $val_subjects validation subjects; the test subjects are
not looked at here.  Each run's curves are \`02_training_clinic/RUN-curves.csv\`
and its row of the experiment log \`artifacts/experiments.csv\` (spec, every
hyperparameter, seed, stop reason, seconds, a note).  "Best" is the epoch
with the best $monitor.

## Overfitting, and a fix

An MLP $wider than the baseline ($(log overfit params) parameters), $(optname "$(log overfit optimizer)") at a
$(schedule overfit), $(reg overfit), against $same_width with
$(reg overfit-fixed),
a $(schedule overfit-fixed) and $stopping.

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

$overfit_verdict

## Instability, and a fix

$diverge_opt at learning rate $(log diverge lr) $(clipping diverge), against learning
rate $(log diverge-fixed lr) $(clipping diverge-fixed) ($interventions).  The step traces
(\`--steps\`) show what the per-epoch curves cannot: $blowup

| run | stop reason | what har-train said |
|---|---|---|
| diverge | $(log diverge stop_reason) | $(awk -F, 'NR > 1 { last = $0 } END { split(last, f, ","); printf "loss %s at epoch %s, step %s (learning rate %s)", f[4], f[1], f[2], f[3] }' "$dir/diverge-steps.csv") |
| diverge-fixed | $(log diverge-fixed stop_reason) | best validation accuracy $(pct "$(log diverge-fixed best_val_acc)") |

Largest gradient norm$before: $(awk -F, 'NR > 1 && $5 != "nan" && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-steps.csv") (diverge) against $(awk -F, 'NR > 1 && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-fixed-steps.csv") (diverge-fixed, before clipping).

![instability](02_training_clinic/instability.png)

## Vanishing gradients: plain vs skip connections

$(Word "$deep_layers") sigmoid layers of $deep_units units between the input layer and the classifier,
plain or $deep_wrap in a residual connection (\`$deep_block\`),
$(common epochs deep-plain deep-skip) epochs of $(optname "$(common optimizer deep-plain deep-skip)").

$header
$(row deep-plain)
$(row deep-skip)

First-epoch gradient norm of the layer next to the input: $(awk -F, 'NR == 2 { printf "%.3g", $2 }' "$dir/deep-plain-layer-grad.csv") (plain) against
$(awk -F, 'NR == 2 { printf "%.3g", $2 }' "$dir/deep-skip-layer-grad.csv") (skip); next to the output: $(awk -F, 'END { printf "%.3g", $2 }' "$dir/deep-plain-layer-grad.csv") against $(awk -F, 'END { printf "%.3g", $2 }' "$dir/deep-skip-layer-grad.csv").

![vanishing gradients](02_training_clinic/vanishing_gradients.png)

## Optimizers

The baseline MLP, $(common epochs opt-sgd opt-momentum opt-adam opt-adamw) epochs each, $(common schedule opt-sgd opt-momentum opt-adam opt-adamw) schedule, each optimizer at a usual
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

$(optname "$(common optimizer batch-16 batch-64 batch-256)") at learning rate $(common lr batch-16 batch-64 batch-256), $(common epochs batch-16 batch-64 batch-256) epochs.

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

## Robustness: the final recipe over $(word $(echo $finals | wc -w)) seeds

The zoo's GRU recipe (\`pipelines/models.mk\`) trained on the $train_subjects training
subjects with seeds $(for r in $finals; do log $r seed; done | joined), scored at its last epoch ($(for r in $finals; do log $r epochs_run; done | joined)).

| seed | validation accuracy, last epoch | validation macro-F1, last epoch |
|---|---:|---:|
EOF
for r in $finals; do
    printf '| %s | %s | %s |\n' "$(log $r seed)" "$(pct "$(curve $r val_acc last)")" "$(pct "$(curve $r val_f1 last)")"
done
for r in $finals; do curve $r val_acc last; done | awk '{ x[NR] = $1; s += $1 } END {
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
