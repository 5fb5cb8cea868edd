#!/bin/sh
# check.sh MODEL WINDOWS.txt [OUT.onnx] - exports the checkpoint MODEL with
# har-export, runs the ONNX model in ONNX Runtime (run.js) and MODEL in
# har-infer on the raw windows of WINDOWS.txt (har-infer's text input, one
# window a line), and compares: the same class on every window and every
# probability within 1e-5 (har-infer prints 6 significant digits, so the
# comparison itself is good to 5e-7).  Prints one line,
#   MODEL: N windows, same class on N, max |dp| X
# and exits 1 if a class differs or a probability is further off, 2 on a
# usage error.  HAR_BIN names the tools' folder (default bin); OUT.onnx
# keeps the exported model (default: a temporary file).  Needs node and
# bench/onnx/node_modules (make packages-onnx).
set -eu
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: check.sh MODEL WINDOWS.txt [OUT.onnx]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
bin=${HAR_BIN:-bin}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/onnx-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
onnx=${3:-$tmp/model.onnx}
"$bin/har-export" -q "$1" -o "$onnx"
node "$here/run.js" "$onnx" "$2" > "$tmp/ort.csv"
"$bin/har-infer" "$1" "$2" > "$tmp/har.csv"
# har-infer: line,class,label,p...; run.js: line,label,p...
awk -F, -v model="$1" '
FNR == 1 { next }
NR == FNR { label[$1] = $3; for (k = 4; k <= NF; k++) p[$1, k - 3] = $k; n++; next }
{ m++; if ($2 == label[$1]) same++
  for (k = 3; k <= NF; k++) { d = $k - p[$1, k - 2]; if (d < 0) d = -d; if (d > max) max = d } }
END {
    printf "%s: %d windows, same class on %d, max |dp| %.2g\n", model, n, same, max
    exit !(n > 0 && m == n && same == n && max <= 1e-5)
}' "$tmp/har.csv" "$tmp/ort.csv"
