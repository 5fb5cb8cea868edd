#!/bin/sh
# report_data_and_baselines.sh DIR DATA_ART MLP_CURVES - writes the markdown of
# artifacts/01_data_and_baselines.md to standard output and its figures to
# DIR.  Every number comes from a file of the pipeline:
#   DATA_ART/ingest_report.md, DATA_ART/audit.txt    (pipelines/data.mk)
#   DIR/baseline-{majority,uniform,stratified}-{train,val,test}.csv,
#   DIR/mlp-{val,test}.csv                           (har-eval --csv)
#   MLP_CURVES                                       (har-train --curves)
#   experiments.csv next to MLP_CURVES               (har-train --log: the MLP's
#                                                    spec and hyperparameters)
#   the validation split named in DATA_ART/split_audit.csv (its split seed)
#   HAPT/RawData/                                    (the raw recordings: one
#                                                    of each class is drawn)
# Figures are drawn by gnuplot into temporary files and renamed.
set -eu
dir=$1 data=$2 curves=$3 hapt=$4
trap 'rm -f "$dir"/*.png.tmp "$dir"/raw-*.tmp' EXIT

. "$(dirname "$0")/report_lib.sh"
# The MLP's row of the zoo's experiment log (the run that wrote MLP_CURVES):
# its spec and stopping rule are read, not restated.
mlp_run=$(basename "$curves" -curves.csv)
mlp_log=$(dirname "$curves")/experiments.csv
mlp_spec=$(log_field "$mlp_log" "$mlp_run" model)
mlp_hp=$(log_field "$mlp_log" "$mlp_run" hyperparameters)
mlp_monitor=$(monitor_name "$(hp "$mlp_hp" monitor)")
if [ "$(hp "$mlp_hp" patience)" -gt 0 ]; then mlp_stop='with early stopping on'; else mlp_stop='scored each epoch on'; fi
case $mlp_spec in flatten,*) mlp_input='the flattened';; *) mlp_input=the;; esac
# ingest VALUE-NAME: a row of the ingest report's first table.
ingest() { awk -F'|' -v k="$1" '{ gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3) } $2 == k { print $3; exit }' "$data/ingest_report.md"; }

classes=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$dir/baseline-majority-train.csv")
n_windows=$(ingest 'windows (N)')
t=$(ingest 'timesteps per window (T)')
c=$(ingest 'channels (C)')
rate=$(ingest sample_rate_hz)
stride=$(ingest stride)
nonfinite=$(ingest 'NaN/Inf values in X')
seconds=$(awk -v t="$t" -v r="$rate" 'BEGIN { printf "%.2f", t / r }')
stride_s=$(awk -v t="$stride" -v r="$rate" 'BEGIN { printf "%.2f", t / r }')
overlap=$(awk -v t="$t" -v s="$stride" 'BEGIN { if (s >= t) print "no overlap"; else printf "%g %% overlap", 100 * (t - s) / t }')

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

plot class_distribution "set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xlabel 'activity'
set ylabel 'windows'
set xtics rotate by -20
set title 'Windows per class and split'
set yrange [0:*]
plot '$dir/class_distribution.dat' using 2:xtic(1) title 'train', '' using 3 title 'val', '' using 4 title 'test'"

plot windows_per_subject "set style fill solid 0.8 border -1
set boxwidth 0.8
set key above horizontal
set xlabel 'subject'
set ylabel 'windows'
set yrange [0:*]
set xrange [0:$(awk 'END { print $1 + 1 }' "$dir/windows_per_subject.dat")]
set xtics 1
set title 'Windows per subject (colour: split)'
plot '$dir/windows_per_subject.dat' using 1:(strcol(3) eq 'train' ? \$2 : 1/0) with boxes title 'train', \
     '' using 1:(strcol(3) eq 'val' ? \$2 : 1/0) with boxes title 'val', \
     '' using 1:(strcol(3) eq 'test' ? \$2 : 1/0) with boxes title 'test'"

