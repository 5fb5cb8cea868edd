#include <errno.h>
#include <limits.h>
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

/* The capacity is implicit: the smallest power of two >= n, at least 8.
 * Growing by doubling keeps a list built one id at a time, like the range
 * 1-99999, at O(n) copying, not O(n^2). */
static size_t capacity_for(size_t n)
{
    if (n <= 8)
        return 8;
    n--; /* smear the top bit down: the next power of two, in six steps */
    for (unsigned shift = 1; shift < sizeof n * CHAR_BIT; shift *= 2)
        n |= n >> shift;
    return n + 1;
}

/* Makes room for `more` ids after the n there are. */
static int reserve(har_idlist *l, size_t more, har_err *e)
{
    size_t need = capacity_for(l->n + more);
    if (l->n == 0 || need > capacity_for(l->n)) {
        int32_t *ids = realloc(l->ids, need * sizeof *ids);
        if (!ids)
            return har_fail(e, HAR_EIO, "out of memory");
        l->ids = ids;
    }
    return 0;
}

int har_idlist_add(har_idlist *l, int32_t id, har_err *e)
{
    /* Ids usually arrive in order (one per window, ranges, merges): append
     * without searching. */
    if (l->n && id == l->ids[l->n - 1])
        return 0;
    size_t at = l->n && id > l->ids[l->n - 1] ? l->n : lower_bound(l, id);
    if (at < l->n && l->ids[at] == id)
        return 0;
    if (reserve(l, 1, e))
        return HAR_EIO;
    memmove(l->ids + at + 1, l->ids + at, (l->n - at) * sizeof *l->ids);
    l->ids[at] = id;
    l->n++;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and removes repeats: the ids written out of order. */
static void sort_unique(har_idlist *l)
{
    qsort(l->ids, l->n, sizeof *l->ids, cmp_id);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (k == 0 || l->ids[i] != l->ids[k - 1])
            l->ids[k++] = l->ids[i];
    l->n = k;
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
    int sorted = 1;
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
        /* Ids are appended as written and sorted once at the end: inserting
         * each into place made "50000-99999,0-49999" quadratic. */
        if (reserve(l, (size_t)(b - a + 1), e)) {
            har_idlist_free(l);
            return HAR_EIO;
        }
        sorted = sorted && (l->n == 0 || a > l->ids[l->n - 1]);
        for (long v = a; v <= b; v++)
            l->ids[l->n++] = (int32_t)v;
        if (*p == '\0') {
            if (!sorted)
                sort_unique(l);
            return 0;
        }
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
    /* Both are sorted: one merge pass, and every id found is appended. */
    memset(out, 0, sizeof *out);
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->ids[i] < b->ids[j]) {
            i++;
        } else if (a->ids[i] > b->ids[j]) {
            j++;
        } else {
            if (har_idlist_add(out, a->ids[i], e)) {
                har_idlist_free(out);
                return HAR_EIO;
            }
            i++;
            j++;
        }
    }
    return 0;
}

void har_idlist_free(har_idlist *l)
{
    free(l->ids);
    l->ids = NULL;
    l->n = 0;
}
