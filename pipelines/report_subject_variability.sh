#!/bin/sh
# report_subject_variability.sh MODE ... - report 4, how the models do person
# by person (pipelines/report_subject_variability.mk), in three modes:
#
#   subjects-csv RECIPE FILE [RECIPE FILE ...]
#       one CSV row per har-eval --csv FILE of one subject's windows:
#       recipe,subject,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,
#       macro_f1_lo,macro_f1_hi (the intervals: bootstrap over the windows)
#   confusions-csv RECIPE FILE [RECIPE FILE ...]
#       each FILE's most confused pairs: recipe,subject,true,predicted,
#       windows,share (share: of the true class's windows)
#   report DIR CHOICE CV_SCORES R3 CANDIDATES METRIC
#       the markdown of artifacts/04_subject_variability.md on standard
#       output, its figures and their data in DIR.  Every number comes from
#       a file of the pipeline:
#       DIR/loso-subjects.csv, DIR/loso-confusions.csv   the LOSO runs
#       DIR/test-subjects.csv   the zoo models on each test subject
#       DIR/runs/experiments.csv   the LOSO runs' experiment log
#       CHOICE                  the candidates, best first (its first line's
#                               recipe is the final model's)
#       CV_SCORES               the 3-fold cross-validation's scores
#       R3/test-MODEL.csv       each candidate's zoo model on the whole test
#                               split (report 3)
#       CANDIDATES              "MODEL:RECIPE ..." (pipelines/selection.mk)
#       METRIC                  macro_f1 or accuracy: the one the choices are
#                               made on, and the one this report ranks by
set -eu
here=$(dirname "$0")
. "$here/report_lib.sh"

