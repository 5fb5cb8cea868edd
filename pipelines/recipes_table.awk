# recipes_table.awk - the markdown table of the recipes' cross-validation
# (pipelines/recipes.mk): awk -v primary=METRIC -f recipes_table.awk SPECS SCORES
#   SPECS   "recipe<TAB>spec and options" lines
#   SCORES  recipe,fold,kept_accuracy,kept_macro_f1,last_accuracy,last_macro_f1
#           (a header, then one row per recipe and fold, recipes in table order)
# primary is the Makefile's PRIMARY_METRIC (macro_f1 or accuracy): recipes are
# compared on its last-epoch mean, shown first.
function name(m) { return m == "accuracy" ? "accuracy" : "macro-F1" }
function folds(m) { return m == "accuracy" ? "fold accuracies" : "fold macro-F1" }
function mean(s, n) { return sprintf("%.4f", s / n) }
FNR == NR { i = index($0, "\t"); spec[substr($0, 1, i - 1)] = substr($0, i + 1); next }
FNR == 1 { FS = ","; $0 = $0; for (i = 1; i <= NF; i++) col[$i] = i
           other = primary == "accuracy" ? "macro_f1" : "accuracy"; next }
{ r = $1; if (!(r in n)) order[++nr] = r; n[r]++
  for (w = 1; w <= 3; w++) { c = w == 1 ? "last_" primary : w == 2 ? "last_" other : "kept_" primary
      v = $(col[c]); l[r, w] = l[r, w] (n[r] > 1 ? " " : "") v; s[r, w] += v } }
END {
    k = n[order[1]]
    print "Validation scores of each recipe on the " k " folds.  \"Last\" is the final epoch, chosen by no score,"
    print "so its mean is the fair estimate; \"kept\" is the checkpoint har-train kept, the best epoch by " name(primary)
    print "on the fold's own validation subjects, so its mean is optimistic.  Recipes are compared on the"
    print "last-epoch mean " name(primary) " (PRIMARY_METRIC, the metric every choice is made on)."
    print ""
    printf "| recipe | spec and options | last: %s | last: mean %s | last: %s | last: mean %s | kept: %s | kept: mean %s |\n", \
        folds(primary), name(primary), folds(other), name(other), folds(primary), name(primary)
    print "|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nr; i++) { r = order[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r, spec[r], l[r, 1], mean(s[r, 1], n[r]), \
            l[r, 2], mean(s[r, 2], n[r]), l[r, 3], mean(s[r, 3], n[r]) }
}
