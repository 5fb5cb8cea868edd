#!/bin/sh
# report_data_and_baselines.sh DIR DATA_ART MLP_CURVES - writes the markdown of
# artifacts/01_data_and_baselines.md to standard output and its figures to
# DIR.  Every number comes from a file of the pipeline:
#   DATA_ART/ingest_report.md, DATA_ART/audit.txt    (pipelines/data.mk)
#   DIR/baseline-{majority,uniform,stratified}-{train,val,test}.csv,
#   DIR/mlp-{val,test}.csv                           (har-eval --csv)
#   MLP_CURVES                                       (har-train --curves)
# Figures are drawn by gnuplot into temporary files and renamed.
set -eu
dir=$1 data=$2 curves=$3
trap 'rm -f "$dir"/*.png.tmp' EXIT

# v FILE SECTION NAME KEY: one value of a har-eval CSV.
v() { awk -F, -v s="$2" -v n="$3" -v k="$4" '$1 == s && $2 == n && $3 == k { print $4; found = 1 } END { if (!found) exit 1 }' "$1"; }
# pct X: a fraction as a percentage with one decimal.
pct() { awk -v x="$1" 'BEGIN { printf "%.1f %%", 100 * x }'; }
# ingest VALUE-NAME: a row of the ingest report's first table.
ingest() { awk -F'|' -v k="$1" '{ gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3) } $2 == k { print $3; exit }' "$data/ingest_report.md"; }
# plot NAME SCRIPT: runs gnuplot with SCRIPT, writing DIR/NAME.png atomically.
plot() {
    { printf 'set terminal pngcairo size 900,480 font "sans,10" noenhanced\nset output "%s"\n' "$dir/$1.png.tmp"; printf '%s\n' "$2"; } | gnuplot
    mv "$dir/$1.png.tmp" "$dir/$1.png"
}

classes=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$dir/baseline-majority-train.csv")
n_windows=$(ingest 'windows (N)')
t=$(ingest 'timesteps per window (T)')
c=$(ingest 'channels (C)')
rate=$(ingest sample_rate_hz)
stride=$(ingest stride)
nonfinite=$(ingest 'NaN/Inf values in X')
seconds=$(awk -v t="$t" -v r="$rate" 'BEGIN { printf "%.2f", t / r }')
stride_s=$(awk -v t="$stride" -v r="$rate" 'BEGIN { printf "%.2f", t / r }')

# ---- data behind the figures ----
{
    echo "# class train val test"
    for k in $classes; do
        printf '%s' "$k"
        for s in train val test; do printf ' %s' "$(v "$dir/baseline-majority-$s.csv" class "$k" support)"; done
        echo
    done
} > "$dir/class_distribution.dat"
for s in train val test; do
    awk -F, -v s="$s" '$1 == "subject" && $3 == "windows" { print $2, $4, s }' "$dir/baseline-majority-$s.csv"
done | sort -n > "$dir/windows_per_subject.dat"
awk -F, '$1 == "confusion_normalised" { print $2, $3, $4 }' "$dir/mlp-test.csv" > "$dir/mlp_confusion_test.dat"

plot class_distribution "set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set ylabel 'windows'
set xtics rotate by -20
set title 'Windows per class and split'
set yrange [0:*]
plot '$dir/class_distribution.dat' using 2:xtic(1) title 'train', '' using 3 title 'val', '' using 4 title 'test'"

plot windows_per_subject "set style fill solid 0.8 border -1
set boxwidth 0.8
set key top left
set xlabel 'subject'
set ylabel 'windows'
set xrange [0:31]
set xtics 1
set title 'Windows per subject (colour: split)'
plot '$dir/windows_per_subject.dat' using 1:(strcol(3) eq 'train' ? \$2 : 1/0) with boxes title 'train', \
     '' using 1:(strcol(3) eq 'val' ? \$2 : 1/0) with boxes title 'val', \
     '' using 1:(strcol(3) eq 'test' ? \$2 : 1/0) with boxes title 'test'"

# Class names as tick labels, in the confusion matrix's order (0 = first class).
ticks=$(echo $classes | awk '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" %d", (i > 1 ? ", " : ""), $i, i - 1 }')
awk -v cl="$classes" 'BEGIN { n = split(cl, c, " "); for (i = 1; i <= n; i++) idx[c[i]] = i - 1 }
    { printf "%d %d %s\n", idx[$2], idx[$1], $3 }' "$dir/mlp_confusion_test.dat" > "$dir/mlp_confusion_test.grid"
