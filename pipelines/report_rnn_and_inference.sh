#!/bin/sh
# report_rnn_and_inference.sh DIR FINAL_MODEL LABELS EXP - writes the markdown
# of artifacts/03_rnn_and_inference.md to standard output and its figures to
# DIR.  Every number comes from a file of the pipeline
# (pipelines/report_rnn_and_inference.mk):
#   DIR/choice.txt          candidates by cross-validated accuracy, best first
#   DIR/test-NAME.csv       har-eval --csv of each candidate on the test subjects
#   DIR/final.csv, DIR/final-{channels,time}.dat   the final model's evaluation
#                           and saliency
#   DIR/stream.csv          har-infer --stream on recording EXP
#   DIR/latency.json        har-latency --json
#   LABELS                  HAPT's labels.txt.gz (the demo's true activities)
#   FINAL_MODEL's metadata  window, stride, sample rate, and the har-train run
#                           that wrote it: its training file (whose subjects
#                           are counted) and the candidates' checkpoints next
#                           to its output (their recorded hyperparameters)
#   DIR/../models/recipes-cv.md   the cross-validation (its number of folds)
set -eu
dir=$1 final=$2 labels=$3 exp=$4
trap 'rm -f "$dir"/*.png.tmp' EXIT
. "$(dirname "$0")/report_lib.sh"
f=$dir/final.csv
# json KEY: a number of latency.json (the first "KEY": value).
json() { jv "$dir/latency.json" "$1"; }

