# selection_nested.awk - nested cross-validation of the final model's choice
# (pipelines/selection_study.mk):
#   awk -F, -v metric=M -v cands='MODEL:RECIPE ...' -f selection_nested.awk INNER_CV SCORES
# INNER_CV: outer_fold,inner_fold,recipe,last_accuracy,last_macro_f1 (the
# inner cross-validation inside each outer fold's training part); SCORES:
# recipes.mk's scores.csv (each recipe's outer fold runs).  Within each outer
# fold the candidate with the best inner mean of last_METRIC is picked, as
# selection.mk picks the final model (a tie goes to the first candidate);
# its outer fold score is what the whole procedure scores on subjects it
# never saw.  Prints, per outer fold and candidate,
# metric,outer_fold,model,recipe,inner_mean,outer,picked.
BEGIN { n = split(cands, c, " "); for (i = 1; i <= n; i++) { split(c[i], p, ":"); model[i] = p[1]; recipe[i] = p[2] } }
FNR == 1 { col = 0; for (i = 1; i <= NF; i++) if ($i == "last_" metric) col = i
           if (!col) { print FILENAME ": no column last_" metric > "/dev/stderr"; exit 1 }
           file++; next }
file == 1 { if (!(($1) in folds)) { folds[$1]; order[++nk] = $1 }; sum[$1, $3] += $col; cnt[$1, $3]++; next }
{ outer[$2, $1] = $col }
END { print "metric,outer_fold,model,recipe,inner_mean,outer,picked"
      for (j = 1; j <= nk; j++) { k = order[j]; best = 0
          for (i = 1; i <= n; i++) {
              if (!cnt[k, recipe[i]] || !((k, recipe[i]) in outer)) { print "outer fold " k ": no scores of " recipe[i] > "/dev/stderr"; exit 1 }
              mean[i] = sum[k, recipe[i]] / cnt[k, recipe[i]]
              if (!best || mean[i] > mean[best]) best = i }
          for (i = 1; i <= n; i++)
              printf "%s,%s,%s,%s,%.4f,%s,%d\n", metric, k, model[i], recipe[i], mean[i], outer[k, recipe[i]], i == best } }
