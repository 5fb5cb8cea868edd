#!/bin/sh
# selection_summary.sh DIR CV STUDY DEFS METRIC - key,value lines on the final
# model's choice (pipelines/selection.mk), for report 3 and the model card;
# every verdict is decided here, by rules on the numbers.  Reads
#   DIR/choice.txt, DIR/selection-record.csv, DIR/final.csv (har-eval --csv)
#   CV/scores.csv, CV/experiments.csv   the recipes' cross-validation
#   STUDY/{definitions.txt,nested-cv.csv,seeds.csv}   make model-selection's
#                                       outputs, if there
#   DEFS                                the definitions they must match
# METRIC is PRIMARY_METRIC; every score below is of it.  Lists are
# space-separated, in fold (or seed) order; an unknown value is empty (the
# study's keys while its outputs are absent or stale); every key is always
# there.
set -eu
dir=$1 cv=$2 study=$3 defs=$4 metric=$5
. "$(dirname "$0")/report_lib.sh"
kv() { printf '%s,%s\n' "$1" "$2"; }
# STATS: awk functions over a list "x1 x2 ...": mean_, sd_ (n - 1).
STATS='function mean_(l,   a, n, i, s) { n = split(l, a, " "); for (i = 1; i <= n; i++) s += a[i]; return n ? s / n : 0 }
function sd_(l,   a, n, i, m, s) { n = split(l, a, " "); if (n < 2) return 0; m = mean_(l)
    for (i = 1; i <= n; i++) s += (a[i] - m) ^ 2; return sqrt(s / (n - 1)) }'
# folds RECIPE [FILE [SEED]]: RECIPE's last-epoch METRIC on each fold, from
# scores.csv (or seeds.csv, of SEED).
folds() {
    awk -F, -v r="$1" -v m="last_$metric" -v s="${3:-}" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 == r && (s == "" || $(c["seed"]) == s) { l = l (l == "" ? "" : " ") $(c[m]) } END { print l }' "${2:-$cv/scores.csv}"
}
f4() { awk -v x="$1" 'BEGIN { printf "%.4f", x }'; }
# listcalc LIST CODE [-v NAME=VALUE ...]: awk CODE (with STATS) on l=LIST.
listcalc() { l_=$1 c_=$2; shift 2; awk -v l="$l_" "$@" "$STATS"' BEGIN { '"$c_"' }'; }

chosen=$(awk 'NR == 1 { print $1 }' "$dir/choice.txt") chosen_recipe=$(awk 'NR == 1 { print $2 }' "$dir/choice.txt")
runner=$(awk 'NR == 2 { print $1 }' "$dir/choice.txt") runner_recipe=$(awk 'NR == 2 { print $2 }' "$dir/choice.txt")
cf=$(folds "$chosen_recipe") rf=$(folds "$runner_recipe")
# paired per fold: chosen minus runner-up
margins=$(printf '%s\n%s\n' "$cf" "$rf" | awk 'NR == 1 { n = split($0, a, " ") } NR == 2 { split($0, b, " ")
    for (i = 1; i <= n; i++) printf "%s%.4f", (i > 1 ? " " : ""), a[i] - b[i]; print "" }')
kv primary_metric "$metric"
kv cv_folds "$(echo $cf | wc -w)"
kv candidates "$(awk '{ print $1 }' "$dir/choice.txt" | tr '\n' ' ' | sed 's/ $//')"
kv chosen "$chosen"
kv chosen_recipe "$chosen_recipe"
kv chosen_cv "$(awk 'NR == 1 { print $3 }' "$dir/choice.txt")"
kv chosen_cv_folds "$cf"
kv chosen_fold_spread "$(echo $cf | awk '{ lo = hi = $1; for (i = 2; i <= NF; i++) { if ($i < lo) lo = $i; if ($i > hi) hi = $i }; printf "%.4f", hi - lo }')"
kv runner_up "$runner"
kv runner_up_recipe "$runner_recipe"
kv runner_up_cv "$(awk 'NR == 2 { print $3 }' "$dir/choice.txt")"
kv runner_up_cv_folds "$rf"
kv cv_margin "$(awk 'NR == 1 { a = $3 } NR == 2 { printf "%.4f", a - $3 }' "$dir/choice.txt")"
kv cv_margin_folds "$margins"
fold_se=$(listcalc "$margins" 'n = split(l, a, " "); printf "%.4f", sd_(l) / sqrt(n)')
kv cv_margin_fold_se "$fold_se"
# Noise between folds: the paired margin is within two standard errors of 0.
fold_noise=$(listcalc "$margins" 'n = split(l, a, " "); print (mean_(l) < 2 * sd_(l) / sqrt(n) ? "yes" : "no")')
kv fold_within_noise "$fold_noise"

