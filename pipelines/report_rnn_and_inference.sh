#!/bin/sh
# report_rnn_and_inference.sh MODE ... - report 3 of the training clinic
# (pipelines/report_rnn_and_inference.mk), in four modes:
#
#   report DIR FINAL_MODEL LABELS EXP MONITOR CLINIC ZOO RUN...
#       the markdown of artifacts/03_rnn_and_inference.md on standard output,
#       its figures in DIR.  Every number comes from a file of the pipeline:
#       CLINIC/RUN.log.csv, DIR/RUN-curves.csv   the recurrent architectures
#                               study (its runs' log rows and curves; MONITOR
#                               is the metric compared, har-train's name)
#       DIR/choice.txt          the candidates, best first (pipelines/selection.mk;
#                               pipelines/report_selection.sh prints the choice)
#       DIR/final.csv, DIR/final-{channels,time}.dat   the final model on the
#                               test subjects: har-eval --csv and --saliency
#       DIR/pair-windows.csv, DIR/pair-{AB,AA,BB}-{channels,time}.dat  the most
#                               confused pair's windows (see gravity) and
#                               their saliency, by group (see pair-windows)
#       DIR/failure-modes.txt   the failure modes (mode failure-modes)
#       DIR/test-NAME.csv       har-eval --csv of each zoo model NAME in ZOO
#       DIR/../models/NAME-test.json, NAME-curves.csv   the zoo's specs and
#                               the final fit's curves
#       DIR/stream.csv, LABELS  har-infer --stream on recording EXP, and
#                               HAPT's labels.txt.gz (its true activities)
#       DIR/latency.json        har-latency --json
#       FINAL_MODEL's metadata  window, stride, sample rate, activity ids
#   failure-modes DIR FINAL_MODEL
#       the failure modes the error analysis finds, one a line (a line may
#       refer to the one before it: "these windows"), each generated from
#       DIR/final.csv, the pair files above and FINAL_MODEL's sample rate
#       (the report and the model card quote them)
#   gravity FINAL_CSV INFER RAWDIR FINAL_MODEL
#       the windows of the most confused pair's two classes (true class A or
#       B of FINAL_CSV's first most_confused pair) from INFER (har-infer
#       --input-format tensor), each with its mean raw acceleration in g
#       over the window (the direction of gravity in the phone's frame: its
#       tilt), read from RAWDIR/acc_expEE_userUU.txt.gz; CSV on standard
#       output
#   pair-windows GROUP DIR
#       the indices (a comma list, for har-eval --saliency-windows) of the
#       windows of DIR/pair-windows.csv in GROUP: AB (A read as B), AA (A
#       read as A) or BB (B read as B)
set -eu
here=$(dirname "$0")
. "$here/report_lib.sh"

# ---- the most confused pair: A read as B ----

# nth_pair FINAL_CSV N KEY [n]: the Nth most_confused pair of a har-eval
# --csv file ("A->B"), or with n its KEY (windows, share).
nth_pair() { awk -F, -v i="$2" -v k="$3" -v val="${4-}" '$1 == "most_confused" && $3 == k && ++n == i { print val == "" ? $2 : $4 }' "$1"; }
# pair FINAL_CSV: "A->B", the first most_confused pair of a har-eval --csv
# file (empty if the model makes no error).
pair() { awk -F, '$1 == "most_confused" && $3 == "windows" { print $2; exit }' "$1"; }

# gravity FINAL_CSV INFER RAWDIR FINAL_MODEL: see the header.
gravity() {
    p=$(pair "$1") len=$(meta "$4" window)
    echo 'window,subject,recording,start,true,predicted,gx,gy,gz'
    [ -n "$p" ] || return 0
    rows=$(for e in $(awk -F, -v a="${p%%->*}" -v b="${p#*->}" 'NR > 1 && ($5 == a || $5 == b) { print $3 }' "$2" | sort -un); do
        for raw in "$3"/acc_exp"$(printf %02d "$e")"_user*.txt.gz; do
            [ -e "$raw" ] || { echo "$0: no raw recording $raw" >&2; exit 1; }
            zcat "$raw" | awk -F, -v e="$e" -v a="${p%%->*}" -v b="${p#*->}" -v len="$len" '
                FNR == NR { if (FNR > 1 && $3 == e && ($5 == a || $5 == b)) w[++n] = $1 "," $2 "," $3 "," $4 "," $5 "," $6; next }
                { split($0, f, " "); x[FNR - 1] = f[1]; y[FNR - 1] = f[2]; z[FNR - 1] = f[3] }
                END { for (i = 1; i <= n; i++) { split(w[i], f, ","); sx = sy = sz = 0
                          for (t = f[4]; t < f[4] + len; t++) { sx += x[t]; sy += y[t]; sz += z[t] }
                          printf "%s,%.5f,%.5f,%.5f\n", w[i], sx / len, sy / len, sz / len } }' "$2" -
        done
    done)
    printf '%s\n' "$rows" | sort -t, -k1,1n
}

# pair_windows GROUP DIR: see the header.
pair_windows() {
    p=$(pair "$2/final.csv")
    awk -F, -v g="$1" -v a="${p%%->*}" -v b="${p#*->}" 'FNR > 1 && $5 == (substr(g, 1, 1) == "A" ? a : b) &&
        $6 == (substr(g, 2, 1) == "A" ? a : b) { s = s (n++ ? "," : "") $1 } END { print s }' "$2/pair-windows.csv"
}

