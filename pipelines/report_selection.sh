#!/bin/sh
# report_selection.sh DIR FINAL_MODEL - writes to standard output report 3's
# sections on how the final model was chosen (pipelines/selection.mk), and
# their figures to DIR.  Every number comes from a file of the pipeline:
#   DIR/choice.txt                 candidates by cross-validated score, best first
#   DIR/../models/recipes-cv.md    the recipes' cross-validation
#   FINAL_MODEL's metadata         the har-train run that wrote it: its training
#                                  file (whose subjects are counted) and the
#                                  candidates' checkpoints next to its output
#                                  (their recorded hyperparameters)
set -eu
dir=$1 final=$2
trap 'rm -f "$dir"/*.png.tmp' EXIT
. "$(dirname "$0")/report_lib.sh"

chosen=$(awk 'NR == 1 { print $1 }' "$dir/choice.txt")
chosen_recipe=$(awk 'NR == 1 { print $2 }' "$dir/choice.txt")
spec=$(meta "$final" spec)
sha=$(sha256sum "$final" | cut -d' ' -f1)
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

cat <<EOF
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
EOF
