#!/bin/sh
# bench/latency.sh - har-latency against ONNX Runtime and PyTorch eager (CPU,
# batch 1, one thread) on the same checkpoints and the same windows, in one
# run, for every model of the zoo (pipelines/specs.mk: GRU-64, LSTM-64, the
# CNN, the CNN-GRU and the 2 x 256 MLP).
#
# Each model is trained for one epoch (the weights do not change the time,
# and the bench then works on a fresh checkout after `make data`), then one
# raw test window at a time is classified by:
#   har    har-latency: predict_activity() (checking and normalising the
#          window, the forward pass, the softmax);
#   ORT    ONNX Runtime 1.31 (the library inside the npm package
#          onnxruntime-node, bench/onnx/) through its C API
#          (bench/onnx/ort_latency.c), running the model har-export wrote:
#          the normalisation and the softmax are in its graph, so it does
#          what predict_activity() does; input and outputs bound to buffers
#          made once; one intra-op and one inter-op thread, sequential,
#          every graph optimisation;
#   torch  bench/latency_torch.py: the same model built in torch from the
#          spec with the checkpoint's weights loaded by name, model(x) and
#          the softmax under no_grad and eval, on windows normalised
#          beforehand (its timed region does less than the others').
# All three take the first N windows of the test split after 50 warm-up
# windows, one run after the other (never side by side), in ROUNDS rounds
# (default 5) over all the models; each is reported from its round with the
# lowest p50, since this machine's speed drifts (the same binary's p50
# varies up to 2x between runs a minute apart).  Printed: mean,
# p50 and p99 in microseconds, the ratios of the medians and of the means
# (peer / har), and on how many of the N windows each peer predicts har's
# class (the exit status is 1 if any differs).  The machine's load average
# goes with the figures, since other work perturbs them.
#
# The goal columns: bench/floor.c measures this core's fp32 FMA peak and its
# read bandwidth, and gives each model's floor, the least time any fp32
# implementation can take (max of its multiply-adds at the peak and the
# bytes it must read at the bandwidth: every weight once, a recurrent
# layer's W_hh once per step).  The goal is half ONNX
# Runtime's p50, or 1.25 x the floor where half ONNX Runtime's p50 is below
# the floor; "met" compares har's p50 with it.  The floor is measured in
# every round and each model's lowest is kept.  Last, where a recurrent
# step's time goes (bench/recurrent_step.c, on an AVX-512 machine).
#   sh bench/latency.sh [N] [MODEL...]   (after `make data` and
#   `make packages-onnx`; HAR_BIN=dir picks the binaries, ROUNDS=R the rounds)
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
[ $# -gt 0 ] && shift
rounds=${ROUNDS:-5}
models=${*:-gru lstm cnn cnn-gru mlp}
bin=${HAR_BIN:-bin}
train=build/data/hapt-train-norm.safetensors.gz
val=build/data/hapt-val-norm.safetensors.gz
test=build/data/hapt-test.safetensors.gz
for f in "$train" "$val" "$test"; do
    [ -f "$f" ] || { echo "bench/latency.sh: $f is missing; run 'make data' first" >&2; exit 1; }
done
ort=bench/onnx/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
[ -f "$ort" ] || { echo "bench/latency.sh: $ort is missing; run 'make packages-onnx' first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
py=/usr/bin/python3
status=0
cc -std=c11 -O2 -Wall -Wextra -Werror bench/onnx/ort_latency.c -ldl -o "$out/ort_latency"
[ -f build/libhar.a ] || { echo "bench/latency.sh: build/libhar.a is missing; run 'make' first" >&2; exit 1; }
cc -std=c11 -O2 -march=native -ffp-contract=fast -Wall -Wextra -Werror -Ilib bench/floor.c build/libhar.a \
    $(pkg-config --libs libcjson zlib libcrypto openblas libprotobuf-c) -lm -pthread -o "$out/floor"
cc -std=c11 -O2 -Wall -Wextra -Werror -Ilib bench/recurrent_step.c build/libhar.a \
    $(pkg-config --libs libcjson zlib libcrypto openblas libprotobuf-c) -lm -pthread -o "$out/recurrent_step"

field() { # json-file key [subkey] -> value
    $py -c "import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(v[sys.argv[3]] if len(sys.argv) > 3 else v)" "$@"
}
summary() { # "mean_us=.. p50_us=.. p99_us=.." key -> value
    echo "$1" | sed -n "s/.*$2=\([^ ]*\).*/\1/p"
}
agree() { # har-predictions.csv peer-labels.txt -> agreeing/total
    cut -d, -f3 "$1" | tail -n +2 | paste -d' ' - "$2" | awk '$1 == $2 { s++ } END { print s + 0 "/" NR }'
}

# The windows as text for ONNX Runtime: the first N of the test split,
# cycling, every float exactly (%.9g).
$py - "$test" "$n" > "$out/windows.txt" <<'PY'
import sys
sys.path.insert(0, "bench")
from latency_torch import load_har
arrays, _ = load_har(sys.argv[1])
X, n = arrays["X"], int(sys.argv[2])
for i in range(n):
    print(" ".join("%.9g" % v for v in X[i % len(X)].ravel()))
PY

for m in $models; do
    spec=$(sed -n "s/^SPEC_$m *:= *//p" pipelines/specs.mk)
    [ -n "$spec" ] || { echo "bench/latency.sh: no SPEC_$m in pipelines/specs.mk" >&2; exit 2; }
    "$bin"/har-train -q "$train" "$val" -m "$spec" -e 1 --patience 0 --log none -o "$out/$m.safetensors.gz" --threads 1
    "$bin"/har-export -q "$out/$m.safetensors.gz" -o "$out/$m.onnx"
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $n windows of $test, batch 1, 1 thread, best of $rounds rounds"
best() { # FILE "summary": keeps in FILE the summary with the lower p50
    if [ ! -s "$1" ] || [ "$(echo "$(summary "$2" p50_us) $(summary "$(cat "$1")" p50_us)" |
                            awk '{ print ($1 < $2) }')" = 1 ]; then
        echo "$2" > "$1"
    fi
}
# Rounds over all the models: a slow spell of the machine (its speed varies
# by up to 2x for tens of seconds) then hits a model's runs in one round,
# not in all.  In a round, per model, har, ONNX Runtime and PyTorch one after
# the other; then the floor (its measurements are as exposed to a slow
# spell) and the recurrent step.
for r in $(seq "$rounds"); do
    for m in $models; do
        ck=$out/$m.safetensors.gz
        OPENBLAS_NUM_THREADS=1 "$bin"/har-latency "$ck" "$test" -n "$n" --json "$out/$m.json" \
            --predictions "$out/$m-har.csv" >/dev/null
        best "$out/$m.har" "$(printf 'mean_us=%s p50_us=%s p99_us=%s' "$(field "$out/$m.json" latency_us mean)" \
            "$(field "$out/$m.json" latency_us p50)" "$(field "$out/$m.json" latency_us p99)")"
        best "$out/$m.ort" "$("$out/ort_latency" "$ort" "$out/$m.onnx" "$out/windows.txt" 128 9 6 -n "$n" \
            --predictions "$out/$m-ort.txt")"
        best "$out/$m.torch" "$(OMP_NUM_THREADS=1 $py bench/latency_torch.py "$ck" "$test" -n "$n" \
            --predictions "$out/$m-torch.txt")"
    done
    "$out/floor" $(for m in $models; do echo "$out/$m.safetensors.gz"; done) >> "$out/floors"
    "$out/recurrent_step" >> "$out/steps"
done
# A floor is a least time, so the least measured in any round is the one to
# meet: the highest FMA peak and read bandwidth, and each model's lowest floor
# (from one round: a slow spell may hit either measurement).
highest() { grep '^peak_gflops' "$out/floors" | sed -n "s/.*$1=\([^ ]*\).*/\1/p" | sort -g | tail -n 1; }
peak=$(highest peak_gflops)
echo "peak_gflops=$peak (the highest of the rounds)"
printf '%-8s %19s %19s %17s %12s %9s %9s %8s %8s %9s %9s\n' model "har us mean/p50/p99" "ORT us mean/p50/p99" \
    "torch us mean/p50" "ORT/har" "torch/har" "floor us" "goal us" "met" "ORT same" "torch same"
for m in $models; do
    ck=$out/$m.safetensors.gz
    h=$(cat "$out/$m.har") o=$(cat "$out/$m.ort") t=$(cat "$out/$m.torch")
    hmean=$(summary "$h" mean_us)
    hp50=$(summary "$h" p50_us)
    hp99=$(summary "$h" p99_us)
    osame=$(agree "$out/$m-har.csv" "$out/$m-ort.txt")
    tsame=$(agree "$out/$m-har.csv" "$out/$m-torch.txt")
    [ "${osame%/*}" = "$n" ] && [ "${tsame%/*}" = "$n" ] || status=1
    floor=$(grep "^$ck " "$out/floors" | sed -n 's/.*floor_us=\([^ ]*\).*/\1/p' | sort -g | head -n 1)
    # the goal: half ONNX Runtime's p50, or 1.25 x the floor if that is below the floor
    goal=$(echo "$(summary "$o" p50_us) $floor" | awk '{ g = $1 / 2; if (g < $2) g = 1.25 * $2; printf "%.1f", g }')
    met=$(echo "$hp50 $goal" | awk '{ print ($1 <= $2 ? "yes" : "no") }')
    printf '%-8s %19s %19s %17s %12s %9s %8s %8s %9s %9s %9s\n' "$m" \
        "$(printf '%.1f/%.1f/%.1f' "$hmean" "$hp50" "$hp99")" \
        "$(printf '%.1f/%.1f/%.1f' "$(summary "$o" mean_us)" "$(summary "$o" p50_us)" "$(summary "$o" p99_us)")" \
        "$(printf '%.0f/%.0f' "$(summary "$t" mean_us)" "$(summary "$t" p50_us)")" \
        "$(echo "$(summary "$o" p50_us) $hp50 $(summary "$o" mean_us) $hmean" | awk '{ printf "%.2fx/%.2fx", $1 / $2, $3 / $4 }')" \
        "$(echo "$(summary "$t" p50_us) $hp50" | awk '{ printf "%.1fx", $1 / $2 }')" "$floor" "$goal" "$met" "$osame" "$tsame"
done
echo "ONNX Runtime $(echo "$o" | sed -n 's/.*version=\([^ ]*\).*/\1/p'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "floor parts, us (from the round of each model's lowest floor): multiply-adds at the peak, bytes at the bandwidth (MB read, at GB/s)"
printf '%-8s %10s %10s %14s %9s %9s\n' model compute memory "W_hh reads MB" "MB read" "GB/s"
for m in $models; do
    grep "^$out/$m.safetensors.gz " "$out/floors" | sort -t= -k8,8g | head -n 1 |
        awk -v m="$m" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                         printf "%-8s %10.1f %10.1f %14.2f %9.2f %9.1f\n", m, v["compute_us"], v["memory_us"],
                                v["recurrent_read_bytes"] / 1e6, v["read_bytes"] / 1e6, v["bandwidth_gbs"] }'
done
# Where a recurrent step's time goes (bench/recurrent_step.c; AVX-512 only):
# each cell from its round with the lowest step time.
if [ -s "$out/steps" ]; then
    echo "recurrent step, H = 64, ns per step (bench/recurrent_step.c), FMA floor at the highest peak:"
    printf '%-8s %8s %8s %8s %8s %10s\n' cell step product in_l1 read fma_floor
    sort -t= -k2,2n "$out/steps" | awk -v peak="$peak" '
        !seen[$1]++ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                      printf "%-8s %8.1f %8.1f %8.1f %8.1f %10.1f\n", $1, v["step_ns"], v["product_ns"], v["in_l1_ns"],
                             v["read_ns"], 2 * v["macs"] / peak }'
fi
exit $status