plot mlp_confusion_test "set size ratio -1
set title 'MLP on the test subjects: confusion matrix, row-normalised (rows: true class)'
set xtics ($ticks) rotate by -30
set ytics ($ticks)
set yrange [5.5:-0.5]
set xrange [-0.5:5.5]
set xlabel 'predicted'
set ylabel 'true'
set cbrange [0:1]
set palette defined (0 'white', 1 '#2166ac')
plot '$dir/mlp_confusion_test.grid' using 1:2:3 with image notitle, \
     '' using 1:2:(sprintf('%.2f', \$3)) with labels notitle"

plot mlp_curves "set datafile separator ','
set key autotitle columnhead top right
set xlabel 'epoch'
set ylabel 'cross-entropy'
set title 'MLP baseline: training and validation loss (early stopping on validation macro-F1)'
plot '$curves' using 1:2 with linespoints title 'train loss', '' using 1:5 with linespoints title 'validation loss'"

# ---- the report ----
train_w=$(v "$dir/baseline-majority-train.csv" summary all windows)
val_w=$(v "$dir/baseline-majority-val.csv" summary all windows)
test_w=$(v "$dir/baseline-majority-test.csv" summary all windows)
train_s=$(v "$dir/baseline-majority-train.csv" summary all subjects)
val_s=$(v "$dir/baseline-majority-val.csv" summary all subjects)
test_s=$(v "$dir/baseline-majority-test.csv" summary all subjects)
shared=$(awk '/&/ { s += $(NF - 1) } END { print s + 0 }' "$data/audit.txt")

cat <<EOF
# 1. Data and baselines

