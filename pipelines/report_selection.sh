#!/bin/sh
# report_selection.sh DIR FINAL_MODEL [PART] - writes to standard output report
# 3's sections on how the final model was chosen (pipelines/selection.mk),
# and their figures to DIR.  PART: "choice" (the candidates and the choice,
# paired differences, seeds, epochs), "record" (when the test subjects were
# seen, the nested cross-validation beside the test score) or, by default,
# both.  Every number comes from a file of the pipeline, every conclusion
# from rules on them (most are decided in selection-summary.csv):
#   DIR/choice.txt, DIR/selection-summary.csv, DIR/selection-record.csv,
#   DIR/final.csv                      (pipelines/selection.mk, har-eval --csv)
#   DIR/../models/cv/scores.csv, experiments.csv, RECIPE-FOLD-curves.csv
#                                      the recipes' cross-validation
#   DIR/../model-selection/            make model-selection's outputs, if
#                                      selection-summary.csv says they are
#                                      current
#   FINAL_MODEL's metadata             the har-train run that wrote it: its
#                                      training file (whose subjects are
#                                      counted), its hyperparameters, and the
#                                      candidates' checkpoints next to its
#                                      output (their hyperparameters)
set -eu
dir=$1 final=$2 part=${3:-all}
trap 'rm -f "$dir"/*.png.tmp' EXIT
. "$(dirname "$0")/report_lib.sh"
cv=$(dirname "$dir")/models/cv study=$(dirname "$dir")/model-selection
sum=$dir/selection-summary.csv record=$dir/selection-record.csv
# s KEY: a value of the selection summary.
s() { awk -F, -v k="$1" '$1 == k { print substr($0, length(k) + 2); found = 1; exit } END { if (!found) exit 1 }' "$sum"; }
metric=$(s primary_metric)
case $metric in accuracy) mname=accuracy mcol=val_acc ;; *) mname=macro-F1 mcol=val_f1 ;; esac
chosen=$(s chosen) chosen_recipe=$(s chosen_recipe) runner=$(s runner_up) runner_recipe=$(s runner_up_recipe)
folds=$(s cv_folds)
candidates=$(s candidates)
fit_subjects=$(fit_subjects "$final")
# pts X: X (a difference of scores) in points of percentage, signed.
pts() { awk -v x="$1" 'BEGIN { printf "%+.2f", 100 * x }'; }
# upts X: the same, unsigned.
upts() { awk -v x="$1" 'BEGIN { printf "%.2f", 100 * (x < 0 ? -x : x) }'; }
# recipe_of MODEL
recipe_of() { awk -v m="$1" '$1 == m { print $2 }' "$dir/choice.txt"; }
# fold_scores RECIPE [FILE [SEED]]: its last-epoch metric per fold, in fold order.
fold_scores() {
    awk -F, -v r="$1" -v m="last_$metric" -v s="${3:-}" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 == r && (s == "" || $(c["seed"]) == s) { l = l (l == "" ? "" : " ") $(c[m]) } END { print l }' "${2:-$cv/scores.csv}"
}
# ymin/ymax LIST...: a plot range around the values, on a 0.01 grid.
yrange() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) { if (lo == "" || $i < lo) lo = $i; if (hi == "" || $i > hi) hi = $i } }
    END { lo = int(100 * lo - 1) / 100; hi = int(100 * hi + 2) / 100; if (lo < 0) lo = 0; if (hi > 1) hi = 1; printf "%s:%s", lo, hi }'; }

# ---- The candidates and the choice ----
choice() {
    # How the candidates were fitted, from their recorded hyperparameters:
    # what all share, then ("; ") what only some have, naming them.
    fit_out=$(trained_from "$final" | sed -n 2p)
    ckpt() { echo "$(dirname "$fit_out")/$1${fit_out#"$(dirname "$fit_out")/$chosen"}"; }
    fit_recipe=$(for m in $candidates; do
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
                  f[6, i] = h[c, "model"] ~ /(^|,)dropout:/ ? "dropout" : ""
                  f[7, i] = h[c, "epochs"] " epochs" }
              for (j = 1; j <= 7; j++) for (i = 1; i <= n; i++) {
                  p = f[j, i]; if (p == "" || (j, p) in done) continue; done[j, p]; w = ""; k = 0
                  for (l = i; l <= n; l++) if (f[j, l] == p) { w = w (k++ ? "|" : "") "the " toupper(m[l]) }
                  if (k == n) all = all (all == "" ? "" : ", ") p; else some = some (some == "" ? "" : ", ") p " in " and_(w) }
              print all (some == "" ? "" : "; " some) }')
    header=$(i=1; while [ $i -le "$folds" ]; do printf ' fold %s |' $i; i=$((i + 1)); done)
    rule=$(i=1; while [ $i -le "$folds" ]; do printf -- '---:|'; i=$((i + 1)); done)
    fmt -w 76 <<EOF
