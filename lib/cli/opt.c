#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void har_opt_common(int c, void (*usage)(void))
{
    if (c == 'h') {
        usage();
        exit(0); /* a failed write of the help is caught at exit (har_cli_init) */
    }
    if (c == 'V') {
        har_print_version();
        exit(0);
    }
    har_usage_error("unknown or incomplete option");
}

void har_opt_deprecated(const char *old, const char *use)
{
    /* Once per spelling: a script that repeats the option gets one line. */
    static const char *warned[8];
    size_t n = 0;
    for (; n < sizeof warned / sizeof *warned && warned[n]; n++)
        if (!strcmp(warned[n], old))
            return;
    if (n < sizeof warned / sizeof *warned)
        warned[n] = old;
    fprintf(stderr, "%s: %s is deprecated, use %s\n", har_prog(), old, use);
}

/* The one form of every bad-value message. */
_Noreturn static void bad_value(const char *opt, const char *s, const char *what)
{
    har_usage_error("%s: expected %s, got '%s'", opt, what, s);
}

int har_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int har_parse_seed(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s == '-') /* strtoull would wrap "-1" to 2^64 - 1 */
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int har_parse_double(const char *s, double lo, double hi, int open, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* ERANGE: "1e999" or "1e-999" is not the number that was typed. */
    if (errno || end == s || *end != '\0' || !isfinite(v))
        return -1;
    if (open ? !(v > lo && v < hi) : !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

long har_opt_long(const char *s, long lo, long hi, const char *opt)
{
    long v;
    char what[80];
    if (har_parse_long(s, lo, hi, &v)) {
        snprintf(what, sizeof what, "an integer in %ld..%ld", lo, hi);
        bad_value(opt, s, what);
    }
    return v;
}

int har_opt_int(const char *s, int lo, int hi, const char *opt)
{
    return (int)har_opt_long(s, lo, hi, opt);
}

/* "a number in [lo, hi]", "(lo, hi)", ">= lo" or "> lo": the range in the
 * words of the message. */
static void describe_range(char *buf, size_t size, double lo, double hi, int open)
{
    if (isinf(hi))
        snprintf(buf, size, "a number %s %g", open ? ">" : ">=", lo);
    else
        snprintf(buf, size, "a number in %c%g, %g%c", open ? '(' : '[', lo, hi, open ? ')' : ']');
}

static double opt_double(const char *s, double lo, double hi, int open, const char *opt)
{
    double v;
    char what[80];
    if (har_parse_double(s, lo, hi, open, &v)) {
        describe_range(what, sizeof what, lo, hi, open);
        bad_value(opt, s, what);
    }
    return v;
}

double har_opt_double(const char *s, double lo, double hi, const char *opt)
{
    return opt_double(s, lo, hi, 0, opt);
}

double har_opt_double_open(const char *s, double lo, double hi, const char *opt)
{
    return opt_double(s, lo, hi, 1, opt);
}

unsigned long long har_opt_seed(const char *s, const char *opt)
{
    unsigned long long v;
    if (har_parse_seed(s, &v))
        bad_value(opt, s, "a non-negative integer");
    return v;
}

int har_opt_choice(const char *s, const char *const names[], const char *opt)
{
    char what[200] = "";
    size_t n = 0;
    for (; names[n]; n++)
        if (!strcmp(s, names[n]))
            return (int)n;
    /* "a, b or c" */
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(what);
        snprintf(what + len, sizeof what - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
    }
    bad_value(opt, s, what);
}

int har_opt_threads(const char *s, int max, int fallback)
{
    if (s)
        return har_opt_int(s, 1, max, "--threads");
    const char *env = getenv("HAR_THREADS");
    return env ? har_opt_int(env, 1, max, "HAR_THREADS") : fallback;
}
