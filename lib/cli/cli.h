/* cli.h - what every har tool does the same way: name in messages, exit
 * codes, --version, and (cli/opt.h) the shared options and their parsing. */
#ifndef HAR_CLI_H
#define HAR_CLI_H

#include <stdio.h>

#include "cli/opt.h"
#include "core/err.h"

/* Text every --help ends with. */
#define HAR_EXIT_CODES_HELP                                                              \
    "Exit status:\n"                                                                     \
    "  0  success\n"                                                                     \
    "  1  invalid input data (the message names the file, line or tensor)\n"             \
    "  2  invalid command line\n"                                                        \
    "  3  I/O or system error (cannot read or write a file, out of memory)\n"

/* Records the program name and the command line as typed (getopt later
 * permutes argv), and installs the output-cleanup handlers. */
void har_cli_init(int argc, char **argv);
const char *har_prog(void);
/* The command line as typed, for provenance metadata. */
void har_cli_args(int *argc, char ***argv);

/* Prints "prog: message" on stderr and exits with e->code. */
_Noreturn void har_die(const har_err *e);
/* Prints "prog: message" and a --help hint, exits 2. */
_Noreturn void har_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void har_print_version(void);

/* Seconds since an arbitrary point, for timing summaries. */
double har_now(void);

#endif
