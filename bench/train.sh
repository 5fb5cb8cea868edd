#!/bin/sh
# bench/train.sh - har-train against PyTorch (CPU, eager) on the same windows,
# same models and same recipe, in one run.
#
# For each model (GRU-64 -> dense-6, LSTM-64 -> dense-6, MLP 2 x 256 on the
# flattened windows) both are timed with 1 and 2 threads and reported at their
# best (har-train's weights are bit-identical either way; PyTorch's OpenMP
# threads fight each other on this machine).  Seconds per epoch are the fastest of the epochs run
# (training on the 17 non-validation train subjects plus the validation pass),
# GFLOP/s counts the recurrent layer's forward + backward work
# (3 x 2 G H (C + H) per timestep and window), peak memory is the maximum RSS.
#   sh bench/train.sh [EPOCHS]   (after `make data`; HAR_BIN=dir picks the binaries)
set -eu
cd "$(dirname "$0")/.."
epochs=${1:-3}
train=build/data/hapt-train-norm.safetensors.gz
val=build/data/hapt-val-norm.safetensors.gz
[ -f "$train" ] || { echo "bench/train.sh: run 'make data' first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
py=/usr/bin/python3

har_run() { # model-spec threads -> "seconds rss_mb"
    /usr/bin/time -f '%M' -o "$out/rss" "${HAR_BIN:-bin}"/har-train -q "$train" "$val" -m "$1" --threads "$2" \
        --epochs "$epochs" --patience 0 --schedule constant --log none --curves "$out/c.csv" \
        -o "$out/m.safetensors.gz" || [ $? -eq 0 ]
    s=$(awk -F, 'NR > 1 { if (best == "" || $NF < best) best = $NF } END { print best }' "$out/c.csv")
    echo "$s $(($(cat "$out/rss") / 1024))"
}
torch_run() { # model threads -> "seconds rss_mb"
    OMP_NUM_THREADS=$2 $py bench/train_torch.py "$1" "$train" "$val" --epochs "$epochs" --threads "$2" \
        | sed -n 's/^best_seconds=\([^ ]*\) peak_rss_mb=\(.*\)/\1 \2/p'
}
best_of() { # "s rss" lines -> the line with the smallest s, plus its thread count
    awk '{ if (best == "" || $1 < best) { best = $1; line = $0 " " NR } } END { print line }'
}
n=$($py -c "import sys; sys.path.insert(0, 'bench'); import train_torch as t; print(len(t.load('$train')['y']))")
printf '%-8s %14s %16s %8s %14s %14s\n' model "har s/epoch" "torch s/epoch" ratio "har GFLOP/s" "RSS har/torch"
for m in gru lstm mlp; do
    case $m in
    gru) spec=gru:64,dense:6; gates=3 ;;
    lstm) spec=lstm:64,dense:6; gates=4 ;;
    mlp) spec=flatten,dense:256,relu,dense:256,relu,dense:6; gates=0 ;;
    esac
    h=$( (har_run "$spec" 1; har_run "$spec" 2) | best_of)
    t=$( (torch_run $m 1; torch_run $m 2) | best_of)
    set -- $h $t
    hs=$1 hr=$2 ht=$3 ts=$4 tr=$5 tt=$6
    if [ $gates -gt 0 ]; then
        gf=$(echo "scale=1; 3 * 2 * $gates * 64 * (9 + 64) * 128 * $n / $hs / 10^9" | bc)
    else
        gf=-
    fi
    printf '%-8s %9s (%dt) %11s (%dt) %7.1fx %14s %9s/%s MB\n' $m "$hs" "$ht" "$ts" "$tt" \
        "$(echo "$ts / $hs" | bc -l)" "$gf" "$hr" "$tr"
done
