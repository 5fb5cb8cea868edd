/* test_split.c - subject-disjoint split plans, the leakage audit and the
 * window-level operations har-split is built from (the tool itself:
 * tests/tools/test_split_tool.c).
 *
 * The plan is checked as a property over many random settings rather than a
 * few hand-picked cases: leakage bugs hide in the corners (empty test sets,
 * one subject per fold, non-contiguous ids) that examples tend to miss. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/split.h"
#include "data/windows.h"
#include "testutil.h"

static har_idlist list_of(const int32_t *ids, size_t n)
{
    har_idlist l = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(har_idlist_add(&l, ids[i], NULL), 0);
    return l;
}

static int lists_equal(const har_idlist *a, const har_idlist *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->ids, b->ids, a->n * sizeof *a->ids) == 0);
}

/* ---- random settings for the property test --------------------------------- */

enum { MODE_NONE, MODE_VAL, MODE_VAL_COUNT, MODE_FOLDS, MODE_LOSO, NMODES };

typedef struct {
    har_idlist present, test, val;
    har_split_opts o;
    int mode;
} setting;

/* n distinct ids drawn from 0..199, so they are sparse and unordered. */
static har_idlist random_ids(har_rng *r, size_t n)
{
    har_idlist l = {0};
    while (l.n < n)
        ck_assert_int_eq(har_idlist_add(&l, (int32_t)har_rng_below(r, 200), NULL), 0);
    return l;
}

/* Present subjects not in test (the pool the non-test outputs share). */
static har_idlist pool_of(const setting *st)
{
    har_idlist p = {0};
    for (size_t i = 0; i < st->present.n; i++)
        if (!har_idlist_contains(&st->test, st->present.ids[i]))
            ck_assert_int_eq(har_idlist_add(&p, st->present.ids[i], NULL), 0);
    return p;
}

static void random_test_set(har_rng *r, setting *st)
{
    size_t ntest = har_rng_below(r, st->present.n - 1); /* leaves >= 2 non-test subjects */
    while (st->test.n < ntest) {
        int32_t id = st->present.ids[har_rng_below(r, st->present.n)];
        ck_assert_int_eq(har_idlist_add(&st->test, id, NULL), 0);
    }
    /* Sometimes also name a test subject that has no windows at all. */
    if (har_rng_below(r, 4) == 0)
        ck_assert_int_eq(har_idlist_add(&st->test, 1000 + (int32_t)har_rng_below(r, 10), NULL), 0);
}

static void random_mode(har_rng *r, setting *st)
{
    har_idlist pool = pool_of(st);
    st->mode = (int)har_rng_below(r, NMODES);
    st->o.test = &st->test;
    st->o.seed = har_rng_u64(r);
    size_t k = 1 + har_rng_below(r, pool.n - 1); /* 1 .. pool.n - 1 */
    if (st->mode == MODE_VAL) {
        while (st->val.n < k)
            ck_assert_int_eq(har_idlist_add(&st->val, pool.ids[har_rng_below(r, pool.n)], NULL), 0);
        st->o.val = &st->val;
    } else if (st->mode == MODE_VAL_COUNT) {
        st->o.val_count = (int)k;
    } else if (st->mode == MODE_FOLDS) {
        st->o.folds = 2 + (int)har_rng_below(r, pool.n - 1); /* 2 .. pool.n */
    } else if (st->mode == MODE_LOSO) {
        st->o.loso = 1;
    }
    har_idlist_free(&pool);
}

/* Filled in place: st->o points into *st. */
static void random_setting(har_rng *r, setting *st)
{
    memset(st, 0, sizeof *st);
    st->present = random_ids(r, 3 + har_rng_below(r, 38)); /* 3 .. 40 subjects */
    random_test_set(r, st);
    random_mode(r, st);
}

static void setting_free(setting *st)
{
    har_idlist_free(&st->present);
    har_idlist_free(&st->test);
    har_idlist_free(&st->val);
}

/* ---- plan properties --------------------------------------------------------- */

/* Random windows: each present subject gets 1..5 windows, so the check below
 * is stated in the terms that matter (every window in exactly one output). */