## The candidates and the choice (by cross-validation)

The zoo's recurrent models (\`pipelines/models.mk\`), each with the recipe
cross-validated for it: $folds-fold cross-validation over the $fit_subjects training
subjects (the test subjects are in no fold; \`pipelines/recipes.mk\`), each
fold's run scored at its last epoch on the fold's held-out subjects.  The
final model is the candidate with the best mean $mname, the primary metric
(PRIMARY_METRIC in the Makefile), which every choice in the pipelines is made
on.  Each model was then fitted on all $fit_subjects training subjects
($fit_recipe).
EOF
    cat <<EOF

| model | recipe |$header mean $mname | mean accuracy |
|---|---|$rule---:|---:|
EOF
    while read -r m r mean; do
        printf '| %s | %s | %s | %s | %s |\n' "$m" "$r" "$(fold_scores "$r" | sed 's/ / | /g')" "$mean" \
            "$(awk -F, -v r="$r" '$1 == r { s += $5; n++ } END { printf "%.4f", s / n }' "$cv/scores.csv")"
    done < "$dir/choice.txt"
    cat <<EOF

Chosen: **$chosen** (\`$(meta "$final" spec)\`, recipe $chosen_recipe), committed as
\`artifacts/final_model.safetensors.gz\`, SHA-256 \`$(sha256sum "$final" | cut -d' ' -f1)\`.

![cross-validated $mname per fold and candidate](03_rnn_and_inference/cv_folds.png)

EOF
    plot_folds
    paired
    seeds
    epochs
}

# The candidates' fold scores, a line per candidate (the folds are paired:
# the same held-out subjects for every candidate).
plot_folds() {
    i=0
    for m in $candidates; do
        i=$((i + 1))
        fold_scores "$(recipe_of "$m")" | awk -v i=$i -v n="$(echo $candidates | wc -w)" '{ for (k = 1; k <= NF; k++) print k + 0.08 * (i - (n + 1) / 2), $k }' > "$dir/cv_folds_$i.dat"
    done
    i=0 cmd=
    for m in $candidates; do
        i=$((i + 1))
        cmd="$cmd${cmd:+, }'$dir/cv_folds_$i.dat' using 1:2 with linespoints lw 2 ps 1.4 title '$m ($(recipe_of "$m"))'"
    done
    tics=$(i=1; while [ $i -le "$folds" ]; do printf '%s"fold %s" %s' "$([ $i -gt 1 ] && echo ', ')" $i $i; i=$((i + 1)); done)
    plot cv_folds "set title 'Cross-validation: last-epoch $mname on the held-out subjects of each fold'
set xlabel 'fold (held-out training subjects; the same subjects for every candidate)'
set ylabel 'validation $mname, last epoch'
set xtics ($tics)
set xrange [0.5:$folds + 0.5]
set yrange [$(yrange $(for m in $candidates; do fold_scores "$(recipe_of "$m")"; done))]
set grid ytics
set key below
set bmargin 6
plot $cmd" 900,520
    rm -f "$dir"/cv_folds_*.dat
}

# The chosen candidate against each other one, fold by fold.
paired() {
    header=$(i=1; while [ $i -le "$folds" ]; do printf ' fold %s |' $i; i=$((i + 1)); done)
    rule=$(i=1; while [ $i -le "$folds" ]; do printf -- '---:|'; i=$((i + 1)); done)
    cat <<EOF
**Paired differences.**  Every candidate is scored on the same held-out
subjects in each fold, so the folds compare them pair by pair: $chosen's
$mname minus the other's, in points (hundredths):

| $chosen minus |$header mean | standard error |
|---|$rule---:|---:|
EOF
    a=$(fold_scores "$chosen_recipe")
    rows=$(for m in $candidates; do
        [ "$m" = "$chosen" ] && continue
        printf '%s\n%s\n' "$a" "$(fold_scores "$(recipe_of "$m")")" | awk -v m="$m" 'NR == 1 { n = split($0, x, " ") } NR == 2 { split($0, y, " ")
            for (i = 1; i <= n; i++) { d[i] = 100 * (x[i] - y[i]); s += d[i] }
            mu = s / n; for (i = 1; i <= n; i++) v += (d[i] - mu) ^ 2
            printf "| %s |", m; for (i = 1; i <= n; i++) printf " %+.2f |", d[i]
            printf " %+.2f | %.2f |\n", mu, (n > 1 ? sqrt(v / (n - 1) / n) : 0) }'
    done)
    printf '%s\n\n' "$rows"
    # the runner-up's row: its mean and standard error, as printed
    mu=$(echo "$rows" | awk -F'|' -v m=" $runner " '$2 == m { x = $(NF - 2); gsub(/[ +]/, "", x); print x }')
    se=$(echo "$rows" | awk -F'|' -v m=" $runner " '$2 == m { x = $(NF - 1); gsub(/ /, "", x); print x }')
    ahead=$(s cv_margin_folds | awk '{ for (i = 1; i <= NF; i++) if ($i <= 0) n++ } END { print n + 0 }')
    {
        printf '%s leads the runner-up, %s, by %s points of %s on average over the folds' "$chosen" "$runner" "$mu" "$mname"
        if [ "$ahead" -gt 0 ]; then printf ', yet %s is ahead on %s of the %s folds' "$runner" "$(word "$ahead")" "$(word "$folds")"; fi
        printf '; the standard error of the paired fold differences is %s points, ' "$se"
        if [ "$(s fold_within_noise)" = yes ]; then
            printf 'more than half the margin: on the folds alone the two are not told apart.'
        else
            printf 'less than half the margin: the folds separate them.'
        fi
        printf '  %s'"'"'s own folds spread over %s points (%s).\n' "$chosen" "$(upts "$(s chosen_fold_spread)")" "$(s chosen_cv_folds | sed 's/ /, /g')"
    } | fmt -w 76
    printf '\n'
}

# The seed study (make model-selection), or why it is not shown.
seeds() {
    printf '## Seeds: is the choice within noise?\n\n'
    if ! study_current; then
        if [ "$(s within_noise)" = yes ]; then
            printf 'On the folds alone (above) the choice of %s over %s is within noise.\n\n' "$chosen" "$runner"
        else
            printf 'On the folds alone (above) the choice of %s over %s is beyond the noise between folds; seed-to-seed noise is not measured.\n\n' "$chosen" "$runner" | fmt -w 76
        fi
        return
    fi
    seedlist=$(s seeds)
    header=$(i=1; while [ $i -le "$folds" ]; do printf ' fold %s |' $i; i=$((i + 1)); done)
    rule=$(i=1; while [ $i -le "$folds" ]; do printf -- '---:|'; i=$((i + 1)); done)
    fmt -w 76 <<EOF
The chosen recipe and the runner-up, each trained with seeds $(echo "$seedlist" | tr ' ' '|' | awk "$AND"'{ print and_($0) }') (the seed
sets the initial weights, the batch order, dropout and augmentation) on the
same $folds folds, scored like the cross-validation above (\`make
model-selection\`; seed 1 is the cross-validation's own run):
EOF
    cat <<EOF

| recipe | seed |$header mean |
|---|---:|$rule---:|
EOF
    for r in "$chosen_recipe" "$runner_recipe"; do
        for sd in $seedlist; do
            l=$(fold_scores "$r" "$study/seeds.csv" "$sd")
            printf '| %s | %s | %s | %s |\n' "$r" "$sd" "$(echo "$l" | sed 's/ / | /g')" "$(echo "$l" | awk '{ for (i = 1; i <= NF; i++) s += $i; printf "%.4f", s / NF }')"
        done
    done
    cat <<EOF

![seeds](03_rnn_and_inference/seeds.png)

EOF
    plot_seeds "$seedlist"
    {
        printf 'Over the %s seeds, %s'"'"'s cross-validated %s is %s (standard deviation %s points between seeds), %s'"'"'s %s (%s points).' \
            "$(word "$(echo $seedlist | wc -w)")" "$chosen_recipe" "$mname" "$(s chosen_seed_mean)" "$(upts "$(s chosen_seed_sd)")" \
            "$runner_recipe" "$(s runner_up_seed_mean)" "$(upts "$(s runner_up_seed_sd)")"
        printf '  Paired by seed, %s leads by %s points on average (%s per seed)' "$chosen_recipe" "$(pts "$(s seed_margin)")" \
            "$(for x in $(s seed_margins); do pts "$x"; echo; done | joined)"
        n=$(s seeds_runner_up_ahead)
        if [ "$n" -gt 0 ]; then printf ', and %s is ahead with %s of them.' "$runner_recipe" "$(word "$n")"; else printf ' and on every seed.'; fi
        printf '  '
        verdict
    } | fmt -w 76
    printf '\n'
}

# The within-noise verdict and the reasons for it.
verdict() {
    sdmax=$(awk -v a="$(s chosen_seed_sd)" -v b="$(s runner_up_seed_sd)" 'BEGIN { print (a > b ? a : b) }')
    reasons=$( { [ "$(s seeds_runner_up_ahead)" -gt 0 ] && echo "the runner-up wins with some seeds"
                 awk -v m="$(s seed_margin)" -v d="$sdmax" 'BEGIN { exit !(m < d) }' &&
                     echo "the mean margin is smaller than the spread of a recipe's cross-validated score between seeds ($(upts "$sdmax") points)"
                 [ "$(s fold_within_noise)" = yes ] && echo "the folds' paired differences do not separate them"; } | joined)
    if [ "$(s within_noise)" = yes ]; then
        printf '**The choice of %s over %s is within noise**: %s.' "$chosen" "$runner" "$reasons"
        if [ "$(s seeds_runner_up_ahead)" -gt 0 ]; then
            printf '  With another seed, %s could have been chosen.\n' "$runner"
        elif awk -v m="$(s seed_margin)" -v d="$sdmax" 'BEGIN { exit !(m < d) }'; then
            printf '  %s led with every seed tried, but by less than a seed changes a recipe'"'"'s score.\n' "$chosen_recipe"
        else
            printf '  %s led with every seed tried; it is the spread between folds that leaves the margin undecided.\n' "$chosen_recipe"
        fi
    else
        printf '**The choice of %s over %s holds beyond the noise measured here**: %s is ahead with every seed, by more than the spread between seeds (%s points) and than two standard errors of the paired fold differences.\n' \
            "$chosen" "$runner" "$chosen_recipe" "$(upts "$sdmax")"
    fi
}

# study_current: whether make model-selection's outputs are used; if not,
# says why.
study_current() {
    st_=$(s study_status)
    [ "$st_" = current ] && return 0
    study_missing "$st_" | fmt -w 76
    printf '\n'
    return 1
}
# study_missing STATUS: why make model-selection's outputs are not used.
study_missing() {
    if [ "$1" = absent ]; then
        echo "\`make model-selection\` (the seed study and the nested cross-validation; not part of \`make all\`) has not been run: \`artifacts/model-selection/\` holds none of its outputs, so they are not shown."
    else
        echo "The committed outputs of \`make model-selection\` in \`artifacts/model-selection/\` were computed for something else than this build ($(s study_stale_reasons | tr ' ' '\n' | sed 's/^definitions$/other definitions: recipes, folds, seeds or data/;s/^fold-scores$/other fold scores of the recipes/;s/^seed-recipes$/another runner-up/' | joined)), so they are not shown: run \`make model-selection\` again."
    fi
}

plot_seeds() {
    i=0 cmd=
    for r in "$chosen_recipe" "$runner_recipe"; do
        i=$((i + 1)) j=0
        for sd in $1; do
            j=$((j + 1))
            { fold_scores "$r" "$study/seeds.csv" "$sd" | awk -v o="$(awk -v i=$i -v j=$j 'BEGIN { print (i == 1 ? -0.2 : 0.1) + 0.05 * (j - 1) }')" \
                '{ for (k = 1; k <= NF; k++) { print k + o, $k; s += $k }; print NF + 1 + o, s / NF }'; } > "$dir/seeds_${i}_$j.dat"
            cmd="$cmd${cmd:+, }'$dir/seeds_${i}_$j.dat' using 1:2 with points pt $((4 + 2 * j)) ps 1.6 lc $i title '$r, seed $sd'"
        done
    done
    tics=$(i=1; while [ $i -le "$folds" ]; do printf '"fold %s" %s, ' $i $i; i=$((i + 1)); done)
    plot seeds "set title 'Seeds: last-epoch $mname of the chosen recipe and the runner-up on each fold'
set xlabel 'fold (held-out training subjects), and the mean over the folds'
set ylabel 'validation $mname, last epoch'
set xtics (${tics}\"mean\" $((folds + 1)))
set xrange [0.5:$folds + 1.5]
set yrange [$(yrange $(awk '{ print $2 }' "$dir"/seeds_*.dat))]
set grid ytics
set key outside right
plot $cmd" 1000,480
    rm -f "$dir"/seeds_*.dat
}

# Epochs: whether any other count was tried, from the fold runs' recorded
# hyperparameters, and how the folds' curves ended.
epochs() {
    e=$(s epochs) fe=$(hp "$(meta "$final" hyperparameters)" epochs)
    runs=$(($(wc -l < "$cv/experiments.csv") - 1))
    printf '## Epochs\n\n'
    {
        if [ "$(s epochs_compared)" = 1 ]; then
            printf 'Every one of the %s fold runs of the candidates was trained for %s epochs (their recorded hyperparameters, `artifacts/models/cv/experiments.csv`), and the final fit for %s: **the number of epochs was fixed, not chosen**; no other count was cross-validated.' "$runs" "$e" "$fe"
        else
            printf 'The %s fold runs of the candidates were trained for %s epochs (their recorded hyperparameters), and the final fit for %s.' "$runs" "$(echo $e | tr ' ' '|' | awk "$AND"'{ print and_($0) }')" "$fe"
        fi
        printf '  Within those runs, the mean over the folds of the validation %s ' "$mname"
        for m in $candidates; do
            r=$(recipe_of "$m")
            for k in $(awk -F, -v r="$r" '$1 == r { print $2 }' "$cv/scores.csv"); do cat "$cv/$r-$k-curves.csv"; done |
                awk -F, -v c="$mcol" -v r="$r" '$1 == "epoch" { for (i = 1; i <= NF; i++) if ($i == c) col = i; next }
                    { s[$1] += $col; n[$1]++; if ($1 > last) last = $1 }
                    END { f = s[last] / n[last]; from = last
                          for (e = last; e >= 1; e--) { x = s[e] / n[e]; if (x < f - 0.005 || x > f + 0.005) break; from = e }
                          printf "%s reaches %.4f at epoch %d and stays within half a point of it from epoch %d on\n", r, f, last, from }'
        done | awk '{ l = l (NR > 1 ? "; " : "") $0 } END { printf "of %s.", l }'
        printf '  The curves below show it fold by fold.\n'
    } | fmt -w 76
    printf '\n![validation %s over the epochs of each fold run](03_rnn_and_inference/cv_curves.png)\n\n' "$mname"
    plot_curves
}

plot_curves() {
    lo=$(for m in $candidates; do r=$(recipe_of "$m"); cat "$cv/$r"-*-curves.csv; done |
        awk -F, -v c="$mcol" '$1 == "epoch" { for (i = 1; i <= NF; i++) if ($i == c) col = i; next } { v[++n] = $col; e[n] = $1; if ($1 > m) m = $1 }
            END { lo = 1; for (i = 1; i <= n; i++) if (e[i] > m / 4 && v[i] < lo) lo = v[i]; printf "%.2f", int(100 * lo - 1) / 100 }')
    # one panel per fold, the candidates in each (the key in the first)
    panels= k=0
    for f in $(awk -F, -v r="$chosen_recipe" '$1 == r { print $2 }' "$cv/scores.csv"); do
        k=$((k + 1)) i=0 cmd=
        for m in $candidates; do
            i=$((i + 1))
            cmd="$cmd${cmd:+, }'$cv/$(recipe_of "$m")-$f-curves.csv' using 1:'$mcol' with lines lw 2 lc $i $([ $k = 1 ] && echo "title '$m'" || echo notitle)"
        done
        panels="$panels
set title 'fold $k'
$(if [ $k = 2 ]; then echo 'unset ylabel'; fi)
plot $cmd"
    done
    plot cv_curves "set datafile separator comma
set datafile columnheaders
set multiplot layout 1,$folds title 'Validation $mname over the epochs of each fold run (the first epochs may fall below the axis)'
set xlabel 'epoch'
set ylabel 'validation $mname'
set yrange [$lo:1]
set grid ytics
set key bottom right
$panels
unset multiplot" 1200,450
}

# ---- When the test subjects were seen, and an estimate that never saw them ----
record_part() {
    n_looks=$(s test_looks) n_cand=$(s candidate_looks)
    printf '## When the test subjects were seen (the selection record)\n\n'
    fmt -w 76 <<EOF
Every score on the test subjects that the git history records, read by
\`pipelines/selection_record.sh\` from \`git log\` into
\`03_rnn_and_inference/selection-record.csv\`: the zoo's (\`artifacts/models/summary.md\`),
the baselines' (report 1) and report 3's own.  A look is a commit that
recorded a test score never recorded before; "this build" is this build's
own test evaluation, where it scores differently from every earlier commit.  Scores computed and never committed leave no trace, so
this is the least that happened.
EOF
    if [ "$n_looks" = 0 ]; then
        printf '\nThe record is empty: no git history was available when it was made, so when the\ntest subjects were seen is unknown here.\n\n'
        nested
        return
    fi
    header=$(for m in $candidates; do printf ' %s |' "$m"; done)
    rule=$(for m in $candidates; do printf -- '---:|'; done)
    cat <<EOF

| look | commit | date (UTC) | what was kept |$header
|---|---|---|---|$rule
EOF
    awk "$CSV"' NR > 1 && csv($0, f) && f[6] == "candidate" { l = f[1]; if (!(l in seen)) { seen[l]; o[++n] = l; c[l] = f[2]; d[l] = f[3] }
            sc[l, f[5]] = sprintf("%.4f (epoch %s%s)", f[8], f[9], f[11] + 0 > 0 ? ", rotation" : "")
            p[l] = p[l] (index(p[l], f[10]) ? "" : (p[l] == "" ? "" : ", ") f[10]) }
        END { m = split(cands, cm, " ")
              for (i = 1; i <= n; i++) { l = o[i]; printf "| %s | %s | %s | %s |", l, c[l], d[l], pname(p[l])
                  for (j = 1; j <= m; j++) printf " %s |", ((l, cm[j]) in sc ? sc[l, cm[j]] : "-"); print "" } }
        function pname(x) { gsub(/best-val/, "best epoch on the validation subjects", x); gsub(/refit-last/, "last epoch of a fit on every training subject", x); return x }' \
        cands="$candidates" "$record"
    printf '\n(test %s of each candidate; the epoch its checkpoint was taken from.)\n\n' "$mname"
    others=$(awk "$CSV"' NR > 1 && csv($0, f) && f[6] != "candidate" { k = f[1]; if (!(k in seen)) { seen[k]; o[++n] = k }; m[k] = m[k] (m[k] == "" ? "" : "|") f[5] (f[6] == "baseline" ? " baseline" : "") }
        END { for (i = 1; i <= n; i++) print (o[i] == "this build" ? "this build" : "look " o[i]) ": " m[o[i]] }' "$record" |
        awk "$AND"'{ i = index($0, ": "); l = l (NR > 1 ? "; " : "") and_(substr($0, i + 2)) " at " substr($0, 1, i - 1) } END { print l }')
    [ -z "$others" ] || printf 'The other test scores recorded: %s.\n\n' "$others" | fmt -w 76
    if [ "$n_cand" -gt 1 ]; then
        printf '![test scores at each look](03_rnn_and_inference/record.png)\n\n'
        plot_record
    fi
    changes | bullets
    printf '\n'
    meaning | fmt -w 76
    printf '\n'
    nested
}

# What changed between consecutive looks at the candidates, and what it did
# to the chosen model's test score: a "- " line per look after the first.
changes() {
    awk -v cands="$candidates" -v ch="$chosen" -v mi="$([ "$metric" = accuracy ] && echo 7 || echo 8)" "$CSV$AND"'
        function pn(x) { return x == "best-val" ? "keeping the best epoch on the validation subjects" : x == "refit-last" ? "a fit on every training subject keeping its last epoch" : x }
        function once(key, text) { if (!(key in said)) { said[key]; w = w "|" text } }
        BEGIN { m = split(cands, cm, " ") }
        NR > 1 && csv($0, f) && f[6] == "candidate" { l = f[1]; if (!(l in seen)) { seen[l]; o[++n] = l; c[l] = f[2]; t[l] = f[4] }
            sc[l, f[5]] = f[mi]; p[l, f[5]] = f[10]; r[l, f[5]] = f[11]; e[l, f[5]] = f[12]; sp[l, f[5]] = f[14] }
        END { for (i = 2; i <= n; i++) { a = o[i - 1]; b = o[i]; w = ""
                  for (j = 1; j <= m; j++) { x = cm[j]; if (!((a, x) in sc) || !((b, x) in sc)) continue
                      if (p[a, x] != p[b, x]) once(b SUBSEP "p", "the protocol went from " pn(p[a, x]) " to " pn(p[b, x]))
                      if (r[a, x] != r[b, x]) once(b SUBSEP "r", "rotation went from " (r[a, x] + 0 ? "up to " r[a, x] " degrees" : "none") " to " (r[b, x] + 0 ? "up to " r[b, x] " degrees" : "none"))
                      if (e[a, x] != e[b, x]) w = w "|" x "'"'"'s epochs went from " e[a, x] " to " e[b, x]
                      if (sp[a, x] != sp[b, x]) w = w "|" x "'"'"'s spec went from `" sp[a, x] "` to `" sp[b, x] "`" }
                  sub(/^\|/, "", w)
                  gap = t[a] != "" && t[b] != "" ? sprintf(", %d minutes after look %s", int((t[b] - t[a]) / 60 + 0.5), a) : ""
                  if ((a, ch) in sc && (b, ch) in sc) s = sprintf("; %s went from %.4f to %.4f", ch, sc[a, ch], sc[b, ch]); else s = ""
                  printf "- %s%s: %s%s.\n", b == "this build" ? "This build" : "Look " b, b == "this build" ? "" : " (" c[b] gap ")",
                      w == "" ? "no change of protocol, rotation, epochs or spec is recorded (the same recipes, trained again)" : and_(w), s } }' "$record"
}

# What the record means for the test score.
meaning() {
    n_cand=$(s candidate_looks) look=$(s final_score_look)
    before=$(s candidate_looks_before_final)
    score=$(awk -v x="$(s test_score)" 'BEGIN { printf "%.4f", x }')
    where=$([ "$look" = "this build" ] && echo "this build's" || echo "look $look, $(s final_score_commit)")
    if [ -z "$look" ]; then
        printf 'The final test %s, %s, is not among the scores recorded: the record was not made from this build.\n' "$mname" "$score"
    elif [ "$(s test_untouched)" = yes ]; then
        printf 'The candidates were scored on the test subjects once (%s): the final test %s, %s, is an untouched estimate.\n' "$where" "$mname" "$score"
    else
        printf '**What this means.**  The candidates were scored on the test subjects at %s looks.  The final model'"'"'s test %s, %s (%s), ' \
            "$n_cand" "$mname" "$score" "$where"
        if [ "${before:-0}" -gt 0 ]; then
            printf 'came after %s earlier look%s at the candidates' "$(word "$before")" "$([ "$before" -gt 1 ] && echo s)"
            if changes | grep -q -e 'protocol went' -e 'rotation went' -e 'epochs went' -e 'spec went'; then
                printf ', between which the recipes or the protocol changed (above)'
            fi
            printf ': the version kept was settled while its predecessors'"'"' test scores were known, so this score may owe part of its height to these %s subjects and is not an untouched estimate of how the model does on new people.' \
                "$(v "$dir/final.csv" summary all subjects)"
        else
            printf 'was the first look at the candidates, but they were scored again afterwards, so the test subjects are not untouched for what came later.'
        fi
        printf '  The estimate below never saw them.\n'
    fi
}

# The nested cross-validation beside the test score.
nested() {
    printf '## An estimate that never saw the test subjects (nested cross-validation)\n\n'
    if ! study_current; then
        printf 'Without it, no estimate here is free of the test subjects.\n\n'
        return
    fi
    inner=$(awk -F, 'NR > 1 { print $2 }' "$study/inner-cv.csv" | sort -u | wc -l)
    fmt -w 76 <<EOF
The whole choice repeated without the test subjects (\`make model-selection\`,
with the tools of commit $(s study_git_commit)): inside each of the $folds outer folds above,
a $inner-fold cross-validation over that fold's training subjects alone ranks the
candidates by mean last-epoch $mname, as the choice does; the candidate it
picks is scored on the outer fold's held-out subjects, which neither its
training nor its choice saw (by the recipes' own fold run, trained on exactly
that fold's training subjects).  The mean of those scores estimates what the
whole procedure, choosing by cross-validation and then training, delivers on
new people; its fold runs train on $((folds - 1)) of the $folds parts of the training subjects,
the final fit on all of them, a difference it does not include.
EOF
    header=$(for m in $candidates; do printf ' inner mean: %s |' "$m"; done)
    rule=$(for m in $candidates; do printf -- '---:|'; done)
    cat <<EOF

| outer fold |$header picked | its $mname on the outer fold |
|---|$rule---|---:|
EOF
    awk -F, -v cands="$candidates" 'BEGIN { m = split(cands, cm, " ") } NR > 1 { k = $2; if (!(k in seen)) { seen[k]; o[++n] = k }
            im[k, $3] = $5; if ($7 == 1) { pk[k] = $3; os[k] = $6 } }
        END { for (i = 1; i <= n; i++) { k = o[i]; printf "| %d |", k; for (j = 1; j <= m; j++) printf " %s |", im[k, cm[j]]
                  printf " %s | %s |\n", pk[k], os[k] } }' "$study/nested-cv.csv"
    f=$dir/final.csv
    lo=$(v "$f" bootstrap subjects "${metric}_lo") hi=$(v "$f" bootstrap subjects "${metric}_hi")
    cat <<EOF

| estimate of the final model's $mname | value | saw the test subjects |
|---|---:|---|
| nested cross-validation (above) | $(s nested_cv) | no |
| cross-validated mean of the chosen recipe | $(s chosen_cv) | no, but the choice was made on these same folds |
| the test subjects (final evaluation) | $(s test_score) | yes$([ "$(s candidate_looks)" -gt 0 ] && echo ", $(s candidate_looks) looks at the candidates") |

EOF
    {
        npick=$(s nested_cv_picks_chosen)
        if [ "$npick" = "$folds" ]; then
            printf 'The inner cross-validations pick %s in every outer fold, so the nested estimate is its cross-validated mean: choosing on the same folds did not flatter it.' "$chosen"
        else
            printf 'The inner cross-validations pick %s in %s of the %s outer folds (%s).  ' "$chosen" "$(word "$npick")" "$(word "$folds")" \
                "$(s nested_cv_picks | tr ' ' '\n' | awk -v c="$chosen" '$1 != c { print $1 " in fold " NR }' | joined)"
            awk -v a="$(s chosen_cv)" -v b="$(s nested_cv)" 'BEGIN { d = a - b
                if (d > 0) printf "Choosing on the same folds it is scored on flatters the chosen recipe: its cross-validated mean is %.2f points above the nested estimate.", 100 * d
                else printf "The nested estimate is %.2f points above the chosen recipe'"'"'s cross-validated mean: choosing on the same folds did not flatter it here.", -100 * d }'
        fi
        d=$(s nested_minus_test)
        printf '  The nested estimate, %s, ' "$(s nested_cv)"
        awk -v d="$d" -v lo="$lo" -v hi="$hi" -v x="$(s nested_cv)" -v lv="$(level "$f")" 'BEGIN {
            if (d > -0.005 && d < 0.005) printf "agrees with the test score to within half a point"
            else printf "is %.2f points %s the test score", 100 * (d < 0 ? -d : d), d < 0 ? "below" : "above"
            printf " and %s its %s %% interval over test subjects [%.4f, %.4f].", (x >= lo && x <= hi ? "inside" : "outside"), lv, lo, hi }'
        case $(s test_untouched) in
            no) printf '  It is the figure to quote for new people; the test score, seen during development, is not an independent check of it.\n' ;;
            yes) printf '  The test score, seen once, is an independent check of it.\n' ;;
            *) printf '  Whether the test score is an independent check of it is unknown here (no record).\n' ;;
        esac
    } | fmt -w 76
    printf '\n'
}

# The candidates' test scores at each look, with the nested estimate.
plot_record() {
    i=0 cmd=
    mi=$([ "$metric" = accuracy ] && echo 7 || echo 8)
    for m in $candidates; do
        i=$((i + 1))
        awk "$CSV"' NR > 1 && csv($0, f) && f[6] == "candidate" { if (!(f[1] in seen)) { seen[f[1]]; n++ }; if (f[5] == m) print n, f[mi] }' \
            m="$m" mi="$mi" "$record" > "$dir/record_$i.dat"
        cmd="$cmd${cmd:+, }'$dir/record_$i.dat' using 1:2 with linespoints lw 2 ps 1.4 title '$m'"
    done
    tics=$(awk "$CSV"' NR > 1 && csv($0, f) && f[6] == "candidate" && !(f[1] in seen) { seen[f[1]]; n++
            printf "%s\"%s\" %d", (n > 1 ? ", " : ""), (f[1] == "this build" ? "this build" : "look " f[1] "\\n" f[2] "\\n" substr(f[3], 6)), n }' "$record")
    last=$(awk "$CSV"' NR > 1 && csv($0, f) && f[6] == "candidate" && !(f[1] in seen) { seen[f[1]]; n++ } END { print n }' "$record")
    extra= vals=$(awk '{ print $2 }' "$dir"/record_*.dat)
    if [ "$(s study_status)" = current ]; then
        extra=", $(s nested_cv) with lines lw 2 dt 2 lc rgb 'black' title 'nested CV (no test subjects)'"
        vals="$vals $(s nested_cv)"
    fi
    plot record "set title 'The candidates on the test subjects at each look (git history)'
set xlabel 'look at the test subjects (commit, date UTC)' offset 0,-2
set ylabel 'test $mname'
set xtics ($tics)
set xrange [0.7:$last + 0.3]
set yrange [$(yrange $vals)]
set grid ytics
set key inside bottom right vertical box opaque
set bmargin 6
plot $cmd$extra" 900,560
    rm -f "$dir"/record_*.dat
}

case $part in
    choice) choice ;;
    record) record_part ;;
    all) choice; record_part ;;
    *) echo "report_selection.sh: PART must be choice or record, not '$part'" >&2; exit 2 ;;
esac
