#!/bin/sh
# run_locked.sh shared|alone LOCKDIR COMMAND [ARG...] - runs COMMAND under the
# pipelines' machine lock (Makefile: RUN and RUN_ALONE).
#   shared  alongside other shared runs, but never while an 'alone' run holds
#           the machine or waits for it
#   alone   by itself: waits until no other run is going; new runs wait for it
# flock(1) on LOCKDIR/machine (shared or exclusive).  A run waiting to be alone
# holds LOCKDIR/gate, which every shared run passes through first, so new
# shared runs cannot keep overtaking it.  COMMAND's exit status is returned.
set -eu
mode=$1 dir=$2
shift 2
mkdir -p "$dir"
case $mode in
    shared) flock "$dir/gate" true
            exec flock -s "$dir/machine" "$@" ;;
    alone)  exec flock "$dir/gate" flock -x "$dir/machine" "$@" ;;
    *)      echo "run_locked.sh: mode must be shared or alone, not '$mode'" >&2; exit 2 ;;
esac