chosen=$(awk 'NR == 1 { print $1 }' "$dir/choice.txt")
chosen_recipe=$(awk 'NR == 1 { print $2 }' "$dir/choice.txt")
spec=$(json spec)
classes=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$f")
sha=$(sha256sum "$final" | cut -d' ' -f1)
nclass=$(echo $classes | wc -w)
window=$(meta "$final" window)
stride=$(meta "$final" stride)
rate=$(meta "$final" sample_rate_hz)
fit_out=$(trained_from "$final" | sed -n 2p)
fit_subjects=$(fit_subjects "$final")
activity_ids=$(meta "$final" activity_ids)
# ckpt NAME: a candidate's checkpoint, next to the one the final model is a copy of.
ckpt() { echo "$(dirname "$fit_out")/$1${fit_out#"$(dirname "$fit_out")/$chosen"}"; }
folds=$(cv_folds "$(dirname "$dir")/models/recipes-cv.md" "$chosen_recipe")
# How the candidates were fitted, from their recorded hyperparameters: what
# all share, then ("; ") what only some have, naming them.
fit_recipe=$(for m in $(awk '{ print $1 }' "$dir/choice.txt"); do
        hp_lines "$(meta "$(ckpt "$m")" hyperparameters)" | sed "s/^/$m	/"
    done | awk -F'\t' "$AND$OPT"' { if (!($1 in seen)) { seen[$1]; m[++n] = $1 }
        k = $2; sub(/:.*/, "", k); gsub(/"/, "", k); v = substr($2, index($2, ":") + 1); gsub(/^"|"$/, "", v); h[$1, k] = v }
    END { for (i = 1; i <= n; i++) { c = m[i]
              f[1, i] = optname(h[c, "optimizer"])
              f[2, i] = h[c, "weight_decay"] + 0 > 0 ? (h[c, "decay"] == "decoupled" ? "decoupled " : "") "weight decay" : ""
              f[3, i] = h[c, "clip"] + 0 > 0 ? "gradient clipping at " h[c, "clip"] : ""
              f[4, i] = h[c, "schedule"] == "constant" ? "a constant learning rate" : "a " h[c, "schedule"] " schedule"
              a = h[c, "jitter"] + 0 > 0 ? "jitter" : ""
              if (h[c, "scaling"] + 0 > 0) a = a (a == "" ? "" : "|") "scaling"
              if (h[c, "time_warp"] + 0 > 0) a = a (a == "" ? "" : "|") "time warping"
              if (h[c, "rotate"] + 0 > 0) a = a (a == "" ? "" : "|") "rotation"
              f[5, i] = a == "" ? "" : and_(a) " augmentation"
              f[6, i] = h[c, "model"] ~ /(^|,)dropout:/ ? "dropout" : "" }
          for (j = 1; j <= 6; j++) for (i = 1; i <= n; i++) {
              p = f[j, i]; if (p == "" || (j, p) in done) continue; done[j, p]; w = ""; k = 0
              for (l = i; l <= n; l++) if (f[j, l] == p) { w = w (k++ ? "|" : "") "the " toupper(m[l]) }
              if (k == n) all = all (all == "" ? "" : ", ") p; else some = some (some == "" ? "" : ", ") p " in " and_(w) }
          print all (some == "" ? "" : "; " some) }')

# ---- figures ----
confusion_plot confusion "$f" "$chosen on the test subjects: confusion matrix, row-normalised (rows: true class)"

awk -F, '$1 == "subject" && $3 == "accuracy" { print $2, $4 }' "$f" > "$dir/subjects.dat"
plot subjects "set style fill solid 0.8 border -1
set boxwidth 0.7
set yrange [0.5:1.05]
set ylabel 'accuracy'
set xlabel 'test subject'
set title '$chosen: accuracy per test subject (mean $(pct "$(v "$f" subjects mean accuracy)"))'
plot '$dir/subjects.dat' using 0:2:xtic(1) with boxes notitle, '' using 0:(\$2 + 0.02):(sprintf('%.3f', \$2)) with labels notitle"

plot saliency_channels "set title 'Saliency |d logit(true class) / d input|, mean over windows and time'
set xtics rotate by -30
set ylabel 'class'
set palette defined (0 'white', 1 '#b2182b')
set yrange [$nclass - 0.5:-0.5]
set lmargin 24
plot '$dir/final-channels.dat' using 2:1:3:xtic(6):ytic(5) with image notitle"

plot saliency_time "set title 'Saliency over the window: |d logit(true class) / d input|, mean over windows and channels'
set xlabel 'timestep ($rate Hz)'
set ylabel 'mean |gradient|'
set key autotitle columnhead top right
plot for [k=2:$((nclass + 1))] '$dir/final-time.dat' using 1:k with lines lw 2"

# The demo's true activity at each window's centre (HAPT labels: experiment,
# user, activity 1-12, first and last sample, from 1): class i is the model's
# i-th activity id (its metadata); other activities (transitions) and
# unlabelled samples have no class (-1).
zcat "$labels" | awk -v e="$exp" '$1 + 0 == e + 0 { print $3 "," $4 "," $5 }' > "$dir/stream-labels.csv"
awk -F, -v win="$window" -v ids="$activity_ids" 'BEGIN { k = split(ids, id, ","); for (i = 1; i <= k; i++) cls[id[i]] = i - 1 }
    FNR == NR { a[++n] = $1; s[n] = $2; t[n] = $3; next }
    FNR == 1 { next }
    { c = $1 + win / 2 + 1; truth = -1
      for (i = 1; i <= n; i++) if (c >= s[i] && c <= t[i] && (a[i] in cls)) truth = cls[a[i]]
      print $2, $4, truth }' "$dir/stream-labels.csv" "$dir/stream.csv" > "$dir/stream-vs-truth.dat"
rows=$(wc -l < "$dir/stream-vs-truth.dat")
scored=$(awk '$3 >= 0' "$dir/stream-vs-truth.dat" | wc -l)
agree=$(awk '$3 >= 0 && $2 == $3' "$dir/stream-vs-truth.dat" | wc -l)
ticks=$(class_ticks $classes)
plot stream "set title 'Recording $exp streamed through har-infer --stream: predicted vs true activity'
set xlabel 'time (s)'
set ytics ($ticks)
set yrange [-0.5:$nclass - 0.5]
set lmargin 24
plot '$dir/stream-vs-truth.dat' using 1:(\$3 >= 0 ? \$3 : 1/0) with points pt 5 ps 1.2 lc rgb '#a6d96a' title 'true', \
     '' using 1:2 with points pt 7 ps 0.6 lc rgb '#d7191c' title 'predicted'"

# ---- the report ----
if [ "$(json batch)" = 1 ]; then batching='one window at a time (batch 1)'; else batching="batches of $(json batch) windows"; fi
cat <<EOF
# 3. Recurrent models, the final evaluation and inference

Generated by \`make rnn-and-inference\`; every number below is read from a
file the pipeline wrote (the CSV, JSON and data files in
\`03_rnn_and_inference/\`, \`artifacts/models/recipes-cv.md\`).

## The candidates and the choice (validation only)

$(fmt -w 76 <<PARA
The zoo's recurrent models (\`pipelines/models.mk\`): each recipe was scored
by $folds-fold cross-validation over the $fit_subjects training subjects, at the last epoch
of each fold, and the final model is the one with the best mean; the test
subjects played no part.  Each model was then fitted on all $fit_subjects training
subjects ($fit_recipe).
PARA
)

| model | recipe | cross-validated accuracy (mean of $folds folds, last epoch) |
|---|---|---:|
$(awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$dir/choice.txt")

Chosen: **$chosen** (\`$spec\`, recipe $chosen_recipe), committed as
\`artifacts/final_model.safetensors.gz\`, SHA-256 \`$sha\`.

## Final evaluation on the $(v "$f" summary all subjects) test subjects

| metric | value | $(level "$f") % CI over windows | $(level "$f") % CI over subjects |
|---|---:|---|---|
$(ci_row "$f" accuracy accuracy)
$(ci_row "$f" macro-F1 macro_f1)
| weighted F1 | $(pct "$(v "$f" summary all weighted_f1)") | | |
| log loss | $(num "$(v "$f" summary all log_loss)") | | |

$(v "$f" summary all windows) windows; percentile bootstrap with $(v "$f" bootstrap settings resamples) resamples.  The interval over
subjects resamples whole people and is the one that speaks for a new user.

| class | precision | recall | F1 | windows |
|---|---:|---:|---:|---:|
EOF
for k in $classes; do
    printf '| %s | %s | %s | %s | %s |\n' "$k" "$(pct "$(v "$f" class "$k" precision)")" \
        "$(pct "$(v "$f" class "$k" recall)")" "$(pct "$(v "$f" class "$k" f1)")" "$(v "$f" class "$k" support)"
done
pair1=$(awk -F, '$1 == "most_confused" && $3 == "windows" { print $2; exit }' "$f")
pair2=$(awk -F, '$1 == "most_confused" && $3 == "windows" { n++; if (n == 2) { print $2; exit } }' "$f")
worst=$(v "$f" subjects worst_accuracy subject)
best=$(awk -F, '$1 == "subject" && $3 == "accuracy" && $4 > m { m = $4; s = $2 } END { print s }' "$f")
# Do the walking activities transfer better than the postures (mean F1)?
motion=$(awk -F, '$1 == "class" && $3 == "f1" { if ($2 ~ /^WALKING/) { d += $4; nd++ } else { s += $4; ns++ } }
    END { if (nd && ns && d / nd > s / ns) print "which transfers better."
          else printf "though here they fare no\nbetter (mean F1 %.1f %% against %.1f %% for the postures).\n", nd ? 100 * d / nd : 0, ns ? 100 * s / ns : 0 }' "$f")
# The demo recording's subject, and whether it is a test subject.
demo_user=$(zcat "$labels" | awk -v e="$exp" '$1 + 0 == e + 0 { print $2 + 0; exit }')
if awk -F, -v u="$demo_user" '$1 == "subject" && $3 == "accuracy" && $2 + 0 == u + 0 { found = 1 } END { exit !found }' "$f"; then
    demo_whose="a test subject's"
else
    demo_whose="subject $demo_user's, not a test subject"
fi
cat <<EOF

![confusion matrix](03_rnn_and_inference/confusion.png)

![accuracy per subject](03_rnn_and_inference/subjects.png)

**Error analysis.** The most frequent error is ${pair1%%->*} read as
${pair1#*->}: $(v "$f" most_confused "$pair1" windows) windows, $(pct "$(v "$f" most_confused "$pair1" share)") of all ${pair1%%->*} windows; the
next is ${pair2%%->*} read as ${pair2#*->} ($(v "$f" most_confused "$pair2" windows) windows, $(pct "$(v "$f" most_confused "$pair2" share)")).
Accuracy varies by person: from $(pct "$(v "$f" subject "$worst" accuracy)") for subject $worst to
$(pct "$(v "$f" subject "$best" accuracy)") for subject $best (mean over subjects $(pct "$(v "$f" subjects mean accuracy)"),
standard deviation $(awk -v x="$(v "$f" subjects std accuracy)" 'BEGIN { printf "%.1f", 100 * x }') points).  The static postures are told apart
mostly by how gravity falls on the phone, which depends on how each person
wears it; the dynamic activities by their rhythm, $motion

## Saliency

Mean |gradient| of the true class's logit with respect to the input, per
class and channel (top) and over the $(awk 'END { print NR - 1 }' "$dir/final-time.dat") timesteps (bottom).

![saliency per class and channel](03_rnn_and_inference/saliency_channels.png)

![saliency over time](03_rnn_and_inference/saliency_time.png)

## All candidates on the test subjects

Reported after the choice, for comparison only.

| model | test accuracy | test macro-F1 | $(level "$f") % CI over subjects (accuracy) |
|---|---:|---:|---|
EOF
for m in $(awk '{ print $1 }' "$dir/choice.txt"); do
    t=$dir/test-$m.csv
    printf '| %s | %s | %s | [%s, %s] |\n' "$m" "$(pct "$(v "$t" summary all accuracy)")" "$(pct "$(v "$t" summary all macro_f1)")" \
        "$(pct "$(v "$t" bootstrap subjects accuracy_lo)")" "$(pct "$(v "$t" bootstrap subjects accuracy_hi)")"
done
cat <<EOF

## Inference demo

Recording $exp ($demo_whose) streamed sample by sample through
\`har-infer --stream\`, which runs har-ingest's own filters and windows
($window samples, a prediction every $stride):

\`\`\`sh
paste -d' ' <(zcat data/hapt/RawData/acc_exp${exp}_user*.txt.gz) <(zcat data/hapt/RawData/gyro_exp${exp}_user*.txt.gz) \\
    | bin/har-infer --stream artifacts/final_model.safetensors.gz
\`\`\`

$rows predictions; $scored of them fall on a labelled activity (the rest on
postural transitions or unlabelled stretches), and $agree of those
($(awk -v a="$agree" -v b="$scored" 'BEGIN { printf "%.1f %%", 100 * a / b }')) name it.

![stream](03_rnn_and_inference/stream.png)

## Latency

\`har-latency\`: $batching, $(word "$(json threads)") thread$([ "$(json threads)" = 1 ] || echo s), $(json windows) windows after
$(json warmup) of warm-up, on this machine (load average $(json load_average_1min | awk '{ printf "%.2f", $1 }')).

| parameters | weights | mean | p50 | p90 | p99 | windows/s | peak RSS serving |
|---:|---:|---:|---:|---:|---:|---:|---:|
| $(json parameters) | $(json weight_bytes) B | $(json mean | awk '{ printf "%.1f", $1 }') us | $(json p50 | awk '{ printf "%.1f", $1 }') us | $(json p90 | awk '{ printf "%.1f", $1 }') us | $(json p99 | awk '{ printf "%.1f", $1 }') us | $(json windows_per_second | awk '{ printf "%.0f", $1 }') | $(json serving_peak_rss_kib) KiB |

A new window arrives every $(json stride_seconds) s; at p99 one prediction takes
$(json realtime_margin_p99 | awk '$1 >= 1 { printf "1/%.0f of that", $1; next } { printf "%.1f times that", 1 / $1 }'), so classifying
the stream in real time costs $(json realtime_load | awk '{ printf "%.4f %%", 100 * $1 }') of one core of this
$(json realtime_margin_p99 | awk '$1 / 100 >= 1 { printf "machine: a processor a hundred times slower would still keep up %.0f times over,\nso on a phone the model'"'"'s cost is negligible next to reading the sensors.\n", $1 / 100; next }
    { print "machine: a processor a hundred times slower would not keep up." }')
EOF
