#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idlist.h"

/* First position whose id is >= id. */
static size_t lower_bound(const har_idlist *l, int32_t id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long har_idlist_index(const har_idlist *l, int32_t id)
{
    size_t lo = lower_bound(l, id);
    return lo < l->n && l->ids[lo] == id ? (long)lo : -1;
}

int har_idlist_contains(const har_idlist *l, int32_t id)
{
    return har_idlist_index(l, id) >= 0;
}

int har_idlist_add(har_idlist *l, int32_t id, har_err *e)
{
    size_t lo = lower_bound(l, id);
    if (lo < l->n && l->ids[lo] == id)
        return 0;
    /* The capacity doubles (it is the smallest power of two >= n, at least
     * 8, so it needs no field of its own): a list built one id at a time,
     * like the range 1-99999, costs O(n) allocations' worth of copying, not
     * O(n^2). */
    int32_t *ids = l->ids;
    if (l->n == 0 || (l->n >= 8 && (l->n & (l->n - 1)) == 0)) {
        size_t cap = l->n < 8 ? 8 : 2 * l->n;
        if (!(ids = realloc(l->ids, cap * sizeof *ids)))
            return har_fail(e, HAR_EIO, "out of memory");
    }
    memmove(ids + lo + 1, ids + lo, (l->n - lo) * sizeof *ids);
    ids[lo] = id;
    l->ids = ids;
    l->n++;
    return 0;
}

static int parse_int(const char **p, long *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno)
        return -1;
    *out = v;
    *p = end;
    return 0;
}

int har_idlist_parse(har_idlist *l, const char *s, int32_t lo, int32_t hi, const char *what, har_err *e)
{
    memset(l, 0, sizeof *l);
    if (strcmp(s, "none") == 0 || *s == '\0')
        return 0;
    const char *p = s;
    for (;;) {
        long a, b;
        if (parse_int(&p, &a))
            goto bad;
        b = a;
        if (*p == '-') {
            p++;
            if (parse_int(&p, &b) || b < a)
                goto bad;
        }
        if (a < lo || b > hi) {
            har_idlist_free(l);
            return har_fail(e, HAR_EUSAGE, "%s: id %ld is outside %d..%d", what, a < lo ? a : b, lo, hi);
        }
        if (b - a >= HAR_IDLIST_MAX || l->n + (size_t)(b - a) >= HAR_IDLIST_MAX) {
            har_idlist_free(l);
            return har_fail(e, HAR_EUSAGE, "%s: more than %d ids in '%s'", what, HAR_IDLIST_MAX, s);
        }
        for (long v = a; v <= b; v++)
            if (har_idlist_add(l, (int32_t)v, e)) {
                har_idlist_free(l);
                return HAR_EIO;
            }
        if (*p == '\0')
            return 0;
        if (*p != ',')
            goto bad;
        p++;
    }
bad:
    har_idlist_free(l);
    return har_fail(e, HAR_EUSAGE, "%s: cannot parse '%s' (expected a list like 1,3,5-9, or none)", what, s);
}

char *har_idlist_format(const har_idlist *l, har_err *e)
{
    size_t cap = l->n * 12 + 1;
    char *buf = har_malloc(cap, e);
    if (!buf)
        return NULL;
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%d", i ? "," : "", l->ids[i]);
    return buf;
}

int har_idlist_intersect(const har_idlist *a, const har_idlist *b, har_idlist *out, har_err *e)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < a->n; i++)
        if (har_idlist_contains(b, a->ids[i]) && har_idlist_add(out, a->ids[i], e)) {
            har_idlist_free(out);
            return HAR_EIO;
        }
    return 0;
}

void har_idlist_free(har_idlist *l)
{
    free(l->ids);
    l->ids = NULL;
    l->n = 0;
}
