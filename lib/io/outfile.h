/* outfile.h - crash-safe output files.
 *
 * Every artifact is written to a hidden temporary file next to its final path
 * and renamed over it only after the last byte is flushed and fsync'ed, so a
 * crash, a full disk or Ctrl-C never leaves a half-written file that Make would
 * mistake for a good one.  The previous good file, if any, stays untouched.
 * "-" means standard output (written directly: a pipe cannot be rolled back). */
#ifndef HAR_OUTFILE_H
#define HAR_OUTFILE_H

#include <stdio.h>

#include "core/err.h"

typedef struct {
    char *path;   /* final path, or "-" */
    char *tmp;    /* temporary path, NULL for stdout */
    int fd;
    FILE *fp;     /* set by har_out_stdio() */
} har_out;

/* binary != 0 refuses to write to a terminal (binary data would garble it). */
int har_out_open(har_out *o, const char *path, int binary, har_err *e);

/* A stdio stream on the output, for text artifacts.  Owned by o. */
FILE *har_out_stdio(har_out *o, har_err *e);

/* Flush, fsync, close and rename into place.  On failure the temporary file is
 * removed and the final path keeps its previous content. */
int har_out_commit(har_out *o, har_err *e);

/* Commits n outputs as one: every flush, fsync and close happens before the
 * first rename, so a write error (full disk, file-size limit) leaves every
 * final path as it was.  Only a failing rename, after all data is safely
 * written, can leave the set partly replaced; the error then says which
 * outputs were replaced.  On failure the remaining temporaries are removed. */
int har_out_commit_all(har_out *outs, size_t n, har_err *e);

/* Discard: remove the temporary file.  Safe to call on a committed or zeroed o. */
void har_out_abort(har_out *o);

/* Installs handlers so SIGINT/SIGTERM/SIGHUP/SIGPIPE, and exit() (e.g. from
 * har_die), remove pending temporary files, and ignores SIGXFSZ so that a
 * file-size limit surfaces as a write error (EFBIG) with a message instead of
 * a silent kill. */
void har_out_install_signal_handlers(void);

/* True if path names standard input/output. */
int har_is_stdio(const char *path);

#endif
