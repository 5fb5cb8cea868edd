/* err.h - one error record passed down every call that can fail.
 *
 * Library functions never print and never exit: they fill a har_err and return
 * non-zero, and the tool decides what to do.  The code doubles as the process
 * exit status, so every tool documents the same four codes. */
#ifndef HAR_ERR_H
#define HAR_ERR_H

enum {
    HAR_OK = 0,
    HAR_EDATA = 1,  /* input is malformed or violates a rule (bad number, leakage, ...) */
    HAR_EUSAGE = 2, /* bad command line */
    HAR_EIO = 3,    /* cannot read/write a file, out of memory, other system failure */
    HAR_EAUDIT = 4  /* har-split --audit found subjects shared between outputs */
};

typedef struct {
    int code;
    char msg[1024];
} har_err;

/* Sets e (if not NULL) and returns code, so callers can `return har_fail(...)`. */
int har_fail(har_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "context: " to an existing message (e.g. a file name). */
int har_err_prefix(har_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Allocation helpers that report out-of-memory through e. */
void *har_malloc(size_t n, har_err *e);
void *har_calloc(size_t n, size_t size, har_err *e);
char *har_strdup(const char *s, har_err *e);

#endif
