#include <math.h>
#include <stdio.h>
#include <stdint.h>
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

/* Exact powers of ten: every 10^k for k <= 22 is representable in a double. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Decimal number in [s, end) without calling strtod, when that is exact:
 * with at most 2^53 as the integer of significant digits and a power of ten
 * up to 22, m * 10^k or m / 10^k is a single correctly rounded IEEE operation
 * (Clinger's fast path), so the result is bit-identical to strtod's.
 * Returns 0 when the fast path does not apply; the caller uses strtod. */
static int parse_fast(const char *s, const char *end, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    int digits = 0, exp10 = 0, any = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
        if (m == 0 && *p == '0')
            continue; /* leading zeros are not significant */
        if (++digits > 19)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
            exp10--;
            if (m == 0 && *p == '0')
                continue;
            if (++digits > 19)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (!any)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, e = 0, edigits = 0;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (++edigits > 4)
                return 0;
            else
                e = e * 10 + (*p - '0');
        if (!edigits)
            return 0;
        exp10 += eneg ? -e : e;
    }
    if (p != end || m > ((uint64_t)1 << 53))
        return 0;
    double v = (double)m;
    if (m == 0)
        v = 0.0;
    else if (exp10 < 0 && exp10 >= -22)
        v /= pow10_exact[-exp10];
    else if (exp10 >= 0 && exp10 <= 22)
        v *= pow10_exact[exp10];
    else
        return 0;
    *out = neg ? -v : v;
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
            double v;
            int whole = parse_fast(f, p, &v);
            if (!whole) {
                /* strtod needs a NUL-terminated copy: the field may end at
                 * the end of the line, not at a NUL. */
                size_t len = (size_t)(p - f);
                char small[128], *copy = len < sizeof small ? small : malloc(len + 1);
                if (copy) {
                    memcpy(copy, f, len);
                    copy[len] = '\0';
                    char *stop;
                    v = strtod(copy, &stop);
                    whole = stop == copy + len;
                    if (copy != small)
                        free(copy);
                }
            }
            unsigned char st = HAR_FIELD_OK;
            if (!whole) {
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

/* har-infer's line reader and number parser (moved here from the tool so
 * they can be fuzzed; see textparse.h). */
int har_read_line(FILE *fp, char *buf, size_t cap, size_t *len)
{
    if (!fgets(buf, (int)cap, fp))
        return 0;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    } else if (n == cap - 1 && !feof(fp)) {
        int c;
        while ((c = getc(fp)) != EOF && c != '\n')
            ;
        return -1;
    }
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    *len = n;
    return 1;
}

int har_parse_numbers(const char *s, size_t n, double *out, unsigned char *status, int want, char *why,
                      size_t whylen)
{
    int got = har_parse_fields(s, n, out, status, want);
    if (got != want) {
        snprintf(why, whylen, "expected %d numbers, found %d", want, got);
        return -1;
    }
    for (int i = 0; i < want; i++)
        if (status[i] != HAR_FIELD_OK) {
            char field[40];
            har_field_text(s, n, i, field, sizeof field);
            snprintf(why, whylen, "value %d ('%s') is %s", i + 1, field,
                     status[i] == HAR_FIELD_NONFINITE ? "not finite" : "not a number");
            return -1;
        }
    return 0;
}
