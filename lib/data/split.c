#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "split.h"

void har_split_plan_free(har_split_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++)
        har_idlist_free(&plan->parts[i].subjects);
    free(plan->parts);
    plan->parts = NULL;
    plan->n = 0;
}

static har_split_part *add_part(har_split_plan *plan, const char *name, int fold, har_err *e)
{
    har_split_part *np = realloc(plan->parts, (plan->n + 1) * sizeof *np);
    if (!np) {
        har_fail(e, HAR_EIO, "out of memory");
        return NULL;
    }
    plan->parts = np;
    har_split_part *p = &np[plan->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->fold = fold;
    return p;
}

/* Copies into `to` the ids of `from` that `skip` does not contain. */
static int difference(const har_idlist *from, const har_idlist *skip, har_idlist *to, har_err *e)
{
    for (size_t i = 0; i < from->n; i++)
        if ((!skip || !har_idlist_contains(skip, from->ids[i])) && har_idlist_add(to, from->ids[i], e))
            return HAR_EIO;
    return 0;
}

static int check_present(const har_idlist *want, const har_idlist *present, const char *what, har_err *e)
{
    for (size_t i = 0; i < want->n; i++)
        if (!har_idlist_contains(present, want->ids[i]))
            return har_fail(e, HAR_EDATA, "%s subject %d has no windows in the input", what, want->ids[i]);
    return 0;
}

int har_split_plan_make(const har_idlist *present, const har_split_opts *o, har_split_plan *plan, har_err *e)
{
    memset(plan, 0, sizeof *plan);
    har_idlist test = {0}, pool = {0}, val = {0};
    int32_t *order = NULL;
    int rc = HAR_EIO;
    /* Test subjects absent from the data simply have no windows there. */
    if (har_idlist_intersect(present, o->test, &test, e) || difference(present, &test, &pool, e))
        goto done;
    int modes = (o->val != NULL) + (o->val_count > 0) + (o->folds > 0) + (o->loso != 0);
    if (modes > 1) {
        rc = har_fail(e, HAR_EUSAGE, "choose one of --val-subjects, --val-count, --folds and --loso");
        goto done;
    }
    if (o->folds > 0 || o->loso) {
        int k = o->loso ? (int)pool.n : o->folds;
        if (k < 2 || (size_t)k > pool.n) {
            rc = har_fail(e, HAR_EUSAGE, "%d folds need between 2 and %zu non-test subjects", k, pool.n);
            goto done;
        }
        if (!(order = har_malloc(pool.n * sizeof *order, e)))
            goto done;
        memcpy(order, pool.ids, pool.n * sizeof *order);
        if (!o->loso) {
            har_rng rng;
            har_rng_seed(&rng, o->seed);
            har_rng_shuffle_i32(&rng, order, pool.n);
        }
        int width = k >= 100 ? 3 : 2;
        for (int f = 1; f <= k; f++) {
            char name[32];
            har_idlist fold_val = {0};
            for (size_t i = (size_t)(f - 1); i < pool.n; i += (size_t)k)
                if (har_idlist_add(&fold_val, order[i], e)) {
                    har_idlist_free(&fold_val);
                    goto done;
                }
            snprintf(name, sizeof name, "fold%0*d-train", width, f);
            har_split_part *tr = add_part(plan, name, f, e);
            if (!tr || difference(&pool, &fold_val, &tr->subjects, e)) {
                har_idlist_free(&fold_val);
                goto done;
            }
            snprintf(name, sizeof name, "fold%0*d-val", width, f);
            har_split_part *va = add_part(plan, name, f, e);
            if (!va) {
                har_idlist_free(&fold_val);
                goto done;
            }
            va->subjects = fold_val;
        }
    } else {
        if (o->val) {
            for (size_t i = 0; i < o->val->n; i++)
                if (har_idlist_contains(o->test, o->val->ids[i])) {
                    rc = har_fail(e, HAR_EUSAGE, "subject %d is both a validation and a test subject", o->val->ids[i]);
                    goto done;
                }
            if ((rc = check_present(o->val, present, "validation", e)))
                goto done;
            rc = HAR_EIO;
            if (difference(o->val, NULL, &val, e))
                goto done;
        } else if (o->val_count > 0) {
            if ((size_t)o->val_count >= pool.n) {
                rc = har_fail(e, HAR_EUSAGE, "--val-count %d leaves no training subject (%zu non-test subjects)",
                              o->val_count, pool.n);
                goto done;
            }
            if (!(order = har_malloc(pool.n * sizeof *order, e)))
                goto done;
            memcpy(order, pool.ids, pool.n * sizeof *order);
            har_rng rng;
            har_rng_seed(&rng, o->seed);
            har_rng_shuffle_i32(&rng, order, pool.n);
            for (int i = 0; i < o->val_count; i++)
                if (har_idlist_add(&val, order[i], e))
                    goto done;
        }
        har_split_part *tr = add_part(plan, "train", 0, e);
        if (!tr || difference(&pool, &val, &tr->subjects, e))
            goto done;
        if (tr->subjects.n == 0) {
            /* Data error if the input holds only test subjects, usage error if
             * the validation choice took every remaining subject. */
            rc = har_fail(e, pool.n ? HAR_EUSAGE : HAR_EDATA,
                          "no subject is left for training: every subject with windows is a %s subject",
                          pool.n ? "validation" : "test");
            goto done;
        }
        if (o->val || o->val_count > 0) {
            har_split_part *va = add_part(plan, "val", 0, e);
            if (!va || difference(&val, NULL, &va->subjects, e))
                goto done;
        }
    }
    if (test.n) { /* no output for test subjects that have no windows */
        har_split_part *te = add_part(plan, "test", 0, e);
        if (!te || difference(&test, NULL, &te->subjects, e))
            goto done;
    }
    rc = 0;
done:
    free(order);
    har_idlist_free(&test);
    har_idlist_free(&pool);
    har_idlist_free(&val);
    if (rc)
        har_split_plan_free(plan);
    return rc;
}

/* ---- thinning ------------------------------------------------------------ */

void har_thin_free(har_thin *t)
{
    for (size_t r = 0; r < t->n; r++)
        free(t->rules[r].name);
    free(t->rules);
    t->rules = NULL;
    t->n = 0;
}

/* One CLASS=FRACTION item of len characters (the class name may itself hold
 * a '=': the last one separates). */
static int thin_item(har_thin *t, const char *item, size_t len, har_err *e)
{
    size_t eq = len;
    while (eq > 0 && item[eq - 1] != '=')
        eq--;
    if (eq < 2 || eq == len)
        return har_fail(e, HAR_EUSAGE, "'%.*s' is not CLASS=FRACTION", (int)len, item);
    char num[64], *end;
    snprintf(num, sizeof num, "%.*s", (int)(len - eq), item + eq);
    double f = strtod(num, &end);
    if (len - eq >= sizeof num || *end || end == num || !(f > 0 && f <= 1))
        return har_fail(e, HAR_EUSAGE, "the fraction in '%.*s' is not a number in (0, 1]", (int)len, item);
    size_t nlen = eq - 1;
    for (size_t r = 0; r < t->n; r++)
        if (strlen(t->rules[r].name) == nlen && !strncmp(t->rules[r].name, item, nlen))
            return har_fail(e, HAR_EUSAGE, "class %s is named twice", t->rules[r].name);
    har_thin_rule *nr = realloc(t->rules, (t->n + 1) * sizeof *nr);
    if (!nr)
        return har_fail(e, HAR_EIO, "out of memory");
    t->rules = nr;
    char *name = har_malloc(nlen + 1, e);
    if (!name)
        return HAR_EIO;
    memcpy(name, item, nlen);
    name[nlen] = 0;
    t->rules[t->n++] = (har_thin_rule){.name = name, .cls = -1, .fraction = f};
    return 0;
}

int har_thin_parse(har_thin *t, const char *arg, har_err *e)
{
    for (const char *p = arg;; p++) {
        size_t len = strcspn(p, ",");
        if (thin_item(t, p, len, e))
            return e ? e->code : HAR_EUSAGE;
        p += len;
        if (!*p)
            return 0;
    }
}

int har_thin_resolve(har_thin *t, char **classes, int k, har_err *e)
{
    for (size_t r = 0; r < t->n; r++) {
        t->rules[r].cls = -1;
        for (int c = 0; c < k; c++)
            if (!strcmp(t->rules[r].name, classes[c]))
                t->rules[r].cls = c;
        if (t->rules[r].cls >= 0)
            continue;
        char list[768] = "";
        for (int c = 0; c < k; c++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? "," : "", classes[c]);
        return har_fail(e, HAR_EUSAGE, "unknown class '%s' (the classes are %s)", t->rules[r].name, list);
    }
    return 0;
}

int har_thin_apply(const har_thin *t, const int32_t *y, uint64_t seed, int64_t *idx, int64_t *m,
                   int64_t *removed, int64_t *had, har_err *e)
{
    if (*m > INT32_MAX)
        return har_fail(e, HAR_EDATA, "cannot thin %lld windows (at most %d)", (long long)*m, INT32_MAX);
    unsigned char *drop = har_calloc((size_t)*m + 1, 1, e);
    int32_t *pos = drop ? har_malloc(((size_t)*m + 1) * sizeof *pos, e) : NULL;
    if (!pos) {
        free(drop);
        return HAR_EIO;
    }
    for (size_t r = 0; r < t->n; r++) {
        int32_t n = 0;
        for (int64_t i = 0; i < *m; i++)
            if (y[idx[i]] == t->rules[r].cls)
                pos[n++] = (int32_t)i;
        /* A stream per class: its choice does not depend on the other rules;
         * the first round(f n) of one shuffle: a smaller f keeps a subset. */
        har_rng rng;
        har_seed_stream(&rng, seed + (uint64_t)t->rules[r].cls * 0x9e3779b97f4a7c15ULL, "thin-class");
        har_rng_shuffle_i32(&rng, pos, (size_t)n);
        int64_t keep = llround(t->rules[r].fraction * n);
        for (int64_t j = keep; j < n; j++)
            drop[pos[j]] = 1;
        removed[r] = n - keep;
        had[r] = n;
    }
    int64_t kept = 0;
    for (int64_t i = 0; i < *m; i++)
        if (!drop[i])
            idx[kept++] = idx[i];
    *m = kept;
    free(pos);
    free(drop);
    return 0;
}

char *har_thin_record(const har_thin *t, const int64_t *removed, const int64_t *had, const char *before,
                      har_err *e)
{
    size_t cap = (before ? strlen(before) : 0) + 1;
    for (size_t r = 0; r < t->n; r++)
        cap += strlen(t->rules[r].name) + 80;
    char *s = har_malloc(cap, e);
    if (!s)
        return NULL;
    size_t at = (size_t)snprintf(s, cap, "%s", before ? before : "");
    for (size_t r = 0; r < t->n; r++)
        at += (size_t)snprintf(s + at, cap - at, "%s%s=%g:%lld/%lld", at ? "," : "", t->rules[r].name,
                               t->rules[r].fraction, (long long)removed[r], (long long)had[r]);
    return s;
}

int har_audit_add(har_audit *a, const char *name, const char *file, int fold, const har_idlist *subjects,
                  int64_t windows, har_err *e)
{
    har_audit_item *ni = realloc(a->items, (a->nitems + 1) * sizeof *ni);
    if (!ni)
        return har_fail(e, HAR_EIO, "out of memory");
    a->items = ni;
    har_audit_item *it = &ni[a->nitems];
    memset(it, 0, sizeof *it);
    if (!(it->name = har_strdup(name, e)) || !(it->file = har_strdup(file, e)) ||
        difference(subjects, NULL, &it->subjects, e)) {
        free(it->name);
        free(it->file);
        har_idlist_free(&it->subjects);
        return HAR_EIO;
    }
    it->fold = fold;
    it->windows = windows;
    a->nitems++;
    return 0;
}

int har_audit_run(har_audit *a, har_err *e)
{
    a->shared_total = 0;
    for (size_t i = 0; i < a->nitems; i++)
        for (size_t j = i + 1; j < a->nitems; j++) {
            int fi = a->items[i].fold, fj = a->items[j].fold;
            if (fi && fj && fi != fj)
                continue; /* different folds are meant to share training subjects */
            har_audit_pair *np = realloc(a->pairs, (a->npairs + 1) * sizeof *np);
            if (!np)
                return har_fail(e, HAR_EIO, "out of memory");
            a->pairs = np;
            har_audit_pair *p = &np[a->npairs];
            p->a = i;
            p->b = j;
            if (har_idlist_intersect(&a->items[i].subjects, &a->items[j].subjects, &p->shared, e))
                return HAR_EIO;
            a->npairs++;
            a->shared_total += (int64_t)p->shared.n;
        }
    return 0;
}

static void print_ids(FILE *out, const har_idlist *l, const char *sep)
{
    if (!l->n)
        fputs("-", out);
    for (size_t i = 0; i < l->n; i++)
        fprintf(out, "%s%d", i ? sep : "", l->ids[i]);
}

void har_audit_print(FILE *out, const har_audit *a)
{
    size_t w = 6;
    for (size_t i = 0; i < a->nitems; i++)
        w = strlen(a->items[i].name) > w ? strlen(a->items[i].name) : w;
    fprintf(out, "subject overlap audit: %zu outputs, %zu pairs\n", a->nitems, a->npairs);
    fprintf(out, "  %-*s %8s %8s  %s\n", (int)w, "output", "windows", "subjects", "subject ids");
    for (size_t i = 0; i < a->nitems; i++) {
        const har_audit_item *it = &a->items[i];
        fprintf(out, "  %-*s %8lld %8zu  ", (int)w, it->name, (long long)it->windows, it->subjects.n);
        print_ids(out, &it->subjects, ",");
        fputc('\n', out);
    }
    fprintf(out, "  %-*s %8s  %s\n", (int)(2 * w + 3), "pair", "shared", "shared subject ids");
    for (size_t k = 0; k < a->npairs; k++) {
        const har_audit_pair *p = &a->pairs[k];
        char pair[160];
        snprintf(pair, sizeof pair, "%s & %s", a->items[p->a].name, a->items[p->b].name);
        fprintf(out, "  %-*s %8zu  ", (int)(2 * w + 3), pair, p->shared.n);
        print_ids(out, &p->shared, ",");
        fputc('\n', out);
    }
    fprintf(out, "result: %s\n",
            a->shared_total ? "LEAKAGE: subjects appear in more than one output" : "ok, no subject appears in two outputs");
}

/* CSV field, quoted when needed (RFC 4180). */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void har_audit_csv(FILE *out, const har_audit *a)
{
    fputs("kind,output,other,file,windows,subjects,subject_ids\n", out);
    for (size_t i = 0; i < a->nitems; i++) {
        const har_audit_item *it = &a->items[i];
        fputs("output,", out);
        csv_field(out, it->name);
        fputs(",,", out);
        csv_field(out, it->file);
        fprintf(out, ",%lld,%zu,", (long long)it->windows, it->subjects.n);
        print_ids(out, &it->subjects, " ");
        fputc('\n', out);
    }
    for (size_t k = 0; k < a->npairs; k++) {
        const har_audit_pair *p = &a->pairs[k];
        fputs("pair,", out);
        csv_field(out, a->items[p->a].name);
        fputc(',', out);
        csv_field(out, a->items[p->b].name);
        fprintf(out, ",,,%zu,", p->shared.n);
        print_ids(out, &p->shared, " ");
        fputc('\n', out);
    }
}

void har_audit_free(har_audit *a)
{
    for (size_t i = 0; i < a->nitems; i++) {
        free(a->items[i].name);
        free(a->items[i].file);
        har_idlist_free(&a->items[i].subjects);
    }
    for (size_t k = 0; k < a->npairs; k++)
        har_idlist_free(&a->pairs[k].shared);
    free(a->items);
    free(a->pairs);
    memset(a, 0, sizeof *a);
}
