# report_lib.sh - shell functions the report scripts share (sourced, with
# $dir set to the report's figure directory).

# v FILE SECTION NAME KEY: one value of a har-eval --csv file.
v() { awk -F, -v s="$2" -v n="$3" -v k="$4" '$1 == s && $2 == n && $3 == k { print $4; found = 1 } END { if (!found) exit 1 }' "$1"; }
# level FILE: the confidence level of a har-eval --csv file's bootstrap
# intervals, in percent.
level() { awk -v x="$(v "$1" bootstrap settings level)" 'BEGIN { printf "%g", 100 * x }'; }
# pct X: a fraction as a percentage with one decimal ("-" if empty).
pct() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else printf "%.1f %%", 100 * x }'; }
# num X: three decimals ("-" if empty).
num() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else printf "%.3f", x }'; }
# plot NAME SCRIPT [SIZE [FONT]]: runs gnuplot on SCRIPT, writing $dir/NAME.png
# (SIZE pixels, default 900,480; font size FONT, default 10) through a
# temporary file (the caller's trap removes it if gnuplot fails).
plot() {
    { printf 'set terminal pngcairo size %s font "sans,%s" noenhanced\nset output "%s"\n' "${3:-900,480}" "${4:-10}" "$dir/$1.png.tmp"
      printf '%s\n' "$2"; } | gnuplot
    mv "$dir/$1.png.tmp" "$dir/$1.png"
}
# confusion_plot NAME CSV TITLE: the row-normalised confusion matrix of a
# har-eval --csv file as a heatmap with the values written in; its data goes
# to $dir/NAME.dat.
confusion_plot() {
    classes_=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$2")
    ticks_=$(class_ticks $classes_)
    n_=$(echo $classes_ | wc -w)
    awk -F, -v cl="$classes_" 'BEGIN { n = split(cl, c, " "); for (i = 1; i <= n; i++) idx[c[i]] = i - 1 }
        $1 == "confusion_normalised" { printf "%d %d %s\n", idx[$3], idx[$2], $4 }' "$2" > "$dir/$1.dat"
    plot "$1" "set size ratio -1
set lmargin 24
set title '$3'
set xtics ($ticks_) rotate by -30
set ytics ($ticks_)
set yrange [$n_ - 0.5:-0.5]
set xrange [-0.5:$n_ - 0.5]
set xlabel 'predicted'
set ylabel 'true' offset -2,0
set cbrange [0:1]
set palette defined (0 'white', 1 '#2166ac')
plot '$dir/$1.dat' using 1:2:3 with image notitle, '' using 1:2:(sprintf('%.2f', \$3)) with labels notitle"
}
# jv FILE KEY: the first value of "KEY" in a JSON file with one key per line
# (har-latency --json), without quotes.
jv() { awk -v k="\"$2\":" '$1 == k { v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/,$/, "", v); gsub(/"/, "", v); print v; exit }' "$1"; }
# class_ticks CLASS...: a gnuplot tic list naming class i at i - 1.
class_ticks() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" %d", (i > 1 ? ", " : ""), $i, i - 1 }'; }
# ci_row FILE LABEL METRIC: a table row of a har-eval --csv file's METRIC
# (accuracy, macro_f1) with its bootstrap intervals over windows and subjects.
ci_row() {
    printf '| %s | %s | [%s, %s] | [%s, %s] |\n' "$2" "$(pct "$(v "$1" summary all "$3")")" \
        "$(pct "$(v "$1" bootstrap windows "$3"_lo)")" "$(pct "$(v "$1" bootstrap windows "$3"_hi)")" \
        "$(pct "$(v "$1" bootstrap subjects "$3"_lo)")" "$(pct "$(v "$1" bootstrap subjects "$3"_hi)")"
}
# source_licence, source_citation: the data set's licence (its lines) and
# the first citation (one line), from data/hapt/SOURCE.md.
source_licence() { awk '/^## License note/ { f = 1; next } f && /^"/ { p = 1 } f && p { print } f && p && /"$/ { exit }' data/hapt/SOURCE.md; }
source_citation() {
    awk '/^## Citation/ { f = 1; next } f && /^- / { sub(/^- /, ""); printf "%s", $0; n = 1; next }
        f && n == 1 && /^  / { sub(/^ +/, " "); print; exit }' data/hapt/SOURCE.md
}
# word N: N in words from one to twelve, else its digits; Word N: capitalised.
word() { awk -v n="$1" 'BEGIN { split("one two three four five six seven eight nine ten eleven twelve", w, " ")
    if (n ~ /^[0-9]+$/ && n >= 1 && n <= 12) print w[n]; else print n }'; }
