#!/bin/sh
# bench/latency.sh - har-latency against PyTorch eager (CPU, batch 1, one
# thread) on the same checkpoints and the same windows, in one run.
#
# For GRU-64 (mean readout), LSTM-64 and the 2 x 256 MLP it trains a
# checkpoint for one epoch (the weights do not change the time, and the
# bench then works on a fresh checkout after `make data`), then times one raw
# test window at a time: har-latency calls predict_activity() (normalising,
# forward, softmax), bench/latency_torch.py runs the same model built in
# torch from the spec with the checkpoint's weights loaded by name
# (model(x) and the softmax, under no_grad and eval, on windows normalised
# beforehand).  Both take the first N windows of the test split after 50
# warm-up windows.  Printed: mean, p50 and p99 in microseconds, the ratio of
# the medians and of the means (torch / har), and how many of the N
# predicted classes agree (the exit status is 1 if any differs).  The
# machine's load average goes with the figures, since other work perturbs
# them.
#   sh bench/latency.sh [N]   (after `make data`; HAR_BIN=dir picks the binaries)
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=${HAR_BIN:-bin}
train=build/data/hapt-train-norm.safetensors.gz
val=build/data/hapt-val-norm.safetensors.gz
test=build/data/hapt-test.safetensors.gz
for f in "$train" "$val" "$test"; do
    [ -f "$f" ] || { echo "bench/latency.sh: $f is missing; run 'make data' first" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
py=/usr/bin/python3
status=0

field() { # json-file key [subkey] -> value
    $py -c "import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(v[sys.argv[3]] if len(sys.argv) > 3 else v)" "$@"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $n windows of $test, batch 1, 1 thread"
printf '%-5s %22s %24s %15s %11s  %s\n' model "har us mean/p50/p99" "torch us mean/p50/p99" \
    "ratio p50/mean" "same class" spec
for m in gru lstm mlp; do
    case $m in
    gru) spec=gru:64:readout=mean,dense:6 ;;
    lstm) spec=lstm:64,dense:6 ;;
    mlp) spec=flatten,dense:256,relu,dropout:0.3,dense:256,relu,dropout:0.3,dense:6 ;;
    esac
    ck=$out/$m.safetensors.gz
    "$bin"/har-train -q "$train" "$val" -m "$spec" -e 1 --patience 0 --log none -o "$ck" --threads 1
    OPENBLAS_NUM_THREADS=1 "$bin"/har-latency "$ck" "$test" -n "$n" --json "$out/$m.json" \
        --predictions "$out/$m-har.csv" >/dev/null
    t=$(OMP_NUM_THREADS=1 $py bench/latency_torch.py "$ck" "$test" -n "$n" --predictions "$out/$m-torch.txt")
    tmean=$(echo "$t" | sed -n 's/.*mean_us=\([^ ]*\).*/\1/p')
    tp50=$(echo "$t" | sed -n 's/.*p50_us=\([^ ]*\).*/\1/p')
    tp99=$(echo "$t" | sed -n 's/.*p99_us=\([^ ]*\).*/\1/p')
    hmean=$(field "$out/$m.json" latency_us mean)
    hp50=$(field "$out/$m.json" latency_us p50)
    hp99=$(field "$out/$m.json" latency_us p99)
    same=$(cut -d, -f3 "$out/$m-har.csv" | tail -n +2 | paste -d' ' - "$out/$m-torch.txt" |
        awk '$1 == $2 { s++ } END { print s + 0 "/" NR }')
    [ "${same%/*}" = "$n" ] || status=1
    printf '%-5s %22s %24s %15s %11s  %s\n' "$m" \
        "$(printf '%.1f/%.1f/%.1f' "$hmean" "$hp50" "$hp99")" "$(printf '%.1f/%.1f/%.1f' "$tmean" "$tp50" "$tp99")" \
        "$(echo "$tp50 $hp50 $tmean $hmean" | awk '{ printf "%.1fx/%.1fx", $1 / $2, $3 / $4 }')" "$same" "$spec"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
