#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io/outfile.h"
#include "core/version.h"

static const char *prog = "har";
static int dying; /* har_die has reported the error that ends the run */
static int typed_argc;
static char **typed_argv;

/* At exit, what went to standard output must have been written: a full
 * disk or a write error that only the final flush sees would otherwise end
 * in exit 0 with the output cut short (GNU's close_stdout does the same).
 * A closed pipe never gets here: SIGPIPE ends the process first.  After
 * har_die the run already ends with its own message and code. */
static void check_stdout(void)
{
    if (dying || (fflush(stdout) == 0 && !ferror(stdout)))
        return;
    int err = errno;
    fprintf(stderr, "%s: cannot write to standard output: %s\n", prog, err ? strerror(err) : "write error");
    _exit(HAR_EIO);
}

void har_cli_init(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    prog = slash ? slash + 1 : argv[0];
    typed_argv = malloc((size_t)(argc + 1) * sizeof *typed_argv);
    if (typed_argv) {
        memcpy(typed_argv, argv, (size_t)(argc + 1) * sizeof *typed_argv);
        typed_argc = argc;
    }
    har_out_install_signal_handlers();
    atexit(check_stdout);
}

void har_cli_args(int *argc, char ***argv)
{
    *argc = typed_argc;
    *argv = typed_argv;
}

const char *har_prog(void) { return prog; }

void har_die(const har_err *e)
{
    fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg : "failed");
    dying = 1;
    exit(e->code ? e->code : HAR_EIO);
}

void har_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    exit(HAR_EUSAGE);
}

void har_print_version(void)
{
    printf("%s (har) %s\n", prog, HAR_VERSION);
}

double har_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
