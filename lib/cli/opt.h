/* opt.h - the command-line vocabulary the har tools share, written once.
 *
 * An option two tools both have means the same in both: the same name, the
 * same argument, the same message for a bad value (README, "Options every
 * tool shares").  So a tool takes these entries for its getopt_long table
 * rather than spelling them again, numbers its own long-only options from
 * HAR_OPT_TOOL, parses values with the har_opt_* functions and ends its
 * option switch with `default: har_opt_common(c, usage);`. */
#ifndef HAR_CLI_OPT_H
#define HAR_CLI_OPT_H

#include <getopt.h>

/* getopt_long's values for the shared options without a short form; a tool
 * numbers its own long-only options from HAR_OPT_TOOL up. */
enum { HAR_OPT_JSON = 0x100, HAR_OPT_CSV, HAR_OPT_THREADS, HAR_OPT_TOOL = 0x120 };

/* -o FILE       the main output ('-': standard output; har-split: a PREFIX) */
#define HAR_LONGOPT_OUTPUT {"output", required_argument, 0, 'o'}
/* -q            nothing on standard error but errors and warnings */
#define HAR_LONGOPT_QUIET {"quiet", no_argument, 0, 'q'}
/* -s N          the seed of every random choice the tool makes */
#define HAR_LONGOPT_SEED {"seed", required_argument, 0, 's'}
/* --json FILE   the tool's report as JSON, to FILE (a file, never a flag) */
#define HAR_LONGOPT_JSON {"json", required_argument, 0, HAR_OPT_JSON}
/* --csv FILE    the tool's report as CSV, to FILE */
#define HAR_LONGOPT_CSV {"csv", required_argument, 0, HAR_OPT_CSV}
/* --threads N   worker threads (default $HAR_THREADS); see har_opt_threads */
#define HAR_LONGOPT_THREADS {"threads", required_argument, 0, HAR_OPT_THREADS}
/* -h, -V and the end of the table: every tool has them */
#define HAR_LONGOPT_END {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}

/* Ends every tool's option switch: -h prints usage() and -V the version
 * (both exit 0); anything else is an unknown option or a missing argument,
 * which getopt has already named: exit 2. */
_Noreturn void har_opt_common(int c, void (*usage)(void));

/* An old spelling kept for one release: prints "prog: OLD is deprecated,
 * use NEW" on standard error, once per run however often OLD is given. */
void har_opt_deprecated(const char *old, const char *use);

/* Value parsers.  A value that is not what the option takes ends the run
 * with exit 2 and one message in one form, "OPT: expected WHAT, got 'S'",
 * e.g. "--lr: expected a number in [0, 1e+06], got 'x'".  The whole string
 * must be the value: "5x", "" and " 5" are refused. */
int har_opt_int(const char *s, int lo, int hi, const char *opt);
long har_opt_long(const char *s, long lo, long hi, const char *opt);
/* A finite number in [lo, hi]; hi = INFINITY: at least lo. */
double har_opt_double(const char *s, double lo, double hi, const char *opt);
/* A finite number in (lo, hi), both ends excluded; hi = INFINITY: above lo. */
double har_opt_double_open(const char *s, double lo, double hi, const char *opt);
/* Any whole number from 0 to 2^64 - 1. */
unsigned long long har_opt_seed(const char *s, const char *opt);
/* The index of s in names (NULL-terminated): for an option that takes one
 * of a few words ("expected csv or json, got 'x'"). */
int har_opt_choice(const char *s, const char *const names[], const char *opt);
/* --threads s, 1..max; without s (NULL) the environment's HAR_THREADS, and
 * without that, fallback.  A bad HAR_THREADS is refused as a bad option. */
int har_opt_threads(const char *s, int max, int fallback);

/* The parsers behind har_opt_long and har_opt_seed, without the exit: 0 and
 * *out set, or -1 (not a whole decimal number, or out of range). */
int har_parse_long(const char *s, long lo, long hi, long *out);
int har_parse_seed(const char *s, unsigned long long *out);
/* 0 and *out set if s is a whole finite number in [lo, hi], or in (lo, hi)
 * if open; else -1. */
int har_parse_double(const char *s, double lo, double hi, int open, double *out);

#endif