Word() { word "$1" | awk '{ print toupper(substr($0, 1, 1)) substr($0, 2) }'; }
# A CSV field splitter for mawk (quoted fields with commas and "" escapes).
CSV='function csv(line, f,   n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) { if (c == "\"") { if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ } else q = 0 } else cur = cur c }
        else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}'
# log_field FILE RUN FIELD: FIELD (by its header name) of RUN's last row in
# an experiment log (har-train --log); fails if there is none.
log_field() {
    awk "$CSV"' NR == 1 { n = csv($0, h); for (i = 1; i <= n; i++) if (h[i] == k) col = i; next }
        { csv($0, f) } f[1] == r { v = f[col]; found = 1 } END { if (!found || !col) exit 1; print v }' r="$2" k="$3" "$1"
}
# hp_lines JSON: the members of a flat JSON object on one line (the recorded
# hyperparameters), one "key":value a line.
hp_lines() {
    printf '%s\n' "$1" | awk '{ s = $0; sub(/^[ \t]*\{/, "", s); sub(/\}[ \t]*$/, "", s); q = 0; cur = ""
        for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\"") q = !q
            if (c == "," && !q) { print cur; cur = "" } else cur = cur c }
        print cur }'
}
# hp JSON KEY: one hyperparameter, unquoted; fails if it is not recorded.
hp() { hp_lines "$1" | awk -v k="\"$2\":" 'index($0, k) == 1 { v = substr($0, length(k) + 1); gsub(/^"|"$/, "", v); print v; found = 1; exit }
    END { if (!found) exit 1 }'; }
# meta FILE KEY: a value of the metadata of a .safetensors.gz file (a
# checkpoint, a window file); fails if it has none.
meta() {
    hlen_=$(zcat "$1" 2>/dev/null | od -An -tu4 -N4 | tr -d ' ')
    zcat "$1" 2>/dev/null | dd bs=1 skip=8 count="$hlen_" 2>/dev/null | awk -v k="\"$2\":\"" '{ t = t $0 }
        END { i = index(t, k); if (!i) exit 1; s = substr(t, i + length(k)); v = ""
              for (j = 1; j <= length(s); j++) { c = substr(s, j, 1)
                  if (c == "\\") { j++; v = v substr(s, j, 1) } else if (c == "\"") break; else v = v c }
              print v }'
}
# OPT: an awk function, optname(NAME): an optimizer as prose; optname NAME
# in the shell.
OPT='function optname(o) { return o == "sgd" ? "SGD" : o == "momentum" ? "SGD with momentum" : o == "nesterov" ? "SGD with Nesterov momentum" : o == "adam" ? "Adam" : o == "adamw" ? "AdamW" : o == "rmsprop" ? "RMSprop" : o }'
optname() { awk -v o="$1" "$OPT"' BEGIN { print optname(o) }'; }
# monitor_name MONITOR: what har-train's --monitor keeps the best epoch by.
monitor_name() { case $1 in val_f1) echo 'validation macro-F1';; val_acc) echo 'validation accuracy';;
    val_loss) echo 'validation loss';; *) echo "$1";; esac; }
