# report_lib.sh - shell functions the report scripts share (sourced, with
# $dir set to the report's figure directory).

# v FILE SECTION NAME KEY: one value of a har-eval --csv file.
v() { awk -F, -v s="$2" -v n="$3" -v k="$4" '$1 == s && $2 == n && $3 == k { print $4; found = 1 } END { if (!found) exit 1 }' "$1"; }
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
set ylabel 'true'
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
