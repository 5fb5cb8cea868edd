#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int har_fail(har_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

int har_err_prefix(har_err *e, const char *fmt, ...)
{
    if (!e)
        return HAR_EIO;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right and put "prefix: " in front, truncating
     * the old message's end if the whole does not fit. */
    size_t cap = sizeof e->msg, pl = strlen(prefix), ol = strnlen(e->msg, cap - 1);
    if (pl + 2 + ol > cap - 1)
        ol = cap - 1 > pl + 2 ? cap - 1 - pl - 2 : 0;
    memmove(e->msg + pl + 2, e->msg, ol);
    e->msg[pl + 2 + ol] = '\0';
    memcpy(e->msg, prefix, pl);
    e->msg[pl] = ':';
    e->msg[pl + 1] = ' ';
    return e->code;
}

void *har_malloc(size_t n, har_err *e)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        har_fail(e, HAR_EIO, "out of memory (allocating %zu bytes)", n);
    return p;
}

void *har_calloc(size_t n, size_t size, har_err *e)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        har_fail(e, HAR_EIO, "out of memory (allocating %zu x %zu bytes)", n, size);
    return p;
}

char *har_strdup(const char *s, har_err *e)
{
    size_t n = strlen(s) + 1;
    char *p = har_malloc(n, e);
    if (p)
        memcpy(p, s, n);
    return p;
}
