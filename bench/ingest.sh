#!/bin/sh
# bench/ingest.sh - har-ingest against the numpy/scipy reference on the
# whole HAPT dataset, in the same run; both single-threaded.  Prints the
# best of 3 runs of each and the ratio, and checks the windows agree.
#   sh bench/ingest.sh            (after `make`)
set -eu
cd "$(dirname "$0")/.."
data=${1:-data/hapt}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best() { sort -n | head -n 1; }
har=$(for i in 1 2 3; do
    s=$(date +%s.%N); bin/har-ingest -q "$data" -o "$out/w.safetensors.gz"; e=$(date +%s.%N)
    echo "$e - $s" | bc
done | best)
ref=$(for i in 1 2 3; do
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/ingest_reference.py "$data" \
        "$out/w.safetensors.gz" | sed -n 's/^seconds=//p'
done | best)
echo "har-ingest:            $har s (best of 3)"
echo "numpy/scipy reference: $ref s (best of 3, windows checked equal)"
echo "ratio: $(echo "scale=1; $ref / $har" | bc)x"
