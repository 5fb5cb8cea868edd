#!/bin/sh
# report_geotec.sh DIR DEVICES MODELS BASELINES CROSS TEST CHOICE CUT - report 5,
# the GeoTec dataset (pipelines/geotec.mk): the markdown on standard output;
# the tables' CSVs, the figures and their data in DIR.  Every number comes
# from a file of the pipeline:
#   DIR/ingest-DEVICE.csv        har-ingest --report (DEVICE: DEVICES, cross)
#   DIR/split-DEVICE.csv         har-split's audit
#   DIR/timestamps.csv           the raw timestamps' regularity
#                                (pipelines/geotec_timestamps.sh)
#   DIR/gravity.csv              gravity's axis in each dataset's phone
#                                recordings (pipelines/geotec_gravity.sh)
#   DIR/eval-DEVICE-NAME.csv     har-eval --csv, NAME in BASELINES MODELS
#   DIR/by-subject-DEVICE-MODEL.csv  each test subject scored alone
#   DIR/cross-NAME.csv           har-eval --csv of HAPT model NAME (CROSS)
#   DIR/experiments.csv          the GeoTec runs' log (and cnn-gru-norot's)
#   artifacts/models/experiments.csv   the HAPT zoo's log (its options)
#   CHOICE                       the HAPT final model's zoo name (first word)
#   DIR/phases.csv               how long the phases last (geotec_phases.sh)
#   pipelines/geotec_looks.txt   GeoTec scores seen before these runs
# TEST is the test subjects' list as given to har-ingest, CUT the task's
# har-ingest options (--window, --stride, ...).
set -eu
here=$(dirname "$0")
. "$here/report_lib.sh"
dir=$1 devices=$2 models=$3 baselines=$4 cross=$5 test=$6 choice=$7 cut=$8
trap 'rm -f "$dir"/*.tmp' EXIT
final=$(head -n 1 "$choice" | cut -d' ' -f1)
zoo_log=$(dirname "$dir")/models/experiments.csv