static int32_t *random_windows(har_rng *r, const har_idlist *present, size_t *nw)
{
    int32_t *w = malloc(present->n * 5 * sizeof *w);
    *nw = 0;
    for (size_t i = 0; i < present->n; i++)
        for (uint64_t k = 0, m = 1 + har_rng_below(r, 5); k < m; k++)
            w[(*nw)++] = present->ids[i];
    return w;
}

/* Within fold f (its own parts plus the fold-0 parts), every window lands in
 * exactly one part, and every part holds only present subjects. */
static void check_fold_partition(const har_split_plan *p, int f, const int32_t *win, size_t nw,
                                 const har_idlist *present)
{
    for (size_t i = 0; i < p->n; i++)
        for (size_t j = 0; j < p->parts[i].subjects.n; j++)
            ck_assert(har_idlist_contains(present, p->parts[i].subjects.ids[j]));
    for (size_t w = 0; w < nw; w++) {
        int hits = 0;
        for (size_t i = 0; i < p->n; i++)
            if ((p->parts[i].fold == f || p->parts[i].fold == 0) &&
                har_idlist_contains(&p->parts[i].subjects, win[w]))
                hits++;
        ck_assert_msg(hits == 1, "fold %d: a window of subject %d is in %d outputs", f, win[w], hits);
    }
}

static const har_split_part *find_part(const har_split_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->parts[i].name, name) == 0)
            return &p->parts[i];
    return NULL;
}

/* The test part is exactly the test subjects that have windows. */
static void check_test_part(const har_split_plan *p, const setting *st)
{
    const har_split_part *te = find_part(p, "test");
    har_idlist want;
    ck_assert_int_eq(har_idlist_intersect(&st->present, &st->test, &want, NULL), 0);
    /* A test part exactly when some test subject has windows. */
    ck_assert_msg((te != NULL) == (want.n > 0), "test part %s but %zu test subjects have windows",
                  te ? "present" : "absent", want.n);
    if (te)
        ck_assert_msg(te->fold == 0 && lists_equal(&te->subjects, &want), "test part is wrong");
    har_idlist_free(&want);
}

/* Without folds: "train" (+ "val") (+ "test"), all fold 0. */
static void check_single(const har_split_plan *p, const setting *st, const int32_t *win, size_t nw)
{
    check_fold_partition(p, 0, win, nw, &st->present);
    const har_split_part *tr = find_part(p, "train"), *va = find_part(p, "val");
    ck_assert(tr && tr->fold == 0 && tr->subjects.n > 0);
    ck_assert_int_eq(va != NULL, st->mode == MODE_VAL || st->mode == MODE_VAL_COUNT);
    if (st->mode == MODE_VAL)
        ck_assert(lists_equal(&va->subjects, &st->val));
    if (st->mode == MODE_VAL_COUNT)
        ck_assert_uint_eq(va->subjects.n, (size_t)st->o.val_count);
    ck_assert_uint_eq(p->n, 1 + (va ? 1 : 0) + (find_part(p, "test") ? 1 : 0));
    for (size_t i = 0; i < p->n; i++)
        ck_assert_int_eq(p->parts[i].fold, 0);
}

/* With k folds: each fold partitions the data; the val parts partition the
 * pool; their sizes differ by at most one. */
static void check_folds(const har_split_plan *p, const setting *st, const int32_t *win, size_t nw)
{
    har_idlist pool = pool_of(st);
    int k = st->mode == MODE_LOSO ? (int)pool.n : st->o.folds;
    size_t minv = SIZE_MAX, maxv = 0;
    int *val_hits = calloc(pool.n, sizeof *val_hits);
    for (int f = 1; f <= k; f++) {
        check_fold_partition(p, f, win, nw, &st->present);
        char tn[32], vn[32];
        snprintf(tn, sizeof tn, "fold%02d-train", f);
        snprintf(vn, sizeof vn, "fold%02d-val", f);
        const har_split_part *tr = find_part(p, tn), *va = find_part(p, vn);
        ck_assert_msg(tr && va && tr->fold == f && va->fold == f, "fold %d parts missing", f);
        minv = va->subjects.n < minv ? va->subjects.n : minv;
        maxv = va->subjects.n > maxv ? va->subjects.n : maxv;
        for (size_t j = 0; j < va->subjects.n; j++)
            val_hits[har_idlist_index(&pool, va->subjects.ids[j])]++;
    }
    ck_assert_uint_eq(p->n, (size_t)(2 * k) + (find_part(p, "test") ? 1 : 0));
    ck_assert_msg(maxv - minv <= 1, "fold sizes %zu..%zu", minv, maxv);
    ck_assert(st->mode != MODE_LOSO || maxv == 1);
    for (size_t i = 0; i < pool.n; i++)
        ck_assert_msg(val_hits[i] == 1, "subject %d validates %d times", pool.ids[i], val_hits[i]);
    free(val_hits);
    har_idlist_free(&pool);
}

