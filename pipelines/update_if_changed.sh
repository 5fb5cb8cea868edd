#!/bin/sh
# update_if_changed.sh FILE - standard input becomes FILE only if it differs
# from it, so FILE's time changes only when its content does (the definition
# files the pipelines' stages depend on: a changed option reruns a stage, a
# re-read one does not).  The temporary file is private to this run: two
# makes writing the same definition at once (the studies' sub-makes under
# make -j) cannot take each other's.
set -eu
tmp=$(mktemp "$1.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
if ! cmp -s "$tmp" "$1"; then
    chmod 644 "$tmp"
    mv "$tmp" "$1"
fi
