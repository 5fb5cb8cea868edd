#!/bin/sh
# report_training_clinic.sh DIR CLINIC AUDIT METRIC TIMED RUN... - writes the
# markdown of artifacts/02_training_clinic.md to standard output and its
# figures to DIR.  Every number comes from a file of the runs
# (pipelines/report_training_clinic.mk):
#   CLINIC/RUN.log.csv      har-train's experiment-log row of the run
#   DIR/RUN-curves.csv      its per-epoch curves (absent if no epoch finished)
#   DIR/RUN-steps.csv       its per-step trace (the instability runs)
#   DIR/RUN-eval.csv        har-eval's scores on the validation subjects (the
#                           imbalance study)
#   DIR/classes-{train,thinned}.csv   class counts of the training split and
#                           of the thinned one (har-eval --baseline)
#   AUDIT                   har-split's audit (windows and subjects of the splits)
# METRIC is the primary metric (macro_f1 or accuracy): every "best" is by it.
# TIMED lists the runs that ran alone (their seconds are comparable).
# What the prose says about a run's settings is read from its log row, and
# every conclusion is printed by a rule on the numbers it states.
set -eu
dir=$1 clinic=$2 audit=$3 metric=$4 timed=$5
shift 5
runs="$*"
trap 'rm -f "$dir"/*.png.tmp' EXIT

. "$(dirname "$0")/report_lib.sh"
log_preload $(for r_ in $runs; do echo "$clinic/$r_.log.csv"; done)
case $metric in
    macro_f1) mcol=val_f1 lcol=best_val_f1 mname='validation macro-F1' ;;
    accuracy) mcol=val_acc lcol=best_val_acc mname='validation accuracy' ;;
    *) echo "report_training_clinic.sh: METRIC must be macro_f1 or accuracy, not '$metric'" >&2; exit 2 ;;
esac

# ---- reading the runs ----
# log RUN FIELD: a field of the run's log row, by its header name (the rows
# of the runs given are preloaded: see log_preload).
log() { logv "$1" "$2" || log_field "$clinic/$1.log.csv" "$1" "$2"; }
# has_curves RUN: the run completed at least one epoch.
has_curves() { [ -s "$dir/$1-curves.csv" ] && { IFS= read -r l_ && IFS= read -r l_; } < "$dir/$1-curves.csv"; }
# cidx RUN COLUMN: the number of a column of the run's curves.
# (the header split by the shell: the reports ask this hundreds of times)
cidx() {
    IFS= read -r l_ < "$dir/$1-curves.csv"; i_=0 ifs_=$IFS IFS=,
    for c_ in $l_; do i_=$((i_ + 1)); if [ "$c_" = "$2" ]; then IFS=$ifs_; echo "$i_"; return; fi; done
    IFS=$ifs_
}
# curve RUN COLUMN EPOCH: a value of the run's curves (EPOCH "last" = the last row).
curve() {
    awk -F, -v k="$2" -v e="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) col = i; next }
        e == "last" || $1 == e { v = $col } END { print v }' "$dir/$1-curves.csv"
}
# h RUN KEY: one hyperparameter of the run, as its log row recorded it.
h() { hpv "$1" "$2" || hp "$(log "$1" hyperparameters)" "$2"; }
# common KEY RUN...: the runs' value of KEY ("a, b and c" if they differ).
common() { k_=$1; shift; for r_ in "$@"; do h "$r_" "$k_"; done | joined; }
# label RUN: the run's name in figures and sentences (its note after the
# last ": "); a section that names its runs otherwise sets label_fn.
label() { log "$1" note | sed 's/.*: //'; }
label_fn=label
mom_label() { echo "momentum $(h "$1" momentum)"; }
batch_label() { echo "batch $(log "$1" batch_size)"; }
seed_label() { echo "seed $(log "$1" seed)"; }
# runs_where FUNCTION VALUE RUN...: the runs for which FUNCTION RUN prints VALUE.
runs_where() { f_=$1 v_=$2; shift 2; for r_ in "$@"; do if [ "$($f_ "$r_")" = "$v_" ]; then printf '%s ' "$r_"; fi; done; }
optimizer() { log "$1" optimizer; }
init_of() { h "$1" init; }
# best RUN: the run's best value of the primary metric (empty: no epoch).
# Rounded to 0.1 point, as printed, so that printed gaps add up.
best() { log "$1" "$lcol" | awk 'NF { printf "%.3f\n", $1 }'; }
# width RUN: the units of the first dense layer of the run's model.
width() { log "$1" model | awk -F, '{ for (i = 1; i <= NF; i++) if ($i ~ /^dense:/) { print substr($i, 7); exit } }'; }
# reg RUN: the run's regularisation as prose ("no regularisation" if none).
reg() {
    hp_lines "$(log "$1" hyperparameters)" | awk -v spec="$(log "$1" model)" "$HP"'
        END { n = split(spec, l, ",")
              for (i = 1; i <= n; i++) if (l[i] ~ /^dropout:/ && !(l[i] in seen)) { seen[l[i]]; d = d (d == "" ? "" : "/") substr(l[i], 9) }
              if (d != "") r = "dropout " d
              if (h["weight_decay"] + 0 > 0) r = r (r == "" ? "" : ", ") (h["decay"] == "decoupled" ? "decoupled " : "") "weight decay " h["weight_decay"]
              if (h["jitter"] + 0 > 0) a = "Gaussian input noise"
              if (h["scaling"] + 0 > 0) a = a (a == "" ? "" : "|") "scaling"
              if (h["time_warp"] + 0 > 0) a = a (a == "" ? "" : "|") "time warping"
              if (h["rotate"] + 0 > 0) a = a (a == "" ? "" : "|") "rotation"
              if (a != "") r = r (r == "" ? "" : ", ") and_(a)
              if (h["label_smoothing"] + 0 > 0) r = r (r == "" ? "" : ", ") "label smoothing " h["label_smoothing"]
              print (r == "" ? "no regularisation" : r) }'
}
# augmentation RUN: the run's data augmentation as prose ("none" if none).
augmentation() {
    hp_lines "$(log "$1" hyperparameters)" | awk "$HP"'
        END { if (h["time_warp"] + 0 > 0) a = "time warp " h["time_warp"]
              if (h["jitter"] + 0 > 0) a = a (a == "" ? "" : "|") "jitter " h["jitter"]
              if (h["scaling"] + 0 > 0) a = a (a == "" ? "" : "|") "scaling " h["scaling"]
              if (h["rotate"] + 0 > 0) a = a (a == "" ? "" : "|") "rotation " h["rotate"]
              print (a == "" ? "none" : and_(a)) }'
}
# schedule RUN: "constant learning rate" or "NAME schedule" (after "a").
schedule() { s_=$(h "$1" schedule); if [ "$s_" = constant ]; then echo 'constant learning rate'; else echo "$s_ schedule"; fi; }
# clipping RUN [SHORT]: the run's gradient clipping as prose (SHORT: for a legend).
clipping() {
    c_=$(h "$1" clip)
    if awk -v c="$c_" 'BEGIN { exit !(c + 0 > 0) }'; then
        if [ -n "${2-}" ]; then echo "clip $c_"; else echo "with clipping at norm $c_"; fi
    elif [ -n "${2-}" ]; then echo "no clipping"
    else echo "without gradient clipping"; fi
}
# median RUN: median seconds per epoch (the curves' last column).
median() {
    { has_curves "$1" && awk -F, 'NR > 1 && $NF != "" { print $NF }' "$dir/$1-curves.csv"; } | sort -g |
        awk '{ v[NR] = $1 } END { if (!NR) print "-"; else printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# load RUN: the load average the run recorded ("-" if its log has none).
load() { log "$1" load_avg 2>/dev/null || echo -; }
# settle RUN: the first epoch whose primary metric is within 1 point of the
# run's own best ("-" if no epoch completed).
settle() {
    if has_curves "$1"; then
        awk -F, -v c="$(cidx "$1" "$mcol")" 'NR > 1 { e[++n] = $1; v[n] = $c + 0; if (n == 1 || v[n] > b) b = v[n] }
            END { for (i = 1; i <= n; i++) if (v[i] >= b - 0.01) { print e[i]; exit } }' "$dir/$1-curves.csv"
    else echo -; fi
}
# stats RUN...: one tab-separated line per run for the rules below: run, best,
# best epoch, settling epoch, epoch-1 value, last value, epochs run, median
# seconds per epoch, label.
stats() {
    for r_ in "$@"; do
        if has_curves "$r_"; then e1_=$(curve "$r_" "$mcol" 1 | awk '{ printf "%.3f", $1 }') el_=$(curve "$r_" "$mcol" last | awk '{ printf "%.3f", $1 }')
        else e1_= el_=; fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r_" "$(best "$r_")" "$(log "$r_" best_epoch)" "$(settle "$r_")" \
            "$e1_" "$el_" "$(log "$r_" epochs_run)" "$(median "$r_")" "$($label_fn "$r_")"
    done
}
# pct_or X: a fraction as a percentage, "-" if empty.
pts() { awk -v x="$1" 'BEGIN { printf "%.1f", 100 * x }'; }
# timing_note RUN...: whether the runs' seconds compare (all ran alone) or not.
timing_note() {
    shared_=$(for r_ in "$@"; do case " $timed " in *" $r_ "*) ;; *) echo "$r_";; esac; done | joined)
    if [ -z "$shared_" ]; then
        echo "These runs were timed one at a time: each ran alone on the machine (no other training or evaluation of the
