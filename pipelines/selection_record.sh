#!/bin/sh
# selection_record.sh ARTIFACTS CANDIDATES OUT - the selection record: every
# test-subject score the git history records, from the committed test
# evaluations (artifacts/models/summary.md, the zoo's; the har-eval CSVs
# artifacts/01_data_and_baselines/*-test.csv and
# artifacts/03_rnn_and_inference/{test-*,final}.csv), then this build's
# (the same files under ARTIFACTS).  Written to OUT only if it changed.
#
# A row is a model's score seen for the first time: a "look" at the test
# subjects is a commit that recorded at least one score never recorded
# before (re-committing the same numbers is not a look), and "this build"
# holds the scores of ARTIFACTS that no commit recorded.  A commit whose own
# committed record already listed its new scores as "this build" keeps that
# label while this build still has them: committing the artifacts does not
# change the record.  Without git history (no repository, a shallow clone)
# OUT is kept as it is, and the reason goes to standard error.
#
# CANDIDATES: the final model's candidates (zoo names), whose rows are
# "candidate"; report 1's baselines (baseline-NAME-test.csv) are "baseline",
# every other model "zoo".
# Columns: look (1, 2, ... or "this build"), commit (7 hex digits), date
# (author date, UTC), unix_time, model, role, accuracy, macro_f1 (4
# decimals), epoch_kept, protocol (best-val: the best epoch on the
# validation subjects kept; refit-last: fitted on every training subject,
# the last epoch kept), rotate (--rotate degrees), epochs (--epochs), source
# (the file, under artifacts/), spec (the zoo's model spec, quoted).
set -eu
art=$1 cands=$2 out=$3
. "$(dirname "$0")/report_lib.sh"
HEADER=look,commit,date,unix_time,model,role,accuracy,macro_f1,epoch_kept,protocol,rotate,epochs,source,spec
RECORD_PATH=artifacts/03_rnn_and_inference/selection-record.csv
PATHS="artifacts/models/summary.md artifacts/01_data_and_baselines/*-test.csv artifacts/03_rnn_and_inference/test-*.csv artifacts/03_rnn_and_inference/final.csv"

keep() {
    echo "selection_record.sh: $1; $out kept as it is" >&2
    [ -f "$out" ] || echo "$HEADER" > "$out"
    exit 0
}
command -v git > /dev/null 2>&1 || keep "git is not installed"
git rev-parse --git-dir > /dev/null 2>&1 || keep "no git repository here"
[ "$(git rev-parse --is-shallow-repository)" = false ] || keep "a shallow clone: the history is incomplete"