# The epoch counts the recipes' fold runs were given (their recorded
# hyperparameters): more than one would mean epochs were compared.
epochs=$(awk "$CSV"' NR == 1 { n = csv($0, h); for (i = 1; i <= n; i++) if (h[i] == "hyperparameters") c = i; next }
    { csv($0, f); if (match(f[c], /"epochs":[0-9]+/)) print substr(f[c], RSTART + 9, RLENGTH - 9) }' "$cv/experiments.csv" | sort -n -u | tr '\n' ' ' | sed 's/ $//')
kv epochs "$epochs"
kv epochs_compared "$(echo $epochs | wc -w)"

kv test_accuracy "$(f4 "$(v "$dir/final.csv" summary all accuracy)")"
kv test_macro_f1 "$(f4 "$(v "$dir/final.csv" summary all macro_f1)")"
test_score=$(f4 "$(v "$dir/final.csv" summary all "$metric")")
kv test_score "$test_score"

# The record: looks at the test subjects (commits that recorded new test
# scores), those that scored a candidate ("this build" counts as one), and
# how many of these came before the look that recorded the final score;
# without a record (no git history) whether the test subjects were seen is
# unknown.
awk "$CSV"' NR == 1 { next } { csv($0, f); look = f[1]; if (!(look in seen)) { seen[look]; n++ }
        if (f[6] == "candidate" && !(look in cand)) { cand[look]; nc++ }
        if (f[6] == "candidate" && f[5] == chosen && f[8] + 0 == score + 0) { fl = look; fc = f[2]; fd = f[3]; before = nc - 1 } }
    END { print "test_looks," n + 0; print "candidate_looks," nc + 0
          print "final_score_look," fl; print "final_score_commit," fc; print "final_score_date," fd
          print "candidate_looks_before_final," before
          print "test_untouched," (n == 0 ? "unknown" : nc <= 1 ? "yes" : "no") }' chosen="$chosen" score="$(f4 "$(v "$dir/final.csv" summary all macro_f1)")" "$dir/selection-record.csv"

# make model-selection's outputs: current, stale (why) or absent.
status=current why=
if [ ! -f "$study/nested-cv.csv" ] || [ ! -f "$study/seeds.csv" ] || [ ! -f "$study/definitions.txt" ]; then
    status=absent
else
    cmp -s "$study/definitions.txt" "$defs" || why="definitions"
    # the outer fold scores it read must still be the recipes' fold scores
    awk -F, 'FNR == 1 { file++; for (i = 1; i <= NF; i++) c[file, $i] = i; next }
        file == 1 { s[$1, $2] = $(c[1, "last_" m]); next }
        file == 2 { if (s[$4, $2] != $(c[2, "outer"])) bad = 1; next }
        $(c[3, "seed"]) == 1 && s[$1, $2] != $(c[3, "last_" m]) { bad = 1 } END { exit bad }' m="$metric" \
        "$cv/scores.csv" "$study/nested-cv.csv" "$study/seeds.csv" || why="$why${why:+ }fold-scores"
    [ "$(awk -F, 'NR > 1 { print $1 }' "$study/seeds.csv" | sort -u)" = "$(printf '%s\n%s\n' "$chosen_recipe" "$runner_recipe" | sort -u)" ] ||
        why="$why${why:+ }seed-recipes"
    [ -z "$why" ] || status=stale