/* Checks one random setting; returns its mode and whether test was empty
 * (kind = mode + NMODES * empty) so the caller can see every corner ran. */
static int check_setting(har_rng *r, int round)
{
    setting st;
    random_setting(r, &st);
    har_split_plan p;
    har_err e = {0};
    ck_assert_msg(har_split_plan_make(&st.present, &st.o, &p, &e) == 0, "round %d (mode %d): %s", round, st.mode,
                  e.msg);
    size_t nw;
    int32_t *win = random_windows(r, &st.present, &nw);
    check_test_part(&p, &st);
    if (st.mode == MODE_FOLDS || st.mode == MODE_LOSO)
        check_folds(&p, &st, win, nw);
    else
        check_single(&p, &st, win, nw);
    free(win);
    har_split_plan_free(&p);
    int kind = st.mode + NMODES * (st.test.n == 0);
    setting_free(&st);
    return kind;
}

START_TEST(plan_property)
{
    har_rng r;
    har_rng_seed(&r, 20240611);
    int seen[2 * NMODES] = {0};
    for (int round = 0; round < 300; round++)
        seen[check_setting(&r, round)]++;
    /* Guard against a generator that silently stops covering a case. */
    for (int m = 0; m < NMODES; m++) {
        ck_assert_msg(seen[m] + seen[m + NMODES] >= 30, "mode %d ran %d times", m, seen[m] + seen[m + NMODES]);
        ck_assert_msg(seen[m + NMODES] >= 1, "mode %d never ran with an empty test set", m);
    }
}
END_TEST

/* ---- determinism ------------------------------------------------------------ */

static int plans_equal(const har_split_plan *a, const har_split_plan *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->parts[i].name, b->parts[i].name) != 0 || a->parts[i].fold != b->parts[i].fold ||
            !lists_equal(&a->parts[i].subjects, &b->parts[i].subjects))
            return 0;
    return 1;
}

static har_split_plan plan_or_fail(const har_idlist *present, const har_split_opts *o)
{
    har_split_plan p;
    har_err e = {0};
    ck_assert_msg(har_split_plan_make(present, o, &p, &e) == 0, "%s", e.msg);
    return p;
}

/* Counts how many of seeds 1..20 give a plan different from seed 1's, and
 * checks that every seed reproduces itself. */
static int distinct_over_seeds(const har_idlist *present, har_split_opts o)
{
    o.seed = 1;
    har_split_plan first = plan_or_fail(present, &o);
    int differ = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        o.seed = seed;
        har_split_plan a = plan_or_fail(present, &o), b = plan_or_fail(present, &o);
        ck_assert_msg(plans_equal(&a, &b), "seed %llu is not reproducible", (unsigned long long)seed);
        differ += !plans_equal(&a, &first);
        har_split_plan_free(&a);
        har_split_plan_free(&b);
    }
    har_split_plan_free(&first);
    return differ;
}