Generated by \`make data-and-baselines\` from the raw HAPT recordings; every
number below is read from a file the pipeline wrote (the CSV files next to
this report, \`artifacts/data/\` and \`artifacts/models/mlp-curves.csv\`).

## Dataset card

**Motivation.** A phone worn on the waist records acceleration and rotation.
Recognising what its wearer is doing from a few seconds of that signal is
the basis of activity logging, fall and inactivity monitoring, and
context-aware apps.  The data set exists to measure how well that works for
people the model has never seen.

**Target.** One of six activities per window: $(echo $classes | sed 's/ /, /g').
The label is the activity of the labelled segment the window lies in;
windows that overlap a postural transition (HAPT labels 7-12) or no label
are not cut.

**Source and licence.** HAPT v2.1, the unwindowed recordings behind UCI HAR
(Reyes-Ortiz, Anguita, Oneto, Parra, Samà; $(ingest subjects) volunteers, a
Samsung Galaxy S II on the waist).  Provenance and checksums:
\`data/hapt/SOURCE.md\`.  Licence, verbatim from the data set's README:
$(awk '/^## License note/ { f = 1; next } f && /^"/ { p = 1 } f && p { print "> " $0 } f && p && /"$/ { exit }' data/hapt/SOURCE.md)

Cite: $(awk '/^## Citation/ { f = 1; next } f && /^- / { sub(/^- /, ""); print; exit }' data/hapt/SOURCE.md) $(awk '/^## Citation/ { f = 1; next } f && /^- / { n++ } f && n == 1 && /^  / { sub(/^ +/, ""); print; exit }' data/hapt/SOURCE.md)

**Channels and units.** $c channels at $rate Hz, in the UCI HAR order:

$(awk '/^## Channels/ { f = 1; next } f && /^## / { exit } f && /^\|/ { print }' "$data/ingest_report.md")

**Windows.** $t samples ($seconds s) with a stride of $stride samples
($stride_s s, 50 % overlap): X has shape [$n_windows, $t, $c].

**Preprocessing.** $(awk '/^Preprocessing:/ { sub(/^Preprocessing: /, ""); print }' "$data/ingest_report.md")
Normalisation (per channel, mean and standard deviation) is fitted on the
training split only and stored in every checkpoint.

**Sanity checks.** NaN/Inf values in X: $nonfinite.  Nothing is dropped
silently; the ingest report counts every skipped or repaired record:

$(awk '/^## What was skipped/ { f = 1; next } f && /^## / { exit } f && /^\|/ { print }' "$data/ingest_report.md")

**Splits.** Subject-disjoint: the 9 official test subjects, and 4 of the 21
training subjects drawn (seed 1) for validation.

| split | windows | subjects |
|---|---:|---:|
| train | $train_w | $train_s |
| val | $val_w | $val_s |
| test | $test_w | $test_s |

| class | train | val | test |
|---|---:|---:|---:|
$(awk '!/^#/ { printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$dir/class_distribution.dat")

![windows per class and split](01_data_and_baselines/class_distribution.png)

![windows per subject](01_data_and_baselines/windows_per_subject.png)

**Limitations and risks.** $(ingest subjects) young-to-middle-aged volunteers, one phone
model, one body position, scripted activities in a lab: accuracy for older
people, other phones, a phone in a pocket or free-living behaviour is not
measured here.  Windows of one person are strongly correlated, so only
subject-level splits say anything about new users, and $test_s test subjects
give wide intervals.  SITTING and STANDING differ mostly by a few degrees
of how the phone sits on the body.  Movement data is personal: gait can
re-identify people, and activity traces can reveal health; the data set's
licence forbids commercial use.

## Leakage audit

Every pair of splits shares $shared subjects:

\`\`\`
$(cat "$data/audit.txt")
\`\`\`

## Baselines

Fitted on the training split only (class frequencies), scored with the same
metrics as the models.  \`uniform\` draws every class with equal
probability and \`stratified\` with the training frequencies (seed $(v "$dir/baseline-uniform-test.csv" baseline settings seed)).

| baseline | val accuracy | val macro-F1 | test accuracy | test macro-F1 | test accuracy, 95 % CI over subjects |
|---|---:|---:|---:|---:|---|
EOF
for b in majority uniform stratified; do
    va=$dir/baseline-$b-val.csv te=$dir/baseline-$b-test.csv
    printf '| %s | %s | %s | %s | %s | [%s, %s] |\n' "$b" \
        "$(pct "$(v "$va" summary all accuracy)")" "$(pct "$(v "$va" summary all macro_f1)")" \
        "$(pct "$(v "$te" summary all accuracy)")" "$(pct "$(v "$te" summary all macro_f1)")" \
        "$(pct "$(v "$te" bootstrap subjects accuracy_lo)")" "$(pct "$(v "$te" bootstrap subjects accuracy_hi)")"
done

epochs=$(awk -F, 'NR > 1 { n++ } END { print n }' "$curves")
cat <<EOF

## MLP baseline

\`flatten,dense:256,relu,dropout:0.3,dense:256,relu,dropout:0.3,dense:6\` on
the flattened $t x $c windows ($(v "$dir/mlp-test.csv" model all parameters) parameters), trained
on the $train_s training subjects with early stopping on the $val_s validation
subjects: $epochs epochs run, the best by validation macro-F1 kept
(\`pipelines/models.mk\`).

![MLP loss curves](01_data_and_baselines/mlp_curves.png)

| split | accuracy | macro-F1 | weighted F1 | log loss | accuracy, 95 % CI over windows | over subjects |
|---|---:|---:|---:|---:|---|---|
EOF
for s in val test; do
    f=$dir/mlp-$s.csv
    printf '| %s | %s | %s | %s | %.3f | [%s, %s] | [%s, %s] |\n' "$s" \
        "$(pct "$(v "$f" summary all accuracy)")" "$(pct "$(v "$f" summary all macro_f1)")" \
        "$(pct "$(v "$f" summary all weighted_f1)")" "$(v "$f" summary all log_loss)" \
        "$(pct "$(v "$f" bootstrap windows accuracy_lo)")" "$(pct "$(v "$f" bootstrap windows accuracy_hi)")" \
        "$(pct "$(v "$f" bootstrap subjects accuracy_lo)")" "$(pct "$(v "$f" bootstrap subjects accuracy_hi)")"
done
cat <<EOF

Per class on the test subjects:

| class | precision | recall | F1 | windows |
|---|---:|---:|---:|---:|
EOF
for k in $classes; do
    f=$dir/mlp-test.csv
    printf '| %s | %s | %s | %s | %s |\n' "$k" "$(pct "$(v "$f" class "$k" precision)")" \
        "$(pct "$(v "$f" class "$k" recall)")" "$(pct "$(v "$f" class "$k" f1)")" "$(v "$f" class "$k" support)"
done
cat <<EOF

![MLP confusion matrix on the test subjects](01_data_and_baselines/mlp_confusion_test.png)

Most confused on the test subjects (true -> predicted: windows, share of the true class):

EOF
awk -F, '$1 == "most_confused" && $3 == "windows" { w[$2] = $4; o[++n] = $2 } $1 == "most_confused" && $3 == "share" { s[$2] = $4 }
    END { for (i = 1; i <= n; i++) printf "- %s: %d (%.1f %%)\n", o[i], w[o[i]], 100 * s[o[i]] }' "$dir/mlp-test.csv"
