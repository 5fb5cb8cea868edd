# report_lib.sh - shell functions the report scripts share (sourced, with
# $dir set to the report's figure directory).

# v FILE SECTION NAME KEY: one value of a har-eval --csv file.
v() { awk -F, -v s="$2" -v n="$3" -v k="$4" '$1 == s && $2 == n && $3 == k { print $4; found = 1 } END { if (!found) exit 1 }' "$1"; }
# pct X: a fraction as a percentage with one decimal ("-" if empty).
pct() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else printf "%.1f %%", 100 * x }'; }
# num X: three decimals ("-" if empty).
num() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else printf "%.3f", x }'; }
# plot NAME SCRIPT: runs gnuplot on SCRIPT, writing $dir/NAME.png through a
# temporary file (the caller's trap removes it if gnuplot fails).
plot() {
    { printf 'set terminal pngcairo size 900,480 font "sans,10" noenhanced\nset output "%s"\n' "$dir/$1.png.tmp"
      printf '%s\n' "$2"; } | gnuplot
    mv "$dir/$1.png.tmp" "$dir/$1.png"
}
# confusion_plot NAME CSV TITLE: the row-normalised confusion matrix of a
# har-eval --csv file as a heatmap with the values written in; its data goes
# to $dir/NAME.dat.
confusion_plot() {
    classes_=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$2")
    ticks_=$(echo $classes_ | awk '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" %d", (i > 1 ? ", " : ""), $i, i - 1 }')
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
