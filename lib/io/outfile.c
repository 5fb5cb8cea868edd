#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* Pending temporary files, for the signal handler.  Fixed size: a tool has a
 * handful of outputs open at once; beyond that we still work, just without
 * signal-time cleanup for the extra ones. */
#define MAX_PENDING 64
static char *volatile pending[MAX_PENDING];

static void pending_add(char *tmp)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (!pending[i]) {
            pending[i] = tmp;
            return;
        }
}

static void pending_remove(const char *tmp)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i] == tmp)
            pending[i] = NULL;
}

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i])
            unlink(pending[i]); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void remove_pending(void)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i])
            unlink(pending[i]);
}

void har_out_install_signal_handlers(void)
{
    atexit(remove_pending);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    signal(SIGXFSZ, SIG_IGN);
}

int har_is_stdio(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

int har_out_open(har_out *o, const char *path, int binary, har_err *e)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (!path || !*path)
        return har_fail(e, HAR_EUSAGE, "empty output path");
    if (har_is_stdio(path)) {
        if (binary && isatty(STDOUT_FILENO))
            return har_fail(e, HAR_EUSAGE,
                            "refusing to write binary tensor data to a terminal; use -o FILE or a pipe");
        o->path = har_strdup(path, e);
        o->fd = STDOUT_FILENO;
        return o->path ? 0 : HAR_EIO;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return har_fail(e, HAR_EIO, "%s: is a directory, cannot write the output there", path);
    /* Temporary file in the same directory, so rename() is atomic. */
    char *copy1 = har_strdup(path, e), *copy2 = har_strdup(path, e);
    if (!copy1 || !copy2) {
        free(copy1);
        free(copy2);
        return HAR_EIO;
    }
    const char *dir = dirname(copy1), *base = basename(copy2);
    size_t n = strlen(dir) + strlen(base) + 16;
    o->tmp = har_malloc(n, e);
    o->path = har_strdup(path, e);
    if (o->tmp)
        snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, base);
    free(copy1);
    free(copy2);
    if (!o->tmp || !o->path) {
        har_out_abort(o);
        return HAR_EIO;
    }
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int err = errno;
        free(o->tmp);
        o->tmp = NULL;
        har_out_abort(o);
        return har_fail(e, HAR_EIO, "%s: cannot create output: %s", path, strerror(err));
    }
    pending_add(o->tmp);
    /* mkstemp makes 0600; artifacts should get the usual 0666 & ~umask. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(o->fd, 0666 & ~mask);
    return 0;
}

FILE *har_out_stdio(har_out *o, har_err *e)
{
    if (o->fp)
        return o->fp;
    int fd = dup(o->fd);
    if (fd >= 0)
        o->fp = fdopen(fd, "w");
    if (!o->fp) {
        if (fd >= 0)
            close(fd);
        har_fail(e, HAR_EIO, "%s: %s", o->path, strerror(errno));
    }
    return o->fp;
}

/* Everything that can fail before the rename: flush, fsync, close. */
static int finish(har_out *o, har_err *e)
{
    int rc = 0;
    if (o->fp) {
        if (fflush(o->fp) != 0 || ferror(o->fp))
            rc = har_fail(e, HAR_EIO, "%s: write failed: %s", o->path, strerror(errno));
        if (fclose(o->fp) != 0 && !rc)
            rc = har_fail(e, HAR_EIO, "%s: write failed: %s", o->path, strerror(errno));
        o->fp = NULL;
    }
    if (o->tmp && o->fd >= 0) {
        if (!rc && fsync(o->fd) != 0)
            rc = har_fail(e, HAR_EIO, "%s: fsync failed: %s", o->path, strerror(errno));
        if (close(o->fd) != 0 && !rc)
            rc = har_fail(e, HAR_EIO, "%s: close failed: %s", o->path, strerror(errno));
        o->fd = -1;
    }
    return rc;
}

static int put_in_place(har_out *o, har_err *e)
{
    if (o->tmp) {
        if (rename(o->tmp, o->path) != 0)
            return har_fail(e, HAR_EIO, "%s: cannot rename temporary file into place: %s", o->path,
                            strerror(errno));
        pending_remove(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    free(o->path);
    o->path = NULL;
    return 0;
}

int har_out_commit(har_out *o, har_err *e)
{
    return har_out_commit_all(o, 1, e);
}

int har_out_commit_all(har_out *outs, size_t n, har_err *e)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = finish(&outs[i], e);
    for (size_t i = 0; i < n && !rc; i++)
        if ((rc = put_in_place(&outs[i], e)) && i > 0)
            har_err_prefix(e, "%zu of %zu outputs were already replaced", i, n);
    if (rc)
        for (size_t i = 0; i < n; i++)
            har_out_abort(&outs[i]);
    return rc;
}

void har_out_abort(har_out *o)
{
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp) {
        if (o->fd >= 0)
            close(o->fd);
        unlink(o->tmp);
        pending_remove(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    o->fd = -1;
    free(o->path);
    o->path = NULL;
}
