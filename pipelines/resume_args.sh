#!/bin/sh
# resume_args.sh LAST PREREQ... - prints har-train's `--resume LAST` when LAST
# can continue the run a recipe is about to start, else nothing (the run
# starts from scratch).  LAST can continue it when it is newer than every
# prerequisite of the target (the run's definition, its data, the har-train
# binary: so a run of this definition on these inputs wrote it) and it
# records a run still going (metadata stop_reason "running"): a job that was
# cancelled, hit its time limit or lost its node.  har-train checks the
# hyperparameters and the data digests again and refuses a mismatch.  Says on
# standard error when it resumes; the resumed run ends with the same bytes
# as an uninterrupted one.
set -eu
last=$1
shift
[ -s "$last" ] || exit 0
for p in "$@"; do
    [ "$last" -nt "$p" ] || exit 0
done
# The safetensors header (JSON, after an 8-byte length) opens the stream.
gzip -dc "$last" 2>/dev/null | head -c 1000000 | grep -a -q '"stop_reason":"running"' || exit 0
echo "resume_args.sh: continuing $last (newer than every input, its run unfinished)" >&2
printf -- '--resume %s\n' "$last"