# pair_facts DIR: what the error analysis knows about the most confused pair,
# "KEY VALUE" a line (nothing if the model makes no error).  Groups: AB = A
# read as B, AA = A read correctly, BB = B read correctly, BA = B read as A.
#   pair_a, pair_b          the two classes
#   n_G, near_G             windows in group G; those whose mean gravity
#                           direction is nearer the BB windows' mean direction
#                           than the AA windows' (degrees between unit vectors)
#   g_G                     G's mean gravity vector in g: "x,y,z"
#   spread_AA, spread_BB    mean angle of AA (BB) windows to their own centre
#   centres                 angle between the AA and BB centres
#   subjects, top, top_n, top_a   subjects with AB windows; the one with the
#                           most (the lowest id on a tie), its AB and A windows
#   sal_G_{ch1,ch2,ch1_share,ch2_share,total,tot_share,gyro_share,neg,neg_v,q,q_share,peak}
#                           saliency of G's true class over G's windows: the
#                           two channels of highest mean |grad| and their shares
#                           of the sum over channels, that sum, the shares of
#                           the total-acceleration and gyroscope channels, the
#                           channel of most negative grad x input and its value,
#                           the quarter of the window (1-4) with the largest
#                           share of |grad| over time, that share, the timestep
#                           of the peak
pair_facts() {
    p=$(pair "$1/final.csv")
    [ -n "$p" ] || return 0
    a=${p%%->*} b=${p#*->}
    printf 'pair_a %s\npair_b %s\n' "$a" "$b"
    awk -F, -v a="$a" -v b="$b" '
        function acosd(c) { c = c > 1 ? 1 : c < -1 ? -1 : c; return atan2(sqrt(1 - c * c), c) * 45 / atan2(1, 1) }
        function unit(g,   m) { m = sqrt(sx[g] ^ 2 + sy[g] ^ 2 + sz[g] ^ 2); ux[g] = sx[g] / m; uy[g] = sy[g] / m; uz[g] = sz[g] / m }
        function ang(i, g,   m) { m = sqrt(x[i] ^ 2 + y[i] ^ 2 + z[i] ^ 2); return acosd((x[i] * ux[g] + y[i] * uy[g] + z[i] * uz[g]) / m) }
        NR == 1 { next }
        { g = ($5 == a ? "A" : "B") ($6 == a ? "A" : "B"); if ($6 != a && $6 != b) g = "O"
          k[++m] = g; x[m] = $7; y[m] = $8; z[m] = $9; n[g]++; sx[g] += $7; sy[g] += $8; sz[g] += $9
          if (g == "AB") cnt[$2]++
          if ($5 == a) na[$2]++ }
        END { if (!n["AA"] || !n["BB"]) exit
              unit("AA"); unit("BB")
              for (i = 1; i <= m; i++) { da = ang(i, "AA"); db = ang(i, "BB"); near[k[i]] += db < da
                                         if (k[i] == "AA") sa += da; if (k[i] == "BB") sb += db }
              split("AB AA BB BA", G, " ")
              for (j = 1; j <= 4; j++) { g = G[j]; printf "n_%s %d\nnear_%s %d\n", g, n[g], g, near[g]
                  if (n[g]) printf "g_%s %.3f,%.3f,%.3f\n", g, sx[g] / n[g], sy[g] / n[g], sz[g] / n[g] }
              printf "spread_AA %.1f\nspread_BB %.1f\n", sa / n["AA"], sb / n["BB"]
              printf "centres %.1f\n", acosd(ux["AA"] * ux["BB"] + uy["AA"] * uy["BB"] + uz["AA"] * uz["BB"])
              for (s in cnt) { ns++; if (cnt[s] > best || (cnt[s] == best && s + 0 < top + 0)) { best = cnt[s]; top = s } }
              if (ns) printf "subjects %d\ntop %s\ntop_n %d\ntop_a %d\n", ns, top, best, na[top] }' "$1/pair-windows.csv"
    for g in AB AA BB; do
        c=$a; [ "$g" != BB ] || c=$b
        awk -v g="$g" -v c="\"$c\"" '$5 == c && $3 != "nan" {
                ch = $6; gsub(/"/, "", ch); s += $3; v[ch] = $3
                if (ch ~ /^total_acc/) ta += $3; if (ch ~ /gyro/) gy += $3
                if (neg == "" || $4 < negv) { neg = ch; negv = $4 }
                if ($3 > v1) { c2 = c1; v2 = v1; c1 = ch; v1 = $3 } else if ($3 > v2) { c2 = ch; v2 = $3 } }
            END { if (s > 0) printf "sal_%s_ch1 %s\nsal_%s_ch1_share %.3f\nsal_%s_ch2 %s\nsal_%s_ch2_share %.3f\nsal_%s_total %.4g\nsal_%s_tot_share %.3f\nsal_%s_gyro_share %.3f\nsal_%s_neg %s\nsal_%s_neg_v %.3g\n",
                      g, c1, g, v1 / s, g, c2, g, v2 / s, g, s, g, ta / s, g, gy / s, g, neg, g, negv }' "$1/pair-$g-channels.dat"
        awk -v g="$g" -v c="abs_grad:$c" 'NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == c) col = i }; next }
            col && $col != "nan" { t[$1] = $col; s += $col; if ($col > pv) { pv = $col; peak = $1 }; T = $1 + 1 }
            END { if (s <= 0) exit
                  for (i = 0; i < T; i++) q[int(4 * i / T) + 1] += t[i]
                  for (j = 1; j <= 4; j++) if (q[j] > q[bq]) bq = j
                  printf "sal_%s_q %d\nsal_%s_q_share %.3f\nsal_%s_peak %d\n", g, bq, g, q[bq] / s, g, peak }' "$1/pair-$g-time.dat"
    done
}

# FUNCS: awk functions chan(NAME) (a channel in words: "body gyro x"),
# quarter(Q) ("first" ... "last") and pc(FRACTION) ("12.3 %"); FACTS: the
# same, reading pair_facts lines (all of the input) into F[KEY].
FUNCS='function chan(c) { gsub(/_/, " ", c); return c }
function quarter(q) { return q == 1 ? "first" : q == 2 ? "second" : q == 3 ? "third" : "last" }
function pc(x) { return sprintf("%.1f %%", 100 * x) }'
FACTS="$FUNCS
{ F[\$1] = \$2 }"
# ADD: an awk function, add(LIST, X): X appended to a "|"-separated LIST
# (for and_ of report_lib.sh).
ADD='function add(s, x) { return s (s == "" ? "" : "|") x }'

# failure_modes DIR FINAL_MODEL: see the header.  The rules' thresholds:
# the errors "look like B by tilt" when at least half of them lie nearer the
# B centre and that share exceeds the correct A windows' by 20 points; the
# classes "overlap by tilt" when at least 10 % of the correct A windows lie
# nearer the B centre.
failure_modes() {
    f=$1/final.csv
    facts=$(pair_facts "$1")
    if [ -z "$facts" ]; then echo "The model reads every test window correctly."; return; fi
    a=$(printf '%s\n' "$facts" | awk '$1 == "pair_a" { print $2 }')
    printf '%s\n' "$facts" | awk -v na="$(v "$f" class "$a" support)" -v S="$(v "$f" summary all subjects)" \
        -v rate="$(meta "$2" sample_rate_hz)" -v p2="$(nth_pair "$f" 2 windows)" -v n2="$(nth_pair "$f" 2 windows n)" \
        -v s2="$(nth_pair "$f" 2 share n)" -v worst="$(v "$f" subjects worst_accuracy subject)" \
        -v wacc="$(v "$f" subjects worst_accuracy accuracy)" -v macc="$(v "$f" subjects mean accuracy)" "$FACTS"'
        function who() {
            printf "%s read as %s is the most frequent error: %d of the %d %s test windows (%s), from %d of the %d test subjects", a, b, n, na, a, pc(n / na), F["subjects"], S
            if (F["subjects"] == 1) printf ", all from subject %s (%s of its %s windows).\n", F["top"], pc(F["top_n"] / F["top_a"]), a
            else printf "; subject %s alone gives %d of them (%s of its %s windows).\n", F["top"], F["top_n"], pc(F["top_n"] / F["top_a"]), a }
        function tilt() {
            printf "By the phone'"'"'s tilt (the mean direction of gravity over the window), %d of these %d windows (%s) lie nearer the mean direction of the %s windows read correctly than of the %s ones, against %s of the %s windows read correctly: ", F["near_AB"], n, pc(x), b, a, pc(q), a
            if (x >= 0.5 && x - q >= 0.2) printf "most of these errors are %s windows with the phone tilted as in %s.\n", a, b
            else if (x - q >= 0.2) printf "the tilt leans towards %s in more of the errors than of the correct %s windows, but not in most.\n", b, a
            else printf "the tilt does not set these errors apart.\n"
            printf "The two classes'"'"' mean gravity directions are %.1f degrees apart, while the %s windows read correctly lie %.1f degrees from theirs on average: by tilt alone the two classes %s.\n", F["centres"], a, F["spread_AA"], (q >= 0.1 ? "overlap" : "are mostly apart") }
        function channels(   ba) {
            printf "For the %s windows read as %s the %s logit is most sensitive to %s (%s of its |gradient| over the channels) and %s (%s); the three total-acceleration channels, which carry the tilt, get %s", a, b, a, chan(F["sal_AB_ch1"]), pc(F["sal_AB_ch1_share"]), chan(F["sal_AB_ch2"]), pc(F["sal_AB_ch2_share"]), pc(F["sal_AB_tot_share"])
            if ("sal_AA_ch1" in F) {
                printf ", against %s for the %s windows read correctly, whose most sensitive channel is %s", pc(F["sal_AA_tot_share"]), a, F["sal_AA_ch1"] == F["sal_AB_ch1"] ? "the same" : chan(F["sal_AA_ch1"])
                printf ".  Overall the %s logit responds %.1f times as strongly to small changes of these windows as of the correct ones.\n", a, F["sal_AB_total"] / F["sal_AA_total"] }
            else printf ".\n"
            ba = 1 - F["sal_AB_tot_share"] - F["sal_AB_gyro_share"]
            if (x >= 0.5 && x - q >= 0.2 && F["sal_AB_tot_share"] < F["sal_AB_gyro_share"] && F["sal_AB_tot_share"] < ba)
                printf "The %s logit is thus least sensitive to the channels in which these errors look like %s (total acceleration, %s) and most to the gyroscope (%s).\n", a, b, pc(F["sal_AB_tot_share"]), pc(F["sal_AB_gyro_share"]) }
        function moment() {
            printf "Over the window the sensitivity of these errors peaks %.2f s after the window'"'"'s start, and its %s quarter holds %s of it (25 %% if it were even)", F["sal_AB_peak"] / rate, quarter(F["sal_AB_q"]), pc(F["sal_AB_q_share"])
            if ("sal_AA_q" in F) printf "; for the correct %s windows it is %s quarter (%s), %s.\n", a, F["sal_AA_q"] == F["sal_AB_q"] ? "the same" : "the " quarter(F["sal_AA_q"]), pc(F["sal_AA_q_share"]), F["sal_AA_peak"] == F["sal_AB_peak"] ? "with the same peak" : sprintf("with its peak at %.2f s", F["sal_AA_peak"] / rate)
            else printf ".\n" }
        END { a = F["pair_a"]; b = F["pair_b"]; n = F["n_AB"]; x = n ? F["near_AB"] / n : 0; q = F["n_AA"] ? F["near_AA"] / F["n_AA"] : 0
              who()
              if (F["n_AA"] && F["n_BB"]) tilt()
              if ("sal_AB_ch1" in F) { channels(); moment() }
              if (p2 != "") printf "The next most frequent error is %s read as %s: %d windows (%s of %s).\n", substr(p2, 1, index(p2, "->") - 1), substr(p2, index(p2, "->") + 2), n2, pc(s2), substr(p2, 1, index(p2, "->") - 1)
              printf "Subject %s is read worst (accuracy %s, against a mean of %s over the %d test subjects)%s.\n", worst, pc(wacc), pc(macc), S, worst == F["top"] ? " and gives the most " a " windows read as " b : "" }'
}

# ---- the recurrent architectures study ----

# arch_rows CLINIC DIR MONITOR RUN...: one tab-separated line per run: run,
# label, spec, parameters, seed, best MONITOR, its epoch, last-epoch MONITOR,
# epochs run, median seconds per epoch, load average ("-" if not logged),
# stop reason, cell, hidden size, variant (its option: layers=2, bidir,
# readout=mean, ...; "" for the plain cell).  The label names the cell, its
# size and option from the spec the run logged, and a seed other than 1.
arch_rows() {
    clinic=$1 d=$2 mon=$3
    shift 3
    for r in "$@"; do
        l=$clinic/$r.log.csv
        printf '%s\t%s\t%s\t%s\t%s\t' "$r" "$(log_field "$l" "$r" model)" "$(log_field "$l" "$r" params)" \
            "$(log_field "$l" "$r" seed)" "$(log_field "$l" "$r" stop_reason)"
        log_field "$l" "$r" load_avg 2>/dev/null || echo
    done | awk -F'\t' -v OFS='\t' -v d="$d" -v mon="$mon" '
        { r = $1; spec = $2; split(spec, it, ","); n = split(it[1], p, ":"); cell = p[1]; h = p[2]; opt = ""
          for (i = 3; i <= n; i++) opt = opt (opt == "" ? "" : ":") p[i]
          name = cell == "rnn" ? "Elman RNN" : toupper(cell)
          label = name " " h (opt == "layers=2" ? ", 2 layers" : opt ~ /^layers=/ ? ", " substr(opt, 8) " layers" : \
              opt == "bidir" ? ", bidirectional" : opt ~ /^readout=/ ? ", " substr(opt, 9) " readout" : opt == "" ? "" : ", " opt) \
              ($4 != 1 ? ", seed " $4 : "")
          f = d "/" r "-curves.csv"; col = 0; best = ""; e = 0; ns = 0
          while ((getline line < f) > 0) {
              m = split(line, c, ",")
              if (!col) { for (i = 1; i <= m; i++) if (c[i] == mon) col = i; continue }
              e++; last = c[col]; if (best == "" || c[col] + 0 > best + 0) { best = c[col]; be = e }
              s[++ns] = c[m] + 0 }
          close(f)
          for (i = 2; i <= ns; i++) for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
          med = ns % 2 ? s[(ns + 1) / 2] : (s[ns / 2] + s[ns / 2 + 1]) / 2
          print r, label, spec, $3, $4, best, be, last, e, sprintf("%.3f", med), ($6 == "" ? "-" : $6), $5, cell, h, opt }'
}

# arch_conclusions STEPS METRIC < arch_rows: the study's conclusions, one a
# line, generated from its numbers (STEPS: the window's timesteps; METRIC:
# the compared metric in words).  The seed noise is the largest spread (max
# - min of the best score) among runs that differ only in seed, 1 point if
# no run was repeated; a spec's seconds per epoch are the median over its
# runs (each run's own is the median over its epochs).
arch_conclusions() {
    awk -F'\t' -v T="$1" -v M="$2" "$AND$ADD"'
        function pts(x) { return sprintf("%.1f", 100 * x) }
        function gap(x) { x = x < 0 ? -x : x; return x < 0.0005 ? "less than 0.1 points" : pts(x) " points" }
        function spts(x) { return sprintf("%+.1f", 100 * x) }
        function within(x) { return (x < 0 ? -x : x) <= noise }
        function cellname(c) { return c == "rnn" ? "Elman RNN" : toupper(c) }
        function semi(s) { gsub(/\|/, "; ", s); return s }
        function tm(i) { return ssec[S[i]] }
        { n++; R[n] = $1; L[n] = $2; S[n] = $3; P[n] = $4; seed[n] = $5; B[n] = $6; BE[n] = $7; LA[n] = $8; E[n] = $9
          sec[n] = $10; C[n] = $13; H[n] = $14; O[n] = $15
          if (!(S[n] in first)) first[S[n]] = n; nspec[S[n]]++
          if (!(S[n] in lo) || B[n] < lo[S[n]]) lo[S[n]] = B[n]; if (!(S[n] in hi) || B[n] > hi[S[n]]) hi[S[n]] = B[n]
          if (seed[n] == 1) { key[C[n], H[n], O[n]] = n; if (O[n] == "" && !(H[n] in seenh)) { seenh[H[n]]; hs[++nh] = H[n] } }
          if (E[n] > ep) ep = E[n] }
        END {
            for (i = 1; i <= n; i++) if (first[S[i]] == i) { k = 0
                for (j = i; j <= n; j++) if (S[j] == S[i]) { t[++k] = sec[j]; for (m = k; m > 1 && t[m - 1] > t[m]; m--) { x = t[m]; t[m] = t[m - 1]; t[m - 1] = x } }
                ssec[S[i]] = k % 2 ? t[(k + 1) / 2] : (t[k / 2] + t[k / 2 + 1]) / 2 }
            noise = 0.01; ref = 0
            for (i = 1; i <= n; i++) if (nspec[S[i]] > 1 && (!ref || hi[S[i]] - lo[S[i]] > noise)) { noise = hi[S[i]] - lo[S[i]]; ref = first[S[i]] }
            if (ref) { sc = ""; sd = ""
                for (i = 1; i <= n; i++) if (S[i] == S[ref]) { sc = add(sc, pts(B[i])); sd = add(sd, seed[i]) }
                printf "- Seed noise: over seeds %s, %s scores %s, a spread of %s points; every difference below is read against it.\n", and_(sd), L[ref], and_(sc), pts(noise) }
            else printf "- No run was repeated with another seed, so differences are read against 1 point.\n"
            b1 = b2 = 0
            for (i = 1; i <= n; i++) if (seed[i] == 1) { if (!b1 || B[i] > B[b1]) { b2 = b1; b1 = i } else if (!b2 || B[i] > B[b2]) b2 = i }
            if (b2) printf "- Best of the runs with seed 1: %s (%s %s at epoch %d), %s ahead of %s (%s), %s.\n", L[b1], M, pts(B[b1]), BE[b1], gap(B[b1] - B[b2]), L[b2], pts(B[b2]),
                within(B[b1] - B[b2]) ? "within the seed noise: the two are not told apart" : "more than the seed noise"
            el = ""; ne = far = 0
            for (j = 1; j <= nh; j++) { h = hs[j]; r = key["rnn", h, ""]; g = key["gru", h, ""]; l = key["lstm", h, ""]
                if (!r || (!g && !l)) continue
                gb = (g && (!l || B[g] >= B[l])) ? g : l; d = B[gb] - B[r]; ne++; far += !within(d)
                el = add(el, sprintf("%s at %s units against %s for the %s (%s points)", pts(B[r]), h, pts(B[gb]), cellname(C[gb]), spts(-d))) }
            if (ne) printf "- The Elman RNN reaches %s: %s.\n", and_(el), far == ne ? sprintf("below the better gated cell by more than the seed noise at every size, so with the last step as readout, over %d steps, it does not train as well in %d epochs", T, ep) : far ? "below the better gated cell by more than the seed noise at some sizes only" : "within the seed noise of the better gated cell: it trains about as well here"
            gl = ""; ne = far = 0
            for (j = 1; j <= nh; j++) { h = hs[j]; g = key["gru", h, ""]; l = key["lstm", h, ""]; if (!g || !l) continue
                ne++; far += !within(B[g] - B[l]); gl = add(gl, sprintf("%s points at %s units", spts(B[g] - B[l]), h)) }
            if (ne) printf "- The GRU against the LSTM: %s, %s; per epoch the GRU takes %s times the LSTM'"'"'s time.\n", and_(gl), far ? "not all within the seed noise" : "within the seed noise",
                and_(ratios("gru", "lstm"))
            if (nh >= 2) { h1 = hs[1]; h2 = hs[nh]; sz = ""
                for (c = 1; c <= 3; c++) { cc = c == 1 ? "rnn" : c == 2 ? "gru" : "lstm"; x = key[cc, h1, ""]; y = key[cc, h2, ""]; if (!x || !y) continue
                    sz = add(sz, sprintf("%s %s points%s, for %.1f times the parameters and %.1f times the seconds per epoch", cellname(cc), spts(B[y] - B[x]), within(B[y] - B[x]) ? " (within the seed noise)" : "", P[y] / P[x], tm(y) / tm(x))) }
                if (sz != "") printf "- From %s to %s units: %s.\n", h1, h2, semi(sz) }
            va = ""; ne = far = 0; gain = ""; dear = ""
            for (i = 1; i <= n; i++) if (seed[i] == 1 && O[i] != "" && (b = key[C[i], H[i], ""])) {
                ne++; d = B[i] - B[b]; nm = substr(L[i], length(L[b]) + 3); if (!within(d)) { far++; gain = add(gain, nm) }
                if (tm(i) > 1.1 * tm(b)) dear = add(dear, nm)
                va = add(va, sprintf("%s %s points, %.2f times the seconds per epoch", nm, spts(d), tm(i) / tm(b))); base = b }
            if (ne) { printf "- Against the plain %s (%s; %.2f s per epoch%s): %s; ", L[base], pts(B[base]), tm(base), (nspec[S[base]] > 1 ? ", the median over its " nspec[S[base]] " seeds" : ""), semi(va)
                if (far) printf "%s differ%s by more than the seed noise", and_(gain), (far > 1 ? "" : "s")
                else printf "none differs by more than the seed noise%s", dear == "" ? "" : ", so on these validation subjects " and_(dear) " buy" (dear ~ /\|/ ? "" : "s") " no measurable gain for " (dear ~ /\|/ ? "their" : "its") " extra time"
                printf ".\n" }
            lo_ = hi_ = 1; for (i = 2; i <= n; i++) { if (tm(i) < tm(lo_)) lo_ = i; if (tm(i) > tm(hi_)) hi_ = i }
            printf "- Cost: per epoch %s is the cheapest (%.2f s) and %s the dearest (%.2f s, %.1f times as much).\n", L[lo_], tm(lo_), L[hi_], tm(hi_), tm(hi_) / tm(lo_)
            k = 0; late = ""; for (i = 1; i <= n; i++) if (!within(B[i] - LA[i])) { k++; late = add(late, L[i]) }
            if (k) printf "- The last epoch falls more than the seed noise below the best in %d of the %d runs (%s).\n", k, n, and_(late)
            else printf "- Every run'"'"'s last epoch is within the seed noise of its best.\n"
        }
        function ratios(c1, c2,   j, h, x, y, s) { s = ""; for (j = 1; j <= nh; j++) { h = hs[j]; x = key[c1, h, ""]; y = key[c2, h, ""]
            if (x && y) s = add(s, sprintf("%.2f (%s units)", tm(x) / tm(y), h)) }; return s }'
}

# ---- the report's sections (globals: dir, final, f, classes, nclass, rate) ----

# curve_col FILE NAME: the column number of NAME in a CSV header.
curve_col() { awk -F, -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) print i; exit }' "$1"; }

# subjects FILE: how many subjects a window file's split holds.
subjects() { meta "$1" split_subjects | awk -F, '{ print NF }'; }

section_arch() {
    mon=$1 clinic=$2
    shift 2
    [ $# -gt 0 ] || return 0
    metric=$(monitor_name "$mon")
    rows=$(arch_rows "$clinic" "$dir" "$mon" "$@")
    printf '%s\n' "$rows" | awk -F'\t' -v OFS=, 'BEGIN { print "run,label,spec,parameters,seed,best,best_epoch,last,epochs,stop_reason" }
        { print $1, $2, "\"" $3 "\"", $4, $5, $6, $7, $8, $9, $12 }' > "$dir/architectures.csv"
    first=$(printf '%s\n' "$rows" | awk -F'\t' 'NR == 1 { print $1 }')
    hyper=$(log_field "$clinic/$first.log.csv" "$first" hyperparameters)
    train=$(log_field "$clinic/$first.log.csv" "$first" train)
    val=$(log_field "$clinic/$first.log.csv" "$first" val)
    col=$(curve_col "$dir/$first-curves.csv" "$mon")
    # The curves: the plain cells (seed 1, no option) on the left, the
    # variants of a cell and its other seeds on the right.
    lines=$(printf '%s\n' "$rows" | awk -F'\t' -v d="$dir" -v c="$col" '
        BEGIN { hue["rnn"] = "#1b9e77"; hue["gru"] = "#d95f02"; hue["lstm"] = "#7570b3"
                split("#e7298a #66a61e #1f78b4 #e6ab02 #a6761d #b2df8a", vc, " ") }
        { r[NR] = $1; l[NR] = $2; s[NR] = $5; cell[NR] = $13; h[NR] = $14; o[NR] = $15
          if (NR == 1 || $14 > big) big = $14; if ($5 != 1 || $15 != "") want[$13, $14] }
        END { for (i = 1; i <= NR; i++) { f = "\"" d "/" r[i] "-curves.csv\" skip 1 using 1:" c " with lines title \"" l[i] "\""
                  if (s[i] == 1 && o[i] == "") {
                      left = left (left == "" ? "" : ", ") f sprintf(" lw 2 lc rgb \"%s\" dt %d", hue[cell[i]], h[i] == big ? 1 : 2)
                      if ((cell[i], h[i]) in want) right = f " lw 2 lc rgb \"black\"" (right == "" ? "" : ", " right) }
                  else right = right (right == "" ? "" : ", ") f (s[i] != 1 ? " lw 1 lc rgb \"#999999\"" : sprintf(" lw 2 lc rgb \"%s\"", vc[++nv])) }
              print left; print right }')
    # each panel's y axis starts at its lowest value, rounded down to 0.1
    ylo() { printf '%s\n' "$lines" | sed -n "$1p" | tr ',' '\n' | sed -n 's/^ *"\(.*-curves\.csv\)".*/\1/p' |
        while read -r file; do awk -F, -v c="$col" 'NR > 1 { print $c }' "$file"; done |
        awk 'NR == 1 || $1 < m { m = $1 } END { m = int(m * 10) / 10; print m < 0 ? 0 : m }'; }
    plot architectures "set multiplot layout 1,2
set datafile separator ','
set xlabel 'epoch'
set ylabel '$metric'
set key bottom right
set grid ytics
set title 'Cell and hidden size (last step as readout)'
set yrange [$(ylo 1):1]
plot $(printf '%s\n' "$lines" | sed -n 1p)
set title 'Variants, and the same cell with other seeds (grey)'
set yrange [$(ylo 2):1]
plot $(printf '%s\n' "$lines" | sed -n 2p)
unset multiplot" 1200,500
    cost=$(printf '%s\n' "$rows" | awk -F'\t' '{ printf "%s %s \"%s\" %d\n", $10, $6, $5 == 1 ? $2 : "", $5 != 1 ? 3 : $13 == "rnn" ? 0 : $13 == "gru" ? 1 : 2 }')
    plot architectures_cost "\$cost << EOD
$cost
EOD
set xlabel 'seconds per epoch (median over the epochs of the run)'
set ylabel 'best $metric'
set title 'What each run costs per epoch, and what it scores (grey: the same model with other seeds)'
set grid
set xrange [0:*]
set offsets 0, graph 0.25, graph 0.05, graph 0.05
set palette defined (0 '#1b9e77', 1 '#d95f02', 2 '#7570b3', 3 '#999999')
set cbrange [0:3]
unset colorbox
plot \$cost using 1:2:4 with points pt 7 ps 1.3 lc palette notitle, '' using 1:2:3 with labels left offset 0.8,0 font ',9' notitle"
    aug=$(hp_lines "$hyper" | awk "$HP"' END { for (k in h) if (k ~ /^(jitter|scaling|time_warp|rotate)$/ && h[k] + 0 > 0) n++
        print n ? "augmentation as recorded in the log" : "no augmentation" }')
    printf '## Recurrent architectures\n\n'
    fmt -w 76 <<PARA
What the recurrent cell, its size, stacking, bidirectionality and the
readout are worth, on the clinic split: each run trains on the
$(subjects "$train") training subjects and is scored every epoch on the
$(subjects "$val" | awk '{ print $1, $1 == 1 ? "validation subject" : "validation subjects" }'), with one recipe ($(optname "$(hp "$hyper" optimizer)"), learning
rate $(hp "$hyper" lr), $(hp "$hyper" schedule) schedule, batch $(hp "$hyper" batch_size), gradient clipping at
$(hp "$hyper" clip), $(hp "$hyper" epochs) epochs, $aug) and the last step as readout unless
named.  Each run was timed alone (no other run of the pipeline at the same
time); its seconds per epoch are the median over its epochs, and the load
average when it ran is given (other work on the machine slows it).  The
experiment log has every run (\`artifacts/experiments.csv\`);
\`03_rnn_and_inference/architectures.csv\` has the table without its
timings, and the curves are \`03_rnn_and_inference/RUN-curves.csv\`.
PARA
    cat <<EOF

| run | model | parameters | best $metric (epoch) | last epoch | seconds per epoch | load average |
|---|---|---:|---:|---:|---:|---:|
$(printf '%s\n' "$rows" | awk -F'\t' '{ printf "| %s | `%s` | %d | %.1f %% (%d) | %.1f %% | %.2f | %s |\n", $2, $3, $4, 100 * $6, $7, 100 * $8, $10, $11 }')

![validation curves of the architectures](03_rnn_and_inference/architectures.png)

![cost and score](03_rnn_and_inference/architectures_cost.png)

$(printf '%s\n' "$rows" | arch_conclusions "$(meta "$final" window)" "$metric" | bullets)
EOF
}

# section_training CURVES: the final fit's own curves (har-train --curves of
# the chosen model): loss, accuracy and macro-F1, learning rate per epoch.
section_training() {
    c=$1
    hasval=$(awk -F, -v k="$(curve_col "$c" val_loss)" 'NR > 1 && $k != "" { n++ } END { print n + 0 }' "$c")
    vloss='' vacc=''
    if [ "$hasval" -gt 0 ]; then
        vloss=", '' skip 1 using 1:$(curve_col "$c" val_loss) with lines lw 2 lc rgb '#1b9e77' title 'validation'"
        vacc=", '' skip 1 using 1:$(curve_col "$c" val_acc) with lines lw 2 lc rgb '#1b9e77' title 'validation accuracy'"
    fi
    plot final_curves "set multiplot layout 1,3 title '$chosen: the final fit, epoch by epoch'
set datafile separator ','
set xlabel 'epoch'
set grid
set key top right
set ylabel 'cross-entropy loss'
set yrange [0:*]
set title 'loss'
plot '$c' skip 1 using 1:$(curve_col "$c" train_loss) with lines lw 2 lc rgb '#d95f02' title 'training'$vloss
set ylabel 'accuracy, macro-F1'
set yrange [*:1]
set key bottom right
set title 'accuracy and macro-F1'
plot '$c' skip 1 using 1:$(curve_col "$c" train_acc) with lines lw 2 lc rgb '#d95f02' title 'training accuracy', '' skip 1 using 1:$(curve_col "$c" train_f1) with lines lw 2 dt 2 lc rgb '#7570b3' title 'training macro-F1'$vacc
set ylabel 'learning rate (x 0.001)'
set yrange [0:*]
set title 'learning rate (schedule)'
plot '$c' skip 1 using 1:(1000 * \$$(curve_col "$c" lr)) with lines lw 2 lc rgb '#1b9e77' notitle
unset multiplot" 1350,420
    # epochs, first and last loss, first, last and best accuracy and its
    # epoch, peak learning rate and its epoch, last learning rate: ten
    # numbers, split into $1..$10 on purpose
    # shellcheck disable=SC2046
    set -- $(awk -F, -v L="$(curve_col "$c" train_loss)" -v A="$(curve_col "$c" train_acc)" -v R="$(curve_col "$c" lr)" '
        NR == 1 { next }
        { e = $1; if (NR == 2) { l1 = $L; a1 = $A }; ll = $L; la = $A; lr = $R
          if (NR == 2 || $A > ba) { ba = $A; be = e }; if (NR == 2 || $R > mr) { mr = $R; me = e } }
        END { printf "%d %.3f %.3f %.1f %.1f %.1f %d %.2g %d %.2g\n", e, l1, ll, 100 * a1, 100 * la, 100 * ba, be, mr, me, lr }' "$c")
    if [ "$6" = "$5" ]; then top="its highest"; else top="its highest was $6 % at epoch $7"; fi
    if [ "$hasval" -gt 0 ]; then
        how="The validation curves are those of the run's own validation subjects."
    else
        how="The fit had no validation subjects: these curves show how it trained, not how well it generalises, and the training windows were augmented, so the training scores are not an estimate of anything."
    fi
    printf '\n## The final model'"'"'s training\n\n'
    fmt -w 76 <<PARA
The final fit of **$chosen** on all $fit_subjects training subjects
(\`artifacts/models/$chosen-curves.csv\`): over its $1 epochs the training
loss went from $2 to $3 and the training accuracy from $4 % to $5 % ($top);
the learning rate peaked at $8 at epoch $9 and ended at ${10}.  $how
PARA
    printf '\n![the final model'"'"'s training curves](03_rnn_and_inference/final_curves.png)\n'
}

section_final() {
    confusion_plot confusion "$f" "$chosen on the test subjects: confusion matrix, row-normalised (rows: true class)"
    awk -F, '$1 == "subject" && $3 == "accuracy" { print $2, $4 }' "$f" > "$dir/subjects.dat"
    plot subjects "set style fill solid 0.8 border -1
set boxwidth 0.7
set yrange [0:1.08]
set ytics 0.1
set grid ytics
set ylabel 'accuracy'
set xlabel 'test subject'
set title '$chosen: accuracy per test subject (mean $(pct "$(v "$f" subjects mean accuracy)"))'
plot '$dir/subjects.dat' using 0:2:xtic(1) with boxes lc rgb '#2166ac' notitle, '' using 0:(\$2 + 0.03):(sprintf('%.3f', \$2)) with labels notitle"
    cat <<EOF

## Final evaluation on the $(v "$f" summary all subjects) test subjects

| metric | value | $(level "$f") % CI over windows | $(level "$f") % CI over subjects |
|---|---:|---|---|
$(ci_row "$f" accuracy accuracy)
$(ci_row "$f" macro-F1 macro_f1)
| weighted F1 | $(pct "$(v "$f" summary all weighted_f1)") | | |
| log loss | $(num "$(v "$f" summary all log_loss)") | | |

$(v "$f" summary all windows) windows; percentile bootstrap with $(v "$f" bootstrap settings resamples) resamples.  The interval over
subjects resamples whole people and is the one that speaks for a new user.

| class | precision | recall | F1 | windows |
|---|---:|---:|---:|---:|
EOF
    for k in $classes; do
        printf '| %s | %s | %s | %s | %s |\n' "$k" "$(pct "$(v "$f" class "$k" precision)")" \
            "$(pct "$(v "$f" class "$k" recall)")" "$(pct "$(v "$f" class "$k" f1)")" "$(v "$f" class "$k" support)"
    done
    printf '\n![confusion matrix](03_rnn_and_inference/confusion.png)\n\n![accuracy per subject](03_rnn_and_inference/subjects.png)\n'
}

# section_errors: the most frequent errors, who makes them, and what the
# windows of the most confused pair are: their tilt and their saliency.
section_errors() {
    printf '\n'
    if [ -z "$(pair "$f")" ]; then
        printf '**Error analysis.** The model reads every test window correctly.\n'
        return 0
    fi
    error_summary | fmt -w 76
    facts=$(pair_facts "$dir")
    a=$(fact pair_a) b=$(fact pair_b)
    if [ -n "$(fact n_AA)" ]; then
        pair_gravity_plot
        pair_saliency_plot
        printf '\n'
        fmt -w 76 <<PARA
The $(fact n_AB) windows of $a read as $b against the windows of the two
classes read correctly ($(fact n_AA) and $(fact n_BB)) and those of $b read as $a ($(fact n_BA)):
their subjects and recordings (\`03_rnn_and_inference/pair-windows.csv\`,
from \`har-infer --input-format tensor\`), the mean of the raw acceleration over
each window (the direction of gravity in the phone's frame, from the
recordings \`acc_expEE_userUU.txt.gz\`), and the saliency of each group
alone (\`har-eval --saliency-windows\`; \`pair-{AB,AA,BB}-*.dat\`).
PARA
        pair_table
        printf '\n![the tilt of the confused windows](03_rnn_and_inference/pair_gravity.png)\n'
        printf '\n![saliency of the confused windows](03_rnn_and_inference/pair_saliency.png)\n'
    fi
    printf '\n**Failure modes.** What the numbers above say, as the model card quotes it\n'
    printf '(`03_rnn_and_inference/failure-modes.txt`):\n\n'
    sed 's/^/- /' "$dir/failure-modes.txt" | bullets
}

# error_summary: the two most frequent errors and the spread over people.
error_summary() {
    pair1=$(pair "$f") pair2=$(nth_pair "$f" 2 windows)
    worst=$(v "$f" subjects worst_accuracy subject)
    best=$(awk -F, '$1 == "subject" && $3 == "accuracy" && $4 > m { m = $4; s = $2 } END { print s }' "$f")
    printf '**Error analysis.** The most frequent error is %s read as %s: %s windows, %s of all %s windows' "${pair1%%->*}" "${pair1#*->}" \
        "$(v "$f" most_confused "$pair1" windows)" "$(pct "$(v "$f" most_confused "$pair1" share)")" "${pair1%%->*}"
    [ -z "$pair2" ] || printf '; the next is %s read as %s (%s windows, %s)' "${pair2%%->*}" "${pair2#*->}" \
        "$(v "$f" most_confused "$pair2" windows)" "$(pct "$(v "$f" most_confused "$pair2" share)")"
    printf '.  Accuracy varies by person: from %s for subject %s to %s for subject %s (mean over subjects %s, standard deviation %s points).\n' \
        "$(pct "$(v "$f" subject "$worst" accuracy)")" "$worst" "$(pct "$(v "$f" subject "$best" accuracy)")" "$best" \
        "$(pct "$(v "$f" subjects mean accuracy)")" "$(awk -v x="$(v "$f" subjects std accuracy)" 'BEGIN { printf "%.1f", 100 * x }')"
}

# fact KEY: a value of $facts (pair_facts); group G in words, its colour.
fact() { printf '%s\n' "$facts" | awk -v k="$1" '$1 == k { print $2 }'; }
grp() { case $1 in AB) echo "$a read as $b";; AA) echo "$a read as $a";; BB) echo "$b read as $b";; BA) echo "$b read as $a";; esac; }
hue() { case $1 in AB) echo '#d7191c';; AA) echo '#2166ac';; BB) echo '#1b7837';; BA) echo '#1b7837';; esac; }

# pair_gravity_plot: the tilt of each window of the pair's two classes, its
# mean gravity direction as the shares of g along the phone's y and z axes,
# and the mean directions of the two classes read correctly.
pair_gravity_plot() {
    tilt=$(for g in AA BB AB BA; do
        printf '$%s << EOD\n' "$g"
        awk -F, -v a="$a" -v g="$g" 'NR > 1 && ($5 == a ? "A" : "B") ($6 == a ? "A" : "B") == g {
            m = sqrt($7 * $7 + $8 * $8 + $9 * $9); printf "%.4f %.4f\n", $8 / m, $9 / m }' "$dir/pair-windows.csv"
        printf 'EOD\n'
    done)
    centres=$(for g in AA BB; do fact "g_$g" | awk -F, '{ m = sqrt($1 * $1 + $2 * $2 + $3 * $3); printf "%.4f %.4f\n", $2 / m, $3 / m }'; done)
    plot pair_gravity "$tilt
\$centres << EOD
$centres
EOD
set size ratio -1
set xlabel 'gravity along the phone y axis (share of g)'
set ylabel 'gravity along the phone z axis (share of g)'
set title 'The phone tilt of each $a and $b test window (mean gravity direction over the window)'
set key outside below
set grid
plot \$AA with points pt 7 ps 0.5 lc rgb '#92c5de' title '$(grp AA)', \$BB with points pt 7 ps 0.5 lc rgb '#a6dba0' title '$(grp BB)', \\
     \$BA with points pt 9 ps 1.3 lc rgb '$(hue BA)' title '$(grp BA)', \$AB with points pt 5 ps 1.2 lc rgb '$(hue AB)' title '$(grp AB)', \\
     \$centres every ::0::0 with points pt 2 ps 4 lw 3 lc rgb '$(hue AA)' title 'mean direction of $(grp AA)', \\
     \$centres every ::1::1 with points pt 2 ps 4 lw 3 lc rgb '$(hue BB)' title 'mean direction of $(grp BB)'" 900,820
}

# pair_saliency_plot: the saliency of the true class in the groups AB, AA
# and BB (those with windows), per channel (bars) and over the window.
pair_saliency_plot() {
    chans=$(awk '!/^#/ && NF >= 6 && !seen[$6]++ { c = $6; gsub(/"/, "", c); gsub(/_/, " ", c); printf "%s\"%s\" %d", (n++ ? ", " : ""), c, n - 1 }' "$dir/final-channels.dat")
    groups=$(for g in AB AA BB; do [ -z "$(fact "sal_${g}_ch1")" ] || echo "$g"; done)
    data=$(for g in $groups; do
        c=$a; [ "$g" != BB ] || c=$b
        printf '$ch%s << EOD\n' "$g"
        awk -v c="\"$c\"" '$5 == c { print $2, $3 }' "$dir/pair-$g-channels.dat"
        printf 'EOD\n$t%s << EOD\n' "$g"
        awk -v c="abs_grad:$c" -v r="$rate" 'NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == c) col = i }; next }
            col { print $1 / r, $col }' "$dir/pair-$g-time.dat"
        printf 'EOD\n'
    done)
    # bars side by side: the groups' offsets from each channel's position
    bars=$(i=0; for g in $groups; do printf "%s\$ch$g using (\$1 + %s):2 with boxes lc rgb '%s' title '%s'" \
        "$([ $i -eq 0 ] || echo ', ')" "$(echo "$i" | awk '{ print ($1 - 1) * 0.27 }')" "$(hue "$g")" "$(grp "$g")"; i=$((i + 1)); done)
    curves=$(i=0; for g in $groups; do printf "%s\$t$g using 1:2 with lines lw 2 lc rgb '%s' title '%s'" \
        "$([ $i -eq 0 ] || echo ', ')" "$(hue "$g")" "$(grp "$g")"; i=$((i + 1)); done)
    plot pair_saliency "$data
set multiplot layout 1,2 title 'Saliency of the true class (|d logit / d input|), $a read as $b against the windows read correctly'
set style fill solid 0.9 noborder
set boxwidth 0.27
set xtics ($chans) rotate by -30
set xrange [-0.6:$(echo "$chans" | tr ',' '\n' | wc -l) - 0.4]
set yrange [0:*]
set ylabel 'mean |gradient| over the windows and timesteps'
set xlabel 'input channel'
set title 'per channel'
set key top right
plot $bars
set xtics auto norotate
set xrange [0:$(awk -v r="$rate" 'END { print (NR - 1) / r }' "$dir/final-time.dat")]
set xlabel 'time into the window (s)'
set ylabel 'mean |gradient| over the windows and channels'
set title 'over the window'
plot $curves
unset multiplot" 1350,500
}

# pair_table: the groups' counts, tilt and saliency, one row each.
pair_table() {
    printf '\n| windows | count | mean gravity (x, y, z; g) | nearer the %s direction | most sensitive channels (share of \\|gradient\\|) | total acceleration'"'"'s share | busiest quarter of the window |\n' "$b"
    printf '|---|---:|---|---:|---|---:|---|\n'
    for g in AB AA BB BA; do
        [ "$(fact "n_$g")" -gt 0 ] || continue
        printf '%s\n' "$facts" | awk -v g="$g" -v lab="$(grp "$g")" "$FACTS"'
            END { v = F["g_" g]; gsub(/,/, ", ", v)
                  printf "| %s | %d | %s | %d (%s) | ", lab, F["n_" g], v, F["near_" g], pc(F["near_" g] / F["n_" g])
                  if (("sal_" g "_ch1") in F) printf "%s (%s), %s (%s) | %s | %s (%s) |\n", chan(F["sal_" g "_ch1"]), pc(F["sal_" g "_ch1_share"]),
                      chan(F["sal_" g "_ch2"]), pc(F["sal_" g "_ch2_share"]), pc(F["sal_" g "_tot_share"]), quarter(F["sal_" g "_q"]), pc(F["sal_" g "_q_share"])
                  else printf "| | |\n" }'
    done
}

# saliency_summary: per class of the final model's saliency (final-*.dat),
# tab-separated: class, sum over channels of the mean |grad|, the most
# sensitive channel, its share, the shares of the gyroscope and of the
# total-acceleration channels, the busiest quarter of the window and its share.
saliency_summary() {
    awk '!/^#/ && NF >= 6 && $3 != "nan" { c = $5; gsub(/"/, "", c); ch = $6; gsub(/"/, "", ch)
            if (!(c in s)) o[++n] = c; s[c] += $3
            if (ch ~ /gyro/) gy[c] += $3; if (ch ~ /^total_acc/) ta[c] += $3
            if ($3 > top[c]) { top[c] = $3; tc[c] = ch } }
        END { for (i = 1; i <= n; i++) { c = o[i]; printf "%s %.4g %s %.3f %.3f %.3f\n", c, s[c], tc[c], top[c] / s[c], gy[c] / s[c], ta[c] / s[c] } }' "$dir/final-channels.dat" |
    awk -v OFS='\t' -v T="$(awk 'END { print NR - 1 }' "$dir/final-time.dat")" '
        FNR == NR { if (FNR == 1) { for (i = 2; i <= NF; i++) if ($i ~ /abs_grad/) { h = $i; gsub(/"/, "", h); sub(/^abs_grad:/, "", h); col[h] = i }; next }
                    for (c in col) if ($col[c] != "nan") { q[c, int(4 * $1 / T) + 1] += $col[c]; tot[c] += $col[c] }; next }
        { bq = 1; for (j = 2; j <= 4; j++) if (q[$1, j] > q[$1, bq]) bq = j
          print $1, $2, $3, $4, $5, $6, bq, (tot[$1] > 0 ? sprintf("%.3f", q[$1, bq] / tot[$1]) : 0) }' "$dir/final-time.dat" -
}

section_saliency() {
    heat=$(awk '$3 != "nan" && NF >= 6 { c = $6; gsub(/"/, "", c); gsub(/_/, " ", c); k = $5; gsub(/"/, "", k); printf "%s %s %s \"%s\" \"%s\"\n", $2, $1, $3, c, k }' "$dir/final-channels.dat")
    plot saliency_channels "\$heat << EOD
$heat
EOD
set title 'Saliency |d logit(true class) / d input|, mean over the windows of each class and the window'
set xtics rotate by -30
set xlabel 'input channel'
set ylabel 'true class' offset -5,0
set lmargin 30
set cblabel 'mean |gradient|'
set palette defined (0 'white', 1 '#b2182b')
set yrange [$nclass - 0.5:-0.5]
plot \$heat using 1:2:3:xtic(4):ytic(5) with image notitle"
    plot saliency_time "set title 'Saliency over the window: |d logit(true class) / d input|, mean over the windows of each class and the channels'
set xlabel 'time into the window (s)'
set ylabel 'mean |gradient|'
set key outside right
set yrange [0:*]
set xrange [0:$(awk -v r="$rate" 'END { print (NR - 1) / r }' "$dir/final-time.dat")]
set grid
plot for [k=2:$((nclass + 1))] '$dir/final-time.dat' using (\$1 / $rate):k with lines lw 2 title word('$(echo $classes)', k - 1)"
    sum=$(saliency_summary)
    cat <<EOF

## Saliency

The gradient of the true class's logit with respect to the (normalised)
input, by \`har-eval --saliency\` over all $(v "$f" summary all windows) test windows: its magnitude
per class and channel, averaged over each class's windows and the window's
$(awk 'END { print NR - 1 }' "$dir/final-time.dat") timesteps (top), and over the channels along the window (bottom).
A large |gradient| says that a small change of that input would move the
logit most: sensitivity, not proof of what the model used.

| class | sum of mean \|gradient\| over channels | most sensitive channel (share) | gyroscope share | total acceleration share | busiest quarter of the window (share) |
|---|---:|---|---:|---:|---|
$(printf '%s\n' "$sum" | awk -F'\t' "$FUNCS"'
    { printf "| %s | %.3f | %s (%s) | %s | %s | %s (%s) |\n", $1, $2, chan($3), pc($4), pc($5), pc($6), quarter($7), pc($8) }')

![saliency per class and channel](03_rnn_and_inference/saliency_channels.png)

![saliency over time](03_rnn_and_inference/saliency_time.png)

$(printf '%s\n' "$sum" | saliency_conclusions | bullets)
EOF
}

# saliency_conclusions < saliency_summary: one finding a line.
saliency_conclusions() {
    awk -F'\t' "$FUNCS$AND$ADD"'
        { n++; c[n] = $1; s[n] = $2; tc[n] = $3; ts[n] = $4; gy[n] = $5; ta[n] = $6; q[n] = $7; qs[n] = $8 }
        END { if (!n) exit
              # the classes the logits of which respond most, against the median of the rest
              for (i = 1; i <= n; i++) o[i] = i
              for (i = 2; i <= n; i++) for (j = i; j > 1 && s[o[j - 1]] < s[o[j]]; j--) { t = o[j]; o[j] = o[j - 1]; o[j - 1] = t }
              k = 1; while (k < n && s[o[k + 1]] >= s[o[1]] / 2) k++
              top = ""; for (i = 1; i <= k; i++) top = add(top, c[o[i]])
              m = n - k; if (m > 0) { mid = int((m + 1) / 2); med = m % 2 ? s[o[k + mid]] : (s[o[k + mid]] + s[o[k + mid + 1]]) / 2 }
              if (m > 0 && med > 0) printf "- The logit%s of %s respond%s most to small changes of the input: %s, at least %.1f times the median of the other classes (%.3f).\n",
                  (k > 1 ? "s" : ""), and_(top), (k > 1 ? "" : "s"), (k > 1 ? sprintf("sums of mean |gradient| over the channels from %.3f to %.3f", s[o[k]], s[o[1]]) : sprintf("a sum of mean |gradient| over the channels of %.3f", s[o[1]])), s[o[k]] / med, med
              # the most sensitive channel, grouping the classes by it
              for (i = 1; i <= n; i++) { if (!(tc[i] in cl)) ord[++no] = tc[i]; cl[tc[i]] = add(cl[tc[i]], c[i]) }
              line = ""; for (j = 1; j <= no; j++) line = add(line, chan(ord[j]) " for " and_(cl[ord[j]]))
              printf "- The most sensitive channel is %s.\n", and_(line)
              # total acceleration (the tilt) against its even share, 3 of 9 channels
              lo = hi = ""; for (i = 1; i <= n; i++) if (ta[i] < 1 / 3) lo = add(lo, c[i] " " pc(ta[i])); else hi = add(hi, c[i] " " pc(ta[i]))
              printf "- The three total-acceleration channels, which carry the phone'"'"'s tilt, get less than an even share (33.3 %%) of the sensitivity for %s%s.\n",
                  lo == "" ? "no class" : and_(lo), hi == "" ? "" : ", and more for " and_(hi)
              # where in the window
              no = 0; delete cl; for (i = 1; i <= n; i++) { if (!(q[i] in cl)) ord[++no] = q[i]; cl[q[i]] = add(cl[q[i]], c[i] " " pc(qs[i])) }
              line = ""; for (j = 1; j <= no; j++) line = add(line, "the " quarter(ord[j]) " quarter for " and_(cl[ord[j]]))
              printf "- The window'"'"'s busiest quarter (25 %% if the sensitivity were even) is %s.\n", and_(line) }'
}

section_zoo() {
    zoo=$1
    rows=$(for m in $zoo; do
        t=$dir/test-$m.csv
        printf '%s %s %s %s %s %s %s\n' "$m" "$(v "$t" summary all accuracy)" "$(v "$t" bootstrap subjects accuracy_lo)" "$(v "$t" bootstrap subjects accuracy_hi)" \
            "$(v "$t" summary all macro_f1)" "$(v "$t" bootstrap subjects macro_f1_lo)" "$(v "$t" bootstrap subjects macro_f1_hi)"
    done)
    ylo=$(printf '%s\n' "$rows" | awk '{ if (NR == 1 || $3 < m) m = $3; if ($6 < m) m = $6 } END { m = int(m * 20) / 20; print m < 0 ? 0 : m }')
    plot zoo "\$zoo << EOD
$rows
EOD
set title 'The zoo on the test subjects, with $(level "$f") % intervals over subjects (after the choice of $chosen)'
set ylabel 'test score'
set xlabel 'model'
set yrange [$ylo:1]
set xrange [-0.5:$(printf '%s\n' "$rows" | wc -l) - 0.5]
set grid ytics
set key bottom right
plot \$zoo using (\$0 - 0.12):2:3:4:xtic(1) with yerrorbars pt 7 ps 1.2 lw 2 lc rgb '#2166ac' title 'accuracy', \
     '' using (\$0 + 0.12):5:6:7 with yerrorbars pt 5 ps 1.2 lw 2 lc rgb '#d95f02' title 'macro-F1'"
    cat <<EOF

## The zoo on the test subjects

Reported after the choice, for comparison only: every model of the zoo
(\`pipelines/models.mk\`) on the test subjects, with the $(level "$f") % interval over
subjects.

| model | spec | test accuracy | $(level "$f") % CI over subjects | test macro-F1 | $(level "$f") % CI over subjects |
|---|---|---:|---|---:|---|
$(printf '%s\n' "$rows" | while read -r m a al ah f1 fl fh; do
    printf '| %s | `%s` | %s | [%s, %s] | %s | [%s, %s] |\n' "$m" "$(jv "$(dirname "$dir")/models/$m-test.json" spec)" "$(pct "$a")" "$(pct "$al")" "$(pct "$ah")" "$(pct "$f1")" "$(pct "$fl")" "$(pct "$fh")"
  done)

![the zoo on the test subjects](03_rnn_and_inference/zoo.png)

$(printf '%s\n' "$rows" | awk -v c="$chosen" "$AND$ADD"' $1 == c { lo = $6; hi = $7; f = $5 } { m[NR] = $1; l[NR] = $6; h[NR] = $7; v[NR] = $5 }
    END { for (i = 1; i <= NR; i++) if (m[i] != c) { if (h[i] < lo) below = add(below, m[i]); else if (l[i] > hi) above = add(above, m[i]); else over = add(over, m[i]) }
          printf "By macro-F1, the subject intervals of %s overlap that of %s", over == "" ? "no other model" : and_(over), c
          if (below != "") printf "; that of %s lies wholly below it", and_(below)
          if (above != "") printf "; that of %s lies wholly above it", and_(above)
          printf ".  %s\n", over == "" ? "" : "With these test subjects the overlapping models are not told apart." }' | fmt -w 76)
EOF
}

# section_demo LABELS EXP: recording EXP streamed through har-infer --stream
# (DIR/stream.csv) against its true activities.
section_demo() {
    labels=$1 exp=$2
    window=$(meta "$final" window) stride=$(meta "$final" stride) activity_ids=$(meta "$final" activity_ids)
    # The demo's true activity at each window's centre (HAPT labels:
    # experiment, user, activity 1-12, first and last sample, from 1): class
    # i is the model's i-th activity id (its metadata); other activities
    # (transitions) and unlabelled samples have no class (-1).
    zcat "$labels" | awk -v e="$exp" '$1 + 0 == e + 0 { print $3 "," $4 "," $5 }' > "$dir/stream-labels.csv"
    awk -F, -v win="$window" -v ids="$activity_ids" 'BEGIN { k = split(ids, id, ","); for (i = 1; i <= k; i++) cls[id[i]] = i - 1 }
        FNR == NR { a[++n] = $1; s[n] = $2; t[n] = $3; next }
        FNR == 1 { next }
        { c = $1 + win / 2 + 1; truth = -1
          for (i = 1; i <= n; i++) if (c >= s[i] && c <= t[i] && (a[i] in cls)) truth = cls[a[i]]
          print $2, $4, truth }' "$dir/stream-labels.csv" "$dir/stream.csv" > "$dir/stream-vs-truth.dat"
    rows=$(wc -l < "$dir/stream-vs-truth.dat")
    scored=$(awk '$3 >= 0' "$dir/stream-vs-truth.dat" | wc -l)
    agree=$(awk '$3 >= 0 && $2 == $3' "$dir/stream-vs-truth.dat" | wc -l)
    plot stream "set title 'Recording $exp streamed through har-infer --stream: predicted vs true activity'
set xlabel 'time (s)'
set ylabel 'activity' offset -5,0
set lmargin 30
set ytics ($(class_ticks $classes))
set yrange [-0.5:$nclass - 0.5]
plot '$dir/stream-vs-truth.dat' using 1:(\$3 >= 0 ? \$3 : 1/0) with points pt 5 ps 1.2 lc rgb '#a6d96a' title 'true', \
     '' using 1:2 with points pt 7 ps 0.6 lc rgb '#d7191c' title 'predicted'"
    # The demo recording's subject, and whether it is a test subject.
    demo_user=$(zcat "$labels" | awk -v e="$exp" '$1 + 0 == e + 0 { print $2 + 0; exit }')
    if awk -F, -v u="$demo_user" '$1 == "subject" && $3 == "accuracy" && $2 + 0 == u + 0 { found = 1 } END { exit !found }' "$f"; then
        demo_whose="a test subject's"
    else
        demo_whose="subject $demo_user's, not a test subject"
    fi
    cat <<EOF

## Inference demo

Recording $exp ($demo_whose) streamed sample by sample through
\`har-infer --stream\`, which runs har-ingest's own filters and windows
($window samples, a prediction every $stride):

\`\`\`sh
paste -d' ' <(zcat data/hapt/RawData/acc_exp${exp}_user*.txt.gz) <(zcat data/hapt/RawData/gyro_exp${exp}_user*.txt.gz) \\
    | bin/har-infer --stream artifacts/final_model.safetensors.gz
\`\`\`

$rows predictions; $scored of them fall on a labelled activity (the rest on
postural transitions or unlabelled stretches), and $agree of those
($(awk -v a="$agree" -v b="$scored" 'BEGIN { if (b) printf "%.1f %%", 100 * a / b; else print "-" }')) name it.

![stream](03_rnn_and_inference/stream.png)
EOF
}

section_latency() {
    json() { jv "$dir/latency.json" "$1"; }
    if [ "$(json batch)" = 1 ]; then batching='one window at a time (batch 1)'; else batching="batches of $(json batch) windows"; fi
    cat <<EOF

## Latency

\`har-latency\`: $batching, $(word "$(json threads)") thread$([ "$(json threads)" = 1 ] || echo s), $(json windows) windows after
$(json warmup) of warm-up, timed alone on this machine (no other run of the
pipeline at the same time; the 1-minute load average was $(json load_average_1min | awk '{ printf "%.2f", $1 }') as it
started: an average that still counts the minute before the run, when other
steps of the pipeline may have been running).

| parameters | weights | mean | p50 | p90 | p99 | windows/s | peak RSS serving |
|---:|---:|---:|---:|---:|---:|---:|---:|
| $(json parameters) | $(json weight_bytes) B | $(json mean | awk '{ printf "%.1f", $1 }') us | $(json p50 | awk '{ printf "%.1f", $1 }') us | $(json p90 | awk '{ printf "%.1f", $1 }') us | $(json p99 | awk '{ printf "%.1f", $1 }') us | $(json windows_per_second | awk '{ printf "%.0f", $1 }') | $(json serving_peak_rss_kib) KiB |

A new window arrives every $(json stride_seconds) s; at p99 one prediction takes
$(json realtime_margin_p99 | awk '$1 >= 1 { printf "1/%.0f of that", $1; next } { printf "%.1f times that", 1 / $1 }'), so classifying
the stream in real time costs $(json realtime_load | awk '{ printf "%.4f %%", 100 * $1 }') of one core of this
$(json realtime_margin_p99 | awk '$1 / 100 >= 1 { printf "machine: a processor a hundred times slower would still keep up %.0f times over,\nso on a phone the model'"'"'s cost is negligible next to reading the sensors.\n", $1 / 100; next }
    { print "machine: a processor a hundred times slower would not keep up." }')
EOF
}

report() {
    dir=$1 final=$2 labels=$3 exp=$4 mon=$5 clinic=$6 zoo=$7
    shift 7
    trap 'rm -f "$dir"/*.png.tmp' EXIT
    f=$dir/final.csv
    chosen=$(awk 'NR == 1 { print $1 }' "$dir/choice.txt")
    classes=$(awk -F, '$1 == "class" && $3 == "support" { print $2 }' "$f")
    nclass=$(echo $classes | wc -w)
    rate=$(meta "$final" sample_rate_hz)
    fit_subjects=$(fit_subjects "$final")
    cat <<EOF
# 3. Recurrent models, the final evaluation and inference

Generated by \`make rnn-and-inference\`; every number below is read from a
file the pipeline wrote (the CSV, JSON and data files in
\`03_rnn_and_inference/\`, \`artifacts/models/\`), and every sentence that
draws a conclusion is generated by rules from those numbers.

EOF
    section_arch "$mon" "$clinic" "$@"
    printf '\n'
    sh "$here/report_selection.sh" "$dir" "$final" choice
    section_training "$(dirname "$dir")/models/$chosen-curves.csv"
    section_final
    printf '\n'
    sh "$here/report_selection.sh" "$dir" "$final" record
    section_errors
    section_saliency
    section_zoo "$zoo"
    section_demo "$labels" "$exp"
    section_latency
}

mode=$1
shift
case $mode in
    report) report "$@" ;;
    failure-modes) failure_modes "$@" ;;
    gravity) gravity "$@" ;;
    pair-windows) pair_windows "$@" ;;
    *) echo "$0: unknown mode '$mode'" >&2; exit 2 ;;
esac
