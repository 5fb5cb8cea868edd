#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "textparse.h"

void har_lines_init(har_lines *it, const char *buf, size_t len)
{
    it->p = buf;
    it->end = buf + len;
    it->line = 0;
}

int har_lines_next(har_lines *it, const char **s, size_t *n)
{
    if (it->p >= it->end)
        return 0;
    const char *start = it->p;
    const char *nl = memchr(start, '\n', (size_t)(it->end - start));
    const char *stop = nl ? nl : it->end;
    it->p = nl ? nl + 1 : it->end;
    if (stop > start && stop[-1] == '\r')
        stop--;
    *s = start;
    *n = (size_t)(stop - start);
    it->line++;
    return 1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int har_line_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return 0;
    return 1;
}

int har_parse_fields(const char *s, size_t n, double *out, unsigned char *status, int max)
{
    const char *p = s, *end = s + n;
    int count = 0;
    for (;;) {
        while (p < end && is_space(*p))
            p++;
        if (p >= end)
            break;
        const char *f = p;
        while (p < end && !is_space(*p))
            p++;
        if (count < max) {
            /* strtod stops at whitespace or the line's terminator, so it cannot
             * run past this field; a field it does not consume whole is bad. */
            char *stop;
            double v = strtod(f, &stop);
            unsigned char st = HAR_FIELD_OK;
            if (stop != p) {
                st = HAR_FIELD_UNPARSABLE;
                v = NAN;
            } else if (!isfinite(v)) {
                st = HAR_FIELD_NONFINITE;
            }
            out[count] = v;
            if (status)
                status[count] = st;
        }
        count++;
    }
    return count;
}

void har_field_text(const char *s, size_t n, int i, char *buf, size_t bufsize)
{
    const char *p = s, *end = s + n;
    buf[0] = '\0';
    for (int k = 0;; k++) {
        while (p < end && is_space(*p))
            p++;
        if (p >= end)
            return;
        const char *f = p;
        while (p < end && !is_space(*p))
            p++;
        if (k == i) {
            size_t len = (size_t)(p - f), max = bufsize > 4 ? bufsize - 4 : 0;
            if (len > max) {
                memcpy(buf, f, max);
                strcpy(buf + max, "...");
            } else {
                memcpy(buf, f, len);
                buf[len] = '\0';
            }
            return;
        }
    }
}
