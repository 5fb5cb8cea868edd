#!/bin/sh
# run_slurm.sh shared|alone NAME COMMAND [ARG...] - runs one step of the
# pipelines as a Slurm job step (Makefile: RUN and RUN_ALONE with
# RUNNER=slurm), waiting for it like a local command: its standard input,
# output, error and exit status are the command's, so redirections, pipes,
# a failing job failing its target and .DELETE_ON_ERROR work as locally.
#
# What each step asks for:
#   --job-name   NAME (make's target)
#   --cpus-per-task  the threads the step computes with: har-train's
#                    HAR_THREADS (SLURM_TRAIN_CPUS, default 2), 1 for every
#                    other tool; OpenBLAS gets as many (results do not
#                    depend on either)
#   --mem        SLURM_MEM (default 3G)
#   --time       SLURM_TIME (default 60 minutes)
#   --exclusive  for an 'alone' step (a run whose seconds a report compares):
#                the node to itself, as the machine lock gives it locally
#   SRUN_FLAGS   anything else (partition, account, QOS), word-split
# From a login node srun makes a job of one step; inside an sbatch or
# salloc allocation it makes a step of that job.
set -eu
mode=$1 name=$2
shift 2
case $mode in
    shared) exclusive= ;;
    alone)  exclusive=--exclusive ;;
    *)      echo "run_slurm.sh: mode must be shared or alone, not '$mode'" >&2; exit 2 ;;
esac
cpus=1
case ${1##*/} in
    har-train) cpus=${SLURM_TRAIN_CPUS:-2} ;;
esac
export HAR_THREADS=$cpus OPENBLAS_NUM_THREADS=$cpus
# shellcheck disable=SC2086 # SRUN_FLAGS is a list of flags
exec srun --quiet --ntasks=1 --job-name="$name" --cpus-per-task="$cpus" --mem="${SLURM_MEM:-3G}" \
    --time="${SLURM_TIME:-60}" $exclusive ${SRUN_FLAGS:-} "$@"