fi
kv study_status "$status"
kv study_stale_reasons "$why"
kv study_git_commit "$([ -f "$study/experiments.csv" ] && awk "$CSV"' NR == 1 { n = csv($0, h); for (i = 1; i <= n; i++) if (h[i] == "git_commit") c = i; next }
    { csv($0, f); print f[c] }' "$study/experiments.csv" | sort -u | tr '\n' ' ' | sed 's/ $//')"

if [ "$status" = current ]; then
    picks=$(awk -F, '$7 == 1 { printf "%s%s", (n++ ? " " : ""), $3 }' "$study/nested-cv.csv")
    nested=$(awk -F, '$7 == 1 { printf "%s%s", (n++ ? " " : ""), $6 }' "$study/nested-cv.csv")
    kv nested_cv "$(listcalc "$nested" 'printf "%.4f", mean_(l)')"
    kv nested_cv_folds "$nested"
    kv nested_cv_picks "$picks"
    kv nested_cv_picks_chosen "$(echo $picks | tr ' ' '\n' | grep -c -x "$chosen" || true)"
    kv nested_minus_test "$(listcalc "$nested" 'printf "%.4f", mean_(l) - t' -v t="$test_score")"
    seeds=$(awk -F, 'NR > 1 { print $3 }' "$study/seeds.csv" | sort -n -u | tr '\n' ' ' | sed 's/ $//')
    kv seeds "$seeds"
    # per seed: each recipe's mean over the folds, and the paired margin
    cm= rm= sm=
    for s in $seeds; do
        a=$(folds "$chosen_recipe" "$study/seeds.csv" "$s") b=$(folds "$runner_recipe" "$study/seeds.csv" "$s")
        cm="$cm${cm:+ }$(listcalc "$a" 'printf "%.4f", mean_(l)')" rm="$rm${rm:+ }$(listcalc "$b" 'printf "%.4f", mean_(l)')"
    done
    sm=$(printf '%s\n%s\n' "$cm" "$rm" | awk 'NR == 1 { n = split($0, a, " ") } NR == 2 { split($0, b, " ")
        for (i = 1; i <= n; i++) printf "%s%.4f", (i > 1 ? " " : ""), a[i] - b[i]; print "" }')
    kv chosen_seed_means "$cm"
    kv chosen_seed_mean "$(listcalc "$cm" 'printf "%.4f", mean_(l)')"
    kv chosen_seed_sd "$(listcalc "$cm" 'printf "%.4f", sd_(l)')"
    kv runner_up_seed_means "$rm"
    kv runner_up_seed_mean "$(listcalc "$rm" 'printf "%.4f", mean_(l)')"
    kv runner_up_seed_sd "$(listcalc "$rm" 'printf "%.4f", sd_(l)')"
    kv seed_margins "$sm"
    kv seed_margin "$(listcalc "$sm" 'printf "%.4f", mean_(l)')"
    kv seeds_runner_up_ahead "$(echo $sm | tr ' ' '\n' | awk '$1 <= 0 { n++ } END { print n + 0 }')"
    # Within noise: the runner-up is ahead on some seed, or the mean margin
    # is below the seed-to-seed spread of either recipe's CV mean, or below
    # two standard errors of the paired fold margins.
    noise=$(listcalc "$sm" 's = sd_(c) > sd_(r) ? sd_(c) : sd_(r); n = split(l, a, " ")
        for (i = 1; i <= n; i++) if (a[i] <= 0) ahead = 1
        print (ahead || mean_(l) < s || f == "yes" ? "yes" : "no")' -v c="$cm" -v r="$rm" -v f="$fold_noise")
    kv within_noise_basis "folds seeds"
else
    # the same keys, unknown
    for k in nested_cv nested_cv_folds nested_cv_picks nested_cv_picks_chosen nested_minus_test seeds chosen_seed_means \
             chosen_seed_mean chosen_seed_sd runner_up_seed_means runner_up_seed_mean runner_up_seed_sd seed_margins \
             seed_margin seeds_runner_up_ahead; do kv $k ''; done
    noise=$fold_noise
    kv within_noise_basis "folds"
fi
kv within_noise "$noise"
