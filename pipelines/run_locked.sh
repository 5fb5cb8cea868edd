#!/bin/sh
# run_locked.sh shared|alone LOCKDIR COMMAND [ARG...] - runs COMMAND under the
# pipelines' machine lock (Makefile: RUN and RUN_ALONE).
#   shared  alongside other shared runs, but never while an 'alone' run holds
#           the machine or waits for it
#   alone   by itself: waits until no other run is going; new runs wait for it
# flock(1) on LOCKDIR/machine (shared or exclusive).  A run waiting to be alone
# holds LOCKDIR/gate, which every shared run passes through first, so new
# shared runs cannot keep overtaking it.  COMMAND's exit status is returned.
# Every tool but har-train gets one OpenBLAS thread: the scores of a model
# (har-eval's log loss, its saliency maps) depend in their last bits on how
# many threads OpenBLAS splits a product over, which would otherwise be this
# machine's core count; har-train's weights do not depend on it (its
# --threads shards are added in order).  RUNNER=slurm does the same
# (run_slurm.sh), so both give the same bytes on any machine.
set -eu
mode=$1 dir=$2
shift 2
mkdir -p "$dir"
case ${1##*/} in
    har-train) ;;
    *) OPENBLAS_NUM_THREADS=1; export OPENBLAS_NUM_THREADS ;;
esac
case $mode in
    shared) flock "$dir/gate" true
            exec flock -s "$dir/machine" "$@" ;;
    alone)  exec flock "$dir/gate" flock -x "$dir/machine" "$@" ;;
    *)      echo "run_locked.sh: mode must be shared or alone, not '$mode'" >&2; exit 2 ;;
esac