# AND: an awk function, and_(LIST): phrases separated by "|" joined as
# "a, b and c"; HP: awk code that also reads hp_lines output into h[KEY].
AND='function and_(s,   n, p, i, r) { n = split(s, p, "|"); r = p[1]; for (i = 2; i <= n; i++) r = r (i < n ? ", " : " and ") p[i]; return r }'
HP="$AND"' { k_ = $0; sub(/:.*/, "", k_); gsub(/"/, "", k_); v_ = substr($0, index($0, ":") + 1); gsub(/^"|"$/, "", v_); h[k_] = v_ }'
# joined: the distinct lines of standard input as "a, b and c".
joined() { awk "$AND"' !seen[$0]++ { s = s (n++ ? "|" : "") $0 } END { print and_(s) }'; }
# cv_folds RECIPES_CV RECIPE: how many folds RECIPE has last-epoch accuracies
# for in the cross-validation table (artifacts/models/recipes-cv.md).
cv_folds() {
    awk -F'|' -v r="$2" '{ for (i = 2; i < NF; i++) { x = $i; gsub(/^ +| +$/, "", x); c[i] = x } }
        c[2] == "recipe" { for (i = 2; i < NF; i++) if (c[i] == "last: fold accuracies") col = i }
        c[2] == r && col { print split(c[col], a, " "); found = 1; exit } END { if (!found) exit 1 }' "$1"
}
# fit_subjects CHECKPOINT: how many subjects the training file of the
# har-train run that wrote CHECKPOINT holds (its split's metadata).
fit_subjects() { s_=$(meta "$(trained_from "$1" | sed -n 1p)" split_subjects) && echo "$s_" | awk -F, '{ print NF }'; }
# trained_from CHECKPOINT: the training file and the output path of the
# har-train run that wrote CHECKPOINT (its recorded arguments), one a line.
trained_from() {
    meta "$1" arguments | awk '{ for (i = 1; i <= NF; i++) { a = $i
            if (a == "-o" || a == "--output") { out = $(++i); continue }
            if (a ~ /^--output=/) { out = substr(a, 10); continue }
            if (a ~ /^-/) { if (a !~ /=/ && a !~ /^-[^-]./ && a !~ /^(-q|--quiet|-h|--help|-V|--oversample)$/) i++; continue }
            if (train == "") train = a }
        print train; print out }'
}

# ---- R3a ----
# bullets: lines of standard input that start with "- " as a markdown list,
# each wrapped at 76 columns with its continuation lines indented.
bullets() {
    awk '{ out = ""; col = 0; n = split($0, w, " ")
           for (i = 1; i <= n; i++) {
               if (col && col + 1 + length(w[i]) > 76) { print out; out = "  " w[i]; col = length(out) }
               else { out = out (col ? " " : "") w[i]; col = length(out) } }
           print out }'
}

# ---- lead ----
# metric_label METRIC: PRIMARY_METRIC (har-eval's CSV name) as prose.
metric_label() { case $1 in macro_f1) echo 'macro-F1';; *) echo "$1";; esac; }

# log_preload FILE...: every row of the experiment logs FILE... read once into
# shell variables (LOGV_<run>_<field>, and HPV_<run>_<key> for each recorded
# hyperparameter; <run> as by ident), so that logv and hpv answer without
# starting a process: a report reads thousands of fields.
log_preload() {
    eval "$(awk "$CSV"' function q(s) { gsub(/'"'"'/, "'"'"'\\'"'"''"'"'", s); return "'"'"'" s "'"'"'" }
        FNR == 1 { n = csv($0, h); next }
        { csv($0, f); r = f[1]; gsub(/[^A-Za-z0-9_]/, "_", r)
          for (i = 1; i <= n; i++) {
              print "LOGV_" r "_" h[i] "=" q(f[i])
              if (h[i] != "hyperparameters") continue
              s = f[i]; sub(/^[ \t]*\{/, "", s); sub(/\}[ \t]*$/, "", s); qt = 0; cur = ""
              for (j = 1; j <= length(s) + 1; j++) { c = j <= length(s) ? substr(s, j, 1) : ","
                  if (c == "\"") qt = !qt
                  if (c == "," && !qt) { k = cur; sub(/:.*/, "", k); gsub(/"/, "", k); v = substr(cur, index(cur, ":") + 1)
                      gsub(/^"|"$/, "", v); if (k ~ /^[A-Za-z0-9_]+$/) print "HPV_" r "_" k "=" q(v); cur = "" }
                  else cur = cur c } } }' "$@")"
}
# ident STRING: STRING with every character outside [A-Za-z0-9_] made '_',
# into $ident_ (no process).
ident() {
    s_=$1 ident_=
    while [ -n "$s_" ]; do
        case $s_ in [A-Za-z0-9_]*) ident_=$ident_${s_%"${s_#?}"} ;; *) ident_=${ident_}_ ;; esac
        s_=${s_#?}
    done
}
# logv RUN FIELD, hpv RUN KEY: a preloaded log field or hyperparameter of RUN;
# fail if it was not loaded.
logv() { ident "$1"; eval "[ -n \"\${LOGV_${ident_}_$2+x}\" ] && printf '%s\n' \"\$LOGV_${ident_}_$2\""; }
hpv() { ident "$1"; eval "[ -n \"\${HPV_${ident_}_$2+x}\" ] && printf '%s\n' \"\$HPV_${ident_}_$2\""; }