pipelines beside it, even under \`make -j\`).  Seconds per epoch are the median over the run's epochs; load is
the 1-minute load average when the run ended (experiment-log column \`load_avg\`; the run's own threads count),
$(for r_ in "$@"; do load "$r_"; done | awk '$1 != "-" { n++; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
    END { if (!n) print "not recorded for these runs."; else if (lo == hi) printf "%s for each of them.\n", lo; else printf "from %s to %s for these runs.\n", lo, hi }')"
    else
        echo "$shared_ shared the machine with other runs: their seconds do not compare with the others'."
    fi
}

# ---- the rules ----
# The noise floor: the baseline recipe (opt-adamw) over its seeds.  The
# spread (largest minus smallest best value) is what a seed alone moves the
# primary metric by; a gap between two runs counts only if it exceeds it.
noise_runs="opt-adamw $(for r in $runs; do case $r in adamw-seed*) printf '%s ' "$r";; esac; done)"
floor=$(for r in $noise_runs; do best "$r"; done | awk 'NF { n++; x[n] = $1; s += $1; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
    END { printf "%.6f\n", n ? hi - lo : 0 }')
# GAP: awk functions; gap(g) words a gap of g (a fraction) against the floor.
GAP='function gap(g) { return sprintf("%.1f points, %s the seed spread of %.1f", 100 * g, g > floor ? "more than" : "within", 100 * floor) }
function pc(x) { return sprintf("%.1f %%", 100 * x) }
function cap(s) { return toupper(substr(s, 1, 1)) substr(s, 2) }'
# compare: reads stats lines; prints which run ended best, by how much, which
# runs are within the seed spread of it, and which settled first.
compare() {
    awk -F'\t' -v floor="$floor" -v m="$mname" "$GAP$AND"'
        $2 == "" { dead = dead (dead == "" ? "" : "|") $9; next }
        { n++; run[n] = $9; b[n] = $2 + 0; be[n] = $3; st[n] = $4 }
        END { if (!n) { print "No run completed an epoch."; exit }
              top = 1; for (i = 2; i <= n; i++) if (b[i] > b[top]) top = i
              tie = ""; for (i = 1; i <= n; i++) if (i != top && b[i] == b[top]) tie = tie "|" run[i]
              if (tie != "") printf "%s end best, tied (%s %s)", and_(run[top] tie), m, pc(b[top])
              else printf "%s ended best (%s %s, epoch %s)", cap(run[top]), m, pc(b[top]), be[top]
              if (n > 1) { sec = 0; for (i = 1; i <= n; i++) if (i != top && (!sec || b[i] > b[sec])) sec = i
                           if (tie == "") printf "; the next, %s (%s), is behind by %s.", run[sec], pc(b[sec]), gap(b[top] - b[sec])
                           else printf "."
                           near = ""; far = ""
                           for (i = 1; i <= n; i++) if (i != top && b[i] != b[top]) { if (b[top] - b[i] <= floor) near = near (near == "" ? "" : "|") run[i]; else far = far (far == "" ? "" : "|") run[i] }
                           if (far == "") printf "  All the others are within the seed spread of it."
                           else if (near == "") printf "  Every other run is more than the seed spread below it."
                           else printf "  Within the seed spread of it: %s; further below: %s.", and_(near), and_(far) }
              else printf "."
              # Settling early counts among the runs that end near the best.
              f = top; for (i = 1; i <= n; i++) if (b[top] - b[i] <= floor && st[i] + 0 < st[f] + 0) f = i
              if (f == top) printf "  %s settled (came within 1 point of its own best) at epoch %s%s.", cap(run[top]), st[top], (near tie == "" ? "" : ", and no run within the seed spread of it settled earlier")
              else printf "  Of the runs within the seed spread of the best, %s settled first: within 1 point of its own best at epoch %s, against epoch %s for %s.", run[f], st[f], st[top], run[top]
              if (dead != "") printf "  %s completed no epoch.", and_(dead)
              print "" }'
}

# ---- figures ----
# plot_items: the lines of standard input as one gnuplot plot list (an empty
# frame if there are none).
plot_items() { awk '{ s = s (NR > 1 ? ", " : "") $0 } END { print (NR ? s : "[0:1] [0:1] -1 notitle") }'; }
# cplot NAME SCRIPT [SIZE]: plot on CSV files with a header line.
cplot() { plot "$1" "set datafile separator ','
$2" "${3:-}"; }
# epoch_plot NAME TITLE PANELS RUN...: per-epoch curves, one line per run
# named by its label.  PANELS: "loss" (training loss, log scale, with room
# at the top for the key) and/or "metric" (the validation primary metric),
# side by side.  One key: in the first panel.
epoch_plot() {
    name_=$1 title_=$2 panels_=$3; shift 3
    loss_=$(for r_ in "$@"; do has_curves "$r_" &&
        echo "'$dir/$r_-curves.csv' using 1:$(cidx "$r_" train_loss) with linespoints title '$($label_fn "$r_")'"; done | plot_items)
    met_=$(for r_ in "$@"; do has_curves "$r_" &&
        echo "'$dir/$r_-curves.csv' using 1:(100 * column($(cidx "$r_" "$mcol"))) with linespoints title '$($label_fn "$r_")'"; done | plot_items)
    top_=$(for r_ in "$@"; do has_curves "$r_" && awk -F, -v c="$(cidx "$r_" train_loss)" 'NR > 1 { print $c }' "$dir/$r_-curves.csv"; done |
        awk 'NR == 1 || $1 > m { m = $1 } END { printf "%g", (m > 0 ? m : 1) * 100 }')
    n_=$(echo "$panels_" | wc -w) i_=0
    s_="set multiplot layout 1,$n_ title '$title_'
set xlabel 'epoch'"
    for p_ in $panels_; do
        i_=$((i_ + 1))
        if [ "$i_" = 1 ]; then s_="$s_
set key top right"; else s_="$s_
unset key"; fi
        case $p_ in
            loss) s_="$s_
set logscale y
set yrange [*:$top_]
set ylabel 'training loss (cross-entropy, log scale)'
set title 'training loss'
plot $loss_
unset logscale y
set yrange [*:*]" ;;
            metric) s_="$s_
set ylabel '$mname (%)'
set title '$mname'
plot $met_" ;;
        esac
    done
    cplot "$name_" "$s_
unset multiplot" "$([ "$n_" -gt 1 ] && echo 1000,450 || echo 800,450)"
}

# ---- the noise floor ----
label_fn=seed_label
epoch_plot noise_floor "The baseline recipe over $(word "$(echo $noise_runs | wc -w)") seeds" metric $noise_runs
label_fn=label

# ---- overfitting ----
cplot overfitting "set multiplot layout 1,2
set xlabel 'epoch'
set ylabel 'cross-entropy'
set yrange [0:*]
set key top left
set title 'overfit: no regularisation'
plot '$dir/overfit-curves.csv' using 1:$(cidx overfit train_loss) with lines lw 2 title 'train', '' using 1:$(cidx overfit val_loss) with lines lw 2 title 'validation'
set title 'overfit-fixed: regularised, early stopping'
plot '$dir/overfit-fixed-curves.csv' using 1:$(cidx overfit-fixed train_loss) with lines lw 2 title 'train', '' using 1:$(cidx overfit-fixed val_loss) with lines lw 2 title 'validation'
unset multiplot"

# ---- instability ----
# Steps are counted over the whole run.  The x range is a few times the
# diverging run's length, so its blow-up fills the panels.
div_steps=$(awk 'END { print NR - 1 }' "$dir/diverge-steps.csv")
fix_steps=$(awk 'END { print NR - 1 }' "$dir/diverge-fixed-steps.csv")
if [ "$(log diverge stop_reason)" = diverged ]; then
    xmax=$(awk -v d="$div_steps" -v f="$fix_steps" 'BEGIN { x = 4 * d; if (x < 40) x = 40; if (x > f) x = f; print x }')
else xmax=$fix_steps; fi
clip_fixed=$(h diverge-fixed clip)
cplot instability "set multiplot layout 1,2 title 'The first $xmax steps of the two runs'
set xlabel 'step (batches since the start)'
set xrange [0:$xmax]
set logscale y
set yrange [0.1:*]
set format y '%.0e'
set key top left Left reverse
set title 'loss per step'
set ylabel 'training loss of the batch (cross-entropy, log scale)'
plot '$dir/diverge-steps.csv' using 0:4 with lines lw 2 title 'diverge (lr $(log diverge lr), $(clipping diverge short))', \
     '$dir/diverge-fixed-steps.csv' using 0:4 with lines title 'diverge-fixed (lr $(log diverge-fixed lr), $(clipping diverge-fixed short))'
set title 'gradient norm per step (before clipping)'
set ylabel 'global gradient L2 norm (log scale)'
plot '$dir/diverge-steps.csv' using 0:5 with lines lw 2 title 'diverge', \
     '$dir/diverge-fixed-steps.csv' using 0:5 with lines title 'diverge-fixed', \
     $(awk -v c="$clip_fixed" 'BEGIN { print (c + 0 > 0 ? c : "NaN") }') with lines dt 2 lc rgb '#000000' title 'clipping threshold of diverge-fixed'
unset multiplot" 1000,450

# ---- skip connections and gradient norms ----
deep_runs="deep-plain deep-skip deep-skip2 deep-prenorm"
# dense_names SPEC: the names har-train gives the dense layers of SPEC (the
# curves' grad_l2_NAME columns), input side first: the item's index, and
# inside res(...) INDEX.body.J.
dense_names() {
    printf '%s\n' "$1" | awk '{ n = 0; d = 0; cur = ""
        for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c == "(") d++; if (c == ")") d--
            if (c == "," && d == 0) { item[n++] = cur; cur = "" } else cur = cur c }
        item[n++] = cur
        for (k = 0; k < n; k++)
            if (item[k] ~ /^res\(/) { m = split(substr(item[k], 5, length(item[k]) - 5), p, ",")
                for (j = 1; j <= m; j++) if (p[j] ~ /^(dense|linear):/) print k ".body." (j - 1) }
            else if (item[k] ~ /^(dense|linear):/) print k }'
}
# layer_grads RUN: "epoch layer norm" of every dense layer in every epoch
# (layer 1 next to the input), written to DIR/RUN-layer-grad.dat.
layer_grads() {
    awk -F, -v names="$(dense_names "$(log "$1" model)" | tr '\n' ' ')" 'NR == 1 { n = split(names, nm, " ")
            for (j = 1; j <= n; j++) for (i = 1; i <= NF; i++) if ($i == "grad_l2_" nm[j]) c[j] = i; next }
        { for (j = 1; j <= n; j++) print $1, j, $c[j] }' "$dir/$1-curves.csv" > "$dir/$1-layer-grad.dat"
}
for r in $deep_runs; do if has_curves "$r"; then layer_grads "$r"; else : > "$dir/$r-layer-grad.dat"; fi; done
# One colour scale (log10 of the norm) for the four panels.
cb=$(for r in $deep_runs; do cat "$dir/$r-layer-grad.dat"; done |
    awk '$3 > 0 { l = log($3) / log(10); if (!n++ || l < lo) lo = l; if (l > hi) hi = l } END { if (!n) { lo = -1; hi = 0 } printf "%d:%d", (lo < 0 ? int(lo) - (lo != int(lo)) : int(lo)), int(hi) + (hi != int(hi)) }')
heat=$(for r in $deep_runs; do
    printf "set title '%s: %s'\nset xrange [0.5:%s]\nset yrange [0.5:%s]\nplot '%s' using 1:2:(\$3 > 0 ? log10(\$3) : %s) with image notitle\n" \
        "$r" "$(label "$r")" "$(awk 'END { print $1 + 0.5 }' "$dir/$r-layer-grad.dat")" "$(awk '$2 > l { l = $2 } END { print l + 0.5 }' "$dir/$r-layer-grad.dat")" \
        "$dir/$r-layer-grad.dat" "${cb%:*}"
done)
plot gradient_norms "set multiplot layout 2,2 title 'Mean gradient L2 norm of each dense layer, every epoch'
set xlabel 'epoch'
set ylabel 'dense layer (1 = next to the input)'
set cblabel 'log10 of the gradient norm' offset 1.5,0
set cbrange [$cb]
set palette defined (0 '#440154', 0.35 '#31688e', 0.7 '#35b779', 1 '#fde725')
set xtics 1
set ytics 1
$heat
unset multiplot" 1000,800
epoch_plot skip_connections "Ten sigmoid layers: plain and with skip connections" 'loss metric' $deep_runs

# ---- activations, initialisation ----
act_runs=$(for r in $runs; do case $r in act-*) printf '%s ' "$r";; esac; done)
epoch_plot activations "Activations: $(($(log "${act_runs%% *}" model | tr ',' '\n' | grep -c '^dense:') - 1)) hidden layers, $(optname "$(common optimizer $act_runs)") at lr $(common lr $act_runs)" 'loss metric' $act_runs
init_mlp=$(for r in $runs; do case $r in init-mlp-*) printf '%s ' "$r";; esac; done)
init_rnn=$(for r in $runs; do case $r in init-rnn-*) printf '%s ' "$r";; esac; done)
for r in $init_mlp; do if has_curves "$r"; then layer_grads "$r"; else : > "$dir/$r-layer-grad.dat"; fi; done
init_lines=$(for r in $init_mlp; do [ -s "$dir/$r-layer-grad.dat" ] &&
    printf "'%s' using 2:(\$1 == 1 ? \$3 : NaN) with linespoints title '%s'\n" "$dir/$r-layer-grad.dat" "$(label "$r")"; done | plot_items)
init_val() { for r in "$@"; do has_curves "$r" && printf "'%s' using 1:(100 * column(%s)) with linespoints title '%s'\n" "$dir/$r-curves.csv" "$(cidx "$r" "$mcol")" "$(label "$r")"; done | plot_items; }
cplot initialisation "set multiplot layout 1,3 title 'Initialisation schemes'
set key bottom right
set title 'deep ReLU MLP: gradients in epoch 1'
set xlabel 'dense layer (1 = next to the input)'
set ylabel 'mean gradient L2 norm, epoch 1 (log scale)'
set logscale y
set format y '%.0e'
set key top left
set datafile separator whitespace
plot $init_lines
set datafile separator ','
unset logscale y
set format y '%g'
set key bottom right
set xlabel 'epoch'
set ylabel '$mname (%)'
set title 'deep ReLU MLP'
plot $(init_val $init_mlp)
set title 'Elman RNN'
plot $(init_val $init_rnn)
unset multiplot" 1200,450

# ---- optimizers, momentum, batch sizes ----
opt_runs="opt-sgd opt-momentum opt-adam opt-adamw"
mom_runs=$(for r in $runs; do case $r in momentum-*) printf '%s ' "$r";; esac; done)
# The momentum sweep in order of momentum, opt-momentum (0.9) among them.
mom_runs=$(for r in $mom_runs opt-momentum; do echo "$(h "$r" momentum) $r"; done | sort -g | awk '{ printf "%s ", $2 }')
batch_runs=$(for r in $runs; do case $r in batch-*|opt-adamw) echo "$(log "$r" batch_size) $r";; esac; done | sort -n | awk '{ printf "%s ", $2 }')
epoch_plot optimizers "Optimizers on the baseline MLP" 'loss metric' $opt_runs
label_fn=mom_label
epoch_plot momentum "SGD with momentum at lr $(common lr $mom_runs)" 'loss metric' $mom_runs
label_fn=label
# Batch sizes: per epoch, and against the seconds of training so far.
bval=$(for r in $batch_runs; do has_curves "$r" && printf "'%s' using 1:(100 * column(%s)) with linespoints title 'batch %s (%s)'\n" "$dir/$r-curves.csv" "$(cidx "$r" "$mcol")" "$(log "$r" batch_size)" "$(optname "$(log "$r" optimizer)")"; done | plot_items)
btime=$(i=0; for r in $batch_runs; do i=$((i + 1)); has_curves "$r" && printf "'%s' using (c%d = c%d + column('seconds')):(100 * column(%s)) with linespoints title 'batch %s'\n" "$dir/$r-curves.csv" $i $i "$(cidx "$r" "$mcol")" "$(log "$r" batch_size)"; done | plot_items)
cplot batch_sizes "set multiplot layout 1,2 title 'Batch sizes'
set key bottom right
set ylabel '$mname (%)'
set xlabel 'epoch'
set title 'per epoch'
plot $bval
$(i=0; for r in $batch_runs; do i=$((i + 1)); echo "c$i = 0"; done)
set xlabel 'seconds of training (sum of the epochs, log scale)'
set logscale x
set title 'per second of training'
plot $btime
unset multiplot" 1000,450

# ---- class imbalance ----
imb_runs="imb-none imb-balanced imb-oversample"
# count FILE CLASS: windows of CLASS in a classes-*.csv file.
count() { v "$1" class "$2" support; }
classes=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$dir/classes-train.csv")
# The thinned class: the one whose share of windows kept is smallest.
thin=$(for k in $classes; do echo "$k $(count "$dir/classes-train.csv" "$k") $(count "$dir/classes-thinned.csv" "$k")"; done |
    awk '{ r = $3 / $2; if (!n++ || r < lo) { lo = r; k = $1 } } END { print k }')
{
    echo '# run recall_of_thinned_class macro_f1 accuracy'
    for r in opt-adamw $imb_runs; do
        if [ "$r" = opt-adamw ]; then l='whole split'; else l="thinned, $(label "$r")"; fi
        printf '"%s" %s %s %s\n' "$l" "$(v "$dir/$r-eval.csv" class "$thin" recall)" \
            "$(v "$dir/$r-eval.csv" summary all macro_f1)" "$(v "$dir/$r-eval.csv" summary all accuracy)"
    done
} > "$dir/class_imbalance.dat"
plot class_imbalance "set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key above horizontal
set ylabel 'score on the validation subjects (%)'
set xlabel 'training split and correction'
set xtics rotate by -15
set yrange [0:105]
set title '$thin thinned in the training split: what each correction recovers'
plot '$dir/class_imbalance.dat' using (100 * \$2):xtic(1) title 'recall of $thin', '' using (100 * \$3) title 'macro-F1', '' using (100 * \$4) title 'accuracy'" 900,520

# ---- time warp ----
warp_runs=$(for r in $runs; do case $r in warp-*) printf '%s ' "$r";; esac; done)
epoch_plot time_warp "Time-warp augmentation on a small CNN" 'loss metric' $warp_runs

# ==== the report ====
train_windows=$(awk '/-train\./ && !/&/ { print $2; exit }' "$audit")
train_subjects=$(awk '/-train\./ && !/&/ { print $3; exit }' "$audit")
val_subjects=$(awk '/-val\./ && !/&/ { print $3; exit }' "$audit")
header='| run | epochs run | best epoch | best val accuracy | best val macro-F1 | val loss there | stop |
|---|---:|---:|---:|---:|---:|---|'
# row RUN: the summary columns of the first sections' tables.
row() {
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(log "$1" epochs_run)" "$(log "$1" best_epoch)" \
        "$(pct "$(log "$1" best_val_acc)")" "$(pct "$(log "$1" best_val_f1)")" "$(num "$(log "$1" best_val_loss)")" \
        "$(log "$1" stop_reason)"
}
cat <<EOF
# 2. The training clinic

Generated by \`make training-clinic\`.  Every run trains on the $train_subjects training
subjects and is scored on the $val_subjects validation subjects; the test subjects are
not looked at here.  Each run's curves are \`02_training_clinic/RUN-curves.csv\`
and its row of the experiment log \`artifacts/experiments.csv\` (spec, every
hyperparameter, seed, stop reason, seconds, a note).  The primary metric is the
$mname: "best" is the epoch with the best $mname, and a run
"settles" at the first epoch within 1 point of its own best.  A gap between
two runs is compared with the noise floor of the first section: the spread
of the baseline recipe over seeds.

EOF

# ---- the noise floor ----
n_seeds=$(echo $noise_runs | wc -w)
cat <<EOF
## Noise floor: the baseline recipe over $(word "$n_seeds") seeds

The clinic's baseline MLP (\`$(log opt-adamw model)\`,
$(optname "$(log opt-adamw optimizer)") at learning rate $(log opt-adamw lr), $(common epochs $noise_runs) epochs; the optimizer, batch-size and imbalance
studies use it) trained with seeds $(for r in $noise_runs; do log "$r" seed; done | joined).  The seed sets the initial
weights, the batch order and the dropout masks; nothing else changes.

| run | seed | best $mname | best epoch | $mname, last epoch |
|---|---:|---:|---:|---:|
EOF
for r in $noise_runs; do
    printf '| %s | %s | %s | %s | %s |\n' "$r" "$(log "$r" seed)" "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" \
        "$(if has_curves "$r"; then pct "$(curve "$r" "$mcol" last)"; else echo -; fi)"
done
cat <<EOF

![noise floor](02_training_clinic/noise_floor.png)

**Conclusions.** $(for r in $noise_runs; do best "$r"; done | awk -v m="$mname" -v floor="$floor" 'NF { x[++n] = $1; s += $1 }
    END { if (n < 2) { print "Fewer than two seeds completed an epoch: no spread can be measured."; exit }
          mu = s / n; for (i = 1; i <= n; i++) v += (x[i] - mu) ^ 2
          printf "Over %d seeds the best %s has mean %.1f %%, standard deviation %.1f points, and spans %.1f points\n(largest minus smallest).  That spread is the noise floor of this report: a gap between two runs smaller than\n%.1f points could come from the seed alone, and the conclusions below say so.  The other studies use other\nnetworks, whose spread over seeds may differ.\n", n, m, 100 * mu, 100 * sqrt(v / (n - 1)), 100 * floor, 100 * floor }')

EOF

# ---- overfitting ----
wider=$(awk -v a="$(width overfit)" -v b="$(width opt-adamw)" 'BEGIN { r = a / b; if (r == int(r)) print r; else printf "%.3g\n", r }')
case $wider in *.*|1|0) wider="$wider times as wide as";; *) wider="$(word "$wider") times wider";; esac
if [ "$(width overfit-fixed)" = "$(width overfit)" ]; then same_width='the same width'; else same_width="width $(width overfit-fixed)"; fi
p_=$(h overfit-fixed patience)
if [ "$p_" -gt 0 ]; then stopping="early stopping (patience $p_)"; else stopping='no early stopping'; fi
# What the overfit run's curves show, stated only as far as they show it.
overfit_verdict=$(awk -F, -v reg="$(reg overfit)" -v tc="$(cidx overfit train_loss)" -v vc="$(cidx overfit val_loss)" '
    NR > 1 { n++; e[n] = $1; tl[n] = $tc + 0; vl[n] = $vc + 0 }
    END { if (!n) { print "The overfit run completed no epoch."; exit }
          t = 1; v = 1; for (i = 2; i <= n; i++) { if (tl[i] < tl[t]) t = i; if (vl[i] < vl[v]) v = i }
          pre = reg == "no regularisation" ? "Without regularisation" : "With " reg
          tr = t == n ? "the training loss keeps falling" : "the training loss is lowest at epoch " e[t]
          if (v < n) printf "%s %s while the validation\nloss turns upward after its minimum at epoch %s%s\n", pre, tr, e[v],
                             t == n ? ": the network memorises the training subjects." : "."
          else printf "%s %s, and the validation\nloss is still at its minimum at the last epoch (%s): no sign of overfitting yet.\n", pre, tr, e[n] }' "$dir/overfit-curves.csv")
# loss_gap RUN: validation minus training loss at the run's last epoch.
loss_gap() { awk -v a="$(curve "$1" val_loss last)" -v b="$(curve "$1" train_loss last)" 'BEGIN { printf "%.3f", a - b }'; }
cat <<EOF
## Overfitting, and a fix

An MLP $wider than the baseline ($(log overfit params) parameters), $(optname "$(log overfit optimizer)") at a
$(schedule overfit), $(reg overfit), against $same_width with
$(reg overfit-fixed),
a $(schedule overfit-fixed) and $stopping.

$header
$(row overfit)
$(row overfit-fixed)

| run | train loss, last epoch | validation loss, last epoch | gap |
|---|---:|---:|---:|
EOF
for r in overfit overfit-fixed; do
    printf '| %s | %s | %s | %s |\n' "$r" "$(num "$(curve "$r" train_loss last)")" "$(num "$(curve "$r" val_loss last)")" "$(loss_gap "$r")"
done
cat <<EOF

![overfitting](02_training_clinic/overfitting.png)

**Conclusions.** $overfit_verdict
$(awk -v g0="$(loss_gap overfit)" -v g1="$(loss_gap overfit-fixed)" -v b0="$(best overfit)" -v b1="$(best overfit-fixed)" \
    -v floor="$floor" -v m="$mname" "$GAP"'BEGIN {
    printf "The regularised run ends with a gap between validation and training loss of %.3f against %.3f%s;\n", g1, g0,
        g1 < g0 ? "" : " (no narrower)"
    d = b1 - b0
    printf "its best %s is %s against %s, %s by %s.\n", m, pc(b1), pc(b0), (d >= 0 ? "higher" : "lower"), gap(d < 0 ? -d : d) }')

EOF

# ---- instability ----
interventions=$({ hp_lines "$(log diverge hyperparameters)"; echo; hp_lines "$(log diverge-fixed hyperparameters)"; } |
    awk 'NF == 0 { b = 1; next } !b { a[$0]; next } !($0 in a) { n++ } END { print n + 0 }')
if [ "$interventions" = 1 ]; then interventions='one intervention'; else interventions="$(word "$interventions") interventions"; fi
case $(log diverge optimizer) in sgd) diverge_opt='Plain SGD';; *) diverge_opt=$(optname "$(log diverge optimizer)");; esac
if [ "$(log diverge stop_reason)" = diverged ]; then
    blowup=$(awk -F, 'NR == 2 { l0 = $4 } NR > 1 && $4 != "nan" { lf = $4; s = NR - 1 }
        END { printf "the loss goes from %.3g at the first step to %.3g at step %d, and the next step is not finite: ", l0, lf, s
              if ($1 == 1) print "the run blows up inside\nits first epoch."; else print "the run blows up inside\nepoch " $1 "." }' "$dir/diverge-steps.csv")
    before=' before the blow-up'
else
    blowup="the run does not blow
up (stop reason: $(log diverge stop_reason))."
    before=''
fi
clipped=$(awk -F, -v c="$clip_fixed" 'NR > 1 { n++; if (c + 0 > 0 && $5 + 0 > c + 0) k++ } END { if (!n) print "no step"; else printf "%.0f %% of its %d steps", 100 * k / n, n }' "$dir/diverge-fixed-steps.csv")
cat <<EOF
## Instability, and a fix

$diverge_opt at learning rate $(log diverge lr) $(clipping diverge), against learning
rate $(log diverge-fixed lr) $(clipping diverge-fixed) ($interventions).  The step traces
(\`--steps\`) show what the per-epoch curves cannot.

| run | stop reason | what har-train said |
|---|---|---|
| diverge | $(log diverge stop_reason) | $(awk -F, 'NR > 1 { last = $0 } END { split(last, f, ","); printf "loss %s at epoch %s, step %s (learning rate %s)", f[4], f[1], f[2], f[3] }' "$dir/diverge-steps.csv") |
| diverge-fixed | $(log diverge-fixed stop_reason) | best $mname $(pct "$(best diverge-fixed)") |

![instability](02_training_clinic/instability.png)

**Conclusions.** In the diverging run $blowup
Its largest gradient norm$before is $(awk -F, 'NR > 1 && $5 != "nan" && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-steps.csv"), against $(awk -F, 'NR > 1 && $5 + 0 > m { m = $5 + 0 } END { printf "%.3g", m }' "$dir/diverge-fixed-steps.csv") in diverge-fixed (before clipping),
where clipping at norm $clip_fixed acted on $clipped.

EOF

# ---- skip connections ----
deep_layers=$(log deep-plain model | tr ',' '\n' | grep -c '^sigmoid$')
deep_units=$(log deep-plain model | awk -F, '{ for (i = 2; i <= NF; i++) if ($i == "sigmoid" && $(i - 1) ~ /^dense:/) print substr($(i - 1), 7) }' | joined)
# block RUN: the run's first residual block, as written in its spec.
block() { log "$1" model | awk '{ if (match($0, /res\([^)]*\)/)) print substr($0, RSTART, RLENGTH); else print "none" }'; }
# grad_ratio RUN EPOCH: the gradient norm of the dense layer next to the input
# over that of the classifier, in EPOCH ("last" = the last epoch).
grad_ratio() {
    awk -v e="$2" '{ ep[NR] = $1 } e == "last" { last = $1 } { g[$1, $2] = $3; if ($2 > L) L = $2 }
        END { if (e == "last") e = last; if (!L || g[e, L] <= 0) { print "-"; exit } printf "%.2g\n", g[e, 1] / g[e, L] }' "$dir/$1-layer-grad.dat"
}
cat <<EOF
## Vanishing gradients: plain vs skip connections

$(Word "$deep_layers") sigmoid layers of $deep_units units between the input layer and the classifier, plain,
or with skip connections in $(word $(( $(echo $deep_runs | wc -w) - 1 ))) ways: $(for r in $deep_runs; do [ "$(block "$r")" = none ] || printf '`%s` (%s)|' "$(block "$r")" "$r"; done | tr '|' '\n' | joined);
$(common epochs $deep_runs) epochs of $(optname "$(common optimizer $deep_runs)") at learning rate $(common lr $deep_runs), $(schedule deep-plain).  Gradient
norms are the mean over the epoch's steps of each dense layer's gradient L2 norm (the curves' \`grad_l2_*\` columns);
"input/output" is the ratio of the norm at the dense layer next to the input to that at the classifier.

| run | block | best epoch | best $mname | input/output gradient, epoch 1 | input/output gradient, last epoch |
|---|---|---:|---:|---:|---:|
EOF
for r in $deep_runs; do
    printf '| %s | `%s` | %s | %s | %s | %s |\n' "$r" "$(block "$r")" "$(log "$r" best_epoch)" "$(pct "$(best "$r")")" \
        "$(grad_ratio "$r" 1)" "$(grad_ratio "$r" last)"
done
cat <<EOF

![gradient norms per layer and epoch](02_training_clinic/gradient_norms.png)

![skip connections](02_training_clinic/skip_connections.png)

**Conclusions.** $(for r in $deep_runs; do
    awk -v run="$r ($(label "$r"))" '{ g[$1, $2] = $3; if ($1 > E) E = $1; if ($2 > L) L = $2 }
        END { if (!E) { printf "%s completed no epoch.  ", run; exit }
              r1 = g[1, 1] / g[1, L]; rE = g[E, 1] / g[E, L]
              f = exp(log(g[1, L] / g[1, 1]) / (L - 1))
              printf "In %s the layer next to the input gets %.2g times the classifier'"'"'s gradient norm in epoch 1 (%s by a factor %.2g per layer on average, towards the input) and %.2g times in epoch %d: ", run, r1, (f >= 1 ? "shrinking" : "growing"), (f >= 1 ? f : 1 / f), rE, E
              if (rE < 1e-3) s = "the gradient still vanishes before it reaches the input side"
              else if (rE < 0.1) s = "the input side gets a weak gradient"
              else s = "every layer gets a gradient of a similar size"
              printf "%s%s.\n", s, (rE > 10 * r1 ? ", after growing by a factor " sprintf("%.2g", rE / r1) " over training" : rE < r1 / 10 ? ", after falling by a factor " sprintf("%.2g", r1 / rE) : "") }' "$dir/$r-layer-grad.dat"
done)
Among the skip connections: $(stats $(echo $deep_runs | cut -d' ' -f2-) | compare)
$(stats $deep_runs | awk -F'\t' -v floor="$floor" -v m="$mname" "$GAP$AND"'
    NR == 1 { plain = $2 + 0; pname = $9; next }
    $2 != "" { d = $2 - plain; if (d > floor) up = up (up == "" ? "" : "|") $9 " (" pc($2) ")"; else same = same (same == "" ? "" : "|") $9 " (" pc($2) ")" }
    END { printf "Against the plain network'"'"'s best %s of %s, ", m, pc(plain)
          if (up != "") printf "%s %s higher by more than the seed spread (%.1f points)", and_(up), index(up, "|") ? "are" : "is", 100 * floor
          if (up != "" && same != "") printf "; "
          if (same != "") printf "%s %s not", and_(same), index(same, "|") ? "are" : "is"
          print "." }')

EOF

# ---- activations ----
act_first=${act_runs%% *}
cat <<EOF
## Activation functions

One MLP, \`$(log "$act_first" model | sed "s/$(label "$act_first")/ACT/g")\`, with ACT each of
$(for r in $act_runs; do label "$r"; done | joined); $(common epochs $act_runs) epochs of $(optname "$(common optimizer $act_runs)") at learning rate
$(common lr $act_runs), the same seed and everything else the same.  Not an adaptive optimizer: those rescale each
weight's step by its own gradient history, which would mask part of the differences in gradient scale.

| run | activation | best $mname | best epoch | settles at epoch | $mname, epoch 1 | gradient norm at the first layer, epoch 1 |
|---|---|---:|---:|---:|---:|---:|
EOF
for r in $act_runs; do
    g1=$(if has_curves "$r"; then curve "$r" "grad_l2_$(dense_names "$(log "$r" model)" | head -n 1)" 1; fi)
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(label "$r")" "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" "$(settle "$r")" \
        "$(if has_curves "$r"; then pct "$(curve "$r" "$mcol" 1)"; else echo -; fi)" "$(awk -v x="$g1" 'BEGIN { if (x == "") print "-"; else printf "%.3g", x }')"
done
cat <<EOF

![activations](02_training_clinic/activations.png)

**Conclusions.** $(stats $act_runs | compare)
$(for r in $act_runs; do has_curves "$r" && echo "$(curve "$r" "grad_l2_$(dense_names "$(log "$r" model)" | head -n 1)" 1) $(label "$r")"; done | sort -g |
    awk '{ g[++n] = $1; a[n] = $2 } END { if (n > 1) printf "In epoch 1 the first layer'"'"'s gradient norm ranges from %.3g (%s) to %.3g (%s), a factor %.3g.\n", g[1], a[1], g[n], a[n], (g[1] > 0 ? g[n] / g[1] : 0) }')

EOF

# ---- initialisation ----
# init_table RUN...: one table row per run.
init_row() {
    r=$1
    if has_curves "$r"; then
        e1=$(pct "$(curve "$r" "$mcol" 1)")
        if [ -s "$dir/$r-layer-grad.dat" ]; then gi=$(awk '$1 == 1 && $2 == 1 { printf "%.3g", $3 }' "$dir/$r-layer-grad.dat") go=$(awk '$1 == 1 { g = $3 } END { printf "%.3g", g }' "$dir/$r-layer-grad.dat")
        else gi=$(curve "$r" "$(head -n 1 "$dir/$r-curves.csv" | tr ',' '\n' | grep '^grad_l2_' | head -n 1)" 1) go=$(curve "$r" "$(head -n 1 "$dir/$r-curves.csv" | tr ',' '\n' | grep '^grad_l2_' | tail -n 1)" 1)
            gi=$(printf '%.3g' "$gi") go=$(printf '%.3g' "$go"); fi
    else e1=- gi=- go=-; fi
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(label "$r")" "$gi" "$go" "$e1" "$(pct "$(best "$r")")" "$(log "$r" best_epoch)"
}
# same_numbers A B: the two runs' curves agree in every column but seconds.
same_numbers() { has_curves "$1" && has_curves "$2" && [ "$(cut -d, -f1-$(( $(cidx "$1" seconds) - 1 )) "$dir/$1-curves.csv")" = "$(cut -d, -f1-$(( $(cidx "$2" seconds) - 1 )) "$dir/$2-curves.csv")" ]; }
cat <<EOF
## Initialisation schemes

\`har-train --init\`: $(for r in $init_mlp; do label "$r"; done | joined) on two networks where the scale of the initial
weights matters: \`$(log "${init_mlp%% *}" model)\` with $(optname "$(common optimizer $init_mlp)") at learning rate $(common lr $init_mlp)
($(common epochs $init_mlp) epochs), and an Elman RNN, \`$(log "${init_rnn%% *}" model)\`, with $(optname "$(common optimizer $init_rnn)") at learning rate $(common lr $init_rnn)
($(common epochs $init_rnn) epochs).  Gradient norms: epoch-1 mean of the first and the last layer with weights.

| run | init | gradient norm, first layer, epoch 1 | gradient norm, last layer, epoch 1 | $mname, epoch 1 | best $mname | best epoch |
|---|---|---:|---:|---:|---:|---:|
EOF
for r in $init_mlp $init_rnn; do init_row "$r"; done
cat <<EOF

![initialisation](02_training_clinic/initialisation.png)

**Conclusions.** Deep ReLU MLP: $(stats $init_mlp | compare)
$(for r in $init_mlp; do if [ -s "$dir/$r-layer-grad.dat" ]; then printf '%s %s\n' "$(grad_ratio "$r" 1)" "$(label "$r")"; fi; done |
    awk '$1 != "-" { n++; r[n] = $1 + 0; a[n] = $0; sub(/^[^ ]* /, "", a[n]) } END { if (n < 2) exit; lo = 1; hi = 1; for (i = 2; i <= n; i++) { if (r[i] < r[lo]) lo = i; if (r[i] > r[hi]) hi = i }
        printf "In epoch 1 the layer next to the input gets %.2g times the classifier'"'"'s gradient norm with %s, %.2g times with %s.\n", r[lo], a[lo], r[hi], a[hi] }')
$(a=$(runs_where init_of xavier $init_mlp) b=$(runs_where init_of orthogonal $init_mlp)
  if [ -n "$a" ] && [ -n "$b" ]; then
      if same_numbers $a $b; then echo "On the MLP, $(label $b) gives exactly the numbers of $(label $a) (the two differ only in recurrent weights)."
      else echo "On the MLP, $(label $b) and $(label $a) give different numbers."; fi
  fi)
Elman RNN: $(stats $init_rnn | compare)

EOF

# ---- optimizers ----
# timed_row RUN EXTRA...: a table row with the timing columns.
timed_cols() { printf '%s | %s' "$(median "$1")" "$(load "$1")"; }
# speed: reads stats lines; which run is fastest per epoch and to settle, in seconds.
speed() {
    awk -F'\t' -v floor="$floor" '$8 != "-" && $2 != "" { n++; run[n] = $9; b[n] = $2 + 0; s[n] = $8 + 0; t[n] = $4 * $8 }
        END { if (n < 2) exit; f = 1; sl = 1; top = 1
              for (i = 2; i <= n; i++) { if (s[i] < s[f]) f = i; if (s[i] > s[sl]) sl = i; if (b[i] > b[top]) top = i }
              q = top; for (i = 1; i <= n; i++) if (b[top] - b[i] <= floor && t[i] < t[q]) q = i
              printf "Per epoch, %s is the fastest (%.3f s) and %s the slowest (%.3f s, %.2f times as long); in seconds until it settles, %s is the first of the runs within the seed spread of the best (%.1f s).\n",
                  run[f], s[f], run[sl], s[sl], (s[f] > 0 ? s[sl] / s[f] : 0), run[q], t[q] }'
}
cat <<EOF
## Optimizers

The baseline MLP, $(common epochs $opt_runs) epochs each, $(common schedule $opt_runs) schedule, each optimizer at a usual
learning rate ($(for r in $opt_runs; do printf '%s %s; ' "$(log $r optimizer)" "$(log $r lr)"; done | sed 's/; $//')).

| run | optimizer | best $mname | best epoch | settles at epoch | seconds per epoch (median) | load |
|---|---|---:|---:|---:|---:|---:|
EOF
for r in $opt_runs; do
    printf '| %s | %s | %s | %s | %s | %s |\n' "$r" "$(label "$r")" "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" "$(settle "$r")" "$(timed_cols "$r")"
done
cat <<EOF

$(timing_note $opt_runs)

![optimizers](02_training_clinic/optimizers.png)

**Conclusions.** $(stats $opt_runs | compare)
$(stats $opt_runs | speed)

EOF

# ---- momentum ----
cat <<EOF
## Momentum

$(optname momentum) at learning rate $(common lr $mom_runs), momentum $(for r in $mom_runs; do h "$r" momentum; done | joined), on the baseline MLP
($(common epochs $mom_runs) epochs, $(common schedule $mom_runs) schedule).  With momentum m a constant gradient moves the weights by
lr/(1 - m) per step: the effective learning rate.

| run | momentum | effective learning rate | best $mname | best epoch | settles at epoch | largest drop between epochs | seconds per epoch (median) | load |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
# drop RUN: the largest fall of the primary metric from one epoch to the next, in points.
drop() { if has_curves "$1"; then awk -F, -v c="$(cidx "$1" "$mcol")" 'NR > 2 && prev - $c > d { d = prev - $c } NR > 1 { prev = $c } END { printf "%.1f\n", 100 * d }' "$dir/$1-curves.csv"; else echo -; fi; }
for r in $mom_runs; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(h "$r" momentum)" "$(awk -v l="$(log "$r" lr)" -v m="$(h "$r" momentum)" 'BEGIN { printf "%.3g", l / (1 - m) }')" \
        "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" "$(settle "$r")" "$(drop "$r")" "$(timed_cols "$r")"
done
cat <<EOF

$(timing_note $mom_runs)

![momentum](02_training_clinic/momentum.png)

**Conclusions.** $(label_fn=mom_label; stats $mom_runs | compare)
$(for r in $mom_runs; do echo "$(drop "$r") $(mom_label "$r")"; done | sort -g | awk '$1 != "-" { n++; d[n] = $1; l[n] = $0; sub(/^[^ ]* /, "", l[n]) }
    END { if (n > 1 && d[n] > d[1]) printf "The validation curve is steadiest with %s (largest drop between two epochs %.1f points) and least steady with %s (%.1f points).\n", l[1], d[1], l[n], d[n]
          else if (n > 1) printf "No run'"'"'s validation curve drops by more than %.1f points from one epoch to the next.\n", d[n] }')

EOF

# ---- batch sizes ----
steps() { awk -v b="$(log "$1" batch_size)" -v n="$train_windows" 'BEGIN { printf "%d", (n + b - 1) / b }'; }
cat <<EOF
## Batch sizes

$(for r in $batch_runs; do printf '%s|' "batch $(log "$r" batch_size) ($r, $(optname "$(log "$r" optimizer)") at learning rate $(log "$r" lr), $(log "$r" epochs_run) epochs)"; done | tr '|' '\n' | joined).  Batch 1 is
plain per-sample SGD: one step per window, so it gets few epochs.  The steps per epoch are the $train_windows training windows
over the batch size.

| run | batch | optimizer | steps per epoch | seconds per epoch (median) | load | ms per step | best $mname | best epoch | settles at epoch |
|---|---:|---|---:|---:|---:|---:|---:|---:|---:|
EOF
for r in $batch_runs; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(log "$r" batch_size)" "$(optname "$(log "$r" optimizer)")" "$(steps "$r")" "$(timed_cols "$r")" \
        "$(awk -v s="$(median "$r")" -v n="$(steps "$r")" 'BEGIN { if (s == "-") print "-"; else printf "%.2f", 1000 * s / n }')" \
        "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" "$(settle "$r")"
done
adam_batches=$(runs_where optimizer "$(optimizer opt-adamw)" $batch_runs)
sgd_batches=$(runs_where optimizer sgd $batch_runs)
cat <<EOF

$(timing_note $batch_runs)

![batch sizes](02_training_clinic/batch_sizes.png)

**Conclusions.** $(for r in $adam_batches; do printf '%s\t%s\t%s\n' "$(log "$r" batch_size)" "$(steps "$r")" "$(median "$r")"; done |
    awk -F'\t' '$3 != "-" { n++; b[n] = $1; st[n] = $2; s[n] = $3 }
        END { if (n < 2) exit; mono = 1; for (i = 2; i <= n; i++) if (s[i] > s[i - 1]) mono = 0
              printf "With %s, batch %s takes %d steps and %.3f s per epoch, batch %s %d steps and %.3f s: %s\n", "'"$(optname "$(log opt-adamw optimizer)")"'", b[1], st[1], s[1], b[n], st[n], s[n],
                  (mono ? sprintf("the smaller the batch, the longer an epoch (%.2f times from the largest batch to the smallest).", (s[n] > 0 ? s[1] / s[n] : 0)) : "the seconds per epoch do not fall steadily as the batch grows.")
              printf "A step of batch %s takes %.1f times as long as one of batch %s, for %.0f times the windows.\n", b[n], (s[1] > 0 ? (s[n] / st[n]) / (s[1] / st[1]) : 0), b[1], b[n] / b[1] }')
$(label_fn=batch_label; stats $adam_batches | compare)
$(for r in $sgd_batches; do
    [ "$(log "$r" batch_size)" = 1 ] || continue
    e=$(log "$r" epochs_run)
    if has_curves "$r" && has_curves opt-sgd; then
        awk -v s1="$(median "$r")" -v s64="$(median opt-sgd)" -v v1="$(curve "$r" "$mcol" last)" -v v64="$(curve opt-sgd "$mcol" "$e")" -v e="$e" \
            -v lr1="$(log "$r" lr)" -v lr64="$(log opt-sgd lr)" -v sch1="$(schedule "$r")" -v sch64="$(schedule opt-sgd)" -v b="$(log opt-sgd batch_size)" -v m="$mname" -v floor="$floor" "$GAP"'BEGIN { v1 = sprintf("%.3f", v1) + 0; v64 = sprintf("%.3f", v64) + 0
            printf "Per-sample SGD (batch 1, learning rate %s, %s) costs %.2f s per epoch, %.1f times SGD at batch %s (opt-sgd, learning rate %s, %s, %.3f s); after %s epochs it reaches a %s of %s against %s for opt-sgd at the same epoch (%s).\n",
                lr1, sch1, s1, (s64 > 0 ? s1 / s64 : 0), b, lr64, sch64, s64, e, m, pc(v1), pc(v64), gap((v1 > v64 ? v1 - v64 : v64 - v1)) }'
    else echo "Per-sample SGD ($r) completed no epoch."; fi
done)

EOF

# ---- class imbalance ----
ratio_line() {
    awk -F, '$1 == "class" && $3 == "support" { n++; k[n] = $2; c[n] = $4 + 0 }
        END { hi = 1; lo = 1; for (i = 2; i <= n; i++) { if (c[i] > c[hi]) hi = i; if (c[i] < c[lo]) lo = i }
              printf "%s %d %s %d %.2f\n", k[hi], c[hi], k[lo], c[lo], (c[lo] > 0 ? c[hi] / c[lo] : 0) }' "$1"
}
read -r big big_n small small_n ratio <<EOF
$(ratio_line "$dir/classes-train.csv")
EOF
thin_before=$(count "$dir/classes-train.csv" "$thin") thin_after=$(count "$dir/classes-thinned.csv" "$thin")
thin_ratio=$(ratio_line "$dir/classes-thinned.csv" | awk '{ print $5 }')
thin_big=$(ratio_line "$dir/classes-thinned.csv" | awk '{ print $1 }')
cat <<EOF
## Class imbalance

In the training split the largest class, $big ($big_n windows), has $ratio times as many windows as the smallest, $small ($small_n):
$(awk -v r="$ratio" 'BEGIN { print (r < 2 ? "HAPT is close to balanced, so an imbalance has to be made to study it." : "HAPT is imbalanced.") }')
\`har-split --thin-class\` keeps $thin_after of the $thin_before $thin windows of the training split
($(awk -v a="$thin_after" -v b="$thin_before" 'BEGIN { printf "%.0f", 100 * a / b }') %), drawn at random: the largest class, $thin_big, then has $thin_ratio times as many.  The baseline recipe is
trained on the thinned split without correction, with balanced class weights (\`--class-weights balanced\`: each class
weighs N / (K n_c) in the loss) and with oversampling (\`--oversample\`: class-balanced batches drawn with replacement);
the reference is the same recipe on the whole split (opt-adamw).  Scores: the best epoch's checkpoint of each run
on the validation subjects, which are not thinned (har-eval).

| run | training split | recall of $thin | precision of $thin | macro-F1 | accuracy |
|---|---|---:|---:|---:|---:|
EOF
for r in opt-adamw $imb_runs; do
    if [ "$r" = opt-adamw ]; then l='whole'; else l="thinned, $(label "$r")"; fi
    e=$dir/$r-eval.csv
    printf '| %s | %s | %s | %s | %s | %s |\n' "$r" "$l" "$(pct "$(v "$e" class "$thin" recall)")" "$(pct "$(v "$e" class "$thin" precision)")" \
        "$(pct "$(v "$e" summary all macro_f1)")" "$(pct "$(v "$e" summary all accuracy)")"
done
cat <<EOF

![class imbalance](02_training_clinic/class_imbalance.png)

**Conclusions.** $(for r in opt-adamw $imb_runs; do printf '%s\t%s\t%s\n' "$(v "$dir/$r-eval.csv" class "$thin" recall)" "$(v "$dir/$r-eval.csv" summary all "$metric")" "$(label "$r")"; done |
    awk -F'\t' -v k="$thin" -v floor="$floor" -v m="$(echo "$mname" | sed 's/^validation //')" "$GAP"'{ $1 = sprintf("%.3f", $1) + 0; $2 = sprintf("%.3f", $2) + 0 }
        NR == 1 { r0 = $1; f0 = $2; next } NR == 2 { rn = $1; fn = $2; next }
        { n++; l[n] = $3; r[n] = $1; f[n] = $2 }
        END { br = 1; bf = 1; for (i = 2; i <= n; i++) { if (r[i] > r[br]) br = i; if (f[i] > f[bf]) bf = i }
              printf "Thinning drops the recall of %s from %s to %s without correction", k, pc(r0), pc(rn)
              printf "; the most comes back with %s (%s), and the best %s with %s (%s against %s without correction: %s).", l[br], pc(r[br]), m, (bf == br ? "it too" : l[bf]), pc(f[bf]), pc(fn), gap((f[bf] - fn > 0 ? f[bf] - fn : fn - f[bf]))
              d = f[bf] - f0
              if (d == 0) printf "  On the whole split the recipe scores %s: the best correction matches it.", pc(f0)
              else printf "  On the whole split the recipe scores %s: the best correction is %s it by %s.", pc(f0), (d > 0 ? "above" : "below"), gap((d > 0 ? d : -d))
              if (r[br] - rn > 0.05 && f[bf] - fn > floor && br == bf) printf "  What worked: %s, for the recall of the rare class and for %s.\n", l[br], m
              else if (r[br] - rn > 0.05 && f[bf] - fn > floor) printf "  What worked: %s, for the recall of the rare class, and %s for %s.\n", l[br], l[bf], m
              else if (r[br] - rn > 0.05) printf "  What worked: %s raised the recall of the rare class by %.1f points, but no correction moved %s beyond the seed spread.\n", l[br], 100 * (r[br] - rn), m
              else printf "  Neither correction raised the recall of the rare class by more than 5 points.\n" }')

EOF

# ---- time warp ----
cat <<EOF
## Time-warp augmentation

A small CNN, \`$(log "${warp_runs%% *}" model)\`, whose filters see the cadence that \`--time-warp\` changes,
trained $(common epochs $warp_runs) epochs with $(optname "$(common optimizer $warp_runs)") at learning rate $(common lr $warp_runs): $(for r in $warp_runs; do label "$r"; done | joined).

| run | augmentation | best $mname | best epoch | $mname, last epoch | validation minus training loss, last epoch |
|---|---|---|---:|---:|---:|
EOF
for r in $warp_runs; do
    printf '| %s | %s | %s | %s | %s | %s |\n' "$r" "$(augmentation "$r")" "$(pct "$(best "$r")")" "$(log "$r" best_epoch)" \
        "$(if has_curves "$r"; then pct "$(curve "$r" "$mcol" last)"; else echo -; fi)" "$(if has_curves "$r"; then loss_gap "$r"; else echo -; fi)"
done
cat <<EOF

![time warp](02_training_clinic/time_warp.png)

**Conclusions.** $(stats $warp_runs | compare)
$(for r in $warp_runs; do has_curves "$r" && printf '%s\t%s\n' "$(loss_gap "$r")" "$(label "$r")"; done | sort -g | awk -F'\t' '{ n++; g[n] = $1; l[n] = $2 }
    END { if (n > 1) printf "The gap between validation and training loss at the last epoch is smallest with %s (%.3f) and largest with %s (%.3f).\n", l[1], g[1], l[n], g[n] }')

EOF

# ---- the experiment log ----
cat <<EOF
## Experiment log

One row per run of this report in \`artifacts/experiments.csv\`; here the short view.

| run | model | optimizer | lr | batch | epochs run | best $mname | stop | seconds | load | note |
|---|---|---|---:|---:|---:|---:|---|---:|---:|---|
EOF
for r in $runs; do
    printf '| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$(log $r model)" "$(log $r optimizer)" \
        "$(log $r lr)" "$(log $r batch_size)" "$(log $r epochs_run)" "$(pct "$(best "$r")")" \
        "$(log $r stop_reason)" "$(log $r seconds)" "$(load "$r")" "$(log $r note)"
done
