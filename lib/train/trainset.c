/* trainset.c - see trainset.h. */
#include <stdlib.h>
#include <string.h>

#include "trainset.h"
#include "data/norm.h"
#include "io/idlist.h"

/* A training set whose windows are all of one class (one recording, a wrong
 * filter) used to train "successfully" into a constant classifier; it is
 * refused, whatever the metadata lists.  An empty set is left to the
 * trainer's own emptiness check. */
static int check_classes(const har_windows *tr, const char *path, har_err *e)
{
    if (tr->nclasses < 2)
        return har_fail(e, HAR_EDATA, "%s: need at least 2 classes, metadata lists %d", path, tr->nclasses);
    int one_class = tr->n > 0;
    for (int64_t i = 1; i < tr->n && one_class; i++)
        one_class = tr->y[i] == tr->y[0];
    if (one_class)
        return har_fail(e, HAR_EDATA, "%s: every window is of class %s: training needs at least 2 classes", path,
                        tr->classes[tr->y[0]]);
    return 0;
}

/* VAL fits TRAIN: same window shape, classes and channels, and no shared
 * subject. */
static int check_pair(const har_windows *tr, const char *tp, const har_windows *va, const char *vp, har_err *e)
{
    const char *tc = har_tfile_meta_get(tr->file, "classes"), *vc = har_tfile_meta_get(va->file, "classes");
    const char *tch = har_tfile_meta_get(tr->file, "channels"), *vch = har_tfile_meta_get(va->file, "channels");
    if (tr->t != va->t || tr->c != va->c)
        return har_fail(e, HAR_EDATA, "%s has windows %dx%d but %s has %dx%d", tp, tr->t, tr->c, vp, va->t, va->c);
    if (!tc || !vc || strcmp(tc, vc))
        return har_fail(e, HAR_EDATA, "%s has classes [%s] but %s has [%s]", tp, tc ? tc : "none", vp,
                        vc ? vc : "none");
    if (!tch || !vch || strcmp(tch, vch))
        return har_fail(e, HAR_EDATA, "%s has channels [%s] but %s has [%s]", tp, tch ? tch : "none", vp,
                        vch ? vch : "none");
    /* Subject leakage between train and validation would make every
     * validation number, and the model selection, a lie. */
    har_idlist ts = {0}, vs = {0};
    int rc = har_windows_subjects(tr, &ts, e) || har_windows_subjects(va, &vs, e);
    for (size_t i = 0; !rc && i < vs.n; i++)
        if (har_idlist_contains(&ts, vs.ids[i]))
            rc = har_fail(e, HAR_EAUDIT, "subject %d is in both %s and %s: splits must be subject-disjoint",
                          vs.ids[i], tp, vp);
    har_idlist_free(&ts);
    har_idlist_free(&vs);
    return rc ? e->code : 0;
}

/* Normalises both splits with the statistics of stats_path, or reads the
 * statistics they were normalised with. */
static int normalisation(har_trainset *s, const char *tp, const char *vp, const char *stats_path, har_err *e)
{
    har_windows *tr = &s->train, *va = &s->val;
    if (stats_path) {
        har_tfile *sf = har_tfile_read(stats_path, e);
        har_norm_stats st;
        int rc = !sf || har_norm_bind(&st, sf, e) || har_norm_apply(&st, tr, e) ||
                 (s->has_val && har_norm_apply(&st, va, e));
        if (!rc) {
            memcpy(s->mean, st.mean, (size_t)tr->c * sizeof *s->mean);
            memcpy(s->std, st.std, (size_t)tr->c * sizeof *s->std);
        }
        har_tfile_free(sf);
        return rc ? e->code : 0;
    }
    const char *tn = har_tfile_meta_get(tr->file, "norm_digest");
    if (!tn)
        return har_fail(e, HAR_EDATA,
                        "%s is not normalised: give --stats STATS (har-norm fit) or normalise it with har-norm apply",
                        tp);
    const char *vn = s->has_val ? har_tfile_meta_get(va->file, "norm_digest") : tn;
    if (!vn || strcmp(tn, vn))
        return har_fail(e, HAR_EDATA, "%s and %s were not normalised with the same statistics", tp, vp);
    return har_norm_from_meta(tr->file, tr->c, s->mean, s->std, e);
}

int har_trainset_load(har_trainset *s, const char *train_path, const char *val_path, const char *stats_path,
                      har_err *e)
{
    memset(s, 0, sizeof *s);
    s->has_val = val_path != NULL;
    s->val_digest = "none";
    if (har_windows_load(&s->train, train_path, e) || (val_path && har_windows_load(&s->val, val_path, e)) ||
        check_classes(&s->train, train_path, e) ||
        (val_path && check_pair(&s->train, train_path, &s->val, val_path, e)))
        goto fail;
    if (val_path)
        s->val_digest = s->val.file->digest;
    s->mean = har_malloc((size_t)s->train.c * sizeof *s->mean, e);
    s->std = s->mean ? har_malloc((size_t)s->train.c * sizeof *s->std, e) : NULL;
    if (!s->std || normalisation(s, train_path, val_path, stats_path, e))
        goto fail;
    return 0;
fail:;
    int code = e->code ? e->code : HAR_EIO;
    har_trainset_free(s);
    return code;
}

void har_trainset_free(har_trainset *s)
{
    har_windows_free(&s->train);
    har_windows_free(&s->val);
    free(s->mean);
    free(s->std);
    memset(s, 0, sizeof *s);
}