# subjects_csv RECIPE FILE ...: see the header.
subjects_csv() {
    echo recipe,subject,windows,accuracy,accuracy_lo,accuracy_hi,macro_f1,macro_f1_lo,macro_f1_hi
    while [ $# -ge 2 ]; do
        awk -F, -v r="$1" -v f="$2" '
            $1 == "subject" && $3 == "windows" { s = $2; w = $4; n++ }
            $1 == "summary" && $2 == "all" { v[$3] = $4 }
            $1 == "bootstrap" && $2 == "windows" { v[$3] = $4 }
            END { if (n != 1 || v["accuracy_lo"] == "") {
                      printf "report_subject_variability.sh: %s: expected one subject and bootstrap intervals over windows\n", f > "/dev/stderr"
                      exit 1 }
                  print r "," s "," w "," v["accuracy"] "," v["accuracy_lo"] "," v["accuracy_hi"] "," \
                        v["macro_f1"] "," v["macro_f1_lo"] "," v["macro_f1_hi"] }' "$2"
        shift 2
    done
}

# confusions_csv RECIPE FILE ...: see the header.
confusions_csv() {
    echo recipe,subject,true,predicted,windows,share
    while [ $# -ge 2 ]; do
        awk -F, -v r="$1" '
            $1 == "subject" && $3 == "windows" { s = $2 }
            $1 == "most_confused" { if (!($2 in seen)) { seen[$2] = 1; p[++n] = $2 } x[$2, $3] = $4 }
            END { for (i = 1; i <= n; i++) { t = p[i]; sub(/->.*/, "", t); q = p[i]; sub(/.*->/, "", q)
                      print r "," s "," t "," q "," x[p[i], "windows"] "," x[p[i], "share"] } }' "$2"
        shift 2
    done
}

# ---- report ----

# stats CSV RECIPE METRIC: over the subjects of RECIPE in a subjects CSV:
# n mean sd(population) median min min_subject max max_subject
# median_interval_width (of the subjects' bootstrap intervals).
STATS='function median(a, n,   b, i, j, t) { for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 2; i <= n; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
        return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2 }'
stats() {
    awk -F, -v r="$2" -v m="$3" "$STATS"'
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 == r { n++; x[n] = $(c[m]); s[n] = $2; wd[n] = $(c[m "_hi"]) - $(c[m "_lo"]); sum += x[n] }
        END { if (!n) exit 1; mean = sum / n; for (i = 1; i <= n; i++) ss += (x[i] - mean) ^ 2
              lo = hi = 1; for (i = 2; i <= n; i++) { if (x[i] < x[lo]) lo = i; if (x[i] > x[hi]) hi = i }
              printf "%d %.6f %.6f %.6f %s %s %s %s %.6f\n", n, mean, sqrt(ss / n), median(x, n), x[lo], s[lo], x[hi], s[hi], median(wd, n) }' "$1"
}
# stat CSV RECIPE METRIC FIELD: one field (1-9) of stats.
stat() { stats "$1" "$2" "$3" | cut -d' ' -f"$4"; }
# cell CSV RECIPE SUBJECT METRIC: "x [lo, hi]" in percent, "-" if absent.
cell() {
    awk -F, -v r="$2" -v s="$3" -v m="$4" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 == r && $2 == s { printf "%.1f [%.1f, %.1f]", 100 * $(c[m]), 100 * $(c[m "_lo"]), 100 * $(c[m "_hi"]); f = 1 }
        END { if (!f) printf "-" }' "$1"
}
# corr CSV RECIPE_A RECIPE_B METRIC: Pearson's r of two recipes' scores over
# the subjects both have.
corr() {
    awk -F, -v a="$2" -v b="$3" -v m="$4" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $1 == a { x[$2] = $(c[m]) } $1 == b { y[$2] = $(c[m]) }
        END { for (s in x) if (s in y) { n++; sx += x[s]; sy += y[s] }
              if (n < 2) { print "nan"; exit } mx = sx / n; my = sy / n
              for (s in x) if (s in y) { sxy += (x[s] - mx) * (y[s] - my); sxx += (x[s] - mx) ^ 2; syy += (y[s] - my) ^ 2 }
              if (sxx == 0 || syy == 0) print "nan"; else printf "%.2f\n", sxy / sqrt(sxx * syy) }' "$1"
}
# cv_mean CV_SCORES RECIPE METRIC: the mean over the folds of the last
# epoch's METRIC.
cv_mean() {
    awk -F, -v r="$2" -v m="last_$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == m) col = i; next }
        $1 == r { s += $col; n++ } END { if (!n) exit 1; printf "%.6f\n", s / n }' "$1"
}
# worst CSV RECIPE METRIC N: the N subjects of RECIPE with the lowest METRIC,
# worst first (ties by subject number).
worst() {
    awk -F, -v r="$2" -v m="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == r { print $(c[m]), $2 }' "$1" \
        | sort -k1,1g -k2,2n | head -n "$4" | cut -d' ' -f2
}
# rank_of CSV RECIPE METRIC SUBJECT: SUBJECT's place among RECIPE's subjects,
# 1 the worst.
rank_of() {
    awk -F, -v r="$2" -v m="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == r { print $(c[m]), $2 }' "$1" \
        | sort -k1,1g -k2,2n | awk -v s="$4" '$2 == s { print NR; exit }'
}
# pp X: X (a fraction) in percentage points, one decimal.
pp() { awk -v x="$1" 'BEGIN { printf "%.1f", 100 * x }'; }
# abs X
abs() { awk -v x="$1" 'BEGIN { printf "%.6f", x < 0 ? -x : x }'; }

report() {
    dir=$1 choice=$2 cvs=$3 r3=$4 cands=$5 metric=$6
    loso=$dir/loso-subjects.csv test=$dir/test-subjects.csv conf=$dir/loso-confusions.csv log=$dir/runs/experiments.csv
    case $metric in macro_f1) mname=macro-F1 other=accuracy oname=accuracy ;;
                    accuracy) mname=accuracy other=macro_f1 oname=macro-F1 ;;
                    *) echo "report_subject_variability.sh: METRIC must be macro_f1 or accuracy" >&2; exit 2 ;; esac
    trap 'rm -f "$dir"/*.png.tmp' EXIT
    final=$(awk 'NR == 1 { print $2 }' "$choice")
    # The recipes in CHOICE's order (the final one first) that LOSO ran.
    recipes=$(awk '{ print $2 }' "$choice" | while read -r r; do
        if awk -F, -v r="$r" '$1 == r { f = 1; exit } END { exit !f }' "$loso"; then echo "$r"; fi; done | tr '\n' ' ')
    recipes=${recipes% }
    [ -n "$recipes" ] || { echo "report_subject_variability.sh: $loso has none of CHOICE's recipes" >&2; exit 1; }
    model_of() { for c in $cands; do if [ "${c#*:}" = "$1" ]; then echo "${c%%:*}"; fi; done; }
    nsub=$(stat "$loso" "$(echo $recipes | cut -d' ' -f1)" "$metric" 1)
    nrec=$(echo $recipes | wc -w)
    runs=$(($(wc -l < "$log") - 1))
    first_run=$(awk -F, 'NR == 2 { print $1 }' "$log")
    epochs=$(log_field "$log" "$first_run" epochs_run)
    commit=$(log_field "$log" "$first_run" git_commit)
    minutes=$(awk "$CSV"' NR == 1 { n = csv($0, h); for (i = 1; i <= n; i++) if (h[i] == "seconds") col = i; next }
        { csv($0, f); s += f[col] } END { printf "%.0f", s / 60 }' "$log")
    in_loso() { echo " $recipes " | grep -q " $1 "; }

    echo '# Subject variability: leave-one-subject-out'
    echo
    others=$(for r in $recipes; do [ "$r" = "$final" ] || echo "\`$r\`"; done | joined)
    if in_loso "$final"; then trained="the final model's recipe, \`$final\`, and $others"
    else trained="$others (the final model's recipe, \`$final\`, is not among them)"; fi
    {
        echo "How well do the models do person by person?  Each of the $nsub training subjects was held out in turn: $(word "$nrec") recipes, $trained, were trained on the other $((nsub - 1)) subjects and scored on the one held out, $runs trainings in all ($epochs epochs each, the last epoch's checkpoint scored: no score chose it).  The recipes and their options are those of the cross-validation that chose the final model (\`artifacts/models/recipes-cv.md\`).  Each subject's interval is a bootstrap over that subject's windows: how sure the score is for this person, not for new people."
        echo
        echo "The official test subjects, scored subject by subject with the zoo models (each recipe's final fit on all $nsub training subjects), go beside them: those are the test scores report 3 already gives, cut by subject; nothing in this report chooses anything."
    } | fold -s -w 76 | sed 's/ *$//'
    echo
    # ---- per-subject LOSO scores ----
    echo "## Every held-out subject"
    echo
    # Figure: subjects in the order of the first recipe's score, worst first.
    r1=$(echo $recipes | cut -d' ' -f1)
    awk -F, -v r="$r1" -v m="$metric" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == r { print $(c[m]), $2 }' "$loso" \
        | sort -k1,1g -k2,2n | cut -d' ' -f2 > "$dir/loso-order.tmp"
    awk -F, -v rl="$recipes" -v m="$metric" 'BEGIN { nr = split(rl, R, " ") }
        FNR == NR { o[++n] = $1; next }
        FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { v[$1, $2] = $(c[m]) " " $(c[m "_lo"]) " " $(c[m "_hi"]) }
        END { print "# x subject, then per recipe (" rl "): score lo hi"
              for (i = 1; i <= n; i++) { line = i " " o[i]; for (j = 1; j <= nr; j++) line = line " " v[R[j], o[i]]; print line } }' \
        "$dir/loso-order.tmp" "$loso" > "$dir/loso-subjects.dat"
    rm -f "$dir/loso-order.tmp"
    plots=$(echo $recipes | awk -v d="$dir/loso-subjects.dat" '{ for (j = 1; j <= NF; j++) {
        off = (j - (NF + 1) / 2) * 0.2; c = 3 * j
        printf "%s'\''%s'\'' using ($1%+.2f):%d:%d:%d%s with yerrorbars pt 7 ps 0.6 title '\''%s'\''", (j > 1 ? ", " : ""), d, off, c, c + 1, c + 2, (j == 1 ? ":xtic(2)" : ""), $j } }')
    plot loso-subjects "set title 'Leave-one-subject-out: each held-out subject ($mname, 95 % interval over its windows)'
