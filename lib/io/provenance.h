/* provenance.h - who made a tensor file, from what, with which command.
 *
 * Each tool stamps its outputs with metadata "tool", "tool_version",
 * "arguments" (shell-quoted, so the command can be re-run) and "input_digest"
 * (SHA-256 of what it read), and appends one line to "lineage", so a file
 * carries its whole history: ingest -> split -> norm -> ... */
#ifndef HAR_PROVENANCE_H
#define HAR_PROVENANCE_H

#include "core/err.h"
#include "tensorfile.h"

/* argv[1..argc) joined with spaces, each word quoted for POSIX sh if needed. */
char *har_join_args(int argc, char *const argv[], har_err *e);

int har_provenance_stamp(har_tfile *f, const char *tool, int argc, char *const argv[],
                         const char *input_digest, har_err *e);

#endif