# ---- the raw signals of each class ----
# One recording of a subject outside the test set that holds every class:
# raw_seconds seconds from the middle of its first segment of each class
# (the whole segment if it is shorter), accelerometer and gyroscope as
# recorded (before any filtering), in the units SOURCE.md gives.
raw_seconds=4
raw_unit() { awk -v f="RawData/$1_" 'index($0, f) { if (match($0, /unit [^,]*/)) print substr($0, RSTART + 5, RLENGTH - 5); exit }' data/hapt/SOURCE.md; }
# The class ids of the report's classes (activity_labels.txt: "ID NAME").
class_ids=$(zcat "$hapt/activity_labels.txt.gz" | awk -v cl="$classes" 'BEGIN { n = split(cl, c, " "); for (i = 1; i <= n; i++) want[c[i]] = i }
    $2 in want { id[want[$2]] = $1 } END { for (i = 1; i <= n; i++) printf "%s%s", id[i], (i < n ? " " : "\n") }')
# "EXPERIMENT USER" of the first recording with a segment of every class.
raw_rec=$(zcat "$hapt/RawData/labels.txt.gz" | awk -v ts=",$(ingest test_subjects)," -v ids="$class_ids" '
    BEGIN { k = split(ids, a, " "); for (i = 1; i <= k; i++) want[a[i]] }
    index(ts, "," $2 ",") || !($3 in want) || (($1, $3) in seen) { next }
    { seen[$1, $3]; if (++n[$1] == k && rec == "") rec = $1 " " $2 } END { print rec }')
raw_exp=${raw_rec% *} raw_user=${raw_rec#* }
raw_file() { printf '%s/RawData/%s_exp%02d_user%02d.txt.gz' "$hapt" "$1" "$raw_exp" "$raw_user"; }
# The samples drawn: "CLASS_INDEX FIRST_SAMPLE COUNT" (samples numbered from 1).
zcat "$hapt/RawData/labels.txt.gz" | awk -v e="$raw_exp" -v ids="$class_ids" -v m="$((raw_seconds * rate))" '
    BEGIN { k = split(ids, a, " "); for (i = 1; i <= k; i++) idx[a[i]] = i }
    $1 == e && ($3 in idx) && !($3 in done) { done[$3]; len = $5 - $4 + 1; c = len < m ? len : m
        print idx[$3], $4 + int((len - c) / 2), c }' | sort -n > "$dir/raw-segments.tmp"
# extract SENSOR: the drawn samples of one sensor, "CLASS_INDEX X Y Z" a
# line, in class order (a stable sort keeps each segment's time order).
extract() {
    zcat "$(raw_file "$1")" | awk 'NR == FNR { i[++n] = $1; s[n] = $2; e[n] = $2 + $3 - 1; next }
        { for (j = 1; j <= n; j++) if (FNR >= s[j] && FNR <= e[j]) print i[j], $1, $2, $3 }' "$dir/raw-segments.tmp" - |
        sort -s -n -k1,1
}
extract acc > "$dir/raw-acc.tmp"
extract gyro > "$dir/raw-gyro.tmp"
# raw_signals.dat: one block per class (gnuplot index = class order), "t ax ay az gx gy gz".
awk -v r="$rate" 'NR == FNR { g[FNR] = $2 " " $3 " " $4; next }
    { if ($1 != b) { if (b != "") printf "\n\n"; b = $1; t = 0 } printf "%.2f %s %s %s %s\n", t / r, $2, $3, $4, g[FNR]; t++ }' \
    "$dir/raw-gyro.tmp" "$dir/raw-acc.tmp" > "$dir/raw_signals.dat"
rm -f "$dir"/raw-*.tmp
acc_unit=$(raw_unit acc) gyro_unit=$(raw_unit gyro)
# What the drawn seconds show, by rules: the classes split where the sorted
# spread of the acceleration magnitude jumps most, and the axis the mean
# acceleration (at rest: gravity) falls on most in each class.
raw_stats=$(awk -v cl="$classes" 'BEGIN { split(cl, c, " ") }
    /^$/ { if (n) out(); next } { x += $2; y += $3; z += $4; m = sqrt($2 ^ 2 + $3 ^ 2 + $4 ^ 2); s += m; ss += m * m; n++ }
    function out() { b++; mu = s / n; printf "%s %.4f %.4f %.4f %.4f\n", c[b], sqrt(ss / n - mu * mu), x / n, y / n, z / n; x = y = z = s = ss = n = 0 }
    END { if (n) out() }' "$dir/raw_signals.dat")
raw_verdict=$(printf '%s\n' "$raw_stats" | sort -k2,2g | awk -v u="$acc_unit" "$AND"'
    { n++; name[n] = $1; sd[n] = $2; mx[n] = $3; my[n] = $4; mz[n] = $5 }
    function join(a, b,   s, i) { s = name[a]; for (i = a + 1; i <= b; i++) s = s "|" name[i]; return s }
    END { for (i = 1; i < n; i++) { r = sd[i] > 0 ? sd[i + 1] / sd[i] : 0; if (r > best) { best = r; cut = i } }
          printf "Over these seconds the magnitude of the acceleration varies (standard deviation) by %.3f %s (%s) to %.3f %s (%s); the largest step between the sorted values, a factor %.1f, separates %s (at least %.3f %s) from %s (at most %.3f %s).", \
              sd[1], u, name[1], sd[n], u, name[n], best, and_(join(cut + 1, n)), sd[cut + 1], u, and_(join(1, cut)), sd[cut], u
          # In the still group the mean acceleration is gravity: the axis it
          # falls on most, and the two classes whose mean directions are closest.
          for (i = 1; i <= cut; i++) { ax = "x"; a = mx[i]; if (my[i] ^ 2 > a ^ 2) { ax = "y"; a = my[i] } if (mz[i] ^ 2 > a ^ 2) { ax = "z"; a = mz[i] }
              d = (a < 0 ? "-" : "+") ax; if (!(d in axes)) order[++na] = d; axes[d] = axes[d] (axes[d] == "" ? "" : "|") name[i] }
          printf "  Among the latter, the mean acceleration (mostly gravity, as they barely move) falls"
          for (i = 1; i <= na; i++) printf "%s on the %s axis in %s", (i == 1 ? "" : i == na ? " and" : ","), order[i], and_(axes[order[i]])
          printf "."
          amin = 360
          for (i = 1; i <= cut; i++) for (j = i + 1; j <= cut; j++) {
              c = (mx[i] * mx[j] + my[i] * my[j] + mz[i] * mz[j]) / sqrt((mx[i] ^ 2 + my[i] ^ 2 + mz[i] ^ 2) * (mx[j] ^ 2 + my[j] ^ 2 + mz[j] ^ 2))
              c = c > 1 ? 1 : c < -1 ? -1 : c; ang = atan2(sqrt(1 - c * c), c) * 45 / atan2(1, 1)
              if (ang < amin) { amin = ang; p = name[i] " and " name[j] } }
          if (amin < 360) printf "  The two closest of them, %s, differ by %.0f degrees in the direction of their mean acceleration.", p, amin
          print "" }')
# Each sensor on one y range over all classes, so the panels compare (with
# room at the top for the key).
range() { awk -v a="$1" '!/^$/ { for (j = a; j < a + 3; j++) { if (!n++ || $j < lo) lo = $j; if ($j > hi) hi = $j } }
    END { printf "[%.2f:%.2f]", lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.3 }' "$dir/raw_signals.dat"; }
acc_range=$(range 2) gyro_range=$(range 5)
raw_panels=$(i=0; for k in $classes; do
    printf "set title '%s: accelerometer'\nset ylabel 'acceleration (%s)'\nset yrange %s\n" "$k" "$acc_unit" "$acc_range"
    printf "plot '%s' index %d using 1:2 with lines title 'x', '' index %d using 1:3 with lines title 'y', '' index %d using 1:4 with lines title 'z'\n" \
        "$dir/raw_signals.dat" $i $i $i
    printf "set title '%s: gyroscope'\nset ylabel 'angular velocity (%s)'\nset yrange %s\n" "$k" "$gyro_unit" "$gyro_range"
    printf "plot '%s' index %d using 1:5 with lines title 'x', '' index %d using 1:6 with lines title 'y', '' index %d using 1:7 with lines title 'z'\n" \
        "$dir/raw_signals.dat" $i $i $i
    i=$((i + 1)); done)
plot raw_signals "set multiplot layout $(echo $classes | wc -w),2 title 'Raw signals of each class: subject $raw_user, experiment $raw_exp'
set xlabel 'time (s)'
set key top right horizontal
set xrange [0:$raw_seconds]
$raw_panels
unset multiplot" 1000,1500 9

confusion_plot mlp_confusion_test "$dir/mlp-test.csv" 'MLP on the test subjects: confusion matrix, row-normalised (rows: true class)'

plot mlp_curves "set datafile separator ','
set key autotitle columnhead top right
set xlabel 'epoch'
set ylabel 'cross-entropy'
set yrange [0:*]
set title 'MLP baseline: training and validation loss (best epoch by $mlp_monitor)'
plot '$curves' using 1:2 with linespoints title 'train loss', '' using 1:5 with linespoints title 'validation loss'"

# ---- the report ----
train_w=$(v "$dir/baseline-majority-train.csv" summary all windows)
val_w=$(v "$dir/baseline-majority-val.csv" summary all windows)
test_w=$(v "$dir/baseline-majority-test.csv" summary all windows)
train_s=$(v "$dir/baseline-majority-train.csv" summary all subjects)
val_s=$(v "$dir/baseline-majority-val.csv" summary all subjects)
test_s=$(v "$dir/baseline-majority-test.csv" summary all subjects)
shared=$(awk '/&/ { s += $(NF - 1) } END { print s + 0 }' "$data/audit.txt")
# The seed har-split drew the validation subjects with (in the split's metadata).
split_seed=$(meta "$(awk -F, '$1 == "output" && $2 == "val" { print $4 }' "$data/split_audit.csv")" split_seed)

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

**Target.** One of $(word $(echo $classes | wc -w)) activities per window: $(echo $classes | sed 's/ /, /g').
The label is the activity of the labelled segment the window lies in;
windows that overlap a postural transition (HAPT labels 7-12) or no label
are not cut.

**Source and licence.** HAPT v2.1, the unwindowed recordings behind UCI HAR
(Reyes-Ortiz, Anguita, Oneto, Parra, Samà; $(ingest subjects) volunteers, a
Samsung Galaxy S II on the waist).  Provenance and checksums:
\`data/hapt/SOURCE.md\`.  Licence, verbatim from the data set's README:
$(source_licence | sed 's/^/> /')

Cite: $(source_citation)

**Channels and units.** $c channels at $rate Hz, in the UCI HAR order:

$(awk '/^## Channels/ { f = 1; next } f && /^## / { exit } f && /^\|/ { print }' "$data/ingest_report.md")

**Windows.** $t samples ($seconds s) with a stride of $stride samples
($stride_s s, $overlap): X has shape [$n_windows, $t, $c].

**Preprocessing.** $(awk '/^Preprocessing:/ { sub(/^Preprocessing: /, ""); print }' "$data/ingest_report.md")
Normalisation (per channel, mean and standard deviation) is fitted on the
training split only and stored in every checkpoint.

**Sanity checks.** NaN/Inf values in X: $nonfinite.  Nothing is dropped
silently; the ingest report counts every skipped or repaired record:

$(awk '/^## What was skipped/ { f = 1; next } f && /^## / { exit } f && /^\|/ { print }' "$data/ingest_report.md")

**Splits.** Subject-disjoint: the $test_s official test subjects, and $val_s of the $((train_s + val_s))
training subjects drawn (seed $split_seed) for validation.

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

**Raw signals.** $raw_seconds s of each class from one recording (subject $raw_user,
experiment $raw_exp; not a test subject), as the phone recorded them, before
the preprocessing: acceleration in $acc_unit (gravity included) and angular velocity in $gyro_unit.

![raw signals of each class](01_data_and_baselines/raw_signals.png)

$raw_verdict

**Limitations and risks.** $(ingest subjects) young-to-middle-aged volunteers, one phone
model, one body position, scripted activities in a lab: accuracy for older
people, other phones, a phone in a pocket or free-living behaviour is not
measured here.  Windows of one person are strongly correlated, so only
subject-level splits say anything about new users, and $test_s test subjects
give wide intervals.  The MLP below confuses $(awk -F, '$1 == "most_confused" && $3 == "share" { split($2, p, "->"); printf "%s with %s most (%.1f %% of the\n%s windows of the test subjects)", p[1], p[2], 100 * $4, p[1]; exit }' "$dir/mlp-test.csv").  Movement data is personal: gait can
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

| baseline | val accuracy | val macro-F1 | test accuracy | test macro-F1 | test accuracy, $(level "$dir/baseline-majority-test.csv") % CI over subjects |
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

\`$mlp_spec\` on
$mlp_input $t x $c windows ($(v "$dir/mlp-test.csv" model all parameters) parameters), trained
on the $train_s training subjects $mlp_stop the $val_s validation
subjects: $epochs epochs run, the best by $mlp_monitor kept
(\`pipelines/models.mk\`).

![MLP loss curves](01_data_and_baselines/mlp_curves.png)

| split | accuracy | macro-F1 | weighted F1 | log loss | accuracy, $(level "$dir/mlp-test.csv") % CI over windows | over subjects |
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

# What the numbers say: the MLP against the best baseline, validation
# against test, and its weakest class.
best_base=$(for b in majority uniform stratified; do echo "$(v "$dir/baseline-$b-test.csv" summary all macro_f1) $b"; done | sort -g | tail -n 1)
weakest=$(for k in $classes; do echo "$(v "$dir/mlp-test.csv" class "$k" f1) $k"; done | sort -g | head -n 1)
echo
awk -v mt="$(v "$dir/mlp-test.csv" summary all macro_f1)" -v mv="$(v "$dir/mlp-val.csv" summary all macro_f1)" \
    -v bb="${best_base% *}" -v bn="${best_base#* }" -v wf="${weakest% *}" -v wk="${weakest#* }" 'BEGIN {
    # Differences of the rounded values, so that the printed numbers add up.
    mt = sprintf("%.3f", mt) + 0; mv = sprintf("%.3f", mv) + 0; bb = sprintf("%.3f", bb) + 0
    printf "**Conclusions.** On the test subjects the MLP reaches a macro-F1 of %.1f %%, %.1f points above the best baseline\n(%s, %.1f %%).  On the validation subjects, whose scores chose its epoch, it reaches %.1f %%: the test\nsubjects score %.1f points %s.  Its weakest class on the test subjects is %s (F1 %.1f %%).\n",
        100 * mt, 100 * (mt - bb), bn, 100 * bb, 100 * mv, 100 * (mv > mt ? mv - mt : mt - mv), (mv > mt ? "lower" : "higher"), wk, 100 * wf }'
