/* idlist.h - sorted sets of small non-negative integer ids (subjects,
 * activities), parsed from and printed as "1,3,5-9". */
#ifndef HAR_IDLIST_H
#define HAR_IDLIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Most ids a parsed list may write out (ranges expanded, repeats counted):
 * subject and activity ids are small, and a range like 0-2147483647 must not
 * expand into gigabytes. */
#ifndef HAR_IDLIST_MAX /* the fuzz build lowers it (Makefile, FUZZ_CFLAGS) */
#define HAR_IDLIST_MAX 100000
#endif

typedef struct {
    int32_t *ids; /* sorted ascending, unique; grown by har_idlist_add only */
    size_t n;
} har_idlist;

/* Parses "1,3,5-9" (ranges inclusive, order and duplicates irrelevant).
 * Every id must lie in [lo, hi].  "none" or "" gives the empty set.
 * what names the option in errors (e.g. "--test-subjects"). */
int har_idlist_parse(har_idlist *l, const char *s, int32_t lo, int32_t hi, const char *what, har_err *e);
/* Adds one id, keeping the set sorted. */
int har_idlist_add(har_idlist *l, int32_t id, har_err *e);
int har_idlist_contains(const har_idlist *l, int32_t id);
/* Index of id in the set, or -1. */
long har_idlist_index(const har_idlist *l, int32_t id);
/* Formats as "1,3,5,6,7" (every id; "" if empty). Caller frees. */
char *har_idlist_format(const har_idlist *l, har_err *e);
/* The ids in both a and b, in out (caller frees out). */
int har_idlist_intersect(const har_idlist *a, const har_idlist *b, har_idlist *out, har_err *e);
void har_idlist_free(har_idlist *l);

#endif
