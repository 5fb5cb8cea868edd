/* har-split's options and the split plan: the input is lines
 *   present subjects | --test-subjects | --val-subjects ("-" = not given) |
 *   --val-count | --folds | --loso (0/1) | --seed
 * parsed with har-split's own parsers (har_idlist_parse, har_parse_long,
 * har_parse_seed), then har_split_plan_make and the leakage audit over the
 * plan.  The plan's promises are checked: within each fold (and without
 * folds) train, val and test partition the present subjects, so the audit
 * finds nothing shared. */
#include "fuzz.h"

#include "cli/cli.h"
#include "data/split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size), *line[7] = {0};
    int nl = 0;
    for (char *p = s; nl < 7 && p;) {
        line[nl++] = p;
        char *z = strchr(p, '\n');
        if (z)
            *z++ = '\0';
        p = z;
    }
    har_idlist present = {0}, test = {0}, val = {0};
    har_split_opts so = {0};
    har_err e = {0};
    long count = 0, folds = 0, loso = 0;
    unsigned long long seed = 0;
    int have_val = nl > 2 && strcmp(line[2], "-") != 0;
    /* Parse errors are usage errors in har-split: nothing more to do. */
    if (nl < 2 || har_idlist_parse(&present, line[0], 0, INT32_MAX, "present", &e) || present.n > 512 ||
        har_idlist_parse(&test, line[1], 0, INT32_MAX, "--test-subjects", &e) ||
        (have_val && har_idlist_parse(&val, line[2], 0, INT32_MAX, "--val-subjects", &e)) ||
        (nl > 3 && *line[3] && har_parse_long(line[3], 1, 1000000, &count)) ||
        (nl > 4 && *line[4] && har_parse_long(line[4], 2, 1000000, &folds)) ||
        (nl > 5 && *line[5] && har_parse_long(line[5], 0, 1, &loso)) ||
        (nl > 6 && *line[6] && har_parse_seed(line[6], &seed)))
        goto done;
    so.test = &test;
    so.val = have_val ? &val : NULL;
    so.val_count = (int)count;
    so.folds = (int)folds;
    so.loso = (int)loso;
    so.seed = seed;
    har_split_plan plan;
    if (har_split_plan_make(&present, &so, &plan, &e)) {
        if (!e.code || !e.msg[0])
            abort();
        goto done;
    }
    har_audit a = {0};
    int maxfold = 0;
    for (size_t i = 0; i < plan.n; i++) {
        const har_split_part *p = &plan.parts[i];
        maxfold = p->fold > maxfold ? p->fold : maxfold;
        if (har_audit_add(&a, p->name, p->name, p->fold, &p->subjects, (int64_t)p->subjects.n, &e))
            abort();
    }
    /* Every fold with the shared parts (fold 0: test; without folds all
     * parts are fold 0) covers the present subjects exactly. */
    for (int f = maxfold ? 1 : 0; f <= maxfold; f++) {
        size_t covered = 0;
        for (size_t i = 0; i < plan.n; i++)
            if (plan.parts[i].fold == f || plan.parts[i].fold == 0)
                covered += plan.parts[i].subjects.n;
        if (covered != present.n)
            abort();
    }
    if (har_audit_run(&a, &e) || a.shared_total != 0)
        abort();
    har_audit_print(fuzz_sink(), &a);
    har_audit_csv(fuzz_sink(), &a);
    har_audit_free(&a);
    har_split_plan_free(&plan);
done:
    har_idlist_free(&present);
    har_idlist_free(&test);
    har_idlist_free(&val);
    free(s);
    return 0;
}