# get FILE: FILE (a path under artifacts/) at commit $ref, or in ARTIFACTS if
# $ref is empty.
get() { if [ -n "$ref" ]; then git show "$ref:artifacts/$1" 2> /dev/null || true; else cat "$art/$1" 2> /dev/null || true; fi; }
# evals: the har-eval test CSVs there are at $ref.
evals() {
    if [ -n "$ref" ]; then git ls-tree --name-only "$ref" -- artifacts/01_data_and_baselines/ artifacts/03_rnn_and_inference/ | sed 's#^artifacts/##'
    else (cd "$art" && ls -d 01_data_and_baselines/* 03_rnn_and_inference/* 2> /dev/null) || true; fi |
        grep -E '^01_data_and_baselines/.*-test\.csv$|^03_rnn_and_inference/(test-.*|final)\.csv$' || true
}
# scores: "model accuracy macro_f1 epoch_kept protocol rotate epochs source
# spec" lines of every test evaluation at $ref, the zoo's first.
scores() {
    get models/experiments.csv > "$tmp.log"
    get models/summary.md | awk -F'|' -v lf="$tmp.log" "$CSV"'
        BEGIN { while ((getline line < lf) > 0) { n = csv(line, f)
                    if (!nl++) { for (i = 1; i <= n; i++) c[f[i]] = i; continue }
                    m = f[c["run_id"]]; val = f[c["val"]]; hp = f[c["hyperparameters"]]
                    p[m] = val == "" || val == "none" ? "refit-last" : "best-val"
                    r[m] = match(hp, /"rotate":[0-9.]+/) ? substr(hp, RSTART + 9, RLENGTH - 9) : 0
                    e[m] = match(hp, /"epochs":[0-9]+/) ? substr(hp, RSTART + 9, RLENGTH - 9) : "" } }
        { for (i = 2; i < NF; i++) { x = $i; gsub(/^ +| +$/, "", x); t[i] = x } }
        t[2] == "model" { for (i = 2; i < NF; i++) h[t[i]] = i; next }
        h["model"] && t[2] !~ /^-/ { m = t[2]
            print m, t[h["test accuracy"]], t[h["test macro-F1"]], t[h["epoch kept"]], (m in p ? p[m] : "-"), (m in r ? r[m] : "-"), (m in e && e[m] != "" ? e[m] : "-"), "models/summary.md", t[h["spec"]] }'
    chosen=$(get 03_rnn_and_inference/choice.txt | awk 'NR == 1 { print $1 }')
    for e in $(evals); do
        case $e in
            */final.csv) m=${chosen:-final} ;;
            */test-*.csv) m=${e##*/test-}; m=${m%.csv} ;;
            *) m=${e##*/}; m=${m%-test.csv}; m=${m#baseline-} ;;
        esac
        get "$e" | awk -F, -v m="$m" -v s="$e" '$1 == "summary" && $2 == "all" && $3 == "accuracy" { a = $4 }
            $1 == "summary" && $2 == "all" && $3 == "macro_f1" { f = $4 }
            $1 == "model" && $2 == "all" && $3 == "epoch" { ep = $4 }
            END { if (a != "") print m, a, f, (ep == "" ? "-" : ep), "-", "-", "-", s, "-" }'
    done
}

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp".*' EXIT
TZ=UTC
export TZ
# Every commit that changed a test evaluation, oldest first: its lines, then
# the "this build" rows of its own record; then this build's lines.
git log --reverse --format='%H %at %ad' --date=format-local:'%Y-%m-%d %H:%M' -- $PATHS > "$tmp.commits"
while read -r ref at day hm; do
    scores | sed "s/^/S ${ref%"${ref#???????}"} $at $day|$hm /"
    get "${RECORD_PATH#artifacts/}" | awk -F, -v c="${ref%"${ref#???????}"}" '$1 == "this build" { print "B", c, $5, $7, $8 }'
done < "$tmp.commits" > "$tmp.lines"
ref=
scores | sed 's/^/C - - - /' >> "$tmp.lines"

awk -v cands=" $cands " -v header="$HEADER" '
    function f4(x) { return x == "" || x == "-" ? "" : sprintf("%.4f", x) }
    function dash(x) { return x == "-" ? "" : x }
    function spec(x) { gsub(/`/, "", x); return x == "-" ? "" : "\"" x "\"" }
    function role(m, s) { return index(cands, " " m " ") ? "candidate" : s ~ /^01_data_and_baselines\/baseline-/ ? "baseline" : "zoo" }
    $1 == "B" { built[$2, $3, f4($4), f4($5)]; next }
    { m = $5; k = m SUBSEP f4($6) SUBSEP f4($7) }
    # new(COMMIT): a row for a score not seen before
    function new(commit) { seen[k] = ++n; c[n] = commit; t[n] = $3; d[n] = $4; sub(/\|/, " ", d[n])
        row[n] = m "," role(m, $12) "," f4($6) "," f4($7) "," dash($8) "," dash($9) "," dash($10) "," dash($11) "," $12 "," spec($13) }
    $1 == "S" && !(k in seen) { new($2) }
    $1 == "C" && !(k in now) { now[k]; if (!(k in seen)) new(""); else if ((c[seen[k]], k) in built) c[seen[k]] = "" }
    END { print header
          for (i = 1; i <= n; i++) {
              if (c[i] != "" && c[i] != last) { looks++; last = c[i] }
              if (c[i] == "") print "this build,,,," row[i]
              else print looks "," c[i] "," d[i] "," t[i] "," row[i] } }' "$tmp.lines" > "$tmp.csv"
cmp -s "$tmp.csv" "$out" || mv "$tmp.csv" "$out"