START_TEST(plan_deterministic)
{
    const int32_t ids[] = {2, 3, 5, 8, 11, 14, 15, 16, 17, 19, 21, 22, 23, 25, 26, 28, 29, 30};
    const int32_t test_ids[] = {3, 17};
    har_idlist present = list_of(ids, sizeof ids / sizeof *ids), test = list_of(test_ids, 2);
    har_split_opts o = {.test = &test, .val_count = 4};
    ck_assert_int_gt(distinct_over_seeds(&present, o), 10);
    o.val_count = 0;
    o.folds = 4;
    ck_assert_int_gt(distinct_over_seeds(&present, o), 10);
    /* LOSO ignores the seed: one fold per subject in id order. */
    o.folds = 0;
    o.loso = 1;
    ck_assert_int_eq(distinct_over_seeds(&present, o), 0);
    har_idlist_free(&present);
    har_idlist_free(&test);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

/* present = {1,2,4,6,9}, test = {2,9}: non-test pool {1,4,6}. */
static void expect_plan_error(har_split_opts o, const int32_t *val, size_t nval, int code, const char *needle)
{
    const int32_t ids[] = {1, 2, 4, 6, 9}, test_ids[] = {2, 9};
    har_idlist present = list_of(ids, 5), test = list_of(test_ids, 2), vl = list_of(val, nval);
    o.test = &test;
    if (val)
        o.val = &vl;
    har_split_plan p = {(har_split_part *)1, 7};
    har_err e = {0};
    ck_assert_int_eq(har_split_plan_make(&present, &o, &p, &e), code);
    ck_assert_int_eq(e.code, code);
    tu_assert_contains(e.msg, needle);
    ck_assert(p.parts == NULL && p.n == 0); /* nothing to free after a failure */
    har_idlist_free(&present);
    har_idlist_free(&test);
    har_idlist_free(&vl);
}

START_TEST(plan_errors)
{
    const int32_t v_test[] = {1, 9}, v_test2[] = {2, 4}, v_absent[] = {4, 5}, v_all[] = {1, 4, 6}, v_ok[] = {4};
    const har_split_opts none = {0};
    har_split_opts o = none;
    expect_plan_error(o, v_test, 2, HAR_EUSAGE, "subject 9 is both a validation and a test subject");
    expect_plan_error(o, v_test2, 2, HAR_EUSAGE, "subject 2 is both");
    expect_plan_error(o, v_absent, 2, HAR_EDATA, "validation subject 5 has no windows");
    expect_plan_error(o, v_all, 3, HAR_EUSAGE, "no subject is left for training");
    o.val_count = 3;
    expect_plan_error(o, NULL, 0, HAR_EUSAGE, "--val-count 3");
    o.val_count = 4;
    expect_plan_error(o, NULL, 0, HAR_EUSAGE, "--val-count 4");
    o.folds = 2; /* two modes at once */
    expect_plan_error(o, NULL, 0, HAR_EUSAGE, "choose one of");
    o = none;
    o.loso = 1;
    expect_plan_error(o, v_ok, 1, HAR_EUSAGE, "choose one of");
    o = none;
    o.folds = 4;
    expect_plan_error(o, NULL, 0, HAR_EUSAGE, "4 folds need between 2 and 3");
    o.folds = 1;
    expect_plan_error(o, NULL, 0, HAR_EUSAGE, "1 folds");
}
END_TEST

START_TEST(plan_loso_needs_two)
{
    const int32_t ids[] = {1, 2}, test_ids[] = {2};
    har_idlist present = list_of(ids, 2), test = list_of(test_ids, 1);
    har_split_opts o = {.test = &test, .loso = 1};
    har_split_plan p;
    har_err e = {0};
    ck_assert_int_eq(har_split_plan_make(&present, &o, &p, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "between 2 and 1");
    har_idlist_free(&present);
    har_idlist_free(&test);
}
END_TEST

/* ---- audit -------------------------------------------------------------- */

static void audit_item(har_audit *a, const char *name, int fold, const int32_t *ids, size_t n)
{
    har_idlist l = list_of(ids, n);
    har_err e = {0};
    ck_assert_msg(har_audit_add(a, name, "out.safetensors.gz", fold, &l, (int64_t)(10 * n), &e) == 0, "%s", e.msg);
    har_idlist_free(&l); /* the audit keeps its own copy */
}

static const har_audit_pair *find_pair(const har_audit *a, const char *x, const char *y)
{
    for (size_t k = 0; k < a->npairs; k++) {
        const char *na = a->items[a->pairs[k].a].name, *nb = a->items[a->pairs[k].b].name;
        if ((!strcmp(na, x) && !strcmp(nb, y)) || (!strcmp(na, y) && !strcmp(nb, x)))
            return &a->pairs[k];
    }
    return NULL;
}

START_TEST(audit_disjoint)
{
    const int32_t tr[] = {1, 4, 7}, va[] = {2, 8}, te[] = {3, 30};
    har_audit a = {0};
    audit_item(&a, "train", 0, tr, 3);
    audit_item(&a, "val", 0, va, 2);
    audit_item(&a, "test", 0, te, 2);
    ck_assert_int_eq(har_audit_run(&a, NULL), 0);
    ck_assert_uint_eq(a.npairs, 3);
    ck_assert_int_eq(a.shared_total, 0);
    ck_assert_uint_eq(a.items[0].subjects.n, 3);
    ck_assert_int_eq(a.items[0].windows, 30);
    har_audit_free(&a);
}
END_TEST

START_TEST(audit_overlap)
{
    const int32_t tr[] = {1, 2, 3, 4}, va[] = {4, 5}, te[] = {3, 4, 9};
    har_audit a = {0};
    audit_item(&a, "train", 0, tr, 4);
    audit_item(&a, "val", 0, va, 2);
    audit_item(&a, "test", 0, te, 3);
    ck_assert_int_eq(har_audit_run(&a, NULL), 0);
    ck_assert_int_eq(a.shared_total, 4);
    const har_audit_pair *p = find_pair(&a, "train", "test");
    ck_assert(p && p->shared.n == 2 && p->shared.ids[0] == 3 && p->shared.ids[1] == 4);
    p = find_pair(&a, "train", "val");
    ck_assert(p && p->shared.n == 1 && p->shared.ids[0] == 4);
    p = find_pair(&a, "val", "test");
    ck_assert(p && p->shared.n == 1 && p->shared.ids[0] == 4);
    har_audit_free(&a);
}
END_TEST

START_TEST(audit_folds)
{
    /* fold01-train and fold02-train share subjects by design; only pairs in
     * one fold, or with a fold-0 output, are compared. */
    const int32_t t1[] = {1, 2, 3}, v1[] = {4}, t2[] = {1, 2, 4}, v2[] = {3, 9}, te[] = {9};
    har_audit a = {0};
    audit_item(&a, "fold01-train", 1, t1, 3);
    audit_item(&a, "fold01-val", 1, v1, 1);
    audit_item(&a, "fold02-train", 2, t2, 3);
    audit_item(&a, "fold02-val", 2, v2, 2);
    audit_item(&a, "test", 0, te, 1);
    ck_assert_int_eq(har_audit_run(&a, NULL), 0);
    ck_assert_uint_eq(a.npairs, 6);
    ck_assert_ptr_null(find_pair(&a, "fold01-train", "fold02-train"));
    ck_assert_ptr_null(find_pair(&a, "fold01-val", "fold02-train"));
    ck_assert_ptr_null(find_pair(&a, "fold01-train", "fold02-val"));
    ck_assert_ptr_nonnull(find_pair(&a, "fold01-train", "fold01-val"));
    ck_assert_ptr_nonnull(find_pair(&a, "fold01-val", "test"));
    ck_assert_ptr_nonnull(find_pair(&a, "fold02-train", "test"));
    const har_audit_pair *p = find_pair(&a, "fold02-val", "test");
    ck_assert(p && p->shared.n == 1 && p->shared.ids[0] == 9);
    ck_assert_int_eq(a.shared_total, 1);
    har_audit_free(&a);
}
END_TEST

static char *audit_csv_text(const har_audit *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    har_audit_csv(f, a);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

static int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

START_TEST(audit_csv)
{
    const int32_t tr[] = {1, 2, 3}, va[] = {3, 5}, te[] = {7};
    har_audit a = {0};
    audit_item(&a, "train", 0, tr, 3);
    audit_item(&a, "va,l", 0, va, 2); /* needs quoting */
    audit_item(&a, "test", 0, te, 1);
    ck_assert_int_eq(har_audit_run(&a, NULL), 0);
    char *csv = audit_csv_text(&a);
    ck_assert(strncmp(csv, "kind,output,other,file,windows,subjects,subject_ids\n", 52) == 0);
    ck_assert_int_eq(count_lines_starting(csv, "output,"), 3);
    ck_assert_int_eq(count_lines_starting(csv, "pair,"), 3);
    ck_assert_int_eq(count_lines_starting(csv, ""), 1 + 3 + 3);
    tu_assert_contains(csv, "\noutput,train,,out.safetensors.gz,30,3,1 2 3\n");
    tu_assert_contains(csv, "\npair,train,\"va,l\",,,1,3\n");
    free(csv);
    har_audit_free(&a);
}
END_TEST

/* ---- windows-level operations ----------------------------------------------- */

/* 6 windows of T=2, C=3; x encodes (window, t, channel) so a copied row can
 * be recognised. */
static void build_windows(har_windows *w)
{
    har_err e = {0};
    const int32_t subj[] = {7, 3, 7, 12, 3, 7};
    ck_assert_msg(har_windows_alloc(w, 6, 2, 3, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "channels", "ax,ay,az", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "classes", "WALKING,SITTING,LAYING", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "test_subjects", "12", &e), 0);
    ck_assert_int_eq(har_windows_refresh_classes(w, &e), 0);
    ck_assert_int_eq(w->nclasses, 3);
    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 6; k++)
            w->x[i * 6 + k] = (float)(100 * i + k);
        w->y[i] = i % 3;
        w->subject[i] = subj[i];
        w->recording[i] = 40 + i;
        w->start[i] = 1000 * i;
    }
}

START_TEST(windows_subset)
{
    har_windows w, d;
    har_err e = {0};
    build_windows(&w);
    const int64_t idx[] = {5, 0, 3};
    ck_assert_msg(har_windows_subset(&w, idx, 3, &d, &e) == 0, "%s", e.msg);
    ck_assert(d.n == 3 && d.t == 2 && d.c == 3);
    for (int k = 0; k < 3; k++) {
        int64_t i = idx[k];
        ck_assert(memcmp(d.x + k * 6, w.x + i * 6, 6 * sizeof(float)) == 0);
        ck_assert(d.y[k] == w.y[i] && d.subject[k] == w.subject[i]);
        ck_assert(d.recording[k] == w.recording[i] && d.start[k] == w.start[i]);
    }
    ck_assert_str_eq(har_tfile_meta_get(d.file, "channels"), "ax,ay,az");
    ck_assert_str_eq(har_tfile_meta_get(d.file, "test_subjects"), "12");
    ck_assert_int_eq(d.nclasses, 3);
    ck_assert_str_eq(d.classes[2], "LAYING");
    /* The subset is a copy: changing it leaves the source alone. */
    d.x[0] = -1;
    ck_assert(w.x[30] == 500.0f);
    har_windows_free(&d);
    har_windows_free(&w);
}
END_TEST

START_TEST(windows_subset_empty)
{
    har_windows w, d;
    har_err e = {0};
    build_windows(&w);
    ck_assert_msg(har_windows_subset(&w, NULL, 0, &d, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(d.n, 0);
    ck_assert_str_eq(har_tfile_meta_get(d.file, "classes"), "WALKING,SITTING,LAYING");
    har_windows_free(&d);
    har_windows_free(&w);
}
END_TEST

START_TEST(windows_subjects)
{
    har_windows w;
    har_idlist s;
    build_windows(&w);
    ck_assert_int_eq(har_windows_subjects(&w, &s, NULL), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert(s.ids[0] == 3 && s.ids[1] == 7 && s.ids[2] == 12);
    har_idlist_free(&s);
    ck_assert_int_eq(har_windows_resize(&w, 0, NULL), 0);
    ck_assert_int_eq(har_windows_subjects(&w, &s, NULL), 0);
    ck_assert_uint_eq(s.n, 0);
    har_idlist_free(&s);
    har_windows_free(&w);
}
END_TEST

/* ---- thinning a class (--thin-class) ----------------------------------------- */

static void expect_thin_error(const char *arg, const char *needle)
{
    har_thin t = {0};
    har_err e = {0};
    ck_assert_msg(har_thin_parse(&t, arg, &e) == HAR_EUSAGE, "'%s' was accepted", arg);
    tu_assert_contains(e.msg, needle);
    har_thin_free(&t);
}

START_TEST(thin_parse)
{
    har_thin t = {0};
    har_err e = {0};
    ck_assert_int_eq(har_thin_parse(&t, "SITTING=0.1,LAYING=1", &e), 0);
    ck_assert_int_eq(har_thin_parse(&t, "WALKING=.5", &e), 0); /* a repeated option adds up */
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.rules[0].name, "SITTING");
    ck_assert(t.rules[0].fraction == 0.1 && t.rules[1].fraction == 1 && t.rules[2].fraction == 0.5);
    char *classes[] = {"WALKING", "SITTING", "LAYING"};
    ck_assert_int_eq(har_thin_resolve(&t, classes, 3, &e), 0);
    ck_assert(t.rules[0].cls == 1 && t.rules[1].cls == 2 && t.rules[2].cls == 0);
    ck_assert_int_eq(har_thin_parse(&t, "SITTING=0.5", &e), HAR_EUSAGE); /* across options too */
    tu_assert_contains(e.msg, "class SITTING is named twice");
    har_thin_free(&t);
    ck_assert_int_eq(har_thin_parse(&t, "STANDING=0.5", &e), 0);
    ck_assert_int_eq(har_thin_resolve(&t, classes, 3, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "unknown class 'STANDING' (the classes are WALKING,SITTING,LAYING)");
    har_thin_free(&t);
    ck_assert_int_eq(har_thin_parse(&t, "sitting=0.5", &e), 0); /* names are exact */
    ck_assert_int_eq(har_thin_resolve(&t, classes, 3, &e), HAR_EUSAGE);
    har_thin_free(&t);
    expect_thin_error("A=0.1,A=0.2", "class A is named twice");
    expect_thin_error("SITTING", "'SITTING' is not CLASS=FRACTION");
    expect_thin_error("=0.5", "'=0.5' is not CLASS=FRACTION");
    expect_thin_error("A=", "'A=' is not CLASS=FRACTION");
    expect_thin_error("", "'' is not CLASS=FRACTION");
    expect_thin_error("A=0.5,", "'' is not CLASS=FRACTION");
    const char *fractions[] = {"0", "-0.1", "1.5", "1.0000001", "nan", "inf", "0.5x", "x", "1e-400"};
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        char arg[64];
        snprintf(arg, sizeof arg, "A=%s", fractions[i]);
        expect_thin_error(arg, "is not a number in (0, 1]");
    }
}
END_TEST

/* Thins idx = 0..n-1 of the labels y by "arg" (classes A, B, C) with seed;
 * returns the kept count, counts in removed/had. */
static int64_t thin_run(const char *arg, const int32_t *y, int64_t n, uint64_t seed, int64_t *idx, int64_t *removed,
                        int64_t *had)
{
    har_thin t = {0};
    har_err e = {0};
    char *classes[] = {"A", "B", "C"};
    ck_assert_int_eq(har_thin_parse(&t, arg, &e), 0);
    ck_assert_int_eq(har_thin_resolve(&t, classes, 3, &e), 0);
    for (int64_t i = 0; i < n; i++)
        idx[i] = i;
    int64_t m = n;
    ck_assert_msg(har_thin_apply(&t, y, seed, idx, &m, removed, had, &e) == 0, "%s", e.msg);
    har_thin_free(&t);
    return m;
}

/* Each whole window is kept (1) or not (0) in kept[]. */
static void kept_mask(const int64_t *idx, int64_t m, unsigned char *kept, int64_t n)
{
    memset(kept, 0, (size_t)n);
    for (int64_t k = 0; k < m; k++)
        kept[idx[k]] = 1;
}

/* Exact counts (round(f n), halves up), order kept, only the named classes
 * touched, determinism, nested fractions, rules independent of each other. */
START_TEST(thin_apply)
{
    enum { N = 1001 };
    int32_t y[N];
    for (int i = 0; i < N; i++)
        y[i] = i % 7 < 3 ? 0 : i % 7 < 5 ? 1 : 2; /* A 3/7 (429), B 2/7 (286), C 2/7 (286) */
    static int64_t idx[N], idx2[N];
    int64_t removed[2], had[2];
    int64_t m = thin_run("A=0.1,C=0.5", y, N, 7, idx, removed, had);
    ck_assert(had[0] == 429 && removed[0] == 429 - 43 && had[1] == 286 && removed[1] == 143);
    ck_assert_int_eq(m, N - removed[0] - removed[1]);
    int64_t per[3] = {0};
    for (int64_t k = 0; k < m; k++) {
        ck_assert(k == 0 || idx[k] > idx[k - 1]); /* original order, no repeats */
        per[y[idx[k]]]++;
    }
    ck_assert(per[0] == 43 && per[1] == 286 && per[2] == 143);
    /* The same seed, the same windows; another seed, others. */
    ck_assert_int_eq(thin_run("A=0.1,C=0.5", y, N, 7, idx2, removed, had), m);
    ck_assert(memcmp(idx, idx2, (size_t)m * sizeof *idx) == 0);
    ck_assert_int_eq(thin_run("A=0.1,C=0.5", y, N, 8, idx2, removed, had), m);
    ck_assert(memcmp(idx, idx2, (size_t)m * sizeof *idx) != 0);
    /* A's choice does not depend on the other rules or their order. */
    static unsigned char a[N], b[N];
    kept_mask(idx, m, a, N);
    kept_mask(idx2, thin_run("C=0.9,A=0.1", y, N, 7, idx2, removed, had), b, N);
    for (int i = 0; i < N; i++)
        ck_assert(y[i] != 0 || a[i] == b[i]);
    /* A smaller fraction keeps a subset of what a larger one keeps. */
    kept_mask(idx2, thin_run("A=0.3", y, N, 7, idx2, removed, had), b, N);
    for (int i = 0; i < N; i++)
        ck_assert(!a[i] || b[i]);
    /* Halves up; 1 keeps all; a class without windows is 0/0. */
    const int32_t five[5] = {0, 0, 0, 0, 0};
    ck_assert_int_eq(thin_run("A=0.5,B=0.5", five, 5, 1, idx2, removed, had), 3);
    ck_assert(removed[0] == 2 && had[0] == 5 && removed[1] == 0 && had[1] == 0);
    ck_assert_int_eq(thin_run("A=1", y, N, 1, idx2, removed, had), N);
    ck_assert(removed[0] == 0 && had[0] == 429);
    ck_assert_int_eq(thin_run("A=0.001", five, 5, 1, idx2, removed, had), 0);
}
END_TEST

START_TEST(thin_record)
{
    har_thin t = {0};
    ck_assert_int_eq(har_thin_parse(&t, "SITTING=0.1,LAYING=0.25", NULL), 0);
    const int64_t removed[2] = {1550, 3}, had[2] = {1722, 4};
    char *r = har_thin_record(&t, removed, had, NULL, NULL);
    ck_assert_str_eq(r, "SITTING=0.1:1550/1722,LAYING=0.25:3/4");
    free(r);
    r = har_thin_record(&t, removed, had, "SITTING=0.5:9/18", NULL);
    ck_assert_str_eq(r, "SITTING=0.5:9/18,SITTING=0.1:1550/1722,LAYING=0.25:3/4");
    free(r);
    har_thin_free(&t);
}
END_TEST

Suite *split_suite(void)
{
    Suite *s = suite_create("split");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, plan_property);
    tcase_add_test(tc, plan_deterministic);
    tcase_add_test(tc, plan_errors);
    tcase_add_test(tc, plan_loso_needs_two);
    tcase_add_test(tc, audit_disjoint);
    tcase_add_test(tc, audit_overlap);
    tcase_add_test(tc, audit_folds);
    tcase_add_test(tc, audit_csv);
    tcase_add_test(tc, windows_subset);
    tcase_add_test(tc, windows_subset_empty);
    tcase_add_test(tc, windows_subjects);
    tcase_add_test(tc, thin_parse);
    tcase_add_test(tc, thin_apply);
    tcase_add_test(tc, thin_record);
    suite_add_tcase(s, tc);
    return s;
}