ing() { v "$dir/ingest-$1.csv" "$2" "$3" "$4"; }
ev() { v "$dir/eval-$1.csv" "$2" "$3" "$4"; }
name() {
    case $1 in
    gru) echo 'GRU-64 (mean readout)';; cnn-gru) echo 'CNN-GRU';; lstm) echo 'LSTM-64 (mean readout)';;
    cnn) echo 'CNN';; mlp) echo 'MLP';; cnn-gru-norot) echo 'CNN-GRU without rotation';;
    majority) echo 'majority class';; stratified) echo 'stratified random';; *) echo "$1";;
    esac
}
classes_of() { awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$1"; }
# ratio A B: A / B in percent, one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", b ? 100 * a / b : 0 }'; }
# overlap LO1 HI1 LO2 HI2: whether two intervals share a point.
overlap() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { exit !(a <= d && c <= b) }'; }

d1=$(set -- $devices; echo $1)
cls_task=$(classes_of "$dir/eval-$(set -- $devices; echo $1)-$(set -- $models; echo $1).csv")
nclass=$(echo $cls_task | wc -w)
level_=$(level "$dir/eval-$(set -- $devices; echo $1)-$(set -- $models; echo $1).csv")

# ---- the tables' CSVs ---------------------------------------------------------

echo device,model,windows,subjects,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,macro_f1_hi > "$dir/scores.csv.tmp"
echo device,model,class,support,f1,f1_lo,f1_hi > "$dir/classes.csv.tmp"
echo device,model,subject,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,macro_f1_hi > "$dir/subjects.csv.tmp"
for d in $devices; do
    for m in $baselines $models; do
        f="$dir/eval-$d-$m.csv"
        awk -F, -v d="$d" -v m="$m" '
            $1 == "summary" && $2 == "all" { s[$3] = $4 }
            $1 == "bootstrap" && $2 == "subjects" { s[$3] = $4 }
            END { print d "," m "," s["windows"] "," s["subjects"] "," s["accuracy"] "," s["accuracy_lo"] "," \
                  s["accuracy_hi"] "," s["macro_f1"] "," s["macro_f1_lo"] "," s["macro_f1_hi"] }' "$f" >> "$dir/scores.csv.tmp"
        awk -F, -v d="$d" -v m="$m" '
            $1 == "class" { v[$2, $3] = $4; if ($3 == "support") c[++n] = $2 }
            END { for (i = 1; i <= n; i++) print d "," m "," c[i] "," v[c[i], "support"] "," v[c[i], "f1"] "," \
                  v[c[i], "f1_subjects_lo"] "," v[c[i], "f1_subjects_hi"] }' "$f" >> "$dir/classes.csv.tmp"
        if [ -f "$dir/by-subject-$d-$m.csv" ]; then
            awk -F, -v d="$d" -v m="$m" 'NR > 1 { print d "," m "," $0 }' "$dir/by-subject-$d-$m.csv" >> "$dir/subjects.csv.tmp"
        fi
    done
done
echo model,rotation,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,macro_f1_hi,recall_SITTING,recall_WALKING,sitting_read_as,sitting_read_as_share,walking_read_as,walking_read_as_share > "$dir/cross.csv.tmp"
rotation_of() {
    if [ "$1" = cnn-gru-norot ]; then log="$dir/experiments.csv" run=hapt-cnn-gru-norot; else log=$zoo_log run=$1; fi
    r=$(hp "$(log_field "$log" "$run" hyperparameters)" rotate)
    awk -v r="$r" 'BEGIN { print (r > 0 ? "yes" : "no") }'
}
for m in $cross; do
    f="$dir/cross-$m.csv"
    awk -F, -v m="$m" -v rot="$(rotation_of "$m")" '
        $1 == "summary" && $2 == "all" { s[$3] = $4 }
        $1 == "bootstrap" && $2 == "subjects" { s[$3] = $4 }
        $1 == "class" && $3 == "recall" { r[$2] = $4 }
        $1 == "confusion" && $2 == "SITTING" && $3 != "SITTING" && $4 + 0 > best { best = $4 + 0; as = $3 }
        $1 == "confusion" && $2 == "WALKING" && $3 != "WALKING" && $4 + 0 > wbest { wbest = $4 + 0; was = $3 }
        $1 == "class" && $3 == "support" { sup[$2] = $4 }
        END { print m "," rot "," s["windows"] "," s["accuracy"] "," s["accuracy_lo"] "," s["accuracy_hi"] "," \
              s["macro_f1"] "," s["macro_f1_lo"] "," s["macro_f1_hi"] "," r["SITTING"] "," r["WALKING"] "," \
              (as == "" ? "-" : as) "," (sup["SITTING"] ? best / sup["SITTING"] : 0) "," \
              (was == "" ? "-" : was) "," (sup["WALKING"] ? wbest / sup["WALKING"] : 0) }' "$f" >> "$dir/cross.csv.tmp"
done
for t in scores classes subjects cross; do mv "$dir/$t.csv.tmp" "$dir/$t.csv"; done

# col CSV KEYS... VALUE-COLUMN: the value in the row whose first fields are KEYS.
row() { awk -F, -v k="$2" -v c="$3" 'NR > 1 { key = $1; for (i = 2; i <= split(k, kk, ","); i++) key = key "," $i
    if (key == k) { print $c; found = 1; exit } } END { if (!found) exit 1 }' "$1"; }
score() { row "$dir/scores.csv" "$1,$2" "$3"; }   # DEVICE MODEL COLUMN
clsv() { row "$dir/classes.csv" "$1,$2,$3" "$4"; } # DEVICE MODEL CLASS COLUMN

# ---- the markdown ---------------------------------------------------------------

# The people: how many, their ages and executions (DATA/subjects_info.csv),
# over the subjects the ingested windows hold.
nsubj=$(awk -F, '$1 == "subject" && $3 == "windows" { n++ } END { print n }' "$dir/ingest-$(set -- $devices; echo $1).csv")
people=$(awk -F, -v ids="$(awk -F, '$1 == "subject" && $3 == "windows" { printf "%s ", $2 }' "$dir/ingest-$(set -- $devices; echo $1).csv")" '
    BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want[a[i] + 0] = 1 }
    NR > 1 { id = $1; sub(/^s/, "", id); if (!want[id + 0]) next
             if (!m++ || $2 < amin) amin = $2; if (m == 1 || $2 > amax) amax = $2
             if (m == 1 || $7 < emin) emin = $7; if (m == 1 || $7 > emax) emax = $7 }
    END { printf "%d people aged %d-%d each walked a Timed-Up-and-Go test %d-%d times", m, amin, amax, emin, emax }' \
    "${GEOTEC_RAW:-data/geotec/raw/DATA}/subjects_info.csv")
citation=$(awk '/^## Citation/ { f = 1; next } f && /^## / { exit } f && NF { print }' data/geotec/SOURCE.md)
cat <<EOF
# Report 5: a second dataset, the Timed-Up-and-Go phases from a phone and a watch

The GeoTec dataset (\`data/geotec\`, vendored from the authors' repository;
provenance and checksums in \`data/geotec/SOURCE.md\`; licence CC BY 4.0):
$citation
$people: seated,
stand up, walk, turn, walk back, turn, sit down, with a phone in the trouser
pocket and a watch on the wrist, both recording acceleration (m/s², gravity
included) and rotation (rad/s) with irregular timestamps ($(awk -F, 'NR > 1 { printf "%s%s %s Hz", (n++ ? ", " : ""), $1, $9 }' "$dir/timestamps.csv") on average) and one label per sample.  Every number below comes from the files of
\`artifacts/05_geotec/\`, made by \`make geotec\` (\`pipelines/geotec.mk\`).

## 1. Ingestion

Each recording was read by \`har-ingest --layout csv\` with
\`data/geotec/geotec.layout\` (columns and units), resampled from its own
timestamps onto 50 Hz and filtered by the HAPT chain (README, "Your own
recordings"), so its windows hold the same nine channels with the same
meaning as HAPT's.  The phases are short: the median segment lasts
$(awk -F, -v d="$d1" 'NR > 1 && $1 == d { printf "%s%s %.1f s", (n++ ? ", " : ""), $2, $5 }' "$dir/phases.csv") on the $d1
(\`phases.csv\` has the 10th and 90th percentiles and the $(set -- $devices; echo $2); SEATED comes twice, at the
start and the end of an execution).  So the task's windows are
$(awk -v t="$(ing "$d1" shape X T)" 'BEGIN { printf "%g", t / 50 }') s ($(ing "$d1" shape X T) samples at 50 Hz) every $(echo "$cut" | awk '{ for (i = 1; i < NF; i++) if ($i == "--stride") printf "%g", $(i + 1) / 50 }') s, each labelled by the
phase that covers more than half of it; windows with no such phase are left
out and counted.

| | $(for d in $devices; do printf '%s | ' "$d"; done | sed 's/ | $//') |
|---|$(for d in $devices; do printf -- '---:|'; done)
EOF
line() { printf '| %s |' "$1"; shift; for d in $devices; do printf ' %s |' "$("$@" "$d")"; done; echo; }
c_rec() { ing "$1" ingest recordings read; }
c_rows() { ing "$1" ingest rows read; }
c_rep() { printf '%s (%s)' "$(ing "$1" ingest timestamps repeated)" "$(ratio "$(ing "$1" ingest timestamps repeated)" "$(ing "$1" ingest rows read)")"; }
c_back() { ing "$1" ingest timestamps backwards; }
c_gaps() { printf '%s (longest %s s)' "$(ing "$1" ingest gaps split)" "$(awk -v x="$(ing "$1" ingest gaps longest_s)" 'BEGIN { printf "%.3f", x }')"; }
c_pieces() { printf '%s (%s too short for a window)' "$(ing "$1" ingest pieces total)" "$(ing "$1" ingest pieces too_short)"; }
c_res() { ing "$1" ingest samples resampled; }
c_win() { ing "$1" shape X N; }
c_mixed() { ing "$1" ingest windows mixed; }
line 'recordings' c_rec
line 'rows read' c_rows
line 'rows dropped: timestamp equal to the previous one' c_rep
line 'rows dropped: timestamp before the previous one' c_back
line 'gaps over 0.1 s (each splits its recording)' c_gaps
line 'pieces' c_pieces
line 'samples at 50 Hz' c_res
line 'windows' c_win
line 'windows left out as mixed' c_mixed
for c in $cls_task; do
    c_cls() { ing "$1" class "$c" windows; }
    line "windows of $c" c_cls
done
cat <<EOF

EOF
ts() { row "$dir/timestamps.csv" "$1" "$2"; }   # DEVICE COLUMN
for d in $devices; do
    same=$(($(ts "$d" 4) - $(ts "$d" 5)))
    if [ "$same" -eq 0 ]; then which='every one of them holds other readings than the row before (a distinct sample, not a duplicated row)'
    else which="$(ts "$d" 5) of them hold other readings than the row before, $same repeat it exactly"; fi
    printf '%s: %s of its %s rows repeat the previous timestamp, and %s; consecutive timestamps are %s ms apart at the median, %s ms at the 99th percentile, %s ms at most.\n' \
        "$d" "$(ts "$d" 4)" "$(ts "$d" 3)" "$which" "$(ts "$d" 6)" "$(ts "$d" 7)" "$(ts "$d" 8)"
    echo
done
cat <<EOF
Readings with equal times after longer pauses are readings delivered in a
burst: these timestamps tell when a reading reached the recording app more
than when the sensor took it.
\`--bad-timestamps drop\` keeps the first row of each repeated time and the
resampler interpolates across the pause; a model of the delivery delay could
keep every reading, and is left for later.

## 2. The TUG phases, each device on its own

Test subjects: $(awk -F, '$1 == "output" && $2 == "test" { gsub(/ /, ", ", $7); print $7 " (" $6 " of the '"$nsubj"')" }' "$dir/split-$d1.csv");
the list given (\`GEOTEC_TEST\`, $(echo "$test" | sed 's/,/, /g')) is every fourth subject from s03,
fixed before this report's models were trained.  GeoTec windows had been
scored before, when the tools were tried on them (\`pipelines/geotec_looks.txt\`):

$(grep -v '^#' pipelines/geotec_looks.txt | sed 's/^/- /')

The other
$(awk -F, '$1 == "output" && $2 == "train" { print $6 }' "$dir/split-$d1.csv") train.
\`har-split\`'s audit: $(awk -F, '$1 == "pair" { n += $6 } END { print (n ? n " subjects in two outputs (a leak)" : "no subject in two outputs") }' "$dir/split-$d1.csv").  The models are the HAPT zoo's recipes with five outputs
(\`$(log_field "$dir/experiments.csv" "geotec-$d1-$(set -- $models; echo $1)" model)\`,
\`$(log_field "$dir/experiments.csv" "geotec-$d1-$(set -- $models; echo $2)" model)\`), its augmentation and
rotation, 40 epochs, the last kept; the baselines are fitted on the same
training subjects.  Intervals: ${level_} % subject bootstrap (whole test
subjects drawn with replacement, \`har-eval\`).

| device | model | windows | accuracy | macro-F1 [${level_} % interval] |
|---|---|---:|---:|---|
EOF
for d in $devices; do
    for m in $baselines $models; do
        printf '| %s | %s | %s | %s | %s [%s, %s] |\n' "$d" "$(name "$m")" "$(score "$d" "$m" 3)" \
            "$(pct "$(score "$d" "$m" 5)")" "$(pct "$(score "$d" "$m" 8)")" "$(pct "$(score "$d" "$m" 9)")" \
            "$(pct "$(score "$d" "$m" 10)")"
    done
done
# The best model of each device by macro-F1.
best_of() { awk -F, -v d="$1" -v ms="$models" 'BEGIN { n = split(ms, m, " "); for (i = 1; i <= n; i++) ok[m[i]] = 1 }
    NR > 1 && $1 == d && ok[$2] && $8 > b { b = $8; w = $2 } END { print w }' "$dir/scores.csv"; }
echo
for d in $devices; do
    b=$(best_of "$d")
    printf -- '- %s: the %s scores best, macro-F1 %s [%s, %s], against %s for the %s baseline.\n' "$d" "$(name "$b")" \
        "$(pct "$(score "$d" "$b" 8)")" "$(pct "$(score "$d" "$b" 9)")" "$(pct "$(score "$d" "$b" 10)")" \
        "$(pct "$(score "$d" stratified 8)")" "$(name stratified)"
done

# Phone against watch, class by class, for the CNN-GRU.
cmp_model=cnn-gru
set -- $devices
dA=$1 dB=$2
cat <<EOF

### Which device recognises which phase

F1 of each phase on the test subjects, $(name $cmp_model), with ${level_} %
subject-bootstrap intervals (\`classes.csv\` has every model).  A device is
named better only where the two intervals do not overlap.

| phase | $dA F1 [interval] | $dB F1 [interval] | better |
|---|---|---|---|
EOF
printf '# class %s_f1 %s_lo %s_hi %s_f1 %s_lo %s_hi\n' "$dA" "$dA" "$dA" "$dB" "$dB" "$dB" > "$dir/classes.dat.tmp"
for c in $cls_task; do
    fa=$(clsv "$dA" $cmp_model "$c" 5) la=$(clsv "$dA" $cmp_model "$c" 6) ha=$(clsv "$dA" $cmp_model "$c" 7)
    fb=$(clsv "$dB" $cmp_model "$c" 5) lb=$(clsv "$dB" $cmp_model "$c" 6) hb=$(clsv "$dB" $cmp_model "$c" 7)
    if overlap "$la" "$ha" "$lb" "$hb"; then better='neither clearly'
    elif awk -v a="$fa" -v b="$fb" 'BEGIN { exit !(a > b) }'; then better=$dA
    else better=$dB; fi
    printf '| %s | %s [%s, %s] | %s [%s, %s] | %s |\n' "$c" "$(pct "$fa")" "$(pct "$la")" "$(pct "$ha")" \
        "$(pct "$fb")" "$(pct "$lb")" "$(pct "$hb")" "$better"
    printf '%s %s %s %s %s %s %s\n' "$c" "$fa" "$la" "$ha" "$fb" "$lb" "$hb" >> "$dir/classes.dat.tmp"
done
mv "$dir/classes.dat.tmp" "$dir/classes.dat"
plot classes "set title 'TUG phases on the test subjects: F1 of the $(name $cmp_model) (${level_} % subject-bootstrap intervals)'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set yrange [0:1.05]
set ylabel 'F1'
set key top right
set grid ytics
plot '$dir/classes.dat' using 2:3:4:xtic(1) title '$dA', '' using 5:6:7 title '$dB'"
echo
echo '![F1 per phase, phone and watch](05_geotec/classes.png)'
echo
awk -F, -v m=$cmp_model -v a="$dA" -v b="$dB" '
    NR > 1 && $2 == m { f[$1, $3] = $5; lo[$1, $3] = $6; hi[$1, $3] = $7; if ($1 == a) c[++n] = $3 }
    END { for (i = 1; i <= n; i++) { k = c[i]
              if (lo[a, k] > hi[b, k]) A = A (A ? ", " : "") k
              else if (lo[b, k] > hi[a, k]) B = B (B ? ", " : "") k
              else N = N (N ? ", " : "") k }
          printf "Read from the table: the %s is clearly better at %s; the %s at %s; neither clearly at %s.\n",
              a, (A ? A : "no phase"), b, (B ? B : "no phase"), (N ? N : "no phase") }' "$dir/classes.csv"

cat <<EOF

### Person by person

Each test subject scored on its own windows (\`subjects.csv\`), macro-F1
with ${level_} % bootstrap intervals over that subject's windows.

| subject | $(for d in $devices; do for m in $models; do printf '%s %s | ' "$d" "$(name "$m")"; done; done | sed 's/ | $//') |
|---:|$(for d in $devices; do for m in $models; do printf -- '---|'; done; done)
EOF
for s in $(awk -F, 'NR > 1 && !seen[$3]++ { print $3 }' "$dir/subjects.csv"); do
    printf '| %s |' "$s"
    for d in $devices; do for m in $models; do
        printf ' %s [%s, %s] |' "$(pct "$(row "$dir/subjects.csv" "$d,$m,$s" 8)")" \
            "$(pct "$(row "$dir/subjects.csv" "$d,$m,$s" 9)")" "$(pct "$(row "$dir/subjects.csv" "$d,$m,$s" 10)")"
    done; done
    echo
done
echo
for d in $devices; do for m in $models; do
    awk -F, -v d="$d" -v m="$m" -v nm="$(name "$m")" 'NR > 1 && $1 == d && $2 == m { n++; x = $8 + 0; s += x; q += x * x
        if (n == 1 || x < w) { w = x; ws = $3 }
        if (n == 1 || x > b) { b = x; bs = $3 } }
        END { mu = s / n; sd = sqrt(q / n - mu * mu); printf "- %s, %s: subjects from %.1f %% (subject %s) to %.1f %% (subject %s), mean %.1f %%, SD %.1f points.\n",
              d, nm, 100 * w, ws, 100 * b, bs, 100 * mu, 100 * sd }' "$dir/subjects.csv"
done; done

# ---- cross-dataset --------------------------------------------------------------
nsit=$(ing cross class SITTING windows) nwalk=$(ing cross class WALKING windows)
cat <<EOF

## 3. The HAPT models on the GeoTec phone

The HAPT models were trained on a phone at the waist, in
$(awk -v t="$(ing cross shape X T)" 'BEGIN { printf "%g", t / 50 }') s windows, on $(word "$(awk -F, '$1 == "class" && $3 == "windows" { n++ } END { print n }' "$dir/ingest-cross.csv")") classes.  The GeoTec phone recordings were cut the same way
($(ing cross shape X T) samples, majority label) and labelled with the HAPT classes: SEATED as
SITTING and WALKING as WALKING, the classes both datasets share.
STANDING_UP and SITTING_DOWN are postural transitions, which the six-class
HAPT models were not trained on (HAPT's own transitions, activities 7-12,
are left out of its task too), and HAPT has no turning: their windows are
dropped and counted.  That gives $(ing cross shape X N) windows: $nsit SITTING and
$nwalk WALKING; $(ing cross ingest windows excluded) windows of dropped phases and
$(ing cross ingest windows mixed) mixed ones were left out.  The scores are over these two classes
(macro-F1: the mean F1 of SITTING and WALKING); a prediction of any of the
other four HAPT classes counts as wrong.  The final model is the zoo's
$(name "$final").

| HAPT model | rotation augmentation | accuracy | macro-F1 [${level_} % interval] | recall SITTING | recall WALKING | SITTING windows mostly read as | WALKING windows mostly read as |
|---|---|---:|---|---:|---:|---|---|
EOF
for m in $cross; do
    awk -F, -v m="$m" -v nm="$(name "$m")" -v fin="$final" 'NR > 1 && $1 == m {
        printf "| %s%s | %s | %.1f %% | %.1f %% [%.1f %%, %.1f %%] | %.1f %% | %.1f %% | %s (%.0f %%) | %s (%.0f %%) |\n",
            nm, (m == fin ? " (final)" : ""), $2, 100 * $4, 100 * $7, 100 * $8, 100 * $9, 100 * $10, 100 * $11, $12, 100 * $13,
            $14, 100 * $15 }' \
        "$dir/cross.csv"
done
awk -F, 'NR > 1 { printf "%s %s %s\n", $1, $10, $11 }' "$dir/cross.csv" > "$dir/cross.dat.tmp" && mv "$dir/cross.dat.tmp" "$dir/cross.dat"
plot cross "set title 'HAPT models on the GeoTec phone: recall of the shared classes'
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.6 border -1
set yrange [0:1.05]
set ylabel 'recall'
set xtics rotate by -20
set key top right
set grid ytics
plot '$dir/cross.dat' using 2:xtic(1) title 'SITTING', '' using 3 title 'WALKING'"
echo
echo '![Recall of SITTING and WALKING](05_geotec/cross.png)'
echo
awk -F, -v fin="$final" '
    function verdict(r) { return r >= 0.8 ? "transfers" : r >= 0.5 ? "transfers in part" : "does not transfer" }
    NR > 1 { r_s[$1] = $10; r_w[$1] = $11; f[$1] = $7; lo[$1] = $8; hi[$1] = $9; as[$1] = $12; sh[$1] = $13; n++
             ws += $11; ss += $10 }
    END {
        printf "Over the %d HAPT models, the mean recall of WALKING is %.1f %% (walking %s) and of SITTING %.1f %% (sitting %s; a recall of 80 %% or more counts as transferring, below 50 %% as not).  ", \
            n, 100 * ws / n, verdict(ws / n), 100 * ss / n, verdict(ss / n)
        printf "The final model recognises %.1f %% of the WALKING windows and %.1f %% of the SITTING ones, reading %.0f %% of the SITTING windows as %s.\n", \
            100 * r_w[fin], 100 * r_s[fin], 100 * sh[fin], as[fin]
        a = "cnn-gru"; b = "cnn-gru-norot"
        if ((a in f) && (b in f)) {
            d = f[a] - f[b]
            printf "\nRotation: the CNN-GRU%s trained without the rotation augmentation scores macro-F1 %.2f %% [%.2f %%, %.2f %%] against %.2f %% [%.2f %%, %.2f %%] with it (%+.2f points with rotation); ", \
                (a == fin ? " (the final model'"'"'s recipe)" : ""), 100 * f[b], 100 * lo[b], 100 * hi[b], 100 * f[a], 100 * lo[a], 100 * hi[a], 100 * d
            if (lo[a] > hi[b]) printf "the intervals do not overlap: on this phone placement the rotation augmentation helps%s\n", \
                (f[a] < 0.5 ? ", though from a low level: with it the model still misses most windows." : ".")
            else if (lo[b] > hi[a]) print "the intervals do not overlap: on this phone placement the rotation augmentation hurts."
            else print "the intervals overlap, so this test cannot tell whether the rotation augmentation helps on this phone placement."
            printf "Recall without rotation against with it: SITTING %.1f %% against %.1f %%, WALKING %.1f %% against %.1f %%.\n", \
                100 * r_s[b], 100 * r_s[a], 100 * r_w[b], 100 * r_w[a]
        }
    }' "$dir/cross.csv"
rot_deg=$(hp "$(log_field "$zoo_log" "$final" hyperparameters)" rotate)
# Whether both shared classes failed to transfer (mean recall under 50 %).
neither=$(awk -F, 'NR > 1 { s += $10; w += $11; n++ } END { print (n && s / n < 0.5 && w / n < 0.5) ? 1 : 0 }' "$dir/cross.csv")
awk -F, -v rot="$rot_deg" -v neither="$neither" '
    NR > 1 { n[$1] = $2; ax[$1, "x"] = $3; ax[$1, "y"] = $4; ax[$1, "z"] = $5 }
    function main(d,   a, b) { b = "x"; if (ax[d, "y"] > ax[d, b]) b = "y"; if (ax[d, "z"] > ax[d, b]) b = "z"; return b }
    END {
        h = main("hapt"); g = main("geotec-phone")
        printf "\nWhere gravity lies (`gravity.csv`, the mean acceleration of each recording): along the phone'"'"'s %s axis in %d of the %d HAPT recordings, along its %s axis in %d of the %d GeoTec phone recordings.", \
            h, ax["hapt", h], n["hapt"], g, ax["geotec-phone", g], n["geotec-phone"]
        if (h != g) {
            printf "  The HAPT models learned every activity with gravity on %s; in the trouser pocket it lies on %s, a turn of about 90 degrees, beyond the %s degrees (at most) by which the rotation augmentation turns a training window.", h, g, rot
            if (neither)
                printf "  That fits the numbers above, where neither shared class transfers: these models learned their activities in one way of wearing the phone.  This study does not test the explanation further (by training on GeoTec-like orientations, say).\n"
            else
                printf "\n"
        } else
            printf "  Both datasets hold the phone with gravity on the same axis.\n"
    }' "$dir/gravity.csv"