set xlabel 'held-out subject, by the score of $r1, worst first'
set ylabel '$mname'
set key bottom right
set grid ytics
set xrange [0.3:$nsub.7]
plot $plots" 1000,480
    echo "![LOSO scores per subject](04_subject_variability/loso-subjects.png)"
    echo
    printf '| subject | windows |'
    for r in $recipes; do printf ' %s %s |' "$r" "$mname"; done
    for r in $recipes; do printf ' %s %s |' "$r" "$oname"; done
    echo
    printf '|---|---|'; for r in $recipes $recipes; do printf -- '---|'; done; echo
    for s in $(awk -F, -v r="$r1" '$1 == r { print $2 }' "$loso" | sort -n); do
        w=$(awk -F, -v r="$r1" -v s="$s" '$1 == r && $2 == s { print $3 }' "$loso")
        printf '| %s | %s |' "$s" "$w"
        for r in $recipes; do printf ' %s |' "$(cell "$loso" "$r" "$s" "$metric")"; done
        for r in $recipes; do printf ' %s |' "$(cell "$loso" "$r" "$s" "$other")"; done
        echo
    done
    echo
    echo "Percent, with the 95 % bootstrap interval over the subject's windows (\`04_subject_variability/loso-subjects.csv\`)."
    echo

    # ---- the spread ----
    echo "## The spread"
    echo
    echo "| recipe | subjects | mean $mname | SD over subjects | median | worst subject | best subject | median interval width | mean $oname |"
    echo '|---|---|---|---|---|---|---|---|---|'
    for r in $recipes; do
        set -- $(stats "$loso" "$r" "$metric")
        printf '| %s%s | %s | %s | %s pp | %s | %s (subject %s) | %s (subject %s) | %s pp | %s |\n' "$r" \
            "$([ "$r" = "$final" ] && echo ' (final)')" "$1" "$(pct "$2")" "$(pp "$3")" "$(pct "$4")" "$(pct "$5")" "$6" \
            "$(pct "$7")" "$8" "$(pp "$9")" "$(pct "$(stat "$loso" "$r" "$other" 2)")"
    done
    echo
    set -- $(stats "$loso" "$r1" "$metric")
    sd=$3 width=$9 lo=$5 lo_s=$6 hi=$7 hi_s=$8
    ratio=$(awk -v s="$sd" -v w="$width" 'BEGIN { if (w > 0) printf "%.1f", s / (w / 3.92); else print "inf" }')
    below=$(awk -F, -v r="$r1" -v m="$metric" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == r && $(c[m]) < 0.9 { n++ } END { print n + 0 }' "$loso")
    {
        echo "- \`$r1\`'s $mname ranges from $(pct "$lo") (subject $lo_s) to $(pct "$hi") (subject $hi_s) over the $nsub held-out subjects; $below of them score below 90 %."
        echo "- The spread between subjects (SD $(pp "$sd") points) is $ratio times the uncertainty of one subject's own score (the median 95 % interval over a subject's windows is $(pp "$width") points wide, a standard error of about $(awk -v w="$width" 'BEGIN { printf "%.1f", 100 * w / 3.92 }') points): $(awk -v x="$ratio" 'BEGIN { if (x == "inf" || x > 2) print "subjects differ far more than their windows'\'' sampling noise explains: who wears the phone matters more than which of their windows are scored."; else print "the differences between subjects are of the size of the sampling noise of their own windows."}')"
        for r in $recipes; do [ "$r" = "$r1" ] && continue
            c=$(corr "$loso" "$r1" "$r" "$metric")
            echo "- Pearson's r of \`$r1\`'s and \`$r\`'s per-subject $mname is $c: $(awk -v c="$c" 'BEGIN { if (c == "nan") print "not defined (a recipe scores every subject alike)."; else if (c >= 0.5) print "they find largely the same subjects hard."; else if (c >= 0.2) print "they find partly the same subjects hard."; else print "the subjects one finds hard are hardly those the other does." }')"
        done
    } | bullets
    echo

    # ---- the worst subjects ----
    echo "## The worst subjects and what they confuse"
    echo
    nworst=3; [ "$nsub" -lt 3 ] && nworst=$nsub
    echo "The $(word "$nworst") subjects \`$r1\` scores worst on, with their place among the $nsub subjects under each recipe (1 = the worst) and the two pairs of classes \`$r1\`'s held-out model confused most on them (windows of the true class read as the other, and their share of the true class's windows):"
    echo
    printf '| subject | %s %s |' "$r1" "$mname"
    for r in $recipes; do printf ' place under %s |' "$r"; done
    echo ' most confused |'
    printf '|---|---|'; for r in $recipes; do printf -- '---|'; done; echo '---|'
    for s in $(worst "$loso" "$r1" "$metric" "$nworst"); do
        printf '| %s | %s |' "$s" "$(cell "$loso" "$r1" "$s" "$metric")"
        for r in $recipes; do printf ' %s |' "$(rank_of "$loso" "$r" "$metric" "$s")"; done
        printf ' %s |\n' "$(awk -F, -v r="$r1" -v s="$s" '$1 == r && $2 == s && n < 2 { printf "%s%s -> %s: %d (%.1f %%)", (n++ ? "; " : ""), $3, $4, $5, 100 * $6 }
            END { if (!n) printf "none" }' "$conf")"
    done
    echo
    top=$(for s in $(worst "$loso" "$r1" "$metric" "$nworst"); do
            awk -F, -v r="$r1" -v s="$s" '$1 == r && $2 == s { print $3 " -> " $4; exit }' "$conf"; done | sort | uniq -c | sort -k1,1nr -k2 | head -n 1)
    all_pairs=$(awk -F, -v r="$r1" '$1 == r { w[$3 " -> " $4] += $5 } END { for (p in w) print w[p] "\t" p }' "$conf" | sort -k1,1nr -k2 | head -n 1)
    same=$(for r in $recipes; do worst "$loso" "$r" "$metric" 1; done | sort -u | wc -l)
    worst1=$(worst "$loso" "$r1" "$metric" 1)
    {
        [ -n "$top" ] && echo "- The most confused pair is $(echo "$top" | awk '{ $1 = ""; sub(/^ /, ""); print }') for $(echo "$top" | awk '{ print $1 }') of these $(word "$nworst") subjects; over all $nsub held-out subjects, \`$r1\` misreads $(echo "$all_pairs" | cut -f2) most ($(echo "$all_pairs" | cut -f1) windows)."
        if [ "$same" -eq 1 ]; then echo "- Subject $worst1 is the worst subject under every recipe: the difficulty lies with the person's recordings, not with one architecture."
        else echo "- The worst subject differs between recipes ($(for r in $recipes; do echo "subject $(worst "$loso" "$r" "$metric" 1) under \`$r\`"; done | joined))."; fi
    } | bullets
    echo

    # ---- LOSO vs 3-fold CV as a predictor of the test score ----
    k3=$(awk -F, 'NR > 1 { f[$2] = 1 } END { for (k in f) n++; print n + 0 }' "$cvs")
    echo "## Does LOSO predict the test score better than the ${k3}-fold CV?"
    echo
    echo "Both estimate how a recipe does on people it never saw.  The ${k3}-fold CV trains on about $(awk -v n="$nsub" -v k="$k3" 'BEGIN { printf "%g", n * (k - 1) / k }') of the $nsub subjects and scores the last epoch on the rest of a fold (the folds' mean); LOSO trains on $((nsub - 1)) and averages the held-out subjects' scores.  The test score is the zoo model's (the recipe's final fit on all $nsub subjects) on the official test subjects, pooled over their windows as report 3 gives it; the mean over the test subjects is shown too."
    echo
    echo "| recipe | ${k3}-fold CV mean | LOSO mean | test (pooled) | test subject-bootstrap 95 % | test mean over subjects | CV error | LOSO error |"
    echo '|---|---|---|---|---|---|---|---|'
    : > "$dir/estimates.dat.tmp"
    for r in $recipes; do
        m=$(model_of "$r"); t=$r3/test-$m.csv
        cvm=$(cv_mean "$cvs" "$r" "$metric") lom=$(stat "$loso" "$r" "$metric" 2) ts=$(v "$t" summary all "$metric")
        printf '| %s | %s | %s | %s | [%s, %s] | %s | %+.1f pp | %+.1f pp |\n' "$r" "$(pct "$cvm")" "$(pct "$lom")" "$(pct "$ts")" \
            "$(pct "$(v "$t" bootstrap subjects "$metric"_lo)")" "$(pct "$(v "$t" bootstrap subjects "$metric"_hi)")" \
            "$(pct "$(v "$t" subjects mean "$metric")")" "$(awk -v a="$cvm" -v b="$ts" 'BEGIN { print 100 * (a - b) }')" \
            "$(awk -v a="$lom" -v b="$ts" 'BEGIN { print 100 * (a - b) }')"
        echo "$r $cvm $lom $ts $(v "$t" bootstrap subjects "$metric"_lo) $(v "$t" bootstrap subjects "$metric"_hi)" >> "$dir/estimates.dat.tmp"
    done
    mv "$dir/estimates.dat.tmp" "$dir/estimates.dat"
    echo
    ymin=$(awk '{ for (i = 2; i <= 6; i++) if (m == "" || $i < m) m = $i } END { printf "%.2f", m - 0.03 }' "$dir/estimates.dat")
    plot estimates "set title 'Estimates of the test $mname'
set style data histograms
set style histogram clustered gap 1 errorbars lw 1
set style fill solid 0.8 border -1
set ylabel '$mname'
set yrange [$ymin:1]
set key top left
set grid ytics
plot '$dir/estimates.dat' using 2:2:2:xtic(1) title '${k3}-fold CV mean', '' using 3:3:3 title 'LOSO mean', '' using 4:5:6 title 'test (subject-bootstrap 95 %)'" 900,420
    echo "![CV, LOSO and test](04_subject_variability/estimates.png)"
    echo
    awk -v k3="$k3" -v mn="$mname" '
        { n++; r[n] = $1; cv[n] = $2; lo[n] = $3; t[n] = $4; e1 += ($2 > $4 ? $2 - $4 : $4 - $2); e2 += ($3 > $4 ? $3 - $4 : $4 - $3)
          hw = ($6 - $5) / 2; if (hw > h) h = hw }
        END { e1 /= n; e2 /= n
              for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { pairs++
                  st = (t[i] > t[j]) - (t[i] < t[j]); if (((cv[i] > cv[j]) - (cv[i] < cv[j])) == st) c1++; if (((lo[i] > lo[j]) - (lo[i] < lo[j])) == st) c2++ }
              printf "- Averaged over the %d recipes, the %s-fold CV mean misses the test %s by %.1f points and the LOSO mean by %.1f: %s\n", n, k3, mn, 100 * e1, 100 * e2,
                  (e2 < e1 ? "LOSO is the closer estimate here." : e1 < e2 ? "the " k3 "-fold CV is the closer estimate here." : "they are equally close.")
              printf "- Of the %d pairs of recipes, LOSO orders %d as the test scores do, the %s-fold CV %d.\n", pairs, c2 + 0, k3, c1 + 0
              printf "- The test score is itself uncertain: its subject-bootstrap interval spans up to %.1f points either side.  %s\n", 100 * h,
                  ((e1 - e2 < 0 ? e2 - e1 : e1 - e2) < h ? "The two estimates'\'' errors differ by less than that, so this comparison of " n " recipes on " "one test split cannot tell which estimator is better; it shows only that both land within the test'\''s own uncertainty or not (see the table)." : "The two estimates'\'' errors differ by more than that.") }' "$dir/estimates.dat" | bullets
    echo

    # ---- the official test subjects ----
    echo "## The official test subjects"
    echo
    printf '| test subject | windows |'
    for r in $recipes; do printf ' %s (%s) %s |' "$(model_of "$r")" "$r" "$mname"; done
    echo
    printf '|---|---|'; for r in $recipes; do printf -- '---|'; done; echo
    for s in $(awk -F, -v r="$r1" '$1 == r { print $2 }' "$test" | sort -n); do
        printf '| %s | %s |' "$s" "$(awk -F, -v r="$r1" -v s="$s" '$1 == r && $2 == s { print $3 }' "$test")"
        for r in $recipes; do printf ' %s |' "$(cell "$test" "$r" "$s" "$metric")"; done
        echo
    done
    echo
    echo "Percent, with the 95 % bootstrap interval over the subject's windows (\`04_subject_variability/test-subjects.csv\`, which has $oname too)."
    echo
    # Figure: every subject's score, LOSO and test, per recipe.
    # x: the recipe's place in $recipes, LOSO a little left, test right.
    SPREAD='BEGIN { n = split(rl, R, " "); for (j = 1; j <= n; j++) x[R[j]] = j }
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } ($1 in x) { printf "%.2f %s %s\n", x[$1] + off, $(c[m]), $2 }'
    awk -F, -v rl="$recipes" -v m="$metric" -v off=-0.15 "$SPREAD" "$loso" > "$dir/spread-loso.dat"
    awk -F, -v rl="$recipes" -v m="$metric" -v off=0.15 "$SPREAD" "$test" > "$dir/spread-test.dat"
    tics=$(echo $recipes | awk '{ for (j = 1; j <= NF; j++) printf "%s\"%s\" %d", (j > 1 ? ", " : ""), $j, j }')
    plot spread "set title 'Every subject: held out in LOSO (left) and official test subjects (right)'
set ylabel '$mname'
set xtics ($tics)
set xrange [0.4:$nrec.6]
set grid ytics
set key bottom right
plot '$dir/spread-loso.dat' using 1:2 with points pt 7 ps 0.8 title 'LOSO (training subjects held out)', '$dir/spread-test.dat' using 1:2 with points pt 5 ps 0.8 title 'official test subjects'" 900,420
    echo "![every subject](04_subject_variability/spread.png)"
    echo
    {
        for r in $recipes; do
            set -- $(stats "$test" "$r" "$metric")
            echo "- \`$r\` ($(model_of "$r")) on the $1 test subjects: mean $(pct "$2"), SD $(pp "$3") points (LOSO: $(pct "$(stat "$loso" "$r" "$metric" 2)"), SD $(pp "$(stat "$loso" "$r" "$metric" 3)")); its worst test subject is $6 at $(pct "$5")."
        done
    } | bullets
    echo

    # ---- the runs ----
    echo "## The runs"
    echo
    echo "$runs LOSO trainings of $epochs epochs, $minutes minutes of training in all (tools at commit $commit), one row each in \`04_subject_variability/runs/experiments.csv\` (hyperparameters, seconds, load average), each with its curves next to it.  They are one of the cluster's studies: \`make all RUNNER=slurm\` runs them as Slurm job steps, \`make subjects\` anywhere."
}

mode=${1-}
[ $# -gt 0 ] && shift
case $mode in
    subjects-csv)   subjects_csv "$@" ;;
    confusions-csv) confusions_csv "$@" ;;
    report)         report "$@" ;;
    *) echo "usage: report_subject_variability.sh subjects-csv|confusions-csv|report ..." >&2; exit 2 ;;
esac
